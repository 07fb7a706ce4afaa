// The VFIO type1 container ioctls as iommufd answers them on /dev/iommu
// (Linux 6.12 drivers/iommu/iommufd/vfio_compat.c), on the IOAS that
// IOMMU_VFIO_IOAS chose.
#include "semantics_fixture.hpp"

#include <cstddef>

using namespace uapikit::testing;

namespace {

long vfio_ioctl(fake_fixture& f, int fd, unsigned long request, unsigned long arg) {
    return f.via().ioctl(fd, request, reinterpret_cast<void*>(arg));
}

// IOMMU_VFIO_IOAS SET: ioas becomes the compatibility IOAS.
void set_compat(fake_fixture& f, int fd, uint32_t ioas) {
    abi::iommu_vfio_ioas cmd{};
    cmd.ioas_id = ioas;
    cmd.op = abi::IOMMU_VFIO_IOAS_SET;
    REQUIRE(f.call(fd, cmd) == 0);
}

vfio::iommu_type1_dma_map dma_map(uint64_t va, uint64_t iova, uint64_t size) {
    vfio::iommu_type1_dma_map m{};
    m.argsz = sizeof m;
    m.flags = vfio::dma_map_flag_read | vfio::dma_map_flag_write;
    m.vaddr = va;
    m.iova = iova;
    m.size = size;
    return m;
}

vfio::iommu_type1_dma_unmap dma_unmap(uint64_t iova, uint64_t size, uint32_t flags = 0) {
    vfio::iommu_type1_dma_unmap u{};
    u.argsz = sizeof u;
    u.flags = flags;
    u.iova = iova;
    u.size = size;
    return u;
}

}  // namespace

FAKE_CASE("vfio_ioas: GET without a compatibility IOAS -> ENODEV; SET then GET answers it; CLEAR [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_vfio_ioas get{};
    get.op = abi::IOMMU_VFIO_IOAS_GET;
    rejected(fd, get, ENODEV);
    uint32_t io = ioas(fd);
    set_compat(*this, fd, io);
    get.size = 0;
    REQUIRE(call(fd, get) == 0);
    CHECK(get.ioas_id == io);
    abi::iommu_vfio_ioas clear{};
    clear.op = abi::IOMMU_VFIO_IOAS_CLEAR;
    REQUIRE(call(fd, clear) == 0);
    abi::iommu_vfio_ioas again{};
    again.op = abi::IOMMU_VFIO_IOAS_GET;
    rejected(fd, again, ENODEV);
}

FAKE_CASE("vfio_ioas: SET of an id that is not an IOAS -> ENOENT; an unknown op or __reserved -> EOPNOTSUPP [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_vfio_ioas set{};
    set.op = abi::IOMMU_VFIO_IOAS_SET;
    set.ioas_id = 7;
    rejected(fd, set, ENOENT);
    abi::iommu_vfio_ioas op{};
    op.op = 3;
    rejected(fd, op, EOPNOTSUPP);
    abi::iommu_vfio_ioas reserved{};
    reserved.op = abi::IOMMU_VFIO_IOAS_CLEAR;
    reserved.__reserved = 1;
    rejected(fd, reserved, EOPNOTSUPP);
}

FAKE_CASE("vfio compat: VFIO_GET_API_VERSION is 0 [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    CHECK(vfio_ioctl(*this, fd, vfio::get_api_version, 0) == 0);
}

FAKE_CASE("vfio compat: CHECK_EXTENSION: TYPE1, TYPE1v2 and UNMAP_ALL yes; no-IOMMU, nesting and vaddr updates no [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    CHECK(vfio_ioctl(*this, fd, vfio::check_extension, vfio::type1_iommu) == 1);
    CHECK(vfio_ioctl(*this, fd, vfio::check_extension, vfio::type1v2_iommu) == 1);
    CHECK(vfio_ioctl(*this, fd, vfio::check_extension, vfio::unmap_all) == 1);
    CHECK(vfio_ioctl(*this, fd, vfio::check_extension, vfio::noiommu_iommu) == 0);  // no CONFIG_VFIO_NOIOMMU
    CHECK(vfio_ioctl(*this, fd, vfio::check_extension, vfio::type1_nesting_iommu) == 0);
    CHECK(vfio_ioctl(*this, fd, vfio::check_extension, vfio::update_vaddr) == 0);
}

