#!/usr/bin/env bash
# Set-up plus the main job on the shipped defaults: builds uapikit-gen (and
# the examples and the LD_PRELOAD library the README's tour runs), scans
# Linux 6.12's linux/iommufd.h and linux/kvm.h for every supported target
# into build/manifests/linux-6.12.json and prints a summary, then
# reviews the shipped ABI versions (check of what each proposal adds, diff
# along each proposal's history), and runs the confidential-VM vIOMMU flow
# of examples/vmm-viommu on the fake backend.
# (32-bit arm has no KVM, so its manifest lists linux/kvm.h under errors.)
# UAPIKIT_JOBS sets how many compiles run at once (default: ninja's).
set -euo pipefail
if [[ $# -gt 0 ]]; then
  case $1 in
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
               echo; echo "usage: scripts/main.sh (no arguments)"; exit 0 ;;
    *) echo "scripts/main.sh: takes no arguments (got '$1'); see --help" >&2; exit 2 ;;
  esac
fi
[[ -z ${UAPIKIT_JOBS:-} || $UAPIKIT_JOBS =~ ^[1-9][0-9]*$ ]] ||
  { echo "scripts/main.sh: UAPIKIT_JOBS must be a number of jobs, 1 or more (got '$UAPIKIT_JOBS')" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/setup.sh
tree=$(bash scripts/kernel-headers.sh build/cache)

if [[ ! -f build/gcc/build.ninja ]]; then
  CXX=g++ meson setup build/gcc >build/gcc.setup.log 2>&1 || { cat build/gcc.setup.log; exit 1; }
fi
# What the README's tour runs too: the examples and the preload library.
ninja_jobs=()
[[ -n ${UAPIKIT_JOBS:-} ]] && ninja_jobs=(-j "$UAPIKIT_JOBS")
ninja -C build/gcc "${ninja_jobs[@]}" generator/uapikit-gen preload/libuapikit-preload.so \
  examples/vmm-viommu examples/qemu-passthrough examples/qemu-nested-smmuv3 examples/cloud-hypervisor \
  examples/example_ioas examples/example_hwpt examples/example_viommu examples/example_vdevice \
  examples/example_tsm_map >/dev/null

targets=(x86_64-linux-gnu i386-linux-gnu aarch64-linux-gnu arm-linux-gnueabihf
         riscv64-linux-gnu powerpc64le-linux-gnu s390x-linux-gnu)
args=()
for t in "${targets[@]}"; do args+=(--target "$t"); done
mkdir -p build/manifests
out=build/manifests/linux-6.12.json
# --keep-going: 32-bit arm exports no linux/kvm.h; scan warns about it and
# records it under that target's errors instead of stopping the other six.
build/gcc/generator/uapikit-gen scan linux/iommufd.h linux/kvm.h -I "$tree/{arch}/include" "${args[@]}" \
  --keep-going -o "$out"

python3 - "$out" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(f"wrote {sys.argv[1]}")
print(f"{'target':24} {'records':>8} {'enums':>6} {'macros':>7} {'ioctls':>7}  iommu_hwpt_alloc  kvm_run")
for triple, t in m["targets"].items():
    rec = {r["name"]: r for r in t["records"]}
    ioctls = sum(1 for x in t["macros"] if "ioctl" in x)
    def shape(name):
        r = rec.get(name)
        return f"{r['size']}/{r['align']}" if r else "-"
    print(f"{triple:24} {len(t['records']):8} {len(t['enums']):6} {len(t['macros']):7} {ioctls:7}  "
          f"{shape('iommu_hwpt_alloc'):>16}  {shape('kvm_run'):>7}")

PY

# The ABI review of the shipped versions (abi/): findings as compiler-style
# lines; exit status 4/8/12 means findings, which is the point here.
review() {
  echo
  echo "\$ uapikit-gen $*"
  local status=0
  build/gcc/generator/uapikit-gen "$@" || status=$?
  (( status == 1 || status == 2 )) && exit "$status"
  echo "(exit status $status)"
}
# --baseline: only what each proposal adds to the upstream it builds on (the
# selftest header both carry has findings of its own).
review check kvm-vm-fd-v2 --baseline linux-7.1
review check tsm-map-rfc1 --baseline linux-7.1
review diff amd-viommu-v2 amd-viommu-kvmfd-v2
review diff linux-7.1 kvm-vm-fd-v2
review diff linux-6.12 linux-7.1

echo
echo "\$ examples/vmm-viommu        # on the fake; --dev-iommu for this machine's /dev/iommu"
build/gcc/examples/vmm-viommu
