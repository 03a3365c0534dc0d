"""A change log turned into snapshots: equal to the snapshots it implies, and the pipeline
waterfall read from it balances."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesops_lib import load_dataset
from salesops_lib.analysis.pipeline import movement
from salesops_lib.data.changelog import changes_to_snapshots, order_changes, snapshot_dates
from salesops_lib.periods import FiscalCalendar

from .conftest import FIXTURES

T0 = pd.Timestamp("2026-03-02")  # a Monday, a month before the quarter ends
STAGES = [
    ("Open", False, False),
    ("Demo", False, False),
    ("Won", True, True),
    ("Lost", True, False),
]
CAL = FiscalCalendar(1)


def implied_snapshots(log: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """The snapshots a change log implies, date by date and deal by deal (the definition)."""
    rows = []
    for deal, changes in log.groupby("opp_id", sort=True):
        before_closed = False
        for day in dates:
            upto = changes[changes["snapshot_date"] <= day]
            if upto.empty:
                before_closed = False
                continue
            state = upto.iloc[-1]
            if not state["is_closed"] or not before_closed:
                rows.append({**state.to_dict(), "snapshot_date": day, "opp_id": deal})
            before_closed = bool(state["is_closed"])
    cols = list(log.columns)
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["snapshot_date", "opp_id"], kind="stable").reset_index(drop=True)


change = st.tuples(
    st.integers(0, 70),  # day of the change after T0
    st.integers(0, 3),  # stage
    st.sampled_from([0.0, 100.0, 250.0, 1000.0]),  # amount
    st.integers(-10, 80),  # close date after T0
)
logs = st.lists(st.lists(change, min_size=1, max_size=6), min_size=1, max_size=5)


def _log(deals: list[list[tuple[int, int, float, int]]]) -> pd.DataFrame:
    rows = []
    for i, changes in enumerate(deals):
        for day, stage, amount, close in sorted(changes, key=lambda c: c[0]):
            name, closed, won = STAGES[stage]
            rows.append(
                {
                    "snapshot_date": T0 + pd.Timedelta(days=day),
                    "opp_id": f"o{i}",
                    "stage": name,
                    "amount": amount,
                    "close_date": T0 + pd.Timedelta(days=close if not closed else day),
                    "is_closed": closed,
                    "is_won": won,
                }
            )
    return pd.DataFrame(rows)


@settings(max_examples=150, deadline=None)
@given(logs)
def test_conversion_equals_the_implied_snapshots(deals):
    log = _log(deals)
    dates = snapshot_dates(log["snapshot_date"].min(), T0 + pd.Timedelta(days=75), CAL)
    got = changes_to_snapshots(log, dates)
    pd.testing.assert_frame_equal(got, implied_snapshots(log, dates), check_dtype=False)


def _write_source(folder: Path, log: pd.DataFrame) -> dict:
    last = log.groupby("opp_id").tail(1)
    opps = pd.DataFrame(
        {
            "opp_id": last["opp_id"],
            "rep_id": "r1",
            "stage": last["stage"],
            "amount": last["amount"],
            "created_date": log.groupby("opp_id")["snapshot_date"].min().to_numpy(),
            "close_date": last["close_date"],
        }
    )
    opps.to_csv(folder / "opportunities.csv", index=False)
    log.drop(columns=["is_closed", "is_won"]).rename(
        columns={"snapshot_date": "changed_at"}
    ).to_csv(folder / "stage_history.csv", index=False)
    return {
        "data": {
            "history": "changes",
            "export_date": str((T0 + pd.Timedelta(days=75)).date()),
            "tables": {"history": "stage_history.csv"},
            "columns": {"history": {"changed_at": "snapshot_date"}},
        },
        "stages": [{"name": n, "closed": c, "won": w} for n, c, w in STAGES],
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs)
def test_the_waterfall_from_a_change_log_balances(deals):
    log = _log(deals)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = _write_source(Path(tmp), log)
        data = load_dataset(tmp, config=cfg)
    assert data.history is not None
    dates = snapshot_dates(log["snapshot_date"].min(), T0 + pd.Timedelta(days=75), CAL)
    assert len(data.history) == len(implied_snapshots(log, dates))
    for quarter in ("2026Q1", "2026Q2"):
        w = movement(data, quarter=quarter).steps.set_index("step")["amount"]
        inflow = w[["start", "created", "pulled_in", "amount_change"]].sum()
        outflow = w[["won", "lost", "slipped_out"]].sum()  # negative
        assert inflow + outflow == pytest.approx(w["end"])
        assert w["start"] >= 0 and w["end"] >= 0


def test_same_day_changes_apply_in_the_order_of_their_times():
    raw = pd.DataFrame(
        {
            "snapshot_date": ["2026-03-06T16:00:00.000Z", "2026-03-06T09:30:00.000Z"],
            "opp_id": ["o1", "o1"],
            "stage": ["Demo", "Open"],
        }
    )
    ordered = order_changes(raw)
    ordered["snapshot_date"] = pd.to_datetime(ordered["snapshot_date"].str[:10])
    ordered["is_closed"] = False
    snaps = changes_to_snapshots(ordered, pd.DatetimeIndex([pd.Timestamp("2026-03-06")]))
    assert snaps["stage"].tolist() == ["Demo"]


def test_snapshot_dates_hold_fridays_quarter_ends_and_the_last_day():
    days = snapshot_dates(pd.Timestamp("2026-06-24"), pd.Timestamp("2026-07-08"), CAL)
    assert [str(d.date()) for d in days] == ["2026-06-26", "2026-06-30", "2026-07-03", "2026-07-08"]


def test_salesforce_data_export_loads_its_opportunity_history_as_snapshots():
    folder = FIXTURES / "salesforce_data_export"
    data = load_dataset(folder, preset="salesforce")
    h, o = data.history, data.opportunities
    assert h is not None
    assert not h.duplicated(["snapshot_date", "opp_id"]).any()
    raw = pd.read_csv(folder / "OpportunityHistory.csv")
    # a deal's first snapshot is the first Friday (or quarter end) on or after its creation
    first_change = pd.to_datetime(raw.groupby("OpportunityId")["CreatedDate"].min().str[:10])
    first_snap = h.groupby("opp_id")["snapshot_date"].min()
    gap = (first_snap - first_change.reindex(first_snap.index)).dt.days
    assert gap.between(0, 6).all()
    # the last snapshot shows each deal still open as the Opportunity export does
    last = h[h["snapshot_date"] == h["snapshot_date"].max()]
    open_now = set(o.loc[~o["is_closed"].astype(bool), "opp_id"])
    assert set(last.loc[~last["is_closed"].astype(bool), "opp_id"]) == open_now
    # migrated deals: a warning names them, and they carry no created date (no cycle time)
    w = data.warnings
    migrated = w[w["message"].str.contains("close before they were created")]
    assert len(migrated) == 1 and migrated["ids"].iloc[0].count("006") == 5
    assert o.loc[o["opp_name"].str.contains("migrated"), "created_date"].isna().all()


# ---------------------------------------------------------------------------------------
# HubSpot's "Date entered <stage>" columns as a change log

HUBSPOT_STAGE_DATES = FIXTURES / "hubspot_stage_dates"
HUBSPOT_EXPORT = HUBSPOT_STAGE_DATES / "hubspot-crm-exports-all-deals-2026-04-15.csv"
WON_LOST = {"Closed Won": (True, True), "Closed Lost": (True, False)}


def _entered_log(raw: pd.DataFrame) -> pd.DataFrame:
    """The change log the raw export's "Date entered" columns hold, read another way."""
    entered = [c for c in raw.columns if c.startswith('Date entered "')]
    long = raw.melt(id_vars=["Record ID"], value_vars=entered, var_name="column", value_name="raw")
    long = long.dropna(subset=["raw"])
    long["stage"] = (
        long["column"].str.removeprefix('Date entered "').str.removesuffix(' (Sales Pipeline)"')
    )
    long["is_closed"] = long["stage"].isin(WON_LOST)
    long["is_won"] = long["stage"].eq("Closed Won")
    long["snapshot_date"] = pd.to_datetime(long["raw"]).dt.normalize()
    long = long.rename(columns={"Record ID": "opp_id"}).sort_values(["opp_id", "raw"])
    return long[["snapshot_date", "opp_id", "stage", "is_closed", "is_won"]]


