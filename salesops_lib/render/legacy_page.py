"""Notebook scaffolding: the shared first cells and the pieces every report shows.

A report notebook starts with::

    ctx = report.start(data=data, quarter=quarter, as_of=as_of, config=config, team=team)

which loads the data (a run's frozen snapshot, or any source), checks the parameters, sets
the chart style and silences warnings. Then it shows results with :func:`table` (escaped,
formatted), :func:`say` (a sentence generated from numbers, values escaped),
:func:`headline` (figure tiles), :func:`note` and closes with :func:`definitions`.

Every string that comes from the data (rep, manager, team, account names) is HTML-escaped
by these helpers; pandas' Styler does not escape by default, so never display a Styler or
an HTML string built by hand from data.
"""

from __future__ import annotations

import html
import json
import logging
import numbers
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import HTML

from salesops_lib.config import load_config
from salesops_lib.data import SalesData, load_dataset
from salesops_lib.errors import ConfigError
from salesops_lib.format import money, number, pct, ratio
from salesops_lib.render import plots


@dataclass(frozen=True)
class ReportContext:
    """What a report needs: the data (narrowed to ``team``), the period and the config."""

    data: SalesData
    company: SalesData
    quarter: str
    as_of: pd.Timestamp
    team: str | None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def currency(self) -> str:
        """Currency code of every amount."""
        return self.data.currency

    @property
    def quarter_start(self) -> pd.Timestamp:
        """First day of the quarter."""
        return self.data.calendar.bounds(self.quarter)[0]

    @property
    def quarter_end(self) -> pd.Timestamp:
        """Last day of the quarter."""
        return self.data.calendar.bounds(self.quarter)[1]

    @property
    def running(self) -> bool:
        """True when ``as_of`` falls before the quarter's last day (quarter to date)."""
        return self.as_of < self.quarter_end

    @property
    def scope(self) -> str:
        """'the company' or 'team X' (escaped), for sentences."""
        return "the company" if not self.team else f"team {esc(self.team)}"

    def money(self, x: object) -> str:
        """Compact money in the data's currency."""
        return money(x, self.currency)

    def previous(self, n: int) -> list[str]:
        """The ``n`` quarters before this one, oldest first."""
        return [self.data.calendar.shift(self.quarter, -k) for k in range(n, 0, -1)]


def start(
    *,
    data: str,
    quarter: str | None = None,
    as_of: str | None = None,
    config: str | None = None,
    team: str | None = None,
    preset: str | None = None,
) -> ReportContext:
    """The shared first cell: load, check parameters, style, silence warnings.

    Parameters
    ----------
    data
        A run's snapshot folder or any source :func:`~salesops_lib.load_dataset` reads.
    quarter
        Fiscal quarter label; blank or None: the latest complete quarter in the data.
    as_of
        ``YYYY-MM-DD``; blank or None: the quarter's end, or the data's last date while the
        quarter is still running.
    config
        ``salesops.toml`` or the run's ``config.json``; blank or None: no config.
    team
        Narrow everything to one team; blank or None: the whole company.

    Raises
    ------
    ConfigError
        If a parameter is invalid (the message says which and what is allowed).
    """
    quiet()
    plots.set_style()
    cfg = _read_config(config)
    loaded = load_dataset(data, preset=preset or None, config=cfg if cfg else None)
    q = (quarter or "").strip() or loaded.latest_complete_quarter()
    q = loaded.calendar.label(loaded.calendar.period(q))
    quarters = loaded.quarters()
    if q not in quarters:
        raise ConfigError(
            f"quarter {q} is outside the data, which covers {quarters[0]} to {quarters[-1]}"
        )
    if as_of is None or str(as_of).strip() == "":
        as_of_ts = loaded.default_as_of(q)
    else:
        try:
            as_of_ts = pd.Timestamp(str(as_of).strip()).normalize()
        except ValueError:
            raise ConfigError(f"as_of {as_of!r} is not a date; write it like 2026-08-15") from None
        start_, end_ = loaded.calendar.bounds(q)
        if not start_ <= as_of_ts <= end_:
            raise ConfigError(
                f"as_of {as_of_ts.date()} is outside {q} ({start_.date()} to {end_.date()})"
            )
    team_value = (team or "").strip() or None
    return ReportContext(
        data=loaded.for_team(team_value),
        company=loaded,
        quarter=q,
        as_of=as_of_ts,
        team=team_value,
        config=cfg,
    )


def _read_config(config: str | None) -> dict[str, Any]:
    if config is None or str(config).strip() == "":
        return {}
    p = Path(config)
    if p.suffix.lower() == ".json":
        if not p.is_file():
            raise ConfigError(f"config file {p} does not exist")
        return json.loads(p.read_text(encoding="utf-8"))
    return load_config(p)


