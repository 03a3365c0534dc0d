"""Report 07's builder: the duplicate rule on both sides, one fix-list row per deal, the load's
warnings, sentences on hand-made frames, a Salesforce export without history, and the demo
against pandas on the raw CSV files."""

from __future__ import annotations

import ast

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
        # created too far apart
        (
            ("Acme renewal", None, 15000, "2026-03-01"),
            ("Acme renewal", None, 15000, "2026-03-16"),
            None,
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


def test_likely_duplicate_needs_the_same_rep_and_a_known_account():
    deals = open_deals(
        [
            ("o1", "r1", "acc", "Acme renewal", None, 15000, "2026-03-01"),
            ("o2", "r2", "acc", "Acme renewal", None, 15000, "2026-03-01"),
            ("o3", "r1", None, "Acme renewal", None, 15000, "2026-03-01"),
            ("o4", "r1", None, "Acme renewal", None, 15000, "2026-03-01"),
        ]
    )
    assert hygiene.likely_duplicates(deals).empty


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
        "money at stake: $5.3K in 2 deals."
    )
    export = r.fix_list_export.labelled()
    assert {"Team", "Manager", "Deal id", "What to do"} <= set(export.columns)


def test_check_names_are_a_managers_words_everywhere(hand):
    r = dq.build(hand, quarter="2026Q2", as_of="2026-06-15")
    shown = set(r.problem_counts.frame["label"]) | set(r.problem_chart["label"])
    assert shown == {"Close date passed", "No account", "Likely duplicate"}
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
        "Team hygiene scores run from **47** (East) to **61** (West); 2 reps score below 50 (a "
        "problem on half their open deals or more)."
    )
    assert dq.score_sentence(scores([("East", 50.0), ("West", 50.2)]), reps).startswith(
        "Every team scores **50**;"
    )
    assert dq.score_sentence(scores([("East", 50.0)]), reps.iloc[[1]]) == (
        "**East** scores **50**; no rep scores below 50 (a problem on half their open deals or more)."
    )
    assert dq.score_sentence(scores([("(unassigned)", 50.0)]), reps.iloc[[0]]) == (
        "The reps have no team, so only reps are scored: 1 rep scores below 50 (a problem on half "
        "their open deals or more)."
    )


def impact(rows):
    return pd.DataFrame(
        rows, columns=["quarter", "flagged_deals", "clean_deals", "flagged_error", "clean_error"]
    )


def test_impact_sentence_says_mostly_only_when_true():
    many = impact([("2025Q3", 40, 60, 3e6, -1e6), ("2025Q4", 40, 60, 2e6, 1e6)])
    assert dq.impact_sentence(many) == (
        "In the 2 quarters 2025Q3 to 2025Q4, forecasts made at the end of week 4 from the open "
        "pipeline missed mostly on deals with hygiene problems: they were **40%** of the open deals "
        "but carried **71%** of the forecast error."
    )
    one = dq.impact_sentence(impact([("2017Q3", 10, 90, 3e5, -7e5)]))
    assert (
        one.startswith("In 2017Q3, ")
        and "more on deals with hygiene problems than their number suggests" in one
    )
    even = dq.impact_sentence(impact([("2017Q3", 50, 50, 1e5, -9e5)]))
    assert "missed no more on deals with hygiene problems than on the others" in even
    assert dq.impact_sentence(impact([])) is None
    half = dq.impact_sentence(impact([("2026Q1", 45, 55, 5.02e5, -4.98e5)]))
    assert "mostly" not in half and "carried **50%** of the error" in half


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
    deals = open_.merge(
        opps[["opp_id", "rep_id", "account_id", "product", "created_date"]], on="opp_id"
    )
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


def test_demo_fix_list_is_every_flagged_deal_once_ranked_by_money(demo_quality):
    r = demo_quality
    fix = r.fix_list.frame
    assert fix["opp_id"].is_unique and set(fix["opp_id"]) == set(r.problems["opp_id"])
    stake = fix.groupby("rep_id", sort=False)["amount"].sum()
    assert list(stake.index) == list(dict.fromkeys(fix["rep_id"]))  # grouped by rep
    assert stake.is_monotonic_decreasing
    assert (
        fix.groupby("rep_id", sort=False)["amount"].apply(lambda a: a.is_monotonic_decreasing).all()
    )
    n_problems = fix["problems_text"].str.count(";").add(1).sum()
    assert n_problems == len(r.problems)
    assert r.rep_scores.frame["score"].is_monotonic_increasing


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
