"""The trainee's practice log: write, submit, withdraw and export entries."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from lms.auth.models import Role
from lms.auth.roles import role_required
from lms.catalog.content import Program
from lms.extensions import db
from lms.ids import requested_page
from lms.learning.services import program_of
from lms.models import utcnow
from lms.practice import exports, totals
from lms.practice.chart import hours_chart
from lms.practice.common import (
    choices_for,
    conflict,
    own_entry,
    resend_of,
    reviewable_entry,
    screen_context,
    text_sha,
)
from lms.practice.forms import ActionForm, ApproveForm, EntryForm, ReturnForm, as_choices
from lms.practice.labels import program_or_none
from lms.practice.models import EntryState, PracticeEntry
from lms.practice.once import settle_form
from lms.practice.records import oars_benchmarks, observations_of, sessions_of
from lms.practice.services import (
    AlreadyDecided,
    EntryData,
    EntryLocked,
    NeedsConfirmation,
    PracticeError,
    check_entry_data,
    create_entry,
    delete_entry,
    ensure_deletable,
    ensure_editable,
    submit_entry,
    update_entry,
    withdraw_entry,
)

bp = Blueprint("practice", __name__)

PAGE_SIZE = 30


def _program() -> Program:
    program = program_of(current_user)
    if program is None:
        abort(403, "You are not enrolled in a program yet, so there is no practice log to keep. "
                   "Your program administrator can enrol you.")
    return program


def _log_url() -> str:
    return url_for("practice.log")


def _locked(error: PracticeError, entry: PracticeEntry) -> tuple[str, int]:
    return conflict(str(error), url_for("practice.entry", entry_id=entry.id), "Back to the entry")


@bp.get("/practice")
@role_required(Role.TRAINEE)
def log() -> str:
    """Show the trainee's totals, chart, entries, sessions and observations."""
    program = program_of(current_user)
    context: dict[str, object] = {"program": program}
    if program is not None:
        query = (select(PracticeEntry).where(PracticeEntry.trainee_id == current_user.id)
                 .options(joinedload(PracticeEntry.approved_by))
                 .order_by(PracticeEntry.practice_date.desc(), PracticeEntry.id.desc()))
        weeks = totals.weekly_hours([current_user.id], utcnow().date())
        observations = observations_of(current_user.id)
        context.update(
            progress=totals.progress(current_user.id),
            returned=list(db.session.scalars(
                select(PracticeEntry).where(PracticeEntry.trainee_id == current_user.id,
                                            PracticeEntry.state == EntryState.RETURNED)
                .order_by(PracticeEntry.practice_date))),
            page=db.paginate(query, page=requested_page(), per_page=PAGE_SIZE,
                             error_out=False),
            chart=hours_chart(weeks, "hours-chart", "Your approved practice hours per week"),
            sessions=sessions_of(current_user.id), observations=observations,
            benchmarks={o.id: oars_benchmarks(o.tallies) for o in observations})
    return render_template("practice/log.html", **context)


def _entry_form(program: Program, entry: PracticeEntry | None = None) -> EntryForm:
    form = EntryForm(obj=entry)
    choices = choices_for(program)
    form.activity.choices = as_choices(choices["activity"])
    form.setting.choices = as_choices(choices["setting"])
    form.competencies.choices = as_choices(choices["competencies"])
    if entry is None and not form.is_submitted():
        form.practice_date.data = utcnow().date()
        if len(choices["setting"]) == 1:
            form.setting.data = choices["setting"][0][0]
    return form


def _data(form: EntryForm) -> EntryData:
    return EntryData(practice_date=form.practice_date.data, minutes=form.minutes.data or 0,
                     activity=form.activity.data or "", setting=form.setting.data or "",
                     start_time=form.start_time.data, competencies=list(form.competencies.data
                                                                        or []),
                     reflection=(form.reflection.data or "").strip())


