"""Reps' calls, their bias, the calibrated call and the reps at risk: by hand and against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.analysis import calls as ca
from salesops_lib.reports import calls as rc
from salesops_lib.reports.base import money_in

from .test_data import write

REPS = (
    "rep_id,rep_name,team,hire_date,end_date\n"
    "r1,Ann,A,2024-01-01,\nr2,Bo,A,2024-01-01,\nr3,Cy,B,2024-01-01,\nr4,Di,B,2026-02-01,\n"
)
OPPS = (
    "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won,forecast_category\n"
    "o1,r1,Won,1000,2025-12-01,2026-01-10,true,true,Closed\n"
    "o2,r1,Won,3000,2025-12-01,2026-03-01,true,true,Closed\n"
    "o3,r2,Lost,2000,2025-12-01,2026-02-15,true,false,Omitted\n"
    "o4,r2,Won,500,2026-01-05,2026-03-20,true,true,Closed\n"
    "o5,r3,Won,800,2025-12-01,2026-04-10,true,true,Closed\n"
    "o6,r4,Won,700,2026-02-02,2026-03-02,true,true,Closed\n"
)
HISTORY = (
    "snapshot_date,opp_id,rep_id,stage,amount,close_date,forecast_category,is_closed,is_won\n"
    "2026-01-23,o2,r1,Open,3000,2026-03-01,Commit,false,false\n"
    "2026-01-23,o3,r2,Open,2000,2026-02-15,Commit,false,false\n"
    "2026-01-23,o4,r2,Open,500,2026-03-20,Pipeline,false,false\n"
    "2026-01-23,o5,r3,Open,800,2026-04-10,Commit,false,false\n"
)
FMT = money_in("USD")


@pytest.fixture
def tiny(tmp_path):
    return load_dataset(write(tmp_path / "c", reps=REPS, opportunities=OPPS, history=HISTORY))


def test_call_is_booked_so_far_plus_commit_in_the_quarter(tiny):
    # week 4 of 2026Q1 ends 2026-01-28; the snapshot of 2026-01-23 shows the categories
    got = ca.rep_calls(tiny, quarter="2026Q1", as_of=pd.Timestamp("2026-01-28"))
    want = pd.DataFrame(
        {
            "rep_id": ["r1", "r2"],  # r3's Commit deal closes in Q2: no call
            "booked_so_far": [1000.0, 0.0],
            "commit": [3000.0, 2000.0],
            "call": [4000.0, 2000.0],
        }
    )
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_past_calls_and_bias_by_hand(tiny):
    past = ca.past_calls(tiny, before="2026Q2", weeks=(4,))
    # r4 was hired after the call date (left out); r3 called 0 and booked 0 in Q1 (left out)
    assert past[["rep_id", "call", "actual"]].values.tolist() == [
        ["r1", 4000.0, 4000.0],
        ["r2", 2000.0, 500.0],
    ]
    acc = ca.call_accuracy(past)
    assert acc.loc[("r1", 4), "bias"] == 0.0
    assert acc.loc[("r2", 4), "bias"] == pytest.approx(3.0)  # (2000 - 500) / 500
    assert acc.loc[("r2", 4), "ratio"] == pytest.approx(0.25)
    assert not acc["judged"].any()  # one quarter each
    team = ca.call_accuracy(past, key=pd.Series({"r1": "A", "r2": "A"}))
    assert team.loc[("A", 4), "bias"] == pytest.approx(1500 / 4500)


def test_no_calls_without_history(tmp_path):
    d = load_dataset(write(tmp_path / "n", reps=REPS, opportunities=OPPS))
    assert ca.past_calls(d, before="2026Q2").empty
    s = rc.calls_sentence(
        rc.rep_rows(pd.DataFrame(), pd.Series(dtype=str), pd.Series(dtype=str)),
        pd.DataFrame(),
        has_categories=True,
        has_history=False,
    )
    assert "no history snapshots" in s and "cannot be judged" in s


def _calls(rows):
    return pd.DataFrame(rows, columns=["rep_id", "quarter", "week", "call", "actual"])


def test_bias_is_summed_not_averaged():
    c = _calls([("r", "q1", 8, 150.0, 100.0), ("r", "q2", 8, 1.0, 0.5)])
    acc = ca.call_accuracy(c)
    # the mean of quarterly ratios would be (0.5 + 1.0) / 2 = 0.75
    assert acc.loc[("r", 8), "bias"] == pytest.approx((50.5) / 100.5)
    assert acc.loc[("r", 8), "quarters"] == 2


@pytest.mark.parametrize(
    ("quarters", "rep_ratio", "want"),
    [
        (0, np.nan, 0.8),  # no record: the team's ratio
        (3, 1.2, (3 * 1.2 + 3 * 0.8) / 6),  # half and half
        (9, 1.2, (9 * 1.2 + 3 * 0.8) / 12),  # more quarters, nearer the rep's own
    ],
)
def test_calibration_shrinks_toward_the_team(quarters, rep_ratio, want):
    now = pd.DataFrame({"rep_id": ["r"], "call": [1000.0]})
    acc = pd.DataFrame({"quarters": [quarters], "ratio": [rep_ratio]}, index=["r"])
    out = ca.calibrated_calls(
        now, acc, pd.Series({"A": 0.8}), pd.Series({"r": "A"}), company_ratio=1.1
    )
    assert out.loc[0, "ratio"] == pytest.approx(want)
    assert out.loc[0, "calibrated"] == pytest.approx(1000 * want)


def test_calibration_falls_back_to_the_company_then_one():
    now = pd.DataFrame({"rep_id": ["r"], "call": [1000.0]})
    acc = pd.DataFrame({"quarters": [], "ratio": []})
    team = pd.Series(dtype="float64")
    out = ca.calibrated_calls(now, acc, team, pd.Series({"r": "Z"}), company_ratio=1.1)
    assert out.loc[0, "calibrated"] == pytest.approx(1100.0)
    out = ca.calibrated_calls(now, acc, team, pd.Series({"r": "Z"}), company_ratio=np.nan)
    assert out.loc[0, "calibrated"] == pytest.approx(1000.0)


def test_quota_chances_by_hand():
    booked = pd.Series({"met": 120.0, "half": 50.0, "none": 0.0})
    deals = pd.DataFrame({"rep_id": ["half", "none"], "amount": [50.0, 10.0], "chance": [0.5, 0.9]})
    quotas = pd.Series({"met": 100.0, "half": 100.0, "none": 100.0, "zero": 0.0})
    out = ca.quota_chances(booked, deals, quotas, draws=20000).set_index("rep_id")
    assert list(out.index) == ["none", "half", "met"]  # no quota 0; lowest chance first
    assert out.loc["met", "chance"] == 1.0
    assert out.loc["none", "chance"] == 0.0  # at most 10 of 100
    assert out.loc["half", "chance"] == pytest.approx(0.5, abs=0.02)
    assert out.loc["half", "expected"] == pytest.approx(75.0)
    assert out.loc["half", "open_pipeline"] == 50.0
    # an allowance of 270 shared by quota (90 each) lifts "none" to quota only with its deal
    lifted = ca.quota_chances(booked, deals, quotas, allowance=270.0, draws=20000)
    assert lifted.set_index("rep_id").loc["none", "chance"] == pytest.approx(0.9, abs=0.02)


def _rows(bias8, quarters, names):
    return pd.DataFrame(
        {
            "rep_name": names,
            "quarters": quarters,
            "bias_8": bias8,
            "verdict": [rc.verdict(b, n) for b, n in zip(bias8, quarters, strict=True)],
        }
    )


@pytest.mark.parametrize(
    ("bias", "n", "want"),
    [
        (0.5, 2, rc.TOO_FEW),
        (0.11, 3, "optimistic"),
        (0.10, 3, "about right"),
        (-0.10, 3, "about right"),
        (-0.11, 3, "cautious"),
        (np.nan, 4, "no bookings to compare"),
    ],
)
def test_verdict_edges(bias, n, want):
    assert rc.verdict(bias, n) == want


def test_calls_sentence():
    rows = _rows([0.12, -0.3, np.nan], [6, 4, 1], ["Ann", "Bo", "Cy"])
    company = pd.DataFrame({"quarters": [6, 6], "bias": [-0.32, 0.12]}, index=[4, 8])
    assert rc.calls_sentence(rows, company, has_categories=True, has_history=True) == (
        "Reps' Commit calls at week 8 ran **12% above** what they booked over 6 quarters "
        "(at week 4: 32% below); the most optimistic: Ann (12% above); the most cautious: "
        "Bo (30% below). 1 rep has too few quarters to judge (fewer than 3)."
    )
    none = rc.calls_sentence(rows.iloc[:0], company, has_categories=False, has_history=True)
    assert none.startswith("The data has no forecast categories")


def test_calibrated_sentence():
    teams = pd.DataFrame(
        {
            "team": ["A", "B", "Company"],
            "quota": [1000.0, 1000.0, 2000.0],
            "booked": [100.0, 200.0, 300.0],
            "call": [800.0, 900.0, 1700.0],
            "calibrated": [900.0, 600.0, 1500.0],
            "calibrated_attainment": [0.9, 0.6, 0.75],
            "bias": [0.1, 0.2, 0.15],
        }
    )
    assert rc.calibrated_sentence(teams, "2026Q3", 8, FMT) == (
        "The reps' 2026Q3 Commit call is **$1.7K** ($300 booked so far plus their Commit "
        "deals); corrected by each rep's record at week 8 of past quarters, it comes to "
        "**$1.5K**, 75% of the $2.0K quota. Furthest from quota: B at 60% ($600 of $1.0K)."
    )
    raw = teams.assign(calibrated=np.nan)
    assert rc.calibrated_sentence(raw, "2026Q3", 8, FMT).endswith("it cannot be calibrated.")
    unknown = rc.calibrated_sentence(teams.iloc[:0], "2026Q3", 8, FMT)
    assert unknown is not None and unknown.endswith("2026Q3 Commit call is not known.")
    none = rc.calibrated_sentence(teams.iloc[:0], "2026Q3", 8, FMT, has_categories=False)
    assert none is None
    start = rc.calibrated_sentence(teams, "2026Q3", 0, FMT)
    assert start is not None and "at week 0 of past quarters (the day before they started)" in start


def test_at_risk_sentence():
    ch = pd.DataFrame(
        {
            "rep_name": ["Ann", "Bo", "Cy"],
            "quota": [100.0, 100.0, 100.0],
            "expected": [40.0, 70.0, 120.0],
            "chance": [0.05, 0.2, 0.9],
        }
    )
    assert rc.at_risk_sentence(ch, "2026Q3", FMT) == (
        "**2 reps** of 3 with a 2026Q3 quota have less than a 30% chance of reaching it "
        "(lowest first: Ann and Bo); together they are expected to fall $90 short."
    )
    assert rc.at_risk_sentence(ch.iloc[2:], "2026Q3", FMT).startswith("Every one of the 1 rep")
    assert rc.at_risk_sentence(ch.iloc[:0], "2026Q3", FMT) is None  # the gap says it, once


def test_section_on_tiny_data_without_quotas(tiny):
    s = rc.calls_section(tiny, quarter="2026Q2", as_of=pd.Timestamp("2026-04-05"), week=0)
    assert s.at_risk_sentence is None and s.at_risk.frame.empty
    assert s.sentence.startswith("Reps' Commit calls at week 8")  # week 8 of Q1: no Commit left


def test_demo_calls_match_pandas_on_the_raw_files(demo, demo_dir):
    """Company calls at week 4 and 8 of 2026Q2, and the reps' actuals, from the CSVs."""
    hist = pd.read_csv(demo_dir / "history.csv", parse_dates=["snapshot_date", "close_date"])
    opps = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    start, end = demo.calendar.bounds("2026Q2")
    won = opps[opps["is_won"] & opps["close_date"].between(start, end)]
    for week in (4, 8):
        day = start + pd.Timedelta(days=7 * week - 1)
        snap = hist[
            hist["snapshot_date"] == hist.loc[hist["snapshot_date"] <= day, "snapshot_date"].max()
        ]
        closed = opps.loc[opps["is_closed"] & (opps["close_date"] <= day), "opp_id"]
        still_open = ~snap["opp_id"].isin(closed)
        commit = snap[
            still_open
            & (snap["forecast_category"] == "Commit")
            & snap["close_date"].between(start, end)
        ]
        so_far = won[won["close_date"] <= day]
        got = ca.rep_calls(demo, quarter="2026Q2", as_of=day).set_index("rep_id")
        assert got["commit"].sum() == pytest.approx(commit["amount"].sum())
        assert got["booked_so_far"].sum() == pytest.approx(so_far["amount"].sum())
        by_rep = commit.groupby("rep_id")["amount"].sum()
        assert got["commit"].reindex(by_rep.index).to_numpy() == pytest.approx(by_rep.to_numpy())
    past = ca.past_calls(demo, before="2026Q3", quarters=1)
    actual = won.groupby("rep_id")["amount"].sum()
    p8 = past[past["week"] == 8].set_index("rep_id")
    assert p8["actual"].to_numpy() == pytest.approx(actual.reindex(p8.index).fillna(0).to_numpy())


