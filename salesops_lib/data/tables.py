"""Typing a mapped table to the schema: each canonical column converted to its kind.

:func:`coerce_table` converts every column the schema names (ids and text to trimmed text,
labels to categoricals, dates, money, booleans, probabilities) with the converters of
:mod:`salesops_lib.data.coerce`, and reports each missing required column and each column
with cells that will not convert.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesops_lib import schema
from salesops_lib.data.coerce import to_bool, to_date, to_label, to_money, to_probability, to_text
from salesops_lib.data.io import WHOLE_DAYS
from salesops_lib.data.presets import Preset
from salesops_lib.data.problems import problem

EMPTY_DTYPES = {
    "date": "datetime64[ns]",
    "money": "float64",
    "number": "float64",
    "prob": "float64",
    "bool": "boolean",
    "label": "category",
}
"""The dtype of an absent optional column, by schema kind (``str`` for the others)."""


def coerce_table(
    table: schema.Table, frame: pd.DataFrame, preset: Preset | None, problems: list[dict]
) -> pd.DataFrame:
    """A mapped table with every canonical column of its schema kind.

    Parameters
    ----------
    table
        The canonical table (:data:`salesops_lib.schema.TABLES`).
    frame
        The table with canonical column names (see
        :func:`~salesops_lib.data.mapping.map_columns`).
    preset
        Its ``probability_percent`` says whether probabilities are percentages.
    problems
        Problems found are appended here: a missing required column, or cells that will
        not convert (the first ids, the count and three examples).

    Returns
    -------
    pandas.DataFrame
        The schema's columns in its order (absent optional ones empty, of their kind's
        dtype, absent required ones left out), then the source's other columns (numbers and
        dates as they are, anything else as text), on a fresh ``RangeIndex``. Cells that
        will not convert are missing.

    Examples
    --------
    >>> raw = pd.DataFrame({"rep_id": [" r1"], "period": ["2026Q1"], "quota": ["$1,000"]})
    >>> problems = []
    >>> coerce_table(schema.TABLES["quotas"], raw, None, problems)["quota"].tolist()
    [1000.0]
    """
    out = pd.DataFrame(index=frame.index)
    key = table.key or (table.columns[0].name)
    whole_days = set(frame.attrs.get(WHOLE_DAYS, ()))
    for col in table.columns:
        if col.name not in frame:
            if not col.required:
                out[col.name] = empty_column(col.kind, len(frame))
            else:
                problems.append(_missing_column(table, col.name, frame))
            continue
        raw = frame[col.name]
        if col.kind in ("id", "text"):
            out[col.name] = to_text(raw)
            continue
        if col.kind == "label":
            out[col.name] = to_label(raw)
            continue
        if col.kind == "date":
            val, bad = to_date(raw, whole_days=col.name in whole_days)
            what = "unparseable date"
        elif col.kind == "money" or col.kind == "number":
            val, bad = to_money(raw)
            what = "unparseable number"
        elif col.kind == "bool":
            val, bad = to_bool(raw)
            what = "not true/false"
        elif col.kind == "prob":
            val, bad, _ = to_probability(
                raw, percent=preset.probability_percent if preset else None
            )
            what = "unparseable probability"
        else:  # pragma: no cover - schema kinds are fixed
            raise AssertionError(col.kind)
        out[col.name] = val
        if bad.any():
            problems.append(_bad_cells(table, col.name, frame, key, raw, bad, what))
    for c in frame.columns:  # extra columns ride along as text
        if c not in out.columns:
            ser = frame[c]
            out[c] = (
                ser
                if pd.api.types.is_numeric_dtype(ser) or pd.api.types.is_datetime64_any_dtype(ser)
                else to_text(ser)
            )
    return out.reset_index(drop=True)


def _missing_column(table: schema.Table, column: str, frame: pd.DataFrame) -> dict:
    return problem(
        "error",
        table.name,
        column,
        [],
        f"missing required column {column!r}; columns found: "
        + ", ".join(list(map(str, frame.columns))[:12])
        + " (map yours in salesops.toml [data.columns."
        + table.name
        + "] or choose a preset)",
    )


def _bad_cells(
    table: schema.Table,
    column: str,
    frame: pd.DataFrame,
    key: str,
    raw: pd.Series,
    bad: pd.Series,
    what: str,
) -> dict:
    ids = first_ids(frame, key, bad)
    examples = ", ".join(repr(str(v))[:40] for v in raw[bad].head(3))
    return problem(
        "error", table.name, column, ids, f"{int(bad.sum()):,} cell(s) with {what}, e.g. {examples}"
    )


def empty_column(kind: str, n: int) -> pd.Series:
    """A column of ``n`` missing values of a schema kind's dtype (see :data:`EMPTY_DTYPES`).

    Parameters
    ----------
    kind
        A schema column kind.
    n
        Its length.

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> empty_column("money", 2).tolist()
    [nan, nan]
    """
    if kind == "label":  # one byte a row, built without a list of n Nones (history is long)
        codes = np.full(n, -1, dtype=np.int8)
        return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index([], dtype="str")))
    return pd.Series([None] * n, dtype=EMPTY_DTYPES.get(kind, "str"))


def first_ids(frame: pd.DataFrame, key: str, mask: pd.Series) -> list[str]:
    """How a problem names its first five rows: their ``key``, else their line in the file.

    Parameters
    ----------
    frame
        The table.
    key
        Its key column; when the frame has none, rows are named ``row N``, N the line of a
        CSV file with a header (the first row is ``row 2``).
    mask
        The offending rows.

    Returns
    -------
    list of str

    Examples
    --------
    >>> frame = pd.DataFrame({"x": [1, -1, -2]})
    >>> first_ids(frame, "opp_id", frame["x"] < 0)
    ['row 3', 'row 4']
    """
    if key in frame:
        return [str(v) for v in frame.loc[mask, key].head(5)]
    return [f"row {i + 2}" for i in np.flatnonzero(mask.to_numpy())[:5]]
