"""A vanilla recurrent network written by hand in NumPy: the course's reference RNN.

Notebook 02 derives every line of this module in its own cells and then shows that
its cells and this module agree; later notebooks import it from here.

The model (one hidden layer, one linear output layer)::

    a_t = x_t W + h_{t-1} U + b            pre-activation          (batch, H)
    h_t = f(a_t)                           hidden state, f = tanh or ReLU
    y_t = h_t V + c                        output, g = identity  (batch, d_out)

for t = 1 .. T, starting from a learnable initial state ``h0``.  The seed article
writes ``h_t = f(W x_t + U h_{t-1} + b)`` and ``y_t = g(W h_t + c)``: it reuses the
letter ``W`` for the output weights.  They are a different matrix (shape (H, d_out),
not (d_in, H)), so we call them ``V``.  The output activation ``g`` is the identity,
because the course predicts positions and displacements in metres, which are
unbounded real numbers.

We write row vectors (``x_t W`` rather than ``W x_t``) because a batch is a stack of
rows; the shapes are those Keras uses, so the weights load into
``keras.layers.SimpleRNN`` + ``keras.layers.Dense`` unchanged (see :func:`to_keras`).

Parameters are a plain dict of arrays::

    W  (d_in, H)    input -> hidden          U  (H, H)      hidden -> hidden
    b  (H,)         hidden bias              V  (H, d_out)  hidden -> output
    c  (d_out,)     output bias              h0 (H,)        initial state (shared by the batch)

All arrays of one parameter dict share one float dtype (float64 by default; float32
works too and is what Keras uses).  Inputs ``x`` are ``(batch, time, d_in)``.

Contents
--------
- :func:`init_params`, :func:`check_params`
- :func:`forward`, :func:`backward` (backpropagation through time, optionally truncated)
- :func:`mse_loss`, :func:`gradient_check`, :func:`global_norm`, :func:`clip_by_global_norm`
- :class:`SGD` (with optional momentum), :class:`Adam`
- :func:`train` (mini-batches, progress bar, loss history)
- :func:`forecast`, :class:`RNNForecaster` (observed positions -> future positions)
- :func:`to_keras`, :func:`keras_forward_and_grads` (the same network in Keras)
"""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from .baselines import Predictor
from .validation import as_float_array, check_positive_int, check_seed

__all__ = [
    "PARAM_NAMES", "ACTIVATIONS", "init_params", "check_params", "count_params",
    "forward", "backward", "mse_loss", "gradient_check", "global_norm",
    "clip_by_global_norm", "SGD", "Adam", "train", "forecast", "forecast_loss",
    "RNNForecaster", "to_keras", "keras_outputs", "keras_forward_and_grads",
]

PARAM_NAMES = ("W", "U", "b", "V", "c", "h0")
ACTIVATIONS = ("tanh", "relu")


# --------------------------------------------------------------------------- parameters
def init_params(d_in: int, hidden: int, d_out: int, seed: int = 0, *,
                spectral_radius: float | None = None, dtype=np.float64) -> dict:
    """Random parameters for an RNN with ``d_in`` inputs, ``hidden`` units, ``d_out`` outputs.

    ``W`` and ``V`` are Glorot-uniform (as Keras initialises a kernel), ``U`` is a
    random orthogonal matrix (as Keras initialises a recurrent kernel), biases and
    ``h0`` are zero.  With ``spectral_radius=r`` the matrix ``U`` is rescaled so that
    its largest absolute eigenvalue is ``r`` (notebook 07 uses this to make gradients
    vanish or explode on purpose).  Reproducible: the same ``seed`` gives the same
    arrays.
    """
    d_in = check_positive_int(d_in, "d_in")
    hidden = check_positive_int(hidden, "hidden")
    d_out = check_positive_int(d_out, "d_out")
    rng = np.random.default_rng(check_seed(seed))

    def glorot(n_in, n_out):
        limit = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, size=(n_in, n_out))

    q, r = np.linalg.qr(rng.standard_normal((hidden, hidden)))
    U = q * np.sign(np.diag(r))          # a uniformly random orthogonal matrix
    if spectral_radius is not None:
        if not np.isfinite(spectral_radius) or spectral_radius < 0:
            raise ValueError(f"spectral_radius: expected a finite number >= 0, got {spectral_radius!r}")
        rho = np.max(np.abs(np.linalg.eigvals(U)))
        U = U * (float(spectral_radius) / rho)
    params = {"W": glorot(d_in, hidden), "U": U, "b": np.zeros(hidden),
              "V": glorot(hidden, d_out), "c": np.zeros(d_out), "h0": np.zeros(hidden)}
    return {k: np.ascontiguousarray(v, dtype=dtype) for k, v in params.items()}


