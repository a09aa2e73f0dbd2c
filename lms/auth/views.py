"""Sign-in, sign-out, and the one-time join and reset pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from lms.auth.forms import JoinForm, NewPasswordForm, SignInForm
from lms.auth.models import User
from lms.auth.services import (
    AccountError,
    LinkPurpose,
    accept_invitation,
    authenticate,
    read_account_link,
    set_password,
)
from lms.auth.sessions import end_all_sessions, end_session
from lms.auth.signin import begin_session
from lms.auth.throttle import pair_key, record_failure, slow_down_if_targeted
from lms.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _sign_in_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _pair_limit() -> str:
    return current_app.config["LOGIN_PAIR_RATE_LIMIT"]


def _sign_in_failed(response: Response) -> bool:
    # Only failures count: a person who signs in is never pushed towards a limit.
    return response.status_code == 400


def safe_next_url(target: str | None) -> str:
    """Return a same-site path to go to after signing in, never another host."""
    if target and _is_local_path(target):
        return target
    return url_for("main.home")


def _is_local_path(target: str) -> bool:
    # Browsers and Werkzeug drop tabs, newlines and spaces from URLs, so "/<tab>/evil.example"
    # would arrive as "//evil.example": refuse every such character instead of cleaning it.
    if "\\" in target or any(char.isspace() or not char.isprintable() for char in target):
        return False
    parts = urlsplit(target)
    return (not parts.scheme and not parts.netloc and target.startswith("/")
            and not target.startswith("//"))


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"], deduct_when=_sign_in_failed)
@limiter.limit(_pair_limit, methods=["POST"], key_func=pair_key, deduct_when=_sign_in_failed)
def sign_in() -> str | Response:
    """Show the sign-in form and sign the person in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        slow_down_if_targeted(email)
        try:
            user = authenticate(email, form.password.data or "")
        except AccountError as error:
            record_failure(email)
            form.form_errors.append(str(error))
        else:
            begin_session(user)
            db.session.commit()
            if current_user.enrolled:
                return redirect(url_for("auth.second_factor_code", next=request.args.get("next")))
            return redirect(safe_next_url(request.args.get("next")))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("auth/sign_in.html", form=form), status  # type: ignore[return-value]


@bp.post("/sign-out")
@login_required
def sign_out() -> Response:
    """End this browser's session on every app server."""
    end_session(current_user.session_key)
    db.session.commit()
    logout_user()
    flash("You have signed out. Take care.", "info")
    return redirect(url_for("auth.sign_in"))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere() -> Response:
    """End every session of this person, on every device and app server."""
    user = db.session.get(User, current_user.id)
    if user is not None:
        end_all_sessions(user)
        db.session.commit()
    logout_user()
    flash("You have signed out on every device, this one included. Take care.", "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def join(token: str) -> str | Response | tuple[str, int]:
    """Let an invited person choose their name and password."""
    try:
        user = read_account_link(token, LinkPurpose.INVITE)
    except AccountError as error:
        return render_template("auth/link_problem.html", message=str(error)), 410
    form = JoinForm()
    if request.method == "GET" and user.display_name:
        form.display_name.data = user.display_name
    if form.validate_on_submit():
        try:
            accept_invitation(user, form.display_name.data or "", form.password.data or "")
        except AccountError as error:
            form.password.errors = [*form.password.errors, str(error)]
        else:
            begin_session(user)
            db.session.commit()
            flash(f"Welcome to Lantern, {user.display_name}. You are signed in.", "success")
            return redirect(url_for("main.home"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/join.html", form=form, user=user), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> str | Response | tuple[str, int]:
    """Let a person with a reset link choose a new password."""
    try:
        user = read_account_link(token, LinkPurpose.RESET)
    except AccountError as error:
        return render_template("auth/link_problem.html", message=str(error)), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            set_password(user, form.password.data or "")
        except AccountError as error:
            form.password.errors = [*form.password.errors, str(error)]
        else:
            db.session.commit()
            logout_user()
            flash("Your password has been changed. Please sign in with it.", "success")
            return redirect(url_for("auth.sign_in"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/reset.html", form=form, user=user), status