FAKE_CASE("vfio compat: DMA_CC_IOMMU without an IOAS -> ENODEV; 0 once a mock domain, which does not enforce coherency, is there [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    rejected_by(ENODEV, [&] { return vfio_ioctl(*this, fd, vfio::check_extension, vfio::dma_cc_iommu); });
    uint32_t io = ioas(fd);
    set_compat(*this, fd, io);
    CHECK(vfio_ioctl(*this, fd, vfio::check_extension, vfio::dma_cc_iommu) == 1);
    uint32_t smmu_dev = bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3));
    hwpt(fd, smmu_dev, io, 0);
    CHECK(vfio_ioctl(*this, fd, vfio::check_extension, vfio::dma_cc_iommu) == 1);
    mock_device(fd, io);
    CHECK(vfio_ioctl(*this, fd, vfio::check_extension, vfio::dma_cc_iommu) == 0);
}

FAKE_CASE("vfio compat: SET_IOMMU without a compatibility IOAS -> ENODEV; a type other than TYPE1/TYPE1v2 -> EINVAL [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    rejected_by(ENODEV, [&] { return vfio_ioctl(*this, fd, vfio::set_iommu, vfio::type1v2_iommu); });
    set_compat(*this, fd, ioas(fd));
    rejected_by(EINVAL, [&] { return vfio_ioctl(*this, fd, vfio::set_iommu, vfio::noiommu_iommu); });
    rejected_by(EINVAL, [&] { return vfio_ioctl(*this, fd, vfio::set_iommu, 2); });
    CHECK(vfio_ioctl(*this, fd, vfio::set_iommu, vfio::type1v2_iommu) == 0);
}

