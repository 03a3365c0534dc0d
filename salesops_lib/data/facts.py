"""Per-deal facts that need all of history, derived once per data set.

Which deal a snapshot row belongs to, how often its close date had been pushed by then, its
stage's place in the stage order, the furthest stage it had reached, how long it had been
in its stage and since its stage or amount last changed: every report asks these of the
same tens of millions of snapshot rows. They are derived here once, by one SQL statement
of window functions over each deal's snapshots in date order (:data:`HISTORY_FACTS_SQL`,
run by DuckDB here; the same statement runs in a warehouse), and kept with the data set:
:attr:`SalesData.facts <salesops_lib.data.SalesData.facts>` derives them on first use,
and a run's snapshot stores them so that no report derives them again.

Definitions
-----------
pushes
    How many times the deal's expected close date had moved later, from one snapshot to the
    deal's next one, up to and including this snapshot.
stage index
    The stage's position among the configured open stages (0 = first); -1 for a closed,
    blank or unknown stage.
furthest stage
    The highest stage index of the deal's snapshots up to this one (-1: never in an open
    stage).
days in stage
    Days from the first snapshot of the deal's current run in this stage to this snapshot,
    plus 7 (a weekly snapshot stands for its week); -1 when not in an open stage.
days unchanged
    Days since the deal's stage or amount last changed (the deal's first snapshot counts as
    a change).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from salesops_lib.data.presets import Stage
from salesops_lib.fast import deal_codes

HISTORY_FACTS_SQL = """
WITH steps AS (
    SELECT row, deal, snapshot_date,
        coalesce(close_date > lag(close_date) OVER deal_days, false)::INTEGER AS pushed,
        CASE WHEN lag(snapshot_date) OVER deal_days IS NULL
               OR stage_code IS DISTINCT FROM lag(stage_code) OVER deal_days
             THEN snapshot_date END AS entered_stage_on,
        CASE WHEN lag(snapshot_date) OVER deal_days IS NULL
               OR stage_code IS DISTINCT FROM lag(stage_code) OVER deal_days
               OR amount IS DISTINCT FROM lag(amount) OVER deal_days
             THEN snapshot_date END AS changed_on,
        lead(stage_code) OVER deal_days IS DISTINCT FROM stage_code AS stage_run_end,
        stage_index
    FROM history
    WINDOW deal_days AS (PARTITION BY deal ORDER BY snapshot_date)
)
SELECT row,
    sum(pushed) OVER so_far AS pushes,
    max(stage_index) OVER so_far AS furthest_stage,
    snapshot_date - max(entered_stage_on) OVER so_far AS days_in_run,
    snapshot_date - max(changed_on) OVER so_far AS days_unchanged,
    stage_run_end
