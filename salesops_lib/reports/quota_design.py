"""Report 04, quota design: how much must each rep carry next year, and can enough of them make it?

:func:`build` returns a :class:`QuotaDesign`: the plan for the fiscal year after the
reported quarter (target, method, over-assignment, ramp), the quotas per team and rep, the
simulated share of reps who can reach them, which plan the letters carry (the plan as
asked, or the reachable plan: :func:`salesops_lib.analysis.quota.choose_plan`), fairness
across teams and territories, the split across quarters and months, the letters and a
back-test on the last complete year. Every sentence is a function of the numbers beside
it (tested in ``tests/test_reports_quota_design.py``).

Quotas need no quotas table: they are proposed from bookings history. The data's own
quotas are needed only to compare with last year's; without them that part says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib.analysis import quota
from salesops_lib.data import SalesData
from salesops_lib.errors import ConfigError, SalesOpsDataError
from salesops_lib.format import pct
from salesops_lib.reports.base import (
    NO_QUOTAS,
    Finding,
    Gap,
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
    status_of,
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
    "ets_quarterly": "Holt-Winters (trend and seasons) on quarterly bookings",
    "arima_quarterly": "a seasonal ARIMA model of quarterly bookings",
    "mean_last4": "the average of the last four quarters' bookings, times four",
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
    "add an accounts table (accounts.csv with account_id, segment, annual_revenue or "
    "employees, territory) so territory potential can be measured"
)
NO_BACKTEST_YEAR = "bookings history for a back-test"

TEAM_SPEC = TableSpec(
    (
        Column("team", "Team"),
        Column("even_share", "Even", "pct"),
        Column("historical_share", "Historical", "pct"),
        Column("potential_share", "Potential", "pct"),
        Column("capacity_share", "Capacity", "pct"),
        Column("share", "Chosen share", "pct"),
        Column("quota", "Quota", "money"),
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
        Column("reps", "Reps who stayed", "int"),
    )
)
EXAMPLE_SPEC = TableSpec((Column("item", "Item"), Column("value", "Value")))
REP_COLUMNS = (
    "rep_name",
    "team",
    "hire_date",
    "quota",
    "ramp_share_of_full_year",
    "previous_quota",
    "change_from_previous",
    "history",
)
"""The letter columns the quota-per-rep table shows (the letters hold them all)."""


def letter_spec(quarters: list[str], plan_label: str) -> TableSpec:
    """The columns of a quota letter (the exported files and the page share them).

    Parameters
    ----------
    quarters
        The plan's quarters (one quota column each).
    plan_label
        The plan period's name (``FY2027``), in the quota column's label.

    Returns
    -------
    TableSpec
        Rep, team, role, hire date, plan period, quota and quota by quarter, ramp share,
        previous quota and change, basis, and the record (deals, won, history).
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
            Column("previous_quota", "Previous quota", "money"),
            Column("change_from_previous", "Change", "pct"),
            Column("basis", "Basis"),
            Column("deals", "Deals so far", "int"),
            Column("won", "Won so far", "int"),
            Column("history", "History"),
        ),
        max_rows=30,
        ends=True,
    )


