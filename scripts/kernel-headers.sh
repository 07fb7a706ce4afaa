#!/usr/bin/env bash
# Build (once) and cache the sanitised Linux UAPI headers (6.12 by default,
# or 6.1 for ABI history) for every architecture uapikit tests against.
#
# Result layout, per kernel version V:
#   CACHE_DIR/src-V/                 minimal slice of the kernel source tree
#   CACHE_DIR/linux-V/<arch>/include output of `make headers_install`
#
# Each finished directory carries a stamp file.  Work always happens in a
# temporary sibling directory that is renamed into place only after it is
# complete, so an interrupted run can never leave a tree that looks done.
set -euo pipefail

readonly SUPPORTED_VERSIONS=(6.12 6.1)
readonly ARCHES=(x86 arm64 arm riscv powerpc s390)
# Architectures built at once: UAPIKIT_JOBS, as in main.sh and test.sh, or
# the number of CPUs.
MAX_JOBS=${UAPIKIT_JOBS:-$(nproc)}
readonly STAMP=.uapikit-stamp
# Bump whenever the extraction list or build recipe changes; it is part of
# every stamp, so old caches are rebuilt automatically.
readonly RECIPE=1

usage() {
    cat <<EOF
Usage: scripts/kernel-headers.sh [--version V] [CACHE_DIR]

Extract the parts of /usr/src/linux-source-V.tar.xz that 'make
headers_install' needs and install the UAPI headers of Linux V for:
${ARCHES[*]}.

  --version V  kernel version: ${SUPPORTED_VERSIONS[*]} (default ${SUPPORTED_VERSIONS[0]});
               Debian's package linux-source-V provides the tarball
  CACHE_DIR    cache root (default: <repo>/build/cache)

Outputs CACHE_DIR/linux-V/<arch>/include; prints CACHE_DIR/linux-V on
stdout. Finished pieces are stamped and skipped on later runs.
Set UAPIKIT_LINUX_TARBALL to use another tarball (for the chosen version),
and UAPIKIT_JOBS to build that many architectures at once (default: nproc).
EOF
}

KVER=${SUPPORTED_VERSIONS[0]}
cache_given=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --version)
            [[ $# -ge 2 ]] || { echo "kernel-headers.sh: --version needs a value (try --help)" >&2; exit 2; }
            KVER=$2
            shift 2 ;;
        --version=*) KVER=${1#--version=}; shift ;;
        -*) echo "kernel-headers.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
        *)
            [[ -z $cache_given ]] || { echo "kernel-headers.sh: too many arguments (try --help)" >&2; exit 2; }
            cache_given=$1
            shift ;;
    esac
done
case " ${SUPPORTED_VERSIONS[*]} " in
    *" $KVER "*) ;;
    *) echo "kernel-headers.sh: unsupported version '$KVER' (supported: ${SUPPORTED_VERSIONS[*]})" >&2; exit 2 ;;
esac
readonly KVER
[[ $MAX_JOBS =~ ^[1-9][0-9]*$ ]] || { echo "kernel-headers.sh: UAPIKIT_JOBS must be a number of jobs, 1 or more (got '$MAX_JOBS')" >&2; exit 2; }
readonly MAX_JOBS
TARBALL=${UAPIKIT_LINUX_TARBALL:-/usr/src/linux-source-${KVER}.tar.xz}
readonly TARBALL
readonly TOPDIR=linux-source-${KVER}

if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] < 501)); then
    echo "kernel-headers.sh: bash >= 5.1 required (wait -n -p)" >&2
    exit 2
fi

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_arg=${cache_given:-$repo_root/build/cache}
mkdir -p "$cache_arg"
CACHE=$(cd "$cache_arg" && pwd)
SRC=$CACHE/src-$KVER
OUT=$CACHE/linux-$KVER

log() { printf 'kernel-headers: %s\n' "$*" >&2; }
die() { printf 'kernel-headers: error: %s\n' "$1" >&2; exit "${2:-1}"; }

# Identity of the input tarball: a rebuilt/upgraded linux-source package
# invalidates the cache.  Empty when the tarball is absent.
tarball_key=""
if [[ -f $TARBALL ]]; then
    tarball_key=$(stat -L -c '%s:%Y' "$TARBALL")
