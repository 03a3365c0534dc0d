"""Report 02, rep benchmarking: how does each rep compare with peers, fairly?

:func:`build` returns a :class:`RepBenchmarking`: each rep's scorecard against peers of the
same role and segment (percentiles that agree with their definition on ties), win rates
shrunk toward the peer group with the limits of chance, steadiness of monthly bookings, the
step of the sales process each rep loses most deals at (from the same funnel and bottleneck
rule as report 06), how new hires ramp (deals they inherited left out) and how managers'
teams compare. Every sentence is a function of the numbers beside it (tested in
``tests/test_reports_rep_benchmarking.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import stats

from salesops_lib.analysis import funnel as funnel_lib
from salesops_lib.analysis import quota as quota_lib
from salesops_lib.analysis import reps as bench
from salesops_lib.analysis.kpis import UNASSIGNED
from salesops_lib.data import SalesData
from salesops_lib.format import number, pct
from salesops_lib.reports.base import (
    ADD_QUOTAS,
    NO_HISTORY,
    NO_LOST_DEALS,
    NO_QUOTAS,
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
    hired_when_user_created,
    listing,
    money_in,
    no_lost_deals_sentence,
    period_of,
    quarter_span,
    team_or_company,
)
from salesops_lib.reports.definitions import pick
from salesops_lib.reports.pipeline_health import WINDOW as PIPELINE_WINDOW
from salesops_lib.reports.pipeline_health import alike_words
from salesops_lib.reports.tables import Column, Table, TableSpec

SCORE_SECTION = "How does each rep score against peers?"
RANK_SECTION = "Who really wins more often, and who only looks like it?"
STEADY_SECTION = "Who delivers steadily, and whose results come in bursts?"
LEAK_SECTION = "Where in the sales process does each rep lose deals?"
RAMP_SECTION = "How fast do new hires ramp?"
MANAGER_SECTION = "How do managers' teams compare?"

NO_HIRE_DATES = "hire dates"
ADD_HIRE_DATES = "add each rep's hire date to the reps file"
NO_MANAGERS = "managers"
ADD_MANAGERS = "add manager (the manager's name) to the reps table"
HEAT_MIN_DEALS = 5
"""A rep's cell of the heat map needs at least this many deals entering the step."""
HEAT_ROWS = 25
"""Reps shown in the heat map at most (those losing the most deals beyond the team rate), so
its text stays legible on a 1280 px page."""
MIN_GROUP = 3
"""Peer groups smaller than this are not named as the best (one rep is no median)."""
ROWS = 30

RESULTS_SPEC = TableSpec(
    (
        Column("rep_name", "Rep"),
        Column("team", "Team"),
        Column("peer_group", "Peer group"),
        Column("tenure_months", "Tenure (months)", "int"),
        Column("bookings_trailing", "Bookings", "money"),
        Column("pct_bookings", "Bookings percentile", "int"),
        Column("attainment_trailing", "Attainment", "pct"),
        Column("pct_attainment", "Attainment percentile", "int"),
    ),
    max_rows=ROWS,
    ends=True,
)
ACTIVITY_SPEC = TableSpec(
    (
        Column("rep_name", "Rep"),
        Column("win_rate_trailing", "Win rate", "pct"),
        Column("pct_win_rate", "Win-rate percentile", "int"),
        Column("avg_deal_size_trailing", "Average deal", "money"),
        Column("avg_cycle_days_trailing", "Cycle days", "num1"),
        Column("pipeline_created_trailing", "Pipeline created", "money"),
        Column("activities_trailing", "Activities", "int"),
    ),
    max_rows=ROWS,
    ends=True,
)
RANK_SPEC = TableSpec(
    (
        Column("rep_name", "Rep"),
        Column("peer_group", "Peer group"),
        Column("closed", "Closed deals", "int"),
        Column("win_rate", "Win rate", "pct"),
        Column("lo", "Low", "pct"),
        Column("hi", "High", "pct"),
        Column("shrunk_win_rate", "Shrunk win rate", "pct"),
        Column("flag", "Against peers"),
        Column("rank_shrunk", "Fair rank", "int"),
    ),
    max_rows=ROWS,
    ends=True,
)
ATTAINMENT_SPEC = TableSpec(
    (
        Column("rep_name", "Rep"),
        Column("peer_group", "Peer group"),
        Column("quarters", "Quarters with quota", "int"),
        Column("bookings", "Bookings", "money"),
        Column("quota", "Quota", "money"),
        Column("attainment", "Attainment", "pct"),
        Column("lo", "Low", "pct"),
        Column("hi", "High", "pct"),
        Column("shrunk_attainment", "Shrunk attainment", "pct"),
    ),
    max_rows=ROWS,
    ends=True,
)
COACH_SPEC = TableSpec(
    (
        Column("rep_name", "Rep"),
        Column("step", "Step to coach"),
        Column("rate", "Rep conversion", "pct"),
        Column("team_rate", "Team conversion", "pct"),
        Column("excess_lost", "Deals lost beyond team rate", "num1"),
    ),
    max_rows=25,
)
HIRES_SPEC = TableSpec(
    (
        Column("rep_name", "Rep"),
        Column("group", "Segment"),
        Column("hire_date", "Hired", "date"),
        Column("tenure_months", "Months in role", "int"),
        Column("days_to_first_deal", "Days to first own deal", "int"),
        Column("bookings_to_date", "Bookings to date", "money"),
        Column("curve_to_date", "Curve to date", "money"),
        Column("vs_curve", "Against curve", "pct"),
        Column("inherited_won", "Inherited deals won", "int"),
    )
)
MANAGER_SPEC = TableSpec(
    (
        Column("manager", "Manager"),
        Column("reps", "Reps compared", "int"),
        Column("mean", "Average"),
        Column("median", "Median"),
        Column("sd", "Std dev"),
        Column("min", "Lowest"),
        Column("max", "Highest"),
        Column("spread", "Spread"),
    )
)


@dataclass(frozen=True)
class RepBenchmarking(HasGaps):
    """Everything report 02 shows (see :func:`build`)."""

    header: Header
    period: Period
    gaps: list[Gap]
    window: list[str]
    has_quota: bool
    card: pd.DataFrame
    scope_sentence: str
    results: Table
    activity: Table
    peer_sentence: str | None
    distribution: pd.DataFrame
    distribution_value: str
    distribution_kind: str
    distribution_label: str
    distribution_title: str
    ranking_frame: pd.DataFrame
    ranking: Table
    ranking_sentence: str | None
    ranking_title: str
    attainment: Table | None
    consistency: pd.DataFrame
    consistency_sentence: str | None
    consistency_title: str
    consistency_split: float
    consistency_label: str
    conversion: pd.DataFrame
    bottleneck: funnel_lib.Bottleneck | None
    conversion_sentence: str | None
    heat: pd.DataFrame | None
    heat_title: str
    coaching: Table | None
    coaching_note: str | None
    ramp_curve: pd.DataFrame
    ramp_groups: pd.DataFrame
    ramp_sentence: str | None
    ramp_title: str
    new_hires: Table | None
    managers: Table | None
    manager_chart: pd.DataFrame
    manager_sentence: str | None
    manager_title: str
    manager_kind: str
    manager_target: float | None
    definitions: dict[str, str]
    findings: list[Finding]
    currency: str


def build(
    data: SalesData,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
    trailing: int = 4,
) -> RepBenchmarking:
    """Build report 02 for the ``trailing`` quarters ending with ``quarter``, as known on ``as_of``.

    Parameters
    ----------
    data
        The company's data set (needs opportunities and reps; quotas, history snapshots,
        activities and hire dates when present).
    quarter
        Fiscal quarter; None: the latest complete quarter.
    as_of
        What is known; None: the quarter's end, or the data's last date mid-quarter.
    team
        Narrow the report to one team; None: the whole company.
    trailing
        Quarters in the window, including ``quarter`` (those inside the data).

    Returns
    -------
    RepBenchmarking

    Raises
    ------
    ConfigError
        For a quarter outside the data, an as-of date that is not a date or falls outside
        the quarter, or a team no rep belongs to (the message says what is allowed).

    Examples
    --------
    >>> r = build(load_dataset("data/demo"), quarter="2026Q3")  # doctest: +SKIP
    >>> r.conversion_sentence  # doctest: +SKIP
    """
    period = period_of(data, quarter, as_of)
    d = team_or_company(data, team)
    fmt = money_in(d.currency)
    q, day = period.quarter, period.as_of
    trailing = max(int(trailing), 1)
    window = bench.trailing_quarters(d, q, trailing)
    span = quarter_span(window)
    who = _compared_reps(d, q, day, trailing)
    card = who.card
    has_quota = bool(card["attainment_trailing"].notna().any())
    has_activities = bool(card["activities_trailing"].notna().any())
    hire_known = bool(d.reps["hire_date"].notna().any())
    has_managers = "manager" in d.reps and bool(d.reps["manager"].notna().any())
    scores = _score_section(
        d, who, window, trailing, span, fmt, has_quota, has_activities, hire_known, day
    )
    ranks = _rank_section(d, who, q, day, trailing, span, has_quota)
    steady = _steady_section(d, who, q, day, trailing, has_quota)
    leaks = _leak_section(d, who, window, q, day, trailing, span)
    ramp = _ramp_section(d, day, hire_known, fmt)
    managers = _manager_section(card, has_quota, fmt, d.currency)
    missing = (
        (not has_quota, Gap(SCORE_SECTION, NO_QUOTAS, ADD_QUOTAS)),
        (leaks.coaching is None, Gap(LEAK_SECTION, NO_HISTORY, add_history(d))),
        (not hire_known, Gap(RAMP_SECTION, NO_HIRE_DATES, ADD_HIRE_DATES)),
        (
            not has_managers or managers.managers is None,
            Gap(MANAGER_SECTION, NO_MANAGERS, ADD_MANAGERS),
        ),
    )
    return RepBenchmarking(
        header=header(data, period, team),
        period=period,
        gaps=[gap for absent, gap in missing if absent],
        window=window,
        has_quota=has_quota,
        card=card,
        **said_without_lost(
            _fields(scores, ranks, steady, leaks, ramp, managers),
            no_lost_deals_sentence(d.opportunities),
        ),
        definitions=_definitions(has_quota, has_activities, hired_when_user_created(d)),
        findings=_findings(ranks.ranking_frame, ramp.new_hires, fmt),
        currency=d.currency,
    )


