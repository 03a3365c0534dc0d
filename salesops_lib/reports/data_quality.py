"""Report 07, CRM data quality: can we trust what the CRM says?

:func:`build` returns a :class:`DataQuality`: the load's data-quality warnings with the
figures each affects, the hygiene problems of the open pipeline on the as-of date (each
check in a manager's words), likely duplicates side by side, a hygiene score per team and
rep, how much of past forecast error came from deals with problems, and the fix list: one
row per deal with all its problems, grouped by rep, the most money at stake first. Every
sentence is a function of the numbers beside it (tested in
``tests/test_reports_data_quality.py``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from salesops_lib import timeline
from salesops_lib.analysis import forecast, hygiene, kpis
from salesops_lib.analysis.kpis import UNASSIGNED
from salesops_lib.data import SalesData
from salesops_lib.format import pct
from salesops_lib.reports.base import (
    ADD_HISTORY,
    NO_HISTORY,
    TABLE_WORDS,
    WARNINGS_SPEC,
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
    dated_warnings,
    header,
    listing,
    money_in,
    period_of,
    team_or_company,
)
from salesops_lib.reports.deals import (
    AMOUNT_SOURCE,
    category_note,
    deal_rows,
    deal_spec,
    label_closed_after,
    mark_filled_amounts,
    table_definitions,
    with_note,
    with_since,
    worth_text,
)
from salesops_lib.reports.definitions import pick
from salesops_lib.reports.tables import Column, Table, TableSpec

SECTION_LOAD = "Did the data load cleanly?"
SECTION_PROBLEMS = "What is wrong in the open pipeline?"
SECTION_SCORES = "Which reps and teams keep the cleanest pipeline?"
SECTION_IMPACT = "How much forecast error came from deals with problems?"
SECTION_FIX = "Which deals should each rep fix first?"

IMPACT_QUARTERS = 4
LOW_SCORE = 50
"""A rep scoring this or below has a problem on half their open deals or more."""
IMPACT_WEEK = 4
FIX_ROWS = 40
FIX_LIST_FILE = "07_crm_data_quality_fix_list"
"""The fix list handed out beside the report (``.csv`` and ``.xlsx``, one sheet per team)."""

ACTIONS: dict[str, str] = {
    "past_due_close": "Update the close date or close the deal",
    "no_close_date": "Enter the expected close date",
    "no_stage_change": "Confirm the deal is alive",
    "missing_amount": "Enter the expected deal value",
    "missing_account": "Link the deal to its customer",
    "likely_duplicate": "Merge it with the other deal or close one",
    "pushed_repeatedly": "Re-qualify the timing",
    "probability_mismatch": "Correct the probability or the stage",
    "category_mismatch": "Correct the forecast category",
}
"""What a rep does about each check, in a manager's words."""

OWNER_LEFT = "Owner has left"
"""The fix list's problem of a deal whose owner had left by the as-of date."""
OWNER_LEFT_ACTION = "Assign a new owner"
"""What a manager does about it."""
OWNER_LEFT_RULE = (
    "The deal's owner on the as-of date had left by then (an end date in the reps table on or "
    "before it): nobody works the deal until a manager gives it a new owner. The fix list "
    "shows the owner with the day they left."
)

LOAD_SPEC = TableSpec(
    (
        Column("table_label", "Table"),
        Column("column_label", "Column"),
        Column("message", "What the data shows"),
        Column("affects", "Figures it affects"),
        Column("ids", "First examples"),
    ),
    max_rows=WARNINGS_SPEC.max_rows,
)
COUNTS_SPEC = TableSpec(
    (
        Column("label", "Problem"),
        Column("action", "What to do"),
        Column("deals", "Deals", "int"),
        Column("amount", "Amount", "money"),
    )
)
DUPLICATES_SPEC = deal_spec(
    Column("other_deal", "Looks like"), Column("why", "Why alike"), max_rows=30
)
"""Each likely duplicate pair on one row: the deal as every deal table shows it, the other."""
REP_SPEC = TableSpec(
    (
        Column("rep_name", "Rep"),
        Column("team", "Team"),
        Column("open_deals", "Open deals", "int"),
        Column("flagged_deals", "With a problem", "int"),
        Column("score", "Score", "int"),
        Column("main_problem", "Most common problem"),
    ),
    max_rows=25,
)
IMPACT_SPEC = TableSpec(
    (
        Column("quarter", "Quarter"),
        Column("flagged_deals", "Deals with a problem", "int"),
        Column("clean_deals", "Deals without", "int"),
        Column("flagged_error", "Absolute error on deals with a problem", "money"),
        Column("clean_error", "Absolute error on the others", "money"),
        Column("value_share", "Their share of the value", "pct"),
        Column("flagged_share", "Share of the error on deals with a problem", "pct"),
    )
)
FIX_COLUMNS = (Column("problems_text", "Problems"), Column("actions_text", "What to do"))
FIX_SPEC = TableSpec(
    (
        Column("rep_name", "Rep"),
        *(c for c in deal_spec().columns if c.key != "rep_name"),
        FIX_COLUMNS[0],
    ),
    max_rows=FIX_ROWS,
)
"""The fix list as the report shows it (what to do is in the problems table and the CSV)."""
FIX_EXPORT_SPEC = TableSpec(
    (
        Column("team", "Team"),
        Column("manager", "Manager"),
        Column("rep_name", "Rep"),
        Column("opp_id", "Deal id"),
        *(c for c in deal_spec().columns if c.key != "rep_name"),
        *FIX_COLUMNS,
        Column("at_stake", "Rep's amount at stake", "money"),
    )
)
"""The fix list handed out (:func:`fix_export_spec` narrows it to what the data has)."""


def fix_export_spec(fix: pd.DataFrame) -> TableSpec:
    """The handed-out fix list's columns: :data:`FIX_EXPORT_SPEC` narrowed to what the data has.

    Without Deal when every deal's name is its id (the export has no deal names: Deal id
    says it), with Amount is when some amounts were filled.

    Parameters
    ----------
    fix
        :func:`fix_list` (``deal, opp_id, amount_filled``).

    Returns
    -------
    TableSpec
        The columns of the handed-out fix list (an empty list has no Deal column).
    """
    spec = FIX_EXPORT_SPEC
    if len(fix) == 0 or (fix["deal"].astype("str") == fix["opp_id"].astype("str")).all():
        spec = spec.without("deal")
    filled = bool(fix["amount_filled"].any()) if "amount_filled" in fix and len(fix) else False
    return _with_amount_source(spec, filled)


@dataclass(frozen=True)
class DataQuality(HasGaps):
    """Everything report 07 shows (see :func:`build`)."""

    header: Header
    period: Period
    gaps: list[Gap]
    check_names: dict[str, str]
    open_deals: pd.DataFrame
    problems: pd.DataFrame
    load_warnings: Table
    load_sentence: str
    tiles: list[Tile]
    problem_counts: Table
    problem_sentence: str
    unchecked_sentence: str | None
    problem_chart: pd.DataFrame
    problem_title: str
    duplicates: Table
    duplicate_sentence: str | None
    team_scores: pd.DataFrame
    score_sentence: str | None
    team_chart: pd.DataFrame
    team_title: str
    rep_scores: Table
    impact: Table
    impact_sentence: str | None
    impact_quarters: list[str]
    fix_list: Table
    fix_list_export: Table
    fix_sentence: str
    fix_list_file: str
    fix_list_sentence: str | None
    fix_closed_since: pd.DataFrame
    """The flagged deals closed since the as-of date, left out of the fix list."""
    definitions: dict[str, str]
    findings: list[Finding]
    currency: str
    audit: hygiene.Audit
    """The audit behind the report: the checks run and not run, data gaps, duplicate pairs."""


@dataclass(frozen=True)
class FixList:
    """The fix list (:func:`fix_list`) and the flagged deals closed since, left out of it."""

    deals: pd.DataFrame
    """One row per deal with all its problems, grouped by rep (see :func:`fix_list`)."""
    closed_since: pd.DataFrame
    """The flagged deals the export shows closed after the as-of date, with ``since``."""
    departed: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    """Every deal open on the as-of date whose owner then had left (:func:`departed_owners`),
    with ``owner_left`` and ``closed_after``: those still open are on the fix list."""