def check_params(params) -> dict:
    """Check that ``params`` is a complete, consistent RNN parameter dict.

    Returns a dict of float arrays (one dtype: float32 if ``W`` is float32, else
    float64) without copying arrays that are already right.  Raises ``ValueError``
    naming the parameter, the expected shape and the given shape.
    """
    if not isinstance(params, Mapping):
        raise ValueError(f"params: expected a dict with keys {', '.join(PARAM_NAMES)}, "
                         f"got {type(params).__name__}")
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise ValueError(f"params: missing {', '.join(repr(k) for k in missing)} "
                         f"(expected keys {', '.join(PARAM_NAMES)}; got {', '.join(map(repr, params))})")
    extra = [k for k in params if k not in PARAM_NAMES]
    if extra:
        raise ValueError(f"params: unexpected key(s) {', '.join(map(repr, extra))} "
                         f"(expected exactly {', '.join(PARAM_NAMES)})")
    w = np.asarray(params["W"])
    dtype = np.float32 if w.dtype == np.float32 else np.float64
    W = as_float_array(params["W"], "params['W']", ndim=2, dtype=dtype)
    d_in, hidden = W.shape
    V = as_float_array(params["V"], "params['V']", ndim=2, dtype=dtype)
    if V.shape[0] != hidden:
        raise ValueError(f"params['V']: expected shape ({hidden}, d_out) because W has "
                         f"{hidden} hidden units (W is {W.shape}), got shape {V.shape}")
    d_out = V.shape[1]
    want = {"U": (hidden, hidden), "b": (hidden,), "c": (d_out,), "h0": (hidden,)}
    out = {"W": W, "V": V}
    for name, shape in want.items():
        arr = as_float_array(params[name], f"params[{name!r}]", ndim=len(shape), dtype=dtype)
        if arr.shape != shape:
            raise ValueError(f"params[{name!r}]: expected shape {shape} (d_in={d_in}, hidden={hidden}, "
                             f"d_out={d_out} from W {W.shape} and V {V.shape}), got shape {arr.shape}")
        out[name] = arr
    return {k: out[k] for k in PARAM_NAMES}


def count_params(params, *, include_h0: bool = True) -> int:
    """Number of learnable numbers.  Keras counts them without ``h0`` (its SimpleRNN has none)."""
    p = check_params(params)
    return int(sum(v.size for k, v in p.items() if include_h0 or k != "h0"))


def _sizes(p: dict) -> tuple[int, int, int]:
    return p["W"].shape[0], p["W"].shape[1], p["V"].shape[1]


def _check_activation(activation) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation: expected one of {ACTIVATIONS}, got {activation!r}")
    return activation


# --------------------------------------------------------------------------- forward / backward
def forward(params, x, activation: str = "tanh"):
    """Run the RNN over a batch of sequences.

    Parameters
    ----------
    params : dict  ``W, U, b, V, c, h0`` (see module docstring)
    x : (batch, time, d_in) array
    activation : ``"tanh"`` (default) or ``"relu"``

    Returns
    -------
    outputs : (batch, time, d_out) array, ``y_t = h_t V + c`` for every step
    cache : dict with what :func:`backward` needs (inputs and every hidden state,
        stored time-major: ``cache["h"]`` is ``(time + 1, batch, H)`` with ``h0`` first)

    Vectorised over the batch: the only Python loop runs over time.  The input
    projection ``x W + b`` for every step and the output layer ``h V + c`` for every
    step are each a single matrix product.
    """
    p = check_params(params)
    activation = _check_activation(activation)
    d_in, hidden, d_out = _sizes(p)
    dtype = p["W"].dtype
    x = as_float_array(x, "x", ndim=3, dtype=dtype)
    if x.shape[2] != d_in:
        raise ValueError(f"x: expected shape (batch, time, {d_in}) to match W of shape "
                         f"{p['W'].shape}, got shape {x.shape}")
    batch, steps, _ = x.shape
    # time-major copy of the inputs: every step's slice is contiguous
    x2d = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(steps * batch, d_in)
    a = (x2d @ p["W"]).reshape(steps, batch, hidden)        # x_t W for every t at once
    a += p["b"]
    h = np.empty((steps + 1, batch, hidden), dtype=dtype)  # h[0] = h0, h[t] = h_t
    h[0] = p["h0"]
    U = p["U"]
    tanh = activation == "tanh"
    for t in range(steps):
        a_t = a[t]
        a_t += h[t] @ U                                     # a_t = x_t W + b + h_{t-1} U
        if tanh:
            np.tanh(a_t, out=h[t + 1])
        else:
            np.maximum(a_t, 0.0, out=h[t + 1])
    y = h[1:].reshape(steps * batch, hidden) @ p["V"]
    y += p["c"]
    outputs = np.ascontiguousarray(y.reshape(steps, batch, d_out).transpose(1, 0, 2))
    cache = {"x": x2d, "h": h, "activation": activation, "batch": batch, "time": steps}
    return outputs, cache


