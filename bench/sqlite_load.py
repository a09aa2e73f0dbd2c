"""SQLite under concurrent writes, as a benchmark: the load test's throughput, printed.

Run: .venv/bin/python bench/sqlite_load.py [SECONDS]
It runs the same scenario as tests/test_sqlite_concurrency.py (20 clients taking quizzes
against gunicorn with 4 workers on one SQLite file) and prints the acknowledged writes per
second; the run fails if any client saw a server error or "database is locked".
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Run the SQLite load for the given seconds (default 30) and print its throughput."""
    os.environ["LMS_CONCURRENCY_SECONDS"] = sys.argv[1] if len(sys.argv) > 1 else "30"
    sys.path.insert(0, str(ROOT))
    from tests.test_sqlite_concurrency import test_twenty_clients_write_for_thirty_seconds

    with tempfile.TemporaryDirectory() as folder:
        test_twenty_clients_write_for_thirty_seconds(Path(folder))


if __name__ == "__main__":
    main()
