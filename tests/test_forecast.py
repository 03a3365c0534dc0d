"""Forecasting: no leakage, honest backtests against the truth, fallbacks."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from salesops_lib.analysis import forecast as fc
from salesops_lib.analysis.forecast import FORECAST_COLUMNS

pytestmark = pytest.mark.xdist_group("forecast")
AS_OF = pd.Timestamp("2026-08-14")


def test_forecast_shape_and_team_split(demo):
    f = fc.forecast_quarter(demo, quarter="2026Q3", as_of=AS_OF, backtest_quarters=4)
    assert list(f.columns) == FORECAST_COLUMNS
    assert set(f["method"]) == set(fc.ALL_METHODS)
    assert f.attrs["recommended"] in set(f["method"]) - {"rep_call"}
    ranged = f[f["lo80"].notna()]
    # every method with three or more backtest errors has a range (the yardstick with growth
    # needs two years of data: tested on fewer quarters)
    assert set(f["method"]) - set(ranged["method"]) <= {"seasonal_naive_growth"}
    assert (
        (ranged["lo95"] <= ranged["lo80"] + 1e-6).all()
        and (ranged["lo80"] <= ranged["point"] + 1e-6).all()
        and (ranged["point"] <= ranged["hi80"] + 1e-6).all()
        and (ranged["hi80"] <= ranged["hi95"] + 1e-6).all()
    )
    assert (f["point"] >= f.attrs["booked"] - 1e-6).all()
    teams = fc.forecast_quarter(
        demo, quarter="2026Q3", as_of=AS_OF, by="team", methods=("pipeline",)
    )
    total = f.set_index("method").loc["pipeline", "point"]
    assert teams["point"].sum() == pytest.approx(total)
    assert set(teams["team"]) == set(demo.reps["team"])


def test_no_leakage_everything_after_as_of_changed(demo):
    methods = ("time_series", "pipeline", "win_model", "rep_call")
    before = fc.forecast_quarter(
        demo, quarter="2026Q3", as_of=AS_OF, methods=methods, backtest_quarters=2
    )
    o = demo.opportunities.copy()
    later_close = o["close_date"] > AS_OF
    later_created = o["created_date"] > AS_OF
    o.loc[later_close, "is_won"] = ~o.loc[later_close, "is_won"].astype(bool)
    o.loc[later_close, "is_closed"] = True
    o.loc[later_close, "amount"] = o.loc[later_close, "amount"] * 7
    o.loc[later_close, "close_date"] = o.loc[later_close, "close_date"] + pd.Timedelta(days=3)
    o.loc[later_created, "product"] = "Changed"
    h = demo.history.copy()
    later_snap = h["snapshot_date"] > AS_OF
    h.loc[later_snap, "amount"] = h.loc[later_snap, "amount"] * 3
    h.loc[later_snap, "stage"] = "Negotiation"
    a = demo.activities[demo.activities["activity_date"] <= AS_OF]
    changed = replace(demo, opportunities=o, history=h, activities=a)

    after = fc.forecast_quarter(
        changed, quarter="2026Q3", as_of=AS_OF, methods=methods, backtest_quarters=2
    )
    pd.testing.assert_frame_equal(before, after)


def test_backtest_beats_baselines_and_tracks_the_truth(demo, demo_dir):
    truth = pd.read_csv(demo_dir / "truth" / "expected_bookings.csv").set_index("quarter")[
        "expected_bookings"
    ]
    rows = []
    for week in (0, 4, 8):
        bt = fc.backtest(demo, quarters=8, week=week)
        assert bt["quarter"].nunique() == 8
        rows.append(bt)
    allbt = pd.concat(rows)
    acc = fc.accuracy(allbt)
    rec = acc.loc[[m for m in acc.index if m in fc.METHODS and m != "rep_call"]].index[0]
    actual = allbt.groupby(["quarter"])["actual"].first()
    truth_wape = (truth.reindex(actual.index) - actual).abs().sum() / actual.sum()
    assert acc.loc[rec, "wape"] <= 1.15 * truth_wape, (acc, truth_wape)
    for yardstick in fc.BASELINES:
        assert acc.loc[rec, "wape"] < acc.loc[yardstick, "wape"], yardstick
    # out of sample (each quarter's pick from the quarters before it), pooled over the weeks,
    # the rule beats every yardstick on the same quarters
    nested = pd.concat([bt.attrs["nested"].assign(week=bt.attrs["week"]) for bt in rows])
    # the rule is total: every quarter with 3 tested before it has a pick (5 a week)
    assert len(nested) == 15
    same = allbt.merge(nested[["quarter"]].drop_duplicates(), on="quarter")
    nested_wape = nested["error"].abs().sum() / nested["actual"].sum()
    for yardstick in fc.BASELINES:
        mine = same[same["method"] == yardstick]
        assert nested_wape < mine["error"].abs().sum() / mine["actual"].sum(), yardstick
    # each quarter's range comes from the method's errors in the quarters before it alone
    # (nested): the first three quarters have too few to make one
    rec_rows = allbt[allbt["method"] == rec]
    first3 = sorted(rec_rows["quarter"].unique())[:3]
    assert rec_rows.loc[rec_rows["quarter"].isin(first3), "covered80"].isna().all()
    assert rec_rows["covered80"].notna().sum() == 3 * 5
    # measured: the 80% ranges held all 15 (5 quarters x 3 weeks), wider than their level:
    # the first quarter tested (2024Q4) missed by 18.7% at week 0 and 7.4% at week 4 and
    # stays in every later range's errors (benchmarks/forecast.py reports the figures)
    assert 0.70 <= acc.loc[rec, "coverage80"] <= 1.0, acc


def test_order_history_only_falls_back_to_time_series(demo):
    o = demo.opportunities
    won = o[o["is_won"].astype(bool)].reset_index(drop=True)
    data = replace(demo, opportunities=won, history=None, activities=None)
    f = fc.forecast_quarter(data, quarter="2026Q3", as_of="2026-06-30", backtest_quarters=4)
    assert "time_series" in set(f["method"])
    assert not {"pipeline", "win_model"} & set(f["method"])
    # the recommendation is one of the methods that need no pipeline (a time-series model or
    # a yardstick: with won orders only, nothing else can be run)
    assert f.attrs["recommended"] in set(f["method"]) - {"pipeline", "win_model", "rep_call"}


def test_maven_backtest_runs_without_history(maven):
    bt = fc.backtest(maven, quarters=4, week=4)
    assert set(bt["quarter"]) <= {"2017Q3", "2017Q4"} and len(bt) > 0
    assert np.isfinite(bt["forecast"]).all()


def test_week_as_of_dates(demo):
    assert fc.as_of_for_week(demo, "2026Q3", 0) == pd.Timestamp("2026-06-30")
    assert fc.as_of_for_week(demo, "2026Q3", 4) == pd.Timestamp("2026-07-28")
    assert fc.as_of_for_week(demo, "2026Q3", 20) == pd.Timestamp("2026-09-30")


def test_maven_monthly_backtest_uses_only_earlier_months(maven):
    bt = fc.backtest_monthly(maven)
    assert list(bt["month"].unique()) == [
        "2017-06",
        "2017-07",
        "2017-08",
        "2017-09",
        "2017-10",
        "2017-11",
        "2017-12",
    ]
    assert set(bt.attrs["wape"]) == {"holt_monthly", "naive_last_month", "mean_so_far"}
    naive = bt[bt["method"] == "naive_last_month"].set_index("month")
    actual = bt.groupby("month")["actual"].first()
    assert (
        naive.loc["2017-07", "forecast"] == actual["2017-06"]
    )  # last month's actual, nothing later
    mean = bt[bt["method"] == "mean_so_far"].set_index("month")
    o = maven.opportunities
    won = o[o["is_won"].astype(bool)]
    monthly = won.groupby(won["close_date"].dt.to_period("M"))["amount"].sum()
    assert mean.loc["2017-06", "forecast"] == pytest.approx(monthly[:"2017-05"].mean())


def test_forecast_by_rep_is_not_the_cached_company_total(demo):
    # results are cached per grouping: the rep grouping must not be mistaken for none
    kw = dict(quarter="2026Q4", as_of="2026-09-30", methods=("win_model",), backtest_quarters=1)
    company = fc.forecast_quarter(demo, **kw)
    by_rep = fc.forecast_quarter(demo, by="rep_id", **kw)
    assert len(company) == 1 and len(by_rep) > 10
    assert "Total" not in set(by_rep["rep_id"])
    assert by_rep["point"].sum() > 0.5 * company["point"].iloc[0]


# ---------------------------------------------------------------------------------------
# the recommendation rule: enough quarters, ties broken by the smaller bias


def scored(wape: dict[str, float], bias: dict[str, float], quarters: int) -> pd.DataFrame:
    """A backtest frame whose methods have the given WAPE and bias over ``quarters`` quarters
    of actual 100 each (one quarter carries the whole error)."""
    rows = []
    for m in wape:
        over = (wape[m] + bias[m]) / 2 * 100 * quarters  # sum of positive errors
        under = (wape[m] - bias[m]) / 2 * 100 * quarters  # sum of negative errors (abs)
        errors = [over, -under] + [0.0] * (quarters - 2)
        for k, e in enumerate(errors):
            rows.append((f"q{k}", m, 100.0 + e, 100.0, e, 1.0, 1.0))
    return pd.DataFrame(
        rows, columns=["quarter", "method", "forecast", "actual", "error", "covered80", "covered95"]
    )


def test_scored_frame_has_the_asked_wape_and_bias():
    acc = fc.accuracy(scored({"pipeline": 0.05}, {"pipeline": -0.02}, 8))
    assert acc.loc["pipeline", "wape"] == pytest.approx(0.05)
    assert acc.loc["pipeline", "bias"] == pytest.approx(-0.02)


@pytest.mark.parametrize(
    ("wape", "bias", "quarters", "expected"),
    [
        # the lowest WAPE
        (
            {"pipeline": 0.058, "ensemble": 0.050},
            {"pipeline": 0.0, "ensemble": -0.03},
            8,
            "ensemble",
        ),
        # less than 0.1 point apart: a tie, the smaller |bias| wins
        (
            {"ensemble": 0.0500, "win_model": 0.0504},
            {"ensemble": -0.026, "win_model": -0.004},
            8,
            "win_model",
        ),
        # 0.1 point apart or more: no tie
        (
            {"ensemble": 0.0500, "win_model": 0.0511},
            {"ensemble": -0.026, "win_model": -0.004},
            8,
            "ensemble",
        ),
        # three quarters are enough (MIN_BACKTEST_QUARTERS), two are not
        ({"pipeline": 0.05}, {"pipeline": 0.0}, 4, "pipeline"),
        ({"pipeline": 0.05}, {"pipeline": 0.0}, 3, "pipeline"),
        ({"pipeline": 0.05}, {"pipeline": 0.0}, 2, None),
    ],
)
def test_recommend_needs_three_quarters_and_breaks_ties_by_bias(wape, bias, quarters, expected):
    assert fc.MIN_BACKTEST_QUARTERS == fc.MIN_SHARED_QUARTERS == 3  # "enough", defined once
    bt = scored(wape, bias, quarters)
    assert fc.recommend(bt) == expected
    ranked = fc.ranking(bt)
    # a method beaten by a rival on the quarters they share is not eligible either
    if expected is None:
        assert not ranked["eligible"].any()
    else:
        assert ranked.loc[expected, "eligible"]


def test_first_full_quarter_starts_where_the_data_does(maven):
    # Maven's first close is 2017-03-01: 2017Q1 holds only March
    assert fc.data_start(maven) == pd.Timestamp("2017-03-01")
    assert fc.first_full_quarter(maven) == "2017Q2"
    assert not fc.backtestable(maven, "2017Q3") and fc.backtestable(maven, "2017Q4")


# ---------------------------------------------------------------------------------------
# hindsight: without snapshots, methods that read the pipeline are never recommended


def test_without_snapshots_pipeline_methods_are_hindsight_and_never_recommended():
    bt = scored(
        {"pipeline": 0.05, "ensemble": 0.06, "time_series": 0.09},
        {"pipeline": 0.0, "ensemble": 0.0, "time_series": 0.01},
        4,
    )
    # with snapshots (no hindsight) the lowest WAPE wins
    assert fc.recommend(bt, hindsight=()) == "pipeline"
    # without: only the method that uses past bookings alone can be recommended
    looked = fc.READS_PIPELINE
    assert fc.recommend(bt, hindsight=looked) == "time_series"
    ranked = fc.ranking(bt, hindsight=looked)
    assert ranked.index[0] == "time_series"
    assert ranked.loc[["pipeline", "ensemble"], "hindsight"].all()
    assert not ranked.loc[["pipeline", "ensemble"], "eligible"].any()
    # the backtest's attrs carry it when not given
    bt.attrs["hindsight"] = looked
    assert fc.recommend(bt) == "time_series"
    # no method without hindsight on enough quarters: none
    only = scored({"pipeline": 0.05}, {"pipeline": 0.0}, 8)
    assert fc.recommend(only, hindsight=looked) is None


def test_hindsight_methods_follow_the_snapshots(demo):
    assert fc.has_snapshots(demo) and fc.hindsight_methods(demo) == ()
    bare = replace(demo, history=None)
    assert not fc.has_snapshots(bare)
    assert fc.hindsight_methods(bare) == ("pipeline", "win_model", "rep_call", "ensemble")
    assert "time_series" not in fc.hindsight_methods(bare)


# ---------------------------------------------------------------------------------------
# issue 20: the yardsticks and Theta/ETS compete, nested selection, calibrated ranges


def orders_only(folder, quarterly: list[float], first: str = "2022Q1"):
    """A data set of won orders only: one order per quarter of the given bookings, closing on
    the quarter's last day (the quarters from ``first`` on)."""
    from salesops_lib import load_dataset

    from .test_data import write

    ends = pd.period_range(first, periods=len(quarterly), freq="Q").to_timestamp(how="end")
    lines = ["opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won"]
    for k, (end, amount) in enumerate(zip(ends.normalize(), quarterly, strict=True)):
        start = (end - pd.Timedelta(days=80)).date()
        lines.append(f"o{k},r1,Won,{amount},{start},{end.date()},true,true")
    reps = "rep_id,rep_name,manager,team,region,hire_date,end_date\nr1,Ann,M1,A,East,2020-01-01,\n"
    return load_dataset(write(folder, reps=reps, opportunities="\n".join(lines) + "\n"))


