// diff's classification rules on hand-built layouts: every expectation is
// the rule from docs/abi-rules.md applied to offsets computed by hand.
#include "analysis/abi_diff.hpp"
#include "analysis/report_output.hpp"
#include "scan/scan_driver.hpp"
#include "util/errors.hpp"
#include "enum_lines_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

using namespace uapikit;
using analysis::Severity;

namespace {

ir::Field u32(const std::string& name, std::uint64_t offset) { return {name, "__u32", "unsigned int", offset * 8, 4, 4, {}, false, false}; }
ir::Field s32(const std::string& name, std::uint64_t offset) { return {name, "__s32", "int", offset * 8, 4, 4, {}, false, false}; }
ir::Field u16(const std::string& name, std::uint64_t offset) { return {name, "__u16", "unsigned short", offset * 8, 2, 2, {}, false, false}; }
ir::Field u64(const std::string& name, std::uint64_t offset) { return {name, "__u64", "unsigned long long", offset * 8, 8, 8, {}, false, false}; }

ir::Record record(const std::string& name, std::uint64_t size, std::uint64_t align, std::vector<ir::Field> fields,
                  std::vector<ir::Hole> holes = {}) {
    ir::Record r;
    r.name = name;
    r.origin = {"linux/demo.h", 10, 8};
    r.size = size;
    r.align = align;
    r.fields = std::move(fields);
    r.holes = std::move(holes);
    return r;
}

ir::Macro ioctl_macro(const std::string& name, std::uint64_t nr) {
    ir::Macro m;
    m.name = name;
    m.origin = {"linux/demo.h", 40, 9};
    m.value = ir::Integer{false, 0x3b00 | nr};
    m.ioctl = ir::Ioctl{ir::IoctlDir::None, 0x3b, nr, 0};
    return m;
}

ir::Enum enumeration(const std::string& name, std::vector<std::pair<std::string, std::uint64_t>> constants) {
    ir::Enum e;
    e.name = name;
    e.origin = {"linux/demo.h", 30, 6};
    e.underlying = "unsigned int";
    for (auto& [n, v] : constants) e.constants.push_back({n, {false, v}});
    return e;
}

struct Abi {
    std::vector<ir::Record> records;
    std::vector<ir::Enum> enums;
    std::vector<ir::Macro> macros;
    bool partial = false;
};

Abi with_records(std::vector<ir::Record> records) {
    Abi a;
    a.records = std::move(records);
    return a;
}
Abi with_enums(std::vector<ir::Enum> enums) {
    Abi a;
    a.enums = std::move(enums);
    return a;
}
Abi with_macros(std::vector<ir::Macro> macros) {
    Abi a;
    a.macros = std::move(macros);
    return a;
}

ir::Manifest manifest(const Abi& abi, std::vector<std::string> targets = {"x86_64-linux-gnu"}) {
    ir::Manifest m;
    m.partial = abi.partial;
    for (const auto& t : targets) {
        ir::TargetAbi& ta = m.targets[t];
        ta.triple = t;
        ta.headers = {"linux/demo.h"};
        ta.records = abi.records;
        ta.enums = abi.enums;
        ta.macros = abi.macros;
    }
    return m;
}

analysis::Report run(const Abi& old_abi, const Abi& new_abi) {
    ir::Manifest o = manifest(old_abi), n = manifest(new_abi);
    return analysis::diff({"old", &o}, {"new", &n});
}

// A copy of the one finding of `kind`; fails the test when there is not exactly one.
analysis::Finding only(const analysis::Report& r, const std::string& kind) {
    auto n = std::count_if(r.findings.begin(), r.findings.end(), [&](const auto& f) { return f.kind == kind; });
    INFO("findings of kind " << kind);
    REQUIRE(n == 1);
    return *std::find_if(r.findings.begin(), r.findings.end(), [&](const auto& f) { return f.kind == kind; });
}

// The one finding of `kind` about `constant`; fails the test when there is not exactly one.
analysis::Finding about(const analysis::Report& r, const std::string& kind, const std::string& constant) {
    auto is = [&](const analysis::Finding& f) { return f.kind == kind && f.field == constant; };
    INFO(kind << " about " << constant);
    REQUIRE(std::count_if(r.findings.begin(), r.findings.end(), is) == 1);
    return *std::find_if(r.findings.begin(), r.findings.end(), is);
}

// The iommufd shape: size first, an id, then a 64-bit value at 8 (16 bytes).
ir::Record base() { return record("demo_alloc", 16, 8, {u32("size", 0), u32("id", 4), u64("data", 8)}); }

}  // namespace

