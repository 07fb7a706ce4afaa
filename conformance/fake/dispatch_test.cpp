// How an iommufd ioctl reaches its handler, and the object core: ids,
// lookups, busy objects, closing a context. Each case name ends with where
// its expectation comes from (scripts/fake_semantics_table.py expands it).
#include "semantics_fixture.hpp"

#include <cerrno>
#include <cstddef>
#include <vector>

using namespace uapikit::testing;

// ---- dispatch ----------------------------------------------------------------

FAKE_CASE("dispatch: a number below the table goes to the VFIO compatibility ioctls, which do not know it -> ENOTTY [6.12 main.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_destroy cmd{};
    rejected(fd, cmd, ENOTTY, 0x3b60);
}

FAKE_CASE("dispatch: a number past IOMMU_TEST_CMD -> ENOTTY [6.12 main.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_destroy cmd{};
    rejected(fd, cmd, ENOTTY, 0x3bb0);
}

FAKE_CASE("dispatch: a slot of the table without a command reads the size first, then -> ENOTTY [6.12 main.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_destroy cmd{};
    rejected(fd, cmd, ENOTTY, 0x3b9a);
    std::string before = host().snapshot();
    CHECK(via().ioctl(fd, 0x3b9a, nullptr) == -EFAULT);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("dispatch: a null argument -> EFAULT [6.12 main.c]") {
    int fd = open("/dev/iommu");
    std::string before = host().snapshot();
    CHECK(via().ioctl(fd, abi::IOMMU_IOAS_ALLOC, nullptr) == -EFAULT);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("dispatch: a struct in unmapped memory, or running into it -> EFAULT, not a crash [6.12 main.c]") {
    if (!via().copies_structs()) return;  // the typed layer passes its own objects
    int fd = open("/dev/iommu");
    // Two pages: the first readable, the second not.
    void* mem = ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(mem != MAP_FAILED);
    auto* bytes = static_cast<uint8_t*>(mem);
    REQUIRE(::mprotect(bytes + page, page, PROT_NONE) == 0);
    std::string before = host().snapshot();
    // The leading size itself is unreadable (get_user fails).
    CHECK(via().ioctl(fd, abi::IOMMU_IOAS_ALLOC, bytes + page) == -EFAULT);
    CHECK(host().snapshot() == before);
    // The size is readable but the 12-byte struct ends 4 bytes into the
    // unreadable page (copy_struct_from_user fails).
    abi::iommu_ioas_alloc cmd{sizeof cmd, 0, 0};
    uint8_t* at = bytes + page - 8;
    std::memcpy(at, &cmd, 8);
    CHECK(via().ioctl(fd, abi::IOMMU_IOAS_ALLOC, at) == -EFAULT);
    CHECK(host().snapshot() == before);
    // The same struct where all of it is readable is allocated.
    std::memcpy(bytes, &cmd, sizeof cmd);
    CHECK(via().ioctl(fd, abi::IOMMU_IOAS_ALLOC, bytes) == 0);
    ::munmap(mem, 2 * page);
}

FAKE_CASE("dispatch: a reply that cannot be written (a read-only struct) -> EFAULT; the object the call made is aborted, with its fd [6.12 main.c, ioas.c, fault.c, selftest.c]") {
    if (!via().copies_structs()) return;  // the typed layer passes its own objects
    int fd = open("/dev/iommu");
    const uint32_t ioas_id = ioas(fd);
    std::string before = host().snapshot();
    CHECK(call_read_only(fd, abi::IOMMU_IOAS_ALLOC, abi::iommu_ioas_alloc{}) == -EFAULT);
    CHECK(host().snapshot() == before);
    // A fault queue has an fd besides its object: neither stays.
    CHECK(call_read_only(fd, abi::IOMMU_FAULT_QUEUE_ALLOC, abi::iommu_fault_alloc{}) == -EFAULT);
    CHECK(host().snapshot() == before);
    // The selftest's mock device: a device bound and attached, with the
    // automatic domain made for it, all undone.
    abi::iommu_test_cmd mock_cmd{};
    mock_cmd.op = abi::IOMMU_TEST_OP_MOCK_DOMAIN;
    mock_cmd.id = ioas_id;
    CHECK(call_read_only(fd, abi::IOMMU_TEST_CMD, mock_cmd) == -EFAULT);
    CHECK(host().snapshot() == before);
    // The next object gets the id the aborted ones had.
    CHECK(ioas(fd) == ioas_id + 1);
}

FAKE_CASE("dispatch: a reply that cannot be written after a map -> EFAULT, and the map stays, as the kernel keeps it [6.12 ioas.c]") {
    if (!via().copies_structs()) return;
    int fd = open("/dev/iommu");
    const uint32_t ioas_id = ioas(fd);
    buffer mem(page);
    CHECK(call_read_only(fd, abi::IOMMU_IOAS_MAP, map_cmd(ioas_id, mem.address(), page, 0x100000)) == -EFAULT);
    CHECK(unmap(fd, ioas_id, 0x100000, page) == page);
}

FAKE_CASE("dispatch: the selftest's ACCESS_PAGES whose reply cannot be written -> EFAULT; its item is dropped and its pages unpinned, but its number stays used [6.12 selftest.c]") {
    if (!via().copies_structs()) return;
    int fd = open("/dev/iommu");
    const uint32_t ioas_id = ioas(fd);
    buffer mem(page);
    auto map = map_cmd(ioas_id, mem.address(), page, 0x100000);
    REQUIRE(call(fd, map) == 0);
    abi::iommu_test_cmd create{};
    create.op = abi::IOMMU_TEST_OP_CREATE_ACCESS;
    create.id = ioas_id;
    create.create_access.flags = abi::MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
    REQUIRE(call(fd, create) == 0);
    const int access_fd = static_cast<int>(create.create_access.out_access_fd);
    keep(access_fd);
    abi::iommu_test_cmd pin{};
    pin.op = abi::IOMMU_TEST_OP_ACCESS_PAGES;
    pin.id = static_cast<uint32_t>(access_fd);
    pin.access_pages.iova = 0x100000;
    pin.access_pages.length = page;
    pin.access_pages.uptr = mem.address();
    CHECK(call_read_only(fd, abi::IOMMU_TEST_CMD, pin) == -EFAULT);
    // The kernel numbers items from 0 and does not take the number back.
    abi::iommu_test_cmd drop{};
    drop.op = abi::IOMMU_TEST_OP_DESTROY_ACCESS_PAGES;
    drop.id = static_cast<uint32_t>(access_fd);
    drop.destroy_access_pages.access_pages_id = 0;
    rejected(fd, drop, ENOENT);
    REQUIRE(call(fd, pin) == 0);
    CHECK(pin.access_pages.out_access_pages_id == 1);
    drop.destroy_access_pages.access_pages_id = 1;
    CHECK(call(fd, drop) == 0);
}

FAKE_CASE("dispatch: the right slot with other type or direction bits -> ENOTTY [6.12 main.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_ioas_alloc cmd{};
    cmd.size = sizeof cmd;
    rejected(fd, cmd, ENOTTY, abi::IOMMU_IOAS_ALLOC | (1ul << 30));  // _IOW instead of _IO
}

FAKE_CASE("dispatch: size below the last required field -> EINVAL [6.12 main.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_destroy cmd{};
    cmd.size = 4;  // id ends at 8
    rejected(fd, cmd, EINVAL);
}

// The selftest's cmd_length, for every command of the generated table: the
// size is checked before any field is read, so a struct whose fields are
// all wrong still fails on its size.
FAKE_CASE("dispatch: every command checks its size before its fields: min_size - 1 -> EINVAL, a non-zero byte past the struct -> E2BIG [6.12 main.c]") {
    int fd = open("/dev/iommu");
    for (const auto& c : abi::commands) {
        INFO(c.name);
        std::vector<unsigned char> arg(c.size + 8, 0xff);  // every field invalid
        uint32_t size = static_cast<uint32_t>(c.min_size - 1);
        std::memcpy(arg.data(), &size, sizeof size);
        std::string before = host().snapshot();
        CHECK(via().ioctl(fd, c.request, arg.data()) == -EINVAL);
        size = static_cast<uint32_t>(c.size + 1);
        std::memcpy(arg.data(), &size, sizeof size);
        arg[c.size] = 1;
        CHECK(via().ioctl(fd, c.request, arg.data()) == -E2BIG);
        CHECK(host().snapshot() == before);
    }
}

FAKE_CASE("dispatch: vIOMMU alloc with size 20 (min 24) -> EINVAL [mainline main.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_viommu_alloc cmd{};
    cmd.size = 20;
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("dispatch: a caller of the 24-byte prefix is zero-extended and succeeds [mainline main.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    auto cmd = viommu_cmd(m.dev, nest_parent(fd, m.dev, io));
    cmd.size = 24;
    CHECK(call(fd, cmd) == 0);
    CHECK(cmd.out_viommu_id > 0);
}

FAKE_CASE("dispatch: a larger struct with zero extra bytes is accepted [6.12 main.c]") {
    int fd = open("/dev/iommu");
    struct {
        abi::iommu_ioas_alloc cmd;
        uint32_t extra[4];
    } big{};
    big.cmd.size = sizeof big;
    CHECK(via().ioctl(fd, abi::IOMMU_IOAS_ALLOC, &big) == 0);
    CHECK(big.cmd.out_ioas_id == 1);
}

FAKE_CASE("dispatch: a larger struct with a non-zero extra byte -> E2BIG [6.12 main.c]") {
    int fd = open("/dev/iommu");
    struct {
        abi::iommu_ioas_alloc cmd;
        uint32_t extra[4];
    } big{};
    big.cmd.size = sizeof big;
    big.extra[3] = 1;
    std::string before = host().snapshot();
    CHECK(via().ioctl(fd, abi::IOMMU_IOAS_ALLOC, &big) == -E2BIG);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("dispatch: the reply copies back min(size, sizeof) and no more [mainline main.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    auto cmd = viommu_cmd(m.dev, nest_parent(fd, m.dev, io));
    cmd.size = 40;  // an old caller: kvm_vm_fd and __reserved2 are not its bytes
    cmd.kvm_vm_fd = 0x5a5a5a5a;
    CHECK(call(fd, cmd) == 0);
    CHECK(cmd.kvm_vm_fd == 0x5a5a5a5a);
}

FAKE_CASE("dispatch: a closed fd -> EBADF [6.12 main.c]") {
    int fd = open("/dev/iommu");
    CHECK(via().close(fd) == 0);
    forget(fd);
    abi::iommu_ioas_alloc cmd{};
    rejected(fd, cmd, EBADF);
}

// ---- objects -------------------------------------------------------------------

FAKE_CASE("objects: the first id is 1 and ids count up [6.12 main.c]") {
    int fd = open("/dev/iommu");
    CHECK(ioas(fd) == 1);
    CHECK(ioas(fd) == 2);
}

FAKE_CASE("objects: ids are per context [6.12 main.c]") {
    int a = open("/dev/iommu"), b = open("/dev/iommu");
    CHECK(ioas(a) == 1);
    CHECK(ioas(b) == 1);
}

FAKE_CASE("objects: destroying a missing id -> ENOENT [6.12 main.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_destroy cmd{};
    cmd.id = 42;
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("objects: id 0 is never an object -> ENOENT [6.12 main.c]") {
    int fd = open("/dev/iommu");
    ioas(fd);
    abi::iommu_destroy cmd{};
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("objects: destroying the same id twice -> ENOENT [6.12 main.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_destroy cmd{};
    cmd.id = ioas(fd);
    CHECK(call(fd, cmd) == 0);
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("objects: a freed id is handed out again, lowest first [6.12 main.c]") {
    int fd = open("/dev/iommu");
    ioas(fd);
    abi::iommu_destroy cmd{};
    cmd.id = ioas(fd);
    ioas(fd);
    CHECK(call(fd, cmd) == 0);
    CHECK(ioas(fd) == 2);
}

FAKE_CASE("objects: an IOAS under a HWPT is busy -> EBUSY [6.12 main.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    nest_parent(fd, m.dev, io);
    abi::iommu_destroy cmd{};
    cmd.id = io;
    rejected(fd, cmd, EBUSY);
}

FAKE_CASE("objects: a HWPT under a vIOMMU is busy -> EBUSY [mainline viommu.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    uint32_t hwpt = nest_parent(fd, m.dev, io);
    viommu(fd, m.dev, hwpt);
    abi::iommu_destroy cmd{};
    cmd.id = hwpt;
    rejected(fd, cmd, EBUSY);
}

FAKE_CASE("objects: a bound device belongs to its driver: destroying its id -> EBUSY [6.12 device.c]") {
    int fd = open("/dev/iommu");
    mock m = mock_device(fd, ioas(fd));
    abi::iommu_destroy cmd{};
    cmd.id = m.dev;
    rejected(fd, cmd, EBUSY);
}

FAKE_CASE("objects: closing the iommufd destroys everything; a new context starts at 1 [6.12 main.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    uint32_t v = viommu(fd, m.dev, nest_parent(fd, m.dev, io));
    vdevice(fd, v, m.dev, 7);
    CHECK(via().close(fd) == 0);
    forget(fd);
    CHECK(host().snapshot().find("  id=") == std::string::npos);
    int again = open("/dev/iommu");
    CHECK(ioas(again) == 1);
}

FAKE_CASE("objects: destroying a mock device takes its vDEVICE along; that id stays taken until close [mainline viommu.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    uint32_t v = viommu(fd, m.dev, nest_parent(fd, m.dev, io));
    uint32_t vd = vdevice(fd, v, m.dev, 7);
    abi::iommu_destroy cmd{};
    cmd.id = m.stdev;
    REQUIRE(call(fd, cmd) == 0);
    abi::iommu_destroy gone{};
    gone.id = vd;
    rejected(fd, gone, ENOENT);
    abi::iommu_destroy viommu_gone{};
    viommu_gone.id = v;
    CHECK(call(fd, viommu_gone) == 0);  // no vDEVICE holds it any more
    CHECK(ioas(fd) != vd);              // the leaked id is not handed out
}
