"""Report 11, enablement: did the training programmes change what the trained reps achieve?

:func:`build` returns an :class:`EnablementReport`: each programme's effect on the win rate,
the average deal, cycle days and the won value of new deals per rep, estimated by a staggered
difference-in-differences (:mod:`salesops_lib.analysis.enablement`) with 90% ranges; why a
plain comparison of trained and untrained reps misleads; the effect quarter by quarter after
training; who has been trained and who not yet; and how the four measures moved. Without an
enablement table it says what it cannot show and shows the measures. Every sentence is a
function of the numbers beside it (tested in ``tests/test_reports_enablement.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib.analysis import enablement as en
from salesops_lib.data import SalesData
from salesops_lib.format import number, pct
from salesops_lib.reports.base import (
    README_DATA,
    Finding,
    Gap,
    HasGaps,
    Header,
    MoneyFormat,
    Period,
    bold,
    count,
    header,
    listing,
    money_in,
    period_of,
    quarter_span,
    signed_money,
    team_or_company,
)
from salesops_lib.reports.definitions import pick
from salesops_lib.reports.tables import Column, Table, TableSpec

EFFECT_SECTION = "Did the training change results?"
COMPARISON_SECTION = "Why not just compare trained and untrained reps?"
TIMING_SECTION = "Does the effect last?"
ROLLOUT_SECTION = "Who has been trained, and who not yet?"
MEASURES_SECTION = "How have the four measures moved?"
TRAINING_SECTIONS = (EFFECT_SECTION, COMPARISON_SECTION, TIMING_SECTION, ROLLOUT_SECTION)

NO_ENABLEMENT = "an enablement table: which rep completed which programme on which day"
ADD_ENABLEMENT = (
    "add enablement.csv with rep_id, program and completed_date (an LMS export of course "
    f"completions; map its columns in salesops.toml as for any table, {README_DATA})"
)
NO_QUARTERS = (
    f"a complete quarter whose deals have had {en.MATURE_DAYS} days to close, with reps past "
    f"their first {en.RAMP_DAYS} days in seat"
)
ADD_QUARTERS = "run the report on a later quarter"

EFFECT_SPEC = TableSpec(
    (
        Column("program", "Programme"),
        Column("measure_label", "Measure"),
        Column("trained_reps", "Reps measured", "int"),
        Column("trained_text", "Trained reps' result"),
        Column("without_text", "Without the programme (estimated)"),
        Column("effect_text", "Effect"),
        Column("range_text", "90% range"),
        Column("relative_text", "Change"),
        Column("verdict", "Verdict"),
    )
)
COMPARISON_SPEC = TableSpec(
    (
        Column("program", "Programme"),
        Column("before_text", "Its reps vs reps without it, before training"),
        Column("naive_text", "After training (the plain comparison)"),
        Column("effect_text", "Estimated effect"),
    )
)
TIMING_SPEC = TableSpec(
    (
        Column("program", "Programme"),
        Column("after_label", "Quarter"),
        Column("cells", "Trained rep-quarters", "int"),
        Column("effect_text", "Difference from untrained reps (win rate)"),
        Column("range_text", "90% range"),
    )
)
ROLLOUT_SPEC = TableSpec(
    (
        Column("program", "Programme"),
        Column("completed", "Reps who completed it", "int"),
        Column("first_completed", "First completion", "date"),
        Column("last_completed", "Latest completion", "date"),
        Column("measured_reps", "Reps measured after it", "int"),
        Column("in_seat", "Reps in seat", "int"),
        Column("not_yet", "In seat, not trained yet", "int"),
        Column("share_trained", "Share of the team trained", "pct"),
    )
)
TEAM_SPEC = TableSpec(
    (
        Column("team", "Team"),
        Column("program", "Programme"),
        Column("in_seat", "Reps in seat", "int"),
        Column("trained", "Trained", "int"),
        Column("share_trained", "Share trained", "pct"),
    ),
    max_rows=60,
)
TO_TRAIN_SPEC = TableSpec(
    (
        Column("program", "Programme"),
        Column("manager", "Manager"),
        Column("team", "Team"),
        Column("rep_name", "Rep"),
        Column("hire_date", "Hired", "date"),
    ),
    max_rows=80,
)
MEASURES_SPEC = TableSpec(
    (
        Column("quarter", "Quarter deals were created"),
        Column("reps", "Reps measured", "int"),
        Column("win_rate", "Win rate", "pct"),
        Column("deal_size", "Average deal", "money"),
        Column("cycle_days", "Cycle days", "num1"),
        Column("bookings", "Won value of new deals per rep", "money"),
        Column("trained_share", "Reps trained before the quarter", "pct"),
    )
)


@dataclass(frozen=True)
class EnablementReport(HasGaps):
    """Everything report 11 shows (see :func:`build`)."""

    header: Header
    period: Period
    gaps: list[Gap]
    estimate: en.Estimate | None
    effects_frame: pd.DataFrame
    effects: Table | None
    effect_sentence: str | None
    action_sentence: str | None
    effect_chart: pd.DataFrame
    effect_title: str
    comparison_frame: pd.DataFrame
    comparison: Table | None
    comparison_sentence: str | None
    timing_frame: pd.DataFrame
    timing: Table | None
    timing_sentence: str | None
    timing_title: str
    rollout_frame: pd.DataFrame
    rollout: Table | None
    teams: Table | None
    to_train: Table | None
    rollout_sentence: str | None
    measures_frame: pd.DataFrame
    measures: Table | None
    measures_chart: pd.DataFrame
    measures_sentence: str | None
    measures_title: str
    spread_frame: pd.DataFrame
    spread_title: str
    definitions: dict[str, str]
    findings: list[Finding]
    currency: str

    @property
    def key_table(self) -> Table | None:
        """The table the run's workbook of key tables takes: the effects, else the measures."""
        return self.effects if self.effects is not None else self.measures


