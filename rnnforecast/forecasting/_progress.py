"""One updating progress line for long fits: epoch, loss and validation loss.

The estimators put one record per epoch on the ``rnnforecast.training`` logger (DEBUG
level, with the figures ``epoch``, ``loss`` and ``validation_loss`` as attributes).
:class:`ProgressLine` is a logging handler that shows only the latest of them, once the
fit has run for ``delay`` seconds; a short fit shows nothing. Use it as a context manager
around a fit: it listens to the records of the thread that entered it, and :meth:`close`
clears the line.

Where the line goes depends on where Python runs (chosen when the line first appears):

- in a terminal, or on an explicit ``stream``: one line rewritten in place with ``\\r``;
- in a notebook kernel with ``ipywidgets``: a widget showing the same text, beside a bar
  when the number of epochs (``total``) is known;
- in a notebook kernel without ``ipywidgets``: a plain-text output updated in place.

In a notebook nothing goes to stderr, so a cell's output is the live line and nothing
else. IPython and ipywidgets are never imported for a terminal: a notebook kernel is
recognised by IPython already running with a kernel attached.
"""

import logging
import sys
import threading
import time

__all__ = ["ProgressLine"]

TRAINING_LOGGER = "rnnforecast.training"
#: What a notebook output holds once the line is cleared.
EMPTY = {"text/plain": ""}


class _StreamView:
    """The line on a text stream (default ``sys.stderr``), rewritten with ``\\r``."""

    def __init__(self, stream):
        self.stream = stream
        self._width = 0

    def _out(self):
        return self.stream if self.stream is not None else sys.stderr

    def show(self, text, epoch, total):
        out = self._out()
        out.write("\r" + text.ljust(self._width))
        out.flush()
        self._width = len(text)

    def clear(self):
        if self._width:
            out = self._out()
            out.write("\r" + " " * self._width + "\r")
            out.flush()
            self._width = 0


class _TextDisplayView:
    """The line as a plain-text notebook output, replaced in place at every epoch.

    Cleared, the output becomes empty text, also in the saved notebook.
    """

    def __init__(self, display):
        self._display = display
        self._handle = None

    def show(self, text, epoch, total):
        bundle = {"text/plain": text}
        if self._handle is None:
            self._handle = self._display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)

    def clear(self):
        if self._handle is not None:
            self._handle.update(EMPTY, raw=True)
            self._handle = None


class _WidgetView:
    """The line as an ipywidgets ``Label``, after an ``IntProgress`` bar when ``total``
    (the most epochs the fit may run) is known.

    Cleared, the widgets are closed and their output becomes empty text, so that a saved
    notebook keeps no reference to widgets that no longer exist.
    """

    def __init__(self, widgets, display):
        self._widgets = widgets
        self._display = display
        self._handle = self._label = self._bar = self._box = None

    def _build(self, text, total):
        self._label = self._widgets.Label(value=text)
        children = [self._label]
        if total:
            self._bar = self._widgets.IntProgress(value=0, min=0, max=int(total))
            children.insert(0, self._bar)
        self._box = self._widgets.HBox(children)
        self._handle = self._display(self._box, display_id=True)

    def show(self, text, epoch, total):
        if self._box is None:
            self._build(text, total)
        self._label.value = text
        if self._bar is not None:
            self._bar.value = min(int(epoch), self._bar.max)

    def clear(self):
        if self._box is None:
            return
        for widget in (self._bar, self._label, self._box):
            if widget is not None:
                widget.close()
        self._handle.update(EMPTY, raw=True)
        self._handle = self._label = self._bar = self._box = None


def _notebook_display():
    """IPython's ``display`` when this process is a notebook kernel, else None.

    IPython is looked up in ``sys.modules`` rather than imported: a kernel has already
    imported it, and a terminal program should not pay for it. A terminal IPython
    session has a shell but no kernel, and keeps the stream line.
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell = ipython.get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    from IPython.display import display

    return display


def _ipywidgets():
    """The ipywidgets module, or None when it is not installed."""
    try:
        import ipywidgets
    except ImportError:
        return None
    return ipywidgets


def _make_view(stream):
    """Where the line goes: see the table in the module docstring."""
    if stream is None:
        display = _notebook_display()
        if display is not None:
            widgets = _ipywidgets()
            return _WidgetView(widgets, display) if widgets else _TextDisplayView(display)
    return _StreamView(stream)


class ProgressLine(logging.Handler):
    """A logging handler turning epoch records into one line updated in place.

    Parameters
    ----------
    label : str
        Printed before the figures, e.g. ``"LSTM 1/3"``.
    stream : text stream, default=None
        Where the line goes. Default: in a notebook kernel a display updated in place
        (a widget when ipywidgets is installed), elsewhere ``sys.stderr`` at the time
        of writing. A stream given here is always used, also in a notebook.
    delay : float, default=2.0
        Seconds after ``start`` before the line first appears.
    start : float or None, default=None
        ``time.time()`` when the work began (e.g. in the process that started this
        one); default now.
    total : int or None, default=None
        The most epochs the fit may run (its ``max_iter``); a notebook widget then
        shows a bar of ``epoch / total`` beside the text.

    Examples
    --------
    >>> with ProgressLine("GRU", total=model.max_iter):  # doctest: +SKIP
    ...     model.fit(X, y)
    """

    def __init__(self, label, stream=None, delay=2.0, start=None, total=None):
        super().__init__(logging.DEBUG)
        self.label = label
        self.stream = stream
        self.delay = delay
        self.total = total
        self._start = time.time() if start is None else start
        self._view = None
        self._thread = threading.get_ident()
        self._logger = logging.getLogger(TRAINING_LOGGER)
        self._level = None

    def __enter__(self):
        self._level = self._logger.level
        if not self._logger.isEnabledFor(logging.DEBUG):
            self._logger.setLevel(logging.DEBUG)
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc_info):
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)
        self.close()

    def text(self, record):
        """The line for one epoch record: label, epoch, losses and seconds so far."""
        text = f"{self.label}: epoch {record.epoch}  loss {record.loss:.4f}"
        if getattr(record, "validation_loss", None) is not None:
            text += f"  validation loss {record.validation_loss:.4f}"
        return text + f"  {time.time() - self._start:.0f} s"

    def emit(self, record):
        epoch = getattr(record, "epoch", None)
        if epoch is None or record.thread != self._thread or \
                time.time() - self._start < self.delay:
            return
        if self._view is None:
            self._view = _make_view(self.stream)
        self._view.show(self.text(record), epoch, self.total)

    def close(self):
        """Clear the line if anything was shown, so that the next output starts clean."""
        if self._view is not None:
            self._view.clear()
        super().close()
