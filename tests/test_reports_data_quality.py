"""Report 07's builder: the duplicate rule on both sides, one fix-list row per deal, the load's
warnings, sentences on hand-made frames, a Salesforce export without history, and the demo
against pandas on the raw CSV files."""

from __future__ import annotations

import ast
from dataclasses import replace

import nbformat
import pandas as pd
import pytest

from salesops_lib import load_dataset
from salesops_lib.analysis import hygiene
from salesops_lib.reports import data_quality as dq
from salesops_lib.reports.base import money_in

from .conftest import ROOT
from .test_data import write
from .test_reports_forecasting import salesforce_export

FMT = money_in("USD")
NAMES = dq.check_names()


# ---------------------------------------------------------------------------------------
# the duplicate rule


def open_deals(rows) -> pd.DataFrame:
    cols = ["opp_id", "rep_id", "account_id", "opp_name", "product", "amount", "created_date"]
    out = pd.DataFrame(rows, columns=cols)
    out["created_date"] = pd.to_datetime(out["created_date"])
    out["amount_missing"] = out["amount"].isna()
    out["amount"] = out["amount"].fillna(0.0)
    return out


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        # same rep and account alone is not enough (Salesforce exports often have no product)
        (
            ("Acme renewal", None, 15000, "2026-03-01"),
            ("Acme new seats", None, 24000, "2026-03-05"),
            None,
        ),
        (
            ("Acme renewal", None, 15000, "2026-03-01"),
            ("Acme upsell", None, 15000, "2026-03-10"),
            "same amount",
        ),
        (
            ("Acme - 200 seats", None, 24000, "2026-03-01"),
            ("acme 200 seats", None, 23000, "2026-03-02"),
            "same name",
        ),
        (
            ("Acme 200 seats", None, 24000, "2026-03-01"),
            ("Acme 220 seats", None, 26000, "2026-03-02"),
            "similar name",
        ),
        # created too far apart for the same amount alone ...
        (
            ("Acme renewal", None, 15000, "2026-03-01"),
            ("Acme upsell", None, 15000, "2026-03-16"),
            None,
        ),
        # ... but one name and account open twice is one deal entered twice, whenever made
        (
            ("Acme renewal", None, 15000, "2026-03-01"),
            ("Acme renewal", None, 15000, "2026-03-16"),
            "same name and account",
        ),
        (
            ("Acme renewal", None, 15000, "2026-03-01"),
            ("Acme renewal", None, 15000, "2026-03-15"),
            "same amount",
        ),
        # different products are different deals
        ((None, "Core", 15000, "2026-03-01"), (None, "Pro", 15000, "2026-03-02"), None),
        ((None, "Core", 15000, "2026-03-01"), (None, "Core", 15000, "2026-03-02"), "same amount"),
        # no amount entered is not "the same amount"
        ((None, None, None, "2026-03-01"), (None, None, None, "2026-03-02"), None),
    ],
)
def test_likely_duplicate_needs_more_than_same_rep_and_account(a, b, reason):
    deals = open_deals([("o1", "r1", "acc", *a), ("o2", "r1", "acc", *b)])
    pairs = hygiene.likely_duplicates(deals)
    if reason is None:
        assert pairs.empty
    else:
        assert pairs.to_dict("records") == [{"opp_id": "o1", "other_id": "o2", "reason": reason}]


def test_likely_duplicate_needs_a_known_account_and_the_same_rep_or_the_same_name():
    deals = open_deals(
        [
            ("o1", "r1", "acc", "Acme renewal", None, 15000, "2026-03-01"),
            ("o2", "r2", "acc", "Acme expansion", None, 15000, "2026-03-01"),
            ("o3", "r1", None, "Acme renewal", None, 15000, "2026-03-01"),
            ("o4", "r1", None, "Acme renewal", None, 15000, "2026-03-01"),
        ]
    )
    assert hygiene.likely_duplicates(deals).empty  # two reps, two names; no account


def test_same_name_and_account_is_a_duplicate_across_reps_and_without_an_amount():
    # HubSpot's "Cedar Media - new logo", open twice on 3/31 under two reps, a year apart,
    # one of them without an amount
    deals = open_deals(
        [
            (
                "9878938208",
                "D'Andre",
                "Cedar Media",
                "Cedar Media - new logo",
                None,
                5000,
                "2024-12-10",
            ),
            (
                "9884212037",
                "Ngozi",
                "Cedar Media",
                "Cedar Media - new logo",
                None,
                None,
                "2025-12-25",
            ),
            (
                "9884000001",
                "Ngozi",
                "Cedar Media",
                "Cedar Media - renewal",
                None,
                None,
                "2025-12-26",
            ),
            (
                "9884000002",
                "Ngozi",
                "Cedar Media",
                "Cedar Media - new logo",
                "Pro",
                None,
                "2025-12-26",
            ),
            (
                "9884000003",
                "Ngozi",
                "Cedar Media",
                "Cedar Media - new logo",
                "Core",
                None,
                "2025-12-26",
            ),
        ]
    )
    got = hygiene.likely_duplicates(deals).to_dict("records")
    pair = {"opp_id": "9878938208", "other_id": "9884212037", "reason": "same name and account"}
    assert pair in got
    ids = {frozenset((p["opp_id"], p["other_id"])) for p in got}
    assert frozenset(("9884000002", "9884000003")) not in ids  # two products: two deals
    assert not any("9884000001" in i for i in ids)  # another deal of the same rep and account


# ---------------------------------------------------------------------------------------
# a hand-made pipeline: one fix-list row per deal

REPS = "rep_id,rep_name,team,manager\nr1,Ann Lee,East,Max\nr2,Bo Chan,West,Max\n"
OPPS = (
    "opp_id,opp_name,account_id,rep_id,product,stage,amount,created_date,close_date,forecast_category,probability\n"
    "clean,Clean deal,a1,r1,Core,Propose,100,2026-05-01,2026-07-20,Pipeline,0.5\n"
    "two,Late and no account,,r1,Core,Propose,5000,2026-05-01,2026-06-01,Pipeline,0.5\n"
    "late,Late deal,a2,r1,Core,Propose,300,2026-05-01,2026-06-10,Pipeline,0.5\n"
    "dup1,Globex seats,a9,r2,Pro,Qualify,800,2026-05-01,2026-07-20,Pipeline,0.2\n"
    "dup2,Globex seats (copy),a9,r2,Pro,Qualify,800,2026-05-05,2026-07-21,Pipeline,0.2\n"
    "other,Globex support,a9,r2,Pro,Qualify,450,2026-05-06,2026-07-21,Pipeline,0.2\n"
    "won,Won deal,a6,r1,Core,Won,100,2026-04-01,2026-05-01,Closed,1\n"
)
ACCOUNTS = "account_id,account_name\na1,Acme Corp\na2,Initech\na9,Globex Inc\n"
CONFIG = (
    '[[stages]]\nname="Qualify"\nprobability=0.2\n[[stages]]\nname="Propose"\nprobability=0.5\n'
    '[[stages]]\nname="Won"\nclosed=true\nwon=true\n[[stages]]\nname="Lost"\nclosed=true\nwon=false\n'
)


@pytest.fixture
def hand(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG)
    folder = write(tmp_path / "q", reps=REPS, opportunities=OPPS, accounts=ACCOUNTS)
    return load_dataset(folder, config=cfg)


