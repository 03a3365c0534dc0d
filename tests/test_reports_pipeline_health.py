"""Report 06 (pipeline health): its figures and every branch of its sentences.

Sentences are checked on small hand-made frames; the builder on hand-made data sets and on the
demo and Maven example against values computed another way (pandas on the raw CSV files).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.analysis import funnel as fu
from salesops_lib.analysis.outlook import Outlook
from salesops_lib.reports import pipeline_health as ph
from salesops_lib.reports import rep_benchmarking as rb
from salesops_lib.reports.base import money_in

from .conftest import MAVEN
from .test_data import write
from .test_kpis import OPPS, QUOTAS, REPS

FMT = money_in("USD")


@pytest.fixture(scope="module")
def demo_r(demo):
    return ph.build(demo, quarter="2026Q3")


@pytest.fixture(scope="module")
def maven_r(maven):
    return ph.build(maven, quarter="2017Q4")


def _period(quarter="2026Q3", start="2026-07-01", end="2026-09-30", as_of="2026-09-30"):
    from salesops_lib.reports.base import Period

    return Period(quarter, pd.Timestamp(start), pd.Timestamp(end), pd.Timestamp(as_of))


def _funnel(counts: dict[str, list[int]], quarters=("2026Q3",)) -> fu.Funnel:
    """A funnel of groups whose counts per stage (Qualify, Propose, Won) are given."""
    rows, deals = [], []
    for group, (q, p, w) in counts.items():
        for name, n, prev in (("Qualify", q, q), ("Propose", p, q), ("Won", w, p)):
            rows.append((group, name, n, n / prev if prev else np.nan, n / q if q else np.nan))
        deals += [{"is_won": i < w} for i in range(q)]
    table = pd.DataFrame(
        rows, columns=["group", "stage", "reached", "step_rate", "cumulative_rate"]
    )
    reach = fu.Reached(
        pd.DataFrame(deals, columns=["is_won"]), ("Qualify", "Propose"), (), True, "Qualify"
    )
    return fu.Funnel(
        table,
        pd.DataFrame(),
        reach,
        pd.Timestamp("2026-07-01"),
        pd.Timestamp("2026-09-30"),
        tuple(quarters),
    )


# ---------------------------------------------------------------------------------------
# funnel and bottleneck sentences


def test_funnel_sentence_counts_closed_deals_and_names_the_segments():
    text = ph.funnel_sentence(
        _funnel({"SMB": [100, 60, 40], "Enterprise": [100, 50, 10]}), _period()
    )
    assert text.startswith(
        "Of the **200 deals closed in 2026Q3** (won or lost, by 2026-09-30), **25%** were won."
    )
    assert (
        "By segment, SMB won the most (40%) and Enterprise the least (10%), a difference beyond "
        "chance." in text
    )


def test_funnel_sentence_segments_within_chance_win_alike():
    # 4 of 10 against 1 of 10: a two-proportion test finds no difference at 5% (p = 0.12)
    text = ph.funnel_sentence(_funnel({"SMB": [10, 6, 4], "Enterprise": [10, 5, 1]}), _period())
    assert "most" not in text and "least" not in text
    assert text.endswith("The segments win alike within chance (10% to 40%).")
    same = ph.funnel_sentence(_funnel({"SMB": [100, 60, 27], "Ent": [200, 90, 55]}), _period())
    assert same.endswith("The segments win alike within chance (27% to 28%).")


def test_funnel_sentence_without_closed_deals():
    text = ph.funnel_sentence(_funnel({"All": [0, 0, 0]}), _period())
    assert text == "No deal closed in 2026Q3 by 2026-09-30, so the quarter has no funnel yet."


def test_funnel_sentence_one_deal_and_one_segment():
    text = ph.funnel_sentence(_funnel({"All": [1, 1, 1]}), _period())
    assert "**1 deal closed in 2026Q3**" in text and "By segment" not in text


def _three_stage_funnel(from_history: bool, implied: str) -> fu.Funnel:
    """10 closed deals, 3 won; with history Lead, Meet, Offer measured (6 reached Offer),
    without it Lead and Meet (Offer unknown)."""
    names = ("Lead", "Meet", "Offer") if from_history else ("Lead", "Meet")
    reached = [10, 10, 6, 3] if from_history else [10, 10, 3]
    table = pd.DataFrame(
        {
            "group": "All",
            "stage": [*names, "Won"],
            "reached": reached,
            "step_rate": [1.0] + [b / a for a, b in zip(reached, reached[1:], strict=False)],
            "cumulative_rate": [r / 10 for r in reached],
        }
    )
    steps = pd.DataFrame(
        {
            "group": "All",
            "step": [fu.step_name(names, i) for i in range(len(names))],
            "entered": reached[:-1],
            "advanced": reached[1:],
        }
    ).assign(rate=lambda f: f["advanced"] / f["entered"])
    deals = pd.DataFrame({"is_won": [i < 3 for i in range(10)]})
    reach = fu.Reached(deals, names, () if from_history else ("Offer",), from_history, implied)
    return fu.Funnel(
        table, steps, reach, pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30"), ("2026Q3",)
    )


def test_steps_true_by_construction_are_left_out_with_one_line_saying_why():
    # without history every deal not in Lead counts as having reached Meet: Lead → Meet is 100%
    fun = _three_stage_funnel(False, "Meet")
    assert ph.by_construction(fun) == ("Lead",)
    assert list(ph.measured_funnel(fun)["stage"]) == ["Meet", "Won"]
    note = (
        "Lead → Meet is left out: without history snapshots every deal not in Lead counts as "
        "having reached Meet, so that step converts 100% by construction."
    )
    assert ph.construction_note(fun) == note
    assert ph.funnel_sentence(fun, _period()).endswith(note)
    by_q = pd.DataFrame(
        {"Lead → Meet": [1.0], "Meet → Won": [0.3]}, index=pd.Index(["2026Q3"], name="quarter")
    )
    assert list(ph.steps_table(by_q, fun).frame["step"]) == ["Meet → Won"]
    # with history, or when the first stage is the implied one, nothing is left out
    for kept in (_three_stage_funnel(True, "Meet"), _three_stage_funnel(False, "Lead")):
        assert ph.by_construction(kept) == ()
        assert ph.construction_note(kept) is None
        assert ph.measured_funnel(kept).equals(kept.table)
    wide = _three_stage_funnel(True, "Meet")
    hist_q = pd.DataFrame(
        {"Lead → Meet": [1.0], "Meet → Offer": [0.6], "Offer → Won": [0.5]},
        index=pd.Index(["2026Q3"], name="quarter"),
    )
    assert len(ph.steps_table(hist_q, wide).frame) == 3
    # a quarter held only in part keeps its column, headed (part), since the total counts it
    two_q = pd.DataFrame(
        {"Lead → Meet": [1.0, 1.0], "Meet → Offer": [0.9, 0.6], "Offer → Won": [0.9, 0.5]},
        index=pd.Index(["2026Q2", "2026Q3"], name="quarter"),
    )
    t = ph.steps_table(two_q, wide, {"2026Q2": "the data starts on 2026-05-01"})
    assert {"2026Q2", "2026Q3", "window"} <= set(t.frame.columns)
    labels = [c.label for c in t.spec.columns]
    assert labels[:3] == ["Step", "2026Q2 (part)", "2026Q3"]
    assert t.caption.endswith(
        "Columns headed (part) are quarters the data holds only in part (2026Q2: the data "
        "starts on 2026-05-01): read them with care; the total counts their deals"
    )


def test_maven_funnel_total_lies_within_the_quarters_shown(maven):
    """The window's rate sits among the columns shown (VP re-read: 63% beside 62/61/60%)."""
    r = ph.build(maven, quarter="2017Q4")
    t = r.steps_by_quarter
    o = pd.read_csv(MAVEN / "sales_pipeline.csv")
    closed = o[o["deal_stage"].isin(["Won", "Lost"]) & o["close_date"].notna()]
    won = int((closed["deal_stage"] == "Won").sum())
    assert won == 4238 and len(closed) == 6711  # 63.2%, all four quarters
    row = t.frame.iloc[0]
    quarters = [c for c in t.frame.columns if c not in ("step", "window")]
    assert "2017Q1" in quarters  # the partial quarter the total counts is shown
    assert row["window"] == pytest.approx(won / len(closed), abs=1e-9)
    assert min(row[quarters]) <= row["window"] <= max(row[quarters])


