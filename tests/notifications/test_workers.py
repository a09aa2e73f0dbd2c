"""Several workers at once, on committed data: every message goes out exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from lms.extensions import db
from lms.notifications.models import Category, OutboxMessage, OutboxStatus
from lms.notifications.outbox import Recipient, queue_message
from lms.notifications.worker import DeliveryReport, deliver_due
from tests.conftest import build_test_app
from tests.notifications.conftest import SMTPServer

MESSAGES = 300
WORKERS = 3

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("LMS_TEST_DATABASE_URL") else [])


@pytest.fixture(params=DATABASES)
def committed_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                  smtp_server: SMTPServer) -> Iterator[Flask]:
    """An app whose commits are real (no rolled-back test transaction), with its own outbox."""
    url = (os.environ["LMS_TEST_DATABASE_URL"] if request.param == "postgresql"
           else f"sqlite:///{tmp_path_factory.mktemp('workers') / 'workers.db'}")
    app = build_test_app(url)
    app.config["LMS_MAIL"] = smtp_server.settings
    with app.app_context():
        db.create_all()
        db.session.execute(delete(OutboxMessage))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.execute(delete(OutboxMessage))
        db.session.commit()
        db.engine.dispose()


def test_three_workers_deliver_300_messages_exactly_once(committed_app, smtp_server):
    with committed_app.app_context():
        for number in range(MESSAGES):
            queue_message("password_changed", Category.SECURITY,
                          Recipient(f"person{number}@example.org"), "Your password changed",
                          {"forgot_url": "http://localhost/password/forgot"})
        db.session.commit()

    start = threading.Barrier(WORKERS)
    reports: list[DeliveryReport] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with committed_app.app_context():
                start.wait()
                reports.append(deliver_due())
        except BaseException as error:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    elapsed = time.perf_counter() - began

    assert not errors, errors
    received = Counter(str(message["Message-ID"]) for message in smtp_server.messages)
    assert len(received) == MESSAGES
    assert set(received.values()) == {1}, "no message was sent twice"
    sent_by_worker = [len(report.sent) for report in reports]
    assert sum(sent_by_worker) == MESSAGES
    with committed_app.app_context():
        rows = db.session.execute(select(OutboxMessage.status, OutboxMessage.attempts,
                                         func.count()).group_by(OutboxMessage.status,
                                                                OutboxMessage.attempts)).all()
        assert rows == [(OutboxStatus.SENT, 1, MESSAGES)]
        stored = set(db.session.scalars(select(OutboxMessage.message_id)))
    assert stored == set(received)
    print(f"{MESSAGES} messages, {WORKERS} workers: {sent_by_worker} in {elapsed:.2f} s")


def test_the_long_running_worker_delivers_and_stops_on_sigterm(tmp_path, smtp_server):
    """`lms outbox run` as systemd starts it: it sends what is queued, then stops cleanly."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "LMS_INSTANCE_PATH": str(tmp_path), "LMS_ENV": "development",
           "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'worker.db'}",
           "LMS_MAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}", "LMS_OUTBOX_INLINE": "0"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=root, env=env, check=True,
                   capture_output=True, timeout=120)
    created = subprocess.run([*flask, "lms", "create-user", "--email", "sky@example.org",
                              "--name", "Sky", "--role", "supervisor"], cwd=root, env=env,
                             check=True, capture_output=True, text=True, timeout=120)
    assert "the invitation is in the outbox" in created.stdout
    assert smtp_server.messages == [], "LMS_OUTBOX_INLINE=0: only the worker sends"

    worker = subprocess.Popen([*flask, "lms", "outbox", "run", "--poll", "0.5"], cwd=root,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        deadline = time.monotonic() + 60
        while not smtp_server.messages and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "Outbox worker stopped." in output
    [invitation] = smtp_server.messages
    assert invitation["Subject"] == "You are invited to Lantern"
    assert "sky@example.org" in str(invitation["To"])
