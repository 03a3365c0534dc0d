"""Report 08, territory design: are territories fair, and what is the least disruptive fix?

Balance today per territory and per rep (potential, workload, bookings, each a share of the
team's average territory), the proposed realignment of accounts that brings every
territory inside the band while moving as few accounts as possible
(:func:`salesops_lib.analysis.territory.realign`), the trade-off between balance and moves,
scenarios side by side, and the list of moves handed out per manager.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from salesops_lib.analysis import territory as terr
from salesops_lib.data import SalesData
from salesops_lib.reports.base import (
    Finding,
    Gap,
    HasGaps,
    Header,
    Period,
    Tile,
    count,
    header,
    money_in,
    period_of,
    team_or_company,
)
from salesops_lib.reports.tables import Column, Table, TableSpec

SECTION_BALANCE = "Are territories balanced today?"
SECTION_FIX = "What is the least disruptive fix?"
SECTION_CURVE = "How much balance does each move buy?"
SECTION_SCENARIOS = "Scenarios side by side"
SECTION_MOVES = "Which accounts move?"
SECTIONS = (SECTION_BALANCE, SECTION_FIX, SECTION_CURVE, SECTION_SCENARIOS, SECTION_MOVES)
MOVES_FILE = "08_territory_design_moves"
"""Stem of the moves handout (CSV, and Excel with one sheet per manager) beside the report."""
LOCK_WORDS = {
    "late-stage open deal": "with a late-stage open deal",
    "open deal closing soon": f"with an open deal expected to close within {terr.CLOSING_DAYS} days",
    "recently reassigned deal": f"with a deal reassigned in the last {terr.RECENT_DAYS} days",
    "named account": "named in the settings",
}
CHART_ROWS = 60
"""The balance chart shows at most this many territories (those furthest from average)."""

_SHARES = (
    Column("potential_share", "Potential vs average", "pct"),
    Column("accounts_share", "Accounts vs average", "pct"),
    Column("open_deals_share", "Open deals vs average", "pct"),
    Column("activities_share", "Activities vs average", "pct"),
    Column("bookings_share", "Bookings vs average", "pct"),
)
_FIGURES = (
    Column("accounts", "Accounts", "int"),
    Column("open_deals", "Open deals", "int"),
    Column("activities", "Activities (12 months)", "int"),
    Column("bookings", "Bookings (12 months)", "money"),
    Column("potential", "Potential", "money"),
)
TERRITORY_SPEC = TableSpec(
    (
        Column("territory", "Territory"),
        Column("rep_name", "Rep"),
        Column("manager", "Manager"),
        *_FIGURES,
        *_SHARES,
        Column("proposed_share", "Potential after the moves", "pct"),
    ),
    max_rows=40,
    ends=True,
)
REP_SPEC = TableSpec(
    (Column("rep_name", "Rep"), Column("manager", "Manager"), *_FIGURES, *_SHARES),
    max_rows=30,
    ends=True,
)
MOVES_SPEC = TableSpec(
    (
        Column("account_name", "Account"),
        Column("territory", "From territory"),
        Column("rep_name", "From rep"),
        Column("proposed", "To territory"),
        Column("to_rep", "To rep"),
        Column("manager", "Manager"),
        Column("potential", "Potential", "money"),
        Column("open_deals", "Open deals", "int"),
        Column("open_pipeline", "Open deal value", "money"),
        Column("bookings", "Bookings (12 months)", "money"),
    ),
    max_rows=30,
)
CURVE_SPEC = TableSpec(
    (
        Column("band", "Every territory within", "pct"),
        Column("accounts_moved", "Accounts moved", "int"),
        Column("pipeline_moved", "Open deal value moved", "money"),
        Column("outside", "Territories still outside", "int"),
    )
)
SCENARIO_SPEC = TableSpec(
    (
        Column("scenario", "Scenario"),
        Column("band", "Band", "pct"),
        Column("outside", "Territories outside the band", "int"),
        Column("widest", "Widest gap to average", "pct"),
        Column("accounts_moved", "Accounts moved", "int"),
        Column("pipeline_moved", "Open deal value moved", "money"),
    )
)


@dataclass(frozen=True)
class TerritoryDesign(HasGaps):
    """Everything report 08 shows (see :func:`build`)."""

    header: Header
    period: Period
    gaps: list[Gap]
    rules: terr.Rules
    basis_sentence: str | None
    tiles: list[Tile]
    book: pd.DataFrame
    """One row per account: territory today, ``proposed``, ``greedy``, figures and lock."""
    territories: Table
    reps: Table
    balance_sentence: str | None
    balance_chart: pd.DataFrame
    balance_title: str
    fix_sentence: str | None
    curve: Table
    curve_sentence: str | None
    scenarios: Table
    moves: Table
    moves_sentence: str | None
    moves_file: str
    moves_file_sentence: str | None
    definitions: dict[str, str]
    findings: list[Finding]
    currency: str


def build(
    data: SalesData,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
    config: Mapping[str, Any] | None = None,
) -> TerritoryDesign:
    """Build report 08: territory balance today and the least disruptive realignment.

    Parameters
    ----------
    data
        The company's data set (``accounts`` needed; their territory, segment and revenue).
    quarter
        Fiscal quarter; None: the latest complete quarter.
    as_of
        What is known (open deals on it; bookings and activities of the 12 months to it);
        None: the quarter's end, or the data's last date mid-quarter.
    team
        Narrow the report to one team; None: the whole company.
    config
        The config; its ``[territory]`` section (:func:`~salesops_lib.analysis.territory.rules_from_config`).

    Returns
    -------
    TerritoryDesign

    Raises
    ------
    ConfigError
        For a quarter outside the data, an as-of date outside the quarter, a team no rep
        belongs to, or a ``[territory]`` value out of range.

    Examples
    --------
    >>> r = build(load_dataset("data/demo"), quarter="2026Q3")  # doctest: +SKIP
    >>> r.moves.frame.head()  # doctest: +SKIP
    """
    period = period_of(data, quarter, as_of)
    rules = terr.rules_from_config(config)
    d = team_or_company(data, team)
    book, basis = terr.account_book(
        d,
        as_of=period.as_of,
        locked_accounts=rules.locked_accounts,
        allow_cross_region=rules.allow_cross_region,
    )
    gaps = _gaps(d, book)
    if gaps:
        return _empty(data, d, period, team, rules, gaps)
    fix = terr.realign(book, band=rules.band, time_limit=rules.time_limit)
    alt = terr.realign(book, band=rules.alternative_band, time_limit=rules.time_limit)
    book = book.assign(proposed=fix.proposed, alternative=alt.proposed)
    book = book.assign(greedy=terr.greedy_realign(book))
    curve = terr.tradeoff(
        book,
        bands=terr.curve_bands(book, rules),
        time_limit=rules.time_limit,
        solved={rules.band: fix, rules.alternative_band: alt},
    )
    return _result(data, d, period, team, rules, book, basis, fix, curve)


def _gaps(d: SalesData, book: pd.DataFrame) -> list[Gap]:
    """Every section's gap when the data has no accounts with a territory or an owner."""
    if d.accounts is None or len(d.accounts) == 0:
        missing, how = (
            "accounts",
            "add an accounts file (each account's territory, segment and revenue)",
        )
    elif len(book) == 0 or book["potential"].sum() <= 0:
        missing = "accounts with a territory and won deals"
        how = "give each account its territory, or its deals an account, and load the won deals"
    else:
        return []
    return [Gap(s, missing, how) for s in SECTIONS]


