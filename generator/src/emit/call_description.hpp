// The reviewed description of an ioctl family that the typed calls are
// generated from (abi/surface/calls/*.json): for each command, the role of
// each field of its argument struct. The role grammar is in
// docs/typed-calls.md; this file only reads and checks it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace uapikit::emit {

struct FieldRole {
    enum class Direction { None, In, Out, InOut };
    enum class Kind {
        Zero,       // must be 0: not a parameter
        Scalar,     // the field's own integer type
        Id,         // an object id of one kind, several kinds (any_id) or any destroyable kind
        Enum,       // a generated typed enum
        Flags,      // a generated typed flag set
        As,         // a hand-written C++ enum type (viommu_type)
        Fd,         // a file descriptor
        Address,    // caller memory given as a pointer (IOAS_MAP's user_va)
        Array,      // std::span<const raw element>; its count field says "count"
        Vector,     // an output array the call sizes by asking twice (grow on an errno)
        Bytes,      // const_bytes: caller memory the kernel reads
        Buffer,     // mutable_bytes: caller memory the kernel writes
        Span,       // std::span<scalar>: a buffer of scalars the kernel writes
        Entries,    // entries: an array of driver-typed, fixed-size entries
        Count,      // the number of elements of the array field `target`
        EntrySize,  // the size of one entry of the entries field `target`
        Length,     // the size in bytes of the bytes/buffer field `target`
    };
    Direction direction = Direction::None;
    Kind kind = Kind::Zero;
    std::vector<std::string> ids;  // Id: id kinds, or {"any"}
    std::string type;              // Enum/Flags: C enum; As: C++ type; Array/Vector/Span: element
    std::string target;            // Count/EntrySize/Length: the field it describes
    std::string grow_errno;        // Vector: the errno that means "too small"
    std::string text;              // as written, for messages

    bool is_input() const { return direction == Direction::In || direction == Direction::InOut; }
    bool is_output() const { return direction == Direction::Out || direction == Direction::InOut; }
};

struct EnumNaming {
    std::string type;                   // the C++ enum class
    std::vector<std::string> prefixes;  // stripped from constant names, first match
    bool flags = false;
    // Macros that join the enum's values when the version defines them: the
    // selftest driver's types, which iommufd_test.h defines beside the enum.
    std::vector<std::string> also;
};

struct CommandDescription {
    std::string about;
    std::string hand_written;  // non-empty: no generated call (why, and where instead)
    std::vector<std::string> params;  // parameter order, when not the fields' order
    // Each field's roles in order of preference: the first whose enum the
    // version has is used (a flags field that is typed in one version and
    // must be 0 in another).
    std::map<std::string, std::vector<FieldRole>> fields;
    std::string request_struct;  // for families without a command table: the argument struct ("" = none)
    std::string returns;         // "value": the ioctl's return value is the result
    std::string arg;             // without a struct: the name of the integer the request takes, "" for none
    std::optional<std::string> size_field;  // overrides the family's
};

struct CallDescription {
    std::string file;
    std::string family;
    std::string size_field;    // "size", "argsz" or "" (the request encodes the size)
    std::string strip_prefix;  // from request names to function names
    std::vector<std::string> includes;  // hand-written headers the roles' `as` types come from
    std::map<std::string, std::string> ids;  // kind -> C++ id type
    std::map<std::string, EnumNaming> enums;
    std::map<std::string, CommandDescription> commands;  // by request macro
};

// Throws InputError naming `file` and the command or field at fault.
CallDescription read_call_description(const std::string& file);

}  // namespace uapikit::emit
