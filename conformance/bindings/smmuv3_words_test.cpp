// include/uapikit/arm_smmuv3.hpp against words computed by hand from the
// SMMUv3 architecture's field positions (Arm IHI 0070: STE word 0 V bit 0,
// Config bits 3:1, S1Fmt 5:4, S1ContextPtr 51:6, S1CDMax 63:59; word 1
// S1DSS 1:0, S1CIR 3:2, S1COR 5:4, S1CSH 7:6, S1STALLD 27, EATS 29:28;
// commands: opcode 7:0, SSV 11, SSID 31:12, StreamID 63:32, ASID 63:48,
// address 63:12, ATC Size 5:0; events: type 7:0, StreamID 63:32) and the
// opcodes Linux's arm-smmu-v3.h gives (CMDQ_OP_*). Whether the fake takes
// the words as mainline's arm-smmu-v3-iommufd.c does is checked in
// conformance/fake/viommu_test.cpp.
#include <uapikit/arm_smmuv3.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>

namespace smmu = uapikit::arm_smmuv3;

TEST_CASE("smmuv3 STE: abort is V alone, bypass V with Config 0b100, stage 1 V with Config 0b101 and the CD table address") {
    CHECK(smmu::abort_ste().ste[0] == 0x1);
    CHECK(smmu::abort_ste().ste[1] == 0);
    CHECK(smmu::bypass_ste().ste[0] == 0x9);
    CHECK(smmu::s1_ste(0x80001000).ste[0] == 0x8000100b);
    CHECK(smmu::s1_ste(0x80001000, smmu::s1_format::two_level_64k, 3).ste[0] == 0x180000008000102bull);
    CHECK(smmu::s1_ste(0x80001000, smmu::s1_format::two_level_4k).ste[0] == 0x8000101bull);
    CHECK(smmu::s1_ste(0x80001000).ste[1] == 0);
    CHECK(smmu::s1_ste(0x80001000, smmu::s1_format::linear, 0, smmu::ste_eats::full).ste[1] == 0x10000000);  // EATS 0b01
    // Bits below 6 and above 51 of the address are not the field's.
    CHECK(smmu::s1_ste(0xfff0000080001fffull).ste[0] == 0x0000000080001fcbull);
    CHECK(smmu::is_valid(smmu::bypass_ste()));
    CHECK(smmu::config_of(smmu::s1_ste(0x1000)) == 5);
    CHECK_FALSE(smmu::is_valid(smmu::make_ste(0xa)));
}

TEST_CASE("smmuv3 STE: a guest's words keep V, Config, S1Fmt, S1ContextPtr, S1CDMax and S1DSS, S1CIR, S1COR, S1CSH, S1STALLD, EATS") {
    auto all = smmu::nested_ste(~std::uint64_t{0}, ~std::uint64_t{0});
    CHECK(all.ste[0] == 0xf80fffffffffffffull);  // bits 51:0 and 63:59
    CHECK(all.ste[1] == 0x380000ffull);          // bits 7:0, 27, 29:28
    CHECK(smmu::ste0_nesting_allowed == 0xf80fffffffffffffull);
    CHECK(smmu::ste1_nesting_allowed == 0x380000ffull);
    // MEV (word 1 bit 19) and STRW (31:30) are the kernel's, as is word 0's 58:52.
    auto guest = smmu::nested_ste(0x8000100bull | (std::uint64_t{1} << 54), (std::uint64_t{1} << 19) | (std::uint64_t{2} << 30) | 0x1);
    CHECK(guest.ste[0] == 0x8000100bull);
    CHECK(guest.ste[1] == 0x1);
}

TEST_CASE("smmuv3 commands: opcodes 0x05, 0x06, 0x10 to 0x13, 0x30, 0x40 with their StreamID, ASID, address and size") {
    auto cfgi = smmu::cfgi_cd(8);
    CHECK(cfgi.cmd[0] == 0x0000000800000005ull);
    CHECK(cfgi.cmd[1] == 0x1);  // leaf
    CHECK(smmu::cfgi_cd(8, 3, false).cmd[0] == 0x0000000800003005ull);
    CHECK(smmu::cfgi_cd(8, 3, false).cmd[1] == 0);
    CHECK(smmu::cfgi_cd_all(0x1234).cmd[0] == 0x0000123400000006ull);
    CHECK(smmu::tlbi_nh_all().cmd[0] == 0x10);
    CHECK(smmu::tlbi_nh_asid(7).cmd[0] == 0x0007000000000011ull);
    auto va = smmu::tlbi_nh_va(0x42, 0xffff000012345678ull);
    CHECK(va.cmd[0] == 0x0042000000000012ull);
    CHECK(va.cmd[1] == 0xffff000012345001ull);
    CHECK(smmu::tlbi_nh_vaa(0x5000, false).cmd[1] == 0x5000);
    CHECK(smmu::tlbi_nh_vaa(0x5000, false).cmd[0] == 0x13);
    auto atc = smmu::atc_inv(8, 0x12345000, 3);
    CHECK(atc.cmd[0] == 0x0000000800000040ull);
    CHECK(atc.cmd[1] == 0x12345003ull);
    CHECK(smmu::atc_inv(8, 5, 0x12345000, 3).cmd[0] == 0x0000000800005840ull);  // SSV and SSID 5
    CHECK(smmu::opcode_of(atc) == 0x40);
    CHECK(smmu::stream_id_of(smmu::cfgi_cd_all(0x1234)) == 0x1234);
}

TEST_CASE("smmuv3 commands: the kernel passes on CFGI_CD(_ALL), TLBI_NH_*, TLBI_NSNH_ALL and ATC_INV, nothing else") {
    for (unsigned op : {0x05u, 0x06u, 0x10u, 0x11u, 0x12u, 0x13u, 0x30u, 0x40u}) CHECK(smmu::passes_to_viommu(static_cast<std::uint8_t>(op)));
    // PREFETCH_CFG, CFGI_STE, CFGI_ALL, TLBI_EL2_ALL, TLBI_S12_VMALL, TLBI_S2_IPA, PRI_RESP, RESUME, CMD_SYNC, and 0.
    for (unsigned op : {0x01u, 0x03u, 0x04u, 0x20u, 0x28u, 0x2au, 0x41u, 0x44u, 0x46u, 0x00u})
        CHECK_FALSE(smmu::passes_to_viommu(static_cast<std::uint8_t>(op)));
}

TEST_CASE("smmuv3 events: the type is bits 7:0 and the virtual StreamID bits 63:32 of word 0") {
    smmu::event e{};
    e.evt[0] = 0x0000000800000010ull;  // F_TRANSLATION for stream 8
    CHECK(smmu::event_id_of(e) == 0x10);
    CHECK(smmu::stream_id_of(e) == 8);
}
