"""Engine speed vs PyTorch CPU: one training step and single-window inference.

A training step is forward + backpropagation through time + one Adam update, with the
half squared error on a many-to-one output of size 1 (neither side computes the
gradient with respect to the input, which training does not need), for the same model (the same
float32 weights are loaded into both), the same batch and the same thread count on both
sides (``torch.set_num_threads(n)`` and ``threadpoolctl.threadpool_limits(n)``). The two
implementations run interleaved; each reported time is the median over the repetitions
after a warm-up. The ratio is numpy time / torch time (below 1: rnnforecast is faster).

Needs PyTorch, so it runs in a separate environment that has both::

    python benchmarks/bench_engine.py            # full run (< ~10 minutes)
    python benchmarks/bench_engine.py --quick    # smoke run (seconds)

``--against DIR`` times this checkout's engine against the engine of another checkout
(``DIR/rnnforecast/nn``, e.g. ``git archive <commit> rnnforecast/nn | tar -x -C DIR``)
instead of PyTorch, the same way: the "torch" columns are then that engine and the
ratio is new time / old time (one-direction networks on both sides).

``--masking`` times the cost of padded batches (``lengths=``): the same batch as a
training step, with lengths spread evenly over [1, T] (half of the steps are padding),
against the unmasked step on the same array: the "torch" columns are then the unmasked
step and the ratio is masked time / unmasked time.
"""

import argparse
import importlib
import importlib.util
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits
from torch import nn

from rnnforecast.nn.initialization import init_params
from rnnforecast.nn.losses import squared_error
from rnnforecast.nn.network import NetworkSpec, backward, forward, predict
from rnnforecast.nn.optimizers import Adam

SHAPES = [(32, 24, 1, 32), (64, 48, 1, 64), (128, 96, 4, 128), (256, 168, 8, 64),
          (32, 200, 1, 256)]                         # (B, T, F, H)
CELLS = ["lstm", "gru", "rnn"]
TORCH_MODULES = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
INFERENCE_SHAPE = (1, 48, 1, 64)
MIN_SAMPLE_SECONDS = 0.05                            # inner loop length of one sample
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCKS["wall"]


ENGINE = SimpleNamespace(NetworkSpec=NetworkSpec, init_params=init_params, forward=forward,
                         backward=backward, predict=predict, squared_error=squared_error,
                         Adam=Adam)


def load_engine(root):
    """The engine ``rnnforecast/nn`` of another checkout under ``root``, imported as the
    package ``engine_against`` beside this checkout's, in the shape of ``ENGINE``."""
    path = Path(root) / "rnnforecast" / "nn"
    spec = importlib.util.spec_from_file_location(
        "engine_against", path / "__init__.py", submodule_search_locations=[str(path)])
    sys.modules["engine_against"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sys.modules["engine_against"])
    network, init, losses, optimizers = (importlib.import_module(f"engine_against.{m}")
                                         for m in ("network", "initialization", "losses",
                                                   "optimizers"))
    return SimpleNamespace(NetworkSpec=network.NetworkSpec, init_params=init.init_params,
                           forward=network.forward, backward=network.backward,
                           predict=network.predict, squared_error=losses.squared_error,
                           Adam=optimizers.Adam)


class NumpyModel:
    """rnnforecast's network, loss and Adam: ``step()`` is one training step."""

    def __init__(self, cell, F, H, X, y, seed=0, layers=1, engine=ENGINE):
        self.engine = engine
        self.spec = engine.NetworkSpec(cell, F, H, 1, num_layers=layers)
        self.params = engine.init_params(self.spec, np.random.default_rng(seed), np.float32)
        self.optimizer = engine.Adam(learning_rate=1e-3)
        self.X, self.y = X, y

    lengths = None       # (B,) lengths of padded sequences (--masking), None: all T

    def step(self):
        e = self.engine
        kwargs = {} if self.lengths is None else {"lengths": self.lengths}
        out, cache = e.forward(self.params, self.spec, self.X, training=True, **kwargs)
        _, dout = e.squared_error(out, self.y)
        grads, _, _ = e.backward(dout, cache, input_grad=False)   # X needs no gradient
        self.optimizer.step(self.params, grads)

    def predict(self):
        return self.engine.predict(self.params, self.spec, self.X)[0]