def test_new_deals_add_spread_but_keep_the_mean():
    booked = pd.Series({"r": 0.0})
    deals = pd.DataFrame({"rep_id": pd.Series([], dtype=str), "amount": [], "chance": []})
    quotas = pd.Series({"r": 100.0})
    flat = ca.quota_chances(booked, deals, quotas, allowance=50.0, draws=20000)
    assert flat.loc[0, "chance"] == 0.0 and flat.loc[0, "expected"] == 50.0
    # 50 expected from deals of 50: Poisson(1) deals, quota reached with 2 or more
    drawn = ca.quota_chances(
        booked, deals, quotas, allowance=50.0, deal_size=pd.Series({"x": 50.0}), draws=20000
    )
    assert drawn.loc[0, "expected"] == 50.0
    assert drawn.loc[0, "chance"] == pytest.approx(1 - 2 * np.exp(-1), abs=0.015)


def test_allowance_shared_by_new_deal_bookings():
    booked = pd.Series(dtype="float64")
    deals = pd.DataFrame({"rep_id": pd.Series([], dtype=str), "amount": [], "chance": []})
    quotas = pd.Series({"a": 100.0, "b": 300.0})
    by_quota = ca.quota_chances(booked, deals, quotas, allowance=200.0).set_index("rep_id")
    assert by_quota["expected"].to_dict() == {"a": 50.0, "b": 150.0}
    shared = ca.quota_chances(
        booked, deals, quotas, allowance=200.0, share_by=pd.Series({"a": 3.0, "b": 1.0})
    ).set_index("rep_id")
    assert shared["expected"].to_dict() == {"a": 150.0, "b": 50.0}
    assert shared.loc["a", "chance"] == 1.0 and shared.loc["b", "chance"] == 0.0


