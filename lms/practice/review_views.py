"""The supervisor's review queue: approve, return with a comment, or bulk-approve."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from lms.auth.models import Role, SupervisorAssignment
from lms.auth.roles import role_required
from lms.extensions import db
from lms.ids import parse_id, requested_page
from lms.practice import totals
from lms.practice.common import (
    TAKEN_BACK,
    conflict,
    load_entry,
    screen_context,
)
from lms.practice.forms import ActionForm, ApproveForm, ReturnForm
from lms.practice.labels import program_or_none
from lms.practice.models import Decision, EntryState, PracticeDecision, PracticeEntry
from lms.practice.services import (
    AlreadyDecided,
    NotAssigned,
    PracticeError,
    approve_many,
    decide,
    ensure_assigned,
)
from lms.practice.views import bp

PAGE_SIZE = 15


def queue_query(supervisor_id: int) -> Select[PracticeEntry]:
    """Return the select for submitted entries of the supervisor's trainees, oldest first."""
    return (select(PracticeEntry)
            .join(SupervisorAssignment,
                  (SupervisorAssignment.trainee_id == PracticeEntry.trainee_id)
                  & (SupervisorAssignment.supervisor_id == supervisor_id))
            .where(PracticeEntry.state == EntryState.SUBMITTED)
            .options(joinedload(PracticeEntry.trainee),
                     selectinload(PracticeEntry.decisions)
                     .joinedload(PracticeDecision.supervisor))
            .order_by(PracticeEntry.submitted_at, PracticeEntry.id))


class WindowPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination, reading the page and the total in one statement.

    `count(*) OVER ()` is worked out before LIMIT and OFFSET, so every row of the page carries
    the total. A page past the end has no rows to carry it: only then is it counted apart.
    """

    _window_total: int | None = None

    def _query_items(self) -> list[Any]:
        statement = (self._query_args["select"].add_columns(func.count().over().label("total"))
                     .limit(self.per_page).offset(self._query_offset))
        rows = self._query_args["session"].execute(statement).unique().all()
        if rows:
            self._window_total = int(rows[0].total)
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        if self._window_total is not None:
            return self._window_total
        return 0 if self.page == 1 else super()._query_count()


@bp.get("/supervision/queue")
@role_required(Role.SUPERVISOR)
def queue() -> str:
    """Show submitted entries from assigned trainees, oldest first, with running totals."""
    page = WindowPagination(select=queue_query(current_user.id), session=db.session,
                            page=requested_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("practice/queue.html", page=page,
                           running=totals.running_totals(page.items), action_form=ActionForm())


def _submission(value: str | None) -> int | None:
    return parse_id(value)


def _queue_url() -> str:
    return url_for("practice.queue")


@bp.post("/supervision/entries/<int:entry_id>/approve")
@role_required(Role.SUPERVISOR)
def approve(entry_id: int) -> Response | tuple[str, int]:
    """Approve one submitted entry; it is locked from now on."""
    entry = load_entry(entry_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decide(entry, current_user, Decision.APPROVE,
               seen_submission=_submission(form.submission.data),
               second_factor=current_user.second_factor)
    except NotAssigned:
        abort(404)  # a trainee they do not supervise: their entries look missing
    except AlreadyDecided as error:
        db.session.rollback()
        return conflict(str(error), _queue_url(), "Back to your queue")
    db.session.commit()
    flash(f"Approved: {entry.trainee.name}, {entry.minutes} minutes on "
          f"{entry.practice_date.day} {entry.practice_date:%B}.", "success")
    return redirect(_queue_url())


@bp.post("/supervision/entries/<int:entry_id>/return")
@role_required(Role.SUPERVISOR)
def return_entry(entry_id: int) -> Response | tuple[str, int]:
    """Return one submitted entry to the trainee with what to change."""
    entry = load_entry(entry_id)
    form = ReturnForm()
    try:
        ensure_assigned(current_user, entry.trainee_id)
    except NotAssigned:
        abort(404)  # a trainee they do not supervise: their entries look missing
    if form.validate_on_submit():
        try:
            decide(entry, current_user, Decision.RETURN, form.comment.data or "",
                   seen_submission=_submission(form.submission.data),
                   second_factor=current_user.second_factor)
        except AlreadyDecided as error:
            db.session.rollback()
            return conflict(str(error), _queue_url(), "Back to your queue")
        except PracticeError as error:
            form.comment.errors = [*form.comment.errors, str(error)]
        else:
            db.session.commit()
            flash(f"Returned to {entry.trainee.name} with your comment.", "success")
            return redirect(_queue_url())
    elif "csrf_token" in form.errors:
        abort(400)
    if entry.state is EntryState.DRAFT:
        abort(403, TAKEN_BACK)
    return render_template("practice/entry.html", entry=entry,
                           program=program_or_none(entry.program_slug), action_form=ActionForm(),
                           approve_form=ApproveForm(), return_form=form,
                           screen=screen_context(entry.reflection)), 400


@bp.post("/supervision/queue/approve")
@role_required(Role.SUPERVISOR)
def bulk_approve() -> Response:
    """Approve the ticked entries; any already decided by someone else are left as they are."""
    if not ActionForm().validate_on_submit():
        abort(400)
    chosen: dict[int, int | None] = {}
    for value in request.form.getlist("entries"):
        entry_id, _, submission = value.partition(":")
        if (chosen_id := parse_id(entry_id)) is not None:
            chosen[chosen_id] = _submission(submission)
    if not chosen:
        flash("Please tick at least one entry to approve.", "error")
        return redirect(_queue_url())
    try:
        approved, skipped = approve_many(
            current_user, chosen, second_factor=current_user.second_factor)
    except NotAssigned as error:
        abort(403, str(error))
    db.session.commit()
    message = f"Approved {approved} entr{'y' if approved == 1 else 'ies'}."
    if skipped:
        message += (f" {skipped} had already been decided, withdrawn or changed, and "
                    f"{'was' if skipped == 1 else 'were'} left as "
                    f"{'it was' if skipped == 1 else 'they were'}.")
    flash(message, "success" if approved else "error")
    return redirect(_queue_url())
