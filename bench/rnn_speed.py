#!/usr/bin/env python3
"""Benchmark: the NumPy RNN of course_utils.rnn against Keras SimpleRNN, forward + backward.

    .venv/bin/python bench/rnn_speed.py            # both sizes, about half a minute
    .venv/bin/python bench/rnn_speed.py --quick    # fewer repeats
    .venv/bin/python bench/rnn_speed.py --blas-threads 1   # NumPy's OpenBLAS on one thread

One training step's worth of work is timed for each implementation, in float32:

- NumPy:       ``rnn.forward`` + ``rnn.backward`` (hand-written BPTT);
- Keras eager: ``SimpleRNN(return_sequences=True)`` + ``Dense`` under ``tf.GradientTape``,
               run eagerly (how notebook code usually calls it);
- Keras graph: the same step wrapped in ``tf.function`` (how ``model.fit`` runs it).

The loss is ``sum(dout * outputs)`` with a fixed random ``dout``, so all three compute the
same gradients (checked before timing).  Each figure is the median of many timed calls,
made in alternating blocks (NumPy, eager, graph, NumPy, ...) so that bursts of load from
other processes on a shared machine fall on all three.  The script prints a table with the
ratio NumPy / Keras (target: at most 2) and stores the figures under the key
``"rnn_speed"`` of ``bench/results.json``
(one entry per OpenBLAS thread setting; other keys of that file are left as they are).

On a machine shared with other busy processes, OpenBLAS's default of one thread per core
can make NumPy many times slower (its threads wait for each other while descheduled);
``--blas-threads 1`` avoids that.  The script reports the 1-minute load average so a
reader can tell a quiet measurement from a busy one.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import results_file  # noqa: E402  (bench/results_file.py)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _blas_threads_from_argv(argv) -> str | None:
    """``--blas-threads N`` must act before NumPy is imported (OpenBLAS reads it at load time)."""
    for i, arg in enumerate(argv):
        if arg == "--blas-threads" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--blas-threads="):
            return arg.split("=", 1)[1]
    return None


if _blas_threads_from_argv(sys.argv[1:]):
    os.environ["OPENBLAS_NUM_THREADS"] = _blas_threads_from_argv(sys.argv[1:])

from course_utils.notebook import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import numpy as np  # noqa: E402

from course_utils import rnn  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
SIZES = [  # (batch, time, hidden); inputs and outputs are 2-D like displacements
    (64, 20, 64),
    (256, 50, 256),
]
D_IN = D_OUT = 2


def median_times(fns: dict, min_seconds: float, blocks: int = 3, min_repeats: int = 5) -> dict:
    """Median seconds of each function, timed in alternating blocks.

    Each function runs in ``blocks`` separate blocks (A B C A B C ...), each block a
    warm-up call and then repeated calls for ``min_seconds / blocks`` seconds; the
    figure is the median over all timed calls.  Blocks keep one library's thread pools
    from disturbing the other's calls, and alternating them spreads bursts of load from
    other processes on a shared machine over all three.
    """
    times = {name: [] for name in fns}
    for fn in fns.values():                                 # warm-up (and tracing for tf.function)
        fn()
    for _ in range(blocks):
        for name, fn in fns.items():
            fn()
            start = time.perf_counter()
            count = 0
            while count < min_repeats or time.perf_counter() - start < min_seconds / blocks:
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
                count += 1
                if count >= 1000:
                    break
    return {name: float(np.median(t)) for name, t in times.items()}


def bench_size(batch: int, steps: int, hidden: int, min_seconds: float) -> dict:
    import tensorflow as tf

    rng = np.random.default_rng(0)
    params = rnn.init_params(D_IN, hidden, D_OUT, seed=0, dtype=np.float32)
    params["h0"][:] = rng.normal(0, 0.1, hidden)
    x = rng.normal(0, 1, (batch, steps, D_IN)).astype(np.float32)
    dout = rng.normal(0, 1, (batch, steps, D_OUT)).astype(np.float32)

    def numpy_step():
        _, cache = rnn.forward(params, x)
        return rnn.backward(params, cache, dout)

    layer, dense = rnn.to_keras(params)
    h0 = tf.Variable(params["h0"])
    weights = list(layer.trainable_variables) + list(dense.trainable_variables) + [h0]
    xs, ds = tf.constant(x), tf.constant(dout)

    def keras_step():
        with tf.GradientTape() as tape:
            init = tf.tile(h0[None, :], [batch, 1])
            loss = tf.reduce_sum(ds * dense(layer(xs, initial_state=[init])))
        return tape.gradient(loss, weights)

    keras_graph_step = tf.function(keras_step)

    # the three compute the same gradients (float32: compare loosely)
    ref = numpy_step()
    for fn in (keras_step, keras_graph_step):
        got = [np.asarray(g) for g in fn()]
        for name, g in zip(rnn.PARAM_NAMES, got):
            scale = max(1.0, float(np.abs(ref[name]).max()))
            assert np.abs(ref[name] - g).max() / scale < 1e-3, f"gradients disagree for {name}"

    t = median_times({"numpy": numpy_step, "eager": keras_step, "graph": keras_graph_step}, min_seconds)
    t_np, t_eager, t_graph = t["numpy"], t["eager"], t["graph"]
    return {"batch": batch, "time": steps, "hidden": hidden, "d_in": D_IN, "d_out": D_OUT,
            "numpy_ms": 1e3 * t_np, "keras_eager_ms": 1e3 * t_eager, "keras_graph_ms": 1e3 * t_graph,
            "ratio_numpy_over_keras_eager": t_np / t_eager,
            "ratio_numpy_over_keras_graph": t_np / t_graph}


def save(entry: dict) -> str:
    """Read-modify-write bench/results.json: only ``["rnn_speed"][<configuration>]`` is replaced.

    The configuration is the OpenBLAS thread setting (``openblas_default`` or
    ``openblas_1_threads`` ...), so runs with and without ``--blas-threads`` are kept side by side.
    """
    key = ("openblas_default" if entry["blas_threads"] == "default"
           else f"openblas_{entry['blas_threads']}_threads")
    section = results_file.load().get("rnn_speed")
    if not isinstance(section, dict) or "sizes" in section:     # an older single-run layout
        section = {}
    section[key] = entry
    results_file.save("rnn_speed", section)
    return key


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="time for less long (noisier)")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results.json")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="threads for NumPy's OpenBLAS (default: OpenBLAS's choice, one per core); "
                             "1 is much more robust on a machine shared with other busy processes")
    args = parser.parse_args(argv)
    min_seconds = 1.0 if args.quick else 3.0

    import keras
    import tensorflow as tf

    rows = [bench_size(*size, min_seconds=min_seconds) for size in SIZES]
    print(f"forward + backward, float32, median of repeats; {os.cpu_count()} CPU cores, "
          f"OpenBLAS threads {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}, "
          f"NumPy {np.__version__}, TensorFlow {tf.__version__}, Keras {keras.__version__}")
    head = (f"{'batch':>5} {'time':>4} {'hidden':>6} | {'NumPy ms':>9} {'Keras eager ms':>14} "
            f"{'Keras graph ms':>14} | {'NumPy/eager':>11} {'NumPy/graph':>11}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['batch']:>5} {r['time']:>4} {r['hidden']:>6} | {r['numpy_ms']:>9.2f} "
              f"{r['keras_eager_ms']:>14.2f} {r['keras_graph_ms']:>14.2f} | "
              f"{r['ratio_numpy_over_keras_eager']:>11.2f} {r['ratio_numpy_over_keras_graph']:>11.2f}")
    worst = max(max(r["ratio_numpy_over_keras_eager"], r["ratio_numpy_over_keras_graph"]) for r in rows)
    verdict = "met" if worst <= 2.0 else "NOT met"
    print(f"target NumPy <= 2x Keras: {verdict} (worst ratio {worst:.2f})")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    if load is not None:
        print(f"load average (1 min) at the end: {load:.1f} on {os.cpu_count()} cores"
              + ("  (a busy machine: the figures are noisy; rerun on a quiet one)" if load > 0.8 * (os.cpu_count() or 1) else ""))
    entry = {"date": time.strftime("%Y-%m-%d"), "cpu_cores": os.cpu_count(), "load_average_1min": load,
             "machine": platform.machine(), "python": platform.python_version(),
             "numpy": np.__version__, "tensorflow": tf.__version__, "keras": keras.__version__,
             "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
             "dtype": "float32", "target": "numpy_ms <= 2 * keras_ms", "target_met": worst <= 2.0,
             "sizes": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in rows]}
    if not args.no_save:
        key = save(entry)
        print(f"saved under ['rnn_speed']['{key}'] in {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
