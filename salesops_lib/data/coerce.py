"""Turning raw columns into canonical types, reporting every cell that will not convert.

Each function takes a Series and returns ``(converted, bad)`` where ``bad`` is a boolean
mask of non-blank cells that could not be converted. Nothing here raises on bad data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from salesops_lib.fast import string_buffers

TRUE = {"true", "t", "yes", "y", "1", "1.0"}
FALSE = {"false", "f", "no", "n", "0", "0.0"}
_MIN_DATE = pd.Timestamp("1900-01-01")
_MAX_DATE = pd.Timestamp("2200-01-01")


def _blank(s: pd.Series) -> pd.Series:
    if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
        return s.isna() | (s.astype("str").str.strip() == "")
    return s.isna()


def map_values(s: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """Apply ``func`` to each distinct value only (fast on long columns with few values).

    Parameters
    ----------
    s
        Any column.
    func
        Called once per distinct non-missing value.

    Returns
    -------
    pandas.Series
        On ``s``'s index: Arrow-backed text when every result is text, else ``object``.
        Missing values stay missing; ``func`` never sees them.

    Examples
    --------
    >>> map_values(pd.Series(["a", None, "a", "b"]), str.upper).tolist()
    ['A', nan, 'A', 'B']
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    values = [func(u) for u in uniques]
    if values and all(isinstance(v, str) for v in values):
        import pyarrow as pa

        taken = pa.array(values, type=pa.large_string()).take(pa.array(codes, mask=codes < 0))
        return pa.chunked_array([taken]).to_pandas().set_axis(s.index)
    mapped = np.array(values + [None], dtype=object)
    return pd.Series(mapped[codes], index=s.index)


def to_text(s: pd.Series) -> pd.Series:
    """Text with surrounding spaces removed; blanks become missing.

    Parameters
    ----------
    s
        Any column. Floats that are all whole numbers (ids read as numbers by some
        sources) are written without ``.0``.

    Returns
    -------
    pandas.Series
        Text; ``s`` itself when it is a long text column with nothing to trim.

    Examples
    --------
    >>> to_text(pd.Series([" o1 ", "", None])).tolist()
    ['o1', nan, nan]
    >>> to_text(pd.Series([7.0, 12.0])).tolist()
    ['7', '12']
    """
    if pd.api.types.is_float_dtype(s):
        # ids read as floats by some sources: 123.0 -> "123"
        whole = s.dropna()
        if len(whole) and (whole == np.floor(whole)).all():
            s = s.astype("Int64")
    if not pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s):
        s = s.astype("str").where(s.notna())
    if len(s) > 100_000 and not _needs_trim(s):  # long columns: copy only when needed
        return s
    out = s.str.strip()
    return out.where(out != "")


def to_label(s: pd.Series) -> pd.Series:
    """Short text from a fixed list (a stage, a forecast category) as a categorical.

    Surrounding spaces are removed and blanks become missing, as :func:`to_text` does (on a
    categorical, such as one read from Parquet, once per category). Categories are in
    sorted order, so sorting and grouping give the same order as plain text would. One
    byte per row instead of the text's sixteen or so: history snapshots hold tens of
    millions of these.

    Parameters
    ----------
    s
        Text or categorical column.

    Returns
    -------
    pandas.Series
        Categorical, categories sorted.

    Examples
    --------
    >>> to_label(pd.Series([" Proposal", "Demo", "", "Proposal"])).cat.categories.tolist()
    ['Demo', 'Proposal']
    """
    if not isinstance(s.dtype, pd.CategoricalDtype):
        s = to_text(s)  # ids read as numbers and blanks as plain text; map_labels encodes
    return map_labels(s, lambda v: v)


