"""Report 04, quota design: how much must each rep carry next year, and can enough of them make it?

:func:`build` returns a :class:`QuotaDesign`: the plan for the fiscal year after the
reported quarter (target, method, over-assignment, ramp), the quotas per team and rep
against what the same reps booked, the simulated share of reps who can reach them, the
trade-off between the plan as asked and the reachable plan and which of them is
recommended (:func:`salesops_lib.analysis.quota.plan_rule`), fairness across teams and
territories, the split across quarters and months, the letters and a back-test on the last
complete year. Every sentence is a function of the numbers beside it (tested in
``tests/test_reports_quota_design.py``).

Quotas need no quotas table: they are proposed from bookings history. The data's own
quotas are needed only to compare with last year's; without them that part says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypedDict

import numpy as np
import pandas as pd

from salesops_lib.analysis import quota
from salesops_lib.config import check_names
from salesops_lib.data import SalesData
from salesops_lib.errors import ConfigError, SalesOpsDataError
from salesops_lib.format import pct
from salesops_lib.reports.base import (
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
    listing,
    money_in,
    period_of,
    quarter_span,
    reps_from_owners,
    team_or_company,
)
from salesops_lib.reports.definitions import pick
from salesops_lib.reports.tables import Column, Table, TableSpec, format_value

# the report's sections, by their headings (a gap names the section it stands in)
CARRY = "How much must each rep carry, and why?"
REACH = "Will enough reps make it?"
FAIR = "Is it fair across teams and territories?"
SPLIT = "How does it split across quarters and months?"
LETTERS = "Quota letters"
BACKTEST = "Back-test: would this method have set reachable quotas last year?"
SECTIONS = (CARRY, REACH, FAIR, SPLIT, LETTERS, BACKTEST)

HARD_CHANCE = 0.3
"""Reps below this chance of reaching quota are listed."""

MODEL_WORDS = {
    "ets_quarterly": "a trend-and-seasons model of quarterly bookings",
    "arima_quarterly": "a seasonal model of quarterly bookings built on their past ups and downs",
    "mean_last4": "the average of the last four quarters' bookings, times four",
    "mean_full": "the average of the complete quarters' bookings, times four (too few quarters "
    "for a forecast model)",
    "run_rate": "the run-rate of the last four quarters' bookings (too few quarters for a "
    "seasonal model)",
}
"""The year-ahead forecast models of :func:`~salesops_lib.analysis.forecast.forecast_year`, in words."""

METHOD_WORDS = {
    "even": "Even",
    "historical": "Historical share",
    "potential": "Potential",
    "capacity": "Capacity",
    "blend": "Blend",
}

NO_TARGET = "bookings history to forecast a target"
NO_PREVIOUS = NO_QUOTAS
NO_ACCOUNTS = "accounts with a size (annual revenue or employees)"
ADD_ACCOUNTS = (
    "add an accounts file (each account's segment, annual revenue or employees, and "
    "territory) so territory potential can be measured"
)
NO_BACKTEST_YEAR = "bookings history for a back-test"
NO_TEAMS = "teams"
ADD_TEAMS = (
    "add each rep's team to the reps file to see each team's share of the quota, its reach "
    "and its fairness; the figures below are for all reps"
)

TEAM_SPEC = TableSpec(
    (
        Column("team", "Team"),
        Column("even_share", "Even", "pct"),
        Column("historical_share", "Historical", "pct"),
        Column("potential_share", "Potential", "pct"),
        Column("capacity_share", "Capacity", "pct"),
        Column("share", "Chosen share", "pct"),
        Column("quota", "Quota", "money"),
        Column("booked", "Booked, last 4 quarters", "money"),
        Column("multiple_of_booked", "Quota ÷ booked, all its reps", "ratio"),
        Column("peer_multiple", "Quota ÷ booked, reps past ramp all year", "ratio"),
    )
)
SHARE_SPEC = TableSpec(
    (
        Column("group", "Team"),
        Column("reps", "Reps", "int"),
        Column("share", "Expected share at quota", "pct"),
        Column("lo80", "80% range low", "pct"),
        Column("hi80", "80% range high", "pct"),
        Column("band", "In band"),
    )
)
HARD_SPEC = TableSpec(
    (
        Column("rep_name", "Rep"),
        Column("team", "Team"),
        Column("quota", "Quota", "money"),
        Column("expected_bookings", "Expected bookings", "money"),
        Column("expected_attainment", "Expected attainment", "pct"),
        Column("chance_at_quota", "Chance at quota", "pct"),
    ),
    max_rows=15,
)
TRADEOFF_SPEC = TableSpec(
    (
        Column("plan", "Plan"),
        Column("target", "Target", "money"),
        Column("quota", "Company quota", "money"),
        Column("multiple_of_booked", "Quota ÷ a year of company bookings", "ratio"),
        Column("share", "Expected share at quota", "pct"),
        Column("range", "80% range"),
        Column("given_up", "Target given up", "money"),
        Column("recommended", "Recommended"),
    )
)
FAIR_SPEC = TableSpec(
    (
        Column("team", "Team"),
        Column("quota", "Quota", "money"),
        Column("quota_share", "Share of quota", "pct"),
        Column("potential_share", "Share of potential", "pct"),
        Column("quota_to_potential", "Quota ÷ potential", "ratio"),
    )
)
OUTGROW_SPEC = TableSpec(
    (
        Column("rep_name", "Rep"),
        Column("team", "Team"),
        Column("territory", "Territory"),
        Column("previous_quota", "Previous quota", "money"),
        Column("quota", "Quota", "money"),
        Column("change", "Quota change", "pct"),
        Column("territory_growth", "Territory growth", "pct"),
    ),
    max_rows=20,
)
SPLIT_SPEC = TableSpec(
    (
        Column("quarter", "Quarter"),
        Column("quota", "Quota", "money"),
        Column("seasonal_share", "Seasonal share", "pct"),
    )
)
BACKTEST_SPEC = TableSpec(
    (
        Column("plan", "Plan"),
        Column("target", "Target", "money"),
        Column("quota", "Company quota", "money"),
        Column("share", "Simulated share at quota", "pct"),
        Column("range", "80% range"),
        Column("realized", "Realized share at quota", "pct"),
        Column("reps", "Reps in seat all year", "int"),
        Column("recommended", "Recommended then"),
    )
)
ALL_QUOTA_REPS = "All reps given a quota"
"""The plans table's total row: the reps given a quota (not the company's bookings)."""
PLANS_SPEC = TableSpec(
    (
        Column("group", "Team"),
        Column("booked", "Booked, last 4 quarters", "money"),
        Column("asked_quota", "Quota as asked", "money"),
        Column("asked_multiple", "As asked ÷ booked", "ratio"),
        Column("reachable_quota", "Reachable quota", "money"),
        Column("reachable_multiple", "Reachable ÷ booked", "ratio"),
    )
)
EXAMPLE_SPEC = TableSpec((Column("item", "Item"), Column("value", "Value")))
REP_COLUMNS = (
    "rep_name",
    "team",
    "hire_date",
    "quota",
    "booked",
    "multiple_of_booked",
    "change_from_previous",
    "history",
)
"""The letter columns the quota-per-rep table shows (the letters hold them all)."""

LETTER_WORDS = {
    "quota": "the year's quota",
    "quarters": "its split by quarter",
    "hire_date": "hire date",
    "ramp_share_of_full_year": "ramp share",
    "booked": "bookings over the last quarters",
    "multiple_of_booked": "quota ÷ those bookings",
    "previous_quota": "previous quota",
    "change_from_previous": "change from the previous quota",
    "basis": "basis",
    "deals": "deals and wins so far",
    "history": "history",
    "check": "a check for new reps whose quota is far above their record",
}
"""What each letter column is, in words (the letters sentence names the columns they hold)."""


def letter_spec(quarters: list[str], plan_label: str, booked_label: str) -> TableSpec:
    """The columns of a quota letter (the exported files and the page share them).

    Parameters
    ----------
    quarters
        The plan's quarters (``2027Q1`` ...): one quota column each.
    plan_label
        The plan period's label (``FY2027``), named in the quota column's label.
    booked_label
        The label of the trailing bookings column (:func:`booked_label`).

    Returns
    -------
    TableSpec
        Every letter column; a longer table shows its first and last 15 rows.
    """
    return TableSpec(
        (
            Column("rep_id", "Rep id"),
            Column("rep_name", "Rep"),
            Column("team", "Team"),
            Column("role", "Role"),
            Column("hire_date", "Hired", "date"),
            Column("plan_period", "Plan period"),
            Column("quota", f"{plan_label} quota", "money"),
            *(Column(f"quota_{q}", q, "money") for q in quarters),
            Column("ramp_share_of_full_year", "Ramp share of the year", "pct"),
            Column("booked", booked_label, "money"),
            Column("multiple_of_booked", "Quota ÷ booked", "ratio"),
            Column("previous_quota", "Previous quota", "money"),
            Column("change_from_previous", "Change", "pct"),
            Column("basis", "Basis"),
            Column("deals", "Deals so far", "int"),
            Column("won", "Won so far", "int"),
            Column("history", "History"),
            Column("check", "Check"),
        ),
        max_rows=30,
        ends=True,
    )


@dataclass(frozen=True)
class QuotaDesign(HasGaps):
    """Everything report 04 shows (see :func:`build`).

    ``choice`` is None (and the sections show their gaps) when no target could be set or
    the method cannot run on the data; ``plan`` is always set.
    """

    header: Header
    period: Period
    plan: quota.PlanPeriod
    method: str
    overassign: float
    ramp: tuple[float, ...]
    target: quota.PlanTarget
    gaps: list[Gap]
    plan_sentence: str
    window_sentence: str | None
    growth_sentence: str | None
    choice: quota.PlanChoice | None
    tiles: list[Tile]
    allocation_sentence: str | None
    inactive: pd.DataFrame
    reps_from_owners: bool
    """The data has no reps table: its reps are the deals' owners."""
    inactive_sentence: str | None
    trailing: pd.Series
    trailing_sentence: str | None
    load_sentence: str | None
    by_team: Table | None
    team_chart: pd.DataFrame | None
    team_title: str
    reps: Table | None
    ramp_sentence: str | None
    band_sentence: str | None
    choice_sentence: str | None
    tradeoff: Table | None
    share: Table | None
    share_chart: pd.DataFrame | None
    share_title: str
    share_target: float
    simulation: pd.DataFrame | None
    hard_sentence: str | None
    hard: Table | None
    fairness: pd.DataFrame | None
    team_fairness: Table | None
    potential_sentence: str | None
    spread_sentence: str | None
    change_sentence: str | None
    outgrowing: Table | None
    split_sentence: str | None
    quarters: Table | None
    months: pd.DataFrame | None
    months_title: str
    letters: Table | None
    example_letter: Table | None
    history_sentence: str | None
    letters_what: str
    backtest: quota.YearBacktest | None
    backtest_sentence: str | None
    verdict_sentence: str | None
    backtest_table: Table | None
    definitions: dict[str, str]
    findings: list[Finding]
    currency: str
    headline_sentence: str | None = None
    load_spread_sentence: str | None = None
    new_rep_sentence: str | None = None
    use_plan: str = "rule"
    plans: Table | None = None
    use_sentence: str | None = None


def has_teams(data: SalesData) -> bool:
    """Whether the reps have teams (a HubSpot export of deals alone has none).

    Parameters
    ----------
    data
        The data set in scope (its reps table).

    Returns
    -------
    bool
        True when the reps table has a ``team`` column with at least one team.
    """
    return "team" in data.reps and bool(data.reps["team"].notna().any())


def build(
    data: SalesData,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
    target: float = 0.0,
    growth: float = 0.0,
    method: str = "blend",
    overassign: float = 1.1,
    ramp: str | None = "",
    use_plan: str = "rule",
) -> QuotaDesign:
    """Build report 04: quotas for the fiscal year after ``quarter``, planned on ``as_of``.

    Parameters
    ----------
    data
        The company's data set (opportunities and reps; accounts for the potential method;
        quotas only to compare with last year's).
    quarter
        The reported quarter; None: the latest complete one. The plan covers the next
        fiscal year.
    as_of
        Planning date; None: the quarter's end (or the data's last date mid-quarter).
    team
        Narrow the plan to one team; None: the whole company.
    target
        The plan year's bookings target; 0: the year-ahead forecast grown by ``growth``.
    growth
        Growth over the forecast when ``target`` is 0 (0.1: 10%).
    method
        ``even``, ``historical``, ``potential``, ``capacity`` or ``blend``.
    overassign
        Quotas add up to target × overassign.
    ramp
        Share of full quota by month of tenure, e.g. ``"0/25/50/75/100"`` (blank or
        ``"measured"``: :func:`~salesops_lib.analysis.quota.plan_ramp`).
    use_plan
        Which plan the quotas and letters carry: ``rule`` (the one the rule recommends),
        ``asked`` or ``reachable`` (either, against the rule); both are shown side by side.

    Returns
    -------
    QuotaDesign

    Raises
    ------
    ConfigError
        For a bad quarter, as-of date, method, over-assignment, ramp or ``use_plan``.

    Examples
    --------
    >>> build(load_dataset("data/demo"), quarter="2026Q3").choice_sentence  # doctest: +SKIP
    'That is below the healthy band. The reachable plan would put 62.5% of reps at quota ...'
    """
    check_names([use_plan], quota.USE_PLANS, "use_plan")
    period = period_of(data, quarter, as_of)
    d = team_or_company(data, team)
    fmt = money_in(d.currency)
    if method not in quota.METHODS:
        raise ConfigError(f"quota method {method!r}: choose one of {', '.join(quota.METHODS)}")
    plan = quota.plan_period(d, quota.next_fiscal_year(d, period.quarter))
    day = period.as_of
    sched = quota.plan_ramp(d, day, method, ramp)
    tgt = quota.plan_target(d, plan, day, target=target, growth=growth)
    trailing = quota.trailing_bookings(d, day)
    setup = _setup(
        data,
        d,
        period,
        plan,
        tgt,
        trailing,
        team=team,
        method=method,
        overassign=overassign,
        ramp=sched,
    )
    choice, bt, bt_problem, gaps = _plan_choice(
        d, plan, tgt, method=method, overassign=overassign, ramp=sched, as_of=day
    )
    if choice is None:
        return replace(_without_plan(setup, gaps), use_plan=use_plan)
    choice = replace(choice, use=use_plan)
    basis = _basis(d, choice, plan, trailing, bt, day)
    return QuotaDesign(
        **setup,
        use_plan=use_plan,
        gaps=gaps + _section_gaps(d, plan, basis, bt, bt_problem),
        choice=choice,
        definitions=_definitions(method, choice.band),
        findings=_findings(choice, trailing, basis, fmt, plan_label=plan.label, target=tgt),
        **_carry_section(d, choice, basis, setup, bt=bt, team=team),
        **_reach_section(d, choice, basis, bt, fmt, trailing=trailing),
        **_fair_section(d, basis),
        **_split_section(d, choice, plan, basis, day),
        **_letters_section(d, plan, basis),
        **_backtest_section(bt, fmt, d.currency),
    )


