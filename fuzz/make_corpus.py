#!/usr/bin/env python3
"""Writes the seed corpus (fuzz/corpus/) in ioctl_fuzz.cpp's input format:
step sequences that succeed, so the fuzzer starts from deep states.
Ids assume the fake's kernel order (lowest free id; a mock domain gives
stdev, idev, then its automatic HWPT). Other files in corpus/ are inputs the
fuzzer found that once broke the fake; they are kept, not generated."""
import pathlib
import struct

# Indexes into ioctl_fuzz.cpp's known_requests.
DESTROY, IOAS_ALLOC, HWPT_ALLOC, VIOMMU_ALLOC, VDEVICE_ALLOC, TSM_MAP, TEST_CMD = range(7)
CREATE_VM, CREATE_GUEST_MEMFD, SET_USER_MEMORY_REGION2 = 7, 8, 9
SELFTEST, AMD, KVM_FD, NEST_PARENT = 0xDEADBEEF, 3, 1, 1


def open_iommufd(): return bytes([0])
def open_kvm(): return bytes([1])
def close(fd): return bytes([2, fd])
def add_iommu(kind, cap=0xFF): return bytes([4, kind, cap])
def bind_device(fd, iommu): return bytes([5, fd, iommu + 1])


def ioctl(fd, request, arg=b"", data=b"", mode=0, value=None):
    arg, data = arg.rstrip(b"\0"), data.rstrip(b"\0")  # the fuzzer zero-fills what is missing
    out = bytes([3, fd, request, mode, len(arg)]) + arg + bytes([len(data)]) + data
    return out + (bytes([value]) if value is not None else b"")


def fd_patch(fd_index, amd=False):  # mode bits: write fds[fd_index] into the fd field(s)
    return 4 | (8 if amd else 0) | fd_index << 4


def ioas(fd): return ioctl(fd, IOAS_ALLOC, struct.pack("<III", 12, 0, 0))
def destroy(fd, id): return ioctl(fd, DESTROY, struct.pack("<II", 8, id))
def mock_domain(fd, pt): return ioctl(fd, TEST_CMD, struct.pack("<IIII48sII", 72, 2, pt, 0, b"", 0, 0))
def hwpt(fd, dev, pt, flags=NEST_PARENT):
    return ioctl(fd, HWPT_ALLOC, struct.pack("<IIIIIIIIQII", 48, flags, dev, pt, 0, 0, 0, 0, 0, 0, 0))
def viommu(fd, dev, hwpt_id, type=SELFTEST, flags=0, data=b"", mode=0):
    uptr = 1 if data else 0  # the fuzzer points any non-zero data_uptr at its data buffer
    arg = struct.pack("<IIIIIIIIQiI", 48, flags, type, dev, hwpt_id, 0, len(data), 0, uptr, 0, 0)
    return ioctl(fd, VIOMMU_ALLOC, arg, data, mode)
def vdevice(fd, viommu_id, dev, virt_id): return ioctl(fd, VDEVICE_ALLOC, struct.pack("<IIIIQ", 24, viommu_id, dev, 0, virt_id))


# fd operands index the fds handed out so far, in order.
selftest = open_iommufd() + ioas(0) + mock_domain(0, 1) + hwpt(0, 3, 1)  # ioas 1, stdev 2, idev 3, auto 4, hwpt 5
seeds = {
    "ioas_alloc": open_iommufd() + ioas(0),
    "mock_domain": open_iommufd() + ioas(0) + mock_domain(0, 1),
    "hwpt_nest_parent": selftest,
    "viommu_selftest": selftest + viommu(0, 3, 5),
    "viommu_selftest_data": selftest + viommu(0, 3, 5, data=struct.pack("<IIQQ", 0x1234, 0, 0, 0)),
    "vdevice": selftest + viommu(0, 3, 5) + vdevice(0, 6, 3, 0x10),
    "destroy": selftest + viommu(0, 3, 5) + vdevice(0, 6, 3, 0x10)
    + b"".join(destroy(0, id) for id in (7, 6, 5, 2, 1)) + close(0),
    # A private-memory VM (type 1), its guest_memfd in a memslot, a vIOMMU
    # holding the VM and a TSM map: fds kvm 0, vm 1, gmem 2, iommufd 3.
    "kvm_tsm_map": open_kvm() + ioctl(0, CREATE_VM, mode=3, value=1)
    + ioctl(1, CREATE_GUEST_MEMFD, struct.pack("<QQ48s", 1 << 32, 0, b""))
    + ioctl(1, SET_USER_MEMORY_REGION2, struct.pack("<IIQQQQII112s", 0, 4, 0, 1 << 20, 0, 0, 0, 0, b""), mode=fd_patch(2))
    + open_iommufd() + ioas(3) + mock_domain(3, 1) + hwpt(3, 3, 1)
    + viommu(3, 3, 5, flags=KVM_FD, mode=fd_patch(1)) + vdevice(3, 6, 3, 0x10)
    + ioctl(3, TSM_MAP, struct.pack("<IIQQII", 32, 0, 0, 0x10000, 7, 0)),
    # An AMD IOMMU (instance 0) with a bound device: fds kvm 0, vm 1, iommufd 2.
    "amd_viommu": add_iommu(1) + open_kvm() + ioctl(0, CREATE_VM, mode=3, value=0) + open_iommufd() + bind_device(2, 0)
    + ioas(2) + hwpt(2, 1, 2) + viommu(2, 1, 3, type=AMD, flags=KVM_FD, data=bytes(16), mode=fd_patch(1, amd=True))
    + vdevice(2, 4, 1, 0x20),
}

out = pathlib.Path(__file__).resolve().parent / "corpus"
out.mkdir(exist_ok=True)
for name, data in seeds.items():
    (out / name).write_bytes(data)