def backward(params, cache, dloss_doutputs, truncate: int | None = None) -> dict:
    """Backpropagation through time: gradients of a loss for every parameter.

    Parameters
    ----------
    params : the dict given to :func:`forward`
    cache : the cache :func:`forward` returned
    dloss_doutputs : (batch, time, d_out) array, dL/dy_t for every step (zeros where
        the loss does not look at a step, e.g. all but the last step)
    truncate : ``None`` (full BPTT) or a positive integer ``k``: the gradient that
        flows in at output ``y_t`` is followed back through at most ``k`` steps, i.e.
        into the pre-activations ``a_t, a_{t-1}, ..., a_{t-k+1}`` and no further
        (Williams & Peng's BPTT(k); ``k >= time`` is full BPTT, ``k = 1`` does not
        backpropagate through time at all).

    Returns
    -------
    dict of gradients with the parameters' names and shapes, ``h0`` included (its
    gradient is summed over the batch because one ``h0`` is shared by every sequence).

    The recursion (full BPTT), with ``dh_{T+1}`` taken as zero::

        dh_t = dy_t V^T + da_{t+1} U^T       dL/dh_t
        da_t = dh_t * f'(a_t)                f'(a) = 1 - h^2 (tanh), [a > 0] (ReLU)
        dW = sum_t x_t^T da_t    dU = sum_t h_{t-1}^T da_t    db = sum_t da_t
        dV = sum_t h_t^T dy_t    dc = sum_t dy_t              dh0 = da_1 U^T
    """
    p = check_params(params)
    d_in, hidden, d_out = _sizes(p)
    if not isinstance(cache, Mapping) or not {"x", "h", "activation", "batch", "time"} <= set(cache):
        raise ValueError("cache: expected the cache returned by forward(params, x), "
                         f"got {type(cache).__name__}")
    x2d, h = cache["x"], cache["h"]
    batch, steps = cache["batch"], cache["time"]
    if h.shape != (steps + 1, batch, hidden) or x2d.shape != (steps * batch, d_in):
        raise ValueError(f"cache: was made with other parameters (hidden states {h.shape[1:]} "
                         f"and inputs of size {x2d.shape[1]}; these params have hidden={hidden}, "
                         f"d_in={d_in})")
    dtype = p["W"].dtype
    dy = as_float_array(dloss_doutputs, "dloss_doutputs", ndim=3, dtype=dtype)
    if dy.shape != (batch, steps, d_out):
        raise ValueError(f"dloss_doutputs: expected shape (batch, time, d_out) = "
                         f"{(batch, steps, d_out)} like the outputs of forward, got shape {dy.shape}")
    if truncate is not None:
        truncate = check_positive_int(truncate, "truncate")

    dy2d = np.ascontiguousarray(dy.transpose(1, 0, 2)).reshape(steps * batch, d_out)
    h_all = h[1:].reshape(steps * batch, hidden)
    grads = {"V": h_all.T @ dy2d, "c": dy2d.sum(axis=0)}
    dh_out = (dy2d @ p["V"].T).reshape(steps, batch, hidden)      # dL/dh_t through y_t only
    if cache["activation"] == "tanh":
        fprime = 1.0 - h[1:] * h[1:]                               # tanh'(a_t) = 1 - h_t^2
    else:
        fprime = (h[1:] > 0).astype(dtype)                         # ReLU'(a_t) = [a_t > 0]
    UT = np.ascontiguousarray(p["U"].T)

    if truncate is None or truncate >= steps:                      # full BPTT: one loop, T steps
        da = np.empty((steps, batch, hidden), dtype=dtype)
        dh_next = np.zeros((batch, hidden), dtype=dtype)           # dL/dh_t through a_{t+1}
        for t in range(steps - 1, -1, -1):
            np.add(dh_out[t], dh_next, out=da[t])
            da[t] *= fprime[t]
            np.matmul(da[t], UT, out=dh_next)
        dh0 = dh_next                                              # = da_1 U^T
    else:                                                          # BPTT(k): k - 1 vectorised lags
        # g[s] is the part of da_s that comes from the output j steps later (lag j);
        # lag j+1 follows lag j back one step through U and f'.
        g = dh_out * fprime
        da = g.copy()
        for j in range(1, truncate):
            g = (g[1:] @ UT) * fprime[:steps - j]
            da[:steps - j] += g
        dh0 = da[0] @ UT
    da2d = da.reshape(steps * batch, hidden)
    grads["W"] = x2d.T @ da2d
    grads["U"] = h[:-1].reshape(steps * batch, hidden).T @ da2d
    grads["b"] = da2d.sum(axis=0)
    grads["h0"] = dh0.sum(axis=0)
    return {k: grads[k] for k in PARAM_NAMES}


