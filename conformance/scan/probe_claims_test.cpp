// Which first-round parse evaluates which file's macros.
#include "scan/probe_claims.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <vector>

using namespace uapikit::scan;
using Closure = std::vector<std::filesystem::path>;

namespace {

HeaderScan result(FileSet included, FileSet unresolved = {}, std::string failed_in = {}) {
    HeaderScan h;
    h.included = std::move(included);
    h.unresolved = std::move(unresolved);
    if (!failed_in.empty()) {
        h.error = uapikit::ir::HeaderError{"h", failed_in + ":1:1: error: no"};
        h.failed_in = failed_in;
    }
    return h;
}

}  // namespace

TEST_CASE("up front, each file goes to the first header whose closure holds it") {
    ProbeClaims claims;
    CHECK(claims.claim_unclaimed(0, {"a.h", "b.h"}) == FileSet{"a.h", "b.h"});
    CHECK(claims.claim_unclaimed(1, {"b.h", "c.h"}) == FileSet{"c.h"});
}

TEST_CASE("a file its holder reported stays with it") {
    ProbeClaims claims;
    FileSet mine = claims.claim_unclaimed(0, {"a.h"});
    claims.settle(0, mine, result({"a.h"}));
    CHECK(claims.claim_released(1, {"a.h"}).empty());
}

TEST_CASE("a file left unresolved, or held by a header that failed, goes to the next header that starts") {
    ProbeClaims claims;
    FileSet first = claims.claim_unclaimed(0, {"a.h", "b.h"});
    FileSet second = claims.claim_unclaimed(1, {"c.h", "d.h"});
    claims.settle(0, first, result({"a.h", "b.h"}, {"a.h"}));
    claims.settle(1, second, result({"c.h"}, {}, "x.h"));
    CHECK(claims.claim_released(2, {"a.h", "b.h", "c.h"}) == FileSet{"a.h", "c.h"});
    // Once claimed again, it is not handed out twice.
    CHECK(claims.claim_released(3, {"a.h", "c.h"}).empty());
}

TEST_CASE("a released file does not go back to a header before its releaser") {
    ProbeClaims claims;
    claims.claim_unclaimed(0, {"x.h"});
    FileSet held = claims.claim_unclaimed(1, {"a.h"});
    claims.settle(1, held, result({"a.h"}, {"a.h"}));
    CHECK(claims.claim_released(0, {"a.h"}).empty());
    CHECK(claims.claim_released(2, {"a.h"}) == FileSet{"a.h"});
}

TEST_CASE("a file the parse did not open is not released") {
    // Closures hold every branch of every #if: asm/unistd_32.h on x86_64.
    ProbeClaims claims;
    FileSet held = claims.claim_unclaimed(0, {"a.h", "unistd_32.h"});
    claims.settle(0, held, result({"a.h"}));
    CHECK(claims.claim_released(1, {"unistd_32.h"}).empty());
}

TEST_CASE("a header that includes where an earlier header failed takes nothing released") {
    ProbeClaims claims;
    FileSet held = claims.claim_unclaimed(0, {"if.h", "a.h"});
    claims.settle(0, held, result({"if.h", "a.h"}, {}, "if.h"));
    CHECK(claims.claim_released(1, {"if.h", "a.h"}).empty());
    CHECK(claims.claim_released(2, {"a.h"}) == FileSet{"a.h"});
}
