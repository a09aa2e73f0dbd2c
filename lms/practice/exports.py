"""Exports: the approved log as CSV, a printable PDF summary, and supervisors' totals as CSV.

Exports never include reflections: accreditors need hours and sign-offs, not case content
(research/domain.md §5). WeasyPrint receives plain values and a fetcher that only serves
data: URIs, so nothing in a name or a label can make it read a file or reach the network.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from lms.audit.services import chain_head
from lms.auth.models import User
from lms.catalog.content import Program
from lms.extensions import db
from lms.models import utcnow
from lms.practice import profile, totals
from lms.practice.chart import hours_svg
from lms.practice.models import EntryState, PracticeEntry
from lms.practice.records import observations_of, sessions_of
from lms.practice.services import content_sha256

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """Return a CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(rows: Iterable[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    # A byte-order mark lets spreadsheet programs read accented names as UTF-8.
    return "\ufeff" + buffer.getvalue()


def approved_entries(trainee_id: int, program: Program) -> list[PracticeEntry]:
    """Return a trainee's approved entries for a program, oldest first, with approvers."""
    query = (select(PracticeEntry)
             .where(PracticeEntry.trainee_id == trainee_id,
                    PracticeEntry.program_slug == program.slug,
                    PracticeEntry.state == EntryState.APPROVED)
             .options(joinedload(PracticeEntry.approved_by))
             .order_by(PracticeEntry.practice_date, PracticeEntry.id))
    return list(db.session.scalars(query))


def log_csv(trainee: User, program: Program) -> str:
    """Return the trainee's approved practice log as CSV."""
    activities = {a.key: a for a in profile.activity_types(program)}
    settings, competencies = profile.settings(program), profile.competencies(program)
    rows: list[list[Any]] = [[
        "Date", "Start time", "Minutes", "Activity", "Counts toward practice hours", "Setting",
        "Competencies practised", "Approved by", "Approved at (UTC)", "Content SHA-256"]]
    for entry in approved_entries(trainee.id, program):
        activity = activities.get(entry.activity)
        rows.append([
            entry.practice_date.isoformat(),
            entry.start_time.strftime("%H:%M") if entry.start_time else "", entry.minutes,
            activity.label if activity else entry.activity,
            "yes" if activity and activity.counts else "no",
            profile.label_of(settings, entry.setting),
            "; ".join(profile.label_of(competencies, key) for key in entry.competencies),
            entry.approved_by.name if entry.approved_by else "",
            entry.approved_at.strftime("%Y-%m-%d %H:%M") if entry.approved_at else "",
            content_sha256(entry)])
    return _csv(rows)


def trainees_csv(people: list[User], progress: dict[int, totals.Progress]) -> str:
    """Return one row of totals per trainee, for a supervisor."""
    rows: list[list[Any]] = [[
        "Trainee", "Program", "Counted practice minutes", "Required practice minutes",
        "Supervision minutes", "Required supervision minutes",
        "Required competencies observed", "Required competencies", "Waiting for review",
        "Returned to trainee", "Practice requirements met"]]
    for person in people:
        item = progress.get(person.id)
        if item is None:
            rows.append([person.name, "(not enrolled)", 0, 0, 0, 0, 0, 0, 0, 0, "no"])
            continue
        rows.append([
            person.name, item.program.title, item.counted_minutes, item.required_minutes,
            item.supervision_minutes, item.required_supervision, item.observed_required_count,
            item.required_competency_count, item.pending_entries, item.returned_entries,
            "yes" if item.all_met else "no"])
    return _csv(rows)


def _signoffs(entries: list[PracticeEntry]) -> list[dict[str, Any]]:
    by_supervisor: dict[int, dict[str, Any]] = {}
    for entry in entries:
        if entry.approved_by is None or entry.approved_at is None:
            continue
        row = by_supervisor.setdefault(entry.approved_by.id, {
            "name": entry.approved_by.name, "entries": 0, "minutes": 0,
            "first": entry.approved_at, "last": entry.approved_at})
        row["entries"] += 1
        row["minutes"] += entry.minutes
        row["first"] = min(row["first"], entry.approved_at)
        row["last"] = max(row["last"], entry.approved_at)
    return sorted(by_supervisor.values(), key=lambda row: row["name"])


def summary_pdf(trainee: User, program: Program) -> bytes:
    """Render the printable summary of approved practice, sessions and sign-offs."""
    entries = approved_entries(trainee.id, program)
    now = utcnow()
    svg, chart_summary = hours_svg(totals.weekly_hours([trainee.id], now.date()), "pdf-chart",
                                   "Approved practice hours per week")
    head = chain_head()
    html = render_template(
        "practice/summary_pdf.html", trainee=trainee, program=program, entries=entries,
        progress=totals.progress(trainee.id), sessions=sessions_of(trainee.id),
        observations=[o for o in observations_of(trainee.id) if o.competent],
        signoffs=_signoffs(entries), generated_at=now, audit_head=head, chart_summary=chart_summary,
        activities={a.key: a for a in profile.activity_types(program)},
        settings=dict(profile.settings(program)), competencies=dict(profile.competencies(program)),
        shas={entry.id: content_sha256(entry) for entry in entries},
        chart_uri="data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode())
    # Imported here: WeasyPrint and its fonts cost each worker about 25 MB, and only this
    # download and certificate issuing need them.
    from weasyprint import HTML

    from lms.practice.pdf_fetcher import DataOnlyFetcher

    return HTML(string=html, url_fetcher=DataOnlyFetcher(), base_url=None).write_pdf()


def filename(person: User, stem: str, extension: str) -> str:
    """Return an ASCII file name such as practice-log-jordan-lee-2026-03-14.csv."""
    ascii_name = unicodedata.normalize("NFKD", person.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or f"person-{person.id}"
    return f"{stem}-{slug}-{utcnow():%Y-%m-%d}.{extension}"


def _download(body: str | bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def csv_response(body: str, name: str) -> Response:
    """Return a CSV download that is never cached by shared caches."""
    return _download(body, "text/csv; charset=utf-8", name)


def pdf_response(body: bytes, name: str) -> Response:
    """Return a PDF download that is never cached by shared caches."""
    return _download(body, "application/pdf", name)
