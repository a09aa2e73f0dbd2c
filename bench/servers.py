"""Seeded databases and gunicorn servers for the bench, each in its own temporary folder."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Database:
    """A migrated and seeded SQLite database in its own instance folder."""

    folder: Path
    seed: dict[str, Any] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        """Return the environment that points Lantern at this database."""
        env = {**os.environ, "LMS_INSTANCE_PATH": str(self.folder), "LMS_ENV": "development",
               "LMS_DATABASE_URL": f"sqlite:///{self.folder / 'bench.sqlite3'}",
               "LMS_BASE_URL": "http://127.0.0.1:5000", "PYTHONPATH": str(ROOT)}
        env.pop("LMS_REDIS_URL", None)  # the default one-machine setup: in-process limits
        return env

    def python(self, *args: str, timeout: float = 3600) -> None:
        """Run `python -m ...` against this database, its output going to a log file."""
        log = self.folder / f"{args[1].rsplit('.', 1)[-1]}.log"
        with log.open("a") as output:
            done = subprocess.run([sys.executable, *args], cwd=ROOT, env=self.env,
                                  stdout=output, stderr=subprocess.STDOUT, timeout=timeout)
        if done.returncode:
            tail = "\n".join(log.read_text().splitlines()[-30:])
            raise RuntimeError(f"{' '.join(args)} failed ({log}):\n{tail}")

    def create(self, trainees: int, practice: int) -> None:
        """Apply the migrations, then seed people and records."""
        self.folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                       cwd=ROOT, env=self.env, check=True, capture_output=True, timeout=600)
        migrated = time.perf_counter() - started
        out = self.folder / "seed.json"
        self.python("-m", "bench.seed", "--trainees", str(trainees), "--practice",
                    str(practice), "--out", str(out))
        self.seed = json.loads(out.read_text())
        self.seed["migrate_seconds"] = round(migrated, 1)
        self.seed["size_mb"] = round((self.folder / "bench.sqlite3").stat().st_size / 2**20, 1)

    def measure(self, pages: dict[str, tuple[str | None, str]],
                profile: list[str] | None = None, profile_dir: Path | None = None,
                breakdown: list[str] | None = None) -> dict[str, Any]:
        """Count SQL statements per page (and profile or break down pages) in-process."""
        pages_file = self.folder / "pages.json"
        pages_file.write_text(json.dumps(pages))
        out = self.folder / "measured.json"
        args = ["-m", "bench.measure", "--pages", str(pages_file), "--out", str(out)]
        for name in profile or []:
            args += ["--profile", name]
        if profile_dir is not None:
            args += ["--profile-dir", str(profile_dir)]
        for name in breakdown or []:
            args += ["--breakdown", name]
        self.python(*args)
        return json.loads(out.read_text())


class Server:
    """One gunicorn process serving a WSGI app on a free 127.0.0.1 port."""

    def __init__(self, name: str, app: str, settings: list[str], env: dict[str, str],
                 log: Path) -> None:
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = log.open("w")
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                   "--chdir", str(ROOT), *settings, app]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT)

    def wait(self, path: str = "/", timeout: float = 60) -> None:
        """Wait until the server answers, or raise with its log."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                status, _, _ = self.get(path)
                if status < 500:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start:\n{self.log_path.read_text()}")
            time.sleep(0.2)

    def get(self, path: str, headers: dict[str, str] | None = None
            ) -> tuple[int, dict[str, str], bytes]:
        """Send one GET and return status, headers and body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def sign_in(self, email: str, password: str) -> str:
        """Sign in through the real /sign-in form and return the session Cookie header."""
        status, headers, body = self.get("/sign-in")
        match = TOKEN.search(body.decode())
        if status != 200 or match is None:
            raise RuntimeError(f"{self.name}: /sign-in answered {status} without a CSRF token")
        cookie = headers.get("Set-Cookie", "").split(";", 1)[0]
        form = urlencode({"email": email, "password": password, "csrf_token": match.group(1)})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("POST", "/sign-in", body=form, headers={
                "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            response = connection.getresponse()
            response.read()
            session = response.getheader("Set-Cookie", "").split(";", 1)[0]
        finally:
            connection.close()
        if response.status != 302 or not session:
            raise RuntimeError(f"{self.name}: signing in as {email} answered {response.status}")
        return session

    def stop(self) -> None:
        """Stop gunicorn (SIGTERM to its own master process) and close the log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()
