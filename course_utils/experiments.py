"""Controlled experiments: one change at a time, several seeds, mean ± spread (notebooks 06 and 07).

The rule every comparison in the course follows: change one thing, keep the split, the budget
(epochs or steps) and everything else fixed, repeat over at least three seeds, and report the
mean and the spread.  This module holds the loops, so a notebook shows the question and the answer:

- :func:`run_grid` runs ``run(config, seed)`` for every configuration and seed into a tidy
  ``pandas.DataFrame``; :func:`summarise` turns it into a mean ± spread table;
  :func:`plot_band` draws curves over seeds as a mean line and a min–max band;
- :func:`train_steps`: the NumPy RNN of ``course_utils.rnn`` trained step by step, recording
  loss, gradient norm (before clipping) and update norm at every step, and stopping cleanly
  when the loss overflows (exploding gradients); :class:`RMSprop` completes rnn's SGD and Adam;
- :func:`turn_signal_task`: a long-range memory task on trajectories (a walker signals at the
  start which way it will turn ``lag`` steps later);
- :class:`Ensemble`: several small Keras recurrent networks (one per configuration × seed)
  trained side by side as independent branches of one Keras model, with the same batches, the
  same budget and per-branch best-epoch restore (early stopping); this makes 3 seeds × several
  configurations affordable on a 2-core CPU;
- :func:`encode_windows` / :func:`decode_steps`: forecasting windows as normalised displacements;
- :func:`teacher_mode`: whether the larger teacher version of an experiment was asked for
  (environment variable ``COURSE_FULL=1``).

TensorFlow/Keras is imported lazily (inside functions).
"""
from __future__ import annotations

import os
import time
from typing import Callable, Mapping, Sequence

import numpy as np

from . import backend, rnn
from .validation import as_float_array, check_positive_int

__all__ = ["teacher_mode", "run_grid", "summarise", "curves", "plot_band", "RMSprop", "train_steps",
           "turn_signal_task", "signal_accuracy", "encode_windows", "decode_steps", "Ensemble", "CELLS"]

CELLS = {"rnn": "SimpleRNN", "gru": "GRU", "lstm": "LSTM"}


def teacher_mode() -> bool:
    """True when the environment variable ``COURSE_FULL`` is ``"1"``: run the larger teacher grids."""
    return os.environ.get("COURSE_FULL", "0").strip() == "1"


def _check_seeds(seeds) -> list[int]:
    try:
        seeds = list(seeds)
    except TypeError:
        raise ValueError(f"seeds: expected a list of non-negative integers, got {seeds!r}") from None
    if not seeds or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in seeds):
        raise ValueError(f"seeds: expected a non-empty list of non-negative integers, got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds: expected distinct seeds, got {seeds!r}")
    return [int(s) for s in seeds]


# --------------------------------------------------------------------------- grids and tables
def run_grid(configs: Mapping[str, Mapping], seeds: Sequence[int], run: Callable, *, progress: bool = False):
    """Run ``run(config, seed)`` for every configuration and seed; return a tidy ``pandas.DataFrame``.

    Parameters
    ----------
    configs : ``{name: {setting: value, ...}}``, one entry per configuration compared
    seeds : the seeds every configuration is repeated with (at least one; use three or more)
    run : ``run(config: dict, seed: int) -> {metric: number}``
    progress : show a tqdm progress bar

    Returns one row per (configuration, seed): columns ``config``, ``seed`` and one per metric.
    """
    import pandas as pd

    if not isinstance(configs, Mapping) or not configs:
        raise ValueError(f"configs: expected a non-empty dict {{name: settings}}, got {configs!r:.80}")
    for name, config in configs.items():
        if not isinstance(config, Mapping):
            raise ValueError(f"configs[{name!r}]: expected a dict of settings, got {type(config).__name__}")
    seeds = _check_seeds(seeds)
    if not callable(run):
        raise ValueError(f"run: expected a function run(config, seed) -> dict, got {type(run).__name__}")
    jobs = [(name, seed) for name in configs for seed in seeds]
    if progress:
        from tqdm.auto import tqdm
        jobs = tqdm(jobs, desc="grid")
    rows = []
    for name, seed in jobs:
        result = run(dict(configs[name]), seed)
        if not isinstance(result, Mapping):
            raise ValueError(f"run: expected it to return a dict of metrics, got {type(result).__name__} "
                             f"for config {name!r}, seed {seed}")
        rows.append({"config": name, "seed": seed, **result})
    return pd.DataFrame(rows)


