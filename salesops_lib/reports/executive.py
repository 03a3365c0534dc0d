"""The executive summary: the findings that matter most across reports, and the quarter ahead.

Nothing here reckons anything from the data: the summary is made of what each report's
builder already said (its :class:`~salesops_lib.reports.base.Finding` list and report 03's
:func:`~salesops_lib.reports.forecasting.outlook_figures`), as the quarterly run collected
them from the report kernels. So each figure is the one the linked report shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from salesops_lib.analysis.forecast import MIN_SHARED_QUARTERS
from salesops_lib.format import pct, ratio
from salesops_lib.reports.base import bold, count, money_in
from salesops_lib.reports.definitions import pick
from salesops_lib.reports.forecasting import span

SUMMARY_NAME = "00_executive_summary"
"""The summary page's stem (first in the index, before the reports' ``01_`` to ``07_``)."""
SUMMARY_TITLE = "Executive summary"
MOST = 8
"""At most this many findings on the summary."""
LEAST = 5
"""Findings without money at stake fill the list up to this many."""
FORECAST_REPORT = "03_forecasting"

DEFINITIONS = pick(
    "Bookings",
    "Quota",
    "Attainment",
    "Win rate",
    "Open pipeline",
    "Coverage",
    "Past due",
    **{
        "Money at stake": (
            "The amount a finding concerns (deals past due, a shortfall against the goal, pay "
            "above plan, …); the summary lists the findings of all reports with the most money "
            "at stake first. Findings without an amount come last."
        ),
        "Recommended forecast": (
            "The forecast of the method report 03 recommends: tested on the company's own past "
            "quarters, it missed no more (within 0.1 point) than any other method on the "
            "quarters both were tested on, counting only methods that share at least "
            f"{MIN_SHARED_QUARTERS} of them (report 03 names those left out). The average miss "
            "of the rule: how far the methods the rule picked for each past quarter, from the "
            "quarters before it alone, missed."
        ),
        "80% range": (
            "The range the recommended forecast expects the quarter to close in four times out "
            "of five; report 03 says how often such ranges held in its backtest."
        ),
        "The quarter ahead": (
            "The reported quarter while it runs, else the one after it: the quarter the "
            "forecast and the open pipeline are about."
        ),
    },
)
"""The terms the summary page shows."""


def top_findings(
    reports: Sequence[Mapping[str, Any]], *, most: int = MOST, least: int = LEAST
) -> list[dict[str, Any]]:
    """The findings of all reports with the most money at stake, each once.

    Parameters
    ----------
    reports
        One mapping per report, in the index's order: ``name``, ``title``, ``html`` and
        ``findings`` (each ``text, at_stake, section, anchor``).
    most
        At most this many findings.
    least
        Findings without money at stake fill the list up to this many.

    Returns
    -------
    list of dict
        Each finding with its report's ``report`` (name), ``title`` (short: the part before a
        colon) and ``href`` (the page
        and the section's anchor), largest ``at_stake`` first. A fact two reports both
        state (past-due deals in 01, 03 and 07; the pipeline shortfall in 01 and 06) is kept
        once, from the first report: the same sentence, or the same money at stake to the
        unit (two different facts with an equal amount to the cent do not happen in practice).

    Examples
    --------
    >>> top_findings([{"name": "01_x", "title": "X", "html": "01_x.html", "findings": [
    ...     {"text": "A", "at_stake": 5.0, "section": "S", "anchor": "S"}]}])[0]["href"]
    '01_x.html#S'
    """
    seen: set[str] = set()
    flat: list[dict[str, Any]] = []
    for r in reports:
        for f in r.get("findings", []):
            stake = float(f.get("at_stake") or 0.0)
            key = f"{stake:.0f}" if stake > 0 else " ".join(str(f["text"]).split())
            if key in seen:
                continue
            seen.add(key)
            anchor = str(f.get("anchor") or "")
            flat.append(
                {
                    **f,
                    "at_stake": float(f.get("at_stake") or 0.0),
                    "report": r["name"],
                    "title": str(r["title"]).split(":")[0].strip(),
                    "href": f"{r['html']}#{anchor}" if anchor else str(r["html"]),
                }
            )
    ranked = sorted(flat, key=lambda f: -f["at_stake"])  # stable: report order breaks ties
    money = [f for f in ranked if f["at_stake"] > 0][:most]
    rest = [f for f in ranked if f["at_stake"] <= 0][: max(least - len(money), 0)]
    return money + rest


def outlook_paragraph(
    outlook: Mapping[str, Any] | None, risk: Mapping[str, Any] | None, currency: str = "USD"
) -> str:
    """The quarter ahead in one paragraph: forecast and range against the goal, coverage, risk.

    Parameters
    ----------
    outlook
        Report 03's :func:`~salesops_lib.reports.forecasting.outlook_figures`; None when the
        report did not render.
    risk
        The biggest risk (a finding of :func:`top_findings`, see :func:`biggest_risk`), or None.
    currency
        ISO code of the amounts (the outlook's own ``currency`` wins).

    Returns
    -------
    str
        The paragraph (``**`` marks bold).

    Examples
    --------
    ``For **2026Q4** the recommended forecast (Pipeline by stage) is **$22.8M**, 80% range
    $20.1M – $25.3M, against a goal of $18.5M (quota): 123% of it. ...``
    """
    tail = f" The biggest risk: {risk['text']}" if risk else ""
    if outlook is None:
        return (
            "The forecast of the quarter ahead is missing: report 03 (Forecasting) could not be "
            "produced this time." + tail
        )
    fmt = money_in(str(outlook.get("currency") or currency))
    q, goal = bold(outlook["quarter"]), outlook.get("goal")
    basis = "quota" if outlook.get("goal_basis") == "quota" else str(outlook.get("goal_basis"))
    against = f"a goal of {fmt(goal)} ({basis})" if goal else "no goal (no quotas in the data)"
    if outlook.get("point") is not None:
        text = (
            f"For {q} the recommended forecast ({outlook['method']}) is "
            f"{bold(fmt(outlook['point']))}"
        )
        if outlook.get("lo80") is not None and outlook.get("hi80") is not None:
            text += f", 80% range {span(outlook['lo80'], outlook['hi80'], fmt)}"
        if outlook.get("rule_miss") is not None and outlook.get("rule_quarters"):
            text += (
                f" (picked from past quarters alone, the rule missed by "
                f"{pct(outlook['rule_miss'], 1)} on average over "
                f"{count(int(outlook['rule_quarters']), 'quarter')} tested)"
            )
        text += f", against {against}"
        text += f": {pct(outlook['point'] / goal)} of it." if goal else "."
    else:
        text = (
            f"For {q} no forecast method is recommended (report 03 says why); the quarter is "
            f"measured against {against}."
        )
    booked = float(outlook.get("booked") or 0.0)
    if not outlook.get("open_pipeline"):
        text += f" No open deal is expected to close in {q} yet: its open pipeline is {fmt(0)}."
    elif outlook.get("coverage") is not None and goal:
        text += (
            f" Its open pipeline of {fmt(outlook['open_pipeline'])} is "
            f"{bold(ratio(outlook['coverage']))} the {fmt(goal - booked)} still to book."
        )
    elif goal:
        text += f" Bookings so far, {fmt(booked)}, already meet the goal."
    return text + tail


def biggest_risk(
    findings: Sequence[Mapping[str, Any]], forecast: Sequence[Mapping[str, Any]] = ()
) -> Mapping[str, Any] | None:
    """The biggest risk to the quarter ahead: report 03's largest risk, else the top finding.

    Parameters
    ----------
    findings
        :func:`top_findings`' result.
    forecast
        Report 03's own findings (``text, at_stake, section``).

    Returns
    -------
    dict or None
        Report 03's finding of "What is at risk?" with the most money at stake; without one,
        the first of ``findings`` with money at stake outside report 03's forecast section
        (which the outlook's forecast sentence already says); None without either.
    """
    from salesops_lib.reports.forecasting import SECTION_FORECAST, SECTION_RISK

    risks = [f for f in forecast if f.get("section") == SECTION_RISK and f["at_stake"] > 0]
    if risks:
        return max(risks, key=lambda f: f["at_stake"])
    for f in findings:
        if f["at_stake"] > 0 and not (
            f["report"] == FORECAST_REPORT and f.get("section") == SECTION_FORECAST
        ):
            return f
    return None
