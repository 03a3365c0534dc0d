"""CRM data quality: hygiene problems on open deals, a score per rep and team, forecast impact.

Every check looks only at what the CRM showed on ``as_of``: the latest history snapshot on
or before it when there are snapshots; without them, the record's stage, close date and
category (:func:`salesops_lib.timeline.open_deals`, the only ones the export has),
so an audit of a past date is what a manager could have seen then, as far as the data tells.

Checks
------
past_due_close
    Open deal whose expected close date is before ``as_of``
    (:func:`salesops_lib.timeline.past_due`: the deals ``salesops validate`` warns about).
no_close_date
    Open deal without an expected close date (:func:`salesops_lib.timeline.undated`): in no
    quarter's pipeline.
no_stage_change
    No stage or amount change for ``stale_days`` (from snapshots); without snapshots, an open
    deal older than twice the median cycle of won deals.
missing_amount, missing_account
    Blank amount or account on an open deal (an amount the loading preset filled in from the
    list price, ``amount_filled``, is an amount). A blank-field check failing on nearly every
    open deal (:data:`DATA_GAP_SHARE`), or on most open deals and (nearly) no closed one
    (:data:`OPEN_ONLY_SHARE`), is what the export does not record, not hygiene: it is
    reported once as a data gap and left out of the problems.
likely_duplicate
    Another open deal of the same account and deal name (any rep, any created date), or of the
    same rep and account, created within :data:`DUPLICATE_DAYS`
    days of it, with the same amount or the same or a very similar deal name (and not a
    different product): see :func:`likely_duplicates`. Same rep and account alone is not
    enough: reps often run several deals with one customer.
pushed_repeatedly
    Expected close date moved later ``push_limit`` times or more.
probability_mismatch
    Probability differing from the stage's configured default by more than 0.25, or an open
    deal at 0% or 100% (as the load warns). Checked whenever the export has probabilities and
    the stage compared is the record's (without snapshots, or on the data's last date): the
    CRM keeps no history of probabilities.
category_mismatch
    Forecast category at odds with the stage: Commit in the first half of the stages,
    Closed on an open deal, or Omitted on a deal in the last open stage.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np
import pandas as pd

from salesops_lib import fast, timeline
from salesops_lib.analysis.forecast import backtestable, deal_chances
from salesops_lib.analysis.kpis import group_labels
from salesops_lib.data import SalesData
from salesops_lib.timeline import won_deals

CHECKS = {
    "past_due_close": "Close date already passed: update it or close the deal",
    "no_close_date": "No expected close date: enter one (the deal is in no quarter's pipeline)",
    "no_stage_change": "No stage or amount change for a long time: confirm the deal is alive",
    "missing_amount": "No amount: enter the expected deal value",
    "missing_account": "No account: link the deal to its customer",
    "likely_duplicate": "Looks like a duplicate of another open deal: merge or close one",
    "pushed_repeatedly": "Close date pushed repeatedly: re-qualify the timing",
    "probability_mismatch": "Probability does not match the stage: correct one of them",
    "category_mismatch": "Forecast category does not match the stage: correct the category",
}
"""Each check and what to do about it (the part after the colon is the action)."""

RECORD_CHECKS = ("no_close_date", "missing_amount", "missing_account")
"""The checks of a blank field: when one fails on nearly every open deal, the export does not
record the field (:data:`DATA_GAP_SHARE`), which says nothing of the reps' hygiene."""

DATA_GAP_SHARE = 0.95
"""A blank-field check failing on this share of the open deals or more is a data gap: reported
once (:attr:`Audit.data_gaps`), left out of the problems, scores and fix list."""

DATA_GAP_MIN_DEALS = 20
"""Fewer open deals than this are too few to tell a data gap from a few blank fields."""

OPEN_ONLY_SHARE = 0.5
"""A field blank on this share of the open deals or more, and on at most
:data:`OPEN_ONLY_CLOSED_SHARE` of the deals closed by the as-of date (at least
:data:`DATA_GAP_MIN_DEALS` of them), is a data gap too: the export leaves it blank only while
a deal is open (Maven's accounts: 1,425 of 2,089 open deals, none of 6,711 closed ones),
which says nothing of the reps' hygiene. For the account and the amount (a closed deal
always has a close date, so that field cannot show this shape)."""

OPEN_ONLY_CLOSED_SHARE = 0.01
"""See :data:`OPEN_ONLY_SHARE`."""

OPEN_ONLY_CHECKS = {"missing_amount": "amount", "missing_account": "account_id"}
"""The blank-field checks the open-only rule applies to, and their column."""

