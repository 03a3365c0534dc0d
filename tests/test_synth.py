"""The demo company: deterministic, realistic, and its truth agrees with what it generated."""

from __future__ import annotations

import filecmp
import importlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from salesops_lib.synth import generate

ROOT = Path(__file__).resolve().parents[1]

FILES = [
    "reps.csv",
    "opportunities.csv",
    "accounts.csv",
    "history.csv",
    "quotas.csv",
    "activities.csv",
    "truth/expected_bookings.csv",
    "truth/reps.csv",
    "truth/expected_bookings_by_rep.csv",
    "truth/expected_attainment.csv",
    "truth/expected_attainment_by_rep.csv",
    "truth/reassignments.csv",
    "truth/quota_plan.csv",
    "truth/accounts_truth.csv",
    "truth/README.md",
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
    truth["year"] = truth["quarter"].str[:4]
    for _, year in truth.groupby("year"):
        if len(year) == 4:  # strong fourth quarters, within each complete fiscal year
            assert year["quarter"].iloc[year["expected_bookings"].argmax()].endswith("Q4")
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


def _realism_module():
    """``benchmarks/demo_realism.py``: the figures, computed from the CSV files with pandas."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return importlib.import_module("demo_realism")
    finally:
        sys.path.pop(0)


@pytest.fixture(scope="module")
def realism():
    return _realism_module()


@pytest.fixture(scope="module")
def tables(realism, demo_dir):
    """The small demo's CSV files read with pandas alone (not through salesops_lib)."""
    return realism.read_tables(demo_dir)


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text.strip() + "\n", encoding="utf-8")


def test_realism_figures_by_hand(realism, tmp_path):
    # one quarter, 2024Q2; week 8 is the snapshot of Friday 2024-05-24
    _write(
        tmp_path,
        "reps.csv",
        """
rep_id,segment,hire_date,end_date
R1,SMB,2020-01-01,
R2,SMB,2024-03-01,
R3,SMB,2019-06-01,2024-05-10
""",
    )
    _write(tmp_path, "quotas.csv", "rep_id,period,quota\nR1,2024Q2,100\nR2,2024Q2,50\nR3,2024Q2,40")
    _write(
        tmp_path,
        "opportunities.csv",
        """
opp_id,rep_id,amount,created_date,close_date,is_closed,is_won,reassigned_date
O1,R1,80,2024-03-01,2024-05-01,true,true,
O2,R1,40,2024-03-01,2024-06-30,true,true,
O3,R2,60,2024-02-01,2024-06-15,true,true,2024-05-10
O4,R1,500,2024-03-01,2024-06-01,true,false,
O5,R3,30,2024-02-01,2024-04-20,true,true,
O6,R1,70,2024-06-01,2024-09-30,false,false,
""",
    )
    _write(
        tmp_path,
        "history.csv",
        """
snapshot_date,opp_id,close_date,forecast_category,is_closed
2024-05-24,O2,2024-06-30,Commit,false
2024-05-24,O3,2024-06-10,Commit,false
2024-05-24,O4,2024-06-20,Best Case,false
2024-07-05,O6,2024-09-30,Pipeline,false
""",
    )
    t = realism.read_tables(tmp_path)
    ca = realism.company_attainment(t)
    assert list(ca.index) == ["2024Q2"]
    assert ca.loc["2024Q2", "attainment"] == pytest.approx((80 + 40 + 60 + 30) / 190)
    ra = realism.rep_attainment(t).set_index("rep_id")
    assert ra["attainment"].to_dict() == pytest.approx({"R1": 1.2, "R2": 1.2, "R3": 0.75})
    assert ra["ramped"].to_dict() == {"R1": True, "R2": False, "R3": True}  # R2: 1 month in
    assert realism.ramped_share_at_quota(ra.reset_index()).to_dict() == {"2024Q2": 0.5}
    company, reps = realism.commit_accuracy(t)
    assert company.loc["2024Q2", "won_so_far"] == 80 + 30  # O1, O5 by 2024-05-24
    assert company.loc["2024Q2", "open_commit"] == 40 + 60  # O2, O3 (O4 is Best Case)
    assert company.loc["2024Q2", "error"] == pytest.approx(0.0)
    assert reps.set_index("rep_id")["call"].to_dict() == {"R1": 120, "R2": 60, "R3": 30}
    check = realism.reassignment_check(t)
    assert check.pop("reassigned") == 1 and check.pop("open_reassigned") == 0
    assert set(check.values()) == {0}


def test_company_attainment_lands_where_a_real_company_does(realism, tables):
    ca = realism.company_attainment(tables)
    assert len(ca) == 12
    in_band = ca["attainment"].between(0.85, 1.10)
    assert in_band.sum() >= 10, ca
    by_q = ca["attainment"].groupby(ca.index.str[-1]).mean()
    assert by_q.idxmax() == "4" and by_q.idxmin() == "1", by_q  # Q4 strongest, Q1 weakest


def test_half_to_two_thirds_of_ramped_reps_reach_quota_few_double_it(realism, tables):
    ra = realism.rep_attainment(tables)
    share = realism.ramped_share_at_quota(ra)
    assert len(share) == 12 and 0.45 <= share.median() <= 0.65, share
    ramped = ra.loc[ra["ramped"], "attainment"]
    assert ramped.quantile(0.95) <= 2.0
    assert (ramped > 2).mean() < 0.05


