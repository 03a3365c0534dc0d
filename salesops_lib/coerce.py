"""Turning raw columns into canonical types, reporting every cell that will not convert.

Each function takes a Series and returns ``(converted, bad)`` where ``bad`` is a boolean
mask of non-blank cells that could not be converted. Nothing here raises on bad data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TRUE = {"true", "t", "yes", "y", "1", "1.0"}
FALSE = {"false", "f", "no", "n", "0", "0.0"}
_MIN_DATE = pd.Timestamp("1900-01-01")
_MAX_DATE = pd.Timestamp("2200-01-01")


def _blank(s: pd.Series) -> pd.Series:
    if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
        return s.isna() | (s.astype("str").str.strip() == "")
    return s.isna()


def map_values(s: pd.Series, func) -> pd.Series:  # type: ignore[no-untyped-def]
    """Apply ``func`` to each distinct value only (fast on long columns with few values).

    Missing values stay missing; ``func`` never sees them.
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
    """Text with surrounding spaces removed; blanks become missing."""
    if pd.api.types.is_float_dtype(s):
        # ids read as floats by some sources: 123.0 -> "123"
        whole = s.dropna()
        if len(whole) and (whole == np.floor(whole)).all():
            s = s.astype("Int64")
    if not pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s):
        s = s.astype("str").where(s.notna())
    if len(s) > 100_000:  # long columns: copy only when some value needs trimming
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(s)
        padded = pc.any(pc.match_substring_regex(arr, r"^\s|\s$")).as_py()
        empty = pc.any(pc.equal(arr, "")).as_py()
        if not padded and not empty:
            return s
    out = s.str.strip()
    return out.where(out != "")


def to_date(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates at midnight without time zone (aware values converted to UTC first)."""
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
    out, bad = _range(out)
    return out, bad


def _range(out: pd.Series) -> tuple[pd.Series, pd.Series]:
    bad = out.notna() & ((out < _MIN_DATE) | (out >= _MAX_DATE))
    if bad.any():
        out = out.where(~bad)
    out = out.astype("datetime64[ns]")
    ints = out.to_numpy().view("int64")
    if (ints[out.notna().to_numpy()] % 86_400_000_000_000).any():
        out = out.dt.normalize()
    return out, bad


def to_money(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Floats from numbers or text like ``$1,200.50`` or ``(300)``."""
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
    """Booleans from true/false, yes/no, 1/0 (any case); blanks stay missing."""
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

    Returns the values, the mask of unparseable cells, and whether percent scaling applied.
    When ``percent`` is None, values are taken as percent if any exceeds 1.
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
