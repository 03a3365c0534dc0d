"""Sales capacity: ramped-rep equivalents, attrition, time to fill a seat, and the hiring plan.

A rep's capacity in a month is the share of the month they are in seat times their ramp
factor (the share of a ramped rep's bookings a rep of that tenure brings). The ramp is
measured from the company's own new hires (:func:`measured_ramp`, from
:func:`~salesops_lib.analysis.reps.ramp_curve`), the productivity of a ramped-rep
equivalent from the trailing quarters' bookings (:func:`productivity`), attrition from the
trailing year's departures (:func:`attrition`) and the time to fill a seat from the
departures the data shows backfilled (:func:`backfill`). :func:`project` rolls the team
forward month by month in expectation: every rep leaves at the monthly rate, every
departure is backfilled after the time to fill a seat, every hire ramps by the measured
ramp. Quota design's capacity method (:func:`~salesops_lib.analysis.quota.weight_capacity`)
rests on the same de-seasonalised bookings per ramped quarter and the same seasonality.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from salesops_lib.analysis import quota as quota_analysis
from salesops_lib.analysis.reps import ramp_curve
from salesops_lib.data import SalesData
from salesops_lib.periods import FiscalCalendar
from salesops_lib.timeline import bookings

DAYS_PER_MONTH = quota_analysis.DAYS_PER_MONTH
MIN_RAMP_HIRES = 5
"""Fewer new hires inside the data than this: the ramp is the default schedule, not measured."""
RAMP_MONTHS = 12
"""Months of tenure the measured ramp covers; from the next month on a rep counts as ramped."""
DEFAULT_BACKFILL_DAYS = 90
"""Days to fill a seat when the data shows no departure backfilled."""
RANGE_LEVEL = 0.80
"""The level of the attrition range and of the productivity range behind the best and worst cases."""


@dataclass(frozen=True)
class Ramp:
    """The share of a ramped rep's bookings a new hire brings in each month of tenure.

    Attributes
    ----------
    shares
        Month 1, 2, ... of tenure; the last value (1.0) holds after.
    source
        ``measured`` (from the company's new hires) or ``default`` (too few hires).
    hires
        New hires inside the data the measure rests on.
    """

    shares: tuple[float, ...]
    source: str
    hires: int

    @property
    def months_to_full(self) -> int:
        """The first month of tenure at 80% of a ramped rep or more."""
        return next(i + 1 for i, s in enumerate(self.shares) if s >= 0.8)

    def factor(self, tenure_month: np.ndarray) -> np.ndarray:
        """The share for each tenure month.

        Parameters
        ----------
        tenure_month
            Months since the start: 0 is the first month; negative: not started yet.

        Returns
        -------
        ndarray
            The shares (0 before the start, the last share after the schedule).
        """
        t = np.asarray(tenure_month, dtype=int)
        s = np.asarray(self.shares)
        return np.where(t < 0, 0.0, s[np.clip(t, 0, len(s) - 1)])


def measured_ramp(data: SalesData, as_of: pd.Timestamp) -> Ramp:
    """The ramp measured from the company's new hires: bookings per hire by month of tenure.

    Each month of tenure's share is the hires' bookings per rep in that month over their
    ramp group's ramped reps' monthly average (:func:`~salesops_lib.analysis.reps.ramp_curve`,
    weighted by hires per group), smoothed over three months, never falling, and capped at
    100%; from month :data:`RAMP_MONTHS` + 1 on, a rep counts as ramped.

    Parameters
    ----------
    data
        The sales data (reps' hire dates, won deals).
    as_of
        What is known.

    Returns
    -------
    Ramp
        :data:`~salesops_lib.analysis.quota.DEFAULT_RAMP` (``source="default"``) with fewer
        than :data:`MIN_RAMP_HIRES` hires inside the data.

    Examples
    --------
    >>> measured_ramp(data, pd.Timestamp("2026-09-30")).months_to_full  # doctest: +SKIP
    7
    """
    rc = ramp_curve(data, as_of=pd.Timestamp(as_of), months=RAMP_MONTHS)
    groups, curve = rc["groups"], rc["curve"]
    assert isinstance(groups, pd.DataFrame) and isinstance(curve, pd.DataFrame)
    hires = int(groups["hires"].sum()) if len(groups) else 0
    if hires < MIN_RAMP_HIRES or not len(curve):
        return Ramp(tuple(quota_analysis.DEFAULT_RAMP), "default", hires)
    vet = curve["group"].map(groups["veteran_monthly"]).astype(float)
    c = curve.assign(
        value=curve["reps"] * curve["bookings_per_rep"], full=curve["reps"] * vet
    ).dropna(subset=["full"])
    by_month = c.groupby("tenure_month")[["value", "full"]].sum()
    share = (by_month["value"] / by_month["full"].where(by_month["full"] > 0)).fillna(0.0)
    share = share.reindex(range(RAMP_MONTHS), fill_value=np.nan).interpolate().fillna(1.0)
    smooth = share.rolling(3, center=True, min_periods=1).mean().to_numpy()
    shares = np.minimum(np.maximum.accumulate(np.clip(smooth, 0.0, None)), 1.0)
    return Ramp((*[float(round(s, 4)) for s in shares], 1.0), "measured", hires)


def has_hire_dates(data: SalesData) -> bool:
    """Whether any rep has a hire date (else seats start at the first deal, and nobody is a hire).

    Parameters
    ----------
    data
        The sales data.

    Returns
    -------
    bool
    """
    return "hire_date" in data.reps and bool(data.reps["hire_date"].notna().any())


def seats(data: SalesData, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each rep's seat as far as the data shows on ``as_of``: start, end and ramp start.

    Parameters
    ----------
    data
        The sales data.
    as_of
        What is known: an end date after it is not known yet (the rep is in seat).

    Returns
    -------
    DataFrame
        ``rep_id, team, start, end, hire_date``: ``start`` is the hire date, or without one
        the first deal's created date (:func:`~salesops_lib.analysis.quota.seat_dates`);
        ``end`` the leaving date when on or before ``as_of`` (NaT: in seat); ``hire_date``
        blank for reps who count as ramped from their start.
    """
    day = pd.Timestamp(as_of)
    sd = quota_analysis.seat_dates(data, day)
    reps = data.reps.drop_duplicates("rep_id").set_index("rep_id").reindex(sd.index)
    hire = reps["hire_date"] if "hire_date" in reps else pd.Series(pd.NaT, index=sd.index)
    end = sd["end"].where(sd["end"] <= day)
    team = reps["team"].astype("str") if "team" in reps else pd.Series("", index=sd.index)
    out = pd.DataFrame(
        {"team": team, "start": sd["start"], "end": end, "hire_date": hire.where(hire <= day)}
    )
    out = out[out["start"].notna() & (out["start"] <= day)]
    return out.rename_axis("rep_id").reset_index()


def daily_capacity(seats: pd.DataFrame, days: pd.DatetimeIndex, ramp: Ramp) -> np.ndarray:
    """Each rep's capacity on each day: in seat (1 or 0) × the ramp share of their tenure month.

    Tenure months count from the hire date as in
    :func:`~salesops_lib.analysis.quota.ramp_matrix`: the first runs from the hire date to the
    day before the same date a month later. A rep without a hire date is ramped.

    Parameters
    ----------
    seats
        :func:`seats` (``start, end, hire_date``).
    days
        The days.
    ramp
        The ramp.

    Returns
    -------
    ndarray
        Shape ``(len(seats), len(days))``.
    """
    d = days.to_numpy().astype("datetime64[D]")
    start = pd.DatetimeIndex(seats["start"]).to_numpy().astype("datetime64[D]")[:, None]
    end = pd.DatetimeIndex(seats["end"]).to_numpy().astype("datetime64[D]")[:, None]
    present = (d[None, :] >= start) & (np.isnat(end) | (d[None, :] <= end))
    hire = pd.DatetimeIndex(seats["hire_date"])
    share = np.ones((len(seats), len(d)))
    known = ~hire.isna()
    steps = len(ramp.shares) - 1
    if known.any() and steps:
        h = hire[known]
        edges = np.stack(
            [
                (h + pd.DateOffset(months=i)).to_numpy().astype("datetime64[D]")
                for i in range(1, steps + 1)
            ],
            axis=1,
        )
        month = (edges[:, :, None] <= d[None, None, :]).sum(axis=1)
        share[np.asarray(known)] = np.asarray(ramp.shares)[month]
    return present * share


def ramped_equivalents(
    data: SalesData, quarters: list[str], ramp: Ramp, *, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Ramped-rep equivalents, headcount, hires and departures per quarter, from the seats.

    Parameters
    ----------
    data
        The sales data.
    quarters
        Fiscal quarters, in order.
    ramp
        The ramp (:func:`measured_ramp`).
    as_of
        What is known (seats as :func:`seats` shows them that day).

    Returns
    -------
    DataFrame
        ``quarter, headcount`` (in seat on the quarter's last day), ``hires, departures``
        (start and leaving dates in the quarter), ``ramped_equivalents`` (the mean over the
        quarter's days of the sum of each rep's :func:`daily_capacity`).
    """
    s = seats(data, as_of)
    cal = data.calendar
    rows = []
    for q in quarters:
        start, end = cal.bounds(q)
        days = pd.date_range(start, end, freq="D")
        in_seat = (s["start"] <= end) & (s["end"].isna() | (s["end"] > end))
        rows.append(
            {
                "quarter": q,
                "headcount": int(in_seat.sum()),
                "hires": int(s["hire_date"].between(start, end).sum()),
                "departures": int(s["end"].between(start, end).sum()),
                "ramped_equivalents": float(daily_capacity(s, days, ramp).sum(axis=0).mean()),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Productivity:
    """Bookings a ramped-rep equivalent brings in a year, de-seasonalised.

    Attributes
    ----------
    per_year
        Over the trailing quarters: their bookings over the sum of each quarter's ramped-rep
        equivalents × its seasonal share of the year.
    low, high
        The :data:`RANGE_LEVEL` range of the per-quarter figures (the best and worst cases).
    by_quarter
        ``quarter, bookings, ramped_equivalents, season_share, per_year``.
    season
        Each fiscal quarter's share of a year's bookings (Q1 first).
    """

    per_year: float
    low: float
    high: float
    by_quarter: pd.DataFrame
    season: np.ndarray


def season_shares(data: SalesData, as_of: pd.Timestamp) -> np.ndarray:
    """Each fiscal quarter's share of a year's bookings, as quota design measures it.

    Parameters
    ----------
    data
        The sales data.
    as_of
        What is known.

    Returns
    -------
    ndarray
        Four shares, Q1 first, adding up to 1.
    """
    s = np.asarray(
        quota_analysis.quarter_seasonality(quota_analysis.seasonality(data, pd.Timestamp(as_of))),
        dtype=float,
    )
    return s / s.sum() if s.sum() > 0 else np.full(4, 0.25)


def productivity(
    data: SalesData, as_of: pd.Timestamp, ramp: Ramp, *, quarters: int = 4
) -> Productivity | None:
    """Bookings per ramped-rep equivalent per year over the trailing complete quarters.

    Parameters
    ----------
    data
        The sales data.
    as_of
        What is known; the quarters are the last ``quarters`` complete ones of quota
        design's history window (:func:`~salesops_lib.analysis.quota.history_window`), and
        the range comes from the last eight.
    ramp
        The ramp.
    quarters
        Quarters the figure rests on.

    Returns
    -------
    Productivity or None
        None without a complete quarter or without capacity in them.
    """
    day = pd.Timestamp(as_of)
    window = list(quota_analysis.history_window(data, day).quarters)
    if not window:
        return None
    season = season_shares(data, day)
    qs = window[-max(quarters, 8) :]
    cal = data.calendar
    frame = ramped_equivalents(data, qs, ramp, as_of=day)
    frame["bookings"] = [bookings(data, *cal.bounds(q)) for q in qs]
    frame["season_share"] = [season[int(q[-1]) - 1] for q in qs]
    weight = frame["ramped_equivalents"] * frame["season_share"]
    frame["per_year"] = frame["bookings"] / weight.where(weight > 0)
    last = frame.tail(quarters)
    w = (last["ramped_equivalents"] * last["season_share"]).sum()
    if not w > 0:
        return None
    per_year = float(last["bookings"].sum() / w)
    known = frame["per_year"].dropna()
    tail = (1 - RANGE_LEVEL) / 2
    low, high = (
        (float(known.quantile(tail)), float(known.quantile(1 - tail)))
        if len(known) >= 2
        else (per_year, per_year)
    )
    cols = ["quarter", "bookings", "ramped_equivalents", "season_share", "per_year"]
    return Productivity(
        per_year,
        min(low, per_year),
        max(high, per_year),
        frame[cols].reset_index(drop=True),
        season,
    )


@dataclass(frozen=True)
class Attrition:
    """How many reps left in the trailing year, against how many were in seat.

    Attributes
    ----------
    departures
        Reps whose leaving date falls in the year up to the as-of date.
    headcount
        The average of the year's month-end headcounts.
    rate, low, high
        Departures over headcount a year, and its :data:`RANGE_LEVEL` range (exact Poisson).
    """

    departures: int
    headcount: float
    rate: float
    low: float
    high: float

    @staticmethod
    def monthly(rate: float) -> float:
        """The monthly leaving chance that compounds to ``rate`` a year.

        Parameters
        ----------
        rate
            Attrition a year (capped at 95%).

        Returns
        -------
        float
        """
        return float(1 - (1 - min(max(rate, 0.0), 0.95)) ** (1 / 12))


def attrition(data: SalesData, as_of: pd.Timestamp, *, months: int = 12) -> Attrition | None:
    """The trailing year's attrition: departures over the average headcount.

    Parameters
    ----------
    data
        The sales data (reps' leaving dates).
    as_of
        The year's last day.
    months
        The window.

    Returns
    -------
    Attrition or None
        None when nobody was in seat in the window.
    """
    day = pd.Timestamp(as_of)
    s = seats(data, day)
    begin = day - pd.DateOffset(months=months)
    ends = pd.date_range(end=day, periods=months, freq=pd.DateOffset(months=1))
    counts = [int(((s["start"] <= e) & (s["end"].isna() | (s["end"] > e))).sum()) for e in ends]
    head = float(np.mean(counts))
    if not head > 0:
        return None
    left = s[(s["end"] > begin) & (s["end"] <= day)]
    k = len(left)
    a = 1 - RANGE_LEVEL
    low = stats.chi2.ppf(a / 2, 2 * k) / 2 if k else 0.0
    high = stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2
    years = months / 12
    return Attrition(
        k, head, k / head / years, float(low) / head / years, float(high) / head / years
    )


@dataclass(frozen=True)
class Backfill:
    """How long a seat stays empty after a rep leaves.

    Attributes
    ----------
    days
        The median days from a departure to the next hire of the same team; the default
        :data:`DEFAULT_BACKFILL_DAYS` when no departure was backfilled.
    matched
        Departures backfilled (the figure rests on them).
    still_open
        Departures no later hire of the team filled by the as-of date.
    measured
        Whether ``days`` is measured (else the default).
    """

    days: float
    matched: int
    still_open: int
    measured: bool

    @property
    def months(self) -> int:
        """The wait in whole months (at least 1), as :func:`project` uses it."""
        return max(int(round(self.days / DAYS_PER_MONTH)), 1)


def backfill_matches(data: SalesData, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each departure in the data and the next hire of the same team, matched in time order.

    Departures are taken in order of their leaving date; each takes the team's first hire on
    or after its leaving date that no earlier departure took.

    Parameters
    ----------
    data
        The sales data.
    as_of
        What is known (hires and departures after it are not seen).

    Returns
    -------
    DataFrame
        ``rep_id, team, end_date, backfill_rep_id, backfill_hire_date, days`` (the last
        three blank for a seat not filled by ``as_of``).
    """
    day = pd.Timestamp(as_of)
    return data.derived(("backfill matches", day), lambda: _backfill_matches(data, day))


def _backfill_matches(data: SalesData, day: pd.Timestamp) -> pd.DataFrame:
    """:func:`backfill_matches`, worked out: per team, departures in date order each take
    the earliest hire on or after their leaving day not taken yet (a later departure's pick
    is never earlier than an earlier one's, so one pass over the sorted hires does it)."""
    s = seats(data, day)
    gone = s[s["end"].notna() & (s["end"] >= data.first_date)].sort_values("end", kind="stable")
    hired = s[s["hire_date"].notna()].sort_values("hire_date", kind="stable")
    by_team = {t: g for t, g in hired.groupby("team", sort=False)}
    next_free: dict[object, int] = {}
    rows = []
    for dep in gone.itertuples():
        row = {"rep_id": dep.rep_id, "team": dep.team, "end_date": dep.end}
        team = by_team.get(dep.team)
        if team is not None:
            at = int(team["hire_date"].searchsorted(dep.end, side="left"))
            j = max(next_free.get(dep.team, 0), at)
            if j < len(team):
                first = team.iloc[j]
                next_free[dep.team] = j + 1
                row |= {
                    "backfill_rep_id": first["rep_id"],
                    "backfill_hire_date": first["hire_date"],
                    "days": float((first["hire_date"] - dep.end).days),
                }
        rows.append(row)
    cols = ["rep_id", "team", "end_date", "backfill_rep_id", "backfill_hire_date", "days"]
    out = pd.DataFrame(rows, columns=cols)
    out["end_date"] = pd.to_datetime(out["end_date"])
    out["backfill_hire_date"] = pd.to_datetime(out["backfill_hire_date"])
    out["days"] = out["days"].astype(float)
    return out


def backfill(data: SalesData, as_of: pd.Timestamp) -> Backfill:
    """The median days to fill a seat, over the departures the data shows backfilled.

    Parameters
    ----------
    data
        The sales data.
    as_of
        What is known.

    Returns
    -------
    Backfill
        :data:`DEFAULT_BACKFILL_DAYS` (``measured`` False) when no departure was backfilled.
    """
    m = backfill_matches(data, as_of)
    filled = m["days"].dropna()
    if not len(filled):
        return Backfill(float(DEFAULT_BACKFILL_DAYS), 0, len(m), False)
    return Backfill(float(filled.median()), len(filled), len(m) - len(filled), True)


def plan_months(as_of: pd.Timestamp, end: pd.Timestamp) -> pd.PeriodIndex:
    """The calendar months after ``as_of``'s month, up to ``end``'s month.

    Parameters
    ----------
    as_of
        The planning date.
    end
        The plan's last day.

    Returns
    -------
    PeriodIndex
        Empty when ``end`` falls in ``as_of``'s month or before.
    """
    first = pd.Timestamp(as_of).to_period("M") + 1
    return pd.period_range(first, pd.Timestamp(end).to_period("M"), freq="M")


def project(
    current: pd.DataFrame,
    months: pd.PeriodIndex,
    ramp: Ramp,
    *,
    monthly_leaving: float,
    backfill_months: int,
    hires: dict[int, float] | None = None,
) -> pd.DataFrame:
    """The team rolled forward month by month, in expectation.

    Every rep in seat leaves in a month with chance ``monthly_leaving``; each departure is
    backfilled ``backfill_months`` later by a new hire, who ramps by ``ramp`` and leaves at
    the same rate (and is backfilled in turn). ``hires`` adds reps starting on the first day
    of a month.

    Parameters
    ----------
    current
        The reps in seat: ``hire_date`` (blank: ramped).
    months
        The months (:func:`plan_months`).
    ramp
        The ramp of new hires (and of reps still ramping).
    monthly_leaving
        The chance a rep leaves in a month (:meth:`Attrition.monthly`).
    backfill_months
        Months a seat stays empty.
    hires
        Index of the month -> reps starting then (beyond backfills).

    Returns
    -------
    DataFrame
        ``month, headcount, ramped_equivalents, departures, backfills`` per month
        (expected values; headcount and capacity at the middle of the month).
    """
    n = len(months)
    h = float(monthly_leaving)
    stay = (1 - h) ** (np.arange(n) + 0.5)  # in seat at the middle of month m
    factor = quota_analysis.ramp_matrix(current["hire_date"], months, ramp.shares)
    rre = (factor * stay[None, :]).sum(axis=0)
    head = len(current) * stay
    departures = len(current) * h * (1 - h) ** np.arange(n)
    starts = np.zeros(n)
    for j, w in (hires or {}).items():
        if 0 <= j < n:
            starts[j] += w
    backfills = np.zeros(n)
    for m in range(n):
        if starts[m]:
            k = np.arange(n - m)
            alive = (1 - h) ** (k + 0.5)
            rre[m:] += starts[m] * ramp.factor(k) * alive
            head[m:] += starts[m] * alive
            departures[m:] += starts[m] * h * (1 - h) ** k
        b = m + backfill_months
        if b < n and departures[m]:
            backfills[b] += departures[m]
            starts[b] += departures[m]
    return pd.DataFrame(
        {
            "month": months.astype("str"),
            "headcount": head,
            "ramped_equivalents": rre,
            "departures": departures,
            "backfills": backfills,
        }
    )


def expected_bookings(
    monthly: pd.DataFrame, quarter_of_month: pd.Series, per_year: float, season: np.ndarray
) -> pd.DataFrame:
    """Expected bookings per quarter: productivity × seasonal share × ramped-rep equivalents.

    Parameters
    ----------
    monthly
        :func:`project`'s frame.
    quarter_of_month
        The fiscal quarter of each of its months, in order.
    per_year
        Bookings per ramped-rep equivalent a year (:class:`Productivity`).
    season
        The fiscal quarters' shares of a year.

    Returns
    -------
    DataFrame
        ``quarter, headcount`` (at the quarter's last month), ``ramped_equivalents`` (the
        months' mean), ``expected_bookings``.
    """
    m = monthly.assign(quarter=quarter_of_month.to_numpy())
    g = m.groupby("quarter", sort=False)
    out = pd.DataFrame(
        {
            "headcount": g["headcount"].last(),
            "ramped_equivalents": g["ramped_equivalents"].mean(),
        }
    ).reset_index()
    share = np.array([season[int(q[-1]) - 1] for q in out["quarter"]])
    out["expected_bookings"] = per_year * share * out["ramped_equivalents"]
    return out


def hires_needed(gap: float, per_hire: float) -> int:
    """Whole hires that close ``gap`` when each brings ``per_hire``.

    Parameters
    ----------
    gap
        Bookings short of the target.
    per_hire
        Bookings one hire brings in the plan period.

    Returns
    -------
    int
        0 without a gap; -1 when a hire brings nothing in the period (no number of hires
        closes the gap).

    Examples
    --------
    >>> hires_needed(1_000_000, 300_000)
    4
    >>> hires_needed(-5, 300_000)
    0
    """
    if not gap > 0:
        return 0
    if not per_hire > 0:
        return -1
    return int(math.ceil(gap / per_hire - 1e-9))


CASES = ("best", "base", "worst")
"""The plan's cases: attrition and productivity at the good end of their ranges, as measured,
and at the bad end."""


@dataclass(frozen=True)
class CapacityPlan:
    """The team's capacity over a plan period against a target, and the hires that close the gap.

    Attributes
    ----------
    as_of
        The planning date.
    ramp, productivity, attrition, backfill
        What the plan rests on.
    in_seat
        Reps in seat on ``as_of``.
    quarters
        Per quarter from ``as_of`` to the plan's end: ``quarter, in_plan, headcount,
        ramped_equivalents`` (base case) and ``expected_<case>`` for each of :data:`CASES`.
    expected
        Case -> expected bookings over the plan's quarters.
    target
        The plan period's target (None: none).
    earliest_start
        The first day of the first month a hire asked for on ``as_of`` can start: ``as_of``
        plus the time to fill a seat.
    per_hire
        Case -> bookings one hire starting on ``earliest_start`` brings in the plan period
        (with the hire's own ramp, leaving and backfill).
    hires
        Case -> hires starting on ``earliest_start`` that close the gap (0: none needed;
        -1: no hire can).
    by_start
        Per month a hire could start in (quarter starts from ``earliest_start`` on):
        ``start, per_hire, hires`` (base case; empty without a target).
    """

    as_of: pd.Timestamp
    ramp: Ramp
    productivity: Productivity
    attrition: Attrition
    backfill: Backfill
    in_seat: int
    quarters: pd.DataFrame
    expected: dict[str, float]
    target: float | None
    earliest_start: pd.Timestamp | None
    per_hire: dict[str, float]
    hires: dict[str, int]
    by_start: pd.DataFrame

    def gap(self, case: str = "base") -> float:
        """The target less the case's expected bookings.

        Parameters
        ----------
        case
            One of :data:`CASES`.

        Returns
        -------
        float
            NaN without a target; negative when capacity exceeds it.
        """
        return float("nan") if self.target is None else float(self.target - self.expected[case])


def case_values(att: Attrition, prod: Productivity) -> dict[str, tuple[float, float]]:
    """Each case's attrition a year and bookings per ramped-rep equivalent a year.

    Parameters
    ----------
    att
        The trailing year's attrition (its range gives the best and worst cases).
    prod
        The productivity (its range gives the best and worst cases).

    Returns
    -------
    dict
        Case (one of :data:`CASES`) -> ``(attrition, per_year)``.
    """
    return {
        "best": (att.low, prod.high),
        "base": (att.rate, prod.per_year),
        "worst": (att.high, prod.low),
    }


def plan_capacity(
    data: SalesData,
    as_of: pd.Timestamp,
    plan_quarters: tuple[str, ...] | list[str],
    *,
    target: float | None,
) -> CapacityPlan | None:
    """The capacity plan made on ``as_of`` for ``plan_quarters``, from the data known then.

    Parameters
    ----------
    data
        The sales data.
    as_of
        The planning date: hires, departures and bookings after it are not seen.
    plan_quarters
        The quarters the target covers (after ``as_of``).
    target
        Their bookings target (None: the plan shows capacity without a gap).

    Returns
    -------
    CapacityPlan or None
        None when the data cannot carry a plan: no complete quarter of bookings, nobody in
        seat, or a plan period ending before ``as_of``.

    Examples
    --------
    >>> plan = plan_capacity(data, pd.Timestamp("2026-09-30"), ["2027Q1", "2027Q2", "2027Q3", "2027Q4"], target=4.2e7)  # doctest: +SKIP
    >>> plan.hires["base"]  # doctest: +SKIP
    6
    """
    day = pd.Timestamp(as_of)
    cal = data.calendar
    end = cal.bounds(plan_quarters[-1])[1]
    months = plan_months(day, end)
    if not len(months):
        return None
    ramp = measured_ramp(data, day)
    prod = productivity(data, day, ramp)
    att = attrition(data, day)
    if prod is None or att is None:
        return None
    fill = backfill(data, day)
    s = seats(data, day)
    current = s[s["end"].isna()]
    if not len(current):
        return None
    roll = _Roll(
        current,
        months,
        ramp,
        att,
        prod,
        fill,
        pd.Series([cal.quarter_of(m.start_time) for m in months]),
        frozenset(plan_quarters),
    )
    base = roll.run("base")
    frame = base[["quarter", "headcount", "ramped_equivalents"]].copy()
    frame.insert(1, "in_plan", frame["quarter"].isin(roll.in_plan))
    expected = {}
    for case in CASES:
        q = base if case == "base" else roll.run(case)
        frame[f"expected_{case}"] = q["expected_bookings"].to_numpy()
        expected[case] = roll.in_plan_year(q)
    ready = (day + pd.Timedelta(days=fill.days)).normalize()
    starts = [i for i, m in enumerate(months) if m.start_time >= ready]
    first = starts[0] if starts else None
    gap = {c: (float("nan") if target is None else target - expected[c]) for c in CASES}
    bring = (
        {c: roll.in_plan_year(roll.run(c, {first: 1.0})) - expected[c] for c in CASES}
        if first is not None
        else {}
    )
    hires = {c: hires_needed(gap[c], bring[c]) for c in bring} if target is not None else {}
    rows = (
        _start_rows(roll, starts, plan_quarters[-1], gap["base"], expected["base"], cal)
        if target is not None
        else pd.DataFrame(columns=["start", "per_hire", "hires"])
    )
    return CapacityPlan(
        as_of=day,
        ramp=ramp,
        productivity=prod,
        attrition=att,
        backfill=fill,
        in_seat=len(current),
        quarters=frame,
        expected=expected,
        target=target,
        earliest_start=months[first].start_time if first is not None else None,
        per_hire=bring,
        hires=hires,
        by_start=rows,
    )


@dataclass(frozen=True)
class _Roll:
    """What rolling the team forward needs, for each case and set of extra hires."""

    current: pd.DataFrame
    months: pd.PeriodIndex
    ramp: Ramp
    attrition: Attrition
    productivity: Productivity
    fill: Backfill
    quarter_of: pd.Series
    in_plan: frozenset[str]

    def run(self, case: str, hires: dict[int, float] | None = None) -> pd.DataFrame:
        rate, per_year = case_values(self.attrition, self.productivity)[case]
        monthly = project(
            self.current,
            self.months,
            self.ramp,
            monthly_leaving=Attrition.monthly(rate),
            backfill_months=self.fill.months,
            hires=hires,
        )
        return expected_bookings(monthly, self.quarter_of, per_year, self.productivity.season)

    def in_plan_year(self, quarters: pd.DataFrame) -> float:
        return float(
            quarters.loc[quarters["quarter"].isin(self.in_plan), "expected_bookings"].sum()
        )


def _start_rows(
    roll: _Roll, starts: list[int], last: str, gap: float, expected: float, cal: FiscalCalendar
) -> pd.DataFrame:
    """What one hire brings (base case) by start: the earliest month, then each quarter's first."""
    rows = []
    for j in starts:
        m = roll.months[j]
        q = cal.quarter_of(m.start_time)
        if j != starts[0] and (cal.bounds(q)[0] != m.start_time or q == last):
            continue
        value = roll.in_plan_year(roll.run("base", {j: 1.0})) - expected
        rows.append({"start": m.start_time, "per_hire": value, "hires": hires_needed(gap, value)})
    return pd.DataFrame(rows, columns=["start", "per_hire", "hires"])


def backtest(data: SalesData, as_of: pd.Timestamp, quarters: list[str]) -> pd.DataFrame | None:
    """The plan made on ``as_of`` from the data known then, against what was booked.

    Parameters
    ----------
    data
        The sales data (its later quarters are the outcome).
    as_of
        The old planning date.
    quarters
        The complete quarters after it the plan covered.

    Returns
    -------
    DataFrame or None
        ``quarter, planned`` (the base case), ``with_actual_team`` (the old productivity ×
        the ramped-rep equivalents the team actually had), ``booked``, ``planned_error``
        and ``team_error`` (each over booked, less 1); None when no plan could be made then.
    """
    plan = plan_capacity(data, as_of, quarters, target=None)
    if plan is None:
        return None
    cal = data.calendar
    last = cal.bounds(quarters[-1])[1]
    actual = ramped_equivalents(data, list(quarters), plan.ramp, as_of=last)
    q = plan.quarters.set_index("quarter")
    share = np.array([plan.productivity.season[int(x[-1]) - 1] for x in quarters])
    out = pd.DataFrame(
        {
            "quarter": list(quarters),
            "planned": q.loc[list(quarters), "expected_base"].to_numpy(),
            "with_actual_team": plan.productivity.per_year
            * share
            * actual["ramped_equivalents"].to_numpy(),
            "booked": [bookings(data, *cal.bounds(x)) for x in quarters],
        }
    )
    booked = out["booked"].where(out["booked"] > 0)
    out["planned_error"] = out["planned"] / booked - 1
    out["team_error"] = out["with_actual_team"] / booked - 1
    return out
