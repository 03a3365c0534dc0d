"""Charts return their Axes with labels a manager reads; they never show or save."""

from __future__ import annotations

import pandas as pd

from salesops_lib.render import plots


def test_forecast_ranges_marks_the_recommended_method_and_leaves_room_for_labels():
    frame = pd.DataFrame(
        {
            "method": ["Bookings trend", "Pipeline by stage and age", "Rep call"],
            "point": [26.5e6, 22.8e6, 4.3e6],
            "lo80": [25e6, 20e6, 0.0],
            "hi80": [28e6, 25e6, 12e6],
            "lo95": [24e6, 19e6, 0.0],
            "hi95": [29e6, 26e6, 12e6],
        }
    )
    ax = plots.forecast_ranges(
        frame, booked=0.0, recommended="Pipeline by stage and age", title="2026Q4"
    )
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Bookings trend", "Pipeline by stage and age (recommended)", "Rep call"]
    assert len(ax.collections[-1].get_offsets()) == 3  # one point per method
    assert ax.get_ylim()[1] >= 2.8  # the top point's label and "booked so far" fit below the title
    none = plots.forecast_ranges(frame, booked=0.0, recommended="", title="no backtest")
    assert not any("(recommended)" in t.get_text() for t in none.get_yticklabels())


def test_forecast_vs_actual_and_lines_by_for_the_backtest():
    bt = pd.DataFrame(
        {
            "quarter": ["2026Q1", "2026Q2"],
            "method": ["Deal-by-deal win model"] * 2,
            "forecast": [10.0, 12.0],
            "actual": [11.0, 12.5],
            "lo80": [9.0, 11.0],
            "hi80": [12.0, 13.0],
        }
    )
    ax = plots.forecast_vs_actual(bt, method="Deal-by-deal win model", title="t")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026Q1", "2026Q2"]
    assert "Deal-by-deal win model forecast" in [t.get_text() for t in ax.get_legend().get_texts()]
    acc = pd.DataFrame(
        {"week": [0, 4, 0, 4], "label": ["A", "A", "B", "B"], "wape": [0.1, 0.05, 0.2, 0.1]}
    )
    ax = plots.lines_by(
        acc, x="week", y="wape", hue="label", highlight="A", title="t", xlabel="Week", ylabel="WAPE"
    )
    assert len(ax.get_lines()) == 2 and ax.get_xlabel() == "Week"


def test_hbar_counts_problems_in_words():
    counts = pd.DataFrame({"label": ["Close date passed", "No account"], "deals": [263, 11]})
    ax = plots.hbar(
        counts,
        label="label",
        value="deals",
        kind="count",
        title="t",
        xlabel="Open deals with the problem",
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == ["No account", "Close date passed"]
    assert len(ax.patches) == 2 and ax.get_xlabel() == "Open deals with the problem"