def build(
    data: SalesData,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
) -> EnablementReport:
    """Build report 11: the training programmes' effects, as known on ``as_of``.

    Parameters
    ----------
    data
        The company's data set (its ``enablement`` table for the effects).
    quarter
        The reported quarter; None: the latest complete one.
    as_of
        What is known; None: the quarter's end (or the data's last date mid-quarter).
    team
        Narrow the report to one team; None: the whole company.

    Returns
    -------
    EnablementReport

    Raises
    ------
    ConfigError
        For a quarter outside the data, an as-of date outside the quarter, or an unknown team.

    Examples
    --------
    >>> r = build(load_dataset("data/demo"), quarter="2026Q3")  # doctest: +SKIP
    >>> r.effect_sentence  # doctest: +SKIP
    """
    period = period_of(data, quarter, as_of)
    d = team_or_company(data, team)
    fmt = money_in(d.currency)
    day = period.as_of
    est = en.estimate(d, day)
    gaps = _gaps(est)
    has_training = not est.completions.empty and not est.panel.empty
    sections = _training_sections(d, est, day, fmt) if has_training else dict(_NO_TRAINING)
    return EnablementReport(
        header=header(data, period, team),
        period=period,
        gaps=gaps,
        estimate=est,
        **sections,
        **_measures_section(est, fmt, has_training, d.currency),
        **_spread(est),
        definitions=_definitions(has_training),
        findings=_findings(est, fmt),
        currency=d.currency,
    )


def _gaps(est: en.Estimate) -> list[Gap]:
    """What cannot be shown: no measured quarter at all, or no training to measure."""
    if est.panel.empty:
        return [Gap(s, NO_QUARTERS, ADD_QUARTERS) for s in (*TRAINING_SECTIONS, MEASURES_SECTION)]
    if not est.completions.empty:
        return []
    quarters = sorted(est.panel["quarter"].unique())
    missing = NO_ENABLEMENT
    if len(quarters) < 2:
        missing += (
            f", and a measured quarter before and one after each completion (this data has "
            f"{count(len(quarters), 'measured quarter')}, {quarter_span(quarters)})"
        )
    return [Gap(s, missing, ADD_ENABLEMENT) for s in TRAINING_SECTIONS]


_NO_TRAINING = {
    "effects_frame": pd.DataFrame(),
    "effects": None,
    "effect_sentence": None,
    "action_sentence": None,
    "effect_chart": pd.DataFrame(),
    "effect_title": "",
    "comparison_frame": pd.DataFrame(),
    "comparison": None,
    "comparison_sentence": None,
    "timing_frame": pd.DataFrame(),
    "timing": None,
    "timing_sentence": None,
    "timing_title": "",
    "rollout_frame": pd.DataFrame(),
    "rollout": None,
    "teams": None,
    "to_train": None,
    "rollout_sentence": None,
}


def _training_sections(d: SalesData, est: en.Estimate, day: pd.Timestamp, fmt: MoneyFormat) -> dict:
    """The effects, the plain comparison, the effect over time and the roll-out."""
    effects = effect_frame(est, fmt)
    comparison = comparison_frame(est)
    timing = timing_frame(est)
    rollout = rollout_frame(d, est, day)
    train = to_train_frame(d, est, day)
    return {
        "effects_frame": effects,
        "effects": _table(
            effects, EFFECT_SPEC, "Each programme's effect on each measure.", d.currency
        ),
        "effect_sentence": effect_sentence(est, effects, timing, fmt),
        "action_sentence": action_sentence(effects, train, fmt),
        "effect_chart": effects[effects["relative"].notna()] if len(effects) else effects,
        "effect_title": effect_title(effects) if len(effects) else "",
        "comparison_frame": comparison,
        "comparison": _table(
            comparison, COMPARISON_SPEC, "Win rate differences, in points.", d.currency
        ),
        "comparison_sentence": comparison_sentence(comparison) if len(comparison) else None,
        "timing_frame": timing,
        "timing": _table(
            timing,
            TIMING_SPEC,
            "The trained reps' win rate against the model, before and after training.",
            d.currency,
        ),
        "timing_sentence": timing_sentence(timing, est.effects) if len(timing) else None,
        "timing_title": "Trained reps' win rate against untrained reps', by quarter from "
        "training (points, 90% ranges)",
        "rollout_frame": rollout,
        "rollout": _table(rollout, ROLLOUT_SPEC, "Each programme's roll-out.", d.currency),
        "teams": _table(
            team_frame(d, est, day), TEAM_SPEC, "Reps in seat trained, by team.", d.currency
        ),
        "to_train": _table(
            train[train["program"].isin(working_programs(effects))],
            TO_TRAIN_SPEC,
            f"Reps in seat past their first {en.RAMP_DAYS} days who have not taken a "
            "programme that works, by manager.",
            d.currency,
        ),
        "rollout_sentence": rollout_sentence(rollout, train) if len(rollout) else None,
    }