class _Setup(TypedDict):
    """The fields of :class:`QuotaDesign` set whether or not quotas can be proposed."""

    header: Header
    period: Period
    plan: quota.PlanPeriod
    method: str
    overassign: float
    ramp: tuple[float, ...]
    target: quota.PlanTarget
    plan_sentence: str
    window_sentence: str | None
    growth_sentence: str | None
    inactive: pd.DataFrame
    reps_from_owners: bool
    trailing: pd.Series
    currency: str


def _setup(
    data: SalesData,
    d: SalesData,
    period: Period,
    plan: quota.PlanPeriod,
    tgt: quota.PlanTarget,
    trailing: pd.Series,
    *,
    team: str | None,
    method: str,
    overassign: float,
    ramp: tuple[float, ...],
) -> _Setup:
    """The plan's setup: the header, the plan paragraph and the reps left out as inactive."""
    fmt = money_in(d.currency)
    setup = plan_sentence(
        plan, tgt, method=method, overassign=overassign, ramp=ramp, as_of=period.as_of, fmt=fmt
    )
    window = window_sentence(tgt.window, d.first_date, fmt, d.partial_quarters())
    growth_text = growth_sentence(tgt, fmt)
    return _Setup(
        header=header(data, period, team),
        period=period,
        plan=plan,
        method=method,
        overassign=overassign,
        ramp=ramp,
        target=tgt,
        # the page shows the plan, the quarters it leaves out and the growth it implies as one paragraph
        plan_sentence=" ".join(t for t in (setup, window, growth_text) if t),
        window_sentence=window,
        growth_sentence=growth_text,
        inactive=quota.possibly_inactive(d, period.as_of),
        reps_from_owners=reps_from_owners(d),
        trailing=trailing,
        currency=d.currency,
    )


def _plan_choice(
    d: SalesData,
    plan: quota.PlanPeriod,
    tgt: quota.PlanTarget,
    *,
    method: str,
    overassign: float,
    ramp: tuple[float, ...],
    as_of: pd.Timestamp,
) -> tuple[quota.PlanChoice | None, quota.YearBacktest | None, str, list[Gap]]:
    """The plan to recommend, the back-test it leans on, why there is no back-test, the gaps.

    With no target, or a method the data cannot run, there is no choice and every section
    carries the gap that says why.
    """
    if tgt.amount is None:
        how = (
            f"set the notebook's target parameter to the {plan.label} bookings goal, or add "
            f"the deals of at least four complete quarters so it can be forecast ({tgt.problem})"
        )
        return None, None, "", [Gap(s, NO_TARGET, how) for s in SECTIONS]
    bt: quota.YearBacktest | None = None
    bt_problem = ""
    try:
        bt = quota.backtest_year(d, as_of=as_of, method=method, overassign=overassign, ramp=ramp)
    except SalesOpsDataError as exc:
        bt_problem = str(exc)
    try:
        choice = quota.choose_plan(
            d,
            target=tgt.amount,
            period=plan.label,
            method=method,
            overassign=overassign,
            ramp=ramp,
            as_of=as_of,
            year_booked=tgt.year_booked,
            verdict=None if bt is None else bt.verdict,
        )
    except SalesOpsDataError as exc:
        how = f"{exc}; choose another method ({', '.join(m for m in quota.METHODS if m != method)})"
        return (
            None,
            bt,
            bt_problem,
            [Gap(s, f"data for the {method} method", how) for s in SECTIONS],
        )
    return choice, bt, bt_problem, []


@dataclass(frozen=True)
class _Basis:
    """What several sections of report 04 share, computed once from the chosen quotas."""

    teams_known: bool
    sim: pd.DataFrame
    hard: pd.DataFrame
    letters: pd.DataFrame
    letter_spec: TableSpec
    with_booked: pd.DataFrame
    check: pd.DataFrame
    per_year: float
    ramping: pd.DataFrame
    share_frame: pd.DataFrame
    fair: pd.DataFrame
    team_fair: pd.DataFrame | None
    adjusted_asked: float
    adjusted_chosen: float


def _basis(
    d: SalesData,
    choice: quota.PlanChoice,
    plan: quota.PlanPeriod,
    trailing: pd.Series,
    bt: quota.YearBacktest | None,
    day: pd.Timestamp,
) -> _Basis:
    """The simulation, the letters frame, the load check and fairness of the chosen quotas."""
    chosen = choice.chosen
    teams_known = has_teams(d)
    sim = quota.simulate_attainment(d, chosen, as_of=day)
    # a full record: ramped in every trailing quarter, the load check's rule (four: a year)
    history = quota.rep_history(d, chosen, day, quarters=max(len(trailing), 1))
    booked = quota.rep_trailing_bookings(d, day, chosen["rep_id"])
    lt = quota.letters(chosen, plan_label=plan.label, currency=d.currency, history=history)
    lt = lt.merge(
        chosen[["rep_id", *[c for c in ("role",) if c in chosen]]], on="rep_id", how="left"
    )
    lt["booked"] = lt["rep_id"].map(booked).to_numpy(dtype=float)
    per_year = _per_year(trailing)
    lt["multiple_of_booked"] = (
        lt["quota"] / (lt["booked"] * per_year).where(lt["booked"] > 0)
    ).round(4)
    with_booked = chosen.assign(
        booked=chosen["rep_id"].map(booked).to_numpy(dtype=float),
        ramped_quarters=history["ramped_quarters"].to_numpy(),
    )
    check = quota.load_check(
        with_booked,
        quota.seat_dates(d, day)["start"],
        day,
        quarters=len(trailing),
        per_year=per_year,
    )
    lt["check"] = lt["rep_id"].map(check.set_index("rep_id").apply(check_text, axis=1))
    adjusted_asked = adjusted_chosen = float("nan")
    if bt is not None and bt.verdict in ("pessimistic", "optimistic"):
        adjusted_asked = quota.bias_adjusted_share(d, choice.asked, bt.bias, as_of=day)
        adjusted_chosen = quota.bias_adjusted_share(d, chosen, bt.bias, as_of=day)
    quarters = [c[6:] for c in quota.quarter_columns(chosen)]
    lspec = _present(letter_spec(quarters, plan.label, booked_label(trailing)), lt).with_label(
        "multiple_of_booked", ratio_label(trailing)
    )
    share_frame = _share_frame(choice.share_chosen)
    if not teams_known:
        lspec = lspec.without("team")
        share_frame = share_frame[share_frame["group"] == "All reps"].reset_index(drop=True)
    fair = quota.fairness(d, chosen, as_of=day)
    return _Basis(
        teams_known=teams_known,
        sim=sim,
        hard=sim[sim["chance_at_quota"] < HARD_CHANCE].sort_values("chance_at_quota"),
        letters=lt,
        letter_spec=lspec,
        with_booked=with_booked,
        check=check,
        per_year=per_year,
        ramping=quota.ramping(chosen),
        share_frame=share_frame,
        fair=fair,
        team_fair=quota.team_fairness(fair),
        adjusted_asked=adjusted_asked,
        adjusted_chosen=adjusted_chosen,
    )


def _section_gaps(
    d: SalesData,
    plan: quota.PlanPeriod,
    basis: _Basis,
    bt: quota.YearBacktest | None,
    bt_problem: str,
) -> list[Gap]:
    """The parts a planned report still lacks: teams, last year's quotas, accounts, a back-test."""
    gaps: list[Gap] = []
    if not basis.teams_known:
        gaps.append(Gap(CARRY, NO_TEAMS, ADD_TEAMS))
    if not basis.fair["change"].notna().any():
        gaps.append(
            Gap(
                FAIR,
                NO_PREVIOUS,
                "add last year's quotas to the quotas file (each rep's quota for each quarter, "
                f"up to {d.calendar.shift(plan.quarters[0], -1)}) to compare each quota with the "
                "one before",
            )
        )
    if basis.team_fair is None:
        gaps.append(Gap(FAIR, NO_ACCOUNTS, ADD_ACCOUNTS))
    if bt is None:
        gaps.append(
            Gap(
                BACKTEST,
                NO_BACKTEST_YEAR,
                "add older deals, so that the data holds a complete fiscal year and four "
                f"complete quarters of bookings before it ({bt_problem})",
            )
        )
    return gaps


class _Carry(TypedDict):
    """Section "How much must each rep carry, and why?": its fields of :class:`QuotaDesign`."""

    tiles: list[Tile]
    headline_sentence: str | None
    load_spread_sentence: str | None
    new_rep_sentence: str | None
    allocation_sentence: str | None
    inactive_sentence: str | None
    trailing_sentence: str | None
    load_sentence: str | None
    by_team: Table | None
    team_chart: pd.DataFrame | None
    team_title: str
    reps: Table | None
    ramp_sentence: str | None


def _carry_section(
    d: SalesData,
    choice: quota.PlanChoice,
    basis: _Basis,
    setup: _Setup,
    *,
    bt: quota.YearBacktest | None,
    team: str | None,
) -> _Carry:
    """How much must each rep carry, and why: the tiles, the team and rep tables, the load."""
    chosen, check, lt, teams_known = choice.chosen, basis.check, basis.letters, basis.teams_known
    trailing, day, fmt = setup["trailing"], setup["period"].as_of, money_in(d.currency)
    teams = quota.team_shares(chosen).merge(
        quota.load_against_bookings(basis.with_booked, "team", per_year=basis.per_year)[
            ["group", "booked", "multiple_of_booked"]
        ].rename(columns={"group": "team"}),
        on="team",
        how="left",
    )
    teams = teams.merge(
        _peer_teams(basis).rename(columns={"multiple_of_booked": "peer_multiple"}),
        on="team",
        how="left",
    )
    per = ratio_label(trailing)
    teams_spec = (
        TEAM_SPEC.with_label("booked", booked_label(trailing))
        .with_label("multiple_of_booked", f"{per}, all its reps")
        .with_label("peer_multiple", f"{per}, reps past ramp all year")
    )
    rep_frame = lt.sort_values(["quota", "rep_name"], ascending=[False, True]).reset_index(
        drop=True
    )
    at_trailing = (
        quota.share_if_scaled(d, chosen, trailing.sum() / choice.quota, as_of=day)
        if len(trailing) and choice.quota > 0
        else float("nan")
    )
    return _Carry(
        tiles=headline_tiles(
            choice,
            trailing,
            basis.ramping,
            choice.expected,
            fmt,
            new_reps=int((check["new"] & (chosen["quota"].to_numpy() > 0)).sum()),
            adjusted=basis.adjusted_chosen,
        ),
        headline_sentence=headline_sentence(choice, fmt, adjusted=basis.adjusted_asked, bt=bt),
        load_spread_sentence=load_spread_sentence(
            check,
            lt.set_index("rep_id")["rep_name"],
            teams[["team", "peer_multiple"]].rename(columns={"peer_multiple": "multiple_of_booked"})
            if teams_known
            else None,
            span=_spread_span(trailing),
        ),
        new_rep_sentence=new_rep_sentence(check, lt, as_of=day),
        allocation_sentence=allocation_sentence(chosen, day, fmt),
        inactive_sentence=inactive_sentence(
            setup["inactive"], day, owners=setup["reps_from_owners"]
        ),
        trailing_sentence=_joined(
            trailing_sentence(choice, trailing, fmt, scope=_scope(team), at_trailing=at_trailing),
            # a one-team report says its own total above; the company's names each team
            team_below_sentence(teams, trailing, fmt, per_year=basis.per_year)
            if teams_known and team is None
            else None,
        ),
        load_sentence=load_sentence(basis.with_booked, trailing),
        by_team=Table(
            teams,
            teams_spec,
            f"Each team's share of the company quota under each method, the "
            f"{METHOD_WORDS[setup['method']].lower()} quota, and the quota against the same reps' "
            "bookings",
            d.currency,
        )
        if teams_known
        else None,
        team_chart=teams if teams_known else None,
        team_title=team_title(teams, setup["plan"].label) if teams_known else "",
        reps=Table(
            rep_frame,
            basis.letter_spec.only(REP_COLUMNS),
            f"Quota per rep, largest first ({choice_label(choice)})",
            d.currency,
        ),
        ramp_sentence=ramp_sentence(
            basis.ramping,
            len(chosen),
            setup["ramp"],
            no_hire_date=int(chosen["hire_date"].isna().sum())
            if "hire_date" in chosen
            else len(chosen),
        ),
    )


class _Reach(TypedDict):
    """Section "Will enough reps make it?": its fields of :class:`QuotaDesign`."""

    plans: Table | None
    use_sentence: str | None
    band_sentence: str | None
    choice_sentence: str | None
    tradeoff: Table | None
    share: Table | None
    share_chart: pd.DataFrame | None
    share_title: str
    share_target: float
    simulation: pd.DataFrame | None
    hard_sentence: str | None
    hard: Table | None


