// host::snapshot(): the whole state of a fake host as text, one line per
// thing, so two snapshots are equal exactly when the states are. Tests
// take one before and after every rejected call.
#pragma once

#include <uapikit/fake/host.hpp>

#include <charconv>
#include <map>
#include <set>
#include <string>

namespace uapikit::fake {

namespace snapshot_detail {

class writer {
public:
    explicit writer(std::string& out) : out_(out) {}
    writer& operator()(const char* key, uint64_t v) {
        char digits[24];
        char* end = std::to_chars(digits, digits + sizeof digits, v).ptr;
        out_ += key;
        out_ += '=';
        out_.append(digits, end);
        out_ += ' ';
        return *this;
    }
    writer& text(const char* s) {
        out_ += s;
        out_ += ' ';
        return *this;
    }
    void end() { out_ += '\n'; }

private:
    std::string& out_;
};

inline void describe(writer& w, std::set<const struct vm*>& vms, const object& o) {
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, device_object>) w("phys", x.phys)("hwpt", x.hwpt)("vdevice", x.vdevice)("iopf", x.iopf_enabled);
            if constexpr (std::is_same_v<T, ioas_object>) {
                const io_pagetable& t = x.iopt;
                w("align", t.iova_alignment)("nolarge", t.disable_large_pages)("domains", t.domains.size());
                for (uint32_t h : x.hwpts) w("hwpt", h);
                for (uint32_t a : t.accesses) w("access", a);
                for (const auto& a : t.allowed) w("allow", a.start)("to", a.last);
                for (const auto& r : t.reserved) w("resv", r.range.start)("to", r.range.last);
                for (const auto& a : t.areas)
                    w("area", a.iova)("to", a.last)("byte", a.start_byte)("prot", static_cast<uint64_t>(a.prot))("acc", a.num_accesses)("locks", a.num_locks)(
                        "filled", a.filled)("src", a.pages->from_file() ? a.pages->file_start : a.pages->uptr)(
                        "mm", static_cast<uint64_t>(a.pages->mm.pid))("npinned", a.pages->npinned)("holders", a.pages->holders.size());
            }
            if constexpr (std::is_same_v<T, hwpt_paging_object>) {
                const paging_domain& d = *x.domain;
                w("ioas", x.ioas)("parent", x.nest_parent)("auto", x.auto_domain)("fault", x.fault)("iommu", static_cast<uint64_t>(d.iommu + 1))(
                    "dirty_ops", d.dirty_ops)("tracking", d.dirty_tracking)("runs", d.runs.size())("dirty", d.dirty.size());
                for (const auto& [iova, r] : d.runs) w("run", iova)("to", r.last);
                for (uint64_t i : d.dirty) w("d", i);
            }
            if constexpr (std::is_same_v<T, hwpt_nested_object>) {
                w("parent", x.parent)("viommu", x.viommu)("fault", x.fault)("type", x.data_type)("bytes", x.data.size());
                for (uint32_t v : x.iotlb) w("iotlb", v);
            }
            if constexpr (std::is_same_v<T, access_object>) {
                w("ioas", x.ioas)("pin", x.needs_pin)("next", x.next_item)("internal", x.internal);
                for (const auto& i : x.items) w("item", i.id)("iova", i.iova)("len", i.length);
            }
            if constexpr (std::is_same_v<T, fault_object>) {
                w("fd", static_cast<uint64_t>(x.fd))("queued", x.deliver.size())("cookie", x.next_cookie);
                for (const auto& [c, r] : x.response) w("wait", c)("dev", r.dev_id);
            }
            if constexpr (std::is_same_v<T, viommu_object>) {
                w("hwpt", x.hwpt)("iommu", static_cast<uint64_t>(x.iommu + 1))("type", x.type)("vm", x.vm ? x.vm->serial : 0)(
                    "gid", x.gid ? *x.gid + 1 : 0);
                for (const auto& [virt, id] : x.vdevs) w("v", virt)("id", id);
                for (uint32_t q : x.veventqs) w("q", q);
                if (x.vm) vms.insert(x.vm.get());
            }
            if constexpr (std::is_same_v<T, vdevice_object>) {
                w("viommu", x.viommu)("device", x.device)("virt", x.virt_id);
                for (const auto& [s, e] : x.tsm_mapped) w("tsm", s)("end", e);
            }
            if constexpr (std::is_same_v<T, veventq_object>) {
                w("viommu", x.viommu)("type", x.type)("depth", x.depth)("seq", x.sequence)("lost", x.lost)("queued", x.deliver.size());
            }
            if constexpr (std::is_same_v<T, hw_queue_object>) {
                w("viommu", x.viommu)("type", x.type)("index", x.index)("base", x.base)("len", x.length)("access", x.access);
            }
            if constexpr (std::is_same_v<T, selftest_object>) w("idev", x.idev)("phys", x.phys);
        },
        o);
}

}  // namespace snapshot_detail

