"""A server killed with -9 in the middle of issuing leaves no half-issued certificate."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, time
from datetime import date
from lms import create_app
from lms.admin.services import assign_supervisor
from lms.auth.models import Role
from lms.certification import issuing
from lms.extensions import db
from lms.learning.services import enroll
from lms.catalog.services import get_catalog
from tests.certification.records import earn_everything
from tests.factories import make_user

app = create_app()
with app.app_context():
    db.create_all()
    trainee = make_user(Role.TRAINEE, "t@example.org", "Jordan Lee")
    supervisor = make_user(Role.SUPERVISOR, "s@example.org", "Sam Okafor")
    enroll(trainee, "foundations")
    assign_supervisor(trainee, supervisor, None)
    earn_everything(trainee.id, supervisor.id)
    db.session.commit()
    real_audit = issuing._audit

    def audit_then_hang(*args, **kwargs):
        real_audit(*args, **kwargs)
        db.session.flush()  # the certificate and its audit event are written, not committed
        print("mid-issue", flush=True)
        time.sleep(60)

    issuing._audit = audit_then_hang
    issuing.claim(trainee, get_catalog().program("foundations"), None, date.today())
    db.session.commit()
"""


def test_kill_during_issue_leaves_nothing_half_done(tmp_path):
    database = tmp_path / "crash.sqlite3"
    env = {**os.environ, "LMS_INSTANCE_PATH": str(tmp_path), "LMS_ENV": "development",
           "LMS_DATABASE_URL": f"sqlite:///{database}", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.strip() == "mid-issue", process.stderr.read()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        process.stderr.close()
    with sqlite3.connect(database) as connection:
        certificates = connection.execute("SELECT count(*) FROM certificate").fetchone()[0]
        issue_events = connection.execute(
            "SELECT count(*) FROM audit_event WHERE kind = 'certificate.issue'").fetchone()[0]
        approvals = connection.execute(
            "SELECT count(*) FROM audit_event WHERE kind LIKE 'practice.%'").fetchone()[0]
    assert certificates == 0 and issue_events == 0
    assert approvals > 0  # the records committed before the crash are all still there
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "lms", "audit",
                             "verify"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
