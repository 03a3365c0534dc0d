"""The data set object: read-only tables, edits through replace(), nothing kept alive."""

from __future__ import annotations

import gc
import weakref

import pandas as pd
import pyarrow as pa
import pytest

from salesops_lib import load_dataset, timeline
from salesops_lib.analysis import forecast as fc
from salesops_lib.analysis.kpis import kpi_table
from salesops_lib.data.frozen import ReadOnlyTableError

# in-place edits are what is tested here; pandas 3.1 warns that inplace= is deprecated
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.opportunities.loc.__setitem__((0, "amount"), 0.0),
        lambda d: d.opportunities.iloc.__setitem__((0, 0), "x"),
        lambda d: d.opportunities.at.__setitem__((0, "amount"), 0.0),
        lambda d: d.opportunities.__setitem__("amount", 0.0),
        lambda d: d.opportunities.fillna({"amount": 0.0}, inplace=True),
        lambda d: d.opportunities.sort_values("amount", inplace=True),
        lambda d: d.history.drop(columns="amount", inplace=True),
        lambda d: setattr(d.reps, "columns", list(d.reps.columns)),
        lambda d: d.reps.insert(0, "x", 1),
    ],
)
def test_tables_refuse_in_place_edits(demo, edit):
    with pytest.raises(ReadOnlyTableError, match=r"data.replace\(opportunities=opps\)"):
        edit(demo)


def test_derived_frames_are_ordinary_and_editable(demo):
    part = demo.opportunities[demo.opportunities["amount"] > 0]
    part.loc[part.index[0], "amount"] = 1.0  # a filtered frame is the analyst's own copy
    assert type(part) is pd.DataFrame and type(demo.opportunities.copy()) is pd.DataFrame
    assert demo.opportunities.loc[part.index[0], "amount"] != 1.0


def test_an_edit_through_replace_reaches_every_figure(demo):
    quarter, as_of = "2026Q3", pd.Timestamp("2026-08-14")
    start, _ = demo.calendar.bounds(quarter)
    before = fc.forecast_quarter(demo, quarter=quarter, as_of=as_of, methods=("rep_call",))
    won = timeline.booked(demo, start, as_of)
    assert len(won) > 0 and before.attrs["booked"] == pytest.approx(won["amount"].sum())
    opps = demo.opportunities.copy()
    biggest = won["amount"].idxmax()
    opps.loc[biggest, "amount"] = 0.0
    edited = demo.replace(opportunities=opps)
    expect = won["amount"].sum() - won.loc[biggest, "amount"]
    kpi = kpi_table(edited, quarter=quarter, as_of=as_of, by=None).iloc[0]
    after = fc.forecast_quarter(edited, quarter=quarter, as_of=as_of, methods=("rep_call",))
    assert kpi["bookings"] == pytest.approx(expect)
    assert after.attrs["booked"] == pytest.approx(expect)
    # the original is untouched and still answers as before
    again = fc.forecast_quarter(demo, quarter=quarter, as_of=as_of, methods=("rep_call",))
    assert again.attrs["booked"] == pytest.approx(won["amount"].sum())


def test_an_edit_of_history_dates_moves_the_snapshot(demo):
    h = demo.history.copy()
    last = h["snapshot_date"].max()
    h.loc[h["snapshot_date"] == last, "snapshot_date"] = last + pd.Timedelta(days=30)
    edited = demo.replace(history=h)
    day = last + pd.Timedelta(days=1)
    assert timeline.snapshot_date_on(demo, day) == last
    assert timeline.snapshot_date_on(edited, day) < last  # the moved snapshot is later now
    assert timeline.snapshot_date_on(edited, last + pd.Timedelta(days=30)) == last + pd.Timedelta(
        days=30
    )


def test_four_loads_then_del_free_their_memory(demo_dir):
    gc.collect()
    base = pa.total_allocated_bytes()
    loads = [load_dataset(demo_dir, config=demo_dir / "salesops.toml") for _ in range(4)]
    for d in loads:  # everything an analysis keeps on the data set
        fc.forecast_quarter(d, quarter="2026Q3", methods=("pipeline", "rep_call"))
        assert d.facts.history is not None
    refs = [weakref.ref(d) for d in loads]
    grown = pa.total_allocated_bytes() - base
    del loads, d
    gc.collect()
    assert all(r() is None for r in refs)  # no module keeps a data set alive
    assert pa.total_allocated_bytes() - base < 0.2 * grown


