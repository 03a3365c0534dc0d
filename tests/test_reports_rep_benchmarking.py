"""Report 02 (rep benchmarking): its figures and every branch of its sentences.

Sentences are checked on small hand-made frames; the builder on hand-made data sets and on the
demo and Maven example against values computed another way (pandas on the raw CSV files).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from salesops_lib import load_dataset
from salesops_lib.analysis import funnel as fu
from salesops_lib.analysis import reps as bench
from salesops_lib.reports import rep_benchmarking as rb
from salesops_lib.reports.base import money_in

from .conftest import FIXTURES, MAVEN
from .test_data import write

FMT = money_in("USD")


@pytest.fixture(scope="module")
def demo_r(demo):
    return rb.build(demo, quarter="2026Q3")


# ---------------------------------------------------------------------------------------
# percentiles agree with their definition, ties included


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.0, 2.0, 2.0, 4.0], [25.0, 75.0, 75.0, 100.0]),
        ([3.0, 3.0], [100.0, 100.0]),  # two reps level at the top are both the best
        ([5.0, 5.0, 5.0, 1.0], [100.0, 100.0, 100.0, 25.0]),
        ([1.0, np.nan, 2.0], [50.0, np.nan, 100.0]),  # peers without a value are not counted
    ],
)
def test_percentile_is_the_share_at_or_below(values, expected):
    got = bench.peer_percentile(pd.Series(values))
    s = pd.Series(values)
    by_definition = [
        np.nan if np.isnan(v) else 100 * (s.dropna() <= v).sum() / s.notna().sum() for v in values
    ]
    np.testing.assert_allclose(got.to_numpy(), expected)
    np.testing.assert_allclose(got.to_numpy(), by_definition)


def test_scorecard_percentiles_on_tied_reps(tmp_path):
    reps = "rep_id,rep_name,team,role,hire_date\nr1,Ann,A,AE,2020-01-01\nr2,Bo,A,AE,2020-01-01\nr3,Cy,A,AE,2020-01-01\n"
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
        "a,r1,Won,100,2026-01-01,2026-02-01,true,true\nb,r2,Won,100,2026-01-01,2026-02-01,true,true\n"
        "c,r3,Won,50,2026-01-01,2026-02-01,true,true\n"
    )
    card = bench.rep_scorecard(
        load_dataset(write(tmp_path / "t", reps=reps, opportunities=opps)),
        quarter="2026Q1",
        trailing=1,
    )
    assert card.loc["r1", "pct_bookings"] == card.loc["r2", "pct_bookings"] == 100
    assert card.loc["r3", "pct_bookings"] == pytest.approx(100 / 3)
    assert (card["pct_win_rate"] == 100).all()  # all won everything


# ---------------------------------------------------------------------------------------
# inherited deals stay out of the ramp

RAMP_REPS = (
    "rep_id,rep_name,team,hire_date\nv,Vet,A,2020-01-01\nn1,New One,A,2025-01-01\n"
    "n2,New Two,A,2025-01-01\n"
)
RAMP_OPPS = (
    "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
    "v1,v,Won,1000,2024-12-01,2024-12-20,true,true\n"
    "v2,v,Won,1000,2025-02-01,2025-02-20,true,true\n"
    "x,n1,Won,5000,2024-12-15,2025-01-10,true,true\n"  # inherited: created before n1's hire date
    "a,n1,Won,300,2025-01-10,2025-02-10,true,true\n"
    "b,n2,Won,500,2025-01-05,2025-01-20,true,true\n"
)


@pytest.fixture
def ramp_data(tmp_path):
    return load_dataset(write(tmp_path / "r", reps=RAMP_REPS, opportunities=RAMP_OPPS))


def test_inherited_deals_are_marked(ramp_data):
    got = bench.inherited(ramp_data)
    ids = ramp_data.opportunities.loc[got.to_numpy(), "opp_id"].tolist()
    assert ids == ["x"]
    o = ramp_data.opportunities
    moved = ramp_data.replace(
        opportunities=o.assign(
            reassigned_date=np.where(o["opp_id"] == "b", pd.Timestamp("2025-01-06"), pd.NaT)
        )
    )
    assert sorted(moved.opportunities.loc[bench.inherited(moved).to_numpy(), "opp_id"]) == [
        "b",
        "x",
    ]


def test_ramp_and_first_deal_leave_inherited_deals_out(ramp_data):
    r = bench.ramp_curve(ramp_data, as_of=pd.Timestamp("2025-04-30"), months=4)
    nh = r["new_hires"].set_index("rep_id")
    # n1's first own deal closed 2025-02-10 (40 days), not the inherited one of 2025-01-10
    assert nh.loc["n1", "days_to_first_deal"] == 40 and nh.loc["n1", "bookings_to_date"] == 300
    assert nh.loc["n1", "inherited_won"] == 1 and nh.loc["n2", "inherited_won"] == 0
    assert r["inherited_left_out"] == 1 and r["inherited_reps"] == 1
    curve = r["curve"].set_index("tenure_month")
    assert curve.loc[0, "bookings_per_rep"] == pytest.approx((0 + 500) / 2)
    assert r["median_days_to_first_deal"] == pytest.approx((40 + 19) / 2)


def test_a_deal_reassigned_to_a_new_hire_is_no_early_win_of_theirs(ramp_data):
    """b was created after n2's hire by someone else and handed to n2 on 2025-01-06: n2 won
    it 19 days after hire, but it is inherited, so n2 has no first own deal and books $0."""
    o = ramp_data.opportunities
    moved = ramp_data.replace(
        opportunities=o.assign(
            reassigned_date=np.where(o["opp_id"] == "b", pd.Timestamp("2025-01-06"), pd.NaT),
            previous_rep_id=np.where(o["opp_id"] == "b", "v", None),
        )
    )
    r = bench.ramp_curve(moved, as_of=pd.Timestamp("2025-04-30"), months=4)
    nh = r["new_hires"].set_index("rep_id")
    assert np.isnan(nh.loc["n2", "days_to_first_deal"]) and nh.loc["n2", "bookings_to_date"] == 0
    assert nh.loc["n2", "inherited_won"] == 1
    assert r["inherited_left_out"] == 2 and r["inherited_reps"] == 2
    assert r["median_days_to_first_deal"] == 40  # n1's own deal only
    curve = r["curve"].set_index("tenure_month")
    assert curve.loc[0, "bookings_per_rep"] == 0  # neither hire won a deal of their own in month 0
    text = rb.ramp_sentence(r, True, FMT, reassigned_known=True)
    assert (
        "2 won deals of 2 of these reps were created before the rep's hire date or reassigned "
        "to them (inherited) and are left out." in text
    )


def test_ramp_sentence_branches(ramp_data):
    r = bench.ramp_curve(ramp_data, as_of=pd.Timestamp("2025-04-30"), months=4)
    text = rb.ramp_sentence(r, True, FMT)
    # two hires with a deal of their own: each one's days, no median of two
    assert text.startswith(
        "The 2 reps hired inside the data who have won a deal of their own won the first **19** "
        "and **40** days after starting: too few hires to say what is typical."
    )
    assert (
        "1 won deal of 1 of these reps was created before the rep's hire date (inherited) and is left out."
        in text
    )
    # neither has 3 other hires to compare with: no curve rating, and the sentence says so
    assert "compared with that curve" not in text
    assert "2 hires of the last year have fewer than 3 other hires to compare with" in text
    # one group (no segment): the ramped average and the 80% mark are both named
    assert "Hires are measured against ramped reps" in text
    assert "hires are too few (2) to tell (ramped average $1.0K a month, 80% mark $800)" in text
    assert "or reassigned" in rb.ramp_sentence(r, True, FMT, reassigned_known=True)
    assert rb.ramp_sentence(r, False, FMT) is None
    none = {**r, "curve": r["curve"].iloc[0:0]}
    assert rb.ramp_sentence(none, True, FMT) == (
        "No rep was hired inside the data's time span, so there is no ramp curve to show."
    )
    never = {
        **r,
        "median_days_to_first_deal": np.nan,
        "inherited_left_out": 0,
        "new_hires": r["new_hires"].iloc[0:0],
    }
    text = rb.ramp_sentence(never, True, FMT)
    assert text.startswith("No rep hired inside the data has yet won a deal of their own.")
    assert "inherited" not in text and "compared with" not in text


def test_ramp_sentence_one_curve_per_segment():
    groups = pd.DataFrame(
        {
            "hires": [9, 5, 2, 4],
            "veteran_monthly": [277_000.0, 116_000.0, 50_000.0, np.nan],
            "full_mark": [221_600.0, 92_800.0, 40_000.0, np.nan],
            "months_to_full": [8.0, np.nan, np.nan, np.nan],
        },
        index=pd.Index(["Enterprise", "Mid-Market", "SMB", "Partner"], name="group"),
    )
    curve = pd.DataFrame({"group": ["Enterprise"] * 12, "tenure_month": range(12)})
    ramp = {
        "curve": curve,
        "groups": groups,
        "median_days_to_first_deal": 94.0,
        "inherited_left_out": 0,
        "inherited_reps": 0,
        "new_hires": pd.DataFrame({"rep_id": ["a"], "vs_curve": [1.1]}),
        "full_share": 0.8,
    }
    text = rb.ramp_sentence(ramp, True, FMT, group_word="segment")
    assert (
        "Each segment's hires are measured against its own ramped reps (their average monthly "
        "bookings after the first year) and count as fully productive from the month they book "
        "80% of it: Enterprise hires in about **8 months** (ramped average $277K a month, 80% mark "
        "$222K); Mid-Market hires do not reach it within their first 12 months (ramped average "
        "$116K a month, 80% mark $92.8K); SMB hires are too few (2) to tell (ramped average $50.0K "
        "a month, 80% mark $40.0K); Partner hires have no ramped reps to compare with."
    ) in text
    assert text.endswith(
        "1 hire of the last year is compared with their segment's curve below, each without "
        "their own months."
    )
    assert text.startswith("Reps hired inside the data win their first deal of their own a median")


def test_first_deal_sentence_gives_a_median_only_over_enough_hires():
    assert rb.first_deal_sentence(126.0, [126]) == (
        "The one rep hired inside the data who has won a deal of their own won the first "
        "**126 days** after starting: too few hires to say what is typical."
    )
    assert "median **30 days**" in rb.first_deal_sentence(30.0, [10, 30, 90])
    assert rb.first_deal_sentence(np.nan, []) == (
        "No rep hired inside the data has yet won a deal of their own."
    )


# ---------------------------------------------------------------------------------------
# sentences


def test_scope_sentence_counts_quarters_properly():
    assert rb.scope_sentence(1, ["2026Q3"], 1) == (
        "The comparison covers **1 rep** with closed deals or a quota in **2026Q3** (1 quarter)."
    )
    text = rb.scope_sentence(30, ["2017Q1", "2017Q2"], 4)
    assert "**2017Q1–2017Q2** (2 quarters)" in text
    assert text.endswith(
        "The data starts in 2017Q1, so the window has 2 of the 4 quarters asked for."
    )


def _card(groups=("AE · SMB", "AE · SMB", "AE · Ent"), ramp=("ramped", "ramping", "ramped")):
    return pd.DataFrame(
        {
            "rep_name": ["Ann", "Bo", "Cy"],
            "peer_group": list(groups),
            "bookings_trailing": [300.0, 200.0, 100.0],
            "pct_bookings": [100.0, 50.0, 100.0],
            "ramp_status": list(ramp),
        }
    )


def test_peer_sentence_branches():
    # Cy ramps alone in AE · SMB: no peers, so no percentile or verdict against peers
    assert rb.peer_sentence(_card(), FMT) == (
        "They fall in 2 peer groups. The top rep by bookings is **Ann** ($300, percentile 100 in "
        "AE · SMB). 1 rep is still ramping and is compared only with ramping peers of the same "
        "tenure; that rep is in a group of fewer than 3 such reps, so none gets a percentile "
        "or a verdict against peers."
    )
    one = rb.peer_sentence(_card(groups=("All reps",) * 3, ramp=("ramped",) * 3), FMT)
    assert one.startswith("All of them form one peer group.") and one.endswith(
        "No rep is still ramping."
    )
    two = rb.peer_sentence(_card(groups=("R",) * 3, ramp=("ramping",) * 3), FMT)
    assert two.endswith(
        "3 reps are still ramping and are compared only with ramping peers of the same tenure."
    )
    assert rb.peer_sentence(_card().iloc[0:0], FMT) is None


def test_peer_sentence_without_hire_dates_says_ramp_is_unknown():
    text = rb.peer_sentence(_card(ramp=("unknown",) * 3), FMT, hire_known=False)
    assert "No rep is still ramping" not in text and "0 ramping" not in text
    assert text.endswith(
        "Without hire dates nobody can tell which reps are still ramping, so every rep is "
        "compared with all peers of the same role and segment."
    )
    some = rb.peer_sentence(_card(ramp=("ramped", "unknown", "ramped")), FMT)
    assert some.endswith(
        "No rep with a hire date is still ramping. 1 rep has no hire date, so whether they are "
        "still ramping is unknown."
    )


def test_peer_sentence_names_reps_tied_at_the_top():
    card = _card()
    card.loc[1, "bookings_trailing"] = 300.0  # as much as Ann
    text = rb.peer_sentence(card, FMT)
    assert "**Ann** and **Bo** share the top by bookings ($300 each)." in text


def _ranking(flags=("above peers", "within chance", "below peers"), lo=0.5, hi=0.7):
    return pd.DataFrame(
        {
            "rep_id": ["r1", "r2", "r3"],
            "rep_name": ["Ann", "Bo", "Cy"],
            "closed": [100, 3, 50],
            "win_rate": [0.6, 1.0, 0.2],
            "shrunk_win_rate": [0.58, 0.5, 0.22],
            "shrunk_lo": [lo, 0.3, 0.1],
            "shrunk_hi": [hi, 0.7, 0.3],
            "flag": list(flags),
        }
    )


def test_ranking_sentence_when_luck_tops_the_raw_table():
    assert rb.ranking_sentence(_ranking()) == (
        "Ranked by raw win rate, **Bo** would top the table (100% on 3 closed deals); after "
        "shrinking small samples toward the peer average the leader is **Ann** (58%, 95% range 50% to "
        "70%). 1 rep wins more often than peers beyond chance and 1 less often; the other 1 differ "
        "within what luck explains."
    )


def test_ranking_sentence_same_leader_equal_range_and_no_flags():
    r = _ranking(flags=("within chance",) * 3, lo=0.581, hi=0.583)
    r.loc[1, "win_rate"] = 0.4
    text = rb.ranking_sentence(r)
    assert text.startswith(
        "**Ann** tops the table both on raw win rate (60% on 100 closed deals) and after"
    )
    assert "(58%)." in text and "range" not in text  # equal ends are not a range
    assert text.endswith("No rep's win rate differs from peers beyond what luck explains (3 reps).")
    assert rb.ranking_sentence(r.iloc[0:0]) is None


def test_ranking_sentence_names_reps_tied_at_the_top():
    r = _ranking(flags=("within chance",) * 3)
    r.loc[1, ["win_rate", "closed", "shrunk_win_rate", "shrunk_lo", "shrunk_hi"]] = [
        0.6,
        100,
        0.581,
        0.5,
        0.7,
    ]
    text = rb.ranking_sentence(r)
    assert text.startswith(
        "**Ann** and **Bo** share the top of the table both on raw win rate (60% on 100 closed "
        "deals each) and after shrinking small samples toward the peer average (58%, 95% range 50% to "
        "70%)."
    )
    assert "tops the table" not in text


def test_ranking_sentence_when_no_rep_differs_meaningfully():
    r = _ranking(flags=("within chance",) * 3)
    r["shrunk_win_rate"] = [0.331, 0.334, 0.329]
    text = rb.ranking_sentence(r)
    assert text.startswith(
        "After shrinking small samples toward the peer average every rep's win rate reads 33%: no "
        "rep differs meaningfully from the others (raw win rates run from 20% to 100%"
    )
    within = _ranking()
    within["shrunk_win_rate"] = [0.638, 0.642, 0.631]  # 64%, 64%, 63%
    text = rb.ranking_sentence(within)
    assert (
        "after shrinking small samples toward the peer average every rep reads 63% or 64% "
        "(**Ann** and **Bo** 64%), so the fair ranking tells no rep meaningfully apart"
    ) in text


def test_salesforce_ties_share_rank_and_the_sentence(tmp_path):
    from .conftest import FIXTURES

    data = load_dataset(FIXTURES / "salesforce_export", preset="salesforce")
    r = rb.build(data, quarter="2026Q1")
    rk = r.ranking_frame.set_index("rep_name")
    # by hand from the export: both won 12 of 19 deals in 2025Q2-2026Q1
    raw = pd.read_csv(FIXTURES / "salesforce_export" / "Opportunity.csv", dtype=str)
    raw["close"] = pd.to_datetime(raw["CloseDate"], format="mixed")
    closed = raw[(raw["IsClosed"] == "true") & raw["close"].between("2025-04-01", "2026-03-31")]
    for name in ("Ana-Lucía Peña", "Priya Raman"):
        mine = closed[closed["Owner.Name"] == name]
        assert (len(mine), int((mine["IsWon"] == "true").sum())) == (19, 12)
        assert rk.loc[name, "rank_shrunk"] == 1
    assert "**Ana-Lucía Peña** and **Priya Raman** share the top" in r.ranking_sentence
    assert "tops the table" not in r.ranking_sentence


def test_consistency_sentence():
    judged = pd.DataFrame(
        {
            "rep_name": ["Ann", "Bo", "Cy"],
            "variation": [0.5, 0.8, 0.9],
            "quadrant": ["Reliable performers", "Reliable performers", "Steady but short"],
        }
    )
    assert rb.consistency_sentence(judged, True) == (
        "Of 3 reps with at least three months in the window, **2** are reliable performers (at or "
        "above quota with steady months), 0 reach it in bursts, 1 is steady but short, and **0** "
        "are both short and erratic. A rep counts as erratic only when their months vary more "
        "than the same deals falling in random months (with the team's seasonality) would make "
        "them in 95 of 100 tries; no rep's months do."
    )
    assert "their peer median" in rb.consistency_sentence(judged, False)
    assert rb.consistency_sentence(judged.iloc[0:0], True) is None
    unplaced = pd.DataFrame({"rep_name": ["Mo"], "performance": [np.nan], "cv": [0.5]})
    assert rb.consistency_sentence(judged, True, unplaced).endswith(
        "Mo has no quota in the window, so is not placed in the chart."
    )
    # one in bursts, one short and erratic: singular verbs, and both named (most erratic first)
    mixed = judged.assign(
        variation=[1.2, 0.8, 1.6],
        quadrant=["Big-quarter performers", "Reliable performers", "Struggling and erratic"],
    )
    text = rb.consistency_sentence(mixed, True)
    assert "**1** is a reliable" not in text  # the quadrant noun stays plural
    assert (
        "1 reaches it in bursts, 0 are steady but short, and **1** is both short and erratic"
        in text
    )
    assert text.endswith("95 of 100 tries; 2 reps do: Cy and Ann.")


def _fun(closed=10, quarters=("2026Q2", "2026Q3")):
    reach = fu.Reached(pd.DataFrame({"is_won": [True] * closed}), ("A", "B"), (), True, "A")
    return fu.Funnel(
        pd.DataFrame(),
        pd.DataFrame(),
        reach,
        pd.Timestamp("2026-04-01"),
        pd.Timestamp("2026-09-30"),
        tuple(quarters),
    )


def test_conversion_sentence_names_the_shared_bottleneck():
    neck = fu.Bottleneck("B → Won", 0.6, 10, "A → B", 0.7, p_value=0.01)
    text = rb.conversion_sentence(neck, _fun(), "Basis.", same_as_06=True)
    assert text == (
        "Over the 10 deals closed in 2026Q2–2026Q3 the team converts worst at **B → Won** (60%; the "
        "next weakest, A → B, 70%, lower beyond chance), the bottleneck report 06 names too. Basis. "
        "The heat map shows each rep's conversion at each step against the team, in points."
    )
    other = rb.conversion_sentence(neck, _fun(quarters=("2026Q3",)), "Basis.", same_as_06=False)
    assert "closed in 2026Q3 the team" in other and "report 06" not in other
    lossless = fu.Bottleneck("B → Won", 0.6, 10, "A → B", 1.0, p_value=0.001)
    assert "next weakest" not in rb.conversion_sentence(lossless, _fun(), "", same_as_06=True)
    assert rb.conversion_sentence(None, _fun(), "", same_as_06=True) is None


def test_conversion_sentence_steps_alike_within_chance_name_no_bottleneck():
    neck = fu.Bottleneck(
        "C → D", 0.748, 4000, "B → C", 0.751, p_value=0.5,
        alike=(("C → D", 0.748), ("B → C", 0.751)), best_step="D → Won", best_rate=0.81,
    )  # fmt: skip
    text = rb.conversion_sentence(neck, _fun(), "Basis.", same_as_06=True)
    assert text.startswith(
        "Over the 10 deals closed in 2026Q2–2026Q3 no single step is the team's bottleneck: the "
        "weakest steps, C → D (75%) and B → C (75%), convert alike within chance, as report 06 "
        "finds too."
    )
    assert "**" not in text and "worst" not in text
    assert "weakest team step" not in rb.heat_title(pd.DataFrame(), neck)
    every = fu.Bottleneck(
        "C → D", 0.748, 40, "B → C", 0.751, p_value=0.9,
        alike=(("C → D", 0.748), ("B → C", 0.751), ("D → Won", 0.8)), best_step="D → Won", best_rate=0.8,
    )  # fmt: skip
    assert "every step converts alike within chance (75% to 80%)" in rb.conversion_sentence(
        every, _fun(), "", same_as_06=False
    )


def _mgr(names=("Kim", "Lee"), spread=(10.0, 50.0), sd=(0.1, 0.1), median=(2.0, 1.0)):
    return pd.DataFrame(
        {
            "manager": list(names),
            "reps": [3, 4],
            "mean": [2.0, 1.0],
            "median": list(median),
            "sd": list(sd),
            "min": [1.5, 0.5],
            "max": [2.5, 1.5],
            "spread": list(spread),
        }
    )


def test_manager_sentence_never_names_unassigned():
    assert rb.manager_sentence(_mgr(), "attainment", FMT) == (
        "**Kim's** reps average the highest attainment, 200%, above Lee's 100% beyond chance; "
        "the widest spread between best and weakest rep is in **Lee's** team (50% to 150%)."
    )
    same = rb.manager_sentence(_mgr(spread=(60.0, 50.0)), "attainment", FMT)
    assert same.endswith("and the same team spreads widest, from 150% to 250%.")
    lone = rb.manager_sentence(_mgr(names=("(unassigned)", "Lee")), "bookings", FMT)
    assert "(unassigned)" not in lone and lone.startswith("**Lee's** 4 reps average $1 bookings")
    assert rb.manager_sentence(_mgr(names=("(unassigned)", None)), "bookings", FMT) is None


def test_manager_sentence_calls_a_team_highest_only_beyond_chance():
    # demo: José Nguyen's 10 reps average 115% (median 100%, one rep at 211%), SD 38%;
    # Mia Schmidt's 102%: 13 points apart, about one standard error
    mgr = pd.DataFrame(
        {
            "manager": ["José Nguyen", "Mia Schmidt"],
            "reps": [10, 10],
            "mean": [1.15, 1.02],
            "median": [1.00, 1.01],
            "sd": [0.38, 0.20],
            "min": [0.83, 0.70],
            "max": [2.11, 1.30],
            "spread": [1.28, 0.60],
        }
    )
    res = stats.ttest_ind_from_stats(1.15, 0.38, 10, 1.02, 0.20, 10, equal_var=False)
    assert res.pvalue > 0.05 and not rb.apart(mgr.iloc[0], mgr.iloc[1])
    assert rb.manager_sentence(mgr, "attainment", FMT) == (
        "No manager's team averages higher than the next beyond chance: **José Nguyen's** reps "
        "average 115% attainment (median 100%), Mia Schmidt's 102% (median 101%); the widest "
        "spread between "
        "best and weakest rep is in **José Nguyen's** team (83% to 211%)."
    )
    # the median ranks the two the other way: both medians are given
    flip = mgr.assign(median=[1.00, 1.05], sd=[0.01, 0.01], reps=[10, 10])
    assert rb.apart(flip.iloc[0], flip.iloc[1])
    assert "(200%)" not in rb.manager_sentence(flip, "attainment", FMT)
    assert "highest attainment, 115% (median 100%), and the same team spreads widest" in (
        rb.manager_sentence(flip, "attainment", FMT)
    )
    narrow = flip.assign(spread=[0.1, 0.6])
    assert "above Mia Schmidt's 102% (median 105%) beyond chance" in (
        rb.manager_sentence(narrow, "attainment", FMT)
    )
    # one rep a team: nothing to test a difference against
    assert not rb.apart(mgr.iloc[0].copy().replace({10: 1}), mgr.iloc[1])


def test_possessive_keeps_the_apostrophe_inside_the_bold():
    assert rb.possessive("José Nguyen") == "**José Nguyen's**"
    assert " 's" not in rb.manager_sentence(_mgr(names=("José Nguyen", "Lee")), "attainment", FMT)


# ---------------------------------------------------------------------------------------
# the builder


def test_without_quotas_or_hire_dates_the_report_is_partial(tmp_path):
    reps = "rep_id,rep_name,team,manager\nr1,Ann,A,Kim\nr2,Bo,A,Kim\n"
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
        "a,r1,Won,100,2026-01-01,2026-02-01,true,true\nb,r2,Lost,100,2026-01-01,2026-02-01,true,false\n"
        "c,r2,Won,100,2026-01-01,2026-03-01,true,true\n"
    )
    r = rb.build(
        load_dataset(write(tmp_path / "t", reps=reps, opportunities=opps)), quarter="2026Q1"
    )
    assert r.status == "Partial: no quotas, no history snapshots, no hire dates"
    # each gap on the section that needs it: win rates need no quotas
    assert {g.section: g.missing for g in r.gaps} == {
        rb.SCORE_SECTION: "quotas",
        rb.LEAK_SECTION: "history snapshots",
        rb.RAMP_SECTION: "hire dates",
    }
    assert r.attainment is None and r.ramp_sentence is None
    assert r.coaching is None and r.heat is None  # one measurable step: nothing to coach
    labels = [c.label for c in r.results.shown_columns()]
    assert "Attainment" not in labels and "Tenure (months)" not in labels
    assert "In the last 1 quarters" not in r.scope_sentence and "(1 quarter)" in r.scope_sentence


def test_tables_fit_the_page_and_every_label_is_defined(demo_r):
    plain = {
        "Rep",
        "Team",
        "Manager",
        "Hired",
        "Quarters",
        "Closed deals",
        "Bookings percentile",
        "Attainment percentile",
        "Win-rate percentile",
        "Rep conversion",
        "Team conversion",
        "Reps compared",
        "Average",
        "Median",
        "Std dev",
        "Lowest",
        "Highest",
        "Low",
        "High",
        "Months in role",
        "Inherited deals won",
        "Bookings to date",
        "Segment",
    }
    tables = [
        demo_r.results,
        demo_r.activity,
        demo_r.ranking,
        demo_r.attainment,
        demo_r.coaching,
        demo_r.new_hires,
        demo_r.managers,
    ]
    for t in tables:
        cols = t.shown_columns()
        assert len(cols) <= 9, t.caption
        for c in cols:
            known = any(c.label.lower() in term.lower() for term in demo_r.definitions)
            assert c.label in plain or known, c.label
    for term in ("Percentile", "Inherited deal", "Low, High", "Bookings", "Attainment"):
        assert term in demo_r.definitions
    assert "tied reps share the higher figure" in demo_r.definitions["Percentile"]
    assert "fewer than 3 reps" in demo_r.definitions["Percentile"]
    assert "summed over the window" in demo_r.definitions["Attainment"]


def test_no_sentence_starts_or_ends_with_unassigned(demo_r):
    for name in (
        "scope_sentence",
        "peer_sentence",
        "ranking_sentence",
        "consistency_sentence",
        "conversion_sentence",
        "ramp_sentence",
        "manager_sentence",
    ):
        text = getattr(demo_r, name)
        assert (
            text
            and "(unassigned)" not in text
            and "rep(s)" not in text
            and "1 quarters" not in text
        )


# ---------------------------------------------------------------------------------------
# the demo and Maven against the raw files


def test_demo_top_rep_and_window_from_raw(demo_r, demo_dir):
    raw = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    names = pd.read_csv(demo_dir / "reps.csv").set_index("rep_id")["rep_name"]
    won = raw[raw["is_won"].astype(bool) & raw["close_date"].between("2025-10-01", "2026-09-30")]
    by_rep = won.groupby("rep_id")["amount"].sum().sort_values(ascending=False)
    assert f"**{names[by_rep.index[0]]}**" in demo_r.peer_sentence
    assert demo_r.card["bookings_trailing"].iloc[0] == pytest.approx(by_rep.iloc[0])
    assert demo_r.window == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]


def test_demo_first_own_deal_from_raw(demo, demo_r, demo_dir):
    raw = pd.read_csv(
        demo_dir / "opportunities.csv",
        parse_dates=["close_date", "created_date", "reassigned_date"],
    )
    reps = pd.read_csv(demo_dir / "reps.csv", parse_dates=["hire_date"])
    hires = reps[reps["hire_date"] >= demo.first_date]
    w = raw[raw["is_won"].astype(bool) & (raw["close_date"] <= "2026-09-30")].merge(
        hires, on="rep_id"
    )
    # inherited: created before the owner's hire date, or handed over to them later
    inherited = (w["created_date"] < w["hire_date"]) | w["reassigned_date"].notna()
    own = w[~inherited & (w["close_date"] >= w["hire_date"])]
    days = (
        (own.groupby("rep_id")["close_date"].min() - hires.set_index("rep_id")["hire_date"])
        .dropna()
        .dt.days
    )
    assert f"a median **{int(round(days.median())):,} days**" in demo_r.ramp_sentence
    assert (
        f"{int(inherited.sum()):,} won deals of {w.loc[inherited, 'rep_id'].nunique()} of these reps"
        in demo_r.ramp_sentence
    )


def test_maven_measures_one_step_and_names_no_bottleneck(maven):
    raw = pd.read_csv(MAVEN / "sales_pipeline.csv", parse_dates=["close_date"])
    year = raw[raw["close_date"].between("2017-01-01", "2017-12-31")]
    rate = (year["deal_stage"] == "Won").sum() / len(year)
    r = rb.build(maven, quarter="2017Q4")
    assert r.bottleneck is None and r.coaching is None and r.heat is None
    assert r.conversion_sentence.startswith(
        f"Without history snapshots the data measures one step of the sales process: of the "
        f"{len(year):,} deals closed in 2017Q1–2017Q4 that reached Engaging, {rate:.0%} were won"
    )
    assert "weakest" in r.conversion_sentence and "worst" not in r.conversion_sentence
    gap = [g for g in r.gaps if g.section == rb.LEAK_SECTION]
    assert len(gap) == 1 and gap[0].missing == "history snapshots"
    assert r.status == "Partial: no quotas, no history snapshots, no hire dates"
    assert "No rep is still ramping" not in r.peer_sentence
    assert "Without hire dates nobody can tell" in r.peer_sentence


def test_maven_ranks_reps_reading_the_same_equally(maven):
    r = rb.build(maven, quarter="2017Q4")
    rk = r.ranking_frame
    shown = (rk["shrunk_win_rate"] * 100).round()
    # by hand: the rank of each shown rate is 1 + the number of reps reading higher
    by_hand = shown.map(lambda v: int((shown > v).sum()) + 1)
    assert rk["rank_shrunk"].tolist() == by_hand.tolist()
    # no longer 28 of 30 tied at one rate: the prior is no stronger than the median rep's deals
    assert shown.value_counts().max() <= 8 and rk["rank_shrunk"].nunique() >= 6
    # every shrunk rate inside the rep's own range; Lajuana Vencill stays below the peer rate
    assert ((rk["shrunk_win_rate"] >= rk["lo"]) & (rk["shrunk_win_rate"] <= rk["hi"])).all()
    lv = rk.set_index("rep_name").loc["Lajuana Vencill"]
    assert lv["flag"] == "below peers" and lv["shrunk_win_rate"] < lv["peer_win_rate"]
    assert lv["rank_shrunk"] == len(rk)
    dc = rk.set_index("rep_name").loc["Donn Cantrell"]  # 57% on 275 deals
    assert abs(dc["shrunk_win_rate"] - dc["win_rate"]) < 0.03


def test_maven_percentiles_are_taken_among_the_reps_compared(maven):
    r = rb.build(maven, quarter="2017Q4")
    n = len(r.card)
    low = r.card.sort_values("bookings_trailing").iloc[0]
    assert low["pct_bookings"] == pytest.approx(100 / n)  # not padded by reps without deals
    assert r.card["pct_bookings"].max() == 100


# ---------------------------------------------------------------------------------------
# HubSpot has no managers; the demo's departed reps, inherited pipeline, percentiles


def test_hubspot_without_managers_says_so():
    from .conftest import FIXTURES

    r = rb.build(load_dataset(FIXTURES / "hubspot_export", preset="hubspot"), quarter="2026Q1")
    assert r.managers is None and r.manager_sentence is None
    assert [g.missing for g in r.gaps if g.section == rb.MANAGER_SECTION] == ["managers"]
    assert "no managers" in r.status


def test_demo_departed_reps_are_marked_and_left_out_of_coaching(demo_r, demo_dir):
    reps = pd.read_csv(demo_dir / "reps.csv", parse_dates=["end_date"])
    gone = reps[reps["end_date"] < "2026-09-30"].set_index("rep_id")
    compared = gone.loc[gone.index.intersection(demo_r.card.index)]
    assert {"Amara Silva", "Priya Kowalski"} <= set(compared["rep_name"])
    coach_ids = set(demo_r.coaching.frame["rep_id"])
    assert not coach_ids & set(compared.index)
    assert not set(demo_r.heat.index) & set(compared["rep_name"])
    shown = set(demo_r.results.frame["rep_name"]) | set(demo_r.attainment.frame["rep_name"])
    for _, row in compared.iterrows():
        label = f"{row['rep_name']} (left {row['end_date'].date()})"
        assert label in shown
        assert row["rep_name"] in demo_r.coaching_note
    assert len(demo_r.heat) <= rb.HEAT_ROWS


def test_demo_pipeline_created_counts_each_deal_for_its_creator(demo_r, demo_dir):
    raw = pd.read_csv(
        demo_dir / "opportunities.csv", parse_dates=["created_date", "reassigned_date"]
    )
    reps = pd.read_csv(demo_dir / "reps.csv", parse_dates=["hire_date"])
    hire = reps.set_index("rep_id")["hire_date"]
    # the creator: the owner before the reassignment, else the owner; unknown when hired later
    moved = raw["reassigned_date"].notna() & (raw["reassigned_date"] >= raw["created_date"])
    raw["creator"] = raw["rep_id"].where(~moved, raw["previous_rep_id"])
    known = raw["creator"].notna() & ~(raw["creator"].map(hire) > raw["created_date"])
    made = raw[known & raw["created_date"].between("2025-10-01", "2026-09-30")]
    by_hand = made.groupby("creator")["amount"].sum()
    card = demo_r.card
    np.testing.assert_allclose(
        card["pipeline_created_trailing"], by_hand.reindex(card.index).fillna(0.0)
    )
    amara = card[card["rep_name"] == "Amara Novak"].iloc[0]
    assert amara["pipeline_created_trailing"] == 0  # her $426K were all created before her hire
    # what no rep is credited with is said under the table
    lost = raw[~known & raw["created_date"].between("2025-10-01", "2026-09-30")]
    if len(lost):
        assert f"{len(lost):,} deals ({FMT(lost['amount'].sum())}) were created before" in (
            demo_r.activity.caption
        )


def test_demo_percentiles_blank_where_they_say_nothing(demo_r):
    card = demo_r.card
    size = card.groupby("peer_group")["peer_group"].transform("size")
    closed = card["won_trailing"] + card["lost_trailing"]
    blank = (size < 3) | (closed == 0)
    assert card.loc[blank, ["pct_bookings", "pct_attainment", "pct_win_rate"]].isna().all().all()
    assert card.loc[~blank, "pct_bookings"].notna().all()
    chloe = card[card["rep_name"] == "Chloé Smith"].iloc[0]  # $0 and 0% in a group of one
    assert np.isnan(chloe["pct_win_rate"]) and np.isnan(chloe["pct_bookings"])


def test_demo_consistency_sentence_counts_the_reps_the_chart_plots(demo_r):
    plotted = demo_r.consistency.dropna(subset=["cv", "performance"])
    assert len(plotted) == len(demo_r.consistency)  # one frame: every rep counted is plotted
    counts = plotted["quadrant"].value_counts()
    text = demo_r.consistency_sentence
    assert text.startswith(f"Of {len(plotted)} reps")
    assert f"**{counts['Struggling and erratic']}** are both short and erratic" in text
    assert "Ingrid Novak has no quota in the window, so is not placed in the chart." in text


def test_demo_attainment_table_agrees_with_the_results_table(demo_r):
    att = demo_r.attainment.frame.set_index("rep_id")["attainment"]
    res = demo_r.card["attainment_trailing"].reindex(att.index)
    np.testing.assert_allclose(att, res)


def test_demo_ramp_scores_each_hire_against_its_segment(demo_r, demo_dir):
    reps = pd.read_csv(demo_dir / "reps.csv").set_index("rep_id")
    nh = demo_r.new_hires.frame.set_index("rep_id")
    assert (nh["group"] == reps.loc[nh.index, "segment"]).all()
    assert set(demo_r.ramp_groups.index) == {"Enterprise", "Mid-Market", "SMB"}
    assert "Enterprise hires in about" in demo_r.ramp_sentence
    assert "80% mark" in demo_r.ramp_sentence


def test_heat_title_says_how_many_reps_the_heat_map_shows(demo_r):
    heat = demo_r.heat
    assert len(heat) == rb.HEAT_ROWS < heat.attrs["reps"]
    assert demo_r.heat_title.startswith(f"The {rb.HEAT_ROWS} reps losing most deals")
    small = pd.DataFrame([[0.1]], index=["Ann"], columns=["A → B"])
    assert (
        rb.heat_title(small, None) == "Conversion against the team by step (red: below, in points)"
    )


def test_hubspot_leaves_a_rep_no_longer_at_work_out_of_the_rankings():
    data = load_dataset(FIXTURES / "hubspot_export", preset="hubspot")
    r = rb.build(data, quarter="2026Q1")
    assert "Liam O'Sullivan" not in r.card.index
    assert "Liam O'Sullivan" not in set(r.ranking_frame["rep_id"])
    assert "Liam O'Sullivan" not in set(r.consistency.index)
    assert (
        "Liam O'Sullivan (no deal since 2025-09-30) is left out of every ranking"
        in r.scope_sentence
    )
    assert (
        rb.inactive_sentence(pd.DataFrame(columns=["rep_id", "rep_name", "last_activity"])) is None
    )


def test_hires_table_drops_the_curve_columns_when_no_hire_is_rated():
    rated = pd.DataFrame({"rep_id": ["a", "b"], "vs_curve": [1.2, np.nan]})
    unrated = pd.DataFrame({"rep_id": ["a"], "vs_curve": [np.nan]})
    assert "vs_curve" in [c.key for c in rb.hires_spec(rated).columns]
    assert not {"vs_curve", "curve_to_date"} & {c.key for c in rb.hires_spec(unrated).columns}
