// The Arm SMMUv3 words a VMM hands to iommufd for a nested (accelerated)
// vSMMU, with their fields named:
//   - the guest's Stream Table Entry for a nested HWPT (IOMMU_HWPT_ALLOC on a
//     vIOMMU, data type IOMMU_HWPT_DATA_ARM_SMMUV3: struct iommu_hwpt_arm_smmuv3);
//   - the guest's invalidation commands (IOMMU_HWPT_INVALIDATE on a vIOMMU,
//     IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3: struct
//     iommu_viommu_arm_smmuv3_invalidate);
//   - the event records a vEVENTQ of type IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 returns
//     (struct iommu_vevent_arm_smmuv3).
// Bit positions are the SMMUv3 architecture's (Arm IHI 0070, "Stream Table
// Entry", "Commands", "Event records"), as Linux names them in
// drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h; which fields and commands the
// kernel takes from user space is arm-smmu-v3-iommufd.c (mainline, since
// 6.14): arm_smmu_validate_vste() and arm_vsmmu_convert_user_cmd(). The
// words are little-endian in the ABI; these helpers take and give host
// values and convert.
#pragma once

#include <uapikit/generated/proposed.hpp>

#include <bit>
#include <cstdint>

namespace uapikit::arm_smmuv3 {

namespace raw = uapikit::raw::proposed;

// A host value as the ABI's little-endian 64-bit word, and back.
constexpr std::uint64_t le64(std::uint64_t v) noexcept {
    if constexpr (std::endian::native == std::endian::big) return __builtin_bswap64(v);
    return v;
}

// Bits [low, low + width) of a 64-bit word.
struct field {
    unsigned low;
    unsigned width;
    constexpr std::uint64_t mask() const noexcept { return (width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1) << low; }
    constexpr std::uint64_t get(std::uint64_t word) const noexcept { return (word & mask()) >> low; }
    // `value` placed in the field; bits that do not fit are dropped.
    constexpr std::uint64_t put(std::uint64_t value) const noexcept { return (value << low) & mask(); }
};

// ---------------------------------------------------------------- STE

// STE word 0 (STRTAB_STE_0_*).
namespace ste0 {
inline constexpr field valid{0, 1};       // V
inline constexpr field config{1, 3};      // Config, see ste_config
inline constexpr field s1fmt{4, 2};       // S1Fmt, see s1_format
inline constexpr field s1ctxptr{6, 46};   // S1ContextPtr: bits 51:6 of the CD table's (guest) address, in place
inline constexpr field s1cdmax{59, 5};    // S1CDMax: log2 of the number of CDs
}  // namespace ste0

// STE word 1 (STRTAB_STE_1_*).
namespace ste1 {
inline constexpr field s1dss{0, 2};      // S1DSS: what a transaction without a SubstreamID gets
inline constexpr field s1cir{2, 2};      // S1CIR: inner cacheability of CD and table walks
inline constexpr field s1cor{4, 2};      // S1COR: outer cacheability
inline constexpr field s1csh{6, 2};      // S1CSH: shareability
inline constexpr field s1stalld{27, 1};  // S1STALLD: stage-1 stalls disabled
inline constexpr field eats{28, 2};      // EATS: ATS, see ste_eats
}  // namespace ste1

// The Config field values a nested STE may carry; the kernel answers EIO to
// the others (stage 2 and nested are its own).
enum class ste_config : std::uint8_t {
    abort = 0,         // STRTAB_STE_0_CFG_ABORT
    bypass = 4,        // STRTAB_STE_0_CFG_BYPASS: the vIOMMU's stage 2 only
    s1_translate = 5,  // STRTAB_STE_0_CFG_S1_TRANS: the guest's CD table over stage 2
};

// S1Fmt: how the CD table is laid out.
enum class s1_format : std::uint8_t {
    linear = 0,          // STRTAB_STE_0_S1FMT_LINEAR
    two_level_4k = 1,    // 2-level, 4 KiB leaf tables
    two_level_64k = 2,   // STRTAB_STE_0_S1FMT_64K_L2
};

// EATS values the kernel accepts in a nested STE (it answers EIO to 2,
// S1CHK, and to the reserved 3). The kernel keeps EATS for itself: it reads
// it to decide on ATS and clears it from what it stores.
enum class ste_eats : std::uint8_t {
    abort = 0,  // STRTAB_STE_1_EATS_ABT: ATS translation requests fail
    full = 1,   // STRTAB_STE_1_EATS_TRANS: full ATS
};

// The bits of each word a nested STE may set (STRTAB_STE_0_NESTING_ALLOWED,
// STRTAB_STE_1_NESTING_ALLOWED); a valid entry with any other bit set is EIO.
inline constexpr std::uint64_t ste0_nesting_allowed =
    ste0::valid.mask() | ste0::config.mask() | ste0::s1fmt.mask() | ste0::s1ctxptr.mask() | ste0::s1cdmax.mask();
inline constexpr std::uint64_t ste1_nesting_allowed = ste1::s1dss.mask() | ste1::s1cir.mask() | ste1::s1cor.mask() |
                                                      ste1::s1csh.mask() | ste1::s1stalld.mask() | ste1::eats.mask();

// An STE from two host-order words, as they are (make_command() is the same
// for a command, e.g. a guest's own to forward after passes_to_viommu()).
constexpr raw::iommu_hwpt_arm_smmuv3 make_ste(std::uint64_t word0, std::uint64_t word1 = 0) noexcept {
    raw::iommu_hwpt_arm_smmuv3 ste{};
    ste.ste[0] = le64(word0);
    ste.ste[1] = le64(word1);
    return ste;
}

// A valid STE that aborts every transaction (what a vSMMU installs for a
// stream whose guest STE is invalid or aborts).
constexpr raw::iommu_hwpt_arm_smmuv3 abort_ste() noexcept {
    return make_ste(ste0::valid.put(1) | ste0::config.put(std::uint64_t(ste_config::abort)));
}

// A valid STE that bypasses stage 1: the device sees the vIOMMU's stage 2.
constexpr raw::iommu_hwpt_arm_smmuv3 bypass_ste() noexcept {
    return make_ste(ste0::valid.put(1) | ste0::config.put(std::uint64_t(ste_config::bypass)));
}

// A valid stage-1 STE over the guest's CD table at guest address `cd_table`
// (64-byte aligned, below 2^52: the field holds bits 51:6 and drops the
// rest), `format`, 2^`s1cdmax` CDs (0 to 31; the field is 5 bits), and
// `eats`: ste_eats::full when the guest enabled ATS for the device, which
// is how the kernel learns it must enable ATS (the guest then sends
// CMD_ATC_INV).
constexpr raw::iommu_hwpt_arm_smmuv3 s1_ste(std::uint64_t cd_table, s1_format format = s1_format::linear, unsigned s1cdmax = 0,
                                            ste_eats eats = ste_eats::abort) noexcept {
    return make_ste(ste0::valid.put(1) | ste0::config.put(std::uint64_t(ste_config::s1_translate)) |
                        ste0::s1fmt.put(std::uint64_t(format)) | (cd_table & ste0::s1ctxptr.mask()) | ste0::s1cdmax.put(s1cdmax),
                    ste1::eats.put(std::uint64_t(eats)));
}

// The guest's own STE words 0 and 1 (host order, as read from its stream
// table) cut to the fields the kernel lets a nested STE set, as QEMU's
// accelerated SMMUv3 does (hw/arm/smmuv3-accel.c). Config values other than
// abort, bypass and stage 1, and EATS 2 or 3, still fail with EIO: check
// config_of() first.
constexpr raw::iommu_hwpt_arm_smmuv3 nested_ste(std::uint64_t guest_word0, std::uint64_t guest_word1) noexcept {
    return make_ste(guest_word0 & ste0_nesting_allowed, guest_word1 & ste1_nesting_allowed);
}

// V of an STE.
constexpr bool is_valid(const raw::iommu_hwpt_arm_smmuv3& ste) noexcept { return ste0::valid.get(le64(ste.ste[0])) != 0; }

// Config of an STE (any of the 3-bit values, not only ste_config's).
constexpr unsigned config_of(const raw::iommu_hwpt_arm_smmuv3& ste) noexcept {
    return static_cast<unsigned>(ste0::config.get(le64(ste.ste[0])));
}

// ------------------------------------------------------------ commands

// Command opcodes (CMDQ_OP_*, bits 7:0 of word 0). The kernel passes these
// on for a vIOMMU, putting in the VMID or turning a virtual StreamID into
// the physical one; any other opcode is EIO.
enum class cmdq_op : std::uint8_t {
    cfgi_cd = 0x05,        // CMD_CFGI_CD: a CD of a stream changed
    cfgi_cd_all = 0x06,    // CMD_CFGI_CD_ALL: all CDs of a stream
    tlbi_nh_all = 0x10,    // CMD_TLBI_NH_ALL: all stage-1 entries of the VM
    tlbi_nh_asid = 0x11,   // CMD_TLBI_NH_ASID: those of one ASID
    tlbi_nh_va = 0x12,     // CMD_TLBI_NH_VA: one address of one ASID
    tlbi_nh_vaa = 0x13,    // CMD_TLBI_NH_VAA: one address of every ASID
    tlbi_nsnh_all = 0x30,  // CMD_TLBI_NSNH_ALL: the kernel makes it NH_ALL of the VM
    atc_inv = 0x40,        // CMD_ATC_INV: a device's ATS cache
};

// Whether the kernel passes on `opcode` for a vIOMMU (the list above).
constexpr bool passes_to_viommu(std::uint8_t opcode) noexcept {
    switch (cmdq_op(opcode)) {
        case cmdq_op::cfgi_cd:
        case cmdq_op::cfgi_cd_all:
        case cmdq_op::tlbi_nh_all:
        case cmdq_op::tlbi_nh_asid:
        case cmdq_op::tlbi_nh_va:
        case cmdq_op::tlbi_nh_vaa:
        case cmdq_op::tlbi_nsnh_all:
        case cmdq_op::atc_inv:
            return true;
    }
    return false;
}

// Command fields (CMDQ_*).
namespace cmd0 {
inline constexpr field opcode{0, 8};  // CMDQ_0_OP
inline constexpr field ssv{11, 1};    // CMDQ_0_SSV: SubstreamID valid
inline constexpr field ssid{12, 20};  // CMDQ_CFGI_0_SSID, CMDQ_ATC_0_SSID
inline constexpr field sid{32, 32};   // CMDQ_CFGI_0_SID, CMDQ_ATC_0_SID: the (virtual) StreamID
inline constexpr field global{9, 1};  // CMDQ_ATC_0_GLOBAL
inline constexpr field vmid{32, 16};  // CMDQ_TLBI_0_VMID: the kernel puts in the VM's own
inline constexpr field asid{48, 16};  // CMDQ_TLBI_0_ASID
}  // namespace cmd0
namespace cmd1 {
inline constexpr field leaf{0, 1};       // CMDQ_CFGI_1_LEAF, CMDQ_TLBI_1_LEAF
inline constexpr field atc_size{0, 6};   // CMDQ_ATC_1_SIZE: log2 of the span in 4 KiB pages
inline constexpr field address{12, 52};  // CMDQ_TLBI_1_VA_MASK, CMDQ_ATC_1_ADDR_MASK: bits 63:12, in place
}  // namespace cmd1

using command = raw::iommu_viommu_arm_smmuv3_invalidate;

// A command from two host-order words.
constexpr command make_command(std::uint64_t word0, std::uint64_t word1 = 0) noexcept {
    command c{};
    c.cmd[0] = le64(word0);
    c.cmd[1] = le64(word1);
    return c;
}

// CMD_CFGI_CD for the stream the guest knows as `vsid` (the vDEVICE's
// virtual id; the kernel answers EIO when the vIOMMU has no vDEVICE for it),
// substream `ssid`; `leaf`: only the CD itself changed.
constexpr command cfgi_cd(std::uint32_t vsid, std::uint32_t ssid = 0, bool leaf = true) noexcept {
    return make_command(cmd0::opcode.put(std::uint64_t(cmdq_op::cfgi_cd)) | cmd0::ssid.put(ssid) | cmd0::sid.put(vsid),
                        cmd1::leaf.put(leaf));
}

// CMD_CFGI_CD_ALL for the stream `vsid`.
constexpr command cfgi_cd_all(std::uint32_t vsid) noexcept {
    return make_command(cmd0::opcode.put(std::uint64_t(cmdq_op::cfgi_cd_all)) | cmd0::sid.put(vsid));
}

// CMD_TLBI_NH_ALL: every stage-1 TLB entry of the VM.
constexpr command tlbi_nh_all() noexcept { return make_command(cmd0::opcode.put(std::uint64_t(cmdq_op::tlbi_nh_all))); }

// CMD_TLBI_NH_ASID: the entries of `asid`.
constexpr command tlbi_nh_asid(std::uint16_t asid) noexcept {
    return make_command(cmd0::opcode.put(std::uint64_t(cmdq_op::tlbi_nh_asid)) | cmd0::asid.put(asid));
}

// CMD_TLBI_NH_VA: the entry of `asid` for the address `va` (bits 63:12
// kept); `leaf`: only the last-level entry.
constexpr command tlbi_nh_va(std::uint16_t asid, std::uint64_t va, bool leaf = true) noexcept {
    return make_command(cmd0::opcode.put(std::uint64_t(cmdq_op::tlbi_nh_va)) | cmd0::asid.put(asid),
                        (va & cmd1::address.mask()) | cmd1::leaf.put(leaf));
}

// CMD_TLBI_NH_VAA: the entries of every ASID for `va`.
constexpr command tlbi_nh_vaa(std::uint64_t va, bool leaf = true) noexcept {
    return make_command(cmd0::opcode.put(std::uint64_t(cmdq_op::tlbi_nh_vaa)), (va & cmd1::address.mask()) | cmd1::leaf.put(leaf));
}

// CMD_ATC_INV for the stream `vsid`: 2^`size_log2` 4 KiB pages from
// `address` (bits 63:12 kept; 52 means everything), without a substream.
constexpr command atc_inv(std::uint32_t vsid, std::uint64_t address, unsigned size_log2) noexcept {
    return make_command(cmd0::opcode.put(std::uint64_t(cmdq_op::atc_inv)) | cmd0::sid.put(vsid),
                        (address & cmd1::address.mask()) | cmd1::atc_size.put(size_log2));
}

// The same for substream `ssid` (SSV set).
constexpr command atc_inv(std::uint32_t vsid, std::uint32_t ssid, std::uint64_t address, unsigned size_log2) noexcept {
    return make_command(cmd0::opcode.put(std::uint64_t(cmdq_op::atc_inv)) | cmd0::ssv.put(1) | cmd0::ssid.put(ssid) | cmd0::sid.put(vsid),
                        (address & cmd1::address.mask()) | cmd1::atc_size.put(size_log2));
}

// The opcode of a command.
constexpr std::uint8_t opcode_of(const command& c) noexcept { return static_cast<std::uint8_t>(cmd0::opcode.get(le64(c.cmd[0]))); }

// The StreamID a CFGI_CD, CFGI_CD_ALL or ATC_INV names (bits 63:32).
constexpr std::uint32_t stream_id_of(const command& c) noexcept { return static_cast<std::uint32_t>(cmd0::sid.get(le64(c.cmd[0]))); }

// -------------------------------------------------------------- events

// Event record fields (EVTQ_0_*), in word 0. The kernel replaces the
// physical StreamID with the vDEVICE's virtual id before queueing.
namespace evt0 {
inline constexpr field id{0, 8};      // EVTQ_0_ID: the event type, e.g. 0x10 F_TRANSLATION
inline constexpr field ssv{11, 1};    // EVTQ_0_SSV
inline constexpr field ssid{12, 20};  // EVTQ_0_SSID
inline constexpr field sid{32, 32};   // EVTQ_0_SID: the virtual StreamID
}  // namespace evt0

using event = raw::iommu_vevent_arm_smmuv3;

// The event type of a record (bits 7:0 of word 0).
constexpr std::uint8_t event_id_of(const event& e) noexcept { return static_cast<std::uint8_t>(evt0::id.get(le64(e.evt[0]))); }

// The virtual StreamID the record is about.
constexpr std::uint32_t stream_id_of(const event& e) noexcept { return static_cast<std::uint32_t>(evt0::sid.get(le64(e.evt[0]))); }

}  // namespace uapikit::arm_smmuv3
