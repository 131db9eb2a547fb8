"""Record PyTorch reference results for ``tests/test_torch_parity.py``.

For ``nn.RNN`` (tanh and relu), ``nn.LSTM`` and ``nn.GRU`` with 1 and 2 layers, each
followed by an ``nn.Linear`` head, in float64 with fixed random weights, inputs and a
given initial state, this stores in ``tests/fixtures/torch_<cell>_<layers>.npz``:

* ``param/<name>``: the weights under PyTorch's names (``weight_ih_l0``, ...,
  ``head.weight``, ``head.bias``);
* ``x`` (N, T, D), ``h0`` (L, N, H) and for the LSTM ``c0``;
* for ``mode`` in ``m2o`` (head on the last step) and ``m2m`` (head on every step):
  ``<mode>/out``, the final states ``<mode>/h_n`` (``<mode>/c_n``), and the gradients of
  the linear functional ``sum(R * out) + sum(S_h * h_n) [+ sum(S_c * c_n)]`` with
  respect to every parameter (``<mode>/grad/<name>``), the input (``<mode>/grad/x``)
  and the initial state (``<mode>/grad/h0``, ``<mode>/grad/c0``); the weights
  ``<mode>/R``, ``S_h`` and ``S_c`` are stored too.

The same with ``bidirectional=True`` goes to ``tests/fixtures/torch_<cell>_<layers>_bi.npz``
(for ``tests/test_bidirectional.py``): the weights include the ``*_reverse`` arrays, the
head reads ``2H`` features, the states hold ``2 * layers`` entries, and two more modes
pool the output sequence over time before the head: ``mean`` (``output.mean(dim=1)``) and
``max`` (``output.amax(dim=1)``).

The tests read the files with NumPy only; PyTorch is needed only to re-record them::

    python benchmarks/record_torch_fixtures.py [--out tests/fixtures]
"""

import argparse
from pathlib import Path

import numpy as np
import torch
from torch import nn

N, T, D, H, O = 3, 6, 2, 4, 2
SEED = 20240607

CELLS = {
    "rnn_tanh": lambda layers, bi: nn.RNN(D, H, layers, nonlinearity="tanh",
                                          batch_first=True, bidirectional=bi),
    "rnn_relu": lambda layers, bi: nn.RNN(D, H, layers, nonlinearity="relu",
                                          batch_first=True, bidirectional=bi),
    "lstm": lambda layers, bi: nn.LSTM(D, H, layers, batch_first=True, bidirectional=bi),
    "gru": lambda layers, bi: nn.GRU(D, H, layers, batch_first=True, bidirectional=bi),
}
#: mode -> what the head reads from the output sequence (N, T, dirs*H).
MODES = {
    "m2o": lambda seq: seq[:, -1],
    "m2m": lambda seq: seq,
    "mean": lambda seq: seq.mean(dim=1),
    "max": lambda seq: seq.amax(dim=1),
}


def build(cell, layers, generator, bidirectional=False):
    """The recurrent module and its head in float64, weights drawn from ``generator``."""
    rnn = CELLS[cell](layers, bidirectional).double()
    head = nn.Linear(H * (2 if bidirectional else 1), O).double()
    with torch.no_grad():
        for p in list(rnn.parameters()) + list(head.parameters()):
            p.copy_(torch.empty_like(p).uniform_(-0.6, 0.6, generator=generator))
    return rnn, head


def named_params(rnn, head):
    params = dict(rnn.named_parameters())
    params.update({f"head.{k}": v for k, v in head.named_parameters()})
    return params


def run(rnn, head, x, state0, mode):
    """out (N, O) or (N, T, O) and the final state tuple."""
    state_in = state0 if len(state0) == 2 else state0[0]
    seq, state = rnn(x, state_in)
    state = state if isinstance(state, tuple) else (state,)
    return head(MODES[mode](seq)), state


def record_mode(rnn, head, x, state0, mode, generator, prefix):
    """Outputs, final states and gradients of one output mode, keyed by ``prefix/...``."""
    params = named_params(rnn, head)
    leaves = list(params.values()) + [x, *state0]
    for leaf in leaves:
        leaf.grad = None
    out, state = run(rnn, head, x, state0, mode)
    R = torch.randn(out.shape, generator=generator, dtype=torch.float64)
    S = [torch.randn(s.shape, generator=generator, dtype=torch.float64) for s in state]
    objective = (R * out).sum() + sum((s_w * s).sum() for s_w, s in zip(S, state))
    objective.backward()

    state_names = ("h", "c")[:len(state)]
    rec = {f"{prefix}/out": out, f"{prefix}/R": R}
    for name, s, s_w in zip(state_names, state, S):
        rec[f"{prefix}/{name}_n"] = s
        rec[f"{prefix}/S_{name}"] = s_w
    for name, p in params.items():
        rec[f"{prefix}/grad/{name}"] = p.grad
    rec[f"{prefix}/grad/x"] = x.grad
    for name, s in zip(state_names, state0):
        rec[f"{prefix}/grad/{name}0"] = s.grad
    return rec


def record(cell, layers, seed, bidirectional=False):
    generator = torch.Generator().manual_seed(seed)
    rnn, head = build(cell, layers, generator, bidirectional)
    x = torch.randn(N, T, D, generator=generator, dtype=torch.float64, requires_grad=True)
    n_states = 2 if cell == "lstm" else 1
    dirs = 2 if bidirectional else 1
    state0 = tuple((0.5 * torch.randn(layers * dirs, N, H, generator=generator,
                                      dtype=torch.float64)).requires_grad_()
                   for _ in range(n_states))
    rec = {f"param/{k}": v for k, v in named_params(rnn, head).items()}
    rec["x"] = x
    for name, s in zip(("h0", "c0"), state0):
        rec[name] = s
    modes = list(MODES) if bidirectional else ["m2o", "m2m"]
    for mode in modes:
        rec.update(record_mode(rnn, head, x, state0, mode, generator, mode))
    arrays = {k: v.detach().numpy().copy() for k, v in rec.items()}
    arrays["torch_version"] = np.array(torch.__version__)
    return arrays


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent.parent / "tests" / "fixtures")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    for k, cell in enumerate(CELLS):
        for layers in (1, 2):
            path = args.out / f"torch_{cell}_{layers}.npz"
            np.savez_compressed(path, **record(cell, layers, SEED + 10 * k + layers))
            print(f"{path}  {path.stat().st_size} bytes")
            path = args.out / f"torch_{cell}_{layers}_bi.npz"
            np.savez_compressed(path, **record(cell, layers, SEED + 10 * k + layers + 100,
                                               bidirectional=True))
            print(f"{path}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
