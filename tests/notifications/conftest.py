"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the mail tests, and the app pointed at it."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from lms.notifications.transport import MailSettings

#: Recipients the server refuses for good, as a real server refuses an unknown mailbox.
REFUSED_DOMAIN = "refused.example.org"


class Mailbox:
    """The aiosmtpd handler: keeps every accepted message, refuses REFUSED_DOMAIN with a 550."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if address.endswith("@" + REFUSED_DOMAIN):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """Return the messages addressed to one recipient."""
        return [m for m in self.messages if address in str(m["To"])]


class SMTPServer:
    """An aiosmtpd server that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._controller: Controller | None = None

    def start(self) -> None:
        """Listen on 127.0.0.1:port."""
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until started again."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def settings(self) -> MailSettings:
        """Return the transport settings that reach this server."""
        return MailSettings("smtp", "127.0.0.1", self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        """Return every message accepted so far."""
        return self.mailbox.messages


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    """Start a real SMTP server on 127.0.0.1 for one test."""
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(app: Flask, smtp_server: SMTPServer) -> Iterator[SMTPServer]:
    """Point the app's mail at the test SMTP server for one test."""
    saved = app.config["LMS_MAIL"]
    app.config["LMS_MAIL"] = smtp_server.settings
    yield smtp_server
    app.config["LMS_MAIL"] = saved


def body_text(message: EmailMessage) -> str:
    """Return the plain-text part of a received message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()  # type: ignore[no-any-return]


def link_in(message: EmailMessage, prefix: str) -> str:
    """Return the first link in the message's text that starts with prefix."""
    for word in body_text(message).split():
        if word.startswith(prefix):
            return word
    raise AssertionError(f"no link starting with {prefix} in:\n{body_text(message)}")


@pytest.fixture
def people(people: dict[str, int], app: Flask) -> dict[str, int]:
    """The shared people, without the "trainee assigned" mail their set-up queued."""
    from sqlalchemy import delete

    from lms.extensions import db
    from lms.notifications.models import OutboxMessage

    with app.app_context():
        assert db.session.execute(delete(OutboxMessage)).rowcount == 1
        db.session.commit()
        db.session.remove()
    return people
