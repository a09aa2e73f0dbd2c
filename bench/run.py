"""Benchmark Lantern against a one-line Flask app under identical gunicorn settings.

    .venv/bin/python bench/run.py [--quick] [--scale]

Seeds a fresh SQLite database in a temporary folder, serves Lantern and bench/bare_app.py with
the same gunicorn settings on free 127.0.0.1 ports, loads each target at the same concurrency
(wrk when installed, else Python threads), and prints requests/s, p50 and p99 latency, the
ratio to the bare app, SQL statements per page, and the budgets from docs/design.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import report
from floor import FLOOR_PATH
from loadgen import Load, run_load, wrk_available
from servers import ROOT, Database, Server


@dataclass(frozen=True)
class Target:
    """One page to load: where it lives, who asks for it, and its budget."""

    name: str
    path: str  # may hold {code} (a certificate code) or {found} (the matched rule)
    role: str | None  # who is signed in: "trainee", "supervisor", "admin" or None
    rules: tuple[str, ...]  # url_map rules (converters written <>) that serve it
    min_ratio: float | None = None  # budget: at least this share of the bare app's requests/s
    scale: bool = False  # compared at 100 and 100,000 trainees by --scale
    max_p99_ms: float | None = None  # budget: p99 at the bench's concurrency, on this machine


#: The pages under test. A row whose rule the app does not serve yet prints "not built yet".
TARGETS = (
    # Budgets from docs/design.md (revised 2026-12-06).
    Target("verify page", "/verify/{code}", None, ("/verify/<>",), min_ratio=0.4, max_p99_ms=8),
    Target("verify JSON", "/verify/{code}.json", None, ("/verify/<>.json",), min_ratio=0.4,
           max_p99_ms=8),
    Target("module page", "/programs/foundations/active-listening", "trainee",
           ("/programs/<>/<>",), min_ratio=1 / 4, max_p99_ms=8),
    Target("trainee dashboard", "/", "trainee", ("/",), min_ratio=1 / 6, scale=True,
           max_p99_ms=15),
    Target("supervisor queue", "/supervision/queue", "supervisor", ("/supervision/queue",),
           min_ratio=1 / 5, scale=True),
    Target("supervisor home", "/", "supervisor", ("/",), scale=True),
    Target("admin home", "/admin", "admin", ("/admin",), scale=True),
    Target("reports", "/admin/reports", "admin", ("/admin/reports",), scale=True),
    Target("reports, one cohort", "/admin/reports?cohort=1", "admin", ("/admin/reports",),
           scale=True),
    Target("sign-in page", "/sign-in", None, ("/sign-in",)),
    # The ceiling for any signed-in page on this stack (bench/floor.py).
    Target("signed-in floor", FLOOR_PATH, "trainee", (FLOOR_PATH,), min_ratio=0.5),
)
#: A worker's memory after load (RSS, and PSS which shares preloaded pages fairly).
WORKER_MEMORY_BUDGET_MB = 100.0
SCALE_MAX_RATIO = report.SCALE_MAX_RATIO


def normalise(rule: str) -> str:
    """Write every converter in a url_map rule as <>."""
    return re.sub(r"<[^>]*>", "<>", rule)


def resolve(target: Target, seed: dict[str, Any]) -> tuple[str | None, str]:
    """Return the path to load, or None with the reason it cannot be loaded yet."""
    served = {normalise(rule) for rule, _endpoint in seed["get_rules"]}
    found = next((rule for rule in target.rules if rule in served), None)
    if found is None:
        return None, "not built yet"
    if "{code}" in target.path and not seed.get("certificate_code"):
        return None, "no certificate could be seeded"
    return target.path.format(code=seed.get("certificate_code"), found=found), ""


def machine() -> dict[str, Any]:
    """Describe the machine: CPU model, cores, memory, Python, tools."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M)
    return {"cpu": model.group(1).strip() if model else platform.processor() or "unknown",
            "cores": os.cpu_count() or 1,
            "memory_gib": round(int(memory.group(1)) / 2**20, 1) if memory else None,
            "python": platform.python_version(), "platform": platform.platform(),
            "wrk": wrk_available()}


def gunicorn_settings(workers: int, preload: bool = True) -> list[str]:
    """Return the gunicorn flags shared by Lantern and the bare app (as the README documents)."""
    return ["--workers", str(workers), "--worker-class", "sync", "--backlog", "2048",
            "--timeout", "60", "--log-level", "warning", *(["--preload"] if preload else [])]