def test_fix_list_one_row_per_deal_grouped_by_rep_most_money_first(hand):
    r = dq.build(hand, quarter="2026Q2", as_of="2026-06-15")
    fix = r.fix_list.frame
    assert fix["opp_id"].is_unique
    assert list(fix["opp_id"]) == ["two", "late", "dup1", "dup2"]  # Ann: $5.3K at stake, Bo: $1.6K
    two = fix.set_index("opp_id").loc["two"]
    assert two["problems_text"] == "Close date passed; No account"
    assert (
        two["actions_text"]
        == "Update the close date or close the deal; Link the deal to its customer"
    )
    shown = r.fix_list.formatted()
    assert list(shown.columns) == [
        "Rep",
        "Deal",
        "Account",
        "Stage",
        "Amount",
        "Close date",
        "Category",
        "Problems",
    ]
    assert shown.iloc[1].tolist() == [
        "Ann Lee",
        "Late deal",
        "Initech",
        "Propose",
        "$300",
        "2026-06-10",
        "Pipeline",
        "Close date passed",
    ]
    assert "other" not in set(fix["opp_id"])  # same rep and account, another amount and name
    assert r.fix_sentence == (
        "The fix list holds **4 deals** with 5 problems, one row per deal. **Ann Lee** has the most "
        "money at stake: $5.3K in 2 deals. " + dq.departures_unseen_sentence(hand.reps)
    )  # no end date in the reps file: the page says departures cannot be seen
    export = r.fix_list_export.labelled()
    assert {"Team", "Manager", "Deal id", "Deal", "What to do"} <= set(export.columns)


LEFT_REPS = (
    REPS.replace("team,manager\n", "team,manager,end_date\n")
    .replace("Max\nr2", "Max,\nr2")
    .replace("West,Max\n", "West,Max,\n")
    + "r3,Cy Day,East,Max,2026-06-01\n"
)
LEFT_OPPS = (
    OPPS
    + "orphan,Orphan deal,a1,r3,Core,Propose,2000,2026-05-01,2026-07-20,Pipeline,0.5\n"
    + "orphan_late,Orphan late,a2,r3,Core,Propose,700,2026-05-02,2026-06-05,Pipeline,0.5\n"
    + "orphan_won,Orphan won later,a6,r3,Core,Won,400,2026-05-03,2026-06-25,Closed,1\n"
)


