"""Fair comparisons of individual reps: scorecards, honest rankings, consistency, leaks, ramp.

Raw rankings mislead: a rep with three deals and three wins tops a win-rate table, a rep in
month two is compared with veterans, one big deal hides a dry quarter. Every function here
compares a rep with peers (same role and segment; ramping reps with ramping peers of the
same tenure) and says how sure the comparison is.

Definitions
-----------
tenure_months
    Whole months from hire date to the as-of date.
ramp_status
    ``ramping`` in the first ``ramp_months`` (default 6) months, else ``ramped``;
    ``unknown`` without a hire date.
peer_group
    Role and segment; ramping reps are grouped with ramping peers of the same tenure band
    (0-2, 3-5 months).
win rate interval
    Wilson score interval for won / (won + lost).
shrunk win rate
    Empirical-Bayes estimate: the rep's wins and losses added to a beta prior at the peer
    group's rate whose strength comes from the spread between the reps (method of moments),
    never so strong that a rep's shrunk rate leaves their own interval; a small sample stays
    near the peer mean, a rep with hundreds of deals near their own rate.
funnel flag
    ``above`` / ``below`` peers when the rep's raw win rate lies outside the peer mean's 95%
    binomial limits for the rep's number of closed deals; none for a peer group of fewer than
    three reps.
consistency (monthly CV)
    Standard deviation of monthly bookings divided by their mean over the trailing quarters;
    erratic only beyond what the rep's own deals falling in random months give.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from salesops_lib import timeline
from salesops_lib.analysis import funnel as funnel_lib
from salesops_lib.analysis.kpis import closed_deals, kpi_table
from salesops_lib.data import SalesData

DAYS_PER_MONTH = 30.4375


def trailing_quarters(data: SalesData, quarter: str, n: int) -> list[str]:
    """The ``n`` quarters ending with ``quarter``, oldest first, within the data.

    Parameters
    ----------
    data
        The data set (its calendar and first quarter).
    quarter
        The last quarter.
    n
        How many quarters, at most; those before the data's first quarter are left out.

    Returns
    -------
    list of str
    """
    first = data.quarters()[0]
    return [
        q for q in (data.calendar.shift(quarter, -k) for k in range(n - 1, -1, -1)) if q >= first
    ]


def tenure(data: SalesData, as_of: pd.Timestamp, *, ramp_months: int = 6) -> pd.DataFrame:
    """Tenure in months on ``as_of`` and ramp status per rep.

    ``ramp_status`` is ``ramping``, ``ramped`` or, without a hire date, ``unknown``: such a
    rep is compared with every peer of the same role and segment, as a ramped rep is, but
    nobody can say whether they are still ramping.

    Parameters
    ----------
    data
        The data set (reps' ``rep_id, hire_date``).
    as_of
        The date tenure is counted to.
    ramp_months
        Reps with fewer whole months of tenure are ``ramping``.

    Returns
    -------
    DataFrame
        Indexed by ``rep_id``: ``tenure_months`` (whole months of 30.44 days; NaN without a
        hire date) and ``ramp_status``.
    """
    reps = data.reps[["rep_id", "hire_date"]].copy()
    months = ((as_of - reps["hire_date"]).dt.days / DAYS_PER_MONTH).astype("float64")
    reps["tenure_months"] = np.floor(months)
    reps["ramp_status"] = np.where(reps["tenure_months"] < ramp_months, "ramping", "ramped")
    reps.loc[reps["hire_date"].isna(), "ramp_status"] = "unknown"
    return reps.drop(columns="hire_date").set_index("rep_id")


def peer_groups(data: SalesData, ten: pd.DataFrame) -> pd.Series:
    """Peer group label per rep: role and segment; ramping reps by tenure band.

    Parameters
    ----------
    data
        The data set (reps' ``role`` and ``segment``, where filled).
    ten
        :func:`tenure` of the reps.

    Returns
    -------
    Series
        ``peer_group`` on ``rep_id``, e.g. ``Enterprise AE · Mid-Market`` or
        ``Enterprise AE · Mid-Market · ramping 0-2 months``; ``All reps`` when the reps have
        neither role nor segment.
    """
    reps = data.reps.set_index("rep_id")
    parts = []
    for col in ("role", "segment"):
        if col in reps and reps[col].notna().any():
            parts.append(reps[col].fillna("(none)").astype("str"))
    base = parts[0] if parts else pd.Series("All reps", index=reps.index)
    for p in parts[1:]:
        base = base + " · " + p
    t = ten.reindex(reps.index)
    band = np.where(t["tenure_months"] < 3, "ramping 0-2 months", "ramping 3-5 months")
    label = np.where(t["ramp_status"] == "ramping", base + " · " + band, base)
    return pd.Series(label, index=reps.index, name="peer_group")


def peer_percentile(values: pd.Series) -> pd.Series:
    """Share of the peers with a value at or below each one's, 0-100 (100 = best).

    Ties share the highest rank, so two reps level at the top are both 100; peers without a
    value (NaN) are left out of the count and get none.

    Parameters
    ----------
    values
        One peer group's values.

    Returns
    -------
    Series
        On ``values``' index.

    Examples
    --------
    >>> peer_percentile(pd.Series([1.0, 2.0, 2.0, 4.0])).tolist()
    [25.0, 75.0, 75.0, 100.0]
    """
    return values.rank(method="max", pct=True) * 100


def compared(card: pd.DataFrame) -> pd.DataFrame:
    """The reps of a :func:`rep_scorecard` with closed deals or a quota in the window, ranked among themselves.

    Their percentiles are taken among themselves: reps with nothing in the window do not pad
    the base.

    Parameters
    ----------
    card
        Output of :func:`rep_scorecard` (``won_trailing, lost_trailing, quota_trailing,
        peer_group`` and the trailing values behind the percentiles).

    Returns
    -------
    DataFrame
        The same columns, fewer rows, ``pct_*`` recomputed.

    Examples
    --------
    >>> compared(rep_scorecard(data, quarter="2026Q3"))  # doctest: +SKIP
    """
    active = (card["won_trailing"] + card["lost_trailing"] > 0) | card["quota_trailing"].fillna(
        0
    ).gt(0)
    out = card[active].copy()
    g = out.groupby("peer_group")
    for col, src in PERCENTILES.items():
        out[col] = g[src].transform(peer_percentile)
    return blank_percentiles(out)


MIN_PEERS = 3
"""A percentile needs a peer group of at least this many reps compared."""


def blank_percentiles(card: pd.DataFrame, *, min_peers: int = MIN_PEERS) -> pd.DataFrame:
    """The card with no percentile where it says nothing.

    a peer group of fewer than ``min_peers`` reps (one rep is trivially the best of one), or
    a rep without a closed deal in the window (nothing was measured).
    Parameters
    ----------
    card
        ``peer_group, won_trailing, lost_trailing`` and the ``pct_*`` columns of
        :data:`PERCENTILES`.
    min_peers
        The smallest peer group that gets percentiles.

    Returns
    -------
    DataFrame
        A copy with those percentiles NaN (shown blank).

    Examples
    --------
    >>> blank_percentiles(card)["pct_bookings"].isna().sum()  # doctest: +SKIP
    3
    """
    out = card.copy()
    size = out.groupby("peer_group")["peer_group"].transform("size")
    closed = out["won_trailing"].fillna(0) + out["lost_trailing"].fillna(0)
    blank = (size < min_peers).to_numpy() | (closed <= 0).to_numpy()
    for col in PERCENTILES:
        out.loc[blank, col] = np.nan
    return out


PERCENTILES = {
    "pct_bookings": "bookings_trailing",
    "pct_attainment": "attainment_trailing",
    "pct_win_rate": "win_rate_trailing",
}
"""Percentile column -> the trailing value it ranks."""


def rep_scorecard(
    data: SalesData,
    *,
    quarter: str,
    as_of: object | None = None,
    trailing: int = 4,
    ramp_months: int = 6,
) -> pd.DataFrame:
    """Per rep, the quarter and the trailing quarters side by side, with peer percentiles.

    Parameters
    ----------
    data
        Loaded data.
    quarter
        The quarter scored; the trailing window ends with it.
    as_of
        What is known (default the quarter's end or the data's last date).
    trailing
        Number of quarters in the trailing window (including ``quarter``).
    ramp_months
        Months a new hire counts as ramping.

    Returns
    -------
    DataFrame
        Indexed by ``rep_id``: ``rep_name, team, manager, peer_group, tenure_months,
        ramp_status``; for the quarter ``bookings, quota, attainment, won, lost, win_rate,
        avg_deal_size, avg_cycle_days, pipeline_created, activities``; the same with a
        ``_trailing`` suffix; and ``pct_bookings, pct_attainment, pct_win_rate``: the
        percentile (0-100) of the trailing value within the peer group. ``attainment_trailing``
        is bookings over quota, both summed over the window; ``pipeline_created`` counts the
        deals the rep created (:func:`~salesops_lib.timeline.creators`: an inherited deal
        for the rep who owned it on its created date; none for an unknown creator).
    """
    _, end_q = data.calendar.bounds(quarter)
    as_of_ts = data.default_as_of(quarter) if as_of is None else min(pd.Timestamp(as_of), end_q)
    card = data.derived(
        ("rep scorecard", quarter, as_of_ts, trailing, ramp_months),
        lambda: _scorecard(data, quarter, as_of_ts, trailing, ramp_months),
    )  # the rankings, the consistency quadrants and the report all read the same card
    return card.copy(deep=False)  # a caller's new columns stay the caller's


def uncredited_pipeline(
    data: SalesData, *, start: pd.Timestamp, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Deals created from ``start`` to ``as_of`` whose creator is unknown, credited to no rep.

    Pipeline created counts them in the company's total but for no rep: each was created
    before its owner joined, with no earlier owner in the data
    (:func:`~salesops_lib.timeline.creators`).

    Parameters
    ----------
    data
        The data set (``opportunities``: ``opp_id, rep_id, created_date, amount``).
    start, as_of
        The first and last created day counted.

    Returns
    -------
    DataFrame
        Those deals: ``opp_id, rep_id`` (the owner now) and ``amount``.
    """
    made = timeline.creators(data)
    o = data.opportunities
    inside = ((o["created_date"] >= start) & (o["created_date"] <= as_of)).fillna(False)
    pick = inside.to_numpy(dtype=bool) & ~made["creator_known"].to_numpy(dtype=bool)
    return o.loc[pick, ["opp_id", "rep_id", "amount"]].reset_index(drop=True)


def _scorecard(
    data: SalesData, quarter: str, as_of_ts: pd.Timestamp, trailing: int, ramp_months: int
) -> pd.DataFrame:
    """:func:`rep_scorecard` as of ``as_of_ts`` (worked out once per data set and arguments)."""
    qs = trailing_quarters(data, quarter, trailing)
    start_q, end_q = data.calendar.bounds(quarter)
    cur = kpi_table(data, quarter=quarter, as_of=as_of_ts)
    first_start, _ = data.calendar.bounds(qs[0])
    window = closed_deals(data, start=first_start, as_of=as_of_ts)
    won = window[window["is_won"]]
    trail = pd.DataFrame(
        {
            "bookings_trailing": won.groupby("rep_id")["amount"].sum(),
            "won_trailing": won.groupby("rep_id").size(),
            "lost_trailing": window[~window["is_won"]].groupby("rep_id").size(),
            "avg_cycle_days_trailing": won.groupby("rep_id")["cycle_days"].mean(),
        }
    )
    if data.quotas is not None:
        quota_t = data.quotas[data.quotas["period"].isin(qs)].groupby("rep_id")["quota"].sum()
        trail = trail.join(quota_t.rename("quota_trailing"), how="outer")
    else:
        trail["quota_trailing"] = np.nan
    out = cur.join(trail, how="outer")
    for c in ("bookings_trailing", "won_trailing", "lost_trailing"):
        out[c] = out[c].fillna(0)
    decided = out["won_trailing"] + out["lost_trailing"]
    out["win_rate_trailing"] = out["won_trailing"] / decided.where(decided > 0)
    out["avg_deal_size_trailing"] = out["bookings_trailing"] / out["won_trailing"].where(
        out["won_trailing"] > 0
    )
    out["attainment_trailing"] = out["bookings_trailing"] / out["quota_trailing"].where(
        out["quota_trailing"] > 0
    )
    # pipeline created: each deal for the rep who opened it (timeline.creators), so an
    # inherited deal counts for its creator, and for nobody when the creator is unknown
    made = timeline.creators(data)
    opps = data.opportunities[["created_date", "amount"]].assign(rep_id=made["rep_id"].to_numpy())
    opps = opps[made["creator_known"].to_numpy(dtype=bool)]
    created_q = opps[(opps["created_date"] >= start_q) & (opps["created_date"] <= as_of_ts)]
    created_t = opps[(opps["created_date"] >= first_start) & (opps["created_date"] <= as_of_ts)]
    out["pipeline_created"] = (
        created_q.groupby("rep_id")["amount"].sum().reindex(out.index).fillna(0.0)
    )
    out["pipeline_created_trailing"] = (
        created_t.groupby("rep_id")["amount"].sum().reindex(out.index).fillna(0.0)
    )
    if data.activities is not None:
        acts = data.activities
        a_q = acts[(acts["activity_date"] >= start_q) & (acts["activity_date"] <= as_of_ts)]
        a_t = acts[(acts["activity_date"] >= first_start) & (acts["activity_date"] <= as_of_ts)]
        out["activities"] = a_q.groupby("rep_id").size().reindex(out.index).fillna(0)
        out["activities_trailing"] = a_t.groupby("rep_id").size().reindex(out.index).fillna(0)
    else:
        out["activities"] = np.nan
        out["activities_trailing"] = np.nan
    ten = tenure(data, as_of_ts, ramp_months=ramp_months)
    out = out.join(ten, how="left")
    out["peer_group"] = peer_groups(data, ten).reindex(out.index)
    reps = data.reps.set_index("rep_id")
    for col in ("rep_name", "team", "manager"):
        out[col] = reps[col].reindex(out.index) if col in reps else np.nan
    out["rep_name"] = out["rep_name"].fillna(pd.Series(out.index, index=out.index))
    g = out.groupby("peer_group")
    out["pct_bookings"] = g["bookings_trailing"].transform(peer_percentile)
    out["pct_attainment"] = g["attainment_trailing"].transform(peer_percentile)
    out["pct_win_rate"] = g["win_rate_trailing"].transform(peer_percentile)
    lead = ["rep_name", "team", "manager", "peer_group", "tenure_months", "ramp_status"]
    return out[lead + [c for c in out.columns if c not in lead]].rename_axis("rep_id")


# ---------------------------------------------------------------------------------------
# honest ranking


def wilson_interval(
    won: np.ndarray | pd.Series, n: np.ndarray | pd.Series, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (``nan`` where n = 0).

    Parameters
    ----------
    won
        Successes (deals won), one per rep.
    n
        Trials (deals closed), one per rep.
    level
        Confidence level of the interval.

    Returns
    -------
    lo, hi : numpy.ndarray
        The interval's ends, between 0 and 1.

    Examples
    --------
    >>> lo, hi = wilson_interval([3], [3])
    >>> round(float(lo[0]), 2), round(float(hi[0]), 2)
    (0.44, 1.0)
    """
    won = np.asarray(won, dtype=float)
    n = np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = won / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    lo = np.where(n > 0, centre - half, np.nan)
    hi = np.where(n > 0, centre + half, np.nan)
    return lo, hi


def fit_beta_prior(won: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Beta(a, b) prior of win rates whose strength comes from the spread between reps.

    Method of moments for the beta-binomial with unequal samples: with ``p_i = won_i / n_i``,
    the pooled rate ``p`` and ``S = sum n_i (p_i - p)^2``, the intra-class correlation is
    ``rho = (S / (p (1 - p)) - (k - 1)) / (N - sum n_i^2 / N - (k - 1))`` over the k reps
    with closed deals (N deals) and the strength ``a + b = (1 - rho) / rho``: the wider the
    reps' rates spread beyond what binomial noise gives, the weaker the prior. Without a
    spread beyond noise (rho <= 0) the strength is capped at 1e6; with fewer than two reps,
    or samples that say nothing of the spread (every rep one deal), a weak prior at the
    pooled rate (strength 2) is returned.

    Parameters
    ----------
    won
        Deals won, one per rep.
    n
        Deals closed, one per rep (reps with none are ignored).

    Returns
    -------
    a, b : float
        The prior's parameters; ``a / (a + b)`` is the pooled rate, ``a + b`` its strength in
        deals (between 0.5 and 1e6).

    Examples
    --------
    >>> a, b = fit_beta_prior(np.array([30, 70]), np.array([100, 100]))
    >>> round(float(a / (a + b)), 2), round(float(a + b), 1)
    (0.5, 2.2)
    """
    won = np.asarray(won, dtype=float)
    n = np.asarray(n, dtype=float)
    keep = n > 0
    won, n = won[keep], n[keep]
    pooled = won.sum() / n.sum() if n.sum() > 0 else 0.5
    pooled = min(max(pooled, 1e-3), 1 - 1e-3)
    k, total = len(n), n.sum()
    denom = total - (n**2).sum() / total - (k - 1) if k else 0.0
    if k < 2 or denom <= 0:
        return 2 * pooled, 2 * (1 - pooled)
    spread = float((n * (won / n - pooled) ** 2).sum())
    rho = (spread / (pooled * (1 - pooled)) - (k - 1)) / denom
    kappa = MAX_STRENGTH if rho <= 0 else float(np.clip((1 - rho) / rho, 0.5, MAX_STRENGTH))
    return pooled * kappa, (1 - pooled) * kappa


MAX_STRENGTH = 1e6
"""The strongest prior (in deals): reps whose rates spread no wider than noise."""


def strength_inside_intervals(
    won: np.ndarray, n: np.ndarray, mean: float, level: float = 0.95
) -> float:
    """The strongest prior at ``mean`` that keeps every rep's shrunk rate inside their own range.

    Shrinking moves a rep's rate ``won / n`` toward ``mean`` by the share ``s / (s + n)`` of
    the way, for a prior of strength ``s``; a rep whose Wilson interval excludes ``mean``
    allows at most ``s = n (p - e) / (e - mean)``, ``e`` the interval's end nearer ``mean``.
    The smallest of these is returned: a rep with hundreds of deals off the mean keeps close
    to their own rate, and no shrunk rate says what the rep's own deals rule out.

    Parameters
    ----------
    won
        Deals won, one per rep.
    n
        Deals closed, one per rep (reps with none are ignored).
    mean
        The prior's mean.
    level
        Level of the Wilson interval.

    Returns
    -------
    float
        The strength in deals; :data:`MAX_STRENGTH` when every interval holds ``mean``.

    Examples
    --------
    >>> round(strength_inside_intervals(np.array([50]), np.array([100]), 0.7), 1)
    92.6
    """
    won = np.asarray(won, dtype=float)
    n = np.asarray(n, dtype=float)
    keep = n > 0
    won, n = won[keep], n[keep]
    if not len(n):
        return MAX_STRENGTH
    lo, hi = wilson_interval(won, n, level)
    p = won / n
    edge = np.where(mean < lo, lo, np.where(mean > hi, hi, np.nan))
    with np.errstate(invalid="ignore", divide="ignore"):
        allowed = n * (p - edge) / (edge - mean)
    allowed = allowed[np.isfinite(allowed)]
    return float(min(allowed.min(), MAX_STRENGTH)) if len(allowed) else MAX_STRENGTH


def shrunk_win_rates(
    groups: pd.DataFrame, *, pool: pd.DataFrame | None = None, level: float = 0.95
) -> pd.DataFrame:
    """Win rates shrunk toward the pool's rate, with their intervals (reps, segments, ...).

    The prior's strength is the method-of-moments estimate of :func:`fit_beta_prior` over
    ``pool``, at most the closed deals of the pool's median row (rates that spread no wider
    than noise say the rows cannot be told apart at these samples, not that they are alike)
    and at most :func:`strength_inside_intervals` (no shrunk rate leaves the row's own
    Wilson interval).

    Parameters
    ----------
    groups
        One row per rep or segment: ``won`` and ``closed`` (deal counts, ``closed`` > 0).
    pool
        The rows the prior is fitted on (same columns); None: ``groups`` itself.
    level
        Level of the intervals.

    Returns
    -------
    DataFrame
        On ``groups``' index: ``peer_win_rate`` (the pool's rate), ``prior_strength`` (in
        deals), ``shrunk_win_rate``, ``shrunk_lo`` and ``shrunk_hi`` (the posterior's
        central interval).

    Examples
    --------
    >>> g = pd.DataFrame({"won": [1, 30], "closed": [2, 100]})
    >>> shrunk_win_rates(g)["shrunk_win_rate"].round(2).tolist()
    [0.31, 0.3]
    """
    pool = groups if pool is None else pool
    a, b = fit_beta_prior(pool["won"].to_numpy(), pool["closed"].to_numpy())
    mean = a / (a + b)
    won, closed = groups["won"].to_numpy(), groups["closed"].to_numpy()
    cap = strength_inside_intervals(won, closed, mean, level)
    strength = min(a + b, float(pool["closed"].median()), cap)
    a, b = mean * strength, (1 - mean) * strength
    post_a = a + groups["won"]
    post_b = b + groups["closed"] - groups["won"]
    tail = (1 - level) / 2
    return pd.DataFrame(
        {
            "peer_win_rate": pool["won"].sum() / pool["closed"].sum(),
            "prior_strength": a + b,
            "shrunk_win_rate": post_a / (post_a + post_b),
            "shrunk_lo": stats.beta.ppf(tail, post_a, post_b),
            "shrunk_hi": stats.beta.ppf(1 - tail, post_a, post_b),
        },
        index=groups.index,
    )


def win_rate_ranking(
    data: SalesData,
    *,
    quarter: str,
    as_of: object | None = None,
    trailing: int = 4,
    level: float = 0.95,
) -> pd.DataFrame:
    """Win rates with intervals, shrunk toward the peer group, and funnel flags.

    The prior's strength is the method-of-moments estimate of :func:`fit_beta_prior`, at most
    the closed deals of the group's median rep (a rep with several times as many keeps close
    to their own rate) and at most :func:`strength_inside_intervals` (no shrunk rate leaves
    the rep's own interval).
    Peer groups of fewer than three reps borrow the prior of all reps, and their reps get no
    peer verdict: ``flag`` reads ``no peers`` (alone in the group) or ``too few peers``.

    Parameters
    ----------
    data
        The data set.
    quarter
        The last quarter of the trailing window.
    as_of
        What is known (default: the quarter's end, or the data's last date).
    trailing
        Quarters in the window, including ``quarter``.
    level
        Confidence level of the intervals and of the funnel limits.

    Returns
    -------
    DataFrame
        Per rep with closed deals: ``rep_name, peer_group, won, closed, peers, win_rate, lo,
        hi, peer_win_rate, prior_strength, shrunk_win_rate, shrunk_lo, shrunk_hi, funnel_lo,
        funnel_hi, flag`` (``peers``: the other reps of the group with closed deals),
        sorted by ``shrunk_win_rate`` (best first), with ``rank_raw`` and ``rank_shrunk``:
        ranks of the rates in whole percent (:func:`shown_rank`), reps reading the same
        sharing a rank.
    """
    card = rep_scorecard(data, quarter=quarter, as_of=as_of, trailing=trailing)
    t = card[["rep_name", "peer_group", "won_trailing", "lost_trailing"]].copy()
    t["won"] = t["won_trailing"].astype(int)
    t["closed"] = (t["won_trailing"] + t["lost_trailing"]).astype(int)
    t = t[t["closed"] > 0].drop(columns=["won_trailing", "lost_trailing"])
    t["win_rate"] = t["won"] / t["closed"]
    t["lo"], t["hi"] = wilson_interval(t["won"], t["closed"], level)
    # peer groups with too few reps borrow the prior of the whole role (or of everybody)
    sizes = t.groupby("peer_group")["won"].transform("size")
    t["peers"] = sizes - 1
    t["prior_group"] = np.where(sizes >= 3, t["peer_group"], "All reps")
    tail = (1 - level) / 2
    parts = []
    for name, g in t.groupby("prior_group"):
        pool = g if name != "All reps" else t
        g = g.join(shrunk_win_rates(g, pool=pool, level=level))
        p0 = g["peer_win_rate"]
        g["funnel_lo"] = stats.binom.ppf(tail, g["closed"], p0) / g["closed"]
        g["funnel_hi"] = stats.binom.ppf(1 - tail, g["closed"], p0) / g["closed"]
        parts.append(g)
    out = pd.concat(parts)
    out["flag"] = np.select(
        [
            out["peers"] == 0,
            out["peers"] < MIN_PEERS - 1,
            out["win_rate"] > out["funnel_hi"],
            out["win_rate"] < out["funnel_lo"],
        ],
        [NO_PEERS, TOO_FEW_PEERS, "above peers", "below peers"],
        "within chance",
    )
    # reps whose rates read the same (whole percent) share a rank
    out["rank_raw"] = shown_rank(out["win_rate"])
    out["rank_shrunk"] = shown_rank(out["shrunk_win_rate"])
    return out.drop(columns="prior_group").sort_values(
        ["shrunk_win_rate", "closed"], ascending=[False, False]
    )


NO_PEERS = "no peers"
"""Flag of a rep alone in their peer group: nobody to be compared with."""
TOO_FEW_PEERS = "too few peers"
"""Flag of a rep whose peer group has fewer than :data:`MIN_PEERS` reps with closed deals."""


def shown_rank(rates: pd.Series) -> pd.Series:
    """Rank of rates as a report shows them (whole percent, 1 = best); equal ones share it.

    Parameters
    ----------
    rates
        Shares (0.634 reads 63%).

    Returns
    -------
    Series of int

    Examples
    --------
    >>> shown_rank(pd.Series([0.634, 0.6351, 0.631, 0.70])).tolist()
    [3, 2, 3, 1]
    """
    shown = np.round(rates.astype(float) * 100)
    return shown.rank(ascending=False, method="min").astype(int)


def attainment_ranking(
    data: SalesData,
    *,
    quarter: str,
    as_of: object | None = None,
    trailing: int = 4,
    level: float = 0.95,
) -> pd.DataFrame:
    """Attainment per rep over the window with a 95% range, and normal-normal shrinkage to peers.

    Attainment is the one definition every figure of report 02 uses: bookings over quota,
    both summed over the window's quarters (``attainment_trailing`` of
    :func:`rep_scorecard`), so a small quota in one quarter weighs as little as it is. The
    range is the t interval of that ratio estimated from the quarters: with ``e_q = bookings_q
    - attainment x quota_q`` over the quarters with a quota or bookings (n of them), the
    standard error is ``sqrt(sum(e_q^2) / (n (n - 1))) / mean(quota_q)``, cut at 0; with one
    quarter there is none.

    Parameters
    ----------
    data
        The data set (quotas; none: an empty frame).
    quarter
        The last quarter of the window.
    as_of
        What is known (default: the quarter's end, or the data's last date).
    trailing
        Quarters in the window, including ``quarter``.
    level
        Confidence level of the range (the t interval).

    Returns
    -------
    DataFrame
        Per rep with a quota in the window: ``rep_name, peer_group, quarters, bookings, quota,
        attainment, lo, hi, peer_attainment, shrunk_attainment``, best shrunk first.
        ``quarters``: quarters with a quota.

    Examples
    --------
    >>> attainment_ranking(data, quarter="2026Q3").head()  # doctest: +SKIP
    """
    columns = [
        "rep_name",
        "peer_group",
        "quarters",
        "bookings",
        "quota",
        "attainment",
        "lo",
        "hi",
        "peer_attainment",
        "shrunk_attainment",
    ]
    if data.quotas is None:
        return pd.DataFrame(columns=columns)
    long = _rep_quarters(data, quarter=quarter, as_of=as_of, trailing=trailing)
    out, var_q = _attainment_range(long, level=level)
    card = rep_scorecard(data, quarter=quarter, as_of=as_of, trailing=trailing)
    out = out.join(card[["rep_name", "peer_group"]], how="left")
    out = _shrink_to_peers(out, var_q)
    return out[columns].sort_values("shrunk_attainment", ascending=False)


def _rep_quarters(
    data: SalesData, *, quarter: str, as_of: object | None, trailing: int
) -> pd.DataFrame:
    """Bookings and quota per rep and quarter of the window, for reps with a quota in it.

    Rows are the quarters with a quota or bookings; indexed by ``rep_id, quarter``.
    """
    assert data.quotas is not None
    qs = trailing_quarters(data, quarter, trailing)
    _, end = data.calendar.bounds(quarter)
    as_of_ts = data.default_as_of(quarter) if as_of is None else min(pd.Timestamp(as_of), end)
    first_start, _ = data.calendar.bounds(qs[0])
    won = closed_deals(data, start=first_start, as_of=as_of_ts)
    won = won[won["is_won"]]
    days = pd.unique(won["close_date"])
    label = {d: data.calendar.quarter_of(d) for d in days}
    won_q = won.assign(quarter=won["close_date"].map(label))
    booked = won_q.groupby(["rep_id", "quarter"])["amount"].sum()
    quota = data.quotas[data.quotas["period"].isin(qs)].groupby(["rep_id", "period"])["quota"].sum()
    quota.index = quota.index.set_names(["rep_id", "quarter"])
    long = pd.concat([booked.rename("bookings"), quota.rename("quota")], axis=1).fillna(0.0)
    has_quota = long.groupby(level="rep_id")["quota"].sum() > 0
    long = long[long.index.get_level_values("rep_id").isin(has_quota[has_quota].index)]
    return long[(long["quota"] > 0) | (long["bookings"] > 0)]


def _attainment_range(long: pd.DataFrame, *, level: float) -> tuple[pd.DataFrame, pd.Series]:
    """Attainment per rep over the window and its t range, from :func:`_rep_quarters`.

    Returns the per-rep frame (``quarters, n, bookings, quota, attainment, lo, hi``) and
    each rep's per-quarter variance of the ratio (NaN with one quarter).
    """
    g = long.groupby(level="rep_id")
    out = pd.DataFrame(
        {
            "quarters": (long["quota"] > 0).groupby(level="rep_id").sum().astype(int),
            "n": g.size(),
            "bookings": g["bookings"].sum(),
            "quota": g["quota"].sum(),
        }
    )
    out["attainment"] = out["bookings"] / out["quota"]
    ratio = out["attainment"].reindex(long.index.get_level_values("rep_id")).to_numpy()
    resid = long["bookings"].to_numpy() - ratio * long["quota"].to_numpy()
    sq = pd.Series(resid**2, index=long.index).groupby(level="rep_id").sum()
    n = out["n"]
    mean_quota = out["quota"] / n
    with np.errstate(invalid="ignore", divide="ignore"):
        # per-quarter variance of the ratio, and its standard error over n quarters
        var_q = (sq / (n - 1)).where(n > 1) / mean_quota**2
        se = np.sqrt(var_q / n)
    tq = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
    out["lo"] = np.where(n > 1, np.maximum(out["attainment"] - tq * se, 0.0), np.nan)
    out["hi"] = np.where(n > 1, out["attainment"] + tq * se, np.nan)
    return out, var_q


def _shrink_to_peers(out: pd.DataFrame, var_q: pd.Series) -> pd.DataFrame:
    """Add ``peer_attainment`` and ``shrunk_attainment``: normal-normal shrinkage to peers.

    Within-rep variance is pooled over everybody, between-rep variance is estimated per peer
    group (groups of fewer than three reps borrow from all reps).
    """
    pooled_var = float(np.nanmean(var_q)) if var_q.notna().any() else 0.0
    sizes = out.groupby("peer_group")["quarters"].transform("size")
    out["prior_group"] = np.where(sizes >= 3, out["peer_group"], "All reps")
    parts = []
    for name, grp in out.groupby("prior_group"):
        pool = grp if name != "All reps" else out
        m = pool["attainment"].mean()
        tau2 = (
            max(
                float(pool["attainment"].var(ddof=1)) - pooled_var / pool["n"].mean(),
                0.0,
            )
            if len(pool) > 1
            else 0.0
        )
        w = tau2 / (tau2 + pooled_var / grp["n"]) if tau2 > 0 else pd.Series(0.0, index=grp.index)
        grp = grp.assign(peer_attainment=m, shrunk_attainment=m + w * (grp["attainment"] - m))
        parts.append(grp)
    return pd.concat(parts).rename_axis("rep_id")


# ---------------------------------------------------------------------------------------
# consistency

QUADRANTS = {
    (True, True): "Reliable performers",
    (True, False): "Big-quarter performers",
    (False, True): "Steady but short",
    (False, False): "Struggling and erratic",
}


def consistency(
    data: SalesData, *, quarter: str, as_of: object | None = None, trailing: int = 4
) -> pd.DataFrame:
    """Monthly bookings variation against attainment, as four quadrants.

    Parameters
    ----------
    data
        The data set.
    quarter
        The last quarter of the trailing window.
    as_of
        What is known (default: the quarter's end, or the data's last date).
    trailing
        Quarters in the window, including ``quarter``.

    Returns
    -------
    DataFrame
        Per rep: ``rep_name, months, monthly_mean, monthly_sd, cv, performance, cv_chance,
        variation, quadrant``. ``performance`` is trailing attainment (or bookings relative
        to the peer median without quotas); ``cv_chance`` is :func:`chance_cv` of the rep's
        won deals over their months, ``variation`` = cv / cv_chance. The quadrant splits at
        100% attainment (or the peer median) and at ``variation`` 1: a rep is erratic only
        when their months vary beyond what their own deals in random months give. Reps with fewer than three months are ``Too new to judge``; reps
        without a performance figure (no quota while others have one) or without bookings
        (no variation to measure) are ``Not placed``.
    """
    qs = trailing_quarters(data, quarter, trailing)
    start, _ = data.calendar.bounds(qs[0])
    _, end = data.calendar.bounds(quarter)
    as_of_ts = data.default_as_of(quarter) if as_of is None else pd.Timestamp(as_of)
    won = closed_deals(data, start=start, as_of=min(as_of_ts, end))
    won = won[won["is_won"]]
    months = pd.period_range(start, min(as_of_ts, end), freq="M")
    card = rep_scorecard(data, quarter=quarter, as_of=as_of, trailing=trailing)
    reps = card.index
    monthly = (
        won.groupby(["rep_id", won["close_date"].dt.to_period("M")])["amount"]
        .sum()
        .unstack(fill_value=0.0)
    )
    monthly = monthly.reindex(index=reps, columns=months, fill_value=0.0)
    # a rep counts only in months they were employed
    hire = data.reps.set_index("rep_id")["hire_date"].reindex(reps)
    leave = data.reps.set_index("rep_id")["end_date"].reindex(reps)
    m_start = np.array([m.start_time.to_datetime64() for m in months], dtype="datetime64[ns]")
    hire_v = hire.to_numpy(dtype="datetime64[ns]")
    leave_v = leave.to_numpy(dtype="datetime64[ns]")
    employed = (hire_v[:, None] <= m_start[None, :]) | np.isnat(hire_v)[:, None]
    employed &= np.isnat(leave_v)[:, None] | (leave_v[:, None] >= m_start[None, :])
    values = monthly.where(employed)
    out = pd.DataFrame(
        {
            "rep_name": card["rep_name"],
            "months": values.notna().sum(axis=1),
            "monthly_mean": values.mean(axis=1),
            "monthly_sd": values.std(axis=1, ddof=1),
        }
    )
    out["cv"] = out["monthly_sd"] / out["monthly_mean"].where(out["monthly_mean"] > 0)
    if card["attainment_trailing"].notna().any():
        out["performance"] = card["attainment_trailing"]
        high = out["performance"] >= 1.0
    else:
        med = card.groupby("peer_group")["bookings_trailing"].transform("median")
        out["performance"] = card["bookings_trailing"] / med.where(med > 0)
        high = out["performance"] >= 1.0
    # steady unless the months vary beyond what the rep's own deals landing in random months give
    # (with the team's seasonality: a month gets deals in proportion to the team's deals won in it)
    team_deals = won.groupby(won["close_date"].dt.to_period("M")).size()
    weight = team_deals.reindex(months, fill_value=0).to_numpy(dtype=float)
    limit = {}
    placements: dict[tuple[int, int, bytes], np.ndarray] = {}  # reps alike share their draws
    # each rep's won deals by position (one group-by, no frame per rep), in rep order
    mine = won[won["rep_id"].isin(reps)]
    month_of = months.get_indexer(mine["close_date"].dt.to_period("M"))  # -1: outside
    amounts = mine["amount"].to_numpy(dtype=float)
    for rep, rows in sorted(mine.groupby("rep_id", observed=True).indices.items()):
        ok = employed[reps.get_loc(rep)]
        at = month_of[rows]
        in_seat = (at >= 0) & ok[np.maximum(at, 0)]
        limit[rep] = chance_cv(amounts[rows][in_seat], weight[ok], placements=placements)
    out["cv_chance"] = pd.Series(limit, dtype=float).reindex(out.index)
    out["variation"] = out["cv"] / out["cv_chance"].where(out["cv_chance"] > 0)
    steady = ~(out["cv"] > out["cv_chance"])
    out["quadrant"] = [QUADRANTS[(bool(h), bool(s))] for h, s in zip(high, steady, strict=True)]
    # without a performance (no quota in the window while others have one) or a variation
    # (no bookings) a rep has no place in the quadrants, and says so rather than falling in one
    out.loc[out["performance"].isna(), "quadrant"] = NOT_PLACED
    out.loc[out["cv"].isna() | out["variation"].isna(), "quadrant"] = NOT_PLACED
    out.loc[out["months"] < 3, "quadrant"] = TOO_NEW
    return out


def chance_cv(
    amounts: np.ndarray,
    weights: np.ndarray,
    *,
    level: float = 0.95,
    draws: int = 2000,
    placements: dict[tuple[int, int, bytes], np.ndarray] | None = None,
) -> float:
    """The variation of monthly bookings that chance alone gives a rep's deals, at ``level``.

    The rep's won deals are put in random months, each month with probability in proportion
    to ``weights`` (the team's deals won in it: its seasonality), ``draws`` times with a fixed
    seed, and the coefficient of variation of the monthly sums is taken each time; its
    ``level`` quantile is the limit: months that vary more come in bursts beyond chance.

    Parameters
    ----------
    amounts
        The amounts of the rep's won deals.
    weights
        One per month the rep was employed in the window (all zero: every month alike).
    level
        The quantile returned.
    draws
        Random placements simulated.
    placements
        Optional store of the random placements already drawn, by number of deals and
        month weights: they depend on nothing else (the seed is fixed), so reps with as
        many deals and the same months share them and the result is the same. A caller
        that asks for many reps passes one dict; it holds ``draws`` × deals integers per
        entry.

    Returns
    -------
    float
        NaN without a deal or with fewer than two months.

    Examples
    --------
    >>> round(chance_cv(np.full(12, 100.0), np.ones(12)), 2)
    1.35
    """
    amounts = np.asarray(amounts, dtype=float)
    w = np.asarray(weights, dtype=float)
    months = len(w)
    if len(amounts) == 0 or months < 2 or amounts.sum() <= 0:
        return np.nan
    w = w / w.sum() if w.sum() > 0 else np.full(months, 1 / months)
    key = (len(amounts), draws, w.tobytes())
    slot = placements.get(key) if placements is not None else None
    if slot is None:
        rng = np.random.default_rng(20261127)
        slot = rng.choice(months, size=(draws, len(amounts)), p=w)
        if placements is not None:
            placements[key] = slot
    # each draw's monthly sums: deal amounts added in order into (draw, month) cells, as
    # np.add.at would, four times faster
    cells = (np.arange(draws)[:, None] * months + slot).ravel()
    sums = np.bincount(cells, weights=np.tile(amounts, draws), minlength=draws * months)
    sums = sums.reshape(draws, months)
    cv = sums.std(axis=1, ddof=1) / sums.mean(axis=1)
    return float(np.quantile(cv, level))


TOO_NEW = "Too new to judge"
NOT_PLACED = "Not placed"
"""Quadrant of a rep without a performance figure (no quota in the window) or without bookings."""


# ---------------------------------------------------------------------------------------
# where deals leak


def stages_reached(data: SalesData, deals: pd.DataFrame) -> tuple[pd.DataFrame, list[str], str]:
    """Furthest open stage each closed deal reached, and the stages measured.

    The one rule of :func:`salesops_lib.analysis.funnel.stages_reached` (history snapshots
    when present; else won deals passed every stage and a lost deal reached the stage its
    created date implies), in the older shape.

    Parameters
    ----------
    data
        The data set.
    deals
        Closed deals with ``opp_id, rep_id, is_won, opp_row`` (as
        :func:`~salesops_lib.analysis.kpis.closed_deals` returns them).

    Returns
    -------
    (frame, stages, basis)
        ``frame`` has ``opp_id, rep_id, is_won, opp_row, created_date, reached`` (index into
        ``stages``); ``basis`` says how the furthest stage is known.
    """
    r = funnel_lib.stages_reached(data, deals)
    return r.deals, list(r.stages), r.basis


def stage_conversion(
    data: SalesData, *, quarter: str, as_of: object | None = None, trailing: int = 4
) -> tuple[pd.DataFrame, str]:
    """Stage-to-stage conversion per rep and for the team, over deals closed in the window.

    The team's rate of each step is the step conversion of
    :func:`salesops_lib.analysis.funnel.stage_funnel` over the same deals, so report 02's
    weakest team step is the bottleneck report 06 names.

    Parameters
    ----------
    data
        The data set.
    quarter
        The last quarter of the window.
    as_of
        What is known (default: the quarter's end, or the data's last date).
    trailing
        Quarters in the window, including ``quarter``.

    Returns
    -------
    (long frame, basis)
        Columns ``rep_id, step, entered, advanced, rate, team_rate, gap, excess_lost``:
        ``step`` is "A → B" (the last step is "X → Won"); ``rate`` = advanced / entered;
        ``gap`` = rate - team_rate; ``excess_lost`` = (team_rate - rate) x entered, the deals
        lost at that step beyond what the team rate would lose.

    Examples
    --------
    >>> conv, basis = stage_conversion(data, quarter="2026Q3")  # doctest: +SKIP
    """
    qs = trailing_quarters(data, quarter, trailing)
    f = funnel_lib.stage_funnel(data, quarters=qs, as_of=as_of)
    reached, stages = f.reach.deals, f.reach.stages
    team = funnel_lib.total_steps(f).set_index("step")
    rows = []
    for k in range(len(stages)):
        name = funnel_lib.step_name(stages, k)
        entered = reached["reached"] >= k
        advanced = entered & (reached["is_won"] if k == len(stages) - 1 else reached["reached"] > k)
        g = (
            pd.DataFrame({"rep_id": reached["rep_id"], "entered": entered, "advanced": advanced})
            .groupby("rep_id")
            .sum()
        )
        g["step"] = name
        g["team_rate"] = float(team.loc[name, "rate"]) if name in team.index else np.nan
        rows.append(g.reset_index())
    columns = ["rep_id", "entered", "advanced", "step", "team_rate"]
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
    out["rate"] = out["advanced"] / out["entered"].where(out["entered"] > 0)
    out["gap"] = out["rate"] - out["team_rate"]
    out["excess_lost"] = (out["team_rate"] - out["rate"]) * out["entered"]
    return out[
        ["rep_id", "step", "entered", "advanced", "rate", "team_rate", "gap", "excess_lost"]
    ], f.reach.basis


def coaching_stage(conversion: pd.DataFrame, *, min_entered: int = 10) -> pd.DataFrame:
    """The one step to coach per rep: the most deals lost beyond the team rate.

    Parameters
    ----------
    conversion
        :func:`stage_conversion`'s long frame (``rep_id, step, entered, rate, team_rate,
        excess_lost``).
    min_entered
        Steps the rep entered with fewer deals are not considered.

    Returns
    -------
    DataFrame
        Per rep (index ``rep_id``): ``step, rate, team_rate, excess_lost``; reps with no step
        below the team rate (or too few deals) get no row.
    """
    c = conversion[(conversion["entered"] >= min_entered) & (conversion["excess_lost"] > 0)]
    idx = c.groupby("rep_id")["excess_lost"].idxmax()
    return c.loc[idx].set_index("rep_id")[["step", "rate", "team_rate", "excess_lost"]]


# ---------------------------------------------------------------------------------------
# ramp


def inherited(data: SalesData) -> pd.Series:
    """Which deals their owner inherited rather than created.

    The rule is :func:`salesops_lib.timeline.inherited_deals`' (created before the owner's
    hire date, or handed over: ``reassigned_date`` filled), the one the comp statements flag.
    Inherited deals say nothing about how fast a new hire ramps, so ramp and first-deal
    figures leave them out.

    Parameters
    ----------
    data
        The data set (opportunities' ``rep_id, created_date`` and, when present,
        ``reassigned_date``; reps' ``hire_date``).

    Returns
    -------
    Series of bool
        On the opportunities' index.

    Examples
    --------
    >>> int(inherited(data).sum())  # doctest: +SKIP
    425
    """
    flags = timeline.inherited_deals(data)["inherited"].to_numpy(dtype=bool)
    return pd.Series(flags, index=data.opportunities.index, name="inherited")


def ramp_group(data: SalesData) -> pd.Series:
    """The group each rep ramps with: their segment, else their role, else ``All reps``.

    An Enterprise rep books several times what an SMB rep does, so one curve for both would
    score every SMB hire against Enterprise veterans; each group gets its own curve.

    Parameters
    ----------
    data
        The data set (reps' ``segment`` or ``role`` when filled).

    Returns
    -------
    Series
        Indexed by ``rep_id``.

    Examples
    --------
    >>> ramp_group(data).value_counts()  # doctest: +SKIP
    """
    reps = data.reps.drop_duplicates("rep_id").set_index("rep_id")
    col = ramp_by(data)
    if col is not None:
        return reps[col].astype("object").fillna("(none)").astype("str").rename("group")
    return pd.Series("All reps", index=reps.index, name="group")


def ramp_by(data: SalesData) -> str | None:
    """The reps' column ramp curves are split by: ``segment``, else ``role``, else None.

    Parameters
    ----------
    data
        The data set (reps' ``segment`` and ``role`` when filled).

    Returns
    -------
    str or None
        The column's name; None when neither is filled.
    """
    for col in ("segment", "role"):
        if col in data.reps and data.reps[col].notna().any():
            return col
    return None


MIN_CURVE_REPS = 3
"""A month of a ramp curve counts toward 'fully productive' only with this many hires in it."""


def ramp_curve(
    data: SalesData, *, as_of: pd.Timestamp, months: int = 12, full_share: float = 0.8
) -> dict[str, object]:
    """Bookings by month of tenure for reps hired inside the data, per ramp group.

    The ramp group is :func:`ramp_group`'s (segment, else role); each new hire is tracked
    against its own group's curve.

    Parameters
    ----------
    data
        The data set (reps' ``hire_date``, ``end_date``; won deals).
    as_of
        What is known.
    months
        Tenure months shown.
    full_share
        A group is fully productive from the first month its hires' bookings reach this
        share of its ramped reps' monthly average.

    Returns
    -------
    dict
        ``by_month``: ``cohort, tenure_month, reps, bookings_per_rep``; ``curve``: per group
        ``group, tenure_month, reps, bookings_per_rep, cumulative``; ``groups``: per group
        ``hires, veteran_monthly`` (mean monthly bookings of its reps past their first year:
        the ramped average), ``full_mark`` (``full_share`` of it) and ``months_to_full``
        (first tenure month whose bookings per rep, over two months, reach the mark with at
        least :data:`MIN_CURVE_REPS` hires; NaN if never); ``new_hires``: per rep hired in
        the last ``months`` months and still employed, ``rep_name, group, hire_date,
        tenure_months, days_to_first_deal, bookings_to_date, curve_to_date`` (its group's
        curve without the hire; NaN with too few other hires), ``vs_curve, inherited_won``;
        ``median_days_to_first_deal`` and ``first_deal_days`` (each hire's, sorted);
        ``inherited_left_out`` and ``inherited_reps``: the won deals of reps hired inside
        the data that they inherited (:func:`inherited`), left out of every figure here,
        and how many reps they belong to; ``full_share``.

    Examples
    --------
    >>> ramp_curve(data, as_of=pd.Timestamp("2026-09-30"))["groups"]  # doctest: +SKIP
    """
    reps = data.reps.dropna(subset=["hire_date"]).drop_duplicates("rep_id").copy()
    reps["group"] = reps["rep_id"].map(ramp_group(data))
    hires = reps[reps["hire_date"] >= data.first_date]
    w, passed_on = _ramp_deals(data, reps, hires, as_of=as_of)
    left_out, left_reps = len(passed_on), int(passed_on["rep_id"].nunique())
    obs_df = _tenure_months_observed(hires, as_of=as_of, months=months)
    if obs_df.empty:
        return {
            "by_month": pd.DataFrame(
                columns=["cohort", "tenure_month", "reps", "bookings_per_rep"]
            ),
            "curve": pd.DataFrame(
                columns=["group", "tenure_month", "reps", "bookings_per_rep", "cumulative"]
            ),
            "groups": pd.DataFrame(
                columns=["hires", "veteran_monthly", "full_mark", "months_to_full"]
            ).rename_axis("group"),
            "new_hires": pd.DataFrame(),
            "median_days_to_first_deal": np.nan,
            "first_deal_days": [],
            "inherited_left_out": left_out,
            "inherited_reps": left_reps,
            "full_share": full_share,
        }
    by_month, curve = _ramp_by_tenure(data, hires, w, obs_df)
    groups = _ramp_groups(w, curve, obs_df, full_share=full_share)
    per_rep = w.groupby("rep_id").agg(first_close=("close_date", "min"), booked=("amount", "sum"))
    first_close = per_rep["first_close"].to_dict()
    new_hires = _new_hires_vs_curve(reps, obs_df, per_rep, passed_on, as_of=as_of, months=months)
    first_deal_days = [
        (first_close[r.rep_id] - r.hire_date).days
        for r in hires.itertuples()
        if r.rep_id in first_close
    ]
    return {
        "by_month": by_month,
        "curve": curve,
        "groups": groups,
        "new_hires": new_hires,
        "median_days_to_first_deal": float(np.median(first_deal_days))
        if first_deal_days
        else np.nan,
        "first_deal_days": sorted(first_deal_days),
        "inherited_left_out": left_out,
        "inherited_reps": left_reps,
        "full_share": full_share,
    }


def _ramp_deals(
    data: SalesData, reps: pd.DataFrame, hires: pd.DataFrame, *, as_of: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The won deals a ramp counts, with each one's tenure month, and those it leaves out.

    Returns the won deals their owner created (``tenure_month`` from hire, with ``hire_date,
    end_date, group``) and the won deals that reps hired inside the data inherited.
    """
    opps = data.opportunities
    won_all = opps[opps["is_won"].fillna(False).astype(bool) & (opps["close_date"] <= as_of)]
    taken = inherited(data).reindex(won_all.index)
    passed_on = won_all[taken.to_numpy()]
    passed_on = passed_on[passed_on["rep_id"].isin(hires["rep_id"])]
    won = won_all[~taken.to_numpy()]
    w = won.merge(reps[["rep_id", "hire_date", "end_date", "group"]], on="rep_id")
    w["tenure_month"] = np.floor((w["close_date"] - w["hire_date"]).dt.days / DAYS_PER_MONTH)
    return w[w["tenure_month"] >= 0], passed_on


def _tenure_months_observed(
    hires: pd.DataFrame, *, as_of: pd.Timestamp, months: int
) -> pd.DataFrame:
    """Each hire's observed tenure months: ended before ``as_of`` and before leaving.

    Returns ``rep_id, tenure_month, group``, the first ``months`` months at most.
    """
    obs = []
    for r in hires.itertuples():
        stop = min(as_of, r.end_date) if pd.notna(r.end_date) else as_of
        n_months = int(np.floor((stop - r.hire_date).days / DAYS_PER_MONTH))
        for m in range(min(n_months, months)):
            obs.append((r.rep_id, m, r.group))
    return pd.DataFrame(obs, columns=["rep_id", "tenure_month", "group"])


def _ramp_by_tenure(
    data: SalesData, hires: pd.DataFrame, w: pd.DataFrame, obs_df: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bookings per rep by tenure month, per hire cohort and per ramp group (the curve).

    Adds ``cohort`` and ``bookings`` to ``obs_df`` (in place) and returns ``by_month`` and
    ``curve`` as :func:`ramp_curve` describes them.
    """
    hire_of = hires.set_index("rep_id")["hire_date"]
    obs_df["cohort"] = [data.calendar.quarter_of(hire_of[r]) for r in obs_df["rep_id"]]
    book = w.groupby(["rep_id", "tenure_month"])["amount"].sum()
    obs_df["bookings"] = [
        book.get((r, float(m)), 0.0)
        for r, m in zip(obs_df["rep_id"], obs_df["tenure_month"], strict=True)
    ]
    by_month = (
        obs_df.groupby(["cohort", "tenure_month"])
        .agg(reps=("rep_id", "nunique"), bookings_per_rep=("bookings", "mean"))
        .reset_index()
    )
    curve = (
        obs_df.groupby(["group", "tenure_month"])
        .agg(reps=("rep_id", "nunique"), bookings_per_rep=("bookings", "mean"))
        .reset_index()
    )
    curve["cumulative"] = curve.groupby("group")["bookings_per_rep"].cumsum()
    return by_month, curve


def _ramp_groups(
    w: pd.DataFrame, curve: pd.DataFrame, obs_df: pd.DataFrame, *, full_share: float
) -> pd.DataFrame:
    """Per ramp group: hires, the ramped reps' monthly average, the mark and months to reach it."""
    vet = w[w["tenure_month"] >= 12]
    vet_months = vet.groupby(["group", "rep_id", vet["close_date"].dt.to_period("M")])[
        "amount"
    ].sum()
    vet_rep = vet_months.groupby(level=["group", "rep_id"]).mean()
    veteran = vet_rep.groupby(level="group").mean()
    rows_g = []
    for name, c in curve.groupby("group", sort=True):
        vm = float(veteran.get(name, np.nan))
        smooth = c["bookings_per_rep"].rolling(2, min_periods=1).mean()
        hit = c[(c["reps"] >= MIN_CURVE_REPS) & (smooth >= full_share * vm)]
        rows_g.append(
            {
                "group": name,
                "hires": int(obs_df.loc[obs_df["group"] == name, "rep_id"].nunique()),
                "veteran_monthly": vm,
                "full_mark": full_share * vm,
                "months_to_full": float(hit["tenure_month"].iloc[0] + 1) if len(hit) else np.nan,
            }
        )
    return pd.DataFrame(rows_g).set_index("group")


def _new_hires_vs_curve(
    reps: pd.DataFrame,
    obs_df: pd.DataFrame,
    per_rep: pd.DataFrame,
    passed_on: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    months: int,
) -> pd.DataFrame:
    """Each rep hired in the last ``months`` months and still employed, against its curve.

    The curve a hire is held against leaves the hire out: the mean bookings, month by month
    of tenure, of the other hires of its group (``obs_df``: ``rep_id, tenure_month, group,
    bookings``). A month with fewer than :data:`MIN_CURVE_REPS` other hires leaves no curve
    to compare with, so ``curve_to_date`` and ``vs_curve`` are NaN: a hire is never graded
    against a curve made of its own months. ``per_rep`` holds each rep's first won deal and
    bookings since hire (``first_close, booked``), found once for all reps.
    """
    new = reps[
        (reps["hire_date"] > as_of - pd.Timedelta(days=int(months * DAYS_PER_MONTH)))
        & (reps["hire_date"] <= as_of)
    ]
    new = new[new["end_date"].isna() | (new["end_date"] > as_of)]
    first_close = per_rep["first_close"].to_dict()
    booked_since_hire = per_rep["booked"].to_dict()
    inherited_won = passed_on.groupby("rep_id").size().to_dict()
    rows = []
    for r in new.itertuples():
        ten = int(np.floor((as_of - r.hire_date).days / DAYS_PER_MONTH))
        first_deal = (
            (first_close[r.rep_id] - r.hire_date).days if r.rep_id in first_close else np.nan
        )
        to_date = float(booked_since_hire.get(r.rep_id, 0.0))
        others = obs_df[
            (obs_df["group"] == r.group)
            & (obs_df["rep_id"] != r.rep_id)
            & (obs_df["tenure_month"] < ten)
        ]
        per_month = others.groupby("tenure_month")["bookings"].agg(["mean", "size"])
        enough = len(per_month) == min(ten, months) and bool(
            (per_month["size"] >= MIN_CURVE_REPS).all()
        )
        expected = float(per_month["mean"].sum()) if enough else np.nan
        rows.append(
            {
                "rep_id": r.rep_id,
                "rep_name": r.rep_name if isinstance(r.rep_name, str) else r.rep_id,
                "group": r.group,
                "hire_date": r.hire_date,
                "tenure_months": ten,
                "days_to_first_deal": first_deal,
                "bookings_to_date": to_date,
                "curve_to_date": expected,
                "vs_curve": to_date / expected if expected > 0 else np.nan,
                "inherited_won": int(inherited_won.get(r.rep_id, 0)),
            }
        )
    return pd.DataFrame(rows)


def manager_summary(card: pd.DataFrame) -> pd.DataFrame:
    """Each manager's team average and spread of trailing attainment (or bookings).

    Parameters
    ----------
    card
        Output of :func:`rep_scorecard`.

    Returns
    -------
    DataFrame
        Per manager: ``reps, measure, mean, median, sd, min, max, spread`` (max - min).
    """
    has_att = card["attainment_trailing"].notna().any()
    col = "attainment_trailing" if has_att else "bookings_trailing"
    active = (card["won_trailing"] + card["lost_trailing"] > 0) | card["quota_trailing"].fillna(
        0
    ).gt(0)
    d = card[active].dropna(subset=["manager"])
    done = d["ramp_status"] != "ramping"  # ramped, or hire date unknown
    d = d[done] if done.any() else d
    g = d.groupby("manager")[col]
    out = pd.DataFrame(
        {
            "reps": g.size(),
            "mean": g.mean(),
            "median": g.median(),
            "sd": g.std(ddof=1),
            "min": g.min(),
            "max": g.max(),
        }
    )
    out["spread"] = out["max"] - out["min"]
    out["measure"] = "attainment" if has_att else "bookings"
    return out.sort_values("mean", ascending=False)
