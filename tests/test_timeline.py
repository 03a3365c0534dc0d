"""The point-in-time layer against an independent pandas reconstruction from the raw files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesops_lib import timeline as tl

from .test_data import write

STAGES = ["Prospecting", "Qualification", "Discovery", "Proposal", "Negotiation"]


@pytest.fixture(scope="module")
def raw(demo_dir):
    """The demo's history and opportunities read with pandas alone."""
    h = pd.read_csv(demo_dir / "history.csv", parse_dates=["snapshot_date", "close_date"])
    o = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["created_date", "close_date"])
    return h, o


def _open_on(raw, date: str) -> pd.DataFrame:
    """Deals open on ``date``: the latest snapshot on or before it, not closed there, and not
    closed by then in the opportunities table; with pushes counted from all earlier snapshots."""
    h, o = raw
    day = pd.Timestamp(date)
    upto = h[h["snapshot_date"] <= day].sort_values(["opp_id", "snapshot_date"])
    pushed = upto.groupby("opp_id")["close_date"].diff().dt.days > 0
    pushes = pushed.groupby(upto["opp_id"]).sum()
    snap = upto[upto["snapshot_date"] == upto["snapshot_date"].max()]
    snap = snap[~snap["is_closed"].astype(bool)]
    closed_then = o[o["is_closed"].astype(bool) & (o["close_date"] <= day)]["opp_id"]
    snap = snap[~snap["opp_id"].isin(closed_then)]
    # deals created after the snapshot and by the date: as the record shows them
    late = o[
        (o["created_date"] > snap["snapshot_date"].max())
        & (o["created_date"] <= day)
        & ~o["opp_id"].isin(closed_then)
        & ~o["opp_id"].isin(snap["opp_id"])
    ]
    late = late.assign(stage=late["stage"].where(~late["is_closed"].astype(bool)), late=True)
    snap = pd.concat(
        [snap.assign(late=False), late[["opp_id", "stage", "amount", "close_date", "late"]]]
    )
    snap = snap.set_index("opp_id")
    snap["pushes"] = pushes.reindex(snap.index).fillna(0).astype(int)
    # days in stage: from the first snapshot of the current run in this stage, plus a week
    runs = upto.assign(new=upto["stage"] != upto.groupby("opp_id")["stage"].shift())
    runs["run"] = runs.groupby("opp_id")["new"].cumsum()
    began = runs.groupby(["opp_id", "run"])["snapshot_date"].min()
    last_run = runs.groupby("opp_id")["run"].last()
    first = began.loc[list(zip(last_run.index, last_run, strict=True))].droplevel("run")
    snap["days_in_stage"] = (snap["snapshot_date"] - first.reindex(snap.index)).dt.days + 7
    changed = runs["new"] | (
        runs["amount"].fillna(-1) != runs.groupby("opp_id")["amount"].shift().fillna(-1)
    )
    last_change = runs[changed].groupby("opp_id")["snapshot_date"].max()
    snap["days_unchanged"] = (day - last_change.reindex(snap.index)).dt.days
    return snap


@pytest.mark.parametrize("date", ["2025-02-14", "2026-08-19", "2026-09-30"])
def test_open_deals_match_a_reconstruction_from_the_snapshots(demo, raw, date):
    expected = _open_on(raw, date)
    got = tl.open_deals(demo, date).set_index("opp_id").loc[expected.index]
    assert len(tl.open_deals(demo, date)) == len(expected)
    assert np.allclose(got["amount"], expected["amount"].fillna(0.0))
    # a deal created after the snapshot that the record shows closed later: stage unknown then
    assert (got["stage"].fillna("?") == expected["stage"].fillna("?")).all()
    assert (got["close_date"] == expected["close_date"]).all()
    assert (got["pushes"].to_numpy() == expected["pushes"].to_numpy()).all()
    in_stage = expected["stage"].isin(STAGES) & ~expected["late"]
    assert (
        got.loc[in_stage, "days_in_stage"].to_numpy()
        == expected.loc[in_stage, "days_in_stage"].to_numpy()
    ).all()
    seen = ~expected["late"].to_numpy()
    assert (
        got["days_unchanged"].to_numpy()[seen] == expected["days_unchanged"].to_numpy()[seen]
    ).all()
    assert got.loc[expected["late"], "days_unchanged"].isna().all()
    past = expected["close_date"] < pd.Timestamp(date)
    assert (got["past_due"].to_numpy() == past.to_numpy()).all()


