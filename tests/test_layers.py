"""The package's layers (docs/architecture.md), checked on the source with ``ast``.

Every module of ``rnnforecast`` belongs to a *room* (a sub-package, or a top-level
module); a room may import only the rooms listed for it below, so dependencies point
one way: the engine knows nothing of estimators, the forecasting layer nothing of the
estimators or the command, and nothing imports the command.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rnnforecast"

#: room -> rooms of rnnforecast it may import (besides itself).
ALLOWED = {
    "_version": set(),
    "_validation": set(),
    "_jobs": set(),
    "datasets": set(),
    "metrics": {"_validation"},
    "nn": set(),
    "preprocessing": {"_validation"},
    "windowing": {"_validation"},
    "forecasting": {"_validation", "_jobs", "windowing", "metrics"},
    "model_selection": {"_validation", "_jobs", "windowing", "metrics", "forecasting"},
    "plotting": {"forecasting"},
    "estimators": {"_version", "_validation", "nn", "preprocessing", "windowing",
                   "forecasting"},
    "cli": {"__init__", "_validation", "datasets", "estimators", "forecasting",
            "model_selection", "plotting", "windowing", "metrics", "preprocessing", "nn"},
    "__init__": {"_version", "estimators", "persistence", "windowing"},
    "persistence": {"_version"},  # rebuilds rnnforecast classes by name, imports none
    "__main__": {"cli"},
    # modules kept so that old import paths keep working; each forwards to its new home
    "baselines": {"forecasting"},
    "multiseries": {"forecasting"},
}

#: (module, room) -> why this one import is allowed although the table forbids it.
EXCEPTIONS = {
    ("forecasting/__init__.py", "model_selection"):
        "forwards the old import path rnnforecast.forecasting.backtest, lazily",
    ("forecasting/_auto_networks.py", "estimators"):
        "AutoForecaster's network candidate is an RNNForecaster, imported lazily",
    ("forecasting/_global.py", "estimators"):
        "GlobalForecaster's default estimator is an RNNForecaster, imported lazily",
    ("model_selection/_validation.py", "plotting"):
        "BacktestResult.plot draws with plot_backtest, imported lazily",
}

#: Third-party packages the engine may import: NumPy only.
ENGINE_THIRD_PARTY = {"numpy"}


def room_of(path):
    """The room of a module file: its sub-package, else its module name."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def imported_modules(path):
    """Absolute dotted names imported by the module at ``path`` (relative resolved)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ["rnnforecast", *path.relative_to(PACKAGE).parent.parts]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.append(node.module)
                continue
            base = package[:len(package) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else []))
            if node.module is None:  # from . import x
                names += [f"{module}.{alias.name}" for alias in node.names]
            else:
                names.append(module)
    return names


def internal_room(name):
    """The room of an absolute ``rnnforecast...`` module name, or None."""
    parts = name.split(".")
    if parts[0] != "rnnforecast":
        return None
    is_module = len(parts) > 1 and ((PACKAGE / parts[1]).is_dir() or
                                    (PACKAGE / f"{parts[1]}.py").is_file())
    return parts[1] if is_module else "__init__"  # a name defined in __init__


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_layers(path):
    room = room_of(path)
    assert room in ALLOWED, f"{room} has no place in the layer table of this test"
    rooms = {internal_room(name) for name in imported_modules(path)} - {None, room}
    module = str(path.relative_to(PACKAGE))
    rooms = {r for r in rooms if (module, r) not in EXCEPTIONS}
    assert rooms <= ALLOWED[room], (
        f"{path.relative_to(PACKAGE)} imports {sorted(rooms - ALLOWED[room])}, which "
        f"{room} may not import (allowed: {sorted(ALLOWED[room])})")


@pytest.mark.parametrize("path", sorted((PACKAGE / "nn").rglob("*.py")),
                         ids=lambda p: p.name)
def test_the_engine_imports_numpy_and_the_standard_library_only(path):
    import sys
    third_party = {name.split(".")[0] for name in imported_modules(path)
                   if internal_room(name) is None}
    foreign = {name for name in third_party
               if name not in sys.stdlib_module_names and name not in ENGINE_THIRD_PARTY}
    assert not foreign, f"nn/{path.name} imports {sorted(foreign)}"


def test_the_test_sees_imports():
    """The checker finds the imports of a known module (guards against a vacuous pass)."""
    names = imported_modules(PACKAGE / "estimators" / "_forecaster.py")
    assert "rnnforecast.preprocessing" in names
    assert "rnnforecast.estimators._base" in names