def test_a_series_seasonal_naive_gets_exactly_right_recommends_it(tmp_path):
    # the same four quarters every year: same quarter last year is exact, nothing beats it
    data = orders_only(tmp_path / "d", [10_000.0, 40_000.0, 20_000.0, 30_000.0] * 4)
    bt = fc.backtest(data, quarters=8, week=0)
    naive = bt[bt["method"] == "seasonal_naive"]
    assert len(naive) == 8 and (naive["error"].abs() < 1e-6).all()
    assert bt.attrs["recommended"] == "seasonal_naive"
    # the out-of-sample record picks it from the quarters before each one as well
    nested = bt.attrs["nested"]
    assert len(nested) == 5 and set(nested["method"]) == {"seasonal_naive"}
    assert bt.attrs["nested_wape"] == pytest.approx(0.0, abs=1e-9)
    f = fc.forecast_quarter(data, quarter="2026Q1", as_of="2025-12-31", backtest=bt)
    assert f.attrs["recommended"] == "seasonal_naive"
    assert f.set_index("method").loc["seasonal_naive", "point"] == pytest.approx(10_000.0)


@pytest.mark.parametrize(
    ("name", "needs"),
    [("seasonal_naive", 4), ("seasonal_naive_growth", 8), ("last_quarter", 1)]
    + [("trailing_mean", 4), ("theta", 6), ("ets", 6)],
)
def test_a_series_too_short_for_a_candidate_says_it_could_not_run(tmp_path, name, needs):
    data = orders_only(tmp_path / "d", [1000.0 + 10 * k for k in range(needs + 1)])
    y = pd.Series(
        [1000.0 + 10 * k for k in range(needs)],
        index=[str(q) for q in pd.period_range("2022Q1", periods=needs, freq="Q")],
    )
    nxt = data.calendar.shift(y.index[-1], 1)
    assert np.isfinite(fc.history_value(data, y, nxt, name))
    assert np.isnan(fc.history_value(data, y.iloc[1:], nxt, name))  # one quarter short
    # by hand, for the yardsticks
    by_hand = {
        "seasonal_naive": lambda: y.iloc[-4],
        "last_quarter": lambda: y.iloc[-1],
        "trailing_mean": lambda: y.iloc[-4:].mean(),
        "seasonal_naive_growth": lambda: y.iloc[-4] * y.iloc[-4:].sum() / y.iloc[-8:-4].sum(),
    }
    if name in by_hand:
        assert fc.history_value(data, y, nxt, name) == pytest.approx(by_hand[name]())


