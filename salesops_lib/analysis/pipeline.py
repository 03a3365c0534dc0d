"""Pipeline health: funnel conversion, time in stage, movement, aging, velocity, creation.

Definitions
-----------
funnel, step conversion, bottleneck
    From :mod:`salesops_lib.analysis.funnel` (one rule for reports 02 and 06): the deals
    closed in a window, each at the furthest stage it reached.
movement (waterfall)
    The quarter's open pipeline (close date in the quarter) from its start to ``as_of``
    (:func:`salesops_lib.timeline.quarter_flow`): start + created + pulled in + amount
    changes - won - lost - slipped out = end. Each deal counts in one entry (start, created
    or pulled in) and one exit (won, lost, slipped out, or still open at the end); amount
    changes are the difference for deals that were in the start pipeline. Deals created or
    pulled in enter at their final value. Won is the quarter's bookings to ``as_of``.
sales velocity
    Open deals x average won deal x win rate / average cycle days: bookings per day the
    deals open on ``as_of`` (:func:`salesops_lib.timeline.open_deals`: every open deal,
    whatever its expected close date, including deals without one) will produce at the
    rates of the trailing quarters.
creation against need
    Pipeline created in the quarter against the pipeline next quarter's goal needs: the goal
    divided by the win rate by value, both from :func:`salesops_lib.analysis.kpis.coverage`
    (the figures behind :func:`salesops_lib.analysis.outlook.quarter_outlook`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib import timeline
from salesops_lib.analysis import funnel as funnel_lib
from salesops_lib.analysis.kpis import closed_deals, coverage, group_labels
from salesops_lib.analysis.reps import trailing_quarters
from salesops_lib.data import SalesData
from salesops_lib.errors import SalesOpsDataError
from salesops_lib.fast import isin
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
    """Stage funnel of the deals closed in each quarter (:func:`~salesops_lib.analysis.funnel.stage_funnel`).

    Parameters
    ----------
    data
        The data set.
    quarters
        Each quarter gets its own funnel (its closed deals).
    by_segment
        Split by the reps' segment.

    Returns
    -------
    (frame, basis)
        ``quarter, segment, stage, reached, step_rate, cumulative_rate``; the last row of
        each quarter and segment is ``Won``. ``basis`` says how the furthest stage is known.

    Examples
    --------
    >>> fun, basis = funnel(data, quarters=["2026Q3"])  # doctest: +SKIP
    """
    frames, basis = [], ""
    for q in quarters:
        f = funnel_lib.stage_funnel(data, quarters=[q], by="segment" if by_segment else None)
        frames.append(f.table.rename(columns={"group": "segment"}).assign(quarter=q))
        basis = f.reach.basis
    out = pd.concat(frames, ignore_index=True)
    return out[["quarter", "segment", "stage", "reached", "step_rate", "cumulative_rate"]], basis


def step_rates_by_quarter(
    data: SalesData, *, quarters: list[str], as_of: object | None = None
) -> pd.DataFrame:
    """Step conversion of each quarter's closed deals: quarters as rows, steps as columns.

    Parameters
    ----------
    data
        The data set.
    quarters
        The quarters, oldest first (the last one up to ``as_of``).
    as_of
        What is known.

    Returns
    -------
    DataFrame
        Indexed by ``quarter``; one column per step ("A → B", stage order); plus
        ``weakest`` (the quarter's bottleneck when it is clear, lower than the next weakest
        step beyond chance; else None) and ``closed`` (deals in its cohort).

    Examples
    --------
    >>> step_rates_by_quarter(data, quarters=["2026Q2", "2026Q3"])  # doctest: +SKIP
    """
    rows = []
    for q in quarters:
        f = funnel_lib.stage_funnel(data, quarters=[q], as_of=as_of if q == quarters[-1] else None)
        steps = funnel_lib.total_steps(f)
        b = funnel_lib.funnel_bottleneck(f)
        row = dict(zip(steps["step"], steps["rate"], strict=True))
        row.update(
            quarter=q, weakest=b.step if b is not None and b.clear else None, closed=f.closed
        )
        rows.append(row)
    return pd.DataFrame(rows).set_index("quarter")


def time_in_stage(data: SalesData, *, as_of: pd.Timestamp, quantile: float = 0.9) -> pd.DataFrame:
    """Days deals spend in each open stage (from snapshots), and open deals stalled beyond it.

    Parameters
    ----------
    data
        The data set; needs history snapshots (their ``days_in_stage`` and
        ``stage_run_end`` facts).
    as_of
        What is known: snapshots on or before it; the open deals are the latest snapshot's.
    quantile
        The quantile of the days in a stage beyond which an open deal is stalled (0.9: the
        ``p90_days`` column).

    Returns
    -------
    DataFrame
        Per stage: ``median_days, p90_days`` (over deals that left the stage by ``as_of``),
        ``open_now`` (deals open in the stage on the latest snapshot up to ``as_of``, leaving
        out those the opportunities table shows closed by ``as_of``: the open deals of
        :func:`salesops_lib.timeline.open_deals`), ``stalled`` (of them, in the stage for
        longer than ``p90_days``), ``stalled_amount``.

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
    # open now: deals the opportunities table shows closed by as_of are left out, as
    # timeline.open_deals leaves them out (the same open deals as the rest of the report)
    row = facts["opp_row"].to_numpy()
    at_latest &= ~((row >= 0) & timeline.closed_by(data, as_of)[np.maximum(row, 0)])
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