RECENT_OWNER_DAYS = 30
"""By rep, a deal its owner had held for fewer days than this on the as-of date is scored
apart (inherited): most of what is wrong with it, a month without change above all, happened
before they owned it."""

DUPLICATE_DAYS = 14
"""Two open deals created more than this many days apart are never taken for duplicates."""

NAME_SIMILARITY = 0.85
"""Deal names at least this similar (difflib's ratio of the normalised names) count as the same."""

PROBLEM_COLUMNS = [
    "opp_id",
    "rep_id",
    "check",
    "action",
    "amount",
    "stage",
    "close_date",
    "related",
]
"""Columns of :func:`audit`."""


@dataclass(frozen=True)
class Audit:
    """What :func:`audit` found on the open deals of one date, and what it could check.

    The frames are fields rather than ``attrs`` of the problems frame: pandas deep-copies
    ``attrs`` into every frame derived from one carrying them.
    """

    problems: pd.DataFrame
    """One row per deal and problem (:data:`PROBLEM_COLUMNS`; ``related`` is a likely
    duplicate's other deal, else missing)."""
    open_deals: pd.DataFrame
    """The open deals checked (:func:`salesops_lib.timeline.open_deals`, with
    ``probability`` and ``amount_filled``)."""
    duplicates: pd.DataFrame
    """The likely duplicate pairs (:func:`likely_duplicates`)."""
    checked: list[str]
    """The checks run on this data, in :data:`CHECKS` order."""
    not_checked: dict[str, str]
    """Each check that could not be run, and why."""
    data_gaps: dict[str, tuple[int, float]]
    """Each blank-field check left out because it fails on nearly every open deal
    (:data:`DATA_GAP_SHARE`), or on most open deals and (nearly) no closed one
    (:data:`OPEN_ONLY_SHARE`), with its deals and amount."""
    filled: tuple[int, float]
    """The open deals whose amount the preset filled in, and their amount."""
    cycle_days: float
    """The median days from created to close of won deals (the no-stage-change check's
    yardstick without history snapshots; NaN with them)."""
    closed_blank: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)
    """For each data gap found by the open-only rule: blank closed deals, closed deals."""
    as_of: pd.Timestamp | None = None
    """The date checked."""


def audit(data: SalesData, *, as_of: object, stale_days: int = 30, push_limit: int = 2) -> Audit:
    """Hygiene problems of the deals open on ``as_of``.

    Parameters
    ----------
    data
        The data set (opportunities; history snapshots when present).
    as_of
        The date whose open deals are checked.
    stale_days
        Days without a stage or amount change that make a deal stale.
    push_limit
        Close-date pushes that count as pushed repeatedly.

    Returns
    -------
    Audit
        The problems (one row per deal and problem: ``opp_id, rep_id, check, action, amount,
        stage, close_date, related``), the open deals checked, the likely duplicate pairs,
        the checks run and not run, the data gaps, the filled-in amounts and the cycle
        yardstick.

    Examples
    --------
    >>> audit(data, as_of="2026-09-30").problems.groupby("check")["opp_id"].nunique()  # doctest: +SKIP
    """
    as_of_ts = pd.Timestamp(as_of).normalize()  # type: ignore[arg-type]
    od = _checked_deals(data, as_of_ts)
    not_checked: dict[str, str] = {}
    flags: dict[str, pd.Series] = {}
    due = timeline.past_due(data, as_of=as_of_ts)
    flags["past_due_close"] = pd.Series(fast.isin(od["opp_id"], due["opp_id"]), index=od.index)
    undated = timeline.undated(data, as_of=as_of_ts)
    flags["no_close_date"] = pd.Series(fast.isin(od["opp_id"], undated["opp_id"]), index=od.index)
    snapshots = timeline.snapshot_date_on(data, as_of_ts) is not None
    flags["no_stage_change"], med, why = _stale_flag(data, od, snapshots, stale_days)
    if why:
        not_checked["no_stage_change"] = why
    # a list price the loading preset filled in is an amount (said so beside it), not "No amount"
    flags["missing_amount"] = od["amount_missing"].astype(bool) & ~od["amount_filled"]
    flags["missing_account"] = od["account_id"].isna()
    pairs = likely_duplicates(od)
    first_match = _first_match(pairs)
    flags["likely_duplicate"] = pd.Series(
        fast.isin(od["opp_id"], first_match.index), index=od.index
    )
    flags["pushed_repeatedly"] = od["pushes"] >= push_limit
    if not snapshots:
        not_checked["pushed_repeatedly"] = "needs history snapshots"
    flags["probability_mismatch"], why = _probability_flag(data, od, as_of_ts, snapshots)
    if why:
        not_checked["probability_mismatch"] = why
    flags["category_mismatch"], why = _category_flag(data, od)
    if why:
        not_checked["category_mismatch"] = why
    flags, data_gaps, closed_blank = _without_data_gaps(flags, od, data, as_of_ts)
    return Audit(
        problems=_problem_rows(flags, od, first_match),
        open_deals=od,
        duplicates=pairs,
        checked=[c for c in CHECKS if c not in not_checked and c not in data_gaps],
        not_checked=not_checked,
        data_gaps=data_gaps,
        filled=(
            int(od["amount_filled"].sum()),
            float(od.loc[od["amount_filled"], "amount"].sum()),
        ),
        cycle_days=med,
        closed_blank=closed_blank,
        as_of=as_of_ts,
    )