def map_labels(s: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """Apply ``func`` to each category of a label column (see :func:`to_label`).

    Parameters
    ----------
    s
        A categorical column (any other is made one first).
    func
        Called once per category; a missing result makes the rows missing.

    Returns
    -------
    pandas.Series
        Categorical: values stripped and blanks missing after ``func``, categories that end
        up equal merged, categories sorted.

    Examples
    --------
    >>> out = map_labels(pd.Series(["demo", "Demo "], dtype="category"), str.title)
    >>> out.tolist(), out.cat.categories.tolist()
    (['Demo', 'Demo'], ['Demo'])
    """
    categorical = s.astype("category") if not isinstance(s.dtype, pd.CategoricalDtype) else s
    old = categorical.cat.categories
    cleaned = []
    for value in old:
        new = func(value)
        new = None if new is None or pd.isna(new) else str(new).strip()
        cleaned.append(new or None)
    names = sorted({v for v in cleaned if v is not None})
    position = {v: i for i, v in enumerate(names)}
    # codes in the smallest integer type, the one pandas keeps: no second pass to convert
    code_type = next(
        t for t in (np.int8, np.int16, np.int32, np.int64) if len(names) < np.iinfo(t).max
    )
    remap = np.array(
        [position[v] if v is not None else -1 for v in cleaned] + [-1], dtype=code_type
    )
    codes = categorical.cat.codes.to_numpy()
    if names == list(old) and remap[:-1].tolist() == list(range(len(old))):
        new_codes = codes
    else:
        new_codes = remap[codes]  # code -1 (missing) takes the last entry
    dtype = pd.CategoricalDtype(pd.Index(names, dtype="str"), ordered=False)
    # every code is -1 or a position in names by construction: no check of 20M codes
    values = pd.Categorical.from_codes(new_codes, dtype=dtype, validate=False)
    return pd.Series(values, index=s.index, name=s.name)


# bytes that can start or end a string Python's str.strip() would change: ASCII
# whitespace, and any byte of a multi-byte character (checked exactly, row by row)
_EDGE_BYTES = np.zeros(256, dtype=bool)
_EDGE_BYTES[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_EDGE_BYTES[0x80:] = True


def _needs_trim(s: pd.Series) -> bool:
    """Whether any value of a text column is empty or has surrounding whitespace.

    Reads each string's first and last byte straight from Arrow's buffers, so a column of
    millions of values is checked without copying it; only values starting or ending
    with a non-ASCII character are compared with their stripped form.
    """
    import pyarrow as pa

    arr = pa.array(s) if not isinstance(s.array, pd.arrays.ArrowStringArray) else None
    chunks = (
        s.array._pa_array.chunks  # type: ignore[attr-defined]
        if arr is None
        else (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr])
    )
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True  # not plain text: let the caller strip it
        offsets, data = string_buffers(chunk)
        lengths = np.diff(offsets)
        valid = (
            np.ones(len(chunk), dtype=bool)
            if chunk.null_count == 0
            else chunk.is_valid().to_numpy(zero_copy_only=False)
        )
        if ((lengths == 0) & valid).any():
            return True
        if len(data) == 0:
            continue
        filled = valid & (lengths > 0)
        everything = chunk.null_count == 0  # then every value is non-empty (checked above)
        starts = offsets[:-1] if everything else offsets[:-1][filled]
        ends = (offsets[1:] if everything else offsets[1:][filled]) - 1
        edge = _EDGE_BYTES[data[starts]]
        edge |= _EDGE_BYTES[data[ends]]
        if edge.any():
            rows = (np.arange(len(chunk)) if everything else np.flatnonzero(filled))[edge]
            if len(rows) > 200_000:
                return True  # many non-ASCII edges: cheaper to strip the column
            values = chunk.take(pa.array(rows)).to_pylist()
            if any(v != v.strip() for v in values):
                return True
    return False


def to_date(s: pd.Series, *, whole_days: bool = False) -> tuple[pd.Series, pd.Series]:
    """Dates at midnight without time zone (aware values converted to UTC first).

    Parameters
    ----------
    s
        Dates, datetimes (with or without time zone) or text (ISO 8601, else any format
        pandas recognises).
    whole_days
        The values came from a date type, so they need no check for a time of day.

    Returns
    -------
    dates : pandas.Series
        ``datetime64[ns]`` at midnight (times of day dropped); dates before 1900 or from
        2200 on are missing.
    bad : pandas.Series
        Non-blank cells that are not a date, or out of that range.

    Examples
    --------
    >>> dates, bad = to_date(pd.Series(["2026-01-04T23:30:00-08:00", "soon", ""]))
    >>> dates.tolist()[0], bad.tolist()
    (Timestamp('2026-01-05 00:00:00'), [False, True, False])
    """
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        out = s.dt.tz_convert("UTC").dt.tz_localize(None)
    elif pd.api.types.is_datetime64_any_dtype(s):
        out = s
    else:
        blank = _blank(s)
        text = s.astype("str").str.strip().where(~blank)
        try:
            out = pd.to_datetime(text, format="ISO8601", utc=True)
        except (ValueError, TypeError, OverflowError):
            out = pd.to_datetime(text, format="mixed", errors="coerce", utc=True)
        out = out.dt.tz_localize(None)
        bad = ~blank & out.isna()
        out, bad2 = _range(out)
        return out, bad | bad2
    out, bad = _range(out, whole_days=whole_days)
    return out, bad


def _range(out: pd.Series, *, whole_days: bool = False) -> tuple[pd.Series, pd.Series]:
    """Dates outside 1900-2199 become missing (and are reported); times of day are dropped."""
    lo, hi = out.min(), out.max()
    if pd.notna(lo) and (lo < _MIN_DATE or hi >= _MAX_DATE):
        bad = out.notna() & ((out < _MIN_DATE) | (out >= _MAX_DATE))
        out = out.where(~bad)
    else:
        bad = pd.Series(False, index=out.index)
    if whole_days:
        return out.astype("datetime64[ns]"), bad
    values = out.to_numpy()  # in the source's own unit: a cheaper remainder than in ns
    unit: Any = np.datetime_data(values.dtype)[0]  # numpy's stubs want a literal unit
    per_day = np.timedelta64(1, "D") // np.timedelta64(1, unit)
    off_midnight = values.view("int64") % per_day != 0
    if off_midnight.any() and (off_midnight & ~np.isnat(values)).any():
        out = out.dt.normalize()
    return out.astype("datetime64[ns]"), bad


def to_money(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Floats from numbers or text like ``$1,200.50`` or ``(300)``.

    Parameters
    ----------
    s
        Numbers, booleans or text (currency signs ``$ € £ ¥``, codes ``USD EUR GBP``,
        thousands separators and accounting parentheses for negatives are understood).

    Returns
    -------
    values : pandas.Series
        ``float64``; infinite values are missing.
    bad : pandas.Series
        Non-blank cells that are not a finite number.

    Examples
    --------
    >>> values, bad = to_money(pd.Series(["$1,200.50", "(300)", "EUR 5", "lots", "1e309"]))
    >>> values.tolist()[:3], bad.tolist()
    ([1200.5, -300.0, 5.0], [False, False, False, True, True])
    """
    if pd.api.types.is_bool_dtype(s):
        return s.astype("float64"), pd.Series(False, index=s.index)
    if pd.api.types.is_numeric_dtype(s):
        return s.astype("float64"), pd.Series(False, index=s.index)
    blank = _blank(s)
    text = s.astype("str").str.strip()
    neg = text.str.startswith("(") & text.str.endswith(")")
    cleaned = text.str.replace(r"[\s$€£¥,()]", "", regex=True).str.replace(
        r"^(USD|EUR|GBP)", "", regex=True
    )
    num = pd.to_numeric(cleaned.where(~blank), errors="coerce")
    num = num.where(~neg, -num).astype("float64")
    bad = ~blank & num.isna()
    inf = np.isinf(num.fillna(0.0))
    return num.where(~inf), bad | inf


def to_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Booleans from true/false, yes/no, 1/0 (any case); blanks stay missing.

    Parameters
    ----------
    s
        Booleans or text (:data:`TRUE` and :data:`FALSE`, any case).

    Returns
    -------
    values : pandas.Series
        Nullable ``boolean`` (``s`` itself when already boolean).
    bad : pandas.Series
        Non-blank cells that are neither.

    Examples
    --------
    >>> values, bad = to_bool(pd.Series(["Yes", "0", "", "maybe"]))
    >>> values.tolist(), bad.tolist()
    ([True, False, <NA>, <NA>], [False, False, False, True])
    """
    if pd.api.types.is_bool_dtype(s):
        return s, pd.Series(False, index=s.index)
    blank = _blank(s)
    text = s.astype("str").str.strip().str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out = out.mask(text.isin(TRUE), True).mask(text.isin(FALSE), False)
    bad = ~blank & out.isna()
    return out.astype("boolean"), bad


def to_probability(s: pd.Series, *, percent: bool | None) -> tuple[pd.Series, pd.Series, bool]:
    """Probabilities 0-1; percent values (0-100) are scaled.

    Parameters
    ----------
    s
        Numbers or text (``60%``, ``0.6``, as :func:`to_money` reads them).
    percent
        The values are percentages (True), fractions (False), or percentages if any
        exceeds 1 (None).

    Returns
    -------
    values : pandas.Series
        ``float64`` (out-of-range values are kept: the checks report them).
    bad : pandas.Series
        Non-blank cells that are not a number.
    scaled : bool
        Whether the values were divided by 100.

    Examples
    --------
    >>> values, bad, scaled = to_probability(pd.Series(["60%", "100", "0"]), percent=None)
    >>> values.tolist(), scaled
    ([0.6, 1.0, 0.0], True)
    """
    text = (
        s.astype("str").str.replace("%", "", regex=False)
        if not pd.api.types.is_numeric_dtype(s)
        else s
    )
    num, bad = to_money(text)
    scaled = bool(percent) if percent is not None else bool((num > 1).any())
    if scaled:
        num = num / 100.0
    return num, bad, scaled
