"""Choosing the reader for a data source and reading its raw tables.

A source is a SQLAlchemy URL, a DuckDB file, a single CSV (or Parquet) export of
opportunities, or a folder of one file per table. :func:`read_source` returns the raw
tables keyed by canonical table name (plus the auxiliary files a preset names), before any
mapping, typing or checking; the readers themselves live in :mod:`salesops_lib.data.io`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from salesops_lib import schema
from salesops_lib.data.io import (
    is_query,
    parquet_columns,
    read_duckdb,
    read_file_queries,
    read_header,
    read_sql,
    read_table_file,
)
from salesops_lib.data.mapping import string_labels
from salesops_lib.data.presets import Preset
from salesops_lib.errors import SalesOpsDataError

Windows = dict[str, tuple[str, pd.Timestamp]]
"""Table -> (its date column in the source, first day kept): the ``since`` cut."""

DUCKDB_SUFFIXES = (".duckdb", ".ddb", ".db")
TABLE_FILE_SUFFIXES = (".csv", ".parquet", ".txt")

EMPTY_FILE_OK = ("owner_changes",)
"""Optional tables whose file may be empty (zero bytes, or a header only): the table is left
out and the load goes on (a change log with nothing in it holds no changes)."""

EMPTY_FILE = "empty_file"
"""``attrs`` key of the frame :func:`read_source` gives for a zero-byte file of a table of
:data:`EMPTY_FILE_OK`: the file's name (the frame has no columns and no rows)."""


def read_source(
    src: str,
    shown: str,
    preset: Preset | None,
    user_columns: dict[str, dict[str, Any]],
    user_tables: dict[str, str],
    data_cfg: dict[str, Any],
    windows: Windows | None = None,
) -> dict[str, pd.DataFrame]:
    """The raw tables of a source, keyed by canonical table name (plus preset auxiliaries).

    Parameters
    ----------
    src
        A SQLAlchemy URL (anything with ``://``), a DuckDB file (``.duckdb``, ``.ddb``,
        ``.db``), a single CSV or Parquet export of opportunities, or a folder.
    shown
        ``src`` with its secrets masked, for messages.
    preset
        The preset naming each table's files and column aliases, if any.
    user_columns
        The config's ``[data.columns.<table>]``: source label -> canonical column.
    user_tables
        The config's ``[data.tables]``: canonical table -> file, database table or query.
    data_cfg
        The config's ``[data]`` table (``password`` is put into a database URL).
    windows
        Table -> (source date column, first day): databases select only rows on or after
        that day in the query; files drop the earlier rows after reading.

    Returns
    -------
    dict of str to pandas.DataFrame
        The tables found; absent ones are left out.

    Raises
    ------
    SalesOpsDataError
        If the source does not exist, a folder holds no table file, or a file or database
        cannot be read.
    """
    windows = windows or {}
    names = list(schema.TABLES) + (
        [t for t in preset.files if t not in schema.TABLES] if preset else []
    )
    if "://" in src:
        refs = {n: user_tables.get(n, n) for n in names}
        return read_sql(_with_password(src, data_cfg), refs, masked_url=shown, windows=windows)
    path = Path(src)
    if not path.exists():
        raise SalesOpsDataError(
            f"data source {shown} does not exist; give a folder, a CSV file, a DuckDB file or a database URL"
        )
    if path.is_file() and path.suffix.lower() in DUCKDB_SUFFIXES:
        refs = {n: user_tables.get(n, n) for n in names}
        return read_duckdb(path, refs, windows=windows)
    if path.is_file():
        return _read_export(path, preset, user_columns)
    out = _read_folder(path, shown, names, preset, user_columns, user_tables)
    return _cut_windows(out, windows)


def _with_password(url: str, data_cfg: dict[str, Any]) -> str:
    """The URL with the config's ``data.password`` set, when both are there."""
    if not (data_cfg.get("password") and "@" in url):
        return url
    import sqlalchemy as sa

    return (
        sa.engine.make_url(url)
        .set(password=str(data_cfg["password"]))
        .render_as_string(hide_password=False)
    )


