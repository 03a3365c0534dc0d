"""Column-mapping presets for CRM exports.

A preset tells the loader, for one CRM product, which file holds which canonical table,
which export column feeds which canonical column (first label present wins; one export
column may feed several canonical columns), the product's stages in order with their
closed/won meaning, and any repair the export needs (:mod:`salesops_lib.presets.maven_crm`).
Users add their own mapping in ``salesops.toml`` instead of editing an export by hand.

The ``salesforce`` and ``hubspot`` presets keep what a deal table shows: the deal's name
(``opp_name``), its account's name (an accounts table is derived from ``Account.Name`` or
``Associated Company`` when no accounts export comes along, :func:`derive_accounts`), stage,
close date, forecast category and probability. Salesforce's User export becomes the reps
table with managers named, the users who own no deal left out (:func:`salesforce_users`)
and inactive users given an end date (:func:`inactive_users_left`).

Owner history: Salesforce's OpportunityFieldHistory (the ``Owner`` rows) becomes the
``owner_changes`` table, every change (:func:`owner_changes_from_field_history`); each deal's
last change gives ``previous_rep_id`` and ``reassigned_date`` (:func:`with_last_owner_change`),
as does a "Previous Owner" / last-reassigned column of the Opportunity export; HubSpot's
"Owner assigned date" counts as a reassignment only when later than the deal's creation or
beside a "Previous owner" (:func:`assigned_after_created`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from salesops_lib.errors import ConfigError

SOURCE_LABELS = "source_labels"
"""``attrs`` key of a mapped table: its unmapped columns' snake_case names -> the export's labels."""
CHANGE_LOG = "change_log"
"""``attrs`` key of a history table a preset's repair built as a change log (True), whatever
the preset's or the config's ``history`` says of history files."""


@dataclass(frozen=True)
class Stage:
    """A sales stage in the configured order.

    Parameters
    ----------
    name
        Stage label as the CRM shows it.
    closed, won
        What reaching the stage means.
    probability
        Default chance to win in this stage (0-1), when known.
    """

    name: str
    closed: bool = False
    won: bool = False
    probability: float | None = None


Transform = Callable[[dict[str, pd.DataFrame]], tuple[dict[str, pd.DataFrame], list[dict]]]


@dataclass(frozen=True)
class Preset:
    """How one CRM product's export maps onto the canonical tables.

    Parameters
    ----------
    name
        The name ``load_dataset(preset=...)`` takes.
    files
        Canonical table -> the file stems (lower case, no suffix) that may hold it, in order.
    columns
        Canonical table -> canonical column -> the export's labels for it, first present wins.
    stages
        The product's default stages in order, with their closed/won meaning.
    probability_percent
        The export writes probabilities as percentages (True), fractions (False), or
        either (None: percentages if any value exceeds 1).
    transform
        A repair run on the mapped tables: takes and returns the tables by name, plus
        warnings (dicts with ``table, column, ids, message``).
    description
        One line on what the preset reads.
    history
        What the export's history table holds: ``"snapshots"`` (each open deal on each
        snapshot date) or ``"changes"`` (one row per change to a deal, as Salesforce's
        OpportunityHistory; see :mod:`salesops_lib.data.changelog`).
    """

    name: str
    files: dict[str, tuple[str, ...]] = field(default_factory=dict)
    columns: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    stages: tuple[Stage, ...] = ()
    probability_percent: bool | None = None
    transform: Transform | None = None
    description: str = ""
    history: str = "snapshots"


def derive_accounts(opps: pd.DataFrame) -> pd.DataFrame | None:
    """An accounts table from the account columns of mapped opportunities.

    Exports of deals name each deal's account (Salesforce's ``Account.Name``, HubSpot's
    ``Associated Company``) even when no accounts export comes with them; this keeps those
    names for every deal table, as the reps table is derived from the deals' owners.

    Parameters
    ----------
    opps
        Mapped opportunities with ``account_id`` and ``account_name`` (raw text).

    Returns
    -------
    pandas.DataFrame or None
        ``account_id, account_name``: one row per account id (trimmed), the first non-blank
        name of its deals (the id itself when none has a name); None without both columns.

    Examples
    --------
    >>> opps = pd.DataFrame({"account_id": ["a1", " a1", "a2", None],
    ...                      "account_name": [None, "Globex, Inc.", None, "Lost"]})
    >>> derive_accounts(opps).values.tolist()
    [['a1', 'Globex, Inc.'], ['a2', 'a2']]
    """
    if not {"account_id", "account_name"} <= set(opps.columns):
        return None
    from salesops_lib.data.coerce import to_text

    both = pd.DataFrame(
        {"account_id": to_text(opps["account_id"]), "account_name": to_text(opps["account_name"])}
    ).dropna(subset=["account_id"])
    named = both.dropna(subset=["account_name"]).drop_duplicates("account_id")
    ids = both["account_id"].drop_duplicates()
    names = ids.map(dict(zip(named["account_id"], named["account_name"], strict=True)))
    return pd.DataFrame(
        {"account_id": ids.to_numpy(), "account_name": names.fillna(ids).to_numpy()}
    )


def _with_accounts(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``tables`` with an accounts table derived from the deals when there is none."""
    opps = tables.get("opportunities")
    if "accounts" in tables or opps is None:
        return tables
    accounts = derive_accounts(opps)
    return tables if accounts is None or accounts.empty else {**tables, "accounts": accounts}


