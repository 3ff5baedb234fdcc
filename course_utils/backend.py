"""The one place where the course speaks to a particular Keras backend.

Keras 3 runs the same model code on TensorFlow (the course's default), JAX or PyTorch.
Everything else in the course uses Keras layers and ``keras.ops``; the few things Keras
itself does not offer are here, each dispatching on ``keras.backend.backend()``:

- :func:`value_and_grad`  automatic differentiation of a function of arrays
  (``tf.GradientTape`` / ``jax.value_and_grad`` / ``torch.autograd.grad``);
- :func:`seed`            seed Python, NumPy and Keras, and ask the backend for
  deterministic kernels (so a notebook prints the same numbers on every run);
- :func:`batches`         a seeded, reshuffled-every-epoch stream of mini-batches for
  ``model.fit`` (``tf.data`` on TensorFlow, a ``keras.utils.PyDataset`` elsewhere);
- :func:`accelerators`    the GPUs the backend can see.

Switch backends with the environment variable ``KERAS_BACKEND`` (``tensorflow``, ``jax``
or ``torch``) *before* Keras is imported, e.g. ``KERAS_BACKEND=jax make lab``.
"""
from __future__ import annotations

import math

import numpy as np

from .validation import check_positive_int, check_seed

__all__ = ["SUPPORTED", "import_keras", "name", "value_and_grad", "seed", "batches", "accelerators"]

SUPPORTED = ("tensorflow", "jax", "torch")


def import_keras():
    """Import Keras quietly (TensorFlow's logs off first) and return the module."""
    from .notebook import quiet_tensorflow
    quiet_tensorflow()
    import keras
    return keras


def name() -> str:
    """The running Keras backend: ``"tensorflow"``, ``"jax"`` or ``"torch"``.

    Raises a ``RuntimeError`` naming the backend for any other (``numpy``, ``openvino``):
    they cannot train or differentiate, which the course needs.
    """
    backend = import_keras().backend.backend()
    if backend not in SUPPORTED:
        raise RuntimeError(f"Keras backend {backend!r}: the course needs one of {', '.join(SUPPORTED)} "
                           "(set KERAS_BACKEND before importing Keras)")
    return backend


def _as_inputs(inputs) -> list[np.ndarray]:
    if not isinstance(inputs, (list, tuple)) or len(inputs) == 0:
        raise ValueError(f"inputs: expected a non-empty list of arrays, got {type(inputs).__name__}")
    arrays = []
    for i, a in enumerate(inputs):
        a = np.asarray(a)
        if a.dtype.kind != "f":
            raise ValueError(f"inputs[{i}]: expected a floating-point array, got dtype {a.dtype}")
        arrays.append(a)
    return arrays


