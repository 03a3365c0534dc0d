"""Charts: the returned Axes (labels, number of bars and lines), not pixels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from salesops_lib.render import plots

# ---------------------------------------------------------------------------------------
# reports 02 and 06


def _bars(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() != 0]


def test_stage_funnel_names_stages_on_the_x_axis():
    frame = pd.DataFrame(
        {
            "group": ["SMB"] * 3 + ["Enterprise"] * 3,
            "stage": ["Prospecting", "Discovery", "Won"] * 2,
            "cumulative_rate": [1.0, 0.6, 0.3, 1.0, 0.5, 0.2],
        }
    )
    ax = plots.stage_funnel(frame, title="2026Q3: 25% won")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Prospecting", "Discovery", "Won"]
    assert len(ax.get_lines()) == 2
    assert ax.get_xlabel() == "Stage reached" and ax.get_title() == "2026Q3: 25% won"


def test_waterfall_h_has_one_labelled_bar_per_step():
    steps = ["start", "created", "pulled_in", "amount_change", "won", "lost", "slipped_out", "end"]
    mv = pd.DataFrame(
        {
            "step": steps,
            "amount": [100.0, 30.0, 10.0, -5.0, -40.0, -50.0, -10.0, 35.0],
            "label": [s.replace("_", " ").capitalize() for s in steps],
        }
    )
    ax = plots.waterfall_h(mv, title="t")
    assert len(_bars(ax)) == 8
    ticks = sorted(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True))
    assert [name for _, name in ticks][::-1] == list(mv["label"])  # first step at the top
    assert len(ax.texts) == 8  # one amount per bar, beside it
    xs = [t.xy[0] for t in ax.texts]
    ends = sorted(b.get_x() + b.get_width() for b in _bars(ax))
    assert sorted(xs) == ends  # each amount sits at the end of its own bar


def test_paired_hbar_draws_two_bars_per_team():
    frame = pd.DataFrame({"team": ["A", "B", "C"], "x": [1.1, 0.997, 0.5], "y": [0.5, np.nan, 1.2]})
    ax = plots.paired_hbar(
        frame, label="team", values={"x": "Created", "y": "Open"}, target=1.0, title="t"
    )
    assert len(_bars(ax)) == 5  # the missing value draws no bar
    ticks = sorted(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True))
    assert [name for _, name in ticks][::-1] == ["A", "B", "C"]  # first row at the top
    assert "99.7%" in [t.get_text() for t in ax.texts]  # just short never reads as 100%
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Created", "Open"]


def test_gap_heatmap_names_the_steps_and_writes_points():
    m = pd.DataFrame(
        [[0.05, -0.1], [np.nan, 0.02]],
        index=["Ann", "Bo"],
        columns=["Discovery → Proposal", "Proposal → Won"],
    )
    ax = plots.gap_heatmap(m, title="t")
    assert [t.get_text() for t in ax.get_xticklabels()] == list(m.columns)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Ann", "Bo"]
    written = [t.get_text() for t in ax.texts if t.get_text()]
    assert sorted(written) == sorted(["+5", "-10", "+2"])


def test_peer_distribution_one_row_per_group():
    frame = pd.DataFrame({"peer_group": ["A"] * 3 + ["B"] * 3, "v": [1.0, 1.2, 0.9, 0.5, 0.6, 0.4]})
    ax = plots.peer_distribution(frame, value="v", group="peer_group", title="t", xlabel="x")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B"]  # highest median first
    assert ax.get_xlabel() == "x"


def test_peer_distribution_draws_the_same_dots_every_time():
    frame = pd.DataFrame({"peer_group": ["A"] * 3 + ["B"] * 3, "v": [1.0, 1.2, 0.9, 0.5, 0.6, 0.4]})

    def dots() -> np.ndarray:
        ax = plots.peer_distribution(frame, value="v", group="peer_group", title="t")
        return np.vstack([c.get_offsets() for c in ax.collections if len(c.get_offsets())])

    first, second = dots(), dots()
    assert first.shape == (6, 2)
    np.testing.assert_array_equal(first, second)
    # every dot sits on its group's row (A at 0, B at 1), within the jitter
    rows = np.where(first[:, 0] >= 0.9, 0.0, 1.0)
    assert np.all(np.abs(first[:, 1] - rows) <= 0.15)


# ---------------------------------------------------------------------------------------
# reports 03 and 07


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


def test_lines_by_gives_ten_methods_ten_colours_and_keeps_the_legend_off_the_lines():
    # the forecasting backtest draws 10 methods: the 8-colour palette gave two pairs one colour
    acc = pd.DataFrame(
        {
            "week": [0, 4, 8] * 10,
            "label": [f"Method {i}" for i in range(10) for _ in range(3)],
            "wape": [0.05 + 0.01 * i for i in range(10) for _ in range(3)],
        }
    )
    ax = plots.lines_by(acc, x="week", y="wape", hue="label", title="t", xlabel="W", ylabel="E")
    colours = [line.get_color() for line in ax.get_lines()]
    assert len(colours) == 10 and len(set(colours)) == 10
    assert plots.line_colours(3) == plots.PALETTE[:3]
    # the legend sits right of the axes (anchored at x > 1 in axes coordinates)
    legend = ax.get_legend()
    assert legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted()).x0 > 1.0


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


# ---------------------------------------------------------------------------------------
# reports 04 and 05


def _curves() -> pd.DataFrame:
    x = np.linspace(0, 3, 50)
    return pd.concat(
        [
            pd.DataFrame({"plan": "A", "attainment": x, "payout_pct": x, "current": True}),
            pd.DataFrame({"plan": "B", "attainment": x, "payout_pct": 1.5 * x, "current": False}),
        ],
        ignore_index=True,
    )


def test_payout_curves_one_line_per_plan_and_reps_as_points():
    points = pd.DataFrame(
        {"plan": ["A", "A", "A"], "attainment": [0.5, 1, 2], "payout_pct": [0.5, 1, 2]}
    )
    ax = plots.payout_curves(_curves(), points=points, title="Plans at 200%")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["A (current)", "B (candidate)"]
    assert len(ax.collections) == 1 and len(ax.collections[0].get_offsets()) == 3
    assert ax.get_xlabel() == "Attainment (bookings ÷ quota)"
    assert ax.get_ylabel() == "Variable pay as a share of target pay"
    assert ax.get_title() == "Plans at 200%"
    # without reps: the curves alone
    assert len(plots.payout_curves(_curves(), title="t").collections) == 0


def test_pay_vs_bookings_colours_plans_as_the_curves_do():
    frame = pd.DataFrame(
        {"plan": ["B", "B", "B"], "bookings": [1e5, 2e5, 3e5], "variable_pay": [1e4, 2e4, 2.5e4]}
    )
    ax = plots.pay_vs_bookings(frame, title="Pay against bookings", order=["A", "B"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["B"]
    colour = ax.collections[0].get_facecolor()[0][:3]
    assert np.allclose(colour, plots.mpl.colors.to_rgb(plots.PALETTE[1]))  # B is the second plan
    assert (
        ax.get_xlabel() == "Bookings this quarter"
        and ax.get_ylabel() == "Variable pay this quarter"
    )


def test_distribution_counts_reps():
    frame = pd.DataFrame({"bookings": [0.0, 1e4, 2e4, 2e4, 5e4, 9e4]})
    ax = plots.distribution(
        frame, value="bookings", title="Bookings per rep", xlabel="Bookings per rep"
    )
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights) == 6
    assert ax.get_ylabel() == "Reps" and ax.get_xlabel() == "Bookings per rep"


# ---------------------------------------------------------------------------------------
# reports 02 and 06: zero as 0, labels apart, one ramp curve per segment


def test_gap_heatmap_writes_zero_as_zero_in_legible_text():
    m = pd.DataFrame(
        [[0.004, -0.004], [0.0, -0.05]], index=["Ann", "Bo"], columns=["A → B", "B → Won"]
    )
    ax = plots.gap_heatmap(m, title="t")
    written = [t.get_text() for t in ax.texts if t.get_text()]
    assert sorted(written) == sorted(["0", "0", "0", "-5"])  # never "+0" or "-0"
    assert min(t.get_fontsize() for t in ax.texts) >= 10
    assert min(t.get_fontsize() for t in ax.get_yticklabels()) >= 10
    colorbar = ax.figure.axes[-1]
    ticks = [colorbar.yaxis.get_major_formatter()(v, 0) for v in (-0.001, 0.0, 0.05)]
    assert ticks == ["0 points", "0 points", "+5 points"]


def test_stage_funnel_end_labels_do_not_overlap():
    frame = pd.DataFrame(
        {
            "group": ["Enterprise"] * 3 + ["Mid-Market"] * 3 + ["SMB"] * 3,
            "stage": ["Prospecting", "Negotiation", "Won"] * 3,
            "cumulative_rate": [1.0, 0.33, 0.27, 1.0, 0.34, 0.28, 1.0, 0.32, 0.274],
        }
    )
    ax = plots.stage_funnel(frame, title="t")
    ys = sorted(t.xyann[1] for t in ax.texts)
    assert len(ys) == 3 and min(np.diff(ys)) >= 0.045 - 1e-9  # apart by a label's height
    assert sorted(t.get_text() for t in ax.texts) == ["27%", "27%", "28%"]


def test_tenure_curves_one_line_and_dashed_average_per_segment_legend_below():
    curve = pd.DataFrame(
        {
            "group": ["Enterprise"] * 3 + ["SMB"] * 3,
            "tenure_month": [0, 1, 2] * 2,
            "bookings_per_rep": [0.0, 100.0, 250.0, 0.0, 20.0, 50.0],
        }
    )
    refs = pd.DataFrame({"veteran_monthly": [290.0, 55.0]}, index=["Enterprise", "SMB"])
    ax = plots.tenure_curves(curve, references=refs, title="t")
    lines = ax.get_lines()
    assert len(lines) == 4  # a curve and a dashed ramped average per segment
    dashed = [ln for ln in lines if ln.get_linestyle() == "--"]
    assert sorted(ln.get_ydata()[0] for ln in dashed) == [55.0, 290.0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "SMB: ramped average" in labels and "Enterprise: new hires" in labels
    assert ax.get_legend().get_bbox_to_anchor().y0 < ax.get_window_extent().y0  # below the axes
    assert ax.get_xlabel() == "Month of tenure"


def test_forecast_ranges_draws_the_quarters_goal_as_a_line():
    frame = pd.DataFrame(
        {
            "method": ["Pipeline by age", "Rep call"],
            "point": [22.8e6, 11.6e6],
            "lo80": [20e6, 11.6e6],
            "hi80": [25e6, 24.9e6],
            "lo95": [19e6, 11.6e6],
            "hi95": [26e6, 24.9e6],
        }
    )
    ax = plots.forecast_ranges(
        frame, booked=0.0, recommended="", title="t", goal=35.6e6, goal_label="goal $35.6M (quota)"
    )
    xs = [line.get_xdata()[0] for line in ax.get_lines()]
    assert 35.6e6 in xs and 0.0 in xs  # the goal and booked-so-far lines
    assert "goal $35.6M (quota)" in [t.get_text() for t in ax.texts]
    assert ax.get_xlim()[1] > 35.6e6  # the goal is on the chart
    none = plots.forecast_ranges(frame, booked=0.0, recommended="", title="t")
    assert len(none.get_lines()) == 1


def test_bookings_vs_quota_draws_a_trend_line_and_slants_many_quarters():
    quarters = [f"{y}Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)]
    frame = pd.DataFrame(
        {
            "quarter": quarters,
            "bookings": np.arange(8) * 1e3,
            "trend": [*np.arange(7) * 1e3, np.nan],
        }
    )
    ax = plots.bookings_vs_quota(
        frame, title="t", line="trend", line_label="Trend (complete quarters)"
    )
    assert len([p for p in ax.patches if isinstance(p, Rectangle)]) == 8
    assert [line.get_label() for line in ax.get_lines()] == ["Trend (complete quarters)"]
    assert [t.get_text() for t in ax.get_xticklabels()] == quarters
    assert ax.get_xticklabels()[0].get_rotation() == 45
    few = plots.bookings_vs_quota(frame.head(4).assign(quota=np.nan), title="t")
    assert few.get_lines() == [] and few.get_xticklabels()[0].get_rotation() == 0


def test_rate_lines_on_a_narrow_range_label_every_tick_apart():
    import matplotlib.pyplot as plt

    trend = pd.DataFrame(
        {"label": [f"2017Q{i}" for i in range(1, 5)], "win_rate": [0.6034, 0.6171, 0.6102, 0.6088]}
    )
    ax = plots.rate_lines(trend, columns={"win_rate": "Win rate"}, label="label", title="t")
    ax.figure.canvas.draw()
    lo, hi = ax.get_ylim()
    labels = [
        t.get_text()
        for t, v in zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)
        if lo <= v <= hi
    ]
    assert len(labels) >= 3 and len(set(labels)) == len(labels), labels
    for text, v in zip(labels, [v for v in ax.get_yticks() if lo <= v <= hi], strict=True):
        assert float(text.rstrip("%")) == pytest.approx(v * 100, abs=1e-6)  # exact, not rounded
    assert [t.get_text() for t in ax.texts] == ["60.3%", "61.7%", "61.0%", "60.9%"]
    assert plots.PctTicks().format_ticks([0.2, 0.4, 0.6]) == ["20%", "40%", "60%"]
    plt.close(ax.figure)


def test_win_rate_funnel_draws_each_rep_against_their_own_peer_group():
    """Dots are the gap to the rep's own group's rate; a dot beyond its own bar is a verdict."""
    from scipy import stats

    from salesops_lib.analysis import reps as bench

    # two peer groups far apart (20% and 60%): a company-wide band would misplace both
    won = [30, 10, 20, 30, 62, 60, 2]
    closed = [100, 100, 100, 100, 100, 100, 4]
    peer = [0.2, 0.2, 0.2, 0.6, 0.6, 0.6, 0.4]
    lo = [stats.binom.ppf(0.025, n, p) / n for n, p in zip(closed, peer, strict=True)]
    hi = [stats.binom.ppf(0.975, n, p) / n for n, p in zip(closed, peer, strict=True)]
    rate = np.array(won) / np.array(closed)
    flag = np.select(
        [rate > np.array(hi), rate < np.array(lo)], ["above peers", "below peers"], "within chance"
    ).astype(object)
    flag[-1] = bench.TOO_FEW_PEERS
    ranking = pd.DataFrame(
        {
            "closed": closed,
            "win_rate": rate,
            "peer_win_rate": peer,
            "funnel_lo": lo,
            "funnel_hi": hi,
            "flag": flag,
        }
    )
    # 30% against a 20% group is above (its band tops out near 28%), 30% against 60% below
    assert flag[:6].tolist() == [
        "above peers",
        "below peers",
        "within chance",
        "below peers",
        "within chance",
        "within chance",
    ]
    ax = plots.funnel(ranking, title="t")
    bars = ax.collections[0].get_segments()
    assert len(bars) == 6  # one bar per judged rep, none for the rep without a verdict
    for i, b in enumerate(bars):
        assert b[0][1] == pytest.approx((lo[i] - peer[i]) * 100)
        assert b[1][1] == pytest.approx((hi[i] - peer[i]) * 100)
        # every verdict agrees with where the rep's dot sits against the rep's own bar
        gap = (rate[i] - peer[i]) * 100
        assert (flag[i] == "above peers") == (gap > b[1][1])
        assert (flag[i] == "below peers") == (gap < b[0][1])
    dots = {str(c.get_label()): c.get_offsets() for c in ax.collections[1:] if len(c.get_offsets())}
    assert dots["above peers"].tolist() == [[100, pytest.approx(10.0)]]
    assert sorted(y for _, y in dots["below peers"].tolist()) == pytest.approx([-30.0, -10.0])
    assert sorted(y for _, y in dots["within chance"].tolist()) == pytest.approx([0.0, 0.0, 2.0])
    assert dots["no verdict: too few peers (against all reps)"].tolist() == [
        [4, pytest.approx(10.0)]
    ]
    assert ax.get_ylabel() == "Win rate minus the peer group's (points)"