def summarise(table, metrics: Sequence[str] | None = None, *, by: str = "config", digits: int = 3,
              spread: str = "sd"):
    """Mean ± spread of each metric over seeds: one row per ``by`` value, in first-seen order.

    ``spread="sd"``: sample standard deviation over seeds; ``"range"``: half the max−min range.
    Numbers of 100,000 or more are written in scientific notation (e.g. ``2.67e+05``).
    Returns a DataFrame of strings ``"mean ± spread"`` (rounded to ``digits``) whose
    ``attrs["mean"]`` and ``attrs["spread"]`` hold the numbers as ``{metric: {config: value}}``.
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame) or by not in table.columns:
        raise ValueError(f"table: expected a DataFrame with a column {by!r} (as run_grid returns)")
    if metrics is None:
        metrics = [c for c in table.columns if c not in (by, "seed") and pd.api.types.is_numeric_dtype(table[c])]
    missing = [m for m in metrics if m not in table.columns]
    if missing:
        raise ValueError(f"metrics: {missing} not among the table's columns {list(table.columns)}")
    if spread not in ("sd", "range"):
        raise ValueError(f"spread: expected 'sd' or 'range', got {spread!r}")
    groups = table.groupby(by, sort=False)[list(metrics)]
    mean = groups.mean()
    if spread == "sd":
        spr = groups.agg(_safe_sd)
    else:
        spr = (groups.max() - groups.min()) / 2
    text = pd.DataFrame(index=mean.index)
    for column in metrics:
        text[column] = [f"{_number(m, digits)} ± {_number(s, digits)}" for m, s in zip(mean[column], spr[column])]
    text.attrs["mean"] = mean.round(digits).to_dict()        # {metric: {config: number}}
    text.attrs["spread"] = spr.round(digits).to_dict()
    return text


def _safe_sd(values) -> float:
    """Sample standard deviation that does not overflow for huge values (exploded losses); 0 for one value."""
    v = np.asarray(values, dtype=float)
    if len(v) < 2:
        return 0.0
    if not np.all(np.isfinite(v)):
        return float("nan")
    top = np.max(np.abs(v))
    return 0.0 if top == 0 else float(np.std(v / top, ddof=1) * top)


def _number(value: float, digits: int) -> str:
    """``digits`` decimals, or scientific notation (``digits - 1`` decimals) from 100,000 on."""
    if not np.isfinite(value):
        return str(value)
    if abs(value) >= 1e5:
        return f"{value:.{max(digits - 1, 0)}e}"
    return f"{value:.{digits}f}"


def curves(table, column: str) -> dict:
    """``{config: (seeds, steps) array}`` from a ``run_grid`` table whose ``column`` holds one curve per row."""
    import pandas as pd

    if not isinstance(table, pd.DataFrame) or "config" not in table.columns or column not in table.columns:
        raise ValueError(f"table: expected a run_grid DataFrame with a column {column!r}")
    return {name: np.stack([np.asarray(c, dtype=float) for c in group[column]])
            for name, group in table.groupby("config", sort=False)}


def plot_band(ax, x, curves, *, label: str = "", color=None, log: bool = False, **line):
    """Plot curves over seeds (``(seeds, len(x))``) as their mean and a shaded min–max band.

    With ``log=True`` the mean is geometric (the mean of the logarithms), as suits a log axis.
    NaN entries (e.g. after a run diverged) are left out of the mean.  Returns the line.
    """
    curves = np.asarray(curves, dtype=float)
    x = np.asarray(x, dtype=float)
    if curves.ndim == 1:
        curves = curves[None]
    if curves.ndim != 2 or curves.shape[1] != len(x):
        raise ValueError(f"curves: expected shape (seeds, {len(x)}) to match x, got {curves.shape}")
    with np.errstate(all="ignore"), __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore", RuntimeWarning)
        centre = np.exp(np.nanmean(np.log(curves), axis=0)) if log else np.nanmean(curves, axis=0)
        lo, hi = np.nanmin(curves, axis=0), np.nanmax(curves, axis=0)
    (handle,) = ax.plot(x, centre, label=label, color=color, **line)
    ax.fill_between(x, lo, hi, color=handle.get_color(), alpha=0.2, lw=0)
    return handle


# --------------------------------------------------------------------------- NumPy training, step by step
class RMSprop:
    """RMSprop (Hinton's lecture 6e), written out like Keras's: a per-parameter step size.

    ``v <- rho v + (1 - rho) g^2``;  ``p <- p - lr g / sqrt(v + eps)``.
    ``step(params, grads)`` updates the arrays of ``params`` in place and returns it.
    """

    def __init__(self, lr: float = 1e-3, rho: float = 0.9, eps: float = 1e-7):
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"lr: expected a positive learning rate, got {lr!r}")
        if not (0.0 <= rho < 1.0):
            raise ValueError(f"rho: expected a number in [0, 1), got {rho!r}")
        if not (eps > 0):
            raise ValueError(f"eps: expected a small positive number, got {eps!r}")
        self.lr, self.rho, self.eps = float(lr), float(rho), float(eps)
        self.v: dict = {}
        self.iterations = 0

    def step(self, params, grads):
        if not isinstance(grads, Mapping) or set(grads) != set(params):
            raise ValueError(f"grads: expected a dict with the keys of params {sorted(params)}")
        for k, g in grads.items():
            v = self.v.get(k)
            v = (1.0 - self.rho) * g * g if v is None else self.rho * v + (1.0 - self.rho) * g * g
            self.v[k] = v
            params[k] -= self.lr * g / np.sqrt(v + self.eps)
        self.iterations += 1
        return params

    def __repr__(self):
        return f"RMSprop(lr={self.lr}, rho={self.rho}, eps={self.eps})"


def train_steps(params, x, y, *, steps: int, batch_size: int = 64, optimizer=None, clip: float | None = None,
                activation: str = "tanh", seed: int = 0) -> dict:
    """Train the NumPy RNN for ``steps`` mini-batch steps on a last-step MSE loss; record every step.

    Parameters
    ----------
    params : ``rnn.init_params(...)`` dict, updated in place
    x : (n, T, d_in) inputs;  y : (n, d_out) targets of the last step's output
    optimizer : an object with ``step(params, grads)`` (``rnn.Adam(1e-3)`` if None)
    clip : clip the gradients to this global norm before each step (None: no clipping)
    seed : seeds the order of the mini-batches

    Returns a dict of ``(steps,)`` arrays: ``loss`` (the mini-batch loss before the step),
    ``grad_norm`` (global gradient norm, before clipping), ``update_norm`` (global norm of the
    change the optimiser made to the parameters), ``grad_rms`` and ``update_rms`` (dicts of
    per-parameter root-mean-square gradient and update, each ``(steps,)``), and ``diverged_at``:
    the first step whose loss or gradient was not finite (training stops there; later entries
    are NaN), or None.
    """
    p = rnn.check_params(params)
    if any(p[k] is not params[k] for k in rnn.PARAM_NAMES):
        raise ValueError("params: train_steps updates the parameters in place, so they must already be float "
                         "arrays of one dtype (use rnn.init_params)")
    d_in, d_out = p["W"].shape[0], p["V"].shape[1]
    x = as_float_array(x, "x", ndim=3, dtype=p["W"].dtype)
    if x.shape[2] != d_in:
        raise ValueError(f"x: expected shape (n, T, {d_in}) to match params['W'], got {x.shape}")
    y = as_float_array(y, "y", shape=(x.shape[0], d_out), dtype=p["W"].dtype)
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    if clip is not None and not (np.isfinite(clip) and clip > 0):
        raise ValueError(f"clip: expected None or a positive number, got {clip!r}")
    if activation not in rnn.ACTIVATIONS:
        raise ValueError(f"activation: expected one of {rnn.ACTIVATIONS}, got {activation!r}")
    optimizer = rnn.Adam(1e-3) if optimizer is None else optimizer
    if not callable(getattr(optimizer, "step", None)):
        raise ValueError(f"optimizer: expected an object with step(params, grads), got {type(optimizer).__name__}")
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    out = {key: np.full(steps, np.nan) for key in ("loss", "grad_norm", "update_norm")}
    out["grad_rms"] = {k: np.full(steps, np.nan) for k in rnn.PARAM_NAMES}
    out["update_rms"] = {k: np.full(steps, np.nan) for k in rnn.PARAM_NAMES}
    out["diverged_at"] = None
    order, cursor = rng.permutation(n), 0
    with np.errstate(all="ignore"):
        for i in range(steps):
            if cursor + min(batch_size, n) > n:
                order, cursor = rng.permutation(n), 0
            idx = order[cursor:cursor + batch_size]
            cursor += batch_size
            outputs, cache = rnn.forward(params, x[idx], activation)
            diff = outputs[:, -1] - y[idx]
            loss = float(np.mean(diff * diff))
            if not np.isfinite(loss):
                out["diverged_at"] = i
                break
            dout = np.zeros_like(outputs)
            dout[:, -1] = (2.0 / diff.size) * diff
            grads = rnn.backward(params, cache, dout)
            norm = rnn.global_norm(grads)
            out["loss"][i], out["grad_norm"][i] = loss, norm
            if not np.isfinite(norm):
                out["diverged_at"] = i
                break
            if clip is not None:
                grads, _ = rnn.clip_by_global_norm(grads, clip)
            before = {k: params[k].copy() for k in rnn.PARAM_NAMES}
            optimizer.step(params, grads)
            change = {k: params[k] - before[k] for k in rnn.PARAM_NAMES}
            out["update_norm"][i] = rnn.global_norm(change)
            for k in rnn.PARAM_NAMES:
                out["grad_rms"][k][i] = float(np.sqrt(np.mean(grads[k] ** 2)))
                out["update_rms"][k][i] = float(np.sqrt(np.mean(change[k] ** 2)))
            if not all(np.all(np.isfinite(params[k])) for k in rnn.PARAM_NAMES):
                for k in rnn.PARAM_NAMES:            # leave the parameters usable: undo the step
                    params[k][...] = before[k]
                out["diverged_at"] = i + 1
                break
    return out


# --------------------------------------------------------------------------- a long-range memory task
def turn_signal_task(n: int, lag: int, *, seed: int = 0, sway: float = 1.0, signal: float = 1.0):
    """Walkers that signal at the start which way they will turn ``lag`` steps later.

    Each sequence is ``lag + 1`` displacements of a walker heading along +x (one unit is one
    typical step, about 0.4 m): the forward component is the walker's speed (uniform in
    0.5–1.5) with a little jitter, the sideways component is random sway ``N(0, sway^2)``,
    except at the *first* step, a deliberate side step of ``±signal`` towards the side the
    walker will turn to.  The target is the next displacement, a 90° turn to that side:
    ``(0, side * speed)``.  Nothing in the ``lag`` steps between says which side: a network
    must carry the first step's sign across them.

    Returns ``(x (n, lag + 1, 2), y (n, 2), side (n,))`` (float32 inputs and targets, sides ±1).
    """
    n = check_positive_int(n, "n")
    lag = check_positive_int(lag, "lag")
    for name, value in (("sway", sway), ("signal", signal)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{name}: expected a non-negative number, got {value!r}")
    rng = np.random.default_rng(seed)
    side = rng.choice([-1.0, 1.0], size=n)
    speed = rng.uniform(0.5, 1.5, size=n)
    x = np.empty((n, lag + 1, 2))
    x[:, :, 0] = speed[:, None] + rng.normal(0.0, 0.1, (n, lag + 1))
    x[:, :, 1] = rng.normal(0.0, sway, (n, lag + 1))
    x[:, 0, 1] = side * signal
    y = np.stack([np.zeros(n), side * speed], axis=1)
    return x.astype(np.float32), y.astype(np.float32), side


def signal_accuracy(predicted, side) -> float:
    """Fraction of walkers whose predicted turn goes to the right side: ``sign(pred[:, 1]) == side``.

    ``predicted`` is ``(n, 2)`` (or ``(n, 1, 2)``); 0.5 is chance, 1.0 is perfect memory.  A NaN
    or infinite prediction (from a network whose training diverged) counts as wrong.
    """
    pred = as_float_array(predicted, "predicted", allow_nan=True).reshape(len(np.asarray(predicted)), -1)
    side = as_float_array(side, "side", shape=(len(pred),))
    if pred.shape[1] != 2:
        raise ValueError(f"predicted: expected shape (n, 2) or (n, 1, 2), got {np.shape(predicted)}")
    with np.errstate(invalid="ignore"):
        return float(np.mean(np.sign(pred[:, 1]) == side))


# --------------------------------------------------------------------------- forecasting windows
def encode_windows(observed, future=None, *, scale: float):
    """Network inputs (and targets) from position windows, as displacements divided by ``scale``.

    ``observed (n, k, 2)`` gives inputs ``(n, k - 1, 2)``; with ``future (n, m, 2)`` also the
    targets ``(n, m, 2)``: the ``m`` steps from the last observed position on.  float32.
    """
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale: expected a positive number (the unit of a step), got {scale!r}")
    observed = as_float_array(observed, "observed", shape=(None, None, 2))
    if observed.shape[1] < 2:
        raise ValueError(f"observed: expected at least 2 positions per window, got shape {observed.shape}")
    x = (np.diff(observed, axis=1) / scale).astype(np.float32)
    if future is None:
        return x
    future = as_float_array(future, "future", shape=(len(observed), None, 2))
    y = (np.diff(np.concatenate([observed[:, -1:], future], axis=1), axis=1) / scale).astype(np.float32)
    return x, y


def decode_steps(observed, outputs, *, scale: float) -> np.ndarray:
    """Positions ``(n, m, 2)`` from network outputs ``(n, m, 2)`` (normalised steps) and ``observed (n, k, 2)``."""
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale: expected a positive number, got {scale!r}")
    observed = as_float_array(observed, "observed", shape=(None, None, 2))
    outputs = as_float_array(outputs, "outputs", shape=(len(observed), None, 2))
    return observed[:, -1:, :] + np.cumsum(outputs * scale, axis=1)


# --------------------------------------------------------------------------- Keras: many small networks at once
_SPEC_KEYS = {"cell", "units", "dropout", "recurrent_dropout", "l2", "stream", "restore_best", "forget_bias"}


def _check_spec(name, spec) -> dict:
    if not isinstance(spec, Mapping):
        raise ValueError(f"branches[{name!r}]: expected a dict of settings, got {type(spec).__name__}")
    unknown = set(spec) - _SPEC_KEYS
    if unknown:
        raise ValueError(f"branches[{name!r}]: unknown setting(s) {sorted(unknown)}; "
                         f"expected some of {sorted(_SPEC_KEYS)}")
    out = {"cell": "lstm", "units": 16, "dropout": 0.0, "recurrent_dropout": 0.0, "l2": 0.0, "stream": "plain",
           "restore_best": False, "forget_bias": None, **spec}
    if out["cell"] not in CELLS:
        raise ValueError(f"branches[{name!r}]['cell']: expected one of {', '.join(CELLS)}, got {out['cell']!r}")
    out["units"] = check_positive_int(out["units"], f"branches[{name!r}]['units']")
    for key in ("dropout", "recurrent_dropout"):
        if not (0.0 <= out[key] < 1.0):
            raise ValueError(f"branches[{name!r}][{key!r}]: expected a rate in [0, 1), got {out[key]!r}")
    if not (np.isfinite(out["l2"]) and out["l2"] >= 0):
        raise ValueError(f"branches[{name!r}]['l2']: expected a non-negative number, got {out['l2']!r}")
    if out["forget_bias"] is not None and out["cell"] != "lstm":
        raise ValueError(f"branches[{name!r}]['forget_bias']: only an LSTM has a forget gate (cell is {out['cell']!r})")
    return out


_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


class Ensemble:
    """Small Keras recurrent networks trained side by side: every (configuration, seed) pair at once.

    All networks read the same mini-batches (of their data *stream*, see :meth:`fit`) and get the
    same budget.  The seeds of one configuration are packed into one wide Keras layer whose
    recurrent matrix and output matrix are **block-diagonal** (a kernel constraint keeps the
    off-diagonal blocks at zero): seed ``s`` owns units ``s*units .. (s+1)*units - 1`` of every
    gate, and no block reads another.  So the seeds are independent networks, each initialised
    exactly like a network of ``units`` units on its own (Glorot kernels, orthogonal recurrent
    kernel, from its own seed), and Adam — whose update of a weight depends only on that weight's
    gradient, not on its scale — trains each as it would alone.  The point is speed: on a small
    CPU the cost of a recurrent layer is mostly per time step, not per unit, so three seeds cost
    about what one costs.  (One difference: input dropout draws one mask for the shared inputs,
    so with ``dropout > 0`` the seeds see the same dropped inputs; recurrent dropout masks are
    per unit and independent.)

    Parameters
    ----------
    branches : ``{name: spec}``; a spec may set ``cell`` (``"rnn"``, ``"gru"``, ``"lstm"``),
        ``units``, ``dropout`` and ``recurrent_dropout`` (rates), ``l2`` (weight penalty
        ``l2 * sum(w^2)`` on every kernel of each network), ``stream`` (which training data the
        networks read, default ``"plain"``), ``restore_best`` (keep the weights of the epoch with
        the lowest validation loss: early stopping within the same budget) and ``forget_bias``
        (LSTM only: the initial forget-gate bias; Keras's default is 1).
    seeds : seeds of the initial weights; each configuration exists once per seed
    input_dim : numbers per input step;  out_steps : predicted steps, each ``(2,)``
    """

    def __init__(self, branches: Mapping[str, Mapping], seeds: Sequence[int] = (0, 1, 2), *,
                 input_dim: int = 2, out_steps: int = 12):
        if not isinstance(branches, Mapping) or not branches:
            raise ValueError("branches: expected a non-empty dict {name: settings}")
        self.specs = {name: _check_spec(name, spec) for name, spec in branches.items()}
        self.seeds = _check_seeds(seeds)
        self.input_dim = check_positive_int(input_dim, "input_dim")
        self.out_steps = check_positive_int(out_steps, "out_steps")
        self.names = list(self.specs)
        self.keys = [(name, seed) for name in self.names for seed in self.seeds]
        self.streams = sorted({spec["stream"] for spec in self.specs.values()}, key=lambda s: (s != "plain", s))
        self.history: dict = {}
        self.best_epoch: dict = {}
        self.seconds = float("nan")
        self._build()

    # ----------------------------------------------------------------- building
    def _build(self):
        from .notebook import quiet_tensorflow
        quiet_tensorflow()
        import keras

        S, m = len(self.seeds), self.out_steps
        inputs = {s: keras.Input((None, self.input_dim), name=f"in_{s}") for s in self.streams}
        outputs, self._layers, self._owner, self._count = [], {}, {}, {}
        for j, name in enumerate(self.names):
            spec = self.specs[name]
            u, gates = spec["units"], _GATES[spec["cell"]]
            n = S * u
            unit_seed = np.arange(n) // u                               # which seed owns each unit
            gate_cols = np.tile(unit_seed, gates)                        # ... each column of a gate matrix
            head_cols = np.repeat(np.arange(S), 2 * m)
            rec_mask = (unit_seed[:, None] == gate_cols[None, :]).astype(np.float32)
            head_mask = (unit_seed[:, None] == head_cols[None, :]).astype(np.float32)
            reg = keras.regularizers.L2(spec["l2"] / S) if spec["l2"] > 0 else None   # the loss is a mean over seeds
            extra = {"unit_forget_bias": False} if spec["cell"] == "lstm" else {}
            layer = getattr(keras.layers, CELLS[spec["cell"]])(
                n, dropout=spec["dropout"], recurrent_dropout=spec["recurrent_dropout"],
                seed=1000 * self.seeds[0] + j, recurrent_constraint=_BlockMask(rec_mask),
                kernel_regularizer=reg, recurrent_regularizer=reg, name=f"rnn{j}", **extra)
            head = keras.layers.Dense(S * 2 * m, kernel_constraint=_BlockMask(head_mask), kernel_regularizer=reg,
                                      name=f"head{j}")
            outputs.append(keras.layers.Reshape((S, m, 2), name=f"b{j}")(head(layer(inputs[spec["stream"]]))))
            self._layers[name] = (layer, head)
            self._owner[name] = (gate_cols, head_cols)
            self._count[name] = self.input_dim * gates * u + gates * u * u + u * 2 * m + 2 * m + (
                2 * gates * u if spec["cell"] == "gru" else gates * u)
        self.model = keras.Model([inputs[s] for s in self.streams], outputs, name="ensemble")
        for name in self.names:
            self._initialise(name)
        self._initial = self.model.get_weights()
        self._compiled_for = None

    def _initialise(self, name):
        """Each seed's block from its own seeded initialisers, as a stand-alone network would get them."""
        import keras

        spec = self.specs[name]
        layer, head = self._layers[name]
        S, u, gates, m = len(self.seeds), spec["units"], _GATES[spec["cell"]], self.out_steps
        n = S * u
        kernel, recurrent, bias = [np.zeros(w.shape, dtype=np.float32) for w in layer.get_weights()]
        head_kernel = np.zeros((n, S * 2 * m), dtype=np.float32)
        for s, seed in enumerate(self.seeds):
            base = 100_000 * seed + 100 * self.names.index(name)
            k = np.asarray(keras.initializers.GlorotUniform(seed=base + 1)((self.input_dim, gates * u)))
            r = np.asarray(keras.initializers.Orthogonal(seed=base + 2)((u, gates * u)))
            h = np.asarray(keras.initializers.GlorotUniform(seed=base + 3)((u, 2 * m)))
            for g in range(gates):
                cols = slice(g * n + s * u, g * n + (s + 1) * u)
                kernel[:, cols] = k[:, g * u:(g + 1) * u]
                recurrent[s * u:(s + 1) * u, cols] = r[:, g * u:(g + 1) * u]
            head_kernel[s * u:(s + 1) * u, s * 2 * m:(s + 1) * 2 * m] = h
        if spec["cell"] == "lstm":                                   # gates i, f, c, o: the forget gate's bias
            bias[n:2 * n] = 1.0 if spec["forget_bias"] is None else spec["forget_bias"]
        layer.set_weights([kernel, recurrent, bias])
        head.set_weights([head_kernel, np.zeros(S * 2 * m, dtype=np.float32)])

    def count_params(self, name: str) -> int:
        """Number of weights of one network (one seed) of configuration ``name``."""
        if name not in self.specs:
            raise ValueError(f"name: expected one of {self.names}, got {name!r}")
        return int(self._count[name])

    def network(self, name: str, seed: int):
        """One network on its own: a fresh Keras layer and ``Dense`` head with that seed's weights.

        Returns ``(layer, head)``: ``head(layer(x))`` for ``x (batch, T, input_dim)`` gives
        ``(batch, 2 * out_steps)``, the same numbers as this ensemble's output for
        ``(name, seed)`` (flattened).  Use it to inspect a trained network (e.g. with
        ``gradients.autodiff_state_gradient_norms``).
        """
        import keras

        if (name, seed) not in self.keys:
            raise ValueError(f"name, seed: expected one of {self.keys}, got {(name, seed)!r}")
        spec = self.specs[name]
        s = self.seeds.index(seed)
        big, big_head = self._layers[name]
        gate_cols, head_cols = self._owner[name]
        rows = np.arange(big.units) // spec["units"] == s
        extra = {"unit_forget_bias": False} if spec["cell"] == "lstm" else {}
        layer = getattr(keras.layers, CELLS[spec["cell"]])(spec["units"], **extra)
        head = keras.layers.Dense(2 * self.out_steps)
        layer.build((None, None, self.input_dim))
        head.build((None, spec["units"]))
        kernel, recurrent, bias = big.get_weights()
        layer.set_weights([kernel[:, gate_cols == s], recurrent[rows][:, gate_cols == s], bias[..., gate_cols == s]])
        head_kernel, head_bias = big_head.get_weights()
        head.set_weights([head_kernel[rows][:, head_cols == s], head_bias[head_cols == s]])
        return layer, head

    def reset(self):
        """Back to the initial weights (the same for every fit) and a fresh optimiser state."""
        self.model.set_weights(self._initial)
        if self._compiled_for is not None:
            for v in self.model.optimizer.variables:
                if "learning_rate" not in v.path:
                    v.assign(np.zeros(v.shape, dtype=v.dtype))
        self.history, self.best_epoch = {}, {}

    def _compile(self, lr, clipnorm):
        import keras
        if self._compiled_for != (lr, clipnorm):
            self.model.compile(optimizer=keras.optimizers.Adam(lr, clipnorm=clipnorm),
                               loss=["mse"] * len(self.names))
            self._compiled_for = (lr, clipnorm)

    # ----------------------------------------------------------------- prediction
    def predict(self, x, *, batch_size: int = 8192) -> dict:
        """Outputs ``{(name, seed): (n, out_steps, 2)}`` for inputs ``x (n, T, input_dim)`` (no dropout)."""
        x = as_float_array(x, "x", shape=(None, None, self.input_dim)).astype(np.float32)
        parts = []
        for start in range(0, len(x), batch_size):
            out = self.model.predict_on_batch([x[start:start + batch_size]] * len(self.streams))
            out = out if isinstance(out, (list, tuple)) else [out]
            parts.append([np.asarray(o) for o in out])
        result = {}
        for j, name in enumerate(self.names):
            packed = np.concatenate([p[j] for p in parts])              # (n, seeds, out_steps, 2)
            for s, seed in enumerate(self.seeds):
                result[(name, seed)] = packed[:, s]
        return result

    def losses(self, x, y) -> dict:
        """MSE of every network on ``(x, y)``: ``{(name, seed): float}`` (no dropout, no penalty)."""
        y = as_float_array(y, "y", shape=(len(x), self.out_steps, 2))
        return {key: float(np.mean((out - y) ** 2)) for key, out in self.predict(x).items()}

    # ----------------------------------------------------------------- training
    def fit(self, train, val, *, epochs: int, batch_size: int = 64, lr: float = 3e-3,
            clipnorm: float | None = None, seed: int = 0, streams: Mapping[str, Callable] | None = None,
            min_steps: int = 0, record: bool = True, checkpoints: int = 25):
        """Train every network with the same batches and budget; record per-epoch losses.

        Parameters
        ----------
        train : ``(x (n, T, input_dim), y (n, out_steps, 2))``: the training set; the ``"plain"``
            stream reads it, and every network's *training loss* is measured on it
        val : ``(x_val, y_val)``: validation set, scored after every epoch (for learning curves
            and for ``restore_best``)
        epochs : passes over the training set (raised until there are at least ``min_steps``
            gradient steps, so that tiny training sets get enough steps)
        batch_size : windows per gradient step (``min(batch_size, n)``; a last, incomplete batch
            is dropped so that every step has the same size)
        clipnorm : clip each weight matrix's gradient to this norm (Keras's ``clipnorm``;
            None: no clipping)
        streams : ``{stream: make(rng) -> (x, y)}`` for configurations whose ``stream`` is not
            ``"plain"``: called once per epoch with a NumPy Generator, it returns that epoch's
            training data, with as many examples as ``train`` (e.g. freshly augmented windows)
        seed : seeds Keras/TensorFlow (deterministic ops), the batch order and the streams
        record : score the training and validation sets during training (learning curves,
            ``restore_best``); False scores them once, after the last epoch (faster)
        checkpoints : how many times to score them, at evenly spaced epochs (the last epoch
            always included): every epoch if there are no more epochs than this.  Scoring costs
            a forward pass over both sets, so long runs on tiny sets are scored ~25 times, not
            hundreds; ``restore_best`` chooses among these checkpoints.

        Returns ``self``.  ``history[(name, seed)]`` holds ``epoch`` (the 1-based epochs that were
        scored), ``loss`` and ``val_loss`` lists (MSE of the normalised outputs, dropout off),
        ``best_epoch[(name, seed)]`` the epoch whose weights were kept, ``seconds`` the wall time
        of the training.
        """
        from .notebook import quiet_tensorflow
        quiet_tensorflow()
        import keras

        x, y = self._check_xy(train, "train")
        xv, yv = self._check_xy(val, "val")
        epochs = check_positive_int(epochs, "epochs")
        batch_size = check_positive_int(batch_size, "batch_size")
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"lr: expected a positive learning rate, got {lr!r}")
        if clipnorm is not None and not (np.isfinite(clipnorm) and clipnorm > 0):
            raise ValueError(f"clipnorm: expected None or a positive number, got {clipnorm!r}")
        streams = dict(streams or {})
        missing = [s for s in self.streams if s != "plain" and s not in streams]
        if missing:
            raise ValueError(f"streams: configurations read the stream(s) {missing}; give "
                             "streams={name: make(rng)}")
        n = len(x)
        bs = min(batch_size, n)
        per_epoch = n // bs
        if min_steps:
            epochs = max(epochs, -(-check_positive_int(min_steps, "min_steps") // per_epoch))
        record = record or any(spec["restore_best"] for spec in self.specs.values())
        checkpoints = check_positive_int(checkpoints, "checkpoints")
        scored = set(np.unique(np.round(np.linspace(1, epochs, min(checkpoints, epochs))).astype(int)).tolist())
        if not record:
            scored = {epochs}

        backend.seed(int(seed))
        self.reset()
        self._compile(float(lr), clipnorm)
        S = len(self.seeds)
        rng = np.random.default_rng(seed)
        history = {key: {"epoch": [], "loss": [], "val_loss": []} for key in self.keys}
        best = {key: (np.inf, 0, None) for key in self.keys}
        start = time.perf_counter()
        for epoch in range(epochs):
            data = {"plain": (x, y)}
            for name in self.streams:
                if name != "plain":
                    data[name] = self._check_xy(streams[name](rng), f"streams[{name!r}]", n=n)
            order = rng.permutation(n)
            for b in range(per_epoch):
                idx = order[b * bs:(b + 1) * bs]
                ins = [data[s][0][idx] for s in self.streams]
                outs = [np.repeat(data[self.specs[name]["stream"]][1][idx][:, None], S, axis=1)
                        for name in self.names]
                self.model.train_on_batch(ins, outs)
            if epoch + 1 not in scored:
                continue
            train_loss, val_loss = self.losses(x, y), self.losses(xv, yv)
            for key in self.keys:
                history[key]["epoch"].append(epoch + 1)
                history[key]["loss"].append(train_loss[key])
                history[key]["val_loss"].append(val_loss[key])
                if self.specs[key[0]]["restore_best"] and val_loss[key] < best[key][0]:
                    best[key] = (val_loss[key], epoch + 1, self._snapshot(key[0]))
        self.seconds = time.perf_counter() - start
        self.history = history
        for key in self.keys:
            if self.specs[key[0]]["restore_best"] and best[key][2] is not None:
                self._restore(key, best[key][2])
                self.best_epoch[key] = best[key][1]
            else:
                self.best_epoch[key] = epochs
        self.epochs_run = epochs
        self.steps_run = epochs * per_epoch
        return self

    def _snapshot(self, name):
        layer, head = self._layers[name]
        return [w.copy() for w in layer.get_weights()], [w.copy() for w in head.get_weights()]

    def _restore(self, key, snapshot):
        """Copy one seed's columns (its units in every gate, its outputs) from a snapshot."""
        name, seed = key
        s = self.seeds.index(seed)
        layer, head = self._layers[name]
        gate_cols, head_cols = self._owner[name]
        for part, saved, cols in ((layer, snapshot[0], gate_cols == s), (head, snapshot[1], head_cols == s)):
            weights = part.get_weights()
            for w, old in zip(weights, saved):
                w[..., cols] = old[..., cols]
            part.set_weights(weights)

    def _check_xy(self, pair, name, n=None):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(f"{name}: expected a pair (x, y), got {type(pair).__name__}")
        x = as_float_array(pair[0], f"{name} x", shape=(None, None, self.input_dim)).astype(np.float32)
        y = as_float_array(pair[1], f"{name} y", shape=(len(x), self.out_steps, 2)).astype(np.float32)
        if n is not None and len(x) != n:
            raise ValueError(f"{name}: expected {n} examples like the training set, got {len(x)}")
        return x, y

    def __repr__(self):
        return (f"Ensemble({len(self.specs)} configurations × {len(self.seeds)} seeds = {len(self.keys)} "
                f"networks, streams {self.streams})")


class _BlockMask:
    """Kernel constraint that keeps a weight matrix block-diagonal: ``w * mask``."""

    def __init__(self, mask):
        self.mask = np.asarray(mask, dtype=np.float32)

    def __call__(self, w):
        import keras
        return w * keras.ops.convert_to_tensor(self.mask, dtype=w.dtype)

    def get_config(self):
        return {"mask": self.mask.tolist()}
