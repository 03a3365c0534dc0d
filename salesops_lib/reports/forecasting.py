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

import dataclasses
from dataclasses import dataclass, replace
from math import comb
from typing import Any

import numpy as np
import pandas as pd

from salesops_lib import timeline
from salesops_lib.analysis import forecast, kpis
from salesops_lib.analysis.bridge import Bridge, allowance_basis, bridge, valuation
from salesops_lib.analysis.inspection import file_slug, inspection_list, stage_chances
from salesops_lib.analysis.kpis import UNASSIGNED
from salesops_lib.analysis.outlook import TRAILING as OUTLOOK_TRAILING
from salesops_lib.analysis.outlook import Outlook, outlook_quarter, quarter_outlook
from salesops_lib.data import SalesData
from salesops_lib.errors import SalesOpsDataError
from salesops_lib.format import pct
from salesops_lib.reports.base import (
    ADD_HISTORY,
    ADD_QUOTAS,
    NO_HISTORY,
    NO_QUOTAS,
    Finding,
    Gap,
    HasGaps,
    Header,
    MoneyFormat,
    Period,
    Tile,
    add_history,
    bold,
    count,
    header,
    listing,
    money_in,
    period_of,
    team_or_company,
)
from salesops_lib.reports.calls import DEFINITIONS as CALL_DEFINITIONS
from salesops_lib.reports.calls import Calls, calls_section
from salesops_lib.reports.deals import (
    AMOUNT_SOURCE,
    category_note,
    deal_rows,
    deal_spec,
    label_closed_after,
    mark_filled_amounts,
    outcome_since,
    table_definitions,
    with_note,
    with_since,
    worth,
)
from salesops_lib.reports.definitions import SHARED, pick
from salesops_lib.reports.outlook import hindsight_why, outlook_sentence
from salesops_lib.reports.tables import Column, Table, TableSpec
from salesops_lib.reports.weekly import DEFINITIONS as WEEKLY_DEFINITIONS
from salesops_lib.reports.weekly import Weekly, blank_line, weekly_section

SECTION_DEFINITIONS = CALL_DEFINITIONS | WEEKLY_DEFINITIONS
"""The terms of the sections built in modules of their own (reps' calls, forecast by week)."""

WEEKS = (0, 4, 8)
"""Weeks of the quarter every method is also backtested at (besides the forecast's own)."""

LARGEST = 10
PAST_DUE_ROWS = 20
MIN_QUARTERS = forecast.MIN_BACKTEST_QUARTERS
ENSEMBLE_PARTS = ("time_series", "pipeline", "win_model", "ensemble")
"""What a team split of the Blend of methods runs (the blend of each team's forecasts)."""

SECTION_FORECAST = "What will the quarter close at?"
SECTION_ACCURACY = "How accurate has each method been?"
SECTION_RISK = "What is at risk?"
SECTION_TEAMS = "How does the forecast split by team?"
SECTION_CALLS = "How good are the reps' calls, and who may miss quota?"

METHOD_NAMES: dict[str, str] = {
    "time_series": "Bookings trend",
    "pipeline": "Pipeline by stage and age",
    "win_model": "Deal-by-deal win model",
    "rep_call": "Rep call",
    "ensemble": "Blend of methods",
    "theta": "Theta method",
    "ets": "Exponential smoothing",
    "seasonal_naive": "Same quarter last year",
    "seasonal_naive_growth": "Same quarter last year, grown",
    "last_quarter": "Last quarter again",
    "trailing_mean": "Average of the last four quarters",
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
        "As Pipeline by stage and age, with each deal's chance from a model trained on past "
        "deals (a calibrated gradient-boosting classifier) on stage, age, amount, days to "
        "expected close, close-date pushes, the rep's past win rate, segment and product."
    ),
    "rep_call": (
        "Bookings so far plus the deals reps call Commit (also its low end); the upper end "
        "adds Best Case. It has no probability behind it and is never recommended."
    ),
    "ensemble": (
        "The other methods (not Rep call) averaged with weights proportional to one over "
        "their squared average miss in the backtest."
    ),
    "theta": (
        "The Theta method on quarterly bookings alone (a long-run trend line blended with "
        "simple exponential smoothing, seasonality taken out first once there are two years "
        "of positive quarters). Mid-quarter: bookings so far plus its share still to come at "
        "the usual pace."
    ),
    "ets": (
        "Exponential smoothing of quarterly bookings alone with a damped trend (and a "
        "seasonal pattern from three years of quarters on), as statsmodels' ETS model fits "
        "it. Mid-quarter: bookings so far plus its share still to come at the usual pace."
    ),
    "seasonal_naive": (
        "A yardstick: the bookings of the same quarter a year before (mid-quarter, bookings so "
        "far plus its share still to come at the usual pace, as for every yardstick). "
        "Recommended when no other method beats it."
    ),
    "seasonal_naive_growth": (
        "A yardstick: the same quarter a year before, times the last four quarters' bookings "
        "over the four before them. Recommended when no other method beats it."
    ),
    "last_quarter": (
        "A yardstick: the bookings of the last complete quarter again. Recommended when no "
        "other method beats it."
    ),
    "trailing_mean": (
        "A yardstick: the average bookings of the last four complete quarters. Recommended "
        "when no other method beats it."
    ),
    "holt_monthly": "Next month's bookings from the months before by exponential smoothing with a trend (Holt).",
    "naive_last_month": "Next month's bookings taken to be last month's.",
    "mean_so_far": "Next month's bookings taken to be the average month so far.",
}

AGE_WORDS = "up to 30, 31–60, 61–90, 91–180 and over 180 days old"
"""The age bands of the pipeline method (:data:`~salesops_lib.analysis.forecast.AGE_BANDS`)."""


def pipeline_name(inputs: tuple[str, ...] | list[str]) -> str:
    """The pipeline method named by what it learnt from on the data.

    Parameters
    ----------
    inputs
        What the pipeline method learnt from: ``stage``, ``close``, ``age``
        (:func:`~salesops_lib.analysis.forecast.method_inputs`' ``pipeline``).

    Returns
    -------
    str
        ``Pipeline by stage and age``, ``Pipeline by stage``, ``Pipeline by age``, or
        ``Pipeline at one rate`` with neither stage nor age.

    Examples
    --------
    >>> pipeline_name(("stage", "close", "age")), pipeline_name(("age",))
    ('Pipeline by stage and age', 'Pipeline by age')
    """
    if "stage" in inputs:
        return "Pipeline by stage and age" if "age" in inputs else "Pipeline by stage"
    return "Pipeline by age" if "age" in inputs else "Pipeline at one rate"


