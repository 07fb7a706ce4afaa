// `uapikit-gen diff`: compares two versions target by target and classifies
// every change by the rules in docs/abi-rules.md.
#pragma once

#include "analysis/finding.hpp"

#include <string>

namespace uapikit::analysis {

struct LabelledManifest {
    std::string label;  // version name or file, used in notes
    const ir::Manifest* manifest = nullptr;
};

struct DiffOptions {
    // NEW is OLD plus changes (its version is based_on OLD, directly or not):
    // a partial NEW then still covers everything OLD describes, so what it
    // lacks was removed and what it adds is new.
    bool new_descends_from_old = false;
    // Each side is every uapi header of its kernel tree (abi-ci's git mode):
    // a header only one side scanned is one the other tree does not have, so
    // its declarations were added or removed, not left out of the scan.
    // (A header that did not compile on one side is never compared.)
    bool whole_trees = false;
    // NEW scanned only some headers of the tree OLD describes more of
    // (abi-ci --header against a whole-tree baseline): a file NEW neither
    // scanned nor reached says nothing about it, so what OLD has from there
    // is not compared. Implied when NEW scanned a strict subset of OLD's
    // headers; this also covers a header OLD's tree did not have yet.
    bool new_narrowed = false;
};

// Throws InputError when the two sides were scanned for different targets.
Report diff(const LabelledManifest& old_side, const LabelledManifest& new_side, const DiffOptions& options = {});

}  // namespace uapikit::analysis
