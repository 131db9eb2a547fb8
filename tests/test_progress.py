"""Where the progress line of a fit goes: a terminal stream, or a notebook display.

A notebook kernel is faked here with stand-ins for ``IPython`` and ``IPython.display``
that record what is displayed; ``tests/test_notebooks.py`` runs the same code in a real
kernel.
"""

import io
import logging
import subprocess
import sys
import types
from pathlib import Path

import pytest

from rnnforecast.forecasting._progress import ProgressLine

REPO = Path(__file__).resolve().parents[1]


def epoch_record(epoch, loss=0.5, validation_loss=0.6):
    """A record as the estimators put on the ``rnnforecast.training`` logger."""
    record = logging.LogRecord("rnnforecast.training", logging.DEBUG, __file__, 1,
                               f"Epoch {epoch}", None, None)
    record.epoch, record.loss, record.validation_loss = epoch, loss, validation_loss
    return record


class Handle:
    """Stands in for IPython's DisplayHandle: keeps the bundles it is updated with."""

    def __init__(self, bundle):
        self.bundles = [bundle]

    def update(self, bundle, raw=False):
        assert raw  # a mime bundle
        self.bundles.append(bundle)


class FakeNotebook:
    """``display`` of a fake kernel: records every object displayed."""

    def __init__(self):
        self.shown = []

    def display(self, obj, raw=False, display_id=False):
        assert display_id  # every line must be updatable
        self.shown.append(Handle(obj))
        return self.shown[-1]


@pytest.fixture
def widgets():
    """ipywidgets, imported before ``notebook`` fakes IPython (which it imports)."""
    return pytest.importorskip("ipywidgets")


@pytest.fixture
def notebook(monkeypatch):
    """Make this process look like a notebook kernel; return the recorded displays."""
    fake = FakeNotebook()
    shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setitem(sys.modules, "IPython",
                        types.SimpleNamespace(get_ipython=lambda: shell))
    monkeypatch.setitem(sys.modules, "IPython.display",
                        types.SimpleNamespace(display=fake.display))
    return fake


def test_in_a_terminal_the_line_is_rewritten_on_stderr(capsys):
    line = ProgressLine("GRU", delay=0)
    line.emit(epoch_record(1))
    line.emit(epoch_record(2, loss=0.25, validation_loss=None))
    line.close()
    out, err = capsys.readouterr()
    first = "GRU: epoch 1  loss 0.5000  validation loss 0.6000  0 s"
    second = "GRU: epoch 2  loss 0.2500  0 s"
    assert out == ""
    assert err == f"\r{first}\r{second.ljust(len(first))}\r{' ' * len(second)}\r"


def test_a_terminal_program_does_not_import_ipython():
    code = ("import sys, logging\n"
            "from rnnforecast.forecasting._progress import ProgressLine\n"
            "record = logging.makeLogRecord({'epoch': 1, 'loss': 0.5})\n"
            "line = ProgressLine('GRU', delay=0)\n"
            "line.emit(record)\n"
            "line.close()\n"
            "print('IPython' in sys.modules, 'ipywidgets' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False False"
    assert "GRU: epoch 1  loss 0.5000" in proc.stderr


def test_in_a_notebook_without_ipywidgets_the_line_is_a_text_display(notebook, monkeypatch,
                                                                     capsys):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets fails
    line = ProgressLine("GRU", delay=0)
    line.emit(epoch_record(1))
    line.emit(epoch_record(2))
    line.close()
    assert len(notebook.shown) == 1  # one display, updated in place
    texts = [bundle["text/plain"] for bundle in notebook.shown[0].bundles]
    assert texts == ["GRU: epoch 1  loss 0.5000  validation loss 0.6000  0 s",
                     "GRU: epoch 2  loss 0.5000  validation loss 0.6000  0 s",
                     ""]  # cleared at the end, as the terminal line is
    assert capsys.readouterr() == ("", "")  # nothing on stdout or stderr


def test_in_a_notebook_with_ipywidgets_the_line_is_a_widget_with_a_bar(widgets, notebook,
                                                                       capsys):
    line = ProgressLine("GRU", delay=0, total=50)
    line.emit(epoch_record(1))
    line.emit(epoch_record(7))
    [handle] = notebook.shown
    [box] = handle.bundles
    assert isinstance(box, widgets.HBox)
    bar, label = box.children
    assert (bar.min, bar.value, bar.max) == (0, 7, 50)
    assert label.value == "GRU: epoch 7  loss 0.5000  validation loss 0.6000  0 s"
    line.close()
    assert box.comm is None and bar.comm is None and label.comm is None  # closed
    assert handle.bundles[1:] == [{"text/plain": ""}]  # no widget left in the notebook
    assert capsys.readouterr() == ("", "")


def test_without_a_total_the_widget_shows_the_text_alone(widgets, notebook):
    line = ProgressLine("LSTM 1/2", delay=0)
    line.emit(epoch_record(3))
    [handle] = notebook.shown
    assert [type(child) for child in handle.bundles[0].children] == [widgets.Label]
    line.close()


def test_a_given_stream_is_used_in_a_notebook_too(notebook):
    stream = io.StringIO()
    line = ProgressLine("GRU", stream=stream, delay=0)
    line.emit(epoch_record(1))
    line.close()
    assert notebook.shown == []
    assert stream.getvalue().startswith("\rGRU: epoch 1  loss 0.5000")


def test_a_terminal_ipython_session_keeps_the_stream_line(monkeypatch, capsys):
    terminal = types.SimpleNamespace()  # a shell without a kernel
    monkeypatch.setitem(sys.modules, "IPython",
                        types.SimpleNamespace(get_ipython=lambda: terminal))
    line = ProgressLine("GRU", delay=0)
    line.emit(epoch_record(1))
    line.close()
    assert capsys.readouterr().err.startswith("\rGRU: epoch 1  loss 0.5000")


def test_nothing_is_displayed_before_the_delay(notebook):
    line = ProgressLine("GRU", delay=3600)
    line.emit(epoch_record(1))
    line.close()
    assert notebook.shown == []
