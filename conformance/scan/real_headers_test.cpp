// uapikit-gen scan on the real Linux 6.12 uapi headers (headers_install
// trees in build/cache), checked against facts that do not come from
// uapikit: the iommufd layouts as Linux 6.12's include/uapi/linux/iommufd.h
// declares them, offsets added up by hand, and ioctl numbers worked out by
// hand from each architecture's encoding.
#include "../support/run_command.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <tuple>

namespace fs = std::filesystem;
using nlohmann::json;
using uapikit::testing::read_file;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

namespace {

const std::vector<std::string> kAllTargets = {
    "x86_64-linux-gnu",  "i386-linux-gnu",        "aarch64-linux-gnu", "arm-linux-gnueabihf",
    "riscv64-linux-gnu", "powerpc64le-linux-gnu", "s390x-linux-gnu",
};

// Scans once per process and caches: several cases read the same manifest.
const json& scanned(const std::string& header, bool keep_going = false) {
    static std::map<std::string, json> cache;
    if (auto it = cache.find(header); it != cache.end()) return it->second;
    fs::path out = fs::temp_directory_path() / ("uapikit-real-" + std::to_string(getpid()) + "-" +
                                                fs::path(header).filename().string() + ".json");
    std::vector<std::string> argv = {required_env("UAPIKIT_GEN"), "scan", header, "-I",
                                     required_env("UAPIKIT_KERNEL_HEADERS") + "/{arch}/include", "-o", out.string()};
    for (const auto& t : kAllTargets) argv.insert(argv.end(), {"--target", t});
    if (keep_going) argv.push_back("--keep-going");
    auto r = run_command(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json m = json::parse(read_file(out.string()));
    fs::remove(out);
    return cache.emplace(header, std::move(m)).first->second;
}

const json* named(const json& list, const std::string& name) {
    for (const auto& item : list)
        if (item["name"] == name) return &item;
    return nullptr;
}

struct FieldAt {
    const char* name;
    unsigned offset;  // bytes
};

void check_struct(const json& target, const char* name, unsigned size, unsigned align,
                  std::initializer_list<FieldAt> fields) {
    CAPTURE(name);
    const json* r = named(target["records"], name);
    REQUIRE(r);
    CHECK((*r)["size"] == size);
    CHECK((*r)["align"] == align);
    REQUIRE((*r)["fields"].size() == fields.size());
    std::size_t i = 0;
    for (const FieldAt& f : fields) {
        CHECK((*r)["fields"][i]["name"] == f.name);
        CHECK((*r)["fields"][i]["offset_bits"] == 8 * f.offset);
        ++i;
    }
}

// Generic encoding (x86, arm, arm64, riscv, s390): dir << 30 with none 0,
// write 1, read 2; size << 16; type << 8; nr. powerpc: dir << 29 with none 1,
// read 2, write 4; 13-bit size.
std::uint64_t ioc(const std::string& triple, char dir, unsigned type, unsigned nr, unsigned size) {
    bool ppc = triple.starts_with("powerpc");
    std::uint64_t d = 0;
    if (dir == 'n') d = ppc ? 1 : 0;
    if (dir == 'w') d = ppc ? 4 : 1;
    if (dir == 'r') d = 2;
    return (d << (ppc ? 29 : 30)) | (std::uint64_t{size} << 16) | (type << 8) | nr;
}

}  // namespace

TEST_CASE("iommufd structs have the layout Linux 6.12 iommufd.h declares, on every target") {
    const json& m = scanned("linux/iommufd.h");
    for (const auto& triple : kAllTargets) {
        CAPTURE(triple);
        const json& t = m["targets"][triple];
        CHECK(t["errors"].empty());
        check_struct(t, "iommu_destroy", 8, 4, {{"size", 0}, {"id", 4}});
        check_struct(t, "iommu_ioas_alloc", 12, 4, {{"size", 0}, {"flags", 4}, {"out_ioas_id", 8}});
        check_struct(t, "iommu_hwpt_alloc", 48, 8,
                     {{"size", 0}, {"flags", 4}, {"dev_id", 8}, {"pt_id", 12}, {"out_hwpt_id", 16},
                      {"__reserved", 20}, {"data_type", 24}, {"data_len", 28}, {"data_uptr", 32},
                      {"fault_id", 40}, {"__reserved2", 44}});
        // Every byte of these is a named field: no padding on any target.
        for (const char* name : {"iommu_destroy", "iommu_ioas_alloc", "iommu_hwpt_alloc"})
            CHECK((*named(t["records"], name))["holes"].empty());
    }
}

// The line (1-based) of the installed header's line that declares enum
// constant `name` ("\tNAME = ..." or "\tNAME,"), read from the header's text
// rather than from libclang: where a finding about it should point.
static unsigned declaring_line(const std::string& header, const std::string& name) {
    std::ifstream in(required_env("UAPIKIT_KERNEL_HEADERS") + "/x86/include/" + header);
    std::string line;
    for (unsigned n = 1; std::getline(in, line); ++n)
        if (line.rfind("\t" + name + " ", 0) == 0 || line.rfind("\t" + name + ",", 0) == 0) return n;
    return 0;
}

// A constant's name and value, and that it is located at its own line,
// column 2 (after the tab): not its enum's line.
static void check_constant(const json& c, const std::string& name, int value) {
    CHECK(c["name"] == name);
    CHECK(c["value"] == value);
    const unsigned line = declaring_line("linux/iommufd.h", name);
    REQUIRE(line != 0);
    CHECK(c["line"] == line);
    CHECK(c["column"] == 2);
}

TEST_CASE("iommufd enums and ioctl numbers (0x3b80 + command, no size) on every target") {
    const json& m = scanned("linux/iommufd.h");
    const std::vector<std::pair<const char*, unsigned>> commands = {
        {"IOMMU_DESTROY", 0x80},          {"IOMMU_IOAS_ALLOC", 0x81},
        {"IOMMU_IOAS_ALLOW_IOVAS", 0x82}, {"IOMMU_IOAS_COPY", 0x83},
        {"IOMMU_IOAS_IOVA_RANGES", 0x84}, {"IOMMU_IOAS_MAP", 0x85},
        {"IOMMU_IOAS_UNMAP", 0x86},       {"IOMMU_OPTION", 0x87},
        {"IOMMU_VFIO_IOAS", 0x88},        {"IOMMU_HWPT_ALLOC", 0x89},
        {"IOMMU_GET_HW_INFO", 0x8a},      {"IOMMU_HWPT_SET_DIRTY_TRACKING", 0x8b},
        {"IOMMU_HWPT_GET_DIRTY_BITMAP", 0x8c}, {"IOMMU_HWPT_INVALIDATE", 0x8d},
        {"IOMMU_FAULT_QUEUE_ALLOC", 0x8e},
    };
    for (const auto& triple : kAllTargets) {
        CAPTURE(triple);
        const json& t = m["targets"][triple];
        for (const auto& [name, nr] : commands) {
            CAPTURE(name);
            const json* macro = named(t["macros"], name);
            REQUIRE(macro);
            CHECK((*macro)["value"] == ioc(triple, 'n', 0x3b, nr, 0));
            CHECK((*macro)["ioctl"] == json{{"dir", "none"}, {"type", 0x3b}, {"nr", nr}, {"size", 0}});
        }
        CHECK(named(t["macros"], "IOMMU_VIOMMU_ALLOC") == nullptr);  // 6.12 stops at 0x8e
        const json* flags = named(t["enums"], "iommufd_hwpt_alloc_flags");
        REQUIRE(flags);
        check_constant((*flags)["constants"][0], "IOMMU_HWPT_ALLOC_NEST_PARENT", 1);
        check_constant((*flags)["constants"][1], "IOMMU_HWPT_ALLOC_DIRTY_TRACKING", 2);
        const json* types = named(t["enums"], "iommu_hwpt_data_type");
        REQUIRE(types);
        check_constant((*types)["constants"][0], "IOMMU_HWPT_DATA_NONE", 0);
        check_constant((*types)["constants"][1], "IOMMU_HWPT_DATA_VTD_S1", 1);
    }
}

TEST_CASE("linux/kvm.h brings in the architecture's asm/kvm.h; --keep-going reports arm, which has none") {
    const json& m = scanned("linux/kvm.h", /*keep_going=*/true);
    for (const auto& triple : kAllTargets) {
        CAPTURE(triple);
        const json& t = m["targets"][triple];
        if (triple == "arm-linux-gnueabihf") {
            // 32-bit arm has no KVM: headers_install exports no kvm.h.
            // Reported under errors, not skipped silently.
            REQUIRE(t["errors"].size() == 1);
            CHECK(t["errors"][0]["message"].get<std::string>().find("header 'linux/kvm.h' not found") != std::string::npos);
            CHECK(t["records"].empty());
            continue;
        }
        CHECK(t["errors"].empty());
        const json* regs = named(t["records"], "kvm_regs");
        REQUIRE(regs);
        CHECK((*regs)["file"] == "asm/kvm.h");
        // KVM_CREATE_VM is _IO(0xAE, 0x01); KVM_SET_USER_MEMORY_REGION is
        // _IOW(0xAE, 0x46, 32-byte struct kvm_userspace_memory_region).
        CHECK((*named(t["macros"], "KVM_CREATE_VM"))["value"] == ioc(triple, 'n', 0xAE, 0x01, 0));
        const json* setmem = named(t["macros"], "KVM_SET_USER_MEMORY_REGION");
        REQUIRE(setmem);
        CHECK((*setmem)["value"] == ioc(triple, 'w', 0xAE, 0x46, 32));
        CHECK((*setmem)["ioctl"]["dir"] == "write");
        CHECK((*setmem)["ioctl"]["size"] == 32);
    }
    // x86's struct kvm_regs is eighteen __u64 registers.
    CHECK((*named(m["targets"]["x86_64-linux-gnu"]["records"], "kvm_regs"))["size"] == 144);
}

TEST_CASE("a header that needs libc is reported with the compiler's first error") {
    const json& m = scanned("linux/if.h", /*keep_going=*/true);
    for (const auto& triple : kAllTargets) {
        CAPTURE(triple);
        const json& errors = m["targets"][triple]["errors"];
        REQUIRE(errors.size() == 1);
        CHECK(errors[0]["header"] == "linux/if.h");
        CHECK(errors[0]["message"].get<std::string>().find("error: 'sys/socket.h' file not found") != std::string::npos);
    }
}

TEST_CASE("scanning headers together reports what scanning each alone reports") {
    // fs.h #undefs NR_OPEN from limits.h; elf.h and elf-fdpic.h both define
    // PT_GNU_STACK; btrfs.h reaches both through other headers. Each file's
    // macros are evaluated in one translation unit of a joint scan, so this
    // is where that shortcut would show.
    const std::vector<std::string> headers = {"linux/btrfs.h", "linux/elf-fdpic.h", "linux/elf.h", "linux/fs.h",
                                              "linux/limits.h"};
    const std::string tree = required_env("UAPIKIT_KERNEL_HEADERS") + "/x86/include";
    auto scan = [&](const std::vector<std::string>& which) {
        fs::path out = fs::temp_directory_path() / ("uapikit-joint-" + std::to_string(getpid()) + ".json");
        std::vector<std::string> argv = {required_env("UAPIKIT_GEN"), "scan"};
        argv.insert(argv.end(), which.begin(), which.end());
        argv.insert(argv.end(), {"-I", tree, "-o", out.string()});
        REQUIRE(run_command(argv).exit_code == 0);
        json m = json::parse(read_file(out.string()));
        fs::remove(out);
        return m["targets"]["x86_64-linux-gnu"];
    };
    // The reference: one run per header, merged first-come in input order.
    json expected = json::array();
    std::set<std::string> seen;
    for (const auto& h : headers) {
        const json alone = scan({h});
        for (const auto& m : alone["macros"]) {
            std::string key = m["name"].get<std::string>() + "@" + m["file"].get<std::string>() + ":" +
                              std::to_string(m["line"].get<int>());
            if (seen.insert(key).second) expected.push_back(m);
        }
    }
    auto by_key = [](const json& a, const json& b) {
        return std::tie(a["name"], a["file"], a["line"]) < std::tie(b["name"], b["file"], b["line"]);
    };
    std::vector<json> want(expected.begin(), expected.end()), got;
    const json together = scan(headers);
    for (const auto& m : together["macros"]) got.push_back(m);
    std::sort(want.begin(), want.end(), by_key);
    std::sort(got.begin(), got.end(), by_key);
    // Report only what differs, not two arrays of hundreds of macros.
    std::vector<json> missing, extra;
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing), by_key);
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra), by_key);
    CHECK_MESSAGE(missing.empty(), "missing from the joint scan: " << json(missing).dump());
    CHECK_MESSAGE(extra.empty(), "only in the joint scan: " << json(extra).dump());
    CHECK(got == want);  // same declarations, so this compares values
    auto has = [&](const char* name, const char* file) {
        return std::any_of(got.begin(), got.end(), [&](const json& m) { return m["name"] == name && m["file"] == file; });
    };
    CHECK(has("NR_OPEN", "linux/limits.h"));
    CHECK(has("PT_GNU_STACK", "linux/elf.h"));
    CHECK(has("PT_GNU_STACK", "linux/elf-fdpic.h"));
}