@dataclass(frozen=True)
class QuotaDesign:
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
    choice: quota.PlanChoice | None
    tiles: list[Tile]
    allocation_sentence: str | None
    trailing: pd.Series
    trailing_sentence: str | None
    by_team: Table | None
    team_chart: pd.DataFrame | None
    team_title: str
    reps: Table | None
    ramp_sentence: str | None
    band_sentence: str | None
    choice_sentence: str | None
    share: Table | None
    share_chart: pd.DataFrame | None
    share_title: str
    share_target: float
    simulation: pd.DataFrame | None
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
    backtest_table: Table | None
    definitions: dict[str, str]
    findings: list[Finding]
    currency: str

    @property
    def status(self) -> str:
        """``Ready``, or ``Partial: ...`` naming what the data lacks."""
        return status_of(self.gaps)


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
    ramp: str | None = "0/25/50/75/100",
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
        Share of full quota by month of tenure, e.g. ``"0/25/50/75/100"``.

    Returns
    -------
    QuotaDesign

    Raises
    ------
    ConfigError
        For a bad quarter, as-of date, method, over-assignment or ramp.

    Examples
    --------
    >>> r = build(load_dataset("data/demo"), quarter="2026Q3")  # doctest: +SKIP
    >>> r.trailing_sentence  # doctest: +SKIP
    'The company quota of **$82.7M** is **below** the last four quarters' bookings ...'
    """
    period = period_of(data, quarter, as_of)
    d = team_or_company(data, team)
    fmt = money_in(d.currency)
    sched = quota.check_ramp(ramp)
    if method not in quota.METHODS:
        raise ConfigError(f"quota method {method!r}: choose one of {', '.join(quota.METHODS)}")
    plan = quota.plan_period(d, quota.next_fiscal_year(d, period.quarter))
    day = period.as_of
    tgt = quota.plan_target(d, plan, day, target=target, growth=growth)
    trailing = quota.trailing_bookings(d, day)
    head = header(data, period, team)
    gaps: list[Gap] = []
    choice: quota.PlanChoice | None = None
    if tgt.amount is None:
        how = (
            f"set the notebook's target parameter to the {plan.label} bookings goal, or add "
            f"the deals of at least four complete quarters so it can be forecast ({tgt.problem})"
        )
        gaps = [Gap(s, NO_TARGET, how) for s in SECTIONS]
    else:
        try:
            choice = quota.choose_plan(
                d,
                target=tgt.amount,
                period=plan.label,
                method=method,
                overassign=overassign,
                ramp=sched,
                as_of=day,
            )
        except SalesOpsDataError as exc:
            how = f"{exc}; choose another method ({', '.join(m for m in quota.METHODS if m != method)})"
            gaps = [Gap(s, f"data for the {method} method", how) for s in SECTIONS]
    setup = plan_sentence(
        plan,
        tgt,
        method=method,
        overassign=overassign,
        ramp=sched,
        as_of=day,
        fmt=fmt,
        partial=_partial_quarters(d, day),
        data_start=d.first_date,
    )
    if choice is None:
        return _without_plan(
            d, period, plan, method, overassign, sched, tgt, trailing, gaps, setup, head
        )

    chosen = choice.chosen
    sim = quota.simulate_attainment(d, chosen, as_of=day)
    history = quota.rep_history(d, chosen, day)
    lt = quota.letters(chosen, plan_label=plan.label, currency=d.currency, history=history)
    lt = lt.merge(
        chosen[["rep_id", *[c for c in ("role",) if c in chosen]]], on="rep_id", how="left"
    )
    quarters = [c[6:] for c in quota.quarter_columns(chosen)]
    lspec = _present(letter_spec(quarters, plan.label), lt)
    letters_t = Table(lt, lspec, f"Quota letters, {plan.label}", d.currency)
    rep_frame = lt.sort_values(["quota", "rep_name"], ascending=[False, True]).reset_index(
        drop=True
    )
    reps_t = Table(
        rep_frame,
        lspec.only(REP_COLUMNS),
        f"Quota per rep, largest first ({choice_label(choice)})",
        d.currency,
    )
    ramping = quota.ramping(chosen)
    teams = quota.team_shares(chosen)
    share_frame = _share_frame(choice.share_chosen)
    fair = quota.fairness(d, chosen, as_of=day)
    team_fair = quota.team_fairness(fair)
    season = quota.seasonality(d, day)
    split = quota.quarter_split(chosen, season)
    months = quota.month_split(d, plan, season)
    years = quota.complete_years(d, day)
    hard = sim[sim["chance_at_quota"] < HARD_CHANCE].sort_values("chance_at_quota")

    if not fair["change"].notna().any():
        gaps.append(
            Gap(
                FAIR,
                NO_PREVIOUS,
                f"add last year's quotas (quotas.csv with rep_id, period such as "
                f"{d.calendar.shift(plan.quarters[0], -1)}, quota) to compare each quota with the "
                "one before",
            )
        )
    if team_fair is None:
        gaps.append(Gap(FAIR, NO_ACCOUNTS, ADD_ACCOUNTS))
    try:
        bt = quota.backtest_year(d, as_of=day, method=method, overassign=overassign, ramp=sched)
    except SalesOpsDataError as exc:
        bt = None
        gaps.append(
            Gap(
                BACKTEST,
                NO_BACKTEST_YEAR,
                "add older deals, so that the data holds a complete fiscal year and the year of "
                f"bookings before it ({exc})",
            )
        )

    expected = float(sim["expected_bookings"].sum())
    return QuotaDesign(
        header=head,
        period=period,
        plan=plan,
        method=method,
        overassign=overassign,
        ramp=sched,
        target=tgt,
        gaps=gaps,
        plan_sentence=setup,
        choice=choice,
        tiles=headline_tiles(choice, trailing, ramping, expected, fmt),
        allocation_sentence=allocation_sentence(chosen, day, fmt),
        trailing=trailing,
        trailing_sentence=trailing_sentence(
            choice,
            trailing,
            fmt,
            scope=_scope(team),
            at_trailing=quota.share_if_scaled(d, chosen, trailing.sum() / choice.quota, as_of=day)
            if len(trailing) and choice.quota > 0
            else float("nan"),
        ),
        by_team=Table(
            teams,
            TEAM_SPEC,
            f"Each team's share of the company quota under each method, and the {METHOD_WORDS[method].lower()} quota",
            d.currency,
        ),
        team_chart=teams,
        team_title=team_title(teams, plan.label),
        reps=reps_t,
        ramp_sentence=ramp_sentence(
            ramping,
            len(chosen),
            sched,
            no_hire_date=int(chosen["hire_date"].isna().sum())
            if "hire_date" in chosen
            else len(chosen),
            as_of=day,
        ),
        band_sentence=band_sentence(choice, fmt),
        choice_sentence=choice_sentence(choice, expected, fmt),
        share=Table(
            share_frame,
            SHARE_SPEC,
            f"Expected share of reps at or above quota, {choice_label(choice)}",
        ),
        share_chart=share_frame[share_frame["group"] != "All reps"].reset_index(drop=True),
        share_title=share_title(share_frame, choice.band),
        share_target=choice.band[0],
        simulation=sim,
        hard=Table(
            hard.reset_index(drop=True),
            HARD_SPEC,
            f"Reps with less than a {pct(HARD_CHANCE)} chance of reaching quota ({len(hard):,})",
            d.currency,
        ),
        fairness=fair,
        team_fairness=None
        if team_fair is None
        else Table(
            team_fair,
            FAIR_SPEC,
            "Each team's share of the quota against its share of territory potential "
            "(1.0× = quota follows potential)",
            d.currency,
        ),
        potential_sentence=potential_sentence(fair),
        spread_sentence=spread_sentence(share_frame),
        change_sentence=change_sentence(fair),
        outgrowing=_outgrowing(fair, d.currency),
        split_sentence=split_sentence(split, years, ramping=len(ramping)),
        quarters=Table(split, SPLIT_SPEC, "Company quota by quarter", d.currency),
        months=months,
        months_title=months_title(months, plan.label, bool(years)),
        letters=letters_t,
        example_letter=example_letter(letters_t),
        history_sentence=history_sentence(lt),
        letters_what=(
            "A quota letter per rep (quota by quarter, basis, ramp, history, change from last "
            "period)"
        ),
        backtest=bt,
        backtest_sentence=backtest_sentence(bt, fmt),
        backtest_table=None if bt is None else _backtest_table(bt, d.currency),
        definitions=_definitions(method, choice.band),
        findings=_findings(choice, trailing, lt, hard, fmt),
        currency=d.currency,
    )


def _without_plan(
    d: SalesData,
    period: Period,
    plan: quota.PlanPeriod,
    method: str,
    overassign: float,
    sched: tuple[float, ...],
    tgt: quota.PlanTarget,
    trailing: pd.Series,
    gaps: list[Gap],
    setup: str,
    head: Header,
) -> QuotaDesign:
    """The result when no quotas can be proposed: every section shows its gap."""
    return QuotaDesign(
        header=head,
        period=period,
        plan=plan,
        method=method,
        overassign=overassign,
        ramp=sched,
        target=tgt,
        gaps=gaps,
        plan_sentence=setup,
        choice=None,
        tiles=[],
        allocation_sentence=None,
        trailing=trailing,
        trailing_sentence=None,
        by_team=None,
        team_chart=None,
        team_title="",
        reps=None,
        ramp_sentence=None,
        band_sentence=None,
        choice_sentence=None,
        share=None,
        share_chart=None,
        share_title="",
        share_target=quota.HEALTHY_BAND[0],
        simulation=None,
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
        backtest_table=None,
        definitions=_definitions(method, quota.HEALTHY_BAND),
        findings=[],
        currency=d.currency,
    )


def _partial_quarters(data: SalesData, as_of: pd.Timestamp, n: int = 4) -> list[str]:
    """Of the last ``n`` complete quarters, those the data holds only part of (it starts inside them)."""
    cal = data.calendar
    last = cal.latest_complete_quarter(as_of)
    first_month = data.first_date.to_period("M").start_time
    out = []
    for k in range(n - 1, -1, -1):
        q = cal.shift(last, -k)
        start, end = cal.bounds(q)
        if start < first_month <= end:
            out.append(q)
    return out


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
    return "the reachable plan" if choice.reachable else "the plan as asked"


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
    partial: list[str] | None = None,
    data_start: pd.Timestamp | None = None,
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
    partial
        Trailing quarters the data holds only part of (named when the target is their average).
    data_start
        The data's first close date (named with ``partial``).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).

    Examples
    --------
    ``Plan period **FY2027** (2027-01-01 to 2027-12-31), planned with data up to 2026-09-30.
    Target **$110M**: the year-ahead forecast for FY2027 (Holt-Winters (trend and seasons) on
    quarterly bookings). Method **Blend**, over-assignment **1.10×**, ramp 0% / 25% / 50% /
    75% / 100% by month of tenure.``
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
        model = MODEL_WORDS.get(str(target.model), str(target.model))
        basis = f"the year-ahead forecast for {plan.label} ({model})"
        if target.model == "mean_last4" and partial and data_start is not None:
            basis += (
                f"; {listing(partial)} {'is' if len(partial) == 1 else 'are'} only partly inside "
                f"the data (bookings start on {data_start.date()}), so that average is low"
            )
        if target.growth:
            sign = "+" if target.growth > 0 else ""
            basis = f"{basis}, {fmt(target.forecast)}, grown by {sign}{pct(target.growth, 1)}"
    steps = " / ".join(pct(v) for v in ramp)
    return (
        f"{lead} Target {bold(fmt(target.amount))}: {basis}. Method "
        f"{bold(METHOD_WORDS.get(method, method))}, over-assignment {bold(f'{overassign:.2f}×')}, "
        f"ramp {steps} by month of tenure."
    )


def headline_tiles(
    choice: quota.PlanChoice,
    trailing: pd.Series,
    ramping: pd.DataFrame,
    expected: float,
    fmt: MoneyFormat,
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

    Returns
    -------
    list of Tile
    """
    chosen = choice.chosen
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
                f"{trailing.index[0]}–{trailing.index[-1]}"
                if len(trailing) > 1
                else str(trailing.index[0]),
            )
        )
    tiles += [
        Tile(
            "Reps with a quota",
            f"{int((chosen['quota'] > 0).sum()):,}",
            f"{len(ramping):,} still ramping",
        ),
        Tile(
            "Expected at quota",
            pct(choice.share_chosen.loc["All reps", "share"]),
            f"healthy band {_band(choice.band)}",
        ),
        Tile("In-seat reps expected to book", fmt(expected), "at their trailing productivity"),
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
        f"Quotas go to the {count(len(chosen), 'rep')} in seat on {as_of.date()} (and those "
        "hired to start during the plan year). Each method gives every rep a weight; the company "
        "quota is spread over reps and months in proportion to the rep's share × the month's "
        "seasonality × the rep's ramp factor that month, in whole cents, so the quotas add up to "
        f"the company quota exactly ({fmt(chosen['quota'].sum())})."
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

    A quota total below what was booked over the last year is never proposed silently: the
    sentence says so and names the cause (the reachable plan scaled the target down, or the
    target asked was below them). With fewer than four complete quarters in the data it
    compares only when the quota is below even those. ``at_trailing`` is the expected share
    of reps at quota if the quotas added up to those bookings
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
    ``The company quota of **$82.7M** for the year is **below** the last 4 quarters'
    bookings ($93.0M, 2025Q4–2026Q3), by $10.3M. ...``
    """
    if not len(trailing):
        return None
    n = len(trailing)
    booked = float(trailing.sum())
    span = f"{trailing.index[0]}–{trailing.index[-1]}" if n > 1 else str(trailing.index[0])
    owner = "The company quota" if scope == "The company" else f"{scope}'s quota"
    lead = f"{owner} of {bold(fmt(choice.quota))}"
    if n >= 4:
        which = f"the last {n} quarters' bookings"
    else:
        which = (
            "the bookings of the only complete quarter in the data"
            if n == 1
            else f"the bookings of the only {n} complete quarters in the data"
        )
    if choice.quota >= booked:
        if n < 4:
            return (
                f"The data holds only {count(n, 'complete quarter')} of bookings ({fmt(booked)}, "
                f"{span}), too few to set the year's quota of {fmt(choice.quota)} against a year "
                "of bookings."
            )
        tail = f", {pct(choice.quota / booked - 1)} above them." if booked > 0 else "."
        return f"{lead} is at or above {which} ({fmt(booked)}, {span}){tail}"
    partial = "; not even a full year" if n < 4 else ""
    text = (
        f"{lead} for the year is {bold('below')} {which} ({fmt(booked)}, {span}{partial}), by "
        f"{fmt(booked - choice.quota)}. "
    )
    asked_quota = choice.target * choice.overassign
    band_mid = pct(float(np.mean(choice.band)), 1)
    if choice.reachable and asked_quota >= booked:
        text += (
            f"The target asked ({fmt(choice.target)}, quotas of {fmt(asked_quota)}) was above them; "
            "the quotas are lower because that plan would put only "
            f"{pct(choice.share_asked.loc['All reps', 'share'])} of reps at quota, so the reachable "
            f"plan scales every quota down until {band_mid} are expected to reach it."
        )
        if np.isfinite(at_trailing):
            text += (
                f" Quotas adding up to those bookings would put about {pct(at_trailing)} of reps "
                "at quota."
            )
    elif choice.reachable:
        text += (
            f"The quotas asked were already below them ({fmt(choice.target)} × "
            f"{choice.overassign:.2f} = {fmt(asked_quota)}), and the reachable plan scales them "
            f"further so that {band_mid} of reps are expected to reach quota."
        )
    else:
        text += (
            f"The target asked for it: {fmt(choice.target)} × {choice.overassign:.2f} = "
            f"{fmt(asked_quota)}."
        )
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


def _hired(day: object, as_of: pd.Timestamp | None) -> str:
    """`` (hired 2026-09-12)``, `` (starts 2026-10-24)`` for a hire after ``as_of``, or nothing."""
    if day is None or pd.isna(day):  # type: ignore[call-overload]
        return ""
    when = pd.Timestamp(day)  # type: ignore[arg-type]
    verb = "starts" if as_of is not None and when > as_of else "hired"
    return f" ({verb} {when.date()})"


def ramp_sentence(
    ramping: pd.DataFrame,
    n_reps: int,
    ramp: tuple[float, ...],
    *,
    no_hire_date: int = 0,
    as_of: pd.Timestamp | None = None,
) -> str:
    """How many reps are still ramping during the plan year and what share of a year they carry.

    A rep whose hire date is after ``as_of`` (an accepted offer) "starts" on it. Reps without
    a hire date count as fully ramped; the sentence says how many there are.

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
    as_of
        The planning date.

    Returns
    -------
    str
        The sentence.
    """
    steps = " / ".join(pct(v) for v in ramp)
    if no_hire_date >= n_reps:
        return (
            "The data has no hire dates, so every rep is treated as fully ramped: the ramp "
            f"({steps} by month of tenure) applies to no one."
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
        f"{r.rep_name}{_hired(getattr(r, 'hire_date', None), as_of)}, {pct(r.ramp_factor)}"
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


def band_sentence(choice: quota.PlanChoice, fmt: MoneyFormat) -> str:
    """The plan as asked: its company quota and the simulated share of reps at quota.

    Parameters
    ----------
    choice
        :func:`salesops_lib.analysis.quota.choose_plan`.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    s = choice.share_asked.loc["All reps"]
    return (
        f"With the quotas as asked ({fmt(choice.target)} × {choice.overassign:.2f} = "
        f"{fmt(choice.asked['quota'].sum())}), the simulation expects {bold(pct(s['share']))} of "
        f"reps to reach quota (80% range {pct(s['lo80'])}–{pct(s['hi80'])}); the healthy band "
        f"is {_band(choice.band)}."
    )


def choice_sentence(choice: quota.PlanChoice, expected: float, fmt: MoneyFormat) -> str:
    """Which plan the letters carry, and when it is the reachable one, what that costs the target.

    Parameters
    ----------
    choice
        :func:`salesops_lib.analysis.quota.choose_plan`.
    expected
        What the reps in seat are expected to book (0: not compared).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    if not choice.reachable:
        return "That is inside the healthy band; the quotas as asked are the ones handed out."
    asked_quota = float(choice.asked["quota"].sum())
    text = (
        f"That is outside the healthy band. The reachable plan puts {pct(np.mean(choice.band), 1)} "
        f"of reps at quota: a target of {bold(fmt(choice.reachable_target))} "
        f"({pct(choice.factor - 1, 1)} against the target asked) with the same "
        f"{choice.overassign:.2f}× over-assignment, so quotas add up to {fmt(choice.quota)}. "
    )
    if expected > 0:
        text += (
            f"The quotas as asked add up to {pct(asked_quota / expected)} of what the reps in seat "
            f"are expected to book ({fmt(expected)})"
        )
        rest = choice.target - expected
        text += (
            f"; the rest of the target asked ({fmt(rest)}) must come from new hires or a smaller "
            "target. "
            if rest > 0
            else ". "
        )
    return text + "The sections below and the quota letters use the reachable plan."


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


def change_sentence(fair: pd.DataFrame) -> str | None:
    """The company quota's change from last year and the quotas that outgrow their territory.

    Parameters
    ----------
    fair
        :func:`salesops_lib.analysis.quota.fairness` of the chosen plan.

    Returns
    -------
    str or None
        The sentence; None when no rep had a quota in every quarter of the previous year.
    """
    if not fair["change"].notna().any():
        return None
    k = int(fair["flag_outgrows_territory"].sum())
    whose = "1 rep's quota" if k == 1 else f"{k:,} reps' quotas"
    their = "the rep's territory" if k == 1 else "their territory"
    return (
        "Among reps with a quota in every quarter of the previous year, the company quota "
        f"changes by {pct(quota.company_change(fair), 1)}. {whose} rose more than 25 points "
        f"faster than both that and {their}'s bookings (trailing four quarters over the four "
        "before)."
    )


def _outgrowing(fair: pd.DataFrame, currency: str) -> Table | None:
    flagged = fair[fair["flag_outgrows_territory"]].reset_index(drop=True)
    if flagged.empty:
        return None
    return Table(flagged, OUTGROW_SPEC, "Quotas that outgrow their territory", currency)


# ---------------------------------------------------------------------------------------
# split


def split_sentence(split: pd.DataFrame, years: list[int], *, ramping: int = 0) -> str:
    """What the year's split rests on, each quarter's seasonal share, and the ramp's effect.

    Parameters
    ----------
    split
        :func:`salesops_lib.analysis.quota.quarter_split` (``quarter, seasonal_share``).
    years
        The fiscal years behind the seasonality (empty: an even split).
    ramping
        Reps still ramping (their quotas move the quarter totals off the seasonal shares).

    Returns
    -------
    str
        The sentence.
    """
    shares = ", ".join(
        f"{q} {pct(v)}" for q, v in zip(split["quarter"], split["seasonal_share"], strict=True)
    )
    if years:
        text = (
            "The year splits by the average monthly share of bookings in fiscal years "
            f"{listing([f'FY{y}' for y in sorted(years)])}; quarter shares: {shares}."
        )
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


def history_sentence(letters: pd.DataFrame) -> str:
    """Which letters go to reps with no record of their own (names them), and how many are new.

    Parameters
    ----------
    letters
        :func:`salesops_lib.analysis.quota.letters` with the history columns
        (``rep_name, no_history, history``).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first); up to five reps are named.
    """
    none = letters[letters["no_history"].astype(bool)]
    unwon = int((letters["history"] == quota.NO_WIN).sum())
    young = int((letters["history"] == quota.NO_RAMPED_QUARTER).sum())
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
    return text + (f"; {listing(others)}." if others else ".")


# ---------------------------------------------------------------------------------------
# back-test


def backtest_sentence(bt: quota.YearBacktest | None, fmt: MoneyFormat) -> str | None:
    """The method's quotas for the last complete year against what reps then booked.

    Parameters
    ----------
    bt
        :func:`salesops_lib.analysis.quota.backtest_year`, or None when it could not run.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when there is nothing true to say.
    """
    if bt is None:
        return None
    return (
        f"Quotas proposed for FY{bt.year} with data up to {bt.as_of.date()} (target: that day's "
        f"forecast, {fmt(bt.target)}), against what the reps then booked: simulated "
        f"{bold(pct(bt.share))} at quota, realized {bold(pct(bt.realized))} of the "
        f"{count(bt.reps, 'rep')} who stayed all year."
    )


def _backtest_table(bt: quota.YearBacktest, currency: str) -> Table:
    frame = pd.DataFrame(
        [
            {
                "plan": f"FY{bt.year} as asked",
                "target": bt.target,
                "quota": bt.quota,
                "share": bt.share,
                "range": f"{pct(bt.lo80)}–{pct(bt.hi80)}",
                "realized": bt.realized,
                "reps": bt.reps,
            }
        ]
    )
    return Table(frame, BACKTEST_SPEC, "", currency)


# ---------------------------------------------------------------------------------------
# findings and definitions


def _findings(
    choice: quota.PlanChoice,
    trailing: pd.Series,
    letters: pd.DataFrame,
    hard: pd.DataFrame,
    fmt: MoneyFormat,
) -> list[Finding]:
    out = []
    if len(trailing) and choice.quota < trailing.sum():
        short = float(trailing.sum() - choice.quota)
        n = len(trailing)
        out.append(
            Finding(
                f"The proposed company quota ({fmt(choice.quota)}) is {bold(fmt(short))} below the "
                f"{'last quarter' if n == 1 else f'last {n} quarters'}' bookings.",
                short,
                CARRY,
            )
        )
    if choice.reachable:
        cut = float(choice.target - choice.reachable_target)
        out.append(
            Finding(
                f"The target asked would put only {pct(choice.share_asked.loc['All reps', 'share'])} "
                f"of reps at quota; the letters carry a target {bold(fmt(abs(cut)))} "
                f"{'lower' if cut > 0 else 'higher'}.",
                abs(cut),
                REACH,
            )
        )
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
    if len(hard):
        out.append(
            Finding(
                f"{count(len(hard), 'rep')} {'has' if len(hard) == 1 else 'have'} less than a "
                f"{pct(HARD_CHANCE)} chance of reaching quota ({fmt(hard['quota'].sum())}).",
                float(hard["quota"].sum()),
                REACH,
            )
        )
    return sorted(out, key=lambda f: -f.at_stake)


def _definitions(method: str, band: tuple[float, float]) -> dict[str, str]:
    mid = pct(float(np.mean(band)), 1)
    return pick(
        "Bookings",
        **{
            "Target": (
                "The company bookings goal for the plan year: set by hand, or the year-ahead "
                "forecast of quarterly bookings (Holt-Winters when there are eight complete "
                "quarters, else seasonal ARIMA with six, else the last four quarters' average) "
                "grown by the growth parameter."
            ),
            "Over-assignment": (
                "Quotas add up to the target times this factor, so the company can reach its "
                "target while some reps miss."
            ),
            "Company quota": "The sum of every rep's quota: target × over-assignment, to the cent.",
            "Last four quarters' bookings": (
                "Bookings of the four complete quarters before the planning date (quarters the "
                "data holds only part of, because it starts inside them, are left out)."
            ),
            "Even": "Every rep in seat carries the same full-ramp quota.",
            "Historical share": (
                "The rep's bookings per fully ramped quarter over the trailing four quarters, "
                "divided by the quarter's seasonal index; reps without a ramped quarter get "
                "their role's median."
            ),
            "Potential": (
                "Each segment's trailing-year bookings spread over its accounts by annual "
                "revenue (employees when revenue is missing), summed over the rep's territory "
                "and divided among the reps who cover it."
            ),
            "Capacity": (
                "Ramp-adjusted headcount times productivity: each rep carries the role's median "
                "bookings per ramped quarter, reduced by the ramp."
            ),
            "Blend": (
                "40% historical, 30% capacity, 20% potential, 10% even; a method the data "
                "cannot support drops out and the rest are re-weighted."
            ),
            "Ramp": (
                "Share of a full quota carried in each month of tenure, counted from the hire "
                "date (the first month of tenure runs from the hire date to the day before the "
                "same date a month later); a calendar month's share averages its days, and "
                "after the schedule the rep carries 100%."
            ),
            "Ramp share of the year": (
                "The rep's quota divided by what the same rep would carry fully ramped all year."
            ),
            "History": (
                "What the rep's record holds by the planning date: no deals in the data, no deal "
                "won yet, or no full quarter after ramp; otherwise the deals won of the deals owned. Quotas of reps "
                "without a record come from their peers' figures."
            ),
            "Seasonality": (
                "Each month's average share of a fiscal year's bookings over the last complete "
                "fiscal years (up to three)."
            ),
            "Expected share at quota": (
                "Monte Carlo (5,000 draws): each rep's bookings per quarter from a gamma "
                "distribution around the rep's trailing eight-quarter level (shrunk toward the "
                "role), with the role's quarter-to-quarter spread, uncertainty in the rep's "
                "level and a market factor common to all reps; the share of reps with bookings "
                "at or above quota, averaged over draws."
            ),
            "Healthy band": f"{_band(band)} of reps expected at or above quota.",
            "Reachable plan": (
                "When the plan as asked falls outside the band: every quota scaled by one factor "
                f"so the expected share at quota is {mid}, the band's middle."
            ),
            "Quota ÷ potential": (
                "The rep's (or team's) share of the company quota divided by its share of "
                "territory potential."
            ),
            "Territory growth": (
                "The territory's bookings in the trailing four quarters over the four before."
            ),
            "Change": (
                "This year's quota over the previous year's, for reps with a quota in every "
                "quarter of the previous year."
            ),
        },
    )
