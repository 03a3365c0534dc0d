"""Team pages of a quarterly run (``salesops report --teams``).

Each team in the reps' ``team`` column gets the team-facing reports narrowed to its reps,
under ``<quarter>/teams/<folder>/``, with a small index page of its own. The folder name
is made from the team's name (:func:`team_folders`): lower-case ASCII letters, digits and
dashes, with a short hash of the name when the plain form is empty or two teams would
share it, so a name from the data never reaches a path as it is (no ``/``, no ``..``).

Team-facing reports (:data:`TEAM_REPORTS`): 01 team visibility, 02 rep benchmarking, 03
forecasting, 06 pipeline health and 07 CRM data quality, which a team manager acts on.
Quota design (04) and the comp plan (05) are set once for the whole company: a team's
share of the target and its pay curve only mean something beside every other team's, so
they stay company pages (:data:`COMPANY_ONLY`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from salesops_lib.data import SalesData
from salesops_lib.run.pages import ENV, rendered_at, style
from salesops_lib.run.results import NotebookResult

TEAM_REPORTS: tuple[str, ...] = ("01", "02", "03", "06", "07")
"""Numbers of the reports rendered for each team."""

COMPANY_ONLY: dict[str, str] = {
    "04": "quota design sets the company's target and splits it across teams",
    "05": "the comp plan is one plan for every rep, judged on the whole sales force",
}
"""The reports kept at company level, each with why."""

TEAMS_FOLDER = "teams"
"""The quarter's sub-folder holding one folder per team."""

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def teams_in(data: SalesData) -> list[str]:
    """The teams the reps belong to, in name order (blank names left out).

    Parameters
    ----------
    data
        The run's data set (its reps' ``team`` column).

    Returns
    -------
    list of str
        Empty when the reps have no team.
    """
    if "team" not in data.reps:
        return []
    names = data.reps["team"].dropna().astype(str)
    return sorted({n for n in names if n.strip()})


def team_slug(name: str) -> str:
    """The plain part of a team's folder name: lower-case ASCII letters, digits and dashes.

    Parameters
    ----------
    name
        The team's name as the data spells it.

    Returns
    -------
    str
        At most 40 characters; empty when nothing of the name survives.

    Examples
    --------
    >>> team_slug("Île de France / Nord")
    'ile-de-france-nord'
    >>> team_slug("../..")
    ''
    """
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return _NOT_SLUG.sub("-", plain.lower()).strip("-")[:40].strip("-")


def team_folders(names: Iterable[str]) -> dict[str, str]:
    """A safe and unique folder name for each team.

    The plain form (:func:`team_slug`) alone when it is not empty and no other team has the
    same; otherwise the plain form and six characters of the name's SHA-1 (``team-3f9a1c``
    when nothing of the name is plain). The same name always gets the same folder among
    the same teams.

    Parameters
    ----------
    names
        The teams' names (each once).

    Returns
    -------
    dict
        Name to folder name.

    Examples
    --------
    >>> team_folders(["West", "west", "East"])
    {'West': 'west-dd322f', 'west': 'west-d63eba', 'East': 'east'}
    """
    names = list(dict.fromkeys(names))
    plain = {n: team_slug(n) for n in names}
    count: dict[str, int] = {}
    for p in plain.values():
        count[p] = count.get(p, 0) + 1
    out = {}
    for n in names:
        p = plain[n]
        if p and count[p] == 1:
            out[n] = p
        else:
            out[n] = f"{p or 'team'}-{hashlib.sha1(n.encode('utf-8')).hexdigest()[:6]}"
    return out


def is_team_report(stem: str) -> bool:
    """Whether a report (``01_team_visibility``) is rendered for each team.

    Parameters
    ----------
    stem
        The notebook's stem.

    Returns
    -------
    bool
    """
    return stem[:2] in TEAM_REPORTS


def team_pages_line(stem: str, folders: dict[str, str]) -> str:
    """The "Pages per team" line of a company report: a link to each team's page of it.

    Parameters
    ----------
    stem
        The company report's stem.
    folders
        :func:`team_folders`' result.

    Returns
    -------
    str
        HTML (names escaped); empty when there is no team or the report is company-level.
    """
    if not folders or not is_team_report(stem):
        return ""
    return ENV.from_string(
        '<p class="team-pages">Pages per team: {% for name, folder in folders.items() %}'
        '<a href="{{ base }}/{{ folder }}/{{ stem }}.html">{{ name }}</a>'
        "{% if not loop.last %} · {% endif %}{% endfor %}</p>\n"
    ).render(folders=folders, stem=stem, base=TEAMS_FOLDER)


