"""The command's errors, its progress messages and the pieces of its one-line messages.

Progress messages ("Fitting ...", what was chosen, what was written) go through the
``rnnforecast.cli`` logger at INFO level, so that an application running the command's
functions can route them; the command itself shows them on stdout (:func:`console`).
Errors and warnings are one line each on stderr.
"""

import contextlib
import logging
import sys

#: The command's progress messages.
LOG = logging.getLogger("rnnforecast.cli")

#: Dates named in a message about missing values or dates.
LISTED = 3
#: Estimator parameters named in library messages -> the command's options.
OPTION_NAMES = {"learning_rate_init": "--learning-rate", "hidden_size": "--hidden-size",
                "max_iter": "--epochs", "n_iter_no_change": "--patience",
                "random_state": "--seed"}


class CLIError(Exception):
    """A problem with the command's input, reported as one line."""


def one_line(exc):
    return " ".join(line.strip() for line in str(exc).splitlines() if line.strip())


def count(n, noun):
    return f"{n} {noun}{'s' * (n != 1)}"


def dates_text(dates):
    """The first LISTED dates, as dates when they are midnights without time zone."""
    plain = dates.tz is None and (dates == dates.normalize()).all()
    text = [str(d.date()) if plain else str(d) for d in dates[:LISTED]]
    return ", ".join(text + ["..."] * (len(dates) > LISTED))


def with_option_names(message):
    for name, option in OPTION_NAMES.items():
        message = message.replace(name, option)
    return message


@contextlib.contextmanager
def console():
    """Within the block, show the ``rnnforecast.cli`` messages on stdout, as plain lines
    (unless an application gave that logger handlers of its own)."""
    if LOG.handlers:
        yield
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level = LOG.level
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)
    try:
        yield
    finally:
        LOG.removeHandler(handler)
        LOG.setLevel(level)
