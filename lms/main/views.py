"""The start page: what each person can do next."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.auth.assignments import trainees_of
from lms.auth.models import Role
from lms.certification.services import certificate_summary
from lms.learning.services import dashboard, programs_of
from lms.models import utcnow
from lms.practice.services import waiting_for_review
from lms.practice.totals import progress
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
        context["waiting"] = waiting_for_review(current_user)
        context["figures"] = supervisor_figures(current_user.id, utcnow())
        context["stage_labels"] = STAGE_LABELS
    elif current_user.role is Role.TRAINEE:
        programs = programs_of(current_user)
        first = programs[0] if programs else None
        context["programs"] = [(program, dashboard(current_user, program)) for program in programs]
        context["practice"] = progress(current_user.id, first)
        context["certificates"] = certificate_summary(current_user, date.today(), first)
    return render_template("main/home.html", **context)
