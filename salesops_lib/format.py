"""Number formats a manager reads: ``$1.2M``, ``64%``, ``3.1×``."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "C$", "AUD": "A$"}


def _missing(x: object) -> bool:
    try:
        return x is None or math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def half_up(x: float, digits: int = 0) -> float:
    """``x`` rounded to ``digits`` places, halves away from zero as a reader rounds.

    Python's own rounding sends exact halves to the even digit (``228.5`` to ``228``); a
    manager who sees an amount of $228,500 expects ``$229K``.

    Parameters
    ----------
    x
        The number (as written in decimal, ``repr``).
    digits
        Decimal places.

    Returns
    -------
    float

    Examples
    --------
    >>> half_up(228.5), half_up(352.5), half_up(-8.25, 1), half_up(2.675, 2)
    (229.0, 353.0, -8.3, 2.68)
    """
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP))


def money(x: object, currency: str = "USD", *, exact: bool = False) -> str:
    """Compact money: ``$1.2M``, ``$850K``, ``$920``; ``exact`` gives ``$1,234,567``.

    Parameters
    ----------
    x
        An amount; None, NaN or anything that is not a number shows as ``–``.
    currency
        ISO code; USD, EUR, GBP, JPY, CAD and AUD get their symbol, any other code is
        written before the amount (``CHF 1.2M``).
    exact
        Whole units with thousands separators instead of the compact form.

    Returns
    -------
    str

    Examples
    --------
    >>> money(1_234_567)
    '$1.2M'
    >>> money(-8_500)
    '-$8.5K'
    >>> money(228_500), money(999_600), money(99_950)
    ('$229K', '$1.0M', '$100K')
    >>> money(1_234_567, "EUR", exact=True)
    '€1,234,567'
    """
    if _missing(x):
        return "–"
    v = float(x)  # type: ignore[arg-type]
    sym = SYMBOLS.get(currency.upper(), currency.upper() + " ")
    sign = "-" if v < 0 else ""
    a = abs(v)
    if exact:
        return f"{sign}{sym}{a:,.0f}"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= size or (size > 1e3 and half_up(a / (size / 1e3)) >= 1000):
            val = a / size
            digits = 0 if half_up(val, 1) >= 100 else 1
            return f"{sign}{sym}{half_up(val, digits):,.{digits}f}{suffix}"
    return f"{sign}{sym}{half_up(a):,.0f}"


def pct(x: object, digits: int = 0) -> str:
    """Percentage: ``0.643`` -> ``64%``.

    Parameters
    ----------
    x
        A share (1.0 is 100%); None, NaN or not a number shows as ``–``.
    digits
        Decimal places.

    Returns
    -------
    str

    Examples
    --------
    >>> pct(0.643), pct(0.643, 1), pct(None), pct(-0.004)
    ('64%', '64.3%', '–', '0%')
    """
    if _missing(x):
        return "–"
    shown = float(x) * 100  # type: ignore[arg-type]
    if round(shown, digits) == 0:
        shown = 0.0  # never "-0%"
    return f"{shown:,.{digits}f}%"


def ratio(x: object) -> str:
    """A multiple: ``3.14`` -> ``3.1×``.

    Parameters
    ----------
    x
        The multiple; None, NaN or not a number shows as ``–``.

    Returns
    -------
    str

    Examples
    --------
    >>> ratio(3.14)
    '3.1×'
    """
    if _missing(x):
        return "–"
    return f"{float(x):,.1f}×"  # type: ignore[arg-type]


def number(x: object, digits: int = 0) -> str:
    """A plain number with thousands separators.

    Parameters
    ----------
    x
        The number; None, NaN or not a number shows as ``–``.
    digits
        Decimal places.

    Returns
    -------
    str

    Examples
    --------
    >>> number(1234.56), number(1234.56, 1)
    ('1,235', '1,234.6')
    """
    if _missing(x):
        return "–"
    return f"{float(x):,.{digits}f}"  # type: ignore[arg-type]
