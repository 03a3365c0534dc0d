"""Reps' Commit calls: how well they called past quarters, a calibrated call, reps at risk.

A rep's **call** on a day of a quarter is what the rep has booked in the quarter so far plus
the open deals the rep had in forecast category ``Commit`` with an expected close date in
the quarter, as the data knew them that day (:func:`salesops_lib.timeline.open_deals_known_then`:
the latest history snapshot on or before the day). The call at week 4 and week 8 of every
earlier complete quarter is set against what the rep booked in the whole quarter.

**Bias** is summed over a rep's quarters, ``Σ(call − booked) / Σ booked``, rather than the
mean of each quarter's ratio, so one quarter with a tiny actual cannot dominate it.

The **calibrated call** multiplies this quarter's call by the rep's own ratio
``Σ booked / Σ call`` over the past quarters, shrunk toward the team's ratio:
``(n × rep ratio + K × team ratio) / (n + K)`` with ``n`` the rep's quarters and
``K`` = :data:`SHRINK_QUARTERS`.

The **chance of reaching quota** is simulated: bookings so far, plus each open deal won with
the win model's chance (independently), plus the rep's share of the allowance for deals not
yet created (split by quota, drawn as a Poisson number of deals of the rep's average size);
the share of :data:`N_DRAWS` draws at or above quota. The report then recalibrates it on the
record of earlier quarters (:func:`recalibration`, Platt scaling): the simulation takes deals as
independent and ran low against who reached quota.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesops_lib import timeline
from salesops_lib.analysis.forecast import as_of_for_week
from salesops_lib.data import SalesData

CALL_WEEKS = (4, 8)
"""Weeks of the quarter the reps' past calls are read at."""

MIN_QUARTERS = 3
"""Quarters of calls a rep needs before the rep's bias is judged."""

SHRINK_QUARTERS = 3.0
"""Weight of the team's ratio in a rep's calibrated ratio, in quarters of the rep's own."""

AT_RISK = 0.30
"""Reps whose chance of reaching quota is below this are listed at risk."""

N_DRAWS = 2000
"""Draws of the quarter's outcome per rep."""

CALL_COLUMNS = ["rep_id", "quarter", "week", "as_of", "booked_so_far", "commit", "call"]


