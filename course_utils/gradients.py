"""Gradients through time, measured: how dL/dh_t shrinks or grows with the distance from the loss.

Notebook 07 uses these functions on the hand-written NumPy RNN of notebook 02
(``course_utils.rnn``) and on Keras's recurrent cells.  The RNN is::

    a_t = x_t W + h_{t-1} U + b,    h_t = f(a_t),    y_t = h_t V + c        (row vectors, as in rnn.py)

so one step back in time multiplies the gradient by the Jacobian of ``h_t`` with respect to
``h_{t-1}``, and the distance ``T - t`` multiplies ``T - t`` of them::

    dh_t/dh_{t-1} = diag(f'(a_t)) U^T
    dh_T/dh_t     = prod_{k=t+1..T} diag(f'(a_k)) U^T

Its norm is at most ``prod_k max|f'(a_k)| * s_max(U)`` (``s_max``: the largest singular value),
so with ``|f'| <= 1`` (tanh, ReLU) and a recurrent matrix that shrinks vectors the gradient
vanishes exponentially with the distance, and with one that stretches them it may explode.

Contents
--------
- :func:`state_gradients`: dL/dh_t for every step (batch, T, H), from ``rnn.forward``'s cache
- :func:`state_gradient_norms`: its norm at each distance from the loss, (T,)
- :func:`numerical_state_gradient`: the same quantity by central finite differences (the test)
- :func:`jacobian_product_norms`: the spectral norm of dh_T/dh_t, the product of Jacobians
- :func:`spectral_radius`, :func:`identity_init_params` (Le et al. 2015's IRNN)
- :func:`autodiff_state_gradient_norms`: the same measurement for Keras cells (SimpleRNN, GRU, LSTM,
  including the LSTM's cell state ``c_t``) by automatic differentiation on any Keras backend.
"""
from __future__ import annotations

import numpy as np

from . import rnn
from .validation import as_float_array, check_positive_int

__all__ = ["state_gradients", "state_gradient_norms", "numerical_state_gradient", "loss_from_state",
           "jacobian_product_norms", "spectral_radius", "identity_init_params",
           "autodiff_state_gradient_norms"]


def _last_step_target(params, x, target, activation):
    """Run the forward pass; return outputs, cache and the last-step target (zeros if None)."""
    outputs, cache = rnn.forward(params, x, activation)
    if target is None:
        target = np.zeros_like(outputs[:, -1])
    target = as_float_array(target, "target", shape=outputs[:, -1].shape)
    return outputs, cache, target


def state_gradients(params, x, target=None, activation: str = "tanh") -> np.ndarray:
    """dL/dh_t for every step, for the loss ``L = mean((y_T - target)^2)`` on the *last* output.

    Parameters
    ----------
    params : an RNN parameter dict (``rnn.init_params``)
    x : (batch, T, d_in) inputs
    target : (batch, d_out) target of the last output (zeros if None)
    activation : ``"tanh"`` or ``"relu"``

    Returns
    -------
    (batch, T, H) array: entry ``[:, t - 1]`` is dL/dh_t for t = 1..T (the whole batch's loss,
    so each sequence's row is its own gradient divided by the batch size).  Computed with the
    recursion of backpropagation through time::

        dh_T = dy_T V^T,    dh_{t-1} = (dh_t * f'(a_t)) U^T
    """
    p = rnn.check_params(params)
    outputs, cache, target = _last_step_target(p, x, target, activation)
    _, dy_last = rnn.mse_loss(outputs[:, -1], target)
    h = cache["h"]                                         # (T + 1, batch, H), h[0] = h0
    steps = cache["time"]
    if cache["activation"] == "tanh":
        fprime = 1.0 - h[1:] ** 2
    else:
        fprime = (h[1:] > 0).astype(h.dtype)
    grads = np.empty((steps,) + h.shape[1:], dtype=h.dtype)
    grads[-1] = dy_last @ p["V"].T
    UT = p["U"].T
    for t in range(steps - 1, 0, -1):
        grads[t - 1] = (grads[t] * fprime[t]) @ UT          # index t holds h_{t+1}
    return np.ascontiguousarray(grads.transpose(1, 0, 2))


