"""Friendly error pages that say what happened and what to do next."""

from __future__ import annotations

from flask import Flask, Response, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from lms.ratelimits import retry_after_seconds
from lms.wording import wait_in_words

#: What a 503 asks clients to wait before trying again.
RETRY_AFTER_UNAVAILABLE_SECONDS = 30

MESSAGES = {
    400: ("Something in that request was not right",
          "The form may have expired or been sent twice. Please go back, reload the page "
          "and try again. Nothing was changed."),
    403: ("This page is not available to you",
          "Your account does not have access to this page. If you think it should, "
          "please ask your program administrator."),
    404: ("We could not find that page",
          "The link may be mistyped or out of date. Nothing is wrong with your account."),
    405: ("That action is not available here",
          "Please go back and use the buttons on the page."),
    409: ("That change could not be made",
          "The record changed in the meantime. Please reload the page to see it as it is now."),
    410: ("This link can no longer be used", "Please ask for a new link."),
    413: ("That file is too large", "Please choose a smaller file."),
    429: ("Please slow down a little",
          "There have been too many attempts in a short time. Please wait a minute "
          "and try again."),
    500: ("Something went wrong on our side",
          "We could not finish that request and nothing was saved. Please try again "
          "in a moment. If it keeps happening, tell your program administrator."),
    503: ("Lantern is briefly unavailable",
          "We cannot reach our database right now. Nothing you entered was lost on our side; "
          "please try again in a few minutes."),
}


def render_error(code: int, detail: str | None = None,
                 reason: str | None = None) -> tuple[str, int]:
    """Render the friendly page for an HTTP status code.

    A reason (given as abort(403, "...")) replaces the general advice, because it says what
    actually happened; a detail is added below the advice.
    """
    title, advice = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title,
                           advice=reason or advice, detail=detail), code


def _reason(error: HTTPException) -> str | None:
    """Return the text a view gave to abort(), if it gave one."""
    # Werkzeug keeps a given description on the instance; its own texts live on the class.
    given = vars(error).get("description")
    return given if isinstance(given, str) and given else None


def _slow_down(seconds: int) -> str:
    """Say how long to wait, in words, rather than a bare number."""
    return (f"There have been too many attempts in a short time. Please wait "
            f"{wait_in_words(seconds)} and try again.")


def init_errors(app: Flask) -> None:
    """Register the friendly pages for every HTTP error."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(400, "The form's security token was missing or out of date.")

    @app.errorhandler(HTTPException)
    def http_error(
        error: HTTPException,
    ) -> tuple[str, int] | tuple[str, int, dict[str, str]] | Response:
        if error.response is not None:
            # A route prepared its own answer (the JSON API's 429, for one).
            return error.response  # type: ignore[return-value]
        code = error.code or 500
        if code == 429:
            wait = retry_after_seconds()
            body, status = render_error(429, reason=_slow_down(wait))
            return body, status, {"Retry-After": str(wait)}
        if code == 503:
            body, status = render_error(503, reason=_reason(error))
            return body, status, {"Retry-After": str(RETRY_AFTER_UNAVAILABLE_SECONDS)}
        return render_error(code, reason=_reason(error))

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError) -> tuple[str, int]:
        return render_error(500)
