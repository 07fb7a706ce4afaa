#!/usr/bin/env bash
# Runs two general-purpose ABI tools next to uapikit-gen on the version pairs
# uapikit ships, so docs/peer-comparison.md can say what each one catches:
#
#   abidiff (Debian abigail-tools)  compares the DWARF of two ELF objects
#   pahole / codiff (Debian dwarves) print struct layouts (holes, padding)
#                                   and diff struct sizes of two objects
#   uapikit-gen diff / check        this project
#
# Neither peer reads headers, so for every version and target the script
# compiles a small C file that includes the version's headers (as listed in
# abi/<version>/version.json, with its -D switches) and defines one global
# variable per named struct, union and enum, built with -g -c and
# -fno-eliminate-unused-debug-types, so the DWARF holds every type.
#
# Usage (from anywhere; works relative to the repo root):
#   bench/peer_compare.sh
# Environment:
#   UAPIKIT_GEN  the uapikit-gen binary (default build/gcc/generator/uapikit-gen)
#
# Writes only under build/peer-compare/ (removed and recreated on each run):
#   tool-versions.txt           versions of every tool used
#   obj/<version>/<target>.c/.o the generated translation units and objects
#   <old>__<new>/<target>/      abidiff (several option sets), codiff and
#                               pahole output, each with a .rc file
#   <old>__<new>/uapikit-*      uapikit-gen diff OLD NEW, check NEW (text, json)
#   cross-target/<version>/     abidiff/codiff of the i386 object against
#                               the x86_64 one of the same version
#   status.tsv                  one line per tool run: pair target tool rc lines
#   summary.txt                 what the script prints at the end
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

out=build/peer-compare
gen=${UAPIKIT_GEN:-build/gcc/generator/uapikit-gen}
kernel=build/cache/linux-6.12

die() { echo "peer_compare: $*" >&2; exit 2; }

for tool in abidiff pahole codiff gcc python3; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install abigail-tools dwarves gcc python3)"
done
[[ -x $gen ]] || die "$gen not built: run ninja -C build/gcc"
[[ -d $kernel/x86/include ]] || die "$kernel/x86/include missing: run scripts/kernel-headers.sh"

versions=(linux-6.12 linux-7.1 kvm-vm-fd-v2 amd-viommu-v2 amd-viommu-kvmfd-v2 tsm-map-rfc1 proposed)
pairs=(
  "linux-7.1 kvm-vm-fd-v2"
  "amd-viommu-v2 amd-viommu-kvmfd-v2"
  "linux-7.1 tsm-map-rfc1"
  "linux-6.12 linux-7.1"
)
# Structs whose pahole -C output is kept separately (when the new side has them).
focus_structs=(iommu_viommu_alloc iommu_viommu_amd iommu_vdevice_tsm_map iommu_test_cmd)
targets=(x86_64 i386)

rm -rf "$out"
mkdir -p "$out/obj"
status=$out/status.tsv
printf 'pair\ttarget\ttool\trc\tlines\n' >"$status"

# ---- compilers ----------------------------------------------------------
# Headers only, no libc: gcc -m32 -c works without multilib libraries as
# long as nothing from /usr/include is needed. Probe it; else use clang.
cc_x86_64=(gcc -m64 -nostdinc)
probe=$out/probe
mkdir -p "$probe"
printf '#include <linux/types.h>\n__u64 peer_probe;\n' >"$probe/p.c"
if gcc -m32 -nostdinc -I "$kernel/x86/include" -g -c "$probe/p.c" -o "$probe/p.o" 2>"$probe/err"; then
  cc_i386=(gcc -m32 -nostdinc)
elif command -v clang-19 >/dev/null; then
  cc_i386=(clang-19 --target=i386-linux-gnu -nostdlibinc)
else
  die "neither gcc -m32 nor clang-19 can compile for i386: $(cat "$probe/err")"
fi

