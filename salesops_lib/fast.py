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
    """Boolean mask: which values of ``left`` occur in ``right`` (missing values never do)."""
    if len(left) < _BIG and len(right) < _BIG:
        return (
            left.isin(pd.unique(pd.Series(right).dropna())).to_numpy(dtype=bool)
            & left.notna().to_numpy()
        )
    import duckdb

    con = duckdb.connect()
    try:
        con.register("l", pa.table({"v": _arrow(left)}))
        con.register("r", pa.table({"v": _arrow(pd.Series(right).dropna())}))
        con.execute("set preserve_insertion_order = true")
        out = con.sql("select coalesce(v in (select v from r), false) as m from l").to_arrow_table()
    finally:
        con.close()
    return np.asarray(out.column("m").to_numpy(zero_copy_only=False), dtype=bool)


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
    same_date = d[1:] == d[:-1]
    if (d[1:] >= d[:-1]).all():
        ge = pc.greater_equal(a.slice(1), a.slice(0, n - 1)).to_numpy(zero_copy_only=False)
        if (ge | ~same_date).all():
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
