"""Stateful stepping at batch size 1 vs PyTorch CPU: one step, and a 48-step window.

One step: ``NetworkStepper.advance`` (one time step of one layer from the carried state,
``rnnforecast/nn/_stepper.py``) and ``NetworkStepper.step`` (the same plus the dense
head) against ``nn.LSTMCell``/``nn.GRUCell``/``nn.RNNCell`` called with the carried
state, and against ``nn.LSTM``/``nn.GRU``/``nn.RNN`` called on a one-step sequence with
the carried state (what a PyTorch stream does with the full layer). Batch 1, one input
feature, hidden 64, under ``torch.no_grad()``. rnnforecast steps in float64 (its
prediction dtype); PyTorch is timed in float64 and float32.

A 48-step window (many-to-one LSTM, hidden 64, B=1): ``network.predict`` (the batched
engine), 48 ``NetworkStepper.advance`` calls and one ``output``, and ``nn.LSTM`` + head.

Estimators: ``Stepper.step`` of an RNNClassifier (one direction, LSTM 64, carried
state) and of a default RNNForecaster (rolling 48-step window, recomputed), beside
``predict`` of one window.

Every figure is the median over ``--repeats`` samples of ``--calls`` calls each, after a
warm-up; ratios are rnnforecast / PyTorch (below 1: rnnforecast is faster). One BLAS
thread on both sides. The BLAS library (threadpoolctl) and the machine load
(``uptime``) are printed with the results::

    python benchmarks/bench_stepping.py             # about a minute
    python benchmarks/bench_stepping.py --quick     # seconds
"""

import argparse
import os
import platform
import statistics
import subprocess
import time
import warnings

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits
from torch import nn

from rnnforecast import RNNClassifier, RNNForecaster, make_windows
from rnnforecast.nn._stepper import NetworkStepper
from rnnforecast.nn.initialization import init_params
from rnnforecast.nn.network import NetworkSpec, predict

H, D, T = 64, 1, 48
CELLS = {"lstm": (nn.LSTMCell, nn.LSTM), "gru": (nn.GRUCell, nn.GRU),
         "rnn": (nn.RNNCell, nn.RNN)}


