"""Customer profile: which accounts win, a fit score per account, and where effort goes.

Pure functions over closed deals joined to their accounts' firmographics (industry, size
band, region, segment) and the deals' product:

- :func:`segment_rates`: win rate, deal size, cycle and bookings per segment, win rates
  shrunk toward the company's rate with intervals (the same shrinkage as rep
  benchmarking, :func:`~salesops_lib.analysis.reps.shrunk_win_rates`), and lift.
- :func:`fit_model` and :func:`score_accounts`: a logistic regression of a deal's outcome
  on its account's one-hot firmographics; an account's score is the win chance the model
  gives its deals, its reasons the traits that raise it most.
- :func:`tier_lift`: the time-split check: tiers from a model fitted on deals closed before
  a cut date, graded on the deals that closed after it.
- :func:`effort_by_tier`: activities, deals and wins per tier.

Why a logistic regression: each trait gets one coefficient, so a manager can read the
score as "Software raises the odds of a win 2.1 times" and check it against the segment
table; with a few thousand closed deals and a handful of traits, a more flexible model
(trees, boosting) would fit the same main effects and be harder to explain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder

from salesops_lib.analysis.reps import shrunk_win_rates, wilson_interval

TRAITS = ("industry", "size_band", "region", "segment")
"""The account traits of the segment tables (those the data has)."""
MODEL_TRAITS = ("industry", "size", "region")
"""The traits the fit score learns from: ``size`` is segment and size band together (the
two say much the same, and apart their odds would offset each other and mislead)."""
TRAIT_WORDS = {
    "industry": "Industry",
    "size_band": "Size",
    "region": "Region",
    "segment": "Segment",
    "size": "Segment and size",
    "product": "Product",
}
UNKNOWN = "unknown"
SIZE_BANDS = (
    (0, 50, "under 50 employees"),
    (50, 200, "50–199 employees"),
    (200, 1000, "200–999 employees"),
    (1000, 5000, "1,000–4,999 employees"),
    (5000, np.inf, "5,000+ employees"),
)
"""Size bands by head count: ``(from, below, label)``."""
TIER_SHARES = (0.30, 0.30)
"""Shares of accounts in tiers A and B (the rest is C), best scores first."""
TIERS = ("A", "B", "C")


def size_band(employees: pd.Series) -> pd.Series:
    """The size band of each account from its head count (``unknown`` when blank).

    Parameters
    ----------
    employees
        Head count per account.

    Returns
    -------
    Series
        Band labels of :data:`SIZE_BANDS` (str), on the same index.

    Examples
    --------
    >>> size_band(pd.Series([10, 50, 4999, None])).tolist()
    ['under 50 employees', '50–199 employees', '1,000–4,999 employees', 'unknown']
    """
    e = pd.to_numeric(employees, errors="coerce")
    out = pd.Series(UNKNOWN, index=e.index, dtype="str")
    for lo, hi, label in SIZE_BANDS:
        out = out.mask((e >= lo) & (e < hi), label)
    return out


def firmographics(accounts: pd.DataFrame | None) -> pd.DataFrame:
    """The traits of each account, blanks as ``unknown``, indexed by ``account_id``.

    Parameters
    ----------
    accounts
        The accounts table (``account_id``; ``account_name``, ``industry``, ``employees``,
        ``region``, ``segment`` when present); None: no accounts.

    Returns
    -------
    DataFrame
        ``account_name``, the :data:`TRAITS` the table carries (a trait every account
        leaves blank is left out) and ``size`` (segment and size band); empty without
        accounts.
    """
    if accounts is None or not len(accounts):
        return pd.DataFrame(columns=["account_name"], index=pd.Index([], name="account_id"))
    a = accounts.drop_duplicates("account_id").set_index("account_id")
    out = pd.DataFrame(index=a.index)
    out["account_name"] = a["account_name"] if "account_name" in a else a.index.to_series()
    if "employees" in a and a["employees"].notna().any():
        out["size_band"] = size_band(a["employees"])
    for col in ("industry", "region", "segment"):
        if col in a and a[col].notna().any():
            out[col] = a[col].astype("str").str.strip().replace("", UNKNOWN).fillna(UNKNOWN)
    if "segment" in out and "size_band" in out:
        out["size"] = out["segment"] + ", " + out["size_band"]
    elif "segment" in out or "size_band" in out:
        out["size"] = out["segment"] if "segment" in out else out["size_band"]
    return out[["account_name", *[t for t in (*TRAITS, "size") if t in out]]]


def closed_deals(
    opps: pd.DataFrame, firmo: pd.DataFrame, *, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Deals closed from ``start`` to ``end`` (both included), with their account's traits.

    Parameters
    ----------
    opps
        Opportunities: ``opp_id, account_id, rep_id, product, amount, created_date,
        close_date, is_closed, is_won``.
    firmo
        :func:`firmographics` of the accounts.
    start, end
        The close dates kept.

    Returns
    -------
    DataFrame
        ``opp_id, account_id, rep_id, product, is_won, amount, close_date, cycle_days`` and
        the traits (``unknown`` for a deal without a known account).
    """
    o = opps[opps["is_closed"].astype(bool)]
    o = o[(o["close_date"] >= start) & (o["close_date"] <= end)]
    cols = ["opp_id", "account_id", "rep_id", "product", "amount", "close_date"]
    out = o[cols].copy()
    out["is_won"] = o["is_won"].astype(bool)
    out["product"] = out["product"].astype("str").fillna(UNKNOWN)
    out["cycle_days"] = (o["close_date"] - o["created_date"]).dt.days.astype(float)
    at = firmo.index.get_indexer(out["account_id"])  # -1: no known account
    for t in (t for t in (*TRAITS, "size") if t in firmo):
        values = np.append(firmo[t].to_numpy(dtype=object), UNKNOWN)
        out[t] = pd.array(values[at], dtype="str")
    return out.reset_index(drop=True)


