#!/usr/bin/env bash
# Runs the fuzzer over a temporary copy of a corpus, so the tree is not
# modified; crash inputs land in ARTIFACT_DIR.
# Usage: fuzz/run_corpus.sh FUZZER CORPUS_DIR ARTIFACT_DIR RUNS [libFuzzer flags...]
set -euo pipefail
fuzzer=$1 corpus=$2 artifacts=$3 runs=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$corpus"/* "$work"/
mkdir -p "$artifacts"  # libFuzzer refuses an artifact prefix whose directory is missing
# -error_exitcode: libFuzzer's default, 77, would read as "skipped" to meson.
"$fuzzer" -runs="$runs" -max_len=512 -error_exitcode=1 -artifact_prefix="$artifacts"/ "$@" "$work"
