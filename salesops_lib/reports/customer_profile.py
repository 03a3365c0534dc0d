"""Report 09, customer profile: which accounts win, and which should the team go after?

:func:`build` returns a :class:`CustomerProfile`: win rate, deal size, cycle and bookings
per segment (industry, size band, region, product), win rates shrunk toward the company's
rate as in rep benchmarking; a fit score per account (:mod:`salesops_lib.analysis.profile`)
learned on deals closed before a cut date and graded on the deals that closed after it;
the best segments described as personas; where reps' activities go against where deals
are won; and every account scored for the CRM. Every sentence is a function of the
numbers beside it (tested in ``tests/test_reports_customer_profile.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesops_lib.analysis import profile as prof
from salesops_lib.analysis.reps import trailing_quarters
from salesops_lib.data import SalesData
from salesops_lib.format import number, pct, ratio
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
    team_or_company,
)
from salesops_lib.reports.definitions import pick
from salesops_lib.reports.tables import Column, Table, TableSpec

SEGMENT_SECTION = "Which segments win?"
FIT_SECTION = "Does a fit score find the accounts that win?"
PERSONA_SECTION = "Who are the best customers?"
EFFORT_SECTION = "Where do reps spend effort, and where are deals won?"
TARGET_SECTION = "Which accounts should the team go after?"

NO_FIRMOGRAPHICS = "account firmographics"
ADD_FIRMOGRAPHICS = (
    "add an accounts file with each account's industry, head count and region, and the "
    f"account of each deal ({README_DATA})"
)
NO_ACTIVITIES = "activities"
ADD_ACTIVITIES = f"add an activities file (calls, emails, meetings per deal; {README_DATA})"
SCORED_FILE = "09_customer_profile_scored_accounts"
USEFUL_WIN_SHARE = 0.60
"""A profile is useful when its top tier (15–35% of accounts) carries this share of later wins."""
USEFUL_ACCOUNT_SHARE = (0.15, 0.35)
CHART_MIN_CLOSED = 20
"""Segments with fewer closed deals stay in the table but not in the chart."""
CHART_ROWS = 24
PERSONAS = 3
PERSONA_MIN_CLOSED = 30

SEGMENT_SPEC = TableSpec(
    (
        Column("trait", "By"),
        Column("segment", "Segment"),
        Column("closed", "Closed deals", "int"),
        Column("win_rate", "Win rate", "pct"),
        Column("shrunk_win_rate", "Shrunk win rate", "pct"),
        Column("shrunk_lo", "Low", "pct"),
        Column("shrunk_hi", "High", "pct"),
        Column("lift", "Lift", "ratio"),
        Column("avg_deal", "Average deal", "money"),
        Column("cycle_days", "Cycle days", "num1"),
        Column("bookings", "Bookings", "money"),
        Column("bookings_share", "Share of bookings", "share"),
    ),
    max_rows=40,
)
TIER_SPEC = TableSpec(
    (
        Column("tier", "Tier"),
        Column("accounts", "Accounts", "int"),
        Column("account_share", "Share of accounts", "share"),
        Column("closed", "Later closed deals", "int"),
        Column("won", "Later wins", "int"),
        Column("win_rate", "Win rate", "pct"),
        Column("lift", "Lift", "ratio"),
        Column("win_share", "Share of later wins", "share"),
        Column("bookings", "Later bookings", "money"),
    )
)
PERSONA_SPEC = TableSpec(
    (
        Column("industry", "Industry"),
        Column("size_band", "Size"),
        Column("closed", "Closed deals", "int"),
        Column("shrunk_win_rate", "Shrunk win rate", "pct"),
        Column("lift", "Lift", "ratio"),
        Column("avg_deal", "Average deal", "money"),
        Column("product", "Most won product"),
        Column("median_cycle", "Median cycle days", "int"),
        Column("winners", "Reps with most wins"),
    )
)
EFFORT_SPEC = TableSpec(
    (
        Column("tier", "Tier"),
        Column("activities", "Activities", "int"),
        Column("activity_share", "Share of activities", "share"),
        Column("won", "Deals won", "int"),
        Column("win_share", "Share of wins", "share"),
        Column("activities_per_win", "Activities per win", "num1"),
    )
)
SCORED_SPEC = TableSpec(
    (
        Column("account_id", "Account id"),
        Column("account_name", "Account"),
        Column("score", "Fit score", "pct"),
        Column("tier", "Tier"),
        Column("reasons", "Reasons"),
    ),
    max_rows=25,
)


@dataclass(frozen=True)
class CustomerProfile(HasGaps):
    """Everything report 09 shows (see :func:`build`)."""

    header: Header
    period: Period
    gaps: list[Gap]
    window: list[str]
    deals: pd.DataFrame
    segment_frame: pd.DataFrame
    segments: Table
    segment_chart: pd.DataFrame
    segment_sentence: str | None
    segment_title: str
    company_win_rate: float
    cut: pd.Timestamp | None
    validation_frame: pd.DataFrame
    validation: Table | None
    validation_sentence: str | None
    validation_title: str
    top_win_share: float
    useful: bool | None
    personas: Table | None
    persona_sentences: list[str]
    effort_frame: pd.DataFrame
    effort: Table | None
    effort_sentence: str | None
    effort_title: str
    scored_frame: pd.DataFrame
    scored: Table | None
    scored_sentence: str | None
    scored_file: str
    scored_what: str | None
    effects: pd.DataFrame
    definitions: dict[str, str]
    findings: list[Finding]
    currency: str


def build(
    data: SalesData,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
    trailing: int = 4,
    validate: int = 4,
) -> CustomerProfile:
    """Build report 09 for the ``trailing`` quarters ending with ``quarter``, as known on ``as_of``.

    Parameters
    ----------
    data
        The company's data set (needs opportunities; accounts with firmographics for all
        but the product segments; activities for the effort section).
    quarter
        Fiscal quarter; None: the latest complete quarter.
    as_of
        What is known; None: the quarter's end, or the data's last date mid-quarter.
    team
        Narrow the report to one team's deals; None: the whole company.
    trailing
        Quarters of the segment tables and the effort section, including ``quarter``.
    validate
        Quarters after the cut date the fit score is graded on (fewer when the deals before
        the cut would be fewer than those after it).

    Returns
    -------
    CustomerProfile

    Raises
    ------
    ConfigError
        For a quarter outside the data, an as-of date outside the quarter, or an unknown team.

    Examples
    --------
    >>> r = build(load_dataset("data/demo"), quarter="2026Q3")  # doctest: +SKIP
    >>> r.validation_sentence  # doctest: +SKIP
    """
    period = period_of(data, quarter, as_of)
    d = team_or_company(data, team)
    fmt = money_in(d.currency)
    window = trailing_quarters(d, period.quarter, max(int(trailing), 1))
    start = d.calendar.bounds(window[0])[0]
    firmo = prof.firmographics(d.accounts)
    first = d.opportunities["close_date"].min()
    every = prof.closed_deals(d.opportunities, firmo, start=first, end=period.as_of)
    deals = every[every["close_date"] >= start].reset_index(drop=True)
    has_traits = any(t in firmo for t in prof.TRAITS)
    seg = _segment_section(deals, has_traits, window)
    fit = _fit_section(d, every, firmo, period, validate) if has_traits else _NO_FIT
    has_acts = d.activities is not None and len(d.activities) > 0
    effort = (
        _effort_section(d, fit.scored_frame, start, period.as_of, window)
        if has_acts and len(fit.scored_frame)
        else _NO_EFFORT
    )
    personas, persona_sentences = _personas(deals, d, fmt) if has_traits else (None, [])
    missing = [
        Gap(s, NO_FIRMOGRAPHICS, ADD_FIRMOGRAPHICS)
        for s in (SEGMENT_SECTION, FIT_SECTION, PERSONA_SECTION, TARGET_SECTION)
        if not has_traits
    ] + ([] if has_acts else [Gap(EFFORT_SECTION, NO_ACTIVITIES, ADD_ACTIVITIES)])
    return CustomerProfile(
        header=header(data, period, team),
        period=period,
        gaps=missing,
        window=window,
        deals=deals,
        **seg,
        **fit.fields,
        personas=personas,
        persona_sentences=persona_sentences,
        **effort,
        definitions=_definitions(),
        findings=_findings(fit, effort),
        currency=d.currency,
    )


def _segment_section(deals: pd.DataFrame, has_traits: bool, window: list[str]) -> dict:
    """The segment table, its chart rows, sentence and title."""
    traits = [t for t in ("industry", "size_band", "region", "product") if t in deals]
    traits = traits if has_traits else ["product"]
    frame = (
        pd.concat([prof.segment_rates(deals, by=t) for t in traits], ignore_index=True)
        if len(deals)
        else pd.DataFrame(columns=[c.key for c in SEGMENT_SPEC.columns])
    )
    rate = float(deals["is_won"].mean()) if len(deals) else float("nan")
    chart = frame[(frame["closed"] >= CHART_MIN_CLOSED) & (frame["segment"] != prof.UNKNOWN)]
    chart = chart.assign(label=chart["trait"] + ": " + chart["segment"].astype("str"))
    chart = chart.head(CHART_ROWS) if len(chart) <= CHART_ROWS else _spread_rows(chart)
    return {
        "segment_frame": frame,
        "segments": Table(
            frame,
            SEGMENT_SPEC,
            caption="Per segment, deals closed in " + quarter_span(window) + ", best first.",
        ),
        "segment_chart": chart,
        "segment_sentence": segment_sentence(frame, rate, quarter_span(window)),
        "segment_title": segment_title(frame),
        "company_win_rate": rate,
    }


def _spread_rows(chart: pd.DataFrame) -> pd.DataFrame:
    """The chart's rows when there are too many: each trait's best and worst ones."""
    per = max(CHART_ROWS // max(chart["trait"].nunique(), 1) // 2, 1)
    parts = [
        pd.concat([g.head(per), g.tail(per)]).drop_duplicates("label")
        for _, g in chart.groupby("trait", sort=False)
    ]
    return pd.concat(parts, ignore_index=True)


def segment_sentence(frame: pd.DataFrame, rate: float, span: str) -> str | None:
    """What the segment table says: the company's rate, and the trait that splits it most.

    Parameters
    ----------
    frame
        :func:`~salesops_lib.analysis.profile.segment_rates` of every trait, concatenated.
    rate
        The company's win rate over the same deals.
    span
        The quarters, in words.

    Returns
    -------
    str or None
        None without closed deals.
    """
    if not len(frame) or not np.isfinite(rate):
        return None
    n = int(frame.loc[frame["trait"] == frame["trait"].iloc[0], "closed"].sum())
    known = frame[(frame["segment"] != prof.UNKNOWN) & (frame["closed"] >= CHART_MIN_CLOSED)]
    head = f"Of {count(n, 'deal')} closed in {span}, the company won {bold(pct(rate))}."
    if not len(known):
        if (frame["segment"] == prof.UNKNOWN).all():
            return head + (
                " No closed deal names an account with known traits or a product, so every "
                "deal falls in one unknown segment and there are no segments to compare."
            )
        return head + f" No segment has {CHART_MIN_CLOSED} closed deals or more to compare."
    spread = known.groupby("trait")["shrunk_win_rate"].agg(lambda s: s.max() - s.min())
    trait = str(spread.idxmax())
    g = known[known["trait"] == trait]
    best, worst = g.iloc[0], g.iloc[-1]
    if len(g) < 2 or spread.max() < 0.02:
        return head + " No segment wins markedly more often than another."
    return (
        f"{head} {trait} splits it most: {bold(best['segment'])} accounts win "
        f"{pct(best['shrunk_win_rate'])} of their deals ({ratio(best['lift'])} the average), "
        f"{bold(worst['segment'])} {pct(worst['shrunk_win_rate'])} "
        f"({ratio(worst['lift'])})."
    )


def segment_title(frame: pd.DataFrame) -> str:
    """The segment chart's title: the best segment's lift.

    Parameters
    ----------
    frame
        The concatenated segment table.

    Returns
    -------
    str
    """
    known = frame[(frame["segment"] != prof.UNKNOWN) & (frame["closed"] >= CHART_MIN_CLOSED)]
    if not len(known):
        return "Shrunk win rate per segment, with its 95% range"
    best = known.sort_values("lift", ascending=False).iloc[0]
    return (
        f"{best['segment']} ({best['trait'].lower()}) wins {ratio(best['lift'])} the company "
        "average (shrunk win rate, 95% range; dashed: company)"
    )


@dataclass(frozen=True)
class _Fit:
    """The fit-score sections' fields, and what findings need."""

    fields: dict
    scored_frame: pd.DataFrame


