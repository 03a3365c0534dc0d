"""Enablement: did a training programme change the results of the reps who took it?

Reps take a programme at different times (staggered roll-out), and who goes first is rarely
random: a remedial course goes to the weaker reps, an advanced one to the stronger. So
comparing trained with untrained reps measures who was picked, and comparing a rep before
and after measures the season and the market as well. The estimate here is a staggered
difference-in-differences by imputation (Borusyak, Jaravel and Spiess, 2024):

1. The unit is a rep and fiscal quarter, after the rep's first ``RAMP_DAYS`` in seat, in the
   quarters whose deals have had time to close (:func:`panel`). Each of four measures is
   computed from the deals the rep created in that quarter and kept (deals handed over from
   a leaver are left out): the win rate (won over closed), the average won deal, the
   cycle days of won deals, and their won value (the won value of a quarter's new deals per
   rep, whenever they closed: not the quarter's bookings).
2. A rep's cells before the quarter they completed a programme are untrained; the quarter of
   completion is left out (partly trained); the quarters after it are trained.
3. A two-way fixed-effects model, rep plus quarter, is fitted on the untrained cells only
   (the reps never trained and those not trained yet), and predicts what each trained cell
   would have been without training. The programme's effect is the trained cells' result
   minus that prediction, averaged (weighted by the deals behind each cell); when a rep took
   several programmes, their effects are taken to add up (a least-squares split).
4. Ranges come from a bootstrap over reps (a rep's cells are drawn together), the
   percentile interval at ``LEVEL``; a range that holds zero reads "no measurable effect".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib.analysis.forecast import data_start, first_full_quarter
from salesops_lib.data import SalesData

MEASURES: dict[str, str] = {
    "win_rate": "Win rate",
    "deal_size": "Average deal",
    "cycle_days": "Cycle days",
    "bookings": "Won value of new deals per rep",
}
"""The measures an effect is estimated on, and their names on the page."""
MATURE_DAYS = 120
"""A quarter's deals are measured once this many days have passed since it ended."""
RAMP_DAYS = 180
"""A rep's quarters start counting this many days after the hire date (after the ramp)."""
MIN_TRAINED = 5
"""Fewer trained reps with a measured quarter after training: no estimate."""
LEVEL = 0.90
"""Coverage of the ranges."""
DRAWS = 199
"""Bootstrap draws."""
EVENT_QUARTERS = 4
"""Effects by quarter since training: 1, 2, 3 and 4 or more quarters after it."""
LEAD_QUARTERS = 2
"""The check before training: trained reps' difference from the model 1 and 2 quarters before
the completion quarter (zero when they moved like the untrained reps)."""


