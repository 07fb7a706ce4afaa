// Text made safe to place in XML or HTML, as element content or inside a
// quoted attribute. Both the JUnit report and the HTML layout page use it.
#pragma once

#include <string>

namespace uapikit {

inline std::string markup_escape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;  // HTML5 knows it too
            default: out += c;
        }
    }
    return out;
}

}  // namespace uapikit
