"""Report pages: each report as an SVG chart beside its table, and as CSV."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from werkzeug.wrappers import Response

from lms.auth.models import Role
from lms.auth.roles import role_required
from lms.catalog.services import get_catalog
from lms.cohorts.services import Cohort, cohort_lines, get_cohort
from lms.csvfile import csv_response, csv_text
from lms.ids import parse_id, requested_page
from lms.models import utcnow
from lms.reports.pages import REPORTS, build_report, report_rows
from lms.reports.services import STAGE_LABELS, Scope, Stage, install_summary, trainee_list

bp = Blueprint("reports", __name__, url_prefix="/admin/reports")
# The summary rows stay current with every session once an app with reports exists.
bp.record_once(lambda _state: install_summary())

PAGE_SIZE = 50
#: How each list is ordered (lms.reports.lists reads it in that order), said above the table.
LIST_ORDER: dict[object, str] = {
    Stage.EXPIRING: "soonest expiry first", Stage.EXPIRED: "most recently expired first",
    "quiet": "longest without activity first"}


def _scope() -> tuple[Scope, Cohort | None]:
    """Read the cohort and program filters; unknown values are ignored, not an error."""
    cohort_id = parse_id(request.args.get("cohort", ""))
    cohort = get_cohort(cohort_id) if cohort_id else None
    program = request.args.get("program", "")
    program_slug = program if program in get_catalog().programs else None
    if cohort is not None:
        program_slug = cohort.program_slug
    return Scope(cohort_id=cohort.id if cohort else None, program_slug=program_slug), cohort


@bp.get("")
@role_required(Role.ADMIN)
def reports() -> str:
    """Show every report for the chosen cohort or program."""
    scope, cohort = _scope()
    today = date.today()
    built = [build_report(kind, scope, today) for kind in REPORTS]
    return render_template("reports/reports.html", reports=built, scope=scope, cohort=cohort,
                           cohorts=cohort_lines(), catalog=get_catalog())


@bp.get("/<kind>.csv")
@role_required(Role.ADMIN)
def report_csv(kind: str) -> Response:
    """Download one report's figures as CSV, with the same filters as the page."""
    if kind not in REPORTS:
        abort(404)
    scope, _ = _scope()
    header, rows = report_rows(kind, scope, date.today())
    return csv_response(csv_text(header, rows), f"lantern-{kind}-{date.today():%Y-%m-%d}.csv")


@bp.get("/trainees")
@role_required(Role.ADMIN)
def trainees() -> str:
    """List the trainees behind a figure: a stage, or no activity for 30 days."""
    scope, cohort = _scope()
    stage_value = request.args.get("stage", "")
    stage = Stage(stage_value) if stage_value in Stage._value2member_map_ else None
    quiet = request.args.get("quiet") == "1"
    page = requested_page()
    lines, total = trainee_list(scope, utcnow(), stage, quiet, page, PAGE_SIZE)
    title = ("No activity for 30 days" if quiet else STAGE_LABELS[stage] if stage
             else "Every trainee")
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    # The pager keeps every filter; a cohort already names its program.
    filters = {"stage": stage.value if stage else None, "quiet": "1" if quiet else None,
               "cohort": cohort.id if cohort else None,
               "program": None if cohort else scope.program_slug}
    return render_template("reports/trainees.html", lines=lines, total=total, title=title,
                           page=page, pages=pages, stage=stage, quiet=quiet, cohort=cohort,
                           program=None if cohort or scope.program_slug is None
                           else get_catalog().programs[scope.program_slug], filters=filters,
                           order=LIST_ORDER.get("quiet" if quiet else stage, "by name"),
                           labels=STAGE_LABELS)
