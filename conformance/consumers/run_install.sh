#!/usr/bin/env bash
# README's install commands, run verbatim in a clean copy of the source tree
# (its tracked files only), each installing into a staging folder through
# DESTDIR; then the installed kit is used the way README says:
#   - the headers-only install has the headers and uapikit.pc, no tools;
#   - the release install builds only what it installs, and has
#     uapikit-gen, uapikit-abi-ci, libuapikit-preload.so and the ABI versions;
#   - the installed uapikit-gen reads the installed ABI versions, not the
#     source tree's, and asks for a header tree instead of guessing one;
#   - uapikit-abi-ci runs with the installed uapikit-gen and data;
#   - the preload library takes /dev/iommu over in an unmodified program;
#   - a consumer found through pkg-config builds with
#     -Wall -Wextra -Wpedantic -Wconversion -Werror.
# Usage: run_install.sh SOURCE_DIR KERNEL_HEADERS
set -euo pipefail
source=$(cd "$1" && pwd) kernel_headers=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok   $*"; }

# A clean checkout: what git tracks, as it is in the working tree.
mkdir "$work/src"
git -C "$source" ls-files -z | (cd "$source" && xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$work/src"

# The commands between the markers in README's install section.
commands=$(sed -n '/<!-- install-commands -->/,/<!-- \/install-commands -->/p' "$source/README.md" |
           sed -n '/^```sh$/,/^```$/p' | grep -v '^```' | grep -v '^#' | grep -v '^$')
headers_only=$(grep -- '-Dgenerator=disabled' <<<"$commands") || fail "README has no headers-only install command"
release=$(grep -- '--buildtype=release' <<<"$commands") || fail "README has no release install command"

run_readme() {  # STAGE COMMAND
  (cd "$work/src" && DESTDIR=$1 bash -euo pipefail -c "$2") >"$work/log" 2>&1 || { tail -40 "$work/log"; fail "README command failed: $2"; }
}

# ---- headers only --------------------------------------------------------
start=$SECONDS
run_readme "$work/hdr" "$headers_only"
ok "headers-only install in $((SECONDS - start)) s: $headers_only"
[[ -f $(find "$work/hdr" -path '*/include/uapikit/iommufd.hpp' | head -1) ]] || fail "headers-only: no uapikit/iommufd.hpp"
[[ -n $(find "$work/hdr" -name uapikit.pc) ]] || fail "headers-only: no uapikit.pc"
[[ -z $(find "$work/hdr" -name uapikit-gen) ]] || fail "headers-only: installed uapikit-gen"
ok "headers-only: headers and uapikit.pc, no tools"

# ---- release -------------------------------------------------------------
start=$SECONDS
run_readme "$work/rel" "$release"
ok "release build and install in $((SECONDS - start)) s: $release"
build=$(find "$work/src/build" -maxdepth 1 -mindepth 1 -type d -name '*release*' | head -1)
[[ -n $build && -f $build/build.ninja ]] || fail "no release build folder"
[[ -z $(find "$build" -name 'test_*' -type f) ]] || fail "the release build built test programs"
[[ ! -e $build/bench && ! -e $build/fuzz ]] || fail "the release build built benchmarks or fuzzers"
ok "release: builds only what it installs"

find_one() { find "$work/rel" -name "$1" \( -type f -o -type l \) | head -1; }
gen=$(find_one uapikit-gen)
abi_ci=$(find_one uapikit-abi-ci)
preload=$(find_one libuapikit-preload.so)
pc=$(find_one uapikit.pc)
for f in gen abi_ci preload pc; do [[ -n ${!f} ]] || fail "release: $f not installed"; done
manifest=$(find "$work/rel" -path '*/share/uapikit/abi/linux-7.1/manifest.json' | head -1)
[[ -n $manifest ]] || fail "release: ABI versions not installed under share/uapikit/abi"
ok "release: uapikit-gen, uapikit-abi-ci, libuapikit-preload.so, uapikit.pc, share/uapikit/abi"

# The installed tool uses the installed versions, even with the source
# tree (and its abi/) still in place.
path=$("$gen" abi path linux-7.1)
[[ $path == "$manifest" ]] || fail "installed uapikit-gen reads $path, not the installed $manifest"
ok "installed uapikit-gen reads the installed ABI versions"
status=0
"$gen" abi verify linux-7.1 >"$work/out" 2>&1 || status=$?
[[ $status == 2 ]] && grep -q -- '--kernel-headers' "$work/out" || { cat "$work/out"; fail "abi verify without a header tree: status $status"; }
"$gen" abi verify linux-7.1 --kernel-headers "$kernel_headers" >"$work/out" 2>&1 || { cat "$work/out"; fail "abi verify with --kernel-headers"; }
ok "installed abi verify asks for a header tree, and verifies with one"

status=0
"$abi_ci" --baseline amd-viommu-v2 --new amd-viommu-kvmfd-v2 >"$work/out" 2>&1 || status=$?
[[ $status == 12 ]] || { cat "$work/out"; fail "uapikit-abi-ci on the installed versions: status $status, expected 12"; }
ok "installed uapikit-abi-ci finds the installed uapikit-gen and versions"

cat >"$work/open.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
int main(void) {
    int fd = open("/dev/iommu", O_RDWR);
    printf("%d\n", fd);
    return fd < 0;
}
EOF
cc -o "$work/open" "$work/open.c"
LD_PRELOAD=$preload "$work/open" >/dev/null || fail "the installed preload library did not open /dev/iommu"
ok "installed libuapikit-preload.so takes /dev/iommu over"

# ---- a consumer with strict warnings, through pkg-config ------------------
mkdir -p "$work/consumer"
cp "$source/conformance/consumers/consumer.cpp" "$work/consumer/"
cat >"$work/consumer/meson.build" <<'EOF'
project('strict-consumer', 'cpp', default_options : ['cpp_std=c++20', 'warning_level=2', 'werror=true'])
executable('consumer', 'consumer.cpp', dependencies : dependency('uapikit', method : 'pkg-config'),
  cpp_args : ['-Wpedantic', '-Wconversion', '-Wsign-conversion', '-Wshadow'])
EOF
unset CXXFLAGS LDFLAGS
for cxx in g++ clang++-19; do
  PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$work/rel CXX=$cxx \
    meson setup "$work/cb-$cxx" "$work/consumer" >"$work/log" 2>&1 || { cat "$work/log"; fail "consumer setup ($cxx)"; }
  ninja -C "$work/cb-$cxx" >"$work/log" 2>&1 || { cat "$work/log"; fail "consumer build with strict warnings ($cxx)"; }
  "$work/cb-$cxx/consumer" >/dev/null || fail "consumer run ($cxx)"
  ok "consumer built with -Wpedantic -Wconversion -Werror ($cxx) and ran"
done
echo "install: all checks passed"
