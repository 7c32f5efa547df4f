#!/usr/bin/python3
"""Do two groups of `deeprg run` directories find the same thing? For example the paper preset
over three seeds with fp32 products against the same seeds with bf16 products:

    scripts/compare_runs.py fp32-1 fp32-2 fp32-3 -- bf16-1 bf16-2 bf16-3

For every statistic the analysis reports (per layer: the receptive-field median radius and its
quartiles, growth ratios, block-spin overlaps, the reconstructions' observables) it prints each
group's values, the reference group's seed spread [min, max] and whether the other group's
values fall inside it, and the difference of the group means in units of its standard error
(seed-to-seed spread of both groups, plus the statistic's own error bar or resolution):
z = (mean_other - mean_ref) / sqrt(s_ref^2/n_ref + s_other^2/n_other + err^2). Exits 1 when
some |z| > 4 (so it can gate a change). With a handful of seeds, values outside the reference
range are common for two groups that do not differ at all; z is the test.
"""
import json
import statistics
import sys


def load(directory):
    with open(f"{directory}/analysis.json") as f:
        return json.load(f)


def findings(a):
    """(name, value, error or 0) for every statistic worth comparing."""
    out = []
    for layer in a["layers"]:
        l = layer["layer"]
        q = layer["receptive_field_radius_quartiles"]
        out += [
            (f"layer {l} median radius", layer["receptive_field_radius_median"], 0),
            (f"layer {l} radius lower quartile", q[0], 0),
            (f"layer {l} radius upper quartile", q[1], 0),
            (f"layer {l} mean radius", layer["receptive_field_radius"],
             layer.get("receptive_field_radius_error", 0)),
            (f"layer {l} best unit per block |r|", layer["block_overlap"]["best_per_block"], 0),
            (f"layer {l} blocks with a unit of their own",
             layer["block_overlap"]["matched_fraction"], 1 / layer["block_overlap"]["blocks"]),
        ]
        rec = layer["reconstruction"]
        for key in ("nn_correlation", "abs_magnetization", "correlation_length"):
            out.append((f"layer {l} reconstruction {key}", rec[key], rec.get(key + "_error", 0)))
    for g in a["receptive_field_growth"]:
        out.append((f"growth {g['from_layer']}->{g['to_layer']} (median ratio)",
                    g["median_radius_ratio"], 0))
    return out


def main():
    args = sys.argv[1:]
    if "--" not in args:
        sys.exit(__doc__)
    split = args.index("--")
    reference, other = args[:split], args[split + 1:]
    if len(reference) < 2 or not other:
        sys.exit("compare_runs: give at least two reference runs and one other run")
    ref = [findings(load(d)) for d in reference]
    oth = [findings(load(d)) for d in other]
    names = [name for name, _, _ in ref[0]]
    width = max(len(n) for n in names)
    print(f"{'statistic':<{width}}  reference: values -> [min, max]  |  other: values  "
          f"inside?  means  z")
    outside = differ = 0
    for k, name in enumerate(names):
        r = [f[k][1] for f in ref]
        o = [f[k][1] for f in oth]
        err = max([f[k][2] for f in ref + oth])
        inside = all(min(r) - err <= x <= max(r) + err for x in o)
        outside += not inside
        var = statistics.variance(r) / len(r) + err**2
        if len(o) > 1:
            var += statistics.variance(o) / len(o)
        z = (statistics.mean(o) - statistics.mean(r)) / var**0.5 if var > 0 else 0.0
        differ += abs(z) > 4
        fmt = lambda xs: " ".join(f"{x:.3f}" for x in xs)
        print(f"{name:<{width}}  {fmt(r)} -> [{min(r):.3f}, {max(r):.3f}]  |  {fmt(o)}  "
              f"{'yes' if inside else 'no '}  {statistics.mean(r):.3f} / "
              f"{statistics.mean(o):.3f}  {z:+.1f}")
    print(f"\n{len(names) - outside} of {len(names)} statistics have every value inside the "
          f"reference range; {differ} differ by more than 4 standard errors")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
