#!/usr/bin/env bash
# uapikit's ABI regression check for a CI job (installed as uapikit-abi-ci).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage:
  abi-ci.sh --baseline BASE (--kernel-tree DIR | --headers-dir DIR | --new NEW) [options]
  abi-ci.sh --git-base REF [--git-head REF] [--kernel-tree DIR] [options]

Compares the uapi headers of a kernel (or another ABI version) with a baseline
and classifies every change, as `uapikit-gen diff` does.

The new side:
  --kernel-tree DIR   a kernel source tree: `make headers_install` runs for the
                      ARCH of every target (out of tree, the source is not touched)
  --headers-dir DIR   headers_install trees laid out as DIR/<arch>/include
  --new NEW           a uapikit manifest or a version name from uapikit's abi/

The baseline:
  --baseline BASE     a uapikit manifest or a version name from uapikit's abi/;
                      it also decides which headers and targets are scanned
  --git-base REF      git mode, run in (or --kernel-tree at) a kernel git
                      checkout: REF's headers are the baseline, the working tree
                      (or --git-head REF) the new side; every uapi header is
                      scanned for every target unless --header/--target say less

Options:
  --header H          scan this header, include-style (repeatable)
  --target TRIPLE     scan and compare this target (repeatable)
  --junit FILE        also write the findings as JUnit XML (one test case per
                      finding and target; one error case when a step fails)
  --junit-suite NAME  the JUnit suite's name (default: "uapikit ABI: BASE -> NEW")
  --work DIR          keep intermediate files (headers, manifests, logs) in DIR;
                      by default a temporary folder that is removed at the end
  --cache DIR         git mode: keep the headers_install trees of each committed
                      revision in DIR, keyed by its git tree id, and take them
                      from there next time (a run against the same base then
                      installs only the new side's headers)
  -j, --jobs N        parallel headers_install runs and parses (default, or 0:
                      one per CPU)
  --gen PATH          the uapikit-gen to use (default: $UAPIKIT_GEN, the one
                      installed beside this script, the source tree's build,
                      or the one on PATH)
  -h, --help          this text

Exit status (uapikit-gen diff's): 0 no ABI change; 4 compatible changes or
warnings only; 8 or 12 incompatible (a header that compiled before and does not
now among them); 2 bad usage or input (a --header neither tree has, a failed
headers_install); 1 tool error.
EOF
}

# Messages carry the name the script was run by: abi-ci.sh in the tree,
# uapikit-abi-ci once installed.
me=$(basename "$0")
die_usage() { echo "$me: error: $1 (try --help)" >&2; exit 2; }
say() { echo "$me: $*" >&2; }

baseline="" new="" kernel_tree="" headers_dir="" junit="" junit_suite="" work="" gen=""
git_base="" git_head="" jobs="" cache=""
headers=() targets=()
value_options='--baseline|--new|--kernel-tree|--headers-dir|--header|--target|--junit|--junit-suite|--work|--cache|--gen|--git-base|--git-head|-j|--jobs'
while (($#)); do
  opt=$1
  # The joined spellings as well: --jobs=4, --header=linux/iommufd.h, -j4.
  if [[ $opt == --*=* ]]; then
    set -- "${opt%%=*}" "${opt#*=}" "${@:2}"
    opt=$1
    [[ $opt =~ ^($value_options)$ ]] || die_usage "$opt takes no value"
  elif [[ $opt == -j?* ]]; then
    set -- -j "${opt#-j}" "${@:2}"
    opt=$1
  fi
  [[ $opt == -h || $opt == --help ]] && { usage; exit 0; }
  [[ $opt =~ ^($value_options)$ ]] || die_usage "unknown argument '$opt'"
  (($# >= 2)) || die_usage "$opt needs a value"
  [[ -n $2 ]] || die_usage "$opt needs a non-empty value"
  [[ $2 != --* ]] || die_usage "$opt needs a value, not the option $2"
  val=$2
  shift 2
  case $opt in
    --baseline) baseline=$val ;;
    --new) new=$val ;;
    --kernel-tree) kernel_tree=$val ;;
    --headers-dir) headers_dir=$val ;;
    --header) headers+=("$val") ;;
    --target) targets+=("$val") ;;
    --junit) junit=$val ;;
    --junit-suite) junit_suite=$val ;;
    --work) work=$val ;;
    --cache) cache=$val ;;
    --gen) gen=$val ;;
    --git-base) git_base=$val ;;
    --git-head) git_head=$val ;;
    -j|--jobs) jobs=$val ;;
  esac
