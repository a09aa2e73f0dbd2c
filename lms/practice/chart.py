"""A server-rendered SVG bar chart of practice hours per week: no JavaScript, no inline styles.

Colours come from CSS classes in lantern.css, with presentation attributes as a fallback, so
the chart passes the page's Content-Security-Policy and still reads in a PDF or without CSS.
"""

from __future__ import annotations

import math
from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 230
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 16, 40


def _nice_ceiling(value: float) -> float:
    """Return a round axis maximum at or above value (1, 2, 5, 10, 20, ...)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _hours(minutes: int) -> str:
    hours = minutes / 60
    return f"{hours:.0f}" if hours == int(hours) else f"{hours:.1f}"


def _short(day: date) -> str:
    return f"{day.day} {day:%b}"


def hours_svg(weeks: list[tuple[date, int]], chart_id: str, title: str) -> tuple[str, str]:
    """Return the SVG bar chart of hours per week and a one-sentence summary of it."""
    count = max(len(weeks), 1)
    peak = _nice_ceiling(max((minutes for _, minutes in weeks), default=0) / 60)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / count
    bar_width = slot * 0.64
    total = sum(minutes for _, minutes in weeks)
    busiest = max(weeks, key=lambda week: week[1], default=None)
    summary = (f"{_hours(total)} hour{'' if _hours(total) == '1' else 's'} in the "
               f"{len(weeks)} weeks from "
               f"{_short(weeks[0][0])} to {_short(weeks[-1][0])}." if weeks else "No weeks.")
    if busiest and busiest[1]:
        peak_hours = _hours(busiest[1])
        summary += (f" The busiest week began {_short(busiest[0])}, with {peak_hours} "
                    f"hour{'' if peak_hours == '1' else 's'}.")
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
    ]
    for step in range(5):
        value = peak * step / 4
        y = TOP + plot_height - plot_height * step / 4
        label = f"{value:g}"
        parts.append(f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}" stroke="#d8dcd9" stroke-width="1"/>')
        parts.append(f'<text class="chart-tick" x="{LEFT - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end" font-size="12" fill="#4d5f66">{label}</text>')
    parts.append(f'<text class="chart-tick" x="{LEFT + 4}" y="{TOP - 4}" font-size="11" '
                 f'fill="#4d5f66">hours</text>')
    for index, (week, minutes) in enumerate(weeks):
        x = LEFT + slot * index + (slot - bar_width) / 2
        height = plot_height * (minutes / 60) / peak if minutes else 0
        y = TOP + plot_height - height
        centre = x + bar_width / 2
        if minutes:
            parts.append(f'<rect class="chart-bar" x="{x:.1f}" y="{y:.1f}" '
                         f'width="{bar_width:.1f}" height="{height:.1f}" fill="#2b5f75" rx="2"/>')
            parts.append(f'<text class="chart-value" x="{centre:.1f}" y="{y - 4:.1f}" '
                         f'text-anchor="middle" font-size="11" fill="#1f2d33">'
                         f'{_hours(minutes)}</text>')
        parts.append(f'<text class="chart-tick" x="{centre:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                     f'text-anchor="middle" font-size="11" fill="#4d5f66">'
                     f'{escape(_short(week))}</text>')
    parts.append(f'<line class="chart-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                 f'y1="{TOP + plot_height}" y2="{TOP + plot_height}" stroke="#4d5f66"/>')
    parts.append(f'<text class="chart-tick" x="{WIDTH / 2:.0f}" y="{HEIGHT - 6}" '
                 f'text-anchor="middle" font-size="11" fill="#4d5f66">week beginning</text>')
    parts.append("</svg>")
    return "".join(parts), summary


def hours_chart(weeks: list[tuple[date, int]], chart_id: str, title: str) -> Markup:
    """Return a figure with the SVG chart, its summary, and the same data as a table."""
    svg, summary = hours_svg(weeks, chart_id, title)
    rows = "".join(f"<tr><th scope=\"row\">{escape(_short(week))}</th>"
                   f"<td>{_hours(minutes)}</td></tr>" for week, minutes in weeks)
    table = (f'<details class="chart-data"><summary>Show these numbers as a table</summary>'
             f'<table><caption>{escape(title)}</caption><thead><tr><th scope="col">Week '
             f'beginning</th><th scope="col">Hours</th></tr></thead><tbody>{rows}</tbody>'
             f'</table></details>')
    return Markup(f'<figure class="chart-figure">{svg}'
                  f'<figcaption class="muted">{escape(summary)}</figcaption>{table}</figure>')