def worker_memory(master_pid: int) -> list[dict[str, float]]:
    """Return RSS, PSS and private (USS) megabytes of each worker of a gunicorn master."""
    workers = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        parent = re.search(r"^PPid:\s+(\d+)", text, re.M)
        if not parent or int(parent.group(1)) != master_pid:
            continue
        try:
            rollup = (status.parent / "smaps_rollup").read_text()
        except OSError:
            continue
        kb = {key: int(value) for key, value in re.findall(r"^(\w+):\s+(\d+) kB", rollup, re.M)}
        workers.append({"rss_mb": round(kb.get("Rss", 0) / 1024, 1),
                        "pss_mb": round(kb.get("Pss", 0) / 1024, 1),
                        "private_mb": round((kb.get("Private_Clean", 0)
                                             + kb.get("Private_Dirty", 0)) / 1024, 1)})
    return workers


def load_target(server: Server, path: str, cookie: str | None, args: argparse.Namespace,
                connections: int | None = None) -> Load:
    """Check the page answers 200, warm it up, then load it for the measured time."""
    headers = {"Cookie": cookie} if cookie else {}
    status, _, _ = server.get(path, headers)
    if status != 200:
        raise RuntimeError(f"{server.name} {path} answered {status}, not 200")
    connections = connections or args.connections
    run_load(server.url + path, headers, connections, args.warmup, args.tool)
    return run_load(server.url + path, headers, connections, args.duration, args.tool)