TEST_CASE("identical versions give no findings and exit status 0") {
    auto r = run(with_records({base()}), with_records({base()}));
    CHECK(r.findings.empty());
    CHECK(analysis::exit_status(r) == 0);
}

TEST_CASE("growth after the last field of a size-prefixed struct is a compatible extension") {
    auto grown = base();
    grown.size = 24;
    grown.fields.push_back(u32("extra", 16));
    grown.fields.push_back(u32("__reserved", 20));
    auto r = run(with_records({base()}), with_records({grown}));
    REQUIRE(r.findings.size() == 1);
    const auto& f = only(r, "compatible-extension");
    CHECK(f.severity == Severity::Compatible);
    CHECK(f.old_value == "16 bytes");
    CHECK(f.new_value == "24 bytes");
    CHECK(analysis::exit_status(r) == 4);
}

TEST_CASE("growth of a struct without a leading size field is only a warning") {
    auto old_rec = record("demo_range", 8, 8, {u64("start", 0)});
    auto new_rec = record("demo_range", 16, 8, {u64("start", 0), u64("last", 8)});
    CHECK(only(run(with_records({old_rec}), with_records({new_rec})), "struct-grew").severity == Severity::Warning);
}

TEST_CASE("a moved field is incompatible and reports both offsets") {
    // id leaves offset 4 for 16; a new field takes its old bytes.
    auto moved = record("demo_alloc", 24, 8, {u32("size", 0), u32("flags", 4), u64("data", 8), u32("id", 16)}, {{20, 4}});
    auto r = run(with_records({base()}), with_records({moved}));
    const auto& f = only(r, "field-moved");
    CHECK(f.field == "id");
    CHECK(f.old_value == "offset 4");
    CHECK(f.new_value == "offset 16");
    CHECK(f.severity == Severity::Incompatible);
    CHECK(only(r, "field-inserted").field == "flags");
    // Growth with a broken prefix is not a compatible extension.
    CHECK(only(r, "struct-grew").severity == Severity::Warning);
    CHECK(analysis::exit_status(r) == 12);
}

TEST_CASE("a field changing size is incompatible; same size, other type is a warning") {
    auto wider = record("demo", 8, 4, {u32("size", 0), u32("x", 4)});
    auto narrowed = record("demo", 8, 4, {u32("size", 0), u16("x", 4)}, {{6, 2}});
    CHECK(only(run(with_records({wider}), with_records({narrowed})), "field-size-changed").severity == Severity::Incompatible);
    auto signed_x = record("demo", 8, 4, {u32("size", 0), s32("x", 4)});
    const auto& f = only(run(with_records({wider}), with_records({signed_x})), "field-type-changed");
    CHECK(f.severity == Severity::Warning);
    CHECK(f.old_value == "unsigned int");
    CHECK(f.new_value == "int");
}

TEST_CASE("removing a field is incompatible, renaming it is a warning, putting a reserved field to use is a warning") {
    auto old_rec = record("demo", 12, 4, {u32("size", 0), u32("flags", 4), u32("__reserved", 8)});
    auto removed = record("demo", 12, 4, {u32("size", 0), u32("__reserved", 8)}, {{4, 4}});
    CHECK(only(run(with_records({old_rec}), with_records({removed})), "field-removed").severity == Severity::Incompatible);

    auto renamed = record("demo", 12, 4, {u32("size", 0), u32("options", 4), u32("__reserved", 8)});
    const auto& r1 = only(run(with_records({old_rec}), with_records({renamed})), "field-renamed");
    CHECK(r1.severity == Severity::Warning);
    CHECK(r1.new_value == "options");

    auto used = record("demo", 12, 4, {u32("size", 0), u32("flags", 4), u32("fault_id", 8)});
    const auto& r2 = only(run(with_records({old_rec}), with_records({used})), "reserved-repurposed");
    CHECK(r2.severity == Severity::Warning);
    CHECK(r2.field == "fault_id");
}

