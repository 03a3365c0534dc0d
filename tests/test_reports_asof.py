"""Deals as of a date: the as-of view in deal tables, the fix list, owners and the header.

Hand-made frames for each rule (history or not, reassigned before or after the as-of date,
deals closed since), then the demo's figures against its raw CSVs read with pandas.
"""

from __future__ import annotations

import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib import timeline as tl
from salesops_lib.analysis import hygiene
from salesops_lib.reports import base
from salesops_lib.reports import data_quality as dq
from salesops_lib.reports.base import money_in
from salesops_lib.reports.deals import (
    category_note,
    deal_rows,
    deal_spec,
    label_closed_after,
    owner_words,
    table_definitions,
    with_since,
)

from .test_data import write

FMT = money_in("USD")

REPS = (
    "rep_id,rep_name,team,hire_date\n"
    "r1,Ann,East,2024-01-01\n"
    "r2,Bo,East,2024-01-01\n"
    "r3,Cy,East,2026-10-20\n"
)
# o1 open then lost 10-04; o2 open then won 10-12; o3 open still; o4 reassigned to Cy
# after the as-of date; o5 reassigned to Bo before it
OPPS = (
    "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won,forecast_category,"
    "reassigned_date\n"
    "o1,r1,Closed Lost,300,2026-08-01,2026-10-04,true,false,Omitted,\n"
    "o2,r1,Closed Won,200,2026-08-02,2026-10-12,true,true,Closed,\n"
    "o3,r2,Proposal,100,2026-08-03,2026-09-01,false,false,Commit,\n"
    "o4,r3,Proposal,50,2026-08-04,2026-11-30,false,false,Pipeline,2026-10-24\n"
    "o5,r2,Proposal,70,2026-08-05,2026-12-30,false,false,Pipeline,2026-09-10\n"
    "o6,r2,Closed Won,10,2026-08-05,2026-11-10,true,true,Closed,\n"
)
HISTORY = (
    "snapshot_date,opp_id,stage,amount,close_date,forecast_category,is_closed,is_won\n"
    "2026-09-25,o1,Prospecting,300,2026-10-10,Pipeline,false,false\n"
    "2026-09-25,o2,Discovery,200,2026-11-20,Best Case,false,false\n"
    "2026-09-25,o3,Proposal,100,2026-09-01,Commit,false,false\n"
    "2026-09-25,o4,Proposal,50,2026-11-30,Pipeline,false,false\n"
    "2026-09-25,o5,Proposal,70,2026-12-30,Pipeline,false,false\n"
    "2026-09-25,o6,Proposal,10,2026-11-10,Commit,false,false\n"
)
AS_OF = pd.Timestamp("2026-09-30")


@pytest.fixture
def with_history(tmp_path):
    return load_dataset(write(tmp_path / "h", reps=REPS, opportunities=OPPS, history=HISTORY))


@pytest.fixture
def without_history(tmp_path):
    return load_dataset(write(tmp_path / "n", reps=REPS, opportunities=OPPS))


def _rows(data):
    od = tl.open_deals(data, AS_OF)
    return label_closed_after(data, deal_rows(data, od), AS_OF).set_index("opp_id")


def test_with_history_a_deal_reads_as_it_stood_and_its_outcome_apart(with_history):
    rows = _rows(with_history)
    assert rows.loc["o1", "stage"] == "Prospecting"
    assert rows.loc["o1", "forecast_category"] == "Pipeline"
    assert rows.loc["o1", "close_date"] == pd.Timestamp("2026-10-10")
    assert rows.loc["o1", "since"] == "lost 2026-10-04"
    assert rows.loc["o2", "stage"] == "Discovery" and rows.loc["o2", "since"] == "won 2026-10-12"
    assert rows.loc["o3", "since"] == "still open"
    assert not rows["stage_unknown"].any() and not rows["category_unknown"].any()
    assert "Closed later" not in set(rows["forecast_category"].astype(str))
    spec = with_since(deal_spec(), rows.reset_index())
    assert spec.labels[spec.labels.index("Category") + 1] == "Since then"
    terms = table_definitions(rows)
    assert "Since then" in terms and "Closed Won after (date)" not in terms
    assert category_note(rows, AS_OF) is None


def test_without_history_the_stage_says_closed_after_and_the_category_is_blank(
    without_history,
):
    rows = _rows(without_history)
    assert rows.loc["o1", "stage"] == "Closed Lost after 2026-09-30"
    assert rows.loc["o2", "stage"] == "Closed Won after 2026-09-30"
    assert rows.loc[["o1", "o2"], "forecast_category"].isna().all()
    assert rows.loc["o3", "forecast_category"] == "Commit"  # the record's, the only one known
    assert rows.loc["o1", "close_date"] == pd.Timestamp("2026-10-04")  # the day it closed
    assert with_since(deal_spec(), rows.reset_index()).labels == deal_spec().labels
    assert category_note(rows, AS_OF) == (
        "Category is blank for the 3 deals that closed after 2026-09-30: the export keeps only "
        "their closing category."
    )
    assert "Closed later" not in table_definitions(rows)["Closed Won after (date)"]


