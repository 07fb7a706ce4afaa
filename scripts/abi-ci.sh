#!/usr/bin/env bash
# ABI regression check for a kernel's uapi headers, for a CI job.
#
#   abi-ci.sh --baseline BASE (--kernel-tree DIR | --headers-dir DIR | --new NEW)
#             [--header linux/iommufd.h]... [--target TRIPLE]... [--junit FILE]
#             [--work DIR] [--gen PATH]
#
# BASE and NEW are uapikit manifests or version names from uapikit's abi/.
# The new side is either a manifest, a kernel source tree (headers_install
# runs for every target's ARCH), or a folder of headers_install trees laid
# out as DIR/<arch>/include. The new side is scanned for BASE's targets and
# headers unless --target/--header say otherwise, then diffed against BASE.
# Findings go to stdout (one per line) and, with --junit, to a JUnit file.
# The exit status is uapikit-gen diff's: 0 no change, 4 compatible changes
# or warnings, 8 (or 12) incompatible, 2 bad input, 1 tool error.
set -euo pipefail

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }

baseline="" new="" kernel_tree="" headers_dir="" junit="" work="" gen=""
headers=() targets=()
while (($#)); do
  case $1 in
    --baseline) baseline=$2; shift 2 ;;
    --new) new=$2; shift 2 ;;
    --kernel-tree) kernel_tree=$2; shift 2 ;;
    --headers-dir) headers_dir=$2; shift 2 ;;
    --header) headers+=("$2"); shift 2 ;;
    --target) targets+=("$2"); shift 2 ;;
    --junit) junit=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --gen) gen=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "abi-ci.sh: error: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
gen=${gen:-$(command -v uapikit-gen || echo "$root/build/gcc/generator/uapikit-gen")}
[[ -x $gen ]] || { echo "abi-ci.sh: error: uapikit-gen not found (pass --gen)" >&2; exit 2; }
[[ -n $baseline ]] || { echo "abi-ci.sh: error: --baseline is required" >&2; exit 2; }
sources=0
for s in "$new" "$kernel_tree" "$headers_dir"; do [[ -n $s ]] && sources=$((sources + 1)); done
((sources == 1)) || { echo "abi-ci.sh: error: give exactly one of --new, --kernel-tree, --headers-dir" >&2; exit 2; }
work=${work:-$(mktemp -d)}
mkdir -p "$work"

# The baseline decides what to scan unless the command line does; a
# version name is looked up in uapikit's abi/ folder.
base_manifest=$baseline
if [[ ! -f $baseline ]]; then
  base_manifest=${UAPIKIT_ABI_DIR:-$root/abi}/$baseline/manifest.json
fi
read_base() {  # python expression over the baseline manifest `m`
  python3 -c "import json,sys; m=json.load(open(sys.argv[1])); $1" "$base_manifest"
}
if [[ -z $new ]]; then
  [[ -f $base_manifest ]] || { echo "abi-ci.sh: error: pass the baseline as a manifest file to scan against it" >&2; exit 2; }
  ((${#targets[@]})) || mapfile -t targets < <(read_base 'print("\n".join(m["targets"]))')
  ((${#headers[@]})) || mapfile -t headers < <(read_base 'print("\n".join(next(iter(m["targets"].values()))["headers"]))')
  if [[ -n $kernel_tree ]]; then
    headers_dir=$work/headers
    for arch in $(for t in "${targets[@]}"; do
                    case $t in x86_64*|i386*) echo x86 ;; aarch64*) echo arm64 ;; arm*) echo arm ;;
                               riscv64*) echo riscv ;; powerpc*) echo powerpc ;; s390x*) echo s390 ;; esac
                  done | sort -u); do
      echo "abi-ci.sh: make ARCH=$arch headers_install" >&2
      make -s -C "$kernel_tree" ARCH="$arch" O="$work/build-$arch" headers_install \
        INSTALL_HDR_PATH="$headers_dir/$arch" >"$work/headers_install-$arch.log" 2>&1 ||
        { cat "$work/headers_install-$arch.log" >&2; echo "abi-ci.sh: error: headers_install failed for $arch" >&2; exit 2; }
    done
  fi
  new=$work/new.json
  args=()
  for t in "${targets[@]}"; do args+=(--target "$t"); done
  "$gen" scan "${headers[@]}" -I "$headers_dir/{arch}/include" "${args[@]}" -o "$new"
fi

diff_args=(diff "$baseline" "$new")
for t in "${targets[@]}"; do diff_args+=(--target "$t"); done
[[ -n $junit ]] && diff_args+=(--junit "$junit")
status=0
"$gen" "${diff_args[@]}" || status=$?
case $status in
  0) echo "abi-ci.sh: no ABI change" >&2 ;;
  4) echo "abi-ci.sh: compatible changes or warnings only" >&2 ;;
  8|12) echo "abi-ci.sh: INCOMPATIBLE ABI change" >&2 ;;
esac
exit "$status"