def _fields(*parts: Any) -> dict[str, Any]:
    """The fields of the sections' results, by name, for the report's result (no copies)."""
    return {f.name: getattr(p, f.name) for p in parts for f in dataclasses.fields(p)}


WIN_RATE_COLUMNS = {"activity": "win_rate_trailing", "ranking": "win_rate"}
"""The tables of report 02 with a win-rate column, and that column."""


def said_without_lost(fields: dict[str, Any], no_lost: str | None) -> dict[str, Any]:
    """The report's fields with the win rates saying the data holds no lost deal.

    Parameters
    ----------
    fields
        The sections' fields by name (``activity, ranking`` tables, ``ranking_sentence``,
        ``conversion_sentence``).
    no_lost
        :func:`~salesops_lib.reports.base.no_lost_deals_sentence` of the data; None: the
        data has lost deals and ``fields`` come back unchanged.

    Returns
    -------
    dict
        A new dict: the win-rate columns labelled ``Win rate (no lost deals in the data)``,
        ``no_lost`` first in the ranking sentence and last in the conversion sentence (a
        sentence that is None stays None).
    """
    if no_lost is None:
        return fields
    out = dict(fields)
    for name, column in WIN_RATE_COLUMNS.items():
        table = fields[name]
        label = f"Win rate ({NO_LOST_DEALS})"
        out[name] = dataclasses.replace(table, spec=table.spec.with_label(column, label))
    if fields["ranking_sentence"]:
        out["ranking_sentence"] = f"{no_lost} {fields['ranking_sentence']}"
    if fields["conversion_sentence"]:
        out["conversion_sentence"] = f"{fields['conversion_sentence']} {no_lost}"
    return out


@dataclass(frozen=True)
class _Compared:
    """The reps the report compares and those it leaves out."""

    card: pd.DataFrame
    """Scorecard of the reps compared, most bookings first."""
    shown_name: pd.Series
    """Each compared rep's name as shown: ``(left YYYY-MM-DD)`` added for reps who left."""
    left: pd.Series
    """Leaving date of the compared reps who left before the as-of date."""
    idle: pd.Index
    """Reps the data no longer shows at work, ranked with nobody."""
    inactive: pd.DataFrame
    """Those reps as :func:`~salesops_lib.analysis.quota.possibly_inactive` lists them."""


def _compared_reps(d: SalesData, q: str, day: pd.Timestamp, trailing: int) -> _Compared:
    """Who is compared: the scorecard without reps the data no longer shows at work."""
    card = bench.rep_scorecard(d, quarter=q, as_of=day, trailing=trailing)
    # reps the data no longer shows at work (report 04's rule) are ranked with nobody
    inactive = quota_lib.possibly_inactive(d, day)
    seen = (card["won_trailing"] + card["lost_trailing"] > 0) | card["quota_trailing"].fillna(0).gt(
        0
    )
    idle = card.index[card.index.isin(inactive["rep_id"]) & seen.to_numpy()]
    inactive = inactive[inactive["rep_id"].isin(idle)]
    card = bench.compared(card.drop(index=idle))
    card = card.sort_values(["bookings_trailing", "rep_name"], ascending=[False, True])
    left = departed(d, card.index, day)
    shown_name = card["rep_name"].where(
        ~card.index.isin(left.index),
        card["rep_name"] + " (left " + left.reindex(card.index).dt.strftime("%Y-%m-%d") + ")",
    )
    return _Compared(card, shown_name, left, idle, inactive)


@dataclass(frozen=True)
class _Scores:
    """Section "How does each rep score against peers?" (fields of :class:`RepBenchmarking`)."""

    scope_sentence: str
    results: Table
    activity: Table
    peer_sentence: str | None
    distribution: pd.DataFrame
    distribution_value: str
    distribution_kind: str
    distribution_label: str
    distribution_title: str


def _score_section(
    d: SalesData,
    who: _Compared,
    window: list[str],
    trailing: int,
    span: str,
    fmt: MoneyFormat,
    has_quota: bool,
    has_activities: bool,
    hire_known: bool,
    day: pd.Timestamp,
) -> _Scores:
    """How does each rep score against peers: results, how they came, the spread by group."""
    card = who.card
    results_spec = (
        RESULTS_SPEC if has_quota else RESULTS_SPEC.without("attainment_trailing", "pct_attainment")
    )
    if card["tenure_months"].isna().all():
        results_spec = results_spec.without("tenure_months")
    activity_spec = (
        ACTIVITY_SPEC if has_activities else ACTIVITY_SPEC.without("activities_trailing")
    )
    frame = card.reset_index().assign(rep_name=who.shown_name.to_numpy())
    quarters = count(len(window), "quarter")
    dist_value = "attainment_trailing" if has_quota else "bookings_trailing"
    return _Scores(
        scope_sentence=" ".join(
            t
            for t in (scope_sentence(len(card), window, trailing), inactive_sentence(who.inactive))
            if t
        ),
        results=Table(frame, results_spec, f"Results, trailing {quarters} ({span})", d.currency),
        activity=Table(
            frame,
            activity_spec,
            _with_note(
                f"How the results came, trailing {quarters} ({span})",
                uncredited_note(
                    bench.uncredited_pipeline(
                        d,
                        start=d.calendar.bounds(window[0])[0],
                        as_of=min(day, d.calendar.bounds(window[-1])[1]),
                    ),
                    fmt,
                ),
            ),
            d.currency,
        ),
        peer_sentence=peer_sentence(card, fmt, hire_known=hire_known),
        distribution=peer_spread(frame, dist_value),
        distribution_value=dist_value,
        distribution_kind="pct" if has_quota else "money",
        distribution_label=(
            f"{'Attainment' if has_quota else 'Bookings'}, {span} (peer groups of {MIN_GROUP} reps or more)"
        ),
        distribution_title=distribution_title(frame, dist_value, has_quota, fmt),
    )


def _with_note(caption: str, note: str | None) -> str:
    return f"{caption}. {note}" if note else caption


def uncredited_note(deals: pd.DataFrame, fmt: MoneyFormat) -> str | None:
    """What pipeline created credits to no rep: deals created before their owner joined.

    Parameters
    ----------
    deals
        :func:`~salesops_lib.analysis.reps.uncredited_pipeline` (``amount``).
    fmt
        The money formatter.

    Returns
    -------
    str or None
        The note; None when every deal's creator is known.

    Examples
    --------
    ``Pipeline created credits each deal to the rep who owned it on its created date; 2 deals
    ($30K) were created before their owner joined, by someone the data does not name, and are
    credited to no rep.``
    """
    if deals.empty:
        return None
    n = len(deals)
    return (
        "Pipeline created credits each deal to the rep who owned it on its created date; "
        f"{count(n, 'deal')} ({fmt(float(deals['amount'].fillna(0).sum()))}) "
        f"{'was' if n == 1 else 'were'} created before {'its' if n == 1 else 'their'} owner "
        f"joined, by someone the data does not name, and {'is' if n == 1 else 'are'} credited "
        "to no rep."
    )


@dataclass(frozen=True)
class _Ranks:
    """Section "Who really wins more often?" (fields of :class:`RepBenchmarking`)."""

    ranking_frame: pd.DataFrame
    ranking: Table
    ranking_sentence: str | None
    ranking_title: str
    attainment: Table | None


