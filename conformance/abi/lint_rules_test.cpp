// check's lints on hand-built layouts; expected values are computed by hand
// from the C layout rules (i386 aligns a plain 64-bit integer to 4 bytes).
#include "analysis/lints.hpp"
#include "scan/scan_driver.hpp"
#include "enum_lines_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

using namespace uapikit;

namespace {

ir::Field field(const std::string& name, const std::string& type, const std::string& canonical, std::uint64_t offset,
                std::uint64_t size, std::uint64_t align) {
    return {name, type, canonical, offset * 8, size, align, {}, false, false};
}

ir::Record record(const std::string& name, const std::string& file, std::uint64_t size, std::uint64_t align,
                  std::vector<ir::Field> fields, std::vector<ir::Hole> holes = {}) {
    ir::Record r;
    r.name = name;
    r.origin = {file, 5, 8};
    r.size = size;
    r.align = align;
    r.fields = std::move(fields);
    r.holes = std::move(holes);
    return r;
}

ir::TargetAbi& target(ir::Manifest& m, const std::string& triple) {
    ir::TargetAbi& t = m.targets[triple];
    t.triple = triple;
    t.headers = {"linux/demo.h"};
    return t;
}

std::vector<analysis::Finding> of_kind(const analysis::Report& r, const std::string& kind) {
    std::vector<analysis::Finding> out;
    std::copy_if(r.findings.begin(), r.findings.end(), std::back_inserter(out), [&](const auto& f) { return f.kind == kind; });
    return out;
}

// struct { __u32 size; __u32 flags; __u64 start; __u64 end; __u32 id; }:
// x86_64 puts start at 8, end at 16, id at 24 and pads to 32; i386 packs the
// same offsets into 28 bytes with 4-byte alignment.
void add_map_struct(ir::Manifest& m) {
    auto fields = [](std::uint64_t align64) {
        return std::vector<ir::Field>{field("size", "__u32", "unsigned int", 0, 4, 4),
                                      field("flags", "__u32", "unsigned int", 4, 4, 4),
                                      field("start", "__u64", "unsigned long long", 8, 8, align64),
                                      field("end", "__u64", "unsigned long long", 16, 8, align64),
                                      field("id", "__u32", "unsigned int", 24, 4, 4)};
    };
    target(m, "x86_64-linux-gnu").records.push_back(record("demo_map", "linux/demo.h", 32, 8, fields(8), {{28, 4}}));
    target(m, "i386-linux-gnu").records.push_back(record("demo_map", "linux/demo.h", 28, 4, fields(4)));
}

}  // namespace

TEST_CASE("padding, compat layout and 64-bit alignment of a plain __u64 struct") {
    ir::Manifest m;
    add_map_struct(m);
    auto r = analysis::check(m, {});

    auto padding = of_kind(r, "implicit-padding");
    REQUIRE(padding.size() == 1);
    CHECK(padding[0].targets == std::vector<std::string>{"x86_64-linux-gnu"});
    // Padding is described by its place, not named after a field.
    CHECK(padding[0].field.empty());
    CHECK(padding[0].message.find("4 bytes of implicit tail padding at offset 28, after id") != std::string::npos);

    auto compat = of_kind(r, "compat-layout-differs");
    REQUIRE(compat.size() == 1);
    CHECK(compat[0].targets == std::vector<std::string>{"x86_64-linux-gnu", "i386-linux-gnu"});
    CHECK(compat[0].message.find("size 28 vs 32") != std::string::npos);

    auto unaligned = of_kind(r, "unaligned-64bit-field");
    REQUIRE(unaligned.size() == 2);
    for (const auto& f : unaligned) CHECK(f.targets == std::vector<std::string>{"i386-linux-gnu"});
    CHECK(analysis::exit_status(r) == 4);
}

TEST_CASE("interior padding is named as interior, by the members around it, and located at the next one") {
    ir::Manifest m;
    ir::Field id = field("id", "__u32", "unsigned int", 0, 4, 4), addr = field("addr", "__u64", "unsigned long long", 8, 8, 8);
    addr.line = 14;
    addr.column = 8;
    target(m, "x86_64-linux-gnu").records.push_back(record("demo_gap", "linux/demo.h", 16, 8, {id, addr}, {{4, 4}}));
    auto padding = of_kind(analysis::check(m, {}), "implicit-padding");
    REQUIRE(padding.size() == 1);
    CHECK(padding[0].message.find("interior padding at offset 4, between id and addr") != std::string::npos);
    // Where a reserved field would go: the line of addr, not the struct's.
    CHECK(padding[0].origin.file == "linux/demo.h");
    CHECK(padding[0].origin.line == 14);
    CHECK(padding[0].origin.column == 8);
}