# --------------------------------------------------------------------------- loss and gradient check
def mse_loss(pred, target):
    """Mean squared error over every number, and its gradient.

    ``pred`` and ``target`` have the same shape, e.g. ``(n, m, 2)`` future
    displacements in metres.  Returns ``(loss, dloss_dpred)`` with
    ``loss = mean((pred - target)^2)`` (a float, in square metres for metres) and
    ``dloss_dpred = 2 (pred - target) / pred.size``.
    """
    dtype = np.float32 if np.asarray(pred).dtype == np.float32 else np.float64
    pred = as_float_array(pred, "pred", dtype=dtype)
    target = as_float_array(target, "target", dtype=pred.dtype)
    if pred.shape != target.shape:
        raise ValueError(f"target: expected the shape of pred {pred.shape}, got shape {target.shape}")
    diff = pred - target
    return float(np.mean(diff * diff)), (2.0 / diff.size) * diff


def gradient_check(f: Callable, params, eps: float = 1e-6, *, floor: float = 1e-8) -> dict:
    """Compare the gradients ``f`` returns with central finite differences (float64).

    ``f(params) -> (loss, grads)`` where ``grads`` has the keys of ``params``.
    Every entry ``i`` of every parameter is nudged by ``+-eps`` and
    ``num_i = (L(p + eps e_i) - L(p - eps e_i)) / (2 eps)`` is compared with the
    analytic gradient ``ana_i``.  Returns ``{name: relative error}`` with, for each
    parameter, the largest entry-wise error relative to the size of that parameter's
    gradient::

        rel_err = max_i |ana_i - num_i| / max(max_i |ana_i|, max_i |num_i|, floor)

    Relative to the parameter's largest entry, not to each entry's own size: an entry
    whose true gradient is 1e-6 cannot be measured to six digits by finite differences
    in float64 (their rounding noise is about 1e-16 |L| / eps, i.e. about 1e-10), so
    dividing by it would flag correct code.  ``floor`` keeps a parameter whose gradient
    is zero from dividing noise by noise.  A correct gradient gives errors far below
    ``1e-6``; a wrong formula gives errors near ``1``.  The parameters are copied to
    float64; ``params`` is not changed.  ``params`` may be any dict of arrays (not
    only an RNN's).
    """
    if not callable(f):
        raise ValueError(f"f: expected a function params -> (loss, grads), got {type(f).__name__}")
    if not isinstance(params, Mapping) or not params:
        raise ValueError(f"params: expected a non-empty dict of arrays, got {type(params).__name__}")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps: expected a small positive number, got {eps!r}")
    p = {k: np.array(as_float_array(v, f"params[{k!r}]", allow_empty=True), dtype=np.float64)
         for k, v in params.items()}
    result = f(p)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise ValueError("f: expected f(params) to return (loss, grads), "
                         f"got {type(result).__name__}")
    _, grads = result
    errors = {}
    for name, value in p.items():
        if name not in grads:
            raise ValueError(f"f: its grads have no entry {name!r} (got keys {list(grads)})")
        ana = np.asarray(grads[name], dtype=np.float64)
        if ana.shape != value.shape:
            raise ValueError(f"f: grads[{name!r}] has shape {ana.shape}, params[{name!r}] has {value.shape}")
        num = np.zeros_like(value)
        flat, nflat = value.reshape(-1), num.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            plus = float(f(p)[0])
            flat[i] = old - eps
            minus = float(f(p)[0])
            flat[i] = old
            nflat[i] = (plus - minus) / (2.0 * eps)
        if value.size == 0:
            errors[name] = 0.0
            continue
        scale = max(float(np.max(np.abs(ana))), float(np.max(np.abs(num))), floor)
        errors[name] = float(np.max(np.abs(ana - num))) / scale
    return errors


# --------------------------------------------------------------------------- optimisers and clipping
def _check_grads(params, grads) -> None:
    if not isinstance(grads, Mapping):
        raise ValueError(f"grads: expected a dict like params, got {type(grads).__name__}")
    if set(grads) != set(params):
        raise ValueError(f"grads: keys {sorted(grads)} do not match params keys {sorted(params)}")
    for k in params:
        if np.shape(grads[k]) != np.shape(params[k]):
            raise ValueError(f"grads[{k!r}]: expected shape {np.shape(params[k])} like params[{k!r}], "
                             f"got shape {np.shape(grads[k])}")