def _empty(
    data: SalesData,
    d: SalesData,
    period: Period,
    team: str | None,
    rules: terr.Rules,
    gaps: list[Gap],
) -> TerritoryDesign:
    """The report when the data cannot show territories: each section's gap line only."""
    none = pd.DataFrame()
    return TerritoryDesign(
        header=header(data, period, team),
        period=period,
        gaps=gaps,
        rules=rules,
        basis_sentence=None,
        tiles=[],
        book=none,
        territories=Table(none, TERRITORY_SPEC, "", d.currency),
        reps=Table(none, REP_SPEC, "", d.currency),
        balance_sentence=None,
        balance_chart=none,
        balance_title="",
        fix_sentence=None,
        curve=Table(none, CURVE_SPEC, "", d.currency),
        curve_sentence=None,
        scenarios=Table(none, SCENARIO_SPEC, "", d.currency),
        moves=Table(none, MOVES_SPEC, "", d.currency),
        moves_sentence=None,
        moves_file=MOVES_FILE,
        moves_file_sentence=None,
        definitions=definitions(
            rules, has_activities=d.activities is not None, lock_rule=terr.lock_rule(d)
        ),
        findings=[],
        currency=d.currency,
    )


def _result(
    data: SalesData,
    d: SalesData,
    period: Period,
    team: str | None,
    rules: terr.Rules,
    book: pd.DataFrame,
    basis: str,
    fix: terr.Realignment,
    curve: pd.DataFrame,
) -> TerritoryDesign:
    """The report's tables, chart and sentences from the solved book."""
    fmt = money_in(d.currency)
    today = terr.balance(book, band=rules.band)
    after = terr.balance(book, band=rules.band, territory="proposed")
    today = today.assign(
        proposed_share=today["territory"].map(after.set_index("territory")["potential_share"])
    )
    scen = scenarios(book, rules)
    moved = book[book["proposed"] != book["territory"]]
    moves = moves_frame(book)
    has_act = d.activities is not None
    spec = (
        TERRITORY_SPEC
        if has_act
        else TERRITORY_SPEC.only(c.key for c in TERRITORY_SPEC.columns if "activit" not in c.key)
    )
    rep_spec = (
        REP_SPEC
        if has_act
        else REP_SPEC.only(c.key for c in REP_SPEC.columns if "activit" not in c.key)
    )
    reps = terr.balance(book, by="rep_id", band=rules.band)
    greedy_moves = int((book["greedy"] != book["territory"]).sum())
    text = fix_sentence(
        outside_before=int(today["outside"].sum()),
        outside_after=int(after["outside"].sum()),
        territories=len(today),
        moved=len(moved),
        pipeline=float(moved["open_pipeline"].sum()),
        greedy_moves=greedy_moves,
        locked=int((book["lock"] != "").sum()),
        band=rules.band,
        proven=fix.proven,
        fmt=fmt,
    )
    chart = today.assign(gap=(today["potential_share"] - 1).abs()).nlargest(CHART_ROWS, "gap")
    chart = chart.sort_values(["group", "territory"])
    return TerritoryDesign(
        header=header(data, period, team),
        period=period,
        gaps=[],
        rules=rules,
        basis_sentence=basis_sentence(basis, book, has_activities=has_act),
        tiles=_tiles(today, after, moved, greedy_moves, rules.band, fmt),
        book=book,
        territories=Table(today, spec, f"Territories on {period.as_of.date()}", d.currency),
        reps=Table(reps, rep_spec, f"Reps on {period.as_of.date()}", d.currency),
        balance_sentence=balance_sentence(today, rules.band),
        balance_chart=chart,
        balance_title=balance_title(today, rules.band),
        fix_sentence=text,
        curve=Table(curve, CURVE_SPEC, "Fewest moves for each band", d.currency),
        curve_sentence=curve_sentence(curve, rules.band),
        scenarios=Table(scen, SCENARIO_SPEC, "Scenarios", d.currency),
        moves=Table(moves, MOVES_SPEC, "Proposed account moves", d.currency),
        moves_sentence="The proposal moves no account, so there is no list to hand out."
        if moves.empty
        else f"The {count(len(moves), 'proposed move')}, by manager:",
        moves_file=MOVES_FILE,
        moves_file_sentence=None if moves.empty else "The proposed moves, one sheet per manager",
        definitions=definitions(rules, has_activities=has_act, lock_rule=terr.lock_rule(d)),
        findings=_findings(today, int(after["outside"].sum()), moved, rules.band),
        currency=d.currency,
    )


