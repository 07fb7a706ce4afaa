#include "ir/field_keys.hpp"

namespace uapikit::ir {

std::vector<std::string> field_keys(const Record& record) {
    std::vector<std::string> out;
    std::size_t bitfields = 0;
    for (const Field& f : record.fields) {
        // Neither form below is an identifier, so none meets a field's name.
        std::string key = !f.name.empty() ? f.name
                          : f.anonymous   ? "anonymous " + f.type
                                          : "unnamed bitfield " + std::to_string(++bitfields);
        out.push_back(std::move(key));
    }
    return out;
}

std::string held_record(const std::string& type) {
    std::string t = type.substr(0, type.find('['));
    while (!t.empty() && t.back() == ' ') t.pop_back();
    for (const char* prefix : {"struct ", "union "})
        if (t.starts_with(prefix)) return t.substr(std::string_view(prefix).size());
    return {};
}

std::string field_label(const Field& field) {
    if (!field.name.empty()) return field.name;
    if (!field.anonymous) return "an unnamed bitfield";
    std::string name = held_record(field.type);
    auto last = name.rfind("::");
    return last == std::string::npos ? name : name.substr(last + 2);
}

}  // namespace uapikit::ir
