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


def test_cost_sentence_names_the_variable_and_the_total_cost_of_sales():
    # review 05.8: "Cost of sales 5.1%" was variable pay and SPIFFs only; base pay added $1.70M
    metrics = {
        "cost_of_sales": 0.051,
        "base": 1.70e6,
        "total_cost": 3.34e6,
        "total_cost_of_sales": 0.104,
    }
    teams = pd.DataFrame(
        {
            "team": ["East", "West"],
            "cost_of_sales": [0.105, 0.09],
            "total_cost_of_sales": [0.184, 0.16],
        }
    )
    lead = (
        "Variable pay and SPIFFs cost **5.1%** of the bookings of reps on a plan with a quota (the "
        "variable cost of sales); with their base pay ($1.7M) the plans cost $3.3M, **10.4%** of "
        "those bookings (the total cost of sales)"
    )
    assert cp.cost_sentence(metrics, teams, FMT) == (
        f"{lead}. The most expensive team per dollar booked is **East** (10.5% variable, 18.4% in "
        "all)."
    )
    assert cp.cost_sentence(metrics, teams.head(1), FMT) == f"{lead}."


def test_outside_sentence_says_whose_bookings_no_statement_covers():
    # review 05.7: 05 showed $32.1M against $32.2M in the index, leaving out a rep without a quota
    outside = pd.DataFrame(
        {
            "rep_id": ["m", "s"],
            "rep_name": ["Mateo Novak", "Sol"],
            "hire_date": [pd.Timestamp("2026-05-14"), None],
            "role": ["AE", "SE"],
            "bookings": [101_704.0, 5_000.0],
            "reason": ["no quota", "no plan"],
        }
    )
    metrics = {"bookings": 32.1e6}
    assert cp.outside_sentence(outside, 32.1e6 + 106_704.0, metrics, "2026Q3", FMT) == (
        "These figures cover the bookings of reps on a plan with a quota, $32.1M of the $32.2M "
        "booked in 2026Q3; the other **$107K** were booked by 1 rep with no quota for 2026Q3: "
        "Mateo Novak ($102K, hired 2026-05-14); and 1 rep with a quota but no plan for their "
        "role: Sol ($5.0K), and are in no statement."
    )
    assert cp.outside_sentence(outside.iloc[:0], 32.1e6, metrics, "2026Q3", FMT) == (
        "Every dollar of 2026Q3's bookings ($32.1M) is on a rep with a plan and a quota."
    )


def test_spiff_sentence_says_how_often_each_spiff_paid():
    spiffs = pd.DataFrame(
        {
            "plan": ["Com", "Ent"],
            "spiff": ["Suite deal", "Large deal"],
            "amount": [500.0, 1500.0],
            "rule": ["won deal of Suite", "won deal of $250K or more"],
            "paid": [32, 0],
            "paid_amount": [16_000.0, 0.0],
            "replayed": [100, 1],
            "ever": [255, 5],
        }
    )
    q4 = ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert cp.spiff_sentence(spiffs, "2026Q3", q4, FMT) == (
        "SPIFFs: **Suite deal** ($500 per won deal of Suite, Com) paid 32 times in 2026Q3 "
        "($16.0K), 100 in the 4 replayed quarters (2025Q4–2026Q3); 255 won deals in all the data "
        "qualify; **Large deal** ($1.5K per won deal of $250K or more, Ent) did not pay in 2026Q3, "
        "1 in the 4 replayed quarters (2025Q4–2026Q3); 5 won deals in all the data qualify."
    )
    assert cp.spiff_sentence(spiffs.iloc[:0], "2026Q3", q4, FMT) is None


