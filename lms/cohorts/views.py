"""Cohort pages: list, create, show members, and move a trainee to another cohort."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from lms.auth.models import Role, User
from lms.auth.roles import role_required
from lms.catalog.profile import profiles
from lms.catalog.services import get_catalog
from lms.cohorts.forms import CohortForm, MoveForm
from lms.cohorts.models import Cohort, CohortMember
from lms.cohorts.services import CohortError, cohort_lines, create_cohort, move_to_cohort
from lms.extensions import db
from lms.ids import requested_page

bp = Blueprint("cohorts", __name__, url_prefix="/admin")

PAGE_SIZE = 50


@bp.get("/cohorts")
@role_required(Role.ADMIN)
def cohorts() -> str:
    """List the cohorts with how many trainees each has."""
    return render_template("cohorts/list.html", lines=cohort_lines(), catalog=get_catalog())


def _cohort_form() -> CohortForm:
    form = CohortForm()
    catalog = get_catalog()
    form.program.choices = [SelectChoice(program.slug, program.title) for program in catalog]
    form.profile.choices = [
        SelectChoice(f"{program.slug}:{slug}", f"{program.title}: {chosen.title}")
        for program in catalog for slug, chosen in profiles(program).items()]
    return form


@bp.route("/cohorts/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_cohort() -> str | Response | tuple[str, int]:
    """Create a cohort."""
    form = _cohort_form()
    if form.validate_on_submit():
        program_slug, _, profile_slug = (form.profile.data or "").partition(":")
        if program_slug != form.program.data:
            form.profile.errors = ["Please choose a profile of the program you chose."]
        else:
            try:
                cohort = create_cohort(form.name.data or "", program_slug, profile_slug,
                                       form.starts_on.data, current_user)
            except CohortError as error:
                form.name.errors = [*form.name.errors, str(error)]
            else:
                db.session.commit()
                flash(f"The cohort {cohort.name} is ready.", "success")
                return redirect(url_for("cohorts.cohort", cohort_id=cohort.id))
    status = 400 if form.is_submitted() else 200
    return render_template("cohorts/new.html", form=form), status


@bp.get("/cohorts/<int:cohort_id>")
@role_required(Role.ADMIN)
def cohort(cohort_id: int) -> str:
    """Show a cohort and its trainees, a page at a time."""
    found = db.get_or_404(Cohort, cohort_id)
    query = (select(User).join(CohortMember, CohortMember.user_id == User.id)
             .where(CohortMember.cohort_id == found.id).order_by(User.display_name, User.email))
    page = db.paginate(query, page=requested_page(), per_page=PAGE_SIZE, error_out=False)
    catalog = get_catalog()
    program = catalog.programs.get(found.program_slug)
    chosen = None
    if program is not None and found.edition_number in {e.number for e in program.editions}:
        chosen = profiles(program, found.edition_number).get(found.profile_slug)
    return render_template("cohorts/cohort.html", cohort=found, page=page, program=program,
                           profile=chosen)


@bp.post("/people/<int:user_id>/cohort")
@role_required(Role.ADMIN)
def move(user_id: int) -> Response:
    """Move a trainee to another cohort; the move is recorded in the audit log."""
    trainee = db.get_or_404(User, user_id)
    form = MoveForm()
    form.cohort_id.choices = [SelectChoice(line.cohort.id, line.cohort.name)
                              for line in cohort_lines()]
    if not form.validate_on_submit():
        flash("Please choose a cohort from the list.", "error")
        return redirect(url_for("admin.person", user_id=trainee.id))
    target = db.get_or_404(Cohort, form.cohort_id.data)
    try:
        moved = move_to_cohort(trainee, target, current_user)
    except CohortError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.person", user_id=trainee.id))
    db.session.commit()
    flash(f"{trainee.name} is now in {target.name}." if moved
          else f"{trainee.name} was already in {target.name}.", "success")
    return redirect(url_for("admin.person", user_id=trainee.id))
