#!/usr/bin/env bash
# Compile cost of the public headers: an empty translation unit against one
# that includes <uapikit/iommufd.hpp> (the typed iommufd layer: its
# generated calls and raw bindings), one adding the linux backend, and one
# with the whole typed layer (handles, files, the VFIO and KVM calls, the
# mainline-2026 calls), each compiler at -std=c++20 -O2 -c, timed by
# hyperfine in one run.
# Usage: bench/compile_cost.sh [COMPILER...] (default: g++ clang++-19)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/bench-compile-cost"
mkdir -p "$out"
compilers=("$@")
[[ ${#compilers[@]} -gt 0 ]] || compilers=(g++ clang++-19)
: >"$out/empty.cpp"
echo '#include <uapikit/iommufd.hpp>' >"$out/iommufd.cpp"
printf '#include <uapikit/iommufd.hpp>\n#include <uapikit/linux_backend.hpp>\n' >"$out/iommufd_linux.cpp"
printf '#include <uapikit/%s>\n' iommufd.hpp linux_backend.hpp handles.hpp files.hpp vfio_kvm.hpp \
  generated/mainline_2026_calls.hpp >"$out/whole_typed_layer.cpp"
for cxx in "${compilers[@]}"; do
  cmds=()
  for tu in empty iommufd iommufd_linux whole_typed_layer; do
    cmds+=(-n "$(basename "$cxx") $tu.cpp" "$cxx -std=c++20 -O2 -I $root/include -c $out/$tu.cpp -o $out/$tu.o")
  done
  hyperfine --warmup 2 --runs 20 --export-markdown "$out/$(basename "$cxx").md" "${cmds[@]}"
done
cat "$out"/*.md