def completions(data: SalesData, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each rep's first completion of each programme on or before ``as_of``.

    Parameters
    ----------
    data
        The sales data (its ``enablement`` table; None: no completions).
    as_of
        What is known: completions after it are not.

    Returns
    -------
    DataFrame
        ``rep_id, program, completed_date, quarter`` (the fiscal quarter of the completion),
        reps of the reps table only, in date order.
    """
    cols = ["rep_id", "program", "completed_date"]
    e = data.enablement
    if e is None or not set(cols) <= set(e):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in [*cols, "quarter"]})
    e = e[cols].dropna()
    e = e[(e["completed_date"] <= pd.Timestamp(as_of)) & e["rep_id"].isin(data.reps["rep_id"])]
    e = e.assign(program=e["program"].astype("str").str.strip())
    e = e[e["program"] != ""]
    first = e.sort_values(["completed_date", "rep_id"], kind="stable")
    first = first.drop_duplicates(["rep_id", "program"]).reset_index(drop=True)
    return first.assign(quarter=data.calendar.quarters_of(first["completed_date"]))


def measured_quarters(data: SalesData, as_of: pd.Timestamp) -> list[str]:
    """The fiscal quarters whose deals are measured, oldest first.

    From the data's first full quarter
    (:func:`~salesops_lib.analysis.forecast.first_full_quarter`: a deal created earlier is in
    the data only if it closed late), each ended at least ``MATURE_DAYS`` before ``as_of``.

    Parameters
    ----------
    data
        The sales data (its opportunities' created dates).
    as_of
        The measurement date.

    Returns
    -------
    list of str
        Quarter labels, oldest first.
    """
    created = data.opportunities["created_date"].dropna()
    if created.empty or data_start(data) > pd.Timestamp(as_of):
        return []
    cal = data.calendar
    cutoff = pd.Timestamp(as_of) - pd.Timedelta(days=MATURE_DAYS)
    candidates = cal.quarter_range(first_full_quarter(data), cal.quarter_of(cutoff))
    return [q for q in candidates if cal.bounds(q)[1] <= cutoff]


def panel(data: SalesData, as_of: pd.Timestamp) -> pd.DataFrame:
    """Rep and quarter cells of the deals each rep created and kept, measured on ``as_of``.

    Parameters
    ----------
    data
        The sales data.
    as_of
        Deals closed after it count as open.

    Returns
    -------
    DataFrame
        ``rep_id, quarter, start, end, deals, closed, won, won_amount, won_days`` (sum of the
        won deals' cycle days), one row per rep in seat for the whole quarter (past the ramp
        when the reps have hire dates; from their first deal to their last without), zeros
        when they created nothing.
    """
    day = pd.Timestamp(as_of)
    quarters = measured_quarters(data, day)
    cols = ["rep_id", "quarter", "start", "end", "deals", "closed", "won", "won_amount", "won_days"]
    if not quarters:
        return pd.DataFrame(columns=cols)
    cal = data.calendar
    opps = data.opportunities
    opps = opps[opps["created_date"].notna() & (opps["created_date"] <= day)]
    if "reassigned_date" in opps:
        opps = opps[opps["reassigned_date"].isna() | (opps["reassigned_date"] > day)]
    spans = _seat_spans(data, opps, day)
    bounds = pd.DataFrame(
        [(q, *cal.bounds(q)) for q in quarters], columns=["quarter", "start", "end"]
    )
    cells = spans.merge(bounds, how="cross")
    cells = cells[(cells["first"] <= cells["start"]) & (cells["last"] >= cells["end"])]
    closed = opps["is_closed"].fillna(False).astype(bool) & (opps["close_date"] <= day)
    won = closed & opps["is_won"].fillna(False).astype(bool)
    deals = pd.DataFrame(
        {
            "rep_id": opps["rep_id"],
            "quarter": cal.quarters_of(opps["created_date"]),
            "deals": 1,
            "closed": closed.astype(int),
            "won": won.astype(int),
            "won_amount": opps["amount"].fillna(0.0).where(won, 0.0),
            "won_days": (opps["close_date"] - opps["created_date"]).dt.days.where(won, 0.0),
        }
    )
    sums = deals.groupby(["rep_id", "quarter"], as_index=False)[
        ["deals", "closed", "won", "won_amount", "won_days"]
    ].sum()
    out = cells[["rep_id", "quarter", "start", "end"]].merge(sums, how="left")
    out[["deals", "closed", "won"]] = out[["deals", "closed", "won"]].fillna(0).astype(int)
    out[["won_amount", "won_days"]] = out[["won_amount", "won_days"]].fillna(0.0)
    return out.sort_values(["rep_id", "start"], kind="stable").reset_index(drop=True)[cols]


def _seat_spans(data: SalesData, opps: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """Per rep, the first day measured and the last day in seat (``first``, ``last``).

    With hire dates: from the end of the ramp (``RAMP_DAYS`` after the hire date) to the leaving
    date or ``day``; without: from the rep's first deal created to their last (whether a rep
    was ramping when the data begins cannot be known).
    """
    reps = data.reps.drop_duplicates("rep_id")
    by_rep = opps.groupby("rep_id")["created_date"]
    first_deal, last_deal = by_rep.min(), by_rep.max()
    if "hire_date" in reps and reps["hire_date"].notna().any():
        reps = reps[reps["hire_date"].notna()]
        start = reps["hire_date"]
        end = reps["end_date"] if "end_date" in reps else pd.Series(pd.NaT, index=reps.index)
        last = end.where(end <= day).fillna(day)
        first = start + pd.Timedelta(days=RAMP_DAYS)
    else:  # no tenure to go by: from the rep's first deal to their last
        reps = reps[reps["rep_id"].isin(first_deal.index)]
        first = reps["rep_id"].map(first_deal)
        last = reps["rep_id"].map(last_deal)
    return pd.DataFrame(
        {"rep_id": reps["rep_id"].to_numpy(), "first": first.to_numpy(), "last": last.to_numpy()}
    )


def outcome(cells: pd.DataFrame, measure: str) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's value of a measure and its weight (0 where the measure has no value).

    Parameters
    ----------
    cells
        Rows of :func:`panel`.
    measure
        A key of :data:`MEASURES`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(value, weight)``: the win rate weighted by closed deals, the average deal and the
        cycle days by won deals, bookings by 1 (every cell).
    """
    closed = cells["closed"].to_numpy(float)
    won = cells["won"].to_numpy(float)
    if measure == "win_rate":
        return np.divide(won, closed, out=np.zeros_like(won), where=closed > 0), closed
    if measure == "deal_size":
        amount = cells["won_amount"].to_numpy(float)
        return np.divide(amount, won, out=np.zeros_like(won), where=won > 0), won
    if measure == "cycle_days":
        days = cells["won_days"].to_numpy(float)
        return np.divide(days, won, out=np.zeros_like(won), where=won > 0), won
    if measure == "bookings":
        return cells["won_amount"].to_numpy(float), np.ones(len(cells))
    raise ValueError(f"unknown measure {measure!r}; one of {sorted(MEASURES)}")


def quarter_number(labels: pd.Series) -> np.ndarray:
    """Fiscal quarter labels (``2026Q3``) as consecutive numbers (year times four plus quarter).

    Parameters
    ----------
    labels
        Quarter labels.

    Returns
    -------
    numpy.ndarray
        Integers: one apart for consecutive quarters.
    """
    text = labels.astype("str")
    return (text.str[:4].astype(int) * 4 + text.str[-1].astype(int)).to_numpy()


def exposure(cells: pd.DataFrame, done: pd.DataFrame, programs: list[str]) -> pd.DataFrame:
    """Quarters since each programme per cell: negative before, 0 in the completion quarter.

    Parameters
    ----------
    cells
        Rows of :func:`panel`.
    done
        :func:`completions` (its ``quarter``: the completion's fiscal quarter).
    programs
        The programmes, in column order.

    Returns
    -------
    DataFrame
        One column per programme, index of ``cells``: the cell's quarter number minus the
        completion quarter's (NaN: the rep never completed it).
    """
    number = quarter_number(cells["quarter"])
    out = {}
    for p in programs:
        rows = done[done["program"] == p]
        when = pd.Series(quarter_number(rows["quarter"]), index=rows["rep_id"].to_numpy())
        out[p] = number - cells["rep_id"].map(when).to_numpy(float)
    return pd.DataFrame(out, index=cells.index)


def twoway_fit(
    y: np.ndarray, w: np.ndarray, unit: np.ndarray, time: np.ndarray, n_unit: int, n_time: int
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares of ``y`` on unit plus time effects (alternating projections).

    Parameters
    ----------
    y, w
        Values and weights of the cells fitted.
    unit, time
        Each cell's unit and time codes (0 .. n-1).
    n_unit, n_time
        Number of codes.

    Returns
    -------
    tuple of numpy.ndarray
        Unit effects and time effects; NaN for codes with no weight (not identified). The
        time effects are centred on the first identified time.
    """
    wu = np.bincount(unit, w, n_unit)
    wt = np.bincount(time, w, n_time)
    a = np.zeros(n_unit)
    b = np.zeros(n_time)
    for _ in range(1000):
        a_new = np.divide(
            np.bincount(unit, w * (y - b[time]), n_unit), wu, out=np.zeros(n_unit), where=wu > 0
        )
        b = np.divide(
            np.bincount(time, w * (y - a_new[unit]), n_time), wt, out=np.zeros(n_time), where=wt > 0
        )
        done = np.max(np.abs(a_new - a), initial=0.0) < 1e-9 * (
            1 + np.max(np.abs(a_new), initial=0.0)
        )
        a = a_new
        if done:
            break
    return np.where(wu > 0, a, np.nan), np.where(wt > 0, b, np.nan)


@dataclass(frozen=True)
class Estimate:
    """Every programme's estimated effect on every measure (see :func:`estimate`).

    Attributes
    ----------
    effects
        ``program, measure, trained_reps, cells, trained_level, without, effect, low, high,
        relative, relative_low, relative_high, measurable, naive``: the trained cells'
        result, what it would have been without the programme, the effect with its range,
        the same as a share of ``without``, whether the range excludes zero, and the plain
        difference between trained and untrained reps over the same quarters.
    by_quarter
        ``program, measure, quarters_after, cells, effect, low, high``: the effect 1, 2, 3
        and 4 or more quarters after the completion quarter, with the trained cells behind
        each; for the win rate also 1 and 2 quarters before it (``quarters_after`` -1, -2):
        the trained reps' difference from the model while still untrained (a
        difference-in-differences rests on it being about zero).
    programs
        ``program, completed, first_completed, last_completed, measured_reps, estimated,
        reason``: each programme, how many reps completed it, how many have a measured
        quarter after it, and why there is no estimate when there is none.
    panel
        The cells measured (:func:`panel`) with one column per programme (quarters since)
        and ``measured``: a trained cell the win rate's effect is estimated on.
    completions
        :func:`completions`.
    level
        Coverage of the ranges.
    """

    effects: pd.DataFrame
    by_quarter: pd.DataFrame
    programs: pd.DataFrame
    panel: pd.DataFrame
    completions: pd.DataFrame
    level: float


def estimate(
    data: SalesData,
    as_of: pd.Timestamp,
    *,
    level: float = LEVEL,
    draws: int = DRAWS,
    seed: int = 0,
    min_trained: int = MIN_TRAINED,
) -> Estimate:
    """Each programme's effect on the four measures, by imputation, with bootstrap ranges.

    Parameters
    ----------
    data
        The sales data (its ``enablement`` table and the opportunities).
    as_of
        What is known: completions and closes after it are not.
    level
        Coverage of the ranges (0.9: the 5th to the 95th percentile of the draws).
    draws
        Bootstrap draws over reps.
    seed
        Seed of the draws (the same seed, the same ranges).
    min_trained
        Fewer trained reps with a measured quarter after training: no estimate.

    Returns
    -------
    Estimate
    """
    day = pd.Timestamp(as_of)
    done = completions(data, day)
    programs = sorted(done["program"].unique())
    cells = panel(data, day)
    ev = exposure(cells, done, programs)
    cells = pd.concat([cells, ev], axis=1)
    rep = pd.factorize(cells["rep_id"])[0]
    quarter = pd.factorize(cells["quarter"], sort=True)[0]
    n_rep, n_q = int(rep.max(initial=-1)) + 1, int(quarter.max(initial=-1)) + 1
    events = ev.to_numpy(float)
    values = {m: outcome(cells, m) for m in MEASURES}
    ones = np.ones(n_rep)
    full = {
        m: _fit(*values[m], rep, quarter, events, n_rep, n_q, ones, leads=m == "win_rate")
        for m in MEASURES
    }
    rng = np.random.default_rng(seed)
    boot: dict[str, list[_Fit]] = {m: [] for m in MEASURES}
    for _ in range(draws if n_rep else 0):
        k = rng.multinomial(n_rep, ones / n_rep).astype(float)
        for m in MEASURES:
            boot[m].append(
                _fit(*values[m], rep, quarter, events, n_rep, n_q, k, leads=m == "win_rate")
            )
    measured = _measured_reps(cells, full["win_rate"].used, events, programs)
    table = _programs_table(done, programs, measured, min_trained)
    estimated = set(table.loc[table["estimated"], "program"])
    effects, by_q = [], []
    for m in MEASURES:
        y, w = values[m]
        for j, p in enumerate(programs):
            if p not in estimated:
                continue
            effects.append(_effect_row(p, m, j, full[m], boot[m], level, y, w, cells, events))
            by_q += _event_rows(p, m, j, full[m], boot[m], level)
    return Estimate(
        effects=pd.DataFrame(effects, columns=EFFECT_COLUMNS),
        by_quarter=pd.DataFrame(by_q, columns=EVENT_COLUMNS),
        programs=table,
        panel=cells.assign(measured=full["win_rate"].used),
        completions=done,
        level=level,
    )


EFFECT_COLUMNS = [
    "program",
    "measure",
    "trained_reps",
    "cells",
    "trained_level",
    "without",
    "effect",
    "low",
    "high",
    "relative",
    "relative_low",
    "relative_high",
    "measurable",
    "naive",
    "naive_before",
]
EVENT_COLUMNS = ["program", "measure", "quarters_after", "cells", "effect", "low", "high"]


@dataclass(frozen=True)
class _Fit:
    """One imputation fit: effects overall and by quarter since, and the cells used."""

    effect: np.ndarray  # per programme
    by_event: np.ndarray  # programmes x EVENT_QUARTERS
    event_cells: np.ndarray  # programmes x EVENT_QUARTERS: trained cells behind each
    leads: np.ndarray  # programmes x LEAD_QUARTERS (NaN: not fitted)
    used: np.ndarray  # trained cells with a prediction (bool per cell)
    predicted: np.ndarray  # the untrained prediction per cell (NaN: none)


def _fit(
    y: np.ndarray,
    w: np.ndarray,
    rep: np.ndarray,
    quarter: np.ndarray,
    events: np.ndarray,
    n_rep: int,
    n_q: int,
    multiplier: np.ndarray,
    *,
    leads: bool = False,
) -> _Fit:
    """Fit rep and quarter effects on the untrained cells; split the trained cells' residuals.

    With ``leads``, also the untrained cells' departures 1 and 2 quarters before completion
    (:func:`_leads`)."""
    n_p = events.shape[1]
    ww = w * multiplier[rep]
    partial = (events == 0).any(axis=1)
    trained = (events >= 1).any(axis=1)
    untrained = ~partial & ~trained & (ww > 0)
    a, b = twoway_fit(y[untrained], ww[untrained], rep[untrained], quarter[untrained], n_rep, n_q)
    predicted = a[rep] + b[quarter]
    used = ~partial & trained & ~np.isnan(predicted) & (ww > 0)
    resid = y[used] - predicted[used]
    root = np.sqrt(ww[used])
    after = np.nan_to_num(events[used], nan=-1.0)
    overall = (after >= 1).astype(float)
    effect = _split(overall, resid, root)
    bucket = np.clip(after, 0, EVENT_QUARTERS).astype(int)  # 0: not trained in that programme
    design = np.concatenate(
        [(bucket == e).astype(float) for e in range(1, EVENT_QUARTERS + 1)], axis=1
    )  # programme-major within each event block
    by_event = _split(design, resid, root).reshape(EVENT_QUARTERS, n_p).T
    counts = design.sum(axis=0).reshape(EVENT_QUARTERS, n_p).T
    before = (
        _leads(y, ww, rep, quarter, events, untrained, n_rep, n_q)
        if leads
        else np.full((n_p, LEAD_QUARTERS), np.nan)
    )
    return _Fit(effect, by_event, counts, before, used, predicted)


def _leads(
    y: np.ndarray,
    w: np.ndarray,
    rep: np.ndarray,
    quarter: np.ndarray,
    events: np.ndarray,
    untrained: np.ndarray,
    n_rep: int,
    n_q: int,
) -> np.ndarray:
    """Rep and quarter effects plus one indicator per programme and quarter before completion,
    on the untrained cells (least squares with the effects partialled out: Frisch-Waugh)."""
    n_p = events.shape[1]
    if n_p == 0:
        return np.full((0, LEAD_QUARTERS), np.nan)
    ev = np.nan_to_num(events[untrained], nan=0.0)
    cols = [(ev == -(k + 1)).astype(float) for k in range(LEAD_QUARTERS)]
    dummies = np.concatenate(cols, axis=1)  # lead-major: lead 1 of each programme, then 2
    u_rep, u_q, u_w = rep[untrained], quarter[untrained], w[untrained]

    def residual(v: np.ndarray) -> np.ndarray:
        a, b = twoway_fit(v, u_w, u_rep, u_q, n_rep, n_q)
        return v - (a[u_rep] + b[u_q])

    ry = residual(y[untrained])
    rx = np.column_stack([residual(dummies[:, c]) for c in range(dummies.shape[1])])
    keep = dummies.sum(axis=0) > 0
    out = np.full(dummies.shape[1], np.nan)
    if keep.any():
        root = np.sqrt(u_w)
        out[keep] = np.linalg.lstsq(rx[:, keep] * root[:, None], ry * root, rcond=None)[0]
    return out.reshape(LEAD_QUARTERS, n_p).T


def _split(design: np.ndarray, resid: np.ndarray, root: np.ndarray) -> np.ndarray:
    """Weighted least squares of the residuals on the indicators; NaN for empty columns."""
    out = np.full(design.shape[1], np.nan)
    cols = design.sum(axis=0) > 0
    if not cols.any():
        return out
    x = design[:, cols] * root[:, None]
    out[cols] = np.linalg.lstsq(x, resid * root, rcond=None)[0]
    return out


def _measured_reps(
    cells: pd.DataFrame, used: np.ndarray, events: np.ndarray, programs: list[str]
) -> dict[str, int]:
    """Per programme, the trained reps with a measured quarter after training."""
    out = {}
    for j, p in enumerate(programs):
        sel = used & (np.nan_to_num(events[:, j], nan=-1.0) >= 1)
        out[p] = int(cells.loc[sel, "rep_id"].nunique())
    return out


def _programs_table(
    done: pd.DataFrame, programs: list[str], measured: dict[str, int], min_trained: int
) -> pd.DataFrame:
    """Each programme's completions and whether its effect can be estimated, and why not."""
    rows = []
    for p in programs:
        d = done[done["program"] == p]
        n = measured[p]
        ok = n >= min_trained
        reason = (
            None
            if ok
            else f"only {n} of its {len(d)} reps have a quarter after the one they completed it "
            "in that can be measured against untrained reps' same quarter (at least "
            f"{min_trained} are needed; a quarter's deals are measured {MATURE_DAYS} days after "
            "it ends)"
        )
        rows.append(
            {
                "program": p,
                "completed": int(d["rep_id"].nunique()),
                "first_completed": d["completed_date"].min(),
                "last_completed": d["completed_date"].max(),
                "measured_reps": n,
                "estimated": ok,
                "reason": reason,
            }
        )
    cols = [
        "program",
        "completed",
        "first_completed",
        "last_completed",
        "measured_reps",
        "estimated",
        "reason",
    ]
    return pd.DataFrame(rows, columns=cols)


def _interval(values: list[float], level: float) -> tuple[float, float]:
    """The percentile interval of bootstrap values (NaN when there are none)."""
    v = np.asarray(values, float)
    v = v[~np.isnan(v)]
    if not len(v):
        return np.nan, np.nan
    tail = (1 - level) / 2
    return float(np.quantile(v, tail)), float(np.quantile(v, 1 - tail))


def _effect_row(
    program: str,
    measure: str,
    j: int,
    fit: _Fit,
    boots: list[_Fit],
    level: float,
    y: np.ndarray,
    w: np.ndarray,
    cells: pd.DataFrame,
    events: np.ndarray,
) -> dict:
    """One programme's effect on one measure, with its range and the plain comparison."""
    after = np.nan_to_num(events[:, j], nan=-1.0)
    sel = fit.used & (after >= 1)
    weight = w[sel].sum()
    trained_level = float((y[sel] * w[sel]).sum() / weight) if weight > 0 else np.nan
    effect = float(fit.effect[j])
    without = trained_level - effect
    low, high = _interval([b.effect[j] for b in boots], level)
    never = np.isnan(events[:, j]) & (w > 0)
    before = (events[:, j] < 0) & (w > 0)
    scale = without if without > 0 else np.nan
    tol = 1e-9 * max(1.0, abs(without)) if np.isfinite(without) else 0.0
    return {
        "program": program,
        "measure": measure,
        "trained_reps": int(cells.loc[sel, "rep_id"].nunique()),
        "cells": int(sel.sum()),
        "trained_level": trained_level,
        "without": without,
        "effect": effect,
        "low": low,
        "high": high,
        "relative": effect / scale,
        "relative_low": low / scale,
        "relative_high": high / scale,
        "measurable": bool(low > tol or high < -tol),
        "naive": same_quarter_gap(cells, y, w, sel, never),
        "naive_before": same_quarter_gap(cells, y, w, before, never),
    }


def same_quarter_gap(
    cells: pd.DataFrame, y: np.ndarray, w: np.ndarray, group: np.ndarray, other: np.ndarray
) -> float:
    """The plain comparison: a measure over ``group``'s cells minus ``other``'s, same quarters.

    Weighted means; ``other``'s cells count only in quarters where ``group`` has cells.

    Parameters
    ----------
    cells
        The panel (its ``quarter``).
    y, w
        The measure and its weights per cell (:func:`outcome`).
    group, other
        Boolean masks of the cells compared.

    Returns
    -------
    float
        NaN when either side has no weight.
    """
    other = other & cells["quarter"].isin(cells.loc[group, "quarter"]).to_numpy()
    if w[group].sum() <= 0 or w[other].sum() <= 0:
        return np.nan
    return float(np.average(y[group], weights=w[group]) - np.average(y[other], weights=w[other]))


def _event_rows(
    program: str, measure: str, j: int, fit: _Fit, boots: list[_Fit], level: float
) -> list[dict]:
    """One programme's effect on one measure by quarter since training (and before it)."""
    rows = []
    for k in reversed(range(LEAD_QUARTERS)):
        if np.isnan(fit.leads[j, k]):
            continue
        low, high = _interval([b.leads[j, k] for b in boots], level)
        rows.append(
            {
                "program": program,
                "measure": measure,
                "quarters_after": -(k + 1),
                "cells": None,
                "effect": float(fit.leads[j, k]),
                "low": low,
                "high": high,
            }
        )
    for e in range(EVENT_QUARTERS):
        if np.isnan(fit.by_event[j, e]):
            continue
        low, high = _interval([b.by_event[j, e] for b in boots], level)
        rows.append(
            {
                "program": program,
                "measure": measure,
                "quarters_after": e + 1,
                "cells": int(fit.event_cells[j, e]),
                "effect": float(fit.by_event[j, e]),
                "low": low,
                "high": high,
            }
        )
    return rows
