"""Report 05 (comp-plan evaluation): sentences on hand-made figures, the builder on a tiny company
with and without quotas or plans, and on the demo against pandas on the raw CSV files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.analysis import comp
from salesops_lib.config import load_config
from salesops_lib.reports import comp_plan as cp
from salesops_lib.reports.base import money_in

from .test_comp import OPPS_TINY, PLAN_TINY, QUOTAS_TINY, REPS_TINY
from .test_data import write

FMT = money_in("USD")
CANDIDATE = {
    **PLAN_TINY,
    "name": "AE steep",
    "tiers": [{"from": 0.0, "to": 1.0, "rate": 0.8}, {"from": 1.0, "to": None, "rate": 2.5}],
}
CONFIG = {"comp": {"plans": [{**PLAN_TINY, "current": True}, CANDIDATE]}}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cp")
    return load_dataset(write(folder, reps=REPS_TINY, opportunities=OPPS_TINY, quotas=QUOTAS_TINY))


@pytest.fixture(scope="module")
def tiny_no_quotas(tmp_path_factory):
    return load_dataset(
        write(tmp_path_factory.mktemp("cpn"), reps=REPS_TINY, opportunities=OPPS_TINY)
    )


@pytest.fixture(scope="module")
def tiny_report(tiny):
    return cp.build(tiny, quarter="2026Q3", config=CONFIG)


def _st(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {
        "rep_id": [f"r{i}" for i in range(n)],
        "rep_name": [f"Rep {i}" for i in range(n)],
        "team": ["East"] * n,
        "plan": ["AE"] * n,
        "inherited_deals": [0] * n,
        "inherited_bookings": [0.0] * n,
        "pay_from_inherited": [0.0] * n,
        "spiffs": [0.0] * n,
    }
    return pd.DataFrame(base | cols)


# ---- sentences ---------------------------------------------------------------------------------


def test_inherited_sentence_branches(tiny):
    none = _st(bookings=[100.0], payout_pct=[1.0])
    assert cp.inherited_sentence(none, tiny, FMT) == (
        "No rep's bookings this quarter come from inherited deals (deals created before their "
        "owner was hired, or reassigned to them)."
    )
    unpaid = _st(bookings=[100.0], payout_pct=[0.0], inherited_deals=[1], inherited_bookings=[40.0])
    assert cp.inherited_sentence(unpaid, tiny, FMT) == (
        "1 rep booked $40 on 1 deal they inherited (deals created before their owner was hired, "
        "or reassigned to them); none of the pay depends on them."
    )
    paid = _st(
        rep_id=["r2"],
        rep_name=["Bo"],
        bookings=[150_000.0],
        payout_pct=[3.42],
        inherited_deals=[2],
        inherited_bookings=[150_000.0],
        pay_from_inherited=[108_000.0],
    )
    assert cp.inherited_sentence(paid, tiny, FMT) == (
        "**$108K** of this quarter's variable pay and SPIFFs comes from inherited deals: 1 rep "
        "booked $150K on 2 deals they inherited (deals created before their owner was hired, or "
        "reassigned to them). The most: **Bo** (hired 2026-05-15) is paid 342% of target on $150K "
        "of bookings, all of it from 2 inherited deals; without them, $108K of that pay would not "
        "be earned."
    )


def test_cost_sentence_branches():
    metrics = {"cost_of_sales": 0.107}
    teams = pd.DataFrame({"team": ["East", "West"], "cost_of_sales": [0.118, 0.09]})
    assert cp.cost_sentence(metrics, teams) == (
        "Variable pay and SPIFFs cost **10.7%** of bookings; the most expensive team per dollar "
        "booked is **East** (11.8%)."
    )
    assert (
        cp.cost_sentence(metrics, teams.head(1))
        == "Variable pay and SPIFFs cost **10.7%** of bookings."
    )


def test_pay_sentence_names_each_plans_correlation():
    plan = comp.CompPlan.from_dict({**PLAN_TINY, "name": "AE", "spiffs": []})
    att = np.array([0.3, 0.8, 1.2, 2.0, 3.5])
    st = _st(bookings=att * 100.0, quota=[100.0] * 5, attainment=att, variable_pay=plan.payout(att))
    m = comp.plan_metrics(st, plans=[plan])
    r = np.corrcoef(st["bookings"], st["variable_pay"])[0, 1]
    assert cp.pay_sentence(st, m, [plan], FMT) == (
        f"Pay follows the dollars booked with a correlation of **{r:.2f}** under AE (1 means pay "
        f"rises in step with bookings). The top quarter of reps by attainment earn "
        f"**{m['top_quartile_share'] * 100:.0f}%** of variable pay; the 2 reps below 100% earn "
        f"{FMT(st['variable_pay'][:2].sum())}, and the 1 rep below the plan's threshold earns no "
        "variable pay."
    )


def test_tier_sentence_branches():
    tiers = pd.DataFrame(
        {
            "band": ["Below the 50% threshold", "Up to 100%", "At or above the 300% cap"],
            "reps": [1, 3, 2],
        }
    )
    assert cp.tier_sentence(tiers, {"reps": 6}) == (
        "**2 reps** of 6 are at or above their plan's cap, where more bookings earn no more pay; "
        "1 rep is below the threshold and earns no variable pay."
    )
    none = tiers.assign(reps=[0, 6, 0])
    assert cp.tier_sentence(none, {"reps": 6}) == (
        "No rep of 6 is at a cap, where more bookings would earn no more pay."
    )


def _what_if(corr_candidate: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "plan": ["Cur", "Cand"],
            "roles": ["AE", "AE"],
            "current": [True, False],
            "cost": [4.5e6, 4.0e6],
            "cost_of_sales": [0.11, 0.098],
            "pay_correlation": [0.80, corr_candidate],
        }
    ).set_index("plan")


def test_replay_sentence_branches():
    q4 = ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert cp.replay_sentence(_what_if(0.70), q4, FMT) == (
        "Replaying 4 quarters (2025Q4–2026Q3) of real deals: for AE, **Cand** would have cost "
        "$4.0M (9.8% of bookings) against $4.5M (11.0%) under the current Cur, with pay following "
        "bookings less closely (0.70 against 0.80)."
    )
    assert "more closely (0.90 against 0.80)" in cp.replay_sentence(_what_if(0.90), q4, FMT)
    assert "about as closely (0.81 against 0.80)" in cp.replay_sentence(_what_if(0.81), q4, FMT)
    assert cp.replay_sentence(_what_if(0.8), ["2026Q3"], FMT).startswith(
        "Replaying the only quarter of the last four that has quotas (2026Q3): "
    )
    only = _what_if(0.8).loc[["Cur"]]
    assert cp.replay_sentence(only, q4, FMT).endswith(
        "the config has no candidate beside the current plans."
    )


def test_ahead_sentence_branches():
    base = comp.NextQuarterCost(
        "2026Q4", "2026Q4", "pipeline", 22.8e6, 20.6e6, 25e6, 2e6, 1.8e6, 2e6, 2.3e6
    )
    assert cp.ahead_sentence(base, FMT) == (
        "With 2026Q4 bookings forecast at $22.8M by the pipeline method (80% range $20.6M–$25.0M), "
        "the current plans' variable pay would most likely be **$2.0M** with a simulated 80% "
        "range of $1.8M–$2.3M (Monte Carlo over the forecast and each rep's share of it)."
    )
    flat = comp.NextQuarterCost("2026Q4", "2026Q3", "pipeline", 3e4, 3e4, 3e4, 0.0, 0.0, 0.0, 0.0)
    assert cp.ahead_sentence(flat, FMT) == (
        "With 2026Q4 bookings forecast at $30.0K by the pipeline method, the current plans' "
        "variable pay would be **$0** against 2026Q3's quotas, as 2026Q4 has none yet, in every "
        "simulated outcome (Monte Carlo over the forecast and each rep's share of it)."
    )
    assert cp.ahead_sentence(None, FMT) is None


def test_no_quota_sentences():
    on_target = pd.DataFrame(
        {"plan": ["AE"], "reps": [3], "variable_target": [25e3], "cost": [75e3]}
    )
    assert cp.on_target_sentence(on_target, 300e3, "2026Q3", FMT) == (
        "Without quotas no rep's pay can be worked out; if every one of the 3 reps the current "
        "plans cover were exactly at quota, variable pay would be **$75.0K** for 2026Q3, 25.0% "
        "of the quarter's bookings ($300K)."
    )
    kpi = pd.DataFrame({"bookings": [100.0, 0.0, 50.0], "won": [2, 0, 1]})
    assert cp.booked_sentence(kpi, "2026Q3", FMT, plans=False, quotas=False) == (
        "2026Q3's bookings are **$150** from 3 deals won by 2 of 3 reps: what pay is computed "
        "from once the data has comp plans and quotas."
    )
    side = pd.DataFrame({"plan": ["A", "B"], "at_2.0": [2.6, 3.05]})
    assert cp.side_sentence(side) == (
        "Without quotas the plans cannot be replayed on real deals; at the same attainment they "
        "part most at the top: at 200%, **B** pays 305% of target pay and **A** 260%."
    )
    assert cp.side_sentence(side.head(1)) is None


# ---- the builder on a tiny company -------------------------------------------------------------


def test_tiny_statements_flag_inherited_pay(tiny_report):
    r = tiny_report
    assert r.status == "Ready"
    st = r.statements.frame.set_index("rep_id")
    assert st.loc["r2", "inherited_bookings"] == 100_000 and st.loc["r2", "pay_from_inherited"] > 0
    assert "Pay from inherited deals" in r.statements.spec.labels
    assert "Pay from inherited deals" in r.statement_view.spec.labels
    assert len(r.statement_view.spec.columns) <= 9
    assert r.inherited_sentence.startswith(
        f"**{FMT(st['pay_from_inherited'].sum())}** of this quarter's variable pay and SPIFFs comes "
        "from inherited deals: 2 reps booked $180K on 3 deals they inherited"
    )
    assert "**Bo** (hired 2026-05-15)" in r.inherited_sentence
    assert r.findings[0].at_stake == pytest.approx(st["pay_from_inherited"].sum())


def test_tiny_statements_written_from_the_table(tiny_report, tmp_path):
    from salesops_lib.render import page

    r = tiny_report
    html = page.handout(
        r.statements, str(tmp_path), "05_comp_plan_statements", r.statements_what
    ).data
    assert "05_comp_plan_statements.xlsx" in html
    csv = pd.read_csv(tmp_path / "05_comp_plan_statements.csv", dtype={"Rep id": str})
    pd.testing.assert_frame_equal(
        csv, r.statements.labelled(), check_dtype=False, check_exact=False, rtol=1e-9
    )


def test_tiny_tiers_and_replay(tiny_report):
    r = tiny_report
    assert r.tiers.frame["reps"].sum() == len(r.statements.frame)
    assert r.replay_quarters == ["2026Q3"]
    assert set(r.replay.frame["plan"]) == {"AE", "AE steep"}
    assert r.replay_sentence.startswith(
        "Replaying the only quarter of the last four that has quotas (2026Q3): for every role, "
        "**AE steep** would have cost"
    )
    assert r.side_by_side is None  # the replay shows the candidates on real deals


def test_tiny_without_quotas_shows_what_it_can(tiny_no_quotas):
    r = cp.build(tiny_no_quotas, quarter="2026Q3", config=CONFIG)
    assert r.status == "Partial: no quotas"
    assert {g.section for g in r.gaps} == set(cp.SECTIONS)
    assert r.statements is None and r.tiles == []
    # the plans, what they pay at target and at equal attainment, and the curves, need no quotas
    assert r.plans_table is not None and len(r.plans_table) == 2
    assert r.on_target.frame["cost"].sum() == pytest.approx(3 * 25_000)
    assert r.on_target_sentence.startswith("Without quotas no rep's pay can be worked out")
    assert r.side_by_side is not None and r.side_sentence is not None
    assert r.curves is not None and r.curve_points is None
    assert r.tiers.spec.labels == ["Plan", "Attainment band", "Rate (× target rate)"]
    assert r.spread is not None and r.booked is not None


def test_tiny_without_plans_says_how_to_add_them(tiny):
    r = cp.build(tiny, quarter="2026Q3", config={})
    assert r.status == "Partial: no comp plans"
    assert {g.section for g in r.gaps} == set(cp.SECTIONS)
    assert "[[comp.plans]]" in r.gaps[0].how
    assert r.plans_table is None and r.curves is None
    assert r.booked_sentence.endswith("what pay is computed from once the data has comp plans.")
    assert r.spread is not None  # the spread of bookings still shows


def test_an_invalid_plan_is_a_config_error(tiny):
    from salesops_lib.errors import ConfigError

    bad = {"comp": {"plans": [{**PLAN_TINY, "mode": "sideways"}]}}
    with pytest.raises(ConfigError, match="mode"):
        cp.build(tiny, quarter="2026Q3", config=bad)


# ---- the demo, against pandas on the raw files -------------------------------------------------


@pytest.fixture(scope="module")
def demo_report(demo, demo_dir):
    return cp.build(demo, quarter="2026Q3", config=load_config(demo_dir / "salesops.toml"))


@pytest.fixture(scope="module")
def raw_q3(demo_dir):
    reps = pd.read_csv(demo_dir / "reps.csv", parse_dates=["hire_date"])
    opps = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["created_date", "close_date"])
    won = opps[
        opps["is_won"].astype(bool)
        & (opps["close_date"] >= "2026-07-01")
        & (opps["close_date"] <= "2026-09-30")
    ]
    won = won.merge(reps[["rep_id", "hire_date"]], on="rep_id", how="left")
    won["inherited"] = won["created_date"] < won["hire_date"]
    if "reassigned_date" in won:  # the date the current owner received the deal
        won["inherited"] |= won["reassigned_date"].notna()
    return won


def test_demo_statements_bookings_and_inherited_from_the_raw_files(demo_report, raw_q3):
    st = demo_report.statements.frame.set_index("rep_id")
    booked = raw_q3.groupby("rep_id")["amount"].sum()
    inherited = raw_q3[raw_q3["inherited"]].groupby("rep_id")["amount"].sum()
    assert st["bookings"].to_numpy() == pytest.approx(booked.reindex(st.index).fillna(0).to_numpy())
    assert st["inherited_bookings"].to_numpy() == pytest.approx(
        inherited.reindex(st.index).fillna(0).to_numpy()
    )
    # pay from inherited deals only where there are inherited deals, never above the pay
    assert (st.loc[st["inherited_bookings"] == 0, "pay_from_inherited"] == 0).all()
    assert (st["pay_from_inherited"] <= st["variable_pay"] + st["spiffs"] + 1e-6).all()
    total = st["pay_from_inherited"].sum()
    if total > 0:
        assert demo_report.inherited_sentence.startswith(f"**{FMT(total)}** of this quarter's")
    else:
        assert "inherited" in demo_report.inherited_sentence


def test_demo_correlations_differ_between_plans_whose_pay_differs(demo_report):
    r = demo_report
    st = r.statements.frame
    for p in r.current:
        mine = st[st["plan"] == p.name]
        rho = np.corrcoef(mine["bookings"], mine["variable_pay"])[0, 1]
        assert f"**{rho:.2f}** under {p.name}" in r.pay_sentence
    rep = r.replay.frame.set_index("plan")["pay_correlation"]
    assert rep.nunique() == len(rep)  # not 1.0 for every plan


def test_demo_team_and_tier_tables_add_up(demo_report):
    r = demo_report
    st = r.statements.frame
    teams = r.by_team.frame
    assert teams["variable_pay"].sum() == pytest.approx(st["variable_pay"].sum())
    assert teams["reps"].sum() == len(st)
    per_plan = r.tiers.frame.groupby("plan")["reps"].sum()
    assert per_plan.to_dict() == st.groupby("plan").size().to_dict()
    assert r.status == "Ready"


def test_scope_sentence_mid_quarter_and_reps_without_a_plan(tmp_path):
    reps = REPS_TINY + "r4,Dee,West,SE,2020-01-01,\n"
    quotas = QUOTAS_TINY + "r4,2026Q3,80000\n"
    d = load_dataset(write(tmp_path / "s", reps=reps, opportunities=OPPS_TINY, quotas=quotas))
    ae_only = {"comp": {"plans": [{**PLAN_TINY, "roles": ["AE"], "current": True}]}}
    r = cp.build(d, quarter="2026Q3", as_of="2026-08-15", config=ae_only)
    assert r.scope_sentence == (
        "3 reps with a quota are paid under the current plan: AE. 1 rep with a quota has no plan "
        "for the role (SE) and is left out. 2026Q3 is still running: pay is worked out on the "
        "bookings so far against the whole quarter's quota."
    )
    assert r.tiles[3].detail == "2026Q3 quarter to date"


def test_replay_leaves_out_plans_nobody_in_scope_holds(tiny):
    nobody = {**PLAN_TINY, "name": "SE plan", "roles": ["SE"], "current": True}
    r = cp.build(
        tiny, quarter="2026Q3", config={"comp": {"plans": [*CONFIG["comp"]["plans"], nobody]}}
    )
    assert "SE plan" not in set(r.replay.frame["plan"])
    assert "nan" not in r.replay_sentence and "–" not in r.replay_sentence
