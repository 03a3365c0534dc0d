"""One stage funnel and one bottleneck rule, shared by rep benchmarking (02) and pipeline health (06).

Both reports ask how closed deals moved through the stages; they take the answer from here,
so they name the same bottleneck from the same deals.

Definitions
-----------
cohort
    The deals closed (won or lost) from the window's first day to the as-of date. Open deals
    are left out: they have not failed, they have not finished.
furthest stage
    With history snapshots: the furthest open stage any snapshot shows the deal in
    (``data.facts.deals["furthest_stage"]``). Won deals passed every stage. A deal no
    snapshot shows in an open stage (created and closed between two snapshots) counts at the
    stage its created date implies. Without snapshots the same two rules give the furthest
    stage: won deals passed every stage; a lost deal reached the stage its created date
    implies, and whether it got further is unknown, so later stages are not measured.
stage a created date implies
    The first open stage whose open deals carry a created date: where the data's leading
    stages never have one (Maven records an engage date, not a creation date, so deals in
    Prospecting have none), a deal with a created date got past them. Usually the first stage.
step conversion
    Deals that reached the next stage (or won) divided by deals that reached this stage.
cumulative conversion
    Deals that reached the stage divided by the deals in the cohort.
bottleneck
    The step with the lowest step conversion over the cohort (ties: the earlier step). It is
    *clear* only when its conversion is lower than the next weakest step's beyond chance: a
    two-sided two-proportion z-test at the 5% level. Otherwise the weakest steps convert
    alike and no single step is the bottleneck.
measurable steps
    With history snapshots every step; without them only the step from the stage a created
    date implies to Won (the steps before it convert 100% by construction, the stages after
    it are unknown), so a funnel without history measures one step and names no bottleneck.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from salesops_lib.analysis.kpis import closed_deals
from salesops_lib.data import SalesData

WON = "Won"
ARROW = " → "
ALL = "All"


def created_stage(data: SalesData) -> int:
    """The index of the first open stage a created date implies (see the module's definitions).

    Parameters
    ----------
    data
        The data set (its opportunities' ``stage``, ``is_closed``, ``created_date``).

    Returns
    -------
    int
        0 unless the data's leading open stages hold open deals none of which has a created
        date; then the number of such stages (at most the last open stage's index).

    Examples
    --------
    >>> created_stage(maven)  # doctest: +SKIP
    1
    """
    stages = list(data.facts.open_stages)
    o = data.opportunities
    is_open = ~o["is_closed"].fillna(False).to_numpy(dtype=bool)
    stage = o["stage"].astype("str").to_numpy()[is_open]
    dated = o["created_date"].notna().to_numpy()[is_open]
    k = 0
    for name in stages[:-1]:
        here = stage == name
        if not here.any() or dated[here].any():
            break
        k += 1
    return k


@dataclass(frozen=True)
class Reached:
    """The furthest stage of each deal of a cohort.

    Attributes
    ----------
    deals
        ``opp_id, rep_id, is_won, opp_row, created_date, reached``: ``reached`` indexes
        ``stages`` (won deals: the last one).
    stages
        The open stages the funnel measures, in order.
    unmeasured
        Open stages after them that cannot be measured (no history snapshots).
    from_history
        The furthest stages come from history snapshots.
    implied
        The stage a created date implies (its name).
    """

    deals: pd.DataFrame
    stages: tuple[str, ...]
    unmeasured: tuple[str, ...]
    from_history: bool
    implied: str

    @property
    def basis(self) -> str:
        """How the furthest stage is known, in a manager's words (one sentence)."""
        if self.from_history:
            return (
                "Each deal counts at the furthest stage a history snapshot shows it in; won deals "
                "passed every stage."
            )
        if not self.stages:
            return "The data has no open stage, so there are no steps to measure."
        first = self.stages[0]
        text = "Without history snapshots, won deals count as having passed every stage"
        if self.implied != first:
            text += (
                f" and a lost deal with a created date as having reached {self.implied} (in this "
                f"data deals in {first} carry no created date)"
            )
        if self.unmeasured:
            later = ", ".join(self.unmeasured)
            text += (
                f"; how far a lost deal got beyond {self.stages[-1]} is unknown, so {later} "
                "cannot be measured"
            )
        return text + "."

    @property
    def measurable(self) -> tuple[str, ...]:
        """The steps whose conversion the data measures (see the module's definitions).

        With history snapshots every step; without them only the step from the stage a
        created date implies to Won: the steps before it convert 100% by construction.
        """
        if not self.stages:
            return ()
        if self.from_history:
            return tuple(step_name(self.stages, i) for i in range(len(self.stages)))
        return (step_name(self.stages, len(self.stages) - 1),)


def stages_reached(data: SalesData, deals: pd.DataFrame) -> Reached:
    """The furthest stage each closed deal reached (see the module's definitions).

    Parameters
    ----------
    data
        The data set (stages from ``data.facts.open_stages``, furthest stages from
        ``data.facts.deals``).
    deals
        Closed deals with ``opp_id, rep_id, is_won, opp_row`` (as
        :func:`~salesops_lib.analysis.kpis.closed_deals` returns them).

    Returns
    -------
    Reached

    Examples
    --------
    >>> r = stages_reached(data, closed_deals(data, start=start, as_of=end))  # doctest: +SKIP
    >>> r.deals["reached"].value_counts()  # doctest: +SKIP
    """
    stages = tuple(data.facts.open_stages)
    k = created_stage(data) if stages else 0
    rows = deals["opp_row"].to_numpy(dtype=np.int64)
    created = data.opportunities["created_date"].to_numpy()[rows]
    out = deals[["opp_id", "rep_id", "is_won", "opp_row"]].reset_index(drop=True)
    out["created_date"] = created
    won = out["is_won"].to_numpy(dtype=bool)
    floor = np.where(pd.notna(created), k, 0)
    has_history = data.history is not None and len(data.history) > 0
    if has_history:
        furthest = data.facts.deals["furthest_stage"].to_numpy()[rows].astype(np.int64)
        measured = stages
        reached = np.maximum(furthest, floor)
        last = len(stages) - 1
    else:
        measured = stages[: k + 1]
        reached = floor
        last = k
    out["reached"] = np.where(won, last, np.minimum(reached, last)).astype(np.int64)
    return Reached(
        deals=out,
        stages=measured,
        unmeasured=stages[len(measured) :],
        from_history=has_history,
        implied=stages[k] if stages else "",
    )


def step_name(stages: tuple[str, ...], i: int) -> str:
    """``"Discovery → Proposal"``: the step from stage ``i`` (the last open stage's goes to Won).

    Parameters
    ----------
    stages
        The measured open stages, in order.
    i
        The index of the stage the step starts from.

    Returns
    -------
    str

    Examples
    --------
    >>> step_name(("Discovery", "Proposal"), 0), step_name(("Discovery", "Proposal"), 1)
    ('Discovery → Proposal', 'Proposal → Won')
    """
    to = stages[i + 1] if i + 1 < len(stages) else WON
    return f"{stages[i]}{ARROW}{to}"


@dataclass(frozen=True)
class Funnel:
    """A cohort's funnel.

    Attributes
    ----------
    table
        ``group, stage, reached, step_rate, cumulative_rate``: one row per stage and group
        (stage order, the last row of each group ``Won``).
    steps
        ``group, step, entered, advanced, rate``: one row per step and group.
    reach
        Each deal's furthest stage.
    start, as_of
        The window of close dates.
    quarters
        The quarters of the window.
    """

    table: pd.DataFrame
    steps: pd.DataFrame
    reach: Reached
    start: pd.Timestamp
    as_of: pd.Timestamp
    quarters: tuple[str, ...]

    @property
    def closed(self) -> int:
        """Deals in the cohort."""
        return len(self.reach.deals)

    @property
    def won(self) -> int:
        """Deals of the cohort won."""
        return int(self.reach.deals["is_won"].sum())

    @property
    def stages(self) -> tuple[str, ...]:
        """The measured open stages followed by Won."""
        return (*self.reach.stages, WON)


def _group(data: SalesData, deals: pd.DataFrame, by: str | None) -> pd.Series:
    if by is None:
        return pd.Series(ALL, index=deals.index)
    reps = data.reps.set_index("rep_id")
    if by not in reps or reps[by].isna().all():
        return pd.Series(ALL, index=deals.index)
    return deals["rep_id"].map(reps[by]).fillna("(none)").astype("str")


def stage_funnel(
    data: SalesData, *, quarters: list[str], as_of: object | None = None, by: str | None = None
) -> Funnel:
    """The funnel of the deals closed in ``quarters`` up to ``as_of``.

    Parameters
    ----------
    data
        The data set.
    quarters
        Consecutive quarters, oldest first; the cohort is the deals closed from the first
        one's start to the last one's end (or ``as_of`` when earlier).
    as_of
        What is known (None: the last quarter's end, or the data's last date).
    by
        A column of the reps table (``segment``, ``team``) to split the funnel by; None (or
        a column the reps do not fill): one group, ``All``.

    Returns
    -------
    Funnel

    Examples
    --------
    >>> f = stage_funnel(data, quarters=["2026Q2", "2026Q3"])  # doctest: +SKIP
    >>> bottleneck(f.steps)  # doctest: +SKIP
    """
    start, _ = data.calendar.bounds(quarters[0])
    _, end = data.calendar.bounds(quarters[-1])
    stop = data.default_as_of(quarters[-1]) if as_of is None else pd.Timestamp(as_of).normalize()
    stop = min(stop, end)
    reach = stages_reached(data, closed_deals(data, start=start, as_of=stop))
    d = reach.deals.assign(group=_group(data, reach.deals, by).to_numpy())
    names = reach.stages
    rows, steps = [], []
    groups = d.groupby("group", sort=True) if names else ()  # no open stage: no funnel
    for group, g in groups:
        counts = [int((g["reached"] >= i).sum()) for i in range(len(names))]
        counts.append(int(g["is_won"].sum()))
        for i, name in enumerate((*names, WON)):
            prev = counts[i - 1] if i else counts[0]
            rows.append(
                (
                    group,
                    name,
                    counts[i],
                    counts[i] / prev if prev else np.nan,
                    counts[i] / counts[0] if counts[0] else np.nan,
                )
            )
            if i:
                steps.append((group, step_name(names, i - 1), prev, counts[i]))
    table = pd.DataFrame(
        rows, columns=["group", "stage", "reached", "step_rate", "cumulative_rate"]
    ).astype({"reached": "int64"})
    st = pd.DataFrame(steps, columns=["group", "step", "entered", "advanced"])
    st["rate"] = st["advanced"] / st["entered"].where(st["entered"] > 0)
    return Funnel(table, st, reach, start, stop, tuple(quarters))


def total_steps(funnel: Funnel) -> pd.DataFrame:
    """The funnel's steps over all its groups together: ``step, entered, advanced, rate``.

    Parameters
    ----------
    funnel
        A :func:`stage_funnel` result (its ``steps``).

    Returns
    -------
    DataFrame
        One row per step in stage order: ``entered`` and ``advanced`` summed over the groups,
        ``rate`` = advanced / entered (NaN when none entered).
    """
    g = funnel.steps.groupby("step", sort=False)[["entered", "advanced"]].sum().reset_index()
    g["rate"] = g["advanced"] / g["entered"].where(g["entered"] > 0)
    return g


@dataclass(frozen=True)
class Bottleneck:
    """The weakest step of a funnel and the one after it in weakness.

    Attributes
    ----------
    step, rate, entered
        The weakest step, its conversion and the deals that entered it.
    next_step, next_rate
        The second weakest (None when the funnel has one step).
    p_value
        Of the two-proportion z-test of the weakest against the next weakest.
    alike
        ``(step, rate)`` of the steps (the weakest first) converting like the weakest.
    best_step, best_rate
        The step converting best.
    """

    step: str
    rate: float
    entered: int
    next_step: str | None
    next_rate: float
    p_value: float = np.nan
    alike: tuple[tuple[str, float], ...] = ()
    best_step: str | None = None
    best_rate: float = np.nan

    @property
    def clear(self) -> bool:
        """The weakest step converts lower than the next weakest beyond chance (5% level)."""
        return self.next_step is not None and bool(self.p_value < SIGNIFICANCE)


SIGNIFICANCE = 0.05
"""Two-sided level below which two conversion rates differ beyond chance."""


def two_proportion_p(won_a: float, n_a: float, won_b: float, n_b: float) -> float:
    """Two-sided p-value of the pooled two-proportion z-test (1.0 when nothing to compare).

    Parameters
    ----------
    won_a, n_a, won_b, n_b
        Successes and trials of the two groups.

    Returns
    -------
    float

    Examples
    --------
    >>> round(two_proportion_p(30, 100, 50, 100), 4)
    0.0039
    """
    if n_a <= 0 or n_b <= 0:
        return 1.0
    pooled = (won_a + won_b) / (n_a + n_b)
    var = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if var <= 0:
        return 1.0 if won_a / n_a == won_b / n_b else 0.0
    z = (won_a / n_a - won_b / n_b) / np.sqrt(var)
    return float(2 * stats.norm.sf(abs(z)))


def bottleneck(steps: pd.DataFrame) -> Bottleneck | None:
    """The step with the lowest conversion (ties: the earlier step); None without any.

    Whether it is lower than the next weakest beyond chance is :attr:`Bottleneck.clear`
    (two-proportion z-test, :func:`two_proportion_p`); ``alike`` lists the steps and their
    conversion (the weakest first) that do not differ from the weakest's beyond chance.

    Parameters
    ----------
    steps
        ``step, entered, rate`` (and ``advanced``; else ``rate x entered``) in stage order
        (e.g. :func:`total_steps`).

    Returns
    -------
    Bottleneck or None

    Examples
    --------
    >>> bottleneck(total_steps(stage_funnel(data, quarters=["2026Q3"])))  # doctest: +SKIP
    """
    s = steps.dropna(subset=["rate"]).reset_index(drop=True)
    if s.empty:
        return None
    if "advanced" not in s:
        s = s.assign(advanced=s["rate"] * s["entered"])
    order = s.assign(pos=range(len(s))).sort_values(["rate", "pos"], kind="stable")
    first = order.iloc[0]
    nxt = order.iloc[1] if len(order) > 1 else None
    best = order.iloc[-1]

    def p_to(row: pd.Series) -> float:
        return two_proportion_p(
            float(first["advanced"]),
            float(first["entered"]),
            float(row["advanced"]),
            float(row["entered"]),
        )

    alike = tuple(
        (str(r["step"]), float(r["rate"])) for _, r in order.iterrows() if p_to(r) >= SIGNIFICANCE
    )
    return Bottleneck(
        step=str(first["step"]),
        rate=float(first["rate"]),
        entered=int(first["entered"]),
        next_step=None if nxt is None else str(nxt["step"]),
        next_rate=np.nan if nxt is None else float(nxt["rate"]),
        p_value=np.nan if nxt is None else p_to(nxt),
        alike=alike,
        best_step=None if nxt is None else str(best["step"]),
        best_rate=np.nan if nxt is None else float(best["rate"]),
    )


def funnel_bottleneck(funnel: Funnel) -> Bottleneck | None:
    """The bottleneck of a funnel, or None when it measures fewer than two steps.

    A funnel without history snapshots measures one step only
    (:attr:`Reached.measurable`): the weakest of one step is no finding.

    Parameters
    ----------
    funnel
        A :class:`Funnel`.

    Returns
    -------
    Bottleneck or None

    Examples
    --------
    >>> funnel_bottleneck(stage_funnel(data, quarters=["2026Q3"]))  # doctest: +SKIP
    """
    if len(funnel.reach.measurable) < 2:
        return None
    return bottleneck(total_steps(funnel))