def test_quotas_rise_with_the_target_and_ignore_the_reps_own_future(realism, tables, demo_dir):
    growth = realism.quota_growth(tables)
    assert (growth["growth"].dropna() > 0).all(), growth  # the company's quota, same quarters
    medians = growth.filter(like="median_ramped_")
    assert (medians.diff().dropna() > 0).all().all(), medians
    plan = pd.read_csv(demo_dir / "truth" / "quota_plan.csv")
    target = plan.groupby("fiscal_year")["target"].sum()
    assert target.is_monotonic_increasing and len(target) == 4
    # top-down: reps in the same segment, fully ramped and in the seat all quarter, share one
    # quota whatever their skill (a quota is never the rep's own expected bookings)
    ra = realism.rep_attainment(tables)
    reps = tables["reps"].set_index("rep_id")
    period = pd.PeriodIndex(ra["quarter"], freq="Q")
    left = ra["rep_id"].map(reps["end_date"])
    stayed = left.isna() | (left > period.end_time.normalize())
    ramped = ra["rep_id"].map(reps["hire_date"]) + pd.DateOffset(months=8) <= period.start_time
    settled = ra[stayed & ramped]
    spread = settled.groupby(["quarter", "segment"])["quota"].nunique()
    assert len(spread) == 36 and (spread == 1).all(), spread[spread > 1]


def test_commit_call_at_week_8_is_as_good_as_a_typical_teams(realism, tables):
    company, reps = realism.commit_accuracy(tables, week=8)
    assert len(company) == 12
    assert (company["error"].abs() <= 0.15).sum() >= 9, company
    # individual reps spread around it: some over-call, some under-call, more than the company
    big = reps[reps["actual"] >= reps.groupby("quarter")["actual"].transform("median") * 0.25]
    q25, q75 = big["error"].quantile([0.25, 0.75])
    assert q25 < company["error"].median() < q75
    assert q75 - q25 > company["error"].abs().max()


def test_deals_of_leavers_change_owner(realism, tables, demo_dir, demo):
    check = realism.reassignment_check(tables)
    assert check.pop("reassigned") >= 100 and check.pop("open_reassigned") >= 5
    assert check == dict.fromkeys(check, 0), check  # owner and dates agree everywhere
    o = tables["opportunities"].set_index("opp_id")
    moves = pd.read_csv(demo_dir / "truth" / "reassignments.csv", parse_dates=["reassigned_date"])
    last = moves.groupby("opp_id").tail(1).set_index("opp_id")
    assert set(last.index) == set(o.index[o["reassigned_date"].notna()])
    assert (last["to_rep"] == o.loc[last.index, "rep_id"]).all()
    assert (last["reassigned_date"] == o.loc[last.index, "reassigned_date"]).all()
    left = moves["from_rep"].map(tables["reps"].set_index("rep_id")["end_date"])
    assert (left <= moves["reassigned_date"]).all()  # taken from a rep who had left
    # the loader reads the new column as a date (schema: optional, nullable)
    loaded = demo.opportunities.set_index("opp_id")["reassigned_date"]
    assert pd.api.types.is_datetime64_any_dtype(loaded)
    assert (loaded.dropna() == o["reassigned_date"].dropna()).all()
    # the owner before the last move is on the deal, and blank for deals never moved
    prev = pd.read_csv(demo_dir / "opportunities.csv", usecols=["opp_id", "previous_rep_id"])
    prev = prev.set_index("opp_id")["previous_rep_id"]
    assert (prev.loc[last.index] == last["from_rep"]).all()
    assert prev.loc[o.index[o["reassigned_date"].isna()]].isna().all()


def test_each_snapshot_names_the_owner_of_that_day(demo_dir, tables):
    """Replay truth/reassignments.csv with pandas: the owner on a snapshot date is the rep
    who received the deal last on or before it, else the rep the first move took it from."""
    hist = pd.read_csv(demo_dir / "history.csv", parse_dates=["snapshot_date"])
    moves = pd.read_csv(demo_dir / "truth" / "reassignments.csv", parse_dates=["reassigned_date"])
    o = tables["opportunities"].set_index("opp_id")
    first_owner = moves.groupby("opp_id")["from_rep"].first()
    expect = hist["opp_id"].map(first_owner).fillna(hist["opp_id"].map(o["rep_id"]))
    h = hist.reset_index().sort_values("snapshot_date")
    got = pd.merge_asof(
        h,
        moves.sort_values("reassigned_date"),
        left_on="snapshot_date",
        right_on="reassigned_date",
        by="opp_id",
    ).set_index("index")
    expect = got["to_rep"].fillna(expect).reindex(hist.index)
    assert (hist["rep_id"] == expect).all()
    assert (hist["rep_id"] != hist["opp_id"].map(o["rep_id"])).sum() > 100  # moves show


def test_no_two_people_share_a_name(tables):
    reps = tables["reps"]
    people = pd.concat([reps["rep_name"], pd.Series(reps["manager"].unique())])
    assert not people.duplicated().any(), people[people.duplicated()].tolist()
    # each team has one manager, who is not one of the reps
    assert (reps.groupby("team")["manager"].nunique() == 1).all()


def test_distinct_names_replace_only_the_names_taken():
    from salesops_lib.synth import _distinct

    rng = np.random.default_rng(1)
    out = _distinct(["Mia Smith", "Mia Smith", "Liam Kim"], frozenset({"Liam Kim"}), rng)
    assert out[0] == "Mia Smith" and len(set(out)) == 3
    assert "Liam Kim" not in out[1:]


def test_library_attainment_agrees_with_the_files(realism, tables, demo):
    from salesops_lib.analysis.kpis import kpi_table

    ra = realism.rep_attainment(tables).set_index(["quarter", "rep_id"])["attainment"]
    for q in ("2024Q2", "2026Q3"):
        lib = kpi_table(demo, quarter=q)["attainment"].dropna()
        assert lib.to_numpy() == pytest.approx(ra.loc[q].reindex(lib.index).to_numpy())