def _read_export(
    path: Path, preset: Preset | None, user_columns: dict[str, dict[str, Any]]
) -> dict[str, pd.DataFrame]:
    """A single file: an export of opportunities (no ``since`` cut: it has no history)."""
    string_cols = (
        string_labels(
            read_header(path), "opportunities", preset, user_columns.get("opportunities", {})
        )
        if path.suffix.lower() != ".parquet"
        else set()
    )
    return {"opportunities": read_table_file(path, string_columns=string_cols)}


def _read_folder(
    path: Path,
    shown: str,
    names: list[str],
    preset: Preset | None,
    user_columns: dict[str, dict[str, Any]],
    user_tables: dict[str, str],
) -> dict[str, pd.DataFrame]:
    """One file per table: the config's file name or SQL query first, then the preset's file
    names, then the aliases."""
    queries = {n: q for n, q in user_tables.items() if n in names and is_query(str(q))}
    out: dict[str, pd.DataFrame] = read_file_queries(path, queries) if queries else {}
    files = {
        p.stem.lower(): p for p in sorted(path.iterdir()) if p.suffix.lower() in TABLE_FILE_SUFFIXES
    }
    for name in names:
        if name in out:
            continue
        stems: list[str] = []
        if name in user_tables and name not in queries:
            stems.append(Path(user_tables[name]).stem.lower())
        if preset is not None:
            stems.extend(s.lower() for s in preset.files.get(name, ()))
        stems.extend(schema.TABLE_FILE_ALIASES.get(name, (name,)))
        for stem in stems:
            p = files.get(stem) or dated_export(files, stem)
            if p is not None and name in EMPTY_FILE_OK and p.stat().st_size == 0:
                out[name] = pd.DataFrame()
                out[name].attrs[EMPTY_FILE] = p.name
                break
            if p is not None:
                header = read_header(p) if p.suffix.lower() != ".parquet" else parquet_columns(p)
                user = user_columns.get(name, {})
                out[name] = read_table_file(
                    p,
                    string_columns=string_labels(header, name, preset, user),
                    label_columns=string_labels(header, name, preset, user, ("label",)),
                )
                break
    if not out:
        raise SalesOpsDataError(
            f"{shown}: no table files found; expected opportunities.csv (and reps.csv, ...) "
            "or the files a preset names"
        )
    return out


def dated_export(files: dict[str, Path], stem: str) -> Path | None:
    """The newest file named ``stem`` plus the date of its export, as CRMs name downloads.

    HubSpot, for one, writes ``hubspot-crm-exports-all-deals-2026-05-20.csv``; a browser
    that already has the file adds `` (1)``. A user should not have to rename an export.

    Parameters
    ----------
    files
        Lower-case file stem -> file, of the folder's table files.
    stem
        The stem a table may be stored under (lower case).

    Returns
    -------
    pathlib.Path or None
        Of the files named ``<stem>-YYYY-MM-DD...`` (or with ``_`` or a space before the
        date), the last in name order, i.e. the newest export; None when there is none.

    Examples
    --------
    >>> files = {s: Path(s + ".csv") for s in ("deals-2026-05-01", "deals-2026-05-20", "deals_x")}
    >>> dated_export(files, "deals").name
    'deals-2026-05-20.csv'
    """
    pattern = re.compile(re.escape(stem) + r"[-_ ]\d{4}-\d{2}-\d{2}\b.*")
    found = sorted(name for name in files if pattern.fullmatch(name))
    return files[found[-1]] if found else None


def _cut_windows(out: dict[str, pd.DataFrame], windows: Windows) -> dict[str, pd.DataFrame]:
    """Drop the rows of windowed tables dated before their first day (unparseable dates stay:
    typing reports them)."""
    for name, (col, first) in windows.items():
        frame = out.get(name)
        if frame is not None and col in frame.columns:
            dates = pd.to_datetime(frame[col], errors="coerce", format="mixed")
            out[name] = frame[~(dates < first)].reset_index(drop=True)
            out[name].attrs = dict(frame.attrs)
    return out
