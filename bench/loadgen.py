"""Load one URL for a fixed time with wrk when installed, otherwise with Python threads."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Load:
    """What one load run measured."""

    tool: str
    seconds: float
    requests: int
    errors: int  # non-2xx/3xx responses and socket errors
    rps: float
    p50_ms: float
    p99_ms: float

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as a plain dict."""
        return asdict(self)


def wrk_available() -> bool:
    """Return whether wrk is on PATH."""
    return shutil.which("wrk") is not None


def run_load(url: str, headers: dict[str, str], connections: int, seconds: float,
             tool: str) -> Load:
    """Load the URL with the chosen tool ("wrk" or "python") for `seconds`."""
    if urlsplit(url).hostname != "127.0.0.1":
        raise ValueError("the bench only sends traffic to 127.0.0.1")
    if tool == "wrk":
        return run_wrk(url, headers, connections, seconds)
    return run_python(url, headers, connections, seconds)


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"cannot read wrk latency {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def run_wrk(url: str, headers: dict[str, str], connections: int, seconds: float) -> Load:
    """Run wrk with one thread (the server needs the other cores) and parse its report."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
               "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True,
                            timeout=seconds + 60).stdout
    percent = dict(re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.M))
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", output).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    if socket:
        errors += sum(int(n) for n in socket.groups())
    if "50" not in percent or "99" not in percent:
        # Too few requests finished for wrk to print a distribution (a page of seconds):
        # its average and maximum stand in for the median and the 99th percentile.
        stats = re.search(r"Latency\s+(\S+)\s+\S+\s+(\S+)", output)
        if stats is None:
            raise RuntimeError(f"wrk finished no request against {url}:\n{output}")
        percent = {"50": stats.group(1), "99": stats.group(2)}
    return Load("wrk", seconds, requests, errors, round(rps, 1), round(_ms(percent["50"]), 2),
                round(_ms(percent["99"]), 2))


def run_python(url: str, headers: dict[str, str], connections: int, seconds: float) -> Load:
    """Run `connections` threads, each a keep-alive http.client connection, until time is up."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    start = time.perf_counter()
    deadline = start + seconds

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        own = latencies[index]
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                connection.request("GET", target, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    errors[index] += 1
                if response.will_close:
                    connection.close()  # gunicorn's sync workers close after each response
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                connection.close()
                continue
            own.append(time.perf_counter() - sent)
        connection.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True)
               for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 15)
    elapsed = time.perf_counter() - start
    merged = sorted(value for own in latencies for value in own)
    if not merged:
        return Load("python", seconds, 0, sum(errors), 0.0, 0.0, 0.0)
    return Load("python", seconds, len(merged), sum(errors), round(len(merged) / elapsed, 1),
                round(_percentile(merged, 50) * 1000, 2), round(_percentile(merged, 99) * 1000, 2))


def _percentile(ordered: list[float], percent: float) -> float:
    """Return the nearest-rank percentile of an ascending list."""
    rank = max(1, round(percent / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