def salesforce_users(
    users: pd.DataFrame, opps: pd.DataFrame | None, owner_changes: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, list[dict]]:
    """Salesforce's User export as reps: manager ids named, users who own no deal left out.

    A User export lists everyone with a login: managers, admins, integration users. Only
    deal owners are reps (a deal's previous owner too, ``previous_rep_id``, and everyone an
    owner change names: a leaver whose deals were all handed on); the others are named in a warning (a rep hired too recently
    to own a deal is among them). ``ManagerId`` holds another user's id: it becomes that
    user's name.

    Parameters
    ----------
    users
        The mapped User export (``rep_id``, ``rep_name``, ``manager``, ... as raw text).
    opps
        Mapped opportunities (``rep_id``), or None.
    owner_changes
        The ``owner_changes`` table (``previous_rep_id, rep_id``), or None.

    Returns
    -------
    reps : pandas.DataFrame
        A new frame; when no user owns a deal (the deals name their owners otherwise), every
        user is kept and the loader reports the owners it cannot find.
    warnings : list of dict
        ``table, column, ids, message``.

    Examples
    --------
    >>> users = pd.DataFrame({"rep_id": ["u1", "u2", "u3"], "rep_name": ["Ann", "Bo", "Bot"],
    ...                       "manager": ["u2", None, None]})
    >>> reps, warns = salesforce_users(users, pd.DataFrame({"rep_id": ["u1", "u1"]}))
    >>> reps[["rep_id", "manager"]].values.tolist(), warns[0]["ids"]
    ([['u1', 'Bo']], 'Bo, Bot')
    """
    from salesops_lib.data.coerce import to_text

    if "rep_id" not in users.columns:
        return users, []
    reps = users.copy()
    ids = to_text(reps["rep_id"])
    names = to_text(reps["rep_name"]) if "rep_name" in reps.columns else ids
    if "manager" in reps.columns:
        by_id = dict(zip(ids, names.fillna(ids), strict=True))
        manager = to_text(reps["manager"])
        reps["manager"] = manager.map(lambda m: by_id.get(m, m) if isinstance(m, str) else m)
    if opps is None or "rep_id" not in opps.columns:
        return reps, []
    owners = set(to_text(opps["rep_id"]).dropna())
    if "previous_rep_id" in opps.columns:  # a leaver whose deals were all handed on is a rep
        owners |= set(to_text(opps["previous_rep_id"]).dropna())
    for col in ("previous_rep_id", "rep_id"):
        if owner_changes is not None and col in owner_changes.columns:
            owners |= set(to_text(owner_changes[col]).dropna())
    owns = ids.isin(owners).to_numpy()
    if not owns.any() or owns.all():
        return reps, []
    left = names.fillna(ids)[~owns]
    message = (
        f"{int((~owns).sum()):,} user(s) {'owns' if (~owns).sum() == 1 else 'own'} no "
        "opportunity and are not counted as reps "
        "(managers, admins, integration users, or reps too new to own a deal)"
    )
    return reps[owns].reset_index(drop=True), [
        {"table": "reps", "column": "rep_id", "ids": ", ".join(left.head(5)), "message": message}
    ]


def inactive_users_left(
    reps: pd.DataFrame, opps: pd.DataFrame | None, owner_changes: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, list[dict]]:
    """Reps whose user is inactive (``IsActive`` false) get their last deal's day as end date.

    Salesforce deactivates the user of a rep who left but records no leaving date; without
    one the rep counts as in seat (a quota letter, a place in the ramp and capacity
    figures). The latest created date of the rep's deals, close date of their closed ones,
    or last day they held a deal handed on from them (the day before its ``reassigned_date``,
    where ``previous_rep_id`` is theirs, or of any owner change from them) is the last day the export shows them: their end
    date, with a warning saying so. An end date already given is kept.

    Parameters
    ----------
    reps
        Mapped reps with ``rep_id`` and the export's ``isactive`` (or ``active``) column.
    opps
        Mapped opportunities with ``rep_id``, ``created_date``, ``close_date`` and
        ``is_closed`` (raw); ``previous_rep_id`` and ``reassigned_date`` when known.
    owner_changes
        The ``owner_changes`` table (``changed_date, previous_rep_id``; raw), or None.

    Returns
    -------
    reps : pandas.DataFrame
        A new frame with ``end_date`` filled for inactive reps (``reps`` itself when none).
    warnings : list of dict

    Examples
    --------
    >>> reps = pd.DataFrame({"rep_id": ["u1", "u2"], "isactive": ["false", "true"]})
    >>> opps = pd.DataFrame({"rep_id": ["u1", "u1", "u2"],
    ...                      "created_date": ["2025-01-05", "2025-03-01", "2025-02-01"],
    ...                      "close_date": ["2025-06-30", "2025-09-30", "2025-03-01"],
    ...                      "is_closed": ["true", "false", "true"]})
    >>> reps, warns = inactive_users_left(reps, opps)
    >>> reps["end_date"].tolist(), warns[0]["ids"]
    ([Timestamp('2025-06-30 00:00:00'), NaT], 'u1')
    """
    from salesops_lib.data.coerce import to_bool, to_date, to_text

    flag = next((c for c in ("isactive", "active") if c in reps.columns), None)
    if flag is None or opps is None or "rep_id" not in opps.columns:
        return reps, []
    active, _ = to_bool(reps[flag])
    inactive = (~active.fillna(True)).to_numpy(dtype=bool)
    if "end_date" in reps.columns:
        inactive &= reps["end_date"].isna().to_numpy()
    if not inactive.any():  # nobody left: the export can tell, so end_date is there, blank
        return (reps if "end_date" in reps.columns else reps.assign(end_date=pd.NaT)), []
    days = [to_date(opps["created_date"])[0]] if "created_date" in opps.columns else []
    if {"close_date", "is_closed"} <= set(opps.columns):  # an open deal's close is a plan
        closed, _ = to_bool(opps["is_closed"])
        days.append(to_date(opps["close_date"])[0].where(closed.fillna(False).to_numpy()))
    if not days:
        return reps, []
    last = pd.concat(days, axis=1).max(axis=1).groupby(to_text(opps["rep_id"])).max()
    if {"previous_rep_id", "reassigned_date"} <= set(opps.columns):
        # the day before a deal was handed on from them: a leaver may own no deal any more
        day_before = to_date(opps["reassigned_date"])[0] - pd.Timedelta(days=1)
        handed = day_before.groupby(to_text(opps["previous_rep_id"]))
        last = pd.concat([last, handed.max()], axis=1).max(axis=1)
    if owner_changes is not None and {"changed_date", "previous_rep_id"} <= set(
        owner_changes.columns
    ):
        day_before = to_date(owner_changes["changed_date"])[0] - pd.Timedelta(days=1)
        handed = day_before.groupby(to_text(owner_changes["previous_rep_id"]))
        last = pd.concat([last, handed.max()], axis=1).max(axis=1)
    ids = to_text(reps["rep_id"])
    out = reps.copy()
    given = out["end_date"] if "end_date" in out.columns else pd.Series(pd.NaT, index=out.index)
    filled = ids.map(last).where(inactive)
    out["end_date"] = given.where(~inactive, filled)
    who = to_text(reps["rep_name"]) if "rep_name" in reps.columns else ids
    message = (
        f"{int(inactive.sum()):,} inactive user(s) {'has' if inactive.sum() == 1 else 'have'} "
        "no leaving date in the export: the last "
        "day of their deals is used as their end date (add their leaving dates to the reps file)"
    )
    return out, [
        {
            "table": "reps",
            "column": "end_date",
            "ids": ", ".join(who.fillna(ids)[inactive].head(5)),
            "message": message,
        }  # fmt: skip
    ]


