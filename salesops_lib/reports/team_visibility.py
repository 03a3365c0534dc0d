"""Report 01, team visibility: where does the team stand against its goal right now?

:func:`build` returns a :class:`TeamVisibility`: the headline figures, the pace against the
same point of earlier quarters, the pipeline that must close the gap, the contribution of
teams, regions, managers and reps, and the last eight quarters, each with the sentence
the report shows. Every sentence is a function of the numbers beside it (tested in
``tests/test_reports_team_visibility.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib import timeline
from salesops_lib.analysis import kpis
from salesops_lib.analysis import quota as quota_lib
from salesops_lib.analysis.outlook import Outlook, outlook_quarter, quarter_outlook
from salesops_lib.data import SalesData
from salesops_lib.format import pct, ratio
from salesops_lib.reports.base import (
    ADD_QUOTAS,
    NO_QUOTAS,
    Finding,
    Gap,
    HasGaps,
    Header,
    MoneyFormat,
    Period,
    Tile,
    bold,
    count,
    header,
    money_in,
    no_lost_deals_sentence,
    no_teams,
    no_teams_sentence,
    period_of,
    team_or_company,
)
from salesops_lib.reports.definitions import pick
from salesops_lib.reports.outlook import (
    coverage_not_forecast,
    outlook_sentence,
    shortfall_caveat,
    shortfall_gap_words,
)
from salesops_lib.reports.rep_benchmarking import inactive_marks, inactive_who
from salesops_lib.reports.tables import Column, Table, TableSpec

LOOKBACK = 4
"""Earlier quarters the pace is compared with (those inside the data)."""
PACE_LEVEL_BAND = 0.02
"""Within this share of the earlier quarters' average on the same day (either way), a
quarter's pace is level with its usual pace: neither ahead nor behind."""

TREND_QUARTERS = 8
REP_ROWS = 60
"""Reps shown in full up to this many; beyond, the top and bottom halves of it."""

KPI_SPEC = TableSpec(
    (
        Column("group", "Group"),
        Column("bookings", "Bookings", "money"),
        Column("quota", "Quota", "money"),
        Column("attainment", "Attainment", "pct"),
        Column("won", "Won", "int"),
        Column("lost", "Lost", "int"),
        Column("win_rate", "Win rate", "pct"),
        Column("avg_deal_size", "Average deal", "money"),
        Column("open_pipeline", "Open pipeline", "money"),
    )
)
COVERAGE_SPEC = TableSpec(
    (
        Column("team", "Team"),
        Column("goal", "Goal", "money"),
        Column("bookings", "Booked", "money"),
        Column("gap", "Gap", "money"),
        Column("open_pipeline", "Open pipeline", "money"),
        Column("coverage", "Coverage", "ratio"),
        Column("needed_coverage", "Coverage needed", "ratio"),
        Column("pipeline_short", "Pipeline short", "money"),
    )
)
REP_SPEC = TableSpec(
    (
        Column("rep_name", "Rep"),
        Column("team", "Team"),
        Column("bookings", "Bookings", "money"),
        Column("share", "Share of bookings", "share"),
        Column("quota", "Quota", "money"),
        Column("attainment", "Attainment", "pct"),
        Column("won", "Won", "int"),
        Column("win_rate", "Win rate", "pct"),
        Column("open_pipeline", "Open pipeline", "money"),
        Column("coverage", "Coverage", "ratio"),
    ),
    max_rows=REP_ROWS,
    ends=True,
)
TREND_SPEC = TableSpec(
    (
        Column("label", "Quarter"),
        Column("bookings", "Bookings", "money"),
        Column("quota", "Quota", "money"),
        Column("attainment", "Attainment", "pct"),
        Column("won", "Won", "int"),
        Column("lost", "Lost", "int"),
        Column("win_rate", "Win rate", "pct"),
        Column("avg_deal_size", "Average deal", "money"),
        Column("avg_cycle_days", "Cycle days", "num1"),
    )
)
QUOTA_COLUMNS = ("quota", "attainment", "coverage")
GROUPS_SECTION = "How do teams, regions and managers contribute?"
ADD_GROUPS = "add a reps file (each rep's name, team, region and manager)"


@dataclass(frozen=True)
class Pace:
    """This quarter's bookings against the same day of earlier quarters.

    Attributes
    ----------
    curves
        :func:`~salesops_lib.analysis.kpis.pace` for this quarter and the earlier quarters
        inside the data (``quarter, day, bookings_to_date, quota, share_of_quota``).
    now
        This quarter's attainment (with quotas) or bookings (without) on ``day``.
    earlier
        The mean of the same measure on the same day of ``compared`` earlier quarters (NaN
        when there are none).
    compared
        The earlier quarters compared (inside the data; a quarter shorter than ``day``
        counts at its end).
    day
        Day of the quarter (1 = its first day).
    """

    curves: pd.DataFrame
    now: float
    earlier: float
    compared: list[str]
    day: int


@dataclass(frozen=True)
class TeamVisibility(HasGaps):
    """Everything report 01 shows (see :func:`build`)."""

    header: Header
    period: Period
    has_quota: bool
    gaps: list[Gap]
    tiles: list[Tile]
    pace: Pace
    pace_sentence: str
    pace_title: str
    target_quarter: str
    past_due_sentence: str | None
    outlook: Outlook
    outlook_sentence: str
    coverage: pd.Series
    coverage_sentence: str
    team_shortfall_sentence: str | None
    coverage_by_team: Table | None
    coverage_chart: pd.DataFrame
    coverage_title: str
    groups: list[Table]
    group_level: str | None
    team_chart: pd.DataFrame
    team_sentence: str | None
    team_title: str
    measure: str
    measure_kind: str
    measure_target: float | None
    reps: Table
    rep_sentence: str
    rep_chart: pd.DataFrame
    rep_title: str
    trend: Table
    trend_sentence: str | None
    trend_title: str
    rate_columns: dict[str, str]
    rates_title: str
    definitions: dict[str, str]
    findings: list[Finding]
    currency: str


NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}
"""Small counts in words, as a sentence reads them."""


def build(
    data: SalesData,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
) -> TeamVisibility:
    """Build report 01 for ``quarter`` as known on ``as_of``.

    Parameters
    ----------
    data
        The company's data set (needs opportunities and reps; quotas and history when present).
    quarter
        Fiscal quarter; None: the latest complete quarter.
    as_of
        What is known; None: the quarter's end, or the data's last date mid-quarter.
    team
        Narrow the report to one team; None: the whole company.

    Returns
    -------
    TeamVisibility

    Raises
    ------
    ConfigError
        For a quarter outside the data, an as-of date that is not a date or falls outside
        the quarter, or a team no rep belongs to (the message says what is allowed).

    Examples
    --------
    >>> r = build(load_dataset("data/demo"), quarter="2026Q3")  # doctest: +SKIP
    >>> r.pace_sentence  # doctest: +SKIP
    'The company has booked **$24.0M** against a quota of **$25.1M** ...'
    """
    period = period_of(data, quarter, as_of)
    d = team_or_company(data, team)
    has_quota = kpis.has_quotas(d, period.quarter)
    fmt = money_in(d.currency)
    scope = "The company" if not team else f"Team {team}"
    target_q = outlook_quarter(d, period.quarter, period.as_of)
    due = timeline.past_due(d, as_of=period.as_of)
    stand = _pace_section(d, period, has_quota, scope, due, fmt)
    cover = _coverage_section(d, period, target_q, scope, fmt)
    grouped = _groups_section(d, period, has_quota, fmt)
    reps = rep_contribution(d, period)
    trend = _trend_section(d, period, has_quota, fmt)
    gaps = (
        []
        if has_quota
        else [Gap("Where does the team stand against its goal?", NO_QUOTAS, ADD_QUOTAS)]
    )
    if grouped.group_level is None:
        gaps.append(Gap(GROUPS_SECTION, "teams, regions or managers", ADD_GROUPS))
    measure = grouped.measure
    return TeamVisibility(
        header=header(data, period, team),
        period=period,
        has_quota=has_quota,
        gaps=gaps,
        tiles=stand.tiles,
        pace=stand.pace,
        pace_sentence=stand.pace_sentence,
        pace_title=stand.pace_title,
        target_quarter=target_q,
        past_due_sentence=stand.past_due_sentence,
        outlook=cover.outlook,
        outlook_sentence=cover.outlook_sentence,
        coverage=cover.coverage,
        coverage_sentence=cover.coverage_sentence,
        team_shortfall_sentence=cover.team_shortfall_sentence,
        coverage_by_team=cover.coverage_by_team,
        coverage_chart=cover.coverage_chart,
        coverage_title=cover.coverage_title,
        groups=grouped.groups,
        group_level=grouped.group_level,
        team_chart=grouped.team_chart,
        team_sentence=grouped.team_sentence,
        team_title=grouped.team_title,
        measure=measure,
        measure_kind="pct" if has_quota else "money",
        measure_target=1.0 if has_quota else None,
        reps=reps,
        rep_sentence=rep_sentence(reps.frame, has_quota, running=period.running),
        rep_chart=_rep_chart(reps.frame, measure),
        rep_title=_rep_title(reps.frame, has_quota),
        trend=trend.trend,
        trend_sentence=trend.trend_sentence,
        trend_title=trend.trend_title,
        rate_columns=trend.rate_columns,
        rates_title=trend.rates_title,
        definitions=_definitions(has_quota),
        findings=_findings(cover.coverage, due, target_q, fmt),
        currency=d.currency,
    )


@dataclass(frozen=True)
class _Standing:
    """Where does the team stand against its goal? Tiles, pace and the past-due deals."""

    tiles: list[Tile]
    pace: Pace
    pace_sentence: str
    pace_title: str
    past_due_sentence: str | None


def _pace_section(
    d: SalesData,
    period: Period,
    has_quota: bool,
    scope: str,
    due: pd.DataFrame,
    fmt: MoneyFormat,
) -> _Standing:
    """Where does the team stand against its goal? Bookings to date against earlier quarters."""
    total = kpis.kpi_table(d, quarter=period.quarter, as_of=period.as_of, by=None).iloc[0]
    pace = pace_against_earlier(d, period, has_quota=has_quota)
    return _Standing(
        tiles=headline_tiles(
            total, period, has_quota, d.currency, no_lost=no_lost_deals_sentence(d.opportunities)
        ),
        pace=pace,
        pace_sentence=pace_sentence(pace, scope=scope, total=total, has_quota=has_quota, fmt=fmt),
        pace_title=pace_title(period.quarter, pace, has_quota),
        past_due_sentence=past_due_sentence(
            period,
            due,
            fmt,
            None if period.running else _still_open(d, period),
        ),
    )


def _still_open(d: SalesData, period: Period) -> pd.DataFrame:
    """The ended quarter's open pipeline on the as-of date; ``attrs["history"]``: 06 has a waterfall."""
    out = timeline.open_pipeline(d, quarter=period.quarter, as_of=period.as_of)
    out.attrs["history"] = d.history is not None and len(d.history) > 0
    return out


@dataclass(frozen=True)
class _Coverage:
    """Is there enough pipeline for the goal? The outlook and coverage by team."""

    outlook: Outlook
    outlook_sentence: str
    coverage: pd.Series
    coverage_sentence: str
    team_shortfall_sentence: str | None
    coverage_by_team: Table | None
    coverage_chart: pd.DataFrame
    coverage_title: str


