"""The look of every chart: one style, money axes, titles that state the finding.

Each chart function takes a frame, draws on ``ax`` (a new one when None) and returns the
Axes; none calls ``show()`` or ``savefig()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator

from salesops_lib.format import money, pct

if TYPE_CHECKING:
    from salesops_lib.analysis.comp import CompPlan

PALETTE = ["#1f5f8b", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#edc948", "#9c755f"]
MUTED = "#b8c4ce"
ACCENT = "#1f5f8b"
GOOD = "#59a14f"
BAD = "#e15759"


def set_style() -> None:
    """Apply the workbench style to matplotlib (idempotent)."""
    mpl.rcParams.update(
        {
            "figure.figsize": (9.0, 4.2),
            "figure.dpi": 100,
            "savefig.dpi": 110,
            "font.size": 10.5,
            "axes.titlesize": 12.5,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "axes.grid.axis": "y",
            "grid.color": "#e6e9ed",
            "axes.prop_cycle": cycler(color=PALETTE),
            "legend.frameon": False,
            "text.parse_math": False,  # names and "$" amounts are text, never math
            "figure.autolayout": True,
        }
    )


def _ax(ax: Axes | None, size: tuple[float, float] | None = None) -> Axes:
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=size)
    return new


def _value_grid_on_x(ax: Axes) -> None:
    """Grid lines along the value (x) axis only, for horizontal charts."""
    ax.grid(axis="x", color="#e6e9ed")
    ax.grid(axis="y", visible=False)


def money_axis(ax: Axes, *, axis: str = "y", currency: str = "USD") -> Axes:
    """Format an axis as compact money (``$1.2M``).

    Parameters
    ----------
    ax
        The Axes whose axis is formatted.
    axis
        ``y`` or ``x``.
    currency
        ISO code of the amounts.

    Returns
    -------
    Axes
        ``ax``.
    """
    fmt = FuncFormatter(lambda v, _: money(v, currency))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)
    return ax


def points_axis(ax: Axes, *, axis: str = "y") -> Axes:
    """Format an axis of share differences as signed percentage points (``+5``, ``−2``, ``0``).

    Parameters
    ----------
    ax
        The Axes whose axis is formatted (values are shares: 0.05 reads +5).
    axis
        ``y`` or ``x``.

    Returns
    -------
    Axes
        ``ax``.
    """
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 5, 10]))
    target.set_major_formatter(FuncFormatter(lambda v, _pos: points(v).replace("-", "−")))
    return ax


def pct_axis(ax: Axes, *, axis: str = "y") -> Axes:
    """Format an axis as whole percentages.

    Parameters
    ----------
    ax
        The Axes whose axis is formatted (values are shares: 1.0 reads 100%).
    axis
        ``y`` or ``x``.

    Returns
    -------
    Axes
        ``ax``.
    """
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 5, 10]))
    target.set_major_formatter(PctTicks())
    return ax


class PctTicks(Formatter):
    """Percentage tick labels with as few decimals as keep every label distinct and exact.

    A narrow axis (win rates from 60% to 62%) gets ``60.5%`` rather than ``61%`` twice;
    a wide one stays whole (``20%``). At most two decimals.

    Examples
    --------
    >>> PctTicks().format_ticks([0.6, 0.605, 0.61])
    ['60.0%', '60.5%', '61.0%']
    >>> PctTicks().format_ticks([0.2, 0.4])
    ['20%', '40%']
    """

    def __call__(self, x: float, pos: int | None = None) -> str:
        """One value, e.g. where the cursor points: whole percentages."""
        return pct(x)

    def format_ticks(self, values: list[float]) -> list[str]:
        """All ticks of the axis at once, with the decimals they need.

        Parameters
        ----------
        values
            The tick positions (shares: 1.0 reads 100%).

        Returns
        -------
        list of str
            One label per value.
        """
        for digits in (0, 1, 2):
            labels = [pct(v, digits) for v in values]
            exact = all(abs(round(v * 100, digits) - v * 100) < 1e-6 for v in values)
            if exact and len(set(labels)) == len(labels):
                return labels
        return [pct(v, 2) for v in values]


def pace_chart(
    pace: pd.DataFrame, *, quarter: str, title: str, currency: str = "USD", ax: Axes | None = None
) -> Axes:
    """Cumulative bookings through the quarter: this quarter bold, earlier ones muted.

    Parameters
    ----------
    pace
        Output of :func:`salesops_lib.analysis.kpis.pace`: ``quarter, day, bookings_to_date,
        share_of_quota``. Plots share of quota when every quarter has one, else bookings.
    quarter
        The quarter drawn bold (a value of ``pace["quarter"]``).
    title
        The chart's title (it states the finding).
    currency
        ISO code of the money amounts (axis and labels as ``$1.2M``).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    ax = _ax(ax)
    use_share = pace["share_of_quota"].notna().all()
    col = "share_of_quota" if use_share else "bookings_to_date"
    ends = []
    for q, g in pace.groupby("quarter", sort=True):
        mine = q == quarter
        ax.plot(
            g["day"],
            g[col],
            color=ACCENT if mine else MUTED,
            lw=2.6 if mine else 1.3,
            label=q,
            zorder=3 if mine else 2,
        )
        ends.append((float(g[col].iloc[-1]), float(g["day"].iloc[-1]), str(q), mine))
    for y, x, q, mine in _spread_labels(ends, ax):
        ax.annotate(
            q,
            (x, y),
            fontsize=8.5,
            color=ACCENT if mine else "#7b8794",
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            annotation_clip=False,
        )
    if use_share:
        ax.axhline(1.0, color="#444", lw=0.8, ls="--")
        pct_axis(ax)
        ax.set_ylabel("Bookings to date / quota")
    else:
        money_axis(ax, currency=currency)
        ax.set_ylabel("Bookings to date")
    ax.set_xlabel("Day of quarter")
    ax.set_title(title)
    return ax


def _spread_labels(
    ends: list[tuple[float, float, str, bool]], ax: Axes, *, gap: float = 0.045
) -> list[tuple[float, float, str, bool]]:
    """End-of-line labels moved apart vertically so none covers another.

    ``ends`` are ``(y, x, label, highlighted)``; labels closer than ``gap`` of the axis'
    height are pushed up in order, keeping their x.
    """
    if not ends:
        return []
    ax.autoscale_view()
    lo, hi = ax.get_ylim()
    step = gap * (hi - lo)
    placed: list[tuple[float, float, str, bool]] = []
    for y, x, q, mine in sorted(ends):
        if placed and y < placed[-1][0] + step:
            y = placed[-1][0] + step
        placed.append((y, x, q, mine))
    return placed