def test_replay_note_caveat_and_what_each_correlation_covers():
    # review 05.9: 0.77 this quarter against 0.60 in the replay, unexplained
    plan = comp.CompPlan.from_dict({**PLAN_TINY, "name": "Cur", "spiffs": []})
    att = np.array([0.3, 0.8, 1.2, 2.0, 3.5])
    st = _st(bookings=att * 100.0, quota=[100.0] * 5, attainment=att, variable_pay=plan.payout(att))
    st["plan"] = "Cur"
    r = np.corrcoef(st["bookings"], st["variable_pay"])[0, 1]
    what_if = _what_if(0.7).assign(reps=[110, 110])
    note = cp.replay_note(what_if, st, [plan], ["2025Q4", "2026Q1", "2026Q2", "2026Q3"])
    assert note == (
        "The replay pays the deals as they happened: under another plan reps would sell "
        "differently (pull deals into a quarter near an accelerator, hold them back at a cap), so "
        "it shows each plan's cost on past behaviour, not a forecast of it. A plan's "
        "pay-performance correlation differs between this quarter and the replay because they "
        "cover different reps and quarters: this quarter's, the reps with a quota now; the "
        "replay's, every rep-quarter of the 4 quarters with the reps in seat then (under Cur, "
        f"{r:.2f} over this quarter's 5 reps and 0.80 over the replay's 110 rep-quarters)."
    )
    assert cp.replay_note(what_if, None, [plan], ["2026Q3"]).endswith("not a forecast of it.")


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
        "Replaying 4 quarters (2025Q4–2026Q3) of real deals: for AE, **Cand** would have paid "
        "$4.0M in variable pay and SPIFFs (9.8% of bookings) against $4.5M (11.0%) under the "
        "current Cur, with pay following bookings less closely (0.70 against 0.80)."
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
        "2026Q4",
        "2026Q4",
        "ensemble",
        32.4e6,
        30.4e6,
        34.4e6,
        1.4e6,
        1.3e6,
        1.4e6,
        1.5e6,
        recommended=True,
        wape=0.05,
        tested=8,
        week=0,
    )
    assert cp.ahead_sentence(base, FMT) == (
        "With 2026Q4 bookings forecast at $32.4M (80% range $30.4M–$34.4M) by Blend of methods, "
        "the method the forecasting report recommends, the current plans' "
        "variable pay would most likely be "
        "**$1.4M** with a simulated 80% range of $1.3M–$1.5M (a simulation of 5,000 quarters "
        "drawing the forecast and each rep's share of it)."
    )
    flat = comp.NextQuarterCost("2026Q4", "2026Q3", "pipeline", 3e4, 3e4, 3e4, 0.0, 0.0, 0.0, 0.0)
    assert cp.ahead_sentence(flat, FMT) == (
        "With 2026Q4 bookings forecast at $30.0K by Pipeline by stage and age (no backtest on this "
        "data recommends a method, so the pipeline forecast stands in), the current plans' variable "
        "pay would be **$0** against 2026Q3's quotas, as 2026Q4 has none yet, in every simulated "
        "outcome (a simulation of 5,000 quarters drawing the forecast and each rep's share of it)."
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
        "**AE steep** would have paid"
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
    # said once in plain words, pointing to README; the later sections point to the first
    first = [g for g in r.gaps if g.section == cp.PAY]
    assert [g.sentence for g in first] == [
        "This needs comp plans, which the data does not have: describe each plan (on-target "
        "earnings, base share, tiers, and any threshold, cap or SPIFF) in the configuration file "
        "(README, 'What each report answers', report 05)."
    ]
    later = [g.sentence for g in r.gaps if g.section != cp.PAY]
    assert (
        later
        == [
            "This needs comp plans, which the data does not have: the first section says how to add "
            "them."
        ]
        * 4
    )
    assert not any("[[" in g.how or "salesops.toml" in g.how for g in r.gaps)
    assert r.plans_table is None and r.curves is None
    assert r.booked_sentence.endswith("what pay is computed from once the data has comp plans.")
    assert r.spread is not None  # the spread of bookings still shows


def test_without_plans_or_quotas_each_is_said_once(tiny):
    bare = tiny.replace(quotas=None)
    r = cp.build(bare, quarter="2026Q3", config={})
    by = {s: [g.missing for g in r.gaps if g.section == s] for s in cp.SECTIONS}
    assert by[cp.PAY] == ["comp plans", "quotas"]
    assert all(v == ["comp plans"] for s, v in by.items() if s != cp.PAY)
    quota = [g for g in r.gaps if g.missing == "quotas"]
    assert len(quota) == 1 and "README, 'Point it at your own CRM export'" in quota[0].how


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
    tile = next(t for t in r.tiles if t.label == "Bookings of reps on a plan with a quota")
    assert tile.detail.endswith("booked, 2026Q3 quarter to date")


def test_replay_leaves_out_plans_nobody_in_scope_holds(tiny):
    nobody = {**PLAN_TINY, "name": "SE plan", "roles": ["SE"], "current": True}
    r = cp.build(
        tiny, quarter="2026Q3", config={"comp": {"plans": [*CONFIG["comp"]["plans"], nobody]}}
    )
    assert "SE plan" not in set(r.replay.frame["plan"])
    assert "nan" not in r.replay_sentence and "–" not in r.replay_sentence


# ---- review fixes on the demo, against the raw files -----------------------------------------


def test_demo_bookings_on_a_plan_and_the_bookings_outside_it(demo, demo_report, raw_q3, demo_dir):
    # review 05.7: $32.1M in 05 against $32.2M in the index and 01, silently
    from salesops_lib import timeline

    quotas = pd.read_csv(demo_dir / "quotas.csv")
    with_quota = set(quotas.loc[quotas["period"] == "2026Q3", "rep_id"])
    booked = raw_q3.groupby("rep_id")["amount"].sum()
    on_plan = booked[booked.index.isin(with_quota)].sum()
    outside = booked[~booked.index.isin(with_quota)]
    r = demo_report
    tile = next(t for t in r.tiles if t.label == "Bookings of reps on a plan with a quota")
    assert tile.value == FMT(on_plan)
    assert tile.detail == f"of {FMT(booked.sum())} booked, 2026Q3 final"
    # the quarter's bookings are the shared concept the index and report 01 show
    start, end = pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30")
    assert timeline.bookings(demo, start, end) == pytest.approx(booked.sum())
    assert sorted(r.outside["rep_id"]) == sorted(outside.index)
    assert r.outside["bookings"].sum() == pytest.approx(outside.sum())
    reps = pd.read_csv(demo_dir / "reps.csv").set_index("rep_id")
    for rep_id, amount in outside.items():
        assert f"{reps.loc[rep_id, 'rep_name']} ({FMT(amount)}" in r.outside_sentence
    assert f"the other **{FMT(outside.sum())}** were booked by" in r.outside_sentence


def test_demo_variable_and_total_cost_of_sales(demo_report, raw_q3, demo_dir):
    # review 05.8: base pay in the statements adds $1.70M; total pay is 10.4% of bookings
    import tomllib

    config = tomllib.loads((demo_dir / "salesops.toml").read_text())
    base = {p["name"]: p["ote"] * p["base_share"] / 4 for p in config["comp"]["plans"]}
    st = demo_report.statements.frame
    base_total = st["plan"].map(base).sum()
    variable = st["variable_pay"].sum() + st["spiffs"].sum()
    bookings = st["bookings"].sum()
    tiles = {t.label: t for t in demo_report.tiles}
    assert tiles["Variable cost of sales"].value == f"{variable / bookings * 100:.1f}%"
    assert tiles["Total cost of sales"].value == f"{(variable + base_total) / bookings * 100:.1f}%"
    assert tiles["Total cost of sales"].detail == f"with {FMT(base_total)} of base pay"
    assert "Cost of sales" not in demo_report.definitions
    assert {"Variable cost of sales", "Total cost of sales"} <= set(demo_report.definitions)
    teams = demo_report.by_team.frame.set_index("team")
    t = st.assign(base=st["plan"].map(base)).groupby("team")
    total = (t["variable_pay"].sum() + t["spiffs"].sum() + t["base"].sum()) / t["bookings"].sum()
    assert teams["total_cost_of_sales"].to_numpy() == pytest.approx(total.to_numpy())


def test_demo_spiffs_counted_from_the_raw_deals(demo_report, demo_dir):
    # review 05.9: the Enterprise "Large deal" SPIFF paid 0 times and applies to 5 won deals ever
    reps = pd.read_csv(demo_dir / "reps.csv").set_index("rep_id")
    opps = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    won = opps[opps["is_won"].astype(bool) & (opps["close_date"] <= "2026-09-30")]
    won = won.assign(role=won["rep_id"].map(reps["role"]))
    large = won[(won["role"] == "Enterprise AE") & (won["amount"] >= 250_000)]
    s = demo_report.spiffs.set_index("spiff")
    assert s.loc["Large deal", "ever"] == len(large)
    in_q3 = large["close_date"] >= "2026-07-01"
    assert s.loc["Large deal", "paid"] == int(in_q3.sum())
    suite = won[(won["role"] == "Commercial AE") & (won["product"] == "Suite")]
    st = demo_report.statements.frame
    paid = suite[(suite["close_date"] >= "2026-07-01") & suite["rep_id"].isin(st["rep_id"])]
    assert s.loc["Suite deal", "paid"] == len(paid)
    assert s.loc["Suite deal", "paid_amount"] == pytest.approx(st["spiffs"].sum())
    assert "**Large deal**" in demo_report.spiff_sentence


def test_demo_replay_note_counts_the_rep_quarters(demo_report, demo_dir):
    quotas = pd.read_csv(demo_dir / "quotas.csv")
    reps = pd.read_csv(demo_dir / "reps.csv").set_index("rep_id")
    q4 = quotas[quotas["period"].isin(["2025Q4", "2026Q1", "2026Q2", "2026Q3"])]
    per_role = q4["rep_id"].map(reps["role"]).value_counts()
    note = demo_report.replay_note
    assert note.startswith("The replay pays the deals as they happened")
    for plan, role in (
        ("Commercial AE 2026", "Commercial AE"),
        ("Enterprise AE 2026", "Enterprise AE"),
    ):
        assert f"under {plan}," in note and f"{per_role[role]:,} rep-quarters" in note


def test_demo_statements_csv_is_rounded(demo_report, tmp_path):
    # review 05.9: attainment 1.0446117921774665 in the CSV
    from salesops_lib.render import page

    page.handout(demo_report.statements, str(tmp_path), "st", "x")
    text = (tmp_path / "st.csv").read_text()
    csv = pd.read_csv(tmp_path / "st.csv", dtype={"Rep id": str})
    for label in ("Attainment", "Payout"):
        assert (csv[label].round(4) == csv[label]).all()
    for label in ("Variable pay", "Total pay", "Pay from inherited deals"):
        assert (csv[label].round(2) == csv[label]).all()
    assert "1.0446117921774665" not in text
    st = demo_report.statements.frame
    assert csv["Attainment"].to_numpy() == pytest.approx(st["attainment"].round(4).to_numpy())


@pytest.mark.xdist_group("forecast")  # shares report 03 on the demo (conftest's demo_forecast)
def test_demo_next_quarter_cost_uses_the_forecast_report_03_recommends(demo_report, demo_forecast):
    # review 05.10: 05 used the pipeline method while 03 recommended another
    from salesops_lib.reports import forecasting

    f = demo_forecast
    a = demo_report.ahead
    assert a.recommended and a.method == f.recommendation.method
    point = f.forecasts.set_index("method").loc[a.method, "point"]
    assert a.point == pytest.approx(point)
    assert f"forecast at {FMT(point)}" in demo_report.ahead_sentence
    assert "the method the forecasting report recommends" in demo_report.ahead_sentence
    # issue 16 (VP re-read 2, finding 11): a short reference to 03's recommendation (method,
    # forecast, range from the forecast's result), not 03's sentence nested in parentheses
    row = f.forecasts.set_index("method").loc[a.method]
    assert (
        f"forecast at {FMT(point)} (80% range {FMT(row['lo80'])}–{FMT(row['hi80'])}) by "
        f"{forecasting.method_name(a.method)}, the method the forecasting report recommends, "
    ) in demo_report.ahead_sentence
    assert forecasting.choice_words(f.recommendation) not in demo_report.ahead_sentence
    depth, deepest = 0, 0
    for ch in demo_report.ahead_sentence:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        deepest = max(deepest, depth)
    assert deepest == 1


# ---- what-ifs: candidates against the current plan ---------------------------------------------

RICHER = {"name": "Richer tier 2", "tier": 2, "rate": 1.8}


def _cost(data, plans, name):
    """Variable pay and SPIFFs of the 2026Q3 statements paid under ``name`` (the only quarter with quotas)."""
    st = comp.statements(data, plans, quarter="2026Q3")
    st = st[st["plan"] == name]
    return float(st["variable_pay"].sum() + st["spiffs"].sum())


def test_a_candidates_cost_difference_is_its_cost_less_the_current_plans(tiny):
    r = cp.build(tiny, quarter="2026Q3", config=CONFIG, candidates=[RICHER, CANDIDATE])
    current = comp.CompPlan.from_dict(PLAN_TINY)
    richer = comp.CompPlan.from_dict(
        {
            **PLAN_TINY,
            "name": "Richer tier 2",
            "tiers": [PLAN_TINY["tiers"][0], {"from": 1.0, "to": None, "rate": 1.8}],
        }
    )
    steep = comp.CompPlan.from_dict(CANDIDATE)
    now = _cost(tiny, [current], "AE")
    frame = r.candidates.frame.set_index("plan")
    assert r.candidate_plans[0] == richer  # the change: tier 2's rate, nothing else
    assert frame.loc["Richer tier 2", "cost_change"] == pytest.approx(
        _cost(tiny, [richer], "Richer tier 2") - now
    )
    assert frame.loc["AE steep", "cost_change"] == pytest.approx(
        _cost(tiny, [steep], "AE steep") - now
    )
    assert frame.loc["Richer tier 2", "current_cost"] == pytest.approx(now)
    assert list(frame["against"]) == ["AE", "AE"]
    assert len(r.candidate_sentences) == 2
    assert r.candidate_sentences[0].startswith("**Richer tier 2** would have paid ")


def test_candidate_cost_by_hand_on_the_tiny_company(tiny):
    # 2026Q3: Ann books 100K on a 100K quota (100%), Bo 110K on 50K (220%), Cy 80K on 100K (80%);
    # 25,000 a quarter at target. Tier 2 (above 100%) at 2.0 pays Bo 25,000 + 2.0 × 1.2 × 25,000;
    # at 1.8 it pays 1.8 × 1.2 × 25,000: 0.2 × 1.2 × 25,000 = 6,000 less; Ann and Cy are unchanged.
    r = cp.build(tiny, quarter="2026Q3", config=CONFIG, candidates=[RICHER])
    row = r.candidates.frame.iloc[0]
    assert row["cost_change"] == pytest.approx(-6_000)
    assert "**$6.0K** less than the current plan (AE, " in r.candidate_sentences[0]


def test_candidate_sentence_on_hand_made_figures():
    row = {
        "plan": "Richer tier 2",
        "against": "AE 2026",
        "reps": 40.0,
        "cost": 2_470_000.0,
        "cost_of_sales": 0.0912,
        "pay_correlation": 0.61,
        "current_cost": 2_500_000.0,
        "current_cost_of_sales": 0.0923,
        "current_pay_correlation": 0.6,
        "cost_change": -30_000.0,
    }
    assert cp.candidate_sentence(row, ["2025Q4", "2026Q1", "2026Q2", "2026Q3"], FMT) == (
        "**Richer tier 2** would have paid $2.5M in variable pay and SPIFFs on the real deals of "
        "2025Q4–2026Q3 (9.1% of bookings): **$30.0K** less than the current plan (AE 2026, $2.5M, "
        "9.2%), with pay following bookings about as closely (0.61 against 0.60)."
    )
    more = row | {"cost_change": 45_000.0, "pay_correlation": 0.7, "pay_correlation_change": 0.1}
    assert "**$45.0K** more than the current plan" in cp.candidate_sentence(more, ["2026Q3"], FMT)
    assert "more closely (0.70 against 0.60)" in cp.candidate_sentence(more, ["2026Q3"], FMT)
    same = row | {"cost_change": 0.0, "pay_correlation": float("nan")}
    assert cp.candidate_sentence(same, ["2026Q3"], FMT) == (
        "**Richer tier 2** would have paid $2.5M in variable pay and SPIFFs on the real deals of "
        "2026Q3 (9.1% of bookings): the same as the current plan (AE 2026, $2.5M, 9.2%)."
    )
    assert cp.candidate_sentence(row | {"reps": 0.0}, ["2026Q3"], FMT) == (
        "**Richer tier 2** covers no rep with a quota in 2026Q3: nothing to compare."
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"name": "x", "treshold": 0.4},
            "unknown key of a plan change 'x' 'treshold' (did you mean 'threshold'?); valid: "
            "name, plan, tier, rate, floor, threshold, cap",
        ),
        (
            {"name": "x", "rate": 1.8},
            "plan change 'x': a rate or floor needs the tier it changes (tier = 1 to 2)",
        ),
        ({"name": "x", "tier": 3, "rate": 1.8}, "plan change 'x': 'AE' has tiers 1 to 2, not 3"),
        ({"name": "x", "tier": 2}, "plan change 'x': tier 2 needs a rate or a floor"),
        (
            {"name": "x", "tier": 1, "floor": 0.5},
            "plan change 'x': the first tier always starts at 0",
        ),
        (
            {"name": "x", "plan": "SDR", "cap": 2},
            "plan change 'x': no current plan 'SDR'; current: AE",
        ),
        ({"name": "x", "cap": 0.2}, "comp plan 'x': cap is below threshold"),
        (
            {**CANDIDATE, "treshold": 0.5},
            "unknown key of comp plan 'AE steep' 'treshold' (did you mean 'threshold'?); valid: "
            "name, roles, ote, base_share, mode, tiers, threshold, cap, spiffs, weights, current, "
            "pipeline_multiple",
        ),
    ],
)
def test_an_invalid_candidate_raises_naming_what_is_valid(tiny, spec, message):
    from salesops_lib.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        cp.build(tiny, quarter="2026Q3", config=CONFIG, candidates=[spec])
    assert str(err.value) == message


