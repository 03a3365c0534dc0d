"""Why the number moved: the change of a quarter's forecast between two days, step by step.

The forecast methods that read the pipeline value a quarter deal by deal
(:mod:`salesops_lib.analysis.forecast`)::

    forecast = bookings so far + sum(open deal's chance × amount) + deals not yet created

(the ensemble blends them, and the time-series method, with its weights). :func:`valuation`
rebuilds that sum for one day from the point-in-time layer (:mod:`salesops_lib.timeline`),
deal by deal; :func:`bridge` compares two days' valuations and gives every deal's change
one step:

won
    Deals open on the first day and won, booked in the quarter, by the second: their amount
    less the value the forecast already gave them.
lost
    Deals open on the first day and closed lost by the second: the value they had.
pushed_out
    Deals open on both days whose stage stayed and whose expected close date moved from
    inside the quarter (or before it) to after it: the change of their chance, times their
    new amount (a pushed deal whose stage changed counts in ``stage_progress``, a changed
    amount in ``amount_change``, as for any deal open on both days).
pulled_in
    Deals open on both days whose stage stayed and whose expected close date moved from after
    the quarter into it, split the same way.
new
    Deals the forecast did not count on the first day (created since, or first seen in a
    pipeline snapshot since), at the value they have on the second, won ones at their amount.
    A deal without a created date is not new: it joins the pipeline only on the data's last
    date, and which day it was created is unknown (it counts in ``other``).
amount_change
    Deals open on both days whose amount changed, valued at the first day's chance.
stage_progress
    Deals open on both days whose stage changed (a step back counts negative): the change of
    their chance, times their new amount.
re_estimate
    The model's re-estimate: deals open on both days whose stage stayed and that were not
    pushed or pulled, whose chance changed all the same (a week older, nearer their close
    date, a model fitted a week later): the change of their chance, times their new amount
    (``why``: ``chance changed``).
other
    Everything else: deals that left the pipeline without being won or lost in the
    quarter, deals won outside it, deals without a created date that joined the pipeline,
    the allowance for deals not yet created, and the part of the forecast a time-series
    model makes (it does not value deals one by one). ``why`` on :attr:`Bridge.deals` says
    which: ``won outside the quarter``, ``left the pipeline open`` or ``no created date``.

The steps sum to the change to the cent (a rounding cent, if any, is counted in ``other``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib import timeline
from salesops_lib.analysis import forecast as fc
from salesops_lib.data import SalesData
from salesops_lib.errors import SalesOpsDataError

STEPS = (
    "start",
    "won",
    "lost",
    "pushed_out",
    "pulled_in",
    "new",
    "amount_change",
    "stage_progress",
    "re_estimate",
    "other",
    "end",
)
"""The bridge's steps, in order (``start`` and ``end`` are the two days' forecasts)."""

DEAL_METHODS = ("pipeline", "win_model")
"""The methods that value each open deal (chance × amount)."""

DEAL_COLUMNS = [
    "opp_id",
    "opp_row",
    "opp_name",
    "account_id",
    "rep_id",
    "stage",
    "amount",
    "close_date",
    "forecast_category",
    "pushes",
    "days_unchanged",
    "past_due",
]
"""The open deals' columns a :class:`Valuation` keeps (besides ``chance`` and ``value``)."""


@dataclass(frozen=True)
class Valuation:
    """A quarter's forecast by one method on one day, deal by deal (:func:`valuation`)."""

    as_of: pd.Timestamp
    """The day valued."""
    weights: dict[str, float]
    """Each method's weight in the forecast (one method: weight 1)."""
    booked: pd.DataFrame
    """``opp_id, amount``: the deals won in the quarter by ``as_of``."""
    open: pd.DataFrame
    """The deals open on ``as_of`` (:data:`DEAL_COLUMNS`) with ``chance`` (weighted over the
    deal-level methods; 0 for a time-series method alone) and ``value`` (chance × amount)."""
    allowance: float
    """The weighted allowance for deals not yet created that will close won in the quarter."""
    method_part: float
    """The time-series model's weighted forecast of the bookings still to come (0 without it)."""

    @property
    def total(self) -> float:
        """The forecast: bookings so far + the open deals' value + allowance + model part."""
        return float(
            self.booked["amount"].sum()
            + self.open["value"].sum()
            + self.allowance
            + self.method_part
        )


