"""Charts: the returned Axes (labels, number of bars and lines), not pixels."""

from __future__ import annotations

import numpy as np
import pandas as pd
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