def test_a_tiers_floor_moves_the_tier_below_and_a_change_is_never_current():
    base = comp.CompPlan.from_dict({**PLAN_TINY, "current": True})
    moved = comp.candidate_plan({"tier": 2, "floor": 1.2, "cap": "none"}, [base])
    assert moved.name == "AE, tier 2, floor 1.2, cap none"
    assert [(t.start, t.end) for t in moved.tiers] == [(0.0, 1.2), (1.2, None)]
    assert moved.cap is None and moved.threshold == 0.5 and not moved.current
    assert comp.CompPlan.from_dict(comp.plan_dict(base)) == base


def test_candidates_without_quotas_say_why_they_cannot_be_weighed(tiny_no_quotas):
    r = cp.build(tiny_no_quotas, quarter="2026Q3", config=CONFIG, candidates=[RICHER])
    assert r.candidates is None
    assert r.candidate_sentences == [
        "The candidates cannot be weighed: none of the last four quarters has quotas to replay "
        "them on."
    ]
    assert cp.build(tiny_no_quotas, quarter="2026Q3", config=CONFIG).candidate_sentences == []


def test_demo_richer_tier_2_against_pandas_on_the_raw_csv(demo, demo_dir):
    # Commercial AE 2026 pays 20,000 a quarter at target (160,000 × 0.5 / 4), tier 2 from 100%
    # to 150% at 1.5, cap 250%: at 1.8, each rep-quarter above 100% gets 0.3 × its attainment
    # in tier 2 × 20,000 more, and nothing else changes
    opps = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    quotas = pd.read_csv(demo_dir / "quotas.csv")
    reps = pd.read_csv(demo_dir / "reps.csv")
    won = opps[opps["is_won"].astype(str).str.lower().eq("true")].copy()
    won["period"] = (
        won["close_date"].dt.to_period("Q").astype(str)
    )  # 2026Q3: the fiscal year is the calendar year
    booked = won.groupby(["rep_id", "period"])["amount"].sum().rename("booked").reset_index()
    quarters = ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    rq = quotas[quotas["period"].isin(quarters)].merge(reps[["rep_id", "role"]], on="rep_id")
    rq = rq[rq["role"] == "Commercial AE"].merge(booked, on=["rep_id", "period"], how="left")
    attainment = (rq["booked"].fillna(0) / rq["quota"]).clip(upper=2.5)
    by_hand = float((0.3 * np.clip(attainment - 1, 0, 0.5) * 20_000).sum())

    plans = comp.load_plans(load_config(demo_dir / "salesops.toml"))
    current = comp.current_plans(plans)
    richer = comp.candidate_plan(
        {"name": "Richer tier 2", "plan": "Commercial AE 2026", "tier": 2, "rate": 1.8}, current
    )
    row = comp.compare_plans(demo, current, [richer], quarters=quarters).iloc[0]
    assert row["reps"] == len(rq)
    assert row["cost_change"] == pytest.approx(by_hand)
    assert row["cost_change"] == pytest.approx(row["cost"] - row["current_cost"])