def scenarios(book: pd.DataFrame, rules: terr.Rules) -> pd.DataFrame:
    """As-is, proposed, the alternative band and the greedy re-deal, side by side.

    Parameters
    ----------
    book
        The account book with ``proposed``, ``alternative`` and ``greedy`` territories.
    rules
        The bands (``band``, ``alternative_band``).

    Returns
    -------
    DataFrame
        ``scenario, band, outside, widest, accounts_moved, pipeline_moved``: territories
        outside each scenario's band, the widest gap of a territory's potential to its
        team's average, the accounts and open deal value moved.
    """
    rows = []
    for name, col, band in (
        ("As is", "territory", rules.band),
        (f"Proposed: every territory within ±{rules.band:.0%}", "proposed", rules.band),
        (
            f"Alternative: within ±{rules.alternative_band:.0%}",
            "alternative",
            rules.alternative_band,
        ),
        ("Greedy re-deal (ignores disruption)", "greedy", rules.band),
    ):
        b = terr.balance(book, band=band, territory=col)
        moved = book[col] != book["territory"]
        rows.append(
            {
                "scenario": name,
                "band": band,
                "outside": int(b["outside"].sum()),
                "widest": float((b["potential_share"] - 1).abs().max()),
                "accounts_moved": int(moved.sum()),
                "pipeline_moved": float(book.loc[moved, "open_pipeline"].sum()),
            }
        )
    return pd.DataFrame(rows)


