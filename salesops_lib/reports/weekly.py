"""Report 03's section "How did the forecast move week by week?".

:func:`weekly_section` returns a :class:`Weekly`: the recommended forecast and its 80% range
as of each week of the quarter just finished (against its quota and its outcome, with the
bookings so far) and of the quarter forecast so far. The figures come from
:func:`salesops_lib.analysis.weekly.forecast_by_week` over the backtests report 03 already
ran; every sentence here is a function of the frames beside it (tested in
``tests/test_weekly.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from salesops_lib.analysis import forecast
from salesops_lib.analysis import weekly as wk
from salesops_lib.data import SalesData
from salesops_lib.format import pct
from salesops_lib.reports.base import MoneyFormat, count, listing
from salesops_lib.reports.tables import Column, Table, TableSpec

SECTION = "How did the forecast move week by week?"
MID_WEEK = 8
"""The week the sentence quotes between the first and the last."""

SPEC = TableSpec(
    (
        Column("week", "Week", "int"),
        Column("as_of", "Date", "date"),
        Column("booked", "Booked so far", "money"),
        Column("point", "Forecast", "money"),
        Column("range", "80% range"),
        Column("quota", "Quota", "money"),
        Column("outcome", "Outcome", "money"),
        Column("held", "Range held the outcome"),
        Column("label", "Method"),
    ),
    max_rows=20,
)

DEFINITIONS: dict[str, str] = {
    "Forecast by week": (
        "The recommended forecast of the quarter as known at the end of each of its weeks "
        "(week 0: the day before it started), made with only what was known that day: the "
        "method the recommendation rule picks from the backtest of the quarters before it at "
        "the nearest week backtested (0, 4 or 8; a tie goes to the later week), run on that day."
    ),
    "80% range by week": (
        "The range the week's method gives, from how far actuals fell from its forecasts in "
        "the quarters backtested before the quarter at that week; with fewer than {forecast.CALIBRATED_ERRORS} errors it is uncalibrated, "
        f"with fewer than {forecast.MIN_RANGE_ERRORS} the method's own range is shown."
    ),
    "Booked so far": "Bookings of the quarter from its first day to the week's date.",
    "Outcome": "What the quarter booked in the end: its bookings once it closed.",
    "Ranges held": (
        "Of the weeks with a range, those whose 80% range held the outcome (an 80% range "
        "should hold it about 4 times in 5)."
    ),
}


@dataclass(frozen=True)
class QuarterLine:
    """One quarter's forecast by week, as the section shows it.

    Attributes
    ----------
    quarter
        The quarter.
    weeks
        :func:`~salesops_lib.analysis.weekly.forecast_by_week` with ``label`` (the method's
        name), ``range`` (its 80% range in words), ``held`` (``yes``/``no``/blank), ``quota``
        and ``outcome``.
    quota, outcome
        The quarter's quota and what it closed at (None: no quota; not closed yet).
    asked
        The weeks asked for (a week missing from ``weeks`` had no method to recommend).
    sentence, method_sentence
        What the line says and which method each week used.
    title
        The chart's title.
    chart
        ``weeks`` to draw; empty with one week only (one point is no line).
    table
        The weeks as a table (no rows with one week only: the sentence says it).
    """

    quarter: str
    weeks: pd.DataFrame
    quota: float | None
    outcome: float | None
    asked: int
    sentence: str
    method_sentence: str | None
    title: str
    chart: pd.DataFrame
    table: Table

    @property
    def chart_options(self) -> dict[str, object]:
        """The chart's keywords besides the currency (:func:`~salesops_lib.render.plots.forecast_by_week`)."""
        return {"title": self.title, "quota": self.quota, "outcome": self.outcome}


def blank_line() -> QuarterLine:
    """A line that shows nothing (no sentence, chart or table rows).

    Returns
    -------
    QuarterLine
    """
    empty = pd.DataFrame(columns=[*wk.WEEKLY_COLUMNS, "label", "range", "quota", "outcome", "held"])
    return QuarterLine("", empty, None, None, 0, "", None, "", empty, Table(empty, SPEC, "", "USD"))


