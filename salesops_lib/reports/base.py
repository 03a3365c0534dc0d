"""What every report result is made of: the period, tiles, findings, gaps, the header.

A report builder (``build(data, *, quarter, as_of, team, ...)`` in each module of this
package) returns a frozen dataclass of these pieces, frames and sentences. Sentences are
plain text in which ``**...**`` marks what a reader should see first; the notebook's
display helpers escape everything and turn the marks into bold. A sentence with nothing
true to say is ``None`` and is not shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib import schema
from salesops_lib.analysis.kpis import UNASSIGNED
from salesops_lib.data import SalesData
from salesops_lib.errors import ConfigError
from salesops_lib.format import money as _money
from salesops_lib.reports.tables import Column, Table, TableSpec


@dataclass(frozen=True)
class Period:
    """The quarter a report is about and what is known.

    Attributes
    ----------
    quarter
        Fiscal quarter label, e.g. ``2026Q3``.
    start, end
        Its first and last day.
    as_of
        The date whose knowledge the report uses (on or before ``end``).
    """

    quarter: str
    start: pd.Timestamp
    end: pd.Timestamp
    as_of: pd.Timestamp

    @property
    def running(self) -> bool:
        """True when ``as_of`` is before the quarter's last day (quarter to date)."""
        return self.as_of < self.end

    @property
    def status(self) -> str:
        """``quarter to date`` or ``final``."""
        return "quarter to date" if self.running else "final"

    @property
    def day(self) -> int:
        """Days of the quarter elapsed by ``as_of`` (1 on its first day)."""
        return int((min(self.as_of, self.end) - self.start).days) + 1


def period_of(
    data: SalesData,
    quarter: str | None = None,
    as_of: object | None = None,
    *,
    week: int | None = None,
) -> Period:
    """The period a report covers, from its parameters.

    Parameters
    ----------
    data
        The data set (its calendar and date range).
    quarter
        Fiscal quarter label in any form a person types (``2026Q3``, ``2026-Q3``,
        ``Q3 2026``, ``FY2026Q3``); blank or None: the latest complete quarter in the data.
    as_of
        A date inside the quarter; blank or None: the quarter's end, or the data's last date
        while the quarter is still running.
    week
        Instead of ``as_of``: whole weeks into the quarter (:func:`week_as_of`); None: none.

    Returns
    -------
    Period

    Raises
    ------
    ConfigError
        For a label that is not a quarter, a quarter outside the data, an as-of date that
        is not a date or falls outside the quarter, a week outside the quarter, or both an
        as-of date and a week (the message says what is allowed).
    """
    if week is not None:
        if as_of is not None and str(as_of).strip():
            raise ConfigError(f"give as_of ({as_of}) or week ({week}), not both")
        as_of = week_as_of(data, quarter, week)
    q = data.quarter_label(None if quarter is None else str(quarter))
    start, end = data.calendar.bounds(q)
    return Period(q, start, end, data.as_of_in(q, as_of))