TEST_CASE("a field placed in former padding is a warning, one inserted over old fields is incompatible") {
    // 12 bytes used, 4 of tail padding (16 with 8-byte alignment).
    auto old_rec = record("demo", 16, 8, {u64("addr", 0), u32("len", 8)}, {{12, 4}});
    auto filled = record("demo", 16, 8, {u64("addr", 0), u32("len", 8), u32("extra", 12)});
    const auto& f = only(run(with_records({old_rec}), with_records({filled})), "field-added-in-padding");
    CHECK(f.severity == Severity::Warning);
    CHECK(f.new_value == "offset 12");

    auto inserted = record("demo", 16, 8, {u64("addr", 0), u32("extra", 8), u32("len", 12)});
    auto r = run(with_records({old_rec}), with_records({inserted}));
    CHECK(only(r, "field-inserted").severity == Severity::Incompatible);
    CHECK(only(r, "field-moved").field == "len");
}

TEST_CASE("a shrunk struct and a changed alignment are incompatible") {
    auto shrunk = record("demo_alloc", 8, 4, {u32("size", 0), u32("id", 4)});
    auto r = run(with_records({base()}), with_records({shrunk}));
    CHECK(only(r, "struct-shrunk").severity == Severity::Incompatible);
    CHECK(only(r, "alignment-changed").old_value == "align 8");
    CHECK(only(r, "field-removed").field == "data");
}

TEST_CASE("enum constants: a new one is compatible, a changed or removed one is incompatible, a reused flag bit is incompatible") {
    auto old_enum = enumeration("demo_flags", {{"DEMO_A", 1}, {"DEMO_B", 2}});
    auto added = enumeration("demo_flags", {{"DEMO_A", 1}, {"DEMO_B", 2}, {"DEMO_C", 4}});
    CHECK(only(run(with_enums({old_enum}), with_enums({added})), "new-constant").severity == Severity::Compatible);

    auto changed = enumeration("demo_flags", {{"DEMO_A", 1}, {"DEMO_B", 8}});
    const auto& c = only(run(with_enums({old_enum}), with_enums({changed})), "enum-constant-changed");
    CHECK(c.old_value == "2");
    CHECK(c.new_value == "8");

    auto removed = enumeration("demo_flags", {{"DEMO_A", 1}});
    CHECK(only(run(with_enums({old_enum}), with_enums({removed})), "enum-constant-removed").field == "DEMO_B");

    auto reused = enumeration("demo_flags", {{"DEMO_A", 1}, {"DEMO_NEW", 2}});
    auto r = run(with_enums({old_enum}), with_enums({reused}));
    const auto& f = only(r, "flag-bit-reused");
    CHECK(f.severity == Severity::Incompatible);
    CHECK(f.old_value == "DEMO_B");
    CHECK(f.message == "new flag uses bit 1 (2), which meant DEMO_B before");  // 2 == 1 << 1
}

TEST_CASE("findings about an enum constant point at the constant's line; a new alias of a flag reuses no bit") {
    // Lines counted by hand in the fixture. Each constant is indented by one
    // tab, so its name starts in column 2; the enums are at lines 8 and 21.
    ir::Manifest v1 = testing::scan_enum_lines({}), v2 = testing::scan_enum_lines({"UAPIKIT_ENUM_V2"});
    auto r = analysis::diff({"v1", &v1}, {"v2", &v2});
    auto line_of = [&](const std::string& kind, const std::string& constant) {
        analysis::Finding f = about(r, kind, constant);
        CHECK(f.origin.file == "linux/uapikit_enum_lines.h");
        CHECK(f.origin.column == 2);
        return f.origin.line;
    };
    CHECK(line_of("new-constant", "EL_FLAG_D") == 15);
    CHECK(line_of("flag-bit-reused", "EL_FLAG_E") == 16);
    // The old bit's owner is the flag, not its alias EL_FLAG_PAREN_C.
    CHECK(about(r, "flag-bit-reused", "EL_FLAG_E").old_value == "EL_FLAG_C");
    // EL_FLAG_OLD_A = EL_FLAG_A: the same bit, named twice on purpose.
    CHECK(line_of("new-constant", "EL_FLAG_OLD_A") == 17);
    CHECK(line_of("enum-constant-changed", "EL_MODE_AUTO") == 25);  // the new side's line
    CHECK(line_of("enum-constant-removed", "EL_MODE_SLOW") == 28);  // the old side's line
    CHECK(r.findings.size() == 5);
}

