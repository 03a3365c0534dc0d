"""Report 03, forecasting: what will the quarter close at, and how far to trust it?

:func:`build` returns a :class:`Forecasting`: every method's forecast of the quarter ahead,
the backtest that decides which one is recommended (one backtest, the one the report
shows: the forecast's own week of quarter over ``backtest_quarters`` earlier quarters), how
often each method's ranges held the actual in it, the shared reckoning of the quarter
(:mod:`salesops_lib.analysis.outlook`) and how the forecast relates to it, what is at risk
in the quarter's open pipeline, and the forecast by team. Every sentence is a function of
the numbers beside it (tested in ``tests/test_reports_forecasting.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib import timeline
from salesops_lib.analysis import forecast
from salesops_lib.analysis.kpis import UNASSIGNED
from salesops_lib.analysis.outlook import Outlook, outlook_quarter, quarter_outlook
from salesops_lib.data import SalesData
from salesops_lib.format import pct
from salesops_lib.reports.base import (
    ADD_HISTORY,
    NO_HISTORY,
    Finding,
    Gap,
    Header,
    MoneyFormat,
    Period,
    Tile,
    bold,
    count,
    header,
    listing,
    money_in,
    period_of,
    status_of,
    team_or_company,
)
from salesops_lib.reports.deals import deal_rows, deal_spec
from salesops_lib.reports.definitions import pick
from salesops_lib.reports.outlook import outlook_sentence
from salesops_lib.reports.tables import Column, Table, TableSpec

WEEKS = (0, 4, 8)
"""Weeks of the quarter every method is also backtested at (besides the forecast's own)."""

LARGEST = 10
PAST_DUE_ROWS = 20
TEAM_METHODS = ("pipeline", "win_model", "rep_call")
"""The methods that can be split by team (the others forecast the company total only)."""

SECTION_FORECAST = "What will the quarter close at?"
SECTION_ACCURACY = "How accurate has each method been?"
SECTION_RISK = "What is at risk?"
SECTION_TEAMS = "How does the forecast split by team?"

METHOD_NAMES: dict[str, str] = {
    "time_series": "Bookings trend",
    "pipeline": "Pipeline by stage and age",
    "win_model": "Deal-by-deal win model",
    "rep_call": "Rep call",
    "ensemble": "Blend of methods",
    "seasonal_naive": "Same quarter last year",
    "seasonal_naive_growth": "Same quarter last year, grown",
    "holt_monthly": "Monthly trend",
    "naive_last_month": "Last month again",
    "mean_so_far": "Average month so far",
}
"""Every method in a manager's words (the keys are the library's names)."""

METHOD_DEFINITIONS: dict[str, str] = {
    "time_series": (
        "Quarterly bookings modelled by exponential smoothing with trend and seasonality or by "
        "ARIMA, or monthly bookings by exponential smoothing; the model with the lowest "
        "backtest error on earlier quarters is used. Mid-quarter: bookings so far plus the "
        "model's share still to come at the usual pace."
    ),
    "pipeline": (
        "Bookings so far, plus each open deal's amount times the share of deals in the same "
        "stage, close-date window and age band that closed won within the quarter from the "
        "same point of earlier quarters, plus the average bookings from deals not yet created "
        "at that point."
    ),
    "win_model": (
        "As Pipeline by stage and age, with each deal's chance from a calibrated "
        "gradient-boosting classifier on stage, age, amount, days to expected close, "
        "close-date pushes, the rep's past win rate, segment and product."
    ),
    "rep_call": (
        "Bookings so far plus the deals reps call Commit; the upper end adds Best Case. It has "
        "no probability behind it and is never recommended."
    ),
    "ensemble": (
        "The other methods (not Rep call) averaged with weights proportional to one over "
        "their squared backtest WAPE."
    ),
    "seasonal_naive": (
        "A yardstick, never recommended: the bookings of the same quarter a year before."
    ),
    "seasonal_naive_growth": (
        "A yardstick, never recommended: the same quarter a year before, times the last four "
        "quarters' bookings over the four before them."
    ),
    "holt_monthly": "Next month's bookings from the months before by exponential smoothing with a trend (Holt).",
    "naive_last_month": "Next month's bookings taken to be last month's.",
    "mean_so_far": "Next month's bookings taken to be the average month so far.",
}

FORECAST_SPEC = TableSpec(
    (
        Column("label", "Method"),
        Column("point", "Forecast", "money"),
        Column("lo80", "80% low", "money"),
        Column("hi80", "80% high", "money"),
        Column("lo95", "95% low", "money"),
        Column("hi95", "95% high", "money"),
        Column("held80", "80% range held"),
        Column("held95", "95% range held"),
    )
)
ACCURACY_SPEC = TableSpec(
    (
        Column("week", "Week", "int"),
        Column("label", "Method"),
        Column("quarters", "Quarters", "int"),
        Column("wape", "WAPE", "pct1"),
        Column("bias", "Bias", "pct1"),
        Column("held80", "80% range held"),
        Column("held95", "95% range held"),
    ),
    max_rows=80,
)
TEAM_SPEC = TableSpec(
    (
        Column("team", "Team"),
        Column("point", "Forecast", "money"),
        Column("lo80", "80% low", "money"),
        Column("hi80", "80% high", "money"),
    )
)
HISTORY_COLUMNS = (
    Column("pushes", "Pushes", "int"),
    Column("days_unchanged", "Days unchanged", "int"),
)


@dataclass(frozen=True)
class Recommendation:
    """The recommended method and the backtest behind it.

    Attributes
    ----------
    method
        The library's name of the method (None: no backtest, no recommendation).
    week
        The week of quarter the deciding backtest forecast at (the forecast's own).
    quarters
        The quarters it tested.
    wape
        The recommended method's WAPE in it (NaN without one).
    held80, held95, ranged
        Quarters whose 80% and 95% ranges held the actual, out of ``ranged`` quarters with
        a range.
    """

    method: str | None
    week: int
    quarters: list[str]
    wape: float
    held80: int
    held95: int
    ranged: int

    @property
    def name(self) -> str | None:
        """The method in a manager's words."""
        return None if self.method is None else method_name(self.method)


@dataclass(frozen=True)
class Forecasting:
    """Everything report 03 shows (see :func:`build`)."""

    header: Header
    period: Period
    target_quarter: str
    gaps: list[Gap]
    intro_sentence: str
    forecasts: pd.DataFrame
    recommendation: Recommendation
    recommended_name: str
    booked: float
    tiles: list[Tile]
    recommendation_sentence: str
    forecast_table: Table
    forecast_chart: pd.DataFrame
    forecast_title: str
    rep_call_note: str | None
    outlook: Outlook
    outlook_sentence: str
    reconcile_sentence: str | None
    backtests: dict[int, pd.DataFrame]
    accuracy: Table
    accuracy_sentence: str | None
    accuracy_chart: pd.DataFrame
    accuracy_title: str
    backtest_chart: pd.DataFrame
    backtest_title: str
    errors_by_quarter: Table
    monthly: Table
    monthly_sentence: str | None
    risk: dict[str, object]
    risk_sentence: str
    undated_sentence: str | None
    past_due_sentence: str
    largest: Table
    past_due: Table
    by_team: Table
    team_sentence: str | None
    definitions: dict[str, str]
    findings: list[Finding]
    currency: str

    @property
    def status(self) -> str:
        """``Ready``, or ``Partial: ...`` naming what the data lacks."""
        return status_of(self.gaps)


def method_name(method: str) -> str:
    """A method in a manager's words (an unknown name is shown as it is).

    Parameters
    ----------
    method
        The library's name, e.g. ``win_model``.

    Returns
    -------
    str

    Examples
    --------
    >>> method_name("win_model"), method_name("my_method")
    ('Deal-by-deal win model', 'my_method')
    """
    return METHOD_NAMES.get(method, method)


def build(
    data: SalesData,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
    backtest_quarters: int = 8,
) -> Forecasting:
    """Build report 03: the forecast of the quarter ahead as known on ``as_of``.

    The quarter forecast is the reported quarter while it runs, else the next one (as
    :func:`~salesops_lib.analysis.outlook.outlook_quarter` says, like reports 01 and 06).

    Parameters
    ----------
    data
        The company's data set (history snapshots make the backtests honest about the past).
    quarter
        Fiscal quarter reported; None: the latest complete quarter.
    as_of
        What is known; None: the quarter's end, or the data's last date mid-quarter.
    team
        Narrow the report to one team; None: the whole company.
    backtest_quarters
        Earlier quarters each method is tested on; the test at the forecast's own week of
        quarter decides the recommended method.

    Returns
    -------
    Forecasting

    Raises
    ------
    ConfigError
        For a quarter outside the data, an as-of date that is not a date or falls outside
        the quarter, or a team no rep belongs to (the message says what is allowed).

    Examples
    --------
    >>> r = build(load_dataset("data/demo"), quarter="2026Q3")  # doctest: +SKIP
    >>> r.recommendation_sentence  # doctest: +SKIP
    'The recommended method is **Deal-by-deal win model**: it had the lowest WAPE ...'
    """
    period = period_of(data, quarter, as_of)
    d = team_or_company(data, team)
    fmt = money_in(d.currency)
    target = outlook_quarter(d, period.quarter, period.as_of)
    week = forecast.forecast_week(d, target, period.as_of)
    tests = {
        w: forecast.backtest(
            d, quarters=backtest_quarters, week=w, before=target, as_of_limit=period.as_of
        )
        for w in sorted({*WEEKS, week})
    }
    decision = tests[week]
    fc = forecast.forecast_quarter(d, quarter=target, as_of=period.as_of, backtest=decision)
    rec = recommendation_of(fc, decision, week)
    acc = accuracy_frame(tests)
    forecasts = forecast_frame(fc, acc, week)
    booked = float(fc.attrs["booked"])
    outlook = quarter_outlook(d, quarter=target, as_of=period.as_of)
    risk = forecast.risks(d, quarter=target, as_of=period.as_of, top=LARGEST)
    has_history = bool(risk["has_history"])
    pipe = risk["open"]
    assert isinstance(pipe, pd.DataFrame)
    undated = risk["undated"]
    assert isinstance(undated, pd.DataFrame)
    due = risk["past_due"]
    assert isinstance(due, pd.DataFrame)
    everything = timeline.open_deals(d, period.as_of)
    outside = everything[~everything["opp_id"].isin(pipe["opp_id"])]
    teams = _team_forecast(d, target, period.as_of, decision, rec.method)
    team_method = teams.attrs.get("method")
    gaps = _gaps(decision, has_history, teams, target)
    start, end = d.calendar.bounds(target)
    monthly = forecast.backtest_monthly(d) if len(d.quarters()) < 8 else pd.DataFrame()
    chart = forecasts.assign(method=forecasts["label"])
    return Forecasting(
        header=header(data, period, team),
        period=period,
        target_quarter=target,
        gaps=gaps,
        intro_sentence=intro_sentence(target, start, end, period.as_of, booked, fmt),
        forecasts=forecasts,
        recommendation=rec,
        recommended_name=rec.name or "",
        booked=booked,
        tiles=forecast_tiles(forecasts, rec, booked, period.as_of, fmt),
        recommendation_sentence=recommendation_sentence(forecasts, rec, target, fmt),
        forecast_table=Table(
            forecasts,
            FORECAST_SPEC,
            f"Forecasts of {target} bookings by method, as known on {period.as_of.date()}"
            + (f"; ranges held: in the backtest at week {week}" if len(decision) else ""),
            d.currency,
        ),
        forecast_chart=chart,
        forecast_title=forecast_title(forecasts, rec, target, fmt),
        rep_call_note=(
            "Rep call is what reps have committed: bookings so far plus Commit deals (its range "
            "runs up to Best Case). It has no probability behind it and is never recommended."
            if "rep_call" in set(forecasts["method"])
            else None
        ),
        outlook=outlook,
        outlook_sentence=outlook_sentence(outlook, d.currency),
        reconcile_sentence=reconcile_sentence(
            forecasts, rec, outlook, outside=outside, target=target, fmt=fmt
        ),
        backtests=tests,
        accuracy=Table(
            acc,
            ACCURACY_SPEC,
            f"Backtest by week of quarter over up to {count(backtest_quarters, 'quarter')}; "
            f"week {week} decides the recommendation",
            d.currency,
        ),
        accuracy_sentence=accuracy_sentence(acc, rec, target),
        accuracy_chart=acc[acc["method"] != "rep_call"].reset_index(drop=True),
        accuracy_title=accuracy_title(acc, rec),
        backtest_chart=(
            decision[decision["method"] == rec.method]
            .assign(method=rec.name or "")
            .reset_index(drop=True)
            if rec.method
            else decision.iloc[0:0]
        ),
        backtest_title=(
            f"{rec.name} {week_phrase(week, each=True)} against what closed" if rec.name else ""
        ),
        errors_by_quarter=errors_by_quarter(decision, week, d.currency),
        monthly=monthly_table(monthly, d.currency),
        monthly_sentence=monthly_sentence(monthly, len(d.quarters())),
        risk=risk,
        risk_sentence=risk_sentence(pipe, target, has_history=has_history, fmt=fmt),
        undated_sentence=undated_sentence(undated, set(forecasts["method"]), fmt),
        past_due_sentence=past_due_sentence(due, pipe, target, period.as_of, fmt),
        largest=_largest(d, pipe, undated, target, has_history),
        past_due=_past_due(d, due, period.as_of),
        by_team=Table(
            teams,
            TEAM_SPEC,
            f"{target} forecast by team ({method_name(team_method)})" if team_method else "",
            d.currency,
        ),
        team_sentence=team_sentence(teams, rec, fmt),
        definitions=_definitions(forecasts, monthly),
        findings=_findings(forecasts, rec, outlook, due, undated, target, fmt),
        currency=d.currency,
    )


# ---------------------------------------------------------------------------------------
# the forecast and its recommendation


def recommendation_of(fc: pd.DataFrame, decision: pd.DataFrame, week: int) -> Recommendation:
    """The recommended method of a forecast and what its backtest measured.

    ``fc.attrs["recommended"]`` (:func:`~salesops_lib.analysis.forecast.recommend` on
    ``decision``) names it; the coverage counts come from the same backtest.

    Parameters
    ----------
    fc
        :func:`~salesops_lib.analysis.forecast.forecast_quarter` made with ``decision``.
    decision
        The deciding backtest (:func:`~salesops_lib.analysis.forecast.backtest` at ``week``).
    week
        The week of quarter it forecast at.

    Returns
    -------
    Recommendation
        With ``method`` None (and no counts) when the forecast names none or the backtest did
        not score it.
    """
    method = fc.attrs.get("recommended")
    acc = forecast.accuracy(decision) if len(decision) else pd.DataFrame()
    quarters = sorted(decision["quarter"].unique().tolist()) if len(decision) else []
    if method is None or method not in acc.index:
        return Recommendation(None, week, quarters, np.nan, 0, 0, 0)
    row = acc.loc[method]
    return Recommendation(
        method=str(method),
        week=week,
        quarters=sorted(decision.loc[decision["method"] == method, "quarter"].tolist()),
        wape=float(row["wape"]),
        held80=int(row["held80"]) if pd.notna(row["held80"]) else 0,
        held95=int(row["held95"]) if pd.notna(row["held95"]) else 0,
        ranged=int(row["ranged"]),
    )


def accuracy_frame(tests: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Every method's accuracy at every week tested, with the ranges' coverage as text.

    Parameters
    ----------
    tests
        Backtests by week of quarter (:func:`~salesops_lib.analysis.forecast.backtest`);
        empty ones are skipped.

    Returns
    -------
    DataFrame
        ``week, method, label, quarters, wape, bias, ranged, held80, held95, coverage80,
        coverage95`` (``held80``/``held95`` as text such as ``6 of 8``, or ``no range``; the
        counts in ``held80_n``/``held95_n``), by week and then lowest WAPE first.
    """
    frames = []
    for w, bt in tests.items():
        if bt.empty:
            continue
        a = forecast.accuracy(bt).reset_index()
        a.insert(0, "week", w)
        frames.append(a)
    if not frames:
        cols = ["week", "method", "label", "quarters", "wape", "bias", "held80", "held95"]
        return pd.DataFrame({c: [] for c in cols})
    acc = pd.concat(frames, ignore_index=True)
    acc["label"] = acc["method"].map(method_name)
    acc["bias"] = acc["bias"].where(acc["bias"].abs() >= 0.0005, 0.0)  # no "-0.0%"
    acc["held80_n"] = acc["held80"]
    acc["held95_n"] = acc["held95"]
    acc["held80"] = [_held(h, n) for h, n in zip(acc["held80_n"], acc["ranged"], strict=True)]
    acc["held95"] = [_held(h, n) for h, n in zip(acc["held95_n"], acc["ranged"], strict=True)]
    return acc.sort_values(["week", "wape"], kind="stable").reset_index(drop=True)


def _held(held: float, ranged: float) -> str:
    if not ranged or pd.isna(held):
        return "no range"
    return f"{int(held)} of {int(ranged)}"


def forecast_frame(fc: pd.DataFrame, acc: pd.DataFrame, week: int) -> pd.DataFrame:
    """The forecasts by method with their manager's names and their ranges' measured coverage.

    The coverage comes from the backtest at ``week``: how often each method's ranges held the
    actual (``held80``, ``held95``: ``6 of 8``).

    Parameters
    ----------
    fc
        :func:`~salesops_lib.analysis.forecast.forecast_quarter` (``method, point, lo80, hi80,
        lo95, hi95``).
    acc
        :func:`accuracy_frame`.
    week
        The week of quarter of the deciding backtest.

    Returns
    -------
    DataFrame
        A copy of ``fc`` with ``label``, ``held80`` and ``held95`` (``not tested`` for a method
        the backtest did not score).
    """
    out = fc.copy()
    out["label"] = out["method"].map(method_name)
    at = acc[acc["week"] == week].set_index("method") if len(acc) else pd.DataFrame()
    for col in ("held80", "held95"):
        out[col] = out["method"].map(at[col]).fillna("not tested") if len(at) else "not tested"
    return out.reset_index(drop=True)


def span(lo: float, hi: float, fmt: MoneyFormat) -> str:
    """``$1.2M – $1.5M``; one figure when both ends show the same (no ``$X – $X``).

    Parameters
    ----------
    lo, hi
        The range's ends.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
    """
    a, b = fmt(lo), fmt(hi)
    return a if a == b else f"{a} – {b}"


def week_phrase(week: int, *, each: bool = False) -> str:
    """``at week 0 (the day before the quarter started)`` and the like.

    Parameters
    ----------
    week
        The week of quarter.
    each
        Speak of each quarter tested instead of the one quarter.

    Returns
    -------
    str

    Examples
    --------
    >>> week_phrase(4, each=True)
    "at week 4 (the end of each quarter's week 4)"
    """
    which = "each" if each else "the"
    if week == 0:
        return f"at week 0 (the day before {which} quarter started)"
    return f"at week {week} (the end of {which} quarter's week {week})"


def held_words(held: int, ranged: int, level: int) -> str:
    """``its 80% ranges held the actual in 6 of 8 quarters tested``, and whether that is too few.

    When they held less often than their level, it adds that they have been too narrow.

    Parameters
    ----------
    held
        Quarters whose range held the actual.
    ranged
        Quarters tested with a range.
    level
        The range's level in percent (80 or 95).

    Returns
    -------
    str
        A clause for a sentence (``**`` marks what to read first).

    Examples
    --------
    >>> held_words(8, 8, 80)
    'its 80% ranges held the actual in 8 of 8 quarters tested'
    """
    text = f"its {level}% ranges held the actual in {held} of {count(ranged, 'quarter')} tested"
    if ranged and held / ranged < level / 100:
        text += (
            f", fewer than the {level}% such a range aims at: they have been **too narrow**, "
            "so read them as optimistic"
        )
    return text


def forecast_tiles(
    forecasts: pd.DataFrame,
    rec: Recommendation,
    booked: float,
    as_of: pd.Timestamp,
    fmt: MoneyFormat,
) -> list[Tile]:
    """The headline figures: the recommended forecast, its ranges and their coverage, and bookings so far.

    Without a backtest the first tile is the methods' span instead.

    Parameters
    ----------
    forecasts
        :func:`forecast_frame` of the target quarter (``method, label, point, lo80, hi80,
        lo95, hi95``).
    rec
        The recommendation (:func:`recommendation_of`).
    booked
        Bookings of the target quarter so far.
    as_of
        What is known.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    list of Tile
    """
    tiles = []
    if rec.method is not None:
        row = forecasts.set_index("method").loc[rec.method]
        tiles.append(Tile("Recommended forecast", fmt(row["point"]), str(rec.name)))
        for level, held in ((80, rec.held80), (95, rec.held95)):
            detail = (
                f"held the actual in {held} of {count(rec.ranged, 'quarter')} tested"
                if rec.ranged
                else "not measured in the backtest"
            )
            tiles.append(
                Tile(f"{level}% range", span(row[f"lo{level}"], row[f"hi{level}"], fmt), detail)
            )
    else:
        n = len(forecasts)
        tiles.append(
            Tile(
                "Forecasts" if n > 1 else "Forecast",
                span(forecasts["point"].min(), forecasts["point"].max(), fmt),
                f"{count(n, 'method')}; none recommended without a backtest",
            )
        )
    tiles.append(Tile("Booked so far", fmt(booked), f"as of {as_of.date()}"))
    return tiles


def intro_sentence(
    target: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    as_of: pd.Timestamp,
    booked: float,
    fmt: MoneyFormat,
) -> str:
    """Which quarter is forecast, as known when, and what is booked in it so far.

    Parameters
    ----------
    target
        The quarter forecast.
    start, end
        Its first and last day.
    as_of
        What is known (before ``start``: nothing is booked yet).
    booked
        Bookings of the quarter so far.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    lead = (
        f"Forecast for {bold(target)} ({start.date()} to {end.date()}) as known on "
        f"{bold(as_of.date())}"
    )
    if as_of < start:
        return lead + ": the quarter has not started, so nothing is booked in it yet."
    return lead + f": {bold(fmt(booked))} booked so far."


def recommendation_sentence(
    forecasts: pd.DataFrame, rec: Recommendation, target: str, fmt: MoneyFormat
) -> str:
    """The recommended method, the backtest it comes from and how often its ranges held.

    Without a backtest, it says that no method is recommended and what the methods say side
    by side.

    Parameters
    ----------
    forecasts
        :func:`forecast_frame` of the target quarter (``method, label, point, lo80, hi80,
        lo95, hi95``).
    rec
        The recommendation (:func:`recommendation_of`).
    target
        The quarter forecast.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).

    Examples
    --------
    ``The recommended method is **Pipeline by stage and age**: it had the lowest WAPE (4.2%)
    over the 8 quarters tested at week 0 (the day before each quarter started). It expects
    **$22.8M** for 2026Q4; its 80% ranges held the actual in 6 of 8 quarters tested.``
    """
    if rec.method is None:
        return (
            f"There is not enough history before {target} to backtest the methods (each quarter "
            "tested needs two complete quarters of data before it), so **no method is "
            f"recommended**. {_side_by_side(forecasts, fmt)}"
        )
    row = forecasts.set_index("method").loc[rec.method]
    n = len(rec.quarters)
    text = (
        f"The recommended method is {bold(rec.name)}: it had the lowest WAPE "
        f"({pct(rec.wape, 1)}) over the {count(n, 'quarter')} tested {week_phrase(rec.week, each=True)}. "
        f"It expects {bold(fmt(row['point']))} for {target}"
    )
    if rec.ranged:
        return text + "; " + held_words(rec.held80, rec.ranged, 80) + "."
    return text + "; its ranges were not measured in the backtest."


def _side_by_side(forecasts: pd.DataFrame, fmt: MoneyFormat) -> str:
    if len(forecasts) == 1:
        row = forecasts.iloc[0]
        return f"The only method that could run, {row['label']}, expects {bold(fmt(row['point']))}."
    lo = forecasts.loc[forecasts["point"].idxmin()]
    hi = forecasts.loc[forecasts["point"].idxmax()]
    if fmt(lo["point"]) == fmt(hi["point"]):
        return f"The {count(len(forecasts), 'method')} shown side by side all expect {bold(fmt(lo['point']))}."
    return (
        f"Side by side, the {count(len(forecasts), 'method')} expect from {bold(fmt(lo['point']))} "
        f"({lo['label']}) to {bold(fmt(hi['point']))} ({hi['label']})."
    )


def forecast_title(
    forecasts: pd.DataFrame, rec: Recommendation, target: str, fmt: MoneyFormat
) -> str:
    """The forecast chart's title: what the recommended method expects and how far the methods spread.

    The spread is left out when the methods agree or there is one.

    Parameters
    ----------
    forecasts
        :func:`forecast_frame` of the target quarter (``method, label, point, lo80, hi80,
        lo95, hi95``).
    rec
        The recommendation (:func:`recommendation_of`).
    target
        The quarter forecast.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The title (it states the finding).
    """
    lo, hi = forecasts["point"].min(), forecasts["point"].max()
    spread = f"methods range {fmt(lo)}–{fmt(hi)}" if fmt(lo) != fmt(hi) else ""
    if rec.method is not None:
        point = forecasts.set_index("method").loc[rec.method, "point"]
        return f"{target}: {rec.name} expects {fmt(point)}" + (f"; {spread}" if spread else "")
    if spread:
        return f"{target}: no method recommended; {spread}"
    return f"{target}: every method expects {fmt(lo)}"


# ---------------------------------------------------------------------------------------
# the forecast and the reckoning of the quarter


_WHY = {
    "pipeline": (
        "it gives each open deal the chance that deals of its stage, age and close-date timing "
        "had, at the same point of earlier quarters, of closing won within the quarter, instead "
        "of one win rate by value for the whole pipeline"
    ),
    "win_model": (
        "it gives each open deal its own chance from a model of stage, age, amount, pushes and "
        "the rep's record, instead of one win rate by value for the whole pipeline"
    ),
    "time_series": (
        "it projects past quarters' bookings and does not look at today's pipeline at all"
    ),
    "ensemble": (
        "it blends the methods' forecasts by their backtest errors, and most of them give each "
        "open deal its own chance instead of one win rate by value"
    ),
}
READS_PIPELINE = ("pipeline", "win_model", "ensemble")


def reconcile_sentence(
    forecasts: pd.DataFrame,
    rec: Recommendation,
    outlook: Outlook,
    *,
    outside: pd.DataFrame,
    target: str,
    fmt: MoneyFormat,
) -> str | None:
    """How the recommended forecast relates to the shared reckoning of the quarter, and why they differ.

    ``outside`` are the open deals not in ``target``'s open pipeline (dated in other quarters,
    past due or undated): the methods that read the pipeline count them, the reckoning does
    not.

    Parameters
    ----------
    forecasts
        :func:`forecast_frame` of the target quarter (``method, label, point, lo80, hi80,
        lo95, hi95``).
    rec
        The recommendation (:func:`recommendation_of`).
    outlook
        The reckoning of the target quarter
        (:func:`~salesops_lib.analysis.outlook.quarter_outlook`).
    outside
        Those open deals (``amount``).
    target
        The quarter forecast.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first).

    Examples
    --------
    ``The recommended forecast (Pipeline by stage and age, **$22.8M**) is **$1.7M above** the
    reckoning of $21.1M, and 123% of the goal: it gives each open deal the chance ...``
    """
    expected = outlook.expected
    if not np.isfinite(expected):
        return (
            "The reckoning cannot put a figure on the pipeline (no deal closed in the quarters "
            "before), so the forecast cannot be compared with it."
        )
    if rec.method is None:
        lo, hi = forecasts["point"].min(), forecasts["point"].max()
        return (
            f"Without a backtest no forecast is recommended: the methods expect "
            f"{span(lo, hi, fmt)}, against the reckoning's {fmt(expected)}."
        )
    point = float(forecasts.set_index("method").loc[rec.method, "point"])
    diff = point - expected
    close = abs(diff) <= 0.02 * abs(expected) or fmt(point) == fmt(expected)
    where = (
        "in line with"
        if close
        else f"{bold(fmt(abs(diff)) + (' above' if diff > 0 else ' below'))}"
    )
    text = f"The recommended forecast ({rec.name}, {bold(fmt(point))}) is {where} the reckoning of {fmt(expected)}"
    if outlook.goal > 0:
        text += f" and {pct(point / outlook.goal)} of the goal"
    why = _WHY.get(rec.method)
    if why is None:
        return text + "."
    if close:
        text += f", although {why}"
    else:
        text += f": {why}"
    if rec.method in READS_PIPELINE and len(outside):
        text += (
            f"; it also counts, at their own chances, the {count(len(outside), 'open deal')} "
            f"worth {fmt(outside['amount'].sum())} dated outside {target} or without a close "
            "date, which the reckoning leaves out"
        )
    return text + "."


# ---------------------------------------------------------------------------------------
# accuracy


def accuracy_sentence(acc: pd.DataFrame, rec: Recommendation, target: str) -> str | None:
    """How far the recommended method missed in its backtest, against last year's quarter and at other weeks.

    The yardstick is the same quarter last year. None without a backtest (the section's gap
    says so).

    Parameters
    ----------
    acc
        :func:`accuracy_frame`.
    rec
        The recommendation (:func:`recommendation_of`).
    target
        The quarter forecast.

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when there is nothing true to say.
    """
    if rec.method is None or acc.empty:
        return None
    at = acc[acc["week"] == rec.week].set_index("method")
    n = len(rec.quarters)
    text = (
        f"Over the {count(n, 'quarter')} before {target} tested {week_phrase(rec.week, each=True)}, "
        f"{bold(rec.name)} missed by {bold(pct(rec.wape, 1))} of actual bookings (WAPE)"
    )
    if "seasonal_naive" in at.index and np.isfinite(at.loc["seasonal_naive", "wape"]):
        m = int(at.loc["seasonal_naive", "quarters"])
        text += f", against {pct(at.loc['seasonal_naive', 'wape'], 1)} for {method_name('seasonal_naive')}"
        if m != n:
            text += f" (over the {count(m, 'quarter')} with a year of data before them)"
    text += "."
    mine = acc[(acc["method"] == rec.method) & (acc["week"] != rec.week)].sort_values("week")
    if len(mine):
        weeks = listing([str(int(w)) for w in mine["week"]])
        misses = listing([pct(v, 1) for v in mine["wape"]])
        text += f" Tested at week{'s' if len(mine) > 1 else ''} {weeks}, it missed by {misses}."
    return text


def accuracy_title(acc: pd.DataFrame, rec: Recommendation) -> str:
    """The WAPE-by-week chart's title: whether later forecasts missed less.

    Parameters
    ----------
    acc
        :func:`accuracy_frame`.
    rec
        The recommendation (:func:`recommendation_of`).

    Returns
    -------
    str
        The title (it states the finding).
    """
    if rec.method is None or acc.empty:
        return "Error by week of quarter"
    mine = acc[acc["method"] == rec.method].sort_values("week")
    if len(mine) >= 2 and mine["wape"].iloc[-1] < mine["wape"].iloc[0]:
        return f"Forecasts made later in the quarter miss less: {rec.name} by week of quarter"
    return "Error by week of quarter (lower is better)"


def errors_by_quarter(decision: pd.DataFrame, week: int, currency: str) -> Table:
    """Each method's absolute error in each quarter of the deciding backtest.

    Parameters
    ----------
    decision
        The deciding backtest (``quarter, method, abs_pct_error``).
    week
        Its week of quarter (named in the caption).
    currency
        The table's currency.

    Returns
    -------
    Table
        One row per quarter, one percentage column per method (methods first, then the
        yardsticks); a bare ``quarter`` table without a backtest.
    """
    if decision.empty:
        return Table(pd.DataFrame({"quarter": []}), TableSpec((Column("quarter", "Quarter"),)))
    wide = decision.pivot_table(index="quarter", columns="method", values="abs_pct_error")
    order = [m for m in (*forecast.METHODS, *forecast.BASELINES) if m in wide.columns]
    wide = wide[order].reset_index()
    spec = TableSpec(
        (Column("quarter", "Quarter"), *(Column(m, method_name(m), "pct") for m in order))
    )
    return Table(
        wide,
        spec,
        f"Absolute error by quarter, forecasts made {week_phrase(week, each=True)}",
        currency,
    )


def monthly_table(monthly: pd.DataFrame, currency: str) -> Table:
    """The one-month-ahead backtest: absolute error by month and method.

    Parameters
    ----------
    monthly
        :func:`~salesops_lib.analysis.forecast.backtest_monthly` (``month, method,
        abs_pct_error``), or an empty frame when it did not run.
    currency
        The table's currency.

    Returns
    -------
    Table
        One row per month, one percentage column per method.
    """
    if monthly.empty:
        return Table(pd.DataFrame({"month": []}), TableSpec((Column("month", "Month"),)))
    wide = monthly.pivot(index="month", columns="method", values="abs_pct_error").reset_index()
    methods = [m for m in ("holt_monthly", "naive_last_month", "mean_so_far") if m in wide]
    spec = TableSpec(
        (Column("month", "Month"), *(Column(m, method_name(m), "pct") for m in methods))
    )
    return Table(wide, spec, "Monthly backtest: absolute error by month", currency)


def monthly_sentence(monthly: pd.DataFrame, n_quarters: int) -> str | None:
    """For short data: which one-month-ahead method missed least. None when not run.

    Parameters
    ----------
    monthly
        :func:`~salesops_lib.analysis.forecast.backtest_monthly` (``attrs["wape"]``).
    n_quarters
        Quarters the data covers.

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first).
    """
    if monthly.empty:
        return None
    wape = pd.Series(monthly.attrs["wape"]).dropna().sort_values()
    if wape.empty:
        return None
    months = monthly["month"].nunique()
    return (
        f"The data covers only {count(n_quarters, 'quarter')}, too few for seasonal quarterly "
        "models, so monthly bookings were also forecast one month ahead from the months before "
        f"only: {bold(method_name(str(wape.index[0])))} missed least, by {pct(wape.iloc[0], 1)} "
        f"(WAPE) over {count(months, 'month')}."
    )


# ---------------------------------------------------------------------------------------
# what is at risk


def risk_sentence(pipe: pd.DataFrame, target: str, *, has_history: bool, fmt: MoneyFormat) -> str:
    """The quarter's open pipeline and, of those deals, the pushed, the stale and the share of the largest.

    Every figure is about the same deals.

    Parameters
    ----------
    pipe
        The target quarter's open pipeline (:func:`salesops_lib.timeline.open_pipeline`:
        ``amount, pushes, days_unchanged``).
    target
        The quarter forecast.
    has_history
        With history snapshots, pushed (twice or more) and stale (30 days unchanged) deals
        are counted.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    if pipe.empty:
        return f"No open deal has an expected close date in {target}, so its open pipeline is {fmt(0)}."
    total = float(pipe["amount"].sum())
    n = len(pipe)
    text = (
        f"{bold(count(n, 'open deal'))} worth {bold(fmt(total))} "
        f"{'is' if n == 1 else 'are'} expected to close in {target} (its open pipeline)."
    )
    if has_history:
        pushed = pipe[pipe["pushes"] >= 2]
        stale = pipe[pipe["days_unchanged"] >= 30]
        text += (
            f" Of {'it' if n == 1 else 'them'}, {_some(pushed, fmt)} had the close date pushed "
            f"twice or more and {_some(stale, fmt)} not changed stage or amount in 30 days."
        )
    if n > LARGEST:
        top = pipe["amount"].nlargest(LARGEST).sum()
        text += f" The {LARGEST} largest hold {bold(pct(top / total if total > 0 else np.nan))} of that amount."
    return text


def _some(deals: pd.DataFrame, fmt: MoneyFormat) -> str:
    if deals.empty:
        return "none has"
    return f"{len(deals):,} ({fmt(deals['amount'].sum())}) {'has' if len(deals) == 1 else 'have'}"


def undated_sentence(undated: pd.DataFrame, methods: set[str], fmt: MoneyFormat) -> str | None:
    """The open deals without an expected close date: in no quarter's pipeline.

    Parameters
    ----------
    undated
        :func:`salesops_lib.timeline.undated` (``amount``).
    methods
        The methods forecast (the pipeline methods still count these deals).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when there is nothing true to say.
    """
    if undated.empty:
        return None
    n = len(undated)
    text = (
        f"{count(n, 'open deal')} worth {fmt(undated['amount'].sum())} "
        f"{'has' if n == 1 else 'have'} no expected close date, so "
        f"{'it is' if n == 1 else 'they are'} in no quarter's pipeline"
    )
    reading = [method_name(m) for m in ("pipeline", "win_model") if m in methods]
    if reading:
        text += (
            f"; {listing(reading)} still count{'s' if len(reading) == 1 else ''} "
            f"{'it' if n == 1 else 'them'}, at the rate such deals closed within a quarter before"
        )
    return text + "."


def past_due_sentence(
    due: pd.DataFrame, pipe: pd.DataFrame, target: str, as_of: pd.Timestamp, fmt: MoneyFormat
) -> str:
    """Every open deal past its close date, and how many of them the target quarter's pipeline holds.

    Parameters
    ----------
    due
        :func:`salesops_lib.timeline.past_due` on ``as_of`` (``opp_id, amount``).
    pipe
        The target quarter's open pipeline (``opp_id``).
    target
        The quarter forecast.
    as_of
        What is known.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    if due.empty:
        return f"No open deal is past its close date on {as_of.date()}."
    n = len(due)
    text = (
        f"{bold(count(n, 'open deal'))} worth {bold(fmt(due['amount'].sum()))} "
        f"{'is' if n == 1 else 'are'} past {'its' if n == 1 else 'their'} close date on "
        f"{as_of.date()}"
    )
    inside = due[due["opp_id"].isin(pipe["opp_id"])]
    if len(inside):
        text += (
            f" ({len(inside):,} of them, {fmt(inside['amount'].sum())}, dated earlier in {target} "
            "and so counted in its pipeline above)"
        )
    else:
        text += f", none of them in {target}'s pipeline"
    return text + ": they need new close dates or to be closed; the largest are listed below."


def _largest(
    data: SalesData, pipe: pd.DataFrame, undated: pd.DataFrame, target: str, has_history: bool
) -> Table:
    source, caption = pipe, f"The {LARGEST} largest open deals expected to close in {target}"
    if pipe.empty and len(undated):
        source, caption = (
            undated,
            f"The {LARGEST} largest open deals without an expected close date",
        )
    rows = deal_rows(
        data, source.sort_values("amount", ascending=False, kind="stable").head(LARGEST)
    )
    spec = deal_spec(*HISTORY_COLUMNS) if has_history else deal_spec()
    return Table(rows, spec, caption if len(rows) else "", data.currency)


def _past_due(data: SalesData, due: pd.DataFrame, as_of: pd.Timestamp) -> Table:
    rows = deal_rows(data, due.sort_values("amount", ascending=False, kind="stable"))
    rows["days_past"] = (as_of - rows["close_date"]).dt.days
    spec = deal_spec(Column("days_past", "Days past due", "int"), max_rows=PAST_DUE_ROWS)
    caption = f"Open deals past their close date on {as_of.date()}, largest first"
    return Table(rows.reset_index(drop=True), spec, caption if len(rows) else "", data.currency)


# ---------------------------------------------------------------------------------------
# by team


def _team_forecast(
    data: SalesData,
    target: str,
    as_of: pd.Timestamp,
    decision: pd.DataFrame,
    rec: str | None,
) -> pd.DataFrame:
    """The forecast by team with the recommended method when it splits by team, else the
    pipeline method (``attrs["method"]``); empty when the reps have no team."""
    if "team" not in data.reps or data.reps["team"].isna().all():
        out = pd.DataFrame({"team": [], "point": [], "lo80": [], "hi80": []})
        out.attrs["method"] = None
        return out
    by_team = forecast.forecast_quarter(
        data, quarter=target, as_of=as_of, by="team", methods=TEAM_METHODS, backtest=decision
    )
    method = rec if rec in set(by_team["method"]) else "pipeline"
    if method not in set(by_team["method"]):
        method = str(by_team["method"].iloc[0])
    out = by_team[by_team["method"] == method].sort_values("point", ascending=False)
    out = out.reset_index(drop=True)
    out.attrs["method"] = method
    return out


def team_sentence(teams: pd.DataFrame, rec: Recommendation, fmt: MoneyFormat) -> str | None:
    """Which team is expected to book the most, by which method, and the teams' total.

    Parameters
    ----------
    teams
        The forecast by team, largest first (``team, point``; ``attrs["method"]`` the method
        used, None without teams).
    rec
        The recommendation (:func:`recommendation_of`).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when there is nothing true to say.
    """
    method = teams.attrs.get("method")
    if teams.empty or method is None:
        return None
    named = teams[teams["team"] != UNASSIGNED]
    how = method_name(method)
    if rec.method is not None and rec.method != method:
        how += f" (the recommended {rec.name} is not split by team)"
    if named.empty:
        return None
    if len(named) == 1:
        row = named.iloc[0]
        text = f"By team, with {how}: {bold(row['team'])} is expected to book {bold(fmt(row['point']))}"
    else:
        top = named.iloc[0]
        text = (
            f"By team, with {how}: {bold(top['team'])} is expected to book the most "
            f"({fmt(top['point'])}); the {len(teams):,} team figures add up to "
            f"{bold(fmt(teams['point'].sum()))}"
        )
    rest = teams[teams["team"] == UNASSIGNED]
    if len(rest):
        text += f", {fmt(rest['point'].sum())} of it from reps without a team"
    return text + "."


# ---------------------------------------------------------------------------------------
# gaps, definitions, findings


def _gaps(decision: pd.DataFrame, has_history: bool, teams: pd.DataFrame, target: str) -> list[Gap]:
    gaps = []
    if decision.empty:
        gaps.append(
            Gap(
                SECTION_ACCURACY,
                "history to backtest",
                f"each quarter tested needs two complete quarters of data before it, and at least "
                f"one such quarter must end before {target}; add older opportunities to the export",
            )
        )
    if not has_history:
        gaps.append(Gap(SECTION_RISK, NO_HISTORY, ADD_HISTORY + " (to see pushed and stale deals)"))
    if teams.attrs.get("method") is None:
        gaps.append(
            Gap(
                SECTION_TEAMS,
                "teams",
                "add a team column to the reps table (reps.csv: rep_id, rep_name, team, ...)",
            )
        )
    return gaps


def _definitions(forecasts: pd.DataFrame, monthly: pd.DataFrame) -> dict[str, str]:
    shown = [*forecasts["method"], *forecast.BASELINES]
    if not monthly.empty:
        shown += list(dict.fromkeys(monthly["method"]))
    methods = {method_name(m): METHOD_DEFINITIONS[m] for m in shown if m in METHOD_DEFINITIONS}
    return pick(
        "Bookings",
        "Open pipeline",
        "Past due",
        "Pushed",
        "Stale",
        "Win rate by value",
        **{
            "Forecast": "Expected bookings of the quarter: deals closed won with a close date in it.",
            **methods,
            "Recommended method": (
                "The method (not Rep call, not a yardstick) with the lowest WAPE in the backtest "
                "at the forecast's own week of quarter; without a backtest none is recommended."
            ),
            "80% / 95% range": (
                "Monte Carlo quantiles of the outcome (Bookings trend: model prediction "
                "intervals); an 80% range should hold the actual in about 80% of quarters."
            ),
            "Range held": (
                "In how many of the quarters tested a method's range, made as of the same week, "
                "held what the quarter actually booked: the measured coverage."
            ),
            "Backtest": (
                "Each method run as of a point in each earlier quarter, using only what was known "
                "then, and compared with what closed."
            ),
            "Week of quarter": "Week 0 is the day before the quarter starts; week w is the end of its w-th week.",
            "WAPE": "Sum of absolute errors divided by the sum of actual bookings.",
            "Bias": "Sum of errors divided by the sum of actual bookings (positive: forecasts too high).",
            "Reckoning": (
                "The quarter's goal, its open pipeline times the win rate by value of the last "
                "four quarters, and the bookings deals not yet created brought in those quarters "
                "from the same point: the same reckoning the team-visibility and pipeline-health "
                "reports show."
            ),
            "Days unchanged": "Days since the deal's stage or amount last changed (from history snapshots).",
        },
    )


def _findings(
    forecasts: pd.DataFrame,
    rec: Recommendation,
    outlook: Outlook,
    due: pd.DataFrame,
    undated: pd.DataFrame,
    target: str,
    fmt: MoneyFormat,
) -> list[Finding]:
    out = []
    if rec.method is not None and outlook.goal > 0:
        point = float(forecasts.set_index("method").loc[rec.method, "point"])
        if point < outlook.goal:
            out.append(
                Finding(
                    f"The recommended forecast for {target} is {bold(fmt(point))}, "
                    f"{fmt(outlook.goal - point)} short of the goal.",
                    outlook.goal - point,
                    SECTION_FORECAST,
                )
            )
    if rec.ranged and rec.held80 / rec.ranged < 0.8:
        out.append(
            Finding(
                f"The recommended forecast's 80% ranges held the actual in only {rec.held80} of "
                f"{count(rec.ranged, 'quarter')} tested: they have been too narrow.",
                0.0,
                SECTION_FORECAST,
            )
        )
    if len(due):
        out.append(
            Finding(
                f"{count(len(due), 'open deal')} worth {bold(fmt(due['amount'].sum()))} are past their close date.",
                float(due["amount"].sum()),
                SECTION_RISK,
            )
        )
    if len(undated):
        out.append(
            Finding(
                f"{count(len(undated), 'open deal')} worth {bold(fmt(undated['amount'].sum()))} have no expected close date.",
                float(undated["amount"].sum()),
                SECTION_RISK,
            )
        )
    return sorted(out, key=lambda f: -f.at_stake)
