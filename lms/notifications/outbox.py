"""Writing a message into the outbox, in the caller's transaction, and composing it to send."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, parseaddr
from typing import Any

from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from lms.extensions import db
from lms.notifications.models import Category, MailPreference, NoticeKey, OutboxMessage
from lms.notifications.transport import MailSettings

#: Kept in db.session.info until the transaction commits, for inline delivery.
NEW_MESSAGES_KEY = "lantern.outbox.new"
#: CR, LF and every other control character: one of them in a header would start a new header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Lines up to SMTP's 998 characters: plain-ASCII bodies then go as 7bit, so a long link stays
#: whole in an .eml file instead of being cut by quoted-printable soft breaks.
_POLICY = default_policy.clone(max_line_length=998)


class HeaderInjection(ValueError):
    """A name, address or subject holds a line break or control character; nothing is queued."""


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to; user_id ties it to preferences and unsubscribe links."""

    email: str
    name: str | None = None
    user_id: int | None = None


def mail_settings() -> MailSettings:
    """Return the parsed LMS_MAIL_URL of the running app."""
    settings: MailSettings = current_app.config["LMS_MAIL"]
    return settings


def queue_message(kind: str, category: Category, to: Recipient, subject: str,
                  context: dict[str, Any] | None = None) -> OutboxMessage | None:
    """Write one message for `to` into the outbox (flushed, not committed), or None if unwanted.

    The body comes from templates/notifications/email/<kind>.txt and .html. Nothing is written
    when LMS_MAIL_URL is `none` or the person turned this category off.
    """
    message = build_message(kind, category, to, subject, context)
    if message is not None:
        add_message(message)
    return message


def build_message(kind: str, category: Category, to: Recipient, subject: str,
                  context: dict[str, Any] | None = None) -> OutboxMessage | None:
    """Compose one outbox row as queue_message does, without adding it to the session."""
    for value in (to.email, to.name or "", subject):
        if _CONTROL.search(value):
            raise HeaderInjection("A name, address or subject holds a line break; "
                                  "nothing was queued.")
    if not mail_settings().sends or not wants(to.user_id, category):
        return None
    unsubscribe = (unsubscribe_url(to.user_id, category)
                   if to.user_id is not None and category is not Category.SECURITY else None)
    values = {**(context or {}), "recipient_name": to.name, "unsubscribe_url": unsubscribe,
              "base_url": current_app.config["LMS_BASE_URL"], "category": category.value}
    message = OutboxMessage(
        message_id=new_message_id(), kind=kind, category=category, user_id=to.user_id,
        recipient=to.email, recipient_name=to.name, subject=subject,
        body_text=render_template(f"notifications/email/{kind}.txt", **values),
        body_html=render_template(f"notifications/email/{kind}.html", **values),
        unsubscribe_url=unsubscribe)
    return message


def add_message(message: OutboxMessage) -> None:
    """Write one built message into the outbox (flushed), remembered for inline delivery."""
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault(NEW_MESSAGES_KEY, []).append(message.id)


#: The columns a built message fills; the rest (status, attempts, times) take their defaults.
_BUILT = ("message_id", "kind", "category", "user_id", "recipient", "recipient_name", "subject",
          "body_text", "body_html", "unsubscribe_url")


def insert_messages(messages: list[OutboxMessage]) -> list[int]:
    """Write many built messages in multi-row INSERTs, not one per message; return their ids.

    The objects stay outside the session: a bulk import reads the outcome from the outbox.
    """
    if not messages:
        return []
    # Core executemany with RETURNING: the ORM's flush sends one INSERT per row on SQLite.
    ids = list(db.session.scalars(insert(OutboxMessage).returning(OutboxMessage.id), [
        {column: getattr(message, column) for column in _BUILT} for message in messages]))
    db.session.info.setdefault(NEW_MESSAGES_KEY, []).extend(ids)
    return ids


def queue_once(user_id: int, kind: str, key: str) -> bool:
    """Claim (person, kind, key) in this transaction; False if it was claimed before.

    The unique key in the database, not a check in Python, is what keeps two workers, a
    restart or a second drain from sending a reminder twice.
    """
    try:
        with db.session.begin_nested():
            db.session.add(NoticeKey(user_id=user_id, kind=kind, key=key))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def wants(user_id: int | None, category: Category) -> bool:
    """Return whether the person still receives this category (security always)."""
    if user_id is None or category is Category.SECURITY:
        return True
    preference = db.session.get(MailPreference, user_id)
    return preference is None or bool(getattr(preference, category.value))


def new_message_id() -> str:
    """Return a fresh Message-ID on the sender's domain."""
    _name, sender = parseaddr(current_app.config["LMS_MAIL_FROM"])
    return f"<{uuid.uuid4().hex}@{sender.rpartition('@')[2] or 'localhost'}>"


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lantern.unsubscribe")


def unsubscribe_url(user_id: int, category: Category) -> str:
    """Return the signed one-click unsubscribe address for a person and category."""
    token = _unsubscribe_serializer().dumps({"u": user_id, "c": category.value})
    return f"{current_app.config['LMS_BASE_URL']}/unsubscribe/{token}"


def read_unsubscribe_token(token: str) -> tuple[int, Category] | None:
    """Return the person and category a genuine unsubscribe token names, else None."""
    try:
        data = _unsubscribe_serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    try:
        category = Category(str(data.get("c")))
    except ValueError:
        return None
    return (data["u"], category) if category is not Category.SECURITY else None


def compose(message: OutboxMessage, sender: str) -> EmailMessage:
    """Return the e-mail for an outbox row: the same Message-ID and Date on every attempt."""
    email = EmailMessage(policy=_POLICY)
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = Address(display_name=message.recipient_name or "", addr_spec=message.recipient)
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(message.created_at)
    email["Auto-Submitted"] = "auto-generated"
    if message.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    return email


def set_preferences(user_id: int, **choices: bool) -> MailPreference:
    """Save which categories of mail a person receives."""
    preference = db.session.get(MailPreference, user_id) or MailPreference(user_id=user_id)
    for name, value in choices.items():
        if name not in {"updates", "reminders", "digests"}:
            raise ValueError(f"no such mail category: {name}")
        setattr(preference, name, value)
    db.session.add(preference)
    db.session.flush()
    return preference


def preferences_of(user_id: int) -> MailPreference:
    """Return a person's choices (everything on when they never chose)."""
    return db.session.get(MailPreference, user_id) or MailPreference(
        user_id=user_id, updates=True, reminders=True, digests=True)


def messages_query(status: str | None = None) -> Any:
    """Return the select for the admin's outbox list, newest first."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    return query.where(OutboxMessage.status == status) if status else query