def method_weights(
    method: str, weights: dict[str, float] | None, present: set[str]
) -> dict[str, float]:
    """Each method's share of a forecast: 1 for one method, the ensemble's normalised weights.

    Parameters
    ----------
    method
        The forecast's method (``pipeline``, ``win_model``, ``time_series`` or ``ensemble``).
    weights
        The ensemble's weights (``attrs["weights"]`` of
        :func:`~salesops_lib.analysis.forecast.forecast_quarter`); None: none.
    present
        The methods the forecast could run on the day (the ensemble blends only those).

    Returns
    -------
    dict
        Method → weight, summing to 1; as the ensemble, equal weights when none is usable.

    Examples
    --------
    >>> method_weights("ensemble", {"pipeline": 1.0, "win_model": 3.0}, {"pipeline", "win_model"})
    {'pipeline': 0.25, 'win_model': 0.75}
    """
    if method != "ensemble":
        return {method: 1.0}
    use = {
        m: float(w)
        for m, w in (weights or {}).items()
        if m in present and m != "rep_call" and np.isfinite(w) and w > 0
    }
    if not use:
        use = {m: 1.0 for m in sorted(present) if m != "rep_call"}
    total = sum(use.values())
    return {m: w / total for m, w in use.items()}


def _chances(data: SalesData, p: fc._Point, method: str) -> np.ndarray:
    """The chance the method gives each deal open at ``p.as_of`` (open_deals_at order)."""
    if method == "win_model":
        fitted = data.derived(
            ("win chances", p.quarter, p.as_of, 0), lambda: fc._win_chances(data, p, 0)
        )
        if fitted is not None:
            return np.asarray(fitted[0], dtype=float)
    return np.asarray(fc._pipeline_chances(data, p), dtype=float)


def _time_series_rest(data: SalesData, p: fc._Point) -> float | None:
    """The time-series forecast less the bookings so far (None: too little history)."""
    try:
        ts = fc.method_time_series(data, p, None, choose=fc._ts_choice(data, p))
    except SalesOpsDataError:
        return None
    done = float(timeline.booked(data, p.start, p.as_of, columns=["amount"])["amount"].sum())
    return float(ts["point"].iloc[0]) - done


def valuation(
    data: SalesData,
    *,
    quarter: str,
    as_of: object,
    method: str,
    weights: dict[str, float] | None = None,
) -> Valuation:
    """The forecast of ``quarter`` by ``method`` on ``as_of``, deal by deal.

    The total equals the point of :func:`~salesops_lib.analysis.forecast.forecast_quarter`
    for the method (the ensemble with the same ``weights``).

    Parameters
    ----------
    data
        The data set.
    quarter
        The quarter forecast.
    as_of
        The day (capped at the quarter's end).
    method
        ``pipeline``, ``win_model``, ``time_series`` or ``ensemble``.
    weights
        The ensemble's weights (ignored for the other methods).

    Returns
    -------
    Valuation

    Examples
    --------
    >>> valuation(data, quarter="2026Q4", as_of="2026-09-30", method="win_model").total  # doctest: +SKIP
    """
    start, end = data.calendar.bounds(quarter)
    day = min(pd.Timestamp(as_of).normalize(), end)  # type: ignore[arg-type]
    p = fc._point(data, quarter, day)
    ts_rest = _time_series_rest(data, p) if method in ("time_series", "ensemble") else None
    closed = data.opportunities["is_closed"].fillna(False).astype(bool)
    has_pipeline = bool(closed.mean() < 1) or data.history is not None  # as forecast_quarter
    present = (set(DEAL_METHODS) if has_pipeline else set()) | (
        {"time_series"} if ts_rest is not None else set()
    )
    w = method_weights(method, weights, present)
    od = fc.open_deals_at(data, day)
    chance = np.zeros(len(od))
    for m in DEAL_METHODS:
        if w.get(m, 0.0) > 0:
            chance = chance + w[m] * _chances(data, p, m)
    deal_weight = sum(w.get(m, 0.0) for m in DEAL_METHODS)
    mean, _ = (
        fc._not_yet_created(data, fc._earlier_points(data, p)) if deal_weight else (None, None)
    )
    allowance = deal_weight * float(mean.get("Total", 0.0)) if mean is not None else 0.0
    opened = od[DEAL_COLUMNS].assign(chance=chance, value=chance * od["amount"].to_numpy())
    won = timeline.booked(data, start, day, columns=["opp_id", "amount"])[["opp_id", "amount"]]
    return Valuation(
        as_of=day,
        weights=w,
        booked=won.reset_index(drop=True),
        open=opened.reset_index(drop=True),
        allowance=allowance,
        method_part=w.get("time_series", 0.0) * (ts_rest or 0.0),
    )


