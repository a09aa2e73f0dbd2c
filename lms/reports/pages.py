"""Each report's figures as a chart, a table and CSV rows, built from one set of numbers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import current_app
from markupsafe import Markup

from lms.catalog.content import Catalog, Program
from lms.practice.profile import activity_types
from lms.reports import charts
from lms.reports.services import (
    Scope,
    Turnaround,
    funnel,
    item_analysis,
    slowest_turnaround,
    time_to_certificate,
    turnaround,
    weekly_hours,
)

REPORTS = ("funnel", "timing", "items", "turnaround", "hours")
TITLES = {
    "funnel": "Completion funnel",
    "timing": "Time from invitation to certificate",
    "items": "Quiz questions on the first attempt",
    "turnaround": "Supervisor turnaround",
    "hours": "Practice hours by activity type, per week",
}
#: The page shows the hardest questions; the CSV has them all.
ITEMS_SHOWN = 15
#: The page shows the supervisors slowest to decide (a program may have thousands, and the
#: page keeps its weight budget); the CSV has them all.
SUPERVISORS_SHOWN = 15
TURNAROUND_HEADER = ["supervisor", "decisions", "median hours to decide", "returned (%)"]


@dataclass(frozen=True)
class Report:
    """One report ready to render: a chart (None when there is nothing to show) and a table."""

    kind: str
    title: str
    empty: str | None  # why there is no chart, in words
    chart: Markup | None
    header: list[str]
    rows: list[list[object]]
    note: str = ""


def _catalog() -> Catalog:
    return current_app.extensions["lantern.catalog"]


def _hours(minutes: int) -> float:
    return round(minutes / 60, 1)


def report_rows(kind: str, scope: Scope, today: date) -> tuple[list[str], list[list[object]]]:
    """Return the header and every row of a report, as the CSV has them."""
    if kind == "funnel":
        result = funnel(scope, today)
        return ["step", "trainees"], [[label, count] for label, count in result.steps]
    if kind == "timing":
        timing = time_to_certificate(scope, today)
        if not timing.count:
            return ["measure", "days"], []
        return ["measure", "days"], [["certified trainees", timing.count],
                                     ["median", round(timing.median_days or 0, 1)],
                                     ["90th percentile", round(timing.p90_days or 0, 1)]]
    if kind == "items":
        rows: list[list[object]] = []
        for program in _programs(scope):
            for line in item_analysis(program, scope):
                rows.append([line.module_title, line.question_title, line.source, line.answered,
                             round(100 * line.right_share), line.top_wrong or "",
                             line.top_wrong_count])
        return ["module", "question", "source", "first attempts", "right first time (%)",
                "wrong choice picked most", "times picked"], rows
    if kind == "turnaround":
        return TURNAROUND_HEADER, _turnaround_rows(turnaround(scope))
    labels = _activity_labels(scope)
    return (["cohort", "week beginning", "activity type", "hours"],
            [[line.cohort, line.week.isoformat(), labels.get(line.activity, line.activity),
              _hours(line.minutes)] for line in weekly_hours(scope, today)])


def _turnaround_rows(lines: list[Turnaround]) -> list[list[object]]:
    return [[line.name, line.decisions,
             round(line.median_hours, 1) if line.median_hours is not None else "",
             round(100 * line.returned_share)] for line in lines]


def _turnaround_report(scope: Scope) -> Report:
    """Return the turnaround of the supervisors slowest to decide, with their count."""
    kind, title = "turnaround", TITLES["turnaround"]
    lines, total = slowest_turnaround(scope, SUPERVISORS_SHOWN)
    rows = _turnaround_rows(lines)
    if not rows:
        return Report(kind, title, "No supervisor has decided on an entry in this selection yet.",
                      None, TURNAROUND_HEADER, rows)
    timed = [row for row in rows if row[2] != ""]
    desc = "Median hours from submission to decision: " + "; ".join(
        f"{row[0]} {row[2]}" for row in timed) + "." if timed else "No timings yet."
    chart = charts.bars(f"chart-{kind}", title, desc,
                        [(str(row[0]), float(row[2])) for row in timed], " h")  # type: ignore[arg-type]
    note = (f"The page shows the {len(rows)} supervisors slowest to decide, of {total}; the CSV "
            "has every one.") if total > len(rows) else ""
    return Report(kind, title, None, chart, TURNAROUND_HEADER, rows, note)


def _programs(scope: Scope) -> list[Program]:
    catalog = _catalog()
    if scope.program_slug:
        return [catalog.program(scope.program_slug)]
    return list(catalog)


def _activity_labels(scope: Scope) -> dict[str, str]:
    return {activity.key: activity.label for program in _programs(scope)
            for activity in activity_types(program)}


def build_report(kind: str, scope: Scope, today: date) -> Report:
    """Return a report with its chart and table."""
    if kind == "turnaround":
        return _turnaround_report(scope)
    header, rows = report_rows(kind, scope, today)
    title = TITLES[kind]
    chart_id = f"chart-{kind}"
    if kind == "funnel":
        invited = int(rows[0][1]) if rows else 0  # type: ignore[call-overload]
        if not invited:
            return Report(kind, title, "No trainees are in this selection yet.", None, header, [])
        desc = "; ".join(f"{label}: {count}" for label, count in rows) + "."
        chart = charts.bars(chart_id, title, desc, [(str(r[0]), float(r[1]))  # type: ignore[arg-type]
                                                    for r in rows])
        return Report(kind, title, None, chart, header, rows)
    if not rows:
        empty = {"timing": "No one in this selection has a certificate yet.",
                 "items": "No quiz has been taken in this selection yet.",
                 "hours": "No approved practice in the last 12 weeks for any cohort here."}
        return Report(kind, title, empty[kind], None, header, rows)
    if kind == "timing":
        desc = (f"Median {rows[1][1]} days and 90th percentile {rows[2][1]} days, "
                f"over {rows[0][1]} certified trainees.")
        chart = charts.bars(chart_id, title, desc, [("Median", float(rows[1][1])),  # type: ignore[arg-type]
                                                    ("90th percentile", float(rows[2][1]))],  # type: ignore[arg-type]
                            " days")
        return Report(kind, title, None, chart, header, rows)
    if kind == "items":
        answered = [row for row in rows if row[3]]
        if not answered:
            return Report(kind, title, "No quiz has been taken in this selection yet.", None,
                          header, [])
        shown = answered[:ITEMS_SHOWN]
        desc = (f"The {len(shown)} questions answered right least often on a first attempt; "
                f"the hardest, “{shown[0][1]}”, was right {shown[0][4]}% of the time.")
        chart = charts.bars(chart_id, title, desc,
                            [(str(row[1]), float(row[4])) for row in shown], "%")  # type: ignore[arg-type]
        note = (f"The page shows the {len(shown)} hardest of {len(rows)} questions; the CSV "
                "has every one.") if len(rows) > len(shown) else ""
        return Report(kind, title, None, chart, header, shown, note)
    weeks = sorted({str(row[1]) for row in rows})
    by_activity: dict[str, dict[str, float]] = defaultdict(dict)
    for _cohort, week, activity, hours in rows:
        current = by_activity[str(activity)].get(str(week), 0.0)
        by_activity[str(activity)][str(week)] = current + float(hours)  # type: ignore[arg-type]
    series = [(activity, [values.get(week, 0.0) for week in weeks])
              for activity, values in sorted(by_activity.items())]
    total = sum(sum(values) for _, values in series)
    desc = (f"{total:.1f} approved hours over {len(weeks)} weeks from {weeks[0]} to "
            f"{weeks[-1]}, by activity type.")
    chart = charts.stacked_columns(chart_id, title, desc, [week[5:] for week in weeks], series,
                                   " hours")
    return Report(kind, title, None, chart, header, rows)
