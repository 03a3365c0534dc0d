"""The workbook of the quarter's key tables: a sheet per report, formats, frozen headers."""

from __future__ import annotations

import datetime as dt
import html
import re

import pandas as pd
import pytest

from salesops_lib.render.handouts import excel_format, table_record, write_workbook
from salesops_lib.reports.tables import Column, Table, TableSpec

SPEC = TableSpec(
    (
        Column("team", "Team"),
        Column("bookings", "Bookings", "money"),
        Column("attainment", "Attainment", "pct"),
        Column("day", "Last deal", "date"),
    )
)


def _table() -> Table:
    frame = pd.DataFrame(
        {
            "team": ["<East>", "West"],
            "bookings": [1_234_567.0, None],
            "attainment": [0.964, 1.2],
            "day": pd.to_datetime(["2026-09-29", None]),
            "hidden": [1, 2],
        }
    )
    return Table(frame, SPEC, "Bookings by team", "EUR")


def test_table_record_is_plain_json_of_the_shown_columns():
    rec = table_record(_table())
    assert rec["columns"] == [
        ["Team", "text"],
        ["Bookings", "money"],
        ["Attainment", "pct"],
        ["Last deal", "date"],
    ]
    assert rec["rows"] == [["<East>", 1234567.0, 0.964, "2026-09-29"], ["West", None, 1.2, None]]
    assert rec["caption"] == "Bookings by team" and rec["currency"] == "EUR"


@pytest.mark.parametrize(
    ("fmt", "currency", "want"),
    [("money", "USD", '"$"#,##0'), ("money", "EUR", '"€"#,##0'), ("money_exact", "GBP", '"£"#,##0.00'),
     ("money", "SEK", '#,##0" SEK"'), ("pct", "USD", "0%"), ("ratio", "USD", '0.0"×"'), ("text", "USD", None)],
)  # fmt: skip
def test_excel_formats(fmt, currency, want):
    assert excel_format(fmt, currency) == want


def test_workbook_sheets_formats_and_frozen_headers(tmp_path):
    from openpyxl import load_workbook

    path = write_workbook(
        tmp_path / "k.xlsx",
        [("01 Team: visibility?", "Team visibility", table_record(_table()))] * 2,
        title="Key tables",
    )
    wb = load_workbook(path)
    assert wb.sheetnames == ["Contents", "01 Team visibility", "01 Team visibility~2"]
    ws = wb["01 Team visibility"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["Team", "Bookings", "Attainment", "Last deal"]
    assert all(c.font.bold for c in ws[1])
    assert ws["A2"].value == "<East>" and ws["B2"].value == 1234567 and ws["B3"].value is None
    assert ws["B2"].number_format == '"€"#,##0' and ws["C2"].number_format == "0%"
    assert ws["D2"].value == dt.datetime(2026, 9, 29) and ws["D2"].number_format == "yyyy-mm-dd"
    assert [c.value for c in wb["Contents"][3]] == [
        "01 Team visibility",
        "Team visibility",
        "Bookings by team",
    ]


def _report_text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.xdist_group("render")
@pytest.mark.parametrize("pack", ["rendered", "maven_rendered"])
def test_workbook_figures_equal_the_reports(pack, request):
    """Each sheet's first rows, formatted as the page formats them, appear in its report."""
    from openpyxl import load_workbook

    from salesops_lib.reports.tables import format_value

    folder = request.getfixturevalue(pack).folder
    assert 'href="00_key_tables.xlsx"' in (folder / "index.html").read_text()
    wb = load_workbook(folder / "00_key_tables.xlsx")
    import json

    manifest = {r["name"]: r for r in json.loads((folder / "manifest.json").read_text())["reports"]}
    reports = sorted(n for n, r in manifest.items() if r["table"])
    assert len(reports) >= 5
    assert [s[:2] for s in wb.sheetnames[1:]] == [r[:2] for r in reports]
    contents = [[c.value for c in row] for row in wb["Contents"].iter_rows(min_row=3)]
    assert len(contents) == len(manifest)
    assert [r[1] for r in contents if r[0] == "(no sheet)"] == [
        r["title"] for n, r in sorted(manifest.items()) if not r["table"]
    ]
    for sheet, name in zip(wb.sheetnames[1:], reports, strict=True):
        ws, rec = wb[sheet], manifest[name]["table"]
        assert ws.freeze_panes == "A2" and ws.max_row == len(rec["rows"]) + 1
        text = _report_text((folder / f"{name}.html").read_text())
        fmts = [f for _, f in rec["columns"]]
        for row in ws.iter_rows(min_row=2, max_row=min(ws.max_row, 4), values_only=True):
            for value, fmt in zip(row, fmts, strict=True):
                if value is None or fmt in ("text", "date"):
                    continue
                if fmt.startswith("money"):
                    assert ws.cell(2, fmts.index(fmt) + 1).number_format.endswith(
                        "#,##0" if fmt == "money" else "#,##0.00"
                    )
                shown = format_value(value, fmt, rec["currency"])
                assert shown in text, f"{sheet}: {shown} ({fmt}) not in {name}.html"
