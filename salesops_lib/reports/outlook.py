"""The sentence reports 01, 03 and 06 share about the quarter ahead (one reckoning, one story)."""

from __future__ import annotations

import numpy as np

from salesops_lib.analysis.kpis import ShortfallParts
from salesops_lib.analysis.outlook import Outlook
from salesops_lib.format import pct
from salesops_lib.reports.base import MoneyFormat, bold, count, money_in

HINDSIGHT_WHY = (
    "without weekly snapshots of the pipeline, past quarters' pipelines can only be rebuilt "
    "from today's records, which already know each deal's final close date, so their "
    "backtest flatters them"
)
"""Why, without history snapshots, a backtest of what reads the open pipeline is no track record."""


def hindsight_why(one: bool = False) -> str:
    """:data:`HINDSIGHT_WHY` for one method or reckoning (``its backtest flatters it``) or several.

    Parameters
    ----------
    one
        One method (or the reckoning) rather than several.

    Returns
    -------
    str
    """
    if not one:
        return HINDSIGHT_WHY
    return HINDSIGHT_WHY.replace("their backtest flatters them", "its backtest flatters it")


def outlook_sentence(o: Outlook, currency: str = "USD") -> str:
    """Goal, pipeline, what the pipeline usually brings and what new deals add, for ``o.quarter``.

    Parameters
    ----------
    o
        The reckoning (:func:`salesops_lib.analysis.outlook.quarter_outlook`).
    currency
        ISO code of the amounts.

    Returns
    -------
    str
        The sentence (``**`` marks bold); without a past win rate by value it says the
        pipeline's yield is unknown, without quotas or past bookings that there is no goal.

    Examples
    --------
    ``For **2026Q4** the goal is **$18.5M** (quota). Its open pipeline of $67.7M (998 deals)
    has turned into bookings at 21% of its value over the last 4 quarters: about **$14.2M**.
    Deals not yet in the pipeline added $6.9M on average in those quarters, so the quarter
    reckons at about **$21.1M**, 114% of the goal.``
    """
    fmt = money_in(currency)
    if o.goal_basis == "quota":
        goal = "quota"
    else:  # "average bookings 2016Q4–2016Q4" reads "average bookings of 2016Q4"
        first, _, last = o.goal_basis.removeprefix("average bookings ").partition("–")
        goal = o.goal_basis if last and last != first else f"average bookings of {first}"
    if o.goal > 0 or o.goal_basis == "quota":
        text = f"For {bold(o.quarter)} the goal is {bold(fmt(o.goal))} ({goal})"
        text += f", with {fmt(o.booked)} booked so far." if o.booked > 0 else "."
    else:
        text = (
            f"For {bold(o.quarter)} there is no goal: the data has no quotas and no bookings in "
            "a complete quarter before it."
        )
        text += f" {fmt(o.booked)} is booked so far." if o.booked > 0 else ""
    if not np.isfinite(o.value_win_rate) or not o.quarters_used:
        return text + (
            f" Its open pipeline is {fmt(o.open_pipeline)} ({count(o.open_deals, 'deal')}); no "
            "deal closed in the quarters before, so what the pipeline usually brings is unknown."
        )
    n = len(o.quarters_used)
    over = "the quarter before" if n == 1 else f"the last {n} quarters"
    if o.open_deals == 0:
        text += (
            f" No open deal has an expected close date in it yet, so its open pipeline is {fmt(0)}."
        )
    else:
        text += (
            f" Its open pipeline of {fmt(o.open_pipeline)} ({count(o.open_deals, 'deal')}) has "
            f"turned into bookings at {pct(o.value_win_rate)} of its value over {over}: about "
            f"{bold(fmt(o.from_pipeline))}."
        )
    if o.from_new_deals > 0:
        text += (
            f" Deals not yet in the pipeline added {fmt(o.from_new_deals)} on average in "
            f"{(over if o.open_deals == 0 else 'that quarter' if n == 1 else 'those quarters')}, "
            "so the quarter reckons at about "
            f"{bold(fmt(o.expected))}"
        )
    else:
        text += f" With bookings so far the quarter reckons at about {bold(fmt(o.expected))}"
    if o.goal > 0:
        text += f", {pct(o.expected / o.goal)} of the goal."
    else:
        text += "."
    return text + track_record_sentence(o)


def track_record_sentence(o: Outlook) -> str:
    """How far the same reckoning, made earlier, was from what those quarters booked.

    A rule of thumb's own backtest: the reckoning made at the same point of each trailing
    quarter (:attr:`Outlook.track_record`), against its bookings.

    Parameters
    ----------
    o
        The reckoning.

    Returns
    -------
    str
        The sentence, starting with a space; ``""`` when there is no such quarter. Without
        history snapshots (:attr:`Outlook.hindsight`) the record is not stated, and the
        sentence says why.
    """
    record = o.track_record
    if record.empty:
        return ""
    if o.hindsight:
        return f" How far it missed in past quarters is not shown: {hindsight_why(one=True)}."
    n = len(record)
    lo, hi = float(record["error"].min()), float(record["error"].max())
    spread = "" if n == 1 else f" (from {_signed(lo)} to {_signed(hi)})"
    which = "the quarter before" if n == 1 else f"each of the last {n} quarters"
    return (
        f" Made the same way at the same point of {which}, this reckoning missed what "
        f"{'it' if n == 1 else 'they'} booked by {pct(o.typical_miss)}"
        f"{' on average' if n > 1 else ''}{spread}: a rule of thumb, not a forecast."
    )


def _signed(x: float) -> str:
    return ("+" if x >= 0 else "−") + pct(abs(x))