OWNER_FIELDS = ("owner", "ownerid")
"""The ``Field`` values of an owner change in Salesforce's OpportunityFieldHistory."""


def owner_changes_from_field_history(
    changes: pd.DataFrame, reps: pd.DataFrame | None
) -> pd.DataFrame:
    """Every owner change in Salesforce's OpportunityFieldHistory, as the ``owner_changes`` table.

    The field history logs an owner change twice: once with the users' ids (``DataType``
    ``EntityId``) and once with their names (``Text``). The id row is used; a name row only
    where its change has no id row, its names turned into ids through the reps table. Rows
    of other fields (Amount, StageName, ...) are left out.

    Parameters
    ----------
    changes
        The mapped field history: ``opp_id, changed_date, field, old_value, new_value`` and
        ``data_type`` when exported (raw text).
    reps
        Mapped reps (``rep_id``, ``rep_name``) to turn names into ids, or None.

    Returns
    -------
    pandas.DataFrame
        ``opp_id, changed_date`` (the day, as text ``YYYY-MM-DD``), ``previous_rep_id``,
        ``rep_id``: one row per change, by deal and then in the order they happened (the
        time of day orders two changes of one day).

    Examples
    --------
    >>> log = pd.DataFrame({"opp_id": ["o1", "o1", "o1", "o1"],
    ...     "changed_date": ["2025-07-01T09:14:22.000Z"] * 2 + ["2025-03-02T10:00:00.000Z"] * 2,
    ...     "field": ["Owner", "Owner", "Owner", "Amount"],
    ...     "data_type": ["EntityId", "Text", "Text", "Currency"],
    ...     "old_value": ["005B", "Ann", "Ben", "100"], "new_value": ["005C", "Cy", "Ann", "200"]})
    >>> reps = pd.DataFrame({"rep_id": ["005A", "005B"], "rep_name": ["Ben", "Ann"]})
    >>> owner_changes_from_field_history(log, reps).values.tolist()
    [['o1', '2025-03-02', '005A', '005B'], ['o1', '2025-07-01', '005B', '005C']]
    """
    from salesops_lib.data.coerce import to_date, to_text

    cols = ["opp_id", "changed_date", "previous_rep_id", "rep_id"]
    need = {"opp_id", "changed_date", "field", "old_value", "new_value"}
    if not need <= set(changes.columns):
        return pd.DataFrame(columns=cols)
    field_name = to_text(changes["field"]).str.lower()
    log = changes[field_name.isin(OWNER_FIELDS).to_numpy()]
    kind = (
        to_text(log["data_type"]).str.lower()
        if "data_type" in log.columns
        else pd.Series("", index=log.index)
    )
    text = to_text(log["changed_date"])
    out = pd.DataFrame(
        {
            "opp_id": to_text(log["opp_id"]),
            "when": to_date(log["changed_date"])[0],
            # the time of day orders two changes of one day and pairs a change's two rows
            "stamp": pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601"),
            "previous_rep_id": to_text(log["old_value"]),
            "rep_id": to_text(log["new_value"]),
            "by_name": (kind == "text").to_numpy(),
        }
    ).dropna(subset=["opp_id", "when"])
    if reps is not None and {"rep_id", "rep_name"} <= set(reps.columns):
        ids = dict(zip(to_text(reps["rep_name"]), to_text(reps["rep_id"]), strict=True))
        for c in ("previous_rep_id", "rep_id"):
            out[c] = out[c].where(~out["by_name"], out[c].map(ids))
    # the id row of a change first, then its name row: one row per change
    out["stamp"] = out["stamp"].fillna(out["when"].dt.tz_localize("UTC"))
    out = out.sort_values(["opp_id", "stamp", "by_name"], kind="stable")
    out = out.drop_duplicates(["opp_id", "stamp"])
    out["changed_date"] = out["when"].dt.strftime("%Y-%m-%d")
    return out[cols].reset_index(drop=True)


