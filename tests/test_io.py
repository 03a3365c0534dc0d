"""The raw readers of data/io.py: CSV headers and cells, Parquet, DuckDB, SQL, and their errors.

Loading whole data sets through these readers is tested in test_data.py; here each reader
is given a few bytes whose right reading is known by hand.
"""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from salesops_lib.data.io import (
    WHOLE_DAYS,
    parquet_columns,
    read_csv,
    read_duckdb,
    read_header,
    read_parquet,
    read_sql,
    read_table_file,
)
from salesops_lib.errors import SalesOpsDataError


def _file(tmp_path: Path, content: bytes, name: str = "deals.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


# ----------------------------------------------------------------------------------------
# CSV header


@pytest.mark.parametrize(
    ("content", "labels"),
    [
        (b"opp_id,amount\n1,2\n", ["opp_id", "amount"]),
        (codecs.BOM_UTF8 + b"opp_id,amount\n", ["opp_id", "amount"]),  # Excel's UTF-8 BOM
        (b"opp\x00_id,amo\x00unt\n", ["opp_id", "amount"]),  # NUL bytes dropped
        (b"opp_id,amount\r\n1,2\r\n", ["opp_id", "amount"]),  # Windows line ends
        (b" opp_id , amount \n", ["opp_id", "amount"]),  # spaces around labels
        (b'"Amount, USD",stage\n', ["Amount, USD", "stage"]),  # a quoted comma
        (b"Montant \x80,stage\n", ["Montant \u20ac", "stage"]),  # cp1252's euro sign
        (b"caf\xc3\xa9,stage\n", ["caf\u00e9", "stage"]),  # UTF-8 stays UTF-8
        (b"a\x81,b\n", ["a\x81", "b"]),  # not cp1252 (0x81 is unassigned): latin-1
        (b"opp_id", ["opp_id"]),  # no line end at all
        (b"", []),
        (b"\n\nopp_id\n", []),  # a blank first line: no labels
    ],
)
def test_read_header(tmp_path, content, labels):
    assert read_header(_file(tmp_path, content)) == labels


# ----------------------------------------------------------------------------------------
# CSV cells


def test_blank_and_null_cells_are_missing(tmp_path):
    path = _file(
        tmp_path,
        b"opp_id,amount\n007,\n008,NULL\n009,N/A\n010,#N/A\n011,None\n012,nan\n013,5\n",
    )
    frame = read_csv(path, string_columns={"opp_id"})
    assert frame["opp_id"].tolist() == ["007", "008", "009", "010", "011", "012", "013"]
    assert frame["amount"].isna().tolist() == [True] * 6 + [False]
    assert frame["amount"].iloc[-1] == 5.0


def test_string_columns_keep_leading_zeros_and_label_columns_are_categoricals(tmp_path):
    path = _file(tmp_path, b"opp_id,stage,amount\n007,Won,10\n0042,Demo,20\n0042,Won,30\n")
    frame = read_csv(path, string_columns={"opp_id"}, label_columns={"stage", "not there"})
    assert frame["opp_id"].tolist() == ["007", "0042", "0042"]
    assert isinstance(frame["stage"].dtype, pd.CategoricalDtype)
    assert sorted(frame["stage"].cat.categories) == ["Demo", "Won"]
    assert frame["stage"].tolist() == ["Won", "Demo", "Won"]
    assert frame["amount"].tolist() == [10, 20, 30]


def test_iso_dates_read_as_whole_days(tmp_path):
    path = _file(tmp_path, b"created_date,note\n2026-01-05,a\n,b\n2026-03-01,c\n")
    frame = read_csv(path)
    assert frame.attrs[WHOLE_DAYS] == ["created_date"]
    assert frame["created_date"].dtype == "datetime64[ns]"
    assert frame["created_date"].tolist()[0] == pd.Timestamp("2026-01-05")
    assert pd.isna(frame["created_date"].iloc[1])


def test_a_short_row_leaves_its_last_cells_blank(tmp_path):
    frame = read_csv(_file(tmp_path, b"opp_id,stage\no1,Won\no2\n"))
    assert frame["opp_id"].tolist() == ["o1", "o2"]
    assert frame["stage"].iloc[0] == "Won" and pd.isna(frame["stage"].iloc[1])


@pytest.mark.parametrize(
    "content",
    [
        b"opp_id,stage\no1,Won,\no2,Demo,\n",  # every row: pandas took o1 as an index
        b"opp_id,stage\no1,Won, \no2,Demo\n",  # one row only, a blank after the delimiter
        b"opp_id,stage\no1,Won,,\no2,Demo,\n",  # two trailing delimiters
    ],
)
def test_a_trailing_delimiter_is_read_as_the_header_says(tmp_path, content):
    frame = read_csv(_file(tmp_path, content))
    assert list(frame.columns) == ["opp_id", "stage"]
    assert frame["opp_id"].tolist() == ["o1", "o2"]
    assert frame["stage"].tolist() == ["Won", "Demo"]


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b"opp_id,stage\no1,Won,x\no2,Demo,y\n", 2),  # every row one value too many
        (b"opp_id,stage\no1,Won\no2,Demo,y\n", 3),
    ],
)
def test_rows_longer_than_the_header_are_an_error_not_shifted_values(tmp_path, content, line):
    with pytest.raises(
        SalesOpsDataError, match=rf"deals.csv: line {line} has 3 fields but the header has 2"
    ):
        read_csv(_file(tmp_path, content))