{
  echo "abidiff: $(abidiff --version 2>&1)"
  echo "pahole: $(pahole --version 2>&1)"
  echo "codiff: dwarves $(dpkg-query -W -f='${Version}' dwarves 2>/dev/null || echo '?')"
  echo "libabigail package: abigail-tools $(dpkg-query -W -f='${Version}' abigail-tools 2>/dev/null || echo '?')"
  echo "uapikit-gen: $("$gen" --version 2>&1)"
  echo "x86_64 compiler: ${cc_x86_64[*]} ($(gcc --version | head -n1))"
  echo "i386 compiler: ${cc_i386[*]} ($("${cc_i386[0]}" --version | head -n1))"
} >"$out/tool-versions.txt"

# ---- one object per version and target ----------------------------------
# Prints the compile flags of a version for one target: -D switches and -I
# paths from version.json, then "#include" lines on fd 3.
version_flags() {
  python3 - "$1" <<'EOF'
import json, sys
v = json.load(open(f"abi/{sys.argv[1]}/version.json"))
for d in v.get("defines", []):
    print("-D" + d)
for i in v["include"]:
    print("-I")
    print(i.replace("{abi}", "abi").replace("{kernel}", "build/cache/linux-6.12").replace("{arch}", "x86"))
print("--")
for h in v["headers"]:
    print(h)
EOF
}

build_object() {
  local version=$1 target=$2 dir=$out/obj/$1
  local -a cc flags=() headers=()
  if [[ $target == x86_64 ]]; then cc=("${cc_x86_64[@]}"); else cc=("${cc_i386[@]}"); fi
  local seen_sep=0 line
  while IFS= read -r line; do
    if [[ $line == -- ]]; then seen_sep=1; continue; fi
    if ((seen_sep)); then headers+=("$line"); else flags+=("$line"); fi
  done < <(version_flags "$version")
  mkdir -p "$dir"
  printf '%s\n' "${cc[@]}" -std=gnu11 "${flags[@]}" >"$dir/$target.cc"
  local inc=$dir/$target.includes.c tu=$dir/$target.c
  : >"$inc"
  for h in "${headers[@]}"; do printf '#include <%s>\n' "$h" >>"$inc"; done
  # Every named struct/union/enum the headers define, from the preprocessed text.
  "${cc[@]}" -std=gnu11 "${flags[@]}" -E -P "$inc" -o "$dir/$target.i"
  {
    echo "/* Generated by bench/peer_compare.sh: $version for $target. */"
    cat "$inc"
    echo
    tr '\n' ' ' <"$dir/$target.i" |
      grep -oE '\b(struct|union|enum)[[:space:]]+[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\{' |
      sed -E 's/[[:space:]]*\{$//; s/[[:space:]]+/ /' | sort -u |
      while read -r kind tag; do printf '%s %s peer_%s_%s;\n' "$kind" "$tag" "$kind" "$tag"; done
  } >"$tu"
  "${cc[@]}" -std=gnu11 "${flags[@]}" -g -fno-eliminate-unused-debug-types -c "$tu" -o "$dir/$target.o"
}

# A partial description (every version but linux-6.12) leaves out types the
# full header has, and abidiff reports those as removed. For such pairs a
# second old object keeps only the globals whose type the new side also
# defines, so abidiff is also judged on the types both sides describe.
build_shared_object() {
  local old=$1 new=$2 target=$3 dir=$out/obj/$1
  local tu=$dir/$target.shared-with-$new.c
  local -a cmd
  mapfile -t cmd <"$dir/$target.cc"
  grep -v '^[a-z]* [A-Za-z0-9_]* peer_' "$dir/$target.c" >"$tu"
  grep '^[a-z]* [A-Za-z0-9_]* peer_' "$dir/$target.c" | grep -Fx -f "$out/obj/$new/$target.c" >>"$tu" || true
  "${cmd[@]}" -g -fno-eliminate-unused-debug-types -c "$tu" -o "${tu%.c}.o"
}

for v in "${versions[@]}"; do
  for t in "${targets[@]}"; do build_object "$v" "$t"; done
done