def test_hubspot_stage_dates_read_as_the_snapshots_they_imply():
    data = load_dataset(HUBSPOT_STAGE_DATES, preset="hubspot")
    h = data.history
    assert h is not None and len(data.opportunities) == 48
    raw = pd.read_csv(HUBSPOT_EXPORT, dtype={"Record ID": str}, encoding="utf-8-sig")
    log = _entered_log(raw)
    dates = pd.DatetimeIndex(sorted(h["snapshot_date"].unique()))
    assert dates[-1] == data.last_date and len(dates) > 60
    want = implied_snapshots(log, dates)
    got = h[["snapshot_date", "opp_id", "stage", "is_closed", "is_won"]]
    kinds = {"opp_id": str, "stage": str, "is_closed": bool, "is_won": bool}
    pd.testing.assert_frame_equal(
        got.astype(kinds).reset_index(drop=True), want.astype(kinds), check_dtype=False
    )
    # each snapshot carries the deal's amount and close date as the export shows them now
    amounts = raw.set_index("Record ID")["Amount"].astype(float)
    assert (h["amount"].to_numpy() == amounts.loc[h["opp_id"]].to_numpy()).all()
    # the last snapshot shows open exactly the deals the export shows open
    last = h[h["snapshot_date"] == h["snapshot_date"].max()]
    open_now = set(raw.loc[~raw["Deal Stage"].isin(WON_LOST), "Record ID"])
    assert set(last.loc[~last["is_closed"].astype(bool), "opp_id"]) == open_now


