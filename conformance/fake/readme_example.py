#!/usr/bin/env python3
"""Writes the README's fake example (the C++ block after the line
"<!-- readme_example: ... -->") to OUTPUT, for the test suite to build:
the example a reader copies is the code the suite compiles and runs.

Usage: readme_example.py README.md OUTPUT.cpp"""
import pathlib
import re
import sys

readme, output = map(pathlib.Path, sys.argv[1:3])
m = re.search(r"<!-- readme_example:[^\n]*-->\n```cpp\n(.*?)\n```", readme.read_text(), re.S)
if not m:
    sys.exit(f"{readme}: no C++ block after the readme_example marker")
output.write_text(f"// Generated from {readme.name} by {pathlib.Path(__file__).name}; edit the README.\n" + m.group(1) + "\n")