class TorchModel(nn.Module):
    """The same network in PyTorch, with the same initial weights."""

    def __init__(self, cell, F, H, X, y, numpy_params, layers=1):
        super().__init__()
        self.rnn = TORCH_MODULES[cell](F, H, num_layers=layers, batch_first=True)
        self.head = nn.Linear(H, 1)
        state = {k: torch.from_numpy(v.copy()) for k, v in numpy_params.items()}
        self.rnn.load_state_dict({k: v for k, v in state.items() if not k.startswith("head.")})
        self.head.load_state_dict({"weight": state["head.weight"], "bias": state["head.bias"]})
        self.optimizer = torch.optim.Adam(self.parameters(), lr=1e-3)
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)

    def forward(self, X):
        seq, _ = self.rnn(X)
        return self.head(seq[:, -1])

    def step(self):
        self.optimizer.zero_grad(set_to_none=True)
        loss = 0.5 * ((self(self.X) - self.y) ** 2).mean()
        loss.backward()
        self.optimizer.step()

    def predict(self):
        with torch.no_grad():
            return self(self.X)


def make_pair(cell, shape, seed=0, layers=1):
    """This engine's model and the reference: PyTorch, or the engine of ``--against``."""
    B, T, F, H = shape
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((B, T, F)).astype(np.float32)
    y = rng.standard_normal((B, 1)).astype(np.float32)
    np_model = NumpyModel(cell, F, H, X, y, seed, layers)
    if MASKING:
        np_model.lengths = np.linspace(1, T, B).round().astype(np.intp)  # 50 % padding
        return np_model, NumpyModel(cell, F, H, X, y, seed, layers)
    if AGAINST:
        return np_model, NumpyModel(cell, F, H, X, y, seed, layers, engine=AGAINST[0])
    return np_model, TorchModel(cell, F, H, X, y, np_model.params, layers)


AGAINST = []       # the engine of --against, if given
MASKING = []       # non-empty with --masking


def calibrate(fn):
    """Number of calls of ``fn`` that last about MIN_SAMPLE_SECONDS (at least one)."""
    start = clock()
    fn()
    elapsed = clock() - start
    return max(1, int(MIN_SAMPLE_SECONDS / max(elapsed, 1e-9)))


def sample(fn, number):
    start = clock()
    for _ in range(number):
        fn()
    return (clock() - start) / number


def time_interleaved(fn_a, fn_b, repeats, warmup=2, settle=0.0):
    """Median seconds per call of two functions, measured alternately.

    ``settle`` seconds of sleep before each sample let the other library's idle worker
    threads stop spinning (OpenBLAS workers spin for about 0.1 s after a call, and with
    2 threads on 2 cores they would slow down whatever runs next). After the pause, one
    untimed call wakes the measured library's own threads, which sleep by then, so that
    a sample times back-to-back calls, as in a training loop, for both libraries.
    """
    for _ in range(warmup):
        fn_a()
        fn_b()
    numbers = calibrate(fn_a), calibrate(fn_b)
    times = ([], [])
    for r in range(repeats):
        order = (0, 1) if r % 2 == 0 else (1, 0)
        for k in order:
            fn = (fn_a, fn_b)[k]
            if settle:
                time.sleep(settle)
                fn()                         # wake this library's threads, untimed
            times[k].append(sample(fn, numbers[k]))
    return statistics.median(times[0]), statistics.median(times[1])


