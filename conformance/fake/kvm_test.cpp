// What the fake's KVM answers a VMM (Linux 6.12 virt/kvm/kvm_main.c and
// guest_memfd.c, x86): the API version, capabilities, VMs, guest_memfd and
// memslots; and the KVM-VFIO device (virt/kvm/vfio.c) that tells a VFIO
// device file its VM.
#include "semantics_fixture.hpp"

using namespace uapikit::testing;

namespace {
long kvm_ioctl(fake_fixture& f, int fd, unsigned long request, unsigned long arg) {
    return f.via().ioctl(fd, request, reinterpret_cast<void*>(arg));
}
}  // namespace

FAKE_CASE("kvm: KVM_GET_API_VERSION is 12; with an argument -> EINVAL [6.12 kvm_main.c]") {
    int kvm_fd = open("/dev/kvm");
    CHECK(kvm_ioctl(*this, kvm_fd, kvm::get_api_version, 0) == 12);
    rejected_by(EINVAL, [&] { return kvm_ioctl(*this, kvm_fd, kvm::get_api_version, 1); });
}

FAKE_CASE("kvm: KVM_CHECK_EXTENSION answers what a VMM asks before it creates devices and memory [6.12 kvm_main.c]") {
    int kvm_fd = open("/dev/kvm");
    CHECK(kvm_ioctl(*this, kvm_fd, kvm::check_extension, kvm::cap_user_memory) == 1);
    CHECK(kvm_ioctl(*this, kvm_fd, kvm::check_extension, kvm::cap_device_ctrl) == 1);
    CHECK(kvm_ioctl(*this, kvm_fd, kvm::check_extension, kvm::cap_user_memory2) == 1);
    CHECK(kvm_ioctl(*this, kvm_fd, kvm::check_extension, kvm::cap_nr_memslots) == 32764);  // x86 KVM_USER_MEM_SLOTS
    CHECK(kvm_ioctl(*this, kvm_fd, kvm::check_extension, kvm::cap_guest_memfd) == 1);
    long types = kvm_ioctl(*this, kvm_fd, kvm::check_extension, kvm::cap_vm_types);
    CHECK((types & (1 << kvm::default_vm)));
    CHECK((types & (1 << kvm::sw_protected_vm)));
    CHECK(kvm_ioctl(*this, kvm_fd, kvm::check_extension, 100000) == 0);
}

FAKE_CASE("kvm: on a VM, KVM_CAP_GUEST_MEMFD says whether it has private memory [6.12 kvm_main.c]") {
    int plain = vm(kvm::default_vm), coco = vm(kvm::sw_protected_vm);
    CHECK(kvm_ioctl(*this, plain, kvm::check_extension, kvm::cap_guest_memfd) == 0);
    CHECK(kvm_ioctl(*this, coco, kvm::check_extension, kvm::cap_guest_memfd) == 1);
}