def test_a_backtest_on_a_short_series_leaves_out_what_could_not_run(tmp_path):
    data = orders_only(tmp_path / "d", [1000.0, 1200.0, 1100.0, 1300.0, 1250.0, 1400.0])
    bt = fc.backtest(data, quarters=8, week=0)
    assert {"last_quarter", "trailing_mean"} <= set(bt["method"])
    assert not {"seasonal_naive_growth", "theta", "ets"} & set(bt["method"])
    assert np.isfinite(bt["forecast"]).all()


def test_nested_choice_never_uses_the_quarters_own_error():
    # "a" is best on the first four quarters and misses badly on the fifth; "b" the reverse
    rows = []
    for k in range(5):
        err_a = 50.0 if k == 4 else 1.0
        err_b = 1.0 if k == 4 else 5.0
        rows += [
            (f"q{k}", "time_series", 100 + err_a, 100.0),
            (f"q{k}", "pipeline", 100 + err_b, 100.0),
        ]
    bt = pd.DataFrame(rows, columns=["quarter", "method", "forecast", "actual"])
    bt["error"] = bt["forecast"] - bt["actual"]
    bt["covered80"] = bt["covered95"] = np.nan
    nested = fc.nested_choice(bt, hindsight=())
    # q3 and q4 have three quarters or more before them; q4's pick comes from q0..q3, where
    # time_series won
    assert nested["quarter"].tolist() == ["q3", "q4"]
    assert nested["method"].tolist() == ["time_series", "time_series"]
    assert nested["error"].tolist() == [1.0, 50.0]
    # in-sample, over all five quarters, pipeline wins (WAPE 21/500 against 54/500)
    assert fc.recommend(bt, hindsight=()) == "pipeline"
    # changing q4's outcome changes its error, never its pick
    bt.loc[bt["quarter"] == "q4", "actual"] = 150.0
    bt["error"] = bt["forecast"] - bt["actual"]
    assert fc.nested_choice(bt, hindsight=())["method"].tolist() == ["time_series"] * 2


