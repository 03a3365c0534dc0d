"""Deal tables: every report lists deals with the same columns, in a manager's words.

A deal table shows the deal's name (``opp_name``, else its id), the account's name (from
the accounts table, else the export's own account name, else the account id), the rep's
name, stage, amount, expected close date and forecast category: what the export has, taken
from a :mod:`salesops_lib.timeline` frame of deals (``open_deals``, ``open_pipeline``,
``past_due`` ...). :func:`deal_rows` adds the names; :data:`DEAL_COLUMNS` shows them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesops_lib.data import SalesData
from salesops_lib.fast import take_rows
from salesops_lib.reports.base import MoneyFormat, bold
from salesops_lib.reports.tables import Column, TableSpec
from salesops_lib.timeline import closed_after

DEAL_COLUMNS: tuple[Column, ...] = (
    Column("deal", "Deal"),
    Column("account", "Account"),
    Column("rep_name", "Rep"),
    Column("stage", "Stage"),
    Column("amount", "Amount", "money"),
    Column("close_date", "Close date", "date"),
    Column("forecast_category", "Category"),
)
"""The columns every deal table shows, in order (a spec adds its own after them)."""


def deal_spec(*extra: Column, max_rows: int = 60, without: tuple[str, ...] = ()) -> TableSpec:
    """A deal table's spec: :data:`DEAL_COLUMNS` (minus ``without``), then ``extra``.

    Parameters
    ----------
    *extra
        Columns shown after the deal columns (e.g. pushes, days in stage).
    max_rows
        Rows shown before the table says how many more there are.
    without
        Keys of :data:`DEAL_COLUMNS` to leave out (e.g. ``("forecast_category",)``).

    Returns
    -------
    TableSpec

    Examples
    --------
    >>> deal_spec(Column("pushes", "Pushes", "int")).labels[-1]
    'Pushes'
    """
    cols = tuple(c for c in DEAL_COLUMNS if c.key not in without)
    return TableSpec((*cols, *extra), max_rows=max_rows)


def deal_rows(data: SalesData, deals: pd.DataFrame) -> pd.DataFrame:
    """``deals`` with the names a deal table shows: ``deal``, ``account``, ``rep_name``, ``team``, ``manager``.

    A blank deal name shows the id, a rep without a name the rep id; the account is the
    accounts table's name, else the export's own ``account_name``, else the account id.

    Parameters
    ----------
    data
        The data set (reps, accounts, opportunities).
    deals
        Deals with ``opp_id`` and ``rep_id``; ``opp_row`` (the deal's row in the
        opportunities table, as timeline frames have it), ``opp_name`` and ``account_id``
        when known. Stage, amount, close date and category are shown as they are.

    Returns
    -------
    DataFrame
        A new frame: ``deals`` plus the five columns (the input is not changed).

    Examples
    --------
    >>> deal_rows(data, timeline.past_due(data, as_of="2026-09-30"))["deal"].head()  # doctest: +SKIP
    """
    out = deals.copy()
    ids = out["opp_id"].astype("str")
    names = out["opp_name"] if "opp_name" in out else pd.Series(pd.NA, index=out.index)
    names = names.where(names.astype("str").str.strip() != "")
    out["deal"] = names.fillna(ids).to_numpy()
    out["account"] = _account_names(data, out).to_numpy()
    reps = data.reps.set_index("rep_id")
    rep_ids = out["rep_id"]
    if "rep_name" in reps:
        out["rep_name"] = rep_ids.map(reps["rep_name"]).fillna(rep_ids).to_numpy()
    else:
        out["rep_name"] = rep_ids.to_numpy()
    for col in ("team", "manager"):
        out[col] = rep_ids.map(reps[col]).to_numpy() if col in reps else np.nan
    out["rep_name"] = owner_words(out)
    return out


def owner_words(rows: pd.DataFrame) -> pd.Series:
    """The Rep column of deal rows: the rep's name, or ``Previous owner (...)`` if reassigned later.

    A deal reassigned after the as-of date reads ``Previous owner (reassigned to <rep> on
    <date>)``, one whose current owner was hired after it without a recorded change
    ``Previous owner (now <rep>, hired later)``: who held it on the as-of date is not in the
    data (:func:`salesops_lib.timeline.owners_on`).

    Parameters
    ----------
    rows
        Deal rows with ``rep_name``; ``owner_known`` and ``reassigned_date`` when a timeline
        frame gives them (without them every name stands).

    Returns
    -------
    Series
        Text, on ``rows``' index.

    Examples
    --------
    >>> f = pd.DataFrame({"rep_name": ["Ann", "Bo"], "owner_known": [True, False],
    ...                   "reassigned_date": pd.to_datetime([None, "2026-10-24"])})
    >>> owner_words(f).tolist()
    ['Ann', 'Previous owner (reassigned to Bo on 2026-10-24)']
    """
    names = rows["rep_name"].astype("object")
    if "owner_known" not in rows or rows["owner_known"].fillna(True).astype(bool).all():
        return names
    later = ~rows["owner_known"].fillna(True).astype(bool)
    when = pd.to_datetime(rows["reassigned_date"]).dt.strftime("%Y-%m-%d")
    moved = "Previous owner (reassigned to " + names.astype("str") + " on " + when + ")"
    hired = "Previous owner (now " + names.astype("str") + ", hired later)"
    return names.where(~later, moved.where(when.notna(), hired))


def _account_names(data: SalesData, deals: pd.DataFrame) -> pd.Series:
    """Account name of each deal: the accounts table's, else the export's own, else the id."""
    account = deals["account_id"] if "account_id" in deals else pd.Series(pd.NA, index=deals.index)
    name = pd.Series(pd.NA, index=deals.index, dtype="object")
    accounts = data.accounts
    if accounts is not None and "account_name" in accounts:
        lookup = accounts.drop_duplicates("account_id").set_index("account_id")["account_name"]
        name = account.map(lookup).astype("object")
    opps = data.opportunities
    if "account_name" in opps and "opp_row" in deals:
        own = take_rows(opps["account_name"], deals["opp_row"].to_numpy(dtype=np.int64))
        name = name.fillna(pd.Series(own.to_numpy(), index=deals.index))
    return name.fillna(account)


def outcome_since(data: SalesData, deals: pd.DataFrame, as_of: object) -> pd.DataFrame:
    """What became of each of ``deals`` (open on ``as_of``) by the data's last date.

    Parameters
    ----------
    data
        The data set (``opportunities``: ``is_won, close_date``; its last date).
    deals
        Deals open on ``as_of`` with ``opp_row`` (timeline frames have it).
    as_of
        The as-of date.

    Returns
    -------
    DataFrame
        On ``deals``' index: ``closed_after`` (bool: the export shows the deal closed after
        ``as_of``), ``won_after`` (bool), ``closed_on`` (its close date; NaT while open) and
        ``since`` (``won 2026-10-12``, ``lost 2026-10-05`` or ``still open``).

    Examples
    --------
    >>> outcome_since(data, timeline.open_deals(data, "2026-09-30"), "2026-09-30")  # doctest: +SKIP
    """
    later = closed_after(data, deals, as_of)
    o = data.opportunities
    if "opp_row" in deals and len(deals):
        row = deals["opp_row"].to_numpy(dtype=np.int64)
        won = take_rows(o["is_won"].fillna(False).astype(bool), row)
        won = won.fillna(False).to_numpy(dtype=bool) & later
        when = take_rows(o["close_date"], row).to_numpy(dtype="datetime64[ns]")
    else:
        won = np.zeros(len(deals), dtype=bool)
        when = np.full(len(deals), np.datetime64("NaT"), dtype="datetime64[ns]")
    closed_on = pd.Series(when, index=deals.index).where(later)
    day_text = closed_on.dt.strftime("%Y-%m-%d")
    since = np.where(
        later, np.where(won, "won " + day_text.fillna(""), "lost " + day_text.fillna("")), ""
    )
    since = pd.Series(since, index=deals.index).str.strip().where(later, "still open")
    return pd.DataFrame(
        {"closed_after": later, "won_after": won, "closed_on": closed_on, "since": since},
        index=deals.index,
    )


SINCE = Column("since", "Since then")
"""The column a deal table adds when some deals closed after the as-of date (with the stage
as it stood on the as-of date): ``won 2026-10-12``, ``lost 2026-10-05`` or ``still open``."""


def label_closed_after(data: SalesData, rows: pd.DataFrame, as_of: object) -> pd.DataFrame:
    """Deal rows with what became of each deal after ``as_of``, the stage left as it stood.

    A deal the export shows closed after ``as_of`` keeps the stage, amount, close date and
    category the view of ``as_of`` gives it (a history snapshot); ``since`` says its later
    outcome (``won 2026-10-12``). Only where that view has no stage (without history
    snapshots the export keeps only the closing one) does the stage read ``Closed Won after
    <as-of>`` (or Lost); the category is then left blank, never the closing one
    (``category_unknown`` marks it, :func:`category_note` says why under the table).

    Parameters
    ----------
    data
        The data set (``opportunities``: ``is_closed, is_won, close_date``).
    rows
        Deal rows open on ``as_of`` (:func:`deal_rows` of a timeline frame).
    as_of
        The as-of date.

    Returns
    -------
    DataFrame
        A new frame: ``rows`` with ``closed_after`` (bool), ``since``, ``stage_unknown`` and
        ``category_unknown`` (bool) and the labels.

    Examples
    --------
    >>> label_closed_after(data, deal_rows(data, od), "2026-09-30")["since"]  # doctest: +SKIP
    """
    out = rows.copy()
    fate = outcome_since(data, out, as_of)
    later = fate["closed_after"].to_numpy(dtype=bool)
    out["closed_after"] = later
    out["since"] = fate["since"].to_numpy()
    stage = out["stage"] if "stage" in out else pd.Series(pd.NA, index=out.index)
    unknown = later & stage.isna().to_numpy(dtype=bool)
    out["stage_unknown"] = unknown
    out["category_unknown"] = unknown
    if not unknown.any():
        return out
    day = pd.Timestamp(as_of).date()  # type: ignore[arg-type]
    won = fate["won_after"].to_numpy(dtype=bool)
    label = np.where(won, f"Closed Won after {day}", f"Closed Lost after {day}")
    out["stage"] = stage.astype("object").where(~unknown, pd.Series(label, index=out.index))
    if "forecast_category" in out:
        out["forecast_category"] = out["forecast_category"].astype("object").where(~unknown, None)
    return out


def with_since(spec: TableSpec, rows: pd.DataFrame) -> TableSpec:
    """``spec`` with the :data:`SINCE` column when some of ``rows`` closed after the as-of date.

    Only deals whose stage on the as-of date is known count: the column says what became of
    them (without history the stage itself says it).

    Parameters
    ----------
    spec
        A deal table's spec.
    rows
        :func:`label_closed_after` rows.

    Returns
    -------
    TableSpec
        ``spec``, or a new one with :data:`SINCE` after the category (else at the end).

    Examples
    --------
    >>> with_since(deal_spec(), rows).labels[-1]  # doctest: +SKIP
    'Since then'
    """
    if "closed_after" not in rows or "stage_unknown" not in rows:
        return spec
    shown = rows["closed_after"].to_numpy(dtype=bool) & ~rows["stage_unknown"].to_numpy(dtype=bool)
    if not shown.any() or SINCE.key in [c.key for c in spec.columns]:
        return spec
    cols = list(spec.columns)
    keys = [c.key for c in cols]
    at = keys.index("forecast_category") + 1 if "forecast_category" in keys else len(cols)
    return TableSpec((*cols[:at], SINCE, *cols[at:]), max_rows=spec.max_rows, ends=spec.ends)


def category_note(rows: pd.DataFrame, as_of: object) -> str | None:
    """Why some categories are blank: deals closed after ``as_of`` with no stage known on it.

    Parameters
    ----------
    rows
        :func:`label_closed_after` rows.
    as_of
        The as-of date.

    Returns
    -------
    str or None
        A sentence to add to the table's caption.

    Examples
    --------
    >>> category_note(pd.DataFrame({"category_unknown": [True]}), "2026-03-31")
    'Category is blank for the deal that closed after 2026-03-31: the export keeps only its closing category.'
    """
    if "category_unknown" not in rows:
        return None
    n = int(rows["category_unknown"].fillna(False).astype(bool).sum())
    if n == 0:
        return None
    day = pd.Timestamp(as_of).date()  # type: ignore[arg-type]
    which = "the deal that" if n == 1 else f"the {n:,} deals that"
    their = "its" if n == 1 else "their"
    return (
        f"Category is blank for {which} closed after {day}: the export keeps only "
        f"{their} closing category."
    )


def with_note(caption: str, note: str | None) -> str:
    """A table's caption with a note after it (``caption. Note``; the caption alone for None).

    Parameters
    ----------
    caption
        The caption (blank: no table to caption, so no note either).
    note
        The sentence to add, or None.

    Returns
    -------
    str

    Examples
    --------
    >>> with_note("Open deals", "Category is blank for 2 deals.")
    'Open deals. Category is blank for 2 deals.'
    """
    if not caption or not note:
        return caption
    return f"{caption.rstrip('.')}. {note}"


CLOSED_AFTER_DEFINITION = (
    "A deal open on the as-of date that the export shows closed won (or lost) later: without "
    "history snapshots its stage and category on the as-of date are unknown (the export keeps "
    "only its closing ones), so its stage reads Closed Won (or Lost) after the as-of date, its "
    "category is left blank, and its close date is the day it closed."
)
"""The definition a report adds when a deal table shows ``Closed Won after <as-of>``."""

SINCE_DEFINITION = (
    "What became of a deal after the as-of date, by the data's last date: won or lost on the "
    "date shown, or still open. The deal's other columns show it as it stood on the as-of date."
)
"""The definition a report adds when a deal table shows the :data:`SINCE` column."""


def amount_filled(data: SalesData, deals: pd.DataFrame) -> np.ndarray:
    """Which of ``deals`` have an amount the loading preset filled in, not one the CRM recorded.

    The opportunities' boolean ``amount_filled`` says so (e.g. Maven's list prices).

    Parameters
    ----------
    data
        The data set (``opportunities``: ``amount_filled`` when the preset fills amounts).
    deals
        Deals with ``opp_row``.

    Returns
    -------
    numpy.ndarray
        ``bool``, one per deal.
    """
    o = data.opportunities
    if "amount_filled" not in o or "opp_row" not in deals or deals.empty:
        return np.zeros(len(deals), dtype=bool)
    row = deals["opp_row"].to_numpy(dtype=np.int64)
    filled = take_rows(o["amount_filled"].fillna(False).astype(bool), row)
    filled = filled.fillna(False).to_numpy(dtype=bool)
    return (row >= 0) & filled


def worth(data: SalesData, deals: pd.DataFrame, fmt: MoneyFormat) -> str:
    """``worth **$5.0M**``, saying how much of it is list price the loader filled in.

    Parameters
    ----------
    data
        The data set (``opportunities``: ``amount_filled`` when the preset fills amounts).
    deals
        Deals with ``amount`` and ``opp_row``.
    fmt
        The money formatter of the data's currency.

    Returns
    -------
    str
        ``worth **$5.0M** at list price`` when every amount was filled in, ``worth **$5.0M**
        ($1.0M of it at list price)`` when some were, else ``worth **$5.0M**``.

    Examples
    --------
    >>> worth(maven, undated, fmt)  # doctest: +SKIP
    'worth **$5.0M** at list price'
    """
    filled = amount_filled(data, deals)
    return worth_text(deals["amount"], filled, fmt)


def worth_text(amounts: pd.Series, filled: np.ndarray, fmt: MoneyFormat) -> str:
    """``worth **$5.0M**`` of ``amounts``, with how much of it is list price (see :func:`worth`).

    Parameters
    ----------
    amounts
        The deals' amounts.
    filled
        ``bool`` per deal: the amount is a list price the loader filled in.
    fmt
        The money formatter of the data's currency.

    Returns
    -------
    str
        As :func:`worth`.
    """
    filled = np.asarray(filled, dtype=bool)
    text = f"worth {bold(fmt(float(amounts.sum())))}"
    if not len(filled) or not filled.any():
        return text
    if filled.all():
        return f"{text} at list price"
    return f"{text} ({fmt(float(amounts[filled].sum()))} of it at list price)"


AMOUNT_SOURCE = Column("amount_source", "Amount is")
"""The column a deal table adds when some amounts were filled in: ``list price`` or ``entered``."""


def mark_filled_amounts(data: SalesData, rows: pd.DataFrame) -> pd.DataFrame:
    """Deal rows with ``amount_filled`` and ``amount_source`` (``list price`` or ``entered``).

    Parameters
    ----------
    data
        The data set.
    rows
        Deal rows with ``opp_row``.

    Returns
    -------
    DataFrame
        A new frame: ``list price`` where the preset filled the amount in, ``entered`` where
        the CRM recorded it.
    """
    out = rows.copy()
    filled = amount_filled(data, out)
    out["amount_filled"] = filled
    out["amount_source"] = np.where(filled, "list price", "entered")
    return out


OWNER_DEFINITION = (
    "A deal whose owner on the as-of date is not in the data: it was reassigned after that "
    "date (or its owner was hired after it) and neither a previous owner (previous_rep_id) "
    "nor a history snapshot's owner says who held it then. Such deals count in every company "
    "total; hygiene scores by rep leave them out."
)
"""The definition a report adds when a deal table shows ``Previous owner (...)``."""


def table_definitions(*frames: pd.DataFrame) -> dict[str, str]:
    """The definitions the deal tables built from ``frames`` need, each only when a row shows it.

    Closed Won after (date), Since then and Previous owner.

    Parameters
    ----------
    *frames
        :func:`label_closed_after` rows (with ``deal_rows``' names).

    Returns
    -------
    dict of str to str
        Term to definition, in that order.

    Examples
    --------
    >>> table_definitions(pd.DataFrame({"stage_unknown": [False]}))
    {}
    """

    def any_of(col: str, frame: pd.DataFrame) -> np.ndarray:
        if col not in frame:
            return np.zeros(len(frame), dtype=bool)
        return frame[col].fillna(False).to_numpy(dtype=bool)

    out: dict[str, str] = {}
    if any(any_of("stage_unknown", f).any() for f in frames):
        out["Closed Won after (date)"] = CLOSED_AFTER_DEFINITION
    if any((any_of("closed_after", f) & ~any_of("stage_unknown", f)).any() for f in frames):
        out[SINCE.label] = SINCE_DEFINITION
    if any(
        ("owner_known" in f and (~f["owner_known"].fillna(True).astype(bool)).any()) for f in frames
    ):
        out["Previous owner"] = OWNER_DEFINITION
    return out
