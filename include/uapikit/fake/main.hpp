// The iommufd ioctl table and the object core (Linux 6.12
// drivers/iommu/iommufd/main.c): dispatch by the command table, the
// extensible-struct copy, IOMMU_DESTROY, IOMMU_OPTION and closing a
// context.
//
// The table is the generated one: every row of raw::proposed::commands[]
// names a request, its argument struct and min_size (where its last
// required field ends); `ioctl_ops` below adds the handler of each struct, and
// two static_asserts keep the two lists equal. Dispatch checks in the
// kernel's order, so the first failing check decides the errno:
//   1. a number outside the table goes to the VFIO compatibility ioctls;
//   2. reading the leading `size` from a bad pointer is EFAULT;
//   3. a table slot without a command, or whose full number differs, is ENOTTY;
//   4. size < min_size is EINVAL;
//   5. bytes past the kernel's struct must be zero (E2BIG), a shorter
//      struct is zero-extended;
//   6. the handler; the reply copies back min(size, sizeof).
#pragma once

#include <uapikit/fake/selftest.hpp>
#include <uapikit/fake/vfio_compat.hpp>

#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>

namespace uapikit::fake {

// ---- objects ----------------------------------------------------------------------

inline void object_destroy(iommufd_ctx& ictx, platform& plat, uint32_t id) {
    auto& slot = ictx.objects.at(id);
    // One dispatch on the kind: each family's destroy undoes what the
    // object holds, and the id is freed after it, except an access's,
    // which access_destroy() frees itself.
    const bool id_freed = std::visit(
        [&](auto& o) {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, access_object>) {
                access_destroy(ictx, plat, id);
                return true;
            } else {
                if constexpr (std::is_same_v<T, ioas_object>) ioas_destroy(ictx, plat, o);
                if constexpr (std::is_same_v<T, hwpt_paging_object>) hwpt_paging_destroy(ictx, plat, id, o);
                if constexpr (std::is_same_v<T, hwpt_nested_object>) hwpt_nested_destroy(ictx, plat, o);
                if constexpr (std::is_same_v<T, fault_object>) fault_destroy(o);
                if constexpr (std::is_same_v<T, viommu_object>) viommu_destroy(ictx, plat, o);
                if constexpr (std::is_same_v<T, vdevice_object>)
                    if (o.viommu) vdevice_destroy(ictx, plat, id, o);  // not when its device already took it
                if constexpr (std::is_same_v<T, veventq_object>) veventq_destroy(ictx, id, o);
                if constexpr (std::is_same_v<T, hw_queue_object>) hw_queue_destroy(ictx, plat, o);
                if constexpr (std::is_same_v<T, selftest_object>) selftest_destroy(ictx, plat, o);
                return false;
            }
        },
        slot.obj);
    if (!id_freed) ictx.objects.erase(id);
}

// iommufd_object_remove(): only an object nobody uses can go.
inline int object_remove(iommufd_ctx& ictx, platform& plat, uint32_t id) {
    object_table::slot* s = ictx.objects.find(id);
    if (!s) return -ENOENT;
    if (s->users) return -EBUSY;
    if (ictx.vfio_ioas == id) ictx.vfio_ioas = 0;
    object_destroy(ictx, plat, id);
    return 0;
}

inline void hwpt_put(iommufd_ctx& ictx, platform& plat, uint32_t hwpt_id) {
    auto& s = ictx.objects.at(hwpt_id);
    s.users--;
    if (auto* p = std::get_if<hwpt_paging_object>(&s.obj); p && p->auto_domain && s.users == 0)
        object_destroy(ictx, plat, hwpt_id);
}

// Closing the last reference of a context (iommufd_fops_release): round
// after round, every object nothing uses is destroyed, in id order.
inline void context_release(iommufd_ctx& ictx, platform& plat) {
    for (bool progress = true; progress && !ictx.objects.empty();) {
        progress = false;
        std::vector<uint32_t> leaves;
        ictx.objects.for_each([&](uint32_t id, const object_table::slot& s) {
            if (s.users == 0 && ictx.objects.published(id)) leaves.push_back(id);
        });
        for (uint32_t id : leaves)
            if (auto* s = ictx.objects.find(id); s && s->users == 0) {
                object_destroy(ictx, plat, id);
                progress = true;
            }
    }
    // Ids leaked by devices that took their vDEVICE along.
    std::vector<uint32_t> rest;
    ictx.objects.for_each([&](uint32_t id, const object_table::slot&) { rest.push_back(id); });
    for (uint32_t id : rest) ictx.objects.erase(id);
}

inline int iommufd_destroy(ucmd& u, abi::iommu_destroy& cmd) { return object_remove(u.ictx, u.plat, cmd.id); }