def _by_quarter(weakest: list[str], quarters: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"weakest": weakest}, index=pd.Index(quarters, name="quarter"))


def test_bottleneck_sentence_window_next_weakest_and_this_quarter():
    neck = fu.Bottleneck("Propose → Won", 0.5, 20, "Qualify → Propose", 0.6, p_value=0.01)
    quarters = ["2026Q1", "2026Q2", "2026Q3"]
    by_q = _by_quarter(["Propose → Won", "Propose → Won", "Qualify → Propose"], quarters)
    text = ph.bottleneck_sentence(neck, _funnel({"All": [40, 20, 10]}, quarters), by_q, _period())
    assert text == (
        "Over the 40 deals closed in 2026Q1–2026Q3 (3 quarters), the weakest step is "
        "**Propose → Won**: 50% of the deals that reached Propose went on, lower beyond chance "
        "than the next weakest, Qualify → Propose (60%). On its own, 2 quarters of the 3 show it "
        "clearly the weakest; in 2026Q3 alone the weakest was Qualify → Propose."
    )


def test_bottleneck_sentence_every_quarter_none_and_a_lossless_next_step():
    neck = fu.Bottleneck("Engaging → Won", 0.63, 20, "Prospecting → Engaging", 1.0, p_value=0.0)
    quarters = ["2026Q2", "2026Q3"]
    by_q = _by_quarter(["Engaging → Won"] * 2, quarters)
    text = ph.bottleneck_sentence(neck, _funnel({"All": [20, 20, 12]}, quarters), by_q, _period())
    assert "next weakest" not in text  # a step that lost no deal is no weakness
    assert text.endswith("It was clearly the weakest step in each of the 2 quarters on its own.")
    blur = ph.bottleneck_sentence(
        neck,
        _funnel({"All": [20, 20, 12]}, quarters),
        _by_quarter([None, None], quarters),
        _period(),
    )
    assert blur.endswith(
        "No single quarter on its own shows it lower than the next weakest beyond chance."
    )


def test_bottleneck_sentence_steps_alike_name_no_bottleneck():
    neck = fu.Bottleneck(
        "Proposal → Negotiation", 0.7458, 4000, "Discovery → Proposal", 0.7516, p_value=0.4,
        alike=(("Proposal → Negotiation", 0.7458), ("Discovery → Proposal", 0.7516)),
        best_step="Negotiation → Won", best_rate=0.81,
    )  # fmt: skip
    quarters = ["2026Q2", "2026Q3"]
    by_q = _by_quarter(["Proposal → Negotiation", None], quarters)
    text = ph.bottleneck_sentence(neck, _funnel({"All": [9515, 20, 12]}, quarters), by_q, _period())
    assert text == (
        "Over the 9,515 deals closed in 2026Q2–2026Q3 (2 quarters) no single step is the "
        "bottleneck: the weakest steps, Proposal → Negotiation (75%) and Discovery → Proposal "
        "(75%), convert alike within chance (a two-proportion test at the 5% level)."
    )


def test_bottleneck_sentence_one_quarter_and_none():
    neck = fu.Bottleneck("Propose → Won", 0.5, 20, None, np.nan)
    by_q = _by_quarter(["Propose → Won"], ["2026Q3"])
    text = ph.bottleneck_sentence(neck, _funnel({"All": [20, 10, 5]}), by_q, _period())
    # one step, nothing to compare it with: no bottleneck can be told apart
    assert "weakest step is" not in text
    assert ph.bottleneck_sentence(None, _funnel({"All": [0, 0, 0]}), by_q, _period()) is None


# ---------------------------------------------------------------------------------------
# stall, age, waterfall


def _tis(stalled=(0, 0), amounts=(0.0, 0.0)):
    return pd.DataFrame(
        {
            "median_days": [14.0, 7.0],
            "p90_days": [40.0, 20.0],
            "open_now": [5, 5],
            "stalled": list(stalled),
            "stalled_amount": list(amounts),
        },
        index=pd.Index(["Qualify", "Propose"], name="stage"),
    )