def link_team_pages(folder: Path, results: list[NotebookResult], folders: dict[str, str]) -> None:
    """Put the "Pages per team" line at the top of each company report rendered now.

    Parameters
    ----------
    folder
        The rendering folder (the company pages).
    results
        The company reports (those kept from an earlier run are left as they are).
    folders
        :func:`team_folders`' result of the teams rendered.
    """
    for r in results:
        line = team_pages_line(r.name, folders)
        path = folder / r.html
        if not line or r.kept or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("<main>\n", "<main>\n" + line, 1), encoding="utf-8")


def write_team_index(
    folder: Path,
    team: str,
    results: list[NotebookResult],
    company: list[NotebookResult],
    meta: dict[str, str],
) -> Path:
    """Write a team's ``index.html``: a card for each of its pages, links to the company's.

    Parameters
    ----------
    folder
        The team's folder (``<quarter>/teams/<folder>``).
    team
        The team's name (escaped on the page).
    results
        The team's pages.
    company
        The company reports (the company-level ones are linked from the team's index).
    meta
        ``quarter``, ``as_of``, ``version`` and ``fingerprint``.

    Returns
    -------
    Path
        The index file.
    """
    cards = [
        {
            "title": r.title,
            "question": r.question,
            "html": r.html,
            "status": "failed" if r.status != "ok" else ("partial" if r.partial else "ok"),
            "status_text": "Failed" if r.status != "ok" else r.completeness,
            "error": r.error,
        }
        for r in sorted(results, key=lambda r: r.name)
    ]
    elsewhere = [
        {"title": r.title, "html": r.html, "why": COMPANY_ONLY.get(r.name[:2], "")}
        for r in company
        if not is_team_report(r.name)
    ]
    text = ENV.get_template("team_index.html").render(
        css=style(),
        team=team,
        quarter=meta["quarter"],
        as_of=meta["as_of"],
        reports=cards,
        elsewhere=elsewhere,
        failed=sum(r.status != "ok" for r in results),
        rendered=rendered_at(),
        version=meta["version"],
        fingerprint=meta["fingerprint"],
    )
    path = Path(folder) / "index.html"
    path.write_text(text, encoding="utf-8")
    return path


def write_team_pages(
    tmp: Path,
    folders: dict[str, str],
    company: list[NotebookResult],
    pages: list[NotebookResult],
    meta: dict[str, str],
) -> list[dict[str, Any]]:
    """Write each team's index, link the company reports to the team pages, tidy up.

    Parameters
    ----------
    tmp
        The rendering folder.
    folders
        Team name to folder name (:func:`team_folders`; empty: no team pages).
    company
        The company reports.
    pages
        The team pages (each result names its ``team``).
    meta
        ``quarter``, ``as_of``, ``version`` and ``fingerprint``.

    Returns
    -------
    list of dict
        Per team, in name order: ``team``, ``folder``, ``index`` and ``reports`` (name,
        title, status, completeness, duration, error and ``html`` from the quarter's
        folder), as the company index and ``manifest.json`` show them.
    """
    link_team_pages(tmp, company, folders)
    out = []
    for name, slug in sorted(folders.items()):
        folder = Path(tmp) / TEAMS_FOLDER / slug
        mine = [r for r in pages if r.team == name]
        write_team_index(folder, name, mine, company, meta)
        logs = folder / "logs"
        if logs.is_dir() and not any(logs.iterdir()):
            logs.rmdir()
        where = f"{TEAMS_FOLDER}/{slug}"
        out.append(
            {
                "team": name,
                "folder": where,
                "index": f"{where}/index.html",
                "failed": sum(r.status != "ok" for r in mine),
                "reports": [
                    {
                        "name": r.name,
                        "title": r.title,
                        "status": r.status,
                        "completeness": r.completeness,
                        "duration_seconds": round(r.duration, 2),
                        "error": r.error,
                        "html": f"{where}/{r.html}",
                    }
                    for r in sorted(mine, key=lambda r: r.name)
                ],
            }
        )
    return out
