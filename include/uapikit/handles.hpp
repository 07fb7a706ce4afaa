// Owning handles for iommufd objects: IOMMU_DESTROY when the handle goes,
// so objects made in order are destroyed in reverse order on scope exit,
// dependants first, as the kernel requires (EBUSY otherwise). Movable, not
// copyable; they convert to the plain id, so they pass straight to calls.
//
//   auto ioas = uapikit::own(fd, uapikit::ioas_alloc(fd));   // result<owned<...>>
//   auto hwpt = uapikit::own(fd, uapikit::alloc_nest_parent_hwpt(fd, dev, *ioas));
//   auto viommu = uapikit::own(fd, uapikit::alloc_viommu(fd, dev, *hwpt, data)); // id owned, data kept
//   ...                                                        // viommu, hwpt, then ioas, destroyed here
#pragma once

#include <uapikit/iommufd.hpp>

#include <type_traits>

namespace uapikit {

template <backend B, typename Id>
class owned {
    static_assert(is_destroyable_v<Id>, "uapikit: only iommufd objects IOMMU_DESTROY takes can be owned");

public:
    owned(B& b, Id id) noexcept : b_(&b), id_(id) {}
    owned(owned&& other) noexcept : b_(other.b_), id_(other.release()) {}
    owned& operator=(owned&& other) noexcept {
        if (this != &other) {
            (void)reset();
            b_ = other.b_;
            id_ = other.release();
        }
        return *this;
    }
    owned(const owned&) = delete;
    owned& operator=(const owned&) = delete;
    // A failed destroy (EBUSY: a dependant outlived its parent) leaves the
    // object to the iommufd's close, which destroys everything.
    ~owned() { (void)reset(); }

    Id get() const noexcept { return id_; }
    operator Id() const noexcept { return id_; }
    // Gives the object up without destroying it.
    Id release() noexcept {
        Id id = id_;
        id_ = Id{};
        return id;
    }
    // Destroys the object now; the handle is then empty. The kernel's
    // answer is returned (EBUSY while something depends on it).
    result<void> reset() noexcept {
        if (!id_) return {};
        auto r = destroy(*b_, id_);
        if (r) id_ = Id{};
        return r;
    }

private:
    B* b_;
    Id id_;
};

template <backend B, typename Id>
owned<B, Id> own(B& b, Id id) noexcept {
    return owned<B, Id>(b, id);
}

// The result of an allocation, owned when it succeeded.
template <backend B, typename Id>
result<owned<B, Id>> own(B& b, result<Id> allocated) noexcept {
    if (!allocated) return failure{allocated.error()};
    return owned<B, Id>(b, *allocated);
}

// A vIOMMU from alloc_viommu() with its id owned: `id` destroys it on scope
// exit, `data` is the driver data as the kernel wrote it back (e.g. what an
// ARM SMMUv3 or AMD driver fills in). Converts to the plain id, like owned<>.
template <backend B, viommu_driver_data D>
struct owned_viommu {
    owned<B, viommu_id> id;
    D data;
    operator viommu_id() const noexcept { return id; }
};

// alloc_viommu()'s result, owned when it succeeded.
template <backend B, viommu_driver_data D>
result<owned_viommu<B, D>> own(B& b, result<allocated_viommu<D>> allocated) noexcept {
    if (!allocated) return failure{allocated.error()};
    return owned_viommu<B, D>{owned<B, viommu_id>(b, allocated->id), allocated->data};
}

}  // namespace uapikit
