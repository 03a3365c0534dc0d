"""Territory balance and the least disruptive realignment of accounts.

An account belongs to a territory: the accounts table's ``territory`` when the data has
one, else the rep who owns most of its deals (each rep is then a territory of their own, as
in the Maven example where an agent works accounts directly). A territory is compared with
the average territory of its group: its team, or, when moves may cross regions, every
territory of the same segment (all territories when reps carry no segment).

Potential is estimated from won history: an account's potential is the average bookings of
the last 12 months per account among accounts of the same segment and revenue quartile
(within the segment). It is the money a typical account of that size and kind brings in a
year, so it is in the company's currency, comparable across segments, and does not reward a
territory for its own past results (raw revenue would let one giant account outweigh a
territory's hundred others).

The realignment is a mixed-integer programme per group (:func:`scipy.optimize.milp`, HiGHS):
assign each account to one territory of its group so that every territory's potential is
inside ``1 ± band`` of the group's average, moving as few accounts as possible and, among
equally few, as little open pipeline as possible; locked accounts stay where they are. A
territory that cannot be brought inside the band (locked accounts, one very large account)
gets the smallest excess instead, which the result says.
"""

from __future__ import annotations

import heapq
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from salesops_lib.data import SalesData
from salesops_lib.errors import ConfigError
from salesops_lib.timeline import booked, open_deals

WINDOW_DAYS = 365
"""Bookings and activities count over this many days up to the as-of date."""

RECENT_DAYS = 90
"""A deal reassigned within this many days before the as-of date locks its account."""

LATE_PROBABILITY = 0.6
"""Open stages with at least this configured probability are late stages; their open deals
lock the account."""

CLOSING_DAYS = 30
"""Without configured stage probabilities, an open deal expected to close within this many
days after the as-of date locks its account (the last open stage would say nothing: in the
Maven example every open deal is in Engaging, so it would lock every account)."""

MEASURES = ("potential", "accounts", "open_deals", "activities", "bookings")
"""What each territory's balance is measured on (each a share of its group's average)."""

CURVE_BANDS = (0.05, 0.10, 0.15, 0.20, 0.30)
"""The bands the trade-off curve solves for (the chosen band is added when missing)."""

CURVE_BANDS_LARGE = (0.30,)
"""The curve's bands for a company of more than CURVE_LARGE_ACCOUNTS accounts, beside the
chosen and alternative bands (already solved): each band is a programme per team, and the
bands narrower than the chosen one cost the most (on the large demo, 50,000 accounts in 200
groups, ±10% alone took 37 s of the report's 79 s, ±20% 14 s, ±30% 6 s)."""

CURVE_LARGE_ACCOUNTS = 20_000
"""Above this many accounts the trade-off curve solves CURVE_BANDS_LARGE only."""

TOLERANCE = 1e-6
"""How far past a band's edge a share may be and still count as inside (the solver's
feasibility tolerance; a millionth of the average potential means nothing to a manager)."""

TERRITORY_KEYS = ("band", "alternative_band", "locked_accounts", "allow_cross_region", "time_limit")
"""The keys of the config's ``[territory]`` section."""


@dataclass(frozen=True)
class Rules:
    """The realignment's rules (the config's ``[territory]`` section).

    Attributes
    ----------
    band
        A territory is balanced when its potential is within ``1 ± band`` of its group's
        average (0.15: the common ±15% rule).
    alternative_band
        The band of the alternative scenario shown beside the proposal.
    locked_accounts
        Account ids or names that never move (named accounts).
    allow_cross_region
        True lets accounts move to territories of other teams and regions of the same
        segment; False keeps moves inside the team.
    time_limit
        Seconds the solver may spend on one group; past it, the best assignment found.
    """

    band: float = 0.15
    alternative_band: float = 0.25
    locked_accounts: tuple[str, ...] = ()
    allow_cross_region: bool = False
    time_limit: float = 10.0


