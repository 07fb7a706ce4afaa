#include "analysis/constant_rules.hpp"

#include "analysis/name_patterns.hpp"

namespace uapikit::analysis {
namespace {

bool is_negative(const ir::Integer& v) { return !v.is_unsigned && static_cast<std::int64_t>(v.bits) < 0; }

}  // namespace

bool is_sentinel_name(const std::string& name, bool macro) {
    if (!matches(sentinel_patterns(), name)) return false;
    return !(macro && name.ends_with("_SIZE"));
}

std::optional<ConstantVerdict> expected_change(const std::string& name, const ir::Integer& before, const ir::Integer& after,
                                               bool macro) {
    if (const NamePattern* p = match_name(sentinel_patterns(), name); p && is_sentinel_name(name, macro))
        return ConstantVerdict{"sentinel-changed", std::string("counting sentinel (") + p->why +
                                                       "): it moves whenever an entry is added, and binaries that used "
                                                       "the old value still see every entry they knew"};
    bool gained_bits_only = (before.bits & ~after.bits) == 0;
    bool lost_bits_only = (after.bits & ~before.bits) == 0;
    if (const NamePattern* p = match_name(valid_mask_patterns(), name); p && gained_bits_only)
        return ConstantVerdict{"mask-changed", std::string("mask of every valid bit (") + p->why +
                                                   ") gained bits only: each old bit keeps its meaning"};
    if (const NamePattern* p = match_name(reserved_mask_patterns(), name); p && lost_bits_only)
        return ConstantVerdict{"mask-changed", std::string("mask of the reserved bits (") + p->why +
                                                   ") lost bits only: bits were put to use"};
    if (const NamePattern* p = match_name(release_patterns(), name))
        return ConstantVerdict{"version-changed", std::string("release number (") + p->why +
                                                      "): it changes with every release the headers come from"};
    if (match_name(equality_version_patterns(), name)) return std::nullopt;  // a plain value change: incompatible
    if (const NamePattern* p = match_name(version_patterns(), name);
        p && !is_negative(before) && !is_negative(after) && after.bits > before.bits)
        return ConstantVerdict{"version-changed", std::string("version number (") + p->why +
                                                      ") went up: userspace compares it at run time"};
    return std::nullopt;
}

}  // namespace uapikit::analysis
