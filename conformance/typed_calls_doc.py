#!/usr/bin/env python3
"""The C++ types docs/typed-calls.md's roles table names must be the ones the
generated calls really use.

Each template named in the table's "parameter" and "returned" columns
(`name<...>`) must occur, as `name<`, in a generated calls header: a role
whose parameter type changed in the generator (std::span -> array_view,
std::vector -> owned_array) then fails here until the table follows.

Usage: typed_calls_doc.py docs/typed-calls.md GENERATED_CALLS.hpp..."""
import re
import sys


def roles_rows(doc):
    rows, inside = [], False
    for line in doc.splitlines():
        if line.startswith("| role |"):
            inside = True
            continue
        if inside:
            if not line.startswith("|"):
                break
            if set(line) <= set("|- "):
                continue
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows.append(cells)
    return rows


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    doc = open(argv[1], encoding="utf-8").read()
    generated = "".join(open(p, encoding="utf-8").read() for p in argv[2:])
    rows = roles_rows(doc)
    if not rows:
        print(f"{argv[1]}: no roles table found", file=sys.stderr)
        return 1
    bad = 0
    for role, parameter, returned, _ in rows:
        for column in (parameter, returned):
            for code in re.findall(r"`([^`]*)`", column):
                for name in re.findall(r"([A-Za-z_][\w:]*)<", code):
                    bare = name.split("::")[-1]
                    if not re.search(r"(?<![\w])(::)?(uapikit::)?" + re.escape(name) + "<", generated) and \
                       not (name == bare and re.search(r"::" + re.escape(bare) + "<", generated)):
                        print(f"{argv[1]}: role {role}: `{code}` names {name}<...>, "
                              f"which no generated call uses", file=sys.stderr)
                        bad += 1
    print(f"{len(rows)} roles checked, {bad} stale type names")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