def state_gradient_norms(params, x, target=None, activation: str = "tanh") -> np.ndarray:
    """The norm of dL/dh_t against the distance from the loss: ``(T,)``, entry ``d`` is ``||dL/dh_{T-d}||``.

    The norm is the Frobenius norm over the whole batch (batch, H).  Entry 0 is the last
    step, where the loss is; entry ``T - 1`` is the first step.
    """
    grads = state_gradients(params, x, target, activation)
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.sqrt(np.sum(grads.astype(np.float64) ** 2, axis=(0, 2)))
    return norms[::-1].copy()


def loss_from_state(params, x, t: int, h_t, target=None, activation: str = "tanh") -> float:
    """The last-step loss when the RNN is restarted at step ``t`` from the state ``h_t``.

    ``h_t`` is ``(batch, H)``, the hidden state after reading ``x[:, :t]`` (``t`` from 1 to T);
    the network then reads ``x[:, t:]`` and the loss is ``mean((y_T - target)^2)``.
    The loss as a function of ``h_t`` alone: what finite differences need.
    """
    p = rnn.check_params(params)
    x = as_float_array(x, "x", ndim=3)
    steps = x.shape[1]
    t = check_positive_int(t, "t")
    if t > steps:
        raise ValueError(f"t: expected a step from 1 to T={steps}, got {t}")
    h = as_float_array(h_t, "h_t", shape=(x.shape[0], p["U"].shape[0]))
    for k in range(t, steps):
        a = x[:, k] @ p["W"] + h @ p["U"] + p["b"]
        h = np.tanh(a) if activation == "tanh" else np.maximum(a, 0.0)
    y = h @ p["V"] + p["c"]
    if target is None:
        target = np.zeros_like(y)
    target = as_float_array(target, "target", shape=y.shape)
    return rnn.mse_loss(y, target)[0]


def numerical_state_gradient(params, x, t: int, target=None, activation: str = "tanh",
                             eps: float = 1e-6) -> np.ndarray:
    """dL/dh_t ``(batch, H)`` by central finite differences on :func:`loss_from_state` (float64).

    Compare with ``state_gradients(params, x, target, activation)[:, t - 1]``.
    """
    p = {k: np.asarray(v, dtype=np.float64) for k, v in rnn.check_params(params).items()}
    x = as_float_array(x, "x", ndim=3)
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps: expected a small positive number, got {eps!r}")
    t = check_positive_int(t, "t")
    if t > x.shape[1]:
        raise ValueError(f"t: expected a step from 1 to T={x.shape[1]}, got {t}")
    _, cache = rnn.forward(p, x, activation)
    h_t = cache["h"][t].copy()
    grad = np.zeros_like(h_t)
    for index in np.ndindex(*h_t.shape):
        old = h_t[index]
        h_t[index] = old + eps
        plus = loss_from_state(p, x, t, h_t, target, activation)
        h_t[index] = old - eps
        minus = loss_from_state(p, x, t, h_t, target, activation)
        h_t[index] = old
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def jacobian_product_norms(params, x, activation: str = "tanh") -> np.ndarray:
    """Spectral norm of ``dh_T/dh_t = prod_{k=t+1..T} diag(f'(a_k)) U^T`` at each distance ``T - t``.

    ``x`` is ``(batch, T, d_in)``.  Returns ``(batch, T)``: entry ``[i, d]`` is the largest
    singular value of the product of the ``d`` Jacobians between ``h_{T-d}`` and ``h_T`` for
    sequence ``i`` (entry 0 is the identity, norm 1).  This is how much the worst-case
    direction of a gradient is stretched (> 1) or shrunk (< 1) on its way back ``d`` steps.
    """
    p = rnn.check_params(params)
    _, cache = rnn.forward(p, x, activation)
    h = cache["h"].astype(np.float64)
    steps, batch, hidden = cache["time"], cache["batch"], h.shape[2]
    fprime = 1.0 - h[1:] ** 2 if activation == "tanh" else (h[1:] > 0).astype(np.float64)
    UT = p["U"].T.astype(np.float64)
    J = np.broadcast_to(np.eye(hidden), (batch, hidden, hidden)).copy()
    out = np.empty((batch, steps))
    out[:, 0] = 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        for d in range(1, steps):
            k = steps - d                                   # Jacobian of h_{k+1} w.r.t. h_k: fprime[k]
            J = J @ (fprime[k][:, :, None] * UT[None])      # dh_T/dh_{T-d} = J_T ... J_{T-d+1}
            out[:, d] = np.linalg.norm(J, ord=2, axis=(1, 2)) if np.all(np.isfinite(J)) else np.inf
    return out


