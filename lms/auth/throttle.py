"""Sign-in throttling that slows guessers without ever locking anyone else out.

Failed sign-ins count per client and per (account, client) pair through Flask-Limiter's route
limits, so only the client that failed is refused. Failures for one account from every client
together count here too; past a high threshold each attempt on that account waits a moment
before it is checked. A wait, not a refusal: the account's owner still gets in from any client
that has not failed, however many failures others caused.
"""

from __future__ import annotations

import hashlib
import time

from flask import current_app, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

from lms.extensions import limiter

__all__ = ["account_key", "pair_key", "record_failure", "slow_down_if_targeted"]


def _account(email: str) -> str:
    # A digest, so the rate-limit store (Redis) never holds people's addresses.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def pair_key() -> str:
    """Return the rate-limit key of this (account, client) pair for a posted sign-in."""
    return f"sign-in:{_account(request.form.get('email', ''))}:{get_remote_address()}"


def account_key(email: str) -> str:
    """Return the key that counts one account's failed sign-ins from every client."""
    return f"sign-in-account:{_account(email)}"


def _threshold() -> list[RateLimitItem]:
    return parse_many(current_app.config["LOGIN_ACCOUNT_THRESHOLD"])


def is_targeted(email: str) -> bool:
    """Return whether the account's failed sign-ins from all clients are past the threshold."""
    try:
        return not all(limiter.limiter.test(item, account_key(email)) for item in _threshold())
    except Exception:  # noqa: BLE001 - an unreachable store must never stop a sign-in
        return False


def slow_down_if_targeted(email: str) -> float:
    """Wait before checking a password for an account under a spread-out attack."""
    if not is_targeted(email):
        return 0.0
    delay = float(current_app.config["LOGIN_ACCOUNT_DELAY"])
    time.sleep(delay)
    return delay


def record_failure(email: str) -> None:
    """Count one failed sign-in against the account, whichever client sent it."""
    try:
        for item in _threshold():
            limiter.limiter.hit(item, account_key(email))
    except Exception:  # noqa: BLE001 - counting is best effort; the route limits still hold
        current_app.logger.warning("could not count a failed sign-in for the account")
