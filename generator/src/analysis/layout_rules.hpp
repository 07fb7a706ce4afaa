// The judging half of comparing one record on one target: small named
// rules that turn a RecordDelta into findings. Each rule is one function
// and one entry in docs/abi-rules.md ("Records").
#pragma once

#include "analysis/finding.hpp"
#include "analysis/record_delta.hpp"

#include <string>
#include <vector>

namespace uapikit::analysis {

// What a rule may need to know beyond the two layouts.
struct RecordContext {
    // The kernel takes the record's length from the caller and zero-extends
    // it: a leading size/argsz field, or a family in caller_sized_records().
    bool caller_sized = false;
    // The record has no name in C (an unnamed member's type): changes to its
    // kind or spelling cannot break sources.
    bool unnamed = false;
    // On the 32-bit target of a compat pair: the same record on the 64-bit
    // target, old and new (nullptr otherwise, or when it is missing there).
    const LayoutView* wide_old = nullptr;
    const LayoutView* wide_new = nullptr;
    std::string wide_target;
    // Records that hold this one by value or as an array and whose own
    // layout changed with it (the holding member moved, or the holder's
    // alignment changed along with its size).
    std::vector<std::string> embedded_in;
    // The records of each side, to compare a member's record type by layout
    // when its name changed (a renamed struct).
    RecordLookup old_records;
    RecordLookup new_records;
};

// Findings in the order to print them: a root cause (the inserted,
// removed or resized member) before the members it pushed.
std::vector<Finding> judge_record(const RecordDelta& delta, const RecordContext& context);

// Where a member is declared (its own line when the manifest has it, else
// its record's).
ir::Origin origin_of(const ir::Record& record, const ir::Field& field);

// The same size, alignment and members at the same places, on two targets
// or two versions.
bool same_layout(const ir::Record& a, const ir::Record& b);

// The same size and alignment, and the same data members (named, not
// reserved) at the same bits: what a caller can observe. Explicit padding
// fields may differ.
// `with_align` false: a 32-bit target may keep a lower alignment for the
// same bytes (a 4-byte aligned __u64 on i386).
bool same_data_layout(const LayoutView& a, const LayoutView& b, bool with_align = true);

// A leading __u32 size (iommufd) or argsz (VFIO) field, or a record in
// caller_sized_records().
bool takes_length_from_caller(const ir::Record& record);

}  // namespace uapikit::analysis
