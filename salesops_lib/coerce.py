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


def to_text(s: pd.Series) -> pd.Series:
    """Text with surrounding spaces removed; blanks become missing."""
    if pd.api.types.is_float_dtype(s):
        # ids read as floats by some sources: 123.0 -> "123"
        whole = s.dropna()
        if len(whole) and (whole == np.floor(whole)).all():
            s = s.astype("Int64")
    out = s.astype("str").str.strip()
    out = out.where(~s.isna())
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
    out = out.where(~bad)
    out = out.dt.normalize().astype("datetime64[ns]")
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
    cleaned = text.str.replace(r"[\s$€£¥,()]", "", regex=True).str.replace(r"^(USD|EUR|GBP)", "", regex=True)
    num = pd.to_numeric(cleaned.where(~blank), errors="coerce")
    num = num.where(~neg, -num).astype("float64")
    bad = ~blank & num.isna()
    inf = np.isinf(num.fillna(0.0))
    return num.where(~inf), bad | inf


def to_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Booleans from true/false, yes/no, 1/0 (any case); blanks stay missing."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean"), pd.Series(False, index=s.index)
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
    text = s.astype("str").str.replace("%", "", regex=False) if not pd.api.types.is_numeric_dtype(s) else s
    num, bad = to_money(text)
    scaled = bool(percent) if percent is not None else bool((num > 1).any())
    if scaled:
        num = num / 100.0
    return num, bad, scaled
