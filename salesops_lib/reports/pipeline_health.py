"""Report 06, pipeline health: where do deals get stuck or leak?

:func:`build` returns a :class:`PipelineHealth`: the funnel of the quarter's closed deals,
the bottleneck over the trailing quarters (the same rule and deals as report 02), time in
stage and the age of the open pipeline, the quarter's pipeline from start to as-of (the
waterfall, won = bookings), sales velocity of the deals open now and whether enough
pipeline was created for the next quarter (next quarter's goal and win rate from the
reckoning reports 01 and 03 share). Every sentence is a function of the numbers beside it
(tested in ``tests/test_reports_pipeline_health.py``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib import timeline
from salesops_lib.analysis import funnel as funnel_lib
from salesops_lib.analysis import kpis, pipeline
from salesops_lib.analysis.kpis import UNASSIGNED
from salesops_lib.analysis.outlook import Outlook, outlook_quarter, quarter_outlook
from salesops_lib.analysis.reps import trailing_quarters
from salesops_lib.data import SalesData
from salesops_lib.format import pct
from salesops_lib.reports.base import (
    NO_HISTORY,
    Finding,
    Gap,
    HasGaps,
    Header,
    MoneyFormat,
    Period,
    add_history,
    bold,
    count,
    header,
    listing,
    money_in,
    no_lost_deals_sentence,
    no_teams,
    no_teams_sentence,
    period_of,
    quarter_span,
    team_or_company,
)
from salesops_lib.reports.definitions import pick
from salesops_lib.reports.outlook import (
    coverage_not_forecast,
    outlook_sentence,
    shortfall_gap_words,
)
from salesops_lib.reports.tables import Column, Table, TableSpec

WINDOW = 4
"""Quarters (the report's and those before it, inside the data) behind the bottleneck; report
02's default trailing window is the same, so both name the same step."""

FUNNEL_SECTION = "How do deals convert from stage to stage?"
BOTTLENECK_SECTION = "Is the bottleneck the same as in earlier quarters?"
STALL_SECTION = "Where does the pipeline stall?"
MOVEMENT_SECTION = "Where did this quarter's pipeline go?"
VELOCITY_SECTION = "How fast does the pipeline turn into bookings, and is enough being created?"

AGING_AXIS = "Open deals (amount) by days since the deal was created"

STEP_LABELS = {
    "start": "At the start",
    "created": "Created in the quarter",
    "pulled_in": "Pulled in from other quarters",
    "amount_change": "Amount changes",
    "won": "Won",
    "lost": "Lost",
    "slipped_out": "Slipped out",
    "end": "Still open at the end",
}
OLD_BANDS = ("181-365 days", "over a year")
BOOKINGS_NOTE = " (the quarter's bookings)"

FUNNEL_SPEC = TableSpec(
    (
        Column("group", "Segment"),
        Column("stage", "Stage"),
        Column("reached", "Deals reaching it", "int"),
        Column("step_rate", "Step conversion", "pct"),
        Column("cumulative_rate", "Cumulative conversion", "pct"),
    )
)
STALL_SPEC = TableSpec(
    (
        Column("stage", "Stage"),
        Column("median_days", "Median days", "int"),
        Column("p90_days", "90th percentile days", "int"),
        Column("open_now", "Open now", "int"),
        Column("stalled", "Stalled", "int"),
        Column("stalled_amount", "Stalled amount", "money"),
    )
)
MOVEMENT_SPEC = TableSpec(
    (
        Column("label", "Step"),
        Column("amount", "Amount", "money"),
        Column("deals", "Deals", "int"),
    )
)
VELOCITY_SPEC = TableSpec(
    (
        Column("team", "Team"),
        Column("open_deals", "Open deals", "int"),
        Column("undated", "Without close date", "int"),
        Column("avg_deal", "Average won deal", "money"),
        Column("win_rate", "Win rate", "pct"),
        Column("cycle_days", "Cycle days", "num1"),
        Column("velocity_per_day", "Sales velocity per day", "money"),
        Column("velocity_per_quarter", "Bookings a quarter", "money"),
    )
)
CREATION_SPEC = TableSpec(
    (
        Column("team", "Team"),
        Column("created", "Created", "money"),
        Column("created_open_target", "Of it open for next quarter", "money"),
        Column("goal_next", "Next quarter's goal", "money"),
        Column("value_win_rate", "Win rate by value", "pct"),
        Column("needed", "Pipeline needed", "money"),
        Column("created_vs_needed", "Created / needed", "pct"),
        Column("open_next", "Open for next quarter", "money"),
        Column("pipeline_short", "Pipeline short", "money"),
    )
)


@dataclass(frozen=True)
class PipelineHealth(HasGaps):
    """Everything report 06 shows (see :func:`build`)."""

    header: Header
    period: Period
    gaps: list[Gap]
    window: list[str]
    funnel: funnel_lib.Funnel
    funnel_table: Table
    funnel_chart: pd.DataFrame
    funnel_sentence: str
    funnel_title: str
    window_funnel: funnel_lib.Funnel
    bottleneck: funnel_lib.Bottleneck | None
    bottleneck_sentence: str | None
    steps_by_quarter: Table
    time_in_stage: Table | None
    stall_sentence: str | None
    aging: pd.DataFrame
    aging_sentence: str | None
    aging_title: str
    aging_axis: str
    """The aging chart's axis label (all open deals, not a quarter's open pipeline)."""
    movement: Table | None
    movement_chart: pd.DataFrame | None
    movement_sentence: str | None
    movement_title: str
    velocity: Table | None
    velocity_sentence: str | None
    outlook: Outlook
    outlook_sentence: str
    target_quarter: str
    creation: Table | None
    creation_chart: pd.DataFrame
    creation_sentence: str | None
    reconcile_sentence: str | None
    creation_title: str
    creation_series: dict[str, str]
    orders: pd.DataFrame | None
    orders_sentence: str | None
    orders_title: str
    definitions: dict[str, str]
    findings: list[Finding]
    currency: str


def build(
    data: SalesData,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
) -> PipelineHealth:
    """Build report 06 for ``quarter`` as known on ``as_of``.

    Parameters
    ----------
    data
        The company's data set (needs opportunities and reps; history snapshots for time in
        stage and the waterfall; quotas when present).
    quarter
        Fiscal quarter; None: the latest complete quarter.
    as_of
        What is known; None: the quarter's end, or the data's last date mid-quarter.
    team
        Narrow the report to one team; None: the whole company.

    Returns
    -------
    PipelineHealth

    Raises
    ------
    ConfigError
        For a quarter outside the data, an as-of date that is not a date or falls outside
        the quarter, or a team no rep belongs to (the message says what is allowed).

    Examples
    --------
    >>> r = build(load_dataset("data/demo"), quarter="2026Q3")  # doctest: +SKIP
    >>> r.bottleneck.step  # doctest: +SKIP
    'Discovery → Proposal'
    """
    period = period_of(data, quarter, as_of)
    d = team_or_company(data, team)
    fmt = money_in(d.currency)
    q, day = period.quarter, period.as_of
    has_history = d.history is not None and len(d.history) > 0
    window = trailing_quarters(d, q, WINDOW)
    fun = _funnel_section(d, period, window)
    stall = _stall_section(d, day, has_history, fmt)
    mv = pipeline.movement(d, quarter=q, as_of=day) if has_history else None
    moved = _movement_section(d, period, mv, fmt)
    snap = timeline.snapshot_date_on(d, day)
    target_q = outlook_quarter(d, q, day)
    nxt = d.calendar.shift(q, 1)
    pace = _velocity_section(d, period, target_q, nxt, snap, fmt)
    made = _creation_section(d, period, target_q, nxt, snap, fmt)
    gaps = [Gap(BOTTLENECK_SECTION, NO_HISTORY, add_history(d))] if fun.one_step else []
    if not has_history:
        gaps += [
            Gap(STALL_SECTION, NO_HISTORY, add_history(d)),
            Gap(MOVEMENT_SECTION, NO_HISTORY, add_history(d)),
        ]
    return PipelineHealth(
        header=header(data, period, team),
        period=period,
        gaps=gaps,
        window=window,
        funnel=fun.funnel,
        funnel_table=fun.funnel_table,
        funnel_chart=fun.funnel_chart,
        funnel_sentence=fun.funnel_sentence,
        funnel_title=fun.funnel_title,
        window_funnel=fun.window_funnel,
        bottleneck=fun.bottleneck,
        bottleneck_sentence=fun.bottleneck_sentence,
        steps_by_quarter=fun.steps_by_quarter,
        time_in_stage=stall.time_in_stage,
        stall_sentence=stall.stall_sentence,
        aging=stall.aging,
        aging_sentence=stall.aging_sentence,
        aging_title=stall.aging_title,
        aging_axis=AGING_AXIS,
        movement=moved.movement,
        movement_chart=moved.movement_chart,
        movement_sentence=moved.movement_sentence,
        movement_title=moved.movement_title,
        **{f.name: getattr(pace, f.name) for f in dataclasses.fields(pace)},
        target_quarter=nxt,
        creation=made.creation,
        creation_chart=made.creation_chart,
        creation_sentence=made.creation_sentence,
        reconcile_sentence=made.reconcile_sentence,
        creation_title=made.creation_title,
        creation_series={
            "created_vs_needed": f"Created in {q}",
            "open_vs_needed": f"Open for {nxt} now",
        },
        definitions=_definitions(),
        findings=_findings(stall.tis, mv, made.need_total, nxt, fmt),
        currency=d.currency,
    )


@dataclass(frozen=True)
class _FunnelPart:
    """Where do deals drop out? The quarter's funnel and the window's bottleneck."""

    funnel: funnel_lib.Funnel
    funnel_table: Table
    funnel_chart: pd.DataFrame
    funnel_sentence: str
    funnel_title: str
    window_funnel: funnel_lib.Funnel
    bottleneck: funnel_lib.Bottleneck | None
    bottleneck_sentence: str | None
    steps_by_quarter: Table
    one_step: bool


def _funnel_section(d: SalesData, period: Period, window: list[str]) -> _FunnelPart:
    """Where do deals drop out? The quarter's funnel by segment, the window's weakest step."""
    q, day = period.quarter, period.as_of
    fun = funnel_lib.stage_funnel(d, quarters=[q], as_of=day, by="segment")
    wide = funnel_lib.stage_funnel(d, quarters=window, as_of=day)
    neck = funnel_lib.funnel_bottleneck(wide)
    one_step = len(wide.reach.measurable) < 2
    by_q = pipeline.step_rates_by_quarter(d, quarters=window, as_of=day)
    return _FunnelPart(
        funnel=fun,
        funnel_table=Table(
            measured_funnel(fun),
            FUNNEL_SPEC,
            f"Funnel of the deals closed in {q} by {day.date()}, by segment",
            d.currency,
        ),
        funnel_chart=measured_funnel(fun),
        funnel_sentence=funnel_sentence(
            fun, period, no_lost=no_lost_deals_sentence(d.opportunities)
        ),
        funnel_title=funnel_title(fun, q),
        window_funnel=wide,
        bottleneck=neck,
        bottleneck_sentence=(
            one_step_sentence(wide) if one_step else bottleneck_sentence(neck, wide, by_q, period)
        ),
        steps_by_quarter=steps_table(by_q, wide, d.partial_quarters()),
        one_step=one_step,
    )


@dataclass(frozen=True)
class _StallPart:
    """Where do deals stall, and how old is the open pipeline?"""

    tis: pd.DataFrame | None
    time_in_stage: Table | None
    stall_sentence: str | None
    aging: pd.DataFrame
    aging_sentence: str | None
    aging_title: str


def _stall_section(
    d: SalesData, day: pd.Timestamp, has_history: bool, fmt: MoneyFormat
) -> _StallPart:
    """Where do deals stall? Time in stage (from snapshots) and the open deals' age bands."""
    tis = pipeline.time_in_stage(d, as_of=day) if has_history else None
    age = pipeline.aging(d, as_of=day)
    bands = age.groupby("age_band", observed=True)[["deals", "amount"]].sum().reset_index()
    bands["age_band"] = bands["age_band"].astype("str")
    open_now = timeline.open_deals(d, day)
    return _StallPart(
        tis=tis,
        time_in_stage=(
            None
            if tis is None
            else Table(
                tis.reset_index().rename(columns={"index": "stage"}),
                STALL_SPEC,
                f"Time in stage, and open deals stalled on {day.date()}",
                d.currency,
            )
        ),
        stall_sentence=stall_sentence(tis, fmt) if tis is not None else None,
        aging=bands,
        aging_sentence=aging_sentence(bands, open_now, day, fmt),
        aging_title=aging_title(bands),
    )


@dataclass(frozen=True)
class _MovementPart:
    """Where did the quarter's pipeline go? The waterfall, its chart and sentences."""

    movement: Table | None
    movement_chart: pd.DataFrame | None
    movement_sentence: str | None
    movement_title: str


def _movement_section(
    d: SalesData, period: Period, mv: pipeline.Movement | None, fmt: MoneyFormat
) -> _MovementPart:
    """Where did the quarter's pipeline go? From its start to the as-of date (with history)."""
    if mv is None:
        return _MovementPart(None, None, None, "")
    q, day = period.quarter, period.as_of
    booked = timeline.bookings(d, period.start, min(day, period.end))
    return _MovementPart(
        movement=Table(
            mv.steps.assign(label=mv.steps["step"].map(STEP_LABELS)),
            MOVEMENT_SPEC,
            f"The pipeline closing in {q}, from its start to {day.date()}",
            d.currency,
        ),
        movement_chart=mv.steps.assign(label=mv.steps["step"].map(STEP_LABELS)),
        movement_sentence=movement_sentence(
            mv,
            q,
            booked,
            fmt,
            None if period.running else timeline.open_pipeline(d, quarter=q, as_of=day),
        ),
        movement_title=movement_title(mv, q, fmt),
    )


@dataclass(frozen=True)
class _VelocityPart:
    """How fast does the open pipeline turn into bookings? Velocity and the outlook."""

    velocity: Table | None
    velocity_sentence: str | None
    outlook: Outlook
    outlook_sentence: str
    orders: pd.DataFrame | None
    """Without an open stage (an order history): :func:`orders_by_quarter`; else None."""
    orders_sentence: str | None
    orders_title: str


def _velocity_section(
    d: SalesData,
    period: Period,
    target_q: str,
    nxt: str,
    snap: pd.Timestamp | None,
    fmt: MoneyFormat,
) -> _VelocityPart:
    """How fast does the open pipeline turn into bookings? Velocity by team, the outlook."""
    q, day = period.quarter, period.as_of
    vel = pipeline.velocity(d, quarter=q, as_of=day, by="team")
    outlook = quarter_outlook(d, quarter=target_q, as_of=day)
    nxt_outlook = outlook if nxt == target_q else quarter_outlook(d, quarter=nxt, as_of=day)
    # no open stage (an order history): no pipeline to measure, but bookings by quarter
    orders = None if any(not s.closed for s in d.stages) else orders_by_quarter(d, q, day)
    said = velocity_sentence(
        vel, day, len(trailing_quarters(d, q, 4)), nxt_outlook, fmt, snapshot=snap
    )
    teamless = no_teams(vel.reset_index())  # one (unassigned) row is the company again
    if teamless and said:
        said += " " + no_teams_sentence("velocity and pipeline creation are")
    return _VelocityPart(
        velocity=None
        if teamless
        else Table(
            vel.reset_index(),
            VELOCITY_SPEC,
            f"Sales velocity of the deals open on {day.date()}, by team",
            d.currency,
        ),
        velocity_sentence=said,
        outlook=outlook,
        outlook_sentence=outlook_sentence(outlook, d.currency),
        orders=orders,
        orders_sentence=None if orders is None else orders_sentence(orders, fmt),
        orders_title="" if orders is None else orders_title(orders, fmt),
    )


TREND_MIN = 3
"""Complete quarters a trend line needs."""


def orders_by_quarter(data: SalesData, quarter: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """Bookings and deals won per quarter, with a least-squares trend over the complete ones.

    What data without an open stage (an order history: every deal won on the day it is
    made) supports in place of a pipeline: the quarters from the first the data holds in
    full to ``quarter``; a quarter still running on ``as_of`` counts to that day and is left
    out of the trend.

    Parameters
    ----------
    data
        The data set (its won deals: ``amount, close_date``).
    quarter
        The last quarter shown (the report's).
    as_of
        What is known: deals won on or before it.

    Returns
    -------
    DataFrame
        One row per quarter in order: ``quarter, bookings, deals, complete`` (the quarter
        ended by ``as_of``) and ``trend`` (the line fitted to the complete quarters'
        bookings by least squares; NaN for a running quarter, or everywhere with fewer
        than :data:`TREND_MIN` complete quarters).

    Examples
    --------
    >>> orders_by_quarter(load_dataset("tests/fixtures/order_lines"), "2026Q1", pd.Timestamp("2026-03-31"))  # doctest: +SKIP
    """
    cal = data.calendar
    full = [q for q in data.full_quarters() if q <= quarter]
    first = full[0] if full else quarter
    qs = cal.quarter_range(first, quarter)
    won = timeline.booked(data, cal.bounds(first)[0], as_of, columns=["amount"])
    of = cal.quarters_of(won["close_date"])
    by = won.groupby(of)["amount"].agg(["sum", "count"]).reindex(qs, fill_value=0)
    out = pd.DataFrame(
        {
            "quarter": qs,
            "bookings": by["sum"].astype(float).to_numpy(),
            "deals": by["count"].astype(int).to_numpy(),
            "complete": [cal.bounds(q)[1] <= as_of for q in qs],
        }
    )
    done = out["complete"].to_numpy()
    out["trend"] = np.nan
    if done.sum() >= TREND_MIN:
        x = np.arange(len(out), dtype=float)
        slope, intercept = np.polyfit(x[done], out.loc[done, "bookings"].to_numpy(), 1)
        out.loc[done, "trend"] = intercept + slope * x[done]
    return out


def _trend_step(orders: pd.DataFrame) -> float | None:
    """The trend line's change per quarter; None without a trend."""
    line = orders["trend"].dropna()
    return None if len(line) < 2 else float(line.iloc[1] - line.iloc[0])


def orders_sentence(orders: pd.DataFrame, fmt: MoneyFormat) -> str | None:
    """What an order history shows in place of a pipeline: bookings by quarter and their trend.

    Parameters
    ----------
    orders
        :func:`orders_by_quarter`.
    fmt
        The money formatter.

    Returns
    -------
    str or None
        None for no quarter.

    Examples
    --------
    >>> o = pd.DataFrame({"quarter": ["2025Q4", "2026Q1"], "bookings": [50e3, 62e3],
    ...                   "deals": [60, 68], "complete": [True, True], "trend": [np.nan, np.nan]})
    >>> orders_sentence(o, money_in("USD"))
    'The data holds no open stage (only closed deals, as an order history), so there is no pipeline to measure; what it shows is bookings: **$62.0K** from 68 deals won in 2026Q1, against $50.0K in the quarter before.'
    """
    if orders.empty:
        return None
    last = orders.iloc[-1]
    to_date = "" if last["complete"] else " to date"
    text = (
        "The data holds no open stage (only closed deals, as an order history), so there is no "
        f"pipeline to measure; what it shows is bookings: {bold(fmt(last['bookings']))} from "
        f"{count(int(last['deals']), 'deal')} won in {last['quarter']}{to_date}"
    )
    before = orders.iloc[:-1][orders.iloc[:-1]["complete"]].tail(4)
    if len(before) == 1:
        text += f", against {fmt(before['bookings'].iloc[0])} in the quarter before"
    elif len(before) > 1:
        text += (
            f", against {fmt(before['bookings'].mean())} a quarter on average in the "
            f"{len(before)} quarters before"
        )
    step = _trend_step(orders)
    if step is not None:
        n = int(orders["trend"].notna().sum())
        way = "rises" if step > 0 else "falls"
        text += (
            f"; over the {n} complete quarters the trend line {way} by {fmt(abs(step))} a quarter"
            if fmt(abs(step)) != fmt(0)
            else f"; over the {n} complete quarters the trend line is flat"
        )
    return text + "."


def orders_title(orders: pd.DataFrame, fmt: MoneyFormat) -> str:
    """The title of the bookings-by-quarter chart: the trend's direction when there is one.

    Parameters
    ----------
    orders
        :func:`orders_by_quarter`.
    fmt
        The money formatter.

    Returns
    -------
    str

    Examples
    --------
    >>> o = pd.DataFrame({"quarter": ["2025Q3", "2025Q4", "2026Q1"], "trend": [1e3, 2e3, 3e3]})
    >>> orders_title(o, money_in("USD"))
    'Bookings by quarter, 2025Q3–2026Q1: trend up $1.0K a quarter'
    """
    span = f"{orders['quarter'].iloc[0]}–{orders['quarter'].iloc[-1]}" if len(orders) else ""
    step = _trend_step(orders)
    if step is None:
        return f"Bookings by quarter, {span}"
    if fmt(abs(step)) == fmt(0):
        return f"Bookings by quarter, {span}: trend flat"
    return f"Bookings by quarter, {span}: trend {'up' if step > 0 else 'down'} {fmt(abs(step))} a quarter"


@dataclass(frozen=True)
class _CreationPart:
    """Are we creating enough pipeline for next quarter? By team and for the company."""

    creation: Table | None
    creation_chart: pd.DataFrame
    creation_sentence: str | None
    reconcile_sentence: str | None
    creation_title: str
    need_total: pd.Series


def _creation_section(
    d: SalesData,
    period: Period,
    target_q: str,
    nxt: str,
    snap: pd.Timestamp | None,
    fmt: MoneyFormat,
) -> _CreationPart:
    """Are we creating enough pipeline for next quarter? Created against what its goal needs."""
    q, day = period.quarter, period.as_of
    need = pipeline.creation_vs_need(d, quarter=q, as_of=day, by="team", target=nxt)
    need_total = pipeline.creation_vs_need(d, quarter=q, as_of=day, by=None, target=nxt).iloc[0]
    teams = need.reset_index()
    teams = teams[teams["team"] != UNASSIGNED].reset_index(drop=True) if len(teams) > 1 else teams
    teamless = no_teams(teams)  # the velocity sentence says the export has no teams
    return _CreationPart(
        creation=None
        if teamless
        else Table(
            teams,
            CREATION_SPEC.with_label("created", f"Created in {q}")
            .with_label("created_open_target", f"Of it open for {nxt}")
            .with_label("goal_next", f"{nxt} goal")
            .with_label("open_next", f"Open for {nxt} now"),
            f"Pipeline created in {q} against what the {nxt} goal needs, by team",
            d.currency,
        ),
        creation_chart=teams.iloc[0:0] if teamless else teams.dropna(subset=["created_vs_needed"]),
        creation_sentence=creation_sentence(need_total, teams, q, nxt, fmt),
        reconcile_sentence=reconcile_sentence(
            need_total, teams, q, nxt, day, fmt, as_in_01=nxt == target_q, snapshot=snap
        ),
        creation_title=creation_title(teams, q, nxt),
        need_total=need_total,
    )


# ---------------------------------------------------------------------------------------
# funnel and bottleneck


def funnel_sentence(fun: funnel_lib.Funnel, period: Period, *, no_lost: str | None = None) -> str:
    """How many deals closed in the quarter, how many were won, and how the stages are known.

    With several segments it names the one that won the most and the one that won the least.

    Parameters
    ----------
    fun
        :func:`salesops_lib.analysis.funnel.stage_funnel` of the report's quarter.
    period
        The report's period.
    no_lost
        :func:`~salesops_lib.reports.base.no_lost_deals_sentence` of the data, said right
        after the share won (None: the data has lost deals).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).

    Examples
    --------
    ``Of the **2,174 deals closed in 2026Q3** (won or lost, by 2026-09-30), **28%** were won.
    Each deal counts at the furthest stage a history snapshot shows it in; won deals passed
    every stage.``
    """
    q, day = period.quarter, period.as_of.date()
    if fun.closed == 0:
        return f"No deal closed in {q} by {day}, so the quarter has no funnel yet."
    text = (
        f"Of the {bold(count(fun.closed, f'deal closed in {q}', f'deals closed in {q}'))} (won or "
        f"lost, by {day}), {bold(pct(fun.won / fun.closed))} were won. "
        + (f"{no_lost} " if no_lost else "")
        + fun.reach.basis
    )
    note = construction_note(fun)
    return text + segments_words(fun) + (f" {note}" if note else "")


def by_construction(fun: funnel_lib.Funnel) -> tuple[str, ...]:
    """The leading stages whose step converts 100% by construction (left out of the tables).

    Without history snapshots a deal with a created date counts as having reached the stage
    a created date implies (:func:`salesops_lib.analysis.funnel.created_stage`), so every
    step before that stage converts 100% because the funnel says so, not because the deals
    did. With history snapshots, or when that stage is the first, none.

    Parameters
    ----------
    fun
        :func:`salesops_lib.analysis.funnel.stage_funnel` (its ``reach``).

    Returns
    -------
    tuple of str
        The stages before the implied one, in order.
    """
    reach = fun.reach
    if reach.from_history or not reach.stages or reach.implied not in reach.stages:
        return ()
    return tuple(reach.stages[: reach.stages.index(reach.implied)])


def construction_note(fun: funnel_lib.Funnel) -> str | None:
    """One line on the steps left out of the funnel because they convert 100% by construction.

    Parameters
    ----------
    fun
        :func:`salesops_lib.analysis.funnel.stage_funnel` (its ``reach``).

    Returns
    -------
    str or None
        ``Prospecting → Engaging is left out: without history snapshots every deal not in
        Prospecting counts as having reached Engaging, so that step converts 100% by
        construction.``; None when no step is left out.
    """
    lead = by_construction(fun)
    if not lead:
        return None
    stages = fun.reach.stages
    steps = [funnel_lib.step_name(stages, stages.index(s)) for s in lead]
    first = listing(list(lead))
    return (
        f"{listing(steps)} {'is' if len(steps) == 1 else 'are'} left out: without history "
        f"snapshots every deal not in {first} counts as having reached {fun.reach.implied}, so "
        f"{'that step converts' if len(steps) == 1 else 'those steps convert'} 100% by "
        "construction."
    )


def measured_funnel(fun: funnel_lib.Funnel) -> pd.DataFrame:
    """The funnel table without the stages whose step converts 100% by construction.

    Parameters
    ----------
    fun
        :func:`salesops_lib.analysis.funnel.stage_funnel`.

    Returns
    -------
    DataFrame
        ``fun.table`` without the rows of :func:`by_construction`'s stages.
    """
    lead = by_construction(fun)
    return fun.table[~fun.table["stage"].isin(lead)].reset_index(drop=True)


def segments_words(fun: funnel_lib.Funnel) -> str:
    """Which segment won the most and which the least, only when they differ beyond chance.

    `` By segment, A won the most (40%) and B the least (10%).`` when the two differ beyond
    chance (two-proportion z-test at 5%); else that the segments win alike.

    Parameters
    ----------
    fun
        The window's funnel (:func:`salesops_lib.analysis.funnel.stage_funnel`) by segment.

    Returns
    -------
    str
        The clause, starting with a space ("" with one segment).
    """
    t = fun.table[fun.table["group"] != "(none)"]
    won = t[t["stage"] == funnel_lib.WON].set_index("group")
    if len(won) < 2 or won["cumulative_rate"].isna().any():
        return ""
    first = t.groupby("group", sort=False)["reached"].first()  # the cohort of each segment
    won = won.assign(closed=first.reindex(won.index)).sort_values(
        "cumulative_rate", ascending=False
    )
    best, worst = won.iloc[0], won.iloc[-1]
    if pct(best["cumulative_rate"]) == pct(worst["cumulative_rate"]):
        return f" Every segment won {pct(best['cumulative_rate'])}."
    p = funnel_lib.two_proportion_p(
        float(best["reached"]),
        float(best["closed"]),
        float(worst["reached"]),
        float(worst["closed"]),
    )
    if p < funnel_lib.SIGNIFICANCE:
        return (
            f" By segment, {best.name} won the most ({pct(best['cumulative_rate'])}) "
            f"and {worst.name} the least ({pct(worst['cumulative_rate'])}), a difference beyond "
            "chance."
        )
    return (
        f" The segments win alike within chance ({pct(worst['cumulative_rate'])} to "
        f"{pct(best['cumulative_rate'])})."
    )


def funnel_title(fun: funnel_lib.Funnel, quarter: str) -> str:
    """The funnel chart's title.

    Parameters
    ----------
    fun
        :func:`salesops_lib.analysis.funnel.stage_funnel` of the report's quarter.
    quarter
        The report's quarter.

    Returns
    -------
    str
        The title (it states the finding).
    """
    if fun.closed == 0:
        return f"{quarter} funnel"
    return f"{quarter}: {pct(fun.won / fun.closed)} of closed deals were won"


def bottleneck_sentence(
    neck: funnel_lib.Bottleneck | None,
    wide: funnel_lib.Funnel,
    by_quarter: pd.DataFrame,
    period: Period,
) -> str | None:
    """The weakest step over the window, named only when it is lower beyond chance.

    When it converts lower than the next weakest beyond chance, the sentence also says in how
    many quarters it was, on its own, clearly the weakest; else that the weakest steps
    convert alike.

    Parameters
    ----------
    neck
        :func:`salesops_lib.analysis.funnel.bottleneck` over the window (None: no step).
    wide
        The window's funnel (its ``quarters`` and ``closed``).
    by_quarter
        :func:`salesops_lib.analysis.pipeline.step_rates_by_quarter` of the window
        (``weakest`` per quarter).
    period
        The report's period.

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None without a weakest step.

    Examples
    --------
    ``Over the 9,515 deals closed in 2025Q4–2026Q3 (4 quarters) no single step is the
    bottleneck: the weakest steps, Proposal → Negotiation (75%) and Discovery → Proposal (75%),
    convert alike within chance (a two-proportion test at the 5% level).``
    """
    if neck is None:
        return None
    window = list(wide.quarters)
    n = len(window)
    deals = count(wide.closed, "deal")
    where = f"{quarter_span(window)} ({count(n, 'quarter')})" if n > 1 else window[0]
    if not neck.clear:
        return (
            f"Over the {deals} closed in {where} no single step is the bottleneck: "
            f"{alike_words(neck)} (a two-proportion test at the 5% level)."
        )
    frm = neck.step.split(funnel_lib.ARROW)[0]
    text = (
        f"Over the {deals} closed in {where}, the weakest step is {bold(neck.step)}: "
        f"{pct(neck.rate)} of the deals that reached {frm} went on"
    )
    if neck.next_step is not None and neck.next_rate < 1:
        text += (
            f", lower beyond chance than the next weakest, {neck.next_step} ({pct(neck.next_rate)})"
        )
    text += "."
    if n > 1:
        weakest = by_quarter["weakest"]
        times = int((weakest == neck.step).sum())
        k = len(weakest)
        if times == k:
            text += f" It was clearly the weakest step in each of the {k} quarters on its own."
        elif times == 0:
            text += (
                " No single quarter on its own shows it lower than the next weakest beyond chance."
            )
        else:
            text += (
                f" On its own, {count(times, 'quarter')} of the {k} "
                f"{'shows' if times == 1 else 'show'} it clearly the weakest"
            )
            now = weakest.get(period.quarter)
            if now is not None and pd.notna(now) and now != neck.step:
                text += f"; in {period.quarter} alone the weakest was {now}"
            text += "."
    return text


def alike_words(neck: funnel_lib.Bottleneck) -> str:
    """``the weakest steps, A (75%) and B (75%), convert alike within chance`` (reports 02 and 06).

    Parameters
    ----------
    neck
        The weakest step and the next weakest (:class:`salesops_lib.analysis.funnel.Bottleneck`).

    Returns
    -------
    str
    """
    steps = [f"{name} ({pct(rate)})" for name, rate in neck.alike] or [
        f"{neck.step} ({pct(neck.rate)})"
    ]
    if len(steps) == 1 and neck.next_step is not None:
        steps.append(f"{neck.next_step} ({pct(neck.next_rate)})")
    if neck.best_step is not None and neck.best_step in dict(neck.alike):
        return (
            f"every step converts alike within chance ({pct(neck.rate)} to {pct(neck.best_rate)})"
        )
    return f"the weakest steps, {listing(steps)}, convert alike within chance"


def one_step_sentence(wide: funnel_lib.Funnel) -> str | None:
    """Without history snapshots: the one measured step, and why it names no bottleneck.

    Parameters
    ----------
    wide
        The window's funnel (:func:`salesops_lib.analysis.funnel.stage_funnel`).

    Returns
    -------
    str or None
        The sentence; None when the funnel measures more than one step.

    Examples
    --------
    ``Without history snapshots the funnel measures one step: 63% of the 6,711 deals closed in
    2017Q1–2017Q4 that reached Engaging were won. ...``
    """
    steps = funnel_lib.total_steps(wide).dropna(subset=["rate"])
    if not wide.reach.measurable:
        return None
    step = wide.reach.measurable[0]
    row = steps[steps["step"] == step]
    if row.empty:
        return None
    frm = step.split(funnel_lib.ARROW)[0]
    n = len(wide.quarters)
    where = (
        f"{quarter_span(list(wide.quarters))} ({count(n, 'quarter')})"
        if n > 1
        else wide.quarters[0]
    )
    return (
        f"Without history snapshots the funnel measures one step: {pct(float(row['rate'].iloc[0]))} "
        f"of the {count(int(row['entered'].iloc[0]), 'deal')} closed in {where} that reached {frm} "
        f"were won. How far the lost deals got beyond {frm} is unknown, so the funnel cannot be "
        "measured beyond that and no step can be named the bottleneck; the table shows that "
        "one step's conversion by quarter."
    )


def steps_table(
    by_quarter: pd.DataFrame, wide: funnel_lib.Funnel, partial: dict[str, str] | None = None
) -> Table:
    """Step conversion with steps as rows and the window's quarters (and all of it) as columns.

    A quarter the data holds only in part keeps its column, headed "(part)", because the
    window's column counts its deals: a total beside only the full quarters would sit
    outside every column shown (Maven: 63% over 2017Q1–2017Q4 beside 62%, 61% and 60%,
    with the partial 2017Q1's 82% hidden). The caption says why the quarter is partial.

    Parameters
    ----------
    by_quarter
        :func:`salesops_lib.analysis.pipeline.step_rates_by_quarter` (quarters as rows).
    wide
        The window's funnel (its steps over all the window's deals).
    partial
        :meth:`SalesData.partial_quarters <salesops_lib.data.SalesData.partial_quarters>`
        (None: every quarter is held in full).

    Returns
    -------
    Table
        ``step``, one percentage column per quarter and, with several quarters, ``window``.
    """
    steps = funnel_lib.total_steps(wide)
    if not wide.reach.from_history:  # the steps before the measured one are 100% by construction
        steps = steps[steps["step"].isin(wide.reach.measurable)].reset_index(drop=True)
    frame = steps[["step"]].copy()
    partial = partial or {}
    quarters = list(by_quarter.index)
    part = [q for q in quarters if q in partial]
    for q in quarters:
        frame[q] = frame["step"].map(by_quarter.loc[q]).astype("float64")
    frame["window"] = steps["rate"].to_numpy()
    span = quarter_span(list(wide.quarters))
    cols = (
        Column("step", "Step"),
        *(Column(q, f"{q} (part)" if q in partial else q, "pct") for q in quarters),
        *((Column("window", f"All of {span}", "pct"),) if len(quarters) > 1 else ()),
    )
    caption = f"Step conversion by quarter of closing, {span}"
    if part:
        held = "; ".join(f"{q}: {partial[q]}" for q in part)
        caption += (
            f". Columns headed (part) are quarters the data holds only in part ({held}): "
            "read them with care; the total counts their deals"
        )
    return Table(frame, TableSpec(cols), caption)


# ---------------------------------------------------------------------------------------
# stall and age


def stall_sentence(tis: pd.DataFrame, fmt: MoneyFormat) -> str | None:
    """Typical days in a stage, and the open deals stuck longer than 9 in 10 deals stayed.

    Parameters
    ----------
    tis
        :func:`salesops_lib.analysis.pipeline.time_in_stage` (``median_days, stalled,
        stalled_amount`` per stage).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when there is nothing true to say.
    """
    if tis.empty or tis["median_days"].isna().all():
        return None
    text = f"Deals typically spend {tis['median_days'].median():.0f} days in a stage."
    stalled = int(tis["stalled"].sum())
    if stalled == 0:
        return text + " No open deal has sat in its stage longer than 9 in 10 deals did."
    return (
        f"{text} {bold(count(stalled, 'open deal'))} ({fmt(tis['stalled_amount'].sum())}) "
        f"{'has' if stalled == 1 else 'have'} sat in {'its' if stalled == 1 else 'their'} stage "
        f"longer than 9 in 10 deals did{largest_share_words(tis['stalled_amount'])}."
    )


def largest_share_words(amounts: pd.Series) -> str:
    """Where the largest part of a total sits: "most" only above half, else "the largest share".

    Parameters
    ----------
    amounts
        Amounts by label (a stage, a team), each 0 or more.

    Returns
    -------
    str
        ``; most of that value (62%) is in X`` above half (as rounded too), ``; the largest
        share is in X (42%)`` or, for a tie, ``; the largest shares are in X and Y (30%
        each)``; "" when the total is 0.

    Examples
    --------
    >>> largest_share_words(pd.Series({"Prospecting": 10.1, "Qualification": 5.7, "Other": 8.5}))
    '; the largest share is in **Prospecting** (42%)'
    """
    total = float(amounts.sum())
    if not total > 0:
        return ""
    top = float(amounts.max())
    share = top / total
    leaders = [str(k) for k, v in amounts.items() if v == top]
    if len(leaders) > 1:
        return (
            f"; the largest shares are in {listing([bold(k) for k in leaders])} ({pct(share)} each)"
        )
    if share > 0.5 and pct(share) != "50%":
        return f"; most of that value ({pct(share)}) is in {bold(leaders[0])}"
    return f"; the largest share is in {bold(leaders[0])} ({pct(share)})"


def aging_sentence(
    bands: pd.DataFrame, open_now: pd.DataFrame, day: pd.Timestamp, fmt: MoneyFormat
) -> str | None:
    """The share of the open deals' value in deals older than six months.

    All open deals, whatever their close date: wider than a quarter's open pipeline, so the
    sentence says "open deals", never "open pipeline".

    Parameters
    ----------
    bands
        :func:`salesops_lib.analysis.pipeline.aging` (``age_band, deals, amount``).
    open_now
        The deals open on ``day`` (``created_date``: those without one have no age).
    day
        The as-of date.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when there is nothing true to say.
    """
    total = float(bands["amount"].sum())
    no_age = int(open_now["created_date"].isna().sum())
    if total <= 0:
        return None
    old = float(bands.loc[bands["age_band"].isin(OLD_BANDS), "amount"].sum())
    text = (
        f"Of the deals open on {day.date()}, whatever their close date ({fmt(total)} in "
        f"{count(int(bands['deals'].sum()), 'deal')} with a created date), {bold(pct(old / total))} "
        "of the value is in deals older than six months."
    )
    if no_age:
        text += (
            f" {count(no_age, 'open deal')} without a created date "
            f"{'has' if no_age == 1 else 'have'} no age and {'is' if no_age == 1 else 'are'} left out."
        )
    return text


def aging_title(bands: pd.DataFrame) -> str:
    """The aging chart's title.

    Parameters
    ----------
    bands
        :func:`salesops_lib.analysis.pipeline.aging` (``age_band, amount``).

    Returns
    -------
    str
        The title (it states the finding).
    """
    total = float(bands["amount"].sum())
    if total <= 0:
        return "Open deals by age"
    old = float(bands.loc[bands["age_band"].isin(OLD_BANDS), "amount"].sum())
    return f"{pct(old / total)} of the open deals' value is older than six months"


# ---------------------------------------------------------------------------------------
# waterfall


def movement_sentence(
    mv: pipeline.Movement,
    quarter: str,
    booked: float,
    fmt: MoneyFormat,
    still_open: pd.DataFrame | None = None,
) -> str:
    """The quarter's pipeline from its start to the as-of date, balancing to the end.

    For an ended quarter, ``still_open`` splits the end as report 01 does: the deals past due
    and those dated on the as-of day itself (not past due, in no later quarter's pipeline).

    Parameters
    ----------
    mv
        :func:`salesops_lib.analysis.pipeline.movement` of the quarter (``steps``: ``step,
        amount``; ``start``, ``end``, ``closed_to``).
    quarter
        The quarter.
    booked
        Its bookings to the as-of date (when ``won`` equals them, the sentence says so).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    still_open
        :func:`salesops_lib.timeline.open_pipeline` of the ended quarter on the as-of date
        (``past_due``); None: the end is not split.

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).

    Examples
    --------
    ``From the snapshot before 2026Q3 (2026-06-26) to 2026-09-30, the pipeline closing in
    2026Q3 started at **$79.1M**; $36.6M was created and $18.4M pulled in from other
    quarters; **$24.0M was won** (the quarter's bookings), $84.0M lost and $14.7M slipped
    out; amounts changed by -$1.6M; **$11.6M** is still open. Start + created + pulled in +
    changes − won − lost − slipped out = end.``
    """
    v = mv.steps.set_index("step")["amount"]
    won = -float(v["won"])
    same = abs(won - booked) < 0.005
    to = mv.closed_to
    seen = "" if mv.end == to else f" (open deals as the {mv.end} snapshot shows them)"
    return (
        f"From the snapshot before {quarter} ({mv.start}) to {to}{seen}, the pipeline "
        f"closing in {quarter} started at {bold(fmt(v['start']))}; {fmt(v['created'])} was created "
        f"and {fmt(v['pulled_in'])} pulled in from other quarters; {bold(fmt(won) + ' was won')}"
        f"{BOOKINGS_NOTE if same else ''}, {fmt(-v['lost'])} lost and "
        f"{fmt(-v['slipped_out'])} slipped out; amounts changed by {fmt(v['amount_change'])}; "
        f"{bold(fmt(v['end']))} is still open{_end_split(still_open, to)}. Start + created + "
        "pulled in + changes − won − lost − slipped out = end."
    )


def _end_split(still_open: pd.DataFrame | None, day: str) -> str:
    """`` (179 deals: 160 past due, 19 dated 2026-09-30, the as-of day)``; empty without any."""
    if still_open is None or still_open.empty:
        return ""
    due = int(still_open["past_due"].to_numpy(bool).sum())
    on_day = len(still_open) - due
    if on_day == 0:
        return f" ({count(len(still_open), 'deal')}, all past due)"
    if due == 0:
        return f" ({count(on_day, 'deal')}, all dated {day}, the as-of day)"
    return f" ({count(len(still_open), 'deal')}: {due:,} past due, {on_day:,} dated {day}, the as-of day)"


def movement_title(mv: pipeline.Movement, quarter: str, fmt: MoneyFormat) -> str:
    """The waterfall's title.

    Parameters
    ----------
    mv
        :func:`salesops_lib.analysis.pipeline.movement` of the quarter (``steps``: ``step,
        amount``).
    quarter
        The quarter.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The title (it states the finding).
    """
    v = mv.steps.set_index("step")["amount"]
    return (
        f"{quarter} pipeline: {fmt(v['start'])} at the start, {fmt(-v['won'])} won, "
        f"{fmt(v['end'])} still open"
    )


# ---------------------------------------------------------------------------------------
# velocity and creation


def velocity_sentence(
    vel: pd.DataFrame,
    day: pd.Timestamp,
    quarters_used: int,
    nxt: Outlook,
    fmt: MoneyFormat,
    *,
    snapshot: pd.Timestamp | None = None,
) -> str | None:
    """What the velocity counts and what it comes to.

    Every open deal of the table counts, past-due and undated ones named, from the same view;
    a quarter's figure is never more than the deals can bring.

    Parameters
    ----------
    vel
        :func:`salesops_lib.analysis.pipeline.velocity` (``open_deals, past_due,
        velocity_per_day``; summed over its rows).
    day
        The as-of date.
    quarters_used
        Trailing quarters behind the rates.
    nxt
        The reckoning of the next quarter (its ``quarter`` and ``open_pipeline``).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    snapshot
        The snapshot the open deals come from (named in the sentence); None without history.

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when there is nothing true to say.

    Examples
    --------
    ``Counting **all 2,089 deals open on 2017-12-31**, whatever their expected close date, at
    the win rate, average won deal and cycle of the last 4 quarters, they produce about
    **$59.6K of bookings a day**; at that pace they would run out within a quarter, so a
    quarter brings at most what they are expected to bring in all, **$3.1M** (open deals ×
    average won deal × win rate). ...``
    """
    per_day = float(vel["velocity_per_day"].sum(min_count=1))
    n = int(vel["open_deals"].sum())
    if n == 0 or not np.isfinite(per_day):
        return None
    over = "the quarter" if quarters_used == 1 else f"the last {quarters_used} quarters"
    seen = (
        f" (as the {snapshot.date()} snapshot shows them, with the deals created since as the "
        "record shows them)"
        if snapshot is not None
        else ""
    )
    counted = (
        f"all {count(n, 'deal')} open on {day.date()}"
        if n > 1
        else f"the one deal open on {day.date()}"
    )
    text = (
        f"Counting {bold(counted)}{seen}, whatever their expected "
        f"close date, at the win rate, average won deal and cycle of {over}, they produce about "
        f"{bold(fmt(per_day) + ' of bookings a day')}"
    )
    capped = vel["capped"].fillna(False).astype(bool) if "capped" in vel else None
    per_q = float(vel["velocity_per_quarter"].sum(min_count=1))
    if capped is None or not capped.any():
        text += f" ({fmt(per_q)} a quarter)."
    elif capped[vel["open_deals"] > 0].all():
        text += (
            f"; at that pace they would run out within a quarter, so a quarter brings at most what "
            f"they are expected to bring in all, {bold(fmt(per_q))} (open deals × average won deal "
            "× win rate)."
        )
    else:
        k = int(capped.sum())
        text += (
            f" ({fmt(per_q)} a quarter, where for {count(k, 'team')} it is capped at what "
            f"{'its' if k == 1 else 'their'} open deals are expected to bring in all: open deals × "
            "average won deal × win rate)."
        )
    due = int(vel["past_due"].sum())
    if due:
        text += f" {count(due, 'of them is', 'of them are')} past due."
    k = int(vel["undated"].sum())
    if k:
        text += (
            f" {count(k, 'of them has', 'of them have')} no expected close date, so "
            f"{'it is' if k == 1 else 'they are'} in no quarter's pipeline"
        )
        text += (
            f": that is why {nxt.quarter}'s open pipeline is {fmt(nxt.open_pipeline)}."
            if nxt.open_pipeline == 0
            else f" ({nxt.quarter}'s open pipeline is {fmt(nxt.open_pipeline)})."
        )
    return text


def _teams_enough(teams: pd.DataFrame, col: str) -> tuple[int, int]:
    t = teams.dropna(subset=[col])
    return int((t[col] >= 1).sum()), len(t)


def of_teams(k: int, n: int) -> str:
    """``5 of 6 teams``, ``all 6 teams``, ``not one of the 6 teams``, ``1 of 6 teams``.

    Parameters
    ----------
    k
        Teams that meet the condition.
    n
        Teams counted.

    Returns
    -------
    str

    Examples
    --------
    >>> of_teams(5, 6), of_teams(6, 6), of_teams(0, 6), of_teams(2, 2)
    ('5 of 6 teams', 'all 6 teams', 'not one of the 6 teams', 'both teams')
    """
    if k == n:
        return f"all {n} teams" if n > 2 else ("both teams" if n == 2 else "the one team")
    if k == 0:
        return f"not one of the {n} teams"
    return f"{k} of {n} teams"


def _verb(k: int, n: int, one: str, many: str) -> str:
    """The verb agreeing with :func:`of_teams` (``not one of`` and ``1 of`` take the singular)."""
    return one if k in (0, 1) and k != n else many


def creation_sentence(
    total: pd.Series, teams: pd.DataFrame, quarter: str, nxt: str, fmt: MoneyFormat
) -> str | None:
    """Pipeline created in the quarter against what next quarter's goal needs.

    Parameters
    ----------
    total
        The company row of :func:`salesops_lib.analysis.pipeline.creation_vs_need`
        (``created, created_deals, created_closed, created_open_target, created_open_other,
        goal_next, value_win_rate, from_new_deals, needed, created_vs_needed, open_next,
        pipeline_short``); ``needed`` = (``goal_next`` - ``from_new_deals``) /
        ``value_win_rate``, and the sentence names the allowance when there is one.
    teams
        :func:`salesops_lib.analysis.pipeline.creation_vs_need` by team (``team,
        created_vs_needed, open_vs_needed, pipeline_short``).
    quarter
        The quarter the pipeline was created in.
    nxt
        The next quarter.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when no pipeline is needed or
        the need is unknown.

    Examples
    --------
    ``In 2026Q3 **$127M** of pipeline was created (2,454 deals): **114%** of the $111M that
    2026Q4's goal of $35.6M needs, after the $7.5M that deals not yet created usually add,
    at the win rate by value of 25%. All 6 teams created enough.``
    """
    if not np.isfinite(total["needed"]) or total["needed"] <= 0:
        return None
    new = float(total.get("from_new_deals", 0.0) or 0.0)
    after = f", after the {fmt(new)} that deals not yet created usually add," if new > 0 else ""
    text = (
        f"In {quarter} {bold(fmt(total['created']))} of pipeline was created "
        f"({count(int(total['created_deals']), 'deal')}): {bold(pct(total['created_vs_needed']))} "
        f"of the {fmt(total['needed'])} that {nxt}'s goal of {fmt(total['goal_next'])} needs"
        f"{after} at the win rate by value of {pct(total['value_win_rate'])}."
    )
    ok, n = _teams_enough(teams, "created_vs_needed")
    if n > 1:
        text += f" {of_teams(ok, n).capitalize()} created enough"
        few = teams[teams["created_vs_needed"] < 1]
        if 0 < len(few) <= 2:
            shares = [pct(v, 1) for v in few["created_vs_needed"]]
            text += (
                f"; {few['team'].iloc[0]} created {shares[0]} of what its goal needs"
                if len(few) == 1
                else f"; {listing(list(few['team']))} created {' and '.join(shares)} of what "
                "their goals need"
            )
        text += "."
    return text


def reconcile_sentence(
    total: pd.Series,
    teams: pd.DataFrame,
    quarter: str,
    nxt: str,
    day: pd.Timestamp,
    fmt: MoneyFormat,
    *,
    as_in_01: bool = True,
    snapshot: pd.Timestamp | None = None,
) -> str | None:
    """Where the created pipeline went, and why "created enough" and "pipeline short" can both hold.

    The split uses the close dates the pipeline figure uses, from the snapshot named.

    Parameters
    ----------
    total
        The company row of :func:`salesops_lib.analysis.pipeline.creation_vs_need`
        (``created, created_deals, created_closed, created_open_target, created_open_other,
        goal_next, value_win_rate, needed, created_vs_needed, open_next, pipeline_short``).
    teams
        :func:`salesops_lib.analysis.pipeline.creation_vs_need` by team (``team,
        created_vs_needed, open_vs_needed, pipeline_short``).
    quarter
        The quarter the pipeline was created in.
    nxt
        The next quarter.
    day
        The as-of date.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    as_in_01
        End by saying report 01 shows the same coverage (``nxt`` is then the quarter report
        03 forecasts), and, when a team is short, that report 03's team forecast can read
        otherwise (:func:`~salesops_lib.reports.outlook.coverage_not_forecast`).
    snapshot
        The snapshot the split's open deals come from (named); None without history.

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when no pipeline is needed or
        the need is unknown.

    Examples
    --------
    ``Created enough, yet short: of the $127M created in 2026Q3, $35.7M has closed by
    2026-09-30; as the 2026-09-25 snapshot shows them, $57.7M is open for 2026Q4 and $25.5M
    for other quarters or without a close date; $8.2M in 155 deals created after that
    snapshot is open but in no snapshot yet, so no quarter's pipeline counts it. ...``
    """
    if not np.isfinite(total["needed"]) or total["needed"] <= 0:
        return None
    short = float(total["pipeline_short"])
    created_enough = total["created_vs_needed"] >= 1
    lead = "Created enough, yet short: of" if created_enough and short > 0 else "Of"
    view = (
        f"as the {snapshot.date()} snapshot shows them (and the record, deals created since)"
        if snapshot is not None
        else "with the close dates the data holds (those of the pipeline figure)"
    )
    text = (
        f"{lead} the {fmt(total['created'])} created in {quarter}, "
        f"{fmt(total['created_closed'])} has closed by {day.date()}; {view}, "
        f"{fmt(total['created_open_target'])} is open for {nxt} and "
        f"{fmt(total['created_open_other'])} for other quarters or without a close date"
    )
    text += ". "
    text += (
        f"With deals created earlier, {nxt}'s open pipeline on {day.date()} is "
        f"{bold(fmt(total['open_next']))}, "
    )
    if short > 0:
        text += f"{bold('short by ' + fmt(short))} of the {fmt(total['needed'])} needed"
    else:
        text += f"{bold('enough')} for the {fmt(total['needed'])} needed"
    teams_text = teams_short_words(teams, fmt, total)
    if teams_text:
        text += "; " + teams_text
    if not (as_in_01 and teams_text):
        return text + "."
    short_team = bool((teams.dropna(subset=["open_vs_needed"])["open_vs_needed"] < 1).any())
    return (
        text + " (report 01 shows each team)." + (coverage_not_forecast(nxt) if short_team else "")
    )


def teams_short_words(
    teams: pd.DataFrame, fmt: MoneyFormat, total: pd.Series | None = None
) -> str | None:
    """Which teams are short of the pipeline their goal needs, by how much, and the others' surplus.

    With ``total``, when the teams' shortfalls summed read otherwise than the company's
    (``$377K`` and ``$375K``), the words say by how much and why (:func:`~salesops_lib.reports.outlook.shortfall_gap_words`).

    Parameters
    ----------
    teams
        :func:`salesops_lib.analysis.pipeline.creation_vs_need` by team (``team, needed,
        open_next, open_vs_needed, pipeline_short``).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    total
        Its company row (``needed, open_next, pipeline_short``); None: the company's
        shortfall is not compared.

    Returns
    -------
    str or None
        ``5 of 6 teams are short of the pipeline their goal needs, by $19.5M together; the
        sixth, East Enterprise, has $173K more than it needs``; None with fewer than two
        teams whose need is known.

    Examples
    --------
    >>> t = pd.DataFrame({"team": ["A", "B"], "needed": [10.0, 10.0], "open_next": [4.0, 12.0],
    ...                   "open_vs_needed": [0.4, 1.2], "pipeline_short": [6.0, 0.0]})
    >>> teams_short_words(t, lambda v: f"${v:,.0f}")
    '1 of 2 teams (A) is short of the pipeline its goal needs, by $6; the other, B, has $2 more than it needs'
    """
    t = teams.dropna(subset=["open_vs_needed"])
    n = len(t)
    if n < 2:
        return None
    short = t[t["open_vs_needed"] < 1]
    enough = t[t["open_vs_needed"] >= 1]
    k = len(short)
    if k == 0:
        return f"{of_teams(n, n)} have the pipeline their goal needs"
    gap = float(short["pipeline_short"].sum())
    if k == 1:
        text = (
            f"1 of {n} teams ({short['team'].iloc[0]}) is short of the pipeline its goal needs, "
            f"by {fmt(gap)}"
        )
    else:
        text = (
            f"{of_teams(k, n)} are short of the pipeline their goal needs, by {fmt(gap)} together"
        )
    apart = _company_apart(teams, total, gap, fmt)
    if apart:  # the reason names the teams with more than they need
        return f"{text}, {apart}"
    if enough.empty:
        return text
    surplus = float((enough["open_next"] - enough["needed"]).clip(lower=0).sum())
    more = (
        f"{fmt(surplus)} more than it needs"
        if len(enough) == 1
        else f"{fmt(surplus)} more than they need between them"
    )
    if len(enough) == 1:
        who = "the other" if n == 2 else f"the {_ordinal(n)}"
        return f"{text}; {who}, {enough['team'].iloc[0]}, has {more}"
    return f"{text}; the other {len(enough)} have {more}"


def _company_apart(
    teams: pd.DataFrame, total: pd.Series | None, lacking: float, fmt: MoneyFormat
) -> str | None:
    """``$2K more than the company's shortfall of $375K: …``; None when both read the same."""
    if total is None or not np.isfinite(total["needed"]):
        return None
    company = max(float(total["pipeline_short"]), 0.0)
    if fmt(lacking) == fmt(company):
        return None
    parts = kpis.shortfall_parts(
        teams.rename(columns={"open_next": "pipeline"}),
        needed=float(total["needed"]),
        pipeline=float(total["open_next"]),
    )
    return shortfall_gap_words(parts, fmt)


ORDINALS = (
    "",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
)


def _ordinal(n: int) -> str:
    """``sixth`` for 6; ``last`` beyond the twelfth."""
    return ORDINALS[n] if n < len(ORDINALS) else "last"


def creation_title(teams: pd.DataFrame, quarter: str, nxt: str) -> str:
    """The creation chart's title.

    Parameters
    ----------
    teams
        :func:`salesops_lib.analysis.pipeline.creation_vs_need` by team (``team,
        created_vs_needed, open_vs_needed, pipeline_short``).
    quarter
        The quarter the pipeline was created in.
    nxt
        The next quarter.

    Returns
    -------
    str
        The title (it states the finding).
    """
    ok, n = _teams_enough(teams, "created_vs_needed")
    have, m = _teams_enough(teams, "open_vs_needed")
    if n <= 1:
        return f"Pipeline created in {quarter} and open for {nxt}, against the need"
    has = "has" if have == 1 else "have"
    return (
        f"{ok} of {n} teams created enough in {quarter}; {have} of {m} {has} enough open for {nxt}"
    )


# ---------------------------------------------------------------------------------------


def _definitions() -> dict[str, str]:
    return pick(
        "Open pipeline",
        "Open deals",
        "Next quarter's pipeline",
        "Past due",
        "Slipped",
        "Win rate",
        "Win rate by value",
        "Cycle days",
        "Pipeline short",
        **_funnel_terms(),
        **_stall_terms(),
        **_waterfall_terms(),
        **_velocity_terms(),
        **_creation_terms(),
    )


def _funnel_terms() -> dict[str, str]:
    """Where deals drop out: the funnel, its steps and the bottleneck."""
    return {
        "Deals closed in the quarter": (
            "The funnel's deals: every deal won or lost with a close date from the quarter's "
            "first day to the as-of date. Open deals are left out: they have not finished."
        ),
        "Furthest stage": (
            "The furthest open stage a history snapshot shows the deal in; won deals passed "
            "every stage. A deal no snapshot shows open (or any lost deal, without "
            "snapshots) counts at the first stage its created date implies: the first stage "
            "whose open deals carry a created date."
        ),
        "Segment": "The deal owner's segment, from the reps table (a rep without one counts as (none)).",
        "Deals reaching it": "Deals of the cohort whose furthest stage is this stage or later.",
        "Step conversion": (
            "Deals that reached the next stage (or won) divided by deals that reached this stage."
        ),
        "Cumulative conversion": "Deals that reached the stage divided by all deals in the cohort.",
        "Bottleneck (weakest step)": (
            "The step with the lowest step conversion over the deals closed in the report's "
            "quarter and the three before it (the same deals and rule as report 02), named "
            "only when it converts lower than the next weakest beyond chance: a two-sided "
            "two-proportion z-test at the 5% level. Otherwise the weakest steps convert alike. "
            "Without history snapshots the funnel measures one step and names none."
        ),
        "Won the most, the least": (
            "Segments are said to win more or less only when their shares of closed deals "
            "won differ beyond chance (the same two-proportion test); else they win alike."
        ),
    }


def _stall_terms() -> dict[str, str]:
    """Where deals stall, and how old the open pipeline is."""
    return {
        "Time in stage (median days, 90th percentile days)": (
            "Days from a deal's first snapshot in a stage to its last, plus one snapshot "
            "interval, over deals that have left the stage (median and 90th percentile)."
        ),
        "Open now": (
            "Open deals in the stage on the latest snapshot up to the as-of date, leaving "
            "out deals closed by the as-of date: the open deals the rest of the report counts."
        ),
        "Stalled": (
            "An open deal in its current stage longer than the 90th percentile of time in "
            "that stage."
        ),
        "Pipeline age": "Days since the deal was created.",
    }


def _waterfall_terms() -> dict[str, str]:
    """Where the quarter's pipeline went: the waterfall's steps."""
    return {
        "Pipeline waterfall": (
            "The open pipeline with a close date in the quarter, from the last snapshot "
            "before the quarter to the as-of date: start + created + pulled in + amount "
            "changes − won − lost − slipped out = end. Deals created or pulled in enter at "
            "their final value; won is the quarter's bookings."
        ),
        "Pulled in": "A deal open before the quarter with a close date outside it that moved into it.",
        "Amount changes": "Changes in amount of the deals in the pipeline at the quarter's start.",
    }


def _velocity_terms() -> dict[str, str]:
    """How fast the open pipeline turns into bookings."""
    return {
        "Sales velocity per day": (
            "Open deals × average won deal × win rate ÷ cycle days: the bookings a day the "
            "deals open on the as-of date (all of them, whatever their close date) produce at "
            "the rates of deals closed in the last four quarters. Summed over teams."
        ),
        "Without close date": (
            "Open deals with no expected close date (as the pipeline figures see them): they "
            "are in no quarter's pipeline."
        ),
        "Bookings a quarter": (
            "91 days of sales velocity, but never more than the open deals are expected to "
            "bring in all (open deals × average won deal × win rate): deals that would run "
            "out within a quarter are counted once."
        ),
        "Average won deal": "Mean amount of the deals won in the last four quarters.",
    }


def _creation_terms() -> dict[str, str]:
    """Pipeline created against what next quarter's goal needs, and the outlook."""
    return {
        "Created": "Amount of the deals created from the quarter's first day to the as-of date.",
        "Next quarter's goal": (
            "Its quota, or without quotas the average quarterly bookings of the last four "
            "complete quarters (as in reports 01 and 03)."
        ),
        "Pipeline needed": (
            "Next quarter's goal, less the bookings deals not yet created usually add (on "
            "average over the last four complete quarters, the bookings of deals created "
            "after the same point before or in each), divided by the win rate by value: the "
            "pipeline that, at the usual rate, turns into the rest of the goal."
        ),
        "Created / needed": "Pipeline created in the quarter divided by the pipeline needed.",
        "Of it open for next quarter": (
            "The part of the pipeline created in the quarter that is open on the as-of date "
            "with a close date in the next quarter, the close dates being those of the next "
            "quarter's pipeline figure (the latest snapshot's, and for deals created since "
            "the record's; without history the data's)."
        ),
        "Open for next quarter now": (
            "Next quarter's pipeline: deals open on the as-of date with a close date in it, "
            "whenever they were created."
        ),
        "Outlook": (
            "The reckoning reports 01, 03 and 06 share: the goal, the open pipeline times the "
            "win rate by value, plus what deals not yet in the pipeline added on average."
        ),
    }


def _findings(
    tis: pd.DataFrame | None,
    mv: pipeline.Movement | None,
    total: pd.Series,
    nxt: str,
    fmt: MoneyFormat,
) -> list[Finding]:
    out = []
    if total["pipeline_short"] > 0:
        out.append(
            Finding(
                f"{nxt}'s open pipeline is short by {bold(fmt(total['pipeline_short']))} of what "
                "its goal needs at the win rate by value of recent quarters.",
                float(total["pipeline_short"]),
                VELOCITY_SECTION,
            )
        )
    if tis is not None and tis["stalled"].sum() > 0:
        out.append(
            Finding(
                f"{count(int(tis['stalled'].sum()), 'open deal')} worth "
                f"{bold(fmt(tis['stalled_amount'].sum()))} have stalled in their stage.",
                float(tis["stalled_amount"].sum()),
                STALL_SECTION,
            )
        )
    if mv is not None:
        slipped = -float(mv.steps.set_index("step").loc["slipped_out", "amount"])
        if slipped > 0:
            out.append(
                Finding(
                    f"{bold(fmt(slipped))} slipped out of the quarter's pipeline.",
                    slipped,
                    MOVEMENT_SECTION,
                )
            )
    return sorted(out, key=lambda f: -f.at_stake)
