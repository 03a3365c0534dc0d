"""The demo company: deterministic, realistic, and its truth agrees with what it generated."""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest

from salesops_lib.synth import generate

FILES = [
    "reps.csv",
    "opportunities.csv",
    "accounts.csv",
    "history.csv",
    "quotas.csv",
    "activities.csv",
    "truth/expected_bookings.csv",
    "truth/reps.csv",
]


@pytest.mark.xdist_group("synth")
def test_same_seed_same_bytes_other_seed_other_data(tmp_path, demo_dir):
    a = generate(tmp_path / "a", seed=7)
    for f in FILES:
        assert filecmp.cmp(a / f, demo_dir / f, shallow=False), f
    b = generate(tmp_path / "b", seed=8)
    assert not filecmp.cmp(a / "opportunities.csv", b / "opportunities.csv", shallow=False)


def test_parquet_format_matches_csv(tmp_path, demo):
    from salesops_lib import load_dataset

    p = generate(tmp_path / "pq", seed=7, fmt="parquet")
    data = load_dataset(p, config=p / "salesops.toml")
    assert data.fingerprint() == demo.fingerprint()


def test_shape_of_the_small_company(demo):
    o = demo.opportunities
    assert 20_000 <= len(o) <= 30_000
    assert demo.reps["team"].nunique() == 6 and demo.reps["region"].nunique() == 3
    active = demo.reps[demo.reps["end_date"].isna()]
    assert 50 <= len(active) <= 75
    assert demo.quarters()[0] == "2023Q4" and demo.latest_complete_quarter() == "2026Q3"
    assert (
        len(demo.history) > 150_000
        and demo.activities is not None
        and len(demo.activities) > 50_000
    )
    assert demo.reps["end_date"].notna().sum() >= 5  # attrition
    assert set(o["forecast_category"].dropna()) == {
        "Pipeline",
        "Best Case",
        "Commit",
        "Closed",
        "Omitted",
    }


def test_truth_bookings_agree_within_sampling_error(demo, demo_dir):
    truth = pd.read_csv(demo_dir / "truth" / "expected_bookings.csv").set_index("quarter")[
        "expected_bookings"
    ]
    o = demo.opportunities
    won = o[o["is_won"].astype(bool)]
    q = demo.calendar.quarters_of(won["close_date"])
    realized = won.groupby(q)["amount"].sum()
    sd = np.sqrt((won["amount"] ** 2).groupby(q).sum())  # compound-Poisson standard error
    complete = [x for x in truth.index if x <= demo.latest_complete_quarter()]
    z = (realized[complete] - truth[complete]) / sd[complete]
    assert len(complete) == 12
    assert (z.abs() < 4).all(), z
    total_z = (realized[complete].sum() - truth[complete].sum()) / np.sqrt(
        (sd[complete] ** 2).sum()
    )
    assert abs(total_z) < 3, total_z


def test_truth_win_propensity_agrees_with_realized(demo, demo_dir):
    truth = pd.read_csv(demo_dir / "truth" / "reps.csv").set_index("rep_id")["true_win_rate"]
    o = demo.opportunities
    closed = o[o["is_closed"].astype(bool)]
    g = closed.groupby("rep_id")["is_won"].agg(["mean", "size"])
    g = g[g["size"] >= 80].join(truth, how="inner")
    expected = 0.95 * g["true_win_rate"]  # 5% of deals are stalled "zombies", always lost
    se = np.sqrt(expected * (1 - expected) / g["size"])
    z = (g["mean"] - expected) / se
    assert len(g) >= 40
    assert abs(z.mean()) < 4 / np.sqrt(len(g)) * 2
    assert (z.abs() < 4.5).all()
    assert np.corrcoef(g["mean"], g["true_win_rate"])[0, 1] > 0.7


def test_realism_seasonality_ramp_slippage_stale(demo, demo_dir):
    truth = pd.read_csv(demo_dir / "truth" / "expected_bookings.csv")
    truth["q"] = truth["quarter"].str[-1]
    by_q = truth[truth["quarter"] <= "2026Q3"].groupby("q")["expected_bookings"].mean()
    assert by_q.idxmax() == "4"  # strong fourth quarters
    # ramp: deals created per month in a rep's first quarter vs after a year
    o = demo.opportunities.merge(demo.reps[["rep_id", "hire_date"]], on="rep_id")
    tenure = (o["created_date"] - o["hire_date"]).dt.days
    new = demo.reps[demo.reps["hire_date"] > pd.Timestamp("2024-01-01")]
    assert len(new) >= 5
    # slipped deals: history shows close dates pushed later
    h = demo.history.sort_values(["opp_id", "snapshot_date"])
    pushed = (h.groupby("opp_id")["close_date"].diff().dt.days > 0).groupby(h["opp_id"]).sum()
    assert (pushed >= 2).sum() > 200
    # stale pipeline: open deals with a close date already past
    open_ = demo.opportunities[~demo.opportunities["is_closed"].astype(bool)]
    assert (open_["close_date"] < demo.last_date).sum() > 50
    first_90 = (tenure.between(0, 89)).sum()
    assert first_90 > 0


def test_quotas_reached_by_60_to_70_percent_of_ramped_reps(demo):
    from salesops_lib.analysis.kpis import kpi_table

    shares = []
    for q in demo.quarters()[:12]:
        start, end = demo.calendar.bounds(q)
        t = kpi_table(demo, quarter=q).dropna(subset=["attainment"])
        reps = demo.reps.set_index("rep_id").loc[t.index]
        ramped = ((start - reps["hire_date"]).dt.days > 180) & (
            reps["end_date"].isna() | (reps["end_date"] > end)
        )
        shares.append((t.loc[ramped.to_numpy(), "attainment"] >= 1).mean())
    assert 0.55 <= float(np.mean(shares)) <= 0.72, shares
