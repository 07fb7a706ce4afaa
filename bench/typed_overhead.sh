#!/usr/bin/env bash
# Measures the typed layer's overhead (bench/typed_overhead.cpp) with each
# compiler: static instruction counts of the two functions (objdump) and
# instructions executed per call (callgrind, collecting only inside each
# function and what it calls). Both are built at -O2.
# Usage: bench/typed_overhead.sh [COMPILER...] (default: g++ clang++-19)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/bench-typed-overhead"
mkdir -p "$out"
calls=100000
compilers=("$@")
[[ ${#compilers[@]} -gt 0 ]] || compilers=(g++ clang++-19)

count_instructions() {  # binary symbol
  objdump -d --no-show-raw-insn "$1" | awk -v sym="<$2>:" '
    $2 == sym { inside = 1; next }
    inside && /^$/ { exit }
    inside && /^ *[0-9a-f]+:/ && !/\tnop/ { n++ }  # alignment nops are never executed
    END { print n }'
}

executed() {  # binary mode symbol
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" --toggle-collect="$3" "$1" "$2" "$calls" >/dev/null 2>"$out/log"
  awk '/^summary:/ { print $2 }' "$out/cg"
}

printf '%-14s %-30s %10s %10s %7s\n' "compiler" "measure" "typed" "raw" "ratio"
for cxx in "${compilers[@]}"; do
  bin="$out/typed_overhead-$(basename "$cxx")"
  "$cxx" -std=c++20 -O2 -I "$root/include" "$root/bench/typed_overhead.cpp" "$root/bench/noop_backend.cpp" -o "$bin"
  ts=$(count_instructions "$bin" bench_typed_viommu_alloc)
  rs=$(count_instructions "$bin" bench_raw_viommu_alloc)
  tr=$(executed "$bin" typed bench_typed_viommu_alloc)
  rr=$(executed "$bin" raw bench_raw_viommu_alloc)
  printf '%-14s %-30s %10s %10s %7.2f\n' "$(basename "$cxx")" "instructions (objdump)" "$ts" "$rs" "$(echo "$ts / $rs" | bc -l)"
  printf '%-14s %-30s %10.1f %10.1f %7.2f\n' "$(basename "$cxx")" "executed per call (callgrind)" \
    "$(echo "$tr / $calls" | bc -l)" "$(echo "$rr / $calls" | bc -l)" "$(echo "$tr / $rr" | bc -l)"
done
