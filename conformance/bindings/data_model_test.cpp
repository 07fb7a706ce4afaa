// emit's table of C scalar sizes and in-struct alignments per target
// (generator/src/emit/data_model.cpp) against clang: for each target, one
// C translation unit puts each type after a char in a struct and checks
// where the compiler places it.
#include "../support/run_command.hpp"
#include "emit/data_model.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

TEST_CASE("every entry of the data model is where clang puts the type, on every target") {
    const char* targets[] = {"x86_64-linux-gnu",  "i386-linux-gnu",        "aarch64-linux-gnu", "arm-linux-gnueabihf",
                             "riscv64-linux-gnu", "powerpc64le-linux-gnu", "s390x-linux-gnu"};
    const char* types[] = {"char",      "signed char",        "unsigned char", "_Bool",  "short",       "unsigned short",
                           "int",       "unsigned int",       "float",         "long",   "unsigned long", "long long",
                           "unsigned long long", "double",    "long double",   "__int128", "unsigned __int128"};
    fs::path dir = fs::temp_directory_path() / ("uapikit-data-model-" + std::to_string(getpid()));
    fs::create_directories(dir);
    int checked = 0;
    for (const char* target : targets) {
        std::ofstream tu(dir / "probe.c");
        tu << "#include <stddef.h>\n";
        int n = 0;
        for (const char* type : types) {
            auto layout = uapikit::emit::scalar_layout(target, type);
            if (!layout) {
                // Only 32-bit targets lack __int128.
                CHECK(std::string(type).find("__int128") != std::string::npos);
                continue;
            }
            tu << "struct p" << n << " { char c; " << type << " x; };\n"
               << "_Static_assert(sizeof(" << type << ") == " << layout->size << ", \"" << type << ": size\");\n"
               << "_Static_assert(offsetof(struct p" << n << ", x) == " << layout->align << ", \"" << type << ": align\");\n";
            ++n;
            ++checked;
        }
        auto pointer = uapikit::emit::scalar_layout(target, "*");
        REQUIRE(pointer);
        tu << "struct pp { char c; void* x; };\n_Static_assert(offsetof(struct pp, x) == " << pointer->align
           << ", \"pointer\");\n_Static_assert(sizeof(void*) == " << pointer->size << ", \"pointer\");\n";
        tu.close();
        auto r = run_command({required_env("UAPIKIT_CLANGXX"), "-x", "c", std::string("--target=") + target, "-ffreestanding",
                              "-fsyntax-only", (dir / "probe.c").string()});
        INFO(target << ":\n" << r.err);
        CHECK(r.exit_code == 0);
    }
    CHECK(checked == 7 * 17 - 2 * 2);  // all but __int128 on i386 and arm
    fs::remove_all(dir);
}
