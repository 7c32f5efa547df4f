#!/usr/bin/env bash
# Quick start, part 1: install, build and run the main job with its embedded defaults.
# Extra arguments go to `deeprg run` (see `build/release/deeprg run --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release
exec build/release/deeprg run --out "${DEEPRG_OUT:-deeprg-run}" "$@"
