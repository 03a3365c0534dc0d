"""Report 05, comp-plan evaluation: does the plan pay for the right results, at the right cost?

:func:`build` returns a :class:`CompPlanEvaluation`: what the current plans pay this quarter
and what that costs per dollar booked, how much of it comes from inherited deals, whether
pay follows performance, where reps sit on the curve, how the candidate plans of the config
would have paid on the last four quarters' real deals, and what the quarter ahead may cost.
Every sentence is a function of the numbers beside it (tested in
``tests/test_reports_comp_plan.py``).

Pay needs quotas (attainment is bookings ÷ quota) and plans (``[[comp.plans]]`` in the
config). Without quotas the report still shows the plans, what they pay at target and at
equal attainment, and how bookings spread across reps; without plans, the bookings. Each
section then says what is missing and how to add it.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from salesops_lib import timeline
from salesops_lib.analysis import comp, kpis
from salesops_lib.analysis import quota as quota_lib
from salesops_lib.analysis.comp import CompPlan
from salesops_lib.data import SalesData
from salesops_lib.errors import SalesOpsDataError
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
    team_or_company,
)
from salesops_lib.reports.definitions import SHARED, pick
from salesops_lib.reports.forecasting import (
    method_name,
)
from salesops_lib.reports.rep_benchmarking import inactive_sentence
from salesops_lib.reports.tables import Column, Table, TableSpec

PAY = "What does the plan pay this quarter?"
FOLLOW = "Does pay follow performance?"
CURVE = "Where do reps sit on the curve?"
WHATIF = "What if: the candidate plans on the last four quarters' real deals"
AHEAD = "What may next quarter cost?"
COST_DRAWS: int = inspect.signature(comp.cost_range).parameters["n"].default
"""Quarters the cost range simulates (:func:`~salesops_lib.analysis.comp.cost_range`'s default)."""
SIMULATED = (
    f"a simulation of {COST_DRAWS:,} quarters drawing the forecast and each rep's share of it"
)
SECTIONS = (PAY, FOLLOW, CURVE, WHATIF, AHEAD)

NO_PLANS = "comp plans"
ADD_PLANS = (
    "describe each plan (on-target earnings, base share, tiers, and any threshold, cap or SPIFF) "
    "in the configuration file (README, 'What each report answers', report 05)"
)
SEE_PLANS = "the first section says how to add them"
CLOSE = 0.02
"""Correlations closer than this read as "about as closely"."""

STATEMENT_SPEC = TableSpec(
    (
        Column("rep_id", "Rep id"),
        Column("rep_name", "Rep"),
        Column("team", "Team"),
        Column("role", "Role"),
        Column("plan", "Plan"),
        Column("quota", "Quota", "money"),
        Column("bookings", "Bookings", "money"),
        Column("attainment", "Attainment", "pct"),
        Column("base", "Base", "money"),
        Column("variable_target", "Variable target", "money"),
        Column("variable_pay", "Variable pay", "money"),
        Column("spiffs", "SPIFFs", "money"),
        Column("total_pay", "Total pay", "money"),
        Column("payout_pct", "Payout", "pct"),
        Column("inherited_deals", "Inherited deals won", "int"),
        Column("inherited_bookings", "Inherited bookings", "money"),
        Column("pay_from_inherited", "Pay from inherited deals", "money"),
    ),
    max_rows=30,
    ends=True,
)
STATEMENT_VIEW = (
    "rep_name",
    "team",
    "plan",
    "quota",
    "bookings",
    "attainment",
    "variable_pay",
    "payout_pct",
    "pay_from_inherited",
)
"""The statement columns the page shows (the exported statements hold them all)."""

TEAM_SPEC = TableSpec(
    (
        Column("team", "Team"),
        Column("reps", "Reps", "int"),
        Column("bookings", "Bookings", "money"),
        Column("variable_pay", "Variable pay", "money"),
        Column("spiffs", "SPIFFs", "money"),
        Column("cost_of_sales", "Variable cost of sales", "pct1"),
        Column("total_cost_of_sales", "Total cost of sales", "pct1"),
        Column("pay_from_inherited", "Pay from inherited deals", "money"),
    )
)
PLAN_SPEC = TableSpec(
    (
        Column("plan", "Plan"),
        Column("roles", "Roles"),
        Column("status", "Status"),
        Column("ote", "OTE", "money"),
        Column("variable_target", "Target pay a quarter", "money"),
        Column("threshold", "Threshold", "pct"),
        Column("cap", "Cap", "pct"),
        Column("curve", "Rates by tier"),
        Column("spiffs", "SPIFFs"),
    )
)
ON_TARGET_SPEC = TableSpec(
    (
        Column("plan", "Plan"),
        Column("reps", "Reps covered", "int"),
        Column("variable_target", "Variable target per rep", "money"),
        Column("cost", "Variable pay at 100% attainment", "money"),
    )
)
TIER_SPEC = TableSpec(
    (
        Column("plan", "Plan"),
        Column("band", "Attainment band"),
        Column("rate", "Rate (× target rate)", "num1"),
        Column("reps", "Reps", "int"),
        Column("variable_pay", "Variable pay", "money"),
    )
)
REPLAY_SPEC = TableSpec(
    (
        Column("plan", "Plan"),
        Column("roles", "Roles"),
        Column("status", "Status"),
        Column("cost", "Variable pay and SPIFFs", "money"),
        Column("cost_of_sales", "Variable cost of sales", "pct1"),
        Column("total_cost_of_sales", "Total cost of sales", "pct1"),
        Column("pay_correlation", "Pay-performance correlation", "num2"),
        Column("top_quartile_share", "Top-quartile share", "pct"),
        Column("at_cap", "Rep-quarters at cap", "int"),
    )
)
CANDIDATE_SPEC = TableSpec(
    (
        Column("plan", "Candidate"),
        Column("against", "Current plan"),
        Column("cost", "Variable pay and SPIFFs", "money"),
        Column("current_cost", "Cost under the current plan", "money"),
        Column("cost_change", "Difference", "money"),
        Column("cost_of_sales", "Variable cost of sales", "pct1"),
        Column("cost_of_sales_change", "Difference in cost of sales", "pp"),
        Column("pay_correlation", "Pay-performance correlation", "num2"),
        Column("current_pay_correlation", "Correlation under the current plan", "num2"),
    )
)
BOOKED_SPEC = TableSpec(
    (
        Column("group", "Team"),
        Column("bookings", "Bookings", "money"),
        Column("won", "Won", "int"),
        Column("avg_deal_size", "Average deal", "money"),
    )
)


@dataclass(frozen=True)
class CompPlanEvaluation(HasGaps):
    """Everything report 05 shows (see :func:`build`)."""

    header: Header
    period: Period
    has_quota: bool
    gaps: list[Gap]
    plans: list[CompPlan]
    current: list[CompPlan]
    plan_order: list[str]
    plans_table: Table | None
    scope_sentence: str | None
    tiles: list[Tile]
    cost_sentence: str | None
    outside: pd.DataFrame | None
    outside_sentence: str | None
    spiffs: pd.DataFrame | None
    spiff_sentence: str | None
    by_team: Table | None
    inherited_sentence: str | None
    on_target: Table | None
    on_target_sentence: str | None
    booked: Table | None
    statements: Table | None
    statement_view: Table | None
    statements_what: str
    pay_sentence: str | None
    pay_chart: pd.DataFrame | None
    pay_title: str
    curves: pd.DataFrame | None
    curve_points: pd.DataFrame | None
    curves_title: str
    spread: pd.DataFrame | None
    spread_title: str
    booked_sentence: str | None
    tiers: Table | None
    tier_sentence: str | None
    replay_quarters: list[str]
    replay: Table | None
    replay_sentence: str | None
    replay_note: str | None
    replay_chart: pd.DataFrame | None
    replay_title: str
    side_by_side: Table | None
    side_sentence: str | None
    ahead: comp.NextQuarterCost | None
    ahead_sentence: str | None
    definitions: dict[str, str]
    findings: list[Finding]
    currency: str
    candidate_plans: list[CompPlan] = field(default_factory=list)
    candidates: Table | None = None
    candidate_sentences: list[str] = field(default_factory=list)


def build(
    data: SalesData,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
    config: Mapping[str, Any] | None = None,
    candidates: Sequence[Mapping[str, Any]] | None = None,
) -> CompPlanEvaluation:
    """Build report 05 for ``quarter`` as known on ``as_of``.

    Parameters
    ----------
    data
        The company's data set (quotas and reps' roles for statements).
    quarter
        Fiscal quarter; None: the latest complete quarter.
    as_of
        What is known; None: the quarter's end, or the data's last date mid-quarter.
    team
        Narrow the report to one team; None: the whole company.
    config
        The config (its ``[[comp.plans]]``); None or without plans: the sections say so.
    candidates
        What-ifs weighed against the current plan on the last four quarters' real deals:
        each a full plan table, or a change of a current plan such as ``{"name": "Richer
        tier 2", "tier": 2, "rate": 1.8}`` (also ``floor`` of a tier, ``threshold``, ``cap``,
        and ``plan`` naming the current plan changed; see
        :func:`~salesops_lib.analysis.comp.candidate_plan`). None: none.

    Returns
    -------
    CompPlanEvaluation

    Raises
    ------
    ConfigError
        For a bad quarter or as-of date, an invalid plan or candidate (the message names it
        and the valid keys).

    Examples
    --------
    >>> r = build(load_dataset("data/demo"), quarter="2026Q3", config=load_config("data/demo/salesops.toml"))  # doctest: +SKIP
    >>> r.inherited_sentence  # doctest: +SKIP
    >>> build(data, config=cfg, candidates=[{"plan": "AE", "tier": 2, "rate": 1.8}]).candidate_sentences  # doctest: +SKIP
    """
    period = period_of(data, quarter, as_of)
    d = team_or_company(data, team)
    plans = _plans(config)
    current = comp.current_plans(plans) if plans else []
    has_quota = kpis.has_quotas(d, period.quarter)
    st = (
        comp.statements(d, current, quarter=period.quarter, as_of=period.as_of)
        if plans and has_quota
        else None
    )
    quarters = comp.replay_quarters(d, as_of=period.as_of) if plans else []
    cands = [comp.candidate_plan(c, current) for c in candidates or []]
    b = _Basis(
        data=d,
        period=period,
        plans=plans,
        current=current,
        has_quota=has_quota,
        st=st,
        paid=st if st is not None and len(st) else None,
        metrics=comp.plan_metrics(st, plans=plans) if st is not None and len(st) else None,
        quarters=quarters,
        what_if=_what_if(d, plans, quarters),
        fmt=money_in(d.currency),
    )
    ahead, ahead_gaps = _ahead(b)
    return CompPlanEvaluation(
        header=header(data, period, team),
        period=period,
        has_quota=has_quota,
        gaps=_gaps(b) + ahead_gaps,
        plans=plans,
        current=current,
        plan_order=[p.name for p in plans],
        definitions=_definitions(),
        findings=_findings(st, b.what_if, b.fmt),
        currency=d.currency,
        **_pay_section(b),
        **_follow_section(b),
        **_curve_section(b),
        **_whatif_section(b),
        ahead=ahead,
        ahead_sentence=ahead_sentence(ahead, b.fmt),
        **_candidates_section(b, cands),
    )


@dataclass(frozen=True)
class _Basis:
    """What the sections of report 05 share, computed once in :func:`build`."""

    data: SalesData
    period: Period
    plans: list[CompPlan]
    current: list[CompPlan]
    has_quota: bool
    st: pd.DataFrame | None
    """The quarter's pay statements; None without plans or quotas."""
    paid: pd.DataFrame | None
    """The statements when they have a row; else None."""
    metrics: dict[str, float] | None
    quarters: list[str]
    what_if: pd.DataFrame | None
    fmt: MoneyFormat


def _what_if(d: SalesData, plans: list[CompPlan], quarters: list[str]) -> pd.DataFrame | None:
    """The candidate plans replayed on the last quarters' deals (None: nothing to replay)."""
    what_if = comp.replay(d, plans, quarters=quarters) if plans and quarters else None
    if what_if is not None:
        # plans for roles nobody in scope holds (a team of one role) have nothing to replay
        what_if = what_if[(what_if["reps"] > 0) & (what_if["bookings"] > 0)]
        what_if = what_if if len(what_if) else None
    return what_if


def _ahead(b: _Basis) -> tuple[comp.NextQuarterCost | None, list[Gap]]:
    """What the quarter ahead may cost, or the gap that says why it cannot be known."""
    if not b.plans:
        return None, []
    q, as_of = b.period.quarter, b.period.as_of
    try:
        return comp.next_quarter_cost(b.data, b.current, quarter=q, as_of=as_of), []
    except SalesOpsDataError as exc:
        how = f"add quotas for the quarter ahead to the quotas file: {exc}"
        return None, [Gap(AHEAD, NO_QUOTAS, how)]


def _gaps(b: _Basis) -> list[Gap]:
    """The sections' gaps: no plans, no quotas for the quarter, none to replay the last quarters."""
    q = b.period.quarter
    gaps: list[Gap] = []
    if not b.plans:
        gaps += [Gap(s, NO_PLANS, ADD_PLANS if s == PAY else SEE_PLANS) for s in SECTIONS]
    add_quotas = (
        f"add each rep's quota for {q} as a quotas file (README, 'Point it at your own CRM "
        "export'): variable pay follows attainment, bookings ÷ quota"
    )
    if not b.has_quota:  # said in full once; later sections without plans already point there
        gaps += [
            Gap(s, NO_QUOTAS, add_quotas if s == PAY else SEE_PLANS)
            for s in (PAY, FOLLOW, CURVE)
            if s == PAY or b.plans
        ]
    if b.plans and b.what_if is None:
        gaps.append(
            Gap(
                WHATIF,
                NO_QUOTAS,
                "add each rep's quotas for the last four complete quarters to the quotas file to "
                "replay their deals under each plan",
            )
        )
    return gaps


class _Pay(TypedDict):
    """Section "What does the plan pay this quarter?": its fields of :class:`CompPlanEvaluation`."""

    plans_table: Table | None
    scope_sentence: str | None
    tiles: list[Tile]
    cost_sentence: str | None
    outside: pd.DataFrame | None
    outside_sentence: str | None
    spiffs: pd.DataFrame | None
    spiff_sentence: str | None
    by_team: Table | None
    inherited_sentence: str | None
    on_target: Table | None
    on_target_sentence: str | None
    booked: Table | None
    statements: Table | None
    statement_view: Table | None
    statements_what: str


def _pay_section(b: _Basis) -> _Pay:
    """What does the plan pay this quarter: the cost, SPIFFs, inherited deals, the statements."""
    d, period, q, fmt = b.data, b.period, b.period.quarter, b.fmt
    st, paid, metrics, plans, current = b.st, b.paid, b.metrics, b.plans, b.current
    kpi = kpis.kpi_table(d, quarter=q, as_of=period.as_of, by="team").reset_index()
    kpi = kpi.rename(columns={"team": "group"})
    teams_known = "team" in d.reps and bool(d.reps["team"].notna().any())
    by_team = _by_team(paid) if paid is not None and teams_known else None
    booked_all = timeline.bookings(d, period.start, period.as_of)
    outside = (
        comp.outside_statements(d, paid, quarter=q, as_of=period.as_of)
        if paid is not None
        else None
    )
    spiffs = (
        comp.spiff_counts(d, current, quarter=q, quarters=b.quarters, as_of=period.as_of, st=paid)
        if current and paid is not None
        else None
    )
    on_target = comp.on_target_cost(d, current, quarter=q) if plans else None
    return _Pay(
        plans_table=Table(
            comp.plan_table(plans, d.currency), PLAN_SPEC, "The plans in the config", d.currency
        )
        if plans
        else None,
        scope_sentence=scope_sentence(st, current, d, q, running=period.running)
        if st is not None
        else None,
        tiles=_tiles(
            metrics, f"{q} {period.status}", len(st) if st is not None else 0, fmt, booked_all
        )
        if metrics
        else [],
        cost_sentence=cost_sentence(metrics, by_team, fmt) if metrics else None,
        outside=outside,
        outside_sentence=outside_sentence(outside, booked_all, metrics, q, fmt)
        if outside is not None and metrics
        else None,
        spiffs=spiffs,
        spiff_sentence=spiff_sentence(spiffs, q, b.quarters, fmt) if spiffs is not None else None,
        by_team=Table(by_team, TEAM_SPEC, f"Pay by team, {q} {period.status}", d.currency)
        if by_team is not None
        else None,
        inherited_sentence=inherited_sentence(paid, d, fmt) if paid is not None else None,
        on_target=Table(
            on_target,
            ON_TARGET_SPEC,
            "What the current plans pay a quarter if every rep they cover is exactly at quota",
            d.currency,
        )
        if on_target is not None and not b.has_quota
        else None,
        on_target_sentence=on_target_sentence(on_target, float(kpi["bookings"].sum()), q, fmt)
        if on_target is not None and not b.has_quota
        else None,
        booked=Table(
            kpi,
            BOOKED_SPEC,
            f"Bookings by team, {q} {period.status}: what pay is computed from",
            d.currency,
        )
        if st is None
        else None,
        **_statement_tables(b),
    )


class _Statements(TypedDict):
    """The pay statements' part of section "What does the plan pay this quarter?"."""

    statements: Table | None
    statement_view: Table | None
    statements_what: str


def _statement_tables(b: _Basis) -> _Statements:
    """Each rep's pay statement: every column for the export, the main ones for the page."""
    paid, currency = b.paid, b.data.currency
    title = f"Pay statements, {b.period.quarter} {b.period.status}"
    return _Statements(
        statements=Table(paid, STATEMENT_SPEC, title, currency) if paid is not None else None,
        statement_view=Table(
            paid.sort_values(["attainment", "rep_name"], ascending=[False, True]).reset_index(
                drop=True
            ),
            STATEMENT_SPEC.only(STATEMENT_VIEW),
            "Statements, highest attainment first (the exported statements have every column)",
            currency,
        )
        if paid is not None
        else None,
        statements_what="Each rep's pay statement (quota, bookings, attainment, base, variable "
        "target, variable pay, SPIFFs, total pay, payout, inherited deals and the pay from them)",
    )


class _Follow(TypedDict):
    """Section "Does pay follow performance?": its fields of :class:`CompPlanEvaluation`."""

    pay_sentence: str | None
    pay_chart: pd.DataFrame | None
    pay_title: str


def _follow_section(b: _Basis) -> _Follow:
    """Does pay follow performance: pay against attainment, rep by rep."""
    paid = b.paid
    return _Follow(
        pay_sentence=pay_sentence(b.st, b.metrics, b.current, b.fmt) if b.metrics else None,
        pay_chart=paid,
        pay_title=pay_title(paid, b.current) if paid is not None else "",
    )


class _Curve(TypedDict):
    """Section "Where do reps sit on the curve?": its fields of :class:`CompPlanEvaluation`."""

    curves: pd.DataFrame | None
    curve_points: pd.DataFrame | None
    curves_title: str
    spread: pd.DataFrame | None
    spread_title: str
    booked_sentence: str | None
    tiers: Table | None
    tier_sentence: str | None


def _curve_section(b: _Basis) -> _Curve:
    """Where do reps sit on the curve: the plans' curves, the tiers, the bookings spread."""
    d, q, st, plans = b.data, b.period.quarter, b.st, b.plans
    rep_kpi = kpis.kpi_table(d, quarter=q, as_of=b.period.as_of, by="rep_id").reset_index()
    # the reps 01 and 04 leave out as possibly not in seat stay out of the spread too
    idle = quota_lib.possibly_inactive(d, b.period.as_of)
    idle = idle[idle["rep_id"].isin(set(rep_kpi["rep_id"]))].reset_index(drop=True)
    seated = rep_kpi[~rep_kpi["rep_id"].isin(set(idle["rep_id"]))].reset_index(drop=True)
    curves, points = _curves(plans, st) if plans else (None, None)
    tiers = _tiers(st, b.current) if plans else None
    return _Curve(
        curves=curves,
        curve_points=points,
        curves_title=curves_title(plans, st) if plans else "",
        spread=seated if st is None else None,
        spread_title=spread_title(seated, q, b.fmt, left_out=len(idle)),
        booked_sentence=booked_sentence(
            rep_kpi, q, b.fmt, plans=bool(plans), quotas=b.has_quota, inactive=idle
        )
        if st is None
        else None,
        tiers=tiers,
        tier_sentence=tier_sentence(tiers.frame, b.metrics)
        if tiers is not None and b.metrics
        else None,
    )


class _WhatIf(TypedDict):
    """Section "What if": its fields of :class:`CompPlanEvaluation`."""

    replay_quarters: list[str]
    replay: Table | None
    replay_sentence: str | None
    replay_note: str | None
    replay_chart: pd.DataFrame | None
    replay_title: str
    side_by_side: Table | None
    side_sentence: str | None


def _whatif_section(b: _Basis) -> _WhatIf:
    """What if: the candidate plans on the last quarters' real deals, else side by side."""
    what_if, quarters, plans = b.what_if, b.quarters, b.plans
    side = comp.pay_at(plans) if plans else None
    return _WhatIf(
        replay_quarters=quarters,
        replay=_replay_table(what_if, b.data.currency) if what_if is not None else None,
        replay_sentence=replay_sentence(what_if, quarters, b.fmt) if what_if is not None else None,
        replay_note=replay_note(what_if, b.st, b.current, quarters)
        if what_if is not None
        else None,
        replay_chart=what_if.reset_index() if what_if is not None else None,
        replay_title=replay_title(what_if, quarters) if what_if is not None else "",
        side_by_side=_side_table(side, plans) if side is not None and what_if is None else None,
        side_sentence=side_sentence(side) if side is not None and what_if is None else None,
    )


class _Candidates(TypedDict):
    """The what-ifs passed to :func:`build`: their fields of :class:`CompPlanEvaluation`."""

    candidate_plans: list[CompPlan]
    candidates: Table | None
    candidate_sentences: list[str]


def weigh_candidates(
    data: SalesData,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
    config: Mapping[str, Any] | None = None,
    candidates: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Report 05's candidates section alone: what :func:`build` shows for ``candidates``.

    The what-if controls (:mod:`salesops_lib.render.whatif`) call it to recompute the
    section without the rest of the report.

    Parameters
    ----------
    data, quarter, as_of, team, config, candidates
        As for :func:`build`.

    Returns
    -------
    dict
        ``candidate_plans``, ``candidates`` (the :class:`Table`, or None) and
        ``candidate_sentences``, the fields :func:`build` sets.

    Raises
    ------
    ConfigError
        As :func:`build`.
    """
    period = period_of(data, quarter, as_of)
    d = team_or_company(data, team)
    plans = _plans(config)
    current = comp.current_plans(plans) if plans else []
    cands = [comp.candidate_plan(c, current) for c in candidates]
    quarters = comp.replay_quarters(d, as_of=period.as_of) if plans else []
    return dict(_weighed(d, current, quarters, cands, money_in(d.currency)))


def _candidates_section(b: _Basis, cands: list[CompPlan]) -> _Candidates:
    """Each candidate against the current plan on the replayed quarters (none: empty)."""
    return _weighed(b.data, b.current, b.quarters, cands, b.fmt)


def _weighed(
    d: SalesData,
    current: list[CompPlan],
    quarters: list[str],
    cands: list[CompPlan],
    fmt: MoneyFormat,
) -> _Candidates:
    """The candidates against the current plans on ``quarters`` (none: empty)."""
    if not cands or not quarters or not current:
        why = (
            "there is no current plan to weigh them against"
            if not current
            else "none of the last four quarters has quotas to replay them on"
        )
        return _Candidates(
            candidate_plans=cands,
            candidates=None,
            candidate_sentences=[f"The candidates cannot be weighed: {why}."] if cands else [],
        )
    frame = comp.compare_plans(d, current, cands, quarters=quarters)
    return _Candidates(
        candidate_plans=cands,
        candidates=Table(
            frame,
            CANDIDATE_SPEC,
            "Each candidate against the current plan, on the same reps and real deals",
            d.currency,
        ),
        candidate_sentences=[
            candidate_sentence(row, quarters, fmt) for row in frame.to_dict("records")
        ],
    )


def candidate_sentence(row: Mapping[str, Any], quarters: list[str], fmt: MoneyFormat) -> str:
    """One candidate against the current plan: cost, cost of sales, pay-performance.

    Parameters
    ----------
    row
        A row of :func:`~salesops_lib.analysis.comp.compare_plans` (``plan, against, cost,
        current_cost, cost_change, cost_of_sales, current_cost_of_sales, pay_correlation,
        current_pay_correlation, reps``).
    quarters
        The quarters replayed, oldest first (at least one).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    span = quarter_span(quarters)
    if not row["reps"]:
        return f"{bold(row['plan'])} covers no rep with a quota in {span}: nothing to compare."
    change = float(row["cost_change"])
    if abs(change) < 0.5:
        diff = "the same as the current plan"
    else:
        diff = f"{bold(fmt(abs(change)))} {'more' if change > 0 else 'less'} than the current plan"
    text = (
        f"{bold(row['plan'])} would have paid {fmt(row['cost'])} in variable pay and SPIFFs on the "
        f"real deals of {span} ({pct(row['cost_of_sales'], 1)} of bookings): {diff} "
        f"({row['against']}, {fmt(row['current_cost'])}, {pct(row['current_cost_of_sales'], 1)})"
    )
    k, c = float(row["pay_correlation"]), float(row["current_pay_correlation"])
    if np.isfinite(k) and np.isfinite(c):
        follow = (
            "about as closely"
            if abs(k - c) < CLOSE
            else "more closely"
            if k > c
            else "less closely"
        )
        text += f", with pay following bookings {follow} ({k:.2f} against {c:.2f})"
    return text + "."


def _plans(config: Mapping[str, Any] | None) -> list[CompPlan]:
    """The config's plans (none: an empty list; an invalid plan still raises)."""
    if not config or not (config.get("comp") or {}).get("plans"):
        return []
    return comp.load_plans(dict(config))


# ---------------------------------------------------------------------------------------
# what the plan pays


def scope_sentence(
    st: pd.DataFrame,
    current: list[CompPlan],
    data: SalesData,
    quarter: str,
    *,
    running: bool = False,
) -> str:
    """Who is paid under which current plan, and reps with a quota but no plan for their role.

    Mid-quarter (``running``) it says that pay is on bookings so far against the whole
    quarter's quota.

    Parameters
    ----------
    st
        :func:`salesops_lib.analysis.comp.statements` of the quarter (``rep_id, rep_name, plan,
        quota, bookings, attainment, variable_pay, spiffs, payout_pct, inherited_deals,
        inherited_bookings, pay_from_inherited``).
    current
        The current plans.
    data
        The data set in scope (its ``quotas`` for ``quarter`` and reps' ``role``).
    quarter
        The quarter paid.
    running
        The quarter is still running on the as-of date.

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    used = [p for p in current if (st["plan"] == p.name).any()] or current
    names = listing([p.name for p in used])
    text = (
        f"{count(len(st), 'rep')} with a quota {'is' if len(st) == 1 else 'are'} paid under "
        f"{'the current plan' if len(used) == 1 else f'{len(used)} current plans'}: {names}."
    )
    quotas = data.quotas
    with_quota = (
        set(quotas.loc[(quotas["period"] == quarter) & (quotas["quota"] > 0), "rep_id"])
        if quotas is not None
        else set()
    )
    missing = with_quota - set(st["rep_id"])
    if missing:
        reps = data.reps.set_index("rep_id")
        roles = sorted({str(reps["role"].get(r)) for r in missing} if "role" in reps else {"none"})
        text += (
            f" {count(len(missing), 'rep')} with a quota {'has' if len(missing) == 1 else 'have'} "
            f"no plan for {'their role' if len(missing) > 1 else 'the role'} ({listing(roles)}) "
            f"and {'is' if len(missing) == 1 else 'are'} left out."
        )
    if running:
        text += (
            f" {quarter} is still running: pay is worked out on the bookings so far against the "
            "whole quarter's quota."
        )
    return text


def _tiles(
    metrics: dict[str, float], quarter: str, reps: int, fmt: MoneyFormat, booked_all: float
) -> list[Tile]:
    return [
        Tile(
            "Variable pay",
            fmt(metrics["variable_pay"]),
            f"{count(reps, 'rep')}; SPIFFs {fmt(metrics['spiffs'])} on top",
        ),
        Tile(
            "Variable cost of sales",
            pct(metrics["cost_of_sales"], 1),
            "variable pay and SPIFFs ÷ bookings on a plan",
        ),
        Tile(
            "Total cost of sales",
            pct(metrics["total_cost_of_sales"], 1),
            f"with {fmt(metrics['base'])} of base pay",
        ),
        Tile(
            "Bookings of reps on a plan with a quota",
            fmt(metrics["bookings"]),
            f"of {fmt(booked_all)} booked, {quarter}",
        ),
        Tile(
            "From inherited deals",
            fmt(metrics["pay_from_inherited"]),
            "pay on deals created before the rep's hire or reassigned",
        ),
    ]


def _by_team(st: pd.DataFrame) -> pd.DataFrame:
    t = st.assign(team=st["team"].fillna("(no team)"))
    out = t.groupby("team").agg(
        reps=("rep_id", "size"),
        bookings=("bookings", "sum"),
        variable_pay=("variable_pay", "sum"),
        spiffs=("spiffs", "sum"),
        pay_from_inherited=("pay_from_inherited", "sum"),
    )
    base = t.groupby("team")["base"].sum() if "base" in t else 0.0
    out["cost_of_sales"] = (out["variable_pay"] + out["spiffs"]) / out["bookings"].where(
        out["bookings"] > 0
    )
    out["total_cost_of_sales"] = (out["variable_pay"] + out["spiffs"] + base) / out[
        "bookings"
    ].where(out["bookings"] > 0)
    return out.reset_index()


def cost_sentence(metrics: dict[str, float], by_team: pd.DataFrame | None, fmt: MoneyFormat) -> str:
    """What the plans cost per dollar booked, variable and with base pay, and the dearest team.

    Parameters
    ----------
    metrics
        :func:`~salesops_lib.analysis.comp.plan_metrics` of the quarter's statements
        (``cost_of_sales``, ``base``, ``total_cost``, ``total_cost_of_sales``).
    by_team
        Pay by team (``team, cost_of_sales, total_cost_of_sales``); None, or fewer than two
        teams with a cost of sales: no team is named.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    text = (
        f"Variable pay and SPIFFs cost {bold(pct(metrics['cost_of_sales'], 1))} of the bookings "
        "of reps on a plan with a quota (the variable cost of sales); with their base pay "
        f"({fmt(metrics['base'])}) the plans cost {fmt(metrics['total_cost'])}, "
        f"{bold(pct(metrics['total_cost_of_sales'], 1))} of those bookings (the total cost of "
        "sales)"
    )
    teams = by_team.dropna(subset=["cost_of_sales"]) if by_team is not None else None
    if teams is None or len(teams) < 2:
        return text + "."
    hi = teams.loc[teams["cost_of_sales"].idxmax()]
    return (
        f"{text}. The most expensive team per dollar booked is {bold(hi['team'])} "
        f"({pct(hi['cost_of_sales'], 1)} variable, {pct(hi['total_cost_of_sales'], 1)} in all)."
    )


def outside_sentence(
    outside: pd.DataFrame,
    booked_all: float,
    metrics: dict[str, float],
    quarter: str,
    fmt: MoneyFormat,
) -> str | None:
    """How much of the quarter's bookings no statement covers, by whom and why.

    Parameters
    ----------
    outside
        :func:`~salesops_lib.analysis.comp.outside_statements` (``rep_name, hire_date,
        bookings, reason``); the first five reps of each reason are named.
    booked_all
        Everything booked in the quarter up to the as-of date.
    metrics
        :func:`~salesops_lib.analysis.comp.plan_metrics` of the statements (``bookings``: what
        they cover).
    quarter
        The quarter paid.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first); when the statements cover every
        dollar, a sentence that says so.
    """
    left = booked_all - metrics["bookings"]
    if outside.empty or fmt(left) == fmt(0):
        return (
            f"Every dollar of {quarter}'s bookings ({fmt(booked_all)}) is on a rep with a plan "
            "and a quota."
        )

    def who(r: Any) -> str:
        hired = (
            f", hired {pd.Timestamp(r.hire_date).date()}"
            if r.hire_date is not None and pd.notna(r.hire_date)
            else ""
        )
        return f"{r.rep_name} ({fmt(r.bookings)}{hired})"

    parts = []
    for reason, words in (
        ("no quota", f"no quota for {quarter}"),
        ("no plan", "a quota but no plan for their role"),
    ):
        g = outside[outside["reason"] == reason]
        if g.empty:
            continue
        named = [who(r) for r in g.head(5).itertuples()]
        more = [f"{len(g) - 5} more"] if len(g) > 5 else []
        parts.append(f"{count(len(g), 'rep')} with {words}: {listing(named + more)}")
    return (
        f"These figures cover the bookings of reps on a plan with a quota, {fmt(metrics['bookings'])} "
        f"of the {fmt(booked_all)} booked in {quarter}; the other {bold(fmt(left))} were booked by "
        f"{'; and '.join(parts)}, and are in no statement."
    )


def spiff_sentence(
    spiffs: pd.DataFrame, quarter: str, quarters: list[str], fmt: MoneyFormat
) -> str | None:
    """How often each SPIFF paid this quarter, in the replayed quarters and in all the data.

    Parameters
    ----------
    spiffs
        :func:`~salesops_lib.analysis.comp.spiff_counts` (``spiff, amount, rule, plan, paid,
        paid_amount, replayed, ever``; ``ever`` counts the won deals up to the as-of date:
        all the data as known then).
    quarter
        The quarter paid.
    quarters
        The replayed quarters, oldest first (none: the replay is not mentioned).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None without SPIFFs.
    """
    if spiffs is None or spiffs.empty:
        return None
    span = (
        f"the {count(len(quarters), 'replayed quarter')} ({quarters[0]}–{quarters[-1]})"
        if len(quarters) > 1
        else f"the replayed quarter ({quarters[0]})"
        if quarters
        else ""
    )
    parts = []
    for r in spiffs.itertuples():
        times = "once" if r.paid == 1 else f"{r.paid:,} times"
        paid = (
            f"paid {times} in {quarter} ({fmt(r.paid_amount)})"
            if r.paid
            else f"did not pay in {quarter}"
        )
        text = f"{bold(r.spiff)} ({fmt(r.amount)} per {r.rule}, {r.plan}) {paid}"
        if span:
            text += f", {r.replayed:,} in {span}"
        text += f"; {count(r.ever, 'won deal')} in all the data qualify"
        parts.append(text)
    return "SPIFFs: " + "; ".join(parts) + "."


def inherited_sentence(st: pd.DataFrame, data: SalesData, fmt: MoneyFormat) -> str:
    """How much pay comes from inherited deals, naming the rep it matters most for.

    Inherited deals are deals created before their owner was hired, or reassigned to them.

    Parameters
    ----------
    st
        :func:`~salesops_lib.analysis.comp.statements` of the quarter (``rep_id, rep_name,
        bookings, payout_pct, inherited_deals, inherited_bookings, pay_from_inherited``).
    data
        The data set in scope (the reps' ``hire_date``, named beside the rep).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    inh = st[st["inherited_bookings"] > 0]
    defn = "deals created before their owner was hired, or reassigned to them"
    if inh.empty:
        return f"No rep's bookings this quarter come from inherited deals ({defn})."
    paid = float(st["pay_from_inherited"].sum())
    deals = int(inh["inherited_deals"].sum())
    lead = (
        f"{count(len(inh), 'rep')} booked {fmt(inh['inherited_bookings'].sum())} on "
        f"{count(deals, 'deal')} they inherited ({defn})"
    )
    if paid <= 0:
        return f"{lead}; none of the pay depends on them."
    top = inh.loc[inh["pay_from_inherited"].idxmax()]
    hires = data.reps.drop_duplicates("rep_id").set_index("rep_id")
    hired = hires["hire_date"].get(top["rep_id"]) if "hire_date" in hires else None
    when = f" (hired {pd.Timestamp(hired).date()})" if hired is not None and pd.notna(hired) else ""
    share = top["inherited_bookings"] / top["bookings"] if top["bookings"] > 0 else np.nan
    part = "all of it" if share >= 0.999 else f"{pct(share)} of it"
    n_top = int(top["inherited_deals"])
    return (
        f"{bold(fmt(paid))} of this quarter's variable pay and SPIFFs comes from inherited deals: "
        f"{lead}. The most: {bold(top['rep_name'])}{when} is paid {pct(top['payout_pct'])} of "
        f"target on {fmt(top['bookings'])} of bookings, {part} from "
        f"{count(n_top, 'inherited deal')}; without {'it' if n_top == 1 else 'them'}, "
        f"{fmt(top['pay_from_inherited'])} of that pay would not be earned."
    )


def on_target_sentence(
    on_target: pd.DataFrame, bookings: float, quarter: str, fmt: MoneyFormat
) -> str | None:
    """Without quotas: what the plans would pay if every rep were exactly at quota.

    Parameters
    ----------
    on_target
        :func:`salesops_lib.analysis.comp.on_target_cost` (``reps, cost`` per plan).
    bookings
        The quarter's bookings (0: no cost of sales is given).
    quarter
        The quarter.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when there is nothing true to say.
    """
    cost = float(on_target["cost"].sum())
    reps = int(on_target["reps"].sum())
    if reps == 0:
        return None
    text = (
        f"Without quotas no rep's pay can be worked out; if every one of the {count(reps, 'rep')} "
        f"the current plans cover were exactly at quota, variable pay would be {bold(fmt(cost))} "
        f"for {quarter}"
    )
    if bookings > 0:
        text += f", {pct(cost / bookings, 1)} of the quarter's bookings ({fmt(bookings)})"
    return text + "."


# ---------------------------------------------------------------------------------------
# pay and performance


def pay_sentence(
    st: pd.DataFrame, metrics: dict[str, float], current: list[CompPlan], fmt: MoneyFormat
) -> str:
    """How closely pay follows bookings under each plan, and who earns what.

    Parameters
    ----------
    st
        :func:`salesops_lib.analysis.comp.statements` of the quarter (``rep_id, rep_name, plan,
        quota, bookings, attainment, variable_pay, spiffs, payout_pct, inherited_deals,
        inherited_bookings, pay_from_inherited``).
    metrics
        :func:`salesops_lib.analysis.comp.plan_metrics` of the statements
        (``top_quartile_share, below_threshold``).
    current
        The current plans (one correlation each).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first); empty when no plan has a correlation
        and the top-quartile share is unknown.
    """
    parts = []
    for p in current:
        mine = st[st["plan"] == p.name]
        r = comp.pay_correlation(mine["bookings"], mine["variable_pay"])
        if np.isfinite(r):
            parts.append(f"{bold(f'{r:.2f}')} under {p.name}")
    text = (
        f"Pay follows the dollars booked with a correlation of {listing(parts)} (1 means pay "
        "rises in step with bookings)."
        if parts
        else ""
    )
    below = st[st["attainment"] < 1]
    share = metrics["top_quartile_share"]
    if np.isfinite(share):
        text += f" The top quarter of reps by attainment earn {bold(pct(share))} of variable pay"
        if len(below):
            text += (
                f"; the {count(len(below), 'rep')} below 100% "
                f"{'earns' if len(below) == 1 else 'earn'} {fmt(below['variable_pay'].sum())}"
            )
        n_thr = int(metrics["below_threshold"])
        text += (
            f", and the {count(n_thr, 'rep')} below {'the' if n_thr == 1 else 'their'} plan's "
            f"threshold {'earns' if n_thr == 1 else 'earn'} no variable pay."
            if n_thr
            else "."
        )
    return text.strip()


def pay_title(st: pd.DataFrame, current: list[CompPlan]) -> str:
    """The pay-against-bookings chart's title.

    Parameters
    ----------
    st
        :func:`salesops_lib.analysis.comp.statements` of the quarter (``rep_id, rep_name, plan,
        quota, bookings, attainment, variable_pay, spiffs, payout_pct, inherited_deals,
        inherited_bookings, pay_from_inherited``).
    current
        The current plans (one correlation each).

    Returns
    -------
    str
        The title (it states the finding).
    """
    rs = []
    for p in current:
        mine = st[st["plan"] == p.name]
        r = comp.pay_correlation(mine["bookings"], mine["variable_pay"])
        if np.isfinite(r):
            rs.append(f"{r:.2f} ({p.name})")
    if not rs:
        return "Variable pay against bookings"
    return f"Pay against bookings: correlation {', '.join(rs)}"


def _curves(
    plans: list[CompPlan], st: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    top = 3.0
    if st is not None and len(st):
        top = max(3.0, float(st["attainment"].max()) * 1.05)
    x = np.linspace(0.0, top, 400)
    current = {p.name for p in comp.current_plans(plans)}
    curves = pd.concat(
        [
            pd.DataFrame(
                {
                    "plan": p.name,
                    "attainment": x,
                    "payout_pct": p.payout(x) / p.quarterly_target,
                    "current": p.name in current,
                }
            )
            for p in plans
        ],
        ignore_index=True,
    )
    points = st[["plan", "attainment", "payout_pct"]] if st is not None and len(st) else None
    return curves, points


def curves_title(plans: list[CompPlan], st: pd.DataFrame | None) -> str:
    """The payout-curve chart's title: the spread of pay at twice the quota, and reps at a cap.

    Parameters
    ----------
    plans
        Every plan drawn.
    st
        The statements (``plan, attainment``), or None without them.

    Returns
    -------
    str
        The title (it states the finding).
    """
    at2 = [float(p.payout([2.0])[0] / p.quarterly_target) for p in plans]
    lead = (
        f"At 200% attainment the plans pay {pct(min(at2))} to {pct(max(at2))} of target pay"
        if len(plans) > 1 and min(at2) != max(at2)
        else f"At 200% attainment the plan{'s pay' if len(plans) > 1 else ' pays'} {pct(at2[0])} of target pay"
    )
    if st is None or not len(st):
        return lead
    caps = {p.name: p.cap for p in plans if p.cap is not None}
    at_cap = (
        int(sum((st["plan"] == n) & (st["attainment"] >= c) for n, c in caps.items()).sum())
        if caps
        else 0
    )
    return f"{lead}; {count(len(st), 'rep')} on the current plans, {at_cap:,} at a cap"


def booked_sentence(
    rep_kpi: pd.DataFrame,
    quarter: str,
    fmt: MoneyFormat,
    *,
    plans: bool,
    quotas: bool,
    inactive: pd.DataFrame | None = None,
) -> str:
    """Without statements: the quarter's bookings, the base any plan pays on.

    Parameters
    ----------
    rep_kpi
        :func:`salesops_lib.analysis.kpis.kpi_table` by rep for the quarter (``bookings, won``).
    quarter
        The quarter.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    plans, quotas
        Whether the data has comp plans and quotas (the sentence names what is missing).
    inactive
        The reps of ``rep_kpi`` the data no longer shows at work
        (:func:`salesops_lib.analysis.quota.possibly_inactive`, as reports 01 and 04 leave them
        out): named as left out of the chart of bookings per rep. None or empty: nobody.

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    missing = listing([w for w, has in (("comp plans", plans), ("quotas", quotas)) if not has])
    booked = rep_kpi[rep_kpi["bookings"] > 0]
    text = (
        f"{quarter}'s bookings are {bold(fmt(rep_kpi['bookings'].sum()))} from "
        f"{count(int(rep_kpi['won'].sum()), 'deal')} won by {len(booked):,} of "
        f"{count(len(rep_kpi), 'rep')}: what pay is computed from once the data has {missing}."
    )
    idle = (
        inactive_sentence(inactive, what="the chart of bookings per rep")
        if inactive is not None
        else None
    )
    return f"{text} {idle}" if idle else text


def spread_title(
    rep_kpi: pd.DataFrame, quarter: str, fmt: MoneyFormat, *, left_out: int = 0
) -> str:
    """The bookings-spread chart's title (shown without quotas or plans).

    Parameters
    ----------
    rep_kpi
        :func:`salesops_lib.analysis.kpis.kpi_table` by rep for the quarter (``bookings``):
        the reps the chart shows.
    quarter
        The quarter.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    left_out
        Reps left out of ``rep_kpi`` as possibly not in seat: the title then says the median
        is of the reps in seat.

    Returns
    -------
    str
        The title (it states the finding).
    """
    if not len(rep_kpi):
        return f"Bookings per rep, {quarter}"
    med = float(rep_kpi["bookings"].median())
    who = f"rep of the {len(rep_kpi):,} in seat " if left_out else "rep "
    return f"Bookings per rep in {quarter}: the median {who}booked {fmt(med)}"


def _tiers(st: pd.DataFrame | None, current: list[CompPlan]) -> Table:
    if st is None or not len(st):
        empty = pd.DataFrame(columns=["plan", "attainment", "variable_pay"])
        frame = pd.concat([comp.reps_per_tier(empty, p) for p in current], ignore_index=True)
        return Table(
            frame,
            TIER_SPEC.only(["plan", "band", "rate"]),
            "The current plans' bands of attainment (a band covers attainment above its lower "
            "edge up to and including its upper edge)",
        )
    frame = pd.concat([comp.reps_per_tier(st, p) for p in current], ignore_index=True)
    return Table(
        frame,
        TIER_SPEC,
        "Reps per band of attainment: each rep in one band (above the lower edge, up to and "
        "including the upper)",
    )


def tier_sentence(tiers: pd.DataFrame, metrics: dict[str, float]) -> str:
    """How many reps sit at a cap (more bookings earn no more) and below a threshold.

    Parameters
    ----------
    tiers
        :func:`salesops_lib.analysis.comp.reps_per_tier` of the current plans (``band,
        reps``).
    metrics
        :func:`salesops_lib.analysis.comp.plan_metrics` of the statements (``reps``).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    reps = int(metrics["reps"])
    at_cap = int(tiers.loc[tiers["band"].str.startswith("At or above"), "reps"].sum())
    below = int(tiers.loc[tiers["band"].str.startswith("Below"), "reps"].sum())
    parts = [
        f"{bold(count(at_cap, 'rep'))} of {reps:,} {'is' if at_cap == 1 else 'are'} at or above "
        f"{'the' if at_cap == 1 else 'their'} plan's cap, where more bookings earn no more pay"
        if at_cap
        else f"No rep of {reps:,} is at a cap, where more bookings would earn no more pay"
    ]
    if below:
        parts.append(
            f"{count(below, 'rep')} {'is' if below == 1 else 'are'} below the threshold and "
            f"{'earns' if below == 1 else 'earn'} no variable pay"
        )
    return "; ".join(parts) + "."


# ---------------------------------------------------------------------------------------
# what if


def _replay_table(what_if: pd.DataFrame, currency: str) -> Table:
    t = what_if.reset_index()
    t["status"] = np.where(t["current"], "Current", "Candidate")
    return Table(t, REPLAY_SPEC, "Each plan on the same real deals", currency)


def replay_sentence(what_if: pd.DataFrame, quarters: list[str], fmt: MoneyFormat) -> str:
    """Each candidate against the current plan of the same roles, on the replayed quarters.

    Parameters
    ----------
    what_if
        :func:`salesops_lib.analysis.comp.replay` (index ``plan``; ``roles, current, cost,
        cost_of_sales, pay_correlation``).
    quarters
        The quarters replayed, oldest first (at least one).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    n = len(quarters)
    span = quarter_span(quarters)
    if n == 4:
        lead = f"Replaying {count(n, 'quarter')} ({span}) of real deals"
    elif n == 1:
        lead = f"Replaying the only quarter of the last four that has quotas ({span})"
    else:
        lead = f"Replaying the {n} quarters of the last four that have quotas ({span})"
    t = what_if.reset_index()
    parts = []
    for roles, g in t.groupby("roles", sort=True):
        cur = g[g["current"]]
        cands = g[~g["current"]]
        if cur.empty or cands.empty:
            continue
        c = cur.iloc[0]
        for _, k in cands.iterrows():
            who = "every role" if roles == "*" else roles
            text = (
                f"for {who}, {bold(k['plan'])} would have paid {fmt(k['cost'])} in variable "
                f"pay and SPIFFs ({pct(k['cost_of_sales'], 1)} of bookings) against "
                f"{fmt(c['cost'])} ({pct(c['cost_of_sales'], 1)}) under the current {c['plan']}"
            )
            if np.isfinite(k["pay_correlation"]) and np.isfinite(c["pay_correlation"]):
                closeness = k["pay_correlation"] - c["pay_correlation"]
                follow = (
                    "about as closely"
                    if abs(closeness) < CLOSE
                    else "more closely"
                    if closeness > 0
                    else "less closely"
                )
                text += (
                    f", with pay following bookings {follow} ({k['pay_correlation']:.2f} against "
                    f"{c['pay_correlation']:.2f})"
                )
            parts.append(text)
    if not parts:
        return f"{lead}: the config has no candidate beside the current plans."
    return f"{lead}: " + "; ".join(parts) + "."


def replay_note(
    what_if: pd.DataFrame, st: pd.DataFrame | None, current: list[CompPlan], quarters: list[str]
) -> str:
    """The replay's caveat (reps would sell differently), and what each correlation covers.

    Parameters
    ----------
    what_if
        :func:`~salesops_lib.analysis.comp.replay` (index ``plan``; ``reps``: rep-quarters,
        ``pay_correlation``).
    st
        :func:`~salesops_lib.analysis.comp.statements` of the quarter (``plan, bookings,
        variable_pay``); None or empty: only the caveat.
    current
        The current plans (each one's correlation this quarter and in the replay).
    quarters
        The replayed quarters.

    Returns
    -------
    str
        The note: the caveat, then, when both correlations of a current plan are known, why
        they differ.
    """
    text = (
        "The replay pays the deals as they happened: under another plan reps would sell "
        "differently (pull deals into a quarter near an accelerator, hold them back at a cap), "
        "so it shows each plan's cost on past behaviour, not a forecast of it."
    )
    if st is None or not len(st):
        return text
    n = len(quarters)
    parts = []
    t = what_if.reset_index()
    for p in current:
        mine = st[st["plan"] == p.name]
        r = comp.pay_correlation(mine["bookings"], mine["variable_pay"])
        row = t[t["plan"] == p.name]
        if row.empty or not np.isfinite(r) or not np.isfinite(row["pay_correlation"].iloc[0]):
            continue
        rq = int(row["reps"].iloc[0])
        parts.append(
            f"under {p.name}, {r:.2f} over this quarter's {count(len(mine), 'rep')} and "
            f"{row['pay_correlation'].iloc[0]:.2f} over the replay's {rq:,} rep-quarters"
        )
    if not parts:
        return text
    return (
        f"{text} A plan's pay-performance correlation differs between this quarter and the "
        f"replay because they cover different reps and quarters: this quarter's, the reps with "
        f"a quota now; the replay's, every rep-quarter of the {count(n, 'quarter')} with the "
        f"reps in seat then ({'; '.join(parts)})."
    )


def replay_title(what_if: pd.DataFrame, quarters: list[str]) -> str:
    """The replay chart's title.

    Parameters
    ----------
    what_if
        :func:`salesops_lib.analysis.comp.replay` (index ``plan``; ``cost_of_sales``).
    quarters
        The quarters replayed, oldest first (at least one).

    Returns
    -------
    str
        The title (it names the plan with the lowest cost of sales).
    """
    span = quarter_span(quarters)
    cheapest = what_if["cost_of_sales"].idxmin()
    return f"Variable cost of sales by plan on {span} deals (lowest: {cheapest})"


def _side_table(side: pd.DataFrame, plans: list[CompPlan]) -> Table:
    cols = [c for c in side.columns if c.startswith("at_")]
    spec = TableSpec(
        (
            Column("plan", "Plan"),
            *(Column(c, f"At {float(c[3:]) * 100:.0f}%", "pct") for c in cols),
        )
    )
    return Table(
        side, spec, "Variable pay as a share of target pay, at the same attainment for every plan"
    )


def side_sentence(side: pd.DataFrame) -> str | None:
    """Without quotas to replay: how far the plans part at twice the quota.

    Parameters
    ----------
    side
        :func:`salesops_lib.analysis.comp.pay_at` (``plan, at_2.0``).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None with fewer than two plans.
    """
    if len(side) < 2 or "at_2.0" not in side:
        return None
    hi = side.loc[side["at_2.0"].idxmax()]
    lo = side.loc[side["at_2.0"].idxmin()]
    if hi["at_2.0"] == lo["at_2.0"]:
        return f"At 200% attainment every plan pays {pct(hi['at_2.0'])} of target pay."
    return (
        "Without quotas the plans cannot be replayed on real deals; at the same attainment they "
        f"part most at the top: at 200%, {bold(hi['plan'])} pays {pct(hi['at_2.0'])} of target "
        f"pay and {bold(lo['plan'])} {pct(lo['at_2.0'])}."
    )


# ---------------------------------------------------------------------------------------
# the quarter ahead


def ahead_sentence(ahead: comp.NextQuarterCost | None, fmt: MoneyFormat) -> str | None:
    """The quarter ahead's likely variable pay and its simulated range, on the recommended forecast.

    Parameters
    ----------
    ahead
        :func:`~salesops_lib.analysis.comp.next_quarter_cost`; None: it could not be worked
        out (the section's gap says why).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None without ``ahead``.
    """
    if ahead is None:
        return None
    name = method_name(ahead.method)
    if ahead.recommended:
        # a short reference: report 03 says why it recommends the method (issue 16)
        method = f"{name}, the method the forecasting report recommends"
    else:
        method = (
            f"{name} (no backtest on this data recommends a method, so the pipeline forecast "
            "stands in)"
        )
    quotas = (
        ""
        if ahead.quota_quarter == ahead.quarter
        else f" against {ahead.quota_quarter}'s quotas, as {ahead.quarter} has none yet,"
    )
    forecast = f"With {ahead.quarter} bookings forecast at {fmt(ahead.point)}"
    if fmt(ahead.lo80) != fmt(ahead.hi80):
        forecast += f" (80% range {fmt(ahead.lo80)}–{fmt(ahead.hi80)})"
    forecast += f" by {method}"
    if fmt(ahead.p10) == fmt(ahead.p90):
        return (
            f"{forecast}, the current plans' variable pay would be {bold(fmt(ahead.p50))}{quotas} "
            f"in every simulated outcome ({SIMULATED})."
        )
    return (
        f"{forecast}, the current plans' variable pay would most likely be "
        f"{bold(fmt(ahead.p50))}{quotas} with a simulated 80% range of {fmt(ahead.p10)}–"
        f"{fmt(ahead.p90)} ({SIMULATED})."
    )


# ---------------------------------------------------------------------------------------
# findings and definitions


def _findings(
    st: pd.DataFrame | None, what_if: pd.DataFrame | None, fmt: MoneyFormat
) -> list[Finding]:
    out = []
    if st is not None and len(st) and st["pay_from_inherited"].sum() > 0:
        paid = float(st["pay_from_inherited"].sum())
        out.append(
            Finding(
                f"{bold(fmt(paid))} of this quarter's pay comes from deals the reps inherited.",
                paid,
                PAY,
            )
        )
    if what_if is not None:
        t = what_if.reset_index()
        for roles, g in t.groupby("roles"):
            cur = g[g["current"]]
            cands = g[~g["current"]]
            if cur.empty or cands.empty:
                continue
            best = cands.loc[cands["cost"].idxmin()]
            saved = float(cur["cost"].iloc[0] - best["cost"])
            if saved > 0:
                out.append(
                    Finding(
                        f"For {roles}, {best['plan']} would have cost {bold(fmt(saved))} less than "
                        "the current plan on the same deals.",
                        saved,
                        WHATIF,
                    )
                )
    return sorted(out, key=lambda f: -f.at_stake)


def _definitions() -> dict[str, str]:
    return pick(
        "Bookings",
        "Deal credit",
        "Quota",
        **{
            "OTE": "On-target earnings: annual base plus variable pay at 100% attainment.",
            "Quarterly variable target": "OTE × (1 − base share) ÷ 4.",
            "Attainment": "Bookings divided by quota for the quarter.",
            "Threshold": "Attainment below which no variable pay is earned.",
            "Cap": "The highest attainment that counts toward pay.",
            "Tier": (
                "A band of attainment above its lower edge up to and including its upper edge, "
                "paid at a rate: a multiple of the target rate (below 1 a decelerator, above 1 an "
                "accelerator)."
            ),
            "Marginal": "Each tier's rate applies to the attainment inside it, like tax brackets.",
            "Retroactive": "The rate of the highest tier reached applies to all attainment.",
            "SPIFF": (
                "A flat award per qualifying won deal (by product or size), paid on top of "
                "variable pay."
            ),
            "Payout": "Variable pay as a share of the quarterly variable target.",
            "Bookings of reps on a plan with a quota": (
                "The quarter's bookings of the reps who have a quota for it and a plan for their "
                "role: what pay is worked out on. Bookings of other reps are named beside it."
            ),
            "Variable cost of sales": (
                "Variable pay plus SPIFFs divided by the bookings of reps on a plan with a quota."
            ),
            "Total cost of sales": (
                "Base pay, variable pay and SPIFFs divided by the same bookings (base pay: OTE × "
                "base share ÷ 4 a quarter for each rep on the plan)."
            ),
            "Inherited deal": (
                "A deal created before its owner's hire date, or reassigned to its owner after it "
                "was created (the reassigned date, when the CRM has one)."
            ),
            "Pay from inherited deals": (
                "Variable pay and SPIFFs minus what the rep would earn on the same quarter "
                "without the inherited deals."
            ),
            "Pay-performance correlation": (
                "The correlation (Pearson) of each rep's bookings with their variable pay under "
                "one plan: 1 when pay rises in step with the dollars booked, lower when caps, "
                "thresholds, accelerators or quotas of different sizes pull pay away from them. "
                "(The rank correlation of attainment and pay would be 1 for every plan.)"
            ),
            "Top-quartile share": (
                "Share of variable pay earned by the quarter of reps with the highest attainment; "
                "reps tied at the edge of that quarter, or the one rep straddling it, count in "
                "equal parts so the group is always exactly a quarter of the reps."
            ),
            "Replay": (
                "The real deals of the last four complete quarters with quotas, paid under each "
                "plan; reps of other roles keep their current plan. Reps would sell differently "
                "under another plan, so it is each plan's cost on past behaviour."
            ),
            "Next quarter's cost range": (
                f"A simulation (Monte Carlo) of {COST_DRAWS:,} quarters: company bookings drawn "
                "from the distribution of the forecast the forecasting report recommends (the "
                "lowest average miss over at least 4 backtested "
                "quarters at the forecast's week, a tie broken by the smaller bias; the pipeline "
                "forecast when no backtest recommends one), split across reps "
                "by their trailing share with historical spread, paid under the current plans; "
                "the range holds 80% of the draws."
            ),
            "Average miss": SHARED["Average miss"],
            "Bias": SHARED["Bias"],
            "SPIFF count": (
                "How many won deals a SPIFF paid for: this quarter (reps with a statement), in "
                "the replayed quarters, and the won deals in all the data that qualify."
            ),
        },
    )
