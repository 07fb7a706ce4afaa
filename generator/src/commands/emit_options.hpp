// What emit and emit-calls share about their input and output: the
// namespace the bindings live in, checked as C++ before anything is
// written, and the refusal to write over the manifest being read.
#pragma once

#include "abi/version_catalog.hpp"
#include "emit/cpp_bindings.hpp"
#include "emit/layout_asserts.hpp"
#include "util/errors.hpp"

#include <CLI/CLI.hpp>

#include <cctype>
#include <filesystem>
#include <string>
#include <string_view>

namespace uapikit::commands {

// Why `name` cannot be a namespace (one identifier, or several joined by
// ::), or "" when it can.
inline std::string namespace_problem(const std::string& name) {
    std::string_view rest = name;
    while (true) {
        const auto end = rest.find("::");
        const std::string_view part = rest.substr(0, end);
        const bool identifier = !part.empty() && !std::isdigit(static_cast<unsigned char>(part.front())) &&
                                part.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
                                    std::string_view::npos;
        if (!identifier) return "'" + name + "' is not a C++ namespace name (letters, digits and _, parts joined by ::)";
        if (emit::is_cpp_keyword(std::string(part)))
            return "'" + name + "' is not a C++ namespace name ('" + std::string(part) + "' is reserved)";
        if (end == std::string_view::npos) return "";
        rest = rest.substr(end + 2);
    }
}

inline CLI::Validator cpp_namespace() {
    return CLI::Validator(namespace_problem, "NAMESPACE", "C++ namespace");
}

// The namespace under uapikit::raw when none is given: from the version's
// name, or for a manifest from scan, from its file's name (linux-6.12.json
// -> linux_6_12).
inline std::string default_raw_namespace(const abi::LoadedAbi& loaded, const std::string& subject) {
    if (!loaded.manifest.version.empty()) return emit::namespace_for(loaded.manifest.version);
    return emit::namespace_for(std::filesystem::path(subject).stem().string());
}

// Refuses an output that is the manifest being read: emit would replace
// it with C++ and lose it.
inline void refuse_overwriting_input(const std::string& subject, const std::string& output) {
    std::error_code ec;
    if (std::filesystem::equivalent(subject, output, ec))
        throw input_error("the output " + output + " is the manifest being read; write the header elsewhere");
}

}  // namespace uapikit::commands
