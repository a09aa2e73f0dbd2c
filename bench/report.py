"""Print the bench's figures as plain-text tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PDF_BUDGET_MS = 100.0
SCALE_MAX_RATIO = 2.0


def print_header(results: dict[str, Any]) -> None:
    """Print the machine and the load settings."""
    machine, settings = results["machine"], results["settings"]
    print(f"Lantern bench {results['when']}")
    print(f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
          f"Python {machine['python']}, {machine['platform']}")
    print(f"Load: {results['tool']}, {settings['connections']} connections, "
          f"{settings['seconds']:g} s per target after {settings['warmup_seconds']:g} s warm-up; "
          f"gunicorn {' '.join(settings['gunicorn'])} (the same for both apps)\n", flush=True)


def _budget(row: dict[str, Any]) -> str:
    if row.get("min_ratio") is None:
        return ""
    share = row["min_ratio"]
    return f">= 1/{round(1 / share)}" if abs(1 / share - round(1 / share)) < 1e-9 and share < 0.4 \
        else f">= {share:.2f}"


def _p99_budget(row: dict[str, Any]) -> str:
    return f"<= {row['max_p99_ms']:g}" if row.get("max_p99_ms") is not None else ""


def print_main(results: dict[str, Any]) -> None:
    """Print one table per round: every target beside its budgets, the bare app for reference."""
    seed = results["seed_small"]
    print(f"\nSeeded {seed['counts']['trainees']} trainees in {seed['seconds']} s "
          f"({seed['size_mb']} MB)")
    for note in seed["notes"]:
        print(f"  note: {note}")
    for number, round_ in enumerate(results["rounds"], start=1):
        print(f"\nRound {number} of {len(results['rounds'])}")
        _print_round(round_)
    print("ratio = the page's req/s over the bare app's mean req/s in the same round; "
          "p99 budget in ms; SQL = statements per warm request; KB = the HTML alone")
    if results["tool"] == "python":
        print("note: the Python load generator tops out near 3,000 req/s on one core, so the "
              "bare app's figure is client-bound and every ratio reads high; install wrk "
              "(apt-get install wrk) for reference figures")
    print_memory(results.get("memory"))


def _print_round(round_: dict[str, Any]) -> None:
    head = (f"{'target':<20} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'budget':>7} "
            f"{'errors':>6} {'ratio':>6} {'budget':>7} {'result':>6} {'SQL':>4} {'KB':>6}")
    print(head + "\n" + "-" * len(head))
    bare = round_["bare"]
    for label, load in (("bare (before)", bare["before"]), ("bare (after)", bare["after"])):
        print(f"{label:<20} {load['rps']:>7.0f} {load['p50_ms']:>7.2f} {load['p99_ms']:>7.2f} "
              f"{'':>7} {load['errors']:>6}")
    for row in round_["targets"]:
        if "load" not in row:
            print(f"{row['name']:<20} {row['note']}")
            continue
        load = row["load"]
        print(f"{row['name']:<20} {load['rps']:>7.0f} {load['p50_ms']:>7.2f} "
              f"{load['p99_ms']:>7.2f} {_p99_budget(row):>7} {load['errors']:>6} "
              f"{row['ratio']:>6.2f} {_budget(row):>7} {row.get('result', ''):>6} "
              f"{row['statements']:>4} {row['bytes'] / 1024:>6.1f}")
    print(f"bare app mean: {bare['rps']:.0f} req/s")


def print_memory(memory: dict[str, Any] | None) -> None:
    """Print each worker's memory after the load, against the budget."""
    if not memory:
        return
    preload = "with --preload" if memory["preload"] else "without --preload"
    for name in ("lantern", "bare"):
        for number, worker in enumerate(memory[name], start=1):
            verdict = ""
            if name == "lantern":
                verdict = " PASS" if worker["rss_mb"] <= memory["budget_mb"] else " MISS"
            print(f"{name} worker {number} after load ({preload}): RSS {worker['rss_mb']:g} MB, "
                  f"PSS {worker['pss_mb']:g} MB, private {worker['private_mb']:g} MB"
                  + (f"; budget RSS <= {memory['budget_mb']:g} MB:{verdict}" if verdict else ""))


