// static_assert lines that restate a manifest for one target, and the
// #if chain that picks the block for the target being compiled. Shared by
// emit-tests (standalone test files) and emit (the bindings' own checks).
#pragma once

#include "ir/abi.hpp"

#include <functional>
#include <set>
#include <string>

namespace uapikit::emit {

using OriginFilter = std::function<bool(const ir::Origin&)>;

// Records a C++ translation unit can name: tags and typedefs, not the
// synthetic "parent::member" or "@enum" names, and no C++ keywords.
bool nameable(const std::string& name);
bool is_cpp_keyword(const std::string& name);

// A C member's name in the C++ bindings: a C++ keyword, or the name of the
// record that holds it (which C++ forbids as a member name), gets a
// trailing underscore; `record` is "" for unnamed records.
std::string member_name(const std::string& field, const std::string& record);

// An integer literal for `v` that C++ reads back as the same value.
std::string integer_literal(const ir::Integer& v);

// How the asserts name things: the original C declarations compiled as
// C++ (emit-tests: members under their own names, those C++ cannot name
// left out), or the generated bindings (members as member_name() writes
// them; `skip_macros` are constants the bindings do not define).
struct AssertStyle {
    bool bindings = false;
    const std::set<std::string>* skip_macros = nullptr;
};

// Size, alignment, field offsets and sizes of the wanted records, the
// values of their enum constants and of every macro that evaluates.
// In the bindings records are named with their keyword (`sizeof(struct
// foo)`), which stays right when a constant of the same name hides the tag.
void append_layout_asserts(std::string& out, const ir::TargetAbi& abi, const OriginFilter& wanted, AssertStyle style = {});

// `#if <target test>  // triple` ... `#elif` ... `#else #error #endif`,
// with `body` writing each target's block.
void append_target_chain(std::string& out, const ir::Manifest& manifest,
                         const std::function<void(std::string&, const ir::TargetAbi&)>& body);

}  // namespace uapikit::emit