def spectral_radius(matrix) -> float:
    """The largest absolute eigenvalue of a square matrix (e.g. the recurrent matrix ``U``)."""
    m = as_float_array(matrix, "matrix", ndim=2)
    if m.shape[0] != m.shape[1]:
        raise ValueError(f"matrix: expected a square matrix, got shape {m.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(m))))


def identity_init_params(d_in: int, hidden: int, d_out: int, seed: int = 0, *, scale: float = 1.0,
                         input_std: float | None = None) -> dict:
    """Parameters of an *IRNN* (Le, Jaitly & Hinton 2015): ``U = scale * I``, zero biases.

    Meant for ``activation="relu"``: an active unit then copies itself to the next step
    (``dh_t/dh_{t-1} = I`` on the active units), so the gradient neither vanishes nor explodes
    at the start of training.  ``W`` and ``V`` are as in ``rnn.init_params`` (Glorot), or
    ``W ~ N(0, input_std^2)`` if ``input_std`` is given.
    """
    params = rnn.init_params(d_in, hidden, d_out, seed=seed)
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale: expected a positive number, got {scale!r}")
    params["U"] = scale * np.eye(params["U"].shape[0])
    if input_std is not None:
        if not (np.isfinite(input_std) and input_std > 0):
            raise ValueError(f"input_std: expected a positive number or None, got {input_std!r}")
        params["W"] = np.random.default_rng(seed + 1).normal(0.0, input_std, size=params["W"].shape)
    return params


def autodiff_state_gradient_norms(layer, x, head=None, target=None) -> dict:
    """Norms of dL/dstate at each distance from the loss, for a Keras recurrent layer, by automatic
    differentiation (``backend.value_and_grad``: TensorFlow, JAX or PyTorch).

    Parameters
    ----------
    layer : a built ``keras.layers.SimpleRNN``, ``GRU`` or ``LSTM`` (or its ``.cell``)
    x : (batch, T, d_in) inputs
    head : a built ``keras.layers.Dense`` applied to the last hidden state (None: the output
        is ``h_T`` itself)
    target : ``(batch, outputs)`` target of that output (zeros if None); the loss is
        ``mean((output - target)^2)``, as in :func:`state_gradients`

    Returns
    -------
    dict of ``(T,)`` arrays, entry ``d`` for the state ``d`` steps before the loss (0 = last):
    ``"h"`` the hidden state's gradient norm (Frobenius over the batch), and for an LSTM also
    ``"c"``, the cell state's.  The cell is unrolled step by step in Python, and a zero
    ``eps_t`` is added to every state: ``dL/d eps_t`` *is* ``dL/d state_t``, and ``eps`` is an
    input that any backend's automatic differentiation can differentiate with respect to.
    """
    from keras import ops
    from . import backend

    cell = getattr(layer, "cell", layer)
    x = as_float_array(x, "x", ndim=3).astype(np.float32)
    batch, steps, _ = x.shape
    initial = cell.get_initial_state(batch_size=batch)
    initial = list(initial) if isinstance(initial, (list, tuple)) else [initial]
    eps = [np.zeros((steps,) + tuple(ops.shape(s)), dtype=np.float32) for s in initial]
    goal = None if target is None else as_float_array(target, "target").astype(np.float32)

    def loss(*eps):
        xs = ops.convert_to_tensor(x)
        states = initial
        for t in range(steps):
            _, new = cell(xs[:, t], states, training=False)
            new = list(new) if isinstance(new, (list, tuple)) else [new]
            states = [s + e[t] for s, e in zip(new, eps)]
        output = head(states[0]) if head is not None else states[0]
        if goal is not None and tuple(goal.shape) != tuple(ops.shape(output)):
            raise ValueError(f"target: expected shape {tuple(ops.shape(output))}, got {goal.shape}")
        reference = ops.zeros_like(output) if goal is None else ops.convert_to_tensor(goal)
        return ops.mean(ops.square(output - reference))

    _, grads = backend.value_and_grad(loss, eps)
    norms = np.stack([np.linalg.norm(g.reshape(steps, -1), axis=1) for g in grads], axis=1)[::-1]
    result = {"h": norms[:, 0].copy()}
    if len(grads) == 2:
        result["c"] = norms[:, 1].copy()
    return result
