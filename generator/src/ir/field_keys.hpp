// Which field of a record is which field of the same record on another
// target or in another version. A name alone does not say: every anonymous
// struct or union and every unnamed bitfield has the empty name, so a
// record with two of them (bpf_fib_lookup, perf_event_attr) would pair the
// wrong ones.
#pragma once

#include "ir/abi.hpp"

#include <string>
#include <vector>

namespace uapikit::ir {

// A named field: its name. An anonymous struct or union: its type, whose
// synthetic name ("struct parent::@union(first)") scan derives from what
// the member holds, not from where it sits. An unnamed bitfield: its rank
// among the record's unnamed bitfields. One key per field, in declaration
// order; the keys of one record are distinct.
std::vector<std::string> field_keys(const Record& record);

// The field as a message names it: its name, the last part of an
// anonymous member's synthetic type name ("@union(first)"), or "an unnamed
// bitfield".
std::string field_label(const Field& field);

// The record a type holds by value or as array elements ("struct foo[4]"
// -> "foo"); "" for any other type.
std::string held_record(const std::string& type);

}  // namespace uapikit::ir
