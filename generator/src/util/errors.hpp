// Errors that end a command with exit status 2 (bad usage or bad input).
// The message is printed as is: either compiler-style "file:line:col:
// error: ..." or a one-line reason that starts with "uapikit-gen: error:".
#pragma once

#include <stdexcept>
#include <string>

namespace uapikit {

struct InputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A one-line reason with the tool's prefix.
inline InputError input_error(const std::string& reason) { return InputError("uapikit-gen: error: " + reason); }

}  // namespace uapikit
