// Which first-round parse evaluates which file's macros. Each file goes to
// the first header, in input order, whose include closure holds it: the
// merge keeps the first report in input order anyway, so one evaluation
// per file gives the manifest that evaluating everywhere would give, at a
// fraction of the parse time.
//
// That header may not report the file: it does not compile alone, or
// something it includes later #undefs or redefines one of the file's
// macros. Then the file is released, and the next header whose parse
// starts after that, with the file in its closure, evaluates it in the
// same round, instead of a later round parsing a header again for it.
// Which header that is depends on timing; the macro rounds (see
// macro_rounds.hpp) make the manifest the same whatever it is.
#pragma once

#include "scan/file_set.hpp"
#include "scan/header_scan.hpp"

#include <cstddef>
#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace uapikit::scan {

class ProbeClaims {
public:
    // Up front, for each header in input order: the files of its closure
    // that no earlier header holds.
    FileSet claim_unclaimed(std::size_t header, const std::vector<std::filesystem::path>& closure);

    // When the header's parse starts: the files of its closure that an
    // earlier header has released. None for a header that includes a file
    // where an earlier header's error was (linux/if.h needs
    // <sys/socket.h>): it would most likely fail the same way and report
    // nothing, and a wrong guess only costs the rounds a parse.
    FileSet claim_released(std::size_t header, const std::vector<std::filesystem::path>& closure);

    // When the header's parse ends: releases the files it could not report
    // because it failed or because a definition was gone by its end.
    void settle(std::size_t header, const FileSet& probed, const HeaderScan& result);

private:
    struct Claim {
        std::size_t header;  // who holds it, or who released it
        enum class State { Held, Settled, Released } state;
    };

    std::mutex mutex_;
    std::unordered_map<std::string, Claim> claims_;
    FileSet failing_;  // uapi files where some header's first error was
};

}  // namespace uapikit::scan
