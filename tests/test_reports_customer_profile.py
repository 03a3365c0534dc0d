"""Report 09, customer profile: segments, the fit score and its time-split check, personas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesops_lib.analysis import profile as prof
from salesops_lib.reports import customer_profile as cp

from .conftest import MAVEN


@pytest.fixture(scope="module")
def demo_report(demo):
    return cp.build(demo, quarter="2026Q3")


@pytest.fixture(scope="module")
def maven_report(maven):
    return cp.build(maven, quarter="2017Q4")


def _deals(rows: list[tuple[str, bool, float, float]]) -> pd.DataFrame:
    """Closed deals by hand: (industry, won, amount, cycle days)."""
    return pd.DataFrame(rows, columns=["industry", "is_won", "amount", "cycle_days"])


# --- small hand-made frames --------------------------------------------------------------


@pytest.mark.parametrize(
    ("employees", "band"),
    [
        (0, "under 50 employees"),
        (49, "under 50 employees"),
        (50, "50–199 employees"),
        (199, "50–199 employees"),
        (200, "200–999 employees"),
        (999, "200–999 employees"),
        (1000, "1,000–4,999 employees"),
        (4999, "1,000–4,999 employees"),
        (5000, "5,000+ employees"),
        (np.nan, "unknown"),
    ],
)
def test_size_band_edges(employees, band):
    assert prof.size_band(pd.Series([employees])).iloc[0] == band


def test_segment_rates_by_hand():
    d = _deals(
        [("A", True, 100.0, 10.0), ("A", True, 300.0, 30.0), ("A", False, 50.0, 5.0)]
        + [("B", True, 200.0, 40.0)]
        + [("B", False, 10.0, 1.0)] * 3
    )
    g = prof.segment_rates(d, by="industry").set_index("segment")
    assert g.loc["A", "closed"] == 3 and g.loc["A", "won"] == 2
    assert g.loc["A", "win_rate"] == pytest.approx(2 / 3)
    assert g.loc["A", "bookings"] == 400.0 and g.loc["A", "avg_deal"] == 200.0
    assert g.loc["A", "cycle_days"] == 20.0  # wins only
    assert g.loc["B", "bookings_share"] == pytest.approx(200 / 600)
    # shrunk rates lie between the raw rate and the company's 3/7, inside their range
    company = 3 / 7
    for s in "AB":
        lo, hi = sorted([g.loc[s, "win_rate"], company])
        assert lo - 1e-9 <= g.loc[s, "shrunk_win_rate"] <= hi + 1e-9
        assert g.loc[s, "shrunk_lo"] <= g.loc[s, "shrunk_win_rate"] <= g.loc[s, "shrunk_hi"]
        assert g.loc[s, "lift"] == pytest.approx(g.loc[s, "shrunk_win_rate"] / company)
    assert g.index[0] == "A" and (g["trait"] == "Industry").all()


@pytest.mark.parametrize(
    ("scores", "shares", "expected"),
    [
        ([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0], (0.3, 0.3), "AAABBBCCCC"),
        ([0.9, 0.8, 0.8, 0.6], (0.25, 0.25), "ABBC"),  # ties share the better tier
        ([0.5, 0.5, 0.5], (0.3, 0.3), "AAA"),
    ],
)
def test_tiers_edges(scores, shares, expected):
    assert "".join(prof.tiers(pd.Series(scores), shares)) == expected


def test_tier_lift_by_hand():
    scored = pd.DataFrame({"account_id": ["a", "b", "c", "d"], "tier": ["A", "B", "C", "C"]})
    later = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "b", "b", "c", "d", "x"],
            "is_won": [True, True, False, True, False, False, False, True],
            "amount": [10.0, 20.0, 5.0, 30.0, 1.0, 1.0, 1.0, 99.0],
        }
    )
    t = prof.tier_lift(scored, later).set_index("tier")
    overall = 3 / 7  # the deal of unknown account x is left out
    assert t.loc["A", "won"] == 2 and t.loc["A", "closed"] == 3
    assert t.loc["A", "lift"] == pytest.approx((2 / 3) / overall)
    assert t.loc["A", "win_share"] == pytest.approx(2 / 3)
    assert t.loc["C", "accounts"] == 2 and t.loc["C", "account_share"] == 0.5
    assert t.loc["B", "bookings"] == 30.0 and t["bookings"].sum() == 60.0


def test_effort_by_tier_by_hand():
    scored = pd.DataFrame({"account_id": ["a", "b"], "tier": ["A", "C"]})
    day = pd.Timestamp("2026-01-10")
    opps = pd.DataFrame(
        {
            "opp_id": ["o1", "o2", "o3"],
            "account_id": ["a", "b", "b"],
            "is_closed": [True, True, True],
            "is_won": [True, True, False],
            "close_date": [day, day, pd.Timestamp("2025-01-01")],
        }
    )
    acts = pd.DataFrame(
        {"opp_id": ["o1", "o2", "o2", "o3", "o3"], "activity_date": [day] * 4 + [pd.NaT]}
    )
    e = prof.effort_by_tier(
        acts, opps, scored, start=pd.Timestamp("2026-01-01"), end=pd.Timestamp("2026-03-31")
    ).set_index("tier")
    assert e.loc["A", "activities"] == 1 and e.loc["C", "activities"] == 3
    assert e.loc["C", "activity_share"] == 0.75 and e.loc["A", "win_share"] == 0.5
    assert e.loc["C", "activities_per_win"] == 3.0 and np.isnan(e.loc["B", "activities_per_win"])


def test_fit_model_learns_the_better_trait(rng):
    n = 2000
    ind = rng.choice(["Good", "Bad"], n)
    won = rng.random(n) < np.where(ind == "Good", 0.6, 0.2)
    deals = pd.DataFrame({"industry": ind, "is_won": won})
    fit = prof.fit_model(deals)
    assert fit is not None and fit.traits == ("industry",)
    odds = fit.effects.set_index("value")["odds"]
    assert odds["Good"] > 2 > 0.5 > odds["Bad"]
    firmo = pd.DataFrame(
        {"account_name": ["g", "b"], "industry": ["Good", "Bad"]}, index=["g1", "b1"]
    )
    s = prof.score_accounts(fit, firmo)
    assert list(s["account_id"]) == ["g1", "b1"]
    assert s["score"].iloc[0] == pytest.approx(won[ind == "Good"].mean(), abs=0.03)
    assert s["reasons"].iloc[0].startswith("Good: odds ×")
    assert s["reasons"].iloc[1] == "no trait above the average"
    assert prof.fit_model(deals.assign(is_won=True)) is None


def test_validation_sentence_branches():
    frame = pd.DataFrame(
        {
            "tier": ["A", "B", "C"],
            "account_share": [0.3, 0.3, 0.4],
            "closed": [100, 80, 70],
            "win_share": [0.62, 0.25, 0.13],
            "win_rate": [0.5, 0.25, 0.15],
            "lift": [1.6, 0.8, 0.5],
            "won": [62, 25, 13],
        }
    )
    cut, day = pd.Timestamp("2025-10-01"), pd.Timestamp("2026-09-30")
    useful = cp.validation_sentence(frame, cut, day, 900, True)
    assert useful == (
        "Scored from the 900 deals closed before **2025-10-01** and graded on the 250 closed "
        "from then to 2026-09-30: tier A, 30% of accounts, carried **62% of later wins** and "
        "won 50% of its deals (1.6× the average); tier C won 15% (0.5×). The profile is "
        "**useful**: a useful profile's top tier, 15–35% of accounts, carries 60% or more of "
        "later wins."
    )
    assert cp.is_useful(frame)
    assert not cp.is_useful(frame.assign(win_share=[0.59, 0.3, 0.11]))
    assert not cp.is_useful(frame.assign(account_share=[0.36, 0.3, 0.34]))
    assert "**not useful yet**" in cp.validation_sentence(frame, cut, day, 900, False)
    assert cp.validation_sentence(frame.iloc[0:0], cut, day, 3, None).startswith(
        "The score could not be checked"
    )


# --- the demo: graded against the truth --------------------------------------------------


def test_demo_score_ranks_accounts_as_the_true_fit_does(demo_report, demo_dir):
    """Spearman of today's fit score with truth/accounts_truth.csv: 0.81 on the demo."""
    truth = pd.read_csv(demo_dir / "truth" / "accounts_truth.csv").set_index("account_id")
    score = demo_report.scored_frame.set_index("account_id")["score"]
    assert len(score) == len(truth)
    rho = score.rank().corr(truth["true_fit"].reindex(score.index).rank())
    assert rho > 0.75
    assert prof.spearman(score, truth["true_fit"]) == pytest.approx(rho)


