"""Server-rendered SVG charts: each has a <title> and a <desc>, and sits beside its table.

No JavaScript and no inline styles: colours come from classes in lantern.css, with
presentation attributes as a fallback, so charts pass the Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 560
ROW = 26
LABEL = 250
SERIES_FILLS = ("#2b5f75", "#c2762e", "#5b8a3c", "#7a4f9a", "#a23b48", "#3d7f7a")


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def bars(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, float]],
         unit: str = "") -> Markup:
    """Return a horizontal bar chart, one bar per row, each labelled with its value."""
    peak = max((value for _, value in rows), default=0) or 1
    height = ROW * len(rows) + 8
    plot = WIDTH - LABEL - 60
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
             f'xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}">',
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(desc)}</desc>']
    for index, (label, value) in enumerate(rows):
        y = 4 + index * ROW
        length = plot * value / peak
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<text class="chart-tick" x="{LABEL - 6}" y="{y + 16}" text-anchor="end" '
                     f'font-size="11" fill="#4d5f66">{escape(short)}</text>')
        parts.append(f'<rect class="chart-bar" x="{LABEL}" y="{y + 3}" width="{length:.1f}" '
                     f'height="{ROW - 8}" fill="#2b5f75" rx="2"/>')
        parts.append(f'<text class="chart-value" x="{LABEL + length + 4:.1f}" y="{y + 16}" '
                     f'font-size="12" fill="#1f2d33">{_number(value)}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_columns(chart_id: str, title: str, desc: str, columns: Sequence[str],
                    series: Sequence[tuple[str, Sequence[float]]], unit: str = "") -> Markup:
    """Return a column chart with one stacked column per label and a key of the series."""
    totals = [sum(values[index] for _, values in series) for index in range(len(columns))]
    peak = max(totals, default=0) or 1
    top, bottom, left = 16, 36, 40
    key_height = 18 * len(series)
    height = 220 + key_height
    plot_height = 220 - top - bottom
    slot = (WIDTH - left - 8) / max(len(columns), 1)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
             f'xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}">',
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
             f'<text class="chart-tick" x="{left}" y="{top - 4}" font-size="11" '
             f'fill="#4d5f66">{escape(unit.strip() or "total")} (highest {_number(peak)})</text>']
    for index, label in enumerate(columns):
        x = left + slot * index + slot * 0.18
        y = float(top + plot_height)
        for number, (_, values) in enumerate(series):
            size = plot_height * values[index] / peak
            if size:
                y -= size
                parts.append(f'<rect class="chart-series-{number % len(SERIES_FILLS)}" '
                             f'x="{x:.1f}" y="{y:.1f}" width="{slot * 0.64:.1f}" '
                             f'height="{size:.1f}" fill="{SERIES_FILLS[number % 6]}"/>')
        parts.append(f'<text class="chart-tick" x="{x + slot * 0.32:.1f}" '
                     f'y="{top + plot_height + 16}" text-anchor="middle" font-size="10" '
                     f'fill="#4d5f66">{escape(label)}</text>')
    for number, (name, _) in enumerate(series):
        y = 220 + 18 * number
        parts.append(f'<rect class="chart-series-{number % len(SERIES_FILLS)}" x="{left}" '
                     f'y="{y}" width="12" height="12" fill="{SERIES_FILLS[number % 6]}"/>')
        parts.append(f'<text class="chart-tick" x="{left + 18}" y="{y + 11}" font-size="12" '
                     f'fill="#1f2d33">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