done

# ---- check the command line before doing anything -------------------------
git_mode=0
given_headers=${#headers[@]}
narrowed=0
if [[ -n $git_base ]]; then
  git_mode=1
  [[ -z $baseline ]] || die_usage "--git-base and --baseline exclude each other"
  [[ -z $new && -z $headers_dir ]] || die_usage "--git-base compares two states of one kernel tree: drop --new/--headers-dir"
  kernel_tree=${kernel_tree:-.}
else
  [[ -z $git_head ]] || die_usage "--git-head needs --git-base"
  [[ -z $cache ]] || die_usage "--cache keeps the trees of git revisions: it needs --git-base"
  [[ -n $baseline ]] || die_usage "--baseline (or --git-base) is required"
  sources=0
  for s in "$new" "$kernel_tree" "$headers_dir"; do [[ -n $s ]] && sources=$((sources + 1)); done
  ((sources == 1)) || die_usage "give exactly one of --new, --kernel-tree, --headers-dir"
  [[ -z $new || ${#headers[@]} -eq 0 ]] || die_usage "--header chooses what to scan, and --new is not scanned: drop one"
fi
# 0, as for uapikit-gen scan: one per CPU.
if [[ -n $jobs ]]; then
  [[ $jobs =~ ^[0-9]+$ ]] || die_usage "--jobs takes a number (0: one per CPU), not '$jobs'"
fi
if [[ -z $jobs || $jobs -eq 0 ]]; then
  jobs=$(nproc 2>/dev/null || echo 2)
fi

# Paths are made absolute now: make -C changes directory, and a relative
# O= or INSTALL_HDR_PATH would land inside the kernel tree under test.
absolute() { realpath -m -- "$1"; }
for v in kernel_tree headers_dir junit work cache gen; do
  [[ -n ${!v} ]] && printf -v "$v" '%s' "$(absolute "${!v}")"
done
[[ -z $kernel_tree || -d $kernel_tree ]] || die_usage "kernel tree '$kernel_tree' does not exist"
[[ -z $headers_dir || -d $headers_dir ]] || die_usage "headers folder '$headers_dir' does not exist"
# headers_install needs the kernel's Makefile and its include/uapi; without
# them make says only "No rule to make target". (Git mode reads revisions,
# and says first when the folder is no git checkout.)
if ((git_mode == 0)) && [[ -n $kernel_tree ]] && [[ ! -f $kernel_tree/Makefile || ! -d $kernel_tree/include/uapi ]]; then
  die_usage "'$kernel_tree' is not a kernel source tree (no Makefile and include/uapi/ there); for headers_install output (DIR/<arch>/include) use --headers-dir"
fi

script_dir=$(cd "$(dirname "$(realpath "${BASH_SOURCE[0]}")")" && pwd)
if [[ -n $gen ]]; then
  [[ -x $gen && ! -d $gen ]] || die_usage "--gen $gen: not an executable file"
else
  for candidate in "${UAPIKIT_GEN:-}" "$script_dir/uapikit-gen" "$script_dir/../build/gcc/generator/uapikit-gen" \
                   "$(command -v uapikit-gen || true)"; do
    [[ -n $candidate && -x $candidate ]] && { gen=$candidate; break; }
  done
fi
[[ -n $gen && -x $gen ]] || die_usage "uapikit-gen not found: install uapikit or pass --gen PATH"

# Target triple -> kernel ARCH, as uapikit-gen scan maps them.
arch_of() {
  case $1 in
    x86_64-*|i386-*) echo x86 ;; aarch64-*) echo arm64 ;; arm-*) echo arm ;;
    riscv64-*) echo riscv ;; powerpc64le-*) echo powerpc ;; s390x-*) echo s390 ;;
    *) return 1 ;;
  esac
}
all_targets=(x86_64-linux-gnu i386-linux-gnu aarch64-linux-gnu arm-linux-gnueabihf
             riscv64-linux-gnu powerpc64le-linux-gnu s390x-linux-gnu)
