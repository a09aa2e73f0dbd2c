"""Rate limits: only routes that carry a limit pay to check it, and 429s say when to retry."""

from __future__ import annotations

import math
import time

from flask import Flask

from lms.extensions import limiter

#: Used when the limit that refused a request cannot be read back (for example, storage is down).
DEFAULT_RETRY_AFTER_SECONDS = 60

#: Every certificate look-up that finds nothing or fails counts against one budget per client,
#: whichever way it came: the verify page, its JSON, the signed credential, a dropped PDF, a
#: signed-in PDF download, or the verification API (single and batch). Guessing codes through
#: one door spends what the others have left.
FAILED_LOOKUP_LIMIT = "20 per minute;100 per hour"
FAILED_LOOKUP_SCOPE = "certificate-lookups"


def skip_idle_limit_check(app: Flask) -> None:
    """Drop Flask-Limiter's check on every request when only decorated routes carry limits.

    Flask-Limiter checks default, application, blueprint and meta limits before every request;
    routes with their own limits are checked by their decorators. Lantern sets none of the
    former, so the check finds nothing to do, yet it costs about a tenth of a small page's
    time (docs/performance.md). If any such limit is configured, the check stays.
    """
    manager = limiter.limit_manager
    if (manager.default_limits or manager.application_limits
            or any(manager._blueprint_limits.values()) or limiter._meta_limits):
        return
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)


def retry_after_seconds() -> int:
    """Return the seconds until the limit that refused this request lets the client in again."""
    refused = limiter.current_limit
    if refused is None:
        return DEFAULT_RETRY_AFTER_SECONDS
    try:
        return max(1, math.ceil(refused.window[0] - time.time()))
    except Exception:  # noqa: BLE001 - a 429 must still render when storage is unreachable
        return DEFAULT_RETRY_AFTER_SECONDS