def check_names(
    *, stale_days: int = 30, push_limit: int = 2, has_history: bool = True
) -> dict[str, str]:
    """Every check in a manager's words (the headers, chart labels and table cells use these).

    Parameters
    ----------
    stale_days
        Days without a stage or amount change that make a deal stale (named in the label).
    push_limit
        Close-date pushes that count as pushed repeatedly (named in the label).
    has_history
        With history snapshots the stale check is a stage or amount change; without, an open
        time of over twice the usual cycle.

    Returns
    -------
    dict of str to str
        Check (:data:`salesops_lib.analysis.hygiene.CHECKS`) to label.

    Examples
    --------
    >>> check_names(has_history=False)["no_stage_change"]
    'Open over twice the usual cycle'
    """
    return {
        "past_due_close": "Close date passed",
        "no_close_date": "No close date",
        "no_stage_change": (
            f"No stage or amount change for {stale_days} days"
            if has_history
            else "Open over twice the usual cycle"
        ),
        "missing_amount": "No amount",
        "missing_account": "No account",
        "likely_duplicate": "Likely duplicate",
        "pushed_repeatedly": (
            "Close date pushed twice or more"
            if push_limit == 2
            else f"Close date pushed {push_limit}+ times"
        ),
        "probability_mismatch": "Probability does not match the stage",
        "category_mismatch": "Category does not match the stage",
    }


def build(
    data: SalesData,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
    stale_days: int = 30,
) -> DataQuality:
    """Build report 07: the hygiene of the open pipeline as the CRM showed it on ``as_of``.

    Parameters
    ----------
    data
        The company's data set (history snapshots make the stale and pushed checks exact).
    quarter
        Fiscal quarter; None: the latest complete quarter.
    as_of
        The date whose open deals are checked; None: the quarter's end, or the data's last
        date mid-quarter.
    team
        Narrow the report to one team; None: the whole company.
    stale_days
        Days without a stage or amount change that make a deal stale.

    Returns
    -------
    DataQuality

    Raises
    ------
    ConfigError
        For a quarter outside the data, an as-of date that is not a date or falls outside
        the quarter, or a team no rep belongs to (the message says what is allowed).

    Examples
    --------
    >>> r = build(load_dataset("data/demo"), quarter="2026Q3")  # doctest: +SKIP
    >>> r.fix_list.frame.head()  # doctest: +SKIP
    """
    period = period_of(data, quarter, as_of)
    d = team_or_company(data, team)
    fmt = money_in(d.currency)
    has_history = d.history is not None and len(d.history) > 0
    names = check_names(stale_days=stale_days, has_history=has_history)
    audited = hygiene.audit(d, as_of=period.as_of, stale_days=stale_days)
    warnings = hygiene.warning_effects(dated_warnings(data.warnings, data.last_date))
    warnings = warnings.pipe(_warning_labels)
    wrong = _problems_section(d, audited, names, period, fmt)
    scores = _scores_section(d, audited, names, period, fmt)
    impact = _impact_section(d, period, stale_days)
    fix = _fix_section(data, d, audited, names, period, fmt)
    return DataQuality(
        header=replace(header(data, period, team), warnings_summary=None),  # listed below
        period=period,
        gaps=_gaps(has_history, impact.impact.frame, add_history(d)),
        check_names=names,
        open_deals=audited.open_deals,
        problems=audited.problems,
        load_warnings=Table(warnings, LOAD_SPEC, "Data-quality warnings of the load", d.currency),
        load_sentence=load_sentence(warnings),
        tiles=wrong.tiles,
        problem_counts=wrong.problem_counts,
        problem_sentence=wrong.problem_sentence,
        unchecked_sentence=wrong.unchecked_sentence,
        problem_chart=wrong.problem_counts.frame,
        problem_title=wrong.problem_title,
        duplicates=wrong.duplicates,
        duplicate_sentence=wrong.duplicate_sentence,
        team_scores=scores.team_scores,
        score_sentence=scores.score_sentence,
        team_chart=scores.team_chart,
        team_title=scores.team_title,
        rep_scores=scores.rep_scores,
        impact=impact.impact,
        impact_sentence=impact.impact_sentence,
        impact_quarters=list(impact.impact.frame["quarter"]),
        fix_list=fix.fix_list,
        fix_list_export=fix.fix_list_export,
        fix_sentence=fix.fix_sentence,
        fix_list_file=FIX_LIST_FILE,
        fix_list_sentence=fix.fix_list_sentence,
        fix_closed_since=fix.closed_since,
        definitions=_definitions(
            names,
            stale_days,
            has_history,
            d,
            cycle_days=float(audited.cycle_days),
            method=impact.method,
            filled=fix.filled,
            deal_terms=table_definitions(fix.fix_list.frame, wrong.duplicates.frame)
            | ({OWNER_LEFT: OWNER_LEFT_RULE} if fix.departed else {}),
        ),
        findings=sorted(
            _findings(audited, names, fmt) + departed_findings(fix.fix_list.frame, fmt),
            key=lambda f: -f.at_stake,
        ),
        currency=d.currency,
        audit=audited,
    )


@dataclass(frozen=True)
class _Problems:
    """What is wrong in the open pipeline: the section's tiles, tables and sentences."""

    tiles: list[Tile]
    problem_counts: Table
    problem_sentence: str
    unchecked_sentence: str | None
    problem_title: str
    duplicates: Table
    duplicate_sentence: str | None


def _problems_section(
    d: SalesData, audited: hygiene.Audit, names: dict[str, str], period: Period, fmt: MoneyFormat
) -> _Problems:
    """What is wrong in the open pipeline? The problems by check, the gaps, the duplicates."""
    od, problems = audited.open_deals, audited.problems
    counts = problem_counts(problems, names, checked=audited.checked)
    flagged = problems.drop_duplicates("opp_id")
    unchecked = _sentences(
        data_gap_sentence(
            audited.data_gaps, audited.filled, len(od), names, fmt, audited.closed_blank
        ),
        unchecked_sentence(audited.not_checked, names),
    )
    return _Problems(
        tiles=problem_tiles(od, flagged, fmt),
        problem_counts=Table(
            counts,
            COUNTS_SPEC,
            f"Open deals by problem on {period.as_of.date()} (a deal can have several)",
            d.currency,
        ),
        problem_sentence=_sentences(
            problem_sentence(counts, od, flagged, fmt),
            age_untested_sentence(od, counts, names, float(audited.cycle_days), fmt),
        )
        or "",
        unchecked_sentence=unchecked,
        problem_title=(
            f"{len(flagged):,} of {count(len(od), 'open deal')} "
            f"{'has' if len(flagged) == 1 else 'have'} at least one hygiene problem"
        ),
        duplicates=duplicate_table(d, audited, as_of=period.as_of),
        duplicate_sentence=duplicate_sentence(audited, fmt),
    )


@dataclass(frozen=True)
class _Scores:
    """Which reps and teams keep the cleanest pipeline: the scores, chart and sentence."""

    team_scores: pd.DataFrame
    score_sentence: str | None
    team_chart: pd.DataFrame
    team_title: str
    rep_scores: Table


def _scores_section(
    d: SalesData, audited: hygiene.Audit, names: dict[str, str], period: Period, fmt: MoneyFormat
) -> _Scores:
    """Which reps and teams keep the cleanest pipeline? Hygiene scores by team and rep."""
    teams = hygiene.hygiene_score(d, audited, by="team")
    reps = rep_scores(d, hygiene.hygiene_score(d, audited, by="rep_id"), names)
    named = teams[teams.index != UNASSIGNED]
    differ = _teams_differ(named)
    return _Scores(
        team_scores=teams,
        score_sentence=_sentences(
            score_sentence(teams, reps.frame),
            owner_sentence(audited.open_deals, period.as_of, fmt, hygiene.left_by(d, period.as_of)),
        ),
        team_chart=named.reset_index().assign(share=lambda f: f["score"] / 100)
        if differ
        else named.iloc[0:0].reset_index(),
        team_title=(
            f"Share of open deals with no hygiene problem, by team (best: {named['score'].idxmax()})"
            if differ
            else ""
        ),
        rep_scores=Table(
            reps.frame, REP_SPEC, "Reps with the lowest hygiene score first", d.currency
        ),
    )


@dataclass(frozen=True)
class _Impact:
    """How much forecast error came from deals with problems: the table, sentence, method."""

    impact: Table
    impact_sentence: str | None
    method: str


