"""The supervisor's review queue: approve, return with a comment, or bulk-approve."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from lms.auth.models import Role
from lms.auth.roles import role_required
from lms.extensions import db
from lms.ids import parse_id, requested_page
from lms.practice.common import (
    TAKEN_BACK,
    conflict,
    load_entry,
    screen_context,
)
from lms.practice.forms import ActionForm, ApproveForm, ReturnForm
from lms.practice.labels import program_or_none
from lms.practice.models import Decision, EntryState
from lms.practice.queue import QueueItem, QueuePage, Running, running_totals
from lms.practice.services import (
    AlreadyDecided,
    NotAssigned,
    PracticeError,
    approve_many,
    decide,
    ensure_assigned,
)
from lms.practice.views import bp
from lms.timezones import viewer_zone_name

PAGE_SIZE = 15
#: Rendered queue articles kept per process (about 2 KB each).
ARTICLES_KEPT = 1024


@lru_cache(maxsize=ARTICLES_KEPT)
def _article(_mount: str, _zone: str, item: QueueItem, run: Running) -> Markup:
    """Render one waiting entry (the mount point and zone key it: its links and times use them)."""
    return Markup(render_template("practice/_queue_item.html", entry=item, run=run))


def queue_articles(items: Sequence[QueueItem]) -> list[Markup]:
    """Return the waiting entries' articles, each rendered once per process.

    The key holds every input of the article: the entry's shown fields, names and last comment
    (the item), the running totals, the mount point and the viewer's zone; program labels do
    not change while a process runs. So a changed entry, name or total is simply a new key.
    The mount point and zone are read once per request, and the articles are looked up here
    rather than called one by one from the template.
    """
    mount, zone = request.script_root, viewer_zone_name()
    render = _article.__wrapped__ if current_app.debug else _article  # debug reloads templates
    running = running_totals(items)
    return [render(mount, zone, item, running[item.id]) for item in items]


@bp.get("/supervision/queue")
@role_required(Role.SUPERVISOR)
def queue() -> str:
    """Show submitted entries from assigned trainees, oldest first, with running totals."""
    page = QueuePage(supervisor_id=current_user.id, page=requested_page(), per_page=PAGE_SIZE,
                     error_out=False)
    return render_template("practice/queue.html", page=page,
                           articles=queue_articles(page.items))


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