def _checked_deals(data: SalesData, as_of: pd.Timestamp) -> pd.DataFrame:
    """The deals open on ``as_of`` with the record's ``probability`` and ``amount_filled``."""
    od = data.derived(
        ("open deals recorded", as_of), lambda: timeline.open_deals(data, as_of)
    ).copy()
    opps = data.opportunities
    row = od["opp_row"].to_numpy()
    od["probability"] = (
        fast.take_rows(opps["probability"], row).to_numpy() if "probability" in opps else np.nan
    )
    od["amount_filled"] = (
        fast.take_rows(opps["amount_filled"].fillna(False).astype(bool), row)
        .fillna(False)
        .to_numpy(dtype=bool)
        if "amount_filled" in opps
        else False
    )
    return od


def _stale_flag(
    data: SalesData, od: pd.DataFrame, snapshots: bool, stale_days: int
) -> tuple[pd.Series, float, str | None]:
    """The no-stage-change check, the cycle yardstick (NaN with snapshots) and why not run."""
    if snapshots:  # from history snapshots
        return od["days_unchanged"] >= stale_days, np.nan, None
    won = won_deals(data)
    med = float(((won["close_date"] - won["created_date"]).dt.days).median())
    if not np.isfinite(med):
        why = "no won deal with a created date to measure the cycle"
        return pd.Series(False, index=od.index), med, why
    return od["age_days"] > 2 * med, med, None


def _first_match(pairs: pd.DataFrame) -> pd.Series:
    """Each deal of a likely duplicate pair and the first other deal it is paired with."""
    return (
        pd.concat(
            [
                pairs[["opp_id", "other_id"]],
                pairs[["other_id", "opp_id"]].set_axis(["opp_id", "other_id"], axis=1),
            ]
        )
        .drop_duplicates("opp_id")
        .set_index("opp_id")["other_id"]
    )


def _probability_flag(
    data: SalesData, od: pd.DataFrame, as_of: pd.Timestamp, snapshots: bool
) -> tuple[pd.Series, str | None]:
    """The probability-mismatch check and why it could not be run (None: it was)."""
    opps = data.opportunities
    stage_prob = {s.name: s.probability for s in data.stages if s.probability is not None}
    default = od["stage"].map(stage_prob).astype("float64")  # all missing: no stage has one
    # the CRM keeps only today's probability: it can be checked against the stage only on the data's last date
    # without snapshots the stage is the record's too, so both are what the export shows now
    current = as_of >= data.last_date.normalize() or not snapshots
    why = None
    if "probability" not in opps or opps["probability"].isna().all():
        why = "the export has no probabilities"
    elif not current:
        why = (
            "the export keeps only today's probabilities, which the stages of the history "
            "snapshots on an earlier date cannot be compared with"
        )
    is_open_stage = od["stage"].isin([s.name for s in data.stages if not s.closed])
    prob = od["probability"]
    flag = current & (
        (prob.notna() & default.notna() & ((prob - default).abs() > 0.25))
        | (prob.notna() & is_open_stage & ((prob <= 0) | (prob >= 1)))  # as the load warns
    )
    return flag, why


def _category_flag(data: SalesData, od: pd.DataFrame) -> tuple[pd.Series, str | None]:
    """The category-mismatch check and why it could not be run (None: it was)."""
    opps = data.opportunities
    open_names = [s.name for s in data.stages if not s.closed]
    idx = od["stage"].map({n: i for i, n in enumerate(open_names)})
    half = len(open_names) / 2
    cat = od["forecast_category"]
    flag = (
        ((cat == "Commit") & (idx < half - 0.5))
        | (cat == "Closed")
        | ((cat == "Omitted") & (idx == len(open_names) - 1))
    ).fillna(False)
    if "forecast_category" not in opps or opps["forecast_category"].isna().all():
        return flag, "the export has no forecast categories"
    return flag, None