TEST_CASE("ioctl numbers: a changed number and a removed command are incompatible, a new command is compatible") {
    Abi old_abi = with_macros({ioctl_macro("DEMO_CMD", 0x80), ioctl_macro("DEMO_OTHER", 0x81)});
    Abi renumbered = with_macros({ioctl_macro("DEMO_CMD", 0x90), ioctl_macro("DEMO_OTHER", 0x81)});
    const auto& f = only(run(old_abi, renumbered), "ioctl-number-changed");
    CHECK(f.old_value == "0x3b80");
    CHECK(f.new_value == "0x3b90");

    Abi dropped = with_macros({ioctl_macro("DEMO_CMD", 0x80)});
    CHECK(only(run(old_abi, dropped), "command-removed").record == "DEMO_OTHER");

    Abi more = old_abi;
    more.macros.push_back(ioctl_macro("DEMO_THIRD", 0x82));
    auto r = run(old_abi, more);
    CHECK(only(r, "new-command").severity == Severity::Compatible);
    CHECK(analysis::exit_status(r) == 4);
}

TEST_CASE("a BIT() macro turned into an enum constant is reported as now evaluating") {
    ir::Macro broken;
    broken.name = "DEMO_FLAG";
    broken.error = "call to undeclared function 'BIT'";
    auto fixed = enumeration("demo_flags", {{"DEMO_FLAG", 1}});
    auto r = run(with_macros({broken}), with_enums({fixed}));
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].kind == "macro-now-evaluates");
}

TEST_CASE("a partial new side: what it does not describe is not compared, not removed") {
    auto other = record("demo_other", 8, 4, {u32("size", 0), u32("id", 4)});
    Abi full = with_records({base(), other});
    Abi partial = with_records({base()});
    partial.partial = true;
    auto r = run(full, partial);
    CHECK(r.findings.empty());
    REQUIRE(r.not_covered.size() == 1);
    CHECK(r.not_covered[0].name == "demo_other");
    CHECK(r.not_covered[0].only_in == "old");

    // Without the partial mark the same absence is a removal.
    partial.partial = false;
    CHECK(only(run(full, partial), "struct-removed").severity == Severity::Incompatible);
}

TEST_CASE("a header only one side scanned: not compared, unless both sides are whole trees (--whole-trees)") {
    // The old tree has linux/gone.h, the new one linux/fresh.h instead (its
    // struct of another layout, so not a rename); both have linux/demo.h.
    auto in_header = [](ir::Record r, const std::string& file) {
        r.origin.file = file;
        return r;
    };
    ir::Manifest o = manifest(with_records({base(), in_header(record("gone_args", 8, 4, {u32("size", 0), u32("id", 4)}), "linux/gone.h")}));
    ir::Manifest n = manifest(with_records({base(), in_header(record("fresh_args", 16, 8, {u32("size", 0), u32("flags", 4), u64("data", 8)}), "linux/fresh.h")}));
    o.targets["x86_64-linux-gnu"].headers = {"linux/demo.h", "linux/gone.h"};
    n.targets["x86_64-linux-gnu"].headers = {"linux/demo.h", "linux/fresh.h"};

    auto scans = analysis::diff({"old", &o}, {"new", &n});
    CHECK(scans.findings.empty());
    CHECK(scans.not_covered.size() == 2);

    analysis::DiffOptions trees;
    trees.whole_trees = true;
    auto r = analysis::diff({"old", &o}, {"new", &n}, trees);
    CHECK(r.not_covered.empty());
    auto removed = only(r, "struct-removed");
    CHECK(removed.record == "gone_args");
    CHECK(removed.severity == Severity::Incompatible);
    auto added = only(r, "new-struct");
    CHECK(added.record == "fresh_args");
    CHECK(added.severity == Severity::Compatible);

    // A header that is in the new tree but did not compile there is not a
    // removal, whole trees or not: nothing of it was read.
    n.targets["x86_64-linux-gnu"].headers.push_back("linux/gone.h");
    n.targets["x86_64-linux-gnu"].errors.push_back({"linux/gone.h", "gone.h:1:1: error: unknown type name"});
    for (const auto& options : {analysis::DiffOptions{}, trees}) {
        auto broken = analysis::diff({"old", &o}, {"new", &n}, options);
        CHECK(std::none_of(broken.findings.begin(), broken.findings.end(),
                           [](const auto& f) { return f.kind == "struct-removed"; }));
        CHECK(std::any_of(broken.not_covered.begin(), broken.not_covered.end(),
                          [](const auto& c) { return c.name == "gone_args"; }));
    }
}