def _coverage_section(
    d: SalesData, period: Period, target_q: str, scope: str, fmt: MoneyFormat
) -> _Coverage:
    """Is there enough pipeline for the goal? The outlook, coverage for it, team by team."""
    outlook = quarter_outlook(d, quarter=target_q, as_of=period.as_of)
    cov_total = kpis.coverage(d, quarter=target_q, as_of=period.as_of, by=None).iloc[0]
    cov_team = kpis.coverage(d, quarter=target_q, as_of=period.as_of, by="team").reset_index()
    cov_chart = cov_team.assign(ratio_to_need=cov_team["coverage"] / cov_team["needed_coverage"])
    cov_chart = cov_chart.dropna(subset=["ratio_to_need"])
    if not (cov_chart["ratio_to_need"] > 0).any():  # bars of nothing: the sentence says it
        cov_chart = cov_chart.iloc[0:0]
    teamless = no_teams(cov_team)  # one (unassigned) row is the company again: no table
    if teamless:
        cov_chart = cov_chart.iloc[0:0]
    return _Coverage(
        outlook=outlook,
        outlook_sentence=outlook_sentence(outlook, d.currency),
        coverage=cov_total,
        coverage_sentence=coverage_sentence(
            cov_total,
            target_q,
            scope=scope,
            fmt=fmt,
            undated=timeline.undated(d, as_of=period.as_of),
        ),
        team_shortfall_sentence=(
            no_teams_sentence("coverage is")
            if teamless
            else team_shortfall_sentence(cov_team, cov_total, fmt, target_q)
        ),
        coverage_by_team=None
        if teamless
        else Table(
            cov_team,
            COVERAGE_SPEC,
            f"Pipeline coverage of the {target_q} goal by team, as of {period.as_of.date()}",
            d.currency,
        ),
        coverage_chart=cov_chart,
        coverage_title=(
            f"{int((cov_chart['ratio_to_need'] < 1).sum())} of {count(len(cov_chart), 'team')} "
            f"have less pipeline for {target_q} than their win rate needs"
        ),
    )


@dataclass(frozen=True)
class _Groups:
    """How do the teams compare? The figures by team, region or manager, teams ranked."""

    groups: list[Table]
    group_level: str | None
    team_chart: pd.DataFrame
    team_sentence: str | None
    team_title: str
    measure: str


def _groups_section(d: SalesData, period: Period, has_quota: bool, fmt: MoneyFormat) -> _Groups:
    """How do the teams compare? Figures by each grouping level, the first level ranked."""
    levels = group_levels(d)
    groups = [_kpis_by(d, period, level, has_quota) for level in levels]
    measure = "attainment" if has_quota else "bookings"
    first = groups[0].frame if groups else pd.DataFrame(columns=["group", measure, "share"])
    ranked = first[first["group"] != kpis.UNASSIGNED].dropna(subset=[measure])
    ranked = ranked.sort_values(measure, ascending=False)
    team_title = (
        f"{int((ranked[measure] >= 1).sum())} of {count(len(ranked), 'team')} at or above quota"
        if has_quota
        else (
            f"{ranked['group'].iloc[0]} books the most in {period.quarter}" if len(ranked) else ""
        )
    )
    return _Groups(
        groups=groups,
        group_level=levels[0] if levels else None,
        team_chart=ranked,
        team_sentence=leader_sentence(ranked, measure, fmt),
        team_title=team_title,
        measure=measure,
    )


@dataclass(frozen=True)
class _Trend:
    """How has the team done quarter by quarter? Bookings, attainment and win rate."""

    trend: Table
    trend_sentence: str | None
    trend_title: str
    rate_columns: dict[str, str]
    rates_title: str


def _trend_section(d: SalesData, period: Period, has_quota: bool, fmt: MoneyFormat) -> _Trend:
    """How has the team done quarter by quarter? The last quarters' figures and rates."""
    trend = quarter_trend(d, period)
    first = d.quarters()[0]
    back = [d.calendar.shift(period.quarter, -k) for k in range(TREND_QUARTERS - 1, 0, -1)]
    _, note = timeline.trend_quarters(d, [q for q in back if q >= first])
    said = trend_sentence(trend.frame, period, d.calendar.shift(period.quarter, -4), fmt)
    return _Trend(
        trend=trend,
        trend_sentence=" ".join(p for p in (said, note) if p) or None,
        trend_title=(
            f"Bookings{' against quota' if has_quota else ''}, last {count(len(trend), 'quarter')}"
        ),
        rate_columns=(
            {"attainment": "Attainment", "win_rate": "Win rate"}
            if has_quota
            else {"win_rate": "Win rate"}
        ),
        rates_title="Attainment and win rate by quarter" if has_quota else "Win rate by quarter",
    )


def _definitions(has_quota: bool) -> dict[str, str]:
    """The terms report 01 uses (quota terms only with quotas)."""
    return pick(
        "Bookings",
        "Deal credit",
        *(("Quota", "Attainment", "Gap to quota") if has_quota else ()),
        "Win rate",
        "Win rate by value",
        "Average deal",
        "Cycle days",
        "Open pipeline",
        "Coverage",
        "Coverage needed",
        "Pipeline short",
        "Past due",
        **{
            "Pace": (
                "Bookings to date as a share of quota (or in amount, without quotas) on the "
                "same day of the earlier quarters inside the data. Within "
                f"{PACE_LEVEL_BAND:.0%} of their average, either way, the quarter is level "
                "with its usual pace; beyond it, ahead of or behind it."
            ),
            "Goal without quotas": (
                "When the data has no quotas, the goal is the average quarterly bookings of "
                "the last four complete quarters."
            ),
        },
    )


# ---------------------------------------------------------------------------------------
# pace


