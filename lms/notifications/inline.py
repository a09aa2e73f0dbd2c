"""Inline delivery: in development (or LMS_OUTBOX_INLINE=1), send right after the commit."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from lms.extensions import db
from lms.notifications.outbox import NEW_MESSAGES_KEY
from lms.notifications.services import send_delivery_failed
from lms.notifications.worker import deliver_due

log = logging.getLogger(__name__)
#: Messages whose transaction has committed and that this process should send itself.
COMMITTED_KEY = "lantern.outbox.committed"


@event.listens_for(Session, "after_commit")
def _remember_committed(session: Session) -> None:
    """Move the messages of a committed transaction to the list waiting for inline delivery."""
    # Ids left over from a rolled-back transaction are harmless: delivery only claims rows
    # that exist and are still queued.
    new = session.info.pop(NEW_MESSAGES_KEY, None)
    if new:
        session.info.setdefault(COMMITTED_KEY, []).extend(new)


def init_inline_delivery(app: Flask) -> None:
    """Send each request's (or command's) committed messages once it is over."""

    @app.after_request
    def _after_request(response: Response) -> Response:
        ids = _take_committed()
        if ids:
            target = current_app._get_current_object()  # type: ignore[attr-defined]
            # After the response is sent: the person never waits for the mail server.
            response.call_on_close(lambda: _deliver_in_context(target, ids))
        return response

    @app.teardown_appcontext
    def _after_command(_error: BaseException | None) -> None:
        # Requests were handled above; this catches commands such as `lms create-user`.
        if not has_request_context():
            ids = _take_committed()
            if ids:
                deliver_now(ids)


def _take_committed() -> list[int]:
    # A request that never opened a database session committed nothing; asking the session
    # would open one only for the teardown to close it again.
    if not current_app.config["LMS_OUTBOX_INLINE"] or not db.session.registry.has():
        return []
    info = db.session.info
    ids: list[int] = info.pop(COMMITTED_KEY, [])
    return ids


def _deliver_in_context(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        deliver_now(ids)


def deliver_now(ids: list[Any]) -> None:
    """Deliver these messages now; a failure leaves them queued for the worker, never raises."""
    try:
        deliver_due(only=ids, on_failure=send_delivery_failed)
    except Exception:  # noqa: BLE001 - the outbox keeps the message; the worker tries again
        db.session.rollback()
        log.exception("inline delivery failed; the outbox keeps the messages for the worker")
