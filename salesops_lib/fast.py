"""Vectorized helpers for long columns (millions of rows), where plain pandas is slow.

pandas' ``isin`` on Arrow-backed text builds a Python object per value, and hashing tens of
millions of strings twice is the cost of a duplicate check; these helpers use DuckDB or
Arrow compute instead and return the same answers.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_BIG = 200_000
FrameOrSeries = TypeVar("FrameOrSeries", pd.DataFrame, pd.Series)


def _arrow(values: pd.Series | pd.Index | np.ndarray) -> pa.Array | pa.ChunkedArray:
    ser = pd.Series(values) if not isinstance(values, pd.Series) else values
    if not pd.api.types.is_string_dtype(ser) or pd.api.types.is_object_dtype(ser):
        ser = ser.astype("str")
    arr = pa.array(ser)
    return arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr


def string_buffers(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A (large) string array's offsets and data bytes, as NumPy views of Arrow's buffers.

    No copy is made. The offsets start from the array's own offset and are one more than
    its values: value ``i`` is ``data[offsets[i]:offsets[i + 1]]``.

    Parameters
    ----------
    chunk
        A ``string`` or ``large_string`` Arrow array (one chunk, not a ``ChunkedArray``).

    Returns
    -------
    offsets : numpy.ndarray
        ``int32`` (``string``) or ``int64`` (``large_string``) offsets, ``len(chunk) + 1`` of them.
    data : numpy.ndarray
        The ``uint8`` bytes the offsets index (empty when the array has no data buffer).
    """
    bufs = chunk.buffers()
    off_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=off_type)[chunk.offset : chunk.offset + len(chunk) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.empty(0, np.uint8)
    return offsets, data


def arrow_text(values: pd.Series | pd.Index | np.ndarray) -> pa.Array:
    """A text column as one Arrow ``large_string`` array (no copy when it already is one).

    Parameters
    ----------
    values
        Text values; anything that is not a string dtype (numbers, objects) is converted with
        ``astype(str)`` first.

    Returns
    -------
    pyarrow.Array
        One ``large_string`` array (chunks combined), missing values as nulls.
    """
    arr = _arrow(values)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def isin(left: pd.Series, right: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
    """Boolean mask, in ``left``'s order: which values occur in ``right`` (missing never do).

    Short columns use pandas' ``isin``; long ones one Arrow hash lookup (:func:`positions`).

    Parameters
    ----------
    left
        The values to look up.
    right
        The values to look them up in (missing values among them are ignored).

    Returns
    -------
    numpy.ndarray
        ``bool``, one per row of ``left``; False for a missing value.

    Examples
    --------
    >>> import pandas as pd
    >>> isin(pd.Series(["a", "b", None]), pd.Series(["b", "c"])).tolist()
    [False, True, False]
    """
    if len(left) < 20_000 and len(right) < _BIG:
        return (
            left.isin(pd.unique(pd.Series(right).dropna())).to_numpy(dtype=bool)
            & left.notna().to_numpy()
        )
    return positions(left, pd.Series(right).dropna()) >= 0  # a missing value is found nowhere


def positions(values: pd.Series | pa.Array, table: pd.Series | pa.Array) -> np.ndarray:
    """Position in ``table`` of each value (first match; -1 when absent or missing).

    One Arrow hash lookup (``pyarrow.compute.index_in``): 20M history ids into 2M deal ids
    take about 1.9 s on this project's 2-core machine, against 3 s or more for pandas on
    Arrow-backed text.

    Parameters
    ----------
    values
        The values to look up (text; other dtypes are compared as text).
    table
        The values to find them in, e.g. the opportunities' ``opp_id`` column.

    Returns
    -------
    numpy.ndarray
        ``int64``, one per value: its position in ``table`` counted from 0, or -1.

    Examples
    --------
    >>> import pandas as pd
    >>> positions(pd.Series(["b", "x", "a"]), pd.Series(["a", "b"])).tolist()
    [1, -1, 0]
    """
    arr = values if isinstance(values, pa.Array) else _arrow(values)
    tab = table if isinstance(table, pa.Array) else _arrow(table)
    found = pc.index_in(arr, value_set=tab.cast(arr.type))
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def take_rows(table: FrameOrSeries, at: np.ndarray) -> FrameOrSeries:
    """The rows of ``table`` (a frame or a column) at positions ``at``, as :func:`positions` gives them.

    Positions are numbered from 0; where ``at`` is -1 (not in the table) the row is missing.

    Parameters
    ----------
    table
        A frame or a column.
    at
        Integer positions into ``table``, -1 for none.

    Returns
    -------
    DataFrame or Series
        Same type and columns as ``table``, one row per position, on a fresh ``0..n-1`` index;
        rows for -1 are all missing.
    """
    found = at >= 0
    rows = table.iloc[np.where(found, at, 0)].reset_index(drop=True)
    return rows if found.all() else rows.where(pd.Series(found))


def deal_codes(ids: pd.Series, table: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Integer code of each id and the ids the codes index.

    An id's code is its position in ``table``; ids missing there get codes after the
    table's rows, in order of first appearance; a blank id gets -1.

    Parameters
    ----------
    ids
        Deal ids to encode, e.g. the history table's ``opp_id``.
    table
        The known ids, e.g. the opportunities' ``opp_id`` (unique).

    Returns
    -------
    codes : numpy.ndarray
        ``int64``, one per id.
    distinct : pyarrow.Array
        The ids the codes index: ``table``'s ids, then the ids not in it.
    """
    codes = positions(ids, table)
    distinct = arrow_text(table)
    orphan = (codes < 0) & ids.notna().to_numpy()
    if orphan.any():
        own, extra = dict_codes(ids[orphan])
        codes[orphan] = len(table) + own
        distinct = pa.concat_arrays([distinct, extra.cast(distinct.type)])
    return codes, distinct


def duplicate_pairs(dates: pd.Series, codes: np.ndarray) -> tuple[int, np.ndarray]:
    """How many rows repeat an earlier (date, deal) pair, and the deal codes of a few.

    Rows already in (date, deal) order are checked in one pass; otherwise each pair becomes
    one integer and one NumPy sort finds the repeats.

    Parameters
    ----------
    dates
        Days at midnight, as loading types them (e.g. the history's ``snapshot_date``).
    codes
        Non-negative integer deal codes, one per row (e.g. :func:`deal_codes` of ``opp_id``).

    Returns
    -------
    repeats : int
        Number of rows whose (date, deal) pair occurred on an earlier row.
    examples : numpy.ndarray
        Up to five distinct deal codes that repeat.
    """
    n = len(codes)
    if n < 2:
        return 0, np.array([], dtype=np.int64)
    ns = dates.to_numpy(dtype="datetime64[ns]").view(np.int64)
    if (ns[1:] >= ns[:-1]).all():  # in date order: no repeat when codes rise within each day
        rising = codes[1:] > codes[:-1]
        rising |= ns[1:] != ns[:-1]
        if rising.all():
            return 0, np.array([], dtype=np.int64)
    days = ns // 86_400_000_000_000
    days = days - days.min()
    width = int(codes.max()) + 1
    keys = days * width + codes
    if not (keys[1:] >= keys[:-1]).all():  # already in (date, deal) order: no sort needed
        keys = np.sort(keys)
    eq = keys[1:] == keys[:-1]
    repeated = np.unique(keys[1:][eq] % width)[:5]
    return int(eq.sum()), repeated


def has_duplicates(values: pd.Series) -> bool:
    """Whether any non-missing value occurs twice.

    Linear when the values are in strictly increasing order (as exported ids usually
    are); otherwise Arrow (or, for long columns, DuckDB) counts the distinct values.

    Parameters
    ----------
    values
        The column to check, e.g. ``opp_id``.

    Returns
    -------
    bool

    Examples
    --------
    >>> import pandas as pd
    >>> has_duplicates(pd.Series(["a", "b", None, None])), has_duplicates(pd.Series(["a", "a"]))
    (False, True)
    """
    arr = arrow_text(values)
    n = len(arr)
    if n < 2:
        return False
    if arr.null_count == 0 and pc.all(pc.less(arr.slice(0, n - 1), arr.slice(1))).as_py():
        return False
    if n < _BIG:
        return len(pc.unique(arr.drop_null())) < n - arr.null_count
    import duckdb  # counts distinct values of long columns several times faster than Arrow

    con = duckdb.connect()
    try:
        con.register("t", pa.table({"v": arr}))
        ((distinct, filled),) = con.sql("select count(distinct v), count(v) from t").fetchall()
    finally:
        con.close()
    return bool(distinct < filled)


def text_codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a text column that sort like the text (missing values: -1).

    Parameters
    ----------
    values
        The text column.

    Returns
    -------
    numpy.ndarray
        ``int64``, one per value: the rank of its distinct value in sorted order, from 0.

    Examples
    --------
    >>> import pandas as pd
    >>> text_codes(pd.Series(["b", "a", None, "b"])).tolist()
    [1, 0, -1, 1]
    """
    codes, _ = pd.factorize(values, sort=True)
    return np.asarray(codes, dtype=np.int64)


def dict_codes(values: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Integer codes in order of first appearance (missing: -1) and the distinct values.

    Parameters
    ----------
    values
        The text column.

    Returns
    -------
    codes : numpy.ndarray
        ``int64``, one per value.
    distinct : pyarrow.Array
        The distinct values (``large_string``), in order of first appearance: code ``i`` is
        ``distinct[i]``.
    """
    enc = pc.dictionary_encode(arrow_text(values))
    codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, enc.dictionary


def sorted_by_date_then_text(dates: pd.Series, text: pd.Series) -> bool:
    """Whether rows are already in (date, text) order without missing text: a linear check, no sort.

    Parameters
    ----------
    dates
        The first sort key (datetimes).
    text
        The second sort key, compared as text within each date.

    Returns
    -------
    bool
        True for fewer than two rows; False when any text is missing.
    """
    n = len(dates)
    if n < 2:
        return True
    d = dates.to_numpy(dtype="datetime64[ns]")
    if not (d[1:] >= d[:-1]).all():
        return False
    a = arrow_text(text)
    if a.null_count:
        return False
    le = pc.less_equal(a.slice(0, n - 1), a.slice(1)).to_numpy(zero_copy_only=False)
    return bool((le | (d[1:] > d[:-1])).all())


def order(*keys: pd.Series) -> np.ndarray:
    """Row order sorting by ``keys`` (first key first), stable; text keys sort as text.

    Much faster than ``DataFrame.sort_values`` on long text columns: the text is replaced
    by sortable integer codes and the sort is NumPy's ``lexsort``.

    Parameters
    ----------
    *keys
        Columns of equal length: datetimes, numbers (missing last) or text (missing first).

    Returns
    -------
    numpy.ndarray
        Positions that put the rows in order (``frame.iloc[order(...)]``).

    Examples
    --------
    >>> import pandas as pd
    >>> order(pd.Series(["b", "a", "b"]), pd.Series([2, 9, 1])).tolist()
    [1, 2, 0]
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
