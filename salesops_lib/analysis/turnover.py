"""Turnover: how long reps stay, who leaves, and what each departure costs in bookings.

Tenure is measured from the hire date to the leaving date, or to the as-of date for reps
still in seat (censored). Reps hired before the data starts enter the risk set only from
the data's first date (left truncation): a rep who left before then is not in the data, so
counting the others from their hire date would make the team look more loyal than it is.
Survival curves are Kaplan–Meier estimates (:class:`statsmodels.duration.survfunc.SurvfuncRight`)
with pointwise 95% ranges on the log-log scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.duration.survfunc import SurvfuncRight

from salesops_lib.analysis import quota as quota_analysis
from salesops_lib.analysis.capacity import DAYS_PER_MONTH, Backfill, Ramp
from salesops_lib.data import SalesData

CURVE_MONTHS = (0, 3, 6, 9, 12, 18, 24, 36)
"""Months of tenure the survival tables show."""
MIN_GROUP_REPS = 5
"""A group with fewer reps gets no curve of its own (its reps count in the company's)."""
TOP_BAND = "At or above quota"
BANDS = (TOP_BAND, "80–100% of quota", "Below 80% of quota", "No quota record")
"""Performance bands by attainment over the rep's last four quarters in seat with a quota."""


def tenure_spells(data: SalesData, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each rep's time in seat: from the hire date to leaving, or to ``as_of`` when still there.

    Parameters
    ----------
    data
        The sales data (reps' ``hire_date`` and ``end_date``; reps without a hire date are
        left out).
    as_of
        What is known: a leaving date after it is not known yet.

    Returns
    -------
    DataFrame
        ``rep_id, rep_name, team, manager, role, hire_date, end_date`` (NaT: in seat),
        ``months`` (tenure at leaving or on ``as_of``), ``left`` (bool) and ``entry``
        (months of tenure on the data's first date, 0 for reps hired inside the data).
    """
    day = pd.Timestamp(as_of)
    reps = data.reps.drop_duplicates("rep_id")
    if "hire_date" not in reps:
        return pd.DataFrame(columns=["rep_id", "months", "left", "entry"])
    reps = reps[reps["hire_date"].notna() & (reps["hire_date"] <= day)]
    end = reps["end_date"] if "end_date" in reps else pd.Series(pd.NaT, index=reps.index)
    end = end.where(end <= day)
    stop = end.fillna(day)
    keep = [c for c in ("rep_id", "rep_name", "team", "manager", "role") if c in reps]
    out = reps[keep].copy()
    out["hire_date"] = reps["hire_date"]
    out["end_date"] = end
    out["months"] = (stop - reps["hire_date"]).dt.days / DAYS_PER_MONTH
    out["left"] = end.notna()
    first = pd.Timestamp(data.first_date)
    out["entry"] = ((first - reps["hire_date"]).dt.days / DAYS_PER_MONTH).clip(lower=0.0)
    # a rep who left before the data starts cannot be in its risk set
    out = out[out["months"] > out["entry"]]
    return out.reset_index(drop=True)


def survival_curve(
    spells: pd.DataFrame, *, by: str | None = None, at: tuple[int, ...] = CURVE_MONTHS
) -> pd.DataFrame:
    """The share of reps still in seat after each month of tenure (Kaplan–Meier), per group.

    Parameters
    ----------
    spells
        :func:`tenure_spells`.
    by
        A column to split by (``team``, ``manager``, ``role``, ``band``); None: all reps.
        Groups with fewer than :data:`MIN_GROUP_REPS` reps are left out.
    at
        Months of tenure to read the curves at.

    Returns
    -------
    DataFrame
        ``group, reps, departures, months, still_in_seat, low, high`` (95% range) per group
        and month; a month past a group's longest tenure is left out.
    """
    rows = []
    groups = [("All reps", spells)] if by is None else list(spells.groupby(by, sort=True))
    for name, g in groups:
        if len(g) < MIN_GROUP_REPS or not g["left"].any():
            continue
        sf = SurvfuncRight(
            g["months"].to_numpy(float), g["left"].to_numpy(int), entry=g["entry"].to_numpy(float)
        )
        times, prob = np.asarray(sf.surv_times), np.asarray(sf.surv_prob)
        se = np.asarray(sf.surv_prob_se)
        longest = float(g["months"].max())
        for m in at:
            if m > longest:
                break
            i = int(np.searchsorted(times, m, side="right")) - 1
            s = 1.0 if i < 0 else float(prob[i])
            lo, hi = _log_log_range(s, 0.0 if i < 0 else float(se[i]))
            rows.append(
                {
                    "group": str(name),
                    "reps": len(g),
                    "departures": int(g["left"].sum()),
                    "months": m,
                    "still_in_seat": s,
                    "low": lo,
                    "high": hi,
                }
            )
    cols = ["group", "reps", "departures", "months", "still_in_seat", "low", "high"]
    return pd.DataFrame(rows, columns=cols)


def _log_log_range(s: float, se: float, z: float = 1.959964) -> tuple[float, float]:
    """The 95% range of a survival probability on the log-log scale (stays inside 0–1)."""
    if not 0 < s < 1 or not se > 0:
        return s, s
    v = se / (s * abs(np.log(s)))
    lo, hi = s ** np.exp(z * v), s ** np.exp(-z * v)
    return float(lo), float(hi)


def at_risk(spells: pd.DataFrame, months: float) -> int:
    """Reps counted in the curve at a month of tenure: in the data then, not yet left.

    Parameters
    ----------
    spells
        :func:`tenure_spells`.
    months
        The month of tenure.

    Returns
    -------
    int
    """
    return int(((spells["entry"] <= months) & (spells["months"] >= months)).sum())


def months_counted(spells: pd.DataFrame, *, at_least: int = MIN_GROUP_REPS) -> float:
    """The longest tenure at which at least ``at_least`` reps are still counted (NaN: none).

    Parameters
    ----------
    spells
        :func:`tenure_spells`.
    at_least
        Reps at risk needed.

    Returns
    -------
    float
        Months.
    """
    ends = np.sort(spells["months"].to_numpy(float))[::-1]
    for t in ends:
        if at_risk(spells, t) >= at_least:
            return float(t)
    return float("nan")


def median_tenure(spells: pd.DataFrame, *, at_least: int = MIN_GROUP_REPS) -> float:
    """Months of tenure by which half the reps have left.

    NaN while more than half stay, and when fewer than ``at_least`` reps are still counted
    at that month (a curve that far out rests on a handful of reps).

    Parameters
    ----------
    spells
        :func:`tenure_spells`.
    at_least
        Reps at risk the median needs.

    Returns
    -------
    float
    """
    if not len(spells) or not spells["left"].any():
        return float("nan")
    q = _survival(spells).quantile(0.5)
    if q is None or not np.isfinite(q) or at_risk(spells, float(q)) < at_least:
        return float("nan")
    return float(q)


def still_in_seat(spells: pd.DataFrame, months: float) -> float:
    """The share of reps still in seat at a month of tenure (Kaplan–Meier).

    Parameters
    ----------
    spells
        :func:`tenure_spells`.
    months
        The month of tenure.

    Returns
    -------
    float
        1.0 before the first departure.
    """
    if not len(spells) or not spells["left"].any():
        return 1.0
    sf = _survival(spells)
    before = np.asarray(sf.surv_times) <= months
    return float(np.asarray(sf.surv_prob)[before][-1]) if before.any() else 1.0


def _survival(spells: pd.DataFrame) -> SurvfuncRight:
    """The Kaplan–Meier fit of the spells (left-truncated at their entry)."""
    return SurvfuncRight(
        spells["months"].to_numpy(float),
        spells["left"].to_numpy(int),
        entry=spells["entry"].to_numpy(float),
    )


def performance_bands(data: SalesData, as_of: pd.Timestamp, reps: pd.Series) -> pd.DataFrame:
    """Each rep's attainment over their last four quarters in seat with a quota, and its band.

    Parameters
    ----------
    data
        The sales data (quotas; without them every rep is "No quota record").
    as_of
        What is known: quarters complete on it.
    reps
        The rep ids.

    Returns
    -------
    DataFrame
        Index ``rep_id``; ``attainment`` (NaN: no quarter with a quota) and ``band`` (one
        of :data:`BANDS`).
    """
    from salesops_lib.analysis.kpis import attainment_trend

    ids = pd.Index(reps.astype("str").unique(), name="rep_id")
    att = pd.Series(np.nan, index=ids)
    if data.quotas is not None and len(data.quotas):
        last = data.calendar.latest_complete_quarter(pd.Timestamp(as_of))
        qs = [q for q in data.quarters() if q <= last]
        if qs:
            t = attainment_trend(data, quarters=qs)
            t = t[t["quota"] > 0].sort_values("quarter").groupby("rep_id").tail(4)
            g = t.groupby("rep_id")[["bookings", "quota"]].sum()
            att = (g["bookings"] / g["quota"]).reindex(ids)
    band = np.select([att >= 1.0, att >= 0.8, att.notna()], list(BANDS[:3]), default=BANDS[3])
    return pd.DataFrame({"attainment": att, "band": band}, index=ids)


def departure_costs(
    matches: pd.DataFrame,
    *,
    per_year: float,
    rep_per_year: pd.Series,
    ramp: Ramp,
    fill: Backfill,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """The bookings each departure cost: the empty seat, then the new hire's ramp.

    The empty seat costs the leaver's own bookings a year (their de-seasonalised bookings
    per ramped quarter × 4, else the company's per ramped-rep equivalent) for the days to
    the team's next hire (while no hire followed, the company's median days to fill a seat,
    or the days the seat has been empty by ``as_of`` when longer); the ramp costs what a new hire brings short of a ramped rep over the measured
    ramp, at the company's bookings per ramped-rep equivalent.

    Parameters
    ----------
    matches
        :func:`~salesops_lib.analysis.capacity.backfill_matches` (``rep_id, end_date, days``).
    per_year
        The company's bookings per ramped-rep equivalent a year.
    rep_per_year
        Each rep's own bookings a year when ramped (index ``rep_id``; NaN: not known).
    ramp
        The measured ramp.
    fill
        The company's time to fill a seat.
    as_of
        What is known (how long an unfilled seat has been empty).

    Returns
    -------
    DataFrame
        ``rep_id, end_date, vacancy_days, backfilled, vacancy_cost, ramp_cost, cost``.

    Examples
    --------
    >>> m = pd.DataFrame({"rep_id": ["R1"], "end_date": [pd.Timestamp("2026-01-31")], "days": [73.05]})
    >>> ramp = Ramp((0.0, 0.5, 1.0), "default", 0)
    >>> out = departure_costs(m, per_year=1.2e6, rep_per_year=pd.Series({"R1": 2.0e6}), ramp=ramp, fill=Backfill(60.0, 1, 0, True), as_of=pd.Timestamp("2026-06-30"))
    >>> out[["vacancy_cost", "ramp_cost", "cost"]].round(0).values.tolist()
    [[400000.0, 150000.0, 550000.0]]
    """
    ramp_gap = float(sum(1 - s for s in ramp.shares[:-1]) / 12)
    days = matches["days"].astype(float)
    own = rep_per_year.reindex(matches["rep_id"]).to_numpy(dtype=float)
    rate = np.where(np.isfinite(own), own, per_year)
    open_days = (pd.Timestamp(as_of) - pd.to_datetime(matches["end_date"])).dt.days
    vacancy = days.fillna(np.maximum(open_days, fill.days)).to_numpy(dtype=float)
    out = pd.DataFrame(
        {
            "rep_id": matches["rep_id"].to_numpy(),
            "end_date": matches["end_date"].to_numpy(),
            "vacancy_days": vacancy,
            "backfilled": days.notna().to_numpy(),
            "vacancy_cost": rate * vacancy / 365.25,
            "ramp_cost": per_year * ramp_gap,
        }
    )
    out["cost"] = out["vacancy_cost"] + out["ramp_cost"]
    return out


def rep_bookings_a_year(data: SalesData, as_of: pd.Timestamp) -> pd.Series:
    """Each rep's de-seasonalised bookings per ramped quarter × 4 (as quota design measures it).

    Parameters
    ----------
    data
        The sales data.
    as_of
        What is known.

    Returns
    -------
    Series
        Index ``rep_id``; NaN for reps without a ramped quarter in the trailing eight.
    """
    prod = quota_analysis.rep_productivity(data, pd.Timestamp(as_of), quarters=8)
    return prod["per_quarter"] * 4
