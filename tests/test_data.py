"""Loading: sources, type coercion, blocking problems and warnings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from salesops_lib import SalesOpsDataError, load_dataset, validate
from salesops_lib.data import read_snapshot, write_snapshot
from salesops_lib.errors import ConfigError

from .conftest import FIXTURES

REPS = "rep_id,rep_name,manager,team,region,role,hire_date,end_date\nr1,Ann Lee,Max,East,East,AE,2024-01-01,\nr2,Bo Chan,Max,East,East,AE,2024-06-01,\n"
OPPS = (
    "opp_id,account_id,rep_id,product,stage,amount,created_date,close_date,is_closed,is_won\n"
    "o1,a1,r1,Core,Closed Won,1000,2026-01-05,2026-02-01,true,true\n"
    "o2,a2,r1,Core,Closed Lost,500,2026-01-10,2026-02-15,true,false\n"
    "o3,a1,r2,Pro,Proposal,2000,2026-02-01,2026-03-20,false,false\n"
)


def write(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_folder_loads_with_canonical_types(tmp_path):
    data = load_dataset(write(tmp_path / "d", reps=REPS, opportunities=OPPS))
    o = data.opportunities
    assert o["created_date"].dtype == "datetime64[ns]"
    assert o["amount"].dtype == "float64"
    assert o["is_won"].tolist() == [True, False, False]
    assert data.accounts is None and data.history is None and data.quotas is None
    assert data.last_date == pd.Timestamp("2026-02-15")


def test_ids_stay_text(tmp_path):
    opps = OPPS.replace("o1,", "007,").replace("r1,", "0042,")
    reps = REPS.replace("r1,", "0042,")
    data = load_dataset(write(tmp_path / "d", reps=reps, opportunities=opps))
    assert "007" in set(data.opportunities["opp_id"])
    assert "0042" in set(data.reps["rep_id"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01-04", "2026-01-04"),
        ("2026-01-04T23:30:00.000-0800", "2026-01-05"),
        ("2026-01-04T10:00:00Z", "2026-01-04"),
        ("01/04/2026", "2026-01-04"),
    ],
)
def test_dates_coerced_including_time_zones(tmp_path, raw, expected):
    opps = OPPS.replace("2026-01-05", raw)
    data = load_dataset(write(tmp_path / "d", reps=REPS, opportunities=opps))
    assert data.opportunities.loc[0, "created_date"] == pd.Timestamp(expected)


@pytest.mark.parametrize(
    ("yes", "no"), [("true", "false"), ("1", "0"), ("Yes", "No"), ("TRUE", "FALSE"), ("y", "n")]
)
def test_booleans_coerced(tmp_path, yes, no):
    opps = (
        OPPS.replace(",true,true", f",{yes},{yes}")
        .replace(",true,false", f",{yes},{no}")
        .replace(",false,false", f",{no},{no}")
    )
    data = load_dataset(write(tmp_path / "d", reps=REPS, opportunities=opps))
    assert data.opportunities["is_closed"].tolist() == [True, True, False]


def test_money_text_and_percent_probability(tmp_path):
    opps = OPPS.replace("is_won\n", "is_won,probability\n")
    lines = opps.splitlines()
    lines[1] = lines[1].replace(",1000,", ',"$1,000.50",') + ",100"
    lines[2] += ",0"
    lines[3] += ",60%"
    data = load_dataset(write(tmp_path / "d", reps=REPS, opportunities="\n".join(lines) + "\n"))
    o = data.opportunities
    assert o.loc[0, "amount"] == pytest.approx(1000.5)
    assert o["probability"].tolist() == pytest.approx([1.0, 0.0, 0.6])


def test_single_export_derives_reps_with_warning(tmp_path):
    p = tmp_path / "export.csv"
    p.write_text(OPPS, encoding="utf-8")
    data = load_dataset(p)
    assert sorted(data.reps["rep_id"]) == ["r1", "r2"]
    assert data.warnings["message"].str.contains("derived from the opportunities").any()


def test_parquet_folder_and_snapshot_roundtrip(tmp_path, demo):
    folder = tmp_path / "pq"
    folder.mkdir()
    for name, frame in demo.tables.items():
        frame.to_parquet(folder / f"{name}.parquet")
    shutil.copy(Path(demo.source) / "salesops.toml", folder / "salesops.toml") if (
        Path(demo.source) / "salesops.toml"
    ).exists() else None
    again = load_dataset(
        folder, config=folder / "salesops.toml" if (folder / "salesops.toml").exists() else None
    )
    pd.testing.assert_frame_equal(again.opportunities, demo.opportunities, check_dtype=False)
    snap = write_snapshot(demo, tmp_path / "snap")
    back = read_snapshot(snap)
    assert back.fingerprint() == demo.fingerprint()
    assert [s.name for s in back.stages] == [s.name for s in demo.stages]
    assert load_dataset(snap).fingerprint() == demo.fingerprint()


def test_snapshot_is_mapped_not_decoded_and_can_be_kept_compressed(tmp_path, demo):
    import pyarrow as pa

    snap = write_snapshot(demo, tmp_path / "snap")
    history = snap / "history.arrow"
    # uncompressed Arrow IPC: the reader maps the file, numbers are not copied out of it
    assert pa.ipc.open_file(pa.memory_map(str(history))).read_all().num_rows == len(demo.history)
    back = read_snapshot(snap)
    amounts = back.history["amount"].to_numpy()
    assert not amounts.flags.owndata and not amounts.flags.writeable
    kept = write_snapshot(demo, tmp_path / "kept", compression="zstd")
    assert (kept / "history.arrow").stat().st_size < history.stat().st_size / 2
    assert read_snapshot(kept).fingerprint() == demo.fingerprint()
    # a second snapshot into the same folder drops the tables the new data lacks
    write_snapshot(demo.replace(activities=None), snap)
    assert not (snap / "activities.arrow").exists() and read_snapshot(snap).activities is None


def test_duckdb_file_and_sqlalchemy_url(tmp_path):
    import duckdb
    import sqlalchemy as sa

    folder = write(tmp_path / "d", reps=REPS, opportunities=OPPS)
    from_csv = load_dataset(folder)
    db = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        f"create table opportunities as select * from read_csv_auto('{folder / 'opportunities.csv'}', all_varchar=true)"
    )
    con.execute(
        f"create table reps as select * from read_csv_auto('{folder / 'reps.csv'}', all_varchar=true)"
    )
    con.close()
    from_duck = load_dataset(db)
    pd.testing.assert_frame_equal(from_duck.opportunities, from_csv.opportunities)
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    engine = sa.create_engine(url)
    pd.read_csv(folder / "opportunities.csv", dtype=str).to_sql(
        "opportunities", engine, index=False
    )
    pd.read_csv(folder / "reps.csv", dtype=str).to_sql("reps", engine, index=False)
    engine.dispose()
    from_sql = load_dataset(url)
    pd.testing.assert_frame_equal(from_sql.opportunities, from_csv.opportunities)


def test_config_mapping_and_stage_order(tmp_path):
    opps = (
        OPPS.replace("opp_id,", "Deal Ref,")
        .replace(",is_closed,is_won", "")
        .replace(",true,true", "")
        .replace(",true,false", "")
        .replace(",false,false", "")
    )
    opps = opps.replace("Closed Won", "Signed").replace("Closed Lost", "Dead")
    folder = write(tmp_path / "d", reps=REPS, opportunities=opps)
    cfg = tmp_path / "salesops.toml"
    cfg.write_text(
        '[data.columns.opportunities]\n"Deal Ref" = "opp_id"\n[fiscal]\nstart_month = 2\n'
        '[[stages]]\nname = "Proposal"\n[[stages]]\nname = "Signed"\nclosed = true\nwon = true\n'
        '[[stages]]\nname = "Dead"\nclosed = true\nwon = false\n',
        encoding="utf-8",
    )
    data = load_dataset(folder, config=cfg)
    assert data.opportunities["is_won"].tolist() == [True, False, False]
    assert data.opportunities["is_closed"].tolist() == [True, True, False]
    assert data.calendar.start_month == 2
    assert [s.name for s in data.stages] == ["Proposal", "Signed", "Dead"]


def test_warnings_do_not_block(tmp_path):
    opps = OPPS.replace(
        "o3,a1,r2,Pro,Proposal,2000,2026-02-01,2026-03-20",
        "o3,,r2,Pro,Proposal,,2026-02-01,2026-02-03",
    )
    data = load_dataset(write(tmp_path / "d", reps=REPS, opportunities=opps))
    msgs = " | ".join(data.warnings["message"])
    assert "blank account" in msgs
    assert "without an amount" in msgs
    assert "close date already past" in msgs


def test_close_before_created_is_a_warning_and_a_migrated_created_date_is_left_out(tmp_path):
    """A close date before the created date is what migrated records carry (DESIGN.md): a
    warning, the closed deal's created date (the migration's) out of cycle times."""
    opps = OPPS.replace("2026-02-01,true,true", "2025-12-20,true,true").replace(
        "2026-02-01,2026-03-20,false", "2026-02-01,2026-01-20,false"
    )
    data = load_dataset(write(tmp_path / "d", reps=REPS, opportunities=opps))
    w = data.warnings
    said = {m: (c, i) for m, c, i in zip(w["message"], w["column"], w["ids"], strict=True)}
    closed = [m for m in said if "close before they were created" in m]
    opened = [m for m in said if "expected to close before they were created" in m]
    assert said[closed[0]] == ("created_date", "o1") and said[opened[0]] == ("close_date", "o3")
    assert any("close date already past" in m and said[m][1] == "o3" for m in said)
    o = data.opportunities.set_index("opp_id")
    assert pd.isna(o.loc["o1", "created_date"])  # closed: the migration's date left out
    assert o.loc["o3", "created_date"] == pd.Timestamp("2026-02-01")  # open: kept, past due
    assert not data.warnings["message"].str.contains("without a created date").any()


BLOCKING = [
    ("missing required column", lambda o, r: (o.replace("stage,", "phase,"), r), "stage"),
    ("unparseable date", lambda o, r: (o.replace("2026-01-05", "yesterday"), r), "created_date"),
    ("unparseable amount", lambda o, r: (o.replace(",1000,", ",lots,"), r), "amount"),
    ("negative amount", lambda o, r: (o.replace(",1000,", ",-1000,"), r), "amount"),
    ("duplicate id", lambda o, r: (o.replace("o2,", "o1,"), r), "opp_id"),
    ("unknown rep", lambda o, r: (o.replace(",r2,", ",r9,"), r), "rep_id"),
    ("won but not closed", lambda o, r: (o.replace(",true,true", ",false,true"), r), "is_won"),
]


@pytest.mark.parametrize(("case", "mutate", "column"), BLOCKING, ids=[b[0] for b in BLOCKING])
def test_blocking_problem_named_in_error_and_cli(tmp_path, case, mutate, column):
    from .conftest import run_cli

    opps, reps = mutate(OPPS, REPS)
    folder = write(tmp_path / "d", reps=reps, opportunities=opps)
    with pytest.raises(SalesOpsDataError) as err:
        load_dataset(folder)
    assert column in str(err.value)
    data, problems = validate(folder)
    assert data is None and (problems["severity"] == "error").any()
    res = run_cli("validate", str(folder))
    assert res.returncode == 1
    assert column in res.stdout
    assert "Traceback" not in res.stdout + res.stderr


@pytest.mark.parametrize("content", ["", "\n\n", "opp_id\n"])
def test_empty_or_headless_file_is_blocking(tmp_path, content):
    from .conftest import run_cli

    folder = write(tmp_path / "d", reps=REPS, opportunities=content)
    res = run_cli("validate", str(folder))
    assert res.returncode == 1
    assert "Traceback" not in res.stdout + res.stderr
    assert "opportunities" in res.stdout


def test_validate_lists_all_problems_at_once(tmp_path):
    from .conftest import run_cli

    opps = OPPS.replace(",1000,", ",-1000,").replace("o2,", "o1,").replace(",r2,", ",r9,")
    res = run_cli("validate", str(write(tmp_path / "d", reps=REPS, opportunities=opps)))
    assert res.returncode == 1
    errors = [line for line in res.stdout.splitlines() if line.startswith("ERROR")]
    assert len(errors) >= 3


def test_missing_source_is_a_clear_error(tmp_path):
    from .conftest import run_cli

    res = run_cli("validate", str(tmp_path / "nowhere"))
    assert res.returncode == 1
    assert "does not exist" in res.stdout
    assert "Traceback" not in res.stderr


def test_fixture_files_exist():
    assert (FIXTURES / "hubspot").is_dir()


HISTORY_HEADER = "snapshot_date,opp_id,stage,amount,close_date,forecast_category\n"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_deal_twice_in_one_snapshot_blocks(tmp_path, fmt):
    # the same deal twice on 2026-02-08 (once with a time of day), o9 in no table
    history = HISTORY_HEADER + (
        "2026-02-01,o3,Proposal,2000,2026-03-20,Pipeline\n"
        "2026-02-08,o3,Proposal,2000,2026-03-20,Pipeline\n"
        "2026-02-08 09:30:00,o3,Proposal,2100,2026-03-20,Best Case\n"
        "2026-02-08,o9,Proposal,10,2026-03-20,Pipeline\n"
    )
    folder = write(tmp_path / "d", reps=REPS, opportunities=OPPS, history=history)
    if fmt == "parquet":
        frame = pd.read_csv(folder / "history.csv", parse_dates=["snapshot_date", "close_date"])
        frame.to_parquet(folder / "history.parquet", index=False)
        (folder / "history.csv").unlink()
    _, problems = validate(folder)
    errors = problems[problems["severity"] == "error"]
    assert errors["message"].str.contains("appear twice in the same snapshot").any()
    assert "o3" in errors.loc[errors["table"] == "history", "ids"].iloc[0]
    warned = problems[problems["message"].str.contains("missing from opportunities")]
    assert len(warned) == 1 and "o9" in warned["ids"].iloc[0]


def test_history_stage_and_category_are_categoricals(tmp_path):
    history = HISTORY_HEADER + (
        "2026-02-01,o3, Proposal ,2000,2026-03-20,commit\n2026-02-08,o3,proposal,2000,2026-03-20,\n"
    )
    data = load_dataset(write(tmp_path / "d", reps=REPS, opportunities=OPPS, history=history))
    stage, category = data.history["stage"], data.history["forecast_category"]
    assert isinstance(stage.dtype, pd.CategoricalDtype)
    # trimmed, and spelled as the deals spell it even without a configured stage list
    assert stage.tolist() == ["Proposal", "Proposal"]
    assert not data.history["is_closed"].any()  # the stage's meaning fills the blank flags
    assert list(stage.cat.categories) == ["Proposal"]
    assert category.iloc[0] == "Commit" and pd.isna(category.iloc[1])
    snap = read_snapshot(write_snapshot(data, tmp_path / "snap"))
    assert snap.fingerprint() == data.fingerprint()
    assert isinstance(snap.history["stage"].dtype, pd.CategoricalDtype)


def test_a_folders_salesops_toml_is_read_when_no_config_is_given(tmp_path):
    # stages named out of alphabetical order: only the config knows their order
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won\n"
        "o1,r1,Zeta,100,2026-01-01,2026-02-01,false,false\n"
        "o2,r1,Alpha,200,2026-01-02,2026-02-02,false,false\n"
        "o3,r1,Signed,300,2026-01-03,2026-01-20,true,true\n"
    )
    folder = write(tmp_path / "d", opportunities=opps, reps="rep_id,rep_name\nr1,Ann\n")
    assert [s.name for s in load_dataset(folder).stages][:2] == ["Alpha", "Zeta"]
    (folder / "salesops.toml").write_text(
        '[fiscal]\nstart_month = 2\n[[stages]]\nname = "Zeta"\n[[stages]]\nname = "Alpha"\n'
        '[[stages]]\nname = "Signed"\nclosed = true\nwon = true\n',
        encoding="utf-8",
    )
    data = load_dataset(folder)
    assert [s.name for s in data.stages] == ["Zeta", "Alpha", "Signed"]
    assert data.calendar.start_month == 2
    assert load_dataset(folder, config={}).calendar.start_month == 1  # an explicit config wins


def test_migrated_deals_are_kept_out_of_cycle_times_and_a_config_switch_blocks_them(tmp_path):
    from salesops_lib.analysis.kpis import kpi_table

    # o1 closes 2025-12-20 but was created 2026-01-05 (a migrated record); o4 is a normal win
    opps = OPPS.replace("2026-02-01,true,true", "2025-12-20,true,true") + (
        "o4,a1,r2,Core,Closed Won,300,2026-01-02,2026-01-12,true,true\n"
    )
    folder = write(tmp_path / "d", reps=REPS, opportunities=opps)
    data = load_dataset(folder)
    k = kpi_table(data, quarter="2026Q1", by=None)
    assert k.loc["Total", "won"] == 1  # o4 only: o1 closed in 2025Q4
    assert k.loc["Total", "avg_cycle_days"] == 10.0  # 2026-01-02 to 2026-01-12
    k4 = kpi_table(data, quarter="2025Q4", by=None)
    assert k4.loc["Total", "won"] == 1 and pd.isna(k4.loc["Total", "avg_cycle_days"])
    with pytest.raises(SalesOpsDataError, match=r"close before they were created.*o1"):
        load_dataset(folder, config={"data": {"migrated_records": "block"}})
    with pytest.raises(ConfigError, match="data.migrated_records"):
        load_dataset(folder, config={"data": {"migrated_records": "maybe"}})


def test_a_stated_export_date_is_the_datas_last_date_and_survives_a_snapshot(tmp_path):
    folder = write(tmp_path / "d", reps=REPS, opportunities=OPPS)
    plain = load_dataset(folder)
    assert plain.last_date == pd.Timestamp("2026-02-15")  # the latest date in the data
    data = load_dataset(folder, config={"data": {"export_date": "2026-03-04"}})
    assert data.last_date == pd.Timestamp("2026-03-04")
    assert data.default_as_of("2026Q1") == pd.Timestamp("2026-03-04")
    assert data.fingerprint() != plain.fingerprint()
    back = read_snapshot(write_snapshot(data, tmp_path / "snap"))
    assert back.last_date == pd.Timestamp("2026-03-04")
    assert back.fingerprint() == data.fingerprint()
    with pytest.raises(ConfigError, match="data.export_date"):
        load_dataset(folder, config={"data": {"export_date": "last week"}})


def test_owner_history_is_checked(tmp_path):
    reps = "rep_id,rep_name\nr1,Ann\nr2,Bo\n"
    opps = (
        "opp_id,rep_id,stage,amount,created_date,close_date,is_closed,is_won,reassigned_date,"
        "previous_rep_id\n"
        "o1,r1,Proposal,10,2026-01-01,2026-06-01,false,false,2026-02-01,r9\n"
        "o2,r1,Proposal,10,2026-01-01,2026-06-01,false,false,,r2\n"
        "o3,r1,Proposal,10,2026-01-01,2026-06-01,false,false,2026-02-01,r1\n"
        "o4,r1,Proposal,10,2026-01-01,2026-06-01,false,false,2026-02-01,r2\n"
    )
    history = (
        "snapshot_date,opp_id,stage,amount,close_date,rep_id\n"
        "2026-01-09,o1,Proposal,10,2026-06-01,r8\n"
        "2026-01-09,o2,Proposal,10,2026-06-01,r1\n"
    )
    data = load_dataset(write(tmp_path / "d", reps=reps, opportunities=opps, history=history))
    w = data.warnings.set_index("message")["ids"]
    assert w[w.index.str.contains("previous owner is missing")].tolist() == ["o1"]
    assert w[w.index.str.contains("previous owner but no reassigned date")].tolist() == ["o2"]
    assert w[w.index.str.contains("previous owner is the current")].tolist() == ["o3"]
    snap = w[w.index.str.contains("snapshot row naming")]
    assert snap.tolist() == ["r8"] and snap.index[0].startswith("1 snapshot row naming 1 owner")
    assert str(data.history["rep_id"].dtype) == "category"


@pytest.mark.parametrize(
    "content, warned",
    [("opp_id,changed_date,previous_rep_id,rep_id\n", False), ("", True)],
    ids=["header-only", "zero-bytes"],
)
def test_empty_owner_changes_file_does_not_block(tmp_path, content, warned):
    from .conftest import run_cli

    folder = write(tmp_path / "d", reps=REPS, opportunities=OPPS, owner_changes=content)
    data = load_dataset(folder)  # no SalesOpsDataError
    assert data.owner_changes is None
    w = data.warnings
    said = w[w["table"] == "owner_changes"]["message"].tolist()
    assert said == (
        [
            "owner_changes.csv is empty (zero bytes, not even a header row), so no owner "
            "changes are read; export it again if deals changed owner"
        ]
        if warned
        else []
    )
    res = run_cli("validate", str(folder))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    assert ("owner_changes.csv is empty" in res.stdout) is warned


def test_empty_field_history_does_not_block_a_salesforce_export(tmp_path):
    folder = tmp_path / "sf"
    shutil.copytree(FIXTURES / "salesforce_export", folder)
    (folder / "OpportunityFieldHistory.csv").write_text("", encoding="utf-8")
    data = load_dataset(folder, preset="salesforce")
    assert data.owner_changes is None
    assert (data.warnings["table"] == "owner_changes").any()
