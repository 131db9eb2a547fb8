"""AutoForecaster's columns known in advance: the user's ``known`` columns and the
calendar terms of ``calendar=True``, added to the history in fit and laid out for the
forecast dates in predict (:class:`KnownColumnsMixin`).

It relies on the estimator's ``known``, ``calendar``, ``holidays`` and ``horizon``
parameters and, after fit, on ``_history`` and ``model_``.
"""

import pandas as pd

from ._calendar import calendar_features, default_cycles
from ._covariates import check_future
from ._future_index import extend_index
from ._protocol import known_layout_of

__all__ = ["KnownColumnsMixin", "calendar_cycles"]

#: Fewest years of history for the calendar's month terms.
MIN_MONTH_YEARS = 2


class KnownColumnsMixin:
    """The known columns of :class:`~._auto.AutoForecaster`; see the module docstring."""

    def _with_known(self, frame):
        """The history with the calendar columns added; ``known_columns_`` set."""
        name = type(self).__name__
        known = list(self.known) if isinstance(self.known, (list, tuple)) else None
        if known is None or any(k not in frame.columns for k in known) or \
                len(set(known)) != len(known):
            raise ValueError(
                f"The 'known' parameter of {name} must be a tuple of distinct columns of "
                f"the history, {list(frame.columns)}. Got {self.known!r} instead.")
        if frame.columns[0] in known:
            raise ValueError(
                f"The 'known' parameter of {name} must not hold the target column "
                f"{frame.columns[0]!r}: its future values are what is forecast. Got "
                f"{self.known!r}.")
        self.known_columns_ = known
        # what predict reads, kept as fitted: set_params after fit changes nothing
        self.known_, self.calendar_ = list(known), bool(self.calendar)
        if not self.calendar:
            return frame
        self.calendar_cycles_ = calendar_cycles(frame.index, self.holidays,
                                                f"{name}.fit")
        self.holidays_ = self.holidays
        calendar = self._calendar(frame.index)
        if self.holidays is not None:  # checked by the calendar: kept as dates
            self.holidays_ = pd.DatetimeIndex(pd.to_datetime(list(self.holidays)))
        clash = [c for c in calendar.columns if c in frame.columns]
        if clash:
            raise ValueError(
                f"The 'calendar' parameter of {name} adds the columns {clash}, which the "
                "history already has. Rename those columns, or drop calendar=True.")
        self.known_columns_ = known + list(calendar.columns)
        return pd.concat([frame, calendar], axis=1)

    def _calendar(self, index):
        return calendar_features(index, cycles=self.calendar_cycles_,
                                 holidays=getattr(self, "holidays_", self.holidays))

    def _fitted(self, name):
        """The fitted value of parameter ``name`` (``name_``), or the parameter itself
        for a model saved before it was kept."""
        return getattr(self, f"{name}_", getattr(self, name, None))

    def _future(self, future, freq):
        """The future values of ``known_columns_`` for the chosen model, or None.

        A model that reads only the target (naive, seasonal naive, drift) records no
        known columns and gets None once ``future`` is checked.
        """
        owner = "AutoForecaster.predict"
        known = self._fitted("known") or ()  # a model saved before them had none
        horizon = self._fitted("horizon")
        if not known:
            if future is not None:
                raise ValueError(
                    f"The 'future' parameter of {owner} is only for a model fitted with "
                    f"known=(...) columns. Got a future of values while known=(). Drop "
                    "future=..., or fit with known=(<columns>).")
            if not getattr(self, "known_columns_", None):
                return None
        index = extend_index(self._history.index, horizon, freq, owner=owner,
                             name="history")
        frame = pd.DataFrame(index=index)
        if known:
            if future is None:
                raise ValueError(
                    f"The 'future' parameter of {owner} is needed: the model was fitted "
                    f"with the columns {list(known)} known in advance. Got "
                    f"future=None. Pass their values at the next {horizon} "
                    "timestamps, a DataFrame indexed by them.")
            values = check_future(future, names=list(known), expected=index,
                                  n_known=len(known), owner=owner)
            frame = pd.DataFrame(values, index=index, columns=list(known))
        if self._fitted("calendar"):
            frame = pd.concat([frame, self._calendar(index)], axis=1)
        n_features = self._history.shape[1]
        if not known_layout_of(self.model_, n_features, 0, owner)[0]:
            return None
        return frame

    def _known_note(self):
        """'; known in advance: price, calendar (day_of_week)', or '' without them."""
        parts = list(getattr(self, "known", ()))
        if getattr(self, "calendar", False):
            cycles = ", ".join(self.calendar_cycles_ + ["holiday"] * bool(self.holidays))
            parts.append(f"calendar ({cycles}; networks only)")
        return f"; known in advance: {', '.join(map(str, parts))}" if parts else ""


def calendar_cycles(index, holidays, owner):
    """The calendar cycles of :func:`default_cycles`, without the month when the
    history spans less than ``MIN_MONTH_YEARS`` years (each month seen once or never
    would only be fitted, not learned); refused when none suits the dates and no
    ``holidays`` are given (the command checks this before training)."""
    cycles = default_cycles(index, owner)
    times = index.to_timestamp() if isinstance(index, pd.PeriodIndex) else index
    if times[-1] - times[0] < pd.Timedelta(days=365 * MIN_MONTH_YEARS):
        cycles = [c for c in cycles if c != "month"]
    if not cycles and holidays is None:
        raise ValueError(
            f"The 'calendar' parameter of {owner.split('.')[0]} adds the calendar cycles "
            f"that suit the dates, and none suits these: {len(index)} dates from "
            f"{index[0]} to {index[-1]}, spaced a year or more apart (or the month cycle "
            f"needs {MIN_MONTH_YEARS} years). Got calendar=True without holidays. Drop "
            "calendar=True, or give holidays=[...].")
    return cycles
