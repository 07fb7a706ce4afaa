// A VFIO device cdev, /dev/vfio/devices/vfioN, as a VMM drives it with
// iommufd (Linux 6.12 drivers/vfio/device_cdev.c, drivers/vfio/iommufd.c,
// vfio_main.c): bind, attach to an IOAS or HWPT, replace, detach, and the
// device information a VMM reads; closing the file unbinds.
#include "semantics_fixture.hpp"

#include <string>

using namespace uapikit::testing;

namespace {
vfio::bind_iommufd_args bind_args(int iommufd) { return {sizeof(vfio::bind_iommufd_args), 0, iommufd, 0}; }
}  // namespace

FAKE_CASE("vfio cdev: a device number the host does not have -> ENOENT [6.12 device_cdev.c]") {
    std::string before = host().snapshot();
    CHECK(via().open("/dev/vfio/devices/vfio4242") == -ENOENT);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("vfio cdev: before the bind every other ioctl -> EINVAL [6.12 vfio_main.c]") {
    int v = vfio_device(host().add_iommu(iommu_kind::arm_smmuv3));
    vfio::device_info info{sizeof info, 0, 0, 0, 0, 0};
    std::string before = host().snapshot();
    CHECK(via().ioctl(v, vfio::device_get_info, &info) == -EINVAL);
    uint32_t pt = 1;
    CHECK(attach(v, &pt) == -EINVAL);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("vfio cdev: BIND with a short argsz, flags or a negative fd -> EINVAL [6.12 device_cdev.c]") {
    int fd = open("/dev/iommu");
    int v = vfio_device(host().add_iommu(iommu_kind::arm_smmuv3));
    auto shortsz = bind_args(fd);
    shortsz.argsz = 8;
    rejected(v, shortsz, EINVAL, vfio::device_bind_iommufd);
    auto flags = bind_args(fd);
    flags.flags = 1;
    rejected(v, flags, EINVAL, vfio::device_bind_iommufd);
    auto negative = bind_args(-1);
    rejected(v, negative, EINVAL, vfio::device_bind_iommufd);
}

FAKE_CASE("vfio cdev: BIND to an fd that is not open -> EBADF; to one that is not an iommufd -> EBADFD [6.12 main.c]") {
    int v = vfio_device(host().add_iommu(iommu_kind::arm_smmuv3));
    auto closed = bind_args(100000);
    rejected(v, closed, EBADF, vfio::device_bind_iommufd);
    auto not_iommufd = bind_args(v);
    rejected(v, not_iommufd, EBADFD, vfio::device_bind_iommufd);
    real_file null;  // open, but no file of the fake's
    auto real = bind_args(null.fd());
    rejected(v, real, EBADFD, vfio::device_bind_iommufd);
}

FAKE_CASE("vfio cdev: BIND gives the device's id in the iommufd; a second BIND -> EINVAL [6.12 device_cdev.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    int v = vfio_device(host().add_iommu(iommu_kind::arm_smmuv3));
    auto b = bind_args(fd);
    REQUIRE(via().ioctl(v, vfio::device_bind_iommufd, &b) == 0);
    CHECK(b.out_devid == io + 1);
    auto again = bind_args(fd);
    rejected(v, again, EINVAL, vfio::device_bind_iommufd);
}

FAKE_CASE("vfio cdev: a device opened and bound through one fd cannot be bound through a second -> EINVAL [6.12 vfio_main.c]") {
    int fd = open("/dev/iommu");
    int smmu = host().add_iommu(iommu_kind::arm_smmuv3);
    int n = host().add_device(smmu);
    std::string path = "/dev/vfio/devices/vfio" + std::to_string(n);
    int first = open(path.c_str());
    int second = open(path.c_str());
    REQUIRE(bind(first, fd) > 0);
    auto b = bind_args(fd);
    rejected(second, b, EINVAL, vfio::device_bind_iommufd);
}

FAKE_CASE("vfio cdev: ATTACH to an IOAS answers the automatic HWPT; ATTACH again replaces; DETACH [6.12 iommufd.c]") {
    int fd = open("/dev/iommu");
    uint32_t io_a = ioas(fd), io_b = ioas(fd);
    int v = -1;
    uint32_t dev = bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3), &v);
    uint32_t pt = io_a;
    REQUIRE(attach(v, &pt) == 0);
    CHECK(pt == dev + 1);  // the automatic domain, the next id
    uint32_t hwpt_a = pt;
    pt = io_b;
    REQUIRE(attach(v, &pt) == 0);
    CHECK(pt != hwpt_a);
    // The first automatic domain lost its last device and went.
    abi::iommu_destroy gone{};
    gone.id = hwpt_a;
    rejected(fd, gone, ENOENT);
    vfio::detach_iommufd_pt_args d{sizeof d, 0};
    REQUIRE(via().ioctl(v, vfio::device_detach_iommufd_pt, &d) == 0);
    gone.id = pt;
    gone.size = 0;
    rejected(fd, gone, ENOENT);
}

