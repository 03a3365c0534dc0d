"""Sales KPIs: bookings, win rate, deal size, cycle, pipeline, attainment, coverage.

Definitions (used by every report)
----------------------------------
bookings
    Amount of deals closed won in the quarter, up to ``as_of``.
won, lost
    Number of deals closed won / closed lost in that window.
win_rate
    won / (won + lost), by count.
avg_deal_size
    bookings / won.
avg_cycle_days
    Mean days from created date to close date over the won deals in the window.
open_pipeline
    Amount of deals open on ``as_of`` whose (expected) close date falls in the quarter.
    With history snapshots, the latest snapshot on or before ``as_of`` says which deals were
    open, their amount and their close date then; deals that closed by ``as_of`` are left
    out. Without history, a deal counts if it was created by ``as_of``, had not closed by
    then, and its close date is in the quarter.
quota
    Sum of the quotas for the quarter.
attainment
    bookings / quota.
coverage
    open_pipeline / remaining quota, where remaining quota = quota - bookings; missing when
    the quota is already met.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib.data import SalesData
from salesops_lib.errors import ConfigError
from salesops_lib.timeline import (
    open_pipeline,
    open_pipeline_amounts,
    quotas_of,
    with_closing_owners,
    won_deals,
)

KPI_COLUMNS = [
    "bookings",
    "won",
    "lost",
    "win_rate",
    "avg_deal_size",
    "avg_cycle_days",
    "open_pipeline",
    "quota",
    "attainment",
    "coverage",
]
GROUPINGS = ("rep_id", "team", "region", "manager")
TOTAL = "Total"
UNASSIGNED = "(unassigned)"
"""The group of reps without a team, region or manager."""


def quarter_window(
    data: SalesData, quarter: str, as_of: object | None = None
) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """First day, last day and effective as-of date of a quarter.

    ``as_of`` defaults to :meth:`SalesData.default_as_of`; a date after the quarter's last
    day is clipped to that day, so nothing after the quarter is counted.

    Parameters
    ----------
    data
        The data set (its calendar and last date).
    quarter
        Fiscal quarter label, e.g. ``2026Q3``.
    as_of
        What is known; None or NaN: the default.

    Returns
    -------
    start, end, as_of : Timestamp
        Dates at midnight.

    Raises
    ------
    ConfigError
        If ``as_of`` is not a date (the message shows the form to write).
    """
    start, end = data.calendar.bounds(quarter)
    if as_of is None or pd.isna(as_of):
        return start, end, min(data.default_as_of(quarter), end)
    try:
        as_of_ts = pd.Timestamp(as_of).normalize()
    except (TypeError, ValueError):
        raise ConfigError(f"as_of {as_of!r} is not a date; write it like 2026-08-15") from None
    return start, end, min(as_of_ts, end)


def closed_deals(data: SalesData, *, start: pd.Timestamp, as_of: pd.Timestamp) -> pd.DataFrame:
    """Deals closed (won or lost) from ``start`` to ``as_of`` inclusive.

    Parameters
    ----------
    data
        The data set (``opportunities``: ``is_closed, close_date``).
    start, as_of
        First and last close date of the window.

    Returns
    -------
    DataFrame
        A new frame: ``opp_id, rep_id`` (the owner when the deal closed,
        :func:`~salesops_lib.timeline.closing_owners`), ``amount, created_date, close_date,
        is_won`` (bool, blank as False), ``opp_row`` (the deal's row in the opportunities table) and ``cycle_days``
        (created to close; NaN without a created date).
    """
    opps = data.opportunities
    closed = opps["is_closed"].fillna(False).to_numpy(dtype=bool)
    when = opps["close_date"]
    mask = closed & (when >= start).to_numpy(dtype=bool) & (when <= as_of).to_numpy(dtype=bool)
    out = opps.loc[
        mask, ["opp_id", "rep_id", "amount", "created_date", "close_date", "is_won"]
    ].copy()
    out["opp_row"] = np.flatnonzero(mask)
    out = with_closing_owners(data, out, out["opp_row"].to_numpy())  # who owned it at close
    out["is_won"] = out["is_won"].fillna(False).astype(bool)
    out["cycle_days"] = (out["close_date"] - out["created_date"]).dt.days.astype("float64")
    return out


def _group_key(data: SalesData, by: str | None) -> pd.Series | None:
    if by is None or by == "rep_id":
        return None
    if by not in data.reps:
        raise ValueError(
            f"by must be one of rep_id, team, region, manager or None; the reps table has no {by!r}"
        )
    return data.reps.set_index("rep_id")[by]


def group_labels(data: SalesData, frame: pd.DataFrame, by: str | None) -> pd.Series:
    """The group of each row of a frame with ``rep_id``: ``Total``, the rep, or the rep's ``by``.

    Reps without a value for ``by`` fall in ``(unassigned)``.

    Parameters
    ----------
    data
        The data set (its reps table).
    frame
        Any frame with ``rep_id``.
    by
        None (every row ``Total``), ``rep_id``, or a column of the reps table (``team``,
        ``region``, ``manager``).

    Returns
    -------
    Series
        One label per row, on ``frame``'s index.

    Raises
    ------
    ValueError
        When ``by`` is not a column of the reps table.
    """
    if by is None:
        return pd.Series(TOTAL, index=frame.index)
    key = _group_key(data, by)
    if key is None:
        return frame["rep_id"]
    return frame["rep_id"].map(key).fillna(UNASSIGNED)


def kpi_table(
    data: SalesData, *, quarter: str, as_of: object | None = None, by: str | None = "rep_id"
) -> pd.DataFrame:
    """Core KPIs for a quarter, per rep, team, region, manager, or in total.

    Parameters
    ----------
    data
        Loaded data (needs ``opportunities`` and ``reps``; ``quotas`` and ``history`` when
        present).
    quarter
        Fiscal quarter label, e.g. ``"2026Q3"`` (``2026-Q3``, ``Q3 2026`` and ``FY2026Q3``
        are read too).
    as_of
        Count only what was known on this date (default: the quarter's end, or the data's
        last date while the quarter runs). A date after the quarter's end is clipped to
        the quarter's end: the table counts the whole quarter and nothing after it (deals
        closed later are not bookings of this quarter; the open pipeline is the one open
        on the quarter's last day). A date before the quarter starts raises.
    by
        ``"rep_id"``, ``"team"``, ``"region"``, ``"manager"``, or None for one total row.

    Returns
    -------
    DataFrame
        Indexed by ``by`` (``"Total"`` when None), columns
        ``bookings, won, lost, win_rate, avg_deal_size, avg_cycle_days, open_pipeline,
        quota, attainment, coverage``. See the module docstring for each definition.

    Raises
    ------
    ConfigError
        When ``quarter`` is not a quarter label or is outside the data, or ``as_of`` is
        not a date or is before the quarter starts (each message says what is allowed).

    Examples
    --------
    >>> kpi_table(data, quarter="2026Q3", by="team")  # doctest: +SKIP
    """
    quarter = data.quarter_label(quarter)
    start, end, as_of_ts = quarter_window(data, quarter, as_of)
    if as_of_ts < start:
        raise ConfigError(
            f"as_of {as_of_ts.date()} is before {quarter} starts ({start.date()} to {end.date()})"
        )
    closed = closed_deals(data, start=start, as_of=as_of_ts)
    # owners and amounts only: a first call on a plain folder derives no history facts
    pipe = open_pipeline_amounts(data, quarter=quarter, as_of=as_of_ts)
    quotas = _quotas_for(data, quarter)

    rep_ids = _reps_in_quarter(data, closed, pipe, quotas, start, end)
    won = closed[closed["is_won"]]
    lost = closed[~closed["is_won"]]

    index_name = by if by is not None else "scope"

    def keyed(frame: pd.DataFrame) -> pd.Series:
        return group_labels(data, frame, by)

    won_g = won.groupby(keyed(won))
    out = pd.DataFrame(
        {
            "bookings": won_g["amount"].sum(),
            "won": won_g.size(),
            "avg_cycle_days": won_g["cycle_days"].mean(),
        }
    )
    out = out.join(lost.groupby(keyed(lost)).size().rename("lost"), how="outer")
    out = out.join(pipe.groupby(keyed(pipe))["amount"].sum().rename("open_pipeline"), how="outer")
    q = quotas.rename_axis("rep_id").reset_index()
    out = out.join(q.groupby(keyed(q))["quota"].sum(min_count=1).rename("quota"), how="outer")
    universe = (
        pd.Index([TOTAL])
        if by is None
        else pd.Index(keyed(pd.DataFrame({"rep_id": rep_ids})).unique())
    )
    out = out.reindex(out.index.union(universe))
    for col in ("bookings", "won", "lost", "open_pipeline"):
        out[col] = out[col].fillna(0)
    out = _with_rates(out)[KPI_COLUMNS]
    out.index.name = index_name
    return out.sort_index()


def _reps_in_quarter(
    data: SalesData,
    closed: pd.DataFrame,
    pipe: pd.DataFrame,
    quotas: pd.Series,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> pd.Index:
    """Every rep the quarter's table lists: in seat during it, or with a deal or quota in it."""
    reps = data.reps
    active = (reps["hire_date"].isna() | (reps["hire_date"] <= end)) & (
        reps["end_date"].isna() | (reps["end_date"] >= start)
    )
    seen = [reps.loc[active, "rep_id"], closed["rep_id"], pipe["rep_id"], quotas.index.to_series()]
    return pd.Index(pd.unique(pd.concat(seen, ignore_index=True).dropna()))


def _with_rates(out: pd.DataFrame) -> pd.DataFrame:
    """Win rate, deal size, attainment and coverage from the counted columns (NaN when undefined)."""
    out["won"] = out["won"].astype("int64")
    out["lost"] = out["lost"].astype("int64")
    decided = out["won"] + out["lost"]
    out["win_rate"] = np.where(decided > 0, out["won"] / decided.where(decided > 0, 1), np.nan)
    out["avg_deal_size"] = np.where(
        out["won"] > 0, out["bookings"] / out["won"].where(out["won"] > 0, 1), np.nan
    )
    has_quota = out["quota"].notna() & (out["quota"] > 0)
    out["attainment"] = np.where(
        has_quota, out["bookings"] / out["quota"].where(has_quota, 1), np.nan
    )
    remaining = out["quota"] - out["bookings"]
    out["coverage"] = np.where(
        has_quota & (remaining > 0),
        out["open_pipeline"] / remaining.where(remaining > 0, 1),
        np.nan,
    )
    return out


def _quotas_for(data: SalesData, quarter: str) -> pd.Series:
    return quotas_of(data, quarter)


def has_quotas(data: SalesData, quarter: str | None = None) -> bool:
    """Whether the data has quotas (for ``quarter``, when given).

    Parameters
    ----------
    data
        The data set (its ``quotas`` table).
    quarter
        A fiscal quarter label (``2026Q3``, ``2026-Q3``, ``Q3 2026``, ``FY2026Q3``); None:
        any quarter.

    Returns
    -------
    bool

    Raises
    ------
    ConfigError
        When ``quarter`` is not a quarter label (the message lists the forms read).
    """
    if data.quotas is None or data.quotas.empty:
        return False
    return quarter is None or bool(
        (data.quotas["period"] == data.calendar.normalize(quarter)).any()
    )


def kpi_trend(data: SalesData, *, quarters: list[str], by: str | None = None) -> pd.DataFrame:
    """:func:`kpi_table` for each complete quarter in ``quarters``, stacked.

    Parameters
    ----------
    data
        The data set.
    quarters
        The quarters, in the order stacked (each counted to its end, or to the data's last
        date while it runs).
    by
        ``rep_id``, ``team``, ``region``, ``manager``, or None for one total row per quarter.

    Returns
    -------
    DataFrame
        Columns ``quarter`` (and ``by``) plus the KPI columns; one row per quarter (and group).
    """
    frames = []
    for q in quarters:
        t = kpi_table(data, quarter=q, by=by).reset_index()
        t.insert(0, "quarter", q)
        frames.append(t)
    out = pd.concat(frames, ignore_index=True)
    return out.drop(columns=["scope"]) if by is None else out


def attainment_trend(data: SalesData, *, quarters: list[str]) -> pd.DataFrame:
    """Each rep's bookings, wins, quota and attainment per quarter.

    :func:`kpi_trend`'s figures without the open pipeline, which costs the most to work out.

    Parameters
    ----------
    data
        The data set.
    quarters
        The quarters, in the order stacked (each counted to its end, or to the data's last
        date while it runs).

    Returns
    -------
    DataFrame
        ``quarter, rep_id, bookings, won, quota, attainment``: one row per rep with a win or a
        quota in the quarter (a rep with a quota and no win has 0 bookings).
    """
    frames = []
    for q in quarters:
        start, _end, as_of_ts = quarter_window(data, q, None)
        closed = closed_deals(data, start=start, as_of=as_of_ts)
        won = closed[closed["is_won"]].groupby("rep_id")["amount"].agg(["sum", "size"])
        quota = quotas_of(data, q).rename("quota")
        t = won.rename(columns={"sum": "bookings", "size": "won"}).join(quota, how="outer")
        t[["bookings", "won"]] = t[["bookings", "won"]].fillna(0)
        has = t["quota"].notna() & (t["quota"] > 0)
        t["attainment"] = np.where(has, t["bookings"] / t["quota"].where(has, 1), np.nan)
        frames.append(t.rename_axis("rep_id").reset_index().assign(quarter=q))
    cols = ["quarter", "rep_id", "bookings", "won", "quota", "attainment"]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)[cols]
    out["won"] = out["won"].astype("int64")
    return out


