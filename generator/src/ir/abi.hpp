// The intermediate representation between the parser and every emitter.
//
// One TargetAbi holds what the compiler decided for one target triple:
// records with their fields and derived padding holes, enums, and integer
// macros (with ioctl decoding). Emitters and analyses read only this; they
// never see libclang.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace uapikit::ir {

// Where a declaration lives: `file` is relative to the include directory
// that holds it (e.g. "linux/iommufd.h"), so manifests do not depend on
// where a tree was unpacked.
struct Origin {
    std::string file;
    unsigned line = 0;
    unsigned column = 0;
};

struct Field {
    std::string name;            // "" for anonymous members and unnamed bitfields
    std::string type;            // as declared, e.g. "__aligned_u64"
    std::string canonical_type;  // after typedefs, e.g. "unsigned long long"
    std::uint64_t offset_bits = 0;
    std::uint64_t size = 0;      // bytes of the declared type (0 for flexible arrays)
    std::uint64_t align = 0;
    std::optional<unsigned> bit_width;
    bool flexible = false;       // trailing incomplete array
    bool anonymous = false;      // C11 anonymous struct/union member
    // Where the member is declared; 0 when the manifest predates field
    // locations. `file` is set only when it differs from the record's.
    unsigned line = 0;
    unsigned column = 0;
    std::string file{};
};

// Bytes of a record that no field covers: implicit padding.
struct Hole {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    bool operator==(const Hole&) const = default;
};

enum class RecordKind { Struct, Union };

struct Record {
    std::string name;  // tag, typedef, or a synthetic "parent::field" / "parent::@unionN" name
    RecordKind kind = RecordKind::Struct;
    Origin origin;
    std::uint64_t size = 0;
    std::uint64_t align = 0;
    std::vector<Field> fields;
    std::vector<Hole> holes;
};

// An integer constant: enum constants and macros share this.
struct Integer {
    bool is_unsigned = false;
    std::uint64_t bits = 0;  // two's complement when signed
};

struct EnumConstant {
    std::string name;
    Integer value;
    // Where the constant is declared, as for a field: 0 when the manifest
    // predates constant locations; `file` only when it differs from the
    // enum's.
    unsigned line = 0;
    unsigned column = 0;
    std::string file{};
    // For a constant initialised with just another constant of its enum
    // (IFLA_DSA_MASTER = IFLA_DSA_CONDUIT): that name. It is a second name
    // for one value, not a second flag on the same bit.
    std::string alias_of{};
};

struct Enum {
    std::string name;  // tag, typedef, or "@enum:FIRST_CONSTANT" when unnamed
    Origin origin;
    std::string underlying;
    std::vector<EnumConstant> constants;
};

// Invalid: the direction bits match none of the target's four values, as
// when an oversized argument spills into them.
enum class IoctlDir { None, Write, Read, ReadWrite, Invalid };

struct Ioctl {
    IoctlDir dir = IoctlDir::None;
    std::uint64_t type = 0;
    std::uint64_t nr = 0;
    std::uint64_t size = 0;
    // Set only when the argument is larger than the target's size field
    // holds: its real size (the request itself carries only the low bits).
    std::optional<std::uint64_t> argument_size{};
};

struct Macro {
    std::string name;
    Origin origin;
    std::optional<Integer> value;   // set when it evaluates
    std::string error;              // why it does not evaluate (value unset)
    std::optional<Ioctl> ioctl;     // request macros built with _IO/_IOR/_IOW/_IOWR/_IOC
    // For a request macro defined as another macro's name ("#define A B"):
    // that name. Two names of one request are then one command, not a reuse.
    std::string alias_of{};
};

// A header that does not compile on its own, with the compiler's first error.
struct HeaderError {
    std::string header;
    std::string message;
};

struct TargetAbi {
    std::string triple;
    std::vector<std::string> clang_args;  // exactly what the parser was given
    std::vector<std::string> headers;
    // By header: the file that was read, as an -I folder (as given to scan)
    // joined with the name, or the path given; "" when it was not found.
    std::vector<std::string> header_files;
    std::vector<HeaderError> errors;
    std::vector<Record> records;
    std::vector<Enum> enums;
    std::vector<Macro> macros;
};

// One row of the kernel's command table: a request macro, its argument
// struct, and the last field the kernel requires (the struct's min_size is
// where that field ends). Known only from the version's description.
struct Command {
    std::string request;
    std::string record;
    std::string last_required;
};

struct Manifest {
    std::string generator;  // "uapikit-gen VERSION"
    std::string version;    // the abi/ version it was built for; "" for a plain scan
    // The headers describe only part of an interface: a declaration missing
    // here is "not described", not "removed" (see abi/README.md).
    bool partial = false;
    std::vector<Command> commands;
    std::map<std::string, TargetAbi> targets;  // keyed by triple, sorted
};

}  // namespace uapikit::ir
