"""Problem rows: what the loader found wrong with a data set, one row per problem.

Every check of the loader reports through :func:`problem`; :func:`problem_frame` gathers the
rows into the frame :func:`~salesops_lib.data.validate` returns, and :func:`format_problem`
and :func:`summarise` turn them into the lines ``salesops validate`` prints and the message
of :class:`~salesops_lib.errors.SalesOpsDataError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

PROBLEM_COLUMNS = ["severity", "table", "column", "ids", "message"]
"""The columns of a problems frame, in order."""

MAX_IDS = 5
"""How many offending ids a problem names."""

MAX_LINES = 10
"""How many problems the message of a blocking error lists."""


_COUNTED = re.compile(r"(\d[\d,]*)(\s+(?:[a-z-]+\s+){0,3}?)([a-z-]+)\(s\)")


def plural_words(message: str) -> str:
    """``1 deal(s)`` -> ``1 deal``, ``2,345 open deal(s)`` -> ``2,345 open deals``.

    Each ``word(s)`` takes the number of the count before it (up to three words before it);
    a ``(s)`` with no count before it becomes ``s``.

    Parameters
    ----------
    message
        A problem's message.

    Returns
    -------
    str

    Examples
    --------
    >>> plural_words("1 open deal(s) without an amount; 3 rep(s) missing")
    '1 open deal without an amount; 3 reps missing'
    """

    def one(m: re.Match[str]) -> str:
        n = int(m.group(1).replace(",", ""))
        return f"{m.group(1)}{m.group(2)}{m.group(3)}{'' if n == 1 else 's'}"

    return _COUNTED.sub(one, message).replace("(s)", "s")


def problem(severity: str, table: str, column: str, ids: Any, message: str) -> dict[str, str]:
    """One problem row.

    Parameters
    ----------
    severity
        ``"error"`` (blocks the analysis) or ``"warning"`` (kept in the data-quality table).
    table, column
        Where the problem is (canonical names; ``""`` when it is about no one column).
    ids
        The offending ids (a Series, Index, list or array: the first :data:`MAX_IDS` are
        kept, joined by ``", "``), or text already joined, or nothing.
    message
        What is wrong and what to do.

    Returns
    -------
    dict
        Keys :data:`PROBLEM_COLUMNS`; ``ids`` is text.

    Examples
    --------
    >>> problem("error", "opportunities", "amount", ["o1", "o2"], "2 negative amount(s)")["ids"]
    'o1, o2'
    """
    if isinstance(ids, pd.Series | pd.Index | list | np.ndarray):
        ids = ", ".join(str(i) for i in list(ids)[:MAX_IDS])
    message = plural_words(message)
    return {
        "severity": severity,
        "table": table,
        "column": column,
        "ids": ids or "",
        "message": message,
    }


def problem_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    """The problems as a frame of text columns :data:`PROBLEM_COLUMNS` (empty when none).

    Parameters
    ----------
    rows
        Problem rows as :func:`problem` makes them, in the order they were found.

    Returns
    -------
    pandas.DataFrame
        One row per problem, every column of dtype ``str``.
    """
    return (
        pd.DataFrame(rows, columns=PROBLEM_COLUMNS).astype("str")
        if rows
        else pd.DataFrame({c: pd.Series(dtype="str") for c in PROBLEM_COLUMNS})
    )


def format_problem(p: Mapping[str, Any]) -> str:
    """One line for a problem: ``table.column: message (first: a, b)``.

    Parameters
    ----------
    p
        A problem row (a dict with ``table``, ``message`` and optionally ``column`` and
        ``ids``), e.g. a record of the frame :func:`~salesops_lib.data.validate` returns.

    Returns
    -------
    str

    Examples
    --------
    >>> format_problem({"table": "quotas", "column": "period", "ids": "Q9", "message": "bad"})
    'quotas.period: bad (first: Q9)'
    >>> format_problem({"table": "", "column": "", "ids": "", "message": "no data"})
    'no data'
    """
    where = p["table"] + (f".{p['column']}" if p.get("column") else "")
    ids = f" (first: {p['ids']})" if p.get("ids") else ""
    return f"{where}: {p['message']}{ids}" if where else f"{p['message']}{ids}"


def summarise(blocking: pd.DataFrame) -> str:
    """The message of a blocking error: a count, then the first problems one per line.

    Parameters
    ----------
    blocking
        The blocking problems (a problems frame, see :func:`problem_frame`).

    Returns
    -------
    str
        ``"N blocking problem(s) in the data:"`` then at most :data:`MAX_LINES` lines from
        :func:`format_problem`, then ``"... and K more"`` when there are more.
    """
    lines = [format_problem(r) for r in blocking.head(MAX_LINES).to_dict("records")]
    more = f"\n... and {len(blocking) - MAX_LINES} more" if len(blocking) > MAX_LINES else ""
    return f"{len(blocking)} blocking problem(s) in the data:\n" + "\n".join(lines) + more