inline int iommufd_option(ucmd& u, abi::iommu_option& cmd) {
    if (cmd.__reserved) return -EOPNOTSUPP;
    int rc;
    switch (cmd.option_id) {
        case abi::IOMMU_OPTION_RLIMIT_MODE: rc = iommufd_option_rlimit_mode(u, cmd); break;
        case abi::IOMMU_OPTION_HUGE_PAGES: rc = iommufd_ioas_option(u, cmd); break;
        default: return -EOPNOTSUPP;
    }
    if (rc < 0) return rc;
    // Only val64 goes back, with its own copy_to_user() (6.12 main.c).
    return u.respond_from(offsetof(abi::iommu_option, val64));
}

// ---- the table ----------------------------------------------------------------------

template <typename Arg, int (*Handler)(ucmd&, Arg&)>
struct ioctl_op {
    using arg = Arg;
    static constexpr auto handler = Handler;
};

using ioctl_ops = std::tuple<
    ioctl_op<abi::iommu_destroy, &iommufd_destroy>,
    ioctl_op<abi::iommu_fault_alloc, &fault_alloc>,
    ioctl_op<abi::iommu_hw_info, &get_hw_info>,
    ioctl_op<abi::iommu_hwpt_alloc, &hwpt_alloc>,
    ioctl_op<abi::iommu_hwpt_get_dirty_bitmap, &hwpt_get_dirty_bitmap>,
    ioctl_op<abi::iommu_hwpt_invalidate, &hwpt_invalidate>,
    ioctl_op<abi::iommu_hwpt_set_dirty_tracking, &hwpt_set_dirty_tracking>,
    ioctl_op<abi::iommu_ioas_alloc, &ioas_alloc_ioctl>,
    ioctl_op<abi::iommu_ioas_allow_iovas, &ioas_allow_iovas>,
    ioctl_op<abi::iommu_ioas_copy, &ioas_copy>,
    ioctl_op<abi::iommu_ioas_iova_ranges, &ioas_iova_ranges>,
    ioctl_op<abi::iommu_ioas_map, &ioas_map>,
    ioctl_op<abi::iommu_ioas_map_file, &ioas_map_file>,
    ioctl_op<abi::iommu_ioas_unmap, &ioas_unmap>,
    ioctl_op<abi::iommu_option, &iommufd_option>,
    ioctl_op<abi::iommu_vfio_ioas, &vfio_ioas>,
    ioctl_op<abi::iommu_viommu_alloc, &viommu_alloc>,
    ioctl_op<abi::iommu_vdevice_alloc, &vdevice_alloc>,
    ioctl_op<abi::iommu_ioas_change_process, &ioas_change_process>,
    ioctl_op<abi::iommu_veventq_alloc, &veventq_alloc>,
    ioctl_op<abi::iommu_hw_queue_alloc, &hw_queue_alloc>,
    ioctl_op<abi::iommu_vdevice_tsm_map, &vdevice_tsm_map>,
    ioctl_op<abi::iommu_test_cmd, &iommufd_test>>;

template <typename Op>
inline constexpr uint8_t nr_of = command_traits<typename Op::arg>::request & 0xff;

namespace table {

template <std::size_t... I>
constexpr bool ops_in_commands(std::index_sequence<I...>) {
    auto listed = [](unsigned long request) {
        for (const auto& c : abi::commands)
            if (c.request == request) return true;
        return false;
    };
    return (listed(command_traits<typename std::tuple_element_t<I, ioctl_ops>::arg>::request) && ...);
}
constexpr bool every_command_handled() {
    return std::tuple_size_v<ioctl_ops> == sizeof abi::commands / sizeof abi::commands[0];
}
template <std::size_t... I>
constexpr uint8_t last_nr(std::index_sequence<I...>) {
    uint8_t last = 0;
    ((last = std::max<uint8_t>(last, nr_of<std::tuple_element_t<I, ioctl_ops>>)), ...);
    return last;
}

}  // namespace table

static_assert(table::ops_in_commands(std::make_index_sequence<std::tuple_size_v<ioctl_ops>>{}),
              "every handled struct is a row of the generated command table");
static_assert(table::every_command_handled(), "every row of the generated command table has a handler");

// The table runs from IOMMUFD_CMD_BASE to the highest command (IOMMU_TEST_CMD).
inline constexpr uint8_t first_nr = abi::IOMMUFD_CMD_BASE;
inline constexpr uint8_t last_nr = table::last_nr(std::make_index_sequence<std::tuple_size_v<ioctl_ops>>{});

