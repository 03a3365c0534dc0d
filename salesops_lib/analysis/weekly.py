"""The forecast of a quarter as of each week: how the call moved and where it landed.

:func:`forecast_by_week` forecasts one quarter as known at the end of each of its weeks so
far, each week by the method the recommendation rule picks from the backtest of the
quarters before it (:func:`pick_at`) at the nearest backtested week
(:func:`nearest_week`), with that method's own range from its errors in the same backtest.
It reuses the backtests a report already ran (report 03 runs weeks 0, 4 and 8): no backtest
is run here, one forecast of one method per week.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from salesops_lib import timeline
from salesops_lib.analysis import forecast
from salesops_lib.data import SalesData

BLEND_PARTS = ("time_series", "pipeline", "win_model")
"""What the Blend of methods (``ensemble``) averages: run beside it when it is picked."""

WEEKLY_COLUMNS = [
    "week",
    "as_of",
    "booked",
    "method",
    "backtest_week",
    "point",
    "lo80",
    "hi80",
    "range_errors",
]
"""The columns of :func:`forecast_by_week`."""


def nearest_week(week: int, backtested: Iterable[int]) -> int:
    """The backtested week nearest ``week`` (a tie goes to the later one).

    Parameters
    ----------
    week
        A week of the quarter.
    backtested
        The weeks a backtest was run at (not empty).

    Returns
    -------
    int

    Examples
    --------
    >>> nearest_week(1, (0, 4, 8)), nearest_week(2, (0, 4, 8)), nearest_week(12, (0, 4, 8))
    (0, 4, 8)
    """
    return min(sorted(set(backtested)), key=lambda w: (abs(w - week), -w))


def before(bt: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """A backtest's rows of the quarters before ``quarter``, scored as a backtest of its own.

    A quarter's forecast may read only what was known before it: its own outcome must not
    pick its method nor shape its range. ``attrs`` carry what
    :func:`~salesops_lib.analysis.forecast.forecast_quarter` reads of a backtest: each
    method's WAPE over those rows (the blend's weights), the week and the methods whose
    backtest used hindsight.

    Parameters
    ----------
    bt
        A :func:`~salesops_lib.analysis.forecast.backtest` frame.
    quarter
        The quarter forecast (labels compare in time order: ``2026Q3``).

    Returns
    -------
    DataFrame
        A new frame; empty when no quarter before ``quarter`` was tested.
    """
    rows = bt[bt["quarter"] < quarter].copy()
    rows.attrs = {
        "wape": forecast._wapes(rows) if len(rows) else {},
        "week": bt.attrs.get("week"),
        "hindsight": tuple(bt.attrs.get("hindsight", ())),
    }
    return rows


def _only(bt: pd.DataFrame, methods: tuple[str, ...]) -> pd.DataFrame:
    """A backtest's rows of ``methods`` (what a forecast of them reads: their WAPE and errors)."""
    rows = bt[bt["method"].isin(methods)].copy()
    rows.attrs = {**bt.attrs, "wape": {m: w for m, w in bt.attrs["wape"].items() if m in methods}}
    return rows


def pick_at(bt: pd.DataFrame) -> str | None:
    """The method the recommendation rule picks from a backtest (None: too few quarters).

    Parameters
    ----------
    bt
        A backtest of the quarters before the one forecast (:func:`before`).

    Returns
    -------
    str or None
        :func:`~salesops_lib.analysis.forecast.recommend` of it.
    """
    if bt.empty:
        return None
    return forecast.recommend(bt, hindsight=tuple(bt.attrs.get("hindsight", ())))


def week_dates(
    data: SalesData, quarter: str, weeks: int, last: pd.Timestamp | None = None
) -> list[pd.Timestamp]:
    """The as-of date of each week 0 … ``weeks`` of a quarter (the last one ``last`` when given).

    Parameters
    ----------
    data
        The data set (its calendar).
    quarter
        The quarter.
    weeks
        The last week.
    last
        The as-of date of the last week (a report's own as-of date); None: the week's end.

    Returns
    -------
    list of Timestamp
        :func:`~salesops_lib.analysis.forecast.as_of_for_week` of each week.
    """
    dates = [forecast.as_of_for_week(data, quarter, w) for w in range(weeks + 1)]
    if last is not None:
        dates[-1] = pd.Timestamp(last).normalize()
    return dates