@pytest.fixture
def hand_left(tmp_path):
    """The hand-made pipeline plus a rep who left on 2026-06-01 with three open deals on 06-15."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG)
    folder = write(tmp_path / "q", reps=LEFT_REPS, opportunities=LEFT_OPPS, accounts=ACCOUNTS)
    return load_dataset(folder, config=cfg)


def test_fix_list_marks_the_deals_of_an_owner_who_had_left(hand_left):
    r = dq.build(hand_left, quarter="2026Q2", as_of="2026-06-15")
    fix = r.fix_list.frame.set_index("opp_id")
    # both still open, the one without another problem included; the one won since is not
    assert {"orphan", "orphan_late"} <= set(fix.index) and "orphan_won" not in fix.index
    orphan = fix.loc["orphan"]
    assert orphan["rep_name"] == "Cy Day (left 2026-06-01)"
    assert orphan["problems_text"] == "Owner has left"
    assert orphan["actions_text"] == "Assign a new owner"
    assert fix.loc["orphan_late", "problems_text"] == "Owner has left; Close date passed"
    assert fix.loc["orphan_late", "problems"] == 2
    assert fix["owner_left"].notna().sum() == 2
    assert "dup1" in fix.index and pd.isna(fix.loc["dup1", "owner_left"])
    # by hand: 3 deals of Cy open on 06-15 ($2,000 + $700 + $400), the $400 one won since;
    # 4 deals with 5 problems before, orphan_late's passed close date, 2 owners who had left
    assert r.fix_sentence.startswith(
        "The fix list holds **6 deals** with 8 problems, one row per deal: 5 flagged above and "
        "still open, and 1 whose only problem is an owner who has left, which the counts by "
        "problem above do not include. **Ann Lee** has the "
        "most money at stake: $5.3K in 2 deals. 3 open deals worth $3.1K on 2026-06-15 belonged "
        "to 1 rep who had left by then: 1 of them, worth $400, has closed since, and the other "
        "2, worth $2.7K, need a new owner (the fix list shows their owners with the day they "
        "left)."
    )
    # the same deals and value as the scores section's sentence
    assert "3 open deals worth $3.1K belong to 1 rep who had left by 2026-06-15" in (
        r.score_sentence or ""
    )
    assert r.definitions["Owner has left"].startswith("The deal's owner on the as-of date")
    assert "Cy Day (left 2026-06-01)" in set(r.fix_list.formatted()["Rep"])
    waiting = [f for f in r.findings if "new owner" in f.text]
    assert [(f.text, f.at_stake) for f in waiting] == [
        ("2 open deals worth **$2.7K** wait for a new owner: their owners had left.", 2700.0)
    ]
    assert dq.departed_findings(r.fix_list.frame.iloc[0:0], FMT) == []


def test_a_departed_owner_is_never_the_rep_to_act_first(hand_left):
    fix = dq.build(hand_left, quarter="2026Q2", as_of="2026-06-15").fix_list.frame
    # Cy's $2.7K is below Ann's $5.3K; made the largest, Ann is still the one named
    bigger = fix.assign(at_stake=fix["at_stake"].where(fix["owner_left"].isna(), 1e6))
    bigger = bigger.sort_values("at_stake", ascending=False, kind="stable")
    problems = pd.DataFrame({"opp_id": ["two", "two", "late"]})
    assert dq.fix_sentence(bigger, problems, FMT).endswith(
        "**Ann Lee** has the most money at stake: $5.3K in 2 deals."
    )


def test_fix_sentence_says_the_deals_whose_only_problem_is_an_owner_who_left():
    left = pd.Timestamp("2026-06-01")
    fix = pd.DataFrame(
        {
            "opp_id": ["a", "b", "c", "d"],
            "rep_id": ["r1", "r1", "r2", "r2"],
            "rep_name": ["Ann", "Ann", "Cy (left 2026-06-01)", "Cy (left 2026-06-01)"],
            "amount": [300.0, 100.0, 50.0, 20.0],
            "at_stake": [400.0, 400.0, 70.0, 70.0],
            "checks": [("past_due_close",), ("no_stage_change",), (), ("past_due_close",)],
            "owner_left": [pd.NaT, pd.NaT, left, left],
        }
    )
    problems = pd.DataFrame({"opp_id": ["a", "b", "d"]})
    # 3 deals flagged by the checks, 1 more only for its owner; 3 + 2 owners = 5 problems
    assert dq.fix_sentence(fix, problems, FMT) == (
        "The fix list holds **4 deals** with 5 problems, one row per deal: 3 flagged above and "
        "still open, and 1 whose only problem is an owner who has left, which the counts by "
        "problem above do not include. **Ann** has the most money at stake: $400 in 2 deals."
    )
    # every deal flagged by a check: the sentence is as before
    assert dq.fix_sentence(fix.iloc[[0, 1, 3]], problems, FMT).startswith(
        "The fix list holds **3 deals** with 4 problems, one row per deal. **Ann**"
    )
    only = fix.iloc[[2]]
    assert dq.fix_sentence(only, problems.iloc[0:0], FMT) == (
        "The fix list holds **1 deal** with 1 problem, one row per deal: none flagged above is "
        "still open, and 1 whose only problem is an owner who has left, which the counts by "
        "problem above do not include."
    )


def test_new_owner_sentence_branches():
    as_of = pd.Timestamp("2026-09-30")
    d = pd.DataFrame(
        {"rep_id": ["r1", "r1", "r2"], "amount": [100.0, 200.0, 50.0], "closed_after": False}
    )
    assert dq.new_owner_sentence(d.iloc[0:0], as_of, FMT) is None
    assert dq.new_owner_sentence(d.iloc[[0]], as_of, FMT) == (
        "1 open deal worth $100 on 2026-09-30 belonged to 1 rep who had left by then: it needs "
        "a new owner (the fix list shows the owner with the day they left)."
    )
    assert dq.new_owner_sentence(d, as_of, FMT) == (
        "3 open deals worth $350 on 2026-09-30 belonged to 2 reps who had left by then: they "
        "need a new owner (the fix list shows their owners with the day they left)."
    )
    closed = d.assign(closed_after=[True, False, False])
    assert dq.new_owner_sentence(closed, as_of, FMT) == (
        "3 open deals worth $350 on 2026-09-30 belonged to 2 reps who had left by then: 1 of "
        "them, worth $100, has closed since, and the other 2, worth $250, need a new owner (the "
        "fix list shows their owners with the day they left)."
    )
    assert dq.new_owner_sentence(closed.iloc[[0]], as_of, FMT) == (
        "1 open deal worth $100 on 2026-09-30 belonged to 1 rep who had left by then: it has "
        "closed since."
    )


def test_check_names_are_a_managers_words_everywhere(hand):
    r = dq.build(hand, quarter="2026Q2", as_of="2026-06-15")
    shown = set(r.problem_counts.frame["label"]) | set(r.problem_chart["label"])
    found = r.problem_counts.frame.query("deals > 0")
    assert set(found["label"]) == {"Close date passed", "No account", "Likely duplicate"}
    assert shown == {r.check_names[c] for c in r.audit.checked}
    for text in [
        *r.check_names.values(),
        *r.definitions,
        *r.rep_scores.formatted()["Most common problem"],
    ]:
        assert "_" not in text
    assert r.check_names["no_stage_change"] == "Open over twice the usual cycle"  # no history
    assert (
        dq.check_names(stale_days=30)["no_stage_change"] == "No stage or amount change for 30 days"
    )
    assert "created within 14 days" in r.definitions["Likely duplicate"]
    dup = r.duplicates.formatted()
    assert dup.iloc[0].tolist() == [
        "Globex seats",
        "Globex Inc",
        "Bo Chan",
        "Qualify",
        "$800",
        "2026-07-20",
        "Pipeline",
        "Globex seats (copy)",
        "Same amount, created 4 days apart",
    ]


def test_load_warnings_are_a_section_with_what_they_affect(hand):
    r = dq.build(hand, quarter="2026Q2", as_of="2026-06-15")
    assert r.header.warnings_summary is None  # not repeated in the header
    w = r.load_warnings.frame
    assert len(w) == len(hand.warnings) >= 2
    blank = w[w["column"] == "account_id"].iloc[0]
    assert blank["column_label"] == "Account" and "No account" in blank["affects"]
    missing = w[w["message"].str.contains("missing from the accounts")].iloc[0]
    assert missing["affects"].startswith("Account names of those deals (their account id")
    assert r.load_sentence == (
        f"The load raised **{len(w)} data-quality warnings** that do not stop the analysis; each "
        "is listed with the figures it affects."
    )
    past = dq.load_sentence(
        pd.DataFrame(
            {"column": ["close_date"], "message": ["3 open deal(s) with a close date already past"]}
        )
    )
    assert past.startswith("The load raised **1 data-quality warning** that does not stop")
    assert past.endswith(
        "counted there on the data's last date, and in this report on its as-of date."
    )
    effects = hygiene.warning_effects(
        pd.DataFrame(
            {
                "table": ["opportunities"],
                "column": ["close_date"],
                "ids": [""],
                "message": ["3 open deal(s) with a close date already past"],
            }
        )
    )
    assert effects["affects"].iloc[0].startswith("Past due")
    assert dq.load_sentence(w.iloc[0:0]) == (
        "The load raised no data-quality warning: every table passed its checks."
    )


def test_warning_effects_fall_back_to_the_table_and_column():
    w = pd.DataFrame(
        {"table": ["opportunities"], "column": ["lead_source"], "ids": [""], "message": ["odd"]}
    )
    assert (
        hygiene.warning_effects(w)["affects"].iloc[0]
        == "The figures that use opportunities.lead_source"
    )


# ---------------------------------------------------------------------------------------
# sentences


def counts(rows):
    return pd.DataFrame(rows, columns=["check", "label", "action", "deals", "amount"])


def test_problem_sentence_branches():
    od = pd.DataFrame({"amount": [1.0] * 10})
    flagged = pd.DataFrame({"amount": [1.0] * 4})
    c = counts(
        [
            ("no_stage_change", "No stage or amount change for 30 days", "", 4, 100.0),
            ("past_due_close", "Close date passed", "", 2, 900.0),
        ]
    )
    assert dq.problem_sentence(c, od, flagged, FMT) == (
        "**4 of 10** open deals (40%) have at least one problem. The most common is **No stage or "
        "amount change for 30 days** (4 deals, $100); the most money sits in **Close date passed** ($900)."
    )
    one = dq.problem_sentence(c.iloc[[0]], od, flagged.iloc[[0]], FMT)
    assert one.startswith("**1 of 10** open deals (10%) has at least one problem.")
    assert (
        dq.problem_sentence(c.iloc[0:0], od, flagged.iloc[0:0], FMT)
        == "No hygiene problem was found in the 10 open deals."
    )
    assert dq.problem_sentence(c, od.iloc[0:0], flagged, FMT).startswith("No deal was open")


def scores(rows):
    return pd.DataFrame(rows, columns=["team", "score"]).set_index("team")


def test_score_sentence_branches():
    reps = pd.DataFrame({"score": [20.0, 70.0, 45.0]})
    assert dq.score_sentence(scores([("East", 47.2), ("West", 61.0)]), reps) == (
        "Team hygiene scores run from **47** (East) to **61** (West); 2 reps score 50 or below (a "
        "problem on half their open deals or more)."
    )
    assert dq.score_sentence(scores([("East", 50.0), ("West", 50.2)]), reps).startswith(
        "Every team scores **50**;"
    )
    assert dq.score_sentence(scores([("East", 50.0)]), reps.iloc[[1]]) == (
        "**East** scores **50**; no rep scores 50 or below (a problem on half their open deals or "
        "more)."
    )
    assert dq.score_sentence(scores([("(unassigned)", 50.0)]), reps.iloc[[0]]) == (
        "The reps have no team, so only reps are scored: 1 rep scores 50 or below (a problem on "
        "half their open deals or more)."
    )


def impact(rows):
    cols = ["quarter", "flagged_deals", "clean_deals", "flagged_error", "clean_error"]
    if rows and len(rows[0]) == 7:
        cols += ["flagged_amount", "clean_amount"]
    return pd.DataFrame(rows, columns=cols)


def test_impact_sentence_compares_the_error_with_the_deals_and_their_value():
    # the demo's case: 42% of the deals, 40% of the value, 26% of the error: less than either
    demo = dq.impact_sentence(impact([("2026Q3", 42, 58, 2.6e5, 7.4e5, 4.0e6, 6.0e6)]))
    assert demo == (
        "In 2026Q3, the Pipeline by stage and age forecast made at the end of week 4 had **26%** "
        "of its absolute error, summed deal by deal, on deals with hygiene problems: they were "
        "**42%** of the open deals and **40%** of their value, so they carried less than their "
        "share of the deals and of the value."
    )
    many = impact([("2025Q3", 40, 60, 3e6, 1e6, 5e6, 5e6), ("2025Q4", 40, 60, 2e6, 1e6, 1e6, 1e6)])
    assert dq.impact_sentence(many).startswith(
        "In the 2 quarters 2025Q3 to 2025Q4, the Pipeline by stage and age forecast"
    )
    assert "**71%** of its absolute error" in dq.impact_sentence(many)
    assert "so they carried more than their share of the deals and of the value." in (
        dq.impact_sentence(many)
    )
    mixed = dq.impact_sentence(impact([("2017Q3", 10, 90, 3e5, 7e5, 6e5, 4e5)]))
    assert mixed.endswith(
        "so they carried more than their share of the deals but less than their share of the value."
    )
    # without amounts: the deals alone; equal as rounded: "about"
    even = dq.impact_sentence(impact([("2017Q3", 50, 50, 5.02e5, 4.98e5)]))
    assert even.endswith(
        "they were **50%** of the open deals, so they carried about their share of the deals."
    )
    assert "most" not in even
    assert dq.impact_sentence(impact([])) is None


@pytest.mark.parametrize(
    ("share", "deals", "value", "words"),
    [
        (0.26, 0.42, 0.40, "less than their share of the deals and of the value"),
        (0.60, 0.42, 0.40, "more than their share of the deals and of the value"),
        (
            0.45,
            0.42,
            0.60,
            "more than their share of the deals but less than their share of the value",
        ),
        (0.42, 0.42, 0.30, "about their share of the deals but more than their share of the value"),
        (0.30, 0.42, None, "less than their share of the deals"),
    ],
)
def test_share_against(share, deals, value, words):
    assert dq.share_against(share, deals, value) == words


# ---------------------------------------------------------------------------------------
# a Salesforce export without history


def test_salesforce_export_deal_tables_show_what_it_has(tmp_path):
    data = salesforce_export(tmp_path)
    r = dq.build(data, quarter="2026Q1")  # as of 2026-03-31, before the export's last date
    row = r.fix_list.formatted().iloc[0].to_dict()
    assert row == {
        "Rep": "Tom O'Reilly",
        "Deal": "Initech expansion",
        "Account": "Initech",
        "Stage": "Negotiation/Review",
        "Amount": "$52.0K",
        "Close date": "2026-03-20",
        "Category": "Commit",
        "Problems": "Close date passed",
    }
    assert r.status == "Partial: no history snapshots, no history to measure"
    assert r.score_sentence.startswith("The reps have no team")


def test_validates_past_due_deals_appear_in_07(tmp_path):
    data = salesforce_export(tmp_path)
    warned = data.warnings[data.warnings["message"].str.contains("already past")]
    r = dq.build(data, quarter="2026Q2")  # as of the data's last date, like salesops validate
    flagged = r.problems[r.problems["check"] == "past_due_close"]
    assert set(flagged["opp_id"]) == set(warned["ids"].iloc[0].split(", "))


# ---------------------------------------------------------------------------------------
# the demo, against pandas on the raw files


@pytest.fixture(scope="module")
def demo_quality(demo):
    return dq.build(demo, quarter="2026Q3")


def test_demo_open_deals_past_due_and_duplicates_match_the_raw_files(demo_quality, demo_dir):
    r = demo_quality
    h = pd.read_csv(
        demo_dir / "history.csv",
        parse_dates=[
            "snapshot_date",
            "close_date",
        ],
    )
    opps = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date", "created_date"])
    as_of = pd.Timestamp("2026-09-30")
    snap = h[h["snapshot_date"] == h.loc[h["snapshot_date"] <= as_of, "snapshot_date"].max()]
    closed = opps[
        (opps["is_closed"].astype(str).str.lower() == "true") & (opps["close_date"] <= as_of)
    ]
    open_ = snap[
        (snap["is_closed"].astype(str).str.lower() != "true")
        & ~snap["opp_id"].isin(closed["opp_id"])
    ]

    # deals created after the last snapshot and by the as-of date, as the record shows them
    late = opps[
        (opps["created_date"] > snap["snapshot_date"].max())
        & (pd.to_datetime(opps["created_date"]) <= as_of)
        & ~opps["opp_id"].isin(closed["opp_id"])
        & ~opps["opp_id"].isin(snap["opp_id"])
    ]
    open_ = pd.concat([open_, late[[c for c in open_.columns if c in late.columns]]])
    assert r.tiles[0].value == f"{len(open_):,}"
    due = open_[open_["close_date"] < as_of]
    flagged = r.problems[r.problems["check"] == "past_due_close"]
    assert set(flagged["opp_id"]) == set(due["opp_id"])
    # duplicates by the rule, by a plain self-merge on the raw rows
    # the owner on the as-of date: the snapshot's (history names it), else the record's
    deals = open_.merge(opps[["opp_id", "account_id", "product", "created_date"]], on="opp_id")
    deals = deals.dropna(subset=["account_id", "created_date"])
    pairs = deals.merge(deals, on=["rep_id", "account_id"])
    pairs = pairs[
        (pairs["opp_id_x"] < pairs["opp_id_y"])
        & ((pairs["created_date_x"] - pairs["created_date_y"]).abs() <= pd.Timedelta(days=14))
        & (pairs["product_x"] == pairs["product_y"])
        & (pairs["amount_x"] == pairs["amount_y"])
        & (pairs["amount_x"] > 0)
    ]
    dup = set(pairs["opp_id_x"]) | set(pairs["opp_id_y"])
    assert set(r.problems.loc[r.problems["check"] == "likely_duplicate", "opp_id"]) == dup


def test_demo_fix_list_is_every_flagged_deal_once_ranked_by_money(demo_quality, demo_dir):
    r = demo_quality
    fix = r.fix_list.frame
    # every flagged deal once, less those the raw opportunities show closed after 9/30
    raw = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    closed_later = set(
        raw.loc[raw["is_closed"].astype(bool) & (raw["close_date"] > "2026-09-30"), "opp_id"]
    )
    flagged = set(r.problems["opp_id"])
    departed = set(r.fix_list.frame.loc[fix["owner_left"].notna(), "opp_id"])
    assert fix["opp_id"].is_unique and set(fix["opp_id"]) == (flagged | departed) - closed_later
    assert len(flagged & closed_later) == 326
    assert len(fix) == 842 - 326 + len(departed - flagged)  # + 8 only an owner who had left
    assert len(departed - flagged) == 8
    # the fix list adds up in the sentence: 842 flagged - 326 closed since + 8 = 524
    assert r.fix_sentence.startswith(
        "The fix list holds **524 deals** with 812 problems, one row per deal: 516 flagged above "
        "and still open, and 8 whose only problem is an owner who has left, which the counts by "
        "problem above do not include."
    )
    assert r.problem_sentence.startswith("**842 of 2,191** open deals (38%) have at least one")
    stake = fix.groupby("owner_key", sort=False)["amount"].sum()
    assert list(stake.index) == list(dict.fromkeys(fix["owner_key"]))  # grouped by owner
    assert stake.is_monotonic_decreasing
    assert (
        fix.groupby("owner_key", sort=False)["amount"]
        .apply(lambda a: a.is_monotonic_decreasing)
        .all()
    )
    n_problems = fix["problems_text"].str.count(";").add(1).sum()
    departed = int(fix["owner_left"].notna().sum())  # "Owner has left" is one more problem
    assert n_problems == r.problems["opp_id"].isin(set(fix["opp_id"])).sum() + departed
    gone = r.problems[r.problems["opp_id"].isin(closed_later)].drop_duplicates("opp_id")
    won = gone["opp_id"].isin(set(raw.loc[raw["is_won"].astype(bool), "opp_id"]))
    fmt = money_in("USD")
    assert (
        f"326 deals flagged on 2026-09-30 have closed since, by 2026-11-13 (the data's last "
        f"date): {won.sum()} won ({fmt(gone.loc[won, 'amount'].sum())}) and {(~won).sum()} lost "
        f"({fmt(gone.loc[~won, 'amount'].sum())})"
    ) in r.fix_sentence
    # the counts by problem stay as of the as-of date
    assert int(r.problem_counts.frame["deals"].max()) == int(
        r.problems.groupby("check")["opp_id"].nunique().max()
    )
    assert r.rep_scores.frame["score"].is_monotonic_increasing


def test_demo_fix_list_agrees_with_the_deals_of_reps_who_had_left(demo_quality, demo_dir):
    """07's scores say 20 open deals worth $1.7M belong to 1 rep who had left: pandas on the
    raw CSVs finds the same deals, and the fix list holds those still open, marked."""
    r = demo_quality
    as_of = pd.Timestamp("2026-09-30")
    h = pd.read_csv(demo_dir / "history.csv", parse_dates=["snapshot_date"])
    opps = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date", "created_date"])
    reps = pd.read_csv(demo_dir / "reps.csv", parse_dates=["end_date"])
    snap = h[h["snapshot_date"] == h.loc[h["snapshot_date"] <= as_of, "snapshot_date"].max()]
    is_closed = opps["is_closed"].astype(str).str.lower() == "true"
    closed = set(opps.loc[is_closed & (opps["close_date"] <= as_of), "opp_id"])
    open_ = snap[(snap["is_closed"].astype(str).str.lower() != "true")]
    open_ = open_[~open_["opp_id"].isin(closed)]
    late = opps[
        (opps["created_date"] > snap["snapshot_date"].max())
        & (opps["created_date"] <= as_of)
        & ~opps["opp_id"].isin(closed)
        & ~opps["opp_id"].isin(snap["opp_id"])
    ]
    open_ = pd.concat([open_[["opp_id", "rep_id", "amount"]], late[["opp_id", "rep_id", "amount"]]])
    gone = set(reps.loc[reps["end_date"] <= as_of, "rep_id"])
    orphans = open_[open_["rep_id"].isin(gone)]
    assert (len(orphans), orphans["rep_id"].nunique()) == (19, 1)
    fmt = money_in("USD")
    assert fmt(orphans["amount"].sum()) == "$1.7M"
    assert "19 open deals worth $1.7M belong to 1 rep who had left" in r.score_sentence
    closed_later = set(opps.loc[is_closed & (opps["close_date"] > as_of), "opp_id"])
    still = orphans[~orphans["opp_id"].isin(closed_later)]
    fix = r.fix_list.frame
    marked = fix[fix["owner_left"].notna()]
    assert set(marked["opp_id"]) == set(still["opp_id"])
    assert marked["amount"].sum() == still["amount"].sum()
    assert marked["rep_name"].str.endswith(")").all() and (
        marked["problems_text"].str.startswith("Owner has left").all()
    )
    n_later = len(orphans) - len(still)
    assert (
        f"19 open deals worth $1.7M on 2026-09-30 belonged to 1 rep who had left by then: "
        f"{n_later} of them, worth {fmt(orphans['amount'].sum() - still['amount'].sum())}, have "
        f"closed since, and the other {len(still)}, worth {fmt(still['amount'].sum())}, need a "
        "new owner"
    ) in r.fix_sentence


def test_demo_no_sentence_holds_a_placeholder(demo_quality):
    r = demo_quality
    texts = [getattr(r, f) for f in r.__dataclass_fields__ if f.endswith("sentence")]
    for t in filter(None, texts):
        for bad in ("nan", "None", "–", "rep(s)", "_close", "no_stage"):
            assert bad not in t, (bad, t)
    assert len(r.load_warnings) == len(r.header.warnings)


def test_handout_writes_the_fix_list_beside_the_report(demo_quality, tmp_path):
    from salesops_lib.render import page

    html = page.handout(
        r := demo_quality.fix_list_export, str(tmp_path), "fix", "The fix list"
    ).data
    assert '<a href="fix.csv">fix.csv</a>' in html and '<a href="fix.xlsx">fix.xlsx</a>' in html
    written = pd.read_csv(tmp_path / "fix.csv")
    assert len(written) == len(r.frame) and "Problems" in written.columns
    assert page.handout(r, "", "fix", "x").data == ""


def test_notebook_07_is_thin():
    nb = nbformat.read(ROOT / "notebooks" / "07_crm_data_quality.ipynb", as_version=4)
    code = [
        c
        for c in nb.cells
        if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])
    ]
    lines = [ln for c in code for ln in c.source.splitlines() if ln.strip()]
    assert len(lines) <= 45
    for c in code:
        for node in ast.walk(ast.parse(c.source)):
            assert not isinstance(node, ast.If | ast.For | ast.FunctionDef | ast.IfExp)
    assert "rename(" not in "\n".join(lines) and "legacy_page" not in "\n".join(lines)
    assert all(c.get("id") for c in nb.cells)


def test_every_table_spec_has_distinct_labels():
    from salesops_lib.reports import forecasting as fr
    from salesops_lib.reports.tables import TableSpec

    specs = [v for m in (dq, fr) for v in vars(m).values() if isinstance(v, TableSpec)]
    assert len(specs) >= 8
    for spec in specs:
        assert len(set(spec.labels)) == len(spec.labels), spec.labels


# ---------------------------------------------------------------------------------------
# the second review: every check listed, no close date, the score's boundary, filled
# amounts, the forecast impact deal by deal, the fix list's columns, plain definitions

MAVEN_DIR = ROOT / "data" / "examples" / "maven_crm"


def test_every_check_the_data_allows_is_listed_with_its_count_zero_included(hand):
    assert hand.last_date <= pd.Timestamp("2026-06-15")  # the as-of date: probabilities known
    r = dq.build(hand, quarter="2026Q2", as_of="2026-06-15")  # no history snapshots
    counts = r.problem_counts.frame.set_index("check")
    assert set(counts.index) == set(hygiene.CHECKS) - {"pushed_repeatedly"}
    # by hand: no open deal lacks an amount or a close date, none has Commit early, every
    # probability is its stage's
    for check in ("missing_amount", "no_close_date", "category_mismatch", "probability_mismatch"):
        assert counts.loc[check, "deals"] == 0 and counts.loc[check, "amount"] == 0
    assert counts.loc["past_due_close", "deals"] == 2  # "two" and "late", dated in June
    shown = r.problem_counts.formatted()
    assert shown.set_index("Problem").loc["No amount", "Deals"] == "0"
    assert r.unchecked_sentence == (
        "Not checked on this data: Close date pushed twice or more (needs history snapshots)."
    )
    # without history the stage compared is the record's, as today's probability is: checked
    earlier = dq.build(hand, quarter="2026Q2", as_of="2026-05-05")
    assert earlier.period.as_of < hand.last_date
    assert "Probability" not in (earlier.unchecked_sentence or "")
    assert "probability_mismatch" in set(earlier.problem_counts.frame["check"])
    assert dq.unchecked_sentence({}, NAMES) is None


def test_an_open_deal_at_100_percent_is_at_odds_with_its_stage_before_the_last_date(tmp_path):
    # HubSpot's 9884664362: Contract Sent (90%) at probability 1, open on 3/31, the export
    # dated later: the load warns about it, so the check runs and finds it
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG)
    sure = OPPS + "sure,Sure thing,a2,r2,Pro,Propose,700,2026-04-02,2026-07-02,Pipeline,1\n"
    data = load_dataset(
        write(tmp_path / "p", reps=REPS, opportunities=sure, accounts=ACCOUNTS), config=cfg
    )
    audit = hygiene.audit(data, as_of="2026-05-05")
    assert "probability_mismatch" in audit.checked
    got = audit.problems[audit.problems["check"] == "probability_mismatch"]["opp_id"].tolist()
    assert got == ["sure"]


def test_an_open_deal_without_a_close_date_is_a_problem(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG)
    undated = OPPS + "undated,Undated deal,a2,r2,Pro,Qualify,700,2026-05-02,,Pipeline,0.2\n"
    data = load_dataset(
        write(tmp_path / "u", reps=REPS, opportunities=undated, accounts=ACCOUNTS), config=cfg
    )
    r = dq.build(data, quarter="2026Q2", as_of="2026-06-15")
    row = r.problem_counts.frame.set_index("check").loc["no_close_date"]
    assert (row["label"], row["deals"], row["amount"]) == ("No close date", 1, 700.0)
    assert r.fix_list.frame.set_index("opp_id").loc["undated", "problems_text"] == "No close date"
    assert (
        "No close date" in r.definitions
        and "no quarter's pipeline" in r.definitions["No close date"]
    )
    assert any("no close date" in f.text for f in r.findings)


@pytest.fixture(scope="module")
def maven_quality(maven):
    return dq.build(maven, quarter="2017Q4")


def maven_raw() -> tuple[pd.DataFrame, pd.Series]:
    raw = pd.read_csv(MAVEN_DIR / "sales_pipeline.csv")
    raw["product"] = raw["product"].replace({"GTXPro": "GTX Pro"})
    prices = pd.read_csv(MAVEN_DIR / "products.csv").set_index("product")["sales_price"]
    return raw, prices


def test_maven_open_deals_without_close_date_are_a_data_gap_said_once(maven_quality):
    raw, prices = maven_raw()
    open_ = raw[raw["deal_stage"].isin(["Prospecting", "Engaging"])]
    undated = open_[open_["close_date"].isna()]
    r = maven_quality
    counts = r.problem_counts.frame.set_index("check")
    n, amount = r.audit.data_gaps["no_close_date"]
    assert n == len(undated) == 2089
    assert amount == pytest.approx(undated["product"].map(prices).sum())
    # Maven records no close date for any open deal: a data gap, said once, not rep hygiene
    assert "no_close_date" not in set(counts.index)
    assert r.unchecked_sentence.startswith(
        "The export records **no expected close date** for open deals (2,089 of 2,089, $5.0M): "
        "a data gap, not the reps' hygiene, so No close date is left out of the problems, the "
        "scores and the fix list."
    )
    assert not any("No close date" in t for t in r.fix_list.frame["problems_text"])
    assert r.rep_scores.frame["score"].max() > 0  # scores measure the remaining checks
    assert not r.score_sentence.startswith("Every team scores **0**")
    assert not any("no close date" in f.text for f in r.findings)


def test_maven_preset_marks_the_amounts_it_filled_with_list_prices(maven):
    raw, prices = maven_raw()
    needs = (
        (raw["deal_stage"] != "Won")
        & (raw["close_value"].isna() | (raw["close_value"] == 0))
        & raw["product"].map(prices).notna()
    )
    got = maven.opportunities.set_index("opp_id")["amount_filled"]
    assert got.dtype == bool
    assert set(got[got].index) == set(raw.loc[needs, "opportunity_id"])


def test_a_filled_amount_is_not_the_same_amount():
    deals = open_deals(
        [
            ("o1", "r1", "acc", None, "Core", 550.0, "2026-03-01"),
            ("o2", "r1", "acc", None, "Core", 550.0, "2026-03-02"),
        ]
    )
    assert hygiene.likely_duplicates(deals)["reason"].tolist() == ["same amount"]
    assert hygiene.likely_duplicates(deals.assign(amount_filled=[True, False])).empty
    named = deals.assign(amount_filled=True, opp_name=["Acme seats", "Acme seats"])
    assert hygiene.likely_duplicates(named)["reason"].tolist() == ["same name"]  # names still count


def test_maven_duplicates_no_longer_rest_on_list_prices_and_tables_mark_them(maven_quality):
    raw, _ = maven_raw()
    open_ = raw[raw["deal_stage"].isin(["Prospecting", "Engaging"])]
    assert open_["close_value"].isna().all()  # Maven records no amount while a deal is open
    r = maven_quality
    assert r.duplicates.frame.empty and r.duplicate_sentence is None
    assert r.problem_counts.frame.set_index("check").loc["likely_duplicate", "deals"] == 0
    assert set(r.fix_list.frame["amount_source"]) == {"list price"}
    shown = r.fix_list.formatted()
    assert list(shown.columns[4:6]) == ["Amount", "Amount is"] and len(shown.columns) <= 9
    assert "Amount is" in r.definitions
    # a list price the preset filled in is an amount (marked so), not "No amount"
    assert r.problem_counts.frame.set_index("check").loc["missing_amount", "deals"] == 0
    assert (
        "The amounts of 2,089 open deals ($5.0M) are their product's list price, which the "
        "loader filled in where the export has none: they count as amounts, not as No amount."
    ) in r.unchecked_sentence


@pytest.mark.parametrize(
    ("flagged", "n_open", "counted"),
    [(27, 54, True), (26, 54, False), (28, 54, True), (1, 2, True), (1, 3, False), (2, 3, True)],
)
def test_a_rep_at_exactly_half_scores_50_and_is_counted(flagged, n_open, counted):
    reps = pd.DataFrame({"score": [100 * (1 - flagged / n_open)]})
    text = dq.score_sentence(scores([("East", 60.0), ("West", 70.0)]), reps)
    assert ("1 rep scores 50 or below" in text) is counted
    assert ("no rep scores 50 or below" in text) is not counted


def test_the_boundary_on_a_built_report(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG)
    opps = (
        "opp_id,opp_name,account_id,rep_id,product,stage,amount,created_date,close_date,forecast_category,probability\n"
        "a1,One,a1,r1,Core,Propose,100,2026-05-01,2026-07-20,Pipeline,0.5\n"
        "a2,Two,a2,r1,Core,Propose,100,2026-05-01,2026-06-01,Pipeline,0.5\n"  # past due
        "b1,Three,a1,r2,Core,Propose,100,2026-05-01,2026-07-20,Pipeline,0.5\n"
        "won,Won deal,a6,r1,Core,Won,100,2026-04-01,2026-05-01,Closed,1\n"
    )
    data = load_dataset(write(tmp_path / "b", reps=REPS, opportunities=opps), config=cfg)
    r = dq.build(data, quarter="2026Q2", as_of="2026-06-15")
    ann = r.rep_scores.frame.set_index("rep_id").loc["r1"]
    assert (ann["open_deals"], ann["flagged_deals"], ann["score"]) == (2, 1, 50.0)
    assert "1 rep scores 50 or below" in r.score_sentence


def test_forecast_impact_sums_each_deals_absolute_error(demo, demo_dir):
    from salesops_lib.analysis import forecast

    imp = hygiene.forecast_impact(demo, quarters=["2026Q2"]).iloc[0]
    as_of = pd.Timestamp("2026-04-28")  # the end of 2026Q2's week 4
    chances = forecast.deal_chances(demo, quarter="2026Q2", as_of=as_of)
    opps = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    won = opps[
        (opps["is_won"].astype(str).str.lower() == "true")
        & opps["close_date"].between("2026-04-01", "2026-06-30")
    ].set_index("opp_id")["amount"]
    error = chances["chance"] * chances["amount"] - chances["opp_id"].map(won).fillna(0.0)
    flagged = chances["opp_id"].isin(set(hygiene.audit(demo, as_of=as_of).problems["opp_id"]))
    assert imp["flagged_error"] == pytest.approx(error[flagged].abs().sum())
    assert imp["clean_error"] == pytest.approx(error[~flagged].abs().sum())
    assert imp["flagged_error"] > abs(error[flagged].sum())  # not the net error of the group
    assert imp["flagged_share"] == pytest.approx(error[flagged].abs().sum() / error.abs().sum())


def test_impact_window_is_the_last_four_complete_quarters_up_to_the_report_quarter(demo):
    from salesops_lib.reports.base import period_of

    final = period_of(demo, "2026Q3", None)
    assert dq.impact_window(demo, final) == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    running = period_of(demo, "2026Q3", "2026-08-14")
    assert dq.impact_window(demo, running) == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    frame = impact([("2025Q3", 40, 60, 1e6, 3e6)])
    text = dq.impact_sentence(frame, window=["2025Q3"], period=running)
    assert text.endswith(
        "The quarters measured are the last complete quarter up to 2026Q3, as the other reports "
        "take them (2026Q3 left out: it has not ended on the as-of date, so its deals' outcomes "
        "are not known yet)."
    )


def test_demo_impact_names_its_quarters_and_method(demo_quality):
    r = demo_quality
    assert r.impact_quarters == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert "the Pipeline by stage and age forecast" in r.impact_sentence
    assert "(2026Q3 included: it ended on the as-of date" in r.impact_sentence
    assert "Pipeline by stage and age" in r.definitions["Forecast impact"]
    assert "Absolute error on deals with a problem" in r.impact.formatted().columns


def test_maven_impact_says_which_quarters_could_not_be_measured(maven_quality):
    r = maven_quality
    assert r.impact_quarters == ["2017Q4"]
    assert "the Pipeline by age forecast" in r.impact_sentence
    assert "2017Q1, 2017Q2 and 2017Q3 left out: the forecast needs two full quarters" in (
        r.impact_sentence
    )


def test_fix_list_export_has_no_deal_column_equal_to_the_id(maven_quality, tmp_path):
    export = maven_quality.fix_list_export.labelled()
    assert "Deal id" in export.columns and "Deal" not in export.columns
    named = dq.build(salesforce_export(tmp_path), quarter="2026Q1").fix_list_export.labelled()
    assert {"Deal id", "Deal"} <= set(named.columns)
    assert (named["Deal"] != named["Deal id"]).all()


def test_definitions_are_plain_words_and_not_circular(demo_quality, maven_quality, maven):
    for r in (demo_quality, maven_quality):
        assert not any("salesops" in text for text in r.definitions.values())
    stale = demo_quality.definitions["No stage or amount change for 30 days"]
    assert "history snapshots show the same stage and amount" in stale
    assert not stale.lower().startswith("no stage or amount change")
    won = maven.opportunities[maven.opportunities["is_won"].astype(bool)]
    raw, _ = maven_raw()
    raw_won = raw[raw["deal_stage"] == "Won"]
    days = (pd.to_datetime(raw_won["close_date"]) - pd.to_datetime(raw_won["engage_date"])).dt.days
    assert len(won) == len(raw_won)
    cycle = maven_quality.definitions["Open over twice the usual cycle"]
    assert f"{2 * days.median():,.0f} days" in cycle and f"took {days.median():,.0f} days" in cycle


def test_deals_closed_after_the_as_of_date_say_so(tmp_path):
    from .conftest import FIXTURES

    data = load_dataset(FIXTURES / "salesforce_export", preset="salesforce")
    raw = pd.read_csv(FIXTURES / "salesforce_export" / "Opportunity.csv")
    later = raw[
        (raw["IsClosed"].astype(str).str.lower() == "true")
        & (pd.to_datetime(raw["CloseDate"], format="mixed") > "2026-03-31")
        & (pd.to_datetime(raw["CreatedDate"]).dt.tz_localize(None) <= "2026-03-31")
    ]
    r = dq.build(data, quarter="2026Q1")
    fix = r.fix_list.frame
    # the review's three: closed won after 3/31, told to "confirm the deal is alive"
    gone = {"006Dn00000jPNRwLMC", "006Dn00000ElKdVWUJ", "006Dn00000UjOd7JFT"}
    assert not (set(fix["opp_id"]) & set(later["Id"])) and not fix["closed_after"].any()
    shown = r.fix_closed_since
    assert set(shown["opp_id"]) == gone and gone <= set(r.problems["opp_id"])
    for _, row in shown.iterrows():
        won = raw.set_index("Id").loc[row["opp_id"], "IsWon"]
        word = "Won" if str(won).lower() == "true" else "Lost"
        assert row["stage"] == f"Closed {word} after 2026-03-31"
        assert pd.isna(row["forecast_category"])  # never the closing category, never "Closed later"
    amount = raw.set_index("Id").loc[sorted(gone), "Amount"].sum()
    assert (
        f"3 deals flagged on 2026-03-31 have closed since, by 2026-05-14 (the data's last date): "
        f"3 won ({money_in('USD')(amount)})."
    ) in r.fix_sentence
    assert "Closed Won after (date)" not in r.definitions  # no table of 07 shows such a deal now


@pytest.mark.parametrize(
    ("n", "undated", "gap"), [(20, 19, True), (20, 18, False), (19, 19, False)]
)
def test_a_blank_field_on_nearly_every_open_deal_is_a_data_gap(tmp_path, n, undated, gap):
    # 95% of the open deals or more, and at least 20 of them: what the export does not record
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG)
    rows = [
        f"d{i},Deal {i},a1,r{1 + i % 2},Core,Qualify,100,2026-05-01,"
        f"{'' if i < undated else '2026-07-20'},Pipeline,0.2\n"
        for i in range(n)
    ]
    opps = (
        OPPS.split("\n")[0]
        + "\n"
        + "".join(rows)
        + "won,Won deal,a6,r1,Core,Won,100,2026-04-01,2026-05-01,Closed,1\n"
    )
    data = load_dataset(
        write(tmp_path / "g", reps=REPS, opportunities=opps, accounts=ACCOUNTS), config=cfg
    )
    audit = hygiene.audit(data, as_of="2026-06-15")
    assert ("no_close_date" in audit.data_gaps) is gap
    assert ("no_close_date" in set(audit.problems["check"])) is not gap
    assert ("no_close_date" in audit.checked) is not gap
    if gap:
        assert audit.data_gaps["no_close_date"] == (undated, 100.0 * undated)
        scores = hygiene.hygiene_score(data, audit)
        assert "no_close_date" not in scores.columns  # the gap is no rep's problem


def test_data_gap_sentence_says_each_gap_once_and_the_list_prices():
    text = dq.data_gap_sentence(
        {"no_close_date": (2089, 5.0e6), "missing_account": (2000, 4.8e6)},
        (2089, 5.0e6),
        2089,
        NAMES,
        FMT,
    )
    assert text == (
        "The export records **no expected close date and no account** for open deals (2,089 of "
        "2,089, $5.0M): a data gap, not the reps' hygiene, so No close date and No account are "
        "left out of the problems, the scores and the fix list. The amounts of 2,089 open deals "
        "($5.0M) are their product's list price, which the loader filled in where the export "
        "has none: they count as amounts, not as No amount."
    )
    assert dq.data_gap_sentence({}, (0, 0.0), 10, NAMES, FMT) is None


def test_duplicate_sentence_names_each_rule_it_used():
    problems = pd.DataFrame(
        {
            "opp_id": ["a", "b", "c", "d"],
            "check": ["likely_duplicate"] * 4,
            "amount": [5000.0, 0.0, 800.0, 800.0],
        }
    )
    pairs = pd.DataFrame(
        {
            "opp_id": ["a", "c"],
            "other_id": ["b", "d"],
            "reason": ["same name and account", "same amount"],
        }
    )
    audited = hygiene.Audit(
        problems=problems,
        open_deals=pd.DataFrame({"opp_id": list("abcd")}),
        duplicates=pairs,
        checked=["likely_duplicate"],
        not_checked={},
        data_gaps={},
        filled=(0, 0.0),
        cycle_days=float("nan"),
    )
    assert dq.duplicate_sentence(audited, FMT) == (
        "4 open deals worth $6.6K look like duplicates (2 pairs: one with the same name and "
        "account, whoever owns it; one of the same rep and account, created within 14 days of "
        "each other, with the same entered amount or a very similar name)."
    )
    one = replace(audited, problems=problems.iloc[:2], duplicates=pairs.iloc[[0]])
    assert dq.duplicate_sentence(one, FMT) == (
        "2 open deals worth $5.0K look like duplicates (1 pair: one with the same name and "
        "account, whoever owns it)."
    )


@pytest.mark.parametrize(
    ("blank_open", "blank_closed", "gap"),
    [
        (10, 0, True),  # half the open deals, no closed one: the export leaves it blank
        (9, 0, False),  # under half the open deals: the reps' hygiene
        (10, 1, False),  # blank on a closed deal too (1 of 20, over 1%): hygiene
    ],
)
def test_a_field_blank_only_on_open_deals_is_an_export_gap(tmp_path, blank_open, blank_closed, gap):
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG)
    head = OPPS.split("\n")[0] + "\n"
    open_rows = [
        f"d{i},Deal {i},{'' if i < blank_open else 'a1'},r1,Core,Qualify,100,2026-05-01,"
        "2026-07-20,Pipeline,0.2\n"
        for i in range(20)
    ]
    closed_rows = [
        f"w{i},Won {i},{'' if i < blank_closed else 'a2'},r2,Core,Won,50,2026-03-01,"
        "2026-05-01,Closed,1\n"
        for i in range(20)
    ]
    data = load_dataset(
        write(
            tmp_path / "g",
            reps=REPS,
            opportunities=head + "".join(open_rows + closed_rows),
            accounts=ACCOUNTS,
        ),
        config=cfg,
    )
    audit = hygiene.audit(data, as_of="2026-06-15")
    assert ("missing_account" in audit.data_gaps) is gap
    assert ("missing_account" in set(audit.problems["check"])) is not gap
    if gap:
        assert audit.closed_blank == {"missing_account": (0, 20)}
        text = dq.data_gap_sentence(
            audit.data_gaps, audit.filled, 20, NAMES, FMT, audit.closed_blank
        )
        assert text == (
            "The export leaves the **account** blank on 10 of 20 open deals (50%, $1.0K) and on "
            "none of the 20 deals closed by then: a field blank on at least 50% of the open "
            "deals and on at most 1% of the closed ones is an export gap, not the reps' "
            "hygiene, so No account is left out of the problems, the scores and the fix list."
        )


def test_owner_sentence_says_which_deals_are_scored_apart_and_why():
    as_of = pd.Timestamp("2026-09-30")
    od = pd.DataFrame(
        {
            "amount": [100.0, 200.0, 50.0, 10.0],
            "owner_known": [True, True, False, True],
            "created_date": pd.to_datetime(
                ["2026-08-01", "2026-08-01", "2026-08-01", "2026-09-25"]
            ),
            "received_date": pd.to_datetime(
                ["2026-08-01", "2026-09-19", "2026-08-01", "2026-09-25"]
            ),
            "reassigned_date": pd.to_datetime([None, "2026-09-19", "2026-10-24", None]),
        }
    )
    assert dq.owner_sentence(od, as_of, FMT) == (
        "1 open deal worth $200 is scored apart from its owner: it reached its owner less than "
        "30 days before 2026-09-30, so what is wrong with it mostly happened before (a rep is "
        "scored only on deals held for that long); 1 open deal worth $50 is left out of the "
        "scores by rep: who owned it on 2026-09-30 is not in the data (the current owner "
        "received it later (on 2026-10-24), or was hired later). The company's and the teams' "
        "figures count them."
    )
    assert dq.owner_sentence(od.iloc[[0, 3]], as_of, FMT) is None
    gone = od.iloc[[0, 3]].assign(rep_id=["r9", "r1"])
    assert dq.owner_sentence(gone, as_of, FMT, frozenset({"r9"})) == (
        "1 open deal worth $100 belongs to 1 rep who had left by 2026-09-30 and waits for a new "
        "owner: left out of the scores by rep. The company's and the teams' figures count them."
    )


def test_age_untested_sentence_says_the_deals_without_a_created_date():
    names = dq.check_names(has_history=False)
    od = pd.DataFrame({"age_days": [400.0, 10.0, None, None], "amount": [100.0, 50.0, 30.0, 20.0]})
    counts = pd.DataFrame({"check": ["no_stage_change"], "deals": [1]})
    # 2 deals without a created date ($50); of the other 2, 1 (50%) is over twice the cycle
    assert dq.age_untested_sentence(od, counts, names, 90.0, FMT) == (
        "2 open deals ($50) have no created date, so Open over twice the usual cycle cannot be "
        "tested on them: of the 2 open deals with a created date, 1 (50%) is open over twice "
        "the usual cycle."
    )
    assert dq.age_untested_sentence(od.iloc[[2]], counts.assign(deals=0), names, 90.0, FMT) == (
        "1 open deal ($30) has no created date, so Open over twice the usual cycle cannot be "
        "tested on it."
    )
    # with history snapshots (no cycle yardstick), without the check, or every deal dated: None
    assert dq.age_untested_sentence(od, counts, names, float("nan"), FMT) is None
    assert dq.age_untested_sentence(od, counts.iloc[0:0], names, 90.0, FMT) is None
    assert dq.age_untested_sentence(od.iloc[:2], counts, names, 90.0, FMT) is None


def test_maven_headline_says_the_open_deals_the_age_check_cannot_test(maven_quality):
    raw, prices = maven_raw()
    open_ = raw[raw["deal_stage"].isin(["Prospecting", "Engaging"])]
    blind = open_[open_["engage_date"].isna()]
    dated = open_[open_["engage_date"].notna()]
    assert (len(blind), len(dated)) == (500, 1589)
    assert set(blind["deal_stage"]) == {"Prospecting"}
    r = maven_quality
    stale = int(r.problem_counts.frame.set_index("check").loc["no_stage_change", "deals"])
    assert stale == 1403
    # the stale deals are all among the dated ones: twice the median won cycle, from the raw file
    won = raw[raw["deal_stage"] == "Won"]
    cycle = (pd.to_datetime(won["close_date"]) - pd.to_datetime(won["engage_date"])).dt.days
    age = (pd.Timestamp("2017-12-31") - pd.to_datetime(dated["engage_date"])).dt.days
    assert int((age > 2 * cycle.median()).sum()) == stale
    amount = money_in("USD")(blind["product"].map(prices).sum())
    assert r.problem_sentence.startswith("**1,403 of 2,089** open deals (67%) have at least one")
    assert r.problem_sentence.endswith(
        f" 500 open deals ({amount}) have no created date, so Open over twice the usual cycle "
        "cannot be tested on them: of the 1,589 open deals with a created date, 1,403 (88%) are "
        "open over twice the usual cycle."
    )


def test_hubspot_export_says_departures_cannot_be_seen(tmp_path):
    """HubSpot's deals export names owners only: no end date, no active or archived flag
    (by pandas on the raw header), so 07 says departed owners cannot be flagged."""
    from .conftest import FIXTURES

    folder = FIXTURES / "hubspot_export"
    raw = pd.read_csv(next(folder.glob("*.csv")), dtype=str, encoding="utf-8-sig", nrows=5)
    flags = [c for c in raw.columns if any(w in c.lower() for w in ("end", "active", "archiv"))]
    assert flags == [] and [p.name for p in folder.glob("*.csv")] == [
        "hubspot-crm-exports-all-deals-2026-05-20.csv"
    ]
    data = load_dataset(folder, preset="hubspot")
    assert data.reps["end_date"].isna().all()
    r = dq.build(data, quarter="2026Q1")
    said = dq.departures_unseen_sentence(data.reps)
    assert said is not None and said in r.fix_sentence
    assert "No rep in this data has an end date" in said
    # issue 16 (VP re-read 2, finding 13): the hint names no CRM (it showed "HubSpot" on Maven)
    assert not any(crm in said for crm in ("HubSpot", "Salesforce", "Maven"))
    assert OWNER_LEFT_WORDS not in r.fix_sentence


OWNER_LEFT_WORDS = "who had left by then"


def test_departures_sentence_only_when_nothing_shows_them():
    with_end = pd.DataFrame(
        {"rep_id": ["a", "b"], "end_date": [pd.NaT, pd.Timestamp("2026-01-31")]}
    )
    flagged = pd.DataFrame({"rep_id": ["a"], "end_date": [pd.NaT], "isactive": ["true"]})
    blank = pd.DataFrame({"rep_id": ["a"], "end_date": [pd.NaT]})
    assert dq.departures_unseen_sentence(with_end) is None
    assert dq.departures_unseen_sentence(flagged) is None  # an active flag: nobody left
    assert dq.departures_unseen_sentence(blank).startswith("No rep in this data has an end date")


def test_rep_scores_drop_the_team_column_when_no_rep_has_a_team():
    from .conftest import FIXTURES

    hs = dq.build(load_dataset(FIXTURES / "hubspot_export", preset="hubspot"), quarter="2026Q1")
    assert "team" not in [c.key for c in hs.rep_scores.shown_columns()]  # not a column of "–"
    assert "Team" not in hs.rep_scores.formatted().columns
    sf = dq.build(
        load_dataset(FIXTURES / "salesforce_export", preset="salesforce"), quarter="2026Q1"
    )
    assert "team" in [c.key for c in sf.rep_scores.shown_columns()]


def test_maven_findings_say_their_amounts_are_list_prices(maven_quality):
    # issue 16 (VP re-read 2, finding 12): Maven's open deals carry no amount; every amount
    # the findings sum is a list price the loader filled in, and each finding says so
    money = [f for f in maven_quality.findings if f.at_stake > 0 and "worth" in f.text]
    assert money
    for f in money:
        assert "at list price" in f.text, f.text


def test_warning_table_names_tables_as_reports_01_to_06_do():
    # issue 16 (VP re-read 2, finding 13): 07 said "Opportunities" where 01-06 say "Deals"
    from salesops_lib.reports.base import TABLE_WORDS

    w = pd.DataFrame({"table": ["opportunities", "reps", "odd_table"], "column": ["amount"] * 3})
    got = dq._warning_labels(w)["table_label"].tolist()
    assert got == [TABLE_WORDS["opportunities"], "Reps", "Odd table"] and got[0] == "Deals"
