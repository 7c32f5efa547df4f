#!/usr/bin/env bash
# Installs the dependencies (Debian packages) and builds deeprg with a CMake preset
# (release by default; also debug, sanitize).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
scripts/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
