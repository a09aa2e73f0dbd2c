"""In-process measurements: SQL statements per page, page sizes, and profiles.

Run by bench/run.py against a seeded database (LMS_DATABASE_URL, LMS_INSTANCE_PATH):
    python -m bench.measure --pages pages.json --out measured.json [--profile NAME]
pages.json maps a target name to [role or null, path]. Pages are fetched with Flask's test
client inside this process, signed in through the real /sign-in form.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from bench.bare_app import app as bare_app
from bench.breakdown import breakdown, clean_environ
from bench.floor import add_floor_route
from bench.seed import ADMIN_EMAIL, BENCH_PASSWORD, SUPERVISOR_EMAIL, TRAINEE_EMAIL
from bench.shim import SpreadClients
from lms import create_app
from lms.extensions import db

LOGINS = {"trainee": TRAINEE_EMAIL, "supervisor": SUPERVISOR_EMAIL, "admin": ADMIN_EMAIL}
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def signed_in_client(app: Flask, role: str | None) -> FlaskClient:
    """Return a test client, signed in through the real form when a role is given."""
    client = app.test_client()
    if role is not None:
        page = client.get("/sign-in").get_data(as_text=True)
        match = TOKEN.search(page)
        if match is None:
            raise RuntimeError("no CSRF token on /sign-in")
        response = client.post("/sign-in", data={
            "email": LOGINS[role], "password": BENCH_PASSWORD, "csrf_token": match.group(1)})
        if response.status_code != 302:
            raise RuntimeError(f"signing in as {role} answered {response.status_code}")
    return client


def count_statements(app: Flask, pages: dict[str, tuple[str | None, str]]) -> dict[str, Any]:
    """Return SQL statements, status and size of each page's second (warm) request."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", _count)
    clients: dict[str | None, FlaskClient] = {}
    results: dict[str, Any] = {}
    try:
        for name, (role, path) in pages.items():
            if role not in clients:
                clients[role] = signed_in_client(app, role)
            client = clients[role]
            client.get(path)
            statements.clear()
            response = client.get(path)
            results[name] = {"statements": len(statements), "status": response.status_code,
                             "bytes": len(response.get_data()), "sql": list(statements)}
    finally:
        event.remove(engine, "before_cursor_execute", _count)
    return results


def profile_page(app: Flask, role: str | None, path: str, requests: int, out: Path) -> None:
    """Profile `requests` warm requests to one page with pyinstrument; write text and HTML."""
    from pyinstrument import Profiler

    client = signed_in_client(app, role)
    client.get(path)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(requests):
        client.get(path)
    profiler.stop()
    out.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False))
    out.with_suffix(".html").write_text(profiler.output_html())


def first_request_environ(app: Flask, role: str | None, path: str) -> dict[str, Any]:
    """Return the environ of a warm request to the page, ready to replay."""
    response = signed_in_client(app, role).get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}, not 200")
    return clean_environ(response.request.environ)


def main(argv: list[str] | None = None) -> int:
    """Measure the pages named in --pages and write the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--profile", action="append", default=[],
                        help="a target name from --pages to profile (repeatable)")
    parser.add_argument("--profile-dir", type=Path)
    parser.add_argument("--profile-requests", type=int, default=300)
    parser.add_argument("--breakdown", action="append", default=[],
                        help="a target name from --pages to time stage by stage (repeatable)")
    args = parser.parse_args(argv)
    pages = {name: (role, path) for name, (role, path) in json.loads(
        args.pages.read_text()).items()}
    app = add_floor_route(create_app())
    app.wsgi_app = SpreadClients(app.wsgi_app)  # type: ignore[method-assign]
    result: dict[str, Any] = {"pages": count_statements(app, pages)}
    for name in args.profile:
        role, path = pages[name]
        target = (args.profile_dir or args.out.parent) / f"profile-{name.replace(' ', '-')}"
        profile_page(app, role, path, args.profile_requests, target)
        result.setdefault("profiles", {})[name] = str(target.with_suffix(".txt"))
    if args.breakdown:
        # Last: timing wraps the app's hooks and views for good.
        environs = [(name, first_request_environ(app, *pages[name])) for name in args.breakdown]
        result["breakdown"] = breakdown(app, bare_app, environs)
    args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
