#!/usr/bin/env bash
# Builds and runs a consumer project against uapikit.
#   run_consumer.sh pkgconfig BUILD_DIR SOURCE_DIR   install BUILD_DIR into a staging
#                                                   tree, find it through pkg-config
#   run_consumer.sh subproject BUILD_DIR SOURCE_DIR  use SOURCE_DIR as subprojects/uapikit
set -euo pipefail
mode=$1 build=$(cd "$2" && pwd) source=$(cd "$3" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$source/conformance/consumers/$mode" "$work/project"
cp "$source/conformance/consumers/consumer.cpp" "$work/consumer.cpp"
case $mode in
  pkgconfig)
    meson install -C "$build" --destdir "$work/stage" --no-rebuild --quiet >/dev/null
    pc=$(find "$work/stage" -name uapikit.pc | head -1)
    [[ -n $pc ]] || { echo "uapikit.pc was not installed"; exit 1; }
    export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$work/stage"
    ;;
  subproject)
    mkdir -p "$work/project/subprojects"
    ln -s "$source" "$work/project/subprojects/uapikit"
    # Make sure no installed copy is found first.
    export PKG_CONFIG_PATH=/nonexistent PKG_CONFIG_LIBDIR=/nonexistent
    ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac
unset CXXFLAGS LDFLAGS
meson setup "$work/b" "$work/project" >"$work/setup.log" 2>&1 || { cat "$work/setup.log"; exit 1; }
ninja -C "$work/b" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
if [[ $mode == subproject && -e $work/b/subprojects/uapikit/generator/uapikit-gen ]]; then
  echo "the subproject built uapikit-gen: header users must not need libclang"
  exit 1
fi
"$work/b/consumer"
