"""scikit-learn estimators over deeprg's RBM and DBN training: deeprg.RBM and deeprg.DBN."""
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _core

__all__ = ["RBM", "DBN", "DataRangeWarning"]


class DataRangeWarning(UserWarning):
    """Input values outside the visible units' range were clipped into it."""


# The library's keyword names (as ConfigError.key) in the estimators' words.
_ESTIMATOR_KEYS = {
    "epochs": "n_iter",
    "n_hidden": "n_components",
    "hidden_sizes": "hidden_layer_sizes",
    "seed": "random_state",
    "threads": "n_threads",
    "visible": "visible_units",
    "hidden": "hidden_units",
    "momentum_switch": "momentum_switch",
}


def _renamed(error):
    """A deeprg.ConfigError whose key and message name the estimator's parameter."""
    key = getattr(error, "key", None)
    new = _ESTIMATOR_KEYS.get(key)
    if new is None or new == key:
        return error
    message = str(error)
    if message.startswith(key + ":"):
        message = new + message[len(key):]
    renamed = _core.ConfigError(message)
    renamed.key = new
    return renamed


def _seed(random_state):
    """The library's seed for a scikit-learn random_state: a non-negative int is used as is
    (so that RBM(random_state=7) gives the bits of `deeprg train --seed 7`); None or a
    RandomState draws one."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")


def _range_of(units):
    return (-1.0, 1.0) if units == "spin" else (0.0, 1.0)


def _clip_to_units(X, units):
    """Visible units take values in [0, 1] (bernoulli: the probability of being on) or [-1, 1]
    (spin: the mean). Values outside are clipped into the range, with a DataRangeWarning, since
    the likelihood of a value the units cannot take is undefined."""
    low, high = _range_of(units)
    if X.size and (X.min() < low or X.max() > high):
        warnings.warn(
            f"X has values in [{X.min():.3g}, {X.max():.3g}], outside the {units} visible "
            f"units' range [{low:g}, {high:g}]; they were clipped into it (scale the data, "
            "e.g. with MinMaxScaler, to avoid this)",
            DataRangeWarning,
            stacklevel=3,
        )
        X = np.clip(X, low, high)
    return X


def _softplus(x):
    return np.logaddexp(0.0, x)


def _log_2cosh(x):
    ax = np.abs(x)
    return ax + np.log1p(np.exp(-2.0 * ax))


class _TrainingParams:
    """Hyperparameter validation shared by RBM and DBN."""

    def _check_params(self):
        _check_choice("visible_units", self.visible_units, {"bernoulli", "spin"})
        _check_choice("hidden_units", self.hidden_units, {"bernoulli", "spin"})
        for name in ("n_iter", "batch_size", "cd_k"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.n_threads, numbers.Integral) or self.n_threads < 0:
            raise ValueError(f"n_threads must be 0 (all cores) or positive, got {self.n_threads!r}")
        _check_choice("precision", self.precision, {"auto", "fp32", "bf16"})

    def _training_kwargs(self, n_samples):
        # A data set smaller than a batch is trained as one batch.
        return dict(
            batch_size=int(min(self.batch_size, n_samples)),
            cd_k=int(self.cd_k),
            persistent=bool(self.persistent),
            learning_rate=float(self.learning_rate),
            momentum=float(self.momentum),
            final_momentum=float(self.final_momentum),
            momentum_switch=int(self.momentum_switch),
            l1=float(self.l1),
            l2=float(self.l2),
            init_std=float(self.init_std),
            threads=int(self.n_threads),
            precision=self.precision,
        )


class RBM(_TrainingParams, TransformerMixin, BaseEstimator):
    """Restricted Boltzmann machine trained by contrastive divergence, as a scikit-learn
    transformer (shaped like sklearn.neural_network.BernoulliRBM, trained by deeprg's C++ core).

    Model: E(v, h) = -v'W h - a'v - b'h, p(v, h) = exp(-E(v, h))/Z, with visible units v and
    hidden units h each {0, 1} ('bernoulli') or +-1 ('spin'). Summing out h gives the free
    energy F(v) = -a'v - sum_j phi(b_j + (W'v)_j), phi = softplus (bernoulli) or ln 2cosh
    (spin), and p(v) = exp(-F(v))/Z. transform() returns E[h | v] = sigmoid(b + W'v) (or tanh).

    Training: mini-batches of m rows V0, P0 = E[h | V0]; k Gibbs steps give V1, P1 (from the
    data for CD-k, from persistent chains for PCD-k); the gradient
    g_W = (V0'P0 - V1'P1)/m (and likewise for the biases) drives
    D <- mu D + eps (g - l2 W), W <- W + D, then the L1 soft threshold
    w <- sign(w) max(|w| - eps l1, 0). The defaults are those of `deeprg train` (Hinton's
    practical guide), so RBM(n_components=n, n_iter=e, random_state=s) on the same data gives
    the same bits as `deeprg train --hidden n --epochs e --seed s`, for any n_threads.

    Parameters
    ----------
    n_components : int, default 256
        Number of hidden units.
    visible_units, hidden_units : {'bernoulli', 'spin'}, default 'bernoulli'
        Unit types. X holds visible values in [0, 1] (bernoulli: the probability of being on)
        or [-1, 1] (spin); values outside are clipped with a DataRangeWarning.
    learning_rate : float, default 0.01
        eps, per mini-batch mean gradient.
    batch_size : int, default 100
        Rows per mini-batch (a smaller data set is one batch).
    n_iter : int, default 10
        Epochs (passes over the data) per fit.
    cd_k : int, default 1
        Gibbs steps per update (CD-k).
    persistent : bool, default False
        Persistent CD (Tieleman 2008): the negative phase continues chains across updates.
    momentum, final_momentum : float, default 0.5, 0.9
        mu for the first `momentum_switch` epochs, then final_momentum.
    momentum_switch : int, default 5
    l1 : float, default 0
        L1 strength (proximal soft threshold on W, per mean-over-batch log-likelihood).
    l2 : float, default 1e-4
        Weight decay on W.
    init_std : float, default 0.01
        W ~ N(0, init_std^2) at the start; visible biases from the data marginals, hidden 0.
    random_state : int, RandomState or None
        A non-negative int is deeprg's seed (every random stream derives from it).
    n_threads : int, default 0
        Threads (0 = all cores); never changes the result.
    precision : {'auto', 'fp32', 'bf16'}, default 'auto'
        Arithmetic of the training products: bf16 rounds their operands to bfloat16 and sums
        in fp32 (twice as fast where the CPU has AVX-512 BF16); auto is bf16 there when the
        data are binary states, else fp32.
    verbose : int, default 0
        Print each epoch's reconstruction error and pseudo-log-likelihood per unit.

    Attributes
    ----------
    components_ : ndarray (n_components, n_features), float32
        W transposed, as scikit-learn lays out weights.
    intercept_hidden_ : ndarray (n_components,)
        b.
    intercept_visible_ : ndarray (n_features,)
        a.
    n_features_in_ : int
    n_iter_ : int
        Epochs trained so far (partial_fit adds one per call).
    h_samples_ : ndarray or None
        The persistent chains' hidden states (PCD).
    metrics_ : list of dict
        Per trained epoch: reconstruction_error, pseudo_log_likelihood (per unit, on up to
        1,000 rows), log_likelihood (exact, when the smaller layer has at most 20 units),
        learning_rate, momentum, seconds (the epoch's updates).

    Training runs without the GIL and stops with KeyboardInterrupt (after the current epoch,
    leaving the estimator as it was) on Ctrl-C. Models save to and load from deeprg's .npz
    format (save, load), which `deeprg evaluate` and numpy read.

    Examples
    --------
    >>> import numpy as np, deeprg
    >>> X = (np.random.default_rng(0).random((500, 16)) < 0.3).astype(np.float32)
    >>> rbm = deeprg.RBM(n_components=8, n_iter=5, random_state=1).fit(X)
    >>> rbm.transform(X).shape
    (500, 8)
    >>> ln_z = rbm.log_partition()           # exact: 8 hidden units are enumerated
    >>> ll = rbm.score_samples(X)             # pseudo-log-likelihood per row, nats
    """

    def __init__(
        self,
        n_components=256,
        *,
        visible_units="bernoulli",
        hidden_units="bernoulli",
        learning_rate=0.01,
        batch_size=100,
        n_iter=10,
        cd_k=1,
        persistent=False,
        momentum=0.5,
        final_momentum=0.9,
        momentum_switch=5,
        l1=0.0,
        l2=1e-4,
        init_std=0.01,
        random_state=None,
        n_threads=0,
        precision="auto",
        verbose=0,
    ):
        self.n_components = n_components
        self.visible_units = visible_units
        self.hidden_units = hidden_units
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.cd_k = cd_k
        self.persistent = persistent
        self.momentum = momentum
        self.final_momentum = final_momentum
        self.momentum_switch = momentum_switch
        self.l1 = l1
        self.l2 = l2
        self.init_std = init_std
        self.random_state = random_state
        self.n_threads = n_threads
        self.precision = precision
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting

    def _check_params(self):
        super()._check_params()
        if (
            not isinstance(self.n_components, numbers.Integral)
            or isinstance(self.n_components, bool)
            or self.n_components < 1
        ):
            raise ValueError(f"n_components must be a positive integer, got {self.n_components!r}")

    def _prepare(self, X, reset):
        X = self._validate_data(X, dtype=(np.float32, np.float64), reset=reset)
        return _clip_to_units(X, self.visible_units)

    def _train(self, X, state, epochs):
        metrics = []

        def on_epoch(m):
            metrics.append(m)
            if self.verbose:
                print(
                    f"[{type(self).__name__}] epoch {m['epoch']}, reconstruction error "
                    f"{m['reconstruction_error']:.5f}, pseudo-log-likelihood per unit "
                    f"{m['pseudo_log_likelihood']:.5f}, {m['seconds']:.2f}s"
                )
        kwargs = self._training_kwargs(X.shape[0])
        if state.get("chains") is not None:
            kwargs["batch_size"] = min(kwargs["batch_size"], state["chains"].shape[0])
        try:
            state = _core.rbm._continue_training(
                np.asarray(X, dtype=np.float32), state, epochs=epochs, seed=self._seed_,
                on_epoch=on_epoch, **kwargs)
        except _core.ConfigError as e:
            raise _renamed(e) from None
        state["metrics"] = metrics
        return state

    def _store(self, state):
        model = state["rbm"]
        self.components_ = np.ascontiguousarray(model.W.T)
        self.intercept_hidden_ = model.hidden_bias.copy()
        self.intercept_visible_ = model.visible_bias.copy()
        self.h_samples_ = state["chains"]
        self.n_iter_ = state["epoch"]
        self._velocity = (state["velocity_W"], state["velocity_a"], state["velocity_b"])
        self._training_meta = model.meta
        self.metrics_ = getattr(self, "metrics_", []) + state["metrics"]

    def _state(self):
        velocity_W, velocity_a, velocity_b = self._velocity
        return {
            "rbm": self.to_rbm(),
            "velocity_W": velocity_W,
            "velocity_a": velocity_a,
            "velocity_b": velocity_b,
            "chains": self.h_samples_,
            "epoch": self.n_iter_,
        }

    def fit(self, X, y=None):
        """Trains from scratch for n_iter epochs on X (n_samples, n_features). Returns self."""
        self._check_params()
        X = self._prepare(X, reset=True)
        self._seed_ = _seed(self.random_state)
        self.random_state_ = check_random_state(self._seed_)
        state = {"n_hidden": int(self.n_components), "visible": self.visible_units,
                 "hidden": self.hidden_units, "epoch": 0}
        self.metrics_ = []
        self._store(self._train(X, state, int(self.n_iter)))
        return self

    def partial_fit(self, X, y=None):
        """One more epoch on X, continuing from the current parameters, momentum and chains.

        The first call initialises the model from X (as fit does). Each call is one epoch over
        X in mini-batches (epoch n_iter_ + 1: its momentum, learning rate and random streams),
        so k calls on the same X give the same bits as fit with n_iter = k. Returns self.
        """
        first = not hasattr(self, "components_")
        if first:
            self._check_params()
        X = self._prepare(X, reset=first)
        if first:
            self._seed_ = _seed(self.random_state)
            self.random_state_ = check_random_state(self._seed_)
            state = {"n_hidden": int(self.n_components), "visible": self.visible_units,
                     "hidden": self.hidden_units, "epoch": 0}
        else:
            state = self._state()
        self._store(self._train(X, state, state["epoch"] + 1))
        return self

    # ------------------------------------------------------------------ using the model

    def to_rbm(self):
        """The fitted model as a deeprg.rbm.Rbm (a copy)."""
        check_is_fitted(self)
        meta = dict(getattr(self, "_training_meta", {}) or {})
        return _core.rbm.Rbm(self.components_.T, self.intercept_visible_, self.intercept_hidden_,
                             visible=self.visible_units, hidden=self.hidden_units, meta=meta)

    def transform(self, X):
        """E[h | v] = sigmoid(b + W'v) (bernoulli) or tanh(b + W'v) (spin) for each row:
        ndarray (n_samples, n_components), float32."""
        check_is_fitted(self)
        X = self._prepare(X, reset=False)
        return self.to_rbm().hidden_mean(X)

    def inverse_transform(self, H):
        """E[v | h] = sigmoid(a + W h) (or tanh) for hidden values H (n_samples, n_components):
        the mean-field map back to the visible layer, float32."""
        check_is_fitted(self)
        H = np.asarray(H, dtype=np.float32)
        return self.to_rbm().visible_mean(H)

    def gibbs(self, v):
        """One Gibbs step v -> h ~ p(h | v) -> v' ~ p(v | h); returns v' (float32 samples in the
        visible alphabet). Successive calls draw fresh randomness from random_state_."""
        check_is_fitted(self)
        v = self._prepare(v, reset=False)
        model = self.to_rbm()
        h = model.sample_hidden(v, seed=int(self.random_state_.randint(np.iinfo(np.int32).max)))
        return model.sample_visible(h, seed=int(self.random_state_.randint(np.iinfo(np.int32).max)))

    def free_energy(self, X):
        """F(v) of each row (float64, nats): p(v) = exp(-F(v))/Z."""
        check_is_fitted(self)
        X = self._prepare(X, reset=False)
        return self.to_rbm().free_energy(X)

    def score_samples(self, X):
        """Pseudo-log-likelihood of each row, sum_i ln p(v_i | v_-i) over every visible unit
        (nats; float64).

        With v' equal to v except for unit i set to its other value (1 - v_i for bernoulli,
        -v_i for spin units), ln p(v_i | v_-i) = -softplus(F(v) - F(v')). scikit-learn's
        BernoulliRBM estimates the same sum from one random unit per row; here every unit is
        visited, so the result is deterministic, at O(n_features * n_components) per row.
        """
        check_is_fitted(self)
        X = self._prepare(X, reset=False)
        V = np.asarray(X, dtype=np.float64)
        W = self.components_.T.astype(np.float64)          # (n_features, n_components)
        a = self.intercept_visible_.astype(np.float64)
        b = self.intercept_hidden_.astype(np.float64)
        phi = _log_2cosh if self.hidden_units == "spin" else _softplus
        out = np.empty(V.shape[0])
        chunk = max(1, int(2**22 // max(1, W.shape[1])))
        for start in range(0, V.shape[0], chunk):
            v = V[start:start + chunk]
            x = v @ W + b
            base = phi(x).sum(axis=1)
            total = np.zeros(v.shape[0])
            flipped = (1.0 - v) if self.visible_units == "bernoulli" else -v
            delta = flipped - v                                # v'_i - v_i
            for i in range(W.shape[0]):
                other = phi(x + delta[:, i, None] * W[i]).sum(axis=1)
                gap = a[i] * delta[:, i] + other - base        # F(v) - F(v')
                total -= _softplus(gap)
            out[start:start + chunk] = total
        return out

    def score(self, X, y=None):
        """Mean pseudo-log-likelihood per row (see score_samples): higher is better."""
        return float(np.mean(self.score_samples(X)))

    def log_partition(self, method="auto", *, chains=256, intermediate=20000, seed=None,
                      return_error=False):
        """ln Z of the fitted model (nats).

        method: 'exact' enumerates the smaller layer (at most 24 units here; 2^units *
        max(n_v, n_h) operations), 'ais' runs annealed importance sampling with `chains` runs
        through `intermediate` temperatures (a stochastic lower bound with an error bar),
        'auto' is exact when possible. With return_error, returns (ln Z, standard error; 0 when
        exact).
        """
        check_is_fitted(self)
        if seed is None:
            seed = self._seed_
        z = _core.rbm.log_z(self.to_rbm(), method, chains=chains, intermediate=intermediate,
                            seed=seed, threads=int(self.n_threads))
        return (z["log_z"], z["error"]) if return_error else z["log_z"]

    def log_likelihood(self, X, log_z=None):
        """ln p(v) = -F(v) - ln Z of each row (nats); ln Z exact or AIS ('auto') when not
        given."""
        if log_z is None:
            log_z = self.log_partition()
        return self.free_energy(X) * -1.0 - log_z

    # ------------------------------------------------------------------ files

    def save(self, path):
        """Writes the model in deeprg's .npz format (W as n_features x n_components,
        visible_bias, hidden_bias, meta JSON with the unit types, the training configuration
        and these parameters), atomically."""
        model = self.to_rbm()
        meta = model.meta
        meta["sklearn_params"] = {
            k: v for k, v in self.get_params().items()
            if v is None or isinstance(v, (bool, int, float, str))
        }
        meta["epochs_trained"] = int(self.n_iter_)
        model.meta = meta
        _core.rbm.save(str(path), model)

    @classmethod
    def load(cls, path):
        """An RBM estimator holding the model of a deeprg .npz file (from save, `deeprg train`
        or deeprg.rbm.save): ready to transform, score and continue training with
        partial_fit (with fresh momentum)."""
        model = _core.rbm.load(str(path))
        meta = model.meta
        params = dict(meta.get("sklearn_params", {}))
        params["n_components"] = model.n_hidden
        params["visible_units"] = model.visible
        params["hidden_units"] = model.hidden
        valid = cls().get_params()
        est = cls(**{k: v for k, v in params.items() if k in valid})
        est.components_ = np.ascontiguousarray(model.W.T)
        est.intercept_hidden_ = model.hidden_bias.copy()
        est.intercept_visible_ = model.visible_bias.copy()
        est.n_features_in_ = model.n_visible
        est.h_samples_ = None
        est.n_iter_ = int(meta.get("epochs_trained", meta.get("training", {}).get("--epochs", 0)))
        est._velocity = (np.zeros((model.n_visible, model.n_hidden), np.float32),
                         np.zeros(model.n_visible, np.float32),
                         np.zeros(model.n_hidden, np.float32))
        est._training_meta = {k: v for k, v in meta.items() if k != "sklearn_params"}
        est._seed_ = _seed(est.random_state)
        est.random_state_ = check_random_state(est._seed_)
        return est

    def _more_tags(self):
        # The core computes in float32: float32 input stays float32, and float64 input is
        # transformed to float32 too (that is the precision the model has).
        return {"preserves_dtype": [np.float32]}


class DBN(_TrainingParams, TransformerMixin, BaseEstimator):
    """Deep belief network (Hinton, Osindero & Teh 2006): a stack of RBMs trained greedily, layer
    l + 1 on the hidden means (or samples) of layer l, as a scikit-learn transformer.

    transform() is the mean-field up pass to the top layer, h_l = E[h | h_(l-1)];
    reconstruct(X, layer) goes up to a layer and back down. Parameters are RBM's (each applies
    to every layer; layer l > 0 trains with the seed splitmix64(seed ^ l), as `deeprg train
    --hidden 400,100,25`) plus:

    hidden_layer_sizes : sequence of int, default (256,)
        Hidden units per layer, e.g. (400, 100, 25) for Mehta & Schwab's 1600-400-100-25.
    propagate : {'mean-field', 'samples'}, default 'mean-field'
        What each layer trains on: the lower layer's hidden means or one sampled state per row.

    Attributes: components_ (list of (n_hidden_l, n_in_l) float32 arrays), intercepts_hidden_,
    intercepts_visible_ (lists), n_features_in_, layers_ (list of deeprg.rbm.Rbm), metrics_ (one
    dict per layer and epoch, as RBM.metrics_, with 'layer'). save(path)
    writes deeprg's DBN directory (layer_K.npz + dbn.json), load(path) reads one.
    """

    def __init__(
        self,
        hidden_layer_sizes=(256,),
        *,
        visible_units="bernoulli",
        hidden_units="bernoulli",
        learning_rate=0.01,
        batch_size=100,
        n_iter=10,
        cd_k=1,
        persistent=False,
        momentum=0.5,
        final_momentum=0.9,
        momentum_switch=5,
        l1=0.0,
        l2=1e-4,
        init_std=0.01,
        propagate="mean-field",
        random_state=None,
        n_threads=0,
        precision="auto",
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.visible_units = visible_units
        self.hidden_units = hidden_units
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.cd_k = cd_k
        self.persistent = persistent
        self.momentum = momentum
        self.final_momentum = final_momentum
        self.momentum_switch = momentum_switch
        self.l1 = l1
        self.l2 = l2
        self.init_std = init_std
        self.propagate = propagate
        self.random_state = random_state
        self.n_threads = n_threads
        self.precision = precision
        self.verbose = verbose

    def _sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = (sizes,)
        sizes = list(sizes)
        if not sizes or any(
            not isinstance(s, numbers.Integral) or isinstance(s, bool) or s < 1 for s in sizes
        ):
            raise ValueError(
                f"hidden_layer_sizes must be a non-empty sequence of positive integers, got "
                f"{self.hidden_layer_sizes!r}")
        return [int(s) for s in sizes]

    def fit(self, X, y=None):
        """Trains every layer from scratch, n_iter epochs each. Returns self."""
        self._check_params()
        sizes = self._sizes()
        _check_choice("propagate", self.propagate, {"mean-field", "samples"})
        X = self._validate_data(X, dtype=(np.float32, np.float64), reset=True)
        X = _clip_to_units(X, self.visible_units)
        self._seed_ = _seed(self.random_state)
        metrics = []

        def on_epoch(m):
            metrics.append(m)
            if self.verbose:
                print(f"[DBN] layer {m['layer']} epoch {m['epoch']}, reconstruction error "
                      f"{m['reconstruction_error']:.5f}, {m['seconds']:.2f}s")
        try:
            layers = _core.rbm.train_dbn(
                np.asarray(X, dtype=np.float32), sizes, visible=self.visible_units,
                hidden=self.hidden_units, epochs=int(self.n_iter), seed=self._seed_,
                propagate=self.propagate, on_epoch=on_epoch,
                **self._training_kwargs(X.shape[0]))
        except _core.ConfigError as e:
            raise _renamed(e) from None
        self._set_layers(layers)
        self.metrics_ = metrics
        return self

    def _set_layers(self, layers):
        self.layers_ = list(layers)
        self.components_ = [np.ascontiguousarray(l.W.T) for l in layers]
        self.intercepts_hidden_ = [l.hidden_bias.copy() for l in layers]
        self.intercepts_visible_ = [l.visible_bias.copy() for l in layers]

    def _prepare(self, X):
        check_is_fitted(self)
        X = self._validate_data(X, dtype=(np.float32, np.float64), reset=False)
        return _clip_to_units(X, self.visible_units)

    def transform(self, X, layer=None):
        """Mean-field up pass to `layer` (default: the top), float32 (n_samples, n_units)."""
        X = self._prepare(X)
        return _core.rbm.up_pass(self.layers_, X, layer)

    def reconstruct(self, X, layer=None):
        """Mean-field reconstruction through `layer` (default: the top): up with conditional
        means, then down to the data layer, float32 (n_samples, n_features)."""
        X = self._prepare(X)
        return _core.rbm.reconstruct(self.layers_, X,
                                     len(self.layers_) if layer is None else int(layer))

    def save(self, path):
        """Writes deeprg's DBN directory: layer_1.npz ... layer_N.npz and dbn.json."""
        check_is_fitted(self)
        _core.rbm.save_dbn(str(path), self.layers_)

    @classmethod
    def load(cls, path):
        """A DBN estimator holding the layers of a deeprg DBN directory or archive."""
        layers = _core.rbm.load_dbn(str(path))
        est = cls(hidden_layer_sizes=tuple(l.n_hidden for l in layers),
                  visible_units=layers[0].visible, hidden_units=layers[0].hidden)
        est._set_layers(layers)
        est.n_features_in_ = layers[0].n_visible
        return est

    def _more_tags(self):
        return {"preserves_dtype": [np.float32]}
