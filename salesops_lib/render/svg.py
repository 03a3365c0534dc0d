"""Small inline SVG charts for the pages the run writes itself (summary, archive).

The report notebooks draw with matplotlib; the run's own pages need a chart or two drawn in
milliseconds without starting matplotlib, and inline SVG works offline and in print.
Every label is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

INK, MUTED, BAR, LINE2 = "#1f2933", "#616e7c", "#2f6db5", "#d9822b"


def bars_svg(
    labels: Sequence[str], values: Sequence[float], shown: Sequence[str], *, title: str
) -> str:
    """A horizontal bar chart: one bar per label, its value written beside it.

    Parameters
    ----------
    labels
        One label per bar (escaped here).
    values
        The bars' lengths (non-negative).
    shown
        Each value as the page writes it (``$1.2M``).
    title
        The chart's title (the finding it shows).

    Returns
    -------
    str
        An ``<svg>`` element with a ``<title>`` for screen readers.
    """
    row, left, width = 26, 240, 640
    top = 28
    height = top + row * len(labels) + 8
    peak = max([v for v in values if v > 0], default=1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif">',
        f"<title>{html.escape(title)}</title>",
        f'<text x="0" y="16" font-size="13" font-weight="bold" fill="{INK}">{html.escape(title)}</text>',
    ]
    span = width - left - 90
    for i, (label, v, s) in enumerate(zip(labels, values, shown, strict=True)):
        y = top + i * row
        w = max(span * max(v, 0.0) / peak, 1.0)
        text = label if len(label) <= 36 else label[:35] + "…"
        parts += [
            f'<text x="{left - 8}" y="{y + 15}" font-size="12" text-anchor="end" fill="{INK}">'
            f"{html.escape(text)}</text>",
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{BAR}"/>',
            f'<text x="{left + w + 6:.1f}" y="{y + 15}" font-size="12" fill="{MUTED}">'
            f"{html.escape(s)}</text>",
        ]
    parts.append("</svg>")
    return "".join(parts)


def trend_svg(
    quarters: Sequence[str],
    bars: Sequence[float],
    bar_labels: Sequence[str],
    line: Sequence[float | None],
    line_labels: Sequence[str],
    *,
    title: str,
    bar_name: str,
    line_name: str,
) -> str:
    """Bars (bookings) by quarter with a line (attainment) across them, each value written.

    Parameters
    ----------
    quarters
        The quarters, oldest first (escaped here).
    bars
        The bars' heights (non-negative).
    bar_labels
        Each bar's value as the page writes it.
    line
        The line's values on its own scale (None: no point for that quarter).
    line_labels
        Each point's value as the page writes it ("" for none).
    title, bar_name, line_name
        The chart's title and the legend's names.

    Returns
    -------
    str
        An ``<svg>`` element with a ``<title>``.
    """
    n = max(len(quarters), 1)
    col, width = 90, max(440, 40 + 90 * n)
    bar_top, bar_base, line_top, line_base = 62, 160, 208, 252
    height = line_base + 28
    peak = max([b for b in bars if b > 0], default=1.0)
    lpeak = max([v for v in line if v is not None and v > 0], default=1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif">',
        f"<title>{html.escape(title)}</title>",
        f'<text x="0" y="16" font-size="13" font-weight="bold" fill="{INK}">{html.escape(title)}</text>',
        f'<rect x="0" y="28" width="10" height="10" fill="{BAR}"/><text x="14" y="37" '
        f'font-size="11" fill="{MUTED}">{html.escape(bar_name)}</text>',
        f'<rect x="0" y="{line_top - 30}" width="14" height="3" fill="{LINE2}"/><text x="18" '
        f'y="{line_top - 25}" font-size="11" fill="{MUTED}">{html.escape(line_name)}</text>',
    ]
    points = []
    for i, (q, b, bl) in enumerate(zip(quarters, bars, bar_labels, strict=True)):
        x, mid = 30 + i * col, 30 + i * col + (col - 30) / 2
        h = (bar_base - bar_top) * max(b, 0.0) / peak
        parts += [
            f'<rect x="{x}" y="{bar_base - h:.1f}" width="{col - 30}" height="{h:.1f}" fill="{BAR}"/>',
            f'<text x="{mid}" y="{bar_base - h - 4:.1f}" font-size="10.5" text-anchor="middle" '
            f'fill="{INK}">{html.escape(bl)}</text>',
            f'<text x="{mid}" y="{height - 6}" font-size="11" text-anchor="middle" '
            f'fill="{INK}">{html.escape(q)}</text>',
        ]
        v = line[i]
        if v is not None:
            y = line_base - (line_base - line_top) * max(v, 0.0) / lpeak
            points.append((mid, y, line_labels[i]))
    if len(points) > 1:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE2}" stroke-width="2"/>')
    for px, py, label in points:
        parts += [
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{LINE2}"/>',
            f'<text x="{px:.1f}" y="{py - 7:.1f}" font-size="10.5" text-anchor="middle" '
            f'fill="{LINE2}">{html.escape(label)}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)