def _impact_section(d: SalesData, period: Period, stale_days: int) -> _Impact:
    """How much forecast error came from deals with problems? Past quarters, deal by deal."""
    window = impact_window(d, period)
    past = [q for q in window if forecast.backtestable(d, q)]
    impact = (
        hygiene.forecast_impact(d, quarters=past, week=IMPACT_WEEK, stale_days=stale_days)
        if past
        else pd.DataFrame(columns=[c.key for c in IMPACT_SPEC.columns])
    )
    if "flagged_amount" in impact:
        weighed = impact["flagged_amount"] + impact["clean_amount"]
        impact = impact.assign(value_share=impact["flagged_amount"] / weighed.where(weighed > 0))
    method = _impact_method(d, impact)
    return _Impact(
        impact=Table(
            impact,
            IMPACT_SPEC,
            f"{method} forecast's absolute error at week {IMPACT_WEEK}, deal by deal, by quarter",
            d.currency,
        ),
        impact_sentence=impact_sentence(
            impact,
            method=method,
            window=window,
            period=period,
            skipped=sorted(set(window) - set(past)),
        ),
        method=method,
    )


@dataclass(frozen=True)
class _Fix:
    """Which deals each rep should fix first: the fix list shown and handed out."""

    fix_list: Table
    fix_list_export: Table
    fix_sentence: str
    fix_list_sentence: str | None
    closed_since: pd.DataFrame
    filled: bool
    departed: bool = False
    """Some deal on the fix list has an owner who had left."""


def _fix_section(
    data: SalesData,
    d: SalesData,
    audited: hygiene.Audit,
    names: dict[str, str],
    period: Period,
    fmt: MoneyFormat,
) -> _Fix:
    """Which deals should each rep fix first? One row per deal, the most money first."""
    fixes = fix_list(d, audited, names, as_of=period.as_of)
    fix = fixes.deals
    filled = bool(fix["amount_filled"].any()) if len(fix) else False
    return _Fix(
        fix_list=Table(
            fix,
            _with_amount_source(FIX_SPEC, filled),
            "The fix list: one row per deal, reps with the most money at stake first",
            d.currency,
        ),
        fix_list_export=Table(fix, fix_export_spec(fix), "", d.currency),
        fix_sentence=_sentences(
            fix_sentence(fix, audited.problems, fmt),
            new_owner_sentence(fixes.departed, period.as_of, fmt),
            departures_unseen_sentence(d.reps),
            closed_since_sentence(fixes.closed_since, period.as_of, data.last_date, fmt),
        )
        or "",
        fix_list_sentence=(
            f"The full fix list ({count(len(fix), 'deal')}, one row per deal with all its "
            "problems, by team, manager and rep)"
            if len(fix)
            else None
        ),
        closed_since=fixes.closed_since,
        filled=filled,
        departed=bool(fix["owner_left"].notna().any()) if len(fix) else False,
    )


# ---------------------------------------------------------------------------------------
# the load's warnings


def load_sentence(warnings: pd.DataFrame) -> str:
    """How many warnings the load raised (every one is listed below it).

    Parameters
    ----------
    warnings
        The data set's warnings (``table, column, ids, message``).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    if warnings.empty:
        return "The load raised no data-quality warning: every table passed its checks."
    n = len(warnings)
    text = (
        f"The load raised {bold(count(n, 'data-quality warning'))} that "
        f"{'does' if n == 1 else 'do'} not stop the analysis; "
        f"{'it is' if n == 1 else 'each is'} listed with the figures it affects."
    )
    past = (warnings["column"] == "close_date") & warnings["message"].str.contains("already past")
    if past.any():
        text += (
            " Open deals past their close date are counted there on the data's last date, and "
            "in this report on its as-of date."
        )
    return text


def _warning_labels(warnings: pd.DataFrame) -> pd.DataFrame:
    """Table and column names of the warnings in a manager's words (``account_id``: Account)."""

    def words(name: object) -> str:
        text = "" if pd.isna(name) else str(name)
        text = text.removesuffix("_id").replace("_", " ").strip()
        return text[:1].upper() + text[1:]

    # the same words as reports 01-06's warning tables (``opportunities``: Deals)
    tables = warnings["table"].map(lambda t: TABLE_WORDS.get(str(t), words(t)))
    return warnings.assign(table_label=tables, column_label=warnings["column"].map(words))


# ---------------------------------------------------------------------------------------
# problems


def problem_counts(
    problems: pd.DataFrame, names: dict[str, str], checked: list[str] | None = None
) -> pd.DataFrame:
    """Deals and amount per check, the check with the most deals first.

    Parameters
    ----------
    problems
        :func:`salesops_lib.analysis.hygiene.audit` on the as-of date (``opp_id, check,
        amount``: one row per deal and problem).
    names
        Each check in a manager's words (:func:`check_names`).
    checked
        The checks run on the data (:func:`~salesops_lib.analysis.hygiene.audit`'s
        ``checked``); each is listed, those that found nothing with 0. None: only the
        checks that found something.

    Returns
    -------
    DataFrame
        One row per check: ``label`` (from ``names``), ``action`` (:data:`ACTIONS`),
        ``deals`` (distinct deals) and ``amount`` (their amount summed); ties in deals in
        :data:`~salesops_lib.analysis.hygiene.CHECKS` order. Empty without problems or checks.
    """
    empty = pd.DataFrame({"check": [], "label": [], "action": [], "deals": [], "amount": []})
    if problems.empty and not checked:
        return empty
    counts = (
        problems.groupby("check")
        .agg(deals=("opp_id", "nunique"), amount=("amount", "sum"))
        .reindex(list(dict.fromkeys([*(checked or []), *problems["check"]])))
        .fillna({"deals": 0, "amount": 0.0})
        .astype({"deals": int})
        .rename_axis("check")
        .reset_index()
    )
    order = {c: i for i, c in enumerate(hygiene.CHECKS)}
    counts["order"] = counts["check"].map(order)
    counts["label"] = counts["check"].map(names)
    counts["action"] = counts["check"].map(ACTIONS)
    counts = counts.sort_values(["deals", "order"], ascending=[False, True], kind="stable")
    return counts[["check", "label", "action", "deals", "amount"]].reset_index(drop=True)


def problem_tiles(od: pd.DataFrame, flagged: pd.DataFrame, fmt: MoneyFormat) -> list[Tile]:
    """Open deals, those with a problem, and the value they hold.

    Parameters
    ----------
    od
        The open deals checked (``amount``).
    flagged
        One row per open deal with at least one problem (``amount``).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    list of Tile
        ``Open deals``, ``With a problem``, ``Value affected``.
    """
    n, total = len(od), float(od["amount"].sum())
    k, value = len(flagged), float(flagged["amount"].sum())
    return [
        Tile("Open deals", f"{n:,}", fmt(total)),
        Tile("With a problem", f"{k:,}", f"{pct(k / n)} of open deals" if n else ""),
        Tile(
            "Value affected", fmt(value), f"{pct(value / total)} of open value" if total > 0 else ""
        ),
    ]