def segment_rates(deals: pd.DataFrame, *, by: str, level: float = 0.95) -> pd.DataFrame:
    """Win rate, shrunk win rate with interval, lift, deal size, cycle and bookings per segment.

    Parameters
    ----------
    deals
        :func:`closed_deals` (``is_won, amount, cycle_days`` and the column ``by``).
    by
        The trait that makes the segments (``industry``, ``size_band``, ``product`` ...).
    level
        Level of the intervals.

    Returns
    -------
    DataFrame
        One row per value of ``by``: ``trait, segment, closed, won, win_rate, lo, hi``
        (Wilson), ``shrunk_win_rate, shrunk_lo, shrunk_hi`` (shrunk toward the company's
        rate), ``lift`` (shrunk rate over the company's), ``avg_deal`` (bookings per win),
        ``cycle_days`` (mean, wins), ``bookings`` and ``bookings_share``; best shrunk rate
        first.
    """
    won_amount = deals["amount"].where(deals["is_won"], 0.0).fillna(0.0)
    won_cycle = deals["cycle_days"].where(deals["is_won"])
    g = (
        deals.assign(_won_amount=won_amount, _won_cycle=won_cycle)
        .groupby(by)
        .agg(
            closed=("is_won", "size"),
            won=("is_won", "sum"),
            bookings=("_won_amount", "sum"),
            cycle_days=("_won_cycle", "mean"),
        )
    )
    g["won"] = g["won"].astype(int)
    g["win_rate"] = g["won"] / g["closed"]
    g["lo"], g["hi"] = wilson_interval(g["won"], g["closed"], level)
    g = g.join(shrunk_win_rates(g, level=level))
    company = g["won"].sum() / g["closed"].sum()
    g["lift"] = g["shrunk_win_rate"] / company if company > 0 else np.nan
    g["avg_deal"] = (g["bookings"] / g["won"]).where(g["won"] > 0)
    total = g["bookings"].sum()
    g["bookings_share"] = g["bookings"] / total if total > 0 else np.nan
    g = g.drop(columns=["peer_win_rate", "prior_strength"]).reset_index(names="segment")
    g.insert(0, "trait", TRAIT_WORDS.get(by, by))
    return g.sort_values(["shrunk_win_rate", "closed"], ascending=False, ignore_index=True)


