"""The command line's options: their types, each checked as it is parsed, and the parser.

Usage errors are one line on stderr with exit status 2.
"""

import argparse
import re

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from ._commands import run_backtest, run_demo, run_forecast
from ._gaps import FILL_CHOICES, FREQ_EXAMPLES
from ._messages import one_line
from ..forecasting._auto import CANDIDATES, AutoForecaster
from ..forecasting._conformal import level_label
from ..nn.network import CELLS

#: The parser's description, the first line of the package's docstring.
DESCRIPTION = "The ``rnnforecast`` command: forecast a CSV, backtest it, or run the demo."


def _number_type(convert, accept, refusal, out_of_range=None):
    """An option type: ``convert(text)``, refused unless ``accept(value)``.

    ``refusal`` is the message when ``text`` does not convert, ``out_of_range`` (default
    ``refusal``) when the number breaks the rule; both are formatted with ``text``.
    """
    def number(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(refusal.format(text=text)) from None
        if not accept(value):
            raise argparse.ArgumentTypeError((out_of_range or refusal).format(text=text))
        return value
    return number


_positive_int = _number_type(int, lambda v: v >= 1,
                             "must be a positive integer, got {text!r}",
                             "must be a positive integer, got {text}")
_window = _number_type(int, lambda v: v >= 2,
                       "must be an integer of at least 2, got {text!r}",
                       "must be at least 2 (a window reads its last values and their "
                       "change), got {text}")
_seed = _number_type(int, lambda v: 0 <= v < 2**32,
                     "must be an integer in [0, 2**32), got {text!r}")
_positive_float = _number_type(float, lambda v: np.isfinite(v) and v > 0,
                               "must be a positive number, got {text!r}")
_fraction = _number_type(float, lambda v: 0 <= v < 1,
                         "must be a number in [0, 1), got {text!r}",
                         "must be in [0, 1), got {text}")


def _coverage(text):
    """A coverage in [0, 1), 0 meaning no interval (None); or several levels in (0, 1)
    separated by commas, returned in increasing order (one interval each)."""
    if "," not in text:
        return _fraction(text) or None
    rule = "must be distinct numbers in (0, 1) separated by commas, e.g. 0.8,0.95"
    levels = []
    for part in text.split(","):
        try:
            level = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{rule}; got {part.strip()!r} in {text!r}") \
                from None
        if not 0 < level < 1:
            raise argparse.ArgumentTypeError(f"{rule}; got {part.strip()} in {text!r}")
        levels.append(level)
    labels = [level_label(level) for level in levels]
    repeated = sorted({label for label in labels if labels.count(label) > 1}, key=float)
    if repeated:
        raise argparse.ArgumentTypeError(
            f"{rule}; got {', '.join(f'{r} %' for r in repeated)} more than once in "
            f"{text!r}")
    return sorted(levels)


def _frequency(text):
    try:
        to_offset(text)
    except ValueError as exc:
        hint = re.search(r"Did you mean \w+\?|Please use '\w+' instead", str(exc))
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a pandas frequency{f' ({hint[0]})' if hint else ''}; use "
            f"{FREQ_EXAMPLES}") from None
    return text


def _date_format(text):
    if "%" not in text:
        raise argparse.ArgumentTypeError(f"{text!r} has no % directive; give a strftime "
                                         "format such as %d.%m.%Y")
    try:  # pandas refuses unknown directives whatever the values
        pd.to_datetime(pd.Series(["2000"]), format=text, errors="coerce")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{one_line(exc)}; give a strftime format such "
                                         "as %d.%m.%Y") from None
    return text


def _separator(text):
    text = "\t" if text in ("\\t", "tab") else text
    if not text:
        raise argparse.ArgumentTypeError("must not be empty; e.g. --sep ';'")
    return text


def _decimal(text):
    if len(text) != 1:
        raise argparse.ArgumentTypeError(f"must be one character, e.g. ',', got {text!r}")
    return text


def _feature_list(text):
    return [c.strip() for c in text.split(",") if c.strip()]


REPLACED = "; an existing file is replaced"


def _model_default(name):
    """The default of an AutoForecaster parameter: the command's model, whose defaults
    the options keep (one place to change them)."""
    return AutoForecaster().get_params()[name]


def _add_model_options(p, output=("forecast.csv", "CSV file for the forecast"),
                       interval=(0.9, "prediction-interval coverage in (0, 1), 0 for none; "
                                 "several levels separated by commas (e.g. 0.8,0.95) give "
                                 "the columns lower_80, upper_80, lower_95, upper_95")):
    p.add_argument("--horizon", type=_positive_int, default=_model_default("horizon"),
                   help="steps to forecast")
    p.add_argument("--window", type=_window, default=None,
                   help="input window length (default: from the data's frequency)")
    p.add_argument("--cell", choices=list(CELLS), default=_model_default("cell"))
    p.add_argument("--hidden-size", type=_positive_int,
                   default=_model_default("hidden_size"))
    p.add_argument("--epochs", type=_positive_int, default=_model_default("max_epochs"),
                   help="maximum epochs")
    p.add_argument("--patience", type=_positive_int, default=_model_default("patience"),
                   help="epochs without validation improvement before stopping "
                        "(default %(default)s)")
    p.add_argument("--learning-rate", type=_positive_float,
                   default=_model_default("learning_rate"))
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--freq", type=_frequency, default=None,
                   help="frequency of the dates (e.g. B, D, W, MS, h); default: inferred")
    p.add_argument("--interval", type=_coverage, default=interval[0], help=interval[1])
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print one line per epoch of the networks")
    p.add_argument("--output", default=output[0],
                   help=f"{output[1]} (default {output[0] or 'none'}; '' for none){REPLACED}")