def _reach_section(
    d: SalesData,
    choice: quota.PlanChoice,
    basis: _Basis,
    bt: quota.YearBacktest | None,
    fmt: MoneyFormat,
    *,
    trailing: pd.Series,
) -> _Reach:
    """Will enough reps make it: the plan as asked against the reachable one, the share at quota."""
    share_frame, hard, teams_known = basis.share_frame, basis.hard, basis.teams_known
    booked = basis.with_booked.set_index("rep_id")["booked"]
    plans = plans_frame(choice, booked, per_year=basis.per_year, by_team=teams_known)
    return _Reach(
        plans=Table(
            plans,
            _plans_spec(trailing, teams_known),
            f"The plan as asked beside the reachable plan: quotas against what the same reps "
            f"booked (the letters carry {choice_label(choice)})",
            d.currency,
        ),
        use_sentence=use_sentence(choice, fmt),
        band_sentence=band_sentence(choice, fmt, adjusted=basis.adjusted_asked, bt=bt),
        choice_sentence=choice_sentence(choice, fmt, bt=bt),
        tradeoff=_tradeoff_table(choice, d.currency),
        share=Table(
            share_frame,
            SHARE_SPEC if teams_known else SHARE_SPEC.with_label("group", "Group"),
            f"Expected share of reps at or above quota, {choice_label(choice)}",
        ),
        share_chart=share_frame[share_frame["group"] != "All reps"].reset_index(drop=True)
        if teams_known
        else None,
        share_title=share_title(share_frame, choice.band) if teams_known else "",
        share_target=choice.band[0],
        simulation=basis.sim,
        hard_sentence=hard_sentence(basis.sim, hard, fmt),
        hard=Table(
            hard.reset_index(drop=True),
            HARD_SPEC if teams_known else HARD_SPEC.without("team"),
            f"Reps with less than a {pct(HARD_CHANCE)} chance of reaching quota ({len(hard):,}, "
            f"with {fmt(float(hard['quota'].sum()))} of quota)",
            d.currency,
        ),
    )


class _Fair(TypedDict):
    """Section "Is it fair across teams and territories?": its fields of :class:`QuotaDesign`."""

    fairness: pd.DataFrame | None
    team_fairness: Table | None
    potential_sentence: str | None
    spread_sentence: str | None
    change_sentence: str | None
    outgrowing: Table | None


def _fair_section(d: SalesData, basis: _Basis) -> _Fair:
    """Is it fair: quota against territory potential, the spread, the change from last year."""
    fair, team_fair = basis.fair, basis.team_fair
    return _Fair(
        fairness=fair,
        team_fairness=None
        if team_fair is None or not basis.teams_known
        else Table(
            team_fair,
            FAIR_SPEC,
            "Each team's share of the quota against its share of territory potential "
            "(1.0× = quota follows potential)",
            d.currency,
        ),
        potential_sentence=potential_sentence(fair),
        spread_sentence=spread_sentence(basis.share_frame),
        change_sentence=change_sentence(fair, money_in(d.currency)),
        outgrowing=_outgrowing(fair, d.currency),
    )


class _Split(TypedDict):
    """Section "How does it split across quarters and months?": its fields of :class:`QuotaDesign`."""

    split_sentence: str | None
    quarters: Table | None
    months: pd.DataFrame | None
    months_title: str


def _split_section(
    d: SalesData,
    choice: quota.PlanChoice,
    plan: quota.PlanPeriod,
    basis: _Basis,
    day: pd.Timestamp,
) -> _Split:
    """How does it split: the quota by quarter and month, by the seasons of past years."""
    season = quota.seasonality(d, day)
    split = quota.quarter_split(choice.chosen, season)
    months = quota.month_split(d, plan, season)
    years = quota.complete_years(d, day)
    return _Split(
        split_sentence=split_sentence(
            split, years, ramping=len(basis.ramping), blend=quota.season_blend_reason(d, day)
        ),
        quarters=Table(split, SPLIT_SPEC, split_caption(years), d.currency),
        months=months,
        months_title=months_title(months, plan.label, bool(years)),
    )


class _Letters(TypedDict):
    """Section "Quota letters": its fields of :class:`QuotaDesign`."""

    letters: Table | None
    example_letter: Table | None
    history_sentence: str | None
    letters_what: str


def _letters_section(d: SalesData, plan: quota.PlanPeriod, basis: _Basis) -> _Letters:
    """The quota letters: one per rep, an example, what the reps' records hold."""
    letters_t = Table(basis.letters, basis.letter_spec, f"Quota letters, {plan.label}", d.currency)
    return _Letters(
        letters=letters_t,
        example_letter=example_letter(letters_t),
        history_sentence=history_sentence(
            basis.letters, quarters=max(round(4 / basis.per_year), 1)
        ),
        letters_what=letters_what(letters_t),
    )


class _Backtest(TypedDict):
    """Section "Back-test": its fields of :class:`QuotaDesign`."""

    backtest: quota.YearBacktest | None
    backtest_sentence: str | None
    verdict_sentence: str | None
    backtest_table: Table | None


def _backtest_section(bt: quota.YearBacktest | None, fmt: MoneyFormat, currency: str) -> _Backtest:
    """Would this method have set reachable quotas last year: the back-test and its verdict."""
    return _Backtest(
        backtest=bt,
        backtest_sentence=backtest_sentence(bt, fmt),
        verdict_sentence=verdict_sentence(bt),
        backtest_table=None if bt is None else _backtest_table(bt, currency),
    )


def _without_plan(setup: _Setup, gaps: list[Gap]) -> QuotaDesign:
    """The result when no quotas can be proposed: every section shows its gap."""
    return QuotaDesign(
        **setup,
        gaps=gaps,
        choice=None,
        tiles=[],
        allocation_sentence=None,
        inactive_sentence=inactive_sentence(
            setup["inactive"], setup["period"].as_of, owners=setup["reps_from_owners"]
        ),
        trailing_sentence=None,
        load_sentence=None,
        by_team=None,
        team_chart=None,
        team_title="",
        reps=None,
        ramp_sentence=None,
        band_sentence=None,
        choice_sentence=None,
        tradeoff=None,
        share=None,
        share_chart=None,
        share_title="",
        share_target=quota.HEALTHY_BAND[0],
        simulation=None,
        hard_sentence=None,
        hard=None,
        fairness=None,
        team_fairness=None,
        potential_sentence=None,
        spread_sentence=None,
        change_sentence=None,
        outgrowing=None,
        split_sentence=None,
        quarters=None,
        months=None,
        months_title="",
        letters=None,
        example_letter=None,
        history_sentence=None,
        letters_what="A quota letter per rep",
        backtest=None,
        backtest_sentence=None,
        verdict_sentence=None,
        backtest_table=None,
        definitions=_definitions(setup["method"], quota.HEALTHY_BAND),
        findings=[],
    )


def _scope(team: str | None) -> str:
    return "The company" if not (team or "").strip() else f"Team {team}"


def _present(spec: TableSpec, frame: pd.DataFrame) -> TableSpec:
    """The spec without columns that are blank in every row (no hire dates, no previous quotas)."""
    blank = [c.key for c in spec.columns if c.key in frame and frame[c.key].isna().all()]
    return spec.without(*blank)


def choice_label(choice: quota.PlanChoice) -> str:
    """``the reachable plan`` or ``the plan as asked``.

    Parameters
    ----------
    choice
        :func:`salesops_lib.analysis.quota.choose_plan`.

    Returns
    -------
    str
    """
    return "the reachable plan" if choice.uses_reachable else "the plan as asked"


def _peer_teams(basis: _Basis) -> pd.DataFrame:
    """Each team's quota ÷ a year of bookings over its reps past the ramp all the trailing year.

    The same reps as the spread across reps (the load check's peers), so that new hires with
    little booked do not lift their team's figure.
    """
    peers = basis.with_booked[basis.check["peer"].to_numpy(dtype=bool)]
    out = quota.load_against_bookings(peers, "team", per_year=basis.per_year)
    return out.rename(columns={"group": "team"})[["team", "multiple_of_booked"]]


def _spread_span(trailing: pd.Series) -> str:
    """What a rep's quota is set against in the spread: ``what the rep booked 2025Q2–2026Q1``."""
    if len(trailing) >= 4:
        return f"what the rep booked {_span(trailing)}"
    return f"a year at the pace the rep booked {_span(trailing)}"


def check_text(row: pd.Series) -> str | None:
    """A letter's check: why a new rep's quota needs a look (None: nothing to check).

    Parameters
    ----------
    row
        One row of :func:`salesops_lib.analysis.quota.load_check` (``flag, multiple,
        relative, seat_start``).

    Returns
    -------
    str or None
        E.g. ``Less than a year's record (in seat since 2025-10-26): quota 2.6× what they
        booked, 2.4× the median rep's; check it before it goes out``.
    """
    if not bool(row["flag"]):
        return None
    since = (
        ""
        if pd.isna(row["seat_start"])
        else f" (in seat since {pd.Timestamp(row['seat_start']).date()})"
    )
    load = f"quota {row['multiple']:.1f}× what they booked, {row['relative']:.1f}× the median rep's"
    return f"Less than a year's record{since}: {load}; check it before it goes out"


def _span(trailing: pd.Series) -> str:
    if not len(trailing):
        return ""
    return (
        f"{trailing.index[0]}–{trailing.index[-1]}" if len(trailing) > 1 else str(trailing.index[0])
    )


def _per_year(trailing: pd.Series) -> float:
    """4 / the trailing quarters: what turns their bookings into a year's (1 for four)."""
    n = len(trailing)
    return 4 / n if 0 < n < 4 else 1.0


def ratio_label(trailing: pd.Series) -> str:
    """``Quota ÷ booked``, or with fewer than four quarters ``Quota ÷ a year at that pace``.

    Parameters
    ----------
    trailing
        :func:`salesops_lib.analysis.quota.trailing_bookings` (bookings by quarter).

    Returns
    -------
    str
        The label of the column of each quota over its trailing bookings (``Quota ÷ booked``
        also without any quarter).
    """
    return (
        "Quota ÷ booked"
        if len(trailing) >= 4 or not len(trailing)
        else "Quota ÷ a year at that pace"
    )


def booked_label(trailing: pd.Series) -> str:
    """The label of the column of each rep's trailing bookings: ``Booked 2025Q4–2026Q3``.

    Parameters
    ----------
    trailing
        :func:`salesops_lib.analysis.quota.trailing_bookings` (bookings by quarter).

    Returns
    -------
    str
        ``Booked`` and the quarters' span (one quarter: its label; none: ``Booked`` alone).
    """
    return f"Booked {_span(trailing)}" if len(trailing) else "Booked"


# ---------------------------------------------------------------------------------------
# the plan


def _band(band: tuple[float, float]) -> str:
    return f"{band[0] * 100:.0f}–{pct(band[1])}"


def plan_sentence(
    plan: quota.PlanPeriod,
    target: quota.PlanTarget,
    *,
    method: str,
    overassign: float,
    ramp: tuple[float, ...],
    as_of: pd.Timestamp,
    fmt: MoneyFormat,
) -> str:
    """What is planned: period, target and where it comes from, method, over-assignment, ramp.

    Parameters
    ----------
    plan
        The plan period.
    target
        :func:`salesops_lib.analysis.quota.plan_target` (without an amount the sentence says
        why no quotas can be proposed).
    method
        The allocation method (:data:`salesops_lib.analysis.quota.METHODS`).
    overassign
        Quotas add up to target × this.
    ramp
        The ramp schedule (shares by month of tenure).
    as_of
        The planning date.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).

    Examples
    --------
    ``Plan period **FY2027** (2027-01-01 to 2027-12-31), planned with data up to 2026-09-30.
    Target **$146M**: the year-ahead forecast for FY2027 (a trend-and-seasons model of
    quarterly bookings, fitted on the 12 complete quarters 2023Q4–2026Q3). Method **Blend**,
    over-assignment **1.10×**, ramp 0% / 25% / 50% / 75% / 100% by month of tenure.``
    """
    lead = (
        f"Plan period {bold(plan.label)} ({plan.start.date()} to {plan.end.date()}), planned "
        f"with data up to {as_of.date()}."
    )
    if target.amount is None:
        why = f"there is no target: {target.problem}" if target.problem else "there is no target"
        return f"{lead} No quotas can be proposed, because {why}."
    if target.source == "hand":
        basis = "set by hand"
    else:
        qs = target.window.quarters if target.window is not None else ()
        if target.model == "mean_full" and qs:
            model = (
                f"the average of the {count(len(qs), 'complete quarter')}' bookings "
                f"({quarter_span(qs)}), times {len(plan.quarters)}: too few quarters for a "
                "forecast model"
            )
        elif target.model == "run_rate" and len(qs) >= 4:
            model = (
                f"the run-rate of the last 4 complete quarters, {quarter_span(qs[-4:])}: "
                f"{count(len(qs), 'complete quarter')} are too few for a seasonal model, which "
                f"needs {quota.SEASONAL_MIN_QUARTERS} (two full years)"
            )
        else:
            model = MODEL_WORDS.get(str(target.model), str(target.model))
            if qs:
                model += f", fitted on the {count(len(qs), 'complete quarter')} {quarter_span(qs)}"
        basis = f"the year-ahead forecast for {plan.label} ({model})"
        if target.growth:
            sign = "+" if target.growth > 0 else ""
            basis = f"{basis}, {fmt(target.forecast)}, grown by {sign}{pct(target.growth, 1)}"
    steps = " / ".join(pct(v) for v in ramp)
    return (
        f"{lead} Target {bold(fmt(target.amount))}: {basis}. Method "
        f"{bold(METHOD_WORDS.get(method, method))}, over-assignment {bold(f'{overassign:.2f}×')}, "
        f"ramp {steps} by month of tenure."
    )