def rules_from_config(config: Mapping[str, Any] | None) -> Rules:
    """The realignment rules of a config's ``[territory]`` section (defaults when absent).

    Parameters
    ----------
    config
        A config as :func:`~salesops_lib.config.load_config` reads it; None: defaults.

    Returns
    -------
    Rules

    Raises
    ------
    ConfigError
        For a band that is not a number above 0 and below 1, or locked accounts that are
        not a list.

    Examples
    --------
    >>> rules_from_config({"territory": {"band": 0.2}}).band
    0.2
    """
    section = dict((config or {}).get("territory") or {})
    rules = Rules()
    out: dict[str, Any] = {}
    for key in ("band", "alternative_band", "time_limit"):
        value = section.get(key, getattr(rules, key))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"[territory] {key} = {value!r}: give a number above 0")
        if key != "time_limit" and value >= 1:
            raise ConfigError(f"[territory] {key} = {value!r}: give a share below 1, e.g. 0.15")
        out[key] = float(value)
    locked = section.get("locked_accounts", [])
    if isinstance(locked, str) or not isinstance(locked, Iterable):
        raise ConfigError("[territory] locked_accounts: give a list of account ids or names")
    out["locked_accounts"] = tuple(str(a) for a in locked)
    out["allow_cross_region"] = bool(section.get("allow_cross_region", False))
    return Rules(**out)


def _active_reps(data: SalesData, as_of: pd.Timestamp) -> pd.DataFrame:
    """Reps employed on ``as_of`` (hired by then, not yet left)."""
    r = data.reps
    hired = r["hire_date"].isna() | (r["hire_date"] <= as_of)
    left = r["end_date"].notna() & (r["end_date"] <= as_of)
    return r[(hired & ~left).to_numpy()]


def _deals_to(data: SalesData, as_of: pd.Timestamp) -> pd.DataFrame:
    """Deals with an account created by ``as_of``: account, rep, created date."""
    o = data.opportunities
    keep = o["account_id"].notna() & (o["created_date"].isna() | (o["created_date"] <= as_of))
    return o.loc[keep.to_numpy(), ["account_id", "rep_id", "created_date"]]


def territory_owners(data: SalesData, *, as_of: pd.Timestamp) -> tuple[pd.DataFrame, str]:
    """Each account's territory and the rep, manager, team and segment behind it.

    Parameters
    ----------
    data
        The data set (``accounts``; ``reps`` with ``territory`` when accounts carry one).
    as_of
        Reps employed on this date own territories.

    Returns
    -------
    tuple
        A frame ``account_id, territory, rep_id, rep_name, manager, team, region,
        rep_segment`` (accounts without a territory left out; a territory without a rep
        employed on ``as_of`` has blank rep columns), and the basis: ``territory`` (the
        accounts' territory column) or ``owner`` (the rep with most of the account's deals).
    """
    accts = data.accounts if data.accounts is not None else pd.DataFrame(columns=["account_id"])
    reps = _active_reps(data, as_of)
    rep_cols = ["rep_id", "rep_name", "manager", "team", "region", "segment"]
    if "territory" in accts and accts["territory"].notna().any():
        a = accts.loc[accts["territory"].notna().to_numpy(), ["account_id", "territory"]]
        holders = reps[reps["territory"].notna()].drop_duplicates("territory")
        out = a.merge(holders[["territory", *rep_cols]], on="territory", how="left")
        known = data.reps[data.reps["territory"].notna()].sort_values("hire_date")
        last = known.drop_duplicates("territory", keep="last").set_index("territory")
        for col in ("manager", "team", "region", "segment"):  # a vacant territory's team
            out[col] = out[col].fillna(out["territory"].map(last[col]))
        basis = "territory"
    else:
        deals = _deals_to(data, as_of)
        deals = deals[deals["rep_id"].isin(reps["rep_id"])]
        counts = deals.groupby(["account_id", "rep_id"], as_index=False).agg(
            deals=("created_date", "size"), latest=("created_date", "max")
        )
        counts = counts.sort_values(["account_id", "deals", "latest", "rep_id"])
        owner = counts.drop_duplicates("account_id", keep="last")[["account_id", "rep_id"]]
        owner = owner[owner["account_id"].isin(accts["account_id"])]
        out = owner.merge(reps[rep_cols], on="rep_id", how="left")
        out["territory"] = out["rep_name"].fillna(out["rep_id"]).astype("str")
        basis = "owner"
    out = out.rename(columns={"segment": "rep_segment"})
    return out.reset_index(drop=True), basis


def _per_account(frame: pd.DataFrame, value: str | None = None) -> pd.Series:
    """Rows per account (``value`` None) or the sum of ``value`` per account."""
    if value is None:
        return frame.groupby("account_id").size()
    return frame.groupby("account_id")[value].sum()


