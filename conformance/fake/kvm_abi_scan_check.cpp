// The KVM numbers and layouts the fake declares (fake/kvm_abi.hpp) against
// a scan of the real Linux 6.12 headers for x86_64: an independent source,
// since the fake's values were written by hand.
#include "../support/run_command.hpp"

#include <uapikit/fake/kvm_abi.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;
using uapikit::testing::read_file;
using uapikit::testing::required_env;
using uapikit::testing::run_command;
namespace kvm = uapikit::fake::kvm;

namespace {

const json& scanned() {
    static json target = [] {
        fs::path out = fs::temp_directory_path() / ("uapikit-kvm-" + std::to_string(getpid()) + ".json");
        auto r = run_command({required_env("UAPIKIT_GEN"), "scan", "linux/kvm.h", "-I",
                              required_env("UAPIKIT_KERNEL_HEADERS") + "/x86/include", "--target", "x86_64-linux-gnu", "-o",
                              out.string()});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        json m = json::parse(read_file(out.string()));
        fs::remove(out);
        return m["targets"]["x86_64-linux-gnu"];
    }();
    return target;
}

std::uint64_t macro(const std::string& name) {
    for (const auto& m : scanned()["macros"])
        if (m["name"] == name) return m["value"].get<std::uint64_t>();
    FAIL("macro " << name << " not in linux/kvm.h");
    return 0;
}

const json& record(const std::string& name) {
    for (const auto& r : scanned()["records"])
        if (r["name"] == name) return r;
    FAIL("struct " << name << " not in linux/kvm.h");
    static json none;
    return none;
}

std::size_t offset(const json& r, const std::string& field) {
    for (const auto& f : r["fields"])
        if (f["name"] == field) return f["offset_bits"].get<std::size_t>() / 8;
    FAIL("field " << field);
    return 0;
}

}  // namespace

TEST_CASE("the fake's KVM request numbers and flags are Linux 6.12's") {
    CHECK(kvm::create_vm == macro("KVM_CREATE_VM"));
    CHECK(kvm::create_guest_memfd == macro("KVM_CREATE_GUEST_MEMFD"));
    CHECK(kvm::set_user_memory_region2 == macro("KVM_SET_USER_MEMORY_REGION2"));
    CHECK(kvm::mem_guest_memfd == macro("KVM_MEM_GUEST_MEMFD"));
    CHECK(kvm::default_vm == macro("KVM_X86_DEFAULT_VM"));
    CHECK(kvm::sw_protected_vm == macro("KVM_X86_SW_PROTECTED_VM"));
}

TEST_CASE("the fake's KVM structs have Linux 6.12's layout") {
    const json& gmem = record("kvm_create_guest_memfd");
    CHECK(sizeof(kvm::create_guest_memfd_args) == gmem["size"].get<std::size_t>());
    CHECK(offsetof(kvm::create_guest_memfd_args, flags) == offset(gmem, "flags"));
    const json& slot = record("kvm_userspace_memory_region2");
    CHECK(sizeof(kvm::memory_region2) == slot["size"].get<std::size_t>());
    CHECK(offsetof(kvm::memory_region2, guest_phys_addr) == offset(slot, "guest_phys_addr"));
    CHECK(offsetof(kvm::memory_region2, memory_size) == offset(slot, "memory_size"));
    CHECK(offsetof(kvm::memory_region2, guest_memfd_offset) == offset(slot, "guest_memfd_offset"));
    CHECK(offsetof(kvm::memory_region2, guest_memfd) == offset(slot, "guest_memfd"));
}
