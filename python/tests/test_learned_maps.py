"""deeprg.rg's learned maps: a local block RBM and a DBN as coarse-graining maps, checked
against majority rule where their weights make them exactly that."""
import json

import numpy as np
import pytest

import deeprg
from deeprg import rbm, rg


def uniform_map(b, dim=2):
    """The local map with equal weights: sign(sum of the block), i.e. majority rule."""
    return rbm.Rbm(np.ones((b**dim, 1)), visible="spin", hidden="spin")


def block_layer(side, b, perm, sign, input_of_site, input_sign):
    """A spin-unit layer whose unit perm[I] sums the b x b block I of the side^2 input sites
    with weight sign[I]: majority rule with shuffled, partly anti-aligned units. Input site s is
    the layer's visible unit input_of_site[s], whose state is input_sign[s] times the site's spin
    (as tests/analysis/layer_map_test.cpp builds it)."""
    coarse = side // b
    W = np.zeros((side * side, len(perm)))
    for cy in range(coarse):
        for cx in range(coarse):
            block = cy * coarse + cx
            for dy in range(b):
                for dx in range(b):
                    site = (cy * b + dy) * side + cx * b + dx
                    W[input_of_site[site], perm[block]] = sign[block] * input_sign[site]
    return rbm.Rbm(W, visible="spin", hidden="spin")


@pytest.fixture(scope="module")
def shuffled_dbn():
    """18 x 18 -> 6 x 6 -> 2 x 2 with b = 3: layers of shuffled, partly flipped block units."""
    rng = np.random.default_rng(3)
    perm1, perm2 = rng.permutation(36), rng.permutation(4)
    sign1 = np.where(rng.random(36) < 0.3, -1, 1)
    sign2 = np.array([1, -1, 1, -1])
    layers = [block_layer(18, 3, perm1, sign1, np.arange(324), np.ones(324, dtype=int)),
              block_layer(6, 3, perm2, sign2, perm1, sign1)]
    return layers, perm1, sign1, perm2, sign2


@pytest.fixture(scope="module")
def samples_18():
    """500 Wolff samples of the 18 x 18 torus at T_c (divisible by 3 twice)."""
    return deeprg.ising.sample(18, T=deeprg.ising.T_c, samples=500, seed=7)


def test_uniform_weights_are_majority_rule(samples_18):
    for b in (3,):
        out = rg.apply_map(samples_18, uniform_map(b))
        assert out.dtype == np.int8 and out.shape == (500, 6, 6)
        assert np.array_equal(out, rg.block_spin(samples_18, b=b))
        assert rg.majority_agreement(samples_18, out) == 1.0
    # In 1D: b consecutive spins; an Rbm64 is accepted (rounded to float32).
    chain = deeprg.ising.sample(12, T=1.5, samples=40, seed=2, model="ising1d")
    m64 = rbm.Rbm64(np.ones((3, 1)), visible="spin", hidden="spin")
    assert np.array_equal(rg.apply_map(chain, m64), rg.block_spin(chain, b=3))
    # The readout 'sample' draws: a huge field reads the same, a zero one is a coin.
    big = rbm.Rbm(50 * np.ones((9, 1)), visible="spin", hidden="spin")
    assert np.array_equal(rg.apply_map(samples_18, big, readout="sample", seed=4),
                          rg.block_spin(samples_18, b=3))
    zero = rbm.Rbm(np.zeros((9, 1)), visible="spin", hidden="spin")
    coin = rg.apply_map(samples_18, zero, readout="sample", seed=4)
    assert 0.4 < (coin == 1).mean() < 0.6
    assert np.array_equal(coin, rg.apply_map(samples_18, zero, readout="sample", seed=4,
                                             threads=1))
    assert not np.array_equal(coin, rg.apply_map(samples_18, zero, readout="sample", seed=4,
                                                 level=1))


def test_majority_agreement_counts_untied_blocks():
    rng = np.random.default_rng(5)
    fine = np.where(rng.random((20, 8, 8)) < 0.5, -1, 1).astype(np.int8)
    majority = rg.block_spin(fine, b=2, ties="top-left")
    assert rg.majority_agreement(fine, majority) == 1.0
    assert rg.majority_agreement(fine, -majority) == 0.0
    assert 0.3 < rg.majority_agreement(fine, rg.block_spin(fine, b=2, rule="decimation")) < 1
    checkerboard = np.tile(np.array([[1, -1], [-1, 1]], dtype=np.int8), (3, 4, 4))
    assert np.isnan(rg.majority_agreement(checkerboard, majority[:3]))  # every block tied
    with pytest.raises(deeprg.ShapeError):
        rg.majority_agreement(fine, fine[:, :3, :3])