def test_tested_words():
    t = pd.DataFrame(
        {
            "quarter": ["q1", "q2", "q3"],
            "call": [70.0, 80.0, 5.0],
            "calibrated": [105.0, 95.0, 9.0],
            "actual": [100.0, 100.0, 0.0],  # q3 booked nothing: left out
        }
    )
    assert rc.tested_words(t, 4) == (
        "Tested on 2 earlier quarters at week 4, each calibrated only with the quarters before "
        "it, the calibrated call missed the outcome by 5% on average, closer than the raw call "
        "(25%)."
    )
    worse = t.assign(calibrated=[140.0, 60.0, 9.0])
    assert "no closer than the raw call (25%)" in rc.tested_words(worse, 4)
    assert rc.tested_words(t.iloc[:0], 4) is None


def test_calibration_backtest_uses_only_earlier_quarters(tiny):
    teams = pd.Series({"r1": "A", "r2": "A", "r3": "B", "r4": "B"})
    # 2026Q1 is the only quarter with calls; nothing before it to calibrate with
    assert ca.calibration_backtest(tiny, before="2026Q2", week=4, team_of=teams).empty


def test_demo_week8_bias_matches_pandas(demo, demo_dir):
    """The headline: the company's week-8 bias over the 8 quarters before 2026Q4, from the CSVs."""
    hist = pd.read_csv(demo_dir / "history.csv", parse_dates=["snapshot_date", "close_date"])
    opps = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    reps = pd.read_csv(demo_dir / "reps.csv", parse_dates=["hire_date", "end_date"])
    reps = reps.set_index("rep_id")
    quarters = [q for q in demo.full_quarters() if q < "2026Q4"][-8:]
    diff = booked_total = 0.0
    for q in quarters:
        start, end = demo.calendar.bounds(q)
        day = start + pd.Timedelta(days=7 * 8 - 1)
        snap = hist[
            hist["snapshot_date"] == hist.loc[hist["snapshot_date"] <= day, "snapshot_date"].max()
        ]
        closed = opps.loc[opps["is_closed"] & (opps["close_date"] <= day), "opp_id"]
        commit = (
            snap[
                ~snap["opp_id"].isin(closed)
                & (snap["forecast_category"] == "Commit")
                & snap["close_date"].between(start, end)
            ]
            .groupby("rep_id")["amount"]
            .sum()
        )
        won = opps[opps["is_won"] & opps["close_date"].between(start, end)]
        so_far = won[won["close_date"] <= day].groupby("rep_id")["amount"].sum()
        actual = won.groupby("rep_id")["amount"].sum()
        ids = commit.index.union(so_far.index).union(actual.index)
        f = pd.DataFrame(
            {
                "call": commit.reindex(ids).fillna(0) + so_far.reindex(ids).fillna(0),
                "actual": actual.reindex(ids).fillna(0),
            }
        )
        hired, left = reps["hire_date"].reindex(ids), reps["end_date"].reindex(ids)
        f = f[(hired.isna() | (hired <= day)) & (left.isna() | (left >= end))]
        f = f[(f["call"] > 0) | (f["actual"] > 0)]
        diff += float((f["call"] - f["actual"]).sum())
        booked_total += float(f["actual"].sum())
    past = ca.past_calls(demo, before="2026Q4", weeks=(8,))
    got = ca.call_accuracy(past.assign(rep_id="Company")).loc[("Company", 8), "bias"]
    assert got == pytest.approx(diff / booked_total)
    assert got == pytest.approx(-0.06, abs=0.01)  # the figure the report states: 6% below


