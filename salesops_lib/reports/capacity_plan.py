"""Report 10, capacity plan: enough ramped sellers for next year's target, and what turnover costs.

:func:`build` returns a :class:`CapacityReport`: the team's ramped-rep equivalents and
expected bookings per quarter of the next fiscal year against the target quota design
plans from (:func:`~salesops_lib.analysis.quota.plan_target`), in a best, base and worst
case; the hires that close the gap and by when; what the plan rests on (the ramp measured
from the company's own hires, bookings per ramped rep, attrition, time to fill a seat); last
year's plan made from the data before it, against what was booked; how long reps stay
(survival curves by team, role, manager and performance band); what each departure cost;
and how the spread of attainment moved over eight quarters beside headcount. Every
sentence is a function of the numbers beside it (tested in
``tests/test_reports_capacity_plan.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib.analysis import capacity as cap
from salesops_lib.analysis import quota as quota_analysis
from salesops_lib.analysis import turnover as tv
from salesops_lib.analysis.kpis import attainment_trend, trailing_full_quarters
from salesops_lib.data import SalesData
from salesops_lib.format import number, pct
from salesops_lib.reports.base import (
    README_DATA,
    Finding,
    Gap,
    HasGaps,
    Header,
    MoneyFormat,
    Period,
    bold,
    count,
    header,
    money_in,
    period_of,
    quarter_span,
    signed_money,
    team_or_company,
)
from salesops_lib.reports.definitions import pick
from salesops_lib.reports.tables import Column, Table, TableSpec

CAPACITY_SECTION = "Do we have the sellers for next year's target?"
HIRING_SECTION = "Whom must we hire, and by when?"
BASIS_SECTION = "What does the plan rest on?"
BACKTEST_SECTION = "Would last year's plan have been right?"
SURVIVAL_SECTION = "How long do reps stay?"
COST_SECTION = "What does turnover cost?"
CONSISTENCY_SECTION = "Is the team getting more consistent?"

NO_HIRE_DATES = "reps' hire and leaving dates"
ADD_HIRE_DATES = (
    "add each rep's hire date and, for reps who left, their leaving date to the reps file "
    f"({README_DATA})"
)
NO_BOOKED_QUARTER = "a complete quarter of bookings before the plan date"
ADD_BOOKED_QUARTER = "run the report on a quarter after the data's first complete one"
CONSISTENCY_QUARTERS = 8
REGRETTED = tv.TOP_BAND

QUARTER_SPEC = TableSpec(
    (
        Column("quarter", "Quarter"),
        Column("period", "Period"),
        Column("headcount", "Reps in seat", "num1"),
        Column("ramped_equivalents", "Ramped-rep equivalents", "num1"),
        Column("expected_worst", "Worst case", "money"),
        Column("expected_base", "Expected bookings", "money"),
        Column("expected_best", "Best case", "money"),
        Column("target", "Target", "money"),
    )
)
CASE_SPEC = TableSpec(
    (
        Column("case", "Case"),
        Column("attrition", "Attrition a year", "pct"),
        Column("per_year", "Bookings per ramped rep a year", "money"),
        Column("expected", "Expected bookings", "money"),
        Column("gap", "Short of target", "money"),
        Column("per_hire", "One hire brings", "money"),
        Column("hires", "Hires needed", "int"),
    )
)
START_SPEC = TableSpec(
    (
        Column("start", "Hire starts on", "date"),
        Column("per_hire", "One hire brings in the plan year", "money"),
        Column("hires", "Hires needed to close the gap", "int"),
    )
)
BASIS_SPEC = TableSpec((Column("what", "What"), Column("value", "Value"), Column("how", "How")))
RAMP_SPEC = TableSpec(
    (
        Column("month", "Month of tenure", "int"),
        Column("share", "Share of a ramped rep's bookings", "pct"),
    )
)
BACKTEST_SPEC = TableSpec(
    (
        Column("quarter", "Quarter"),
        Column("planned", "Planned then", "money"),
        Column("with_actual_team", "With the team it had", "money"),
        Column("booked", "Booked", "money"),
        Column("planned_error", "Plan vs booked", "pct"),
        Column("team_error", "Team model vs booked", "pct"),
    )
)
SURVIVAL_SPEC = TableSpec(
    (
        Column("by", "By"),
        Column("group", "Group"),
        Column("reps", "Reps", "int"),
        Column("departures", "Left", "int"),
        Column("m6", "In seat after 6 months", "pct"),
        Column("m12", "After 12 months", "pct"),
        Column("m24", "After 24 months", "pct"),
    ),
    max_rows=60,
)
DEPARTURE_SPEC = TableSpec(
    (
        Column("rep_name", "Rep"),
        Column("team", "Team"),
        Column("end_date", "Left on", "date"),
        Column("tenure_months", "Tenure months", "num1"),
        Column("band", "Performance before leaving"),
        Column("vacancy_days", "Days the seat was empty", "int"),
        Column("vacancy_cost", "Empty seat cost", "money"),
        Column("ramp_cost", "New hire's ramp cost", "money"),
        Column("cost", "Cost in bookings", "money"),
    ),
    max_rows=40,
)
COST_QUARTER_SPEC = TableSpec(
    (
        Column("quarter", "Quarter"),
        Column("departures", "Departures", "int"),
        Column("regretted", "Of them at or above quota", "int"),
        Column("cost", "Cost in bookings", "money"),
    )
)
CONSISTENCY_SPEC = TableSpec(
    (
        Column("quarter", "Quarter"),
        Column("headcount", "Reps in seat", "int"),
        Column("hires", "Hired", "int"),
        Column("departures", "Left", "int"),
        Column("reps_with_quota", "Reps with a quota", "int"),
        Column("p25", "Attainment, lower quartile", "pct"),
        Column("median", "Median attainment", "pct"),
        Column("p75", "Upper quartile", "pct"),
        Column("spread", "Spread (points)", "num1"),
        Column("at_quota", "Share at quota", "pct"),
    )
)
CONSISTENCY_BOOKINGS_SPEC = TableSpec(
    (
        Column("quarter", "Quarter"),
        Column("headcount", "Reps in seat", "int"),
        Column("hires", "Hired", "int"),
        Column("departures", "Left", "int"),
        Column("reps_with_quota", "Reps who booked", "int"),
        Column("p25", "Bookings per rep, lower quartile", "money"),
        Column("median", "Median bookings per rep", "money"),
        Column("p75", "Upper quartile", "money"),
    )
)


@dataclass(frozen=True)
class CapacityReport(HasGaps):
    """Everything report 10 shows (see :func:`build`)."""

    header: Header
    period: Period
    gaps: list[Gap]
    plan_label: str
    plan: cap.CapacityPlan | None
    target_source: str | None
    capacity_frame: pd.DataFrame
    capacity: Table | None
    capacity_sentence: str | None
    capacity_title: str
    cases: Table | None
    hiring_sentence: str | None
    starts: Table | None
    basis: Table | None
    ramp_frame: pd.DataFrame
    ramp: Table | None
    ramp_title: str
    backtest_frame: pd.DataFrame
    backtest: Table | None
    backtest_sentence: str | None
    backtest_title: str
    survival_frame: pd.DataFrame
    survival: Table | None
    survival_sentence: str | None
    survival_title: str
    departures_frame: pd.DataFrame
    departures: Table | None
    cost_by_quarter: Table | None
    cost_sentence: str | None
    consistency_frame: pd.DataFrame
    consistency_chart: pd.DataFrame
    consistency_bars: pd.DataFrame
    consistency: Table | None
    consistency_sentence: str | None
    consistency_title: str
    definitions: dict[str, str]
    findings: list[Finding]
    currency: str


def build(
    data: SalesData,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
    target: float = 0.0,
    growth: float = 0.0,
) -> CapacityReport:
    """Build report 10: capacity for the fiscal year after ``quarter``, planned on ``as_of``.

    Parameters
    ----------
    data
        The company's data set (reps with hire and leaving dates for the plan and the
        turnover sections; quotas for attainment).
    quarter
        The reported quarter; None: the latest complete one. The plan covers the next
        fiscal year, as quota design's does.
    as_of
        Planning date; None: the quarter's end (or the data's last date mid-quarter).
    team
        Narrow the report to one team; None: the whole company.
    target
        The plan year's bookings target; 0: quota design's target (the year-ahead forecast
        grown by ``growth``).
    growth
        Growth over the forecast when ``target`` is 0 (0.1: 10%).

    Returns
    -------
    CapacityReport

    Raises
    ------
    ConfigError
        For a quarter outside the data, an as-of date outside the quarter, or an unknown team.

    Examples
    --------
    >>> r = build(load_dataset("data/demo"), quarter="2026Q3")  # doctest: +SKIP
    >>> r.hiring_sentence  # doctest: +SKIP
    """
    period = period_of(data, quarter, as_of)
    d = team_or_company(data, team)
    fmt = money_in(d.currency)
    day = period.as_of
    plan_year = quota_analysis.next_fiscal_year(d, period.quarter)
    plan_period = quota_analysis.plan_period(d, plan_year)
    has_dates = cap.has_hire_dates(d)
    gaps: list[Gap] = []
    plan, source = None, None
    if has_dates:
        pt = quota_analysis.plan_target(d, plan_period, day, target=target, growth=growth)
        plan = cap.plan_capacity(d, day, plan_period.quarters, target=pt.amount)
        source = _target_words(pt, fmt)
        if plan is None:
            gaps += [
                Gap(s, NO_BOOKED_QUARTER, ADD_BOOKED_QUARTER)
                for s in (CAPACITY_SECTION, HIRING_SECTION, BASIS_SECTION)
            ]
    else:
        gaps += [
            Gap(s, NO_HIRE_DATES, ADD_HIRE_DATES)
            for s in (
                CAPACITY_SECTION,
                HIRING_SECTION,
                BASIS_SECTION,
                BACKTEST_SECTION,
                SURVIVAL_SECTION,
                COST_SECTION,
            )
        ]
    capacity = _capacity_section(plan, plan_period, fmt, source, d.currency)
    backtest = _backtest_section(d, day, fmt) if has_dates else _NO_BACKTEST
    if has_dates and not len(backtest["backtest_frame"]):
        gaps.append(Gap(BACKTEST_SECTION, "a year of data before the plan date", _YEAR_BEFORE))
    people = _turnover_section(d, day, plan, fmt) if has_dates and plan else _NO_TURNOVER
    if has_dates and plan is None:
        gaps += [
            Gap(s, NO_BOOKED_QUARTER, ADD_BOOKED_QUARTER) for s in (SURVIVAL_SECTION, COST_SECTION)
        ]
    consistency = _consistency_section(d, day, fmt)
    return CapacityReport(
        header=header(data, period, team),
        period=period,
        gaps=gaps,
        plan_label=plan_period.label,
        plan=plan,
        target_source=source,
        **capacity,
        **backtest,
        **people,
        **consistency,
        definitions=_definitions(),
        findings=_findings(plan, plan_period.label, people, fmt),
        currency=d.currency,
    )


_YEAR_BEFORE = "run it again once the data holds a year of quarters before the last four"


def _target_words(pt: quota_analysis.PlanTarget, fmt: MoneyFormat) -> str | None:
    """Where the plan year's target comes from, in words."""
    if pt.amount is None:
        return None
    if pt.source == "hand":
        return "the target set for the plan"
    grown = f" grown by {pct(pt.growth)}" if pt.growth else ""
    return f"quota design's target: the year-ahead bookings forecast{grown}"


