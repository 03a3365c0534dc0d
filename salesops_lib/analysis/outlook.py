"""The quarter ahead in one reckoning: goal, pipeline, what the pipeline usually brings.

Reports 01 (team visibility), 03 (forecasting) and 06 (pipeline health) each say something
about the quarter ahead: whether the pipeline covers the goal, what the forecast expects,
whether enough pipeline is being created. They take the same figures from
:func:`quarter_outlook`, so their sentences agree and say why they differ where they
legitimately do (a forecast also counts deals not created yet).
"""

from __future__ import annotations

from dataclasses import dataclass

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

    @property
    def gap(self) -> float:
        """Goal minus bookings so far, when positive."""
        return max(self.goal - self.booked, 0.0)

    @property
    def expected(self) -> float:
        """Booked + from pipeline + from new deals: the simple reckoning of the quarter."""
        return self.booked + self.from_pipeline + self.from_new_deals

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


def quarter_outlook(data: SalesData, *, quarter: str, as_of: object) -> Outlook:
    """The reckoning of ``quarter`` as known on ``as_of`` (see :class:`Outlook`).

    Parameters
    ----------
    data
        The data set (or one team's).
    quarter
        The quarter looked at (e.g. from :func:`outlook_quarter`).
    as_of
        What is known.

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
    used = _trailing_quarters(data, day)
    vwr = float(cov["value_win_rate"])
    offset = (day - start).days  # negative before the quarter starts
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
        from_new_deals=_from_new_deals(data, used, offset),
        quarters_used=used,
    )


def _trailing_quarters(data: SalesData, day: pd.Timestamp) -> list[str]:
    last = data.calendar.latest_complete_quarter(day)
    first = data.quarters()[0]
    back = [data.calendar.shift(last, -k) for k in range(TRAILING - 1, -1, -1)]
    return [q for q in back if q >= first]


def _from_new_deals(data: SalesData, quarters: list[str], offset: int) -> float:
    """Mean bookings of ``quarters`` from deals created after ``offset`` days into each."""
    if not quarters:
        return np.nan
    won = timeline.won_deals(data)
    values = []
    for q in quarters:
        start, end = data.calendar.bounds(q)
        point = start + pd.Timedelta(days=offset)
        inside = won[(won["close_date"] >= start) & (won["close_date"] <= end)]
        values.append(float(inside.loc[inside["created_date"] > point, "amount"].sum()))
    return float(np.mean(values))
