#!/usr/bin/env bash
# Quick start, part 2: install, build and run every test (GoogleTest through ctest).
# `scripts/test.sh sanitize` runs the same suite under ASan + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
scripts/build.sh "$preset"
ctest --preset "$preset" -j "$(nproc)"