# ---- capacity and hiring --------------------------------------------------------------------


def _capacity_section(
    plan: cap.CapacityPlan | None,
    plan_period: quota_analysis.PlanPeriod,
    fmt: MoneyFormat,
    source: str | None,
    currency: str,
) -> dict:
    if plan is None:
        return {
            "capacity_frame": pd.DataFrame(),
            "capacity": None,
            "capacity_sentence": None,
            "capacity_title": "",
            "cases": None,
            "hiring_sentence": None,
            "starts": None,
            "basis": None,
            "ramp_frame": pd.DataFrame(),
            "ramp": None,
            "ramp_title": "",
        }
    q = plan.quarters.copy()
    season = plan.productivity.season
    share = np.array([season[int(x[-1]) - 1] for x in q["quarter"]])
    q["target"] = np.where(q["in_plan"], (plan.target or np.nan) * share, np.nan)
    q["period"] = np.where(q["in_plan"], plan_period.label, "before the plan year")
    chart = q.assign(bookings=q["expected_base"])
    ramp = pd.DataFrame(
        {
            "month": np.arange(1, len(plan.ramp.shares) + 1),
            "share": plan.ramp.shares,
            "line": "Ramp of a new hire" if plan.ramp.source == "measured" else "Default ramp",
        }
    )
    return {
        "capacity_frame": chart,
        "capacity": Table(
            q,
            QUARTER_SPEC,
            caption=(
                "Per quarter from the plan date: expected reps in seat and ramped-rep "
                "equivalents (base case), and expected bookings in each case; the target "
                "split across quarters by the seasonality of bookings."
            ),
            currency=currency,
        ),
        "capacity_sentence": capacity_sentence(plan, plan_period.label, fmt, source),
        "capacity_title": capacity_title(plan, plan_period.label, fmt),
        "cases": Table(
            case_frame(plan), CASE_SPEC, caption="The plan year in three cases.", currency=currency
        ),
        "hiring_sentence": hiring_sentence(plan, plan_period.label, fmt),
        "starts": Table(
            plan.by_start,
            START_SPEC,
            caption="What a hire brings in the plan year by the day they start (base case).",
            currency=currency,
        )
        if len(plan.by_start) and plan.target is not None
        else None,
        "basis": Table(basis_frame(plan, fmt), BASIS_SPEC, caption="What the plan rests on."),
        "ramp_frame": ramp,
        "ramp": Table(ramp, RAMP_SPEC, caption="The ramp of a new hire, by month of tenure."),
        "ramp_title": ramp_title(plan.ramp),
    }


