#!/usr/bin/env python3
"""Writes the seed corpus (fuzz/corpus/) in ioctl_fuzz.cpp's input format:
step sequences that succeed, so the fuzzer starts from deep states - one
per family of the fake (IOAS maps, HWPTs, dirty tracking, fault and event
queues, vIOMMUs of each driver, HW queues, accesses, the VFIO
compatibility and cdev ioctls, KVM and the KVM-VFIO device, the
proposals). Ids assume the fake's kernel order (lowest free id; a mock
domain gives stdev, idev, then its automatic HWPT). Other files in corpus/
are inputs the fuzzer found that once broke the fake; they are kept, not
generated."""
import pathlib
import re
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Request bytes: the generated command table's rows, in its order, then
# ioctl_fuzz.cpp's other_requests.
TABLE = re.findall(r"command_row<(\w+)>", (ROOT / "include/uapikit/generated/proposed.hpp").read_text())
OTHER = ["VFIO_GET_API_VERSION", "VFIO_CHECK_EXTENSION", "VFIO_SET_IOMMU", "VFIO_IOMMU_GET_INFO",
         "VFIO_IOMMU_MAP_DMA", "VFIO_IOMMU_UNMAP_DMA", "VFIO_DEVICE_BIND_IOMMUFD", "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
         "VFIO_DEVICE_DETACH_IOMMUFD_PT", "VFIO_DEVICE_GET_INFO", "VFIO_DEVICE_GET_REGION_INFO",
         "VFIO_DEVICE_GET_IRQ_INFO", "VFIO_DEVICE_RESET", "KVM_GET_API_VERSION", "KVM_CHECK_EXTENSION",
         "KVM_CREATE_VM", "KVM_CREATE_GUEST_MEMFD", "KVM_SET_USER_MEMORY_REGION", "KVM_SET_USER_MEMORY_REGION2",
         "KVM_CREATE_DEVICE", "KVM_SET_DEVICE_ATTR", "KVM_GET_DEVICE_ATTR", "KVM_HAS_DEVICE_ATTR"]
assert len(OTHER) == 23, "ioctl_fuzz.cpp's other_requests"


def req(name):
    """The request byte of a struct name of the table or an OTHER name."""
    return TABLE.index(name) if name in TABLE else len(TABLE) + OTHER.index(name)


def ptr(page):
    """A pointer field value the fuzzer aims at data page `page` (0 holds the data bytes)."""
    return 1 + 8 * page


# Constants (Linux uapi and the mock driver's test header).
MOCK_APERTURE_START = 1 << 24
NEST_PARENT, DIRTY_TRACKING, FAULT_ID_VALID = 1, 2, 4
DATA_SELFTEST, DATA_ARM_SMMUV3 = 0xDEAD, 2
VIOMMU_SELFTEST, VIOMMU_ARM_SMMUV3, VIOMMU_AMD = 0xDEADBEEF, 1, 3
VEVENTQ_SELFTEST, HW_QUEUE_SELFTEST, INVALIDATE_SELFTEST = 0xBEEFBEEF, 0xDEADBEEF, 0xDEADBEEF
KVM_FD = 1
ARM_SMMUV3, AMD = 0, 1  # fake::iommu_kind
(OP_MOCK_DOMAIN, OP_CREATE_ACCESS, OP_ACCESS_PAGES, OP_ACCESS_RW, OP_MOCK_DOMAIN_REPLACE, OP_DIRTY,
 OP_TRIGGER_IOPF, OP_TRIGGER_VEVENT) = 2, 5, 7, 8, 10, 13, 15, 17


