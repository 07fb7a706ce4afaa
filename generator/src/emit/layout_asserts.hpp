// static_assert lines that restate a manifest for one target, and the
// #if chain that picks the block for the target being compiled. Shared by
// emit-tests (standalone test files) and emit (the bindings' own checks).
#pragma once

#include "ir/abi.hpp"

#include <functional>
#include <string>

namespace uapikit::emit {

using OriginFilter = std::function<bool(const ir::Origin&)>;

// Records a C++ translation unit can name: tags and typedefs, not the
// synthetic "parent::member" or "@enum" names, and no C++ keywords.
bool nameable(const std::string& name);
bool is_cpp_keyword(const std::string& name);

// An integer literal for `v` that C++ reads back as the same value.
std::string integer_literal(const ir::Integer& v);

// Size, alignment, field offsets and sizes of the wanted records, the
// values of their enum constants and of every macro that evaluates.
void append_layout_asserts(std::string& out, const ir::TargetAbi& abi, const OriginFilter& wanted);

// `#if <target test>  // triple` ... `#elif` ... `#else #error #endif`,
// with `body` writing each target's block.
void append_target_chain(std::string& out, const ir::Manifest& manifest,
                         const std::function<void(std::string&, const ir::TargetAbi&)>& body);

}  // namespace uapikit::emit
