#!/usr/bin/env bash
# Real kernel history, two ways, in one run: Debian's linux-source-6.1 ->
# linux-source-6.12, every linux/*.h the two headers_install trees share.
#
#   uapikit   scan both trees for all 7 targets, then one diff
#   check-uapi the method of the kernel's scripts/check-uapi.sh, on x86:
#             per header, gcc -g builds a shared object that includes it
#             (the script's own compile line), then abidiff
#             --non-reachable-types with the suppressions the script writes
#             (its enum-sentinel and padding-name lists), and the script's
#             verdict: a header fails unless abidiff exits 0, or reports
#             only additions.
#
# Usage (from anywhere; works relative to the repo root):
#   bench/history_compare.sh [-j N]
# Environment:
#   UAPIKIT_GEN  the uapikit-gen binary (default build/gcc/generator/uapikit-gen)
#
# Writes only under build/history-compare/ (removed and recreated each run):
#   headers.txt                  the linux/*.h both trees have
#   linux-6.1.json linux-6.12.json  the two manifests
#   uapikit-diff.txt .json       uapikit-gen diff, text and JSON
#   check-uapi/suppressions.txt  the suppressions check-uapi.sh would write
#   check-uapi/<header>.{log,rc} abidiff's output and exit status per header
#   check-uapi/verdicts.tsv      header, abidiff status, verdict
#   times.tsv                    wall-clock seconds of each step
#   summary.txt                  what the script prints at the end
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

jobs=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    -j) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "history_compare: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

out=build/history-compare
gen=${UAPIKIT_GEN:-build/gcc/generator/uapikit-gen}
die() { echo "history_compare: $*" >&2; exit 2; }
for tool in abidiff gcc python3; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs it)"
done
[[ -x $gen ]] || die "$gen not built: run ninja -C build/gcc"

old_tree=$(bash scripts/kernel-headers.sh --version 6.1 build/cache)
new_tree=$(bash scripts/kernel-headers.sh --version 6.12 build/cache)

rm -rf "$out"
mkdir -p "$out/check-uapi"
times=$out/times.tsv
printf 'step\tseconds\n' >"$times"
now() { date +%s.%N; }
record() { printf '%s\t%.2f\n' "$1" "$(echo "$(now) - $2" | bc)" >>"$times"; }