// The suggested declaration must fill the hole exactly: a lone __uN only
// where the hole is N/8 bytes long and starts at a multiple of N/8 (else the
// compiler would move it), bytes otherwise. Each struct below is
// { __u8 head[offset]; } padded by its alignment to offset + size bytes.
TEST_CASE("implicit-padding suggests a reserved field of the hole's size and alignment") {
    struct Case {
        std::uint64_t offset, size;
        const char* declaration;
    };
    const Case cases[] = {
        {9, 1, "(__u8 __reserved)"},       // isst_clos_param: 1 byte after 9
        {258, 2, "(__u16 __reserved)"},    // ipmi_ssif_msg: 2 bytes after 258
        {1, 2, "(__u8 __reserved[2])"},    // 2 bytes, but at an odd offset
        {21, 3, "(__u8 __reserved[3])"},   // kvm_run's iocsr_io: 3 bytes
        {4, 4, "(__u32 __reserved)"},      // the old one-size-fits-all answer
        {2, 4, "(__u8 __reserved[4])"},    // 4 bytes only 2-aligned
        {19, 5, "(__u8 __reserved[5])"},   // isst_perf_level_cpu_mask's tail
        {8, 8, "(__u64 __reserved)"},      // 8 bytes 8-aligned
        {4, 8, "(__u8 __reserved[8])"},    // 8 bytes only 4-aligned
        {16, 16, "(__u8 __reserved[16])"}, // wider than any integer
    };
    for (const Case& c : cases) {
        CAPTURE(c.offset);
        CAPTURE(c.size);
        ir::Manifest m;
        target(m, "x86_64-linux-gnu")
            .records.push_back(record("demo_pad", "linux/demo.h", c.offset + c.size, 8,
                                      {field("head", "__u8[" + std::to_string(c.offset) + "]", "unsigned char[" +
                                             std::to_string(c.offset) + "]", 0, c.offset, 1)},
                                      {{c.offset, c.size}}));
        auto padding = of_kind(analysis::check(m, {}), "implicit-padding");
        REQUIRE(padding.size() == 1);
        CHECK(padding[0].message.find(std::string(": name it ") + c.declaration + " so callers must zero it") !=
              std::string::npos);
    }
}

TEST_CASE("a clean struct gives no findings and exit status 0") {
    ir::Manifest m;
    target(m, "x86_64-linux-gnu").records.push_back(record(
        "demo_ok", "linux/demo.h", 16, 8,
        {field("id", "__u32", "unsigned int", 0, 4, 4), field("__reserved", "__u32", "unsigned int", 4, 4, 4),
         field("addr", "__u64", "unsigned long long", 8, 8, 8)}));
    auto r = analysis::check(m, {});
    CHECK(r.findings.empty());
    CHECK(analysis::exit_status(r) == 0);
}

TEST_CASE("macros that do not evaluate, overlapping flag bits and ABI-dependent types") {
    ir::Manifest m;
    ir::TargetAbi& t = target(m, "x86_64-linux-gnu");
    ir::Macro bit;
    bit.name = "DEMO_FLAG";
    bit.origin = {"linux/demo.h", 3, 9};
    bit.error = "call to undeclared function 'BIT'";
    t.macros.push_back(bit);
    ir::Enum flags;
    flags.name = "demo_flags";
    flags.origin = {"linux/demo.h", 7, 6};
    flags.constants = {{"DEMO_A", {false, 1}}, {"DEMO_B", {false, 2}}, {"DEMO_C", {false, 2}}};
    t.enums.push_back(flags);
    t.records.push_back(record("demo_ptr", "linux/demo.h", 16, 8,
                               {field("len", "unsigned long", "unsigned long", 0, 8, 8),
                                field("buf", "void *", "void *", 8, 8, 8)}));

    auto r = analysis::check(m, {});
    REQUIRE(of_kind(r, "macro-not-evaluable").size() == 1);
    auto overlap = of_kind(r, "flag-bits-overlap");
    REQUIRE(overlap.size() == 1);
    CHECK(overlap[0].field == "DEMO_C");
    CHECK(overlap[0].message.find("DEMO_B") != std::string::npos);
    CHECK(of_kind(r, "abi-dependent-type").size() == 2);
}

