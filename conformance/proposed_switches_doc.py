#!/usr/bin/env python3
"""The -D switches README.md gives for compiling a C VMM against abi/surface
must be the "defines" of the "proposed" ABI version (abi/proposed/version.json),
which the build passes to conformance/vmm/ the same way: a proposal added,
renamed or bumped there fails here until the README follows.

Usage: proposed_switches_doc.py README.md abi/proposed/version.json"""
import argparse
import json
import re
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("readme")
    parser.add_argument("version_json")
    args = parser.parse_args()
    with open(args.version_json, encoding="utf-8") as f:
        wanted = set(json.load(f)["defines"])
    with open(args.readme, encoding="utf-8") as f:
        given = set(re.findall(r"-D(UAPIKIT_[A-Z0-9_]+=\S+)", f.read()))
    if given == wanted:
        print(f"{len(wanted)} switches agree")
        return 0
    for d in sorted(wanted - given):
        print(f"{args.readme}: missing -D{d} ({args.version_json} defines it)")
    for d in sorted(given - wanted):
        print(f"{args.readme}: -D{d} is not among {args.version_json}'s defines")
    return 1


if __name__ == "__main__":
    sys.exit(main())