def _without_data_gaps(
    flags: dict[str, pd.Series], od: pd.DataFrame, data: SalesData, as_of: pd.Timestamp
) -> tuple[dict[str, pd.Series], dict[str, tuple[int, float]], dict[str, tuple[int, int]]]:
    """The flags without the blank-field checks that are data gaps, those gaps, and for the
    open-only ones the blank and all closed deals (:data:`DATA_GAP_SHARE`,
    :data:`OPEN_ONLY_SHARE`)."""
    kept = dict(flags)
    data_gaps: dict[str, tuple[int, float]] = {}
    closed_blank: dict[str, tuple[int, int]] = {}
    closed = data.opportunities[timeline.closed_by(data, as_of)]
    for check in RECORD_CHECKS:
        m = flags[check].fillna(False).to_numpy(dtype=bool)
        if len(od) < DATA_GAP_MIN_DEALS:
            continue
        share = m.mean()
        col = OPEN_ONLY_CHECKS.get(check)
        gap = share >= DATA_GAP_SHARE
        if not gap and col is not None and col in closed and share >= OPEN_ONLY_SHARE:
            blank = int(closed[col].isna().sum())
            if len(closed) >= DATA_GAP_MIN_DEALS and blank <= OPEN_ONLY_CLOSED_SHARE * len(closed):
                gap = True
                closed_blank[check] = (blank, len(closed))
        if gap:
            data_gaps[check] = (int(m.sum()), float(od.loc[m, "amount"].sum()))
            del kept[check]
    return kept, data_gaps, closed_blank


def _problem_rows(
    flags: dict[str, pd.Series], od: pd.DataFrame, first_match: pd.Series
) -> pd.DataFrame:
    """One row per deal and check that flags it (:data:`PROBLEM_COLUMNS`), in check order."""
    rows = []
    for check, mask in flags.items():
        m = mask.fillna(False).to_numpy(dtype=bool)
        if m.any():
            part = od.loc[m, ["opp_id", "rep_id", "amount", "stage", "close_date"]].copy()
            part.insert(2, "check", check)
            part.insert(3, "action", CHECKS[check])
            part["related"] = (
                part["opp_id"].map(first_match) if check == "likely_duplicate" else pd.NA
            )
            rows.append(part)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=PROBLEM_COLUMNS)


def _normalised_names(names: pd.Series) -> pd.Series:
    """Deal names lower-cased, with punctuation and repeated spaces removed (missing stays missing)."""
    text = names.astype("str").str.lower()
    text = text.str.replace(r"[^\w]+", " ", regex=True).str.strip()
    return text.where(names.notna() & (text != ""))