// Whether the handler writes through a pointer of the struct into the
// struct itself. The kernel's copy-out would then overwrite those bytes,
// so such a call takes the copying path, where the fake does the same.
template <typename Arg>
inline bool writes_into_struct(const Arg&, uint64_t) {
    return false;
}
inline bool overlaps(uint64_t ptr, uint64_t len, uint64_t self, uint64_t size) {
    return len && ptr < self + size && self < ptr + len;
}
inline bool writes_into_struct(const abi::iommu_viommu_alloc& c, uint64_t self) {
    return overlaps(c.data_uptr, c.data_len, self, sizeof c);
}
inline bool writes_into_struct(const abi::iommu_hw_info& c, uint64_t self) {
    return overlaps(c.data_uptr, c.data_len, self, sizeof c);
}
inline bool writes_into_struct(const abi::iommu_ioas_iova_ranges& c, uint64_t self) {
    return overlaps(c.allowed_iovas, uint64_t{c.num_iovas} * sizeof(abi::iommu_iova_range), self, sizeof c);
}
inline bool writes_into_struct(const abi::iommu_hwpt_get_dirty_bitmap&, uint64_t) { return true; }
inline bool writes_into_struct(const abi::iommu_test_cmd&, uint64_t) { return true; }

// A reply that cannot be written (the caller's struct is read-only) fails
// in iommufd_ucmd_respond() with EFAULT. Each command that makes an object
// then aborts it with everything it holds, and the fd it made is never
// installed (iommufd_object_abort_and_destroy() in 6.12's alloc handlers and
// the selftest's MOCK_DOMAIN and CREATE_ACCESS; mainline does it for every
// object made through ucmd->new_obj). Other commands keep what they did.
template <typename Arg>
constexpr bool makes_object(const Arg&) {
    return std::is_same_v<Arg, abi::iommu_ioas_alloc> || std::is_same_v<Arg, abi::iommu_hwpt_alloc> ||
           std::is_same_v<Arg, abi::iommu_fault_alloc> || std::is_same_v<Arg, abi::iommu_viommu_alloc> ||
           std::is_same_v<Arg, abi::iommu_vdevice_alloc> || std::is_same_v<Arg, abi::iommu_veventq_alloc> ||
           std::is_same_v<Arg, abi::iommu_hw_queue_alloc>;
}
inline bool makes_object(const abi::iommu_test_cmd& c) {
    return c.op == abi::IOMMU_TEST_OP_MOCK_DOMAIN || c.op == abi::IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS ||
           c.op == abi::IOMMU_TEST_OP_CREATE_ACCESS;
}
// The fd the command made for its object, or -1.
template <typename Arg>
int made_fd(const Arg&) {
    return -1;
}
inline int made_fd(const abi::iommu_fault_alloc& c) { return static_cast<int>(c.out_fault_fd); }
inline int made_fd(const abi::iommu_veventq_alloc& c) { return static_cast<int>(c.out_veventq_fd); }
inline int made_fd(const abi::iommu_test_cmd& c) {
    return c.op == abi::IOMMU_TEST_OP_CREATE_ACCESS ? static_cast<int>(c.create_access.out_access_fd) : -1;
}

// Work besides an object that a command undoes when its reply cannot be
// written: the selftest's ACCESS_PAGES unpins the range and forgets its
// item, though the item number it took stays used (6.12 selftest.c,
// iommufd_test_access_pages). Other commands keep what they did.
template <typename Arg>
void undo_work(ucmd&, const Arg&) {}
inline void undo_work(ucmd& u, const abi::iommu_test_cmd& c) {
    if (c.op == abi::IOMMU_TEST_OP_ACCESS_PAGES) selftest::drop_access_pages(u, c.id, c.access_pages.out_access_pages_id);
}

// Undoes the object a call made at `id` (the id free when it began) and
// closes the fd it made for it (-1: none). An access goes with its fd.
// One body for every command, out of line: a rare path, which must not
// weigh on how the compiler treats object_destroy() in IOMMU_DESTROY.
[[gnu::cold, gnu::noinline]] inline void abort_object(iommufd_ctx& ictx, platform& plat, uint32_t id, int fd) {
    if (!ictx.objects.allocated(id)) return;
    if (fd >= 0) plat.close_object_fd(fd);
    if (ictx.objects.allocated(id)) object_destroy(ictx, plat, id);
}

