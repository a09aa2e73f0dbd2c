"""SQLite under load: 20 clients write for 30 seconds; nobody sees "locked", nothing is lost."""

from __future__ import annotations

import http.cookiejar
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import _free_port

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 20
SECONDS = float(os.environ.get("LMS_CONCURRENCY_SECONDS", "30"))
PASSWORD = "a calm river at dusk"

SEED = f"""
from lms import create_app
from lms.auth.models import Role
from lms.extensions import db
from lms.learning.services import enroll
from tests.factories import make_user
app = create_app()
with app.app_context():
    for number in range({CLIENTS}):
        trainee = make_user(Role.TRAINEE, f"load{{number}}@example.org", f"Load {{number}}",
                            password={PASSWORD!r})
        enroll(trainee, "foundations")
    db.session.commit()
"""


class Client:
    """One simulated trainee with its own cookies, counting what the server acknowledged."""

    def __init__(self, base: str, email: str) -> None:
        self.base = base
        self.email = email
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.submitted: list[int] = []
        self.errors: list[str] = []

    def request(
        self, path: str, data: dict[str, str | list[str]] | None = None
    ) -> tuple[int, str, str]:
        """Send a GET or POST and return (status, final URL, body)."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=60) as response:
                return response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read().decode()

    def token(self, html: str) -> str:
        """Return the CSRF token on a page."""
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def sign_in(self) -> None:
        _, _, page = self.request("/sign-in")
        status, _, page = self.request("/sign-in", {"email": self.email, "password": PASSWORD,
                                                    "csrf_token": self.token(page)})
        if status != 200 or "Hello," not in page:
            self.errors.append(f"sign-in refused: {status}")

    def take_quiz(self, module: str) -> None:
        """Start an attempt at a module's quiz and answer every question."""
        status, _, page = self.request(f"/programs/foundations/{module}")
        self.check(status, page)
        match = re.search(r'action="(/programs/foundations/[^"]+/quiz)"', page)
        if not match:
            return  # attempts used up: the page says so, and that is not an error
        status, url, page = self.request(match.group(1), {"csrf_token": self.token(page)})
        self.check(status, page)
        attempt = re.search(r"/quiz/(\d+)$", urllib.parse.urlparse(url).path)
        if not attempt:
            return
        answers: dict[str, str | list[str]] = {"csrf_token": self.token(page)}
        for name in sorted(set(re.findall(r'name="(q-\d+)"', page))):
            answers[name] = "1"
        status, url, page = self.request(urllib.parse.urlparse(url).path, answers)
        self.check(status, page)
        if status == 200 and "/result" in url:
            self.submitted.append(int(attempt.group(1)))

    def check(self, status: int, page: str) -> None:
        """Record any server error or lock message a person would have seen."""
        if status >= 500 or "database is locked" in page:
            self.errors.append(f"{status}: {page[:200]}")


@pytest.mark.e2e
def test_twenty_clients_write_for_thirty_seconds(tmp_path):
    port = _free_port()
    database = tmp_path / "load.sqlite3"
    env = {**os.environ, "LMS_INSTANCE_PATH": str(tmp_path), "LMS_ENV": "development",
           "LMS_DATABASE_URL": f"sqlite:///{database}", "LMS_BASE_URL": f"http://127.0.0.1:{port}",
           "LMS_QUIZ_COOLDOWN_SECONDS": "0", "PYTHONPATH": str(ROOT),
           # Every simulated trainee signs in from 127.0.0.1, unlike real people.
           "LMS_LOGIN_RATE_LIMIT": "100 per minute"}
    env.pop("LMS_REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=env, check=True)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "4",
         "--threads", "2", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base)
        clients = [Client(base, f"load{number}@example.org") for number in range(CLIENTS)]
        modules = ["role-and-values", "active-listening", "self-disclosure", "boundaries",
                   "confidentiality", "crisis-and-referral", "trauma-informed-practice",
                   "supervision-and-self-care"]
        deadline = time.monotonic() + SECONDS

        def work(client: Client, offset: int) -> None:
            client.sign_in()
            if client.errors:
                return
            turn = offset
            while time.monotonic() < deadline:
                client.take_quiz(modules[turn % len(modules)])
                turn += 1

        threads = [threading.Thread(target=work, args=(client, index))
                   for index, client in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 120)
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    errors = [error for client in clients for error in client.errors]
    assert not errors, errors[:3]
    acknowledged = sorted(attempt for client in clients for attempt in client.submitted)
    assert len(acknowledged) >= CLIENTS, "the load was too light to prove anything"
    with sqlite3.connect(database) as connection:
        stored = sorted(row[0] for row in connection.execute(
            "SELECT id FROM quiz_attempt WHERE submitted_at IS NOT NULL"))
    assert set(acknowledged) <= set(stored), "an acknowledged quiz submission was lost"
    print(f"{len(acknowledged)} quiz submissions in {SECONDS:.0f} s "
          f"({len(acknowledged) / SECONDS:.1f}/s) by {CLIENTS} clients")
    assert "database is locked" not in (tmp_path / "server.log").read_text()


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")