def pace_against_earlier(data: SalesData, period: Period, *, has_quota: bool) -> Pace:
    """This quarter's attainment (or bookings) to date against the same day of earlier quarters.

    Earlier quarters the data does not hold in full are left out: before the data starts
    they would count as $0, and a first quarter held only partly would look slow.


    Parameters
    ----------
    data
        The data set in scope.
    period
        The report's period.
    has_quota
        Compare shares of quota (else bookings to date).

    Returns
    -------
    Pace
    """
    curves = kpis.pace(data, quarter=period.quarter, as_of=period.as_of, lookback=LOOKBACK)
    full = set(data.full_quarters())  # a quarter the data holds only partly would look slow
    curves = curves[curves["quarter"].isin(full | {period.quarter})].reset_index(drop=True)
    day = period.day - 1  # the curves count days from 0
    col = "share_of_quota" if has_quota else "bookings_to_date"
    earlier = curves[curves["quarter"] != period.quarter]
    points = []
    for q, g in earlier.groupby("quarter", sort=True):
        at = g[g["day"] == min(day, int(g["day"].max()))]
        if has_quota and at[col].isna().all():
            continue  # an earlier quarter without quota cannot give a share of quota
        points.append((q, float(at[col].iloc[0])))
    now_rows = curves[(curves["quarter"] == period.quarter) & (curves["day"] == day)]
    now = float(now_rows[col].iloc[0]) if len(now_rows) else np.nan
    return Pace(
        curves=curves,
        now=now,
        earlier=float(np.mean([v for _, v in points])) if points else np.nan,
        compared=[q for q, _ in points],
        day=period.day,
    )


def pace_sentence(
    pace: Pace, *, scope: str, total: pd.Series, has_quota: bool, fmt: MoneyFormat
) -> str:
    """How far the quarter has come and whether that is ahead of its usual pace.

    Parameters
    ----------
    pace
        :func:`pace_against_earlier`.
    scope
        ``The company`` or ``Team <name>``: the sentence's subject.
    total
        The quarter's total KPIs (:func:`salesops_lib.analysis.kpis.kpi_table` with
        ``by=None``: ``bookings, quota, attainment``).
    has_quota
        Speak of attainment (else bookings).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).

    Examples
    --------
    ``The company has booked **$2.0M** against a quota of **$2.5M**: **80%** attainment. On
    day 45 of the last 4 quarters it had reached 70% of quota on average, so this quarter is
    **ahead of** its usual pace.``
    """
    if has_quota:
        lead = (
            f"{scope} has booked {bold(fmt(total['bookings']))} against a quota of "
            f"{bold(fmt(total['quota']))}: {bold(pct(total['attainment']))} attainment."
        )
        then = f"had reached {pct(pace.earlier)} of quota"
    else:
        lead = (
            f"{scope} has booked {bold(fmt(total['bookings']))} by day {pace.day} of the quarter."
        )
        then = f"had booked {fmt(pace.earlier)}"
    n = len(pace.compared)
    if n == 0:
        return (
            lead
            + " The data starts this quarter, so there is no earlier quarter to compare its pace with."
        )
    verdict = pace_verdict(pace.now, pace.earlier, shown=pct if has_quota else fmt)
    which = "the quarter before" if n == 1 else f"the last {n} quarters inside the data"
    return (
        f"{lead} On day {pace.day} of {which} it {then}"
        f"{' on average' if n > 1 else ''}, so this quarter is {bold(verdict)} its usual pace."
    )


def pace_verdict(now: float, earlier: float, *, shown: MoneyFormat = pct) -> str:
    """``ahead of``, ``behind`` or ``level with``: within :data:`PACE_LEVEL_BAND` it is level.

    Parameters
    ----------
    now
        This quarter's attainment (or bookings) to date.
    earlier
        The earlier quarters' average on the same day.
    shown
        How the two are shown: when they read the same, the pace is level too.

    Returns
    -------
    str

    Examples
    --------
    >>> pace_verdict(167_500.0, 168_500.0), pace_verdict(0.90, 0.96), pace_verdict(1.0, 0.97)
    ('level with', 'behind', 'ahead of')
    """
    if shown(now) == shown(earlier) or abs(now - earlier) <= PACE_LEVEL_BAND * abs(earlier):
        return "level with"
    return "ahead of" if now > earlier else "behind"


def pace_title(quarter: str, pace: Pace, has_quota: bool) -> str:
    """The pace chart's title.

    Parameters
    ----------
    quarter
        The report's quarter.
    pace
        :func:`pace_against_earlier`.
    has_quota
        The chart shows attainment (else bookings).

    Returns
    -------
    str
    """
    n = len(pace.compared)
    if n == 0:
        return f"{quarter} bookings to date"
    against = "the quarter before" if n == 1 else f"the same point of the last {n} quarters"
    return f"{quarter} {'attainment' if has_quota else 'bookings'} against {against}"


def headline_tiles(
    total: pd.Series,
    period: Period,
    has_quota: bool,
    currency: str,
    *,
    no_lost: str | None = None,
) -> list[Tile]:
    """Bookings, quota, attainment, gap and win rate as headline figures.

    Parameters
    ----------
    total
        The quarter's total KPIs (``bookings, won, lost, quota, attainment, win_rate``).
    period
        The report's period.
    has_quota
        Show quota, attainment and the gap to quota.
    currency
        ISO code of the amounts.
    no_lost
        :func:`~salesops_lib.reports.base.no_lost_deals_sentence` of the data: said beside
        the win rate when the quarter has closed deals; None: the data has lost deals.

    Returns
    -------
    list of Tile
    """
    fmt = money_in(currency)
    won, lost = int(total["won"]), int(total["lost"])
    tiles = [Tile("Bookings", fmt(total["bookings"]), f"{count(won, 'deal')} won, {period.status}")]
    if has_quota:
        tiles += [
            Tile("Quota", fmt(total["quota"]), period.quarter),
            Tile("Attainment", pct(total["attainment"]), "bookings / quota"),
            Tile("Gap to quota", fmt(max(total["quota"] - total["bookings"], 0)), "still to book"),
        ]
    detail = f"{won:,} won of {won + lost:,} closed"
    if no_lost and won + lost:
        detail += f". {no_lost}"
    tiles.append(Tile("Win rate", pct(total["win_rate"]), detail))
    return tiles


# ---------------------------------------------------------------------------------------
# pipeline


