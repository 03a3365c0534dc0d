"""Report 02 (rep benchmarking): its figures and every branch of its sentences.

Sentences are checked on small hand-made frames; the builder on hand-made data sets and on the
demo and Maven example against values computed another way (pandas on the raw CSV files).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.analysis import funnel as fu
from salesops_lib.analysis import reps as bench
from salesops_lib.reports import rep_benchmarking as rb
from salesops_lib.reports.base import money_in

from .conftest import MAVEN
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


def test_ramp_sentence_branches(ramp_data):
    r = bench.ramp_curve(ramp_data, as_of=pd.Timestamp("2025-04-30"), months=4)
    text = rb.ramp_sentence(r, True, FMT)
    assert text.startswith(
        "Reps hired inside the data win their first deal of their own a median **30 days**"
    )
    assert (
        "1 won deal of 1 of these reps was created before the rep's hire date (inherited) and is left out."
        in text
    )
    assert "2 hires of the last year are compared with that curve below." in text
    assert "or reassigned" in rb.ramp_sentence(r, True, FMT, reassigned_known=True)
    assert rb.ramp_sentence(r, False, FMT) is None
    none = {**r, "curve": r["curve"].iloc[0:0]}
    assert rb.ramp_sentence(none, True, FMT) == (
        "No rep was hired inside the data's time span, so there is no ramp curve to show."
    )
    never = {
        **r,
        "median_days_to_first_deal": np.nan,
        "months_to_full": np.nan,
        "inherited_left_out": 0,
        "new_hires": r["new_hires"].iloc[0:0],
    }
    text = rb.ramp_sentence(never, True, FMT)
    assert text.startswith(
        "No rep hired inside the data has yet won a deal of their own; as a group they do not reach"
    )
    assert "inherited" not in text and "compared" not in text


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
    assert rb.peer_sentence(_card(), FMT) == (
        "They fall in 2 peer groups. The top rep by bookings is **Ann** ($300, percentile 100 in "
        "AE · SMB). 1 rep is still ramping and is compared only with ramping peers of the same tenure."
    )
    one = rb.peer_sentence(_card(groups=("All reps",) * 3, ramp=("ramped",) * 3), FMT)
    assert one.startswith("All of them form one peer group.") and one.endswith(
        "No rep is still ramping."
    )
    two = rb.peer_sentence(_card(ramp=("ramping",) * 3), FMT)
    assert two.endswith(
        "3 reps are still ramping and are compared only with ramping peers of the same tenure."
    )
    assert rb.peer_sentence(_card().iloc[0:0], FMT) is None


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
        "shrinking small samples toward the peer average the leader is **Ann** (58%, range 50% to "
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


def test_consistency_sentence():
    judged = pd.DataFrame(
        {"quadrant": ["Reliable performers", "Reliable performers", "Steady but short"]}
    )
    assert rb.consistency_sentence(judged, True) == (
        "Of 3 reps with at least three months in the window, **2** are reliable performers (at or "
        "above quota with steady months), 0 reach it in bursts, 1 are steady but short, and **0** "
        "are both short and erratic."
    ).replace("1 are", "1 are")
    assert "their peer median" in rb.consistency_sentence(judged, False)
    assert rb.consistency_sentence(judged.iloc[0:0], True) is None


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
    neck = fu.Bottleneck("B → Won", 0.6, 10, "A → B", 0.7)
    text = rb.conversion_sentence(neck, _fun(), "Basis.", same_as_06=True)
    assert text == (
        "Over the 10 deals closed in 2026Q2–2026Q3 the team converts worst at **B → Won** (60%; the "
        "next weakest, A → B, 70%), the bottleneck report 06 names too. Basis. The heat map shows "
        "each rep's conversion at each step against the team, in percentage points."
    )
    other = rb.conversion_sentence(neck, _fun(quarters=("2026Q3",)), "Basis.", same_as_06=False)
    assert "closed in 2026Q3 the team" in other and "report 06" not in other
    lossless = fu.Bottleneck("B → Won", 0.6, 10, "A → B", 1.0)
    assert "next weakest" not in rb.conversion_sentence(lossless, _fun(), "", same_as_06=True)
    assert rb.conversion_sentence(None, _fun(), "", same_as_06=True) is None


def _mgr(names=("Kim", "Lee"), spread=(10.0, 50.0)):
    return pd.DataFrame(
        {
            "manager": list(names),
            "reps": [3, 4],
            "mean": [2.0, 1.0],
            "min": [1.5, 0.5],
            "max": [2.5, 1.5],
            "spread": list(spread),
        }
    )


def test_manager_sentence_never_names_unassigned():
    assert rb.manager_sentence(_mgr(), "attainment", FMT) == (
        "**Kim**'s reps average the highest attainment (200%); the widest spread between best and "
        "weakest rep is in **Lee**'s team (50% to 150%)."
    )
    same = rb.manager_sentence(_mgr(spread=(60.0, 50.0)), "attainment", FMT)
    assert same.endswith("and the same team spreads widest, from 150% to 250%.")
    lone = rb.manager_sentence(_mgr(names=("(unassigned)", "Lee")), "bookings", FMT)
    assert "(unassigned)" not in lone and lone.startswith("**Lee**'s 4 reps average $1 bookings")
    assert rb.manager_sentence(_mgr(names=("(unassigned)", None)), "bookings", FMT) is None


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
    assert r.status == "Partial: no quotas, no hire dates"
    assert {g.section for g in r.gaps} == {rb.SCORE_SECTION, rb.RANK_SECTION, rb.RAMP_SECTION}
    assert r.attainment is None and r.ramp_sentence is None
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
        "Mean attainment",
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


def test_maven_conversion_is_engaging_to_won(maven):
    raw = pd.read_csv(MAVEN / "sales_pipeline.csv", parse_dates=["close_date"])
    year = raw[raw["close_date"].between("2017-01-01", "2017-12-31")]
    rate = (year["deal_stage"] == "Won").sum() / len(year)
    r = rb.build(maven, quarter="2017Q4")
    assert r.bottleneck.step == "Engaging → Won" and r.bottleneck.rate == pytest.approx(rate)
    assert f"**Engaging → Won** ({rate:.0%})" in r.conversion_sentence
    assert r.status == "Partial: no quotas, no hire dates"
    assert list(r.heat.columns) == ["Engaging → Won"]  # no closed deal was lost before Engaging


def test_maven_percentiles_are_taken_among_the_reps_compared(maven):
    r = rb.build(maven, quarter="2017Q4")
    n = len(r.card)
    low = r.card.sort_values("bookings_trailing").iloc[0]
    assert low["pct_bookings"] == pytest.approx(100 / n)  # not padded by reps without deals
    assert r.card["pct_bookings"].max() == 100
