"""The pack as one PDF: the summary and every report, each from a new page, printed by Chromium.

The pages are joined into one HTML file (their ``<main>`` content, each in a
``<section class="pack-report">`` that the print stylesheet starts on a new page) and printed
with headless Chromium's ``--print-to-pdf`` when a Chromium is installed; without one, no PDF
is made and the run says so in one line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from salesops_lib.run.pages import style

PACK_PDF = "00_pack.pdf"
"""The PDF's file name beside the index."""
PACK_HTML = "_pack.html"
"""The joined page Chromium prints (removed once printed)."""
CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_MAIN = re.compile(r"<main>(.*)</main>", re.S)


def find_chromium() -> str | None:
    """The Chromium to print with: ``$SALESOPS_CHROMIUM``, else the first of :data:`CHROMIUMS` on PATH.

    Returns
    -------
    str or None
        Its path; None when none is installed.
    """
    own = os.environ.get("SALESOPS_CHROMIUM")
    if own:
        return own if Path(own).is_file() else None
    return next((p for p in (shutil.which(c) for c in CHROMIUMS) if p), None)


WIDE_COLUMNS = 9
"""A table of this many columns or more prints in a smaller font (``table.wide``)."""
VERY_WIDE_COLUMNS = 13
"""A table of this many columns or more prints on a landscape page (``table.very-wide``)."""
_TABLE = re.compile(r"<table\b([^>]*)>(.*?)</table>", re.S | re.I)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S | re.I)
_CELL = re.compile(r"<t[hd]\b([^>]*)>", re.I)
_SPAN = re.compile(r'colspan="?(\d+)', re.I)


def mark_wide_tables(body: str) -> str:
    """Mark each table of many columns so the print stylesheet fits it on the page.

    A narrow column wraps between words only (the print stylesheet never breaks a word),
    so a table of many columns gets a smaller font (``wide``, :data:`WIDE_COLUMNS`) or a
    landscape page (``very-wide``, :data:`VERY_WIDE_COLUMNS`) instead of running off the page.

    Parameters
    ----------
    body
        A page's HTML.

    Returns
    -------
    str
        The same HTML, each such ``<table>`` with the class added.

    Examples
    --------
    >>> row = "<tr>" + "<th>x</th>" * 9 + "</tr>"
    >>> mark_wide_tables(f'<table class="report-table"><thead>{row}</thead></table>')[:40]
    '<table class="report-table wide"><thead>'
    >>> mark_wide_tables("<table><tr><td>1</td></tr></table>")
    '<table><tr><td>1</td></tr></table>'
    """

    def marked(m: re.Match[str]) -> str:
        attrs, inner = m.group(1), m.group(2)
        first = _ROW.search(inner)
        cells = _CELL.findall(first.group(1)) if first else []
        n = sum(int(s.group(1)) if (s := _SPAN.search(a)) else 1 for a in cells)
        kind = "very-wide" if n >= VERY_WIDE_COLUMNS else "wide" if n >= WIDE_COLUMNS else ""
        if not kind:
            return m.group(0)
        if re.search(r'\bclass="', attrs):
            attrs = re.sub(
                r'\bclass="([^"]*)"', lambda c: f'class="{c.group(1)} {kind}"', attrs, count=1
            )
        else:
            attrs += f' class="{kind}"'
        return f"<table{attrs}>{inner}</table>"

    return _TABLE.sub(marked, body)


def pack_html(folder: Path, names: list[str], title: str) -> str:
    """The pages ``names`` (stems in ``folder``) joined into one printable page.

    Parameters
    ----------
    folder
        The rendering folder.
    names
        The pages in print order (``00_executive_summary``, ``01_team_visibility``, ...).
    title
        The document's title.

    Returns
    -------
    str
        One HTML page: the shared style sheet, then each page's content in a
        ``<section class="pack-report">``.
    """
    import html

    sections = []
    for name in names:
        page = (Path(folder) / f"{name}.html").read_text(encoding="utf-8")
        found = _MAIN.search(page)
        body = mark_wide_tables(found.group(1) if found else page)
        sections.append(
            f'<section class="pack-report" id="pack-{html.escape(name)}">{body}</section>'
        )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
        f'</title><style>{style()}</style></head><body class="pack"><main>'
        + "".join(sections)
        + "</main></body></html>"
    )


def write_pack_pdf(
    folder: Path, names: list[str], title: str, *, timeout: int = 300
) -> tuple[Path | None, str]:
    """Print the pack to :data:`PACK_PDF` in ``folder`` with headless Chromium.

    Parameters
    ----------
    folder
        The rendering folder.
    names
        The pages in print order.
    title
        The document's title.
    timeout
        Seconds Chromium may take.

    Returns
    -------
    tuple
        The PDF (None when none was made) and one line for the run's output saying what
        happened.
    """
    chromium = find_chromium()
    if chromium is None:
        return None, (
            "no PDF of the pack was made: Chromium is not installed (install Debian's chromium "
            "package, or set SALESOPS_CHROMIUM to a Chromium or Chrome binary)"
        )
    src, pdf = Path(folder) / PACK_HTML, Path(folder) / PACK_PDF
    src.write_text(pack_html(folder, names, title), encoding="utf-8")
    profile = tempfile.TemporaryDirectory(prefix="salesops-chromium-")
    try:
        subprocess.run(
            [
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                f"--user-data-dir={profile.name}",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-pdf-header-footer", f"--print-to-pdf={pdf.resolve()}", src.resolve().as_uri(),
            ],
            check=False, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"no PDF of the pack was made: Chromium did not finish ({type(exc).__name__})"
    finally:
        src.unlink(missing_ok=True)
        profile.cleanup()
    if not pdf.is_file() or pdf.stat().st_size == 0:
        pdf.unlink(missing_ok=True)
        return None, "no PDF of the pack was made: Chromium wrote no file"
    return pdf, f"PDF of the pack: {pdf.name}"
