"""Rep benchmarking: hand-computed metrics, intervals against scipy/statsmodels, honest ranking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from salesops_lib import load_dataset
from salesops_lib.analysis import reps as bm

from .test_data import write
from .test_kpis import HISTORY, OPPS, QUOTAS, REPS


@pytest.fixture
def tiny(tmp_path):
    return load_dataset(
        write(tmp_path / "t", reps=REPS, opportunities=OPPS, quotas=QUOTAS, history=HISTORY)
    )


@pytest.mark.parametrize(("won", "n"), [(0, 5), (3, 3), (7, 20), (45, 100), (1, 1)])
def test_wilson_matches_statsmodels(won, n):
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = bm.wilson_interval(np.array([won]), np.array([n]))
    elo, ehi = proportion_confint(won, n, alpha=0.05, method="wilson")
    assert lo[0] == pytest.approx(elo) and hi[0] == pytest.approx(ehi)


def test_beta_prior_recovers_known_spread(rng):
    p = rng.beta(6, 14, 300)
    n = rng.integers(20, 80, 300)
    won = rng.binomial(n, p)
    a, b = bm.fit_beta_prior(won, n)
    assert a / (a + b) == pytest.approx(0.3, abs=0.02)
    assert 10 < a + b < 40


def test_scorecard_by_hand(tiny):
    card = bm.rep_scorecard(tiny, quarter="2026Q1", trailing=2)
    r1 = card.loc["r1"]
    # window 2025Q4-2026Q1: r1 won o1 (1,000) and o2 (3,000), lost o3
    assert r1["bookings_trailing"] == 4000 and r1["won_trailing"] == 2 and r1["lost_trailing"] == 1
    assert r1["win_rate_trailing"] == pytest.approx(2 / 3)
    assert r1["attainment_trailing"] == pytest.approx(4000 / 5000)
    assert card.loc["r2", "bookings_trailing"] == 2100  # o9 closed 2025-12-31 is in the window
    assert r1["tenure_months"] == 26 and r1["ramp_status"] == "ramped"
    assert card.loc["r1", "pipeline_created"] == 1000 + 500  # o1 and o3 created in Q1
    assert card.loc["r1", "pct_bookings"] == 100  # r1 out-booked r2 and r3 in the same peer group


def test_win_rate_ranking_math(tiny):
    r = bm.win_rate_ranking(tiny, quarter="2026Q1", trailing=2)
    row = r.loc["r1"]
    assert row["won"] == 2 and row["closed"] == 3
    won_all, n_all = r["won"].to_numpy(), r["closed"].to_numpy()
    pa, pb = bm.fit_beta_prior(won_all, n_all)
    mean = pa / (pa + pb)
    cap = bm.strength_inside_intervals(won_all, n_all, mean)
    strength = min(pa + pb, float(np.median(n_all)), cap)
    pa, pb = mean * strength, (1 - mean) * strength
    assert row["prior_strength"] == pytest.approx(strength)
    assert row["shrunk_win_rate"] == pytest.approx((pa + 2) / (pa + pb + 3))
    assert row["shrunk_lo"] == pytest.approx(stats.beta.ppf(0.025, pa + 2, pb + 1))
    p0 = won_all.sum() / n_all.sum()
    assert row["funnel_hi"] == pytest.approx(stats.binom.ppf(0.975, 3, p0) / 3)


def test_shrunk_ranking_agrees_better_with_truth(demo, demo_dir):
    truth = pd.read_csv(demo_dir / "truth" / "reps.csv").set_index("rep_id")["true_win_rate"]
    for trailing in (1, 4):
        r = bm.win_rate_ranking(demo, quarter="2026Q3", trailing=trailing).join(truth)
        raw = stats.spearmanr(r["win_rate"], r["true_win_rate"]).statistic
        shrunk = stats.spearmanr(r["shrunk_win_rate"], r["true_win_rate"]).statistic
        assert shrunk > raw, (trailing, raw, shrunk)


def test_small_sample_does_not_top_the_table(demo):
    r = bm.win_rate_ranking(demo, quarter="2026Q3", trailing=1)
    top = r.iloc[0]
    tiny_perfect = r[(r["closed"] <= 3) & (r["win_rate"] == 1)]
    assert tiny_perfect.empty or tiny_perfect["rank_shrunk"].min() > 3
    assert top["shrunk_lo"] <= top["shrunk_win_rate"] <= top["shrunk_hi"]


def test_attainment_is_bookings_over_quota_summed_over_the_window(demo, demo_dir):
    # one definition: the scorecard's and the attainment table's attainment are both
    # sum(bookings) / sum(quota) over the window, from the raw files
    raw = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    quotas = pd.read_csv(demo_dir / "quotas.csv")
    window = ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    won = raw[raw["is_won"].astype(bool) & raw["close_date"].between("2025-10-01", "2026-09-30")]
    by_hand = (
        won.groupby("rep_id")["amount"].sum()
        / quotas[quotas["period"].isin(window)].groupby("rep_id")["quota"].sum()
    ).dropna()
    att = bm.attainment_ranking(demo, quarter="2026Q3", trailing=4)
    card = bm.rep_scorecard(demo, quarter="2026Q3", trailing=4)
    reps = att.index.intersection(by_hand.index)
    np.testing.assert_allclose(att.loc[reps, "attainment"], by_hand[reps])
    np.testing.assert_allclose(att.loc[reps, "attainment"], card.loc[reps, "attainment_trailing"])
    names = card["rep_name"]
    sofia = names[names == "Sofia Silva"].index[0]
    assert f"{att.loc[sofia, 'attainment']:.0%}" == "112%"  # not the 170% mean of ratios
    # shrinkage pulls toward the peer average, never past it
    moved = (att["shrunk_attainment"] - att["peer_attainment"]).abs() <= (
        att["attainment"] - att["peer_attainment"]
    ).abs() + 1e-9
    assert moved.all()


def test_attainment_range_is_the_t_interval_of_the_ratio(tmp_path):
    reps = "rep_id,rep_name,team,hire_date\nr1,Ann,A,2020-01-01\n"
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
        "a,r1,Won,100,2025-01-01,2025-02-01,true,true\nb,r1,Won,300,2025-04-01,2025-05-01,true,true\n"
        "c,r1,Won,50,2025-07-01,2025-08-01,true,true\n"
    )
    quotas = "rep_id,period,quota\nr1,2025Q1,200\nr1,2025Q2,200\nr1,2025Q3,100\n"
    data = load_dataset(write(tmp_path / "a", reps=reps, opportunities=opps, quotas=quotas))
    row = bm.attainment_ranking(data, quarter="2025Q3", trailing=3).loc["r1"]
    b, q = np.array([100.0, 300.0, 50.0]), np.array([200.0, 200.0, 100.0])
    ratio = b.sum() / q.sum()  # 450 / 500 = 90%, not the mean of 50%, 150%, 50%
    se = np.sqrt(((b - ratio * q) ** 2).sum() / (3 * 2)) / q.mean()
    lo, hi = stats.t.interval(0.95, 2, loc=ratio, scale=se)
    assert row["attainment"] == pytest.approx(0.9) and row["quarters"] == 3
    assert row["lo"] == pytest.approx(max(lo, 0.0)) and row["hi"] == pytest.approx(hi)


def test_consistency_cv_by_hand(tiny):
    c = bm.consistency(tiny, quarter="2026Q1", trailing=1)
    # r1 booked 1,000 in January, 0 in February, 3,000 in March
    vals = np.array([1000.0, 0.0, 3000.0])
    assert c.loc["r1", "cv"] == pytest.approx(vals.std(ddof=1) / vals.mean())
    assert c.loc["r1", "quadrant"] in bm.QUADRANTS.values()


def test_stage_conversion_from_history(tmp_path):
    reps = "rep_id,rep_name,team\nr1,Ann,A\nr2,Bo,A\n"
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date\n"
        "a,r1,Won,10,2026-01-01,2026-02-01\nb,r1,Lost,10,2026-01-01,2026-02-01\nc,r2,Lost,10,2026-01-01,2026-02-01\n"
        "d,r2,Won,10,2026-01-01,2026-02-01\n"
    )
    hist = (
        "snapshot_date,opp_id,stage,amount,close_date\n"
        "2026-01-02,b,Qualify,10,2026-02-01\n2026-01-09,b,Propose,10,2026-02-01\n2026-01-02,c,Qualify,10,2026-02-01\n"
    )
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[[stages]]\nname="Qualify"\n[[stages]]\nname="Propose"\n[[stages]]\nname="Won"\nclosed=true\nwon=true\n'
        '[[stages]]\nname="Lost"\nclosed=true\nwon=false\n'
    )
    data = load_dataset(
        write(tmp_path / "s", reps=reps, opportunities=opps, history=hist), config=cfg
    )
    conv, basis = bm.stage_conversion(data, quarter="2026Q1", trailing=1)
    assert "history snapshot" in basis
    c = conv.set_index(["rep_id", "step"])
    # r1: a (won) and b (reached Propose, lost); r2: d (won) and c (lost at Qualify)
    assert c.loc[("r1", "Qualify → Propose"), "rate"] == 1.0
    assert c.loc[("r2", "Qualify → Propose"), "rate"] == 0.5
    assert c.loc[("r1", "Propose → Won"), "rate"] == 0.5
    assert c.loc[("r1", "Qualify → Propose"), "team_rate"] == pytest.approx(3 / 4)
    coach = bm.coaching_stage(conv, min_entered=1)
    assert coach.loc["r2", "step"] == "Qualify → Propose"
    assert coach.loc["r2", "excess_lost"] == pytest.approx((0.75 - 0.5) * 2)


def test_manager_summary_by_hand(tiny):
    card = bm.rep_scorecard(tiny, quarter="2026Q1", trailing=1)
    m = bm.manager_summary(card)
    assert m.loc["M1", "reps"] == 2
    assert m.loc["M1", "mean"] == pytest.approx((0.8 + 0.5) / 2)
    assert m.loc["M1", "spread"] == pytest.approx(0.3)


def test_ramp_curve_on_demo_one_curve_per_segment(demo, demo_dir):
    r = bm.ramp_curve(demo, as_of=pd.Timestamp("2026-09-30"))
    curve, groups = r["curve"], r["groups"]
    assert set(curve["group"]) == {"Enterprise", "Mid-Market", "SMB"}
    for _, c in curve.groupby("group"):
        assert len(c) == 12 and (c["reps"].diff().dropna() <= 0).all()
    # each segment's ramped average from the raw files: own won deals of reps past their first
    # year, mean over a rep's months with bookings, then over the segment's reps
    raw = pd.read_csv(
        demo_dir / "opportunities.csv",
        parse_dates=["close_date", "created_date", "reassigned_date"],
    )
    reps = pd.read_csv(demo_dir / "reps.csv", parse_dates=["hire_date", "end_date"])
    w = raw[raw["is_won"].astype(bool) & (raw["close_date"] <= "2026-09-30")].merge(
        reps, on="rep_id"
    )
    own = w[~((w["created_date"] < w["hire_date"]) | w["reassigned_date"].notna())]
    own = own[(own["close_date"] - own["hire_date"]).dt.days / 30.4375 >= 12]
    month = own["close_date"].dt.to_period("M")
    per_rep = (
        own.groupby(["segment", "rep_id", month])["amount"]
        .sum()
        .groupby(["segment", "rep_id"])
        .mean()
    )
    expected = per_rep.groupby("segment").mean()
    np.testing.assert_allclose(groups["veteran_monthly"], expected[groups.index])
    assert groups.loc["Enterprise", "veteran_monthly"] > 4 * groups.loc["SMB", "veteran_monthly"]
    np.testing.assert_allclose(groups["full_mark"], 0.8 * groups["veteran_monthly"])
    # each hire is compared with their own segment's curve, the hire left out (VP re-read:
    # a hire graded against a curve of his own months); rebuilt here from the raw files
    nh = r["new_hires"].set_index("rep_id")
    hires = reps[reps["hire_date"] >= demo.first_date].set_index("rep_id")
    everyone = w[w["rep_id"].isin(hires.index)]
    mine = everyone[
        ~((everyone["created_date"] < everyone["hire_date"]) | everyone["reassigned_date"].notna())
    ].copy()
    mine["m"] = np.floor((mine["close_date"] - mine["hire_date"]).dt.days / 30.4375)
    booked = mine.groupby(["rep_id", "m"])["amount"].sum()
    end = pd.Timestamp("2026-09-30")
    rated = 0
    for rid, h in nh.iterrows():
        others = hires[(hires["segment"] == h["group"]) & (hires.index != rid)]
        total, enough = 0.0, True
        for m in range(int(h["tenure_months"])):
            seen = [
                o
                for o, hd in others["hire_date"].items()
                if np.floor(
                    (
                        (
                            min(end, others.loc[o, "end_date"])
                            if pd.notna(others.loc[o, "end_date"])
                            else end
                        )
                        - hd
                    ).days
                    / 30.4375
                )
                > m
            ]
            if len(seen) < bm.MIN_CURVE_REPS:
                enough = False
                break
            total += float(np.mean([booked.get((o, float(m)), 0.0) for o in seen]))
        if enough:
            rated += 1
            assert h["curve_to_date"] == pytest.approx(total)
        else:
            assert np.isnan(h["curve_to_date"]) and np.isnan(h["vs_curve"])
    assert rated >= 5  # most of the demo's hires still get a rating
    assert r["median_days_to_first_deal"] > 0
    assert (nh["tenure_months"] < 12).all()


def test_ramp_curve_by_hand(tmp_path):
    # one veteran and two reps hired inside the data; bookings placed in known tenure months
    reps = "rep_id,rep_name,team,hire_date\nv,Vet,A,2020-01-01\nn1,New One,A,2025-01-01\nn2,New Two,A,2025-01-01\n"
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
        "v1,v,Won,1000,2024-12-01,2024-12-20,true,true\n"
        "v2,v,Won,1000,2025-02-01,2025-02-20,true,true\n"
        "a,n1,Won,300,2025-01-10,2025-02-10,true,true\n"  # n1 month 1 (days 31-60)
        "b,n2,Won,500,2025-01-05,2025-01-20,true,true\n"  # n2 month 0
        "c,n2,Won,100,2025-02-01,2025-03-15,true,true\n"  # n2 month 2
    )
    data = load_dataset(write(tmp_path / "r", reps=reps, opportunities=opps))
    r = bm.ramp_curve(data, as_of=pd.Timestamp("2025-04-30"), months=4)
    curve = r["curve"].set_index("tenure_month")
    assert set(curve["group"]) == {"All reps"}  # no segment, no role: one curve
    assert curve.loc[0, "bookings_per_rep"] == pytest.approx((0 + 500) / 2)
    assert curve.loc[1, "bookings_per_rep"] == pytest.approx((300 + 0) / 2)
    assert curve.loc[2, "bookings_per_rep"] == pytest.approx((0 + 100) / 2)
    assert curve.loc[2, "cumulative"] == pytest.approx(250 + 150 + 50)
    nh = r["new_hires"].set_index("rep_id")
    assert nh.loc["n2", "days_to_first_deal"] == 19 and nh.loc["n1", "days_to_first_deal"] == 40
    assert r["median_days_to_first_deal"] == pytest.approx((19 + 40) / 2)
    assert r["groups"].loc["All reps", "veteran_monthly"] == pytest.approx(1000)


def test_ramp_curve_per_segment_scores_each_hire_against_its_own(tmp_path):
    reps = (
        "rep_id,rep_name,team,segment,hire_date\nve,Vet E,A,Enterprise,2020-01-01\n"
        "vs,Vet S,A,SMB,2020-01-01\nne,New E,A,Enterprise,2025-01-01\nns,New S,A,SMB,2025-01-01\n"
    )
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
        "e1,ve,Won,9000,2024-12-01,2024-12-20,true,true\n"
        "s1,vs,Won,1000,2024-12-01,2024-12-20,true,true\n"
        "a,ne,Won,3000,2025-01-10,2025-01-20,true,true\n"
        "b,ns,Won,600,2025-01-05,2025-01-20,true,true\n"
    )
    data = load_dataset(write(tmp_path / "s", reps=reps, opportunities=opps))
    r = bm.ramp_curve(data, as_of=pd.Timestamp("2025-03-15"), months=4)
    g = r["groups"]
    assert (
        g.loc["Enterprise", "veteran_monthly"] == 9000 and g.loc["SMB", "veteran_monthly"] == 1000
    )
    nh = r["new_hires"].set_index("rep_id")
    # each hire's own segment holds only the hire: no other hires, so no curve to grade against
    assert nh["curve_to_date"].isna().all() and nh["vs_curve"].isna().all()
    assert nh.loc["ns", "group"] == "SMB"


def test_ramp_curve_grades_a_hire_against_the_other_hires_only(tmp_path):
    reps = "rep_id,rep_name,team,hire_date\nv,Vet,A,2020-01-01\n" + "".join(
        f"n{i},New {i},A,2025-01-01\n" for i in range(4)
    )
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
        + ("v1,v,Won,500,2024-11-01,2024-12-20,true,true\n")
        + "".join(
            f"d{i},n{i},Won,{a},2025-01-02,2025-01-20,true,true\n"
            for i, a in enumerate([100, 200, 300, 1000])
        )
    )
    data = load_dataset(write(tmp_path / "o", reps=reps, opportunities=opps))
    nh = bm.ramp_curve(data, as_of=pd.Timestamp("2025-02-15"), months=4)["new_hires"]
    nh = nh.set_index("rep_id")
    # one month in role; n3's curve is the mean of the three others' month 0, not its own 1,000
    assert nh.loc["n3", "curve_to_date"] == pytest.approx((100 + 200 + 300) / 3)
    assert nh.loc["n3", "vs_curve"] == pytest.approx(1000 / 200)
    assert nh.loc["n0", "curve_to_date"] == pytest.approx((200 + 300 + 1000) / 3)


# ---------------------------------------------------------------------------------------
# ramp unknown, percentiles that say something, own pipeline, ties, unplaced reps


def test_without_a_hire_date_ramp_status_is_unknown(tmp_path):
    reps = "rep_id,rep_name,team,hire_date\nr1,Ann,A,\nr2,Bo,A,2026-01-01\nr3,Cy,A,2020-01-01\n"
    opps = "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\na,r1,Won,1,2026-01-01,2026-02-01,true,true\n"
    data = load_dataset(write(tmp_path / "u", reps=reps, opportunities=opps))
    t = bm.tenure(data, pd.Timestamp("2026-03-31"))
    assert t["ramp_status"].to_dict() == {"r1": "unknown", "r2": "ramping", "r3": "ramped"}


def test_percentiles_blank_for_small_peer_groups_and_reps_without_closed_deals():
    card = pd.DataFrame(
        {
            "peer_group": ["A", "A", "A", "A", "B", "B"],
            "won_trailing": [3, 2, 1, 0, 4, 1],
            "lost_trailing": [1, 1, 1, 0, 0, 1],
            "pct_bookings": [100.0, 75.0, 50.0, 25.0, 100.0, 50.0],
            "pct_attainment": [100.0, 75.0, 50.0, 25.0, 100.0, 50.0],
            "pct_win_rate": [100.0, 75.0, 50.0, np.nan, 100.0, 50.0],
        },
        index=["a1", "a2", "a3", "a4", "b1", "b2"],
    )
    got = bm.blank_percentiles(card)
    # a4 closed nothing; group B has 2 reps: fewer than 3, so nothing to rank
    blank = got[["pct_bookings", "pct_attainment", "pct_win_rate"]].isna().all(axis=1)
    assert blank.to_dict() == {
        "a1": False,
        "a2": False,
        "a3": False,
        "a4": True,
        "b1": True,
        "b2": True,
    }
    assert got.loc["a1", "pct_bookings"] == 100


def test_pipeline_created_leaves_inherited_deals_out(tmp_path):
    reps = "rep_id,rep_name,team,hire_date\nr1,Ann,A,2026-02-01\n"
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won,reassigned_date\n"
        "a,r1,Open,100,2026-01-10,2026-05-01,false,false,\n"  # created before Ann's hire: inherited
        "b,r1,Open,200,2026-02-10,2026-05-01,false,false,\n"  # her own
        "c,r1,Open,400,2026-02-15,2026-05-01,false,false,2026-03-01\n"  # handed to her
        "d,r1,Won,50,2026-02-11,2026-03-01,true,true,\n"
    )
    data = load_dataset(write(tmp_path / "p", reps=reps, opportunities=opps))
    card = bm.rep_scorecard(data, quarter="2026Q1", trailing=1)
    assert card.loc["r1", "pipeline_created"] == 200 + 50
    assert card.loc["r1", "pipeline_created_trailing"] == 200 + 50


def test_shown_rank_ties_reps_reading_the_same():
    rates = pd.Series([0.6351, 0.641, 0.634, 0.70, 0.5])
    # by hand: whole percents 64, 64, 63, 70, 50 -> 70 first, the two 64s share second
    assert bm.shown_rank(rates).tolist() == [2, 2, 4, 1, 5]
    assert bm.shown_rank(pd.Series([0.6351, 0.6449])).tolist() == [1, 1]


def test_a_rep_without_quota_is_not_placed_in_a_quadrant(tiny):
    c = bm.consistency(tiny, quarter="2026Q2", trailing=2)
    # every rep has a quota in 2026Q1: all are placed
    assert (c["quadrant"] != bm.NOT_PLACED).all()
    data = tiny.replace(quotas=tiny.quotas[tiny.quotas["rep_id"] != "r3"])
    c = bm.consistency(data, quarter="2026Q1", trailing=1)
    assert c.loc["r3", "quadrant"] == bm.NOT_PLACED and np.isnan(c.loc["r3", "performance"])


def test_method_of_moments_prior_by_hand():
    won, n = np.array([30, 70]), np.array([100, 100])
    # S = 100 (0.2^2) x 2 = 8; rho = (8 / 0.25 - 1) / (200 - 100 - 1) = 31 / 99
    a, b = bm.fit_beta_prior(won, n)
    rho = 31 / 99
    assert a / (a + b) == pytest.approx(0.5) and a + b == pytest.approx((1 - rho) / rho)
    # rates that spread no wider than noise: the strongest prior
    a, b = bm.fit_beta_prior(np.array([50, 50, 50]), np.array([100, 100, 100]))
    assert a + b == pytest.approx(bm.MAX_STRENGTH)
    # one rep, or only one-deal reps: a weak prior at the pooled rate
    assert sum(bm.fit_beta_prior(np.array([3]), np.array([4]))) == pytest.approx(2)
    assert sum(bm.fit_beta_prior(np.array([1, 0, 1]), np.array([1, 1, 1]))) == pytest.approx(2)


def test_strength_inside_intervals_by_hand():
    lo, hi = bm.wilson_interval(np.array([50]), np.array([100]))
    # 50% on 100 deals, mean 70%: the shrunk rate (s 0.7 + 50) / (s + 100) may reach hi at most
    s = bm.strength_inside_intervals(np.array([50]), np.array([100]), 0.7)
    assert s == pytest.approx(100 * (0.5 - hi[0]) / (hi[0] - 0.7))
    assert (s * 0.7 + 50) / (s + 100) == pytest.approx(hi[0])
    assert bm.strength_inside_intervals(np.array([50]), np.array([100]), 0.55) == bm.MAX_STRENGTH
    del lo


def _ranked(tmp_path, deals):
    """A data set whose reps r1.. close (won, lost) deals in 2026Q1, all in one peer group."""
    reps = "rep_id,rep_name,role\n" + "".join(f"{r},{r.upper()},AE\n" for r in deals)
    rows, k = [], 0
    for rep, (won, lost) in deals.items():
        for i in range(won + lost):
            k += 1
            w = "true" if i < won else "false"
            rows.append(
                f"o{k},{rep},{'Won' if i < won else 'Lost'},100,2026-01-02,2026-02-01,true,{w}"
            )
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
        + "\n".join(rows)
        + "\n"
    )
    data = load_dataset(write(tmp_path / "w", reps=reps, opportunities=opps))
    return bm.win_rate_ranking(data, quarter="2026Q1", trailing=1)


def test_a_big_sample_keeps_its_rate_and_a_small_one_moves_toward_the_mean(tmp_path):
    # four reps at 60% on 200 deals, one at 50% on 300 (Donn Cantrell's case), one 5 for 5
    deals = {f"r{i}": (120, 80) for i in range(1, 5)} | {"big": (150, 150), "small": (5, 0)}
    r = _ranked(tmp_path, deals)
    big, small = r.loc["big"], r.loc["small"]
    # the prior is at most the median rep's deals (200): the big rep keeps 60% of its own rate
    assert big["prior_strength"] <= 200
    assert abs(big["shrunk_win_rate"] - 0.5) < 0.05
    assert big["lo"] <= big["shrunk_win_rate"] <= big["hi"]
    assert big["flag"] == "below peers" and big["shrunk_win_rate"] < big["peer_win_rate"]
    # 5 of 5: most of the way to the mean
    assert small["shrunk_win_rate"] < 0.7 and small["shrunk_win_rate"] > small["peer_win_rate"]
    assert ((r["shrunk_win_rate"] >= r["lo"]) & (r["shrunk_win_rate"] <= r["hi"])).all()


def test_a_rep_alone_in_a_peer_group_gets_no_verdict(tmp_path):
    reps = "rep_id,rep_name,role\na,A,AE\nb,B,AE\nc,C,AE\nd,D,SE\ne,E,BDR\nf,F,BDR\n"
    rows, k = [], 0
    for rep, (won, lost) in {
        "a": (5, 5),
        "b": (5, 5),
        "c": (5, 5),
        "d": (0, 30),
        "e": (1, 9),
        "f": (9, 1),
    }.items():
        for i in range(won + lost):
            k += 1
            rows.append(
                f"o{k},{rep},x,100,2026-01-02,2026-02-01,true,{'true' if i < won else 'false'}"
            )
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
        + "\n".join(rows)
        + "\n"
    )
    data = load_dataset(write(tmp_path / "p", reps=reps, opportunities=opps))
    r = bm.win_rate_ranking(data, quarter="2026Q1", trailing=1)
    assert r.loc["d", "flag"] == bm.NO_PEERS  # 0 of 30 would be 'below peers' otherwise
    assert (r.loc[["e", "f"], "flag"] == bm.TOO_FEW_PEERS).all()
    assert (r.loc[["a", "b", "c"], "flag"] == "within chance").all()


def test_chance_cv_by_hand():
    # one deal in one of two months: monthly sums (x, 0) always, CV = sqrt(2)
    assert bm.chance_cv(np.array([100.0]), np.ones(2)) == pytest.approx(np.sqrt(2))
    # months without team deals get none: three months, all weight on two, one deal
    sd = np.std([100.0, 0.0, 0.0], ddof=1) / (100 / 3)
    assert bm.chance_cv(np.array([100.0]), np.array([1.0, 1.0, 0.0])) == pytest.approx(sd)
    assert np.isnan(bm.chance_cv(np.array([]), np.ones(3)))
    # many equal deals spread evenly by chance: the limit falls as deals grow
    assert bm.chance_cv(np.full(200, 1.0), np.ones(12)) < bm.chance_cv(
        np.full(12, 1.0), np.ones(12)
    )


def test_erratic_only_beyond_chance(tmp_path):
    reps = "rep_id,rep_name,role\nb,Burst,AE\ns,Steady,AE\n"
    rows = []
    for m in range(1, 13):  # Steady: one deal each month; Burst: twelve deals in one month
        rows.append(f"s{m},s,Won,100,2025-01-01,2025-{m:02d}-10,true,true")
        rows.append(f"b{m},b,Won,100,2025-01-01,2025-06-{m + 1:02d},true,true")
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
        + "\n".join(rows)
        + "\n"
    )
    data = load_dataset(write(tmp_path / "c", reps=reps, opportunities=opps))
    c = bm.consistency(data, quarter="2025Q4", trailing=4)
    assert c.loc["s", "cv"] == pytest.approx(0) and c.loc["s", "variation"] < 1
    assert c.loc["b", "variation"] > 1
    assert c.loc["b", "quadrant"] in ("Big-quarter performers", "Struggling and erratic")
    assert c.loc["s", "quadrant"] in ("Reliable performers", "Steady but short")


@pytest.mark.parametrize("n_deals, months", [(1, 2), (7, 12), (60, 9)])
def test_chance_cv_sums_the_draws_exactly_as_np_add_at(n_deals, months):
    """The bincount of the draws adds the same amounts in the same order: identical floats."""
    rng = np.random.default_rng(n_deals)
    amounts = rng.lognormal(10, 1, n_deals)
    weights = rng.random(months)
    w = weights / weights.sum()
    slot = np.random.default_rng(20261127).choice(months, size=(2000, n_deals), p=w)
    sums = np.zeros((2000, months))
    np.add.at(sums, (np.repeat(np.arange(2000), n_deals), slot.ravel()), np.tile(amounts, 2000))
    cv = sums.std(axis=1, ddof=1) / sums.mean(axis=1)
    assert bm.chance_cv(amounts, weights) == float(np.quantile(cv, 0.95))


def test_rep_scorecard_is_worked_out_once_and_a_callers_edit_stays_its_own(demo, monkeypatch):
    from salesops_lib.analysis import reps as bench

    data = demo.replace()  # a data set of its own: nothing derived yet
    made = []
    real = bench._scorecard
    monkeypatch.setattr(bench, "_scorecard", lambda *a: made.append(a) or real(*a))
    first = bench.rep_scorecard(data, quarter="2026Q3", as_of="2026-09-30")
    booked = float(first["bookings"].iloc[0])
    first["mine"] = 1.0
    first.loc[first.index[0], "bookings"] = -1.0
    again = bench.rep_scorecard(data, quarter="2026Q3")  # the same day: the quarter's end
    assert "mine" not in again and float(again["bookings"].iloc[0]) == booked
    bench.consistency(data, quarter="2026Q3")
    assert len(made) == 1


def test_pipeline_created_counts_an_inherited_deal_for_its_creator(tmp_path):
    from salesops_lib import timeline
    from salesops_lib.reports.base import money_in
    from salesops_lib.reports.rep_benchmarking import uncredited_note

    reps = "rep_id,rep_name,team,hire_date\nr0,Bo,A,2025-01-01\nr1,Ann,A,2026-02-01\n"
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won,"
        "reassigned_date,previous_rep_id\n"
        "a,r1,Open,100,2026-01-10,2026-05-01,false,false,,\n"  # before Ann's hire, no one before
        "b,r1,Open,200,2026-02-10,2026-05-01,false,false,,\n"  # her own
        "c,r1,Open,400,2026-01-15,2026-05-01,false,false,2026-03-01,r0\n"  # Bo's, handed to her
        "e,r1,Open,800,2026-02-15,2026-05-01,false,false,2026-03-01,\n"  # handed, from whom?
    )
    data = load_dataset(write(tmp_path / "p", reps=reps, opportunities=opps))
    made = timeline.creators(data)
    assert made["rep_id"].tolist()[1:3] == ["r1", "r0"]
    assert made["creator_known"].tolist() == [False, True, True, False]
    card = bm.rep_scorecard(data, quarter="2026Q1", trailing=1)
    assert card.loc["r1", "pipeline_created"] == 200
    assert card.loc["r0", "pipeline_created"] == 400  # Bo opened it
    day = pd.Timestamp("2026-03-31")
    lost = bm.uncredited_pipeline(data, start=pd.Timestamp("2026-01-01"), as_of=day)
    assert lost["opp_id"].tolist() == ["a", "e"]
    assert uncredited_note(lost, money_in("USD")) == (
        "Pipeline created credits each deal to the rep who owned it on its created date; 2 deals "
        "($900) were created before their owner joined, by someone the data does not name, and "
        "are credited to no rep."
    )
    assert uncredited_note(lost.iloc[0:0], money_in("USD")) is None


def test_salesforce_pipeline_created_follows_the_field_history():
    from .conftest import FIXTURES

    folder = FIXTURES / "salesforce_export"
    data = load_dataset(folder, preset="salesforce")
    card = bm.rep_scorecard(data, quarter="2026Q1", trailing=4)
    o = pd.read_csv(folder / "Opportunity.csv")
    log = pd.read_csv(folder / "OpportunityFieldHistory.csv")
    users = pd.read_csv(folder / "User.csv")
    o["created"] = pd.to_datetime(o["CreatedDate"].str[:10])
    owner = log[(log["Field"] == "Owner") & (log["DataType"] == "EntityId")]
    first = owner.sort_values("CreatedDate").groupby("OpportunityId")["OldValue"].first()
    o["creator"] = o["Id"].map(first).fillna(o["OwnerId"])
    hired = pd.to_datetime(users.set_index("Id")["CreatedDate"].str[:10])  # the preset's hire date
    o = o[~(o["creator"].map(hired) > o["created"])]
    made = o[o["created"].between("2025-04-01", "2026-03-31")]
    by_hand = made.groupby("creator")["Amount"].sum()
    got = card["pipeline_created_trailing"]
    pd.testing.assert_series_equal(
        got[got > 0].sort_index(), by_hand.sort_index(), check_names=False, check_index_type=False
    )
    # the twice-moved deal (María José Núñez -> Robert Smith, Jr. -> Zoë Lefèvre) is hers
    moved = made.set_index("Id").loc["006Dn00000RXng7VQL"]
    assert moved["creator"] == "005Dn00000CpaNfDJD" and moved["OwnerId"] == "005Dn00000nzqw7LZM"