def problem_sentence(
    counts: pd.DataFrame, od: pd.DataFrame, flagged: pd.DataFrame, fmt: MoneyFormat
) -> str:
    """How many open deals have a problem and which problem is the most common.

    Parameters
    ----------
    counts
        :func:`problem_counts`.
    od
        The open deals checked.
    flagged
        One row per open deal with at least one problem.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    if od.empty:
        return "No deal was open on the as-of date, so there is nothing to check."
    counts = counts[counts["deals"] > 0]
    if counts.empty:
        return f"No hygiene problem was found in the {count(len(od), 'open deal')}."
    top = counts.iloc[0]
    text = (
        f"{bold(f'{len(flagged):,} of {len(od):,}')} open deals ({pct(len(flagged) / len(od))}) "
        f"{'has' if len(flagged) == 1 else 'have'} at least one problem. The most common is "
        f"{bold(top['label'])} "
        f"({count(int(top['deals']), 'deal')}, {fmt(top['amount'])})"
    )
    money = counts.sort_values("amount", ascending=False, kind="stable").iloc[0]
    if money["check"] != top["check"] and money["amount"] > top["amount"]:
        text += f"; the most money sits in {bold(money['label'])} ({fmt(money['amount'])})"
    return text + "."


def age_untested_sentence(
    od: pd.DataFrame,
    counts: pd.DataFrame,
    names: dict[str, str],
    cycle_days: float,
    fmt: MoneyFormat,
) -> str | None:
    """The open deals the age check cannot test: without a created date their age is unknown.

    Without history snapshots the no-stage-change check is a deal's age against twice the
    usual cycle (``cycle_days``), so a deal without a created date is never found by it; the
    headline's share counts it among the deals without a problem, and this sentence says how
    many there are and the check's share among the deals it can test.

    Parameters
    ----------
    od
        The open deals checked (``age_days``, NaN without a created date; ``amount``).
    counts
        :func:`problem_counts` (``check, deals``).
    names
        Each check in a manager's words (:func:`check_names`).
    cycle_days
        The audit's cycle yardstick (NaN with history snapshots: the check is then the days
        without a stage or amount change, and the sentence is not needed).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence; None with history snapshots, without the check, or when every open
        deal has a created date.
    """
    run = counts["check"] == "no_stage_change"
    if not np.isfinite(cycle_days) or not run.any() or "age_days" not in od:
        return None
    blind = od["age_days"].isna().to_numpy()
    n = int(blind.sum())
    if not n:
        return None
    label = names["no_stage_change"]
    text = (
        f"{count(n, 'open deal')} ({fmt(float(od.loc[blind, 'amount'].sum()))}) "
        f"{'has' if n == 1 else 'have'} no created date, so {label} cannot be tested on "
        f"{'it' if n == 1 else 'them'}"
    )
    tested = len(od) - n
    if not tested:
        return text + "."
    hit = int(counts.loc[run, "deals"].iloc[0])
    return (
        f"{text}: of the {count(tested, 'open deal')} with a created date, {hit:,} "
        f"({pct(hit / tested)}) {'is' if hit == 1 else 'are'} {label[:1].lower()}{label[1:]}."
    )


NOT_RECORDED = {
    "no_close_date": "no expected close date",
    "missing_amount": "no amount",
    "missing_account": "no account",
}
"""What the export does not record, for each blank-field check that is a data gap."""


def data_gap_sentence(
    data_gaps: dict[str, tuple[int, float]],
    filled: tuple[int, float],
    open_deals: int,
    names: dict[str, str],
    fmt: MoneyFormat,
    closed_blank: dict[str, tuple[int, int]] | None = None,
) -> str | None:
    """The fields the export does not record for open deals, said once, and amounts filled in.

    Parameters
    ----------
    data_gaps
        :func:`~salesops_lib.analysis.hygiene.audit`'s ``data_gaps``: each
        blank-field check failing on nearly every open deal, with its deals and amount.
    filled
        ``filled``: open deals whose amount the preset filled in from the list
        price, and their amount.
    open_deals
        The open deals checked.
    names
        Each check in a manager's words (:func:`check_names`).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    closed_blank
        ``closed_blank``: for each gap found by the open-only rule
        (:data:`~salesops_lib.analysis.hygiene.OPEN_ONLY_SHARE`), its blank and all closed
        deals; None: none.

    Returns
    -------
    str or None
        ``The export records no expected close date for open deals (2,089 of 2,089, $5.0M):
        a data gap, not the reps' hygiene, so No close date is left out of the problems, the
        scores and the fix list.`` and, with filled amounts, a sentence that they are list
        prices, not No amount; None when there is neither.

    Examples
    --------
    >>> data_gap_sentence({}, (0, 0.0), 10, check_names(), str) is None
    True
    """
    parts = []
    closed_blank = closed_blank or {}
    nearly = {c: v for c, v in data_gaps.items() if c not in closed_blank}
    if nearly:
        what = listing([NOT_RECORDED[c] for c in nearly])
        checks = listing([names[c] for c in nearly])
        k = max(n for n, _ in nearly.values())
        amount = max(a for _, a in nearly.values())
        parts.append(
            f"The export records {bold(what)} for open deals ({k:,} of {open_deals:,}, "
            f"{fmt(amount)}): a data gap, not the reps' hygiene, so {checks} "
            f"{'is' if len(nearly) == 1 else 'are'} left out of the problems, the scores and "
            "the fix list."
        )
    for c, (blank, closed) in closed_blank.items():
        k, amount = data_gaps[c]
        field = NOT_RECORDED[c].removeprefix("no ")
        none = "none" if blank == 0 else f"only {blank:,}"
        parts.append(
            f"The export leaves the {bold(field)} blank on {k:,} of {open_deals:,} open deals "
            f"({pct(k / open_deals)}, {fmt(amount)}) and on {none} of the {closed:,} deals "
            f"closed by then: a field blank on at least {pct(hygiene.OPEN_ONLY_SHARE)} of the "
            f"open deals and on at most {pct(hygiene.OPEN_ONLY_CLOSED_SHARE)} of the closed "
            f"ones is an export gap, not the reps' hygiene, so {names[c]} is left out of the "
            "problems, the scores and the fix list."
        )
    n, value = filled
    if n:
        parts.append(
            f"The amounts of {count(n, 'open deal')} ({fmt(value)}) are their product's list "
            "price, which the loader filled in where the export has none: they count as "
            f"amounts, not as {names['missing_amount']}."
        )
    return " ".join(parts) or None


def unchecked_sentence(not_checked: dict[str, str], names: dict[str, str]) -> str | None:
    """The checks the data could not support, and why (None: every check was run).

    Parameters
    ----------
    not_checked
        Each check that could not be run, with why (:func:`~salesops_lib.analysis.hygiene.audit`'s
        ``not_checked``).
    names
        Each check in a manager's words (:func:`check_names`).

    Returns
    -------
    str or None
        The sentence; None when every check was run.
    """
    if not not_checked:
        return None
    parts = [f"{names[c]} ({why})" for c, why in not_checked.items()]
    return "Not checked on this data: " + "; ".join(parts) + "."


def table_rows(data: SalesData, deals: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Deal rows as 07's tables show them: names, later outcomes and filled amounts marked.

    Parameters
    ----------
    data
        The data set in scope.
    deals
        Deals open on ``as_of`` (a timeline frame).
    as_of
        The as-of date.

    Returns
    -------
    DataFrame
        :func:`~salesops_lib.reports.deals.deal_rows` through
        :func:`~salesops_lib.reports.deals.label_closed_after` and
        :func:`~salesops_lib.reports.deals.mark_filled_amounts`.
    """
    rows = deal_rows(data, deals)
    rows = label_closed_after(data, rows, as_of)
    return mark_filled_amounts(data, rows)


def _with_amount_source(spec: TableSpec, filled: bool) -> TableSpec:
    """``spec`` with the Amount is column after Amount when some amounts were filled in."""
    if not filled:
        return spec
    cols = list(spec.columns)
    at = [c.key for c in cols].index("amount") + 1
    return TableSpec((*cols[:at], AMOUNT_SOURCE, *cols[at:]), max_rows=spec.max_rows)


def duplicate_table(
    data: SalesData, audited: hygiene.Audit, *, as_of: object | None = None
) -> Table:
    """The likely duplicate pairs side by side: each deal and the one it looks like.

    Parameters
    ----------
    data
        The data set in scope.
    audited
        :func:`salesops_lib.analysis.hygiene.audit` on the as-of date (its ``open_deals`` and
        ``duplicates``).
    as_of
        The as-of date (deals closed after it are labelled so); None: the data's last date.

    Returns
    -------
    Table
        One row per pair, largest amount first: the deal's columns, ``other_deal`` (the deal
        it looks like) and ``why`` (the rule and how many days apart they were created);
        empty, without a caption, when there is no pair.
    """
    pairs, od = audited.duplicates, audited.open_deals
    if pairs.empty:
        return Table(pd.DataFrame({"deal": []}), DUPLICATES_SPEC, "", data.currency)
    day = pd.Timestamp(as_of if as_of is not None else data.last_date)  # type: ignore[arg-type]
    rows = table_rows(data, od.set_index("opp_id").loc[pairs["opp_id"]].reset_index(), day)
    other = deal_rows(data, od.set_index("opp_id").loc[pairs["other_id"]].reset_index())
    rows["other_deal"] = other["deal"].to_numpy()
    apart = (rows["created_date"] - other["created_date"]).abs().dt.days.to_numpy()
    rows["why"] = [
        f"{reason.capitalize()}, created {'the same day' if d == 0 else count(int(d), 'day') + ' apart'}"
        for reason, d in zip(pairs["reason"], apart, strict=True)
    ]
    rows = rows.sort_values("amount", ascending=False, kind="stable").reset_index(drop=True)
    spec = with_since(_with_amount_source(DUPLICATES_SPEC, bool(rows["amount_filled"].any())), rows)
    caption = with_note("Likely duplicates, each pair on one row", category_note(rows, day))
    return Table(rows, spec, caption, data.currency)