TEST_CASE("an alias of a flag is not an overlap; a second flag on a bit is, at its own line") {
    // fixtures/include/linux/uapikit_enum_lines.h: EL_FLAG_OLD_B = EL_FLAG_B
    // (line 12) and EL_FLAG_PAREN_C = (EL_FLAG_C) (line 13) are aliases;
    // the second version adds EL_FLAG_E = 1 << 2 (line 16, column 2 after
    // a tab), EL_FLAG_C's bit, and the alias EL_FLAG_OLD_A = EL_FLAG_A.
    ir::Manifest v1 = testing::scan_enum_lines({}), v2 = testing::scan_enum_lines({"UAPIKIT_ENUM_V2"});

    const auto& constants = v1.targets.at("x86_64-linux-gnu").enums.at(0).constants;
    REQUIRE(constants.size() == 5);
    CHECK(constants[0].alias_of.empty());  // EL_FLAG_A = 1 << 0
    CHECK(constants[3].alias_of == "EL_FLAG_B");
    CHECK(constants[4].alias_of == "EL_FLAG_C");
    CHECK(constants[4].line == 13);
    CHECK(of_kind(analysis::check(v1, {}), "flag-bits-overlap").empty());

    auto overlap = of_kind(analysis::check(v2, {}), "flag-bits-overlap");
    REQUIRE(overlap.size() == 1);
    CHECK(overlap[0].field == "EL_FLAG_E");
    CHECK(overlap[0].message == "uses the same bit as EL_FLAG_C");
    CHECK(overlap[0].origin.file == "linux/uapikit_enum_lines.h");
    CHECK(overlap[0].origin.line == 16);
    CHECK(overlap[0].origin.column == 2);
}

TEST_CASE("headers the scanned ones include are linted only with --all-files") {
    ir::Manifest m;
    ir::TargetAbi& t = target(m, "x86_64-linux-gnu");
    t.records.push_back(record("demo_base", "linux/posix_types.h", 16, 8,
                               {field("id", "__u32", "unsigned int", 0, 4, 4),
                                field("addr", "__u64", "unsigned long long", 8, 8, 8)},
                               {{4, 4}}));
    CHECK(analysis::check(m, {}).findings.empty());
    CHECK(of_kind(analysis::check(m, {true}), "implicit-padding").size() == 1);
}

TEST_CASE("the asm/ half of a scanned linux/ header is in scope") {
    ir::Manifest m;
    ir::TargetAbi& t = target(m, "x86_64-linux-gnu");
    t.headers = {"linux/kvm.h"};
    t.records.push_back(record("kvm_demo", "asm/kvm.h", 8, 8, {field("id", "__u32", "unsigned int", 0, 4, 4)}, {{4, 4}}));
    CHECK(of_kind(analysis::check(m, {}), "implicit-padding").size() == 1);
}

namespace {

// A request macro as scan reports it: _IOW('x', nr, argument), its value
// worked out by hand from the generic <asm-generic/ioctl.h> encoding
// (direction write = 1 << 30 | size << 16 | 'x' (0x78) << 8 | nr).
ir::Macro write_request(const std::string& name, std::uint64_t nr, std::uint64_t size, std::uint64_t value) {
    ir::Macro m;
    m.name = name;
    m.origin = {"linux/demo.h", 9, 9};
    m.value = ir::Integer{true, value};
    m.ioctl = ir::Ioctl{ir::IoctlDir::Write, 'x', nr, size};
    return m;
}

}  // namespace

TEST_CASE("ioctl-compat-number-differs: _IOW(..., long) has another number on i386 than on its x86_64 kernel") {
    ir::Manifest m;
    // _IOW('x', 1, long): sizeof(long) is 4 on i386 and 8 on x86_64, so the
    // numbers are 0x40047801 and 0x40087801. _IOW('x', 2, int) is 0x40047802
    // on both.
    target(m, "i386-linux-gnu").macros = {write_request("DEMO_SET_LONG", 1, 4, 0x40047801),
                                          write_request("DEMO_SET_INT", 2, 4, 0x40047802)};
    target(m, "x86_64-linux-gnu").macros = {write_request("DEMO_SET_LONG", 1, 8, 0x40087801),
                                            write_request("DEMO_SET_INT", 2, 4, 0x40047802)};
    auto r = analysis::check(m, {});
    auto differs = of_kind(r, "ioctl-compat-number-differs");
    REQUIRE(differs.size() == 1);
    CHECK(differs[0].record == "DEMO_SET_LONG");
    CHECK(differs[0].old_value == "0x40047801");
    CHECK(differs[0].new_value == "0x40087801");
    auto targets = differs[0].targets;
    std::sort(targets.begin(), targets.end());
    CHECK(targets == std::vector<std::string>{"i386-linux-gnu", "x86_64-linux-gnu"});
    CHECK(differs[0].message.find("4 vs 8 bytes") != std::string::npos);
    CHECK(analysis::exit_status(r) == 4);

    // A pair that is not a compat pair (aarch64 and x86_64 are both 64-bit
    // kernels) is not compared, whatever the numbers.
    ir::Manifest wide_only;
    target(wide_only, "x86_64-linux-gnu").macros.push_back(write_request("DEMO_SET_LONG", 1, 8, 0x40087801));
    target(wide_only, "aarch64-linux-gnu").macros.push_back(write_request("DEMO_SET_LONG", 1, 4, 0x40047801));
    CHECK(of_kind(analysis::check(wide_only, {}), "ioctl-compat-number-differs").empty());
}
