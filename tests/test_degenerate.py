"""Degenerate but real data: every report builds, and what cannot be computed is said.

Each case is a small hand-made company of 120 deals over nine quarters (with and without a
change log as history), narrowed to what real exports look like: won-only order histories,
a single stage, no lost deals, no owners, no amounts on lost deals.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.reports import (
    comp_plan,
    data_quality,
    forecasting,
    pipeline_health,
    quota_design,
    rep_benchmarking,
    team_visibility,
)
from salesops_lib.reports.base import no_lost_deals_sentence

BUILDERS = [
    team_visibility,
    rep_benchmarking,
    forecasting,
    quota_design,
    comp_plan,
    pipeline_health,
    data_quality,
]
LAST = pd.Timestamp("2026-03-31")


def company(case: str, rng: np.random.Generator) -> pd.DataFrame:
    n = 120
    created = pd.Timestamp("2024-01-03") + pd.to_timedelta(rng.integers(0, 800, n), unit="D")
    close = created + pd.to_timedelta(rng.integers(5, 90, n), unit="D")
    open_ = np.asarray(close > LAST)
    won = rng.random(n) < 0.5
    stage = np.where(open_, rng.choice(["Discovery", "Proposal"], n), np.where(won, "Won", "Lost"))
    amount = rng.integers(1, 50, n) * 1000.0
    rep = rng.choice(["r1", "r2", "r3", "r4"], n)
    if case == "won_only_orders":  # every deal an order: won, one stage, closed on creation
        stage, close = np.full(n, "Won"), created
    elif case == "single_open_stage":
        stage = np.where(open_, "Open", np.where(won, "Won", "Lost"))
    elif case == "no_lost_deals":
        stage = np.where(open_, stage, "Won")
    elif case == "no_owners":  # a default owner for every deal
        rep = np.full(n, "Unassigned")
    elif case == "no_amounts_on_lost":
        amount = np.where(stage == "Lost", np.nan, amount)
    return pd.DataFrame(
        {
            "opp_id": [f"o{i:03d}" for i in range(n)],
            "rep_id": rep,
            "stage": stage,
            "amount": amount,
            "created_date": pd.DatetimeIndex(created).date,
            "close_date": pd.DatetimeIndex(close).date,
        }
    )


def write(folder: Path, opps: pd.DataFrame, *, history: bool) -> dict:
    opps.to_csv(folder / "opportunities.csv", index=False)
    open_stages = sorted(set(opps["stage"]) - {"Won", "Lost"})
    cfg: dict = {
        "stages": [{"name": s} for s in open_stages]
        + [{"name": "Won", "closed": True, "won": True}, {"name": "Lost", "closed": True}]
    }
    if history:  # a change log: created in the first open stage, then closed
        rows = []
        for r in opps.itertuples():
            closed = r.stage in ("Won", "Lost")
            first = open_stages[0] if open_stages and closed else r.stage
            rows.append((r.created_date, r.opp_id, first, r.amount, r.close_date))
            if closed and first != r.stage:
                rows.append((r.close_date, r.opp_id, r.stage, r.amount, r.close_date))
        cols = ["snapshot_date", "opp_id", "stage", "amount", "close_date"]
        pd.DataFrame(rows, columns=cols).to_csv(folder / "history.csv", index=False)
        cfg["data"] = {"history": "changes", "export_date": str(LAST.date())}
    return cfg


CASES = ["won_only_orders", "single_open_stage", "no_lost_deals", "no_owners", "no_amounts_on_lost"]


RUNS = [(c, False) for c in CASES] + [("won_only_orders", True), ("single_open_stage", True)]


@pytest.mark.parametrize(
    ("case", "history"), RUNS, ids=[f"{c}-{'change_log' if h else 'export'}" for c, h in RUNS]
)
def test_every_report_builds_and_says_what_it_cannot_compute(case, history, tmp_path, rng):
    cfg = write(tmp_path, company(case, rng), history=history)
    data = load_dataset(tmp_path, config=cfg)
    quarter = data.latest_complete_quarter()
    for builder in BUILDERS:
        result = builder.build(data, quarter=quarter)
        for gap in result.gaps:  # each gap is one line naming what is missing
            assert gap.sentence.startswith("This needs ") and "\n" not in gap.sentence


@pytest.mark.parametrize("case", ["won_only_orders", "no_lost_deals"])
def test_a_win_rate_from_data_without_lost_deals_is_called_out(case, tmp_path, rng):
    opps = company(case, rng)
    data = load_dataset(tmp_path, config=write(tmp_path, opps, history=False))
    closed = int((opps["stage"] == "Won").sum())
    said = data.warnings[data.warnings["message"].str.startswith("no deal in the data is lost")]
    assert said["message"].tolist() == [
        f"no deal in the data is lost ({closed:,} closed, all won): every win rate reads 100% "
        "because lost deals are missing (an order history holds only orders), not because "
        "every deal was won; add the lost deals to measure winning"
    ]
    r = team_visibility.build(data, quarter=data.latest_complete_quarter())
    assert r.header.warnings is not None and len(r.header.warnings.frame)


def test_data_with_lost_deals_is_not_called_out(tmp_path, rng):
    data = load_dataset(tmp_path, config=write(tmp_path, company("base", rng), history=False))
    assert not data.warnings["message"].str.startswith("no deal in the data is lost").any()


NO_LOST = "No lost deals in the data, every closed deal won: the 100% win rate is not a finding."


@pytest.mark.parametrize(
    ("closed", "won", "said"),
    [
        ([True, True, False], [True, True, False], NO_LOST),  # all closed deals won
        ([True, True, False], [True, False, False], None),  # one lost
        ([False, False], [False, False], None),  # nothing closed: no win rate at all
        ([True], [True], NO_LOST),
    ],
)
def test_no_lost_deals_sentence(closed, won, said):
    opps = pd.DataFrame({"is_closed": closed, "is_won": won})
    assert no_lost_deals_sentence(opps) == said


def test_no_lost_deals_sentence_without_the_columns_says_nothing():
    assert no_lost_deals_sentence(pd.DataFrame({"opp_id": ["a"]})) is None


@pytest.mark.parametrize("case", ["won_only_orders", "no_lost_deals"])
def test_win_rates_say_beside_the_figure_that_no_deal_is_lost(case, tmp_path, rng):
    opps = company(case, rng)
    data = load_dataset(tmp_path, config=write(tmp_path, opps, history=False))
    quarter = data.latest_complete_quarter()
    start, end = data.calendar.bounds(quarter)
    closed = pd.to_datetime(opps["close_date"]).between(start, end) & opps["stage"].eq("Won")
    tile = {t.label: t for t in team_visibility.build(data, quarter=quarter).tiles}["Win rate"]
    assert tile.value == "100%"
    assert tile.detail == f"{int(closed.sum()):,} won of {int(closed.sum()):,} closed. {NO_LOST}"
    r = rep_benchmarking.build(data, quarter=quarter)
    for table, key in ((r.activity, "win_rate_trailing"), (r.ranking, "win_rate")):
        labels = {c.key: c.label for c in table.spec.columns}
        assert labels[key] == "Win rate (no lost deals in the data)"
        assert set(table.frame[key].dropna()) == {1.0}
    assert r.ranking_sentence is not None and r.ranking_sentence.startswith(NO_LOST + " ")
    if r.conversion_sentence is not None:
        assert r.conversion_sentence.endswith(" " + NO_LOST)


def test_win_rates_with_lost_deals_say_nothing_of_it(tmp_path, rng):
    data = load_dataset(tmp_path, config=write(tmp_path, company("base", rng), history=False))
    quarter = data.latest_complete_quarter()
    tile = {t.label: t for t in team_visibility.build(data, quarter=quarter).tiles}["Win rate"]
    assert "lost deals" not in tile.detail
    r = rep_benchmarking.build(data, quarter=quarter)
    assert {c.label for c in r.ranking.spec.columns} >= {"Win rate"}
    assert "No lost deals" not in (r.ranking_sentence or "")
    assert "No lost deals" not in (r.conversion_sentence or "")
