/* An unmodified C program, as a VMM would be: plain libc calls on /dev/iommu
 * and /dev/kvm. Run under LD_PRELOAD=libuapikit-preload.so, every answer
 * must come from the fake; ordinary files must still work.
 *
 * It declares the uapi itself instead of including uapikit's headers, so
 * nothing here knows about the fake. Layouts are those of uapikit's
 * "proposed" iommufd uapi on x86_64. */
#define _GNU_SOURCE /* mkstemp, openat, O_CLOEXEC, MAP_ANONYMOUS, dup3 under -std=c11 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* _IO(';', nr): iommufd passes its sizes inside the struct, not the number. */
#define IOMMU_DESTROY 0x3b80    /* _IO(';', 0x80) */
#define IOMMU_IOAS_ALLOC 0x3b81 /* _IO(';', 0x81) */
#define IOMMU_TEST_CMD 0x3ba0   /* _IO(';', 0xa0) */
#define IOMMU_IOAS_MAP 0x3b85  /* _IO(';', 0x85) */
#define IOMMU_IOAS_UNMAP 0x3b86 /* _IO(';', 0x86) */
#define IOMMU_UNKNOWN 0x3b60    /* _IO(';', 0x60): below iommufd's and VFIO's numbers */
#define KVM_CREATE_VM 0xae01    /* _IO(0xae, 0x01), argument: the VM type */

#define IOMMU_TEST_OP_MOCK_DOMAIN 2
#define IOMMU_IOAS_MAP_FIXED_IOVA 1
#define IOMMU_IOAS_MAP_WRITEABLE 2
#define IOMMU_IOAS_MAP_READABLE 4
#define MOCK_APERTURE_START (1UL << 24) /* the mock domain maps from here */

struct iommu_destroy {
    uint32_t size;
    uint32_t id;
};

struct iommu_ioas_alloc {
    uint32_t size;
    uint32_t flags;
    uint32_t out_ioas_id;
};

struct iommu_ioas_map {
    uint32_t size;
    uint32_t flags;
    uint32_t ioas_id;
    uint32_t reserved;
    uint64_t user_va;
    uint64_t length;
    uint64_t iova;
};

struct iommu_ioas_unmap {
    uint32_t size;
    uint32_t ioas_id;
    uint64_t iova;
    uint64_t length;
};

struct iommu_test_cmd {
    uint32_t size;
    uint32_t op;
    uint32_t id; /* the IOAS or HWPT the mock device attaches to */
    uint32_t reserved;
    union {
        struct {
            uint32_t out_stdev_id;
            uint32_t out_hwpt_id;
            uint32_t out_idev_id;
        } mock_domain;
        uint64_t storage[6];
    };
    uint32_t last;
};

static int failures;

/* Prints one check and remembers a failure. */
static void check(int ok, const char* what) {
    printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) failures++;
}

/* A call that must fail with `expected`; errno is read right after it. */
static void check_errno(int rc, int expected, const char* what) {
    int e = errno;
    char line[160];
    snprintf(line, sizeof line, "%s -> %d, errno %s (want -1, %s)", what, rc, strerror(e), strerror(expected));
    check(rc == -1 && e == expected, line);
}

/* The preload backs each fake fd with a /dev/null descriptor. That is how
 * this program tells the fake's fds from the kernel's: a machine may have a
 * real /dev/kvm, which would answer these calls just as well. */
static int is_fake(int fd) {
    char link[64], target[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0) return 0;
    target[n] = 0;
    return strcmp(target, "/dev/null") == 0;
}

/* Flags known only at run time, as in a VMM: a _FORTIFY_SOURCE build then
 * calls __open_2/__open64_2 instead of open (the preload_smoke_fortify test). */
static int run_time_flags(int flags) {
    volatile int f = flags;
    return f;
}