def moves_frame(book: pd.DataFrame) -> pd.DataFrame:
    """The proposed moves, one row per account, with the rep it goes to, by manager.

    Parameters
    ----------
    book
        The account book with ``proposed``.

    Returns
    -------
    DataFrame
        The moved accounts' rows with ``to_rep`` (the new territory's rep), sorted by
        manager, from territory and account.
    """
    reps = book.drop_duplicates("territory").set_index("territory")["rep_name"]
    moved = book[book["proposed"] != book["territory"]]
    out = moved.assign(to_rep=moved["proposed"].map(reps).fillna("(vacant)"))
    out = out.assign(rep_name=out["rep_name"].fillna("(vacant)"))
    return out.sort_values(["manager", "territory", "account_name"]).reset_index(drop=True)


def basis_sentence(basis: str, book: pd.DataFrame, *, has_activities: bool) -> str:
    """How territories and potential are read from the data, in one paragraph.

    Parameters
    ----------
    basis
        ``territory`` (the accounts' territory) or ``owner`` (the rep with most deals).
    book
        The account book (its ``lock`` reasons are counted).
    has_activities
        Whether the data logs activities.

    Returns
    -------
    str
    """
    where = (
        "Each account's territory is the one the accounts file gives it, held by the rep "
        "who covers it on the as-of date."
        if basis == "territory"
        else "The accounts carry no territory: each rep is a territory, and an account belongs "
        "to the rep who owns most of its deals."
    )
    locks = book.loc[book["lock"] != "", "lock"].value_counts()
    said = ", ".join(f"{n:,} {LOCK_WORDS.get(str(why), why)}" for why, n in locks.items())
    locked = f" {count(int(locks.sum()), 'account')} may not move ({said})." if len(locks) else ""
    work = "accounts, open deals and activities" if has_activities else "accounts and open deals"
    return (
        f"{where} **{count(len(book), 'account')}** in **{count(book['territory'].nunique(), 'territory', 'territories')}**. "
        "Potential is estimated from won history: what an account of the same segment and "
        "revenue quartile booked on average in the last 12 months, so a territory is judged "
        f"by the accounts it holds, not by its own past results. Workload is {work}.{locked}"
    )


