"""The point-in-time layer: what the CRM showed about every deal on a given date.

Every report and the index take these concepts from here, so each has one definition and
one number:

bookings
    Amount of deals closed won with a close date from a period's first day to the as-of
    date.
open deals on D
    With history snapshots: the deals in the latest snapshot on or before D that were not
    closed in it, as that snapshot shows them (stage, amount, close date, forecast category),
    leaving out deals the opportunities table shows closed by D. Without snapshots: deals
    created by D and not closed by D; their stage, close date and category then are known
    only when D is the data's last date (the CRM shows today's values).
open pipeline of quarter Q as of D
    Open deals on D whose expected close date falls in Q.
next quarter's pipeline
    The open pipeline, as of D, of the quarter after the one being reported.
past due as of D
    Open deals on D whose expected close date is before D. Without snapshots, open pipeline
    and past due use the close dates the opportunities table shows now (no earlier ones
    are known).
slipped out of Q
    Deals that were in Q's open pipeline at its start, or joined it during Q, and by the
    as-of date had left it without closing in Q (their close date moved out of Q). Needs
    history snapshots.
owner of a deal on D
    See :func:`owners_on`: the current owner when the deal was never reassigned or
    reassigned by D; else the owner the latest snapshot on or before D names (history's
    ``rep_id``), else the owner before the first owner change after D (``owner_changes``),
    else before the last change (``previous_rep_id``); unknown when none of these says, or
    when the rep they point to was hired after D.
reps on D
    See :func:`reps_on`: the reps hired by D (a blank hire date counts as hired). A rep
    hired after D appears in no report as of D.

Per-deal facts from all of history (pushes, stage index, days in stage, furthest stage)
come from :attr:`SalesData.facts <salesops_lib.data.SalesData.facts>`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib.data import SalesData
from salesops_lib.fast import isin, positions, take_rows

OPEN_DEAL_COLUMNS = [
    "opp_id",
    "opp_row",
    "opp_name",
    "account_id",
    "rep_id",
    "product",
    "created_date",
    "amount",
    "amount_missing",
    "stage",
    "close_date",
    "forecast_category",
    "pushes",
    "days_in_stage",
    "days_unchanged",
    "furthest_stage",
    "past_due",
    "closed_after",
    "age_days",
    "snapshot_date",
    "reassigned_date",
    "owner_known",
    "received_date",
]
"""Columns of :func:`open_deals` and the frames built from it."""

FLOW_ENTRIES = ("start", "created", "pulled_in")
FLOW_EXITS = ("won", "lost", "slipped_out", "end")


def as_date(value: object) -> pd.Timestamp:
    """A date at midnight (``"2026-09-30"``, a Timestamp, a datetime).

    Parameters
    ----------
    value
        Anything :class:`pandas.Timestamp` reads.

    Returns
    -------
    Timestamp
        The day, time of day dropped.

    Examples
    --------
    >>> as_date("2026-09-30 17:45")
    Timestamp('2026-09-30 00:00:00')
    """
    return pd.Timestamp(value).normalize()  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# closed deals and bookings


def won_deals(data: SalesData) -> pd.DataFrame:
    """Every deal closed won with a close date (rows of the opportunities table).

    Each deal's ``rep_id`` is the rep who owned it when it closed (:func:`closing_owners`),
    so every bookings-by-rep figure credits the rep who closed the deal.

    Parameters
    ----------
    data
        The data set.

    Returns
    -------
    DataFrame
        The opportunities' columns for those deals.
    """

    def make() -> pd.DataFrame:
        o = data.opportunities
        won = (o["is_won"].fillna(False).astype(bool) & o["close_date"].notna()).to_numpy()
        return with_closing_owners(data, o[won], np.flatnonzero(won))

    return data.derived(("won deals",), make)


def closing_owners(data: SalesData) -> pd.DataFrame:
    """Who owned each closed deal when it closed, where that is not its current owner.

    A closed deal belongs to the rep who owned it on its close date (:func:`owners_on` on
    that day): bookings, wins, losses and pay count for them. Only a deal reassigned after
    its close date (``reassigned_date`` later than ``close_date``) can have had another owner
    then; every other deal's owner when it closed is its current owner. Where the owner on
    the close date is unknown, the current owner stays.

    Parameters
    ----------
    data
        The data set (``opportunities``: ``is_closed, close_date, reassigned_date``, and the
        columns :func:`owners_on` reads).

    Returns
    -------
    DataFrame
        One row per such deal: ``opp_row`` (its row in the opportunities table), ``rep_id``
        (the owner on the close date) and ``received_date`` (the day that owner had it from);
        empty when no deal was reassigned after it closed.

    Examples
    --------
    >>> closing_owners(data)  # doctest: +SKIP
    """

    def make() -> pd.DataFrame:
        o = data.opportunities
        out = pd.DataFrame(
            {
                "opp_row": np.zeros(0, dtype=np.int64),
                "rep_id": pd.array([], dtype="str"),
                "received_date": np.zeros(0, dtype="datetime64[ns]"),
            }
        )
        if "reassigned_date" not in o or not len(o):
            return out
        closed = o["is_closed"].fillna(False).to_numpy(dtype=bool)
        later = (o["reassigned_date"] > o["close_date"]).fillna(False).to_numpy(dtype=bool)
        rows = np.flatnonzero(closed & later)
        if not len(rows):
            return out
        days = o["close_date"].to_numpy(dtype="datetime64[ns]")[rows]
        parts = []
        for day in np.unique(days):  # few deals: one owners_on per close date
            at = rows[days == day]
            got = owners_on(data, pd.Timestamp(day), rows=at)
            parts.append(got[["rep_id", "received_date"]].assign(opp_row=at))
        return pd.concat(parts, ignore_index=True)[["opp_row", "rep_id", "received_date"]]

    return data.derived(("closing owners",), make)


def with_closing_owners(data: SalesData, deals: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """Deals with ``rep_id`` the rep who owned each when it closed (:func:`closing_owners`).

    ``deals`` itself when no deal changes.

    Parameters
    ----------
    data
        The data set.
    deals
        Rows of the opportunities table with ``rep_id``.
    rows
        Their positions in the opportunities table.

    Returns
    -------
    DataFrame
    """
    then = closing_owners(data)
    if then.empty or "rep_id" not in deals:
        return deals
    at = pd.Series(then["rep_id"].to_numpy(), index=then["opp_row"].to_numpy())
    moved = np.isin(rows, at.index)
    if not moved.any():
        return deals
    rep = deals["rep_id"].astype("str").to_numpy(dtype=object)
    rep[moved] = at.loc[rows[moved]].to_numpy()
    return deals.assign(rep_id=pd.array(rep, dtype="str"))


def booked(
    data: SalesData,
    start: pd.Timestamp,
    as_of: pd.Timestamp,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """Deals closed won with a close date from ``start`` to ``as_of`` (inclusive).

    Parameters
    ----------
    data
        The data set.
    start, as_of
        First and last day of the window.
    columns
        Only these columns (plus ``close_date``); selecting first copies less.

    Returns
    -------
    DataFrame
    """
    w = won_deals(data)
    if columns is not None:
        w = w[list(dict.fromkeys([*columns, "close_date"]))]
    return w[(w["close_date"] >= start) & (w["close_date"] <= as_of)]


def bookings(data: SalesData, start: pd.Timestamp, as_of: pd.Timestamp) -> float:
    """Bookings: amount closed won from ``start`` to ``as_of`` (see the module's definition).

    Parameters
    ----------
    data
        The data set (``opportunities``: ``is_won, close_date, amount``).
    start, as_of
        First and last day of the window (inclusive).

    Returns
    -------
    float
        The sum of ``amount`` of those deals (a deal without an amount adds nothing).

    Examples
    --------
    >>> bookings(data, *data.calendar.bounds("2026Q3"))  # doctest: +SKIP
    """
    return float(booked(data, start, as_of, columns=["amount"])["amount"].sum())


def closed_by(data: SalesData, date: pd.Timestamp) -> np.ndarray:
    """For each row of the opportunities table: closed, with a close date on or before ``date``.

    Parameters
    ----------
    data
        The data set (``opportunities``: ``is_closed, close_date``).
    date
        The as-of date.

    Returns
    -------
    numpy.ndarray
        ``bool``, one per opportunity, in the table's order (a blank ``is_closed`` or close
        date counts as not closed).
    """
    opps = data.opportunities
    closed = opps["is_closed"].fillna(False).to_numpy(dtype=bool)
    return closed & (opps["close_date"] <= date).to_numpy(dtype=bool)


# ---------------------------------------------------------------------------------------
# snapshots


def snapshot_rows(data: SalesData, date: object) -> np.ndarray | slice | None:
    """Which history rows form the latest snapshot on or before ``date`` (None: there is none).

    Parameters
    ----------
    data
        The data set (its history and :attr:`~SalesData.facts`).
    date
        The as-of date.

    Returns
    -------
    slice or array of row positions, or None
        A slice when history is in date order (found by binary search), else positions.
    """
    h = data.history
    if h is None or not len(h):
        return None
    days = h["snapshot_date"].to_numpy(dtype="datetime64[ns]")
    at = np.datetime64(as_date(date), "ns")
    if _in_date_order(data, days):
        end = int(np.searchsorted(days, at, "right"))
        if end == 0:
            return None
        return slice(int(np.searchsorted(days, days[end - 1], "left")), end)
    before = days <= at
    if not before.any():
        return None
    return np.flatnonzero(days == days[before].max())


def _in_date_order(data: SalesData, days: np.ndarray) -> bool:
    """History is in snapshot-date order (as :attr:`DealFacts.in_date_order` says), found
    without deriving the facts: a first KPI table on a plain folder needs none of them."""
    if data.known_facts is not None:
        return data.known_facts.in_date_order
    return bool(data.derived(("history in date order",), lambda: (days[1:] >= days[:-1]).all()))


def snapshot_date_on(data: SalesData, date: object) -> pd.Timestamp | None:
    """The date of the latest snapshot on or before ``date`` (None: none, or no history).

    Parameters
    ----------
    data
        The data set (its ``history`` table).
    date
        The as-of date.

    Returns
    -------
    Timestamp or None
    """
    rows = snapshot_rows(data, date)
    if rows is None:
        return None
    assert data.history is not None
    return pd.Timestamp(data.history["snapshot_date"].iloc[rows].iloc[0])


def _labels_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """History's categorical columns as plain text (small per-date frames behave like the rest).

    Each category is converted once and the rows take theirs by code: the same values as
    ``astype("str")``, an order of magnitude faster on a snapshot's 150,000 rows.
    """
    for col in frame.columns:
        values = frame[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            names = pd.array(values.cat.categories.astype("str"), dtype="str")
            codes = values.cat.codes.to_numpy()
            frame[col] = names.take(codes, allow_fill=True)  # code -1 (blank) is missing
    return frame


def _stage_name(data: SalesData, index: np.ndarray) -> pd.Series:
    names = np.array([*data.facts.open_stages, None], dtype=object)
    return pd.Series(names[np.where(index >= 0, index, len(names) - 1)], dtype="str")


# ---------------------------------------------------------------------------------------
# open deals


def open_deals(data: SalesData, date: object) -> pd.DataFrame:
    """The deals open on ``date``, as the data shows them: the one view every report uses.

    With history snapshots: the deals of the latest snapshot on or before ``date`` as it
    showed them, plus the deals created after that snapshot and by ``date`` (as the record
    shows them), less the deals the opportunities table shows closed by ``date``. Without
    snapshots: the deals created by ``date`` and not closed by then, with the stage, close
    date and forecast category the record shows now (no earlier ones are known).
    ``closed_after`` marks deals the record shows closed after ``date``; without snapshots
    their stage and category then are unknown (the record shows only the closing ones).
    ``owner_known`` is False for deals reassigned after ``date``: their ``rep_id`` (the
    current owner) received them later, and who owned them on ``date`` is not in the data.

    Parameters
    ----------
    data
        The data set.
    date
        The as-of date.

    Returns
    -------
    DataFrame
        :data:`OPEN_DEAL_COLUMNS`, one row per open deal (a new frame each call). ``opp_row``
        is the deal's row in the opportunities table (-1: missing there); ``pushes`` the
        close-date pushes so far; ``amount`` is 0 where the data shows none
        (``amount_missing``); ``days_in_stage`` and ``days_unchanged`` (NaN without
        history) the days in the current stage and since the stage or amount last changed;
        ``furthest_stage`` the furthest open stage reached; ``past_due`` whether the
        expected close date is before ``date``; ``age_days`` days since created;
        ``snapshot_date`` the snapshot a row comes from (``date`` for rows from the record);
        ``reassigned_date`` the day the current owner received the deal (NaT: always theirs,
        or not in the data) and ``owner_known`` whether ``rep_id`` owned it on ``date`` (False
        when it was reassigned after ``date``).

    Examples
    --------
    >>> open_deals(data, "2026-08-14")[["opp_id", "stage", "amount"]].head()  # doctest: +SKIP
    """
    return _open_deals(data, as_date(date), known_then=False)


def open_deals_known_then(data: SalesData, date: object) -> pd.DataFrame:
    """The deals open on ``date`` with only what was known on ``date`` (for forecasts).

    What forecasts and their backtests train and score on: no peeking at later values.

    With history snapshots: the deals of the latest snapshot on or before ``date``, as it
    showed them. Without snapshots, for a date before the data's last: the deals created by
    then and not closed by then, their stage, close date and category unknown (blank).

    Parameters
    ----------
    data
        The data set.
    date
        The as-of date.

    Returns
    -------
    DataFrame
        :data:`OPEN_DEAL_COLUMNS`, as :func:`open_deals`.
    """
    return _open_deals(data, as_date(date), known_then=True)


OPEN_DEALS_KEPT = 8
"""The days whose open deals a data set keeps worked out (the most recently asked for).