for t in "${targets[@]}"; do
  arch_of "$t" >/dev/null || die_usage "unknown target '$t' (supported: ${all_targets[*]})"
done

if [[ -n $cache ]]; then
  [[ ! -e $cache || -d $cache ]] || die_usage "the cache folder '$cache' exists and is not a folder"
  mkdir -p "$cache" 2>/dev/null || die_usage "cannot make the cache folder '$cache'"
  [[ -w $cache ]] || die_usage "the cache folder '$cache' is not writable"
  # It works there, but git sees it: untracked in git status, and gone with
  # the next git clean -x.
  if [[ $cache == "$kernel_tree" || $cache == "$kernel_tree"/* ]]; then
    say "warning: the cache folder '$cache' is inside the kernel tree: git status lists it and git clean -x removes it; give a folder outside the tree"
  fi
fi

# ---- the work folder: removed at the end unless the caller chose it --------
if [[ -n $work ]]; then
  mkdir -p "$work" 2>/dev/null || die_usage "cannot make the work folder '$work'"
  [[ -w $work ]] || die_usage "the work folder '$work' is not writable"
  where_errors() { echo "their errors: $work/scan-$1.log"; }
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/uapikit-abi-ci.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  where_errors() { echo "--work DIR keeps their errors"; }
fi
# The JUnit file is written last: find out now that it cannot be.
if [[ -n $junit ]]; then
  [[ -d $(dirname "$junit") && -w $(dirname "$junit") ]] ||
    die_usage "cannot write --junit $junit: its folder does not exist or is not writable"
fi

# ---- JUnit for a step that failed before any diff ------------------------
xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
# fail_step STEP STATUS LOG: says why on stderr, writes one JUnit error case,
# and exits with STATUS.
fail_step() {
  local step=$1 status=$2 log=$3 reason
  reason=$(tail -n 20 "$log")
  printf '%s\n' "$reason" >&2
  say "error: $step failed"
  if [[ -n $junit ]]; then
    local tmp=$junit.tmp.$$
    {
      echo '<?xml version="1.0" encoding="UTF-8"?>'
      echo "<testsuites name=\"uapikit\" tests=\"1\" failures=\"0\" errors=\"1\">"
      printf ' <testsuite name="%s" tests="1" failures="0" errors="1" skipped="0">\n' "$(xml_escape <<<"$suite")"
      printf '  <testcase classname="abi-ci" name="%s"><error type="step-failed" message="%s">%s</error></testcase>\n' \
        "$(xml_escape <<<"$step")" "$(xml_escape <<<"$step failed")" "$(xml_escape <<<"$reason")"
      echo ' </testsuite>'
      echo '</testsuites>'
    } >"$tmp" && mv "$tmp" "$junit"
  fi
  exit "$status"
}

# ---- the baseline ----------------------------------------------------------
label() {  # a short, stable name for one side in the JUnit suite
  local path=${1%/} base
  base=${path##*/}
  # abi/<version>/manifest.json is named after its version's folder.
  if [[ $base == manifest.json && $path == */* ]]; then
    path=${path%/*}
    base=${path##*/}
  fi
  echo "${base%.json}"
}
base_manifest=""
if ((git_mode == 0)); then
  if [[ -f $baseline ]]; then
    base_manifest=$(absolute "$baseline")
  elif [[ $baseline == */* || $baseline == *.json ]]; then
    die_usage "--baseline $baseline: no such file (a manifest written by 'uapikit-gen scan', or a version name)"
  else
    # A version name: uapikit-gen knows the versions and says which exist.
    base_manifest=$("$gen" abi path "$baseline") || exit 2
  fi
  read_base() {  # CODE [ARG...]: python over the baseline manifest `m` (ARGs in sys.argv[2:])
    python3 -c "import json,sys; m=json.load(open(sys.argv[1])); $1" "$base_manifest" "${@:2}"
  }
  ((${#targets[@]})) || mapfile -t targets < <(read_base 'print("\n".join(m["targets"]))')
  ((${#headers[@]})) || mapfile -t headers < <(read_base 'print("\n".join(next(iter(m["targets"].values()))["headers"]))')
  # A --header the baseline never scanned has nothing to be compared with:
  # the check would pass having compared nothing of it.
  if ((given_headers)); then
    scanned_count="" unscanned=""
    { read -r scanned_count; read -r unscanned; } < <(read_base 'scanned = {h for t in m["targets"].values() for h in t["headers"]}; print(len(scanned)); print(", ".join(h for h in sys.argv[2:] if h not in scanned))' "${headers[@]}") || true
    [[ $scanned_count =~ ^[0-9]+$ ]] || die_usage "--baseline $baseline: not a manifest uapikit-gen wrote"
    [[ -z $unscanned ]] ||
      die_usage "--header $unscanned: not one of the $scanned_count header(s) the baseline scanned, so nothing of it could be compared (a misspelling? else scan a baseline with it: 'uapikit-gen scan --keep-going' records a header its tree lacks, so the new one's declarations count as added)"
  fi
fi
((${#targets[@]})) || targets=("${all_targets[@]}")

if ((git_mode)); then
  suite_default="uapikit ABI: $git_base -> ${git_head:-working tree}"
elif [[ -n $new ]]; then
  suite_default="uapikit ABI: $(label "$baseline") -> $(label "$new")"
else
  suite_default="uapikit ABI: $(label "$baseline") -> ${kernel_tree:+kernel tree}${headers_dir:+headers}"
fi
suite=${junit_suite:-$suite_default}

arches=()
mapfile -t arches < <(for t in "${targets[@]}"; do arch_of "$t"; done | sort -u)

# ---- headers_install, every ARCH in parallel (at most --jobs at once) -----
# install_headers SRC OUT: OUT/<arch>/include for every ARCH needed.
# What headers_install writes outside asm/ is the same for every ARCH of one
# source tree, and processing those 900-odd headers one by one is most of an
# ARCH's time. So the first ARCH runs alone, with every job, and its build
# folder's usr/include without asm/ seeds the others' build folders (mtimes
# kept): their make finds those headers up to date, same sources and same
# commands, and processes only what is the ARCH's own. It still removes what
# an ARCH does not export. The trees are the same as without the seed.
# SEEDS (git mode): a folder that holds, for each ARCH, the build folder's
# usr/include of another revision, made ready for SRC by seed_from (below);
# each ARCH then starts from its own. Git mode keeps each ARCH's build
# usr/include as OUT/kbuild-<arch>, for the next revision to start from.
install_headers() {
  local src=$1 out=$2 seeds=${3:-} arch pid failed=() running=0 seed="" d
  mkdir -p "$out"
  declare -A job_arch=()
  for arch in "${arches[@]}"; do
    while ((running >= jobs)); do
      wait -n -p pid "${!job_arch[@]}" || failed+=("${job_arch[$pid]}")
      unset "job_arch[$pid]"; running=$((running - 1))
    done
    if [[ -n $seeds ]]; then
      mkdir -p "$out/build-$arch/usr"
      cp -a "$seeds/$arch" "$out/build-$arch/usr/include"
    elif [[ -n $seed ]]; then
      mkdir -p "$out/build-$arch/usr/include"
      for d in "$seed"/*; do
        [[ ${d##*/} == asm ]] || cp -a "$d" "$out/build-$arch/usr/include/"
      done
    fi
    say "make ARCH=$arch headers_install ($src)"
    make -s -j"$([[ -n $seed$seeds ]] && echo 1 || echo "$jobs")" -C "$src" ARCH="$arch" O="$out/build-$arch" \
      headers_install INSTALL_HDR_PATH="$out/$arch" >"$out/headers_install-$arch.log" 2>&1 &
    job_arch[$!]=$arch; running=$((running + 1))
    if [[ -z $seed$seeds ]]; then
      # the first ARCH: wait for it, and seed the rest if it went well
      if wait "$!"; then seed="$out/build-$arch/usr/include"; else failed+=("$arch"); fi
      unset "job_arch[$!]"; running=0
    fi
  done
  while ((running > 0)); do
    wait -n -p pid "${!job_arch[@]}" || failed+=("${job_arch[$pid]}")
    unset "job_arch[$pid]"; running=$((running - 1))
  done
  for arch in "${failed[@]}"; do
    fail_step "headers_install for $arch" 2 "$out/headers_install-$arch.log"
  done
  for arch in "${arches[@]}"; do
    if ((git_mode)); then
      rm -rf "$out/kbuild-$arch"
      mv "$out/build-$arch/usr/include" "$out/kbuild-$arch"
    fi
    rm -rf "$out/build-$arch"
  done
}