def test_a_data_set_prints_one_screen_summary(tmp_path):
    from .test_data import write
    from .test_kpis import OPPS, QUOTAS, REPS

    data = load_dataset(write(tmp_path / "t", reps=REPS, opportunities=OPPS, quotas=QUOTAS))
    assert repr(data) == str(data) == data.summary()
    assert data.summary().splitlines() == [
        f"SalesData from {tmp_path / 't'} (USD; fiscal year starts in January)",
        "  reps                  3 rows",
        "  opportunities         9 rows",
        "  accounts              absent",
        "  history               absent",
        "  quotas                4 rows",
        "  activities            absent",
        "  owner_changes         absent",
        "  enablement            absent",
        "Dates: 2025-12-31 (first close) to 2026-04-02 (last date)",
        "Quarters: 2025Q4 to 2026Q2 (3); latest complete: 2026Q1",
        "Stages: Open > Won > Lost",  # inferred: open stages first
        "Warnings: 2 (see .warnings)",  # no account ids; o5 open past its close date
    ]


def test_the_demo_summary_fits_one_screen(demo):
    lines = repr(demo).splitlines()
    assert len(lines) <= 15 and max(map(len, lines)) <= 110
    assert lines[2] == f"  opportunities{len(demo.opportunities):>10,} rows"


def _chunks(column: pd.Series) -> int:
    arrow = pa.array(column.array)
    return arrow.num_chunks if isinstance(arrow, pa.ChunkedArray) else 1


def test_text_columns_are_held_in_one_chunk(demo):
    """Arrow's take on a many-chunk column copies the whole column: a data set joins the chunks."""
    ids = demo.opportunities["opp_id"]
    half = len(ids) // 2
    chunked = pa.chunked_array(
        [pa.array(ids.iloc[:half], pa.large_string()), pa.array(ids.iloc[half:], pa.large_string())]
    )
    opps = demo.opportunities.copy()
    opps["opp_id"] = pd.array(chunked, dtype=ids.dtype)
    assert _chunks(opps["opp_id"]) == 2
    made = demo.replace(opportunities=opps)
    assert _chunks(made.opportunities["opp_id"]) == 1
    assert _chunks(opps["opp_id"]) == 2  # the frame handed in is not changed
    pd.testing.assert_frame_equal(made.opportunities, opps, check_frame_type=False)
    assert made.opportunities["opp_id"].dtype == ids.dtype


def test_a_loaded_snapshot_holds_text_in_one_chunk(demo, tmp_path):
    from salesops_lib.data import write_snapshot

    back = load_dataset(write_snapshot(demo, tmp_path / "snap"))
    for table in (back.opportunities, back.history):
        text = [c for c in table.columns if pd.api.types.is_string_dtype(table[c].dtype)]
        assert text and all(_chunks(table[c]) == 1 for c in text)


def test_a_runs_snapshot_shares_a_result_between_processes_reading_it(demo, tmp_path):
    from salesops_lib.data import read_snapshot, write_snapshot
    from salesops_lib.data.snapshot import SHARED

    snap = write_snapshot(demo, tmp_path / "snap")
    assert read_snapshot(snap).shared_folder is None  # a kept snapshot shares nothing
    (snap / SHARED).mkdir()  # as the quarterly run makes it
    first, second = read_snapshot(snap), read_snapshot(snap)  # two report kernels
    made = []
    assert first.shared("won by 2026Q3", lambda: made.append(1) or {"won": 668}) == {"won": 668}
    assert second.shared("won by 2026Q3", lambda: made.append(2) or {"won": -1}) == {"won": 668}
    assert made == [1] and [p.suffix for p in (snap / SHARED).iterdir()] == [".pickle"]
    # another data set made from it (an analyst's edit) shares nothing with the run
    edited = second.replace(quotas=None)
    assert edited.shared_folder is None
    assert edited.shared("won by 2026Q3", lambda: {"won": 0}) == {"won": 0}