def balance_sentence(today: pd.DataFrame, band: float) -> str | None:
    """How many territories are outside the band today, and the widest gaps.

    Parameters
    ----------
    today
        :func:`~salesops_lib.analysis.territory.balance` per territory.
    band
        The band.

    Returns
    -------
    str or None
        None without territories.

    Examples
    --------
    >>> t = pd.DataFrame({"territory": ["A", "B"], "potential_share": [1.3, 0.7],
    ...                   "outside": [True, True]})
    >>> balance_sentence(t, 0.15)
    '**2 of 2 territories** are outside ±15% of their team’s average potential: from 70% (B) to 130% (A).'
    """
    if today.empty:
        return None
    n, out = len(today), int(today["outside"].sum())
    lo = today.loc[today["potential_share"].idxmin()]
    hi = today.loc[today["potential_share"].idxmax()]
    span = (
        f"from {lo['potential_share']:.0%} ({lo['territory']}) to "
        f"{hi['potential_share']:.0%} ({hi['territory']})"
    )
    if out == 0:
        return f"Every territory is within ±{band:.0%} of its team’s average potential: {span}."
    return (
        f"**{out} of {count(n, 'territory', 'territories')}** are outside ±{band:.0%} of their "
        f"team’s average potential: {span}."
    )


def balance_title(today: pd.DataFrame, band: float) -> str:
    """The balance chart's title: how many territories sit outside the band.

    Parameters
    ----------
    today
        :func:`~salesops_lib.analysis.territory.balance` per territory.
    band
        The band.

    Returns
    -------
    str
    """
    out = int(today["outside"].sum())
    shown = f" (the {CHART_ROWS} furthest from average)" if len(today) > CHART_ROWS else ""
    return (
        f"{count(out, 'territory', 'territories')} outside ±{band:.0%} of the team average{shown}"
    )


def fix_sentence(
    *,
    outside_before: int,
    outside_after: int,
    territories: int,
    moved: int,
    pipeline: float,
    greedy_moves: int,
    locked: int,
    band: float,
    proven: bool,
    fmt: Any,
) -> str:
    """What the proposal does, against the greedy re-deal.

    Parameters
    ----------
    outside_before, outside_after
        Territories outside the band today and after the moves.
    territories
        Territories in all.
    moved, pipeline
        Accounts the proposal moves and their open deal value.
    greedy_moves
        Accounts a greedy re-deal, which ignores disruption, would move.
    locked
        Accounts that may not move.
    band
        The band.
    proven
        Whether the solver proved the proposal the fewest moves.
    fmt
        Money formatter.

    Returns
    -------
    str

    Examples
    --------
    >>> fix_sentence(outside_before=3, outside_after=0, territories=10, moved=4, pipeline=0.0,
    ...              greedy_moves=90, locked=5, band=0.15, proven=True,
    ...              fmt=lambda x: f"${x:,.0f}").split(";")[0]
    'Moving **4 accounts** (none with an open deal) brings **every territory within ±15%**'
    """
    if outside_before == 0:
        return f"Every territory is already within ±{band:.0%}: no account needs to move."
    where = (
        f"brings **every territory within ±{band:.0%}**"
        if outside_after == 0
        else f"brings {outside_before - outside_after} of the {outside_before} territories outside "
        f"±{band:.0%} inside it ({outside_after} cannot be, with the accounts that may move)"
    )
    value = f"with {fmt(pipeline)} of open deals" if pipeline > 0 else "none with an open deal"
    sure = (
        "no assignment moves fewer"
        if proven
        else "the solver ran out of time before proving that no assignment moves fewer"
    )
    kept = (
        f"{count(locked, 'account')} stay where they are by rule."
        if locked
        else "No account is locked by rule."
    )
    return (
        f"Moving **{count(moved, 'account')}** ({value}) {where}; {sure}. {kept} "
        f"A greedy re-deal that ignores disruption would move {count(greedy_moves, 'account')}."
    )


def curve_sentence(curve: pd.DataFrame, band: float) -> str | None:
    """The trade-off in words: moves needed for the band, and for half of it.

    Parameters
    ----------
    curve
        :func:`~salesops_lib.analysis.territory.tradeoff`.
    band
        The chosen band.

    Returns
    -------
    str or None
        None when every territory is already inside every band solved.
    """
    solved = curve.iloc[1:]
    if solved.empty:
        return None
    parts = [
        f"{r.band:.0%}: {count(int(r.accounts_moved), 'move')}"
        + (f" ({int(r.outside)} still outside)" if r.outside else "")
        for r in solved.itertuples()
    ]
    return (
        f"Today the widest gap to a team average is {curve['band'].iloc[0]:.0%}. Fewest moves to "
        f"bring every territory within each band: {'; '.join(parts)}."
    )