def test_learn_map_recovers_uniform_blocks():
    rng = np.random.default_rng(1)
    coarse = np.where(rng.random((300, 4, 4)) < 0.5, -1, 1).astype(np.int8)
    fine = np.repeat(np.repeat(coarse, 2, axis=1), 2, axis=2)  # every 2 x 2 block uniform
    m = rg.learn_map(fine, b=2, epochs=3, seed=2)
    assert isinstance(m, rbm.Rbm) and m.W.shape == (4, 1)
    assert m.W.sum() > 0 and m.hidden_bias[0] == 0 and not m.visible_bias.any()
    assert m.meta["b"] == 2 and m.meta["blocks_used"] == 300 * 16
    assert np.array_equal(rg.apply_map(fine, m), coarse)
    # max_blocks: every block of evenly spaced samples; the biases kept on request.
    few = rg.learn_map(fine, b=2, epochs=1, max_blocks=160, keep_biases=True)
    assert few.meta["samples_used"] == 10 and few.meta["blocks_used"] == 160
    assert not few.meta["spin_flip_symmetric"]


def test_learn_map_matches_the_cli(cli, tmp_path, samples_18):
    np.save(tmp_path / "s.npy", samples_18)
    out = json.loads(cli("learn-map", tmp_path / "s.npy", "--b", 3, "--epochs", 2, "--seed", 5,
                         "--out", tmp_path / "m.npz", "--json").stdout)
    m = rg.learn_map(samples_18, b=3, epochs=2, seed=5)
    assert np.array_equal(m.W.ravel(), np.array(out["weights"], dtype=np.float32))
    assert rg.majority_agreement(samples_18, rg.apply_map(samples_18, m, seed=5)) == pytest.approx(
        out["majority_agreement"])


def test_mcrg_and_flow_with_a_local_map_equal_majority_rule(samples_18):
    majority = rg.mcrg(samples_18, b=3, levels=1)
    learned = rg.mcrg(samples_18, map=uniform_map(3), levels=1)
    assert learned[0]["b"] == 3
    for key in ("y_t", "y_t_error", "y_h", "y_h_error"):
        assert learned[0][key] == majority[0][key]
    assert np.array_equal(learned[0]["even_matrix"], majority[0]["even_matrix"])
    assert rg.flow(samples_18, map=uniform_map(3), levels=2) == rg.flow(samples_18, b=3, levels=2)


def test_a_shuffled_block_dbn_is_majority_rule(shuffled_dbn, samples_18):
    layers, perm1, sign1, perm2, sign2 = shuffled_dbn
    level1 = rg.apply_map(samples_18, layers)
    assert level1.shape == (500, 6, 6)
    assert np.array_equal(level1, rg.block_spin(samples_18, b=3))
    # Level 1 takes level-1 spins; the data lattice (18 x 18) follows from layer 1.
    level2 = rg.apply_map(level1, layers, level=1)
    assert np.array_equal(level2, rg.block_spin(level1, b=3))

    placed = rg.map_placement(layers, samples_18.shape[1:])
    assert [(p["layer"], p["b"], p["L"], p["Ly"]) for p in placed] == [(1, 3, 6, 6), (2, 3, 2, 2)]
    for p in placed:
        assert p["mean_distance"] == pytest.approx(0, abs=1e-9)
        assert p["max_distance"] == pytest.approx(0, abs=1e-9)
        assert p["left_over"] == 0
    assert np.array_equal(placed[0]["unit_of_site"].ravel(), perm1)
    assert np.array_equal(placed[0]["orientation"].ravel(), sign1)
    assert placed[0]["flipped"] == int((sign1 < 0).sum())
    assert np.array_equal(placed[1]["unit_of_site"].ravel(), perm2)

    # mcrg and flow run the DBN in C++, the same steps as majority rule.
    assert rg.flow(samples_18, map=layers, levels=2) == rg.flow(samples_18, b=3, levels=2)
    a, b = rg.mcrg(samples_18, map=layers), rg.mcrg(samples_18, b=3)
    assert a[0]["y_t"] == b[0]["y_t"] and a[0]["y_h"] == b[0]["y_h"]