def likely_duplicates(
    deals: pd.DataFrame, *, days: int = DUPLICATE_DAYS, similarity: float = NAME_SIMILARITY
) -> pd.DataFrame:
    """Pairs of open deals that look like one deal entered twice.

    Two open deals with the same (known) account and the same deal name (lower-cased, without
    punctuation) are a likely duplicate pair whoever owns them and whenever they were created
    (``same name and account``): one deal entered twice, often by two reps. Otherwise two deals
    are a likely duplicate pair when they have the same rep and the same (known)
    account, were created within ``days`` days of each other (both created dates known),
    are not of two different products, and have either the same amount (above 0, both
    entered: not missing, not filled in by the loader) or the same or a very similar deal name (difflib ratio of the lower-cased names
    without punctuation at least ``similarity``). Same rep and account alone is not enough:
    a rep often works several deals with one customer.

    Parameters
    ----------
    deals
        One row per open deal: ``opp_id, rep_id, account_id, created_date, amount``;
        optional ``opp_name``, ``product``, ``amount_missing`` (as
        :func:`salesops_lib.timeline.open_deals` gives them) and ``amount_filled`` (as
        :func:`audit` adds it).
    days
        Most days between the two created dates.
    similarity
        Least similarity of two names taken for the same deal.

    Returns
    -------
    DataFrame
        ``opp_id, other_id, reason`` (``same amount``, ``same name``, ``similar name``; the
        first that applies; ``same name and account`` for a pair only that rule finds), one
        row per pair, the earlier-listed deal first.

    Examples
    --------
    >>> likely_duplicates(timeline.open_deals(data, "2026-09-30"))  # doctest: +SKIP
    """
    cols = ["opp_id", "rep_id", "account_id", "created_date", "amount"]
    d = deals[cols].copy()
    d["name"] = _normalised_names(deals["opp_name"]) if "opp_name" in deals else pd.NA
    d["product"] = deals["product"] if "product" in deals else pd.NA
    entered = (
        ~deals["amount_missing"].astype(bool)
        if "amount_missing" in deals
        else deals["amount"].notna()
    )
    if "amount_filled" in deals:  # a list price the loader filled in is nobody's entry
        entered = entered & ~deals["amount_filled"].fillna(False).astype(bool)
    d["amount"] = d["amount"].where(entered & (d["amount"] > 0))
    empty = pd.DataFrame({"opp_id": [], "other_id": [], "reason": []}, dtype="str")
    same_name_account = _same_name_and_account(d)
    d = d[d["account_id"].notna() & d["created_date"].notna() & d["rep_id"].notna()]
    d = d.reset_index(drop=True).reset_index(names="row")
    if len(d) < 2:
        return same_name_account if len(same_name_account) else empty
    out = _same_rep_pairs(d, days=days, similarity=similarity)
    if out is None:
        return same_name_account.reset_index(drop=True) if len(same_name_account) else empty
    # a pair of one rep with the same name keeps its reason (same amount, same name)
    key = set(zip(out["opp_id"], out["other_id"], strict=True))
    key |= {(b, a) for a, b in key}
    extra = same_name_account[
        [
            (a, b) not in key
            for a, b in zip(same_name_account["opp_id"], same_name_account["other_id"], strict=True)
        ]
    ]
    return pd.concat([out, extra], ignore_index=True) if len(extra) else out.reset_index(drop=True)


def _other_product(pairs: pd.DataFrame) -> np.ndarray:
    """For each pair of deals, whether both name a product and the products differ."""
    return (
        pairs["product"].notna()
        & pairs["product_b"].notna()
        & (pairs["product"].astype("str") != pairs["product_b"].astype("str"))
    ).to_numpy(dtype=bool)


def _same_name_and_account(d: pd.DataFrame) -> pd.DataFrame:
    """Pairs of deals under one name and account, whoever owns each and whenever made."""
    named = d[d["account_id"].notna() & d["name"].notna()].reset_index(drop=True)
    named = named.reset_index(names="row")
    twin = named.merge(named, on=["account_id", "name"], suffixes=("", "_b"))
    twin = twin[twin["row"] < twin["row_b"]]
    twin = twin[~_other_product(twin)]
    return pd.DataFrame(
        {
            "opp_id": twin["opp_id"].to_numpy(),
            "other_id": twin["opp_id_b"].to_numpy(),
            "reason": "same name and account",
        }
    )


def _same_rep_pairs(d: pd.DataFrame, *, days: int, similarity: float) -> pd.DataFrame | None:
    """Pairs of one rep and account created within ``days`` with a same amount or name.

    None when no pair of one rep and account was created within ``days`` of each other.
    """
    pairs = d.merge(d, on=["rep_id", "account_id"], suffixes=("", "_b"))
    pairs = pairs[pairs["row"] < pairs["row_b"]]
    gap = (pairs["created_date"] - pairs["created_date_b"]).abs()
    pairs = pairs[(gap <= pd.Timedelta(days=days)).to_numpy(dtype=bool)]
    pairs = pairs[~_other_product(pairs)]
    if pairs.empty:
        return None
    same_amount = (pairs["amount"] == pairs["amount_b"]).fillna(False).to_numpy(dtype=bool)
    both = (pairs["name"].notna() & pairs["name_b"].notna()).to_numpy(dtype=bool)
    same_name = both & (pairs["name"] == pairs["name_b"]).fillna(False).to_numpy(dtype=bool)
    similar = np.zeros(len(pairs), dtype=bool)
    for i in np.flatnonzero(both & ~same_name):
        a, b = pairs["name"].iloc[i], pairs["name_b"].iloc[i]
        similar[i] = SequenceMatcher(None, a, b).ratio() >= similarity
    reason = np.select(
        [same_amount, same_name, similar], ["same amount", "same name", "similar name"], ""
    )
    keep = reason != ""
    return pd.DataFrame(
        {
            "opp_id": pairs["opp_id"].to_numpy()[keep],
            "other_id": pairs["opp_id_b"].to_numpy()[keep],
            "reason": reason[keep],
        }
    )


