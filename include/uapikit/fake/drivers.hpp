// What each kind of IOMMU driver answers: the parts of an iommu_ops that
// iommufd reaches (hw_info, capable, paging and nested domain allocation,
// cache invalidation, vIOMMU types and data, reserved regions, attach
// compatibility). One switch per operation keeps the kinds side by side.
//
// Sources: the selftest mock is Linux 6.12 drivers/iommu/iommufd/selftest.c
// with mainline's later additions (PASID-capable mock devices, the mock
// vIOMMU); ARM SMMUv3 is mainline
// drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-iommufd.c and the kernel-doc
// of include/uapi/linux/iommufd.h; Intel VT-d is Linux 6.12
// drivers/iommu/intel/nested.c; AMD's vIOMMU is the proposal
// "[PATCH v2 17/26] iommu/amd: Pass KVM FD from userspace when
// initializing vIOMMU" (Suravee Suthikulpanit, 2026-05-28). Register values
// a driver reports (SMMUv3 IDRs, VT-d capability registers) are plausible
// constants of the fake, not any particular machine's.
#pragma once

#include <uapikit/fake/iommufd_private.hpp>

#include <cstddef>
#include <cstring>
#include <cstdint>
#include <vector>

namespace uapikit::fake {

// The mock's IO page and its huge IO page (selftest.c MOCK_IO_PAGE_SIZE).
inline constexpr uint64_t mock_io_page = page_size / 2;
inline constexpr uint64_t mock_huge_io_page = 512 * mock_io_page;

// Reads a driver's struct from user data as iommu_copy_struct_from_user()
// does (include/linux/iommu.h): the user's length must reach the end of
// the last required field (`min_len`) and must not exceed the struct,
// else EINVAL; a shorter struct is zero-extended; a bad pointer is EFAULT.
template <typename T>
int copy_driver_struct(const user_space& user, T& out, uint64_t uptr, uint32_t len, size_t min_len) {
    if (len < min_len || len > sizeof(T)) return -EINVAL;
    out = T{};
    return user.copy_from(&out, uptr, len);
}

namespace driver {

// ---- the device and its IOMMU ---------------------------------------------

// IOMMU_CAP_DIRTY_TRACKING of the device's IOMMU.
inline bool dirty_capable(const platform& plat, const physical_device& dev) {
    if (plat.kind_of(dev) == iommu_kind::selftest) return !(dev.mock_flags & abi::MOCK_FLAGS_DEVICE_NO_DIRTY);
    return true;
}

// Reserved regions a device brings into every IOAS it is attached to
// (iommu_get_resv_regions): the MSI windows of each architecture.
inline std::vector<iova_interval> reserved_regions(const platform& plat, const physical_device& dev) {
    switch (plat.kind_of(dev)) {
        case iommu_kind::arm_smmuv3: return {{0x8000000, 0x80fffff}};  // MSI_IOVA_BASE, MSI_IOVA_LENGTH
        case iommu_kind::amd: return {{0xfee00000, 0xfeefffff}, {0xfd00000000, 0xffffffffff}};  // MSI, HyperTransport
        case iommu_kind::intel_vtd: return {{0xfee00000, 0xfeefffff}};  // IOAPIC/MSI
        case iommu_kind::selftest: return {};
    }
    return {};
}

// A new paging domain of the device's IOMMU, geometry filled in.
inline std::unique_ptr<paging_domain> new_paging_domain(const platform& plat, const physical_device& dev) {
    auto d = std::make_unique<paging_domain>();
    d->iommu = dev.iommu;
    d->kind = plat.kind_of(dev);
    if (d->kind == iommu_kind::selftest) {
        d->io_page = mock_io_page;
        d->aperture_start = abi::MOCK_APERTURE_START;
        d->aperture_last = abi::MOCK_APERTURE_LAST;
        d->huge_iova = dev.mock_flags & abi::MOCK_FLAGS_DEVICE_HUGE_IOVA;
        d->pgsize_bitmap = mock_io_page | (d->huge_iova ? mock_huge_io_page : 0);
    } else {
        d->aperture_last = (uint64_t{1} << 48) - 1;  // a 48-bit input address space
        // 4 KiB granule page tables: 4 KiB, 2 MiB and 1 GiB (SMMUv3, VT-d);
        // AMD's v1 table maps every power of two from 4 KiB but 512 GiB.
        d->pgsize_bitmap = d->kind == iommu_kind::amd ? ~uint64_t{0xfff} & ~(uint64_t{2} << 38)
                                                      : page_size | (uint64_t{1} << 21) | (uint64_t{1} << 30);
    }
    return d;
}

// domain_alloc_paging_flags(): which HWPT_ALLOC flags the driver takes for
// a paging domain, and user data (none do).
inline int paging_alloc_check(const platform& plat, const physical_device& dev, uint32_t flags, bool user_data) {
    const uint32_t known = abi::IOMMU_HWPT_ALLOC_NEST_PARENT | abi::IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
                           abi::IOMMU_HWPT_ALLOC_PASID;
    if (flags & ~known) return -EOPNOTSUPP;
    if (user_data) return -EOPNOTSUPP;
    if ((flags & abi::IOMMU_HWPT_ALLOC_DIRTY_TRACKING) && !dirty_capable(plat, dev)) return -EOPNOTSUPP;
    return 0;
}

// Whether a device may attach to a domain of `d` (the driver's attach_dev):
// the domain must be its IOMMU driver's, and for hardware IOMMUs its own
// instance's; the mock refuses a dirty-tracking domain for a device
// without dirty tracking.
inline int attach_check(const platform& plat, const physical_device& dev, iommu_kind kind, int iommu, bool dirty_ops) {
    if (plat.kind_of(dev) != kind) return -EINVAL;
    if (kind == iommu_kind::selftest)
        return dirty_ops && (dev.mock_flags & abi::MOCK_FLAGS_DEVICE_NO_DIRTY) ? -EINVAL : 0;
    return iommu == dev.iommu ? 0 : -EINVAL;
}

// ---- IOMMU_GET_HW_INFO ------------------------------------------------------

// The driver's hw_info(): the type it reports for `requested` (DEFAULT or
// a type of its own, else EOPNOTSUPP) and the bytes of its data.
inline int hw_info(const platform& plat, const physical_device& dev, uint32_t requested, uint32_t* out_type,
                   std::vector<uint8_t>* data) {
    auto put = [data](const auto& s) {
        const auto* p = reinterpret_cast<const uint8_t*>(&s);
        data->assign(p, p + sizeof s);
    };
    auto own = [requested](uint32_t type) { return requested == abi::IOMMU_HW_INFO_TYPE_DEFAULT || requested == type; };
    switch (plat.kind_of(dev)) {
        case iommu_kind::selftest: {
            if (!own(abi::IOMMU_HW_INFO_TYPE_SELFTEST)) return -EOPNOTSUPP;
            abi::iommu_test_hw_info info{};
            info.test_reg = abi::IOMMU_HW_INFO_SELFTEST_REGVAL;
            *out_type = abi::IOMMU_HW_INFO_TYPE_SELFTEST;
            put(info);
            return 0;
        }
        case iommu_kind::arm_smmuv3: {
            if (!own(abi::IOMMU_HW_INFO_TYPE_ARM_SMMUV3)) return -EOPNOTSUPP;
            abi::iommu_hw_info_arm_smmuv3 info{};
            // IDR0: 2-level stream table, stall, ASID16, AArch64 tables;
            // IDR1: 16-bit StreamID, 20-bit SubstreamID; IDR3: RIL;
            // IDR5: 48-bit output, 4K/16K/64K granules.
            info.idr[0] = 0x0d0d1fbf;
            info.idr[1] = 0x00e70010 | (20u << 6) | 16u;
            info.idr[3] = 1u << 10;
            info.idr[5] = 0x00000075;
            info.iidr = 0x0000043b;  // Arm
            info.aidr = 0x00000002;  // SMMUv3.2
            *out_type = abi::IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
            put(info);
            return 0;
        }
        case iommu_kind::intel_vtd: {
            if (!own(abi::IOMMU_HW_INFO_TYPE_INTEL_VTD)) return -EOPNOTSUPP;
            abi::iommu_hw_info_vtd info{};
            info.cap_reg = 0x00d2008c40660462ull;
            info.ecap_reg = 0x00f050da;
            *out_type = abi::IOMMU_HW_INFO_TYPE_INTEL_VTD;
            put(info);
            return 0;
        }
        case iommu_kind::amd: {
            if (!own(abi::IOMMU_HW_INFO_TYPE_AMD)) return -EOPNOTSUPP;
            abi::iommu_hw_info_amd info{};
            info.efr = 0x246577efa2254afaull;  // guest translation, nested, GIOSup
            info.efr2 = 0x0000000000000001ull;
            *out_type = abi::IOMMU_HW_INFO_TYPE_AMD;
            put(info);
            return 0;
        }
    }
    return -EOPNOTSUPP;
}

// ---- nested domains (domain_alloc_nested, vIOMMU alloc_domain_nested) -------

// Checks a nested domain's user data and gives what the domain keeps: the
// data, and for the mock its IOTLB. `via_viommu`: allocated on a vIOMMU.
inline int nested_alloc(const platform& plat, const user_space& user, iommu_kind kind, bool via_viommu,
                        uint32_t flags, uint32_t type, uint64_t uptr, uint32_t len, hwpt_nested_object& out) {
    (void)plat;
    switch (kind) {
        case iommu_kind::selftest: {
            if (type != abi::IOMMU_HWPT_DATA_SELFTEST || flags) return -EOPNOTSUPP;
            abi::iommu_hwpt_selftest cfg{};
            if (int rc = copy_driver_struct(user, cfg, uptr, len, sizeof cfg.iotlb); rc < 0) return rc;
            out.iotlb.assign(abi::MOCK_NESTED_DOMAIN_IOTLB_NUM, cfg.iotlb);
            out.data.assign(reinterpret_cast<uint8_t*>(&cfg), reinterpret_cast<uint8_t*>(&cfg) + sizeof cfg);
            break;
        }
        case iommu_kind::arm_smmuv3: {
            // Only on a vIOMMU: the nested STE names the vIOMMU's S2.
            if (!via_viommu) return -EOPNOTSUPP;
            if (type != abi::IOMMU_HWPT_DATA_ARM_SMMUV3 || flags) return -EOPNOTSUPP;
            abi::iommu_hwpt_arm_smmuv3 ste{};
            if (int rc = copy_driver_struct(user, ste, uptr, len, sizeof ste); rc < 0) return rc;
            // An entry without V is kept as all zeros, whatever else it had.
            if (!(ste.ste[0] & 1)) ste = {};
            // Word 0: V, Cfg, S1Fmt, S1ContextPtr, S1CDMax; word 1: S1DSS,
            // S1CIR, S1COR, S1CSH, S1STALLD, EATS. Anything else is EIO.
            constexpr uint64_t word0 = 0xf80fffffffffffffull, word1 = 0x380000ffull;
            if ((ste.ste[0] & ~word0) || (ste.ste[1] & ~word1)) return -EIO;
            const uint64_t cfg = (ste.ste[0] >> 1) & 7;
            // Valid entries: abort (0b000), bypass (0b100), stage-1 translate (0b101).
            if ((ste.ste[0] & 1) && cfg != 0 && cfg != 4 && cfg != 5) return -EIO;
            // EATS: aborted (0) or full ATS (1); the driver sets it itself.
            if (((ste.ste[1] >> 28) & 3) > 1) return -EIO;
            ste.ste[1] &= ~(uint64_t{3} << 28);
            out.data.assign(reinterpret_cast<uint8_t*>(&ste), reinterpret_cast<uint8_t*>(&ste) + sizeof ste);
            break;
        }
        case iommu_kind::intel_vtd: {
            if (via_viommu) return -EOPNOTSUPP;
            if (type != abi::IOMMU_HWPT_DATA_VTD_S1 || flags) return -EOPNOTSUPP;
            abi::iommu_hwpt_vtd_s1 s1{};
            if (int rc = copy_driver_struct(user, s1, uptr, len, offsetof(abi::iommu_hwpt_vtd_s1, __reserved) + 4);
                rc < 0)
                return rc;
            constexpr uint64_t known = abi::IOMMU_VTD_S1_SRE | abi::IOMMU_VTD_S1_EAFE | abi::IOMMU_VTD_S1_WPE;
            if ((s1.flags & ~known) || s1.__reserved) return -EINVAL;
            if (s1.addr_width != 48 && s1.addr_width != 57) return -EINVAL;
            out.data.assign(reinterpret_cast<uint8_t*>(&s1), reinterpret_cast<uint8_t*>(&s1) + sizeof s1);
            break;
        }
        case iommu_kind::amd: {
            if (!via_viommu) return -EOPNOTSUPP;
            if (type != abi::IOMMU_HWPT_DATA_AMD_GUEST || flags) return -EOPNOTSUPP;
            abi::iommu_hwpt_amd_guest dte{};
            if (int rc = copy_driver_struct(user, dte, uptr, len, sizeof dte); rc < 0) return rc;
            out.data.assign(reinterpret_cast<uint8_t*>(&dte), reinterpret_cast<uint8_t*>(&dte) + sizeof dte);
            break;
        }
    }
    out.data_type = type;
    return 0;
}

// ---- cache invalidation --------------------------------------------------------

// One entry of a user array, read as iommu_copy_struct_from_user_array():
// entry_len may be shorter (down to min_len) or longer (zero tail).
template <typename T>
int array_entry(const user_space& user, T& out, uint64_t uptr, uint32_t entry_len, uint32_t index, size_t min_len) {
    return copy_driver_struct(user, out, uptr + uint64_t{entry_len} * index, entry_len, min_len);
}

// A nested HWPT's cache_invalidate_user(): entries handled in order; *done
// counts those handled before the first failure.
inline int nested_invalidate(const user_space& user, hwpt_nested_object& h, iommu_kind kind, uint32_t type,
                             uint64_t uptr, uint32_t entry_len, uint32_t num, uint32_t* done) {
    *done = 0;
    switch (kind) {
        case iommu_kind::selftest: {
            if (type != abi::IOMMU_HWPT_INVALIDATE_DATA_SELFTEST) return -EINVAL;
            for (uint32_t i = 0; i < num; ++i) {
                abi::iommu_hwpt_invalidate_selftest inv{};
                if (int rc = array_entry(user, inv, uptr, entry_len, i, sizeof inv); rc < 0) return rc;
                if (inv.flags & ~static_cast<uint32_t>(abi::IOMMU_TEST_INVALIDATE_FLAG_ALL)) return -EOPNOTSUPP;
                if (inv.iotlb_id > abi::MOCK_NESTED_DOMAIN_IOTLB_ID_MAX) return -EINVAL;
                if (inv.flags & abi::IOMMU_TEST_INVALIDATE_FLAG_ALL)
                    std::fill(h.iotlb.begin(), h.iotlb.end(), 0u);
                else
                    h.iotlb[inv.iotlb_id] = 0;
                ++*done;
            }
            return 0;
        }
        case iommu_kind::intel_vtd: {
            if (type != abi::IOMMU_HWPT_INVALIDATE_DATA_VTD_S1) return -EINVAL;
            for (uint32_t i = 0; i < num; ++i) {
                abi::iommu_hwpt_vtd_s1_invalidate inv{};
                if (int rc = array_entry(user, inv, uptr, entry_len, i, sizeof inv); rc < 0) return rc;
                if ((inv.flags & ~static_cast<uint32_t>(abi::IOMMU_VTD_INV_FLAGS_LEAF)) || inv.__reserved ||
                    (inv.addr & (page_size - 1)))
                    return -EINVAL;
                ++*done;
            }
            return 0;
        }
        case iommu_kind::arm_smmuv3:
        case iommu_kind::amd:
            return -EOPNOTSUPP;  // their nested domains are invalidated through the vIOMMU
    }
    return -EOPNOTSUPP;
}

// ---- vIOMMU ----------------------------------------------------------------------

// get_viommu_size(): whether the device's IOMMU offers a vIOMMU of `type`.
inline bool viommu_supported(iommu_kind kind, uint32_t type) {
    switch (kind) {
        case iommu_kind::arm_smmuv3: return type == abi::IOMMU_VIOMMU_TYPE_ARM_SMMUV3;
        case iommu_kind::amd: return type == abi::IOMMU_VIOMMU_TYPE_AMD;
        case iommu_kind::selftest: return type == abi::IOMMU_VIOMMU_TYPE_SELFTEST;
        case iommu_kind::intel_vtd: return false;
    }
    return false;
}

// The vIOMMU's event queue types.
inline bool veventq_supported(iommu_kind kind, uint32_t type) {
    if (kind == iommu_kind::arm_smmuv3) return type == abi::IOMMU_VEVENTQ_TYPE_ARM_SMMUV3;
    if (kind == iommu_kind::selftest) return type == abi::IOMMU_VEVENTQ_TYPE_SELFTEST;
    return false;
}

// The vIOMMU's HW queue types (only the mock has one in the fake).
inline bool hw_queue_supported(iommu_kind kind, uint32_t type) {
    return kind == iommu_kind::selftest && type == abi::IOMMU_HW_QUEUE_TYPE_SELFTEST;
}

// Whether a nested SMMUv3 STE (as the domain keeps it) translates stage 1:
// V set and Cfg 0b101. Aborting and bypassing entries need no vSID.
inline bool smmuv3_ste_translates(const std::vector<uint8_t>& data) {
    abi::iommu_hwpt_arm_smmuv3 ste{};
    if (data.size() < sizeof ste) return false;
    std::memcpy(&ste, data.data(), sizeof ste);
    return (ste.ste[0] & 1) && ((ste.ste[0] >> 1) & 7) == 5;
}

// The ARM SMMUv3 commands a vIOMMU passes on (struct
// iommu_viommu_arm_smmuv3_invalidate); anything else is EIO.
inline bool smmuv3_command_supported(uint64_t opcode) {
    switch (opcode) {
        case 0x30:  // CMDQ_OP_TLBI_NSNH_ALL
        case 0x12:  // CMDQ_OP_TLBI_NH_VA
        case 0x13:  // CMDQ_OP_TLBI_NH_VAA
        case 0x10:  // CMDQ_OP_TLBI_NH_ALL
        case 0x11:  // CMDQ_OP_TLBI_NH_ASID
        case 0x40:  // CMDQ_OP_ATC_INV
        case 0x05:  // CMDQ_OP_CFGI_CD
        case 0x06:  // CMDQ_OP_CFGI_CD_ALL
            return true;
        default:
            return false;
    }
}

}  // namespace driver
}  // namespace uapikit::fake