# Every uapi header of the installed trees, include-style, once: all of
# them but asm/ (reached through the headers that include it). A header
# that one ARCH lacks (linux/kvm.h on arm) is listed under that target's
# errors by the scan.
all_headers() {
  local arch
  for arch in "${arches[@]}"; do
    (cd "$1/$arch/include" && find . -name '*.h' ! -path './asm/*')
  done | sed 's|^\./||' | LC_ALL=C sort -u
}

# not_found_pairs LOG: the first five headers a scan's log says it did not
# find, with their targets ("linux/x.h [x86_64-linux-gnu], ..."), and how
# many more there are.
not_found_pairs() {
  sed -n 's/^uapikit-gen: warning: \([^:]*\): skipped \([^:]*\): header .* not found in .*/\2 [\1]/p' "$1" |
    awk '{ n++ } n <= 5 { printf "%s%s", (n > 1 ? ", " : ""), $0 } END { if (n > 5) printf ", and %d more", n - 5 }'
}

# scan NAME HEADERS_ROOT OUT [HEADER...]: writes OUT, or fails the step.
scan() {
  local name=$1 root=$2 out=$3 args=()
  shift 3
  for t in "${targets[@]}"; do args+=(--target "$t"); done
  # --keep-going: a header that needs libc, that one architecture does not
  # export, or that the tree no longer has is listed under the target's
  # errors instead of stopping the check. The diff then reports a header
  # that compiled before and does not now, and the declarations of one the
  # tree lost; one that never compiled is not compared.
  "$gen" scan "$@" -I "$root/{arch}/include" "${args[@]}" --keep-going -j "$jobs" -o "$out" 2>"$work/scan-$name.log" ||
    fail_step "scan of the $name headers" 2 "$work/scan-$name.log"
  local skipped missing
  skipped=$(grep -c 'warning:' "$work/scan-$name.log" || true)
  missing=$(grep -c "warning: .* not found in " "$work/scan-$name.log" || true)
  ((missing == 0)) || say "$name: $missing header/target pair(s) not in that tree: $(not_found_pairs "$work/scan-$name.log")"
  ((skipped - missing == 0)) ||
    say "$name: $((skipped - missing)) header/target pair(s) do not compile on their own and are not compared" \
        "($(where_errors "$name"))"
  return 0
}