def test_spread_title_and_booked_sentence_say_the_reps_left_out():
    kpi = pd.DataFrame(
        {"rep_id": ["r1", "r2", "r3"], "bookings": [100.0, 0.0, 50.0], "won": [2, 0, 1]}
    )
    assert cp.spread_title(kpi, "2026Q3", FMT) == (
        "Bookings per rep in 2026Q3: the median rep booked $50"
    )
    seated = kpi[kpi["rep_id"] != "r2"]
    # r2 left out: the median of $100 and $50 is $75, of the 2 reps in seat
    assert cp.spread_title(seated, "2026Q3", FMT, left_out=1) == (
        "Bookings per rep in 2026Q3: the median rep of the 2 in seat booked $75"
    )
    idle = pd.DataFrame(
        {"rep_id": ["r2"], "rep_name": ["Bo Ng"], "reason": ["no deals"], "last_activity": [pd.NaT]}
    )
    assert cp.booked_sentence(kpi, "2026Q3", FMT, plans=False, quotas=False, inactive=idle) == (
        "2026Q3's bookings are **$150** from 3 deals won by 2 of 3 reps: what pay is computed "
        "from once the data has comp plans and quotas. Bo Ng (no deal at all) is left out of the "
        "chart of bookings per rep: the data shows no deal of theirs at all, so they may no "
        "longer be in seat (report 04 leaves them out of the quotas too)."
    )
    assert cp.booked_sentence(
        kpi, "2026Q3", FMT, plans=False, quotas=False, inactive=idle.iloc[0:0]
    ).endswith("comp plans and quotas.")