def test_a_method_tested_on_fewer_quarters_is_compared_on_the_quarters_it_shares():
    bt = scored({"pipeline": 0.05}, {"pipeline": 0.0}, 8)  # its errors fall in q0 and q1
    few = scored({"seasonal_naive_growth": 0.01}, {"seasonal_naive_growth": 0.0}, 4)
    both = pd.concat([bt, few], ignore_index=True)
    ranked = fc.ranking(both, hindsight=())
    # on q0..q3, the quarters both were tested on, the yardstick missed less: it is recommended
    assert ranked.loc["pipeline", "beaten_by"] == "seasonal_naive_growth"
    assert fc.recommend(both, hindsight=()) == "seasonal_naive_growth"


@pytest.mark.parametrize("n", [3, 8, 20])
@pytest.mark.parametrize("level", [0.8, 0.95])
def test_calibrated_ranges_hold_near_nominal_on_independent_errors(rng, n, level):
    trials = 4000
    held = 0
    for _ in range(trials):
        errs = rng.normal(0.02, 0.1, n + 1)  # relative errors actual / forecast - 1
        point = 1000.0
        lo, hi = fc.calibrated_range(point, errs[:n], level)
        held += lo <= point * (1 + errs[n]) <= hi
    assert abs(held / trials - level) < 0.025, held / trials


