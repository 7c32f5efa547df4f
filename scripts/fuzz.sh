#!/usr/bin/env bash
# Builds deeprg's libFuzzer targets (fuzz/) with clang, -fsanitize=fuzzer,address,undefined, and
# runs each for SECONDS (default 60), starting from its seed corpus in fuzz/corpus/<target>/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     e.g. scripts/fuzz.sh 600 npz
#
# New inputs go to build/fuzz/corpus/<target>/ (kept between runs, the committed seeds stay as
# they are); a crash, leak, timeout or sanitizer report is saved as
# build/fuzz/artifacts/<target>/crash-* (reproduce: build/fuzz/fuzz/fuzz_<target> FILE) and
# makes the script exit 1 after the remaining targets have run. Targets run one per core at a
# time (DEEPRG_FUZZ_PARALLEL overrides). Needs the Debian packages clang and libclang-rt-14-dev.
# DEEPRG_FUZZ_BUILD overrides the build directory, DEEPRG_FUZZ_JOBS the build's parallelism.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-60}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] ||
  targets=(npy npz spin_file sidecar model config_toml config_set dbn_json lists)
# libFuzzer reads -max_total_time=0 as "no limit"; this script always stops.
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS must be a positive whole number, got '$seconds'" >&2
  exit 2
fi
build=${DEEPRG_FUZZ_BUILD:-$root/build/fuzz}

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found; install the Debian packages clang and libclang-rt-14-dev" >&2
  exit 2
fi

# The library gets ASan and UBSan here and libFuzzer's coverage hooks from fuzz/CMakeLists.txt;
# the targets link libFuzzer itself. UBSan findings abort, so that libFuzzer reports them.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ \
  "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  -DDEEPRG_BUILD_FUZZ=ON -DDEEPRG_BUILD_TESTS=OFF -DDEEPRG_BUILD_BENCH=OFF \
  -DDEEPRG_BUILD_PYTHON=OFF >/dev/null
cmake --build "$build" -j "${DEEPRG_FUZZ_JOBS:-$(nproc)}" --target "${targets[@]/#/fuzz_}"

# One target per core at a time (each fuzzer is single-threaded); each reports when it ends.
fuzz_one() {
  local target=$1 corpus=$build/corpus/$1 artifacts=$build/artifacts/$1
  local log=$build/fuzz_$1.log
  mkdir -p "$corpus" "$artifacts"
  # -rss_limit_mb: the readers must refuse what would need more; -timeout: and refuse it fast.
  if "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" \
      "$root/fuzz/corpus/$target" 2>"$log"; then
    echo "== fuzz_$target for ${seconds}s: clean"
  else
    echo "== fuzz_$target for ${seconds}s: FAILED, see $log and $artifacts/" >&2
    touch "$build/fuzz_$target.failed"
  fi
  grep -E "^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb" "$log" || true
}
parallel=${DEEPRG_FUZZ_PARALLEL:-$(nproc)}
for target in "${targets[@]}"; do
  rm -f "$build/fuzz_$target.failed"
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  fuzz_one "$target" &
done
wait
status=0
for target in "${targets[@]}"; do
  [ -e "$build/fuzz_$target.failed" ] && status=1
done
exit $status