"""The run's executive summary page, ``00_executive_summary.html``, from what the reports said.

Each report kernel hands the run its builder's findings and (report 03) the quarter ahead
with its status (:func:`salesops_lib.render.page.status`); the run keeps them in each
report's result and in ``manifest.json``, and writes this page from them, so no report is
built twice and no sentence is worded twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from salesops_lib.format import money
from salesops_lib.render.handouts import write_workbook
from salesops_lib.render.page import marked
from salesops_lib.render.svg import bars_svg
from salesops_lib.reports.executive import (
    DEFINITIONS,
    FORECAST_REPORT,
    SUMMARY_NAME,
    SUMMARY_TITLE,
    biggest_risk,
    outlook_paragraph,
    top_findings,
)
from salesops_lib.run.pages import ENV, page
from salesops_lib.run.results import NotebookResult


def summary_findings(results: list[NotebookResult]) -> list[dict[str, Any]]:
    """The findings the summary lists (:func:`~salesops_lib.reports.executive.top_findings`).

    Parameters
    ----------
    results
        The quarter's reports, in name order.

    Returns
    -------
    list of dict
    """
    return top_findings(
        [
            {"name": r.name, "title": r.title, "html": r.html, "findings": r.findings}
            for r in results
            if r.status == "ok"
        ]
    )


WORKBOOK = "00_key_tables.xlsx"
"""The workbook of the quarter's key tables, a sheet per report, beside the summary."""


def write_key_tables(folder: Path, results: list[NotebookResult], quarter: str) -> Path | None:
    """Write :data:`WORKBOOK`: each report's key table on its own sheet.

    Parameters
    ----------
    folder
        The rendering folder.
    results
        The quarter's reports; those that rendered with a key table get a sheet, named by
        the report's short title (the contents list the others as having no table).
    quarter
        Fiscal quarter label (the contents sheet names it).

    Returns
    -------
    Path or None
        The workbook; None when no report handed back a table.
    """
    sheets = [
        (f"{r.name[:2]} {r.title.split(':')[0].strip()}", r.title, r.table or None)
        for r in results
        if r.status == "ok"
    ]
    if not any(rec for _, _, rec in sheets):
        return None
    return write_workbook(
        Path(folder) / WORKBOOK,
        sheets,
        title=f"Key tables of the sales reports for {quarter}: one sheet per report",
    )


def write_summary(
    folder: Path,
    results: list[NotebookResult],
    headline: dict[str, Any],
    meta: dict[str, str],
    currency: str,
) -> Path:
    """Write ``00_executive_summary.html``: tiles, top findings with links, the quarter ahead.

    Parameters
    ----------
    folder
        The rendering folder.
    results
        The quarter's reports (rendered now or kept), with their findings.
    headline
        :func:`~salesops_lib.run.index.headline_figures`' result (its tiles are the page's).
    meta
        ``quarter``, ``as_of``, ``version``, ``fingerprint``.
    currency
        ISO code of the amounts.

    Returns
    -------
    Path
        The page.
    """
    found = summary_findings(results)
    forecast = next((r for r in results if r.name == FORECAST_REPORT and r.status == "ok"), None)
    outlook = forecast.outlook if forecast is not None else None
    fmt_money = [money(f["at_stake"], currency) for f in found if f["at_stake"] > 0]
    chart = ""
    if fmt_money:
        shown = found[: len(fmt_money)]
        chart = bars_svg(
            [f"{i + 1}. {f['title']}" for i, f in enumerate(shown)],
            [f["at_stake"] for f in shown],
            fmt_money,
            title="Money at stake in each finding, largest first",
        )
    reports = sum(r.status == "ok" for r in results)
    intro = (
        f"The {len(found)} findings of this quarter's {reports} reports with the most money at "
        "stake, largest first; each links to the section of the report behind it."
        if found
        else f"The headline figures of this quarter's {reports} reports and the quarter ahead."
    )
    anchor = str((outlook or {}).get("anchor") or "")
    body = ENV.get_template("summary.html").render(
        quarter=meta["quarter"],
        intro=marked(intro),
        headline=headline["items"],
        findings=[{**f, "html": marked(str(f["text"]))} for f in found],
        chart=chart,
        missing=[
            f"{r.title} could not be produced this time, so its findings are not listed here."
            for r in results
            if r.status != "ok"
        ],
        outlook=marked(
            outlook_paragraph(
                outlook, biggest_risk(found, forecast.findings if forecast else []), currency
            )
        ),
        outlook_href=(f"{forecast.html}#{anchor}" if forecast and anchor else ""),
        definitions=DEFINITIONS,
    )
    path = Path(folder) / f"{SUMMARY_NAME}.html"
    path.write_text(page(SUMMARY_TITLE, body, meta), encoding="utf-8")
    return path
