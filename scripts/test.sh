#!/usr/bin/env bash
# Set-up plus every test: installs what is missing, builds with g++ 12 and
# with clang++ 19 (both -Wall -Wextra, warnings as errors here only), runs the fast suites on the
# g++ build and every suite on an AddressSanitizer + UndefinedBehavior-
# Sanitizer clang build, then prints 'N passed, N failed' from the results.
# UAPIKIT_JOBS sets how many compiles and tests run at once (default: nproc).
set -uo pipefail
if [[ $# -gt 0 ]]; then
  case $1 in
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
               echo; echo "usage: scripts/test.sh (no arguments)"; exit 0 ;;
    *) echo "scripts/test.sh: takes no arguments (got '$1'); see --help" >&2; exit 2 ;;
  esac
fi
[[ -z ${UAPIKIT_JOBS:-} || $UAPIKIT_JOBS =~ ^[1-9][0-9]*$ ]] ||
  { echo "scripts/test.sh: UAPIKIT_JOBS must be a number of jobs, 1 or more (got '$UAPIKIT_JOBS')" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Wall time of each phase, so that a slow CI run shows where it went.
phase_start=$SECONDS
phase_done() { echo "test.sh: $1 took $((SECONDS - phase_start)) s"; phase_start=$SECONDS; }

bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
phase_done "set-up (apt-get)"
bash scripts/kernel-headers.sh build/cache >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
# The Linux 6.1 trees, for the real-history diff suites (history_*).
bash scripts/kernel-headers.sh --version 6.1 build/cache >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
phase_done "Linux 6.12 and 6.1 headers_install trees"

# The kernel's iommufd selftest maps hugetlb pages in 22 of its tests (at
# most 128 MiB at once, and two pages), and two of the fake's cases do too.
# Run as root on a machine with none reserved, this reserves that much for
# the run (64 pages of 2 MiB) and gives it back at the end;
# UAPIKIT_HUGETLB_PAGES sets how many pages (0: leave the machine alone).
huge_kb=$(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo 2>/dev/null)
hugetlb_pages=0
if [[ ${huge_kb:-0} -gt 0 ]]; then
  hugetlb_pages=$(( (128 * 1024 + huge_kb - 1) / huge_kb ))
  (( hugetlb_pages < 2 )) && hugetlb_pages=2
fi
want_hugetlb=${UAPIKIT_HUGETLB_PAGES:-$hugetlb_pages}
if [[ $EUID -eq 0 && $want_hugetlb -gt 0 && -w /proc/sys/vm/nr_hugepages && $(cat /proc/sys/vm/nr_hugepages) -eq 0 ]]; then
  trap 'echo 0 > /proc/sys/vm/nr_hugepages' EXIT
  trap 'exit 1' INT TERM  # through the EXIT trap
  echo "$want_hugetlb" > /proc/sys/vm/nr_hugepages 2>/dev/null
  echo "hugetlb: reserved $(cat /proc/sys/vm/nr_hugepages) of $want_hugetlb pages for the tests that map them; released at the end"
fi

jobs=${UAPIKIT_JOBS:-$(nproc)}
ninja_jobs=()  # ninja's own default (nproc + 2) unless UAPIKIT_JOBS is set
[[ -n ${UAPIKIT_JOBS:-} ]] && ninja_jobs=(-j "$UAPIKIT_JOBS")
logs=()
status=0
build_failures=0

configure() {  # dir, compiler, extra meson args...
  local dir=$1 compiler=$2
  shift 2
  # Line tables only (-g1): enough for sanitizer reports and backtraces, and
  # full debug info took a third of g++'s time on the generator.
  set -- -Ddebug=false -Dcpp_args=-g1 "$@"
  # Warnings are errors in this, the project's CI build, and nowhere else.
  if [[ ! -f "$dir/build.ninja" ]]; then
    CXX=$compiler meson setup "$dir" -Dwerror=true -Dtests=true "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  else
    meson configure "$dir" -Dwerror=true -Dtests=true "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  fi
  ninja -C "$dir" "${ninja_jobs[@]}" >"$dir.build.log" 2>&1 || { tail -50 "$dir.build.log"; return 1; }
}

mkdir -p build
if configure build/gcc g++; then
  phase_done "g++ build"
  meson test -C build/gcc --suite fast --num-processes "$jobs" --print-errorlogs || status=1
  logs+=(build/gcc/meson-logs/testlog.json)
  phase_done "g++ tests (suite fast)"
else
  echo "FAILED: g++ build"; status=1; build_failures=$((build_failures + 1))
fi

if configure build/clang-san clang++-19 -Db_sanitize=address,undefined -Db_lundef=false; then
  phase_done "clang++-19 sanitizer build"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  meson test -C build/clang-san --num-processes "$jobs" --print-errorlogs || status=1
  logs+=(build/clang-san/meson-logs/testlog.json)
  phase_done "clang++-19 sanitizer tests (every suite)"
else
  echo "FAILED: clang++-19 sanitizer build"; status=1; build_failures=$((build_failures + 1))
fi

python3 scripts/summarize_tests.py --build-failures "$build_failures" "${logs[@]}" || status=1
exit $status
