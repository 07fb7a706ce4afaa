// Typed calls generated from a version's command table and the reviewed
// description of its ioctl family: one function per command, taking typed
// ids, typed flags and enums, and caller memory as spans and byte views,
// filling the raw struct (its size field too), issuing the request through
// a backend and returning the outputs or one error naming the request.
#pragma once

#include "emit/call_description.hpp"
#include "emit/static_asserts.hpp"
#include "ir/abi.hpp"

#include <string>

namespace uapikit::emit {

struct CallsOptions {
    std::string raw_namespace;  // the bindings' namespace under uapikit::raw, e.g. "proposed"
    std::string raw_header;     // how to include them, e.g. "uapikit/generated/proposed.hpp"
    std::string name_space;     // where the calls go: "" for uapikit itself, else uapikit::NAME
};

// Throws InputError for a command of the version the description does not
// cover, a field without a role, or a role that does not fit its field.
std::string typed_calls(const ir::Manifest& manifest, const CallDescription& description, const CallsOptions& options,
                        const Provenance& provenance);

}  // namespace uapikit::emit