@dataclass(frozen=True)
class FitModel:
    """A fitted fit score: the encoder, the regression and the traits it reads.

    Attributes
    ----------
    traits
        The account traits, in order.
    encoder
        One-hot encoder of the traits (unknown values ignored).
    model
        The logistic regression of a deal's outcome.
    effects
        Per trait value: ``trait, value, odds`` (how many times the odds of a win are
        those of the trait's average deal) and ``deals`` (training deals).
    deals
        Closed deals it learned from.
    """

    traits: tuple[str, ...]
    encoder: OneHotEncoder
    model: LogisticRegression
    effects: pd.DataFrame
    deals: int


def fit_model(deals: pd.DataFrame, *, traits: tuple[str, ...] | None = None) -> FitModel | None:
    """Fit the fit score on closed deals: the win chance given the account's traits.

    A logistic regression (L2 penalty, ``C=1``) on one-hot traits: each trait value gets one
    coefficient, read as how many times it multiplies the odds of a win against the
    trait's average deal.

    Parameters
    ----------
    deals
        :func:`closed_deals` (``is_won`` and the traits).
    traits
        Traits to learn from; None: the :data:`MODEL_TRAITS` the frame has.

    Returns
    -------
    FitModel or None
        None when there are no traits, no deals, or only wins or only losses.
    """
    traits = tuple(t for t in (traits or MODEL_TRAITS) if t in deals)
    y = deals["is_won"].to_numpy(dtype=int)
    if not traits or not len(deals) or y.min() == y.max():
        return None
    # one row per combination of traits and outcome, weighted by its deals: the same fit as
    # one row per deal (the loss is a sum over deals), in a few hundred rows instead of millions
    cells = deals[list(traits)].astype("str").assign(is_won=y)
    cells = cells.value_counts(sort=False).reset_index(name="deals")
    enc = OneHotEncoder(handle_unknown="ignore")
    x = enc.fit_transform(cells[list(traits)])
    model = LogisticRegression(C=1.0, max_iter=1000).fit(
        x, cells["is_won"].to_numpy(), sample_weight=cells["deals"].to_numpy(dtype=float)
    )
    rows = []
    coef = model.coef_[0]
    pos = 0
    for t, cats in zip(traits, enc.categories_, strict=True):
        c = coef[pos : pos + len(cats)]
        counts = deals[t].astype("str").value_counts().reindex(cats).fillna(0).to_numpy()
        centre = float((c * counts).sum() / counts.sum())
        rows += [
            {"trait": t, "value": v, "odds": float(np.exp(k - centre)), "deals": int(n)}
            for v, k, n in zip(cats, c, counts, strict=True)
        ]
        pos += len(cats)
    return FitModel(traits, enc, model, pd.DataFrame(rows), len(deals))


def score_accounts(fit: FitModel, firmo: pd.DataFrame) -> pd.DataFrame:
    """Each account's fit score (win chance of its deals), tier and the reasons for it.

    Parameters
    ----------
    fit
        :func:`fit_model`'s result.
    firmo
        :func:`firmographics` of the accounts to score.

    Returns
    -------
    DataFrame
        ``account_id, account_name, score`` (0 to 1), ``tier`` (:func:`tiers`) and
        ``reasons`` (the two traits that raise the odds most, with their factor), best
        score first (ties by account id).
    """
    x = firmo.reindex(columns=list(fit.traits)).fillna(UNKNOWN).astype("str")
    score = fit.model.predict_proba(fit.encoder.transform(x))[:, 1]
    out = pd.DataFrame(
        {
            "account_id": firmo.index.to_numpy(),
            "account_name": firmo["account_name"].to_numpy(),
            "score": score,
        }
    )
    out["tier"] = tiers(out["score"]).to_numpy()
    out["reasons"] = _reasons(fit, x)
    return out.sort_values(["score", "account_id"], ascending=[False, True], ignore_index=True)


