"""The run's ``index.html``: headline figures, and a card per report with its status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from salesops_lib.data import SalesData
from salesops_lib.format import money, pct, ratio
from salesops_lib.reports.definitions import pick
from salesops_lib.run.pages import ENV, rendered_at, style
from salesops_lib.run.results import NotebookResult


def headline_figures(data: SalesData, quarter: str, as_of: pd.Timestamp) -> dict[str, Any]:
    """Headline tiles for the index: bookings, attainment, win rate, open pipeline.

    The open pipeline is the quarter ahead's (this quarter's while it runs, else the next
    one's), from the same reckoning reports 01, 03 and 06 show.

    Parameters
    ----------
    data
        The run's data.
    quarter
        Fiscal quarter label.
    as_of
        The day the figures are known on.

    Returns
    -------
    dict
        ``items``: the tiles (label, value, detail) as shown; ``raw``: the company's KPI
        row as plain floats (None when missing), for the manifest.
    """
    from salesops_lib import timeline
    from salesops_lib.analysis.kpis import kpi_table
    from salesops_lib.analysis.outlook import outlook_quarter, quarter_outlook

    total = kpi_table(data, quarter=quarter, as_of=as_of, by=None).iloc[0]
    items = [
        {
            "label": "Bookings",
            "value": money(total["bookings"], data.currency),
            "detail": f"{int(total['won']):,} deals won",
        },
    ]
    if pd.notna(total["quota"]):
        items.append(
            {
                "label": "Attainment",
                "value": pct(total["attainment"]),
                "detail": f"of {money(total['quota'], data.currency)} quota",
            }
        )
    items.append(
        {
            "label": "Win rate",
            "value": pct(total["win_rate"]),
            "detail": f"{int(total['won']):,} won of {int(total['won'] + total['lost']):,} closed",
        }
    )
    ahead = quarter_outlook(data, quarter=outlook_quarter(data, quarter, as_of), as_of=as_of)
    cover = f", {ratio(ahead.coverage)} its gap to the goal" if np.isfinite(ahead.coverage) else ""
    undated = len(timeline.undated(data, as_of=as_of))
    if ahead.open_pipeline == 0 and undated:
        cover = f"; {undated:,} open deals have no close date"
    items.append(
        {
            "label": "Open pipeline",
            "value": money(ahead.open_pipeline, data.currency),
            "detail": f"closing in {ahead.quarter}{cover}",
        }
    )
    raw = {k: (None if pd.isna(v) else float(v)) for k, v in total.items()}
    raw["outlook_quarter"] = ahead.quarter  # type: ignore[assignment]
    raw["outlook_open_pipeline"] = ahead.open_pipeline
    return {"items": items, "raw": raw}


def index_definitions(has_quota: bool) -> dict[str, str]:
    """The terms the index shows, from the definitions every report shares.

    Parameters
    ----------
    has_quota
        The index shows the attainment tile (the quarter has quotas): Quota and Attainment
        are defined only then.

    Returns
    -------
    dict
        Term -> definition, ``Goal`` among them (the open-pipeline tile's gap is to it).
    """
    return pick(
        "Bookings",
        *(("Quota", "Attainment") if has_quota else ()),
        "Win rate",
        "Open pipeline",
        **{
            "The quarter ahead": (
                "The open-pipeline tile is about the quarter ahead: the reported quarter while it "
                "runs, else the one after it; its gap is that quarter's goal less what is booked."
            ),
            "Goal": (
                "A quarter's quota; when the data has no quotas for it, the average quarterly "
                "bookings of the last four complete quarters the data holds in full (fewer when it "
                "holds fewer), as in reports 01, 03 and 06."
            ),
            "Partial": (
                "A report some of whose sections lack the data they need; each such section says "
                "in one line what is missing and how to add it. What several reports lack is said "
                "once, above the cards."
            ),
        },
    )


def earlier_runs(out: Path, quarter: str) -> list[dict[str, Any]]:
    """The complete runs of other quarters in the reports folder, oldest first.

    Parameters
    ----------
    out
        The reports folder (one sub-folder per quarter, each with its ``manifest.json``).
    quarter
        The quarter being rendered (left out).

    Returns
    -------
    list of dict
        ``quarter, as_of, href, bookings, attainment, win_rate`` (floats or None) for each
        folder whose manifest says the run was complete; ``<quarter>.failed`` folders, runs
        of the same quarter and unreadable manifests are left out.
    """
    from urllib.parse import quote

    from salesops_lib.run.manifest import read_manifest

    found = []
    for folder in sorted(p for p in Path(out).iterdir() if p.is_dir()):
        m = read_manifest(folder) if not folder.name.startswith((".", "_")) else None
        if not m or m.get("status") != "complete" or folder.name != m.get("quarter"):
            continue
        if folder.name == quarter:
            continue
        head = m.get("headline")
        head = head if isinstance(head, dict) else {}
        found.append(
            {
                "quarter": folder.name,
                "as_of": str(m.get("as_of", "")),
                "href": f"../{quote(folder.name)}/index.html",
                **{k: _num(head.get(k)) for k in ("bookings", "attainment", "win_rate")},
            }
        )
    return found


def _num(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def archive_view(
    earlier: list[dict[str, Any]], quarter: str, raw: dict[str, Any], currency: str
) -> dict[str, Any]:
    """The index's quarter archive: a row per earlier run and a trend chart with this one.

    Parameters
    ----------
    earlier
        :func:`earlier_runs`' result.
    quarter
        The quarter rendered now.
    raw
        Its headline figures (``headline_figures(...)["raw"]``).
    currency
        ISO code of the amounts.

    Returns
    -------
    dict
        ``rows`` (quarter, as_of, href, bookings, attainment, win rate as shown) and
        ``chart`` (inline SVG of bookings and attainment by quarter; "" with no earlier run).
    """
    from salesops_lib.render.svg import trend_svg

    def shown(r: dict[str, Any]) -> dict[str, Any]:
        return {
            **r,
            "bookings_text": money(r["bookings"], currency)
            if r["bookings"] is not None
            else "not recorded",
            "attainment_text": pct(r["attainment"]) if r["attainment"] is not None else "no quota",
            "win_rate_text": pct(r["win_rate"]) if r["win_rate"] is not None else "no deal closed",
        }

    rows = [shown(r) for r in earlier]
    if not rows:
        return {"rows": [], "chart": ""}
    now = shown(
        {
            "quarter": quarter,
            **{k: _num(raw.get(k)) for k in ("bookings", "attainment", "win_rate")},
        }
    )
    every = sorted([*rows, now], key=lambda r: r["quarter"])
    chart = trend_svg(
        [r["quarter"] for r in every],
        [r["bookings"] or 0.0 for r in every],
        [r["bookings_text"] for r in every],
        [r["attainment"] for r in every],
        [pct(r["attainment"]) if r["attainment"] is not None else "" for r in every],
        title="Bookings and attainment by quarter",
        bar_name="Bookings",
        line_name="Attainment (bookings over quota)",
    )
    return {"rows": rows, "chart": chart}


def _card_status(r: NotebookResult) -> str:
    """The card's style: failed, partial, kept or ok."""
    if r.status != "ok":
        return "failed"
    if r.partial:
        return "partial"
    return "kept" if r.kept else "ok"


def _card_text(r: NotebookResult, shared: frozenset[str] = frozenset()) -> str:
    """What the card says: ``Failed``, ``Partial: no quotas``, ``Ready`` (and if kept).

    What the data lacks for several reports (``shared``) is said once above the cards
    (:func:`shared_gaps`), so a card names only its own: ``Partial: no hire dates; see
    above``, or ``Partial: see above`` when it has none of its own.
    """
    if r.status != "ok":
        return "Failed"
    text = r.completeness if r.partial else "Ready"
    if r.partial and shared:
        gone = missing_of(r)
        own = [m for m in gone if m not in shared]
        if len(own) < len(gone):
            text = "Partial: " + (f"no {', no '.join(own)}; see above" if own else "see above")
    return f"{text} (kept from the last run)" if r.kept else text


def missing_of(r: NotebookResult) -> list[str]:
    """What a partial report's data lacks, in the order its status names it.

    ``Partial: no quotas, no teams`` -> ``["quotas", "teams"]``; empty for a report that is
    not partial.

    Parameters
    ----------
    r
        A report's result (its ``completeness`` as :func:`~salesops_lib.reports.base.status_of`
        words it).

    Returns
    -------
    list of str
    """
    head = "Partial: no "
    if not r.partial or not r.completeness.startswith(head):
        return []
    return r.completeness[len(head) :].split(", no ")


def shared_gaps(results: list[NotebookResult]) -> tuple[list[str], frozenset[str]]:
    """What the data lacks for two or more reports, said once above the index's cards.

    Parameters
    ----------
    results
        Every report of the run.

    Returns
    -------
    tuple
        One line per missing thing, in the order the reports first name it (``"Without
        history snapshots: Rep benchmarking, Forecasting and Pipeline health."``), and the
        set of those things (each card then names only its own).

    Examples
    --------
    >>> lines, shared = shared_gaps(results)  # doctest: +SKIP
    >>> lines  # doctest: +SKIP
    ['Without quotas: Team visibility and Rep benchmarking.']
    """
    by: dict[str, list[str]] = {}
    for r in results:
        for m in missing_of(r):
            by.setdefault(m, []).append(r.title.split(":")[0])
    many = {m: names for m, names in by.items() if len(names) > 1}
    lines = [f"Without {m}: {', '.join(names[:-1])} and {names[-1]}." for m, names in many.items()]
    return lines, frozenset(many)


def write_index(
    folder: Path,
    data: SalesData,
    quarter: str,
    as_of: pd.Timestamp,
    results: list[NotebookResult],
    headline: dict[str, Any],
    meta: dict[str, str],
    *,
    earlier: list[dict[str, Any]] | None = None,
    workbook: Path | None = None,
    pdf: Path | None = None,
    teams: list[dict[str, Any]] | None = None,
) -> Path:
    """Write ``index.html``: the headline tiles and a card per report with its status.

    Parameters
    ----------
    folder
        The rendering folder.
    data
        The run's data (its source and calendar).
    quarter
        Fiscal quarter label.
    as_of
        The day the figures are known on.
    results
        Every report of the quarter, rendered now or kept from the last run.
    headline
        :func:`headline_figures`' result.
    meta
        ``version`` and ``fingerprint`` for the footer.
    earlier
        :func:`earlier_runs` of the reports folder (None or empty: none).
    workbook
        The workbook of key tables beside the index (None: none was written).
    pdf
        The PDF of the pack beside the index (None: none was made).
    teams
        The team pages per team (:func:`~salesops_lib.run.teams.write_team_pages`; None or
        empty: no team pages, no such section).

    Returns
    -------
    Path
        The index file.
    """
    _, end = data.calendar.bounds(quarter)
    without, shared = shared_gaps(results)
    cards = [
        {
            "title": r.title,
            "question": r.question,
            "status": _card_status(r),
            "status_text": _card_text(r, shared),
            "html": r.html,
            "duration": r.duration,
            "error": r.error,
        }
        for r in results
    ]
    text = ENV.get_template("index.html").render(
        css=style(),
        quarter=quarter,
        as_of=str(as_of.date()),
        running=as_of < end,
        source=data.source,
        headline=headline["items"],
        definitions=index_definitions(headline["raw"].get("quota") is not None),
        reports=cards,
        without=without,
        workbook=workbook.name if workbook is not None else "",
        pdf=pdf.name if pdf is not None else "",
        archive=archive_view(earlier or [], quarter, headline.get("raw", {}), data.currency),
        failed=sum(r.status != "ok" for r in results),
        teams=teams or [],
        rendered=rendered_at(),
        version=meta["version"],
        fingerprint=meta["fingerprint"],
    )
    path = Path(folder) / "index.html"
    path.write_text(text, encoding="utf-8")
    return path