def _checks_by_deal(p: pd.DataFrame) -> pd.Series:
    """Each deal's checks as a tuple, in ``p``'s row order (row positions, not a Python group-by).

    ``groupby(...).agg(tuple)`` calls Python once per deal: 4.6 s for the large company's
    63,000 deals with problems, against a few hundredths here.
    """
    checks = p["check"].to_numpy(dtype=object)
    rows = p.groupby("opp_id", sort=False).indices
    return pd.Series({deal: tuple(checks[at]) for deal, at in rows.items()}, dtype=object)


def problems_by_deal(problems: pd.DataFrame) -> pd.DataFrame:
    """One row per deal with all its problems, from :func:`audit`'s one row per deal and problem.

    Parameters
    ----------
    problems
        :func:`audit`'s frame (``opp_id, rep_id, check, amount, related``).

    Returns
    -------
    DataFrame
        ``opp_id, rep_id, amount, checks`` (the deal's checks, in :data:`CHECKS` order, as a
        tuple), ``problems`` (how many), ``related`` (a likely duplicate's other deal), in
        the order of the deals' first appearance.

    Examples
    --------
    >>> problems_by_deal(audit(data, as_of="2026-09-30")).head()  # doctest: +SKIP
    """
    if problems.empty:
        return pd.DataFrame(
            {"opp_id": [], "rep_id": [], "amount": [], "checks": [], "problems": [], "related": []}
        )
    order = {c: i for i, c in enumerate(CHECKS)}
    p = problems.assign(_order=problems["check"].map(order)).sort_values(["_order"], kind="stable")
    # a caller's attrs may hold whole frames: pandas deep-copies attrs into every group it
    # hands to tuple(), which on the large company cost two minutes
    p.attrs = {}
    g = p.groupby("opp_id", sort=False)
    out = pd.DataFrame(
        {
            "rep_id": g["rep_id"].first(),
            "amount": g["amount"].first(),
            "checks": _checks_by_deal(p),
            "problems": g.size(),
            "related": g["related"].first(),
        }
    )
    first_seen = pd.Index(pd.unique(problems["opp_id"]))
    return out.reindex(first_seen).rename_axis("opp_id").reset_index()


WARNING_EFFECTS: tuple[tuple[str, str, str, str], ...] = (
    # (table, column, words in the message or "", the figures the warning affects)
    (
        "opportunities",
        "amount",
        "list price",
        "Amounts of those deals are their product's list price in open pipeline, win rate by "
        "value and forecasts",
    ),
    (
        "opportunities",
        "amount",
        "",
        "Open pipeline, coverage and forecasts count those deals as $0; the No amount check",
    ),
    (
        "opportunities",
        "close_date",
        "without an expected close date",
        "Open pipeline of every quarter leaves those deals out (they are in no quarter's "
        "pipeline); the forecast methods that read the pipeline still count them",
    ),
    (
        "opportunities",
        "close_date",
        "already past",
        "Past due and the Close date passed check; they are in the pipeline of no later "
        "quarter until re-dated",
    ),
    (
        "opportunities",
        "close_date",
        "before they were created",
        "Cycle days and deal age leave those deals out",
    ),
    (
        "opportunities",
        "created_date",
        "",
        "Cycle days, deal age, pipeline created and the No stage change check (without "
        "history) leave those deals out",
    ),
    (
        "opportunities",
        "account_id",
        "missing from the accounts table",
        "Account names of those deals (their account id is shown instead) and account "
        "attributes such as segment",
    ),
    (
        "opportunities",
        "account_id",
        "",
        "Account names in the deal tables, and the No account and Likely duplicate checks",
    ),
    (
        "opportunities",
        "probability",
        "",
        "The Probability does not match the stage check",
    ),
    (
        "opportunities",
        "stage",
        "",
        "Stage figures of those deals (funnel, conversion, pipeline by stage)",
    ),
    (
        "reps",
        "",
        "",
        "Team, manager and region figures: reps without them count as unassigned; ramp "
        "figures without hire dates",
    ),
    ("history", "", "", "Pushes, stale deals, slipped deals and the backtests' view of the past"),
    ("quotas", "", "", "Quota, attainment and coverage of the reps concerned"),
    ("activities", "", "", "Activity figures of the reps concerned"),
)
"""Which figures each kind of load warning affects (first match wins)."""


