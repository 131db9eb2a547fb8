"""The notebooks in examples/notebooks/ run, and show a notebook user what they should.

Each notebook is executed by a Jupyter kernel (``nbclient`` and ``ipykernel``, from the
``notebooks`` extra) with ``RNNFORECAST_FAST=1`` (tiny models, few epochs), from a
temporary folder, importing this checkout's rnnforecast. The checks read the outputs as
a notebook shows them: no cell raised or wrote to stderr, every figure is an inline
PNG, and the tables say what they should (forecasts dated after the data, ...). The
accuracy of a fast run is not checked.

The notebooks are stored without outputs, so that diffs stay readable; a test checks
that too. The progress line of a fit is checked in a kernel at the end.
"""

import base64
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "examples" / "notebooks"
DATE = r"\d{4}-\d{2}-\d{2}"
#: Most lines in a code cell of a stored notebook.
MAX_CELL_LINES = 16


@pytest.fixture
def kernel_env(monkeypatch):
    """The environment a kernel started now inherits: fast mode, this checkout first."""
    monkeypatch.setenv("RNNFORECAST_FAST", "1")
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend


def client_for(notebook, folder):
    """A NotebookClient running ``notebook`` in ``folder`` on the python3 kernel."""
    return nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                   resources={"metadata": {"path": str(folder)}})


