"""Pipeline health: the waterfall balances, funnels match independent counts."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesops_lib.analysis import pipeline as pl
from salesops_lib.analysis.kpis import kpi_table

from .conftest import MAVEN

QUARTERS = [
    "2024Q1",
    "2024Q2",
    "2024Q3",
    "2024Q4",
    "2025Q1",
    "2025Q2",
    "2025Q3",
    "2025Q4",
    "2026Q1",
    "2026Q2",
    "2026Q3",
    "2026Q4",
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(QUARTERS), st.integers(0, 91))
def test_waterfall_balances_to_the_cent(demo, quarter, day):
    start, end = demo.calendar.bounds(quarter)
    as_of = min(start + pd.Timedelta(days=day), end, demo.last_date)
    mv = pl.movement(demo, quarter=quarter, as_of=as_of)
    v = mv.steps.set_index("step")["amount"]
    inflow_outflow = (
        v["start"]
        + v["created"]
        + v["pulled_in"]
        + v["amount_change"]
        + v["won"]
        + v["lost"]
        + v["slipped_out"]
    )
    assert round(inflow_outflow, 2) == round(v["end"], 2)
    assert (
        v["won"] <= 0
        and v["lost"] <= 0
        and v["slipped_out"] <= 0
        and v["start"] >= 0
        and v["end"] >= 0
    )
    deals = mv.deals
    assert deals.index.is_unique
    assert "deals" not in mv.steps.attrs  # no frame rides along into every derived frame


@pytest.mark.parametrize("as_of", ["2026-06-30", "2026-05-20"])
def test_waterfall_won_equals_bookings_to_the_as_of_date(demo, demo_dir, as_of):
    # bookings from the raw file: won deals with a close date from the quarter's start to as_of
    raw = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    won = raw[raw["is_won"].astype(bool) & raw["close_date"].between("2026-04-01", as_of)]
    mv = pl.movement(demo, quarter="2026Q2", as_of=as_of)
    assert -mv.steps.set_index("step").loc["won", "amount"] == pytest.approx(won["amount"].sum())
    bookings = kpi_table(demo, quarter="2026Q2", as_of=as_of, by=None).iloc[0]["bookings"]
    assert bookings == pytest.approx(won["amount"].sum())


def test_waterfall_end_equals_open_pipeline_of_the_last_snapshot(demo):
    mv = pl.movement(demo, quarter="2026Q3", as_of="2026-08-14")
    h = demo.history[demo.history["snapshot_date"] == pd.Timestamp(mv.end)]
    start, end = demo.calendar.bounds("2026Q3")
    open_in_q = h[~h["is_closed"] & (h["close_date"] >= start) & (h["close_date"] <= end)]
    assert mv.steps.set_index("step").loc["end", "amount"] == pytest.approx(
        open_in_q["amount"].fillna(0).sum()
    )


def test_maven_funnel_matches_raw_counts(maven):
    # the deals closed in 2017Q4: won ones passed every stage, lost ones (all with an engage
    # date) reached Engaging; open deals have not finished and are not in the funnel
    raw = pd.read_csv(MAVEN / "sales_pipeline.csv", dtype=str)
    raw["close_date"] = pd.to_datetime(raw["close_date"])
    in_q4 = raw["close_date"].between("2017-10-01", "2017-12-31")
    won_q4 = ((raw["deal_stage"] == "Won") & in_q4).sum()
    lost_q4 = ((raw["deal_stage"] == "Lost") & in_q4).sum()
    assert raw.loc[(raw["deal_stage"] == "Lost") & in_q4, "engage_date"].notna().all()
    fun, basis = pl.funnel(maven, quarters=["2017Q4"])
    got = fun.set_index("stage")["reached"]
    assert "Without history snapshots" in basis and "Engaging" in basis
    assert list(got.index) == ["Prospecting", "Engaging", "Won"]
    assert got["Won"] == won_q4
    assert got["Engaging"] == got["Prospecting"] == won_q4 + lost_q4
    assert fun.set_index("stage").loc["Won", "step_rate"] == pytest.approx(
        won_q4 / (won_q4 + lost_q4)
    )


def test_demo_funnel_by_history_is_monotone(demo):
    fun, basis = pl.funnel(demo, quarters=["2026Q3"], by_segment=True)
    assert "history snapshot" in basis
    for _, g in fun.groupby("segment"):
        assert g["reached"].is_monotonic_decreasing
        assert g["cumulative_rate"].iloc[0] == 1.0
    total, _ = pl.funnel(demo, quarters=["2026Q3"])
    kpi = kpi_table(demo, quarter="2026Q3", by=None).iloc[0]
    assert total.set_index("stage").loc["Won", "reached"] == kpi["won"]
    # every closed deal is in the funnel, lost ones without an open-stage snapshot too
    assert total.set_index("stage").loc["Prospecting", "reached"] == kpi["won"] + kpi["lost"]


def test_time_in_stage_and_velocity(demo):
    tis = pl.time_in_stage(demo, as_of=pd.Timestamp("2026-09-30"))
    assert (tis["p90_days"] >= tis["median_days"]).all()
    assert (tis["stalled"] <= tis["open_now"]).all()
    v = pl.velocity(demo, quarter="2026Q3", by=None).iloc[0]
    assert v["velocity_per_day"] == pytest.approx(
        v["open_deals"] * v["avg_deal"] * v["win_rate"] / v["cycle_days"]
    )


def test_creation_vs_need_by_hand(demo):
    need = pl.creation_vs_need(demo, quarter="2026Q3", by=None).iloc[0]
    assert need["created"] == pytest.approx(
        need["created_closed"] + need["created_open_target"] + need["created_open_other"]
    )
    o = demo.opportunities
    created = o[(o["created_date"] >= "2026-07-01") & (o["created_date"] <= "2026-09-30")][
        "amount"
    ].sum()
    assert need["created"] == pytest.approx(created)
    goal = demo.quotas[demo.quotas["period"] == "2026Q4"]["quota"].sum()
    assert need["goal_next"] == pytest.approx(goal)
    # what deals not yet created on 9/30 usually add: bookings of the last 4 quarters from
    # deals created inside each of them, on average
    won = o[o["is_won"].astype(bool)]
    new = 0.0
    for start, end in [
        ("2025-10-01", "2025-12-31"),
        ("2026-01-01", "2026-03-31"),
        ("2026-04-01", "2026-06-30"),
        ("2026-07-01", "2026-09-30"),
    ]:
        inside = won[won["close_date"].between(start, end)]
        new += inside.loc[inside["created_date"] >= start, "amount"].sum() / 4
    assert need["needed"] == pytest.approx((goal - new) / need["value_win_rate"])
    assert need["from_new_deals"] == pytest.approx(new)  # the allowance report 06 names


# ---------------------------------------------------------------------------------------
# one view of open deals: closed means closed by the as-of date, the close dates are the
# pipeline figure's, deals created after the last snapshot are named, never counted closed


def _raw_history(demo_dir):
    return pd.read_csv(demo_dir / "history.csv", parse_dates=["snapshot_date", "close_date"])


def test_demo_created_pipeline_closed_is_closed_by_the_as_of_date(demo, demo_dir):
    raw = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["created_date", "close_date"])
    made = raw[raw["created_date"].between("2026-07-01", "2026-09-30")]
    closed = made["is_closed"].astype(bool) & (made["close_date"] <= "2026-09-30")
    need = pl.creation_vs_need(demo, quarter="2026Q3", by=None).iloc[0]
    assert need["created_closed"] == pytest.approx(made.loc[closed, "amount"].sum())  # $35.7M
    # every deal created in the quarter and not closed by 9/30 is open, those created after
    # the 2026-09-25 snapshot included (with the record's close dates): nothing goes missing
    assert need["created_open_target"] + need["created_open_other"] == pytest.approx(
        made.loc[~closed, "amount"].fillna(0).sum()
    )


@pytest.mark.parametrize(
    ("fixture", "preset", "amount", "deals"),
    [
        ("salesforce_export", "salesforce", 634_500.0, 17),
        ("hubspot_export", "hubspot", 251_500.0, 19),
    ],
)
def test_exports_created_pipeline_uses_the_pipeline_figures_close_dates(
    fixture, preset, amount, deals
):
    from salesops_lib import load_dataset, timeline

    from .conftest import FIXTURES

    data = load_dataset(FIXTURES / fixture, preset=preset)
    need = pl.creation_vs_need(data, quarter="2026Q1", by=None).iloc[0]
    # by hand from the raw export: created in 2026Q1, not closed by 2026-03-31, closing in 2026Q2
    assert need["created_open_target"] == pytest.approx(amount)
    pipe = timeline.open_pipeline(data, quarter="2026Q2", as_of="2026-03-31")
    made = data.opportunities.loc[
        data.opportunities["created_date"].between("2026-01-01", "2026-03-31"), "opp_id"
    ]
    assert pipe["opp_id"].isin(made).sum() == deals
    assert pipe.loc[pipe["opp_id"].isin(made), "amount"].sum() == pytest.approx(amount)


def test_time_in_stage_open_now_leaves_out_deals_closed_by_the_as_of_date(demo, demo_dir):
    from salesops_lib import timeline

    day = pd.Timestamp("2026-09-30")
    tis = pl.time_in_stage(demo, as_of=day)
    od = timeline.open_deals(demo, day)
    # time in stage needs a snapshot: the open deals the 2026-09-25 snapshot shows
    seen = od[od["snapshot_date"] == pd.Timestamp("2026-09-25")]
    assert tis["open_now"].sum() == len(seen) == 2037
    assert tis["open_now"].to_dict() == seen["stage"].value_counts().reindex(tis.index).to_dict()
    # by hand: Negotiation on the 2026-09-25 snapshot, less deals closed by 2026-09-30
    raw = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    gone = set(raw.loc[raw["is_closed"].astype(bool) & (raw["close_date"] <= day), "opp_id"])
    h = _raw_history(demo_dir)
    snap = h[(h["snapshot_date"] == "2026-09-25") & ~h["is_closed"].astype(bool)]
    neg = snap[snap["stage"] == "Negotiation"]
    assert (
        len(neg) == 218
        and tis.loc["Negotiation", "open_now"] == (~neg["opp_id"].isin(gone)).sum() == 144
    )


def test_velocity_a_quarter_never_exceeds_what_the_open_deals_can_bring(maven):
    raw = pd.read_csv(MAVEN / "sales_pipeline.csv", parse_dates=["close_date", "engage_date"])
    teams = pd.read_csv(MAVEN / "sales_teams.csv").set_index("sales_agent")["manager"]
    raw["team"] = raw["sales_agent"].map(teams)
    open_deals = raw[raw["deal_stage"].isin(["Prospecting", "Engaging"])].groupby("team").size()
    closed = raw[
        raw["deal_stage"].isin(["Won", "Lost"])
        & raw["close_date"].between("2017-01-01", "2017-12-31")
    ]
    won = closed[closed["deal_stage"] == "Won"]
    expected = (
        open_deals
        * won.groupby("team")["close_value"].mean()
        * (won.groupby("team").size() / closed.groupby("team").size())
    )
    v = pl.velocity(maven, quarter="2017Q4", by="team")
    assert v["open_deals"].sum() == 2089
    assert v["capped"].all()  # at 50-day cycles the deals would be used up within a quarter
    # per team: $3.08M (the company's rates on all 2,089 deals give $3.11M), not $5.4M, and
    # below the deals' face value
    assert v["velocity_per_quarter"].sum() == pytest.approx(expected.sum())
    assert v["velocity_per_quarter"].sum() < v["open_amount"].sum()
    assert (v["velocity_per_quarter"] <= v["expected"] + 1e-6).all()


def test_velocity_counts_undated_deals_in_the_pipeline_figures_view():
    from salesops_lib import load_dataset, timeline

    from .conftest import FIXTURES

    data = load_dataset(FIXTURES / "salesforce_export", preset="salesforce")
    v = pl.velocity(data, quarter="2026Q1", by="team")
    # by hand from the export: 1 open deal on 2026-03-31 has no close date (not 45)
    assert v["undated"].sum() == len(timeline.undated(data, as_of="2026-03-31")) == 1
    assert v["open_deals"].sum() == 45
    assert v["past_due"].sum() == len(timeline.past_due(data, as_of="2026-03-31"))