static void iommufd_checks(void) {
    int fd = open("/dev/iommu", run_time_flags(O_RDWR));
    check(fd >= 0 && is_fake(fd), "open(\"/dev/iommu\") gives a fake fd");
    if (fd < 0) return;

    struct iommu_ioas_alloc ioas = {.size = sizeof ioas};
    check(ioctl(fd, IOMMU_IOAS_ALLOC, &ioas) == 0 && ioas.out_ioas_id == 1, "IOMMU_IOAS_ALLOC gives IOAS id 1");

    struct iommu_test_cmd mock = {.size = sizeof mock, .op = IOMMU_TEST_OP_MOCK_DOMAIN, .id = ioas.out_ioas_id};
    int rc = ioctl(fd, IOMMU_TEST_CMD, &mock);
    uint32_t s = mock.mock_domain.out_stdev_id, h = mock.mock_domain.out_hwpt_id, d = mock.mock_domain.out_idev_id;
    printf("      mock domain: stdev %u, hwpt %u, idev %u\n", s, h, d);
    check(rc == 0 && s && h && d && s != h && h != d && s != d, "IOMMU_TEST_CMD mock domain gives three distinct ids");

    struct iommu_destroy missing = {.size = sizeof missing, .id = 999};
    check_errno(ioctl(fd, IOMMU_DESTROY, &missing), ENOENT, "IOMMU_DESTROY of id 999");

    struct iommu_destroy any = {.size = sizeof any};
    check_errno(ioctl(fd, IOMMU_UNKNOWN, &any), ENOTTY, "ioctl _IO(';', 0x60)");

    check(close(fd) == 0, "close(iommufd)");
    check_errno(close(fd), EBADF, "second close(iommufd)");
}

/* A forked child uses the iommufd it inherited, as a VMM's helper process
 * would: its map of its own memory (pinned at once, a mock domain being
 * attached) is the parent's after the child has gone. */
static void fork_checks(void) {
    int fd = open("/dev/iommu", O_RDWR);
    struct iommu_ioas_alloc ioas = {.size = sizeof ioas};
    struct iommu_test_cmd mock = {.size = sizeof mock, .op = IOMMU_TEST_OP_MOCK_DOMAIN};
    int ready = fd >= 0 && ioctl(fd, IOMMU_IOAS_ALLOC, &ioas) == 0;
    mock.id = ioas.out_ioas_id;
    check(ready && ioctl(fd, IOMMU_TEST_CMD, &mock) == 0, "an IOAS with a mock domain before fork()");
    if (!ready) return;
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        void* mem = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memset(mem, 0x5a, 2 * 4096);
        struct iommu_ioas_map map = {.size = sizeof map,
                                     .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                                              IOMMU_IOAS_MAP_WRITEABLE,
                                     .ioas_id = ioas.out_ioas_id,
                                     .user_va = (uintptr_t)mem,
                                     .length = 2 * 4096,
                                     .iova = MOCK_APERTURE_START};
        _exit(ioctl(fd, IOMMU_IOAS_MAP, &map) == 0 ? 0 : 1);
    }
    int status = -1;
    check(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "the child's IOMMU_IOAS_MAP through the inherited fd succeeds");
    struct iommu_ioas_unmap unmap = {
        .size = sizeof unmap, .ioas_id = ioas.out_ioas_id, .iova = MOCK_APERTURE_START, .length = 2 * 4096};
    check(ioctl(fd, IOMMU_IOAS_UNMAP, &unmap) == 0 && unmap.length == 2 * 4096,
          "the parent unmaps the child's 8 KiB after the child exited");
    check(close(fd) == 0, "close(iommufd) after fork");
}

/* A program that copies its descriptors, as Rust's File::try_clone
 * (fcntl F_DUPFD_CLOEXEC) or a dup2() onto a chosen number does: each copy
 * names the same iommufd, as the kernel shares one file between them. */