FAKE_CASE("vfio compat: TYPE1 once a domain maps pages -> EINVAL (it cannot turn large pages off then) [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    set_compat(*this, fd, io);
    mock_device(fd, io);
    buffer mem(4096);
    map(fd, io, mem.address(), mem.size(), abi::MOCK_APERTURE_START);
    std::string before = host().snapshot();
    CHECK(vfio_ioctl(*this, fd, vfio::set_iommu, vfio::type1_iommu) == -EINVAL);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("vfio compat: MAP_DMA with a short argsz or an unknown flag -> EINVAL; without an IOAS -> ENODEV [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    buffer mem(4096);
    auto m = dma_map(mem.address(), 0x100000, mem.size());
    rejected(fd, m, ENODEV, vfio::iommu_map_dma);
    set_compat(*this, fd, ioas(fd));
    auto shortsz = dma_map(mem.address(), 0x100000, mem.size());
    shortsz.argsz = 16;
    rejected(fd, shortsz, EINVAL, vfio::iommu_map_dma);
    auto flag = dma_map(mem.address(), 0x100000, mem.size());
    flag.flags |= 1u << 2;  // VFIO_DMA_MAP_FLAG_VADDR is not offered
    rejected(fd, flag, EINVAL, vfio::iommu_map_dma);
}

FAKE_CASE("vfio compat: MAP_DMA maps at the IOVA given; again over it -> EEXIST [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    set_compat(*this, fd, io);
    buffer mem(2 * 4096);
    auto m = dma_map(mem.address(), 0x100000, mem.size());
    REQUIRE(via().ioctl(fd, vfio::iommu_map_dma, &m) == 0);
    auto again = dma_map(mem.address(), 0x101000, 4096);
    rejected(fd, again, EEXIST, vfio::iommu_map_dma);
    CHECK(unmap(fd, io, 0x100000, mem.size()) == mem.size());  // the same area through IOMMU_IOAS_UNMAP
}

FAKE_CASE("vfio compat: UNMAP_DMA ALL with an IOVA or size -> EINVAL; ALL answers the bytes unmapped [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    set_compat(*this, fd, ioas(fd));
    buffer mem(3 * 4096);
    auto m = dma_map(mem.address(), 0x100000, mem.size());
    REQUIRE(via().ioctl(fd, vfio::iommu_map_dma, &m) == 0);
    auto bad = dma_unmap(0x100000, 0, vfio::dma_unmap_flag_all);
    rejected(fd, bad, EINVAL, vfio::iommu_unmap_dma);
    auto all = dma_unmap(0, 0, vfio::dma_unmap_flag_all);
    REQUIRE(via().ioctl(fd, vfio::iommu_unmap_dma, &all) == 0);
    CHECK(all.size == mem.size());
}

FAKE_CASE("vfio compat: with TYPE1 an unmap inside a mapping cuts it; with TYPE1v2 it cannot -> ENOENT [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    set_compat(*this, fd, io);
    buffer mem(4 * 4096);
    auto m = dma_map(mem.address(), 0x100000, mem.size());
    REQUIRE(via().ioctl(fd, vfio::iommu_map_dma, &m) == 0);
    auto middle = dma_unmap(0x101000, 2 * 4096);
    std::string before = host().snapshot();
    CHECK(via().ioctl(fd, vfio::iommu_unmap_dma, &middle) == -ENOENT);
    CHECK(host().snapshot() == before);
    CHECK(middle.size == 0);  // the bytes unmapped go back even on failure
    REQUIRE(vfio_ioctl(*this, fd, vfio::set_iommu, vfio::type1_iommu) == 0);
    auto cut = dma_unmap(0x101000, 2 * 4096);
    REQUIRE(via().ioctl(fd, vfio::iommu_unmap_dma, &cut) == 0);
    CHECK(cut.size == 2 * 4096);
    CHECK(unmap(fd, io, 0x100000, 4096) == 4096);  // the pieces before and after remain
    CHECK(unmap(fd, io, 0x103000, 4096) == 4096);
}

FAKE_CASE("vfio compat: UNMAP_DMA of size 0 -> EINVAL, past the top of the IOVA space -> EOVERFLOW; size 0 is written back [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    set_compat(*this, fd, ioas(fd));
    buffer mem(4096);
    auto m = dma_map(mem.address(), 0x100000, mem.size());
    REQUIRE(via().ioctl(fd, vfio::iommu_map_dma, &m) == 0);
    std::string before = host().snapshot();
    auto empty = dma_unmap(0x100000, 0);
    CHECK(via().ioctl(fd, vfio::iommu_unmap_dma, &empty) == -EINVAL);
    CHECK(empty.size == 0);
    auto wraps = dma_unmap(0xfffffffffffff000, 0x2000);
    CHECK(via().ioctl(fd, vfio::iommu_unmap_dma, &wraps) == -EOVERFLOW);
    CHECK(wraps.size == 0);  // the kernel copies the struct back with the bytes unmapped: none
    CHECK(wraps.iova == 0xfffffffffffff000);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("vfio compat: GET_INFO with a short argsz -> EINVAL [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    set_compat(*this, fd, ioas(fd));
    vfio::iommu_type1_info info{};
    info.argsz = 12;
    rejected(fd, info, EINVAL, vfio::iommu_get_info);
}

FAKE_CASE("vfio compat: GET_INFO without room for the caps answers the argsz they need [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    set_compat(*this, fd, ioas(fd));
    vfio::iommu_type1_info info{};
    info.argsz = sizeof info;
    REQUIRE(via().ioctl(fd, vfio::iommu_get_info, &info) == 0);
    // 24 bytes of info, DMA_AVAIL (12, padded to 16), one IOVA range (16 + 16).
    CHECK(info.argsz == 24 + 16 + 32);
    CHECK(info.cap_offset == 0);
    CHECK(info.flags == (vfio::iommu_info_pgsizes | vfio::iommu_info_caps));
    CHECK(info.iova_pgsizes == ~uint64_t{4095});  // every size from PAGE_SIZE up, with no domain
}

FAKE_CASE("vfio compat: GET_INFO's caps: DMA_AVAIL with U32_MAX, then the IOVA ranges outside reserved IOVA [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    set_compat(*this, fd, io);
    mock_device(fd, io);  // reserves all but the mock's aperture
    alignas(8) unsigned char buf[256] = {};
    auto* info = reinterpret_cast<vfio::iommu_type1_info*>(buf);
    info->argsz = sizeof buf;
    REQUIRE(via().ioctl(fd, vfio::iommu_get_info, buf) == 0);
    REQUIRE(info->cap_offset == sizeof(vfio::iommu_type1_info));
    auto* avail = reinterpret_cast<vfio::dma_avail_cap*>(buf + info->cap_offset);
    CHECK(avail->header.id == vfio::cap_dma_avail);
    CHECK(avail->avail == UINT32_MAX);
    REQUIRE(avail->header.next == info->cap_offset + 16);
    auto* ranges = reinterpret_cast<vfio::cap_iova_range_head*>(buf + avail->header.next);
    CHECK(ranges->header.id == vfio::cap_iova_range);
    CHECK(ranges->header.next == 0);
    REQUIRE(ranges->nr_iovas == 1);
    auto* r = reinterpret_cast<vfio::iova_range*>(buf + avail->header.next + sizeof *ranges);
    CHECK(r->start == abi::MOCK_APERTURE_START);
    CHECK(r->end == abi::MOCK_APERTURE_LAST);
    // The mock maps only 2 KiB pages: below PAGE_SIZE, which VFIO then
    // answers alone (vfio_update_pgsize_bitmap()).
    CHECK(info->iova_pgsizes == 4096);
}

FAKE_CASE("vfio compat: VFIO_IOMMU_DIRTY_PAGES and numbers iommufd does not know -> ENOTTY [6.12 vfio_compat.c]") {
    int fd = open("/dev/iommu");
    set_compat(*this, fd, ioas(fd));
    uint64_t words[4] = {};
    std::string before = host().snapshot();
    CHECK(via().ioctl(fd, vfio::iommu_dirty_pages, words) == -ENOTTY);
    CHECK(via().ioctl(fd, 0x3b60, words) == -ENOTTY);
    CHECK(host().snapshot() == before);
}