def _reasons(fit: FitModel, x: pd.DataFrame) -> list[str]:
    """The two traits of each row that raise the odds most (``Software: odds ×2.1``)."""
    odds = fit.effects.set_index(["trait", "value"])["odds"]
    per = np.column_stack(
        [odds.reindex(pd.MultiIndex.from_arrays([[t] * len(x), x[t]])).to_numpy() for t in x]
    )
    per = np.where(np.isnan(per), 1.0, per)
    out = []
    for row, vals in zip(per, x.to_numpy(), strict=True):
        best = [i for i in np.argsort(-row) if row[i] > 1.05][:2]
        out.append(
            "; ".join(f"{vals[i]}: odds ×{row[i]:.1f}" for i in best)
            or "no trait above the average"
        )
    return out


def tiers(score: pd.Series, shares: tuple[float, float] = TIER_SHARES) -> pd.Series:
    """Tier A, B or C by score: the top ``shares[0]`` of accounts A, the next ``shares[1]`` B.

    Accounts with the same score share a tier (the better one), so a tier can hold a
    little more than its share.

    Parameters
    ----------
    score
        Score per account.
    shares
        Shares of accounts in A and in B.

    Returns
    -------
    Series
        ``A``, ``B`` or ``C`` (str) on the same index.

    Examples
    --------
    >>> tiers(pd.Series([0.9, 0.8, 0.5, 0.4, 0.3, 0.3, 0.2, 0.1]), (0.25, 0.25)).tolist()
    ['A', 'A', 'B', 'B', 'C', 'C', 'C', 'C']
    """
    rank = score.rank(ascending=False, method="min") - 1  # accounts scored higher
    n = len(score)
    a_end, b_end = shares[0] * n, (shares[0] + shares[1]) * n
    out = np.where(rank < a_end - 1e-9, "A", np.where(rank < b_end - 1e-9, "B", "C"))
    return pd.Series(out, index=score.index, dtype="str")


def tier_lift(scored: pd.DataFrame, later: pd.DataFrame) -> pd.DataFrame:
    """Per tier, how the deals that closed after the cut went: the time-split check.

    Parameters
    ----------
    scored
        :func:`score_accounts` of a model fitted on deals before the cut.
    later
        :func:`closed_deals` after the cut (deals without a scored account left out).

    Returns
    -------
    DataFrame
        One row per tier A, B, C: ``accounts, account_share, closed, won, win_rate,
        lift`` (its win rate over all later deals'), ``win_share`` (share of later wins),
        ``bookings`` and ``bookings_share``.
    """
    tier = scored.set_index("account_id")["tier"]
    d = later[later["account_id"].isin(tier.index)]
    d = d.assign(tier=tier.reindex(d["account_id"]).to_numpy())
    d = d.assign(_won_amount=d["amount"].where(d["is_won"], 0.0).fillna(0.0))
    g = d.groupby("tier").agg(
        closed=("is_won", "size"), won=("is_won", "sum"), bookings=("_won_amount", "sum")
    )
    g = g.reindex(list(TIERS)).fillna(0)
    g["won"] = g["won"].astype(int)
    g["closed"] = g["closed"].astype(int)
    acc = tier.value_counts().reindex(list(TIERS)).fillna(0).astype(int)
    g.insert(0, "accounts", acc)
    g.insert(1, "account_share", acc / max(acc.sum(), 1))
    g["win_rate"] = (g["won"] / g["closed"]).where(g["closed"] > 0)
    overall = g["won"].sum() / g["closed"].sum() if g["closed"].sum() else np.nan
    g["lift"] = g["win_rate"] / overall
    g["win_share"] = g["won"] / g["won"].sum() if g["won"].sum() else np.nan
    total = g["bookings"].sum()
    g["bookings_share"] = g["bookings"] / total if total > 0 else np.nan
    return g.reset_index(names="tier")


