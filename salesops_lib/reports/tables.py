"""Tables described once: column -> label and format, for HTML, Excel and CSV alike.

A report's table is a :class:`Table`: the frame (canonical column names, raw values, so an
analyst can compute with it) and a :class:`TableSpec` saying which columns to show, under
which label, in which format. The same spec renders the HTML a manager reads
(:meth:`Table.to_html`, also what JupyterLab shows) and the labelled frame written to Excel
or CSV (:meth:`Table.labelled`): there is no ``rename(columns=...)`` beside a ``formats=``
dict anywhere.

Formats: ``money`` ($1.2M), ``money_exact`` ($1,234,567), ``pct`` (64%), ``pct1`` (64.3%),
``pct2`` (64.31%, where two figures would otherwise read the same), ``share`` (64%, a part
of a whole: ``<1%`` for a part too small to read as 1%, 0% only for nothing),
``pp`` (+3.1 points), ``ratio`` (3.1×), ``int`` (1,234), ``num1`` (12.3), ``num2`` (0.87, e.g. a
correlation), ``date`` (2026-09-30), ``text``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, replace

import pandas as pd

from salesops_lib.format import money, number, pct, ratio

NUM_CLASS = ' class="num"'
NUMERIC = (
    "money",
    "money_exact",
    "pct",
    "pct1",
    "pct2",
    "share",
    "pp",
    "ratio",
    "int",
    "num1",
    "num2",
)
_CELL_CLASS = {**{f: NUM_CLASS for f in NUMERIC}, "date": ' class="date"'}
FORMATS = (*NUMERIC, "date", "text")
BLANK = "–"


@dataclass(frozen=True)
class Column:
    """One shown column.

    Parameters
    ----------
    key
        The frame's column name.
    label
        The header a manager reads.
    fmt
        One of :data:`FORMATS`.
    """

    key: str
    label: str
    fmt: str = "text"

    def __post_init__(self) -> None:
        if self.fmt not in FORMATS:
            raise ValueError(f"column {self.key!r}: format {self.fmt!r} is not one of {FORMATS}")


@dataclass(frozen=True)
class TableSpec:
    """Which columns a table shows, labelled and formatted.

    Parameters
    ----------
    columns
        The columns in the order shown.
    max_rows
        Longer tables show their first ``max_rows`` rows and say how many more there are
        (the Excel/CSV export has them all).
    ends
        Longer tables show their first and last ``max_rows / 2`` rows instead (a ranking
        whose bottom matters as much as its top).

    Examples
    --------
    >>> SPEC = TableSpec((Column("team", "Team"), Column("bookings", "Bookings", "money")))
    >>> SPEC.labels
    ['Team', 'Bookings']
    """

    columns: tuple[Column, ...]
    max_rows: int = 60
    ends: bool = False

    @property
    def labels(self) -> list[str]:
        """The headers, in order."""
        return [c.label for c in self.columns]

    def only(self, keys: Iterable[str]) -> TableSpec:
        """The spec narrowed to ``keys`` (in the spec's order), e.g. without quota columns.

        Parameters
        ----------
        keys
            The frame column names to keep; keys the spec does not have are ignored.

        Returns
        -------
        TableSpec
            A new spec; ``max_rows`` and ``ends`` unchanged.

        Examples
        --------
        >>> SPEC = TableSpec((Column("team", "Team"), Column("quota", "Quota", "money")))
        >>> SPEC.only(["team"]).labels
        ['Team']
        """
        wanted = set(keys)
        return replace(self, columns=tuple(c for c in self.columns if c.key in wanted))

    def with_label(self, key: str, label: str) -> TableSpec:
        """The spec with column ``key`` shown under ``label``.

        Parameters
        ----------
        key
            A frame column name of the spec (another name changes nothing).
        label
            The new header.

        Returns
        -------
        TableSpec
            A new spec.

        Examples
        --------
        >>> SPEC = TableSpec((Column("group", "Team"),))
        >>> SPEC.with_label("group", "Region").labels
        ['Region']
        """
        return replace(
            self,
            columns=tuple(replace(c, label=label) if c.key == key else c for c in self.columns),
        )

    def without(self, *keys: str) -> TableSpec:
        """The spec without the columns ``keys``.

        Parameters
        ----------
        *keys
            Frame column names to leave out.

        Returns
        -------
        TableSpec
            A new spec.
        """
        return replace(self, columns=tuple(c for c in self.columns if c.key not in keys))


def more_rows(n: int) -> str:
    """``1 more row``, ``12 more rows``: the rows a table leaves out.

    Parameters
    ----------
    n
        Rows not shown.

    Returns
    -------
    str

    Examples
    --------
    >>> more_rows(1), more_rows(1_204)
    ('1 more row', '1,204 more rows')
    """
    return f"{n:,} more {'row' if n == 1 else 'rows'}"


def format_value(value: object, fmt: str, currency: str = "USD") -> str:
    """One cell as a manager reads it (missing values as a dash).

    Parameters
    ----------
    value
        The raw value; None, ``pd.NA`` and NaN show as ``–``, as do a date that cannot be read
        and blank text.
    fmt
        One of :data:`FORMATS` (see the module's docstring); anything else is shown as text.
    currency
        ISO code for the ``money`` and ``money_exact`` formats.

    Returns
    -------
    str

    Examples
    --------
    >>> format_value(1_234_567, "money"), format_value(0.031, "pp"), format_value(None, "int")
    ('$1.2M', '+3.1 points', '–')
    >>> format_value(0.0043, "share"), format_value(0.0, "share"), format_value(0.052, "share")
    ('<1%', '0%', '5%')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return BLANK
    if fmt == "money":
        return money(value, currency)
    if fmt == "money_exact":
        return money(value, currency, exact=True)
    if fmt == "pct":
        return pct(value)
    if fmt == "pct1":
        return pct(value, 1)
    if fmt == "pct2":
        return pct(value, 2)
    if fmt == "share":
        part = float(value)  # type: ignore[arg-type]
        return "<1%" if 0 < part < 0.005 else pct(part)
    if fmt == "pp":
        v = float(value) * 100  # type: ignore[arg-type]
        return f"{v:+.1f} points"
    if fmt == "ratio":
        return ratio(value)
    if fmt == "int":
        return number(value)
    if fmt == "num1":
        return number(value, 1)
    if fmt == "num2":
        return number(value, 2)
    if fmt == "date":
        try:
            return pd.Timestamp(value).strftime("%Y-%m-%d")  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return BLANK
    text = str(value)
    return text if text.strip() else BLANK


@dataclass(frozen=True)
class Table:
    """A table of a report: the frame and how to show it.

    Attributes
    ----------
    frame
        Raw values under canonical column names (compute with it in a notebook).
    spec
        Columns shown, labels and formats.
    caption
        What the table shows, for the reader.
    currency
        Currency of the money columns.
    """

    frame: pd.DataFrame
    spec: TableSpec
    caption: str = ""
    currency: str = "USD"

    def shown_columns(self) -> tuple[Column, ...]:
        """The spec's columns the frame has.

        Returns
        -------
        tuple of Column
            In the spec's order; a spec column missing from the frame is left out.
        """
        return tuple(c for c in self.spec.columns if c.key in self.frame.columns)

    def labelled(self) -> pd.DataFrame:
        """Every row, the shown columns under their labels, raw values (for Excel and CSV).

        Returns
        -------
        DataFrame
            A new frame on a ``0..n-1`` index, columns named by the spec's labels.
        """
        cols = self.shown_columns()
        out = self.frame[[c.key for c in cols]].copy()
        out.columns = [c.label for c in cols]
        return out.reset_index(drop=True)

    def shown_rows(self) -> pd.DataFrame:
        """The rows the report shows (all, the first ``max_rows``, or both ends).

        Returns
        -------
        DataFrame
            Rows of :attr:`frame` (not a copy when all are shown): with ``spec.ends``, the first
            ``max_rows // 2`` and the last ``max_rows - max_rows // 2``.
        """
        n = self.spec.max_rows
        if len(self.frame) <= n:
            return self.frame
        if self.spec.ends:
            return pd.concat([self.frame.head(n // 2), self.frame.tail(n - n // 2)])
        return self.frame.head(n)

    def formatted(self) -> pd.DataFrame:
        """The shown rows and columns as the text a manager reads.

        Returns
        -------
        DataFrame
            One text column per shown column, named by its label, each cell by :func:`format_value`.
        """
        cols = self.shown_columns()
        rows = self.shown_rows()
        return pd.DataFrame(
            {c.label: [format_value(v, c.fmt, self.currency) for v in rows[c.key]] for c in cols}
        )

    def to_html(self) -> str:
        """The table as escaped HTML (every value from the data is escaped).

        Numeric columns carry ``class="num"``; a table longer than its spec shows says below it
        how many rows are not shown.

        Returns
        -------
        str
            A ``<div class="table-wrap">`` holding the table, then the note of rows not shown.
        """
        cols = self.shown_columns()
        shown = self.formatted()
        head = "".join(
            f"<th{NUM_CLASS if c.fmt in NUMERIC else ''}>{html.escape(c.label)}</th>" for c in cols
        )
        body = []
        for row in shown.itertuples(index=False):
            cells = "".join(
                f"<td{_CELL_CLASS.get(c.fmt, '')}>{html.escape(str(v))}</td>"
                for c, v in zip(cols, row, strict=True)
            )
            body.append(f"<tr>{cells}</tr>")
        cap = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        more = len(self.frame) - len(shown)
        note = ""
        if more > 0 and self.spec.ends:  # the gap is marked where the rows are missing
            rows = "1 row between these is" if more == 1 else f"{more:,} rows between these are"
            gap = f'<tr class="gap"><td colspan="{len(cols)}">{rows} not shown</td></tr>'
            body.insert(self.spec.max_rows // 2, gap)
        elif more > 0:
            note = f'<p class="more">{more_rows(more)} not shown.</p>'
        return (
            f'<div class="table-wrap"><table class="report-table">{cap}<thead><tr>{head}</tr>'
            f"</thead><tbody>{''.join(body)}</tbody></table></div>{note}"
        )

    def _repr_html_(self) -> str:  # JupyterLab shows what the HTML report shows
        return self.to_html()

    def __len__(self) -> int:
        return len(self.frame)