def repeats_for(shape, base):
    """Fewer repetitions for the largest shapes, so the full run stays short."""
    B, T, F, H = shape
    work = B * T * H * H
    return max(3, base // 2 + 1) if work > 20_000_000 else base


def geometric_mean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def blas_description():
    lines = []
    for info in threadpool_info():
        if info.get("user_api") != "blas":
            continue
        kernel = info.get("architecture") or info.get("corename") or "?"
        owner = os.path.basename(os.path.dirname(info.get("filepath", "")))  # numpy.libs, ...
        lines.append(f"BLAS ({owner}): {info.get('internal_api')} {info.get('version')}, "
                     f"kernel {kernel}, threading {info.get('threading_layer', '?')}")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if var in os.environ:
            lines.append(f"{var}={os.environ[var]}")
    torch_blas = "MKL" if torch.backends.mkl.is_available() else "non-MKL BLAS"
    lines.append(f"torch {torch.__version__} ({torch_blas}), CPU capability "
                 f"{torch.backends.cpu.get_cpu_capability()}, numpy {np.__version__}, "
                 f"python {platform.python_version()}, {os.cpu_count()} CPUs")
    if hasattr(os, "getloadavg"):                    # other busy processes skew timings
        lines.append("load average at start: %.2f %.2f %.2f" % os.getloadavg())
    return lines


def run_training(cells, shapes, threads, repeats, settle, layers=1):
    rows = []
    for cell in cells:
        for shape in shapes:
            np_model, torch_model = make_pair(cell, shape, layers=layers)
            t_np, t_torch = time_interleaved(np_model.step, torch_model.step,
                                             repeats_for(shape, repeats), settle=settle)
            row = {"kind": "train", "cell": cell, "shape": list(shape), "threads": threads,
                   "numpy_ms": 1e3 * t_np, "torch_ms": 1e3 * t_torch,
                   "ratio": t_np / t_torch}
            print(f"  {cell:4s} {str(shape):20s} numpy {row['numpy_ms']:9.3f} ms   "
                  f"torch {row['torch_ms']:9.3f} ms   ratio {row['ratio']:.2f}", flush=True)
            rows.append(row)
    return rows


def run_inference(cells, threads, repeats, settle, layers=1):
    rows = []
    for cell in cells:
        np_model, torch_model = make_pair(cell, INFERENCE_SHAPE, layers=layers)
        if isinstance(torch_model, nn.Module):
            torch_model.eval()
        t_np, t_torch = time_interleaved(np_model.predict, torch_model.predict, repeats,
                                         settle=settle)
        row = {"kind": "inference", "cell": cell, "shape": list(INFERENCE_SHAPE),
               "threads": threads, "numpy_ms": 1e3 * t_np, "torch_ms": 1e3 * t_torch,
               "ratio": t_np / t_torch}
        print(f"  {cell:4s} {str(INFERENCE_SHAPE):20s} numpy {row['numpy_ms']:9.3f} ms   "
              f"torch {row['torch_ms']:9.3f} ms   ratio {row['ratio']:.2f}", flush=True)
        rows.append(row)
    return rows


def summarize(rows, thread_counts, cells):
    print("\nSummary (ratio = numpy time / torch time)")
    for n in thread_counts:
        train = [r for r in rows if r["kind"] == "train" and r["threads"] == n]
        if not train:
            continue
        per_cell = ", ".join(
            f"{c} {geometric_mean([r['ratio'] for r in train if r['cell'] == c]):.2f}"
            for c in cells)
        worst = max(train, key=lambda r: r["ratio"])
        print(f"  {n} thread(s): training geometric mean "
              f"{geometric_mean([r['ratio'] for r in train]):.2f} ({per_cell}); "
              f"worst {worst['ratio']:.2f} ({worst['cell']} {tuple(worst['shape'])})")
        inference = [r for r in rows if r["kind"] == "inference" and r["threads"] == n]
        if inference:
            print(f"  {n} thread(s): inference geometric mean "
                  f"{geometric_mean([r['ratio'] for r in inference]):.2f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: two small shapes, 1 thread, 3 repetitions")
    parser.add_argument("--threads", type=int, nargs="+", default=None)
    parser.add_argument("--cells", nargs="+", choices=CELLS, default=CELLS)
    parser.add_argument("--shapes", type=int, nargs="+", default=None,
                        help="indices into the shape list (0-4)")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--layers", type=int, default=1,
                        help="stacked recurrent layers on both sides (default 1)")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    parser.add_argument("--settle", type=float, default=None,
                        help="seconds of sleep before each sample (default: 0.2 with more "
                             "than one thread, else 0)")
    parser.add_argument("--clock", choices=CLOCKS, default="wall",
                        help="wall: elapsed time (default); cpu: CPU time of this process, "
                             "steadier when other processes share the cores (1 thread only)")
    parser.add_argument("--against", default=None, metavar="DIR",
                        help="time against the engine DIR/rnnforecast/nn instead of torch")
    parser.add_argument("--masking", action="store_true",
                        help="time padded batches (50 %% padding) against the unmasked "
                             "step on the same array (training only)")
    args = parser.parse_args(argv)
    if args.masking:
        MASKING.append(True)
    global clock
    clock = CLOCKS[args.clock]
    if args.against:
        AGAINST.append(load_engine(args.against))

    shapes = SHAPES[:2] if args.quick else SHAPES
    if args.shapes is not None:
        shapes = [SHAPES[i] for i in args.shapes]
    thread_counts = args.threads or ([1] if args.quick else [1, 2])
    repeats = args.repeats or (3 if args.quick else 9)

    print("\n".join(blas_description()))
    print(f"clock: {args.clock}, layers: {args.layers}")
    if args.against:
        print(f"reference: the engine in {args.against} (columns 'torch'; ratio new / old)")
    if args.masking:
        print("masking: lengths spread over [1, T] vs equal lengths, same array (columns "
              "'torch': unmasked; ratio masked / unmasked)")
    rows = []
    for n in thread_counts:
        torch.set_num_threads(n)
        with threadpool_limits(limits=n):
            print(f"\n{n} thread(s): training step (B, T, F, H)")
            settle = (0.2 if n > 1 else 0.0) if args.settle is None else args.settle
            rows += run_training(args.cells, shapes, n, repeats, settle, args.layers)
            if args.masking:
                continue
            print(f"{n} thread(s): inference, one window, forward only")
            rows += run_inference(args.cells, n, 3 * repeats, settle, args.layers)
    summarize(rows, thread_counts, args.cells)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"setup": blas_description(), "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
