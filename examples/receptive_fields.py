#!/usr/bin/env python3
"""Receptive fields of a deep belief network trained on Ising configurations.

Mehta & Schwab (arXiv:1410.3831) trained a 1600-400-100-25 DBN on 40 x 40 Ising samples just
above T_c and found that deeper units see larger, block-spin-like patches of the lattice. This
script does the same at any size: it samples the 2D Ising model at K = J/T (Wolff clusters,
spaced by the measured autocorrelation time), trains a DBN with deeprg.DBN (CD-1 with L1, as
`deeprg run`), and draws the effective receptive field of units of every layer,

    r(1) = W(1),   r(l) = r(l-1) W(l),

column j of r(l) being the linear image of unit j of layer l on the input lattice (biases
ignored). Each panel is one unit's field on the L x L lattice (red positive, blue negative).

    python3 examples/receptive_fields.py --L 40 --samples 20000 --hidden 400,100,25 \\
        --epochs 200 --out fields.png          # the paper's size (minutes)
    python3 examples/receptive_fields.py       # a small, quick version
"""
import argparse
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import deeprg  # noqa: E402


def receptive_fields(dbn):
    """r(l) for every layer, each (n_visible, n_units_l)."""
    fields, r = [], None
    for W in dbn.components_:  # (n_hidden_l, n_in_l), scikit-learn's layout
        r = W.T.astype(np.float64) if r is None else r @ W.T.astype(np.float64)
        fields.append(r)
    return fields


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--L", type=int, default=16, help="lattice side (default 16)")
    parser.add_argument("--K", type=float, default=0.408,
                        help="reduced coupling K = J/T (default 0.408, T = 2.45 > T_c)")
    parser.add_argument("--samples", type=int, default=2000, help="Ising samples (default 2000)")
    parser.add_argument("--hidden", default="64,16,4",
                        help="hidden layer sizes, comma-separated (default 64,16,4)")
    parser.add_argument("--epochs", type=int, default=20, help="epochs per layer (default 20)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate (default 0.1)")
    parser.add_argument("--l1", type=float, default=2e-2, help="L1 strength (default 2e-2)")
    parser.add_argument("--units", type=int, default=16, help="units drawn per layer (default 16)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="receptive_fields.png", help="output PNG")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.hidden.split(","))

    start = time.perf_counter()
    spins, report = deeprg.ising.sample(args.L, K=args.K, samples=args.samples, seed=args.seed,
                                        return_report=True)
    measured = deeprg.mc.measure(spins, K=args.K)
    print(f"sampled {args.samples} configurations of {args.L}x{args.L} at K = {args.K} "
          f"(tau_int = {report.get('tau_int', float('nan')):.2f} sweeps, "
          f"spacing {report['spacing_sweeps']}): energy per spin "
          f"{measured['energy_per_spin']:.4f} +- {measured['energy_per_spin_error']:.4f}, "
          f"exact {measured['exact']['energy_per_spin']:.4f}  [{time.perf_counter() - start:.1f}s]")

    X = deeprg.rbm.spins_to_visible(spins)  # +1 -> 1, -1 -> 0
    dbn = deeprg.DBN(hidden_layer_sizes=sizes, n_iter=args.epochs, learning_rate=args.lr,
                     l1=args.l1, l2=0.0, random_state=args.seed).fit(X)
    errors = [deeprg.rbm.reconstruction_error(dbn.layers_[0], X)]
    print(f"trained a {X.shape[1]}-" + "-".join(map(str, sizes)) +
          f" DBN, {args.epochs} epochs per layer; first-layer reconstruction error "
          f"{errors[0]:.4f}  [{time.perf_counter() - start:.1f}s]")

    fields = receptive_fields(dbn)
    shown = [min(args.units, f.shape[1]) for f in fields]
    cols = int(np.ceil(np.sqrt(max(shown))))
    rows_per_layer = [int(np.ceil(n / cols)) for n in shown]
    fig = plt.figure(figsize=(1.4 * cols * len(fields), 1.4 * max(rows_per_layer) + 0.6))
    outer = fig.add_gridspec(1, len(fields), wspace=0.15)
    for layer, (r, n, rows) in enumerate(zip(fields, shown, rows_per_layer), start=1):
        # the units with the strongest fields
        order = np.argsort(-np.sum(r**2, axis=0))[:n]
        inner = outer[layer - 1].subgridspec(max(rows_per_layer), cols, wspace=0.05, hspace=0.05)
        for k, j in enumerate(order):
            ax = fig.add_subplot(inner[k // cols, k % cols])
            f = r[:, j].reshape(args.L, args.L)
            scale = np.abs(f).max() or 1.0
            ax.imshow(f, cmap="RdBu_r", vmin=-scale, vmax=scale, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if k == 0:
                ax.set_title(f"layer {layer} ({r.shape[1]} units)", loc="left", fontsize=9)
    fig.suptitle(f"Receptive fields r(l) = W(1)...W(l) on the {args.L}x{args.L} lattice, "
                 f"K = {args.K}", fontsize=10)
    fig.savefig(args.out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {args.out}  [{time.perf_counter() - start:.1f}s]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
