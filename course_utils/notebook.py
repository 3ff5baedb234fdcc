"""Notebook set-up: seeds, quiet framework logs, one plot style.

Call ``course_utils.setup()`` in the first code cell of every notebook, *before*
anything imports TensorFlow: the TensorFlow log switches only work if they are set
before TensorFlow is imported.
"""
from __future__ import annotations

import os
import random
import warnings

import numpy as np

from .validation import check_seed

__all__ = ["setup", "quiet_tensorflow", "seed_everything", "DEFAULT_SEED"]

DEFAULT_SEED = 42


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ logs, oneDNN notices and absl warnings.

    Only effective before ``import tensorflow``; harmless afterwards.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # hide INFO and WARNING from C++
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # no oneDNN notice; bit-reproducible CPU maths
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    try:  # absl prints through Python logging once TF is imported
        import logging
        logging.getLogger("absl").setLevel(logging.ERROR)
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
    except Exception:  # pragma: no cover - logging always exists
        pass


def seed_everything(seed: int = DEFAULT_SEED) -> None:
    """Seed Python, NumPy and (if already imported) Keras/TensorFlow."""
    seed = check_seed(seed)
    random.seed(seed)
    np.random.seed(int(seed))
    os.environ["PYTHONHASHSEED"] = str(int(seed))
    import sys
    if "keras" in sys.modules:
        import keras
        keras.utils.set_random_seed(int(seed))


def setup(seed: int = DEFAULT_SEED, *, plots: bool = True) -> None:
    """Prepare a notebook: quiet logs, seeds, plot style.

    - TensorFlow logs silenced (call this before importing TensorFlow/Keras);
    - Python's and NumPy's global random generators seeded with ``seed``
      (the course's own functions take explicit ``seed`` arguments too);
    - a matplotlib style with readable sizes, and inline PNG figures.
    """
    quiet_tensorflow()
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    seed_everything(seed)
    np.set_printoptions(precision=4, suppress=True)
    if plots:
        import matplotlib
        import matplotlib.pyplot as plt
        plt.rcParams.update({
            "figure.figsize": (7.0, 4.0),
            "figure.dpi": 80,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "font.size": 10,
        })
        matplotlib.rcParams["savefig.dpi"] = 80
