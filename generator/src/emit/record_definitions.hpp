// The C++ definitions of a manifest's records and enums, for every target
// at once.
//
// A record or enum whose definition reads the same on every target is
// written once. One that differs (the asm/ half of a header, a `long` whose
// C spelling changes with the target's data model in a way one spelling
// cannot cover, a layout no single attribute set gives) is written per
// group of targets that agree, under `#if <target test>`. Declarations a
// target lacks are simply absent on it. Named records come after the
// records they contain; unnamed ones are defined in place, as in C.
#pragma once

#include "emit/layout_asserts.hpp"
#include "ir/abi.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace uapikit::emit {

class RecordDefinitions {
public:
    // `wanted` selects the declarations to define; records they contain by
    // value and enums their fields use are added.
    RecordDefinitions(const ir::Manifest& manifest, OriginFilter wanted);

    // Throws InputError ("file:line:col: error: emit: ...") for a
    // declaration C++ cannot express exactly on some target.
    std::string enums();
    std::string records();

    // Names of every enum constant defined (macros of the same name are
    // left out: C headers often #define a constant to itself).
    const std::set<std::string>& enum_constants() const { return constants_; }

private:
    struct View {
        std::string triple;
        const ir::TargetAbi* abi;
        const ir::Record* record;
    };

    const ir::Manifest& manifest_;
    OriginFilter wanted_;
    std::vector<std::string> order_;                        // record names, first seen first
    std::map<std::string, std::vector<View>> views_;        // name -> its definition on each target
    std::set<std::string> embedded_;                        // records some record holds by value
    std::set<std::string> used_enums_;
    std::set<std::string> done_;
    std::set<std::string> constants_;
    std::string out_;
    // Records C++ must see as POD: packed ones and what they hold. C++ does
    // not pack a member whose type has default member initializers, so
    // these get none (zero them with `T x{}`). Found by a first pass.
    bool first_pass_ = false;
    std::set<std::string> pod_;

    void collect_pod_closure();
    std::set<std::string> held_records(const std::string& name) const;

    void define(const std::string& name);
    std::set<std::string> dependencies(const std::vector<View>& views) const;
    void add_enum_uses(const std::vector<View>& views);
    std::string body(const std::vector<View>& views, const std::string& indent, bool initialise, bool& joint);
    std::string render(const std::vector<View>& views, const std::string& indent, bool initialise, bool& joint);
    std::string member_text(const std::vector<View>& views, std::size_t field, const std::string& spelled,
                            const std::string& attributes, const std::string& indent, bool initialise, bool last, bool& joint);
    [[noreturn]] void unsupported(const View& view, const ir::Field* field, const std::string& why) const;
};

// `#if` conditions for a set of targets, and the text that writes one
// definition per group of targets with the same text.
std::string per_target_text(const std::map<std::string, std::string>& text_by_triple, std::size_t all_targets);

}  // namespace uapikit::emit