fi

# stamp_ok DIR: DIR is complete and was built from the current inputs.
# Without a tarball any complete stamp is accepted (nothing to compare with).
stamp_ok() {
    local f=$1/$STAMP line
    [[ -f $f ]] || return 1
    read -r line <"$f" || return 1
    [[ -z $tarball_key || $line == "recipe=$RECIPE tarball=$tarball_key" ]]
}
write_stamp() {
    printf 'recipe=%s tarball=%s\n' "$RECIPE" "$tarball_key" >"$1/$STAMP"
}

# ---- fast path: everything already present ----------------------------
all_done=1
for a in "${ARCHES[@]}"; do
    stamp_ok "$OUT/$a" || { all_done=0; break; }
done
if [[ $all_done == 1 ]]; then
    printf '%s\n' "$OUT"
    exit 0
fi

[[ -f $TARBALL ]] ||
    die "$TARBALL not found; run: apt-get install linux-source-$KVER" 2
for tool in make rsync tar xz; do
    command -v "$tool" >/dev/null || die "'$tool' is required but not installed"
done
hostcc_args=()
if ! command -v gcc >/dev/null; then
    if command -v clang-19 >/dev/null; then
        hostcc_args=(HOSTCC=clang-19)
    elif command -v clang >/dev/null; then
        hostcc_args=(HOSTCC=clang)
    else
        die "no host C compiler (gcc or clang) found; headers_install needs one"
    fi
fi

# Serialise concurrent runs on the same cache; the holder may also clean up
# temporaries that a killed earlier run left behind.
mkdir -p "$OUT"
exec 9>"$CACHE/.kernel-headers.lock"
if command -v flock >/dev/null; then
    flock 9
fi
rm -rf "$CACHE"/.tmp-src.* "$OUT"/.tmp-*

tmpdirs=()
declare -A job_arch=()
cleanup() {
    local pid d
    set +m  # no "Terminated" job notices for the jobs stopped below
    # Jobs run in their own process groups (set -m below): stop whole groups
    # so no orphaned make keeps writing into a directory we delete.
    for pid in "${!job_arch[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for d in "${tmpdirs[@]}"; do rm -rf "$d"; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- step 1: extract the source slice ----------------------------------
# Found by tracing headers_install for each arch: the top Makefile, the
# kbuild plumbing in scripts/ (including the host tools fixdep and unifdef),
# the UAPI trees, each arch's Makefile and whatever its archheaders /
# archscripts targets use (syscall tables and generators; x86 additionally
# builds arch/x86/tools/relocs, which includes tools/include/tools).
# tar fails on a pattern that matches nothing, so each version lists only
# what its tree has: 6.12 keeps generic syscall tables in scripts/ and
# per-arch Makefile.syscalls; 6.1's top Makefile runs scripts/pahole-flags.sh.
extract_patterns=(
    Makefile
    scripts/Kbuild.include
    'scripts/Makefile*'
    scripts/subarch.include
    scripts/basic
    scripts/headers_install.sh
    scripts/unifdef.c
    scripts/syscallhdr.sh
    scripts/syscalltbl.sh
    include/uapi
    tools/include/tools
    'arch/*/Makefile'
    'arch/*/include/uapi'
    'arch/*/tools'
    'arch/*/entry/syscalls'
    'arch/*/kernel/syscalls'
)
case $KVER in
    6.12) extract_patterns+=(scripts/include scripts/syscall.tbl 'arch/*/kernel/Makefile.syscalls') ;;
    6.1) extract_patterns+=(scripts/pahole-flags.sh) ;;
esac

if ! stamp_ok "$SRC"; then
    log "extracting source slice from $TARBALL"
    t0=$SECONDS
    tmp=$(mktemp -d "$CACHE/.tmp-src.XXXXXX")
    tmpdirs+=("$tmp")
    members=()
    for p in "${extract_patterns[@]}"; do members+=("$TOPDIR/$p"); done
    # The Debian tarball is multi-block, so xz can decompress in parallel.
    xz -T"$MAX_JOBS" -dc "$TARBALL" |
        tar -x -C "$tmp" --strip-components=1 --wildcards \
            --no-wildcards-match-slash "${members[@]}"
    write_stamp "$tmp"
    if [[ -e $SRC ]]; then
        stale=$(mktemp -d "$CACHE/.tmp-src.XXXXXX")
        tmpdirs+=("$stale")
        mv "$SRC" "$stale/"
    fi
    mv "$tmp" "$SRC"
    log "source slice ready ($((SECONDS - t0))s)"