static void dup_checks(void) {
    int fd = open("/dev/iommu", O_RDWR);
    struct iommu_ioas_alloc ioas = {.size = sizeof ioas};
    check(fd >= 0 && ioctl(fd, IOMMU_IOAS_ALLOC, &ioas) == 0, "an IOAS to reach through copies of the fd");
    if (fd < 0) return;

    int high = fcntl(fd, F_DUPFD_CLOEXEC, 100);
    check(high >= 100 && is_fake(high) && (fcntl(high, F_GETFD) & FD_CLOEXEC),
          "fcntl(F_DUPFD_CLOEXEC, 100) gives a close-on-exec copy at 100 or above");
    struct iommu_destroy destroy = {.size = sizeof destroy, .id = ioas.out_ioas_id};
    check(ioctl(high, IOMMU_DESTROY, &destroy) == 0, "IOMMU_DESTROY through the copy finds the IOAS");
    check_errno(ioctl(fd, IOMMU_DESTROY, &destroy), ENOENT, "IOMMU_DESTROY of it again through the original");

    char path[] = "/tmp/uapikit-preload-dup-XXXXXX";
    int file = mkstemp(path);
    unlink(path);
    check(file >= 0 && dup2(fd, file) == file && is_fake(file), "dup2() onto a regular file's number");
    struct iommu_ioas_alloc again = {.size = sizeof again};
    check(ioctl(file, IOMMU_IOAS_ALLOC, &again) == 0 && again.out_ioas_id == ioas.out_ioas_id,
          "that number is now the iommufd: IOMMU_IOAS_ALLOC gives the freed id again");

    check_errno(dup2(1000, high), EBADF, "dup2() of a closed fd onto a copy");
    struct iommu_ioas_alloc kept = {.size = sizeof kept};
    check(ioctl(high, IOMMU_IOAS_ALLOC, &kept) == 0, "the copy is still the iommufd after that failed dup2()");
    int plain = open("/dev/zero", O_RDONLY);
    check(plain >= 0 && dup2(plain, high) == high && !is_fake(high), "dup2() of a real file onto a copy");
    check_errno(ioctl(high, IOMMU_DESTROY, &destroy), ENOTTY, "that number is the real file now");
    check_errno(dup3(fd, fd, 0), EINVAL, "dup3() of an fd onto itself");

    check(close(fd) == 0, "close(the original iommufd)");
    destroy.id = again.out_ioas_id;
    check(ioctl(file, IOMMU_DESTROY, &destroy) == 0, "the context lives on through the last copy");
    check(close(file) == 0 && close(high) == 0 && close(plain) == 0, "close of the copies");
}

static void kvm_checks(void) {
    int kvm = openat(AT_FDCWD, "/dev/kvm", run_time_flags(O_RDWR | O_CLOEXEC));
    check(kvm >= 0 && is_fake(kvm), "open(\"/dev/kvm\") gives a fake fd");
    if (kvm < 0) return;
    /* The type travels as the argument's value, not through a pointer. */
    int vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
    check(vm >= 0 && vm != kvm && is_fake(vm), "KVM_CREATE_VM(0) gives a new fake fd");
    check_errno(ioctl(kvm, KVM_CREATE_VM, 7UL), EINVAL, "KVM_CREATE_VM(7)");
    if (vm >= 0) check(close(vm) == 0, "close(vm)");
    check(close(kvm) == 0, "close(kvm)");
}

/* Everything that is not the fake's must reach the kernel unchanged. */
static void passthrough_checks(void) {
    char path[] = "/tmp/uapikit-preload-XXXXXX";
    int w = mkstemp(path);
    check(w >= 0 && write(w, "hello", 5) == 5 && close(w) == 0, "a temporary file is written");

    char buf[16] = {0};
    int r = open(path, O_RDONLY);
    check(r >= 0 && read(r, buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0, "open + read of that file");
    /* A real fd answers a foreign ioctl with the kernel's ENOTTY. */
    struct iommu_destroy cmd = {.size = sizeof cmd};
    check_errno(ioctl(r, IOMMU_DESTROY, &cmd), ENOTTY, "IOMMU_DESTROY on a regular file");
    check(close(r) == 0, "close of that file");
    unlink(path);

    int at = openat(AT_FDCWD, "/dev/null", O_WRONLY);
    check(at >= 0 && write(at, "x", 1) == 1 && close(at) == 0, "openat(\"/dev/null\") + write + close");
    check_errno(open("/nonexistent/uapikit", O_RDONLY), ENOENT, "open of a missing path");
}

int main(void) {
    iommufd_checks();
    fork_checks();
    dup_checks();
    kvm_checks();
    passthrough_checks();
    printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
