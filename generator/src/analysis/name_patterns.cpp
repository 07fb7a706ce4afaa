#include "analysis/name_patterns.hpp"

#include <array>
#include <fnmatch.h>

namespace uapikit::analysis {
namespace {

// check-uapi.sh's padding list (pad, padding, res, resv, reserved, rsvd,
// unused) widened to any position in the name, plus the spellings Linux 6.1
// -> 6.12 put to use that it misses: rsv (ptp_clock.h), __spare (stat.h),
// __align (sed-opal.h).
constexpr std::array kReservedFields = {
    NamePattern{"*reserved*", "reserved, __reserved, reserved2, rsvd_reserved"},
    NamePattern{"*rsvd*", "rsvd, __rsvd, rsvd8"},
    NamePattern{"*resv", "resv, __resv, la_resv"},
    NamePattern{"*resv[0-9d]*", "resv2, resvd, fp_resvd (not need_resv_pool, a flag of mtd/ubi-user.h)"},
    NamePattern{"*rsv", "rsv (linux/ptp_clock.h)"},
    NamePattern{"*rsv[0-9]", "rsv1"},
    NamePattern{"res", "res (check-uapi.sh's .*res$, kept to whole words)"},
    NamePattern{"*_res", "__res"},
    NamePattern{"*pad", "pad, __pad, s_pad"},
    NamePattern{"*pad[0-9_]*", "__pad1, pad_2, tca__pad1 (not ipaddr, p_paddr or num_pads)"},
    NamePattern{"*padding*", "padding, i_padding, __padding2"},
    NamePattern{"*spare*", "__spare, spare4"},
    NamePattern{"*unused*", "unused, __unused2"},
    NamePattern{"__align*", "__align (linux/sed-opal.h: bytes that only keep the next field aligned)"},
};

// check-uapi.sh's enum list, which it applies to enumerators, here applied
// to macros as well, plus the counts its list misses.
constexpr std::array kSentinels = {
    NamePattern{"*_AFTER_LAST", "one past the last attribute (nl80211)"},
    NamePattern{"*_CNT", "number of entries"},
    NamePattern{"*_COUNT", "number of entries"},
    NamePattern{"*_END", "end marker"},
    NamePattern{"*_LAST", "last entry (IORING_OP_LAST, HASH_ALGO__LAST)"},
    NamePattern{"*_MAX", "largest entry (__FOO_MAX, FOO_MAX)"},
    NamePattern{"__*MAX", "largest entry, without the underscore (__LINUX_MIB_XFRMMAX)"},
    NamePattern{"*_MAX_STATES", "number of states (BPF_TCP_MAX_STATES)"},
    NamePattern{"*_MAX_BIT", "largest bit"},
    NamePattern{"*_MAX_BPF_ATTACH_TYPE", "bpf's attach-type bound"},
    NamePattern{"*_MAX_ID", "largest id (__BPF_FUNC_MAX_ID)"},
    NamePattern{"*_MAX_SHIFT", "largest shift (PERF_SAMPLE_BRANCH_MAX_SHIFT)"},
    NamePattern{"*_NBITS", "number of bits (__ETHTOOL_LINK_MODE_MASK_NBITS)"},
    NamePattern{"*_NETDEV_NUMHOOKS", "netfilter hook count"},
    NamePattern{"*_NFT_META_IIFTYPE", "nftables alias kept last"},
    NamePattern{"*_NL80211_ATTR", "nl80211 attribute count"},
    NamePattern{"*_NLDEV_NUM_OPS", "rdma netlink op count"},
    NamePattern{"*_NUM", "number of entries"},
    NamePattern{"*_NUM_ELEMS", "number of elements"},
    NamePattern{"*_NUM_IRQS", "number of interrupts"},
    NamePattern{"*_SIZE", "number of entries, for enumerators only (a macro named so is a size)"},
    NamePattern{"*_TLSMAX", "largest TLS version"},
    NamePattern{"MAX_*", "largest entry (MAX_BPF_LINK_TYPE)"},
    NamePattern{"NUM_*", "number of entries (NUM_NL80211_ATTR)"},
    NamePattern{"*_NR", "number of entries (VIRTIO_BALLOON_S_NR)"},
    NamePattern{"NSIG[A-Z]*", "number of si_code values of a signal (NSIGSEGV)"},
    NamePattern{"AT_VECTOR_SIZE*", "number of auxiliary-vector entries the kernel reserves (asm/auxvec.h)"},
};

constexpr std::array kValidMasks = {
    NamePattern{"*_MASK", "mask of the valid bits (check-uapi.sh's _MASK)"},
    NamePattern{"*_ALL", "every flag"},
    NamePattern{"*_VALID_FLAGS", "every valid flag"},
    NamePattern{"*_SUPPORTED", "every supported flag (RWF_SUPPORTED)"},
    NamePattern{"*_FEATURES", "every feature bit (UFFD_API_FEATURES)"},
    NamePattern{"*_IOCTLS", "every supported ioctl, as bits (UFFD_API_RANGE_IOCTLS)"},
    NamePattern{"*_IOCTLS_BASIC", "every basic ioctl, as bits"},
};

constexpr std::array kReservedMasks = {
    NamePattern{"*_RESERVED", "bits not yet given a meaning (HSA_CAP_RESERVED)"},
    NamePattern{"*_RESERVED_MASK", "bits not yet given a meaning"},
};

constexpr std::array kReleases = {
    NamePattern{"LINUX_VERSION_*", "the kernel's release (LINUX_VERSION_CODE, _MAJOR, _PATCHLEVEL, _SUBLEVEL)"},
};

constexpr std::array kEqualityVersions = {
    NamePattern{"*_API_VERSION", "an API version userspace checks for equality (KVM_GET_API_VERSION must answer "
                                 "KVM_API_VERSION, VFIO_GET_API_VERSION VFIO_API_VERSION)"},
};

constexpr std::array kVersions = {
    NamePattern{"*_MINOR_VERSION", "minor version of a protocol, as FUSE_KERNEL_MINOR_VERSION"},
    NamePattern{"*_VERSION_MINOR", "minor version, as DM_VERSION_MINOR"},
    NamePattern{"*_VERSION_PATCHLEVEL", "patch level"},
    NamePattern{"*_VERSION", "of a struct or protocol that grows, as TASKSTATS_VERSION"},
};

constexpr std::array kCallerSized = {
    NamePattern{"bpf_attr", "bpf(2) takes the size as an argument and requires the unknown tail to be zero"},
    NamePattern{"bpf_attr::*", "the per-command structs of bpf_attr, sized the same way"},
    NamePattern{"clone_args", "clone3(2) takes the size as an argument (copy_struct_from_user)"},
    NamePattern{"open_how", "openat2(2) takes the size as an argument (copy_struct_from_user)"},
    NamePattern{"mount_attr", "mount_setattr(2) takes the size as an argument (copy_struct_from_user)"},
    NamePattern{"landlock_ruleset_attr", "landlock_create_ruleset(2) takes the size as an argument"},
    NamePattern{"perf_event_attr", "perf_event_open(2) reads the size from its size field at offset 4"},
};

constexpr std::array kSizeTolerant = {
    NamePattern{"DRM_IOCTL_*", "drm_ioctl() (drivers/gpu/drm/drm_ioctl.c) looks the command up by number and "
                               "zero-fills up to the kernel's size"},
    NamePattern{"AMDKFD_IOC_*", "kfd_ioctl() (drivers/gpu/drm/amd/amdkfd/kfd_chardev.c) looks the command up by "
                                "number and zero-fills up to the kernel's size"},
};

}  // namespace

std::span<const NamePattern> reserved_field_patterns() { return kReservedFields; }
std::span<const NamePattern> size_tolerant_requests() { return kSizeTolerant; }
std::span<const NamePattern> sentinel_patterns() { return kSentinels; }
std::span<const NamePattern> valid_mask_patterns() { return kValidMasks; }
std::span<const NamePattern> reserved_mask_patterns() { return kReservedMasks; }
std::span<const NamePattern> version_patterns() { return kVersions; }
std::span<const NamePattern> equality_version_patterns() { return kEqualityVersions; }
std::span<const NamePattern> release_patterns() { return kReleases; }
std::span<const NamePattern> caller_sized_records() { return kCallerSized; }

const NamePattern* match_name(std::span<const NamePattern> patterns, const std::string& name) {
    for (const auto& p : patterns)
        if (fnmatch(p.glob, name.c_str(), 0) == 0) return &p;
    return nullptr;
}

}  // namespace uapikit::analysis
