"""One updating progress line for long fits: epoch, loss and validation loss.

The estimators put one record per epoch on the ``rnnforecast.training`` logger (DEBUG
level, with the figures ``epoch``, ``loss`` and ``validation_loss`` as attributes).
:class:`ProgressLine` is a logging handler that shows only the latest of them, rewritten
in place with a carriage return, once the fit has run for ``delay`` seconds; a short fit
shows nothing. Use it as a context manager around a fit: it listens to the records of
the thread that entered it, and :meth:`close` clears the line.
"""

import logging
import sys
import threading
import time

__all__ = ["ProgressLine"]

TRAINING_LOGGER = "rnnforecast.training"


class ProgressLine(logging.Handler):
    """A logging handler turning epoch records into one line updated in place.

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
        super().__init__(logging.DEBUG)
        self.label = label
        self.stream = stream
        self.delay = delay
        self._start = time.time() if start is None else start
        self._width = 0
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

    def _out(self):
        return self.stream if self.stream is not None else sys.stderr

    def emit(self, record):
        epoch = getattr(record, "epoch", None)
        if epoch is None or record.thread != self._thread or \
                time.time() - self._start < self.delay:
            return
        text = f"{self.label}: epoch {epoch}  loss {record.loss:.4f}"
        if getattr(record, "validation_loss", None) is not None:
            text += f"  validation loss {record.validation_loss:.4f}"
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
        super().close()