def _rank_section(
    d: SalesData,
    who: _Compared,
    q: str,
    day: pd.Timestamp,
    trailing: int,
    span: str,
    has_quota: bool,
) -> _Ranks:
    """Who really wins more often: win rates and attainment shrunk toward peers."""
    ranking = bench.win_rate_ranking(d, quarter=q, as_of=day, trailing=trailing)
    ranking = ranking[ranking.index.isin(who.card.index)]
    ranking = ranking.assign(rep_name=who.shown_name.reindex(ranking.index)).reset_index()
    att = (
        bench.attainment_ranking(d, quarter=q, as_of=day, trailing=trailing) if has_quota else None
    )
    if att is not None:
        att = att[att.index.isin(who.card.index)]
        att = att.assign(rep_name=who.shown_name.reindex(att.index)).reset_index()
    return _Ranks(
        ranking_frame=ranking,
        ranking=Table(
            ranking,
            RANK_SPEC,
            "Win rates: raw with 95% range, shrunk toward peers (fair rank)",
            d.currency,
        ),
        ranking_sentence=ranking_sentence(ranking),
        ranking_title=ranking_title(ranking),
        attainment=(
            None
            if att is None
            else Table(
                att,
                ATTAINMENT_SPEC,
                f"Attainment over {span} (bookings over quota, both summed) with 95% range, "
                "shrunk toward peers",
                d.currency,
            )
        ),
    )


@dataclass(frozen=True)
class _Steadiness:
    """Section "Who delivers steadily?" (fields of :class:`RepBenchmarking`)."""

    consistency: pd.DataFrame
    consistency_sentence: str | None
    consistency_title: str
    consistency_split: float
    consistency_label: str


def _steady_section(
    d: SalesData, who: _Compared, q: str, day: pd.Timestamp, trailing: int, has_quota: bool
) -> _Steadiness:
    """Who delivers steadily, and whose results come in bursts."""
    cons = bench.consistency(d, quarter=q, as_of=day, trailing=trailing)
    cons = cons[cons.index.isin(who.card.index)]
    judged = cons[~cons["quadrant"].isin([bench.TOO_NEW, bench.NOT_PLACED])]
    unplaced = cons[cons["quadrant"] == bench.NOT_PLACED]
    return _Steadiness(
        consistency=judged,
        consistency_sentence=consistency_sentence(judged, has_quota, unplaced),
        consistency_title=consistency_title(judged),
        consistency_split=1.0,
        consistency_label="Attainment" if has_quota else "Bookings / peer median",
    )


@dataclass(frozen=True)
class _Leaks:
    """Section "Where does each rep lose deals?" (fields of :class:`RepBenchmarking`)."""

    conversion: pd.DataFrame
    bottleneck: funnel_lib.Bottleneck | None
    conversion_sentence: str | None
    heat: pd.DataFrame | None
    heat_title: str
    coaching: Table | None
    coaching_note: str | None


def _leak_section(
    d: SalesData,
    who: _Compared,
    window: list[str],
    q: str,
    day: pd.Timestamp,
    trailing: int,
    span: str,
) -> _Leaks:
    """Where in the sales process each rep loses deals, and the one step to coach.

    Without history showing two steps, there is no heat map and no coaching table.
    """
    conv, basis = bench.stage_conversion(d, quarter=q, as_of=day, trailing=trailing)
    fun = funnel_lib.stage_funnel(d, quarters=window, as_of=day)
    neck = funnel_lib.funnel_bottleneck(fun)
    one_step = len(fun.reach.measurable) < 2
    names = d.reps.drop_duplicates("rep_id").set_index("rep_id")["rep_name"]
    conv = conv.assign(rep_name=conv["rep_id"].map(names).fillna(conv["rep_id"]))
    # coaching material: reps still on the team only
    staying = conv[~conv["rep_id"].isin(who.left.index) & ~conv["rep_id"].isin(who.idle)]
    heat = None if one_step else heat_matrix(staying)
    coach = bench.coaching_stage(staying).join(names, how="left").reset_index()
    coach["rep_name"] = coach["rep_name"].fillna(coach["rep_id"])
    coach = coach.sort_values("excess_lost", ascending=False).reset_index(drop=True)
    gone = sorted(
        str(names.get(r, r))
        for r in who.left.index
        if r in set(conv.loc[conv["entered"] > 0, "rep_id"])
    )
    return _Leaks(
        conversion=conv,
        bottleneck=neck,
        conversion_sentence=(
            one_step_sentence(fun)
            if one_step
            else conversion_sentence(neck, fun, basis, same_as_06=trailing == PIPELINE_WINDOW)
        ),
        heat=heat,
        heat_title=heat_title(heat, neck),
        coaching=None
        if one_step
        else Table(
            coach,
            COACH_SPEC,
            f"The one step to coach per rep (most deals lost beyond the team rate, at least 10 deals entering), {span}",
        ),
        coaching_note=None if one_step else coaching_note(gone, day),
    )


@dataclass(frozen=True)
class _Ramp:
    """Section "How fast do new hires ramp?" (fields of :class:`RepBenchmarking`)."""

    ramp_curve: pd.DataFrame
    ramp_groups: pd.DataFrame
    ramp_sentence: str | None
    ramp_title: str
    new_hires: Table | None


def hires_spec(hires: pd.DataFrame) -> TableSpec:
    """The recent hires' table, without the curve columns when no hire could be rated.

    Parameters
    ----------
    hires
        :func:`salesops_lib.analysis.reps.ramp_curve`'s ``new_hires``.

    Returns
    -------
    TableSpec
        :data:`HIRES_SPEC`, less ``curve_to_date`` and ``vs_curve`` when every hire lacks
        the other hires to compare with (the ramp sentence says so).
    """
    if "vs_curve" in hires and hires["vs_curve"].notna().any():
        return HIRES_SPEC
    return HIRES_SPEC.without("curve_to_date", "vs_curve")


def _ramp_section(d: SalesData, day: pd.Timestamp, hire_known: bool, fmt: MoneyFormat) -> _Ramp:
    """How fast new hires ramp: the curves per group and each recent hire against theirs."""
    ramp = bench.ramp_curve(d, as_of=day)
    hires = cast(pd.DataFrame, ramp["new_hires"])
    group_word = bench.ramp_by(d) or "group"
    return _Ramp(
        ramp_curve=cast(pd.DataFrame, ramp["curve"]),
        ramp_groups=cast(pd.DataFrame, ramp["groups"]),
        ramp_sentence=ramp_sentence(
            ramp,
            hire_known,
            fmt,
            reassigned_known="reassigned_date" in d.opportunities,
            group_word=group_word,
        ),
        ramp_title=ramp_title(cast(pd.DataFrame, ramp["groups"]), bench.ramp_by(d)),
        new_hires=Table(
            hires,
            hires_spec(hires).with_label("group", group_word.capitalize()),
            f"Each recent hire against their {group_word}'s ramp curve",
            d.currency,
        )
        if len(hires)
        else None,
    )


@dataclass(frozen=True)
class _Managers:
    """Section "How do managers' teams compare?" (fields of :class:`RepBenchmarking`)."""

    managers: Table | None
    manager_chart: pd.DataFrame
    manager_sentence: str | None
    manager_title: str
    manager_kind: str
    manager_target: float | None


def _manager_section(
    card: pd.DataFrame, has_quota: bool, fmt: MoneyFormat, currency: str
) -> _Managers:
    """How managers' teams compare: each manager's reps' average and spread."""
    mgr = bench.manager_summary(card).reset_index()
    mgr = mgr[mgr["manager"].astype("str") != UNASSIGNED].reset_index(drop=True)
    measure = (
        str(mgr["measure"].iloc[0]) if len(mgr) else ("attainment" if has_quota else "bookings")
    )
    mkind = "pct" if measure == "attainment" else "money"
    return _Managers(
        managers=None
        if mgr.empty
        else Table(
            mgr,
            TableSpec(
                tuple(
                    c if c.key in ("manager", "reps") else Column(c.key, c.label, mkind)
                    for c in MANAGER_SPEC.columns
                )
            ),
            f"Each manager's reps, trailing {measure}",
            currency,
        ),
        manager_chart=mgr,
        manager_sentence=manager_sentence(mgr, measure, fmt),
        manager_title=manager_title(mgr, card, measure),
        manager_kind=mkind,
        manager_target=1.0 if measure == "attainment" else None,
    )


def departed(data: SalesData, rep_ids: pd.Index, day: pd.Timestamp) -> pd.Series:
    """The reps among ``rep_ids`` who left before ``day``: their leaving date, by rep id.

    Parameters
    ----------
    data
        The data set (reps' ``rep_id, end_date``).
    rep_ids
        The reps asked about.
    day
        The as-of date.

    Returns
    -------
    Series
        Leaving dates, indexed by ``rep_id`` (only the reps who left).
    """
    reps = data.reps.drop_duplicates("rep_id").set_index("rep_id")
    if "end_date" not in reps:
        return pd.Series(dtype="datetime64[ns]")
    end = pd.to_datetime(reps["end_date"]).reindex(rep_ids)
    return end[end.notna() & (end < day)]