def test_owner_known_only_from_the_reassigned_date(with_history, without_history):
    for data in (with_history, without_history):
        od = tl.open_deals(data, AS_OF).set_index("opp_id")
        assert od["owner_known"].to_dict() == {
            "o1": True,
            "o2": True,
            "o3": True,
            "o4": False,  # reassigned to Cy on 10-24, after the as-of date
            "o5": True,  # reassigned to Bo on 09-10, before it
            "o6": True,
        }
        later = tl.open_deals(data, "2026-10-31").set_index("opp_id")
        assert later["owner_known"].all()
        on = tl.deals_on(data, AS_OF).set_index("opp_id")
        assert not on.loc["o4", "owner_known"] and on.loc["o5", "owner_known"]
    rows = _rows(with_history)
    assert rows.loc["o4", "rep_name"] == "Previous owner (reassigned to Cy on 2026-10-24)"
    assert rows.loc["o5", "rep_name"] == "Bo"
    assert "Previous owner" in table_definitions(rows)
    plain = pd.DataFrame({"rep_name": ["Ann"]})
    assert owner_words(plain).tolist() == ["Ann"]


def test_scores_by_rep_leave_out_deals_reassigned_later_and_say_so(with_history):
    problems = hygiene.audit(with_history, as_of=AS_OF)
    od = problems.open_deals
    by_rep = hygiene.hygiene_score(with_history, problems, by="rep_id")
    assert "r3" not in by_rep.index  # Cy held no deal on 9/30
    # o4 (owner then unknown) and o5 (Bo received it on 09-10, 20 days before) are apart
    assert by_rep["open_deals"].sum() == len(od) - 2
    team = hygiene.hygiene_score(with_history, problems, by="team")
    assert team["open_deals"].sum() == len(od)  # the totals still count them
    assert dq.owner_sentence(od, AS_OF, FMT) == (
        "1 open deal worth $70 is scored apart from its owner: it reached its owner less than "
        "30 days before 2026-09-30, so what is wrong with it mostly happened before (a rep is "
        "scored only on deals held for that long); 1 open deal worth $50 is left out of the "
        "scores by rep: who owned it on 2026-09-30 is not in the data (the current owner "
        "received it later (on 2026-10-24), or was hired later). The company's and the teams' "
        "figures count them."
    )
    kept = od[od["owner_known"] & ~od["opp_id"].eq("o5")]
    assert dq.owner_sentence(kept, AS_OF, FMT) is None


def test_fix_list_leaves_out_deals_closed_since_and_counts_them(with_history, without_history):
    for data in (with_history, without_history):
        audited = hygiene.audit(data, as_of=AS_OF)
        problems = audited.problems
        names = dq.check_names(has_history=data.history is not None)
        fixes = dq.fix_list(data, audited, names, as_of=AS_OF)
        fix = fixes.deals
        flagged = set(problems["opp_id"])
        closed = {"o1", "o2", "o6"} & flagged
        assert set(fix["opp_id"]) == flagged - closed and not fix["closed_after"].any()
        gone = fixes.closed_since
        assert set(gone["opp_id"]) == closed
        counts = dq.problem_counts(problems, names)
        assert counts["deals"].sum() == problems.groupby("check")["opp_id"].nunique().sum()
    hand = pd.DataFrame(
        {"amount": [300.0, 200.0, 10.0], "since": ["lost 2026-10-04", "won 2026-10-12", "won x"]}
    )
    last = pd.Timestamp("2026-11-13")
    assert dq.closed_since_sentence(hand, AS_OF, last, FMT) == (
        "3 deals flagged on 2026-09-30 have closed since, by 2026-11-13 (the data's last date): "
        "2 won ($210) and 1 lost ($300). They are left out of the fix list; the counts by "
        "problem above, as of 2026-09-30, include them."
    )
    assert dq.closed_since_sentence(hand.iloc[:1], AS_OF, last, FMT) == (
        "1 deal flagged on 2026-09-30 has closed since, by 2026-11-13 (the data's last date): "
        "1 lost ($300). It is left out of the fix list; the counts by problem above, as of "
        "2026-09-30, include it."
    )
    assert dq.closed_since_sentence(hand.iloc[0:0], AS_OF, last, FMT) is None


