"""Report 10, capacity plan: ramped-rep equivalents, the hiring plan, its backtest, turnover."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesops_lib.analysis import capacity as cap
from salesops_lib.analysis import quota as quota_analysis
from salesops_lib.analysis import turnover as tv
from salesops_lib.analysis.kpis import kpi_table
from salesops_lib.reports import capacity_plan as cp
from salesops_lib.reports import quota_design
from salesops_lib.timeline import bookings

DAY = pd.Timestamp("2026-09-30")


@pytest.fixture(scope="module")
def demo_report(demo):
    return cp.build(demo, quarter="2026Q3")


@pytest.fixture(scope="module")
def maven_report(maven):
    return cp.build(maven, quarter="2017Q4")


# --- hand-made cases ---------------------------------------------------------------------


def test_daily_capacity_by_hand():
    seats = pd.DataFrame(
        {
            "start": pd.to_datetime(["2026-01-31", "2025-06-01"]),
            "end": pd.to_datetime([pd.NaT, "2026-03-02"]),
            "hire_date": pd.to_datetime(["2026-01-31", None]),
        }
    )
    days = pd.to_datetime(["2026-01-30", "2026-01-31", "2026-02-27", "2026-02-28", "2026-03-03"])
    ramp = cap.Ramp((0.0, 0.5, 1.0), "default", 0)
    got = cap.daily_capacity(seats, days, ramp)
    # hired 31 January: month 1 to 27 February, month 2 from 28 February (to 30 March)
    assert got.tolist() == [[0.0, 0.0, 0.0, 0.5, 0.5], [1.0, 1.0, 1.0, 1.0, 0.0]]


def test_project_without_leaving_is_the_ramp():
    ramp = cap.Ramp((0.0, 0.5, 1.0), "default", 0)
    months = pd.period_range("2026-01", "2026-04", freq="M")
    current = pd.DataFrame({"hire_date": pd.to_datetime(["2026-01-01", None])})
    m = cap.project(current, months, ramp, monthly_leaving=0.0, backfill_months=1, hires={2: 2})
    # the new rep: 0, 0.5, 1, 1; the ramped one: 1 each month; two hires from March: 0, 0.5
    assert m["ramped_equivalents"].tolist() == pytest.approx([1.0, 1.5, 2.0, 3.0])
    assert m["headcount"].tolist() == pytest.approx([2, 2, 4, 4])
    assert m["backfills"].sum() == 0


def test_project_backfills_each_departure_after_the_wait():
    ramp = cap.Ramp((1.0,), "default", 0)
    months = pd.period_range("2026-01", "2026-03", freq="M")
    current = pd.DataFrame({"hire_date": [pd.NaT]})
    h = 0.1
    m = cap.project(current, months, ramp, monthly_leaving=h, backfill_months=1)
    # month 0: the rep is there with chance 0.9^0.5; leaves with 0.1; backfill starts month 1
    dep0 = h
    dep1 = h * (1 - h) + dep0 * h  # the rep, and the backfill hired in month 1
    assert m["departures"].iloc[0] == pytest.approx(dep0)
    assert m["departures"].iloc[1] == pytest.approx(dep1)
    assert m["backfills"].tolist() == pytest.approx([0.0, dep0, dep1])
    rre1 = (1 - h) ** 1.5 + dep0 * (1 - h) ** 0.5
    assert m["ramped_equivalents"].iloc[1] == pytest.approx(rre1)


def test_hires_needed_rounds_up():
    assert cap.hires_needed(10.0, 3.0) == 4
    assert cap.hires_needed(9.0, 3.0) == 3
    assert cap.hires_needed(0.0, 3.0) == 0
    assert cap.hires_needed(5.0, 0.0) == -1


def _kaplan_meier(times, events, entry, at):
    """Product-limit estimate by hand: at each departure time, 1 - deaths / at risk."""
    s = 1.0
    for t in sorted(set(t for t, e in zip(times, events, strict=True) if e)):
        if t > at:
            break
        risk = sum(1 for ti, en in zip(times, entry, strict=True) if en < t <= ti)
        deaths = sum(1 for ti, e in zip(times, events, strict=True) if e and ti == t)
        s *= 1 - deaths / risk
    return s


def test_survival_curve_equals_a_kaplan_meier_by_hand():
    times = [2.0, 4.0, 4.0, 7.0, 9.0, 12.0, 13.0, 20.0, 25.0, 30.0]
    events = [1, 1, 0, 1, 0, 1, 0, 1, 0, 0]
    entry = [0.0, 0.0, 0.0, 0.0, 3.0, 5.0, 0.0, 10.0, 0.0, 0.0]  # some hired before the data
    spells = pd.DataFrame(
        {
            "rep_id": [f"R{i}" for i in range(10)],
            "months": times,
            "left": [bool(e) for e in events],
            "entry": entry,
        }
    )
    curve = tv.survival_curve(spells, at=(0, 3, 6, 12, 24))
    for m, s in curve.set_index("months")["still_in_seat"].items():
        assert s == pytest.approx(_kaplan_meier(times, events, entry, m)), m
    assert (curve["low"] <= curve["still_in_seat"]).all()
    assert (curve["still_in_seat"] <= curve["high"]).all()


def test_departure_cost_by_hand():
    m = pd.DataFrame(
        {
            "rep_id": ["R1", "R2"],
            "end_date": pd.to_datetime(["2026-01-31", "2026-05-31"]),
            "days": [30.0, np.nan],  # R2's seat still empty on the as-of date
        }
    )
    ramp = cap.Ramp((0.0, 0.5, 1.0), "default", 0)
    fill = cap.Backfill(20.0, 1, 1, True)
    out = tv.departure_costs(
        m,
        per_year=1.2e6,
        rep_per_year=pd.Series({"R1": 2.4e6}),
        ramp=ramp,
        fill=fill,
        as_of=pd.Timestamp("2026-06-30"),
    )
    assert out["vacancy_days"].tolist() == [30.0, 30.0]  # open 30 days, more than 20
    assert out["vacancy_cost"].tolist() == pytest.approx([2.4e6 * 30 / 365.25, 1.2e6 * 30 / 365.25])
    assert out["ramp_cost"].tolist() == pytest.approx([1.2e6 * 1.5 / 12] * 2)
    assert out["backfilled"].tolist() == [True, False]


# --- the demo: figures against other computations ----------------------------------------


def test_ramped_equivalents_equal_a_day_by_day_count(demo):
    ramp = cap.measured_ramp(demo, DAY)
    q = "2026Q2"
    got = cap.ramped_equivalents(demo, [q], ramp, as_of=DAY)["ramped_equivalents"].iloc[0]
    seats = cap.seats(demo, DAY)
    start, end = demo.calendar.bounds(q)
    days = pd.date_range(start, end, freq="D")
    total = 0.0
    for s in seats.itertuples():
        present = (days >= s.start) & ((days <= s.end) if pd.notna(s.end) else True)
        if pd.isna(s.hire_date):
            share = np.ones(len(days))
        else:
            k = [
                sum(d >= s.hire_date + pd.DateOffset(months=i) for i in range(1, 13)) for d in days
            ]
            share = np.array(ramp.shares)[k]
        total += float((present * share).sum())
    assert got == pytest.approx(total / len(days), rel=1e-9)


def test_demo_plan_uses_quota_designs_target_and_closes_the_gap(demo, demo_report):
    r = demo_report
    plan = r.plan
    q4 = quota_design.build(demo, quarter="2026Q3")
    assert plan.target == pytest.approx(q4.target.amount)
    in_plan = r.capacity_frame[r.capacity_frame["in_plan"]]
    assert list(in_plan["quarter"]) == ["2027Q1", "2027Q2", "2027Q3", "2027Q4"]
    assert in_plan["expected_base"].sum() == pytest.approx(plan.expected["base"])
    assert in_plan["target"].sum() == pytest.approx(plan.target)
    assert plan.expected["worst"] < plan.expected["base"] < plan.expected["best"]
    gap, n, each = plan.gap("base"), plan.hires["base"], plan.per_hire["base"]
    assert gap > 0 and (n - 1) * each < gap <= n * each
    # the hires close the gap when the team is rolled forward with them
    months = cap.plan_months(plan.as_of, demo.calendar.bounds("2027Q4")[1])
    start = list(months.start_time).index(plan.earliest_start)
    seats = cap.seats(demo, plan.as_of)
    monthly = cap.project(
        seats[seats["end"].isna()],
        months,
        plan.ramp,
        monthly_leaving=cap.Attrition.monthly(plan.attrition.rate),
        backfill_months=plan.backfill.months,
        hires={start: float(n)},
    )
    quarters = pd.Series([demo.calendar.quarter_of(m.start_time) for m in months])
    q = cap.expected_bookings(
        monthly, quarters, plan.productivity.per_year, plan.productivity.season
    )
    assert q.loc[q["quarter"].str.startswith("2027"), "expected_bookings"].sum() >= plan.target
    assert f"hire **{n} reps starting by {plan.earliest_start.date()}**" in r.hiring_sentence


def test_demo_attrition_and_backfill_match_the_reps_file(demo, demo_report, demo_dir):
    reps = pd.read_csv(demo_dir / "reps.csv", parse_dates=["hire_date", "end_date"])
    year = reps[(reps["end_date"] > DAY - pd.DateOffset(years=1)) & (reps["end_date"] <= DAY)]
    att = demo_report.plan.attrition
    assert att.departures == len(year)
    month_ends = pd.date_range(end=DAY, periods=12, freq=pd.DateOffset(months=1))
    heads = [
        ((reps["hire_date"] <= e) & (reps["end_date"].isna() | (reps["end_date"] > e))).sum()
        for e in month_ends
    ]
    assert att.headcount == pytest.approx(np.mean(heads))
    assert att.low < att.rate < att.high
    # the backfill of each departure is the team's next hire
    m = cap.backfill_matches(demo, DAY)
    first = m.dropna(subset=["days"]).iloc[0]
    later = reps[(reps["team"] == first["team"]) & (reps["hire_date"] >= first["end_date"])]
    assert first["backfill_hire_date"] == later["hire_date"].min()


def test_demo_backtest_equals_bookings_and_is_close(demo, demo_report):
    bt = demo_report.backtest_frame
    assert list(bt["quarter"]) == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    for row in bt.itertuples():
        assert row.booked == pytest.approx(
            kpi_table(demo, quarter=row.quarter, by=None)["bookings"].iloc[0]
        )
        assert row.booked == pytest.approx(bookings(demo, *demo.calendar.bounds(row.quarter)))
    err = bt["planned"].sum() / bt["booked"].sum() - 1
    assert abs(err) < 0.15  # a plan from the data of a year before lands within 15%
    team_err = bt["with_actual_team"].sum() / bt["booked"].sum() - 1
    assert abs(team_err) < abs(err)
    assert "under" in demo_report.backtest_sentence
    # the miss splits into hiring (the team it had against the plan's) and productivity
    fmt = cp.money_in("USD")
    total, team = bt["booked"].sum() - bt["planned"].sum(), bt["with_actual_team"].sum()
    hiring, productivity = team - bt["planned"].sum(), bt["booked"].sum() - team
    assert hiring + productivity == pytest.approx(total)
    assert f"hiring accounts for +{fmt(hiring)}" in demo_report.backtest_sentence
    assert f"productivity (bookings per ramped rep) for +{fmt(productivity)}" in (
        demo_report.backtest_sentence
    )
    assert demo_report.backtest_sentence.endswith(
        "mostly productivity." if productivity > hiring else "mostly hiring."
    )


def test_demo_turnover_figures_agree(demo, demo_report):
    r = demo_report
    deps = r.departures_frame
    year = deps[deps["end_date"] > DAY - pd.DateOffset(years=1)]
    assert len(year) == r.plan.attrition.departures
    money = cp.money_in("USD")
    assert money(year["cost"].sum()) in r.cost_sentence
    assert money(deps["cost"].sum()) in r.cost_sentence
    assert r.cost_by_quarter.frame["cost"].sum() == pytest.approx(deps["cost"].sum())
    assert r.findings[-1].at_stake == pytest.approx(year["cost"].sum())
    c = r.consistency_frame
    assert c["departures"].tail(4).sum() == len(year)
    assert c["headcount"].iloc[-1] == r.plan.in_seat
    # the company's curve in the table is the one the sentence reads
    company = r.survival.frame.iloc[0]
    assert f"{round(company['m12'] * 100)}% after 12 months" in r.survival_sentence


def test_demo_consistency_by_rep_attainment(demo, demo_report):
    c = demo_report.consistency_frame.set_index("quarter")
    t = kpi_table(demo, quarter="2026Q3")
    att = t.loc[t["quota"] > 0, "attainment"]
    assert c.loc["2026Q3", "median"] == pytest.approx(att.median())
    assert c.loc["2026Q3", "at_quota"] == pytest.approx((att >= 1).mean())
    assert c.loc["2026Q3", "reps_with_quota"] == len(att)


def test_a_team_plan_is_the_teams_own(demo):
    team = demo.reps["team"].iloc[0]
    r = cp.build(demo, quarter="2026Q3", team=team)
    assert r.plan.in_seat == int(cap.seats(demo.for_team(team), DAY)["end"].isna().sum())
    assert r.plan.target == pytest.approx(
        quota_analysis.plan_target(
            demo.for_team(team), quota_analysis.plan_period(demo, 2027), DAY
        ).amount
    )


def test_a_target_by_hand_changes_the_gap(demo):
    r = cp.build(demo, quarter="2026Q3", target=1.0e8)
    assert r.plan.target == 1.0e8
    assert r.plan.hires["base"] == 0
    assert r.hiring_sentence.startswith("No hire beyond backfills is needed in the base case")


# --- without hire dates: Maven -----------------------------------------------------------


def test_maven_says_what_it_cannot_show(maven_report):
    r = maven_report
    missing = {g.section for g in r.gaps}
    assert cp.CAPACITY_SECTION in missing and cp.SURVIVAL_SECTION in missing
    assert cp.CONSISTENCY_SECTION not in missing
    assert all("hire" in g.sentence for g in r.gaps)
    assert r.plan is None and r.capacity is None and r.findings == []
    assert "without hire dates, hires and departures are not known" in r.consistency_sentence
    assert "Without quotas" in r.consistency_sentence
    assert r.consistency_frame["hires"].isna().all()


def test_quota_designs_capacity_method_ramps_new_hires_as_the_capacity_plan_measures(demo):
    measured = cap.measured_ramp(demo, DAY)
    assert measured.source == "measured"
    sched = quota_analysis.plan_ramp(demo, DAY, "capacity", None)
    assert sched == pytest.approx(measured.shares)
    assert quota_analysis.plan_ramp(demo, DAY, "blend", "") == quota_analysis.DEFAULT_RAMP
    assert quota_analysis.plan_ramp(demo, DAY, "even", "measured") == sched
    assert quota_analysis.plan_ramp(demo, DAY, "capacity", "0/50/100") == (0.0, 0.5, 1.0)
    plan = quota_analysis.plan_period(demo, 2027)
    by_default = quota_analysis.propose(
        demo, target=100e6, period=plan.label, method="capacity", as_of=DAY
    )
    given = quota_analysis.propose(
        demo, target=100e6, period=plan.label, method="capacity", as_of=DAY, ramp=measured.shares
    )
    pd.testing.assert_frame_equal(by_default, given)
    # a rep hired in the plan year's run-up carries the measured ramp's share, not 0/25/50/75/100
    old = quota_analysis.propose(
        demo, target=100e6, period=plan.label, method="capacity", as_of=DAY, ramp="0/25/50/75/100"
    )
    assert (by_default["ramp_factor"] < 1).sum() >= (old["ramp_factor"] < 1).sum()
    r = quota_design.build(demo, quarter="2026Q3", method="capacity")
    assert r.ramp == pytest.approx(measured.shares)


def test_median_tenure_is_not_read_off_a_tail_of_two_reps():
    spells = pd.DataFrame(
        {
            "months": [1.0, 2.0, 2.0, 2.0, 50.0, 60.0],
            "left": [True, False, False, False, True, False],
            "entry": 0.0,
        }
    )
    # Kaplan-Meier: 5/6 after month 1, then 5/6 x 1/2 at month 50 with 2 reps at risk
    assert tv.still_in_seat(spells, 50.0) == pytest.approx(5 / 12)
    assert tv.at_risk(spells, 50.0) == 2
    assert np.isnan(tv.median_tenure(spells))  # 50 would rest on 2 reps
    assert tv.median_tenure(spells, at_least=2) == pytest.approx(50.0)
    assert tv.months_counted(spells) == 2.0  # the longest tenure with 5 reps counted
    assert tv.still_in_seat(spells, 2.0) == pytest.approx(5 / 6)


def test_demo_survival_sentence_says_only_what_enough_reps_show(demo, demo_report):
    spells = tv.tenure_spells(demo, DAY)
    text = demo_report.survival_sentence
    med = tv.median_tenure(spells)
    if np.isfinite(med):
        assert tv.at_risk(spells, med) >= tv.MIN_GROUP_REPS
        assert f"Half of the reps have left by month {med:.0f}." in text
    else:
        far = tv.months_counted(spells)
        assert f"More than half are still in seat after {far:.0f} months" in text
        assert tv.still_in_seat(spells, far) > 0.5


def test_attainment_trend_is_kpi_trends_figures_without_the_pipeline(demo):
    from salesops_lib.analysis.kpis import attainment_trend, kpi_trend

    qs = ["2026Q2", "2026Q3"]
    fast = attainment_trend(demo, quarters=qs).set_index(["quarter", "rep_id"])
    full = kpi_trend(demo, quarters=qs, by="rep_id").set_index(["quarter", "rep_id"])
    full = full[(full["won"] > 0) | (full["quota"] > 0)]
    assert set(fast.index) == set(full.index)
    for col in ("bookings", "won", "quota", "attainment"):
        pd.testing.assert_series_equal(
            fast[col].reindex(full.index), full[col], check_dtype=False, check_names=False
        )