def duplicate_sentence(audited: hygiene.Audit, fmt: MoneyFormat) -> str | None:
    """How many open deals look like duplicates and by which rule (None: none).

    Parameters
    ----------
    audited
        :func:`salesops_lib.analysis.hygiene.audit` on the as-of date (its ``problems``:
        ``opp_id, check, amount``, and ``duplicates``).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when there is nothing true to say.
    """
    pairs, problems = audited.duplicates, audited.problems
    if pairs.empty:
        return None
    dup = problems[problems["check"] == "likely_duplicate"]
    n = len(pairs)
    k = dup["opp_id"].nunique()
    twins = int((pairs["reason"] == "same name and account").sum())
    rules = []
    if twins:
        rules.append(
            f"{'one' if twins == 1 else twins} with the same name and account, whoever owns "
            f"{'it' if twins == 1 else 'them'}"
        )
    if n - twins:
        rules.append(
            f"{'one' if n - twins == 1 else n - twins} of the same rep and account, created "
            f"within {hygiene.DUPLICATE_DAYS} days of each other, with the same entered amount "
            "or a very similar name"
        )
    return (
        f"{count(k, 'open deal')} worth {fmt(dup['amount'].sum())} "
        f"{'looks' if k == 1 else 'look'} like duplicates ({count(n, 'pair')}: "
        f"{'; '.join(rules)})."
    )


# ---------------------------------------------------------------------------------------
# scores


def rep_scores(data: SalesData, scores: pd.DataFrame, names: dict[str, str]) -> Table:
    """Each rep's score with their most common problem, lowest score first.

    Parameters
    ----------
    data
        The data set in scope (rep names and teams).
    scores
        :func:`salesops_lib.analysis.hygiene.hygiene_score` by ``rep_id``.
    names
        Each check in a manager's words (:func:`check_names`).

    Returns
    -------
    Table
        ``rep_id, rep_name, team`` (no ``team`` when no rep has one), the score columns and
        ``main_problem`` (label and count; blank without a problem), under :data:`REP_SPEC`.
    """
    directory = kpis.rep_directory(data)[
        ["rep_id", "rep_name", *(["team"] if "team" in data.reps else [])]
    ]
    out = scores.reset_index().merge(directory, on="rep_id", how="left")
    out["rep_name"] = out["rep_name"].fillna(out["rep_id"])
    if "team" in out and not out["team"].astype("str").str.strip().replace("", pd.NA).notna().any():
        out = out.drop(columns="team")  # no rep has a team: a column of "–" says nothing
    checks = [c for c in hygiene.CHECKS if c in out]
    if checks and len(out):
        counts = out[checks].to_numpy(dtype=float)
        best = counts.argmax(axis=1)
        top = counts[np.arange(len(out)), best]
        out["main_problem"] = [
            f"{names[checks[i]]} ({int(v)})" if v > 0 else ""
            for i, v in zip(best, top, strict=True)
        ]
    else:
        out["main_problem"] = ""
    out = out.sort_values(["score", "rep_name"], kind="stable").reset_index(drop=True)
    return Table(out, REP_SPEC, "", data.currency)


def _teams_differ(named: pd.DataFrame) -> bool:
    """Whether the teams' scores differ as shown (a chart of equal bars, and a "best" among
    them, would say nothing the sentence does not)."""
    shown = named["score"].dropna().map(_score)
    return len(shown) > 1 and shown.nunique() > 1


def _score(value: float) -> str:
    return f"{value:.0f}"


def score_sentence(teams: pd.DataFrame, reps: pd.DataFrame) -> str | None:
    """How the teams' hygiene scores spread and how many reps score 50 or below.

    A rep at :data:`LOW_SCORE` or below has a problem on half their open deals or more (the
    score is exactly 50 at half).

    Parameters
    ----------
    teams
        :func:`salesops_lib.analysis.hygiene.hygiene_score` by ``team`` (``score``; reps
        without a team under :data:`~salesops_lib.analysis.kpis.UNASSIGNED`, not named).
    reps
        The reps' scores (:func:`rep_scores`' frame: ``score``).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); when neither a team nor a rep is
        scored, that no deal was open to score.
    """
    named = teams[teams.index != UNASSIGNED].dropna(subset=["score"])
    low = int((reps["score"] <= LOW_SCORE).sum())
    who = (
        "no rep scores" if low == 0 else f"{count(low, 'rep')} {'scores' if low == 1 else 'score'}"
    )
    tail = f"{who} {LOW_SCORE} or below (a problem on half their open deals or more)."
    if named.empty:
        if reps.empty:
            return "No open deal to score: no rep or team had a deal open on the as-of date."
        return "The reps have no team, so only reps are scored: " + tail
    if len(named) == 1:
        return f"{bold(named.index[0])} scores {bold(_score(named['score'].iloc[0]))}; {tail}"
    lo, hi = named["score"].idxmin(), named["score"].idxmax()
    low_score, high_score = _score(named.loc[lo, "score"]), _score(named.loc[hi, "score"])
    if low_score == high_score:
        return f"Every team scores {bold(low_score)}; {tail}"
    return f"Team hygiene scores run from {bold(low_score)} ({lo}) to {bold(high_score)} ({hi}); {tail}"


# ---------------------------------------------------------------------------------------
# forecast impact


def impact_window(data: SalesData, period: Period) -> list[str]:
    """The last :data:`IMPACT_QUARTERS` complete quarters up to the report's quarter.

    The quarter itself counts when it has ended by the as-of date, as the other reports'
    trailing figures take them; quarters before the data's first are left out.

    Parameters
    ----------
    data
        The data set in scope (its fiscal calendar and first quarter).
    period
        The report's period (its quarter, end and as-of date).

    Returns
    -------
    list of str
        The quarters, oldest first (fewer than :data:`IMPACT_QUARTERS` when the data starts
        later).
    """
    last = period.quarter if period.as_of >= period.end else data.calendar.shift(period.quarter, -1)
    first = data.quarters()[0]
    back = [data.calendar.shift(last, -k) for k in range(IMPACT_QUARTERS - 1, -1, -1)]
    return [q for q in back if q >= first]


def _impact_method(data: SalesData, impact: pd.DataFrame) -> str:
    """The pipeline method's name on this data, as report 03 shows it (by what it learnt
    from in the last quarter measured)."""
    from salesops_lib.reports.forecasting import pipeline_name

    if impact.empty:
        return pipeline_name(("stage", "close", "age"))
    q = str(impact["quarter"].iloc[-1])
    start, end = data.calendar.bounds(q)
    as_of = min(start + pd.Timedelta(days=7 * IMPACT_WEEK - 1), end)
    used = forecast.method_inputs(data, quarter=q, as_of=as_of, methods=("pipeline",))
    return pipeline_name(used["pipeline"])


def impact_sentence(
    impact: pd.DataFrame,
    *,
    method: str = "Pipeline by stage and age",
    window: list[str] | None = None,
    period: Period | None = None,
    skipped: list[str] | None = None,
) -> str | None:
    """The share of past forecasts' error on deals with problems, against their share of the deals.

    The errors are sums of per-deal absolute errors
    (:func:`~salesops_lib.analysis.hygiene.forecast_impact`), so the share compares like with
    like; it is set against the same deals' share of the deals and of their value
    (:func:`share_against`).

    Parameters
    ----------
    impact
        :func:`~salesops_lib.analysis.hygiene.forecast_impact` (``flagged_amount`` and
        ``clean_amount`` optional).
    method
        The pipeline method's name.
    window
        The quarters meant to be measured.
    period
        The report's period (None: no word on the window).
    skipped
        Quarters of the window left out (too little data before them).

    Returns
    -------
    str or None
        The sentence (``**`` marks what to read first); None when nothing was measured (no
        quarter, no error or no deal).
    """
    if impact.empty:
        return None
    fe = impact["flagged_error"].abs().sum()
    ce = impact["clean_error"].abs().sum()
    n_f, n_c = impact["flagged_deals"].sum(), impact["clean_deals"].sum()
    if fe + ce <= 0 or n_f + n_c <= 0:
        return None
    share, deal_share = fe / (fe + ce), n_f / (n_f + n_c)
    a_f = float(impact["flagged_amount"].sum()) if "flagged_amount" in impact else np.nan
    a_c = float(impact["clean_amount"].sum()) if "clean_amount" in impact else np.nan
    value_share = a_f / (a_f + a_c) if np.isfinite(a_f + a_c) and a_f + a_c > 0 else None
    qs = list(impact["quarter"])
    when = f"In {qs[0]}" if len(qs) == 1 else f"In the {len(qs)} quarters {qs[0]} to {qs[-1]}"
    lead = f"{when}, the {method} forecast made at the end of week {IMPACT_WEEK}"
    of_value = f" and {bold(pct(value_share))} of their value" if value_share is not None else ""
    text = (
        f"{lead} had {bold(pct(share))} of its absolute error, summed deal by deal, on deals "
        f"with hygiene problems: they were {bold(pct(deal_share))} of the open deals{of_value}, so "
        f"they carried {share_against(share, deal_share, value_share)}."
    )
    return text + _window_words(qs, period, skipped or [], window or qs)


