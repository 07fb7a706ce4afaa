// diff's rules for how uapi really changes, each on a small header pair
// written here: both sides are scanned by uapikit-gen and diffed, as a
// kernel developer would run it. Each case names its rule in
// docs/abi-rules.md; the expected findings follow from the two headers.
#include "../support/run_command.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

namespace fs = std::filesystem;
using nlohmann::json;
using uapikit::testing::read_file;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

namespace {

using Files = std::map<std::string, std::string>;  // path below the include folder -> text

const char* const kTypes =
    "typedef unsigned char __u8;\ntypedef unsigned short __u16;\ntypedef unsigned int __u32;\n"
    "typedef int __s32;\ntypedef unsigned long long __u64;\n"
    "#define __aligned_u64 __u64 __attribute__((aligned(8)))\n";

struct Side {
    Files files;
    std::string include = "";  // an -I pattern below the side's folder ("{arch}/include"); "" for the folder itself
};

// The header alone, with the fixed-width types in front.
Side header(const std::string& body) { return Side{{{"linux/history.h", std::string(kTypes) + body}}}; }

struct Diff {
    int exit_code = -1;
    json findings = json::array();
    std::string text;

    std::vector<json> of(const std::string& kind) const {
        std::vector<json> out;
        for (const auto& f : findings)
            if (f["kind"] == kind) out.push_back(f);
        return out;
    }
    // The kinds of the changes found, sorted; the lints diff also runs on
    // every new or changed struct (implicit-padding...) are left out.
    std::vector<std::string> kinds() const {
        static const std::vector<std::string> lints = {"implicit-padding", "compat-layout-differs",
                                                       "unaligned-64bit-field", "abi-dependent-type"};
        std::vector<std::string> out;
        for (const auto& f : findings)
            if (std::string kind = f["kind"]; std::find(lints.begin(), lints.end(), kind) == lints.end()) out.push_back(kind);
        std::sort(out.begin(), out.end());
        return out;
    }
    // The finding of `kind` about `record`.
    json about(const std::string& kind, const std::string& record) const {
        for (const auto& f : of(kind))
            if (f["record"] == record) return f;
        FAIL("no " << kind << " finding about " << record);
        return {};
    }
    std::string severity_of(const std::string& kind) const {
        auto found = of(kind);
        REQUIRE(found.size() == 1);
        return found[0]["severity"];
    }
};

fs::path scratch() { return uapikit::testing::scratch_dir("history"); }

fs::path write_side(const fs::path& dir, const Side& side) {
    for (const auto& [path, text] : side.files) {
        fs::create_directories((dir / path).parent_path());
        std::ofstream(dir / path) << text;
    }
    return dir;
}

std::string scan(const fs::path& dir, const Side& side, const std::vector<std::string>& targets,
                 const std::vector<std::string>& headers) {
    fs::path out = dir / "manifest.json";
    std::vector<std::string> argv = {required_env("UAPIKIT_GEN"), "scan"};
    argv.insert(argv.end(), headers.begin(), headers.end());
    argv.insert(argv.end(), {"-I", (dir / side.include).string(), "-o", out.string()});
    for (const auto& t : targets) argv.insert(argv.end(), {"--target", t});
    auto r = run_command(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return out.string();
}

Diff diff(const Side& old_side, const Side& new_side, const std::vector<std::string>& targets = {"x86_64-linux-gnu"},
          const std::vector<std::string>& headers = {"linux/history.h"}) {
    fs::path dir = scratch();
    std::string o = scan(write_side(dir / "old", old_side), old_side, targets, headers);
    std::string n = scan(write_side(dir / "new", new_side), new_side, targets, headers);
    Diff d;
    auto r = run_command({required_env("UAPIKIT_GEN"), "diff", o, n, "--format", "json"});
    INFO(r.err);
    d.exit_code = r.exit_code;
    d.findings = json::parse(r.out)["findings"];
    d.text = run_command({required_env("UAPIKIT_GEN"), "diff", o, n}).out;
    return d;
}

}  // namespace

TEST_CASE("identity: unnamed bitfields, anonymous structs and unions diffed against themselves give nothing") {
    Side s = header(
        "struct t { __u32 a; int :32; int :32; __u32 b; int :32; };\n"
        "struct u { __u32 k; union { __u32 w; __u8 b[4]; }; union { __u64 q; struct { __u32 lo, hi; }; }; };\n"
        "struct v { __u8 x:3; __u8 :2; __u8 y:3; __u32 :0; __u8 z; };\n");
    Diff d = diff(s, s);
    CHECK(d.findings.empty());
    CHECK(d.exit_code == 0);
    CHECK(d.text.empty());
}

TEST_CASE("unnamed members by place: an anonymous union added before another renames nothing") {
    // @union(v1) keeps its name although a union now comes before it; old
    // numbering (@union1, @union2) would have compared it with the new one.
    Side before = header("struct s { __u32 a; __u32 pad0; union { __u64 v1; __u64 v2; }; };\n");
    Side after = header("struct s { __u32 a; union { __u32 w1; __u32 w2; }; union { __u64 v1; __u64 v2; }; };\n");
    Diff d = diff(before, after);
    // w1 and w2 both take pad0's bytes; the union of v1 and v2 is unchanged.
    CHECK(d.kinds() == std::vector<std::string>{"reserved-repurposed", "reserved-repurposed"});
    CHECK(d.of("reserved-repurposed")[0]["field"] == "w1");
    CHECK(d.of("reserved-repurposed")[1]["field"] == "w2");
    CHECK(d.text.find("v1") == std::string::npos);
    CHECK(d.exit_code == 4);
}

TEST_CASE("reserved-repurposed: __spare[12] giving two fields its first bytes, nothing else moving") {
    Diff d = diff(header("struct sx { __u64 mask; __u64 __spare[12]; };\n"),
                  header("struct sx { __u64 mask; __u64 new_a; __u64 new_b; __u64 __spare[10]; };\n"));
    CHECK(d.kinds() == std::vector<std::string>{"reserved-repurposed", "reserved-repurposed"});
    for (const auto& f : d.findings) CHECK(f["severity"] == "warning");
    CHECK(d.of("reserved-repurposed")[0]["field"] == "new_a");
    CHECK(d.of("reserved-repurposed")[1]["field"] == "new_b");
    CHECK(d.exit_code == 4);
}

TEST_CASE("reserved-repurposed: a reserved field taking another's bytes repurposes nothing (io_uring_sync_cancel_reg)") {
    // 6.1 -> 6.12 of linux/io_uring.h: addr 0, fd 8, flags 12, a 16-byte
    // timeout at 16, then 32 reserved bytes at 32. 6.12 gives the first of
    // them to opcode and names the rest pad (33..39) and pad2 (40..63).
    const std::string head =
        "struct sc_ts { __u64 tv_sec; __u64 tv_nsec; };\n"
        "struct sc { __u64 addr; __s32 fd; __u32 flags; struct sc_ts timeout; ";
    Diff d = diff(header(head + "__u64 pad[4]; };\n"), header(head + "__u8 opcode; __u8 pad[7]; __u64 pad2[3]; };\n"));
    CHECK(d.kinds() == std::vector<std::string>{"reserved-repurposed"});
    auto f = d.about("reserved-repurposed", "sc");
    CHECK(f["field"] == "opcode");
    CHECK(f["old"] == "pad");
    CHECK(f["new"] == "opcode at offset 32");
    CHECK(d.text.find("pad2") == std::string::npos);
    CHECK(d.exit_code == 4);
}

TEST_CASE("reserved-repurposed: resv or pad inside a data field's name, or old padding under a reserved name") {
    // need_resv_pool (mtd/ubi-user.h, 6.12) and ipaddr carry data although
    // their names hold resv and pad: taking reserved bytes, they are
    // reported. rz's __reserved covers pad (4..5) and two bytes of old
    // implicit padding (6..7), which callers may have left unset.
    Diff d = diff(header("struct ua { __u32 num; __u16 max; __u8 disable; __u8 padding[9]; };\n"
                         "struct ip { __u32 id; __u32 pad[2]; };\n"
                         "struct rz { __u32 a; __u16 pad; __u64 b; };\n"),
                  header("struct ua { __u32 num; __u16 max; __u8 disable; __u8 need_resv_pool; __u8 padding[8]; };\n"
                         "struct ip { __u32 id; __u32 ipaddr; __u32 pad[1]; };\n"
                         "struct rz { __u32 a; __u32 __reserved; __u64 b; };\n"));
    CHECK(d.kinds() ==
          std::vector<std::string>{"field-added-in-padding", "reserved-repurposed", "reserved-repurposed"});
    CHECK(d.about("reserved-repurposed", "ua")["field"] == "need_resv_pool");
    CHECK(d.about("reserved-repurposed", "ua")["new"] == "need_resv_pool at offset 7");
    CHECK(d.about("reserved-repurposed", "ip")["field"] == "ipaddr");
    CHECK(d.about("reserved-repurposed", "ip")["new"] == "ipaddr at offset 4");
    CHECK(d.about("field-added-in-padding", "rz")["field"] == "__reserved");
    CHECK(d.exit_code == 4);
}

TEST_CASE("reserved-repurposed does not cover a reserved field pushed into former padding: that move breaks") {
    // reserved goes from offset 8 to 12, where old callers may leave garbage.
    Diff d = diff(header("struct am { __aligned_u64 off; __u32 reserved; };\n"),
                  header("struct am { __aligned_u64 off; __u32 fd; __u32 reserved; };\n"));
    CHECK(d.severity_of("field-moved") == "incompatible");
    CHECK(d.of("field-moved")[0]["old"] == "offset 8");
    CHECK(d.of("field-moved")[0]["new"] == "offset 12");
    CHECK(d.exit_code == 12);
}

TEST_CASE("fields wrapped in an anonymous struct, with a named view of them (__struct_group), are not incompatible") {
    Diff d = diff(header("struct g { __u8 flags; __u16 off; __u32 mask; __u64 keys[]; };\n"),
                  header("struct g { union { struct { __u8 flags; __u16 off; __u32 mask; };\n"
                         "  struct g_hdr { __u8 flags; __u16 off; __u32 mask; } hdr; }; __u64 keys[]; };\n"));
    CHECK(d.kinds() == std::vector<std::string>{"new-struct", "union-member-added"});
    CHECK(d.of("union-member-added")[0]["field"] == "hdr");
    CHECK(d.of("new-struct")[0]["record"] == "g_hdr");
    CHECK(d.exit_code == 4);
}

TEST_CASE("a new union member that keeps the union's size and alignment is compatible") {
    Diff d = diff(header("union un { __u32 a; __u64 b; };\n"), header("union un { __u32 a; __u64 b; __u16 c; };\n"));
    CHECK(d.kinds() == std::vector<std::string>{"union-member-added"});
    CHECK(d.severity_of("union-member-added") == "compatible");
    CHECK(d.exit_code == 4);
}

TEST_CASE("a new bitfield in bits no old field used is a padding-style warning") {
    Diff d = diff(header("struct bf { __u32 a:1; __u32 :31; __u32 b:4; };\n"),
                  header("struct bf { __u32 a:1; __u32 c:2; __u32 :29; __u32 b:4; __u32 d:4; };\n"));
    // c takes bits of the unnamed bitfield, d the unused rest of b's unit.
    CHECK(d.kinds() == std::vector<std::string>{"field-added-in-padding", "field-added-in-padding"});
    for (const auto& f : d.findings) CHECK(f["severity"] == "warning");
    CHECK(d.exit_code == 4);
}

TEST_CASE("counting sentinels, masks of every valid bit and version numbers that change are compatible") {
    // LINUX_VERSION_CODE is KERNEL_VERSION(6, 1, 192) = (6 << 16) + (1 << 8) +
    // 192 = 393664, then KERNEL_VERSION(6, 12, 117) = 396405: it may go down
    // in its parts, up in the whole.
    Diff d = diff(header("enum e { E_A, E_B, __E_MAX };\n#define E_MAX (__E_MAX - 1)\n#define E_CNT 2\n"
                         "#define NUM_E 2\n#define E_VALID_MASK 0x3\n#define E_FLAGS_MASK 0x3\n#define E_VERSION 4\n"
                         "#define LINUX_VERSION_SUBLEVEL 192\n#define LINUX_VERSION_CODE 393664\n"
                         "enum f { F_A, F_B, F_LAST };\n#define E_COUNT 2\n#define MAX_E 2\n#define E_ALL 0x3\n"
                         "#define E_VALID_FLAGS 0x3\n#define E_OTHER_ALL 0x3\n"),
                  header("enum e { E_A, E_B, E_C, __E_MAX };\n#define E_MAX (__E_MAX - 1)\n#define E_CNT 3\n"
                         "#define NUM_E 3\n#define E_VALID_MASK 0x7\n#define E_FLAGS_MASK 0x1\n#define E_VERSION 5\n"
                         "#define LINUX_VERSION_SUBLEVEL 117\n#define LINUX_VERSION_CODE 396405\n"
                         "enum f { F_A, F_B, F_C, F_LAST };\n#define E_COUNT 3\n#define MAX_E 3\n#define E_ALL 0x7\n"
                         "#define E_VALID_FLAGS 0xb\n#define E_OTHER_ALL 0x2\n"));
    std::map<std::string, std::string> kind_of;
    for (const auto& f : d.findings) kind_of[f.contains("field") ? f["field"].get<std::string>() : f["record"].get<std::string>()] = f["kind"];
    CHECK(kind_of["__E_MAX"] == "sentinel-changed");
    CHECK(kind_of["E_MAX"] == "sentinel-changed");
    CHECK(kind_of["E_CNT"] == "sentinel-changed");
    CHECK(kind_of["NUM_E"] == "sentinel-changed");
    CHECK(kind_of["E_VALID_MASK"] == "mask-changed");
    CHECK(kind_of["E_VERSION"] == "version-changed");
    CHECK(kind_of["LINUX_VERSION_SUBLEVEL"] == "version-changed");
    CHECK(kind_of["LINUX_VERSION_CODE"] == "version-changed");
    CHECK(kind_of["E_COUNT"] == "sentinel-changed");
    CHECK(kind_of["F_LAST"] == "sentinel-changed");  // an enumerator: 2 -> 3
    CHECK(kind_of["MAX_E"] == "sentinel-changed");
    CHECK(kind_of["E_ALL"] == "mask-changed");
    CHECK(kind_of["E_VALID_FLAGS"] == "mask-changed");  // 0x3 -> 0xb: bit 3 added, none lost
    CHECK(kind_of["E_C"] == "new-constant");
    CHECK(kind_of["F_C"] == "new-constant");
    // A mask that loses a valid bit is not a mask growing: incompatible.
    CHECK(kind_of["E_FLAGS_MASK"] == "macro-value-changed");
    CHECK(kind_of["E_OTHER_ALL"] == "macro-value-changed");  // 0x3 -> 0x2 loses bit 0
    for (const auto& f : d.findings)
        if (f["kind"] == "sentinel-changed" || f["kind"] == "mask-changed" || f["kind"] == "version-changed")
            CHECK(f["severity"] == "compatible");
    CHECK(d.exit_code == 12);
}

TEST_CASE("a flag taking the value a counting sentinel had takes no flag's bit") {
    Diff d = diff(header("enum pf { PF_A = 1, PF_B = 2, PF_C = 4, PF_MAX = 8 };\n"),
                  header("enum pf { PF_A = 1, PF_B = 2, PF_C = 4, PF_D = 8, PF_MAX = 16 };\n"));
    CHECK(d.kinds() == std::vector<std::string>{"new-constant", "sentinel-changed"});
    CHECK(d.exit_code == 4);
}

TEST_CASE("an alignment-only change: a warning alone, incompatible when a scanned record holds it by value") {
    Diff alone = diff(header("struct al { __u32 x; __u32 y; };\n"),
                      header("struct al { __u32 x; __u32 y; } __attribute__((aligned(8)));\n"));
    CHECK(alone.kinds() == std::vector<std::string>{"alignment-changed"});
    CHECK(alone.severity_of("alignment-changed") == "warning");

    Diff held = diff(header("struct al { __u32 x; __u32 y; };\nstruct holder { __u32 z; struct al a; };\n"),
                     header("struct al { __u32 x; __u32 y; } __attribute__((aligned(8)));\n"
                            "struct holder { __u32 z; struct al a; };\n"));
    json mine = held.about("alignment-changed", "al");
    CHECK(mine["severity"] == "incompatible");
    CHECK(mine["message"].get<std::string>().find("holder") != std::string::npos);
    // The holder's own member moved from 4 to 8.
    CHECK(held.of("field-moved").size() == 1);
    CHECK(held.exit_code == 12);
}

TEST_CASE("an alignment-only change of a struct held as an array element: incompatible, naming the holder") {
    // arr_holder's array of two al starts at 4 when al is 4-byte aligned, at 8
    // when it is 8-byte aligned: 4 + 2 * 8 = 20 -> 8 + 2 * 8 = 24 bytes.
    Diff d = diff(header("struct al { __u32 x; __u32 y; };\nstruct arr_holder { __u32 z; struct al list[2]; };\n"),
                  header("struct al { __u32 x; __u32 y; } __attribute__((aligned(8)));\n"
                         "struct arr_holder { __u32 z; struct al list[2]; };\n"));
    json mine = d.about("alignment-changed", "al");
    CHECK(mine["severity"] == "incompatible");
    CHECK(mine["message"].get<std::string>().find("arr_holder") != std::string::npos);
    auto moved = d.of("field-moved");
    REQUIRE(moved.size() == 1);
    CHECK(moved[0]["record"] == "arr_holder");
    CHECK(moved[0]["field"] == "list");
    CHECK(moved[0]["old"] == "offset 4");
    CHECK(moved[0]["new"] == "offset 8");
    CHECK(d.exit_code == 12);
}

TEST_CASE("a size-field struct growing at its tail with a new alignment: compatible, unless a record holds it") {
    // 8 bytes aligned to 4 become 16 aligned to 8 with an __aligned_u64 at
    // offset 8: the old bytes stay where they were.
    const char* before = "struct sz { __u32 size; __u32 flags; };\n";
    const char* after = "struct sz { __u32 size; __u32 flags; __aligned_u64 ext; };\n";
    Diff alone = diff(header(before), header(after));
    CHECK(alone.kinds() == std::vector<std::string>{"alignment-changed", "compatible-extension"});
    CHECK(alone.severity_of("compatible-extension") == "compatible");
    CHECK(alone.severity_of("alignment-changed") == "warning");
    CHECK(alone.exit_code == 4);

    // Held at offset 4 of another record, it now starts at 8.
    const std::string holder = "struct sz_holder { __u32 tag; struct sz s; };\n";
    Diff held = diff(header(before + holder), header(after + holder));
    json mine = held.about("alignment-changed", "sz");
    CHECK(mine["severity"] == "incompatible");
    CHECK(mine["message"].get<std::string>().find("sz_holder") != std::string::npos);
    CHECK(held.exit_code == 12);
}

TEST_CASE("growth at the tail where the family takes its length from the caller: size field, bpf_attr's commands") {
    Diff sized = diff(header("struct cs { __u32 size; __u32 flags; __aligned_u64 ptr; };\n"),
                      header("struct cs { __u32 size; __u32 flags; __aligned_u64 ptr; __u32 extra; __u32 __reserved; };\n"));
    CHECK(sized.kinds() == std::vector<std::string>{"compatible-extension"});

    // One command (an anonymous struct) grows within the union's old 20
    // bytes, another (query) past them, so the union grows too.
    const char* old_attr = "union bpf_attr { struct { __u32 map_type; __u32 key_size; };\n"
                           "  struct { __u32 prog_fd; __u32 flags; __u32 count; __u32 ids; __u32 cnt; } query; };\n";
    const char* new_attr = "union bpf_attr { struct { __u32 map_type; __u32 key_size; __u32 map_flags; };\n"
                           "  struct { __u32 prog_fd; __u32 flags; __u32 count; __u32 ids; __u32 cnt; __u32 revision; } query; };\n";
    Diff bpf = diff(header(old_attr), header(new_attr));
    for (const auto& f : bpf.findings) {
        INFO(f.dump());
        CHECK(f["severity"] == "compatible");
    }
    CHECK(bpf.of("union-member-grew").size() == 2);  // the anonymous command and query
    CHECK(bpf.of("compatible-extension").size() == 2);  // bpf_attr (20 -> 24) and bpf_attr::query
    CHECK(bpf.exit_code == 4);

    // The same change to a union the kernel does not size from the caller.
    std::string other_old = old_attr, other_new = new_attr;
    other_old.replace(other_old.find("bpf_attr"), 8, "plain_un");
    other_new.replace(other_new.find("bpf_attr"), 8, "plain_un");
    Diff plain = diff(header(other_old), header(other_new));
    auto grew = plain.of("union-member-grew");
    CHECK(grew.size() == 2);
    for (const auto& f : grew) CHECK(f["severity"] == "warning");
    CHECK(plain.of("struct-grew").size() == 2);
}

TEST_CASE("a size-field struct whose last array grew is an extension; a widened last scalar is not") {
    // The array's old elements keep their places.
    Diff grown = diff(header("struct grow_arr { __u32 size; __u32 n; __u8 data[4]; };\n"),
                      header("struct grow_arr { __u32 size; __u32 n; __u8 data[8]; };\n"));
    CHECK(grown.kinds() == std::vector<std::string>{"compatible-extension"});
    // out_id __u32 -> __u64 at offset 8: an old caller's 4 bytes are the
    // high half of the new field on s390x and powerpc64 (big-endian).
    Diff widened = diff(header("struct grow_id { __u32 size; __u32 flags; __u32 out_id; };\n"),
                        header("struct grow_id { __u32 size; __u32 flags; __u64 out_id; };\n"));
    CHECK(widened.about("field-size-changed", "grow_id")["severity"] == "incompatible");
    CHECK(widened.about("field-size-changed", "grow_id")["field"] == "out_id");
    CHECK(widened.of("compatible-extension").empty());
}

TEST_CASE("growth is located at the first new member; growth with a changed old part says so") {
    // The header's body starts after the 6 lines of kTypes: `more` is on line 10.
    Diff d = diff(header("struct ext {\n\t__u32 size;\n\t__u32 flags;\n};\n"),
                  header("struct ext {\n\t__u32 size;\n\t__u32 flags;\n\t__u64 more;\n};\n"));
    auto grown = d.about("compatible-extension", "ext");
    CHECK(grown["field"] == "more");
    CHECK(grown["line"] == 10);
    // A struct without a size field that grew by an insertion in the middle.
    Diff mid = diff(header("struct plain { __u32 a; __u32 b; };\n"), header("struct plain { __u32 a; __u32 x; __u32 b; };\n"));
    CHECK(mid.about("field-inserted", "plain")["severity"] == "incompatible");
    CHECK(mid.about("struct-grew", "plain")["message"].get<std::string>().find("its old part changed too") !=
          std::string::npos);
}

TEST_CASE("a flag moved onto another flag's bit is reported as an overlap besides its value change") {
    // IOMMU_HWPT_FAULT_ID_VALID moved onto IOMMU_HWPT_ALLOC_DIRTY_TRACKING's bit.
    Diff d = diff(header("enum hwpt_alloc_flags { HW_NEST = 1 << 0, HW_DIRTY = 1 << 1, HW_FAULT = 1 << 4 };\n"),
                  header("enum hwpt_alloc_flags { HW_NEST = 1 << 0, HW_DIRTY = 1 << 1, HW_FAULT = 1 << 1 };\n"));
    CHECK(d.about("enum-constant-changed", "hwpt_alloc_flags")["field"] == "HW_FAULT");
    auto overlap = d.of("flag-bits-overlap");
    REQUIRE(overlap.size() == 1);
    CHECK(overlap[0]["field"] == "HW_FAULT");
    CHECK(overlap[0]["message"].get<std::string>().find("HW_DIRTY") != std::string::npos);
    // A new name for an old bit is an alias, as IFLA_DSA_CONDUIT for
    // IFLA_DSA_MASTER (Linux 6.12 include/uapi/linux/if_link.h): no overlap.
    Diff alias = diff(header("enum hwpt_alloc_flags { HW_NEST = 1 << 0, HW_DIRTY = 1 << 1 };\n"),
                      header("enum hwpt_alloc_flags { HW_NEST = 1 << 0, HW_DIRTY = 1 << 1, HW_DIRTY_ALIAS = HW_DIRTY };\n"));
    CHECK(alias.of("flag-bits-overlap").empty());
}

TEST_CASE("a removed macro breaks programs, unless it never evaluated on that target") {
    // GONE_KEY uses an identifier no uapi header defines (as s390's
    // PSW_DEFAULT_KEY in Linux 6.1): no program could use its value.
    Diff d = diff(header("#define GONE_VALUE 3\n#define GONE_KEY (((unsigned long)GONE_UNDEFINED) << 52)\n"),
                  header("\n"));
    CHECK(d.about("macro-removed", "GONE_VALUE")["severity"] == "incompatible");
    CHECK(d.about("macro-removed", "GONE_KEY")["severity"] == "warning");
    CHECK(d.about("macro-removed", "GONE_KEY")["message"].get<std::string>().find("did not evaluate here before") !=
          std::string::npos);
}

TEST_CASE("a version that went up is compatible, but not an API version userspace checks for equality") {
    Diff d = diff(header("#define TASKSTATS_VERSION 13\n#define VFIO_API_VERSION 0\n"),
                  header("#define TASKSTATS_VERSION 14\n#define VFIO_API_VERSION 1\n"));
    CHECK(d.about("version-changed", "TASKSTATS_VERSION")["severity"] == "compatible");
    // VFIO_GET_API_VERSION must answer VFIO_API_VERSION (Linux 6.12
    // drivers/vfio/container.c), so every program that checks it stops.
    CHECK(d.about("macro-value-changed", "VFIO_API_VERSION")["severity"] == "incompatible");
    CHECK(d.exit_code == 12);
}

TEST_CASE("moved to the asm/ header of the architecture that uses it: not removed on the others") {
    auto tree = [](bool moved) {
        Side s;
        s.include = "{arch}/include";
        std::string decl = "struct mv_x86_only { unsigned int a; };\n#define MV_X86_FLAG 4\n";
        for (const char* arch : {"x86", "arm64"}) {
            std::string a = arch;
            s.files[a + "/include/linux/history.h"] = std::string("#include <asm/history.h>\n") + (moved ? "" : decl);
            s.files[a + "/include/asm/history.h"] = moved && a == "x86" ? decl : "";
        }
        return s;
    };
    Diff d = diff(tree(false), tree(true), {"x86_64-linux-gnu", "aarch64-linux-gnu"});
    // On x86 both are still there (asm/history.h comes with linux/history.h).
    CHECK(d.kinds() == std::vector<std::string>{"moved-to-arch-header", "moved-to-arch-header"});
    for (const auto& f : d.findings) {
        CHECK(f["targets"] == json::array({"aarch64-linux-gnu"}));
        CHECK(f["severity"] == "warning");
        CHECK(f["new"] == "asm/history.h of x86_64-linux-gnu");
    }
    CHECK(d.exit_code == 4);
}

TEST_CASE("moved to the asm/ header of one architecture: one finding per declaration for every target that lost it") {
    // x86 (x86_64 and i386) keeps the declarations in its asm/ header;
    // arm64 and riscv lose them. Each loss is one finding naming both losing
    // targets, and where the declaration went names both x86 targets.
    auto tree = [](bool moved) {
        Side s;
        s.include = "{arch}/include";
        std::string decl = "struct mv_x86_only { unsigned int a; };\n#define MV_X86_FLAG 4\n";
        for (const std::string a : {"x86", "arm64", "riscv"}) {
            s.files[a + "/include/linux/history.h"] = std::string("#include <asm/history.h>\n") + (moved ? "" : decl);
            s.files[a + "/include/asm/history.h"] = moved && a == "x86" ? decl : "";
        }
        return s;
    };
    Diff d = diff(tree(false), tree(true),
                  {"x86_64-linux-gnu", "i386-linux-gnu", "aarch64-linux-gnu", "riscv64-linux-gnu"});
    CHECK(d.kinds() == std::vector<std::string>{"moved-to-arch-header", "moved-to-arch-header"});
    for (const auto& f : d.findings) {
        auto targets = f["targets"].get<std::vector<std::string>>();
        std::sort(targets.begin(), targets.end());
        CHECK(targets == std::vector<std::string>{"aarch64-linux-gnu", "riscv64-linux-gnu"});
        CHECK(f["new"] == "asm/history.h of i386-linux-gnu, x86_64-linux-gnu");
    }
    // The text names no single target in the message, so it is one line each.
    CHECK(std::count(d.text.begin(), d.text.end(), '\n') == 3);  // two findings and the summary
}

TEST_CASE("moved to another linux/ header: moved-to-header, naming both files, not removed and not silent") {
    auto tree = [](bool moved) {
        const std::string decl = "struct mv_rec { unsigned int a; };\n#define MV_FLAG 4\nenum mv_kind { MV_A, MV_B };\n";
        Side s = header(moved ? "" : decl);
        s.files["linux/other.h"] = "#define OTHER_KEPT 1\n" + (moved ? decl : "");
        return s;
    };
    Diff d = diff(tree(false), tree(true), {"x86_64-linux-gnu"}, {"linux/history.h", "linux/other.h"});
    CHECK(d.kinds() == std::vector<std::string>{"moved-to-header", "moved-to-header", "moved-to-header"});
    std::vector<std::string> moved;
    for (const auto& f : d.findings) {
        moved.push_back(f["record"]);
        CHECK(f["severity"] == "warning");
        CHECK(f["old"] == "linux/history.h");
        CHECK(f["new"] == "linux/other.h");
        CHECK(f["file"] == "linux/other.h");
    }
    std::sort(moved.begin(), moved.end());
    CHECK(moved == std::vector<std::string>{"MV_FLAG", "mv_kind", "mv_rec"});
    CHECK(d.text.find("moved from linux/history.h to linux/other.h") != std::string::npos);
    CHECK(d.exit_code == 4);

    // The same headers diffed against themselves: nothing moved.
    Diff same = diff(tree(true), tree(true), {"x86_64-linux-gnu"}, {"linux/history.h", "linux/other.h"});
    CHECK(same.findings.empty());
    CHECK(same.exit_code == 0);

    // Into a new linux/ header that only the scanned one includes (Linux
    // 6.12's linux/fb.h and its VESA_* macros, now in linux/vesa.h).
    Side included = header("#include <linux/vesa_like.h>\n");
    included.files["linux/vesa_like.h"] = "#define MV_FLAG 4\n";
    Diff reached = diff(header("#define MV_FLAG 4\n"), included);
    REQUIRE(reached.findings.size() == 1);
    CHECK(reached.findings[0]["kind"] == "moved-to-header");
    CHECK(reached.findings[0]["old"] == "linux/history.h");
    CHECK(reached.findings[0]["new"] == "linux/vesa_like.h");
    CHECK(reached.exit_code == 4);
}

TEST_CASE("a request that does not evaluate, renamed with the old name kept as an alias, is not removed") {
    // Linux 6.12 linux/pcitest.h: PCITEST_LEGACY_IRQ became an alias of the
    // new PCITEST_INTX_IRQ; the header uses _IO without <linux/ioctl.h>, so
    // neither name evaluates on its own.
    Diff d = diff(header("#define PT_LEGACY_IRQ _IO('P', 0x2)\n"),
                  header("#define PT_INTX_IRQ _IO('P', 0x2)\n#define PT_LEGACY_IRQ PT_INTX_IRQ\n"));
    REQUIRE(d.findings.size() == 1);
    CHECK(d.findings[0]["kind"] == "macro-not-evaluable");
    CHECK(d.findings[0]["record"] == "PT_INTX_IRQ");
    CHECK(d.exit_code == 4);
}

TEST_CASE("renamed with an identical layout or value, or kept as an alias, is not removed") {
    Diff d = diff(header("struct old_name { __u32 a; __u64 b; };\n"
                         "enum cmd { CMD_ID_INVALID, CMD_ID_GET_POISON, CMD_ID_FEATURES, CMD_ID_KEPT };\n"),
                  header("struct new_name { __u32 a; __u64 b; };\n"
                         "enum cmd { CMD_ID_INVALID, DEPRECATED_ID_GET_POISON, CMD_ID_CAPACITY, CMD_ID_NOW };\n"
                         "#define CMD_ID_KEPT CMD_ID_NOW\n"));
    CHECK(d.of("struct-renamed").size() == 1);
    CHECK(d.of("struct-renamed")[0]["new"] == "new_name");
    CHECK(d.of("new-struct").empty());
    auto renamed = d.of("enum-constant-renamed");
    REQUIRE(renamed.size() == 1);
    CHECK(renamed[0]["old"] == "CMD_ID_GET_POISON");
    CHECK(renamed[0]["new"] == "DEPRECATED_ID_GET_POISON");
    // Its value taken by an unrelated name: removed, and now means CAPACITY.
    auto removed = d.of("enum-constant-removed");
    REQUIRE(removed.size() == 1);
    CHECK(removed[0]["field"] == "CMD_ID_FEATURES");
    CHECK(removed[0]["message"].get<std::string>().find("now means CMD_ID_CAPACITY") != std::string::npos);
    // CMD_ID_KEPT lives on as a macro with the same value: nothing to report.
    for (const auto& f : d.findings) CHECK(f.value("field", f["record"].get<std::string>()) != "CMD_ID_KEPT");
    CHECK(d.exit_code == 12);
}

TEST_CASE("an unnamed record's name does not depend on line numbers") {
    std::string body = "static const struct { const char *name; } history_names[1] = { { \"a\" } };\n"
                       "struct outer { struct { __u32 x; } named; union { __u32 y; __u32 z; }; };\n";
    Diff d = diff(header(body), header("/* two more\n * lines */\n" + body));
    CHECK(d.findings.empty());
    CHECK(d.exit_code == 0);
}

TEST_CASE("a 32-bit layout fixed to match its 64-bit kernel is reported as such, not as moved fields") {
    Diff d = diff(header("struct sev { __u32 id; __u64 data; __u32 error; };\n"),
                  header("struct sev { __u32 id; __u32 pad0; __u64 data; __u32 error; __u32 pad1; };\n"),
                  {"x86_64-linux-gnu", "i386-linux-gnu"});
    auto fixed = d.of("compat-layout-fixed");
    REQUIRE(fixed.size() == 1);
    CHECK(fixed[0]["targets"] == json::array({"i386-linux-gnu"}));
    CHECK(d.of("field-moved").empty());
    CHECK(d.exit_code == 4);
}

TEST_CASE("a __u32 widened to __u64 mid-struct changed size on every target, and pushed what follows") {
    // Hand-computed: old 4 x __u32 at 0, 4, 8, 12. New: flags is __u64.
    // i386 (__u64 aligned to 4): flags stays at 4, id 8 -> 12, out 12 -> 16.
    // x86_64 (aligned to 8): flags 4 -> 8 after 4 bytes of padding, id 8 -> 16,
    // out 12 -> 20. The width is a break on both; the moves of id and out
    // follow from it on both.
    auto side = [](const char* type) {
        return header(std::string("struct wa { __u32 size; ") + type + " flags; __u32 id; __u32 out; };\n");
    };
    Diff d = diff(side("__u32"), side("__u64"), {"x86_64-linux-gnu", "i386-linux-gnu"});
    auto resized = d.of("field-size-changed");
    REQUIRE(resized.size() == 1);
    CHECK(resized[0]["field"] == "flags");
    CHECK(resized[0]["targets"] == json::array({"x86_64-linux-gnu", "i386-linux-gnu"}));
    int pushed = 0;
    for (const auto& f : d.of("field-moved")) {
        INFO(f.dump());
        if (f["field"] == "flags") {
            CHECK(f["targets"] == json::array({"x86_64-linux-gnu"}));
            CHECK(f["old"] == "offset 4");
            CHECK(f["new"] == "offset 8");
        } else {
            CHECK(std::string(f["message"]).find("(pushed: flags changed size)") != std::string::npos);
            ++pushed;
        }
    }
    CHECK(pushed == 4);  // id and out, on each target
    CHECK(d.exit_code >= 8);
}

TEST_CASE("a 32-bit alignment that now matches its 64-bit kernel, sizes and offsets kept, is an alignment change") {
    // VFIO's region info as in 6.1 and 6.12: argsz 0, flags 4, index 8,
    // cap_offset 12, size 16, offset 24, 32 bytes on both targets and
    // versions (gcc -m32 and -m64). Only i386's alignment changes, 4 -> 8:
    // the 64-bit kernel read the same bytes before, so nothing was fixed.
    auto side = [](const char* u64) {
        return header(std::string("struct rg { __u32 argsz; __u32 flags; __u32 index; __u32 cap_offset; ") + u64 +
                      " size; " + u64 + " offset; };\n");
    };
    Diff d = diff(side("__u64"), side("__aligned_u64"), {"x86_64-linux-gnu", "i386-linux-gnu"});
    CHECK(d.of("compat-layout-fixed").empty());
    CHECK(d.kinds() == std::vector<std::string>{"alignment-changed"});
    auto aligned = d.about("alignment-changed", "rg");
    CHECK(aligned["targets"] == json::array({"i386-linux-gnu"}));
    CHECK(aligned["severity"] == "warning");
    CHECK(aligned["old"] == "align 4");
    CHECK(aligned["new"] == "align 8");
    CHECK(d.exit_code == 4);
}

TEST_CASE("an alignment change that moves nothing in the record holding it is a warning, for both records") {
    // VFIO's sparse mmap capability as in 6.1 and 6.12: the area is 16 bytes
    // (off 0, size 8), the capability id 0, nr 4, areas[] at 8, 8 bytes, on
    // both targets and versions (gcc -m32 and -m64). On i386 both go from
    // alignment 4 to 8; no byte moves, so neither breaks the other.
    auto side = [](const char* u64) {
        return header(std::string("struct ar { ") + u64 + " off; " + u64 +
                      " size; };\nstruct cap { __u32 id; __u32 nr; struct ar areas[]; };\n");
    };
    Diff d = diff(side("__u64"), side("__aligned_u64"), {"x86_64-linux-gnu", "i386-linux-gnu"});
    CHECK(d.kinds() == std::vector<std::string>{"alignment-changed", "alignment-changed"});
    for (const char* record : {"ar", "cap"}) {
        auto aligned = d.about("alignment-changed", record);
        CHECK(aligned["targets"] == json::array({"i386-linux-gnu"}));
        CHECK(aligned["severity"] == "warning");
    }
    CHECK(d.exit_code == 4);
}

TEST_CASE("a new anonymous union before another: members are paired by name, not by their unnamed holders") {
    // Old: a 0, the union of y and yb at 4, 8 bytes. New: a union of w and
    // wb inserted at 4 pushes the old union to 8, 12 bytes.
    Diff d = diff(header("struct an { __u32 a; union { __u32 y; __u8 yb[4]; }; };\n"),
                  header("struct an { __u32 a; union { __u32 w; __u8 wb[4]; }; union { __u32 y; __u8 yb[4]; }; };\n"));
    std::map<std::string, std::pair<std::string, std::string>> moved;
    for (const auto& f : d.of("field-moved")) moved[f["field"]] = {f["old"], f["new"]};
    CHECK(moved == std::map<std::string, std::pair<std::string, std::string>>{{"y", {"offset 4", "offset 8"}},
                                                                             {"yb", {"offset 4", "offset 8"}}});
    std::vector<std::string> inserted;
    for (const auto& f : d.of("field-inserted")) inserted.push_back(f["field"]);
    std::sort(inserted.begin(), inserted.end());
    CHECK(inserted == std::vector<std::string>{"w", "wb"});
    CHECK(d.exit_code == 12);
}

TEST_CASE("a one-element array turned flexible in place, the struct keeping its size, is compatible") {
    // The kernel's __DECLARE_FLEX_ARRAY, spelled out, beside a placeholder
    // that keeps the old size.
    Diff d = diff(header("struct pl { __u32 flags; __u32 count; __u64 pages[1]; };\n"),
                  header("struct pl { __u32 flags; __u32 count;\n"
                         "  union { __u64 unused; struct { struct { } __empty_pages; __u64 pages[]; }; }; };\n"));
    CHECK(d.kinds() == std::vector<std::string>{"flexible-array", "union-member-added"});
    CHECK(d.severity_of("flexible-array") == "compatible");
    CHECK(d.of("union-member-added")[0]["field"] == "unused");
    CHECK(d.exit_code == 4);
}

TEST_CASE("an unnamed member type that became a union holding its old member at its place is compatible") {
    Diff d = diff(header("struct xa { __u32 type; struct { __u64 gfn; } shared; };\n"),
                  header("struct xa { __u32 type; union { __u64 gfn; __u64 hva; } shared; };\n"));
    CHECK(d.severity_of("record-kind-changed") == "compatible");
    CHECK(d.severity_of("union-member-added") == "compatible");
    for (const auto& f : d.findings) CHECK(f["severity"] != "incompatible");
    // The member `shared` keeps its type, which changed kind: that is the
    // type's finding above, not a second one (a warning) about the member.
    CHECK(d.of("field-type-changed").empty());
}

TEST_CASE("a named struct that became a union is one finding about it, not one more about each member of its type") {
    Diff d = diff(header("struct inner { __u64 gfn; };\nstruct outer { __u32 type; __u32 pad; struct inner in; };\n"),
                  header("union inner { __u64 gfn; };\nstruct outer { __u32 type; __u32 pad; union inner in; };\n"));
    CHECK(d.about("record-kind-changed", "inner")["severity"] == "incompatible");
    CHECK(d.of("field-type-changed").empty());
}

TEST_CASE("a request whose argument grew: compatible where the handler ignores the size (DRM), a break elsewhere") {
    const std::string encoding =
        "#define _IOC_NRSHIFT 0\n#define _IOC_TYPESHIFT 8\n#define _IOC_SIZESHIFT 16\n#define _IOC_DIRSHIFT 30\n"
        "#define _IOC_NRMASK 0xff\n#define _IOC_TYPEMASK 0xff\n#define _IOC_SIZEMASK 0x3fff\n#define _IOC_DIRMASK 3\n"
        "#define _IOC_NONE 0U\n#define _IOC_WRITE 1U\n#define _IOC_READ 2U\n"
        "#define _IOC(d, t, n, s) (((d) << 30) | ((t) << 8) | (n) | ((s) << 16))\n"
        "#define _IOWR(t, n, a) _IOC(_IOC_READ | _IOC_WRITE, (t), (n), sizeof(a))\n";
    auto side = [&](const char* wait) {
        return header(encoding + wait + "#define DRM_IOCTL_SYNCOBJ_WAIT _IOWR('d', 0xc3, struct wait_args)\n" +
                      "#define FOO_IOC_WAIT _IOWR('f', 0x01, struct wait_args)\n");
    };
    Diff d = diff(side("struct wait_args { __u64 handles; __u32 count; __u32 flags; };\n"),
                  side("struct wait_args { __u64 handles; __u32 count; __u32 flags; __u64 deadline; };\n"));
    std::map<std::string, std::string> verdict;
    for (const auto& f : d.findings) verdict[f["record"].get<std::string>() + " " + f["kind"].get<std::string>()] = f["severity"];
    CHECK(verdict["DRM_IOCTL_SYNCOBJ_WAIT ioctl-size-grew"] == "compatible");
    CHECK(verdict["FOO_IOC_WAIT ioctl-number-changed"] == "incompatible");
    CHECK(d.exit_code == 12);
}
