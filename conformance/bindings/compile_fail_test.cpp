// Misuse of the typed layer must not compile. Each file in compile_fail/
// compiles as written (so the harness itself is sound) and fails with
// -DUAPIKIT_MISUSE, with a diagnostic matching its "// expect:" line.
#include "../support/run_command.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

namespace {

std::vector<std::string> compiler() {
    std::vector<std::string> argv;
    std::istringstream words(required_env("UAPIKIT_CXX"));
    for (std::string w; words >> w;) argv.push_back(w);
    return argv;
}

uapikit::testing::CommandResult compile(const fs::path& source, bool misuse) {
    auto argv = compiler();
    argv.insert(argv.end(), {"-std=c++20", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-I",
                             required_env("UAPIKIT_INCLUDE"), source.string()});
    if (misuse) argv.push_back("-DUAPIKIT_MISUSE");
    return run_command(argv);
}

}  // namespace

TEST_CASE("every misuse fails to compile with the expected diagnostic") {
    int cases = 0;
    for (const auto& entry : fs::directory_iterator(required_env("UAPIKIT_COMPILE_FAIL_DIR"))) {
        if (entry.path().extension() != ".cpp") continue;
        std::ifstream in(entry.path());
        std::string first;
        std::getline(in, first);
        INFO(entry.path().filename().string());
        REQUIRE(first.rfind("// expect: ", 0) == 0);
        std::regex expected(first.substr(11));

        auto fine = compile(entry.path(), false);
        INFO("as written:\n" << fine.err);
        CHECK(fine.exit_code == 0);

        auto bad = compile(entry.path(), true);
        INFO("with -DUAPIKIT_MISUSE:\n" << bad.err);
        CHECK(bad.exit_code != 0);
        CHECK(std::regex_search(bad.err, expected));
        ++cases;
    }
    CHECK(cases >= 16);
}