def _add_data_options(p):
    p.add_argument("file", metavar="FILE", help="CSV file with a date column")
    p.add_argument("--target", required=True, help="column to forecast")
    p.add_argument("--features", type=_feature_list, default=[],
                   help="extra input columns, comma-separated")
    p.add_argument("--date-column", default=None, help="default: 'date' or the first column")
    p.add_argument("--date-format", type=_date_format, default=None,
                   help="strftime format of the dates, e.g. %%d.%%m.%%Y (default: guessed "
                        "from the first row); offsets that change (daylight saving) are "
                        "converted to UTC")
    p.add_argument("--dayfirst", action="store_true",
                   help="read dates such as 01/02/2000 day first (1 February)")
    p.add_argument("--sep", type=_separator, default=",",
                   help="field separator, e.g. ';' or '\\t' (default ',')")
    p.add_argument("--decimal", type=_decimal, default=".", help="decimal mark, e.g. ','")
    p.add_argument("--fill", choices=FILL_CHOICES, default="none",
                   help="missing values and missing dates: refuse them (none), interpolate "
                        "in time, repeat the previous value (ffill), or drop those rows and "
                        "keep the gaps (drop)")


def _candidates(text):
    names = [c.strip() for c in text.split(",") if c.strip()]
    unknown = [c for c in names if c not in CANDIDATES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{text!r} names no candidate or an unknown one ({', '.join(unknown)}); use a "
            f"comma-separated list of {', '.join(CANDIDATES)}")
    return names


def _add_choice_options(p):
    """The forecast's choice between candidates (AutoForecaster)."""
    p.add_argument("--seasonal-period", type=_positive_int, default=None,
                   help="season length in steps (default: from the dates, e.g. 12 for "
                        "months, 7 for days, 24 for hours)")
    p.add_argument("--candidates", type=_candidates, default=list(CANDIDATES),
                   help="forecasters to choose from on the last windows of the data "
                        f"(default {','.join(CANDIDATES)})")
    p.add_argument("--members", type=_positive_int, default=_model_default("n_members"),
                   help="networks in the ensemble, one seed each (default %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress line while the networks train")


def _dates(text):
    """Comma-separated dates, e.g. 2024-12-25,2025-01-01."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    try:
        dates = [pd.Timestamp(part) for part in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be dates separated by commas, e.g. 2024-12-25,2025-01-01; got "
            f"{text!r}") from None
    if not dates:
        raise argparse.ArgumentTypeError("must name at least one date, e.g. 2024-12-25")
    return dates


def _add_known_options(p, future):
    """Columns known in advance: a file of future values (forecast) or FILE's columns
    (backtest), and the calendar."""
    if future:
        p.add_argument("--future", metavar="FUT.csv", default=None,
                       help="CSV of values known in advance (planned prices, promotions, "
                            "weather forecasts) for the --horizon dates after FILE's last "
                            "one; its columns besides the date are also read from FILE")
    else:
        p.add_argument("--known", type=_feature_list, default=[],
                       help="columns of FILE known in advance, comma-separated: at each "
                            "origin their values at the forecast dates are taken from FILE")
    p.add_argument("--calendar", action="store_true",
                   help="add calendar features of the forecast dates (Fourier terms of "
                        "month, weekday and hour, as the dates' spacing suits) as inputs "
                        "known in advance")
    p.add_argument("--holidays", type=_dates, default=None,
                   help="with --calendar: holiday dates, comma-separated (a 'holiday' "
                        "input column)")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line (exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def make_parser():
    parser = _Parser(prog="rnnforecast", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    plot_help = ("plot file, png/pdf/svg/jpg... by extension (png when none; '' for none)"
                 + REPLACED)
    p = sub.add_parser("forecast", help="fit on a CSV and forecast the next values")
    _add_data_options(p)
    _add_model_options(p)
    _add_choice_options(p)
    _add_known_options(p, future=True)
    p.add_argument("--plot", default="forecast.png", help=plot_help)
    p.set_defaults(run=run_forecast, known=[])
    p = sub.add_parser("backtest", help="rolling-origin evaluation of the forecast "
                       "command's model, refitted at every origin")
    _add_data_options(p)
    _add_model_options(p, output=("", "CSV file for the backtest forecasts"),
                       interval=(None, "coverage in (0, 1) of a prediction interval at "
                                 "every origin (columns lower, upper of --output); one "
                                 "level; default none"))
    _add_choice_options(p)
    _add_known_options(p, future=False)
    p.add_argument("--folds", type=_positive_int, default=4)
    p.add_argument("--n-jobs", type=int, default=None)
    p.set_defaults(run=run_backtest, future=None)
    p = sub.add_parser("demo", help="forecast a shipped dataset (airline passengers)")
    _add_model_options(p)
    _add_choice_options(p)
    p.add_argument("--plot", default="forecast.png", help=plot_help)
    p.set_defaults(run=run_demo, date_column=None, features=[], date_format=None,
                   dayfirst=False, sep=",", decimal=".", fill="none", future=None,
                   known=[], calendar=False, holidays=None)
    return parser