def share_against(share: float, deals: float, value: float | None = None) -> str:
    """How a share of the error compares with the same deals' share of the deals and the value.

    Parameters
    ----------
    share
        The flagged deals' share of the absolute error.
    deals
        Their share of the deals.
    value
        Their share of the deals' amount; None: not known.

    Returns
    -------
    str
        ``less than their share of the deals and of the value``, ``more than their share of
        the deals but less than their share of the value``, ``about their share of the
        deals`` (equal as rounded), ...

    Examples
    --------
    >>> share_against(0.26, 0.42, 0.40)
    'less than their share of the deals and of the value'
    >>> share_against(0.45, 0.42, 0.60)
    'more than their share of the deals but less than their share of the value'
    """

    def word(other: float) -> str:
        if pct(share) == pct(other):
            return "about"
        return "more than" if share > other else "less than"

    d = word(deals)
    if value is None:
        return f"{d} their share of the deals"
    v = word(value)
    if d == v:
        return f"{d} their share of the deals and of the value"
    return f"{d} their share of the deals but {v} their share of the value"


def _window_words(
    qs: list[str], period: Period | None, skipped: list[str], window: list[str]
) -> str:
    """Why those quarters: the last complete ones up to the report's quarter, and what was
    left out."""
    if period is None:
        return ""
    notes = []
    if period.as_of >= period.end:
        if period.quarter in qs:
            notes.append(
                f"{period.quarter} included: it ended on the as-of date, so every deal's "
                "outcome in it is known"
            )
    else:
        notes.append(
            f"{period.quarter} left out: it has not ended on the as-of date, so its deals' "
            "outcomes are not known yet"
        )
    if skipped:
        notes.append(
            f"{listing(skipped)} left out: the forecast needs two full quarters of data before "
            "the quarter it forecasts"
        )
    which = (
        "the last complete quarter"
        if len(window) == 1
        else f"the last {len(window)} complete quarters"
    )
    lead = (
        f" The quarters measured are {which} up to {period.quarter}, as the other reports take them"
    )
    return lead + (f" ({'; '.join(notes)})" if notes else "") + "."


# ---------------------------------------------------------------------------------------
# the fix list


def fix_list(
    data: SalesData,
    audited: hygiene.Audit,
    names: dict[str, str],
    *,
    as_of: object | None = None,
) -> FixList:
    """One row per deal with all its problems and what to do, grouped by rep.

    The rep with the most money at stake comes first, and within a rep the largest deal. A
    deal whose owner had left by ``as_of`` (:func:`departed_owners`) is on the list even
    without another problem: its first problem is :data:`OWNER_LEFT` (assign a new owner) and
    its owner reads ``<name> (left <date>)``.

    Parameters
    ----------
    data
        The data set in scope (names for the deal columns, the reps' end dates).
    audited
        :func:`salesops_lib.analysis.hygiene.audit` on the as-of date (its ``problems``:
        ``opp_id, rep_id, check, amount``, and ``open_deals``).
    names
        Each check in a manager's words (:func:`check_names`).
    as_of
        The as-of date; None: the data's last date.

    Returns
    -------
    FixList
        ``deals``: the deal columns of :func:`~salesops_lib.reports.deals.deal_rows` plus ``checks``,
        ``problems_text``, ``actions_text``, ``problems`` (how many, an owner who had left
        included), ``owner_left`` (the day the owner left, NaT when still there) and
        ``at_stake`` (the total amount of the deals on the list of the deal's owner on
        ``as_of``: a deal reassigned after ``as_of`` counts apart from its new owner's,
        under ``owner_key``), ``amount_filled`` and ``amount_source`` (``list price`` where the
        loader filled the amount in). Deals the export shows closed after ``as_of`` are left
        out (nobody needs to fix them now): ``closed_since`` holds the flagged ones, with
        ``since``; ``departed`` every deal of an owner who had left, closed since or not.
    """
    by_deal = hygiene.problems_by_deal(audited.problems)
    od = audited.open_deals
    day = pd.Timestamp(as_of if as_of is not None else data.last_date)  # type: ignore[arg-type]
    left = departed_owners(data, od, day)
    left = left[left.notna().to_numpy()]
    extra = left.index.difference(pd.Index(by_deal["opp_id"]), sort=False)
    by_deal = pd.concat(
        [
            by_deal,
            pd.DataFrame({"opp_id": extra, "checks": [()] * len(extra), "problems": 0}),
        ],
        ignore_index=True,
    )
    if by_deal.empty:
        out = table_rows(data, od.iloc[0:0], day).assign(
            checks=[], problems_text=[], actions_text=[], problems=[], owner_left=[], at_stake=[]
        )
        return FixList(out, out.copy(), out.copy())
    deals = od.set_index("opp_id").loc[by_deal["opp_id"]].reset_index()
    rows = table_rows(data, deals, day)
    rows["checks"] = by_deal["checks"].to_numpy()
    rows["owner_left"] = left.reindex(pd.Index(rows["opp_id"])).to_numpy(dtype="datetime64[ns]")
    gone_owner = rows["owner_left"].notna().to_numpy()
    rows["problems"] = by_deal["problems"].to_numpy() + gone_owner
    rows["problems_text"] = _with_owner_left(
        ["; ".join(names[c] for c in cs) for cs in rows["checks"]], gone_owner, OWNER_LEFT
    )
    rows["actions_text"] = _with_owner_left(
        ["; ".join(ACTIONS[c] for c in cs) for cs in rows["checks"]], gone_owner, OWNER_LEFT_ACTION
    )
    when = rows["owner_left"].dt.strftime("%Y-%m-%d")
    rows["rep_name"] = rows["rep_name"].where(
        ~gone_owner, rows["rep_name"].astype("str") + " (left " + when + ")"
    )
    departed = rows[gone_owner].reset_index(drop=True)
    gone = timeline.closed_after(data, rows, day)
    closed_since = rows[gone & (rows["checks"].map(len) > 0).to_numpy()].reset_index(drop=True)
    rows = rows[~gone].copy()
    # a deal reassigned after the as-of date is nobody's then: its own group, not the new owner's
    known = rows["owner_known"] if "owner_known" in rows else pd.Series(True, index=rows.index)
    rows["owner_key"] = rows["rep_id"].astype("str") + np.where(
        known.fillna(True).to_numpy(dtype=bool), "", " (previous owner)"
    )
    rows["at_stake"] = rows.groupby("owner_key")["amount"].transform("sum")
    rows = rows.sort_values(
        ["at_stake", "rep_name", "amount", "deal"],
        ascending=[False, True, False, True],
        kind="stable",
    )
    return FixList(rows.reset_index(drop=True), closed_since, departed)


def _with_owner_left(texts: list[str], gone_owner: np.ndarray, first: str) -> list[str]:
    """Each deal's problems (or actions) text, ``first`` ahead of it where the owner had left."""
    return [
        "; ".join(p for p in (first if g else "", t) if p)
        for t, g in zip(texts, gone_owner, strict=True)
    ]


