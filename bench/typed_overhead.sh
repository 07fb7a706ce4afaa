#!/usr/bin/env bash
# Measures the typed layer's overhead (bench/typed_overhead.cpp) with each
# compiler, for each pair of typed and hand-filled calls: static instruction
# counts of the two functions (objdump) and instructions executed per call
# (callgrind, collecting only inside each function and what it calls). All
# are built at -O2.
# Usage: bench/typed_overhead.sh [COMPILER...] (default: g++ clang++-19)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/bench-typed-overhead"
mkdir -p "$out"
calls=100000
compilers=("$@")
[[ ${#compilers[@]} -gt 0 ]] || compilers=(g++ clang++-19)

count_instructions() {  # binary symbol
  objdump -d --no-show-raw-insn "$1" >"$out/disassembly"
  awk -v sym="<$2>:" '
    $2 == sym { inside = 1; next }
    inside && /^$/ { exit }
    inside && /^ *[0-9a-f]+:/ && !/\tnop/ { n++ }  # alignment nops are never executed
    END { print n }' "$out/disassembly"
}

executed() {  # binary mode name symbol
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" --toggle-collect="$4" "$1" "$2" "$3" "$calls" >/dev/null 2>"$out/log"
  awk '/^summary:/ { print $2 }' "$out/cg"
}

printf '%-14s %-14s %-30s %10s %10s %7s\n' "compiler" "call" "measure" "typed" "raw" "ratio"
for cxx in "${compilers[@]}"; do
  bin="$out/typed_overhead-$(basename "$cxx")"
  "$cxx" -std=c++20 -O2 -I "$root/include" "$root/bench/typed_overhead.cpp" "$root/bench/noop_backend.cpp" -o "$bin"
  for name in viommu_alloc ioas_map hwpt_alloc invalidate vfio_bind; do
    ts=$(count_instructions "$bin" "bench_typed_$name")
    rs=$(count_instructions "$bin" "bench_raw_$name")
    tr=$(executed "$bin" typed "$name" "bench_typed_$name")
    rr=$(executed "$bin" raw "$name" "bench_raw_$name")
    printf '%-14s %-14s %-30s %10s %10s %7.2f\n' "$(basename "$cxx")" "$name" "instructions (objdump)" "$ts" "$rs" "$(echo "$ts / $rs" | bc -l)"
    printf '%-14s %-14s %-30s %10.1f %10.1f %7.2f\n' "$(basename "$cxx")" "$name" "executed per call (callgrind)" \
      "$(echo "$tr / $calls" | bc -l)" "$(echo "$rr / $calls" | bc -l)" "$(echo "$tr / $rr" | bc -l)"
  done
done
