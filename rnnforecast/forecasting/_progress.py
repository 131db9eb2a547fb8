"""One updating progress line for long fits: epoch, loss and validation loss.

A fitted estimator with ``verbose=1`` prints one line per epoch, e.g.::

    Epoch   12  loss 0.123456  validation loss 0.234567  score 0.5  elapsed 1.2s

:class:`ProgressLine` is a text stream that takes those lines (``redirect_stdout``) and
shows only the latest one, rewritten in place with a carriage return, once the fit has
run for ``delay`` seconds; a short fit shows nothing. :meth:`close` clears the line.
"""

import re
import sys
import time

__all__ = ["ProgressLine"]

#: The figures of an epoch line, as the estimators print it.
EPOCH_LINE = re.compile(r"Epoch\s+(?P<epoch>\d+)\s+loss\s+(?P<loss>\S+)"
                        r"(?:\s+validation loss\s+(?P<val>\S+))?")


class ProgressLine:
    """A write-only text stream turning epoch lines into one line updated in place.

    Parameters
    ----------
    label : str
        Printed before the figures, e.g. ``"LSTM 1/3"``.
    stream : text stream, default=None
        Where the line goes; default ``sys.stderr`` at the time of writing.
    delay : float, default=2.0
        Seconds after ``start`` before the line first appears.
    start : float or None, default=None
        ``time.time()`` when the work began (e.g. in the process that started this
        one); default now.
    """

    def __init__(self, label, stream=None, delay=2.0, start=None):
        self.label = label
        self.stream = stream
        self.delay = delay
        self._start = time.time() if start is None else start
        self._pending = ""
        self._width = 0

    def _out(self):
        return self.stream if self.stream is not None else sys.stderr

    def write(self, text):
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._show(line)
        return len(text)

    def flush(self):
        self._out().flush()

    def _show(self, line):
        match = EPOCH_LINE.search(line)
        if match is None or time.time() - self._start < self.delay:
            return
        text = f"{self.label}: epoch {match['epoch']}  loss {float(match['loss']):.4f}"
        if match["val"] is not None:
            text += f"  validation loss {float(match['val']):.4f}"
        text += f"  {time.time() - self._start:.0f} s"
        out = self._out()
        out.write("\r" + text.ljust(self._width))
        out.flush()
        self._width = len(text)

    def close(self):
        """Clear the line if anything was shown, so that the next output starts clean."""
        if self._width:
            out = self._out()
            out.write("\r" + " " * self._width + "\r")
            out.flush()
            self._width = 0