def effort_by_tier(
    activities: pd.DataFrame,
    opps: pd.DataFrame,
    scored: pd.DataFrame,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """Per tier, the share of activities logged against the share of deals won.

    Parameters
    ----------
    activities
        ``opp_id, activity_date``.
    opps
        Opportunities: ``opp_id, account_id, is_closed, is_won, close_date``.
    scored
        :func:`score_accounts` (``account_id, tier``).
    start, end
        Activities dated, and wins closed, in this span (both included).

    Returns
    -------
    DataFrame
        One row per tier A, B, C: ``activities, activity_share, won, win_share`` and
        ``activities_per_win``.
    """
    accounts = pd.Index(scored["account_id"])
    tier = np.append(scored["tier"].to_numpy(dtype=object), [None])  # None: no scored account
    a = activities[(activities["activity_date"] >= start) & (activities["activity_date"] <= end)]
    deal = pd.Index(opps["opp_id"]).get_indexer(a["opp_id"])
    acc = np.append(opps["account_id"].to_numpy(dtype=object), [None])[deal]
    a_tier = tier[accounts.get_indexer(acc)]
    w = opps[opps["is_closed"].astype(bool) & opps["is_won"].astype(bool)]
    w = w[(w["close_date"] >= start) & (w["close_date"] <= end)]
    w_tier = tier[accounts.get_indexer(w["account_id"])]
    out = pd.DataFrame(index=pd.Index(list(TIERS), name="tier"))
    out["activities"] = pd.Series(a_tier).value_counts().reindex(out.index).fillna(0).astype(int)
    out["won"] = pd.Series(w_tier).value_counts().reindex(out.index).fillna(0).astype(int)
    out["activity_share"] = out["activities"] / max(out["activities"].sum(), 1)
    out["win_share"] = out["won"] / max(out["won"].sum(), 1)
    out["activities_per_win"] = (out["activities"] / out["won"]).where(out["won"] > 0)
    return out.reset_index()[
        ["tier", "activities", "activity_share", "won", "win_share", "activities_per_win"]
    ]


def top_segments(
    deals: pd.DataFrame, *, by: tuple[str, str] = ("industry", "size_band"), min_closed: int = 30
) -> pd.DataFrame:
    """The combined segments (e.g. industry and size) that win most, shrunk, with their persona.

    Parameters
    ----------
    deals
        :func:`closed_deals` (``is_won, amount, cycle_days, product, rep_id`` and ``by``).
    by
        The two traits combined.
    min_closed
        Segments with fewer closed deals are left out.

    Returns
    -------
    DataFrame
        One row per segment with at least ``min_closed`` deals, best shrunk win rate first:
        ``by`` columns, the :func:`segment_rates` columns, ``product`` (the product most won
        there), ``product_share`` (its share of the wins), ``median_cycle`` (days, wins)
        and ``reps`` (rep ids with most wins there, best first, up to three) with
        ``rep_wins``.
    """
    if not all(b in deals for b in by) or not len(deals):
        return pd.DataFrame()
    key = deals[by[0]].astype("str") + " | " + deals[by[1]].astype("str")
    d = deals.assign(_key=key)
    rates = segment_rates(d, by="_key")
    rates = rates[rates["closed"] >= min_closed].reset_index(drop=True)
    wins = d[d["is_won"]]
    rows = []
    for k in rates["segment"]:
        w = wins[wins["_key"] == k]
        prod = w["product"].value_counts()
        reps = w["rep_id"].value_counts().head(3)
        rows.append(
            {
                "product": prod.index[0] if len(prod) else None,
                "product_share": prod.iloc[0] / len(w) if len(prod) else np.nan,
                "median_cycle": float(w["cycle_days"].median()) if len(w) else np.nan,
                "reps": list(reps.index),
                "rep_wins": [int(v) for v in reps.to_numpy()],
            }
        )
    parts = rates["segment"].str.split(" | ", n=1, expand=True, regex=False)
    out = pd.concat([rates.drop(columns="trait"), pd.DataFrame(rows)], axis=1)
    out.insert(0, by[0], parts[0] if len(parts) else [])
    out.insert(1, by[1], parts[1] if len(parts) else [])
    return out


def spearman(a: pd.Series, b: pd.Series) -> float:
    """Spearman's rank correlation of two series on their common index.

    Parameters
    ----------
    a, b
        Values per key (e.g. a score and a true fit per account).

    Returns
    -------
    float
        Between -1 and 1; ``nan`` with fewer than three common keys.

    Examples
    --------
    >>> round(spearman(pd.Series([1, 2, 3]), pd.Series([10, 30, 20])), 2)
    0.5
    """
    j = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").dropna()
    if len(j) < 3:
        return float("nan")
    return float(j["a"].rank().corr(j["b"].rank()))
