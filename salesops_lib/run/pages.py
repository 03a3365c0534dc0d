"""HTML pages of a run: an executed notebook without its code, and a failed report's page."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

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


def report_status(path: Path) -> str:
    """What an executed report said of itself: ``Ready`` or ``Partial: no quotas, ...``.

    Parameters
    ----------
    path
        The executed notebook; its status is the output of
        :func:`salesops_lib.render.page.status` (a notebook without one is ``Ready``).

    Returns
    -------
    str
    """
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            payload = o.get("data", {}).get(STATUS_MIME)
            if isinstance(payload, dict) and payload.get("status"):
                return str(payload["status"])
    return "Ready"


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
        As for :func:`notebook_html`.

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
    )
