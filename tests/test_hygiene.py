"""CRM data quality: each check on a hand-made pipeline, scores by hand, forecast impact."""

from __future__ import annotations

import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.analysis import hygiene as qa

from .test_data import write

REPS = "rep_id,rep_name,team\nr1,Ann,A\nr2,Bo,B\n"
OPPS = (
    "opp_id,account_id,rep_id,product,stage,amount,created_date,close_date,forecast_category,probability\n"
    "clean,a1,r1,Core,Propose,100,2026-05-01,2026-07-20,Pipeline,0.5\n"
    "pastdue,a2,r1,Core,Propose,100,2026-05-01,2026-06-01,Pipeline,0.5\n"
    "noamount,a3,r1,Core,Qualify,,2026-05-01,2026-07-20,Pipeline,0.2\n"
    "noaccount,,r2,Core,Qualify,100,2026-05-01,2026-07-20,Pipeline,0.2\n"
    "dup1,a9,r2,Pro,Qualify,100,2026-05-01,2026-07-20,Pipeline,0.2\n"
    "dup2,a9,r2,Pro,Qualify,100,2026-05-05,2026-07-21,Pipeline,0.2\n"
    "prob,a4,r2,Core,Qualify,100,2026-05-01,2026-07-20,Pipeline,0.9\n"
    "commit,a5,r2,Core,Qualify,100,2026-05-01,2026-07-20,Commit,0.2\n"
    "won,a6,r1,Core,Won,100,2026-04-01,2026-05-01,Closed,1\n"
)
CONFIG = (
    '[[stages]]\nname="Qualify"\nprobability=0.2\n[[stages]]\nname="Propose"\nprobability=0.5\n'
    '[[stages]]\nname="Won"\nclosed=true\nwon=true\n[[stages]]\nname="Lost"\nclosed=true\nwon=false\n'
)


@pytest.fixture
def hand(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG)
    return load_dataset(write(tmp_path / "q", reps=REPS, opportunities=OPPS), config=cfg)


def test_each_check_fires_on_its_deal(hand):
    a = qa.audit(hand, as_of="2026-06-15").problems
    got = {(r.opp_id, r.check) for r in a.itertuples()}
    assert ("pastdue", "past_due_close") in got
    assert ("noamount", "missing_amount") in got
    assert ("noaccount", "missing_account") in got
    assert ("dup1", "likely_duplicate") in got and ("dup2", "likely_duplicate") in got
    assert ("prob", "probability_mismatch") in got
    assert ("commit", "category_mismatch") in got
    assert not any(o == "clean" for o, _ in got)
    assert "won" not in set(a["opp_id"])


def test_hygiene_score_by_hand(hand):
    a = qa.audit(hand, as_of="2026-06-15")
    rep = qa.hygiene_score(hand, a, by="rep_id")
    # r1: clean, pastdue, noamount open -> 1 of 3 clean; r2: 5 open, all flagged
    assert rep.loc["r1", "open_deals"] == 3 and rep.loc["r1", "flagged_deals"] == 2
    assert rep.loc["r1", "score"] == pytest.approx(100 / 3)
    assert rep.loc["r2", "score"] == 0
    team = qa.hygiene_score(hand, a, by="team")
    assert team.loc["A", "score"] == pytest.approx(100 / 3)


def test_audit_uses_only_what_was_known(demo):
    audited = qa.audit(demo, as_of="2026-06-30")
    a, od = audited.problems, audited.open_deals
    assert not audited.problems.attrs  # no frame rides along into every derived frame
    assert (od["snapshot_date"] <= "2026-06-30").all()
    assert "probability_mismatch" not in set(a["check"])  # the CRM keeps no past probabilities
    past_due = a[a["check"] == "past_due_close"]
    assert (past_due["close_date"] < "2026-06-30").all()


def test_forecast_impact_shares(demo):
    imp = qa.forecast_impact(demo, quarters=["2026Q2", "2026Q3"])
    assert list(imp["quarter"]) == ["2026Q2", "2026Q3"]
    assert ((imp["flagged_share"] >= 0) & (imp["flagged_share"] <= 1)).all()
    assert (imp["flagged_deals"] > 0).all() and (imp["clean_deals"] > 0).all()


def test_problems_by_deal_does_not_copy_the_audits_attached_frames_per_deal():
    copies = []

    class Attached:
        def __deepcopy__(self, memo):
            copies.append(1)
            return self

    n = 50
    problems = pd.DataFrame(
        {
            "opp_id": [f"d{i}" for i in range(n)] * 2,
            "rep_id": ["r1"] * (2 * n),
            "check": ["past_due"] * n + ["no_amount"] * n,
            "amount": [10.0] * (2 * n),
            "related": [None] * (2 * n),
        }
    )
    problems.attrs["open_deals"] = Attached()
    out = qa.problems_by_deal(problems)
    assert out["problems"].tolist() == [2] * n
    # pandas deep-copies attrs into every group it hands out: once per deal cost two minutes
    # on the large company; a few copies for the whole call are fine
    assert len(copies) < 10, len(copies)


def test_scored_apart_by_rep_on_a_hand_made_frame():
    as_of = pd.Timestamp("2026-09-30")
    od = pd.DataFrame(
        {
            "rep_id": ["a", "b", "c", "d", "e"],
            "owner_known": [True, True, False, True, True],
            "created_date": pd.to_datetime(
                ["2026-08-01", "2026-08-01", "2026-08-01", "2026-09-25", "2026-08-01"]
            ),
            # b inherited it 11 days before; d created it 5 days before (its own); e 30 days
            "received_date": pd.to_datetime(
                ["2026-08-01", "2026-09-19", "2026-08-01", "2026-09-25", "2026-08-31"]
            ),
        }
    )
    got = qa.scored_apart(od, as_of, frozenset({"a"}))
    assert got.tolist() == ["left", "recent", "unknown", "", ""]


def test_problems_by_deal_keeps_each_deals_checks_in_check_order_and_first_seen_order():
    import pandas as pd

    from salesops_lib.analysis.hygiene import CHECKS, problems_by_deal

    names = list(CHECKS)
    later, earlier = names[3], names[0]
    problems = pd.DataFrame(
        {
            "opp_id": pd.array(["b", "a", "b", "c", "a"], dtype="str"),
            "rep_id": pd.array(["r2", "r1", "r2", "r3", "r1"], dtype="str"),
            "check": pd.array([later, later, earlier, earlier, names[1]], dtype="str"),
            "amount": [2.0, 1.0, 2.0, 3.0, 1.0],
            "related": [None, None, "x", None, None],
        }
    )
    out = problems_by_deal(problems)
    assert list(out["opp_id"]) == ["b", "a", "c"]
    assert list(out["checks"]) == [(earlier, later), (names[1], later), (earlier,)]
    assert list(out["problems"]) == [2, 2, 1] and list(out["related"].fillna("-")) == [
        "x",
        "-",
        "-",
    ]
