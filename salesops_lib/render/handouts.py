"""Files handed out beside a report (quota letters, pay statements), written from its tables.

A handout is a report :class:`~salesops_lib.reports.tables.Table` written as CSV and as an
Excel workbook with one sheet per team: the same rows, the same column labels
(:meth:`Table.labelled`) and raw values, so what a manager reads on the page and what a
rep receives cannot disagree. Excel cells carry the spec's format (money, percent, date).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from salesops_lib.reports.tables import Table

EXCEL_FORMATS = {
    "money": "#,##0",
    "money_exact": "#,##0.00",
    "pct": "0%",
    "pct1": "0.0%",
    "pct2": "0.00%",
    "share": "0.0%",
    "pp": "+0.0%;-0.0%",
    "ratio": '0.0"×"',
    "int": "#,##0",
    "num1": "0.0",
    "num2": "0.00",
    "date": "yyyy-mm-dd",
}
"""Excel number format of each table format (text columns stay text)."""

_BAD_SHEET = set("[]:*?/\\")


CSV_DECIMALS = {
    "money": 2,
    "money_exact": 2,
    "pct": 4,
    "pct1": 4,
    "pct2": 4,
    "share": 4,
    "pp": 4,
    "ratio": 4,
    "num1": 4,
    "num2": 4,
}
"""Decimals a CSV cell keeps for each table format: money to the cent, ratios to 4 decimals
(the Excel workbook keeps the values and shows them through its number formats)."""


@dataclass(frozen=True)
class Handout:
    """Where a handout was written, and how many sheets the workbook has."""

    csv: Path
    xlsx: Path
    rows: int
    sheets: int = 1


def for_csv(table: Table) -> pd.DataFrame:
    """:meth:`Table.labelled` with money rounded to the cent and ratios to 4 decimals.

    Parameters
    ----------
    table
        The report table handed out (its shown columns and their formats).

    Returns
    -------
    DataFrame
        The labelled rows, each column of a format in :data:`CSV_DECIMALS` made numeric and
        rounded to its decimals (a cell that is not a number becomes blank); other columns
        as they are.

    Examples
    --------
    >>> for_csv(r.statements)["Attainment"].iloc[0]  # doctest: +SKIP
    1.0446
    """
    out = table.labelled()
    for c in table.shown_columns():
        places = CSV_DECIMALS.get(c.fmt)
        if places is not None:
            out[c.label] = pd.to_numeric(out[c.label], errors="coerce").round(places)
    return out


def sheet_name(name: str, used: set[str]) -> str:
    r"""An Excel sheet name for ``name``: no ``[]:*?/\``, at most 31 characters, unique in ``used``.

    Parameters
    ----------
    name
        The wanted name, e.g. a team (blank after cleaning: ``Sheet``).
    used
        Names already taken in the workbook; the returned name is added to it.

    Returns
    -------
    str
        The cleaned name, or, when taken, its start followed by ``~2``, ``~3``, ...

    Examples
    --------
    >>> used = set()
    >>> sheet_name("East / Enterprise", used), sheet_name("East / Enterprise", used)
    ('East  Enterprise', 'East  Enterprise~2')
    """
    base = "".join(ch for ch in str(name) if ch not in _BAD_SHEET).strip()[:31] or "Sheet"
    out, k = base, 1
    while out in used:
        k += 1
        out = f"{base[: 31 - len(str(k)) - 1]}~{k}"
    used.add(out)
    return out


def write_table(
    table: Table, folder: str | Path, stem: str, *, sheet_by: str | None = "team"
) -> Handout:
    """Write ``table`` as ``<stem>.csv`` and ``<stem>.xlsx`` in ``folder``.

    Parameters
    ----------
    table
        A report table; every row of its frame is written, its shown columns under their
        labels (:meth:`Table.labelled`).
    folder
        Where (created when missing).
    stem
        File name without extension.
    sheet_by
        A column of the table's frame splitting the workbook into sheets (one per value,
        sorted; blanks in ``(none)``); None, absent or blank in every row: one sheet,
        ``All reps`` when the column is there but blank (a CRM export without teams),
        ``All`` otherwise.

    Returns
    -------
    Handout

    Examples
    --------
    >>> write_table(r.letters, "reports/2026Q3", "04_quota_letters")  # doctest: +SKIP
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    labelled = table.labelled()
    csv_path, xlsx_path = out / f"{stem}.csv", out / f"{stem}.xlsx"
    for_csv(table).to_csv(csv_path, index=False, date_format="%Y-%m-%d")
    cols = table.shown_columns()
    if sheet_by is not None and sheet_by in table.frame and table.frame[sheet_by].notna().any():
        keys = table.frame[sheet_by].reset_index(drop=True).fillna("(none)").astype(str)
    elif sheet_by is not None and sheet_by in table.frame:
        keys = pd.Series("All reps", index=labelled.index)
    else:
        keys = pd.Series("All", index=labelled.index)
    used: set[str] = set()
    with pd.ExcelWriter(xlsx_path, engine="openpyxl") as xl:
        for key, rows in labelled.groupby(keys.to_numpy(), sort=True):
            name = sheet_name(str(key), used)
            rows.to_excel(xl, sheet_name=name, index=False)
            ws = xl.sheets[name]
            for j, c in enumerate(cols, start=1):
                fmt = EXCEL_FORMATS.get(c.fmt)
                letter = ws.cell(row=1, column=j).column_letter
                ws.column_dimensions[letter].width = max(12, min(40, len(c.label) + 2))
                if fmt is None:
                    continue
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt
    return Handout(csv_path, xlsx_path, len(labelled), len(used))