def past_due_sentence(
    period: Period, due: pd.DataFrame, fmt: MoneyFormat, still_open: pd.DataFrame | None = None
) -> str | None:
    """For an ended quarter: the deals still open with a close date already behind them.

    A deal dated on the as-of day itself is not past due (its date is not before the as-of
    date), yet it is in no later quarter's pipeline: with ``still_open`` the sentence says how
    many such deals the quarter still holds, and that with the past-due deals dated in the
    quarter they make its still-open pipeline (report 06's waterfall end).

    Parameters
    ----------
    period
        The report's period.
    due
        :func:`salesops_lib.timeline.past_due` on the as-of date (``close_date, amount``).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    still_open
        :func:`salesops_lib.timeline.open_pipeline` of the quarter on the as-of date
        (``past_due, amount``; ``attrs["history"]`` true: report 06 shows the quarter's
        waterfall, whose end these deals are); None: not said.

    Returns
    -------
    str or None
        The sentence; None while the quarter is running.
    """
    if period.running:
        return None
    text = _past_due_words(period, due, fmt)
    if still_open is None:
        return text
    on_day = still_open[~still_open["past_due"].to_numpy(bool)]
    if on_day.empty:
        return text
    waterfall = " (the end of report 06's waterfall)" if still_open.attrs.get("history") else ""
    day = period.as_of.date()
    one = len(on_day) == 1
    return (
        f"{text} {count(len(on_day), 'more open deal' if not due.empty else 'open deal')}, "
        f"{fmt(on_day['amount'].sum())}, {'is' if one else 'are'} dated {day}, the as-of day "
        f"itself: not past due yet, and in no later quarter's pipeline. With "
        f"{'it' if one else 'them'}, {count(len(still_open), 'deal')} worth "
        f"{fmt(still_open['amount'].sum())} {'is' if len(still_open) == 1 else 'are'} still "
        f"open in {period.quarter}{waterfall}."
    )


def _past_due_words(period: Period, due: pd.DataFrame, fmt: MoneyFormat) -> str:
    """The past-due deals of an ended quarter: how many, what worth, where dated."""
    if due.empty:
        return f"{period.quarter} has ended and no open deal has a close date before {period.as_of.date()}."
    in_q = due[(due["close_date"] >= period.start) & (due["close_date"] <= period.end)]
    one = len(due) == 1
    if len(in_q) == len(due):
        where = f"{'dated' if one else 'all dated'} in {period.quarter} itself"
    elif in_q.empty:
        where = f"{'dated' if one else 'all dated'} before {period.quarter}"
    else:
        where = (
            f"{count(len(in_q), 'deal')}, {fmt(in_q['amount'].sum())}, in {period.quarter} itself"
        )
    verb = (
        "it is past due and needs a new close date before it counts"
        if one
        else "they are past due and need new close dates before they count"
    )
    return (
        f"{period.quarter} has ended. {count(len(due), 'open deal')} worth {fmt(due['amount'].sum())} "
        f"{'has' if one else 'have'} a close date already past ({where}): {verb} in any "
        "quarter's pipeline."
    )