def test_stall_sentence_branches():
    assert ph.stall_sentence(_tis(), FMT) == (
        "Deals typically spend 10 days in a stage. No open deal has sat in its stage longer "
        "than 9 in 10 deals did."
    )
    one = ph.stall_sentence(_tis((0, 1), (0.0, 5000.0)), FMT)
    assert "**1 open deal** ($5.0K) has sat in its stage" in one and "**Propose**" in one
    many = ph.stall_sentence(_tis((3, 1), (9000.0, 5000.0)), FMT)
    assert many.endswith(
        "**4 open deals** ($14.0K) have sat in their stage longer than 9 in 10 deals did; most "
        "of that value (64%) is in **Qualify**."
    )


@pytest.mark.parametrize(
    ("amounts", "words"),
    [
        # the demo's stalled pipeline: $10.1M of $24.3M in Prospecting is 42%, not "most"
        (
            {
                "Prospecting": 10.1,
                "Qualification": 5.7,
                "Discovery": 4.2,
                "Proposal": 2.5,
                "Negotiation": 1.7,
            },
            "; the largest share is in **Prospecting** (42%)",
        ),
        ({"A": 6.0, "B": 4.0}, "; most of that value (60%) is in **A**"),
        ({"A": 5.004, "B": 4.996}, "; the largest share is in **A** (50%)"),  # reads 50%: not most
        ({"A": 3.0, "B": 3.0, "C": 4.0}, "; the largest share is in **C** (40%)"),
        ({"A": 3.0, "B": 3.0, "C": 2.0}, "; the largest shares are in **A** and **B** (38% each)"),
        ({"A": 0.0}, ""),
    ],
)
def test_largest_share_says_most_only_above_half(amounts, words):
    assert ph.largest_share_words(pd.Series(amounts)) == words


def test_aging_sentence_and_title():
    bands = pd.DataFrame(
        {"age_band": ["0-30 days", "181-365 days"], "deals": [3, 1], "amount": [3000.0, 1000.0]}
    )
    open_now = pd.DataFrame({"created_date": [pd.Timestamp("2026-01-01")] * 4 + [pd.NaT]})
    text = ph.aging_sentence(bands, open_now, pd.Timestamp("2026-09-30"), FMT)
    assert text == (
        "Of the deals open on 2026-09-30, whatever their close date ($4.0K in 4 deals with a "
        "created date), **25%** of the value is in deals older than six months. 1 open deal "
        "without a created date has no age and is left out."
    )
    # all open deals, not a quarter's open pipeline (VP re-read: Maven's $3.9M against $0)
    assert "open pipeline" not in text
    assert ph.aging_title(bands) == "25% of the open deals' value is older than six months"
    assert "pipeline" not in ph.AGING_AXIS
    empty = bands.iloc[0:0]
    assert ph.aging_sentence(empty, open_now.iloc[0:0], pd.Timestamp("2026-09-30"), FMT) is None


def _movement(won=-400.0, to="2026-09-25", closed_to="2026-09-30"):
    steps = pd.DataFrame(
        {
            "step": ph.pipeline.MOVEMENT_ORDER,
            "amount": [1000.0, 300.0, 100.0, -50.0, won, -500.0, -100.0, 350.0 - 400.0 - won],
            "deals": [10, 3, 1, 2, 4, 5, 1, 4],
        }
    )
    return ph.pipeline.Movement(
        steps=steps, deals=pd.DataFrame(), start="2026-06-26", end=to, closed_to=closed_to
    )


def test_movement_sentence_balances_and_names_bookings():
    mv = _movement()
    v = mv.steps.set_index("step")["amount"]
    assert (
        v[["start", "created", "pulled_in", "amount_change", "won", "lost", "slipped_out"]].sum()
        == v["end"]
    )
    text = ph.movement_sentence(mv, "2026Q3", 400.0, FMT)
    assert text.startswith(
        "From the snapshot before 2026Q3 (2026-06-26) to 2026-09-30 (open deals as the "
        "2026-09-25 snapshot shows them), the pipeline closing in 2026Q3 started at **$1.0K**"
    )
    assert "**$400 was won** (the quarter's bookings)" in text
    # won that is not the bookings is never called the bookings
    assert "bookings" not in ph.movement_sentence(mv, "2026Q3", 999.0, FMT)
    same_day = ph.movement_sentence(_movement(to="2026-09-30"), "2026Q3", 400.0, FMT)
    assert "snapshot shows them" not in same_day


def test_movement_sentence_splits_an_ended_quarters_end_into_past_due_and_as_of_day():
    still = pd.DataFrame({"past_due": [True, True, False], "amount": [1.0, 2.0, 3.0]})
    text = ph.movement_sentence(_movement(), "2026Q3", 400.0, FMT, still)
    assert "is still open (3 deals: 2 past due, 1 dated 2026-09-30, the as-of day). Start" in text
    due = ph.movement_sentence(_movement(), "2026Q3", 400.0, FMT, still.iloc[:2])
    assert "is still open (2 deals, all past due). Start" in due
    assert "is still open. Start" in ph.movement_sentence(_movement(), "2026Q3", 400.0, FMT)


