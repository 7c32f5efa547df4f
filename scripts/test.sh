#!/usr/bin/env bash
# Quick start, part 2: install, build and run every test (GoogleTest through ctest), then run
# each fuzz target briefly (scripts/fuzz.sh), so that a parser change which lets outside input
# crash the library fails here and not only in a long fuzzing run.
# `scripts/test.sh sanitize` runs the same suite under ASan + UBSan.
# DEEPRG_FUZZ_SECONDS sets the seconds per fuzz target: the default, 10, keeps the fuzz step
# (sanitizer build, then 8 targets two at a time) to about 3 minutes on 2 cores; 0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
fuzz_seconds="${DEEPRG_FUZZ_SECONDS:-10}"
if ! [[ $fuzz_seconds =~ ^(0|[1-9][0-9]*)$ ]]; then
  echo "test.sh: DEEPRG_FUZZ_SECONDS must be a whole number of seconds, got '$fuzz_seconds'" >&2
  exit 2
fi
scripts/build.sh "$preset"
ctest --preset "$preset" -j "$(nproc)"
# libFuzzer reads 0 seconds as "run forever", so 0 skips instead.
if [ "$fuzz_seconds" != 0 ]; then
  scripts/fuzz.sh "$fuzz_seconds"
fi
