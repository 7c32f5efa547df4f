#!/usr/bin/env bash
# Installs deeprg's build and test dependencies from Debian's archive (Debian 12).
# Idempotent: does nothing when everything is present. Needs root (or sudo) only when installing.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libcli11-dev nlohmann-json3-dev libopenblas-dev libdnnl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libpng-dev zlib1g-dev
  libplplot-dev plplot-driver-cairo libtomlplusplus-dev
  libopenmpi-dev openmpi-bin  # ensembles and data-parallel training over MPI ranks (optional)
  procps  # pkill: the test that kills an MPI training run
  python3 python3-dev python3-numpy pybind11-dev python3-pytest python3-sklearn python3-matplotlib
  chromium chromium-driver python3-selenium
  clang libclang-rt-14-dev  # the fuzz targets: clang's libFuzzer and sanitizers (scripts/fuzz.sh)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
