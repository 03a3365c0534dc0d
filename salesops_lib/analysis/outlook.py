"""The quarter ahead in one reckoning: goal, pipeline, what the pipeline usually brings.

Reports 01 (team visibility), 03 (forecasting) and 06 (pipeline health) each say something
about the quarter ahead: whether the pipeline covers the goal, what the forecast expects,
whether enough pipeline is being created. They take the same figures from
:func:`quarter_outlook`, so their sentences agree and say why they differ where they
legitimately do (a forecast also counts deals not created yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from salesops_lib import timeline
from salesops_lib.analysis import kpis
from salesops_lib.data import SalesData

TRAILING = 4
"""Complete quarters behind the win rate by value and the bookings from deals created later."""


@dataclass(frozen=True)
class Outlook:
    """The reckoning for one quarter as known on a date.

    Attributes
    ----------
    quarter
        The quarter looked at: the reported quarter while it runs, else the next one.
    as_of
        What is known.
    goal, goal_basis
        Its quota (``goal_basis == "quota"``) or, without quotas, the average bookings of
        the trailing quarters (``goal_basis`` names them).
    booked
        Bookings of the quarter so far (0 for a quarter not started).
    open_pipeline, open_deals
        Its open pipeline (:func:`salesops_lib.timeline.open_pipeline`).
    value_win_rate
        Win rate by value over the trailing complete quarters.
    from_pipeline
        ``open_pipeline × value_win_rate``: what the pipeline usually turns into.
    from_new_deals
        Average bookings, over the trailing quarters, from deals created after the same
        point of the quarter (0 once that point is past for most deals): what a pipeline
        count cannot see yet.
    quarters_used
        The trailing quarters behind the two rates.
    track_record
        The same reckoning made at the same point of each of those quarters, against what
        they booked: ``quarter, expected, actual, error`` (error = expected / actual - 1);
        empty when there is none.
    hindsight
        True when the data has no history snapshots: the track record then rebuilds past
        pipelines from today's records, which know each deal's final close date and amount,
        so it flatters the reckoning and is no track record (:attr:`typical_miss` is NaN).
    """

    quarter: str
    as_of: pd.Timestamp
    goal: float
    goal_basis: str
    booked: float
    open_pipeline: float
    open_deals: int
    value_win_rate: float
    from_pipeline: float
    from_new_deals: float
    quarters_used: list[str]
    track_record: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["quarter", "expected", "actual", "error"])
    )
    hindsight: bool = False

    @property
    def gap(self) -> float:
        """Goal minus bookings so far, when positive."""
        return max(self.goal - self.booked, 0.0)

    @property
    def expected(self) -> float:
        """Booked + from pipeline + from new deals: the simple reckoning of the quarter."""
        return self.booked + self.from_pipeline + self.from_new_deals

    @property
    def typical_miss(self) -> float:
        """Mean absolute error of the reckoning over :attr:`track_record` (NaN without one, or
        when it is :attr:`hindsight`)."""
        if self.track_record.empty or self.hindsight:
            return np.nan
        return float(self.track_record["error"].abs().mean())

    @property
    def coverage(self) -> float:
        """Open pipeline divided by the gap (NaN when the goal is met)."""
        return self.open_pipeline / self.gap if self.gap > 0 else np.nan


def outlook_quarter(data: SalesData, quarter: str, as_of: pd.Timestamp) -> str:
    """The quarter a report's outlook is about: ``quarter`` while it runs, else the next one.

    Parameters
    ----------
    data
        The data set (its calendar).
    quarter
        The reported quarter.
    as_of
        What is known; on or after the quarter's last day it has ended.

    Returns
    -------
    str
        A quarter label.
    """
    _, end = data.calendar.bounds(quarter)
    return quarter if pd.Timestamp(as_of) < end else data.calendar.shift(quarter, 1)


def quarter_outlook(
    data: SalesData, *, quarter: str, as_of: object, track_record: bool = True
) -> Outlook:
    """The reckoning of ``quarter`` as known on ``as_of`` (see :class:`Outlook`).

    Parameters
    ----------
    data
        The data set (or one team's).
    quarter
        The quarter looked at (e.g. from :func:`outlook_quarter`).
    as_of
        What is known.
    track_record
        Also make the reckoning at the same point of the trailing quarters and compare it
        with what they booked (:attr:`Outlook.track_record`).

    Returns
    -------
    Outlook

    Examples
    --------
    >>> o = quarter_outlook(data, quarter="2026Q4", as_of="2026-09-30")  # doctest: +SKIP
    >>> o.expected  # doctest: +SKIP
    """
    day = timeline.as_date(as_of)
    start, end = data.calendar.bounds(quarter)
    cov = kpis.coverage(data, quarter=quarter, as_of=day, by=None, trailing=TRAILING).iloc[0]
    pipe = timeline.open_pipeline(data, quarter=quarter, as_of=day)
    used = kpis.trailing_full_quarters(data, day, TRAILING)
    vwr = float(cov["value_win_rate"])
    return Outlook(
        quarter=quarter,
        as_of=day,
        goal=float(cov["goal"]) if pd.notna(cov["goal"]) else 0.0,
        goal_basis=str(cov["goal_basis"]),
        booked=timeline.bookings(data, start, min(day, end)) if day >= start else 0.0,
        open_pipeline=float(pipe["amount"].sum()),
        open_deals=len(pipe),
        value_win_rate=vwr,
        from_pipeline=float(pipe["amount"].sum()) * vwr if np.isfinite(vwr) else np.nan,
        from_new_deals=float(cov["from_new_deals"]) if used else np.nan,
        quarters_used=used,
        track_record=_track_record(data, used, (day - start).days)
        if track_record
        else pd.DataFrame(columns=["quarter", "expected", "actual", "error"]),
        hindsight=data.history is None or len(data.history) == 0,
    )


def _track_record(data: SalesData, quarters: list[str], offset: int) -> pd.DataFrame:
    """The reckoning made ``offset`` days into each of ``quarters``, against its bookings."""
    rows = []
    for q in quarters:
        start, end = data.calendar.bounds(q)
        then = quarter_outlook(
            data, quarter=q, as_of=start + pd.Timedelta(days=offset), track_record=False
        )
        actual = timeline.bookings(data, start, end)
        if np.isfinite(then.expected) and then.quarters_used and actual > 0:
            rows.append((q, then.expected, actual, then.expected / actual - 1))
    return pd.DataFrame(rows, columns=["quarter", "expected", "actual", "error"])