def case_frame(plan: cap.CapacityPlan) -> pd.DataFrame:
    """The plan year in each case: attrition, productivity, expected bookings, gap, hires.

    Parameters
    ----------
    plan
        The capacity plan.

    Returns
    -------
    DataFrame
        ``case, attrition, per_year, expected, gap, per_hire, hires`` (worst, base, best).
    """
    values = cap.case_values(plan.attrition, plan.productivity)
    rows = []
    for case in reversed(cap.CASES):  # worst first
        rate, per_year = values[case]
        gap = plan.gap(case)
        rows.append(
            {
                "case": case.capitalize(),
                "attrition": rate,
                "per_year": per_year,
                "expected": plan.expected[case],
                "gap": max(gap, 0.0) if np.isfinite(gap) else np.nan,
                "per_hire": plan.per_hire.get(case, np.nan),
                "hires": plan.hires.get(case, np.nan) if plan.hires.get(case, 0) >= 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)


def capacity_sentence(
    plan: cap.CapacityPlan, label: str, fmt: MoneyFormat, source: str | None
) -> str:
    """The team's expected bookings in the plan year against the target.

    Parameters
    ----------
    plan
        The capacity plan.
    label
        The plan year (``FY2027``).
    fmt
        Money formatter.
    source
        Where the target comes from, in words (None: no target).

    Returns
    -------
    str
    """
    base = plan.expected["base"]
    head = (
        f"With the {count(plan.in_seat, 'rep')} in seat on {plan.as_of.date()}, leaving at "
        f"the trailing year's {pct(plan.attrition.rate)} a year and each backfilled after "
        f"{number(plan.backfill.days)} days, the team is expected to book "
        f"{bold(fmt(base))} in {label} (worst case {fmt(plan.expected['worst'])}, best "
        f"{fmt(plan.expected['best'])})"
    )
    if plan.target is None:
        return head + "; there is no target to compare it with."
    gap = plan.gap("base")
    against = f"against a target of {fmt(plan.target)} ({source})"
    if gap > 0:
        return f"{head}, {against}: {bold(fmt(gap) + ' short')} ({pct(base / plan.target)} of it)."
    return f"{head}, {against}: {pct(base / plan.target)} of it, with no hire beyond backfills."


def capacity_title(plan: cap.CapacityPlan, label: str, fmt: MoneyFormat) -> str:
    """The capacity chart's title: expected bookings against the target.

    Parameters
    ----------
    plan
        The capacity plan.
    label
        The plan year.
    fmt
        Money formatter.

    Returns
    -------
    str
    """
    if plan.target is None:
        return f"Expected bookings per quarter: {fmt(plan.expected['base'])} in {label}"
    return (
        f"Expected bookings per quarter: {pct(plan.expected['base'] / plan.target)} "
        f"of {label}'s target"
    )


def hiring_sentence(plan: cap.CapacityPlan, label: str, fmt: MoneyFormat) -> str | None:
    """How many hires close the gap, starting when, in each case.

    Parameters
    ----------
    plan
        The capacity plan.
    label
        The plan year.
    fmt
        Money formatter.

    Returns
    -------
    str or None
        None without a target.
    """
    if plan.target is None:
        return None
    if plan.earliest_start is None:
        return (
            f"A hire asked for on {plan.as_of.date()} could not start before {label} ends "
            f"(a seat takes {number(plan.backfill.days)} days to fill)."
        )
    n, bring = plan.hires.get("base", 0), plan.per_hire.get("base", np.nan)
    start = plan.earliest_start.date()
    if n == 0:
        spare = -plan.gap("base")
        return (
            f"No hire beyond backfills is needed in the base case: the team is expected to "
            f"book {fmt(spare)} more than the target. In the worst case "
            f"{_case_hires(plan, 'worst')}."
        )
    if n < 0:
        return f"A hire starting on {start} brings nothing in {label}; no hiring closes the gap."
    return (
        f"To close the gap, hire {bold(count(n, 'rep') + ' starting by ' + str(start))}, "
        f"the earliest a seat asked for on {plan.as_of.date()} is filled: each brings "
        f"{fmt(bring)} in {label} while ramping. The worst case needs "
        f"{_hire_count(plan, 'worst')}, the best {_hire_count(plan, 'best')}; every quarter "
        "of delay makes each hire bring less (table below)."
    )


def _hire_count(plan: cap.CapacityPlan, case: str) -> str:
    n = plan.hires.get(case, 0)
    return "none" if n == 0 else ("more than any number of hires" if n < 0 else str(n))


def _case_hires(plan: cap.CapacityPlan, case: str) -> str:
    n = plan.hires.get(case, 0)
    if n == 0:
        return "no hire is needed either"
    return f"it needs {_hire_count(plan, case)}"


def basis_frame(plan: cap.CapacityPlan, fmt: MoneyFormat) -> pd.DataFrame:
    """What the plan rests on, each figure with how it was measured.

    Parameters
    ----------
    plan
        The capacity plan.
    fmt
        Money formatter.

    Returns
    -------
    DataFrame
        ``what, value, how``.
    """
    r, p, a, b = plan.ramp, plan.productivity, plan.attrition, plan.backfill
    qs = list(p.by_quarter["quarter"].tail(4))
    ramp_how = (
        f"measured from {count(r.hires, 'new hire')} inside the data: their bookings per "
        "rep by month of tenure against ramped reps of their segment"
        if r.source == "measured"
        else f"the default schedule: only {count(r.hires, 'new hire')} inside the data, "
        f"fewer than the {cap.MIN_RAMP_HIRES} a measure needs"
    )
    fill_how = (
        f"median over {count(b.matched, 'departure')} the team backfilled"
        + (f"; {b.still_open} still open" if b.still_open else "")
        if b.measured
        else "no departure in the data was backfilled: a common default"
    )
    rows = [
        ("Ramp", f"{r.months_to_full} months to 80% of a ramped rep", ramp_how),
        (
            "Bookings per ramped rep a year",
            f"{fmt(p.per_year)} (range {fmt(p.low)}–{fmt(p.high)})",
            f"bookings of {quarter_span(qs)} over their ramped-rep equivalents, "
            f"seasonality taken out; range: the quarters of {quarter_span(list(p.by_quarter['quarter']))}",
        ),
        (
            "Attrition a year",
            f"{pct(a.rate)} (range {pct(a.low)}–{pct(a.high)})",
            f"{count(a.departures, 'rep')} left in the year to {plan.as_of.date()}, of "
            f"{number(a.headcount, 1)} in seat on average; {pct(cap.RANGE_LEVEL)} range",
        ),
        ("Time to fill a seat", f"{number(b.days)} days", fill_how),
    ]
    return pd.DataFrame(rows, columns=["what", "value", "how"])


def ramp_title(ramp: cap.Ramp) -> str:
    """The ramp chart's title: the month a new hire reaches 80% of a ramped rep.

    Parameters
    ----------
    ramp
        The ramp.

    Returns
    -------
    str
    """
    return f"A new hire reaches 80% of a ramped rep in month {ramp.months_to_full}"


# ---- backtest -------------------------------------------------------------------------------

_NO_BACKTEST = {
    "backtest_frame": pd.DataFrame(),
    "backtest": None,
    "backtest_sentence": None,
    "backtest_title": "",
}


def _backtest_section(data: SalesData, day: pd.Timestamp, fmt: MoneyFormat) -> dict:
    qs = trailing_full_quarters(data, day, 4)
    if len(qs) < 4:
        return _NO_BACKTEST
    made = data.calendar.bounds(qs[0])[0] - pd.Timedelta(days=1)
    frame = cap.backtest(data, made, qs)
    if frame is None:
        return _NO_BACKTEST
    return {
        "backtest_frame": frame.assign(bookings=frame["booked"]),
        "backtest": Table(
            frame,
            BACKTEST_SPEC,
            currency=data.currency,
            caption=(
                f"The plan made on {made.date()} from the data known then, against what was "
                "booked; 'with the team it had': the same productivity times the ramped-rep "
                "equivalents the team actually had."
            ),
        ),
        "backtest_sentence": backtest_sentence(frame, made, fmt),
        "backtest_title": (
            f"Planned on {made.date()}: {pct(frame['planned'].sum() / frame['booked'].sum())} "
            "of what was booked"
        ),
    }


def backtest_sentence(frame: pd.DataFrame, made: pd.Timestamp, fmt: MoneyFormat) -> str:
    """Last year's plan against what was booked, and how much of the miss was hiring.

    Parameters
    ----------
    frame
        :func:`~salesops_lib.analysis.capacity.backtest`.
    made
        The old planning date.
    fmt
        Money formatter.

    Returns
    -------
    str
    """
    planned, booked = float(frame["planned"].sum()), float(frame["booked"].sum())
    team = float(frame["with_actual_team"].sum())
    qs = list(frame["quarter"])
    err, team_err = planned / booked - 1, team / booked - 1
    word = "under" if err < 0 else "over"
    hiring, productivity = team - planned, booked - team
    larger = "hiring" if abs(hiring) > abs(productivity) else "productivity"
    return (
        f"Made on {made.date()} from the data known then, the plan expected {fmt(planned)} "
        f"for {quarter_span(qs)}; the team booked {bold(fmt(booked))}, so the plan was "
        f"{bold(pct(abs(err)) + ' ' + word)}. With the reps the team actually had (hires "
        f"and departures the plan could not know), the same productivity gives "
        f"{fmt(team)}, {pct(abs(team_err))} {'under' if team_err < 0 else 'over'}. Of the "
        f"{signed_money(booked - planned, fmt)} between bookings and plan, hiring accounts "
        f"for {signed_money(hiring, fmt)} and productivity (bookings per ramped rep) for "
        f"{signed_money(productivity, fmt)}: mostly {larger}."
    )


# ---- turnover -------------------------------------------------------------------------------

_NO_TURNOVER = {
    "survival_frame": pd.DataFrame(),
    "survival": None,
    "survival_sentence": None,
    "survival_title": "",
    "departures_frame": pd.DataFrame(),
    "departures": None,
    "cost_by_quarter": None,
    "cost_sentence": None,
}


def _turnover_section(
    data: SalesData, day: pd.Timestamp, plan: cap.CapacityPlan, fmt: MoneyFormat
) -> dict:
    spells = tv.tenure_spells(data, day)
    bands = tv.performance_bands(data, day, data.reps["rep_id"])
    spells = spells.assign(band=spells["rep_id"].map(bands["band"]))
    splits = {"Team": "team", "Role": "role", "Manager": "manager", "Performance": "band"}
    curves = {k: tv.survival_curve(spells, by=c) for k, c in splits.items() if c in spells}
    company = tv.survival_curve(spells)
    wide = survival_rows({"Company": company, **curves})
    matches = cap.backfill_matches(data, day)
    costs = tv.departure_costs(
        matches,
        per_year=plan.productivity.per_year,
        rep_per_year=tv.rep_bookings_a_year(data, day),
        ramp=plan.ramp,
        fill=plan.backfill,
        as_of=day,
    )
    reps = data.reps.drop_duplicates("rep_id").set_index("rep_id")
    deps = costs.assign(
        rep_name=costs["rep_id"].map(reps["rep_name"]) if "rep_name" in reps else costs["rep_id"],
        team=costs["rep_id"].map(reps["team"]) if "team" in reps else "",
        tenure_months=costs["rep_id"].map(spells.set_index("rep_id")["months"]),
        band=costs["rep_id"].map(bands["band"]).fillna(tv.BANDS[-1]),
    )
    deps = deps.sort_values("end_date", ascending=False).reset_index(drop=True)
    cal = data.calendar
    deps["quarter"] = [cal.quarter_of(x) for x in deps["end_date"]]
    by_q = (
        deps.assign(regretted=deps["band"] == REGRETTED)
        .groupby("quarter")
        .agg(departures=("rep_id", "size"), regretted=("regretted", "sum"), cost=("cost", "sum"))
        .reset_index()
    )
    chart = curves["Team"] if len(curves.get("Team", ())) else company
    return {
        "survival_frame": chart,
        "survival": Table(
            wide,
            SURVIVAL_SPEC,
            caption=(
                "The share of reps still in seat after 6, 12 and 24 months of tenure "
                "(Kaplan–Meier); blank where no rep of the group has stayed that long; "
                f"groups of fewer than {tv.MIN_GROUP_REPS} reps or without a departure left out."
            ),
        ),
        "survival_sentence": survival_sentence(spells, company),
        "survival_title": "Share of reps still in seat by month of tenure",
        "departures_frame": deps,
        "departures": Table(
            deps,
            DEPARTURE_SPEC,
            caption="Every departure the data shows, most recent first.",
            currency=data.currency,
        )
        if len(deps)
        else None,
        "cost_by_quarter": Table(
            by_q,
            COST_QUARTER_SPEC,
            caption="Departures and their cost per quarter.",
            currency=data.currency,
        )
        if len(by_q)
        else None,
        "cost_sentence": cost_sentence(deps, day, fmt),
    }


def survival_rows(curves: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per group: reps, departures and the share in seat at 6, 12 and 24 months.

    Parameters
    ----------
    curves
        Label of the split (``Team``) -> :func:`~salesops_lib.analysis.turnover.survival_curve`.

    Returns
    -------
    DataFrame
        ``by, group, reps, departures, m6, m12, m24``.
    """
    rows = []
    for by, c in curves.items():
        for name, g in c.groupby("group", sort=False):
            at = g.set_index("months")["still_in_seat"]
            rows.append(
                {
                    "by": by,
                    "group": name,
                    "reps": int(g["reps"].iloc[0]),
                    "departures": int(g["departures"].iloc[0]),
                    **{f"m{m}": at.get(m, np.nan) for m in (6, 12, 24)},
                }
            )
    return pd.DataFrame(rows, columns=["by", "group", "reps", "departures", "m6", "m12", "m24"])


def survival_sentence(spells: pd.DataFrame, company: pd.DataFrame) -> str | None:
    """How long reps stay, in words.

    Parameters
    ----------
    spells
        :func:`~salesops_lib.analysis.turnover.tenure_spells`.
    company
        The company's curve.

    Returns
    -------
    str or None
        None without reps.
    """
    if not len(spells):
        return None
    left = int(spells["left"].sum())
    if not len(company):
        return (
            f"None of the {count(len(spells), 'rep')} with a hire date has left yet, so there "
            "is no curve to draw."
        )
    at = company.set_index("months")["still_in_seat"]
    parts = [f"{pct(at[m])} after {m} months" for m in (12, 24) if m in at]
    med = tv.median_tenure(spells)
    far = tv.months_counted(spells)
    tail = ""
    if np.isfinite(med):
        tail = f" Half of the reps have left by month {number(med)}."
    elif np.isfinite(far) and tv.still_in_seat(spells, far) > 0.5:
        tail = (
            f" More than half are still in seat after {number(far)} months, the longest tenure "
            f"at which at least {tv.MIN_GROUP_REPS} reps are still counted."
        )
    return (
        f"Of {count(len(spells), 'rep')} with a hire date, {left} left. Still in seat: "
        + " and ".join(parts)
        + "."
        + tail
    )


def cost_sentence(deps: pd.DataFrame, day: pd.Timestamp, fmt: MoneyFormat) -> str | None:
    """What the trailing year's departures cost, and how many were top performers.

    Parameters
    ----------
    deps
        The departures with their costs and bands.
    day
        The as-of date.
    fmt
        Money formatter.

    Returns
    -------
    str or None
        None without departures.
    """
    if not len(deps):
        return None
    year = deps[deps["end_date"] > day - pd.DateOffset(years=1)]
    total = float(deps["cost"].sum())
    top = int((year["band"] == REGRETTED).sum())
    if not len(year):
        return (
            f"Nobody left in the year to {day.date()}; the {count(len(deps), 'departure')} "
            f"before cost {fmt(total)} in bookings."
        )
    return (
        f"In the year to {day.date()}, {count(len(year), 'rep')} left, costing "
        f"{bold(fmt(year['cost'].sum()) + ' in bookings')} (the empty seat, then the new "
        f"hire's ramp); {top} of them {'was' if top == 1 else 'were'} at or above quota "
        f"before leaving. All {count(len(deps), 'departure')} the data shows cost "
        f"{fmt(total)}."
    )


# ---- consistency ----------------------------------------------------------------------------


def _consistency_section(data: SalesData, day: pd.Timestamp, fmt: MoneyFormat) -> dict:
    qs = trailing_full_quarters(data, day, CONSISTENCY_QUARTERS)
    if not qs:
        return {
            "consistency_frame": pd.DataFrame(),
            "consistency_chart": pd.DataFrame(),
            "consistency_bars": pd.DataFrame(),
            "consistency": None,
            "consistency_sentence": None,
            "consistency_title": "",
        }
    frame = consistency_frame(data, qs, day)
    by_quota = bool(frame.attrs["by_quota"])
    lines = (
        pd.concat(
            [
                frame[["quarter"]].assign(
                    measure="Share of reps at quota", value=frame["at_quota"]
                ),
                frame[["quarter"]].assign(measure="Median attainment", value=frame["median"]),
            ],
            ignore_index=True,
        )
        if by_quota
        else pd.DataFrame()
    )
    bars = pd.DataFrame() if by_quota else frame[["quarter"]].assign(bookings=frame["median"])
    return {
        "consistency_frame": frame,
        "consistency_chart": lines,
        "consistency_bars": bars,
        "consistency": Table(
            frame,
            CONSISTENCY_SPEC if by_quota else CONSISTENCY_BOOKINGS_SPEC,
            caption=(
                "Per quarter: headcount and its changes, and how reps' attainment spreads "
                "(reps with a quota that quarter)."
                if by_quota
                else "Per quarter: headcount and its changes, and how bookings per rep "
                "spread (without quotas, reps who booked that quarter)."
            ),
            currency=data.currency,
        ),
        "consistency_sentence": consistency_sentence(frame, fmt),
        "consistency_title": (
            "Share of reps at quota and median attainment per quarter"
            if by_quota
            else "Median bookings per rep per quarter"
        ),
    }


def consistency_frame(data: SalesData, quarters: list[str], day: pd.Timestamp) -> pd.DataFrame:
    """Per quarter: headcount, hires, departures and the spread of reps' attainment.

    Parameters
    ----------
    data
        The sales data.
    quarters
        Complete quarters, oldest first.
    day
        The as-of date (seats as known then).

    Returns
    -------
    DataFrame
        ``quarter, headcount, hires, departures, reps_with_quota, p25, median, p75,
        spread`` (points between the quartiles) and ``at_quota``; with quotas the
        quartiles are of attainment, without them of bookings per rep who booked
        (``attrs["by_quota"]`` says which).
    """
    seats = cap.ramped_equivalents(data, quarters, cap.Ramp((1.0,), "default", 0), as_of=day)
    t = attainment_trend(data, quarters=quarters)
    by_quota = bool(t["quota"].gt(0).any())
    rows = []
    for q, g in t.groupby("quarter", sort=False):
        vals = g.loc[g["quota"] > 0, "attainment"] if by_quota else g.loc[g["won"] > 0, "bookings"]
        vals = vals.dropna()
        p25, med, p75 = vals.quantile([0.25, 0.5, 0.75]).tolist() if len(vals) else [np.nan] * 3
        rows.append(
            {
                "quarter": q,
                "reps_with_quota": len(vals),
                "p25": p25,
                "median": med,
                "p75": p75,
                "spread": (p75 - p25) * 100 if by_quota else np.nan,
                "at_quota": float((vals >= 1).mean()) if by_quota and len(vals) else np.nan,
            }
        )
    out = seats[["quarter", "headcount", "hires", "departures"]].merge(
        pd.DataFrame(rows), on="quarter", how="left"
    )
    dated = cap.has_hire_dates(data)
    if not dated:  # reps counted from their first deal: who was hired or left is not known
        out[["hires", "departures"]] = np.nan
    out.attrs["by_quota"] = by_quota
    out.attrs["dated"] = dated
    return out


def consistency_sentence(frame: pd.DataFrame, fmt: MoneyFormat) -> str | None:
    """How the spread of attainment and the share at quota moved, beside headcount.

    Parameters
    ----------
    frame
        :func:`consistency_frame`.
    fmt
        Money formatter (for bookings per rep without quotas).

    Returns
    -------
    str or None
        None with fewer than two quarters.
    """
    f = frame.dropna(subset=["median"])
    if len(f) < 2:
        return None
    a, b = f.iloc[0], f.iloc[-1]
    heads = (
        f"headcount went from {int(a['headcount'])} to {int(b['headcount'])} "
        f"({int(f['hires'].sum())} hired, {int(f['departures'].sum())} left)"
        if frame.attrs.get("dated", True)
        else f"the reps with deals went from {int(a['headcount'])} to {int(b['headcount'])} "
        "(without hire dates, hires and departures are not known)"
    )
    if not frame.attrs.get("by_quota", True):
        return (
            f"From {a['quarter']} to {b['quarter']}, median bookings per rep went from "
            f"{fmt(a['median'])} to {bold(fmt(b['median']))} while {heads}. Without quotas, "
            "attainment and the share of reps at quota cannot be shown."
        )
    trend = b["spread"] - a["spread"]
    word = "narrowed" if trend < -5 else ("widened" if trend > 5 else "held")
    return (
        f"From {a['quarter']} to {b['quarter']}, the share of reps at quota went from "
        f"{pct(a['at_quota'])} to {bold(pct(b['at_quota']))}, the median attainment from "
        f"{pct(a['median'])} to {pct(b['median'])}, and the spread between the upper and "
        f"lower quartile {word} ({number(a['spread'])} to {number(b['spread'])} points), "
        f"while {heads}."
    )


# ---- definitions and findings ---------------------------------------------------------------


def _definitions() -> dict[str, str]:
    """The terms report 10 shows."""
    return pick(
        "Bookings",
        "Quota",
        "Attainment",
        **{
            "Ramped-rep equivalents": (
                "The reps in seat, each counted by the share of a ramped rep's bookings a "
                "rep of their tenure brings (the ramp) and by the share of the month they are "
                "in seat; a quarter's figure is the mean over its days."
            ),
            "Ramp": (
                "The share of a ramped rep's bookings a new hire brings in each month of "
                "tenure, measured from the company's hires inside the data against ramped "
                "reps of the same segment, smoothed over three months and never falling; "
                "from month 13 on a rep counts as ramped."
            ),
            "Bookings per ramped rep a year": (
                "The last four complete quarters' bookings divided by the sum of each "
                "quarter's ramped-rep equivalents times its seasonal share of a year."
            ),
            "Attrition": (
                "Reps who left in the twelve months to the plan date divided by the average "
                "headcount at the months' ends; its range is the exact Poisson range of the "
                "count of departures."
            ),
            "Time to fill a seat": (
                "The median days from a departure to the next hire of the same team, each "
                "hire filling one departure, in time order."
            ),
            "Expected bookings": (
                "Bookings per ramped rep a year × the quarter's seasonal share × the "
                "quarter's expected ramped-rep equivalents, with every rep leaving at the "
                "attrition rate and every departure backfilled after the time to fill a seat."
            ),
            "Cases": (
                "Base: attrition and bookings per ramped rep as measured. Worst: attrition at "
                "the top of its range and the lowest bookings per ramped rep of the last "
                "eight quarters' range; best: the other ends (80% ranges)."
            ),
            "Target": (
                "The plan year's bookings target quota design plans from: set by hand, or "
                "the year-ahead bookings forecast grown by the growth asked for."
            ),
            "Still in seat": (
                "The Kaplan–Meier estimate of the share of reps still employed after a tenure, "
                "counting reps hired before the data starts only from its first date."
            ),
            "Performance before leaving": (
                "Attainment over the rep's last four quarters with a quota: at or above "
                "quota, 80–100%, below 80%, or no quota record."
            ),
            "Cost in bookings": (
                "The empty seat (the leaver's bookings a year, else the company's per ramped "
                "rep, for the days until the team's next hire; the company's time to fill a "
                "seat, or the days it has been open when longer, while not filled) plus the "
                "new hire's ramp (a ramped rep's year less what the ramp brings)."
            ),
            "Spread": "Upper quartile of reps' attainment less the lower quartile, in points.",
        },
    )


def _findings(
    plan: cap.CapacityPlan | None, label: str, people: dict, fmt: MoneyFormat
) -> list[Finding]:
    """What the executive summary takes from report 10."""
    out = []
    if plan is not None and plan.target is not None:
        gap, n = plan.gap("base"), plan.hires.get("base", 0)
        if gap > 0 and n > 0 and plan.earliest_start is not None:
            out.append(
                Finding(
                    f"The team as it stands is expected to book {fmt(plan.expected['base'])} "
                    f"in {label}, {bold(fmt(gap) + ' short')} of its target: "
                    f"{count(n, 'hire')} starting by {plan.earliest_start.date()} close it.",
                    gap,
                    HIRING_SECTION,
                )
            )
    deps = people["departures_frame"]
    if len(deps) and plan is not None:
        year = deps[deps["end_date"] > plan.as_of - pd.DateOffset(years=1)]
        if len(year):
            cost = float(year["cost"].sum())
            out.append(
                Finding(
                    f"{count(len(year), 'rep')} left in the last year, costing "
                    f"{bold(fmt(cost) + ' in bookings')} in empty seats and ramp.",
                    cost,
                    COST_SECTION,
                )
            )
    return out
