"""Time the program-oversight pages in-process on seeded bench databases, small against large.

    python -m bench.oversight SMALL_FOLDER LARGE_FOLDER [--rounds 2]
Each folder is a bench database made by bench/run.py --keep (or bench.servers.Database.create).
Each round times every page in the small and then the large database in a fresh process,
through Flask's test client signed in by the real form, and prints the ratios, the statement
counts and the load average, so two rounds on a shared machine show how steady the figures are.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.servers import Database

#: Timed requests per page, after one warm-up; the median is reported (pages of 2-3 ms
#: move by a millisecond between single requests).
REQUESTS = 9


def pages() -> dict[str, tuple[str, str]]:
    """Return the pages to time: name -> (role, path); the cohort is the first one."""
    from sqlalchemy import func, select

    from lms.cohorts.models import Cohort
    from lms.extensions import db
    from lms.reports.services import Stage

    cohort = db.session.scalar(select(func.min(Cohort.id)))
    found = {"supervisor home": ("supervisor", "/"), "admin home": ("admin", "/admin"),
             "reports": ("admin", "/admin/reports"),
             "reports, one cohort": ("admin", f"/admin/reports?cohort={cohort}")}
    # The lists behind the admin home's figures: each stage, and no activity for 30 days.
    for stage in Stage:
        found[f"trainees, {stage.value}"] = ("admin",
                                             f"/admin/reports/trainees?stage={stage.value}")
    found["trainees, quiet"] = ("admin", "/admin/reports/trainees?quiet=1")
    # The same lists narrowed as the reports page narrows them: a program, a cohort.
    for scope, query in (("program", "program=foundations"), ("one cohort", f"cohort={cohort}")):
        for label, which in (("learning", "stage=learning"), ("expired", "stage=expired"),
                             ("quiet", "quiet=1")):
            found[f"trainees, {label}, {scope}"] = (
                "admin", f"/admin/reports/trainees?{which}&{query}")
    found["trainees, everyone"] = ("admin", "/admin/reports/trainees")
    return found


def reports_one_by_one() -> dict[str, dict[str, float]]:
    """Return the median milliseconds of REQUESTS runs per report, all cohorts and the first one."""
    from datetime import date

    from sqlalchemy import func, select

    from lms.cohorts.models import Cohort
    from lms.extensions import db
    from lms.reports.pages import REPORTS, build_report
    from lms.reports.services import Scope

    cohort = db.session.scalar(select(func.min(Cohort.id)))
    found: dict[str, dict[str, float]] = {}
    for label, scope in (("all", Scope()), ("one cohort", Scope(cohort_id=cohort))):
        times = {}
        for kind in REPORTS:
            build_report(kind, scope, date.today())
            runs = []
            for _ in range(REQUESTS):
                started = time.perf_counter()
                build_report(kind, scope, date.today())
                runs.append((time.perf_counter() - started) * 1000)
            times[kind] = round(statistics.median(runs), 1)
        found[label] = times
    return found


def measure_here() -> dict[str, Any]:
    """Time each page in this process (the database is the one LMS_DATABASE_URL names)."""
    from sqlalchemy import event

    from bench.measure import signed_in_client
    from lms import create_app
    from lms.extensions import db

    app = create_app()
    with app.app_context():
        targets = pages()
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    results: dict[str, Any] = {}
    clients: dict[str, Any] = {}
    for name, (role, path) in targets.items():
        client = clients.setdefault(role, signed_in_client(app, role))
        response = client.get(path)  # warm: templates, catalog, caches
        assert response.status_code == 200, (name, response.status_code)
        times = []
        for _ in range(REQUESTS):
            statements.clear()
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        results[name] = {"ms": [round(value, 1) for value in times],
                         "median_ms": round(statistics.median(times), 1),
                         "statements": len(statements)}
    with app.test_request_context():
        results["reports one by one (ms)"] = reports_one_by_one()
    return results


def measure(folder: Path) -> dict[str, Any]:
    """Run measure_here in a fresh process against one bench database."""
    env = Database(folder).env
    done = subprocess.run([sys.executable, "-m", "bench.oversight", "--here"], env=env,
                          cwd=Path(__file__).resolve().parent.parent, capture_output=True,
                          text=True, check=True, timeout=3600)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    """Time the pages in both databases, round after round, and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.here:
        print(json.dumps(measure_here()))
        return 0
    small, large = args.folders
    for round_number in range(1, args.rounds + 1):
        load = os.getloadavg()
        found = {"small": measure(small), "large": measure(large)}
        print(f"round {round_number}, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
              f" -> {os.getloadavg()[0]:.1f}")
        for name, figures in found["small"].items():
            other = found["large"][name]
            if "median_ms" not in figures:
                print(f"  {name}: small {figures} / large {other}")
                continue
            ratio = other["median_ms"] / figures["median_ms"]
            print(f"  {name}: {figures['statements']}/{other['statements']} statements, "
                  f"small {figures['ms']} ms, large {other['ms']} ms, ratio {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
