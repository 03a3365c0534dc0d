"""The forecast by week (analysis.weekly, reports.weekly, plots.forecast_by_week)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesops_lib.analysis import forecast
from salesops_lib.analysis import weekly as wk
from salesops_lib.render import plots
from salesops_lib.reports import weekly as rw
from salesops_lib.reports.base import money_in

FMT = money_in("USD")


def _weeks(points, lo=None, hi=None, errors=8):
    n = len(points)
    start = pd.Timestamp("2026-06-30")
    return pd.DataFrame(
        {
            "week": range(n),
            "as_of": [start + pd.Timedelta(days=7 * i) for i in range(n)],
            "booked": [1.0e6 * i for i in range(n)],
            "method": "pipeline",
            "backtest_week": 0,
            "point": points,
            "lo80": lo if lo is not None else [p - 1.0e6 for p in points],
            "hi80": hi if hi is not None else [p + 1.0e6 for p in points],
            "range_errors": errors,
        }
    )


@pytest.mark.parametrize(
    ("week", "expected"),
    [(0, 0), (1, 0), (2, 4), (3, 4), (5, 4), (6, 8), (7, 8), (8, 8), (13, 8)],
)
def test_nearest_week_ties_go_to_the_later(week, expected):
    assert wk.nearest_week(week, (0, 4, 8)) == expected


def test_weeks_words():
    assert rw.weeks_words([0, 1, 2, 5, 7, 8]) == "weeks 0–2, 5 and 7–8"
    assert rw.weeks_words([3]) == "week 3"


def test_before_keeps_only_earlier_quarters_and_rescores():
    bt = pd.DataFrame(
        {
            "quarter": ["2026Q1", "2026Q2", "2026Q3"] * 2,
            "method": ["a"] * 3 + ["b"] * 3,
            "error": [10.0, -10.0, 500.0, 20.0, 20.0, 0.0],
            "actual": [100.0] * 6,
        }
    )
    bt.attrs = {"wape": {"a": 9.9}, "week": 4, "hindsight": ("b",)}
    cut = wk.before(bt, "2026Q3")
    assert sorted(cut["quarter"].unique()) == ["2026Q1", "2026Q2"]
    assert cut.attrs["wape"] == pytest.approx({"a": 0.1, "b": 0.2})  # 20/200, 40/200
    assert cut.attrs["week"] == 4 and cut.attrs["hindsight"] == ("b",)
    assert wk.before(bt, "2026Q1").empty


def test_held_counts_only_weeks_with_a_range():
    w = _weeks([10.0, 20.0, 30.0], lo=[5.0, np.nan, 29.0], hi=[15.0, np.nan, 31.0])
    assert wk.held(w, 12.0).tolist() == [True, pd.NA, False]
    assert wk.held(w, None).isna().all()


def test_sentence_landed_inside():
    w = _weeks([31.0e6] * 8 + [32.1e6] + [32.0e6] * 5)  # weeks 0-7 range to $32.0M: outside
    s = rw.line_sentence(w, quarter="2026Q3", outcome=32.2e6, quota=32.0e6, fmt=FMT)
    assert s == (
        "At week 0 the forecast of 2026Q3 was $31.0M (80% range $30.0M – $32.0M); by week 8 it "
        "was $32.1M and by week 13, the last week shown, $32.0M; the quarter closed at $32.2M "
        "(101% of its $32.0M quota), inside the week-13 range ($31.0M – $33.0M); 6 of 14 "
        "weekly ranges held the outcome."
    )


def test_sentence_landed_outside_uncalibrated_without_quota():
    w = _weeks([20.0e6, 21.0e6, 22.0e6], errors=5)
    s = rw.line_sentence(w, quarter="2026Q3", outcome=30.0e6, quota=None, fmt=FMT)
    assert s == (
        "At week 0 the forecast of 2026Q3 was $20.0M (80% range $19.0M – $21.0M, "
        "uncalibrated); by week 2, the last week shown, it was $22.0M; the quarter closed at "
        "$30.0M, outside the "
        "week-2 range ($21.0M – $23.0M, uncalibrated); 0 of 3 weekly ranges held the outcome."
    )


def test_sentence_no_outcome_yet():
    w = _weeks([20.0e6, 21.0e6, 22.5e6])
    s = rw.line_sentence(w, quarter="2026Q4", outcome=None, quota=25.0e6, fmt=FMT)
    assert s == (
        "At week 0 the forecast of 2026Q4 was $20.0M (80% range $19.0M – $21.0M); at week 2 "
        "(2026-07-14) it is $22.5M (80% range $21.5M – $23.5M), with $2.0M booked so far; the "
        "quarter has not closed yet."
    )


def test_sentence_one_point_only():
    w = _weeks([31.6e6], lo=[np.nan], hi=[np.nan], errors=0)
    s = rw.line_sentence(w, quarter="2026Q4", outcome=None, quota=None, fmt=FMT)
    assert s == (
        "On 2026-06-30, week 0 of 2026Q4, the forecast is $31.6M (no range): the only week so "
        "far, so there is no line to draw yet."
    )


def test_sentence_without_range_at_the_quoted_week():
    w = _weeks([10.0e6, 11.0e6], lo=[9.0e6, np.nan], hi=[11.0e6, np.nan])
    s = rw.line_sentence(w, quarter="2026Q3", outcome=10.5e6, quota=None, fmt=FMT)
    assert s.endswith(
        "closed at $10.5M; week 1 had no range; 1 of 1 weekly range held the outcome."
    )


def test_method_sentence_names_each_run_of_weeks():
    w = _weeks([1.0] * 4, errors=7)
    w["method"] = ["ensemble", "ensemble", "pipeline", "pipeline"]
    w["backtest_week"] = [0, 0, 4, 4]
    s = rw.method_sentence(w, "2026Q3", {"ensemble": "Blend", "pipeline": "Pipeline"})
    assert "(weeks 0 and 4): Blend at weeks 0–1 and Pipeline at weeks 2–3." in s
    assert s.endswith(
        "Each range comes from the method's errors in only 7 backtested quarters, fewer than "
        "the 8 that calibrate a range: read the ranges as uncalibrated."
    )
    one = rw.method_sentence(w.iloc[:1].assign(range_errors=8), "2026Q4", {"ensemble": "Blend"})
    assert one == (
        "It is the method the recommendation rule picks from the backtest of the quarters "
        "before 2026Q4 at week 0: Blend; its range comes from the method's errors in 8 "
        "backtested quarters."
    )


@pytest.mark.parametrize(
    ("errors", "words"),
    [
        ([8, 9], "the method's errors in 8–9 backtested quarters"),
        (
            [7],
            "the method's errors in only 7 backtested quarters, fewer than the 8 that "
            "calibrate a range: read the ranges as uncalibrated",
        ),
        (
            [2, 8],
            "the method's errors in 2–8 backtested quarters: the weeks with fewer than 8 "
            "are uncalibrated; with fewer than 3 the range is the method's own",
        ),
    ],
)
def test_ranges_words_at_the_calibration_edges(errors, words):
    assert rw.ranges_words(errors) == words


def test_range_words_marks_uncalibrated_only_when_asked():
    row = {"lo80": 2.8e7, "hi80": 3.5e7, "range_errors": 7}
    assert rw.range_words(row, FMT) == "$28.0M – $35.0M, uncalibrated"
    assert rw.range_words(row, FMT, mark=False) == "$28.0M – $35.0M"
    assert rw.range_words({**row, "range_errors": 8}, FMT) == "$28.0M – $35.0M"
    assert rw.range_words({**row, "lo80": np.nan}, FMT) == "no range"


def test_chart_draws_forecast_booked_quota_outcome_and_band():
    w = _weeks([10.0, 11.0, 12.0])
    ax = plots.forecast_by_week(w, title="t", quota=12.0, outcome=11.5)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["Forecast", "Booked so far", "Quota", "Outcome"]
    assert len(ax.collections) == 1  # the 80% band
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["0", "1", "2"]


# ---------------------------------------------------------------------------------------
# on the demo: report 03 built once (tests/conftest.py)


@pytest.fixture(scope="module")
def raw(demo_dir):
    opps = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    quotas = pd.read_csv(demo_dir / "quotas.csv")
    return opps, quotas


@pytest.mark.xdist_group("forecast")
def test_demo_finished_quarter_against_raw_files(demo_forecast, raw):
    opps, quotas = raw
    line = demo_forecast.weekly.finished
    assert line is not None and line.quarter == "2026Q3"
    w = line.weeks
    # a week is drawn when its nearest backtest, cut to the quarters before 2026Q3, picks a
    # method
    cut = {k: wk.before(bt, "2026Q3") for k, bt in demo_forecast.backtests.items()}
    picked = [k for k in range(14) if wk.pick_at(cut[wk.nearest_week(k, cut)]) is not None]
    assert w["week"].tolist() == picked and 0 in picked
    assert w["as_of"].iloc[0] == pd.Timestamp("2026-06-30")
    won = opps[opps["is_won"].astype(str).str.lower() == "true"]
    start = pd.Timestamp("2026-07-01")
    for _, r in w.iterrows():
        mine = won[(won["close_date"] >= start) & (won["close_date"] <= r["as_of"])]
        assert r["booked"] == pytest.approx(mine["amount"].sum())
    closed = won[(won["close_date"] >= start) & (won["close_date"] <= "2026-09-30")]
    assert line.outcome == pytest.approx(closed["amount"].sum())
    assert line.quota == pytest.approx(quotas.loc[quotas["period"] == "2026Q3", "quota"].sum())
    held = (w["lo80"] <= line.outcome) & (line.outcome <= w["hi80"])
    assert f"{int(held.sum())} of {len(w)} weekly ranges held the outcome" in line.sentence
    # the rule is total: every week 0-13 of 2026Q3 has a recommendation (it stopped at week 5
    # when a yardstick tested on 3 quarters beat every method at week 8 and none was picked)
    assert w["week"].tolist() == list(range(14))
    assert "are left out" not in line.sentence


@pytest.mark.xdist_group("forecast")
@pytest.mark.parametrize("week", [0, 4, 8])
def test_demo_backtested_weeks_are_the_nested_pick_and_forecast_quarter(demo, demo_forecast, week):
    """At weeks 0, 4 and 8 the figure is the backtest's own out-of-sample pick for 2026Q3
    (nested_choice) and what forecast_quarter gives on that day from the 7 quarters before."""
    weeks = demo_forecast.weekly.finished.weeks.set_index("week")
    bt = demo_forecast.backtests[week]
    if "2026Q3" not in set(bt.attrs["nested"]["quarter"]):  # the rule picked no method then
        assert week not in weeks.index
        return
    row = weeks.loc[week]
    nested = bt.attrs["nested"].set_index("quarter").loc["2026Q3"]
    assert row["method"] == nested["method"]
    assert row["point"] == pytest.approx(nested["forecast"])
    fc = forecast.forecast_quarter(demo, quarter="2026Q3", as_of=row["as_of"], backtest_quarters=7)
    assert fc.attrs["recommended"] == row["method"]
    mine = fc.set_index("method").loc[row["method"]]
    assert row["point"] == pytest.approx(mine["point"])
    assert (row["lo80"], row["hi80"]) == pytest.approx((mine["lo80"], mine["hi80"]))


@pytest.mark.xdist_group("forecast")
def test_demo_quarter_forecast_is_one_point_and_the_headline(demo_forecast):
    line = demo_forecast.weekly.current
    assert line.quarter == "2026Q4" and len(line.weeks) == 1
    assert len(line.chart) == 0 and len(line.table) == 0
    rec = demo_forecast.forecasts.set_index("method").loc[demo_forecast.recommendation.method]
    assert line.weeks["point"].iloc[0] == pytest.approx(rec["point"])
    assert line.sentence.startswith("On 2026-09-30, week 0 of 2026Q4, the forecast is ")
    assert "no line to draw yet" in line.sentence


@pytest.mark.xdist_group("forecast")
def test_demo_week_between_backtests_is_forecast_quarter_of_its_method(demo, demo_forecast):
    """Week 5 (no backtest there): the week-4 pick, run on week 5's date alone."""
    row = demo_forecast.weekly.finished.weeks.set_index("week").loc[5]
    assert row["backtest_week"] == 4 and row["as_of"] == pd.Timestamp("2026-08-04")
    week4 = forecast.recommend(wk.before(demo_forecast.backtests[4], "2026Q3"))
    assert row["method"] == week4
    if week4 == "ensemble":
        pytest.skip("the blend's figure depends on its weights: checked at the backtested weeks")
    fc = forecast.forecast_quarter(demo, quarter="2026Q3", as_of=row["as_of"], methods=(week4,))
    assert row["point"] == pytest.approx(float(fc["point"].iloc[0]))