def last_owner_changes(changes: pd.DataFrame, reps: pd.DataFrame | None) -> pd.DataFrame:
    """Each deal's last owner change from Salesforce's OpportunityFieldHistory.

    Parameters
    ----------
    changes
        The mapped field history (see :func:`owner_changes_from_field_history`).
    reps
        Mapped reps (``rep_id``, ``rep_name``) to turn names into ids, or None.

    Returns
    -------
    pandas.DataFrame
        ``opp_id, reassigned_date`` (the day, as text ``YYYY-MM-DD``), ``previous_rep_id``,
        ``new_rep_id``: one row per deal whose owner changed, its latest change.

    Examples
    --------
    >>> log = pd.DataFrame({"opp_id": ["o1", "o1", "o1", "o2"],
    ...     "changed_date": ["2025-07-01T09:14:22.000Z"] * 2 + ["2025-03-02T10:00:00.000Z"] * 2,
    ...     "field": ["Owner", "Owner", "Amount", "Owner"],
    ...     "data_type": ["EntityId", "Text", "Currency", "Text"],
    ...     "old_value": ["005A", "Ben", "100", "Ben"], "new_value": ["005B", "Ann", "200", "Ann"]})
    >>> reps = pd.DataFrame({"rep_id": ["005A", "005B"], "rep_name": ["Ben", "Ann"]})
    >>> last_owner_changes(log, reps).values.tolist()
    [['o1', '2025-07-01', '005A', '005B'], ['o2', '2025-03-02', '005A', '005B']]
    """
    return last_changes(owner_changes_from_field_history(changes, reps))


def last_changes(owner_changes: pd.DataFrame) -> pd.DataFrame:
    """Each deal's last change of an ``owner_changes`` table (raw text or typed).

    Parameters
    ----------
    owner_changes
        ``opp_id, changed_date, previous_rep_id, rep_id``; changes of one day in the order
        they happened.

    Returns
    -------
    pandas.DataFrame
        ``opp_id, reassigned_date`` (``YYYY-MM-DD``), ``previous_rep_id``, ``new_rep_id``;
        rows without a deal or a date are left out.

    Examples
    --------
    >>> ch = pd.DataFrame({"opp_id": ["o1", "o1"], "changed_date": ["2025-09-01", "2025-03-02"],
    ...                    "previous_rep_id": ["b", "a"], "rep_id": ["c", "b"]})
    >>> last_changes(ch).values.tolist()
    [['o1', '2025-09-01', 'b', 'c']]
    """
    from salesops_lib.data.coerce import to_date, to_text

    cols = ["opp_id", "reassigned_date", "previous_rep_id", "new_rep_id"]
    if not {"opp_id", "changed_date", "rep_id"} <= set(owner_changes.columns):
        return pd.DataFrame(columns=cols)
    prev = (
        to_text(owner_changes["previous_rep_id"])
        if "previous_rep_id" in owner_changes.columns
        else pd.Series(pd.NA, index=owner_changes.index, dtype="object")
    )
    out = pd.DataFrame(
        {
            "opp_id": to_text(owner_changes["opp_id"]),
            "when": to_date(owner_changes["changed_date"])[0],
            "previous_rep_id": prev,
            "new_rep_id": to_text(owner_changes["rep_id"]),
        }
    ).dropna(subset=["opp_id", "when"])
    out = out.sort_values(["opp_id", "when"], kind="stable").drop_duplicates("opp_id", keep="last")
    out["reassigned_date"] = out["when"].dt.strftime("%Y-%m-%d")
    return out[cols].reset_index(drop=True)


def with_last_owner_change(
    opps: pd.DataFrame, owner_changes: pd.DataFrame
) -> tuple[pd.DataFrame, list[dict]]:
    """Opportunities with ``previous_rep_id`` and ``reassigned_date`` from their last owner change.

    A deal's last change (:func:`last_changes`) fills the two columns where the
    Opportunity export does not already give them, when the change's new owner is the
    deal's current owner (a later change the log missed would make it the wrong one: such
    deals are named in a warning and left as they are).

    Parameters
    ----------
    opps
        Mapped opportunities (``opp_id``, ``rep_id``; raw text).
    owner_changes
        The ``owner_changes`` table (raw text): ``opp_id, changed_date, previous_rep_id,
        rep_id``.

    Returns
    -------
    opportunities : pandas.DataFrame
        A new frame (``opps`` itself when no change applies).
    warnings : list of dict

    Examples
    --------
    >>> opps = pd.DataFrame({"opp_id": ["o1", "o2"], "rep_id": ["c", "c"]})
    >>> ch = pd.DataFrame({"opp_id": ["o1", "o1"], "changed_date": ["2025-03-02", "2025-09-01"],
    ...                    "previous_rep_id": ["a", "b"], "rep_id": ["b", "c"]})
    >>> out, _ = with_last_owner_change(opps, ch)
    >>> out[["previous_rep_id", "reassigned_date"]].values.tolist()
    [['b', '2025-09-01'], [nan, nan]]
    """
    from salesops_lib.data.coerce import to_text

    last = last_changes(owner_changes)
    if last.empty or not {"opp_id", "rep_id"} <= set(opps.columns):
        return opps, []
    out = opps.copy()
    ids = to_text(out["opp_id"])
    at = last.set_index("opp_id")
    owner_now = to_text(out["rep_id"])
    matches = ids.map(at["new_rep_id"]) == owner_now
    logged = ids.isin(at.index).to_numpy()
    for col in ("previous_rep_id", "reassigned_date"):
        given = (
            to_text(out[col]) if col in out.columns else pd.Series(pd.NA, index=out.index)
        ).astype("object")
        fill = ids.map(at[col]).where(matches.to_numpy() & given.isna().to_numpy())
        out[col] = given.where(given.notna(), fill)
    stale = logged & ~matches.fillna(False).to_numpy(dtype=bool)
    if not stale.any():
        return out, []
    return out, [
        {
            "table": "opportunities",
            "column": "previous_rep_id",
            "ids": ", ".join(ids[stale].head(5)),
            "message": (
                f"{int(stale.sum()):,} deal(s) whose last owner change in the owner history "
                "names another owner than the opportunities: their earlier owners are not "
                "used (export the full owner history, e.g. OpportunityFieldHistory's Owner rows)"
            ),
        }
    ]