comm -12 <(cd "$old_tree/x86/include" && ls linux/*.h) <(cd "$new_tree/x86/include" && ls linux/*.h) >"$out/headers.txt"
mapfile -t headers <"$out/headers.txt"
targets=(x86_64-linux-gnu i386-linux-gnu aarch64-linux-gnu arm-linux-gnueabihf riscv64-linux-gnu
         powerpc64le-linux-gnu s390x-linux-gnu)
target_args=()
for t in "${targets[@]}"; do target_args+=(--target "$t"); done

# ---- uapikit: two scans and a diff -------------------------------------------
t0=$(now)
for v in 6.1 6.12; do
  t1=$(now)
  tree=$old_tree; [[ $v == 6.12 ]] && tree=$new_tree
  "$gen" scan "${headers[@]}" -I "$tree/{arch}/include" "${target_args[@]}" --keep-going -j "$jobs" \
    -o "$out/linux-$v.json" 2>"$out/scan-$v.log"
  record "uapikit scan $v (7 targets)" "$t1"
done
t1=$(now)
rc=0
"$gen" diff "$out/linux-6.1.json" "$out/linux-6.12.json" >"$out/uapikit-diff.txt" || rc=$?
record "uapikit diff (7 targets)" "$t1"
record "uapikit scan + diff (7 targets)" "$t0"
echo "$rc" >"$out/uapikit-diff.rc"
"$gen" diff "$out/linux-6.1.json" "$out/linux-6.12.json" --format json >"$out/uapikit-diff.json" || true

# The same on x86_64 alone, the target check-uapi's run covers.
t0=$(now)
for v in 6.1 6.12; do
  tree=$old_tree; [[ $v == 6.12 ]] && tree=$new_tree
  "$gen" scan "${headers[@]}" -I "$tree/{arch}/include" --target x86_64-linux-gnu --keep-going -j "$jobs" \
    -o "$out/x86_64-$v.json" 2>/dev/null
done
"$gen" diff "$out/x86_64-6.1.json" "$out/x86_64-6.12.json" >"$out/uapikit-diff-x86_64.txt" || true
record "uapikit scan + diff (x86_64)" "$t0"

# ---- check-uapi's method on x86 -------------------------------------------------
# The suppressions scripts/check-uapi.sh (Linux 6.12) generates: enumerators
# that count or bound others, and struct members named as padding into
# which new members may be inserted.
enum_regex='.*_AFTER_LAST$,.*_CNT$,.*_COUNT$,.*_END$,.*_LAST$,.*_MASK$,.*_MAX$,.*_MAX_BIT$,.*_MAX_BPF_ATTACH_TYPE$,.*_MAX_ID$,.*_MAX_SHIFT$,.*_NBITS$,.*_NETDEV_NUMHOOKS$,.*_NFT_META_IIFTYPE$,.*_NL80211_ATTR$,.*_NLDEV_NUM_OPS$,.*_NUM$,.*_NUM_ELEMS$,.*_NUM_IRQS$,.*_SIZE$,.*_TLSMAX$,^MAX_.*,^NUM_.*'
padding_regex=('.*end$' '.*pad$' '.*pad[0-9]?$' '.*pad_[0-9]?$' '.*padding$' '.*padding[0-9]?$' '.*padding_[0-9]?$'
               '.*res$' '.*resv$' '.*resv[0-9]?$' '.*resv_[0-9]?$' '.*reserved$' '.*reserved[0-9]?$'
               '.*reserved_[0-9]?$' '.*rsvd[0-9]?$' '.*unused$')
suppressions=$out/check-uapi/suppressions.txt
{
  printf '[suppress_type]\n  type_kind = enum\n  changed_enumerators_regexp = %s\n' "$enum_regex"
  for p in "${padding_regex[@]}"; do
    printf '[suppress_type]\n  type_kind = struct\n  has_data_member_inserted_at = offset_of_first_data_member_regexp(%s)\n' "$p"
  done
} >"$suppressions"

# One header: the script's compile line for both trees, then abidiff.
check_header() {
  local header=$1 dir=$out/check-uapi/${1//\//_}
  mkdir -p "$dir"
  local v tree
  for v in 6.1 6.12; do
    tree=$old_tree; [[ $v == 6.12 ]] && tree=$new_tree
    if ! printf 'int f(void) { return 0; }\n' | gcc -shared -nostdlib -fPIC -o "$dir/$v.bin" -x c -O0 -std=c90 \
        -fno-eliminate-unused-debug-types -g "-I$tree/x86/include" -include "$tree/x86/include/$header" - \
        2>"$dir/$v.compile.log"; then
      printf '%s\t-\tdoes not compile (%s)\n' "$header" "$v"
      return
    fi
  done
  local rc=0
  abidiff --non-reachable-types --suppressions "$suppressions" "$dir/6.1.bin" "$dir/6.12.bin" >"$dir/abidiff.log" 2>&1 || rc=$?
  local verdict=flagged
  if [[ $rc == 0 ]]; then
    verdict=pass
  elif ((rc >= 128)); then
    verdict=crashed
  elif ((rc & 2)); then
    verdict=error
  elif grep "Unreachable types summary" "$dir/abidiff.log" | grep -q "0 removed" &&
       grep "Unreachable types summary" "$dir/abidiff.log" | grep -q "0 changed"; then
    verdict=pass  # additions only, which the script accepts
  fi
  printf '%s\t%s\t%s\n' "$header" "$rc" "$verdict"
}
export -f check_header
export out old_tree new_tree suppressions

t0=$(now)
printf '%s\n' "${headers[@]}" | xargs -P "$jobs" -I{} bash -c 'check_header "$@"' _ {} |
  sort >"$out/check-uapi/verdicts.tsv"
record "check-uapi method (x86, gcc + abidiff)" "$t0"

# ---- summary ----------------------------------------------------------------
summary() {
  echo "headers both trees have: ${#headers[@]} (linux/*.h)"
  echo "tools: $("$gen" --version), $(abidiff --version 2>&1), $(gcc --version | head -n1)"
  echo
  echo "== uapikit-gen diff linux-6.1 linux-6.12 (7 targets): exit $(cat "$out/uapikit-diff.rc")"
  tail -n1 "$out/uapikit-diff.txt"
  python3 - "$out/uapikit-diff.json" <<'EOF'
import collections, json, sys
findings = json.load(open(sys.argv[1]))["findings"]
by = collections.Counter((f["severity"], f["kind"]) for f in findings)
for severity in ("incompatible", "warning", "compatible"):
    kinds = sorted(((n, k) for (s, k), n in by.items() if s == severity), reverse=True)
    print("  %-12s %s" % (severity, ", ".join("%s %d" % (k, n) for n, k in kinds)))
files = {f["file"] for f in findings if f["severity"] == "incompatible"}
print("  incompatible findings are in %d files" % len(files))
EOF
  echo "  x86_64 alone: $(tail -n1 "$out/uapikit-diff-x86_64.txt")"
  echo
  echo "== check-uapi method (x86): verdicts per header"
  cut -f3 "$out/check-uapi/verdicts.tsv" | sed 's/ (.*//' | sort | uniq -c | sed 's/^/  /'
  echo "  abidiff crashed (signal) on: $(awk -F'\t' '$3=="crashed"' "$out/check-uapi/verdicts.tsv" | wc -l) headers"
  echo
  echo "== wall-clock seconds, -j $jobs, same run"
  column -t -s $'\t' "$times" | sed 's/^/  /'
}
summary | tee "$out/summary.txt"