def coverage_sentence(
    cov: pd.Series,
    quarter: str,
    *,
    scope: str,
    fmt: MoneyFormat,
    undated: pd.DataFrame | None = None,
) -> str:
    """Whether the open pipeline of ``quarter`` can close its remaining goal.

    ``undated`` are the open deals without an expected close date: they are in no quarter's
    pipeline, and the sentence says so when there are any.

    Parameters
    ----------
    cov
        The total row of :func:`salesops_lib.analysis.kpis.coverage` (``goal_basis, gap,
        open_pipeline, coverage, value_win_rate, needed_coverage, pipeline_short``).
    quarter
        The quarter whose goal is covered.
    scope
        ``The company`` or ``Team <name>``: the sentence's subject.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    undated
        See above (None: not mentioned).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    goal = (
        "remaining quota"
        if cov["goal_basis"] == "quota"
        else f"goal: the usual quarterly bookings, {str(cov['goal_basis']).replace('average bookings ', '')}"
    )
    if cov["gap"] <= 0:
        return f"{scope} has already booked its goal for {quarter}; every further deal is upside."
    lead = (
        f"Open pipeline closing in {quarter} is {bold(fmt(cov['open_pipeline']))}, "
        f"{bold(ratio(cov['coverage']))} the gap of {fmt(cov['gap'])} ({goal})."
    )
    if undated is not None and len(undated):
        lead += (
            f" {count(len(undated), 'open deal')} worth {fmt(undated['amount'].sum())} "
            f"{'has' if len(undated) == 1 else 'have'} no expected close date, so "
            f"{'it counts' if len(undated) == 1 else 'they count'} in no quarter's pipeline."
        )
    if not np.isfinite(cov["needed_coverage"]):
        return (
            lead
            + " No deal has closed in the last complete quarters, so the coverage needed is unknown."
        )
    enough = cov["coverage"] >= cov["needed_coverage"]
    verdict = (
        "the pipeline is **enough**."
        if enough
        else f"the pipeline is **short by {fmt(cov['pipeline_short'])}**."
    )
    new = float(cov.get("from_new_deals", 0.0) or 0.0)
    also = f" and with the {fmt(new)} that deals not yet created usually add" if new > 0 else ""
    n = int(cov.get("trailing_quarters", 4) or 4)
    window = (
        "the last complete quarter" if n == 1 else f"the last {NUMBER_WORDS.get(n, n)} quarters"
    )
    return (
        f"{lead} At the win rate by value of {window} ({pct(cov['value_win_rate'])})"
        f"{also}, closing the gap takes about {bold(ratio(cov['needed_coverage']))} coverage: "
        f"{verdict}"
    )


def team_shortfall_sentence(
    by_team: pd.DataFrame, total: pd.Series, fmt: MoneyFormat, quarter: str | None = None
) -> str | None:
    """Why the teams' shortfalls do not add up to the company's, and that coverage is no forecast.

    A team with more pipeline than it needs offsets, in the company's figure, a team that
    is short; the teams short of pipeline lack more between them than the company does.
    With ``quarter``, a named team short of pipeline adds that report 03's team forecast
    of the quarter can read otherwise (:func:`~salesops_lib.reports.outlook.coverage_not_forecast`).

    Parameters
    ----------
    by_team
        :func:`salesops_lib.analysis.kpis.coverage` by team (``team`` when named,
        ``gap, needed_coverage, open_pipeline, pipeline_short``).
    total
        Its total row (the same columns): the difference is split in money by
        :func:`~salesops_lib.analysis.kpis.shortfall_parts`.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    quarter
        The quarter covered (report 03's outlook quarter); None: no word on the forecast.

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when no team is short, or the
        two figures read the same (``$19.0M``) and ``quarter`` is None.
    """
    if by_team.empty or "pipeline_short" not in by_team:
        return None
    short = by_team[by_team["pipeline_short"] > 0]
    lacking = float(short["pipeline_short"].sum())
    company = float(total["pipeline_short"]) if np.isfinite(total["pipeline_short"]) else 0.0
    if len(short) == 0:
        return None
    named = "team" in short and bool((short["team"] != kpis.UNASSIGNED).any())
    pointer = coverage_not_forecast(quarter).lstrip() if quarter and named else None
    if fmt(lacking) == fmt(company):
        return pointer
    parts = kpis.shortfall_parts(
        by_team.assign(needed=kpis.pipeline_needed(by_team), pipeline=by_team["open_pipeline"]),
        needed=float(kpis.pipeline_needed(total.to_frame().T).iloc[0]),
        pipeline=float(total["open_pipeline"]),
    )
    text = (
        f"The {count(len(short), 'team')} short of pipeline lack {bold(fmt(lacking))} between "
        f"them, {shortfall_gap_words(parts, fmt)}."
    )
    return f"{text} {pointer}" if pointer else text


# ---------------------------------------------------------------------------------------
# contribution


def group_levels(data: SalesData) -> list[str]:
    """The ways the data groups reps (``team``, ``region``, ``manager``) that it fills in.

    A grouping that puts the reps in exactly the same groups as one before it (Maven's
    teams are its managers) is left out: the same table twice says nothing new.

    Parameters
    ----------
    data
        The data set (its reps table).

    Returns
    -------
    list of str
        In that order, those with at least one value.
    """
    reps = data.reps
    out: list[str] = []
    for lv in ("team", "region", "manager"):
        if lv not in reps or reps[lv].isna().all():
            continue
        same = any(
            reps.groupby(lv, dropna=False)[prev].nunique(dropna=False).max() == 1
            and reps.groupby(prev, dropna=False)[lv].nunique(dropna=False).max() == 1
            for prev in out
        )
        if not same:
            out.append(lv)
    return out


def _kpis_by(data: SalesData, period: Period, level: str, has_quota: bool) -> Table:
    t = kpis.kpi_table(data, quarter=period.quarter, as_of=period.as_of, by=level).reset_index()
    t = t.rename(columns={level: "group"})
    total = t["bookings"].sum()
    t["share"] = t["bookings"] / total if total > 0 else np.nan
    spec = KPI_SPEC if has_quota else KPI_SPEC.without(*QUOTA_COLUMNS)
    if not period.running:  # an ended quarter's open pipeline is its past-due deals: not shown
        spec = spec.without("open_pipeline")
    spec = TableSpec((Column("group", level.title()), *spec.columns[1:]), spec.max_rows)
    return Table(t, spec, f"By {level}, {period.quarter} {period.status}", data.currency)


MATERIAL = 0.10
"""Two groups' figures are close unless they differ by this share of the larger or more."""


def close(a: float, b: float, *, share: float = MATERIAL) -> bool:
    """Whether two figures are too close for one to 'lead' or 'trail' the other.

    Parameters
    ----------
    a, b
        The figures (attainment or bookings).
    share
        The smallest material gap, as a share of the larger figure.

    Returns
    -------
    bool

    Examples
    --------
    >>> close(317_000, 311_000), close(1.22, 0.84)
    (True, False)
    """
    top = max(abs(a), abs(b))
    return abs(a - b) < share * top if top > 0 else True


def leader_sentence(ranked: pd.DataFrame, measure: str, fmt: MoneyFormat) -> str | None:
    """Which team leads and which trails, only when the gap to the next one is material.

    A team leads (or trails) when its figure differs from the next team's by at least
    :data:`MATERIAL` of the larger; otherwise the sentence says the two are close.

    Parameters
    ----------
    ranked
        KPIs by team, best ``measure`` first (``group``, ``share`` of bookings and the
        ``measure`` column; teams without a name left out).
    measure
        ``attainment`` (shown as a percentage) or ``bookings`` (as money).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None for fewer than two teams.

    Examples
    --------
    ``**Melvin Marxen** leads with $671K bookings and brings 24% of bookings; at the bottom
    Dustin Brinkmann ($317K) and Cara Losch ($311K) are close.``
    """
    if len(ranked) < 2:
        return None
    show = pct if measure == "attainment" else fmt
    best, second = ranked.iloc[0], ranked.iloc[1]
    worst, above = ranked.iloc[-1], ranked.iloc[-2]
    if close(float(best[measure]), float(second[measure])):
        if len(ranked) == 2:
            return (
                f"{bold(best['group'])} ({show(best[measure])} {measure}) and "
                f"{bold(second['group'])} ({show(second[measure])}) are close."
            )
        top = (
            f"At the top {bold(best['group'])} ({show(best[measure])} {measure}, "
            f"{pct(best['share'])} of bookings) and {bold(second['group'])} "
            f"({show(second[measure])}) are close"
        )
    else:
        top = (
            f"{bold(best['group'])} leads with {show(best[measure])} {measure} and brings "
            f"{pct(best['share'])} of bookings"
        )
        if len(ranked) == 2:
            return f"{top}; {bold(worst['group'])} trails with {show(worst[measure])}."
    if close(float(above[measure]), float(worst[measure])):
        bottom = (
            f"at the bottom {above['group']} ({show(above[measure])}) and "
            f"{bold(worst['group'])} ({show(worst[measure])}) are close"
        )
    else:
        bottom = f"{bold(worst['group'])} trails with {show(worst[measure])}"
    return f"{top}; {bottom}."


def rep_contribution(data: SalesData, period: Period) -> Table:
    """Each rep's bookings, share, quota and pipeline, largest bookings first.

    Up to :data:`REP_ROWS` reps are shown; beyond that the table shows the top and the bottom
    half of that many, so the weakest reps are never hidden behind "more rows" (the frame
    and the export hold every rep).

    Parameters
    ----------
    data
        The data set in scope.
    period
        The report's period.

    Returns
    -------
    Table
        :func:`salesops_lib.analysis.kpis.kpi_table` by rep with the rep's names and
        ``share`` of bookings, and ``inactive``: the mark of a rep the data no longer shows at
        work (:func:`~salesops_lib.reports.rep_benchmarking.inactive_marks`, report 04's rule),
        added to their name, as is the day a rep left (:func:`leaver_marks`); quota columns only with quotas, pipeline and coverage only while
        the quarter runs, the team only when reps have one.
    """
    reps = kpis.kpi_table(data, quarter=period.quarter, as_of=period.as_of, by="rep_id")
    reps = reps.reset_index().merge(kpis.rep_directory(data), on="rep_id", how="left")
    reps["rep_name"] = reps["rep_name"].fillna(reps["rep_id"])
    marks = inactive_marks(quota_lib.possibly_inactive(data, period.as_of))
    reps["inactive"] = reps["rep_id"].map(marks)
    reps["rep_name"] = reps["rep_name"].where(
        reps["inactive"].isna(), reps["rep_name"] + " (" + reps["inactive"].astype(str) + ")"
    )
    reps["rep_name"] = reps["rep_name"] + leaver_marks(reps, period.as_of)
    total = reps["bookings"].sum()
    reps["share"] = reps["bookings"] / total if total > 0 else np.nan
    reps = reps.sort_values(["bookings", "rep_name"], ascending=[False, True]).reset_index(
        drop=True
    )
    has_quota = reps["quota"].notna().any()
    spec = REP_SPEC if has_quota else REP_SPEC.without(*QUOTA_COLUMNS)
    if not period.running:  # pipeline and coverage of an ended quarter mean nothing
        spec = spec.without("open_pipeline", "coverage")
    if "team" not in data.reps or data.reps["team"].isna().all():
        spec = spec.without("team")
    caption = f"Reps by bookings, {period.quarter} {period.status}"
    return Table(reps, spec, caption, data.currency)


def leaver_marks(reps: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """`` (left 2026-08-17)`` for each rep whose end date is on or before ``as_of``, else ``""``.

    Parameters
    ----------
    reps
        Reps with ``end_date`` (:func:`salesops_lib.analysis.kpis.rep_directory`); without
        the column nobody is marked.
    as_of
        The report's as-of date: a rep leaving later is still in seat on it.

    Returns
    -------
    Series
        The mark to add to each rep's name, on ``reps``' index.

    Examples
    --------
    >>> r = pd.DataFrame({"end_date": [pd.Timestamp("2026-08-17"), pd.NaT,
    ...                                pd.Timestamp("2026-10-02")]})
    >>> leaver_marks(r, pd.Timestamp("2026-09-30")).tolist()
    [' (left 2026-08-17)', '', '']
    """
    if "end_date" not in reps:
        return pd.Series("", index=reps.index, dtype="object")
    end = pd.to_datetime(reps["end_date"], errors="coerce")
    left = end.notna() & (end <= pd.Timestamp(as_of))
    marks = " (left " + end.dt.strftime("%Y-%m-%d") + ")"
    return marks.where(left, "").astype("object")


def rep_sentence(reps: pd.DataFrame, has_quota: bool, *, running: bool = False) -> str:
    """How many reps reached quota, how concentrated bookings are, and who booked nothing.

    Reps without a quota and reps who booked nothing are counted each in full (one count
    need not hold the other); reps the data no longer shows at work (``inactive``) are left
    out of the counts of reps and named.

    Parameters
    ----------
    reps
        :func:`rep_contribution`'s frame (``rep_name, bookings, quota, attainment`` and
        ``inactive`` when known).
    has_quota
        Count the reps at or above quota and the reps without one.
    running
        The quarter is still running ("booked nothing yet").

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).

    Examples
    --------
    ``27 of 58 reps with a quota (47%) have reached it. The top 20% of reps (12) brought 46%
    of bookings; 4 reps have no quota and 3 reps have booked nothing (all of them without a
    quota).``
    """
    idle = reps["inactive"].notna() if "inactive" in reps else pd.Series(False, index=reps.index)
    gone = reps[idle]
    reps = reps[~idle]
    total = reps["bookings"].sum()
    top_n = max(1, int(round(len(reps) * 0.2)))
    nothing = reps["bookings"] == 0
    zero = int(nothing.sum())
    top = reps["bookings"].nlargest(top_n).sum() / total if total > 0 else np.nan
    yet = " yet" if running else ""
    tail = f"The top 20% of reps ({top_n:,}) brought {bold(pct(top))} of bookings; "
    if has_quota:
        free = reps["quota"].isna() | (reps["quota"] <= 0)
        n_free, free_zero = int(free.sum()), int((free & nothing).sum())
        which = ""
        if free_zero and free_zero == zero:
            which = " (all of them without a quota)" if zero > 1 else " (without a quota)"
        elif free_zero:
            which = f" ({free_zero:,} of them without a quota)"
        nil = f"{count(zero, 'rep has', 'reps have')} booked nothing{yet}{which}"
        tail += f"{count(n_free, 'rep has', 'reps have')} no quota and {nil}" if n_free else nil
    else:
        tail += (
            f"{count(zero, 'rep')} {'has' if zero == 1 else 'have'} booked nothing{yet}"
            if zero
            else f"every rep has booked something{yet}"
        )
    if len(gone):
        marks = gone["inactive"].astype(str).tolist()
        bare = [  # the table's names carry the mark; the sentence says it once
            str(n).removesuffix(f" ({m})") for n, m in zip(gone["rep_name"], marks, strict=True)
        ]
        who, quiet = inactive_who(bare, marks)
        tail += (
            f". {who} {'is' if len(bare) == 1 else 'are'} left out of these counts: the data "
            f"shows {quiet}, so they may no longer be in seat"
        )
    if not has_quota:
        return tail + "."
    carrying = reps.dropna(subset=["attainment"])
    n_met = int((carrying["attainment"] >= 1).sum())
    share = f" ({pct(n_met / len(carrying))})" if len(carrying) else ""
    return (
        f"{bold(f'{n_met:,} of {len(carrying):,}')} reps with a quota{share} have reached it. "
        f"{tail}."
    )


def _rep_chart(reps: pd.DataFrame, measure: str) -> pd.DataFrame:
    chart = reps.dropna(subset=[measure]).sort_values(measure, ascending=False)
    if len(chart) > 30:
        chart = pd.concat([chart.head(15), chart.tail(15)])
    return chart.reset_index(drop=True)


def _rep_title(reps: pd.DataFrame, has_quota: bool) -> str:
    """The rep chart's title; past 30 reps it says the chart shows the top and bottom 15 of
    how many, and whether the table below lists them all (up to :data:`REP_ROWS`)."""
    shown = len(reps.dropna(subset=["attainment" if has_quota else "bookings"]))
    every = f"; the table lists all {len(reps):,}" if len(reps) <= REP_ROWS else ""
    many = f" (top and bottom 15 of {shown:,}{every})" if shown > 30 else ""
    if not has_quota:
        return f"Bookings by rep{many}"
    carrying = reps.dropna(subset=["attainment"])
    return f"{int((carrying['attainment'] >= 1).sum())} of {len(carrying)} reps at or above quota{many}"


# ---------------------------------------------------------------------------------------
# trend


def quarter_trend(data: SalesData, period: Period) -> Table:
    """KPIs of the last :data:`TREND_QUARTERS` quarters inside the data (this one to date).

    Parameters
    ----------
    data
        The data set in scope.
    period
        The report's period.

    Returns
    -------
    Table
        One row per quarter: ``quarter``, ``label`` (``(to date)`` for the running quarter)
        and the KPI columns of :func:`salesops_lib.analysis.kpis.kpi_table`; quota and
        attainment only with quotas.
    """
    first = data.quarters()[0]
    back = [data.calendar.shift(period.quarter, -k) for k in range(TREND_QUARTERS - 1, 0, -1)]
    span, note = timeline.trend_quarters(data, [q for q in back if q >= first])
    span = [*span, period.quarter]
    frames = []
    for q in span:
        as_of = period.as_of if q == period.quarter else None
        t = kpis.kpi_table(data, quarter=q, as_of=as_of, by=None).reset_index(drop=True)
        t.insert(0, "quarter", q)
        frames.append(t)
    trend = pd.concat(frames, ignore_index=True)
    partial = ~trend["quarter"].isin(set(data.full_quarters()))
    trend["label"] = trend["quarter"] + np.where(
        (trend["quarter"] == period.quarter) & period.running,
        " (to date)",
        np.where(partial, f" (from {data.first_date.date()})", ""),
    )
    spec = TREND_SPEC if trend["quota"].notna().any() else TREND_SPEC.without("quota", "attainment")
    caption = f"The last {count(len(trend), 'quarter')} inside the data"
    if note:
        caption += " held in full (see the sentence above)"
    return Table(trend, spec, caption, data.currency)


def trend_sentence(
    trend: pd.DataFrame, period: Period, year_ago: str, fmt: MoneyFormat
) -> str | None:
    """The best quarter of the trend and the comparison with the same quarter a year before.

    Parameters
    ----------
    trend
        :func:`quarter_trend`'s frame (``quarter, bookings``).
    period
        The report's period.
    year_ago
        The same quarter a year before (compared when the trend holds it with bookings).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None with fewer than two quarters.
    """
    complete = trend[trend["quarter"] != period.quarter] if period.running else trend
    if len(trend) < 2 or complete.empty:
        return None
    best = complete.loc[complete["bookings"].idxmax()]
    text = f"Over the last {count(len(trend), 'quarter')} bookings peaked at {bold(fmt(best['bookings']))} in {best['quarter']}."
    ya = trend[trend["quarter"] == year_ago]
    if len(ya) and ya["bookings"].iloc[0] > 0:
        now = float(trend[trend["quarter"] == period.quarter]["bookings"].iloc[0])
        growth = now / float(ya["bookings"].iloc[0]) - 1
        verb = "stands at" if period.running else "closed at"
        partial = " (a running quarter is compared on partial bookings)" if period.running else ""
        text += f" {period.quarter} {verb} {bold(('+' if growth >= 0 else '') + pct(growth))} against {year_ago}{partial}."
    return text


def _findings(cov: pd.Series, due: pd.DataFrame, quarter: str, fmt: MoneyFormat) -> list[Finding]:
    out = []
    if cov["gap"] > 0 and cov["pipeline_short"] > 0:
        new = float(cov.get("from_new_deals", 0.0) or 0.0) > 0
        out.append(
            Finding(
                f"The pipeline for {quarter} is short by {bold(fmt(cov['pipeline_short']))} at "
                f"the win rate by value of recent quarters ({pct(cov['value_win_rate'])})"
                f"{', counting what new deals usually add' if new else ''}{shortfall_caveat()}.",
                float(cov["pipeline_short"]),
                "Is there enough pipeline to close the gap?",
            )
        )
    if len(due):
        out.append(
            Finding(
                f"{count(len(due), 'open deal')} worth {bold(fmt(due['amount'].sum()))} are past their close date.",
                float(due["amount"].sum()),
                "Is there enough pipeline to close the gap?",
            )
        )
    return sorted(out, key=lambda f: -f.at_stake)
