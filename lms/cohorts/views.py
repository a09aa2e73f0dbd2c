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
from lms.learning.services import edition_of

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
    form.edition.choices = [SelectChoice("", "The current edition of the program")] + [
        SelectChoice(f"{program.slug}:{edition.number}",
                     f"{program.title}: edition {edition.number}"
                     + (" (current)" if edition is program.current_edition else ""))
        for program in catalog for edition in program.editions if edition.published]
    return form


def _chosen_edition(form: CohortForm) -> tuple[str | None, int | None]:
    """Return the program and edition number chosen, or (None, None) for the current one."""
    slug, _, number = (form.edition.data or "").partition(":")
    return (slug, int(number)) if slug else (None, None)


@bp.route("/cohorts/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_cohort() -> str | Response | tuple[str, int]:
    """Create a cohort."""
    form = _cohort_form()
    if form.validate_on_submit():
        program_slug, _, profile_slug = (form.profile.data or "").partition(":")
        edition_program, edition = _chosen_edition(form)
        if program_slug != form.program.data:
            form.profile.errors = ["Please choose a profile of the program you chose."]
        elif edition_program not in (None, program_slug):
            form.edition.errors = ["Please choose an edition of the program you chose."]
        else:
            try:
                cohort = create_cohort(form.name.data or "", program_slug, profile_slug,
                                       form.starts_on.data, current_user, edition)
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
    before = edition_of(trainee.id, target.program_slug)
    try:
        moved = move_to_cohort(trainee, target, current_user)
    except CohortError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("admin.person", user_id=trainee.id))
    db.session.commit()
    said = (f"{trainee.name} is now in {target.name}." if moved
            else f"{trainee.name} was already in {target.name}.")
    if moved and before not in (None, target.edition_number):
        said += (f" They moved from edition {before} to edition {target.edition_number} of the "
                 "program with it; what they have passed stays passed.")
    flash(said, "success")
    return redirect(url_for("admin.person", user_id=trainee.id))