def inactive_marks(inactive: pd.DataFrame) -> pd.Series:
    """``no deal since 2025-09-30`` (or ``no deal at all``) per possibly inactive rep.

    Parameters
    ----------
    inactive
        :func:`salesops_lib.analysis.quota.possibly_inactive` (``rep_id, reason,
        last_activity``).

    Returns
    -------
    Series
        The mark, indexed by ``rep_id``.

    Examples
    --------
    >>> inactive_marks(pd.DataFrame({"rep_id": ["r1"], "reason": ["no activity"],
    ...     "last_activity": [pd.Timestamp("2025-09-30")]})).tolist()
    ['no deal since 2025-09-30']
    """
    marks = [
        f"no deal since {pd.Timestamp(last).date()}" if pd.notna(last) else "no deal at all"
        for last in inactive["last_activity"]
    ]
    return pd.Series(marks, index=pd.Index(inactive["rep_id"], name="rep_id"), dtype="object")


def inactive_who(names: list[str], marks: list[str]) -> tuple[str, str]:
    """Who is left out as possibly inactive, and what the data shows of them, each said once.

    Several reps sharing one mark are listed by name and the mark is said once, in the
    second part; otherwise each name carries its own mark.

    Parameters
    ----------
    names
        The reps' names (without a mark).
    marks
        Their :func:`inactive_marks`, in the same order.

    Returns
    -------
    tuple of str
        ``who`` (the names listed, or ``8 reps`` beyond five) and ``quiet``: ``no deal of
        theirs at all``, ``no deal of theirs since 2025-09-30`` or ``no deal of theirs in
        the last 6 months``.

    Examples
    --------
    >>> inactive_who(["Carl Lin", "Mei-Mei Johns"], ["no deal at all"] * 2)
    ('Carl Lin and Mei-Mei Johns', 'no deal of theirs at all')
    >>> inactive_who(["Ann"], ["no deal since 2025-09-30"])
    ('Ann (no deal since 2025-09-30)', 'no deal of theirs in the last 6 months')
    """
    shared = len(set(marks)) == 1
    if len(names) > 5:
        who = count(len(names), "rep")
    elif shared and len(names) > 1:
        who = listing(names)
    else:
        who = listing([f"{n} ({m})" for n, m in zip(names, marks, strict=True)])
    if all(m == "no deal at all" for m in marks):
        return who, "no deal of theirs at all"
    if shared and len(names) > 1:
        return who, f"no deal of theirs {marks[0].removeprefix('no deal ')}"
    return who, f"no deal of theirs in the last {quota_lib.INACTIVE_MONTHS} months"


def inactive_sentence(
    inactive: pd.DataFrame, *, what: str = "every ranking and the coaching material"
) -> str | None:
    """Which reps the data no longer shows at work, and that they are left out.

    The rule is report 04's (:func:`salesops_lib.analysis.quota.possibly_inactive`: no deal,
    or none created or closed for :data:`~salesops_lib.analysis.quota.INACTIVE_MONTHS`
    months, without a recent hire date or a quota ahead).

    Parameters
    ----------
    inactive
        :func:`salesops_lib.analysis.quota.possibly_inactive` of the reps concerned
        (``rep_id, rep_name, last_activity``).
    what
        What they are left out of.

    Returns
    -------
    str or None
        The sentence; None when there is nobody.

    Examples
    --------
    ``Liam O'Sullivan (no deal since 2025-09-30) is left out of every ranking and the coaching
    material: the data shows no deal of theirs in the last 6 months, so they may no longer be
    in seat (report 04 leaves them out of the quotas too).``
    """
    if inactive.empty:
        return None
    marks = inactive_marks(inactive).tolist()
    one = len(marks) == 1
    who, quiet = inactive_who([str(n) for n in inactive["rep_name"]], marks)
    return (
        f"{who} {'is' if one else 'are'} left out of {what}: the data shows {quiet}, so they "
        "may no longer be in seat (report 04 leaves them out of the quotas too)."
    )


# ---------------------------------------------------------------------------------------
# scorecard


def scope_sentence(n: int, window: list[str], trailing: int) -> str:
    """Who is compared and over which quarters.

    Parameters
    ----------
    n
        Reps compared.
    window
        The trailing window's quarters, oldest first.
    trailing
        Quarters asked for (the sentence says when the data holds fewer).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).

    Examples
    --------
    ``The comparison covers **60 reps** with closed deals or a quota in **2025Q4–2026Q3**
    (4 quarters).``
    """
    k = len(window)
    text = (
        f"The comparison covers {bold(count(n, 'rep'))} with closed deals or a quota in "
        f"{bold(quarter_span(window))} ({count(k, 'quarter')})."
    )
    if k < trailing:
        text += f" The data starts in {window[0]}, so the window has {k} of the {trailing} quarters asked for."
    return text


