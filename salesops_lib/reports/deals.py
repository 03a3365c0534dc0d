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
