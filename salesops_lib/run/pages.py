"""HTML pages of a run: an executed notebook without its code, and a failed report's page."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import nbformat
from jinja2 import Environment, PackageLoader, select_autoescape

from salesops_lib.reports.base import STATUS_MIME

ENV = Environment(
    loader=PackageLoader("salesops_lib.render", "templates"), autoescape=select_autoescape(["html"])
)
"""The Jinja environment of the run's templates (``salesops_lib/render/templates``)."""


def style() -> str:
    """The pages' style sheet, inlined into every page so a page works offline.

    Returns
    -------
    str
        The CSS text.
    """
    return (Path(__file__).parents[1] / "render" / "templates" / "style.css").read_text(
        encoding="utf-8"
    )


def rendered_at() -> str:
    """The time stamp a page shows: now, in UTC, to the minute.

    Returns
    -------
    str
    """
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def notebook_html(path: Path, title: str, meta: dict[str, str]) -> str:
    """Convert an executed notebook to a self-contained page: no code, no prompts, no stderr.

    Parameters
    ----------
    path
        The executed notebook.
    title
        The page's title.
    meta
        ``quarter``, ``as_of``, ``version`` and ``fingerprint`` for the page's footer.

    Returns
    -------
    str
        The page's HTML.
    """
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and STATUS_MIME not in o.get("data", {})
            ]
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = ("injected-parameters", "parameters", "remove")
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    exporter = HTMLExporter(config=c, template_name="basic")
    body, _ = exporter.from_notebook_node(nb)
    return page(title, body, meta)


def report_payload(path: Path) -> dict[str, Any]:
    """What an executed report told the run of itself: status, gaps, findings, outlook.

    Parameters
    ----------
    path
        The executed notebook; its payload is the output of
        :func:`salesops_lib.render.page.status`.

    Returns
    -------
    dict
        The payload; ``{"status": "Ready"}`` for a notebook without one.
    """
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            payload = o.get("data", {}).get(STATUS_MIME)
            if isinstance(payload, dict) and payload.get("status"):
                return dict(payload)
    return {"status": "Ready"}


def report_status(path: Path) -> str:
    """What an executed report said of itself: ``Ready`` or ``Partial: no quotas, ...``.

    Parameters
    ----------
    path
        The executed notebook (see :func:`report_payload`; without a status it is ``Ready``).

    Returns
    -------
    str
    """
    return str(report_payload(path)["status"])


_H2 = re.compile(r'<h2\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h2>', re.S | re.I)


def section_anchors(page_html: str) -> dict[str, str]:
    """Each section heading (``<h2>``) of a page, by its text, to its anchor (``id``).

    Parameters
    ----------
    page_html
        A report page (nbconvert gives each markdown heading an ``id``).

    Returns
    -------
    dict
        Heading text (unescaped, without the ``¶`` link) to its id, as written in the page.
    """
    found: dict[str, str] = {}
    for ident, inner in _H2.findall(page_html):
        text = html.unescape(re.sub(r"<[^>]+>", "", inner)).replace("¶", "").strip()
        found.setdefault(text, html.unescape(ident))
    return found


def failure_html(name: str, title: str, error: str, meta: dict[str, str]) -> str:
    """A readable page for a report that failed: what failed and what to do.

    Parameters
    ----------
    name
        The notebook's stem (``02_rep_benchmarking``).
    title
        The report's title.
    error
        One line saying what failed.
    meta
        As for :func:`notebook_html`.

    Returns
    -------
    str
        The page's HTML.
    """
    body = (
        f"<h1>{html.escape(title)}</h1>"
        '<div class="failure"><p><b>This report could not be produced for this quarter.</b></p>'
        f"<p>What failed: <code>{html.escape(error)}</code></p>"
        "<p>What to do: an analyst can read the details in "
        f"<code>logs/{html.escape(name)}.log</code> beside this page, fix the data or the parameter it names, "
        f"and render this report again with <code>salesops report --only {html.escape(name)}</code>. "
        "The other reports of this quarter are complete.</p></div>"
    )
    return page(title, body, meta)


def page(title: str, body: str, meta: dict[str, str]) -> str:
    """Wrap a body in the report page template.

    Parameters
    ----------
    title
        The page's title.
    body
        HTML of the page's content.
    meta
        As for :func:`notebook_html`; with ``team``, the page is that team's and its top
        links the team's index and the company's.

    Returns
    -------
    str
        The page's HTML.
    """
    return ENV.get_template("page.html").render(
        title=title,
        body=body,
        css=style(),
        quarter=meta["quarter"],
        as_of=meta["as_of"],
        rendered=rendered_at(),
        version=meta["version"],
        fingerprint=meta["fingerprint"],
        team=meta.get("team", ""),
    )
