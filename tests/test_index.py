"""The run's index page: its tiles' terms are defined, and only the terms it shows."""

from __future__ import annotations

import pandas as pd

from salesops_lib import load_dataset
from salesops_lib.run.index import headline_figures, index_definitions

from .conftest import FIXTURES


def test_index_defines_goal_and_quota_terms_only_with_quotas():
    data = load_dataset(FIXTURES / "salesforce_export", preset="salesforce")  # no quotas
    head = headline_figures(data, "2026Q1", pd.Timestamp("2026-03-31"))
    pipeline = next(t for t in head["items"] if t["label"] == "Open pipeline")
    assert "its gap to the goal" in pipeline["detail"]
    assert head["raw"]["quota"] is None
    terms = index_definitions(head["raw"]["quota"] is not None)
    assert "Goal" in terms and "average quarterly bookings" in terms["Goal"]
    assert "Quota" not in terms and "Attainment" not in terms
    assert [t["label"] for t in head["items"]] == ["Bookings", "Win rate", "Open pipeline"]
    with_quota = index_definitions(True)
    assert list(with_quota)[:3] == ["Bookings", "Quota", "Attainment"]
    assert "Goal" in with_quota
