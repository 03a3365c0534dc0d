"""What will the quarter close at? Several methods, each backtested without peeking.

Methods
-------
time_series
    Quarterly bookings with exponential smoothing (trend and seasonality) or ARIMA, and
    monthly bookings with exponential smoothing; the candidate with the lowest backtest
    error on earlier quarters is used. Mid-quarter, the bookings already won are added to
    the model's forecast of the share of the quarter still to come (the usual pace).
pipeline
    Bookings won so far, plus each open deal's amount times the chance that a deal in its
    stage and age band closed won inside the quarter from the same point of earlier
    quarters, plus the bookings still to come from deals not yet created (the average of
    earlier quarters from the same point).
win_model
    As ``pipeline`` but each open deal's chance comes from a calibrated gradient-boosting
    classifier on what is known at the as-of date: stage, age, amount, days to the expected
    close, close-date pushes so far, the rep's past win rate, segment and product.
rep_call
    What reps call: bookings so far plus deals in Commit (point) and Best Case (upper end).
ensemble
    The methods combined with weights proportional to 1 / WAPE² over earlier quarters.

No peeking: a forecast as of a date uses only what was known on it — the latest history
snapshot on or before it, outcomes dated on or before it, and for training only quarters
that ended by then. Without snapshots, a deal counts as open on a date when it was created
by then and had not closed; its stage on that date is unknown and is not used.

``backtest`` runs each method as of a week of each of the last quarters; week 0 is the day
before the quarter starts (nothing of it booked yet), week ``w`` the end of its ``w``-th week.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from salesops_lib import timeline
from salesops_lib.config import check_names
from salesops_lib.data import SalesData
from salesops_lib.errors import ConfigError, SalesOpsDataError
from salesops_lib.timeline import booked, bookings, won_deals

METHODS = ("time_series", "pipeline", "win_model", "rep_call", "ensemble")
HISTORY_MODELS = ("theta", "ets")
"""Univariate models of the quarterly bookings series alone (statsmodels' Theta and ETS)."""
BASELINES = ("seasonal_naive", "seasonal_naive_growth", "last_quarter", "trailing_mean")
"""The back-of-the-envelope yardsticks: recommended when no other method beats them."""
FROM_BOOKINGS = HISTORY_MODELS + BASELINES
"""The candidates that read only the quarterly bookings series (:func:`method_history`)."""
ALL_METHODS = METHODS + FROM_BOOKINGS
"""Every method a forecast or a backtest can run."""
FORECAST_COLUMNS = ["method", "point", "lo80", "hi80", "lo95", "hi95"]
AGE_BANDS = [-1, 30, 60, 90, 180, 100_000]
N_SIMULATIONS = 2000


# ---------------------------------------------------------------------------------------
# what was known on a date


def as_of_for_week(data: SalesData, quarter: str, week: int) -> pd.Timestamp:
    """The as-of date of a backtest: the day before the quarter (week 0) or the end of week ``week``.

    Parameters
    ----------
    data
        The data set (its calendar).
    quarter
        The quarter forecast.
    week
        0, or the number of whole weeks of the quarter known; capped at the quarter's end.

    Returns
    -------
    Timestamp

    Examples
    --------
    >>> as_of_for_week(data, "2026Q3", 4)  # doctest: +SKIP
    Timestamp('2026-07-28 00:00:00')
    """
    start, end = data.calendar.bounds(quarter)
    return min(start + pd.Timedelta(days=7 * int(week) - 1), end)


def open_deals_at(data: SalesData, date: pd.Timestamp) -> pd.DataFrame:
    """The deals open on ``date`` with only what was known then, kept with the data set.

    :func:`salesops_lib.timeline.open_deals_known_then` (worked out once per data set and
    day, a frame of its own each call): a forecast and its backtest ask for the same earlier
    dates many times.

    Parameters
    ----------
    data
        The data set.
    date
        The as-of date.

    Returns
    -------
    DataFrame
        :data:`~salesops_lib.timeline.OPEN_DEAL_COLUMNS`, a new copy the caller may change.
    """
    return timeline.open_deals_known_then(data, pd.Timestamp(date))


# ---------------------------------------------------------------------------------------
# training examples from earlier quarters at the same point


@dataclass
class _Point:
    quarter: str
    start: pd.Timestamp
    end: pd.Timestamp
    as_of: pd.Timestamp
    offset: int  # as_of - start in days (-1 at week 0)


def _point(data: SalesData, quarter: str, as_of: pd.Timestamp) -> _Point:
    start, end = data.calendar.bounds(quarter)
    return _Point(quarter, start, end, as_of, int((as_of - start).days))


def data_start(data: SalesData) -> pd.Timestamp:
    """The day the data's history of deals begins.

    It is the later of the first close and the first created date. A data set whose first
    closes are records migrated from another CRM (closed before their deals were created, as
    HubSpot's and Salesforce's exports can hold) or whose first deals were created long before
    anything closed (Maven's engage dates) holds a full history only from the later of the two.

    Parameters
    ----------
    data
        The data set (its opportunities' close and created dates).

    Returns
    -------
    Timestamp
        The later of :attr:`~salesops_lib.data.SalesData.first_date` (the first close) and
        the earliest created date; the first close alone when no deal has a created date.

    Examples
    --------
    >>> data_start(data)  # doctest: +SKIP
    Timestamp('2024-06-01 00:00:00')
    """
    created = data.opportunities["created_date"].min()
    first = data.first_date
    return max(first, created) if pd.notna(created) else first


def first_full_quarter(data: SalesData) -> str:
    """The first fiscal quarter the data holds from its first day (see :func:`data_start`).

    Earlier points of a forecast and the quarters a backtest tests begin there: a quarter the
    data holds only partly (Maven's 2017Q1 holds only March; HubSpot's 2024Q2 only June) would
    teach the methods that little closes.

    Parameters
    ----------
    data
        The data set (its fiscal calendar and :func:`data_start`).

    Returns
    -------
    str
        The quarter label: the quarter :func:`data_start` falls in when it is that quarter's
        first day, else the next one.

    Examples
    --------
    >>> first_full_quarter(data)  # doctest: +SKIP
    '2024Q3'
    """
    day = data_start(data).normalize()
    q = data.calendar.quarter_of(day)
    start, _ = data.calendar.bounds(q)
    return q if day <= start else data.calendar.shift(q, 1)


MIN_HISTORY_QUARTERS = 2
"""Full quarters of data a quarter needs before it to be backtested (its methods learn from them)."""


def backtestable(data: SalesData, quarter: str) -> bool:
    """Whether ``quarter`` has :data:`MIN_HISTORY_QUARTERS` full quarters of data before it.

    Parameters
    ----------
    data
        The data set (its fiscal calendar and :func:`first_full_quarter`).
    quarter
        The fiscal quarter a backtest would test (``2026Q3``).

    Returns
    -------
    bool
        True when ``quarter`` starts :data:`MIN_HISTORY_QUARTERS` or more quarters after
        :func:`first_full_quarter`.
    """
    return quarter >= data.calendar.shift(first_full_quarter(data), MIN_HISTORY_QUARTERS)


def _earlier_points(data: SalesData, p: _Point, n: int = 8) -> list[_Point]:
    """The same point (days into the quarter) of up to ``n`` earlier quarters that ended by
    ``as_of``, from the data's first full quarter on (:func:`first_full_quarter`)."""
    out = []
    first = first_full_quarter(data)
    for k in range(1, n + 1):
        q = data.calendar.shift(p.quarter, -k)
        if q < first:
            break
        start, end = data.calendar.bounds(q)
        if end > p.as_of:
            continue
        out.append(_Point(q, start, end, min(start + pd.Timedelta(days=p.offset), end), p.offset))
    return out


EXAMPLE_COLUMNS = [
    "rep_id",
    "product",
    "stage",
    "age_days",
    "amount",
    "close_date",
    "pushes",
    "won_in_quarter",
    "quarter",
    "quarter_end",
]
"""What the pipeline and win-model methods read of a training example (an earlier open
deal): the data set keeps each earlier point's examples for every later forecast, so only
these columns (on the large demo company all of them held 1.1 GB)."""


EXAMPLES_KEPT = 32
"""Training examples kept per data set (the deals open at one earlier point, ~15 MB each on
the large company). A 03 build on the demo trains on 129 distinct points (backtests at three
weeks, the weekly line, the track record, the bridge); keeping them all held about 2 GB on
the large company. With 32, the demo computes none twice; with 16, 7 of 129 twice."""


def _examples(data: SalesData, points: list[_Point]) -> pd.DataFrame:
    """Deals open at each earlier point, labelled won-inside-that-quarter."""
    frames = [
        data.derived(
            ("example", q.quarter, q.as_of), partial(_example, data, q), keep=EXAMPLES_KEPT
        )
        for q in points
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _example(data: SalesData, q: _Point) -> pd.DataFrame:
    o = data.opportunities
    won_then = (
        o["is_won"].fillna(False).to_numpy(dtype=bool)
        & (o["close_date"] >= q.start).to_numpy(dtype=bool)
        & (o["close_date"] <= q.end).to_numpy(dtype=bool)
    )
    od = open_deals_at(data, q.as_of)
    row = od["opp_row"].to_numpy()
    od["won_in_quarter"] = (row >= 0) & won_then[np.maximum(row, 0)]
    od["quarter"] = q.quarter
    od["quarter_end"] = q.end
    return od[EXAMPLE_COLUMNS]


def _not_yet_created(
    data: SalesData, points: list[_Point], key: pd.Series | None = None
) -> tuple[pd.Series, pd.Series]:
    """Mean and sd, over earlier quarters, of bookings from deals created after the point.

    The mean is the last four quarters' times the company's :func:`season_factor` when the
    points reach a year back in full (:func:`_a_year_back`)."""
    return data.derived(
        ("not yet created", tuple((q.quarter, q.as_of) for q in points), _key_name(key)),
        lambda: _not_yet_created_uncached(data, points, key),
    )


def _not_yet_created_uncached(
    data: SalesData, points: list[_Point], key: pd.Series | None
) -> tuple[pd.Series, pd.Series]:
    won = won_deals(data)[["rep_id", "amount", "close_date", "created_date"]]
    vals = []
    for q in points:
        w = won[
            (won["close_date"] >= q.start)
            & (won["close_date"] <= q.end)
            & (won["created_date"] > q.as_of)
        ]
        grp = w["rep_id"].map(key) if key is not None else pd.Series("Total", index=w.index)
        vals.append(w.groupby(grp)["amount"].sum().rename(q.quarter))
    if not vals:
        return pd.Series(dtype=float), pd.Series(dtype=float)
    table = pd.concat(vals, axis=1).fillna(0.0)
    recent = table.iloc[:, : min(4, table.shape[1])]
    factor = (
        season_factor(table.sum(axis=0).to_numpy(dtype=float))
        if _a_year_back(data, points)
        else 1.0
    )
    return recent.mean(axis=1) * factor, table.std(axis=1, ddof=1).fillna(0.0)


SEASON_QUARTERS = 8
"""Earlier quarters the allowance for deals not yet created needs to follow the season."""


def _a_year_back(data: SalesData, points: list[_Point]) -> bool:
    """Whether ``points`` are the :data:`SEASON_QUARTERS` quarters just before the one forecast,
    latest first (the fourth is then the same quarter a year earlier)."""
    if len(points) < SEASON_QUARTERS or points[0].offset < -1:
        return False
    first = points[0].quarter
    return all(q.quarter == data.calendar.shift(first, -k) for k, q in enumerate(points))


def season_factor(values: np.ndarray) -> float:
    """How far this quarter's allowance for deals not yet created moves off the recent mean.

    The seasonal-naive-with-growth yardstick applied to the bookings from deals created
    after the point: the same quarter a year earlier scaled by the growth of the last four
    quarters over the four before, as a multiple of the last four quarters' mean. Fixed a
    priori (no knob): with fewer than :data:`SEASON_QUARTERS` earlier quarters, or nothing
    booked a year before, the factor is 1 (the recent mean).

    Parameters
    ----------
    values
        The company's bookings from deals not yet created at the point, latest quarter
        first (one, two, ... quarters before the one forecast).

    Returns
    -------
    float
        ``values[3] × (sum of values[0:4] / sum of values[4:8]) / mean of values[0:4]``, or 1.

    Examples
    --------
    >>> round(season_factor(np.array([10, 10, 10, 20, 10, 10, 10, 20.0])), 3)
    1.6
    """
    v = np.asarray(values, dtype=float)
    if len(v) < SEASON_QUARTERS or not np.isfinite(v[:SEASON_QUARTERS]).all():
        return 1.0
    recent, before = v[:4].sum(), v[4:SEASON_QUARTERS].sum()
    if recent <= 0 or before <= 0 or v[3] <= 0:
        return 1.0
    return float(v[3] * (recent / before) / (recent / 4))


# ---------------------------------------------------------------------------------------
# methods


def _group_map(data: SalesData, by: str | None) -> pd.Series | None:
    if by is None:
        return None
    if by == "rep_id":
        # named, like the other groupings: cached results are keyed by the grouping's name
        return pd.Series(data.reps["rep_id"].to_numpy(), index=data.reps["rep_id"], name="rep_id")
    if by not in data.reps:
        raise ValueError(
            f"by must be rep_id, team, region, manager or None; the reps table has no {by!r}"
        )
    return data.reps.set_index("rep_id")[by]


def _key_name(key: pd.Series | None) -> str | None:
    """What a grouping from :func:`_group_map` is called in cache keys (None: no grouping)."""
    return None if key is None else str(key.name)


MAX_TRAINING_DEALS = 30_000
"""The win model trains on at most this many earlier open deals (a fixed random sample).

On the large demo company (2M deals) a 30,000-deal sample backtested as well as 60,000
(8 quarters, WAPE 4.5% against 4.8% at week 0, 2.5% against 2.8% at week 8) and fits
in two thirds of the time; the small demo (at most 11,505 examples) never reaches it."""

EXACT_DEALS = 2000
"""Up to this many open deals a group's wins are simulated deal by deal."""


def _simulated_wins(rng: np.random.Generator, p: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """``N_SIMULATIONS`` draws of the amount won from independent deals (chance ``p`` each).

    Up to :data:`EXACT_DEALS` deals every deal is drawn. Beyond that the
    :data:`EXACT_DEALS` deals with the largest variance (amount² p (1 - p)) are still
    drawn one by one and the many small rest are summed as one normal draw with their exact
    mean and variance (central limit theorem: thousands of small independent deals), which
    keeps a large company's simulation linear in its deals instead of deals × draws.
    """
    if len(p) == 0:
        return np.zeros(N_SIMULATIONS)
    if len(p) <= EXACT_DEALS:
        return (rng.random((N_SIMULATIONS, len(p))) < p) @ amount
    var = amount**2 * p * (1 - p)
    big = np.argsort(-var, kind="stable")[:EXACT_DEALS]
    rest = np.ones(len(p), dtype=bool)
    rest[big] = False
    exact = (rng.random((N_SIMULATIONS, len(big))) < p[big]) @ amount[big]
    approx = rng.normal(
        float(p[rest] @ amount[rest]), float(np.sqrt(var[rest].sum())), N_SIMULATIONS
    )
    return exact + approx


def _simulate(
    p: np.ndarray,
    amount: np.ndarray,
    groups: np.ndarray,
    base: pd.Series,
    extra_mean: pd.Series,
    extra_sd: pd.Series,
    seed: int,
) -> pd.DataFrame:
    """Monte Carlo of bookings: booked + Bernoulli wins of open deals + not-yet-created (normal, >= 0)."""
    rng = np.random.default_rng(seed)
    names = sorted(set(base.index) | set(extra_mean.index) | set(np.unique(groups)))
    out = {}
    # each group's deals (positions in order), found once: not a scan of every deal per group
    where = _positions_by_group(groups)
    none = np.array([], dtype=np.intp)
    for g in names:
        mine = where.get(g, none)
        pp, aa = p[mine], amount[mine]
        wins = _simulated_wins(rng, pp, aa)
        extra = np.maximum(
            rng.normal(extra_mean.get(g, 0.0), extra_sd.get(g, 0.0), N_SIMULATIONS), 0.0
        )
        total = base.get(g, 0.0) + wins + extra
        point = base.get(g, 0.0) + float(pp @ aa) + extra_mean.get(g, 0.0)
        out[g] = [point, *np.quantile(total, [0.10, 0.90, 0.025, 0.975])]
    return pd.DataFrame.from_dict(
        out, orient="index", columns=["point", "lo80", "hi80", "lo95", "hi95"]
    )


def _positions_by_group(groups: np.ndarray) -> dict[object, np.ndarray]:
    """The positions of each group's rows in ``groups``, ascending."""
    if len(groups) == 0:
        return {}
    return pd.Series(groups, dtype=object).groupby(groups, sort=False).indices


def _groups_of(frame: pd.DataFrame, key: pd.Series | None) -> np.ndarray:
    if key is None:
        return np.full(len(frame), "Total", dtype=object)
    return frame["rep_id"].map(key).fillna("(unassigned)").to_numpy(dtype=object)


def _total_of(key: pd.Series | None) -> set[str]:
    """The company total's row name when forecasting the company (``key`` None)."""
    return {"Total"} if key is None else set()


def _booked_by(data: SalesData, p: _Point, key: pd.Series | None) -> pd.Series:
    b = booked(data, p.start, p.as_of, columns=["rep_id", "amount"])
    return b.groupby(_groups_of(b, key))["amount"].sum()


def _stage_index(data: SalesData, stage: pd.Series) -> pd.Series:
    order = {s.name: i for i, s in enumerate(data.stages) if not s.closed}
    codes, names = pd.factorize(stage)  # look up each distinct stage once
    lookup = np.array([order.get(n, np.nan) for n in names] + [np.nan], dtype="float64")
    return pd.Series(lookup[codes], index=stage.index)


def method_pipeline(
    data: SalesData, p: _Point, key: pd.Series | None, seed: int = 0
) -> pd.DataFrame:
    """Stage-and-age conversion rates from earlier quarters applied to today's open deals.

    Each open deal's chance is the share of earlier quarters' deals in the same cell (stage,
    expected close inside the quarter, after it or unknown, and age band) open at the same
    point that were won inside their quarter, shrunk toward its stage's rate; bookings
    from deals not yet created are the mean of earlier quarters'.

    Parameters
    ----------
    data
        The data set.
    p
        The forecast point: the quarter, its first and last day, and the as-of date (what is
        known).
    key
        Group of each rep (a Series indexed by ``rep_id``: team, region, manager or the rep
        itself); None: the company total.
    seed
        Seed of the Monte Carlo draws behind the ranges.

    Returns
    -------
    DataFrame
        One row per group (index; ``Total`` without ``key``): ``point, lo80, hi80, lo95, hi95``.
    """
    points = _earlier_points(data, p)
    od = open_deals_at(data, p.as_of)
    rate = _pipeline_chances(data, p)
    mean, sd = _not_yet_created(data, points, key)
    return _simulate(
        rate, od["amount"].to_numpy(), _groups_of(od, key), _booked_by(data, p, key), mean, sd, seed
    )


def _pipeline_chances(data: SalesData, p: _Point) -> np.ndarray:
    """Each deal open at ``p.as_of`` (in :func:`open_deals_at` order): the share of deals of
    its cell (stage, close-date timing, age band) open at the same point of earlier quarters
    that closed won within the quarter, shrunk toward the stage's and the overall share."""
    return data.derived(
        ("pipeline chances", p.quarter, p.as_of), lambda: _pipeline_chances_uncached(data, p)
    )


def _pipeline_chances_uncached(data: SalesData, p: _Point) -> np.ndarray:
    ex = _examples(data, _earlier_points(data, p))
    od = open_deals_at(data, p.as_of)
    if ex.empty:
        return np.full(len(od), 0.0)
    # the cell: stage, whether the expected close falls inside the quarter, age band
    ex["band"] = pd.cut(ex["age_days"], AGE_BANDS, labels=False)
    od["band"] = pd.cut(od["age_days"], AGE_BANDS, labels=False)
    ex_key, od_key = _cells(ex, ex["quarter_end"], od, p.end)
    overall = ex["won_in_quarter"].mean()
    by_stage = ex.groupby(ex_key)["won_in_quarter"].agg(["sum", "size"])
    stage_rate = (by_stage["sum"] + 5 * overall) / (by_stage["size"] + 5)
    by_cell = ex.groupby([ex_key, ex["band"]])["won_in_quarter"].agg(["sum", "size"])
    prior = od_key.map(stage_rate).fillna(overall).to_numpy()
    idx = pd.MultiIndex.from_arrays([od_key, od["band"]])
    cell = by_cell.reindex(idx)
    k, n = cell["sum"].fillna(0).to_numpy(), cell["size"].fillna(0).to_numpy()
    return (k + 10 * prior) / (n + 10)


def _target_point(data: SalesData, quarter: str, as_of: object | None) -> _Point:
    """The point a forecast of ``quarter`` made on ``as_of`` stands at (as
    :func:`forecast_quarter` takes it)."""
    _, end = data.calendar.bounds(quarter)
    day = (
        data.default_as_of(quarter) if as_of is None else min(pd.Timestamp(as_of).normalize(), end)  # type: ignore[arg-type]
    )
    return _point(data, quarter, day)


def deal_chances(data: SalesData, *, quarter: str, as_of: object | None = None) -> pd.DataFrame:
    """Each deal open on ``as_of`` with the pipeline method's chance of it closing won.

    The chance is that of closing won in ``quarter``.

    Parameters
    ----------
    data
        The data set.
    quarter
        The quarter forecast.
    as_of
        What is known (default: the quarter's end, or the data's last date mid-quarter).

    Returns
    -------
    DataFrame
        ``opp_id, amount, chance`` (:func:`open_deals_at` order); ``amount × chance`` is the
        deal's expected bookings, the part of the pipeline forecast each open deal brings.

    Examples
    --------
    >>> deal_chances(data, quarter="2026Q4", as_of="2026-09-30")["chance"].describe()  # doctest: +SKIP
    """
    p = _target_point(data, quarter, as_of)
    od = open_deals_at(data, p.as_of)
    return pd.DataFrame(
        {
            "opp_id": od["opp_id"].to_numpy(),
            "amount": od["amount"].to_numpy(),
            "chance": _pipeline_chances(data, p),
        }
    )


INPUT_WORDS: dict[str, str] = {
    "stage": "stage",
    "close": "close-date timing",
    "age": "age",
    "days_to_close": "days to expected close",
    "days_left": "days left in the quarter",
    "pushes": "close-date pushes",
    "log_amount": "amount",
    "rep_win_rate": "the rep's past win rate",
    "segment": "segment",
    "product": "product",
}
"""Each input of the pipeline method and the win model in a manager's words."""


def method_inputs(
    data: SalesData,
    *,
    quarter: str,
    as_of: object | None = None,
    methods: tuple[str, ...] = ("pipeline", "win_model"),
) -> dict[str, tuple[str, ...]]:
    """What the pipeline method and the win model really learnt from on this data.

    Without history snapshots the deals open at earlier points have no known stage, expected
    close date or pushes (:func:`open_deals_at`), so the pipeline method's cells differ by
    age only and the win model leaves those inputs out.

    Parameters
    ----------
    data
        The data set.
    quarter
        The quarter forecast.
    as_of
        What is known (default: the quarter's end, or the data's last date mid-quarter).
    methods
        Which of ``pipeline`` and ``win_model`` to report on (only those are keys of the
        result; the win model is fitted only when asked for).

    Returns
    -------
    dict
        ``pipeline``: the inputs of :data:`INPUT_WORDS` (``stage``, ``close``, ``age``) its
        earlier open deals had; ``win_model``: the classifier's inputs (empty when it could
        not be trained and fell back to the pipeline method).

    Examples
    --------
    >>> method_inputs(data, quarter="2026Q2", as_of="2026-03-31")["pipeline"]  # doctest: +SKIP
    ('age',)
    """
    p = _target_point(data, quarter, as_of)
    out: dict[str, tuple[str, ...]] = {}
    if "pipeline" in methods:
        ex = _examples(data, _earlier_points(data, p))
        used = []
        if len(ex):
            for name, col in (("stage", "stage"), ("close", "close_date"), ("age", "age_days")):
                if ex[col].notna().any():
                    used.append(name)
        out["pipeline"] = tuple(used)
    if "win_model" in methods:
        fitted = data.derived(
            ("win chances", p.quarter, p.as_of, 0), lambda: _win_chances(data, p, 0)
        )
        out["win_model"] = tuple(fitted[1]) if fitted is not None else ()
    return out


def _cells(
    ex: pd.DataFrame, ex_end: pd.Series, od: pd.DataFrame, od_end: pd.Timestamp
) -> tuple[pd.Series, pd.Series]:
    """Each deal's cell as an integer: its stage, and whether its expected close date falls
    inside the quarter, after it, or is unknown (same codes for the examples and today's deals).
    """
    stages, _ = pd.factorize(pd.concat([ex["stage"], od["stage"]], ignore_index=True))
    stages = stages + 1  # 0: no stage known

    def timing(close: pd.Series, end: pd.Series | pd.Timestamp) -> np.ndarray:
        return np.where(close <= end, 0, np.where(close.isna(), 2, 1))

    ex_cell = stages[: len(ex)] * 3 + timing(ex["close_date"], ex_end)
    od_cell = stages[len(ex) :] * 3 + timing(od["close_date"], od_end)
    return pd.Series(ex_cell, index=ex.index), pd.Series(od_cell, index=od.index)


def _features(
    data: SalesData,
    frame: pd.DataFrame,
    at: pd.Series,
    rep_rates: pd.Series,
    quarter_end: pd.Series,
) -> pd.DataFrame:
    reps = data.reps.set_index("rep_id")
    seg = (
        frame["rep_id"].map(reps["segment"])
        if "segment" in reps
        else pd.Series(np.nan, index=frame.index)
    )
    feats = pd.DataFrame(
        {
            "stage": _stage_index(data, frame["stage"]),
            "age": frame["age_days"],
            "log_amount": np.log1p(frame["amount"].clip(lower=0)),
            "days_to_close": (frame["close_date"] - at).dt.days.astype("float64"),
            "days_left": (quarter_end - at).dt.days.astype("float64"),
            "pushes": frame["pushes"].astype("float64"),
            "rep_win_rate": rep_rates.reindex(frame["rep_id"]).to_numpy(),
            "segment": pd.Categorical(seg.astype("str")).codes.astype("float64"),
            "product": pd.Categorical(frame["product"].astype("str")).codes.astype("float64"),
        },
        index=frame.index,
    )
    return feats


def _rep_rates(data: SalesData, date: pd.Timestamp) -> pd.Series:
    """Each rep's win rate on deals closed by ``date``, shrunk toward the company's (cached)."""
    return data.derived(("rep rates", pd.Timestamp(date)), lambda: _rep_rates_at(data, date))


def _rep_rates_at(data: SalesData, date: pd.Timestamp) -> pd.Series:
    o = data.opportunities
    codes, reps = data.derived(("rep codes",), lambda: pd.factorize(o["rep_id"]))
    closed = (
        o["is_closed"].fillna(False).to_numpy(dtype=bool) & (o["close_date"] <= date).to_numpy()
    )
    closed &= codes >= 0
    won = o["is_won"].fillna(False).to_numpy(dtype=bool)
    size = np.bincount(codes[closed], minlength=len(reps))
    wins = np.bincount(codes[closed], weights=won[closed], minlength=len(reps))
    seen = size > 0
    overall = wins.sum() / max(size.sum(), 1)
    rates = (wins[seen] + 10 * overall) / (size[seen] + 10)
    return pd.Series(rates, index=pd.Index(np.asarray(reps)[seen], name="rep_id"))


def method_win_model(
    data: SalesData, p: _Point, key: pd.Series | None, seed: int = 0
) -> pd.DataFrame:
    """A calibrated classifier's chance for each open deal, on features known at as_of.

    Falls back to :func:`method_pipeline` when earlier quarters give too few examples (fewer
    than 50, or only one outcome) to train on.

    Parameters
    ----------
    data
        The data set.
    p
        The forecast point: the quarter, its first and last day, and the as-of date (what is
        known).
    key
        Group of each rep (a Series indexed by ``rep_id``: team, region, manager or the rep
        itself); None: the company total.
    seed
        Seed of the training sample, the model and the Monte Carlo draws.

    Returns
    -------
    DataFrame
        One row per group (index; ``Total`` without ``key``): ``point, lo80, hi80, lo95, hi95``.
    """
    points = _earlier_points(data, p)
    fitted = data.derived(
        ("win chances", p.quarter, p.as_of, seed), lambda: _win_chances(data, p, seed)
    )  # the model does not depend on the grouping: one fit serves company and teams
    if fitted is None:
        return method_pipeline(data, p, key, seed)
    prob = fitted[0]
    od = open_deals_at(data, p.as_of)
    mean, sd = _not_yet_created(data, points, key)
    return _simulate(
        prob, od["amount"].to_numpy(), _groups_of(od, key), _booked_by(data, p, key), mean, sd, seed
    )


def _win_chances(
    data: SalesData, p: _Point, seed: int
) -> tuple[np.ndarray, tuple[str, ...]] | None:
    """Each deal open at ``p.as_of`` (in :func:`open_deals_at` order): the calibrated
    classifier's chance it is won inside the quarter, and the inputs it used. None when
    earlier quarters give too few examples (or only one outcome) to train on."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier

    points = _earlier_points(data, p)
    ex = _examples(data, points)
    od = open_deals_at(data, p.as_of)
    if ex.empty or ex["won_in_quarter"].nunique() < 2 or len(ex) < 50:
        return None
    if len(ex) > MAX_TRAINING_DEALS:  # a fixed random sample trains as well, far faster
        keep = np.random.default_rng(seed).choice(len(ex), MAX_TRAINING_DEALS, replace=False)
        ex = ex.iloc[np.sort(keep)]
    xs = []
    for q in points:
        part = ex[ex["quarter"] == q.quarter]
        xs.append(
            _features(
                data,
                part,
                pd.Series(q.as_of, index=part.index),
                _rep_rates(data, q.as_of),
                pd.Series(q.end, index=part.index),
            )
        )
    x = pd.concat(xs).loc[ex.index]
    # the categorical codes must mean the same thing in training and scoring
    both = pd.concat(
        [
            ex[["rep_id", "product", "stage", "age_days", "amount", "close_date", "pushes"]],
            od[["rep_id", "product", "stage", "age_days", "amount", "close_date", "pushes"]],
        ],
        keys=["train", "score"],
    )
    cats = {c: pd.Categorical(both[c].astype("str")) for c in ("product",)}
    x["product"] = cats["product"].codes[: len(ex)].astype("float64")
    y = ex["won_in_quarter"].astype(int).to_numpy()
    usable = [
        c for c in x.columns if x[c].notna().any() and x[c].nunique(dropna=True) > 1
    ]  # e.g. no stage without history
    x = x[usable]
    model = CalibratedClassifierCV(
        HistGradientBoostingClassifier(
            max_iter=60, learning_rate=0.12, max_leaf_nodes=15, random_state=seed
        ),
        method="isotonic",
        cv=2,
    )
    from threadpoolctl import threadpool_limits

    # one thread: parallel notebooks and test workers otherwise oversubscribe the cores badly
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore")
        model.fit(x.to_numpy(), y)
    xo = _features(
        data,
        od,
        pd.Series(p.as_of, index=od.index),
        _rep_rates(data, p.as_of),
        pd.Series(p.end, index=od.index),
    )
    xo["product"] = cats["product"].codes[len(ex) :].astype("float64")
    xo = xo[usable]
    with threadpool_limits(limits=1):
        prob = model.predict_proba(xo.to_numpy())[:, 1] if len(od) else np.array([])
    return prob, tuple(usable)


def method_rep_call(data: SalesData, p: _Point, key: pd.Series | None) -> pd.DataFrame | None:
    """Commit (point) and best case (upper end) from forecast categories; None without categories.

    Only open deals with an expected close date inside the quarter count; the low ends are
    the bookings so far.

    Parameters
    ----------
    data
        The data set (the open deals' ``forecast_category``).
    p
        The forecast point: the quarter, its first and last day, and the as-of date (what is
        known).
    key
        Group of each rep (a Series indexed by ``rep_id``: team, region, manager or the rep
        itself); None: the company total.

    Returns
    -------
    DataFrame or None
        One row per group: ``point`` (booked + Commit), ``lo80`` and ``lo95`` (booked),
        ``hi80`` and ``hi95`` (booked + Commit + Best Case); None when no open deal has a
        forecast category.
    """
    od = open_deals_at(data, p.as_of)
    if od["forecast_category"].isna().all():
        return None
    in_q = od[(od["close_date"] >= p.start) & (od["close_date"] <= p.end)]
    groups = _groups_of(in_q, key)
    commit = (
        in_q[in_q["forecast_category"] == "Commit"]
        .groupby(groups[in_q["forecast_category"].to_numpy() == "Commit"])["amount"]
        .sum()
    )
    best = in_q[in_q["forecast_category"].isin(["Commit", "Best Case"])]
    best = best.groupby(groups[in_q["forecast_category"].isin(["Commit", "Best Case"]).to_numpy()])[
        "amount"
    ].sum()
    base = _booked_by(data, p, key)
    # the company's call is $0, not missing, when nothing is booked or called yet (a
    # quarter's first day with no deal in Commit or Best Case)
    names = sorted(set(base.index) | set(commit.index) | set(best.index) | _total_of(key))
    b = base.reindex(names).fillna(0.0)
    point = b + commit.reindex(names).fillna(0.0)
    upper = b + best.reindex(names).fillna(0.0)
    # the call's range: from what is committed (bookings + Commit) up to Best Case
    return pd.DataFrame(
        {"point": point, "lo80": point, "hi80": upper, "lo95": point, "hi95": upper}
    )


def _quarterly_series(data: SalesData, until: str, key: pd.Series | None) -> pd.DataFrame:
    """Bookings per complete quarter up to ``until`` (inclusive), by group (columns).

    The series starts with the first quarter the data holds in full: a first quarter held
    only partly (Maven's 2017Q1 holds only March) would read as a slump.
    """
    full = data.full_quarters()  # the data set works its partial quarters out once
    first = full[0] if full else data.quarters()[0]
    qs = data.calendar.quarter_range(first, until) if until >= first else []
    table = (
        data.derived(("quarterly bookings",), lambda: _quarterly_table(data, None))
        if key is None
        else _quarterly_table(data, key)
    )
    return table.reindex(qs).fillna(0.0)


def _quarterly_table(data: SalesData, key: pd.Series | None) -> pd.DataFrame:
    """Bookings of every quarter with won deals (rows) by group (columns)."""
    w = won_deals(data)[["rep_id", "amount", "close_date"]]
    q = data.derived(("won quarters",), lambda: data.calendar.quarters_of(w["close_date"]))
    return w.groupby([q, _groups_of(w, key)])["amount"].sum().unstack(fill_value=0.0)


def _monthly_series(data: SalesData, until: pd.Timestamp) -> pd.Series:
    w = won_deals(data)
    first = data.first_date
    w = w[(w["close_date"] >= first) & (w["close_date"] <= until)]
    s = w.groupby(w["close_date"].dt.to_period("M"))["amount"].sum()
    idx = pd.period_range(first.to_period("M"), until.to_period("M"), freq="M")
    return s.reindex(idx, fill_value=0.0)


def _ts_candidates(
    data: SalesData, y: np.ndarray, h: int = 1, *, first: bool = False
) -> dict[str, np.ndarray]:
    """Point and spread ``h`` quarters ahead from each quarterly model that fits ``y`` (a
    fit is kept with the data set: backtests refit the same series many times); ``first``:
    only the first model that fits, in order of preference (a team's series, where no
    choice between models is made)."""
    series = np.asarray(y, dtype=float)
    key = ("time-series fit", series.tobytes(), h, first)
    return dict(data.derived(key, lambda: _ts_fit(series, h, first=first)))


def _ts_fit(y: np.ndarray, h: int, *, first: bool = False) -> dict[str, np.ndarray]:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    out: dict[str, np.ndarray] = {}
    n = len(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if n >= 8:
            try:
                fit = ExponentialSmoothing(
                    y,
                    trend="add",
                    seasonal="mul" if (y > 0).all() else "add",
                    seasonal_periods=4,
                    initialization_method="estimated",
                ).fit()
                point = float(fit.forecast(h)[-1])
                resid_sd = float(np.std(fit.resid, ddof=1)) if n > 2 else 0.0
                if fit.model.seasonal == "mul":
                    resid_sd = float(np.std(y - fit.fittedvalues, ddof=1))
                out["ets_quarterly"] = np.array([point, resid_sd])
            except (ValueError, np.linalg.LinAlgError):
                pass
        if n >= 6 and not (first and out):
            try:
                fit = SARIMAX(
                    y,
                    order=(1, 0, 0),
                    seasonal_order=(0, 1, 0, 4) if n >= 8 else (0, 0, 0, 0),
                    trend="c",
                ).fit(disp=False)
                fc = fit.get_forecast(h)
                point = float(fc.predicted_mean[-1])
                sd = float(np.sqrt(fc.var_pred_mean[-1]))
                out["arima_quarterly"] = np.array([point, sd])
            except (ValueError, np.linalg.LinAlgError):
                pass
        if n >= 4 and not out:
            out["mean_last4"] = np.array([float(np.mean(y[-4:])), float(np.std(y[-4:], ddof=1))])
    return out


def _monthly_candidate(
    data: SalesData, until: pd.Timestamp, months_ahead: int
) -> np.ndarray | None:
    return data.derived(
        ("monthly", pd.Timestamp(until), months_ahead),
        lambda: _monthly_fit(data, until, months_ahead),
    )


def _monthly_fit(data: SalesData, until: pd.Timestamp, months_ahead: int) -> np.ndarray | None:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = _monthly_series(data, until).to_numpy(dtype=float)
    if len(y) < 12 or months_ahead < 1:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            seasonal = "add" if len(y) >= 24 else None
            fit = ExponentialSmoothing(
                y,
                trend="add",
                seasonal=seasonal,
                seasonal_periods=12 if seasonal else None,
                initialization_method="estimated",
            ).fit()
        except (ValueError, np.linalg.LinAlgError):
            return None
    fc = fit.forecast(months_ahead)
    sd = float(np.std(fit.resid, ddof=1)) * np.sqrt(months_ahead)
    return np.array([float(np.sum(fc[-3:])), sd])


def _pace_share(data: SalesData, p: _Point) -> float:
    """Share of a quarter's bookings won by the same day in earlier quarters (0 at week 0)."""
    if p.offset < 0:
        return 0.0
    shares = []
    w = won_deals(data)
    for q in _earlier_points(data, p, n=4):
        inq = w[(w["close_date"] >= q.start) & (w["close_date"] <= q.end)]
        total = inq["amount"].sum()
        if total > 0:
            shares.append(inq.loc[inq["close_date"] <= q.as_of, "amount"].sum() / total)
    return float(np.mean(shares)) if shares else 0.0


def method_time_series(
    data: SalesData, p: _Point, key: pd.Series | None, choose: str | None = None
) -> pd.DataFrame:
    """Bookings history models; mid-quarter, booked so far plus the model's share still to come.

    The quarterly models (and, for the company total, the monthly one) are fitted on the
    complete quarters before the forecast quarter; the share still to come is 1 minus the
    share earlier quarters had booked by the same day.

    Parameters
    ----------
    data
        The data set.
    p
        The forecast point: the quarter, its first and last day, and the as-of date (what is
        known).
    key
        Group of each rep (a Series indexed by ``rep_id``: team, region, manager or the rep
        itself); None: the company total.
    choose
        The candidate model to use (e.g. ``ets_quarterly``); None, or one that does not fit:
        the first that fits.

    Returns
    -------
    DataFrame
        One row per group (index): ``point, lo80, hi80, lo95, hi95, model`` (the candidate
        used).

    Raises
    ------
    SalesOpsDataError
        When a group has too little bookings history for any model (at least 4 quarters).
    """
    last_complete = data.calendar.latest_complete_quarter(p.as_of)
    last_complete = min(last_complete, data.calendar.shift(p.quarter, -1))
    table = _quarterly_series(data, last_complete, key)
    if key is None and table.shape[1] == 0:
        table = pd.DataFrame({"Total": np.zeros(len(table))}, index=table.index)
    share = _pace_share(data, p)
    base = _booked_by(data, p, key)
    rows = {}
    for g in table.columns:
        y = table[g].to_numpy(dtype=float)
        cands = _ts_candidates(data, y, first=key is not None and choose is None)
        if key is None:
            months_ahead = 3 if p.offset < 0 else 3
            monthly = _monthly_candidate(data, p.start - pd.Timedelta(days=1), months_ahead)
            if monthly is not None:
                cands["ets_monthly"] = monthly
        if not cands:
            raise SalesOpsDataError(
                f"{'the company' if key is None else g}: too little bookings history for a time-series forecast "
                f"({len(y)} quarters; at least 4 needed)"
            )
        name = choose if choose in cands else next(iter(cands))
        point, sd = cands[name]
        point = max(point, 0.0)
        done = base.get(g, 0.0)
        rest = 1 - share
        total = done + point * rest
        s = sd * rest
        rows[g] = [
            total,
            max(total - 1.2816 * s, done),
            total + 1.2816 * s,
            max(total - 1.96 * s, done),
            total + 1.96 * s,
            name,
        ]
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["point", "lo80", "hi80", "lo95", "hi95", "model"]
    )


def baseline_seasonal_naive(data: SalesData, p: _Point, growth: bool) -> float:
    """Same quarter last year (times last year's growth when ``growth``).

    Parameters
    ----------
    data
        The data set.
    p
        The forecast point: the quarter, its first and last day, and the as-of date (what is
        known).
    growth
        Multiply by the last four complete quarters' bookings over the four before them.

    Returns
    -------
    float
        Company bookings; NaN when the same quarter last year is not in the data (or, with
        ``growth``, there are not eight quarters before).
    """
    y = _quarterly_series(data, data.calendar.shift(p.quarter, -1), None).sum(axis=1)
    name = "seasonal_naive_growth" if growth else "seasonal_naive"
    return history_value(data, y, p.quarter, name)


HISTORY_NEEDS = {
    "seasonal_naive": 4,
    "seasonal_naive_growth": 8,
    "last_quarter": 1,
    "trailing_mean": 4,
    "theta": 6,
    "ets": 6,
}
"""Complete quarters of bookings each :data:`FROM_BOOKINGS` candidate needs before it runs."""


def history_value(data: SalesData, y: pd.Series, quarter: str, name: str) -> float:
    """A :data:`FROM_BOOKINGS` candidate's forecast of ``quarter``'s bookings from the series ``y``.

    Parameters
    ----------
    data
        The data set (its calendar; model fits are kept with it).
    y
        Bookings of each complete quarter before ``quarter`` (index: quarter labels, oldest
        first, no gaps), e.g. :func:`_quarterly_series`'s column.
    quarter
        The quarter forecast (after ``y``'s last quarter).
    name
        ``seasonal_naive`` (the same quarter a year before), ``seasonal_naive_growth`` (that
        times the last four quarters over the four before them), ``last_quarter``,
        ``trailing_mean`` (the mean of the last four quarters), ``theta`` or ``ets``.

    Returns
    -------
    float
        The forecast for the whole quarter, at least 0; NaN when the series is too short for
        the candidate (:data:`HISTORY_NEEDS`) or the model cannot be fitted.

    Examples
    --------
    >>> history_value(data, pd.Series([1.0, 2, 3, 4], index=["2025Q1", "2025Q2", "2025Q3", "2025Q4"]),
    ...               "2026Q1", "seasonal_naive")  # doctest: +SKIP
    1.0
    """
    values = y.to_numpy(dtype=float)
    n = len(values)
    if n < HISTORY_NEEDS[name]:
        return np.nan
    h = len(data.calendar.quarter_range(str(y.index[-1]), quarter)) - 1
    if name in ("seasonal_naive", "seasonal_naive_growth"):
        last_year = data.calendar.shift(quarter, -4)
        if last_year not in y.index:
            return np.nan
        value = float(y[last_year])
        if name == "seasonal_naive_growth":
            before = float(values[-8:-4].sum())
            value = value * float(values[-4:].sum()) / before if before > 0 else np.nan
    elif name == "last_quarter":
        value = float(values[-1])
    elif name == "trailing_mean":
        value = float(values[-4:].mean())
    else:
        value = data.derived(
            ("history model", name, values.tobytes(), h), lambda: _model_value(values, name, h)
        )
    return max(value, 0.0) if np.isfinite(value) else np.nan


def _model_value(y: np.ndarray, name: str, h: int) -> float:
    """Theta or damped-trend ETS ``h`` quarters ahead of ``y``; NaN when the fit fails."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.forecasting.theta import ThetaModel

    scale = float(np.abs(y).max()) or 1.0
    z = y / scale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if name == "theta":
                seasonal = len(z) >= 8 and bool((z > 0).all())
                fit = ThetaModel(z, period=4, deseasonalize=seasonal).fit()
                out = float(np.asarray(fit.forecast(h))[-1])
            else:
                fit = ETSModel(
                    z,
                    error="add",
                    trend="add",
                    damped_trend=True,
                    seasonal="add" if len(z) >= 12 else None,
                    seasonal_periods=4 if len(z) >= 12 else None,
                ).fit(disp=False)
                out = float(np.asarray(fit.forecast(h))[-1])
        except (ValueError, ZeroDivisionError, IndexError, np.linalg.LinAlgError):
            return np.nan
    return out * scale if np.isfinite(out) else np.nan


def method_history(
    data: SalesData, p: _Point, key: pd.Series | None, name: str
) -> pd.DataFrame | None:
    """A candidate that reads only past bookings: a yardstick (:data:`BASELINES`) or Theta/ETS.

    Each group's complete quarters before the forecast quarter give the quarter's figure
    (:func:`history_value`); mid-quarter, the bookings so far plus that figure times the
    share of the quarter still to come at the usual pace (as :func:`method_time_series`).
    The ranges are left empty: :func:`forecast_quarter` sets them from the backtest errors.

    Parameters
    ----------
    data
        The data set.
    p
        The forecast point: the quarter, its first and last day, and the as-of date.
    key
        Group of each rep (a Series indexed by ``rep_id``); None: the company total.
    name
        One of :data:`FROM_BOOKINGS`.

    Returns
    -------
    DataFrame or None
        One row per group that could run (index): ``point, lo80, hi80, lo95, hi95`` (ranges
        NaN); None when the series is too short for it in every group (the method could not
        run).
    """
    return _history_methods(data, p, key, (name,)).get(name)


def _history_methods(
    data: SalesData, p: _Point, key: pd.Series | None, methods: tuple[str, ...]
) -> dict[str, pd.DataFrame]:
    """The :data:`FROM_BOOKINGS` candidates among ``methods`` that could run
    (:func:`method_history`; the series, pace and bookings so far worked out once)."""
    wanted = [m for m in methods if m in FROM_BOOKINGS]
    if not wanted:
        return {}
    last = min(data.calendar.latest_complete_quarter(p.as_of), data.calendar.shift(p.quarter, -1))
    table = _quarterly_series(data, last, key)
    if key is None and table.shape[1] == 0:
        table = pd.DataFrame({"Total": np.zeros(len(table))}, index=table.index)
    if table.empty:
        return {}
    rest = 1 - _pace_share(data, p)
    base = _booked_by(data, p, key)
    out = {}
    for m in wanted:
        rows = {}
        for g in table.columns:
            v = history_value(data, table[g], p.quarter, m)
            if np.isfinite(v):
                rows[g] = [float(base.get(g, 0.0)) + v * rest] + [np.nan] * 4
        if rows:
            out[m] = pd.DataFrame.from_dict(
                rows, orient="index", columns=["point", "lo80", "hi80", "lo95", "hi95"]
            )
    return out


# ---------------------------------------------------------------------------------------
# public API


def _ts_choice(data: SalesData, p: _Point, n: int = 4) -> str | None:
    """The quarterly/monthly candidate with the lowest WAPE at the start of up to ``n`` earlier quarters."""
    return data.derived(
        ("ts_choice", p.quarter, str(data.calendar.latest_complete_quarter(p.as_of)), n),
        lambda: _ts_choice_uncached(data, p, n),
    )


def _ts_choice_uncached(data: SalesData, p: _Point, n: int) -> str | None:
    errs: dict[str, list[float]] = {}
    actuals = []
    for q in _earlier_points(data, _Point(p.quarter, p.start, p.end, p.as_of, -1), n=n):
        qp = _Point(q.quarter, q.start, q.end, q.start - pd.Timedelta(days=1), -1)
        table = (
            _quarterly_series(data, data.calendar.shift(q.quarter, -1), None)
            .sum(axis=1)
            .to_numpy(dtype=float)
        )
        cands = _ts_candidates(data, table)
        monthly = _monthly_candidate(data, qp.as_of, 3)
        if monthly is not None:
            cands["ets_monthly"] = monthly
        actual = bookings(data, q.start, q.end)
        actuals.append(actual)
        for name, (point, _) in cands.items():
            errs.setdefault(name, []).append(abs(point - actual))
    full = {k: sum(v) for k, v in errs.items() if len(v) == len(actuals) and actuals}
    return min(full, key=full.__getitem__) if full else None


def _all_methods(
    data: SalesData, p: _Point, key: pd.Series | None, methods: tuple[str, ...]
) -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    if "time_series" in methods:
        try:
            out["time_series"] = method_time_series(
                data, p, key, choose=_ts_choice(data, p) if key is None else None
            )
        except SalesOpsDataError:
            if not any(m in methods for m in ("pipeline", "win_model")):
                raise
    has_pipeline = data.opportunities["is_closed"].fillna(False).astype(bool).mean() < 1 or (
        data.history is not None
    )
    if has_pipeline or not out:
        if "pipeline" in methods:
            out["pipeline"] = method_pipeline(data, p, key)
        if "win_model" in methods:
            out["win_model"] = data.derived(
                ("win_model", p.quarter, p.as_of, _key_name(key)),
                lambda: method_win_model(data, p, key),
            )
    if "rep_call" in methods:
        rc = method_rep_call(data, p, key)
        if rc is not None:
            out["rep_call"] = rc
    return out


def _ensemble(parts: dict[str, pd.DataFrame], weights: dict[str, float]) -> pd.DataFrame:
    use = {m: w for m, w in weights.items() if m in parts and np.isfinite(w) and w > 0}
    if not use:
        use = {m: 1.0 for m in parts if m != "rep_call"} or {m: 1.0 for m in parts}
    total = sum(use.values())
    cols = ["point", "lo80", "hi80", "lo95", "hi95"]
    frame = sum(parts[m][cols] * (w / total) for m, w in use.items())
    return frame  # type: ignore[return-value]


def forecast_week(data: SalesData, quarter: str, as_of: object) -> int:
    """The week of ``quarter`` a forecast made on ``as_of`` stands at, as :func:`backtest` counts.

    0 up to the day before the quarter starts (and on its first days); ``w`` once ``as_of``
    is the end of the quarter's ``w``-th week or later.

    Parameters
    ----------
    data
        The data set (its calendar).
    quarter
        The quarter forecast.
    as_of
        The day the forecast is made.

    Returns
    -------
    int

    Examples
    --------
    >>> forecast_week(data, "2026Q4", "2026-09-30")  # doctest: +SKIP
    0
    """
    start, end = data.calendar.bounds(quarter)
    day = min(pd.Timestamp(as_of).normalize(), end)  # type: ignore[arg-type]
    return max(0, (int((day - start).days) + 1) // 7)


READS_PIPELINE = ("pipeline", "win_model", "rep_call", "ensemble")
"""Methods that read the open pipeline (the ensemble blends the pipeline methods)."""


def has_snapshots(data: SalesData) -> bool:
    """Whether the data has history snapshots of its pipeline.

    Parameters
    ----------
    data
        The data set.

    Returns
    -------
    bool
        True when ``data.history`` holds at least one row.
    """
    return data.history is not None and len(data.history) > 0


def hindsight_methods(data: SalesData) -> tuple[str, ...]:
    """The methods whose backtest on ``data`` uses hindsight.

    Without history snapshots a past quarter's open pipeline can only be rebuilt from
    today's records, which already know each deal's final close date and amount: a
    backtest of a method that reads the pipeline (:data:`READS_PIPELINE`) then flatters
    it. Methods that use only past bookings (the time series, the seasonal-naive
    yardsticks) are backtested honestly either way.

    Parameters
    ----------
    data
        The data set.

    Returns
    -------
    tuple of str
        :data:`READS_PIPELINE` without snapshots, else empty.

    Examples
    --------
    >>> hindsight_methods(load_dataset("data/examples/maven_crm", preset="maven_crm"))  # doctest: +SKIP
    ('pipeline', 'win_model', 'rep_call', 'ensemble')
    """
    return () if has_snapshots(data) else READS_PIPELINE


MIN_BACKTEST_QUARTERS = 3
"""Enough quarters, the one threshold of the recommendation rule: the fewest a backtest must
have scored a method on for it to be recommended, and the fewest two methods must share for
one to count against the other (:data:`MIN_SHARED_QUARTERS`). One number for both, so the
evidence that rules a method out is also enough to recommend the method that beat it: a
yardstick that beat every method on the quarters they share is recommended, never nothing."""

WAPE_TIE = 0.001
"""WAPEs less than this apart (0.1 percentage point) are a tie: the smaller bias decides."""


def ranking(
    bt: pd.DataFrame,
    among: tuple[str, ...] | list[str] | None = None,
    *,
    min_quarters: int = MIN_BACKTEST_QUARTERS,
    hindsight: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The candidates for the recommendation, in the order the rule ranks them.

    Candidates are every method the backtest scored (:data:`ALL_METHODS` without
    ``rep_call``, which has no probability behind it): the pipeline, win-model, time-series
    and blended methods, Theta and ETS, and the yardsticks (:data:`BASELINES`), which are
    recommended when nothing else beats them; narrowed to ``among`` when given. The rule:
    methods are compared on the same quarters only. A method tested on at least
    ``min_quarters`` quarters, whose backtest used no hindsight (:func:`hindsight_methods`),
    is eligible when on the quarters it shares with each other such method (its rivals:
    those tested on at least ``min_quarters`` of the same quarters, such as a yardstick
    that needs two years of data) its WAPE is no more than :data:`WAPE_TIE` above the
    rival's (:func:`head_to_head`); when none is (each lost to another: a cycle), those
    tested on the most quarters are eligible; of the eligible (who tie with one another on the
    quarters they share), those tested on the most quarters, and of those the lowest WAPE,
    come first; methods whose WAPE is less than :data:`WAPE_TIE` above it are tied with it, and
    of those the one with the smallest absolute bias comes first (then the lower WAPE, then
    the order of :data:`ALL_METHODS`).

    Parameters
    ----------
    bt
        A :func:`backtest` frame.
    among
        The methods the forecast has (None: any).
    min_quarters
        Fewest quarters tested for a recommendation.
    hindsight
        The methods whose backtest used hindsight (None: ``bt.attrs["hindsight"]``, which
        :func:`backtest` sets).

    Returns
    -------
    DataFrame
        Indexed by method: ``quarters, wape, bias, hindsight`` (its backtest used
        hindsight), ``eligible`` (tested on enough quarters without hindsight, and beaten by
        no rival on the quarters they share), ``beaten_by`` (the rival that missed least on
        the quarters it shares with the method, when it missed less than the method there;
        ``""`` otherwise), ``rivals`` (how many rivals it was compared with), ``tied`` (an
        eligible method tied with the lowest eligible WAPE), ``cycle`` (every method tested
        on enough quarters lost to another: the longest record decided), best first; the
        first row is recommended when it is ``eligible``, which it is whenever a method
        without hindsight was tested on ``min_quarters`` quarters.

    Examples
    --------
    >>> ranking(backtest(data, quarters=8, week=0))[["wape", "bias", "tied"]]  # doctest: +SKIP
    """
    cols = [
        "quarters",
        "wape",
        "bias",
        "hindsight",
        "eligible",
        "beaten_by",
        "rivals",
        "tied",
        "cycle",
    ]
    if bt is None or bt.empty:
        return pd.DataFrame(columns=cols)
    looked = set(bt.attrs.get("hindsight", ()) if hindsight is None else hindsight)
    allowed = set(among) if among is not None else set(ALL_METHODS)
    acc = accuracy(bt)
    order = [m for m in ALL_METHODS if m != "rep_call" and m in allowed and m in acc.index]
    acc = acc.loc[order]
    acc = acc[np.isfinite(acc["wape"].to_numpy(dtype=float))]
    out = acc[["quarters", "wape", "bias"]].copy()
    out["hindsight"] = out.index.isin(sorted(looked))
    fair = [str(m) for m in out.index[~out["hindsight"]]]
    duels = {m: _duels(bt, m, fair, min_quarters) for m in fair}
    out["beaten_by"] = [_beaten_by(duels.get(str(m), [])) for m in out.index]
    out["rivals"] = [len(duels.get(str(m), [])) for m in out.index]
    enough = (out["quarters"] >= min_quarters) & ~out["hindsight"]
    out["eligible"] = enough & (out["beaten_by"] == "")
    # a rival shares at least min_quarters quarters, so it has enough of its own: when no
    # method is unbeaten, each lost to another (A beat B, B beat C, C beat A), and the
    # longest record decides, by its WAPE; so with one method tested on enough quarters
    # there is always a recommendation
    out["cycle"] = bool(enough.any() and not out["eligible"].any())
    if out["cycle"].any():
        out["eligible"] = enough & (out["quarters"] == out.loc[enough, "quarters"].max())
    # the eligible tie with each other on the quarters they share: the longest record first
    longest = out.loc[out["eligible"], "quarters"].max() if out["eligible"].any() else 0
    top = out["eligible"] & (out["quarters"] == longest)
    best = out.loc[top, "wape"].min() if top.any() else np.nan
    out["tied"] = top & (out["wape"] - best < WAPE_TIE)
    out["_rank"] = np.where(out["tied"], 0, np.where(out["eligible"], 1, 2))
    out["_abs_bias"] = np.where(out["tied"], out["bias"].abs(), 0.0)
    out["_order"] = range(len(out))
    out = out.sort_values(["_rank", "_abs_bias", "wape", "_order"], kind="stable")
    return out[cols]


MIN_SHARED_QUARTERS = MIN_BACKTEST_QUARTERS
"""Fewest quarters two methods must share for one to count against the other: on fewer,
one lucky quarter decides (the same number as :data:`MIN_BACKTEST_QUARTERS`)."""


def head_to_head(bt: pd.DataFrame, method: str, rival: str) -> tuple[int, float, float]:
    """Two methods' WAPEs on the quarters both were tested on.

    Parameters
    ----------
    bt
        A :func:`backtest` frame (``quarter, method, forecast, actual, error``).
    method, rival
        The two methods.

    Returns
    -------
    tuple of (int, float, float)
        The quarters both were tested on, ``method``'s WAPE on them and ``rival``'s (NaN
        when they share none, or nothing closed in them).

    Examples
    --------
    >>> head_to_head(backtest(data, quarters=8, week=0), "last_quarter", "trailing_mean")  # doctest: +SKIP
    (3, 0.504, 0.354)
    """
    a = bt[bt["method"] == method].set_index("quarter")
    b = bt[bt["method"] == rival].set_index("quarter")
    shared = a.index.intersection(b.index)
    total = float(a.loc[shared, "actual"].sum())
    if not len(shared) or total <= 0:
        return len(shared), float("nan"), float("nan")
    mine = float(a.loc[shared, "error"].abs().sum()) / total
    theirs = float(b.loc[shared, "error"].abs().sum()) / total
    return len(shared), mine, theirs


def _duels(
    bt: pd.DataFrame, method: str, fair: list[str], shared: int = MIN_SHARED_QUARTERS
) -> list[tuple[str, int, float, float]]:
    """``method`` against each rival on the quarters they share (at least ``shared``):
    ``(rival, quarters, its WAPE, the rival's)``."""
    out = []
    for r in fair:
        if r == method:
            continue
        n, mine, theirs = head_to_head(bt, method, r)
        if n >= shared and np.isfinite(mine) and np.isfinite(theirs):
            out.append((r, n, mine, theirs))
    return out


def _beaten_by(duels: list[tuple[str, int, float, float]]) -> str:
    """The rival that beat a method by the most on the quarters they share; ``""``: none did."""
    lost = [(mine - theirs, r) for r, _, mine, theirs in duels if mine - theirs >= WAPE_TIE]
    return max(lost)[1] if lost else ""


def recommend(
    bt: pd.DataFrame,
    among: tuple[str, ...] | list[str] | None = None,
    *,
    min_quarters: int = MIN_BACKTEST_QUARTERS,
    hindsight: tuple[str, ...] | None = None,
) -> str | None:
    """The one rule for the recommended method: the first of :func:`ranking`.

    The lowest WAPE in a backtest of at least ``min_quarters`` quarters, among methods whose
    backtest used no hindsight; WAPEs less than :data:`WAPE_TIE` apart are a tie, which the
    smaller absolute bias breaks.

    Parameters
    ----------
    bt
        A :func:`backtest` frame.
    among
        The methods the forecast has (None: any).
    min_quarters
        Fewest quarters tested for a recommendation (:data:`MIN_BACKTEST_QUARTERS`): two
        quarters' errors are no evidence of which method is better.
    hindsight
        The methods whose backtest used hindsight and are never recommended from it (None:
        ``bt.attrs["hindsight"]``).

    Returns
    -------
    str or None
        None when the backtest scored no candidate on enough quarters without hindsight: no
        recommendation without a fair backtest.

    Examples
    --------
    >>> recommend(backtest(data, quarters=8, week=0))  # doctest: +SKIP
    'win_model'
    """
    if bt is None or not len(bt):
        return None
    ranked = ranking(bt, among, min_quarters=min_quarters, hindsight=hindsight)
    if ranked.empty or not bool(ranked["eligible"].iloc[0]):
        return None
    return str(ranked.index[0])


def _ensemble_weights(bt: pd.DataFrame, parts: dict[str, pd.DataFrame]) -> dict[str, float]:
    """Each method's ensemble weight: one over its squared backtest WAPE (rep calls left out)."""
    wape = bt.attrs.get("wape", {})
    return {m: 1 / wape[m] ** 2 for m in parts if m in wape and wape[m] > 0 and m != "rep_call"}


def _recommended(data: SalesData, bt: pd.DataFrame | None, among: tuple[str, ...]) -> str | None:
    """The method :func:`recommend` names from the backtest; None without a backtest."""
    if bt is None:
        return None
    return recommend(bt, among=among, hindsight=bt.attrs.get("hindsight", hindsight_methods(data)))


def check_forecastable(data: SalesData, quarter: str, as_of: pd.Timestamp) -> None:
    """Raise unless the data can forecast ``quarter`` as known on ``as_of``.

    A quarter the data covers can be forecast as of any date. A quarter after the data's
    last one can be forecast up to the quarter after the as-of date's quarter (next
    quarter is a legitimate forecast; later ones would be the methods' guesses on no data).
    An as-of date after the data's last date counts as that last date: nothing later is
    known.

    Parameters
    ----------
    data
        The data set (its calendar, first and last date).
    quarter
        A quarter label in the one written form (``2026Q3``).
    as_of
        The as-of date the forecast uses.

    Raises
    ------
    ConfigError
        A quarter before the data's first quarter (the message names the quarters the data
        covers), or after the latest quarter it can forecast (the message names the data's
        quarters and that latest quarter).

    Examples
    --------
    >>> check_forecastable(data, "2027Q1", pd.Timestamp("2026-08-15"))  # doctest: +SKIP
    ConfigError: quarter 2027Q1 is beyond what the data can forecast: ...
    """
    quarters = data.quarters()
    first, last = quarters[0], quarters[-1]
    known = min(pd.Timestamp(as_of).normalize(), data.last_date.normalize())
    latest = data.calendar.shift(data.calendar.quarter_of(known), 1)
    period = data.calendar.period
    if period(quarter) < period(first):
        raise ConfigError(f"quarter {quarter} is outside the data, which covers {first} to {last}")
    if period(quarter) > period(last) and period(quarter) > period(latest):
        day = f"{known.date()}" + (" (the data's last date)" if known < as_of else "")
        raise ConfigError(
            f"quarter {quarter} is beyond what the data can forecast: the data covers {first} "
            f"to {last}, and as of {day} the latest quarter it can forecast is {latest} "
            "(the quarter after the as-of date's)"
        )


def forecast_quarter(
    data: SalesData,
    *,
    quarter: str,
    as_of: object | None = None,
    by: str | None = None,
    methods: str | tuple[str, ...] = ALL_METHODS,
    backtest_quarters: int = 6,
    backtest: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Forecast a quarter's bookings by every method, as known on ``as_of``.

    Parameters
    ----------
    data
        Loaded data; history snapshots make the pipeline methods honest about the past.
    quarter
        Fiscal quarter to forecast: one the data covers, or a later one up to the quarter
        after the as-of date's (next quarter); one beyond that, or before the data, raises.
    as_of
        What is known (default: the data's last date, capped at the quarter's end).
    by
        ``team``, ``region``, ``manager``, ``rep_id`` or None (company total).
    methods
        Subset of :data:`ALL_METHODS` (one name: that method alone); a candidate of
        :data:`FROM_BOOKINGS` the bookings series is too short for is left out (it could
        not run).
    backtest_quarters
        Earlier quarters the forecast's own backtest tests (when ``backtest`` is None).
    backtest
        A :func:`backtest` of the earlier quarters at this forecast's week
        (:func:`forecast_week`), e.g. the one a report shows: its WAPE weights the ensemble
        and names the recommended method. None: one of ``backtest_quarters`` quarters is run
        when there are several methods or an ensemble.

    Returns
    -------
    DataFrame
        ``method, point, lo80, hi80, lo95, hi95`` (and the ``by`` column); ``attrs``
        carries ``recommended`` (:func:`recommend` on the backtest: the lowest backtest
        WAPE over at least :data:`MIN_BACKTEST_QUARTERS` quarters, a tie broken by the
        smaller bias, among methods whose backtest used no hindsight; None without such a
        backtest), ``range_errors`` (for each method whose ranges come from its backtest
        errors, :func:`calibrated_range`, how many errors: at least :data:`MIN_RANGE_ERRORS`,
        calibrated from :data:`CALIBRATED_ERRORS` on; a group's range is stretched as the
        company's by it, :func:`_group_ranges`), ``weights``, ``week`` (the backtest's
        week), ``backtested`` (the quarters it tested), ``booked`` (bookings won so far) and ``as_of`` (the as-of date used, ``YYYY-MM-DD``).

    Raises
    ------
    SalesOpsDataError
        When the time-series method has too little history and no pipeline method is
        asked for, or none of the methods asked for can run on the data.
    ValueError
        When ``by`` is not a column of the reps table.
    ConfigError
        When ``quarter`` is not a quarter label or a method name is unknown (the message
        lists the valid ones), or the data cannot forecast ``quarter``
        (:func:`check_forecastable`; the message names the data's range).
    """
    methods = (methods,) if isinstance(methods, str) else tuple(methods)
    check_names(methods, ALL_METHODS, "forecast method")
    quarter = data.calendar.normalize(quarter)
    start, end = data.calendar.bounds(quarter)
    as_of_ts = (
        data.default_as_of(quarter) if as_of is None else min(pd.Timestamp(as_of).normalize(), end)
    )
    check_forecastable(data, quarter, as_of_ts)
    p = _point(data, quarter, as_of_ts)
    key = _group_map(data, by)
    parts = _all_methods(
        data, p, key, tuple(m for m in methods if m in METHODS and m != "ensemble")
    )
    history = _history_methods(data, p, key, methods)
    if not parts and not history:
        raise SalesOpsDataError(
            f"none of the methods {', '.join(methods)} can forecast {quarter} on this data "
            f"(rep_call needs the reps' forecast categories); try methods={METHODS!r}"
        )
    bt = backtest
    if bt is None and ("ensemble" in methods or len(parts) + len(history) > 1):
        bt = _own_backtest(data, p, (*parts, *history), "ensemble" in methods, backtest_quarters)
    weights = _ensemble_weights(bt, parts) if bt is not None else {}
    if "ensemble" in methods and parts:
        parts["ensemble"] = _ensemble(parts, weights)
    so_far = float(booked(data, start, as_of_ts)["amount"].sum())
    parts |= history
    errors = _range_errors(bt, tuple(parts))
    parts = _ranged(data, p, key, parts, errors, (methods, weights), so_far)
    out = _long_forecast(parts, by)
    out.attrs["recommended"] = _recommended(data, bt, tuple(parts))
    out.attrs["weights"] = weights
    out.attrs["week"] = forecast_week(data, quarter, as_of_ts)
    out.attrs["backtested"] = (
        sorted(bt["quarter"].unique().tolist()) if bt is not None and len(bt) else []
    )
    out.attrs["booked"] = so_far
    out.attrs["as_of"] = str(as_of_ts.date())
    out.attrs["range_errors"] = {m: len(e) for m, e in errors.items()}
    return out


def _own_backtest(
    data: SalesData, p: _Point, methods: tuple[str, ...], ensemble: bool, quarters: int
) -> pd.DataFrame:
    """A forecast's own backtest: ``quarters`` quarters before it at its week, complete by its as-of date."""
    return _run_backtest(
        data,
        quarters=quarters,
        week=forecast_week(data, p.quarter, p.as_of),
        methods=methods + (("ensemble",) if ensemble else ()),
        before=p.quarter,
        as_of_limit=p.as_of,
    )


def _range_errors(bt: pd.DataFrame | None, methods: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Each method's relative errors in the backtest (:func:`relative_errors`), Rep call aside."""
    if bt is None or bt.empty:
        return {}
    out = {}
    for m in methods:
        rows = bt[bt["method"] == m]
        if m not in OWN_RANGES and len(rows):
            out[m] = relative_errors(rows["forecast"], rows["actual"])
    return out


def _ranged(
    data: SalesData,
    p: _Point,
    key: pd.Series | None,
    parts: dict[str, pd.DataFrame],
    errors: dict[str, np.ndarray],
    asked: tuple[tuple[str, ...], dict[str, float]],
    so_far: float,
) -> dict[str, pd.DataFrame]:
    """The forecasts with their ranges calibrated on the backtest errors: the company
    total's directly (:func:`_calibrated_parts`), a group's by the company's calibration
    (:func:`_group_ranges`); ``asked`` is the methods asked for and the ensemble weights."""
    if key is None:
        return _calibrated_parts(parts, errors, so_far)
    if not errors:
        return parts
    company = _company_parts(data, p, *asked)
    return _group_ranges(parts, company, errors, so_far, _booked_by(data, p, key))


def _company_parts(
    data: SalesData, p: _Point, methods: tuple[str, ...], weights: dict[str, float]
) -> dict[str, pd.DataFrame]:
    """The company-total forecasts with the methods' own ranges (what team ranges scale from)."""
    parts = _all_methods(
        data, p, None, tuple(m for m in methods if m in METHODS and m != "ensemble")
    )
    if "ensemble" in methods and parts:
        parts["ensemble"] = _ensemble(parts, weights)
    return parts | _history_methods(data, p, None, methods)


def _group_ranges(
    parts: dict[str, pd.DataFrame],
    company: dict[str, pd.DataFrame],
    errors: dict[str, np.ndarray],
    so_far: float,
    floors: pd.Series,
) -> dict[str, pd.DataFrame]:
    """Each group's own range stretched as the company's is by its calibration.

    A group (team, region) has too few backtest errors of its own; its range keeps the
    method's spread for the group and each end moves away from the point by the factor
    that takes the company total's own range end to its calibrated one
    (:func:`calibrated_range` on the company's backtest errors), never below the group's
    bookings so far (``floors``). Methods without enough errors, or without a range of
    their own, keep what they have.
    """
    out = dict(parts)
    for m, f in parts.items():
        errs = errors.get(m, np.array([]))
        whole = company.get(m)
        if len(errs) < MIN_RANGE_ERRORS or whole is None or whole.empty:
            continue
        w = whole.iloc[0]
        f = f.copy()
        for level in (80, 95):
            lo, hi = calibrated_range(float(w["point"]), errs, level / 100, floor=so_far)
            below, above = (
                float(w["point"]) - float(w[f"lo{level}"]),
                float(w[f"hi{level}"]) - float(w["point"]),
            )
            if not (np.isfinite(lo) and below > 0 and above > 0):
                continue
            k_lo, k_hi = (float(w["point"]) - lo) / below, (hi - float(w["point"])) / above
            low = f["point"] - k_lo * (f["point"] - f[f"lo{level}"])
            f[f"lo{level}"] = np.maximum(low, floors.reindex(f.index).fillna(0.0))
            f[f"hi{level}"] = f["point"] + k_hi * (f[f"hi{level}"] - f["point"])
        f["lo95"], f["hi95"] = np.minimum(f["lo95"], f["lo80"]), np.maximum(f["hi95"], f["hi80"])
        out[m] = f
    return out


def _calibrated_parts(
    parts: dict[str, pd.DataFrame], errors: dict[str, np.ndarray], floor: float
) -> dict[str, pd.DataFrame]:
    """The methods' forecasts with ranges from their backtest errors where there are enough
    (:data:`MIN_RANGE_ERRORS`); elsewhere the method's own range (NaN for the yardsticks)."""
    out = {}
    for m, f in parts.items():
        errs = errors.get(m, np.array([]))
        if len(errs) >= MIN_RANGE_ERRORS:
            f = f.copy()
            for level in (80, 95):
                ends = [calibrated_range(v, errs, level / 100, floor=floor) for v in f["point"]]
                f[f"lo{level}"] = [lo for lo, _ in ends]
                f[f"hi{level}"] = [hi for _, hi in ends]
        out[m] = f
    return out


def backtest(
    data: SalesData,
    *,
    quarters: int = 8,
    week: int = 0,
    methods: str | tuple[str, ...] | None = None,
    before: str | None = None,
    as_of_limit: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Forecast each of the last ``quarters`` complete quarters as of week ``week`` and score it.

    Parameters
    ----------
    data
        The data set.
    quarters
        How many quarters to test (the latest complete ones, or those before ``before``);
        a quarter is tested only when the data has two full quarters before it
        (:func:`backtestable`: a quarter with too little history before it would be scored
        on what the methods could not have learnt).
    week
        0: the day before the quarter starts; ``w``: the end of its ``w``-th week.
    methods
        Methods to test (default :data:`ALL_METHODS`: the methods, Theta and ETS, and the
        yardsticks; one name: that method alone). A candidate the series is too short for
        has no rows (it could not run).
    before
        Test only quarters before this one (a forecast's own backtest).
    as_of_limit
        Test only quarters complete on this date (no peeking past a forecast's as-of date).

    Returns
    -------
    DataFrame
        One row per quarter and method: :data:`BACKTEST_COLUMNS` (``booked``: bookings so
        far at the as-of date; the ranges from the method's errors in the quarters before,
        :func:`calibrated_backtest`, and whether they held the actual).
        ``attrs["wape"]`` holds each method's WAPE (sum of absolute errors / sum of
        actuals), ``attrs["week"]`` the week, ``attrs["hindsight"]`` the methods whose
        scores used hindsight (:func:`hindsight_methods`), ``attrs["recommended"]`` the
        method :func:`recommend` names (None when no quarter could be tested),
        ``attrs["nested"]`` the out-of-sample record of that rule (:func:`nested_choice`)
        and ``attrs["nested_wape"]`` its WAPE (NaN without a pick).

    Raises
    ------
    SalesOpsDataError
        When the time-series method cannot run and neither pipeline method is tested.
    ConfigError
        When a method name is unknown (the message lists the valid ones).

    Examples
    --------
    >>> backtest(data, quarters=8, week=4).attrs["wape"]  # doctest: +SKIP
    """
    methods = (methods,) if isinstance(methods, str) else tuple(methods or ()) or ALL_METHODS
    check_names(methods, ALL_METHODS, "forecast method")
    limit = None if as_of_limit is None else pd.Timestamp(as_of_limit)
    key = f"backtest quarters={quarters} week={week} methods={','.join(methods)} before={before} as_of_limit={limit}"
    # one run: report 03 and 05 (next quarter's pay) ask for the same backtest
    bt = data.shared(key, lambda: _backtest(data, quarters, week, methods, before, limit))
    return bt.copy(deep=False)  # a caller's new columns stay the caller's


def _backtest(
    data: SalesData,
    quarters: int,
    week: int,
    methods: tuple[str, ...],
    before: str | None,
    as_of_limit: pd.Timestamp | None,
) -> pd.DataFrame:
    """:func:`backtest` (worked out once per data set and arguments)."""
    last = data.latest_complete_quarter()
    if before is not None:
        last = min(last, data.calendar.shift(before, -1))
    if as_of_limit is not None:
        last = min(last, data.calendar.latest_complete_quarter(as_of_limit))
    targets = [data.calendar.shift(last, -k) for k in range(quarters - 1, -1, -1)]
    targets = [t for t in targets if backtestable(data, t)]
    rows = _backtest_rows(data, targets, week=week, methods=methods)
    out = pd.DataFrame(
        rows,
        columns=[
            "quarter",
            "method",
            "forecast",
            "actual",
            "booked",
            "lo80",
            "hi80",
            "lo95",
            "hi95",
        ],
    )
    out = _scored(calibrated_backtest(out))
    out.attrs["wape"] = _wapes(out)
    out.attrs["week"] = week
    out.attrs["hindsight"] = hindsight_methods(data)
    out.attrs["recommended"] = recommend(out)
    nested = nested_choice(out)
    out.attrs["nested"] = nested
    out.attrs["nested_wape"] = (
        float(nested["error"].abs().sum() / nested["actual"].sum())
        if len(nested) and nested["actual"].sum() > 0
        else np.nan
    )
    return out


BACKTEST_COLUMNS = [
    "quarter",
    "method",
    "forecast",
    "actual",
    "booked",
    "error",
    "abs_pct_error",
    "lo80",
    "hi80",
    "covered80",
    "lo95",
    "hi95",
    "covered95",
]
"""The columns of a :func:`backtest` frame."""


def _scored(out: pd.DataFrame) -> pd.DataFrame:
    """A backtest's rows with their errors and whether the ranges held the actual."""
    out = out.copy()
    out["error"] = out["forecast"] - out["actual"]
    out["abs_pct_error"] = out["error"].abs() / out["actual"].where(out["actual"] > 0)
    for level in ("80", "95"):
        lo, hi = out[f"lo{level}"], out[f"hi{level}"]
        out[f"covered{level}"] = np.where(
            lo.notna(), (out["actual"] >= lo) & (out["actual"] <= hi), np.nan
        )
    return out[BACKTEST_COLUMNS]


def _wapes(bt: pd.DataFrame) -> dict[str, float]:
    """Each method's WAPE in a backtest (sum of absolute errors / sum of actuals)."""
    g = bt.groupby("method")
    return (g["error"].apply(lambda e: e.abs().sum()) / g["actual"].sum()).to_dict()


MIN_RANGE_ERRORS = 3
"""Fewest backtest errors a range is worked out from (it needs a mean and a spread)."""

CALIBRATED_ERRORS = 8
"""Backtest errors a range needs before it is called calibrated; with fewer it is shown and
said to be uncalibrated."""

OWN_RANGES = ("rep_call",)
"""Methods whose range is their own, never recalibrated: Rep call's runs from Commit to Best Case."""


def relative_errors(forecast_: pd.Series, actual: pd.Series) -> np.ndarray:
    """How far each actual fell from its forecast, as a share of the forecast.

    Parameters
    ----------
    forecast_
        The forecasts.
    actual
        What closed, aligned with them.

    Returns
    -------
    ndarray
        ``actual / forecast - 1`` where the forecast is positive (other rows left out).
    """
    f = np.asarray(forecast_, dtype=float)
    a = np.asarray(actual, dtype=float)
    ok = np.isfinite(f) & np.isfinite(a) & (f > 0)
    return a[ok] / f[ok] - 1


def calibrated_range(
    point: float, errors: np.ndarray, level: float, *, floor: float = 0.0
) -> tuple[float, float]:
    """A range around ``point`` from a method's own past relative errors.

    The Student-t prediction interval of the next relative error given ``n`` past ones
    (their mean ± t(n-1) × their standard deviation × √(1 + 1/n)), applied to the point:
    under independent errors it holds the actual ``level`` of the time whatever ``n``. The
    range always contains the point and never falls below ``floor`` (bookings so far).

    Parameters
    ----------
    point
        The forecast.
    errors
        Past relative errors of the same method at the same week (:func:`relative_errors`).
    level
        The share of outcomes the range aims to hold (0.8, 0.95).
    floor
        The lowest the range may go.

    Returns
    -------
    tuple of float
        ``(lo, hi)``; NaN with fewer than :data:`MIN_RANGE_ERRORS` errors.

    Examples
    --------
    >>> lo, hi = calibrated_range(100.0, np.array([-0.1, 0.0, 0.1, 0.05, -0.05]), 0.8)
    >>> round(lo, 1), round(hi, 1)
    (86.7, 113.3)
    """
    from scipy.stats import t

    r = np.asarray(errors, dtype=float)
    r = r[np.isfinite(r)]
    n = len(r)
    if n < MIN_RANGE_ERRORS or not np.isfinite(point):
        return np.nan, np.nan
    half = float(t.ppf((1 + level) / 2, n - 1)) * float(r.std(ddof=1)) * np.sqrt(1 + 1 / n)
    lo = point * (1 + float(r.mean()) - half)
    hi = point * (1 + float(r.mean()) + half)
    return float(max(min(lo, point), floor)), float(max(hi, point, floor))


def calibrated_backtest(bt: pd.DataFrame) -> pd.DataFrame:
    """A backtest's ranges remade from the method's errors in the quarters tested before each.

    Each quarter's 80% and 95% ranges come from :func:`calibrated_range` on the relative
    errors of the same method in the backtest's quarters before it (nested: neither the
    quarter's own outcome nor a later one shapes its range, as for a forecast made then), so
    how often they held is the coverage a forecast really had. Rep call keeps its own range
    (:data:`OWN_RANGES`).

    Parameters
    ----------
    bt
        Backtest rows: ``quarter, method, forecast, actual, booked`` (bookings so far, the
        range's floor) and ``lo80, hi80, lo95, hi95``.

    Returns
    -------
    DataFrame
        A copy with the ranges replaced (NaN where fewer than :data:`MIN_RANGE_ERRORS`
        earlier quarters give an error).
    """
    out = bt.copy()
    for m, rows in out.groupby("method"):
        if m in OWN_RANGES:
            continue
        f, a = rows["forecast"].to_numpy(dtype=float), rows["actual"].to_numpy(dtype=float)
        q = rows["quarter"].to_numpy()
        for i, idx in enumerate(rows.index):
            keep = q < q[i]
            errs = relative_errors(pd.Series(f[keep]), pd.Series(a[keep]))
            floor = float(out.at[idx, "booked"])
            for level in (80, 95):
                lo, hi = calibrated_range(f[i], errs, level / 100, floor=floor)
                out.at[idx, f"lo{level}"], out.at[idx, f"hi{level}"] = lo, hi
    return out


def nested_choice(
    bt: pd.DataFrame,
    *,
    min_quarters: int = MIN_BACKTEST_QUARTERS,
    hindsight: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The out-of-sample record of the recommendation rule over a backtest.

    For each quarter tested, the method :func:`recommend` picks from the backtest's
    quarters before it alone (nested rolling origin: a quarter's own error never decides
    its pick), and that method's forecast, error and ranges there (the ranges, too, from
    the earlier quarters only: how often they held is the coverage a forecast really had).

    Parameters
    ----------
    bt
        A :func:`backtest` frame.
    min_quarters
        Fewest earlier quarters a pick needs.
    hindsight
        The methods whose backtest used hindsight (None: ``bt.attrs["hindsight"]``).

    Returns
    -------
    DataFrame
        One row per quarter with a pick: ``bt``'s columns, ``method`` the method picked,
        its ranges from that method's errors in the quarters before alone (NaN with fewer
        than :data:`MIN_RANGE_ERRORS`; calibrated from :data:`CALIBRATED_ERRORS` on) and
        ``range_errors``, how many errors they came from.

    Examples
    --------
    >>> nested_choice(backtest(data, quarters=8, week=0))[["quarter", "method"]]  # doctest: +SKIP
    """
    if bt is None or bt.empty:
        return pd.DataFrame(columns=BACKTEST_COLUMNS)
    looked = tuple(bt.attrs.get("hindsight", ()) if hindsight is None else hindsight)
    rows = []
    for q in sorted(bt["quarter"].unique()):
        past = bt[bt["quarter"] < q]
        pick = recommend(past, min_quarters=min_quarters, hindsight=looked) if len(past) else None
        mine = bt[(bt["quarter"] == q) & (bt["method"] == pick)]
        if pick is not None and len(mine):
            rows.append(_nested_range(mine.iloc[0], past[past["method"] == pick]))
    cols = [*bt.columns, *(c for c in ("range_errors",) if c not in bt.columns)]
    return pd.DataFrame(rows, columns=cols).reset_index(drop=True)


def _nested_range(row: pd.Series, past: pd.DataFrame) -> pd.Series:
    """A nested pick's row with its 80% and 95% ranges from the method's errors in the
    quarters before it alone (:func:`calibrated_range`), as a forecast made then would have
    had them, and whether they held; ``range_errors``: how many errors (Rep call keeps its own
    range)."""
    row = row.copy()
    errs = relative_errors(past["forecast"], past["actual"])
    row["range_errors"] = len(errs)
    if row["method"] in OWN_RANGES or "lo80" not in row.index:
        return row
    floor = float(row["booked"]) if "booked" in row.index else 0.0
    for level in (80, 95):
        lo, hi = calibrated_range(float(row["forecast"]), errs, level / 100, floor=floor)
        row[f"lo{level}"], row[f"hi{level}"] = lo, hi
        row[f"covered{level}"] = float(lo <= row["actual"] <= hi) if np.isfinite(lo) else np.nan
    return row


def _long_forecast(parts: dict[str, pd.DataFrame], by: str | None) -> pd.DataFrame:
    """The methods' forecasts in one long frame: ``method, point, lo80, hi80, lo95, hi95``.

    With ``by``, each method's frame is indexed by the group, which becomes a column.
    """
    frames = []
    for m, f in parts.items():
        f = f[["point", "lo80", "hi80", "lo95", "hi95"]].copy()
        f.insert(0, "method", m)
        frames.append(f)
    out = pd.concat(frames)
    if by is None:
        return out.reset_index(drop=True)
    return out.rename_axis(by).reset_index()


def _backtest_rows(
    data: SalesData, targets: list[str], *, week: int, methods: tuple[str, ...]
) -> list[tuple[object, ...]]:
    """Each target quarter's forecast by each method and its actual, as :func:`backtest` scores.

    Rows are ``quarter, method, forecast, actual, booked, lo80, hi80, lo95, hi95``; the
    ensemble is weighted by the WAPE of the quarters tested before it.
    """
    rows: list[tuple[object, ...]] = []
    past_err: dict[str, list[tuple[float, float]]] = {}
    base_methods = tuple(m for m in methods if m in METHODS and m != "ensemble")
    for q in targets:
        start, end = data.calendar.bounds(q)
        p = _point(data, q, as_of_for_week(data, q, week))
        actual = float(booked(data, start, end)["amount"].sum())
        so_far = float(booked(data, start, p.as_of)["amount"].sum())
        parts = _all_methods(data, p, None, base_methods) if base_methods else {}
        if "ensemble" in methods and parts:
            w = {
                m: 1 / (sum(e for e, _ in v) / max(sum(a for _, a in v), 1e-9)) ** 2
                for m, v in past_err.items()
                if m in parts and m != "rep_call" and sum(e for e, _ in v) > 0
            }
            parts["ensemble"] = _ensemble(parts, w)
        for m, f in parts.items():
            past_err.setdefault(m, []).append((abs(float(f.iloc[0]["point"]) - actual), actual))
        parts |= _history_methods(data, p, None, methods)
        for m, f in parts.items():
            r = f.iloc[0]
            rows.append(
                (q, m, float(r["point"]), actual, so_far)
                + tuple(float(r[c]) for c in ("lo80", "hi80", "lo95", "hi95"))
            )
    return rows


_run_backtest = backtest  # forecast_quarter's keyword ``backtest`` shadows the function


def accuracy(bt: pd.DataFrame) -> pd.DataFrame:
    """WAPE, bias and the measured coverage of the ranges, per method of a backtest.

    Parameters
    ----------
    bt
        A :func:`backtest` frame.

    Returns
    -------
    DataFrame
        Indexed by method, lowest WAPE first: ``quarters`` (tested), ``wape``, ``bias`` (sum
        of errors / sum of actuals), ``coverage80`` (share of the quarters with a range whose
        80% range held the actual), ``ranged`` (quarters with a range), ``held80`` and
        ``held95`` (quarters whose 80% and 95% ranges held the actual), ``coverage95``.

    Examples
    --------
    >>> accuracy(backtest(data, quarters=8, week=0)).loc["pipeline", ["held80", "ranged"]]  # doctest: +SKIP
    """
    g = bt.groupby("method")
    cov95 = bt["covered95"] if "covered95" in bt else pd.Series(np.nan, index=bt.index)
    out = pd.DataFrame(
        {
            "quarters": g.size(),
            "wape": g["error"].apply(lambda e: e.abs().sum()) / g["actual"].sum(),
            "bias": g["error"].sum() / g["actual"].sum(),
            "coverage80": g["covered80"].mean(),
            "ranged": g["covered80"].count(),
            "held80": g["covered80"].sum(min_count=1),
            "held95": cov95.groupby(bt["method"]).sum(min_count=1),
            "coverage95": cov95.groupby(bt["method"]).mean(),
        }
    )
    return out.sort_values("wape")


def risks(
    data: SalesData,
    *,
    quarter: str,
    as_of: object | None = None,
    stale_days: int = 30,
    top: int = 10,
) -> dict[str, object]:
    """What is at risk in the quarter's open pipeline as known on ``as_of``.

    Every figure names its deal set: the quarter's open pipeline
    (:func:`salesops_lib.timeline.open_pipeline`) and, apart from it, the deals past their
    close date (:func:`salesops_lib.timeline.past_due`) and without one
    (:func:`salesops_lib.timeline.undated`), as the timeline defines them.

    Parameters
    ----------
    data
        The data set.
    quarter
        The quarter whose open pipeline is examined.
    as_of
        What is known (default: the quarter's end, or the data's last date mid-quarter).
    stale_days
        Days without a stage or amount change that make a deal stale.
    top
        How many of the largest deals to list.

    Returns
    -------
    dict
        ``open`` (the quarter's open pipeline, with ``days_since_change``), ``pushed_twice``
        (of those, pushed two or more times), ``stale`` (of those, no stage or amount change
        for ``stale_days``; needs history), ``largest`` (of those, the ``top`` largest),
        ``top_share`` (their share of the open amount), ``past_due`` (every open deal past its
        close date, in this quarter's pipeline or not), ``undated`` (open deals without an
        expected close date: in no quarter's pipeline), ``has_history``.

    Examples
    --------
    >>> risks(data, quarter="2026Q4", as_of="2026-09-30")["open"]["amount"].sum()  # doctest: +SKIP
    """
    _, end = data.calendar.bounds(quarter)
    as_of_ts = data.default_as_of(quarter) if as_of is None else min(pd.Timestamp(as_of), end)  # type: ignore[arg-type]
    has_history = data.history is not None and len(data.history) > 0
    closing = timeline.open_pipeline(data, quarter=quarter, as_of=as_of_ts)
    closing["days_since_change"] = closing["days_unchanged"]
    total = closing["amount"].sum()
    largest = closing.sort_values("amount", ascending=False, kind="stable").head(top)
    return {
        "open": closing,
        "pushed_twice": closing[closing["pushes"] >= 2],
        "stale": closing[closing["days_since_change"] >= stale_days],
        "past_due": timeline.past_due(data, as_of=as_of_ts),
        "undated": timeline.undated(data, as_of=as_of_ts),
        "largest": largest,
        "top_share": float(largest["amount"].sum() / total) if total > 0 else np.nan,
        "has_history": has_history,
    }


def backtest_monthly(data: SalesData, *, months: int = 12, min_history: int = 3) -> pd.DataFrame:
    """One-month-ahead backtest of monthly bookings, for data too short for quarterly models.

    Each month is forecast from the months before it only: Holt's linear trend (exponential
    smoothing, no seasonality) from ``min_history`` months on, against the naive forecast
    (last month) and the mean of the months so far.

    Parameters
    ----------
    data
        The data set (won deals' ``close_date`` and ``amount``).
    months
        How many of the latest complete months to test.
    min_history
        Months of history the first tested month needs before it.

    Returns
    -------
    DataFrame
        ``month, method, forecast, actual, error, abs_pct_error``; ``attrs["wape"]`` per method.
    """
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    series = _monthly_series(data, data.last_date)
    complete = series[
        series.index.to_timestamp(how="end").normalize() <= data.last_date.normalize()
    ]
    rows = []
    for i in range(max(min_history, len(complete) - months), len(complete)):
        past = complete.iloc[:i].to_numpy(dtype=float)
        actual = float(complete.iloc[i])
        month = str(complete.index[i])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = ExponentialSmoothing(
                    past, trend="add", initialization_method="estimated"
                ).fit()
                rows.append((month, "holt_monthly", max(float(fit.forecast(1)[0]), 0.0), actual))
            except (ValueError, np.linalg.LinAlgError):
                pass
        rows.append((month, "naive_last_month", float(past[-1]), actual))
        rows.append((month, "mean_so_far", float(past.mean()), actual))
    out = pd.DataFrame(rows, columns=["month", "method", "forecast", "actual"])
    out["error"] = out["forecast"] - out["actual"]
    out["abs_pct_error"] = out["error"].abs() / out["actual"].where(out["actual"] > 0)
    out.attrs["wape"] = (
        out.groupby("method")["error"].apply(lambda e: e.abs().sum())
        / out.groupby("method")["actual"].sum()
    ).to_dict()
    return out


def forecast_year(
    data: SalesData, quarters: list[str] | tuple[str, ...], as_of: pd.Timestamp
) -> pd.DataFrame:
    """Company bookings forecast for quarters ahead (e.g. the coming fiscal year), from history.

    Fits the quarterly time-series models on every complete quarter up to ``as_of`` and
    forecasts each quarter ``h`` steps ahead with the first model that fits (Holt-Winters,
    then seasonal ARIMA, then the mean of the last four quarters; no backtest chooses among
    them here), the same model for every quarter while it fits. The year's spread adds the
    quarters' variances (an optimistic range: it ignores that errors of one year's quarters
    move together).

    Parameters
    ----------
    data
        The data set.
    quarters
        The quarters to forecast, each after the last complete quarter on ``as_of``.
    as_of
        What is known: the complete quarters up to this date.

    Returns
    -------
    DataFrame
        One row per quarter and a ``Total`` row: ``point, lo80, hi80, model``.

    Raises
    ------
    SalesOpsDataError
        When a quarter is not after the last complete quarter, or there are fewer than four
        quarters of bookings history.
    """
    last = data.calendar.latest_complete_quarter(as_of)
    table = _quarterly_series(data, last, None)
    y = table.sum(axis=1).to_numpy(dtype=float) if table.shape[1] else np.zeros(len(table))
    rows = {}
    var = 0.0
    model = None
    for q in quarters:
        h = len(data.calendar.quarter_range(last, q)) - 1
        if h < 1:
            raise SalesOpsDataError(f"{q} is not after the last complete quarter {last}")
        cands = _ts_candidates(data, y, h)
        if not cands:
            raise SalesOpsDataError(
                f"too little bookings history for a year-ahead forecast ({len(y)} quarters; at least 4 needed)"
            )
        chosen: str = model if model is not None and model in cands else next(iter(cands))
        model = chosen
        point, sd = cands[chosen]
        point = max(float(point), 0.0)
        var += float(sd) ** 2
        rows[q] = [point, max(point - 1.2816 * sd, 0.0), point + 1.2816 * sd, model]
    total = sum(r[0] for r in rows.values())
    sd_total = float(np.sqrt(var))
    rows["Total"] = [total, max(total - 1.2816 * sd_total, 0.0), total + 1.2816 * sd_total, model]
    return pd.DataFrame.from_dict(rows, orient="index", columns=["point", "lo80", "hi80", "model"])