def test_calibrated_range_by_hand():
    errs = np.array([-0.1, 0.0, 0.1, 0.05, -0.05])  # mean 0, sd 0.0791
    lo, hi = fc.calibrated_range(100.0, errs, 0.8)
    half = 1.5332 * errs.std(ddof=1) * np.sqrt(1.2)  # t(4) 90th percentile
    assert (lo, hi) == pytest.approx((100 * (1 - half), 100 * (1 + half)), rel=1e-4)
    assert fc.calibrated_range(100.0, errs[:2], 0.8) == (pytest.approx(np.nan, nan_ok=True),) * 2
    # never below the floor (bookings so far), always holding the point
    assert fc.calibrated_range(100.0, errs, 0.8, floor=95.0)[0] == 95.0
    lo, hi = fc.calibrated_range(100.0, np.array([0.5, 0.52, 0.48, 0.51]), 0.8)
    assert lo == 100.0 and hi > 150.0


def test_backtest_ranges_come_from_the_earlier_quarters_only():
    bt = pd.DataFrame(
        {
            "quarter": [f"q{k}" for k in range(5)],
            "method": "pipeline",
            "forecast": 100.0,
            "actual": [90.0, 100.0, 110.0, 105.0, 400.0],
            "booked": 0.0,
        }
    ).assign(lo80=np.nan, hi80=np.nan, lo95=np.nan, hi95=np.nan)
    out = fc.calibrated_backtest(bt)
    # q0..q2 have fewer than three quarters before them: no range
    assert out.loc[:2, "lo80"].isna().all()
    # q3's range comes from q0..q2's errors only, q4's from q0..q3's
    lo, hi = fc.calibrated_range(100.0, np.array([-0.1, 0.0, 0.1]), 0.8)
    assert (out.loc[3, "lo80"], out.loc[3, "hi80"]) == pytest.approx((lo, hi))
    lo, hi = fc.calibrated_range(100.0, np.array([-0.1, 0.0, 0.1, 0.05]), 0.8)
    assert (out.loc[4, "lo80"], out.loc[4, "hi80"]) == pytest.approx((lo, hi))
    # the outlier's own range does not stretch to hold it
    assert out.loc[4, "hi95"] < 400.0


@pytest.mark.parametrize(
    ("values", "factor"),
    [
        ([10, 10, 10, 20, 10, 10, 10, 20], 1.6),  # Q-4 was twice the rest, no growth
        ([12, 12, 12, 12, 10, 10, 10, 10], 1.2),  # flat seasons, 20% growth
        ([11, 11, 11, 22, 10, 10, 10, 20], 1.76),  # season and growth: 22 * 1.1 / 13.75
        ([10, 10, 10, 20, 10, 10, 10], 1.0),  # not a year and a year before: the mean
        ([10, 10, 10, 0, 10, 10, 10, 20], 1.0),  # nothing a year before: the mean
        ([10, 10, 10, 20, 0, 0, 0, 0], 1.0),  # nothing the year before
    ],
)
def test_season_factor_by_hand(values, factor):
    assert fc.season_factor(np.array(values, dtype=float)) == pytest.approx(factor)


def _created_after(opps: pd.DataFrame, start, end, as_of) -> float:
    won = opps[opps["is_won"] & (opps["close_date"] >= start) & (opps["close_date"] <= end)]
    return float(won.loc[won["created_date"] > as_of, "amount"].sum())