FAKE_CASE("vfio cdev: BIND or ATTACH whose reply cannot be written -> EFAULT; BIND is undone, ATTACH detaches even after a replace [6.12 device_cdev.c]") {
    if (!via().copies_structs()) return;  // the typed layer passes its own objects
    int fd = open("/dev/iommu");
    uint32_t io_a = ioas(fd), io_b = ioas(fd);
    int v = vfio_device(host().add_iommu(iommu_kind::arm_smmuv3));
    std::string before = host().snapshot();
    CHECK(call_read_only(v, vfio::device_bind_iommufd, bind_args(fd)) == -EFAULT);
    CHECK(host().snapshot() == before);
    auto b = bind_args(fd);
    REQUIRE(via().ioctl(v, vfio::device_bind_iommufd, &b) == 0);
    before = host().snapshot();
    vfio::attach_iommufd_pt_args to_a{sizeof to_a, 0, io_a};
    CHECK(call_read_only(v, vfio::device_attach_iommufd_pt, to_a) == -EFAULT);
    CHECK(host().snapshot() == before);
    uint32_t pt = io_a;
    REQUIRE(attach(v, &pt) == 0);
    // A replace to io_b whose reply fails leaves the device on no domain:
    // both automatic HWPTs are gone, so both IOASes can be destroyed.
    vfio::attach_iommufd_pt_args to_b{sizeof to_b, 0, io_b};
    CHECK(call_read_only(v, vfio::device_attach_iommufd_pt, to_b) == -EFAULT);
    abi::iommu_destroy d{};
    d.id = io_b;
    CHECK(call(fd, d) == 0);
    d.id = io_a;
    CHECK(call(fd, d) == 0);
}

FAKE_CASE("vfio cdev: ATTACH to an IOAS whose mapped memory is not there -> EFAULT; the device stays bound [6.12 hw_pagetable.c]") {
    // The new automatic domain is attached, then filled; pinning the
    // missing pages fails, and the attachment is undone but not the bind.
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    buffer b(2 * page);
    CHECK(::munmap(b.data() + page, page) == 0);
    REQUIRE(map(fd, io, b.address(), 2 * page) != 0);  // nothing pinned yet
    int v = -1;
    uint32_t dev = bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3), &v);
    vfio::attach_iommufd_pt_args a{sizeof a, 0, io};
    rejected(v, a, EFAULT, vfio::device_attach_iommufd_pt);
    abi::iommu_destroy d{};
    d.id = dev;
    rejected(fd, d, EBUSY);
}

FAKE_CASE("vfio cdev: ATTACH or DETACH with flags -> EINVAL; to an id that is no IOAS or HWPT -> ENOENT [6.12 device_cdev.c]") {
    int fd = open("/dev/iommu");
    int v = -1;
    uint32_t dev = bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3), &v);
    vfio::attach_iommufd_pt_args flags{sizeof flags, 1, ioas(fd)};
    rejected(v, flags, EINVAL, vfio::device_attach_iommufd_pt);
    vfio::attach_iommufd_pt_args missing{sizeof missing, 0, dev};  // a device id
    rejected(v, missing, EINVAL, vfio::device_attach_iommufd_pt);
    vfio::attach_iommufd_pt_args nothing{sizeof nothing, 0, 999};
    rejected(v, nothing, ENOENT, vfio::device_attach_iommufd_pt);
    vfio::detach_iommufd_pt_args dflags{sizeof dflags, 1};
    rejected(v, dflags, EINVAL, vfio::device_detach_iommufd_pt);
}

FAKE_CASE("vfio cdev: a device of one SMMU cannot attach to a HWPT of another -> EINVAL [6.12 device.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    uint32_t dev_a = bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3));
    int v_b = -1;
    bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3), &v_b);
    uint32_t pt = hwpt(fd, dev_a, io, 0);
    vfio::attach_iommufd_pt_args a{sizeof a, 0, pt};
    rejected(v_b, a, EINVAL, vfio::device_attach_iommufd_pt);
}

FAKE_CASE("vfio cdev: GET_INFO describes a resettable PCI device with its regions and interrupts [6.12 vfio_main.c]") {
    int fd = open("/dev/iommu");
    int v = -1;
    bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3), &v);
    vfio::device_info info{sizeof info, 0, 0, 0, 0, 0};
    REQUIRE(via().ioctl(v, vfio::device_get_info, &info) == 0);
    CHECK((info.flags & vfio::device_flags_pci));
    CHECK((info.flags & vfio::device_flags_reset));
    CHECK(info.num_regions == 9);  // VFIO_PCI_NUM_REGIONS
    CHECK(info.num_irqs == 5);     // VFIO_PCI_NUM_IRQS
    vfio::device_info shortsz{8, 0, 0, 0, 0, 0};
    rejected(v, shortsz, EINVAL, vfio::device_get_info);
}

