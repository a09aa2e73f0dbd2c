"""Rate limits: only routes that carry a limit pay to check it, and 429s say when to retry."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, request
from flask.globals import request_ctx
from flask_limiter import RateLimitExceeded, RequestLimit
from flask_limiter._limits import RuntimeLimit
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from lms.extensions import limiter

View = TypeVar("View", bound=Callable[..., Any])

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
    _only_after_a_limit(app)


def _only_after_a_limit(app: Flask) -> None:
    """Run Flask-Limiter's after-request and teardown hooks only when a limit was checked.

    Both read the request's limiter context, and reading it makes one (a dict of dataclasses)
    on every request. Without a context there are no headers to add, no deduction to make and
    nothing to reset, so skipping them changes nothing but the cost.
    """
    for hooks in (app.after_request_funcs.get(None, []), app.teardown_request_funcs.get(None, [])):
        for index, hook in enumerate(hooks):
            owner = getattr(getattr(hook, "func", hook), "__qualname__", "")
            if owner in _LIMITER_HOOKS:
                hooks[index] = _when_limited(hook)


_LIMITER_HOOKS = frozenset({"Limiter.__inject_headers", "Limiter.__release_context"})


def _when_limited(hook: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def run_when_limited(value: Any) -> Any:
        if hasattr(request_ctx, LIMITER_CONTEXT):
            return hook(value)
        return value

    return run_when_limited


#: Where Flask-Limiter keeps a request's limits on the request context.
LIMITER_CONTEXT = "_limiter_request_context"


#: How often expired in-memory counters are dropped. Reads already ignore an expired counter.
SWEEP_SECONDS = 1.0


class _SteadyMemoryStorage(MemoryStorage):
    """limits' in-memory storage, sweeping expired counters once a second, not every 10 ms.

    MemoryStorage starts a new 10 ms timer thread on the first count after the last one ended,
    and each sweep walks every key: under steady traffic that is up to a hundred thread starts
    a second, a large share of a cached verify page's time (docs/performance.md). Counting is
    unchanged: `get` drops an expired counter before it is read or incremented.
    """

    def _MemoryStorage__schedule_expiry(self) -> None:
        if not self.timer.is_alive():
            sweep = self._MemoryStorage__expire_events  # type: ignore[attr-defined]
            self.timer = threading.Timer(SWEEP_SECONDS, sweep)
            self.timer.daemon = True
            self.timer.start()


class _OneLock(dict[str, threading.RLock]):
    """Every counter's lock, which is one lock: MemoryStorage's per-key RLock, never shared.

    MemoryStorage keeps a lock per key, and a key per client address and limit for as long as
    the limit's window, so the locks were a quarter of what each address held. One re-entrant
    lock serves them all (a nested count takes it again); the once-a-second sweep is the only
    other thread, and a worker runs one request at a time.
    """

    lock = threading.RLock()

    def __missing__(self, key: str) -> threading.RLock:
        return self.lock

    def pop(self, key: str, default: Any = None) -> Any:
        """Return the default: no key's lock is ever kept."""
        return default


def steady_memory_storage() -> None:
    """Make the limiter's in-memory storages (main or fallback) sweep once a second."""
    for storage in (limiter._storage, getattr(limiter, "_fallback_storage", None)):
        if type(storage) is MemoryStorage:
            storage.__class__ = _SteadyMemoryStorage
            storage.locks = _OneLock()  # type: ignore[assignment]


def retry_after_seconds() -> int:
    """Return the seconds until the limit that refused this request lets the client in again."""
    refused = limiter.current_limit
    if refused is None:
        return DEFAULT_RETRY_AFTER_SECONDS
    try:
        return max(1, math.ceil(refused.window[0] - time.time()))
    except Exception:  # noqa: BLE001 - a 429 must still render when storage is unreachable
        return DEFAULT_RETRY_AFTER_SECONDS


