"""A short per-process cache of the public verify page and JSON.

Bound: an entry is served for at most `LMS_VERIFY_CACHE_SECONDS` (10 by default, never more),
so a revocation made on any app server shows on every other within that time; the process
that changes a certificate's status drops its entries at once (`forget`). Only found
certificates are cached, and the page only for visitors who are not signed in and have no
message waiting (its header would otherwise name someone). Rate limits run before the view,
so every look-up still counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask, current_app

CAPACITY = 5_000


class VerifyCache:
    """Response bodies by (kind, code), each served for `ttl` seconds after it was built."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[tuple[str, str], tuple[bytes, float]] = {}

    def get(self, kind: str, code: str) -> bytes | None:
        """Return a body built less than `ttl` seconds ago."""
        entry = self._entries.get((kind, code))
        if entry is None or self.clock() - entry[1] >= self.ttl:
            return None
        return entry[0]

    def put(self, kind: str, code: str, body: bytes) -> None:
        """Remember a body just built from the database."""
        if self.ttl <= 0:
            return
        if len(self._entries) >= CAPACITY:
            for stale in list(self._entries)[: CAPACITY // 2]:
                self._entries.pop(stale, None)
        self._entries.pop((kind, code), None)
        self._entries[(kind, code)] = (body, self.clock())

    def forget(self, code: str) -> None:
        """Drop every body of one certificate."""
        for key in [key for key in list(self._entries) if key[1] == code]:
            self._entries.pop(key, None)


def verify_cache() -> VerifyCache:
    """Return this app's verify cache."""
    cache: VerifyCache = current_app.extensions["lantern.verify_cache"]
    return cache


def init_verify_cache(app: Flask) -> None:
    """Give the app its verify cache."""
    app.extensions["lantern.verify_cache"] = VerifyCache(app.config["LMS_VERIFY_CACHE_SECONDS"])
