#!/usr/bin/python3
"""Seconds per CD-1 epoch, side by side: deeprg (fp32 and bf16 products), the GEMM floors of
OpenBLAS and of training's own kernel, a plain PyTorch loop and scikit-learn's BernoulliRBM, all
on 20,000 samples x 1600 visible units -> 400 hidden units, mini-batches of 100.

    /usr/bin/python3 bench/compare_rbm.py [build/release/rbm_bench] [--repeats 3]

deeprg's epoch is the trainer's own time for it, after train_rbm's one-time setup (as PyTorch's
is after a warm-up epoch). deeprg and the floors come from the rbm_bench binary (Google Benchmark
medians): "GEMM floor" is
OpenBLAS multiplying the four products of each batch on its own threads, "training floor" the
same products on the kernel deeprg trains with (oneDNN where the CPU has AVX-512), in its fixed
blocks, for each precision. Every
contender runs with the BLAS kernel as the environment sets it and, where the environment sets
OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE, again with both unset (OpenBLAS's own choice).
PyTorch runs in a fresh process per thread setting (torch.set_num_threads(1) and (2), and (2)
with OPENBLAS_NUM_THREADS=1, since Debian's torch multiplies in OpenBLAS) and does
what a plain CD-1 loop does: three matmuls, sigmoid, Bernoulli sampling with torch.rand, and the
weight update as two outer products. scikit-learn runs BernoulliRBM(n_components=400,
batch_size=100, n_iter=1) on {0,1} data; its time includes its own initialisation. Every figure
is a median of 3 (rbm_bench's repetitions) or of --repeats epochs (Python; after one untimed
warm-up epoch for PyTorch).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap

SAMPLES, VISIBLE, HIDDEN, BATCH = 20000, 1600, 400, 100

TORCH_LOOP = textwrap.dedent(
    """
    import json, statistics, sys, time, torch
    threads, repeats = int(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    n, nv, nh, b = %d, %d, %d, %d
    data = torch.where(torch.rand(n, nv) < 0.5, 1.0, -1.0)  # spin visible units, as deeprg
    W = 0.01 * torch.randn(nv, nh)
    a = torch.zeros(nv)
    c = torch.zeros(nh)
    dW, da, dc = torch.zeros_like(W), torch.zeros_like(a), torch.zeros_like(c)
    lr, mom = 0.01, 0.9

    def epoch():
        perm = torch.randperm(n)
        for i in range(0, n, b):
            v0 = data[perm[i:i + b]]
            p0 = torch.sigmoid(v0 @ W + c)
            h0 = (torch.rand_like(p0) < p0).float()
            q = torch.sigmoid(2 * (h0 @ W.t() + a))
            v1 = torch.where(torch.rand_like(q) < q, 1.0, -1.0)
            p1 = torch.sigmoid(v1 @ W + c)
            dW.mul_(mom).add_(v0.t() @ p0 - v1.t() @ p1, alpha=lr / b)
            da.mul_(mom).add_(v0.mean(0) - v1.mean(0), alpha=lr)
            dc.mul_(mom).add_(p0.mean(0) - p1.mean(0), alpha=lr)
            W.add_(dW); a.add_(da); c.add_(dc)

    with torch.no_grad():
        epoch()  # warm-up
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            epoch()
            times.append(time.perf_counter() - t)
    print(json.dumps({"median": statistics.median(times), "times": times}))
    """
    % (SAMPLES, VISIBLE, HIDDEN, BATCH)
)

SKLEARN_FIT = textwrap.dedent(
    """
    import json, statistics, sys, time
    import numpy as np
    from sklearn.neural_network import BernoulliRBM
    repeats = int(sys.argv[1])
    rng = np.random.default_rng(0)
    X = (rng.random((%d, %d)) < 0.5).astype(np.float32)
    times = []
    for r in range(repeats):
        rbm = BernoulliRBM(n_components=%d, batch_size=%d, n_iter=1, learning_rate=0.1,
                           random_state=r)
        t = time.perf_counter()
        rbm.fit(X)
        times.append(time.perf_counter() - t)
    print(json.dumps({"median": statistics.median(times), "times": times}))
    """
    % (SAMPLES, VISIBLE, HIDDEN, BATCH)
)


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout)


# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are set together on some machines (to keep older
# OpenBLAS builds off kernels that misbehave there); "OpenBLAS's own choice" unsets both.
BLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def kernel_settings():
    """(description, environment) pairs: as this environment sets the kernel, and, where it
    sets one, OpenBLAS's own choice. Every contender runs under each, so ratios compare like
    with like."""
    settings = [("kernel as the environment sets it", dict(os.environ))]
    if any(v in os.environ for v in BLAS_OVERRIDES):
        own = {k: v for k, v in os.environ.items() if k not in BLAS_OVERRIDES}
        settings.append(("OpenBLAS's own kernel choice", own))
    return settings


def deeprg_medians(binary, env):
    report = run_json(
        [binary, "--benchmark_format=json",
         "--benchmark_filter=BM_Cd1Epoch/threads:./pcd:0|BM_GemmFloor|BM_MatmulFloor"],
        env,
    )
    medians, core, matmul = {}, "", ""
    for b in report["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"]
        # Google Benchmark reports in the benchmark's unit (seconds here).
        medians[name] = b["real_time"]
        label = b.get("label", "")
        if "blas core " in label:
            core = label.split("blas core ")[-1]
        if "matmul " in label:
            matmul = label.split("matmul ")[-1].split(" blas core")[0]
    return medians, core, matmul


def precision_of(name):
    return "bf16" if "bf16:1" in name else "fp32"


def python_rows(env, repeats):
    rows = []
    try:
        # Debian's torch does its matmuls in the system OpenBLAS, whose own threads (all
        # cores by default) come on top of torch's OpenMP threads: try both knobs.
        for threads, blas in ((1, None), (2, None), (2, "1")):
            run_env = dict(env)
            if blas:
                run_env["OPENBLAS_NUM_THREADS"] = blas
            r = run_json([sys.executable, "-c", TORCH_LOOP, str(threads), str(repeats)], run_env)
            extra = f", OPENBLAS_NUM_THREADS={blas}" if blas else ""
            rows.append((f"PyTorch CD-1 loop, set_num_threads({threads}){extra}", r["median"]))
    except (subprocess.CalledProcessError, json.JSONDecodeError) as e:
        print(f"PyTorch skipped: {e}", file=sys.stderr)
    try:
        r = run_json([sys.executable, "-c", SKLEARN_FIT, str(repeats)], env)
        rows.append(("scikit-learn BernoulliRBM (n_iter=1)", r["median"]))
    except (subprocess.CalledProcessError, json.JSONDecodeError) as e:
        print(f"scikit-learn skipped: {e}", file=sys.stderr)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", nargs="?", default="build/release/rbm_bench")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-python", action="store_true", help="deeprg figures only")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"compare_rbm: {args.binary} not found (build the rbm_bench target first)")
    repeats = max(3, args.repeats)

    print(f"one CD-1 epoch, {SAMPLES} x {VISIBLE} -> {HIDDEN}, batch {BATCH}; "
          f"median of {repeats}; ratio = time / deeprg's fastest 2-thread time")
    for description, env in kernel_settings():
        medians, core, matmul = deeprg_medians(args.binary, env)
        rows = []
        for name, seconds in sorted(medians.items()):
            if name.startswith("BM_Cd1Epoch"):
                threads = name.split("threads:")[1].split("/")[0]
                rows.append((f"deeprg CD-1 {precision_of(name)}, {threads} thread(s)", seconds))
            elif name.startswith("BM_MatmulFloor"):
                threads = name.split("threads:")[1].split("/")[0]
                rows.append((f"training floor {precision_of(name)}, {threads} thread(s)", seconds))
            else:
                threads = name.split("blas_threads:")[1].split("/")[0]
                rows.append((f"OpenBLAS GEMM floor, {threads} BLAS thread(s)", seconds))
        if not args.skip_python:
            rows += python_rows(env, repeats)
        reference = min(s for name, s in rows if name.startswith("deeprg CD-1") and "2 thread" in name)
        print(f"\n{description}: OpenBLAS {core}; training products on {matmul}")
        width = max(len(name) for name, _ in rows)
        for name, seconds in rows:
            print(f"  {name:<{width}}  {seconds:7.3f} s   {seconds / reference:5.2f}x")


if __name__ == "__main__":
    main()
