"""Vectorized helpers for long columns (millions of rows), where plain pandas is slow.

pandas' ``isin`` on Arrow-backed text builds a Python object per value, and hashing tens of
millions of strings twice is the cost of a duplicate check; these helpers use DuckDB or
Arrow compute instead and return the same answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_BIG = 200_000


def _arrow(values: pd.Series | pd.Index | np.ndarray) -> pa.Array | pa.ChunkedArray:
    ser = pd.Series(values) if not isinstance(values, pd.Series) else values
    if not pd.api.types.is_string_dtype(ser) or pd.api.types.is_object_dtype(ser):
        ser = ser.astype("str")
    arr = pa.array(ser)
    return arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr


def isin(left: pd.Series, right: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
    """Boolean mask, in ``left``'s order: which values occur in ``right`` (missing never do)."""
    if len(left) < _BIG and len(right) < _BIG:
        return (
            left.isin(pd.unique(pd.Series(right).dropna())).to_numpy(dtype=bool)
            & left.notna().to_numpy()
        )
    values = _arrow(pd.Series(right).dropna())
    mask = pc.is_in(_arrow(left), value_set=pc.unique(values))
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def positions(values: pd.Series | pa.Array, table: pd.Series) -> np.ndarray:
    """Position in ``table`` of each value (first match; -1 when absent or missing)."""
    arr = values if isinstance(values, pa.Array) else _arrow(values)
    found = pc.index_in(arr, value_set=_arrow(table).cast(arr.type))
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def duplicate_pairs(dates: pd.Series, ids: pd.Series) -> tuple[int, list[str]]:
    """How many rows repeat an earlier (date, id) pair, and the first few such ids.

    Linear when the rows are sorted by date then id (as snapshot exports usually are);
    otherwise DuckDB groups the pairs.
    """
    n = len(ids)
    if n < 2:
        return 0, []
    d = dates.to_numpy(dtype="datetime64[ns]")
    a = _arrow(ids)
    a = a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
    if sorted_by_date_then_text(dates, ids):  # repeats are neighbours
        same_date = d[1:] == d[:-1]
        eq = same_date & pc.equal(a.slice(1), a.slice(0, n - 1)).to_numpy(zero_copy_only=False)
        first = np.flatnonzero(eq)[:5] + 1
        return int(eq.sum()), [str(a[int(i)]) for i in first]
    import duckdb

    con = duckdb.connect()
    try:
        con.register("t", pa.table({"d": pa.array(d), "i": a}))
        rows = con.sql(
            "select i, count(*) - 1 as extra from t group by d, i having count(*) > 1"
        ).fetchall()
    finally:
        con.close()
    return int(sum(r[1] for r in rows)), [str(r[0]) for r in rows[:5]]


def text_codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a text column that sort like the text (missing values: -1)."""
    codes, _ = pd.factorize(values, sort=True)
    return np.asarray(codes, dtype=np.int64)


def dict_codes(values: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Integer codes in order of first appearance (missing: -1) and the distinct values."""
    arr = _arrow(values)
    enc = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
    codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, enc.dictionary


def sorted_by_date_then_text(dates: pd.Series, text: pd.Series) -> bool:
    """Whether rows are already in (date, text) order without missing text: a linear check, no sort."""
    n = len(dates)
    if n < 2:
        return True
    d = dates.to_numpy(dtype="datetime64[ns]")
    if not (d[1:] >= d[:-1]).all():
        return False
    a = _arrow(text)
    a = a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
    if a.null_count:
        return False
    le = pc.less_equal(a.slice(0, n - 1), a.slice(1)).to_numpy(zero_copy_only=False)
    return bool((le | (d[1:] > d[:-1])).all())


def order(*keys: pd.Series) -> np.ndarray:
    """Row order sorting by ``keys`` (first key first), stable; text keys sort as text.

    Much faster than ``DataFrame.sort_values`` on long text columns: the text is replaced
    by sortable integer codes and the sort is NumPy's ``lexsort``.
    """
    arrays = []
    for k in keys:
        if pd.api.types.is_datetime64_any_dtype(k):
            arrays.append(k.to_numpy(dtype="datetime64[ns]").astype(np.int64))
        elif pd.api.types.is_numeric_dtype(k) and not pd.api.types.is_bool_dtype(k):
            arrays.append(np.asarray(k.to_numpy(dtype=float, na_value=np.nan)))
        else:
            arrays.append(text_codes(k))
    return np.lexsort(arrays[::-1])


def group_starts(codes: np.ndarray) -> np.ndarray:
    """For rows sorted by group code: True where a new group begins."""
    starts = np.ones(len(codes), dtype=bool)
    if len(codes) > 1:
        starts[1:] = codes[1:] != codes[:-1]
    return starts