def value_and_grad(fn, inputs, has_aux: bool = False):
    """Evaluate ``fn(*inputs)`` and its gradient with respect to every input.

    Parameters
    ----------
    fn : a function of backend tensors built from Keras layers and ``keras.ops``, returning a
        scalar (or ``(scalar, aux)`` with ``has_aux=True``, ``aux`` any tensor or list of them)
    inputs : list of floating-point NumPy arrays; their dtypes are kept (float64 on JAX needs
        ``jax.config.update("jax_enable_x64", True)`` first)

    Returns
    -------
    ``(value, grads)`` or, with ``has_aux``, ``((value, aux), grads)``: ``value`` a float,
    ``aux`` as NumPy, ``grads`` a list of NumPy arrays shaped like ``inputs`` (zeros where the
    value does not depend on an input).  Like ``jax.value_and_grad``, on every backend.
    """
    if not callable(fn):
        raise ValueError(f"fn: expected a function, got {type(fn).__name__}")
    arrays = _as_inputs(inputs)
    keras = import_keras()
    backend = name()

    def split(result):
        if not has_aux:
            return result, None
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise ValueError("fn: with has_aux=True it must return (scalar, aux)")
        return result[0], result[1]

    if backend == "tensorflow":
        import tensorflow as tf
        xs = [tf.convert_to_tensor(a) for a in arrays]
        with tf.GradientTape() as tape:
            for x in xs:
                tape.watch(x)
            value, aux = split(fn(*xs))
        grads = tape.gradient(value, xs, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    elif backend == "jax":
        import jax
        if any(a.dtype == np.float64 for a in arrays) and not jax.config.jax_enable_x64:
            raise ValueError("inputs: float64 arrays on the JAX backend need "
                             "jax.config.update('jax_enable_x64', True) first (or pass float32)")

        def wrapped(*xs):
            value, aux = split(fn(*xs))
            return value, aux

        (value, aux), grads = jax.value_and_grad(wrapped, argnums=tuple(range(len(arrays))),
                                                 has_aux=True)(*[jax.numpy.asarray(a) for a in arrays])
    else:  # torch
        import torch
        xs = [keras.ops.convert_to_tensor(a, dtype=str(a.dtype)).detach().requires_grad_(True)
              for a in arrays]
        value, aux = split(fn(*xs))
        grads = torch.autograd.grad(value, xs, allow_unused=True)
        grads = [torch.zeros_like(x) if g is None else g for x, g in zip(xs, grads)]
        value = value.detach()
        if has_aux:
            aux = keras.tree.map_structure(lambda t: t.detach(), aux)

    value = float(keras.ops.convert_to_numpy(value))
    grads = [np.asarray(keras.ops.convert_to_numpy(g)) for g in grads]
    if has_aux:
        aux = keras.tree.map_structure(lambda t: np.asarray(keras.ops.convert_to_numpy(t)), aux)
        return (value, aux), grads
    return value, grads


def seed(seed: int) -> None:
    """Seed Python, NumPy and Keras (``keras.utils.set_random_seed``) and switch the backend to
    deterministic kernels: ``tf.config.experimental.enable_op_determinism()`` on TensorFlow,
    ``torch.use_deterministic_algorithms(True)`` on PyTorch; JAX on a CPU is deterministic already.
    """
    seed = check_seed(seed)
    keras = import_keras()
    keras.utils.set_random_seed(seed)
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf
        tf.config.experimental.enable_op_determinism()
    elif backend == "torch":
        import torch
        torch.use_deterministic_algorithms(True, warn_only=True)


def batches(arrays, batch_size: int, shuffle_seed: int | None = None):
    """Mini-batches of ``arrays`` (e.g. ``(x, y)`` or ``(x, y, sample_weight)``) for ``model.fit``.

    ``shuffle_seed`` None keeps the order (validation data); an integer reshuffles every epoch,
    reproducibly.  On TensorFlow this is a ``tf.data.Dataset``; on JAX and PyTorch a
    ``keras.utils.PyDataset`` over the NumPy arrays, so TensorFlow need not be installed there.
    Pass it to ``fit`` with ``shuffle=False`` (the shuffling is done here).
    """
    if not isinstance(arrays, (list, tuple)) or not arrays:
        raise ValueError(f"arrays: expected a tuple of arrays such as (x, y), got {type(arrays).__name__}")
    arrays = tuple(np.asarray(a) for a in arrays)
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"arrays: expected the same number of examples in each, got "
                         f"{[len(a) for a in arrays]}")
    batch_size = check_positive_int(batch_size, "batch_size")
    keras = import_keras()
    if name() == "tensorflow":
        import tensorflow as tf
        data = tf.data.Dataset.from_tensor_slices(arrays)
        if shuffle_seed is not None:
            data = data.shuffle(n, seed=int(shuffle_seed), reshuffle_each_iteration=True)
        return data.batch(batch_size)
    return _array_batches(keras, arrays, batch_size, shuffle_seed)


def _array_batches(keras, arrays, batch_size, shuffle_seed):
    class ArrayBatches(keras.utils.PyDataset):
        """NumPy arrays in mini-batches, reshuffled (seeded) after every epoch."""

        def __init__(self):
            super().__init__()
            self.rng = None if shuffle_seed is None else np.random.default_rng(int(shuffle_seed))
            self.order = np.arange(len(arrays[0]))
            self._shuffle()

        def _shuffle(self):
            if self.rng is not None:
                self.rng.shuffle(self.order)

        def __len__(self):
            return math.ceil(len(self.order) / batch_size)

        def __getitem__(self, i):
            if not 0 <= i < len(self):
                raise IndexError(f"batch {i} of {len(self)}")
            idx = self.order[i * batch_size:(i + 1) * batch_size]
            return tuple(a[idx] for a in arrays)

        def on_epoch_end(self):
            self._shuffle()

    return ArrayBatches()


def accelerators() -> list[str]:
    """Names of the GPUs the running backend can use (empty on a CPU-only machine)."""
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf
        return [d.name for d in tf.config.list_physical_devices("GPU")]
    if backend == "jax":
        import jax
        return [str(d) for d in jax.devices() if d.platform == "gpu"]
    import torch
    return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
