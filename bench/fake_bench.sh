#!/usr/bin/env bash
# Calls per second into the fake against a real ioctl(2) (bench/fake_bench.cpp),
# built at -O2 with each compiler, each run RUNS times in a row.
# Usage: bench/fake_bench.sh [RUNS] [COMPILER...] (default: 3, g++ clang++-19)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/bench-fake"
mkdir -p "$out"
runs=${1:-3}
shift || true
compilers=("$@")
[[ ${#compilers[@]} -gt 0 ]] || compilers=(g++ clang++-19)

for cxx in "${compilers[@]}"; do
  bin="$out/fake_bench-$(basename "$cxx")"
  "$cxx" -std=c++20 -O2 -I "$root/include" "$root/bench/fake_bench.cpp" -o "$bin"
  for ((i = 1; i <= runs; i++)); do
    echo "== $(basename "$cxx"), run $i"
    "$bin"
  done
done
