"""What a report notebook shows, from a builder's result: escaped HTML, charts, the status.

A report notebook loads the data, calls one builder and shows its pieces::

    data = page.load(data, config=config, preset=preset)
    r = team_visibility.build(data, quarter=quarter, as_of=as_of, team=team)
    display(page.header(r.header))
    display(page.say(r.pace_sentence))
    page.show(plots.pace_chart(r.pace.curves, quarter=r.period.quarter, title=r.pace_title))
    display(page.table(r.coverage_by_team))

Every string from the data (rep, team, account names) is HTML-escaped here. Sentences are
plain text in which ``**...**`` marks bold; a ``None`` sentence shows nothing.
"""

from __future__ import annotations

import html
import io
import json
import logging
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from IPython.display import HTML, Image, display

from salesops_lib.config import load_config
from salesops_lib.data import SalesData, load_dataset
from salesops_lib.errors import ConfigError
from salesops_lib.render import plots
from salesops_lib.reports.base import STATUS_MIME, Gap, Header, Tile, status_of
from salesops_lib.reports.tables import Table

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


def load(data: str, *, config: str = "", preset: str = "") -> SalesData:
    """Load a report's data, keep warnings and logs out of the report, set the chart style.

    Parameters
    ----------
    data
        A run's snapshot folder, or any source :func:`~salesops_lib.load_dataset` reads.
    config
        ``salesops.toml`` or a run's ``config.json``; blank: none.
    preset
        ``maven_crm``, ``salesforce`` or ``hubspot`` for a raw CRM export; blank: none.

    Returns
    -------
    SalesData
    """
    quiet()
    plots.set_style()
    cfg = read_config(config)
    return load_dataset(data, preset=preset or None, config=cfg or None)


def read_config(config: str | None) -> dict[str, Any]:
    """A ``salesops.toml`` or a run's ``config.json`` as a dict (blank: empty).

    Raises
    ------
    ConfigError
        When the file does not exist or cannot be read.
    """
    if config is None or str(config).strip() == "":
        return {}
    p = Path(config)
    if p.suffix.lower() == ".json":
        if not p.is_file():
            raise ConfigError(f"config file {p} does not exist")
        return dict(json.loads(p.read_text(encoding="utf-8")))
    return load_config(p)


def quiet() -> None:
    """Keep warnings and library logs out of the report."""
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)


def marked(text: str) -> str:
    """``text`` escaped, with ``**...**`` turned into bold.

    Examples
    --------
    >>> marked("Bookings reached **$1.2M** for <Ann>.")
    'Bookings reached <b>$1.2M</b> for &lt;Ann&gt;.'
    """
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=True))


def say(text: str | None) -> HTML:
    """A generated sentence as a finding paragraph (nothing for None)."""
    return HTML("" if not text else f'<p class="finding">{marked(text)}</p>')


def note(text: str | None) -> HTML:
    """A caveat in a grey box (nothing for None)."""
    return HTML("" if not text else f'<div class="note">{marked(text)}</div>')


def gap(g: Gap) -> HTML:
    """The one line a section without its data shows instead: what is missing, how to add it."""
    return note(g.sentence)


def tiles(items: Iterable[Tile]) -> HTML:
    """Headline figures."""
    cells = "".join(
        f'<div class="tile"><div class="tile-label">{html.escape(t.label)}</div>'
        f'<div class="tile-value">{html.escape(t.value)}</div>'
        f'<div class="tile-detail">{html.escape(t.detail)}</div></div>'
        for t in items
    )
    return HTML(f'<div class="tiles">{cells}</div>')


def table(t: Table) -> HTML:
    """A report table, formatted by its spec."""
    return HTML(t.to_html())


def tables(listed: Iterable[Table]) -> HTML:
    """Several report tables one after the other (e.g. by team, by region, by manager)."""
    return HTML("".join(t.to_html() for t in listed))


def header(h: Header) -> HTML:
    """The scope sentence, and the data's warnings collapsed under a one-line summary."""
    parts = [f'<p class="finding">{marked(h.scope)}</p>']
    if h.warnings_summary:
        parts.append(
            f'<details class="warnings"><summary>{marked(h.warnings_summary)}</summary>'
            f"{h.warnings.to_html()}</details>"
        )
    return HTML("".join(parts))


def definitions(terms: Mapping[str, str]) -> HTML:
    """The closing Definitions section: each term and its meaning."""
    rows = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in terms.items())
    return HTML(f'<dl class="definitions">{rows}</dl>')


def show(ax: Any) -> None:
    """Display the chart an Axes belongs to, in place, and close it."""
    import matplotlib.pyplot as plt

    fig = ax.figure if hasattr(ax, "figure") else ax
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="png"))


def chart(plot: Any, frame: Any, **options: Any) -> None:
    """Draw ``plot(frame, **options)`` and show it; nothing when ``frame`` is None or empty
    (the section's sentence then says why there is nothing to draw).

    Examples
    --------
    >>> page.chart(plots.hbar, r.team_chart, label="group", value="bookings", title=r.team_title)  # doctest: +SKIP
    """
    if frame is None or len(frame) == 0:
        return
    show(plot(frame, **options))


def gaps(listed: Iterable[Gap], section: str) -> HTML:
    """The one-line notes of the gaps of one section (what is missing, how to add it)."""
    return HTML("".join(gap(g).data for g in listed if g.section == section))


def status(gaps: Iterable[Gap]) -> None:
    """Tell the quarterly run whether the report is complete (``Ready``) or ``Partial: ...``.

    Displays an output of type :data:`STATUS_MIME`, which the HTML conversion leaves out.
    """
    listed = list(gaps)
    payload = {
        "status": status_of(listed),
        "gaps": [{"section": g.section, "missing": g.missing, "how": g.how} for g in listed],
    }
    display({STATUS_MIME: payload}, raw=True)


def table_if(t: Table | None) -> HTML:
    """A report table, or nothing when the section has none (its gap line says why)."""
    return HTML("" if t is None or len(t) == 0 else t.to_html())


def handout(t: Table | None, output_dir: str, stem: str, what: str | None) -> HTML:
    """Write a table beside the report as CSV and Excel and say where it is.

    Nothing is written, and nothing shown, when ``output_dir`` is blank (an analyst's
    notebook) or the table is None or empty (the section's gap says why).

    Parameters
    ----------
    t
        The table the report shows (its labels and rows are the files').
    output_dir
        The notebook's ``output_dir`` parameter (the quarterly run sets it).
    stem
        File name without extension, e.g. ``04_quota_letters``.
    what
        What the files hold, e.g. ``A quota letter per rep``.
    """
    from salesops_lib.render.handouts import write_table

    if t is None or not str(output_dir or "").strip() or len(t) == 0:
        return HTML("")
    written = write_table(t, output_dir, stem)
    csv, xlsx = (html.escape(p.name, quote=True) for p in (written.csv, written.xlsx))
    sheets = " (one sheet per team)" if written.sheets > 1 else ""
    return HTML(
        f'<p class="finding">{marked(what)}: <a href="{csv}">{csv}</a> and '
        f'<a href="{xlsx}">{xlsx}</a>{sheets}, beside this report.</p>'
    )
