// The walk that decides which header reports each file's macros.
#include "scan/macro_rounds.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace uapikit::scan;

namespace {

// A header's first-round result: which files it opened, whether it compiled.
HeaderScan opened(FileSet files, bool compiles = true) {
    HeaderScan h;
    h.included = std::move(files);
    if (!compiles) h.error = uapikit::ir::HeaderError{"h", "h:1:1: error: no"};
    return h;
}

// What one round evaluated: `probed` by header, and which of those files
// each header left unresolved.
struct Round {
    std::vector<FileSet> probed;
    std::vector<HeaderScan> results;
};

Round round_of(const std::vector<HeaderScan>& first, std::vector<FileSet> probed, std::vector<FileSet> unresolved = {}) {
    Round r{std::move(probed), first};
    unresolved.resize(first.size());
    for (std::size_t h = 0; h < first.size(); ++h) r.results[h].unresolved = unresolved[h];
    return r;
}

}  // namespace

TEST_CASE("a file reported by its first opener needs no more rounds") {
    std::vector<HeaderScan> first = {opened({"a.h"}), opened({"a.h"})};
    MacroRounds rounds(first);
    Round r = round_of(first, {{"a.h"}, {}});
    rounds.record(r.probed, r.results);
    for (const auto& files : rounds.next()) CHECK(files.empty());
}

TEST_CASE("an unresolved file goes to the next header that opened it, skipping those that did not compile") {
    std::vector<HeaderScan> first = {opened({"a.h"}), opened({"a.h"}, false), opened({"b.h"}), opened({"a.h"})};
    MacroRounds rounds(first);
    Round r = round_of(first, {{"a.h"}, {}, {"b.h"}, {}}, {{"a.h"}});
    rounds.record(r.probed, r.results);
    auto next = rounds.next();
    CHECK(next[0].empty());
    CHECK(next[1].empty());  // did not compile
    CHECK(next[2].empty());  // never opened a.h
    CHECK(next[3] == FileSet{"a.h"});

    Round again = round_of(first, next);
    rounds.record(again.probed, again.results);
    for (const auto& files : rounds.next()) CHECK(files.empty());
}

TEST_CASE("a file evaluated out of order still walks from its first opener") {
    // Header 1 evaluated a.h in the first round, but header 0 opened it
    // too and comes first: its report is the one that counts.
    std::vector<HeaderScan> first = {opened({"a.h"}), opened({"a.h"})};
    MacroRounds rounds(first);
    Round r = round_of(first, {{}, {"a.h"}});
    rounds.record(r.probed, r.results);
    auto next = rounds.next();
    CHECK(next[0] == FileSet{"a.h"});
    CHECK(next[1].empty());

    // Header 0 leaves it unresolved: header 1 has already evaluated it and
    // reported all of it, so the walk ends there without another parse.
    Round again = round_of(first, next, {{"a.h"}});
    rounds.record(again.probed, again.results);
    for (const auto& files : rounds.next()) CHECK(files.empty());
}

TEST_CASE("a file nobody can report ends when its openers run out, and all of them count") {
    std::vector<HeaderScan> first = {opened({"a.h"}), opened({"a.h"})};
    MacroRounds rounds(first);
    Round r = round_of(first, {{"a.h"}, {"a.h"}}, {{"a.h"}, {"a.h"}});
    rounds.record(r.probed, r.results);
    for (const auto& files : rounds.next()) CHECK(files.empty());
    CHECK(rounds.counts(0, "a.h"));
    CHECK(rounds.counts(1, "a.h"));
}

TEST_CASE("a probed file the header did not open is not an evaluation") {
    std::vector<HeaderScan> first = {opened({}), opened({"a.h"})};
    MacroRounds rounds(first);
    Round r = round_of(first, {{"a.h"}, {}});
    rounds.record(r.probed, r.results);
    auto next = rounds.next();
    CHECK(next[0].empty());
    CHECK(next[1] == FileSet{"a.h"});
}

TEST_CASE("once finished, only the walked headers' reports count") {
    // a.h: header 0 leaves it unresolved, header 1 reports it all, and
    // header 2 evaluated it too, early, in the first round.
    std::vector<HeaderScan> first = {opened({"a.h", "b.h"}), opened({"a.h"}), opened({"a.h", "b.h"})};
    MacroRounds rounds(first);
    Round r = round_of(first, {{"a.h"}, {"a.h"}, {"a.h", "b.h"}}, {{"a.h"}});
    rounds.record(r.probed, r.results);
    auto next = rounds.next();
    // b.h was evaluated only by header 2, after header 0 opened it: header 0 is next.
    CHECK(next[0] == FileSet{"b.h"});
    Round again = round_of(first, next);
    rounds.record(again.probed, again.results);
    for (const auto& files : rounds.next()) CHECK(files.empty());

    CHECK(rounds.counts(0, "a.h"));
    CHECK(rounds.counts(1, "a.h"));
    CHECK_FALSE(rounds.counts(2, "a.h"));  // past the end of a.h's walk
    CHECK(rounds.counts(0, "b.h"));
    CHECK_FALSE(rounds.counts(2, "b.h"));  // evaluated early, but header 0 reported all of b.h
    CHECK_FALSE(rounds.counts(0, "c.h"));  // nobody opened it
    auto uncounted = rounds.uncounted();
    CHECK(uncounted[0].empty());
    CHECK(uncounted[1].empty());
    CHECK(uncounted[2] == FileSet{"a.h", "b.h"});
}
