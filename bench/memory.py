"""Where a worker's memory goes: RSS after each group of imports, start-up and warm requests.

Run against a seeded database (as bench/measure.py is):
    LMS_DATABASE_URL=... LMS_INSTANCE_PATH=... python -m bench.memory --pages pages.json
Each step imports on top of the previous ones in a fresh process, so a library shared by two
groups is counted with the first. RSS here is the whole process; a gunicorn worker forked from
a --preload master shares most of it (docs/performance.md, worker memory).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Import groups in the order the app needs them; each line is measured on top of the last.
GROUPS = (
    ("Flask, Werkzeug, Jinja, Click", ("flask",)),
    ("SQLAlchemy (Core and ORM)", ("sqlalchemy", "sqlalchemy.orm")),
    ("Flask-SQLAlchemy", ("flask_sqlalchemy",)),
    ("WTForms, Flask-WTF, email-validator", ("flask_wtf", "wtforms", "email_validator")),
    ("Flask-Limiter, limits", ("flask_limiter",)),
    ("Flask-Login", ("flask_login",)),
    ("cryptography (Ed25519)", ("cryptography.hazmat.primitives.asymmetric.ed25519",)),
    ("argon2, pyotp", ("argon2", "pyotp")),
    ("PyYAML, Markdown, nh3", ("yaml", "markdown", "nh3")),
    ("Lantern's modules", ("lms",)),
)


def rss_mb() -> float:
    """Return this process's resident set size in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    """Print RSS step by step, and write it as JSON when --out is given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, help="pages.json as bench/measure.py reads it")
    parser.add_argument("--requests", type=int, default=5, help="warm requests per page")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    steps: list[tuple[str, float]] = [("Python interpreter", rss_mb())]

    def step(name: str, action: Callable[[], Any]) -> None:
        action()
        steps.append((name, rss_mb()))

    for name, modules in GROUPS:
        step(name, lambda modules=modules: [importlib.import_module(m) for m in modules])
    from lms import create_app

    app = create_app()
    steps.append(("create_app: blueprints, content, templates", rss_mb()))
    if args.pages:
        from bench.measure import signed_in_client

        pages = json.loads(args.pages.read_text())
        for role, path in pages.values():
            client = signed_in_client(app, role)
            for _ in range(args.requests):
                client.get(path)
        steps.append((f"{args.requests} warm requests to each of {len(pages)} pages", rss_mb()))
    previous = 0.0
    for name, total in steps:
        print(f"{name:50s} {total - previous:+6.1f} MB  = {total:6.1f} MB")
        previous = total
    loaded = sorted({name.split(".")[0] for name in sys.modules})
    print(f"{len(sys.modules)} modules from {len(loaded)} top-level packages")
    if args.out:
        args.out.write_text(json.dumps({"steps": steps, "packages": loaded}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
