"""Supervisor and admin pages about trainees: totals, observations, sessions and exports."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from lms.auth.assignments import trainees_of
from lms.auth.models import Role, User
from lms.auth.roles import role_required
from lms.catalog.content import Program
from lms.extensions import db
from lms.ids import parse_id
from lms.learning.services import programs_by_trainee
from lms.models import utcnow
from lms.practice import exports, profile, totals
from lms.practice.chart import hours_chart
from lms.practice.common import resend_of, screen_context, text_sha, trainee_for_viewer
from lms.practice.forms import ObservationForm, SessionForm, as_choices
from lms.practice.models import EntryState, PracticeEntry, SessionKind
from lms.practice.once import settle_form
from lms.practice.records import (
    ObservationData,
    SessionData,
    oars_benchmarks,
    observations_of,
    record_observation,
    record_session,
    sessions_by,
    sessions_of,
)
from lms.practice.services import NeedsConfirmation, NotAssigned, PracticeError, ensure_assigned
from lms.practice.views import bp


def _program_of(trainee: User) -> Program:
    program = programs_by_trainee([trainee.id]).get(trainee.id)
    if program is None:
        abort(404)
    return program


@bp.get("/supervision/trainees")
@role_required(Role.SUPERVISOR)
def trainees() -> str:
    """List assigned trainees with their totals, a weekly chart and recent sessions."""
    people = trainees_of(current_user.id)
    progress = totals.progress_for(person.id for person in people)
    weeks = totals.weekly_hours([person.id for person in people], utcnow().date())
    return render_template(
        "practice/trainees.html", people=people, progress=progress,
        chart=hours_chart(weeks, "team-chart", "Approved practice hours per week, all your "
                                               "trainees"),
        sessions=sessions_by(current_user))


@bp.get("/supervision/trainees.csv")
@role_required(Role.SUPERVISOR)
def trainees_csv() -> Response:
    """Download totals for every assigned trainee as CSV."""
    people = trainees_of(current_user.id)
    return exports.csv_response(exports.trainees_csv(people, totals.progress_for(
        person.id for person in people)), exports.filename(current_user, "trainee-totals", "csv"))


@bp.get("/supervision/trainees/<int:user_id>")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def trainee(user_id: int) -> str:
    """Show one trainee's totals, chart, entries, observations and sessions."""
    person = trainee_for_viewer(user_id)
    progress = totals.progress(person.id)
    entries = list(db.session.scalars(
        select(PracticeEntry)
        .where(PracticeEntry.trainee_id == person.id, PracticeEntry.state != EntryState.DRAFT)
        .options(joinedload(PracticeEntry.approved_by))
        .order_by(PracticeEntry.practice_date.desc(), PracticeEntry.id.desc()).limit(100)))
    observations = observations_of(person.id)
    weeks = totals.weekly_hours([person.id], utcnow().date())
    return render_template(
        "practice/trainee.html", person=person, progress=progress, entries=entries,
        observations=observations,
        benchmarks={o.id: oars_benchmarks(o.tallies) for o in observations},
        sessions=sessions_of(person.id),
        chart=hours_chart(weeks, "hours-chart", f"Approved practice hours per week, "
                                                f"{person.name}"))


@bp.get("/supervision/trainees/<int:user_id>/log.csv")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def trainee_log_csv(user_id: int) -> Response:
    """Download a trainee's approved log as CSV."""
    person = trainee_for_viewer(user_id)
    return exports.csv_response(exports.log_csv(person, _program_of(person)),
                                exports.filename(person, "practice-log", "csv"))


@bp.get("/supervision/trainees/<int:user_id>/summary.pdf")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def trainee_summary_pdf(user_id: int) -> Response:
    """Download a trainee's printable practice summary."""
    person = trainee_for_viewer(user_id)
    return exports.pdf_response(exports.summary_pdf(person, _program_of(person)),
                                exports.filename(person, "practice-summary", "pdf"))


@bp.route("/supervision/trainees/<int:user_id>/observations/new", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def new_observation(user_id: int) -> str | Response | tuple[str, int]:
    """Record a competency observation for an assigned trainee."""
    person = db.get_or_404(User, user_id)
    try:
        ensure_assigned(current_user, person.id)
    except NotAssigned as error:
        abort(403, str(error))
    program = _program_of(person)
    form = ObservationForm()
    form.competency.choices = as_choices(profile.competencies(program))
    if not form.is_submitted():
        form.observed_on.data = utcnow().date()
        form.competency.data = request.args.get("competency")
    screen = None
    if form.validate_on_submit():
        data = ObservationData(
            competency=form.competency.data or "", observed_on=form.observed_on.data,
            competent=form.outcome.data == "competent", note=(form.note.data or "").strip(),
            tallies=form.tallies())
        confirmed = bool(form.confirm_identifiers.data
                         and form.screened.data == text_sha(data.note))
        done_url = url_for("practice.trainee", user_id=person.id)
        if (resent := resend_of(form.form_key.data, done_url)) is not None:
            return resent
        try:
            record_observation(current_user, person, program, data, confirmed=confirmed)
        except NeedsConfirmation:
            screen = screen_context(data.note)
        except PracticeError as error:
            form.form_errors.append(str(error))
        else:
            settle_form(form.form_key.data, done_url)
            db.session.commit()
            flash(f"Observation recorded for {person.name}.", "success")
            return redirect(done_url)
    if screen is not None:
        form.confirm_identifiers.data = False
        form.screened.data = screen["sha"]
    status = 400 if form.is_submitted() else 200
    return render_template("practice/observation_form.html", form=form, person=person,
                           program=program, screen=screen), status


@bp.route("/supervision/sessions/new", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def new_session() -> str | Response | tuple[str, int]:
    """Record one supervision session with the trainees who took part."""
    people = {person.id: person for person in trainees_of(current_user.id)}
    form = SessionForm()
    form.trainees.choices = [SelectChoice(person.id, person.name) for person in people.values()]
    if not form.is_submitted():
        form.session_date.data = utcnow().date()
        wanted = parse_id(request.args.get("trainee"))
        form.trainees.data = [wanted] if wanted in people else []
    if form.validate_on_submit():
        chosen = [people[person_id] for person_id in form.trainees.data or []]
        data = SessionData(session_date=form.session_date.data, minutes=form.minutes.data or 0,
                           kind=SessionKind(form.kind.data), modality=form.modality.data or "",
                           topics=list(form.topics.data or []), start_time=form.start_time.data)
        if (resent := resend_of(form.form_key.data, url_for("practice.trainees"))) is not None:
            return resent
        try:
            record_session(current_user, chosen, data)
        except NotAssigned as error:
            abort(403, str(error))
        except PracticeError as error:
            form.form_errors.append(str(error))
        else:
            settle_form(form.form_key.data, url_for("practice.trainees"))
            db.session.commit()
            names = ", ".join(person.name for person in chosen)
            flash(f"Supervision session recorded for {names}.", "success")
            return redirect(url_for("practice.trainees"))
    status = 400 if form.is_submitted() else 200
    return render_template("practice/session_form.html", form=form, has_trainees=bool(people)
                           ), status