def rep_calls(data: SalesData, *, quarter: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each rep's Commit call on ``as_of``: booked so far plus open Commit deals in the quarter.

    Parameters
    ----------
    data
        The data set (``opportunities``; ``history`` snapshots with ``forecast_category``
        give the categories as they were on ``as_of``).
    quarter
        The quarter called.
    as_of
        The day of the call.

    Returns
    -------
    DataFrame
        ``rep_id, booked_so_far, commit, call``, one row per rep with bookings so far or a
        Commit deal (open deals credited to their owner on ``as_of``); empty when no deal
        open that day has a forecast category (the calls are not known).

    Examples
    --------
    >>> rep_calls(data, quarter="2026Q2", as_of=pd.Timestamp("2026-05-28"))  # doctest: +SKIP
    """
    start, end = data.calendar.bounds(quarter)
    od = timeline.open_deals_known_then(data, as_of)
    if od.empty or od["forecast_category"].isna().all():
        return pd.DataFrame(columns=["rep_id", "booked_so_far", "commit", "call"])
    in_q = od[
        (od["close_date"] >= start)
        & (od["close_date"] <= end)
        & (od["forecast_category"] == "Commit")
    ]
    commit = in_q.groupby("rep_id")["amount"].sum()
    won = timeline.booked(data, start, as_of, columns=["rep_id", "amount"])
    so_far = won.groupby("rep_id")["amount"].sum()
    reps = so_far.index.union(commit.index)
    out = pd.DataFrame(
        {
            "booked_so_far": so_far.reindex(reps).fillna(0.0).astype("float64"),
            "commit": commit.reindex(reps).fillna(0.0).astype("float64"),
        }
    )
    out["call"] = out["booked_so_far"] + out["commit"]
    return out.rename_axis("rep_id").reset_index()


def past_calls(
    data: SalesData,
    *,
    before: str,
    quarters: int = 8,
    weeks: tuple[int, ...] = CALL_WEEKS,
) -> pd.DataFrame:
    """Each rep's call at each week of the complete quarters before ``before``, and the actual.

    Parameters
    ----------
    data
        The data set.
    before
        The first quarter not looked at (the quarter forecast).
    quarters
        At most this many earlier quarters (the latest).
    weeks
        Weeks of the quarter the call is read at (:func:`~salesops_lib.analysis.forecast.as_of_for_week`:
        the end of that week).

    Returns
    -------
    DataFrame
        :data:`CALL_COLUMNS` plus ``actual`` (booked in the whole quarter, credited to the
        deal's owner in the record), one row per rep, quarter and week with a call; a rep
        who joined after the call date or left before the quarter's end is left out, and so
        is a rep whose call and actual are both 0. Empty without known calls.

    Examples
    --------
    >>> past_calls(data, before="2026Q3").groupby("week")["call"].sum()  # doctest: +SKIP
    """
    earlier = [q for q in data.full_quarters() if q < before][-quarters:]
    rows = []
    for q in earlier:
        start, end = data.calendar.bounds(q)
        won = timeline.booked(data, start, end, columns=["rep_id", "amount"])
        actual = won.groupby("rep_id")["amount"].sum()
        for w in weeks:
            day = as_of_for_week(data, q, w)
            calls = rep_calls(data, quarter=q, as_of=day)
            if calls.empty:
                continue
            calls = calls.set_index("rep_id")
            reps = calls.index.union(actual.index)
            frame = calls.reindex(reps).fillna(0.0)
            frame["actual"] = actual.reindex(reps).fillna(0.0).astype("float64")
            frame = frame.rename_axis("rep_id").reset_index()
            frame = frame[_in_seat(data, frame["rep_id"], day, end)]
            frame = frame[(frame["call"] > 0) | (frame["actual"] > 0)]
            rows.append(frame.assign(quarter=q, week=w, as_of=day))
    if not rows:
        return pd.DataFrame(columns=[*CALL_COLUMNS, "actual"])
    return pd.concat(rows, ignore_index=True)[[*CALL_COLUMNS, "actual"]]


def _size(deal_size: pd.Series | None, rep: str) -> float:
    """The rep's average won deal (else the average over the reps; 0: none known)."""
    if deal_size is None or deal_size.dropna().empty:
        return 0.0
    size = deal_size.get(rep, np.nan)
    return float(size) if np.isfinite(size) else float(deal_size.dropna().mean())


def _in_seat(data: SalesData, reps: pd.Series, day: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Whether each rep was hired by ``day`` and still in seat on ``end`` (unknown reps: yes)."""
    r = data.reps.set_index("rep_id")
    hired = reps.map(r["hire_date"]) if "hire_date" in r else pd.Series(pd.NaT, index=reps.index)
    left = reps.map(r["end_date"]) if "end_date" in r else pd.Series(pd.NaT, index=reps.index)
    ok = (hired.isna() | (hired <= day)) & (left.isna() | (left >= end))
    return ok.to_numpy(dtype=bool)


def call_accuracy(calls: pd.DataFrame, *, key: pd.Series | None = None) -> pd.DataFrame:
    """The bias of the calls by week of quarter, per rep (or per group of reps).

    Parameters
    ----------
    calls
        :func:`past_calls` rows (``rep_id, quarter, week, call, actual``).
    key
        Group of each rep (a Series indexed by ``rep_id``, such as the team); None: per rep.
        Reps without a group fall in ``(unassigned)``.

    Returns
    -------
    DataFrame
        Indexed by ``(group, week)``: ``quarters`` (with a call), ``call`` and ``actual``
        (summed), ``bias`` = Σ(call − actual) / Σ actual (NaN when nothing was booked),
        ``ratio`` = Σ actual / Σ call (NaN when nothing was called) and ``judged`` (at
        least :data:`MIN_QUARTERS` quarters).

    Examples
    --------
    >>> call_accuracy(past_calls(data, before="2026Q3"))  # doctest: +SKIP
    """
    group = calls["rep_id"] if key is None else calls["rep_id"].map(key).fillna("(unassigned)")
    g = calls.assign(group=group.to_numpy()).groupby(["group", "week"])
    out = pd.DataFrame(
        {
            "quarters": g["quarter"].nunique(),
            "call": g["call"].sum().astype("float64"),
            "actual": g["actual"].sum().astype("float64"),
        }
    )
    booked, called = out["actual"], out["call"]
    out["bias"] = ((called - booked) / booked.where(booked > 0)).astype("float64")
    out["ratio"] = (booked / called.where(called > 0)).astype("float64")
    out["judged"] = out["quarters"] >= MIN_QUARTERS
    return out


def calibrated_calls(
    now: pd.DataFrame,
    rep_accuracy: pd.DataFrame,
    team_ratio: pd.Series,
    team_of: pd.Series,
    *,
    company_ratio: float,
    k: float = SHRINK_QUARTERS,
) -> pd.DataFrame:
    """This quarter's calls corrected by each rep's past ratio of actual to call.

    Parameters
    ----------
    now
        :func:`rep_calls` of the quarter on the report's day (``rep_id, call``).
    rep_accuracy
        :func:`call_accuracy` per rep at one week, indexed by ``rep_id`` (``quarters,
        ratio``).
    team_ratio
        The team's ratio (Σ actual / Σ call) at the same week, by team.
    team_of
        Each rep's team, indexed by ``rep_id``.
    company_ratio
        The whole company's ratio: a team without one uses it (NaN: no correction).
    k
        The team's weight, in quarters.

    Returns
    -------
    DataFrame
        ``rep_id, team, call, quarters, rep_ratio, team_ratio, ratio, calibrated``: ``ratio``
        = (quarters × rep ratio + k × team ratio) / (quarters + k) (the team's alone when
        the rep has no ratio; 1 when neither is known) and ``calibrated`` = call × ratio.

    Examples
    --------
    >>> calibrated_calls(now, acc, team_ratio, team_of, company_ratio=0.9)  # doctest: +SKIP
    """
    out = now[["rep_id", "call"]].copy()
    out["team"] = out["rep_id"].map(team_of).fillna("(unassigned)")
    out["quarters"] = out["rep_id"].map(rep_accuracy["quarters"]).fillna(0).astype("int64")
    out["rep_ratio"] = out["rep_id"].map(rep_accuracy["ratio"]).astype("float64")
    fallback = company_ratio if np.isfinite(company_ratio) else 1.0
    out["team_ratio"] = out["team"].map(team_ratio).astype("float64").fillna(fallback)
    n = out["quarters"].where(out["rep_ratio"].notna(), 0).astype("float64")
    own = out["rep_ratio"].fillna(0.0)
    out["ratio"] = (n * own + k * out["team_ratio"]) / (n + k)
    out["calibrated"] = out["call"] * out["ratio"]
    return out.reset_index(drop=True)


def quota_chances(
    booked: pd.Series,
    deals: pd.DataFrame,
    quotas: pd.Series,
    *,
    allowance: float = 0.0,
    deal_size: pd.Series | None = None,
    share_by: pd.Series | None = None,
    seed: int = 0,
    draws: int = N_DRAWS,
) -> pd.DataFrame:
    """Each rep's chance of reaching quota this quarter, simulated deal by deal.

    Parameters
    ----------
    booked
        Bookings so far in the quarter, by ``rep_id``.
    deals
        The open deals: ``rep_id, amount, chance`` (chance of closing won in the quarter).
    quotas
        The quarter's quota, by ``rep_id``: only reps with a quota above 0 are scored.
    allowance
        The expected bookings from deals not yet created, shared among the reps scored in
        proportion to ``share_by`` (None, or all 0: to their quota). Without ``deal_size`` it is added to every draw as it
        is; with it, a rep's share is drawn as a Poisson number of new won deals of the
        rep's average size (same mean, the spread of a count of deals).
    deal_size
        The average won deal, by ``rep_id`` (a rep without one: the average of the others).
    share_by
        Each rep's weight in the allowance, by ``rep_id`` (such as what the rep booked from
        deals created in the quarter they closed); a rep without one weighs 0.
    seed
        Seed of the draws (the same data gives the same chances).
    draws
        Draws per rep.

    Returns
    -------
    DataFrame
        ``rep_id, quota, booked, open_pipeline, expected, chance``: ``expected`` = booked +
        Σ amount × chance + the share of the allowance, ``chance`` the share of draws at or
        above quota; sorted by chance, then rep.

    Examples
    --------
    >>> quota_chances(booked, deals, quotas)  # doctest: +SKIP
    """
    q = quotas[quotas > 0].astype("float64")
    weight = q if share_by is None else share_by.reindex(q.index).fillna(0.0).clip(lower=0.0)
    if not weight.sum() > 0:
        weight = q
    share = allowance * weight / weight.sum() if len(q) and weight.sum() > 0 else q * 0.0
    rng = np.random.default_rng(seed)
    rows = []
    # each rep's deals, in their order, found once (not a scan of every deal per rep)
    positions = deals.groupby("rep_id", sort=False, observed=True).indices if len(deals) else {}
    none = np.array([], dtype=np.intp)
    all_p = deals["chance"].to_numpy(dtype="float64")
    all_amount = deals["amount"].to_numpy(dtype="float64")
    for rep in sorted(q.index):
        mine = positions.get(rep, none)
        p = all_p[mine]
        amount = all_amount[mine]
        part = float(share.get(rep, 0.0))
        base = float(booked.get(rep, 0.0)) + part
        total = (
            base + (rng.random((draws, len(p))) < p) @ amount if len(p) else np.full(draws, base)
        )
        size = _size(deal_size, rep)
        if part > 0 and size > 0:
            total = total - part + rng.poisson(part / size, draws) * size
        rows.append(
            {
                "rep_id": rep,
                "quota": float(q[rep]),
                "booked": float(booked.get(rep, 0.0)),
                "open_pipeline": float(amount.sum()),
                "expected": base + float(p @ amount),
                "chance": float(np.mean(total >= q[rep] - 0.005)),
            }
        )
    cols = ["rep_id", "quota", "booked", "open_pipeline", "expected", "chance"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["chance", "rep_id"], kind="stable").reset_index(drop=True)


def calibrate(now: pd.DataFrame, past: pd.DataFrame, week: int, team_of: pd.Series) -> pd.DataFrame:
    """Calibrate the calls ``now`` with the past calls at ``week`` (:func:`calibrated_calls`).

    Parameters
    ----------
    now
        :func:`rep_calls` of the quarter (``rep_id, call``).
    past
        :func:`past_calls` of earlier quarters, with rows at ``week``.
    week
        The week of quarter the calls are read at.
    team_of
        Each rep's team, indexed by ``rep_id``.

    Returns
    -------
    DataFrame
        :func:`calibrated_calls` (``calibrated`` NaN when no past call was read at ``week``).
    """
    at = past[past["week"] == week]
    if at.empty:
        out = calibrated_calls(
            now,
            pd.DataFrame(columns=["quarters", "ratio"]),
            pd.Series(dtype="float64"),
            team_of,
            company_ratio=float("nan"),
        )
        return out.assign(calibrated=np.nan)
    rep = call_accuracy(at).xs(week, level="week")
    team = call_accuracy(at, key=team_of).xs(week, level="week")
    company = call_accuracy(at.assign(rep_id="Company"))
    ratio = float(company["ratio"].iloc[0])
    return calibrated_calls(now, rep, team["ratio"], team_of, company_ratio=ratio)


def calibration_backtest(
    data: SalesData,
    *,
    before: str,
    week: int,
    team_of: pd.Series,
    quarters: int = 4,
    history: int = 8,
) -> pd.DataFrame:
    """The company's raw and calibrated call at ``week`` of earlier quarters, and the outcome.

    Each quarter is calibrated only with the calls of the quarters before it.

    Parameters
    ----------
    data
        The data set.
    before
        The first quarter not tested.
    week
        The week of quarter of the call.
    team_of
        Each rep's team, indexed by ``rep_id``.
    quarters
        At most this many quarters tested (the latest complete ones before ``before``).
    history
        Earlier quarters each calibration reads.

    Returns
    -------
    DataFrame
        ``quarter, call, calibrated, actual`` (the company's bookings in the quarter), one
        row per quarter with both a call and past calls to calibrate it.

    Examples
    --------
    >>> calibration_backtest(data, before="2026Q3", week=8, team_of=teams)  # doctest: +SKIP
    """
    rows = []
    for q in [x for x in data.full_quarters() if x < before][-quarters:]:
        day = as_of_for_week(data, q, week)
        now = rep_calls(data, quarter=q, as_of=day)
        past = past_calls(data, before=q, quarters=history, weeks=(week,))
        if now.empty or past.empty:
            continue
        cal = calibrate(now, past, week, team_of)
        start, end = data.calendar.bounds(q)
        actual = float(timeline.booked(data, start, end, columns=["amount"])["amount"].sum())
        rows.append((q, float(cal["call"].sum()), float(cal["calibrated"].sum()), actual))
    return pd.DataFrame(rows, columns=["quarter", "call", "calibrated", "actual"])


MIN_RECORD = 40
"""Fewest earlier rep-quarters the chances of reaching quota are recalibrated on; with fewer
the simulated chances stand."""


def _logit(p: np.ndarray, draws: int) -> np.ndarray:
    """The log-odds of simulated shares, kept off 0 and 1 by half a draw."""
    q = np.clip(np.asarray(p, dtype=float), 0.5 / draws, 1 - 0.5 / draws)
    return np.log(q / (1 - q))


def recalibration(
    past_chance: np.ndarray, past_reached: np.ndarray, *, draws: int = N_DRAWS
) -> tuple[float, float] | None:
    """The logistic fit of who reached quota on the log-odds of the chance they were given.

    Platt scaling: ``P(reached) = 1 / (1 + exp(-(a + b × logit(chance))))`` fitted by
    maximum likelihood (Newton's method) over earlier rep-quarters, so a chance that ran
    low or too extreme on the record is moved to what the record shows; the order of the
    reps never changes (``b > 0``).

    Parameters
    ----------
    past_chance
        The simulated chances of earlier rep-quarters (:func:`quota_chances`).
    past_reached
        Whether each of them reached quota (bool or 0/1).
    draws
        The draws behind the chances (how near 0 or 1 a share can be).

    Returns
    -------
    tuple of float or None
        ``(a, b)``; None with fewer than :data:`MIN_RECORD` rep-quarters, when all or none
        reached quota, or when the fit does not rise with the chance.

    Examples
    --------
    >>> recalibration(np.array([0.1, 0.9] * 30), np.array([0, 1] * 30))  # doctest: +SKIP
    """
    x = _logit(past_chance, draws)
    y = np.asarray(past_reached, dtype=float)
    if len(x) < MIN_RECORD or y.min() == y.max():
        return None
    a, b = _newton(x, y)
    if not (np.isfinite(a) and np.isfinite(b)) or b <= 0:
        return None
    return a, b


def _loglik(a: float, b: float, x: np.ndarray, y: np.ndarray) -> float:
    z = a + b * x
    return float((y * z - np.logaddexp(0.0, z)).sum())


def _newton(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The logistic fit of ``y`` on ``x`` by Newton's method, each step halved until the
    likelihood rises (a full step from the start can overshoot)."""
    a, b = 0.0, 1.0
    ll = _loglik(a, b, x, y)
    for _ in range(100):
        p = np.exp(-np.logaddexp(0.0, -(a + b * x)))
        w = np.maximum(p * (1 - p), 1e-12)
        grad = np.array([(y - p).sum(), ((y - p) * x).sum()])
        hess = np.array([[w.sum(), (w * x).sum()], [(w * x).sum(), (w * x * x).sum()]])
        step = np.linalg.solve(hess + np.eye(2) * 1e-9, grad)
        for _ in range(40):
            new = _loglik(a + float(step[0]), b + float(step[1]), x, y)
            if new >= ll - 1e-12:
                break
            step = step / 2
        a, b, ll = a + float(step[0]), b + float(step[1]), new
        if np.abs(step).max() < 1e-9:
            break
    return a, b


def calibrated_chances(
    chance: np.ndarray, fit: tuple[float, float] | None, *, draws: int = N_DRAWS
) -> np.ndarray:
    """Chances of reaching quota moved by a :func:`recalibration` of the record.

    Parameters
    ----------
    chance
        The simulated chances (:func:`quota_chances`).
    fit
        ``(a, b)`` from :func:`recalibration` (None: the chances as they are).
    draws
        The draws behind the chances.

    Returns
    -------
    ndarray
        ``1 / (1 + exp(-(a + b × logit(chance))))``, or ``chance`` without a fit.

    Examples
    --------
    >>> calibrated_chances(np.array([0.5]), (0.0, 1.0)).round(3)
    array([0.5])
    """
    c = np.asarray(chance, dtype=float)
    if fit is None:
        return c.copy()
    a, b = fit
    return np.exp(-np.logaddexp(0.0, -(a + b * _logit(c, draws))))
