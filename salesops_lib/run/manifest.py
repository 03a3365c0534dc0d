"""The run's ``manifest.json`` (parameters, data fingerprint, versions, every report's status)
and what later runs read back from earlier manifests."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from salesops_lib import __version__
from salesops_lib.config import mask
from salesops_lib.run.results import NotebookResult


def build_manifest(
    *,
    quarter: str,
    as_of: str,
    parameters: dict[str, Any],
    fingerprint: str,
    results: list[NotebookResult],
    headline: dict[str, Any],
    data_warnings: int,
    started: dt.datetime,
    duration: float,
    summary: dict[str, Any] | None = None,
    teams: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The manifest of a run, as a dict ready for JSON.

    Parameters
    ----------
    quarter, as_of
        What the run rendered.
    parameters
        The run's parameters (source, preset, config, quarter, as_of, only, jobs).
    fingerprint
        The data's fingerprint.
    results
        Every report of the quarter.
    headline
        ``headline_figures``' result (its ``raw`` figures are recorded).
    data_warnings
        Number of data-quality warnings.
    started
        When the run started (UTC).
    duration
        Seconds the run has taken so far.
    summary
        The executive summary's page and the findings it lists (None: no summary).
    teams
        The team pages, per team (:func:`~salesops_lib.run.teams.write_team_pages`; None:
        none rendered).

    Returns
    -------
    dict
        With ``status`` "complete" when every report and team page rendered, else "failed".
    """
    team_failed = sum(int(t.get("failed", 0)) for t in teams or [])
    return {
        "quarter": quarter,
        "as_of": as_of,
        "status": "complete"
        if all(r.status == "ok" for r in results) and not team_failed
        else "failed",
        "parameters": parameters,
        "data_fingerprint": fingerprint,
        "library_version": __version__,
        "python_version": sys.version.split()[0],
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "duration_seconds": round(duration, 2),
        "headline": dict(headline.get("raw", {})),
        "reports": [
            {
                "name": r.name,
                "title": r.title,
                "status": r.status,
                "completeness": r.completeness,
                "duration_seconds": round(r.duration, 2),
                "error": r.error,
                "kept_from_previous_run": r.kept,
                "html": r.html,
                "findings": r.findings,
                "outlook": r.outlook,
                "table": r.table,
            }
            for r in results
        ],
        "data_warnings": int(data_warnings),
        "summary": summary,
        "teams": teams or [],
    }


def write_manifest(folder: Path, manifest: dict[str, Any], secrets: list[str]) -> Path:
    """Write ``manifest.json`` with every secret masked.

    Parameters
    ----------
    folder
        The rendering folder.
    manifest
        :func:`build_manifest`'s result.
    secrets
        Strings never to write out.

    Returns
    -------
    Path
        The manifest file.
    """
    path = Path(folder) / "manifest.json"
    path.write_text(mask(json.dumps(manifest, indent=2, default=str), secrets), encoding="utf-8")
    return path


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a quarter's folder, or None when it is missing or unreadable.

    Parameters
    ----------
    folder
        A quarter's reports folder.

    Returns
    -------
    dict or None
    """
    try:
        found = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def known_durations(out: Path) -> dict[str, float]:
    """Each report's duration in the most recent run found in ``out`` (any quarter).

    Parameters
    ----------
    out
        The reports folder.

    Returns
    -------
    dict
        Report name to seconds, for reports that rendered.
    """
    known: dict[str, float] = {}
    manifests = sorted(Path(out).glob("*/manifest.json"), key=lambda p: p.stat().st_mtime)
    for m in manifests:  # later runs overwrite earlier ones
        try:
            for r in json.loads(m.read_text(encoding="utf-8")).get("reports", []):
                if r.get("status") == "ok" and r.get("duration_seconds"):
                    known[str(r["name"])] = float(r["duration_seconds"])
        except (OSError, ValueError, TypeError, AttributeError):
            continue
    return known


def carry_over(final: Path, tmp: Path, rendered: set[str]) -> list[NotebookResult]:
    """With ``--only``: copy the previous run's other reports into the new folder.

    Parameters
    ----------
    final
        The quarter's published folder (the previous run).
    tmp
        The rendering folder.
    rendered
        Names of the reports this run rendered.

    Returns
    -------
    list of NotebookResult
        The reports kept, marked ``kept``.
    """
    previous = read_manifest(final)
    if previous is None:
        return []
    kept = []
    for r in previous.get("reports", []):
        if r["name"] in rendered:
            continue
        _copy_report(final, tmp, r["name"])
        kept.append(_kept(r))
    return kept


def carry_over_team_pages(
    final: Path, tmp: Path, rendered: set[str], folders: dict[str, str]
) -> list[NotebookResult]:
    """With ``--only`` and ``--teams``: keep the previous run's other team pages.

    A team page is kept when its team is still in the data under the same folder and
    this run did not render that report; a team new to the data has only the pages
    rendered now.

    Parameters
    ----------
    final
        The quarter's published folder (the previous run).
    tmp
        The rendering folder (team pages under ``teams/<folder>/``).
    rendered
        Names of the reports this run rendered.
    folders
        Team name to folder name in this run (:func:`~salesops_lib.run.teams.team_folders`).

    Returns
    -------
    list of NotebookResult
        The team pages kept, each naming its ``team`` and marked ``kept``.
    """
    previous = read_manifest(final)
    if previous is None:
        return []
    kept = []
    for team in previous.get("teams", []):
        name, where = str(team.get("team", "")), str(team.get("folder", ""))
        if name not in folders or where != f"teams/{folders[name]}":
            continue
        for r in team.get("reports", []):
            if r["name"] in rendered:
                continue
            _copy_report(final / where, tmp / where, r["name"])
            kept.append(_kept(r, team=name))
    return kept


def _copy_report(src: Path, dst: Path, name: str) -> None:
    """Copy one report's page, notebook, files beside it and logs from ``src`` to ``dst``."""
    (dst / "logs").mkdir(parents=True, exist_ok=True)
    for path in src.glob(f"{name}*"):
        if path.is_file():
            shutil.copy2(path, dst / path.name)
    for log in (src / "logs").glob(f"{name}.*log"):
        shutil.copy2(log, dst / "logs" / log.name)


def _kept(r: dict[str, Any], team: str = "") -> NotebookResult:
    """The result of a report kept from the previous run, from its manifest entry."""
    return NotebookResult(
        r["name"],
        r.get("title", r["name"]),
        "",
        r["status"],
        0.0,
        r.get("error", ""),
        kept=True,
        completeness=r.get("completeness", "Ready"),
        findings=list(r.get("findings") or []),
        outlook=r.get("outlook"),
        table=r.get("table"),
        team=team,
    )