def global_norm(grads) -> float:
    """sqrt of the sum of squares of every gradient entry (all parameters together)."""
    if not isinstance(grads, Mapping):
        raise ValueError(f"grads: expected a dict of arrays, got {type(grads).__name__}")
    # np.sum, not Python's sum(): Python 3.12 changed sum() of floats (compensated summation), and the
    # last bit of this norm is enough to change how a chaotic training run ends (notebook 07, section 3).
    return float(np.sqrt(np.sum([np.sum(np.square(g, dtype=np.float64)) for g in grads.values()])))


def clip_by_global_norm(grads, max_norm: float):
    """Scale all gradients together so that their global norm is at most ``max_norm``.

    Returns ``(clipped, norm)``: a new dict (the input is not changed) and the global
    norm *before* clipping.  Like ``tf.clip_by_global_norm``: the direction is kept,
    only the length shrinks, and nothing changes when ``norm <= max_norm``.
    """
    if not (np.isfinite(max_norm) and max_norm > 0):
        raise ValueError(f"max_norm: expected a positive number, got {max_norm!r}")
    norm = global_norm(grads)
    scale = max_norm / norm if norm > max_norm else 1.0
    return {k: np.asarray(g) * scale for k, g in grads.items()}, norm


class SGD:
    """Stochastic gradient descent, optionally with (heavy-ball) momentum.

    ``v <- momentum * v - lr * g``;  ``p <- p + v``  (``momentum=0``: ``p <- p - lr g``).
    ``step(params, grads)`` updates the arrays of ``params`` in place and returns it.
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.0):
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"lr: expected a positive learning rate, got {lr!r}")
        if not (0.0 <= momentum < 1.0):
            raise ValueError(f"momentum: expected a number in [0, 1), got {momentum!r}")
        self.lr, self.momentum = float(lr), float(momentum)
        self.velocity: dict = {}
        self.iterations = 0

    def step(self, params, grads):
        _check_grads(params, grads)
        for k, g in grads.items():
            if self.momentum:
                v = self.velocity.get(k)
                v = -self.lr * g if v is None else self.momentum * v - self.lr * g
                self.velocity[k] = v
                params[k] += v
            else:
                params[k] -= self.lr * g
        self.iterations += 1
        return params

    def __repr__(self):
        return f"SGD(lr={self.lr}, momentum={self.momentum})"


class Adam:
    """Adam (Kingma & Ba 2015), written out.

    ``m <- b1 m + (1 - b1) g``;  ``v <- b2 v + (1 - b2) g^2``;
    ``p <- p - lr * m_hat / (sqrt(v_hat) + eps)`` with the bias corrections
    ``m_hat = m / (1 - b1^t)``, ``v_hat = v / (1 - b2^t)``.
    ``step(params, grads)`` updates the arrays of ``params`` in place and returns it.
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"lr: expected a positive learning rate, got {lr!r}")
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not (0.0 <= beta < 1.0):
                raise ValueError(f"{name}: expected a number in [0, 1), got {beta!r}")
        if not (eps > 0):
            raise ValueError(f"eps: expected a small positive number, got {eps!r}")
        self.lr, self.beta1, self.beta2, self.eps = float(lr), float(beta1), float(beta2), float(eps)
        self.m: dict = {}
        self.v: dict = {}
        self.iterations = 0

    def step(self, params, grads):
        _check_grads(params, grads)
        self.iterations += 1
        t = self.iterations
        b1, b2 = self.beta1, self.beta2
        corr1, corr2 = 1.0 - b1 ** t, 1.0 - b2 ** t
        for k, g in grads.items():
            m = self.m.get(k)
            v = self.v.get(k)
            m = (1.0 - b1) * g if m is None else b1 * m + (1.0 - b1) * g
            v = (1.0 - b2) * g * g if v is None else b2 * v + (1.0 - b2) * g * g
            self.m[k], self.v[k] = m, v
            params[k] -= self.lr * (m / corr1) / (np.sqrt(v / corr2) + self.eps)
        return params

    def __repr__(self):
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps})"


# --------------------------------------------------------------------------- training
def _loss_and_grads(params, x, y, activation, truncate):
    """MSE loss on the last step (y (n, d_out)) or on every step (y (n, time, d_out))."""
    outputs, cache = forward(params, x, activation)
    if y.ndim == 2:
        loss, g = mse_loss(outputs[:, -1], y)
        dout = np.zeros_like(outputs)
        dout[:, -1] = g
    else:
        loss, dout = mse_loss(outputs, y)
    return loss, backward(params, cache, dout, truncate=truncate)