# found_nowhere MANIFEST... -- HEADER...: prints the headers no target of
# any of the manifests found (a misspelt --header, or a header neither
# tree has), one per line.
found_nowhere() {
  python3 - "$@" <<'PY'
import json, sys
args = sys.argv[1:]
cut = args.index("--")
found = set()
for path in args[:cut]:
    for t in json.load(open(path))["targets"].values():
        files = t.get("header_files") or ["?"] * len(t["headers"])
        found.update(h for h, f in zip(t["headers"], files) if f)
print("\n".join(h for h in args[cut + 1:] if h not in found))
PY
}
# refuse_unfound MANIFEST...: a header named with --header that no side has
# would leave the check comparing nothing for it.
refuse_unfound() {
  ((given_headers)) || return 0
  local nowhere
  nowhere=$(found_nowhere "$@" -- "${headers[@]}") || fail_step "reading the manifests" 1 /dev/null
  [[ -z $nowhere ]] || die_usage "--header ${nowhere//$'\n'/, }: in neither tree, for any target"
}

if ((git_mode)); then
  git -C "$kernel_tree" rev-parse --git-dir >/dev/null 2>&1 ||
    die_usage "'$kernel_tree' is not a git checkout (git mode compares two states of one)"
  for ref in "$git_base" ${git_head:+"$git_head"}; do
    git -C "$kernel_tree" rev-parse --verify --quiet "$ref^{commit}" >/dev/null || die_usage "unknown git revision '$ref'"
  done
  # A revision's slice of the tree (what headers_install reads), taken with
  # git archive so the checkout itself is never touched. git archive refuses
  # a pathspec that matches nothing, and which of the later ones a tree has
  # depends on its version (and on how a repository was sliced): those the
  # revision lacks are left out.
  # The slice: what headers_install reads.
  slice_specs=(Makefile scripts include/uapi ':(glob)arch/*/Makefile' ':(glob)arch/*/include/uapi/**')
  export_ref() {  # REF DIR
    mkdir -p "$2"
    local files spec specs=("${slice_specs[@]}")
    local -A optional=(
      [tools/include]='^tools/include/'
      [':(glob)arch/*/tools/**']='^arch/[^/]+/tools/'
      [':(glob)arch/*/entry/syscalls/**']='^arch/[^/]+/entry/syscalls/'
      [':(glob)arch/*/kernel/syscalls/**']='^arch/[^/]+/kernel/syscalls/'
      [':(glob)arch/*/kernel/Makefile*']='^arch/[^/]+/kernel/Makefile')
    files=$(git -C "$kernel_tree" ls-tree -r --name-only "$1" -- tools arch) || return 1
    for spec in "${!optional[@]}"; do
      grep -qE "${optional[$spec]}" <<<"$files" && specs+=("$spec")
    done
    git -C "$kernel_tree" archive --format=tar "$1" -- "${specs[@]}" | tar -x -C "$2"
  }
  optional_specs=(tools/include ':(glob)arch/*/tools/**' ':(glob)arch/*/entry/syscalls/**'
                  ':(glob)arch/*/kernel/syscalls/**' ':(glob)arch/*/kernel/Makefile*')
  # digest DIR...: one checksum of every file's name and contents below DIRs.
  digest() {
    local d
    for d; do (cd "$d" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum | sha256sum); done
  }

  # The new side's headers_install starts from the base's. A change to a
  # kernel's uapi touches a few headers of the 900-odd that headers_install
  # processes one by one, and on a machine where starting a process is slow
  # that is a minute per ARCH. make decides what to redo from mtimes and from
  # the commands it recorded (kbuild's .cmd files), so the base's build
  # usr/include, copied, serves another revision when:
  # - the headers made from the files that changed are removed, so make makes
  #   them again (and it removes those whose source is gone);
  # - the recorded commands name the new source tree, as make's would;
  # - every other header is newer than any source file.
  # Only a change to uapi headers (*.h under include/uapi/ and
  # arch/*/include/uapi/) is handled so; any other change to what
  # headers_install reads (its scripts, a Makefile, a syscall table, a Kbuild
  # file) means a headers_install from scratch.
  #
  # changed_paths BASE [HEAD]: the slice's files that differ between BASE and
  # HEAD (without HEAD: the working tree, untracked files included),
  # NUL-terminated.
  changed_paths() {
    git -C "$kernel_tree" diff --no-renames --name-only -z "$@" -- "${slice_specs[@]}" "${optional_specs[@]}" &&
      if (($# == 1)); then
        git -C "$kernel_tree" ls-files --others --exclude-standard -z -- "${slice_specs[@]}" "${optional_specs[@]}"
      fi
  }
  # seed_from SRC SEEDS PATH...: SEEDS/<arch> for every ARCH, from the base's
  # kbuild-<arch>, ready for a headers_install of SRC in which PATH...
  # changed. Fails (leaving no SEEDS) when it cannot be done.
  seed_from() {
    local src=$1 seeds=$2 arch p rel old new cmds=()
    shift 2
    for p; do
      case $p in
        include/uapi/*.h) ;;
        arch/*/include/uapi/*.h) ;;
        *) say "the new side changes $p, not only uapi headers: its headers_install starts from scratch"; return 1 ;;
      esac
    done
    new=$(realpath "$src")
    rm -rf "$seeds"
    mkdir -p "$seeds"
    for arch in "${arches[@]}"; do
      [[ -d $work/base-headers/kbuild-$arch ]] || { rm -rf "$seeds"; return 1; }
      cp -a "$work/base-headers/kbuild-$arch" "$seeds/$arch"
      for p; do
        case $p in
          include/uapi/*) rel=${p#include/uapi/} ;;
          *) rel=${p#arch/*/include/uapi/} ;;
        esac
        rm -f "$seeds/$arch/$rel"
      done
      mapfile -d '' cmds < <(find "$seeds/$arch" -name '*.cmd' -print0)
      # The base's source tree, as its commands name it: "sh TREE/scripts/headers_install.sh ...".
      old=$(grep -ohE -m1 '[^ ]+/scripts/headers_install\.sh' "${cmds[@]}" /dev/null | head -n1) || true
      old=${old%/scripts/headers_install.sh}
      [[ -n $old ]] || { rm -rf "$seeds"; return 1; }
      if [[ $old != "$new" ]]; then
        printf '%s\0' "${cmds[@]}" |
          OLD=$old/ NEW=$new/ xargs -0 -r perl -pi -e 's/\Q$ENV{OLD}\E/$ENV{NEW}/g'
      fi
      find "$seeds/$arch" -type f -name '*.h' -exec touch -- {} +
    done
  }
  # seeds_for HEAD_REF SRC: seed_from for HEAD_REF (empty: the working tree),
  # against the base; prints the SEEDS folder, or nothing.
  seeds_for() {
    local changed=() hidden
    # git diff does not look at a file marked assume-unchanged or
    # skip-worktree (`git ls-files -v`: a lowercase tag, or S), so its edits
    # would be missed: such a working tree starts from scratch.
    if [[ -z $1 ]]; then
      hidden=$(git -C "$kernel_tree" ls-files -v -- "${slice_specs[@]}" "${optional_specs[@]}" |
               grep -m1 -E '^([a-z]|S) ' || true)
      if [[ -n $hidden ]]; then
        say "git is told not to look at changes to ${hidden#* } (assume-unchanged or skip-worktree): the working tree's headers_install starts from scratch"
        return 0
      fi
    fi
    changed_paths "$git_base" ${1:+"$1"} >"$work/changed-paths" 2>"$work/changed-paths.log" || return 0
    mapfile -d '' changed <"$work/changed-paths"
    seed_from "$2" "$work/seeds" "${changed[@]}" || return 0
    say "headers_install of ${1:-the working tree} starts from $git_base's: ${#changed[@]} uapi header(s) changed"
    echo "$work/seeds"
  }
  # install_rev REF SIDE: $work/SIDE-headers/<arch>/include (and kbuild-<arch>)
  # for REF, from --cache when it holds every ARCH needed, else exported and
  # installed (the new side starting from the base's, above), and then kept
  # there. The key is REF's tree id: the same files, whatever the commit;
  # "headers-2" names the recipe, so a changed one starts afresh. An ARCH's
  # .done file holds the digest of its trees, so a tree changed or cut short
  # since is installed again rather than trusted.
  install_rev() {
    local ref=$1 side=$2 tree="" arch keep="" tmp hit=1 seeds=""
    if [[ -n $cache ]]; then
      tree=$(git -C "$kernel_tree" rev-parse "$ref^{tree}")
      keep=$cache/headers-2/$tree
      for arch in "${arches[@]}"; do
        [[ -f $keep/$arch.done ]] || { hit=0; continue; }
        if [[ ! -d $keep/$arch || ! -d $keep/kbuild-$arch ||
              $(digest "$keep/$arch" "$keep/kbuild-$arch") != "$(<"$keep/$arch.done")" ]]; then
          say "the cached headers of $ref for $arch ($keep/$arch) were changed since they were kept: installing again"
          rm -rf "$keep/$arch" "$keep/kbuild-$arch" "$keep/$arch.done"
          hit=0
        fi
      done
      if ((hit)); then
        say "headers of $ref ($tree) from $cache"
        mkdir -p "$work/$side-headers"
        for arch in "${arches[@]}"; do cp -a "$keep/$arch" "$keep/kbuild-$arch" "$work/$side-headers/"; done
        return
      fi
    fi
    say "exporting $ref"
    export_ref "$ref" "$work/$side-src" >"$work/export-$side.log" 2>&1 ||
      fail_step "git archive of $ref" 2 "$work/export-$side.log"
    [[ $side == head ]] && seeds=$(seeds_for "$ref" "$work/$side-src")
    install_headers "$work/$side-src" "$work/$side-headers" "$seeds"
    [[ -n $cache ]] || return 0
    # Copied in under a temporary name and renamed, then marked done: a run
    # that stops half way, or another job writing the same tree, leaves no
    # half tree marked done.
    mkdir -p "$keep"
    for arch in "${arches[@]}"; do
      [[ -f $keep/$arch.done ]] && continue
      tmp=$(mktemp -d "$keep/.tmp-$arch.XXXXXX")
      cp -a "$work/$side-headers/$arch" "$work/$side-headers/kbuild-$arch" "$tmp/"
      rm -rf "$keep/$arch" "$keep/kbuild-$arch"
      if mv -T "$tmp/$arch" "$keep/$arch" 2>/dev/null && mv -T "$tmp/kbuild-$arch" "$keep/kbuild-$arch" 2>/dev/null; then
        digest "$keep/$arch" "$keep/kbuild-$arch" >"$keep/$arch.done"
      fi
      rm -rf "$tmp"
    done
    say "kept the headers of $ref ($tree) in $cache"
  }
  install_rev "$git_base" base
  if [[ -n $git_head ]]; then
    install_rev "$git_head" head
  else
    install_headers "$kernel_tree" "$work/head-headers" "$(seeds_for "" "$kernel_tree")"
  fi
  if ((${#headers[@]} == 0)); then
    mapfile -t base_headers < <(all_headers "$work/base-headers")
    mapfile -t head_headers < <(all_headers "$work/head-headers")
  else
    base_headers=("${headers[@]}") head_headers=("${headers[@]}")
  fi
  baseline=$work/base.json
  scan base "$work/base-headers" "$baseline" "${base_headers[@]}"
  new=$work/head.json
  scan head "$work/head-headers" "$new" "${head_headers[@]}"
  refuse_unfound "$baseline" "$new"
elif [[ -z $new ]]; then
  if [[ -n $kernel_tree ]]; then
    headers_dir=$work/headers
    mkdir -p "$headers_dir"
    install_headers "$kernel_tree" "$headers_dir"
  fi
  new=$work/new.json
  scan new "$headers_dir" "$new" "${headers[@]}"
  refuse_unfound "$base_manifest" "$new"
  ((given_headers == 0)) || narrowed=1
fi

# ---- the diff ----------------------------------------------------------------
diff_args=(diff "$baseline" "$new")
# Git mode without --header scans every uapi header of both revisions: a
# header only one of them has was added or removed there.
((git_mode && ${#headers[@]} == 0)) && diff_args+=(--whole-trees)
# Against a baseline manifest, --header narrows the new scan only: what the
# baseline has from headers that scan never read is not compared.
((narrowed)) && diff_args+=(--narrowed)
for t in "${targets[@]}"; do diff_args+=(--target "$t"); done
[[ -n $junit ]] && diff_args+=(--junit "$junit" --junit-suite "$suite")
status=0
"$gen" "${diff_args[@]}" || status=$?
case $status in
  0) say "no ABI change" ;;
  4) say "compatible changes or warnings only" ;;
  8|12) say "INCOMPATIBLE ABI change" ;;
esac
exit "$status"