def _fit_fields(**given: object) -> dict:
    """The fit sections' fields: those given, the rest empty."""
    empty: dict[str, object] = {
        "cut": None,
        "validation_frame": pd.DataFrame(),
        "validation": None,
        "validation_sentence": None,
        "validation_title": "Lift of each tier on later deals",
        "top_win_share": float("nan"),
        "useful": None,
        "scored_frame": pd.DataFrame(),
        "scored": None,
        "scored_sentence": None,
        "scored_file": SCORED_FILE,
        "scored_what": None,
        "effects": pd.DataFrame(),
    }
    return empty | given


_NO_FIT = _Fit(_fit_fields(), pd.DataFrame())


def cut_date(data: SalesData, quarter: str, validate: int) -> pd.Timestamp:
    """The cut date of the time split: the start of the ``validate``-th quarter back.

    The window after the cut shrinks, down to the report quarter alone, while fewer deals
    closed before the cut than after it (a score needs more to learn from than to be
    graded on).

    Parameters
    ----------
    data
        The data set (its calendar and closed deals).
    quarter
        The report quarter (the last one graded).
    validate
        Quarters graded, at most.

    Returns
    -------
    Timestamp
        The first day graded.
    """
    o = data.opportunities
    close = o.loc[o["is_closed"].astype(bool), "close_date"]
    end = data.calendar.bounds(quarter)[1]
    for k in range(max(int(validate), 1), 0, -1):
        cut = data.calendar.bounds(trailing_quarters(data, quarter, k)[0])[0]
        if (close < cut).sum() >= ((close >= cut) & (close <= end)).sum():
            return cut
    return data.calendar.bounds(quarter)[0]