def warning_effects(warnings: pd.DataFrame) -> pd.DataFrame:
    """The load's data-quality warnings with the figures each affects.

    Parameters
    ----------
    warnings
        :attr:`SalesData.warnings <salesops_lib.data.SalesData.warnings>`: ``table, column,
        ids, message``.

    Returns
    -------
    DataFrame
        The same rows and columns plus ``affects`` (from :data:`WARNING_EFFECTS`; for a
        warning of another kind, the figures that use its table and column).

    Examples
    --------
    >>> warning_effects(data.warnings)[["message", "affects"]]  # doctest: +SKIP
    """
    out = warnings.reset_index(drop=True).copy()

    def effect(table: str, column: str, message: str) -> str:
        for t, c, words, text in WARNING_EFFECTS:
            if t == table and (not c or c == column) and (not words or words in message):
                return text
        where = f"{table}.{column}" if column else table
        return f"The figures that use {where}"

    out["affects"] = [
        effect(str(t), "" if pd.isna(c) else str(c), str(m))
        for t, c, m in zip(out["table"], out["column"], out["message"], strict=True)
    ]
    return out


def hygiene_score(data: SalesData, audited: Audit, *, by: str = "rep_id") -> pd.DataFrame:
    """Share of each rep's (or team's) open deals with no hygiene problem, 0-100.

    Parameters
    ----------
    data
        The data set (its reps table groups the deals).
    audited
        :func:`audit` on the date scored (its ``open_deals`` are the deals scored).
    by
        ``rep_id``, or a column of the reps table (``team``, ``region``, ``manager``). By rep,
        the deals :func:`scored_apart` names are left out: those whose owner on the as-of
        date is not in the data, those the owner had inherited fewer than
        :data:`RECENT_OWNER_DAYS` days before (what is wrong with them happened before), and
        those of owners who had left.

    Returns
    -------
    DataFrame
        Indexed by ``by``, lowest score first: ``open_deals, flagged_deals, problems, score``
        and one column per check (problem count).
    """
    od, problems = audited.open_deals, audited.problems
    if by == "rep_id":  # a rep is scored only on what happened while they owned the deal
        why = scored_apart(od, audited.as_of, left_by(data, audited.as_of))
        apart = od.loc[(why != "").to_numpy(), "opp_id"]
        if len(apart):
            od = od[~fast.isin(od["opp_id"], apart)]
            problems = problems[~fast.isin(problems["opp_id"], apart)]

    def key(f: pd.DataFrame) -> pd.Series:
        return group_labels(data, f, by)

    open_n = od.groupby(key(od)).size()
    flagged = problems.drop_duplicates("opp_id")
    out = pd.DataFrame(
        {
            "open_deals": open_n,
            "flagged_deals": flagged.groupby(key(flagged)).size(),
            "problems": problems.groupby(key(problems)).size(),
        }
    )
    out = out.fillna(0).astype({"open_deals": int, "flagged_deals": int, "problems": int})
    out["score"] = 100 * (1 - out["flagged_deals"] / out["open_deals"].where(out["open_deals"] > 0))
    by_check = problems.groupby([key(problems), "check"]).size().unstack(fill_value=0)
    out = out.join(by_check, how="left").fillna(0)
    return out.rename_axis(by).sort_values("score")


def left_by(data: SalesData, as_of: pd.Timestamp | None) -> frozenset[str]:
    """The reps who had left by ``as_of`` (an end date on or before it).

    Parameters
    ----------
    data
        The data set (reps' ``rep_id`` and ``end_date`` when present).
    as_of
        The as-of date (None: nobody).

    Returns
    -------
    frozenset of str
    """
    reps = data.reps
    if as_of is None or "end_date" not in reps:
        return frozenset()
    gone = (reps["end_date"] <= as_of).fillna(False).to_numpy(dtype=bool)
    return frozenset(reps.loc[gone, "rep_id"].dropna().astype("str"))