def method_names(inputs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Every method's name on this data.

    These are :data:`METHOD_NAMES` with the pipeline method named by what it used
    (:func:`pipeline_name`).

    Parameters
    ----------
    inputs
        What the methods learnt from (:func:`~salesops_lib.analysis.forecast.method_inputs`);
        without ``pipeline`` the pipeline method keeps its default name.

    Returns
    -------
    dict of str to str
        Library name of each method to its name in a manager's words.
    """
    names = dict(METHOD_NAMES)
    if "pipeline" in inputs:
        names["pipeline"] = pipeline_name(inputs["pipeline"])
    return names


def _inputs_in_words(inputs: tuple[str, ...]) -> list[str]:
    return [forecast.INPUT_WORDS.get(i, i) for i in inputs]


def method_definitions(inputs: dict[str, tuple[str, ...]], names: dict[str, str]) -> dict[str, str]:
    """Each method's definition by what it really used on this data (keys: library names).

    Without history snapshots the deals open at earlier points have no known stage,
    expected close date or pushes, so the pipeline method works by age only and the win
    model leaves those inputs out: the definitions say so.

    Parameters
    ----------
    inputs
        What the methods learnt from (:func:`~salesops_lib.analysis.forecast.method_inputs`);
        a method it leaves out keeps its definition of :data:`METHOD_DEFINITIONS`.
    names
        The method names on this data (:func:`method_names`): the win model's definition
        names the pipeline method by its name.

    Returns
    -------
    dict of str to str
        Library name of each method to its definition.
    """
    out = dict(METHOD_DEFINITIONS)
    used = inputs.get("pipeline")
    if used is not None:
        cell = [
            w
            for k, w in (("stage", "stage"), ("close", "close-date window"), ("age", "age band"))
            if k in used
        ]
        share = (
            f"the share of deals in the same {listing(cell)} ({AGE_WORDS})"
            if "age" in used
            else f"the share of deals in the same {listing(cell)}"
            if cell
            else "the share of all deals"
        )
        text = (
            f"Bookings so far, plus each open deal's amount times {share} that closed won within "
            "the quarter from the same point of earlier quarters, plus the average bookings from "
            "deals not yet created at that point."
        )
        if "stage" not in used:
            text += (
                f" {'By age only' if 'age' in used else 'At one rate'} on this data: without "
                "history snapshots the stage and expected close date deals had at earlier points "
                "are unknown."
            )
        out["pipeline"] = text
    win = inputs.get("win_model")
    if win is not None:
        pipe = names.get("pipeline", METHOD_NAMES["pipeline"])
        if not win:
            out["win_model"] = (
                f"As {pipe}: too few deals open at earlier points to train a model on, so each "
                "deal gets that method's chance."
            )
        else:
            text = (
                f"As {pipe}, with each deal's chance from a model trained on past deals (a "
                f"calibrated gradient-boosting classifier) on {listing(_inputs_in_words(win))}"
            )
            if "stage" not in win:
                text += (
                    " (without history snapshots the stage, days to expected close and close-date "
                    "pushes deals had at earlier points are unknown, so the model leaves them out)"
                )
            out["win_model"] = text + "."
    return out


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
        Column("wape", "Average miss", "pct1"),
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
        Column("goal", "Goal", "money"),
        Column("of_goal", "Forecast of goal", "pct"),
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
    bias
        Its bias in that backtest.
    tied
        The other methods whose WAPE tied with its (less than 0.1 point apart): ``(method,
        wape, bias)``; the smaller absolute bias decided.
    label
        Its name on this data (:func:`method_names`); None: :data:`METHOD_NAMES`'.
    above, below
        Quarters whose actual closed above, or below, its 80% range.
    hindsight
        The methods of the forecast whose backtest used hindsight
        (:func:`~salesops_lib.analysis.forecast.hindsight_methods`): never recommended.
    fair_quarters
        The most quarters any method without hindsight was tested on (0: none ran).
    nested_wape, nested_quarters, nested_picks
        The out-of-sample record of the rule in the same backtest
        (:func:`~salesops_lib.analysis.forecast.nested_choice`): the WAPE of the methods
        picked for each quarter from the quarters before it alone, those quarters and picks.
    best_yardstick
        The yardstick (:data:`~salesops_lib.analysis.forecast.BASELINES`) with the lowest
        WAPE among those the rule could pick, and that WAPE; None without one.
    range_errors
        Backtest errors the forecast's range comes from (0: the method's own range).
    partial
        The methods without hindsight tested on fewer quarters than it (too short a history
        for the first ones): compared with it on the quarters they share only.
    rivals
        The methods it was compared with on the quarters they share
        (:func:`~salesops_lib.analysis.forecast.head_to_head`): ``(method, quarters, its
        WAPE on them, the rival's)``; empty: no other method could be compared with it.
    uncompared
        The other methods without hindsight that share fewer than
        :data:`~salesops_lib.analysis.forecast.MIN_SHARED_QUARTERS` tested quarters with it:
        the rule does not set them against it.
    beaten
        Without a recommendation: the method with the lowest WAPE over enough quarters and
        the rival that missed less on the quarters they share, ``(method, rival, quarters,
        its WAPE on them, the rival's, its WAPE over all its quarters, those quarters)``;
        None otherwise.
    cycle
        Every method tested on enough quarters lost to another on the quarters they share
        (A beat B, B beat C, C beat A), so the rule took the longest record's lowest WAPE
        (:func:`~salesops_lib.analysis.forecast.ranking`).

    Without a recommendation ``quarters`` are the quarters the backtest could test (fewer
    than :data:`MIN_QUARTERS`, or none).
    """

    method: str | None
    week: int
    quarters: list[str]
    wape: float
    held80: int
    held95: int
    ranged: int
    bias: float = float("nan")
    tied: tuple[tuple[str, float, float], ...] = ()
    label: str | None = None
    above: int = 0
    below: int = 0
    hindsight: tuple[str, ...] = ()
    fair_quarters: int = 0
    nested_wape: float = float("nan")
    nested_quarters: tuple[str, ...] = ()
    nested_picks: tuple[str, ...] = ()
    best_yardstick: tuple[str, float] | None = None
    range_errors: int = 0
    partial: tuple[str, ...] = ()
    rivals: tuple[tuple[str, int, float, float], ...] = ()
    beaten: tuple[str, str, int, float, float, float, int] | None = None
    cycle: bool = False
    uncompared: tuple[str, ...] = ()

    @property
    def yardstick(self) -> bool:
        """Whether the recommended method is a yardstick: nothing else beat it."""
        return self.method in forecast.BASELINES

    @property
    def name(self) -> str | None:
        """The method in a manager's words."""
        if self.method is None:
            return None
        return self.label or method_name(self.method)


@dataclass(frozen=True)
class Forecasting(HasGaps):
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
    range_sentence: str | None
    season_sentence: str | None
    forecast_table: Table
    forecast_chart: pd.DataFrame
    forecast_title: str
    goal: float | None
    goal_label: str
    rep_call_note: str | None
    outlook: Outlook
    outlook_sentence: str
    reconcile_sentence: str | None
    backtests: dict[int, pd.DataFrame]
    accuracy: Table
    accuracy_sentence: str | None
    tested_sentence: str | None
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
    names: dict[str, str]
    inputs: dict[str, tuple[str, ...]]
    bridge: Bridge | None
    bridge_chart: pd.DataFrame
    bridge_title: str
    bridge_sentence: str | None
    bridge_table: Table
    bridge_definitions: dict[str, str]
    push_list: Table
    push_sentence: str
    push_rule: str
    push_files: dict[str, Table]
    push_files_label: str
    calls: Calls
    """Reps' calls: past bias, the calibrated call and the reps at risk of missing quota."""
    weekly: Weekly
    """The recommended forecast by week: the quarter just finished and the one forecast."""


def method_name(method: str, names: dict[str, str] | None = None) -> str:
    """A method in a manager's words.

    Parameters
    ----------
    method
        The library's name of the method.
    names
        The method names on this data (:func:`method_names`); None: the default names.

    Returns
    -------
    str
        Its name; an unknown name is shown as it is.
    """
    return (names or METHOD_NAMES).get(method, method)


def outlook_figures(r: Forecasting) -> dict[str, Any]:
    """The quarter ahead in plain figures, for the executive summary's outlook paragraph.

    The report's own numbers (no new reckoning): the recommended forecast and its 80% range,
    the goal, bookings so far, the open pipeline and its coverage of the gap.

    Parameters
    ----------
    r
        The report's result (:func:`build`).

    Returns
    -------
    dict
        ``quarter, section, method, point, lo80, hi80, goal, goal_basis, booked,
        open_pipeline, coverage, currency, rule_miss, rule_quarters``; the forecast's keys
        are None without a recommended method, ``coverage`` None when the goal is met or
        missing; ``rule_miss`` is the tile's average miss of the rule (the methods it picked
        for each past quarter from the quarters before it alone) over ``rule_quarters``
        quarters, None when not measured.
    """
    o = r.outlook
    row: dict[str, Any] = {}
    if r.recommendation.method is not None:
        found = r.forecasts.set_index("method")
        if r.recommendation.method in found.index:
            row = found.loc[r.recommendation.method].to_dict()

    def plain(v: object) -> float | None:
        return float(v) if isinstance(v, (int, float)) and np.isfinite(v) else None  # type: ignore[arg-type]

    return {
        "quarter": r.target_quarter,
        "section": SECTION_FORECAST,
        "method": r.recommended_name if row else None,
        "point": plain(row.get("point")),
        "lo80": plain(row.get("lo80")),
        "hi80": plain(row.get("hi80")),
        "goal": plain(o.goal) if o.goal > 0 else None,
        "goal_basis": o.goal_basis,
        "booked": float(o.booked),
        "open_pipeline": float(o.open_pipeline),
        "coverage": plain(o.coverage),
        "currency": r.currency,
        "rule_miss": plain(r.recommendation.nested_wape) if row else None,
        "rule_quarters": len(r.recommendation.nested_quarters) if row else 0,
    }


def build(
    data: SalesData,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
    backtest_quarters: int = 8,
    week: int | None = None,
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
    week
        Forecast as of week ``week`` of the quarter (not with ``as_of``): its first day + 7 ×
        week, at most its last (:func:`~salesops_lib.reports.base.week_as_of`).

    Returns
    -------
    Forecasting

    Raises
    ------
    ConfigError
        For a quarter outside the data, an as-of date that is not a date or outside the
        quarter, a week outside it or given with an as-of date, or a team no rep is in.

    Examples
    --------
    >>> build(load_dataset("data/demo"), quarter="2026Q3").recommendation_sentence  # doctest: +SKIP
    """
    period = period_of(data, quarter, as_of, week=week)
    if team:
        return _team_build(data, period, team, backtest_quarters)
    b = _basis(d := data, period, backtest_quarters)
    target, decision, names, rec, forecasts = b.target, b.decision, b.names, b.rec, b.forecasts
    booked = float(b.fc.attrs["booked"])
    outlook = quarter_outlook(d, quarter=target, as_of=period.as_of)
    risk = forecast.risks(d, quarter=target, as_of=period.as_of, top=LARGEST)
    teams = _company_teams(b, backtest_quarters)
    start, end = d.calendar.bounds(target)
    monthly = forecast.backtest_monthly(d) if len(d.quarters()) < 8 else pd.DataFrame()
    risks = _risk_section(b, risk)
    moved = _bridge_section(b)
    h = header(data, period, team)
    return Forecasting(
        header=replace(h, scope=scope_sentence(team, period, target, start, end)),
        period=period,
        target_quarter=target,
        gaps=_gaps(decision, bool(risk["has_history"]), teams, target, rec, d),
        intro_sentence=_intro(d, period, target, booked, b.fmt),
        **_fields(
            _forecast_section(b, booked, outlook, risk),
            _accuracy_section(b, monthly, backtest_quarters),
            risks,
            _team_section(b, teams),
            moved,
            _push_section(b, risk),
            *_closing_parts(b, backtest_quarters, outlook),
        ),
        definitions=_page_definitions(b, monthly, risks, moved),
        findings=_findings(
            forecasts,
            rec,
            outlook,
            _frame(risk, "past_due"),
            _frame(risk, "undated"),
            target,
            b.fmt,
            data=d,
        ),
        currency=d.currency,
        names=names,
        inputs=b.inputs,
    )


def _page_definitions(
    b: _Basis, monthly: pd.DataFrame, risks: _Risk, moved: _Moved
) -> dict[str, str]:
    """The page's definitions: the methods and inputs shown, the deal tables' terms, the bridge's."""
    return (
        _definitions(
            b.forecasts,
            monthly,
            b.inputs,
            b.names,
            deal_terms=table_definitions(risks.largest.frame, risks.past_due.frame),
            filled=any(
                bool(t.frame.get("amount_filled", pd.Series(dtype=bool)).any())
                for t in (risks.largest, risks.past_due)
            ),
        )
        | moved.bridge_definitions
        | SECTION_DEFINITIONS
    )


def _fields(*parts: Any) -> dict[str, Any]:
    """The fields of the sections' results, by name, for the report's result (no copies)."""
    return {f.name: getattr(p, f.name) for p in parts for f in dataclasses.fields(p)}


@dataclass(frozen=True)
class _CallsPart:
    """Section "How good are the reps' calls?" (the field of :class:`Forecasting`)."""

    calls: Calls


def _calls_part(b: _Basis, quarters: int, outlook: Outlook) -> _CallsPart:
    """The reps' calls (:func:`~salesops_lib.reports.calls.calls_section`) of the quarter
    forecast, their calibrated call set beside the forecast and the reckoning
    (:func:`call_reconcile_sentence`)."""
    calls = calls_section(
        b.d, quarter=b.target, as_of=b.period.as_of, week=b.week, quarters=quarters
    )
    if b.rec.method is None or b.rec.method not in set(b.forecasts["method"]):
        return _CallsPart(calls)
    point = float(b.forecasts.set_index("method").loc[b.rec.method, "point"])
    said = call_reconcile_sentence(
        calls.teams.frame, calls.calibration_test, b.rec, b.decision, point, outlook, b.fmt
    )
    if said and calls.calibrated_sentence:
        calls = replace(calls, calibrated_sentence=f"{calls.calibrated_sentence} {said}")
    return _CallsPart(calls)


def call_reconcile_sentence(
    teams: pd.DataFrame,
    tested: pd.DataFrame | None,
    rec: Recommendation,
    decision: pd.DataFrame,
    point: float,
    outlook: Outlook,
    fmt: MoneyFormat,
) -> str | None:
    """The calibrated Commit call, the recommended forecast and the reckoning reconciled.

    Three figures for the same quarter on one page: which to believe is the one that missed
    less on the earlier quarters both were tested on at the same week (WAPE: the sum of
    misses over the sum of actuals, the forecast's own measure).

    Parameters
    ----------
    teams
        The calls' team rows (:func:`~salesops_lib.reports.calls.team_rows`; its last row
        the company's ``calibrated``).
    tested
        :func:`~salesops_lib.analysis.calls.calibration_backtest` (``quarter, calibrated,
        actual``).
    rec
        The recommendation.
    decision
        The deciding backtest (``quarter, method, error, actual``).
    point
        The recommended forecast.
    outlook
        The reckoning.
    fmt
        The money formatter.

    Returns
    -------
    str or None
        The sentence; None without a calibrated call, a recommendation or a shared quarter.

    Examples
    --------
    ``Three figures for 2026Q4 are on this page: the calibrated Commit call $36.0M (101% of
    the goal), the recommended forecast $31.6M (89%) and the reckoning $30.8M (86%). On the
    6 earlier quarters both were tested at week 0, the recommended forecast missed by 4.1%
    (WAPE) and the calibrated call by 12.0%: believe the recommended forecast; ...``
    """
    if teams.empty or tested is None or tested.empty or rec.method is None:
        return None
    cal = float(teams.iloc[-1]["calibrated"])
    if not np.isfinite(cal):
        return None
    t = tested[(tested["actual"] > 0) & tested["calibrated"].notna()].set_index("quarter")
    mine = decision[decision["method"] == rec.method].set_index("quarter")
    shared = t.index.intersection(mine.index)
    if not len(shared):
        return None
    total = float(mine.loc[shared, "actual"].sum())
    rec_w = float(mine.loc[shared, "error"].abs().sum()) / total
    cal_w = float((t.loc[shared, "calibrated"] - t.loc[shared, "actual"]).abs().sum()) / float(
        t.loc[shared, "actual"].sum()
    )
    goal = outlook.goal

    def of(x: float, first: bool = False) -> str:
        if goal <= 0:
            return ""
        return f" ({pct(x / goal)}{' of the goal' if first else ''})"

    text = (
        f"Three figures for {outlook.quarter} are on this page: the calibrated Commit call "
        f"{fmt(cal)}{of(cal, True)}, the recommended forecast {fmt(point)}{of(point)} and the "
        f"reckoning {fmt(outlook.expected)}{of(outlook.expected)}. On the "
        f"{count(len(shared), 'earlier quarter')} both were tested {week_phrase(rec.week, each=True)}, the "
        f"recommended forecast missed by {pct(rec_w, 1)} and the calibrated call by "
        f"{pct(cal_w, 1)}: "
    )
    if rec_w <= cal_w:
        return text + (
            "believe the recommended forecast; the calibrated call is the reps' own view of "
            "their deals, worth a look where it parts from it, and the reckoning is a rule of "
            "thumb the forecast's methods refine."
        )
    return text + (
        "the calibrated call has the better record, so weigh the reps' view above the "
        "recommended forecast; the reckoning is a rule of thumb the forecast's methods refine."
    )


@dataclass(frozen=True)
class _WeeklyPart:
    """Section "How did the forecast move week by week?" (the field of :class:`Forecasting`)."""

    weekly: Weekly


def _closing_parts(b: _Basis, quarters: int, outlook: Outlook) -> tuple[_CallsPart, _WeeklyPart]:
    """The report's last sections: the reps' calls and the forecast by week."""
    return _calls_part(b, quarters, outlook), _weekly_part(b)


def _weekly_part(b: _Basis) -> _WeeklyPart:
    """The forecast by week (:func:`~salesops_lib.reports.weekly.weekly_section`) from the backtests run."""
    return _WeeklyPart(
        weekly_section(
            b.d,
            target=b.target,
            week=b.week,
            as_of=b.period.as_of,
            backtests=b.tests,
            names=b.names,
            fmt=b.fmt,
        )
    )


def _frame(risk: dict[str, object], key: str) -> pd.DataFrame:
    """One of the deal sets of :func:`~salesops_lib.analysis.forecast.risks`."""
    deals = risk[key]
    assert isinstance(deals, pd.DataFrame)
    return deals


@dataclass(frozen=True)
class _Basis:
    """What every section of report 03 reads: the quarter, the backtests and the forecast."""

    d: SalesData
    period: Period
    target: str
    """The quarter forecast."""
    week: int
    """Its week of quarter on the as-of date: the backtest at this week decides."""
    fmt: MoneyFormat
    tests: dict[int, pd.DataFrame]
    """The backtests by week of quarter."""
    decision: pd.DataFrame
    """The backtest at the forecast's week."""
    fc: pd.DataFrame
    """The forecast by method (:func:`~salesops_lib.analysis.forecast.forecast_quarter`)."""
    shown: set[str]
    """Its methods."""
    inputs: dict[str, tuple[str, ...]]
    names: dict[str, str]
    rec: Recommendation
    acc: pd.DataFrame
    forecasts: pd.DataFrame
    """The forecast as the report shows it (:func:`forecast_frame`), without an empty rep call."""
    empty_call: pd.Series | None = None
    """The rep call's row when reps have called nothing (:func:`empty_rep_call`)."""


def _basis(d: SalesData, period: Period, backtest_quarters: int) -> _Basis:
    """Backtest every method at each week shown, forecast the quarter, recommend a method."""
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
    shown = set(fc["method"])
    inputs = forecast.method_inputs(
        d,
        quarter=target,
        as_of=period.as_of,
        methods=tuple(m for m in ("pipeline", "win_model") if m in shown),
    )
    names = method_names(inputs)
    rec = recommendation_of(fc, decision, week, names)
    acc = accuracy_frame(tests, names)
    forecasts = forecast_frame(fc, acc, week, names)
    empty = empty_rep_call(forecasts)
    if empty is not None:  # nothing booked, nothing in Commit: no figure to set beside the others
        forecasts = forecasts[forecasts["method"] != "rep_call"].reset_index(drop=True)
    fmt = money_in(d.currency)
    return _Basis(
        d,
        period,
        target,
        week,
        fmt,
        tests,
        decision,
        fc,
        shown,
        inputs,
        names,
        rec,
        acc,
        forecasts,
        empty,
    )


def empty_rep_call(forecasts: pd.DataFrame) -> pd.Series | None:
    """The rep call's row when reps have called nothing: nothing booked and no deal in Commit.

    On a quarter's first day (or before it starts) with no open deal closing in it in
    Commit, the rep call is $0: not a forecast of $0 but the absence of a call, so the
    report leaves it out of the methods compared and says why (:func:`rep_call_note`).

    Parameters
    ----------
    forecasts
        :func:`forecast_frame` of the target quarter (``method, point, hi95``).

    Returns
    -------
    Series or None
        The ``rep_call`` row (its ``hi95`` is bookings plus Best Case and Commit: the Best
        Case called); None when there is no rep call or it calls more than $0.
    """
    call = forecasts[forecasts["method"] == "rep_call"]
    if call.empty or float(call["point"].iloc[0]) > 0:
        return None
    return call.iloc[0]


REP_CALL_NOTE = (
    "Rep call is what reps have committed: bookings so far plus Commit deals, its low "
    "end (its range runs up to Best Case). It has no probability behind it and is never "
    "recommended."
)


def rep_call_note(
    shown: set[str],
    empty: pd.Series | None,
    as_of: pd.Timestamp,
    target: str,
    fmt: MoneyFormat,
) -> str | None:
    """What Rep call is, or why it is left out when reps have called nothing yet.

    Parameters
    ----------
    shown
        The methods the forecast ran (``rep_call`` only with forecast categories).
    empty
        :func:`empty_rep_call` of the forecasts (None: the call is shown).
    as_of
        The as-of date.
    target
        The quarter forecast.
    fmt
        The money formatter.

    Returns
    -------
    str or None
        None without forecast categories.

    Examples
    --------
    >>> row = pd.Series({"method": "rep_call", "point": 0.0, "hi95": 0.0})
    >>> rep_call_note({"rep_call"}, row, pd.Timestamp("2026-04-01"), "2026Q2", money_in("USD"))
    'Rep call is left out: on 2026-04-01 nothing is booked for 2026Q2 and no open deal closing in it is in Commit, so reps have committed nothing yet; none is in Best Case either. That is no forecast of $0: it says nothing yet about what 2026Q2 will bring.'
    """
    if "rep_call" not in shown:
        return None
    if empty is None:
        return REP_CALL_NOTE
    best = float(empty["hi95"])
    best_case = (
        f"the deals in Best Case come to {fmt(best)}" if best > 0 else "none is in Best Case either"
    )
    return (
        f"Rep call is left out: on {as_of.date()} nothing is booked for {target} and no open "
        f"deal closing in it is in Commit, so reps have committed nothing yet; {best_case}. "
        f"That is no forecast of $0: it says nothing yet about what {target} will bring."
    )


@dataclass(frozen=True)
class _Close:
    """Section "What will the quarter close at?" (fields of :class:`Forecasting`)."""

    forecasts: pd.DataFrame
    recommendation: Recommendation
    recommended_name: str
    booked: float
    tiles: list[Tile]
    recommendation_sentence: str
    range_sentence: str | None
    season_sentence: str | None
    forecast_table: Table
    forecast_chart: pd.DataFrame
    forecast_title: str
    goal: float | None
    goal_label: str
    rep_call_note: str | None
    outlook: Outlook
    outlook_sentence: str
    reconcile_sentence: str | None


def _forecast_section(
    b: _Basis, booked: float, outlook: Outlook, risk: dict[str, object]
) -> _Close:
    """What will the quarter close at: each method's forecast, the recommended one, the outlook."""
    d, target, as_of, fmt, rec, forecasts = b.d, b.target, b.period.as_of, b.fmt, b.rec, b.forecasts
    decision = b.decision
    everything = timeline.open_deals(d, as_of)
    outside = everything[~everything["opp_id"].isin(_frame(risk, "open")["opp_id"])]
    chances = (
        forecast.deal_chances(d, quarter=target, as_of=as_of) if "pipeline" in b.shown else None
    )
    goal = outlook.goal if outlook.goal > 0 else None
    return _Close(
        forecasts=forecasts,
        recommendation=rec,
        recommended_name=rec.name or "",
        booked=booked,
        tiles=forecast_tiles(forecasts, rec, booked, as_of, fmt),
        recommendation_sentence=recommendation_sentence(forecasts, rec, target, fmt, b.names),
        range_sentence=" ".join(
            t for t in (range_sentence(rec), untested_sentence(forecasts, fmt)) if t
        )
        or None,
        season_sentence=season_sentence(decision, rec, forecasts, target, fmt),
        forecast_table=_forecast_table(b),
        forecast_chart=forecasts.assign(method=forecasts["label"]),
        forecast_title=forecast_title(forecasts, rec, target, fmt),
        goal=goal,
        goal_label=goal_words(outlook, fmt) if goal else "",
        rep_call_note=rep_call_note(b.shown, b.empty_call, as_of, target, fmt),
        outlook=outlook,
        outlook_sentence=outlook_sentence(outlook, d.currency),
        reconcile_sentence=reconcile_sentence(
            forecasts,
            rec,
            outlook,
            outside=outside,
            target=target,
            fmt=fmt,
            inputs=b.inputs,
            chances=chances,
        ),
    )


def _forecast_table(b: _Basis) -> Table:
    """The forecast of each method, as the section and :func:`forecast_view` show it."""
    caption = f"Forecasts of {b.target} bookings by method, as known on {b.period.as_of.date()}"
    if len(b.decision):
        caption += f"; ranges held: in the backtest at week {b.week}"
    return Table(b.forecasts, FORECAST_SPEC, caption, b.d.currency)


@dataclass(frozen=True)
class ForecastView:
    """The forecast section's headline of report 03 alone (see :func:`forecast_view`)."""

    period: Period
    tiles: list[Tile]
    recommendation_sentence: str
    range_sentence: str | None
    forecast_table: Table


def forecast_view(
    data: SalesData,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
    backtest_quarters: int = 8,
    week: int | None = None,
) -> ForecastView:
    """Report 03's tiles, recommendation, range and forecast table alone, as :func:`build` has them.

    What a what-if of the week of the quarter redraws: the backtests and the forecast that
    decide them, without the rest of the report (the outlook, the deals at risk, the split
    by team, last week's bridge and the push list), so a new week shows in a fraction of a
    whole build; on the same data set, the backtests of the weeks already seen are reused.

    Parameters
    ----------
    data, quarter, as_of, team, backtest_quarters, week
        As for :func:`build`.

    Returns
    -------
    ForecastView

    Raises
    ------
    ConfigError
        As :func:`build` does (a week outside the quarter, both ``as_of`` and ``week``).

    Examples
    --------
    >>> forecast_view(load_dataset("data/demo"), quarter="2026Q3", week=6).tiles  # doctest: +SKIP
    """
    period = period_of(data, quarter, as_of, week=week)
    b = _basis(team_or_company(data, team), period, backtest_quarters)
    booked = float(b.fc.attrs["booked"])
    return ForecastView(
        period=period,
        tiles=forecast_tiles(b.forecasts, b.rec, booked, period.as_of, b.fmt),
        recommendation_sentence=recommendation_sentence(
            b.forecasts, b.rec, b.target, b.fmt, b.names
        ),
        range_sentence=" ".join(
            t for t in (range_sentence(b.rec), untested_sentence(b.forecasts, b.fmt)) if t
        )
        or None,
        forecast_table=_forecast_table(b),
    )


@dataclass(frozen=True)
class _Accuracy:
    """Section "How accurate has each method been?" (fields of :class:`Forecasting`)."""

    backtests: dict[int, pd.DataFrame]
    accuracy: Table
    accuracy_sentence: str | None
    tested_sentence: str | None
    accuracy_chart: pd.DataFrame
    accuracy_title: str
    backtest_chart: pd.DataFrame
    backtest_title: str
    errors_by_quarter: Table
    monthly: Table
    monthly_sentence: str | None


def _accuracy_section(b: _Basis, monthly: pd.DataFrame, backtest_quarters: int) -> _Accuracy:
    """How accurate each method has been: the backtests by week of quarter, and by month."""
    d, rec, week, acc, decision = b.d, b.rec, b.week, b.acc, b.decision
    shared = with_shared_wape(acc, b.tests, rec)
    return _Accuracy(
        backtests=b.tests,
        accuracy=Table(
            shared,
            shared_spec(accuracy_spec(rec), shared),
            f"Backtest by week of quarter over up to {count(backtest_quarters, 'quarter')}; "
            f"week {week} decides the recommendation",
            d.currency,
        ),
        accuracy_sentence=accuracy_sentence(acc, rec, b.target, b.names),
        tested_sentence=tested_sentence(d, rec, backtest_quarters),
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
        errors_by_quarter=errors_by_quarter(decision, week, d.currency, b.names),
        monthly=monthly_table(monthly, d.currency),
        monthly_sentence=monthly_sentence(monthly, len(d.quarters())),
    )


@dataclass(frozen=True)
class _Risk:
    """Section "What is at risk?" (fields of :class:`Forecasting`)."""

    risk: dict[str, object]
    risk_sentence: str
    undated_sentence: str | None
    past_due_sentence: str
    largest: Table
    past_due: Table


def _risk_section(b: _Basis, risk: dict[str, object]) -> _Risk:
    """What is at risk: the largest open deals, those without a close date and those past it."""
    d, target, as_of, fmt = b.d, b.target, b.period.as_of, b.fmt
    has_history = bool(risk["has_history"])
    pipe, undated, due = _frame(risk, "open"), _frame(risk, "undated"), _frame(risk, "past_due")
    # deals closed since the as-of date are left out of the tables, as from the push list
    undated_first = pipe.empty and len(undated) > 0  # the table then lists the undated deals
    still, gone = timeline.split_closed_after(d, undated if undated_first else pipe, as_of)
    due_still, due_gone = timeline.split_closed_after(d, due, as_of)
    tail = "left out of the table below, with nothing left at risk"
    return _Risk(
        risk=risk,
        risk_sentence=_with(
            risk_sentence(pipe, target, has_history=has_history, fmt=fmt, still=still),
            _closed_since(d, gone, as_of, fmt, tail),
        ),
        undated_sentence=undated_sentence(undated, b.shown, fmt, b.names),
        past_due_sentence=_with(
            past_due_sentence(due, pipe, target, as_of, fmt),
            _closed_since(d, due_gone, as_of, fmt, tail, of_them=True),
        ),
        largest=_largest(d, still, target, has_history, as_of, undated=undated_first),
        past_due=_past_due(d, due_still, as_of),
    )


def _with(text: str, more: str | None) -> str:
    return f"{text} {more}" if more else text


def _closed_since(
    d: SalesData,
    gone: pd.DataFrame,
    as_of: pd.Timestamp,
    fmt: MoneyFormat,
    tail: str,
    *,
    of_them: bool = False,
) -> str | None:
    """:func:`closed_since_sentence` of timeline deals closed since ``as_of``."""
    if gone.empty:
        return None
    closed = pd.concat([gone[["amount"]], outcome_since(d, gone, as_of)[["since"]]], axis=1)
    return closed_since_sentence(closed, as_of, d.last_date, fmt, tail=tail, of_them=of_them)


@dataclass(frozen=True)
class _Teams:
    """Section "How does the forecast split by team?" (fields of :class:`Forecasting`)."""

    by_team: Table
    team_sentence: str | None


def _team_section(b: _Basis, teams: pd.DataFrame) -> _Teams:
    """How the forecast splits by team, against each team's goal."""
    team_method = teams.attrs.get("method")
    spec = TEAM_SPEC if "goal" in teams else TEAM_SPEC.without("goal", "of_goal")
    if "lo80" in teams and len(teams) and teams["lo80"].isna().all():  # the reckoning: no range
        spec = spec.without("lo80", "hi80")
    return _Teams(
        by_team=Table(
            teams,
            spec,
            f"{b.target} forecast by team ({method_name(team_method, b.names)})"
            if team_method
            else "",
            b.d.currency,
        ),
        team_sentence=team_sentence(teams, b.rec, b.fmt, b.names),
    )


def scope_sentence(
    team: str | None, period: Period, target: str, start: pd.Timestamp, end: pd.Timestamp
) -> str:
    """The header's scope: the quarter forecast (not the one reported), as known when.

    Parameters
    ----------
    team
        The team the report is narrowed to; None: the whole company.
    period
        The reported period (its quarter, status and as-of date).
    target
        The quarter forecast.
    start, end
        Its first and last day.

    Returns
    -------
    str
        The sentence (``**`` marks what to read first); for a team, followed by the
        sentence saying its forecast is the team's row of the company's.

    Examples
    --------
    >>> from salesops_lib.reports.base import Period
    >>> day = pd.Timestamp
    >>> p = Period("2026Q3", day("2026-07-01"), day("2026-09-30"), day("2026-09-30"))
    >>> print(scope_sentence("West", p, "2026Q4", day("2026-10-01"), day("2026-12-31")))
    Scope: **team West**, forecast of fiscal quarter **2026Q4** (2026-10-01 to 2026-12-31) as known on **2026-09-30**, the end of 2026Q3. Its forecast is team West's row of the company's forecast by team, by the method the company's backtest recommends.
    """
    who = "the whole company" if not team else f"team {team}"
    lead = (
        f"Scope: **{who}**, forecast of fiscal quarter **{target}** ({start.date()} to "
        f"{end.date()}) as known on **{period.as_of.date()}**"
    )
    own = (
        ""
        if not team
        else f" Its forecast is team {team}'s row of the company's forecast by team, by the "
        "method the company's backtest recommends."
    )
    if target == period.quarter:
        return lead + f" ({period.status})." + own
    return lead + f", the end of {period.quarter}." + own


def goal_words(outlook: Outlook, fmt: MoneyFormat) -> str:
    """The goal line's label on the forecast chart: ``goal $35.6M (quota)``.

    Parameters
    ----------
    outlook
        The reckoning of the target quarter (its ``goal`` and ``goal_basis``).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The label: the goal and, in brackets, what it is (``goal`` when the basis is blank).
    """
    basis = outlook.goal_basis if outlook.goal_basis else "goal"
    return f"goal {fmt(outlook.goal)} ({basis})"


# ---------------------------------------------------------------------------------------
# the forecast and its recommendation


def recommendation_of(
    fc: pd.DataFrame, decision: pd.DataFrame, week: int, names: dict[str, str] | None = None
) -> Recommendation:
    """The recommended method of a forecast and what its backtest measured.

    ``fc.attrs["recommended"]`` (:func:`~salesops_lib.analysis.forecast.recommend` on
    ``decision``) names it; the coverage counts, its bias and the methods it tied with come
    from the same backtest.

    Parameters
    ----------
    fc
        :func:`~salesops_lib.analysis.forecast.forecast_quarter` of the target quarter
        (``method``; ``attrs["recommended"]``).
    decision
        The deciding backtest: :func:`~salesops_lib.analysis.forecast.backtest` at the
        forecast's own week of quarter.
    week
        That week.
    names
        The method names on this data (:func:`method_names`); None: the default names.

    Returns
    -------
    Recommendation
        With ``method`` None (and the quarters the backtest could test) when no method is
        recommended.
    """
    method = fc.attrs.get("recommended")
    acc = forecast.accuracy(decision) if len(decision) else pd.DataFrame()
    quarters = sorted(decision["quarter"].unique().tolist()) if len(decision) else []
    ranked = forecast.ranking(decision, among=tuple(fc["method"]))
    looked = tuple(
        m for m in fc["method"] if m in set(decision.attrs.get("hindsight", ())) and m in acc.index
    )
    fair = ranked[~ranked["hindsight"].astype(bool)] if len(ranked) else ranked
    fair_n = int(fair["quarters"].max()) if len(fair) else 0
    if method is None or method not in acc.index:
        return Recommendation(
            None,
            week,
            quarters,
            np.nan,
            0,
            0,
            0,
            hindsight=looked,
            fair_quarters=fair_n,
            beaten=_beaten(decision, fair),
        )
    row = acc.loc[method]
    tied = tuple(
        (str(m), float(r["wape"]), float(r["bias"]))
        for m, r in ranked[ranked["tied"]].iterrows()
        if m != method
    )
    mine = decision[decision["method"] == method]
    nested = decision.attrs.get("nested", pd.DataFrame(columns=["quarter", "method"]))
    rivals = _rivals(decision, str(method), fair)
    compared = {r[0] for r in rivals} | {str(method)}
    return Recommendation(
        method=str(method),
        week=week,
        quarters=sorted(mine["quarter"].tolist()),
        wape=float(row["wape"]),
        held80=int(row["held80"]) if pd.notna(row["held80"]) else 0,
        held95=int(row["held95"]) if pd.notna(row["held95"]) else 0,
        ranged=int(row["ranged"]),
        bias=float(row["bias"]),
        tied=tied,
        label=method_name(str(method), names),
        above=int((mine["actual"] > mine["hi80"]).sum()),
        below=int((mine["actual"] < mine["lo80"]).sum()),
        hindsight=looked,
        fair_quarters=fair_n,
        nested_wape=float(decision.attrs.get("nested_wape", np.nan)),
        nested_quarters=tuple(nested["quarter"]),
        nested_picks=tuple(nested["method"]),
        best_yardstick=_best_yardstick(ranked),
        range_errors=int(fc.attrs.get("range_errors", {}).get(method, 0)),
        partial=tuple(
            str(m)
            for m, r in fair.iterrows()
            if int(r["quarters"]) < len(mine) and m in set(fc["method"])
        ),
        rivals=rivals,
        cycle=bool(ranked["cycle"].any()) if "cycle" in ranked else False,
        uncompared=tuple(str(m) for m in fair.index if str(m) not in compared),
    )


def _rivals(
    decision: pd.DataFrame, method: str, fair: pd.DataFrame
) -> tuple[tuple[str, int, float, float], ...]:
    """``method`` against each other fair method on the quarters they share (at least
    :data:`~salesops_lib.analysis.forecast.MIN_SHARED_QUARTERS`)."""
    out = []
    for m in fair.index:
        if m == method:
            continue
        n, mine, theirs = forecast.head_to_head(decision, method, str(m))
        if n >= forecast.MIN_SHARED_QUARTERS and np.isfinite(mine) and np.isfinite(theirs):
            out.append((str(m), n, mine, theirs))
    return tuple(out)


def _beaten(
    decision: pd.DataFrame, fair: pd.DataFrame
) -> tuple[str, str, int, float, float, float, int] | None:
    """The lowest-WAPE method tested on enough quarters and the rival that beat it on the
    quarters they share (:attr:`Recommendation.beaten`); None: no such method."""
    if fair.empty or "beaten_by" not in fair:
        return None
    enough = fair[(fair["quarters"] >= MIN_QUARTERS) & (fair["beaten_by"] != "")]
    if enough.empty:
        return None
    best = str(enough["wape"].astype(float).idxmin())
    rival = str(enough.loc[best, "beaten_by"])
    n, mine, theirs = forecast.head_to_head(decision, best, rival)
    whole = float(enough.loc[best, "wape"])
    return best, rival, n, mine, theirs, whole, int(enough.loc[best, "quarters"])


def _best_yardstick(ranked: pd.DataFrame) -> tuple[str, float] | None:
    """The eligible yardstick with the lowest WAPE in a ranking, and that WAPE."""
    if ranked.empty:
        return None
    sticks = ranked[ranked.index.isin(forecast.BASELINES) & ranked["eligible"].astype(bool)]
    if sticks.empty:
        return None
    best = sticks["wape"].astype(float).idxmin()
    return str(best), float(sticks.loc[best, "wape"])


def accuracy_frame(
    tests: dict[int, pd.DataFrame], names: dict[str, str] | None = None
) -> pd.DataFrame:
    """Every method's accuracy at every week tested.

    Parameters
    ----------
    tests
        The backtest at each week of quarter (:func:`~salesops_lib.analysis.forecast.backtest`),
        by week; an empty one is skipped.
    names
        The method names on this data (:func:`method_names`); None: the default names.

    Returns
    -------
    DataFrame
        ``week, method, label, quarters, wape, bias, ranged, held80, held95, coverage80,
        coverage95`` (``held80``/``held95`` as text such as ``6 of 8``, or ``no range``; the
        counts in ``held80_n``/``held95_n``), by week and then lowest WAPE first; a method
        whose backtest used hindsight is labelled so. Without a backtest, an empty frame.
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
    looked = {m for bt in tests.values() for m in bt.attrs.get("hindsight", ())}
    acc["label"] = acc["method"].map(
        lambda m: method_name(m, names) + (" (hindsight)" if m in looked else "")
    )
    acc["bias"] = acc["bias"].where(acc["bias"].abs() >= 0.0005, 0.0)  # no "-0.0%"
    acc["held80_n"] = acc["held80"]
    acc["held95_n"] = acc["held95"]
    acc["held80"] = [_held(h, n) for h, n in zip(acc["held80_n"], acc["ranged"], strict=True)]
    acc["held95"] = [_held(h, n) for h, n in zip(acc["held95_n"], acc["ranged"], strict=True)]
    return acc.sort_values(["week", "wape"], kind="stable").reset_index(drop=True)


def accuracy_spec(rec: Recommendation) -> TableSpec:
    """The backtest table's spec: WAPE to two decimals when the recommendation broke a tie.

    The tied figures would read the same at one decimal.

    Parameters
    ----------
    rec
        The recommendation (:func:`recommendation_of`).

    Returns
    -------
    TableSpec
        :data:`ACCURACY_SPEC`, its WAPE column as ``pct2`` when ``rec.tied``.
    """
    if not rec.tied:
        return ACCURACY_SPEC
    return replace(
        ACCURACY_SPEC,
        columns=tuple(
            Column(c.key, c.label, "pct2") if c.key == "wape" else c for c in ACCURACY_SPEC.columns
        ),
    )


def with_shared_wape(
    acc: pd.DataFrame, tests: dict[int, pd.DataFrame], rec: Recommendation
) -> pd.DataFrame:
    """The accuracy table plus the recommended method's WAPE on each other row's quarters.

    Where a method was tested on other quarters than the recommended one (fewer, or more),
    its WAPE and the recommended method's own are not comparable; ``rec_shared`` is the
    recommended method's WAPE on the quarters both were tested on at that week
    (:func:`~salesops_lib.analysis.forecast.head_to_head`), ``rec_shared_n`` how many.

    Parameters
    ----------
    acc
        :func:`accuracy_frame`.
    tests
        The backtests by week of quarter.
    rec
        The recommendation (:func:`recommendation_of`).

    Returns
    -------
    DataFrame
        ``acc`` plus ``rec_shared`` and ``rec_shared_n`` (NaN and 0 on the recommended
        method's rows, on rows tested on the same quarters as it, and without a
        recommendation) and ``rec_shared_text`` (``33.1% (4 quarters)``, or empty).
    """
    out = acc.copy()
    out["rec_shared"] = np.nan
    out["rec_shared_n"] = 0
    if rec.method is None or out.empty:
        return out
    for i, r in out.iterrows():
        bt = tests.get(int(r["week"]))
        if bt is None or r["method"] == rec.method or bt.empty:
            continue
        mine = int((bt["method"] == rec.method).sum())
        n, wape, _ = forecast.head_to_head(bt, rec.method, str(r["method"]))
        if n and (n != mine or int(r["quarters"]) != mine):
            out.loc[i, "rec_shared"] = wape
            out.loc[i, "rec_shared_n"] = n
    out["rec_shared_text"] = [
        f"{pct(w, 1)} ({count(int(k), 'quarter')})" if pd.notna(w) else ""
        for w, k in zip(out["rec_shared"], out["rec_shared_n"], strict=True)
    ]
    return out


def shared_spec(spec: TableSpec, acc: pd.DataFrame) -> TableSpec:
    """The accuracy table's spec, with the recommended method's WAPE on shared quarters.

    The column "Recommended method on the same quarters" is shown when any row was tested
    on other quarters than the recommended method (:func:`with_shared_wape`).

    Parameters
    ----------
    spec
        :func:`accuracy_spec`.
    acc
        :func:`with_shared_wape`.

    Returns
    -------
    TableSpec
        ``spec``, plus the column after WAPE when some ``rec_shared`` is known.
    """
    if "rec_shared" not in acc or not acc["rec_shared"].notna().any():
        return spec
    cols = []
    for c in spec.columns:
        cols.append(c)
        if c.key == "wape":
            cols.append(Column("rec_shared_text", "Recommended method on the same quarters"))
    return replace(spec, columns=tuple(cols))


def _held(held: float, ranged: float) -> str:
    if not ranged or pd.isna(held):
        return "no range"
    return f"{int(held)} of {int(ranged)}"


def forecast_frame(
    fc: pd.DataFrame, acc: pd.DataFrame, week: int, names: dict[str, str] | None = None
) -> pd.DataFrame:
    """The forecasts by method with their manager's names and how often their ranges held.

    How often each method's ranges held the actual comes from the backtest at ``week``
    (``held80``, ``held95``: ``6 of 8``).

    Parameters
    ----------
    fc
        :func:`~salesops_lib.analysis.forecast.forecast_quarter` of the target quarter.
    acc
        :func:`accuracy_frame`.
    week
        The week of quarter of the deciding backtest (the forecast's own).
    names
        The method names on this data (:func:`method_names`); None: the default names.

    Returns
    -------
    DataFrame
        ``fc``'s rows plus ``label``, ``held80`` and ``held95``: ``no range`` only for a
        forecast without a range, ``not tested`` for a range the backtest did not test (the
        method untested, or tested without a range).
    """
    out = fc.copy()
    out["label"] = out["method"].map(lambda m: method_name(m, names))
    at = acc[acc["week"] == week].set_index("method") if len(acc) else pd.DataFrame()
    ranged = out["lo80"].notna() & out["hi80"].notna()
    for col in ("held80", "held95"):
        held = out["method"].map(at[col]).fillna("not tested") if len(at) else "not tested"
        held = pd.Series(held, index=out.index).replace("no range", "not tested")
        out[col] = held.where(ranged, "no range")
    return out.reset_index(drop=True)


def untested_sentence(forecasts: pd.DataFrame, fmt: MoneyFormat) -> str | None:
    """Which methods' 80% ranges no backtest has tested, and how narrow they are.

    A range that never met an actual (``not tested`` in :func:`forecast_frame`) is the
    method's own spread (say, of deals won at random), not evidence of how far to trust it.

    Parameters
    ----------
    forecasts
        :func:`forecast_frame` (``label, point, lo80, hi80, held80``).
    fmt
        The money formatter of the data's currency.

    Returns
    -------
    str or None
        The sentence; None when every range shown was tested.

    Examples
    --------
    ``The 80% ranges of Pipeline by age ($3.1M – $3.3M, ±3%) and Deal-by-deal win model ($1.6M
    – $1.7M, ±3%) were never tested against what closed: ...``
    """
    rows = forecasts[
        (forecasts["held80"] == "not tested") & (forecasts["hi80"] > forecasts["lo80"])
    ]
    if rows.empty:
        return None
    errors = forecasts.attrs.get("range_errors", {})
    parts = []
    for r in rows.itertuples():
        point = float(r.point)
        half = max(point - float(r.lo80), float(r.hi80) - point) / point if point > 0 else np.nan
        wide = f", ±{pct(half, 0)}" if np.isfinite(half) else ""
        n = int(errors.get(str(r.method), 0))
        basis = f", from {count(n, 'backtest error')}" if n else ""
        parts.append(f"{r.label} ({span(float(r.lo80), float(r.hi80), fmt)}{wide}{basis})")
    one = len(parts) == 1
    return (
        f"The 80% range{'' if one else 's'} of {listing(parts)} {'was' if one else 'were'} never "
        "tested against what closed (no backtest quarter had such a range to test): how often "
        f"{'it holds' if one else 'they hold'} is not known, so read {'it' if one else 'them'} "
        "as the method's spread, not as how far to trust its figure."
    )


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
    """``at week 0 (the day before each quarter started)`` and the like.

    Parameters
    ----------
    week
        The week of quarter (0: the day before the quarter starts).
    each
        Say ``each quarter`` (of a backtest) instead of ``the quarter``.

    Returns
    -------
    str
    """
    which = "each" if each else "the"
    if week == 0:
        return f"at week 0 (the day before {which} quarter started)"
    return f"at week {week} (the end of {which} quarter's week {week})"


def held_at_most(held: int, n: int, level: float) -> float:
    """How much a short backtest shows: the chance of ranges holding ``held`` times or fewer.

    It is the chance that ranges truly holding the actual ``level`` of the time hold it in
    ``held`` or fewer of ``n`` quarters (binomial).

    Parameters
    ----------
    held
        Quarters whose range held the actual.
    n
        Quarters tested with a range.
    level
        The share the ranges aim at (0.8 for an 80% range).

    Returns
    -------
    float
        The chance, from 0 to 1.

    Examples
    --------
    >>> round(held_at_most(6, 8, 0.8), 3)
    0.497
    """
    return float(sum(comb(n, k) * level**k * (1 - level) ** (n - k) for k in range(held + 1)))


EVIDENCE = 0.10
"""Below this chance (:func:`held_at_most`) a coverage short of its level is evidence that the
ranges are too narrow; above it the backtest cannot tell."""


def range_sentence(rec: Recommendation) -> str | None:
    """How often the recommended method's 80% and 95% ranges held the actual in its backtest.

    It also says whether that is short of their level (overconfident), how much so few
    quarters can show, and on which side the misses fell. None without a recommendation or
    ranges.

    Parameters
    ----------
    rec
        The recommendation (:func:`recommendation_of`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None without a recommendation or ranges.

    Examples
    --------
    ``Its 80% ranges held the actual in 6 of 8 quarters tested and its 95% ranges in 7 of 8,
    fewer than the 80% and 95% they aim at: the ranges look **overconfident** (too narrow).
    But 8 quarters cannot show much either way: ranges that truly held 80% of the time would
    hold in 6 or fewer of 8 quarters 50% of the time.``
    """
    if rec.method is None or not rec.ranged:
        return None
    n = rec.ranged
    text = (
        f"Its 80% ranges held the actual in {rec.held80} of {ranged_words(rec)} and its "
        f"95% ranges in {rec.held95} of {n}"
    )
    short = [(lvl, h) for lvl, h in ((80, rec.held80), (95, rec.held95)) if h / n < lvl / 100]
    if not short:
        text += ", as often as such ranges aim at or more."
    else:
        aims = listing([f"{lvl}%" for lvl, _ in short])
        they = "it aims" if len(short) == 1 else "they aim"
        text += (
            f", fewer than the {aims} {they} at: the ranges look **overconfident** (too narrow)."
        )
        lvl, h = short[0]
        chance = held_at_most(h, n, lvl / 100)
        if chance >= EVIDENCE:
            text += (
                f" But {count(n, 'quarter')} cannot show much either way: ranges that truly held "
                f"{lvl}% of the time would hold in {h} or fewer of {n} quarters {pct(chance)} of "
                "the time."
            )
        else:
            text += (
                f" That is more than chance: ranges that truly held {lvl}% of the time would "
                f"hold in {h} or fewer of {n} quarters only {pct(chance)} of the time."
            )
    out = rec.above + rec.below
    if out:
        if rec.above == out or rec.below == out:
            side = "above" if rec.above == out else "below"
            who = (
                "The one quarter outside the 80% range"
                if out == 1
                else f"{'Both' if out == 2 else f'All {out}'} quarters outside the 80% range"
            )
            text += f" {who} closed {side} it."
        else:
            text += (
                f" Of the {out} quarters outside the 80% range, {rec.above} closed above it and "
                f"{rec.below} below."
            )
    return f"{text} {range_basis(rec)}"


def ranged_words(rec: Recommendation) -> str:
    """How many backtest quarters had a range, in words.

    ``8 quarters tested``, or, when the first quarters had too few earlier errors for a range,
    ``5 quarters tested with a range (each range comes from ...; the first 3 quarters had too
    few before them to make one)``.

    Parameters
    ----------
    rec
        The recommendation (:func:`recommendation_of`).

    Returns
    -------
    str
    """
    n = rec.ranged
    short = len(rec.quarters) - n
    if short <= 0:
        return f"{count(n, 'quarter')} tested"
    return (
        f"{count(n, 'quarter')} tested with a range (each range comes from the quarters before "
        f"it; the first {count(short, 'quarter')} had too few before them to make one)"
    )


def range_basis(rec: Recommendation) -> str:
    """Where the recommended forecast's ranges come from, and whether they are calibrated.

    Parameters
    ----------
    rec
        The recommendation (``range_errors``: the backtest errors behind its range).

    Returns
    -------
    str
        The sentence: calibrated from :data:`~salesops_lib.analysis.forecast.CALIBRATED_ERRORS`
        backtest errors on, else said to be **uncalibrated**.

    Examples
    --------
    >>> range_basis(Recommendation("pipeline", 0, list("abcdefgh"), 0.05, 6, 8, 8, range_errors=8))
    "Its ranges come from its own errors in the 8 quarters backtested at this week (a range from how far actuals fell from its forecasts; each backtest quarter's from the quarters before it)."
    """
    n = rec.range_errors
    how = "(a range from how far actuals fell from its forecasts; each backtest quarter's from the quarters before it)"
    if n >= forecast.CALIBRATED_ERRORS:
        return f"Its ranges come from its own errors in the {n} quarters backtested at this week {how}."
    if n:
        return (
            f"Its ranges come from its own errors in only {count(n, 'quarter')} backtested at this "
            f"week {how}, too few to calibrate them: read them as **uncalibrated**."
        )
    return "Its ranges are the method's own, not calibrated on backtest errors: read them as **uncalibrated**."


SEASONS = {"Q1": "first", "Q2": "second", "Q3": "third", "Q4": "fourth"}


MIN_SEASON = 3
"""Fewest backtested quarters of a season before its misses can be said to concentrate there."""


def season_sentence(
    decision: pd.DataFrame,
    rec: Recommendation,
    forecasts: pd.DataFrame,
    target: str,
    fmt: MoneyFormat,
) -> str | None:
    """Whether the recommended method's backtest misses concentrate in the quarter's season.

    The season is the fiscal Q1..Q4 of the quarter forecast.

    At least :data:`MIN_SEASON` quarters of the season tested, every one missed the same way,
    by at least twice the average miss of the others. The forecast is then put as the range
    those misses would give, never as one figure.

    Parameters
    ----------
    decision
        The deciding backtest (:func:`~salesops_lib.analysis.forecast.backtest`).
    rec
        The recommendation.
    forecasts
        :func:`forecast_frame` of the target quarter.
    target
        The quarter forecast.
    fmt
        The money formatter of the data's currency.

    Returns
    -------
    str or None
        The sentence; None otherwise (or without a recommendation).
    """
    if rec.method is None or decision.empty:
        return None
    rows = decision[decision["method"] == rec.method]
    season = target[-2:]
    same = rows[rows["quarter"].str.endswith(season)]
    other = rows[~rows["quarter"].str.endswith(season)]
    if len(same) < MIN_SEASON or other.empty:
        return None
    signed = same["error"] / same["actual"].where(same["actual"] > 0)
    if signed.isna().any() or not ((signed < 0).all() or (signed > 0).all()):
        return None
    miss, rest = float(signed.abs().mean()), float(other["abs_pct_error"].mean())
    if not miss >= 2 * rest:
        return None
    low = bool((signed < 0).all())
    word = SEASONS.get(season, season)
    each = listing([f"{q} by {pct(abs(v))}" for q, v in zip(same["quarter"], signed, strict=True)])
    point = float(forecasts.set_index("method").loc[rec.method, "point"])
    ends = sorted(point / (1 + float(v)) for v in (signed.min(), signed.max()))
    return (
        f"Its misses concentrate in {word} quarters: it forecast all {len(same)} fiscal {word} "
        f"quarters tested too {'low' if low else 'high'} ({each}), against misses of "
        f"{pct(rest)} on average in the other {count(len(other), 'quarter')}. {target} is a "
        f"{word} quarter: should its forecast of {fmt(point)} miss as those did, {target} would "
        f"book {'more' if low else 'less'}, about {bold(span(ends[0], ends[1], fmt))}."
    )


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
        oos = (
            f"; average miss of the rule {pct(rec.nested_wape, 1)}"
            if np.isfinite(rec.nested_wape)
            else ""
        )
        tiles.append(Tile("Recommended forecast", fmt(row["point"]), f"{rec.name}{oos}"))
        for level, held in ((80, rec.held80), (95, rec.held95)):
            detail = (
                f"held the actual in {held} of {count(rec.ranged, 'quarter')} "
                + ("tested" if rec.ranged >= len(rec.quarters) else "with a range")
                if rec.ranged
                else "not measured in the backtest"
            )
            if rec.range_errors < forecast.CALIBRATED_ERRORS:
                detail += "; uncalibrated"
            lo, hi = float(row[f"lo{level}"]), float(row[f"hi{level}"])
            shown = span(lo, hi, fmt) if np.isfinite(lo) and np.isfinite(hi) else "no range"
            tiles.append(Tile(f"{level}% range", shown, detail))
    else:
        n = len(forecasts)
        if rec.hindsight and rec.fair_quarters == 0:
            why = "none recommended: without pipeline snapshots no fair backtest"
        elif rec.hindsight:
            why = (
                f"none recommended: a fair backtest of {count(rec.fair_quarters, 'quarter')}, "
                f"not {MIN_QUARTERS}"
            )
        elif rec.quarters:
            why = (
                f"none recommended: a backtest of {count(len(rec.quarters), 'quarter')}, not "
                f"{MIN_QUARTERS}"
            )
        else:
            why = "none recommended without a backtest"
        tiles.append(
            Tile(
                "Forecasts" if n > 1 else "Forecast",
                span(forecasts["point"].min(), forecasts["point"].max(), fmt),
                f"{count(n, 'method')}; {why}",
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


def _intro(d: SalesData, period: Period, target: str, booked: float, fmt: MoneyFormat) -> str:
    """:func:`intro_sentence`, then :func:`later_data_sentence` when the data runs past it."""
    start, end = d.calendar.bounds(target)
    said = later_data_sentence(d, period.quarter, target, period.as_of, fmt)
    first = intro_sentence(target, start, end, period.as_of, booked, fmt)
    return f"{first} {said}" if said else first


def later_data_sentence(
    data: SalesData, quarter: str, target: str, as_of: pd.Timestamp, fmt: MoneyFormat
) -> str | None:
    """That the data runs past the as-of date, and what the report leaves out because of it.

    The default run reports the latest complete quarter; an export taken weeks later holds
    deals won and lost since, which the report (as of the quarter's end) does not count.

    Parameters
    ----------
    data
        The data set (its last date; bookings).
    quarter
        The reported quarter.
    target
        The quarter forecast.
    as_of
        The report's as-of date.
    fmt
        The money formatter.

    Returns
    -------
    str or None
        The sentence; None when the data ends on the as-of date (or before).

    Examples
    --------
    ``The data runs to 2026-05-14; this report is as of 2026-03-31, the end of 2026Q1, so it
    forecasts 2026Q2 as it looked then: the $173K the data already shows won in 2026Q2 by
    2026-05-14 is not counted as booked here, and deals closed since are left out of the
    deals to push. For 2026Q2 as it stands, run the report for 2026Q2 (salesops report
    --quarter 2026Q2).``
    """
    last = data.last_date.normalize()
    if last <= as_of.normalize():
        return None
    start, end = data.calendar.bounds(target)
    won = timeline.bookings(data, start, min(last, end)) if last >= start else 0.0
    _, q_end = data.calendar.bounds(quarter)
    when = f", the end of {quarter}" if as_of.normalize() == q_end.normalize() else ""
    since = (
        f"the {fmt(won)} the data already shows won in {target} by {last.date()} is not "
        "counted as booked here, and deals closed since are left out of the deals to push"
        if won > 0 and as_of < start
        else "deals won or lost since are not counted here, and are left out of the deals to push"
    )
    again = (
        f" For {target} as it stands, run the report for {target} (salesops report --quarter "
        f"{target})."
        if target != quarter and last >= start
        else ""
    )
    return (
        f"The data runs to {last.date()}; this report is as of {as_of.date()}{when}, so it "
        f"forecasts {target} as it looked then: {since}.{again}"
    )


BIAS_LIMIT = 0.10
"""A backtest bias beyond ±10% is said beside the recommended forecast, with the figure
corrected for it."""

AGREE = 0.02
"""Methods whose forecasts lie less than 2% apart agree: a forecast is not that precise."""


def hindsight_sentence(rec: Recommendation, names: dict[str, str] | None = None) -> str | None:
    """Why, without history snapshots, the methods that read the pipeline are not recommended.

    Their backtest is given no track record either.

    Parameters
    ----------
    rec
        The recommendation (:func:`recommendation_of`); ``rec.hindsight`` names the methods.
    names
        The methods' names on this data (:func:`method_names`).

    Returns
    -------
    str or None
        The sentence; None when no method's backtest used hindsight.

    Examples
    --------
    ``Pipeline by age and Blend of methods read the open pipeline, and without weekly
    snapshots of the pipeline, ...: they are not recommended from it.``
    """
    if not rec.hindsight:
        return None
    one = len(rec.hindsight) == 1
    who = listing([method_name(m, names) for m in rec.hindsight])
    return (
        f"{who} read{'s' if one else ''} the open pipeline, and {hindsight_why(one)}: "
        f"{'it is' if one else 'they are'} not recommended from it, and "
        f"{'its' if one else 'their'} errors there are no track record."
    )


def choice_words(rec: Recommendation, names: dict[str, str] | None = None) -> str | None:
    """Why the recommended method was chosen, in the words every report quoting it uses.

    The lowest WAPE over the quarters tested at the forecast's week or, when WAPEs tie
    (:data:`~salesops_lib.analysis.forecast.WAPE_TIE`), the tie and the smaller bias that
    broke it; ``among the methods that use only past bookings`` when the pipeline methods'
    backtest used hindsight.

    Parameters
    ----------
    rec
        The recommendation (:func:`recommendation_of`).
    names
        The methods' names on this data (:func:`method_names`).

    Returns
    -------
    str or None
        A clause to follow the method's name; None without a recommendation.

    Examples
    --------
    ``its average miss of 5.04% over the 8 quarters tested at week 0 (the day before each
    quarter started) ties with that of Blend of methods (5.00%), less than 0.1 point apart,
    and its smaller bias (-0.4% against -2.6%) breaks the tie``
    """
    if rec.method is None:
        return None
    over = (
        f"over the {count(len(rec.quarters), 'quarter')} tested {week_phrase(rec.week, each=True)}"
    )
    among = ", among the methods that use only past bookings" if rec.hindsight else ""
    if rec.partial:
        among += (
            " and were tested on all of them"
            if rec.hindsight
            else ", among the methods tested on all of them"
        )
    fully = ", among the methods tested on all of them" if rec.partial and not rec.hindsight else ""
    if rec.tied:
        others = listing([f"{method_name(m, names)} ({pct(w, 2)})" for m, w, _ in rec.tied])
        biases = listing([pct(b, 1) for _, _, b in rec.tied])
        that = "that" if len(rec.tied) == 1 else "those"
        if fully:  # said where it reads: the quarters, then the tie
            over, among = over + fully + ",", ""
        return (
            f"its average miss of {pct(rec.wape, 2)} {over} ties with {that} of {others}{among}, "
            f"less than 0.1 point apart, and its smaller bias ({pct(rec.bias, 1)} against "
            f"{biases}) breaks the tie"
        )
    return _duel_words(rec, over, among, names)


def _duel_words(rec: Recommendation, over: str, among: str, names: dict[str, str] | None) -> str:
    """Why an untied recommended method was chosen, comparing it on the same quarters only.

    ``the lowest average miss`` only when every rival was tested on the same quarters as it; else
    its WAPE beside each rival's on the quarters they share; without a rival, that none
    could be compared with it (never "lowest" of one).
    """
    n = len(rec.quarters)
    past = " that uses only past bookings" if rec.hindsight else ""
    if rec.cycle:
        return (
            f"its average miss of {pct(rec.wape, 1)} {over}; every method{past} tested on "
            f"{MIN_QUARTERS} quarters or more missed more than another on the quarters they "
            "share, so none was best on all of them, and of those tested on the most quarters "
            "it missed least"
        )
    if not rec.rivals:
        return (
            f"its average miss of {pct(rec.wape, 1)} {over}; no other method{past} was tested on "
            f"{forecast.MIN_SHARED_QUARTERS} or more of the same quarters, so none could be "
            "compared with it"
        )
    left = _uncompared_words(rec, names)
    if rec.fair_quarters == n and all(q == n for _, q, _, _ in rec.rivals) and not left:
        return f"the lowest average miss, {pct(rec.wape, 1)}, {over}{among}"
    duels = listing(
        [
            f"{method_name(m, names)} {pct(theirs, 1)} against its {pct(mine, 1)} "
            f"({count(q, 'quarter')})"
            for m, q, mine, theirs in sorted(rec.rivals, key=lambda r: (-r[1], r[3]))
        ]
    )
    return (
        f"its average miss of {pct(rec.wape, 1)} {over}, and of the methods"
        f"{past.replace('uses', 'use')} tested on at "
        f"least {forecast.MIN_SHARED_QUARTERS} of the same quarters as it, none missed less on "
        f"those quarters: {duels}{left}"
    )


def _uncompared_words(rec: Recommendation, names: dict[str, str] | None) -> str:
    """``; X, tested on fewer than 3 of its quarters, is not set against it`` (blank: none)."""
    if not rec.uncompared:
        return ""
    them = listing([method_name(m, names) for m in rec.uncompared])
    one = len(rec.uncompared) == 1
    return (
        f"; {them}, tested on fewer than {forecast.MIN_SHARED_QUARTERS} of its quarters, "
        f"{'is' if one else 'are'} not set against it"
    )


def methods_agree(forecasts: pd.DataFrame) -> bool:
    """Whether the methods' forecasts (Rep call aside) lie within :data:`AGREE` of each other.

    Parameters
    ----------
    forecasts
        :func:`forecast_frame` (``method, point``).

    Returns
    -------
    bool
        True for two or more methods whose highest and lowest points are less than
        :data:`AGREE` of the highest apart.
    """
    pts = forecasts.loc[forecasts["method"] != "rep_call", "point"].astype(float)
    if len(pts) < 2 or not np.isfinite(pts).all() or pts.max() <= 0:
        return False
    return bool(pts.max() - pts.min() < AGREE * pts.max())


def bias_sentence(rec: Recommendation, point: float, target: str, fmt: MoneyFormat) -> str | None:
    """The recommended method's backtest bias and the forecast corrected for it.

    Said only when the bias exceeds :data:`BIAS_LIMIT` either way.

    Parameters
    ----------
    rec
        The recommendation (``bias``: sum of errors / sum of actuals).
    point
        Its forecast of ``target``.
    target
        The quarter forecast.
    fmt
        The money formatter of the data's currency.

    Returns
    -------
    str or None
        The sentence; None within the limit or without a recommendation.

    Examples
    --------
    ``In its backtest it forecast 21.1% too high on balance; corrected for that, it expects
    about **$509K** for 2026Q2.``
    """
    if rec.method is None or not np.isfinite(rec.bias) or abs(rec.bias) <= BIAS_LIMIT:
        return None
    side = "high" if rec.bias > 0 else "low"
    return (
        f"In its backtest it forecast {pct(abs(rec.bias), 1)} too {side} on balance (bias); "
        f"corrected for that, it expects about {bold(fmt(point / (1 + rec.bias)))} for {target}."
    )


def recommendation_sentence(
    forecasts: pd.DataFrame,
    rec: Recommendation,
    target: str,
    fmt: MoneyFormat,
    names: dict[str, str] | None = None,
) -> str:
    """The recommended method and why, or that none is recommended and why.

    Why (:func:`choice_words`), its bias when large
    (:func:`bias_sentence`), whether the methods agree (:func:`methods_agree`: then they are
    said to matter little) and why the pipeline methods are not recommended without snapshots
    (:func:`hindsight_sentence`); or, without a fair backtest of at least
    :data:`MIN_QUARTERS` quarters, that no method is recommended and what the methods say
    side by side.

    Parameters
    ----------
    forecasts
        :func:`forecast_frame` of the target quarter.
    rec
        The recommendation (:func:`recommendation_of`).
    target
        The quarter forecast.
    fmt
        The money formatter of the data's currency.
    names
        The methods' names on this data (:func:`method_names`).

    Returns
    -------
    str
        The sentences (``**`` marks what to read first).

    Examples
    --------
    ``The recommended method is **Pipeline by stage and age**: the lowest WAPE, 4.2%, over
    the 8 quarters tested at week 0 (the day before each quarter started). It expects
    **$22.8M** for 2026Q4.``
    """
    looked = hindsight_sentence(rec, names)
    tail = f" {looked}" if looked else ""
    if rec.method is None:
        return _none_sentence(forecasts, rec, target, fmt, names, tail)
    point = float(forecasts.set_index("method").loc[rec.method, "point"])
    fair = (
        " in a fair backtest, on the quarters they share"
        if any(q != len(rec.quarters) for _, q, _, _ in rec.rivals)
        or rec.fair_quarters > len(rec.quarters)
        else f" in a fair backtest of all {count(len(rec.quarters), 'quarter')}"
        if rec.hindsight or rec.partial
        else " in the backtest"
    )
    lead = (
        f"No pipeline or model method beat the simple yardsticks{fair}, so a yardstick is "
        "recommended. "
        if rec.yardstick and not rec.cycle
        else ""
    )
    if methods_agree(forecasts):
        shown = forecasts[forecasts["method"] != "rep_call"]
        text = (
            f"The {count(len(shown), 'method')} agree: they expect "
            f"{span(shown['point'].min(), shown['point'].max(), fmt)} for {target}, less than "
            f"{pct(AGREE)} apart, closer than any of them can tell, so which one is used "
            f"matters little; the recommended one, {bold(rec.name)}, expects "
            f"{bold(fmt(point))}."
        )
    else:
        text = (
            f"The recommended method is {bold(rec.name)}: {choice_words(rec, names)}. "
            f"It expects {bold(fmt(point))} for {target}."
        )
    biased = bias_sentence(rec, point, target, fmt)
    nested = nested_sentence(rec, names)
    return lead + text + (f" {biased}" if biased else "") + (f" {nested}" if nested else "") + tail


def _none_sentence(
    forecasts: pd.DataFrame,
    rec: Recommendation,
    target: str,
    fmt: MoneyFormat,
    names: dict[str, str] | None,
    tail: str,
) -> str:
    """:func:`recommendation_sentence` without a recommendation: why none, the methods side by
    side."""
    if rec.hindsight and rec.fair_quarters == 0:
        return (
            f"No method that uses only past bookings could be backtested before {target}, "
            f"so **no method is recommended**. {_side_by_side(forecasts, fmt)}{tail}"
        )
    if rec.beaten is not None:
        return f"{beaten_words(rec, names)}, so **no method is recommended**. " + (
            f"{_side_by_side(forecasts, fmt)}{tail}"
        )
    if rec.quarters:
        n = rec.fair_quarters if rec.hindsight else len(rec.quarters)
        which = (
            f"the methods that use only past bookings on only {count(n, 'quarter')}"
            if rec.hindsight
            else f"only {count(n, 'quarter')} before {target}, {listing(rec.quarters)},"
        )
        return (
            f"The backtest could test {which} {week_phrase(rec.week, each=True)}: fewer than the "
            f"{MIN_QUARTERS} a recommendation needs, so **no method is recommended**. "
            f"{_side_by_side(forecasts, fmt)}{tail}"
        )
    return (
        f"There is not enough history before {target} to backtest the methods (each quarter "
        "tested needs two full quarters of data before it), so **no method is "
        f"recommended**. {_side_by_side(forecasts, fmt)}"
    )


def beaten_words(rec: Recommendation, names: dict[str, str] | None = None) -> str:
    """Why no method is recommended when the best one over enough quarters lost on shared ones.

    Parameters
    ----------
    rec
        A recommendation without a method and with ``beaten`` (:func:`recommendation_of`).
    names
        The methods' names on this data (:func:`method_names`).

    Returns
    -------
    str
        A clause (no full stop); ``""`` without ``rec.beaten``.

    Examples
    --------
    ``Last quarter again had the lowest WAPE, 32.9%, of the methods tested on 4 quarters or
    more (over its 5 quarters tested at week 0 ...), but on the 3 quarters it shares with
    Average of the last four quarters it missed 50.4% against 35.4%, and no method tested on
    4 quarters or more missed no more than every other on the quarters they share``
    """
    if rec.beaten is None:
        return ""
    m, r, n, mine, theirs, whole, nq = rec.beaten
    past = " that use only past bookings" if rec.hindsight else ""
    return (
        f"{method_name(m, names)} had the lowest average miss, {pct(whole, 1)}, of the methods{past} "
        f"tested on {MIN_QUARTERS} quarters or more (over its {count(nq, 'quarter')} tested "
        f"{week_phrase(rec.week, each=True)}), but on the {count(n, 'quarter')} it shares with "
        f"{method_name(r, names)} it missed {pct(mine, 1)} against {pct(theirs, 1)}, and no "
        f"method tested on {MIN_QUARTERS} quarters or more missed no more than every other on "
        "the quarters they share"
    )


def nested_sentence(rec: Recommendation, names: dict[str, str] | None = None) -> str | None:
    """The recommendation rule's out-of-sample error: each quarter's pick from the quarters before it.

    Parameters
    ----------
    rec
        The recommendation (:func:`recommendation_of`; ``nested_wape``, ``nested_quarters``,
        ``nested_picks``).
    names
        The methods' names on this data (:func:`method_names`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None without a recommendation or
        without a quarter that had enough quarters before it to pick from.

    Examples
    --------
    ``Picking the method by this rule from only the quarters before each of the last 4
    quarters tested (2025Q4 to 2026Q3; Deal-by-deal win model 3 times, Blend of methods
    once), the recommended forecasts missed by **4.8%** of actual bookings.``
    """
    n = len(rec.nested_quarters)
    if rec.method is None or not n or not np.isfinite(rec.nested_wape):
        return None
    counts = pd.Series(rec.nested_picks).value_counts(sort=False)
    if len(counts) == 1:
        picks = f"{method_name(str(counts.index[0]), names)} each time"
    else:
        picks = listing(
            [
                f"{method_name(str(m), names)} {'once' if k == 1 else f'{k} times'}"
                for m, k in counts.items()
            ]
        )
    first, last = rec.nested_quarters[0], rec.nested_quarters[-1]
    if n == 1:
        picks = method_name(rec.nested_picks[0], names)
        return (
            "Picking the method by this rule from only the quarters before the last quarter "
            f"tested ({first}; {picks}), the recommended forecast missed by "
            f"{bold(pct(rec.nested_wape, 1))} of actual bookings."
        )
    return (
        "Picking the method by this rule from only the quarters before each of the last "
        f"{n} quarters tested ({first} to {last}; {picks}), the recommended forecasts missed "
        f"by {bold(pct(rec.nested_wape, 1))} of actual bookings."
    )


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

    The spread is over the methods the rule can recommend (Rep call, which has no probability
    behind it, aside, and said so); it is left out when there is one figure.

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
    call = forecasts["method"] == "rep_call"
    pool = forecasts[~call] if (~call).any() else forecasts  # the candidates, Rep call aside
    lo, hi = pool["point"].min(), pool["point"].max()
    aside = (
        f" ({forecasts.loc[call, 'label'].iloc[0]} aside)" if call.any() and len(pool) > 1 else ""
    )
    spread = f"methods range {fmt(lo)}–{fmt(hi)}{aside}" if fmt(lo) != fmt(hi) else ""
    if spread and methods_agree(forecasts):
        spread = f"the methods agree ({fmt(lo)}–{fmt(hi)}){aside}"
    if rec.method is not None:
        point = forecasts.set_index("method").loc[rec.method, "point"]
        return f"{target}: {rec.name} expects {fmt(point)}" + (f"; {spread}" if spread else "")
    if spread:
        return f"{target}: no method recommended; {spread}"
    return f"{target}: every method expects {fmt(lo)}"


# ---------------------------------------------------------------------------------------
# the forecast and the reckoning of the quarter


_WHY = {
    "time_series": (
        "it projects past quarters' bookings and does not look at today's pipeline at all"
    ),
    "ensemble": (
        "it blends the methods' forecasts by their backtest errors, and most of them give each "
        "open deal its own chance instead of one win rate by value"
    ),
}
READS_PIPELINE = ("pipeline", "win_model", "ensemble")


def why_words(
    method: str,
    inputs: dict[str, tuple[str, ...]] | None = None,
    chances: pd.DataFrame | None = None,
) -> str | None:
    """Why a method's forecast differs from the reckoning, by what it used on this data.

    ``inputs`` (:func:`~salesops_lib.analysis.forecast.method_inputs`) say what the pipeline
    method and the win model learnt from; ``chances``
    (:func:`~salesops_lib.analysis.forecast.deal_chances`) whether the pipeline method gave
    every deal the same chance.

    Parameters
    ----------
    method
        The library's name of the method (the recommended one).
    inputs
        What the pipeline method and the win model learnt from; None: stage, close date and
        age for the pipeline method, the win model's usual inputs.
    chances
        Each open deal's chance by the pipeline method; None: not known.

    Returns
    -------
    str or None
        The reason as a clause (lower case, no full stop); None for a method without one
        (Rep call, the yardsticks).
    """
    used = (inputs or {}).get("pipeline", ("stage", "close", "age"))
    if method == "pipeline":
        if chances is not None and len(chances) and chances["chance"].round(3).nunique() == 1:
            return (
                f"it gives every open deal the same chance, {pct(chances['chance'].iloc[0], 1)}: "
                "the share of deals open at the same point of earlier quarters that closed won "
                "within the quarter, counted by deal rather than by value"
            )
        words = [
            w
            for k, w in (("stage", "stage"), ("age", "age"), ("close", "close-date timing"))
            if k in used
        ]
        return (
            f"it gives each open deal the chance that deals of its {listing(words)} had, at the "
            "same point of earlier quarters, of closing won within the quarter, instead of one "
            "win rate by value for the whole pipeline"
        )
    if method == "win_model":
        win = (inputs or {}).get("win_model")
        words = (
            _inputs_in_words(win)
            if win
            else ["stage", "age", "amount", "pushes", "the rep's record"]
        )
        return (
            f"it gives each open deal its own chance from a model of {listing(words)}, instead "
            "of one win rate by value for the whole pipeline"
        )
    return _WHY.get(method)


def reconcile_sentence(
    forecasts: pd.DataFrame,
    rec: Recommendation,
    outlook: Outlook,
    *,
    outside: pd.DataFrame,
    target: str,
    fmt: MoneyFormat,
    inputs: dict[str, tuple[str, ...]] | None = None,
    chances: pd.DataFrame | None = None,
) -> str | None:
    """How the recommended forecast relates to the shared reckoning of the quarter.

    Why they differ comes from :func:`why_words`.

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
    inputs
        What the pipeline method and the win model learnt from
        (:func:`~salesops_lib.analysis.forecast.method_inputs`), for :func:`why_words`.
    chances
        Each open deal's chance by the pipeline method
        (:func:`~salesops_lib.analysis.forecast.deal_chances`); None: not worked out.

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first).

    Examples
    --------
    ``The recommended forecast, Pipeline by stage and age's **$22.8M**, 123% of the goal, is
    **$1.7M above** the shared reckoning of $21.1M (114% of the goal, from an open pipeline
    3.7× the gap to it, as the index and the team-visibility report show): it gives each open
    deal the chance ...``
    """
    expected = outlook.expected
    if not np.isfinite(expected):
        return (
            "The reckoning cannot put a figure on the pipeline (no deal closed in the quarters "
            "before), so the forecast cannot be compared with it."
        )
    shared = _reckoning_words(outlook, fmt)
    if rec.method is None:
        lo, hi = forecasts["point"].min(), forecasts["point"].max()
        lead = (
            "No forecast is recommended"
            if rec.quarters
            else ("Without a backtest no forecast is recommended")
        )
        return f"{lead}: the methods expect {span(lo, hi, fmt)}, against {shared}."
    point = float(forecasts.set_index("method").loc[rec.method, "point"])
    diff = point - expected
    close = abs(diff) <= 0.02 * abs(expected) or fmt(point) == fmt(expected)
    where = (
        "in line with"
        if close
        else f"{bold(fmt(abs(diff)) + (' above' if diff > 0 else ' below'))}"
    )
    mine = _point_words(point, rec, outlook, fmt)
    text = f"The recommended forecast, {rec.name}'s {mine} is {where} {shared}"
    why = why_words(rec.method, inputs, chances)
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


def _reckoning_words(outlook: Outlook, fmt: MoneyFormat) -> str:
    """The shared reckoning as :func:`reconcile_sentence` names it (its share of the goal)."""
    expected = outlook.expected
    shared = f"the shared reckoning of {fmt(expected)}"
    if outlook.goal > 0:
        shared += f" ({pct(expected / outlook.goal)} of the goal"
        if outlook.open_deals and np.isfinite(outlook.coverage) and outlook.coverage >= 0.05:
            shared += f", on an open pipeline {outlook.coverage:.1f}× the gap to it"
        shared += ": the figures of the index and the team-visibility report)"
    return shared


def _point_words(point: float, rec: Recommendation, outlook: Outlook, fmt: MoneyFormat) -> str:
    """The recommended forecast's figure, its share of the goal and, when biased, corrected."""
    mine = f"{bold(fmt(point))}" + (
        f", {pct(point / outlook.goal)} of the goal" if outlook.goal > 0 else ""
    )
    if np.isfinite(rec.bias) and abs(rec.bias) > BIAS_LIMIT:  # as bias_sentence corrects it
        fixed = point / (1 + rec.bias)
        of_goal = f", {pct(fixed / outlook.goal)} of the goal" if outlook.goal > 0 else ""
        mine += f" (about {fmt(fixed)}{of_goal}, once corrected for its backtest bias)"
    return mine + ("," if outlook.goal > 0 or "(" in mine else "")


# ---------------------------------------------------------------------------------------
# accuracy


def accuracy_sentence(
    acc: pd.DataFrame, rec: Recommendation, target: str, names: dict[str, str] | None = None
) -> str | None:
    """How far the recommended method missed in its backtest, against the best simple yardstick.

    The yardstick is the one with the lowest WAPE on as many quarters as the recommended
    method (never the recommended method itself). It also says how far it missed at the other
    weeks tested; with too short a backtest, the methods' misses side by side (never those of
    methods whose backtest used hindsight). None without a backtest (the section's gap says so).

    Parameters
    ----------
    acc
        :func:`accuracy_frame`.
    rec
        The recommendation (:func:`recommendation_of`).
    target
        The quarter forecast.
    names
        The method names on this data (:func:`method_names`); None: the default names.

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None without a backtest.
    """
    if acc.empty or (rec.method is None and not rec.quarters):
        return None
    if rec.method is None:
        at = acc[(acc["week"] == rec.week) & acc["method"].isin(forecast.ALL_METHODS)]
        at = at[(at["method"] != "rep_call") & ~at["method"].isin(rec.hindsight)]
        at = at.sort_values("wape")
        if at.empty:
            return None
        n = len(rec.quarters)
        misses = listing(
            [
                f"{pct(w, 1)} ({method_name(m, names)})"
                for m, w in zip(at["method"], at["wape"], strict=True)
            ]
        )
        return (
            f"In the {count(n, 'quarter')} before {target} that could be tested, "
            f"{listing(rec.quarters)}, forecasts made {week_phrase(rec.week, each=True)} missed "
            f"by {misses} of actual bookings: too few quarters to tell which method is "
            "better."
        )
    digits = 2 if rec.tied else 1
    at = acc[acc["week"] == rec.week].set_index("method")
    n = len(rec.quarters)
    text = (
        f"Over the {count(n, 'quarter')} before {target} tested {week_phrase(rec.week, each=True)}, "
        f"{bold(rec.name)} missed by {bold(pct(rec.wape, digits))} of actual bookings"
    )
    text += _yardstick_words(at, rec, n, names) + "."
    mine = acc[(acc["method"] == rec.method) & (acc["week"] != rec.week)].sort_values("week")
    if len(mine):
        weeks = listing([str(int(w)) for w in mine["week"]])
        misses = listing([pct(v, 1) for v in mine["wape"]])
        text += f" Tested at week{'s' if len(mine) > 1 else ''} {weeks}, it missed by {misses}."
    return text


def _yardstick_words(
    at: pd.DataFrame, rec: Recommendation, n: int, names: dict[str, str] | None
) -> str:
    """``, against 7.3% for <the best simple yardstick> ...`` for the accuracy sentence.

    The yardstick (not the recommended method itself) compared with it on the quarters both
    were tested on (``rec.rivals``) that came closest to it there, one tested on all its
    quarters first; when those are all the
    recommended method's quarters and the yardstick's, "on the same quarters", else how many
    and the recommended method's own WAPE on them. Empty without such a yardstick.
    """
    sticks = [r for r in rec.rivals if r[0] in forecast.BASELINES and r[0] != rec.method]
    if not sticks:
        return ""
    best, q, mine, theirs = min(sticks, key=lambda r: (r[1] != n, r[3] - r[2], r[3]))
    own = int(at.loc[best, "quarters"]) if best in at.index else q
    text = f", against {pct(theirs, 1)} for {method_name(best, names)}"
    if q == n and own == n:
        return text + ", the best of the simple yardsticks on the same quarters"
    return (
        text + f", the best of the simple yardsticks, on the {count(q, 'quarter')} both were "
        f"tested on, where {rec.name} missed {pct(mine, 1)}"
    )


def tested_sentence(data: SalesData, rec: Recommendation, backtest_quarters: int) -> str | None:
    """Which quarters the backtest could test and why not more.

    Each quarter tested needs two full quarters of data before it (None when it tested all
    it was asked to, or too few to recommend a method: the section's gap says so then).

    Parameters
    ----------
    data
        The data set in scope (:func:`~salesops_lib.analysis.forecast.first_full_quarter`
        and :func:`~salesops_lib.analysis.forecast.data_start`).
    rec
        The recommendation (:func:`recommendation_of`).
    backtest_quarters
        The quarters the backtest was asked to test.

    Returns
    -------
    str or None
        The sentence; None when it tested all it was asked to, or when no method is
        recommended.
    """
    n = len(rec.quarters)
    tested = max(n, rec.fair_quarters)
    if rec.method is None or tested >= backtest_quarters:
        return None
    first = forecast.first_full_quarter(data)
    begins = forecast.data_start(data).date()
    start = data.calendar.shift(first, 2) if tested > n else rec.quarters[0]
    text = (
        f"The backtest tests {count(tested, 'quarter')} of the {backtest_quarters} asked for, "
        f"from {start} on: each quarter tested needs two full quarters of data before it, "
        f"and the data holds full quarters from {first} on (its history of deals begins on "
        f"{begins}, the later of the first close and the first created date)."
    )
    if tested > n:  # the recommended method needs a longer history of its own
        text += (
            f" {rec.name} needs more history before a quarter and was tested on "
            f"{count(n, 'quarter')} of them, from {rec.quarters[0]} on."
        )
    return text


def accuracy_title(acc: pd.DataFrame, rec: Recommendation) -> str:
    """The WAPE-by-week chart's title: how the recommended method's error moves with the week.

    ``miss less`` only when its WAPE falls at every later week tested, ``miss more`` when it
    rises at every one; otherwise the title gives the figures by week.

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
    if len(mine) < 2:
        return "Error by week of quarter (lower is better)"
    w = mine["wape"].to_numpy(dtype=float)
    steps = np.round(np.diff(w), 3)  # the chart shows WAPE to a tenth of a point
    if (steps < 0).all():
        return f"Forecasts made later in the quarter miss less: {rec.name} by week of quarter"
    if (steps > 0).all():
        return f"Forecasts made later in the quarter miss more: {rec.name} by week of quarter"
    if (steps == 0).all():
        return f"Forecasts miss as much at every week tested: {rec.name} by week of quarter"
    by_week = ", ".join(
        f"{pct(v, 1)} at week {int(k)}" for k, v in zip(mine["week"], w, strict=True)
    )
    return f"{rec.name} misses by {by_week}: no steady fall with the week"


def errors_by_quarter(
    decision: pd.DataFrame, week: int, currency: str, names: dict[str, str] | None = None
) -> Table:
    """Each method's absolute error in each quarter of the deciding backtest.

    Parameters
    ----------
    decision
        The deciding backtest (:func:`~salesops_lib.analysis.forecast.backtest`: ``quarter,
        method, abs_pct_error``).
    week
        Its week of quarter (named in the caption).
    currency
        The table's currency.
    names
        The method names on this data (:func:`method_names`); None: the default names.

    Returns
    -------
    Table
        One row per quarter, one column per method: the absolute error as a share of the
        actual (``abs_pct_error``). Only a Quarter column, without a caption, when there was
        no backtest.
    """
    if decision.empty:
        return Table(pd.DataFrame({"quarter": []}), TableSpec((Column("quarter", "Quarter"),)))
    wide = decision.pivot_table(index="quarter", columns="method", values="abs_pct_error")
    order = [m for m in forecast.ALL_METHODS if m in wide.columns]
    wide = wide[order].reset_index()
    spec = TableSpec(
        (Column("quarter", "Quarter"), *(Column(m, method_name(m, names), "pct") for m in order))
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
        f"of actual bookings over {count(months, 'month')}."
    )


# ---------------------------------------------------------------------------------------
# what is at risk


def risk_sentence(
    pipe: pd.DataFrame,
    target: str,
    *,
    has_history: bool,
    fmt: MoneyFormat,
    still: pd.DataFrame | None = None,
) -> str:
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
    still
        Those of ``pipe``'s deals still open in the data (the largest listed come from
        these, :func:`~salesops_lib.timeline.split_closed_after`); None: all of them.

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
    ranked = pipe if still is None else still
    some = "" if len(ranked) == n else " still open"
    if len(ranked) > LARGEST and total > 0:
        top = ranked["amount"].nlargest(LARGEST).sum()
        text += f" The {LARGEST} largest{some} hold {bold(pct(top / total))} of that amount."
    return text


def _some(deals: pd.DataFrame, fmt: MoneyFormat) -> str:
    if deals.empty:
        return "none has"
    return f"{len(deals):,} ({fmt(deals['amount'].sum())}) {'has' if len(deals) == 1 else 'have'}"


def undated_sentence(
    undated: pd.DataFrame, methods: set[str], fmt: MoneyFormat, names: dict[str, str] | None = None
) -> str | None:
    """The open deals without an expected close date: in no quarter's pipeline.

    Parameters
    ----------
    undated
        Those open deals (``amount``).
    methods
        The methods forecast (library names): the pipeline method and the win model count
        those deals, and the sentence says so.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    names
        The method names on this data (:func:`method_names`); None: the default names.

    Returns
    -------
    str or None
        The sentence; None when every open deal has an expected close date.
    """
    if undated.empty:
        return None
    n = len(undated)
    text = (
        f"{count(n, 'open deal')} worth {fmt(undated['amount'].sum())} "
        f"{'has' if n == 1 else 'have'} no expected close date, so "
        f"{'it is' if n == 1 else 'they are'} in no quarter's pipeline"
    )
    reading = [method_name(m, names) for m in ("pipeline", "win_model") if m in methods]
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


def _deal_table_rows(data: SalesData, deals: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Deal rows with names, deals closed after ``as_of`` labelled so, and filled amounts
    marked (``amount_source``)."""
    rows = label_closed_after(data, deal_rows(data, deals), as_of)
    return mark_filled_amounts(data, rows)


def _amount_source(spec: TableSpec, rows: pd.DataFrame) -> TableSpec:
    """``spec`` with the Amount is column after Amount when some amounts were filled in."""
    if not bool(rows.get("amount_filled", pd.Series(dtype=bool)).any()):
        return spec
    cols = list(spec.columns)
    at = [c.key for c in cols].index("amount") + 1
    return TableSpec((*cols[:at], AMOUNT_SOURCE, *cols[at:]), max_rows=spec.max_rows)


def _largest(
    data: SalesData,
    source: pd.DataFrame,
    target: str,
    has_history: bool,
    as_of: pd.Timestamp,
    *,
    undated: bool = False,
) -> Table:
    """The largest of ``source`` (the quarter's open deals, or with ``undated`` those without
    a close date), as a deal table."""
    caption = (
        f"The {LARGEST} largest open deals without an expected close date"
        if undated
        else f"The {LARGEST} largest open deals expected to close in {target}"
    )
    rows = _deal_table_rows(
        data, source.sort_values("amount", ascending=False, kind="stable").head(LARGEST), as_of
    )
    spec = with_since(deal_spec(*HISTORY_COLUMNS) if has_history else deal_spec(), rows)
    caption = with_note(caption, category_note(rows, as_of)) if len(rows) else ""
    return Table(rows, _amount_source(spec, rows), caption, data.currency)


def _past_due(data: SalesData, due: pd.DataFrame, as_of: pd.Timestamp) -> Table:
    rows = _deal_table_rows(data, due.sort_values("amount", ascending=False, kind="stable"), as_of)
    rows["days_past"] = (as_of - rows["close_date"]).dt.days
    spec = deal_spec(Column("days_past", "Days past due", "int"), max_rows=PAST_DUE_ROWS)
    spec = with_since(spec, rows)
    caption = f"Open deals past their close date on {as_of.date()}, largest first"
    return Table(
        rows.reset_index(drop=True),
        _amount_source(spec, rows),
        with_note(caption, category_note(rows, as_of)) if len(rows) else "",
        data.currency,
    )


# ---------------------------------------------------------------------------------------
# by team


def _team_forecast(
    data: SalesData,
    target: str,
    as_of: pd.Timestamp,
    decision: pd.DataFrame,
    rec: Recommendation,
    names: dict[str, str] | None = None,
    company: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The forecast by team with the recommended method (without a recommendation, the
    reckoning by team, :func:`team_reckoning`, never a method whose backtest flatters it;
    ``attrs["reason"]`` says why another than the recommended), each team's goal beside it;
    empty when the reps have no team.

    A method fitted team by team (a time series on each team's own bookings) need not add up
    to the company's forecast by the same method; the team figures are then the company's
    forecast (``company``) split in proportion to them, so the page tells one story.

    ``attrs``: ``method``, ``reason`` (None when the recommended method is used),
    ``goal_basis``, ``unscaled`` (the teams' own figures' total when they were scaled; NaN
    otherwise).
    """
    if "team" not in data.reps or data.reps["team"].isna().all():
        out = pd.DataFrame({"team": [], "point": [], "lo80": [], "hi80": []})
        out.attrs["method"] = None
        return out
    if rec.method is None:
        return team_reckoning(data, target, as_of)
    method = rec.method
    reason = None
    wanted = ENSEMBLE_PARTS if method == "ensemble" else (method,)
    try:
        by_team = forecast.forecast_quarter(
            data, quarter=target, as_of=as_of, by="team", methods=wanted, backtest=decision
        )
    except SalesOpsDataError as err:  # a team's bookings history too short for a trend
        by_team = forecast.forecast_quarter(
            data, quarter=target, as_of=as_of, by="team", methods=("pipeline",), backtest=decision
        )
        reason = f"{method_name(method, names)} cannot be split by team ({err})"
    if method not in set(by_team["method"]):
        if rec.method is not None and reason is None:
            reason = f"{method_name(method, names)} could not be run by team"
        method = (
            "pipeline" if "pipeline" in set(by_team["method"]) else str(by_team["method"].iloc[0])
        )
    out = by_team[by_team["method"] == method].sort_values("point", ascending=False)
    out = out.reset_index(drop=True)
    out.attrs["unscaled"] = float("nan")
    own = float(out["point"].sum())
    whole = (
        company.loc[company["method"] == method, "point"]
        if company is not None and "method" in company
        else pd.Series(dtype=float)
    )
    trailing = team_trailing_bookings(data, as_of) if len(whole) else pd.Series(dtype=float)
    replaced = implausible_teams(out, trailing)
    if replaced:
        out = with_trailing_shares(out, replaced, trailing)
        own = float(out["point"].sum())
    out.attrs["replaced"] = replaced
    if len(whole) and own > 0 and abs(float(whole.iloc[0]) - own) > 0.02 * own:
        factor = float(whole.iloc[0]) / own
        cols = [c for c in ("point", "lo80", "hi80", "lo95", "hi95") if c in out]
        out[cols] = out[cols] * factor
        out.attrs["unscaled"] = float(out.attrs.get("own_total", own))
    goals = kpis.coverage(data, quarter=target, as_of=as_of, by="team")
    out["goal"] = out["team"].map(goals["goal"]).astype(float)
    out["of_goal"] = out["point"] / out["goal"].where(out["goal"] > 0)
    out.attrs["method"] = method
    out.attrs["reason"] = reason
    out.attrs["unscaled"] = out.attrs.get("unscaled", float("nan"))
    out.attrs["goal_basis"] = str(goals["goal_basis"].iloc[0]) if len(goals) else "quota"
    return out


RECKONING = "reckoning"
"""The team split's method without a recommendation: the reckoning of reports 01 and 06."""


def team_reckoning(data: SalesData, target: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """The reckoning of the quarter by team: what 01 and 06 say of each team.

    Each team's bookings so far, plus its open pipeline in the quarter times its win rate
    by value, plus what deals not yet created added on average
    (:func:`~salesops_lib.analysis.kpis.coverage` by team, over the same trailing quarters
    as :func:`~salesops_lib.analysis.outlook.quarter_outlook`); used when no method is
    recommended, since a method whose backtest flatters it is no basis for a team's figure.

    Parameters
    ----------
    data
        The data set (reps with a team).
    target
        The quarter forecast.
    as_of
        What is known.

    Returns
    -------
    DataFrame
        ``team, point, lo80, hi80, goal, of_goal`` (no range: NaN), most expected first;
        ``attrs``: ``method`` (:data:`RECKONING`), ``reason``, ``goal_basis``, ``unscaled``
        (NaN), ``replaced`` (empty).
    """
    cov = kpis.coverage(data, quarter=target, as_of=as_of, by="team", trailing=OUTLOOK_TRAILING)
    rate = cov["value_win_rate"].astype(float).fillna(0.0)
    new = cov["from_new_deals"].astype(float).fillna(0.0) if "from_new_deals" in cov else 0.0
    point = cov["bookings"].astype(float) + cov["open_pipeline"].astype(float) * rate + new
    out = pd.DataFrame(
        {
            "team": cov.index.astype(str),
            "point": point.to_numpy(dtype=float),
            "lo80": np.nan,
            "hi80": np.nan,
            "goal": cov["goal"].astype(float).to_numpy(),
        }
    )
    out["of_goal"] = out["point"] / out["goal"].where(out["goal"] > 0)
    out = out.sort_values("point", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs.update(
        method=RECKONING,
        reason=(
            "no method is recommended, so each team's figure is the reckoning of the team-"
            "visibility and pipeline-health reports: its bookings so far, its open pipeline "
            "at its win rate by value and what deals not yet created added on average"
        ),
        goal_basis=str(cov["goal_basis"].iloc[0]) if len(cov) else "quota",
        unscaled=float("nan"),
        replaced={},
    )
    return out


TEAM_PLAUSIBLE = (1 / 3, 3.0)
"""A team's own forecast is implausible outside this multiple of its average quarterly
bookings over the last :data:`TEAM_TRAILING_QUARTERS` complete quarters."""

TEAM_TRAILING_QUARTERS = 4
"""The complete quarters a team's trailing bookings average over."""


def team_trailing_bookings(data: SalesData, as_of: pd.Timestamp) -> pd.Series:
    """Each team's average quarterly bookings over the last complete quarters held in full.

    Parameters
    ----------
    data
        The data set in scope (reps' ``team``; won deals).
    as_of
        The as-of date: quarters ended by then count, at most
        :data:`TEAM_TRAILING_QUARTERS` of those :meth:`~salesops_lib.data.SalesData.full_quarters` holds.

    Returns
    -------
    Series
        Average bookings per quarter, indexed by team (empty without a complete quarter).
    """
    cal = data.calendar
    done = [q for q in data.full_quarters() if cal.bounds(q)[1] <= as_of]
    quarters = done[-TEAM_TRAILING_QUARTERS:]
    if not quarters:
        return pd.Series(dtype=float)
    start, end = cal.bounds(quarters[0])[0], cal.bounds(quarters[-1])[1]
    won = timeline.booked(data, start, end, columns=["rep_id", "amount"])
    team = won["rep_id"].map(data.reps.drop_duplicates("rep_id").set_index("rep_id")["team"])
    return won["amount"].groupby(team.fillna(UNASSIGNED).to_numpy()).sum() / len(quarters)


def implausible_teams(teams: pd.DataFrame, trailing: pd.Series) -> dict[str, tuple[float, float]]:
    """Teams whose own forecast lies outside :data:`TEAM_PLAUSIBLE` of their trailing bookings.

    Parameters
    ----------
    teams
        The forecast by team (``team, point``).
    trailing
        :func:`team_trailing_bookings`.

    Returns
    -------
    dict
        Team -> (its own forecast, its average quarterly bookings); teams without trailing
        bookings are never implausible.
    """
    lo, hi = TEAM_PLAUSIBLE
    out = {}
    for team, point in zip(teams["team"], teams["point"], strict=True):
        t = float(trailing.get(team, 0.0))
        if t > 0 and not (lo * t <= float(point) <= hi * t):
            out[str(team)] = (float(point), t)
    return out


def with_trailing_shares(
    teams: pd.DataFrame, replaced: dict[str, tuple[float, float]], trailing: pd.Series
) -> pd.DataFrame:
    """The forecast by team with each implausible team's figure from its trailing bookings.

    An implausible team's point (and range, in proportion) becomes its average quarterly
    bookings times the other teams' ratio of own forecast to their trailing bookings (1 when
    no team is plausible), so its share of the company forecast follows its history.

    Parameters
    ----------
    teams
        The forecast by team (``team, point`` and the range columns present).
    replaced
        :func:`implausible_teams`.
    trailing
        :func:`team_trailing_bookings`.

    Returns
    -------
    DataFrame
        A new frame; ``attrs["own_total"]`` is the teams' own forecasts' total.

    Examples
    --------
    >>> t = pd.DataFrame({"team": ["A", "B"], "point": [200.0, 1.0]})
    >>> with_trailing_shares(t, {"B": (1.0, 50.0)}, pd.Series({"A": 100.0, "B": 50.0}))["point"].tolist()
    [200.0, 100.0]
    """
    out = teams.copy()
    out.attrs["own_total"] = float(teams["point"].sum())
    ok = ~out["team"].isin(list(replaced))
    trailing_ok = float(trailing.reindex(out.loc[ok, "team"]).fillna(0.0).sum())
    ratio = float(out.loc[ok, "point"].sum()) / trailing_ok if trailing_ok > 0 else 1.0
    cols = [c for c in ("point", "lo80", "hi80", "lo95", "hi95") if c in out]
    for team, (own, t) in replaced.items():
        row = (out["team"] == team).to_numpy()
        new = t * ratio
        out.loc[row, cols] = out.loc[row, cols] * (new / own) if own > 0 else new
    return out


def _replaced_words(replaced: dict[str, tuple[float, float]], fmt: MoneyFormat) -> str:
    """``; the own fit of West's ($10 against $60 a quarter) is implausible ...`` or ``""``."""
    if not replaced:
        return ""
    lo, hi = TEAM_PLAUSIBLE
    named_out = listing(
        [f"{team}'s ({fmt(own)} against {fmt(t)} a quarter)" for team, (own, t) in replaced.items()]
    )
    one = len(replaced) == 1
    return (
        f"; the own fit of {named_out} is implausible against "
        f"{'its' if one else 'their'} average bookings of the last "
        f"{TEAM_TRAILING_QUARTERS} complete quarters (a team's own fit counts when "
        f"between {lo:.2g}× and {hi:g}× that), so "
        f"{'its share comes' if one else 'their shares come'} from those bookings"
    )


def team_sentence(
    teams: pd.DataFrame, rec: Recommendation, fmt: MoneyFormat, names: dict[str, str] | None = None
) -> str | None:
    """Which team is expected to book the most, by which method, and how many fall short.

    The method is the recommended one, or the sentence says why not; it counts the teams
    forecast below their goal and gives the teams' total.

    Parameters
    ----------
    teams
        The forecast by team (``team, point, goal, of_goal``; ``attrs``: ``method``,
        ``reason`` and ``goal_basis``), most expected first.
    rec
        The recommendation (:func:`recommendation_of`).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    names
        The method names on this data (:func:`method_names`); None: the default names.

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when the reps have no team.
    """
    method = teams.attrs.get("method")
    if teams.empty or method is None:
        return None
    named = teams[teams["team"] != UNASSIGNED]
    name = "the reckoning" if method == RECKONING else method_name(method, names)
    reason = teams.attrs.get("reason")
    if rec.method is not None and rec.method == method and reason is None:
        how = f"the recommended {name}"
    elif reason:
        how = f"{name} ({reason})"
    else:
        how = name
    if named.empty:
        return None
    basis = teams.attrs.get("goal_basis", "quota")
    goal_word = "quota" if basis == "quota" else "goal"
    has_goal = "goal" in teams and named["goal"].notna().any()

    def of_goal(row: pd.Series) -> str:
        if not has_goal or not pd.notna(row.get("of_goal")):
            return ""
        return f", {pct(row['of_goal'])} of its {goal_word} of {fmt(row['goal'])}"

    if len(named) == 1:
        row = named.iloc[0]
        text = (
            f"By team, with {how}: {bold(row['team'])} is expected to book "
            f"{bold(fmt(row['point']))}{of_goal(row)}"
        )
    else:
        top = named.iloc[0]
        unscaled = float(teams.attrs.get("unscaled", float("nan")))
        if np.isfinite(unscaled):
            total = (
                f"the team figures split the company's {bold(fmt(teams['point'].sum()))} in "
                f"proportion to each team's own {name} forecast (fitted team by team, those add "
                f"up to {fmt(unscaled)})"
            )
        else:
            total = f"the {len(teams):,} team figures add up to {bold(fmt(teams['point'].sum()))}"
        text = (
            f"By team, with {how}: {bold(top['team'])} is expected to book the most "
            f"({fmt(top['point'])}{of_goal(top)}); {total}"
        )
        text += _replaced_words(teams.attrs.get("replaced") or {}, fmt)
    rest = teams[teams["team"] == UNASSIGNED]
    if len(rest):
        text += f", {fmt(rest['point'].sum())} of it from reps without a team"
    if has_goal and len(named) > 1:
        below = named[named["point"] < named["goal"]]
        if below.empty:
            text += f". Every team is forecast at or above its {goal_word}"
        else:
            text += (
                f". {len(below):,} of the {len(named):,} teams "
                f"{'is' if len(below) == 1 else 'are'} forecast below "
                f"{'its' if len(below) == 1 else 'their'} {goal_word}"
            )
        if basis != "quota":
            text += f" (without quotas, a team's goal is its {basis})"
    return text + "."


# ---------------------------------------------------------------------------------------
# gaps, definitions, findings


def _gaps(
    decision: pd.DataFrame,
    has_history: bool,
    teams: pd.DataFrame,
    target: str,
    rec: Recommendation | None = None,
    data: SalesData | None = None,
) -> list[Gap]:
    gaps = []
    if decision.empty:
        gaps.append(
            Gap(
                SECTION_ACCURACY,
                "history to backtest",
                f"each quarter tested needs two full quarters of data before it, and at least "
                f"one such quarter must end before {target}; add older opportunities to the export",
            )
        )
    elif rec is not None and rec.method is None and rec.hindsight and data is not None:
        gaps.append(  # the same missing thing as the risk section's: named once in the status
            Gap(
                SECTION_ACCURACY,
                NO_HISTORY,
                f"{hindsight_why()}, so the pipeline methods are not recommended; {ADD_HISTORY}",
            )
        )
    if (
        not decision.empty
        and rec is not None
        and rec.method is None
        and len(rec.quarters) < MIN_QUARTERS
        and data is not None
    ):
        first = forecast.first_full_quarter(data)
        gaps.append(
            Gap(
                SECTION_ACCURACY,
                f"older deals to backtest {MIN_QUARTERS} quarters",
                f"the data holds full quarters from {first} on and each quarter tested needs two "
                f"before it, so only {count(len(rec.quarters), 'quarter')} could be tested before "
                f"{target}, too few to recommend a method; add older opportunities to the export",
            )
        )
    if not has_history:
        how = add_history(data) if data is not None else ADD_HISTORY
        gaps.append(Gap(SECTION_RISK, NO_HISTORY, "to see pushed and stale deals, " + how))
    if data is not None and not _has_quotas(data, target):
        gaps.append(
            Gap(
                SECTION_CALLS,
                NO_QUOTAS,
                f"to see each rep's chance of reaching quota, {ADD_QUOTAS}",
            )
        )
    if teams.attrs.get("method") is None:
        gaps.append(
            Gap(
                SECTION_TEAMS,
                "teams",
                "add each rep's team to the reps file",
            )
        )
    return gaps


def _has_quotas(data: SalesData, quarter: str) -> bool:
    """Whether the data holds a quota for ``quarter``."""
    if data.quotas is None or data.quotas.empty:
        return False
    return bool((data.quotas["period"] == data.calendar.normalize(quarter)).any())


def _definitions(
    forecasts: pd.DataFrame,
    monthly: pd.DataFrame,
    inputs: dict[str, tuple[str, ...]] | None = None,
    names: dict[str, str] | None = None,
    *,
    deal_terms: dict[str, str] | None = None,
    filled: bool = False,
) -> dict[str, str]:
    shown = [*forecasts["method"], *forecast.BASELINES]
    if not monthly.empty:
        shown += list(dict.fromkeys(monthly["method"]))
    defs = method_definitions(inputs or {}, names or METHOD_NAMES)
    methods = {method_name(m, names): defs[m] for m in shown if m in defs}
    extra = dict(deal_terms or {})
    if filled:
        extra["Amount is"] = (
            "Where a deal's amount comes from: entered in the CRM, or its product's list price, "
            "which the loader fills in where the export has no amount (Maven's open and lost "
            "deals)."
        )
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
                "The method (not Rep call) tested on at least "
                f"{MIN_QUARTERS} quarters in the backtest at the forecast's own week of quarter "
                "that missed no more than any other on the quarters both were tested on (methods "
                f"sharing at least {forecast.MIN_SHARED_QUARTERS} quarters are compared, on those "
                "quarters only), and of those the lowest average miss; a yardstick when no pipeline or "
                "model method beats it (if each lost to another: the longest record's lowest miss). Average misses less than 0.1 point apart are a tie, and of the tied "
                "methods the one with the smaller bias (in either direction) is recommended; the "
                "backtest table then shows the average miss to two decimals. With fewer quarters tested none "
                "is recommended and the methods are shown side by side. Without history "
                "snapshots the methods that read the pipeline (marked hindsight) are never "
                "recommended: past pipelines rebuilt from today's records already know each "
                "deal's final close date."
            ),
            "80% / 95% range": (
                "A range from the method's own backtest errors at the same week of quarter (a t "
                "interval of how far actuals fell from its forecasts, as a share of the forecast), around "
                "the forecast and never below bookings so far; in the backtest each quarter's "
                "range comes from the errors of the quarters before it only, as a forecast "
                "made then had it. From "
                f"{forecast.CALIBRATED_ERRORS} errors on it is called calibrated, with fewer "
                "uncalibrated; with fewer than three the method's own range is shown (from its "
                "simulation or model). Rep call's runs from Commit up to Best Case. A team's "
                "range is the method's own spread for the team, each end moved as far again (in "
                "proportion) as the company's calibration moves the company's own range. An 80% "
                "range should hold the actual in about 80% of quarters."
            ),
            "Average miss of the rule": (
                "The average miss of the recommendation rule itself, out of sample: for each quarter tested with "
                f"{MIN_QUARTERS} or more tested before it, the method the rule picks from those "
                "earlier quarters alone, scored on that quarter."
            ),
            "Range held": (
                "In how many of the quarters tested a method's range, made as of the same week, "
                "held what the quarter actually booked: the measured coverage."
            ),
            "Overconfident": (
                "Ranges that held the actual less often than they aim at (an 80% range in fewer "
                "than 80% of the quarters tested): narrower than the uncertainty. Over a few "
                "quarters that can be chance: the report says how likely so few would be if the "
                "ranges were right."
            ),
            "Backtest": (
                "Each method run as of a point in each earlier quarter, using only what was known "
                "then, and compared with what closed. A quarter is tested only when the data holds "
                "two full quarters before it."
            ),
            "Week of quarter": "Week 0 is the day before the quarter starts; week w is the end of its w-th week.",
            "Average miss": SHARED["Average miss"],
            "Bias": SHARED["Bias"],
            "Recommended method on the same quarters": (
                "In the backtest table, the recommended method's average miss on only the quarters that "
                "row's method was tested on too (and how many), where the two were tested on "
                "different quarters: the figures to compare."
            ),
            "Goal": (
                "The quarter's quota; without quotas, the average bookings of the last four "
                "complete quarters (shown as a line on the forecast chart, and by team)."
            ),
            "Reckoning": (
                "The quarter's goal, its open pipeline times the win rate by value of the last "
                "four quarters, and the bookings deals not yet created brought in those quarters "
                "from the same point: the same reckoning the team-visibility and pipeline-health "
                "reports show."
            ),
            "Days unchanged": "Days since the deal's stage or amount last changed (from history snapshots).",
            **extra,
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
    *,
    data: SalesData,
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
    if (
        rec.ranged
        and rec.held80 / rec.ranged < 0.8
        and held_at_most(rec.held80, rec.ranged, 0.8) < EVIDENCE
    ):
        out.append(
            Finding(
                f"The recommended forecast's 80% ranges held the actual in only {rec.held80} of "
                f"{ranged_words(rec)}: they are overconfident (too narrow).",
                0.0,
                SECTION_FORECAST,
            )
        )
    if len(due):
        out.append(
            Finding(
                f"{count(len(due), 'open deal')} {worth(data, due, fmt)} "
                f"{'is' if len(due) == 1 else 'are'} past {'its' if len(due) == 1 else 'their'} "
                "close date.",
                float(due["amount"].sum()),
                SECTION_RISK,
            )
        )
    if len(undated):
        out.append(
            Finding(
                f"{count(len(undated), 'open deal')} {worth(data, undated, fmt)} "
                f"{'has' if len(undated) == 1 else 'have'} no expected close date.",
                float(undated["amount"].sum()),
                SECTION_RISK,
            )
        )
    return sorted(out, key=lambda f: -f.at_stake)


# ---------------------------------------------------------------------------------------
# why the number moved (the forecast bridge) and what to push this week

SECTION_BRIDGE = "Why did the forecast move since last week?"
SECTION_PUSH = "Which deals to push this week?"
BRIDGE_DAYS = 7
"""The bridge compares the forecast on the as-of date with the one this many days before."""

BRIDGE_ROWS = 15
PUSH_ROWS = 25
PUSH_FILE = "03_forecasting_push_list"
"""Stem of the per-manager deal inspection files (``<stem>_<manager>.csv``) beside the report."""

STEP_LABELS = {
    "won": "Won",
    "lost": "Lost",
    "pushed_out": "Pushed out of the quarter",
    "pulled_in": "Pulled into the quarter",
    "new": "New deals",
    "amount_change": "Amount changes",
    "stage_progress": "Stage progress",
    "re_estimate": "The model's re-estimate",
    "other": "Everything else",
}
"""Each step of :func:`~salesops_lib.analysis.bridge.bridge` in a manager's words."""

BRIDGE_SPEC = TableSpec(
    (
        Column("step_label", "Step"),
        Column("deal", "Deal"),
        Column("account", "Account"),
        Column("rep_name", "Rep"),
        Column("stage_then", "Stage then"),
        Column("stage_now", "Stage now"),
        Column("value_then", "Counted then", "money"),
        Column("value_now", "Counted now", "money"),
        Column("change", "Change", "money"),
    ),
    max_rows=BRIDGE_ROWS,
)


def bridge_spec(rows: pd.DataFrame) -> TableSpec:
    """The bridge table's spec, without the stage columns no row fills.

    Without history snapshots a week-old stage is unknown: "Stage then"/"Stage now" would
    show a dash in every row.

    Parameters
    ----------
    rows
        The bridge's deal rows (``stage_then``, ``stage_now`` when known).

    Returns
    -------
    TableSpec
        :data:`BRIDGE_SPEC`, less the stage columns no row fills.
    """
    empty = [
        c
        for c in ("stage_then", "stage_now")
        if c not in rows or not rows[c].astype("object").notna().any()
    ]
    return BRIDGE_SPEC.without(*empty) if empty else BRIDGE_SPEC


PUSH_SPEC = TableSpec(
    (
        Column("manager", "Manager"),
        Column("rep_name", "Rep"),
        Column("account", "Account"),
        Column("deal", "Deal"),
        Column("stage", "Stage"),
        Column("amount", "Amount", "money"),
        Column("close_date", "Close date", "date"),
        Column("forecast_category", "Category"),
        Column("chance", "Win chance", "share"),
        Column("at_risk", "Value at risk", "money"),
        Column("flags", "Risk flags"),
    ),
    max_rows=PUSH_ROWS,
)

PUSH_RULE = (
    "Ranked by value at risk, amount × (1 − the win model's chance): the part of a deal the "
    "forecast does not already count on, which a push can still win."
)


def bridge_method(rec: Recommendation, shown: set[str]) -> str | None:
    """The method the bridge follows: the recommended one, else the win model or pipeline.

    Parameters
    ----------
    rec
        The recommendation.
    shown
        The methods the forecast has.

    Returns
    -------
    str or None
        None when no method the bridge can follow ran.
    """
    if rec.method in ("pipeline", "win_model", "ensemble", "time_series"):
        return rec.method
    return next((m for m in ("win_model", "pipeline", "time_series") if m in shown), None)


def signed(x: float, fmt: MoneyFormat) -> str:
    """A change in money with its sign: ``+$1.2M``, ``−$40K``.

    Parameters
    ----------
    x
        The change.
    fmt
        The money formatter.

    Returns
    -------
    str
    """
    return ("+" if x >= 0 else "−") + fmt(abs(x))


def bridge_sentence(
    steps: pd.DataFrame,
    *,
    name: str,
    target: str,
    since: pd.Timestamp,
    as_of: pd.Timestamp,
    fmt: MoneyFormat,
) -> str:
    """The bridge in a sentence: how far the forecast moved, and its three largest steps.

    Parameters
    ----------
    steps
        :attr:`~salesops_lib.analysis.bridge.Bridge.steps` (``step, amount, deals``).
    name
        The method's name.
    target
        The quarter forecast.
    since, as_of
        The two days.
    fmt
        The money formatter.

    Returns
    -------
    str
    """
    v = steps.set_index("step")
    start, end = float(v.loc["start", "amount"]), float(v.loc["end", "amount"])
    change = round(end - start, 2)
    head = f"From {since.date()} to {as_of.date()} the {name} forecast of {target} " + (
        f"{'rose' if change > 0 else 'fell'} by **{fmt(abs(change))}**, from {fmt(start)} to "
        f"{fmt(end)}."
        if abs(change) >= 0.005
        else f"stayed at {fmt(end)}."
    )
    moves = v.drop(index=["start", "end"])
    moves = moves[moves["amount"].abs() >= 0.005]
    if moves.empty:
        return head
    top = moves.reindex(moves["amount"].abs().sort_values(ascending=False).index).head(3)
    parts = [
        f"{STEP_LABELS[s].lower()} {signed(float(r.amount), fmt)}"
        + (f" ({count(int(r.deals), 'deal')})" if r.deals else "")
        for s, r in zip(top.index, top.itertuples(), strict=True)
    ]
    return f"{head} The largest moves: {listing(parts)}."


def bridge_note(
    method: str, rec: Recommendation, weights: dict[str, float], snapshots: bool, name: str
) -> str:
    """What the bridge can and cannot split, for the method it follows.

    Parameters
    ----------
    method
        The method followed (:func:`bridge_method`).
    rec
        The recommendation (None recommended, or one the bridge cannot follow such as a
        yardstick: the note says which method is followed).
    weights
        Each method's share of the forecast (:attr:`~salesops_lib.analysis.bridge.Valuation.weights`).
    snapshots
        Whether the data has history snapshots.
    name
        The method's name.

    Returns
    -------
    str
    """
    out = [] if rec.method else [f"No method is recommended; the bridge follows {name}."]
    if rec.method in forecast.FROM_BOOKINGS and rec.method != method:
        out.append(
            f"The recommended {rec.name} reads only past quarters' bookings, not the deals, so "
            f"the bridge follows {name}, deal by deal."
        )
    share = weights.get("time_series", 0.0)
    if method == "time_series":
        out.append(
            f"{name} forecasts from the bookings history, not deal by deal: only deals won show "
            "as deals, and the rest of its change is one step, everything else."
        )
    elif share > 0:
        out.append(
            f"The time-series part of the blend ({pct(share)} of it) values no deal: its change "
            "is counted in everything else."
        )
    if not snapshots:
        out.append(
            "Without history snapshots, what an open deal showed a week ago (stage, close date) "
            "is unknown: changes of open deals count as the model's re-estimate."
        )
    out.append("Both days are valued by the same method.")
    return " ".join(out)


def bridge_definitions(days: int) -> dict[str, str]:
    """The definition of each step of the bridge (:mod:`salesops_lib.analysis.bridge`).

    Parameters
    ----------
    days
        How many days the bridge spans.

    Returns
    -------
    dict
        Step label → definition.
    """
    return {
        "Forecast bridge": f"The change of the forecast over the last {days} days, split deal by "
        "deal: a deal's value is its chance × amount while open, its amount once won in the "
        "quarter; the steps sum to the change to the cent.",
        "Won": "Deals open a week ago and won since, booked in the quarter: their amount less "
        "the value the forecast already gave them.",
        "Lost": "Deals open a week ago and closed lost since: the value they had.",
        "Pushed out of the quarter": "Deals whose expected close date moved from inside the "
        "quarter (or before it) to after it and whose stage stayed: the change of their chance "
        "times their amount (a pushed deal that changed stage counts in stage progress, a "
        "changed amount in amount changes).",
        "Pulled into the quarter": "Deals whose expected close date moved into the quarter from "
        "after it and whose stage stayed, split the same way.",
        "New deals": "Deals the forecast did not count a week ago (created since, or first "
        "seen in a pipeline snapshot since), at their value now; won ones at their amount. A "
        "deal without a created date is not new (it counts in everything else).",
        "Amount changes": "Deals open on both days whose amount changed, at last week's chance.",
        "Stage progress": "Deals open on both days whose stage changed (a step back counts "
        "negative): the change of their chance times their amount, including the week's "
        "re-estimate of chances.",
        "The model's re-estimate": "Deals open on both days, neither moved in stage nor in "
        "or out of the quarter, whose chance changed all the same (a week older, nearer their "
        "close date, a model fitted a week later): the change of their chance times their "
        "amount. It is the model re-estimating the same deals, not deals moving.",
        "Everything else": "Deals won outside the quarter (booked in another quarter), deals "
        "that dropped out of the pipeline without being won or lost, deals without a created "
        "date (in the pipeline only from the data's last date, so when they joined it is "
        "unknown), the allowance for deals not yet created, and the part of the forecast a "
        "time-series model makes.",
    }


@dataclass(frozen=True)
class _Moved:
    """Section "Why did the forecast move since last week?" (fields of :class:`Forecasting`)."""

    bridge: Bridge | None
    bridge_chart: pd.DataFrame
    bridge_title: str
    bridge_sentence: str | None
    bridge_table: Table
    bridge_definitions: dict[str, str]


def _bridge_section(b: _Basis) -> _Moved:
    """Why the forecast moved: last week's bridge, its chart, sentence and deals."""
    method = bridge_method(b.rec, b.shown)
    as_of = b.period.as_of
    since = as_of - pd.Timedelta(days=BRIDGE_DAYS)
    empty = Table(pd.DataFrame(), BRIDGE_SPEC, "", b.d.currency)
    if method is None or since < forecast.data_start(b.d):
        return _Moved(None, pd.DataFrame(), "", None, empty, {})
    weights = b.fc.attrs.get("weights", {})
    br = bridge(b.d, quarter=b.target, since=since, as_of=as_of, method=method, weights=weights)
    name = method_name(method, b.names)
    v = br.steps.assign(label=br.steps["step"].map(STEP_LABELS))
    v.loc[v["step"] == "start", "label"] = f"Forecast {br.since.date()}"
    v.loc[v["step"] == "end", "label"] = f"Forecast {br.as_of.date()}"
    moved = br.deals[br.deals["change"].abs() >= 0.005].head(BRIDGE_ROWS)
    rows = deal_rows(b.d, moved.assign(opp_row=moved["opp_row"].fillna(-1).astype("int64")))
    rows = won_elsewhere_stage(b.d, rows)
    rows["step_label"] = rows["step"].map(STEP_LABELS)
    share = forecast_share(weights if method == "ensemble" else {method: 1.0})
    return _Moved(
        bridge=br,
        bridge_chart=v,
        bridge_title=f"{b.target} forecast ({name}): {signed(br.change, b.fmt)} in "
        f"{BRIDGE_DAYS} days",
        bridge_sentence=" ".join(
            t
            for t in (
                bridge_sentence(
                    br.steps, name=name, target=b.target, since=br.since, as_of=br.as_of, fmt=b.fmt
                ),
                other_sentence(*other_parts(br), b.fmt, target=b.target),
                allowance_sentence(
                    br.allowance_change,
                    (br.since, *allowance_basis(b.d, b.target, br.since)),
                    (br.as_of, *allowance_basis(b.d, b.target, br.as_of)),
                    b.fmt,
                ),
                bridge_note(method, b.rec, share, forecast.has_snapshots(b.d), name),
            )
            if t
        ),
        bridge_table=Table(
            rows.reset_index(drop=True),
            bridge_spec(rows),
            f"The {BRIDGE_ROWS} deals that moved the forecast most, {br.since.date()} to "
            f"{br.as_of.date()}",
            b.d.currency,
        ),
        bridge_definitions=bridge_definitions(BRIDGE_DAYS),
    )


def allowance_sentence(
    change: float,
    then: tuple[pd.Timestamp, list[str], bool],
    now: tuple[pd.Timestamp, list[str], bool],
    fmt: MoneyFormat,
) -> str | None:
    """Why the allowance for deals not yet created moved, when its basis changed between the days.

    Parameters
    ----------
    change
        The allowance's change (:attr:`~salesops_lib.analysis.bridge.Bridge.allowance_change`).
    then, now
        Each day, the quarters it averages (latest first) and whether the season adjustment
        applies (:func:`~salesops_lib.analysis.bridge.allowance_basis`).
    fmt
        The money formatter.

    Returns
    -------
    str or None
        None when the change is under half a cent or both days rest on the same basis.

    Examples
    --------
    ``The allowance for deals not yet created moved by +$1.8M because it rests on other
    quarters: on 2026-09-23 the average of 2025Q3 to 2026Q2 (2026Q3 had not ended), on
    2026-09-30 the average of 2025Q4 to 2026Q3 adjusted for the season; no deal changed it.``
    """
    if abs(change) < 0.005 or (then[1], then[2]) == (now[1], now[2]) or not then[1] or not now[1]:
        return None

    def basis(day: pd.Timestamp, qs: list[str], season: bool) -> str:
        span_ = qs[0] if len(qs) == 1 else f"{qs[-1]} to {qs[0]}"
        return (
            f"on {day.date()} the average of {span_}{' adjusted for the season' if season else ''}"
        )

    skipped = [q for q in now[1] if q not in then[1] and q > then[1][0]]
    why = f" ({listing(skipped)} had not ended)" if skipped else ""
    return (
        f"The allowance for deals not yet created moved by {signed(change, fmt)} because it "
        f"rests on other quarters: {basis(*then)}{why}, {basis(*now)}; no deal changed it."
    )


def won_elsewhere_stage(data: SalesData, rows: pd.DataFrame) -> pd.DataFrame:
    """Bridge rows of deals won outside the quarter forecast, their stage now saying so.

    Such a deal counted in the forecast on the first day and was won before the quarter
    began (booked in that quarter, not the one forecast), so it has no open stage now; its
    ``stage_now`` reads ``Won 2026-09-28 (2026Q3)`` from its record's close date.

    Parameters
    ----------
    data
        The data set (the record's ``close_date`` by ``opp_row``).
    rows
        The bridge's deal rows (``why``, ``opp_row``, ``stage_now``).

    Returns
    -------
    DataFrame
        A new frame; other rows unchanged.
    """
    out = rows.copy()
    if out.empty or "why" not in out or "opp_row" not in out:
        return out
    row = out["opp_row"].fillna(-1).astype("int64").to_numpy()
    won = (out["why"] == "won outside the quarter").to_numpy(dtype=bool) & (row >= 0)
    if not won.any():
        return out
    closes = pd.to_datetime(data.opportunities["close_date"]).to_numpy()[row[won]]
    words = [
        f"Won {pd.Timestamp(c).date()} ({data.calendar.quarter_of(c)})" if pd.notna(c) else "Won"
        for c in closes
    ]
    stage = (
        out["stage_now"].astype("object")
        if "stage_now" in out
        else pd.Series(None, index=out.index, dtype="object")
    )
    stage.loc[won] = words
    out["stage_now"] = stage
    return out


def other_parts(br: Bridge) -> tuple[dict[str, float], float]:
    """The bridge's "everything else" by what it is made of, and the step.

    Parameters
    ----------
    br
        The bridge (:func:`~salesops_lib.analysis.bridge.bridge`).

    Returns
    -------
    tuple
        ``why`` (:data:`OTHER_WORDS`'s keys) → amount: the deals' changes by their ``why``,
        ``allowance`` and ``model`` (the changes of the allowance for deals not yet created
        and of the time-series part); and the step's amount (these plus the rounding cents).
    """
    other = br.deals[br.deals["step"] == "other"]
    parts = {str(k): float(v) for k, v in other.groupby("why")["change"].sum().items()}
    parts["allowance"] = br.allowance_change
    parts["model"] = br.method_change
    return parts, float(br.steps.set_index("step").loc["other", "amount"])


def forecast_share(weights: dict[str, float]) -> dict[str, float]:
    """Each method's share of the forecast (weights normalised to sum to 1).

    Parameters
    ----------
    weights
        Method → weight (rep call left out: the blend never uses it).

    Returns
    -------
    dict
    """
    use = {m: w for m, w in weights.items() if m != "rep_call" and np.isfinite(w) and w > 0}
    total = sum(use.values())
    return {m: w / total for m, w in use.items()} if total > 0 else {}


@dataclass(frozen=True)
class _Push:
    """Section "Which deals to push this week?" (fields of :class:`Forecasting`)."""

    push_list: Table
    push_sentence: str
    push_rule: str
    push_files: dict[str, Table]
    push_files_label: str
    """What the files hold: one per manager, or one of every deal without managers."""


def _push_section(b: _Basis, risk: dict[str, object]) -> _Push:
    """The quarter's open deals ranked by value at risk, with their flags, and one file per manager."""
    d, as_of = b.d, b.period.as_of
    pipe = _frame(risk, "open")
    chances = valuation(d, quarter=b.target, as_of=as_of, method="win_model").open
    chances = chances[["opp_id", "chance"]]
    by_stage = not bool(risk["has_history"])
    if by_stage:  # the model cannot learn from stages without snapshots: the CRM's stage odds
        chances = stage_chances(d, chances)
    listed = inspection_list(d, pipe, chances[["opp_id", "chance"]], as_of=as_of)
    rows = _deal_table_rows(d, listed, as_of)
    rows, closed = timeline.split_closed_after(d, rows, as_of)
    managed = rows["manager"].notna().any()
    spec = PUSH_SPEC if managed else PUSH_SPEC.without("manager")
    rule = PUSH_RULE_STAGE if by_stage else PUSH_RULE
    caption = f"Open deals expected to close in {b.target} on {as_of.date()}. {rule}"
    table = Table(rows, spec, caption if len(rows) else "", d.currency)
    used: set[str] = set()
    files = {
        f"{PUSH_FILE}_{file_slug(m, used)}": Table(
            part.reset_index(drop=True), spec, f"{caption} Manager: {m}", d.currency
        )
        for m, part in rows.groupby(rows["manager"].fillna("(no manager)"), sort=True)
    }
    if not managed and len(rows):  # one file of every deal, named for what it is
        files = {f"{PUSH_FILE}_all_deals": Table(rows, spec, caption, d.currency)}
    text = push_sentence(
        rows,
        b.target,
        b.fmt,
        has_activities=d.activities is not None,
        basis=STAGE_BASIS if by_stage else MODEL_BASIS,
        closed=closed,
        as_of=as_of,
        last=d.last_date,
    )
    odds = chance_sentence(rows, _last_snapshot(d, as_of), b.fmt)
    return _Push(
        push_list=table,
        push_sentence=text + (f" {odds}" if odds else ""),
        push_rule=rule,
        push_files=files,
        push_files_label=(
            "The deals to push, one file per manager"
            if managed
            else "The deals to push, in one file of every deal (the reps have no manager)"
        ),
    )


MODEL_BASIS = "not counted on by the win model"
"""What the push list's value at risk rests on with history snapshots."""

STAGE_BASIS = (
    "not counted on at the deal's probability in the CRM for its stage: without history "
    "snapshots the win model cannot learn what a stage is worth, so the win chance here is "
    "the CRM's"
)
"""What the push list's chances rest on without history snapshots."""

PUSH_RULE_STAGE = (
    "Ranked by value at risk, amount × (1 − the deal's probability in the CRM for its stage): "
    "the part of a deal the forecast does not already count on, which a push can still win."
)
""":data:`PUSH_RULE` without history snapshots (:func:`~salesops_lib.analysis.inspection.stage_chances`)."""


def _won_and_lost(closed: pd.DataFrame, fmt: MoneyFormat) -> list[str]:
    """``["2 won ($120K)", "4 lost ($210K)"]`` of deals closed since (``since``, ``amount``)."""
    won = closed["since"].astype(str).str.startswith("won")
    return [
        f"{int(k.sum()):,} {word} ({fmt(float(closed.loc[k, 'amount'].sum()))})"
        for k, word in ((won, "won"), (~won, "lost"))
        if k.any()
    ]


def closed_since_sentence(
    closed: pd.DataFrame,
    as_of: pd.Timestamp,
    last: pd.Timestamp,
    fmt: MoneyFormat,
    *,
    tail: str = "left out, with nothing left to push",
    of_them: bool = False,
) -> str | None:
    """The deals left out of the push list because the data shows them closed since ``as_of``.

    Parameters
    ----------
    closed
        Deal rows open on ``as_of`` that closed after it (``since``: ``won ...`` or
        ``lost ...``; ``amount``).
    as_of
        The report's as-of date.
    last
        The data's last date.
    fmt
        The money formatter.
    tail
        What becomes of them, after "they are" (the push list's words by default).
    of_them
        The deals are some of those the sentence before counts ("2 of them ...").

    Returns
    -------
    str or None
        The sentence; None when no deal closed since.

    Examples
    --------
    ``6 deals open on 2026-03-31 have closed since, as the data (to 2026-05-14) shows: 2 won
    ($120K) and 4 lost ($210K); they are left out, there is nothing left to push on them.``
    """
    if closed.empty:
        return None
    parts = _won_and_lost(closed, fmt)
    n = len(closed)
    lead = f"{n:,} of them" if of_them else f"{count(n, 'deal')} open on {as_of.date()}"
    return (
        f"{lead} {'has' if n == 1 else 'have'} closed since, as "
        f"the data (to {last.date()}) shows: {listing(parts)}; "
        f"{'it is' if n == 1 else 'they are'} {tail}."
    )


def _last_snapshot(d: SalesData, as_of: pd.Timestamp) -> pd.Timestamp | None:
    """The latest history snapshot on or before ``as_of`` (None: no snapshots by then)."""
    if d.history is None or d.history.empty:
        return None
    days = pd.to_datetime(d.history["snapshot_date"])
    day = days[days <= as_of].max()
    return None if pd.isna(day) else pd.Timestamp(day)


def chance_sentence(
    rows: pd.DataFrame, snapshot: pd.Timestamp | None, fmt: MoneyFormat
) -> str | None:
    """Why some deals to push show no win chance (blank) or one under 1% (``<1%``, ``0%``).

    Parameters
    ----------
    rows
        The push list's rows (``chance``, NaN: none; ``amount``; ``created_date`` when known).
    snapshot
        The latest history snapshot on or before the as-of date (None: no snapshots).
    fmt
        The money formatter.

    Returns
    -------
    str or None
        None when every deal has a chance of 1% or more.

    Examples
    --------
    ``50 deals ($2.7M) were created after the last pipeline snapshot (2026-09-25), so the win
    model, which values the deals of that snapshot, gives them no chance (a blank Win
    chance): the forecast counts such deals in its allowance for deals not yet created, and
    their whole amount is at risk here. 380 deals have a win chance under 1% (<1% or 0%): ...``
    """
    if rows.empty or "chance" not in rows:
        return None
    chance = rows["chance"].astype("float64")
    out = []
    none = chance.isna()
    if none.any():
        n, amt = int(none.sum()), fmt(float(rows.loc[none, "amount"].sum()))
        created = pd.to_datetime(rows.get("created_date", pd.Series(pd.NaT, index=rows.index)))
        if snapshot is not None and bool((created[none] > snapshot).all()):
            out.append(
                f"{count(n, 'deal')} ({amt}) {'was' if n == 1 else 'were'} created after the "
                f"last pipeline snapshot ({snapshot.date()}), so the win model, which values "
                "the deals of that snapshot, gives them no chance (a blank Win chance): the "
                "forecast counts "
                "such deals in its allowance for deals not yet created, and their whole amount "
                "is at risk here."
            )
        else:
            out.append(
                f"{count(n, 'deal')} ({amt}) {'has' if n == 1 else 'have'} no win chance (a "
                "blank Win chance): their whole amount is at risk here."
            )
    tiny = int((chance < 0.005).sum())  # NaN compares False
    if tiny:
        shown = "<1% or 0%" if bool((chance == 0).any()) else "<1%"
        out.append(
            f"{count(tiny, 'deal')} {'has' if tiny == 1 else 'have'} a win chance under 1% "
            f"({shown}): the part of the amount the forecast counts on is that small."
        )
    return " ".join(out) or None


def closed_since_clause(closed: pd.DataFrame, last: pd.Timestamp, fmt: MoneyFormat) -> str | None:
    """The deals left out of the push list because the data shows them closed since the as-of day.

    Parameters
    ----------
    closed
        Deal rows open on the as-of day that closed after it (``since``: ``won ...`` or
        ``lost ...``; ``amount``).
    last
        The data's last date.
    fmt
        The money formatter.

    Returns
    -------
    str or None
        The clause; None when no deal closed since.

    Examples
    --------
    ``6 have closed since, as the data (to 2026-05-14) shows: 2 won ($120K) and 4 lost
    ($210K), left out with nothing left to push``
    """
    if closed.empty:
        return None
    parts = _won_and_lost(closed, fmt)
    n = len(closed)
    return (
        f"{n:,} {'has' if n == 1 else 'have'} closed since, as the data (to {last.date()}) "
        f"shows: {listing(parts)}, left out with nothing left to push"
    )


def push_sentence(
    rows: pd.DataFrame,
    target: str,
    fmt: MoneyFormat,
    *,
    has_activities: bool,
    basis: str = MODEL_BASIS,
    closed: pd.DataFrame | None = None,
    as_of: pd.Timestamp | None = None,
    last: pd.Timestamp | None = None,
) -> str:
    """The inspection list in a sentence: how much is at risk, in how many deals, flagged how.

    Parameters
    ----------
    rows
        :func:`~salesops_lib.analysis.inspection.inspection_list` rows still open.
    target
        The quarter.
    fmt
        The money formatter.
    has_activities
        Whether the data logs activities (else the no-activity flag is not shown).
    basis
        What "at risk" rests on, in brackets after the amount (:data:`MODEL_BASIS`,
        :data:`STAGE_BASIS`).
    closed
        The quarter's deals open on ``as_of`` that the data shows closed since (``since``,
        ``amount``; :func:`closed_since_clause`): the sentence starts from all the open
        deals, those and ``rows``, so it matches the quarter's open pipeline.
    as_of, last
        The report's day and the data's last date (needed with ``closed``).

    Returns
    -------
    str
        Without open deals, that there is nothing to push yet.
    """
    gone = (
        closed_since_clause(closed, last, fmt)
        if closed is not None and as_of is not None and last is not None
        else None
    )
    if gone and closed is not None and as_of is not None:
        n, worth = len(rows) + len(closed), float(rows["amount"].sum() + closed["amount"].sum())
        lead = (
            f"Of the {count(n, 'open deal')} worth {fmt(worth)} expected to close in {target} "
            f"on {as_of.date()}, {gone}"
        )
        if rows.empty:
            return f"{lead}; there is no deal left to push."
        still = f"{lead}; the {len(rows):,} still open hold"
    elif rows.empty:
        return f"No open deal is expected to close in {target} yet: there is no deal to push."
    else:
        still = f"{count(len(rows), 'open deal')} expected to close in {target} hold"
    at_risk, amount = float(rows["at_risk"].sum()), float(rows["amount"].sum())
    flagged = rows["flags"].astype("str").str.len() > 0
    top = rows.head(10)
    out = (
        f"{still} {fmt(amount)}, of which **{fmt(at_risk)}** is at risk ({basis}); the 10 at the "
        f"top hold {fmt(float(top['at_risk'].sum()))} of it. "
        f"{count(int(flagged.sum()), 'deal')} "
        f"{'raises' if int(flagged.sum()) == 1 else 'raise'} at least one risk flag."
    )
    if not has_activities:
        out += " The data logs no activities, so no deal is flagged for a lack of them."
    return out


OTHER_WORDS = {
    "allowance": "the allowance for deals not yet created",
    "model": "the time-series model's part",
    "won outside the quarter": "deals won outside {target}, booked in another quarter",
    "left the pipeline open": "deals that dropped out of the pipeline without being won or lost",
    "no created date": "deals without a created date, in the pipeline only from the data's "
    "last date and so not counted as new",
}
"""What each part of the bridge's "everything else" is, in a manager's words (``{target}``:
the quarter forecast)."""


def other_sentence(
    parts: dict[str, float], total: float, fmt: MoneyFormat, *, target: str
) -> str | None:
    """What the bridge's "everything else" step is made of, largest part first.

    Parameters
    ----------
    parts
        Amount by part (:data:`OTHER_WORDS`'s keys; :func:`other_parts`); parts under half a
        cent are left out.
    total
        The step ("everything else"); what the parts leave of it is the rounding to the cent.
    fmt
        The money formatter.
    target
        The quarter forecast.

    Returns
    -------
    str or None
        None when the step is under 0.5 cent.
    """
    if abs(total) < 0.005:
        return None
    named = [
        f"{OTHER_WORDS[k].format(target=target)} ({signed(v, fmt)})"
        for k, v in sorted(parts.items(), key=lambda p: -abs(p[1]))
        if abs(v) >= 0.005
    ]
    return f"Everything else ({signed(total, fmt)}) is {listing(named)}."


# a team's page: the company's forecast for the team (no backtest of its own)


@dataclass(frozen=True)
class CompanyChoice:
    """What a team's report 03 takes from the company's (:func:`company_choice`).

    Attributes
    ----------
    target
        The quarter forecast.
    week
        Its week of quarter on the as-of date.
    rec
        The company's recommended method and its backtest.
    names, inputs
        The methods' names and inputs on this data.
    teams
        The company's forecast by team (:func:`_team_forecast`), the table of its page.
    method
        The method of that table (None: no team).
    """

    target: str
    week: int
    rec: Recommendation
    names: dict[str, str]
    inputs: dict[str, tuple[str, ...]]
    teams: pd.DataFrame
    method: str | None


COMPANY_ONLY = (
    "The forecast method is chosen on the company's record, not the team's: the backtest "
    "of each method, its accuracy and the forecast by week are on the company's forecast "
    "page (All reports for the quarter, Forecasting)."
)
"""What a team's page says in the sections only the company's page has."""


def _choice_key(period: Period, backtest_quarters: int) -> str:
    return (
        f"report 03 company choice quarter={period.quarter} as_of={period.as_of.date()} "
        f"backtest_quarters={backtest_quarters}"
    )


def _company_teams(b: _Basis, backtest_quarters: int) -> pd.DataFrame:
    """The company's forecast by team, shared with the team pages (:func:`company_choice`)."""
    teams = _team_forecast(b.d, b.target, b.period.as_of, b.decision, b.rec, b.names, b.fc)
    b.d.shared(_choice_key(b.period, backtest_quarters), lambda: _choice_of(b, teams))
    return teams


def _choice_of(b: _Basis, teams: pd.DataFrame) -> CompanyChoice:
    frame = pd.DataFrame(teams).reset_index(drop=True)
    method = teams.attrs.get("method")
    return CompanyChoice(b.target, b.week, b.rec, b.names, b.inputs, frame, method)


def company_choice(data: SalesData, period: Period, backtest_quarters: int = 8) -> CompanyChoice:
    """The company's recommended method and forecast by team, as its report 03 works them out.

    Read from the run's shared results when the company's report 03 wrote them (it does,
    :func:`build` without a team); otherwise worked out here, with the company's backtest.

    Parameters
    ----------
    data
        The company's data set (all teams).
    period
        The report's period (:func:`~salesops_lib.reports.base.period_of`).
    backtest_quarters
        As for :func:`build`.

    Returns
    -------
    CompanyChoice
    """

    def make() -> CompanyChoice:
        b = _basis(data, period, backtest_quarters)
        teams = _team_forecast(data, b.target, period.as_of, b.decision, b.rec, b.names, b.fc)
        return _choice_of(b, teams)

    return data.shared(_choice_key(period, backtest_quarters), make)


def team_share(choice: CompanyChoice, team: str) -> pd.DataFrame:
    """The team's row of the company's forecast by team, as the company's page shows it.

    Parameters
    ----------
    choice
        :func:`company_choice`.
    team
        The team's name.

    Returns
    -------
    DataFrame
        One row (``method, label, point, lo80, hi80, goal, of_goal`` as the company's table
        has them); no rows without a recommended method or when the team has no row.
    """
    t = choice.teams
    if choice.method is None or choice.rec.method is None or "team" not in t:
        return pd.DataFrame({"method": [], "label": [], "point": []})
    row = t[t["team"] == team].reset_index(drop=True)
    label = method_name(choice.method, choice.names)
    return row.assign(method=choice.method, label=label).drop(columns=["team"])


def team_forecast_sentence(
    share: pd.DataFrame, choice: CompanyChoice, team: str, fmt: MoneyFormat
) -> str:
    """What a team's page says its forecast is: its share of the company's forecast.

    Parameters
    ----------
    share
        :func:`team_share` (``point``, and ``lo80, hi80, goal, of_goal`` when known).
    choice
        :func:`company_choice`.
    team
        The team's name.
    fmt
        The money formatter.

    Returns
    -------
    str
        The sentence (``**`` marks the figure).

    Examples
    --------
    >>> team_forecast_sentence(share, choice, "West", fmt)  # doctest: +SKIP
    "Team West's forecast for 2026Q4 is **$8.9M** (80% range $7.1M to $10.2M): its row in the company's forecast by team, by Blend of methods, the method the company's backtest recommends; 97% of its goal of $9.2M."
    """
    if not len(share):
        return (
            f"The company's forecast of {choice.target} has no figure for team {team} (no "
            "method is recommended, or the team has no open or past deals); the company's "
            "forecast page says why."
        )
    r = share.iloc[0]
    text = f"Team {team}'s forecast for {choice.target} is **{fmt(float(r['point']))}**"
    lo, hi = r.get("lo80"), r.get("hi80")
    if isinstance(lo, float) and isinstance(hi, float) and np.isfinite(lo) and np.isfinite(hi):
        text += f" (80% range {fmt(lo)} to {fmt(hi)})"
    text += f": its row in the company's forecast by team, by {r['label']}"
    if choice.method == choice.rec.method:
        text += ", the method the company's backtest recommends"
    else:
        rec = method_name(str(choice.rec.method), choice.names)
        text += f" (the company's recommended method, {rec}, is not split by team)"
    goal = r.get("goal")
    if isinstance(goal, float) and np.isfinite(goal) and goal > 0:
        text += f"; {pct(float(r['point']) / goal, 0)} of its goal of {fmt(goal)}"
    return text + "."


def team_tiles(
    share: pd.DataFrame, booked: float, as_of: pd.Timestamp, fmt: MoneyFormat
) -> list[Tile]:
    """A team page's headline figures: its forecast (the company's row), bookings, goal.

    Parameters
    ----------
    share
        :func:`team_share`.
    booked
        The team's bookings in the quarter so far.
    as_of
        The report's day.
    fmt
        The money formatter.

    Returns
    -------
    list of Tile
    """
    tiles = [Tile("Booked so far", fmt(booked), f"as of {as_of.date()}")]
    if not len(share):
        return tiles
    r = share.iloc[0]
    tiles.insert(0, Tile("Forecast", fmt(float(r["point"])), f"{r['label']}, the company's method"))
    goal = r.get("goal")
    if isinstance(goal, float) and np.isfinite(goal) and goal > 0:
        tiles.append(
            Tile("Goal", fmt(goal), f"forecast at {pct(float(r['point']) / goal, 0)} of it")
        )
    return tiles


def _team_close(b: _Basis, choice: CompanyChoice, team: str, outlook: Outlook) -> _Close:
    """A team page's "What will the quarter close at?": its row of the company's forecast."""
    share, fmt = b.forecasts, b.fmt
    row = choice.teams[choice.teams["team"] == team] if "team" in choice.teams else share
    spec = TEAM_SPEC if "goal" in row else TEAM_SPEC.without("goal", "of_goal")
    if "lo80" in row and len(row) and row["lo80"].isna().all():
        spec = spec.without("lo80", "hi80")
    method = method_name(choice.method, choice.names) if choice.method else ""
    caption = f"Team {team}'s row of the company's {b.target} forecast by team ({method})"
    goal = outlook.goal if outlook.goal > 0 else None
    return _Close(
        forecasts=share,
        recommendation=b.rec,
        recommended_name=b.rec.name or "",
        booked=float(outlook.booked),
        tiles=team_tiles(share, float(outlook.booked), b.period.as_of, fmt),
        recommendation_sentence=team_forecast_sentence(share, choice, team, fmt),
        range_sentence=None,
        season_sentence=None,
        forecast_table=Table(
            row.reset_index(drop=True), spec, caption if len(row) else "", b.d.currency
        ),
        forecast_chart=pd.DataFrame(),
        forecast_title="",
        goal=goal,
        goal_label=goal_words(outlook, fmt) if goal else "",
        rep_call_note=None,
        outlook=outlook,
        outlook_sentence=outlook_sentence(outlook, b.d.currency),
        reconcile_sentence=None,
    )


def _company_only_fields(currency: str) -> dict[str, Any]:
    """The fields of the sections only the company's page has, on a team's page: one line."""
    empty = Table(pd.DataFrame(), FORECAST_SPEC, "", currency)
    return {
        "backtests": {},
        "accuracy": empty,
        "accuracy_sentence": COMPANY_ONLY,
        "tested_sentence": None,
        "accuracy_chart": pd.DataFrame(),
        "accuracy_title": "",
        "backtest_chart": pd.DataFrame(),
        "backtest_title": "",
        "errors_by_quarter": empty,
        "monthly": empty,
        "monthly_sentence": None,
        "bridge": None,
        "bridge_chart": pd.DataFrame(),
        "bridge_title": "",
        "bridge_sentence": "How the company's forecast moved since last week is on the company's "
        "forecast page.",
        "bridge_table": empty,
        "bridge_definitions": {},
        "weekly": Weekly(
            None, blank_line(), "The forecast by week is on the company's forecast page."
        ),
    }


def _team_build(data: SalesData, period: Period, team: str, backtest_quarters: int) -> Forecasting:
    """Report 03 for one team: the company's forecast for it, no backtest of its own."""
    choice = company_choice(data, period, backtest_quarters)
    d = team_or_company(data, team)
    target, as_of, fmt = choice.target, period.as_of, money_in(d.currency)
    share = team_share(choice, team)
    shown = set(share["method"])
    b = _Basis(d, period, target, choice.week, fmt, {}, pd.DataFrame(), share, shown,
               choice.inputs, choice.names, choice.rec, pd.DataFrame(), share)  # fmt: skip
    outlook = quarter_outlook(d, quarter=target, as_of=as_of)
    risk = forecast.risks(d, quarter=target, as_of=as_of, top=LARGEST)
    risks = _risk_section(b, risk)
    teams = choice.teams.copy()
    teams.attrs["method"] = choice.method
    start, end = d.calendar.bounds(target)
    calls = calls_section(
        d, quarter=target, as_of=as_of, week=choice.week, quarters=backtest_quarters
    )
    own = replace(choice.rec, method=(next(iter(shown)) if shown else None), ranged=0)
    return Forecasting(
        header=replace(header(data, period, team), scope=scope_sentence(team, period, target, start, end)),
        period=period,
        target_quarter=target,
        gaps=_gaps(pd.DataFrame({"quarter": [target]}), bool(risk["has_history"]), teams, target, None, d),
        intro_sentence=_intro(d, period, target, float(outlook.booked), fmt),
        **_fields(_team_close(b, choice, team, outlook), risks, _push_section(b, risk)),
        **_company_only_fields(d.currency),
        by_team=Table(pd.DataFrame(), TEAM_SPEC, "", d.currency),
        team_sentence=f"The other teams' rows are on the company's forecast page; team {team}'s is "
        "above.",
        calls=calls,
        definitions=_definitions(
            share, pd.DataFrame(), b.inputs, b.names,
            deal_terms=table_definitions(risks.largest.frame, risks.past_due.frame),
        )
        | SECTION_DEFINITIONS,
        findings=_findings(share, own, outlook, _frame(risk, "past_due"), _frame(risk, "undated"), target, fmt, data=d),
        currency=d.currency,
        names=choice.names,
        inputs=choice.inputs,
    )  # fmt: skip