def _check_xy(x, y, name_x, name_y, d_in, d_out, dtype):
    x = as_float_array(x, name_x, ndim=3, dtype=dtype)
    if x.shape[2] != d_in:
        raise ValueError(f"{name_x}: expected shape (n, time, {d_in}) to match params['W'], got {x.shape}")
    y = as_float_array(y, name_y, dtype=dtype)
    if y.ndim == 2:
        ok = y.shape == (x.shape[0], d_out)
    elif y.ndim == 3:
        ok = y.shape == (x.shape[0], x.shape[1], d_out)
    else:
        ok = False
    if not ok:
        raise ValueError(f"{name_y}: expected shape (n, d_out) = {(x.shape[0], d_out)} (target of the last "
                         f"step) or (n, time, d_out) = {(x.shape[0], x.shape[1], d_out)} (every step), "
                         f"got shape {y.shape}")
    return x, y


def train(params, x_train, y_train, x_val=None, y_val=None, *, epochs: int = 10,
          batch_size: int = 64, optimizer=None, seed: int = 0, clip: float | None = None,
          activation: str = "tanh", truncate: int | None = None, progress: bool = True) -> dict:
    """Train an RNN with mini-batches and MSE loss; ``params`` is updated in place.

    Parameters
    ----------
    x_train : (n, time, d_in) inputs
    y_train : (n, d_out) targets for the *last* step's output (sequence -> vector,
        what the forecaster uses), or (n, time, d_out) targets for every step
    x_val, y_val : optional validation set of the same kind, scored after each epoch
    optimizer : an object with ``step(params, grads)`` (:class:`Adam` ``(1e-3)`` if None)
    seed : seeds the shuffling of the training set (same seed, same run)
    clip : clip the gradients to this global norm (None: no clipping)
    progress : show a tqdm progress bar over the epochs

    Returns
    -------
    history : dict of lists, one entry per epoch: ``train_loss`` (mean of the
        mini-batch losses during the epoch), ``val_loss`` (if a validation set is
        given; after the epoch) and ``grad_norm`` (mean global gradient norm before
        clipping).
    """
    p = check_params(params)
    if any(p[k] is not params[k] for k in PARAM_NAMES):
        raise ValueError("params: train updates the parameters in place, so they must already be "
                         "float arrays of one dtype (use init_params, or convert with np.asarray)")
    d_in, _, d_out = _sizes(p)
    dtype = p["W"].dtype
    x_train, y_train = _check_xy(x_train, y_train, "x_train", "y_train", d_in, d_out, dtype)
    has_val = x_val is not None or y_val is not None
    if has_val:
        if x_val is None or y_val is None:
            raise ValueError("x_val, y_val: give both or neither")
        x_val, y_val = _check_xy(x_val, y_val, "x_val", "y_val", d_in, d_out, dtype)
        if y_val.ndim != y_train.ndim:
            raise ValueError(f"y_val: expected {y_train.ndim} dimensions like y_train, got shape {y_val.shape}")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    _check_activation(activation)
    if clip is not None and not (np.isfinite(clip) and clip > 0):
        raise ValueError(f"clip: expected None or a positive number, got {clip!r}")
    if optimizer is None:
        optimizer = Adam(1e-3)
    if not callable(getattr(optimizer, "step", None)):
        raise ValueError(f"optimizer: expected an object with a step(params, grads) method, "
                         f"got {type(optimizer).__name__}")
    rng = np.random.default_rng(seed)
    n = x_train.shape[0]
    history = {"train_loss": [], "grad_norm": []}
    if has_val:
        history["val_loss"] = []
    epoch_iter = range(epochs)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        epoch_iter = bar = tqdm(epoch_iter, desc="training", unit="epoch")
    for _ in epoch_iter:
        order = rng.permutation(n)
        total, norms, seen = 0.0, [], 0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss, grads = _loss_and_grads(params, x_train[idx], y_train[idx], activation, truncate)
            if clip is not None:
                grads, norm = clip_by_global_norm(grads, clip)
            else:
                norm = global_norm(grads)
            optimizer.step(params, grads)
            total += loss * len(idx)
            seen += len(idx)
            norms.append(norm)
        history["train_loss"].append(total / seen)
        history["grad_norm"].append(float(np.mean(norms)))
        if has_val:
            out, _ = forward(params, x_val, activation)
            history["val_loss"].append(mse_loss(out[:, -1] if y_val.ndim == 2 else out, y_val)[0])
        if bar is not None:
            shown = {"loss": f"{history['train_loss'][-1]:.4g}"}
            if has_val:
                shown["val"] = f"{history['val_loss'][-1]:.4g}"
            bar.set_postfix(shown)
    return history