def _measures_section(
    est: en.Estimate, fmt: MoneyFormat, has_training: bool, currency: str
) -> dict:
    """The four measures by quarter (shown with or without training data)."""
    measures = measures_frame(est)
    return {
        "measures_frame": measures,
        "measures": _table(
            measures,
            MEASURES_SPEC if has_training else MEASURES_SPEC.without("trained_share"),
            "The four measures by quarter.",
            currency,
        ),
        "measures_chart": _measures_chart(measures),
        "measures_sentence": measures_sentence(measures, fmt) if len(measures) else None,
        "measures_title": "Win rate of the deals created each quarter",
    }


def _spread(est: en.Estimate) -> dict:
    """The reps' win rates in the latest measured quarter and the chart's title."""
    frame = rep_spread(est.panel)
    return {"spread_frame": frame, "spread_title": spread_title(frame) if len(frame) else ""}


def _table(frame: pd.DataFrame, spec: TableSpec, caption: str, currency: str) -> Table | None:
    """The frame as a table, None when it is empty."""
    if frame is None or not len(frame):
        return None
    return Table(frame, spec, caption=caption, currency=currency)


# ---- effects ---------------------------------------------------------------------------------


def measure_value(measure: str, value: float, fmt: MoneyFormat, *, signed: bool = False) -> str:
    """A value of a measure as a manager reads it (points, money or days).

    Parameters
    ----------
    measure
        A key of :data:`~salesops_lib.analysis.enablement.MEASURES`.
    value
        The value: a level (a share for the win rate) or, with ``signed``, a change.
    fmt
        Money formatter.
    signed
        A change: with its sign, the win rate in points.

    Returns
    -------
    str

    Examples
    --------
    >>> measure_value("win_rate", 0.052, str, signed=True), measure_value("win_rate", 0.3, str)
    ('+5.2 points', '30%')
    """
    if not np.isfinite(value):
        return "–"
    if measure == "win_rate":
        if signed:
            return f"{_signed(value * 100, 1)} points"
        return pct(value)
    if measure == "cycle_days":
        return f"{_signed(value, 1)} days" if signed else f"{number(value, 1)} days"
    return signed_money(value, fmt) if signed else fmt(value)


def range_text(measure: str, low: float, high: float, fmt: MoneyFormat) -> str:
    """A range of changes with its unit once: ``+2.4 to +7.9 points``, ``−$1.3K to +$6.7K``.

    Parameters
    ----------
    measure
        A key of :data:`~salesops_lib.analysis.enablement.MEASURES`.
    low, high
        The range's ends (changes).
    fmt
        Money formatter.

    Returns
    -------
    str

    Examples
    --------
    >>> range_text("win_rate", 0.024, 0.079, str)
    '+2.4 to +7.9 points'
    """
    a = measure_value(measure, low, fmt, signed=True)
    b = measure_value(measure, high, fmt, signed=True)
    for unit in (" points", " days"):
        a = a.removesuffix(unit)
    return f"{a} to {b}"


def _signed_pct(x: float) -> str:
    """``+23%``, ``−3%`` or ``0%``, with a true minus sign; a dash when unknown."""
    if not np.isfinite(x):
        return "–"
    text = pct(abs(x))
    return text if text == "0%" else ("+" if x > 0 else "−") + text


def _signed(x: float, digits: int) -> str:
    """``+5.2``, ``−3.0`` or ``0``: never ``+0.0`` or ``−0.0``."""
    r = round(x, digits)
    if r == 0:
        return "0"
    return f"{r:+.{digits}f}".replace("-", "−")


def verdict(row: pd.Series) -> str:
    """``Raised``, ``Lowered`` or ``No measurable effect`` from the range.

    Parameters
    ----------
    row
        A row of :attr:`~salesops_lib.analysis.enablement.Estimate.effects`.

    Returns
    -------
    str
    """
    if not row["measurable"]:
        return "No measurable effect"
    return "Raised" if row["effect"] > 0 else "Lowered"


def effect_frame(est: en.Estimate, fmt: MoneyFormat) -> pd.DataFrame:
    """The effects with their values written per measure (points, money, days) and a verdict.

    Parameters
    ----------
    est
        The estimate.
    fmt
        Money formatter.

    Returns
    -------
    DataFrame
        :attr:`~salesops_lib.analysis.enablement.Estimate.effects` plus ``measure_label,
        trained_text, without_text, effect_text, range_text, relative_text, verdict,
        row_label``.
    """
    e = est.effects.copy()
    if e.empty:
        return e
    order = {m: i for i, m in enumerate(en.MEASURES)}
    e = e.sort_values(
        ["program", "measure"], key=lambda s: s.map(order) if s.name == "measure" else s
    )
    m = e["measure"]
    e["measure_label"] = m.map(en.MEASURES)
    e["trained_text"] = [
        measure_value(k, v, fmt) for k, v in zip(m, e["trained_level"], strict=True)
    ]
    e["without_text"] = [measure_value(k, v, fmt) for k, v in zip(m, e["without"], strict=True)]
    e["effect_text"] = [
        measure_value(k, v, fmt, signed=True) for k, v in zip(m, e["effect"], strict=True)
    ]
    e["range_text"] = [
        range_text(k, lo, hi, fmt) for k, lo, hi in zip(m, e["low"], e["high"], strict=True)
    ]
    e["relative_text"] = [_signed_pct(v) for v in e["relative"]]
    e["verdict"] = e.apply(verdict, axis=1)
    e["row_label"] = e["program"] + " · " + e["measure_label"]
    return e.reset_index(drop=True)