def test_demo_still_open_is_past_due_plus_the_as_of_day_in_01_and_06(demo, demo_r, demo_dir):
    """Raw CSVs: the 2026-09-25 snapshot's open deals plus those created since, not closed."""
    from salesops_lib.reports import team_visibility

    day = pd.Timestamp("2026-09-30")
    o = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["created_date", "close_date"])
    h = pd.read_csv(demo_dir / "history.csv", parse_dates=["snapshot_date", "close_date"])
    closed = set(o.loc[o["is_closed"].astype(bool) & (o["close_date"] <= day), "opp_id"])
    snap = h[(h["snapshot_date"] == "2026-09-25") & ~h["is_closed"].astype(bool)]
    snap = snap[~snap["opp_id"].isin(closed)]
    new = o[(o["created_date"] > "2026-09-25") & (o["created_date"] <= day)]
    new = new[~new["opp_id"].isin(closed) & ~new["opp_id"].isin(snap["opp_id"])]
    opened = pd.concat(
        [snap[["opp_id", "close_date", "amount"]], new[["opp_id", "close_date", "amount"]]]
    )
    q3 = opened[opened["close_date"].between("2026-07-01", day)]
    due, on_day = q3[q3["close_date"] < day], q3[q3["close_date"] == day]
    assert (len(q3), len(due), len(on_day)) == (174, 156, 18)
    assert f"{FMT(q3['amount'].sum())} is still open" in demo_r.movement_sentence.replace("**", "")
    assert (
        f"({len(q3)} deals: {len(due)} past due, {len(on_day)} dated 2026-09-30, the as-of day)"
        in demo_r.movement_sentence
    )
    one = team_visibility.build(demo, quarter="2026Q3").past_due_sentence
    assert (
        f"{len(on_day)} more open deals, {FMT(on_day['amount'].sum())}, are dated 2026-09-30, the "
        f"as-of day itself: not past due yet, and in no later quarter's pipeline. With them, "
        f"{len(q3)} deals worth {FMT(q3['amount'].sum())} are still open in 2026Q3" in one
    )
    assert f"({len(due)} deals, {FMT(due['amount'].sum())}, in 2026Q3 itself)" in one


def test_teams_short_words_say_why_the_company_is_short_by_another_figure():
    # A needs 400 has 100, B needs 300 has 100, C needs 200 has 350; company needs 950 of 550
    teams = pd.DataFrame(
        {
            "team": ["A", "B", "C"],
            "needed": [400.0, 300.0, 200.0],
            "open_next": [100.0, 100.0, 350.0],
            "open_vs_needed": [0.25, 1 / 3, 1.75],
            "pipeline_short": [300.0, 200.0, 0.0],
        }
    )
    total = pd.Series({"needed": 950.0, "open_next": 550.0, "pipeline_short": 400.0})
    assert ph.teams_short_words(teams, FMT, total) == (
        "2 of 3 teams are short of the pipeline their goal needs, by $500 together, $100 more "
        "than the company's shortfall of $400: C has $150 more pipeline than its own goal "
        "needs, and the teams' needs, each from its own gap, win rate by value and new-deal "
        "bookings, add up to $50 less than the company's need from its totals"
    )
    same = pd.Series({"needed": 900.0, "open_next": 550.0, "pipeline_short": 350.0})
    assert "than the company's" in ph.teams_short_words(teams, FMT, same)
    even = pd.Series({"needed": 1050.0, "open_next": 550.0, "pipeline_short": 500.0})
    assert "company" not in ph.teams_short_words(teams, FMT, even)


# ---------------------------------------------------------------------------------------
# velocity, creation and the reconciliation with report 01


def _outlook(pipeline: float, quarter="2026Q4") -> Outlook:
    return Outlook(
        quarter,
        pd.Timestamp("2026-09-30"),
        100.0,
        "quota",
        0.0,
        pipeline,
        0,
        0.5,
        pipeline * 0.5,
        0.0,
        ["2026Q3"],
    )


def _vel(open_deals=(3, 2), undated=(0, 0), past_due=(0, 0), capped=(False, False)):
    per_day = [100.0, 50.0]
    expected = [1e9 if not c else 5000.0 for c in capped]
    return pd.DataFrame(
        {
            "open_deals": list(open_deals),
            "undated": list(undated),
            "past_due": list(past_due),
            "velocity_per_day": per_day,
            "expected": expected,
            "capped": list(capped),
            "velocity_per_quarter": [
                e if c else d * 91 for d, e, c in zip(per_day, expected, capped, strict=True)
            ],
        }
    )


def test_velocity_sentence_says_what_it_counts():
    day = pd.Timestamp("2017-12-31")
    text = ph.velocity_sentence(_vel(), day, 4, _outlook(10.0), FMT)
    assert text == (
        "Counting **all 5 deals open on 2017-12-31**, whatever their expected close date, at the "
        "win rate, average won deal and cycle of the last 4 quarters, they produce about **$150 of "
        "bookings a day** ($13.7K a quarter)."
    )
    seen = ph.velocity_sentence(
        _vel(), day, 4, _outlook(10.0), FMT, snapshot=pd.Timestamp("2017-12-25")
    )
    assert (
        "**all 5 deals open on 2017-12-31** (as the 2017-12-25 snapshot shows them, with the "
        "deals created since as the record shows them),"
    ) in seen


def test_velocity_sentence_a_quarter_is_capped_at_what_the_deals_can_bring():
    day = pd.Timestamp("2017-12-31")
    text = ph.velocity_sentence(_vel(capped=(True, True)), day, 4, _outlook(10.0), FMT)
    assert (
        "they produce about **$150 of bookings a day**; at that pace they would run out within a "
        "quarter, so a quarter brings at most what they are expected to bring in all, **$10.0K** "
        "(open deals × average won deal × win rate)."
    ) in text
    some = ph.velocity_sentence(_vel(capped=(True, False)), day, 4, _outlook(10.0), FMT)
    assert (
        f"({FMT(5000 + 50 * 91)} a quarter, where for 1 team it is capped at what its open deals are expected to "
        "bring in all: open deals × average won deal × win rate)."
    ) in some


def test_velocity_sentence_names_undated_deals_behind_a_zero_pipeline():
    day = pd.Timestamp("2017-12-31")
    text = ph.velocity_sentence(
        _vel(past_due=(1, 0), undated=(3, 2)), day, 1, _outlook(0.0, "2018Q1"), FMT
    )
    assert "cycle of the quarter," in text
    assert " 1 of them is past due." in text
    assert text.endswith(
        "5 of them have no expected close date, so they are in no quarter's pipeline: that is "
        "why 2018Q1's open pipeline is $0."
    )
    some = ph.velocity_sentence(_vel(undated=(1, 0)), day, 4, _outlook(20.0, "2018Q1"), FMT)
    assert some.endswith(
        "1 of them has no expected close date, so it is in no quarter's pipeline (2018Q1's open "
        "pipeline is $20)."
    )
    assert ph.velocity_sentence(_vel((0, 0)), day, 4, _outlook(0.0), FMT) is None


