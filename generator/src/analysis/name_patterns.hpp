// The name-based judgements of check and diff, kept as data: each table is
// a list of shell-style patterns (fnmatch(3)) with the reason it exists, and
// docs/abi-rules.md lists the same tables. They follow the kernel's own
// scripts/check-uapi.sh, which suppresses abidiff reports with such lists,
// and the naming habits of uapi headers.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace uapikit::analysis {

struct NamePattern {
    const char* glob;
    const char* why;
};

// Fields that hold bytes kept for later use (__reserved, rsvd2, pad,
// __spare[12], unused...): callers must zero them, so new fields may take
// their bytes.
std::span<const NamePattern> reserved_field_patterns();

// Enum constants and macros that count or bound the others (__FOO_MAX,
// FOO_CNT, NUM_FOO, FOO_AFTER_LAST...): they move whenever an entry is added.
std::span<const NamePattern> sentinel_patterns();

// Masks of every valid or supported bit (FOO_VALID_MASK, FOO_ALL,
// RWF_SUPPORTED...): they gain bits whenever a flag is added.
std::span<const NamePattern> valid_mask_patterns();

// Masks of the bits still reserved (HSA_CAP_RESERVED): they lose bits
// whenever one is put to use.
std::span<const NamePattern> reserved_mask_patterns();

// Version numbers that grow with the interface (FUSE_KERNEL_MINOR_VERSION,
// TASKSTATS_VERSION...): userspace compares them at run time.
std::span<const NamePattern> version_patterns();

// Versions userspace requires to be equal to its own (KVM_API_VERSION,
// VFIO_API_VERSION): any change breaks every existing program.
std::span<const NamePattern> equality_version_patterns();

// The release the headers come from (LINUX_VERSION_CODE and its parts):
// any value is expected, even a lower sublevel.
std::span<const NamePattern> release_patterns();

// Records whose length the kernel takes from the caller and zero-extends
// (copy_struct_from_user() or bpf's tail check), beyond those that carry a
// leading size field: growth at their tail is compatible.
std::span<const NamePattern> caller_sized_records();

// Request macros whose handler finds the command by its number without the
// size and copies what the caller passed, zero-extended: their argument may
// grow at its tail.
std::span<const NamePattern> size_tolerant_requests();

// The first pattern of `patterns` that `name` matches; nullptr if none.
const NamePattern* match_name(std::span<const NamePattern> patterns, const std::string& name);

inline bool matches(std::span<const NamePattern> patterns, const std::string& name) {
    return match_name(patterns, name) != nullptr;
}

}  // namespace uapikit::analysis