def test_open_pipeline_next_quarter_and_past_due(demo, raw):
    expected = _open_on(raw, "2026-09-30")
    q4 = expected[expected["close_date"].between("2026-10-01", "2026-12-31")]
    nxt = tl.next_quarter_pipeline(demo, quarter="2026Q3", as_of="2026-09-30")
    assert nxt.attrs["quarter"] == "2026Q4"
    assert len(nxt) == len(q4) and nxt["amount"].sum() == pytest.approx(q4["amount"].sum())
    same = tl.open_pipeline(demo, quarter="2026Q4", as_of="2026-09-30")
    assert same["amount"].sum() == pytest.approx(nxt["amount"].sum())
    due = tl.past_due(demo, as_of="2026-09-30")
    late = expected[expected["close_date"] < "2026-09-30"]
    assert set(due["opp_id"]) == set(late.index)
    assert due["amount"].sum() == pytest.approx(late["amount"].fillna(0).sum())
    # nothing in next quarter's pipeline is past due on the as-of date
    assert not nxt["past_due"].any()


def test_furthest_stage_of_each_deal(demo, raw):
    h, o = raw
    index = h["stage"].map({s: i for i, s in enumerate(STAGES)})
    furthest = index.groupby(h["opp_id"]).max().reindex(o["opp_id"]).fillna(-1)
    got = demo.facts.deals["furthest_stage"].to_numpy()
    assert (got == furthest.to_numpy()).all()


def test_slipped_deals_left_the_quarter_without_closing_in_it(demo, raw):
    h, o = raw
    flow = tl.quarter_flow(demo, quarter="2026Q2", as_of="2026-06-30")
    slipped = tl.slipped(demo, quarter="2026Q2", as_of="2026-06-30")
    assert set(slipped.index) == set(flow.index[flow["exit"] == "slipped_out"])
    start = _open_on(raw, "2026-03-31")
    start = start[start["close_date"].between("2026-04-01", "2026-06-30")]
    end = _open_on(raw, "2026-06-30")
    end_in_q = end[end["close_date"].between("2026-04-01", "2026-06-30")]
    closed_in_q = o[
        o["is_closed"].astype(bool) & o["close_date"].between("2026-04-01", "2026-06-30")
    ]
    during = h[
        h["snapshot_date"].between("2026-04-01", "2026-06-30") & ~h["is_closed"].astype(bool)
    ]
    joined = during.loc[during["close_date"].between("2026-04-01", "2026-06-30"), "opp_id"]
    # every deal in the pipeline at the start or later, less what closed in the quarter and
    # what is still in it, slipped out
    gone = (set(start.index) | set(joined)) - set(closed_in_q["opp_id"]) - set(end_in_q.index)
    assert gone == set(slipped.index)
    # each slipped deal is still open on the as-of date with a close date after the quarter
    later = end.reindex(list(slipped.index))
    assert (later["close_date"] > pd.Timestamp("2026-06-30")).all()
    from_start = list(gone & set(start.index))
    assert flow.loc[from_start, "start_amount"].sum() == pytest.approx(
        start.loc[from_start, "amount"].fillna(0).sum()
    )


def test_without_history_the_record_says_what_is_open(tmp_path):
    data_dir = write(
        tmp_path / "d",
        reps="rep_id,rep_name\nr1,Ann\n",
        opportunities=(
            "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
            "o1,r1,Proposal,100,2026-01-05,2026-02-20,false,false\n"
            "o2,r1,Won,200,2026-01-10,2026-02-01,true,true\n"
            "o3,r1,Proposal,,2026-03-01,2026-04-15,false,false\n"
            "o4,r1,Lost,50,2026-01-02,2026-03-31,true,false\n"
        ),
    )
    from salesops_lib import load_dataset

    data = load_dataset(data_dir)
    strict = tl.open_deals_known_then(data, "2026-02-15")  # forecasts: nothing of today's record
    assert strict["opp_id"].tolist() == ["o1", "o4"]
    assert strict["stage"].isna().all() and strict["close_date"].isna().all()
    on = tl.open_deals(data, "2026-02-15")  # reports: the record's values, the only ones known
    assert on["stage"].tolist()[0] == "Proposal" and on["closed_after"].tolist() == [False, True]
    assert on["stage"].isna().tolist() == [False, True]  # o4's stage then is unknown (it closed)
    assert on["close_date"].notna().all()
    assert tl.booked(data, pd.Timestamp("2026-01-01"), pd.Timestamp("2026-03-31"))[
        "amount"
    ].sum() == pytest.approx(200)
    pipe = tl.open_pipeline(data, quarter="2026Q2", as_of="2026-03-31")
    assert pipe["opp_id"].tolist() == ["o3"] and pipe["amount_missing"].tolist() == [True]
    due = tl.past_due(data, as_of="2026-03-31")
    assert due["opp_id"].tolist() == ["o1"]
    assert tl.slipped(data, quarter="2026Q1") is None
    states = tl.deals_on(data, "2026-03-31").set_index("opp_id")["state"].to_dict()
    assert states == {"o1": "open", "o3": "open", "o2": "won", "o4": "lost"}