def _form_ok(form: EntryForm, program: Program) -> bool:
    """Validate a sent form and the service's rules together, so every problem shows at once."""
    if not form.is_submitted():
        return False
    valid = form.validate_on_submit()
    # An unreadable date already has its own message; today stands in for the rule checks.
    data = replace(_data(form), practice_date=form.practice_date.data or utcnow().date())
    problems = check_entry_data(program, data)
    for name, message in problems.items():
        field = getattr(form, name)
        if not field.errors:
            field.errors = [*field.errors, message]
    return valid and not problems


STALE_EDIT = ("This entry was sent to your supervisor and came back since you opened this page, "
              "so your changes are not saved yet. They are below: check them against the entry, "
              "then save again.")


def _opened_before_a_send(form: EntryForm, entry: PracticeEntry) -> bool:
    """Return whether the page was shown before the entry was last sent for review."""
    # A form sent without the field (a page older than it) keeps the entry's own count.
    shown = form.submissions.data
    return shown not in (None, "") and str(shown) != str(entry.submissions)


def _try_submit(entry: PracticeEntry, form: EntryForm | None) -> Response:
    """Submit after saving; when the screen finds something, keep the draft and show it."""
    confirmed = bool(form and form.confirm_identifiers.data
                     and form.screened.data == text_sha(entry.reflection))
    try:
        sent = submit_entry(entry, current_user, confirmed=confirmed)
    except NeedsConfirmation:
        db.session.commit()
        changed = bool(form and form.confirm_identifiers.data and not confirmed)
        flash("Your entry is saved as a draft. " + (
            "You changed the reflection, so we checked it again. " if changed else "")
            + "Before it goes to your supervisor, please look at the highlighted parts below.",
            "error")
        return redirect(url_for("practice.edit_entry", entry_id=entry.id, _anchor="screen"))
    except PracticeError as error:
        db.session.commit()
        flash(f"Your entry is saved as a draft. {error}", "error")
        return redirect(url_for("practice.edit_entry", entry_id=entry.id))
    db.session.commit()
    if sent:
        flash("Sent to your supervisor. Thank you for taking the time to reflect.", "success")
    return redirect(url_for("practice.entry", entry_id=entry.id))