def lookup_limited(route_limit: str, shared_limit: str, shared_scope: str,
                   failed: Callable[[Response], bool],
                   shared_decorator: Callable[[View], View]) -> Callable[[View], View]:
    """Limit a hot look-up route as `@limiter.limit(route_limit)` over `@shared_decorator` do.

    Flask-Limiter resolves a route's limits anew on every request, which costs about half of a
    cached verify page (docs/performance.md). This checks the same items, parsed once, straight
    against the limiter's own strategy and storage, under the keys Flask-Limiter uses: the
    route's limit per client and endpoint is spent on every request, the shared budget is
    tested first and spent after the response only when `failed` says the look-up failed, so
    the routes that still carry `shared_decorator` (scope `shared_scope`) draw on the same
    counts. Whenever Flask-Limiter would do more than that (storage down and in the in-memory
    fallback, meta limits, breach callbacks, request filters, limiting disabled) or storage
    fails, the request goes through the decorated view instead.
    """
    shared_items = tuple(parse_many(shared_limit))
    checks = sorted([(item, True) for item in shared_items]
                    + [(item, False) for item in parse_many(route_limit)],
                    key=lambda check: check[0])

    def decorate(view: View) -> View:
        slow = limiter.limit(route_limit)(shared_decorator(view))

        @wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            if not _direct_path_open():
                return slow(*args, **kwargs)
            client = limiter._key_func()  # the same key function as every decorated limit
            prefix = [limiter._key_prefix] if limiter._key_prefix else []
            own = [*prefix, client, request.endpoint or ""]
            shared = [*prefix, client, shared_scope]
            strategy = limiter.limiter
            try:
                # Flask-Limiter's order: shortest window first, the shared items (decorated
                # nearer the view) before the route's within a window; stop at the first breach.
                for item, is_shared in checks:
                    if is_shared and not strategy.test(item, *shared):
                        _refuse(item, shared, shared_scope, shared=True)
                    elif not is_shared and not strategy.hit(item, *own):
                        _refuse(item, own, request.endpoint or "", shared=False)
            except RateLimitExceeded:
                raise
            except Exception:  # noqa: BLE001 - storage trouble: Flask-Limiter's path handles it
                return slow(*args, **kwargs)
            try:
                response = view(*args, **kwargs)
            except HTTPException as error:
                _spend_if_failed(error.response or error.get_response(), failed,
                                 shared_items, shared)
                raise
            _spend_if_failed(response, failed, shared_items, shared)
            return response

        return cast(View, limited)

    return decorate


def _direct_path_open() -> bool:
    """Return whether Flask-Limiter would do no more than check and spend the route's items."""
    return bool(limiter.enabled and limiter.initialized and not limiter._storage_dead
                and not limiter._meta_limits and limiter._on_breach is None
                and not limiter._request_filters)


def _refuse(item: RateLimitItem, identifiers: list[str], scope: str, *, shared: bool) -> None:
    """Refuse the request as Flask-Limiter does, so the 429 page says when to come back."""
    limiter.logger.info("ratelimit %s (%s) exceeded at endpoint: %s", item,
                        identifiers[-2], scope)
    refused = RequestLimit(limiter, item, identifiers, True, shared)
    limiter.context.view_rate_limit = refused
    limiter.context.view_rate_limits = [refused]
    raise RateLimitExceeded(RuntimeLimit(item, limiter._key_func, scope, shared=shared))


def _spend_if_failed(response: Any, failed: Callable[[Response], bool],
                     items: tuple[RateLimitItem, ...], identifiers: list[str]) -> None:
    if isinstance(response, Response) and failed(response):
        try:
            for item in items:
                limiter.limiter.hit(item, *identifiers)
        except Exception:
            if not limiter._in_memory_fallback_enabled:
                raise
            limiter.logger.warning("Rate limit storage unreachable - falling back to in-memory "
                                   "storage")
            limiter._storage_dead = True
            for item in items:
                limiter.limiter.hit(item, *identifiers)