def median_time(fn, calls, repeats):
    """Median seconds per call of ``fn`` over ``repeats`` samples of ``calls`` calls."""
    for _ in range(max(1, calls // 10)):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def torch_weights(module, params, suffix="_l0"):
    """Load the rnnforecast weights into a torch cell or layer (same names but the
    cells' ``_l0`` suffix)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            key = name if name.endswith(suffix) else name + suffix
            p.copy_(torch.as_tensor(params[key]))


def one_step(cell, calls, repeats):
    spec = NetworkSpec(cell, D, H, 1)
    params = init_params(spec, np.random.default_rng(0), np.float64)
    stepper = NetworkStepper(params, spec)
    layer = stepper._layers.layers[0]
    x = np.array([0.3])
    rows = {"rnnforecast advance (float64)": median_time(lambda: layer.advance(x), calls,
                                                         repeats),
            "rnnforecast step + head (float64)": median_time(lambda: stepper.step(x), calls,
                                                             repeats)}
    cell_cls, layer_cls = CELLS[cell]
    for dtype in (torch.float64, torch.float32):
        tcell, tlayer = cell_cls(D, H).to(dtype), layer_cls(D, H).to(dtype)
        torch_weights(tcell, params)
        torch_weights(tlayer, params)
        xt, x3 = torch.full((1, D), 0.3, dtype=dtype), torch.full((1, 1, D), 0.3, dtype=dtype)
        h = torch.zeros(1, H, dtype=dtype)
        state = {"cell": (h, h.clone()) if cell == "lstm" else h,
                 "layer": ((h[None], h[None].clone()) if cell == "lstm" else h[None])}

        def cell_step():
            state["cell"] = tcell(xt, state["cell"])

        def layer_step():
            _, state["layer"] = tlayer(x3, state["layer"])

        name = str(dtype).replace("torch.", "")
        with torch.no_grad():
            rows[f"torch {cell_cls.__name__} ({name})"] = median_time(cell_step, calls,
                                                                      repeats)
            rows[f"torch {layer_cls.__name__} one-step ({name})"] = median_time(
                layer_step, calls, repeats)
    return rows


def window(calls, repeats):
    spec = NetworkSpec("lstm", D, H, 1)
    params = init_params(spec, np.random.default_rng(0), np.float64)
    X = np.random.default_rng(1).standard_normal((1, T, D))
    stepper = NetworkStepper(params, spec)

    def stepped():
        stepper.reset()
        for x in X[0]:
            stepper.advance(x)
        return stepper.output()

    rows = {"rnnforecast network.predict (float64)": median_time(
                lambda: predict(params, spec, X), calls, repeats),
            "rnnforecast 48 x NetworkStepper.advance + output": median_time(
                stepped, calls, repeats)}
    for dtype in (torch.float64, torch.float32):
        lstm, head = nn.LSTM(D, H, batch_first=True).to(dtype), nn.Linear(H, 1).to(dtype)
        torch_weights(lstm, params)
        with torch.no_grad():
            head.weight.copy_(torch.as_tensor(params["head.weight"]))
            head.bias.copy_(torch.as_tensor(params["head.bias"]))
            Xt = torch.as_tensor(X, dtype=dtype)
            name = str(dtype).replace("torch.", "")
            rows[f"torch nn.LSTM + head ({name})"] = median_time(
                lambda: head(lstm(Xt)[0][:, -1]), calls, repeats)
    return rows


def estimators(calls, repeats):
    series = np.sin(np.arange(600) / 7) + 0.002 * np.arange(600)
    X, y = make_windows(series, T)
    rng = np.random.default_rng(0)
    Xc = rng.standard_normal((60, 30, 1))
    yc = (Xc[:, :, 0].sum(axis=1) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecaster = RNNForecaster(hidden_size=H, max_iter=2, random_state=0).fit(X, y.ravel())
        classifier = RNNClassifier(cell="lstm", hidden_size=H, bidirectional=False,
                                   max_timesteps=None, max_iter=2, random_state=0).fit(Xc, yc)
    f_stepper, c_stepper = forecaster.stepper(), classifier.stepper()
    f_stepper.step_many(series[:T])
    values = iter(np.tile(series, 1000))
    return {
        "RNNClassifier Stepper.step (carried, LSTM 64)": median_time(
            lambda: c_stepper.step(next(values)), calls, repeats),
        "RNNForecaster Stepper.step (defaults: rolling 48-step window)": median_time(
            lambda: f_stepper.step(next(values)), max(1, calls // 20), repeats),
        "RNNForecaster.predict of one 48-step window": median_time(
            lambda: forecaster.predict(X[:1]), max(1, calls // 20), repeats)}


def print_rows(title, rows):
    print(f"\n{title}")
    for name, seconds in rows.items():
        print(f"  {name:<62s} {seconds * 1e6:9.2f} us")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    calls, repeats = (200, 3) if args.quick else (args.calls, args.repeats)
    torch.set_num_threads(1)
    with threadpool_limits(1):
        print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
              f"numpy {np.__version__}, torch {torch.__version__}")
        for lib in threadpool_info():
            print(f"# BLAS: {lib.get('internal_api')} {lib.get('version')} "
                  f"{lib.get('architecture')} threads={lib.get('num_threads')} "
                  f"({os.path.basename(lib.get('filepath', ''))})")
        print("# load before: " + subprocess.run(["uptime"], capture_output=True,
                                                 text=True).stdout.strip())
        print(f"# median of {repeats} samples of {calls} calls")
        for cell in CELLS:
            rows = one_step(cell, calls, repeats)
            print_rows(f"One step, {cell}, B=1, hidden {H}", rows)
            adv = rows["rnnforecast advance (float64)"]
            for name, seconds in rows.items():
                if name.startswith("torch"):
                    print(f"    advance / {name}: {adv / seconds:.2f}")
        rows = window(max(1, calls // 10), repeats)
        print_rows(f"A {T}-step LSTM window, B=1, hidden {H}", rows)
        ref = rows["torch nn.LSTM + head (float64)"]
        for name in list(rows)[:2]:
            print(f"    {name} / torch float64: {rows[name] / ref:.2f}")
        print_rows("Estimators, one observation per call", estimators(calls, repeats))
        print("# load after: " + subprocess.run(["uptime"], capture_output=True,
                                                text=True).stdout.strip())


if __name__ == "__main__":
    main()