def _record(mean, reached, at_risk, made, reps=50):
    return pd.DataFrame(
        {
            "quarter": ["2026Q1", "2026Q2"],
            "reps": [reps, reps],
            "mean_chance": [mean, mean],
            "reached": [reached, reached],
            "at_risk": [at_risk, at_risk],
            "at_risk_reached": [made, made],
        }
    )


def test_risk_record_sentence_says_how_the_chances_fared():
    low = rc.risk_record_sentence(_record(0.38, 0.50, 15, 4), 8)
    assert low == (
        "Tested the same way at week 8 of 2026Q1 and 2026Q2: the chances averaged 38% while 50% "
        "of the 100 rep-quarters scored reached quota; of the 30 rep-quarters given less than 30%, "
        "8 (27%) reached it anyway. The chances run low: read them as a ranking of who needs help, "
        "not as odds."
    )
    assert rc.risk_record_sentence(_record(0.60, 0.50, 5, 0), 0).endswith(
        "The chances run high: more reps fall short than they say."
    )
    fair = rc.risk_record_sentence(_record(0.50, 0.52, 0, 0), 4)
    assert fair.endswith("no rep was given less than 30%.")
    assert rc.risk_record_sentence(_record(0.5, 0.5, 0, 0).iloc[0:0], 4) is None