FAKE_CASE("vfio cdev: DEVICE_FEATURE with a short argsz, an unknown flag, or GET with SET but no PROBE -> EINVAL; a feature the device lacks -> ENOTTY [6.12 vfio_main.c]") {
    int fd = open("/dev/iommu");
    int v = -1;
    bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3), &v);
    const uint32_t migration = 1;  // VFIO_DEVICE_FEATURE_MIGRATION
    vfio::device_feature_header shortsz{0, vfio::device_feature_get | migration};
    rejected(v, shortsz, EINVAL, vfio::device_feature);
    vfio::device_feature_header unknown{sizeof unknown, (1u << 20) | migration};
    rejected(v, unknown, EINVAL, vfio::device_feature);
    vfio::device_feature_header both{sizeof both, vfio::device_feature_get | vfio::device_feature_set | migration};
    rejected(v, both, EINVAL, vfio::device_feature);
    // With PROBE, GET and SET together pass the header's checks; the device
    // has no migration driver (vfio_ioctl_device_feature_migration: ENOTTY).
    vfio::device_feature_header probe{
        sizeof probe, vfio::device_feature_probe | vfio::device_feature_get | vfio::device_feature_set | migration};
    rejected(v, probe, ENOTTY, vfio::device_feature);
    vfio::device_feature_header get{sizeof get, vfio::device_feature_get | migration};
    rejected(v, get, ENOTTY, vfio::device_feature);
}

FAKE_CASE("vfio cdev: GET_REGION_INFO places region i at i << 40; past the last -> EINVAL [6.12 include/linux/vfio_pci_core.h]") {
    int fd = open("/dev/iommu");
    int v = -1;
    bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3), &v);
    vfio::region_info config{};
    config.argsz = sizeof config;
    config.index = vfio::pci_config_region_index;
    REQUIRE(via().ioctl(v, vfio::device_get_region_info, &config) == 0);
    CHECK(config.offset == uint64_t{7} << 40);
    CHECK(config.size == 256);
    vfio::region_info past{};
    past.argsz = sizeof past;
    past.index = 9;
    rejected(v, past, EINVAL, vfio::device_get_region_info);
}

FAKE_CASE("vfio cdev: closing the file unbinds: the id is gone and the device binds again [6.12 device_cdev.c]") {
    int fd = open("/dev/iommu");
    int smmu = host().add_iommu(iommu_kind::arm_smmuv3);
    int n = host().add_device(smmu);
    std::string path = "/dev/vfio/devices/vfio" + std::to_string(n);
    int v = open(path.c_str());
    int dev = bind(v, fd);
    REQUIRE(dev > 0);
    uint32_t pt = ioas(fd);
    REQUIRE(attach(v, &pt) == 0);
    REQUIRE(via().close(v) == 0);
    forget(v);
    abi::iommu_destroy gone{};
    gone.id = static_cast<uint32_t>(dev);
    rejected(fd, gone, ENOENT);
    int again = open(path.c_str());
    CHECK(bind(again, fd) > 0);
}

FAKE_CASE("vfio cdev: the iommufd stays alive while a device is bound to it [6.12 main.c]") {
    int fd = open("/dev/iommu");
    int v = -1;
    uint32_t dev = bound_device(fd, host().add_iommu(iommu_kind::arm_smmuv3), &v);
    uint32_t io = ioas(fd);
    REQUIRE(via().close(fd) == 0);  // the device's binding holds the context
    forget(fd);
    uint32_t pt = io;
    CHECK(attach(v, &pt) == 0);
    CHECK(pt > dev);
}

FAKE_CASE("vfio cdev: a dup of the iommufd or of the device fd names the same file; the device stays bound until its last fd closes [6.12 fs/file.c]") {
    int fd = open("/dev/iommu");
    int fd2 = via().dup(fd);
    REQUIRE(fd2 >= 0);
    keep(fd2);
    CHECK(fd2 != fd);
    // An IOAS made through the copy is the context's: DESTROY through the original finds it.
    uint32_t io = ioas(fd2);
    abi::iommu_destroy d{sizeof d, io};
    CHECK(call(fd, d) == 0);
    // BIND through the copy of the iommufd binds to the same context.
    int v = vfio_device(host().add_iommu(iommu_kind::arm_smmuv3));
    int dev = bind(v, fd2);
    REQUIRE(dev > 0);
    abi::iommu_destroy busy{sizeof busy, static_cast<uint32_t>(dev)};
    rejected(fd, busy, EBUSY);  // a bound device is not the user's to destroy
    // Closing one fd of the device keeps the file, and with it the binding.
    int v2 = via().dup(v);
    REQUIRE(v2 >= 0);
    REQUIRE(via().close(v) == 0);
    forget(v);
    rejected(fd, busy, EBUSY);
    uint32_t pt = ioas(fd);
    CHECK(attach(v2, &pt) == 0);  // the copy still reaches the bound device
    REQUIRE(via().close(v2) == 0);
    abi::iommu_destroy gone{sizeof gone, static_cast<uint32_t>(dev)};
    rejected(fd, gone, ENOENT);  // the last close unbound it
    CHECK(via().dup(v2) == -EBADF);
}
