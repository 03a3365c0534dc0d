"""Checks of typed tables: keys, blanks, signs, business rules and cross-table references.

:func:`check` runs every check in a fixed order (the order of the problems
``salesops validate`` lists), one function per concern:

1. per table: no rows, blank and duplicate keys, blank required cells, negative money;
2. opportunities: owners missing from reps; previous owners (``previous_rep_id``) missing
   from reps, without a ``reassigned_date`` or the same as the owner; won but not closed, closed
   without a close date, won or open without an amount; no lost deal at all (win rates would
   read 100%); dates (close before created, as migrated records
   have: such closed deals' created dates are then left blank, see
   :func:`without_migration_dates`; open without an expected close; no created date); accounts (blank, missing from accounts); open deals
   with a close date already past; probabilities at odds with the stage;
3. history: a deal twice in one snapshot, snapshot rows of unknown deals, snapshot owners
   (``rep_id``) missing from reps;
4. quotas: period labels (normalised in place to ``2026Q3``), two quotas for one rep and
   period, reps missing from reps;
5. activities: reps missing from reps;
6. owner changes: changes of unknown deals or without a date, reps missing from reps, a
   deal's changes that do not follow on in date order;
7. enablement: completions of reps missing from reps, a rep completing one programme more
   than once (the first completion is used).
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import numpy as np
import pandas as pd

from salesops_lib import schema
from salesops_lib.data.coerce import to_date, to_text
from salesops_lib.data.presets import Stage
from salesops_lib.data.problems import problem
from salesops_lib.data.tables import first_ids
from salesops_lib.fast import deal_codes, duplicate_pairs, has_duplicates, isin
from salesops_lib.periods import FiscalCalendar

HistoryPairs = dict[str, Any]
"""The result of :func:`history_pairs`: ``orphan_rows``, ``repeats``, ``repeated_ids``, ``codes``."""


def check(
    typed: dict[str, pd.DataFrame],
    stages: tuple[Stage, ...],
    calendar: FiscalCalendar,
    problems: list[dict],
    *,
    keys_duplicated: dict[str, bool] | None = None,
    history_pairs: HistoryPairs | Future[HistoryPairs] | None = None,
    block_migrated: bool = False,
) -> None:
    """Run every per-table, business-rule and cross-table check, appending the problems.

    Parameters
    ----------
    typed
        The typed, normalised tables by canonical name; ``opportunities`` and ``reps`` are
        required. ``quotas["period"]`` is normalised in place (see :func:`_check_quotas`);
        ``typed["opportunities"]`` is replaced by :func:`without_migration_dates` of it.
    stages, calendar
        The data set's stages and fiscal calendar (unused by today's checks).
    problems
        Problems found are appended here, in the order of the module's list.
    keys_duplicated
        Table -> whether its key has duplicates, already computed while typing; tables
        missing here are computed.
    history_pairs
        :func:`history_pairs` of history, already computed, or a Future still running in
        another thread (awaited only when the history check comes, after the others), or
        None to compute it here.
    block_migrated
        Closed deals that close before they were created (records migrated from another
        CRM) are blocking errors instead of warnings (the config's
        ``data.migrated_records = "block"``).

    Returns
    -------
    None
    """
    keys_duplicated = keys_duplicated or {}
    opps = typed["opportunities"]
    reps = typed["reps"]
    for name, frame in typed.items():
        problems.extend(_check_table(schema.TABLES[name], frame, keys_duplicated.get(name)))
    problems.extend(_check_owners(opps, reps))
    problems.extend(_check_previous_owners(opps, reps))
    problems.extend(_check_outcomes(opps))
    problems.extend(_check_no_lost(opps))
    problems.extend(_check_dates(opps, block_migrated=block_migrated))
    opps = typed["opportunities"] = without_migration_dates(opps)
    problems.extend(_check_accounts(opps, typed.get("accounts")))
    problems.extend(_check_past_close_dates(opps, typed.get("history")))
    problems.extend(_check_probabilities(opps))
    hist = typed.get("history")
    if hist is not None and {"snapshot_date", "opp_id"} <= set(hist):
        problems.extend(_check_history(hist, opps, history_pairs))
        problems.extend(_check_snapshot_owners(hist, reps))
    quotas = typed.get("quotas")
    if quotas is not None and {"rep_id", "period"} <= set(quotas):
        problems.extend(_check_quotas(quotas, reps))
    acts = typed.get("activities")
    if acts is not None and "rep_id" in acts:
        problems.extend(_check_activities(acts, reps))
    changes = typed.get("owner_changes")
    if changes is not None and {"opp_id", "changed_date", "rep_id"} <= set(changes):
        problems.extend(_check_owner_changes(changes, opps, reps))
    enablement = typed.get("enablement")
    if enablement is not None and {"rep_id", "program"} <= set(enablement):
        problems.extend(_check_enablement(enablement, reps))


def _check_table(table: schema.Table, frame: pd.DataFrame, duplicated: bool | None) -> list[dict]:
    """No rows; else blank and duplicate keys, blank required cells, negative money."""
    if frame.empty:
        return [problem("error", table.name, "", [], "the table has no rows")]
    out = _check_key(table, frame, duplicated) if table.key and table.key in frame else []
    for col in table.columns:
        if col.name in frame and not col.nullable and col.name != table.key:
            blank = frame[col.name].isna()
            if blank.any():
                out.append(
                    problem(
                        "error",
                        table.name,
                        col.name,
                        first_ids(frame, table.key or col.name, blank),
                        f"{int(blank.sum()):,} blank cell(s); this column must be filled",
                    )
                )
    for col in table.columns:
        if col.kind == "money" and col.name in frame:
            neg = frame[col.name] < 0
            if neg.any():
                out.append(
                    problem(
                        "error",
                        table.name,
                        col.name,
                        first_ids(frame, table.key or col.name, neg),
                        f"{int(neg.sum()):,} negative amount(s); amounts must be zero or more",
                    )
                )
    return out


def _check_key(table: schema.Table, frame: pd.DataFrame, duplicated: bool | None) -> list[dict]:
    """Blank keys (named by row) and duplicate keys; ``duplicated`` None: find out here."""
    assert table.key is not None
    out = []
    ids = frame[table.key]
    blank = ids.isna()
    if blank.any():
        out.append(
            problem(
                "error",
                table.name,
                table.key,
                [f"row {i + 2}" for i in np.flatnonzero(blank.to_numpy())[:5]],
                f"{int(blank.sum()):,} row(s) with a blank {table.key}",
            )
        )
    dup = (
        ids.duplicated(keep=False) & ~blank
        if (has_duplicates(ids) if duplicated is None else duplicated)
        else pd.Series(False, index=ids.index)
    )
    if dup.any():
        out.append(
            problem(
                "error",
                table.name,
                table.key,
                ids[dup].drop_duplicates(),
                f"{int(ids[dup].nunique()):,} duplicate {table.key} value(s); each must be unique",
            )
        )
    return out


def _check_owners(opps: pd.DataFrame, reps: pd.DataFrame) -> list[dict]:
    """Deals owned by reps missing from the reps table (blocking)."""
    if "rep_id" not in opps or "rep_id" not in reps:
        return []
    unknown = opps["rep_id"].notna() & ~isin(opps["rep_id"], reps["rep_id"])
    if not unknown.any():
        return []
    missing = opps.loc[unknown, "rep_id"].drop_duplicates()
    return [
        problem(
            "error",
            "opportunities",
            "rep_id",
            missing,
            f"{int(unknown.sum()):,} deal(s) owned by {len(missing):,} rep(s) missing from the reps table; add them to reps",
        )
    ]


def _check_previous_owners(opps: pd.DataFrame, reps: pd.DataFrame) -> list[dict]:
    """Previous owners missing from reps, without a reassigned date, or the owner (warnings).

    The owner of a deal on a date before its ``reassigned_date`` is its ``previous_rep_id``
    (see :func:`salesops_lib.timeline.owners_on`); without the date the previous owner is not
    used.
    """
    if "previous_rep_id" not in opps or not opps["previous_rep_id"].notna().any():
        return []
    prev = opps["previous_rep_id"]
    given = prev.notna()
    rules = []
    if "rep_id" in reps:
        rules.append(
            (
                "warning",
                "previous_rep_id",
                given & ~isin(prev, reps["rep_id"]),
                "deal(s) whose previous owner is missing from the reps table (shown by id)",
            )
        )
    if "reassigned_date" in opps:
        rules.append(
            (
                "warning",
                "reassigned_date",
                given & opps["reassigned_date"].isna(),
                "deal(s) with a previous owner but no reassigned date: when the owner changed "
                "is unknown, so the previous owner is not used; add reassigned_date",
            )
        )
    if "rep_id" in opps:
        rules.append(
            (
                "warning",
                "previous_rep_id",
                given & (prev == opps["rep_id"]).fillna(False).astype(bool),
                "deal(s) whose previous owner is the current owner",
            )
        )
    return _deal_problems(opps, rules)


def _check_snapshot_owners(hist: pd.DataFrame, reps: pd.DataFrame) -> list[dict]:
    """Snapshot owners (history's ``rep_id``) missing from the reps table (a warning)."""
    if "rep_id" not in hist or "rep_id" not in reps:
        return []
    owners = hist["rep_id"]
    names = owners.cat.categories if isinstance(owners.dtype, pd.CategoricalDtype) else None
    values = pd.Series(names if names is not None else owners.dropna().unique(), dtype="str")
    missing = values[~isin(values, reps["rep_id"])]
    if missing.empty:
        return []
    rows = int(owners.isin(missing.tolist()).sum())
    return [
        problem(
            "warning",
            "history",
            "rep_id",
            missing,
            f"{rows:,} snapshot row(s) naming {len(missing):,} owner(s) missing from the reps "
            "table (shown by id)",
        )
    ]


def _check_outcomes(opps: pd.DataFrame) -> list[dict]:
    """Won but not closed, closed without a close date, won or open without an amount."""
    if not {"is_won", "is_closed"} <= set(opps):
        return []
    closed = opps["is_closed"].fillna(False).astype(bool)
    won = opps["is_won"].fillna(False).astype(bool)
    rules = [("error", "is_won", won & ~closed, "deal(s) won but not closed")]
    if "close_date" in opps:
        rules.append(
            (
                "error",
                "close_date",
                closed & opps["close_date"].isna(),
                "closed deal(s) without a close date",
            )
        )
    if "amount" in opps:
        no_amount = opps["amount"].isna()
        rules.append(("error", "amount", won & no_amount, "won deal(s) without an amount"))
        rules.append(
            (
                "warning",
                "amount",
                ~closed & no_amount,
                "open deal(s) without an amount (counted as 0 in pipeline)",
            )
        )
    return _deal_problems(opps, rules)


def _check_no_lost(opps: pd.DataFrame) -> list[dict]:
    """Closed deals of which none is lost (an order history): win rates would read 100%."""
    if not {"is_won", "is_closed"} <= set(opps):
        return []
    closed = opps["is_closed"].fillna(False).to_numpy(dtype=bool)
    won = opps["is_won"].fillna(False).to_numpy(dtype=bool)
    if not closed.any() or (closed & ~won).any():
        return []
    return [
        problem(
            "warning",
            "opportunities",
            "is_won",
            [],
            f"no deal in the data is lost ({int(closed.sum()):,} closed, all won): every win "
            "rate reads 100% because lost deals are missing (an order history holds only "
            "orders), not because every deal was won; add the lost deals to measure winning",
        )
    ]


def _check_dates(opps: pd.DataFrame, *, block_migrated: bool = False) -> list[dict]:
    """Close before created; open without an expected close; no created date (warnings;
    the first blocking with ``block_migrated``)."""
    if not {"created_date", "close_date"} <= set(opps):
        return []
    open_ = ~opps["is_closed"].fillna(False).astype(bool)
    before = opps["close_date"] < opps["created_date"]
    migrated = (
        (
            "error",
            "created_date",
            before & ~open_,
            "closed deal(s) close before they were created (data.migrated_records = "
            '"block" in the config makes this blocking; remove it to keep them as warnings)',
        )
        if block_migrated
        else (
            "warning",
            "created_date",
            before & ~open_,
            "closed deal(s) close before they were created, as records migrated from another "
            "CRM do (their created date is the migration's): the created date is left out "
            "(cycle times, pipeline created)",
        )
    )
    rules = [
        migrated,
        (
            "warning",
            "close_date",
            before & open_,
            "open deal(s) expected to close before they were created (counted as past due)",
        ),
        (
            "warning",
            "close_date",
            opps["close_date"].isna() & open_,
            "open deal(s) without an expected close date (left out of quarter pipeline)",
        ),
        (
            "warning",
            "created_date",
            opps["created_date"].isna(),
            "deal(s) without a created date (left out of cycle times and pipeline created)",
        ),
    ]
    return _deal_problems(opps, rules)


def without_migration_dates(opps: pd.DataFrame) -> pd.DataFrame:
    """Opportunities with the created date of closed deals that close before it left blank.

    Such a created date is the day the record was migrated from another CRM (Salesforce
    sets ``CreatedDate`` on insert), not the day the deal began: kept, it would give negative
    cycle times and count every migrated deal as pipeline created on that day.

    Parameters
    ----------
    opps
        Typed opportunities with ``created_date``, ``close_date`` and ``is_closed``; not
        changed.

    Returns
    -------
    pandas.DataFrame
        ``opps`` itself when no deal is affected, else a shallow copy.

    Examples
    --------
    >>> opps = pd.DataFrame(
    ...     {"created_date": pd.to_datetime(["2024-10-01", "2024-10-01"]),
    ...      "close_date": pd.to_datetime(["2024-08-15", "2024-09-15"]),
    ...      "is_closed": [True, False]}
    ... )
    >>> without_migration_dates(opps)["created_date"].tolist()
    [NaT, Timestamp('2024-10-01 00:00:00')]
    """
    if not {"created_date", "close_date", "is_closed"} <= set(opps):
        return opps
    closed = opps["is_closed"].fillna(False).to_numpy(dtype=bool)
    migrated = closed & (opps["close_date"] < opps["created_date"]).to_numpy(dtype=bool)
    if not migrated.any():
        return opps
    out = opps.copy(deep=False)
    out["created_date"] = opps["created_date"].mask(migrated)
    return out


def _deal_problems(opps: pd.DataFrame, rules: list[tuple[str, str, pd.Series, str]]) -> list[dict]:
    """A problem for each (severity, column, offending deals, what) rule that any deal breaks:
    the message is the count of deals, then ``what``."""
    return [
        problem(sev, "opportunities", col, opps.loc[bad, "opp_id"], f"{int(bad.sum()):,} {what}")
        for sev, col, bad, what in rules
        if bad.any()
    ]


def _check_accounts(opps: pd.DataFrame, accts: pd.DataFrame | None) -> list[dict]:
    """Deals with a blank account, and deals of accounts missing from accounts (warnings)."""
    if "account_id" not in opps:
        return []
    blank = opps["account_id"].isna()
    rules = [("warning", "account_id", blank, "deal(s) with a blank account")]
    if accts is not None and "account_id" in accts:
        orphan = ~blank & ~isin(opps["account_id"], accts["account_id"])
        rules.append(
            (
                "warning",
                "account_id",
                orphan,
                "deal(s) of accounts missing from the accounts table",
            )
        )
    return _deal_problems(opps, rules)


def _check_past_close_dates(opps: pd.DataFrame, hist: pd.DataFrame | None) -> list[dict]:
    """Open deals whose expected close is before the data's last date (a warning).

    The last date is the latest of the last created date, the last snapshot and the last
    close of a closed deal.
    """
    if not {"is_closed", "close_date"} <= set(opps) or opps.empty:
        return []
    cands = [opps["created_date"].max()]
    if hist is not None and "snapshot_date" in hist and len(hist):
        cands.append(hist["snapshot_date"].max())
    closed = opps["is_closed"].fillna(False).astype(bool)
    cands.append(opps.loc[closed, "close_date"].max())
    cands = [c for c in cands if pd.notna(c)]
    if not cands:
        return []
    last = max(cands)
    past = ~closed & (opps["close_date"] < last)
    what = (
        "open deal(s) with a close date already past "
        f"({pd.Timestamp(last).date()} is the data's last date)"
    )
    return _deal_problems(opps, [("warning", "close_date", past, what)])


def _check_probabilities(opps: pd.DataFrame) -> list[dict]:
    """Probabilities at odds with the stage: won below 1, lost above 0, open at 0 or 1."""
    if "probability" not in opps or not {"is_closed", "is_won"} <= set(opps):
        return []
    p = opps["probability"]
    closed = opps["is_closed"].fillna(False).astype(bool)
    won = opps["is_won"].fillna(False).astype(bool)
    odd = p.notna() & (
        (won & (p < 1))
        | (closed & ~won & (p > 0))
        | (~closed & ((p <= 0) | (p >= 1)))
        | (p < 0)
        | (p > 1)
    )
    what = (
        "deal(s) whose probability is at odds with the stage "
        "(won below 100%, lost above 0%, open at 0% or 100%)"
    )
    return _deal_problems(opps, [("warning", "probability", odd, what)])


def _check_history(
    hist: pd.DataFrame,
    opps: pd.DataFrame,
    pairs: HistoryPairs | Future[HistoryPairs] | None,
) -> list[dict]:
    """A deal twice in one snapshot (blocking); snapshot rows of unknown deals (warning)."""
    given = pairs.result() if isinstance(pairs, Future) else pairs
    found = given or history_pairs(hist, opps["opp_id"])
    out = []
    if found["repeats"]:
        out.append(
            problem(
                "error",
                "history",
                "opp_id",
                found["repeated_ids"],
                f"{found['repeats']:,} deal(s) appear twice in the same snapshot",
            )
        )
    orphan = pd.Series(found["orphan_rows"], index=hist.index)
    if orphan.any():
        out.append(
            problem(
                "warning",
                "history",
                "opp_id",
                hist.loc[orphan, "opp_id"].drop_duplicates(),
                f"{int(orphan.sum()):,} snapshot row(s) of deals missing from opportunities",
            )
        )
    return out


def _check_quotas(quotas: pd.DataFrame, reps: pd.DataFrame) -> list[dict]:
    """Period labels, two quotas for one rep and period, quotas of unknown reps.

    ``quotas["period"]`` is rewritten in place as normalised labels (``2026 q3`` ->
    ``2026Q3``) after the label check, so the duplicate check and the analyses see one
    spelling. ``quotas`` is the loader's own typed table.
    """
    labels = (
        quotas["period"].astype("str").str.strip().str.upper().str.replace(r"[\s-]", "", regex=True)
    )
    ok = labels.str.fullmatch(r"\d{4}Q[1-4]")
    out = []
    if (~ok).any():
        out.append(
            problem(
                "error",
                "quotas",
                "period",
                quotas.loc[~ok, "period"],
                "period must be a fiscal quarter label like 2026Q3",
            )
        )
    quotas["period"] = labels
    dup = quotas.duplicated(["rep_id", "period"])
    if dup.any():
        out.append(
            problem(
                "error",
                "quotas",
                "rep_id",
                quotas.loc[dup, "rep_id"],
                f"{int(dup.sum()):,} rep(s) with two quotas for the same period",
            )
        )
    unknown = ~isin(quotas["rep_id"], reps["rep_id"])
    if unknown.any():
        out.append(
            problem(
                "warning",
                "quotas",
                "rep_id",
                quotas.loc[unknown, "rep_id"],
                f"{int(unknown.sum()):,} quota row(s) of reps missing from the reps table",
            )
        )
    return out


def _check_activities(acts: pd.DataFrame, reps: pd.DataFrame) -> list[dict]:
    """Activities of reps missing from the reps table (a warning)."""
    return _rows_of_unknown_reps(acts, reps, "activities", "activities")


def _rows_of_unknown_reps(
    frame: pd.DataFrame, reps: pd.DataFrame, table: str, rows: str, then: str = ""
) -> list[dict]:
    """A warning naming the reps of ``frame``'s rows missing from the reps table, if any:
    "<n> <rows> of reps missing from the reps table<then>"."""
    unknown = ~isin(frame["rep_id"], reps["rep_id"])
    if not unknown.any():
        return []
    return [
        problem(
            "warning",
            table,
            "rep_id",
            frame.loc[unknown, "rep_id"].drop_duplicates(),
            f"{int(unknown.sum()):,} {rows} of reps missing from the reps table{then}",
        )
    ]


def _check_enablement(enablement: pd.DataFrame, reps: pd.DataFrame) -> list[dict]:
    """Completions of reps missing from reps, and repeated completions (warnings)."""
    out = _rows_of_unknown_reps(enablement, reps, "enablement", "completions", " (not used)")
    repeated = enablement.duplicated(["rep_id", "program"]) & enablement["rep_id"].notna()
    if repeated.any():
        out.append(
            problem(
                "warning",
                "enablement",
                "rep_id",
                enablement.loc[repeated, "rep_id"].drop_duplicates(),
                f"{int(repeated.sum()):,} repeated completions of a programme by the same rep "
                "(the first completion is used)",
            )
        )
    return out


def _check_owner_changes(
    changes: pd.DataFrame, opps: pd.DataFrame, reps: pd.DataFrame
) -> list[dict]:
    """Owner changes of unknown deals or without a date, of unknown reps, or out of order.

    A deal's changes in date order follow on when each change's previous owner is the owner
    the change before gave; otherwise a date is wrong or a change is missing, and the owner
    between the two is the later change's previous owner (:func:`salesops_lib.timeline.owners_on`).
    """
    unknown = changes["opp_id"].isna() | ~isin(changes["opp_id"], opps["opp_id"])
    undated = changes["changed_date"].isna()
    prev = (
        changes["previous_rep_id"]
        if "previous_rep_id" in changes
        else pd.Series(pd.NA, index=changes.index, dtype="str")
    )
    named = pd.concat([prev, changes["rep_id"]]).dropna()
    missing = named[~isin(named, reps["rep_id"])].drop_duplicates()
    used = changes[~unknown & ~undated].assign(previous_rep_id=prev)
    used = used.sort_values(["opp_id", "changed_date"], kind="stable")
    before = used["rep_id"].shift()
    same_deal = used["opp_id"].eq(used["opp_id"].shift()).to_numpy(dtype=bool)
    broken = same_deal & ~used["previous_rep_id"].eq(before).fillna(False).to_numpy(dtype=bool)
    rules = [
        (unknown, changes["opp_id"].fillna(""), "owner change(s) of deals missing from the "
         "opportunities table (or without a deal id): not used"),
        (undated, changes["opp_id"], "owner change(s) without a date: not used"),
    ]  # fmt: skip
    out = [
        problem("warning", "owner_changes", "opp_id", ids[bad].drop_duplicates(),
                f"{int(bad.sum()):,} {what}")
        for bad, ids, what in rules
        if bad.any()
    ]  # fmt: skip
    if len(missing):
        out.append(
            problem(
                "warning",
                "owner_changes",
                "rep_id",
                missing,
                f"{len(missing):,} rep(s) named in owner changes missing from the reps table "
                "(shown by id)",
            )
        )
    if broken.any():
        deals = used.loc[broken, "opp_id"].drop_duplicates()
        out.append(
            problem(
                "warning",
                "owner_changes",
                "changed_date",
                deals,
                f"{len(deals):,} deal(s) whose owner changes do not follow on in date order "
                "(a change's previous owner is not the owner the change before gave): a date "
                "is wrong or a change is missing; between the two, the later change's previous "
                "owner counts",
            )
        )
    return out


def history_pairs_raw(
    snapshot_date: pd.Series, opp_id: pd.Series, opp_ids: pd.Series, *, whole_days: bool
) -> HistoryPairs:
    """:func:`history_pairs` on the raw (mapped, untyped) columns of history and opportunities.

    The columns are typed here the way loading types them, so the check can start in a
    thread of its own before the tables are typed.

    Parameters
    ----------
    snapshot_date, opp_id
        History's raw ``snapshot_date`` and ``opp_id``.
    opp_ids
        Opportunities' raw ``opp_id``.
    whole_days
        ``snapshot_date`` was read from a date type (no time of day to drop).

    Returns
    -------
    dict
        As :func:`history_pairs`.
    """
    dates, _ = to_date(snapshot_date, whole_days=whole_days)  # times of day dropped
    return history_pairs(
        pd.DataFrame({"snapshot_date": dates, "opp_id": to_text(opp_id)}), to_text(opp_ids)
    )


def history_pairs(hist: pd.DataFrame, opp_ids: pd.Series) -> HistoryPairs:
    """Snapshot rows of deals missing from opportunities, and (date, deal) pairs given twice.

    Each row's deal is looked up once (:func:`salesops_lib.fast.deal_codes`); deals missing
    from ``opp_ids`` get codes after them and blanks one code of their own, so one integer
    sort finds the repeats.

    Parameters
    ----------
    hist
        History with typed ``snapshot_date`` and ``opp_id``.
    opp_ids
        Opportunities' ``opp_id``.

    Returns
    -------
    dict
        ``orphan_rows``: boolean array, the rows whose deal is blank or not in
        ``opp_ids``; ``repeats``: how many deals appear twice in one snapshot;
        ``repeated_ids``: the first of those deals (``"(blank)"`` for a blank id);
        ``codes``: each row's deal code (:func:`salesops_lib.fast.deal_codes`, as ``int32``),
        which the load hands on to the per-deal facts so that they need not look the ids
        up again.

    Examples
    --------
    >>> hist = pd.DataFrame(
    ...     {"snapshot_date": pd.to_datetime(["2026-01-01"] * 3), "opp_id": ["o1", "o1", "o9"]}
    ... )
    >>> found = history_pairs(hist, pd.Series(["o1", "o2"]))
    >>> found["orphan_rows"].tolist(), found["repeats"], found["repeated_ids"]
    ([False, False, True], 1, ['o1'])
    """
    codes, ids = deal_codes(hist["opp_id"], opp_ids)
    orphan_rows = codes >= len(opp_ids)
    orphan_rows |= codes < 0  # a blank id is in no table either
    blank = len(ids)
    repeats, repeated = duplicate_pairs(hist["snapshot_date"], np.where(codes < 0, blank, codes))

    def name(code: int) -> str:
        return str(ids[code]) if code < blank else "(blank)"

    return {
        "orphan_rows": orphan_rows,
        "repeats": repeats,
        "repeated_ids": [name(int(c)) for c in repeated],
        "codes": codes.astype(np.int32) if len(ids) < np.iinfo(np.int32).max else codes,
    }