FROM steps
WINDOW so_far AS (PARTITION BY deal ORDER BY snapshot_date
                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
"""
"""The window functions behind the history facts, over a table ``history(row, deal,
snapshot_date, stage_code, stage_index, amount, close_date)``: ``deal`` identifies the deal,
``stage_code`` the stage's name (any stage), ``stage_index`` its open-stage position."""

HISTORY_FACT_COLUMNS = [
    "opp_row",
    "pushes",
    "stage_index",
    "furthest_stage",
    "days_in_stage",
    "days_unchanged",
    "stage_run_end",
]
DEAL_FACT_COLUMNS = ["furthest_stage", "snapshots"]


@dataclass(frozen=True, eq=False)
class DealFacts:
    """Facts derived from all of a data set's history.

    Attributes
    ----------
    history
        One row per history row, in the same order: ``opp_row`` (the deal's row in the
        opportunities table, -1 when it is not there), ``pushes``, ``stage_index``,
        ``furthest_stage``, ``days_in_stage``, ``days_unchanged``, ``stage_run_end`` (the
        deal leaves this stage after this snapshot, or has no later one). None without
        history.
    deals
        One row per opportunity, in the table's order: ``furthest_stage`` over all its
        snapshots (-1: none in an open stage) and ``snapshots`` (how many show the deal).
    open_stages
        The open stage names the stage indexes refer to.
    in_date_order
        History rows are in snapshot-date order (a run's snapshot always is), so the rows
        of one snapshot are found by binary search.
    """

    history: pd.DataFrame | None
    deals: pd.DataFrame
    open_stages: tuple[str, ...]
    in_date_order: bool


def open_stage_names(stages: tuple[Stage, ...]) -> tuple[str, ...]:
    """The configured open stages, in order."""
    return tuple(s.name for s in stages if not s.closed)


def derive_facts(
    opportunities: pd.DataFrame, history: pd.DataFrame | None, stages: tuple[Stage, ...]
) -> DealFacts:
    """Derive the per-deal facts of a data set (see the module's definitions).

    Parameters
    ----------
    opportunities
        Needs ``opp_id``.
    history
        Needs ``snapshot_date, opp_id, stage, amount, close_date``; None: no history.
    stages
        The configured stages, in order (open stages give the stage index).

    Returns
    -------
    DealFacts

    Examples
    --------
    >>> facts = derive_facts(data.opportunities, data.history, data.stages)  # doctest: +SKIP
    >>> facts.history["pushes"].max()  # doctest: +SKIP
    """
    open_stages = open_stage_names(stages)
    n = len(opportunities)
    if history is None or history.empty:
        deals = pd.DataFrame(
            {"furthest_stage": np.full(n, -1, np.int8), "snapshots": np.zeros(n, np.int32)}
        )
        return DealFacts(None, deals, open_stages, in_date_order=True)
    codes, _ = deal_codes(history["opp_id"], opportunities["opp_id"])
    stage_code, stage_index = _stage_codes(history["stage"], open_stages)
    days = history["snapshot_date"].to_numpy(dtype="datetime64[D]")
    facts = _window_facts(history, codes, stage_code, stage_index, days)
    opp_row = np.where((codes >= 0) & (codes < n), codes, -1).astype(np.int32)
    facts.insert(0, "opp_row", opp_row)
    facts.insert(2, "stage_index", stage_index)
    return DealFacts(
        history=facts,
        deals=_deal_facts(opp_row, stage_index, n),
        open_stages=open_stages,
        in_date_order=bool((days[1:] >= days[:-1]).all()),
    )


def _stage_codes(stage: pd.Series, open_stages: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's stage as a code of its name (-1 blank) and as its open-stage index (-1)."""
    if isinstance(stage.dtype, pd.CategoricalDtype):
        codes, names = stage.cat.codes.to_numpy(), list(stage.cat.categories)
    else:
        codes, uniques = pd.factorize(stage)
        names = list(uniques)
    order = {name: i for i, name in enumerate(open_stages)}
    lookup = np.array([order.get(str(n), -1) for n in names] + [-1], dtype=np.int8)
    return codes.astype(np.int32), lookup[codes]  # code -1 (blank) takes the last entry


def _window_facts(
    history: pd.DataFrame,
    deal: np.ndarray,
    stage_code: np.ndarray,
    stage_index: np.ndarray,
    days: np.ndarray,
) -> pd.DataFrame:
    """Run :data:`HISTORY_FACTS_SQL` in DuckDB and put its rows back in history's order."""
    table = pa.table(
        {
            "row": np.arange(len(history), dtype=np.int64),
            "deal": deal.astype(np.int64),
            "snapshot_date": days,
            "stage_code": pa.array(stage_code, mask=stage_code < 0),
            "stage_index": pa.array(stage_index, mask=stage_index < 0),
            "amount": pa.array(history["amount"].to_numpy(dtype=float, na_value=np.nan)),
            "close_date": pa.array(history["close_date"].to_numpy(dtype="datetime64[D]")),
        }
    )
    con = duckdb.connect()
    try:
        con.execute("SET threads = 2")
        con.register("history", table)
        result = con.sql(HISTORY_FACTS_SQL).to_arrow_table()
    finally:
        con.close()
    row = result.column("row").to_numpy()
    n = len(history)

    def placed(name: str, dtype: type, missing: int) -> np.ndarray:
        values = result.column(name).to_pandas().fillna(missing).to_numpy(dtype=dtype)
        out = np.empty(n, dtype=dtype)
        out[row] = values
        return out

    in_stage = stage_index >= 0
    return pd.DataFrame(
        {
            "pushes": placed("pushes", np.int16, 0),
            "furthest_stage": placed("furthest_stage", np.int8, -1),
            "days_in_stage": np.where(in_stage, placed("days_in_run", np.int16, 0) + 7, -1).astype(
                np.int16
            ),
            "days_unchanged": placed("days_unchanged", np.int16, 0),
            "stage_run_end": placed("stage_run_end", np.bool_, 1),
        }
    )


def _deal_facts(opp_row: np.ndarray, stage_index: np.ndarray, n: int) -> pd.DataFrame:
    """Per opportunity: the furthest open stage of any of its snapshots, and how many there are."""
    known = opp_row >= 0
    furthest = np.full(n, -1, dtype=np.int8)
    np.maximum.at(furthest, opp_row[known], stage_index[known])
    snapshots = np.bincount(opp_row[known], minlength=n).astype(np.int32)
    return pd.DataFrame({"furthest_stage": furthest, "snapshots": snapshots})