FAKE_CASE("kvm: an unknown VM type -> EINVAL [6.12 kvm_main.c]") {
    int kvm_fd = open("/dev/kvm");
    std::string before = host().snapshot();
    CHECK(kvm_ioctl(*this, kvm_fd, kvm::create_vm, 99) == -EINVAL);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("kvm: a guest_memfd with flags, of size 0 or not page sized -> EINVAL [6.12 guest_memfd.c]") {
    int vm_fd = vm();
    std::string before = host().snapshot();
    for (auto [size, flags] : {std::pair<uint64_t, uint64_t>{1 << 20, 1}, {0, 0}, {4097, 0}}) {
        kvm::create_guest_memfd_args args{};
        args.size = size;
        args.flags = flags;
        CHECK(via().ioctl(vm_fd, kvm::create_guest_memfd, &args) == -EINVAL);
    }
    CHECK(host().snapshot() == before);
}

FAKE_CASE("kvm: a VM without private memory can make a guest_memfd but not a private memslot -> EINVAL [6.12 kvm_main.c]") {
    int vm_fd = vm(kvm::default_vm);
    int gmem = guest_memfd(vm_fd, 1 << 20);
    std::string before = host().snapshot();
    CHECK(memslot(vm_fd, 0, 1 << 20, 1 << 20, gmem) == -EINVAL);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("kvm: a private memslot whose fd is not a guest_memfd of this VM -> EINVAL; a closed fd -> EBADF [6.12 guest_memfd.c]") {
    int vm_fd = vm(), other = vm();
    int foreign = guest_memfd(other, 1 << 20);
    std::string before = host().snapshot();
    CHECK(memslot(vm_fd, 0, 1 << 20, 1 << 20, vm_fd) == -EINVAL);
    CHECK(memslot(vm_fd, 0, 1 << 20, 1 << 20, foreign) == -EINVAL);
    CHECK(memslot(vm_fd, 0, 1 << 20, 1 << 20, 100000) == -EBADF);
    real_file null;  // open, but no guest_memfd
    CHECK(memslot(vm_fd, 0, 1 << 20, 1 << 20, null.fd()) == -EINVAL);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("kvm: a private memslot past the end of its guest_memfd, or over pages another slot has -> EINVAL [6.12 guest_memfd.c]") {
    int vm_fd = vm();
    int gmem = guest_memfd(vm_fd, 2 << 20);
    REQUIRE(memslot(vm_fd, 0, 1 << 20, 1 << 20, gmem) == 0);
    std::string before = host().snapshot();
    CHECK(memslot(vm_fd, 1, 4 << 20, 2 << 20, gmem, 1 << 20) == -EINVAL);  // [1 MiB, 3 MiB) of a 2 MiB file
    CHECK(memslot(vm_fd, 1, 4 << 20, 1 << 20, gmem, 0) == -EINVAL);        // slot 0 has [0, 1 MiB)
    CHECK(host().snapshot() == before);
    CHECK(memslot(vm_fd, 1, 4 << 20, 1 << 20, gmem, 1 << 20) == 0);
}

FAKE_CASE("kvm: memslots whose guest ranges overlap -> EEXIST [6.12 kvm_main.c]") {
    int vm_fd = vm(kvm::default_vm);
    REQUIRE(memslot(vm_fd, 0, 1 << 20, 2 << 20) == 0);
    std::string before = host().snapshot();
    CHECK(memslot(vm_fd, 1, 2 << 20, 2 << 20) == -EEXIST);
    CHECK(host().snapshot() == before);
    CHECK(memslot(vm_fd, 1, 3 << 20, 2 << 20) == 0);
}

FAKE_CASE("kvm: a memslot not page aligned, or of an unknown flag -> EINVAL [6.12 kvm_main.c]") {
    int vm_fd = vm(kvm::default_vm);
    std::string before = host().snapshot();
    CHECK(memslot(vm_fd, 0, (1 << 20) + 8, 1 << 20) == -EINVAL);
    CHECK(memslot(vm_fd, 0, 1 << 20, (1 << 20) + 8) == -EINVAL);
    auto flags = memslot_args(0, 1 << 20, 1 << 20);
    flags.flags = 1u << 3;
    CHECK(via().ioctl(vm_fd, kvm::set_user_memory_region2, &flags) == -EINVAL);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("kvm: deleting a slot that does not exist -> EINVAL; deleting one that does works [6.12 kvm_main.c]") {
    int vm_fd = vm(kvm::default_vm);
    auto missing = memslot_args(3, 0, 0);
    rejected(vm_fd, missing, EINVAL, kvm::set_user_memory_region2);
    REQUIRE(memslot(vm_fd, 3, 1 << 20, 1 << 20) == 0);
    CHECK(memslot(vm_fd, 3, 0, 0) == 0);
}

FAKE_CASE("kvm: a private memslot cannot change, only go; a shared one can move [6.12 kvm_main.c]") {
    int vm_fd = vm();
    int gmem = guest_memfd(vm_fd, 1 << 20);
    REQUIRE(memslot(vm_fd, 0, 1 << 20, 1 << 20, gmem) == 0);
    auto changed = memslot_args(0, 8 << 20, 1 << 20, gmem);
    rejected(vm_fd, changed, EINVAL, kvm::set_user_memory_region2);
    REQUIRE(memslot(vm_fd, 1, 2 << 20, 1 << 20) == 0);
    auto moved = memslot_args(1, 16 << 20, 1 << 20);
    moved.userspace_addr = 0x7f0000000000 + (2 << 20);  // the same VMM mapping
    CHECK(via().ioctl(vm_fd, kvm::set_user_memory_region2, &moved) == 0);
}

// ---- the KVM-VFIO device -------------------------------------------------------------

FAKE_CASE("kvm-vfio: a device type KVM does not have -> ENODEV; one VFIO device per VM -> EBUSY [6.12 kvm_main.c]") {
    int vm_fd = vm();
    kvm::create_device_args cd{99, 0, 0};
    rejected(vm_fd, cd, ENODEV, kvm::create_device);
    kvm_vfio(vm_fd);
    std::string before = host().snapshot();
    kvm::create_device_args again{kvm::dev_type_vfio, 0, 0};
    CHECK(via().ioctl(vm_fd, kvm::create_device, &again) == -EBUSY);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("kvm-vfio: KVM_CREATE_DEVICE whose reply cannot be written -> EFAULT; the device stays, so a second one -> EBUSY [6.12 kvm_main.c]") {
    if (!via().copies_structs()) return;  // the typed layer passes its own objects
    int vm_fd = vm();
    CHECK(call_read_only(vm_fd, kvm::create_device, kvm::create_device_args{kvm::dev_type_vfio, 0, 0}) == -EFAULT);
    kvm::create_device_args again{kvm::dev_type_vfio, 0, 0};
    CHECK(via().ioctl(vm_fd, kvm::create_device, &again) == -EBUSY);
    // Its fd is the process's, though never reported; once it is closed a
    // device can be made again.
    int unreported = -1;
    host().for_each_file([&](int fd, const uapikit::fake::file& f) {
        if (std::holds_alternative<uapikit::fake::kvm_vfio_file>(f.kind)) unreported = fd;
    });
    REQUIRE(unreported >= 0);
    CHECK(via().close(unreported) == 0);
    kvm_vfio(vm_fd);
}

FAKE_CASE("kvm-vfio: KVM_CREATE_DEVICE_TEST only asks whether the type exists [6.12 kvm_main.c]") {
    int vm_fd = vm();
    std::string before = host().snapshot();
    kvm::create_device_args cd{kvm::dev_type_vfio, 0, kvm::create_device_test};
    CHECK(via().ioctl(vm_fd, kvm::create_device, &cd) == 0);
    CHECK(host().snapshot() == before);
    kvm_vfio(vm_fd);  // the real one can still be made
}

FAKE_CASE("kvm-vfio: FILE_ADD of an fd that is not VFIO -> EINVAL; of a closed fd -> EBADF; twice -> EEXIST [6.12 virt/kvm/vfio.c]") {
    int vm_fd = vm();
    int dev = kvm_vfio(vm_fd);
    int v = vfio_device(host().add_iommu(iommu_kind::arm_smmuv3));
    std::string before = host().snapshot();
    CHECK(vfio_file(dev, vm_fd) == -EINVAL);
    CHECK(vfio_file(dev, 100000) == -EBADF);
    real_file null;  // open, but no VFIO file
    CHECK(vfio_file(dev, null.fd()) == -EINVAL);
    CHECK(host().snapshot() == before);
    CHECK(vfio_file(dev, v) == 0);
    std::string added = host().snapshot();
    CHECK(vfio_file(dev, v) == -EEXIST);
    CHECK(host().snapshot() == added);
}

FAKE_CASE("kvm-vfio: FILE_DEL of a file never added -> ENOENT; an unknown attribute -> ENXIO [6.12 virt/kvm/vfio.c]") {
    int vm_fd = vm();
    int dev = kvm_vfio(vm_fd);
    int v = vfio_device(host().add_iommu(iommu_kind::arm_smmuv3));
    std::string before = host().snapshot();
    CHECK(vfio_file(dev, v, kvm::dev_vfio_file_del) == -ENOENT);
    real_file null;  // open, and so never added either
    CHECK(vfio_file(dev, null.fd(), kvm::dev_vfio_file_del) == -ENOENT);
    CHECK(vfio_file(dev, v, 7) == -ENXIO);
    int32_t fd = v;
    kvm::device_attr other_group{0, 5, kvm::dev_vfio_file_add, address(&fd)};
    CHECK(via().ioctl(dev, kvm::set_device_attr, &other_group) == -ENXIO);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("kvm-vfio: HAS_DEVICE_ATTR knows FILE_ADD and FILE_DEL; GET_DEVICE_ATTR -> EPERM, before its argument is read [6.12 kvm_main.c]") {
    int dev = kvm_vfio(vm());
    kvm::device_attr add{0, kvm::dev_vfio_file, kvm::dev_vfio_file_add, 0};
    kvm::device_attr del{0, kvm::dev_vfio_file, kvm::dev_vfio_file_del, 0};
    kvm::device_attr other{0, kvm::dev_vfio_file, 9, 0};
    CHECK(via().ioctl(dev, kvm::has_device_attr, &add) == 0);
    CHECK(via().ioctl(dev, kvm::has_device_attr, &del) == 0);
    rejected(dev, other, ENXIO, kvm::has_device_attr);
    rejected(dev, add, EPERM, kvm::get_device_attr);
    std::string before = host().snapshot();
    CHECK(via().ioctl(dev, kvm::get_device_attr, nullptr) == -EPERM);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("kvm-vfio: the device holds the VFIO file: closing its fd keeps it bound until FILE_DEL [6.12 virt/kvm/vfio.c]") {
    int fd = open("/dev/iommu");
    int smmu = host().add_iommu(iommu_kind::arm_smmuv3);
    int vm_fd = vm();
    int dev = kvm_vfio(vm_fd);
    int v = vfio_device(smmu);
    REQUIRE(vfio_file(dev, v) == 0);
    int devid = bind(v, fd);
    REQUIRE(devid > 0);
    // The VFIO file's fd goes; the KVM-VFIO device still holds the file,
    // so the device stays bound (its id is still a device).
    REQUIRE(via().close(v) == 0);
    forget(v);
    abi::iommu_destroy destroy{};
    destroy.id = static_cast<uint32_t>(devid);
    rejected(fd, destroy, EBUSY);
    // The KVM-VFIO device's fd goes too: the last reference, the unbind.
    REQUIRE(via().close(dev) == 0);
    forget(dev);
    destroy.size = 0;
    rejected(fd, destroy, ENOENT);
}