# --------------------------------------------------------------------------- forecasting
def forecast(params, disp_observed, horizon: int, activation: str = "tanh"):
    """Predict ``horizon`` future displacements from observed ones.

    The RNN reads the observed displacements ``(n, k - 1, 2)`` one step at a time; its
    output at the *last* step, ``y_T = h_T V + c`` with ``d_out = 2 * horizon``, is read
    as the future displacements, reshaped to ``(n, horizon, 2)``.  (The outputs of the
    earlier steps are computed but not used.)
    """
    horizon = check_positive_int(horizon, "horizon")
    p = check_params(params)
    d_in, _, d_out = _sizes(p)
    if d_in != 2 or d_out != 2 * horizon:
        raise ValueError(f"params: a forecaster of {horizon} steps needs d_in=2 and d_out=2*horizon="
                         f"{2 * horizon}; these params have d_in={d_in}, d_out={d_out}")
    disp = as_float_array(disp_observed, "disp_observed", shape=(None, None, 2), dtype=p["W"].dtype)
    outputs, _ = forward(p, disp, activation)
    return outputs[:, -1].reshape(-1, horizon, 2)


def forecast_loss(params, disp_observed, disp_future, activation: str = "tanh", truncate=None):
    """MSE between :func:`forecast` and the true future displacements ``(n, m, 2)``, with gradients.

    Returns ``(loss, grads)``; usable directly with :func:`gradient_check`.
    """
    p = check_params(params)
    fut = as_float_array(disp_future, "disp_future", shape=(None, None, 2), dtype=p["W"].dtype)
    n, m, _ = fut.shape
    x = as_float_array(disp_observed, "disp_observed", shape=(n, None, 2), dtype=p["W"].dtype)
    return _loss_and_grads(p, x, fut.reshape(n, 2 * m), activation, truncate)


class RNNForecaster(Predictor):
    """An RNN trajectory predictor with the interface of the baselines.

    ``predict(observed (n, k, 2), horizon) -> (n, horizon, 2)`` positions (metres):
    the observed positions are turned into ``k - 1`` displacements, divided by
    ``scale`` (so the network sees numbers near 1), fed to :func:`forecast`, multiplied
    back by ``scale`` and summed up from the last observed position.

    Build one from trained parameters, or with :meth:`fit`.
    """
    name = "RNN (NumPy)"

    def __init__(self, params, activation: str = "tanh", scale: float = 1.0):
        self.params = check_params(params)
        self.activation = _check_activation(activation)
        if not (np.isfinite(scale) and scale > 0):
            raise ValueError(f"scale: expected a positive number (metres), got {scale!r}")
        self.scale = float(scale)
        self.horizon = _sizes(self.params)[2] // 2
        self.history: dict = {}

    def predict(self, observed, horizon: int | None = None):
        """Future positions ``(n, horizon, 2)`` from observed positions ``(n, k, 2)``, k >= 2."""
        horizon = self.horizon if horizon is None else check_positive_int(horizon, "horizon")
        if horizon > self.horizon:
            raise ValueError(f"horizon: this forecaster was trained for at most {self.horizon} steps, "
                             f"got {horizon}")
        obs = as_float_array(observed, "observed", shape=(None, None, 2))
        if obs.shape[1] < 2:
            raise ValueError(f"observed: expected at least 2 positions per window (n, k>=2, 2), got {obs.shape}")
        disp = np.diff(obs, axis=1) / self.scale
        future = forecast(self.params, disp, self.horizon, self.activation)[:, :horizon] * self.scale
        return obs[:, -1:, :] + np.cumsum(future, axis=1)

    @classmethod
    def fit(cls, observed, future, observed_val=None, future_val=None, *, hidden: int = 32,
            epochs: int = 20, batch_size: int = 64, lr: float = 3e-3, seed: int = 0,
            activation: str = "tanh", clip: float | None = 1.0, progress: bool = False):
        """Train a forecaster on windows: observed ``(n, k, 2)`` -> future ``(n, m, 2)`` positions.

        The scale is the standard deviation of the training displacements.  The
        training history is kept in ``.history``.
        """
        obs = as_float_array(observed, "observed", shape=(None, None, 2))
        fut = as_float_array(future, "future", shape=(obs.shape[0], None, 2))
        m = fut.shape[1]
        d_obs = np.diff(obs, axis=1)
        d_fut = np.diff(np.concatenate([obs[:, -1:], fut], axis=1), axis=1)
        scale = float(np.std(d_obs)) or 1.0
        params = init_params(2, hidden, 2 * m, seed=seed)
        val = {}
        if observed_val is not None or future_val is not None:
            ov = as_float_array(observed_val, "observed_val", shape=(None, obs.shape[1], 2))
            fv = as_float_array(future_val, "future_val", shape=(ov.shape[0], m, 2))
            val = {"x_val": np.diff(ov, axis=1) / scale,
                   "y_val": np.diff(np.concatenate([ov[:, -1:], fv], axis=1), axis=1).reshape(-1, 2 * m) / scale}
        history = train(params, d_obs / scale, d_fut.reshape(-1, 2 * m) / scale, **val, epochs=epochs,
                        batch_size=batch_size, optimizer=Adam(lr), seed=seed, clip=clip,
                        activation=activation, progress=progress)
        model = cls(params, activation=activation, scale=scale)
        model.history = history
        return model

    def __repr__(self):
        _, hidden, _ = _sizes(self.params)
        return f"RNNForecaster(hidden={hidden}, horizon={self.horizon}, activation={self.activation!r}, scale={self.scale:.3g})"