def _top(frame: pd.DataFrame, col: str, show) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The rows whose ``col`` reads (as ``show`` writes it) the same as the highest."""
    f = frame.dropna(subset=[col])
    if f.empty:
        return f
    best = show(f[col].max())
    return f[f[col].map(show) == best]


def _who(names: list[str], most: int = 3) -> str:
    """``**Ann**``, ``**Ann** and **Bo**``; more than ``most``: ``5 reps``."""
    if len(names) > most:
        return count(len(names), "rep")
    return listing([bold(n) for n in names])


def peer_sentence(card: pd.DataFrame, fmt, *, hire_known: bool = True) -> str | None:  # type: ignore[no-untyped-def]
    """Peer groups, the top rep by bookings with their percentile, and the reps still ramping.

    Reps reading the same at the top are all named; without hire dates, ramping is unknown.

    Parameters
    ----------
    card
        The compared reps' scorecard (``rep_name, peer_group, ramp_status,
        bookings_trailing, pct_bookings``).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    hire_known
        The reps table has hire dates.

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None without a compared rep.
    """
    if card.empty:
        return None
    groups = card["peer_group"].nunique()
    grouping = (
        "All of them form one peer group"
        if groups == 1
        else f"They fall in {count(groups, 'peer group')}"
    )
    ordered = card.sort_values(["bookings_trailing", "rep_name"], ascending=[False, True])
    tops = _top(ordered, "bookings_trailing", fmt)
    top = ordered.iloc[0]
    if len(tops) > 1:
        text = (
            f"{grouping}. {_who(list(tops['rep_name']))} share the top by bookings "
            f"({fmt(top['bookings_trailing'])} each)."
        )
    else:
        text = f"{grouping}. The top rep by bookings is {bold(top['rep_name'])} ({fmt(top['bookings_trailing'])}"
        if pd.notna(top["pct_bookings"]):
            text += f", percentile {number(top['pct_bookings'])} in {top['peer_group']}"
        text += ")."
    if not hire_known:
        return text + (
            " Without hire dates nobody can tell which reps are still ramping, so every rep is "
            "compared with all peers of the same role and segment."
        )
    ramping = int((card["ramp_status"] == "ramping").sum())
    unknown = int((card["ramp_status"] == "unknown").sum())
    if ramping == 0:
        text += (
            " No rep is still ramping."
            if not unknown
            else " No rep with a hire date is still ramping."
        )
    else:
        ramp = card[card["ramp_status"] == "ramping"]
        size = card.groupby("peer_group")["peer_group"].transform("size").reindex(ramp.index)
        few = int((size < bench.MIN_PEERS).sum())
        one = ramping == 1
        text += (
            f" {count(ramping, 'rep is', 'reps are')} still ramping and "
            f"{'is' if one else 'are'} compared only with ramping peers of the same tenure"
        )
        if few == ramping:
            text += (
                f"; {'that rep is' if one else 'each is'} in a group of fewer than "
                f"{bench.MIN_PEERS} such reps, so none gets a percentile or a verdict against "
                "peers."
            )
        elif few:
            text += (
                f"; {few:,} of them {'is' if few == 1 else 'are'} in a group of fewer than "
                f"{bench.MIN_PEERS} such reps and {'gets' if few == 1 else 'get'} no "
                "percentile or verdict against peers."
            )
        else:
            text += "."
    if unknown:
        text += (
            f" {count(unknown, 'rep has', 'reps have')} no hire date, so whether "
            f"{'they are' if unknown > 1 else 'they are'} still ramping is unknown."
        )
    return text


def distribution_title(frame: pd.DataFrame, value: str, has_quota: bool, fmt: MoneyFormat) -> str:
    """The peer distribution chart's title: the peer group with the highest median.

    Only groups of at least :data:`MIN_GROUP` reps with a value are ranked.

    Parameters
    ----------
    frame
        The scorecard with ``rep_id`` as a column (``peer_group`` and ``value``).
    value
        The column shown: ``attainment_trailing`` with quotas, else ``bookings_trailing``.
    has_quota
        Whether ``value`` is attainment (shown as a percentage) or bookings (as money).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The title (it states the finding).
    """
    data = frame.dropna(subset=[value])
    if data.empty:
        return "Reps by peer group"
    g = data.groupby("peer_group")[value]
    med = g.median()[g.size() >= MIN_GROUP].sort_values(ascending=False)
    show = pct if has_quota else fmt
    measure = "attainment" if has_quota else "bookings"
    if med.empty or data["peer_group"].nunique() == 1:
        return f"Median {measure} {show(data[value].median())}; each dot is a rep"
    return f"{med.index[0]}: highest median {measure}, {show(med.iloc[0])}"


def peer_spread(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """The reps of peer groups with at least :data:`MIN_GROUP` reps with a value (the chart's).

    Parameters
    ----------
    frame
        The scorecard with ``rep_id`` as a column (``peer_group`` and ``value``).
    value
        The column charted; reps without it are left out.

    Returns
    -------
    DataFrame
        Those rows of ``frame``, on a fresh index.
    """
    data = frame.dropna(subset=[value])
    sizes = data.groupby("peer_group")[value].transform("size")
    return data[sizes >= MIN_GROUP].reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# honest ranking


def ranking_sentence(ranking: pd.DataFrame) -> str | None:
    """Who tops the raw win rates, who leads once shrunk, and who differs beyond chance.

    Reps reading the same are named together, and the sentence says when the shrunk rates do
    not tell reps apart at all.

    Parameters
    ----------
    ranking
        :func:`salesops_lib.analysis.reps.win_rate_ranking` of the compared reps (``rep_name,
        win_rate, closed, shrunk_win_rate, shrunk_lo, shrunk_hi, flag``).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None without a ranked rep.

    Examples
    --------
    ``Ranked by raw win rate, **Ann** would top the table (100% on 3 closed deals); after
    shrinking small samples toward the peer average the leader is **Bo** (58%, 95% range 53%
    to 64%). ...``
    """
    if ranking.empty:
        return None
    by_raw = ranking.sort_values(["win_rate", "closed"], ascending=[False, False])
    raw = _top(by_raw, "win_rate", pct)
    lead = _top(ranking, "shrunk_win_rate", pct)
    shrink = "after shrinking small samples toward the peer average"
    raw_part = f"{pct(raw['win_rate'].iloc[0])}{_on_closed(raw)}"
    lead_part = f"{pct(lead['shrunk_win_rate'].iloc[0])}{_lead_range(lead)}"
    shown = np.round(ranking["shrunk_win_rate"].astype(float) * 100)
    if len(lead) < len(ranking) and shown.max() - shown.min() <= 1:
        # a point apart at most: no fair ranking to speak of
        would = "would top the table" if len(raw) == 1 else "would share the top"
        text = (
            f"Ranked by raw win rate, {_who(list(raw['rep_name']))} {would} ({raw_part}); "
            f"{shrink} every rep reads {pct(ranking['shrunk_win_rate'].min())} or "
            f"{pct(ranking['shrunk_win_rate'].max())} ({_who(list(lead['rep_name']))} "
            f"{pct(lead['shrunk_win_rate'].iloc[0])}), so the fair ranking tells no rep "
            "meaningfully apart from the others."
        )
    elif len(lead) == len(ranking) and len(ranking) > 1:
        text = (
            f"{shrink.capitalize()} every rep's win rate reads {pct(lead['shrunk_win_rate'].iloc[0])}: "
            f"no rep differs meaningfully from the others (raw win rates run from "
            f"{pct(ranking['win_rate'].min())} to {pct(ranking['win_rate'].max())} on samples "
            "small enough for luck to explain)."
        )
    elif set(raw["rep_id"]) == set(lead["rep_id"]):
        verb = "tops the table" if len(lead) == 1 else "share the top of the table"
        text = (
            f"{_who(list(lead['rep_name']))} {verb} both on raw win rate ({raw_part}) and {shrink} "
            f"({lead_part})."
        )
    else:
        would = "would top the table" if len(raw) == 1 else "would share the top"
        leader = (
            f"the leader is {_who(list(lead['rep_name']))}"
            if len(lead) == 1
            else f"{_who(list(lead['rep_name']))} share the lead"
        )
        text = (
            f"Ranked by raw win rate, {_who(list(raw['rep_name']))} {would} ({raw_part}); "
            f"{shrink} {leader} ({lead_part})."
        )
    above = int((ranking["flag"] == "above peers").sum())
    below = int((ranking["flag"] == "below peers").sum())
    within = int((ranking["flag"] == "within chance").sum())
    alone = ranking[ranking["flag"].isin([bench.NO_PEERS, bench.TOO_FEW_PEERS])]
    if above == 0 and below == 0:
        text += (
            f" No rep's win rate differs from peers beyond what luck explains ({count(within, 'rep')})."
            if within
            else ""
        )
    else:
        text += (
            f" {count(above, 'rep')} {'wins' if above == 1 else 'win'} more often than peers beyond "
            f"chance and {below:,} less often; the other {within:,} differ within what luck explains."
        )
    if len(alone):
        one = len(alone) == 1
        names = list(alone["rep_name"])
        who = listing(names) if len(names) <= 4 else count(len(names), "rep")
        text += (
            f" {who} {'is' if one else 'are'} in a peer group of fewer than "
            f"{bench.MIN_PEERS} reps, so {'gets' if one else 'get'} no verdict against peers."
        )
    return text.strip()


def _on_closed(rows: pd.DataFrame) -> str:
    """`` on 19 closed deals`` (``each`` for several reps with as many); several otherwise: nothing."""
    closed = rows["closed"].astype(int)
    if len(rows) == 1:
        return f" on {count(int(closed.iloc[0]), 'closed deal')}"
    if closed.nunique() == 1:
        return f" on {count(int(closed.iloc[0]), 'closed deal')} each"
    return ""


def _lead_range(lead: pd.DataFrame) -> str:
    """The leaders' shrunk range when it reads the same for all of them."""
    ranges = {_range(lo, hi) for lo, hi in zip(lead["shrunk_lo"], lead["shrunk_hi"], strict=True)}
    return ranges.pop() if len(ranges) == 1 else ""


def _range(lo: float, hi: float) -> str:
    """``, 95% range 53% to 64%`` (defined under Shrunk win rate); nothing when the ends are
    missing or show the same."""
    if pd.isna(lo) or pd.isna(hi) or pct(lo) == pct(hi):
        return ""
    return f", 95% range {pct(lo)} to {pct(hi)}"


def ranking_title(ranking: pd.DataFrame) -> str:
    """The funnel plot's title.

    Parameters
    ----------
    ranking
        :func:`salesops_lib.analysis.reps.win_rate_ranking` of the compared reps with
        ``rep_id`` as a column, best shrunk win rate first (``rep_name, win_rate, closed,
        shrunk_win_rate, shrunk_lo, shrunk_hi, flag``).

    Returns
    -------
    str
        The title (it states the finding).
    """
    above = int((ranking["flag"] == "above peers").sum())
    below = int((ranking["flag"] == "below peers").sum())
    alone = int(ranking["flag"].isin([bench.NO_PEERS, bench.TOO_FEW_PEERS]).sum())
    rest = "the rest within luck" if not alone else f"{alone} without peers, the rest within luck"
    return f"{above} above and {below} below peers beyond chance; {rest}"


# ---------------------------------------------------------------------------------------
# consistency


def consistency_sentence(
    judged: pd.DataFrame, has_quota: bool, unplaced: pd.DataFrame | None = None
) -> str | None:
    """How many reps fall in each quadrant of steadiness and performance.

    The counts are of the reps the chart plots; the reps not placed are named with the reason.

    Parameters
    ----------
    judged
        :func:`salesops_lib.analysis.reps.consistency` of the placed reps (``quadrant``).
    has_quota
        Performance is attainment (the bar is quota) rather than bookings against the peer
        median.
    unplaced
        The reps not placed (``rep_name, quadrant``), or None.

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None without a placed rep.
    """
    if judged.empty:
        return None
    c = judged["quadrant"].value_counts()
    bar = "quota" if has_quota else "their peer median"
    n = {q: int(c.get(q, 0)) for q in bench.QUADRANTS.values()}

    def are(k: int) -> str:
        return "is" if k == 1 else "are"

    text = (
        f"Of {count(len(judged), 'rep')} with at least three months in the window, "
        f"{bold(n['Reliable performers'])} {are(n['Reliable performers'])} reliable performers "
        f"(at or above {bar} with steady months), {n['Big-quarter performers']} "
        f"{'reaches' if n['Big-quarter performers'] == 1 else 'reach'} it in bursts, "
        f"{n['Steady but short']} {are(n['Steady but short'])} steady but short, and "
        f"{bold(n['Struggling and erratic'])} {are(n['Struggling and erratic'])} both short "
        "and erratic. A rep counts as erratic only when their months vary more than the same "
        "deals falling in random months (with the team's seasonality) would make them in 95 "
        "of 100 tries"
    )
    erratic = judged[judged["quadrant"].isin(["Big-quarter performers", "Struggling and erratic"])]
    if erratic.empty:
        text += "; no rep's months do."
    else:
        names = list(erratic.sort_values("variation", ascending=False)["rep_name"])
        shown = (
            listing(names)
            if len(names) <= 6
            else listing(names[:5]) + f" and {len(names) - 5:,} more"
        )
        text += f"; {count(len(names), 'rep does', 'reps do')}: {shown}."
    if unplaced is not None and len(unplaced):
        no_quota = list(unplaced.loc[unplaced["performance"].isna(), "rep_name"])
        no_book = list(
            unplaced.loc[unplaced["performance"].notna() & unplaced["cv"].isna(), "rep_name"]
        )
        for names, why in (
            (no_quota, "no quota in the window"),
            (no_book, "no bookings in the window"),
        ):
            if names:
                one = len(names) == 1
                text += (
                    f" {listing(names) if len(names) <= 3 else count(len(names), 'rep')} "
                    f"{'has' if one else 'have'} {why}, so {'is' if one else 'are'} not placed "
                    "in the chart."
                )
    return text


def consistency_title(judged: pd.DataFrame) -> str:
    """The quadrant chart's title.

    Parameters
    ----------
    judged
        :func:`salesops_lib.analysis.reps.consistency` of the compared reps, those ``Too new to
        judge`` left out (``quadrant``).

    Returns
    -------
    str
        The title (it states the finding).
    """
    c = judged["quadrant"].value_counts()
    return (
        f"{int(c.get('Reliable performers', 0))} reliable performers; "
        f"{int(c.get('Struggling and erratic', 0))} struggling and erratic"
    )


# ---------------------------------------------------------------------------------------
# where deals leak


def heat_matrix(conv: pd.DataFrame) -> pd.DataFrame:
    """Rep x step gaps to the team (steps in stage order), cells with enough deals only.

    Steps at which the team lost no deal (conversion 100%) are left out (nothing to coach);
    with more than :data:`HEAT_ROWS` reps, those losing the most deals beyond the team rate.

    Parameters
    ----------
    conv
        :func:`salesops_lib.analysis.reps.stage_conversion` with ``rep_name`` (``step,
        entered, team_rate, gap, excess_lost``); a cell needs :data:`HEAT_MIN_DEALS` deals
        entering the step.

    Returns
    -------
    DataFrame
        Index ``rep_name``, one column per step, gaps as shares (NaN: too few deals).
    """
    steps = list(dict.fromkeys(conv["step"]))
    keep = [s for s in steps if (conv.loc[conv["step"] == s, "team_rate"] < 1).any()]
    cells = conv[(conv["entered"] >= HEAT_MIN_DEALS) & conv["step"].isin(keep)]
    heat = cells.pivot_table(index="rep_name", columns="step", values="gap", sort=False)
    heat = heat.reindex(columns=[s for s in keep if s in heat.columns])
    heat.attrs["reps"] = len(heat)  # before trimming: the title says how many are shown
    if len(heat) > HEAT_ROWS:
        worst = (
            cells.groupby("rep_name")["excess_lost"]
            .sum()
            .sort_values(ascending=False)
            .head(HEAT_ROWS)
        )
        heat = heat.loc[heat.index.isin(worst.index)]
    return heat


def conversion_sentence(
    neck: funnel_lib.Bottleneck | None,
    fun: funnel_lib.Funnel,
    basis: str,
    *,
    same_as_06: bool,
) -> str | None:
    """The team's weakest step over the window, named only when it is lower beyond chance.

    The rule report 06 uses: the step is named when it converts lower than the next weakest
    beyond chance; the sentence says how it is measured.

    Parameters
    ----------
    neck
        :func:`salesops_lib.analysis.funnel.bottleneck` of the window's funnel (None: no step).
    fun
        The window's funnel (:func:`salesops_lib.analysis.funnel.stage_funnel`).
    basis
        How the furthest stage is known (:attr:`Reached.basis
        <salesops_lib.analysis.funnel.Reached.basis>`), appended as is.
    same_as_06
        The step is the bottleneck report 06 names (the sentence says so).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None without a weakest step.

    Examples
    --------
    ``Over the 9,515 deals closed in 2025Q4–2026Q3 no single step is the team's bottleneck:
    the weakest steps, Proposal → Negotiation (75%) and Discovery → Proposal (75%), convert
    alike within chance, as report 06 finds too. ...``
    """
    if neck is None:
        return None
    over = f"Over the {count(fun.closed, 'deal')} closed in {quarter_span(list(fun.quarters))}"
    if neck.clear:
        text = f"{over} the team converts worst at {bold(neck.step)} ({pct(neck.rate)}"
        if neck.next_step is not None and neck.next_rate < 1:
            text += f"; the next weakest, {neck.next_step}, {pct(neck.next_rate)}"
        text += ", lower beyond chance)"
        text += ", the bottleneck report 06 names too." if same_as_06 else "."
    else:
        text = f"{over} no single step is the team's bottleneck: {alike_words(neck)}"
        text += ", as report 06 finds too." if same_as_06 else "."
    heat = "The heat map shows each rep's conversion at each step against the team, in points."
    return " ".join(part for part in (text, basis, heat) if part)


def one_step_sentence(fun: funnel_lib.Funnel) -> str | None:
    """Without history snapshots: the one step the data measures, and why no step is named.

    Parameters
    ----------
    fun
        The window's funnel (:func:`salesops_lib.analysis.funnel.stage_funnel`).

    Returns
    -------
    str or None
        The sentence; None when more than one step is measured.

    Examples
    --------
    ``Without history snapshots the data measures one step of the sales process: of the 6,711
    deals closed in 2017Q1–2017Q4 that reached Engaging, 63% were won. ...``
    """
    steps = funnel_lib.total_steps(fun).dropna(subset=["rate"])
    if not fun.reach.measurable or steps.empty:
        return None
    step = fun.reach.measurable[0]
    row = steps[steps["step"] == step]
    if row.empty:
        return None
    frm = step.split(funnel_lib.ARROW)[0]
    entered, rate = int(row["entered"].iloc[0]), float(row["rate"].iloc[0])
    return (
        f"Without history snapshots the data measures one step of the sales process: of the "
        f"{count(entered, 'deal')} closed in {quarter_span(list(fun.quarters))} that reached {frm}, "
        f"{pct(rate)} were won (each rep's share is the win rate compared above). Where the lost "
        "deals stopped is unknown, so the funnel cannot be measured beyond that: no step can be "
        "named the weakest and there is no step to coach."
    )


def heat_title(heat: pd.DataFrame | None, neck: funnel_lib.Bottleneck | None) -> str:
    """The heat map's title (a weakest step only when it is clear).

    Parameters
    ----------
    heat
        The heat map's matrix (None: none).
    neck
        The team's weakest step (None: none).

    Returns
    -------
    str
    """
    base = "Conversion against the team by step (red: below, in points)"
    if heat is not None and heat.attrs.get("reps", len(heat)) > len(heat):
        base = (
            f"The {len(heat)} reps losing most deals beyond the team rate, against the team by "
            "step (in points)"
        )
    return f"{base}; weakest team step {neck.step}" if neck is not None and neck.clear else base


def coaching_note(gone: list[str], day: pd.Timestamp) -> str | None:
    """Which reps who left are kept out of the coaching material.

    Parameters
    ----------
    gone
        The names of the reps who left before ``day``.
    day
        The as-of date.

    Returns
    -------
    str or None
        The sentence; None when nobody left.
    """
    if not gone:
        return None
    one = len(gone) == 1
    who = listing(gone) if len(gone) <= 4 else count(len(gone), "rep")
    return (
        f"{who} left before {day.date()}, so {'is' if one else 'are'} left out of the heat map "
        "and the coaching table (their results stay in the tables above, marked with the date "
        f"{'they' if one else 'they'} left)."
    )


# ---------------------------------------------------------------------------------------
# ramp


def ramp_sentence(
    ramp: Mapping[str, Any],
    hire_known: bool,
    fmt: MoneyFormat,
    *,
    reassigned_known: bool = False,
    group_word: str = "segment",
) -> str | None:
    """How fast new hires win their first own deal and reach full productivity.

    Each group (segment, or role) is measured against its own ramped reps, and the sentence
    says how many inherited deals were left out.

    Parameters
    ----------
    ramp
        :func:`salesops_lib.analysis.reps.ramp_curve` (``groups, median_days_to_first_deal,
        inherited_left_out, inherited_reps, new_hires``).
    hire_known
        The reps table has hire dates (None is returned without them).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    reassigned_known
        The opportunities have reassigned dates (the sentence names them among the inherited).
    group_word
        What a group is called (``segment`` or ``role``).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when there is nothing true to say.

    Examples
    --------
    ``Reps hired inside the data win their first deal of their own a median **94 days** after
    starting. Each segment's hires are measured against its own ramped reps (their average
    monthly bookings after the first year) and count as fully productive from the month they
    book 80% of it: Enterprise hires in about **8 months** (ramped average $277K a month, 80%
    mark $221K); ...``
    """
    if not hire_known:
        return None
    curve = ramp["curve"]
    if len(curve) == 0:
        return "No rep was hired inside the data's time span, so there is no ramp curve to show."
    text = first_deal_sentence(
        ramp["median_days_to_first_deal"], list(ramp.get("first_deal_days", []))
    )
    groups = ramp["groups"]
    share = f"{float(ramp.get('full_share', 0.8)):.0%}"
    months = int(curve["tenure_month"].max()) + 1 if len(curve) else 0
    parts = []
    for name, g in groups.iterrows():
        who = "hires" if name == "All reps" else f"{name} hires"
        vet, mark, full = g["veteran_monthly"], g["full_mark"], g["months_to_full"]
        if not np.isfinite(vet):
            parts.append(f"{who} have no ramped reps to compare with")
            continue
        figures = f"(ramped average {fmt(vet)} a month, {share} mark {fmt(mark)})"
        if np.isfinite(full):
            parts.append(f"{who} in about {bold(count(int(full), 'month'))} {figures}")
        elif int(g["hires"]) < bench.MIN_CURVE_REPS:
            parts.append(f"{who} are too few ({int(g['hires'])}) to tell {figures}")
        else:
            parts.append(f"{who} do not reach it within their first {months} months {figures}")
    if parts:
        whose = (
            "Hires are" if list(groups.index) == ["All reps"] else f"Each {group_word}'s hires are"
        )
        text += (
            f" {whose} measured against {'ramped reps' if whose == 'Hires are' else 'its own ramped reps'} "
            f"(their average monthly bookings after the first year) and count as fully productive "
            f"from the month they book {share} of it: {'; '.join(parts)}."
        )
    left, reps = int(ramp["inherited_left_out"]), int(ramp["inherited_reps"])
    if left:
        text += (
            f" {count(left, 'won deal')} of {count(reps, 'of these reps', 'of these reps')} "
            f"{'was' if left == 1 else 'were'} created before the rep's hire date"
            f"{' or reassigned to them' if reassigned_known else ''} (inherited) and "
            f"{'is' if left == 1 else 'are'} left out."
        )
    new = ramp["new_hires"]
    n = len(new)
    if n:
        own = "that curve" if list(groups.index) == ["All reps"] else f"their {group_word}'s curve"
        rated = int(new["vs_curve"].notna().sum()) if "vs_curve" in new else 0
        if rated:
            text += (
                f" {count(rated, 'hire')} of the last year {'is' if rated == 1 else 'are'} "
                f"compared with {own} below, each without their own months."
            )
        if rated < n:
            k = n - rated
            text += (
                f" {count(k, 'hire')} of the last year {'has' if k == 1 else 'have'} fewer than "
                f"{bench.MIN_CURVE_REPS} other hires to compare with, so no curve rating."
            )
    return text


def first_deal_sentence(median_days: float, days: list[int]) -> str:
    """How long hires take to win a deal of their own: a median only over enough hires.

    With fewer than :data:`salesops_lib.analysis.reps.MIN_CURVE_REPS` hires who have won,
    a median says nothing typical (the median of one hire is that hire): the sentence gives
    each one's days instead.

    Parameters
    ----------
    median_days
        :func:`salesops_lib.analysis.reps.ramp_curve`'s ``median_days_to_first_deal``.
    days
        Its ``first_deal_days``: each hire's days to a first deal of their own (an older
        result without it: empty, and the median is used as it is).

    Returns
    -------
    str

    Examples
    --------
    >>> first_deal_sentence(126.0, [126])
    'The one rep hired inside the data who has won a deal of their own won the first **126 days** after starting: too few hires to say what is typical.'
    """
    if not np.isfinite(median_days):
        return "No rep hired inside the data has yet won a deal of their own."
    if 0 < len(days) < bench.MIN_CURVE_REPS:
        if len(days) == 1:
            who, when = "The one rep", bold(count(int(days[0]), "day"))
        else:
            who = f"The {len(days)} reps"
            when = " and ".join(bold(f"{int(x):,}") for x in days) + " days"
        wins = "has" if len(days) == 1 else "have"
        return (
            f"{who} hired inside the data who {wins} won a deal of their own won the first "
            f"{when} after starting: too few hires to say what is typical."
        )
    return (
        f"Reps hired inside the data win their first deal of their own a median "
        f"{bold(count(int(round(median_days)), 'day'))} after starting."
    )


def ramp_title(groups: pd.DataFrame, by: str | None) -> str:
    """The ramp chart's title.

    Parameters
    ----------
    groups
        :func:`salesops_lib.analysis.reps.ramp_curve`'s ``groups`` (per group ``months_to_full``).
    by
        The reps' column the curves are split by (:func:`salesops_lib.analysis.reps.ramp_by`).

    Returns
    -------
    str
    """
    if by is None or list(groups.index) in ([], ["All reps"]):
        return "New hires' own bookings by month, against ramped reps (dashed)"
    return f"Each {by}'s new hires, own bookings by month, against its ramped reps (dashed)"


# ---------------------------------------------------------------------------------------
# managers


def possessive(name: object) -> str:
    """``**Ann's**``: a bold name with its possessive inside the bold, so nothing comes between.

    Parameters
    ----------
    name
        The name.

    Returns
    -------
    str

    Examples
    --------
    >>> possessive("José Nguyen")
    "**José Nguyen's**"
    """
    return bold(f"{name}'s")


def apart(a: pd.Series, b: pd.Series, *, level: float = 0.05) -> bool:
    """Whether two teams' averages differ beyond chance (Welch's t test, two-sided).

    Parameters
    ----------
    a, b
        Rows of :func:`salesops_lib.analysis.reps.manager_summary` (``mean, sd, reps``).
    level
        The test's level.

    Returns
    -------
    bool
        False when either team has fewer than two reps (no spread to test against).
    """
    if int(a["reps"]) < 2 or int(b["reps"]) < 2:
        return False
    sd_a, sd_b = float(a["sd"]), float(b["sd"])
    if not (np.isfinite(sd_a) and np.isfinite(sd_b)) or sd_a + sd_b == 0:
        return float(a["mean"]) != float(b["mean"])
    res = stats.ttest_ind_from_stats(
        float(a["mean"]),
        sd_a,
        int(a["reps"]),
        float(b["mean"]),
        sd_b,
        int(b["reps"]),
        equal_var=False,
    )
    return bool(res.pvalue < level)


def _skewed(row: pd.Series) -> bool:
    """The team's average and median differ by 10% of the median or more (an outlier pulls)."""
    med = float(row["median"])
    return abs(float(row["mean"]) - med) >= 0.1 * abs(med) if med else float(row["mean"]) != 0


def manager_sentence(mgr: pd.DataFrame, measure: str, fmt: MoneyFormat) -> str | None:
    """Whose reps average the highest (only beyond chance), and whose team spreads widest.

    A team is called the highest only when its average is above the next team's beyond
    chance (:func:`apart`, the rule of the page's other 'beyond chance' verdicts); the median
    is given beside the average when the two differ by 10% or more, or rank the teams
    differently (an outlier drives the average).

    Parameters
    ----------
    mgr
        :func:`salesops_lib.analysis.reps.manager_summary` with ``manager`` as a column
        (``reps, mean, median, sd, min, max, spread``).
    measure
        ``attainment`` (shown as a percentage) or ``bookings`` (as money).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None without a named manager.

    Examples
    --------
    ``No manager's team averages higher than the next beyond chance: José Nguyen's reps
    average 115% attainment (median 100%), Mia Schmidt's 102% (median 101%).``
    """
    named = mgr[mgr["manager"].notna() & (mgr["manager"].astype("str") != UNASSIGNED)]
    if named.empty:
        return None
    show = pct if measure == "attainment" else fmt
    ordered = named.sort_values("mean", ascending=False)
    best = ordered.iloc[0]
    by_median = named.sort_values("median", ascending=False)["manager"].tolist()
    reorders = by_median[:2] != ordered["manager"].tolist()[:2]

    def avg(row: pd.Series, word: str = "") -> str:
        text = show(row["mean"]) + (f" {word}" if word else "")
        if _skewed(row) or reorders:
            text += f" (median {show(row['median'])})"
        return text

    if len(named) == 1:
        return (
            f"{possessive(best['manager'])} {count(int(best['reps']), 'rep')} average "
            f"{avg(best, measure)}, from {show(best['min'])} to {show(best['max'])}."
        )
    second = ordered.iloc[1]
    wide = named.sort_values("spread", ascending=False).iloc[0]
    spread = (
        f"the widest spread between best and weakest rep is in {possessive(wide['manager'])} "
        f"team ({show(wide['min'])} to {show(wide['max'])})"
    )
    if not apart(best, second) or show(best["mean"]) == show(second["mean"]):
        return (
            f"No manager's team averages higher than the next beyond chance: "
            f"{possessive(best['manager'])} reps average {avg(best, measure)}, "
            f"{second['manager']}'s {avg(second)}; {spread}."
        )
    text = f"{possessive(best['manager'])} reps average the highest {measure}, {avg(best)}"
    if wide["manager"] == best["manager"]:
        return (
            text
            + f", and the same team spreads widest, from {show(wide['min'])} to {show(wide['max'])}."
        )
    return f"{text}, above {second['manager']}'s {avg(second)} beyond chance; {spread}."


def manager_title(mgr: pd.DataFrame, card: pd.DataFrame, measure: str) -> str:
    """The manager chart's title.

    Parameters
    ----------
    mgr
        :func:`salesops_lib.analysis.reps.manager_summary` (not used in the words).
    card
        The compared reps' scorecard (``ramp_status``: with ramped and ramping reps, the chart
        is of the ramped ones).
    measure
        ``attainment`` or ``bookings``.

    Returns
    -------
    str
    """
    ramped = (card["ramp_status"] == "ramped").any() and (card["ramp_status"] == "ramping").any()
    who = "ramped reps'" if ramped else "reps'"
    return f"Team average and range of {who} {measure} by manager"


# ---------------------------------------------------------------------------------------


_DEFINITIONS: Mapping[str, str] = MappingProxyType(
    {
        "Trailing window": (
            "The report's quarter and the quarters before it (the trailing parameter), as far "
            "as the data goes; every figure of this report counts deals closed in it."
        ),
        "Peer group": (
            "Reps with the same role and segment; reps in their first six months are compared "
            "only with ramping peers of the same tenure band (0-2 or 3-5 months)."
        ),
        "Tenure (months)": "Whole months from the rep's hire date to the as-of date.",
        "Percentile": (
            "Share of the rep's peer group (the reps compared, with a value) at or below the "
            "rep's value, 0-100 (100 = best); tied reps share the higher figure. Blank when the "
            f"peer group has fewer than {bench.MIN_PEERS} reps compared (the rep included) or the rep closed no "
            "deal in the window: there is nothing to rank."
        ),
        "Pipeline created": (
            "Amount of the deals the rep created in the window: each deal counts for the rep "
            "who owned it on its created date, so a deal reassigned later counts for the rep who "
            "opened it, not its owner now; a deal created before its owner joined, with no "
            "earlier owner in the data, counts for no rep."
        ),
        "Average deal": "Bookings divided by deals won, in the window.",
        "Low, High": (
            "The 95% range: for win rates the Wilson score interval; for attainment the t "
            "interval of the ratio of bookings to quota, estimated from the window's quarters."
        ),
        "Left (date)": (
            "A rep who left before the as-of date: their results stay in the tables, marked with "
            "the date they left; the heat map and the coaching table leave them out."
        ),
        "Shrunk win rate": (
            "Empirical-Bayes estimate: the rep's wins and losses added to a beta prior at the "
            "peer group's win rate, as strong as the spread between the reps' rates says "
            "(method of moments) but never stronger than the deals of the group's median rep "
            "nor so strong that a shrunk rate leaves the rep's own 95% range: small samples "
            "stay near the peer average, a rep with hundreds of deals near their own rate. "
            "The 95% range said beside a shrunk rate runs from the 2.5th to the 97.5th "
            "percentile of that estimate (the beta posterior)."
        ),
        "Against peers": (
            "Above or below peers when the raw win rate falls outside the 95% binomial limits of "
            "the peer win rate for that many closed deals (the win-rate chart draws each rep's "
            "gap to their own peer group's rate with that range as a bar); else within chance. "
            f"A rep whose peer group has fewer than {bench.MIN_PEERS} reps with closed deals "
            "(the rep included) gets no verdict (no peers, too few peers)."
        ),
        "Fair rank": (
            "Rank by shrunk win rate as the table shows it (whole percent, 1 = best); reps "
            "reading the same share a rank."
        ),
        "Consistency": (
            "Coefficient of variation of monthly bookings (standard deviation divided by mean) "
            "over the months the rep was employed in the window. A rep is erratic when it "
            "exceeds what the same deals put in random months (in proportion to the team's deals "
            "won each month) give in 95 of 100 tries; the chart plots the ratio of the two, "
            "split at 1 and at quota (or the peer median of bookings without quotas). Reps with "
            "fewer than three months, without a quota (when others have one) or without "
            "bookings are not placed."
        ),
        "Convert alike": (
            "Two steps convert alike when a two-proportion z-test (two-sided, 5% level) finds "
            "no difference beyond chance; a step is named the bottleneck only when it converts "
            "lower than the next weakest step beyond chance."
        ),
        "Stage conversion": (
            "Of the deals closed in the window that reached a stage, the share that went on to "
            "the next one; each deal counts at its furthest stage (the funnel of report 06)."
        ),
        "Step to coach": "The step at which the rep lost the most deals beyond the team rate.",
        "Deals lost beyond team rate": "(Team conversion minus the rep's) times the deals that entered the step.",
        "Inherited deal": (
            "A deal created before its owner's hire date, or reassigned to the owner: it says "
            "nothing about how fast the rep ramps, so ramp and first-deal figures leave it out."
        ),
        "Days to first own deal": "Days from hire date to the close of the first won deal the rep did not inherit.",
        "Ramp curve": (
            "Mean bookings per rep in each month of tenure, over reps hired inside the data and "
            "still employed that month, inherited deals left out; one curve per segment (or "
            "role, without segments), each hire compared with their own."
        ),
        "Ramped average": (
            "Mean monthly bookings of the segment's reps past their first year, over the months "
            "in which they booked (own deals only): the dashed line of the ramp chart."
        ),
        "Time to full productivity": (
            "First month of tenure in which a segment's new hires book, averaged over two "
            "months, 80% of its ramped average (the 80% mark), counting months with at least "
            f"{bench.MIN_CURVE_REPS} hires."
        ),
        "Curve to date": (
            "What the ramp curve of the hire's segment books in the months the hire has been in role."
        ),
        "Against curve": (
            "The hire's bookings to date divided by the curve to date: the average, month by "
            "month of tenure, of the other hires of the same group (the hire left out); blank "
            f"when fewer than {bench.MIN_CURVE_REPS} other hires were there to compare with."
        ),
        "Spread": "Highest minus lowest value among a manager's reps (Std dev: their standard deviation).",
    }
)
"""The terms report 02 defines beside the shared ones, in the order the page lists them."""
_QUOTA_DEFINITIONS: Mapping[str, str] = MappingProxyType(
    {
        "Attainment": (
            "Bookings divided by quota, both summed over the window's quarters: the one "
            "attainment every table and chart of this report shows."
        ),
        "Quarters with quota": "Quarters of the window in which the rep had a quota.",
        "Shrunk attainment": (
            "The rep's attainment pulled toward the peer average (of the rep's peer group) in "
            "proportion to how noisy a few quarters are."
        ),
    }
)
"""The terms defined when the data has quotas."""


USER_CREATED_HIRE = (
    "This export has no hire-date field, so a rep's hire date is the day their Salesforce "
    "user was created (User.CreatedDate)."
)
"""What the tenure definition adds when hire dates come from the users' created dates."""


def _definitions(
    has_quota: bool, has_activities: bool, user_created: bool = False
) -> dict[str, str]:
    own = dict(_DEFINITIONS)
    if user_created:  # Salesforce without a hire-date field
        own["Tenure (months)"] += " " + USER_CREATED_HIRE
    if has_quota:
        own.update(_QUOTA_DEFINITIONS)
    if has_activities:
        own["Activities"] = "Logged activities (calls, meetings, emails) of the rep in the window."
    return pick(
        "Bookings",
        "Deal credit",
        *(("Attainment",) if has_quota else ()),
        "Win rate",
        "Cycle days",
        **own,
    )


def _findings(ranking: pd.DataFrame, new_hires: Table | None, fmt: MoneyFormat) -> list[Finding]:
    hires = new_hires.frame if new_hires is not None else pd.DataFrame()
    out = []
    below = ranking[ranking["flag"] == "below peers"]
    if len(below):
        out.append(
            Finding(
                f"{count(len(below), 'rep')} {'wins' if len(below) == 1 else 'win'} less often "
                "than peers beyond what luck explains.",
                0.0,
                RANK_SECTION,
            )
        )
    if len(hires):
        behind = hires[hires["vs_curve"] < 0.5]
        if len(behind):
            gap = float((behind["curve_to_date"] - behind["bookings_to_date"]).sum())
            out.append(
                Finding(
                    f"{count(len(behind), 'recent hire')} {'is' if len(behind) == 1 else 'are'} "
                    f"below half the ramp curve, {bold(fmt(gap))} behind it together.",
                    gap,
                    RAMP_SECTION,
                )
            )
    return sorted(out, key=lambda f: -f.at_stake)