def table_record(table: Table) -> dict[str, object]:
    """A report table as plain JSON data, for the run's workbook of key tables.

    Parameters
    ----------
    table
        A report table (every row of its frame, its shown columns).

    Returns
    -------
    dict
        ``caption``, ``currency``, ``columns`` (``[label, format]`` pairs) and ``rows``
        (lists of raw values; dates as ``YYYY-MM-DD``, missing values as None).
    """
    import json

    cols = table.shown_columns()
    frame = table.labelled()
    for c in cols:
        if c.fmt == "date":
            frame[c.label] = pd.to_datetime(frame[c.label], errors="coerce").dt.strftime("%Y-%m-%d")
    split = json.loads(frame.to_json(orient="split", index=False))
    return {
        "caption": table.caption,
        "currency": table.currency,
        "columns": [[c.label, c.fmt] for c in cols],
        "rows": split["data"],
    }


NO_TABLE = "No table: its data lacks what the table needs; the report's page says what."

CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£"}


def excel_format(fmt: str, currency: str = "USD") -> str | None:
    """The Excel number format of a table format, money with its currency's sign.

    Parameters
    ----------
    fmt
        A table format (:data:`EXCEL_FORMATS`' keys).
    currency
        ISO code; USD, EUR and GBP get their sign, other currencies their code after the number.

    Returns
    -------
    str or None
        None for text columns.

    Examples
    --------
    >>> excel_format("money"), excel_format("money", "SEK"), excel_format("pct")
    ('"$"#,##0', '#,##0" SEK"', '0%')
    """
    base = EXCEL_FORMATS.get(fmt)
    if base is None or not fmt.startswith("money"):
        return base
    sign = CURRENCY_SIGNS.get(currency)
    return f'"{sign}"{base}' if sign else f'{base}" {currency}"'


def write_workbook(path: Path, sheets: list[tuple[str, str, dict | None]], *, title: str) -> Path:
    """One workbook, a sheet per report: labelled headers in bold, frozen, formatted cells.

    Parameters
    ----------
    path
        The ``.xlsx`` file to write.
    sheets
        ``(sheet name, report title, table record)`` per report (:func:`table_record`); a
        report whose record is None gets no sheet, and the contents say it has no table.
    title
        What the first sheet, ``Contents``, says the workbook is.

    Returns
    -------
    Path
        The workbook.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    contents = wb.active
    contents.title = "Contents"
    contents.append([title])
    contents.append(["Sheet", "Report", "Table"])
    contents["A1"].font = Font(bold=True, size=13)
    used = {"Contents"}
    for name, report, rec in sheets:
        if rec is None:
            contents.append(["(no sheet)", report, NO_TABLE])
            continue
        ws = wb.create_sheet(sheet_name(name, used))
        contents.append([ws.title, report, str(rec.get("caption") or "")])
        cols = [(str(label), str(fmt)) for label, fmt in rec["columns"]]
        ws.append([label for label, _ in cols])
        for row in rec["rows"]:
            ws.append([_cell(v, fmt) for v, (_, fmt) in zip(row, cols, strict=True)])
        for j, (label, fmt) in enumerate(cols, start=1):
            ws.cell(row=1, column=j).font = Font(bold=True)
            letter = ws.cell(row=1, column=j).column_letter
            ws.column_dimensions[letter].width = max(12, min(40, len(label) + 2))
            number = excel_format(fmt, str(rec.get("currency") or "USD"))
            if number is not None:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = number
        ws.freeze_panes = "A2"
    for row in contents.iter_rows(min_row=2, max_row=2):
        for cell in row:
            cell.font = Font(bold=True)
    contents.column_dimensions["A"].width, contents.column_dimensions["B"].width = 24, 40
    contents.column_dimensions["C"].width = 80
    contents.freeze_panes = "A3"
    wb.save(path)
    return path


def _cell(value: object, fmt: str) -> object:
    """A JSON value as an Excel cell: dates as dates, the rest as they are."""
    if fmt == "date" and isinstance(value, str):
        return pd.Timestamp(value).to_pydatetime()
    return value