TEST_CASE("a header the old tree does not have (scanned with --keep-going, not found) is new, not left out") {
    // linux/iommufd.h against Linux 6.1, which has no such header.
    auto in_header = [](ir::Record r, const std::string& file) {
        r.origin.file = file;
        return r;
    };
    ir::Manifest o = manifest(with_records({base()}));
    ir::Manifest n = manifest(with_records({base(), in_header(record("fresh_args", 8, 4, {u32("size", 0), u32("id", 4)}), "linux/fresh.h")}));
    auto& old_target = o.targets["x86_64-linux-gnu"];
    old_target.headers = {"linux/demo.h", "linux/fresh.h"};
    old_target.header_files = {"/old/include/linux/demo.h", ""};
    old_target.errors.push_back({"linux/fresh.h", "header 'linux/fresh.h' not found in /old/include"});
    n.targets["x86_64-linux-gnu"].headers = {"linux/demo.h", "linux/fresh.h"};

    auto r = analysis::diff({"old", &o}, {"new", &n});
    CHECK(only(r, "new-struct").record == "fresh_args");
    CHECK(r.not_covered.empty());

    // Found but not compiling is another matter: nothing of it was read.
    old_target.header_files = {"/old/include/linux/demo.h", "/old/include/linux/fresh.h"};
    old_target.errors = {{"linux/fresh.h", "fresh.h:3:1: error: unknown type name"}};
    auto broken = analysis::diff({"old", &o}, {"new", &n});
    CHECK(broken.findings.empty());
    CHECK(broken.not_covered.size() == 1);
}

TEST_CASE("a header that compiled before and does not now is incompatible, at the error's line") {
    ir::Manifest o = manifest(with_records({base()}));
    ir::Manifest n = manifest(with_records({}));
    for (auto* m : {&o, &n}) m->targets["x86_64-linux-gnu"].headers = {"linux/demo.h"};
    n.targets["x86_64-linux-gnu"].header_files = {"/tmp/work/headers/x86/include/linux/demo.h"};
    n.targets["x86_64-linux-gnu"].errors = {
        {"linux/demo.h", "/tmp/work/headers/x86/include/linux/demo.h:82:2: error: unknown type name 'foo_t'"}};
    auto r = analysis::diff({"old", &o}, {"new", &n});
    auto broken = only(r, "header-no-longer-compiles");
    CHECK(broken.severity == Severity::Incompatible);
    CHECK(broken.record == "linux/demo.h");
    CHECK(broken.origin.file == "linux/demo.h");
    CHECK(broken.origin.line == 82);
    CHECK(broken.origin.column == 2);
    CHECK(broken.message.find("(linux/demo.h:82:2: error: unknown type name 'foo_t')") != std::string::npos);
    CHECK(broken.message.find("/tmp/work") == std::string::npos);  // a work folder that is gone after the check
    // Its declarations are not compared: no removal besides.
    CHECK(r.findings.size() == 1);

    // Failing on both sides (a header that needs the C library) is no change.
    o.targets["x86_64-linux-gnu"].errors = {{"linux/demo.h", "linux/demo.h:3:10: error: 'sys/socket.h' file not found"}};
    CHECK(analysis::diff({"old", &o}, {"new", &n}).findings.empty());
}