def allowance_basis(data: SalesData, quarter: str, as_of: object) -> tuple[list[str], bool]:
    """The earlier quarters the allowance for deals not yet created averages on ``as_of``.

    The allowance (:func:`valuation`) is the mean, over the last four earlier quarters that
    had ended by ``as_of``, of what deals created after the same point of those quarters
    booked; adjusted for the season only when the eight quarters just before ``quarter`` are
    all there and the day is the day before it starts or later. A week before the quarter
    the one running then has not ended, so the quarters averaged (and the season rule)
    differ from the day before: the allowance can move without any deal changing.

    Parameters
    ----------
    data
        The data set.
    quarter
        The quarter forecast.
    as_of
        The day (capped at the quarter's end).

    Returns
    -------
    tuple of (list of str, bool)
        The quarters averaged, latest first, and whether the season adjustment applies.

    Examples
    --------
    >>> allowance_basis(data, "2026Q4", "2026-09-23")  # doctest: +SKIP
    (['2026Q2', '2026Q1', '2025Q4', '2025Q3'], False)
    """
    _, end = data.calendar.bounds(quarter)
    day = min(pd.Timestamp(as_of).normalize(), end)  # type: ignore[arg-type]
    points = fc._earlier_points(data, fc._point(data, quarter, day))
    return [q.quarter for q in points[:4]], bool(fc._a_year_back(data, points))


@dataclass(frozen=True)
class Bridge:
    """How a quarter's forecast moved between two days (:func:`bridge`)."""

    steps: pd.DataFrame
    """One row per step of :data:`STEPS`: ``step, amount`` (to the cent; ``start`` and
    ``end`` the two forecasts), ``deals`` (how many deals are behind it)."""
    deals: pd.DataFrame
    """One row per deal and step it moved (a deal whose amount and stage both changed has
    two): ``opp_id, step, change, why`` and the deal then and now (``stage_then``,
    ``stage_now``, ``amount_then``, ``amount_now``, ``close_then``, ``close_now``,
    ``chance_then``, ``chance_now``, ``value_then``, ``value_now``), ``opp_row``,
    ``opp_name``, ``account_id``, ``rep_id``; largest move first."""
    since: pd.Timestamp
    as_of: pd.Timestamp
    method: str
    """The method both days are valued with."""
    allowance_change: float
    """The change of the allowance for deals not yet created (in ``other``)."""
    method_change: float
    """The change of the time-series model's part (in ``other``; 0 without one)."""
    rounding: float
    """The rounding counted in ``other`` so the steps sum to the change to the cent."""

    @property
    def change(self) -> float:
        """The forecast's change, to the cent."""
        v = self.steps.set_index("step")["amount"]
        return round(float(v["end"]) - float(v["start"]), 2)


def _side(v: Valuation, suffix: str) -> pd.DataFrame:
    """One day's per-deal state, by ``opp_id``, columns suffixed ``_then`` / ``_now``."""
    o = v.open.drop_duplicates("opp_id").set_index("opp_id")
    info = o[["opp_row", "opp_name", "account_id", "rep_id"]]
    state = pd.DataFrame(
        {
            "open": True,
            "stage": o["stage"],
            "amount": o["amount"],
            "close": o["close_date"],
            "chance": o["chance"],
            "value": o["value"],
        },
        index=o.index,
    )
    won = v.booked.groupby("opp_id")["amount"].sum()
    state = state.join(won.rename("booked"), how="outer")
    state["open"] = state["open"].astype("boolean").fillna(False).astype(bool)
    state["booked"] = state["booked"].fillna(0.0)
    state["value"] = state["value"].fillna(0.0) + state["booked"]
    state["is_booked"] = state.index.isin(won.index)
    return state.add_suffix(suffix).join(info, how="left")


