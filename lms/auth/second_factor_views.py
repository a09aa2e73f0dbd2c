"""Two-step sign-in: the code step after the password, setting it up, and leading staff there."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from lms.auth.forms import CodeForm
from lms.auth.identity import Identity
from lms.auth.loader import reread_identity
from lms.auth.models import User
from lms.auth.second_factor import (
    CodeRefused,
    SessionLocked,
    check_code,
    confirm_enrolment,
    enrolment,
    mark_session_verified,
    pending_secret,
    provisioning_svg,
    recovery_codes_left,
    requires_second_factor,
)
from lms.auth.sessions import hash_key
from lms.auth.views import bp, safe_next_url
from lms.extensions import db, limiter

#: Pages a half-signed-in person may still reach.
OPEN_ENDPOINTS = frozenset({"static", "healthz", "auth.sign_out", "auth.sign_in",
                            "auth.second_factor_code", "auth.second_factor_setup"})


def _code_limit() -> str:
    return current_app.config["LMS_2FA_RATE_LIMIT"]


def _this_session() -> str:
    # Per session, not per address: a slow-down that never locks out anyone else.
    key = getattr(current_user, "session_key", "")
    return "2fa:" + hash_key(key)


def _with_second_factor(identity: Identity) -> Identity:
    """Return the identity of this session now that it has proved the second factor."""
    return Identity(id=identity.id, role=identity.role, display_name=identity.display_name,
                    stamp=identity.stamp, session_key=identity.session_key,
                    time_zone=identity.time_zone, enrolled=True,
                    second_factor=True)


@bp.before_app_request
def lead_to_second_factor() -> Response | None:
    """Send a signed-in person to the code step or to set-up before anything else."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    identity = current_user._get_current_object()
    if not identity.is_authenticated or _must_prove(identity) is None:
        return None
    # Another app server may have just recorded the code: its cache entry lags, not the row.
    fresh = reread_identity(identity)
    if fresh is not None:
        login_user(fresh)
        identity = fresh
    return _must_prove(identity)


def _must_prove(identity: Identity) -> Response | None:
    """Return where this session must go before anything else, or None."""
    if identity.enrolled and not identity.second_factor:
        return redirect(url_for("auth.second_factor_code", next=request.full_path))
    if not identity.enrolled and requires_second_factor(
            identity.role, current_app.config["LMS_REQUIRE_2FA"]):
        return redirect(url_for("auth.second_factor_setup"))
    return None


@bp.route("/sign-in/code", methods=["GET", "POST"])
@login_required
@limiter.limit(_code_limit, methods=["POST"], key_func=_this_session)
def second_factor_code() -> str | Response | tuple[str, int]:
    """Ask for the second factor after the password."""
    if not current_user.enrolled or current_user.second_factor:
        return redirect(safe_next_url(request.args.get("next")))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            recovery = check_code(current_user.id, current_user.session_key, form.code.data or "")
        except SessionLocked as locked:
            db.session.commit()
            logout_user()
            flash(str(locked), "error")
            return redirect(url_for("auth.sign_in"))
        except CodeRefused as error:
            db.session.commit()  # the wrong-code count must be kept
            form.code.errors = [*form.code.errors, str(error)]
        else:
            left = recovery_codes_left(current_user.id) if recovery else None
            db.session.commit()
            login_user(_with_second_factor(current_user))
            if left is not None:
                flash(f"You used a recovery code; {left} are left. If your phone is lost, "
                      "please ask an administrator to reset your two-step sign-in.", "info")
            return redirect(safe_next_url(request.args.get("next")))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/second_factor_code.html", form=form), status


@bp.route("/account/two-step", methods=["GET", "POST"])
@login_required
@limiter.limit(_code_limit, methods=["POST"], key_func=_this_session)
def second_factor_setup() -> str | Response | tuple[str, int]:
    """Set up an authenticator app: QR code and secret, a first code, then recovery codes."""
    # From the database, not the identity: another server's cache may not know of it yet,
    # and an enrolled secret must never be shown again.
    if enrolment(current_user.id) is not None:
        if not current_user.second_factor:
            return redirect(url_for("auth.second_factor_code"))
        return render_template("auth/second_factor_done.html",
                               left=recovery_codes_left(current_user.id))
    user = db.session.get(User, current_user.id)
    assert user is not None  # an open session's person exists
    secret = pending_secret(user)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = confirm_enrolment(user, form.code.data or "")
        except CodeRefused as error:
            form.code.errors = [*form.code.errors, str(error)]
        else:
            mark_session_verified(current_user.session_key)
            db.session.commit()
            login_user(_with_second_factor(current_user))
            # Shown once, in this response only; the database keeps their hashes.
            return render_template("auth/recovery_codes.html", codes=codes)
    db.session.commit()  # keep the pending secret, so a reload shows the same QR code
    required = requires_second_factor(current_user.role, current_app.config["LMS_REQUIRE_2FA"])
    status = 400 if form.is_submitted() else 200
    return render_template("auth/second_factor_setup.html", form=form, secret=secret,
                           qr_svg=provisioning_svg(user, secret), required=required), status
