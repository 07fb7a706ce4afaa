#!/usr/bin/env bash
# Compile cost of the public headers: an empty translation unit against one
# that includes <uapikit/iommufd.hpp> (the typed iommufd layer: its
# generated calls and raw bindings), one adding the linux backend, and one
# with the whole typed layer (handles, files, the VFIO and KVM calls, the
# mainline-2026 calls), each compiler at -std=c++20 -O2 -c.
# Reported: the CPU time (user + system) of the compiler, the least of RUNS
# runs, which the load of other jobs on a shared machine moves far less than
# the wall time (getrusage of the finished child, via python3).
# Usage: bench/compile_cost.sh [COMPILER...] (default: g++ clang++-19); RUNS=7
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/bench-compile-cost"
mkdir -p "$out"
runs=${RUNS:-7}
compilers=("$@")
[[ ${#compilers[@]} -gt 0 ]] || compilers=(g++ clang++-19)
: >"$out/empty.cpp"
echo '#include <uapikit/iommufd.hpp>' >"$out/iommufd.cpp"
printf '#include <uapikit/iommufd.hpp>\n#include <uapikit/linux_backend.hpp>\n' >"$out/iommufd_linux.cpp"
printf '#include <uapikit/%s>\n' iommufd.hpp linux_backend.hpp handles.hpp files.hpp vfio_kvm.hpp \
  generated/mainline_2026_calls.hpp >"$out/whole_typed_layer.cpp"

cpu_seconds() {  # compiler tu -> least user+sys over $runs runs
  local best=""
  for ((i = 0; i < runs; i++)); do
    local t
    t=$(python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{r.ru_utime + r.ru_stime:.3f}")' "$1" -std=c++20 -O2 -I "$root/include" -c "$out/$2.cpp" -o "$out/$2.o")
    if [[ -z "$best" ]] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
  done
  echo "$best"
}

echo "| compiler | empty TU | + <uapikit/iommufd.hpp> | + <uapikit/linux_backend.hpp> | whole typed layer |"
echo "|---|---|---|---|---|"
for cxx in "${compilers[@]}"; do
  row="| $("$cxx" --version | head -1 | sed 's/ (.*)//') |"
  for tu in empty iommufd iommufd_linux whole_typed_layer; do row+=" $(cpu_seconds "$cxx" "$tu") s |"; done
  echo "$row"
done