def with_owner_changes(
    opps: pd.DataFrame, changes: pd.DataFrame, reps: pd.DataFrame | None
) -> tuple[pd.DataFrame, list[dict]]:
    """Opportunities with ``previous_rep_id`` and ``reassigned_date`` from the field history.

    :func:`with_last_owner_change` over :func:`owner_changes_from_field_history`.

    Parameters
    ----------
    opps
        Mapped opportunities (``opp_id``, ``rep_id``; raw text).
    changes
        The mapped OpportunityFieldHistory (see :func:`owner_changes_from_field_history`).
    reps
        Mapped reps, or None.

    Returns
    -------
    opportunities : pandas.DataFrame
        A new frame.
    warnings : list of dict

    Examples
    --------
    >>> opps = pd.DataFrame({"opp_id": ["o1", "o2"], "rep_id": ["005B", "005B"]})
    >>> log = pd.DataFrame({"opp_id": ["o1"], "changed_date": ["2025-07-01T09:14:22.000Z"],
    ...     "field": ["Owner"], "old_value": ["005A"], "new_value": ["005B"]})
    >>> out, _ = with_owner_changes(opps, log, None)
    >>> out[["previous_rep_id", "reassigned_date"]].values.tolist()
    [['005A', '2025-07-01'], [nan, nan]]
    """
    return with_last_owner_change(opps, owner_changes_from_field_history(changes, reps))


def owner_names_as_ids(opps: pd.DataFrame, reps: pd.DataFrame | None) -> pd.DataFrame:
    """``previous_rep_id`` given as a user's name (a "Previous Owner" column) turned into its id.

    Parameters
    ----------
    opps
        Mapped opportunities (raw text), with ``previous_rep_id`` when exported.
    reps
        Mapped reps (``rep_id``, ``rep_name``), or None.

    Returns
    -------
    pandas.DataFrame
        ``opps`` itself when nothing changes, else a new frame.

    Examples
    --------
    >>> opps = pd.DataFrame({"previous_rep_id": ["Ben", "005B", None]})
    >>> reps = pd.DataFrame({"rep_id": ["005A", "005B"], "rep_name": ["Ben", "Ann"]})
    >>> owner_names_as_ids(opps, reps)["previous_rep_id"].tolist()
    ['005A', '005B', nan]
    """
    from salesops_lib.data.coerce import to_text

    if reps is None or "previous_rep_id" not in opps.columns:
        return opps
    if not {"rep_id", "rep_name"} <= set(reps.columns):
        return opps
    known = set(to_text(reps["rep_id"]).dropna())
    ids = dict(zip(to_text(reps["rep_name"]), to_text(reps["rep_id"]), strict=True))
    prev = to_text(opps["previous_rep_id"])
    named = prev.notna() & ~prev.isin(known) & prev.isin(ids.keys())
    if not named.any():
        return opps
    out = opps.copy()
    out["previous_rep_id"] = prev.where(~named, prev.map(ids)).astype("object")
    return out


def _salesforce_transform(
    tables: dict[str, pd.DataFrame],
) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    out = dict(tables)
    changes = out.get("owner_changes")
    logged = changes is not None and "field" in changes.columns  # the OpportunityFieldHistory
    if logged:
        assert changes is not None
        changes = owner_changes_from_field_history(changes, out.get("reps"))
        out["owner_changes"] = changes
        if changes.empty:  # no Owner rows (only Amount, StageName, ...): no owner changes
            del out["owner_changes"]
    warns: list[dict] = []
    if "opportunities" in out:  # first: a previous owner is a deal owner of the reps table
        out["opportunities"] = owner_names_as_ids(out["opportunities"], out.get("reps"))
        if logged:  # (an owner_changes file of one's own: the loader did it before)
            assert changes is not None
            out["opportunities"], warns = with_last_owner_change(out["opportunities"], changes)
    if "reps" in out:
        out["reps"], users = salesforce_users(out["reps"], out.get("opportunities"), changes)
        out["reps"], left = inactive_users_left(out["reps"], out.get("opportunities"), changes)
        warns += users + left
    return _with_accounts(out), warns