def test_allowance_for_deals_not_yet_created_follows_the_season_on_the_demo(demo_dir, demo):
    # by pandas on the raw CSV (week 0 of calendar quarters): the same quarter a year back,
    # scaled by the year's growth
    opps = pd.read_csv(
        demo_dir / "opportunities.csv", parse_dates=["created_date", "close_date"]
    ).assign(is_won=lambda o: o["is_won"].astype(str).str.lower() == "true")
    quarters = pd.period_range("2023Q4", "2025Q3", freq="Q")[::-1]  # latest first
    nyc = np.array(
        [
            _created_after(
                opps, q.start_time, q.end_time.normalize(), q.start_time - pd.Timedelta(days=1)
            )
            for q in quarters
        ]
    )
    expected = nyc[3] * nyc[:4].sum() / nyc[4:].sum()
    p = fc._point(demo, "2025Q4", fc.as_of_for_week(demo, "2025Q4", 0))
    mean, _ = fc._not_yet_created(demo, fc._earlier_points(demo, p))
    assert float(mean["Total"]) == pytest.approx(expected, rel=1e-9)
    # the fourth quarter books more from deals created inside it than the flat mean says
    assert float(mean["Total"]) > nyc[:4].mean() * 1.1
    # a year short: the flat mean of the last four
    p = fc._point(demo, "2025Q2", fc.as_of_for_week(demo, "2025Q2", 0))
    mean, _ = fc._not_yet_created(demo, fc._earlier_points(demo, p))
    assert float(mean["Total"]) == pytest.approx(nyc[2:6].mean(), rel=1e-9)


def test_group_ranges_stretch_as_the_company_calibration_does():
    # the company's own 80% range is 90..110; its errors call for 80..120 (t interval below)
    errs = np.array([-0.1, 0.0, 0.1, 0.05, -0.05])
    lo, hi = fc.calibrated_range(100.0, errs, 0.8)
    k_lo, k_hi = (100.0 - lo) / 10.0, (hi - 100.0) / 10.0
    company = {
        "pipeline": pd.DataFrame(
            {"point": [100.0], "lo80": [90.0], "hi80": [110.0], "lo95": [85.0], "hi95": [115.0]},
            index=["Total"],
        )
    }
    teams = pd.DataFrame(
        {
            "point": [60.0, 40.0],
            "lo80": [50.0, 36.0],
            "hi80": [66.0, 45.0],
            "lo95": [45.0, 33.0],
            "hi95": [70.0, 48.0],
        },
        index=["East", "West"],
    )
    floors = pd.Series({"East": 0.0, "West": 35.0})
    out = fc._group_ranges({"pipeline": teams}, company, {"pipeline": errs}, 0.0, floors)
    east = out["pipeline"].loc["East"]
    assert east["lo80"] == pytest.approx(60.0 - k_lo * 10.0)
    assert east["hi80"] == pytest.approx(60.0 + k_hi * 6.0)
    assert east["point"] == 60.0
    # never below the team's bookings so far
    assert out["pipeline"].loc["West", "lo80"] == pytest.approx(max(40.0 - k_lo * 4.0, 35.0))
    # too few errors: the team keeps its own range
    kept = fc._group_ranges({"pipeline": teams}, company, {"pipeline": errs[:2]}, 0.0, floors)
    pd.testing.assert_frame_equal(kept["pipeline"], teams)


def test_team_ranges_follow_the_company_calibration_on_the_demo(demo):
    bt = fc.backtest(
        demo, quarters=6, week=fc.forecast_week(demo, "2026Q3", AS_OF), before="2026Q3"
    )
    kw = {"quarter": "2026Q3", "as_of": AS_OF, "methods": ("pipeline",), "backtest": bt}
    total = fc.forecast_quarter(demo, **kw).set_index("method").loc["pipeline"]
    teams = fc.forecast_quarter(demo, by="team", **kw)
    own = fc._all_methods(demo, fc._point(demo, "2026Q3", AS_OF), None, ("pipeline",))
    own_total = own["pipeline"].iloc[0]
    # the company's calibrated 80% range is wider (or narrower) than its own by a factor the
    # teams' ranges share, on each side
    k_hi = (total["hi80"] - total["point"]) / (own_total["hi80"] - own_total["point"])
    team_own = fc._all_methods(
        demo, fc._point(demo, "2026Q3", AS_OF), fc._group_map(demo, "team"), ("pipeline",)
    )["pipeline"]
    t = teams.set_index("team")
    got = (t["hi80"] - t["point"]) / (team_own["hi80"] - team_own["point"]).reindex(t.index)
    assert np.allclose(got.to_numpy(), k_hi)
    assert (t["lo80"] <= t["point"]).all() and (t["hi80"] >= t["point"]).all()
    assert (t["lo95"] <= t["lo80"] + 1e-6).all() and (t["hi95"] >= t["hi80"] - 1e-6).all()


# ---------------------------------------------------------------------------------------
# issue 16 (VP 03 finding 1): methods compared on the same quarters only


