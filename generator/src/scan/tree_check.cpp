#include "scan/tree_check.hpp"

#include "util/errors.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>

namespace uapikit::scan {
namespace fs = std::filesystem;
namespace {

// A file of each architecture's uapi asm/ that no other architecture's
// headers_install tree has (checked on the Linux 6.1 and 6.12 trees of the
// six architectures; each file is older than 6.1, except riscv's
// hwprobe.h, from 6.4, which an older riscv tree simply lacks).
struct Marker {
    std::string_view arch;
    std::string_view file;
};
constexpr std::array<Marker, 6> kMarkers = {{
    {"x86", "asm/bootparam.h"},
    {"arm64", "asm/sve_context.h"},
    {"arm", "asm/unistd-eabi.h"},
    {"riscv", "asm/hwprobe.h"},
    {"powerpc", "asm/epapr_hcalls.h"},
    {"s390", "asm/chsc.h"},
}};

// What the right asm/ headers give for each target.
//  - __BITS_PER_LONG is the width of long: 32 on i386 and arm, else 64.
//  - _IOC_SIZEBITS/_IOC_DIRBITS: 13/3 on powerpc
//    (arch/powerpc/include/uapi/asm/ioctl.h), 14/2 elsewhere
//    (include/uapi/asm-generic/ioctl.h).
//  - __NR_read, from each architecture's syscall table: 0 on x86_64
//    (arch/x86/entry/syscalls/syscall_64.tbl), 63 where the generic table
//    is used (arm64, riscv: include/uapi/asm-generic/unistd.h), 3 on i386,
//    arm EABI, powerpc and s390 (their syscall.tbl files).
struct Expected {
    std::string_view triple;
    long long bits_per_long, ioc_sizebits, ioc_dirbits, nr_read;
};
constexpr std::array<Expected, 7> kExpected = {{
    {"x86_64-linux-gnu", 64, 14, 2, 0},
    {"i386-linux-gnu", 32, 14, 2, 3},
    {"aarch64-linux-gnu", 64, 14, 2, 63},
    {"arm-linux-gnueabihf", 32, 14, 2, 3},
    {"riscv64-linux-gnu", 64, 14, 2, 63},
    {"powerpc64le-linux-gnu", 64, 13, 3, 3},
    {"s390x-linux-gnu", 64, 14, 2, 3},
}};

constexpr const char* kProbeNames[] = {"uapikit_bits_per_long", "uapikit_ioc_sizebits", "uapikit_ioc_dirbits",
                                       "uapikit_nr_read"};
constexpr const char* kProbeSource =
    "#if __has_include(<asm/bitsperlong.h>) && __has_include(<asm/ioctl.h>) && __has_include(<asm/unistd.h>)\n"
    "#include <asm/bitsperlong.h>\n"
    "#include <asm/ioctl.h>\n"
    "#include <asm/unistd.h>\n"
    "enum { uapikit_bits_per_long = __BITS_PER_LONG, uapikit_ioc_sizebits = _IOC_SIZEBITS,\n"
    "       uapikit_ioc_dirbits = _IOC_DIRBITS, uapikit_nr_read = __NR_read };\n"
    "#endif\n";

std::string advice() {
    return "give each target its own `make headers_install` tree, e.g. -I 'DIR/{arch}/include' with one "
           "DIR/<arch>/include per kernel ARCH";
}

[[noreturn]] void refuse(const fs::path& dir, const Target& target, const std::string& why) {
    throw input_error("include folder '" + dir.string() + "' " + why + ", not those of ARCH " +
                      std::string(target.kernel_arch) + ", which target " + std::string(target.triple) +
                      " needs: " + advice());
}

// The values the probe enum got, in kProbeNames order; nothing when the
// folder lacks the headers or they do not evaluate.
std::optional<std::array<long long, 4>> evaluate(clang::Index& index, const std::vector<std::string>& clang_args) {
    clang::TranslationUnit tu(index, {"uapikit-tree-check.c", kProbeSource}, clang_args, {});
    if (!tu.errors().empty()) return std::nullopt;
    std::array<long long, 4> values{};
    std::size_t found = 0;
    for (const auto& top : tu.root().children()) {
        if (top.kind() != clang::CursorKind::Enum) continue;
        for (const auto& c : top.children()) {
            for (std::size_t i = 0; i < values.size(); ++i)
                if (c.spelling() == kProbeNames[i]) {
                    values[i] = static_cast<long long>(c.enum_value().bits);
                    ++found;
                }
        }
    }
    if (found != values.size()) return std::nullopt;
    return values;
}

}  // namespace

void check_tree_architecture(clang::Index& index, const Target& target, const std::vector<fs::path>& include_dirs,
                             const std::vector<std::string>& clang_args) {
    std::error_code ec;
    const fs::path* tree = nullptr;
    for (const auto& dir : include_dirs)
        if (fs::is_directory(dir / "asm", ec)) {
            tree = &dir;
            break;
        }
    if (!tree) return;

    const Marker* holds = nullptr;
    for (const Marker& m : kMarkers)
        if (fs::exists(*tree / m.file, ec)) {
            if (holds) return;  // markers of two architectures: not one headers_install tree; nothing to say
            holds = &m;
        }
    if (holds && holds->arch != target.kernel_arch)
        refuse(*tree, target, "holds the asm/ headers of ARCH " + std::string(holds->arch) + " (it has " +
                                  std::string(holds->file) + ")");

    const Expected* expected = nullptr;
    for (const auto& e : kExpected)
        if (e.triple == target.triple) expected = &e;
    if (!expected) return;
    auto values = evaluate(index, clang_args);
    if (!values) return;
    const std::array<long long, 4> want = {expected->bits_per_long, expected->ioc_sizebits, expected->ioc_dirbits,
                                           expected->nr_read};
    const char* what[] = {"__BITS_PER_LONG", "_IOC_SIZEBITS", "_IOC_DIRBITS", "__NR_read"};
    for (std::size_t i = 0; i < want.size(); ++i)
        if ((*values)[i] != want[i])
            refuse(*tree, target, "has asm/ headers that give " + std::string(what[i]) + " = " +
                                      std::to_string((*values)[i]) + " for this target (expected " +
                                      std::to_string(want[i]) + "): they are another architecture's");
}

}  // namespace uapikit::scan
