#!/usr/bin/env bash
# Instructions per call pair through the fake (bench/fake_instructions.cpp),
# counted by valgrind's callgrind, built at -O2 with each compiler. The
# count does not depend on the machine's load; fake_bench.sh's times do.
# Usage: bench/fake_instructions.sh [INCLUDE_DIR] (default: the tree's include/;
#        give another, e.g. from `git archive`, to compare with an older fake)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
include=${1:-$root/include}
command -v valgrind >/dev/null || { echo "fake_instructions.sh: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
out="$root/build/bench-fake"
mkdir -p "$out"
pairs=100000

# Instructions the whole run executes, from callgrind's summary line.
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | awk '/refs:/ {gsub(",", "", $NF); print $NF}'; }

for cxx in g++ clang++-19; do
  bin="$out/fake_instructions-$(basename "$cxx")"
  "$cxx" -std=c++20 -O2 -I "$include" "$root/bench/fake_instructions.cpp" -o "$bin"
  for loop in map viommu; do
    with=$(count "$bin" "$loop" "$pairs")
    without=$(count "$bin" "$loop" 0)
    echo "$(basename "$cxx") $loop: $(( (with - without) / pairs )) instructions per pair"
  done
done