@bp.route("/practice/new", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def new_entry() -> str | Response | tuple[str, int]:
    """Log a new practice entry, as a draft or straight to the supervisor."""
    program = _program()
    form = _entry_form(program)
    if _form_ok(form, program):
        if (resent := resend_of(form.form_key.data, _log_url())) is not None:
            return resent
        try:
            entry = create_entry(current_user, program, _data(form))
        except PracticeError as error:
            form.form_errors.append(str(error))
        else:
            settle_form(form.form_key.data, url_for("practice.entry", entry_id=entry.id))
            if form.submit.data:
                return _try_submit(entry, None)
            db.session.commit()
            flash("Saved as a draft. You can come back to it any time.", "success")
            return redirect(url_for("practice.entry", entry_id=entry.id))
    status = 400 if form.is_submitted() else 200
    return render_template("practice/entry_form.html", form=form, program=program, entry=None,
                           screen=None), status


@bp.route("/practice/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def edit_entry(entry_id: int) -> str | Response | tuple[str, int]:
    """Change a draft or returned entry; show what the identifier screen found."""
    entry = own_entry(entry_id)
    try:
        ensure_editable(entry)
    except EntryLocked as error:
        return _locked(error, entry)
    program = program_or_none(entry.program_slug) or _program()
    form = _entry_form(program, entry)
    if _form_ok(form, program):
        if _opened_before_a_send(form, entry):
            form.form_errors.append(STALE_EDIT)
            form.submissions.data = str(entry.submissions)  # saving again now means "I checked"
        elif (saved := _save_edit(entry, program, form)) is not None:
            return saved
    status = 400 if form.is_submitted() else 200
    form.confirm_identifiers.data = False
    # After a refused save, screen the text just typed: that is what the page shows.
    typed = (form.reflection.data or "").strip() if form.is_submitted() else entry.reflection
    screen = screen_context(typed)
    form.screened.data = screen["sha"]
    return render_template("practice/entry_form.html", form=form, program=program, entry=entry,
                           screen=screen), status


def _save_edit(entry: PracticeEntry, program: Program,
               form: EntryForm) -> Response | tuple[str, int] | None:
    """Save the edit (and send it, if asked); None when the form is to be shown again."""
    try:
        update_entry(entry, program, _data(form))
    except EntryLocked as error:
        return _locked(error, entry)
    except PracticeError as error:
        form.form_errors.append(str(error))
        return None
    if form.submit.data:
        return _try_submit(entry, form)
    db.session.commit()
    flash("Your changes are saved.", "success")
    return redirect(url_for("practice.entry", entry_id=entry.id))


@bp.get("/practice/entries/<int:entry_id>")
@role_required(Role.TRAINEE, Role.SUPERVISOR)
def entry(entry_id: int) -> str:
    """Show one entry, its reflection, its review history and what can be done next."""
    item = own_entry(entry_id) if current_user.role is Role.TRAINEE else reviewable_entry(
        entry_id)
    program = program_or_none(item.program_slug)
    return render_template("practice/entry.html", entry=item, program=program,
                           action_form=ActionForm(), approve_form=ApproveForm(),
                           return_form=ReturnForm(), screen=screen_context(item.reflection))


@bp.post("/practice/entries/<int:entry_id>/submit")
@role_required(Role.TRAINEE)
def submit(entry_id: int) -> Response | tuple[str, int]:
    """Send a saved draft or returned entry to the supervisor."""
    entry = own_entry(entry_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if entry.state is EntryState.APPROVED:
        return _locked(EntryLocked("This entry has been approved, so it is locked."), entry)
    return _try_submit(entry, None)


@bp.post("/practice/entries/<int:entry_id>/withdraw")
@role_required(Role.TRAINEE)
def withdraw(entry_id: int) -> Response | tuple[str, int]:
    """Take a submitted entry back to edit it."""
    entry = own_entry(entry_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        withdraw_entry(entry, current_user)
    except (EntryLocked, AlreadyDecided) as error:
        db.session.rollback()
        return _locked(error, entry)
    db.session.commit()
    flash("The entry is back with you as a draft. Submit it again when you are ready.",
          "success")
    return redirect(url_for("practice.edit_entry", entry_id=entry.id))


@bp.get("/practice/entries/<int:entry_id>/delete")
@role_required(Role.TRAINEE)
def confirm_delete(entry_id: int) -> str | tuple[str, int]:
    """Ask before deleting: one mis-click must not cost a trainee their reflection."""
    entry = own_entry(entry_id)
    try:
        ensure_deletable(entry)
    except EntryLocked as error:
        return _locked(error, entry)
    return render_template("practice/delete.html", entry=entry)


@bp.post("/practice/entries/<int:entry_id>/delete")
@role_required(Role.TRAINEE)
def delete(entry_id: int) -> Response | tuple[str, int]:
    """Delete a draft entry that no supervisor has reviewed."""
    entry = own_entry(entry_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        delete_entry(entry, current_user)
    except EntryLocked as error:
        return _locked(error, entry)
    db.session.commit()
    flash("The entry is deleted.", "success")
    return redirect(_log_url())


@bp.get("/practice/log.csv")
@role_required(Role.TRAINEE)
def log_csv() -> Response:
    """Download the trainee's approved practice log as CSV."""
    return exports.csv_response(exports.log_csv(current_user, _program()),
                                exports.filename(current_user, "practice-log", "csv"))


@bp.get("/practice/summary.pdf")
@role_required(Role.TRAINEE)
def summary_pdf() -> Response:
    """Download the printable summary with supervisors' sign-offs."""
    return exports.pdf_response(exports.summary_pdf(current_user, _program()),
                                exports.filename(current_user, "practice-summary", "pdf"))