def test_a_snapshot_stores_the_facts_row_for_row(demo, tmp_path):
    from salesops_lib.data import read_snapshot, write_snapshot
    from salesops_lib.data.facts import sql_facts

    shuffled = demo.replace(history=demo.history.sample(frac=1.0, random_state=3))
    snap = read_snapshot(write_snapshot(shuffled, tmp_path / "snap"))
    assert snap.known_facts is not None  # read, not derived again
    # the stored facts are those of the snapshot's rows, as the SQL statement computes them
    expected = sql_facts(snap.history, snap.opportunities, snap.stages)
    for col in expected.columns:
        assert (snap.facts.history[col].to_numpy() == expected[col].to_numpy()).all(), col
    for day in ("2025-03-14", "2026-09-30"):
        a = tl.open_deals(demo, day).sort_values("opp_id").reset_index(drop=True)
        b = tl.open_deals(snap, day).sort_values("opp_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(a.drop(columns="opp_row"), b.drop(columns="opp_row"))


def test_facts_match_the_sql_statement_in_any_row_order(demo):
    from salesops_lib.data.facts import derive_facts, sql_facts

    for seed in (None, 11):
        h = demo.history if seed is None else demo.history.sample(frac=1.0, random_state=seed)
        h = h.reset_index(drop=True)
        got = derive_facts(demo.opportunities, h, demo.stages).history
        want = sql_facts(h, demo.opportunities, demo.stages)
        for col in want.columns:
            assert (got[col].to_numpy() == want[col].to_numpy()).all(), col


def test_a_load_hands_the_deal_codes_of_its_history_check_to_the_facts(demo_dir, monkeypatch):
    from salesops_lib import load_dataset
    from salesops_lib.data import facts as facts_module
    from salesops_lib.data.facts import derive_facts
    from salesops_lib.data.sales_data import _HISTORY_CODES

    data = load_dataset(demo_dir, config=demo_dir / "salesops.toml")
    handed = data._derived[_HISTORY_CODES]
    # each row's deal as pandas finds it: its row among the opportunities
    rows = pd.Index(data.opportunities["opp_id"]).get_indexer(data.history["opp_id"])
    found = rows >= 0
    assert len(handed) == len(data.history) and found.mean() > 0.9
    assert (handed[found] == rows[found]).all()
    assert (handed[~found] >= len(data.opportunities)).all()
    looked_up = []
    real = facts_module.deal_codes
    monkeypatch.setattr(facts_module, "deal_codes", lambda *a: looked_up.append(1) or real(*a))
    got = data.facts
    assert looked_up == []  # not looked up a second time
    assert _HISTORY_CODES not in data._derived  # used once, then freed
    want = derive_facts(data.opportunities, data.history, data.stages)  # looks them up
    assert looked_up == [1]
    pd.testing.assert_frame_equal(got.history, want.history)
    pd.testing.assert_frame_equal(got.deals, want.deals)


def test_open_deals_are_worked_out_once_and_each_caller_gets_its_own_copy(demo, monkeypatch):
    day = "2026-08-14"
    worked_out = []
    real = tl._open_deals_on
    monkeypatch.setattr(tl, "_open_deals_on", lambda *a: worked_out.append(a[1]) or real(*a))
    demo = demo.replace()  # nothing kept from other tests
    first = tl.open_deals(demo, day)
    first.loc[first.index[0], "amount"] = -1.0  # the caller's edit stays in the caller's frame
    first["extra"] = 1
    again = tl.open_deals(demo, day)
    assert again is not first and "extra" not in again and again["amount"].iloc[0] != -1.0
    assert len(worked_out) == 1
    fresh = tl.open_deals(demo.replace(), day)  # a new data set works it out anew
    pd.testing.assert_frame_equal(again, fresh)
    assert list(again.columns) == tl.OPEN_DEAL_COLUMNS


def test_labels_as_text_matches_astype_str():
    frame = pd.DataFrame(
        {
            "stage": pd.Categorical(["Proposal", None, "Discovery", "Proposal"]),
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    expected = frame.assign(stage=frame["stage"].astype("str"))
    pd.testing.assert_frame_equal(tl._labels_as_text(frame.copy()), expected)


@pytest.mark.parametrize(
    "quarter, as_of",
    [
        ("2026Q3", "2026-09-30"),
        ("2026Q3", "2026-08-14"),
        ("2026Q4", "2026-09-30"),
        ("2024Q1", "2024-01-01"),
    ],
)
def test_open_pipeline_amounts_are_the_open_pipelines_owners_and_amounts(demo, quarter, as_of):
    full = tl.open_pipeline(demo, quarter=quarter, as_of=as_of)
    narrow = tl.open_pipeline_amounts(demo.replace(), quarter=quarter, as_of=as_of)
    cols = ["opp_row", "rep_id", "amount", "close_date"]
    pd.testing.assert_frame_equal(narrow, full[cols].astype({"opp_row": narrow["opp_row"].dtype}))


def test_open_pipeline_amounts_without_history(tmp_path):
    from salesops_lib import load_dataset

    from .test_data import OPPS, REPS

    data = load_dataset(write(tmp_path / "nohist", reps=REPS, opportunities=OPPS))
    for q in data.quarters():
        full = tl.open_pipeline(data, quarter=q, as_of=data.last_date)
        narrow = tl.open_pipeline_amounts(data, quarter=q, as_of=data.last_date)
        assert narrow["opp_row"].tolist() == full["opp_row"].tolist()
        assert narrow["amount"].tolist() == full["amount"].tolist()


def test_a_first_kpi_table_derives_no_history_facts(demo_dir):
    from salesops_lib import load_dataset
    from salesops_lib.analysis.kpis import kpi_table

    data = load_dataset(demo_dir)
    kpi_table(data, quarter="2026Q3", by="rep_id")
    assert "facts" not in vars(data)  # the window facts of 20M rows are what made it slow


# ---------------------------------------------------------------------------------------
# the owner of a deal on a date

OWNER_REPS = (
    "rep_id,rep_name,team,hire_date\n"
    "r1,Ann,East,2024-01-01\n"
    "r2,Bo,East,2024-01-01\n"
    "r3,Cy,East,2026-10-20\n"
    "r4,Di,East,2026-10-01\n"
)
# o1 always Ann's; o2 moved Bo -> Cy after the date; o3 moved to Cy after it, no earlier
# owner in the record; o4 moved Ann -> Bo before it; o5 Di's, created before Di was hired;
# o6 moved Di -> Cy after it, but Di was hired after the date too (a change is missing)
OWNER_OPPS = (
    "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won,reassigned_date,"
    "previous_rep_id\n"
    "o1,r1,Proposal,10,2026-08-01,2026-12-01,false,false,,\n"
    "o2,r3,Proposal,20,2026-08-01,2026-12-01,false,false,2026-10-24,r2\n"
    "o3,r3,Proposal,30,2026-08-01,2026-12-01,false,false,2026-10-24,\n"
    "o4,r2,Proposal,40,2026-08-01,2026-12-01,false,false,2026-09-10,r1\n"
    "o5,r4,Proposal,50,2026-08-01,2026-12-01,false,false,,\n"
    "o6,r3,Proposal,60,2026-08-01,2026-12-01,false,false,2026-10-24,r4\n"
)
DAY = "2026-09-30"


def _owners(data, day=DAY):
    return tl.owners_on(data, day).set_index("opp_id")


def test_owner_on_a_date_from_the_record(tmp_path):
    from salesops_lib import load_dataset

    data = load_dataset(write(tmp_path / "d", reps=OWNER_REPS, opportunities=OWNER_OPPS))
    got = _owners(data)
    assert got["owner_known"].to_dict() == {
        "o1": True,  # rule 4: never moved, owner hired by then
        "o2": True,  # rule 3: the owner before the change
        "o3": False,  # moved later, nobody earlier in the data
        "o4": True,  # rule 1: moved before the date
        "o5": False,  # the owner was hired after the date
        "o6": False,  # the previous owner was hired after the date: a change is missing
    }
    assert got["rep_id"].to_dict() == {
        "o1": "r1",
        "o2": "r2",
        "o3": "r3",  # unknown: the current owner, as reports mark it
        "o4": "r2",
        "o5": "r4",
        "o6": "r3",
    }
    received = got["received_date"].dt.strftime("%Y-%m-%d")
    assert received[["o1", "o2", "o4"]].tolist() == ["2026-08-01", "2026-08-01", "2026-09-10"]
    after = _owners(data, "2026-10-24")  # the day of the change: the new owner
    assert after.loc["o2", "rep_id"] == "r3" and after["owner_known"].all()
    assert after.loc["o2", "received_date"] == pd.Timestamp("2026-10-24")
    assert after.loc["o5", "received_date"] == pd.Timestamp("2026-10-01")  # Di's hire date
    # open deals take the owner then; a rep hired later owns nothing on the date
    od = tl.open_deals(data, DAY).set_index("opp_id")
    assert od.loc["o2", "rep_id"] == "r2" and od.loc["o2", "owner_known"]
    known = od[od["owner_known"]]
    assert not known["rep_id"].isin(["r3", "r4"]).any()
    assert tl.reps_on(data, DAY)["rep_id"].tolist() == ["r1", "r2"]
    assert tl.reps_on(data, "2026-10-20")["rep_id"].tolist() == ["r1", "r2", "r3", "r4"]


def test_owner_on_a_date_from_snapshots_first(tmp_path):
    from salesops_lib import load_dataset

    history = (
        "snapshot_date,opp_id,stage,amount,close_date,is_closed,is_won,rep_id\n"
        "2026-09-25,o1,Proposal,10,2026-12-01,false,false,r1\n"
        "2026-09-25,o2,Proposal,20,2026-12-01,false,false,r1\n"  # the snapshot knows better
        "2026-09-25,o3,Proposal,30,2026-12-01,false,false,r2\n"
        "2026-09-25,o4,Proposal,40,2026-12-01,false,false,r1\n"  # moved 09-10: r2 wins
        "2026-09-25,o5,Proposal,50,2026-12-01,false,false,r2\n"
        "2026-09-25,o6,Proposal,60,2026-12-01,false,false,\n"  # no owner: as the record
    )
    folder = write(tmp_path / "h", reps=OWNER_REPS, opportunities=OWNER_OPPS, history=history)
    data = load_dataset(folder)
    got = _owners(data)
    assert got["rep_id"].to_dict() == {
        "o1": "r1",
        "o2": "r1",
        "o3": "r2",
        "o4": "r2",
        "o5": "r2",
        "o6": "r3",
    }
    assert got["owner_known"].tolist() == [True, True, True, True, True, False]
    assert _owners(data, "2026-09-24")["rep_id"].to_dict()["o2"] == "r2"  # before it: record
    od = tl.open_deals(data, DAY).set_index("opp_id")
    assert od["rep_id"].to_dict() == got["rep_id"].to_dict()


def test_owner_on_a_date_without_owner_columns(tmp_path):
    from salesops_lib import load_dataset

    opps = "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
    opps += "o1,r1,Proposal,10,2026-08-01,2026-12-01,false,false\n"
    data = load_dataset(write(tmp_path / "n", reps="rep_id\nr1\n", opportunities=opps))
    got = tl.owners_on(data, DAY)
    assert got["rep_id"].tolist() == ["r1"] and got["owner_known"].tolist() == [True]
    assert got["reassigned_date"].isna().all()
    rows = tl.owners_on(data, DAY, rows=np.array([-1, 0]))
    assert rows["rep_id"].isna().tolist() == [True, False] and rows["owner_known"].all()


# every owner change, not only the last (the owner_changes table)

# the same changes as OWNER_OPPS's reassigned_date and previous_rep_id, as a table
ONE_CHANGE_EACH = (
    "opp_id,changed_date,previous_rep_id,rep_id\n"
    "o2,2026-10-24,r2,r3\n"
    "o3,2026-10-24,,r3\n"
    "o4,2026-09-10,r1,r2\n"
    "o6,2026-10-24,r4,r3\n"
)


def test_owner_changes_table_with_one_change_a_deal_gives_the_same_owners(tmp_path):
    from salesops_lib import load_dataset

    flat = load_dataset(write(tmp_path / "f", reps=OWNER_REPS, opportunities=OWNER_OPPS))
    bare = "\n".join(",".join(line.split(",")[:8]) for line in OWNER_OPPS.splitlines()) + "\n"
    table = load_dataset(
        write(tmp_path / "t", reps=OWNER_REPS, opportunities=bare, owner_changes=ONE_CHANGE_EACH)
    )
    assert flat.owner_changes is None and len(table.owner_changes) == 4
    # previous_rep_id and reassigned_date are derived from the last change
    cols = ["opp_id", "rep_id", "reassigned_date", "previous_rep_id"]
    pd.testing.assert_frame_equal(table.opportunities[cols], flat.opportunities[cols])
    for day in ("2026-08-01", "2026-09-09", DAY, "2026-10-23", "2026-10-24", "2026-12-31"):
        pd.testing.assert_frame_equal(tl.owners_on(table, day), tl.owners_on(flat, day))
        pd.testing.assert_frame_equal(tl.open_deals(table, day), tl.open_deals(flat, day))


def test_owner_on_walks_every_owner_change(tmp_path):
    from salesops_lib import load_dataset

    opps = "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
    opps += "o1,r3,Proposal,10,2026-01-05,2026-12-01,false,false\n"
    opps += "o2,r1,Proposal,20,2026-01-05,2026-12-01,false,false\n"
    reps = "rep_id,rep_name,hire_date\nr1,Ann,2024-01-01\nr2,Bo,2024-01-01\nr3,Cy,2024-01-01\n"
    changes = (  # o1: Ann -> Bo -> Cy, the file out of date order
        "opp_id,changed_date,previous_rep_id,rep_id\no1,2026-06-01,r2,r3\no1,2026-03-01,r1,r2\n"
    )
    data = load_dataset(write(tmp_path / "w", reps=reps, opportunities=opps, owner_changes=changes))
    o = data.opportunities.set_index("opp_id")
    assert o.loc["o1", ["previous_rep_id", "reassigned_date"]].tolist() == [
        "r2",
        pd.Timestamp("2026-06-01"),
    ]
    assert pd.isna(o.loc["o2", "reassigned_date"])
    got = {
        day: _owners(data, day).loc["o1"]
        for day in ("2026-02-28", "2026-03-01", "2026-05-31", "2026-06-01")
    }
    assert {d: g["rep_id"] for d, g in got.items()} == {
        "2026-02-28": "r1",  # before both: the first owner
        "2026-03-01": "r2",  # between: the owner the first change gave
        "2026-05-31": "r2",
        "2026-06-01": "r3",  # from the last on: the current owner
    }
    assert all(g["owner_known"] for g in got.values())
    received = {d: g["received_date"].date().isoformat() for d, g in got.items()}
    assert received == {
        "2026-02-28": "2026-01-05",  # created it
        "2026-03-01": "2026-03-01",  # received it by the first change
        "2026-05-31": "2026-03-01",
        "2026-06-01": "2026-06-01",
    }
    assert not data.warnings["table"].eq("owner_changes").any()  # a clean chain


def test_owner_changes_problems_are_warnings(tmp_path):
    from salesops_lib import load_dataset

    opps = "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
    opps += "o1,r3,Proposal,10,2026-01-05,2026-12-01,false,false\n"
    reps = "rep_id,rep_name\nr1,Ann\nr2,Bo\nr3,Cy\n"
    changes = (
        "opp_id,changed_date,previous_rep_id,rep_id\n"
        "o1,2026-03-01,r1,r2\n"
        "o1,2026-06-01,r9,r3\n"  # r9 unknown, and not the owner the change before gave
        "o7,2026-06-01,r1,r2\n"  # no such deal
        "o1,,r1,r3\n"  # no date
    )
    data = load_dataset(write(tmp_path / "p", reps=reps, opportunities=opps, owner_changes=changes))
    w = data.warnings[data.warnings["table"] == "owner_changes"]
    msgs = " | ".join(w["message"])
    assert "1 owner change of deals missing from the opportunities table" in msgs
    assert "1 owner change without a date" in msgs
    assert "1 rep named in owner changes missing from the reps table" in msgs
    assert "1 deal whose owner changes do not follow on in date order" in msgs
    assert w.set_index("column").loc["rep_id", "ids"] == "r9"
    # between the changes, the later change's previous owner (as the warning says)
    assert _owners(data, "2026-04-01").loc["o1", "rep_id"] == "r9"
    assert _owners(data, "2026-02-01").loc["o1", "rep_id"] == "r1"


def test_owner_on_the_salesforce_deal_moved_twice_against_the_raw_log():
    from salesops_lib import load_dataset

    from .conftest import FIXTURES

    folder = FIXTURES / "salesforce_export"
    data = load_dataset(folder, preset="salesforce")
    log = pd.read_csv(folder / "OpportunityFieldHistory.csv", dtype=str)
    moves = log[(log["Field"] == "Owner") & (log["DataType"] == "EntityId")].copy()
    moves["day"] = pd.to_datetime(moves["CreatedDate"].str[:10])
    twice = moves.groupby("OpportunityId").filter(lambda g: len(g) == 2)
    assert twice["OpportunityId"].nunique() == 1 and len(moves) == 7
    first, last = twice.sort_values("day").iloc[0], twice.sort_values("day").iloc[1]
    raw = pd.read_csv(folder / "Opportunity.csv", dtype=str).set_index("Id")
    deal = first["OpportunityId"]
    assert raw.loc[deal, "OwnerId"] == last["NewValue"] and first["NewValue"] == last["OldValue"]
    created = pd.Timestamp(raw.loc[deal, "CreatedDate"][:10])
    one = pd.Timedelta(days=1)
    expect = {
        created: first["OldValue"],  # before the first change: who created it
        first["day"] - one: first["OldValue"],
        first["day"]: first["NewValue"],  # between the changes
        last["day"] - one: first["NewValue"],
        last["day"]: last["NewValue"],  # after: the owner the Opportunity export names
        pd.Timestamp("2026-05-14"): raw.loc[deal, "OwnerId"],
    }
    for day, rep in expect.items():
        got = _owners(data, day.date().isoformat()).loc[deal]
        assert (got["rep_id"], bool(got["owner_known"])) == (rep, True), day
    o = data.opportunities.set_index("opp_id")
    assert o.loc[deal, "previous_rep_id"] == last["OldValue"]
    assert o.loc[deal, "reassigned_date"] == last["day"]
    assert len(data.owner_changes) == 7


# ---------------------------------------------------------------------------------------
# quarters a trend leaves out


@pytest.mark.parametrize(
    ("first_close", "partial"),
    [
        ("2026-01-14", False),  # 13 days in: held in full (the two-week tolerance)
        ("2026-01-15", False),  # 14 days in: still in full
        ("2026-01-16", True),  # 15 days in: in part
    ],
)
def test_a_quarter_starting_before_the_data_is_held_in_part(tmp_path, first_close, partial):
    from salesops_lib import load_dataset

    opps = "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
    opps += f"o1,r1,Won,10,{first_close},{first_close},true,true\n"
    opps += "o2,r1,Won,10,2026-04-02,2026-04-20,true,true\n"
    data = load_dataset(write(tmp_path / "d", reps="rep_id\nr1\n", opportunities=opps))
    assert ("2026Q1" in data.partial_quarters()) is partial
    kept, note = tl.trend_quarters(data, ["2026Q1", "2026Q2"])
    assert kept == (["2026Q2"] if partial else ["2026Q1", "2026Q2"])
    if partial:
        assert note == (
            "Left out of the trend: 2026Q1, which the data holds only in part (the data's "
            f"first deal closed on {first_close}, after the quarter began)."
        )
    else:
        assert note is None


def test_a_first_quarter_of_migrated_deals_is_held_in_part(tmp_path):
    from salesops_lib import load_dataset

    # 2026Q1: three closes, two of them migrated (closed before their created date, so the
    # loader blanks it); 2026Q2 dated; 2026Q3 mostly undated but after a dated quarter
    opps = "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
    opps += "m1,r1,Won,10,2026-05-01,2026-01-02,true,true\n"
    opps += "m2,r1,Won,10,2026-05-01,2026-02-02,true,true\n"
    opps += "d1,r1,Lost,10,2025-12-01,2026-03-02,true,false\n"
    opps += "d2,r1,Won,10,2026-03-01,2026-04-20,true,true\n"
    opps += "u1,r1,Won,10,,2026-07-20,true,true\n"
    opps += "u2,r1,Won,10,,2026-07-21,true,true\n"
    data = load_dataset(write(tmp_path / "d", reps="rep_id\nr1\n", opportunities=opps))
    assert data.history_start == pd.Timestamp("2026-01-02")  # the first close
    assert data.partial_quarters() == {
        "2026Q1": "2 of its 3 closed deals have no created date of their own, as records "
        "migrated from another CRM"
    }
    assert data.full_quarters() == ["2026Q2", "2026Q3"]
    kept, note = tl.trend_quarters(data, ["2026Q1", "2026Q2", "2026Q3"])
    assert kept == ["2026Q2", "2026Q3"] and note.startswith("Left out of the trend: 2026Q1, ")


def test_left_out_note_names_each_quarter_and_why():
    reasons = {"2024Q1": "a", "2024Q2": "b"}
    assert tl.left_out_note([], reasons) is None
    assert tl.left_out_note(["2024Q1", "2024Q2"], reasons) == (
        "Left out of the trend: 2024Q1 (a) and 2024Q2 (b), which the data holds only in part."
    )


def test_maven_says_its_first_close_is_after_2017q1_began_though_deals_were_engaged_before(maven):
    from .conftest import MAVEN

    raw = pd.read_csv(MAVEN / "sales_pipeline.csv", parse_dates=["engage_date", "close_date"])
    first_close = raw.loc[raw["deal_stage"].isin(["Won", "Lost"]), "close_date"].min()
    first_engaged = raw["engage_date"].min()
    assert (str(first_close.date()), str(first_engaged.date())) == ("2017-03-01", "2016-10-20")
    assert maven.partial_quarters()["2017Q1"] == (
        f"the data's first deal closed on {first_close.date()}, after the quarter began, "
        f"although its first deal was created on {first_engaged.date()}"
    )


def test_a_quarter_before_the_first_created_deal_says_what_starts_then(tmp_path):
    from salesops_lib import load_dataset

    # closes from 2026-01-02 (migrated: no created date of their own), created dates from
    # 2026-05-01: the history starts with the first created deal
    opps = "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
    opps += "m1,r1,Won,10,,2026-01-02,true,true\n"
    opps += "d1,r1,Won,10,2026-05-01,2026-05-20,true,true\n"
    opps += "d2,r1,Won,10,2026-05-03,2026-08-20,true,true\n"
    data = load_dataset(write(tmp_path / "d", reps="rep_id\nr1\n", opportunities=opps))
    assert data.history_start == pd.Timestamp("2026-05-01")
    assert data.partial_quarters()["2026Q2"] == (
        "the data's first deal was created on 2026-05-01, after the quarter began"
    )


def test_split_closed_after_keeps_the_deals_still_open(tmp_path):
    from salesops_lib import load_dataset

    opps = "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
    opps += "o1,r1,Proposal,10,2026-01-05,2026-05-01,false,false\n"  # still open
    opps += "o2,r1,Closed Won,20,2026-01-05,2026-04-10,true,true\n"  # won after the day
    opps += "o3,r1,Closed Lost,30,2026-01-05,2026-03-10,true,false\n"  # lost before it
    data = load_dataset(write(tmp_path / "c", reps="rep_id\nr1\n", opportunities=opps))
    od = tl.open_deals(data, "2026-03-31")
    assert od["opp_id"].tolist() == ["o1", "o2"]  # o2 was open on the day
    still, gone = tl.split_closed_after(data, od, "2026-03-31")
    assert still["opp_id"].tolist() == ["o1"] and gone["opp_id"].tolist() == ["o2"]
    # the same rule from the record when a frame has no closed_after column
    bare = od.drop(columns="closed_after")
    assert tl.closed_after(data, bare, "2026-03-31").tolist() == [False, True]


@pytest.mark.parametrize(
    "name, quarter", [("demo", "2026Q3"), ("maven", "2017Q4"), ("sf", "2026Q1"), ("hs", "2026Q1")]
)
def test_one_quota_total_for_the_index_calls_and_weekly(request, name, quarter):
    from salesops_lib import load_dataset
    from salesops_lib.analysis import kpis, weekly
    from salesops_lib.reports import calls

    from .conftest import FIXTURES

    if name in ("demo", "maven"):
        data = request.getfixturevalue(name)
    else:
        folder, preset = {
            "sf": ("salesforce_export", "salesforce"),
            "hs": ("hubspot_export", "hubspot"),
        }[name]
        data = load_dataset(FIXTURES / folder, preset=preset)
    total = tl.quota_of(data, quarter)
    index = kpis.kpi_table(data, quarter=quarter, by=None).iloc[0]["quota"]  # the index tile
    per_rep = calls._quotas(data, quarter)
    assert weekly.quota_of(data, quarter) == total
    if name == "demo":  # against pandas on the raw quotas file
        raw = pd.read_csv(request.getfixturevalue("demo_dir") / "quotas.csv")
        mine = raw[raw["period"] == quarter]
        assert total == pytest.approx(mine["quota"].sum()) and total > 0
        pd.testing.assert_series_equal(
            per_rep, mine.groupby("rep_id")["quota"].sum().astype("float64"), check_names=False
        )
        assert index == pytest.approx(total) and per_rep.sum() == pytest.approx(total)
    else:  # no quotas in Maven or either fixture
        assert total is None and pd.isna(index) and per_rep.empty