def _need(created=130.0, needed=100.0, open_next=70.0, short=30.0):
    return pd.Series(
        {
            "created": created,
            "created_deals": 7,
            "created_closed": 40.0,
            "created_open_target": 50.0,
            "created_open_other": created - 90.0,
            "goal_next": 20.0,
            "value_win_rate": 0.2,
            "needed": needed,
            "created_vs_needed": created / needed,
            "open_next": open_next,
            "pipeline_short": short,
        }
    )


def _teams(created=(1.2, 0.997, 1.1), opened=(0.5, 0.6, 1.2), short=(10.0, 20.0, 0.0)):
    needed = [20.0, 50.0, 30.0]
    return pd.DataFrame(
        {
            "team": ["A", "B", "C"],
            "created_vs_needed": list(created),
            "needed": needed,
            "open_next": [n * o for n, o in zip(needed, opened, strict=True)],
            "open_vs_needed": list(opened),
            "pipeline_short": list(short),
        }
    )


def test_creation_sentence_names_the_team_just_short():
    text = ph.creation_sentence(_need(), _teams(), "2026Q3", "2026Q4", FMT)
    assert text == (
        "In 2026Q3 **$130** of pipeline was created (7 deals): **130%** of the $100 that "
        "2026Q4's goal of $20 needs at the win rate by value of 20%. 2 of 3 teams created "
        "enough; B created 99.7% of what its goal needs."
    )
    two = ph.creation_sentence(_need(), _teams(created=(0.9, 0.997, 1.1)), "2026Q3", "2026Q4", FMT)
    assert two.endswith(
        "1 of 3 teams created enough; A and B created 90.0% and 99.7% of what their goals need."
    )
    none = ph.creation_sentence(
        _need(created=50.0), _teams(created=(0.5, 0.5, 0.5)), "2026Q3", "2026Q4", FMT
    )
    assert none.endswith("Not one of the 3 teams created enough.")
    assert ph.creation_sentence(_need(needed=np.nan), _teams(), "2026Q3", "2026Q4", FMT) is None


def test_creation_sentence_names_the_allowance_for_deals_not_yet_created():
    # goal 20, of which 5 usually comes from deals not yet created: (20 - 5) / 0.2 = 75 needed
    need = _need(created=90.0, needed=75.0)
    need["from_new_deals"] = 5.0
    assert (20.0 - need["from_new_deals"]) / need["value_win_rate"] == pytest.approx(75.0)
    text = ph.creation_sentence(need, _teams(), "2026Q3", "2026Q4", FMT)
    assert text.startswith(
        "In 2026Q3 **$90** of pipeline was created (7 deals): **120%** of the $75 that 2026Q4's "
        "goal of $20 needs, after the $5 that deals not yet created usually add, at the win rate "
        "by value of 20%."
    )
    defined = ph._creation_terms()["Pipeline needed"]
    assert defined.startswith("Next quarter's goal, less the bookings deals not yet created")


def test_reconcile_sentence_explains_created_enough_yet_short():
    day = pd.Timestamp("2026-09-30")
    text = ph.reconcile_sentence(_need(), _teams(), "2026Q3", "2026Q4", day, FMT)
    assert text == (
        "Created enough, yet short: of the $130 created in 2026Q3, $40 has closed by 2026-09-30; "
        "with the close dates the data holds (those of the pipeline figure), $50 is open for "
        "2026Q4 and $40 for other quarters or without a close date. "
        "With deals created earlier, 2026Q4's open pipeline on 2026-09-30 is **$70**, **short "
        "by $30** of the $100 needed; 2 of 3 teams are short of the pipeline their goal needs, by "
        "$30 together; the third, C, has $6 more than it needs (report 01 shows each team). "
        "Coverage is a rule of thumb, not a forecast: report 03 forecasts each team's 2026Q4 by "
        "other methods, which can weigh each open deal by its own chance and count deals this "
        "figure leaves out (dated in another quarter or without a close date), so a team short "
        "of pipeline here can still be forecast at or above its goal there, and the other way "
        "round."
    )


def test_reconcile_sentence_names_the_snapshot_and_the_record_behind_the_split():
    need = _need()
    need["created_open_other"] = 25.0
    text = ph.reconcile_sentence(
        need, _teams(), "2026Q3", "2026Q4", pd.Timestamp("2026-09-30"), FMT,
        snapshot=pd.Timestamp("2026-09-25"),
    )  # fmt: skip
    assert (
        "$40 has closed by 2026-09-30; as the 2026-09-25 snapshot shows them (and the record, "
        "deals created since), $50 is open for 2026Q4 and $25 for other quarters or without a "
        "close date."
    ) in text


def test_reconcile_sentence_enough_and_other_quarter():
    day = pd.Timestamp("2026-10-20")
    need = _need(open_next=120.0, short=0.0)
    text = ph.reconcile_sentence(
        need,
        _teams(opened=(1.1, 1.2, 1.3), short=(0, 0, 0)),
        "2026Q4",
        "2027Q1",
        day,
        FMT,
        as_in_01=False,
    )
    assert text.startswith("Of the $130 created in 2026Q4")
    assert text.endswith(
        "is **$120**, **enough** for the $100 needed; all 3 teams have the pipeline their goal "
        "needs."
    )


def test_reconcile_sentence_teams_short_add_up_to_more_than_the_total():
    text = ph.reconcile_sentence(
        _need(open_next=76.0, short=24.0),  # needs 100, as the teams do: C's $6 spare is all
        _teams(short=(10.0, 20.0, 0.0)),
        "2026Q3",
        "2026Q4",
        pd.Timestamp("2026-09-30"),
        FMT,
    )
    assert (
        "; 2 of 3 teams are short of the pipeline their goal needs, by $30 together, $6 more than "
        "the company's shortfall of $24, because C has more pipeline than its own goal needs "
        "(report 01 shows each team)." in text
    )


