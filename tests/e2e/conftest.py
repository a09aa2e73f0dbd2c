"""Real-browser harness: the real app on a free port, driven by Debian's chromium."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Response, sync_playwright
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SERIOUS = {"serious", "critical"}
#: Every WCAG 2.0, 2.1 and 2.2 A and AA rule fails a page at any impact; best-practice rules
#: fail it when serious or critical. target-size (2.5.8) is off in axe by default: turned on.
WCAG_TAGS = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"}
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}
#: A page wider than the window scrolls sideways (WCAG 1.4.10 reflow at 320 px).
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
#: The deepest elements that reach past the window's right edge, to say what overflows.
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter(el => ![...el.children].some(c => c.getBoundingClientRect().right >
                                          document.documentElement.clientWidth + 1))
  .concat([...document.querySelectorAll('body *')].filter(el => el.scrollWidth > el.clientWidth + 1
          && getComputedStyle(el).overflowX === 'visible' && el.clientWidth > 0))
  .slice(0, 5).map(el => el.outerHTML.slice(0, 100))"""
QUIZ_COOLDOWN_SECONDS = 10  # long enough to see the pause on a busy machine


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder as a browser test."""
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@dataclass
class LiveServer:
    """A running Lantern with its own database, and the demo logins seeded into it."""

    url: str
    env: dict[str, str]
    logins: dict[str, tuple[str, str]]

    def sql(self, query: str) -> object:
        """Return the first value of a read-only query against this server's database."""
        engine = create_engine(self.env["LMS_DATABASE_URL"])
        try:
            with engine.connect() as connection:
                return connection.execute(text(query)).scalar()
        finally:
            engine.dispose()

    def flask(self, *args: str) -> str:
        """Run a `flask --app wsgi` command against this server's database."""
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                                cwd=ROOT, env=self.env, capture_output=True, text=True,
                                timeout=120)
        # Say what the command printed: a bare exit status hides why set-up failed.
        assert result.returncode == 0, (f"flask {' '.join(args)} exited {result.returncode}:\n"
                                        f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
        return result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("LMS_TEST_DATABASE_URL") else [])


@contextmanager
def _database(kind: str, instance: Path) -> Iterator[str]:
    """Yield a fresh, empty database URL: a SQLite file, or a PostgreSQL schema of its own."""
    if kind == "sqlite":
        yield f"sqlite:///{instance / 'e2e.sqlite3'}"
        return
    base = os.environ["LMS_TEST_DATABASE_URL"]
    schema = f"e2e_{secrets.token_hex(4)}"
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def live_server(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Start the real app under gunicorn on a free 127.0.0.1 port with a fresh database."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    instance = tmp_path_factory.mktemp("e2e-instance")
    with _database(request.param, instance) as database_url:
        yield from _serve(instance, database_url)


def _serve(instance: Path, database_url: str,
           extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "LMS_INSTANCE_PATH": str(instance), "LMS_BASE_URL": url,
           "LMS_ENV": "development", "LMS_DATABASE_URL": database_url,
           # A failed quiz pauses the trainee for minutes; browser tests wait seconds instead.
           "LMS_QUIZ_COOLDOWN_SECONDS": str(QUIZ_COOLDOWN_SECONDS),
           # Every browser test signs in from 127.0.0.1; the limit itself is tested elsewhere.
           "LMS_LOGIN_RATE_LIMIT": "1000 per minute", **(extra_env or {})}
    env.pop("LMS_REDIS_URL", None)
    server = LiveServer(url, env, {})
    server.flask("db", "upgrade")
    output = server.flask("lms", "demo")
    for role, email, password in re.findall(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)$", output, re.M):
        server.logins[role] = (email, password)
    assert set(server.logins) == {"admin", "supervisor", "trainee"}, output
    log_path = instance / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--access-logfile", "-", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/sign-in", timeout=2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.close()
                pytest.fail(f"Lantern did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
    yield server
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Launch Debian's chromium once for the whole session."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class AccessiblePage:
    """A page wrapper that runs axe-core on every page it lands on."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.axe = Axe()
        self.checked: list[str] = []
        self.csp_errors: list[str] = []
        page.on("console", self._watch_console)

    def _watch_console(self, message: object) -> None:
        text = getattr(message, "text", "")
        if "Content Security Policy" in text:
            self.csp_errors.append(text)

    def goto(self, path: str) -> Response | None:
        """Open a page, check it, and return the server's answer."""
        response = self.page.goto(self.base_url + path)
        self.check()
        return response

    def check(self) -> None:
        """Fail on a WCAG 2.2 AA violation, a serious best-practice one, or sideways scrolling."""
        self.page.wait_for_load_state()
        results = self.axe.run(self.page, options=AXE_OPTIONS)
        bad = [v for v in results.response["violations"]
               if WCAG_TAGS & set(v.get("tags", [])) or v.get("impact") in SERIOUS]
        assert not bad, f"{self.page.url}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in bad)
        overflow = self.page.evaluate(OVERFLOW)
        width = self.page.viewport_size["width"] if self.page.viewport_size else 0
        assert overflow <= 0, (f"{self.page.url} scrolls sideways by {overflow} px at {width} px: "
                               f"{self.page.evaluate(WIDE)}")
        self.checked.append(self.page.url)

    def sign_in(self, email: str, password: str) -> None:
        """Sign in through the form."""
        self.goto("/sign-in")
        self.page.get_by_label("E-mail").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.check()

    def sign_out(self) -> None:
        """Sign out with the header button."""
        self.page.get_by_role("button", name="Sign out").click()
        self.check()


@pytest.fixture
def web(browser: Browser, live_server: LiveServer) -> Iterator[AccessiblePage]:
    """Return a fresh browser context, checked with axe on every page."""
    context = browser.new_context()
    page = context.new_page()
    wrapper = AccessiblePage(page, live_server.url)
    yield wrapper
    context.close()
    assert not wrapper.csp_errors, wrapper.csp_errors