TEST_CASE("powerpc: an 8192-byte argument overflows the 13-bit size field, decoded as the target's macros decode it") {
    fs::path dir = fs::temp_directory_path() / ("uapikit-ppc-overflow-" + std::to_string(getpid()));
    fs::create_directories(dir / "linux");
    {
        std::ofstream h(dir / "linux" / "uapikit_big.h");
        h << "#include <linux/ioctl.h>\nstruct uapikit_big { char b[8192]; };\n"
             "#define UAPIKIT_BIG_W _IOW('x', 1, struct uapikit_big)\n";
    }
    fs::path out = dir / "m.json";
    auto r = run_command({required_env("UAPIKIT_GEN"), "scan", "linux/uapikit_big.h", "-I", dir.string(), "-I",
                          required_env("UAPIKIT_KERNEL_HEADERS") + "/{arch}/include", "--target", "powerpc64le-linux-gnu",
                          "--target", "x86_64-linux-gnu", "-o", out.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json m = json::parse(read_file(out.string()));
    const json* ppc = named(m["targets"]["powerpc64le-linux-gnu"]["macros"], "UAPIKIT_BIG_W");
    const json* x86 = named(m["targets"]["x86_64-linux-gnu"]["macros"], "UAPIKIT_BIG_W");
    REQUIRE(ppc);
    REQUIRE(x86);
    // powerpc: write is 4 << 29; 8192 << 16 is 1 << 29, which adds powerpc's
    // _IOC_NONE bit: direction 5, no value of the target's, and size 0.
    CHECK((*ppc)["value"] == ((5ull << 29) | ('x' << 8) | 1));
    CHECK((*ppc)["ioctl"]["dir"] == "invalid");
    CHECK((*ppc)["ioctl"]["size"] == 0);
    CHECK((*ppc)["ioctl"]["argument_size"] == 8192);
    // The generic 14-bit field holds it: write is 1 << 30.
    CHECK((*x86)["value"] == ((1ull << 30) | (8192ull << 16) | ('x' << 8) | 1));
    CHECK((*x86)["ioctl"]["size"] == 8192);
    CHECK_FALSE((*x86)["ioctl"].contains("argument_size"));
    auto lint = run_command({required_env("UAPIKIT_GEN"), "check", out.string(), "--format", "json"});
    json findings = json::parse(lint.out)["findings"];
    std::vector<json> overflow;
    for (const auto& f : findings)
        if (f["kind"] == "ioctl-size-overflow") overflow.push_back(f["targets"]);
    CHECK(overflow == std::vector<json>{json::array({"powerpc64le-linux-gnu"})});
    fs::remove_all(dir);
}