def account_potential(accounts: pd.DataFrame, bookings: pd.Series) -> pd.Series:
    """Each account's potential: the average 12-month bookings of accounts like it.

    Accounts are alike when they share a segment and a revenue quartile within it (without
    revenue: the segment; without segment: every account).

    Parameters
    ----------
    accounts
        ``account_id`` and optionally ``segment`` and ``annual_revenue``.
    bookings
        Bookings of the last 12 months per account id (accounts absent: none).

    Returns
    -------
    Series
        Potential per account, indexed like ``accounts``.

    Examples
    --------
    >>> a = pd.DataFrame({"account_id": ["a", "b"], "segment": ["SMB", "SMB"]})
    >>> account_potential(a, pd.Series({"a": 10.0})).tolist()
    [5.0, 5.0]
    """
    a = accounts.reset_index(drop=True)
    booked_12m = a["account_id"].map(bookings).fillna(0.0).astype(float)
    seg = a["segment"].astype("str").fillna("") if "segment" in a else pd.Series("", index=a.index)
    band = pd.Series(0, index=a.index)
    if "annual_revenue" in a and a["annual_revenue"].notna().any():
        rev = pd.to_numeric(a["annual_revenue"], errors="coerce")
        ranked = rev.groupby(seg).rank(pct=True, method="first")
        band = np.ceil(ranked * 4).fillna(0).astype(int)
    cell = booked_12m.groupby([seg, band]).transform("mean")
    return pd.Series(cell.to_numpy(), index=accounts.index, name="potential")


def _late_stages(data: SalesData) -> set[str] | None:
    """Open stages whose configured probability is LATE_PROBABILITY or more (None: no open
    stage has a configured probability, so lateness is read from close dates instead)."""
    known = [s for s in data.stages if not s.closed and s.probability is not None]
    if not known:
        return None
    return {s.name for s in known if (s.probability or 0.0) >= LATE_PROBABILITY}


def lock_rule(data: SalesData) -> str:
    """Which open deals lock their account in this data set, in words.

    Parameters
    ----------
    data
        The data set (its configured stages).

    Returns
    -------
    str
        A phrase completing "an open deal ...".

    Examples
    --------
    >>> lock_rule(data)  # doctest: +SKIP
    'in a stage with a configured probability of 60% or more (Negotiation)'
    """
    late = _late_stages(data)
    if late is None:
        return (
            f"expected to close within {CLOSING_DAYS} days after the as-of date (the stages "
            "carry no configured probability, so a deal's stage does not say how late it is)"
        )
    if not late:
        return f"in a stage with a configured probability of {LATE_PROBABILITY:.0%} or more (none here)"
    names = ", ".join(s.name for s in data.stages if s.name in late)
    return f"in a stage with a configured probability of {LATE_PROBABILITY:.0%} or more ({names})"