def open_iommufd(): return bytes([0])
def open_kvm(): return bytes([1])
def close(fd): return bytes([2, fd])
def add_iommu(kind, cap=0xFF): return bytes([4, kind, cap])
def add_device(iommu): return bytes([5, iommu + 1])
def open_vfio(n): return bytes([6, n])
def read(fd, count): return bytes([7, fd, count // 8])
def emfile(): return bytes([9])  # the next fd reservation fails
def write(fd, data): return bytes([8, fd, len(data)]) + data


def ioctl(fd, request, arg=b"", data=b"", fd_patch=None, fd_at=0, data_fd_at=0, value=None, copied=False,
          read_only=False):
    """One ioctl. fd_patch: (fd index, "arg" or "data") writes that fd at
    byte fd_at of the struct or data_fd_at of the data. copied: the struct
    goes through the copying path (the preload's); read_only: and it cannot
    be written back."""
    mode = 1 if copied or read_only else 0
    if fd_patch is not None:
        index, where = fd_patch
        mode |= (4 if where == "arg" else 8) | index << 4
    if value is not None:
        mode |= 3
    arg, data = arg.rstrip(b"\0"), data.rstrip(b"\0")  # the fuzzer zero-fills what is missing
    out = bytes([3, fd, request, mode, len(arg)]) + arg + bytes([len(data)]) + data
    out += bytes([fd_at // 4 | (0x80 if read_only else 0), data_fd_at // 4])
    return out + (bytes([value]) if value is not None else b"")


# ---- iommufd ---------------------------------------------------------------------------

def ioas(fd, **how): return ioctl(fd, req("iommu_ioas_alloc"), struct.pack("<III", 12, 0, 0), **how)
def destroy(fd, id, **how): return ioctl(fd, req("iommu_destroy"), struct.pack("<II", 8, id), **how)
def ioas_map(fd, ioas_id, page, length, iova, **how):
    return ioctl(fd, req("iommu_ioas_map"), struct.pack("<IIIIQQQ", 40, 1 | 2 | 4, ioas_id, 0, ptr(page), length, iova),
                 **how)
def ioas_unmap(fd, ioas_id, iova, length, **how):
    return ioctl(fd, req("iommu_ioas_unmap"), struct.pack("<IIQQ", 24, ioas_id, iova, length), **how)
def hwpt(fd, dev, pt, flags=NEST_PARENT, data_type=0, data=b"", fault=0, **how):
    arg = struct.pack("<IIIIIIIIQII", 48, flags, dev, pt, 0, 0, data_type, len(data), ptr(0) if data else 0, fault, 0)
    return ioctl(fd, req("iommu_hwpt_alloc"), arg, data, **how)
def viommu(fd, dev, hwpt_id, type=VIOMMU_SELFTEST, flags=0, data=b"", **patch):
    arg = struct.pack("<IIIIIIIIQiI", 48, flags, type, dev, hwpt_id, 0, len(data), 0, ptr(0) if data else 0, 0, 0)
    return ioctl(fd, req("iommu_viommu_alloc"), arg, data, **patch)
def vdevice(fd, viommu_id, dev, virt_id):
    return ioctl(fd, req("iommu_vdevice_alloc"), struct.pack("<IIIIQ", 24, viommu_id, dev, 0, virt_id))
def invalidate(fd, id, data_type, entries, entry_len):
    arg = struct.pack("<IIQIIII", 32, id, ptr(0), data_type, entry_len, len(entries) // entry_len, 0)
    return ioctl(fd, req("iommu_hwpt_invalidate"), arg, entries)


def test_cmd(fd, op, id=0, payload=b"", **how):
    return ioctl(fd, req("iommu_test_cmd"), struct.pack("<IIII48sI", 72, op, id, 0, payload, 0), **how)
def mock_domain(fd, pt, **how): return test_cmd(fd, OP_MOCK_DOMAIN, pt, **how)
def mock_replace(fd, stdev, pt): return test_cmd(fd, OP_MOCK_DOMAIN_REPLACE, stdev, struct.pack("<I", pt))


# ---- VFIO and KVM ------------------------------------------------------------------------

def bind(vfio_fd, iommufd_index):
    return ioctl(vfio_fd, req("VFIO_DEVICE_BIND_IOMMUFD"), struct.pack("<IIiI", 16, 0, 0, 0),
                 fd_patch=(iommufd_index, "arg"), fd_at=8)
def attach(vfio_fd, pt): return ioctl(vfio_fd, req("VFIO_DEVICE_ATTACH_IOMMUFD_PT"), struct.pack("<III", 12, 0, pt))
def create_vm(kvm_fd, type): return ioctl(kvm_fd, req("KVM_CREATE_VM"), value=type)


# fd operands index the fds handed out so far, in order.
selftest = open_iommufd() + ioas(0) + mock_domain(0, 1) + hwpt(0, 3, 1)  # ioas 1, stdev 2, idev 3, auto 4, hwpt 5
mapped = open_iommufd() + ioas(0) + mock_domain(0, 1) + ioas_map(0, 1, 1, 0x2000, MOCK_APERTURE_START)
selftest_viommu = selftest + viommu(0, 3, 5) + vdevice(0, 6, 3, 0x99)  # viommu 6, vdevice 7
# An SMMUv3 device bound through its cdev: fds vfio0 0, iommufd 1; device 1, IOAS 2, stage 2 3, vIOMMU 4.
smmu = (add_iommu(ARM_SMMUV3) + add_device(1) + open_vfio(0) + open_iommufd() + bind(0, 1) + ioas(1)
        + hwpt(1, 1, 2) + viommu(1, 1, 3, type=VIOMMU_ARM_SMMUV3))
seeds = {
    "ioas_alloc": open_iommufd() + ioas(0),
    "mock_domain": open_iommufd() + ioas(0) + mock_domain(0, 1),
    "hwpt_nest_parent": selftest,
    "viommu_selftest": selftest + viommu(0, 3, 5),
    "viommu_selftest_data": selftest + viommu(0, 3, 5, data=struct.pack("<IIQQ", 0x1234, 0, 0, 0)),
    "vdevice": selftest_viommu,
    "destroy": selftest_viommu + b"".join(destroy(0, id) for id in (7, 6, 5, 2, 1)) + close(0),
    "ioas_map_unmap": mapped + test_cmd(0, 4, 0, struct.pack("<QQI", 0x2000, ptr(1), 1))
    + ioas_unmap(0, 1, MOCK_APERTURE_START, 0x2000),
    "ioas_copy_option": mapped + ioas(0)
    + ioctl(0, req("iommu_ioas_copy"), struct.pack("<IIIIQQQ", 40, 1 | 2 | 4, 5, 1, 0x2000, MOCK_APERTURE_START,
                                                   MOCK_APERTURE_START))
    + ioctl(0, req("iommu_option"), struct.pack("<IIHHIQ", 24, 1, 1, 0, 5, 0))
    + ioctl(0, req("iommu_ioas_iova_ranges"), struct.pack("<IIIIQQ", 32, 1, 4, 0, ptr(2), 0)),
    "dirty": open_iommufd() + ioas(0) + mock_domain(0, 1) + hwpt(0, 3, 1, DIRTY_TRACKING) + mock_replace(0, 2, 5)
    + ioas_map(0, 1, 1, 0x2000, MOCK_APERTURE_START)
    + ioctl(0, req("iommu_hwpt_set_dirty_tracking"), struct.pack("<IIII", 16, 1, 5, 0))
    + ioctl(0, req("iommu_test_cmd"), struct.pack("<IIIIIIQQQQ", 72, OP_DIRTY, 5, 0, 0, 0, MOCK_APERTURE_START, 0x2000,
                                                   0x800, ptr(0)), b"\x05")
    + ioctl(0, req("iommu_hwpt_get_dirty_bitmap"), struct.pack("<IIIIQQQQ", 48, 5, 0, 0, MOCK_APERTURE_START, 0x2000,
                                                                0x1000, ptr(2))),
    # A fault queue (id 5, fd index 1) on a nested HWPT the mock device moves to.
    "fault_iopf": open_iommufd() + ioas(0) + mock_domain(0, 1)
    + ioctl(0, req("iommu_fault_alloc"), struct.pack("<IIII", 16, 0, 0, 0))
    + hwpt(0, 3, 1) + hwpt(0, 3, 6, FAULT_ID_VALID, DATA_SELFTEST, struct.pack("<I", 0xBADBEEF), fault=5)
    + mock_replace(0, 2, 7) + test_cmd(0, OP_TRIGGER_IOPF, 0, struct.pack("<IIIIQ", 3, 1, 2, 3, 0xDEADBEAF))
    + read(1, 40) + write(1, struct.pack("<II", 1, 0)),
    # A vEVENTQ (id 9, fd index 1) of a mock vIOMMU whose device sits on its nested HWPT.
    "veventq": selftest_viommu + hwpt(0, 3, 6, 0, DATA_SELFTEST, struct.pack("<I", 0xBADBEEF)) + mock_replace(0, 2, 8)
    + ioctl(0, req("iommu_veventq_alloc"), struct.pack("<IIIIIIII", 32, 0, 6, VEVENTQ_SELFTEST, 4, 0, 0, 0))
    + test_cmd(0, OP_TRIGGER_VEVENT, 0, struct.pack("<I", 3)) + test_cmd(0, OP_TRIGGER_VEVENT, 0, struct.pack("<I", 3))
    + read(1, 64),
    "viommu_invalidate": selftest_viommu
    + invalidate(0, 6, INVALIDATE_SELFTEST, struct.pack("<III", 0, 0x99, 1), 12),
    "hw_queue": selftest + viommu(0, 3, 5) + ioas_map(0, 1, 1, 0x2000, MOCK_APERTURE_START)
    + ioctl(0, req("iommu_hw_queue_alloc"), struct.pack("<IIIIIIQQ", 40, 0, 6, HW_QUEUE_SELFTEST, 0, 0,
                                                        MOCK_APERTURE_START, 0x1000)),
    # A selftest access (fd index 1) pinning and copying through an IOAS.
    "access": open_iommufd() + ioas(0) + ioas_map(0, 1, 1, 0x2000, 0x100000)
    + test_cmd(0, OP_CREATE_ACCESS, 1, struct.pack("<II", 0, 1))
    + ioctl(0, req("iommu_test_cmd"), struct.pack("<IIIIIIQQQ", 72, OP_ACCESS_PAGES, 0, 0, 0, 0, 0x100000, 0x1000,
                                                   ptr(1)), fd_patch=(1, "arg"), fd_at=8)
    + ioctl(0, req("iommu_test_cmd"), struct.pack("<IIIIQQQI", 72, OP_ACCESS_RW, 0, 0, 0x100000, 64, ptr(0), 0),
            b"\x11" * 64, fd_patch=(1, "arg"), fd_at=8),
    "vfio_compat": open_iommufd() + ioas(0) + ioctl(0, req("iommu_vfio_ioas"), struct.pack("<III", 12, 1, 1))
    + ioctl(0, req("VFIO_SET_IOMMU"), value=1)
    + ioctl(0, req("VFIO_IOMMU_MAP_DMA"), struct.pack("<IIQQQ", 32, 3, ptr(1), 0x100000, 0x4000))
    + ioctl(0, req("VFIO_IOMMU_UNMAP_DMA"), struct.pack("<IIQQ", 24, 0, 0x101000, 0x1000))
    + ioctl(0, req("VFIO_IOMMU_GET_INFO"), struct.pack("<IIQII", 128, 0, 0, 0, 0)),
    "smmuv3_nested": smmu + vdevice(1, 4, 1, 8)
    + hwpt(1, 1, 4, 0, DATA_ARM_SMMUV3, struct.pack("<QQ", 1 | 5 << 1, 0)) + attach(0, 6)
    + invalidate(1, 4, 1, struct.pack("<QQQQ", 0x11, 0, 0x05 | 8 << 32, 0), 16),
    # KVM: fds vfio0 0, kvm 1, vm 2, KVM-VFIO device 3 (the VFIO file added to it).
    "kvm_vfio": add_iommu(ARM_SMMUV3) + add_device(1) + open_vfio(0) + open_kvm() + create_vm(1, 0)
    + ioctl(2, req("KVM_CREATE_DEVICE"), struct.pack("<III", 4, 0, 0))
    + ioctl(3, req("KVM_SET_DEVICE_ATTR"), struct.pack("<IIQQ", 0, 1, 1, ptr(0)), fd_patch=(0, "data")),
    # A private-memory VM (type 1), its guest_memfd in a memslot, a vIOMMU
    # holding the VM and a TSM map: fds kvm 0, vm 1, gmem 2, iommufd 3.
    "kvm_tsm_map": open_kvm() + create_vm(0, 1)
    + ioctl(1, req("KVM_CREATE_GUEST_MEMFD"), struct.pack("<QQ48s", 1 << 20, 0, b""))
    + ioctl(1, req("KVM_SET_USER_MEMORY_REGION2"), struct.pack("<IIQQQQII112s", 0, 4, 0, 1 << 20, 0, 0, 0, 0, b""),
            fd_patch=(2, "arg"), fd_at=40)
    + open_iommufd() + ioas(3) + mock_domain(3, 1) + hwpt(3, 3, 1)
    + viommu(3, 3, 5, flags=KVM_FD, fd_patch=(1, "arg"), fd_at=40) + vdevice(3, 6, 3, 0x10)
    + ioctl(3, req("iommu_vdevice_tsm_map"), struct.pack("<IIQQII", 32, 0, 0, 0x10000, 7, 0)),
    # A guest_memfd whose fd cannot be had (EMFILE) must leave the VM as it
    # was: the fake once counted the VM's holder before the fd existed.
    "guest_memfd_emfile": open_kvm() + create_vm(0, 1) + emfile()
    + ioctl(1, req("KVM_CREATE_GUEST_MEMFD"), struct.pack("<QQ48s", 1 << 20, 0, b"")) + close(1),
    # The selftest flow with every struct copied in and out, as the preload
    # and fake::libc pass them: ioas 1, stdev 2, idev 3, auto 4, hwpt 5,
    # viommu 6; then a map and unmap, and the objects destroyed.
    "copied": open_iommufd() + ioas(0, copied=True) + mock_domain(0, 1, copied=True) + hwpt(0, 3, 1, copied=True)
    + viommu(0, 3, 5, copied=True) + ioas_map(0, 1, 1, 0x2000, MOCK_APERTURE_START, copied=True)
    + ioas_unmap(0, 1, MOCK_APERTURE_START, 0x2000, copied=True)
    + b"".join(destroy(0, id, copied=True) for id in (6, 5, 2, 1)),
    # Replies that cannot be written (read-only structs): the allocations
    # are undone, the map stays. fds: iommufd 0 (a fault queue's fd is
    # closed again); ioas 1, then the mock device's stdev 2, idev 3, auto 4.
    "read_only_replies": open_iommufd() + ioas(0) + ioas(0, read_only=True) + mock_domain(0, 1, read_only=True)
    + ioctl(0, req("iommu_fault_alloc"), struct.pack("<IIII", 16, 0, 0, 0), read_only=True)
    + mock_domain(0, 1) + hwpt(0, 3, 1, read_only=True) + hwpt(0, 3, 1) + viommu(0, 3, 5, read_only=True)
    + ioas_map(0, 1, 1, 0x2000, MOCK_APERTURE_START, read_only=True),
    # An AMD IOMMU with a device bound through its cdev: fds kvm 0, vm 1, vfio0 2, iommufd 3.
    "amd_viommu": add_iommu(AMD) + add_device(1) + open_kvm() + create_vm(0, 0) + open_vfio(0) + open_iommufd()
    + bind(2, 3) + ioas(3) + hwpt(3, 1, 2)
    + viommu(3, 1, 3, type=VIOMMU_AMD, data=bytes(16), fd_patch=(1, "data"), data_fd_at=12)
    + vdevice(3, 4, 1, 0x20),
}

out = ROOT / "fuzz" / "corpus"
out.mkdir(exist_ok=True)
for name, data in seeds.items():
    (out / name).write_bytes(data)
