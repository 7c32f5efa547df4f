"""Real-space mutual information from Python, against the exact values and the command line."""
import json

import numpy as np
import pytest

import deeprg


def names(result):
    return [v["name"] for v in result["variables"]]


def test_exact_small_torus_and_the_optimum():
    out = deeprg.rg.mutual_information(L=5, K=0.4406868, buffer=1, optimum=True)
    assert out["conditionals"]["method"] == "exact"
    assert names(out) == ["majority", "majority_top_left", "decimation"]
    bits = {v["name"]: v["I_bits"] for v in out["variables"]}
    # The values of the exact table (5x5 torus, w = 1): majority < the optimum.
    assert bits["majority"] == pytest.approx(0.6783781242, abs=1e-9)
    assert bits["decimation"] == pytest.approx(0.5602110280, abs=1e-9)
    assert out["optimum"]["I_bits"] == pytest.approx(0.6870699699, abs=1e-9)
    assert out["optimum"]["I_bits"] >= max(bits.values())


def test_user_tables_and_samples_match_the_command_line(samples_tc, tmp_path, cli):
    K = 1 / deeprg.ising.T_c
    constant = np.full(16, 0.3)  # ignores the block: knows nothing
    out = deeprg.rg.mutual_information(samples_tc, K=K, tables={"constant": constant})
    assert names(out)[-1] == "constant"
    assert out["variables"][-1]["I_bits"] == pytest.approx(0.0, abs=1e-12)
    path = tmp_path / "tc.npy"
    np.save(path, samples_tc)
    cli_out = json.loads(cli("mi", path, "--K", repr(K), "--json").stdout)
    by_name = {v["name"]: v for v in cli_out["variables"]}
    for v in out["variables"][:3]:
        timed = dict(by_name[v["name"]])
        timed.pop("seconds", None)  # the command line also says how long each took
        assert v == timed


def test_bad_arguments_name_the_keyword(samples_tc):
    with pytest.raises(deeprg.ConfigError, match="K"):
        deeprg.rg.mutual_information(samples_tc)
    with pytest.raises(deeprg.ConfigError, match="L"):
        deeprg.rg.mutual_information(K=0.44)
    with pytest.raises(deeprg.ConfigError, match="tables"):
        deeprg.rg.mutual_information(L=5, K=0.44, tables={"bad": np.full(16, 2.0)})
    with pytest.raises(deeprg.ConfigError, match="readout"):
        deeprg.rg.mutual_information(L=5, K=0.44, readout="sign")
