"""The start page: what each person can do next."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    String,
    cast,
    func,
    literal_column,
    null,
    select,
)
from werkzeug.wrappers import Response

from lms.auth.assignments import trainees_of
from lms.auth.models import Role, SupervisorAssignment, User
from lms.certification.figures import active_certificate_columns, active_from_row
from lms.certification.services import CertificateSummary, start_page_summary
from lms.cohorts.services import membership_rows
from lms.extensions import db
from lms.learning.services import dashboard, passed_scores, start_page_facts, start_page_statement
from lms.models import utcnow
from lms.practice.totals import TRAINEE_ID, trainee_totals_from, trainee_totals_statement
from lms.reports.services import STAGE_LABELS, supervisor_figures

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> str | Response:
    """Send visitors to sign in, and show signed-in people their start page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    context: dict[str, object] = {"Role": Role}
    if current_user.role is Role.SUPERVISOR:
        context["trainees"] = trainees_of(current_user.id)
        figures = supervisor_figures(current_user.id, utcnow())
        # The queue row counts what waits through an index; the entries would be scanned.
        context["waiting"] = figures.waiting
        context["figures"] = figures
        context["stage_labels"] = STAGE_LABELS
    elif current_user.role is Role.TRAINEE:
        context.update(_trainee_start(current_user.id))
    return render_template("main/home.html", **context)


# The trainee's start page reads two statements whatever the records, each built once per
# process from the features' public fragments (this layer may read them all):
# 1. per enrolment and module touched: edition, reading, attempts and passes (learning), with
#    the active certificate (certification) and the cohort's profile (cohorts) as columns;
# 2. practice totals by state and activity, supervision minutes and observed competencies
#    (practice), with one row per assigned supervisor (auth).
_MEMBERS = membership_rows().subquery("members")


def _enrolment_columns(user_id: ColumnElement[int], program_slug: ColumnElement[str]
                       ) -> list[ColumnElement[Any]]:
    cohort_profile = (select(_MEMBERS.c.profile_slug)
                      .where(_MEMBERS.c.user_id == user_id, _MEMBERS.c.program_slug == program_slug)
                      .limit(1).scalar_subquery().label("cohort_profile"))
    return [*active_certificate_columns(user_id, program_slug), cohort_profile]


_ENROLMENTS = start_page_statement(_enrolment_columns)
_SUPERVISORS = (
    select(literal_column("'supervisor'"), cast(null(), String), cast(null(), String),
           User.display_name, func.row_number().over(order_by=(User.display_name, User.email)),
           cast(null(), Integer), cast(null(), Date))
    .select_from(User.__table__.join(SupervisorAssignment.__table__,
                                     SupervisorAssignment.supervisor_id == User.id))
    .where(SupervisorAssignment.trainee_id == TRAINEE_ID)
)
_TOTALS = trainee_totals_statement(_SUPERVISORS)


def _trainee_start(trainee_id: int) -> dict[str, object]:
    """Read the trainee's start page: modules, practice, certificate and supervisors."""
    programs = start_page_facts(_ENROLMENTS, trainee_id)
    rows = db.session.connection().execute(_TOTALS, {"trainee_id": trainee_id}).all()
    supervisors = sorted((row.n, row.key) for row in rows if row.kind == "supervisor")
    context: dict[str, object] = {
        "programs": [(program, dashboard(program, found.modules, found.edition))
                     for program, found in programs],
        "supervisors": [name or "(not joined yet)" for _, name in supervisors],
        "practice": None, "certificates": CertificateSummary(None, None, None)}
    if programs:
        first, found = programs[0]
        totals = trainee_totals_from(rows, trainee_id, first)
        context["practice"] = totals.progress
        context["certificates"] = start_page_summary(
            first, date.today(), edition=found.edition, active=active_from_row(found.extra),
            cohort_profile_slug=found.extra["cohort_profile"],
            passed_modules=passed_scores(found.modules),
            approved_minutes_by_activity=totals.approved_minutes_by_activity,
            supervision_minutes=totals.supervision_minutes,
            observed_competencies=totals.observed_competencies)
    return context