def _duel_frame():
    # A tested on 5 quarters, B (a yardstick needing more history) on the last 3 only;
    # actuals 100 each; A misses 10 on the first two and 50 on the last three, B misses 30
    rows = []
    for i, q in enumerate(["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]):
        rows.append((q, "last_quarter", 100.0, 10.0 if i < 2 else 50.0))
        if i >= 2:
            rows.append((q, "trailing_mean", 100.0, 30.0))
    bt = pd.DataFrame(rows, columns=["quarter", "method", "actual", "error"])
    bt["forecast"] = bt["actual"] + bt["error"]
    for c in ("lo80", "hi80", "covered80", "lo95", "hi95", "covered95"):
        bt[c] = np.nan
    bt.attrs["hindsight"] = ()
    return bt


def test_head_to_head_is_the_wape_on_the_shared_quarters_only():
    bt = _duel_frame()
    # A over its 5 quarters: (10+10+50+50+50)/500 = 34%; on the 3 shared: 150/300 = 50%
    assert fc.head_to_head(bt, "last_quarter", "trailing_mean") == pytest.approx((3, 0.5, 0.3))
    assert fc.accuracy(bt).loc["last_quarter", "wape"] == pytest.approx(0.34)


def test_a_method_beaten_on_the_shared_quarters_is_not_recommended():
    bt = _duel_frame()
    ranked = fc.ranking(bt)
    # A has 34% over its own 5 quarters, but on the 3 both were tested on it misses 50%
    # against B's 30%: A is not recommended; B, a yardstick unbeaten on 3 quarters (enough),
    # is: the evidence that rules A out recommends B
    assert ranked.loc["last_quarter", "beaten_by"] == "trailing_mean"
    assert ranked.loc["trailing_mean", "eligible"] and not ranked.loc["last_quarter", "eligible"]
    assert fc.recommend(bt) == "trailing_mean"
    # B better on only 2 shared quarters does not count against A: one lucky quarter decides
    two = bt[~((bt["method"] == "trailing_mean") & (bt["quarter"] == "2025Q3"))]
    assert fc.recommend(two) == "last_quarter"


def test_salesforce_fixture_recommendation_beats_the_yardstick_on_the_same_quarters():
    # VP finding 1: Last quarter again (32.9% over 5 quarters) missed 50.4% on the 3 quarters
    # 2025Q3-2026Q1 against the four-quarter average's 35.4%: it is not recommended
    from salesops_lib import load_dataset

    from .conftest import FIXTURES

    data = load_dataset(FIXTURES / "salesforce_export", preset="salesforce")
    bt = fc.backtest(data, quarters=8, week=0, before="2026Q2", as_of_limit="2026-03-31")
    raw = pd.read_csv(FIXTURES / "salesforce_export" / "Opportunity.csv")
    won = raw[raw["IsWon"].astype(str).str.lower() == "true"].copy()
    won["q"] = pd.PeriodIndex(pd.to_datetime(won["CloseDate"], format="mixed"), freq="Q")
    by_q = won.groupby("q")["Amount"].sum()
    # last quarter again forecasts the quarter before; actuals by pandas on the raw CSV
    q = [pd.Period(x, freq="Q") for x in ("2025Q3", "2025Q4", "2026Q1")]
    miss = sum(abs(by_q[p - 1] - by_q[p]) for p in q) / sum(by_q[p] for p in q)
    assert miss == pytest.approx(0.504, abs=0.001)  # $95K + $290.5K + $404.5K over $1,566.5K
    n, mine, theirs = fc.head_to_head(bt, "last_quarter", "trailing_mean")
    assert (n, round(mine, 3), round(theirs, 3)) == (3, round(miss, 3), 0.354)
    best = fc.recommend(bt, among=tuple(bt["method"].unique()))
    assert best != "last_quarter"
    for stick in fc.BASELINES:
        if stick in set(bt["method"]) and stick != best:
            k, a, b = fc.head_to_head(bt, best, stick)
            if k >= fc.MIN_SHARED_QUARTERS:
                assert a <= b + fc.WAPE_TIE


def test_when_every_method_lost_to_another_the_longest_record_decides():
    # pipeline on q0-q7, win_model on q0-q5, time_series on q2-q7; each pair shares 4+ quarters
    # and each loses to another: win_model to pipeline (q0-q5: 30 against 22), pipeline to
    # time_series (q2-q7: 38 against 18), time_series to win_model (q2-q5: 16 against 12)
    errors = {
        "pipeline": [1, 1, 5, 5, 5, 5, 9, 9],
        "win_model": [9, 9, 3, 3, 3, 3, None, None],
        "time_series": [None, None, 4, 4, 4, 4, 1, 1],
    }
    rows = [
        (f"q{k}", m, 100.0 + e, 100.0, float(e), 1.0, 1.0)
        for m, es in errors.items()
        for k, e in enumerate(es)
        if e is not None
    ]
    bt = pd.DataFrame(
        rows, columns=["quarter", "method", "forecast", "actual", "error", "covered80", "covered95"]
    )
    ranked = fc.ranking(bt, hindsight=())
    assert (ranked["beaten_by"] != "").all() and ranked["cycle"].all()
    assert fc.recommend(bt, hindsight=()) == "pipeline"  # the one tested on all 8 quarters


def error_table(errors: dict[str, list[float | None]]) -> pd.DataFrame:
    """A backtest frame from each method's error per quarter (actual 100; None: not tested)."""
    rows = [
        (f"q{k}", m, 100.0 + e, 100.0, float(e), np.nan, np.nan)
        for m, es in errors.items()
        for k, e in enumerate(es)
        if e is not None
    ]
    bt = pd.DataFrame(
        rows, columns=["quarter", "method", "forecast", "actual", "error", "covered80", "covered95"]
    )
    bt.attrs["hindsight"] = ()
    return bt


@pytest.mark.parametrize(
    ("errors", "expected", "cycle"),
    [
        # a yardstick tested on the last 3 quarters only beat every method there: recommended
        (
            {
                "pipeline": [2, 2, 2, 2, 2, 6, 6, 6],
                "win_model": [3, 3, 3, 3, 3, 5, 5, 5],
                "seasonal_naive_growth": [None] * 5 + [1, 1, 1],
            },
            "seasonal_naive_growth",
            False,
        ),
        # the same yardstick on 2 quarters is too short a record: it counts for nothing
        (
            {
                "pipeline": [2, 2, 2, 2, 2, 2, 6, 6],
                "win_model": [3, 3, 3, 3, 3, 3, 5, 5],
                "seasonal_naive_growth": [None] * 6 + [1, 1],
            },
            "pipeline",
            False,
        ),
        # every record too short: no recommendation (nothing was tested enough to choose)
        ({"pipeline": [1, 1], "trailing_mean": [2, 2]}, None, False),
        # a tie (equal misses on the same quarters) is broken by the smaller bias
        ({"pipeline": [4, 4, -4, -4], "win_model": [-4, -4, -4, -4]}, "pipeline", False),
        # a full tie, bias too: the order of ALL_METHODS (the pipeline methods first)
        ({"trailing_mean": [3, -3, 3], "win_model": [3, -3, 3]}, "win_model", False),
        # a cycle: win_model loses to pipeline, pipeline to time_series, time_series to
        # win_model; the longest record (pipeline, 8 quarters) decides
        (
            {
                "pipeline": [1, 1, 5, 5, 5, 5, 9, 9],
                "win_model": [9, 9, 3, 3, 3, 3, None, None],
                "time_series": [None, None, 4, 4, 4, 4, 1, 1],
            },
            "pipeline",
            True,
        ),
    ],
)
def test_the_rule_on_hand_made_error_tables(errors, expected, cycle):
    bt = error_table(errors)
    assert fc.recommend(bt) == expected
    assert bool(fc.ranking(bt)["cycle"].any()) == cycle


def test_the_rule_always_recommends_once_a_method_has_enough_quarters(rng):
    # random error tables: whenever a method was tested on 3 quarters or more, one is
    # recommended, and it is one of those
    for _ in range(150):
        errors = {}
        for m in ("pipeline", "win_model", "theta", "seasonal_naive_growth", "trailing_mean"):
            start = int(rng.integers(0, 8))
            errors[m] = [None] * start + [float(rng.normal(0, 10)) for _ in range(8 - start)]
        bt = error_table(errors)
        counts = bt.groupby("method").size()
        pick = fc.recommend(bt)
        if (counts >= fc.MIN_BACKTEST_QUARTERS).any():
            assert pick is not None and counts[pick] >= fc.MIN_BACKTEST_QUARTERS
        else:
            assert pick is None


def test_nested_ranges_come_from_the_earlier_quarters_only():
    # one method; its relative errors (actual / forecast - 1) in q0..q4
    f = [100.0, 100.0, 100.0, 100.0, 100.0, 100.0]
    a = [90.0, 110.0, 100.0, 95.0, 105.0, 300.0]
    bt = pd.DataFrame({"quarter": [f"q{k}" for k in range(6)], "method": "pipeline"})
    bt["forecast"], bt["actual"], bt["booked"] = f, a, 0.0
    bt["error"] = bt["forecast"] - bt["actual"]
    for c in ("lo80", "hi80", "lo95", "hi95", "covered80", "covered95"):
        bt[c] = np.nan
    nested = fc.nested_choice(bt, hindsight=()).set_index("quarter")
    assert nested.index.tolist() == ["q3", "q4", "q5"]
    assert nested["range_errors"].tolist() == [3, 4, 5]
    # q3's range: the t interval of the errors -0.1, 0.1, 0.0 (mean 0, sd 0.1, n 3)
    from scipy.stats import t

    half = t.ppf(0.9, 2) * 0.1 * np.sqrt(1 + 1 / 3)
    assert nested.loc["q3", "lo80"] == pytest.approx(100 * (1 - half))
    assert nested.loc["q3", "hi80"] == pytest.approx(100 * (1 + half))
    # q5's outcome (300) is far outside its range, and never widened the earlier ranges
    assert nested.loc["q5", "covered80"] == 0.0 and nested.loc["q4", "covered80"] == 1.0
    later = bt.copy()
    later.loc[later["quarter"] == "q5", "actual"] = 100.0
    again = fc.nested_choice(later, hindsight=()).set_index("quarter")
    assert again.loc[["q3", "q4"], "hi80"].tolist() == nested.loc[["q3", "q4"], "hi80"].tolist()