def _fit_section(
    d: SalesData, every: pd.DataFrame, firmo: pd.DataFrame, period: Period, validate: int
) -> _Fit:
    """The time-split check and today's scores, from every deal closed up to the as-of date."""
    cut = cut_date(d, period.quarter, validate)
    before = every[every["close_date"] < cut]
    later = every[every["close_date"] >= cut]
    past, today = prof.fit_model(before), prof.fit_model(every)
    if today is None:
        return _NO_FIT
    scored = prof.score_accounts(today, firmo)
    frame = (
        pd.DataFrame() if past is None else prof.tier_lift(prof.score_accounts(past, firmo), later)
    )
    top = float(frame["win_share"].iloc[0]) if len(frame) and frame["won"].sum() else float("nan")
    useful = None if not np.isfinite(top) else is_useful(frame)
    fields = _fit_fields(
        cut=cut,
        validation_frame=frame,
        validation=Table(frame, TIER_SPEC, currency=d.currency) if len(frame) else None,
        validation_sentence=validation_sentence(frame, cut, period.as_of, len(before), useful),
        validation_title=validation_title(frame),
        top_win_share=top,
        useful=useful,
        scored_frame=scored,
        scored=Table(scored, SCORED_SPEC, caption="The best-scored accounts; all in the file."),
        scored_sentence=scored_sentence(scored, len(every), period.as_of),
        scored_what="Every account with its fit score, tier and reasons, to import into the CRM",
        effects=today.effects,
    )
    return _Fit(fields, scored)


