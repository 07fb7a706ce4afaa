// A cheap lexical index of the `#include` and `#define` lines of header
// files, used only to decide which macro names to probe before the single
// libclang parse of a header. It never decides a value, a location or a
// layout: clang does that. Over-approximation is harmless (probes are
// guarded by #ifdef); a file it misses is caught after the parse by
// comparing against the files clang actually opened.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace uapikit::scan {

struct IncludeLine {
    std::string spec;  // what is between <> or ""
    bool angled = false;
};

struct DefineLine {
    std::string name;
    std::string body;  // replacement text, comments removed, whitespace folded
};

// What one file contributes to the probes. Worked out once when the file
// is first read, since every translation unit that includes it asks again.
struct HeaderText {
    std::vector<IncludeLine> includes;
    std::vector<DefineLine> object_like_defines;
    std::vector<std::string> probe_names;   // defines worth_probing() that are not plain literals
    std::vector<std::string> literal_names; // defines whose body is one integer literal, maybe in parentheses
    std::vector<std::string> ioctl_names;   // ... that also build_ioctl_number()
    std::vector<std::pair<std::string, std::string>> aliases;  // NAME -> OTHER for "#define NAME OTHER"
    // Macros that call function-like macros other than the ioctl builders,
    // with the names they call: "#define CMD WRAP_IOR(1, struct x)", and
    // function-like ones such as "#define WRAP_IOR(nr, t) _IOR('K', nr, t)".
    // A request built through a wrapper is found by following these.
    std::vector<std::pair<std::string, std::vector<std::string>>> calls;
    std::vector<std::string> ioctl_wrappers;  // function-like macros that call an ioctl builder
};

// Reads the preprocessor lines of one file, or of a file's contents.
HeaderText read_header_text(const std::filesystem::path& file);
HeaderText parse_header_text(std::string_view contents);

// Thread-safe cache of read_header_text by normalised path. Files with the
// same contents share one reading: every architecture's tree holds the same
// linux/ headers, and a multi-target scan reads each of them once.
class DefineIndex {
public:
    std::shared_ptr<const HeaderText> get(const std::filesystem::path& file);

    // Files reachable from `entry` through #include lines resolved against
    // `include_dirs` (quoted includes first against the includer's folder),
    // `entry` included. Paths are lexically normalised.
    std::vector<std::filesystem::path> closure(const std::filesystem::path& entry,
                                               const std::vector<std::filesystem::path>& include_dirs);

private:
    // Direct includes of `file` resolved against one set of folders;
    // `dirs_key` names that set (see closure()).
    const std::vector<std::filesystem::path>& resolved_includes(const std::filesystem::path& file,
                                                                const std::vector<std::filesystem::path>& include_dirs,
                                                                const std::string& dirs_key);

    // Keyed by path text: every parse of every target looks files up here,
    // and hashing a string is far cheaper than comparing paths by component.
    std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<const HeaderText>> cache_;
    std::unordered_map<std::string, std::shared_ptr<const HeaderText>> by_contents_;  // file contents -> reading
    std::mutex resolved_mutex_;
    std::unordered_map<std::string, std::vector<std::filesystem::path>> resolved_;  // dirs_key + file
};

// True when a macro body could be an integer expression worth probing:
// nothing that can only be a string, statement, attribute or declaration.
bool worth_probing(const DefineLine& define);

// True when a body is a single integer literal (decimal, octal or hex, any
// suffix), possibly in parentheses: its value needs no constant evaluator.
bool is_plain_integer_literal(const std::string& body);

// True when a body builds an ioctl request number (_IO, _IOR, _IOW, _IOWR,
// _IOC and their _BAD forms).
bool builds_ioctl_number(const std::string& body);

}  // namespace uapikit::scan