def week_as_of(data: SalesData, quarter: str | None, week: int) -> pd.Timestamp:
    """The as-of date of week ``week`` of a quarter: its first day + 7 × week, at most its last.

    Parameters
    ----------
    data
        The data set (its calendar).
    quarter
        Fiscal quarter label in any form a person types; blank or None: the latest complete
        quarter in the data.
    week
        Whole weeks into the quarter: 0 is its first day; from the quarter's length in
        weeks (rounded up) on, its last day.

    Returns
    -------
    Timestamp
        The date, inside the quarter.

    Raises
    ------
    ConfigError
        For a week that is not a whole number from 0 to the quarter's weeks (rounded up).

    Examples
    --------
    >>> week_as_of(data, "2026Q3", 6)  # doctest: +SKIP
    Timestamp('2026-08-12 00:00:00')
    """
    q = data.quarter_label(None if quarter is None else str(quarter))
    start, end = data.calendar.bounds(q)
    weeks = -(-((end - start).days + 1) // 7)
    if isinstance(week, bool) or not isinstance(week, (int, np.integer)) or not 0 <= week <= weeks:
        raise ConfigError(
            f"week {week!r}: give a whole number of weeks into {q}, from 0 (its first day, "
            f"{start.date()}) to {weeks} (its last day, {end.date()})"
        )
    return min(start + pd.Timedelta(days=7 * int(week)), end)


@dataclass(frozen=True)
class Tile:
    """A headline figure: label, value as shown, and a line of detail."""

    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class Finding:
    """A conclusion worth a manager's attention, with the money it concerns.

    Attributes
    ----------
    text
        The sentence (``**`` marks emphasis).
    at_stake
        The amount it concerns (for ranking findings across reports); 0 when none.
    section
        The report section it comes from.
    """

    text: str
    at_stake: float = 0.0
    section: str = ""


@dataclass(frozen=True)
class Gap:
    """A section that cannot be shown: what is missing and how to add it.

    Attributes
    ----------
    section
        The section (its question).
    missing
        What the data lacks, in a manager's words ("quotas").
    how
        How to add it, in plain words ("add a quotas file (each rep's quota by quarter)");
        the exact file and column names are in the README, never in a report.
    """

    section: str
    missing: str
    how: str

    @property
    def sentence(self) -> str:
        """One line for the report."""
        return f"This needs {self.missing}, which the data does not have: {self.how}."


STATUS_MIME = "application/vnd.salesops.status+json"
"""The output type by which a report notebook tells the quarterly run its status (never shown)."""

NO_QUOTAS = "quotas"
NO_HISTORY = "history snapshots"
README_DATA = "README, 'Point it at your own CRM export'"
"""The README section that says how to add a table to the data."""
ADD_QUOTAS = f"add a quotas file (each rep's quota for each quarter; {README_DATA})"
ADD_HISTORY = (
    "add weekly snapshots of the open deals as a history file (each deal's stage, amount and "
    f"close date on each snapshot day; {README_DATA})"
)
"""How to add history snapshots to any data (:func:`add_history` names the CRM's own export)."""


def add_history(data: SalesData) -> str:
    """How to add history snapshots, in the words of the CRM the data comes from.

    Salesforce's standard stages: its OpportunityHistory export, which the ``salesforce``
    preset reads; HubSpot's default deal stages: the deals' property history, saved as a
    history file (the ``hubspot`` preset reads no history export); anything else: weekly
    snapshots as a history file (:data:`ADD_HISTORY`). File and column names stay in the
    README: a report says what to add in a manager's words.

    Parameters
    ----------
    data
        The data set (its ``stages`` tell the CRM).

    Returns
    -------
    str
        The "how" of a history gap (:class:`Gap`).
    """
    from salesops_lib.data.presets import HUBSPOT, SALESFORCE

    names = tuple(s.name for s in data.stages)
    if names and names == tuple(s.name for s in SALESFORCE.stages):
        return (
            "add Salesforce's Opportunity History export beside the Opportunity export "
            f"({README_DATA})"
        )
    if names and names == tuple(s.name for s in HUBSPOT.stages):
        return (
            "export the deals' property history of Deal stage, Amount and Close date from HubSpot "
            f"and save it as a history file ({README_DATA})"
        )
    return ADD_HISTORY


def status_of(gaps: Iterable[Gap]) -> str:
    """``Ready``, or ``Partial: no quotas, no history snapshots`` when sections lack data.

    Parameters
    ----------
    gaps
        Every gap of a report; each missing thing is named once, in order.

    Returns
    -------
    str

    Examples
    --------
    >>> status_of([]), status_of([Gap("Pace", NO_QUOTAS, ADD_QUOTAS), Gap("Trend", NO_QUOTAS, ADD_QUOTAS)])
    ('Ready', 'Partial: no quotas')
    """
    missing = list(dict.fromkeys(g.missing for g in gaps))
    return "Ready" if not missing else "Partial: no " + ", no ".join(missing)


class HasGaps:
    """A report's result whose status follows from its ``gaps``.

    Every report builder's result dataclass derives from it, so ``status`` is defined once.
    """

    gaps: list[Gap]

    @property
    def status(self) -> str:
        """``Ready``, or ``Partial: ...`` naming what the data lacks."""
        return status_of(self.gaps)


WARNINGS_SPEC = TableSpec(
    (
        Column("table", "Table"),
        Column("column", "Column"),
        Column("message", "What the data shows"),
        Column("ids", "First examples"),
    ),
    max_rows=50,
)


@dataclass(frozen=True)
class Header:
    """The opening of every report: scope, period and the data's warnings.

    Attributes
    ----------
    scope
        The sentence naming scope, quarter, dates and as-of date.
    period
        The period.
    team
        The team the report is narrowed to (None: the whole company).
    warnings
        Every non-blocking data-quality problem of the data set (shown collapsed).
    warnings_summary
        One line saying how many there are (None: none).
    caveat
        What the figures count, as known on the as-of date (:func:`basis_sentence`): with
        history snapshots, the deals as they stood then; without, the stages, amounts and
        close dates the export shows on its last date (None: nothing to say).
    """

    scope: str
    period: Period
    team: str | None
    warnings: Table
    warnings_summary: str | None
    caveat: str | None = None


def header(data: SalesData, period: Period, team: str | None) -> Header:
    """The header of a report on ``data`` (the whole company's data: warnings are the data set's).

    Parameters
    ----------
    data
        The company's data set.
    period
        The report's period.
    team
        The team the report is narrowed to, or None.

    Returns
    -------
    Header
    """
    who = "the whole company" if not team else f"team {team}"
    scope = (
        f"Scope: **{who}**, fiscal quarter **{period.quarter}** ({period.start.date()} to "
        f"{period.end.date()}), data as of **{period.as_of.date()}** ({period.status})."
    )
    w = dated_warnings(data.warnings, data.last_date)
    frame = w[schema.WARNINGS_COLUMNS].copy() if len(w) else w
    summary = None
    if len(w):
        frame["table"] = frame["table"].map(lambda t: TABLE_WORDS.get(t, t))
        frame["column"] = frame["column"].map(column_words)
        summary = warnings_summary(len(w), period.as_of, data.last_date)
    table = Table(frame, WARNINGS_SPEC, "Data-quality warnings")
    return Header(scope, period, team, table, summary, basis_sentence(data, period.as_of))


def warnings_summary(n: int, as_of: pd.Timestamp, last_date: pd.Timestamp) -> str | None:
    """The one line over the collapsed warnings: how many, and on which date they count.

    Parameters
    ----------
    n
        How many warnings the data has.
    as_of
        The report's as-of date.
    last_date
        The data's last date (the load's checks count what the export shows on it).

    Returns
    -------
    str or None
        The line; None without warnings.

    Examples
    --------
    >>> warnings_summary(1, pd.Timestamp("2026-11-13"), pd.Timestamp("2026-11-13"))
    'The data has 1 data-quality warning that does not stop the analysis; it counts what the data shows on its last date (2026-11-13). The data-quality report says which figures it affects.'
    """
    if n <= 0:
        return None
    last = last_date.normalize()
    one = n == 1
    text = (
        f"The data has {count(n, 'data-quality warning')} that {'does' if one else 'do'} not "
        f"stop the analysis; {'it counts' if one else 'they count'} what the data shows on its "
        f"last date ({last.date()})"
    )
    if as_of.normalize() < last:
        text += f", not on the as-of date ({as_of.date()}) like this report's figures"
    return (
        text
        + f". The data-quality report says which figures {'it affects' if one else 'each one affects'}."
    )


_OPEN_COUNT = re.compile(r"^(\d[\d,]*) open deals?\b")
_LAST_DATE_NOTE = re.compile(r"\s*\(\d{4}-\d{2}-\d{2} is the data's last date\)")


def dated_warnings(warnings: pd.DataFrame, last_date: pd.Timestamp) -> pd.DataFrame:
    """The load's warnings with the date each count of open deals is taken on.

    A warning counting open deals (``31 open deals without an amount``) counts them on the
    data's last date, which can differ from a report's as-of date; its message then starts
    ``On 2026-11-13, the data's last date:``. Other warnings (a blank account, a missing rep)
    are about the record, not a date, and stay as they are.

    Parameters
    ----------
    warnings
        :attr:`SalesData.warnings <salesops_lib.data.SalesData.warnings>` (``message``).
    last_date
        The data's last date.

    Returns
    -------
    DataFrame
        A new frame, messages reworded.

    Examples
    --------
    >>> w = pd.DataFrame({"message": ["3 open deals without an amount", "2 deals with a blank account"]})
    >>> dated_warnings(w, pd.Timestamp("2026-11-13"))["message"].tolist()
    ["On 2026-11-13, the data's last date: 3 open deals without an amount", '2 deals with a blank account']
    """
    out = warnings.copy()
    if out.empty or "message" not in out:
        return out
    lead = f"On {pd.Timestamp(last_date).date()}, the data's last date: "

    def reword(message: object) -> object:
        text = str(message)
        if not _OPEN_COUNT.match(text) or text.startswith("On "):
            return message
        return lead + _LAST_DATE_NOTE.sub("", text)

    out["message"] = out["message"].map(reword)
    return out


def basis_sentence(data: SalesData, as_of: pd.Timestamp) -> str | None:
    """What every figure of a report counts, as known on ``as_of`` (one true wording).

    With history snapshots: the deals as the latest snapshot on or before ``as_of`` showed
    them (and deals created after it as the export shows them now). Without snapshots, on
    a date before the data's last: stages, amounts and close dates as the export shows them
    on its last date, not as they stood on ``as_of``. On the data's last date itself the
    export is what was known.

    Parameters
    ----------
    data
        The data set (its history, opportunities and last date).
    as_of
        The report's as-of date.

    Returns
    -------
    str
        The sentence.

    Examples
    --------
    >>> basis_sentence(data, pd.Timestamp("2026-09-30"))  # doctest: +SKIP
    'Every figure counts the deals as they stood on 2026-09-30: ...'
    """
    day = pd.Timestamp(as_of).normalize()
    last = data.last_date.normalize()
    has_history = data.history is not None and not data.history.empty
    snap = None
    if has_history:
        from salesops_lib.timeline import snapshot_date_on

        snap = snapshot_date_on(data, day)
    if snap is not None:
        created = data.opportunities["created_date"]
        late = bool(((created > snap) & (created <= day)).any())
        text = (
            f"Deals are counted as they stood on {day.date()}: open ones as the history "
            f"snapshot of {snap.date()} showed them"
        )
        if late:
            text += " (deals created after it as the export shows them now)"
        return text + f", and only those closed by {day.date()} as closed."
    if day >= last:
        return (
            f"Deals are counted as the export shows them on {day.date()}, its last date and "
            "the as-of date."
        )
    why = (
        f"the data's first history snapshot is after {day.date()}"
        if has_history
        else "the data has no history snapshots"
    )
    return (
        f"Stages, amounts and expected close dates are as the export shows them now (on "
        f"{last.date()}, its last date), not as they stood on {day.date()}: {why}. Bookings "
        f"and closed deals count only what closed by {day.date()}, and deals that closed "
        "after it are marked as such."
    )


TABLE_WORDS = {
    "opportunities": "Deals",
    "reps": "Reps",
    "accounts": "Accounts",
    "history": "History snapshots",
    "quotas": "Quotas",
    "activities": "Activities",
}
_COLUMN_WORDS = {
    "opp_id": "Deal",
    "rep_id": "Rep",
    "account_id": "Account",
    "opp_name": "Deal name",
}


def column_words(column: object) -> str:
    """A canonical column in words: ``close_date`` -> ``Close date``, ``account_id`` -> ``Account``.

    Parameters
    ----------
    column
        A canonical column name (blank: about no one column).

    Returns
    -------
    str
    """
    name = "" if column is None or column != column else str(column)
    return _COLUMN_WORDS.get(name, name.replace("_", " ").capitalize())


NO_LOST_DEALS = "no lost deals in the data"
"""What a win-rate column's label adds when the data holds no lost deal (see
:func:`no_lost_deals_sentence`)."""


def no_lost_deals_sentence(opps: pd.DataFrame) -> str | None:
    """Say that a 100% win rate comes from data without lost deals, not from winning.

    An order history or a won-only export holds closed deals of which none is lost: every
    win rate computed from it reads 100%, which is a fact about the export, not a finding.

    Parameters
    ----------
    opps
        The data's opportunities (``is_closed, is_won``), all of them (not one quarter's).

    Returns
    -------
    str or None
        ``No lost deals in the data, every closed deal won: the 100% win rate is not a
        finding.`` (true on any as-of date, so no count); None when a deal is lost or none
        is closed.

    Examples
    --------
    >>> opps = pd.DataFrame({"is_closed": [True, True, False], "is_won": [True, True, False]})
    >>> no_lost_deals_sentence(opps)
    'No lost deals in the data, every closed deal won: the 100% win rate is not a finding.'
    """
    if not {"is_closed", "is_won"} <= set(opps):
        return None
    closed = opps["is_closed"].fillna(False).to_numpy(dtype=bool)
    won = opps["is_won"].fillna(False).to_numpy(dtype=bool)
    if not closed.any() or (closed & ~won).any():
        return None
    return (
        f"{NO_LOST_DEALS.capitalize()}, every closed deal won: the 100% win rate is not a finding."
    )


def team_or_company(data: SalesData, team: str | None) -> SalesData:
    """The data narrowed to ``team`` (blank or None: the whole company).

    Parameters
    ----------
    data
        The company's data set.
    team
        A value of the reps' ``team`` column, or None or blank.

    Returns
    -------
    SalesData

    Raises
    ------
    ConfigError
        When no rep belongs to the team (:meth:`SalesData.for_team`).
    """
    return data.for_team((team or "").strip() or None)


# ---------------------------------------------------------------------------------------
# words

MoneyFormat = Callable[[object], str]
"""A money formatter of one currency, as :func:`money_in` makes it: ``fmt(1_234_567) == "$1.2M"``."""


def quarter_span(quarters: list[str] | tuple[str, ...]) -> str:
    """The quarters a figure covers in words: ``2025Q4–2026Q3``, or the one quarter.

    Parameters
    ----------
    quarters
        Quarter labels, oldest first (at least one).

    Returns
    -------
    str

    Examples
    --------
    >>> quarter_span(["2025Q4", "2026Q1", "2026Q2"]), quarter_span(("2026Q3",))
    ('2025Q4–2026Q2', '2026Q3')
    """
    return f"{quarters[0]}–{quarters[-1]}" if len(quarters) > 1 else str(quarters[0])


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 deal``, ``2,345 deals``.

    Parameters
    ----------
    n
        The number.
    noun
        The singular.
    plural
        The plural when it is not ``noun + "s"``.

    Returns
    -------
    str

    Examples
    --------
    >>> count(1, "deal"), count(2345, "deal"), count(2, "opportunity", "opportunities")
    ('1 deal', '2,345 deals', '2 opportunities')
    """
    word = noun if n == 1 else (plural or noun + "s")
    return f"{n:,} {word}"


def bold(text: object) -> str:
    """``text`` marked to be shown in bold.

    Parameters
    ----------
    text
        Anything; shown as ``str(text)``.

    Returns
    -------
    str
        ``**text**`` (the notebook's display helpers turn the marks into bold).

    Examples
    --------
    >>> bold("$1.2M")
    '**$1.2M**'
    """
    return f"**{text}**"


def money_in(currency: str) -> MoneyFormat:
    """A money formatter for one currency (``$1.2M``).

    Parameters
    ----------
    currency
        ISO code of the amounts.

    Returns
    -------
    MoneyFormat
        ``fmt(x) -> str``: :func:`salesops_lib.format.money` of ``x`` in ``currency``.

    Examples
    --------
    >>> money_in("EUR")(1_234_567)
    '€1.2M'
    """

    def fmt(x: object) -> str:
        return _money(x, currency)

    return fmt


def signed_money(x: float, fmt: MoneyFormat) -> str:
    """A change of money with its sign and a true minus: ``+$4.0M``, ``−$1.2M``, ``$0``.

    An amount that rounds to zero has no sign.

    Parameters
    ----------
    x
        The change.
    fmt
        Money formatter (:func:`money_in`).

    Returns
    -------
    str

    Examples
    --------
    >>> signed_money(-1_200_000, money_in("USD")), signed_money(0.2, money_in("USD"))
    ('−$1.2M', '$0')
    """
    text = fmt(abs(x))
    if text.lstrip("$€£¥") in ("0", "0.0"):
        return text
    return ("+" if x > 0 else "−") + text


def listing(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``.

    Parameters
    ----------
    items
        The words, in order.

    Returns
    -------
    str
        Empty for no items.

    Examples
    --------
    >>> listing(["East", "West", "North"])
    'East, West and North'
    """
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def no_teams(frame: pd.DataFrame, col: str = "team") -> bool:
    """Whether a by-team frame names no team: no row, or only the unassigned deals' row.

    Parameters
    ----------
    frame
        A figure by team (``col``).
    col
        The column naming the team.

    Returns
    -------
    bool

    Examples
    --------
    >>> no_teams(pd.DataFrame({"team": ["(unassigned)"]})), no_teams(pd.DataFrame({"team": ["A"]}))
    (True, False)
    """
    if col not in frame or frame.empty:
        return True
    return bool((frame[col].astype(str) == UNASSIGNED).all())


def no_teams_sentence(what: str) -> str:
    """The one line a report says in place of a by-team table when the export has no teams.

    Parameters
    ----------
    what
        What is shown for the company only (``coverage is``).

    Returns
    -------
    str

    Examples
    --------
    >>> no_teams_sentence("coverage is")
    "The export has no teams, so coverage is shown for the company only: add a reps file with each rep's team (README, 'Point it at your own CRM export') to see it by team."
    """
    return (
        f"The export has no teams, so {what} shown for the company only: add a reps file "
        f"with each rep's team ({README_DATA}) to see it by team."
    )


def reps_from_owners(data: SalesData) -> bool:
    """Whether the data has no reps table: its reps are the deals' owners (HubSpot).

    Parameters
    ----------
    data
        The data set (its warnings: the load says when it derived the reps).

    Returns
    -------
    bool
    """
    from salesops_lib.data.load import NO_REPS_TABLE

    return _warned(data, NO_REPS_TABLE)


def hired_when_user_created(data: SalesData) -> bool:
    """Whether the reps' hire dates are the days their Salesforce users were created.

    Parameters
    ----------
    data
        The data set (its warnings: the Salesforce preset says when it took User.CreatedDate).

    Returns
    -------
    bool
    """
    from salesops_lib.data.presets import HIRE_FROM_USER_CREATED

    return _warned(data, HIRE_FROM_USER_CREATED)


def _warned(data: SalesData, opening: str) -> bool:
    """Whether a load warning of the data begins with ``opening``."""
    w = data.warnings
    if w is None or w.empty or "message" not in w:
        return False
    return bool(w["message"].astype("str").str.startswith(opening).any())
