"""Comp plans: payouts by hand at every edge, properties, statements and exports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_lib.analysis import comp
from salesops_lib.config import load_config
from salesops_lib.errors import ConfigError

TIERS = [
    {"from": 0.0, "to": 1.0, "rate": 1.0},
    {"from": 1.0, "to": 1.5, "rate": 1.5},
    {"from": 1.5, "to": None, "rate": 2.0},
]
BASE = {
    "name": "AE",
    "ote": 200_000,
    "base_share": 0.5,
    "threshold": 0.5,
    "cap": 2.0,
    "tiers": TIERS,
}  # target 25,000 a quarter

MARGINAL = [
    (0.0, 0.0),
    (0.49, 0.0),
    (0.5, 12_500.0),
    (1.0, 25_000.0),
    (1.2, 32_500.0),
    (1.5, 43_750.0),
    (1.6, 48_750.0),
    (2.0, 68_750.0),
    (3.0, 68_750.0),
]
RETROACTIVE = [
    (0.0, 0.0),
    (0.49, 0.0),
    (0.5, 12_500.0),
    (1.0, 25_000.0),
    (1.2, 45_000.0),
    (1.5, 56_250.0),
    (1.6, 80_000.0),
    (2.0, 100_000.0),
    (3.0, 100_000.0),
]


@pytest.mark.parametrize(("attainment", "expected"), MARGINAL)
def test_marginal_payout_by_hand(attainment, expected):
    plan = comp.CompPlan.from_dict({**BASE, "mode": "marginal"})
    assert plan.quarterly_target == 25_000
    assert plan.payout([attainment])[0] == pytest.approx(expected)


@pytest.mark.parametrize(("attainment", "expected"), RETROACTIVE)
def test_retroactive_payout_by_hand(attainment, expected):
    plan = comp.CompPlan.from_dict({**BASE, "mode": "retroactive"})
    assert plan.payout([attainment])[0] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("attainment", "expected"),
    [(0.0, 0.0), (0.8, 20_000.0), (1.0, 25_000.0), (1.4, 30_000.0), (2.0, 37_500.0)],
)
def test_decelerator_marginal_by_hand(attainment, expected):
    plan = comp.CompPlan.from_dict(
        {
            "name": "D",
            "ote": 200_000,
            "base_share": 0.5,
            "tiers": [{"from": 0, "to": 1.0, "rate": 1.0}, {"from": 1.0, "to": None, "rate": 0.5}],
        }
    )
    assert plan.payout([attainment])[0] == pytest.approx(expected)


def test_exactly_100_percent_pays_the_lower_tier_rate():
    plan = comp.CompPlan.from_dict({**BASE, "mode": "retroactive", "threshold": None, "cap": None})
    pay = plan.tier_pay([1.0])[0]
    assert pay[0] == pytest.approx(25_000) and pay[1] == 0 and pay[2] == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {
                "mode": "retroactive",
                "tiers": [{"from": 0, "to": 1, "rate": 1.0}, {"from": 1, "to": None, "rate": 0.5}],
            },
            "decelerator",
        ),
        (
            {"tiers": [{"from": 0, "to": 1, "rate": 1.0}, {"from": 1.2, "to": None, "rate": 2}]},
            "gaps",
        ),
        ({"tiers": [{"from": 0.1, "to": None, "rate": 1.0}]}, "start at 0"),
        ({"mode": "sideways"}, "mode"),
        ({"weights": {"bookings": 0.5}}, "sum to 1"),
        ({"base_share": 1.2}, "base_share"),
    ],
)
def test_invalid_plans_are_config_errors(change, message):
    with pytest.raises(ConfigError, match=message):
        comp.CompPlan.from_dict({**BASE, **change})


@st.composite
def plans(draw):
    n = draw(st.integers(1, 4))
    cuts = sorted(
        set(draw(st.lists(st.floats(0.1, 3.0, allow_nan=False), min_size=n - 1, max_size=n - 1)))
    )
    edges = [0.0, *cuts]
    mode = draw(st.sampled_from(["marginal", "retroactive"]))
    rates = draw(
        st.lists(st.floats(0.0, 4.0, allow_nan=False), min_size=len(edges), max_size=len(edges))
    )
    if mode == "retroactive":
        rates = sorted(rates)
    tiers = [
        {"from": a, "to": b, "rate": r}
        for a, b, r in zip(edges, edges[1:] + [None], rates, strict=True)
    ]
    threshold = draw(st.one_of(st.none(), st.floats(0.0, 1.0)))
    cap = draw(st.one_of(st.none(), st.floats(1.0, 4.0)))
    return comp.CompPlan.from_dict(
        {
            "name": "P",
            "ote": draw(st.floats(50_000, 500_000)),
            "base_share": draw(st.floats(0.2, 0.8)),
            "mode": mode,
            "tiers": tiers,
            "threshold": threshold,
            "cap": cap,
        }
    )


@settings(max_examples=200, deadline=None)
@given(plans(), st.lists(st.floats(0.0, 6.0, allow_nan=False), min_size=1, max_size=40))
def test_payout_properties(plan, attainments):
    a = np.sort(np.array(attainments))
    pay = plan.payout(a)
    assert (pay >= 0).all()
    assert (np.diff(pay) >= -1e-6 * max(1.0, pay.max())).all(), "payout fell as attainment rose"
    if plan.cap is not None:
        assert (pay <= plan.payout([plan.cap])[0] + 1e-6).all()


@pytest.fixture(scope="module")
def demo_plans(demo_dir):
    return comp.load_plans(load_config(demo_dir / "salesops.toml"))


def test_demo_config_ships_two_plans_per_role(demo_plans):
    roles = pd.Series([r for p in demo_plans for r in p.roles]).value_counts()
    assert (roles >= 2).all() and len(comp.current_plans(demo_plans)) == 2


def test_statement_totals_equal_the_sum_of_parts(demo, demo_plans):
    stt = comp.statements(demo, comp.current_plans(demo_plans), quarter="2026Q3")
    tiers = stt.filter(like="pay_tier_")
    assert np.allclose(stt["variable_pay"], tiers.sum(axis=1))
    assert np.allclose(stt["total_pay"], stt["base"] + stt["variable_pay"] + stt["spiffs"])
    assert np.allclose(stt["attainment"], stt["bookings"] / stt["quota"])
    plan_by_name = {p.name: p for p in demo_plans}
    for row in stt.head(10).itertuples():
        assert row.variable_pay == pytest.approx(plan_by_name[row.plan].payout([row.attainment])[0])


def test_spiffs_by_hand(demo, demo_plans):
    stt = comp.statements(demo, comp.current_plans(demo_plans), quarter="2026Q3").set_index(
        "rep_id"
    )
    o = demo.opportunities
    won = o[
        o["is_won"].astype(bool)
        & (o["close_date"] >= "2026-07-01")
        & (o["close_date"] <= "2026-09-30")
    ]
    commercial = demo.reps.set_index("rep_id")["role"] == "Commercial AE"
    suite = (
        won[(won["product"] == "Suite") & won["rep_id"].map(commercial).fillna(False)]
        .groupby("rep_id")
        .size()
        * 500
    )
    for rep, expected in suite.items():
        if rep in stt.index:
            assert stt.loc[rep, "spiffs"] == pytest.approx(expected)


def test_excel_matches_csv(demo, demo_plans, tmp_path):
    import openpyxl

    stt = comp.statements(demo, comp.current_plans(demo_plans), quarter="2026Q3")
    csv_path, xlsx_path = comp.write_statements(stt, str(tmp_path), "statements")
    csv = pd.read_csv(csv_path, dtype={"rep_id": str})
    book = openpyxl.load_workbook(xlsx_path)
    assert len(book.sheetnames) == stt["team"].nunique()
    sheets = pd.concat(
        [pd.read_excel(xlsx_path, sheet_name=s, dtype={"rep_id": str}) for s in book.sheetnames],
        ignore_index=True,
    )
    a = csv.sort_values("rep_id").reset_index(drop=True)
    b = sheets.sort_values("rep_id").reset_index(drop=True)[a.columns]
    pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=False, rtol=1e-9)


def test_replay_compares_candidates(demo, demo_plans):
    r = comp.replay(demo, demo_plans, quarters=["2026Q2", "2026Q3"])
    assert set(r.index) == {p.name for p in demo_plans}
    assert (r["cost_of_sales"] > 0).all() and (r["rank_correlation"] > 0.5).all()
    cur = r[r["current"]]
    stt = pd.concat(
        [
            comp.statements(demo, comp.current_plans(demo_plans), quarter=q)
            for q in ("2026Q2", "2026Q3")
        ]
    )
    assert cur["cost"].sum() == pytest.approx(stt["variable_pay"].sum() + stt["spiffs"].sum())