def _late_deals(data: SalesData, opens: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """The accounts of open deals late enough to lock them (see :func:`lock_rule`)."""
    late = _late_stages(data)
    if late is not None:
        return opens.loc[opens["stage"].isin(late).to_numpy(), "account_id"]
    close = opens["close_date"]
    soon = (close >= as_of) & (close <= as_of + pd.Timedelta(days=CLOSING_DAYS))
    return opens.loc[soon.fillna(False).to_numpy(dtype=bool), "account_id"]


def _reassigned(data: SalesData, as_of: pd.Timestamp) -> set[str]:
    """Accounts with a deal reassigned in the RECENT_DAYS days to ``as_of``."""
    since = as_of - pd.Timedelta(days=RECENT_DAYS)
    o = data.opportunities
    days = o["reassigned_date"] if "reassigned_date" in o else pd.Series(pd.NaT, index=o.index)
    recent = o.loc[((days > since) & (days <= as_of)).to_numpy(), "account_id"]
    found = set(recent.dropna().astype("str"))
    ch = data.owner_changes
    if ch is not None and len(ch):
        ids = ch.loc[((ch["changed_date"] > since) & (ch["changed_date"] <= as_of)).to_numpy()]
        moved = o.loc[o["opp_id"].isin(ids["opp_id"]).to_numpy(), "account_id"]
        found |= set(moved.dropna().astype("str"))
    return found


def _locks(
    data: SalesData,
    book: pd.DataFrame,
    opens: pd.DataFrame,
    named: Iterable[str],
    as_of: pd.Timestamp,
) -> pd.Series:
    """Why each account of ``book`` is locked ('' when it may move)."""
    late = _late_deals(data, opens, as_of)
    recent = _reassigned(data, as_of)
    names = set(named)
    reason = pd.Series("", index=book.index, dtype="str")
    by_name = book["account_id"].isin(names) | book["account_name"].astype("str").isin(names)
    reason[book["account_id"].isin(recent).to_numpy()] = "recently reassigned deal"
    why = "late-stage open deal" if _late_stages(data) is not None else "open deal closing soon"
    reason[book["account_id"].isin(set(late.dropna())).to_numpy()] = why
    reason[by_name.to_numpy()] = "named account"
    return reason


def account_book(
    data: SalesData,
    *,
    as_of: pd.Timestamp,
    locked_accounts: Iterable[str] = (),
    allow_cross_region: bool = False,
) -> tuple[pd.DataFrame, str]:
    """One row per account with its territory, potential, workload, bookings and lock.

    Parameters
    ----------
    data
        The data set (``accounts`` required).
    as_of
        Open deals on this date; bookings and activities over the 365 days to it.
    locked_accounts
        Account ids or names that never move.
    allow_cross_region
        Group territories by segment (True) instead of by team (False).

    Returns
    -------
    tuple
        The frame ``account_id, account_name, segment, territory, rep_id, rep_name,
        manager, team, region, group, potential, open_deals, open_pipeline, activities,
        bookings, lock`` (``lock``: why it may not move, '' when it may), and the basis of
        territories (see :func:`territory_owners`).
    """
    owners, basis = territory_owners(data, as_of=as_of)
    accts = data.accounts if data.accounts is not None else pd.DataFrame(columns=["account_id"])
    keep = [c for c in ("account_id", "account_name", "segment", "annual_revenue") if c in accts]
    book = owners.merge(accts[keep], on="account_id", how="left")
    if "account_name" not in book:
        book["account_name"] = book["account_id"]
    start = as_of - pd.Timedelta(days=WINDOW_DAYS)
    won = booked(data, start + pd.Timedelta(days=1), as_of, columns=["account_id", "amount"])
    per_account = _per_account(won.dropna(subset=["account_id"]), "amount")
    potential_of = accts.assign(potential=account_potential(accts, per_account))
    book["potential"] = book["account_id"].map(potential_of.set_index("account_id")["potential"])
    opens = open_deals(data, as_of)
    book["open_deals"] = book["account_id"].map(_per_account(opens)).fillna(0).astype(int)
    pipe = book["account_id"].map(_per_account(opens, "amount"))
    book["open_pipeline"] = pipe.fillna(0.0).astype(float)
    book["activities"] = book["account_id"].map(_activities(data, start, as_of)).fillna(0)
    book["activities"] = book["activities"].astype(int)
    book["bookings"] = book["account_id"].map(per_account).fillna(0.0).astype(float)
    book["potential"] = book["potential"].fillna(0.0).astype(float)
    seg = book["rep_segment"].astype("str").fillna("all territories")
    team = book["team"].astype("str").fillna(book["region"].astype("str")).fillna("all")
    book["group"] = seg if allow_cross_region else team
    book["lock"] = _locks(data, book, opens, locked_accounts, as_of)
    return book.drop(columns=["rep_segment", "annual_revenue"], errors="ignore"), basis


def _activities(data: SalesData, start: pd.Timestamp, as_of: pd.Timestamp) -> pd.Series:
    """Activities from after ``start`` to ``as_of`` per account (through their deals)."""
    act = data.activities
    if act is None or "opp_id" not in act:
        return pd.Series(dtype=float)
    days = act["activity_date"]
    per_opp = act.loc[((days > start) & (days <= as_of)).to_numpy(), "opp_id"].value_counts()
    o = data.opportunities
    at = per_opp.index.get_indexer(o["opp_id"])  # each deal's row in per_opp (-1: none)
    accounts = o["account_id"].to_numpy(dtype=object)
    hit = (at >= 0) & pd.notna(accounts)
    counts = pd.Series(per_opp.to_numpy()[at[hit]], index=accounts[hit])
    return counts.groupby(level=0).sum()


def balance(
    book: pd.DataFrame, *, by: str = "territory", band: float = 0.15, territory: str = "territory"
) -> pd.DataFrame:
    """Each territory's (or rep's) potential, workload and bookings as shares of its group's average.

    Parameters
    ----------
    book
        :func:`account_book` rows (``territory`` may be a proposed assignment).
    by
        ``territory`` or ``rep_id``: the unit compared.
    band
        The potential share outside ``1 ± band`` marks a unit ``outside``.
    territory
        The column holding each account's territory (e.g. ``proposed``).

    Returns
    -------
    DataFrame
        One row per unit: ``group``, the unit, ``rep_name, manager``, each of
        :data:`MEASURES` (``open_pipeline`` too) and ``<measure>_share``, and ``outside``.
    """
    b = (
        book.rename(columns={territory: "unit"})
        if by == "territory"
        else book.assign(unit=book[by])
    )
    b = b[b["unit"].notna()]
    people = b.drop_duplicates("unit").set_index("unit")[["rep_name", "manager", "group"]]
    if by == "territory" and territory != "territory":  # the rep of the new territory
        people = book.drop_duplicates("territory").set_index("territory")
        people = people[["rep_name", "manager", "group"]]
    sums = b.groupby("unit").agg(
        accounts=("account_id", "size"),
        potential=("potential", "sum"),
        open_deals=("open_deals", "sum"),
        open_pipeline=("open_pipeline", "sum"),
        activities=("activities", "sum"),
        bookings=("bookings", "sum"),
    )
    out = people.join(sums, how="inner").reset_index().rename(columns={"unit": by})
    for m in MEASURES:
        mean = out.groupby("group")[m].transform("mean")
        out[f"{m}_share"] = (out[m] / mean.where(mean > 0)).astype(float)
    share = out["potential_share"]
    out["outside"] = (share < 1 - band - TOLERANCE) | (share > 1 + band + TOLERANCE)
    return out.sort_values(["group", by]).reset_index(drop=True)


@dataclass(frozen=True)
class GroupSolution:
    """The solver's answer for one group: each account's territory and how sure it is."""

    assignment: np.ndarray
    """Index of each account's territory (in the group's territory order)."""
    proven: bool
    """True when HiGHS proved the assignment optimal (False: time limit, best found)."""
    excess: float
    """The largest share by which a territory stays outside the band (0: all inside)."""


def solve_group(
    potential: np.ndarray,
    home: np.ndarray,
    locked: np.ndarray,
    pipeline: np.ndarray,
    n_territories: int,
    *,
    band: float,
    time_limit: float = 10.0,
) -> GroupSolution:
    """The fewest account moves that bring every territory's potential inside the band.

    Fewest moves first; among equally few, fewest accounts with open deals; within
    accounts alike, those with the least open pipeline. Accounts alike for the problem
    (same territory today, same potential, with or without open deals, not locked) are
    interchangeable, so the programme counts how many of each
    such class go to each territory (an integer per class and territory) instead of a
    yes/no per account and territory: potentials are a few cell averages
    (:func:`account_potential`), so a team of 250 accounts is about 80 classes, and the
    demo's 60 territories solve in well under a second instead of about 8 seconds.

    Parameters
    ----------
    potential, home, locked, pipeline
        Per account: its potential, its territory's index today, whether it may not move,
        its open pipeline.
    n_territories
        Territories in the group (indices 0 .. n-1; one may have no account).
    band
        Each territory's potential within ``1 ± band`` of the group's average.
    time_limit
        Seconds HiGHS may spend; past it, the best assignment found.

    Returns
    -------
    GroupSolution
        Territories that cannot be brought inside (locked or very large accounts) get the
        smallest excess instead: the assignment is then the fewest moves reaching it.

    Examples
    --------
    >>> s = solve_group(np.array([4.0, 1, 1]), np.array([0, 0, 1]), np.zeros(3, bool),
    ...                 np.zeros(3), 2, band=0.5)
    >>> s.assignment.tolist(), s.excess
    ([0, 1, 1], 0.0)
    """
    n_t, home = int(n_territories), home.astype(int)
    avg = float(potential.sum()) / n_t if n_t else 0.0
    free = ~locked.astype(bool) & (potential > 0)
    now = _excess(potential, home, n_t, band)
    if len(potential) == 0 or n_t < 2 or avg <= 0 or not free.any() or now == 0:
        return GroupSolution(home.copy(), True, now)
    fixed = np.bincount(home[~free], weights=potential[~free] / avg, minlength=n_t)
    keys = np.column_stack([home[free], potential[free], pipeline[free] > 0])
    classes, members = np.unique(keys, axis=0, return_inverse=True)
    members = members.ravel()
    sizes = np.bincount(members, minlength=len(classes)).astype(float)
    res = _solve_classes(classes, sizes, fixed, avg, band, time_limit)
    if res is None:  # no assignment found in time: nothing moves
        return GroupSolution(home.copy(), False, _excess(potential, home, n_t, band))
    counts, proven = res
    out = home.copy()
    rows = np.flatnonzero(free)
    for c in range(len(classes)):
        who = rows[members == c]
        who = who[np.argsort(-pipeline[who], kind="stable")]  # the least pipeline moves
        h = int(classes[c, 0])
        order = [h, *[t for t in range(n_t) if t != h]]  # those staying first
        out[who] = np.repeat(order, counts[c, order])
    return GroupSolution(out, proven, _excess(potential, out, n_t, band))


def _excess(potential: np.ndarray, assignment: np.ndarray, n_t: int, band: float) -> float:
    """The largest share by which a territory's potential is outside ``1 ± band`` (0: none)."""
    total = float(potential.sum())
    if n_t < 1 or total <= 0:
        return 0.0
    share = np.bincount(assignment, weights=potential, minlength=n_t) / (total / n_t)
    excess = np.abs(share - 1.0).max() - band
    return float(np.round(excess, 6)) if excess > TOLERANCE else 0.0


def _solve_classes(
    classes: np.ndarray,
    sizes: np.ndarray,
    fixed: np.ndarray,
    avg: float,
    band: float,
    time_limit: float,
) -> tuple[np.ndarray, bool] | None:
    """HiGHS on the class counts: (counts per class and territory, proven) or None."""
    n_c, n_t = len(classes), len(fixed)
    n_x = n_c * n_t
    home = classes[:, 0].astype(int)
    stay = np.arange(n_c) * n_t + home
    cost = np.repeat(1.0 + classes[:, 2] / (sizes.sum() + 1.0), n_t)  # then fewest with deals
    cost[stay] = 0.0
    penalty = 10.0 * (sizes.sum() + 1)  # any number of moves is cheaper than a territory outside
    c = np.concatenate([cost, np.full(2 * n_t, penalty)])
    cols = np.arange(n_x)
    rows = cols // n_t
    one_each = sparse.csr_array((np.ones(n_x), (rows, cols)), shape=(n_c, n_x + 2 * n_t))
    load = sparse.csr_array(((classes[:, 1] / avg).repeat(n_t), (cols % n_t, cols)), (n_t, n_x))
    eye, none = sparse.eye_array(n_t, format="csr"), sparse.csr_array((n_t, n_t))
    parts = (one_each, load, eye, none, sizes, fixed, band, time_limit)
    with _quiet():
        res = _milp(c, *parts)
        if res.x is not None and float(res.x[n_x:].sum()) > TOLERANCE:
            # a little excess can cost less than one move: first the least excess that any
            # assignment leaves, then the fewest moves that keep to it (in that order)
            least = _milp(np.concatenate([np.zeros(n_x), np.ones(2 * n_t)]), *parts)
            if least.x is not None:
                cap = float(least.x[n_x:].sum()) + 1e-9
                fewest = _milp(np.concatenate([cost, np.zeros(2 * n_t)]), *parts, excess_cap=cap)
                res = fewest if fewest.x is not None else least
    if res.x is None:
        return None
    counts = np.rint(res.x[:n_x]).astype(int).reshape(n_c, n_t)
    return counts, bool(res.status == 0)


def _milp(
    c: np.ndarray,
    one_each: sparse.csr_array,
    load: sparse.csr_array,
    eye: sparse.csr_array,
    none: sparse.csr_array,
    sizes: np.ndarray,
    fixed: np.ndarray,
    band: float,
    time_limit: float,
    *,
    excess_cap: float | None = None,
) -> Any:
    """The programme of :func:`_solve_classes` handed to HiGHS.

    What HiGHS accepts within its feasibility tolerance is inside the band as
    :func:`balance` measures it (:data:`TOLERANCE`); ``excess_cap`` bounds the summed excess
    over all territories.
    """
    n_t = len(fixed)
    n_x = len(c) - 2 * n_t
    constraints = [
        LinearConstraint(one_each, sizes, sizes),
        LinearConstraint(sparse.hstack([load, -eye, none]), -np.inf, 1.0 + band - fixed),
        LinearConstraint(sparse.hstack([load, none, eye]), 1.0 - band - fixed, np.inf),
    ]
    if excess_cap is not None:
        row = np.concatenate([np.zeros(n_x), np.ones(2 * n_t)])[None, :]
        constraints.append(LinearConstraint(row, -np.inf, excess_cap))
    return milp(
        c,
        constraints=constraints,
        integrality=np.concatenate([np.ones(n_x), np.zeros(2 * n_t)]),
        bounds=Bounds(
            np.zeros(n_x + 2 * n_t), np.concatenate([sizes.repeat(n_t), np.full(2 * n_t, np.inf)])
        ),
        options={"time_limit": float(time_limit), "disp": False},
    )


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence what HiGHS prints at the C level despite ``disp=False``.

    Its MIP solver writes ``transformNewIntegerFeasibleSolution`` lines straight to the
    process's stdout, which would reach a report's log; file descriptors 1 and 2 point at
    the null device while it runs.
    """
    saved: list[int] = []
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        null = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError):
        yield
        return
    try:
        for fd in (1, 2):
            saved.append(os.dup(fd))
            os.dup2(null, fd)
        yield
    finally:
        for fd, old in zip((1, 2), saved, strict=False):
            os.dup2(old, fd)
            os.close(old)
        os.close(null)


@dataclass(frozen=True)
class Realignment:
    """A proposed assignment of accounts to territories (:func:`realign`).

    Attributes
    ----------
    proposed
        The territory of each row of the account book.
    band
        The band it aims at.
    proven
        True when every group's assignment was proved optimal.
    excess
        The largest share by which a territory stays outside the band (0: all inside).
    groups
        Groups solved (each a separate problem).
    """

    proposed: pd.Series
    band: float
    proven: bool
    excess: float
    groups: int

    def moved(self, book: pd.DataFrame) -> pd.Series:
        """Whether each account of ``book`` changes territory.

        Parameters
        ----------
        book
            The account book the realignment was solved on.

        Returns
        -------
        Series
            Boolean per account.
        """
        return (self.proposed != book["territory"]).astype(bool)


@dataclass(frozen=True)
class _Group:
    """One group's accounts as arrays: rows of the book, territories, today's index."""

    rows: np.ndarray
    names: np.ndarray
    home: np.ndarray
    potential: np.ndarray
    locked: np.ndarray
    pipeline: np.ndarray


def _groups(book: pd.DataFrame) -> list[_Group]:
    """Each group's accounts (positions in ``book``) and its territories, sorted by name."""
    group = book["group"].astype("str").to_numpy(dtype=object)
    territory = book["territory"].astype("str").to_numpy(dtype=object)
    potential = book["potential"].to_numpy(dtype=float)
    locked = (book["lock"] != "").to_numpy(dtype=bool)
    pipeline = (
        book["open_pipeline"].to_numpy(dtype=float)
        if "open_pipeline" in book
        else np.zeros(len(book))
    )
    g_codes, g_names = pd.factorize(group, sort=True)
    out = []
    for g in range(len(g_names)):
        rows = np.flatnonzero(g_codes == g)
        t_codes, t_names = pd.factorize(territory[rows], sort=True)
        out.append(
            _Group(
                rows,
                np.asarray(t_names, dtype=object),
                t_codes.astype(int),
                potential[rows],
                locked[rows],
                pipeline[rows],
            )
        )
    return out


def realign(book: pd.DataFrame, *, band: float = 0.15, time_limit: float = 10.0) -> Realignment:
    """The least disruptive assignment that brings every territory inside the band.

    Solved group by group (:func:`solve_group`), so a company of thousands of reps is many
    small problems instead of one large one; a group already inside the band is not solved.

    Parameters
    ----------
    book
        :func:`account_book` rows: ``group, territory, potential, open_pipeline, lock``.
    band
        Each territory's potential within ``1 ± band`` of its group's average.
    time_limit
        Seconds per group.

    Returns
    -------
    Realignment

    Examples
    --------
    >>> r = realign(book, band=0.15)  # doctest: +SKIP
    >>> int(r.moved(book).sum())  # doctest: +SKIP
    """
    proposed = book["territory"].astype("str").to_numpy(dtype=object).copy()
    proven, excess = True, 0.0
    groups = _groups(book)
    for g in groups:
        sol = solve_group(
            g.potential,
            g.home,
            g.locked,
            g.pipeline,
            len(g.names),
            band=band,
            time_limit=time_limit,
        )
        proposed[g.rows] = g.names[sol.assignment]
        proven &= sol.proven
        excess = max(excess, sol.excess)
    out = pd.Series(proposed, index=book.index, dtype="str", name="territory")
    return Realignment(out, band, proven, excess, len(groups))


def greedy_realign(book: pd.DataFrame) -> pd.Series:
    """The textbook greedy rebalancing, which ignores disruption: re-deal every account.

    In each group, locked accounts stay; every other account, largest potential first, goes
    to the territory with the least potential so far (ties: the first territory in name
    order), whatever territory it is in today.

    Parameters
    ----------
    book
        :func:`account_book` rows: ``group, territory, potential, lock``.

    Returns
    -------
    Series
        The territory of each row of ``book``.

    Examples
    --------
    >>> b = pd.DataFrame({"group": "g", "territory": ["a", "a", "b"],
    ...                   "potential": [3.0, 2.0, 1.0], "lock": ""})
    >>> greedy_realign(b).tolist()
    ['a', 'b', 'b']
    """
    out = book["territory"].astype("str").to_numpy(dtype=object).copy()
    for g in _groups(book):
        load = np.bincount(g.home[g.locked], g.potential[g.locked], minlength=len(g.names))
        heap = [(float(v), k) for k, v in enumerate(load)]
        heapq.heapify(heap)
        free = np.flatnonzero(~g.locked)
        free = free[np.argsort(-g.potential[free], kind="stable")]
        to = np.empty(len(free), dtype=int)
        for i, p in enumerate(g.potential[free]):
            v, k = heapq.heappop(heap)  # the lightest territory, ties by name
            to[i] = k
            heapq.heappush(heap, (v + float(p), k))
        out[g.rows[free]] = g.names[to]
    return pd.Series(out, index=book.index, dtype="str", name="territory")


def curve_bands(book: pd.DataFrame, rules: Rules) -> tuple[float, ...]:
    """The bands the trade-off curve shows: fewer on a large company (CURVE_LARGE_ACCOUNTS).

    Parameters
    ----------
    book
        :func:`account_book` rows.
    rules
        The chosen and alternative bands.

    Returns
    -------
    tuple
        The bands, narrowest first.

    Examples
    --------
    >>> curve_bands(pd.DataFrame({"account_id": ["a"]}), Rules())
    (0.05, 0.1, 0.15, 0.2, 0.3)
    """
    if len(book) > CURVE_LARGE_ACCOUNTS:
        return tuple(sorted({*CURVE_BANDS_LARGE, rules.band, rules.alternative_band}))
    return tuple(sorted({*CURVE_BANDS, rules.band}))


def tradeoff(
    book: pd.DataFrame,
    *,
    bands: Iterable[float] = CURVE_BANDS,
    time_limit: float = 10.0,
    solved: Mapping[float, Realignment] | None = None,
) -> pd.DataFrame:
    """Accounts that must move to bring every territory inside each band: the trade-off curve.

    Each group is solved for each band (:func:`realign`); a group already inside a band
    needs no move for it. The first row is today: no move, the widest deviation now.

    Parameters
    ----------
    book
        :func:`account_book` rows.
    bands
        The bands solved.
    time_limit
        Seconds per group and band.
    solved
        Realignments already solved, by band (reused instead of solved again).

    Returns
    -------
    DataFrame
        ``band, accounts_moved, pipeline_moved, outside, proven``: the band asked for (the
        first row: today's widest deviation of a territory's potential share from 1), the
        fewest moves bringing every territory inside it, and the territories that stay
        outside it nonetheless (locked or very large accounts).
    """
    today = balance(book)
    worst = float((today["potential_share"] - 1).abs().max()) if len(today) else 0.0
    rows = [
        {"band": worst, "accounts_moved": 0, "pipeline_moved": 0.0, "outside": 0, "proven": True}
    ]
    for b in sorted(set(bands), reverse=True):
        if b >= worst:
            continue
        r = (solved or {}).get(b) or realign(book, band=b, time_limit=time_limit)
        moved = r.moved(book)
        after = balance(book.assign(proposed=r.proposed), band=b, territory="proposed")
        rows.append(
            {
                "band": float(b),
                "accounts_moved": int(moved.sum()),
                "pipeline_moved": float(book.loc[moved, "open_pipeline"].sum()),
                "outside": int(after["outside"].sum()),
                "proven": r.proven,
            }
        )
    return pd.DataFrame(rows)
