"""A change log of deals (one row per change) turned into snapshots of every deal by date.

Salesforce's ``OpportunityHistory`` (and a field- or stage-history export of any CRM) holds
one row per change to a deal: when it changed (``CreatedDate``) and the deal's stage,
amount, close date and forecast category after the change. The reports read history as
snapshots: every open deal as it stood on each snapshot date, and each deal once more on
the first snapshot after it closed (:data:`salesops_lib.schema.HISTORY`). The state of a
deal on a date is that of its last change on or before the date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesops_lib.periods import FiscalCalendar

STATE_COLUMNS = ("stage", "amount", "close_date", "forecast_category", "is_closed", "is_won")
"""The columns a change row carries into the snapshots (those present)."""


def snapshot_dates(
    first: pd.Timestamp, last: pd.Timestamp, calendar: FiscalCalendar
) -> pd.DatetimeIndex:
    """The dates the reports need a deal's state on: each Friday, each quarter's last day, ``last``.

    Weekly snapshots (Fridays, as the demo's) serve the week-of-quarter backtests; the last
    day of each fiscal quarter gives the pipeline at the start of the next one exactly; the
    last day of the data gives today's pipeline.

    Parameters
    ----------
    first, last
        The first change and the data's last date.
    calendar
        The fiscal calendar (for quarter ends).

    Returns
    -------
    pandas.DatetimeIndex
        Sorted, distinct, from ``first`` to ``last``.

    Examples
    --------
    >>> d = snapshot_dates(pd.Timestamp("2026-03-25"), pd.Timestamp("2026-04-08"), FiscalCalendar(1))
    >>> [str(x.date()) for x in d]
    ['2026-03-27', '2026-03-31', '2026-04-03', '2026-04-08']
    """
    first, last = pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize()
    fridays = pd.date_range(first, last, freq="W-FRI")
    quarters = calendar.quarter_range(calendar.quarter_of(first), calendar.quarter_of(last))
    ends = [calendar.bounds(q)[1] for q in quarters]
    days = pd.DatetimeIndex([*fridays, *ends, last])
    return days[(days >= first) & (days <= last)].unique().sort_values()


def changes_to_snapshots(changes: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Snapshots of every deal on ``dates`` from a change log.

    On each date a deal shows the state of its last change on or before that date. It is in
    the snapshot while that state is open, and on the first date its state is closed (once
    per closing: a deal reopened appears again while open). Before its first change a deal
    is in no snapshot.

    Parameters
    ----------
    changes
        Typed change rows: ``snapshot_date`` (the day of the change), ``opp_id``, and any of
        :data:`STATE_COLUMNS` (``is_closed`` and ``is_won`` filled, from the stage when the
        log has none). Changes on the same day apply in the frame's order.
    dates
        The snapshot dates, sorted (see :func:`snapshot_dates`).

    Returns
    -------
    pandas.DataFrame
        ``snapshot_date, opp_id`` and the state columns, in (date, deal) order, on a fresh
        ``RangeIndex``.

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "snapshot_date": pd.to_datetime(["2026-01-05", "2026-01-14", "2026-01-20"]),
    ...     "opp_id": ["o1", "o1", "o1"], "stage": ["Open", "Demo", "Won"],
    ...     "is_closed": [False, False, True], "is_won": [False, False, True]})
    >>> days = pd.to_datetime(["2026-01-09", "2026-01-16", "2026-01-23", "2026-01-30"])
    >>> changes_to_snapshots(log, pd.DatetimeIndex(days))[["snapshot_date", "stage"]].values.tolist()
    [[Timestamp('2026-01-09 00:00:00'), 'Open'], [Timestamp('2026-01-16 00:00:00'), 'Demo'], [Timestamp('2026-01-23 00:00:00'), 'Won']]
    """
    cols = ["snapshot_date", "opp_id", *[c for c in STATE_COLUMNS if c in changes]]
    log = changes.loc[changes["snapshot_date"].notna() & changes["opp_id"].notna(), cols]
    log = log.sort_values(["opp_id", "snapshot_date"], kind="stable").reset_index(drop=True)
    deal = log["opp_id"].to_numpy()
    day = log["snapshot_date"].to_numpy(dtype="datetime64[ns]")
    grid = np.asarray(dates, dtype="datetime64[ns]")
    start = np.searchsorted(grid, day, side="left")  # first snapshot each change governs
    same_next = np.r_[deal[1:] == deal[:-1], False]
    stop = np.where(same_next, np.r_[start[1:], 0], len(grid))
    keep = start < stop  # changes overtaken before the next snapshot govern none
    log, start, stop, deal = log[keep], start[keep], stop[keep], deal[keep]
    closed = (
        log["is_closed"].fillna(False).to_numpy(dtype=bool)
        if "is_closed" in log
        else np.zeros(len(log), dtype=bool)
    )
    same_prev = np.r_[False, deal[1:] == deal[:-1]]
    prev_closed = same_prev & np.r_[False, closed[:-1]]
    length = np.where(closed, np.where(prev_closed, 0, 1), stop - start)
    rows = np.repeat(np.arange(len(log)), length)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(length) - length, length)
    out = log.iloc[rows].reset_index(drop=True)
    out["snapshot_date"] = pd.DatetimeIndex(grid[start[rows] + offsets])
    return out.sort_values(["snapshot_date", "opp_id"], kind="stable").reset_index(drop=True)


def order_changes(raw: pd.DataFrame, column: str = "snapshot_date") -> pd.DataFrame:
    """A raw change log in the order its changes happened, by their full timestamps.

    Typing keeps only the day of a change; two changes on one day must apply in the order
    they happened, which only the raw timestamps (``2026-03-04T17:22:05.000Z``) tell.

    Parameters
    ----------
    raw
        The mapped, untyped change log; not changed.
    column
        Its change-time column.

    Returns
    -------
    pandas.DataFrame
        The rows sorted stably by time (unparseable times last), on a fresh ``RangeIndex``.

    Examples
    --------
    >>> raw = pd.DataFrame({"snapshot_date": ["2026-01-05T15:00:00Z", "2026-01-05T09:00:00Z"],
    ...                     "stage": ["Demo", "Open"]})
    >>> order_changes(raw)["stage"].tolist()
    ['Open', 'Demo']
    """
    if column not in raw:
        return raw
    times = pd.to_datetime(raw[column], errors="coerce", utc=True, format="mixed")
    order = np.argsort(times.to_numpy(dtype="datetime64[ns]"), kind="stable")
    out = raw.iloc[order].reset_index(drop=True)
    out.attrs = dict(raw.attrs)
    return out
