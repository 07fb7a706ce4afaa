#!/usr/bin/env python3
"""Prints the table of the fake's semantic cases for docs/fake-semantics.md,
from the case names in conformance/fake/*_test.cpp ("area: what -> ERRNO
[source]"). With --check FILE, exits 1 when FILE does not contain it."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASE = re.compile(r'(?:FAKE_CASE|TEST_CASE)\("([^"]+)"\)')
SOURCES = {
    "facts": "uapi-facts.md section {}",
    "seed": "seed {} (../shared/seeds)",
    "kernel": "kernel uapi documentation",
}


def rows():
    for path in sorted((ROOT / "conformance" / "fake").glob("*_test.cpp")):
        for name in CASE.findall(path.read_text()):
            m = re.match(r"(.*?)(?: -> ([A-Z0-9]+))? \[(\w+) ?([\d.]*)\]$", name)
            if not m:
                raise SystemExit(f"{path.name}: case name without [source]: {name}")
            what, errno, kind, ref = m.groups()
            source = SOURCES[kind].format(ref) if kind in SOURCES else kind
            yield what, errno or "success", source


def table():
    lines = ["| case | errno | expectation from |", "|---|---|---|"]
    lines += [f"| {w} | {e} | {s} |" for w, e, s in rows()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        text = pathlib.Path(sys.argv[2]).read_text()
        if table() not in text:
            print(f"{sys.argv[2]} is out of date: run scripts/fake_semantics_table.py and paste its table")
            sys.exit(1)
        print(f"{len(list(rows()))} cases listed")
    else:
        sys.stdout.write(table())
