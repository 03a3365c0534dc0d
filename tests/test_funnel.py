"""The one funnel and bottleneck rule of reports 02 and 06, on deals whose stages are known by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.analysis import funnel as fu

from .test_data import write

STAGES = (
    '[[stages]]\nname="Qualify"\n[[stages]]\nname="Propose"\n'
    '[[stages]]\nname="Won"\nclosed=true\nwon=true\n[[stages]]\nname="Lost"\nclosed=true\nwon=false\n'
)
REPS = "rep_id,rep_name,team,segment\nr1,Ann,A,SMB\nr2,Bo,A,Enterprise\n"
OPPS = (
    "opp_id,rep_id,stage,amount,created_date,close_date\n"
    "a,r1,Won,10,2026-01-01,2026-02-01\n"  # won: passed every stage
    "b,r1,Lost,10,2026-01-01,2026-02-01\n"  # reached Propose (history)
    "c,r2,Lost,10,2026-01-01,2026-02-01\n"  # lost at Qualify (history)
    "d,r2,Won,10,2026-01-01,2026-03-01\n"
    "e,r2,Lost,10,2026-01-03,2026-01-05\n"  # created and lost between snapshots: at Qualify
    "f,r1,Propose,10,2026-01-01,2026-06-01\n"  # open: not in the funnel
    "g,r1,Lost,10,2025-10-01,2025-11-01\n"  # closed before the window
)
HISTORY = (
    "snapshot_date,opp_id,stage,amount,close_date\n"
    "2026-01-02,b,Qualify,10,2026-02-01\n2026-01-09,b,Propose,10,2026-02-01\n"
    "2026-01-02,c,Qualify,10,2026-02-01\n2026-01-02,f,Propose,10,2026-06-01\n"
)


@pytest.fixture
def staged(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(STAGES)
    return load_dataset(
        write(tmp_path / "s", reps=REPS, opportunities=OPPS, history=HISTORY), config=cfg
    )


def test_funnel_counts_closed_deals_at_their_furthest_stage(staged):
    f = fu.stage_funnel(staged, quarters=["2026Q1"])
    got = f.table.set_index("stage")["reached"]
    assert list(got.index) == ["Qualify", "Propose", "Won"]
    # a, b, c, d, e closed in 2026Q1; f is open, g closed in 2025Q4
    assert got.to_dict() == {"Qualify": 5, "Propose": 3, "Won": 2}
    assert f.closed == 5 and f.won == 2
    steps = fu.total_steps(f).set_index("step")["rate"]
    assert steps["Qualify → Propose"] == pytest.approx(3 / 5)
    assert steps["Propose → Won"] == pytest.approx(2 / 3)
    assert f.reach.from_history and "history snapshot" in f.reach.basis


def test_funnel_by_segment_adds_up(staged):
    f = fu.stage_funnel(staged, quarters=["2026Q1"], by="segment")
    t = f.table.pivot_table(index="stage", columns="group", values="reached", sort=False)
    assert t.loc["Qualify", "SMB"] == 2 and t.loc["Qualify", "Enterprise"] == 3
    assert t.loc["Won", "SMB"] == 1 and t.loc["Won", "Enterprise"] == 1


def test_bottleneck_is_the_lowest_step_and_names_the_next(staged):
    b = fu.bottleneck(fu.total_steps(fu.stage_funnel(staged, quarters=["2026Q1"])))
    assert b.step == "Qualify → Propose" and b.rate == pytest.approx(0.6) and b.entered == 5
    assert b.next_step == "Propose → Won" and b.next_rate == pytest.approx(2 / 3)


def test_bottleneck_ties_go_to_the_earlier_step_and_nothing_gives_none():
    steps = pd.DataFrame(
        {"step": ["A → B", "B → C", "C → Won"], "entered": [10, 8, 4], "rate": [0.8, 0.5, 0.5]}
    )
    assert fu.bottleneck(steps).step == "B → C"
    assert fu.bottleneck(steps.assign(rate=float("nan"))) is None


def _maven_like(tmp_path, opps: str):
    cfg = tmp_path / "m.toml"
    cfg.write_text(
        '[[stages]]\nname="Prospecting"\n[[stages]]\nname="Engaging"\n'
        '[[stages]]\nname="Won"\nclosed=true\nwon=true\n[[stages]]\nname="Lost"\nclosed=true\nwon=false\n'
    )
    return load_dataset(write(tmp_path / "m", reps=REPS, opportunities=opps), config=cfg)


def test_without_history_a_created_date_past_undated_stages_means_the_next_stage(tmp_path):
    # like Maven: deals in Prospecting have no created (engage) date, all others have one
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date\n"
        "p1,r1,Prospecting,10,,\np2,r2,Prospecting,10,,\n"
        "e1,r1,Engaging,10,2026-01-01,\n"
        "w1,r1,Won,10,2026-01-01,2026-02-01\nw2,r2,Won,10,2026-01-01,2026-02-01\n"
        "l1,r1,Lost,10,2026-01-02,2026-02-01\n"
    )
    data = _maven_like(tmp_path, opps)
    assert fu.created_stage(data) == 1
    f = fu.stage_funnel(data, quarters=["2026Q1"])
    got = f.table.set_index("stage")["reached"].to_dict()
    assert got == {"Prospecting": 3, "Engaging": 3, "Won": 2}  # open deals left out
    assert not f.reach.unmeasured
    assert (
        "reached Engaging" in f.reach.basis and "Prospecting carry no created date" in f.reach.basis
    )


def test_without_history_later_stages_are_not_measured(tmp_path):
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date\n"
        "p1,r1,Prospecting,10,2026-01-01,\n"
        "w1,r1,Won,10,2026-01-01,2026-02-01\nl1,r2,Lost,10,2026-01-02,2026-02-01\n"
        "l2,r2,Lost,10,2026-01-02,2026-02-01\n"
    )
    data = _maven_like(tmp_path, opps)
    assert fu.created_stage(data) == 0
    f = fu.stage_funnel(data, quarters=["2026Q1"])
    assert list(f.table["stage"]) == ["Prospecting", "Won"]
    assert f.reach.unmeasured == ("Engaging",)
    assert fu.total_steps(f).set_index("step").loc["Prospecting → Won", "rate"] == pytest.approx(
        1 / 3
    )
    assert "Engaging cannot be measured" in f.reach.basis


def test_one_undated_deal_does_not_move_the_created_stage(tmp_path):
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date\n"
        "p1,r1,Prospecting,10,,\np2,r1,Prospecting,10,2026-01-01,\n"
        "w1,r1,Won,10,2026-01-01,2026-02-01\n"
    )
    assert fu.created_stage(_maven_like(tmp_path, opps)) == 0


# ---------------------------------------------------------------------------------------
# one measurable step without history; a bottleneck only beyond chance


def test_without_history_the_funnel_measures_one_step_and_names_no_bottleneck(tmp_path):
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date\n"
        "p1,r1,Prospecting,10,,\ne1,r1,Engaging,10,2026-01-01,\n"
        "w1,r1,Won,10,2026-01-01,2026-02-01\nl1,r1,Lost,10,2026-01-02,2026-02-01\n"
    )
    f = fu.stage_funnel(_maven_like(tmp_path, opps), quarters=["2026Q1"])
    # Prospecting → Engaging converts 100% by construction: the one measured step is Engaging → Won
    assert list(fu.total_steps(f)["step"]) == ["Prospecting → Engaging", "Engaging → Won"]
    assert f.reach.measurable == ("Engaging → Won",)
    assert fu.funnel_bottleneck(f) is None


def test_with_history_every_step_is_measurable(staged):
    f = fu.stage_funnel(staged, quarters=["2026Q1"])
    assert f.reach.measurable == ("Qualify → Propose", "Propose → Won")
    assert fu.funnel_bottleneck(f) == fu.bottleneck(fu.total_steps(f))


@pytest.mark.parametrize(
    ("a", "n", "b", "m"), [(30, 100, 50, 100), (745, 1000, 751, 1000), (5, 8, 2, 9), (0, 10, 0, 12)]
)
def test_two_proportion_p_matches_statsmodels(a, n, b, m):
    from statsmodels.stats.proportion import proportions_ztest

    got = fu.two_proportion_p(a, n, b, m)
    if a + b == 0:
        assert got == 1.0  # nothing won on either side: no difference
    else:
        _, p = proportions_ztest([a, b], [n, m])
        assert got == pytest.approx(p)


def test_a_bottleneck_is_clear_only_beyond_chance():
    close = pd.DataFrame(
        {
            "step": ["A → B", "B → C", "C → Won"],
            "entered": [4000, 3000, 2250],
            "advanced": [3000, 2250, 1800],
        }
    ).assign(rate=lambda s: s["advanced"] / s["entered"])  # 75%, 75%, 80%
    neck = fu.bottleneck(close)
    assert neck.step == "A → B" and not neck.clear
    assert [s for s, _ in neck.alike] == ["A → B", "B → C"]  # 80% on 2,250 deals differs
    assert neck.best_step == "C → Won" and neck.best_rate == pytest.approx(0.8)
    far = close.assign(advanced=[2000, 2250, 1800]).assign(
        rate=lambda s: s["advanced"] / s["entered"]
    )
    clear = fu.bottleneck(far)
    assert clear.step == "A → B" and clear.clear and clear.p_value < 0.05
    assert [s for s, _ in clear.alike] == ["A → B"]