def test_demo_risk_record_matches_pandas_on_the_raw_files(demo, demo_dir):
    """Who reached quota in each earlier quarter, from quotas.csv and opportunities.csv."""
    opps = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    quotas = pd.read_csv(demo_dir / "quotas.csv")
    record = rc.risk_record(demo, before="2026Q4", week=0, quarters=2)
    assert list(record["quarter"]) == ["2026Q2", "2026Q3"]
    for row in record.itertuples():
        start, end = demo.calendar.bounds(row.quarter)
        # week 0: the day before the quarter, the day today's chances (2026-09-30) stand at
        ch = rc.chances_on(demo, row.quarter, start - pd.Timedelta(days=1))
        won = opps[opps["is_won"].astype(bool) & opps["close_date"].between(start, end)]
        booked = won.groupby("rep_id")["amount"].sum().reindex(ch["rep_id"]).fillna(0.0)
        quota = quotas[quotas["period"] == row.quarter].groupby("rep_id")["quota"].sum()
        made = booked.to_numpy() >= quota.reindex(ch["rep_id"]).to_numpy() - 0.005
        assert row.reps == len(ch)
        assert row.reached == pytest.approx(made.mean())
        # recalibrated on the quarters read before it alone
        pairs = record.attrs["pairs"]
        fit = rc.record_fit(pairs[pairs["quarter"] < row.quarter])
        assert fit is not None
        chance = ca.calibrated_chances(ch["chance"].to_numpy(), fit)
        assert row.mean_chance == pytest.approx(chance.mean())
        assert row.simulated_chance == pytest.approx(ch["chance"].mean())
        assert row.at_risk == int((chance < ca.AT_RISK).sum())
        assert row.at_risk_reached == int(((chance < ca.AT_RISK) & made).sum())
    # the warm-up quarters are read for the recalibration only
    assert sorted(record.attrs["pairs"]["quarter"].unique()) == [
        "2025Q4",
        "2026Q1",
        "2026Q2",
        "2026Q3",
    ]
    # out of sample the recalibrated chances average near the share that reached quota
    # (the simulated ones ran 12 points low on the demo)
    rec = rc.risk_record(demo, before="2026Q4", week=0)
    mean = (rec["mean_chance"] * rec["reps"]).sum() / rec["reps"].sum()
    reached = (rec["reached"] * rec["reps"]).sum() / rec["reps"].sum()
    simulated = (rec["simulated_chance"] * rec["reps"]).sum() / rec["reps"].sum()
    assert abs(mean - reached) < 0.04 < reached - simulated