def _classify(both: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Every deal's change split into its steps (long: one row per deal and step); ``both``
    has each day's state (``_then``, ``_now``) and the record's ``is_won``, ``is_lost``
    and ``undated`` (:func:`_outcome`)."""
    lost = both["is_lost"]
    t, n = both["open_then"], both["open_now"]
    won_now = both["is_booked_now"] & ~both["is_booked_then"]
    inside_then = both["close_then"].notna() & (both["close_then"] <= end)
    inside_now = both["close_now"].notna() & (both["close_now"] <= end)
    after_then = both["close_then"].notna() & (both["close_then"] > end)
    after_now = both["close_now"].notna() & (both["close_now"] > end)
    stayed = t & n & ~won_now
    total = both["value_now"] - both["value_then"]
    step = pd.Series(pd.NA, index=both.index, dtype="str")
    step[won_now & t] = "won"
    arrived = (won_now | n) & ~t & ~both["is_booked_then"]
    # a deal without a created date joins the pipeline only on the data's last date: it is
    # not new, it could not be placed on the first day
    step[arrived & ~both["undated"]] = "new"
    step[arrived & both["undated"]] = "other"
    gone = t & ~n & ~won_now
    step[gone & lost] = "lost"
    step[gone & ~lost] = "other"
    # a push or pull is split like any deal open on both days (amount, stage, chance): only
    # the changed chance of a deal whose stage stayed is the push's or pull's own
    out = (stayed & inside_then & after_now).to_numpy(dtype=bool)
    into = (stayed & after_then & inside_now).to_numpy(dtype=bool)
    step[step.isna() & ~(stayed & step.isna()) & (total != 0)] = "other"  # anything left
    whole = both.assign(step=step, change=total)[step.notna()]
    won_elsewhere = whole["is_won"].to_numpy(dtype=bool)
    why = np.where(
        whole["step"] != "other",
        "",
        np.where(
            (arrived & both["undated"])[step.notna()].to_numpy(dtype=bool),
            "no created date",
            np.where(won_elsewhere, "won outside the quarter", "left the pipeline open"),
        ),
    )
    whole = whole.assign(why=why)
    keep = (stayed & step.isna()).to_numpy(dtype=bool)
    rest = both[keep]
    c1, c2 = rest["chance_then"], rest["chance_now"]
    a1, a2 = rest["amount_then"], rest["amount_now"]
    moved = rest["stage_then"].notna() & rest["stage_now"].notna()
    moved &= rest["stage_then"].astype("str") != rest["stage_now"].astype("str")
    amount = rest.assign(step="amount_change", change=(a2 - a1) * c1, why="")[a1 != a2]
    stage = rest.assign(step="stage_progress", change=(c2 - c1) * a2, why="")[moved]
    dated = pd.Series(
        np.where(out[keep], "pushed_out", np.where(into[keep], "pulled_in", "re_estimate"))
    )
    dated.index = rest.index
    drift = rest.assign(
        step=dated,
        change=(c2 - c1) * a2,
        why=np.where(dated == "re_estimate", "chance changed", ""),
    )[~moved]
    drift = drift[(drift["change"].abs() >= 0.005) | (drift["step"] != "re_estimate")]
    return pd.concat([whole, amount, stage, drift])


def bridge(
    data: SalesData,
    *,
    quarter: str,
    since: object,
    as_of: object,
    method: str | None = None,
    weights: dict[str, float] | None = None,
) -> Bridge:
    """Split the change of a quarter's forecast from ``since`` to ``as_of`` into steps.

    Both days are valued by the same method (:func:`valuation`); each deal's change of value
    goes to one step of :data:`STEPS` (see the module's definitions), the steps sum to the
    change to the cent, and :attr:`Bridge.deals` lists the deals behind each.

    Parameters
    ----------
    data
        The data set.
    quarter
        The quarter forecast.
    since, as_of
        The two days (``since`` before ``as_of``; both capped at the quarter's end).
    method
        The forecast's method; None: the one
        :func:`~salesops_lib.analysis.forecast.forecast_quarter` recommends on ``as_of``
        (else, or when it recommends a method that reads only past bookings such as a
        yardstick, the win model), with its ensemble weights.
    weights
        The ensemble's weights (with ``method="ensemble"``).

    Returns
    -------
    Bridge

    Raises
    ------
    ValueError
        When ``since`` is not before ``as_of``.

    Examples
    --------
    >>> b = bridge(data, quarter="2026Q4", since="2026-09-23", as_of="2026-09-30")  # doctest: +SKIP
    >>> b.steps  # doctest: +SKIP
    """
    a, b = pd.Timestamp(since).normalize(), pd.Timestamp(as_of).normalize()  # type: ignore[arg-type]
    if not a < b:
        raise ValueError(f"since ({a.date()}) must be before as_of ({b.date()})")
    if method is None:
        f = fc.forecast_quarter(data, quarter=quarter, as_of=b)
        rec = f.attrs["recommended"]
        # a yardstick, Theta or ETS reads only past bookings: the win model splits by deal
        method = rec if rec in (*DEAL_METHODS, "time_series", "ensemble") else "win_model"
        weights = f.attrs["weights"]
    v1 = valuation(data, quarter=quarter, as_of=a, method=method, weights=weights)
    v2 = valuation(data, quarter=quarter, as_of=b, method=method, weights=weights)
    then, now = _side(v1, "_then"), _side(v2, "_now")
    both = then.drop(columns=["opp_row", "opp_name", "account_id", "rep_id"]).join(now, how="outer")
    info = then[["opp_row", "opp_name", "account_id", "rep_id"]]
    for c in info.columns:  # who the deal is: today's view, else the first day's
        both[c] = both[c].fillna(info[c].reindex(both.index)) if c in both else info[c]
    for c in ("open_then", "open_now", "is_booked_then", "is_booked_now"):
        both[c] = both[c].astype("boolean").fillna(False).astype(bool)
    for c in ("value_then", "value_now"):
        both[c] = both[c].fillna(0.0)
    _, end = data.calendar.bounds(quarter)
    both = both.join(_outcome(data, both["opp_row"]))
    deals = _classify(both.rename_axis("opp_id"), end)
    return _assemble(deals.reset_index(), v1, v2, method)


def _outcome(data: SalesData, opp_row: pd.Series) -> pd.DataFrame:
    """``is_won``, ``is_lost``, ``undated``: what each deal's record shows, from its row of
    the opportunities table (``opp_row``, -1 or missing: not in it, none; indexed like it);
    ``undated``: the record has no created date."""
    o = data.opportunities
    closed = o["is_closed"].fillna(False).to_numpy(dtype=bool)
    won = o["is_won"].fillna(False).to_numpy(dtype=bool)
    if "created_date" in o:
        no_date = o["created_date"].isna().to_numpy(dtype=bool)
    else:
        no_date = np.zeros(len(o), dtype=bool)
    row = opp_row.fillna(-1).to_numpy(dtype=np.int64)
    found = row >= 0
    at = np.where(found, row, 0)
    is_won = found & closed[at] & won[at]
    is_lost = found & closed[at] & ~won[at]
    undated = found & no_date[at]
    return pd.DataFrame(
        {"is_won": is_won, "is_lost": is_lost, "undated": undated}, index=opp_row.index
    )


def _cents(x: float) -> int:
    return int(np.round(x * 100))


def _assemble(deals: pd.DataFrame, v1: Valuation, v2: Valuation, method: str) -> Bridge:
    """The steps from the deals' changes, in cents, the rounding counted in ``other``."""
    allowance = v2.allowance - v1.allowance
    model = v2.method_part - v1.method_part
    sums = deals.groupby("step")["change"].sum()
    raw = {s: float(sums.get(s, 0.0)) for s in STEPS[1:-1]}
    raw["other"] += allowance + model
    cents = {s: _cents(x) for s, x in raw.items()}
    start, end = _cents(v1.total), _cents(v2.total)
    off = (end - start) - sum(cents.values())
    cents["other"] += off
    counts = deals.groupby("step")["opp_id"].nunique()
    rows = [("start", start / 100, 0)]
    rows += [(s, cents[s] / 100, int(counts.get(s, 0))) for s in STEPS[1:-1]]
    rows.append(("end", end / 100, 0))
    order = deals["change"].abs().sort_values(ascending=False, kind="stable").index
    cols = [
        "opp_id",
        "step",
        "change",
        "why",
        "opp_row",
        "opp_name",
        "account_id",
        "rep_id",
        *(
            f"{c}_{w}"
            for c in ("stage", "amount", "close", "chance", "value")
            for w in ("then", "now")
        ),
    ]
    return Bridge(
        steps=pd.DataFrame(rows, columns=["step", "amount", "deals"]),
        deals=deals.loc[order, cols].reset_index(drop=True),
        since=v1.as_of,
        as_of=v2.as_of,
        method=method,
        allowance_change=allowance,
        method_change=model,
        rounding=off / 100,
    )