inline std::string host::snapshot() const {
    std::string out;
    snapshot_detail::writer w(out);
    std::set<const struct vm*> vms;
    std::map<const iommufd_ctx*, uint64_t> ctx_index;
    for (const auto& c : contexts_) ctx_index.emplace(&c, ctx_index.size() + 1);
    auto ctx_no = [&](const iommufd_ctx* c) { return c ? ctx_index.at(c) : 0; };
    fdt_.for_each([&](int fd, const file& f) {
        w("fd", static_cast<uint64_t>(fd)).text(kind_name(f))("refs", f.refs);
        if (const auto* i = std::get_if<iommufd_file>(&f.kind)) w("ctx", ctx_no(i->ctx));
        if (const auto* v = std::get_if<vm_file>(&f.kind)) {
            w("vm", v->vm->serial);
            vms.insert(v->vm.get());
        }
        if (const auto* g = std::get_if<gmem_file>(&f.kind)) w("vm", g->vm->serial)("size", g->size)("serial", g->serial);
        if (const auto* d = std::get_if<kvm_vfio_file>(&f.kind)) w("vm", d->vm->serial)("files", d->vfio.size());
        if (const auto* d = std::get_if<vfio_device_file>(&f.kind))
            w("device", d->device)("ctx", ctx_no(d->ctx))("idev", d->idev)("attached", d->attached)("kvm", d->kvm ? d->kvm->serial : 0);
        if (const auto* o = std::get_if<object_file>(&f.kind)) w("ctx", ctx_no(o->ctx))("id", o->id)("role", static_cast<uint64_t>(o->role));
        w.end();
    });
    for (const auto& c : contexts_) {
        w("ctx", ctx_no(&c))("refs", c.refs)("vfio_ioas", c.vfio_ioas)("mm_accounting", c.accounting == account_mode::mm);
        w.end();
        c.objects.for_each([&](uint32_t id, const object_table::slot& s) {
            out += "  ";
            w("id", id).text(kind_name(s.obj))("users", s.users)("published", c.objects.published(id));
            snapshot_detail::describe(w, vms, s.obj);
            w.end();
        });
    }
    for (const auto& [key, d] : plat_.devices) {
        w("device", key)("iommu", static_cast<uint64_t>(d.iommu))("mock", d.mock)("flags", d.mock_flags)("bound", ctx_no(d.bound))(
            "idev", d.idev)("kvm", d.kvm ? d.kvm->serial : 0);
        for (uint32_t c : d.mock_cache) w("cache", c);
        w.end();
    }
    for (const auto& i : plat_.iommus) {
        w("iommu", static_cast<uint64_t>(i.kind));
        for (uint32_t g : i.gids_in_use) w("gid", g);
        for (const auto& [serial, devid] : i.trans_devid_by_vm) w("trans", serial)("devid", devid);
        w.end();
    }
    for (const struct vm* v : vms) {
        w("vm", v->serial)("type", v->type)("holders", static_cast<uint64_t>(v->holders))("next_gmem", v->next_gmem);
        for (const auto& [n, slot] : v->slots)
            w("slot", n)("gpa", slot.gpa)("size", slot.size)("uaddr", slot.uaddr)("flags", slot.flags)(
                "private", slot.private_capable)("gmem", slot.gmem)("offset", slot.gmem_offset);
        w.end();
    }
    w("locked_user", plat_.pins.user_locked())("memory_limit", plat_.test_memory_limit);
    for (const auto& [pid, n] : plat_.pins.mm_locked()) w("locked_pid", static_cast<uint64_t>(pid))("pages", n);
    w.end();
    return out;
}

}  // namespace uapikit::fake