def is_useful(frame: pd.DataFrame) -> bool:
    """Whether the top tier, 15–35% of accounts, carries :data:`USEFUL_WIN_SHARE` of later wins.

    Parameters
    ----------
    frame
        :func:`~salesops_lib.analysis.profile.tier_lift` (tier A first).

    Returns
    -------
    bool

    Examples
    --------
    >>> is_useful(pd.DataFrame({"account_share": [0.3], "win_share": [0.62]}))
    True
    """
    a = frame.iloc[0]
    lo, hi = USEFUL_ACCOUNT_SHARE
    return bool(lo <= a["account_share"] <= hi and a["win_share"] >= USEFUL_WIN_SHARE)


def validation_sentence(
    frame: pd.DataFrame, cut: pd.Timestamp, as_of: pd.Timestamp, trained: int, useful: bool | None
) -> str:
    """What the time-split check says, and whether the profile is useful.

    Parameters
    ----------
    frame
        :func:`~salesops_lib.analysis.profile.tier_lift` (tier A first); empty: no check.
    cut
        The cut date.
    as_of
        The last day graded.
    trained
        Deals closed before the cut.
    useful
        :func:`is_useful`; None: no later win to grade on.

    Returns
    -------
    str
    """
    day = f"{cut:%Y-%m-%d}"
    if not len(frame) or useful is None:
        return (
            f"The score could not be checked: it needs both won and lost deals closed before "
            f"{day} and wins from then to {as_of:%Y-%m-%d} ({count(trained, 'deal')} before)."
        )
    a, c = frame.iloc[0], frame.iloc[-1]
    later = int(frame["closed"].sum())
    head = (
        f"Scored from the {number(trained)} deals closed before {bold(day)} and graded on the "
        f"{number(later)} closed from then to {as_of:%Y-%m-%d}: tier A, "
        f"{pct(a['account_share'])} of accounts, carried {bold(pct(a['win_share']) + ' of later wins')} "
        f"and won {pct(a['win_rate'])} of its deals ({ratio(a['lift'])} the average); tier C "
        f"won {pct(c['win_rate'])} ({ratio(c['lift'])})."
    )
    lo, hi = USEFUL_ACCOUNT_SHARE
    rule = (
        f"a useful profile's top tier, {lo * 100:.0f}–{pct(hi)} of accounts, carries "
        f"{pct(USEFUL_WIN_SHARE)} or more of later wins"
    )
    verdict = f" The profile is {bold('useful' if useful else 'not useful yet')}: {rule}."
    return head + verdict


