"""Vectorized helpers for long columns (millions of rows), where plain pandas is slow.

pandas' ``isin`` on Arrow-backed text builds a Python object per value, and hashing tens of
millions of strings twice is the cost of a duplicate check; these helpers use DuckDB or
Arrow compute instead and return the same answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_BIG = 200_000
T = TypeVar("T")
FrameOrSeries = TypeVar("FrameOrSeries", pd.DataFrame, pd.Series)


def _arrow(values: pd.Series | pd.Index | np.ndarray) -> pa.Array | pa.ChunkedArray:
    ser = pd.Series(values) if not isinstance(values, pd.Series) else values
    if not pd.api.types.is_string_dtype(ser) or pd.api.types.is_object_dtype(ser):
        ser = ser.astype("str")
    arr = pa.array(ser)
    return arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr


def string_buffers(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A (large) string array's offsets (one more than its values, from the array's own
    offset) and its data bytes, as NumPy views of Arrow's buffers: no copy."""
    bufs = chunk.buffers()
    off_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=off_type)[chunk.offset : chunk.offset + len(chunk) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.empty(0, np.uint8)
    return offsets, data


def arrow_text(values: pd.Series | pd.Index | np.ndarray) -> pa.Array:
    """A text column as one Arrow ``large_string`` array (no copy when it already is one)."""
    arr = _arrow(values)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def stable_order(codes: np.ndarray) -> np.ndarray:
    """Row order sorting by integer ``codes``, rows of equal code keeping their order.

    Each code and its row number are packed into one integer and sorted by value, which
    is several times faster than NumPy's stable ``argsort`` on tens of millions of rows.
    """
    n = len(codes)
    if n == 0:
        return np.array([], dtype=np.int64)
    lo = int(codes.min())
    row_bits = max(1, (n - 1).bit_length())
    if (int(codes.max()) - lo).bit_length() + row_bits > 62:
        return np.argsort(codes, kind="stable")
    keys = codes.astype(np.int64)  # a copy; everything after works in place
    keys -= lo
    keys <<= row_bits
    for i in range(0, n, 1 << 22):  # row numbers in slices: no second full-length array
        keys[i : i + (1 << 22)] |= np.arange(i, min(i + (1 << 22), n), dtype=np.int64)
    keys.sort()
    keys &= (1 << row_bits) - 1
    return keys


def isin(left: pd.Series, right: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
    """Boolean mask, in ``left``'s order: which values occur in ``right`` (missing never do)."""
    if len(left) < 20_000 and len(right) < _BIG:
        return (
            left.isin(pd.unique(pd.Series(right).dropna())).to_numpy(dtype=bool)
            & left.notna().to_numpy()
        )
    return positions(left, pd.Series(right).dropna()) >= 0  # a missing value is found nowhere


def positions(values: pd.Series | pa.Array, table: pd.Series | pa.Array) -> np.ndarray:
    """Position in ``table`` of each value (first match; -1 when absent or missing).

    Ids of one fixed width up to 8 bytes (``O0000001``, most system-generated ids) are
    compared as integers: looked up directly when they are letters and digits
    (:func:`_digit_index`), else by binary search, which stays fast when the values jump
    around the table (a hash lookup then misses the CPU cache on almost every row). The
    table side is computed once per table (:func:`_table_index`).
    """
    arr = values if isinstance(values, pa.Array) else _arrow(values)
    tab = table if isinstance(table, pa.Array) else _arrow(table)
    keys = _fixed_width_keys(arr)
    table_keys, digits = _table_index(tab) if keys is not None else (None, None)
    if keys is not None and table_keys is not None and keys[1] == table_keys[1]:
        if digits is not None:
            return _digit_find(keys[0], digits)
        return _search(keys[0], table_keys[0])
    found = pc.index_in(arr, value_set=tab.cast(arr.type))
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def take_rows(table: FrameOrSeries, at: np.ndarray) -> FrameOrSeries:
    """The rows of ``table`` (a frame or a column) at positions ``at``, as :func:`positions`
    gives them: numbered from 0, and missing where ``at`` is -1 (not in the table)."""
    found = at >= 0
    rows = table.iloc[np.where(found, at, 0)].reset_index(drop=True)
    return rows if found.all() else rows.where(pd.Series(found))


def deal_codes(ids: pd.Series, table: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Integer code of each id and the ids the codes index.

    An id's code is its position in ``table``; ids missing there get codes after the
    table's rows, in order of first appearance; a blank id gets -1.
    """
    codes = positions(ids, table)
    distinct = arrow_text(table)
    orphan = (codes < 0) & ids.notna().to_numpy()
    if orphan.any():
        own, extra = dict_codes(ids[orphan])
        codes[orphan] = len(table) + own
        distinct = pa.concat_arrays([distinct, extra.cast(distinct.type)])
    return codes, distinct


def _search(keys: np.ndarray, table: np.ndarray) -> np.ndarray:
    if len(table) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    if (table[1:] > table[:-1]).all():
        order = None
        ordered = table
    else:
        order = np.argsort(table, kind="stable")
        ordered = table[order]
    at = np.searchsorted(ordered, keys).astype(np.int64, copy=False)
    np.minimum(at, len(ordered) - 1, out=at)
    miss = ordered[at] != keys
    if order is not None:
        at = order[at].astype(np.int64, copy=False)
    at[miss] = -1
    return at


_U = np.uint64


def _digit_index(table: np.ndarray, width: int, *, max_slots: int = 1 << 27) -> tuple | None:
    """The lookup of fixed-width ids made of constant letters and digits (``O0000001``,
    ``2024-000017``, as keys from :func:`_fixed_width_keys`), for :func:`_digit_find`.

    Each id is read as the decimal number its digits spell, eight characters at a time in
    a few whole-array operations, and found in an array indexed by that number: one memory
    access per id instead of a binary search's twenty. None when the table's ids are not of
    that form or their numbers are too sparse (then use :func:`_search`).
    """
    if len(table) == 0:
        return None
    shift = _U(8 * (8 - width))  # the id in the low bytes: no trailing padding
    t = table >> shift
    columns = t.view(np.uint8).reshape(-1, 8)  # native byte order: column 0 = last character
    digit_mask, const_mask = _U(0), _U(0)
    for col in range(width):
        byte = columns[:, col]
        lane = _U(0xFF) << _U(8 * col)
        if ((byte >= 48) & (byte <= 57)).all():
            digit_mask |= lane
        elif (byte == byte[0]).all():
            const_mask |= lane
        else:
            return None
    if digit_mask == 0:
        return None
    const = t[0] & const_mask
    numbers = _digits_value(t, digit_mask)
    size = int(numbers.max()) + 1
    if size > max(4 * len(table), 1 << 16) or size > max_slots:
        return None
    lookup = np.full(size + 1, -1, dtype=np.int64)  # the last slot: not an id of the table
    lookup[numbers[::-1]] = np.arange(len(table) - 1, -1, -1)  # the first of repeats wins
    return shift, digit_mask, const_mask, const, size, lookup


def _digit_find(keys: np.ndarray, index: tuple) -> np.ndarray:
    """Positions in the table of :func:`_digit_index` of each key (-1: not there)."""
    shift, digit_mask, const_mask, const, size, lookup = index
    out = np.empty(len(keys), dtype=np.int64)
    step = 1 << 16  # slices that stay in the CPU cache through the dozen passes below
    for i in range(0, len(keys), step):
        k = keys[i : i + step] >> shift if shift else keys[i : i + step]
        valid = _digits_valid(k, digit_mask, const_mask, const)
        numbers = _digits_value(k, digit_mask)
        np.minimum(numbers, _U(size), out=numbers)
        numbers[~valid] = size
        np.take(lookup, numbers.view(np.int64), out=out[i : i + step])
    return out


_MEMO: dict[tuple, tuple[object, object]] = {}


def memo_by_memory(ident: tuple, keep: object, make: Callable[[], T]) -> T:
    """A result about long arrays, cached by where their data lives.

    ``ident`` names the question and the arrays' memory (addresses, offsets, lengths).
    Each entry holds ``keep``, the arrays themselves, so their memory cannot be freed and
    reused for other data while the result is cached. The last 8 results are kept.
    """
    hit = _MEMO.get(ident)
    if hit is not None:
        return hit[1]  # type: ignore[return-value]
    value = make()
    if len(_MEMO) >= 8:
        _MEMO.pop(next(iter(_MEMO)))
    _MEMO[ident] = (keep, value)
    return value


def _table_index(tab: pa.Array | pa.ChunkedArray) -> tuple[tuple | None, tuple | None]:
    """A table's fixed-width keys and digit index (either None when not applicable).

    Cached for long tables (the opportunities' ids, searched by every analysis).
    """

    def make() -> tuple[tuple | None, tuple | None]:
        table_keys = _fixed_width_keys(tab)
        digits = _digit_index(table_keys[0], table_keys[1]) if table_keys is not None else None
        return table_keys, digits

    if len(tab) < _BIG:  # small tables are cheap to index again
        return make()
    chunks = tab.chunks if isinstance(tab, pa.ChunkedArray) else [tab]
    ident = tuple(
        (c.offset, len(c), tuple(b.address if b is not None else 0 for b in c.buffers()))
        for c in chunks
    )
    return memo_by_memory(("table index", ident), tab, make)


def _digits_value(keys: np.ndarray, digit_mask: np.uint64) -> np.ndarray:
    """The decimal number spelled by the ASCII digits at ``digit_mask``'s bytes (big-endian).

    Pairs of digits, then pairs of pairs, then the two halves are combined (SWAR), in place
    on one copy of the keys.
    """
    value = np.bitwise_and(keys, digit_mask & _U(0x0F0F0F0F0F0F0F0F))
    scratch = np.empty_like(value)
    for shift, low, scale in (
        (8, 0x00FF00FF00FF00FF, 10),
        (16, 0x0000FFFF0000FFFF, 100),
        (32, 0x00000000FFFFFFFF, 10_000),
    ):
        np.right_shift(value, _U(shift), out=scratch)
        np.bitwise_and(scratch, _U(low), out=scratch)
        np.multiply(scratch, _U(scale), out=scratch)
        np.bitwise_and(value, _U(low), out=value)
        np.add(value, scratch, out=value)
    return value


def _digits_valid(
    keys: np.ndarray, digit_mask: np.uint64, const_mask: np.uint64, const: np.uint64
) -> np.ndarray:
    """Which keys have ASCII digits at ``digit_mask`` and ``const`` at ``const_mask``."""
    scratch = np.bitwise_and(keys, (digit_mask & _U(0xF0F0F0F0F0F0F0F0)) | const_mask)
    valid = scratch == ((digit_mask & _U(0x3030303030303030)) | const)  # 0x30-0x3F, constants
    np.bitwise_and(keys, digit_mask & _U(0x0F0F0F0F0F0F0F0F), out=scratch)
    np.add(scratch, digit_mask & _U(0x0606060606060606), out=scratch)  # low nibble > 9 carries
    np.bitwise_and(scratch, _U(0xF0F0F0F0F0F0F0F0), out=scratch)
    valid &= scratch == 0
    return valid


def _fixed_width_keys(arr: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, int] | None:
    """Each string as a big-endian integer, when all are present and of one width <= 8 bytes."""
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    out = np.empty(len(arr), dtype=np.uint64)
    at, width = 0, None
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        if chunk.null_count or not (
            pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)
        ):
            return None
        offsets, data = string_buffers(chunk)
        first, last = int(offsets[0]), int(offsets[-1])
        w = (last - first) // len(chunk)
        if not 1 <= w <= 8 or (width is not None and w != width):
            return None
        if last - first != w * len(chunk) or (np.diff(offsets) != w).any():
            return None
        width = w
        raw = data[first:last].reshape(len(chunk), w)
        if w < 8:
            padded = np.zeros((len(chunk), 8), dtype=np.uint8)
            padded[:, :w] = raw
            raw = padded
        out[at : at + len(chunk)] = raw.reshape(-1).view(">u8")
        at += len(chunk)
    if width is None:
        return None
    return out, width


def duplicate_pairs(dates: pd.Series, codes: np.ndarray) -> tuple[int, np.ndarray]:
    """How many rows repeat an earlier (date, deal) pair, and the deal codes of a few.

    ``dates`` are days at midnight, as loading types them; ``codes`` are non-negative
    integer deal codes (e.g. positions in the opportunities table). Rows already in
    (date, deal) order are checked in one pass; otherwise each pair becomes one integer and
    one NumPy sort finds the repeats.
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
    are); otherwise Arrow counts the distinct values.
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
    """Integer codes of a text column that sort like the text (missing values: -1)."""
    codes, _ = pd.factorize(values, sort=True)
    return np.asarray(codes, dtype=np.int64)


def dict_codes(values: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Integer codes in order of first appearance (missing: -1) and the distinct values."""
    enc = pc.dictionary_encode(arrow_text(values))
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
    a = arrow_text(text)
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