def test_errors_name_the_keyword(shuffled_dbn, samples_18):
    layers = shuffled_dbn[0]
    two = rbm.Rbm(np.ones((9, 2)), visible="spin", hidden="spin")
    with pytest.raises(deeprg.ConfigError, match="one hidden unit") as info:
        rg.apply_map(samples_18, two)
    assert info.value.key == "map"
    with pytest.raises(deeprg.ConfigError) as info:
        rg.mcrg(samples_18, map=two)
    assert info.value.key == "map"
    for call in (lambda: rg.apply_map(samples_18, uniform_map(3), readout="mean"),
                 lambda: rg.mcrg(samples_18, map=uniform_map(3), readout="mean"),
                 lambda: rg.flow(samples_18, readout="sample")):  # no learned map
        with pytest.raises(deeprg.ConfigError) as info:
            call()
        assert info.value.key == "readout" and str(info.value).startswith("readout:")
    with pytest.raises(deeprg.ConfigError, match="drop b") as info:
        rg.mcrg(samples_18, map=uniform_map(3), b=3)  # the map brings its own block
    assert info.value.key == "b"
    with pytest.raises(deeprg.ConfigError) as info:
        rg.apply_map(samples_18, layers, level=2)  # the DBN has two layers
    assert info.value.key == "level"
    with pytest.raises(deeprg.ConfigError) as info:
        rg.flow(samples_18, map=layers, levels=3)
    assert info.value.key == "levels"
    with pytest.raises(deeprg.ConfigError) as info:
        rg.apply_map(samples_18[:, :12, :12], layers)  # 144 sites, layer 1 has 324
    assert info.value.key == "map"
    with pytest.raises(deeprg.ConfigError) as info:
        rg.map_placement(layers, (12, 12))
    assert info.value.key == "layers"
    with pytest.raises(deeprg.ConfigError) as info:
        rg.map_placement(layers, (18, 18, 18))
    assert info.value.key == "shape"
    with pytest.raises(TypeError, match="layer 2"):
        rg.apply_map(samples_18, [layers[0], "layer"])
    with pytest.raises(TypeError, match="map"):
        rg.apply_map(samples_18, lambda s, level: s)
    with pytest.raises(deeprg.ShapeError):
        rg.apply_map(samples_18[:, :16, :16], uniform_map(3))  # 16 is no multiple of 3
    for kwargs, key in (({"b": 1}, "b"), ({"max_blocks": 0}, "max_blocks"), ({"cd_k": 0}, "cd_k"),
                        ({"learning_rate": -1.0}, "learning_rate"), ({"threads": -1}, "threads")):
        with pytest.raises(deeprg.ConfigError) as info:
            rg.learn_map(samples_18, b=kwargs.pop("b", 3), epochs=1, **kwargs)
        assert info.value.key == key


def test_full_field_reads_a_dbn_with_its_biases(shuffled_dbn, samples_18):
    layers = shuffled_dbn[0]
    # Block units of spin type have no bias: both readouts are majority rule.
    assert np.array_equal(rg.apply_map(samples_18, layers, full_field=True),
                          rg.apply_map(samples_18, layers))
    # A hidden bias larger than any block field is ignored by default (its odd part is the block
    # sum) and decides every coarse spin with full_field=True.
    biased = [rbm.Rbm(np.array(layers[0].W), hidden_bias=np.full(36, 20.0), visible="spin",
                      hidden="spin"), layers[1]]
    assert np.array_equal(rg.apply_map(samples_18, biased), rg.block_spin(samples_18, b=3))
    full = rg.apply_map(samples_18, biased, full_field=True)
    assert not np.array_equal(full, rg.block_spin(samples_18, b=3))
    flows = rg.renormalized_couplings(samples_18, map=biased, levels=1, full_field=True,
                                      couplings=["nn"])
    assert len(flows) == 2
    with pytest.raises(deeprg.ConfigError, match="full_field"):
        rg.apply_map(samples_18, uniform_map(3), full_field=True)
    with pytest.raises(deeprg.ConfigError, match="full_field"):
        rg.mcrg(samples_18, b=3, full_field=True)