def validation_title(frame: pd.DataFrame) -> str:
    """The lift chart's title.

    Parameters
    ----------
    frame
        The tier table (tier A first).

    Returns
    -------
    str
    """
    if not len(frame) or not frame["won"].sum():
        return "Lift of each tier on later deals"
    a = frame.iloc[0]
    return f"Tier A won {ratio(a['lift'])} the average on deals closed after the cut"


def scored_sentence(scored: pd.DataFrame, deals: int, as_of: pd.Timestamp) -> str:
    """How today's scores were made and what tier A holds.

    Parameters
    ----------
    scored
        :func:`~salesops_lib.analysis.profile.score_accounts` of today's model.
    deals
        Closed deals it learned from.
    as_of
        The last close date learned from.

    Returns
    -------
    str
    """
    a = scored[scored["tier"] == "A"]
    return (
        f"For targeting today the score is refit on all {number(deals)} deals closed up to "
        f"{as_of:%Y-%m-%d}: {bold(count(len(a), 'account') + ' in tier A')} of "
        f"{number(len(scored))}, with a fit score from {pct(a['score'].min())} to "
        f"{pct(a['score'].max())}."
    )


def _personas(
    deals: pd.DataFrame, d: SalesData, fmt: MoneyFormat
) -> tuple[Table | None, list[str]]:
    """The best industry-and-size segments as a table and one sentence each."""
    top = prof.top_segments(deals, min_closed=PERSONA_MIN_CLOSED)
    if not len(top):
        return None, []
    top = top[(top["industry"] != prof.UNKNOWN) & (top["size_band"] != prof.UNKNOWN)]
    top = top.head(PERSONAS).reset_index(drop=True)
    names = d.reps.drop_duplicates("rep_id").set_index("rep_id")["rep_name"]
    top["winners"] = [
        listing([f"{names.get(r, r)} ({w})" for r, w in zip(rs, ws, strict=True)])
        for rs, ws in zip(top["reps"], top["rep_wins"], strict=True)
    ]
    return Table(top, PERSONA_SPEC, currency=d.currency), [
        persona_sentence(r, fmt) for _, r in top.iterrows()
    ]


def persona_sentence(row: pd.Series, fmt: MoneyFormat) -> str:
    """One best segment in plain words.

    Parameters
    ----------
    row
        A row of :func:`~salesops_lib.analysis.profile.top_segments` with ``winners``.
    fmt
        Money format.

    Returns
    -------
    str
    """
    return (
        f"{bold(row['industry'] + ', ' + row['size_band'])}: wins {pct(row['shrunk_win_rate'])} "
        f"of {number(row['closed'])} closed deals ({ratio(row['lift'])} the average), deals of "
        f"{fmt(row['avg_deal'])} on average, mostly {row['product']} "
        f"({pct(row['product_share'])} of wins), won in {number(row['median_cycle'])} days "
        f"(median). Most wins there: {row['winners']}."
    )


_NO_EFFORT: dict = {
    "effort_frame": pd.DataFrame(),
    "effort": None,
    "effort_sentence": None,
    "effort_title": "Share of activities and of wins per tier",
}


