// Refuses a headers_install tree whose asm/ headers belong to another
// architecture than the target's. Such a tree still compiles for the wrong
// target (x86's asm/ headers fall back to their i386 branch for 32-bit
// arm, say), so without this check scan would report wrong layouts
// without a word. The usual cause is one tree given for several targets
// instead of a per-ARCH -I with {arch}.
#pragma once

#include "clang/libclang.hpp"
#include "scan/targets.hpp"

#include <filesystem>
#include <vector>

namespace uapikit::scan {

// Checks the first folder of `include_dirs` that has an asm/ subfolder
// (the one #include <asm/...> reads) against `target`, in two ways:
//  - marker files that exist in exactly one architecture's uapi asm/;
//  - __BITS_PER_LONG, _IOC_SIZEBITS, _IOC_DIRBITS and __NR_read evaluated
//    by clang for the target (the folder's own asm/ headers decide them).
// Throws InputError naming the folder, the architecture it holds and the
// one the target needs. A folder without asm/, or whose asm/ lacks the
// headers the second check reads (a fixture tree), passes.
void check_tree_architecture(clang::Index& index, const Target& target,
                             const std::vector<std::filesystem::path>& include_dirs,
                             const std::vector<std::string>& clang_args);

}  // namespace uapikit::scan
