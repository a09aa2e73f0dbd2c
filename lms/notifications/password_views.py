"""Forgot password: ask for a link by e-mail, then choose a new password with it."""

from __future__ import annotations

import logging
from functools import partial

from flask import (
    Flask,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import logout_user
from werkzeug.wrappers import Response

from lms.auth.services import AccountError
from lms.extensions import db, limiter
from lms.notifications.forms import ForgotPasswordForm, ResetPasswordForm
from lms.notifications.outbox import mail_settings
from lms.notifications.password_reset import read_reset_link, request_password_reset, reset_password
from lms.notifications.views import bp

log = logging.getLogger(__name__)


def _forgot_limit() -> str:
    return current_app.config["FORGOT_PASSWORD_RATE_LIMIT"]


def _posted_address() -> str:
    return "forgot:" + request.form.get("email", "").strip().lower()


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(_forgot_limit, methods=["POST"], key_func=_posted_address)
def forgot() -> str | Response | tuple[str, int]:
    """Send a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        response = make_response(render_template("notifications/forgot_sent.html"))
        # Looked up only once the answer is sent: a known and an unknown address then take
        # exactly the same work and time inside the request.
        response.call_on_close(partial(_request_reset_later,
                                       current_app._get_current_object(),  # type: ignore[attr-defined]
                                       form.email.data or ""))
        return response
    status = 400 if form.is_submitted() else 200
    return render_template("notifications/forgot.html", form=form,
                           sends=mail_settings().sends), status


def _request_reset_later(app: Flask, email: str) -> None:
    with app.app_context():
        try:
            request_password_reset(email)
            db.session.commit()
        except Exception:  # noqa: BLE001 - the person already has their answer; log and go on
            db.session.rollback()
            log.exception("could not queue a password reset link")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> str | Response | tuple[str, int]:
    """Let the holder of an e-mailed reset link choose a new password."""
    try:
        user = read_reset_link(token)
    except AccountError as error:
        return render_template("notifications/reset_problem.html", message=str(error)), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password(token, form.password.data or "")
        except AccountError as error:
            db.session.rollback()
            form.password.errors = [*form.password.errors, str(error)]
        else:
            db.session.commit()
            logout_user()
            flash("Your password has been changed, and any other sign-ins have ended. "
                  "Please sign in with your new password.", "success")
            return redirect(url_for("auth.sign_in"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/reset.html", form=form, user=user), status