def test_text_that_is_not_utf8_is_read_as_cp1252(tmp_path):
    frame = read_csv(_file(tmp_path, b"rep_name,team\nM\xfcller,East\nGonz\xe1lez,West\n"))
    assert frame["rep_name"].tolist() == ["M\u00fcller", "Gonz\u00e1lez"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "deals.csv: the file is empty"),
        (b"\n\n\n", "deals.csv: the first line holds no column labels"),
        (b",,\n1,2,3\n", "deals.csv: the first line holds no column labels"),
        (b'opp_id,stage\n"o1,Won\n', "deals.csv: cannot be read as CSV"),  # unclosed quote
    ],
)
def test_unreadable_csv_is_a_data_error_naming_the_file(tmp_path, content, message):
    with pytest.raises(SalesOpsDataError, match=message):
        read_csv(_file(tmp_path, content))


def test_missing_csv_file(tmp_path):
    with pytest.raises(SalesOpsDataError, match="nowhere.csv: file not found"):
        read_csv(tmp_path / "nowhere.csv")


@pytest.mark.parametrize(
    "content", [b"opp_id,stage,opp_id\n1,2,3\n", b"opp_id,stage, opp_id \n1,2,3\n"]
)
def test_repeated_column_labels_are_an_error(tmp_path, content):
    path = _file(tmp_path, content)
    with pytest.raises(SalesOpsDataError, match="deals.csv: column label.*appear more than once"):
        read_table_file(path)


# ----------------------------------------------------------------------------------------
# Parquet


def _parquet(tmp_path: Path) -> Path:
    table = pa.table(
        {
            "opp_id": ["o1", "o2", "o3"],
            "stage": ["Won", "Demo", "Won"],
            "close_date": pa.array([dt.date(2026, 1, 5), None, dt.date(2026, 3, 1)], pa.date32()),
            "far_day": pa.array([dt.date(2300, 1, 1)] * 3, pa.date32()),  # beyond ns range
            "amount": [1.5, None, 3.0],
        }
    )
    path = tmp_path / "opportunities.parquet"
    pq.write_table(table, path)
    return path


def test_parquet_columns_from_the_footer(tmp_path):
    assert parquet_columns(_parquet(tmp_path)) == [
        "opp_id",
        "stage",
        "close_date",
        "far_day",
        "amount",
    ]
    assert parquet_columns(_file(tmp_path, b"opp_id\n", "not.parquet")) == []


def test_parquet_label_columns_and_whole_days(tmp_path):
    frame = read_parquet(_parquet(tmp_path), label_columns={"stage", "not there"})
    assert isinstance(frame["stage"].dtype, pd.CategoricalDtype)
    assert frame["stage"].tolist() == ["Won", "Demo", "Won"]
    assert frame["opp_id"].tolist() == ["o1", "o2", "o3"]
    assert not isinstance(frame["opp_id"].dtype, pd.CategoricalDtype)
    # a date column becomes nanosecond datetimes, listed as whole days; a date past 2262
    # cannot, so it is left for typing to report (and not listed)
    assert frame["close_date"].dtype == "datetime64[ns]"
    assert frame["close_date"].tolist()[0] == pd.Timestamp("2026-01-05")
    assert frame.attrs[WHOLE_DAYS] == ["close_date"]
    assert frame["amount"].isna().tolist() == [False, True, False]


def test_read_table_file_picks_the_reader_by_suffix(tmp_path):
    frame = read_table_file(_parquet(tmp_path), string_columns={"amount"})
    assert frame["amount"].dtype == "float64"  # Parquet keeps its own types
    csv = read_table_file(_file(tmp_path, b"amount\n1.5\n", "x.txt"), string_columns={"amount"})
    assert csv["amount"].tolist() == ["1.5"]


def test_unreadable_parquet_is_a_data_error_naming_the_file(tmp_path):
    path = _file(tmp_path, b"PAR1 this is not Parquet", "history.parquet")
    with pytest.raises(SalesOpsDataError, match="history.parquet: not a readable Parquet file"):
        read_table_file(path)