def window_sentence(
    window: quota.HistoryWindow | None,
    data_start: pd.Timestamp,
    fmt: MoneyFormat,
    reasons: dict[str, str] | None = None,
) -> str | None:
    """Which quarters the target, the trailing bookings and productivity leave out, and why.

    Parameters
    ----------
    window
        The history window (:func:`salesops_lib.analysis.quota.history_window`, the target's
        ``window``): its ``partial`` and ``low`` quarters are named; None: none.
    data_start
        The data's first close date (named beside the quarters it holds only in part).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    reasons
        :meth:`SalesData.partial_quarters <salesops_lib.data.SalesData.partial_quarters>`:
        each partial quarter's reason, named beside it (None: the first close is named).

    Returns
    -------
    str or None
        The sentence; None when no quarter is left out.

    Examples
    --------
    ``Left out of the target, the bookings and each rep's productivity: 2024Q1, which the
    data holds only in part (bookings start on 2024-03-27), and 2024Q2, whose bookings
    ($5.5K) are under a quarter of the median quarter used ($150K).``
    """
    if window is None or not window.left_out:
        return None
    parts = []
    if window.partial and reasons and all(q in reasons for q in window.partial):
        named = [f"{q} ({reasons[q]})" for q in window.partial]
        parts.append(f"{listing(named)}, which the data holds only in part")
    elif window.partial:
        parts.append(
            f"{listing(list(window.partial))}, which the data holds only in part (bookings "
            f"start on {data_start.date()})"
        )
    if window.low:
        low = list(window.low)
        amounts = listing([fmt(window.bookings.loc[q]) for q in low])
        median = (
            fmt(float(window.bookings.loc[list(window.quarters)].median()))
            if window.quarters
            else None
        )
        text = f"{listing(low)}, whose bookings ({amounts}) are under a quarter of"
        text += f" the median quarter used ({median})" if median else " the later quarters'"
        parts.append(text)
    return (
        "Left out of the target, the bookings and each rep's productivity: "
        + ", and ".join(parts)
        + "."
    )


def growth_sentence(target: quota.PlanTarget, fmt: MoneyFormat) -> str | None:
    """What the target implies against a year of trailing bookings; flagged when implausible.

    A year of bookings is the last four quarters' (or, with fewer in the data, their
    average × 4). The target is implausible outside
    :data:`~salesops_lib.analysis.quota.PLAUSIBLE_GROWTH` unless the data shows that growth.

    Parameters
    ----------
    target
        :func:`salesops_lib.analysis.quota.plan_target` (its amount, source, year of bookings,
        implied and observed growth).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); a target from the forecast that is
        implausible is called doubtful. None without a target or a year of bookings.
    """
    g = target.implied_growth
    if target.amount is None or not np.isfinite(g):
        return None
    n = target.booked_quarters
    year = (
        f"a year of bookings ({fmt(target.year_booked)}, the last 4 quarters)"
        if n >= 4
        else f"a year of bookings at the pace of the {count(n, 'complete quarter')} in the data "
        f"({_pace_words(target, fmt)})"
    )
    shown = pct(abs(g))
    if shown == "0%":
        text = f"The target is level with {year}"
    else:
        text = f"The target is {bold(shown + (' above' if g > 0 else ' below'))} {year}"
    seen = target.observed_growth
    if np.isfinite(seen):
        text += f"; bookings grew {pct(seen, 1)} over the year before"
    if target.plausible:
        return text + "."
    what = "growth" if g > 0 else "fall"
    if target.source == "forecast":
        return (
            f"{text}: more {what} than the data shows, so the forecast is doubtful; set the "
            "notebook's target parameter to the goal you mean."
        )
    return f"{text}: more {what} than the data shows."


def _pace_words(target: quota.PlanTarget, fmt: MoneyFormat) -> str:
    """``2017Q2–2017Q4's $8.9M × 4/3 = $11.8M``: how a year of bookings comes from fewer quarters."""
    n = target.booked_quarters
    quarters = list(target.window.quarters[-n:]) if target.window is not None and n else []
    booked = target.year_booked * n / 4
    span = f"{quarters[0]}–{quarters[-1]}'s " if len(quarters) >= 2 else ""
    return f"{span}{fmt(booked)} × 4/{n} = {fmt(target.year_booked)}"


def headline_tiles(
    choice: quota.PlanChoice,
    trailing: pd.Series,
    ramping: pd.DataFrame,
    expected: float,
    fmt: MoneyFormat,
    *,
    new_reps: int = 0,
    adjusted: float = float("nan"),
) -> list[Tile]:
    """Company quota, trailing bookings, reps with a quota, expected share at quota, expected bookings.

    Parameters
    ----------
    choice
        :func:`salesops_lib.analysis.quota.choose_plan`.
    trailing
        :func:`salesops_lib.analysis.quota.trailing_bookings` (no tile when empty).
    ramping
        :func:`salesops_lib.analysis.quota.ramping` of the chosen plan.
    expected
        What the reps in seat are expected to book in the plan period.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    new_reps
        Reps with a quota and less than a year's record (not past the ramp in every trailing
        quarter: :func:`salesops_lib.analysis.quota.load_check`).
    adjusted
        The recommended plan's share at quota corrected by the back-test's bias (NaN: none).

    Returns
    -------
    list of Tile
    """
    chosen = choice.chosen
    share = float(choice.share_chosen.loc["All reps", "share"])
    lo, hi = choice.band
    where = (
        "below the"
        if quota.shown_pct(share) < round(lo * 100)
        else "above the"
        if quota.shown_pct(share) > round(hi * 100)
        else "inside the"
    )
    share_sub = f"{where} healthy band {_band(choice.band)}"
    if np.isfinite(adjusted):
        share_sub += f"; {pct(adjusted)} by the back-test"
    seats = f"{len(ramping):,} ramping in the plan year"
    if new_reps:
        seats += f", {new_reps:,} with less than a year's record"
    tiles = [
        Tile(
            "Company quota",
            fmt(choice.quota),
            f"{choice_label(choice)}: target {fmt(choice.chosen_target)} × {choice.overassign:.2f}",
        )
    ]
    if len(trailing):
        tiles.append(
            Tile(
                "Bookings, last " + count(len(trailing), "quarter"),
                fmt(trailing.sum()),
                _span(trailing),
            )
        )
    tiles += [
        Tile(
            "Reps with a quota",
            f"{int((chosen['quota'] > 0).sum()):,}",
            seats,
        ),
        Tile("Expected at quota", pct(share), share_sub),
        Tile(
            "In-seat reps expected to book",
            fmt(expected),
            "at their ramp-adjusted trailing productivity (see the definitions)",
        ),
    ]
    return tiles


