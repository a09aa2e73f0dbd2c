"""A WSGI shim that gives every benchmark request its own client address."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable
from typing import Any

WSGIApp = Any


#: The public pages whose per-address limits would otherwise refuse a benchmark.
SPREAD_PREFIXES = ("/verify", "/credentials/")


class SpreadClients:
    """Rewrite REMOTE_ADDR on public verify pages so rate limits count work but never refuse.

    Accreditors open the verify page from many addresses; a benchmark sends everything from
    127.0.0.1 and would measure 429 responses instead. The limiter still does its full
    bookkeeping for every request. Other paths keep 127.0.0.1: signed-in pages must not look
    as if each request came from a new address (Flask-Login's session protection would then
    rewrite the session cookie on every response). Both the bare app and Lantern run behind
    this shim, so its (tiny) cost is the same on both sides of the ratio.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.counter = itertools.count(os.getpid() * 65536)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """Give a verify request the next address in 10.0.0.0/8 and pass it on."""
        if not environ.get("PATH_INFO", "").startswith(SPREAD_PREFIXES):
            return self.app(environ, start_response)
        number = next(self.counter) % (1 << 24)
        environ["REMOTE_ADDR"] = f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"
        return self.app(environ, start_response)