def test_recalibration_moves_low_chances_to_the_record(rng):
    # simulated chances that run low and too extreme: the truth is 0.2 + 0.6 x chance
    raw = rng.uniform(0, 1, 600)
    reached = rng.random(600) < 0.2 + 0.6 * raw
    fit = ca.recalibration(raw[:300], reached[:300])
    assert fit is not None and 0 < fit[1] < 1  # less extreme
    fresh = ca.calibrated_chances(raw[300:], fit)
    truth = 0.2 + 0.6 * raw[300:]
    assert abs(fresh.mean() - truth.mean()) < 0.04
    assert np.abs(fresh - truth).mean() < 0.05
    assert (np.diff(fresh[np.argsort(raw[300:])]) >= 0).all()  # the order is kept


def test_recalibration_by_hand_and_its_fallbacks():
    # a calibrated record stays as it is: a = 0, b = 1
    p = np.repeat([0.2, 0.5, 0.8], 100)
    y = np.concatenate([np.arange(100) < k for k in (20, 50, 80)])
    a, b = ca.recalibration(p, y)
    assert (a, b) == pytest.approx((0.0, 1.0), abs=1e-6)
    assert ca.recalibration(p[:30], y[:30]) is None  # too few rep-quarters
    assert ca.recalibration(p, np.ones(300)) is None  # everyone reached quota
    assert ca.recalibration(p, ~y) is None  # falls with the chance: no fit
    assert ca.calibrated_chances(np.array([0.3]), None) == pytest.approx([0.3])
    assert rc.record_fit([]) is None