def test_fix_list_groups_a_reassigned_deal_apart_from_its_new_owner(with_history):
    problems = hygiene.audit(with_history, as_of=AS_OF)
    fix = dq.fix_list(with_history, problems, dq.check_names(), as_of=AS_OF).deals
    fix = fix.set_index("opp_id")
    if "o4" in fix.index:
        assert fix.loc["o4", "owner_key"] == "r3 (previous owner)"
        assert fix.loc["o4", "rep_name"].startswith("Previous owner (reassigned to Cy")


def test_header_says_what_the_figures_count_with_and_without_history(with_history, without_history):
    got = base.basis_sentence(with_history, AS_OF)
    assert got == (
        "Deals are counted as they stood on 2026-09-30: open ones as the history snapshot of "
        "2026-09-25 showed them, and only those closed by 2026-09-30 as closed."
    )
    none = base.basis_sentence(without_history, AS_OF)
    last = without_history.last_date.date()
    assert none.startswith(
        f"Stages, amounts and expected close dates are as the export shows them now (on {last}, "
        "its last date), not as they stood on 2026-09-30: the data has no history snapshots."
    )
    assert "Every figure counts only what was known" not in none
    assert base.basis_sentence(without_history, without_history.last_date).startswith(
        f"Deals are counted as the export shows them on {last}, its last date and the as-of date"
    )
    q = without_history.calendar.label(pd.Period(AS_OF, freq=without_history.calendar.freq))
    start, end = without_history.calendar.bounds(q)
    period = base.Period(q, start, end, AS_OF)
    assert base.header(without_history, period, None).caveat == none


def test_load_warnings_counting_open_deals_name_their_date():
    w = pd.DataFrame(
        {
            "message": [
                "31 open deals without an amount (counted as 0 in pipeline)",
                "150 open deals with a close date already past (2026-11-13 is the data's last date)",
                "1 open deal without an expected close date (left out of quarter pipeline)",
                "52 deals with a blank account",
            ]
        }
    )
    out = base.dated_warnings(w, pd.Timestamp("2026-11-13"))["message"].tolist()
    lead = "On 2026-11-13, the data's last date: "
    assert out == [
        lead + "31 open deals without an amount (counted as 0 in pipeline)",
        lead + "150 open deals with a close date already past",
        lead + "1 open deal without an expected close date (left out of quarter pipeline)",
        "52 deals with a blank account",
    ]
    assert (
        base.dated_warnings(pd.DataFrame(out, columns=["message"]), "2026-11-13")[
            "message"
        ].tolist()
        == out
    )  # once only
    assert base.warnings_summary(3, AS_OF, pd.Timestamp("2026-11-13")) == (
        "The data has 3 data-quality warnings that do not stop the analysis; they count what "
        "the data shows on its last date (2026-11-13), not on the as-of date (2026-09-30) like "
        "this report's figures. The data-quality report says which figures each one affects."
    )
    assert base.warnings_summary(0, AS_OF, AS_OF) is None


# ---------------------------------------------------------------------------------------
# the demo against its raw CSVs


@pytest.fixture(scope="module")
def raw_demo(demo_dir):
    o = pd.read_csv(
        demo_dir / "opportunities.csv",
        parse_dates=["created_date", "close_date", "reassigned_date"],
    )
    h = pd.read_csv(demo_dir / "history.csv", parse_dates=["snapshot_date", "close_date"])
    r = pd.read_csv(demo_dir / "reps.csv")
    return o, h, r


@pytest.mark.xdist_group("forecast")  # shares report 03 on the demo (conftest's demo_forecast)
def test_demo_o0015478_closed_since_leaves_the_at_risk_table(demo, demo_forecast, raw_demo):
    o, h, _ = raw_demo
    snap = h[h["snapshot_date"] == "2026-09-25"]
    mine = snap[snap["opp_id"] == "O0015478"].iloc[0]
    deal = o.set_index("opp_id").loc["O0015478"]
    assert not mine["is_closed"] and deal["close_date"] > AS_OF and not deal["is_won"]
    r = demo_forecast
    for table in (r.largest, r.past_due, r.push_list):  # open on 9/30, lost since: left out
        f = table.frame
        assert "O0015478" not in set(f["opp_id"])
        assert not tl.closed_after(demo, f, AS_OF).any()
    for table in (r.largest, r.past_due):
        assert not table.frame["stage"].astype(str).str.contains("after").any()
        assert "Since then" not in table.spec.labels
    # and said: Q4's open deals on 9/30 (the 9/25 snapshot's, as it dated them) closed since
    closed = o[o["is_closed"].astype(bool)]
    by_then = closed.loc[closed["close_date"] <= AS_OF, "opp_id"]
    open_then = snap[~snap["is_closed"].astype(bool) & ~snap["opp_id"].isin(by_then)]
    late = o[  # created after the snapshot, by 9/30: as the record shows them
        (o["created_date"] > "2026-09-25")
        & (o["created_date"] <= AS_OF)
        & ~o["opp_id"].isin(snap["opp_id"])
        & ~o["opp_id"].isin(by_then)
    ]
    open_then = pd.concat([open_then[["opp_id", "close_date"]], late[["opp_id", "close_date"]]])
    q4 = open_then[open_then["close_date"].between("2026-10-01", "2026-12-31")]
    gone = q4[q4["opp_id"].isin(closed["opp_id"])]
    assert "O0015478" in set(gone["opp_id"])
    assert f"{len(gone):,} deals open on 2026-09-30 have closed since" in r.risk_sentence


