// The reader that turns header text into logical preprocessor lines.
#include "scan/directive_lines.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using uapikit::scan::directive_lines;
using Lines = std::vector<std::string>;

TEST_CASE("only lines that start with # are kept, whatever the blanks before it") {
    CHECK(directive_lines("int x;\n#define A 1\n  \t# include <b.h>\nstruct y;\n") ==
          Lines{"#define A 1", "  \t# include <b.h>"});
    CHECK(directive_lines("").empty());
    CHECK(directive_lines("#define LAST 2") == Lines{"#define LAST 2"});  // no final newline
}

TEST_CASE("a comment becomes one space and may span lines") {
    CHECK(directive_lines("#define A /* one */ 1\n") == Lines{"#define A   1"});
    CHECK(directive_lines("#define B 2 /* spans\n two lines */ + 1\n") == Lines{"#define B 2   + 1"});
    // A comment before the # does not stop the line from being a directive.
    CHECK(directive_lines("/* lead */ #define C 3\n") == Lines{"  #define C 3"});
    // A directive-looking line inside a comment is not one.
    CHECK(directive_lines("/*\n#define HIDDEN 1\n*/\n#define SEEN 2\n") == Lines{"#define SEEN 2"});
}

TEST_CASE("a // comment ends the line, and a backslash-newline joins two") {
    CHECK(directive_lines("#define D 4 // note\n#define E 5\n") == Lines{"#define D 4 ", "#define E 5"});
    CHECK(directive_lines("#define F \\\n  (1 + \\\n   2)\n") == Lines{"#define F    (1 +     2)"});
    // A continued ordinary line stays ordinary, and its next line is still read.
    CHECK(directive_lines("int a = \\\n 1;\n#define G 6\n") == Lines{"#define G 6"});
}

TEST_CASE("a lone slash or backslash is plain text") {
    CHECK(directive_lines("#define H (8 / 2)\n") == Lines{"#define H (8 / 2)"});
    CHECK(directive_lines("#define I '\\\\'\n") == Lines{"#define I '\\\\'"});
}

TEST_CASE("an unterminated comment ends the text, keeping the line it opened in") {
    CHECK(directive_lines("#define J 1 /* never closed\n#define K 2\n") == Lines{"#define J 1 "});
}
