#!/usr/bin/env bash
# Installs, with apt-get, every Debian 12 package uapikit needs to build,
# test and benchmark. Packages already present are left alone, so a second
# run costs one dpkg query. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config g++ make
  git  # the install and abi-ci tests copy and make git trees
  clang-19 libclang-19-dev llvm-19-dev libclang-rt-19-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libboost1.81-dev doctest-dev
  # real kernel headers for the accuracy tests (make headers_install)
  linux-source-6.12 xz-utils bc rsync python3
  # the Linux 6.1 trees for the ABI-history diff (scripts/kernel-headers.sh --version 6.1)
  linux-source-6.1
  # benchmark peers (bindgen, abidiff, pahole), timing and instruction counts
  bindgen hyperfine abigail-tools dwarves valgrind
  # headless browser that renders `uapikit-gen report` pages in its test
  chromium
  # each target's C library headers (/usr/<triple>/include), so that the
  # binding cross-check can compile uapi headers that include libc ones
  # (linux/videodev2.h includes <sys/time.h>) for all seven targets
  libc6-dev-amd64-cross libc6-dev-i386-cross libc6-dev-arm64-cross libc6-dev-armhf-cross
  libc6-dev-riscv64-cross libc6-dev-ppc64el-cross libc6-dev-s390x-cross
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present" >&2
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