# ---- runs ---------------------------------------------------------------
# run PAIR TARGET TOOLNAME OUTFILE CMD...: records output, rc and line count.
run() {
  local pair=$1 target=$2 name=$3 file=$4
  shift 4
  local rc=0
  "$@" >"$file" 2>&1 || rc=$?
  echo "$rc" >"$file.rc"
  printf '%s\t%s\t%s\t%s\t%s\n' "$pair" "$target" "$name" "$rc" "$(wc -l <"$file")" >>"$status"
}

# abidiff option sets: on objects it only looks at exported functions and
# variables unless told to consider types nothing reaches.
abidiff_sets=(
  "default:"
  "harmless:--harmless"
  "non-reachable:--non-reachable-types"
  "non-reachable-harmless:--non-reachable-types --harmless"
  "leaf-bytes:--leaf-changes-only --harmless --show-bytes"
)

run_abidiff_sets() {
  local pair=$1 target=$2 dir=$3 old=$4 new=$5 extra=${6:-} set name opts
  for set in "${abidiff_sets[@]}"; do
    name=${set%%:*}
    opts=${set#*:}
    # shellcheck disable=SC2086 # opts is a list of flags
    run "$pair" "$target" "abidiff.$name" "$dir/abidiff.$name.txt" abidiff $extra $opts "$old" "$new"
  done
}

for p in "${pairs[@]}"; do
  read -r old new <<<"$p"
  pair=${old}__${new}
  pdir=$out/$pair
  mkdir -p "$pdir"
  for t in "${targets[@]}"; do
    d=$pdir/$t
    mkdir -p "$d"
    o=$out/obj/$old/$t.o n=$out/obj/$new/$t.o
    run_abidiff_sets "$pair" "$t" "$d" "$o" "$n"
    if grep '^[a-z]* [A-Za-z0-9_]* peer_' "$out/obj/$old/$t.c" | grep -qvFx -f "$out/obj/$new/$t.c"; then
      build_shared_object "$old" "$new" "$t"
      mkdir -p "$d/shared-types"
      run_abidiff_sets "$pair" "$t:shared-types" "$d/shared-types" "$out/obj/$old/$t.shared-with-$new.o" "$n"
    fi
    run "$pair" "$t" codiff "$d/codiff.txt" codiff "$o" "$n"
    run "$pair" "$t" codiff.verbose "$d/codiff.verbose.txt" codiff -V "$o" "$n"
    run "$pair" "$t" pahole.new "$d/pahole.new.txt" pahole "$n"
    run "$pair" "$t" pahole.holes "$d/pahole.holes.txt" pahole --holes 1 "$n"
    run "$pair" "$t" pahole.sizes "$d/pahole.sizes.txt" pahole --sizes "$n"
    run "$pair" "$t" pahole.packable "$d/pahole.packable.txt" pahole --packable "$n"
    for s in "${focus_structs[@]}"; do
      if grep -q "^struct $s {" "$d/pahole.new.txt"; then
        run "$pair" "$t" "pahole.C.$s" "$d/pahole.C.$s.txt" pahole -C "$s" "$n"
      fi
    done
  done
  run "$pair" all uapikit.diff "$pdir/uapikit-diff.txt" "$gen" diff "$old" "$new"
  run "$pair" all uapikit.diff.json "$pdir/uapikit-diff.json" "$gen" diff --format json "$old" "$new"
  run "$pair" all uapikit.check "$pdir/uapikit-check-new.txt" "$gen" check "$new"
  run "$pair" all uapikit.check.json "$pdir/uapikit-check-new.json" "$gen" check --format json "$new"
done

# The i386/x86_64 question, asked the only way the peers can: compare the
# i386 object of a version with its x86_64 object.
for v in tsm-map-rfc1 proposed; do
  d=$out/cross-target/$v
  mkdir -p "$d"
  i=$out/obj/$v/i386.o x=$out/obj/$v/x86_64.o
  run_abidiff_sets "cross:$v" i386-vs-x86_64 "$d" "$i" "$x"
  mkdir -p "$d/noarch"
  run_abidiff_sets "cross:$v" i386-vs-x86_64-noarch "$d/noarch" "$i" "$x" --no-architecture
  run "cross:$v" i386-vs-x86_64 codiff "$d/codiff.txt" codiff "$i" "$x"
done

# uapikit-gen diff/check read the committed abi/<version>/manifest.json;
# the peers above compiled the headers afresh. 'abi verify' rescans and
# exits 8 if a manifest no longer matches its headers (it writes nothing).
run all all uapikit.abi-verify "$out/uapikit-abi-verify.txt" "$gen" abi verify

# ---- summary --------------------------------------------------------------
first_line() { grep -m1 -E "$1" "$2" | sed 's/^ *//' || true; }

summary() {
  cat "$out/tool-versions.txt"
  echo "uapikit-gen abi verify: rc=$(cat "$out/uapikit-abi-verify.txt.rc") (0 = manifests match the headers the peers compiled)"
  echo
  local p pair t f set
  for p in "${pairs[@]}"; do
    read -r old new <<<"$p"
    pair=${old}__${new}
    echo "== $old -> $new"
    for t in "${targets[@]}"; do
      for set in default non-reachable-harmless shared-types/abidiff.default shared-types/abidiff.non-reachable-harmless; do
        [[ $set == */* ]] || set=abidiff.$set
        f=$out/$pair/$t/$set.txt
        [[ -f $f ]] || continue
        printf '  %-6s %-44s rc=%-3s %s\n' "$t" "${set#abidiff.}" "$(cat "$f.rc")" \
          "$(first_line '^Variables changes summary' "$f")"
        if grep -q '^Unreachable types summary' "$f"; then
          printf '  %-6s %-44s        %s\n' "" "" "$(first_line '^Unreachable types summary' "$f")"
        fi
      done
      f=$out/$pair/$t/codiff.txt
      printf '  %-6s %-44s rc=%-3s %s\n' "$t" codiff "$(cat "$f.rc")" \
        "$(grep -E '^ *struct .*\|' "$f" | sed 's/^ *//' | tr -s ' ' | paste -sd ';' - || true)"
      f=$out/$pair/$t/pahole.new.txt
      printf '  %-6s %-44s rc=%-3s %s "padding:" comments, %s holes (--holes 1: %s lines)\n' "$t" "pahole $new" \
        "$(cat "$f.rc")" "$(grep -c 'padding:' "$f" || true)" "$(grep -c 'XXX .* hole' "$f" || true)" \
        "$(wc -l <"$out/$pair/$t/pahole.holes.txt")"
    done
    printf '  %-6s %-44s rc=%-3s %s\n' all "uapikit-gen diff" "$(cat "$out/$pair/uapikit-diff.txt.rc")" \
      "$(grep -oE '^[^ ]+: (compatible|warning|incompatible):' "$out/$pair/uapikit-diff.txt" |
        awk '{print $2}' | sort | uniq -c | tr -s ' \n' ' ')"
    printf '  %-6s %-44s rc=%-3s %s\n' all "uapikit-gen check $new" "$(cat "$out/$pair/uapikit-check-new.txt.rc")" \
      "$(grep -oE '\[[a-z0-9-]+\]' "$out/$pair/uapikit-check-new.txt" | sort | uniq -c | tr -s ' \n' ' ')"
  done
  echo
  echo "== i386 object vs x86_64 object of the same version (abidiff --no-architecture, codiff)"
  for v in tsm-map-rfc1 proposed; do
    f=$out/cross-target/$v/noarch/abidiff.default.txt
    printf '  %-20s abidiff rc=%-3s %s\n' "$v" "$(cat "$f.rc")" "$(first_line 'type size changed' "$f")"
    f=$out/cross-target/$v/codiff.txt
    printf '  %-20s codiff  rc=%-3s %s\n' "$v" "$(cat "$f.rc")" \
      "$(grep -E '^ *struct .*\|' "$f" | sed 's/^ *//' | tr -s ' ' | paste -sd ';' - || true)"
  done
  echo
  echo "outputs: $out/ (status.tsv lists every run and its exit status)"
}
summary | tee "$out/summary.txt"