TEST_CASE("a header that stops compiling takes what it included with it: not compared, not removed") {
    // linux/demo.h includes asm-generic/ioctl.h (_IOC_NRBITS, 8 in every
    // Linux) and linux/posix_types.h. Broken on the new side, it reads
    // neither there: nothing of theirs was removed.
    auto in_header = [](ir::Record r, const std::string& file) {
        r.origin.file = file;
        return r;
    };
    ir::Macro nrbits;
    nrbits.name = "_IOC_NRBITS";
    nrbits.origin = {"asm-generic/ioctl.h", 23, 9};
    nrbits.value = ir::Integer{false, 8};
    Abi old_abi = with_records({base(), in_header(record("demo_fd_set", 128, 8, {u64("fds_bits", 0)}), "linux/posix_types.h")});
    old_abi.macros = {nrbits};
    ir::Manifest o = manifest(old_abi);
    ir::Manifest n = manifest(with_records({}));
    for (auto* m : {&o, &n}) m->targets["x86_64-linux-gnu"].headers = {"linux/demo.h"};
    n.targets["x86_64-linux-gnu"].errors = {{"linux/demo.h", "linux/demo.h:5:2: error: unknown type name '__u3'"}};

    auto r = analysis::diff({"old", &o}, {"new", &n});
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].kind == "header-no-longer-compiles");
    auto left_out = [&](const std::string& name) {
        return std::any_of(r.not_covered.begin(), r.not_covered.end(), [&](const auto& c) { return c.name == name; });
    };
    CHECK(left_out("_IOC_NRBITS"));
    CHECK(left_out("demo_fd_set"));
    CHECK(left_out("demo_alloc"));

    // A second header, which still compiles, reads asm-generic/ioctl.h on
    // the new side: what that file lacks there now was removed.
    ir::Macro typebits = nrbits;
    typebits.name = "_IOC_TYPEBITS";
    for (auto* m : {&o, &n}) m->targets["x86_64-linux-gnu"].headers.push_back("linux/other.h");
    n.targets["x86_64-linux-gnu"].macros = {typebits};
    auto reached = analysis::diff({"old", &o}, {"new", &n});
    CHECK(std::any_of(reached.findings.begin(), reached.findings.end(),
                      [](const auto& f) { return f.kind == "macro-removed" && f.record == "_IOC_NRBITS"; }));
    CHECK(std::none_of(reached.findings.begin(), reached.findings.end(),
                       [](const auto& f) { return f.record == "demo_fd_set"; }));
}

TEST_CASE("a new side narrowed to some headers: what the old side has from headers it never reached is not compared") {
    // The old side is a whole tree: linux/demo.h, and linux/kvm.h, which
    // brings asm/kvm.h. The new side scanned linux/demo.h alone (abi-ci
    // --header), so it never read asm/kvm.h, nor linux/kvm.h.
    auto in_header = [](ir::Record r, const std::string& file) {
        r.origin.file = file;
        return r;
    };
    auto kvm_regs = in_header(record("kvm_regs", 8, 8, {u64("rax", 0)}), "asm/kvm.h");
    auto kvm_run = in_header(record("kvm_run", 8, 8, {u64("exit_reason", 0)}), "linux/kvm.h");
    ir::Manifest o = manifest(with_records({base(), kvm_regs, kvm_run}));
    ir::Manifest n = manifest(with_records({base()}));
    o.targets["x86_64-linux-gnu"].headers = {"linux/demo.h", "linux/kvm.h"};
    n.targets["x86_64-linux-gnu"].headers = {"linux/demo.h"};

    // The new side scanned a strict subset of the old side's headers: narrowed.
    auto subset = analysis::diff({"old", &o}, {"new", &n});
    CHECK(subset.findings.empty());
    CHECK(subset.not_covered.size() == 2);

    // The header it scanned is one the old tree lacks (linux/iommufd.h
    // against a 6.1 baseline): only DiffOptions::new_narrowed tells.
    n.targets["x86_64-linux-gnu"].headers = {"linux/demo.h", "linux/later.h"};
    auto unmarked = analysis::diff({"old", &o}, {"new", &n});
    CHECK(only(unmarked, "struct-removed").record == "kvm_regs");
    analysis::DiffOptions narrowed;
    narrowed.new_narrowed = true;
    auto marked = analysis::diff({"old", &o}, {"new", &n}, narrowed);
    CHECK(marked.findings.empty());
    CHECK(marked.not_covered.size() == 2);

    // What the narrowed side did reach is still compared: asm/kvm.h read
    // there without kvm_regs means kvm_regs was removed.
    n.targets["x86_64-linux-gnu"].records.push_back(in_header(record("kvm_sregs", 8, 8, {u64("cr0", 0)}), "asm/kvm.h"));
    auto reached = analysis::diff({"old", &o}, {"new", &n}, narrowed);
    CHECK(only(reached, "struct-removed").record == "kvm_regs");
}

TEST_CASE("a version built on the other one still reports its removals even when partial") {
    auto other = record("demo_other", 8, 4, {u32("size", 0), u32("id", 4)});
    Abi old_abi = with_records({base(), other});
    old_abi.partial = true;
    Abi new_abi = with_records({base()});
    new_abi.partial = true;
    ir::Manifest o = manifest(old_abi), n = manifest(new_abi);
    auto siblings = analysis::diff({"old", &o}, {"new", &n});
    CHECK(siblings.findings.empty());
    auto lineage = analysis::diff({"old", &o}, {"new", &n}, {true});
    CHECK(only(lineage, "struct-removed").record == "demo_other");
}