def forecast_by_week(
    data: SalesData,
    *,
    quarter: str,
    dates: Sequence[pd.Timestamp],
    backtests: Mapping[int, pd.DataFrame],
) -> pd.DataFrame:
    """The recommended forecast of ``quarter`` and its 80% range as known on each date.

    On each date (week ``w`` of the quarter, :func:`~salesops_lib.analysis.forecast.forecast_week`)
    the backtest of the nearest backtested week (:func:`nearest_week`), cut to the quarters
    before ``quarter`` (:func:`before`), picks the method (:func:`pick_at`); that method
    alone is run (the blend with its parts) by
    :func:`~salesops_lib.analysis.forecast.forecast_quarter` with that backtest, so the
    figure is the one ``forecast_quarter`` gives for that method on that date and its range
    comes from the method's errors in the quarters before (calibrated from
    :data:`~salesops_lib.analysis.forecast.CALIBRATED_ERRORS` errors on). Weeks without a
    pick are left out. Cost: one forecast of one method per date, no backtest.

    Parameters
    ----------
    data
        The data set.
    quarter
        The quarter forecast.
    dates
        The as-of dates, one per week (:func:`week_dates`).
    backtests
        Backtests by week of quarter (those a report ran; each of quarters including those
        before ``quarter``).

    Returns
    -------
    DataFrame
        :data:`WEEKLY_COLUMNS`, one row per date with a pick: ``booked`` (bookings of the
        quarter to that date), ``method`` (the library's name), ``backtest_week`` (the week
        of the backtest that picked it), ``point, lo80, hi80`` (NaN ends: no range) and
        ``range_errors`` (backtest errors behind the range; 0: the method's own range).
    """
    rows = []
    cut = {w: before(bt, quarter) for w, bt in backtests.items()}
    picks = {w: pick_at(bt) for w, bt in cut.items()}
    for day in dates:
        week = forecast.forecast_week(data, quarter, day)
        at = nearest_week(week, cut)
        method = picks[at]
        if method is None:
            continue
        methods = (*BLEND_PARTS, "ensemble") if method == "ensemble" else (method,)
        fc = forecast.forecast_quarter(
            data, quarter=quarter, as_of=day, methods=methods, backtest=_only(cut[at], methods)
        )
        mine = fc[fc["method"] == method]
        if mine.empty:
            continue
        r = mine.iloc[0]
        rows.append(
            (
                week,
                pd.Timestamp(day).normalize(),
                float(fc.attrs["booked"]),
                method,
                at,
                float(r["point"]),
                float(r["lo80"]),
                float(r["hi80"]),
                int(fc.attrs.get("range_errors", {}).get(method, 0)),
            )
        )
    return pd.DataFrame(rows, columns=WEEKLY_COLUMNS)


def outcome(data: SalesData, quarter: str, as_of: pd.Timestamp) -> float | None:
    """What a quarter closed at: its bookings, once it has ended by ``as_of`` (else None).

    Parameters
    ----------
    data
        The data set.
    quarter
        The quarter.
    as_of
        What is known.

    Returns
    -------
    float or None
    """
    start, end = data.calendar.bounds(quarter)
    if pd.Timestamp(as_of).normalize() < end:
        return None
    return timeline.bookings(data, start, end)


def quota_of(data: SalesData, quarter: str) -> float | None:
    """The quarter's quota (:func:`salesops_lib.timeline.quota_of`, the one every report uses).

    Parameters
    ----------
    data
        The data set (or one team's).
    quarter
        The quarter label (``2026Q3``).

    Returns
    -------
    float or None
    """
    return timeline.quota_of(data, quarter)


def held(weeks: pd.DataFrame, actual: float | None) -> pd.Series:
    """Whether each week's 80% range held the outcome (NA: no range, or no outcome yet).

    Parameters
    ----------
    weeks
        :func:`forecast_by_week` (``lo80, hi80``).
    actual
        The outcome (None: the quarter has not closed).

    Returns
    -------
    Series
        Nullable booleans aligned with ``weeks``.
    """
    lo, hi = weeks["lo80"].to_numpy(dtype=float), weeks["hi80"].to_numpy(dtype=float)
    ranged = np.isfinite(lo) & np.isfinite(hi)
    if actual is None:
        return pd.Series(pd.NA, index=weeks.index, dtype="boolean")
    inside = (lo <= actual) & (actual <= hi)
    return pd.Series(
        pd.array(np.where(ranged, inside, False), dtype="boolean"), index=weeks.index
    ).mask(~ranged)
