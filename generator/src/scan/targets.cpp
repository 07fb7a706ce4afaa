#include "scan/targets.hpp"

namespace uapikit::scan {

const std::vector<Target>& supported_targets() {
    static const std::vector<Target> targets = {
        {"x86_64-linux-gnu", "x86", "defined(__x86_64__) && !defined(__ILP32__)"},
        {"i386-linux-gnu", "x86", "defined(__i386__)"},
        {"aarch64-linux-gnu", "arm64", "defined(__aarch64__) && !defined(__ILP32__)"},
        {"arm-linux-gnueabihf", "arm", "defined(__arm__) && defined(__ARM_PCS_VFP)"},
        {"riscv64-linux-gnu", "riscv", "defined(__riscv) && __riscv_xlen == 64"},
        {"powerpc64le-linux-gnu", "powerpc", "defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)"},
        {"s390x-linux-gnu", "s390", "defined(__s390x__)"},
    };
    return targets;
}

const Target* find_target(std::string_view triple) {
    for (const Target& t : supported_targets())
        if (t.triple == triple) return &t;
    return nullptr;
}

std::string supported_target_list() {
    std::string out;
    for (const Target& t : supported_targets()) {
        if (!out.empty()) out += ", ";
        out += t.triple;
    }
    return out;
}

namespace {
void replace_all(std::string& s, std::string_view from, std::string_view to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
}
}  // namespace

std::string expand_include_dir(std::string dir, const Target& target) {
    replace_all(dir, "{arch}", target.kernel_arch);
    replace_all(dir, "{triple}", target.triple);
    return dir;
}

std::vector<std::string> clang_arguments(const Target& target, const std::vector<std::string>& include_dirs,
                                         const std::vector<std::string>& defines) {
    std::vector<std::string> args = {"-x", "c", "-std=gnu11", "--target=" + std::string(target.triple),
                                     "-nostdlibinc", "-ferror-limit=0"};
    for (const auto& dir : include_dirs) {
        args.push_back("-I");
        args.push_back(dir);
    }
    for (const auto& define : defines) args.push_back("-D" + define);
    return args;
}

}  // namespace uapikit::scan