# --------------------------------------------------------------------------- Keras
def to_keras(params, activation: str = "tanh", dtype: str = "float32"):
    """The same network in Keras: ``(SimpleRNN(H, return_sequences=True), Dense(d_out))``.

    The weights are copied: ``kernel = W``, ``recurrent_kernel = U``, ``bias = b``
    for the SimpleRNN, ``kernel = V``, ``bias = c`` for the Dense layer.  Keras's
    SimpleRNN has no learnable initial state: pass ``h0`` yourself as
    ``initial_state`` (see :func:`keras_forward_and_grads`).  Imports Keras.
    """
    p = check_params(params)
    _check_activation(activation)
    d_in, hidden, d_out = _sizes(p)
    import keras
    rnn = keras.layers.SimpleRNN(hidden, activation=activation, return_sequences=True, dtype=dtype)
    dense = keras.layers.Dense(d_out, dtype=dtype)
    rnn.build((None, None, d_in))
    dense.build((None, None, hidden))
    rnn.set_weights([p["W"], p["U"], p["b"]])
    dense.set_weights([p["V"], p["c"]])
    return rnn, dense


def keras_outputs(rnn_layer, dense, x, weights):
    """Outputs of the Keras twin for the six parameters ``weights = (W, U, b, V, c, h0)``.

    The layers are called *statelessly* (``Layer.stateless_call``) with the given tensors in
    place of their own variables, so that automatic differentiation on any Keras backend can
    differentiate the outputs with respect to all six (see :func:`keras_forward_and_grads`).
    """
    from keras import ops
    W, U, b, V, c, h0 = weights
    x = ops.convert_to_tensor(x)
    init = ops.tile(ops.expand_dims(h0, 0), (ops.shape(x)[0], 1))   # the same h0 for every sequence
    hs, _ = rnn_layer.stateless_call([W, U, b], [v.value for v in rnn_layer.non_trainable_variables],
                                     x, initial_state=[init])
    out, _ = dense.stateless_call([V, c], [], hs)
    return out


def keras_forward_and_grads(params, x, dloss_doutputs=None, activation: str = "tanh",
                            dtype: str = "float32"):
    """Outputs of the Keras twin and its gradients by the backend's automatic differentiation.

    The loss is ``sum(dloss_doutputs * outputs)``, so its gradients are exactly what
    :func:`backward` computes from ``dloss_doutputs`` (ones if None).  Returns
    ``(outputs (batch, time, d_out), grads)`` as float64 NumPy arrays, ``grads`` with
    the names ``W, U, b, V, c, h0``.  Imports Keras; differentiates with
    ``backend.value_and_grad`` (TensorFlow, JAX or PyTorch).
    """
    p = check_params(params)
    x = as_float_array(x, "x", ndim=3)
    if x.shape[2] != p["W"].shape[0]:
        raise ValueError(f"x: expected shape (batch, time, {p['W'].shape[0]}), got {x.shape}")
    weight = (np.ones(x.shape[:2] + (p["V"].shape[1],)) if dloss_doutputs is None else
              as_float_array(dloss_doutputs, "dloss_doutputs", shape=x.shape[:2] + (p["V"].shape[1],)))
    from . import backend
    from keras import ops
    rnn_layer, dense = to_keras(p, activation, dtype)
    xs, weight = x.astype(dtype), weight.astype(dtype)

    def loss(*weights):
        out = keras_outputs(rnn_layer, dense, xs, weights)
        return ops.sum(ops.convert_to_tensor(weight) * out), out

    (_, out), g = backend.value_and_grad(loss, [p[k].astype(dtype) for k in PARAM_NAMES], has_aux=True)
    return (np.asarray(out, dtype=np.float64),
            {k: np.asarray(v, dtype=np.float64) for k, v in zip(PARAM_NAMES, g)})