def program_sentence(rows: pd.DataFrame, fmt: MoneyFormat, completed: int | None = None) -> str:
    """What one programme changed, in plain words ("no measurable effect" when nothing).

    Parameters
    ----------
    rows
        The programme's rows of :func:`effect_frame` (one per measure).
    fmt
        Money formatter.
    completed
        Reps who completed it (said beside those measured); None: not said.

    Returns
    -------
    str
    """
    name = bold(rows["program"].iloc[0])
    reps = int(rows["trained_reps"].max())
    measured = (
        f"{reps} of its {completed} reps"
        if completed is not None and completed != reps
        else count(reps, "rep")
    )
    moved = rows[rows["measurable"]]
    still = rows[~rows["measurable"]]
    if moved.empty:
        win = rows[rows["measure"] == "win_rate"]
        example = (
            f"; the win rate's range runs from {win['range_text'].iloc[0]}" if len(win) else ""
        )
        return (
            f"{name}: no measurable effect on {_either(list(rows['measure_label'].str.lower()))} "
            f"({measured} measured after it; every 90% range holds zero{example})."
        )
    parts = [
        f"{'raised' if r.effect > 0 else 'lowered'} {_measure_noun(r.measure)} by "
        f"{measure_value(r.measure, abs(r.effect), fmt, signed=True).lstrip('+')} "
        f"(90% range {r.range_text})"
        for r in moved.itertuples()
    ]
    tail = (
        f"; no measurable effect on {_either(list(still['measure_label'].str.lower()))}"
        if len(still)
        else ""
    )
    return f"{name} {listing(parts)} for the {measured} measured after it{tail}."