def _tiles(
    today: pd.DataFrame,
    after: pd.DataFrame,
    moved: pd.DataFrame,
    greedy_moves: int,
    band: float,
    fmt: Any,
) -> list[Tile]:
    """Headline figures: territories outside the band today and after, moves, greedy's moves."""
    return [
        Tile(
            "Territories outside the band",
            f"{int(today['outside'].sum())} of {len(today)}",
            f"potential beyond ±{band:.0%} of the team average",
        ),
        Tile(
            "After the proposed moves",
            f"{int(after['outside'].sum())} outside",
            f"of {len(after)} territories",
        ),
        Tile(
            "Accounts moved",
            f"{len(moved):,}",
            f"{fmt(float(moved['open_pipeline'].sum()))} of open deals",
        ),
        Tile("Greedy re-deal would move", f"{greedy_moves:,}", "accounts, ignoring disruption"),
    ]


def definitions(
    rules: terr.Rules, *, has_activities: bool, lock_rule: str = "in a late stage"
) -> dict[str, str]:
    """Every term the report shows.

    Parameters
    ----------
    rules
        The bands and lock rules.
    has_activities
        Whether activities are shown.
    lock_rule
        Which open deals lock their account (:func:`~salesops_lib.analysis.territory.lock_rule`).

    Returns
    -------
    dict
        Term -> definition.
    """
    own = {
        "Territory": (
            "The accounts a rep covers: the accounts file's territory, or, when accounts carry "
            "none, the accounts whose deals a rep mostly owns."
        ),
        "Potential": (
            "What an account is expected to book in a year: the average bookings of the last 12 "
            "months per account among accounts of the same segment and revenue quartile "
            "within the segment."
        ),
        "vs average": (
            "A territory's (or rep's) figure divided by the average territory of its team "
            "(of its segment when moves may cross regions): 100% is average."
        ),
        "Band": (
            f"A territory is balanced when its potential is within ±{rules.band:.0%} of its "
            "team's average; the alternative scenario uses "
            f"±{rules.alternative_band:.0%}."
        ),
        "Open deals": "Deals open on the as-of date on the territory's accounts, whatever their close date.",
        "Open deal value": "The amount of those open deals.",
        "Bookings (12 months)": "Amount won in the 365 days to the as-of date on the territory's accounts.",
        "Locked account": (
            f"An account that may not move: it has an open deal {lock_rule}, a deal "
            f"reassigned in the last {terr.RECENT_DAYS} days, or it is named in the settings."
        ),
        "Proposed moves": (
            "The assignment with the fewest account moves that puts every territory inside the "
            "band (then the fewest accounts with open deals, then the least open deal value), "
            "found by mixed-integer programming team by team; "
            + (
                "moves may cross regions within a segment."
                if rules.allow_cross_region
                else "accounts stay inside their team."
            )
        ),
        "Greedy re-deal": (
            "For comparison: every account that may move dealt again, largest potential first, "
            "to the territory of its team with the least potential so far, whatever its "
            "territory today."
        ),
    }
    if has_activities:
        own["Activities (12 months)"] = (
            "Calls, emails and meetings logged on the territory's deals in the 365 days to the as-of date."
        )
    return own


def _findings(today: pd.DataFrame, after: int, moved: pd.DataFrame, band: float) -> list[Finding]:
    """The executive summary's line: territories out of balance and the fix's size."""
    out = int(today["outside"].sum())
    if out == 0:
        return []
    excess = today["potential"] - today.groupby("group")["potential"].transform("mean") * (1 + band)
    at_stake = float(excess.clip(lower=0).sum())
    fixed = "all of them" if after == 0 else f"{out - after} of them"
    return [
        Finding(
            f"**{out} of {count(len(today), 'territory', 'territories')}** are outside ±{band:.0%} "
            f"of their team's average potential; moving {count(len(moved), 'account')} "
            f"brings {fixed} inside.",
            at_stake,
            SECTION_FIX,
        )
    ]