@dataclass(frozen=True)
class Weekly:
    """Section "How did the forecast move week by week?" (a field of report 03's result).

    Attributes
    ----------
    finished
        The quarter just finished, weeks 0–13 (None when the as-of date ends no quarter of
        the data before the one forecast).
    current
        The quarter forecast, each week so far.
    sentence
        The section's opening line: which quarters and why.
    definitions
        The section's terms.
    """

    finished: QuarterLine | None
    current: QuarterLine
    sentence: str
    definitions: dict[str, str] = field(default_factory=lambda: dict(DEFINITIONS))

    @property
    def lines(self) -> list[QuarterLine]:
        """The quarters shown, the one just finished first (none when neither has a week)."""
        shown = [q for q in (self.finished, self.current) if q is not None]
        return shown if any(len(q.weeks) for q in shown) else []

    @property
    def first(self) -> QuarterLine:
        """The first line to show: the quarter just finished (a blank line when none is shown)."""
        shown = self.lines
        return shown[0] if shown else blank_line()

    @property
    def second(self) -> QuarterLine:
        """The second line to show: the quarter forecast (a blank line when none is shown)."""
        shown = self.lines
        return shown[1] if len(shown) > 1 else blank_line()


def range_words(row: Mapping[str, object], fmt: MoneyFormat, *, mark: bool = True) -> str:
    """A week's 80% range in words: ``$28.2M – $35.8M`` (``, uncalibrated``), or ``no range``.

    Parameters
    ----------
    row
        A week (``lo80, hi80, range_errors``).
    fmt
        The money formatter.
    mark
        Say ``uncalibrated`` after a range from fewer than
        :data:`~salesops_lib.analysis.forecast.CALIBRATED_ERRORS` errors.

    Returns
    -------
    str

    Examples
    --------
    >>> from salesops_lib.reports.base import money_in
    >>> range_words({"lo80": 2.8e7, "hi80": 3.5e7, "range_errors": 7}, money_in("USD"))
    '$28.0M – $35.0M, uncalibrated'
    """
    lo, hi = float(row["lo80"]), float(row["hi80"])  # type: ignore[arg-type]
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "no range"
    a, b = fmt(lo), fmt(hi)
    text = a if a == b else f"{a} – {b}"
    n = int(row["range_errors"])  # type: ignore[call-overload]
    return text + (", uncalibrated" if mark and n < forecast.CALIBRATED_ERRORS else "")


def figure_words(row: Mapping[str, object], fmt: MoneyFormat) -> str:
    """A week's forecast and its range: ``$31.0M (80% range $28.2M – $35.8M)``, or ``(no range)``.

    Parameters
    ----------
    row
        A week (``point, lo80, hi80, range_errors``).
    fmt
        The money formatter.

    Returns
    -------
    str
    """
    words = range_words(row, fmt)
    point = fmt(row["point"])
    return f"{point} (no range)" if words == "no range" else f"{point} (80% range {words})"