def departed_owners(data: SalesData, od: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """The day each open deal's owner left, for owners who had left by ``as_of``.

    The same deals :func:`~salesops_lib.analysis.hygiene.scored_apart` leaves out of the
    scores as ``left`` (and :func:`owner_sentence` counts): the owner on ``as_of`` is known
    and has an end date on or before it.

    Parameters
    ----------
    data
        The data set (reps' ``rep_id`` and ``end_date``).
    od
        Open deals on ``as_of`` (:func:`salesops_lib.timeline.open_deals`: ``opp_id``,
        ``rep_id``, ``owner_known``).
    as_of
        The as-of date.

    Returns
    -------
    Series
        The owner's end date (NaT where the owner was still there), indexed by ``opp_id``.

    Examples
    --------
    >>> departed_owners(data, audit(data, as_of="2026-09-30").open_deals,
    ...                 pd.Timestamp("2026-09-30")).dropna()  # doctest: +SKIP
    """
    why = hygiene.scored_apart(od, as_of, hygiene.left_by(data, as_of))
    ended = (
        data.reps.drop_duplicates("rep_id").set_index("rep_id")["end_date"]
        if "end_date" in data.reps
        else pd.Series(dtype="datetime64[ns]")
    )
    dates = pd.to_datetime(od["rep_id"].map(ended)).where((why == "left").to_numpy())
    return pd.Series(dates.to_numpy(dtype="datetime64[ns]"), index=pd.Index(od["opp_id"]))


def departures_unseen_sentence(reps: pd.DataFrame) -> str | None:
    """That the data cannot show which reps left, when no rep has an end date or a flag.

    An export without an end date or an active flag for its owners (HubSpot's deals export,
    a reps table derived from the deals' owners) shows every owner as still in seat, so no
    deal reads "Owner has left"; the page says so instead of staying silent.

    Parameters
    ----------
    reps
        The reps table (``end_date``; ``isactive`` or ``active`` when the export had an
        active flag, as Salesforce's User export and HubSpot's owners do).

    Returns
    -------
    str or None
        The sentence; None when some rep has an end date or the reps carry an active flag.

    Examples
    --------
    >>> departures_unseen_sentence(pd.DataFrame({"rep_id": ["Ann"], "end_date": [pd.NaT]}))[:35]
    'No rep in this data has an end date'
    """
    if "end_date" in reps.columns and reps["end_date"].notna().any():
        return None
    if any(c in reps.columns for c in ("isactive", "active")):
        return None
    return (
        "No rep in this data has an end date or is marked inactive, so no deal is flagged as "
        "waiting for a new owner. If reps have left, this export does not say so: add their "
        "leaving dates to the reps file, or export the CRM's users with "
        "their active or archived flag."
    )


def new_owner_sentence(departed: pd.DataFrame, as_of: pd.Timestamp, fmt: MoneyFormat) -> str | None:
    """How many open deals of reps who had left need a new owner, and what they are worth.

    Counts the same deals as :func:`owner_sentence`'s "belong to ... who had left": the
    fix list holds those still open; those closed since are said apart.

    Parameters
    ----------
    departed
        :func:`fix_list`'s ``departed`` (``rep_id, amount, closed_after``).
    as_of
        The as-of date.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence; None when no open deal's owner had left.
    """
    if departed.empty:
        return None
    n, reps = len(departed), departed["rep_id"].nunique()
    lead = (
        f"{count(n, 'open deal')} worth {fmt(departed['amount'].sum())} on {as_of.date()} "
        f"belonged to {count(reps, 'rep')} who had left by then"
    )
    mark = (
        f"(the fix list shows {'the owner' if n == 1 else 'their owners'} with the day they left)"
    )
    later = departed["closed_after"].fillna(False).to_numpy(dtype=bool)
    if not later.any():
        return f"{lead}: {'it needs' if n == 1 else 'they need'} a new owner {mark}."
    still = departed[~later]
    if still.empty:
        return f"{lead}: {'it has' if n == 1 else 'all have'} closed since."
    m = len(still)
    closed = f"{int(later.sum()):,} of them, worth {fmt(departed.loc[later, 'amount'].sum())},"
    return (
        f"{lead}: {closed} {'has' if later.sum() == 1 else 'have'} closed since, and "
        f"{'the other' if m == 1 else f'the other {m:,}'}, worth {fmt(still['amount'].sum())}, "
        f"{'needs' if m == 1 else 'need'} a new owner {mark}."
    )


def closed_since_sentence(
    closed: pd.DataFrame, as_of: pd.Timestamp, last_date: pd.Timestamp, fmt: MoneyFormat
) -> str | None:
    """How many deals flagged on the as-of date have closed since, and so left the fix list.

    Parameters
    ----------
    closed
        The flagged deals the export shows closed after ``as_of`` (:func:`fix_list`'s
        ``closed_since``: ``amount``, ``since`` as :func:`~salesops_lib.reports.
        deals.outcome_since` words it).
    as_of
        The as-of date.
    last_date
        The data's last date (what is known of the deals' outcomes).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str or None
        The sentence; None when no flagged deal has closed since.
    """
    if closed.empty:
        return None
    won = closed["since"].astype("str").str.startswith("won").to_numpy()
    parts = []
    for mask, word in ((won, "won"), (~won, "lost")):
        if mask.any():
            parts.append(f"{int(mask.sum()):,} {word} ({fmt(closed.loc[mask, 'amount'].sum())})")
    n = len(closed)
    return (
        f"{count(n, 'deal')} flagged on {as_of.date()} {'has' if n == 1 else 'have'} closed "
        f"since, by {last_date.date()} (the data's last date): {listing(parts)}. "
        f"{'It is' if n == 1 else 'They are'} left out of the fix list; the counts by problem "
        f"above, as of {as_of.date()}, include {'it' if n == 1 else 'them'}."
    )


def fix_sentence(fix: pd.DataFrame, problems: pd.DataFrame, fmt: MoneyFormat) -> str:
    """How many deals the fix list holds and whose list is heaviest.

    Parameters
    ----------
    fix
        :func:`fix_list` (``owner_left`` counts as a problem and keeps the deal's owner from
        being named first).
    problems
        The problems behind it (one row per deal and problem).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        The sentence (``**`` marks what to read first).
    """
    if fix.empty:
        return "No open deal needs fixing: none open on the as-of date has a problem these checks find."
    listed = problems[problems["opp_id"].isin(set(fix["opp_id"]))]
    gone_owner = (
        fix["owner_left"].notna().to_numpy()
        if "owner_left" in fix
        else np.zeros(len(fix), dtype=bool)
    )
    n_problems = len(listed) + int(gone_owner.sum())  # an owner who had left is one
    lead = (
        f"The fix list holds {bold(count(len(fix), 'deal'))} with {count(n_problems, 'problem')}, "
        f"one row per deal{_owner_only_words(fix, gone_owner)}."
    )
    known = fix["owner_known"] if "owner_known" in fix else pd.Series(True, index=fix.index)
    # the rep to act first is one still there: a departed owner's deals wait for a new one
    owned = fix[known.fillna(True).to_numpy(dtype=bool) & ~gone_owner]
    if len(owned) and owned["at_stake"].iloc[0] > 0:
        top = owned.iloc[0]
        mine = owned[owned["rep_id"] == top["rep_id"]]
        return (
            f"{lead} {bold(top['rep_name'])} has the most money at stake: "
            f"{fmt(top['at_stake'])} in {count(len(mine), 'deal')}."
        )
    if fix["amount"].sum() > 0:
        return lead
    which = "It has" if len(fix) == 1 else "They have"
    return f"{lead} {which} no amount entered yet, so no money is at stake."


def _owner_only_words(fix: pd.DataFrame, gone_owner: np.ndarray) -> str:
    """``: 505 flagged above ..., and 8 whose only problem is ...`` when the fix list holds
    deals whose only problem is an owner who had left (not a check the counts by problem hold),
    so the fix list adds up with the headline count less the deals closed since."""
    checks = fix["checks"] if "checks" in fix else pd.Series([()] * len(fix), index=fix.index)
    only = int((gone_owner & (checks.map(len) == 0).to_numpy(dtype=bool)).sum())
    if not only:
        return ""
    still = len(fix) - only
    flagged = (
        f"{still:,} flagged above and still open" if still else "none flagged above is still open"
    )
    return (
        f": {flagged}, and {only:,} whose only problem is an owner who has left, which the "
        "counts by problem above do not include"
    )


def owner_sentence(
    od: pd.DataFrame, as_of: pd.Timestamp, fmt: MoneyFormat, left: frozenset[str] = frozenset()
) -> str | None:
    """Which open deals the scores by rep leave out, and why (:func:`~salesops_lib.analysis.hygiene.scored_apart`).

    A rep is scored only on what happened while they owned a deal: deals they had held for
    fewer than :data:`~salesops_lib.analysis.hygiene.RECENT_OWNER_DAYS` days on the as-of
    date, and deals whose owner then is not in the data, count in the company's and the
    teams' figures only.

    Parameters
    ----------
    od
        The open deals checked (``amount``, ``owner_known``, ``reassigned_date``,
        ``received_date``).
    as_of
        The as-of date.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    left
        Reps who had left by ``as_of`` (:func:`~salesops_lib.analysis.hygiene.left_by`).

    Returns
    -------
    str or None
        The sentence; None when every deal is scored for its owner.
    """
    why = hygiene.scored_apart(od, as_of, left)
    parts = []
    recent = od[(why == "recent").to_numpy()]
    if len(recent):
        n = len(recent)
        parts.append(
            f"{count(n, 'open deal')} worth {fmt(recent['amount'].sum())} "
            f"{'is' if n == 1 else 'are'} scored apart from {'its' if n == 1 else 'their'} "
            f"owner{'' if n == 1 else 's'}: {'it' if n == 1 else 'they'} reached "
            f"{'its owner' if n == 1 else 'their owners'} less than "
            f"{hygiene.RECENT_OWNER_DAYS} days before {as_of.date()}, so what is wrong with "
            f"{'it' if n == 1 else 'them'} mostly happened before (a rep is scored only on "
            "deals held for that long)"
        )
    gone = od[(why == "left").to_numpy()]
    if len(gone):
        n = len(gone)
        parts.append(
            f"{count(n, 'open deal')} worth {fmt(gone['amount'].sum())} "
            f"{'belongs' if n == 1 else 'belong'} to {count(gone['rep_id'].nunique(), 'rep')} "
            f"who had left by {as_of.date()} and {'waits' if n == 1 else 'wait'} for a new "
            "owner: left out of the scores by rep"
        )
    later = od[(why == "unknown").to_numpy()]
    if len(later):
        n = len(later)
        days = pd.to_datetime(later["reassigned_date"]).dropna()
        when = ""
        if len(days):
            first, last = days.min().date(), days.max().date()
            when = f" (on {first})" if first == last else f" (from {first} to {last})"
        parts.append(
            f"{count(n, 'open deal')} worth {fmt(later['amount'].sum())} "
            f"{'is' if n == 1 else 'are'} left out of the scores by rep: who owned "
            f"{'it' if n == 1 else 'them'} on {as_of.date()} is not in the data (the current "
            f"owner received {'it' if n == 1 else 'them'} later{when}, or was hired later)"
        )
    if not parts:
        return None
    return "; ".join(parts) + ". The company's and the teams' figures count them."


def _sentences(*parts: str | None) -> str | None:
    """Sentences one after the other (None left out; None when none is left)."""
    return " ".join(p for p in parts if p) or None


# ---------------------------------------------------------------------------------------
# gaps, definitions, findings


def _gaps(has_history: bool, impact: pd.DataFrame, how_history: str = ADD_HISTORY) -> list[Gap]:
    gaps = []
    if not has_history:
        gaps.append(
            Gap(
                SECTION_PROBLEMS,
                NO_HISTORY,
                "to check for pushed close dates and deals without a stage change, " + how_history,
            )
        )
    if impact.empty:
        gaps.append(
            Gap(
                SECTION_IMPACT,
                "history to measure",
                "each quarter measured needs two complete quarters of data before it; add older "
                "opportunities to the export",
            )
        )
    return gaps


def _definitions(
    names: dict[str, str],
    stale_days: int,
    has_history: bool,
    data: SalesData,
    *,
    cycle_days: float = float("nan"),
    method: str = "Pipeline by stage and age",
    filled: bool = False,
    deal_terms: dict[str, str] | None = None,
) -> dict[str, str]:
    rules = _check_rules(_stale_rule(stale_days, has_history, cycle_days), filled)
    extra = {}
    if filled:
        extra["Amount is"] = (
            "Where a deal's amount comes from: entered in the CRM, or its product's list price, "
            "which the loader fills in where the export has no amount (Maven's open and lost "
            "deals)."
        )
    extra.update(deal_terms or {})
    return pick(
        "Past due",
        **{
            "Open deal": (
                "A deal open on the as-of date, as the latest history snapshot on or before it "
                "shows it (without snapshots: created by then and not closed by then, with the "
                "stage, close date and category the export shows)."
            ),
            **{names[c]: rules[c] for c in hygiene.CHECKS},
            "Hygiene score": (
                "Share of a rep's or team's open deals with no problem, 0 to 100: 50 or below "
                "means a problem on half the open deals or more."
            ),
            "Forecast impact": (
                f"For each quarter measured, the {method} forecast (report 03's pipeline method) "
                f"made at the end of week {IMPACT_WEEK}: each open deal's expected bookings (its "
                "chance times its amount) against what that deal booked in the quarter. The "
                "absolute errors are summed deal by deal, for the deals with a problem on that "
                "date and for the others, and the share is the first sum over both; bookings "
                "from deals created later are left out (no deal carries them)."
            ),
            "Money at stake": "The amount of a rep's open deals with at least one problem.",
            **extra,
        },
    )


def _stale_rule(stale_days: int, has_history: bool, cycle_days: float) -> str:
    """What the stale check means on this data (a stage change, or twice the usual cycle)."""
    if has_history:
        return (
            f"The history snapshots show the same stage and amount for at least {stale_days} "
            "days up to the as-of date: days since the stage or amount last changed, counted "
            "from the snapshot where it changed (or from the first snapshot of the deal)."
        )
    if np.isfinite(cycle_days):
        return (
            "Without history snapshots a stage change cannot be seen, so this checks what the "
            f"data shows: open longer than twice the usual cycle, {2 * cycle_days:,.0f} days "
            f"(the median deal won took {cycle_days:,.0f} days from created to close)."
        )
    return (
        "Without history snapshots a stage change cannot be seen: open longer than twice "
        "the median days from created to close of the deals won."
    )


def _check_rules(stale: str, filled: bool) -> dict[str, str]:
    """Each check's rule, in :data:`~salesops_lib.analysis.hygiene.CHECKS` order."""
    return {
        "past_due_close": (
            "An open deal whose expected close date is before the as-of date: the past due "
            "deals every report counts (the load's data-quality warnings count the same deals "
            "on the data's last date)."
        ),
        "no_close_date": (
            "An open deal without an expected close date: it is in no quarter's pipeline until "
            "one is entered."
        ),
        "no_stage_change": stale,
        "missing_amount": (
            "The CRM shows no amount: the deal counts as $0 in pipeline"
            + (
                ". A product's list price the loader filled in is an amount (the Amount is "
                "column says which), not a missing one."
                if filled
                else "."
            )
        ),
        "missing_account": "The deal is linked to no account.",
        "likely_duplicate": (
            "Another open deal with the same name and account (whoever owns it, whenever it "
            "was created), or of the same rep and account, created within "
            f"{hygiene.DUPLICATE_DAYS} days of it, with the same entered amount (above $0; a "
            "list price the loader filled in does not count) or the same "
            f"or a very similar name (at least {hygiene.NAME_SIMILARITY:.0%} alike once "
            "lower-cased without punctuation), and not of a different product. The same rep and "
            "account alone is not enough: reps often run several deals with one customer."
        ),
        "pushed_repeatedly": "The expected close date moved later two or more times between history snapshots.",
        "probability_mismatch": (
            "A probability more than 25 points from the stage's configured probability (checked "
            "on the data's last date only: the CRM keeps no earlier probabilities)."
        ),
        "category_mismatch": (
            "Commit in the first half of the open stages, Closed on an open deal, or Omitted in "
            "the last open stage."
        ),
    }


def departed_findings(fix: pd.DataFrame, fmt: MoneyFormat) -> list[Finding]:
    """The finding of the fix list's deals whose owner had left: they wait for a new owner.

    Parameters
    ----------
    fix
        :func:`fix_list`'s deals (``owner_left``, ``amount``).
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    list of Finding
        One finding (ranked by the deals' amount), none when no owner had left.
    """
    if "owner_left" not in fix:
        return []
    gone = fix[fix["owner_left"].notna().to_numpy()]
    if gone.empty:
        return []
    n, amount = len(gone), float(gone["amount"].sum())
    return [
        Finding(
            f"{count(n, 'open deal')} worth {bold(fmt(amount))} "
            f"{'waits' if n == 1 else 'wait'} for a new owner: "
            f"{'its owner' if n == 1 else 'their owners'} had left.",
            amount,
            SECTION_FIX,
        )
    ]


def _findings(audited: hygiene.Audit, names: dict[str, str], fmt: MoneyFormat) -> list[Finding]:
    out = []
    problems = audited.problems
    filled = audited.open_deals.get("amount_filled")
    listed = (
        set(audited.open_deals.loc[filled.to_numpy(dtype=bool), "opp_id"])
        if filled is not None and len(problems)
        else set()
    )
    for check, g in problems.groupby("check"):
        amount = float(g["amount"].sum())
        n = g["opp_id"].nunique()
        if check == "missing_amount":
            priced = g[g["opp_id"].isin(listed)]
            text = f"{count(n, 'open deal')} {'has' if n == 1 else 'have'} no amount in the CRM" + (
                f" ({fmt(priced['amount'].sum())} counted at their product's list price)."
                if len(priced)
                else "."
            )
        else:
            money = worth_text(g["amount"], g["opp_id"].isin(listed).to_numpy(), fmt)
            text = f"{count(n, 'open deal')} {money}: {str(names[str(check)]).lower()}."
        out.append(Finding(text, amount, SECTION_PROBLEMS))
    return sorted(out, key=lambda f: -f.at_stake)
