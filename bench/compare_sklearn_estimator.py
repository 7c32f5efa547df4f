#!/usr/bin/env python3
"""deeprg.RBM (the scikit-learn estimator over deeprg's C++ training) against
sklearn.neural_network.BernoulliRBM on the paper's data, and the Python layer's overhead.

Data: 20,000 Wolff samples of the 40 x 40 Ising model at K = 0.408 as {0, 1} rows (1600
visible units), 400 hidden units, batch 100, learning rate 0.1.

1. Overhead: wall time of deeprg.RBM.fit against the time the library itself reports for its
   epochs (EpochMetrics.seconds, the updates only) and against `deeprg train` with the same
   settings (process wall time, reading the .npy and writing the model included).
2. Side by side: seconds per epoch and the pseudo-log-likelihood per unit after training (the
   same estimator, deeprg.rbm.pseudo_log_likelihood, evaluated on every unit of 640 rows for
   both models). BernoulliRBM trains PCD-1 without momentum or weight decay; deeprg.RBM runs once
   with the same rule (persistent=True, momentum 0, l2 0) and once with its own defaults (CD-1,
   momentum 0.5 -> 0.9, l2 1e-4).

Run with Debian's python3 after building the package:
    PYTHONPATH=build/release/python DEEPRG_CLI=build/release/deeprg \
        python3 bench/compare_sklearn_estimator.py [--epochs 2] [--samples 20000]
The machine's environment decides the BLAS kernel (OPENBLAS_CORETYPE) for every contender.
"""
import argparse
import os
import subprocess
import tempfile
import time

import numpy as np
from sklearn.neural_network import BernoulliRBM

import deeprg


def pll_per_unit(W, a, b, X):
    model = deeprg.rbm.Rbm(W, a, b)
    return deeprg.rbm.pseudo_log_likelihood(model, X, threads=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--L", type=int, default=40)
    parser.add_argument("--hidden", type=int, default=400)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--cli", default=os.environ.get("DEEPRG_CLI"))
    args = parser.parse_args()

    print(f"deeprg {deeprg.__version__}, BLAS {deeprg.blas()['core']}")
    spins = deeprg.ising.sample(args.L, K=0.408, samples=args.samples, seed=1)
    X = deeprg.rbm.spins_to_visible(spins)  # float32 {0, 1}, (n, L*L)
    rows = X[:: max(1, len(X) // 640)][:640]  # 640 x 1600 <= 2^20: every unit of every row
    common = dict(n_components=args.hidden, batch_size=100, learning_rate=0.1,
                  n_iter=args.epochs, random_state=1)

    # 1. overhead of the estimator over the library's own epoch time, in the same call
    t = time.perf_counter()
    est = deeprg.RBM(**common).fit(X)
    fit_wall = time.perf_counter() - t
    epochs = [m["seconds"] for m in est.metrics_]
    t = time.perf_counter()
    model = deeprg.rbm.train(X, args.hidden, epochs=args.epochs, batch_size=100,
                             learning_rate=0.1, seed=1)
    train_wall = time.perf_counter() - t
    assert np.array_equal(est.components_, model.W.T)  # same bits
    print(f"\n1. {X.shape[1]} -> {args.hidden}, {len(X)} rows, {args.epochs} epochs")
    print(f"   deeprg.RBM.fit wall             {fit_wall:7.2f} s, of which the library's epoch "
          f"updates {sum(epochs):.2f} s ({', '.join(f'{s:.2f}' for s in epochs)}): "
          f"+{fit_wall - sum(epochs):.2f} s for input checks, the float32 copy and the "
          "per-epoch metrics")
    print(f"   deeprg.rbm.train wall           {train_wall:7.2f} s")
    if args.cli:
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "s.npy")
            np.save(data, spins)
            t = time.perf_counter()
            subprocess.run([args.cli, "train", "--data", data, "--hidden", str(args.hidden),
                            "--epochs", str(args.epochs), "--lr", "0.1", "--seed", "1",
                            "--out", os.path.join(tmp, "m.npz")],
                           check=True, capture_output=True)
            cli_wall = time.perf_counter() - t
            with np.load(os.path.join(tmp, "m.npz")) as f:
                same = np.array_equal(f["W"], model.W)
        print(f"   deeprg train (CLI) wall         {cli_wall:7.2f} s  (same weights: {same})")

    # 2. side by side with scikit-learn
    print(f"\n2. per epoch and pseudo-log-likelihood per unit after {args.epochs} epochs "
          f"(untrained: {pll_per_unit(np.zeros((X.shape[1], args.hidden)), None, None, rows):.4f})")
    contenders = [
        ("deeprg.RBM, PCD-1, no momentum", deeprg.RBM(persistent=True, momentum=0.0,
                                                      final_momentum=0.0, l2=0.0, **common)),
        ("deeprg.RBM, defaults (CD-1, momentum)", deeprg.RBM(**common)),
        ("sklearn BernoulliRBM (PCD-1)", BernoulliRBM(**common)),
    ]
    for name, estimator in contenders:
        t = time.perf_counter()
        estimator.fit(X)
        per_epoch = (time.perf_counter() - t) / args.epochs
        pll = pll_per_unit(estimator.components_.T, estimator.intercept_visible_,
                           estimator.intercept_hidden_, rows)
        print(f"   {name:40s} {per_epoch:6.2f} s/epoch   PLL/unit {pll:.4f}")


if __name__ == "__main__":
    main()