@pytest.mark.xdist_group("forecast")
def test_demo_reassigned_deals_show_their_owner_then(demo, demo_forecast, raw_demo, demo_dir):
    o, h, reps = raw_demo
    open_then = (o["created_date"] <= AS_OF) & (
        ~o["is_closed"].astype(bool) | (o["close_date"] > AS_OF)
    )
    later = o[open_then & (o["reassigned_date"] > AS_OF)]
    lucas = reps.loc[reps["rep_name"] == "Lucas García", "rep_id"].iloc[0]
    assert set(later["rep_id"]) == {lucas} and len(later) == 19
    # who held them on 9/30: the rep the move of 10-24 took them from (truth), also the
    # owner the 9/25 snapshot names
    moves = pd.read_csv(demo_dir / "truth" / "reassignments.csv")
    then = moves[moves["to_rep"] == lucas].set_index("opp_id")["from_rep"]
    snap = h[h["snapshot_date"] == "2026-09-25"].set_index("opp_id")["rep_id"]
    in_snap = later["opp_id"][later["opp_id"].isin(snap.index)]
    assert (snap.loc[in_snap] == then.loc[in_snap]).all()
    owners = tl.owners_on(demo, AS_OF).set_index("opp_id").loc[later["opp_id"]]
    assert owners["owner_known"].all() and (owners["rep_id"] == then.loc[owners.index]).all()
    r = dq.build(demo, quarter="2026Q3")
    assert lucas not in set(r.rep_scores.frame["rep_id"])
    # they were Amara Silva's, who had left on 2026-08-27: waiting for a new owner, unscored
    assert "reassigned after" not in (r.score_sentence or "")
    assert "who had left by 2026-09-30 and wait for a new owner" in r.score_sentence
    fix = r.fix_list.frame
    assert lucas not in set(fix["rep_id"])
    assert not fix["rep_name"].astype(str).str.startswith("Previous owner").any()
    f = demo_forecast.past_due.frame
    assert "Lucas García" not in set(f["rep_name"])


def test_demo_warnings_name_the_date_they_count_on(demo, raw_demo):
    o, _, _ = raw_demo
    last = demo.last_date
    still_open = o[~o["is_closed"].astype(bool)]
    past = int((still_open["close_date"] < last).sum())
    no_amount = int(still_open["amount"].isna().sum())
    h = base.header(demo, base.period_of(demo, "2026Q3"), None)
    messages = h.warnings.frame["message"].tolist()
    lead = f"On {last.date()}, the data's last date: "
    assert f"{lead}{past} open deals with a close date already past" in messages
    assert any(m.startswith(f"{lead}{no_amount} open deals without an amount") for m in messages)
    assert (past, no_amount) == (160, 32)  # on the data's last date, not the as-of date


def test_demo_a_rep_is_scored_only_on_deals_held_for_a_month(demo, raw_demo):
    o, _, reps = raw_demo
    diego = reps.loc[reps["rep_name"] == "Amara Novak", "rep_id"].iloc[0]
    hired = pd.Timestamp(reps.set_index("rep_id").loc[diego, "hire_date"])
    audit = hygiene.audit(demo, as_of=AS_OF)
    od = audit.open_deals
    mine = od[od["rep_id"] == diego]
    got = o.set_index("opp_id").loc[mine["opp_id"]]
    received = got["reassigned_date"].fillna(got["created_date"]).clip(lower=hired)
    inherited = (received > got["created_date"]) & ((AS_OF - received).dt.days < 30)
    assert inherited.sum() >= 9  # the deals she received on 2026-09-19 (one closed by 9/30)
    scores = hygiene.hygiene_score(demo, audit, by="rep_id")
    own = int((~inherited).sum())
    if own:
        assert scores.loc[diego, "open_deals"] == own
    else:
        assert diego not in scores.index
    text = dq.owner_sentence(od, AS_OF, FMT)
    assert text is not None and "scored apart from their owners" in text