def test_maven_spread_is_the_reps_in_seat_as_in_01_and_04():
    from .conftest import ROOT

    maven = ROOT / "data" / "examples" / "maven_crm"
    data = load_dataset(maven, preset="maven_crm")
    r = cp.build(data, quarter="2017Q4", config={})
    raw = pd.read_csv(maven / "sales_pipeline.csv", parse_dates=["close_date"])
    agents = pd.read_csv(maven / "sales_teams.csv")["sales_agent"]
    never = sorted(set(agents) - set(raw["sales_agent"]))
    assert len(agents) == 35 and len(never) == 5  # no deal at all: 01 and 04 leave them out
    won = raw[(raw["deal_stage"] == "Won") & raw["close_date"].between("2017-10-01", "2017-12-31")]
    booked = won.groupby("sales_agent")["close_value"].sum()
    seated = booked.reindex(sorted(set(agents) - set(never)), fill_value=0.0)
    assert len(seated) == 30 and len(r.spread) == 30
    assert sorted(r.spread["bookings"]) == pytest.approx(sorted(seated))
    assert r.spread_title == (
        f"Bookings per rep in 2017Q4: the median rep of the 30 in seat booked "
        f"{FMT(seated.median())}"
    )
    assert FMT(seated.median()) == "$88.4K"  # $72.9K with the 5 reps who have no deal at all
    assert FMT(booked.reindex(agents, fill_value=0.0).median()) == "$72.9K"
    assert r.booked_sentence.startswith(
        "2017Q4's bookings are **$2.8M** from 1,196 deals won by 30 of 35 reps"
    )
    named = list(never)  # the shared mark is said once, not after each of the five names
    assert r.booked_sentence.endswith(
        f"{', '.join(named[:-1])} and {named[-1]} are left out of the chart of bookings per "
        "rep: the data shows no deal of theirs at all, so they may no longer be in seat (report "
        "04 leaves them out of the quotas too)."
    )