def pdf_median(runs: int) -> dict[str, Any]:
    """Run bench/pdf_render.py (credential, signature, QR code, PDF) and read its median."""
    script = ROOT / "bench" / "pdf_render.py"
    if not script.exists():
        return {"built": False, "note": "not built yet (no bench/pdf_render.py)"}
    print("Rendering certificate PDFs ...", flush=True)
    done = subprocess.run([sys.executable, str(script), "-n", str(runs)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    median = re.search(r"median certificate total:\s+([\d.]+) ms", done.stdout)
    if median is None:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"built": False, "note": f"bench/pdf_render.py failed: {last}"}
    parts = dict(re.findall(r"median (sign credential|QR code|render PDF/A-3a):\s+([\d.]+) ms",
                            done.stdout))
    return {"built": True, "runs": runs, "median_ms": float(median.group(1)),
            "parts_ms": {name: float(value) for name, value in parts.items()}}


def main_run(args: argparse.Namespace, work: Path, results: dict[str, Any]) -> Database:
    """Seed the small database, load every target and the bare app, and print the table."""
    database = Database(work / "small")
    print(f"Seeding {args.trainees} trainees and {args.small_practice} practice entries ...",
          flush=True)
    database.create(args.trainees, practice=args.small_practice)
    seed = database.seed
    results["seed_small"] = {key: seed[key] for key in ("seconds", "counts", "notes", "size_mb")}
    paths = {t.name: resolve(t, seed) for t in TARGETS}
    pages = {t.name: (t.role, paths[t.name][0]) for t in TARGETS if paths[t.name][0]}
    measured = database.measure(pages)  # type: ignore[arg-type]
    settings = gunicorn_settings(args.workers, not args.no_preload)
    bare = Server("bare", "bench.bare_app:app", settings, database.env, work / "bare.log")
    lantern = Server("lantern", "bench.lantern_app:app", settings, database.env,
                     work / "lantern.log")
    rounds: list[dict[str, Any]] = []
    try:
        bare.wait("/")
        lantern.wait("/sign-in")
        cookies = {role: lantern.sign_in(seed["logins"][role], seed["password"])
                   for role in ("trainee", "supervisor", "admin")}
        for number in range(1, args.rounds + 1):
            print(f"Round {number} of {args.rounds}: loading the bare app ...", flush=True)
            bare_before = load_target(bare, "/", None, args)
            rows: list[dict[str, Any]] = []
            for target in TARGETS:
                path, why = paths[target.name]
                row: dict[str, Any] = {"name": target.name, "path": path,
                                       "min_ratio": target.min_ratio,
                                       "max_p99_ms": target.max_p99_ms, "note": why}
                if path is not None:
                    print(f"Loading {target.name} ({path}) ...", flush=True)
                    row["load"] = load_target(lantern, path, cookies.get(target.role or ""),
                                              args).as_dict()
                    row.update({k: measured["pages"][target.name][k]
                                for k in ("statements", "bytes", "status")})
                rows.append(row)
            bare_after = load_target(bare, "/", None, args)
            rounds.append(_judge(rows, bare_before, bare_after))
        results["memory"] = {"lantern": worker_memory(lantern.process.pid),
                             "bare": worker_memory(bare.process.pid),
                             "budget_mb": WORKER_MEMORY_BUDGET_MB,
                             "preload": not args.no_preload}
    finally:
        lantern.stop()
        bare.stop()
    results["rounds"] = rounds
    results["bare"], results["targets"] = rounds[-1]["bare"], rounds[-1]["targets"]
    results["sql"] = {name: page["sql"] for name, page in measured["pages"].items()}
    report.print_main(results)
    return database


def _judge(rows: list[dict[str, Any]], before: Any, after: Any) -> dict[str, Any]:
    """Add each row's ratio to the bare app and its verdict against the budgets."""
    bare_rps = (before.rps + after.rps) / 2
    for row in rows:
        if "load" not in row:
            continue
        row["ratio"] = round(row["load"]["rps"] / bare_rps, 3) if bare_rps else 0.0
        checks = [row["load"]["errors"] == 0]
        if row["min_ratio"] is not None:
            checks.append(row["ratio"] >= row["min_ratio"])
        if row["max_p99_ms"] is not None:
            checks.append(row["load"]["p99_ms"] <= row["max_p99_ms"])
        if len(checks) > 1:
            row["result"] = "PASS" if all(checks) else "MISS"
    return {"bare": {"before": before.as_dict(), "after": after.as_dict(),
                     "rps": round(bare_rps, 1)}, "targets": rows}


def scale_run(args: argparse.Namespace, work: Path, small: Database,
              results: dict[str, Any]) -> None:
    """Compare the scale targets' latency at the small and the large trainee counts."""
    large = Database(work / "large")
    print(f"Seeding {args.scale_trainees} trainees and up to {args.practice} practice "
          "entries ...", flush=True)
    large.create(args.scale_trainees, practice=args.practice)
    results["seed_large"] = {key: large.seed[key] for key in ("seconds", "counts", "notes",
                                                              "size_mb")}
    paths = {t.name: resolve(t, large.seed) for t in TARGETS if t.scale}
    pages = {name: (next(t.role for t in TARGETS if t.name == name), path)
             for name, (path, _) in paths.items() if path}
    counts = {"small": small.measure(pages)["pages"], "large": large.measure(pages)["pages"]}
    settings = gunicorn_settings(args.workers, not args.no_preload)
    servers = {size: Server(f"lantern-{size}", "bench.lantern_app:app", settings, db.env,
                            work / f"lantern-{size}.log")
               for size, db in (("small", small), ("large", large))}
    rows = []
    try:
        for server in servers.values():
            server.wait("/sign-in")
        cookies = {size: {role: server.sign_in(small.seed["logins"][role], small.seed["password"])
                          for role in ("trainee", "supervisor", "admin")}
                   for size, server in servers.items()}
        for name, (path, why) in paths.items():
            row: dict[str, Any] = {"name": name, "path": path, "note": why}
            if path is not None:
                role = next(t.role for t in TARGETS if t.name == name) or ""
                for size, server in servers.items():
                    print(f"Loading {name} at {size} scale ...", flush=True)
                    row[size] = load_target(server, path, cookies[size].get(role), args,
                                            args.scale_connections).as_dict()
                    row[f"{size}_statements"] = counts[size][name]["statements"]
                row["p50_ratio"] = round(row["large"]["p50_ms"] / row["small"]["p50_ms"], 2)
                row["p99_ratio"] = round(row["large"]["p99_ms"] / row["small"]["p99_ms"], 2)
                same_sql = row["large_statements"] == row["small_statements"]
                ok = row["p50_ratio"] <= SCALE_MAX_RATIO and same_sql
                row["result"] = "PASS" if ok else "MISS"
            rows.append(row)
    finally:
        for server in servers.values():
            server.stop()
    results["scale"] = {"small_trainees": args.trainees, "large_trainees": args.scale_trainees,
                        "connections": args.scale_connections, "rows": rows}
    report.print_scale(results)


def profile_misses(args: argparse.Namespace, database: Database, results: dict[str, Any],
                   out_dir: Path) -> None:
    """Profile every page that missed its throughput budget with pyinstrument."""
    missed = [row for row in results["targets"] if row.get("result") == "MISS"]
    if not missed or args.no_profile:
        return
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        print("\nA budget was missed; install pyinstrument into .venv to profile it.")
        return
    pages = {row["name"]: (next(t.role for t in TARGETS if t.name == row["name"]), row["path"])
             for row in missed}
    measured = database.measure(pages, profile=list(pages), profile_dir=out_dir)
    results["profiles"] = measured.get("profiles", {})
    report.print_profiles(results["profiles"])


#: Pages timed stage by stage in-process, after the load runs (bench/breakdown.py).
BREAKDOWN = ("signed-in floor", "module page", "verify page")


def stage_breakdown(database: Database, results: dict[str, Any]) -> None:
    """Time where a warm request's CPU goes, stage by stage, for the BREAKDOWN pages."""
    rows = {row["name"]: row for row in results["targets"] if row.get("path")}
    pages = {name: (next(t.role for t in TARGETS if t.name == name), rows[name]["path"])
             for name in BREAKDOWN if name in rows}
    if not pages:
        return
    print("Timing stages in-process ...", flush=True)
    results["breakdown"] = database.measure(pages, breakdown=list(pages))["breakdown"]
    report.print_breakdown(results["breakdown"])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line; --quick shortens every run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s per target instead of 10 s")
    parser.add_argument("--scale", action="store_true",
                        help="also compare the dashboard at 100 and 100,000 trainees")
    parser.add_argument("--duration", type=float, help="seconds per target (default 10)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--trainees", type=int, default=100)
    parser.add_argument("--small-practice", type=int, default=3_000,
                        help="practice entries in the main database: the supervisor queue "
                             "then shows full pages, as a working supervisor's does")
    parser.add_argument("--scale-trainees", type=int, default=100_000)
    parser.add_argument("--scale-connections", type=int, default=1,
                        help="connections for the --scale latency comparison (1: no queueing)")
    parser.add_argument("--practice", type=int, default=1_000_000,
                        help="practice entries in the --scale database, once practice exists")
    parser.add_argument("--pdf-runs", type=int, default=40,
                        help="certificates bench/pdf_render.py renders (0 skips it)")
    parser.add_argument("--no-profile", action="store_true",
                        help="do not profile pages that miss their budget")
    parser.add_argument("--no-breakdown", action="store_true",
                        help="do not time the floor, module and verify pages stage by stage")
    parser.add_argument("--keep", action="store_true", help="keep the temporary databases")
    parser.add_argument("--rounds", type=int, default=2,
                        help="load every target this many times in one run (default 2)")
    parser.add_argument("--no-preload", action="store_true",
                        help="start gunicorn without --preload (to compare worker memory)")
    args = parser.parse_args(argv)
    args.duration = args.duration or (3.0 if args.quick else 10.0)
    if args.quick:
        args.pdf_runs = min(args.pdf_runs, 10)
    args.warmup = 1.0 if args.quick else 2.0
    if args.tool == "auto":
        args.tool = "wrk" if wrk_available() else "python"
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the bench and write bench/results/<time>.json and latest.json."""
    args = parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "when": stamp, "machine": machine(), "tool": args.tool,
        "settings": {"connections": args.connections, "seconds": args.duration,
                     "warmup_seconds": args.warmup, "workers": args.workers,
                     "gunicorn": gunicorn_settings(args.workers, not args.no_preload)}}
    report.print_header(results)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="lantern-bench-"))
    try:
        small = main_run(args, work, results)
        if args.pdf_runs:
            results["pdf"] = pdf_median(args.pdf_runs)
            report.print_pdf(results["pdf"])
        profile_misses(args, small, results, out_dir)
        if not args.no_breakdown:
            stage_breakdown(small, results)
        if args.scale:
            scale_run(args, work, small, results)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"Kept the databases and server logs in {work}")
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(results, indent=2)
    (out_dir / f"{stamp}.json").write_text(text)
    (out_dir / "latest.json").write_text(text)
    print(f"\nWrote bench/results/{stamp}.json ({results['total_seconds']} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
