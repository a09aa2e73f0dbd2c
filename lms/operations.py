"""Operations: request ids and one log line per request, health, and database outages."""

from __future__ import annotations

import logging
import secrets
import time

from flask import Flask, g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.wrappers import Response

from lms.errors import RETRY_AFTER_UNAVAILABLE_SECONDS, render_error
from lms.extensions import db, login_manager

log = logging.getLogger("lantern.requests")

OUTAGE_MESSAGE = "The database cannot be reached right now. Please try again in a minute."
#: Paths whose answers are JSON (or JSON-LD) for machines, whatever the error.
JSON_SUFFIXES = (".json",)
JSON_PATHS = frozenset({"/issuer", "/healthz"})


def answers_json() -> bool:
    """Return whether this request's route answers JSON, so its errors should too."""
    return request.path.endswith(JSON_SUFFIXES) or request.path in JSON_PATHS


def _request_id() -> str:
    """Use the proxy's request id when it looks sane, else make one."""
    incoming = request.headers.get("X-Request-ID", "")
    if 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum():
        return incoming
    return secrets.token_hex(8)


def init_operations(app: Flask) -> None:
    """Register request logging, the health check and the outage page."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def start_timer() -> None:
        g.request_id = _request_id()
        g.started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        # The endpoint name, never the path: paths can carry invite tokens and codes.
        elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("request_id=%s method=%s endpoint=%s status=%s ms=%.1f",
                 g.get("request_id", "-"), request.method, request.endpoint or "-",
                 response.status_code, elapsed_ms)
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response

    @app.teardown_request
    def close_uploads(_error: BaseException | None) -> None:
        # Large uploads are spooled to temporary files; close them when the request ends.
        request.close()

    # Only connection-level errors mean "unreachable"; a DataError or IntegrityError is a bug
    # in the request or in Lantern, and gets the 500 page rather than a false outage report.
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error: Exception) -> ResponseReturnValue:
        db.session.rollback()
        log.error("request_id=%s database unavailable: %s", g.get("request_id", "-"),
                  type(error.__cause__ or error).__name__)
        retry = {"Retry-After": str(RETRY_AFTER_UNAVAILABLE_SECONDS)}
        if answers_json():
            # Machines reading the JSON routes get JSON they can parse, not an HTML page.
            return jsonify(error="unavailable", message=OUTAGE_MESSAGE), 503, retry
        # Render as a visitor: looking up the signed-in person would need the database.
        g._login_user = login_manager.anonymous_user()
        body, status = render_error(503)
        return body, status, retry

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError) -> ResponseReturnValue:
        # Any other database error is a fault in the request or in Lantern. Roll back first:
        # the error page reads the signed-in person, which a failed transaction would refuse.
        db.session.rollback()
        log.error("request_id=%s database error: %s", g.get("request_id", "-"),
                  type(error.__cause__ or error).__name__)
        if answers_json():
            return jsonify(error="server_error", message="Something went wrong on our side."), 500
        return render_error(500)

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        """Report whether the database answers; for load balancers and monitoring."""
        try:
            db.session.execute(text("SELECT 1"))
        except (OperationalError, DBAPIError):
            db.session.rollback()
            return (jsonify(status="unavailable", database="unreachable"), 503,
                    {"Retry-After": str(RETRY_AFTER_UNAVAILABLE_SECONDS)})
        return jsonify(status="ok", database="ok"), 200
