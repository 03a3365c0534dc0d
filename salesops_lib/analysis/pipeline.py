"""Pipeline health: funnel conversion, time in stage, movement, aging, velocity, creation.

Definitions
-----------
step conversion
    Deals that reached the next stage / deals that reached this stage.
cumulative conversion
    Deals that reached this stage / deals that entered the funnel.
movement (waterfall)
    The quarter's open pipeline (close date in the quarter) from its start to ``as_of``:
    start + created + pulled in + amount changes - won - lost - slipped out = end. Each deal
    counts in one entry (start, created or pulled in) and one exit (won, lost, slipped out,
    or still open at the end); amount changes are the difference for deals that were in the
    start pipeline. Deals created or pulled in enter at their final value.
sales velocity
    Open opportunities x average deal size x win rate / average cycle days: bookings per day
    the current pipeline will produce at historical rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salesops_lib.analysis.forecast import open_deals_at
from salesops_lib.analysis.kpis import closed_deals, group_labels, value_win_rate
from salesops_lib.analysis.reps import stages_reached, trailing_quarters
from salesops_lib.data import SalesData
from salesops_lib.errors import SalesOpsDataError
from salesops_lib.timeline import quarter_flow

AGE_BANDS = [0, 30, 60, 90, 180, 365, 100_000]
AGE_LABELS = ["0-30 days", "31-60 days", "61-90 days", "91-180 days", "181-365 days", "over a year"]


def _segment(data: SalesData, rep_ids: pd.Series) -> pd.Series:
    reps = data.reps.set_index("rep_id")
    if "segment" in reps and reps["segment"].notna().any():
        return rep_ids.map(reps["segment"]).fillna("(none)")
    return pd.Series("All", index=rep_ids.index)


def _history(data: SalesData, what: str) -> pd.DataFrame:
    """The history snapshots, or a clear error naming the analysis that needs them."""
    h = data.history
    if h is None or h.empty:
        raise SalesOpsDataError(f"history: {what} needs history snapshots")
    return h


def funnel(
    data: SalesData, *, quarters: list[str], by_segment: bool = False
) -> tuple[pd.DataFrame, str]:
    """Stage funnel of the deals closed in each quarter.

    With history snapshots, each closed deal's furthest stage is known. Without them, a lost
    deal's furthest stage is unknown, so the funnel is built from open and won deals (each
    counted at its current stage) and the win rate closes it.

    Returns
    -------
    (frame, basis)
        ``quarter, segment, stage, reached, step_rate, cumulative_rate``; the last row of
        each quarter is ``Won``.
    """
    rows = []
    open_names = [s.name for s in data.stages if not s.closed]
    for q in quarters:
        start, end = data.calendar.bounds(q)
        deals = closed_deals(data, start=start, as_of=end)
        if data.history is not None and len(data.history):
            reached, stages, basis = stages_reached(data, deals)
            frame = reached.assign(
                segment=_segment(data, reached["rep_id"]) if by_segment else "All"
            )
            levels = [(i, name) for i, name in enumerate(stages)]
            for seg, g in frame.groupby("segment"):
                counts = [int((g["reached"] >= i).sum()) for i, _ in levels] + [
                    int(g["is_won"].sum())
                ]
                rows.extend(_rows(q, seg, [n for _, n in levels] + ["Won"], counts))
        else:
            basis = "open and won deals' current stage (no history snapshots: lost deals' last stage unknown)"
            o = data.opportunities
            created = o[(o["created_date"].isna() | (o["created_date"] <= end))]
            in_q = created[
                (~created["is_closed"].astype(bool))
                | (
                    (created["close_date"] >= start)
                    & (created["close_date"] <= end)
                    & created["is_won"].astype(bool)
                )
            ]
            order = {n: i for i, n in enumerate(open_names)}
            idx = in_q["stage"].map(order)
            idx = idx.where(~in_q["is_won"].astype(bool), len(open_names))
            seg = (
                _segment(data, in_q["rep_id"]) if by_segment else pd.Series("All", index=in_q.index)
            )
            for s, g in idx.groupby(seg):
                counts = [int((g >= i).sum()) for i in range(len(open_names))] + [
                    int((g >= len(open_names)).sum())
                ]
                rows.extend(_rows(q, s, open_names + ["Won"], counts))
    out = pd.DataFrame(
        rows, columns=["quarter", "segment", "stage", "reached", "step_rate", "cumulative_rate"]
    )
    return out, basis


def _rows(q: str, seg: str, names: list[str], counts: list[int]) -> list[tuple]:
    out = []
    for i, (n, c) in enumerate(zip(names, counts, strict=True)):
        step = c / counts[i - 1] if i > 0 and counts[i - 1] > 0 else (1.0 if i == 0 else np.nan)
        cum = c / counts[0] if counts[0] > 0 else np.nan
        out.append((q, seg, n, c, step, cum))
    return out


def bottleneck(fun: pd.DataFrame) -> pd.DataFrame:
    """Step conversion by quarter (rows) and step (columns), company-wide; the weakest step is the bottleneck."""
    f = (
        fun[fun["segment"] == fun["segment"].iloc[0]]
        if fun["segment"].nunique() == 1
        else fun.groupby(["quarter", "stage"], sort=False)["reached"].sum().reset_index()
    )
    if "step_rate" not in f:
        f = f.copy()
        f["step_rate"] = f.groupby("quarter")["reached"].transform(lambda s: s / s.shift())
    f = f[f["stage"] != f.groupby("quarter")["stage"].transform("first")]
    table = f.pivot_table(index="quarter", columns="stage", values="step_rate", sort=False)
    return table


def time_in_stage(data: SalesData, *, as_of: pd.Timestamp, quantile: float = 0.9) -> pd.DataFrame:
    """Days deals spend in each open stage (from snapshots), and open deals stalled beyond it.

    Returns
    -------
    DataFrame
        Per stage: ``median_days, p90_days`` (over deals that left the stage by ``as_of``),
        ``open_now, stalled`` (open deals in the stage for longer than ``p90_days``),
        ``stalled_amount``.

    Raises
    ------
    SalesOpsDataError
        Without history snapshots.
    """
    h = _history(data, "time in stage")
    facts = data.facts.history
    assert facts is not None
    open_names = list(data.facts.open_stages)
    day = h["snapshot_date"].to_numpy(dtype="datetime64[ns]")
    stage = facts["stage_index"].to_numpy()
    keep = (day <= np.datetime64(as_of)) & (stage >= 0) & h["opp_id"].notna().to_numpy()
    latest = day[keep].max() if keep.any() else np.datetime64("NaT")
    at_latest = keep & (day == latest)
    days = facts["days_in_stage"].to_numpy()
    # runs in a stage that ended before the latest snapshot: how long deals stayed
    left = keep & facts["stage_run_end"].to_numpy() & (day < latest)
    names = np.array(open_names, dtype=object)
    spans = pd.DataFrame({"stage": names[stage[left]], "days": days[left]})
    stats = spans.groupby("stage")["days"].agg(
        median_days="median", p90_days=lambda d: d.quantile(quantile)
    )
    now = pd.DataFrame(
        {
            "stage": names[stage[at_latest]],
            "days": days[at_latest],
            "amount": np.nan_to_num(
                h["amount"].to_numpy(dtype=float, na_value=np.nan)[at_latest], nan=0.0
            ),
        }
    )
    now["limit"] = now["stage"].map(stats["p90_days"])
    now["stalled"] = now["days"] > now["limit"]
    g = now.groupby("stage")
    out = stats.join(
        pd.DataFrame(
            {
                "open_now": g.size(),
                "stalled": g["stalled"].sum(),
                "stalled_amount": now[now["stalled"]].groupby("stage")["amount"].sum(),
            }
        ),
        how="outer",
    )
    out = out.reindex([s for s in open_names if s in out.index]).fillna(
        {"open_now": 0, "stalled": 0, "stalled_amount": 0.0}
    )
    return out


MOVEMENT_ORDER = [
    "start",
    "created",
    "pulled_in",
    "amount_change",
    "won",
    "lost",
    "slipped_out",
    "end",
]


def movement(data: SalesData, *, quarter: str, as_of: object | None = None) -> pd.DataFrame:
    """The quarter's pipeline waterfall from its start to ``as_of``.

    Parameters
    ----------
    quarter
        The quarter whose pipeline (deals with a close date in it) is followed.
    as_of
        End of the movement (default the quarter's end, or the data's last date).

    Returns
    -------
    DataFrame
        One row per step in order ``start, created, pulled_in, amount_change, won, lost,
        slipped_out, end`` with ``amount`` (outflows negative) and ``deals``.
        ``attrs["deals"]`` holds the per-deal classification.

    Raises
    ------
    SalesOpsDataError
        Without history snapshots.
    """
    _history(data, "pipeline movement")
    d = quarter_flow(data, quarter=quarter, as_of=as_of)
    assert d is not None
    rows = {
        "start": (
            d.loc[d["entry"] == "start", "entry_amount"].sum(),
            int((d["entry"] == "start").sum()),
        ),
        "created": (
            d.loc[d["entry"] == "created", "entry_amount"].sum(),
            int((d["entry"] == "created").sum()),
        ),
        "pulled_in": (
            d.loc[d["entry"] == "pulled_in", "entry_amount"].sum(),
            int((d["entry"] == "pulled_in").sum()),
        ),
        "amount_change": (d["change"].sum(), int((d["change"] != 0).sum())),
        "won": (-d.loc[d["exit"] == "won", "final_amount"].sum(), int((d["exit"] == "won").sum())),
        "lost": (
            -d.loc[d["exit"] == "lost", "final_amount"].sum(),
            int((d["exit"] == "lost").sum()),
        ),
        "slipped_out": (
            -d.loc[d["exit"] == "slipped_out", "final_amount"].sum(),
            int((d["exit"] == "slipped_out").sum()),
        ),
        "end": (d.loc[d["exit"] == "end", "final_amount"].sum(), int((d["exit"] == "end").sum())),
    }
    out = pd.DataFrame(
        [(k, float(v[0]), v[1]) for k, v in rows.items()], columns=["step", "amount", "deals"]
    )
    out.attrs["deals"] = d
    out.attrs["from"] = d.attrs["from"]
    out.attrs["to"] = d.attrs["to"]
    return out


def aging(data: SalesData, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Open deals on ``as_of`` by age band: count and amount, by stage when known."""
    od = open_deals_at(data, as_of)
    od["age_band"] = pd.cut(
        od["age_days"], AGE_BANDS, labels=AGE_LABELS, right=True, include_lowest=True
    )
    od["stage"] = od["stage"].fillna("(stage unknown)")
    g = (
        od.groupby(["age_band", "stage"], observed=True)["amount"]
        .agg(deals="size", amount="sum")
        .reset_index()
    )
    return g