def weeks_words(weeks: list[int]) -> str:
    """``week 3``, ``weeks 0–1``, ``weeks 0–1 and 5``: runs of weeks in words.

    Parameters
    ----------
    weeks
        Weeks, ascending.

    Returns
    -------
    str

    Examples
    --------
    >>> weeks_words([0, 1, 5]), weeks_words([4])
    ('weeks 0–1 and 5', 'week 4')
    """
    runs: list[list[int]] = []
    for w in weeks:
        if runs and w == runs[-1][-1] + 1:
            runs[-1].append(w)
        else:
            runs.append([w])
    parts = [f"{r[0]}–{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs]
    return ("weeks " if len(weeks) > 1 else "week ") + listing(parts)


def method_sentence(weeks: pd.DataFrame, quarter: str, names: Mapping[str, str]) -> str | None:
    """Which method each week's figure is, and where its range comes from.

    Parameters
    ----------
    weeks
        :func:`~salesops_lib.analysis.weekly.forecast_by_week` (``week, method,
        backtest_week, range_errors``).
    quarter
        The quarter.
    names
        The methods in a manager's words.

    Returns
    -------
    str or None
        None without weeks.
    """
    if weeks.empty:
        return None
    used = list(dict.fromkeys(weeks["method"]))
    by = [
        f"{names.get(m, m)} at {weeks_words(weeks.loc[weeks['method'] == m, 'week'].tolist())}"
        for m in used
    ]
    tested = sorted(set(weeks["backtest_week"].astype(int)))
    which = ("weeks " if len(tested) > 1 else "week ") + listing([str(w) for w in tested])
    ranges = ranges_words(weeks["range_errors"].astype(int).tolist())
    if len(weeks) == 1:
        return (
            f"It is the method the recommendation rule picks from the backtest of the quarters "
            f"before {quarter} at {which}: {names.get(used[0], used[0])}; its range comes from "
            f"{ranges}."
        )
    return (
        f"Each week's figure is the method the report would have recommended that week, from "
        f"the backtest of the quarters before {quarter} at the nearest week backtested "
        f"({which}): {listing(by)}. Each range comes from {ranges}."
    )


def ranges_words(errors: list[int]) -> str:
    """Where a line's ranges come from: how many backtest errors, whether that calibrates them.

    Parameters
    ----------
    errors
        Each week's backtest errors behind its range (``range_errors``), not empty.

    Returns
    -------
    str

    Examples
    --------
    >>> ranges_words([7, 7]), ranges_words([8])
    ("the method's errors in only 7 backtested quarters, fewer than the 8 that calibrate a range: read the ranges as uncalibrated", "the method's errors in 8 backtested quarters")
    """
    lo, hi, enough = min(errors), max(errors), forecast.CALIBRATED_ERRORS
    n = f"{lo}" if lo == hi else f"{lo}–{hi}"
    if lo >= enough:
        return f"the method's errors in {n} backtested quarters"
    own = (
        f"; with fewer than {forecast.MIN_RANGE_ERRORS} the range is the method's own"
        if lo < forecast.MIN_RANGE_ERRORS
        else ""
    )
    if hi < enough:
        return (
            f"the method's errors in only {n} backtested quarters, fewer than the {enough} that "
            f"calibrate a range: read the ranges as uncalibrated{own}"
        )
    return (
        f"the method's errors in {n} backtested quarters: the weeks with fewer than {enough} "
        f"are uncalibrated{own}"
    )


def line_sentence(
    weeks: pd.DataFrame,
    *,
    quarter: str,
    outcome: float | None,
    quota: float | None,
    fmt: MoneyFormat,
    mid: int = MID_WEEK,
) -> str:
    """How the forecast of ``quarter`` moved week by week and where it landed.

    Parameters
    ----------
    weeks
        :func:`~salesops_lib.analysis.weekly.forecast_by_week` (``week, as_of, booked,
        point, lo80, hi80, range_errors``), at least one row.
    quarter
        The quarter.
    outcome
        What it closed at (None: not closed yet).
    quota
        Its quota (None: none).
    fmt
        The money formatter.
    mid
        The week quoted between the first and the last; the landing is judged against the
        last week shown.

    Returns
    -------
    str

    Examples
    --------
    >>> from salesops_lib.reports.base import money_in
    >>> w = pd.DataFrame({"week": [0], "as_of": [pd.Timestamp("2026-09-30")], "booked": [0.0],
    ...     "point": [3.0e7], "lo80": [2.8e7], "hi80": [3.5e7], "range_errors": [8]})
    >>> line_sentence(w, quarter="2026Q4", outcome=None, quota=None, fmt=money_in("USD"))
    'On 2026-09-30, week 0 of 2026Q4, the forecast is $30.0M (80% range $28.0M – $35.0M): the only week so far, so there is no line to draw yet.'
    """
    first, last = weeks.iloc[0], weeks.iloc[-1]
    at_first = figure_words(first, fmt)
    if len(weeks) == 1 and outcome is None:
        return (
            f"On {pd.Timestamp(first['as_of']).date()}, week {int(first['week'])} of {quarter}, "
            f"the forecast is {at_first}: the only week so far, so there is no line to draw yet."
        )
    opening = f"At week {int(first['week'])} the forecast of {quarter} was {at_first}"
    if outcome is None:
        return (
            f"{opening}; at week {int(last['week'])} ({pd.Timestamp(last['as_of']).date()}) it "
            f"is {figure_words(last, fmt)}, with "
            f"{fmt(last['booked'])} booked so far; the quarter has not closed yet."
        )
    shown = last  # the verdict is the last week the table shows
    midway = weeks[weeks["week"] <= mid].iloc[-1]
    by = ""
    if len(weeks) > 1 and int(midway["week"]) not in (int(first["week"]), int(last["week"])):
        by = (
            f"; by week {int(midway['week'])} it was {fmt(midway['point'])} and by week "
            f"{int(last['week'])}, the last week shown, {fmt(last['point'])}"
        )
    elif len(weeks) > 1:
        by = f"; by week {int(last['week'])}, the last week shown, it was {fmt(last['point'])}"
    against = (
        f" ({pct(outcome / quota)} of its {fmt(quota)} quota)"
        if quota is not None and quota > 0
        else ""
    )
    ranged = np.isfinite(weeks["lo80"].to_numpy(float)) & np.isfinite(weeks["hi80"].to_numpy(float))
    held = wk.held(weeks, outcome)
    if np.isfinite(float(shown["lo80"])):
        inside = "inside" if bool(held.loc[shown.name]) else "outside"
        verdict = f", {inside} the week-{int(shown['week'])} range ({range_words(shown, fmt)})"
    else:
        verdict = f"; week {int(shown['week'])} had no range"
    tally = (
        f"; {int(held.sum())} of {count(int(ranged.sum()), 'weekly range')} held the outcome"
        if ranged.any()
        else ""
    )
    return f"{opening}{by}; the quarter closed at {fmt(outcome)}{against}{verdict}{tally}."


def missing_sentence(quarter: str, tested: int) -> str:
    """Why a quarter has no forecast by week: what the backtest before it lacked.

    Parameters
    ----------
    quarter
        The quarter.
    tested
        The quarters before it that the report's backtests tested.

    Returns
    -------
    str

    Examples
    --------
    >>> missing_sentence("2017Q4", 2)
    'No forecast by week for 2017Q4: only 2 quarters before it could be backtested, and a method is recommended from 3 on.'
    """
    need = forecast.MIN_BACKTEST_QUARTERS
    if tested < need:
        some = f"only {count(tested, 'quarter')}" if tested else "no quarter"
        return (
            f"No forecast by week for {quarter}: {some} before it could be backtested, and a "
            f"method is recommended from {need} on."
        )
    return (
        f"No forecast by week for {quarter}: of the {tested} quarters before it backtested, no "
        f"method that may be recommended was tested on {need} or more."
    )


def line_title(weeks: pd.DataFrame, quarter: str, outcome: float | None, fmt: MoneyFormat) -> str:
    """The chart's title: where the forecast started and ended (and what the quarter closed at).

    Parameters
    ----------
    weeks
        :func:`~salesops_lib.analysis.weekly.forecast_by_week` (``week, point``), not empty.
    quarter
        The quarter.
    outcome
        What it closed at (None: not closed yet).
    fmt
        The money formatter.

    Returns
    -------
    str
    """
    first, last = weeks.iloc[0], weeks.iloc[-1]
    moved = (
        f"{quarter} forecast from {fmt(first['point'])} at week {int(first['week'])} to "
        f"{fmt(last['point'])} at week {int(last['week'])}"
    )
    return moved + (f"; closed at {fmt(outcome)}" if outcome is not None else "")


def _line(
    d: SalesData,
    quarter: str,
    dates: list[pd.Timestamp],
    backtests: Mapping[int, pd.DataFrame],
    names: Mapping[str, str],
    fmt: MoneyFormat,
    as_of: pd.Timestamp,
) -> QuarterLine:
    """One quarter's line: its weeks, sentences, title and table."""
    weeks = wk.forecast_by_week(d, quarter=quarter, dates=dates, backtests=backtests)
    calibrated = weeks["range_errors"] >= forecast.CALIBRATED_ERRORS
    mixed = bool(calibrated.any() and not calibrated.all())
    outcome, quota = wk.outcome(d, quarter, as_of), wk.quota_of(d, quarter)
    shown = weeks.assign(
        label=weeks["method"].map(lambda m: names.get(m, m)),
        range=[range_words(r, fmt, mark=mixed) for _, r in weeks.iterrows()],
        quota=quota if quota is not None else np.nan,
        outcome=outcome if outcome is not None else np.nan,
        held=[
            ("yes" if v else "no") if v is not pd.NA else "no range"
            for v in wk.held(weeks, outcome)
        ],
    )
    if weeks.empty:
        tested = max(
            (wk.before(bt, quarter)["quarter"].nunique() for bt in backtests.values()), default=0
        )
        sentence = missing_sentence(quarter, int(tested))
    else:
        sentence = line_sentence(weeks, quarter=quarter, outcome=outcome, quota=quota, fmt=fmt)
        missing = sorted(set(range(len(dates))) - set(weeks["week"].astype(int)))
        if missing:
            sentence += (
                f" {weeks_words(missing).capitalize()} are left out: the backtest of the "
                f"quarters before {quarter} at that week recommends no method (fewer than "
                f"{forecast.MIN_BACKTEST_QUARTERS} quarters tested by a method that may be "
                "recommended)."
            )
    spec = SPEC.without(
        *(["quota"] if quota is None else []),
        *(["outcome", "held"] if outcome is None else []),
    )
    caption = f"The recommended forecast of {quarter} as known at each week"
    if len(weeks) and not mixed and not calibrated.any():
        caption += " (80% ranges uncalibrated: too few backtested quarters)"
    return QuarterLine(
        quarter=quarter,
        weeks=shown,
        quota=quota,
        outcome=outcome,
        asked=len(dates),
        sentence=sentence,
        method_sentence=method_sentence(weeks, quarter, names),
        title=line_title(weeks, quarter, outcome, fmt) if len(weeks) else "",
        chart=shown if len(shown) > 1 else shown.iloc[:0],
        table=Table(shown if len(shown) > 1 else shown.iloc[:0], spec, caption, d.currency),
    )


def weekly_section(
    d: SalesData,
    *,
    target: str,
    week: int,
    as_of: pd.Timestamp,
    backtests: Mapping[int, pd.DataFrame],
    names: Mapping[str, str],
    fmt: MoneyFormat,
) -> Weekly:
    """The forecast by week of the quarter just finished and of the quarter forecast.

    Parameters
    ----------
    d
        The data set (or one team's).
    target
        The quarter report 03 forecasts.
    week
        Its week on ``as_of`` (:func:`~salesops_lib.analysis.forecast.forecast_week`).
    as_of
        What is known (the report's as-of date: the last week of ``target``'s line).
    backtests
        The report's backtests by week of quarter (of quarters before ``target``).
    names
        The methods in a manager's words.
    fmt
        The money formatter.

    Returns
    -------
    Weekly
        ``finished`` None when no quarter of the data ended by ``as_of``.
    """
    last = d.calendar.latest_complete_quarter(as_of)
    first = d.quarters()[0]
    finished = None
    if last < target and last >= first:
        start, end = d.calendar.bounds(last)
        n = forecast.forecast_week(d, last, end)
        finished = _line(d, last, wk.week_dates(d, last, n), backtests, names, fmt, as_of)
    current = _line(d, target, wk.week_dates(d, target, week, as_of), backtests, names, fmt, as_of)
    return Weekly(finished, current, section_sentence(finished, current))


def section_sentence(finished: QuarterLine | None, current: QuarterLine) -> str:
    """The section's opening line: which quarters it shows, or why it shows none.

    Parameters
    ----------
    finished
        The quarter just finished (None: none).
    current
        The quarter forecast.

    Returns
    -------
    str
    """
    if not any(len(q.weeks) for q in (finished, current) if q is not None):
        return (finished or current).sentence
    if finished is None:
        return f"The recommended forecast of {current.quarter}, the quarter forecast, each week so far."
    return (
        f"The recommended forecast of {finished.quarter}, the quarter just finished, week by "
        f"week against what it closed at, and of {current.quarter}, the quarter forecast, each "
        "week so far."
    )
