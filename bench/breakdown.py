"""Where a warm request's time goes, stage by stage, in-process.

Run by bench/measure.py (--breakdown NAME). Each stage is timed by wrapping a callable the app
already registered (its hooks, the session interface, Flask-Login's user loader, the view), so
the app runs unchanged. Times are exclusive: the user load happens inside the view, and the
view's row leaves it out. "Flask and Werkzeug" is what the wrapped stages do not cover: the
request context, routing, the response object and the WSGI call itself. The bare app is timed
the same way in the same process, as the reference.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Flask

from lms.extensions import login_manager

Environ = dict[str, Any]
#: Rounds of requests per page; the round with the lowest total is reported (least disturbed).
ROUNDS = 3


class StageClock:
    """Accumulate exclusive time per stage; nested stages are subtracted from their parent."""

    def __init__(self, now: Callable[[], float] = time.perf_counter) -> None:
        self.now = now
        self.totals: dict[str, float] = {}
        self._stack: list[list[float]] = []  # per open stage: [started, time in children]

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """Return `function` timed as `stage`."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            self._stack.append([self.now(), 0.0])
            try:
                return function(*args, **kwargs)
            finally:
                started, children = self._stack.pop()
                spent = self.now() - started
                self.totals[stage] = self.totals.get(stage, 0.0) + spent - children
                if self._stack:
                    self._stack[-1][1] += spent

        return timed


def _hook_name(function: Callable[..., Any]) -> str:
    inner = getattr(function, "func", function)  # functools.partial, as Flask-Limiter registers
    return getattr(inner, "__qualname__", repr(inner)).rsplit(".", 1)[-1].lstrip("_")


def instrument(app: Flask, clock: StageClock) -> None:
    """Wrap the app's hooks, session interface, user loader and views with the clock."""
    for kind, hooks in (("before_request", app.before_request_funcs),
                        ("after_request", app.after_request_funcs),
                        ("teardown_request", app.teardown_request_funcs)):
        for key, functions in hooks.items():
            hooks[key] = [clock.wrap(f"{kind}: {_hook_name(f)}", f) for f in functions]
    app.teardown_appcontext_funcs = [
        clock.wrap(f"teardown_appcontext: {_hook_name(f)}", f)
        for f in app.teardown_appcontext_funcs]
    interface = app.session_interface
    interface.open_session = clock.wrap(  # type: ignore[method-assign]
        "session cookie: read", interface.open_session)
    interface.save_session = clock.wrap(  # type: ignore[method-assign]
        "session cookie: write", interface.save_session)
    if login_manager._user_callback is not None:
        login_manager._user_callback = clock.wrap(
            "user load (Flask-Login user_loader)", login_manager._user_callback)
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = clock.wrap("view (page work)", view)


def _drain(app: Any, environ: Environ) -> None:
    def start_response(_status: str, _headers: list[Any], _exc: Any = None) -> None:
        return None

    body = app(dict(environ), start_response)
    try:
        b"".join(body)  # the response is only produced as it is read
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def time_stages(app: Any, environ: Environ, clock: StageClock | None,
                requests: int) -> dict[str, float]:
    """Return mean µs per request for each stage and in all, from the least disturbed round."""
    for _ in range(50):
        _drain(app, environ)
    best: dict[str, float] | None = None
    for _ in range(ROUNDS):
        if clock is not None:
            clock.totals.clear()
        started = time.perf_counter()
        for _ in range(requests):
            _drain(app, environ)
        total = time.perf_counter() - started
        stages = {name: spent for name, spent in (clock.totals if clock else {}).items()}
        stages["Flask and Werkzeug"] = total - sum(stages.values())
        stages["total"] = total
        if best is None or total < best["total"]:
            best = stages
    assert best is not None
    return {name: round(spent / requests * 1e6, 1) for name, spent in best.items()}


def clean_environ(environ: Environ) -> Environ:
    """Return a reusable copy of a test request's environ, without Werkzeug's cached request."""
    return {key: value for key, value in environ.items() if not key.startswith("werkzeug.")}


def breakdown(app: Flask, bare: Any, environs: list[tuple[str, Environ]],
              requests: int = 2000) -> dict[str, dict[str, float]]:
    """Time the bare app and each named page's stages; instruments `app` for good."""
    bare_environ = {**environs[0][1], "PATH_INFO": "/", "HTTP_COOKIE": ""}
    results = {"bare Flask": time_stages(bare, bare_environ, None, requests)}
    clock = StageClock()
    instrument(app, clock)
    for name, environ in environs:
        results[name] = time_stages(app, environ, clock, requests)
    return results
