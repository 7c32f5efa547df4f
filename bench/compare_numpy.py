#!/usr/bin/python3
"""Checkerboard Metropolis speed: plain numpy against deeprg's multispin kernel.

numpy: a plain vectorised checkerboard sweep over each colour stored as an (L, L/2) int8 array
(np.roll neighbour sums, one float64 uniform per site of the colour, exact acceptance
min(1, exp(-dE/T))), single thread.
deeprg: bench/metropolis_bench.cpp (BM_MultispinMetropolis/<L>), run through its
--benchmark_format=json output. Both at T_c, h = 0, J = 1; figures are spin updates per
nanosecond (one sweep = L^2 updates), medians over repetitions.

Usage: /usr/bin/python3 bench/compare_numpy.py [--bench PATH] [--size 2048] [--sweeps 5]
       [--repetitions 5]
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

T_C = 2.269185314213022


class NumpyCheckerboard:
    """Checkerboard Metropolis on an L x L torus, J = 1, h = 0, stored as the two colours.

    Colour c holds the sites x = 2i + ((c + y) & 1) of row y as an (L, L/2) int8 array; a site's
    neighbours are the other colour at (y - 1, i), (y + 1, i), (y, i) and (y, i ± 1), with + in
    the rows where (c + y) is odd. A half-sweep flips a site with probability
    min(1, exp(-dE/T)), dE = 2 s Σnb, decided by one float64 uniform per site of the colour.
    """

    def __init__(self, size, temperature, seed=1):
        self.rng = np.random.default_rng(seed)
        self.colour = [self.rng.choice(np.array([-1, 1], dtype=np.int8), size=(size, size // 2))
                       for _ in (0, 1)]
        self.p3 = np.exp(-4.0 / temperature)  # s Σnb = 2: dE = 4
        self.p4 = np.exp(-8.0 / temperature)  # s Σnb = 4: dE = 8

    def sweep(self):
        for c in (0, 1):
            s, o = self.colour[c], self.colour[1 - c]
            nb = np.roll(o, 1, 0)
            nb += np.roll(o, -1, 0)
            nb += o
            plus, minus = (slice(1, None, 2), slice(0, None, 2)) if c == 0 else \
                (slice(0, None, 2), slice(1, None, 2))
            nb[plus] += np.roll(o[plus], -1, 1)
            nb[minus] += np.roll(o[minus], 1, 1)
            sn = s * nb
            u = self.rng.random(s.shape)
            flip = (sn <= 0) | ((sn == 2) & (u < self.p3)) | ((sn == 4) & (u < self.p4))
            s *= 1 - 2 * flip.view(np.int8)

    def energy_per_spin(self):
        s, o = self.colour  # every bond joins colour 0 to colour 1: sum the bonds of colour 0
        nb = np.roll(o, 1, 0) + np.roll(o, -1, 0) + o
        nb[1::2] += np.roll(o[1::2], -1, 1)
        nb[0::2] += np.roll(o[0::2], 1, 1)
        return -float(np.sum(s * nb, dtype=np.int64)) / (2 * s.size)


def time_numpy(size, sweeps, repetitions):
    lattice = NumpyCheckerboard(size, T_C)
    lattice.sweep()  # warm-up
    rates = []
    for _ in range(repetitions):
        t0 = time.perf_counter()
        for _ in range(sweeps):
            lattice.sweep()
        dt = time.perf_counter() - t0
        rates.append(sweeps * size * size / (dt * 1e9))
    return statistics.median(rates)


def find_bench(root):
    for pattern in ("build/release/metropolis_bench", "build/*/metropolis_bench",
                    "build/metropolis_bench"):
        hits = sorted(glob.glob(os.path.join(root, pattern)))
        if hits:
            return hits[0]
    return None


def time_deeprg(bench, size, repetitions):
    cmd = [bench, f"--benchmark_filter=BM_MultispinMetropolis/{size}$",
           f"--benchmark_repetitions={repetitions}", "--benchmark_format=json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    runs = json.loads(out)["benchmarks"]
    medians = [b for b in runs if b.get("aggregate_name") == "median"]
    if medians:
        return medians[0]["flips_per_ns"]
    rates = [b["flips_per_ns"] for b in runs if b.get("run_type", "iteration") == "iteration"]
    if not rates:
        sys.exit(f"no BM_MultispinMetropolis/{size} result in the output of {bench}")
    return statistics.median(rates)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", help="path to metropolis_bench (default: found under build/)")
    ap.add_argument("--size", type=int, default=2048)
    ap.add_argument("--sweeps", type=int, default=5, help="numpy sweeps per repetition")
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--check", action="store_true",
                    help="also check the numpy sampler: mean energy per spin on 16x16 at T_c "
                         "against the exact (Kaufman) value -1.4530")
    args = ap.parse_args()
    if args.check:
        lattice = NumpyCheckerboard(16, T_C, seed=3)
        for _ in range(2000):
            lattice.sweep()
        e = []
        for _ in range(40000):
            lattice.sweep()
            e.append(lattice.energy_per_spin())
        bins = np.array(e).reshape(100, -1).mean(axis=1)
        print(f"numpy 16x16 at T_c: <e> = {bins.mean():.4f} +- {bins.std(ddof=1) / 10:.4f}")
    bench = args.bench or find_bench(root)
    if not bench or not os.access(bench, os.X_OK):
        sys.exit("metropolis_bench not found: build it (cmake --build build/release) "
                 "or pass --bench PATH")

    np_rate = time_numpy(args.size, args.sweeps, args.repetitions)
    dr_rate = time_deeprg(bench, args.size, args.repetitions)
    print(f"L = {args.size}, T = T_c, single thread, medians of {args.repetitions} repetitions")
    print(f"  numpy checkerboard : {np_rate:8.3f} spin updates/ns")
    print(f"  deeprg multispin   : {dr_rate:8.3f} spin updates/ns   ({bench})")
    print(f"  ratio              : {dr_rate / np_rate:8.1f}x")


if __name__ == "__main__":
    main()