def test_demo_time_split_lift_is_reported(demo_report, demo):
    r = demo_report
    assert r.cut == pd.Timestamp("2025-10-01")
    v = r.validation_frame.set_index("tier")
    assert v.loc["A", "lift"] > 1.4 > 1 > v.loc["B", "lift"] > v.loc["C", "lift"]
    assert r.useful and r.top_win_share == v.loc["A", "win_share"] >= 0.6
    # later deals recounted with pandas: closed from the cut to the as-of date, known account
    o = demo.opportunities
    later = o[
        o["is_closed"]
        & (o["close_date"] >= r.cut)
        & (o["close_date"] <= r.period.as_of)
        & o["account_id"].notna()
    ]
    assert v["closed"].sum() == len(later) and v["won"].sum() == int(later["is_won"].sum())
    assert f"carried **{round(100 * v.loc['A', 'win_share'])}% of later wins**" in (
        r.validation_sentence
    )
    assert "2025-10-01" in r.validation_sentence and r.status == "Ready"
    assert any(f.section == cp.FIT_SECTION for f in r.findings)


def test_demo_segments_and_personas(demo_report, demo):
    r = demo_report
    seg = r.segment_frame.set_index(["trait", "segment"])
    assert seg.loc[("Industry", "Software"), "lift"] > 1.3  # the truth's best industry
    assert seg.loc[("Industry", "Retail"), "lift"] < 0.7  # and its worst
    for trait in ("Industry", "Size", "Region", "Product"):
        assert seg.loc[trait, "closed"].sum() == len(r.deals)
    assert len(r.persona_sentences) == 3 and "Software" in r.persona_sentences[0]
    assert r.effort_frame["won"].sum() == r.deals["is_won"].sum() - (
        r.deals.loc[r.deals["is_won"], "account_id"].isna().sum()
    )
    assert r.scored is not None and set(r.scored_frame["tier"]) == {"A", "B", "C"}


