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
from salesops_lib.reports.tables import Column, TableSpec

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
    return out


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


def closed_after(data: SalesData, deals: pd.DataFrame, as_of: object) -> np.ndarray:
    """Which of ``deals`` (open on ``as_of``) the export shows closed after ``as_of``.

    Uses the frame's ``closed_after`` column when the timeline gives one; else the deal's
    record: closed, with a close date after ``as_of``, and no stage known on ``as_of`` (with
    history snapshots the stage then is known and the deal is shown as it was).

    Parameters
    ----------
    data
        The data set (the opportunities' ``is_closed`` and ``close_date``).
    deals
        Deals open on ``as_of`` (a :mod:`salesops_lib.timeline` frame): ``closed_after``
        when the timeline gives one, else ``opp_row`` (the deal's row in the opportunities
        table) and ``stage`` when known.
    as_of
        The as-of date (a date or its text).

    Returns
    -------
    numpy.ndarray
        One bool per row of ``deals``, in order; all False without ``opp_row`` or deals.

    Examples
    --------
    >>> closed_after(data, timeline.open_deals(data, "2026-03-31"), "2026-03-31")  # doctest: +SKIP
    """
    if "closed_after" in deals:
        return deals["closed_after"].fillna(False).to_numpy(dtype=bool)
    if "opp_row" not in deals or deals.empty:
        return np.zeros(len(deals), dtype=bool)
    day = pd.Timestamp(as_of).normalize()  # type: ignore[arg-type]
    o = data.opportunities
    row = deals["opp_row"].to_numpy(dtype=np.int64)
    closed = take_rows(o["is_closed"].fillna(False).astype(bool), row)
    closed = closed.fillna(False).to_numpy(dtype=bool)
    later = (take_rows(o["close_date"], row) > day).fillna(False).to_numpy(dtype=bool)
    unknown = deals["stage"].isna().to_numpy(dtype=bool) if "stage" in deals else True
    return (row >= 0) & closed & later & unknown


def label_closed_after(data: SalesData, rows: pd.DataFrame, as_of: object) -> pd.DataFrame:
    """Deal rows with the deals the export shows closed after ``as_of`` labelled so.

    Their stage reads ``Closed Won after <as-of>`` (or Lost) and their category ``Closed
    later`` instead of a blank (their stage and category on ``as_of`` are unknown without
    history snapshots); which deals: :func:`closed_after`.

    Parameters
    ----------
    data
        The data set (the opportunities' ``is_won``: Won or Lost).
    rows
        Deal rows (:func:`deal_rows`) with ``opp_row``, ``stage`` and ``forecast_category``.
    as_of
        The as-of date (a date or its text), named in the stage.

    Returns
    -------
    DataFrame
        A new frame: ``rows`` with ``closed_after`` (bool) and the labels.
    """
    out = rows.copy()
    later = closed_after(data, out, as_of)
    out["closed_after"] = later
    if not later.any():
        return out
    day = pd.Timestamp(as_of).date()  # type: ignore[arg-type]
    o = data.opportunities
    won = take_rows(o["is_won"].fillna(False).astype(bool), out["opp_row"].to_numpy(dtype=np.int64))
    won = won.fillna(False).to_numpy(dtype=bool)
    stage = np.where(won, f"Closed Won after {day}", f"Closed Lost after {day}")
    out["stage"] = out["stage"].astype("object").where(~later, pd.Series(stage, index=out.index))
    out["forecast_category"] = (
        out["forecast_category"].astype("object").where(~later, "Closed later")
    )
    return out


CLOSED_AFTER_DEFINITION = (
    "A deal open on the as-of date that the export shows closed won (or lost) later: without "
    "history snapshots its stage and category on the as-of date are unknown (the export keeps "
    "only its closing ones), so its stage reads Closed Won (or Lost) after the as-of date, its "
    "category Closed later, and its close date is the day it closed."
)
"""The definition a report adds when a deal table shows ``Closed Won after <as-of>``."""


def amount_filled(data: SalesData, deals: pd.DataFrame) -> np.ndarray:
    """Which of ``deals`` have an amount the loading preset filled in, not one the CRM recorded.

    The opportunities' boolean ``amount_filled`` says so (e.g. Maven's list prices).

    Parameters
    ----------
    data
        The data set (the opportunities' ``amount_filled`` when the preset set it).
    deals
        Deals with ``opp_row`` (the deal's row in the opportunities table).

    Returns
    -------
    numpy.ndarray
        One bool per row of ``deals``, in order; all False when the opportunities have no
        ``amount_filled`` or ``deals`` no ``opp_row``.
    """
    o = data.opportunities
    if "amount_filled" not in o or "opp_row" not in deals or deals.empty:
        return np.zeros(len(deals), dtype=bool)
    row = deals["opp_row"].to_numpy(dtype=np.int64)
    filled = take_rows(o["amount_filled"].fillna(False).astype(bool), row)
    filled = filled.fillna(False).to_numpy(dtype=bool)
    return (row >= 0) & filled


AMOUNT_SOURCE = Column("amount_source", "Amount is")
"""The column a deal table adds when some amounts were filled in: ``list price`` or ``entered``."""


def mark_filled_amounts(data: SalesData, rows: pd.DataFrame) -> pd.DataFrame:
    """Deal rows with ``amount_filled`` and ``amount_source``: where each amount comes from.

    ``amount_source`` reads ``list price`` where the preset filled the amount in
    (:func:`amount_filled`), ``entered`` where the CRM recorded it.

    Parameters
    ----------
    data
        The data set (the opportunities' ``amount_filled``).
    rows
        Deal rows (:func:`deal_rows`) with ``opp_row``.

    Returns
    -------
    DataFrame
        A new frame: ``rows`` plus the two columns (the input is not changed).
    """
    out = rows.copy()
    filled = amount_filled(data, out)
    out["amount_filled"] = filled
    out["amount_source"] = np.where(filled, "list price", "entered")
    return out
