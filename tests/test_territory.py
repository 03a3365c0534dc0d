"""Report 08's analysis: balance, the least disruptive realignment, the greedy baseline."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from salesops_lib.analysis import territory as terr
from salesops_lib.errors import ConfigError
from salesops_lib.reports import territory_design as td


def tiny_book(lock: dict[str, str] | None = None) -> pd.DataFrame:
    """Two territories: A holds 4 accounts of potential 3, 1, 1, 1 (6), B one of 2 (2)."""
    ids = ["a1", "a2", "a3", "a4", "b1"]
    book = pd.DataFrame(
        {
            "account_id": ids,
            "account_name": ids,
            "territory": ["A", "A", "A", "A", "B"],
            "rep_name": ["Ann"] * 4 + ["Bob"],
            "manager": "M",
            "group": "g",
            "potential": [3.0, 1.0, 1.0, 1.0, 2.0],
            "open_deals": [0, 1, 0, 0, 0],
            "open_pipeline": [0.0, 50.0, 0.0, 0.0, 0.0],
            "activities": 0,
            "bookings": 0.0,
            "lock": "",
        }
    )
    for a, why in (lock or {}).items():
        book.loc[book["account_id"] == a, "lock"] = why
    return book


def test_tiny_case_moves_the_known_optimum():
    # average 4; within ±25% means 3..5 each: moving one account of potential 1 (A 5, B 3)
    # is the fewest moves; a2 has an open deal, so a3 or a4 moves instead
    r = terr.realign(tiny_book(), band=0.25)
    moved = tiny_book()[r.moved(tiny_book())]
    assert list(moved["account_id"]) in (["a3"], ["a4"])
    assert r.proven and r.excess == 0
    # within ±0%: 4 each, the account of 3 stays (moving it needs 3 moves) so a2..a4 give 2
    r0 = terr.realign(tiny_book(), band=0.0)
    assert int(r0.moved(tiny_book()).sum()) == 2


def test_locked_accounts_never_move():
    book = tiny_book({"a3": "named account", "a4": "late-stage open deal"})
    r = terr.realign(book, band=0.25)
    moved = book[r.moved(book)]
    # a1 (3) or a2 (1, with an open deal) could move alone: a1, which has no deal
    assert list(moved["account_id"]) == ["a1"]
    everything = tiny_book({a: "named account" for a in ["a1", "a2", "a3", "a4"]})
    r = terr.realign(everything, band=0.25)
    assert not r.moved(everything).any() and r.excess == pytest.approx(0.25)


def test_greedy_re_deal_ignores_where_accounts_are():
    g = terr.greedy_realign(tiny_book())
    # largest first to the lightest (ties: A): a1 (3) to A, b1 (2) to B, a2 to B (2 < 3),
    # a3 to A (3 = 3), a4 to B (3 < 4): rows a1..a4, b1
    assert list(g) == ["A", "B", "A", "B", "B"]


def test_rules_from_config_checks_the_band():
    assert terr.rules_from_config(None) == terr.Rules()
    r = terr.rules_from_config({"territory": {"band": 0.2, "locked_accounts": ["A1"]}})
    assert r.band == 0.2 and r.locked_accounts == ("A1",)
    with pytest.raises(ConfigError, match="band"):
        terr.rules_from_config({"territory": {"band": 15}})


def test_potential_is_the_average_of_alike_accounts():
    a = pd.DataFrame(
        {
            "account_id": list("abcd"),
            "segment": ["SMB", "SMB", "Ent", "Ent"],
            "annual_revenue": [1.0, 2.0, 5.0, 6.0],
        }
    )
    p = terr.account_potential(a, pd.Series({"a": 10.0, "c": 30.0, "d": 10.0}))
    # two accounts a segment: each its own revenue quartile band (1st half 2, 2nd 4)
    assert p.tolist() == [10.0, 0.0, 30.0, 10.0]
    p = terr.account_potential(a.drop(columns="annual_revenue"), pd.Series({"a": 10.0}))
    assert p.tolist() == [5.0, 5.0, 0.0, 0.0]


@pytest.fixture(scope="module")
def demo_report(demo):
    return td.build(demo)


def test_demo_proposal_is_inside_the_band_with_fewer_moves_than_greedy(demo_report):
    r = demo_report
    book = r.book
    after = terr.balance(book, band=r.rules.band, territory="proposed")
    assert not after["outside"].any()
    moved = book["proposed"] != book["territory"]
    greedy = book["greedy"] != book["territory"]
    assert 0 < moved.sum() < greedy.sum()
    assert not (moved & (book["lock"] != "")).any()  # locked accounts never move
    assert not (greedy & (book["lock"] != "")).any()
    scen = r.scenarios.frame.set_index("scenario")
    assert scen["accounts_moved"].iloc[1] == moved.sum()
    assert scen["accounts_moved"].iloc[3] == greedy.sum()
    assert f"{int(greedy.sum()):,} accounts" in r.fix_sentence
    # moves stay inside the team
    team_of = book.drop_duplicates("territory").set_index("territory")["team"]
    assert (book["proposed"].map(team_of) == book["team"]).all()


def test_demo_figures_match_pandas_on_the_raw_files(demo_report, demo_dir):
    r = demo_report
    as_of = r.period.as_of
    accounts = pd.read_csv(demo_dir / "accounts.csv")
    opps = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    counts = accounts.groupby("territory").size()
    t = r.territories.frame.set_index("territory")
    assert (t["accounts"] == counts.reindex(t.index)).all()
    won = opps[opps["is_won"] & (opps["close_date"] > as_of - pd.Timedelta(days=365))]
    won = won[won["close_date"] <= as_of].merge(
        accounts[["account_id", "territory"]], on="account_id"
    )
    booked = won.groupby("territory")["amount"].sum().reindex(t.index).fillna(0.0)
    np.testing.assert_allclose(t["bookings"].to_numpy(), booked.to_numpy())
    assert r.status == "Ready" and r.findings


def test_moves_frame_names_the_new_rep(demo_report):
    m = demo_report.moves.frame
    reps = demo_report.book.drop_duplicates("territory").set_index("territory")["rep_name"]
    assert (m["to_rep"] == m["proposed"].map(reps)).all()
    assert (m["territory"] != m["proposed"]).all()


@pytest.fixture(scope="module")
def maven_report(maven):
    return td.build(maven)


def test_maven_territories_are_the_agents_owning_most_deals(maven, maven_report):
    r = maven_report
    book = r.book
    assert r.status == "Ready"
    assert r.basis_sentence.startswith("The accounts carry no territory")
    opps = maven.opportunities.dropna(subset=["account_id"])
    one = book.iloc[0]
    deals = opps[opps["account_id"] == one["account_id"]]
    deals = deals[deals["created_date"] <= r.period.as_of]
    top = deals["rep_id"].value_counts()
    assert top[one["rep_id"]] == top.max()
    assert not ((book["proposed"] != book["territory"]) & (book["lock"] != "")).any()


def test_maven_locks_only_deals_closing_soon(maven, maven_report):
    # Maven's stages carry no probability and its open deals no close date: every account
    # has a deal in Engaging, so the old "last open stage" rule locked all 85; now none is
    r = maven_report
    opens = maven.opportunities[~maven.opportunities["is_closed"].fillna(False).astype(bool)]
    assert opens["close_date"].isna().all()
    assert (r.book["lock"] == "").all()
    moved = r.book["proposed"] != r.book["territory"]
    assert moved.sum() == len(r.moves.frame) > 0
    assert "expected to close within 30 days" in r.definitions["Locked account"]
    assert "No account is locked by rule." in r.fix_sentence


def test_late_deals_by_probability_or_close_date(demo):
    as_of = pd.Timestamp("2026-06-30")
    opens = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d"],
            "stage": [s.name for s in demo.stages if not s.closed][:1] * 4,
            "close_date": pd.to_datetime(["2026-07-10", "2026-07-30", "2026-08-15", None]),
        }
    )
    # without probabilities: closing from the as-of date to 30 days after (a, b; not c, d)
    bare = demo.replace(stages=tuple(replace(s, probability=None) for s in demo.stages))
    assert list(terr._late_deals(bare, opens, as_of)) == ["a", "b"]
    assert "within 30 days" in terr.lock_rule(bare)
    # with probabilities: the stage decides, whatever the close date
    first = [s for s in demo.stages if not s.closed][0]
    late = terr._late_stages(demo)
    assert late is not None and first.name not in late
    assert terr._late_deals(demo, opens, as_of).empty
    assert "60% or more" in terr.lock_rule(demo)


def test_data_without_accounts_says_what_is_missing(demo):
    r = td.build(demo.replace(accounts=None))
    assert r.status == "Partial: no accounts"
    assert len(r.gaps) == len(td.SECTIONS) and r.territories.frame.empty
    assert r.gaps[0].sentence.startswith("This needs accounts")


def test_balance_sentence_branches():
    t = pd.DataFrame({"territory": ["A", "B"], "potential_share": [1.1, 0.9], "outside": False})
    assert td.balance_sentence(t, 0.15).startswith("Every territory is within ±15%")
    t = t.assign(potential_share=[1.3, 0.7], outside=True)
    assert td.balance_sentence(t, 0.15) == (
        "**2 of 2 territories** are outside ±15% of their team’s average potential: "
        "from 70% (B) to 130% (A)."
    )
    assert td.balance_sentence(t.iloc[0:0], 0.15) is None


def test_fix_sentence_branches():
    def fmt(x):
        return f"${x:,.0f}"

    kw = dict(territories=4, pipeline=0.0, greedy_moves=9, locked=1, band=0.15, fmt=fmt)
    s = td.fix_sentence(outside_before=0, outside_after=0, moved=0, proven=True, **kw)
    assert s.startswith("Every territory is already within ±15%")
    s = td.fix_sentence(outside_before=2, outside_after=0, moved=3, proven=True, **kw)
    assert s == (
        "Moving **3 accounts** (none with an open deal) brings **every territory within ±15%**; "
        "no assignment moves fewer. 1 account stay where they are by rule. A greedy re-deal "
        "that ignores disruption would move 9 accounts."
    )
    s = td.fix_sentence(outside_before=2, outside_after=1, moved=3, proven=False, **kw)
    assert "1 cannot be" in s and "ran out of time" in s


def test_balance_dots_draws_today_and_after():
    from salesops_lib.render import plots

    f = pd.DataFrame({"t": ["A", "B"], "s": [0.7, 1.3], "a": [0.9, 1.1]})
    ax = plots.balance_dots(f, label="t", share="s", after="a", band=0.15, title="x")
    assert len(ax.collections) >= 2 and [x.get_text() for x in ax.get_yticklabels()] == ["B", "A"]


def test_no_move_says_so(maven, demo_report):
    moved = int(demo_report.scenarios.frame["accounts_moved"].iloc[1])
    assert moved > 0
    assert demo_report.moves_sentence == f"The {moved} proposed moves, by manager:"
    every = list(maven.accounts["account_id"])
    r = td.build(maven, config={"territory": {"locked_accounts": every}})
    assert r.moves.frame.empty
    assert r.moves_sentence == "The proposal moves no account, so there is no list to hand out."


def test_locks_name_the_rule_that_applies(demo):
    as_of = pd.Timestamp("2026-06-30")
    book = pd.DataFrame({"account_id": ["a", "b"], "account_name": ["A", "B"]})
    opens = pd.DataFrame(
        {
            "account_id": ["a", "b"],
            "stage": [s.name for s in demo.stages if not s.closed][:1] * 2,
            "close_date": pd.to_datetime(["2026-07-10", "2026-09-30"]),
        }
    )
    bare = demo.replace(stages=tuple(replace(s, probability=None) for s in demo.stages))
    locks = terr._locks(bare, book, opens, (), as_of)
    assert list(locks) == ["open deal closing soon", ""]
    assert "expected to close within 30 days" in td.basis_sentence(
        "territory", book.assign(territory="T", lock=locks), has_activities=False
    )


def test_a_territory_just_outside_is_moved_in_not_left_for_a_small_excess():
    """Demo (new account truth): East Commercial / T08 was left at 115.006% of the average,
    because its small excess cost the programme less than one move."""
    s = terr.solve_group(
        np.array([100.0, 15.01, 84.99]),
        np.array([0, 0, 1]),
        np.zeros(3, bool),
        np.zeros(3),
        2,
        band=0.15,
    )
    assert s.assignment.tolist() == [0, 1, 1] and s.excess == 0.0
    # when no assignment gets inside, the least excess comes first, then the fewest moves
    stuck = terr.solve_group(
        np.array([100.0, 30.0, 10.0]),
        np.array([0, 0, 1]),
        np.array([True, False, False]),
        np.zeros(3),
        2,
        band=0.15,
    )
    assert stuck.assignment.tolist() == [0, 1, 1]
    assert stuck.excess == pytest.approx(100 / 70 - 1.15, abs=1e-6)


def test_a_large_company_curve_leaves_out_the_costly_narrow_bands():
    small = pd.DataFrame({"account_id": ["a", "b"]})
    large = pd.DataFrame({"account_id": [f"a{i}" for i in range(terr.CURVE_LARGE_ACCOUNTS + 1)]})
    assert terr.curve_bands(small, terr.Rules()) == (0.05, 0.10, 0.15, 0.20, 0.30)
    assert terr.curve_bands(large, terr.Rules()) == (0.15, 0.25, 0.30)
    wide = terr.Rules(band=0.10, alternative_band=0.20)
    assert terr.curve_bands(large, wide) == (0.10, 0.20, 0.30)