# --- Maven: figures per segment against the raw files ------------------------------------


def test_maven_segments_match_pandas_on_the_raw_files(maven_report):
    raw = pd.read_csv(MAVEN / "sales_pipeline.csv", parse_dates=["engage_date", "close_date"])
    acc = pd.read_csv(MAVEN / "accounts.csv")
    closed = raw[raw["deal_stage"].isin(["Won", "Lost"])]
    closed = closed[(closed["close_date"] >= "2017-01-01") & (closed["close_date"] <= "2017-12-31")]
    closed = closed.merge(acc, on="account", how="left")
    won = closed[closed["deal_stage"] == "Won"]
    want = pd.DataFrame(
        {
            "closed": closed.groupby("sector").size(),
            "won": won.groupby("sector").size(),
            "bookings": won.groupby("sector")["close_value"].sum(),
            "cycle_days": (won["close_date"] - won["engage_date"])
            .dt.days.groupby(won["sector"])
            .mean(),
        }
    )
    got = maven_report.segment_frame
    got = got[got["trait"] == "Industry"].set_index("segment")
    assert set(got.index) == set(want.index)
    for col in ("closed", "won", "bookings"):
        assert (got[col].reindex(want.index) == want[col]).all(), col
    assert np.allclose(got["cycle_days"].reindex(want.index), want["cycle_days"])
    assert np.allclose(got["win_rate"].reindex(want.index), want["won"] / want["closed"])
    # size bands from the raw head counts
    bands = pd.cut(
        closed["employees"],
        [0, 50, 200, 1000, 5000, np.inf],
        right=False,
        labels=[b for _, _, b in prof.SIZE_BANDS],
    )
    frame = maven_report.segment_frame
    size = frame[frame["trait"] == "Size"].set_index("segment")["closed"]
    counts = bands.value_counts()
    assert (size.reindex(counts.index).fillna(0) == counts).all()


def test_maven_renders_the_profile_without_activities(maven_report):
    r = maven_report
    assert r.status == "Partial: no activities"
    assert r.validation_sentence and r.useful is not None and r.scored is not None
    assert r.effort_sentence is None and r.persona_sentences


# --- data without accounts ---------------------------------------------------------------


def test_without_accounts_the_report_says_what_is_missing(demo):
    r = cp.build(demo.replace(accounts=None), quarter="2026Q3")
    assert r.status == "Partial: no account firmographics"
    gap = [g for g in r.gaps if g.section == cp.SEGMENT_SECTION][0]
    assert gap.sentence.startswith("This needs account firmographics, which the data does not")
    assert set(r.segment_frame["trait"]) == {"Product"}  # what the deals alone tell
    assert r.validation is None and r.scored is None and r.personas is None
    assert r.validation_sentence is None and r.effort_sentence is None and not r.findings


def test_fit_on_counted_cells_equals_the_fit_on_every_deal(rng):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import OneHotEncoder

    n = 600
    deals = pd.DataFrame(
        {
            "industry": rng.choice(["a", "b", "c"], n),
            "region": rng.choice(["x", "y"], n),
            "is_won": rng.random(n) < 0.3,
        }
    )
    fit = prof.fit_model(deals)
    enc = OneHotEncoder(handle_unknown="ignore")
    x = enc.fit_transform(deals[["industry", "region"]])
    per_deal = LogisticRegression(C=1.0, max_iter=1000).fit(x, deals["is_won"].astype(int))
    assert np.allclose(fit.model.coef_, per_deal.coef_, atol=1e-4)
    assert np.allclose(fit.model.intercept_, per_deal.intercept_, atol=1e-4)


def test_segment_sentence_says_why_there_is_nothing_to_compare():
    unknown = pd.DataFrame(
        {
            "trait": ["Product"],
            "segment": [prof.UNKNOWN],
            "closed": [120],
            "shrunk_win_rate": [0.3],
            "lift": [1.0],
        }
    )
    text = cp.segment_sentence(unknown, 0.3, "2026Q1")
    assert text == (
        "Of 120 deals closed in 2026Q1, the company won **30%**. No closed deal names an "
        "account with known traits or a product, so every deal falls in one unknown segment "
        "and there are no segments to compare."
    )
    thin = pd.concat([unknown.assign(closed=100), unknown.assign(segment="Retail", closed=5)])
    assert cp.segment_sentence(thin, 0.3, "2026Q1").endswith(
        f"No segment has {cp.CHART_MIN_CLOSED} closed deals or more to compare."
    )
    assert cp.segment_sentence(unknown.iloc[0:0], 0.3, "2026Q1") is None