def hbar(
    frame: pd.DataFrame,
    *,
    label: str,
    value: str,
    title: str,
    kind: str = "money",
    target: float | None = None,
    currency: str = "USD",
    xlabel: str | None = None,
    ax: Axes | None = None,
    sort: bool = True,
) -> Axes:
    """Horizontal bars, largest at the top, with an optional target line.

    Rows with a missing label or value are left out; each bar is labelled with its value.

    Parameters
    ----------
    frame
        One row per bar: the ``label`` and ``value`` columns.
    label
        The column naming each bar.
    value
        The column of bar lengths.
    title
        The chart's title (it states the finding).
    kind
        ``money``, ``pct``, ``ratio`` or ``count``: how values and the axis are labelled.
    target
        Draw a dashed line here (e.g. 1.0 for 100% attainment); bars at or above it are green,
        the others red.
    currency
        ISO code of the money amounts (axis and labels as ``$1.2M``).
    xlabel
        The value axis' label (None: none).
    ax
        The Axes to draw on; None: a new figure.
    sort
        False keeps the frame's order, first row at the top (e.g. months in calendar order).

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    data = frame[[label, value]].dropna()
    data = data.sort_values(value) if sort else data.iloc[::-1]
    ax = _ax(ax, (9.0, max(2.2, 0.32 * len(data) + 1.0)))
    colors = [
        GOOD if (target is not None and v >= target) else (BAD if target is not None else ACCENT)
        for v in data[value]
    ]
    ax.barh(data[label].astype("str"), data[value], color=colors)
    fmt = {
        "money": lambda v: money(v, currency),
        "pct": pct,
        "ratio": lambda v: f"{v:.1f}×",
        "count": lambda v: f"{v:,.0f}",
    }[kind]
    for y, v in enumerate(data[value]):
        ax.annotate(
            fmt(v), (v, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8.5
        )
    if target is not None:
        ax.axvline(target, color="#444", lw=0.9, ls="--")
    if kind == "money":
        money_axis(ax, axis="x", currency=currency)
    elif kind == "pct":
        pct_axis(ax, axis="x")
    _value_grid_on_x(ax)
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.set_title(title)
    return ax


def bookings_vs_quota(
    trend: pd.DataFrame,
    *,
    title: str,
    currency: str = "USD",
    label: str = "quarter",
    line: str = "quota",
    line_label: str = "Quota",
    bar_label: str = "Bookings",
    ax: Axes | None = None,
) -> Axes:
    """Bookings bars per quarter with the quota (or a trend) as a line, when there is one.

    Parameters
    ----------
    trend
        ``bookings``, the ``line`` and the ``label`` column, one row per quarter in order.
    title
        The chart's title (it states the finding).
    currency
        ISO code of the money amounts (axis and labels as ``$1.2M``).
    label
        The column naming each quarter on the x axis.
    line, line_label
        The column drawn as a line over the bars (NaN: no point) and its legend label.
    bar_label
        The bars' legend label (they are always the ``bookings`` column: expected bookings
        in a plan, for instance).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    ax = _ax(ax)
    x = np.arange(len(trend))
    ax.bar(x, trend["bookings"], color=ACCENT, label=bar_label, width=0.65)
    if line in trend and trend[line].notna().any():
        ax.plot(x, trend[line], color=PALETTE[1], marker="o", lw=2, label=line_label)
    many = len(trend) > 6  # quarter labels side by side would overlap
    ax.set_xticks(
        x, trend[label].astype("str"), rotation=45 if many else 0, ha="right" if many else "center"
    )
    money_axis(ax, currency=currency)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside the bars, never on them
    ax.set_title(title)
    return ax


def rate_lines(
    trend: pd.DataFrame,
    *,
    columns: dict[str, str],
    title: str,
    label: str = "quarter",
    ax: Axes | None = None,
) -> Axes:
    """Percentage lines per quarter (e.g. attainment and win rate).

    A column with no value at all draws no line. Each point is labelled, with one decimal
    when all points lie within 5 percentage points (else two would read the same).

    Parameters
    ----------
    trend
        One row per quarter in order: the ``columns`` (shares) and the ``label`` column.
    columns
        Column -> legend label.
    title
        The chart's title (it states the finding).
    label
        The column naming each quarter on the x axis.
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    ax = _ax(ax)
    x = np.arange(len(trend))
    drawn = trend[[c for c in columns if trend[c].notna().any()]].to_numpy(dtype=float)
    narrow = drawn.size > 0 and float(np.nanmax(drawn) - np.nanmin(drawn)) < 0.05
    for i, (col, lab) in enumerate(columns.items()):
        if trend[col].notna().any():
            ax.plot(x, trend[col], marker="o", lw=2, color=PALETTE[i], label=lab)
            for xi, v in zip(x, trend[col], strict=True):
                if pd.notna(v):
                    ax.annotate(
                        pct(v, 1 if narrow else 0),
                        (xi, v),
                        xytext=(0, 6),
                        textcoords="offset points",
                        ha="center",
                        fontsize=8,
                    )
    ax.set_xticks(x, trend[label].astype("str"))
    pct_axis(ax)
    ax.legend(loc="best")
    ax.set_title(title)
    return ax


def close_all() -> None:
    """Close every open figure (tests and long notebooks)."""
    plt.close("all")


def funnel(ranking: pd.DataFrame, *, title: str, ax: Axes | None = None) -> Axes:
    """Funnel plot against each rep's own peer group: win rate minus the group's, with its band.

    The verdicts of :func:`salesops_lib.analysis.reps.win_rate_ranking` set each rep's raw
    win rate against the 95% binomial limits of their peer group's rate for that many closed
    deals; so each rep is drawn as the gap to their group's rate (in points) with that rep's
    band of chance as a bar around 0. A dot above its bar is above peers, below it below peers.
    Reps without a verdict (fewer than three reps in the group) are drawn hollow, against the
    rate of all reps, without a band.

    Parameters
    ----------
    ranking
        Output of :func:`salesops_lib.analysis.reps.win_rate_ranking`: ``closed, win_rate,
        peer_win_rate, funnel_lo, funnel_hi, flag`` (``above peers``, ``below peers``,
        ``within chance``, or no verdict).
    title
        The chart's title (it states the finding).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    ax = _ax(ax)
    gap = (ranking["win_rate"] - ranking["peer_win_rate"]) * 100
    judged = ranking["flag"].isin(["above peers", "below peers", "within chance"])
    band = ranking[judged]
    ax.vlines(
        band["closed"],
        (band["funnel_lo"] - band["peer_win_rate"]) * 100,
        (band["funnel_hi"] - band["peer_win_rate"]) * 100,
        color="#d5dce3",
        lw=4,
        label="95% range of chance around the peer group's rate",
        zorder=1,
    )
    ax.axhline(0, color="#444", lw=1, label="The rep's peer group's win rate")
    colors = {"above peers": GOOD, "below peers": BAD, "within chance": MUTED}
    for flag, g in ranking[judged].groupby("flag"):
        ax.scatter(
            g["closed"],
            gap[g.index],
            s=28,
            color=colors[str(flag)],
            label=str(flag),
            zorder=3,
            edgecolor="white",
            lw=0.5,
        )
    alone = ranking[~judged]
    if len(alone):
        ax.scatter(
            alone["closed"],
            gap[alone.index],
            s=28,
            facecolor="none",
            edgecolor="#7b8794",
            label="no verdict: too few peers (against all reps)",
            zorder=3,
        )
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: "0" if v == 0 else f"{v:+.0f}"))
    ax.set_xlabel("Closed deals (won + lost)")
    ax.set_ylabel("Win rate minus the peer group's (points)")
    # below the chart, never on a dot
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8.5)
    ax.set_title(title)
    return ax


