"""CRM data quality: hygiene problems on open deals, a score per rep and team, forecast impact.

Every check looks only at what the CRM showed on ``as_of`` (the latest history snapshot on
or before it, when there are snapshots), so an audit of a past date is what a manager could
have seen then.

Checks
------
past_due_close
    Open deal whose expected close date is before ``as_of``.
no_stage_change
    No stage or amount change for ``stale_days`` (from snapshots); without snapshots, an open
    deal older than twice the median cycle of won deals.
missing_amount, missing_account
    Blank amount or account on an open deal.
likely_duplicate
    Another open deal of the same rep, account and product created within 14 days.
pushed_repeatedly
    Expected close date moved later ``push_limit`` times or more.
probability_mismatch
    Probability differing from the stage's configured default by more than 0.25 (checked
    only as of the data's last date: the CRM keeps no history of probabilities).
category_mismatch
    Forecast category at odds with the stage: Commit in the first half of the stages,
    Closed on an open deal, or Omitted on a deal in the last open stage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesops_lib import fast
from salesops_lib.analysis.forecast import (
    _cells,
    _earlier_points,
    _examples,
    _point,
    open_deals_at,
)
from salesops_lib.analysis.kpis import group_labels
from salesops_lib.data import SalesData
from salesops_lib.timeline import won_deals

CHECKS = {
    "past_due_close": "Close date already passed: update it or close the deal",
    "no_stage_change": "No stage or amount change for a long time: confirm the deal is alive",
    "missing_amount": "No amount: enter the expected deal value",
    "missing_account": "No account: link the deal to its customer",
    "likely_duplicate": "Looks like a duplicate of another open deal: merge or close one",
    "pushed_repeatedly": "Close date pushed repeatedly: re-qualify the timing",
    "probability_mismatch": "Probability does not match the stage: correct one of them",
    "category_mismatch": "Forecast category does not match the stage: correct the category",
}


def audit(
    data: SalesData, *, as_of: object, stale_days: int = 30, push_limit: int = 2
) -> pd.DataFrame:
    """Hygiene problems of the deals open on ``as_of``.

    Returns
    -------
    DataFrame
        One row per deal and problem: ``opp_id, rep_id, check, action, amount, stage,
        close_date``.
    """
    as_of_ts = pd.Timestamp(as_of).normalize()
    od = open_deals_at(data, as_of_ts)
    opps = data.opportunities
    row = od["opp_row"].to_numpy()
    od["probability"] = (
        fast.take_rows(opps["probability"], row).to_numpy() if "probability" in opps else np.nan
    )
    flags: dict[str, pd.Series] = {}
    flags["past_due_close"] = od["past_due"]
    if od["days_unchanged"].notna().any():  # from history snapshots
        flags["no_stage_change"] = od["days_unchanged"] >= stale_days
    else:
        won = won_deals(data)
        med = ((won["close_date"] - won["created_date"]).dt.days).median()
        flags["no_stage_change"] = (
            od["age_days"] > 2 * med if np.isfinite(med) else pd.Series(False, index=od.index)
        )
    flags["missing_amount"] = od["amount_missing"]
    flags["missing_account"] = od["account_id"].isna()
    key = (
        od["rep_id"].astype("str").fillna("")
        + "|"
        + od["account_id"].astype("str").fillna("")
        + "|"
        + od["product"].astype("str").fillna("")
    )
    # same rep, account and product, created within 14 days of another such open deal
    valid = od["account_id"].notna().to_numpy()
    rows = np.flatnonzero(valid)
    dup = np.zeros(len(od), dtype=bool)
    if len(rows) > 1:
        k = fast.text_codes(key.iloc[rows])
        created = od["created_date"].iloc[rows].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        created_nat = od["created_date"].iloc[rows].isna().to_numpy()
        o = np.lexsort((created, k))
        k, created, created_nat = k[o], created[o], created_nat[o]
        near = (k[1:] == k[:-1]) & (np.abs(created[1:] - created[:-1]) <= 14 * 86_400 * 10**9)
        near &= ~created_nat[1:] & ~created_nat[:-1]
        hit = np.zeros(len(o), dtype=bool)
        hit[1:] |= near
        hit[:-1] |= near
        dup[rows[o[hit]]] = True
    flags["likely_duplicate"] = pd.Series(dup, index=od.index)
    flags["pushed_repeatedly"] = od["pushes"] >= push_limit
    stage_prob = {s.name: s.probability for s in data.stages if s.probability is not None}
    default = od["stage"].map(stage_prob)
    # the CRM keeps only today's probability: it can be checked against the stage only on the data's last date
    current = as_of_ts >= data.last_date.normalize()
    flags["probability_mismatch"] = (
        current
        & od["probability"].notna()
        & default.notna()
        & ((od["probability"] - default).abs() > 0.25)
    )
    open_names = [s.name for s in data.stages if not s.closed]
    idx = od["stage"].map({n: i for i, n in enumerate(open_names)})
    half = len(open_names) / 2
    cat = od["forecast_category"]
    flags["category_mismatch"] = (
        ((cat == "Commit") & (idx < half - 0.5))
        | (cat == "Closed")
        | ((cat == "Omitted") & (idx == len(open_names) - 1))
    ).fillna(False)
    rows = []
    for check, mask in flags.items():
        m = mask.fillna(False).to_numpy(dtype=bool)
        if m.any():
            part = od.loc[m, ["opp_id", "rep_id", "amount", "stage", "close_date"]].copy()
            part.insert(2, "check", check)
            part.insert(3, "action", CHECKS[check])
            rows.append(part)
    out = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(
            columns=["opp_id", "rep_id", "check", "action", "amount", "stage", "close_date"]
        )
    )
    out.attrs["open_deals"] = od
    return out


def hygiene_score(data: SalesData, problems: pd.DataFrame, *, by: str = "rep_id") -> pd.DataFrame:
    """Share of each rep's (or team's) open deals with no hygiene problem, 0-100.

    Returns
    -------
    DataFrame
        ``open_deals, flagged_deals, problems, score`` and one column per check (problem count).
    """
    od = problems.attrs.get("open_deals")
    if od is None:
        raise ValueError("problems must come from audit()")

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


def forecast_impact(
    data: SalesData,
    *,
    quarters: list[str],
    week: int = 4,
    stale_days: int = 30,
    push_limit: int = 2,
) -> pd.DataFrame:
    """How much of past quarters' pipeline-forecast error came from deals with hygiene problems.

    For each quarter, as of its ``week``-th week, each open deal's expected bookings (pipeline
    method: amount x chance) is compared with what it actually booked in the quarter; the
    errors are summed for deals flagged by :func:`audit` on that date and for clean deals.

    Returns
    -------
    DataFrame
        ``quarter, flagged_deals, clean_deals, flagged_error, clean_error, flagged_share``
        where errors are sums of (expected - actual) and ``flagged_share`` is the flagged
        deals' share of the absolute error.
    """
    rows = []
    won = won_deals(data)
    for q in quarters:
        start, end = data.calendar.bounds(q)
        as_of = min(start + pd.Timedelta(days=7 * week - 1), end)
        p = _point(data, q, as_of)
        problems = audit(data, as_of=as_of, stale_days=stale_days, push_limit=push_limit)
        od = problems.attrs["open_deals"]
        ex = _examples(data, _earlier_points(data, p))
        if ex.empty:
            continue
        overall = ex["won_in_quarter"].mean()
        ex_key, od_key = _cells(ex, ex["quarter_end"], od, end)
        rates = ex.groupby(ex_key)["won_in_quarter"].agg(["sum", "size"])
        rate = (rates["sum"] + 5 * overall) / (rates["size"] + 5)
        expected = od_key.map(rate).fillna(overall) * od["amount"]
        won_q = won[(won["close_date"] >= start) & (won["close_date"] <= end)].set_index("opp_id")[
            "amount"
        ]
        actual = od["opp_id"].map(won_q).fillna(0.0)
        err = expected - actual
        flagged = pd.Series(fast.isin(od["opp_id"], problems["opp_id"]), index=od.index)
        fe, ce = float(err[flagged].sum()), float(err[~flagged].sum())
        rows.append(
            (
                q,
                int(flagged.sum()),
                int((~flagged).sum()),
                fe,
                ce,
                abs(fe) / (abs(fe) + abs(ce)) if (abs(fe) + abs(ce)) > 0 else np.nan,
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
        ],
    )
