"""Charts: each plot function returns the Axes it drew, labelled in a manager's words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesops_lib.render import plots


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