def quiet() -> None:
    """Keep warnings and library logs out of the report."""
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)


def show(ax: Any) -> None:
    """Display the chart an Axes belongs to, in place, and close it (no duplicate at cell end)."""
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    fig = ax.figure if hasattr(ax, "figure") else ax
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="png"))


def esc(value: object) -> str:
    """HTML-escape any value for a report (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def _shown(value: object) -> str:
    """A value for a sentence: whole numbers with thousands separators (``30,823``), else
    ``str``; escaped. Pass a year as text (``str(2025)``) to keep it unseparated."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
        return f"{int(value):,}"
    return esc(value)


def say(template: str, **values: object) -> HTML:
    """A paragraph generated from numbers; every value is escaped.

    The template is trusted (written in the notebook) and may use ``<b>``; values are
    formatted with ``str`` (whole numbers with thousands separators) and escaped.

    Examples
    --------
    >>> say("Bookings reached <b>{b}</b>.", b="$1.2M").data
    '<p class="finding">Bookings reached <b>$1.2M</b>.</p>'
    """
    return HTML(
        f'<p class="finding">{template.format(**{k: _shown(v) for k, v in values.items()})}</p>'
    )


def note(text: str, **values: object) -> HTML:
    """A grey callout for caveats (no quotas in the data, a small sample ...)."""
    return HTML(
        f'<div class="note">{text.format(**{k: _shown(v) for k, v in values.items()})}</div>'
    )


def headline(items: Iterable[tuple[str, str, str]]) -> HTML:
    """Figure tiles: ``(label, value, detail)`` each, all escaped."""
    tiles = "".join(
        f'<div class="tile"><div class="tile-label">{esc(a)}</div><div class="tile-value">{esc(b)}</div>'
        f'<div class="tile-detail">{esc(c)}</div></div>'
        for a, b, c in items
    )
    return HTML(f'<div class="tiles">{tiles}</div>')


def definitions(terms: Mapping[str, str]) -> HTML:
    """The closing Definitions section: term and meaning, both escaped."""
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in terms.items())
    return HTML(f'<dl class="definitions">{rows}</dl>')


FORMATTERS = {
    "money": "money",
    "pct": "pct",
    "ratio": "ratio",
    "int": "int",
    "num1": "num1",
    "date": "date",
}


def table(
    frame: pd.DataFrame,
    *,
    formats: Mapping[str, str] | None = None,
    currency: str = "USD",
    caption: str | None = None,
    max_rows: int = 60,
    index: bool = False,
) -> HTML:
    """An escaped, formatted HTML table.

    Parameters
    ----------
    frame
        What to show; column labels are shown as they are (escaped).
    formats
        Column -> ``money``, ``pct``, ``ratio``, ``int``, ``num1`` or ``date``.
    caption
        Optional caption (escaped).
    max_rows
        Longer frames are cut, with a line saying how many rows are not shown.
    index
        Show the index as a first column.
    """
    formats = dict(formats or {})
    shown = frame.reset_index() if index else frame
    total = len(shown)
    shown = shown.head(max_rows)

    def fmt(col: str, v: object) -> str:
        kind = formats.get(col)
        if kind == "money":
            return money(v, currency)
        if kind == "pct":
            return pct(v)
        if kind == "ratio":
            return ratio(v)
        if kind == "int":
            return number(v)
        if kind == "num1":
            return number(v, 1)
        if kind == "date":
            return "–" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")  # type: ignore[arg-type]
        if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
            return "–"
        return str(v)

    head = "".join(f"<th>{esc(c)}</th>" for c in shown.columns)
    body = []
    for row in shown.itertuples(index=False):
        cells = []
        for col, v in zip(shown.columns, row, strict=True):
            cls = (
                ' class="num"'
                if formats.get(col) in ("money", "pct", "ratio", "int", "num1")
                else ""
            )
            cells.append(f"<td{cls}>{esc(fmt(col, v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    more = (
        f'<p class="more">{total - max_rows:,} more rows not shown.</p>' if total > max_rows else ""
    )
    return HTML(
        f'<table class="report-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{more}'
    )


def names(frame: pd.DataFrame, data: SalesData) -> pd.DataFrame:
    """Add ``rep_name`` (falling back to the id), ``team`` and ``manager`` to a per-rep frame."""
    reps = data.reps.set_index("rep_id")
    out = frame.copy()
    ids = out["rep_id"] if "rep_id" in out else out.index.to_series()
    out.insert(
        0,
        "Rep",
        ids.map(reps["rep_name"]).fillna(ids).to_numpy() if "rep_name" in reps else ids.to_numpy(),
    )
    for col in ("team", "manager"):
        if col in reps and col not in out:
            out[col] = ids.map(reps[col]).to_numpy()
    return out