@pytest.mark.parametrize(
    ("tested", "words"),
    [
        (0, "no quarter before it could be backtested, and a method is recommended from 3 on."),
        (
            2,
            "only 2 quarters before it could be backtested, and a method is recommended from 3 on.",
        ),
        (
            3,
            "of the 3 quarters before it backtested, no method that may be recommended was "
            "tested on 3 or more.",
        ),
    ],
)
def test_missing_sentence_says_what_the_backtest_lacked(tested, words):
    assert rw.missing_sentence("2017Q4", tested) == f"No forecast by week for 2017Q4: {words}"


def _line(quarter, weeks, sentence="s"):
    from salesops_lib.reports.tables import Table

    return rw.QuarterLine(
        quarter, weeks, None, None, 14, sentence, None, "", weeks, Table(weeks, rw.SPEC, "", "USD")
    )


def test_section_sentence_with_and_without_weeks():
    some, none = _weeks([1.0, 2.0]), _weeks([1.0]).iloc[:0]
    both = rw.section_sentence(_line("2026Q3", some), _line("2026Q4", some.iloc[:1]))
    assert both.startswith("The recommended forecast of 2026Q3, the quarter just finished,")
    empty = rw.Weekly(_line("2017Q4", none, "missing"), _line("2018Q1", none), "x")
    assert empty.lines == []
    assert rw.section_sentence(empty.finished, empty.current) == "missing"
    assert rw.section_sentence(None, _line("2026Q4", some)) == (
        "The recommended forecast of 2026Q4, the quarter forecast, each week so far."
    )


def test_first_and_second_are_blank_when_nothing_is_shown():
    none = _weeks([1.0]).iloc[:0]
    empty = rw.Weekly(_line("2017Q4", none, "missing"), _line("2018Q1", none), "missing")
    assert empty.first.sentence == "" and len(empty.first.chart) == 0
    assert len(empty.second.table) == 0
    one = rw.Weekly(None, _line("2026Q4", _weeks([1.0])), "x")
    assert one.first.quarter == "2026Q4" and one.second.quarter == ""


def test_picture_is_the_chart_as_html_or_nothing():
    from salesops_lib.render import page

    w = _weeks([10.0, 11.0])
    html = page.picture(plots.forecast_by_week, w, title="Forecast by week", quota=12.0).data
    assert html.startswith('<img class="chart"') and 'alt="Forecast by week"' in html
    assert page.picture(plots.forecast_by_week, w.iloc[:0], title="t").data == ""