A report asks for the same day many times in a row (each KPI table, coverage, past-due
view; each forecast method at one backtest point), and a forecast's backtests visit some
fifty days: on the large demo company keeping them all held 1.3 GB until the end."""


def _open_deals(data: SalesData, day: pd.Timestamp, *, known_then: bool) -> pd.DataFrame:
    """The open deals on ``day``, worked out once per data set and day (a report asks for the
    same day many times: each KPI table, coverage, past-due and undated view); each caller
    gets its own shallow copy, which copy-on-write keeps independent of the kept frame."""
    kept = data.derived(
        ("open deals on", day, known_then),
        lambda: _open_deals_on(data, day, known_then),
        keep=OPEN_DEALS_KEPT,
    )
    return kept.copy(deep=False)


def _open_deals_on(data: SalesData, day: pd.Timestamp, known_then: bool) -> pd.DataFrame:
    rows = snapshot_rows(data, day)
    if rows is None:
        out = _from_record(data, day, known_then=known_then)
    else:
        out = _from_snapshot(data, rows, day)
        if not known_then:  # deals created after the snapshot, by `day`: from the record
            taken = np.zeros(len(data.opportunities), dtype=bool)
            taken[out["opp_row"].to_numpy()[out["opp_row"].to_numpy() >= 0]] = True
            after = data.opportunities["created_date"] > pd.Timestamp(out["snapshot_date"].max())
            late = _from_record(data, day, known_then=False, only=after.to_numpy() & ~taken)
            out = pd.concat([out, late], ignore_index=True) if len(late) else out
    out["amount_missing"] = out["amount"].isna().to_numpy()
    out["amount"] = out["amount"].fillna(0.0)
    out["past_due"] = (out["close_date"] < day).fillna(False).astype(bool)
    out["age_days"] = (day - out["created_date"]).dt.days.astype("float64")
    later = data.opportunities["is_closed"].fillna(False).to_numpy(dtype=bool)
    row = out["opp_row"].to_numpy()
    out["closed_after"] = (row >= 0) & later[np.maximum(row, 0)]
    _owner_on(data, out, day)
    return out[OPEN_DEAL_COLUMNS]


def _owner_on(data: SalesData, out: pd.DataFrame, day: pd.Timestamp) -> None:
    """Set ``rep_id`` to the owner on ``day`` (:func:`owners_on`) and add ``reassigned_date``
    and ``owner_known`` to a frame with ``opp_row``, in place (rows missing from the
    opportunities table keep their ``rep_id``)."""
    row = out["opp_row"].to_numpy(dtype=np.int64)
    owners = owners_on(data, day, rows=row)
    found = row >= 0
    rep = owners["rep_id"].set_axis(out.index)
    if not found.all():
        rep = rep.where(found, out["rep_id"].astype("str"))
    out["rep_id"] = rep
    out["reassigned_date"] = owners["reassigned_date"].to_numpy(dtype="datetime64[ns]")
    out["owner_known"] = owners["owner_known"].to_numpy(dtype=bool) | ~found
    out["received_date"] = owners["received_date"].to_numpy(dtype="datetime64[ns]")


def owners_on(data: SalesData, date: object, *, rows: np.ndarray | None = None) -> pd.DataFrame:
    """The owner of each deal on ``date``: the one definition every report uses.

    The first rule that answers:

    1. reassigned on or before ``date`` (``reassigned_date``): the current owner
       (``rep_id``);
    2. the owner the latest history snapshot on or before ``date`` names for the deal
       (history's ``rep_id``, as a CRM reporting snapshot or a warehouse copy of the
       opportunity keeps its ``OwnerId`` day by day): exact for every change;
    3. reassigned after ``date``: the owner before the first owner change after ``date``
       (the ``owner_changes`` table's ``previous_rep_id``, as every ``Owner`` row of
       Salesforce's field history gives it), else before the last change
       (opportunities' ``previous_rep_id``, as a flat export gives it), when hired by
       ``date`` (else an earlier change is missing from the data);
    4. never reassigned: the current owner, when hired by ``date`` (or without a hire date).

    Otherwise the owner on ``date`` is unknown: ``owner_known`` is False and ``rep_id``
    stays the current owner (reports show such deals as "Previous owner").

    Parameters
    ----------
    data
        The data set (``opportunities``: ``opp_id, rep_id`` and, when present,
        ``reassigned_date, previous_rep_id``; ``reps``: ``rep_id, hire_date``; history's
        ``snapshot_date, opp_id, rep_id`` and ``owner_changes`` when present).
    date
        The as-of date.
    rows
        Rows of the opportunities table to answer for (-1: a deal missing there, answered
        with a blank owner, known); default every row, in the table's order.

    Returns
    -------
    DataFrame
        One row per row asked for: ``opp_id, rep_id`` (the owner on ``date``; the current
        owner where unknown), ``owner_known``, ``reassigned_date`` (the day the current
        owner received the deal; NaT when always theirs or not in the data) and
        ``received_date`` (the day the owner on ``date`` had the deal from: the reassigned
        date by rule 1, or the day of the owner change that gave them the deal by rule 3,
        else the later of the created date and that owner's hire date; NaT where neither is
        known).

    Examples
    --------
    >>> owners_on(data, "2026-09-30").query("not owner_known")  # doctest: +SKIP
    """
    day = as_date(date)
    o = data.opportunities
    row = np.arange(len(o)) if rows is None else np.asarray(rows, dtype=np.int64)
    found = row >= 0
    at = np.where(found, row, 0) if len(o) else np.zeros(0, dtype=np.int64)
    owners = _owner_codes(data)
    current = np.where(found, owners.current[at], -1) if len(o) else np.full(len(row), -1)
    moved = np.full(len(row), NAT, dtype="datetime64[ns]")
    if "reassigned_date" in o and len(o):
        moved = (
            pd.to_datetime(o["reassigned_date"].iloc[at]).to_numpy(dtype="datetime64[ns]").copy()
        )
        moved[~found] = NAT
    stamp = np.datetime64(day, "ns")
    by_then = ~np.isnat(moved) & (moved <= stamp)
    later = moved > stamp  # NaT compares False
    late = owners.hired_after(data, day)  # by code: hired after ``day``
    owner = current.copy()
    known = by_then | ~found
    named = _snapshot_owner_codes(data, day, at, owners.vocabulary)
    if named is not None:
        use = found & ~by_then & (named >= 0)
        owner[use], known[use] = named[use], True
    prev = np.where(found, owners.previous[at], -1) if len(o) else np.full(len(row), -1)
    since = np.full(len(row), NAT, dtype="datetime64[ns]")
    chain = _owner_chain(data, owners.vocabulary)
    if chain is not None and later.any():
        then, changed = chain.on(stamp, at)
        walked = later & found & (then != NO_CHANGE)
        prev[walked] = then[walked]
        since[walked] = changed[walked]
    take = later & ~known & (prev >= 0)
    take[take] = ~late[prev[take]]
    owner[take], known[take] = prev[take], True
    rest = ~known & ~later
    known[rest] = ~((current[rest] >= 0) & late[np.maximum(current[rest], 0)])
    rep = np.where(known, owner, current)
    since = np.where(take, since, NAT)
    ids = o["opp_id"].array.take(np.where(found, row, -1), allow_fill=True) if len(o) else []
    return pd.DataFrame(
        {
            "opp_id": pd.array(ids, dtype="str"),
            "rep_id": pd.array(owners.vocabulary.array.take(rep, allow_fill=True), dtype="str"),
            "owner_known": known,
            "reassigned_date": moved,
            "received_date": _received(
                data, owners, rep, at, found, np.where(by_then, moved, since)
            ),
        }
    )


NAT = np.datetime64("NaT", "ns")
NO_CHANGE = -2
"""In :meth:`_OwnerChain.on`: the deal has no owner change after the date."""


@dataclass(frozen=True)
class _OwnerChain:
    """The ``owner_changes`` table as arrays, by deal row and then in the order they happened:
    each change's deal row, day, and previous and new owner (positions in the owners'
    vocabulary, -1: blank or unknown). Changes of unknown deals or without a day are left out."""

    row: np.ndarray
    day: np.ndarray
    previous: np.ndarray
    new: np.ndarray

    def on(self, day: np.datetime64, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each deal row ``at``: the previous owner of its first change after ``day``
        (:data:`NO_CHANGE` when none; -1 when that change names none), and the day of its
        last change on or before ``day`` (NaT when none). Costs the changes and ``at``,
        never the whole opportunities table."""
        then = np.full(len(at), NO_CHANGE, dtype=np.int64)
        since = np.full(len(at), NAT, dtype="datetime64[ns]")
        after = np.flatnonzero(self.day > day)
        deals, first = np.unique(self.row[after], return_index=True)  # rows sorted: the first
        hit, pos = _lookup(deals, at)
        then[hit] = self.previous[after[first[pos]]]
        upto = np.flatnonzero(self.day <= day)[::-1]
        deals, last = np.unique(self.row[upto], return_index=True)
        hit, pos = _lookup(deals, at)
        since[hit] = self.day[upto[last[pos]]]
        return then, since


def _lookup(sorted_rows: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``at`` are in ``sorted_rows`` (bool), and their positions there (those only)."""
    if not len(sorted_rows):
        return np.zeros(len(at), dtype=bool), np.zeros(0, dtype=np.int64)
    pos = np.minimum(np.searchsorted(sorted_rows, at), len(sorted_rows) - 1)
    hit = sorted_rows[pos] == at
    return hit, pos[hit]


def _owner_chain(data: SalesData, vocabulary: pd.Index) -> _OwnerChain | None:
    """The data's owner changes as an :class:`_OwnerChain` (None without any), made once."""
    ch = data.owner_changes
    if ch is None or not {"opp_id", "changed_date", "rep_id"} <= set(ch) or ch.empty:
        return None

    def make() -> _OwnerChain:
        assert ch is not None
        row = positions(ch["opp_id"], data.opportunities["opp_id"]).astype(np.int64)
        day = pd.to_datetime(ch["changed_date"]).to_numpy(dtype="datetime64[ns]")
        prev = (
            vocabulary.get_indexer(ch["previous_rep_id"])
            if "previous_rep_id" in ch
            else np.full(len(ch), -1)
        )
        keep = (row >= 0) & ~np.isnat(day)
        order = np.lexsort((np.arange(len(ch))[keep], day[keep], row[keep]))  # stable
        pick = np.flatnonzero(keep)[order]
        new = vocabulary.get_indexer(ch["rep_id"])
        return _OwnerChain(row[pick], day[pick], np.asarray(prev)[pick], new[pick])

    return data.derived(("owner chain",), make)


@dataclass(frozen=True)
class _OwnerCodes:
    """Every rep id the data names (opportunities' owners and previous owners, the reps
    table, history's owners), and the opportunities' owners as positions in it (-1: blank)."""

    vocabulary: pd.Index
    current: np.ndarray
    previous: np.ndarray
    hire: np.ndarray
    """Each id's hire date (NaT: none, or not in the reps table)."""

    def hired_after(self, data: SalesData, day: pd.Timestamp) -> np.ndarray:
        """By position in :attr:`vocabulary`: the id belongs to a rep hired after ``day``."""
        reps = data.reps
        if "hire_date" not in reps:
            return np.zeros(len(self.vocabulary), dtype=bool)
        after = (reps["hire_date"] > day).fillna(False).to_numpy(dtype=bool)
        return self.vocabulary.isin(reps.loc[after, "rep_id"].dropna())


def _owner_codes(data: SalesData) -> _OwnerCodes:
    """The rep ids of :func:`owners_on` as integers, worked out once per data set (turning
    millions of ids into Python strings on every call cost most of its time)."""

    def make() -> _OwnerCodes:
        o = data.opportunities
        parts = [o["rep_id"].dropna().unique(), data.reps["rep_id"].dropna().unique()]
        if "previous_rep_id" in o:
            parts.append(o["previous_rep_id"].dropna().unique())
        ch = data.owner_changes
        for col in ("previous_rep_id", "rep_id"):
            if ch is not None and col in ch:
                parts.append(ch[col].dropna().unique())
        h = data.history
        if h is not None and "rep_id" in h:
            named = h["rep_id"]
            parts.append(
                named.cat.categories
                if isinstance(named.dtype, pd.CategoricalDtype)
                else named.dropna().unique()
            )
        vocab = pd.Index(
            pd.unique(np.concatenate([np.asarray(p, dtype=object) for p in parts])), dtype="str"
        )
        none = np.full(len(o), -1, dtype=np.int64)
        previous = vocab.get_indexer(o["previous_rep_id"]) if "previous_rep_id" in o else none
        hire = np.full(len(vocab), NAT)
        if "hire_date" in data.reps:
            hires = data.reps.drop_duplicates("rep_id").set_index("rep_id")["hire_date"]
            hire = pd.to_datetime(hires.reindex(vocab)).to_numpy(dtype="datetime64[ns]")
        return _OwnerCodes(vocab, vocab.get_indexer(o["rep_id"]), previous, hire)

    return data.derived(("owner codes",), make)


def _received(
    data: SalesData,
    owners: _OwnerCodes,
    rep: np.ndarray,
    at: np.ndarray,
    found: np.ndarray,
    moved: np.ndarray,
) -> np.ndarray:
    """The day each owner (``rep``: positions in the owners' vocabulary) had the deal from:
    ``moved`` where given, else the later of the deal's created date and the owner's hire
    date."""
    o = data.opportunities
    created = np.full(len(at), NAT)
    if "created_date" in o and len(o):
        created = pd.to_datetime(o["created_date"].iloc[at]).to_numpy(dtype="datetime64[ns]")
    hire = np.where(rep >= 0, owners.hire[np.maximum(rep, 0)], NAT) if len(at) else np.full(0, NAT)
    latest = np.where(np.isnat(hire) | (created >= hire), created, hire)
    latest = np.where(np.isnat(created), hire, latest)
    out = np.where(np.isnat(moved), latest, moved)
    out[~found] = NAT
    return out


def _opp_rows_of(data: SalesData, rows: np.ndarray | slice) -> np.ndarray:
    """The opportunity-table row of each history row ``rows`` (-1: not in the table).

    Read from the derived facts when they are already made, else found by one id lookup,
    so a caller never derives the facts of every snapshot row for this.
    """
    assert data.history is not None
    facts = data.known_facts
    if facts is not None and facts.history is not None:
        return facts.history["opp_row"].to_numpy()[rows]
    return positions(data.history["opp_id"].iloc[rows], data.opportunities["opp_id"]).astype(
        np.int32
    )


def _snapshot_owner_codes(
    data: SalesData, day: pd.Timestamp, at: np.ndarray, vocabulary: pd.Index
) -> np.ndarray | None:
    """For opportunity rows ``at``, the owner the latest snapshot on or before ``day`` names,
    as a position in ``vocabulary`` (-1: not in it, or no owner); None when that snapshot
    names no owners."""
    h = data.history
    if h is None or "rep_id" not in h:
        return None
    rows = snapshot_rows(data, day)
    if rows is None:
        return None
    owners = h["rep_id"].iloc[rows]
    if not owners.notna().any():
        return None
    if isinstance(owners.dtype, pd.CategoricalDtype):
        where = vocabulary.get_indexer(owners.cat.categories)
        codes = owners.cat.codes.to_numpy()
        named = np.where(codes >= 0, where[np.maximum(codes, 0)], -1)
    else:
        named = vocabulary.get_indexer(owners)
    snap_row = _opp_rows_of(data, rows)
    order = np.argsort(snap_row, kind="stable")
    snap_row = snap_row[order]
    named = named[order]
    pos = np.minimum(np.searchsorted(snap_row, at), len(snap_row) - 1)  # not empty here
    out = named[pos]
    out[snap_row[pos] != at] = -1
    return out


def reps_on(data: SalesData, date: object) -> pd.DataFrame:
    """The reps on ``date``: hired by then (a blank hire date counts as hired).

    A rep hired after ``date`` appears in no report as of ``date``: not in a rep table, a
    benchmark or a quota plan; the deals they own now show their owner then
    (:func:`owners_on`).

    Parameters
    ----------
    data
        The data set (``reps``: ``rep_id`` and, when present, ``hire_date``).
    date
        The as-of date.

    Returns
    -------
    DataFrame
        Those rows of the reps table (including reps who had left by ``date``).

    Examples
    --------
    >>> reps_on(data, "2026-09-30")["rep_id"].tolist()  # doctest: +SKIP
    """
    reps = data.reps
    if "hire_date" not in reps:
        return reps
    return reps[~(reps["hire_date"] > as_date(date)).fillna(False).to_numpy(dtype=bool)]


def _still_open(
    data: SalesData, rows: np.ndarray | slice, day: pd.Timestamp, opp_row: np.ndarray
) -> np.ndarray:
    """Which rows of a snapshot (``opp_row``: each one's deal row) are deals open on ``day``:
    not closed in the snapshot, and not closed by ``day`` in the opportunities table."""
    assert data.history is not None
    is_open = ~data.history["is_closed"].iloc[rows].fillna(False).to_numpy(dtype=bool)
    is_open &= ~((opp_row >= 0) & closed_by(data, day)[np.maximum(opp_row, 0)])
    return is_open


def _from_snapshot(data: SalesData, rows: np.ndarray | slice, day: pd.Timestamp) -> pd.DataFrame:
    h, facts = data.history, data.facts.history
    assert h is not None and facts is not None
    snap = h.iloc[rows]
    f = facts.iloc[rows]
    at = f["opp_row"].to_numpy()
    is_open = _still_open(data, rows, day, at)
    snap, f, at = snap[is_open], f[is_open], at[is_open]
    out = snap[["opp_id", "amount", "stage", "close_date", "forecast_category", "snapshot_date"]]
    out = _labels_as_text(out.reset_index(drop=True))
    extra = take_rows(_record_columns(data), at)
    for col in extra.columns:
        out[col] = extra[col].array  # as it is: to_numpy would turn text into Python objects
    out["opp_row"] = at
    out["pushes"] = f["pushes"].to_numpy(dtype=np.int64)
    out["days_in_stage"] = np.where(
        f["days_in_stage"].to_numpy() >= 0, f["days_in_stage"].to_numpy(), np.nan
    )
    out["days_unchanged"] = f["days_unchanged"].to_numpy(dtype=float) + float(
        (day - pd.Timestamp(snap["snapshot_date"].iloc[0])).days if len(snap) else 0
    )
    out["furthest_stage"] = _stage_name(data, f["furthest_stage"].to_numpy())
    return out


def _record_columns(data: SalesData) -> pd.DataFrame:
    """The opportunity fields history does not carry: owner, name, account, product, created."""
    o = data.opportunities
    cols = ["rep_id", "opp_name", "account_id", "product", "created_date"]
    present = o[[c for c in cols if c in o]]
    for c in cols:
        if c not in present:
            present = present.assign(**{c: pd.Series(pd.NA, index=o.index, dtype="str")})
    return present[cols]


def _record_open(data: SalesData, day: pd.Timestamp) -> np.ndarray:
    """Per opportunity: created by ``day`` (or undated, on the data's last date) and not
    closed by then, as the record shows it."""
    created = data.opportunities["created_date"]
    known = (created <= day).to_numpy(dtype=bool)
    if day >= data.last_date.normalize():  # today's view: deals without a created date exist
        known = known | created.isna().to_numpy()
    return known & ~closed_by(data, day)


def _from_record(
    data: SalesData, day: pd.Timestamp, *, known_then: bool, only: np.ndarray | None = None
) -> pd.DataFrame:
    """Open deals on ``day`` from the opportunities table (``only``: these rows at most)."""
    opps = data.opportunities
    keep = _record_open(data, day)
    if only is not None:
        keep &= only
    at = np.flatnonzero(keep)
    cols = ["opp_id", "amount", "stage", "close_date", "forecast_category"]
    out = opps[cols].iloc[at].reset_index(drop=True)  # only the columns used are taken
    if day < data.last_date.normalize():
        # a deal the record shows closed after `day` shows its closing stage and category
        # (Closed Won, Closed), never what it showed while open: those are unknown; with
        # `known_then`, nothing of today's record is known on `day`
        blank = (
            np.ones(len(at), dtype=bool)
            if known_then
            else (opps["is_closed"].fillna(False).to_numpy(dtype=bool)[at])
        )
        out["stage"] = out["stage"].astype("str").where(~blank, pd.NA)
        out["forecast_category"] = out["forecast_category"].astype("str").where(~blank, pd.NA)
        if known_then:
            out["close_date"] = pd.Series(pd.NaT, index=out.index, dtype=opps["close_date"].dtype)
    out["snapshot_date"] = day
    extra = _record_columns(data).iloc[at].reset_index(drop=True)
    out = pd.concat([out, extra], axis=1)
    out["opp_row"] = at
    out["pushes"] = 0
    out["days_in_stage"] = np.nan
    out["days_unchanged"] = np.nan
    out["furthest_stage"] = pd.Series(pd.NA, index=out.index, dtype="str")
    return out


def closed_after(data: SalesData, deals: pd.DataFrame, as_of: object) -> np.ndarray:
    """Which of ``deals`` (open on ``as_of``) the data shows closed after ``as_of``.

    The one rule for "open on the as-of date, closed since" (03's push list and deal tables,
    07's fix list): the frame's ``closed_after`` column when it has one (every frame of
    :func:`open_deals` does); else the deal's record: closed, with a close date after
    ``as_of``.

    Parameters
    ----------
    data
        The data set (the opportunities' ``is_closed`` and ``close_date``).
    deals
        Deals open on ``as_of``: ``closed_after``, else ``opp_row`` (the deal's row in the
        opportunities table, -1: missing there).
    as_of
        The as-of date (a date or its text).

    Returns
    -------
    numpy.ndarray
        One bool per row of ``deals``, in order; all False without ``opp_row`` or deals.

    Examples
    --------
    >>> closed_after(data, open_deals(data, "2026-03-31"), "2026-03-31")  # doctest: +SKIP
    """
    if "closed_after" in deals:
        return deals["closed_after"].fillna(False).to_numpy(dtype=bool)
    if "opp_row" not in deals or deals.empty:
        return np.zeros(len(deals), dtype=bool)
    day = as_date(as_of)
    o = data.opportunities
    row = deals["opp_row"].to_numpy(dtype=np.int64)
    closed = take_rows(o["is_closed"].fillna(False).astype(bool), row)
    closed = closed.fillna(False).to_numpy(dtype=bool)
    later = (take_rows(o["close_date"], row) > day).fillna(False).to_numpy(dtype=bool)
    return (row >= 0) & closed & later


def split_closed_after(
    data: SalesData, deals: pd.DataFrame, as_of: object
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deals open on ``as_of``, split into those still open in the data and those closed since.

    A deal closed after ``as_of`` was open on ``as_of`` (it counts in that day's pipeline),
    but nothing is left to push or fix on it: deal lists of what to act on show the first
    part and say how many and how much the second holds.

    Parameters
    ----------
    data
        The data set.
    deals
        Deals open on ``as_of`` (as :func:`closed_after` takes them).
    as_of
        The as-of date.

    Returns
    -------
    tuple of DataFrame
        ``(still_open, closed_since)``: the rows of ``deals`` in order, each with a fresh index.

    Examples
    --------
    >>> still, gone = split_closed_after(data, open_deals(data, "2026-03-31"), "2026-03-31")  # doctest: +SKIP
    """
    later = closed_after(data, deals, as_of)
    return deals[~later].reset_index(drop=True), deals[later].reset_index(drop=True)


def deals_on(data: SalesData, date: object) -> pd.DataFrame:
    """The state of every deal known on ``date``: open ones as the CRM showed them, and closed ones.

    Parameters
    ----------
    data
        The data set.
    date
        The as-of date.

    Returns
    -------
    DataFrame
        :data:`OPEN_DEAL_COLUMNS` plus ``state`` (``open``, ``won`` or ``lost``). Closed deals
        (closed by ``date`` in the opportunities table) show their closing stage, amount and
        close date.
    """
    day = as_date(date)
    open_now = open_deals(data, day).assign(state="open")
    opps = data.opportunities
    at = np.flatnonzero(closed_by(data, day))
    closed = opps[["opp_id", "amount", "stage", "close_date", "forecast_category"]].iloc[at]
    closed = closed.reset_index(drop=True)
    extra = _record_columns(data).iloc[at].reset_index(drop=True)
    closed = pd.concat([closed, extra], axis=1)
    closed["opp_row"] = at
    facts = data.facts.deals.iloc[at]
    closed["furthest_stage"] = _stage_name(data, facts["furthest_stage"].to_numpy())
    closed["pushes"] = 0
    closed["days_in_stage"] = np.nan
    closed["days_unchanged"] = np.nan
    closed["past_due"] = False
    closed["closed_after"] = False
    closed["amount_missing"] = closed["amount"].isna().to_numpy()
    closed["age_days"] = (closed["close_date"] - closed["created_date"]).dt.days.astype(float)
    closed["snapshot_date"] = day
    won = opps["is_won"].fillna(False).to_numpy(dtype=bool)[at]
    closed["state"] = np.where(won, "won", "lost")
    closed["amount"] = closed["amount"].fillna(0.0)
    _owner_on(data, closed, day)
    return pd.concat([open_now, closed[[*OPEN_DEAL_COLUMNS, "state"]]], ignore_index=True)


def _in_quarter(data: SalesData, frame: pd.DataFrame, quarter: str) -> pd.DataFrame:
    start, end = data.calendar.bounds(quarter)
    inside = (frame["close_date"] >= start) & (frame["close_date"] <= end)
    return frame[inside.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


def open_pipeline(data: SalesData, *, quarter: str, as_of: object) -> pd.DataFrame:
    """Open pipeline of ``quarter`` as of ``as_of``: open deals whose close date falls in it.

    Parameters
    ----------
    data
        The data set.
    quarter
        The quarter the deals are expected to close in.
    as_of
        What is known: the deals open on this date, as the CRM showed them.

    Returns
    -------
    DataFrame
        :data:`OPEN_DEAL_COLUMNS`. Without history snapshots the deals' close dates are the
        ones the opportunities table shows now (no earlier ones are known).
    """
    return _in_quarter(data, open_deals(data, as_of), quarter)


def open_pipeline_amounts(data: SalesData, *, quarter: str, as_of: object) -> pd.DataFrame:
    """The owner and amount of each deal of :func:`open_pipeline`, without the history facts.

    The same deals, amounts (0 where the data shows none) and owners as
    :func:`open_pipeline`, chosen by the same rules, but none of the facts that need all
    of history (pushes, days in stage): a first KPI table on a plain folder then reads one
    snapshot instead of deriving the facts of every snapshot row.

    Parameters
    ----------
    data
        The data set.
    quarter
        The quarter the deals are expected to close in.
    as_of
        What is known: the deals open on this date, as the CRM showed them.

    Returns
    -------
    DataFrame
        ``opp_row, rep_id, amount, close_date``, in :func:`open_pipeline`'s order.
    """
    day = as_date(as_of)
    o = data.opportunities
    rows = snapshot_rows(data, day)
    if rows is None:
        late = np.flatnonzero(_record_open(data, day))
        out = pd.DataFrame({"opp_row": late})
        out["amount"] = o["amount"].to_numpy()[late]
        out["close_date"] = o["close_date"].to_numpy()[late]
    else:
        assert data.history is not None
        snap = data.history.iloc[rows]
        at = _opp_rows_of(data, rows)
        is_open = _still_open(data, rows, day, at)
        out = pd.DataFrame({"opp_row": at[is_open]})
        out["amount"] = snap["amount"].to_numpy()[is_open]
        out["close_date"] = snap["close_date"].to_numpy()[is_open]
        taken = np.zeros(len(o), dtype=bool)
        taken[out["opp_row"].to_numpy()[out["opp_row"].to_numpy() >= 0]] = True
        snapped = snap["snapshot_date"].to_numpy()[is_open].max() if is_open.any() else None
        if snapped is not None:  # deals created after the snapshot, by `day`: from the record
            after = (o["created_date"] > pd.Timestamp(snapped)).to_numpy()
            late = np.flatnonzero(_record_open(data, day) & after & ~taken)
            if len(late):
                extra = pd.DataFrame({"opp_row": late})
                extra["amount"] = o["amount"].to_numpy()[late]
                extra["close_date"] = o["close_date"].to_numpy()[late]
                out = pd.concat([out, extra], ignore_index=True)
    owners = owners_on(data, day, rows=out["opp_row"].to_numpy())
    out.insert(1, "rep_id", owners["rep_id"].array)
    out["amount"] = out["amount"].fillna(0.0)
    return _in_quarter(data, out, quarter)


def next_quarter_pipeline(data: SalesData, *, quarter: str, as_of: object) -> pd.DataFrame:
    """Open pipeline, as of ``as_of``, of the quarter after ``quarter``.

    Parameters
    ----------
    data
        The data set.
    quarter
        The quarter being reported; the pipeline is the next one's.
    as_of
        What is known: the deals open on this date, as :func:`open_pipeline` sees them.

    Returns
    -------
    DataFrame
        :data:`OPEN_DEAL_COLUMNS`; ``attrs["quarter"]`` names the next quarter.
    """
    nxt = data.calendar.shift(quarter, 1)
    out = open_pipeline(data, quarter=nxt, as_of=as_of)
    out.attrs["quarter"] = nxt
    return out


def past_due(data: SalesData, *, as_of: object) -> pd.DataFrame:
    """Open deals on ``as_of`` whose expected close date is already behind them.

    Parameters
    ----------
    data
        The data set.
    as_of
        The as-of date; a deal is past due when its expected close date is before it.
        Without history snapshots the close dates are the ones the opportunities table shows
        now.

    Returns
    -------
    DataFrame
        :data:`OPEN_DEAL_COLUMNS`.
    """
    od = open_deals(data, as_of)
    return od[od["past_due"].to_numpy()].reset_index(drop=True)


def undated(data: SalesData, *, as_of: object) -> pd.DataFrame:
    """Open deals on ``as_of`` without an expected close date: in no quarter's pipeline.

    Parameters
    ----------
    data
        The data set.
    as_of
        The as-of date.

    Returns
    -------
    DataFrame
        :data:`OPEN_DEAL_COLUMNS`.
    """
    od = open_deals(data, as_of)
    return od[od["close_date"].isna().to_numpy()].reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# a quarter's pipeline from start to as-of


def quarter_flow(
    data: SalesData, *, quarter: str, as_of: object | None = None
) -> pd.DataFrame | None:
    """How each deal entered and left ``quarter``'s open pipeline, from its start to ``as_of``.

    The start is the eve of the quarter's first day, the end ``as_of`` (default: the
    quarter's end, or the data's last date); both as :func:`open_deals` sees them. Deals
    closed with a close date from the quarter's first day to ``as_of`` count as won or lost;
    deals a snapshot in between shows in the quarter's pipeline count too (a deal created in
    the quarter and pushed out of it before the end slipped out).

    Parameters
    ----------
    data
        The data set; needs history snapshots.
    quarter
        The quarter whose pipeline (deals with a close date in it) is followed.
    as_of
        End of the flow.

    Returns
    -------
    DataFrame or None
        Indexed by ``opp_id``: ``entry`` (``start``: in the open pipeline of the quarter on its
        eve; ``pulled_in``: open then with a close date outside the quarter; ``created``: not
        open then), ``exit`` (``won``, ``lost``, ``slipped_out``: left without closing in the
        quarter, ``end``: still in its open pipeline on ``as_of``), ``start_amount``,
        ``entry_amount``, ``final_amount``, ``change``. ``attrs`` has ``from`` and ``to``
        (the snapshot dates behind the start and the end) and ``closed_to`` (the last close
        date counted as won or lost). None without history.
    """
    if data.history is None or data.history.empty:
        return None
    start, end = data.calendar.bounds(quarter)
    stop = data.default_as_of(quarter) if as_of is None else min(as_date(as_of), end)
    eve = start - pd.Timedelta(days=1)
    open0 = open_deals(data, eve).set_index("opp_id")
    open1 = open_deals(data, stop).set_index("opp_id")
    in_q0 = (open0["close_date"] >= start) & (open0["close_date"] <= end)
    in_start = open0[in_q0.to_numpy(dtype=bool)]
    in_q1 = (open1["close_date"] >= start) & (open1["close_date"] <= end)
    in_end = open1[in_q1.to_numpy(dtype=bool)]
    o = data.opportunities
    closed_now = closed_by(data, stop) & (o["close_date"] >= start).to_numpy(dtype=bool)
    closed = o[closed_now].set_index("opp_id")
    ids = (
        in_start.index.union(in_end.index)
        .union(closed.index)
        .union(_joined(data, start, end, stop))
    )
    d = pd.DataFrame(index=ids)
    d["start_amount"] = in_start["amount"].reindex(ids).fillna(0.0)
    won = closed["is_won"].fillna(False).astype(bool)
    d["exit"] = np.select(
        [
            _member(ids, closed.index[won]),
            _member(ids, closed.index[~won]),
            _member(ids, in_end.index),
        ],
        ["won", "lost", "end"],
        "slipped_out",
    )
    final = pd.Series(np.nan, index=ids)
    final.loc[closed.index] = closed["amount"].fillna(0.0)
    final = final.fillna(open1["amount"].reindex(ids))
    d["final_amount"] = final.fillna(d["start_amount"]).fillna(0.0)
    d["entry"] = np.where(
        _member(ids, in_start.index),
        "start",
        np.where(_member(ids, open0.index), "pulled_in", "created"),
    )
    d["entry_amount"] = np.where(d["entry"] == "start", d["start_amount"], d["final_amount"])
    d["change"] = d["final_amount"] - d["entry_amount"]
    d.index.name = "opp_id"
    first, last = snapshot_date_on(data, eve), snapshot_date_on(data, stop)
    d.attrs["from"] = str((first if first is not None else eve).date())
    d.attrs["to"] = str((last if last is not None else stop).date())
    d.attrs["closed_to"] = str(stop.date())
    return d


def _joined(
    data: SalesData, start: pd.Timestamp, end: pd.Timestamp, stop: pd.Timestamp
) -> pd.Index:
    """Deals any snapshot from ``start`` to ``stop`` shows open with a close date in the quarter."""
    h = data.history
    assert h is not None
    day = h["snapshot_date"]
    rows = (
        (day >= start)
        & (day <= stop)
        & ~h["is_closed"].fillna(False).astype(bool)
        & (h["close_date"] >= start)
        & (h["close_date"] <= end)
    )
    return pd.Index(pd.unique(h.loc[rows.to_numpy(dtype=bool), "opp_id"].dropna()))


def _member(ids: pd.Index, values: pd.Index) -> np.ndarray:
    """``ids.isin(values)`` for deal ids (pandas' own is a Python loop on Arrow text)."""
    return isin(pd.Series(ids), values)


def slipped(data: SalesData, *, quarter: str, as_of: object | None = None) -> pd.DataFrame | None:
    """Deals that slipped out of ``quarter`` by ``as_of`` (see the module's definition).

    Parameters
    ----------
    data
        The data set; needs history snapshots.
    quarter
        The quarter whose pipeline the deals left.
    as_of
        End of the window; None: the quarter's end, or the data's last date while it runs.

    Returns
    -------
    DataFrame or None
        The :func:`quarter_flow` rows whose exit is ``slipped_out``, with the amount each
        took out (``final_amount``); None without history snapshots.
    """
    flow = quarter_flow(data, quarter=quarter, as_of=as_of)
    if flow is None:
        return None
    return flow[flow["exit"] == "slipped_out"]


# ---------------------------------------------------------------------------------------
# quarters a trend draws


def trend_quarters(data: SalesData, quarters: list[str]) -> tuple[list[str], str | None]:
    """The quarters of a trend that the data holds in full, and a note on those left out.

    The one rule for every trend (by quarter) in the reports: a quarter the data holds only
    in part (:meth:`SalesData.partial_quarters <salesops_lib.data.SalesData.partial_quarters>`:
    its history starts after the quarter began, or most of its closed deals are migrated
    records) would show a win rate or bookings of a few odd deals, so it is left out and
    the note says which and why.

    Parameters
    ----------
    data
        The data set.
    quarters
        The quarters the trend would draw, in order.

    Returns
    -------
    tuple
        The quarters kept (in order) and the note (None when none is left out).

    Examples
    --------
    >>> trend_quarters(maven, ["2017Q1", "2017Q2"])  # doctest: +SKIP
    (['2017Q2'], "Left out of the trend: 2017Q1, which the data holds only in part (the
    data's first deal closed on 2017-03-01, after the quarter began, although its first deal
    was created on 2016-10-20).")
    """
    partial = data.partial_quarters()
    kept = [q for q in quarters if q not in partial]
    out = [q for q in quarters if q in partial]
    return kept, left_out_note(out, partial)


def left_out_note(quarters: list[str], reasons: dict[str, str]) -> str | None:
    """The sentence naming the quarters a trend leaves out and why (see :func:`trend_quarters`).

    Parameters
    ----------
    quarters
        The quarters left out, in order.
    reasons
        Quarter -> why it is held in part.

    Returns
    -------
    str or None
        None when ``quarters`` is empty.

    Examples
    --------
    >>> left_out_note(["2024Q2"], {"2024Q2": "the data starts on 2024-06-01"})
    'Left out of the trend: 2024Q2, which the data holds only in part (the data starts on 2024-06-01).'
    """
    if not quarters:
        return None
    parts = [f"{q} ({reasons[q]})" for q in quarters]
    if len(parts) == 1:
        return f"Left out of the trend: {quarters[0]}, which the data holds only in part ({reasons[quarters[0]]})."
    listed = ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Left out of the trend: {listed}, which the data holds only in part."


# ---------------------------------------------------------------------------------------
# who received a deal when


def creators(data: SalesData) -> pd.DataFrame:
    """The rep who owned each deal on its created date: its creator, whom pipeline created credits.

    The first rule that answers:

    1. the deal has owner changes (the ``owner_changes`` table): the previous owner of its
       first change on or after its created date;
    2. it was reassigned (``reassigned_date`` on or after its created date) and the export
       names the owner before (``previous_rep_id``, the last change's);
    3. never reassigned: its owner (``rep_id``).

    A creator so found who was hired after the created date cannot have opened the deal (an
    earlier change is missing from the data): the creator is then unknown, as it is when the
    deal was reassigned without a previous owner. Pipeline created counts such deals in the
    total, "created before the owner joined", but credits no rep.

    Parameters
    ----------
    data
        The data set (``opportunities``: ``opp_id, rep_id, created_date`` and, when present,
        ``reassigned_date, previous_rep_id``; ``owner_changes`` and ``reps.hire_date`` when
        present).

    Returns
    -------
    DataFrame
        One row per opportunity, in the table's order: ``opp_id``, ``rep_id`` (the creator;
        blank when unknown) and ``creator_known`` (bool).

    Examples
    --------
    >>> creators(data).query("not creator_known")  # doctest: +SKIP
    """

    def make() -> pd.DataFrame:
        o = data.opportunities
        owners = _owner_codes(data)
        created = pd.to_datetime(o["created_date"]).dt.normalize().to_numpy(dtype="datetime64[ns]")
        rep = owners.current.copy()
        known = rep >= 0
        decided = np.zeros(len(o), dtype=bool)
        chain = _owner_chain(data, owners.vocabulary)
        if chain is not None and len(chain.row):
            first = chain.day >= created[chain.row]  # changes from the created date on
            rows, at = np.unique(chain.row[first], return_index=True)  # sorted: the first
            prev = chain.previous[np.flatnonzero(first)[at]]
            rep[rows], known[rows], decided[rows] = prev, prev >= 0, True
        if "reassigned_date" in o:
            moved = pd.to_datetime(o["reassigned_date"]).to_numpy(dtype="datetime64[ns]")
            flat = ~decided & ~np.isnat(moved) & ~(moved < created)
            rep[flat] = owners.previous[flat]
            known[flat] = owners.previous[flat] >= 0
        hire = np.where(rep >= 0, owners.hire[np.maximum(rep, 0)], NAT)
        known &= ~(hire > created)  # NaT compares False: no hire date, no doubt
        rep = np.where(known, rep, -1)
        return pd.DataFrame(
            {
                "opp_id": o["opp_id"].to_numpy(),
                "rep_id": pd.array(owners.vocabulary.array.take(rep, allow_fill=True), dtype="str"),
                "creator_known": known,
            }
        )

    return data.derived(("deal creators",), make)


def quotas_of(data: SalesData, quarter: str) -> pd.Series:
    """Each rep's quota for ``quarter``: the one reading of the quotas table every report uses.

    The index and 01's attainment (:func:`~salesops_lib.analysis.kpis.kpi_table`), 03's
    calls and the weekly run (:func:`quota_of`) all read a quarter's quotas here.

    Parameters
    ----------
    data
        The data set (its ``quotas``: ``rep_id, period, quota``), or one team's.
    quarter
        The fiscal quarter label (``2026Q3``, or a form the calendar reads).

    Returns
    -------
    Series
        ``quota`` (float) by ``rep_id``, sorted by id; empty without quotas for the quarter
        (a rep's two rows for it, which the load blocks, would add up).

    Examples
    --------
    >>> quotas_of(data, "2026Q3").head()  # doctest: +SKIP
    """
    q = data.quotas
    if q is None or q.empty:
        return pd.Series(
            dtype="float64", name="quota", index=pd.Index([], name="rep_id", dtype="str")
        )
    mine = q[(q["period"] == data.calendar.normalize(quarter)).to_numpy(dtype=bool)]
    return mine.groupby("rep_id")["quota"].sum().astype("float64").rename("quota")


def quota_of(data: SalesData, quarter: str) -> float | None:
    """The quarter's quota: the sum of the reps' quotas for it (:func:`quotas_of`).

    Parameters
    ----------
    data
        The data set (or one team's).
    quarter
        The fiscal quarter label.

    Returns
    -------
    float or None
        None without quotas for the quarter.
    """
    per_rep = quotas_of(data, quarter)
    return float(per_rep.sum()) if len(per_rep) else None


def inherited_deals(data: SalesData) -> pd.DataFrame:
    """Deals their owner inherited: created before the owner was hired, or reassigned.

    A deal is inherited when it was created before its owner's ``hire_date`` (someone else
    opened it and the rep took it over), or when the opportunities table has a
    ``reassigned_date`` (the date the current owner received the deal) filled for it. A
    closed deal's owner is the rep who owned it when it closed (:func:`closing_owners`): a
    deal reassigned after its close is inherited by that rep only when they had it from
    someone else (received after it was created). Reports
    keep inherited deals out of ramp and first-deal figures and flag the pay they bring in
    comp statements.

    Parameters
    ----------
    data
        The data set (``opportunities``: ``opp_id, rep_id, created_date`` and, when present,
        ``reassigned_date``; ``reps``: ``rep_id, hire_date``).

    Returns
    -------
    DataFrame
        One row per opportunity, in the table's order: ``opp_id, rep_id`` (the owner, when
        it closed for a closed deal), ``received_date`` (the day that owner had the deal:
        the latest of created date, hire date and reassigned date) and ``inherited`` (bool).

    Examples
    --------
    >>> inh = inherited_deals(data)  # doctest: +SKIP
    >>> data.opportunities[inh["inherited"].to_numpy()]  # doctest: +SKIP
    """

    def make() -> pd.DataFrame:
        o = data.opportunities
        created = pd.to_datetime(o["created_date"])
        if "hire_date" in data.reps:
            hires = data.reps.drop_duplicates("rep_id").set_index("rep_id")["hire_date"]
            hire = pd.to_datetime(o["rep_id"].map(hires))
        else:
            hire = pd.Series(pd.NaT, index=o.index, dtype="datetime64[ns]")
        before_hire = (created < hire).fillna(False).to_numpy(dtype=bool)
        if "reassigned_date" in o:
            moved = pd.to_datetime(o["reassigned_date"])
            reassigned = moved.notna().to_numpy(dtype=bool)
        else:
            moved = pd.Series(pd.NaT, index=o.index, dtype="datetime64[ns]")
            reassigned = np.zeros(len(o), dtype=bool)
        received = pd.concat([created, hire, moved], axis=1).max(axis=1).to_numpy()
        inherited = before_hire | reassigned
        rep = o["rep_id"].to_numpy()
        then = closing_owners(data)
        if len(then):  # reassigned after they closed: the rep who closed them
            at = then["opp_row"].to_numpy()
            rep = rep.copy()
            rep[at] = then["rep_id"].to_numpy()
            got = then["received_date"].to_numpy(dtype="datetime64[ns]")
            received = received.copy()
            received[at] = got
            inherited = inherited.copy()
            inherited[at] = (got > created.to_numpy()[at]) & ~np.isnat(got)
        return pd.DataFrame(
            {
                "opp_id": o["opp_id"].to_numpy(),
                "rep_id": rep,
                "received_date": received,
                "inherited": inherited,
            }
        )

    return data.derived(("inherited deals",), make)