def quadrant_scatter(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    x_split: float,
    y_split: float,
    title: str,
    xlabel: str,
    ylabel: str,
    y_pct: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Scatter with two split lines making four named quadrants (``quadrant`` column colours points).

    Parameters
    ----------
    frame
        One row per point: ``x``, ``y`` and ``quadrant`` (the legend counts the points of
        each); rows missing ``x`` or ``y`` are left out. E.g.
        :func:`salesops_lib.analysis.reps.consistency`.
    x, y
        The columns plotted.
    x_split, y_split
        Where the dashed split lines cross the axes.
    title
        The chart's title (it states the finding).
    xlabel, ylabel
        The axis labels.
    y_pct
        Label the y axis as percentages.
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    ax = _ax(ax)
    data = frame.dropna(subset=[x, y])
    for i, (name, g) in enumerate(data.groupby("quadrant")):
        ax.scatter(
            g[x],
            g[y],
            s=30,
            color=PALETTE[i % len(PALETTE)],
            label=f"{name} ({len(g)})",
            edgecolor="white",
            lw=0.5,
        )
    ax.axvline(x_split, color="#444", lw=0.8, ls="--")
    ax.axhline(y_split, color="#444", lw=0.8, ls="--")
    if y_pct:
        pct_axis(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize=8.5)
    ax.set_title(title)
    return ax


def heatmap(matrix: pd.DataFrame, *, title: str, fmt: str = "pp", ax: Axes | None = None) -> Axes:
    """Diverging heat map of a rep x step matrix of gaps (red below the team, blue above).

    Each cell is written in percentage points; :func:`gap_heatmap` is the seaborn version the
    reports use.

    Parameters
    ----------
    matrix
        Rows (reps) x columns (steps) of gaps as shares (-0.05 = 5 points below the team).
    title
        The chart's title (it states the finding).
    fmt
        Not used: cells are always written in percentage points.
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    height = max(3.0, 0.28 * len(matrix) + 1.5)
    ax = _ax(ax, (9.0, height))
    values = matrix.to_numpy(dtype=float)
    lim = np.nanmax(np.abs(values)) if np.isfinite(values).any() else 1.0
    im = ax.imshow(values, cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_xticks(
        range(matrix.shape[1]),
        [str(c) for c in matrix.columns],
        rotation=20,
        ha="right",
        fontsize=8.5,
    )
    ax.set_yticks(range(matrix.shape[0]), [str(i) for i in matrix.index], fontsize=8)
    for (r, c), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(c, r, f"{v * 100:+.0f}", ha="center", va="center", fontsize=7, color="black")
    ax.grid(False)
    cb = ax.figure.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    cb.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:+.0f} points"))
    ax.set_title(title)
    return ax


def tenure_curve(
    curve: pd.DataFrame,
    *,
    reference: float | None,
    title: str,
    currency: str = "USD",
    ax: Axes | None = None,
) -> Axes:
    """Bookings per rep by month of tenure, with the veterans' monthly average as a line.

    Parameters
    ----------
    curve
        ``tenure_month`` (0 = first month; drawn as month 1) and ``bookings_per_rep``, e.g.
        the ``curve`` of :func:`salesops_lib.analysis.reps.ramp_curve`.
    reference
        The ramped reps' monthly average bookings; None or NaN: no line.
    title
        The chart's title (it states the finding).
    currency
        ISO code of the money amounts (axis and labels as ``$1.2M``).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    ax = _ax(ax)
    ax.bar(
        curve["tenure_month"] + 1,
        curve["bookings_per_rep"],
        color=ACCENT,
        width=0.7,
        label="New hires: bookings per rep",
    )
    if reference is not None and np.isfinite(reference):
        ax.axhline(reference, color=PALETTE[1], lw=2, label="Ramped reps' monthly average")
    ax.set_xlabel("Month of tenure")
    money_axis(ax, currency=currency)
    ax.legend(loc="upper left")
    ax.set_title(title)
    return ax


def range_bars(
    frame: pd.DataFrame,
    *,
    label: str,
    mean: str,
    low: str,
    high: str,
    title: str,
    kind: str = "pct",
    target: float | None = None,
    currency: str = "USD",
    mean_label: str = "team average",
    xlabel: str | None = None,
    sort: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal mean markers with a min-max range per row (e.g. each manager's team).

    Rows are sorted by ``mean``, the largest at the top (with ``sort``; else in the frame's
    order, the first at the top).

    Parameters
    ----------
    frame
        One row per range: the ``label``, ``mean``, ``low`` and ``high`` columns.
    label
        The column naming each row.
    mean, low, high
        The columns of the marker and of the range's two ends.
    title
        The chart's title (it states the finding).
    kind
        ``pct``: a percentage axis; ``points``: signed percentage points; anything else: a
        money axis.
    target
        Draw a dashed line here (None: none).
    currency
        ISO code of the money amounts (axis and labels as ``$1.2M``).
    mean_label
        What the marker is (its legend entry).
    xlabel
        The value axis' label (None: none).
    sort
        Sort the rows by ``mean`` (else keep the frame's order).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    data = frame.sort_values(mean) if sort else frame.iloc[::-1]
    ax = _ax(ax, (9.0, max(2.2, 0.4 * len(data) + 1.0)))
    y = np.arange(len(data))
    ax.hlines(y, data[low], data[high], color=MUTED, lw=6)
    ax.scatter(data[mean], y, color=ACCENT, zorder=3, s=40, label=mean_label)
    ax.set_yticks(y, data[label].astype("str"))
    if target is not None:
        ax.axvline(target, color="#444", lw=0.9, ls="--")
    if kind == "pct":
        pct_axis(ax, axis="x")
    elif kind == "points":
        points_axis(ax, axis="x")
    else:
        money_axis(ax, axis="x", currency=currency)
    if xlabel:
        ax.set_xlabel(xlabel)
    _value_grid_on_x(ax)
    ax.set_title(title)
    return ax


def forecast_ranges(
    frame: pd.DataFrame,
    *,
    booked: float,
    recommended: str,
    title: str,
    currency: str = "USD",
    ax: Axes | None = None,
    goal: float | None = None,
    goal_label: str = "goal",
) -> Axes:
    """Each method's point with its 80% (thick) and 95% (thin) range.

    Booked-to-date is drawn as a line, and the quarter's goal as another when given
    (``goal_label`` names it).

    Parameters
    ----------
    frame
        One row per method, the first at the top: ``method, point, lo80, hi80, lo95, hi95``.
    booked
        Bookings so far (the dashed line).
    recommended
        The recommended method (a value of ``method``): drawn in orange and labelled so.
    title
        The chart's title (it states the finding).
    currency
        ISO code of the money amounts (axis and labels as ``$1.2M``).
    ax
        The Axes to draw on; None: a new figure.
    goal
        The quarter's goal (a dotted line); None (or NaN, or 0 or less): no goal line.
    goal_label
        The goal line's label.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    data = frame.reset_index(drop=True)
    ax = _ax(ax, (9.0, max(2.4, 0.55 * len(data) + 1.2)))
    y = np.arange(len(data))[::-1]
    ax.hlines(y, data["lo95"], data["hi95"], color=MUTED, lw=2)
    ax.hlines(y, data["lo80"], data["hi80"], color=PALETTE[0], lw=7, alpha=0.45)
    colors = [PALETTE[1] if m == recommended else ACCENT for m in data["method"]]
    ax.scatter(data["point"], y, color=colors, zorder=3, s=60)
    for yi, v in zip(y, data["point"], strict=True):
        ax.annotate(
            money(v, currency),
            (v, yi),
            xytext=(0, 9),
            textcoords="offset points",
            ha="center",
            fontsize=8.5,
        )
    ax.axvline(booked, color="#444", ls="--", lw=1)
    ax.annotate("booked so far", (booked, y.max() + 0.4), fontsize=8, color="#444", ha="left")
    bottom = -0.6
    if goal is not None and np.isfinite(goal) and goal > 0:
        bottom = -0.9  # room for the goal's note below the last method
        ax.axvline(goal, color=BAD, ls=":", lw=1.4)
        lo, hi = ax.get_xlim()
        if goal > hi or goal < lo:  # keep the goal on the chart
            pad = 0.04 * (max(hi, goal) - min(lo, goal))
            lo, hi = min(lo, goal - pad), max(hi, goal + pad)
            ax.set_xlim(lo, hi)
        right = goal > (lo + hi) / 2  # the note on the side with room, below the last method
        ax.annotate(
            goal_label,
            (goal, -0.6),
            fontsize=8,
            color=BAD,
            ha="right" if right else "left",
            va="center",
            xytext=(-4 if right else 4, 0),
            textcoords="offset points",
        )
    ax.set_ylim(bottom, y.max() + 0.8)  # room for the top point's label and the lines' notes
    ax.set_yticks(y, [f"{m} (recommended)" if m == recommended else m for m in data["method"]])
    money_axis(ax, axis="x", currency=currency)
    _value_grid_on_x(ax)
    ax.set_title(title)
    return ax


def lines_by(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    hue: str,
    title: str,
    xlabel: str,
    ylabel: str,
    kind: str = "pct",
    highlight: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """One line per ``hue`` value (e.g. WAPE by week of quarter per method).

    Parameters
    ----------
    frame
        Long frame: the ``x``, ``y`` and ``hue`` columns.
    x, y
        The columns plotted (each line sorted by ``x``).
    hue
        The column whose values each get a line (and a legend entry).
    title
        The chart's title (it states the finding).
    xlabel, ylabel
        The axis labels.
    kind
        ``pct``: a percentage y axis; anything else: plain numbers.
    highlight
        The ``hue`` value drawn thicker (None: none).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    ax = _ax(ax)
    groups = list(frame.groupby(hue, sort=True))
    colours = line_colours(len(groups))
    for (name, g), colour in zip(groups, colours, strict=True):
        g = g.sort_values(x)
        lw = 3 if name == highlight else 1.6
        ax.plot(g[x], g[y], marker="o", lw=lw, color=colour, label=str(name))
    if kind == "pct":
        pct_axis(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    # beside the plot, never on the lines
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5)
    ax.set_title(title)
    return ax


EXTRA_COLOURS = ["#4e4e4e", "#ff9da7", "#8cd17d", "#499894", "#d4a6c8", "#86bcb6", "#fabfd2"]
"""Colours after :data:`PALETTE` for charts with more lines than it has colours."""


def line_colours(n: int) -> list[str]:
    """``n`` colours, all different while :data:`PALETTE` and :data:`EXTRA_COLOURS` last.

    Parameters
    ----------
    n
        How many lines.

    Returns
    -------
    list of str
        :data:`PALETTE` first, then :data:`EXTRA_COLOURS` (distinct for up to 15 lines; past
        that they repeat in the same order).
    """
    pool = [*PALETTE, *EXTRA_COLOURS]
    return [pool[i % len(pool)] for i in range(n)]


def forecast_vs_actual(
    bt: pd.DataFrame, *, method: str, title: str, currency: str = "USD", ax: Axes | None = None
) -> Axes:
    """A method's backtest forecasts (with 80% range) against actual bookings by quarter.

    Parameters
    ----------
    bt
        Backtest rows: ``method, quarter, actual, forecast, lo80, hi80`` (one row per
        quarter for the method, in order).
    method
        The method shown (a value of ``method``).
    title
        The chart's title (it states the finding).
    currency
        ISO code of the money amounts (axis and labels as ``$1.2M``).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    ax = _ax(ax)
    d = bt[bt["method"] == method].reset_index(drop=True)
    x = np.arange(len(d))
    ax.bar(x, d["actual"], color=MUTED, width=0.6, label="Actual bookings")
    if d["lo80"].notna().any():
        ax.vlines(x, d["lo80"], d["hi80"], color=PALETTE[1], lw=3, label="80% range")
    ax.scatter(x, d["forecast"], color=PALETTE[1], zorder=3, label=f"{method} forecast")
    ax.set_xticks(x, d["quarter"])
    money_axis(ax, currency=currency)
    ax.legend(loc="upper left", fontsize=8.5)
    ax.set_title(title)
    return ax


def waterfall(
    movement: pd.DataFrame, *, title: str, currency: str = "USD", ax: Axes | None = None
) -> Axes:
    """Pipeline waterfall: start and end as full bars, inflows up (green) and outflows down (red).

    :func:`waterfall_h` is the horizontal version the reports use.

    Parameters
    ----------
    movement
        One row per step in order: ``step`` (``start``, ``created``, ``pulled_in``,
        ``amount_change``, ``won``, ``lost``, ``slipped_out``, ``end``) and ``amount``
        (outflows negative).
    title
        The chart's title (it states the finding).
    currency
        ISO code of the money amounts (axis and labels as ``$1.2M``).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    ax = _ax(ax)
    labels = {
        "start": "Start",
        "created": "Created",
        "pulled_in": "Pulled in",
        "amount_change": "Amount changes",
        "won": "Won",
        "lost": "Lost",
        "slipped_out": "Slipped out",
        "end": "End",
    }
    running = 0.0
    for i, row in enumerate(movement.itertuples()):
        if row.step in ("start", "end"):
            ax.bar(i, row.amount, color=ACCENT)
            running = row.amount if row.step == "start" else running
            top = row.amount
        else:
            bottom = running if row.amount >= 0 else running + row.amount
            ax.bar(i, abs(row.amount), bottom=bottom, color=GOOD if row.amount >= 0 else BAD)
            running += row.amount
            top = max(running, running - row.amount)
        ax.annotate(
            money(row.amount, currency),
            (i, top),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=8.5,
        )
    ax.set_xticks(range(len(movement)), [labels.get(s, s) for s in movement["step"]])
    money_axis(ax, currency=currency)
    ax.set_title(title)
    return ax


def payout_curve(
    plan: CompPlan,
    statements: pd.DataFrame,
    *,
    title: str,
    currency: str = "USD",
    ax: Axes | None = None,
) -> Axes:
    """The plan's quarterly variable pay by attainment, with each rep as a point.

    Tier starts are dotted lines; the threshold and the cap, when the plan has them, dashed.

    Parameters
    ----------
    plan
        The comp plan (:class:`~salesops_lib.analysis.comp.CompPlan`).
    statements
        One row per rep: ``attainment`` and ``variable_pay``; may be empty.
    title
        The chart's title (it states the finding).
    currency
        ISO code of the money amounts (axis and labels as ``$1.2M``).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    ax = _ax(ax)
    top = max(3.0, float(statements["attainment"].max()) * 1.05 if len(statements) else 3.0)
    x = np.linspace(0, top, 600)
    ax.plot(x, plan.payout(x), color=ACCENT, lw=2.2, label="Plan payout curve")
    if len(statements):
        ax.scatter(
            statements["attainment"],
            statements["variable_pay"],
            color=PALETTE[1],
            s=26,
            zorder=3,
            label="Reps",
            edgecolor="white",
            lw=0.5,
        )
    for t in plan.tiers[1:]:
        ax.axvline(t.start, color=MUTED, lw=0.8, ls=":")
    if plan.threshold is not None:
        ax.axvline(plan.threshold, color=BAD, lw=0.8, ls="--", label="Threshold")
    if plan.cap is not None:
        ax.axvline(plan.cap, color="#444", lw=0.8, ls="--", label="Cap")
    pct_axis(ax, axis="x")
    money_axis(ax, currency=currency)
    ax.set_xlabel("Attainment")
    ax.set_ylabel("Quarterly variable pay")
    ax.legend(loc="upper left", fontsize=8.5)
    ax.set_title(title)
    return ax


# ---------------------------------------------------------------------------------------
# reports 02 and 06: funnel by stage name, horizontal waterfall, paired bars, seaborn charts


def stage_funnel(
    frame: pd.DataFrame,
    *,
    title: str,
    stage: str = "stage",
    value: str = "cumulative_rate",
    hue: str = "group",
    ax: Axes | None = None,
) -> Axes:
    """Share of deals reaching each stage, one line per group, stage names on the x axis.

    Parameters
    ----------
    frame
        One row per group and stage in stage order (e.g.
        :attr:`salesops_lib.analysis.funnel.Funnel.table`): ``stage``, ``value``, ``hue``.
    title
        The chart's title (it states the finding).
    stage
        The column of stage names.
    value
        The column of shares reaching the stage (0-1).
    hue
        The column naming each line's group (a legend only when there are several).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    ax = _ax(ax)
    order = list(dict.fromkeys(frame[stage].astype("str")))
    x = {name: i for i, name in enumerate(order)}
    groups = list(dict.fromkeys(frame[hue].astype("str")))
    ends = []
    for i, name in enumerate(groups):
        g = frame[frame[hue].astype("str") == name]
        xs = [x[s] for s in g[stage].astype("str")]
        ax.plot(xs, g[value], marker="o", lw=2, color=PALETTE[i % len(PALETTE)], label=name)
        last = g.iloc[-1]
        ends.append((float(last[value]), xs[-1], PALETTE[i % len(PALETTE)]))
    # end labels: one per group, pushed apart so close values never overlap
    placed = spread_labels([v for v, _, _ in ends], gap=0.045)
    for (v, xe, color), y in zip(ends, placed, strict=True):
        ax.annotate(
            pct(v),
            (xe, v),
            xytext=(xe + 0.12, y),
            textcoords="data",
            va="center",
            fontsize=9,
            color=color,
            arrowprops=None,
        )
    ax.set_xticks(range(len(order)), order)
    ax.set_xlim(-0.3, len(order) - 0.25)
    ax.set_ylim(0, 1.05)
    pct_axis(ax)
    ax.set_xlabel("Stage reached")
    ax.set_ylabel("Share of closed deals")
    if len(groups) > 1:
        ax.legend(loc="lower left", fontsize=8.5, title=None)
    ax.set_title(title)
    return ax


def waterfall_h(
    movement: pd.DataFrame,
    *,
    title: str,
    label: str = "label",
    currency: str = "USD",
    ax: Axes | None = None,
) -> Axes:
    """Horizontal pipeline waterfall, first step at the top, each amount written beside its bar.

    Start and end are full bars, inflows green, outflows red; labels never collide. The axis
    starts at 0, so the totals' bars are in proportion (a bar cut short would make $2.3M
    look five times $1.6M).

    Parameters
    ----------
    movement
        One row per step in order (``step``: ``start`` ... ``end``), ``amount`` (outflows
        negative) and the ``label`` column naming each step.
    title
        The chart's title (it states the finding).
    label
        The column naming each step on the y axis.
    currency
        ISO code of the money amounts (axis and labels as ``$1.2M``).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    n = len(movement)
    ax = _ax(ax, (9.0, max(2.6, 0.42 * n + 1.2)))
    running = 0.0
    spans = []
    for row in movement.itertuples():
        v = float(row.amount)
        if row.step in ("start", "end"):
            left, width, color = 0.0, v, ACCENT
            running = v if row.step == "start" else running
        else:
            left, width = (running, v) if v >= 0 else (running + v, -v)
            color = GOOD if v >= 0 else BAD
            running += v
        spans.append((left, width, color, v))
    y = np.arange(n)[::-1]
    top = max((left + width for left, width, _, _ in spans), default=0.0)
    for yi, (left, width, color, v) in zip(y, spans, strict=True):
        ax.barh(yi, width, left=left, color=color, height=0.6)
        ax.annotate(
            money(v, currency),
            (left + width, yi),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
        )
    ax.set_yticks(y, movement[label].astype("str"))
    ax.set_axisbelow(True)
    ax.set_xlim(0, top * 1.15 if top > 0 else 1)
    money_axis(ax, axis="x", currency=currency)
    _value_grid_on_x(ax)
    ax.set_title(title)
    return ax


def paired_hbar(
    frame: pd.DataFrame,
    *,
    label: str,
    values: dict[str, str],
    title: str,
    kind: str = "pct",
    target: float | None = None,
    xlabel: str | None = None,
    currency: str = "USD",
    ax: Axes | None = None,
) -> Axes:
    """Two (or more) horizontal bars per row, one per column of ``values`` (column -> legend).

    Parameters
    ----------
    frame
        One row per group: the ``label`` column and each column of ``values``; a missing
        value draws no bar and no label.
    label
        The column naming each row (the first row at the top).
    values
        Column -> legend label, one bar each.
    title
        The chart's title (it states the finding).
    kind
        ``pct``, ``money`` or ``ratio``: how values and the axis are labelled.
    target
        Draw a dashed line here (e.g. 1.0); a share that rounds to it but is not it is
        written with one decimal (99.7%, not 100%).
    xlabel
        The value axis' label (None: none).
    currency
        ISO code of the money amounts (axis and labels as ``$1.2M``).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    data = frame.reset_index(drop=True)
    k = len(values)
    ax = _ax(ax, (9.0, max(2.4, 0.3 * k * len(data) + 1.4)))
    height = 0.8 / k
    y = np.arange(len(data))[::-1]

    def near(v: float) -> str:  # 99.7% must not read as the 100% target
        return pct(v, 1) if target is not None and round(v, 2) == target != v else pct(v)

    fmt = {"money": lambda v: money(v, currency), "pct": near, "ratio": lambda v: f"{v:.1f}×"}[kind]
    for j, (col, name) in enumerate(values.items()):
        pos = y + (k - 1) / 2 * height - j * height
        vals = data[col].astype("float64")
        ax.barh(pos, vals.fillna(0.0), height=height * 0.95, color=PALETTE[j], label=name)
        for p, v in zip(pos, vals, strict=True):
            if pd.notna(v):
                ax.annotate(
                    fmt(v),
                    (v, p),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                )
    ax.set_yticks(y, data[label].astype("str"))
    ax.set_axisbelow(True)
    if target is not None:
        ax.axvline(target, color="#444", lw=0.9, ls="--")
    if kind == "pct":
        pct_axis(ax, axis="x")
    elif kind == "money":
        money_axis(ax, axis="x", currency=currency)
    _value_grid_on_x(ax)
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.legend(loc="lower right", fontsize=8.5)
    ax.set_title(title)
    return ax


def gap_heatmap(
    matrix: pd.DataFrame, *, title: str, xlabel: str = "Step", ax: Axes | None = None
) -> Axes:
    """Seaborn heat map of a rep x step matrix of gaps to the team, in percentage points.

    Red is below the team, blue above; step names on the x axis.

    Parameters
    ----------
    matrix
        Rows (reps) x columns (steps, e.g. "Discovery → Proposal") of gaps as shares
        (-0.05 = 5 points below the team); NaN cells stay blank.
    title
        The chart's title (it states the finding).
    xlabel
        The x axis' label.
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    import seaborn as sns

    height = max(3.0, 0.42 * len(matrix) + 2.0)
    ax = _ax(ax, (9.0, height))
    values = matrix.to_numpy(dtype=float)
    lim = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    lim = lim or 1.0
    labels = np.vectorize(lambda v: "" if not np.isfinite(v) else points(v))(values)
    sns.heatmap(
        matrix.astype(float),
        ax=ax,
        cmap="RdBu",
        center=0.0,
        vmin=-lim,
        vmax=lim,
        annot=labels,
        fmt="",
        annot_kws={"fontsize": 10},
        linewidths=0.5,
        linecolor="white",
        cbar_kws={"format": FuncFormatter(lambda v, _: f"{points(v)} points"), "fraction": 0.04},
    )
    ax.set_xticklabels([str(c) for c in matrix.columns], rotation=15, ha="right", fontsize=10)
    ax.set_yticklabels([str(i) for i in matrix.index], rotation=0, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.grid(False)
    ax.set_title(title)
    return ax


def peer_distribution(
    frame: pd.DataFrame,
    *,
    value: str,
    group: str,
    title: str,
    kind: str = "pct",
    xlabel: str = "",
    currency: str = "USD",
    ax: Axes | None = None,
) -> Axes:
    """Seaborn box plot of ``value`` per ``group`` with every rep as a dot (one row per group).

    Groups are ordered by their median, highest at the top; rows missing ``value`` are left
    out.

    Parameters
    ----------
    frame
        One row per rep: the ``value`` and ``group`` columns.
    value
        The column plotted.
    group
        The column naming each rep's group (e.g. ``peer_group``).
    title
        The chart's title (it states the finding).
    kind
        ``pct``: a percentage axis; anything else: a money axis.
    xlabel
        The value axis' label.
    currency
        ISO code of the money amounts (axis and labels as ``$1.2M``).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    import seaborn as sns

    data = frame.dropna(subset=[value]).copy()
    data[group] = data[group].astype("str")
    order = data.groupby(group)[value].median().sort_values(ascending=False).index.tolist()
    ax = _ax(ax, (9.0, max(2.4, 0.55 * len(order) + 1.2)))
    sns.boxplot(
        data=data,
        x=value,
        y=group,
        order=order,
        ax=ax,
        color="#dbe4ec",
        fliersize=0,
        width=0.55,
        linewidth=1,
    )
    # each rep a dot, spread up and down by a fixed jitter so the same data draws the same chart
    row = data[group].map({name: i for i, name in enumerate(order)}).to_numpy(dtype=float)
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(data))
    ax.scatter(data[value], row + jitter, s=16, color=ACCENT, alpha=0.8, zorder=3)
    if kind == "pct":
        pct_axis(ax, axis="x")
    else:
        money_axis(ax, axis="x", currency=currency)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    _value_grid_on_x(ax)
    ax.set_title(title)
    return ax


def payout_curves(
    curves: pd.DataFrame,
    *,
    title: str,
    points: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Every plan's payout curve as a share of its target pay, with reps as points.

    Parameters
    ----------
    curves
        ``plan, attainment, payout_pct`` (payout as a share of the plan's variable target)
        and ``current`` (bool: current plans solid, candidates dashed).
    title
        States the finding.
    points
        ``plan, attainment, payout_pct`` of reps (drawn in their plan's colour); None or
        empty: none.
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    ax = _ax(ax)
    plans = list(dict.fromkeys(curves["plan"]))
    colour = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(plans)}
    for p in plans:
        g = curves[curves["plan"] == p]
        cur = bool(g["current"].iloc[0])
        ax.plot(
            g["attainment"],
            g["payout_pct"],
            color=colour[p],
            lw=2.2 if cur else 1.6,
            ls="-" if cur else "--",
            label=f"{p} ({'current' if cur else 'candidate'})",
        )
    if points is not None and len(points):
        for p, g in points.groupby("plan", sort=False):
            ax.scatter(
                g["attainment"],
                g["payout_pct"],
                color=colour.get(p, MUTED),
                s=24,
                zorder=3,
                edgecolor="white",
                lw=0.5,
            )
    ax.axvline(1.0, color="#444", lw=0.8, ls=":")
    pct_axis(ax, axis="x")
    pct_axis(ax)
    ax.set_xlabel("Attainment (bookings ÷ quota)")
    ax.set_ylabel("Variable pay as a share of target pay")
    ax.legend(loc="upper left", fontsize=8.5)
    ax.set_title(title)
    return ax


def pay_vs_bookings(
    frame: pd.DataFrame,
    *,
    title: str,
    x: str = "bookings",
    y: str = "variable_pay",
    hue: str = "plan",
    order: list[str] | None = None,
    currency: str = "USD",
    ax: Axes | None = None,
) -> Axes:
    """Each rep's variable pay against the dollars booked, one colour per plan (seaborn).

    Parameters
    ----------
    frame
        One row per rep: ``x`` (bookings), ``y`` (variable pay) and ``hue`` (plan).
    title
        The chart's title (it states the finding).
    x, y
        The columns of bookings and of variable pay.
    hue
        The column naming each rep's plan.
    order
        Every plan in the order :func:`payout_curves` colours them, so a plan keeps its
        colour across charts (None: the order of appearance).
    currency
        ISO code of the money amounts (axis and labels as ``$1.2M``).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    import seaborn as sns

    ax = _ax(ax)
    everyone = list(order) if order else list(dict.fromkeys(frame[hue]))
    shown = [h for h in everyone if h in set(frame[hue])]
    colour = {h: PALETTE[i % len(PALETTE)] for i, h in enumerate(everyone)}
    sns.scatterplot(
        data=frame,
        x=x,
        y=y,
        hue=hue,
        hue_order=shown,
        palette=[colour[h] for h in shown],
        s=34,
        edgecolor="white",
        linewidth=0.5,
        ax=ax,
    )
    money_axis(ax, axis="x", currency=currency)
    money_axis(ax, currency=currency)
    ax.set_xlabel("Bookings this quarter")
    ax.set_ylabel("Variable pay this quarter")
    ax.legend(title=None, loc="upper left", fontsize=8.5)
    ax.set_title(title)
    return ax


def distribution(
    frame: pd.DataFrame,
    *,
    value: str,
    title: str,
    xlabel: str,
    kind: str = "money",
    currency: str = "USD",
    ax: Axes | None = None,
) -> Axes:
    """How a value spreads across rows (e.g. bookings per rep): a histogram (seaborn).

    Parameters
    ----------
    frame
        One row per rep: the ``value`` column.
    value
        The column counted into 5 to 20 bins.
    title
        The chart's title (it states the finding).
    xlabel
        The value axis' label (the count axis reads ``Reps``).
    kind
        ``money`` or ``pct``: how the value axis is labelled (anything else: plain).
    currency
        ISO code of the money amounts (axis and labels as ``$1.2M``).
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on.
    """
    import seaborn as sns

    ax = _ax(ax)
    sns.histplot(data=frame, x=value, bins=min(20, max(5, len(frame) // 2)), color=ACCENT, ax=ax)
    if kind == "money":
        money_axis(ax, axis="x", currency=currency)
    elif kind == "pct":
        pct_axis(ax, axis="x")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Reps")
    ax.set_title(title)
    return ax


# ---------------------------------------------------------------------------------------
# reports 02 and 06: helpers and per-segment ramp curves


def points(share: float) -> str:
    """A gap in percentage points as a heat map writes it: ``+5``, ``-3``, ``0``.

    Never ``+0`` or ``-0``: a gap that rounds to zero is written ``0``.

    Parameters
    ----------
    share
        The gap as a share (0.052 is 5.2 points).

    Returns
    -------
    str

    Examples
    --------
    >>> points(0.052), points(-0.004), points(0.0)
    ('+5', '0', '0')
    """
    v = round(float(share) * 100)
    return "0" if v == 0 else f"{v:+d}"


def spread_labels(values: list[float], *, gap: float) -> list[float]:
    """Label heights for ``values``, each at least ``gap`` from the next.

    Each label stays as near its value as that allows, and the order of the values is kept.

    Parameters
    ----------
    values
        The values the labels belong to.
    gap
        The smallest distance between two labels, in the values' unit.

    Returns
    -------
    list of float
        One height per value, in the values' order.

    Examples
    --------
    >>> [round(v, 3) for v in spread_labels([0.27, 0.28, 0.5], gap=0.05)]
    [0.25, 0.3, 0.5]
    """
    if not values:
        return []
    order = sorted(range(len(values)), key=lambda i: values[i])
    sorted_v = [values[i] for i in order]
    # clusters of neighbouring labels, each centred on its values' mean, merged while they overlap
    clusters = [[v] for v in sorted_v]

    def span(c: list[float]) -> tuple[float, float]:
        mid = sum(c) / len(c)
        return mid - gap * (len(c) - 1) / 2, mid + gap * (len(c) - 1) / 2

    merged = True
    while merged:
        merged = False
        for k in range(1, len(clusters)):
            if span(clusters[k])[0] - span(clusters[k - 1])[1] < gap - 1e-12:
                clusters[k - 1] = clusters[k - 1] + clusters.pop(k)
                merged = True
                break
    ys = []
    for c in clusters:
        lo, _ = span(c)
        ys += [lo + gap * j for j in range(len(c))]
    out = [0.0] * len(values)
    for pos, i in enumerate(order):
        out[i] = ys[pos]
    return out


def tenure_curves(
    curve: pd.DataFrame,
    *,
    references: pd.DataFrame,
    title: str,
    group: str = "group",
    currency: str = "USD",
    ax: Axes | None = None,
) -> Axes:
    """New hires' bookings per rep by month of tenure, one line per group (segment).

    Each group's ramped reps' monthly average is a dashed line of the same colour; the legend
    sits below the chart, clear of the lines.

    Parameters
    ----------
    curve
        ``group, tenure_month, bookings_per_rep`` (e.g. ``ramp_curve(...)["curve"]``).
    references
        Indexed by group: ``veteran_monthly`` (the ramped average).
    title
        The chart's title (what it shows).
    group
        The column of ``curve`` naming each line's group.
    currency
        The currency of the money axis.
    ax
        Draw here (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _ax(ax, (9.0, 4.6))
    names = list(dict.fromkeys(curve[group].astype("str")))
    for i, name in enumerate(names):
        g = curve[curve[group].astype("str") == name]
        color = PALETTE[i % len(PALETTE)]
        ax.plot(
            g["tenure_month"] + 1,
            g["bookings_per_rep"],
            marker="o",
            lw=2,
            color=color,
            label=f"{name}: new hires" if name != "All reps" else "New hires",
        )
        ref = references["veteran_monthly"].get(name, np.nan) if len(references) else np.nan
        if np.isfinite(ref):
            ax.axhline(
                ref,
                color=color,
                lw=1.4,
                ls="--",
                label=f"{name}: ramped average" if name != "All reps" else "Ramped average",
            )
    ax.set_xlabel("Month of tenure")
    ax.set_ylabel("Bookings per rep in the month")
    money_axis(ax, currency=currency)
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=min(3, max(1, len(names))),
        fontsize=9,
    )
    ax.set_title(title)
    return ax


def forecast_by_week(
    weeks: pd.DataFrame,
    *,
    title: str,
    currency: str = "USD",
    quota: float | None = None,
    outcome: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """A quarter's forecast as of each week: its 80% range as a band, bookings so far, quota, outcome.

    Parameters
    ----------
    weeks
        One row per week: ``week, as_of, point, lo80, hi80, booked``
        (:func:`salesops_lib.analysis.weekly.forecast_by_week`); NaN range ends: no band there.
    title
        The chart's title (it states the finding).
    currency
        ISO code of the money amounts.
    quota
        The quarter's quota (a flat line); None: none.
    outcome
        What the quarter closed at (a dashed line); None: not closed yet.
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on (lines labelled ``Forecast``, ``Booked so far``, ``Quota``,
        ``Outcome``; the band ``80% range``).
    """
    ax = _ax(ax, (9.0, 4.2))
    x = weeks["week"].to_numpy(dtype=float)
    lo, hi = weeks["lo80"].to_numpy(dtype=float), weeks["hi80"].to_numpy(dtype=float)
    ranged = np.isfinite(lo) & np.isfinite(hi)
    if ranged.any():
        ax.fill_between(
            x, lo, hi, where=ranged, color=PALETTE[0], alpha=0.18, lw=0, label="80% range"
        )
    ax.plot(
        x, weeks["point"], color=PALETTE[0], lw=2.4, marker="o", ms=4, label="Forecast", zorder=3
    )
    ax.plot(x, weeks["booked"], color="#7b8794", lw=1.6, label="Booked so far")
    if quota is not None and np.isfinite(quota) and quota > 0:
        ax.axhline(quota, color=BAD, lw=1.4, label="Quota")
    if outcome is not None and np.isfinite(outcome):
        ax.axhline(outcome, color="#222", lw=1.4, ls="--", label="Outcome")
    dates = pd.to_datetime(weeks["as_of"])
    step = 2 if len(x) > 8 else 1
    ax.set_xticks(
        x[::step], [f"{int(w)}\n{d:%b %d}" for w, d in zip(x[::step], dates[::step], strict=True)]
    )
    ax.set_xlabel("Week of quarter (end of the week)")
    money_axis(ax, currency=currency)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=8.5, ncol=5, bbox_to_anchor=(0, -0.22))
    ax.set_title(title)
    return ax


def balance_dots(
    frame: pd.DataFrame,
    *,
    label: str,
    share: str,
    band: float,
    title: str,
    after: str | None = None,
    xlabel: str = "Potential as a share of the team's average territory",
    ax: Axes | None = None,
) -> Axes:
    """Each territory's share of its group's average as a dot, with the balanced band shaded.

    Parameters
    ----------
    frame
        One row per territory: ``label`` and ``share`` (1.0 is the average), and ``after``
        (the share after a realignment) when given; first row drawn at the top.
    label
        The column naming each row.
    share
        The column of today's shares.
    band
        The band drawn around 1.0 (``1 ± band``).
    title
        The chart's title (it states the finding).
    after
        A column of shares after the proposed moves, drawn as hollow dots joined to today's;
        None: today only.
    xlabel
        The value axis' label.
    ax
        The Axes to draw on; None: a new figure.

    Returns
    -------
    Axes
        The Axes drawn on: one marker collection per series drawn.
    """
    data = frame.iloc[::-1].reset_index(drop=True)
    ax = _ax(ax, (9.0, max(2.4, 0.22 * len(data) + 1.2)))
    y = np.arange(len(data))
    ax.axvspan(1 - band, 1 + band, color=GOOD, alpha=0.15, lw=0)
    ax.axvline(1.0, color="#444", lw=0.8, ls="--")
    today = data[share].astype(float)
    inside = (today - 1).abs() <= band + 1e-9
    ax.scatter(today, y, c=[ACCENT if k else BAD for k in inside], s=28, zorder=3, label="Today")
    if after is not None:
        moved = data[after].astype(float)
        ax.hlines(y, today, moved, color=MUTED, lw=1.0, zorder=2)
        ax.scatter(
            moved,
            y,
            facecolors="none",
            edgecolors=ACCENT,
            s=28,
            zorder=3,
            label="After the proposed moves",
        )
        ax.legend(loc="lower right", fontsize=8.5, frameon=False)
    ax.set_yticks(y, data[label].astype("str"), fontsize=8)
    ax.set_ylim(-0.7, len(data) - 0.3)
    pct_axis(ax, axis="x")
    _value_grid_on_x(ax)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return ax