def print_pdf(pdf: dict[str, Any]) -> None:
    """Print the certificate render median against its budget."""
    if not pdf.get("built"):
        print(f"Certificate PDF render: {pdf.get('note')}")
        return
    verdict = "PASS" if pdf["median_ms"] <= PDF_BUDGET_MS else "MISS"
    parts = ", ".join(f"{name} {value:g}" for name, value in pdf["parts_ms"].items())
    print(f"Certificate PDF (credential, signature, QR code, PDF/A-3a render) median "
          f"{pdf['median_ms']:g} ms over {pdf['runs']} ({parts}); budget <= "
          f"{PDF_BUDGET_MS:g} ms: {verdict}")


def print_scale(results: dict[str, Any]) -> None:
    """Print the latency comparison between the small and the large database."""
    scale, seed = results["scale"], results["seed_large"]
    counts = ", ".join(f"{value:,} {key.replace('_', ' ')}"
                       for key, value in seed["counts"].items() if key != "trainees")
    print(f"\nScale: seeded {scale['large_trainees']:,} trainees in {seed['seconds']} s "
          f"({seed['size_mb']} MB): {counts}")
    for note in seed["notes"]:
        print(f"  note: {note}")
    print(f"Latency with {scale['connections']} connection(s), so it is service time, not queueing")
    small, large = f"{scale['small_trainees']:,}", f"{scale['large_trainees']:,}"
    head = (f"{'target':<20} {'p50 @' + small:>11} {'p50 @' + large:>13} {'p99 @' + small:>11} "
            f"{'p99 @' + large:>13} {'p50 x':>6} {'SQL':>7} {'result':>6}")
    print(head + "\n" + "-" * len(head))
    for row in scale["rows"]:
        if "small" not in row:
            print(f"{row['name']:<20} {row['note']}")
            continue
        sql = f"{row['small_statements']}/{row['large_statements']}"
        print(f"{row['name']:<20} {row['small']['p50_ms']:>11.2f} {row['large']['p50_ms']:>13.2f} "
              f"{row['small']['p99_ms']:>11.2f} {row['large']['p99_ms']:>13.2f} "
              f"{row['p50_ratio']:>6.2f} {sql:>7} {row['result']:>6}")
    print(f"budget: p50 at {large} at most {SCALE_MAX_RATIO:g}x p50 at {small}, and the same "
          "SQL statement count (small/large)")


def print_profiles(profiles: dict[str, str]) -> None:
    """Print where each missed page's profile is, and its first lines."""
    for name, path in profiles.items():
        print(f"\nProfile of {name} (pyinstrument, in-process, warm requests): {path}")
        lines = Path(path).read_text().splitlines()
        for line in lines[:40]:
            print("  " + line)


def print_breakdown(breakdown: dict[str, dict[str, float]]) -> None:
    """Print mean µs per warm request for each stage, one column per page."""
    pages = list(breakdown)
    stages = [stage for stage in dict.fromkeys(s for page in pages for s in breakdown[page])
              if stage not in ("Flask and Werkzeug", "total")]
    stages.sort(key=lambda stage: -max(breakdown[page].get(stage, 0.0) for page in pages))
    width = max(len(stage) for stage in [*stages, "Flask and Werkzeug"]) + 2
    print("\nWhere a warm request's CPU goes, in-process (mean µs per request, exclusive;"
          " bench/breakdown.py)")
    print("stage".ljust(width) + "".join(f"{page:>18}" for page in pages))
    for stage in [*stages, "Flask and Werkzeug", "total"]:
        cells = "".join(f"{breakdown[page][stage]:>18,.0f}" if stage in breakdown[page]
                        else f"{'-':>18}" for page in pages)
        print(stage.ljust(width) + cells)
