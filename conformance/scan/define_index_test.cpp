// The lexical pre-pass that picks macro names to probe.
#include "scan/define_index.hpp"
#include "../support/run_command.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace uapikit::scan;

namespace {
fs::path write_temp(const std::string& name, const std::string& text) {
    static const fs::path dir = uapikit::testing::scratch_dir("define-index", "files");
    fs::create_directories(dir / fs::path(name).parent_path());
    std::ofstream(dir / name) << text;
    return dir / name;
}
}  // namespace

TEST_CASE("continued lines and comments are joined before reading a #define") {
    auto file = write_temp("a.h",
                           "#define ONE 1 /* a comment */\n"
                           "#define TWO \\\n  (ONE + \\\n   1)\n"
                           "#define THREE 3 /* spans\n lines */\n"
                           "# define  SPACED  4 // trailing\n"
                           "#define FUNC(x) (x)\n"
                           "#define EMPTY\n");
    HeaderText text = read_header_text(file);
    REQUIRE(text.object_like_defines.size() == 5);
    CHECK(text.object_like_defines[0].body == "1");
    CHECK(text.object_like_defines[1].name == "TWO");
    CHECK(text.object_like_defines[1].body == "(ONE + 1)");
    CHECK(text.object_like_defines[2].body == "3");
    CHECK(text.object_like_defines[3].name == "SPACED");
    CHECK(text.object_like_defines[3].body == "4");
    CHECK(text.object_like_defines[4].name == "EMPTY");  // FUNC is function-like: left out
}

TEST_CASE("what is worth probing") {
    CHECK(worth_probing({"A", "(1 << 3)"}));
    CHECK(worth_probing({"A", "BIT(0)"}));
    CHECK(worth_probing({"A", "sizeof(struct foo)"}));
    CHECK(worth_probing({"A", "_IOW(';', 1, struct foo)"}));
    CHECK_FALSE(worth_probing({"A", ""}));
    CHECK_FALSE(worth_probing({"A", "\"text\""}));
    CHECK_FALSE(worth_probing({"A", "__u64 __attribute__((aligned(8)))"}));
    CHECK_FALSE(worth_probing({"A", "struct foo"}));
    CHECK_FALSE(worth_probing({"A", "do { } while (0)"}));
    // Self-defined over an enum constant, so userspace can #ifdef it.
    CHECK(worth_probing({"A", "A"}));
    // Tags inside integer expressions: offsetof, alignof, a member's address.
    CHECK(worth_probing({"A", "offsetof(struct foo, name)"}));
    CHECK(worth_probing({"A", "__builtin_offsetof(struct foo, name)"}));
    CHECK(worth_probing({"A", "__alignof__(struct foo)"}));
    CHECK(worth_probing({"A", "_Alignof(union foo)"}));
    CHECK(worth_probing({"A", "((long)&((struct foo *)0)->bar)"}));
    CHECK(worth_probing({"A", "WRAP_IOR(0x01, struct foo)"}));
    CHECK_FALSE(worth_probing({"A", "union foo"}));
    CHECK_FALSE(worth_probing({"A", "enum foo"}));
}

TEST_CASE("ioctl builders are recognised by name") {
    CHECK(builds_ioctl_number("_IO(';', 0x80)"));
    CHECK(builds_ioctl_number("_IOWR (KVMIO, 1, struct x)"));
    CHECK(builds_ioctl_number("_IOR_BAD(1, 2, int)"));
    CHECK_FALSE(builds_ioctl_number("_IOC_NONE"));
    CHECK_FALSE(builds_ioctl_number("MY_IO(1)"));
}

TEST_CASE("the include closure follows quoted and angled includes once each") {
    auto root = write_temp("inc/linux/top.h", "#include <linux/mid.h>\n#include \"local.h\"\n#include <stdlib.h>\n")
                    .parent_path()
                    .parent_path();
    write_temp("inc/linux/mid.h", "#include <linux/top.h>\n#include <asm/arch.h>\n");
    write_temp("inc/linux/local.h", "#define LOCAL 1\n");
    write_temp("inc/asm/arch.h", "#define ARCH 2\n");
    DefineIndex index;
    auto files = index.closure(root / "linux/top.h", {root});
    CHECK(files.size() == 4);  // top, mid, local, asm/arch; stdlib.h is not in the tree
}

TEST_CASE("character literals do not hide an integer body") {
    CHECK(worth_probing({"IOMMUFD_TYPE", "(';')"}));
    CHECK(worth_probing({"A", "_IO(';', 0x80)"}));
    CHECK(worth_probing({"A", "'\\''"}));
    CHECK_FALSE(worth_probing({"A", "';' ; x"}));
}

TEST_CASE("plain integer literals are recognised, expressions are not") {
    CHECK(is_plain_integer_literal("0x80"));
    CHECK(is_plain_integer_literal("(1024)"));
    CHECK(is_plain_integer_literal("( 0755 )"));
    CHECK(is_plain_integer_literal("4294967295UL"));
    CHECK_FALSE(is_plain_integer_literal("(-1)"));
    CHECK_FALSE(is_plain_integer_literal("(1 << 3)"));
    CHECK_FALSE(is_plain_integer_literal("';'"));
    CHECK_FALSE(is_plain_integer_literal("FOO"));
    CHECK_FALSE(is_plain_integer_literal("(1)+(2)"));
}

TEST_CASE("files with the same contents share one reading, files that differ do not") {
    // Every architecture's tree has the same linux/ headers at other paths.
    auto a = write_temp("x86/linux/same.h", "#define SAME 1\n");
    auto b = write_temp("arm/linux/same.h", "#define SAME 1\n");
    auto c = write_temp("s390/linux/same.h", "#define SAME 2\n");
    DefineIndex index;
    auto ta = index.get(a), tb = index.get(b), tc = index.get(c);
    CHECK(ta == tb);
    CHECK(ta != tc);
    REQUIRE(tc->object_like_defines.size() == 1);
    CHECK(tc->object_like_defines[0].body == "2");
    CHECK(index.get(a) == ta);  // and a path is read once
}