def user_created_as_hired(reps: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Salesforce users' created date as their hire date, when the export has no hire date.

    A User export carries no hire date unless the org added a field for it; the day a rep's
    user was created (``CreatedDate``, kept as ``createddate``) is the nearest the export
    holds, so it stands in for the hire date, with a warning naming how many reps it dates.

    Parameters
    ----------
    reps
        The mapped User export (``rep_id``, ``createddate`` or ``created_date``, ``hire_date``
        when mapped; raw).

    Returns
    -------
    tuple
        The reps (itself when a hire date is given or no created date is), and the warnings.

    Examples
    --------
    >>> users = pd.DataFrame({"rep_id": ["u1"], "createddate": ["2025-10-06T09:00:00.000Z"]})
    >>> reps, warns = user_created_as_hired(users)
    >>> reps["hire_date"].tolist(), warns[0]["column"]
    (['2025-10-06'], 'hire_date')
    """
    from salesops_lib.data.coerce import to_date, to_text

    given = "hire_date" in reps.columns and to_text(reps["hire_date"]).notna().any()
    col = next((c for c in ("createddate", "created_date") if c in reps.columns), None)
    if given or col is None:
        return reps, []
    created = to_date(reps[col])[0]
    if created.notna().sum() == 0:
        return reps, []
    out = reps.copy()
    out["hire_date"] = created.dt.strftime("%Y-%m-%d").where(created.notna(), np.nan)
    n = int(created.notna().sum())
    return out, [
        {
            "table": "reps",
            "column": "hire_date",
            "ids": [],
            "message": (
                f"{HIRE_FROM_USER_CREATED}: the day each rep's user was created (User.CreatedDate) "
                f"is taken as the hire date of {n:,} rep{'s' if n != 1 else ''} (add a Hire_Date__c "
                "field to the User export where users were created long before or after the hire)"
            ),
        }
    ]


HIRE_FROM_USER_CREATED = "no hire-date column"
"""How the warning about hire dates taken from User.CreatedDate begins (reports say so)."""


def _salesforce_with_hire_dates(
    tables: dict[str, pd.DataFrame],
) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """:func:`_salesforce_transform`, then :func:`user_created_as_hired` on its reps."""
    out, warns = _salesforce_transform(tables)
    if "reps" in out:
        out["reps"], hired = user_created_as_hired(out["reps"])
        warns = [*warns, *hired]
    return out, warns


def assigned_after_created(opps: pd.DataFrame) -> pd.DataFrame:
    """HubSpot's owner assigned date kept as ``reassigned_date`` only where it is a reassignment.

    HubSpot fills "Owner assigned date" (``hubspot_owner_assigneddate``) on every deal: the
    day the current owner got it, which for most deals is the day it was created. Only a
    later day, or a previous owner given, is a reassignment; on the other deals the date is
    dropped, so they stay their creator's.

    Parameters
    ----------
    opps
        Mapped deals (``reassigned_date``, ``created_date``, ``previous_rep_id`` when
        exported; raw text).

    Returns
    -------
    pandas.DataFrame
        ``opps`` itself without an owner assigned date, else a new frame.

    Examples
    --------
    >>> opps = pd.DataFrame({"created_date": ["2025-03-01 10:00", "2025-03-01 10:00"],
    ...     "reassigned_date": ["2025-03-01 10:02", "2025-10-01 09:00"]})
    >>> assigned_after_created(opps)["reassigned_date"].tolist()
    [nan, '2025-10-01 09:00']
    """
    from salesops_lib.data.coerce import to_date, to_text

    if "reassigned_date" not in opps.columns:
        return opps
    out = opps.copy()
    assigned = to_date(out["reassigned_date"])[0].dt.normalize()
    created = (
        to_date(out["created_date"])[0].dt.normalize()
        if "created_date" in out.columns
        else pd.Series(pd.NaT, index=out.index)
    )
    previous = (
        to_text(out["previous_rep_id"]).notna()
        if "previous_rep_id" in out.columns
        else pd.Series(False, index=out.index)
    )
    moved = (assigned > created).fillna(False) | previous
    out["reassigned_date"] = out["reassigned_date"].where(moved.to_numpy(), np.nan)
    return out


STAGE_DATE = re.compile(r"^Date (entered|exited) [\"'“]?(?P<stage>.+?)[\"'”]?$", re.IGNORECASE)
"""HubSpot's stage-date column labels: ``Date entered "Contract Sent (Sales Pipeline)"``."""


def stage_date_columns(opps: pd.DataFrame) -> dict[str, str]:
    """The ``Date entered <stage>`` columns of mapped HubSpot deals, with their stage.

    HubSpot writes one ``Date entered`` and one ``Date exited`` column per stage of each
    pipeline, labelled ``Date entered "<stage> (<pipeline>)"`` (quotes and the pipeline's
    name are left out in some exports). A stage is exited when the next is entered, so the
    entered dates alone tell every change of stage; the exited columns add nothing.

    Parameters
    ----------
    opps
        Mapped deals (``attrs[SOURCE_LABELS]`` holds the export's labels of the unmapped
        columns; ``pipeline`` names each deal's pipeline, when mapped).

    Returns
    -------
    dict
        Column (snake_case) -> the stage it dates, the `` (<pipeline>)`` suffix removed when
        it names a pipeline of the deals; empty when the export has none.

    Examples
    --------
    >>> opps = pd.DataFrame({"pipeline": ["Sales Pipeline"], "d1": [""], "d2": [""]})
    >>> opps.attrs[SOURCE_LABELS] = {"d1": 'Date entered "Contract Sent (Sales Pipeline)"',
    ...                              "d2": "Date exited Contract Sent"}
    >>> stage_date_columns(opps)
    {'d1': 'Contract Sent'}
    """
    labels = opps.attrs.get(SOURCE_LABELS, {})
    pipelines = (
        set(opps["pipeline"].dropna().astype(str).str.strip()) if "pipeline" in opps else set()
    )
    out = {}
    for key, label in labels.items():
        m = STAGE_DATE.match(str(label).strip())
        if m is None or m.group(1).lower() != "entered" or key not in opps:
            continue
        stage = m.group("stage").strip()
        for name in pipelines:
            if stage.endswith(f" ({name})"):
                stage = stage[: -len(name) - 3].strip()
        out[key] = stage
    return out


def hubspot_stage_changes(opps: pd.DataFrame) -> pd.DataFrame | None:
    """A change log of HubSpot deals from their ``Date entered <stage>`` columns.

    Each date a deal entered a stage is one change: from then on the deal stood in that
    stage (:mod:`salesops_lib.data.changelog` turns the log into snapshots). HubSpot keeps
    only the latest entry into each stage and today's amount and close date, so a stage
    entered twice shows its second stint, and past snapshots carry today's amount and
    close date.

    Parameters
    ----------
    opps
        Mapped deals (``opp_id``, ``amount``, ``close_date`` and the stage-date columns of
        :func:`stage_date_columns`, raw text).

    Returns
    -------
    pandas.DataFrame or None
        ``snapshot_date`` (the entry's time as written), ``opp_id, stage, amount,
        close_date``, in the export's deal order and the stages' column order; None when
        the export has no stage dates. The preset's repair marks it ``attrs[CHANGE_LOG]``.

    Examples
    --------
    >>> opps = pd.DataFrame({"opp_id": ["1"], "amount": ["500"], "close_date": ["2026-03-31"],
    ...                      "a": ["2026-01-05 09:00"], "b": ["2026-02-02 10:30"]})
    >>> opps.attrs[SOURCE_LABELS] = {"a": "Date entered Qualified To Buy",
    ...                              "b": "Date entered Closed Won"}
    >>> hubspot_stage_changes(opps)[["snapshot_date", "stage"]].values.tolist()
    [['2026-01-05 09:00', 'Qualified To Buy'], ['2026-02-02 10:30', 'Closed Won']]
    """
    columns = stage_date_columns(opps)
    if not columns or "opp_id" not in opps:
        return None
    state = [c for c in ("amount", "close_date") if c in opps]
    parts = []
    for key, stage in columns.items():
        when = opps[key].astype("string").str.strip()
        entered = when.notna() & when.ne("")
        part = opps.loc[entered, ["opp_id", *state]].assign(
            snapshot_date=when[entered], stage=stage
        )
        parts.append(part)
    log = pd.concat(parts, ignore_index=False).sort_index(kind="stable")
    return log[["snapshot_date", "opp_id", "stage", *state]].reset_index(drop=True)


def hubspot_owners(owners: pd.DataFrame) -> pd.DataFrame:
    """HubSpot's owners (the CRM owners API, ``/crm/v3/owners`` with archived ones) as reps.

    The deals export names each deal's owner by full name, so a rep's id is the owner's
    first and last name when no name column is mapped. HubSpot records no day an owner left:
    an archived owner (``archived`` true: a deactivated or removed user) is marked inactive,
    and :func:`inactive_users_left` dates their leaving by the last day of their deals.
    The Users & Teams export of the settings lists current users only and carries neither.

    Parameters
    ----------
    owners
        The mapped owners file (``rep_id``/``rep_name``, or ``firstname``/``first_name`` and
        ``lastname``/``last_name``; ``archived`` when exported; raw text).

    Returns
    -------
    pandas.DataFrame
        A new frame with ``rep_id`` and ``rep_name``, and ``isactive`` where ``archived``
        is given.

    Examples
    --------
    >>> owners = pd.DataFrame({"firstname": ["Liam", "Ann"], "lastname": ["O'Sullivan", "Lee"],
    ...                        "archived": ["true", "false"]})
    >>> hubspot_owners(owners)[["rep_id", "isactive"]].values.tolist()
    [["Liam O'Sullivan", 'false'], ['Ann Lee', 'true']]
    """
    from salesops_lib.data.coerce import to_bool, to_text

    out = owners.copy()
    first = next((c for c in ("firstname", "first_name") if c in out.columns), None)
    last = next((c for c in ("lastname", "last_name") if c in out.columns), None)
    if "rep_id" not in out.columns and first is not None and last is not None:
        name = (to_text(out[first]).fillna("") + " " + to_text(out[last]).fillna("")).str.strip()
        out["rep_id"] = name.where(name != "", np.nan)
    if "rep_name" not in out.columns and "rep_id" in out.columns:
        out["rep_name"] = out["rep_id"]
    if "archived" in out.columns and "isactive" not in out.columns:
        archived, _ = to_bool(out["archived"])
        out["isactive"] = archived.map({True: "false", False: "true"})
    return out


def _hubspot_transform(
    tables: dict[str, pd.DataFrame],
) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    out = dict(tables)
    warns: list[dict] = []
    if "opportunities" in out:
        if "history" not in out:
            log = hubspot_stage_changes(out["opportunities"])
            if log is not None and len(log):
                log.attrs[CHANGE_LOG] = True
                out["history"] = log
        out["opportunities"] = assigned_after_created(out["opportunities"])
    if "reps" in out:  # an owners file: archived owners have left, on a day HubSpot omits
        out["reps"] = hubspot_owners(out["reps"])
        out["reps"], warns = inactive_users_left(out["reps"], out.get("opportunities"))
    return _with_accounts(out), warns


SALESFORCE_STAGES = (
    Stage("Prospecting", probability=0.10),
    Stage("Qualification", probability=0.10),
    Stage("Needs Analysis", probability=0.20),
    Stage("Value Proposition", probability=0.50),
    Stage("Id. Decision Makers", probability=0.60),
    Stage("Perception Analysis", probability=0.70),
    Stage("Proposal/Price Quote", probability=0.75),
    Stage("Negotiation/Review", probability=0.90),
    Stage("Closed Won", closed=True, won=True, probability=1.0),
    Stage("Closed Lost", closed=True, won=False, probability=0.0),
)

SALESFORCE = Preset(
    name="salesforce",
    description=(
        "Salesforce Opportunity, User and Account exports (standard API field names or a "
        "report's column labels)."
    ),
    files={
        "opportunities": ("opportunity", "opportunities", "opportunity_export", "extract"),
        "reps": ("user", "users"),
        "accounts": ("account", "accounts"),
        "history": ("opportunityhistory", "opportunity_history"),
        "owner_changes": ("opportunityfieldhistory", "opportunity_field_history"),
    },
    columns={
        "opportunities": {
            "opp_id": ("Id", "Opportunity ID", "Opportunity.Id"),
            "opp_name": ("Name", "Opportunity Name"),
            "account_id": ("AccountId", "Account.Name", "Account Name"),
            "account_name": ("Account.Name", "Account Name"),
            "rep_id": ("OwnerId", "Owner.Name", "Opportunity Owner"),
            "rep_name": ("Owner.Name", "Opportunity Owner"),
            "stage": ("StageName", "Stage"),
            "amount": ("Amount",),
            "close_date": ("CloseDate", "Close Date"),
            "created_date": ("CreatedDate", "Created Date"),
            "is_closed": ("IsClosed", "Closed"),
            "is_won": ("IsWon", "Won"),
            "probability": ("Probability", "Probability (%)"),
            "forecast_category": ("ForecastCategoryName", "ForecastCategory", "Forecast Category"),
            "lead_source": ("LeadSource", "Lead Source"),
            "opp_type": ("Type",),
            # a custom field or a report column some orgs add; the field history gives them too
            "previous_rep_id": ("Previous_Owner__c", "Previous Owner", "PreviousOwnerId"),
            "reassigned_date": (
                "Last_Reassigned_Date__c",
                "LastReassignedDate",
                "Owner Assigned Date",
                "Reassigned Date",
            ),
        },
        "reps": {
            "rep_id": ("Id",),
            "rep_name": ("Name",),
            "manager": ("Manager.Name", "ManagerId"),
            "team": ("Department", "UserRole.Name"),
            "region": ("Division",),
            "role": ("Title", "UserRole.Name"),
            "hire_date": ("Hire_Date__c", "HireDate__c", "Hire Date"),
        },
        "accounts": {
            "account_id": ("Id",),
            "account_name": ("Name",),
            "industry": ("Industry",),
            "employees": ("NumberOfEmployees",),
            "annual_revenue": ("AnnualRevenue",),
            "region": ("BillingCountry", "BillingState"),
        },
        "history": {
            "opp_id": ("OpportunityId",),
            "snapshot_date": ("CreatedDate",),
            "stage": ("StageName",),
            "amount": ("Amount",),
            "close_date": ("CloseDate",),
            "forecast_category": ("ForecastCategory",),
        },
        "owner_changes": {
            "opp_id": ("OpportunityId",),
            "changed_date": ("CreatedDate",),
            "field": ("Field",),
            "data_type": ("DataType",),
            "old_value": ("OldValue",),
            "new_value": ("NewValue",),
        },
    },
    stages=SALESFORCE_STAGES,
    probability_percent=True,
    transform=_salesforce_with_hire_dates,
    history="changes",
)

HUBSPOT = Preset(
    name="hubspot",
    description="HubSpot deals export (column labels as HubSpot writes them; file date suffix ok).",
    files={
        "opportunities": ("deals", "all-deals", "hubspot-crm-exports-all-deals"),
        "reps": ("owners", "hubspot-owners", "crm-owners"),
    },
    columns={
        "reps": {
            "rep_id": ("Owner name", "Name", "Full name"),
            "rep_name": ("Owner name", "Name", "Full name"),
            "team": ("Primary team", "Team", "Teams"),
        },
        "opportunities": {
            "opp_id": ("Record ID", "Deal ID"),
            "opp_name": ("Deal Name",),
            "stage": ("Deal Stage",),
            "pipeline": ("Pipeline",),
            "amount": ("Amount", "Amount in company currency"),
            "close_date": ("Close Date",),
            "created_date": ("Create Date",),
            "rep_id": ("Deal owner", "Deal Owner"),
            "rep_name": ("Deal owner", "Deal Owner"),
            "account_id": ("Associated Company", "Associated Company (Primary)"),
            "account_name": ("Associated Company", "Associated Company (Primary)"),
            "forecast_category": ("Forecast category", "Forecast Category"),
            "probability": ("Deal probability", "Deal Probability"),
            "lead_source": ("Original Source Type", "Original Source"),
            "opp_type": ("Deal Type",),
            "previous_rep_id": ("Previous owner", "Previous Owner", "Previous deal owner"),
            "reassigned_date": (
                "Owner assigned date",
                "Owner Assigned Date",
                "hubspot_owner_assigneddate",
            ),
        },
    },
    stages=(
        Stage("Appointment Scheduled", probability=0.20),
        Stage("Qualified To Buy", probability=0.40),
        Stage("Presentation Scheduled", probability=0.60),
        Stage("Decision Maker Bought-In", probability=0.80),
        Stage("Contract Sent", probability=0.90),
        Stage("Closed Won", closed=True, won=True, probability=1.0),
        Stage("Closed Lost", closed=True, won=False, probability=0.0),
    ),
    probability_percent=None,
    transform=_hubspot_transform,  # "Date entered <stage>" columns: a change log (CHANGE_LOG)
)


def _maven() -> Preset:
    from .maven_crm import MAVEN_CRM

    return MAVEN_CRM


def get_preset(name: str | None) -> Preset | None:
    """The preset called ``name`` (``maven_crm``, ``salesforce``, ``hubspot``), or None.

    Parameters
    ----------
    name
        Any case; ``-`` for ``_`` and ``maven`` for ``maven_crm`` accepted. None gives None.

    Returns
    -------
    Preset or None

    Raises
    ------
    ConfigError
        If no preset has that name.
    """
    if name is None:
        return None
    key = str(name).strip().lower().replace("-", "_")
    presets = {"salesforce": SALESFORCE, "hubspot": HUBSPOT}
    if key in ("maven_crm", "maven"):
        return _maven()
    if key not in presets:
        raise ConfigError(
            f"unknown preset {name!r}; choose one of maven_crm, salesforce, hubspot, "
            "or map your columns in salesops.toml"
        )
    return presets[key]


def stages_from_config(items: list[dict]) -> tuple[Stage, ...]:
    """Stages from the config's ``[[stages]]`` list.

    Parameters
    ----------
    items
        The list as read from TOML: each a table with ``name`` and optional ``closed``,
        ``won`` (booleans, default false) and ``probability``.

    Returns
    -------
    tuple of Stage
        In the list's order, names trimmed.

    Raises
    ------
    ConfigError
        If an entry has no name, a closed/won flag is not true/false, or a stage is won
        but not closed.

    Examples
    --------
    >>> stages = stages_from_config([{"name": " Demo "}, {"name": "Won", "closed": True, "won": True}])
    >>> [(s.name, s.closed, s.won) for s in stages]
    [('Demo', False, False), ('Won', True, True)]
    """
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise ConfigError(f"[[stages]] entry {i + 1} needs a name")
        closed, won = item.get("closed", False), item.get("won", False)
        if not isinstance(closed, bool) or not isinstance(won, bool):
            raise ConfigError(f"stage {item['name']!r}: closed and won must be true or false")
        if won and not closed:
            raise ConfigError(f"stage {item['name']!r} is won but not closed; set closed = true")
        prob = item.get("probability")
        out.append(
            Stage(str(item["name"]).strip(), closed, won, None if prob is None else float(prob))
        )
    return tuple(out)
