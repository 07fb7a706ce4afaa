// Event queues with a file of their own (mainline
// drivers/iommu/iommufd/eventq.c; Linux 6.12 fault.c): page-fault queues
// (IOMMU_FAULT_QUEUE_ALLOC) and vIOMMU event queues (IOMMU_VEVENTQ_ALLOC),
// and what read(2) and write(2) on their fds do.
#pragma once

#include <uapikit/fake/iommufd_private.hpp>

#include <algorithm>
#include <climits>

namespace uapikit::fake {

// ---- page faults ----------------------------------------------------------------

inline void fault_destroy(fault_object& f) {
    // Faults still queued or waiting for a response are answered "invalid".
    f.deliver.clear();
    f.response.clear();
}

inline int fault_alloc(ucmd& u, abi::iommu_fault_alloc& cmd) {
    if (cmd.flags) return -EOPNOTSUPP;
    uint32_t id = u.objects().alloc<fault_object>().id;
    int fd = u.plat.new_object_fd(u.ictx, id, file_role::fault, u.user);
    if (fd < 0) {
        u.objects().erase(id);
        return fd;
    }
    u.objects().at_as<fault_object>(id).fd = fd;
    u.objects().at(id).users++;  // the file's
    u.objects().publish(id);
    cmd.out_fault_id = id;
    cmd.out_fault_fd = static_cast<uint32_t>(fd);
    return u.respond();
}

// A fault the device raised on the HWPT it is attached to (the IOMMU
// core's iommu_report_device_fault and iommufd_fault_iopf_handler). With
// no fault queue on that HWPT the core answers the fault itself.
// The fault queue a HWPT reports to, or 0.
inline uint32_t fault_of(iommufd_ctx& ictx, uint32_t hwpt_id) {
    const object& o = ictx.objects.at(hwpt_id).obj;
    if (const auto* p = std::get_if<hwpt_paging_object>(&o)) return p->fault;
    return std::get<hwpt_nested_object>(o).fault;
}

inline void report_fault(iommufd_ctx& ictx, uint32_t hwpt_id, fault_record r) {
    const uint32_t fault = fault_of(ictx, hwpt_id);
    if (!fault) return;
    r.hwpt = hwpt_id;
    ictx.objects.at_as<fault_object>(fault).deliver.push_back(r);
}

// iommufd_auto_response_faults(): faults of a device on a HWPT it leaves.
inline void auto_response_faults(iommufd_ctx& ictx, uint32_t hwpt_id, uint32_t dev_id) {
    const uint32_t fault = fault_of(ictx, hwpt_id);
    if (!fault) return;
    auto& f = ictx.objects.at_as<fault_object>(fault);
    auto mine = [&](const fault_record& r) { return r.hwpt == hwpt_id && r.dev_id == dev_id; };
    std::erase_if(f.deliver, mine);
    std::erase_if(f.response, [&](const auto& c) { return mine(c.second); });
}

// read(2) of a fault fd: whole struct iommu_hwpt_pgfault records, each
// taking a cookie the response must echo.
inline long fault_read(fault_object& f, const user_space& user, uint64_t buf, uint64_t count) {
    const uint64_t size = sizeof(abi::iommu_hwpt_pgfault);
    if (count % size) return -ESPIPE;
    uint64_t done = 0;
    while (!f.deliver.empty()) {
        if (done >= count || size > count - done) {
            if (done == 0) return -EINVAL;  // not even the first group fits
            break;
        }
        fault_record r = f.deliver.front();
        uint32_t cookie = f.next_cookie;
        abi::iommu_hwpt_pgfault out{};
        out.flags = r.flags;
        out.dev_id = r.dev_id;
        out.pasid = r.pasid;
        out.grpid = r.grpid;
        out.perm = r.perm;
        out.addr = r.addr;
        out.cookie = cookie;
        if (user.copy_to(buf + done, &out, size) < 0) return done ? static_cast<long>(done) : -EFAULT;
        f.deliver.pop_front();
        f.response.emplace_back(cookie, r);
        // xa_alloc from 1: the lowest cookie not waiting for a response.
        f.next_cookie = 1;
        while (std::any_of(f.response.begin(), f.response.end(), [&](const auto& c) { return c.first == f.next_cookie; }))
            ++f.next_cookie;
        done += size;
    }
    return static_cast<long>(done);
}

// write(2) of a fault fd: struct iommu_hwpt_page_response records.
inline long fault_write(fault_object& f, const user_space& user, uint64_t buf, uint64_t count) {
    const uint64_t size = sizeof(abi::iommu_hwpt_page_response);
    if (count % size) return -ESPIPE;
    uint64_t done = 0;
    int rc = 0;
    while (count > done) {
        abi::iommu_hwpt_page_response resp{};
        if (user.copy_from(&resp, buf + done, size) < 0) {
            rc = -EFAULT;
            break;
        }
        if (resp.code != abi::IOMMUFD_PAGE_RESP_SUCCESS && resp.code != abi::IOMMUFD_PAGE_RESP_INVALID) {
            rc = -EINVAL;
            break;
        }
        auto it = std::find_if(f.response.begin(), f.response.end(), [&](const auto& c) { return c.first == resp.cookie; });
        if (it == f.response.end()) {
            rc = -EINVAL;
            break;
        }
        f.response.erase(it);
        if (resp.cookie < f.next_cookie) f.next_cookie = resp.cookie;
        done += size;
    }
    return done ? static_cast<long>(done) : rc;
}

// ---- vIOMMU events (mainline) ---------------------------------------------------

inline int veventq_alloc(ucmd& u, abi::iommu_veventq_alloc& cmd) {
    if (cmd.flags || cmd.__reserved || cmd.type == abi::IOMMU_VEVENTQ_TYPE_DEFAULT) return -EOPNOTSUPP;
    if (!cmd.veventq_depth) return -EINVAL;
    viommu_object* v = get_viommu(u, cmd.viommu_id);
    if (!v) return -ENOENT;
    for (uint32_t q : v->veventqs)
        if (u.objects().at_as<veventq_object>(q).type == cmd.type) return -EEXIST;
    uint32_t id = u.objects().alloc<veventq_object>().id;
    int fd = u.plat.new_object_fd(u.ictx, id, file_role::veventq, u.user);
    if (fd < 0) {
        u.objects().erase(id);
        return fd;
    }
    auto& q = u.objects().at_as<veventq_object>(id);
    q.viommu = cmd.viommu_id;
    q.type = cmd.type;
    q.depth = cmd.veventq_depth;
    q.fd = fd;
    u.objects().at(id).users++;  // the file's
    u.objects().at(cmd.viommu_id).users++;
    u.objects().at_as<viommu_object>(cmd.viommu_id).veventqs.push_back(id);
    u.objects().publish(id);
    cmd.out_veventq_id = id;
    cmd.out_veventq_fd = static_cast<uint32_t>(fd);
    return u.respond();
}

inline void veventq_destroy(iommufd_ctx& ictx, uint32_t id, veventq_object& q) {
    std::erase(ictx.objects.at_as<viommu_object>(q.viommu).veventqs, id);
    ictx.objects.at(q.viommu).users--;
}

// iommufd_viommu_report_event(): queues an event of `type` on the vIOMMU;
// a full queue keeps a LOST_EVENTS header at its tail instead.
inline int viommu_report_event(iommufd_ctx& ictx, viommu_object& v, uint32_t type, const void* data, size_t len) {
    veventq_object* q = nullptr;
    for (uint32_t id : v.veventqs)
        if (auto& c = ictx.objects.at_as<veventq_object>(id); c.type == type) q = &c;
    if (!q) return -EOPNOTSUPP;
    q->lost = false;  // a new event or a new lost header replaces the one at the tail
    if (q->deliver.size() == q->depth) {
        q->lost = true;
        q->lost_sequence = q->sequence;
    } else {
        const auto* p = static_cast<const uint8_t*>(data);
        q->deliver.push_back({q->sequence, std::vector<uint8_t>(p, p + len)});
    }
    q->sequence = (q->sequence + 1) & INT_MAX;
    return 0;
}

// read(2) of a vEVENTQ fd: a struct iommufd_vevent_header before each
// event's data; a lost-events header has no data.
inline long veventq_read(veventq_object& q, const user_space& user, uint64_t buf, uint64_t count) {
    const uint64_t header = sizeof(abi::iommufd_vevent_header);
    uint64_t done = 0;
    auto header_at = [&](uint32_t flags, uint32_t sequence) {
        abi::iommufd_vevent_header h{};
        h.flags = flags;
        h.sequence = sequence;
        return user.copy_to(buf + done, &h, header);
    };
    while (!q.deliver.empty()) {
        auto& e = q.deliver.front();
        if (done >= count || header + e.data.size() > count - done) break;
        if (header_at(0, e.sequence) < 0 || (!e.data.empty() && user.copy_to(buf + done + header, e.data.data(), e.data.size()) < 0))
            return done ? static_cast<long>(done) : -EFAULT;
        done += header + e.data.size();
        q.deliver.pop_front();
    }
    if (q.deliver.empty() && q.lost && done < count && header <= count - done) {
        if (header_at(abi::IOMMU_VEVENTQ_FLAG_LOST_EVENTS, q.lost_sequence) < 0)
            return done ? static_cast<long>(done) : -EFAULT;
        done += header;
        q.lost = false;
    }
    return static_cast<long>(done);
}

}  // namespace uapikit::fake