def test_hubspot_stage_dates_by_hand():
    # deal 9876600000: Appointment Scheduled 2025-03-11 09:22, Qualified To Buy 2025-03-22
    # 12:00, Closed Lost 2025-03-27 16:38 (see the fixture's first row)
    data = load_dataset(HUBSPOT_STAGE_DATES, preset="hubspot")
    h = data.history
    one = h[h["opp_id"] == "9876600000"]
    assert one[["snapshot_date", "stage", "is_closed"]].values.tolist() == [
        [pd.Timestamp("2025-03-14"), "Appointment Scheduled", False],
        [pd.Timestamp("2025-03-21"), "Appointment Scheduled", False],
        [pd.Timestamp("2025-03-28"), "Closed Lost", True],
    ]
    # 9876600137: Appointment Scheduled 2025-12-25, Qualified To Buy 2026-01-10, still open:
    # every Friday and quarter end after, in Qualified To Buy
    two = h[h["opp_id"] == "9876600137"].set_index("snapshot_date")["stage"]
    assert two.loc["2025-12-26"] == "Appointment Scheduled"
    assert two.loc["2025-12-31"] == "Appointment Scheduled"  # 2025Q4's last day
    assert two.loc["2026-01-09"] == "Appointment Scheduled"
    assert (two.loc["2026-01-16":] == "Qualified To Buy").all()
    assert two.index.max() == data.last_date


def test_hubspot_stage_date_labels_with_and_without_quotes_or_pipeline():
    from salesops_lib.data.presets import SOURCE_LABELS, hubspot_stage_changes

    opps = pd.DataFrame(
        {
            "opp_id": ["1", "2"],
            "pipeline": ["Sales Pipeline", "Renewals"],
            "amount": ["100", "200"],
            "close_date": ["2026-03-31", "2026-06-30"],
            "a": ["2026-01-05 09:00", None],
            "b": ["2026-02-02 10:30", ""],
            "c": [None, "2026-01-07 08:00"],
            "x": ["2026-01-09 10:00", None],
        }
    )
    opps.attrs[SOURCE_LABELS] = {
        "a": 'Date entered "Appointment Scheduled (Sales Pipeline)"',
        "b": "Date entered Closed Won",
        "c": "Date entered “Renewal Due (Renewals)”",
        "x": 'Date exited "Appointment Scheduled (Sales Pipeline)"',
    }
    log = hubspot_stage_changes(opps)
    assert log.values.tolist() == [
        ["2026-01-05 09:00", "1", "Appointment Scheduled", "100", "2026-03-31"],
        ["2026-02-02 10:30", "1", "Closed Won", "100", "2026-03-31"],
        ["2026-01-07 08:00", "2", "Renewal Due", "200", "2026-06-30"],
    ]
    opps.attrs[SOURCE_LABELS] = {}
    assert hubspot_stage_changes(opps) is None


def test_the_stage_dates_fixture_is_what_its_script_writes(tmp_path):
    import importlib.util

    script = FIXTURES / "make_hubspot_stage_dates.py"
    spec = importlib.util.spec_from_file_location("make_hubspot_stage_dates", script)
    assert spec is not None and spec.loader is not None
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    make.OUT = tmp_path
    make.main()
    assert (tmp_path / HUBSPOT_EXPORT.name).read_bytes() == HUBSPOT_EXPORT.read_bytes()


def test_a_hubspot_snapshot_history_file_stays_snapshots(tmp_path):
    # the stage dates make a change log; a history file of weekly snapshots beside a deals
    # export without them is still read as snapshots, row for row (not resampled)
    import shutil

    export = next((FIXTURES / "hubspot_export").glob("*.csv"))
    shutil.copy(export, tmp_path / export.name)
    raw = pd.read_csv(export, dtype={"Record ID": str}, encoding="utf-8-sig")
    ids = raw["Record ID"].head(2).tolist()
    (tmp_path / "history.csv").write_text(
        "snapshot_date,opp_id,stage,amount,close_date\n"
        f"2025-03-05,{ids[0]},Qualified To Buy,1000,2025-06-30\n"
        f"2025-03-05,{ids[1]},Contract Sent,2000,2025-05-31\n",
        encoding="utf-8",
    )
    data = load_dataset(tmp_path, preset="hubspot")
    h = data.history
    assert h is not None and h["snapshot_date"].astype(str).str[:10].tolist() == ["2025-03-05"] * 2
    assert h["opp_id"].astype(str).tolist() == ids
