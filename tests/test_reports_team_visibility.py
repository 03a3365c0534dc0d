"""Report 01's builder: figures and sentences on hand-made data, and on the demo against pandas."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.analysis import kpis
from salesops_lib.analysis.outlook import quarter_outlook
from salesops_lib.reports import team_visibility as tv
from salesops_lib.reports.base import Period, period_of
from salesops_lib.reports.outlook import outlook_sentence

from .conftest import FIXTURES
from .test_data import write

REPS = (
    "rep_id,rep_name,manager,team,region,hire_date,end_date\n"
    "r1,Ann,M1,A,East,2024-01-01,\nr2,Bo,M1,A,East,2024-01-01,\nr3,Cy,M2,B,West,2024-01-01,\n"
)
OPPS = (
    "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
    # 2025Q4: 3,000 won by day 31 (Oct 31), 5,000 in all; a loss on Oct 2 (the data starts
    # early in the quarter, so it is held in full)
    "p0,r3,Lost,100,2025-09-15,2025-10-02,true,false\n"
    "p1,r1,Won,3000,2025-09-01,2025-10-31,true,true\n"
    "p2,r2,Won,2000,2025-10-01,2025-12-20,true,true\n"
    # 2026Q1: 1,000 by day 31 (Jan 31), 6,000 in all, one lost
    "o1,r1,Won,1000,2026-01-01,2026-01-31,true,true\n"
    "o2,r1,Won,3000,2025-12-01,2026-03-15,true,true\n"
    "o3,r3,Lost,500,2026-01-10,2026-02-10,true,false\n"
    "o4,r2,Won,2000,2026-02-01,2026-02-21,true,true\n"
    # open: one deal in 2026Q2, one without a close date
    "o5,r2,Proposal,4000,2026-02-15,2026-05-30,false,false\n"
    "o6,r3,Proposal,700,2026-03-01,,false,false\n"
)
QUOTAS = (
    "rep_id,period,quota\n"
    "r1,2025Q4,4000\nr2,2025Q4,4000\nr3,2025Q4,2000\n"
    "r1,2026Q1,5000\nr2,2026Q1,4000\nr3,2026Q1,3000\n"
    "r1,2026Q2,5000\nr2,2026Q2,4000\nr3,2026Q2,3000\n"
)


@pytest.fixture
def tiny(tmp_path):
    return load_dataset(write(tmp_path / "t", reps=REPS, opportunities=OPPS, quotas=QUOTAS))


@pytest.fixture
def tiny_no_quota(tmp_path):
    return load_dataset(write(tmp_path / "n", reps=REPS, opportunities=OPPS))


def test_pace_compares_only_quarters_inside_the_data(tiny):
    period = period_of(tiny, "2026Q1", "2026-01-31")
    pace = tv.pace_against_earlier(tiny, period, has_quota=True)
    # 2025Q3 and earlier lie before the data's first close (2025Q4): left out, not $0
    assert pace.compared == ["2025Q4"]
    assert pace.day == 31
    assert pace.now == pytest.approx(1000 / 12000)
    assert pace.earlier == pytest.approx(3000 / 10000)
    r = tv.build(tiny, quarter="2026Q1", as_of="2026-01-31")
    assert r.pace_sentence == (
        "The company has booked **$1.0K** against a quota of **$12.0K**: **8%** attainment. "
        "On day 31 of the quarter before it had reached 30% of quota, so this quarter is "
        "**behind** its usual pace."
    )


def test_pace_sentence_branches():
    total = pd.Series({"bookings": 2_000_000.0, "quota": 2_500_000.0, "attainment": 0.8})
    fmt = tv.money_in("USD")
    ahead = tv.Pace(pd.DataFrame(), 0.8, 0.7, ["2025Q1", "2025Q2", "2025Q3", "2025Q4"], 45)
    assert tv.pace_sentence(ahead, scope="The company", total=total, has_quota=True, fmt=fmt) == (
        "The company has booked **$2.0M** against a quota of **$2.5M**: **80%** attainment. On "
        "day 45 of the last 4 quarters inside the data it had reached 70% of quota on average, "
        "so this quarter is **ahead of** its usual pace."
    )
    alone = tv.Pace(pd.DataFrame(), 2e6, np.nan, [], 45)
    text = tv.pace_sentence(alone, scope="Team A", total=total, has_quota=False, fmt=fmt)
    assert text == (
        "Team A has booked **$2.0M** by day 45 of the quarter. The data starts this quarter, so "
        "there is no earlier quarter to compare its pace with."
    )
    level = tv.Pace(pd.DataFrame(), 2e6, 2e6, ["2025Q4"], 45)
    assert "**level with**" in tv.pace_sentence(
        level, scope="X", total=total, has_quota=False, fmt=fmt
    )


def test_headline_and_contribution_by_hand(tiny):
    r = tv.build(tiny, quarter="2026Q1", as_of="2026-03-31")
    tiles = {t.label: t.value for t in r.tiles}
    assert tiles == {
        "Bookings": "$6.0K",
        "Quota": "$12.0K",
        "Attainment": "50%",
        "Gap to quota": "$6.0K",
        "Win rate": "75%",
    }
    teams = r.groups[0].frame.set_index("group")
    assert teams.loc["A", "bookings"] == 6000 and teams.loc["B", "bookings"] == 0
    assert r.team_sentence == (
        "**A** leads with 67% attainment and brings 100% of bookings; **B** trails with 0%."
    )
    reps = r.reps.frame.set_index("rep_id")
    assert reps.loc["r1", "share"] == pytest.approx(4000 / 6000)
    assert r.rep_sentence == (
        "**0 of 3** reps with a quota (0%) have reached it. The top 20% of reps (1) brought "
        "**67%** of bookings; 1 rep has booked nothing."
    )
    assert r.status == "Ready" and r.gaps == []


def test_without_quotas_the_report_is_partial_and_says_why(tiny_no_quota):
    r = tv.build(tiny_no_quota, quarter="2026Q1", as_of="2026-03-31")
    assert r.status == "Partial: no quotas"
    assert [t.label for t in r.tiles] == ["Bookings", "Win rate"]
    assert "quota" not in [c.key for c in r.reps.shown_columns()]
    assert r.gaps[0].sentence.startswith("This needs quotas, which the data does not have: add")
    assert r.team_sentence == (
        "**A** leads with $6.0K bookings and brings 100% of bookings; **B** trails with $0."
    )


def test_ended_quarter_names_past_due_and_undated_deals(tiny):
    r = tv.build(tiny, quarter="2026Q1", as_of="2026-03-31")
    assert r.target_quarter == "2026Q2"
    # o6 is open without a close date: in no quarter's pipeline, and the sentence says so
    assert "1 open deal worth $700 has no expected close date" in r.coverage_sentence
    assert r.past_due_sentence == (
        "2026Q1 has ended and no open deal has a close date before 2026-03-31."
    )
    running = Period("2026Q1", *tiny.calendar.bounds("2026Q1"), pd.Timestamp("2026-02-01"))
    assert tv.past_due_sentence(running, pd.DataFrame(), tv.money_in("USD")) is None


def test_coverage_sentence_branches():
    fmt = tv.money_in("USD")
    cov = pd.Series(
        {
            "goal_basis": "quota",
            "gap": 1000.0,
            "open_pipeline": 2000.0,
            "coverage": 2.0,
            "value_win_rate": 0.25,
            "needed_coverage": 4.0,
            "pipeline_short": 2000.0,
        }
    )
    assert tv.coverage_sentence(cov, "2026Q2", scope="The company", fmt=fmt) == (
        "Open pipeline closing in 2026Q2 is **$2.0K**, **2.0×** the gap of $1.0K (remaining "
        "quota). At the win rate by value of the last four quarters (25%), closing the gap "
        "takes about **4.0×** coverage: the pipeline is **short by $2.0K**."
    )
    met = cov.copy()
    met["gap"] = 0.0
    assert tv.coverage_sentence(met, "2026Q2", scope="Team A", fmt=fmt) == (
        "Team A has already booked its goal for 2026Q2; every further deal is upside."
    )
    enough = cov.copy()
    enough["coverage"] = 5.0
    assert tv.coverage_sentence(enough, "2026Q2", scope="X", fmt=fmt).endswith(
        "the pipeline is **enough**."
    )


def test_trend_sentence_skips_a_year_ago_before_the_data(tiny):
    r = tv.build(tiny, quarter="2026Q1", as_of="2026-03-31")
    assert list(r.trend.frame["quarter"]) == ["2025Q4", "2026Q1"]
    # 2025Q1 is before the data: no comparison clause at all, never "no comparison"
    assert r.trend_sentence == "Over the last 2 quarters bookings peaked at **$6.0K** in 2026Q1."
    assert r.trend_title == "Bookings against quota, last 2 quarters"


def test_outlook_reconciles_pipeline_and_new_deals(tiny):
    # the reckoning made on 2025-12-31 for 2026Q1, by hand: pipeline o2 (3,000) at the win
    # rate by value of 2025Q4 (5,000 of 5,100) plus 2025Q4's bookings from deals created after
    # its eve (p2, 2,000): 4,941 against 6,000 booked, 17.6% short
    o = quarter_outlook(tiny, quarter="2026Q2", as_of="2026-03-31")
    assert o.open_pipeline == 4000 and o.open_deals == 1
    assert o.goal == 12000 and o.goal_basis == "quota"
    # win rate by value over 2025Q4-2026Q1: 11,000 won of 11,600 closed
    assert o.value_win_rate == pytest.approx(11000 / 11600)
    assert o.from_pipeline == pytest.approx(4000 * 11000 / 11600)
    # deals created after each quarter's eve: p2 (2025Q4, 2,000), o1 and o4 (2026Q1, 3,000)
    assert o.from_new_deals == pytest.approx((2000 + 3000) / 2)
    assert o.track_record["quarter"].tolist() == ["2026Q1"]
    assert o.track_record["error"].iloc[0] == pytest.approx((3000 * 5000 / 5100 + 2000) / 6000 - 1)
    assert outlook_sentence(o) == (
        "For **2026Q2** the goal is **$12.0K** (quota). Its open pipeline of $4.0K (1 deal) has "
        "turned into bookings at 95% of its value over the last 2 quarters: about **$3.8K**. "
        "Deals not yet in the pipeline added $2.5K on average in those quarters, so the "
        "quarter reckons at about **$6.3K**, 52% of the goal. How far it missed in past "
        "quarters is not shown: without weekly snapshots of the pipeline, past quarters' "
        "pipelines can only be rebuilt from today's records, which already know each deal's "
        "final close date, so its backtest flatters it."
    )
    # with snapshots the same record is a track record
    kept = replace(o, hindsight=False)
    assert outlook_sentence(kept).endswith(
        "Made the same way at the same point of the quarter before, this reckoning missed what "
        "it booked by 18%: a rule of thumb, not a forecast."
    )
    assert (
        o.hindsight
        and np.isnan(o.typical_miss)
        and kept.typical_miss == pytest.approx(0.176, abs=1e-3)
    )


def test_demo_figures_match_the_raw_files(demo, demo_dir):
    r = tv.build(demo, quarter="2026Q3")
    o = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    q = pd.read_csv(demo_dir / "quotas.csv")
    won = o[o["is_won"].astype(bool) & o["close_date"].between("2026-07-01", "2026-09-30")]
    quota = q.loc[q["period"] == "2026Q3", "quota"].sum()
    tiles = {t.label: t.value for t in r.tiles}
    assert tiles["Bookings"] == tv.money_in("USD")(won["amount"].sum())
    assert tiles["Attainment"] == f"{won['amount'].sum() / quota:.0%}"
    by_team = r.groups[0].frame.set_index("group")["bookings"]
    reps = pd.read_csv(demo_dir / "reps.csv").set_index("rep_id")["team"]
    expected = won.groupby(won["rep_id"].map(reps))["amount"].sum()
    assert np.allclose(by_team.reindex(expected.index), expected)
    # every rep is in the frame (the shown table has the top and the bottom)
    assert len(r.reps.frame) >= len(won["rep_id"].unique())
    assert r.reps.spec.ends


def test_reps_without_teams_leave_the_group_tables_out(tmp_path):
    data = load_dataset(
        write(
            tmp_path / "o",
            reps="rep_id,rep_name\nr1,Ann\nr2,Bo\n",
            opportunities=(
                "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
                "o1,r1,Won,1000,2026-01-01,2026-01-31,true,true\n"
                "o2,r2,Won,500,2026-01-10,2026-02-10,true,true\n"
            ),
        )
    )
    r = tv.build(data, quarter="2026Q1", as_of="2026-03-31")
    assert r.groups == [] and r.team_sentence is None and r.team_chart.empty
    assert r.status == "Partial: no quotas, no teams, regions or managers"
    assert "team" not in [c.key for c in r.reps.shown_columns()]
    # an ended quarter shows no pipeline or coverage columns (they would be its past-due deals)
    assert "open_pipeline" not in [c.key for c in r.reps.shown_columns()]


def _cov(short=(300.0, 200.0, 0.0), unassigned=0.0):
    """Teams A, B, C: need 400, 300 and 200 (gap 100 each), pipeline 100, 100 and 350."""
    cov = pd.DataFrame(
        {
            "team": ["A", "B", "C"],
            "gap": [100.0, 100.0, 100.0],
            "needed_coverage": [4.0, 3.0, 2.0],
            "open_pipeline": [100.0, 100.0, 350.0],
            "pipeline_short": list(short),
        }
    )
    if unassigned:
        row = {"team": kpis.UNASSIGNED, "gap": np.nan, "needed_coverage": np.nan}
        row |= {"open_pipeline": unassigned, "pipeline_short": np.nan}
        cov = pd.concat([cov, pd.DataFrame([row])], ignore_index=True)
    return cov


def _total(needed, pipeline):
    short = max(needed - pipeline, 0.0)
    return pd.Series(
        {"gap": 300.0, "needed_coverage": needed / 300.0, "open_pipeline": pipeline}
        | {"pipeline_short": short}
    )


@pytest.mark.parametrize(
    ("needed", "unassigned", "words"),
    [
        # C's spare 150 and the company's blend needing 50 less: 500 - 300 = 150 + 50
        (
            850.0,
            0.0,
            "$200 more than the company's shortfall of $300: C has $150 more pipeline than its "
            "own goal needs, and the teams' needs, each from its own gap, win rate by value and "
            "new-deal bookings, add up to $50 more than the company's need from its totals.",
        ),
        # the same needs; 200 of pipeline on no team: 500 - 250 = 150 + 200 - 100 (needs 1000)
        (
            1000.0,
            200.0,
            "$250 more than the company's shortfall of $250: C has $150 more pipeline than its "
            "own goal needs, $200 of the pipeline is in deals of no team, or of teams whose need "
            "is unknown, which only the company's figure counts, and the teams' needs, each from "
            "its own gap, win rate by value and new-deal bookings, add up to $100 less than the "
            "company's need from its totals.",
        ),
        # only C's spare: one reason, said without repeating its amount
        (900.0, 0.0, "$150 more than the company's shortfall of $350, because C has more pipeline"),
        (500.0, 0.0, "yet the company as a whole is not short: C has $150 more pipeline"),
    ],
)
def test_team_shortfalls_that_do_not_add_up_are_explained(needed, unassigned, words):
    cov = _cov(unassigned=unassigned)
    total = _total(needed, 550.0 + unassigned)
    text = tv.team_shortfall_sentence(cov, total, tv.money_in("USD"))
    assert text.startswith("The 2 teams short of pipeline lack **$500** between them, " + words)
    parts = kpis.shortfall_parts(
        cov.assign(needed=kpis.pipeline_needed(cov), pipeline=cov["open_pipeline"]),
        needed=needed,
        pipeline=550.0 + unassigned,
    )
    if parts.company > 0:  # the parts add up to the difference
        assert parts.lacking - parts.company == pytest.approx(
            parts.surplus + parts.no_need + parts.needs_apart
        )
    assert tv.team_shortfall_sentence(cov, _total(1050.0, 550.0), str) is None


def test_demo_team_shortfall_parts_add_up(demo):
    cov = kpis.coverage(demo, quarter="2026Q4", as_of="2026-09-30", by="team").reset_index()
    total = kpis.coverage(demo, quarter="2026Q4", as_of="2026-09-30").iloc[0]
    parts = kpis.shortfall_parts(
        cov.assign(needed=kpis.pipeline_needed(cov), pipeline=cov["open_pipeline"]),
        needed=float(total["gap"] * total["needed_coverage"]),
        pipeline=float(total["open_pipeline"]),
    )
    assert parts.lacking == pytest.approx(cov["pipeline_short"].sum())
    assert parts.company == pytest.approx(total["pipeline_short"])
    spare = cov["open_pipeline"] - cov["gap"] * cov["needed_coverage"]
    assert parts.surplus == pytest.approx(spare[spare > 0].sum())
    assert parts.lacking - parts.company == pytest.approx(
        parts.surplus + parts.no_need + parts.needs_apart
    )
    said = tv.team_shortfall_sentence(cov, total, tv.money_in("USD"), "2026Q4")
    fmt = tv.money_in("USD")
    assert len(parts.surplus_teams) == 2  # East Commercial and East Enterprise
    assert f"the other teams have {fmt(parts.surplus)} more pipeline than their own goals need" in (
        said
    )


def test_teams_short_of_pipeline_point_to_report_03s_team_forecast():
    cov = pd.DataFrame({"team": ["A", "B", "C"], "pipeline_short": [300.0, 200.0, 0.0]})
    pointer = (
        "Coverage is a rule of thumb, not a forecast: report 03 forecasts each team's 2026Q4 by "
        "other methods, which can weigh each open deal by its own chance and count deals this "
        "figure leaves out (dated in another quarter or without a close date), so a team short "
        "of pipeline here can still be forecast at or above its goal there, and the other way "
        "round."
    )
    fmt = tv.money_in("USD")
    adds_up = tv.team_shortfall_sentence(cov, pd.Series({"pipeline_short": 500.0}), fmt, "2026Q4")
    assert adds_up == pointer
    apart = tv.team_shortfall_sentence(_cov(), _total(850.0, 550.0), fmt, "2026Q4")
    assert apart.startswith("The 2 teams short of pipeline lack **$500** between them, $200")
    assert apart.endswith(" " + pointer)
    enough = cov.assign(pipeline_short=0.0)
    assert tv.team_shortfall_sentence(enough, pd.Series({"pipeline_short": 0.0}), fmt, "Q") is None
    nobody = pd.DataFrame({"team": [kpis.UNASSIGNED], "pipeline_short": [50.0]})
    assert tv.team_shortfall_sentence(nobody, pd.Series({"pipeline_short": 50.0}), fmt, "Q") is None


def test_reps_who_left_are_marked_with_the_day_they_left(tmp_path):
    reps = REPS.replace("r2,Bo,M1,A,East,2024-01-01,", "r2,Bo,M1,A,East,2024-01-01,2026-03-01")
    data = load_dataset(write(tmp_path / "l", reps=reps, opportunities=OPPS, quotas=QUOTAS))
    frame = tv.build(data, quarter="2026Q1", as_of="2026-03-31").reps.frame.set_index("rep_id")
    assert frame.loc["r2", "rep_name"] == "Bo (left 2026-03-01)"
    assert frame.loc["r1", "rep_name"] == "Ann"
    before = tv.build(data, quarter="2026Q1", as_of="2026-02-15").reps.frame.set_index("rep_id")
    assert before.loc["r2", "rep_name"] == "Bo"  # still in seat on the as-of date


def test_demo_reps_table_marks_leavers_and_small_shares(demo, demo_dir):
    raw = pd.read_csv(demo_dir / "reps.csv", parse_dates=["end_date"])
    r = tv.build(demo, quarter="2026Q3")
    frame = r.reps.frame
    shown = set(frame["rep_id"])
    left = raw[(raw["end_date"] <= "2026-09-30") & raw["rep_id"].isin(shown)]
    for _, rep in left.iterrows():
        name = frame.loc[frame["rep_id"] == rep["rep_id"], "rep_name"].iloc[0]
        assert name.endswith(f"(left {rep['end_date'].date()})"), name
    text = r.reps.formatted()["Share of bookings"]
    small = (frame["share"] > 0) & (frame["share"] < 0.005)
    rows = r.reps.shown_rows().index
    assert (text[small.loc[rows].to_numpy()] == "<1%").all()
    assert (text[(frame.loc[rows, "share"] == 0).to_numpy()] == "0%").all()


@pytest.mark.parametrize(
    ("now", "earlier", "verdict"),
    [
        (167_500.0, 168_500.0, "level with"),  # HubSpot 2026Q1: 0.6% behind reads level
        (98.0, 100.0, "level with"),  # the band's edge, either way
        (102.0, 100.0, "level with"),
        (97.9, 100.0, "behind"),
        (102.1, 100.0, "ahead of"),
        (2.80, 3.03, "behind"),  # Maven 2017Q4: 7.5% behind
    ],
)
def test_pace_is_level_within_the_band(now, earlier, verdict):
    assert tv.PACE_LEVEL_BAND == 0.02
    assert tv.pace_verdict(now, earlier, shown=lambda v: f"{v:.4f}") == verdict
    assert "Within 2% of their average" in tv._definitions(True)["Pace"]


def test_pace_equal_as_shown_is_level():
    total = pd.Series({"bookings": 168_000.0})
    fmt = tv.money_in("USD")
    close = tv.Pace(pd.DataFrame(), 168_010.0, 168_100.0, ["2025Q4", "2025Q3"], 40)
    assert "**level with**" in tv.pace_sentence(
        close, scope="The company", total=total, has_quota=False, fmt=fmt
    )


def test_reps_who_booked_nothing_without_a_quota_are_named_so():
    reps = pd.DataFrame(
        {
            "rep_name": ["Ann", "Bo", "Cy"],
            "bookings": [500.0, 0.0, 0.0],
            "quota": [400.0, 300.0, np.nan],
            "attainment": [1.25, 0.0, np.nan],
        }
    )
    text = tv.rep_sentence(reps, True, running=True)
    assert text.endswith(
        "1 rep has no quota and 2 reps have booked nothing yet (1 of them without a quota)."
    )
    only_new = reps.assign(quota=[400.0, np.nan, np.nan], attainment=[1.25, np.nan, np.nan])
    assert tv.rep_sentence(only_new, True).endswith(
        "2 reps have no quota and 2 reps have booked nothing (all of them without a quota)."
    )


def test_reps_without_a_quota_are_counted_whether_they_booked_or_not():
    # demo: Mateo Novak has no quota and booked $101,704; three others without one booked nothing
    reps = pd.DataFrame(
        {
            "rep_name": ["Ann", "Mateo Novak", "Cy", "Di", "Ed"],
            "bookings": [500.0, 101_704.0, 0.0, 0.0, 0.0],
            "quota": [400.0, np.nan, np.nan, np.nan, np.nan],
            "attainment": [1.25, np.nan, np.nan, np.nan, np.nan],
        }
    )
    text = tv.rep_sentence(reps, True)
    assert text.endswith(
        "4 reps have no quota and 3 reps have booked nothing (all of them without a quota)."
    )
    assert int(reps["quota"].isna().sum()) == 4 and int((reps["bookings"] == 0).sum()) == 3


def test_possibly_inactive_reps_are_left_out_of_the_counts_and_named():
    reps = pd.DataFrame(
        {
            "rep_name": ["Ann", "Bo", "Liam O'Sullivan (no deal since 2025-09-30)"],
            "bookings": [500.0, 0.0, 0.0],
            "quota": [np.nan] * 3,
            "attainment": [np.nan] * 3,
            "inactive": [None, None, "no deal since 2025-09-30"],
        }
    )
    assert tv.rep_sentence(reps, False) == (
        "The top 20% of reps (1) brought **100%** of bookings; 1 rep has booked nothing. "
        "Liam O'Sullivan (no deal since 2025-09-30) is left out of these counts: the data shows "
        "no deal of theirs in the last 6 months, so they may no longer be in seat."
    )
    # Maven: five reps with no deal at all are listed once, the mark said once
    quiet = pd.DataFrame(
        {
            "rep_name": ["Ann", "Carl Lin (no deal at all)", "Mei-Mei Johns (no deal at all)"],
            "bookings": [500.0, 0.0, 0.0],
            "inactive": [None, "no deal at all", "no deal at all"],
        }
    )
    assert tv.rep_sentence(quiet, False).endswith(
        "Carl Lin and Mei-Mei Johns are left out of these counts: the data shows no deal of "
        "theirs at all, so they may no longer be in seat."
    )
    every = reps.assign(bookings=[500.0, 100.0, 0.0])
    assert "every rep has booked something" in tv.rep_sentence(every, False)
    never = reps.assign(inactive=[None, None, "no deal at all"])
    assert "the data shows no deal of theirs at all, so" in tv.rep_sentence(never, False)


def test_hubspot_marks_a_rep_the_data_no_longer_shows_at_work():
    data = load_dataset(FIXTURES / "hubspot_export", preset="hubspot")
    r = tv.build(data, quarter="2026Q1")
    frame = r.reps.frame.set_index("rep_id")
    assert frame.loc["Liam O'Sullivan", "rep_name"] == "Liam O'Sullivan (no deal since 2025-09-30)"
    assert "1 rep has booked nothing" in r.rep_sentence
    assert (
        "Liam O'Sullivan (no deal since 2025-09-30) is left out of these counts" in r.rep_sentence
    )
    # no teams: no by-team table of one (unassigned) row, one line says so instead
    assert r.coverage_by_team is None and r.coverage_chart.empty
    assert r.team_shortfall_sentence == (
        "The export has no teams, so coverage is shown for the company only: add a reps file "
        "with each rep's team (README, 'Point it at your own CRM export') to see it by team."
    )
    assert "short by $109K" in r.coverage_sentence and "2.5×" in r.coverage_sentence


def test_leader_sentence_leads_and_trails_only_when_the_gap_is_material():
    fmt = tv.money_in("USD")
    # Maven: Cara Losch $311K against Dustin Brinkmann $317K, 1.9% apart
    ranked = pd.DataFrame(
        {
            "group": ["Melvin Marxen", "Summer Sewald", "Dustin Brinkmann", "Cara Losch"],
            "bookings": [670_788.0, 420_000.0, 317_000.0, 311_000.0],
            "share": [0.239, 0.15, 0.113, 0.111],
        }
    )
    assert tv.leader_sentence(ranked, "bookings", fmt) == (
        "**Melvin Marxen** leads with $671K bookings and brings 24% of bookings; at the bottom "
        "Dustin Brinkmann ($317K) and **Cara Losch** ($311K) are close."
    )
    assert tv.close(317_000, 311_000) and not tv.close(420_000, 317_000)
    # the demo's top two teams, 122% and 120%
    teams = pd.DataFrame(
        {
            "group": ["East Enterprise", "East Commercial", "Central Enterprise"],
            "attainment": [1.22, 1.20, 0.84],
            "share": [0.29, 0.1, 0.2],
        }
    )
    assert tv.leader_sentence(teams, "attainment", fmt) == (
        "At the top **East Enterprise** (122% attainment, 29% of bookings) and **East Commercial** "
        "(120%) are close; **Central Enterprise** trails with 84%."
    )
    two = teams.iloc[[0, 1]]
    assert tv.leader_sentence(two, "attainment", fmt) == (
        "**East Enterprise** (122% attainment) and **East Commercial** (120%) are close."
    )
    apart = teams.iloc[[0, 2]]
    assert tv.leader_sentence(apart, "attainment", fmt) == (
        "**East Enterprise** leads with 122% attainment and brings 29% of bookings; "
        "**Central Enterprise** trails with 84%."
    )


def test_a_grouping_equal_to_another_is_shown_once(tmp_path):
    data = load_dataset(
        write(
            tmp_path / "g",
            reps="rep_id,rep_name,team,region,manager\nr1,Ann,A,East,Mo\nr2,Bo,B,East,Li\n",
            opportunities=(
                "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
                "o1,r1,Won,1000,2026-01-01,2026-01-31,true,true\n"
            ),
        )
    )
    assert tv.group_levels(data) == ["team", "region"]  # managers are the teams again


def test_coverage_sentence_names_the_quarters_its_win_rate_comes_from():
    from .conftest import MAVEN

    data = load_dataset(MAVEN, preset="maven_crm")  # 2017Q1 holds only March: left out
    r = tv.build(data, quarter="2017Q4")
    assert "At the win rate by value of the last three quarters (61%)" in r.coverage_sentence
    cov = kpis.coverage(data, quarter="2018Q1", as_of="2017-12-31").iloc[0]
    assert cov["trailing_quarters"] == 3 and round(cov["value_win_rate"], 3) == 0.609


def test_past_due_sentence_says_where_the_past_due_deals_are_dated_once():
    period = Period(
        "2026Q1", pd.Timestamp("2026-01-01"), pd.Timestamp("2026-03-31"), pd.Timestamp("2026-03-31")
    )
    due = pd.DataFrame(
        {
            "close_date": pd.to_datetime(["2026-02-01", "2026-03-01", "2025-12-01"]),
            "amount": [10_000.0, 12_000.0, 15_000.0],
        }
    )
    fmt = tv.money_in("USD")
    inside = tv.past_due_sentence(period, due.iloc[:2], fmt)
    assert inside == (
        "2026Q1 has ended. 2 open deals worth $22.0K have a close date already past (all dated "
        "in 2026Q1 itself): they are past due and need new close dates before they count in any "
        "quarter's pipeline."
    )  # not "(2 deals, $22.0K, in 2026Q1 itself)" beside the same figures
    mixed = tv.past_due_sentence(period, due, fmt)
    assert "3 open deals worth $37.0K have a close date already past (2 deals, $22.0K, in " in mixed
    one = tv.past_due_sentence(period, due.iloc[2:], fmt)
    assert (
        "1 open deal worth $15.0K has a close date already past (dated before 2026Q1): it is "
        in one
    )
    assert "needs a new close date before it counts" in one


def test_the_trend_leaves_out_a_quarter_held_only_in_part():
    from .conftest import FIXTURES

    data = load_dataset(FIXTURES / "salesforce_export", preset="salesforce")
    period = period_of(data, "2026Q1")
    trend = tv.quarter_trend(data, period)
    assert "2024Q2" not in set(trend.frame["quarter"])  # 4 of its 5 closes are migrated
    assert trend.frame["quarter"].iloc[-1] == "2026Q1"
    r = tv.build(data, quarter="2026Q1")
    assert r.trend_sentence.endswith(
        "Left out of the trend: 2024Q2, which the data holds only in part (the data's first "
        "deal was created on 2024-06-01, after the quarter began; 4 of its 5 closed deals have "
        "no created date of their own, as records migrated from another CRM)."
    )


@pytest.mark.parametrize(
    ("reps", "title"),
    [
        (30, "Bookings by rep"),  # the chart shows all 30
        (35, "Bookings by rep (top and bottom 15 of 35; the table lists all 35)"),
        (tv.REP_ROWS + 1, f"Bookings by rep (top and bottom 15 of {tv.REP_ROWS + 1})"),
    ],
)
def test_the_rep_chart_says_what_it_and_the_table_show(reps, title):
    frame = pd.DataFrame({"bookings": np.arange(reps, dtype=float), "attainment": np.nan})
    assert tv._rep_title(frame, has_quota=False) == title
    # with quotas, those with an attainment are charted; the table still lists every rep
    frame.loc[:4, "attainment"] = 1.2
    frame.loc[5:, "attainment"] = 0.5
    assert tv._rep_title(frame, has_quota=True).startswith(f"5 of {reps} reps at or above quota")
    assert tv._rep_chart(frame, "bookings").shape[0] == min(reps, 30)


def test_the_shortfall_finding_names_the_rate_the_section_uses(demo):
    cov = kpis.coverage(demo, quarter="2026Q4", as_of="2026-09-30").iloc[0]
    found = tv._findings(cov, pd.DataFrame(columns=["amount"]), "2026Q4", tv.money_in("USD"))
    text = found[0].text
    rate = f"({cov['value_win_rate']:.0%})"
    assert rate == "(28%)" and rate in text and "usual win rate" not in text
    assert "counting what new deals usually add" in text
    said = tv.coverage_sentence(cov, "2026Q4", scope="The company", fmt=tv.money_in("USD"))
    assert f"by value of the last four quarters {rate}" in said
    assert found[0].at_stake == pytest.approx(cov["pipeline_short"])