@dataclass(frozen=True)
class Movement:
    """The quarter's pipeline waterfall (:func:`movement`) and the deals behind it.

    The deals are a field rather than ``attrs`` of the steps: pandas deep-copies ``attrs``
    into every frame derived from one carrying them.
    """

    steps: pd.DataFrame
    """One row per step (:data:`MOVEMENT_ORDER`): ``step, amount`` (outflows negative),
    ``deals``."""
    deals: pd.DataFrame
    """The per-deal classification (:func:`salesops_lib.timeline.quarter_flow`)."""
    start: str
    """The snapshot the waterfall starts from (the last before the quarter)."""
    end: str
    """The snapshot whose open deals it ends with."""
    closed_to: str
    """The date closed deals are counted to (the as-of date)."""


def movement(data: SalesData, *, quarter: str, as_of: object | None = None) -> Movement:
    """The quarter's pipeline waterfall from its start to ``as_of``.

    Parameters
    ----------
    data
        The data set; needs history snapshots.
    quarter
        The quarter whose pipeline (deals with a close date in it) is followed.
    as_of
        End of the movement (default the quarter's end, or the data's last date).

    Returns
    -------
    Movement
        ``steps``: one row per step in order ``start, created, pulled_in, amount_change, won,
        lost, slipped_out, end`` with ``amount`` (outflows negative) and ``deals``; ``deals``
        the per-deal classification (:func:`salesops_lib.timeline.quarter_flow`); ``start``,
        ``end`` and ``closed_to`` its dates.

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
    return Movement(
        steps=out,
        deals=d,
        start=d.attrs["from"],
        end=d.attrs["to"],
        closed_to=d.attrs.get("closed_to", d.attrs["to"]),
    )


def aging(data: SalesData, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Open deals on ``as_of`` (:func:`salesops_lib.timeline.open_deals`) by age band.

    Parameters
    ----------
    data
        The data set.
    as_of
        The date whose open deals are aged (days since created).

    Returns
    -------
    DataFrame
        ``age_band, stage, deals, amount``, one row per band and stage with deals (bands
        ``0-30 days`` ... ``over a year``; stage ``(stage unknown)`` where the CRM did not
        show one then). Deals without a created date have no age and are left out.
    """
    od = timeline.open_deals(data, as_of)
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

    Open deals are every deal open on ``as_of`` (:func:`open_view`), whatever its expected
    close date; rates come from deals closed in the trailing quarters up to ``as_of``. A
    quarter's figure never exceeds what the open deals are expected to bring in all (open
    deals x average won deal x win rate): at a pace that would use them up within a quarter
    it is capped there.

    Parameters
    ----------
    data
        The data set.
    quarter
        The report's quarter (the last of the trailing window).
    as_of
        What is known.
    by
        ``team``, ``region``, ``manager``, ``rep_id`` or None (one row).
    trailing
        Quarters behind the rates.

    Returns
    -------
    DataFrame
        ``open_deals, undated, past_due, open_amount, avg_deal, win_rate, cycle_days,
        velocity_per_day, expected, capped, velocity_per_quarter``; ``undated``: open deals
        without an expected close date (in no quarter's pipeline); ``past_due``: with one
        already passed; ``expected``: open deals x average won deal x win rate, what they
        bring in all; ``velocity_per_quarter``: 91 days of velocity, at most ``expected``
        (``capped`` where it is).

    Examples
    --------
    >>> velocity(data, quarter="2026Q3", by="team")  # doctest: +SKIP
    """
    _, end = data.calendar.bounds(quarter)
    as_of_ts = data.default_as_of(quarter) if as_of is None else min(pd.Timestamp(as_of), end)
    qs = trailing_quarters(data, quarter, trailing)
    start, _ = data.calendar.bounds(qs[0])
    closed = closed_deals(data, start=start, as_of=as_of_ts)
    od = open_view(data, as_of_ts)

    def key(f: pd.DataFrame) -> pd.Series:
        return group_labels(data, f, by)

    won = closed[closed["is_won"]]
    k = key(od)
    out = pd.DataFrame(
        {
            "open_deals": od.groupby(k).size(),
            "undated": od["close_date"].isna().groupby(k).sum(),
            "past_due": od["past_due"].groupby(k).sum(),
            "open_amount": od.groupby(k)["amount"].sum(),
            "avg_deal": won.groupby(key(won))["amount"].mean(),
            "win_rate": closed.groupby(key(closed))["is_won"].mean(),
            "cycle_days": won.groupby(key(won))["cycle_days"].mean(),
        }
    )
    for col in ("open_deals", "undated", "past_due"):
        out[col] = out[col].fillna(0).astype("int64")
    out["open_amount"] = out["open_amount"].fillna(0.0)
    out["velocity_per_day"] = (
        out["open_deals"] * out["avg_deal"] * out["win_rate"] / out["cycle_days"]
    )
    # the open deals cannot bring more than they are expected to bring in all
    out["expected"] = out["open_deals"] * out["avg_deal"] * out["win_rate"]
    pace = out["velocity_per_day"] * QUARTER_DAYS
    out["capped"] = (pace > out["expected"]).fillna(False).astype(bool)
    out["velocity_per_quarter"] = pace.where(~out["capped"], out["expected"])
    return out.rename_axis(by or "scope")


QUARTER_DAYS = 91
"""Days in a quarter for the velocity's quarterly figure."""


def open_view(data: SalesData, day: pd.Timestamp) -> pd.DataFrame:
    """The open deals on ``day`` behind every open-deal figure of report 06 that needs close dates.

    :func:`salesops_lib.timeline.open_deals`, the view every report uses (the latest
    snapshot plus deals created since it; without history snapshots the record's close
    dates), so the velocity table, its sentence and the created pipeline's split count the
    same deals with the same close dates as the quarter's pipeline figure.

    Parameters
    ----------
    data
        The data set.
    day
        The as-of date.

    Returns
    -------
    DataFrame
        :data:`salesops_lib.timeline.OPEN_DEAL_COLUMNS`.

    Examples
    --------
    >>> open_view(data, pd.Timestamp("2026-03-31"))["close_date"].isna().sum()  # doctest: +SKIP
    1
    """
    return timeline.open_deals(data, day)


_NEED_COLUMNS = (
    "goal",
    "gap",
    "value_win_rate",
    "from_new_deals",
    "needed_coverage",
    "open_pipeline",
    "pipeline_short",
)
"""The columns of :func:`salesops_lib.analysis.kpis.coverage` the need is made of."""


def creation_vs_need(
    data: SalesData,
    *,
    quarter: str,
    as_of: object | None = None,
    by: str | None = "team",
    target: str | None = None,
) -> pd.DataFrame:
    """Pipeline created in the quarter against what the target quarter's goal needs.

    Need = (the target quarter's goal - what deals not yet created usually add) / the win
    rate by value of the four complete quarters before ``as_of``, all from :func:`salesops_lib.analysis.kpis.coverage` (the figures
    behind :func:`salesops_lib.analysis.outlook.quarter_outlook` and report 01's coverage).
    What was created is followed to ``as_of``: closed by then (the opportunities table),
    open for the target quarter, open for another quarter (or without a close date), both
    with the close dates of :func:`open_view` (the ones the target quarter's pipeline
    figure uses), or open but in no snapshot up to ``as_of`` (created after the latest one).

    Parameters
    ----------
    data
        The data set.
    quarter
        The quarter whose created pipeline is counted (created from its start to ``as_of``).
    as_of
        What is known.
    by
        ``team``, ``region``, ``manager``, ``rep_id`` or None (one row).
    target
        The quarter whose goal the pipeline must serve (default: the one after ``quarter``).

    Returns
    -------
    DataFrame
        ``created, created_deals, created_closed, created_open_target, created_open_other,
        goal_next, value_win_rate, from_new_deals, needed, created_vs_needed, open_next,
        open_vs_needed, pipeline_short``. ``from_new_deals`` is what deals not yet created
        on ``as_of`` usually add to the target quarter's bookings (kpis.coverage's
        allowance, taken off the goal before ``needed``); ``open_next`` is the target quarter's open pipeline on ``as_of``
        (:func:`salesops_lib.timeline.open_pipeline`); ``pipeline_short`` = needed minus
        open pipeline, with bookings already in the target quarter counted at their value
        (kpis.coverage's definition).

    Examples
    --------
    >>> creation_vs_need(data, quarter="2026Q3", by="team")  # doctest: +SKIP
    """
    start, end = data.calendar.bounds(quarter)
    as_of_ts = data.default_as_of(quarter) if as_of is None else min(pd.Timestamp(as_of), end)
    nxt = target or data.calendar.shift(quarter, 1)
    o = data.opportunities
    made_rows = (o["created_date"] >= start) & (o["created_date"] <= as_of_ts)
    made = o[made_rows]
    od = open_view(data, as_of_ts)
    n_start, n_end = data.calendar.bounds(nxt)
    in_next = od["close_date"].between(n_start, n_end).fillna(False).to_numpy(dtype=bool)
    open_next_ids = pd.Index(od.loc[in_next, "opp_id"])
    open_ids = pd.Index(od["opp_id"])
    is_closed = timeline.closed_by(data, as_of_ts)[made_rows.to_numpy(dtype=bool)]
    is_open = isin(made["opp_id"], open_ids)  # one Arrow hash lookup, no object per id
    is_next = isin(made["opp_id"], open_next_ids)
    amount = made["amount"].fillna(0.0)

    def key(f: pd.DataFrame) -> pd.Series:
        return group_labels(data, f, by)

    k = key(made)
    cov = coverage(data, quarter=nxt, as_of=as_of_ts, by=by)
    out = pd.DataFrame(
        {
            "created": amount.groupby(k).sum(),
            "created_deals": amount.groupby(k).size(),
            "created_closed": amount.where(is_closed, 0.0).groupby(k).sum(),
            "created_open_target": amount.where(is_next, 0.0).groupby(k).sum(),
            "created_open_other": amount.where(is_open & ~is_next, 0.0).groupby(k).sum(),
        }
    )
    if by is None:
        out.index = cov.index
    out = out.join(cov[list(_NEED_COLUMNS)], how="outer")
    for col in ("created", "created_closed", "created_open_target", "created_open_other"):
        out[col] = out[col].fillna(0.0)
    out["created_deals"] = out["created_deals"].fillna(0).astype("int64")
    out = out.rename(columns={"goal": "goal_next", "open_pipeline": "open_next"})
    out["goal_next"] = out["goal_next"].fillna(0.0)
    out["from_new_deals"] = out["from_new_deals"].fillna(0.0)
    # the pipeline the goal needs, as report 01's coverage counts it (new deals included)
    # nothing left to book needs no pipeline (kpis.pipeline_needed), not an unknown need
    out["needed"] = (out["gap"].fillna(out["goal_next"]) * out["needed_coverage"]).mask(
        out["gap"] == 0, 0.0
    )
    out["created_vs_needed"] = out["created"] / out["needed"].where(out["needed"] > 0)
    out["open_vs_needed"] = out["open_next"] / out["needed"].where(out["needed"] > 0)
    out = out.drop(columns=["gap", "needed_coverage"])
    return out.rename_axis(by or "scope")