def test_teams_short_words_every_branch():
    # one short, one with enough; several with enough; none short; one team only
    two = _teams().iloc[[0, 2]]
    assert ph.teams_short_words(two, FMT) == (
        "1 of 2 teams (A) is short of the pipeline its goal needs, by $10; the other, C, has $6 "
        "more than it needs"
    )
    many = _teams(opened=(0.5, 1.2, 1.5), short=(10.0, 0.0, 0.0))
    assert ph.teams_short_words(many, FMT) == (
        "1 of 3 teams (A) is short of the pipeline its goal needs, by $10; the other 2 have $25 "
        "more than they need between them"
    )
    allshort = _teams(opened=(0.5, 0.5, 0.5), short=(10.0, 25.0, 15.0))
    assert ph.teams_short_words(allshort, FMT) == (
        "all 3 teams are short of the pipeline their goal needs, by $50 together"
    )
    assert ph.teams_short_words(_teams().iloc[[0]], FMT) is None


@pytest.mark.parametrize(
    ("k", "n", "words"),
    [
        (5, 6, "5 of 6 teams"),
        (6, 6, "all 6 teams"),
        (0, 6, "not one of the 6 teams"),
        (2, 2, "both teams"),
        (1, 6, "1 of 6 teams"),
    ],
)
def test_of_teams(k, n, words):
    assert ph.of_teams(k, n) == words


# ---------------------------------------------------------------------------------------
# the builder on hand-made data


def test_without_history_the_stall_and_waterfall_sections_say_what_is_missing(tmp_path):
    data = load_dataset(write(tmp_path / "t", reps=REPS, opportunities=OPPS, quotas=QUOTAS))
    r = ph.build(data, quarter="2026Q1")
    assert r.status == "Partial: no history snapshots"
    assert {g.section for g in r.gaps} == {
        ph.BOTTLENECK_SECTION,
        ph.STALL_SECTION,
        ph.MOVEMENT_SECTION,
    }
    assert r.bottleneck is None and "funnel measures one step" in r.bottleneck_sentence
    assert r.time_in_stage is None and r.movement is None and r.movement_chart is None
    assert r.funnel.closed == 5  # o1, o2, o3, o4, o6 (o8 closed in 2026Q2, o9 in 2025Q4)
    assert r.funnel_sentence.startswith("Of the **")


def test_tables_fit_the_page_and_every_label_is_defined(demo_r):
    plain = {"Team", "Segment", "Stage", "Step", "Amount", "Deals", "Open deals"}
    for t in (
        demo_r.funnel_table,
        demo_r.time_in_stage,
        demo_r.movement,
        demo_r.velocity,
        demo_r.creation,
        demo_r.steps_by_quarter,
    ):
        cols = t.shown_columns()
        assert len(cols) <= 9
        for c in cols:
            generic = " ".join(c.label.replace("2026Q3", "").replace("2026Q4", "").split())
            generic = generic.replace("Open for now", "Open for next quarter now")
            known = any(
                term.lower() in generic.lower() or generic.lower() in term.lower()
                for term in demo_r.definitions
            )
            assert c.label in plain or c.key.startswith("20") or c.key == "window" or known, c.label


# ---------------------------------------------------------------------------------------
# the demo and Maven against the raw files


def test_demo_funnel_counts_the_quarters_closed_deals(demo_r, demo_dir):
    raw = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    closed = raw[
        raw["is_closed"].astype(bool) & raw["close_date"].between("2026-07-01", "2026-09-30")
    ]
    assert demo_r.funnel.closed == len(closed)
    assert demo_r.funnel.won == int(closed["is_won"].astype(bool).sum())
    first = demo_r.funnel.table[demo_r.funnel.table["stage"] == "Prospecting"]["reached"].sum()
    assert first == len(closed)


def test_demo_waterfall_won_is_bookings_and_it_balances(demo_r, demo_dir):
    raw = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    won = raw[raw["is_won"].astype(bool) & raw["close_date"].between("2026-07-01", "2026-09-30")]
    v = demo_r.movement.frame.set_index("step")["amount"]
    assert -v["won"] == pytest.approx(won["amount"].sum())
    inflow = v[
        ["start", "created", "pulled_in", "amount_change", "won", "lost", "slipped_out"]
    ].sum()
    assert inflow == pytest.approx(v["end"])
    assert "(the quarter's bookings)" in demo_r.movement_sentence


def test_demo_creation_matches_raw_and_report_01(demo, demo_r, demo_dir):
    from salesops_lib.reports import team_visibility

    raw = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["created_date"])
    made = raw[raw["created_date"].between("2026-07-01", "2026-09-30")]
    teams = demo_r.creation.frame
    assert teams["created"].sum() == pytest.approx(made["amount"].sum())
    one = team_visibility.build(demo, quarter="2026Q3")
    total = ph.pipeline.creation_vs_need(demo, quarter="2026Q3", by=None).iloc[0]
    assert total["pipeline_short"] == pytest.approx(one.coverage["pipeline_short"])
    assert total["open_next"] == pytest.approx(one.outlook.open_pipeline)
    assert total["goal_next"] == pytest.approx(one.outlook.goal)
    assert total["value_win_rate"] == pytest.approx(one.outlook.value_win_rate)
    assert demo_r.outlook_sentence == one.outlook_sentence
    assert f"short by {FMT(one.coverage['pipeline_short'])}" in demo_r.reconcile_sentence
    short = one.coverage_chart[one.coverage_chart["ratio_to_need"] < 1]
    teams = len(one.coverage_chart)
    said = (
        f"all {teams} teams are short"
        if len(short) == teams
        else f"{len(short)} of {teams} teams are short of the pipeline their goal needs, by "
        f"{FMT(one.coverage_chart['pipeline_short'].sum())} together"
    )
    assert said in demo_r.reconcile_sentence
    # the pipeline needed is the goal less what deals not yet created usually add, as 01 says
    assert total["from_new_deals"] == pytest.approx(one.coverage["from_new_deals"])
    assert total["needed"] == pytest.approx(
        (total["goal_next"] - total["from_new_deals"]) / total["value_win_rate"]
    )
    allowance = f"after the {FMT(total['from_new_deals'])} that deals not yet created usually add"
    assert allowance in demo_r.creation_sentence
    assert f"the {FMT(one.coverage['from_new_deals'])} that deals not yet created" in (
        one.coverage_sentence
    )
    # coverage is no forecast: both reports point to report 03's team forecast of 2026Q4
    pointer = "Coverage is a rule of thumb, not a forecast: report 03 forecasts each team's 2026Q4"
    assert pointer in demo_r.reconcile_sentence and pointer in one.team_shortfall_sentence


