"""Mail preferences, one-click unsubscribe, and the admin's view of the outbox."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import load_only
from werkzeug.wrappers import Response

from lms.auth.models import Role
from lms.auth.roles import role_required
from lms.extensions import csrf, db
from lms.ids import requested_page
from lms.notifications.forms import ActionForm, PreferencesForm
from lms.notifications.models import Category, OutboxMessage, OutboxStatus
from lms.notifications.outbox import (
    mail_settings,
    messages_query,
    preferences_of,
    read_unsubscribe_token,
    set_preferences,
)
from lms.notifications.worker import retry_message

bp = Blueprint("notifications", __name__)

PAGE_SIZE = 50
CATEGORY_NAMES = {Category.UPDATES: "updates about your work", Category.REMINDERS: "reminders",
                  Category.DIGESTS: "daily digests"}


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences() -> str | Response | tuple[str, int]:
    """Let a person choose which mail they receive; security notices always go."""
    chosen = preferences_of(current_user.id)
    form = PreferencesForm(obj=chosen)
    if form.validate_on_submit():
        set_preferences(current_user.id, updates=form.updates.data,
                        reminders=form.reminders.data, digests=form.digests.data)
        db.session.commit()
        flash("Your e-mail choices are saved.", "success")
        return redirect(url_for("notifications.preferences"))
    status = 400 if form.is_submitted() else 200
    return render_template("notifications/preferences.html", form=form,
                           sends=mail_settings().sends), status


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail clients POST here without a page; the signed token is the proof
def unsubscribe(token: str) -> str | tuple[str, int]:
    """Turn one category of mail off from a link, without signing in (POST only: scanners GET)."""
    found = read_unsubscribe_token(token)
    if found is None:
        return render_template("notifications/unsubscribe.html", problem=True), 400
    user_id, category = found
    if request.method == "POST":
        set_preferences(user_id, **{category.value: False})
        db.session.commit()
    return render_template("notifications/unsubscribe.html", problem=False, token=token,
                           category=CATEGORY_NAMES[category], done=request.method == "POST")


@bp.get("/admin/outbox")
@role_required(Role.ADMIN)
def outbox() -> str:
    """List outbox messages by status: recipient, subject and times, never the body."""
    status_value = request.args.get("status", "")
    status = OutboxStatus(status_value) if status_value in OutboxStatus._value2member_map_ else None
    columns = (OutboxMessage.id, OutboxMessage.kind, OutboxMessage.recipient,
               OutboxMessage.subject, OutboxMessage.status, OutboxMessage.attempts,
               OutboxMessage.created_at, OutboxMessage.sent_at, OutboxMessage.next_attempt_at,
               OutboxMessage.last_error)
    # The bodies are never even loaded: the admin sees that a message went, not what it said.
    query = messages_query(status.value if status else None).options(load_only(*columns))
    page = db.paginate(query, page=requested_page(), per_page=PAGE_SIZE, error_out=False)
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count())
                                     .group_by(OutboxMessage.status)).all())
    return render_template("notifications/outbox.html", page=page, status=status,
                           statuses=list(OutboxStatus), counts=counts, form=ActionForm(),
                           where=mail_settings().describe())


@bp.post("/admin/outbox/<int:message_id>/retry")
@role_required(Role.ADMIN)
def retry(message_id: int) -> Response:
    """Queue a failed message again."""
    message = db.get_or_404(OutboxMessage, message_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        retry_message(message)
    except ValueError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"The message to {message.recipient} will be tried again at the next delivery.",
              "success")
    return redirect(url_for("notifications.outbox", status="failed"))
