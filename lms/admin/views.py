"""Admin pages: list people, invite, deactivate, and assign supervisors."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from lms.admin.forms import ActionForm, AssignSupervisorForm, InviteForm
from lms.admin.services import (
    PeopleError,
    active_supervisors,
    assign_supervisor,
    invite_person,
    people_query,
    renew_link,
    reset_two_step,
    set_active,
    unassign_supervisor,
)
from lms.auth.assignments import trainees_of
from lms.auth.models import Role, User
from lms.auth.roles import role_required
from lms.catalog.services import get_catalog
from lms.cohorts.services import cohort_lines, cohort_of
from lms.extensions import db
from lms.ids import requested_page
from lms.models import utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50
#: The admin home lists the supervisors whose entries have waited longest; the rest are counted.
LOADS_SHOWN = 20


@bp.get("")
@role_required(Role.ADMIN)
def home() -> str:
    """Show the figures a coordinator checks each week, each linking to its list."""
    from lms.reports.services import (
        STAGE_LABELS,
        Scope,
        certificates_this_month,
        quiet_count,
        stage_counts,
        supervisor_loads,
        supervisors_waiting,
    )

    now = utcnow()
    return render_template("admin/home.html", stages=stage_counts(Scope(), now.date()),
                           labels=STAGE_LABELS, quiet=quiet_count(Scope(), now),
                           issued=certificates_this_month(now.date()),
                           loads=supervisor_loads(limit=LOADS_SHOWN),
                           supervisors_waiting=supervisors_waiting())


def _person_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.get("/people")
@role_required(Role.ADMIN)
def people() -> str:
    """List everyone, with a search and a role filter."""
    search = request.args.get("q", "")[:100]
    role_value = request.args.get("role", "")
    role = Role(role_value) if role_value in Role._value2member_map_ else None
    query = people_query(search, role).options(selectinload(User.supervisors))
    page = db.paginate(query, page=requested_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/people.html", page=page, search=search, role=role,
                           roles=list(Role))


@bp.route("/people/invite", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def invite() -> str | tuple[str, int]:
    """Invite a person and show the one-time link to hand to them."""
    form = InviteForm()
    form.program.choices = [SelectChoice(program.slug, program.title)
                            for program in get_catalog()]
    if form.validate_on_submit():
        try:
            invitation = invite_person(form.email.data or "", Role(form.role.data),
                                       current_user, form.display_name.data,
                                       form.program.data or None)
        except PeopleError as error:
            form.email.errors = [*form.email.errors, str(error)]
        else:
            db.session.commit()
            return render_template("admin/link_ready.html", person=invitation.user,
                                   link=invitation.link, kind="invitation",
                                   emailed=invitation.emailed)
    status = 400 if form.is_submitted() else 200
    return render_template("admin/invite.html", form=form), status


@bp.get("/people/<int:user_id>")
@role_required(Role.ADMIN)
def person(user_id: int) -> str:
    """Show one person, their status, and their supervisors or trainees."""
    user = _person_or_404(user_id)
    assign_form = AssignSupervisorForm()
    assigned_ids = {supervisor.id for supervisor in user.supervisors}
    assign_form.supervisor_id.choices = [
        SelectChoice(supervisor.id, f"{supervisor.name} ({supervisor.email})")
        for supervisor in active_supervisors() if supervisor.id not in assigned_ids
    ]
    trainees = trainees_of(user.id) if user.role is Role.SUPERVISOR else []
    is_trainee = user.role is Role.TRAINEE
    return render_template("admin/person.html", person=user, assign_form=assign_form,
                           action_form=ActionForm(), trainees=trainees,
                           cohort=cohort_of(user.id) if is_trainee else None,
                           cohort_lines=cohort_lines() if is_trainee else [])


def _refused(user: User, error: PeopleError) -> Response:
    """Say why a change was refused and go back to the person's page; nothing changed."""
    flash(str(error), "error")
    return redirect(url_for("admin.person", user_id=user.id))


def _apply(user: User, action: str) -> Response:
    """Commit a successful change or flash the reason it was refused."""
    db.session.commit()
    flash(action, "success")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.post("/people/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def deactivate(user_id: int) -> Response:
    """Stop a person from signing in; their records stay."""
    return _set_active(user_id, active=False)


@bp.post("/people/<int:user_id>/reactivate")
@role_required(Role.ADMIN)
def reactivate(user_id: int) -> Response:
    """Let a deactivated person sign in again."""
    return _set_active(user_id, active=True)


def _set_active(user_id: int, active: bool) -> Response:
    user = _person_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        set_active(user, active, current_user)
    except PeopleError as error:
        return _refused(user, error)
    return _apply(user, f"{user.name} is now {'active' if active else 'deactivated'}.")


@bp.post("/people/<int:user_id>/reset-two-step")
@role_required(Role.ADMIN)
def reset_second_factor(user_id: int) -> Response:
    """Remove a person's second factor after a lost device; they set it up again."""
    user = _person_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    reset_two_step(user, db.session.get(User, current_user.id), how="admin")
    return _apply(user, f"{user.name}'s two-step sign-in has been reset and they have been "
                        "signed out everywhere. They will set it up again when they next "
                        "sign in.")


@bp.post("/people/<int:user_id>/link")
@role_required(Role.ADMIN)
def new_link(user_id: int) -> str | Response:
    """Make a fresh join or password-reset link, voiding older ones."""
    user = _person_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        renewed = renew_link(user, current_user)
    except PeopleError as error:
        return _refused(user, error)
    db.session.commit()
    kind = "password reset" if user.has_joined else "invitation"
    return render_template("admin/link_ready.html", person=user, link=renewed.link, kind=kind,
                           emailed=renewed.emailed)


@bp.post("/people/<int:user_id>/supervisors")
@role_required(Role.ADMIN)
def add_supervisor(user_id: int) -> Response:
    """Assign a supervisor to a trainee."""
    trainee = _person_or_404(user_id)
    form = AssignSupervisorForm()
    form.supervisor_id.choices = [SelectChoice(s.id, s.name) for s in active_supervisors()]
    if not form.validate_on_submit():
        flash("Please choose a supervisor from the list.", "error")
        return redirect(url_for("admin.person", user_id=trainee.id))
    supervisor = _person_or_404(form.supervisor_id.data or 0)
    try:
        assign_supervisor(trainee, supervisor, current_user)
    except PeopleError as error:
        return _refused(trainee, error)
    return _apply(trainee, f"{supervisor.name} now supervises {trainee.name}.")


@bp.post("/people/<int:user_id>/supervisors/<int:supervisor_id>/remove")
@role_required(Role.ADMIN)
def remove_supervisor(user_id: int, supervisor_id: int) -> Response:
    """Unassign a supervisor from a trainee."""
    trainee = _person_or_404(user_id)
    supervisor = _person_or_404(supervisor_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        unassign_supervisor(trainee, supervisor)
    except PeopleError as error:
        return _refused(trainee, error)
    return _apply(trainee, f"{supervisor.name} no longer supervises {trainee.name}.")