def velocity(
    data: SalesData,
    *,
    quarter: str,
    as_of: object | None = None,
    by: str | None = None,
    trailing: int = 4,
) -> pd.DataFrame:
    """Sales velocity: open deals x average deal x win rate / cycle days, per group.

    Rates come from deals closed in the trailing quarters up to ``as_of``.

    Returns
    -------
    DataFrame
        ``open_deals, avg_deal, win_rate, cycle_days, velocity_per_day, velocity_per_quarter``.
    """
    _, end = data.calendar.bounds(quarter)
    as_of_ts = data.default_as_of(quarter) if as_of is None else min(pd.Timestamp(as_of), end)
    qs = trailing_quarters(data, quarter, trailing)
    start, _ = data.calendar.bounds(qs[0])
    closed = closed_deals(data, start=start, as_of=as_of_ts)
    od = open_deals_at(data, as_of_ts)

    def key(f: pd.DataFrame) -> pd.Series:
        return group_labels(data, f, by)

    won = closed[closed["is_won"]]
    out = pd.DataFrame(
        {
            "open_deals": od.groupby(key(od)).size(),
            "avg_deal": won.groupby(key(won))["amount"].mean(),
            "win_rate": closed.groupby(key(closed))["is_won"].mean(),
            "cycle_days": won.groupby(key(won))["cycle_days"].mean(),
        }
    )
    out["velocity_per_day"] = (
        out["open_deals"] * out["avg_deal"] * out["win_rate"] / out["cycle_days"]
    )
    out["velocity_per_quarter"] = out["velocity_per_day"] * 91
    return out.rename_axis(by or "scope")


