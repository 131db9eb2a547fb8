"""The network's description functions (parameter and state shapes, spec from weights)
and the engine's boundaries: NumPy and the standard library only."""

import ast
import pathlib
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import rnnforecast.nn
from rnnforecast.nn._blas import openblas_num_threads
from rnnforecast.nn.initialization import init_params
from rnnforecast.nn.network import (CELLS, NetworkSpec, param_shapes, spec_from_params,
                                    state_shapes)

from _engine_helpers import CELL_VARIANTS

ENGINE = pathlib.Path(rnnforecast.nn.__file__).parent


def spec_for(variant, num_layers, **kwargs):
    cell, nonlinearity = CELL_VARIANTS[variant]
    return NetworkSpec(cell, 3, 5, 2, num_layers=num_layers, nonlinearity=nonlinearity,
                       **kwargs)


@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
def test_param_shapes_are_the_shapes_init_params_makes(variant, num_layers):
    spec = spec_for(variant, num_layers)
    params = init_params(spec, np.random.default_rng(0))
    shapes = param_shapes(spec)
    assert list(shapes) == list(params)
    assert {k: v.shape for k, v in params.items()} == shapes


def test_param_shapes_by_hand():
    G, H, D, O = 4, 5, 3, 2
    shapes = param_shapes(NetworkSpec("lstm", D, H, O, num_layers=2))
    assert shapes == {
        "weight_ih_l0": (G * H, D), "weight_hh_l0": (G * H, H),
        "bias_ih_l0": (G * H,), "bias_hh_l0": (G * H,),
        "weight_ih_l1": (G * H, H), "weight_hh_l1": (G * H, H),
        "bias_ih_l1": (G * H,), "bias_hh_l1": (G * H,),
        "head.weight": (O, H), "head.bias": (O,)}
    jordan = param_shapes(NetworkSpec("jordan", D, H, O))
    assert jordan["weight_hh_l0"] == (H, O)               # the output is fed back


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
def test_spec_from_params_inverts_init_params(variant, num_layers):
    spec = spec_for(variant, num_layers, dropout=0.2, return_sequences=True, bptt_truncate=4)
    params = init_params(spec, np.random.default_rng(0))
    kwargs = dict(nonlinearity=spec.nonlinearity, dropout=0.2, return_sequences=True,
                  bptt_truncate=4)
    assert spec_from_params(spec.cell, params, **kwargs) == spec


def test_spec_from_params_rejects_an_unknown_cell():
    params = init_params(NetworkSpec("rnn", 3, 5, 2), np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"The `cell` must be one of .*Got 'elman'"):
        spec_from_params("elman", params)


def test_spec_from_params_needs_the_first_layer_and_the_head():
    params = init_params(NetworkSpec("gru", 3, 5, 2), np.random.default_rng(0))
    del params["head.weight"]
    with pytest.raises(ValueError, match="must hold the 2-D arrays 'weight_ih_l0' and "
                                         "'head.weight'; got keys"):
        spec_from_params("gru", params)


def test_state_shapes_per_cell():
    N, L, H, O = 7, 2, 5, 3
    shapes = {cell: state_shapes(NetworkSpec(cell, 1, H, O, num_layers=L), N)
              for cell in CELLS}
    assert shapes == {"rnn": ((L, N, H),), "gru": ((L, N, H),),
                      "lstm": ((L, N, H), (L, N, H)), "jordan": ((N, O),)}
    assert all(len(shapes[cell]) == kind.n_states for cell, kind in CELLS.items())


@pytest.mark.parametrize("threads", [1, 2])
def test_openblas_num_threads_reads_the_current_limit(threads):
    with threadpool_limits(threads):
        assert openblas_num_threads() in (threads, None)   # None: NumPy has another BLAS


def test_the_engine_imports_only_numpy_and_the_standard_library():
    for path in sorted(ENGINE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top == "numpy" or top in sys.stdlib_module_names, \
                    f"{path.name} imports {name}"