def allocation_sentence(chosen: pd.DataFrame, as_of: pd.Timestamp, fmt: MoneyFormat) -> str:
    """Who gets a quota and how the company quota is spread, to the cent.

    Parameters
    ----------
    chosen
        The quotas handed out (:func:`~salesops_lib.analysis.quota.propose`: ``quota``).
    as_of
        The planning date.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    return (
        f"Quotas go to the {count(len(chosen), 'rep')} in seat on {as_of.date()}, hired on or "
        "before that day: a plan made then does not know later hires, so they get no quota "
        "here. Each method gives every rep a weight; the company "
        "quota is spread over reps and months in proportion to the rep's share × the month's "
        "seasonality × the rep's ramp factor that month, in whole cents, so the quotas add up to "
        f"the company quota exactly ({fmt(chosen['quota'].sum())})."
    )


def inactive_sentence(
    inactive: pd.DataFrame, as_of: pd.Timestamp, *, owners: bool = False
) -> str | None:
    """The reps left out of the quotas as possibly inactive, named with the reason.

    Parameters
    ----------
    inactive
        :func:`salesops_lib.analysis.quota.possibly_inactive` (``rep_name, reason,
        last_activity``); None: none.
    as_of
        The planning date.
    owners
        The data has no reps table, its reps are the deals' owners
        (:func:`~salesops_lib.reports.base.reps_from_owners`): the sentence says deal owner.

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first), with how to settle it; None when no
        rep is left out.
    """
    if inactive is None or inactive.empty:
        return None
    k = len(inactive)
    parts = []
    none = inactive[inactive["reason"] == "no deals"]
    if len(none):
        names = sorted(none["rep_name"].astype(str))
        parts.append(f"{listing(names)} {'has' if len(names) == 1 else 'have'} no deal in the data")
    quiet = inactive[inactive["reason"] == "no activity"].sort_values("last_activity")
    for r in quiet.itertuples():
        parts.append(
            f"{r.rep_name} has created or closed no deal since "
            f"{pd.Timestamp(r.last_activity).date()}, six months or more before {as_of.date()}"
        )
    return (
        f"{bold(count(k, 'deal owner')) if owners else bold(count(k, 'rep')) + ' in the reps table'} "
        f"{'is' if k == 1 else 'are'} left out of the "
        f"quotas and the simulation as possibly inactive: {'; '.join(parts)}; no recent hire "
        f"date or current quota says {'they are' if k > 1 else 'the rep is'} in seat. Give "
        f"{'them' if k > 1 else 'the rep'} an end date, or a quota for the coming quarters, to "
        "settle it."
    )


def trailing_sentence(
    choice: quota.PlanChoice,
    trailing: pd.Series,
    fmt: MoneyFormat,
    *,
    scope: str = "The company",
    at_trailing: float = float("nan"),
) -> str | None:
    """The year's quota against the last four quarters' bookings, and why when it is below them.

    With fewer than four complete quarters the quota is set against their pace over a
    year (their average × 4). ``at_trailing`` is the expected share of reps at quota if the
    quotas added up to those bookings
    (:func:`~salesops_lib.analysis.quota.share_if_scaled`; NaN: not said).

    Parameters
    ----------
    choice
        :func:`salesops_lib.analysis.quota.choose_plan`.
    trailing
        :func:`salesops_lib.analysis.quota.trailing_bookings`.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    scope
        ``The company`` or ``Team <name>``: whose quota the sentence speaks of.
    at_trailing
        See above.

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None without a complete quarter.

    Examples
    --------
    ``The company quota of **$161M** is 30% above the last 4 quarters' bookings ($123M,
    2025Q4–2026Q3). Quotas adding up to those bookings would put about 55% of reps at quota.``
    """
    if not len(trailing):
        return None
    n = len(trailing)
    booked = float(trailing.sum())
    year = quota.year_of_bookings(trailing)
    span = _span(trailing)
    owner = "The company quota" if scope == "The company" else f"{scope}'s quota"
    lead = f"{owner} of {bold(fmt(choice.quota))}"
    if n >= 4:
        which = f"the last {n} quarters' bookings ({fmt(booked)}, {span})"
    else:
        which = (
            f"a year of bookings at the pace of the only {count(n, 'complete quarter')} in the "
            f"data ({fmt(year)}: {fmt(booked)} over {span}, times {4 / n:.4g})"
        )
    if choice.quota >= year:
        tail = (
            f" is {pct(choice.quota / year - 1)} above {which}."
            if year > 0
            else f" is above {which}."
        )
        text = lead + tail
        if n >= 4 and np.isfinite(at_trailing):
            text += (
                f" Quotas adding up to those bookings would put about {pct(at_trailing)} of reps "
                "at quota."
            )
        return text
    text = f"{lead} for the year is {bold('below')} {which}, by {fmt(year - choice.quota)}. "
    asked_quota = choice.target * choice.overassign
    if choice.uses_reachable:
        return text + (
            f"The reachable plan scales the quotas asked ({fmt(choice.target)} × "
            f"{choice.overassign:.2f} = {fmt(asked_quota)}) so that "
            f"{pct(float(np.mean(choice.band)), 1)} of reps are expected to reach quota."
        )
    return text + (
        f"The target asked for it: {fmt(choice.target)} × {choice.overassign:.2f} = "
        f"{fmt(asked_quota)}."
    )


def _joined(*parts: str | None) -> str | None:
    """Sentences one after the other (None left out; None when none is left)."""
    return " ".join(p for p in parts if p) or None


def team_below_sentence(
    teams: pd.DataFrame, trailing: pd.Series, fmt: MoneyFormat, *, per_year: float = 1.0
) -> str | None:
    """Which teams get a quota below a year of what their reps booked, and by how much.

    The company's total is said against its bookings by :func:`trailing_sentence`; a team's
    total can fall below its own reps' bookings while the company's does not.

    Parameters
    ----------
    teams
        The team table (``team, quota, booked, multiple_of_booked``: the quota over a year
        of the team's reps' trailing bookings).
    trailing
        :func:`salesops_lib.analysis.quota.trailing_bookings` (the quarters ``booked`` covers).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    per_year
        What turns ``booked`` into a year of bookings (4 / the trailing quarters).

    Returns
    -------
    str or None
        The sentence; None when every team's quota is at or above its reps' bookings.

    Examples
    --------
    ``1 team gets a quota below a year of its reps' bookings (2025Q4–2026Q3): Enterprise,
    $4.1M against $4.8M (0.85×).``
    """
    if teams.empty or not len(trailing) or "multiple_of_booked" not in teams:
        return None
    m = pd.to_numeric(teams["multiple_of_booked"], errors="coerce")
    below = teams[(m.round(2) < 1).to_numpy()]
    if below.empty:
        return None
    below = below.assign(times=m[below.index]).sort_values("times", kind="stable")
    n = len(below)
    which = _span(trailing) if len(trailing) >= 4 else f"at the pace of {_span(trailing)}"
    parts = [
        f"{r.team}, {fmt(float(r.quota))} against {fmt(float(r.booked) * per_year)} "
        f"({float(r.times):.2f}×)"
        for r in below.itertuples()
    ]
    return (
        f"{bold(count(n, 'team'))} {'gets' if n == 1 else 'get'} a quota below a year of "
        f"{'its' if n == 1 else 'their'} reps' bookings ({which}): {'; '.join(parts)}."
    )


def load_sentence(with_booked: pd.DataFrame, trailing: pd.Series) -> str | None:
    """The quotas against what the same reps booked, per role and segment, like for like.

    Only reps fully ramped in every trailing quarter count (a rep hired during them booked
    less than a year, which would make their load read higher).

    Parameters
    ----------
    with_booked
        One row per rep with ``quota``, ``booked`` (the rep's trailing bookings),
        ``ramped_quarters`` (of the trailing quarters) and the role and segment when known.
    trailing
        The trailing quarters (their span and number name the window).

    Returns
    -------
    str or None
        None without trailing quarters or reps past the ramp in all of them.
    """
    n = len(trailing)
    if not n:
        return None
    frame = with_booked[with_booked["ramped_quarters"] >= n]
    if frame.empty:
        return None
    frame = frame.assign(peers=quota.peer_group(frame))
    per_year = _per_year(trailing)
    company = quota.load_against_bookings(frame, None, per_year=per_year).iloc[0]
    if not np.isfinite(company["multiple_of_booked"]):
        return None
    quarters = "the quarter" if n == 1 else f"all {n} quarters"
    text = (
        f"For the {count(len(frame), 'rep')} in seat and past the ramp in {quarters} of "
        f"{_span(trailing)} (a seat starts on the hire date, or without one on the first deal), "
        f"the quotas are {bold(f'{float(company.multiple_of_booked):.2f}×')} "
        + ("what they booked then" if n >= 4 else "a year at the pace they booked then")
    )
    groups = quota.load_against_bookings(frame, "peers", per_year=per_year)
    groups = groups[np.isfinite(groups["multiple_of_booked"])]
    if len(groups) > 1:
        text += ": " + listing(
            [f"{g.multiple_of_booked:.2f}× for {g.group}" for g in groups.itertuples()]
        )
    text += "."
    rest = with_booked[(with_booked["ramped_quarters"] < n) & (with_booked["quota"] > 0)]
    if len(rest):
        col = "rep_name" if "rep_name" in rest else "rep_id" if "rep_id" in rest else None
        names = sorted((rest[col] if col else rest.index.to_series()).astype(str))
        shown = listing(names[:3] + ([f"{len(names) - 3} more"] if len(names) > 3 else []))
        text += f" Left out, with less than a year's record: {shown}."
    return text


def team_title(teams: pd.DataFrame, plan_label: str) -> str:
    """The team chart's title: which team carries the most.

    Parameters
    ----------
    teams
        :func:`salesops_lib.analysis.quota.team_shares` (``team, quota``; at least one row).
    plan_label
        The plan period's name.

    Returns
    -------
    str
        The title (it states the finding).
    """
    top = teams.sort_values("quota", ascending=False).iloc[0]
    total = teams["quota"].sum()
    if len(teams) == 1:
        return f"{plan_label} quota of {top['team']}"
    return f"{top['team']} carries the most of the {plan_label} quota ({pct(top['quota'] / total)})"


def _hired(day: object) -> str:
    """`` (hired 2026-09-12)``, or nothing without a hire date."""
    if day is None or pd.isna(day):  # type: ignore[call-overload]
        return ""
    return f" (hired {pd.Timestamp(day).date()})"  # type: ignore[arg-type]


def ramp_sentence(
    ramping: pd.DataFrame,
    n_reps: int,
    ramp: tuple[float, ...],
    *,
    no_hire_date: int = 0,
) -> str:
    """How many reps are still ramping during the plan year and what share of a year they carry.

    Reps without a hire date count as fully ramped; the sentence says how many there are.

    Parameters
    ----------
    ramping
        :func:`salesops_lib.analysis.quota.ramping` (``rep_name, ramp_factor``,
        ``hire_date``); the five lowest ramp factors are named.
    n_reps
        Reps with a quota.
    ramp
        The ramp schedule.
    no_hire_date
        Reps without a hire date.

    Returns
    -------
    str
        The sentence.
    """
    steps = " / ".join(pct(v) for v in ramp)
    if no_hire_date >= n_reps:
        return (
            "The data has no hire dates, so a rep's seat starts with their first deal and no "
            f"one ramps during the plan year: the ramp ({steps} by month of tenure) applies to "
            "no one."
        )
    unknown = (
        f" {count(no_hire_date, 'rep')} without a hire date {'counts' if no_hire_date == 1 else 'count'} "
        "as fully ramped."
        if no_hire_date
        else ""
    )
    if ramping.empty:
        return (
            f"Every one of the {count(n_reps, 'rep')} is fully ramped by the plan year's start "
            f"(ramp {steps} by month of tenure, counted from the hire date).{unknown}"
        )
    k = len(ramping)
    ranked = ramping.sort_values("ramp_factor")
    named = [
        f"{r.rep_name}{_hired(getattr(r, 'hire_date', None))}, {pct(r.ramp_factor)}"
        for r in ranked.head(5).itertuples()
    ]
    more = [f"{k - 5} more"] if k > 5 else []
    return (
        f"{count(k, 'rep')} {'is' if k == 1 else 'are'} still ramping during the plan year "
        f"(ramp {steps} by month of tenure, counted from the hire date) and "
        f"{'carries' if k == 1 else 'carry'} that share of a full-year quota: "
        f"{listing(named + more)}.{unknown}"
    )


# ---------------------------------------------------------------------------------------
# reachable


def _share_frame(share: pd.DataFrame) -> pd.DataFrame:
    out = share.reset_index()
    out = out.rename(columns={out.columns[0]: "group"})
    out["band"] = np.where(out["in_band"], "yes", "no")
    return out


def band_sentence(
    choice: quota.PlanChoice,
    fmt: MoneyFormat,
    *,
    adjusted: float = float("nan"),
    bt: quota.YearBacktest | None = None,
) -> str:
    """The plan as asked: its quota against the reps' expected bookings, and its share at quota.

    The simulated share, and beside it the share corrected by the back-test's bias when known.

    Parameters
    ----------
    choice
        :func:`salesops_lib.analysis.quota.choose_plan`.
    fmt
        The money formatter of the data's currency.
    adjusted
        The plan as asked's share at quota corrected by the back-test's bias
        (:func:`salesops_lib.analysis.quota.bias_adjusted_share`; NaN: not corrected).
    bt
        The back-test (its year and bias are named with ``adjusted``).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    s = choice.share_asked.loc["All reps"]
    asked_quota = float(choice.asked["quota"].sum())
    load = (
        f", {pct(asked_quota / choice.expected)} of what the reps in seat are expected to book: "
        f"{fmt(choice.expected)}"
        if choice.expected > 0
        else ""
    )
    return (
        f"With the quotas as asked ({fmt(choice.target)} × {choice.overassign:.2f} = "
        f"{fmt(asked_quota)}{load}), the simulation expects {bold(pct(s['share']))} of "
        f"reps to reach quota (80% range {pct(s['lo80'])}–{pct(s['hi80'])})"
        + _adjusted_clause(adjusted, bt)
        + f"; the healthy band is {_band(choice.band)}."
    )


def _adjusted_clause(adjusted: float, bt: quota.YearBacktest | None) -> str:
    """``; corrected by the back-test's bias (in FY2025 the reps booked 1.10× what it expected), about 41%``."""
    if bt is None or not np.isfinite(adjusted) or not np.isfinite(bt.bias):
        return ""
    return (
        f"; corrected by the back-test's bias (in FY{bt.year} the reps booked "
        f"{bt.bias:.2f}× what it expected), about {bold(pct(adjusted))}"
    )


def headline_sentence(
    choice: quota.PlanChoice,
    fmt: MoneyFormat,
    *,
    adjusted: float = float("nan"),
    bt: quota.YearBacktest | None = None,
) -> str | None:
    """When the recommended plan lies outside the healthy band: says so, why, and what to expect.

    Parameters
    ----------
    choice
        :func:`salesops_lib.analysis.quota.choose_plan`.
    fmt
        The money formatter of the data's currency.
    adjusted
        The share at quota corrected by the back-test's bias (NaN: not corrected).
    bt
        The back-test (None: none).

    Returns
    -------
    str or None
        None when the recommended plan is inside the band (the plan as asked in it, or the
        reachable plan, which puts the band's middle at quota).
    """
    if choice.in_band or choice.reachable:
        return None
    share = float(choice.share_asked.loc["All reps", "share"])
    side = "below" if share < choice.band[0] else "above"
    move = "cut" if choice.reachable_target < choice.target else "raised"
    year = f"FY{bt.year}" if bt is not None else ""
    why = {
        "below_floor": f"the target cannot be cut to the {fmt(choice.reachable_target)} the band "
        f"needs without going {_floors_crossed(choice, fmt)}",
        "no_backtest": f"no back-test of the simulation on this data supports a target {move} "
        f"to the {fmt(choice.reachable_target)} the band needs",
        "pessimistic": f"the back-test of {year} found the simulation too pessimistic to cut "
        "the target by",
        "optimistic": f"the back-test of {year} found the simulation too optimistic to raise "
        "the target by",
    }.get(choice.reason, "the rule keeps the target asked")
    expect = f"about {bold(pct(share))} of reps are expected at quota"
    if bt is not None and np.isfinite(adjusted):
        expect += f" ({pct(adjusted)} once corrected by the back-test's bias)"
    return (
        f"{bold(f'The recommended plan is {side} its own healthy band')}: {expect}, against "
        f"{_band(choice.band)}, because {why}. "
        + (
            'The letters carry the reachable plan instead, as this run asks (use_plan "reachable").'
            if choice.uses_reachable
            else "The letters carry it all the same."
        )
    )


def _floors_crossed(choice: quota.PlanChoice, fmt: MoneyFormat) -> str:
    """``below a year of bookings ($123M) and below what the reps in seat are expected to book ($143M)``."""
    crossed = []
    if np.isfinite(choice.year_booked) and choice.reachable_target < choice.year_booked:
        crossed.append(f"below a year of bookings ({fmt(choice.year_booked)})")
    if np.isfinite(choice.expected) and choice.reachable_target < choice.expected:
        crossed.append(f"below what the reps in seat are expected to book ({fmt(choice.expected)})")
    return listing(crossed)


def choice_sentence(
    choice: quota.PlanChoice, fmt: MoneyFormat, *, bt: quota.YearBacktest | None = None
) -> str:
    """Which plan is recommended and why (:func:`~salesops_lib.analysis.quota.plan_rule`).

    Outside the band it sets the plan as asked against the reachable plan: what the
    reachable plan would put at quota and what it gives up, and why it is (or is not)
    the recommendation.

    Parameters
    ----------
    choice
        :func:`salesops_lib.analysis.quota.choose_plan`.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    bt
        :func:`salesops_lib.analysis.quota.backtest_year` on the last complete fiscal year;
        None: no back-test (the section's gap says why).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    if choice.in_band:
        if choice.uses_reachable:
            return "That is inside the healthy band, so the rule recommends the quotas as asked."
        return "That is inside the healthy band; the quotas as asked are the ones handed out."
    shown = pct(choice.share_asked.loc["All reps", "share"])
    side = "below" if choice.reachable_target < choice.target else "above"
    change = choice.reachable_target - choice.target
    mid = pct(float(np.mean(choice.band)), 1)
    move = (
        f"cutting the target to {bold(fmt(choice.reachable_target))} ({pct(change / choice.target, 1)}, "
        f"{fmt(-change)} less)"
        if change < 0
        else f"raising the target to {bold(fmt(choice.reachable_target))} "
        f"(+{pct(change / choice.target, 1)})"
    )
    lead = f"That is {side} the healthy band. The reachable plan would put {mid} of reps at quota by {move}"
    carry = "" if choice.uses_reachable else " and the letters carry it"
    asked = (
        f"So the plan as asked is recommended{carry}: quotas of "
        f"{fmt(choice.asked['quota'].sum())}, with about {shown} of reps expected at quota; the "
        "table sets the two plans side by side."
    )
    year = f"FY{bt.year}" if bt is not None else ""
    if choice.reason == "below_floor":
        text = f"{lead}, {_floors_crossed(choice, fmt)}. {asked}"
    elif choice.reason == "no_backtest":
        text = (
            f"{lead}, but there is no back-test of the simulation on this data to support "
            f"changing the target asked. {asked}"
        )
    elif choice.reason == "pessimistic" and bt is not None:
        text = (
            f"{lead}, but the back-test of {year} found the simulation too pessimistic "
            f"(it expected {pct(bt.asked.share)} at quota, {pct(bt.asked.realized)} made it), so "
            f"no cut is recommended from it. {asked}"
        )
    elif choice.reason == "optimistic" and bt is not None:
        text = (
            f"{lead}, but the back-test of {year} found the simulation too optimistic "
            f"(it expected {pct(bt.asked.share)} at quota, {pct(bt.asked.realized)} made it), so "
            f"no raise is recommended from it. {asked}"
        )
    else:
        floors = (
            " and stays at or above both a year of bookings and what the reps in seat are "
            "expected to book"
            if change < 0
            else ""
        )
        support = (
            f"; the back-test of {year} supports the simulation "
            f"({pct(bt.asked.share)} expected at quota as asked, {pct(bt.asked.realized)} made it)"
            if bt is not None
            else ""
        )
        text = (
            f"{lead}{floors}{support}. The reachable plan is recommended"
            + (" and the letters carry it" if choice.uses_reachable else "")
            + f": quotas of {fmt(choice.reachable_plan['quota'].sum())}."
        )
    rest = choice.target - choice.expected
    if choice.expected > 0 and rest > 0.005 * choice.target and not choice.reachable:
        text += (
            f" The target asked is {fmt(rest)} more than the reps in seat are expected to book: "
            "it needs new hires, or more from the reps than their record shows."
        )
    return text


def plans_frame(
    choice: quota.PlanChoice, booked: pd.Series, *, per_year: float = 1.0, by_team: bool = True
) -> pd.DataFrame:
    """The plan as asked beside the reachable plan: quota per team and in all, against bookings.

    Parameters
    ----------
    choice
        :func:`salesops_lib.analysis.quota.choose_plan`.
    booked
        Each rep's trailing bookings, by ``rep_id``
        (:func:`~salesops_lib.analysis.quota.rep_trailing_bookings`).
    per_year
        What turns ``booked`` into a year of bookings (4 / the quarters it covers).
    by_team
        False: the ``All reps`` row only (the reps have no teams).

    Returns
    -------
    DataFrame
        ``group`` (each team, then :data:`ALL_QUOTA_REPS`), ``booked`` (the same reps' trailing
        bookings), ``asked_quota``, ``asked_multiple`` (quota ÷ a year of those bookings:
        what the quota needs against last year's record), ``reachable_quota``,
        ``reachable_multiple``.
    """
    parts = []
    for name, plan in (("asked", choice.asked), ("reachable", choice.reachable_plan)):
        frame = plan.assign(booked=plan["rep_id"].map(booked).astype(float).fillna(0.0))
        rows = [quota.load_against_bookings(frame, None, per_year=per_year)]
        if by_team:
            rows.insert(0, quota.load_against_bookings(frame, "team", per_year=per_year))
        t = pd.concat(rows, ignore_index=True).set_index("group")
        parts.append(
            t[["booked", "quota", "multiple_of_booked"]].rename(
                columns={"quota": f"{name}_quota", "multiple_of_booked": f"{name}_multiple"}
            )
        )
    out = parts[0].join(parts[1].drop(columns="booked")).reset_index()
    # the total counts the reps given a quota, not the company's bookings (reps who left)
    out["group"] = out["group"].replace({"All reps": ALL_QUOTA_REPS})
    return out[[c.key for c in PLANS_SPEC.columns]]


def _plans_spec(trailing: pd.Series, teams_known: bool) -> TableSpec:
    """The plans table's columns, labelled for the quarters the bookings cover."""
    per = ratio_label(trailing).removeprefix("Quota ")
    spec = PLANS_SPEC.with_label("booked", booked_label(trailing))
    spec = spec.with_label("asked_multiple", f"As asked {per}")
    spec = spec.with_label("reachable_multiple", f"Reachable {per}")
    return spec if teams_known else spec.with_label("group", "Group")


_USE_WHY = {
    "in_band": "it puts a healthy share of reps at quota",
    "cut": "the target asked is out of reach, and the cut stays at or above a year of bookings "
    "and what the reps in seat are expected to book",
    "raise": "the target asked is too easy",
    "below_floor": "cutting the target to the reachable one would go below a year of bookings or "
    "what the reps in seat are expected to book",
    "no_backtest": "no back-test of the simulation supports changing the target",
    "pessimistic": "the back-test found the simulation too pessimistic to cut the target by",
    "optimistic": "the back-test found the simulation too optimistic to raise the target by",
}
"""Why the rule recommends its plan, by :func:`~salesops_lib.analysis.quota.plan_rule` code."""


def use_sentence(choice: quota.PlanChoice, fmt: MoneyFormat) -> str:
    """Which plan the quotas and letters use, and why: the rule's pick, or the one asked for.

    Parameters
    ----------
    choice
        :func:`salesops_lib.analysis.quota.choose_plan`, with ``use`` set (``rule``,
        ``asked`` or ``reachable``).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).

    Examples
    --------
    ``The quotas and letters use **the plan as asked** ($161M: target $146M × 1.10), the one
    the rule recommends, because cutting the target ... .``
    """
    used = choice_label(choice)
    lead = (
        f"The quotas and letters use {bold(used)} ({fmt(choice.quota)}: target "
        f"{fmt(choice.chosen_target)} × {choice.overassign:.2f})"
    )
    rule = "the reachable plan" if choice.reachable else "the plan as asked"
    why = _USE_WHY.get(choice.reason, "the rule keeps the target asked")
    if choice.use == "rule":
        return f"{lead}, the one the rule recommends, because {why}."
    forced = f'because this run sets use_plan to "{choice.use}"'
    if rule == used:
        return f"{lead} {forced}; the rule recommends it too, because {why}."
    return f"{lead} {forced}; the rule recommends {rule}, because {why}."


def _tradeoff_table(choice: quota.PlanChoice, currency: str) -> Table:
    """The plan as asked against the reachable plan: target, quota, load, reach, what is given up."""
    rows = []
    for label, plan, share, target, is_rec in (
        ("As asked", choice.asked, choice.share_asked, choice.target, not choice.reachable),
        (
            "Reachable (the band's middle)",
            choice.reachable_plan,
            choice.share_reachable,
            choice.reachable_target,
            choice.reachable,
        ),
    ):
        q = float(plan["quota"].sum())
        s = share.loc["All reps"]
        rows.append(
            {
                "plan": label,
                "target": target,
                "quota": q,
                "multiple_of_booked": q / choice.year_booked if choice.year_booked > 0 else np.nan,
                "share": float(s["share"]),
                "range": f"{pct(s['lo80'])}–{pct(s['hi80'])}",
                "given_up": target - choice.target,
                "recommended": "yes" if is_rec else "no",
            }
        )
    return Table(
        pd.DataFrame(rows),
        TRADEOFF_SPEC.with_label("given_up", "Change to the target"),
        "The plan as asked against the reachable plan",
        currency,
    )


def share_title(share: pd.DataFrame, band: tuple[float, float]) -> str:
    """The share chart's title: how many teams land in the band.

    Parameters
    ----------
    share
        The chosen plan's :func:`~salesops_lib.analysis.quota.share_at_quota` by team, with
        its groups in a ``group`` column (``All reps`` among them; ``share``, ``in_band``).
    band
        The healthy band.

    Returns
    -------
    str
        The title (it states the finding).
    """
    teams = share[share["group"] != "All reps"]
    k = int(teams["in_band"].sum())
    return (
        f"{k} of {count(len(teams), 'team')} expected in the healthy band "
        f"({_band(band)} of reps at quota; dashed: {pct(band[0])}), with 80% ranges"
    )


# ---------------------------------------------------------------------------------------
# fairness


def potential_sentence(fair: pd.DataFrame) -> str | None:
    """The spread of quota against potential per rep (None without potential).

    Parameters
    ----------
    fair
        :func:`salesops_lib.analysis.quota.fairness` of the chosen plan.

    Returns
    -------
    str or None
        The 10th and 90th percentile of quota ÷ potential; None without potential or with
        fewer than two reps.
    """
    if "quota_to_potential" not in fair:
        return None
    spread = fair["quota_to_potential"].replace([np.inf, -np.inf], np.nan).dropna()
    if len(spread) < 2:
        return None
    lo, hi = spread.quantile(0.1), spread.quantile(0.9)
    return (
        f"Per rep, quota ÷ potential runs from {lo:.2f}× (10th percentile) to {hi:.2f}× (90th); "
        "1.0× means the rep's share of quota equals the territory's share of potential."
    )


def spread_sentence(share: pd.DataFrame) -> str | None:
    """The lowest and highest team's expected share at quota (None for one team).

    Parameters
    ----------
    share
        The chosen plan's :func:`~salesops_lib.analysis.quota.share_at_quota` by team, with
        its groups in a ``group`` column (``All reps`` among them; ``share``, ``in_band``).

    Returns
    -------
    str or None
    """
    teams = share[share["group"] != "All reps"]
    if len(teams) < 2:
        return None
    lo = teams.loc[teams["share"].idxmin()]
    hi = teams.loc[teams["share"].idxmax()]
    return (
        f"Across teams the expected share at quota runs from {pct(lo['share'])} ({lo['group']}) "
        f"to {pct(hi['share'])} ({hi['group']})."
    )


def load_spread_sentence(
    check: pd.DataFrame,
    names: pd.Series,
    teams: pd.DataFrame | None,
    *,
    span: str,
    tolerance: float = quota.LOAD_TOLERANCE,
) -> str | None:
    """How far quota ÷ trailing bookings spreads across reps and teams; the extremes named.

    Parameters
    ----------
    check
        :func:`salesops_lib.analysis.quota.load_check` (``rep_id, multiple, peer, beyond``).
    names
        Each rep's name by ``rep_id``.
    teams
        ``team, multiple_of_booked`` per team over the same reps as the spread: those past
        their ramp all that time with something booked (the sentence says how many other
        reps of ``check`` the team table counts too; None: no teams).
    span
        What the bookings cover (``booked 2025Q2–2026Q1``, ``a year at the pace of
        2017Q2–2017Q4``).
    tolerance
        How far from the median a rep or team is named.

    Returns
    -------
    str or None
        None with fewer than two reps past their ramp with bookings.

    Examples
    --------
    ``Quota ÷ what the rep booked 2025Q2–2026Q1 runs from 0.67× (Tom O'Reilly) to 3.05×
    (Lars Øvergård) across the 11 reps past their ramp all that time, median 1.10×; 5 lie
    more than 25% from it. Across teams, for those same reps (the team table also counts the
    other 3 reps, with less than a year's record or nothing booked), it runs from 0.85×
    (Enterprise) to 1.38× (Commercial East): Commercial East carries 1.62× the load of
    Enterprise against what each booked.``
    """
    peers = check[check["peer"].astype(bool)]
    if len(peers) < 2:
        return None
    med = float(peers["multiple"].median())
    lo = peers.loc[peers["multiple"].idxmin()]
    hi = peers.loc[peers["multiple"].idxmax()]
    tol = pct(tolerance)
    out_n = int(peers["beyond"].sum())
    label = {r: str(names.get(r, r)) for r in peers["rep_id"]}
    text = f"Quota ÷ {span} "
    if out_n:
        text += (
            f"runs from {bold(f'{lo.multiple:.2f}×')} ({label[lo.rep_id]}) to "
            f"{bold(f'{hi.multiple:.2f}×')} ({label[hi.rep_id]}) across the "
            f"{count(len(peers), 'rep')} past their ramp all that time, median {med:.2f}×; "
            f"{out_n:,} {'lies' if out_n == 1 else 'lie'} more than {tol} from it, so the "
            "load is not even."
        )
    else:
        text += (
            f"runs from {lo.multiple:.2f}× to {hi.multiple:.2f}× across the "
            f"{count(len(peers), 'rep')} past their ramp all that time, every one within {tol} "
            f"of the median {med:.2f}×."
        )
    if teams is not None:
        t = teams[np.isfinite(teams["multiple_of_booked"].astype(float))]
        if len(t) > 1:
            tlo = t.loc[t["multiple_of_booked"].astype(float).idxmin()]
            thi = t.loc[t["multiple_of_booked"].astype(float).idxmax()]
            far = float(thi.multiple_of_booked) / float(tlo.multiple_of_booked) > (1 + tolerance)
            others = len(check) - len(peers)
            also = (
                f" (the team table's column for reps past ramp all year; its column for all its "
                f"reps also counts the other {count(others, 'rep')}, with less than a year's "
                "record or nothing booked)"
                if others
                else ""
            )
            text += (
                f" Across teams, for those same reps{also}, it "
                f"runs from {float(tlo.multiple_of_booked):.2f}× ({tlo.team}) to "
                f"{float(thi.multiple_of_booked):.2f}× ({thi.team})"
                + (
                    f": {thi.team} carries {bold(f'{float(thi.multiple_of_booked) / float(tlo.multiple_of_booked):.2f}×')} "
                    f"the load of {tlo.team} against what each booked."
                    if far
                    else f", within {tol} of each other."
                )
            )
    return text


def new_rep_sentence(
    check: pd.DataFrame, letters: pd.DataFrame, *, as_of: pd.Timestamp
) -> str | None:
    """The letters of reps with less than a year's record whose quota is far above it, and why.

    Parameters
    ----------
    check
        :func:`salesops_lib.analysis.quota.load_check` (``rep_id, multiple, relative,
        seat_start, months_in_seat, flag``).
    letters
        The letters (``rep_id, rep_name``).
    as_of
        The planning date.

    Returns
    -------
    str or None
        None when no letter is flagged; up to five reps are named.
    """
    flagged = check[check["flag"].astype(bool)]
    if flagged.empty:
        return None
    names = letters.set_index("rep_id")["rep_name"].astype(str)
    parts = []
    for r in flagged.sort_values("relative", ascending=False).head(5).itertuples():
        since = (
            "" if pd.isna(r.seat_start) else f", in seat since {pd.Timestamp(r.seat_start).date()}"
        )
        parts.append(f"{names.get(r.rep_id, r.rep_id)} ({r.multiple:.1f}× what they booked{since})")
    more = [f"{len(flagged) - 5} more"] if len(flagged) > 5 else []
    k = len(flagged)
    med = float(check.loc[check["peer"].astype(bool), "multiple"].median())
    return (
        f"{bold(count(k, 'letter'))} {'asks' if k == 1 else 'ask'} of a rep with less than a "
        f"year's record on {as_of.date()} at least {quota.NEW_REP_MULTIPLE:.0f}× the median "
        f"rep's quota ÷ bookings ({med:.2f}×): {listing(parts + more)}. Their bookings cover only "
        "part of the year, so the quota rests more on their peers' figures than on their own; "
        f"the Check column of the letters flags {'it' if k == 1 else 'them'} for a look before "
        f"{'it goes' if k == 1 else 'they go'} out."
    )


def change_sentence(fair: pd.DataFrame, fmt: MoneyFormat) -> str | None:
    """How the quotas of reps with a full previous year change; which outgrow their territory.

    The change is that of the reps with a quota in every quarter of the previous year only
    (:func:`salesops_lib.analysis.quota.company_change`), so the sentence names them, their
    quotas then and now, and how many reps it leaves out.

    Parameters
    ----------
    fair
        :func:`salesops_lib.analysis.quota.fairness` of the chosen plan.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence; None when no rep had a quota in every quarter of the previous year.

    Examples
    --------
    ``The 53 reps with a quota in every quarter of the previous year get $150M, 20.7% more
    than their $125M then (the other 6 reps did not, and are left out). 3 reps' quotas rose
    more than 25 points faster than both that 20.7% and their territory's bookings (trailing
    four quarters over the four before).``
    """
    had = fair["change"].notna()
    if not had.any():
        return None
    n, rest = int(had.sum()), int((~had).sum())
    now = float(fair.loc[had, "quota"].sum())
    then = float(fair.loc[had, "previous_quota"].sum())
    change = quota.company_change(fair)
    how = f"{pct(abs(change), 1)} {'more' if change >= 0 else 'less'} than"
    if round(abs(change), 3) == 0:
        how = "the same as"
    who = "The 1 rep" if n == 1 else f"The {n:,} reps"
    left = (
        ""
        if rest == 0
        else " (the other rep did not, and is left out)"
        if rest == 1
        else f" (the other {rest:,} reps did not, and are left out)"
    )
    k = int(fair["flag_outgrows_territory"].sum())
    whose = {0: "No rep's quota", 1: "1 rep's quota"}.get(k, f"{k:,} reps' quotas")
    their = "their territory" if k > 1 else "the rep's territory"
    return (
        f"{who} with a quota in every quarter of the previous year "
        f"{'gets' if n == 1 else 'get'} {fmt(now)}, {how} "
        f"{'its' if n == 1 else 'their'} {fmt(then)} then{left}. {whose} rose more than 25 "
        f"points faster than both that {pct(change, 1)} and {their}'s bookings (trailing four "
        "quarters over the four before)."
    )


def _outgrowing(fair: pd.DataFrame, currency: str) -> Table | None:
    flagged = fair[fair["flag_outgrows_territory"]].reset_index(drop=True)
    if flagged.empty:
        return None
    return Table(flagged, OUTGROW_SPEC, "Quotas that outgrow their territory", currency)


# ---------------------------------------------------------------------------------------
# split


def split_sentence(
    split: pd.DataFrame, years: list[int], *, ramping: int = 0, blend: str | None = None
) -> str:
    """What the year's split rests on, each quarter's seasonal share, and the ramp's effect.

    Parameters
    ----------
    split
        :func:`salesops_lib.analysis.quota.quarter_split` (``quarter, seasonal_share``).
    years
        The fiscal years behind the seasonality (empty: an even split).
    ramping
        Reps still ramping (their quotas move the quarter totals off the seasonal shares).
    blend
        Why the monthly split was blended halfway toward even
        (:func:`salesops_lib.analysis.quota.season_blend`; None: it was not).

    Returns
    -------
    str
        The sentence.
    """
    shares = ", ".join(
        f"{q} {pct(v)}" for q, v in zip(split["quarter"], split["seasonal_share"], strict=True)
    )
    if years:
        fys = listing([f"FY{y}" for y in sorted(years)])
        how = "the average monthly share" if len(years) > 1 else "the monthly share"
        if blend == "one_year":
            lead = (
                f"The year splits by the quarterly share of bookings in {fys}, each quarter's "
                "months alike, blended halfway toward an even split, because one year is too "
                "little to tell a season from chance (one year's month rests on a few deals)"
            )
        elif blend == "implausible":
            lead = (
                f"The year splits by {how} of bookings in {fys}, blended halfway toward an even "
                f"split, because a month held under {pct(quota.SEASON_PLAUSIBLE[0] / 12, 1)} or "
                f"over {pct(quota.SEASON_PLAUSIBLE[1] / 12, 1)} of the year"
            )
        else:
            lead = f"The year splits by {how} of bookings in {fys}"
        text = f"{lead}; quarter shares: {shares}."
    else:
        text = (
            "The year is split evenly across its months, because the data holds no complete "
            f"fiscal year of bookings; quarter shares: {shares}."
        )
    if ramping:
        text += (
            f" The {count(ramping, 'ramping rep')}' quotas follow the ramp, so quarter totals "
            "differ slightly from the seasonal shares."
            if ramping > 1
            else " The ramping rep's quota follows the ramp, so quarter totals differ slightly "
            "from the seasonal shares."
        )
    return text


def split_caption(years: list[int]) -> str:
    """The quarter table's caption: what its seasonal shares rest on.

    The table travels alone, into the key-tables workbook, without the sentence above it.

    Parameters
    ----------
    years
        The complete fiscal years behind the seasonality (:func:`~salesops_lib.analysis.quota.complete_years`).

    Returns
    -------
    str

    Examples
    --------
    >>> split_caption([2025])
    'Company quota by quarter (seasonal shares from FY2025 alone, one year, blended halfway toward even)'
    """
    if not years:
        return "Company quota by quarter (an even split: no complete fiscal year of bookings)"
    fys = listing([f"FY{y}" for y in sorted(years)])
    if len(years) < quota.SEASON_MIN_YEARS:
        return (
            f"Company quota by quarter (seasonal shares from {fys} alone, one year, blended "
            "halfway toward even)"
        )
    return f"Company quota by quarter (seasonal shares, the average of {fys})"


def months_title(months: pd.DataFrame, plan_label: str, from_history: bool) -> str:
    """The month chart's title: the heaviest month, or an even split.

    Parameters
    ----------
    months
        :func:`salesops_lib.analysis.quota.month_split` (``month, share``).
    plan_label
        The plan period's name.
    from_history
        The shares come from complete fiscal years (else they are even).

    Returns
    -------
    str
        The title (it states the finding).
    """
    if not from_history:
        return f"Each month carries an even share of the {plan_label} quota (no complete year of history)"
    top = months.loc[months["share"].idxmax()]
    level = months[months["share"].map(pct) == pct(top["share"])]  # alike as shown
    if len(level) > 1:
        return (
            f"{listing([str(m) for m in level['month']])} carry the largest share of the "
            f"{plan_label} quota ({pct(top['share'])} each, seasonal share from history)"
        )
    return (
        f"{top['month']} carries the largest share of the {plan_label} quota ({pct(top['share'])}, "
        "seasonal share from history)"
    )


# ---------------------------------------------------------------------------------------
# letters


def example_letter(letters: Table, rep: str | None = None) -> Table:
    """One rep's letter as Item / Value rows (the first rep by name unless ``rep`` is given).

    The items are the letter's own columns, labelled and formatted as the exported files
    label them.

    Parameters
    ----------
    letters
        The letters table (its frame: :func:`salesops_lib.analysis.quota.letters`).
    rep
        A ``rep_name`` among them (one that is not raises ``IndexError``).

    Returns
    -------
    Table
        ``item, value`` rows, without the rep id and the deal counts.
    """
    f = letters.frame
    row = f.sort_values("rep_name").iloc[0] if rep is None else f[f["rep_name"] == rep].iloc[0]
    skip = {"rep_id", "deals", "won"}
    items = [c for c in letters.shown_columns() if c.key not in skip]
    frame = pd.DataFrame(
        {
            "item": [c.label for c in items],
            "value": [format_value(row[c.key], c.fmt, letters.currency) for c in items],
        }
    )
    return Table(frame, EXAMPLE_SPEC, f"Example letter ({row['rep_name']}, first rep by name)")


def history_sentence(letters: pd.DataFrame, quarters: int = 4) -> str:
    """Which letters go to reps with no record of their own (names them), and how many are new.

    Parameters
    ----------
    letters
        :func:`salesops_lib.analysis.quota.letters` with the history columns
        (``rep_name, no_history, history``: :data:`~salesops_lib.analysis.quota.NO_WIN`,
        :data:`~salesops_lib.analysis.quota.NO_RAMPED_QUARTER` and
        :data:`~salesops_lib.analysis.quota.SHORT_RECORD` are counted; ``short_record``
        when present: every rep with deals not ramped in all trailing quarters).
    quarters
        The trailing quarters a full record is ramped in (four; fewer when the data holds
        fewer complete quarters).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first); up to five reps are named.
    """
    none = letters[letters["no_history"].astype(bool)]
    unwon = int((letters["history"] == quota.NO_WIN).sum())
    young = int((letters["history"] == quota.NO_RAMPED_QUARTER).sum())
    if "short_record" in letters:  # every letter of a rep not ramped in all trailing quarters
        has_deals = ~letters["no_history"].astype(bool)
        short = int((letters["short_record"].astype(bool) & has_deals).sum())
    else:
        short = int(letters["history"].astype("str").str.startswith(quota.SHORT_RECORD).sum())
    n = len(letters)
    if none.empty:
        text = f"Every one of the {count(n, 'letter')} goes to a rep with deals in the data"
    else:
        names = sorted(none["rep_name"].astype(str))
        shown = listing(names[:5] + ([f"{len(names) - 5} more"] if len(names) > 5 else []))
        text = (
            f"{bold(count(len(none), 'letter'))} {'goes' if len(none) == 1 else 'go'} to "
            f"{'a rep' if len(none) == 1 else 'reps'} with no deal in the data ({shown}): "
            f"{'its quota comes' if len(none) == 1 else 'their quotas come'} from their peers' "
            "figures, not from a record of their own; the History column flags "
            f"{'it' if len(none) == 1 else 'them'}"
        )
    others = []
    if unwon:
        others.append(f"{count(unwon, 'rep')} {'has' if unwon == 1 else 'have'} not won a deal yet")
    if young:
        others.append(
            f"{count(young, 'rep')} {'has' if young == 1 else 'have'} no full quarter after ramp"
        )
    tail = f"; {listing(others)}" if others else ""
    if short:
        tail += (
            f". {bold(count(short, 'letter'))} {'goes' if short == 1 else 'go'} to "
            f"{'a rep' if short == 1 else 'reps'} with deals but less than a year's record "
            f"after ramp (not ramped in every one of the last {count(quarters, 'quarter')}"
            f"{', all the data holds' if quarters < 4 else ''}): "
            f"{'its quota rests' if short == 1 else 'their quotas rest'} partly on their peers' "
            "figures; the History column says how many quarters"
        )
    return text + tail + "."


def letters_what(letters: Table) -> str:
    """What the letters hold, from the columns they have (never a column they lack).

    Parameters
    ----------
    letters
        The quota letters' table (its shown columns).

    Returns
    -------
    str
        ``A quota letter per rep, with`` and the columns in words (:data:`LETTER_WORDS`),
        without a full stop.
    """
    keys = {c.key: c for c in letters.shown_columns()}
    words = []
    for k in LETTER_WORDS:
        if k == "quarters":
            if any(c.startswith("quota_") and c[6:10].isdigit() for c in keys):
                words.append(LETTER_WORDS[k])
        elif k == "booked" and k in keys:
            words.append(f"bookings of {keys[k].label.removeprefix('Booked ')}")
        elif k == "multiple_of_booked" and k in keys:
            words.append(keys[k].label.lower())
        elif k in keys:
            words.append(LETTER_WORDS[k])
    return "A quota letter per rep, with " + listing(words)


# ---------------------------------------------------------------------------------------
# back-test


def backtest_sentence(bt: quota.YearBacktest | None, fmt: MoneyFormat) -> str | None:
    """Each plan of the back-tested year, simulated against what the reps in seat all year booked.

    Parameters
    ----------
    bt
        :func:`salesops_lib.analysis.quota.backtest_year` on the last complete fiscal year;
        None: no back-test (the section's gap says why).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first), with which plan the rule would have
        recommended then; None without a back-test.
    """
    if bt is None:
        return None
    a = bt.asked
    text = (
        f"Quotas proposed for FY{bt.year} with data up to {bt.as_of.date()} (target: that day's "
        f"forecast, {fmt(bt.target)}), against what the {count(bt.reps, 'rep')} in seat all year "
        f"then booked: as asked, simulated {bold(pct(a.share))} at quota, realized "
        f"{bold(pct(a.realized))}"
    )
    if len(bt.rows) > 1:
        r = bt.rows[1]
        text += f"; the reachable plan, simulated {pct(r.share)}, realized {pct(r.realized)}"
    rec = "the reachable plan" if bt.recommended.plan == "reachable" else "the plan as asked"
    why = {
        "below_floor": "the cut would have gone below a year of bookings or what the reps were "
        "expected to book",
        "in_band": "it was inside the healthy band",
    }.get(bt.reason)
    return text + f". The rule would have recommended {rec} then" + (f" ({why})." if why else ".")


def verdict_sentence(bt: quota.YearBacktest | None) -> str | None:
    """Whether the back-test found the simulation fair, too pessimistic or too optimistic.

    Parameters
    ----------
    bt
        :func:`salesops_lib.analysis.quota.backtest_year` on the last complete fiscal year;
        None: no back-test (the section's gap says why).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first), with whether a change of the target
        may be weighed by the simulation; None without a back-test.
    """
    if bt is None:
        return None
    v = bt.verdict
    pts = round(quota.BIAS_POINTS * 100)
    rows = [r for r in bt.rows if np.isfinite(r.realized)]
    if v == "fair":
        return (
            "Each realized share lies inside its simulated 80% range, and not every plan's is "
            f"{pts} points or more off the same way: the simulation is fair enough on this data "
            "to weigh a change of the target by."
        )
    off = [r for r in rows if r.realized > r.hi80 or r.realized < r.lo80]
    bias = (
        f"; the reps in seat all year booked {bt.bias:.2f}× what it expected"
        if np.isfinite(bt.bias)
        else ""
    )

    def _case(r: quota.BacktestRow) -> str:
        gap = round((r.realized - r.share) * 100)
        return (
            f"{r.plan}: {pct(r.share)} simulated, {pct(r.realized)} realized, "
            f"{abs(gap)} points {'more' if gap > 0 else 'fewer'}"
        )

    if v in ("pessimistic", "optimistic"):
        word = "above" if v == "pessimistic" else "below"
        where = (
            f"The realized share lies {word} the simulated 80% range"
            if off
            else f"Every plan's realized share lies {pts} points or more {word} its simulated share"
        )
        cases = "; ".join(_case(r) for r in (off or rows))
        change = "cut" if v == "pessimistic" else "raise"
        return (
            f"{where} ({cases}){bias}: the simulation is {bold(f'too {v}')} on this data, so no "
            f"{change} of the target is recommended from it"
            + (
                ", and the share at quota above is also shown corrected by that bias."
                if bias
                else "."
            )
        )
    cases = listing([_case(r) for r in off])
    return (
        f"The realized shares fall outside the simulated 80% ranges both ways ({cases}): the "
        "simulation is not reliable on this data, so no change of the target is recommended from it."
    )


def _backtest_table(bt: quota.YearBacktest, currency: str) -> Table:
    frame = pd.DataFrame(
        [
            {
                "plan": f"FY{bt.year} {r.plan}",
                "target": r.target,
                "quota": r.quota,
                "share": r.share,
                "range": f"{pct(r.lo80)}–{pct(r.hi80)}",
                "realized": r.realized,
                "reps": bt.reps,
                "recommended": "yes" if r.recommended else "no",
            }
            for r in bt.rows
        ]
    )
    return Table(frame, BACKTEST_SPEC, "", currency)


# ---------------------------------------------------------------------------------------
# findings and definitions


def _plan_name(choice: quota.PlanChoice, plan_label: str) -> str:
    """``the FY2027 plan as asked`` or ``the reachable FY2027 plan``: the quotas handed out."""
    return (
        f"the reachable {plan_label} plan"
        if choice.uses_reachable
        else f"the {plan_label} plan as asked"
    )


def _hard_clause(sim: pd.DataFrame, hard: pd.DataFrame, fmt: MoneyFormat) -> tuple[str, float]:
    """``42 of 59 reps have less than a 30% chance of reaching their proposed quota, ...``.

    Parameters
    ----------
    sim : pandas.DataFrame
        :func:`quota.simulate_attainment` of the quotas handed out: ``quota``.
    hard : pandas.DataFrame
        Its rows below :data:`HARD_CHANCE`: ``quota``, ``expected_bookings``.
    fmt : MoneyFormat
        Formats money.

    Returns
    -------
    tuple of (str, float)
        The clause and the money at stake: what those reps are expected to book short of
        their quotas (quota minus expected bookings, summed over them, none below 0).
    """
    short = float((hard["quota"] - hard["expected_bookings"]).clip(lower=0).sum())
    total = int((sim["quota"] > 0).sum())
    clause = (
        f"{len(hard):,} of {count(total, 'rep')} with a proposed quota "
        f"{'has' if len(hard) == 1 else 'have'} less than a {pct(HARD_CHANCE)} chance of "
        f"reaching it: they are expected to book {bold(fmt(short))} less than their "
        f"{fmt(float(hard['quota'].sum()))} of quota"
    )
    return clause, short


def hard_sentence(sim: pd.DataFrame, hard: pd.DataFrame, fmt: MoneyFormat) -> str | None:
    """The reps unlikely to reach their quota and what they are expected to book short of it.

    Parameters
    ----------
    sim : pandas.DataFrame
        :func:`quota.simulate_attainment` of the quotas handed out: ``quota``.
    hard : pandas.DataFrame
        Its rows below :data:`HARD_CHANCE`: ``quota``, ``expected_bookings``.
    fmt : MoneyFormat
        Formats money.

    Returns
    -------
    str or None
        The sentence the summary's reach finding links to; None when no rep is below
        :data:`HARD_CHANCE`.

    Examples
    --------
    >>> sim = pd.DataFrame({"quota": [100.0, 100.0, 50.0]})
    >>> hard = pd.DataFrame({"quota": [100.0], "expected_bookings": [60.0]})
    >>> hard_sentence(sim, hard, money_in("USD"))
    '1 of 3 reps with a proposed quota has less than a 30% chance of reaching it: they are expected to book **$40** less than their $100 of quota.'
    """
    if not len(hard):
        return None
    return f"{_hard_clause(sim, hard, fmt)[0]}."


def _reach_finding(
    choice: quota.PlanChoice,
    sim: pd.DataFrame,
    hard: pd.DataFrame,
    fmt: MoneyFormat,
    plan_label: str,
) -> Finding | None:
    """The plan outside the healthy band and the reps unlikely to reach quota, in one finding.

    Parameters
    ----------
    choice : quota.PlanChoice
        The plans and which one the letters carry.
    sim, hard : pandas.DataFrame
        See :func:`_hard_clause`.
    fmt : MoneyFormat
        Formats money.
    plan_label : str
        The plan period (``FY2027``): the quotas are next year's proposal, not the data's.

    Returns
    -------
    Finding or None
        None when the plan is in the band and every rep has a fair chance. Ranked on the
        expected shortfall of the unlikely reps when there are some (the same problem as the
        band, said once), else on the change of target the band needs.
    """
    hard_text, short = _hard_clause(sim, hard, fmt) if len(hard) else ("", 0.0)
    if choice.in_band:
        if not len(hard):
            return None
        return Finding(f"Under {_plan_name(choice, plan_label)}, {hard_text}.", short, REACH)
    change = float(choice.reachable_target - choice.target)
    share = pct(choice.share_asked.loc["All reps", "share"])
    if choice.uses_reachable:
        which = "the letters carry that plan"
    elif choice.reachable:
        which = "the letters carry the plan as asked all the same, as this run asks"
    else:
        which = (
            f"the plan as asked is recommended all the same, outside the band {_band(choice.band)}"
        )
    gap = fmt(abs(change))
    way = "lower" if change < 0 else "higher"
    band = f"the healthy band needs a target {gap if len(hard) else bold(gap)} {way}"
    asked = f"The {plan_label} plan as asked puts {share} of reps at quota"
    if not len(hard):
        text = f"{asked}; {band}, and {which}."
    elif choice.uses_reachable:
        text = f"{asked}; {band}, and {which}. Under it, {hard_text}."
    else:
        text = f"{asked} and {hard_text}; {band}, and {which}."
    return Finding(text, short if len(hard) else abs(change), REACH)


def _findings(
    choice: quota.PlanChoice,
    trailing: pd.Series,
    basis: _Basis,
    fmt: MoneyFormat,
    *,
    plan_label: str,
    target: quota.PlanTarget | None = None,
) -> list[Finding]:
    out = []
    year = quota.year_of_bookings(trailing)
    if len(trailing) and choice.quota < year:
        short = float(year - choice.quota)
        out.append(
            Finding(
                f"The proposed {plan_label} company quota ({fmt(choice.quota)}) is "
                f"{bold(fmt(short))} below a year of bookings.",
                short,
                CARRY,
            )
        )
    if target is not None and not target.plausible and target.amount is not None:
        gap = abs(float(target.amount - target.year_booked))
        out.append(
            Finding(
                f"The {plan_label} target ({fmt(target.amount)}) implies "
                f"{pct(target.implied_growth)} against a year of bookings: "
                f"{bold('more change than the data shows')}.",
                gap,
                CARRY,
            )
        )
    reach = _reach_finding(choice, basis.sim, basis.hard, fmt, plan_label)
    if reach is not None:
        out.append(reach)
    letters = basis.letters
    none = letters[letters["no_history"].astype(bool)]
    if len(none):
        out.append(
            Finding(
                f"{count(len(none), 'quota letter')} ({fmt(none['quota'].sum())}) go to reps with "
                "no deal in the data.",
                float(none["quota"].sum()),
                LETTERS,
            )
        )
    return sorted(out, key=lambda f: -f.at_stake)


_PLAN_TERMS: tuple[tuple[str, str], ...] = (
    (
        "Target",
        "The company bookings goal for the plan year: set by hand, or the year-ahead "
        "forecast of quarterly bookings grown by the growth parameter. A seasonal model "
        "(Holt-Winters, which models trend and seasons, else seasonal ARIMA) needs eight "
        "complete quarters, two full "
        "years; with four to seven the target is the run-rate of the last four quarters, "
        "with two or three their average times four.",
    ),
    (
        "Quarters used",
        "The complete quarters up to the planning date that the target, the trailing "
        "bookings and each rep's productivity rest on: from the first quarter the data "
        "holds in full, less leading quarters whose bookings are under a quarter of the "
        "median of the later quarters (a CRM's first quarter often holds only a few "
        "migrated deals).",
    ),
    (
        "A year of bookings",
        "The bookings of the last four quarters used; with fewer in the data, their "
        "average times four.",
    ),
    (
        "In-seat reps expected to book",
        "What the reps given a quota are expected to book in the plan year at their "
        "ramp-adjusted trailing productivity: each rep's bookings per fully ramped quarter "
        "over the trailing quarters (shrunk toward their role's average when their record is "
        "short, carried forward by the company's productivity trend), times each plan "
        "quarter's seasonality, times the rep's ramp factor that quarter. It differs from "
        "the trailing bookings: reps who left are not in it, and ramping reps count at full "
        "productivity once ramped.",
    ),
    (
        "Over-assignment",
        "Quotas add up to the target times this factor, so the company can reach its "
        "target while some reps miss.",
    ),
    ("Company quota", "The sum of every rep's quota: target × over-assignment, to the cent."),
    (
        "Possibly inactive",
        "A rep without an end date who has no deal in the data, or has created or closed "
        "none (and logged no activity) in the six months to the planning date, and whom "
        "no hire date in those months or quota for the coming quarters shows in seat: "
        "left out of the quotas and the simulation.",
    ),
    (
        "Even",
        "Every rep of the same role and segment carries the same full-ramp quota; each "
        "role and segment carries its share of the last four quarters' bookings, so an "
        "SMB rep does not carry an Enterprise AE's quota.",
    ),
    (
        "Historical share",
        "The rep's bookings per fully ramped quarter over the trailing four quarters, "
        "divided by the quarter's seasonal index; reps without a ramped quarter get "
        "the median of their role and segment.",
    ),
    (
        "Potential",
        "Each segment's trailing-year bookings spread over its accounts by annual "
        "revenue (employees when revenue is missing), summed over the rep's territory "
        "and divided among the reps who cover it.",
    ),
    (
        "Capacity",
        "Ramp-adjusted headcount times productivity: each rep carries the median "
        "bookings per ramped quarter of their role and segment, reduced by the ramp.",
    ),
    (
        "Blend",
        "40% historical, 30% capacity, 20% potential, 10% even; a method the data "
        "cannot support drops out and the rest are re-weighted.",
    ),
    (
        "Ramp",
        "Share of a full quota carried in each month of tenure, counted from the hire "
        "date (the first month of tenure runs from the hire date to the day before the "
        "same date a month later); a calendar month's share averages its days, and "
        "after the schedule the rep carries 100%.",
    ),
    (
        "Ramp share of the year",
        "The rep's quota divided by what the same rep would carry fully ramped all year.",
    ),
    (
        "Quota ÷ booked",
        "The plan year's quota divided by the bookings of the same rep (or team, or "
        "role and segment) over the last four quarters used; a rep hired during those "
        "quarters booked less than a year, so theirs reads higher.",
    ),
    (
        "History",
        "What the rep's record holds by the planning date: no deals in the data, no deal "
        "won yet, no full quarter after ramp, or less than a year after ramp (ramped in only "
        "some of the last four quarters, or of all the data holds when it holds fewer: the "
        "number is given); otherwise the deals won of the deals owned. Quotas of reps without "
        "a record come from their peers' figures, and of reps short of a year partly so.",
    ),
    (
        "Seasonality",
        "Each month's average share of a fiscal year's bookings over the last complete "
        "fiscal years (up to three).",
    ),
    (
        "Expected share at quota",
        "A simulation (Monte Carlo, 5,000 draws): each rep's bookings per quarter from a gamma "
        "distribution around the rep's trailing eight-quarter level (shrunk toward the "
        "role and segment), with its quarter-to-quarter spread, uncertainty in the rep's "
        "level and a market factor common to all reps; the share of reps with bookings "
        "at or above quota, averaged over draws. It is compared with the band as shown, "
        "in whole percent.",
    ),
)
"""Report 04's terms from the target to the simulation (before the band's own)."""

_CHECK_TERMS: tuple[tuple[str, str], ...] = (
    (
        "Recommended plan",
        "The plan as asked when it is inside the band. Otherwise the reachable plan only "
        "when the back-test finds the simulation fair (not far too pessimistic for a cut, "
        "nor far too optimistic for a raise) and, for a cut, the reachable target stays "
        "at or above both a year of bookings and what the reps in seat are expected to "
        "book; else the plan as asked, with the trade-off shown.",
    ),
    (
        "Quota ÷ a year of company bookings",
        "The company quota divided by a year of the company's bookings, reps who left "
        "included; the team tables' ratios count only the reps given a quota.",
    ),
    (
        "Quota ÷ potential",
        "The rep's (or team's) share of the company quota divided by its share of "
        "territory potential.",
    ),
    (
        "Territory growth",
        "The territory's bookings in the trailing four quarters over the four before.",
    ),
    (
        "Change",
        "This year's quota over the previous year's, for reps with a quota in every "
        "quarter of the previous year.",
    ),
    (
        "Reps in seat all year",
        "Reps hired (without a hire date: with a first deal) by the back-tested year's "
        "first day and neither gone nor six months without a deal before its last day.",
    ),
)
"""Report 04's terms from the recommended plan to the back-test (after the band's own)."""


def _definitions(method: str, band: tuple[float, float]) -> dict[str, str]:
    """Report 04's definitions: the shared term, its own, the band and the reachable plan."""
    mid = pct(float(np.mean(band)), 1)
    band_terms = {
        "Healthy band": f"{_band(band)} of reps expected at or above quota.",
        "Reachable plan": (
            "Every quota scaled by one factor so the expected share at quota is "
            f"{mid}, the band's middle: shown beside the plan as asked with what it changes "
            "in the target."
        ),
    }
    return pick("Bookings", **(dict(_PLAN_TERMS) | band_terms | dict(_CHECK_TERMS)))