def creation_vs_need(
    data: SalesData, *, quarter: str, as_of: object | None = None, by: str | None = "team"
) -> pd.DataFrame:
    """Pipeline created in the quarter against what next quarter's goal needs.

    Need = next quarter's goal (quota; without quotas, the trailing four quarters' average
    bookings) / win rate by value of the trailing four quarters.

    Returns
    -------
    DataFrame
        ``created, goal_next, value_win_rate, needed, created_vs_needed``.
    """
    start, end = data.calendar.bounds(quarter)
    as_of_ts = data.default_as_of(quarter) if as_of is None else min(pd.Timestamp(as_of), end)
    nxt = data.calendar.shift(quarter, 1)
    o = data.opportunities
    made = o[(o["created_date"] >= start) & (o["created_date"] <= as_of_ts)]

    def key(f: pd.DataFrame) -> pd.Series:
        return group_labels(data, f, by)

    created = made.groupby(key(made))["amount"].sum()
    qs = trailing_quarters(data, data.calendar.latest_complete_quarter(as_of_ts), 4)
    vwr = value_win_rate(data, quarters=qs, by=by)
    if data.quotas is not None and (data.quotas["period"] == nxt).any():
        q = data.quotas[data.quotas["period"] == nxt]
        goal = q.groupby(key(q))["quota"].sum()
    else:
        s, _ = data.calendar.bounds(qs[0])
        w = closed_deals(data, start=s, as_of=data.calendar.bounds(qs[-1])[1])
        w = w[w["is_won"]]
        goal = w.groupby(key(w))["amount"].sum() / len(qs)
    out = pd.DataFrame({"created": created, "goal_next": goal}).fillna(0.0)
    out["value_win_rate"] = vwr if by is None else out.index.map(vwr)
    out["needed"] = out["goal_next"] / out["value_win_rate"].where(out["value_win_rate"] > 0)
    out["created_vs_needed"] = out["created"] / out["needed"].where(out["needed"] > 0)
    return out.rename_axis(by or "scope")
