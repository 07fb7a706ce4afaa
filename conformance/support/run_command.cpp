#include "run_command.hpp"

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace uapikit::testing {
namespace {

std::string slurp_fd(int fd) {
    std::string out;
    lseek(fd, 0, SEEK_SET);
    char buf[65536];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    return out;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv) {
    // Output goes to unlinked temporary files, so large outputs cannot
    // dead-lock on a full pipe.
    FILE* out_file = std::tmpfile();
    FILE* err_file = std::tmpfile();
    CommandResult result;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fileno(out_file), 1);
        dup2(fileno(err_file), 2);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = slurp_fd(fileno(out_file));
    result.err = slurp_fd(fileno(err_file));
    std::fclose(out_file);
    std::fclose(err_file);
    return result;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string required_env(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) {
        std::cerr << "environment variable " << name << " is not set (run through meson test)\n";
        std::exit(2);
    }
    return v;
}

std::filesystem::path scratch_dir(const std::string& suite, const std::string& name) {
    // The per-process folders go when the suite's program ends, so runs do
    // not pile up in the temporary folder. (Children that run_command forks
    // exec or _exit, and never run this.)
    struct Roots {
        std::set<std::filesystem::path> made;
        ~Roots() {
            std::error_code ignored;
            for (const auto& root : made) std::filesystem::remove_all(root, ignored);
        }
    };
    static Roots roots;
    static int made = 0;
    const auto root = std::filesystem::temp_directory_path() / ("uapikit-" + suite + "-" + std::to_string(getpid()));
    roots.made.insert(root);
    const auto dir = root / (name.empty() ? std::to_string(++made) : name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace uapikit::testing
