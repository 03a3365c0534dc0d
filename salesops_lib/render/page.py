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

Every output is a ``<div class="salesops-output mathjax_ignore tex2jax_ignore">``: JupyterLab's
maths renderer (MathJax) skips it, so ``$20.6M and $25.0M`` stays money instead of turning
into a formula, and it carries the ``<style>`` rules of the classes it uses (from the
report page's ``style.css``, scoped to the output), so tiles and notes look in a notebook as
they do in the HTML report.
"""

from __future__ import annotations

import html
import io
import json
import logging
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from IPython.display import HTML, display

from salesops_lib.config import load_config
from salesops_lib.data import SalesData, load_dataset
from salesops_lib.errors import ConfigError
from salesops_lib.render import QUIET_ENV, plots
from salesops_lib.reports.base import STATUS_MIME, Finding, Gap, Header, Tile, status_of
from salesops_lib.reports.tables import Table

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
OUTPUT_CLASS = "salesops-output mathjax_ignore tex2jax_ignore"
"""Classes of every output's wrapper: ours, and the ones MathJax 3 and 2 skip."""
_CSS = Path(__file__).parent / "templates" / "style.css"
_RULE = re.compile(r"^([^\s@:{}][^{}]*?)\s*\{([^{}]*)\}", re.M)
_INK = "color:var(--ink);"


def output_css(classes: Iterable[str], css: str | None = None) -> str:
    """The report page's style rules for some classes, scoped to an output's wrapper.

    Parameters
    ----------
    classes
        Class names the output uses, e.g. ``["tiles", "tile", "tile-label"]``.
    css
        The style sheet; None: the report page's ``templates/style.css``.

    Returns
    -------
    str
        CSS: the page's colour variables on ``.salesops-output``, then every top-level rule
        whose selector names one of ``classes``, each selector prefixed with
        ``.salesops-output`` (so it styles nothing else in a notebook), with dark text inside
        the light boxes (a dark notebook theme keeps them readable).

    Examples
    --------
    >>> output_css(["tile"], ":root { --ink:#123; }\\n.tile { background:#fff; }\\n.card { border:0; }")
    '.salesops-output{--ink:#123;}.salesops-output .tile{background:#fff;color:var(--ink);}'
    """
    text = _CSS.read_text(encoding="utf-8") if css is None else css
    root = re.search(r":root\s*\{([^{}]*)\}", text)
    out = [f".salesops-output{{{root.group(1).strip().replace(' ', '')}}}"] if root else []
    names = [re.compile(rf"\.{re.escape(c)}(?![\w-])") for c in classes]
    for m in _RULE.finditer(text):
        selector, body = m.group(1).strip(), m.group(2).strip().rstrip(";") + ";"
        if selector.startswith(("*", "body", "html")) or not any(n.search(selector) for n in names):
            continue
        scoped = ", ".join(f".salesops-output {part.strip()}" for part in selector.split(","))
        if "background" in body and "color:" not in body.replace("background-color:", ""):
            body += _INK
        out.append(f"{scoped}{{{body.replace('; ', ';')}}}")
    return "".join(out)


def output(body: str, classes: Iterable[str]) -> HTML:
    """An output as the notebook shows it: maths rendering off, its style with it.

    Parameters
    ----------
    body
        The output's HTML; blank: nothing is shown.
    classes
        The classes ``body`` uses (their rules travel with it, :func:`output_css`).

    Returns
    -------
    HTML
        ``<div class="salesops-output mathjax_ignore tex2jax_ignore"><style>...</style>body</div>``,
        or empty for a blank body.

    Examples
    --------
    >>> output("", ["finding"]).data
    ''
    """
    if not body:
        return HTML("")
    return HTML(f'<div class="{OUTPUT_CLASS}"><style>{output_css(classes)}</style>{body}</div>')


_TABLE = ("table-wrap", "report-table", "more", "num", "date", "gap")


def load(data: str, *, config: str = "", preset: str = "") -> SalesData:
    """Load a report's data and set the chart style; in the quarterly run, keep warnings out.

    Warnings and logs are switched off only in a kernel the quarterly run starts (it sets
    the environment variable :data:`~salesops_lib.render.QUIET_ENV` to ``1``), never in an
    analyst's session, where they stay as Python shows them.

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

    Raises
    ------
    ConfigError
        When the config file is missing or invalid, or the preset is unknown.
    SalesOpsDataError
        When the data has blocking problems (the message lists them).
    """
    if os.environ.get(QUIET_ENV) == "1":
        quiet()
    plots.set_style()
    cfg = read_config(config)
    return load_dataset(data, preset=preset or None, config=cfg or None)


def read_config(config: str | None) -> dict[str, Any]:
    """A ``salesops.toml`` or a run's ``config.json`` as a dict (blank: empty).

    Parameters
    ----------
    config
        Path of the file; a ``.json`` file is read as is, anything else as ``salesops.toml``
        (:func:`~salesops_lib.config.load_config`). None or blank: no configuration.

    Returns
    -------
    dict
        The configuration's sections and keys; empty for no file.

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
    """Keep warnings and library logs out of the report, for the rest of the kernel's life.

    :func:`load` calls it only in a kernel the quarterly run starts.
    """
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)


def marked(text: str) -> str:
    """``text`` escaped, with ``**...**`` turned into bold.

    Parameters
    ----------
    text
        A generated sentence (plain text; ``**`` marks emphasis).

    Returns
    -------
    str
        HTML.

    Examples
    --------
    >>> marked("Bookings reached **$1.2M** for <Ann>.")
    'Bookings reached <b>$1.2M</b> for &lt;Ann&gt;.'
    """
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=True))


def say(text: str | None) -> HTML:
    """A generated sentence as a finding paragraph (nothing for None).

    Parameters
    ----------
    text
        The sentence (``**`` marks bold); None or blank shows nothing.

    Returns
    -------
    HTML
        A ``<p class="finding">`` in an :func:`output`, or empty.

    Examples
    --------
    >>> say("Bookings reached **$1.2M**.").data  # doctest: +ELLIPSIS
    '<div class="salesops-output ..."><style>...</style><p class="finding">Bookings reached <b>$1.2M</b>.</p></div>'
    >>> say(None).data
    ''
    """
    return output("" if not text else f'<p class="finding">{marked(text)}</p>', ["finding"])


def note(text: str | None) -> HTML:
    """A caveat in a grey box (nothing for None).

    Parameters
    ----------
    text
        The caveat (``**`` marks bold); None or blank shows nothing.

    Returns
    -------
    HTML
        A ``<div class="note">`` in an :func:`output`, or empty.
    """
    return output("" if not text else f'<div class="note">{marked(text)}</div>', ["note"])


def gap(g: Gap) -> HTML:
    """The one line a section without its data shows instead: what is missing, how to add it.

    Parameters
    ----------
    g
        The section's gap.

    Returns
    -------
    HTML
        :attr:`Gap.sentence <salesops_lib.reports.base.Gap.sentence>` as a :func:`note`.
    """
    return note(g.sentence)


def tiles(items: Iterable[Tile]) -> HTML:
    """Headline figures.

    Parameters
    ----------
    items
        The tiles, in the order shown (label, value and detail are escaped).

    Returns
    -------
    HTML
        A ``<div class="tiles">`` with one ``tile`` per item, in an :func:`output`.
    """
    cells = "".join(
        f'<div class="tile"><div class="tile-label">{html.escape(t.label)}</div>'
        f'<div class="tile-value">{html.escape(t.value)}</div>'
        f'<div class="tile-detail">{html.escape(t.detail)}</div></div>'
        for t in items
    )
    return output(
        f'<div class="tiles">{cells}</div>',
        ["tiles", "tile", "tile-label", "tile-value", "tile-detail"],
    )


def table(t: Table) -> HTML:
    """A report table, formatted by its spec.

    Parameters
    ----------
    t
        The table.

    Returns
    -------
    HTML
        :meth:`Table.to_html <salesops_lib.reports.tables.Table.to_html>`, in an
        :func:`output`.
    """
    return output(t.to_html(), _TABLE)


def tables(listed: Iterable[Table]) -> HTML:
    """Several report tables one after the other (e.g. by team, by region, by manager).

    Parameters
    ----------
    listed
        The tables, in the order shown.

    Returns
    -------
    HTML
    """
    return output("".join(t.to_html() for t in listed), _TABLE)


def header(h: Header) -> HTML:
    """The scope sentence, and the data's warnings collapsed under a one-line summary.

    Parameters
    ----------
    h
        The report's header (:func:`salesops_lib.reports.base.header`).

    Returns
    -------
    HTML
        The scope paragraph, then (when the data has warnings) a ``<details>`` element whose
        summary is ``warnings_summary`` and whose body is the warnings table.
    """
    parts = [f'<p class="finding">{marked(h.scope)}</p>']
    if h.caveat:
        parts.append(f'<div class="note">{marked(h.caveat)}</div>')
    if h.warnings_summary:
        parts.append(
            f'<details class="warnings"><summary>{marked(h.warnings_summary)}</summary>'
            f"{h.warnings.to_html()}</details>"
        )
    return output("".join(parts), ["finding", "note", "warnings", *_TABLE])


def definitions(terms: Mapping[str, str]) -> HTML:
    """The closing Definitions section: each term and its meaning.

    Parameters
    ----------
    terms
        Term to meaning, in the order shown (both escaped; no bold marks).

    Returns
    -------
    HTML
        A ``<dl class="definitions">``.
    """
    rows = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in terms.items())
    return output(f'<dl class="definitions">{rows}</dl>', ["definitions"])


def show(ax: Any) -> None:
    """Display the chart an Axes belongs to, in place, and close it.

    The figure is shown as a PNG (110 dpi, white background), so the HTML report holds the
    picture and no figure stays open; the image's alternative text is the chart's title
    (what it shows), for screen readers and for a page whose images are blocked.

    Parameters
    ----------
    ax
        A matplotlib Axes (as every function of :mod:`salesops_lib.render.plots` returns), or
        a Figure.
    """
    display(HTML(_img(ax)))


def _img(ax: Any) -> str:
    """The chart an Axes belongs to as an ``<img>`` (PNG, 110 dpi, its title as alternative text); closes it."""
    import base64

    import matplotlib.pyplot as plt

    fig = ax.figure if hasattr(ax, "figure") else ax
    titles = [a.get_title() for a in fig.axes if a.get_title()] or [fig.get_suptitle() or "Chart"]
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    alt = html.escape(titles[0], quote=True)
    return f'<img class="chart" src="data:image/png;base64,{data}" alt="{alt}">'


def picture(plot: Any, frame: Any, **options: Any) -> HTML:
    """:func:`chart` as an output to display among others (one ``display`` for a section).

    Parameters
    ----------
    plot
        A function of :mod:`salesops_lib.render.plots` taking the frame first.
    frame
        The frame to draw, or None.
    **options
        Keywords for ``plot``.

    Returns
    -------
    HTML
        The chart as an ``<img>``; empty when ``frame`` is None or empty (the section's
        sentence says why there is nothing to draw).
    """
    if frame is None or len(frame) == 0:
        return HTML("")
    return HTML(_img(plot(frame, **options)))


def chart(plot: Any, frame: Any, **options: Any) -> None:
    """Draw ``plot(frame, **options)`` and show it; nothing when ``frame`` is None or empty.

    The section's sentence then says why there is nothing to draw.

    Parameters
    ----------
    plot
        A function of :mod:`salesops_lib.render.plots` taking the frame first.
    frame
        The frame to draw (the columns ``plot`` needs), or None.
    **options
        Keywords for ``plot`` (``title``, ``label``, ``value``, ...).

    Examples
    --------
    >>> page.chart(plots.hbar, r.team_chart, label="group", value="bookings", title=r.team_title)  # doctest: +SKIP
    """
    if frame is None or len(frame) == 0:
        return
    show(plot(frame, **options))


def gaps(listed: Iterable[Gap], section: str) -> HTML:
    """The one-line notes of the gaps of one section (what is missing, how to add it).

    Parameters
    ----------
    listed
        A report's gaps.
    section
        The section whose gaps are shown (a gap's ``section``, exactly).

    Returns
    -------
    HTML
        One :func:`gap` note per gap of that section; empty when it has none.
    """
    notes = "".join(
        f'<div class="note">{marked(g.sentence)}</div>' for g in listed if g.section == section
    )
    return output(notes, ["note"])


def status(
    gaps: Iterable[Gap],
    findings: Iterable[Finding] = (),
    outlook: Mapping[str, Any] | None = None,
    *,
    table: Table | None = None,
) -> None:
    """Tell the quarterly run the report's status, its findings and (03) its outlook.

    Displays an output of type :data:`STATUS_MIME`, which the HTML conversion leaves out;
    the run reads the findings back for the executive summary, so they are worded once,
    by the builder.

    Parameters
    ----------
    gaps
        Every gap of the report (:func:`~salesops_lib.reports.base.status_of` words the
        status from them).
    findings
        The builder's findings (text, money at stake, section).
    outlook
        Figures of the quarter ahead for the summary's outlook (report 03's
        :func:`~salesops_lib.reports.forecasting.outlook_figures`); None: none.
    table
        The report's key table, for the run's workbook of key tables (its sheet); None: none.
    """
    listed = list(gaps)
    payload: dict[str, Any] = {
        "status": status_of(listed),
        "gaps": [{"section": g.section, "missing": g.missing, "how": g.how} for g in listed],
    }
    found = [
        {"text": f.text, "at_stake": float(f.at_stake), "section": f.section} for f in findings
    ]
    if found:
        payload["findings"] = found
    if outlook is not None:
        payload["outlook"] = dict(outlook)
    if table is not None:
        from salesops_lib.render.handouts import table_record

        payload["table"] = table_record(table)
    display({STATUS_MIME: payload}, raw=True)


def table_if(t: Table | None) -> HTML:
    """A report table, or nothing when the section has none (its gap line says why).

    Parameters
    ----------
    t
        The table, or None.

    Returns
    -------
    HTML
        The table's HTML; empty for None or a table without rows.
    """
    return output("" if t is None or len(t) == 0 else t.to_html(), _TABLE)


def handout(
    t: Table | None, output_dir: str, stem: str, what: str | None, *, sheet_by: str = "team"
) -> HTML:
    """Write a table beside the report as CSV and Excel and say where it is.

    Nothing is written, and nothing shown, when ``output_dir`` is blank (an analyst's
    notebook), the table is None or empty (the section's gap says why), or ``what`` is None
    (a builder's sentence with nothing to say).

    Parameters
    ----------
    t
        The table the report shows (its labels and rows are the files').
    output_dir
        The notebook's ``output_dir`` parameter (the quarterly run sets it).
    stem
        File name without extension, e.g. ``04_quota_letters``.
    what
        What the files hold, e.g. ``A quota letter per rep`` (``**`` marks bold).
    sheet_by
        The column splitting the workbook into sheets (e.g. ``manager``).

    Returns
    -------
    HTML
        A finding paragraph linking ``<stem>.csv`` and ``<stem>.xlsx``, or empty.
    """
    from salesops_lib.render.handouts import write_table

    if t is None or what is None or not str(output_dir or "").strip() or len(t) == 0:
        return HTML("")
    written = write_table(t, output_dir, stem, sheet_by=sheet_by)
    csv, xlsx = (html.escape(p.name, quote=True) for p in (written.csv, written.xlsx))
    sheets = f" (one sheet per {sheet_by})" if written.sheets > 1 else ""
    return output(
        f'<p class="finding">{marked(what)}: <a href="{csv}">{csv}</a> and '
        f'<a href="{xlsx}">{xlsx}</a>{sheets}, beside this report.</p>',
        ["finding"],
    )


def csv_handouts(tables: dict[str, Table], output_dir: str, what: str | None) -> HTML:
    """Write one CSV per table beside the report (e.g. one per manager) and link them.

    Nothing is written, and nothing shown, when ``output_dir`` is blank, there is no table
    with rows, or ``what`` is None.

    Parameters
    ----------
    tables
        File stem (already safe as a file name) → the table written under it.
    output_dir
        The notebook's ``output_dir`` parameter (the quarterly run sets it).
    what
        What the files hold, e.g. ``The deals to push, one file per manager``.

    Returns
    -------
    HTML
        A finding paragraph linking every file, or empty.
    """
    from salesops_lib.render.handouts import for_csv

    full = {stem: t for stem, t in tables.items() if len(t)}
    if not full or what is None or not str(output_dir or "").strip():
        return HTML("")
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    links = []
    for stem, t in full.items():
        path = out / f"{stem}.csv"
        for_csv(t).to_csv(path, index=False, date_format="%Y-%m-%d")
        name = html.escape(path.name, quote=True)
        links.append(f'<a href="{name}">{name}</a>')
    return HTML(f'<p class="finding">{marked(what)}: {", ".join(links)}, beside this report.</p>')
