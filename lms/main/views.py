"""The start page: what each person can do next."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.auth.assignments import supervisor_names, trainees_of
from lms.auth.models import Role
from lms.certification.services import CertificateSummary, start_page_summary
from lms.learning.services import dashboard, enrolled_programs, passed_scores
from lms.models import utcnow
from lms.practice.totals import trainee_totals
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


def _trainee_start(trainee_id: int) -> dict[str, object]:
    """Read the trainee's start page: modules, practice, certificate and supervisors."""
    # Four statements whatever the records: module facts, practice totals, the active
    # certificate and the supervisors; the checklist is worked out from the first two.
    programs = enrolled_programs(trainee_id)
    context: dict[str, object] = {
        "programs": [(program, dashboard(program, facts, edition))
                     for program, edition, facts in programs],
        "supervisors": supervisor_names(trainee_id), "practice": None,
        "certificates": CertificateSummary(None, None, None)}
    if programs:
        first, edition, facts = programs[0]
        totals = trainee_totals(trainee_id, first)
        context["practice"] = totals.progress
        context["certificates"] = start_page_summary(
            trainee_id, first, date.today(), edition=edition, passed_modules=passed_scores(facts),
            approved_minutes_by_activity=totals.approved_minutes_by_activity,
            supervision_minutes=totals.supervision_minutes,
            observed_competencies=totals.observed_competencies)
    return context
