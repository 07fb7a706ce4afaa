// Splits header text into its logical preprocessor lines: backslash
// continuations joined, comments gone. The define index reads only these.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace uapikit::scan {

// The logical lines of `text` whose first non-blank character is '#'. A
// comment becomes one space, a "//" comment ends its line, and a
// backslash-newline becomes one space. String literals are not tracked:
// a comment marker inside one ends the scan of that line, which only
// matters for bodies with quotes, and those are never probed.
std::vector<std::string> directive_lines(std::string_view text);

}  // namespace uapikit::scan
