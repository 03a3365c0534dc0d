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


def test_attainment_interval_matches_scipy(demo):
    att = bm.attainment_ranking(demo, quarter="2026Q3", trailing=4)
    from salesops_lib.analysis.kpis import kpi_table

    rep = att[att["quarters"] == 4].index[0]
    vals = [
        kpi_table(demo, quarter=q).loc[rep, "attainment"]
        for q in ("2025Q4", "2026Q1", "2026Q2", "2026Q3")
    ]
    lo, hi = stats.t.interval(0.95, 3, loc=np.mean(vals), scale=stats.sem(vals))
    assert att.loc[rep, "mean_attainment"] == pytest.approx(np.mean(vals))
    # attainment is never negative: the t range is cut at 0
    assert att.loc[rep, "lo"] == pytest.approx(max(lo, 0.0))
    assert att.loc[rep, "hi"] == pytest.approx(hi)
    # shrinkage pulls toward the peer average, never past it
    moved = (att["shrunk_attainment"] - att["peer_attainment"]).abs() <= (
        att["mean_attainment"] - att["peer_attainment"]
    ).abs() + 1e-9
    assert moved.all()


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


def test_ramp_curve_on_demo(demo):
    r = bm.ramp_curve(demo, as_of=pd.Timestamp("2026-09-30"))
    curve = r["curve"]
    assert len(curve) == 12 and (curve["reps"].diff().dropna() <= 0).all()
    assert curve["bookings_per_rep"].iloc[:3].mean() < r["veteran_monthly"]
    assert 2 <= r["months_to_full"] <= 12
    assert r["median_days_to_first_deal"] > 0
    assert (r["new_hires"]["tenure_months"] < 12).all()


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
    assert curve.loc[0, "bookings_per_rep"] == pytest.approx((0 + 500) / 2)
    assert curve.loc[1, "bookings_per_rep"] == pytest.approx((300 + 0) / 2)
    assert curve.loc[2, "bookings_per_rep"] == pytest.approx((0 + 100) / 2)
    assert curve.loc[2, "cumulative"] == pytest.approx(250 + 150 + 50)
    nh = r["new_hires"].set_index("rep_id")
    assert nh.loc["n2", "days_to_first_deal"] == 19 and nh.loc["n1", "days_to_first_deal"] == 40
    assert r["median_days_to_first_deal"] == pytest.approx((19 + 40) / 2)
    assert r["veteran_monthly"] == pytest.approx(1000)