def run_notebook(name, folder):
    """Execute examples/notebooks/<name>.ipynb; return the executed notebook."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client_for(notebook, folder).execute()
    return notebook


def outputs(notebook):
    return [output for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.outputs]


def check_what_a_user_sees(notebook, n_figures):
    """No error, nothing on stderr, and ``n_figures`` inline PNG figures."""
    shown = outputs(notebook)
    assert not [o for o in shown if o.output_type == "error"]
    stderr = [o.text for o in shown if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"a cell wrote to stderr:\n{''.join(stderr)}"
    figures = [base64.b64decode(o.data["image/png"]) for o in shown
               if "image/png" in o.get("data", {})]
    assert len(figures) == n_figures
    for png in figures:
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def cell_of(notebook, source):
    """The one code cell whose source contains ``source``."""
    [cell] = [cell for cell in notebook.cells
              if cell.cell_type == "code" and source in cell.source]
    return cell


def shown_text(cell):
    """What a cell printed and the text form of what it displayed, in order."""
    return "".join(o.text if o.output_type == "stream" else o.data.get("text/plain", "")
                   for o in cell.outputs)


def table_dates(cell):
    """The dates at the start of the lines of a table shown as text."""
    return pd.DatetimeIndex(re.findall(rf"^({DATE})", shown_text(cell), flags=re.M))


def html_of(cell):
    [page] = [o.data["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})]
    return page


def next_week():
    """The seven days after the last day of the Seattle weather data."""
    return pd.date_range("2016-01-01", periods=7, freq="D")


# ------------------------------------------------------------ the stored notebooks
CHECKED = ("forecast_weather", "grid_search_pipeline", "gunpoint_classification",
           "many_series")


def test_every_notebook_is_checked():
    assert sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb")) == sorted(CHECKED)


@pytest.mark.parametrize("name", CHECKED)
def test_notebooks_are_stored_without_outputs_and_open_with_what_they_show(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert len(cell.source.splitlines()) <= MAX_CELL_LINES, cell.source
    assert "widgets" not in notebook.metadata  # no stored widget state


# ------------------------------------------------------------ each notebook, run
def test_forecast_weather(kernel_env, tmp_path):
    notebook = run_notebook("forecast_weather", tmp_path)
    check_what_a_user_sees(notebook, n_figures=3)
    assert "<table" in html_of(cell_of(notebook, "weather.tail()"))
    # the estimator is shown with scikit-learn's HTML display
    assert "AutoForecaster" in html_of(cell_of(notebook, "auto.fit("))
    assert shown_text(cell_of(notebook, "print(auto.summary_)")).startswith("Chose ")
    for source in ("week = auto.predict(", "gru.forecast("):
        cell = cell_of(notebook, source)
        assert shown_text(cell).split()[:3] == ["forecast", "lower", "upper"]
        assert table_dates(cell).equals(next_week())
    backtest = cell_of(notebook, "result = backtest(")
    assert shown_text(backtest).startswith(
        "BacktestResult: 4 forecast origins (2015-12-03 to 2015-12-24), horizon 7")
    assert html_of(backtest).startswith("<div><p><strong>Backtest</strong>: 4 forecast")
    metrics = shown_text(cell_of(notebook, '"seasonal naive": seasonal.metrics')).splitlines()
    assert metrics[0].split() == ["MAE", "RMSE", "MAPE", "sMAPE", "MASE"]
    for line, model in zip(metrics[1:], ["GRU", "naive", "seasonal naive"]):
        assert line.startswith(model)
        values = np.array(line[len(model):].split(), dtype=float)
        assert np.isfinite(values).all() and (values > 0).all()


def test_grid_search_pipeline(kernel_env, tmp_path):
    notebook = run_notebook("grid_search_pipeline", tmp_path)
    check_what_a_user_sees(notebook, n_figures=2)
    assert shown_text(cell_of(notebook, "X_test, y_test, test_months =")) == \
        "((132, 12, 1), (108, 12, 1), (12, 12, 1))"
    assert "Pipeline" in html_of(cell_of(notebook, "search.fit("))
    results = shown_text(cell_of(notebook, "results.sort_values(")).splitlines()
    assert len(results) == 1 + 4  # header and the fast grid's 4 candidates
    best = json.loads(shown_text(cell_of(notebook, "search.best_params_")).replace("'", '"'))
    assert best["scale__method"] in {"standard", "minmax"}
    assert best["rnn__hidden_size"] in {4, 8}


def test_gunpoint_classification(kernel_env, tmp_path):
    notebook = run_notebook("gunpoint_classification", tmp_path)
    check_what_a_user_sees(notebook, n_figures=3)
    counts = shown_text(cell_of(notebook, "value_counts()"))
    assert re.search(r"point\s+26", counts) and re.search(r"gun\s+24", counts)
    accuracy = re.fullmatch(r"Test accuracy: (\d\.\d{3}) after 10 epochs\n",
                            shown_text(cell_of(notebook, "model.score(")))
    assert accuracy and 0 <= float(accuracy[1]) <= 1
    rows = shown_text(cell_of(notebook, "model.predict_proba(")).splitlines()
    assert rows[0].split() == ["gun", "point", "truth"] and len(rows) == 7
    for row in rows[1:]:
        _, gun, point, truth = row.split()
        assert float(gun) + float(point) == pytest.approx(1, abs=2e-3)
        assert truth in {"gun", "point"}


def test_many_series(kernel_env, tmp_path):
    notebook = run_notebook("many_series", tmp_path)
    check_what_a_user_sees(notebook, n_figures=2)
    assert "[4383 rows x 3 columns]" in shown_text(cell_of(notebook, "long = ("))  # 3 x 1461
    fits = shown_text(cell_of(notebook, "models = fit_many(")).splitlines()
    assert [line.split()[0] for line in fits[1:]] == ["temp_max", "temp_min", "wind"]
    head = cell_of(notebook, "forecasts.head(8)")
    assert shown_text(head).split()[:5] == ["series", "timestamp", "forecast", "lower",
                                            "upper"]
    wide = cell_of(notebook, "forecasts.pivot(")
    assert shown_text(wide).split()[:4] == ["series", "temp_max", "temp_min", "wind"]
    assert table_dates(wide).equals(next_week())
    panel = cell_of(notebook, "global_forecasts = global_model.forecast(")
    assert shown_text(panel).split()[:5] == ["forecast", "lower", "upper", "series",
                                             "timestamp"]
    both = shown_text(cell_of(notebook, '"one global model"')).split()
    assert both[:2] == ["one", "model"] and "temp_max" in both


# ------------------------------------------------------------ progress of a fit
PROGRESS_SETUP = """
import sys, warnings
{hide_widgets}
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from rnnforecast import RNNForecaster
from rnnforecast.forecasting._progress import ProgressLine
warnings.simplefilter("ignore", ConvergenceWarning)
X = np.sin(np.arange(400.0) / 5).reshape(50, 8, 1)
model = RNNForecaster(hidden_size=4, max_iter=5, random_state=0)
"""
PROGRESS_FIT = 'line = ProgressLine("GRU", delay=0, total=5).__enter__()\nmodel.fit(X, X[:, -1, 0]);'
PROGRESS_END = "line.__exit__(None, None, None)"


def widget_states(client, output):
    """Front-end state of a displayed widget box and of its children, by model name."""
    box = client.widget_state[output.data["application/vnd.jupyter.widget-view+json"]
                              ["model_id"]]
    children = [client.widget_state[ref.removeprefix("IPY_MODEL_")]
                for ref in box["children"]]
    return {state["_model_name"]: state for state in [box, *children]}


@pytest.mark.parametrize("widgets", [True, False], ids=["ipywidgets", "plain-text"])
def test_in_a_notebook_a_fit_shows_one_updating_line_and_nothing_on_stderr(
        widgets, kernel_env, tmp_path):
    if widgets:
        pytest.importorskip("ipywidgets")
    hide = "" if widgets else 'sys.modules["ipywidgets"] = None  # as if not installed'
    cells = [PROGRESS_SETUP.format(hide_widgets=hide), PROGRESS_FIT, PROGRESS_END]
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in cells])
    client = client_for(notebook, tmp_path)
    with client.setup_kernel():
        client.execute_cell(notebook.cells[0], 0)
        client.execute_cell(notebook.cells[1], 1)
        [shown] = notebook.cells[1].outputs  # one display, updated in place
        if widgets:
            states = widget_states(client, shown)
            assert (states["IntProgressModel"]["value"], states["IntProgressModel"]["max"]) \
                == (5, 5)
            assert states["LabelModel"]["value"].startswith("GRU: epoch 5  loss ")
        else:
            assert shown.data["text/plain"].startswith("GRU: epoch 5  loss ")
        client.execute_cell(notebook.cells[2], 2)
    assert [o.data for o in notebook.cells[1].outputs] == [{"text/plain": ""}]  # cleared
    assert outputs(notebook) == notebook.cells[1].outputs  # nothing else, no stderr


def test_auto_forecaster_in_a_notebook_shows_its_progress_and_no_stderr(kernel_env,
                                                                        tmp_path):
    source = """
import rnnforecast.forecasting._auto_networks as networks_module
from rnnforecast.datasets import load_airline
from rnnforecast.forecasting import AutoForecaster
networks_module.PROGRESS_DELAY = 0.0  # show the line from the first epoch
model = AutoForecaster(horizon=6, candidates=("rnn", "seasonal_naive"), n_members=1,
                       max_steps=20).fit(load_airline())
"""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    client = client_for(notebook, tmp_path)
    client.execute()
    shown = outputs(notebook)
    assert shown and all(o.output_type == "display_data" for o in shown)
    assert all(o.data == {"text/plain": ""} for o in shown)  # every line cleared
    labels = [state["value"] for state in client.widget_state.values()
              if state.get("_model_name") == "LabelModel"]
    if labels:  # with ipywidgets: the lines were widgets
        assert all(label.startswith("LSTM 1/1 (") for label in labels)