fi

# ---- step 2: headers_install per arch, at most MAX_JOBS at once ---------
# Most of what headers_install writes does not depend on the arch: the
# include/uapi headers (everything but asm/) come out the same for all six,
# and processing them one by one (a shell script, sed and unifdef for each of
# about 900) is most of an arch's time. So the first arch is built alone, and
# its build folder's usr/include, without asm/, seeds the others' build
# folders with mtimes kept: their make then finds those headers up to date (same
# sources, same command lines) and processes only the arch's own, and still
# removes what the arch does not export (linux/kvm.h on arm, linux/a.out.h on
# most). The trees are the same as without the seed, byte for byte.
SEED=""
build_arch() {
    local arch=$1 tmp=$2 jobs=$3 t0=$SECONDS d
    if [[ -n $SEED ]]; then
        mkdir -p "$tmp/obj/usr/include"
        for d in "$SEED"/*; do
            [[ ${d##*/} == asm ]] || cp -a "$d" "$tmp/obj/usr/include/"
        done
    fi
    # Out-of-tree build (O=) keeps the shared source slice pristine, so
    # several arches can be built from it concurrently.
    if ! make -s -j"$jobs" -C "$SRC" O="$tmp/obj" ARCH="$arch" "${hostcc_args[@]}" \
            headers_install INSTALL_HDR_PATH="$tmp/out" >"$tmp/build.log" 2>&1; then
        log "$arch: headers_install FAILED; last lines of the log:"
        tail -n 20 "$tmp/build.log" >&2
        return 1
    fi
    [[ -d $tmp/out/include/asm && -d $tmp/out/include/linux ]] || {
        log "$arch: headers_install produced no asm/ or linux/ directory"
        return 1
    }
    write_stamp "$tmp/out"
    # Move a stale tree aside before deleting it: a half-deleted tree could
    # otherwise still carry its stamp.
    if [[ -e $OUT/$arch ]]; then mv "$OUT/$arch" "$tmp/stale"; fi
    mv "$tmp/out" "$OUT/$arch"
    if [[ -z $SEED ]]; then
        # the seed stays in this temporary folder until the script ends
        [[ -d $tmp/obj/usr/include ]] && printf '%s\n' "$tmp/obj/usr/include" >"$tmp/seed"
    else
        rm -rf "$tmp"
    fi
    log "$arch: installed $(find "$OUT/$arch/include" -name '*.h' | wc -l) headers ($((SECONDS - t0))s${SEED:+, seeded})"
}

set -m
failed=()
reap_one() {
    local pid rc=0
    wait -n -p pid "${!job_arch[@]}" || rc=$?
    [[ $rc == 0 ]] || failed+=("${job_arch[$pid]}")
    unset "job_arch[$pid]"
}

for a in "${ARCHES[@]}"; do
    if stamp_ok "$OUT/$a"; then
        log "$a: cached"
        continue
    fi
    while [[ ${#job_arch[@]} -ge $MAX_JOBS ]]; do reap_one; done
    tmp=$(mktemp -d "$OUT/.tmp-$a.XXXXXX")
    tmpdirs+=("$tmp")
    if [[ -z $SEED ]]; then
        # The first arch to build runs alone, with every job, and seeds the rest.
        log "$a: make headers_install"
        build_arch "$a" "$tmp" "$MAX_JOBS" &
        job_arch[$!]=$a
        reap_one
        [[ -f $tmp/seed ]] && SEED=$(<"$tmp/seed")
        continue
    fi
    log "$a: make headers_install"
    build_arch "$a" "$tmp" 1 &
    job_arch[$!]=$a
done
while [[ ${#job_arch[@]} -gt 0 ]]; do reap_one; done

if [[ ${#failed[@]} -gt 0 ]]; then
    die "headers_install failed for: ${failed[*]}"
fi
printf '%s\n' "$OUT"