NOT_A_FORECAST = "Coverage is a rule of thumb, not a forecast"
"""What reports 01 and 06 and the executive summary say beside a pipeline shortfall."""


def shortfall_caveat() -> str:
    """The words beside a pipeline shortfall finding: coverage is not the forecast.

    So the executive summary, which shows the forecast against the goal beside the
    findings, does not read "short of pipeline" and "forecast at 97% of goal" as a
    contradiction.

    Returns
    -------
    str
        A clause in brackets, starting with a space.

    Examples
    --------
    >>> shortfall_caveat()
    ' (coverage is a rule of thumb, not a forecast: the forecast weighs each open deal by its own chance)'
    """
    return f" ({NOT_A_FORECAST[0].lower()}{NOT_A_FORECAST[1:]}: the forecast weighs each open deal by its own chance)"


def coverage_not_forecast(quarter: str) -> str:
    """Why a team short of pipeline can be forecast at its goal in report 03, and the reverse.

    Reports 01 and 06 hold each team's pipeline dated in ``quarter`` to its win rate by
    value; report 03 forecasts the same quarter team by team with other methods, which can
    weigh each open deal by its own chance and count deals the coverage leaves out (dated in another quarter
    or without a close date), so the two can disagree for a team.

    Parameters
    ----------
    quarter
        The quarter both figures are about (the outlook quarter of reports 01 and 03).

    Returns
    -------
    str
        The sentence, starting with a space.

    Examples
    --------
    >>> coverage_not_forecast("2026Q4")[:60]
    ' Coverage is a rule of thumb, not a forecast: report 03 fore'
    """
    return (
        f" {NOT_A_FORECAST}: report 03 forecasts each team's "
        f"{quarter} by other methods, which can weigh each open deal by its own "
        "chance and count deals this figure leaves out (dated in another quarter or without a "
        "close date), so a team short of pipeline here can still be forecast at or above its "
        "goal there, and the other way round."
    )


def shortfall_reason(parts: ShortfallParts, fmt: MoneyFormat, *, amounts: bool = True) -> str:
    """What makes the teams' shortfalls and the company's differ, each part in money.

    Parameters
    ----------
    parts
        :func:`salesops_lib.analysis.kpis.shortfall_parts`.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).
    amounts
        Say each part's amount (False: the one part said is the whole difference, already
        given).

    Returns
    -------
    str
        The parts worth saying (at least a tenth of the difference, and 1 in money), joined;
        empty when none.

    Examples
    --------
    >>> p = ShortfallParts(6.0, 3.0, 2.0, ("B",), 0.0, 1.0)
    >>> shortfall_reason(p, lambda v: f"${v:,.0f}")
    "B has $2 more pipeline than its own goal needs, and the teams' needs, each from its own gap, win rate by value and new-deal bookings, add up to $1 more than the company's need from its totals"
    """
    said = [
        phrase.format(fmt(abs(amount)) + " " if amounts else "")
        for amount, phrase in _reason_parts(parts)
    ]
    if len(said) <= 1:
        return "".join(said)
    return ", ".join(said[:-1]) + ", and " + said[-1]


def _reason_parts(parts: ShortfallParts) -> list[tuple[float, str]]:
    """The parts worth saying, each as its amount and its words (``{}`` where the amount goes)."""
    floor = max(0.1 * abs(parts.lacking - parts.company), 1.0)
    out: list[tuple[float, str]] = []
    if parts.surplus >= floor:
        names = parts.surplus_teams
        out.append(
            (
                parts.surplus,
                f"{names[0]} has {{}}more pipeline than its own goal needs"
                if len(names) == 1
                else "the other teams have {}more pipeline than their own goals need",
            )
        )
    if parts.no_need >= floor:
        out.append(
            (
                parts.no_need,
                "{}of the pipeline is in deals of no team, or of teams whose need is unknown, "
                "which only the company's figure counts",
            )
        )
    if abs(parts.needs_apart) >= floor:
        more = "more" if parts.needs_apart > 0 else "less"
        out.append(
            (
                parts.needs_apart,
                "the teams' needs, each from its own gap, win rate by value and new-deal "
                f"bookings, add up to {{}}{more} than the company's need from its totals",
            )
        )
    return out


def shortfall_gap_words(parts: ShortfallParts, fmt: MoneyFormat) -> str:
    """How the company's shortfall compares with the teams' summed, and why.

    Parameters
    ----------
    parts
        :func:`salesops_lib.analysis.kpis.shortfall_parts`.
    fmt
        The money formatter of the data's currency (:func:`~salesops_lib.reports.base.money_in`).

    Returns
    -------
    str
        ``$416K more than the company's shortfall of $19.0M: East Enterprise has …``, or
        ``yet the company as a whole is not short: …``; one reason that is the whole
        difference follows ``because`` without its amount.

    Examples
    --------
    >>> p = ShortfallParts(6.0, 3.0, 3.0, ("B",), 0.0, 0.0)
    >>> shortfall_gap_words(p, lambda v: f"${v:,.0f}")
    "$3 more than the company's shortfall of $3, because B has more pipeline than its own goal needs"
    """
    if parts.company <= 0:
        why = shortfall_reason(parts, fmt)
        head = "yet the company as a whole is not short"
        return f"{head}: {why}" if why else head
    diff = parts.lacking - parts.company
    head = (
        f"{fmt(abs(diff))} {'more' if diff > 0 else 'less'} than the company's shortfall "
        f"of {fmt(parts.company)}"
    )
    said = _reason_parts(parts)
    if len(said) == 1 and fmt(abs(said[0][0])) == fmt(abs(diff)):
        return f"{head}, because {shortfall_reason(parts, fmt, amounts=False)}"
    why = shortfall_reason(parts, fmt)
    return f"{head}: {why}" if why else head
