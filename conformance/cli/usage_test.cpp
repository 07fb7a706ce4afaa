// uapikit-gen's command line as a new user meets it: a misspelled command,
// a missing argument or file, and the help that says what exit statuses
// mean. Every usage error exits 2, prints nothing on stdout and names the
// --help that explains the command it happened in.
#include "../support/run_command.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using uapikit::testing::CommandResult;
using uapikit::testing::required_env;
using uapikit::testing::run_command;

namespace {

CommandResult gen(std::vector<std::string> args) {
    args.insert(args.begin(), required_env("UAPIKIT_GEN"));
    return run_command(args);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void usage_error(const CommandResult& r, const std::string& help) {
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(has(r.err, "Run '" + help + " --help' for usage."));
}

}  // namespace

TEST_CASE("usage: an unknown command is named, with the list of commands") {
    auto r = gen({"dif", "linux-7.1", "proposed"});
    usage_error(r, "uapikit-gen");
    CHECK(has(r.err, "unknown command 'dif'"));
    CHECK(has(r.err, "scan, check, diff, emit, emit-tests, emit-calls, report, abi"));
}

TEST_CASE("usage: an unknown subcommand of abi is named with abi's own commands") {
    auto r = gen({"abi", "verfy"});
    usage_error(r, "uapikit-gen abi");
    CHECK(has(r.err, "unknown command 'verfy' for 'uapikit-gen abi'"));
    CHECK(has(r.err, "list, update, verify, path"));
}

TEST_CASE("usage: no command at all says so") {
    auto r = gen({});
    usage_error(r, "uapikit-gen");
    CHECK(has(r.err, "no command given"));
}

TEST_CASE("usage: a missing argument points at that command's --help") {
    usage_error(gen({"diff", "linux-7.1"}), "uapikit-gen diff");
    usage_error(gen({"scan", "linux/iommufd.h"}), "uapikit-gen scan");  // no -o
    usage_error(gen({"report", "linux-7.1", "--bogus"}), "uapikit-gen report");
}

TEST_CASE("usage: a missing manifest file is called missing, not an unknown version") {
    fs::path missing = fs::temp_directory_path() / "uapikit-no-such-dir" / "old.json";
    auto r = gen({"diff", missing.string(), "linux-7.1"});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(has(r.err, missing.string() + ": no such file"));
    auto version = gen({"check", "linux-7-1"});
    CHECK(version.exit_code == 2);
    CHECK(has(version.err, "unknown ABI version 'linux-7-1'"));
    CHECK(has(version.err, "linux-7.1"));  // the known ones are listed
}

TEST_CASE("usage: a --jobs that is not a whole number of 0 or more says what it wants") {
    for (const char* bad : {"-1", "x", "1.5"}) {
        auto r = gen({"scan", "linux/iommufd.h", "-o", "/tmp/unused.json", "-j", bad});
        usage_error(r, "uapikit-gen scan");
        CHECK(has(r.err, std::string("--jobs: '") + bad + "' is not a number of parallel parses"));
    }
    auto r = gen({"abi", "verify", "-j", "-2"});
    usage_error(r, "uapikit-gen abi verify");
    CHECK(has(r.err, "--jobs: '-2' is not a number of parallel parses"));
    CHECK(!fs::exists("/tmp/unused.json"));
}

TEST_CASE("usage: every command's --help ends with its exit statuses") {
    for (const char* command : {"scan", "check", "diff", "report", "abi"}) {
        auto r = gen({command, "--help"});
        INFO(command);
        CHECK(r.exit_code == 0);
        CHECK(has(r.out, "Exit status"));
    }
}

TEST_CASE("abi path: a version's manifest, or the folder of versions") {
    auto r = gen({"abi", "path", "linux-7.1"});
    CHECK(r.exit_code == 0);
    fs::path printed = r.out.substr(0, r.out.find('\n'));
    CHECK(printed.filename() == "manifest.json");
    CHECK(printed.parent_path().filename() == "linux-7.1");
    CHECK(fs::exists(printed));
    auto unknown = gen({"abi", "path", "linux-9"});
    CHECK(unknown.exit_code == 2);
    CHECK(has(unknown.err, "unknown ABI version 'linux-9'"));
}

TEST_CASE("usage: an include clang cannot find says where such headers come from") {
    // A source tree's include/uapi: linux/ is there, asm/ is not (it lives
    // per architecture and comes together only in headers_install output).
    fs::path tree = fs::temp_directory_path() / "uapikit-usage-source-tree";
    fs::create_directories(tree / "linux");
    std::ofstream(tree / "linux" / "hint.h") << "#include <asm/hint_types.h>\nstruct hint { int a; };\n";
    std::ofstream(tree / "linux" / "other.h") << "#include <linux/types.h>\n";
    const fs::path out = tree / "out.json";
    auto asm_missing = gen({"scan", "linux/hint.h", "-I", tree.string(), "--target", "x86_64-linux-gnu", "-o", out.string()});
    INFO(asm_missing.err);
    CHECK(asm_missing.exit_code == 2);
    CHECK(has(asm_missing.err, "linux/hint.h:1:10: error: 'asm/hint_types.h' file not found (asm/ headers exist only in "
                               "`make headers_install` output"));
    // A header given by its path, with no -I for what it includes.
    auto no_include = gen({"scan", (tree / "linux" / "other.h").string(), "--target", "x86_64-linux-gnu", "-o", out.string()});
    INFO(no_include.err);
    CHECK(no_include.exit_code == 2);
    CHECK(has(no_include.err, "'linux/types.h' file not found (give -I the folder that holds linux/"));
    CHECK_FALSE(fs::exists(out));
    fs::remove_all(tree);
}

TEST_CASE("usage: a name without .json is a version; a manifest file of that name beside it is pointed out") {
    // The user scanned into linux-7.1.json and forgot the extension: the kit's
    // linux-7.1 is used, and a note says the file was not.
    fs::path dir = fs::temp_directory_path() / "uapikit-usage-json-beside";
    fs::create_directories(dir);
    fs::copy_file(required_env("UAPIKIT_ABI_DIR") + "/linux-7.1/manifest.json", dir / "linux-7.1.json",
                  fs::copy_options::overwrite_existing);
    fs::copy_file(dir / "linux-7.1.json", dir / "mine.json", fs::copy_options::overwrite_existing);
    const fs::path previous = fs::current_path();
    fs::current_path(dir);
    auto version = gen({"check", "linux-7.1"});
    auto unknown = gen({"check", "mine"});
    fs::current_path(previous);
    INFO(version.err);
    CHECK(has(version.err, "note: 'linux-7.1' is the kit's ABI version of that name; the manifest linux-7.1.json was not read"));
    INFO(unknown.err);
    CHECK(unknown.exit_code == 2);
    CHECK(has(unknown.err, "unknown ABI version 'mine', and no file of that name exists (did you mean the manifest mine.json?)"));
    fs::remove_all(dir);
}