def _either(items: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c`` (after a negation)."""
    text = listing(items)
    head, _, last = text.rpartition(" and ")
    return f"{head} or {last}" if head else text


def _measure_noun(measure: str) -> str:
    """The measure as the object of "raised ... by"."""
    return {
        "win_rate": "the win rate",
        "deal_size": "the average deal",
        "cycle_days": "cycle days",
        "bookings": "the won value of new deals per rep a quarter",
    }[measure]


def effect_sentence(
    est: en.Estimate, effects: pd.DataFrame, timing: pd.DataFrame, fmt: MoneyFormat
) -> str:
    """What the estimate covers, every programme's effects, and the check before training.

    Programmes that could not be estimated are named with the reason; the last sentence says
    whether the trained reps moved like the others before training.

    Parameters
    ----------
    est
        The estimate.
    effects
        :func:`effect_frame` of it.
    timing
        :func:`timing_frame` of it (its quarters before training are the check).
    fmt
        Money formatter.

    Returns
    -------
    str
    """
    frame = effects
    quarters = sorted(est.panel["quarter"].unique())
    head = (
        f"Measured on the deals reps created from {quarters[0]} to {quarters[-1]} (later deals "
        f"have not had {en.MATURE_DAYS} days to close)."
    )
    done = est.programs.set_index("program")["completed"]
    parts = [
        program_sentence(g, fmt, int(done.get(p, 0)))
        for p, g in frame.groupby("program", sort=True)
    ]
    for r in est.programs[~est.programs["estimated"]].itertuples():
        parts.append(f"{bold(r.program)} cannot be measured yet: {r.reason}.")
    check = assumption_sentence(timing)
    return " ".join([head, *parts] + ([check] if check else []))


def assumption_sentence(timing: pd.DataFrame) -> str | None:
    """What the estimate assumes, and whether the quarters before training bear it out.

    Parameters
    ----------
    timing
        :func:`timing_frame` (its rows before training: ``quarters_after`` below 0).

    Returns
    -------
    str or None
        None when no programme has a quarter before training to check.
    """
    before = timing[timing["quarters_after"] < 0]
    if before.empty:
        return None
    apart = before[(before["low"] > 0) | (before["high"] < 0)]
    head = (
        "The estimate assumes the trained reps' win rates would otherwise have moved like the "
        "untrained reps'"
    )
    if apart.empty:
        return (
            f"{head}; in the quarters just before training they did (every 90% range of the "
            "difference holds zero; see the table under “Does the effect last?”)."
        )
    names = listing(sorted(apart["program"].unique()))
    return (
        f"{head}; before training, {names}'s reps already differed from that (a 90% range "
        "excludes zero in a quarter before it: see “Does the effect last?”), so read that "
        "estimate with care."
    )


def action_sentence(effects: pd.DataFrame, to_train: pd.DataFrame, fmt: MoneyFormat) -> str | None:
    """What to do: train the rest in what works (and what it is worth), rethink what does not.

    Parameters
    ----------
    effects
        :func:`effect_frame`.
    to_train
        :func:`to_train_frame`: the reps in seat past their ramp not yet trained, per
        programme.
    fmt
        Money formatter.

    Returns
    -------
    str or None
        None when no programme was estimated.
    """
    if effects.empty:
        return None
    parts = []
    for program, g in effects.groupby("program", sort=True):
        rows = g.set_index("measure")
        better = rows[_better(rows)]
        if better.empty:
            if not rows["measurable"].any():
                parts.append(
                    f"{bold(program)} shows no measurable effect on any of the four results: "
                    "keep it only for what it is meant to do beyond them."
                )
            continue
        n = int((to_train["program"] == program).sum())
        if n == 0:
            parts.append(f"Every rep in seat past their ramp has taken {bold(program)}.")
            continue
        book = rows.loc["bookings"]
        worth = (
            f": if its effect holds for them, about {bold(fmt(n * book['effect']))} a quarter "
            f"more won value of new deals ({n} × {fmt(book['effect'])}; range "
            f"{fmt(n * book['low'])} to {fmt(n * book['high'])})"
            if book["measurable"] and book["effect"] > 0
            else ""
        )
        parts.append(
            f"Train the {count(n, 'rep')} in seat past their first {en.RAMP_DAYS} days who have "
            f"not taken {bold(program)} (listed under “Who has been trained”){worth}."
        )
    if not parts:
        return None
    return " ".join(parts) + " What training costs is not in the data, so this is no return on it."


def working_programs(effects: pd.DataFrame) -> list[str]:
    """The programmes with a measurable effect for the better on at least one measure.

    Parameters
    ----------
    effects
        :func:`effect_frame`.

    Returns
    -------
    list of str
    """
    if effects.empty:
        return []
    return sorted(
        p for p, g in effects.groupby("program") if (g.set_index("measure").pipe(_better)).any()
    )


def _better(rows: pd.DataFrame) -> pd.Series:
    """Per measure: measurable and for the better."""
    return rows["measurable"] & _improves(rows)


def _improves(rows: pd.DataFrame) -> pd.Series:
    """Per measure, whether the effect is for the better (shorter cycles are better)."""
    return pd.Series(
        np.where(rows.index == "cycle_days", rows["effect"] < 0, rows["effect"] > 0),
        index=rows.index,
    )


def effect_title(effects: pd.DataFrame) -> str:
    """The effect chart's title: what changed, as a share of what it would have been.

    Parameters
    ----------
    effects
        :func:`effect_frame`.

    Returns
    -------
    str
    """
    moved = effects[effects["measurable"]]
    if moved.empty:
        return "No programme changed a measure beyond its 90% range"
    top = moved.loc[moved["relative"].abs().idxmax()]
    way = "raised" if top["effect"] > 0 else "lowered"
    return (
        f"{top['program']} {way} {_measure_noun(top['measure'])} by "
        f"{top['effect_text'].lstrip('+').lstrip('−')} ({pct(abs(top['relative']))} "
        f"{'above' if top['effect'] > 0 else 'below'} the estimate without it)"
    )


# ---- the plain comparison ---------------------------------------------------------------------


def comparison_frame(est: en.Estimate) -> pd.DataFrame:
    """Per programme, trained minus untrained reps' win rate before and after, and the effect.

    Parameters
    ----------
    est
        The estimate.

    Returns
    -------
    DataFrame
        ``program, before, naive, effect`` (shares: 0.05 is 5 points).
    """
    win = est.effects[est.effects["measure"] == "win_rate"]
    out = pd.DataFrame(
        {
            "program": win["program"],
            "before": win["naive_before"],
            "naive": win["naive"],
            "effect": win["effect"],
        }
    ).reset_index(drop=True)
    for c in ("before", "naive", "effect"):
        out[f"{c}_text"] = [_points(v) for v in out[c]]
    return out


def comparison_sentence(frame: pd.DataFrame) -> str:
    """Why the plain comparison misleads: who was picked, against the estimated effect.

    Parameters
    ----------
    frame
        :func:`comparison_frame`.

    Returns
    -------
    str
    """
    parts, plain = [], []
    for r in frame.itertuples():
        before = (
            f"before training its reps won {_more_or_less(r.before)} than reps who had not "
            "taken it (some took the other programme) in the same quarters"
            if np.isfinite(r.before)
            else "its reps have no quarter before training to compare"
        )
        parts.append(f"{bold(r.program)}: {before}; after it, {_more_or_less(r.naive)}.")
        plain.append(f"{r.program} with {_points(r.naive)}")
    return (
        "Who takes a programme first is rarely chance, so comparing trained with untrained "
        "reps measures who was picked. "
        + " ".join(parts)
        + f" A plain comparison would credit {listing(plain)}. The estimate instead compares "
        "each trained rep with their own quarters before training, moved by what changed for "
        "the untrained reps over the same quarters: "
        + listing([f"{r.program} {bold(_points(r.effect))}" for r in frame.itertuples()])
        + ". (The rows above cover different reps and quarters, so after minus before is not "
        "the effect.)"
    )


def _more_or_less(share: float) -> str:
    """A win-rate difference as ``4.7 points more``, ``8.1 points less`` or ``as often``."""
    text = _points(abs(share)).lstrip("+")
    if text.startswith("0 "):
        return "as often"
    return f"{text} {'more' if share > 0 else 'less'}"


def _points(share: float) -> str:
    """A win-rate difference in points, signed (``+5.2 points``)."""
    return measure_value("win_rate", share, str, signed=True)


# ---- by quarter since training ----------------------------------------------------------------


def after_label(quarters_after: int) -> str:
    """A quarter relative to training as a manager says it.

    Parameters
    ----------
    quarters_after
        Quarters after the completion quarter (negative: before it).

    Returns
    -------
    str

    Examples
    --------
    >>> after_label(-2), after_label(1), after_label(4)
    ('2 quarters before', '1st after', '4th or later')
    """
    if quarters_after < 0:
        k = -quarters_after
        return f"{k} quarter{'s' if k > 1 else ''} before"
    if quarters_after >= en.EVENT_QUARTERS:
        return f"{en.EVENT_QUARTERS}th or later"
    return f"{quarters_after}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(quarters_after, 'th') } after"


def timing_frame(est: en.Estimate) -> pd.DataFrame:
    """The win rate's difference from the model before training and the effect after it.

    Parameters
    ----------
    est
        The estimate.

    Returns
    -------
    DataFrame
        ``program, quarters_after, after_label, row_label, cells, effect, low, high`` and
        their texts (``effect_text``, ``range_text``); ``quarters_after`` below 0 are the
        check before training.
    """
    t = est.by_quarter[est.by_quarter["measure"] == "win_rate"].copy()
    t["after_label"] = [after_label(int(q)) for q in t["quarters_after"]]
    t["row_label"] = t["program"] + " · " + t["after_label"]
    t["effect_text"] = [_points(v) for v in t["effect"]]
    t["range_text"] = [
        range_text("win_rate", lo, hi, str) for lo, hi in zip(t["low"], t["high"], strict=True)
    ]
    cols = ["program", "quarters_after", "after_label", "row_label", "cells", "effect", "low"]
    cols += ["high", "effect_text", "range_text"]
    return t.sort_values(["program", "quarters_after"], kind="stable")[cols].reset_index(drop=True)


def timing_sentence(frame: pd.DataFrame, effects: pd.DataFrame) -> str:
    """Per programme: its reps against the others before training, and whether the effect lasts.

    Parameters
    ----------
    frame
        :func:`timing_frame`.
    effects
        :attr:`~salesops_lib.analysis.enablement.Estimate.effects` (the overall effects).

    Returns
    -------
    str
    """
    overall = effects[effects["measure"] == "win_rate"].set_index("program")
    parts = []
    for program, g in frame.groupby("program", sort=True):
        before, after = g[g["quarters_after"] < 0], g[g["quarters_after"] > 0]
        pre = ""
        if len(before):
            moved = ((before["low"] > 0) | (before["high"] < 0)).any()
            pre = (
                f"before training its reps' win rates {'did not move' if moved else 'moved'} "
                "like the untrained reps' ("
                + listing(
                    [
                        f"{t} {lab}"
                        for t, lab in zip(before["effect_text"], before["after_label"], strict=True)
                    ]
                )
                + "); "
            )
        values = listing([v.replace(" points", "") for v in after["effect_text"]])
        parts.append(
            f"{bold(program)}: {pre}after it {values} points in the "
            f"{listing([x.replace(' after', '') for x in after['after_label']])} quarters after "
            f"the completion quarter{_lasting(after, overall, program)}"
        )
    return "On the win rate. " + "; ".join(parts) + "."


def _lasting(after: pd.DataFrame, overall: pd.DataFrame, program: str) -> str:
    """Whether a measurable effect is still there in the latest quarters since training."""
    if program not in overall.index or not overall.loc[program, "measurable"] or after.empty:
        return ""
    last = after.iloc[-1]
    effect = float(overall.loc[program, "effect"])
    label = str(last["after_label"])
    which = f"the {label} quarters" if label.endswith("later") else f"the {label[:-6]} quarter"
    cells = f" ({int(last['cells'])} trained rep-quarters)" if pd.notna(last["cells"]) else ""
    if last["low"] > 0:
        return f": still there in {which}{cells}"
    if last["low"] <= effect <= last["high"]:
        return (
            f": no sign that it fades; the estimate for {which} rests on fewer reps{cells} and "
            f"its range ({last['range_text']}) holds the overall effect ({_points(effect)})"
        )
    return (
        f": it fades; by {which} the range ({last['range_text']}) no longer holds the overall "
        f"effect ({_points(effect)})"
    )


# ---- roll-out -------------------------------------------------------------------------------


def rollout_frame(data: SalesData, est: en.Estimate, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each programme's completions and how much of the team in seat has taken it.

    Parameters
    ----------
    data
        The sales data (the reps in seat on ``as_of``).
    est
        The estimate.
    as_of
        The day.

    Returns
    -------
    DataFrame
        :attr:`~salesops_lib.analysis.enablement.Estimate.programs` plus ``in_seat, not_yet,
        share_trained``.
    """
    seat = _in_seat(data, as_of)
    out = est.programs.copy()
    trained = [
        int(seat.isin(est.completions.loc[est.completions["program"] == p, "rep_id"]).sum())
        for p in out["program"]
    ]
    out["in_seat"] = len(seat)
    out["not_yet"] = len(seat) - np.array(trained, dtype=int)
    out["share_trained"] = np.array(trained) / len(seat) if len(seat) else np.nan
    return out


def _in_seat(data: SalesData, as_of: pd.Timestamp) -> pd.Series:
    """The reps in seat on ``as_of`` (hired by then, not left), or every rep without dates."""
    reps = data.reps.drop_duplicates("rep_id")
    if "hire_date" in reps and reps["hire_date"].notna().any():
        end = reps["end_date"] if "end_date" in reps else pd.Series(pd.NaT, index=reps.index)
        reps = reps[(reps["hire_date"] <= as_of) & (end.isna() | (end > as_of))]
    return reps["rep_id"].reset_index(drop=True)


def team_frame(data: SalesData, est: en.Estimate, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per team and programme, the reps in seat and how many have taken it.

    Parameters
    ----------
    data
        The sales data.
    est
        The estimate.
    as_of
        The day.

    Returns
    -------
    DataFrame
        ``team, program, in_seat, trained, share_trained``.
    """
    seat = data.reps[data.reps["rep_id"].isin(_in_seat(data, as_of))].drop_duplicates("rep_id")
    team = seat["team"].fillna("(no team)") if "team" in seat else "(no team)"
    rows = []
    for p in sorted(est.completions["program"].unique()):
        done = seat["rep_id"].isin(est.completions.loc[est.completions["program"] == p, "rep_id"])
        g = pd.DataFrame({"team": team, "trained": done}).groupby("team")["trained"]
        for t, n, k in zip(g.size().index, g.size(), g.sum(), strict=True):
            rows.append({"team": t, "program": p, "in_seat": n, "trained": int(k)})
    out = pd.DataFrame(rows, columns=["team", "program", "in_seat", "trained"])
    out["share_trained"] = out["trained"] / out["in_seat"]
    return out


def rollout_sentence(frame: pd.DataFrame, to_train: pd.DataFrame) -> str:
    """How far each programme has reached the team in seat, and who is left to train.

    Parameters
    ----------
    frame
        :func:`rollout_frame`.
    to_train
        :func:`to_train_frame`.

    Returns
    -------
    str
    """
    parts = []
    for r in frame.itertuples():
        have = r.in_seat - r.not_yet
        left = r.completed - have
        gone = f" ({left} of the {r.completed} who completed it have since left)" if left else ""
        ready = int((to_train["program"] == r.program).sum())
        ramping = r.not_yet - ready
        rest = (
            f"; of the {r.not_yet} who have not, {ramping} "
            f"{'is' if ramping == 1 else 'are'} still in their first {en.RAMP_DAYS} days"
            if ramping > 0
            else ""
        )
        parts.append(
            f"{bold(r.program)} was completed by {count(r.completed, 'rep')} between "
            f"{r.first_completed.date()} and {r.last_completed.date()}: {have} of the "
            f"{r.in_seat} reps in seat have taken it{gone}{rest}"
        )
    return "; ".join(parts) + "."


def to_train_frame(data: SalesData, est: en.Estimate, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per programme, the reps in seat past their first ``RAMP_DAYS`` who have not taken it.

    Parameters
    ----------
    data
        The sales data.
    est
        The estimate.
    as_of
        The day.

    Returns
    -------
    DataFrame
        ``program, manager, team, rep_name, rep_id, hire_date``, by programme, manager and
        name.
    """
    reps = data.reps.drop_duplicates("rep_id")
    seat = reps[reps["rep_id"].isin(_in_seat(data, as_of))]
    if "hire_date" in seat and seat["hire_date"].notna().any():
        seat = seat[seat["hire_date"] + pd.Timedelta(days=en.RAMP_DAYS) <= as_of]
    cols = ["program", "manager", "team", "rep_name", "rep_id", "hire_date"]
    frames = []
    for p in sorted(est.completions["program"].unique()):
        done = est.completions.loc[est.completions["program"] == p, "rep_id"]
        frames.append(seat[~seat["rep_id"].isin(done)].assign(program=p))
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True).reindex(columns=cols)
    return out.sort_values(["program", "manager", "rep_name"], kind="stable").reset_index(drop=True)


# ---- the measures ---------------------------------------------------------------------------


def measures_frame(est: en.Estimate) -> pd.DataFrame:
    """The four measures per quarter over every measured rep, and the share trained.

    Parameters
    ----------
    est
        The estimate.

    Returns
    -------
    DataFrame
        ``quarter, reps, win_rate, deal_size, cycle_days, bookings, trained_share``.
    """
    p = est.panel
    cols = ["quarter", "reps", "win_rate", "deal_size", "cycle_days", "bookings", "trained_share"]
    if p.empty:
        return pd.DataFrame(columns=cols)
    programs = list(est.programs["program"])
    trained = (p[programs] >= 1).any(axis=1) if programs else pd.Series(False, index=p.index)
    g = p.assign(trained=trained).groupby("quarter", sort=True)
    sums = g[["closed", "won", "won_amount", "won_days"]].sum()
    out = pd.DataFrame(
        {
            "reps": g.size(),
            "win_rate": sums["won"] / sums["closed"].where(sums["closed"] > 0),
            "deal_size": sums["won_amount"] / sums["won"].where(sums["won"] > 0),
            "cycle_days": sums["won_days"] / sums["won"].where(sums["won"] > 0),
            "bookings": g["won_amount"].mean(),
            "trained_share": g["trained"].mean(),
        }
    )
    return out.reset_index()[cols]


def _measures_chart(frame: pd.DataFrame) -> pd.DataFrame:
    """The win rate per quarter, long, for a line chart; empty with fewer than two quarters
    (a line needs two points)."""
    if len(frame) < 2:
        return pd.DataFrame(columns=["quarter", "value", "measure"])
    return pd.DataFrame(
        {"quarter": frame["quarter"], "value": frame["win_rate"], "measure": "Win rate"}
    )


def measures_sentence(frame: pd.DataFrame, fmt: MoneyFormat) -> str:
    """How the four measures moved from the first measured quarter to the last.

    Parameters
    ----------
    frame
        :func:`measures_frame`.
    fmt
        Money formatter.

    Returns
    -------
    str
    """
    a, b = frame.iloc[0], frame.iloc[-1]
    span = quarter_span(list(frame["quarter"]))
    if len(frame) == 1:
        return (
            f"In {span} the win rate of the deals reps created was {pct(a.win_rate)}, the average "
            f"deal {fmt(a.deal_size)}, {number(a.cycle_days, 1)} cycle days and "
            f"{fmt(a.bookings)} won per rep from those deals."
        )
    return (
        f"Over the {count(len(frame), 'measured quarter')} from {a.quarter} to {b.quarter}, the "
        f"win rate of the deals reps created moved "
        f"from {pct(a.win_rate)} to {pct(b.win_rate)}, the average deal from {fmt(a.deal_size)} "
        f"to {fmt(b.deal_size)}, cycle days from {number(a.cycle_days, 1)} to "
        f"{number(b.cycle_days, 1)} and the won value of new deals per rep from "
        f"{fmt(a.bookings)} to "
        f"{fmt(b.bookings)}"
        + (
            f"; {pct(b.trained_share)} of the reps measured in {b.quarter} had completed a "
            "programme before the quarter began."
            if b.trained_share > 0
            else "."
        )
    )


MIN_CLOSED = 5
"""A rep's quarter with fewer closed deals is not in the spread of win rates."""


def rep_spread(cells: pd.DataFrame) -> pd.DataFrame:
    """Each rep's win rate in the latest measured quarter (reps with ``MIN_CLOSED`` closed).

    Parameters
    ----------
    cells
        The panel (:attr:`~salesops_lib.analysis.enablement.Estimate.panel`).

    Returns
    -------
    DataFrame
        ``rep_id, quarter, closed, win_rate``.
    """
    cols = ["rep_id", "quarter", "closed", "win_rate"]
    if cells.empty:
        return pd.DataFrame(columns=cols)
    last = cells[cells["quarter"] == cells["quarter"].max()]
    last = last[last["closed"] >= MIN_CLOSED]
    return last.assign(win_rate=last["won"] / last["closed"])[cols].reset_index(drop=True)


def spread_title(frame: pd.DataFrame) -> str:
    """The spread chart's title: how far apart the reps' win rates are.

    Parameters
    ----------
    frame
        :func:`rep_spread`.

    Returns
    -------
    str
    """
    lo, hi = frame["win_rate"].quantile([0.25, 0.75])
    return (
        f"Win rate of the deals each rep created in {frame['quarter'].iloc[0]} "
        f"({count(len(frame), 'rep')} with {MIN_CLOSED} or more closed): the middle half of "
        f"reps from {pct(lo)} to {pct(hi)}"
    )


# ---- definitions and findings ----------------------------------------------------------------


def _definitions(has_training: bool) -> dict[str, str]:
    """The terms report 11 shows (the effect's only when there is training to measure)."""
    measures = {
        "Measured quarter": (
            f"A fiscal quarter from the data's first full one that ended at least "
            f"{en.MATURE_DAYS} days before the as-of date, so its deals have had time to close. "
            "A rep is measured in it when in seat the whole quarter: past their first "
            f"{en.RAMP_DAYS} days after the hire date, or, without hire dates, from their first "
            "deal to their last (no ramp can be told). Each rep's deals are those they created "
            "in the quarter and kept: deals handed on to, or taken over from, another rep are "
            "left out."
        ),
        "Win rate (of a quarter's deals)": (
            "Deals won over deals closed, among the deals created in the quarter, closed by the "
            "as-of date (deals still open are not counted)."
        ),
        "Average deal": "Amount won over deals won, among the deals created in the quarter.",
        "Cycle days": "Mean days from created to close of those won deals (fewer is better).",
        "Won value of new deals per rep": (
            "Amount won of the deals a rep created in the quarter, whenever they closed (a rep "
            "who created nothing counts with 0): not the quarter's bookings."
        ),
    }
    effect = {
        "Effect": (
            "The trained reps' result in the quarters after the one they completed the "
            "programme in, minus what it would have been without it: each rep's own level plus "
            "the quarter's common movement, both fitted on untrained quarters only (reps never "
            "trained, and trained reps before their training; difference-in-differences by "
            "imputation). Weighted by the deals behind each quarter; when a rep took several "
            "programmes, their effects are taken to add up. It assumes the trained reps would "
            "otherwise have moved like the untrained reps: the quarters before training check "
            "it."
        ),
        "90% range": (
            f"The 5th to 95th percentile of the effect over {en.DRAWS} bootstrap draws of reps "
            "(each rep's quarters drawn together). No measurable effect: the range holds zero."
        ),
        "Change": "The effect as a share of the result estimated without the programme.",
        "Plain comparison": (
            "The trained reps' win rate minus that of reps who had not taken the programme "
            "(some took the other), over the same quarters, before or after training."
        ),
    }
    return pick(**measures, **(effect if has_training else {}))


def _findings(est: en.Estimate, fmt: MoneyFormat) -> list[Finding]:
    """What the executive summary takes from report 11."""
    out = []
    e = est.effects
    for p in sorted(e["program"].unique()):
        rows = e[e["program"] == p].set_index("measure")
        win = rows.loc["win_rate"]
        book = rows.loc["bookings"]
        stake = float(book["effect"] * book["trained_reps"] * 4) if book["measurable"] else 0.0
        if win["measurable"]:
            out.append(
                Finding(
                    f"{bold(p)} {'raised' if win['effect'] > 0 else 'lowered'} the win rate of "
                    f"the reps who took it by {_points(abs(win['effect'])).lstrip('+')} "
                    f"(90% range {range_text('win_rate', win['low'], win['high'], fmt)}).",
                    abs(stake),
                    EFFECT_SECTION,
                )
            )
        elif not rows["measurable"].any():
            out.append(
                Finding(
                    f"{bold(p)} had no measurable effect on win rate, deal size, cycle or "
                    f"bookings ({count(int(win['trained_reps']), 'rep')} measured).",
                    0.0,
                    EFFECT_SECTION,
                )
            )
    return out
