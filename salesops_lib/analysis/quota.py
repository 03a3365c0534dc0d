"""Quota design: turn a company target into quotas per rep, check they are reachable, hand them out.

The plan covers the quarters of one fiscal year (or one quarter). Every method gives each
rep in seat a *full-ramp weight* (how much the rep should carry once fully productive);
the weights become shares of the company quota, and the company quota (target ×
over-assignment) is then spread over reps and months in proportion to

    share of the rep × seasonality of the month × ramp factor of the rep in that month,

in whole cents, so the quotas add up to target × over-assignment exactly and a ramping
rep carries exactly the ramp share of what the same rep would carry fully ramped.

Methods
-------
``even``
    Every rep in seat of the same role and segment the same; each role and segment
    carries its share of the trailing four quarters' bookings.
``historical``
    The rep's own bookings per fully ramped quarter over the trailing four quarters
    (de-seasonalized), as a share of the team's; reps without a ramped quarter get the
    median of their role and segment.
``potential``
    The bookings the rep's territory would carry if each segment's trailing-four-quarter
    bookings followed its accounts' annual revenue (employees when revenue is missing),
    divided among the reps covering the territory.
``capacity``
    Ramp-adjusted headcount times productivity: every rep of a role and segment carries
    its median bookings per ramped quarter.
``blend``
    A weighted mix of the shares above (default 40% historical, 30% capacity, 20%
    potential, 10% even; a method the data cannot support drops out and the rest are
    re-weighted).

History is read on :func:`history_window`: the quarters the data holds in full, less
leading quarters far below the rest. Reps the data does not show at work
(:func:`possibly_inactive`) get no quota. Which plan is recommended, the one asked or the
reachable one, is :func:`plan_rule`'s one rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib.data import SalesData
from salesops_lib.errors import ConfigError, SalesOpsDataError
from salesops_lib.fast import positions
from salesops_lib.timeline import won_deals

DAYS_PER_MONTH = 30.4375
DEFAULT_RAMP: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
"""Share of full quota carried in the 1st, 2nd, ... month of tenure; the last value holds after."""
METHODS = ("even", "historical", "potential", "capacity", "blend")
DEFAULT_BLEND: dict[str, float] = {
    "historical": 0.4,
    "capacity": 0.3,
    "potential": 0.2,
    "even": 0.1,
}
HEALTHY_BAND = (0.55, 0.70)
"""Healthy expected share of reps at or above quota."""


# ---- the plan's calendar -------------------------------------------------------------------


@dataclass(frozen=True)
class PlanPeriod:
    """The quarters and months a quota plan covers."""

    label: str
    quarters: tuple[str, ...]
    months: pd.PeriodIndex
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def month_quarter(self) -> np.ndarray:
        """Index into :attr:`quarters` of each month."""
        return np.repeat(np.arange(len(self.quarters)), 3)


def plan_period(data: SalesData, period: int | str) -> PlanPeriod:
    """The plan period: a fiscal year (``2027``, ``"FY2027"``) or a quarter (``"2027Q1"``).

    Parameters
    ----------
    data
        The data set (its fiscal calendar).
    period
        A fiscal year (a number, or text with or without ``FY``) or a quarter label.

    Returns
    -------
    PlanPeriod
        Its label (``FY2027`` or ``2027Q1``), quarters, calendar months, first and last day.

    Raises
    ------
    ConfigError
        When ``period`` is neither.
    """
    cal = data.calendar
    text = str(period).strip().upper().removeprefix("FY")
    if text.isdigit():
        fy = int(text)
        quarters = tuple(f"{fy}Q{i}" for i in range(1, 5))
        label = f"FY{fy}"
    else:
        try:
            cal.period(text)
        except ConfigError:
            raise ConfigError(
                f"plan period {period!r} is neither a fiscal year (2027, FY2027) nor a quarter (2027Q1)"
            ) from None
        quarters = (text,)
        label = text
    start = cal.bounds(quarters[0])[0]
    end = cal.bounds(quarters[-1])[1]
    months = pd.period_range(start.to_period("M"), end.to_period("M"), freq="M")
    return PlanPeriod(label, quarters, months, start, end)


def next_fiscal_year(data: SalesData, quarter: str) -> int:
    """The fiscal year after the one containing ``quarter``.

    Parameters
    ----------
    data
        The data set (its fiscal calendar).
    quarter
        A fiscal quarter label, e.g. ``2026Q3``.

    Returns
    -------
    int
    """
    return data.calendar.fiscal_year(quarter) + 1


# ---- history the methods stand on ----------------------------------------------------------


def _won_until(data: SalesData, as_of: pd.Timestamp) -> pd.DataFrame:
    won = won_deals(data)
    return won[won["close_date"] <= as_of]


LOW_QUARTER = 0.25
"""A leading quarter whose bookings are under this share of the median of the later
quarters is left out of the history targets and productivity rest on (a CRM's first
quarter often holds only a few migrated deals)."""

INACTIVE_MONTHS = 6
"""A rep with no deal created or closed (and no activity) for this many months is possibly gone."""


def first_full_quarter(data: SalesData) -> str:
    """The first quarter the data holds in full (it does not start inside it).

    Uses ``SalesData.full_quarters()`` when the data set has it (the one rule every report
    shares); otherwise the first quarter that starts on or after the month of the data's
    first close.

    Parameters
    ----------
    data
        The sales data (its fiscal calendar and first close date).

    Returns
    -------
    str
        The quarter label (``2017Q2``).

    Examples
    --------
    >>> first_full_quarter(load_dataset("data/examples/maven_crm", preset="maven_crm"))  # doctest: +SKIP
    '2017Q2'
    """
    full = getattr(data, "full_quarters", None)
    if callable(full):
        qs = list(full())
        if qs:
            return str(qs[0])
    cal = data.calendar
    q = cal.quarter_of(data.first_date)
    if cal.bounds(q)[0] < data.first_date.to_period("M").start_time:
        q = cal.shift(q, 1)
    return q


@dataclass(frozen=True)
class HistoryWindow:
    """The complete quarters up to a planning date that targets and productivity rest on.

    Attributes
    ----------
    quarters
        The quarters used, oldest first: from the first one the data holds in full, less
        leading quarters far below the rest.
    partial
        Quarters left out because the data holds only part of them (it starts inside them).
    low
        Leading quarters left out because their bookings are under :data:`LOW_QUARTER` of
        the median of the later quarters.
    bookings
        Bookings of every complete quarter considered (used or not), by quarter.
    """

    quarters: tuple[str, ...]
    partial: tuple[str, ...]
    low: tuple[str, ...]
    bookings: pd.Series

    @property
    def left_out(self) -> tuple[str, ...]:
        """Every quarter left out, oldest first."""
        return self.partial + self.low


def history_window(data: SalesData, as_of: pd.Timestamp) -> HistoryWindow:
    """The complete quarters on ``as_of`` that targets, trailing bookings and productivity use.

    Quarters before :func:`first_full_quarter` are left out (``partial``); then, from the
    front, a quarter whose bookings are under :data:`LOW_QUARTER` of the median of the
    quarters after it (up to ``as_of``) is left out too (``low``), until one is not.

    Parameters
    ----------
    data
        The sales data.
    as_of
        The planning date; only quarters complete on it count (nothing after it is seen).

    Returns
    -------
    HistoryWindow

    Examples
    --------
    >>> history_window(data, pd.Timestamp("2026-03-31")).low  # doctest: +SKIP
    ('2024Q2',)
    """
    day = pd.Timestamp(as_of)
    return data.derived(("quota history window", day), lambda: _history_window(data, day))


def _history_window(data: SalesData, as_of: pd.Timestamp) -> HistoryWindow:
    from salesops_lib.timeline import bookings

    cal = data.calendar
    last = cal.latest_complete_quarter(as_of)
    first = data.quarters()[0]
    qs = cal.quarter_range(first, last) if last >= first else []
    values = pd.Series(
        [bookings(data, *cal.bounds(q)) for q in qs],
        index=pd.Index(qs, name="quarter"),
        dtype=float,
    )
    full = first_full_quarter(data)
    partial = [q for q in qs if q < full]
    rest = [q for q in qs if q >= full]
    low: list[str] = []
    while len(rest) > 1:
        later = values.loc[rest[1:]]
        if values.loc[rest[0]] < LOW_QUARTER * float(later.median()):
            low.append(rest.pop(0))
        else:
            break
    return HistoryWindow(tuple(rest), tuple(partial), tuple(low), values)


def history_from(data: SalesData, quarter: str) -> SalesData:
    """The data without the deals closed before ``quarter`` starts (what forecasts of a target see).

    Open deals and deals closed later are kept, so the quarterly series a forecast fits
    starts at ``quarter``.

    Parameters
    ----------
    data
        The sales data.
    quarter
        The first quarter the forecast fits (the history window's first, :func:`history_window`).

    Returns
    -------
    SalesData
        The data with those deals dropped (``data`` itself when none closed before
        ``quarter``); cached per data set and quarter.
    """

    def make() -> SalesData:
        start = data.calendar.bounds(quarter)[0]
        o = data.opportunities
        early = o["is_closed"].fillna(False).astype(bool) & (o["close_date"] < start)
        if not early.any():
            return data
        return data.replace(opportunities=o[~early.to_numpy(dtype=bool)].reset_index(drop=True))

    return data.derived(("quota history from", quarter), make)


def last_activity(data: SalesData, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each rep's first and last sign of work by ``as_of``: deals created, closed, reassigned, activities.

    Parameters
    ----------
    data
        The sales data (opportunities, reps and, when there are any, activities).
    as_of
        The day up to which work counts (nothing after it is seen).

    Returns
    -------
    DataFrame
        Index ``rep_id`` (every rep); ``deals`` (deals created by ``as_of``, or closed by it
        when the created date is blank), ``first_deal`` (the earliest created date) and
        ``last_activity`` (the latest created, closed, reassigned or activity date by
        ``as_of``; NaT: none).
    """
    day = pd.Timestamp(as_of)
    o = data.opportunities
    ids = data.reps["rep_id"]
    rep = _rep_rows(data, "opportunities")
    closed = (o["is_closed"].fillna(False).astype(bool) & (o["close_date"] <= day)).to_numpy()
    created = (o["created_date"] <= day).to_numpy()
    known = created | (o["created_date"].isna().to_numpy() & closed)
    parts = [(rep[created], o["created_date"].to_numpy()[created])]
    parts.append((rep[closed], o["close_date"].to_numpy()[closed]))
    if "reassigned_date" in o:
        moved = (o["reassigned_date"] <= day).to_numpy()
        parts.append((rep[moved], o["reassigned_date"].to_numpy()[moved]))
    act = data.activities
    if act is not None and len(act) and "activity_date" in act:
        done = (act["activity_date"] <= day).to_numpy()
        parts.append((_rep_rows(data, "activities")[done], act["activity_date"].to_numpy()[done]))
    # per rep (its row in the reps table; a repeated rep_id shares its first row's figures)
    first_row = data.derived(("rep rows", "reps"), lambda: positions(ids, ids))
    out = pd.DataFrame(index=pd.Index(ids, name="rep_id"))
    deals = np.bincount(rep[known & (rep >= 0)], minlength=len(ids))
    out["deals"] = deals[first_row].astype(int)
    out["first_deal"] = _per_rep(rep[created], o["created_date"].to_numpy()[created], "min", ids)[
        first_row
    ]
    codes = np.concatenate([r for r, _ in parts])
    dates = np.concatenate([d for _, d in parts])
    out["last_activity"] = _per_rep(codes, dates, "max", ids)[first_row]
    return out


def _rep_rows(data: SalesData, table: str) -> np.ndarray:
    """Each row's rep as a row of the reps table (-1: not there, or blank), kept with the data.

    Grouping 10M rows of text by ``rep_id`` costs seconds; by these codes, a fraction.
    """
    return data.derived(
        ("rep rows", table),
        lambda: positions(getattr(data, table)["rep_id"], data.reps["rep_id"]),
    )


def _per_rep(codes: np.ndarray, dates: np.ndarray, how: str, ids: pd.Series) -> np.ndarray:
    """The earliest or latest of ``dates`` per rep code (NaT for a rep without any)."""
    known = codes >= 0
    per = pd.Series(dates[known]).groupby(codes[known]).agg(how)
    return per.reindex(np.arange(len(ids))).to_numpy(dtype="datetime64[ns]")


def seat_dates(data: SalesData, as_of: pd.Timestamp) -> pd.DataFrame:
    """When each rep was in seat, as far as the data shows on ``as_of``.

    ``start`` is the hire date, or without one the rep's first deal's created date;
    ``end`` is the end date, or without one the rep's last activity when that is at least
    :data:`INACTIVE_MONTHS` months before ``as_of`` (a rep who stopped working without a
    leaving date in the CRM).

    Parameters
    ----------
    data
        The sales data (the reps' hire and end dates and :func:`last_activity`).
    as_of
        The day the data is read on; cached per data set and day.

    Returns
    -------
    DataFrame
        Index ``rep_id``; ``start, end`` (NaT: unknown, counted as in seat),
        ``start_inferred, end_inferred`` and the columns of :func:`last_activity`.

    Examples
    --------
    >>> seat_dates(data, pd.Timestamp("2026-05-20")).loc["Liam O'Sullivan", "end"]  # doctest: +SKIP
    Timestamp('2025-09-30 00:00:00')
    """
    day = pd.Timestamp(as_of)
    return data.derived(("quota seat dates", day), lambda: _seat_dates(data, day))


def _seat_dates(data: SalesData, as_of: pd.Timestamp) -> pd.DataFrame:
    act = last_activity(data, as_of)
    reps = data.reps.drop_duplicates("rep_id").set_index("rep_id").reindex(act.index)
    hire = reps["hire_date"] if "hire_date" in reps else pd.Series(pd.NaT, index=act.index)
    leave = reps["end_date"] if "end_date" in reps else pd.Series(pd.NaT, index=act.index)
    quiet = act["last_activity"] <= as_of - pd.DateOffset(months=INACTIVE_MONTHS)
    out = act.copy()
    out["start_inferred"] = hire.isna() & act["first_deal"].notna()
    out["start"] = hire.fillna(act["first_deal"])
    out["end_inferred"] = leave.isna() & quiet
    out["end"] = leave.where(leave.notna(), act["last_activity"].where(quiet))
    return out


def possibly_inactive(data: SalesData, as_of: pd.Timestamp) -> pd.DataFrame:
    """Reps without an end date the data does not show at work: no deal at all, or none for months.

    A rep is possibly inactive when they have no deal by ``as_of``, or no deal created or
    closed (and no activity) in the :data:`INACTIVE_MONTHS` months up to it, unless the data
    says they are in seat: a hire date in those months or later (a new hire has no deals
    yet), or a quota for the quarter of ``as_of`` or later.

    Parameters
    ----------
    data
        The sales data (reps, their deals and activities, and quotas when there are any).
    as_of
        The planning date; the :data:`INACTIVE_MONTHS` months up to it are looked at.

    Returns
    -------
    DataFrame
        ``rep_id, rep_name, reason`` (``no deals`` or ``no activity``), ``last_activity``,
        one row per such rep, by name.

    Examples
    --------
    >>> possibly_inactive(maven, pd.Timestamp("2017-12-31"))["rep_name"].tolist()  # doctest: +SKIP
    ['Carl Lin', 'Carol Thompson', 'Elizabeth Anderson', 'Mei-Mei Johns', 'Natalya Ivanova']
    """
    day = pd.Timestamp(as_of)
    seat = seat_dates(data, day)
    reps = data.reps.drop_duplicates("rep_id").set_index("rep_id").reindex(seat.index)
    since = day - pd.DateOffset(months=INACTIVE_MONTHS)
    hire = reps["hire_date"] if "hire_date" in reps else pd.Series(pd.NaT, index=seat.index)
    leave = reps["end_date"] if "end_date" in reps else pd.Series(pd.NaT, index=seat.index)
    recent_hire = hire > since
    q = data.quotas
    if q is not None and len(q):
        now = data.calendar.quarter_of(day)
        quota_ahead = set(q.loc[(q["period"] >= now) & (q["quota"] > 0), "rep_id"])
    else:
        quota_ahead = set()
    has_quota = seat.index.isin(list(quota_ahead))
    gone = leave.notna() & (leave <= day)
    no_deals = seat["deals"] == 0
    quiet = seat["last_activity"].isna() | (seat["last_activity"] <= since)
    flag = (no_deals | quiet) & ~recent_hire & ~has_quota & ~gone
    names = reps["rep_name"].fillna(pd.Series(seat.index, index=seat.index))
    out = pd.DataFrame(
        {
            "rep_id": seat.index[flag],
            "rep_name": names[flag].astype(str).to_numpy(),
            "reason": np.where(no_deals[flag], "no deals", "no activity"),
            "last_activity": seat.loc[flag, "last_activity"].to_numpy(),
        }
    )
    return out.sort_values("rep_name").reset_index(drop=True)


def complete_years(data: SalesData, as_of: pd.Timestamp, *, years: int = 3) -> list[int]:
    """The last ``years`` fiscal years that ended by ``as_of`` and lie wholly inside the data.

    Parameters
    ----------
    data
        The data set (its calendar and first close date).
    as_of
        The planning date.
    years
        How many fiscal years back, at most; the first year that starts before the month of
        the data's first close stops the list.

    Returns
    -------
    list of int
        Latest first.
    """
    cal = data.calendar
    last_q = cal.latest_complete_quarter(as_of)
    last_fy = cal.fiscal_year(last_q) if last_q.endswith("Q4") else cal.fiscal_year(last_q) - 1
    first_month = data.first_date.to_period("M").start_time
    out = []
    for fy in range(last_fy, last_fy - years, -1):
        if cal.bounds(f"{fy}Q1")[0] < first_month:
            break
        out.append(fy)
    return out


def seasonality(data: SalesData, as_of: pd.Timestamp, *, years: int = 3) -> pd.Series:
    """Share of a fiscal year's bookings in each fiscal month (1 = the year's first month).

    The average of each complete fiscal year's monthly shares over the last ``years``
    complete fiscal years before ``as_of`` (:func:`complete_years`; averaging shares keeps
    growth within the years from tilting it). With no complete year the split is even; from
    fewer than two years, or with a month's share implausible (:func:`season_blend`), it is
    blended halfway toward even; from one year the months of each quarter first share its
    bookings alike (a single year's month rests on a few deals, so only its quarters are
    read). Cached per data set and date: every method and the simulation use it.

    Parameters
    ----------
    data
        The data set (won deals closed by ``as_of``).
    as_of
        The planning date.
    years
        How many complete fiscal years to average.

    Returns
    -------
    Series
        12 shares summing to 1, indexed by ``fiscal_month`` 1-12.
    """
    return data.derived(
        ("quota seasonality", pd.Timestamp(as_of), years),
        lambda: _seasonality(data, as_of, years),
    )


def _year_shares(data: SalesData, as_of: pd.Timestamp, years: int) -> list[pd.Series]:
    """Each complete fiscal year's monthly shares of its bookings (years that booked nothing left out)."""
    cal = data.calendar
    won = _won_until(data, as_of)
    shares = []
    for fy in complete_years(data, as_of, years=years):
        start = cal.bounds(f"{fy}Q1")[0]
        end = cal.bounds(f"{fy}Q4")[1]
        inyear = won[(won["close_date"] >= start) & (won["close_date"] <= end)]
        total = inyear["amount"].sum()
        if total <= 0:
            continue
        month_no = (
            (inyear["close_date"].dt.year - start.year) * 12
            + inyear["close_date"].dt.month
            - start.month
            + 1
        )
        s = inyear.groupby(month_no)["amount"].sum().reindex(range(1, 13), fill_value=0.0)
        shares.append(s / total)
    return shares


def _seasonality(data: SalesData, as_of: pd.Timestamp, years: int) -> pd.Series:
    shares = _year_shares(data, as_of, years)
    if not shares:
        return pd.Series(np.full(12, 1 / 12), index=pd.RangeIndex(1, 13, name="fiscal_month"))
    out = pd.concat(shares, axis=1).mean(axis=1)
    out = out / out.sum()
    blend = season_blend(out, len(shares))
    if (
        blend == "one_year"
    ):  # a month of a single year rests on a few deals: months of a quarter alike
        out = out.groupby((out.index - 1) // 3).transform("sum") / 3
    if blend is not None:
        out = SEASON_BLEND * out + (1 - SEASON_BLEND) / 12
    out.index.name = "fiscal_month"
    return out / out.sum()


SEASON_MIN_YEARS = 2
"""Complete fiscal years of bookings a monthly split is taken from as it stands."""
SEASON_PLAUSIBLE = (0.4, 2.5)
"""A month's share of the year, as a multiple of an even twelfth, that reads as plausible
(3.3%-20.8%); outside it the split is blended toward even."""
SEASON_BLEND = 0.5
"""Weight of the observed monthly shares when the split is blended toward even."""


def season_blend(shares: pd.Series, years: int) -> str | None:
    """Why a monthly split is blended halfway toward an even split, or None when it is not.

    Parameters
    ----------
    shares
        12 monthly shares of the year, averaged over ``years`` complete fiscal years.
    years
        How many complete fiscal years the shares come from (0: an even split, not blended).

    Returns
    -------
    str or None
        ``one_year`` (fewer than :data:`SEASON_MIN_YEARS` years), ``implausible`` (a month
        outside :data:`SEASON_PLAUSIBLE` times an even twelfth), or None.

    Examples
    --------
    >>> season_blend(pd.Series([1 / 12] * 12), 1), season_blend(pd.Series([1 / 12] * 12), 2)
    ('one_year', None)
    """
    if years <= 0:
        return None
    if years < SEASON_MIN_YEARS:
        return "one_year"
    rel = np.asarray(shares, dtype=float) * 12
    if (rel < SEASON_PLAUSIBLE[0]).any() or (rel > SEASON_PLAUSIBLE[1]).any():
        return "implausible"
    return None


def season_blend_reason(data: SalesData, as_of: pd.Timestamp, *, years: int = 3) -> str | None:
    """Why :func:`seasonality` blended the monthly split toward even (None: it did not).

    Parameters
    ----------
    data
        The data set.
    as_of
        The planning date.
    years
        How many complete fiscal years :func:`seasonality` averages.

    Returns
    -------
    str or None
        A code of :func:`season_blend`.
    """
    shares = _year_shares(data, as_of, years)
    if not shares:
        return None
    mean = pd.concat(shares, axis=1).mean(axis=1)
    return season_blend(mean / mean.sum(), len(shares))


def quarter_seasonality(season: pd.Series) -> np.ndarray:
    """Share of the year in each fiscal quarter, from monthly shares.

    Parameters
    ----------
    season
        The 12 monthly shares of :func:`seasonality`, in fiscal order.

    Returns
    -------
    numpy.ndarray
        4 shares, fiscal Q1 first.

    Examples
    --------
    >>> quarter_seasonality(pd.Series([1 / 12] * 12)).round(2).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    return season.to_numpy().reshape(4, 3).sum(axis=1)


def in_seat(data: SalesData, as_of: pd.Timestamp, plan: PlanPeriod) -> pd.DataFrame:
    """Reps hired on or before ``as_of`` and not known to leave before the plan starts.

    A plan made on ``as_of`` does not know the reps hired after it: a rep whose hire date
    is later (as the data shows it today) gets no quota, and the plan's seats are the ones
    filled that day. A rep hired on or before ``as_of`` gets a ramped quota from the hire
    date (:func:`ramp_matrix`). Reps the data does not show at work
    (:func:`possibly_inactive`: no deal at all, or none for six months, and no recent hire
    date or current quota) are left out.

    Parameters
    ----------
    data
        The sales data (its reps table with ``hire_date`` and ``end_date``).
    as_of
        The planning date.
    plan
        The plan period (:func:`plan_period`): reps leaving by its start (or by ``as_of``
        when later) are left out.

    Returns
    -------
    DataFrame
        The rows of the reps table of the reps in seat.

    Raises
    ------
    SalesOpsDataError
        When nobody is in seat: there is no one to give a quota.
    """
    reps = data.reps
    hired = reps["hire_date"].isna() | (reps["hire_date"] <= as_of)
    staying = reps["end_date"].isna() | (reps["end_date"] > max(as_of, plan.start))
    away = reps["rep_id"].isin(possibly_inactive(data, as_of)["rep_id"])
    out = reps[hired & staying & ~away].copy()
    if out.empty:
        raise SalesOpsDataError(
            f"reps: nobody is in seat on {as_of:%Y-%m-%d}; no one to give a quota"
        )
    return out.reset_index(drop=True)


def ramp_matrix(
    hire_dates: pd.Series, months: pd.PeriodIndex, ramp: Sequence[float] = DEFAULT_RAMP
) -> np.ndarray:
    """Ramp factor of each rep (rows) in each calendar month (columns), from the hire date.

    Tenure counts from the hire date itself: the first month of tenure runs from the hire
    date to the day before the same date a month later (a hire on 31 January starts the
    second month on 28 February), and gets ``ramp[0]``; the second gets ``ramp[1]``, and so
    on; from the last month of the schedule on, ``ramp[-1]``. A calendar month's factor is
    the average over its days of the factor each day falls in, 0 before the hire date, so
    a rep hired on the last day of a month is not counted as having worked all of it. A
    blank hire date means fully ramped.

    Parameters
    ----------
    hire_dates
        One hire date per rep (blank: fully ramped).
    months
        The calendar months of the plan.
    ramp
        Share of full quota in each month of tenure; the last value holds after.

    Returns
    -------
    ndarray
        Shape ``(len(hire_dates), len(months))``, values from 0 to 1.

    Examples
    --------
    >>> months = pd.period_range("2026-01", "2026-03", freq="M")
    >>> ramp_matrix(pd.Series(pd.to_datetime(["2026-01-01", None])), months, (0.0, 1.0)).tolist()
    [[0.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    sched = np.asarray(ramp, dtype=float)
    hire = pd.DatetimeIndex(pd.to_datetime(pd.Series(hire_dates).reset_index(drop=True)))
    day = np.timedelta64(1, "D")
    first = months.start_time.to_numpy().astype("datetime64[D]")
    after = (months.end_time.normalize() + pd.Timedelta(days=1)).to_numpy().astype("datetime64[D]")
    length = ((after - first) / day).astype(float)
    known = ~hire.isna()
    out = np.ones((len(hire), len(months)))
    if not known.any():
        return out
    h = hire[known]
    # edges[k] = the first day of tenure month k + 1 (k = 0 .. len(sched) - 1)
    edges = np.stack(
        [
            (h + pd.DateOffset(months=k)).to_numpy().astype("datetime64[D]")
            for k in range(len(sched))
        ],
        axis=1,
    )
    factor = np.zeros((len(h), len(months)))
    for k in range(len(sched)):
        lo = edges[:, k][:, None]
        hi = edges[:, k + 1][:, None] if k + 1 < len(sched) else None
        start = np.maximum(lo, first[None, :])
        stop = after[None, :] if hi is None else np.minimum(hi, after[None, :])
        days = np.clip((stop - start) / day, 0, None)
        factor += sched[k] * days
    out[np.asarray(known)] = factor / length[None, :]
    return out


MEASURED_RAMP = "measured"
"""The ``ramp`` that asks for the ramp measured from the company's own hires."""


def plan_ramp(
    data: SalesData, as_of: pd.Timestamp, method: str, ramp: Sequence[float] | str | None
) -> tuple[float, ...]:
    """The ramp a plan uses: as given, or the one capacity planning measures.

    The capacity method, without a ramp given, and any method with ``ramp="measured"``, use
    the ramp report 10 measures from the company's own hires
    (:func:`salesops_lib.analysis.capacity.measured_ramp` on ``as_of``), so quota design's
    capacity and the capacity plan rest on the same numbers; without hire dates, or given a
    schedule, it is :func:`check_ramp`'s.

    Parameters
    ----------
    data
        The sales data.
    as_of
        The planning date (the ramp is measured from the hires known then).
    method
        The quota method.
    ramp
        A schedule, ``"measured"``, or None / blank (the method's default).

    Returns
    -------
    tuple of float
        Shares from 0 to 1 by month of tenure, the last one 1.0.
    """
    text = ramp.strip().lower() if isinstance(ramp, str) else None
    measured = text == MEASURED_RAMP or (method == "capacity" and (ramp is None or text == ""))
    if not measured:
        return check_ramp(ramp)
    from salesops_lib.analysis.capacity import has_hire_dates, measured_ramp

    if not has_hire_dates(data):
        return DEFAULT_RAMP
    shares = measured_ramp(data, as_of).shares
    return tuple(float(min(max(v, 0.0), 1.0)) for v in shares[:-1]) + (1.0,)


def check_ramp(ramp: Sequence[float] | str | None) -> tuple[float, ...]:
    """A ramp schedule from a list or text like ``"0/25/50/75/100"`` (percent or 0-1).

    Parameters
    ----------
    ramp
        Shares of full quota by month of tenure: a list, or text separated by ``/`` or
        ``,``; values above 1 are read as percent. None or blank: :data:`DEFAULT_RAMP`.

    Returns
    -------
    tuple of float
        Shares from 0 to 1, the last one 1.0.

    Raises
    ------
    ConfigError
        When the schedule is empty, has values outside 0-100%, or does not end at 100%.

    Examples
    --------
    >>> check_ramp("0/50/100")
    (0.0, 0.5, 1.0)
    """
    if ramp is None or (isinstance(ramp, str) and not ramp.strip()):
        return DEFAULT_RAMP
    if isinstance(ramp, str):
        try:
            vals = [float(v) for v in ramp.replace(",", "/").split("/") if v.strip()]
        except ValueError:
            raise ConfigError(f"ramp {ramp!r}: write it like 0/25/50/75/100") from None
    else:
        vals = [float(v) for v in ramp]
    if not vals:
        raise ConfigError("ramp: the schedule is empty; write it like 0/25/50/75/100")
    if max(vals) > 1.0:
        vals = [v / 100 for v in vals]
    if min(vals) < 0 or max(vals) > 1.0 or not np.isfinite(vals).all():
        raise ConfigError(f"ramp {ramp!r}: each month's share must be between 0% and 100%")
    if vals[-1] != 1.0:
        raise ConfigError(f"ramp {ramp!r}: the schedule must end at 100% (fully ramped)")
    return tuple(vals)


def ramped_quarter_bookings(
    data: SalesData,
    as_of: pd.Timestamp,
    *,
    quarters: int = 4,
    ramp_months: int = len(DEFAULT_RAMP) - 1,
) -> pd.DataFrame:
    """De-seasonalized bookings of every rep in every fully ramped quarter of a trailing window.

    A quarter counts for a rep when the rep was employed all of it and had finished
    ramping (``ramp_months`` months of tenure) by its first day. Bookings are divided by the
    quarter's seasonal index (its share of the year × 4) so quarters compare.

    Parameters
    ----------
    data
        The sales data.
    as_of
        The planning date; the window ends with the last quarter complete on it.
    quarters
        Quarters in the window.
    ramp_months
        Months of tenure after which a rep counts as ramped (a rep without a hire date
        always does).

    Returns
    -------
    DataFrame
        ``rep_id, quarter, bookings`` (one row per rep and ramped quarter). Cached per data
        set and arguments: the methods and the simulation share it.
    """
    key = ("ramped quarters", pd.Timestamp(as_of), quarters, ramp_months)
    return data.derived(key, lambda: _ramped_quarter_bookings(data, as_of, quarters, ramp_months))


def _ramped_quarter_bookings(
    data: SalesData, as_of: pd.Timestamp, quarters: int, ramp_months: int
) -> pd.DataFrame:
    cal = data.calendar
    window = history_window(data, as_of)
    qs = list(window.quarters[-quarters:]) if quarters > 0 else []
    qidx = quarter_seasonality(seasonality(data, as_of)) * 4
    won = _won_until(data, as_of)
    seat = seat_dates(data, as_of)
    reps = data.reps.drop_duplicates("rep_id").set_index("rep_id")
    hire = reps["hire_date"]
    ramped_at = hire + pd.to_timedelta(ramp_months * DAYS_PER_MONTH, unit="D")
    # without a hire date the rep counts from the first quarter after their first deal;
    # a rep with neither has no quarter the data shows them in
    first = seat["start"].reindex(reps.index)
    inferred = seat["start_inferred"].reindex(reps.index).fillna(False).astype(bool)
    unknown = first.isna()
    end_at = seat["end"].reindex(reps.index)
    rows = [
        pd.DataFrame(
            {
                "rep_id": pd.Series([], dtype="str"),
                "quarter": pd.Series([], dtype="str"),
                "bookings": pd.Series([], dtype=float),
            }
        )
    ]
    for q in qs:
        start, end = cal.bounds(q)
        fq = int(q[-1]) - 1
        inq = won[(won["close_date"] >= start) & (won["close_date"] <= end)]
        by_rep = inq.groupby("rep_id")["amount"].sum()
        began = np.where(inferred, first < start, ramped_at <= start) & ~unknown
        ok = pd.Series(began, index=reps.index) & (end_at.isna() | (end_at > end))
        eligible = reps.index[ok.to_numpy()]
        vals = by_rep.reindex(eligible, fill_value=0.0) / max(qidx[fq], 1e-9)
        rows.append(pd.DataFrame({"rep_id": eligible, "quarter": q, "bookings": vals.to_numpy()}))
    return pd.concat(rows, ignore_index=True)


def rep_productivity(
    data: SalesData,
    as_of: pd.Timestamp,
    *,
    quarters: int = 4,
    ramp_months: int = len(DEFAULT_RAMP) - 1,
) -> pd.DataFrame:
    """Each rep's de-seasonalized bookings per fully ramped quarter over trailing quarters.

    Parameters
    ----------
    data
        The sales data.
    as_of
        The planning date.
    quarters, ramp_months
        As for :func:`ramped_quarter_bookings`.

    Returns
    -------
    DataFrame
        Index ``rep_id`` (every rep); ``ramped_quarters``, ``per_quarter`` (mean; NaN
        without a ramped quarter), ``cv`` (coefficient of variation across the rep's
        quarters).
    """
    per = ramped_quarter_bookings(data, as_of, quarters=quarters, ramp_months=ramp_months)
    g = per.groupby("rep_id")["bookings"]
    out = pd.DataFrame({"ramped_quarters": g.size(), "per_quarter": g.mean(), "sd": g.std(ddof=1)})
    out = out.reindex(data.reps["rep_id"])
    out["ramped_quarters"] = out["ramped_quarters"].fillna(0).astype(int)
    out["cv"] = out["sd"] / out["per_quarter"].where(out["per_quarter"] > 0)
    return out.drop(columns="sd")


def productivity_growth(data: SalesData, as_of: pd.Timestamp, *, quarters: int = 8) -> float:
    """Yearly growth of bookings per ramped rep-quarter (log-linear trend, -20% to +30%).

    0 with fewer than eight quarters of ramped reps (a shorter trend is mostly noise).

    Parameters
    ----------
    data
        The sales data.
    as_of
        The planning date.
    quarters
        Trailing quarters the trend is fitted on.

    Returns
    -------
    float
        0.1 = 10% a year.
    """
    per = ramped_quarter_bookings(data, as_of, quarters=quarters)
    mean = per.groupby("quarter")["bookings"].mean().sort_index()
    mean = mean[mean > 0]
    if len(mean) < 8:
        return 0.0
    slope = np.polyfit(np.arange(len(mean)), np.log(mean.to_numpy()), 1)[0]
    return float(np.clip(np.exp(4 * slope) - 1, -0.2, 0.3))


def _role_of(reps: pd.DataFrame) -> pd.Series:
    """The peers a rep is compared with: role and segment (:func:`peer_group`), else team."""
    if any(c in reps and reps[c].notna().any() for c in ("role", "segment")):
        return peer_group(reps)
    if "team" in reps and reps["team"].notna().any():
        return reps["team"].fillna("(none)").astype(str)
    return pd.Series("All reps", index=reps.index)


def _role_median(values: pd.Series, role: pd.Series) -> pd.Series:
    """Each rep's value, or the median of the role (then of everyone) when missing."""
    med = values.groupby(role).median()
    filled = values.fillna(role.map(med))
    overall = values.median()
    return filled.fillna(overall if pd.notna(overall) else 1.0)


# ---- methods: full-ramp weights -------------------------------------------------------------


def peer_group(reps: pd.DataFrame) -> pd.Series:
    """Each rep's role and segment (``Commercial AE · SMB``): reps who do the same job.

    Role alone, or segment alone, when the other is blank for everyone; ``All reps``
    without either.

    Parameters
    ----------
    reps
        One row per rep, with ``role`` and ``segment`` when known (a blank one reads ``(none)``).

    Returns
    -------
    Series
        The group's name per rep, on ``reps``' index.
    """
    parts = [
        reps[c].fillna("(none)").astype(str)
        for c in ("role", "segment")
        if c in reps and reps[c].notna().any()
    ]
    if not parts:
        return pd.Series("All reps", index=reps.index)
    out = parts[0]
    for p in parts[1:]:
        out = out + " · " + p
    return out


def weight_even(data: SalesData, reps: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Equal within each role and segment; each carries its share of trailing bookings.

    Every rep in seat of a role and segment (:func:`peer_group`) weighs the same: that
    group's bookings over the last four quarters of the history window divided by its reps
    in seat. An SMB rep and an Enterprise AE do not carry the same quota. A group without
    bookings in the window weighs the median of the other groups' reps.

    Parameters
    ----------
    data
        The sales data (won deals; every rep's role and segment).
    reps
        The reps in seat (:func:`in_seat`).
    as_of
        The planning date (:func:`trailing_bookings` on it sets the window).

    Returns
    -------
    Series
        Each rep's full-ramp weight, indexed by ``rep_id``, named ``even``; 1.0 for everyone
        when the window has no quarters or no group booked anything.
    """
    group = pd.Series(peer_group(reps).to_numpy(), index=reps["rep_id"])
    qs = trailing_bookings(data, as_of).index
    cal = data.calendar
    w = pd.Series(1.0, index=reps["rep_id"], name="even")
    if not len(qs):
        return w
    start, end = cal.bounds(qs[0])[0], cal.bounds(qs[-1])[1]
    won = _won_until(data, end)
    won = won[won["close_date"] >= start]
    everyone = data.reps.drop_duplicates("rep_id").set_index("rep_id")
    everyone_group = pd.Series(peer_group(everyone).to_numpy(), index=everyone.index)
    booked = won.groupby(won["rep_id"].map(everyone_group))["amount"].sum()
    per_rep = booked.reindex(group.unique()).fillna(0.0) / group.value_counts()
    if not (per_rep > 0).any():
        return w
    per_rep = per_rep.where(per_rep > 0, float(per_rep[per_rep > 0].median()))
    return group.map(per_rep).astype(float).rename("even")


def weight_historical(data: SalesData, reps: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Trailing-four-quarter bookings per ramped quarter; reps without one get the role median.

    Parameters
    ----------
    data
        The sales data.
    reps
        The reps in seat (:func:`in_seat`): ``rep_id`` and ``role`` (else ``segment``, else
        ``team``).
    as_of
        The planning date: only deals closed by it count.

    Returns
    -------
    Series
        ``historical`` per ``rep_id``: de-seasonalized bookings per ramped quarter × 4 (a
        year's bookings).

    Raises
    ------
    SalesOpsDataError
        When no rep booked anything in the trailing four quarters.
    """
    prod = rep_productivity(data, as_of, quarters=4)["per_quarter"].reindex(reps["rep_id"])
    role = pd.Series(_role_of(reps).to_numpy(), index=reps["rep_id"])
    w = _role_median(prod, role).clip(lower=0.0)
    if not (w > 0).any():
        raise SalesOpsDataError("historical: no rep booked anything in the trailing four quarters")
    return (w * 4).rename("historical")


def weight_capacity(data: SalesData, reps: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """The role's median bookings per ramped quarter (× 4) for every rep of the role.

    A role without a ramped rep gets the median of everyone; when no rep at all has a
    ramped quarter, every rep weighs the same (4.0, as :func:`weight_even` scaled).

    Parameters
    ----------
    data
        The sales data.
    reps
        The reps in seat (:func:`in_seat`): ``rep_id`` and ``role`` (else ``segment``, else
        ``team``).
    as_of
        The planning date: only deals closed by it count.

    Returns
    -------
    Series
        ``capacity`` per ``rep_id``, in bookings a year.

    Raises
    ------
    SalesOpsDataError
        When every rep's weight is zero (the ramped reps booked nothing).
    """
    prod = rep_productivity(data, as_of, quarters=4)["per_quarter"].reindex(reps["rep_id"])
    role = pd.Series(_role_of(reps).to_numpy(), index=reps["rep_id"])
    w = _role_median(pd.Series(np.nan, index=prod.index), role) if prod.isna().all() else None
    if w is None:
        med = prod.groupby(role).median()
        w = role.map(med).fillna(prod.median())
    if not (w > 0).any():
        raise SalesOpsDataError("capacity: no role has a rep with a ramped quarter of bookings")
    return (w.clip(lower=0.0) * 4).rename("capacity")


def weight_potential(data: SalesData, reps: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Territory potential: each segment's trailing-year bookings spread over its accounts by size.

    Account size is annual revenue (employees when revenue is mostly blank). A rep's
    potential is the sum over the accounts of the rep's territory (``territory`` in both
    tables), or, without territories, over the accounts whose latest deal the rep owned,
    divided among the reps in seat who cover it.

    Parameters
    ----------
    data
        The sales data (``accounts``: ``account_id, segment, annual_revenue`` or
        ``employees``, ``territory``; won deals' ``account_id``).
    reps
        The reps in seat (:func:`in_seat`): ``rep_id`` and ``territory`` when present.
    as_of
        The planning date: the four quarters up to the last complete one count.

    Returns
    -------
    Series
        ``potential`` per ``rep_id``, in bookings a year.

    Raises
    ------
    SalesOpsDataError
        Without an accounts table or any usable account size, or when no rep in seat covers
        an account with potential.
    """
    acc = data.accounts
    if acc is None or acc.empty:
        raise SalesOpsDataError(
            "potential: the data has no accounts table to measure territory potential"
        )
    size_col = next(
        (c for c in ("annual_revenue", "employees") if c in acc and acc[c].notna().mean() > 0.5),
        None,
    )
    if size_col is None:
        raise SalesOpsDataError(
            "potential: accounts have neither annual_revenue nor employees filled in for most rows"
        )
    acc = acc.copy()
    acc["size"] = acc[size_col].clip(lower=0).fillna(acc[size_col].median())
    acc["segment"] = acc["segment"].fillna("(none)").astype(str) if "segment" in acc else "(all)"
    cal = data.calendar
    last = cal.latest_complete_quarter(as_of)
    start = cal.bounds(cal.shift(last, -3))[0]
    end = cal.bounds(last)[1]
    won = _won_until(data, end)
    won = won[won["close_date"] >= start]
    seg_bookings = (
        won.merge(acc[["account_id", "segment"]], on="account_id", how="inner")
        .groupby("segment")["amount"]
        .sum()
    )
    seg_size = acc.groupby("segment")["size"].sum()
    acc["potential"] = (
        acc["size"] / acc["segment"].map(seg_size) * acc["segment"].map(seg_bookings).fillna(0.0)
    )

    rep_ids = reps["rep_id"]
    if (
        "territory" in reps
        and "territory" in acc
        and reps["territory"].notna().any()
        and acc["territory"].notna().any()
    ):
        terr = acc.groupby("territory")["potential"].sum()
        cover = reps["territory"].value_counts()
        w = reps["territory"].map(terr).fillna(0.0) / reps["territory"].map(cover).fillna(1.0)
        w.index = rep_ids
    else:
        o = data.opportunities
        o = o[o["created_date"] <= as_of].sort_values("created_date")
        owner = o.dropna(subset=["account_id"]).groupby("account_id")["rep_id"].last()
        acc["owner"] = acc["account_id"].map(owner)
        w = acc.groupby("owner")["potential"].sum().reindex(rep_ids).fillna(0.0)
    if not (w > 0).any():
        raise SalesOpsDataError(
            "potential: no rep in seat covers an account with bookings potential"
        )
    return w.rename("potential").astype(float)


_WEIGHTS = {
    "even": weight_even,
    "historical": weight_historical,
    "potential": weight_potential,
    "capacity": weight_capacity,
}


def method_shares(
    data: SalesData, reps: pd.DataFrame, as_of: pd.Timestamp
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Each method's full-ramp weight and share per rep, and why a method could not be used.

    Parameters
    ----------
    data
        The sales data.
    reps
        The reps in seat (:func:`in_seat`): ``rep_id`` and ``role`` (else ``segment``, else
        ``team``).
    as_of
        The planning date: only deals closed by it count.

    Returns
    -------
    (DataFrame, dict)
        Index ``rep_id``; ``<method>_basis`` (the weight, in bookings a year where the
        method measures bookings) and ``<method>_share`` for each usable method; and the
        reason each unusable method was left out.
    """
    out = pd.DataFrame(index=pd.Index(reps["rep_id"], name="rep_id"))
    skipped: dict[str, str] = {}
    for name, fn in _WEIGHTS.items():
        try:
            w = fn(data, reps, as_of).reindex(out.index).fillna(0.0)
        except SalesOpsDataError as exc:
            skipped[name] = str(exc)
            continue
        out[f"{name}_basis"] = w
        out[f"{name}_share"] = w / w.sum()
    return out, skipped


# ---- allocation ----------------------------------------------------------------------------


def allocate_cents(total: float, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into whole cents in proportion to ``weights`` (largest remainder).

    The parts add up to ``round(total, 2)`` exactly.

    Parameters
    ----------
    total
        The amount to split.
    weights
        Non-negative weights, any shape.

    Returns
    -------
    numpy.ndarray
        ``int64`` cents in the shape of ``weights``.

    Raises
    ------
    SalesOpsDataError
        When every weight is zero.

    Examples
    --------
    >>> allocate_cents(1.0, np.array([1.0, 1.0, 1.0])).tolist()
    [34, 33, 33]
    """
    cents = int(round(total * 100))
    w = np.asarray(weights, dtype=float).ravel()
    if w.sum() <= 0:
        raise SalesOpsDataError("quota: every rep's weight is zero; nothing to split the target by")
    raw = cents * w / w.sum()
    base = np.floor(raw).astype(np.int64)
    short = cents - int(base.sum())
    if short:
        order = np.argsort(-(raw - base), kind="stable")
        base[order[:short]] += 1
    return base.reshape(np.shape(weights))


def propose(
    data: SalesData,
    *,
    target: float,
    period: int | str,
    method: str = "blend",
    overassign: float = 1.1,
    ramp: Sequence[float] | str | None = None,
    as_of: pd.Timestamp | str | None = None,
    blend: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Quotas per rep for a plan period, adding up to ``target × overassign`` to the cent.

    Parameters
    ----------
    data
        The sales data; only what is known on ``as_of`` is used.
    target
        The company bookings target for the period.
    period
        Fiscal year (``2027`` or ``"FY2027"``) or quarter (``"2027Q1"``).
    method
        ``even``, ``historical``, ``potential``, ``capacity`` or ``blend``.
    overassign
        Quotas add up to target × overassign (1.1: 10% more than the target).
    ramp
        Share of full quota by month of tenure (default 0/25/50/75/100%; for the capacity
        method, and with ``"measured"``, the ramp measured from the company's hires:
        :func:`plan_ramp`).
    as_of
        Planning date (default: the day before the period starts, or the data's last date
        when earlier).
    blend
        Method weights for ``blend`` (default :data:`DEFAULT_BLEND`).

    Returns
    -------
    DataFrame
        One row per rep in seat: ``rep_id, rep_name, team, region, role, hire_date``,
        ``<method>_basis`` and ``<method>_share`` for each usable method, ``share`` (of
        the full-ramp quota), ``ramp_factor`` (share of a full year's capacity after
        ramp, seasonality-weighted), ``quota``, ``quota_<quarter>`` and ``ramp_<quarter>``
        for each quarter, ``previous_quota`` (the previous period's quotas in the data),
        ``change`` (quota / previous − 1) and ``basis`` (the method in words).

    Raises
    ------
    ConfigError
        Unknown method, target or over-assignment not positive, bad ramp or blend.
    SalesOpsDataError
        When the data cannot support the method.
    """
    _check_plan_args(method, target, overassign)
    plan = plan_period(data, period)
    as_of_ts = (
        min(plan.start - pd.Timedelta(days=1), data.last_date.normalize())
        if as_of is None or as_of == ""
        else pd.Timestamp(as_of)
    )
    sched = plan_ramp(data, as_of_ts, method, ramp)
    reps = in_seat(data, as_of_ts, plan)
    shares, skipped = method_shares(data, reps, as_of_ts)
    share, basis = _method_share(shares, skipped, method, blend)
    season = seasonality(data, as_of_ts)
    first_month = (plan.months[0].month - data.calendar.start_month) % 12
    month_season = season.to_numpy()[(first_month + np.arange(len(plan.months))) % 12]
    ramps = ramp_matrix(reps["hire_date"], plan.months, sched)
    weights = share.to_numpy()[:, None] * month_season[None, :] * ramps
    # first each rep's total (within a cent of exact), then each rep's months
    rep_cents = allocate_cents(target * overassign, weights.sum(axis=1))
    cents = np.zeros(weights.shape, dtype=np.int64)
    for r in np.flatnonzero(rep_cents > 0):
        cents[r] = allocate_cents(rep_cents[r] / 100, weights[r])

    out = reps[[c for c in _PROPOSAL_REP_COLUMNS if c in reps]].copy()
    out = out.join(shares.reset_index(drop=True))
    out["share"] = share.to_numpy()
    full_year = (share.to_numpy()[:, None] * month_season[None, :]).sum(axis=1)
    out["ramp_factor"] = np.where(
        full_year > 0, (weights.sum(axis=1)) / np.where(full_year > 0, full_year, 1), 0.0
    )
    out["quota"] = cents.sum(axis=1) / 100
    mq = plan.month_quarter[: len(plan.months)]
    for j, q in enumerate(plan.quarters):
        cols = mq == j
        out[f"quota_{q}"] = cents[:, cols].sum(axis=1) / 100
        s = month_season[cols]
        out[f"ramp_{q}"] = (ramps[:, cols] * s).sum(axis=1) / max(s.sum(), 1e-12)
    out = _with_previous(out, previous_quotas(data, plan))
    out["basis"] = basis
    out.attrs = {}
    return out.reset_index(drop=True)


_PROPOSAL_REP_COLUMNS = (
    "rep_id",
    "rep_name",
    "team",
    "region",
    "role",
    "segment",
    "territory",
    "hire_date",
)
"""The reps' columns a proposal carries (those the reps table has)."""


def _check_plan_args(method: str, target: float, overassign: float) -> None:
    """Raise :class:`ConfigError` for an unknown method, a bad target or over-assignment."""
    if method not in METHODS:
        raise ConfigError(f"quota method {method!r}: choose one of {', '.join(METHODS)}")
    if not np.isfinite(target) or target <= 0:
        raise ConfigError(f"quota target must be a positive amount, got {target!r}")
    if not np.isfinite(overassign) or not 0.5 <= overassign <= 2.0:
        raise ConfigError(
            f"over-assignment must be between 0.5 and 2.0 (1.1 = 10% over), got {overassign!r}"
        )


def _method_share(
    shares: pd.DataFrame,
    skipped: Mapping[str, str],
    method: str,
    blend: Mapping[str, float] | None,
) -> tuple[pd.Series, str]:
    """Each rep's full-ramp share under ``method`` and the basis in words (``blend of 40% ...``).

    Raises
    ------
    ConfigError
        Bad blend weights.
    SalesOpsDataError
        When the data cannot support the method (or any blended method).
    """
    if method != "blend":
        if f"{method}_share" not in shares:
            raise SalesOpsDataError(skipped[method])
        return shares[f"{method}_share"], method
    mix = dict(DEFAULT_BLEND if blend is None else blend)
    if any((not np.isfinite(v)) or v < 0 for v in mix.values()) or set(mix) - set(_WEIGHTS):
        raise ConfigError(
            f"blend weights {mix!r}: use methods {', '.join(_WEIGHTS)} with weights ≥ 0"
        )
    usable = {k: v for k, v in mix.items() if f"{k}_share" in shares and v > 0}
    if not usable:
        raise SalesOpsDataError(
            "blend: none of the blended methods can be used: " + "; ".join(skipped.values())
        )
    total_w = sum(usable.values())
    share = sum(shares[f"{k}_share"] * (v / total_w) for k, v in usable.items())
    shown = round_shares(list(usable.values()))
    basis = "blend of " + ", ".join(f"{p}% {k}" for p, k in zip(shown, usable, strict=True))
    return share, basis


def _with_previous(out: pd.DataFrame, prev: pd.DataFrame) -> pd.DataFrame:
    """The proposal with ``previous_quota`` and ``change`` (against a full previous period only)."""
    out = out.copy()
    out["previous_quota"] = out["rep_id"].map(prev["quota"]) if len(prev) else np.nan
    full_prev = (
        out["rep_id"].map(prev["full"]).fillna(False).astype(bool)
        if len(prev)
        else pd.Series(False, index=out.index)
    )
    # a change only means something against a full previous period
    out["change"] = (
        out["quota"] / out["previous_quota"].where(out["previous_quota"] > 0) - 1
    ).where(full_prev)
    return out


def quarter_columns(proposal: pd.DataFrame) -> list[str]:
    """The ``quota_<quarter>`` columns of a proposal, in order.

    Parameters
    ----------
    proposal
        A :func:`propose` result.

    Returns
    -------
    list of str
        E.g. ``["quota_2027Q1", ..., "quota_2027Q4"]``.
    """
    return [c for c in proposal.columns if c.startswith("quota_") and c[6:10].isdigit()]


def previous_quotas(data: SalesData, plan: PlanPeriod) -> pd.DataFrame:
    """Each rep's quotas in the data for the period just before the plan (same length).

    Parameters
    ----------
    data
        The data set (its ``quotas`` table).
    plan
        The plan period.

    Returns
    -------
    DataFrame
        Index ``rep_id``; ``quota`` (the sum) and ``full`` (the rep had a quota in every
        quarter of that period). Empty without quotas.
    """
    if data.quotas is None or data.quotas.empty:
        return pd.DataFrame(columns=["quota", "full"])
    n = len(plan.quarters)
    before = [data.calendar.shift(plan.quarters[0], -k) for k in range(n, 0, -1)]
    q = data.quotas[data.quotas["period"].isin(before)]
    g = q.groupby("rep_id")
    return pd.DataFrame({"quota": g["quota"].sum(), "full": g["period"].nunique() == n})


# ---- fairness: Monte Carlo of attainment ---------------------------------------------------


def _performance(
    data: SalesData,
    proposal: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    quarters: int = 8,
    prior_quarters: float = 2.0,
) -> pd.DataFrame:
    """Per rep: expected bookings per full quarter (shrunk toward the role) and spread."""
    prod = rep_productivity(data, as_of, quarters=quarters)
    ids = proposal["rep_id"]
    p = prod.reindex(ids)
    role = pd.Series(_role_of(proposal.set_index("rep_id")).to_numpy(), index=ids.to_numpy())
    role_mean = p["per_quarter"].groupby(role).mean()
    prior = role.map(role_mean).fillna(p["per_quarter"].mean()).fillna(0.0)
    n = p["ramped_quarters"].fillna(0).to_numpy()
    mean_obs = p["per_quarter"].fillna(0.0).to_numpy()
    mu = (n * mean_obs + prior_quarters * prior.to_numpy()) / (n + prior_quarters)
    # carried forward by the productivity trend from the window's middle to the plan's middle
    qcols = quarter_columns(proposal)
    cal = data.calendar
    last = cal.latest_complete_quarter(as_of)
    window_mid = (quarters - 1) / 2
    plan_mid = np.mean([len(cal.quarter_range(last, c[6:])) - 1 for c in qcols]) if qcols else 1.0
    growth = productivity_growth(data, as_of, quarters=quarters)
    mu = mu * (1 + growth) ** ((window_mid + plan_mid) / 4)
    # pooled within-rep spread of each role (reps with at least three ramped quarters)
    cv_ok = p["cv"].where(p["ramped_quarters"] >= 3)
    # root mean square: the typical variance, not the median rep's
    cv_role = np.sqrt((cv_ok**2).groupby(role).mean())
    overall = float(np.sqrt((cv_ok**2).mean())) if cv_ok.notna().any() else 0.5
    cv = role.map(cv_role).fillna(overall).clip(0.1, 2.0).to_numpy()
    # how well the rep's level is known: the spread of a mean of n + prior quarters
    level_cv = cv / np.sqrt(n + prior_quarters)
    return pd.DataFrame(
        {"rep_id": ids.to_numpy(), "mean_per_quarter": mu, "cv": cv, "level_cv": level_cv}
    )


def _draws(
    data: SalesData,
    proposal: pd.DataFrame,
    *,
    n: int,
    seed: int,
    as_of: pd.Timestamp,
    common_sd: float | None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Simulated plan-period bookings (n × reps) and the per-rep performance model.

    The draws depend on the reps, their ramp and roles, not on the quota values, so they
    are cached: the plan as asked and the reachable plan share one simulation. Both arrays
    are shared and read-only.
    """
    qcols = quarter_columns(proposal)
    ramp_cols = [f"ramp_{c[6:]}" for c in qcols]
    key = hashlib.sha256()
    for col in ["rep_id", *[c for c in ("role", "segment", "team") if c in proposal], *ramp_cols]:
        key.update(col.encode())
        key.update(pd.util.hash_pandas_object(proposal[col], index=False).to_numpy().tobytes())
    return data.derived(
        ("quota draws", n, seed, pd.Timestamp(as_of), common_sd, key.hexdigest()),
        lambda: _make_draws(data, proposal, n=n, seed=seed, as_of=as_of, common_sd=common_sd),
    )


def _make_draws(
    data: SalesData,
    proposal: pd.DataFrame,
    *,
    n: int,
    seed: int,
    as_of: pd.Timestamp,
    common_sd: float | None,
) -> tuple[np.ndarray, pd.DataFrame]:
    perf = _performance(data, proposal, as_of)
    qcols = quarter_columns(proposal)
    quarters = [c[6:] for c in qcols]
    season = quarter_seasonality(seasonality(data, as_of)) * 4
    fq = np.array([int(q[-1]) - 1 for q in quarters])
    ramp = proposal[[f"ramp_{q}" for q in quarters]].to_numpy()
    expected_q = perf["mean_per_quarter"].to_numpy()[:, None] * season[fq][None, :] * ramp
    if common_sd is None:
        common_sd = company_spread(data, as_of)
    rng = np.random.default_rng(seed)
    cv = perf["cv"].to_numpy()
    idio_var = np.clip(cv**2 - common_sd**2, 0.01, None)
    shape = 1 / idio_var
    level_shape = 1 / np.clip(perf["level_cv"].to_numpy() ** 2, 1e-4, None)
    level = rng.gamma(level_shape[None, :], 1.0, size=(n, len(proposal))) / level_shape[None, :]
    sims = np.zeros((n, len(proposal)))
    for j in range(len(quarters)):
        mean = expected_q[:, j]
        g = rng.gamma(shape[None, :], 1.0, size=(n, len(proposal))) / shape[None, :]
        sims += g * mean[None, :]
    common = np.exp(rng.normal(-0.5 * common_sd**2, common_sd, size=(n, 1)))
    sims *= common * level
    perf["expected_bookings"] = expected_q.sum(axis=1)
    sims.flags.writeable = False
    return sims, perf


def company_spread(data: SalesData, as_of: pd.Timestamp, *, quarters: int = 8) -> float:
    """Relative spread of company bookings that hits every rep at once (market swings).

    The standard deviation of the log ratio of each of the last ``quarters`` complete
    quarters' de-seasonalized bookings to the trend through them, between 3% and 30%.

    Parameters
    ----------
    data
        The sales data.
    as_of
        The planning date.
    quarters
        Trailing complete quarters measured.

    Returns
    -------
    float
        0.1 with fewer than four quarters in the data; 0.3 when a quarter booked nothing.
    """
    cal = data.calendar
    qs = list(history_window(data, as_of).quarters[-quarters:])
    if len(qs) < 4:
        return 0.1
    season = quarter_seasonality(seasonality(data, as_of)) * 4
    won = _won_until(data, as_of)
    lab = cal.quarters_of(won["close_date"])
    y = won.groupby(lab)["amount"].sum().reindex(qs, fill_value=0.0).to_numpy()
    y = y / np.array([season[int(q[-1]) - 1] for q in qs])
    if (y <= 0).any():
        return 0.3
    ly = np.log(y)
    t = np.arange(len(ly))
    resid = ly - np.polyval(np.polyfit(t, ly, 1), t)
    return float(np.clip(np.std(resid, ddof=2), 0.03, 0.3))


def simulate_attainment(
    data: SalesData,
    quotas: pd.DataFrame,
    *,
    n: int = 5000,
    seed: int = 0,
    as_of: pd.Timestamp | str | None = None,
    common_sd: float | None = None,
) -> pd.DataFrame:
    """Monte Carlo of each rep's plan-period bookings against the proposed quota.

    Each rep's bookings per full quarter follow a gamma distribution around the rep's
    trailing-eight-quarter mean per ramped quarter (shrunk toward the role's mean by two
    quarters' worth of weight), with the role's typical quarter-to-quarter spread, times
    the quarter's seasonal index and the rep's ramp factor. The rep's level itself is
    uncertain (the spread of a mean of that many quarters) and a common market factor
    (:func:`company_spread`) moves every rep together.

    Parameters
    ----------
    data
        The sales data.
    quotas
        A :func:`propose` result (``rep_id``, ``quota``, ``quota_<q>``, ``ramp_<q>``).
    n
        Simulation draws.
    seed
        Seed of the draws (the same seed and reps, the same draws).
    as_of
        The planning date (None: the day before the plan's first quarter, or the data's last
        date when earlier).
    common_sd
        The market factor's spread (None: :func:`company_spread`).

    Returns
    -------
    DataFrame
        Per rep: the proposal's columns plus ``expected_bookings``, ``bookings_p10``,
        ``bookings_p50``, ``bookings_p90``, ``expected_attainment`` (expected bookings /
        quota) and ``chance_at_quota``.
    """
    as_of_ts = _as_of_for(data, quotas, as_of)
    sims, perf = _draws(data, quotas, n=n, seed=seed, as_of=as_of_ts, common_sd=common_sd)
    out = quotas.copy()
    q = out["quota"].to_numpy()
    out["expected_bookings"] = perf["expected_bookings"].to_numpy()
    out["bookings_p10"], out["bookings_p50"], out["bookings_p90"] = np.quantile(
        sims, [0.1, 0.5, 0.9], axis=0
    )
    out["expected_attainment"] = np.where(
        q > 0, out["expected_bookings"] / np.where(q > 0, q, 1), np.nan
    )
    out["chance_at_quota"] = np.where(q > 0, (sims >= q[None, :]).mean(axis=0), np.nan)
    return out


def share_at_quota(
    data: SalesData,
    quotas: pd.DataFrame,
    *,
    by: str | None = "team",
    n: int = 5000,
    seed: int = 0,
    as_of: pd.Timestamp | str | None = None,
    common_sd: float | None = None,
) -> pd.DataFrame:
    """Expected share of reps at or above quota, with its 80% range, overall and by group.

    Reps with a zero quota (starting after the period) are left out.

    Parameters
    ----------
    data
        The sales data.
    quotas
        A :func:`propose` result.
    by
        A column of ``quotas`` to group by (None, or a column it lacks: ``All reps`` only).
    n
        Simulation draws.
    seed
        Seed of the draws (the same seed and reps, the same draws).
    as_of
        The planning date (None: the day before the plan's first quarter, or the data's last
        date when earlier).
    common_sd
        The market factor's spread (None: :func:`company_spread`).

    Returns
    -------
    DataFrame
        Index: group (and ``All reps``); ``reps``, ``share`` (expected), ``lo80``, ``hi80``,
        ``in_band`` (the expected share, in whole percent as shown, lies in the healthy
        band 55-70%: :func:`in_band`).
    """
    as_of_ts = _as_of_for(data, quotas, as_of)
    sims, _ = _draws(data, quotas, n=n, seed=seed, as_of=as_of_ts, common_sd=common_sd)
    q = quotas["quota"].to_numpy()
    hit = sims >= q[None, :]
    keep = q > 0
    groups = {"All reps": keep}
    if by is not None and by in quotas:
        labels = quotas[by].fillna("(none)").astype(str).to_numpy()
        for g in sorted(set(labels[keep])):
            groups[g] = keep & (labels == g)
    rows = {}
    for g, m in groups.items():
        frac = hit[:, m].mean(axis=1) if m.any() else np.array([np.nan])
        rows[g] = {
            "reps": int(m.sum()),
            "share": float(frac.mean()),
            "lo80": float(np.quantile(frac, 0.1)),
            "hi80": float(np.quantile(frac, 0.9)),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["in_band"] = [in_band(v) for v in out["share"]]
    out.index.name = by or "group"
    return out


def _as_of_for(data: SalesData, quotas: pd.DataFrame, as_of: object) -> pd.Timestamp:
    if as_of is not None and as_of != "":
        return pd.Timestamp(as_of)  # type: ignore[arg-type]
    first_q = quarter_columns(quotas)[0][6:]
    start = data.calendar.bounds(first_q)[0]
    return min(start - pd.Timedelta(days=1), data.last_date.normalize())


def overassign_for_share(
    data: SalesData,
    quotas: pd.DataFrame,
    share: float,
    *,
    n: int = 5000,
    seed: int = 0,
    as_of: pd.Timestamp | str | None = None,
) -> float:
    """The factor to scale every quota by so the expected share at quota equals ``share``.

    Scaling all quotas by ``f`` scales the company quota by ``f``; 0.9 means 10% lower. Found
    by bisection between 0.05 and 20 on the draws :func:`share_at_quota` uses.

    Parameters
    ----------
    data
        The sales data.
    quotas
        A :func:`propose` result.
    share
        The wanted expected share of reps at or above quota (0-1).
    n
        Simulation draws.
    seed
        Seed of the draws (the same seed and reps, the same draws).
    as_of
        The planning date (None: the day before the plan's first quarter, or the data's last
        date when earlier).

    Returns
    -------
    float
    """
    as_of_ts = _as_of_for(data, quotas, as_of)
    sims, _ = _draws(data, quotas, n=n, seed=seed, as_of=as_of_ts, common_sd=None)
    q = quotas["quota"].to_numpy()
    keep = q > 0
    ratio = sims[:, keep] / q[keep][None, :]
    lo, hi = 0.05, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if (ratio >= mid).mean() > share:
            lo = mid
        else:
            hi = mid
    return float((lo + hi) / 2)


# ---- fairness checks -----------------------------------------------------------------------


def territory_growth(data: SalesData, as_of: pd.Timestamp) -> pd.Series:
    """Bookings growth of each territory: trailing four quarters over the four before.

    Parameters
    ----------
    data
        The sales data (reps' ``territory``: a deal counts in its owner's territory).
    as_of
        The planning date; the last complete quarter on it ends the window.

    Returns
    -------
    Series
        ``territory_growth`` by territory (0.1 = 10%; NaN where the earlier year booked
        nothing); empty without territories or when the data starts inside the eight quarters.
    """
    cal = data.calendar
    reps = data.reps
    if "territory" not in reps or reps["territory"].isna().all():
        return pd.Series(dtype=float)
    last = cal.latest_complete_quarter(as_of)
    mid = cal.bounds(cal.shift(last, -3))[0]
    early = cal.bounds(cal.shift(last, -7))[0]
    won = _won_until(data, cal.bounds(last)[1])
    won = won.assign(territory=won["rep_id"].map(reps.set_index("rep_id")["territory"]))
    recent = won[won["close_date"] >= mid].groupby("territory")["amount"].sum()
    before = (
        won[(won["close_date"] >= early) & (won["close_date"] < mid)]
        .groupby("territory")["amount"]
        .sum()
    )
    if data.first_date > early:
        return pd.Series(dtype=float)
    return (recent / before.where(before > 0) - 1).rename("territory_growth")


def fairness(
    data: SalesData,
    proposal: pd.DataFrame,
    *,
    as_of: pd.Timestamp | str | None = None,
    gap: float = 0.25,
) -> pd.DataFrame:
    """Quota against potential and against the territory's growth, per rep.

    Parameters
    ----------
    data
        The sales data.
    proposal
        A :func:`propose` result.
    as_of
        The planning date (None: the day before the plan's first quarter, or the data's last
        date when earlier).
    gap
        How much faster than the territory and the company (0.25: 25 points) a rep's quota
        may rise before it is flagged.

    Returns
    -------
    DataFrame
        The proposal's ``rep_id, rep_name, team, territory, quota, share, previous_quota,
        change`` plus ``potential_share`` (when usable), ``quota_to_potential`` (quota
        share / potential share), ``territory_growth`` and ``flag_outgrows_territory``:
        the rep's quota rose more than ``gap`` (25 points) faster than both the
        territory's bookings and the company quota as a whole (so a company-wide reset
        of quotas does not flag everyone).
    """
    as_of_ts = _as_of_for(data, proposal, as_of)
    cols = [
        c
        for c in (
            "rep_id",
            "rep_name",
            "team",
            "territory",
            "quota",
            "share",
            "previous_quota",
            "change",
        )
        if c in proposal
    ]
    out = proposal[cols].copy()
    if "potential_share" in proposal:
        quota_share = proposal["quota"] / proposal["quota"].sum()
        out["potential_share"] = proposal["potential_share"]
        out["quota_to_potential"] = quota_share / proposal["potential_share"].where(
            proposal["potential_share"] > 0
        )
    growth = territory_growth(data, as_of_ts)
    if "territory" in out and len(growth):
        out["territory_growth"] = out["territory"].map(growth)
    else:
        out["territory_growth"] = np.nan
    had = out["change"].notna()
    company_change = (
        out.loc[had, "quota"].sum() / out.loc[had, "previous_quota"].sum() - 1
        if had.any()
        else np.nan
    )
    out["flag_outgrows_territory"] = ((out["change"] - out["territory_growth"]) > gap) & (
        (out["change"] - company_change) > gap
    )
    return out


# ---- communicate ---------------------------------------------------------------------------


def letters(
    proposal: pd.DataFrame,
    *,
    plan_label: str,
    currency: str = "USD",
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One quota letter per rep: quota by quarter, basis, ramp, change from last period, history.

    Parameters
    ----------
    proposal
        A :func:`propose` result.
    plan_label
        The plan period's name (``FY2027``).
    currency
        The currency of the amounts.
    history
        A :func:`rep_history` result; when given, the letters carry ``deals``, ``won``,
        ``no_history`` and ``history`` (a reader sees which quotas rest on no record).

    Returns
    -------
    DataFrame
        One row per rep: ``rep_id, rep_name, team, plan_period, currency, quota,
        quota_<quarter> ..., ramp_share_of_full_year, previous_quota, change_from_previous,
        basis, hire_date`` (and the history columns).

    Examples
    --------
    >>> letters(propose(data, target=1e8, period=2027), plan_label="FY2027")  # doctest: +SKIP
    """
    qcols = quarter_columns(proposal)
    out = pd.DataFrame(
        {
            "rep_id": proposal["rep_id"],
            "rep_name": proposal.get("rep_name", proposal["rep_id"]),
            "team": proposal.get("team", pd.Series("(no team)", index=proposal.index)),
            "plan_period": plan_label,
            "currency": currency,
            "quota": proposal["quota"],
        }
    )
    for c in qcols:
        out[c] = proposal[c]
    out["ramp_share_of_full_year"] = proposal["ramp_factor"].round(4)
    out["previous_quota"] = proposal["previous_quota"]
    out["change_from_previous"] = proposal["change"].round(4)
    out["basis"] = proposal["basis"]
    out["hire_date"] = proposal.get("hire_date")
    if history is not None:
        h = history.set_index("rep_id")
        for col in ("deals", "won", "no_history", "short_record", "history"):
            if col in h:
                out[col] = out["rep_id"].map(h[col]).to_numpy()
    return out


def write_letters(letters_frame: pd.DataFrame, folder: str, stem: str) -> tuple[str, str]:
    """Write the letters as ``<stem>.csv`` and ``<stem>.xlsx`` (one sheet per team).

    Parameters
    ----------
    letters_frame
        A :func:`letters` result (``team`` names the sheets).
    folder
        An existing folder.
    stem
        File name without extension.

    Returns
    -------
    tuple of str
        The paths of the CSV and of the Excel file.
    """
    from salesops_lib.analysis.comp import write_statements

    return write_statements(letters_frame, folder, stem)


# ---- back-test -----------------------------------------------------------------------------


def realized_share(data: SalesData, proposal: pd.DataFrame, period: int | str) -> pd.DataFrame:
    """Actual bookings of a past plan period against the proposed quotas.

    Only reps in seat the whole period count: started by its first day and still there
    after its last (:func:`seat_dates` as the data shows them now: a rep without a hire
    date starts with their first deal, one without an end date who has done nothing for
    six months left with their last activity).

    Parameters
    ----------
    data
        The sales data, read up to its last date.
    proposal
        The proposed quotas (:func:`propose`: ``rep_id, quota`` and ``team``); reps with no
        quota (0) are left out.
    period
        The plan period back-tested (:func:`plan_period`: a fiscal year or a quarter).

    Returns
    -------
    DataFrame
        Per rep kept: ``rep_id, team, quota, bookings, attained``.

    Raises
    ------
    SalesOpsDataError
        When the period is not over in the data.
    """
    plan = plan_period(data, period)
    if data.last_date < plan.end:
        raise SalesOpsDataError(
            f"{plan.label} is not over in the data (last date {data.last_date:%Y-%m-%d})"
        )
    seat = seat_dates(data, data.last_date.normalize())
    won = _won_until(data, plan.end)
    won = won[won["close_date"] >= plan.start]
    booked = won.groupby("rep_id")["amount"].sum()
    p = proposal[proposal["quota"] > 0]
    starts = p["rep_id"].map(seat["start"])
    ends = p["rep_id"].map(seat["end"])
    stayed = (starts.isna() | (starts <= plan.start)) & (ends.isna() | (ends > plan.end))
    p = p[stayed.to_numpy(dtype=bool)]
    out = pd.DataFrame(
        {
            "rep_id": p["rep_id"],
            "team": p.get("team"),
            "quota": p["quota"],
            "bookings": p["rep_id"].map(booked).fillna(0.0).to_numpy(),
        }
    )
    out["attained"] = out["bookings"] >= out["quota"]
    return out.reset_index(drop=True)


# ---- the target, the plan chosen, and what it is checked against -----------------------------

PLAUSIBLE_GROWTH = (-0.2, 0.3)
"""Growth of a target over a year of trailing bookings that reads as plausible without
more history (a target outside it is flagged unless the data shows that growth)."""


@dataclass(frozen=True)
class PlanTarget:
    """The company bookings target a plan starts from.

    Attributes
    ----------
    amount
        The target (None: none could be set).
    source
        ``hand`` (set as a parameter), ``forecast`` (the year's forecast grown by
        ``growth``) or ``none``.
    forecast, model
        The year-ahead forecast and the model that made it (:func:`forecast_year`, on the
        quarters of :func:`history_window`; ``mean_full`` when there are too few quarters
        for it: the average of the complete quarters, times the plan's quarters).
    growth
        Growth applied to the forecast.
    problem
        Why no target could be set (None when one was).
    window
        The quarters the target and the trailing bookings rest on.
    year_booked
        A year of the trailing bookings (:func:`year_of_bookings`; NaN: none).
    booked_quarters
        How many quarters ``year_booked`` comes from (4, or fewer: then it is their mean × 4).
    observed_growth
        The window's last four quarters' bookings over the four before (NaN: fewer than eight).
    """

    amount: float | None
    source: str
    forecast: float | None = None
    model: str | None = None
    growth: float = 0.0
    problem: str | None = None
    window: HistoryWindow | None = None
    year_booked: float = float("nan")
    booked_quarters: int = 0
    observed_growth: float = float("nan")

    @property
    def implied_growth(self) -> float:
        """The target over a year of trailing bookings, less 1 (NaN when either is unknown)."""
        if self.amount is None or not self.year_booked > 0:
            return float("nan")
        return float(self.amount / self.year_booked - 1)

    @property
    def plausible(self) -> bool:
        """The growth the target implies is within :data:`PLAUSIBLE_GROWTH`, or within 10
        points of the growth the data shows (True when it cannot be told)."""
        g = self.implied_growth
        if not np.isfinite(g):
            return True
        if PLAUSIBLE_GROWTH[0] <= g <= PLAUSIBLE_GROWTH[1]:
            return True
        return bool(np.isfinite(self.observed_growth) and abs(g - self.observed_growth) <= 0.1)


def observed_growth(window: HistoryWindow) -> float:
    """The window's last four quarters' bookings over the four before, less 1 (NaN: < 8 quarters).

    Parameters
    ----------
    window
        The history window (:func:`history_window`).

    Returns
    -------
    float
        The year-over-year growth the data shows (0.1: 10%); NaN with fewer than 8 quarters
        in the window or nothing booked in the four before.
    """
    qs = window.quarters
    if len(qs) < 8:
        return float("nan")
    recent = float(window.bookings.loc[list(qs[-4:])].sum())
    before = float(window.bookings.loc[list(qs[-8:-4])].sum())
    return recent / before - 1 if before > 0 else float("nan")


SEASONAL_MIN_QUARTERS = 8
"""Complete quarters (two full years) a seasonal forecast model of the target needs."""
RUN_RATE_MIN_QUARTERS = 4
"""Complete quarters the run-rate target (a year of the last four quarters) needs."""


def year_ahead(
    data: SalesData,
    window: HistoryWindow,
    quarters: Sequence[str],
    as_of: pd.Timestamp,
) -> tuple[float, str]:
    """The year-ahead bookings forecast a target starts from, and the rule that made it.

    With :data:`SEASONAL_MIN_QUARTERS` complete quarters or more in the window (two full
    years, so each season is seen twice), the forecast model of
    :func:`~salesops_lib.analysis.forecast.forecast_year`. With fewer, no seasonal model:
    the run-rate of the last four quarters (their sum, per year of ``quarters``; model
    ``run_rate``) from four quarters, else the average of the complete quarters times the
    plan's quarters (``mean_full``) from two.

    Parameters
    ----------
    data
        The sales data.
    window
        :func:`history_window` on ``as_of`` (the quarters the forecast may rest on).
    quarters
        The plan's quarters.
    as_of
        The planning date.

    Returns
    -------
    tuple of (float, str)
        The forecast and its model (``ets_quarterly``, ``arima_quarterly``, ``mean_last4``,
        ``run_rate`` or ``mean_full``).

    Raises
    ------
    SalesOpsDataError
        With fewer than two complete quarters in the window.

    Examples
    --------
    >>> year_ahead(data, history_window(data, day), ["2027Q1", "2027Q2", "2027Q3", "2027Q4"], day)  # doctest: +SKIP
    (2140000.0, 'run_rate')
    """
    from salesops_lib.analysis.forecast import forecast_year

    qs = list(window.quarters)
    if len(qs) >= SEASONAL_MIN_QUARTERS:
        fy = forecast_year(history_from(data, qs[0]), list(quarters), pd.Timestamp(as_of))
        return float(fy.loc["Total", "point"]), str(fy.loc["Total", "model"])
    if len(qs) >= RUN_RATE_MIN_QUARTERS:
        last4 = float(window.bookings.loc[qs[-4:]].sum())
        return last4 * len(quarters) / 4, "run_rate"
    if len(qs) >= 2:
        return float(window.bookings.loc[qs].mean()) * len(quarters), "mean_full"
    raise SalesOpsDataError(
        f"too little bookings history for a target ({len(qs)} complete "
        f"{'quarter' if len(qs) == 1 else 'quarters'}; at least 2 needed)"
    )


def plan_target(
    data: SalesData,
    plan: PlanPeriod,
    as_of: pd.Timestamp,
    *,
    target: float = 0.0,
    growth: float = 0.0,
) -> PlanTarget:
    """The plan's target: ``target`` when positive, else the year's forecast × (1 + growth).

    The forecast (:func:`year_ahead`) rests on the quarters of :func:`history_window` only
    (a quarter the data holds part of, or a first quarter of a few migrated deals, would
    drag it down or make a trend out of nothing): a seasonal model from two full years, else
    the run-rate of the last four quarters, else the average of at least two quarters × the
    plan's quarters (``model = "mean_full"``).

    Parameters
    ----------
    data
        The sales data (its complete quarters up to ``as_of`` feed the forecast).
    plan
        The plan period (:func:`plan_period`).
    as_of
        The planning date.
    target
        A target set by hand; 0 or less: forecast it.
    growth
        Growth over the forecast (0.1: 10%).

    Returns
    -------
    PlanTarget
        With ``amount`` None and ``problem`` saying why when the history is too short to
        forecast and no target was set.

    Examples
    --------
    >>> plan_target(data, plan_period(data, 2027), pd.Timestamp("2026-09-30"))  # doctest: +SKIP
    PlanTarget(amount=146..., source='forecast', ...)
    """
    day = pd.Timestamp(as_of)
    window = history_window(data, day)
    trailing = trailing_bookings(data, day)
    known = {
        "window": window,
        "year_booked": year_of_bookings(trailing),
        "booked_quarters": int(len(trailing)),
        "observed_growth": observed_growth(window),
    }
    if target and np.isfinite(target) and target > 0:
        return PlanTarget(float(target), "hand", **known)  # type: ignore[arg-type]
    try:
        point, model = year_ahead(data, window, plan.quarters, day)
    except SalesOpsDataError as exc:
        return PlanTarget(None, "none", growth=growth, problem=str(exc), **known)  # type: ignore[arg-type]
    amount = point * (1 + growth)
    if not amount > 0:
        return PlanTarget(None, "none", point, model, growth, "the forecast is $0", **known)  # type: ignore[arg-type]
    return PlanTarget(amount, "forecast", point, model, growth, **known)  # type: ignore[arg-type]


def shown_pct(share: float) -> float:
    """A share as the reports show it, in whole percent (0.549 -> 55.0).

    Parameters
    ----------
    share
        A share (0.549: 54.9%).

    Returns
    -------
    float
        The whole percent the page prints.
    """
    return float(f"{float(share) * 100:.0f}")


def in_band(share: float, band: tuple[float, float] = HEALTHY_BAND) -> bool:
    """The share lies in the band as the page shows it: compared in whole percent.

    Parameters
    ----------
    share
        The expected share of reps at quota (NaN: never in the band).
    band
        The healthy band's low and high share (:data:`HEALTHY_BAND`).

    Returns
    -------
    bool
        True when :func:`shown_pct` of ``share`` lies between the band's ends in whole
        percent, ends included.

    Examples
    --------
    >>> in_band(0.5496), in_band(0.5449), in_band(0.7049)
    (True, False, True)
    """
    if not np.isfinite(share):
        return False
    shown = shown_pct(share)
    return bool(round(band[0] * 100) <= shown <= round(band[1] * 100))


USE_PLANS = ("rule", "asked", "reachable")
"""Which plan report 04's quotas and letters carry: the rule's pick, or one forced (:class:`PlanChoice`)."""

RECOMMEND_REASONS = {
    "in_band": "the plan as asked puts a healthy share of reps at quota",
    "cut": "the reachable plan: the target asked is out of reach, and the cut stays above the floors",
    "raise": "the reachable plan: the target asked is too easy",
    "below_floor": "the cut would go below a year of bookings or what the reps in seat are expected to book",
    "no_backtest": "there is no back-test of the simulation to support changing the target",
    "pessimistic": "the back-test found the simulation far too pessimistic",
    "optimistic": "the back-test found the simulation far too optimistic",
}
"""Why a plan is recommended (:func:`plan_rule`), by code."""


def plan_rule(
    *,
    share_asked: float,
    band: tuple[float, float],
    target: float,
    reachable_target: float,
    year_booked: float = float("nan"),
    expected: float = float("nan"),
    verdict: str | None = None,
) -> str:
    """The one rule for which plan is recommended: a code of :data:`RECOMMEND_REASONS`.

    The plan as asked is recommended when its expected share of reps at quota is in the
    band (``in_band``). Otherwise the reachable plan (every quota scaled so the band's
    middle is expected at quota) is recommended only when a back-test supports the
    simulation (``verdict`` not None: ``fair``, or the simulation erred the other way)
    and, for a cut, the reachable target stays at or above both a year of trailing
    bookings and what the reps in seat are expected to book; the banded plan is then a
    trade-off the report shows, not the recommendation.

    Parameters
    ----------
    share_asked
        Expected share of reps at quota under the plan as asked.
    band
        The healthy band.
    target, reachable_target
        The target asked and the reachable plan's.
    year_booked
        A year of trailing bookings (NaN: unknown, no floor).
    expected
        What the reps in seat are expected to book in the plan period (NaN: no floor).
    verdict
        The back-test's verdict on the simulation (:attr:`YearBacktest.verdict`): ``fair``,
        ``pessimistic``, ``optimistic``; None without a back-test.

    Returns
    -------
    str
        ``in_band``, ``cut`` or ``raise`` (the reachable plan), ``below_floor``,
        ``no_backtest``, ``pessimistic`` or ``optimistic`` (the plan as asked).

    Examples
    --------
    >>> plan_rule(share_asked=0.23, band=(0.55, 0.7), target=146e6, reachable_target=112e6,
    ...           year_booked=123e6, expected=143e6, verdict="fair")
    'below_floor'
    """
    if in_band(share_asked, band):
        return "in_band"
    cut = reachable_target < target
    if cut:
        floors = [f for f in (year_booked, expected) if np.isfinite(f)]
        if floors and reachable_target < max(floors):
            return "below_floor"
    if verdict is None:
        return "no_backtest"
    if cut and verdict == "pessimistic":
        return "pessimistic"
    if not cut and verdict == "optimistic":
        return "optimistic"
    return "cut" if cut else "raise"


@dataclass(frozen=True)
class PlanChoice:
    """The plan as asked, its reachable alternative, and which of them is recommended.

    Attributes
    ----------
    target
        The target asked for.
    overassign
        Quotas add up to target × overassign.
    band
        The healthy band of the expected share of reps at quota.
    asked, share_asked
        :func:`propose` at the target asked, and its :func:`share_at_quota` by team.
    factor
        The factor every quota would be scaled by for the band's middle share of reps to
        reach quota (:func:`overassign_for_share`).
    reachable_target
        ``target × factor`` (rounded to the cent).
    reachable_plan, share_reachable
        :func:`propose` at ``reachable_target`` and its share at quota: the trade-off.
    expected
        What the reps in seat are expected to book in the plan period (the simulation's mean).
    year_booked
        A year of trailing bookings (NaN: unknown).
    reason
        Why the recommended plan is recommended (:func:`plan_rule`).
    verdict
        The back-test's verdict on the simulation (None: no back-test).
    use
        Which plan the quotas and letters carry (:data:`USE_PLANS`): ``rule`` (the
        recommended one), ``asked`` or ``reachable`` (a what-if that overrides the rule).
    """

    target: float
    overassign: float
    band: tuple[float, float]
    asked: pd.DataFrame
    share_asked: pd.DataFrame
    factor: float
    reachable_target: float
    reachable_plan: pd.DataFrame
    share_reachable: pd.DataFrame
    expected: float
    year_booked: float
    reason: str
    verdict: str | None = None
    use: str = "rule"

    @property
    def reachable(self) -> bool:
        """The reachable plan is recommended (by the rule, whatever ``use`` says)."""
        return self.reason in ("cut", "raise")

    @property
    def uses_reachable(self) -> bool:
        """The letters carry the reachable plan: the rule's pick, unless ``use`` overrides it."""
        return self.reachable if self.use == "rule" else self.use == "reachable"

    @property
    def in_band(self) -> bool:
        """The plan as asked puts a healthy share of reps at quota."""
        return self.reason == "in_band"

    @property
    def chosen(self) -> pd.DataFrame:
        """The quotas handed out (the letters carry them): see :attr:`uses_reachable`."""
        return self.reachable_plan if self.uses_reachable else self.asked

    @property
    def share_chosen(self) -> pd.DataFrame:
        """The expected share at quota by team of the quotas handed out."""
        return self.share_reachable if self.uses_reachable else self.share_asked

    @property
    def chosen_target(self) -> float:
        """The target behind the quotas handed out."""
        return self.reachable_target if self.uses_reachable else self.target

    @property
    def quota(self) -> float:
        """The company quota handed out (the sum of the letters' quotas)."""
        return float(self.chosen["quota"].sum())

    @property
    def floor(self) -> float:
        """The lowest target a cut may reach: the larger of a year of bookings and the reps'
        expected bookings (NaN: neither known)."""
        floors = [f for f in (self.year_booked, self.expected) if np.isfinite(f)]
        return float(max(floors)) if floors else float("nan")


def choose_plan(
    data: SalesData,
    *,
    target: float,
    period: int | str,
    method: str = "blend",
    overassign: float = 1.1,
    ramp: Sequence[float] | str | None = None,
    as_of: pd.Timestamp | str | None = None,
    band: tuple[float, float] = HEALTHY_BAND,
    year_booked: float = float("nan"),
    verdict: str | None = None,
    require_backtest: bool = True,
    n: int = 5000,
    seed: int = 0,
) -> PlanChoice:
    """The plan as asked, the reachable plan, and the one recommended by :func:`plan_rule`.

    The plan as asked (:func:`propose` at ``target``) is simulated (:func:`share_at_quota`).
    The reachable plan scales every quota by one factor so the expected share is the band's
    middle (:func:`overassign_for_share`), proposed at ``target × factor`` with the same
    method, over-assignment and ramp. Both are kept: the report shows them as a trade-off.

    Parameters
    ----------
    data
        The sales data.
    target
        The company bookings target asked for.
    period, method, overassign, ramp, as_of
        As for :func:`propose`.
    band
        Healthy band of the expected share at quota (default 55-70%).
    year_booked
        A year of trailing bookings (:func:`year_of_bookings`): a cut never goes below it.
    verdict
        The back-test's verdict on the simulation (:attr:`YearBacktest.verdict`; None: none).
    require_backtest
        False: the rule without a back-test (floors only), as a back-test applies it to
        the year it tests.
    n, seed
        Simulation draws and seed.

    Returns
    -------
    PlanChoice

    Raises
    ------
    ConfigError, SalesOpsDataError
        As :func:`propose`.

    Examples
    --------
    >>> c = choose_plan(data, target=100e6, period=2027, year_booked=93e6)  # doctest: +SKIP
    >>> c.reason, c.quota  # doctest: +SKIP
    """
    kw = {
        "period": period,
        "method": method,
        "overassign": overassign,
        "ramp": ramp,
        "as_of": as_of,
    }
    asked = propose(data, target=target, **kw)  # type: ignore[arg-type]
    share_asked = share_at_quota(data, asked, n=n, seed=seed, as_of=as_of)
    lo, hi = band
    factor = overassign_for_share(data, asked, (lo + hi) / 2, n=n, seed=seed, as_of=as_of)
    reachable_target = round(target * factor, 2)
    reachable_plan = propose(data, target=reachable_target, **kw)  # type: ignore[arg-type]
    share_reachable = share_at_quota(data, reachable_plan, n=n, seed=seed, as_of=as_of)
    _, perf = _draws(
        data, asked, n=n, seed=seed, as_of=_as_of_for(data, asked, as_of), common_sd=None
    )
    expected = float(perf["expected_bookings"].sum())
    reason = plan_rule(
        share_asked=float(share_asked.loc["All reps", "share"]),
        band=(float(lo), float(hi)),
        target=float(target),
        reachable_target=float(reachable_target),
        year_booked=float(year_booked),
        expected=expected,
        verdict=verdict if require_backtest else (verdict or "fair"),
    )
    return PlanChoice(
        target=float(target),
        overassign=float(overassign),
        band=(float(lo), float(hi)),
        asked=asked,
        share_asked=share_asked,
        factor=float(factor),
        reachable_target=float(reachable_target),
        reachable_plan=reachable_plan,
        share_reachable=share_reachable,
        expected=expected,
        year_booked=float(year_booked),
        reason=reason,
        verdict=verdict,
    )


def trailing_bookings(data: SalesData, as_of: pd.Timestamp, *, quarters: int = 4) -> pd.Series:
    """Bookings of each of the last ``quarters`` complete quarters of the history window.

    Quarters the data holds only part of, and leading quarters far below the rest, are
    left out (:func:`history_window`), so the series may be shorter than ``quarters``.

    Parameters
    ----------
    data
        The sales data.
    as_of
        The planning date; the last complete quarter on it ends the window.
    quarters
        How many quarters back.

    Returns
    -------
    Series
        Bookings (:func:`salesops_lib.timeline.bookings`) indexed by quarter, oldest first.

    Examples
    --------
    >>> trailing_bookings(data, pd.Timestamp("2026-09-30")).sum()  # doctest: +SKIP
    """
    window = history_window(data, pd.Timestamp(as_of))
    qs = list(window.quarters[-quarters:]) if quarters > 0 else []
    values = window.bookings.reindex(qs).to_numpy(dtype=float)
    return pd.Series(values, index=pd.Index(qs, name="quarter"), name="bookings", dtype=float)


def year_of_bookings(trailing: pd.Series) -> float:
    """A year's worth of the trailing bookings: their sum over four quarters, else their mean × 4.

    Parameters
    ----------
    trailing
        Bookings by quarter (:func:`trailing_bookings`).

    Returns
    -------
    float
        The sum with four or more quarters, the mean × 4 with fewer; NaN without any.

    Examples
    --------
    >>> year_of_bookings(pd.Series([3.0, 3.0, 3.0]))
    12.0
    """
    if not len(trailing):
        return float("nan")
    return float(trailing.sum()) if len(trailing) >= 4 else float(trailing.mean() * 4)


def rep_trailing_bookings(data: SalesData, as_of: pd.Timestamp, reps: pd.Series) -> pd.Series:
    """Each rep's bookings over the quarters of :func:`trailing_bookings` (0 without any).

    Parameters
    ----------
    data
        The sales data.
    as_of
        The planning date.
    reps
        Rep ids.

    Returns
    -------
    Series
        Bookings per rep, in the order of ``reps`` (indexed by rep id).
    """
    qs = trailing_bookings(data, as_of).index
    if not len(qs):
        return pd.Series(0.0, index=pd.Index(reps, name="rep_id"))
    start, end = data.calendar.bounds(qs[0])[0], data.calendar.bounds(qs[-1])[1]
    won = _won_until(data, end)
    won = won[won["close_date"] >= start]
    booked = won.groupby("rep_id")["amount"].sum()
    return pd.Series(reps.map(booked).fillna(0.0).to_numpy(), index=pd.Index(reps, name="rep_id"))


def load_against_bookings(
    frame: pd.DataFrame, by: str | None, *, per_year: float = 1.0
) -> pd.DataFrame:
    """Quota over the same reps' trailing bookings, per group (or for everyone).

    Parameters
    ----------
    frame
        One row per rep with ``quota`` and ``booked`` (and ``by``).
    by
        The grouping column; None or absent: one row, ``All reps``.
    per_year
        What turns ``booked`` into a year of bookings (4 / the quarters it covers; 1 for
        four quarters).

    Returns
    -------
    DataFrame
        ``group, reps, quota, booked, multiple_of_booked`` (NaN when nothing was booked).
    """
    key = frame[by].fillna("(none)").astype(str) if by and by in frame else "All reps"
    out = (
        frame.assign(group=key)
        .groupby("group")
        .agg(reps=("quota", "size"), quota=("quota", "sum"), booked=("booked", "sum"))
    )
    out["multiple_of_booked"] = out["quota"] / (out["booked"] * per_year).where(out["booked"] > 0)
    return out.reset_index()


LOAD_TOLERANCE = 0.25
"""A rep's or team's quota ÷ trailing bookings more than this far from the median rep's (25%:
below median / 1.25 or above median × 1.25) is named in the fairness check."""
NEW_REP_MULTIPLE = 2.0
"""A rep with less than a year's record (not past the ramp in all trailing quarters) whose quota ÷ trailing bookings is at least this many times
the median rep's is flagged in the letters."""


def load_check(
    frame: pd.DataFrame,
    seat_start: pd.Series,
    as_of: pd.Timestamp,
    *,
    quarters: int,
    per_year: float = 1.0,
    tolerance: float = LOAD_TOLERANCE,
    new_multiple: float = NEW_REP_MULTIPLE,
) -> pd.DataFrame:
    """Each rep's quota ÷ a year of their trailing bookings, against the median fully ramped rep.

    Parameters
    ----------
    frame
        One row per rep: ``rep_id, quota, booked`` (trailing bookings) and
        ``ramped_quarters`` (of the trailing quarters).
    seat_start
        Each rep's first day in seat, by ``rep_id`` (:func:`seat_dates`: the hire date, else
        the first deal; NaT: unknown).
    as_of
        The planning date.
    quarters
        How many trailing quarters ``booked`` covers (a rep ramped in all of them is a peer).
    per_year
        What turns ``booked`` into a year of bookings (4 / ``quarters``).
    tolerance
        How far from the median multiple a peer is named (:data:`LOAD_TOLERANCE`).
    new_multiple
        A rep with less than a year's record is flagged at this many times the median multiple.

    Returns
    -------
    DataFrame
        In the order of ``frame``: ``rep_id, multiple`` (NaN: nothing booked), ``peer``
        (ramped in all quarters, something booked), ``relative`` (multiple over the peers'
        median), ``beyond`` (a peer more than ``tolerance`` from the median), ``seat_start``,
        ``months_in_seat`` (NaN: unknown), ``new`` (less than a year's record: not past the
        ramp in all ``quarters``, the one definition the report's counts share) and
        ``flag`` (new, with a quota, and at least ``new_multiple`` × the median; a rep with
        nothing booked yet has no multiple and is not flagged).

    Examples
    --------
    >>> f = pd.DataFrame({"rep_id": ["a", "b", "c"], "quota": [100.0, 120.0, 300.0],
    ...                   "booked": [100.0, 100.0, 100.0], "ramped_quarters": [4, 4, 1]})
    >>> start = pd.Series(pd.to_datetime(["2020-01-01", "2020-01-01", "2025-10-01"]), index=["a", "b", "c"])
    >>> load_check(f, start, pd.Timestamp("2026-03-31"), quarters=4)["flag"].tolist()
    [False, False, True]
    """
    day = pd.Timestamp(as_of)
    booked = frame["booked"].astype(float).to_numpy()
    quota_ = frame["quota"].astype(float).to_numpy()
    multiple = np.where(booked > 0, quota_ / np.where(booked > 0, booked * per_year, 1), np.nan)
    peer = (frame["ramped_quarters"].to_numpy() >= quarters) & np.isfinite(multiple)
    median = float(np.median(multiple[peer])) if peer.any() else float("nan")
    relative = (
        multiple / median if np.isfinite(median) and median > 0 else np.full(len(frame), np.nan)
    )
    beyond = peer & ((relative > 1 + tolerance) | (relative < 1 / (1 + tolerance)))
    start = pd.to_datetime(frame["rep_id"].map(seat_start)).to_numpy()
    in_seat = (day - pd.DatetimeIndex(start)).days.to_numpy(dtype=float)
    new = frame["ramped_quarters"].to_numpy() < quarters
    high = np.isfinite(relative) & (relative >= new_multiple)
    flag = new & (quota_ > 0) & high
    return pd.DataFrame(
        {
            "rep_id": frame["rep_id"].to_numpy(),
            "multiple": multiple,
            "peer": peer,
            "relative": relative,
            "beyond": beyond,
            "seat_start": start,
            "months_in_seat": np.floor(in_seat / DAYS_PER_MONTH),
            "new": new,
            "flag": flag,
        }
    )


def round_shares(shares: Sequence[float]) -> list[int]:
    """Whole percents of shares that add up to 100 (largest remainder).

    Parameters
    ----------
    shares
        Non-negative shares adding up to 1 (or any positive total: they are normalized).

    Returns
    -------
    list of int
        Percents adding up to exactly 100 (empty for no shares).

    Examples
    --------
    >>> round_shares([0.5, 0.375, 0.125])
    [50, 38, 12]
    """
    v = np.asarray(list(shares), dtype=float)
    if not len(v) or not v.sum() > 0:
        return [0] * len(v)
    raw = v / v.sum() * 100
    base = np.floor(raw).astype(int)
    rest = 100 - int(base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return [int(x) for x in base]


NO_DEALS = "No deals in the data"
NO_WIN = "No deal won yet"
NO_RAMPED_QUARTER = "No full quarter after ramp yet"
SHORT_RECORD = "Less than a year after ramp"
"""The start of the History of a rep ramped in some but not all of the trailing quarters
(:func:`rep_history`): the quota rests on part of a year of their own."""


def rep_history(
    data: SalesData, reps: pd.DataFrame, as_of: pd.Timestamp, *, quarters: int = 4
) -> pd.DataFrame:
    """What each rep's record holds by ``as_of``: deals, deals won, fully ramped quarters.

    Parameters
    ----------
    data
        The sales data.
    reps
        Frame with ``rep_id`` (e.g. a :func:`propose` result).
    as_of
        Only deals created (won: closed) by this date count.
    quarters
        The trailing quarters a full record is ramped in (four: a year; fewer when the data
        holds fewer complete quarters, as :func:`load_check` counts them).

    Returns
    -------
    DataFrame
        In the order of ``reps``: ``rep_id, deals`` (created by ``as_of``; a deal without
        a created date counts), ``won`` (closed won by ``as_of``), ``ramped_quarters`` (of
        the trailing four, :func:`rep_productivity`), ``no_history`` (no deal at all),
        ``short_record`` (ramped in fewer than ``quarters`` of them: less than a year's
        record, the letters flag it) and ``history``: :data:`NO_DEALS`, :data:`NO_WIN`,
        :data:`NO_RAMPED_QUARTER`, ``Less than a year after ramp: ramped in 2 of the last 4
        quarters; 3 won of 9 deals`` (:data:`SHORT_RECORD`), or for a full record ``12 won of 40 deals``.

    Examples
    --------
    >>> rep_history(data, propose(data, target=1e8, period=2027), pd.Timestamp("2026-09-30"))  # doctest: +SKIP
    """
    day = pd.Timestamp(as_of)
    o = data.opportunities
    known = (o["created_date"] <= day) | o["created_date"].isna()
    deals = o.loc[known.to_numpy(dtype=bool)].groupby("rep_id").size()
    won = _won_until(data, day).groupby("rep_id").size()
    ramped = rep_productivity(data, day, quarters=4)["ramped_quarters"]
    ids = reps["rep_id"]
    out = pd.DataFrame(
        {
            "rep_id": ids.to_numpy(),
            "deals": ids.map(deals).fillna(0).astype(int).to_numpy(),
            "won": ids.map(won).fillna(0).astype(int).to_numpy(),
            "ramped_quarters": ids.map(ramped).fillna(0).astype(int).to_numpy(),
        }
    )
    out["no_history"] = out["deals"] == 0
    out["short_record"] = out["ramped_quarters"] < quarters
    record = [f"{w:,} won of {n:,} deals" for w, n in zip(out["won"], out["deals"], strict=True)]
    short = [
        f"{SHORT_RECORD}: ramped in {r:,} of the last {quarters:,} quarters; {text}"
        for r, text in zip(out["ramped_quarters"], record, strict=True)
    ]
    out["history"] = np.select(
        [out["no_history"], out["won"] == 0, out["ramped_quarters"] == 0, out["short_record"]],
        [NO_DEALS, NO_WIN, NO_RAMPED_QUARTER, np.array(short, dtype=object)],
        default=np.array(record, dtype=object),
    )
    return out


def ramping(proposal: pd.DataFrame) -> pd.DataFrame:
    """Reps whose plan-period quota is below a full year's because they are still ramping.

    Parameters
    ----------
    proposal
        A :func:`propose` result (``quota, ramp_factor``).

    Returns
    -------
    DataFrame
        The proposal's rows with a quota and a ``ramp_factor`` below 1.
    """
    return proposal[proposal["quota"].gt(0) & (proposal["ramp_factor"] < 1 - 1e-6)]


def team_shares(proposal: pd.DataFrame) -> pd.DataFrame:
    """Each team's share of the company quota under each usable method, and its quota.

    Parameters
    ----------
    proposal
        A :func:`propose` result (``team``, ``<method>_share``, ``share``, ``quota``).

    Returns
    -------
    DataFrame
        ``team``, ``<method>_share`` for each usable method, ``share`` (the chosen method's)
        and ``quota``, one row per team.
    """
    methods = [f"{m}_share" for m in METHODS[:-1] if f"{m}_share" in proposal]
    team = proposal["team"].fillna("(no team)") if "team" in proposal else "All reps"
    return (
        proposal.assign(team=team).groupby("team")[[*methods, "share", "quota"]].sum().reset_index()
    )


def quarter_split(proposal: pd.DataFrame, season: pd.Series) -> pd.DataFrame:
    """The company quota of each plan quarter, beside the quarter's seasonal share.

    Parameters
    ----------
    proposal
        A :func:`propose` result.
    season
        The monthly shares of :func:`seasonality`.

    Returns
    -------
    DataFrame
        ``quarter, quota, seasonal_share`` (seasonal shares of a fiscal year, in the plan's
        quarters' fiscal positions).
    """
    qcols = quarter_columns(proposal)
    qshare = quarter_seasonality(season)
    return pd.DataFrame(
        {
            "quarter": [c[6:] for c in qcols],
            "quota": [float(proposal[c].sum()) for c in qcols],
            "seasonal_share": [float(qshare[int(c[-1]) - 1]) for c in qcols],
        }
    )


def month_split(data: SalesData, plan: PlanPeriod, season: pd.Series) -> pd.DataFrame:
    """Each plan month's seasonal share of a fiscal year's bookings (``month``, ``share``).

    Parameters
    ----------
    data
        The data set (its fiscal year's first month).
    plan
        The plan period.
    season
        The monthly shares of :func:`seasonality`.

    Returns
    -------
    DataFrame
        One row per plan month: ``month`` (``Jan 2027``) and ``share``.
    """
    first = (plan.months[0].month - data.calendar.start_month) % 12
    shares = season.to_numpy()[(first + np.arange(len(plan.months))) % 12]
    return pd.DataFrame(
        {"month": [f"{m:%b %Y}" for m in plan.months.to_timestamp()], "share": shares}
    )


def team_fairness(fair: pd.DataFrame) -> pd.DataFrame | None:
    """Each team's share of the quota against its share of territory potential.

    Parameters
    ----------
    fair
        A :func:`fairness` result.

    Returns
    -------
    DataFrame or None
        ``team, quota, quota_share, potential_share, quota_to_potential``; None when the
        potential is unknown (no accounts).
    """
    if "potential_share" not in fair:
        return None
    t = fair.assign(team=fair["team"].fillna("(no team)") if "team" in fair else "All reps")
    out = t.groupby("team").agg(quota=("quota", "sum"), potential_share=("potential_share", "sum"))
    out["quota_share"] = out["quota"] / out["quota"].sum()
    out["quota_to_potential"] = out["quota_share"] / out["potential_share"].where(
        out["potential_share"] > 0
    )
    return out.reset_index()[
        ["team", "quota", "quota_share", "potential_share", "quota_to_potential"]
    ]


def company_change(fair: pd.DataFrame) -> float:
    """Change of the company quota from the previous period's, among reps with a full previous period.

    Parameters
    ----------
    fair
        A :func:`fairness` result (``quota, previous_quota, change``; ``change`` is set only
        for reps with a full previous period).

    Returns
    -------
    float
        Their quotas' sum over their previous quotas' sum, minus 1 (0.1 = 10% more); NaN when
        no rep has a full previous period.
    """
    had = fair["change"].notna()
    if not had.any():
        return float("nan")
    return float(fair.loc[had, "quota"].sum() / fair.loc[had, "previous_quota"].sum() - 1)


BIAS_POINTS = 0.1
"""A back-test's simulated share at quota off the realized share by this much, the same way on
every plan, reads as a bias of the simulation (10 points)."""


@dataclass(frozen=True)
class BacktestRow:
    """One plan of a back-tested year: its quotas, simulated and realized share at quota."""

    plan: str
    target: float
    quota: float
    share: float
    lo80: float
    hi80: float
    realized: float
    recommended: bool


@dataclass(frozen=True)
class YearBacktest:
    """Quotas the method would have set for the last complete fiscal year, against what happened.

    Attributes
    ----------
    year
        The fiscal year back-tested.
    as_of
        The day before it started: only what was known then set the quotas.
    target
        That day's year-ahead forecast (the target asked).
    reps
        How many reps were in seat the whole year (the realized shares count them).
    rows
        The plan as asked and the reachable plan (:func:`choose_plan` on that day), each
        simulated and realized; ``recommended`` marks the one :func:`plan_rule` chose then.
    reason
        Why (:func:`plan_rule`, floors only: no back-test of the year before is asked for).
    bias
        What those reps booked over what the simulation expected them to book (1.10: 10% more;
        NaN: unknown). The same reps and draws serve both plans, so one figure.
    """

    year: int
    as_of: pd.Timestamp
    target: float
    reps: int
    rows: tuple[BacktestRow, ...]
    reason: str
    bias: float = float("nan")

    @property
    def asked(self) -> BacktestRow:
        """The plan as asked."""
        return self.rows[0]

    @property
    def recommended(self) -> BacktestRow:
        """The plan the rule recommended that day."""
        return next(r for r in self.rows if r.recommended)

    @property
    def misses(self) -> list[float]:
        """Realized less simulated share of each plan with a realized share (0.19: 19 points
        more reps made it than simulated)."""
        return [r.realized - r.share for r in self.rows if np.isfinite(r.realized)]

    @property
    def verdict(self) -> str:
        """The simulation against what happened: ``pessimistic`` when the realized share lay
        above the simulated 80% range of a plan, or every plan's realized share lay
        :data:`BIAS_POINTS` or more above its simulated share (a consistent bias), and
        ``optimistic`` the other way; ``fair`` otherwise (``mixed`` when it erred both ways)."""
        rows = [r for r in self.rows if np.isfinite(r.realized)]
        misses = self.misses
        above = any(r.realized > r.hi80 for r in rows) or (
            bool(misses) and all(m >= BIAS_POINTS for m in misses)
        )
        below = any(r.realized < r.lo80 for r in rows) or (
            bool(misses) and all(m <= -BIAS_POINTS for m in misses)
        )
        if above and below:
            return "mixed"
        return "pessimistic" if above else "optimistic" if below else "fair"


def backtest_year(
    data: SalesData,
    *,
    as_of: pd.Timestamp,
    method: str = "blend",
    overassign: float = 1.1,
    ramp: Sequence[float] | str | None = None,
    band: tuple[float, float] = HEALTHY_BAND,
) -> YearBacktest:
    """Plan the last fiscal year complete on ``as_of`` as if on the eve of it, and score it.

    On that day the target is the year-ahead forecast on the quarters of
    :func:`history_window` (the plan's own rule, so two data sets with the same history are
    treated alike), and :func:`choose_plan` proposes the plan as asked and the reachable
    plan and recommends one by its floors. Each is simulated and set against the share of
    the reps in seat all year who reached it (:func:`realized_share`).

    Parameters
    ----------
    data
        The sales data.
    as_of
        The planning date of the report; the back-tested year is the last one complete by it.
    method, overassign, ramp, band
        As for :func:`choose_plan`.

    Returns
    -------
    YearBacktest

    Raises
    ------
    SalesOpsDataError
        When the data holds no complete fiscal year, or fewer than four complete quarters
        before it (the year-ahead forecast's minimum).

    Examples
    --------
    >>> backtest_year(data, as_of=pd.Timestamp("2026-09-30")).verdict  # doctest: +SKIP
    'pessimistic'
    """
    year, eve, window = _backtest_eve(data, as_of)
    tgt, _model = year_ahead(data, window, [f"{year}Q{i}" for i in range(1, 5)], eve)
    if not tgt > 0:
        raise SalesOpsDataError(f"the forecast for FY{year} made on {eve:%Y-%m-%d} is $0")
    choice = choose_plan(
        data,
        target=tgt,
        period=year,
        method=method,
        overassign=overassign,
        ramp=ramp,
        as_of=eve,
        band=band,
        year_booked=year_of_bookings(trailing_bookings(data, eve)),
        require_backtest=False,
    )
    rows, reps, bias = _backtest_rows(data, choice, target=tgt, year=year, eve=eve)
    return YearBacktest(
        year=int(year),
        as_of=eve,
        target=tgt,
        reps=reps,
        rows=rows,
        reason=choice.reason,
        bias=bias,
    )


def _backtest_eve(data: SalesData, as_of: pd.Timestamp) -> tuple[int, pd.Timestamp, HistoryWindow]:
    """The fiscal year to back-test, the day before it began and the quarters known that day.

    Raises
    ------
    SalesOpsDataError
        When the data starts after that year began, or holds fewer than
        :data:`RUN_RATE_MIN_QUARTERS` complete quarters before it.
    """
    cal = data.calendar
    last_q = cal.latest_complete_quarter(pd.Timestamp(as_of))
    year = cal.fiscal_year(last_q) - (0 if last_q.endswith("Q4") else 1)
    start = cal.bounds(f"{year}Q1")[0]
    if start < data.first_date.normalize():
        raise SalesOpsDataError(
            f"the data's first deal closed on {data.first_date:%Y-%m-%d}, after FY{year} began: "
            "there is no complete fiscal year to back-test"
        )
    eve = start - pd.Timedelta(days=1)
    window = history_window(data, eve)
    have = list(window.quarters)
    if len(have) < RUN_RATE_MIN_QUARTERS:
        span = f", {have[0]}–{have[-1]}" if len(have) > 1 else f", {have[0]}" if have else ""
        raise SalesOpsDataError(
            f"FY{year} had only {len(have)} complete "
            f"{'quarter' if len(have) == 1 else 'quarters'} of bookings before it{span}; "
            f"at least {RUN_RATE_MIN_QUARTERS} are needed to set its target from a year of bookings"
        )
    return year, eve, window


def _backtest_rows(
    data: SalesData, choice: PlanChoice, *, target: float, year: int, eve: pd.Timestamp
) -> tuple[tuple[BacktestRow, ...], int, float]:
    """Each plan of the back-tested year simulated and realized, the reps in seat all year, the bias.

    The bias (what those reps booked over what the simulation expected) is measured on the
    plan as asked: the same reps and draws serve both plans.
    """
    rows = []
    reps = 0
    bias = float("nan")
    for label, plan, share, row_target in (
        ("as asked", choice.asked, choice.share_asked, target),
        ("reachable", choice.reachable_plan, choice.share_reachable, choice.reachable_target),
    ):
        sh = share.loc["All reps"]
        real = realized_share(data, plan, year)
        reps = int(len(real))
        if label == "as asked" and reps:
            sim = simulate_attainment(data, plan, as_of=eve).set_index("rep_id")
            expected = float(sim["expected_bookings"].reindex(real["rep_id"]).sum())
            bias = float(real["bookings"].sum()) / expected if expected > 0 else float("nan")
        rows.append(
            BacktestRow(
                plan=label,
                target=float(row_target),
                quota=float(plan["quota"].sum()),
                share=float(sh["share"]),
                lo80=float(sh["lo80"]),
                hi80=float(sh["hi80"]),
                realized=float(real["attained"].mean()) if len(real) else float("nan"),
                recommended=(label == "reachable") == choice.reachable,
            )
        )
    return tuple(rows), reps, bias


def bias_adjusted_share(
    data: SalesData,
    quotas: pd.DataFrame,
    bias: float,
    *,
    as_of: pd.Timestamp | str | None = None,
) -> float:
    """Expected share of reps at quota once the simulation is corrected by a back-test's bias.

    Every rep's simulated bookings are multiplied by ``bias`` (what reps booked over what the
    simulation expected in the back-tested year: :attr:`YearBacktest.bias`), which is the
    same as dividing every quota by it (:func:`share_if_scaled`).

    Parameters
    ----------
    data
        The sales data.
    quotas
        A :func:`propose` result.
    bias
        Realized over simulated bookings (1.10: reps booked 10% more than simulated).
    as_of
        The planning date (None: as for :func:`share_at_quota`).

    Returns
    -------
    float
        NaN when ``bias`` is not a positive number or no rep has a quota.

    Examples
    --------
    >>> bias_adjusted_share(data, proposal, 1.10)  # doctest: +SKIP
    0.41...
    """
    if not (np.isfinite(bias) and bias > 0):
        return float("nan")
    return share_if_scaled(data, quotas, 1 / float(bias), as_of=as_of)


def share_if_scaled(
    data: SalesData,
    quotas: pd.DataFrame,
    factor: float,
    *,
    n: int = 5000,
    seed: int = 0,
    as_of: pd.Timestamp | str | None = None,
) -> float:
    """Expected share of reps at or above quota if every quota were multiplied by ``factor``.

    Uses the same draws as :func:`share_at_quota` (``factor`` 1: its ``All reps`` share).

    Parameters
    ----------
    data
        The sales data.
    quotas
        A :func:`propose` result.
    factor
        The scale of every quota (0.9: 10% lower).
    n
        Simulation draws.
    seed
        Seed of the draws (the same seed and reps, the same draws).
    as_of
        The planning date (None: the day before the plan's first quarter, or the data's last
        date when earlier).

    Returns
    -------
    float
        NaN when no rep has a quota.

    Examples
    --------
    >>> share_if_scaled(data, proposal, 93.0e6 / proposal["quota"].sum())  # doctest: +SKIP
    """
    as_of_ts = _as_of_for(data, quotas, as_of)
    sims, _ = _draws(data, quotas, n=n, seed=seed, as_of=as_of_ts, common_sd=None)
    q = quotas["quota"].to_numpy() * float(factor)
    keep = q > 0
    if not keep.any():
        return float("nan")
    return float((sims[:, keep] >= q[keep][None, :]).mean())
