// Compact JSON text written straight into a string, for the manifest: tens
// of megabytes for a full scan, where building an nlohmann document first
// cost more than everything else after the parses.
//
// Only the structure is written here. A string that is plain printable
// ASCII without a quote or a backslash (identifiers, paths, type names: all
// but a few) is its own JSON encoding and is copied; any other string goes
// through nlohmann's serializer, which escapes it and rejects invalid UTF-8
// exactly as the rest of uapikit's JSON does. Integers use std::to_chars,
// which spells them as nlohmann does.
#pragma once

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace uapikit::manifest {

class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : out_(out) {}

    // Layout between values (newlines, indentation); starts a new value.
    void raw(std::string_view text) {
        out_.append(text);
        comma_ = false;
    }

    void start_object() { open('{'); }
    void end_object() { close('}'); }
    void start_array() { open('['); }
    void end_array() { close(']'); }

    // `name` is one of the manifest's fixed ASCII keys.
    void key(std::string_view name) {
        open_quote();
        out_.append(name);
        out_.append("\":", 2);
        comma_ = false;
    }

    void string(std::string_view s) {
        if (is_plain(s)) {
            open_quote();
            out_.append(s);
            out_ += '"';
        } else {
            separate();
            out_ += nlohmann::json(s).dump();
        }
        comma_ = true;
    }

    void number(std::uint64_t v) { integer(v); }
    void number(std::int64_t v) { integer(v); }

    void boolean(bool v) {
        separate();
        out_ += v ? "true" : "false";
        comma_ = true;
    }

private:
    static bool is_plain(std::string_view s) {
        for (unsigned char c : s)
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
        return true;
    }

    template <typename T>
    void integer(T v) {
        separate();
        char digits[24];
        auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
        out_.append(digits, end);
        comma_ = true;
    }

    void separate() {
        if (comma_) out_ += ',';
    }
    // The separator and an opening quote in one append: keys and strings
    // are most of the manifest's values.
    void open_quote() {
        if (comma_)
            out_.append(",\"", 2);
        else
            out_ += '"';
    }
    void open(char c) {
        separate();
        out_ += c;
        comma_ = false;
    }
    void close(char c) {
        out_ += c;
        comma_ = true;
    }

    std::string& out_;
    bool comma_ = false;  // a value came before in the current object or array
};

}  // namespace uapikit::manifest