def _effort_section(
    d: SalesData, scored: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, window: list[str]
) -> dict:
    """Activities against wins, per tier of today's score."""
    frame = prof.effort_by_tier(d.activities, d.opportunities, scored, start=start, end=end)
    return {
        "effort_frame": frame,
        "effort": Table(frame, EFFORT_SPEC),
        "effort_sentence": effort_sentence(frame, quarter_span(window)),
        "effort_title": effort_title(frame),
    }


def effort_sentence(frame: pd.DataFrame, span: str) -> str | None:
    """Where activities go against where deals are won.

    Parameters
    ----------
    frame
        :func:`~salesops_lib.analysis.profile.effort_by_tier` (tiers A, B, C).
    span
        The quarters, in words.

    Returns
    -------
    str or None
        None without activities or wins.
    """
    if not frame["activities"].sum() or not frame["won"].sum():
        return None
    a, c = frame.iloc[0], frame.iloc[-1]
    per = (
        f": {number(a['activities_per_win'], 1)} activities per win in tier A, "
        f"{number(c['activities_per_win'], 1)} in tier C"
        if np.isfinite(a["activities_per_win"]) and np.isfinite(c["activities_per_win"])
        else ""
    )
    return (
        f"In {span}, tier A accounts got {bold(pct(a['activity_share']) + ' of activities')} and "
        f"brought {bold(pct(a['win_share']) + ' of wins')}; tier C got "
        f"{pct(c['activity_share'])} of activities for {pct(c['win_share'])} of wins{per}."
    )


def effort_title(frame: pd.DataFrame) -> str:
    """The effort chart's title.

    Parameters
    ----------
    frame
        The effort table.

    Returns
    -------
    str
    """
    if not len(frame) or not frame["won"].sum():
        return "Share of activities and of wins per tier"
    c = frame.iloc[-1]
    return (
        f"Tier C takes {pct(c['activity_share'])} of activities for {pct(c['win_share'])} of wins"
    )


def _definitions() -> dict[str, str]:
    """The terms report 09 shows."""
    return pick(
        "Win rate",
        "Average deal",
        "Cycle days",
        "Bookings",
        **{
            "Segment": (
                "Accounts alike in one trait: industry, size band (head count: under 50, "
                "50–199, 200–999, 1,000–4,999, 5,000+ employees), region, or the product of "
                "the deal. Deals without a known account count as unknown."
            ),
            "Shrunk win rate": (
                "A segment's win rate pulled toward the company's by as many deals as the "
                "spread between segments warrants (as in rep benchmarking), so small "
                "segments do not top the table by luck; Low and High: its 95% range."
            ),
            "Lift": (
                "A win rate divided by the company's (above 1×: wins more often than the average)."
            ),
            "Fit score": (
                "The chance that a deal with this account is won, from a logistic regression "
                "of won against lost deals on the account's industry, segment and size band, "
                "and region; each trait multiplies the odds of a win by a factor (the "
                "reasons show the two largest against the trait's average deal)."
            ),
            "Tier": (
                "A: the 30% of accounts with the best fit score; B: the next 30%; C: the rest. "
                "Accounts with equal scores share the better tier."
            ),
            "Cut date": (
                "The score graded on the page learned only from deals closed before it and "
                "is judged on deals closed from it to the as-of date."
            ),
            "Share of later wins": "A tier's wins after the cut date over all wins then.",
            "Activities per win": (
                "Calls, emails, meetings and demos logged on a tier's deals divided by its "
                "deals won, over the same quarters."
            ),
        },
    )


def _findings(fit: _Fit, effort: dict) -> list[Finding]:
    """What the executive summary takes from report 09."""
    out = []
    f = fit.fields
    if f["validation_sentence"] and f["useful"] is not None:
        v = f["validation_frame"].iloc[0]
        out.append(
            Finding(
                f"Tier A accounts ({pct(v['account_share'])} of accounts) carried "
                f"{bold(pct(v['win_share']) + ' of wins')} after the cut date: the fit profile "
                f"is {'useful' if f['useful'] else 'not useful yet'} for targeting.",
                0.0,
                FIT_SECTION,
            )
        )
    e = effort["effort_frame"]
    if len(e) and e["won"].sum() and e.iloc[-1]["activity_share"] > e.iloc[-1]["win_share"]:
        c = e.iloc[-1]
        out.append(
            Finding(
                f"Tier C accounts take {bold(pct(c['activity_share']) + ' of activities')} but "
                f"bring {pct(c['win_share'])} of wins.",
                0.0,
                EFFORT_SECTION,
            )
        )
    return out