TEST_CASE("the same change on several targets is one finding listing each target once") {
    auto grown = base();
    grown.size = 24;
    grown.fields.push_back(u64("extra", 16));
    ir::Manifest o = manifest(with_records({base()}), {"x86_64-linux-gnu", "i386-linux-gnu"});
    ir::Manifest n = manifest(with_records({grown}), {"x86_64-linux-gnu", "i386-linux-gnu"});
    auto r = analysis::diff({"old", &o}, {"new", &n});
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].targets == std::vector<std::string>{"x86_64-linux-gnu", "i386-linux-gnu"});
}

TEST_CASE("incompatible plus compatible findings give exit status 12") {
    auto grown = base();
    grown.size = 24;
    grown.fields.push_back(u64("extra", 16));
    Abi old_abi = with_records({base()});
    old_abi.macros = {ioctl_macro("DEMO_CMD", 0x80)};
    Abi new_abi = with_records({grown});
    new_abi.macros = {ioctl_macro("DEMO_CMD", 0x81)};
    CHECK(analysis::exit_status(run(old_abi, new_abi)) == 12);
}

TEST_CASE("sides scanned for different targets are refused") {
    ir::Manifest o = manifest(with_records({base()}), {"x86_64-linux-gnu"});
    ir::Manifest n = manifest(with_records({base()}), {"x86_64-linux-gnu", "i386-linux-gnu"});
    CHECK_THROWS_AS(analysis::diff({"old", &o}, {"new", &n}), InputError);
}

TEST_CASE("findings come in header order: file, line, column, then record, field and kind") {
    // The rules run removals first and lints last; a reader wants the
    // header from top to bottom. Lines: a new command at 2, demo at 10 with
    // extra (added in its tail padding) at 14, the flags enum at 30, and
    // three commands sharing line 40, which their names then order.
    auto old_rec = record("demo", 16, 8, {u64("addr", 0), u32("len", 8)}, {{12, 4}});
    auto new_rec = record("demo", 16, 8, {u64("addr", 0), u32("len", 8), u32("extra", 12)});
    new_rec.fields[2].line = 14;
    new_rec.fields[2].column = 8;
    ir::Macro early = ioctl_macro("DEMO_NEW_A", 0x83);
    early.origin.line = 2;
    Abi old_abi = with_records({old_rec});
    old_abi.enums = {enumeration("demo_flags", {{"DEMO_A", 1}, {"DEMO_B", 2}})};
    old_abi.macros = {ioctl_macro("DEMO_OLD", 0x80)};
    Abi new_abi = with_records({new_rec});
    new_abi.enums = {enumeration("demo_flags", {{"DEMO_A", 1}, {"DEMO_B", 2}, {"DEMO_C", 4}})};
    new_abi.macros = {ioctl_macro("DEMO_Z", 0x82), ioctl_macro("DEMO_Y", 0x81), early};

    auto r = run(old_abi, new_abi);
    std::vector<std::string> order;
    for (const auto& f : r.findings)
        order.push_back(std::to_string(f.origin.line) + " " + f.record + (f.field.empty() ? "" : "." + f.field) + " " + f.kind);
    CHECK(order == std::vector<std::string>{"2 DEMO_NEW_A new-command", "14 demo.extra field-added-in-padding",
                                            "30 demo_flags.DEMO_C new-constant", "40 DEMO_OLD command-removed",
                                            "40 DEMO_Y new-command", "40 DEMO_Z new-command"});

    // The text report keeps that order, one line per finding, then the count.
    std::string text = analysis::to_text(r);
    std::vector<std::string> places;
    for (std::size_t at = 0; at < text.size();) {
        std::size_t end = text.find('\n', at);
        std::string line = text.substr(at, end - at);
        places.push_back(line.substr(0, line.find(": ")));
        at = end + 1;
    }
    CHECK(places == std::vector<std::string>{"linux/demo.h:2:9", "linux/demo.h:14:8", "linux/demo.h:30:6",
                                             "linux/demo.h:40:9", "linux/demo.h:40:9", "linux/demo.h:40:9",
                                             "6 findings"});

    // The same two sides given in another order report the same sequence.
    std::reverse(new_abi.macros.begin(), new_abi.macros.end());
    CHECK(analysis::to_text(run(old_abi, new_abi)) == text);
}