# ----------------------------------------------------------------------------------------
# DuckDB file


@pytest.fixture
def duck(tmp_path) -> Path:
    import duckdb

    path = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table History (snapshot_date date, opp_id varchar)")
    con.execute(
        "insert into History values ('2026-01-01', 'o1'), ('2026-02-01', 'o1'), "
        "('2026-03-01', 'o2')"
    )
    con.execute("create table acts (activity_id varchar)")
    con.execute("insert into acts values ('a1'), ('a2')")
    con.close()
    return path


def test_duckdb_tables_queries_and_windows(duck):
    out = read_duckdb(
        duck,
        {
            "history": "history",  # table names match whatever their case
            "activities": "acts",
            "quotas": "quotas",  # absent: skipped
            "reps": "select 'r1' as rep_id union all select 'r2'",
        },
        windows={
            "history": ("snapshot_date", pd.Timestamp("2026-02-01")),
            "activities": ("activity_date", pd.Timestamp("2026-02-01")),  # no such column
        },
    )
    assert sorted(out) == ["activities", "history", "reps"]
    history = out["history"]
    assert pd.to_datetime(history["snapshot_date"]).tolist() == [
        pd.Timestamp("2026-02-01"),
        pd.Timestamp("2026-03-01"),
    ]
    assert history["opp_id"].tolist() == ["o1", "o2"]
    assert out["activities"]["activity_id"].tolist() == ["a1", "a2"]  # read whole
    assert sorted(out["reps"]["rep_id"]) == ["r1", "r2"]


def test_duckdb_errors_name_the_file(tmp_path, duck):
    bad = _file(tmp_path, b"not a database" * 100, "broken.duckdb")
    with pytest.raises(SalesOpsDataError, match="broken.duckdb: not a readable DuckDB file"):
        read_duckdb(bad, {"opportunities": "opportunities"})
    with pytest.raises(
        SalesOpsDataError,
        match=r"crm.duckdb: \[data.tables\] opportunities: DuckDB could not run the query: "
        r"Catalog Error: Table with name no_such_table does not exist",
    ):
        read_duckdb(duck, {"opportunities": "select * from no_such_table"})


# ----------------------------------------------------------------------------------------
# SQLAlchemy


def test_sql_window_is_pushed_into_the_query(tmp_path):
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    engine = sa.create_engine(url)
    pd.DataFrame(
        {"snapshot_date": ["2026-01-31", "2026-02-01", "2026-02-02"], "opp_id": ["o1"] * 3}
    ).to_sql("history", engine, index=False)
    engine.dispose()
    out = read_sql(
        url,
        {"history": "HISTORY", "quotas": "quotas"},
        masked_url=url,
        windows={"history": ("snapshot_date", pd.Timestamp("2026-02-01"))},
    )
    assert list(out) == ["history"]
    assert out["history"]["snapshot_date"].tolist() == ["2026-02-01", "2026-02-02"]


def test_sql_errors_show_the_masked_url_only():
    with pytest.raises(SalesOpsDataError) as err:
        read_sql(
            "nosuchdialect://sales:s3cret@db/crm",
            {"opportunities": "opportunities"},
            masked_url="nosuchdialect://sales:***@db/crm",
        )
    assert "nosuchdialect://sales:***@db/crm" in str(err.value)
    assert "s3cret" not in str(err.value)


@pytest.mark.parametrize("n_labels", [3, 126, 127, 200, 40_000])
def test_labels_keep_their_values_and_the_smallest_code_type(n_labels, rng):
    from salesops_lib.data.coerce import map_labels, to_label

    names = [f" s{i:05d}" if i % 2 else f"s{i:05d}" for i in range(n_labels)]  # half need trimming
    values = pd.Series(rng.choice(np.array(names + [None], dtype=object), 5_000), dtype="str")
    got = to_label(values.astype("category"))  # categories in order of appearance, as Parquet
    # plain pandas on the text: stripped, blanks missing, categories sorted
    want = values.str.strip().astype("category")
    assert _plain(got) == _plain(want)
    assert list(got.cat.categories) == sorted(set(want.dropna()))
    # the code type pandas itself picks for that many categories (no conversion left to do)
    assert got.cat.codes.dtype == pd.Categorical(list(got.cat.categories)).codes.dtype
    # a function merging categories: values follow it
    merged = map_labels(got, lambda v: v[:3])
    assert _plain(merged) == [None if v is None else v[:3] for v in _plain(got)]


def _plain(s: pd.Series) -> list:
    """A column's values as Python objects, None for missing."""
    return [None if pd.isna(v) else str(v) for v in s.astype(object)]
