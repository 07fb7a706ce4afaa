#!/usr/bin/env bash
# Build (once) and cache the kernel's own iommufd selftest binary
# (tools/testing/selftests/iommu/iommufd.c) from Debian's linux-source-6.12,
# against that tree's headers_install output, unmodified.
#
# Result:
#   CACHE_DIR/iommufd-selftest-6.12/iommufd   the kselftest binary
#
# The source as Debian ships it already uses five symbols that its own
# 6.12 headers do not have (later patches to the selftest were backported
# without the kernel side). They are given their mainline values with -D;
# no source file is edited:
#   IOMMU_HW_INFO_TYPE_DEFAULT = 0, IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0
#     (mainline include/uapi/linux/iommufd.h),
#   in_data_type: in mainline a union with out_data_type at the same offset,
#     so the name is mapped onto out_data_type,
#   MOCK_FLAGS_DEVICE_PASID = 1 << 2, MOCK_PASID_WIDTH = 20
#     (mainline drivers/iommu/iommufd/iommufd_test.h).
#
# The directory carries a stamp of the tarball, the recipe and the
# compiler; work happens in a temporary sibling renamed into place only
# when complete, as scripts/kernel-headers.sh does.
set -euo pipefail

readonly KVER=6.12
readonly STAMP=.uapikit-stamp
# Bump whenever the extraction list, flags or recipe change.
readonly RECIPE=2
TARBALL=${UAPIKIT_LINUX_TARBALL:-/usr/src/linux-source-${KVER}.tar.xz}
readonly TARBALL
readonly TOPDIR=linux-source-${KVER}
readonly CC=${CC:-gcc}

readonly DEFINES=(
    -DIOMMU_HW_INFO_TYPE_DEFAULT=0
    -DIOMMU_HW_INFO_FLAG_INPUT_TYPE=1
    -Din_data_type=out_data_type
    -DMOCK_FLAGS_DEVICE_PASID=4
    -DMOCK_PASID_WIDTH=20
)
# The flags of the selftest's own Makefile and tools/testing/selftests/lib.mk.
readonly CFLAGS=(-Wall -O2 -Wno-unused-function -D_GNU_SOURCE=)

usage() {
    cat <<EOF
Usage: scripts/kernel-selftest.sh [CACHE_DIR]

Build the iommufd kselftest of ${TARBALL} against the Linux ${KVER}
headers_install tree (scripts/kernel-headers.sh makes it) and print the
path of the binary. Later runs reuse the stamped result.

  CACHE_DIR  cache root (default: <repo>/build/cache)
EOF
}

case "${1:-}" in
    -h|--help) usage; exit 0 ;;
    -*) echo "kernel-selftest.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac
if [[ $# -gt 1 ]]; then
    echo "kernel-selftest.sh: too many arguments (try --help)" >&2
    exit 2
fi

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_arg=${1:-$repo_root/build/cache}
mkdir -p "$cache_arg"
CACHE=$(cd "$cache_arg" && pwd)
OUT=$CACHE/iommufd-selftest-$KVER

log() { printf 'kernel-selftest: %s\n' "$*" >&2; }
die() { printf 'kernel-selftest: error: %s\n' "$1" >&2; exit "${2:-1}"; }

command -v "$CC" >/dev/null || die "'$CC' is required but not installed"
tarball_key=""
if [[ -f $TARBALL ]]; then
    tarball_key=$(stat -L -c '%s:%Y' "$TARBALL")
fi
compiler_key=$("$CC" --version | head -1)
stamp_line="recipe=$RECIPE tarball=$tarball_key cc=$compiler_key"

stamp_ok() {
    local line
    [[ -f $OUT/$STAMP && -x $OUT/iommufd ]] || return 1
    read -r line <"$OUT/$STAMP" || return 1
    [[ $line == "$stamp_line" ]]
}

if stamp_ok; then
    printf '%s\n' "$OUT/iommufd"
    exit 0
fi

[[ -f $TARBALL ]] || die "$TARBALL not found; run: apt-get install linux-source-$KVER" 2
headers=$(bash "$repo_root/scripts/kernel-headers.sh" "$CACHE")/x86/include

# One builder at a time per cache; a second one waits and then finds the
# stamp.
exec 9>"$CACHE/.kernel-selftest.lock"
command -v flock >/dev/null && flock 9
if stamp_ok; then
    printf '%s\n' "$OUT/iommufd"
    exit 0
fi

tmp=$(mktemp -d "$CACHE/.tmp-selftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "extracting the iommufd selftest from $TARBALL"
members=(
    tools/testing/selftests/iommu/iommufd.c
    tools/testing/selftests/iommu/iommufd_utils.h
    tools/testing/selftests/kselftest_harness.h
    tools/testing/selftests/kselftest.h
    drivers/iommu/iommufd/iommufd_test.h
)
paths=()
for m in "${members[@]}"; do paths+=("$TOPDIR/$m"); done
xz -T2 -dc "$TARBALL" | tar -x -C "$tmp" --strip-components=1 "${paths[@]}"

log "building with $compiler_key"
# Built from inside the tree with a relative path, so the file names in the
# selftest's messages are the kernel's (tools/testing/selftests/iommu/...).
(cd "$tmp" && "$CC" "${CFLAGS[@]}" "${DEFINES[@]}" -isystem "$headers" \
    tools/testing/selftests/iommu/iommufd.c -o iommufd) 2>"$tmp/build.log" ||
    { cat "$tmp/build.log" >&2; die "the selftest did not build"; }

mkdir -p "$tmp/out"
mv "$tmp/iommufd" "$tmp/out/iommufd"
printf '%s\n' "$stamp_line" >"$tmp/out/$STAMP"
if [[ -e $OUT ]]; then mv "$OUT" "$tmp/stale"; fi
mv "$tmp/out" "$OUT"
printf '%s\n' "$OUT/iommufd"
