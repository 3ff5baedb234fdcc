"""Keras recurrent forecasters (SimpleRNN, GRU, LSTM) with the baselines' ``predict`` interface.

A forecaster sees the last ``k`` positions of each object and predicts the next ``m``::

    forecaster.predict(observed (n, k, 2), horizon) -> (n, horizon, 2)     same unit as observed

exactly like ``course_utils.baselines``, so ``course_utils.metrics.evaluate`` scores networks and
baselines with one call.  Two pieces:

- ``build_forecaster(cell, units, k, m, head)``: the bare Keras network, from model inputs
  ``(batch, steps, 2)`` to model outputs ``(batch, m, 2)`` (both normalised, see below), with
  a *direct* head (one ``Dense`` layer emits all ``m`` steps at once) or a *seq2seq* head
  (an encoder summarises the past, a decoder emits one step at a time and is fed its own
  previous output: autoregressive);
- ``KerasForecaster``: the network plus the data representation around it, which turns
  positions into model inputs and model outputs back into positions.

Representations (``representation=``):

- ``"absolute"``: positions in and positions out, standardised with the training set's mean and
  standard deviation of positions (the seed's naive choice: the network must learn where the
  scene's walkways are, and a new scene has other coordinates);
- ``"displacements"``: the ``k - 1`` observed steps ``p_t - p_{t-1}`` in, the ``m`` future steps
  out, divided by ``scale`` (the root-mean-square displacement component of the training data);
  independent of where the object is;
- ``"canonical"``: displacements as above, each window rotated so that its last observed step
  points along +x (and the prediction rotated back): independent of where *and in which
  direction* the object walks.

TensorFlow/Keras is imported lazily (inside functions), after ``notebook.quiet_tensorflow()``.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .backend import import_keras
from .baselines import Predictor, check_observed
from .data import from_displacements, to_displacements
from .validation import as_float_array, check_positive_int

__all__ = ["CELLS", "HEADS", "REPRESENTATIONS", "build_forecaster", "canonical_angles", "rotate",
           "KerasForecaster", "Rescaled", "import_keras"]

CELLS = ("rnn", "gru", "lstm")
HEADS = ("direct", "seq2seq")
REPRESENTATIONS = ("absolute", "displacements", "canonical")
_CELL_NAMES = {"rnn": "SimpleRNN", "gru": "GRU", "lstm": "LSTM"}


def _check_choice(value, name, choices):
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


# --------------------------------------------------------------------------- the networks

def build_forecaster(cell: str = "lstm", units: int = 32, k: int = 8, m: int = 12, head: str = "direct", *,
                     layers: int = 1, input_steps: int | None = None, seed: int | None = None,
                     name: str | None = None):
    """A Keras recurrent forecaster: inputs ``(batch, input_steps, 2)`` -> outputs ``(batch, m, 2)``.

    Parameters
    ----------
    cell : ``"lstm"``, ``"gru"`` or ``"rnn"`` (Keras ``LSTM``, ``GRU``, ``SimpleRNN``)
    units : size of the hidden state
    k, m : observed positions and predicted positions; the network reads ``input_steps``
        vectors (default ``k - 1``: the displacements between ``k`` positions) and emits ``m``
    head : ``"direct"``: the last hidden state goes through one ``Dense(2 m)`` layer, reshaped
        to ``(m, 2)``, all steps at once; ``"seq2seq"``: an encoder of the same cell type reads the
        inputs, its final state starts a decoder cell that is unrolled ``m`` times, each step fed
        the previous predicted step (the first is fed the last input): autoregressive.
    layers : recurrent layers stacked in the encoder (depth)
    seed : seeds the weight initialisers (``None``: Keras's global seed)

    The model is compiled by ``course_utils.training.fit`` (MSE loss, Adam).
    """
    keras = import_keras()
    _check_choice(cell, "cell", CELLS)
    _check_choice(head, "head", HEADS)
    units = check_positive_int(units, "units")
    k = check_positive_int(k, "k", minimum=2)
    m = check_positive_int(m, "m")
    layers = check_positive_int(layers, "layers")
    steps = k - 1 if input_steps is None else check_positive_int(input_steps, "input_steps")
    layer_class = getattr(keras.layers, _CELL_NAMES[cell])
    counter = iter(range(1000))

    def init(kind):
        if seed is None:
            return kind
        initializer = {"glorot_uniform": keras.initializers.GlorotUniform,
                       "orthogonal": keras.initializers.Orthogonal}[kind]
        return initializer(seed=seed * 1000 + next(counter))

    def recurrent(**kwargs):
        return layer_class(units, kernel_initializer=init("glorot_uniform"),
                           recurrent_initializer=init("orthogonal"), unroll=True, **kwargs)

    def dense(size, **kwargs):
        return keras.layers.Dense(size, kernel_initializer=init("glorot_uniform"), **kwargs)

    inputs = keras.Input(shape=(steps, 2), name="inputs")
    below = inputs
    for i in range(layers - 1):                        # lower layers pass their whole sequence up
        below = recurrent(return_sequences=True, name=f"encoder_{i + 1}")(below)
    if head == "direct":
        hidden = recurrent(name="encoder")(below)
        flat = dense(2 * m, name="head")(hidden)
        outputs = keras.layers.Reshape((m, 2), name="outputs")(flat)
    else:
        encoded = recurrent(return_state=True, name="encoder")(below)
        state = list(encoded[1:])                      # [h] for RNN/GRU, [h, c] for LSTM
        decoder = recurrent(return_state=True, name="decoder")
        head_layer = dense(2, name="head")
        as_step = keras.layers.Reshape((1, 2), name="as_step")
        step_in = keras.layers.Cropping1D((steps - 1, 0), name="last_input")(inputs)   # (batch, 1, 2)
        emitted = []
        for _ in range(m):
            decoded = decoder(step_in, initial_state=state)
            state = list(decoded[1:])
            step_in = as_step(head_layer(decoded[0]))
            emitted.append(step_in)
        outputs = keras.layers.Concatenate(axis=1, name="outputs")(emitted) if m > 1 else emitted[0]
    label = name or f"{_CELL_NAMES[cell]}_{units}_{head}"
    return keras.Model(inputs, outputs, name=label)


# --------------------------------------------------------------------------- rotation to a canonical frame

def canonical_angles(observed) -> np.ndarray:
    """Heading (radians) of each window's last observed step, ``observed (n, k, 2)`` -> ``(n,)``.

    Where the last step is zero (a standing object) the overall direction from the first to the
    last observed position is used, and where that is zero too, angle 0 (no rotation).
    """
    observed = as_float_array(observed, "observed", shape=(None, None, 2))
    if observed.shape[1] < 2:
        raise ValueError(f"observed: need at least 2 positions per window to define a heading, got "
                         f"shape {observed.shape}")
    last = observed[:, -1] - observed[:, -2]
    overall = observed[:, -1] - observed[:, 0]
    use = np.where((np.abs(last).sum(axis=1) > 0)[:, None], last, overall)
    return np.arctan2(use[:, 1], use[:, 0])


def rotate(vectors, angles) -> np.ndarray:
    """Rotate 2-D vectors counter-clockwise by ``angles``: ``(n, T, 2)`` and ``(n,)`` -> ``(n, T, 2)``.

    ``rotate(v, -canonical_angles(obs))`` turns each window into its canonical frame (last step
    along +x); ``rotate(w, +angles)`` turns it back.
    """
    vectors = as_float_array(vectors, "vectors", shape=(None, None, 2), allow_empty=True)
    angles = as_float_array(angles, "angles", shape=(len(vectors),), allow_empty=True)
    c, s = np.cos(angles)[:, None], np.sin(angles)[:, None]
    x, y = vectors[..., 0], vectors[..., 1]
    return np.stack([c * x - s * y, s * x + c * y], axis=-1)


# --------------------------------------------------------------------------- forecaster = network + representation

class KerasForecaster(Predictor):
    """A Keras network wrapped as a predictor: ``predict(observed (n, k, 2), horizon) -> (n, horizon, 2)``.

    ``scale`` (and ``center`` for ``"absolute"``) are the normalisation constants, in the unit of
    the training data; ``fit_normalisation`` sets them from training windows (``training.fit``
    calls it).  ``horizon`` may be at most ``m`` (the first ``horizon`` predicted positions).
    """

    def __init__(self, model, *, k: int = 8, m: int = 12, representation: str = "canonical",
                 scale: float | None = None, center=None, name: str | None = None):
        self.model = model
        self.k = check_positive_int(k, "k", minimum=2)
        self.m = check_positive_int(m, "m")
        self.representation = _check_choice(representation, "representation", REPRESENTATIONS)
        self.scale = None if scale is None else float(scale)
        self.center = None if center is None else np.asarray(center, dtype=float).reshape(2)
        self.name = name or getattr(model, "name", "network")
        expected = (self.input_steps, 2)
        got = tuple(model.input_shape[1:]) if hasattr(model, "input_shape") else expected
        if got != expected:
            raise ValueError(f"model: expected input shape (batch, {expected[0]}, 2) for k={k} and "
                             f"representation {representation!r}, got (batch, {', '.join(map(str, got))})")

    @classmethod
    def build(cls, cell: str = "lstm", units: int = 32, k: int = 8, m: int = 12, head: str = "direct", *,
              representation: str = "canonical", layers: int = 1, seed: int | None = None,
              name: str | None = None):
        """Build the network with ``build_forecaster`` and wrap it (not yet trained)."""
        _check_choice(representation, "representation", REPRESENTATIONS)
        steps = k if representation == "absolute" else k - 1
        model = build_forecaster(cell, units, k, m, head, layers=layers, input_steps=steps, seed=seed)
        return cls(model, k=k, m=m, representation=representation, name=name or _CELL_NAMES[cell])

    @property
    def input_steps(self) -> int:
        return self.k if self.representation == "absolute" else self.k - 1

    # ----------------------------------------------------------------- normalisation
    def fit_normalisation(self, observed, future) -> "KerasForecaster":
        """Set ``scale`` (and ``center``) from training windows ``observed (n, k, 2)``, ``future (n, m, 2)``."""
        observed, future = self._check_pair(observed, future)
        if self.representation == "absolute":
            everything = np.concatenate([observed, future], axis=1).reshape(-1, 2)
            self.center = everything.mean(axis=0)
            self.scale = float(everything.std())
        else:
            steps = to_displacements(np.concatenate([observed, future], axis=1))
            self.scale = float(np.sqrt(np.mean(steps ** 2)))
        if not self.scale > 0:
            raise ValueError("observed, future: every training window is constant; cannot normalise")
        return self

    def _check_pair(self, observed, future):
        observed = as_float_array(observed, "observed", shape=(None, self.k, 2))
        future = as_float_array(future, "future", shape=(len(observed), self.m, 2))
        return observed, future

    def _need_scale(self):
        if self.scale is None:
            raise ValueError(f"{self.name}: normalisation not set; call fit_normalisation(observed, future) "
                             "or course_utils.training.fit first")

    def encode(self, observed) -> np.ndarray:
        """Model inputs ``(n, input_steps, 2)`` (float32) from observed positions ``(n, k, 2)``."""
        self._need_scale()
        observed = as_float_array(observed, "observed", shape=(None, self.k, 2))
        if self.representation == "absolute":
            x = (observed - self.center) / self.scale
        else:
            x = to_displacements(observed) / self.scale
            if self.representation == "canonical":
                x = rotate(x, -canonical_angles(observed))
        return x.astype(np.float32)

    def encode_target(self, observed, future) -> np.ndarray:
        """Model targets ``(n, m, 2)`` (float32): what the network should output for these windows."""
        self._need_scale()
        observed, future = self._check_pair(observed, future)
        if self.representation == "absolute":
            y = (future - self.center) / self.scale
        else:
            y = to_displacements(np.concatenate([observed[:, -1:], future], axis=1)) / self.scale
            if self.representation == "canonical":
                y = rotate(y, -canonical_angles(observed))
        return y.astype(np.float32)

    def decode(self, observed, outputs) -> np.ndarray:
        """Positions ``(n, m, 2)`` from model outputs ``(n, m, 2)`` for windows ``observed (n, k, 2)``."""
        observed = as_float_array(observed, "observed", shape=(None, self.k, 2))
        outputs = np.asarray(outputs, dtype=float)
        if self.representation == "absolute":
            return outputs * self.scale + self.center
        steps = outputs * self.scale
        if self.representation == "canonical":
            steps = rotate(steps, canonical_angles(observed))
        return from_displacements(observed[:, -1], steps)

    # ----------------------------------------------------------------- prediction
    def predict(self, observed, horizon: int | None = None, *, batch_size: int = 4096) -> np.ndarray:
        """Predicted positions ``(n, horizon, 2)`` for ``observed (n, k, 2)`` (default horizon ``m``)."""
        observed, horizon = check_observed(observed, self.m if horizon is None else horizon)
        if observed.shape[1] != self.k:
            raise ValueError(f"observed: {self.name} was trained on k={self.k} observed positions, got shape "
                             f"{observed.shape} (k={observed.shape[1]})")
        if horizon > self.m:
            raise ValueError(f"horizon: {self.name} predicts at most m={self.m} steps, got {horizon}")
        x = self.encode(observed)
        keras = import_keras()
        out = np.concatenate([keras.ops.convert_to_numpy(self.model(x[i:i + batch_size], training=False))
                              for i in range(0, len(x), batch_size)]) if len(x) else np.empty((0, self.m, 2))
        return self.decode(observed, out)[:, :horizon]

    # ----------------------------------------------------------------- saving
    def config(self) -> dict:
        """The normalisation and shape settings (JSON-serialisable)."""
        return {"format": "course_utils.models.KerasForecaster", "version": 1, "k": self.k, "m": self.m,
                "representation": self.representation, "scale": self.scale,
                "center": None if self.center is None else self.center.tolist(), "name": self.name}

    def save(self, path) -> Path:
        """Save to ``path`` (``.keras``: the network) plus ``path`` with ``.json`` (the normalisation)."""
        path = Path(path)
        if path.suffix != ".keras":
            raise ValueError(f"path: expected a file name ending in .keras, got {str(path)!r}")
        self._need_scale()
        self.model.save(path)
        path.with_suffix(".json").write_text(json.dumps(self.config(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path) -> "KerasForecaster":
        """Load what ``save`` wrote: the ``.keras`` network and its ``.json`` normalisation."""
        keras = import_keras()
        path = Path(path)
        sidecar = path.with_suffix(".json")
        for needed in (path, sidecar):
            if not needed.is_file():
                raise FileNotFoundError(f"saved forecaster file not found: {needed}")
        settings = json.loads(sidecar.read_text(encoding="utf-8"))
        if settings.get("format") != "course_utils.models.KerasForecaster":
            raise ValueError(f"{sidecar}: not a KerasForecaster settings file")
        model = keras.models.load_model(path, compile=False)
        return cls(model, k=settings["k"], m=settings["m"], representation=settings["representation"],
                   scale=settings["scale"], center=settings["center"], name=settings["name"])

    def __repr__(self) -> str:
        return (f"KerasForecaster({self.name!r}, k={self.k}, m={self.m}, representation={self.representation!r}, "
                f"scale={self.scale if self.scale is None else round(self.scale, 4)}, "
                f"parameters={self.model.count_params()})")


class Rescaled(Predictor):
    """Apply a predictor in another unit: ``predict(x) = predictor.predict(x * factor) / factor``.

    E.g. a model trained in metres applied to pixels with ``factor`` metres per pixel.  A single
    factor cannot undo perspective (in an oblique camera view a pixel near the camera covers less
    ground than one far away); it only matches the typical step length.
    """

    def __init__(self, predictor, factor: float, name: str | None = None):
        if not (np.isfinite(factor) and factor > 0):
            raise ValueError(f"factor: expected a positive number, got {factor!r}")
        self.predictor = predictor
        self.factor = float(factor)
        self.name = name or getattr(predictor, "name", "predictor")

    def predict(self, observed, horizon: int) -> np.ndarray:
        observed, horizon = check_observed(observed, horizon)
        return np.asarray(self.predictor.predict(observed * self.factor, horizon)) / self.factor

    def __repr__(self) -> str:
        return f"Rescaled({self.predictor!r}, factor={self.factor:g})"