def test_maven_velocity_counts_every_open_deal_and_names_the_undated(maven_r):
    raw = pd.read_csv(MAVEN / "sales_pipeline.csv")
    open_raw = raw[raw["deal_stage"].isin(["Prospecting", "Engaging"])]
    assert maven_r.velocity.frame["open_deals"].sum() == len(open_raw)
    assert f"all {len(open_raw):,} deals open on 2017-12-31" in maven_r.velocity_sentence
    assert "that is why 2018Q1's open pipeline is $0" in maven_r.velocity_sentence
    assert maven_r.status == "Partial: no history snapshots"


def test_maven_funnel_keeps_lost_deals_at_engaging_and_names_no_bottleneck(maven_r):
    raw = pd.read_csv(MAVEN / "sales_pipeline.csv", parse_dates=["close_date"])
    year = raw[raw["close_date"].between("2017-01-01", "2017-12-31")]
    rate = (year["deal_stage"] == "Won").sum() / len(year)
    assert maven_r.bottleneck is None  # Prospecting → Engaging is 100% by construction
    assert maven_r.bottleneck_sentence.startswith(
        f"Without history snapshots the funnel measures one step: {rate:.0%} of the "
        f"{len(year):,} deals closed in 2017Q1–2017Q4 (4 quarters) that reached Engaging were won."
    )
    assert "weakest step is" not in maven_r.bottleneck_sentence
    assert "each of the 4 quarters" not in maven_r.bottleneck_sentence
    assert [g.missing for g in maven_r.gaps if g.section == ph.BOTTLENECK_SECTION] == [
        "history snapshots"
    ]
    assert "lost deal with a created date as having reached Engaging" in maven_r.funnel_sentence
    # Prospecting → Engaging is 100% by construction: left out of both tables, with a line why
    assert "Prospecting" not in set(maven_r.funnel_table.frame["stage"])
    assert list(maven_r.steps_by_quarter.frame["step"]) == ["Engaging → Won"]
    assert maven_r.funnel_sentence.endswith(
        "Prospecting → Engaging is left out: without history snapshots every deal not in "
        "Prospecting counts as having reached Engaging, so that step converts 100% by "
        "construction."
    )


def test_maven_velocity_a_quarter_is_capped(maven_r):
    v = maven_r.velocity.frame
    assert v["capped"].all()
    assert FMT(v["velocity_per_quarter"].sum()) in maven_r.velocity_sentence  # $3.1M, not $5.4M
    assert "$5.4M" not in maven_r.velocity_sentence


@pytest.mark.parametrize("which", ["demo", "maven"])
def test_02_and_06_name_the_same_bottleneck(which, demo, maven):
    data, q = (demo, "2026Q3") if which == "demo" else (maven, "2017Q4")
    six = ph.build(data, quarter=q)
    two = rb.build(data, quarter=q)
    assert six.bottleneck == two.bottleneck
    if which == "maven":
        assert six.bottleneck is None  # one measurable step
        return
    assert not six.bottleneck.clear  # the demo's weakest steps convert alike
    assert "no single step is the team's bottleneck" in two.conversion_sentence
    assert "no single step is the bottleneck" in six.bottleneck_sentence


def test_demo_weakest_steps_convert_alike_by_statsmodels(demo_r):
    from statsmodels.stats.proportion import proportions_ztest

    steps = fu.total_steps(demo_r.window_funnel).sort_values("rate")
    a, b = steps.iloc[0], steps.iloc[1]
    _, p = proportions_ztest([a["advanced"], b["advanced"]], [a["entered"], b["entered"]])
    assert p > 0.05 and demo_r.bottleneck.p_value == pytest.approx(p)
    assert f"{a['step']} ({a['rate']:.0%})" in demo_r.bottleneck_sentence
    # the segments' win rates (30% to 32%) are alike too: no "most" and "least"
    assert "won the most" not in demo_r.funnel_sentence
    assert "The segments win alike within chance (30% to 32%)." in demo_r.funnel_sentence


def test_demo_time_in_stage_counts_the_open_deals_of_the_page(demo_r):
    tis = demo_r.time_in_stage.frame
    assert tis["open_now"].sum() == 2037  # those a snapshot shows (time in stage needs one)
    # 154 more were created after the 2026-09-25 snapshot: open, as the record shows them
    assert "2,191 deals" in demo_r.aging_sentence and "2,191 deals" in demo_r.velocity_sentence
    assert tis.set_index("stage").loc["Negotiation", "open_now"] == 144


def test_demo_created_pipeline_names_the_snapshot_and_the_deals_after_it(demo_r):
    text = demo_r.reconcile_sentence
    assert "$35.5M has closed by 2026-09-30; as the 2026-09-25 snapshot shows them" in text
    assert "(and the record, deals created since)" in text
    assert "(as the 2026-09-25 snapshot shows them, with the deals" in demo_r.velocity_sentence


@pytest.mark.parametrize(
    ("fixture", "preset", "shown"),
    [
        ("salesforce_export", "salesforce", "$635K"),
        ("hubspot_export", "hubspot", "$252K"),
    ],  # $634,500, rounded half up
)
def test_exports_created_pipeline_and_velocity_from_one_view(fixture, preset, shown):
    from .conftest import FIXTURES

    data = load_dataset(FIXTURES / fixture, preset=preset)
    r = ph.build(data, quarter="2026Q1")
    assert f"{shown} is open for 2026Q2" in r.reconcile_sentence  # not "$0 of it"
    v = ph.pipeline.velocity(data, quarter="2026Q1", as_of="2026-03-31", by="team")
    assert v["undated"].sum() == 1 and "1 of them has no expected close date" in r.velocity_sentence
    teamless = preset == "hubspot"  # HubSpot's export has no teams: no tables of (unassigned)
    assert (r.velocity is None, r.creation is None, r.creation_chart.empty) == (teamless,) * 3
    said = "The export has no teams, so velocity and pipeline creation are shown for the company"
    assert (said in r.velocity_sentence) == teamless