// Steps 2 to 6 for one command, typed per command so every copy has a
// size the compiler knows: the whole path, in the kernel's order, with the
// struct copied in and out. run() below sends here every call its in-place
// path does not take.
template <typename Op>
[[gnu::noinline]] int run_checked(iommufd_ctx& ictx, platform& plat, const user_space& user, unsigned long request,
                                  uint64_t uarg) {
    using Arg = typename Op::arg;
    using traits = command_traits<Arg>;
    const bool local = user.in_place();  // else copied, so a bad pointer is EFAULT
    auto* here = reinterpret_cast<unsigned char*>(static_cast<uintptr_t>(uarg));
    uint32_t size;
    if (local) {
        // The caller's own struct, read directly.
        if (uarg < 4096) return -EFAULT;
        std::memcpy(&size, here, sizeof size);
    } else if (user.copy_from(&size, uarg, sizeof size) < 0) {
        return -EFAULT;
    }
    if (request != traits::request) return -ENOTTY;
    if (size < traits::min_size) return -EINVAL;
    if (size > sizeof(Arg)) {
        if (local) {
            for (size_t i = sizeof(Arg); i < size; ++i)
                if (here[i]) return -E2BIG;
        } else {
            unsigned char chunk[64];
            for (uint64_t at = sizeof(Arg); at < size;) {
                size_t n = size - at < sizeof chunk ? size - at : sizeof chunk;
                if (user.copy_from(chunk, uarg + at, n) < 0) return -EFAULT;
                for (size_t i = 0; i < n; ++i)
                    if (chunk[i]) return -E2BIG;
                at += n;
            }
        }
    }
    ucmd u{ictx, plat, user, uarg, size};
    Arg kernel{};
    const size_t n = size < sizeof(Arg) ? size : sizeof(Arg);
    if (local)
        std::memcpy(&kernel, here, n);
    else if (user.copy_from(&kernel, uarg, n) < 0)
        return -EFAULT;
    const uint32_t new_id = ictx.objects.next_id();  // the id of an object the handler makes
    int rc = Op::handler(u, kernel);
    if (u.responded()) {
        // The bytes the command copies back: the struct, or its tail from
        // the field the command writes alone.
        const size_t from = u.reply_from() < n ? u.reply_from() : n;
        const auto* out = reinterpret_cast<const unsigned char*>(&kernel) + from;
        if (local) {
            std::memcpy(here + from, out, n - from);
        } else if (user.copy_to(uarg + from, out, n - from) < 0) {
            if (makes_object(kernel))
                abort_object(ictx, plat, new_id, made_fd(kernel));
            else
                undo_work(u, kernel);
            return -EFAULT;
        }
    }
    return rc;
}

// The common call first: from this process, when the caller's structs may
// be used in place (user_space::in_place()), with the request and the
// struct exactly the kernel's, in memory aligned for it. Every check of
// run_checked() then passes, so the order of checks cannot matter, and the
// handler works on the caller's struct in place: the kernel's copy would
// hold the same bytes, and handlers write outputs only when they respond.
// Copying in and out costs more than the rest of a short call. Anything
// else takes run_checked().
template <typename Op>
int run(iommufd_ctx& ictx, platform& plat, const user_space& user, unsigned long request, uint64_t uarg) {
    using Arg = typename Op::arg;
    if (user.in_place() && uarg >= 4096 && uarg % alignof(Arg) == 0 &&
        request == command_traits<Arg>::request) [[likely]] {
        auto* arg = reinterpret_cast<Arg*>(static_cast<uintptr_t>(uarg));
        if (arg->size == sizeof(Arg) && !writes_into_struct(*arg, uarg)) {
            ucmd u{ictx, plat, user, uarg, static_cast<uint32_t>(sizeof(Arg))};
            return Op::handler(u, *arg);
        }
    }
    return run_checked<Op>(ictx, plat, user, request, uarg);
}

// The dispatch table: run<Op> of each command at its number's slot, null
// where the table has no command (iommufd_ioctl_ops[] in main.c).
using run_fn = int (*)(iommufd_ctx&, platform&, const user_space&, unsigned long, uint64_t);
inline constexpr auto run_table = []<std::size_t... I>(std::index_sequence<I...>) {
    std::array<run_fn, last_nr - first_nr + 1> t{};
    ((t[nr_of<std::tuple_element_t<I, ioctl_ops>> - first_nr] = &run<std::tuple_element_t<I, ioctl_ops>>), ...);
    return t;
}(std::make_index_sequence<std::tuple_size_v<ioctl_ops>>{});

// ioctl(2) on an iommufd: >= 0 or -errno.
inline int iommufd_ioctl(iommufd_ctx& ictx, platform& plat, const user_space& user, unsigned long request, uint64_t arg) {
    const uint8_t nr = request & 0xff;
    if (nr < first_nr || nr > last_nr) {
        ucmd u{ictx, plat, user, arg, 0};
        return iommufd_vfio_ioctl(u, request, arg);
    }
    if (run_fn f = run_table[nr - first_nr]) return f(ictx, plat, user, request, arg);
    // A slot the table leaves empty still reads the size first.
    uint32_t size;
    if (user.in_place() ? arg < 4096 : user.copy_from(&size, arg, sizeof size) < 0) return -EFAULT;
    return -ENOTTY;
}

}  // namespace uapikit::fake
