"""The pack as one PDF: joined pages, printed by Chromium when there is one, a note when not."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from salesops_lib.run.pdf import (
    PACK_HTML,
    find_chromium,
    mark_wide_tables,
    pack_html,
    write_pack_pdf,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _pages(folder: Path) -> list[str]:
    body = "<p>" + "Bookings reached $1.2M. " * 40 + "</p>"
    for name, title in (("00_executive_summary", "Summary"), ("01_team", "Team <&> visibility")):
        (folder / f"{name}.html").write_text(
            f"<html><body><header>top</header><main><h1>{title}</h1>{body}"
            "<table class='report-table'><tr><td>1</td></tr></table></main><footer>f</footer></body></html>"
        )
    return ["00_executive_summary", "01_team"]


def test_pack_html_joins_each_pages_content_in_a_section(tmp_path):
    names = _pages(tmp_path)
    text = pack_html(tmp_path, names, "Sales reports for <2026Q3>")
    assert text.count('<section class="pack-report"') == 2
    assert "<header>top</header>" not in text and "<footer>" not in text
    assert "<title>Sales reports for &lt;2026Q3&gt;</title>" in text
    assert "break-before: page" in text  # the print stylesheet starts each report on a page


def test_without_chromium_no_pdf_and_one_line_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESOPS_CHROMIUM", str(tmp_path / "no-such-chromium"))
    assert find_chromium() is None
    pdf, note = write_pack_pdf(tmp_path, _pages(tmp_path), "t")
    assert pdf is None and note.startswith("no PDF of the pack was made: Chromium is not installed")
    assert not list(tmp_path.glob("*.pdf"))


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_chromium_prints_one_section_per_page(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESOPS_CHROMIUM", CHROMIUM)
    pdf, note = write_pack_pdf(tmp_path, _pages(tmp_path), "t")
    assert pdf is not None and note == "PDF of the pack: 00_pack.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) == 2  # each report from a new page
    assert not (tmp_path / PACK_HTML).exists()


@pytest.mark.parametrize(
    ("cells", "want"),
    [(8, ""), (9, " wide"), (12, " wide"), (13, " very-wide"), (20, " very-wide")],
)
def test_wide_tables_print_smaller_or_landscape(cells, want):
    head = "<tr>" + '<th colspan="2">two</th>' + "<th>x</th>" * (cells - 2) + "</tr>"
    body = f'<p>x</p><table class="report-table"><thead>{head}</thead><tbody></tbody></table>'
    assert mark_wide_tables(body) == body.replace('"report-table"', f'"report-table{want}"')


def test_print_style_never_breaks_inside_a_word():
    from salesops_lib.run.pages import style

    css = style()
    printed = "".join(re.findall(r"@media print \{(.*?)\n\}", css, re.S))
    assert "break-all" not in css and "anywhere" not in printed and "hyphens:auto" not in printed
    assert "overflow-wrap:normal" in printed and "@page landscape" in printed
    assert "table.wide" in printed and "table.very-wide" in printed