def test_history_gaps_name_the_export_that_fits_the_crm():
    from salesops_lib.data import SalesData
    from salesops_lib.data.presets import HUBSPOT, SALESFORCE, Stage
    from salesops_lib.reports.base import ADD_HISTORY, add_history

    def data(stages):
        return SalesData(reps=pd.DataFrame(), opportunities=pd.DataFrame(), stages=stages)

    sf, hs = add_history(data(SALESFORCE.stages)), add_history(data(HUBSPOT.stages))
    assert sf.startswith("add Salesforce's Opportunity History export beside the Opportunity")
    assert "Opportunity History" not in hs and "Salesforce" not in hs
    assert "property history of Deal stage, Amount and Close date from HubSpot" in hs
    own = add_history(data((Stage("Lead"), Stage("Won", closed=True, won=True))))
    assert own == ADD_HISTORY and "Opportunity History" not in own
    for how in (sf, hs, own):
        assert how.endswith("README, 'Point it at your own CRM export')")
        assert ".csv" not in how and "_" not in how  # file and column names stay in the README


# ---------------------------------------------------------------------------------------
# an order history (no open stage): bookings by quarter and their trend in place of a pipeline


def _raw_orders() -> pd.Series:
    """Bookings per quarter of the order-line fixture, summed from its raw lines with pandas."""
    from .conftest import FIXTURES

    lines = pd.read_csv(FIXTURES / "order_lines" / "order_lines.csv")
    lines["value"] = lines["Quantity"] * lines["Unit Price"] * (1 - lines["Discount"])
    day = pd.to_datetime(lines["Order Date"], format="%d.%m.%Y")
    return lines.groupby(day.dt.to_period("Q").astype(str))["value"].sum()  # fiscal = calendar


def test_order_history_shows_bookings_by_quarter_with_the_trend():
    from .conftest import FIXTURES

    data = load_dataset(FIXTURES / "order_lines")
    r = ph.build(data, quarter="2026Q1")
    o = r.orders
    assert o is not None and o["quarter"].tolist()[0] == "2024Q1" and o["complete"].all()
    raw = _raw_orders()
    assert o.set_index("quarter")["bookings"].to_dict() == pytest.approx(
        raw.loc[o["quarter"]].to_dict()
    )
    # least squares by hand: slope = cov(x, y) / var(x)
    x, y = np.arange(len(o), dtype=float), raw.loc[o["quarter"]].to_numpy()
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    assert o["trend"].diff().dropna().to_numpy() == pytest.approx(np.full(len(o) - 1, slope))
    assert o["trend"].mean() == pytest.approx(y.mean())
    before = y[-5:-1].mean()
    assert r.orders_sentence == (
        "The data holds no open stage (only closed deals, as an order history), so there is no "
        f"pipeline to measure; what it shows is bookings: **{FMT(y[-1])}** from "
        f"{int(o['deals'].iloc[-1])} deals won in 2026Q1, against {FMT(before)} a quarter on "
        f"average in the 4 quarters before; over the 9 complete quarters the trend line "
        f"{'rises' if slope > 0 else 'falls'} by {FMT(abs(slope))} a quarter."
    )
    assert r.orders_title == (
        f"Bookings by quarter, 2024Q1–2026Q1: trend {'up' if slope > 0 else 'down'} "
        f"{FMT(abs(slope))} a quarter"
    )
    running = ph.build(data, quarter="2026Q2").orders
    assert not running["complete"].iloc[-1] and np.isnan(running["trend"].iloc[-1])
    assert running["bookings"].iloc[-1] == pytest.approx(raw.loc["2026Q2"])


def test_with_open_stages_there_is_no_order_chart(tmp_path):
    data = load_dataset(write(tmp_path / "t", reps=REPS, opportunities=OPPS, quotas=QUOTAS))
    r = ph.build(data, quarter="2026Q1")
    assert r.orders is None and r.orders_sentence is None and r.orders_title == ""


def _orders(bookings, complete=None, trend=None):
    n = len(bookings)
    return pd.DataFrame(
        {
            "quarter": [f"2025Q{i + 1}" for i in range(n)],
            "bookings": bookings,
            "deals": [10] * n,
            "complete": complete if complete is not None else [True] * n,
            "trend": trend if trend is not None else [np.nan] * n,
        }
    )


def test_orders_sentence_and_title_branches():
    lead = (
        "The data holds no open stage (only closed deals, as an order history), so there is no "
        "pipeline to measure; what it shows is bookings: "
    )
    assert ph.orders_sentence(_orders([]), FMT) is None
    assert (
        ph.orders_sentence(_orders([5e3]), FMT) == lead + "**$5.0K** from 10 deals won in 2025Q1."
    )
    running = _orders([5e3, 1e3], complete=[True, False])
    assert ph.orders_sentence(running, FMT) == (
        lead + "**$1.0K** from 10 deals won in 2025Q2 to date, against $5.0K in the quarter before."
    )
    flat = _orders([5e3, 5e3, 5e3], trend=[5e3, 5e3, 5e3])
    assert ph.orders_sentence(flat, FMT).endswith(
        "a quarter on average in the 2 quarters before; over the 3 complete quarters the trend "
        "line is flat."
    )
    assert ph.orders_title(flat, FMT) == "Bookings by quarter, 2025Q1–2025Q3: trend flat"
    assert ph.orders_title(_orders([5e3, 6e3]), FMT) == "Bookings by quarter, 2025Q1–2025Q2"
    up = _orders([4e3, 5e3, 6e3], trend=[4e3, 5e3, 6e3])
    assert ph.orders_sentence(up, FMT).endswith("the trend line rises by $1.0K a quarter.")


def test_funnel_sentence_says_a_won_only_export_has_no_lost_deals():
    note = "No lost deals in the data, every closed deal won: the 100% win rate is not a finding."
    text = ph.funnel_sentence(_funnel({"All": [4, 4, 4]}), _period(), no_lost=note)
    assert "**100%** were won. " + note in text
    assert note not in ph.funnel_sentence(_funnel({"All": [4, 4, 4]}), _period())