def scored_apart(
    od: pd.DataFrame, as_of: pd.Timestamp | None, left: frozenset[str] = frozenset()
) -> pd.Series:
    """Why each open deal is left out of its owner's score: ``unknown``, ``recent``, ``left`` or ``""``.

    ``unknown``: who owned it on the as-of date is not in the data (``owner_known`` False).
    ``recent``: its owner then inherited it (received it after it was created: reassigned,
    or created before their hire date) fewer than :data:`RECENT_OWNER_DAYS` days before
    (``received_date``), so what is wrong with it mostly happened before they owned it. A
    deal a rep created is always theirs. ``left``: its owner then had left (``left``, from
    :func:`left_by`): the deal waits for a new owner, and nobody's hygiene is measured on it.

    Parameters
    ----------
    od
        Open deals (:func:`salesops_lib.timeline.open_deals`: ``owner_known``,
        ``received_date``, ``created_date``; any may be absent).
    as_of
        The as-of date (None: no deal is ``recent``).
    left
        Reps who had left by ``as_of`` (:func:`left_by`).

    Returns
    -------
    Series
        Text, on ``od``'s index.

    Examples
    --------
    >>> od = pd.DataFrame({"owner_known": [True, False, True, True],
    ...     "created_date": pd.to_datetime(["2025-01-01", None, "2026-08-01", "2026-09-20"]),
    ...     "received_date": pd.to_datetime(["2026-01-01", None, "2026-09-19", "2026-09-20"])})
    >>> scored_apart(od, pd.Timestamp("2026-09-30")).tolist()
    ['', 'unknown', 'recent', '']
    """
    out = pd.Series("", index=od.index, dtype="str")
    if as_of is not None and "received_date" in od and "created_date" in od:
        received = pd.to_datetime(od["received_date"])
        held = (as_of - received).dt.days
        inherited = received > pd.to_datetime(od["created_date"])
        recent = (held < RECENT_OWNER_DAYS) & inherited
        out[recent.fillna(False).to_numpy(dtype=bool)] = "recent"
    if left and "rep_id" in od:
        out[od["rep_id"].isin(list(left)).to_numpy(dtype=bool)] = "left"
    if "owner_known" in od:
        out[~od["owner_known"].fillna(True).to_numpy(dtype=bool)] = "unknown"
    return out


def forecast_impact(
    data: SalesData,
    *,
    quarters: list[str],
    week: int = 4,
    stale_days: int = 30,
    push_limit: int = 2,
) -> pd.DataFrame:
    """How much of past quarters' pipeline-forecast error came from deals with hygiene problems.

    For each quarter, as of the end of its ``week``-th week, each open deal's expected bookings
    (the pipeline method's chance for it, :func:`salesops_lib.analysis.forecast.deal_chances`,
    times its amount) is compared with what that deal actually booked in the quarter; the
    absolute errors deal by deal are summed for the deals :func:`audit` flags on that date and
    for the clean ones. Quarters without two full quarters of data before them
    (:func:`~salesops_lib.analysis.forecast.backtestable`) are left out: the method had
    nothing to learn from.

    Parameters
    ----------
    data
        The data set.
    quarters
        The quarters measured (complete ones: each deal's outcome must be known).
    week
        The week of each quarter the forecast is made at.
    stale_days, push_limit
        As for :func:`audit`.

    Returns
    -------
    DataFrame
        ``quarter, flagged_deals, clean_deals, flagged_error, clean_error, flagged_share,
        flagged_amount, clean_amount``: the errors are sums of per-deal absolute errors
        ``|expected - actual|``, ``flagged_share`` is the flagged deals' share of their total
        and the amounts are those of the deals weighed, flagged and clean.

    Examples
    --------
    >>> forecast_impact(data, quarters=["2026Q2", "2026Q3"])["flagged_share"]  # doctest: +SKIP
    """
    rows = []
    won = won_deals(data)
    for q in quarters:
        if not backtestable(data, q):
            continue
        start, end = data.calendar.bounds(q)
        as_of = min(start + pd.Timedelta(days=7 * week - 1), end)
        audited = audit(data, as_of=as_of, stale_days=stale_days, push_limit=push_limit)
        problems = audited.problems
        chances = deal_chances(data, quarter=q, as_of=as_of).set_index("opp_id")
        od = audited.open_deals
        od = od[fast.isin(od["opp_id"], chances.index)]  # the deals the forecast weighed
        # astype: mapping an empty column of ids keeps it text
        expected = (
            od["opp_id"].map(chances["chance"] * chances["amount"]).astype("float64").fillna(0.0)
        )
        won_q = won[(won["close_date"] >= start) & (won["close_date"] <= end)].set_index("opp_id")[
            "amount"
        ]
        actual = od["opp_id"].map(won_q).astype("float64").fillna(0.0)
        err = (expected - actual).abs()
        flagged = pd.Series(fast.isin(od["opp_id"], problems["opp_id"]), index=od.index)
        fe, ce = float(err[flagged].sum()), float(err[~flagged].sum())
        amount = od["amount"].fillna(0.0)
        rows.append(
            (
                q,
                int(flagged.sum()),
                int((~flagged).sum()),
                fe,
                ce,
                fe / (fe + ce) if (fe + ce) > 0 else np.nan,
                float(amount[flagged].sum()),
                float(amount[~flagged].sum()),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "quarter",
            "flagged_deals",
            "clean_deals",
            "flagged_error",
            "clean_error",
            "flagged_share",
            "flagged_amount",
            "clean_amount",
        ],
    )
