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

from salesops_lib import fast
from salesops_lib.analysis.forecast import (
    history_codes,
    history_stage_index,
    open_deals_at,
    order_by_deal,
)
from salesops_lib.analysis.kpis import closed_deals, group_labels, value_win_rate
from salesops_lib.analysis.reps import stages_reached, trailing_quarters
from salesops_lib.data import SalesData
from salesops_lib.errors import SalesOpsDataError

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
    all_opp, distinct = history_codes(data)  # deals as integer codes: text is what is slow
    open_names = [s.name for s in data.stages if not s.closed]
    all_stage = history_stage_index(data)  # index among open stages, -1 when closed
    all_day = h["snapshot_date"].to_numpy(dtype="datetime64[ns]")
    keep = (all_day <= np.datetime64(as_of)) & (all_stage >= 0) & (all_opp >= 0)
    opp, stage, day = all_opp[keep], all_stage[keep], all_day[keep]
    # first and last snapshot of each (deal, stage) run, from one integer sort
    n_stages = max(len(open_names), 1)
    cell = opp * n_stages + stage
    by_cell = order_by_deal(data, cell, day)  # rows of a cell stay in date order
    first = fast.group_starts(cell[by_cell])
    del cell
    last = np.append(first[1:], True) if len(first) else first
    first_rows, last_rows = by_cell[first], by_cell[last]
    del by_cell, first, last
    spans = pd.DataFrame(
        {"min": day[first_rows], "max": day[last_rows]},
        index=pd.MultiIndex.from_arrays(
            [opp[first_rows], stage[first_rows].astype(np.int64)], names=["opp", "stage"]
        ),
    )
    spans["days"] = (spans["max"] - spans["min"]).dt.days + 7
    last_snap = day.max() if len(day) else np.datetime64("NaT")
    at_last = day == last_snap
    current = np.full(len(distinct) + 1, -1, dtype=np.int64)  # -1: not open at the last snapshot
    current[opp[at_last]] = stage[at_last]
    amount_now = np.zeros(len(distinct) + 1)
    amount_now[opp[at_last]] = h["amount"].to_numpy(dtype=float, na_value=np.nan)[keep][at_last]
    span_opp = spans.index.get_level_values("opp").to_numpy()
    span_stage = spans.index.get_level_values("stage").to_numpy()
    is_now = current[span_opp] == span_stage
    names = np.array(open_names, dtype=object)
    left = spans[~is_now].copy()
    left.index = pd.MultiIndex.from_arrays(
        [span_opp[~is_now], names[span_stage[~is_now]]], names=["opp", "stage"]
    )
    stats = left.groupby(level="stage")["days"].agg(
        median_days="median", p90_days=lambda d: d.quantile(quantile)
    )
    now = pd.DataFrame(
        {
            "stage": names[span_stage[is_now]],
            "days": spans["days"].to_numpy()[is_now],
            "amount": np.nan_to_num(amount_now[span_opp[is_now]], nan=0.0),
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
    h = _history(data, "pipeline movement")
    start, end = data.calendar.bounds(quarter)
    as_of_ts = (
        data.default_as_of(quarter) if as_of is None else min(pd.Timestamp(as_of).normalize(), end)
    )
    before = h["snapshot_date"][h["snapshot_date"] < start]
    s0 = before.max() if len(before) else h["snapshot_date"].min()
    s1 = h["snapshot_date"][h["snapshot_date"] <= as_of_ts].max()
    snap0 = h[h["snapshot_date"] == s0].set_index("opp_id")
    snap1 = h[h["snapshot_date"] == s1].set_index("opp_id")
    open0 = snap0[~snap0["is_closed"].fillna(False).astype(bool)]
    in_start = open0[(open0["close_date"] >= start) & (open0["close_date"] <= end)]
    opps = data.opportunities.set_index("opp_id")
    closed = opps[
        opps["is_closed"].fillna(False).astype(bool)
        & (opps["close_date"] > s0)
        & (opps["close_date"] <= s1)
        & (opps["close_date"] >= start)
        & (opps["close_date"] <= end)
    ]
    open1 = snap1[
        ~snap1["is_closed"].fillna(False).astype(bool) & ~_isin(snap1.index, closed.index)
    ]
    in_end = open1[(open1["close_date"] >= start) & (open1["close_date"] <= end)]
    ids = in_start.index.union(in_end.index).union(closed.index)
    d = pd.DataFrame(index=ids)
    d["start_amount"] = in_start["amount"].reindex(ids).fillna(0.0)
    won = closed["is_won"].fillna(False).astype(bool)
    d["exit"] = np.select(
        [_isin(ids, closed.index[won]), _isin(ids, closed.index[~won]), _isin(ids, in_end.index)],
        ["won", "lost", "end"],
        "slipped_out",
    )
    final = pd.Series(np.nan, index=ids)
    final.loc[closed.index] = closed["amount"].fillna(0.0)
    final = final.fillna(open1["amount"].reindex(ids)).fillna(snap1["amount"].reindex(ids))
    final = final.fillna(d["start_amount"]).fillna(0.0)
    d["final_amount"] = final
    present0 = _isin(ids, snap0.index)
    d["entry"] = np.where(
        _isin(ids, in_start.index), "start", np.where(present0, "pulled_in", "created")
    )
    d["entry_amount"] = np.where(d["entry"] == "start", d["start_amount"], d["final_amount"])
    d["change"] = d["final_amount"] - d["entry_amount"]
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
    out.attrs["from"] = str(pd.Timestamp(s0).date())
    out.attrs["to"] = str(pd.Timestamp(s1).date())
    return out


def _isin(ids: pd.Index, values: pd.Index) -> np.ndarray:
    """``ids.isin(values)`` for deal ids (pandas' own is a Python loop on Arrow text)."""
    return fast.isin(pd.Series(ids), values)


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