def pace(
    data: SalesData, *, quarter: str, as_of: object | None = None, lookback: int = 4
) -> pd.DataFrame:
    """Cumulative bookings by day of quarter, this quarter against the previous ones.

    Parameters
    ----------
    data
        The data set (won deals; quotas when present).
    quarter
        The quarter reported.
    as_of
        What is known of ``quarter`` (None: its end, or the data's last date while it runs).
    lookback
        Number of earlier quarters to compare with.

    Returns
    -------
    DataFrame
        ``quarter, day, bookings_to_date, quota, share_of_quota`` with one row per day
        from 0 (the quarter's first day) to the quarter's last day (this quarter: to
        ``as_of``). ``share_of_quota`` is missing without quotas.
    """
    _, _, as_of_ts = quarter_window(data, quarter, as_of)
    opps = data.opportunities
    won = opps[opps["is_won"].fillna(False).astype(bool) & opps["close_date"].notna()]
    rows = []
    for k in range(lookback, -1, -1):
        q = data.calendar.shift(quarter, -k)
        start, end = data.calendar.bounds(q)
        stop = as_of_ts if k == 0 else end
        if stop < start:
            continue
        w = won[(won["close_date"] >= start) & (won["close_date"] <= stop)]
        days = pd.RangeIndex(0, (stop - start).days + 1)
        daily = (
            w.groupby((w["close_date"] - start).dt.days)["amount"]
            .sum()
            .reindex(days, fill_value=0.0)
        )
        quota = _quotas_for(data, q).sum() if has_quotas(data, q) else np.nan
        cum = daily.cumsum()
        rows.append(
            pd.DataFrame(
                {
                    "quarter": q,
                    "day": days,
                    "bookings_to_date": cum.to_numpy(),
                    "quota": quota,
                    "share_of_quota": cum.to_numpy() / quota if quota and quota > 0 else np.nan,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def value_win_rate(
    data: SalesData, *, quarters: list[str], by: str | None = None
) -> pd.Series | float:
    """Won amount / (won + lost amount) over deals closed in ``quarters``.

    The share of pipeline value that historically turned into bookings: the inverse is the
    pipeline coverage a team needs to close its gap.

    Parameters
    ----------
    data
        The data set.
    quarters
        Consecutive quarters, oldest first: deals closed from the first one's start to the
        last one's end count.
    by
        None for the company, ``rep_id``, or a column of the reps table (``team``,
        ``region``, ``manager``).

    Returns
    -------
    float or Series
        A float for ``by=None`` (NaN when nothing closed, or for no quarters); otherwise a
        Series ``value_win_rate`` per group (reps without a ``by`` value in
        ``(unassigned)``, as :func:`group_labels` puts them).
    """
    if not quarters:
        return np.nan
    start, _ = data.calendar.bounds(quarters[0])
    _, end = data.calendar.bounds(quarters[-1])
    closed = closed_deals(data, start=start, as_of=end)
    closed["won_amount"] = closed["amount"].where(closed["is_won"], 0.0)
    if by is None:
        total = closed["amount"].sum()
        return float(closed["won_amount"].sum() / total) if total > 0 else np.nan
    # reps without a value fall in (unassigned), as in every other per-group figure
    g = closed.groupby(group_labels(data, closed, by))[["won_amount", "amount"]].sum()
    return (g["won_amount"] / g["amount"].where(g["amount"] > 0)).rename("value_win_rate")


def rep_directory(data: SalesData) -> pd.DataFrame:
    """Rep attributes for display: ``rep_id, rep_name, team, region, manager, role, hire_date, end_date``.

    Parameters
    ----------
    data
        The data set (its reps table).

    Returns
    -------
    DataFrame
        A copy of those of the columns the reps table has, one row per rep; a blank
        ``rep_name`` shows the ``rep_id``.
    """
    cols = [
        c
        for c in (
            "rep_id",
            "rep_name",
            "team",
            "region",
            "manager",
            "role",
            "hire_date",
            "end_date",
        )
        if c in data.reps
    ]
    out = data.reps[cols].copy()
    if "rep_name" in out:
        out["rep_name"] = out["rep_name"].fillna(out["rep_id"])
    return out


def coverage(
    data: SalesData, *, quarter: str, as_of: object, by: str | None = None, trailing: int = 4
) -> pd.DataFrame:
    """Pipeline coverage of a quarter's remaining goal, as known on ``as_of``.

    Works for the running quarter and for a later one (``as_of`` before its start: nothing
    is booked yet).

    Parameters
    ----------
    data
        The data set (quotas, when present, set the goal).
    quarter
        The quarter whose goal is covered.
    as_of
        What is known: bookings to this date, deals open on it.
    by
        ``team``, ``region``, ``manager``, ``rep_id`` or None for one total row.
    trailing
        Complete quarters before ``as_of`` that set the historical win rate by value.

    Returns
    -------
    DataFrame
        ``goal, goal_basis, bookings, gap, open_pipeline, coverage, value_win_rate,
        needed_coverage, pipeline_short, trailing_quarters`` (the complete quarters the rates
        come from) per group; one ``Total`` row for ``by`` None, even of nothing. The goal is
        the quota, else the trailing quarters' average bookings (``goal_basis`` says which).
        ``gap`` = max(goal - bookings, 0); ``coverage`` = open_pipeline / gap;
        ``needed_coverage`` = 1 / value_win_rate; ``pipeline_short`` = max(gap x
        needed_coverage - open_pipeline, 0).
    """
    as_of_ts = pd.Timestamp(as_of).normalize()
    start, end = data.calendar.bounds(quarter)

    def keyed(frame: pd.DataFrame) -> pd.Series:
        return group_labels(data, frame, by)

    stop = min(as_of_ts, end)  # before the quarter starts: nothing booked in it yet
    won = closed_deals(data, start=start, as_of=max(stop, start - pd.Timedelta(days=1)))
    won = won[won["is_won"]]
    pipe = open_pipeline(data, quarter=quarter, as_of=as_of_ts)
    last_complete = data.calendar.latest_complete_quarter(as_of_ts)
    past = trailing_full_quarters(data, as_of_ts, trailing) or [last_complete]
    vwr = value_win_rate(data, quarters=past, by=by if by is not None else None)
    if has_quotas(data, quarter):
        q = _quotas_for(data, quarter).rename_axis("rep_id").reset_index()
        goal = q.groupby(keyed(q))["quota"].sum()
        basis = "quota"
    else:
        p_start, _ = data.calendar.bounds(past[0])
        _, p_end = data.calendar.bounds(past[-1])
        hist = closed_deals(data, start=p_start, as_of=p_end)
        hist = hist[hist["is_won"]]
        goal = hist.groupby(keyed(hist))["amount"].sum() / len(past)
        basis = f"average bookings {past[0]}–{past[-1]}"
    out = pd.DataFrame({"goal": goal})
    out = out.join(won.groupby(keyed(won))["amount"].sum().rename("bookings"), how="outer")
    out = out.join(pipe.groupby(keyed(pipe))["amount"].sum().rename("open_pipeline"), how="outer")
    out = out.reindex([TOTAL]) if by is None and out.empty else out  # nothing at all: one row
    out[["bookings", "open_pipeline"]] = out[["bookings", "open_pipeline"]].fillna(0.0)
    out["goal_basis"] = basis
    out["trailing_quarters"] = len(past)  # the complete quarters the rates come from
    out["gap"] = (out["goal"] - out["bookings"]).clip(lower=0)
    out["coverage"] = np.where(
        out["gap"] > 0, out["open_pipeline"] / out["gap"].where(out["gap"] > 0, 1), np.nan
    )
    if by is None:
        out["value_win_rate"] = vwr
    else:
        out["value_win_rate"] = out.index.map(vwr)
    new = new_deal_bookings(data, quarters=past, offset=int((as_of_ts - start).days), by=by)
    out["from_new_deals"] = new if by is None else out.index.map(new)
    out["from_new_deals"] = out["from_new_deals"].astype(float).fillna(0.0)
    # what today's pipeline must bring: the gap less what deals not yet created usually add
    from_pipeline = (out["gap"] - out["from_new_deals"]).clip(lower=0)
    rate = out["value_win_rate"].where(out["value_win_rate"] > 0)
    out["needed_coverage"] = np.where(
        out["gap"] > 0, from_pipeline / rate / out["gap"].where(out["gap"] > 0, 1), np.nan
    )
    out["pipeline_short"] = (from_pipeline / rate - out["open_pipeline"]).clip(lower=0)
    out.index.name = by if by is not None else "scope"
    return out[
        [
            "goal",
            "goal_basis",
            "bookings",
            "gap",
            "open_pipeline",
            "coverage",
            "value_win_rate",
            "from_new_deals",
            "needed_coverage",
            "pipeline_short",
            "trailing_quarters",
        ]
    ].sort_index()


def pipeline_needed(cov: pd.DataFrame) -> pd.Series:
    """The pipeline each row of :func:`coverage` needs for its gap: gap x needed coverage.

    Parameters
    ----------
    cov
        :func:`coverage` (``gap, needed_coverage``).

    Returns
    -------
    Series
        Per row: 0 when nothing is left to book (the gap is 0), NaN when the goal or the win
        rate by value is unknown.
    """
    need = cov["gap"] * cov["needed_coverage"]
    return need.mask(cov["gap"] == 0, 0.0).rename("needed")


@dataclass(frozen=True)
class ShortfallParts:
    """Why the teams short of pipeline lack more between them than the company does.

    ``lacking - company = surplus + no_need + needs_apart`` whenever the company is short:
    the teams' rows hold all the company's pipeline once.

    Attributes
    ----------
    lacking
        The teams short of pipeline: their shortfalls summed.
    company
        The company's shortfall (0 when it is not short).
    surplus
        Pipeline of the other teams beyond what their own goal needs.
    surplus_teams
        Those teams' names (no name: the unassigned row).
    no_need
        Pipeline of rows whose need is unknown (deals of no team, teams without a goal or
        win rate): it counts in the company's pipeline and in no team's need.
    needs_apart
        The teams' needs, each from its own gap, win rate by value and new-deal bookings,
        summed, less the company's need from its totals: positive when the company's blend
        needs less.
    """

    lacking: float
    company: float
    surplus: float
    surplus_teams: tuple[str, ...]
    no_need: float
    needs_apart: float


def shortfall_parts(
    teams: pd.DataFrame, *, needed: float, pipeline: float, team_col: str = "team"
) -> ShortfallParts:
    """Split the difference between the teams' and the company's pipeline shortfall.

    Parameters
    ----------
    teams
        One row per team (the unassigned deals' row included): ``team_col``, ``needed`` (the
        pipeline its gap needs, :func:`pipeline_needed`; NaN unknown) and ``pipeline`` (its
        open pipeline of the quarter).
    needed
        The company's need (its total row's ``needed``).
    pipeline
        The company's open pipeline of the quarter.
    team_col
        The column naming the team.

    Returns
    -------
    ShortfallParts

    Examples
    --------
    >>> t = pd.DataFrame({"team": ["A", "B"], "needed": [10.0, 6.0], "pipeline": [4.0, 8.0]})
    >>> p = shortfall_parts(t, needed=15.0, pipeline=12.0)
    >>> (p.lacking, p.company, p.surplus, p.needs_apart)
    (6.0, 3.0, 2.0, 1.0)
    """
    need = teams["needed"].astype(float)
    pipe = teams["pipeline"].astype(float).fillna(0.0)
    known = need.notna()
    spare = (pipe - need).where(known)
    return ShortfallParts(
        lacking=float((-spare).clip(lower=0).sum()),
        company=max(float(needed) - float(pipeline), 0.0) if np.isfinite(needed) else 0.0,
        surplus=float(spare.clip(lower=0).sum()),
        surplus_teams=tuple(
            str(n) for n in teams.loc[(spare > 0).to_numpy(bool), team_col] if n != UNASSIGNED
        ),
        no_need=float(pipe[~known].sum()),
        needs_apart=float(need[known].sum()) - float(needed) if np.isfinite(needed) else 0.0,
    )


def trailing_full_quarters(data: SalesData, as_of: pd.Timestamp, n: int) -> list[str]:
    """The last ``n`` quarters complete by ``as_of`` that the data holds in full, oldest first.

    Parameters
    ----------
    data
        The data set (:meth:`SalesData.full_quarters` says which quarters it holds in full).
    as_of
        Only quarters that ended by this day.
    n
        How many quarters at most.

    Returns
    -------
    list of str
        Fewer than ``n`` (or none) when the data starts later.
    """
    last = data.calendar.latest_complete_quarter(pd.Timestamp(as_of))
    full = set(data.full_quarters())
    back = [data.calendar.shift(last, -k) for k in range(n - 1, -1, -1)]
    return [q for q in back if q in full]


def new_deal_bookings(
    data: SalesData, *, quarters: list[str], offset: int, by: str | None = None
) -> pd.Series | float:
    """Average bookings of ``quarters`` from deals created after ``offset`` days into each.

    What a pipeline count cannot see yet: the deals that are created, and won, later in the
    quarter. ``offset`` is the as-of date's day in its quarter, counted from 0 (negative before
    the quarter starts, e.g. -1 on its eve).

    Parameters
    ----------
    data
        The data set (won deals' ``rep_id, amount, created_date, close_date``).
    quarters
        The complete quarters to average over.
    offset
        Days from each quarter's first day to the point (the as-of date's offset).
    by
        ``team``, ``region``, ``manager``, ``rep_id`` or None for the total.

    Returns
    -------
    float or Series
        The total (``by=None``) or per group; NaN / empty without quarters.
    """
    if not quarters:
        return np.nan if by is None else pd.Series(dtype=float)
    # the columns used, not all; each deal counted for the rep who owned it when won
    won = won_deals(data)[["rep_id", "amount", "created_date", "close_date"]]
    parts = []
    for q in quarters:
        start, end = data.calendar.bounds(q)
        point = start + pd.Timedelta(days=offset)
        inside = won[(won["close_date"] >= start) & (won["close_date"] <= end)]
        parts.append(inside[inside["created_date"] > point])
    late = pd.concat(parts)
    if by is None:
        return float(late["amount"].sum()) / len(quarters)
    return late.groupby(group_labels(data, late, by))["amount"].sum() / len(quarters)
