"""Bulk invitations: upload a CSV, look at the preview, confirm, and hand out the links."""

from __future__ import annotations

import math

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from lms.auth.models import Role
from lms.auth.roles import role_required
from lms.cohorts.forms import UploadForm
from lms.cohorts.importing import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    PROBLEMS_PER_PAGE,
    ImportChanged,
    ImportRefused,
    cohort_counts,
    confirm,
    find_batch,
    invitation_report,
    link_rows,
    problem_rows,
    stage,
)
from lms.cohorts.views import bp
from lms.csvfile import csv_response, csv_text
from lms.extensions import db
from lms.ids import requested_page
from lms.notifications.services import mail_enabled


def _size(limit: int) -> str:
    """Say a byte count the way people read file sizes."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit // 1024} KB"


def _limits() -> dict[str, object]:
    return {"max_rows": MAX_ROWS, "max_size": _size(MAX_BYTES), "columns": COLUMNS}


def _too_large(form: UploadForm) -> tuple[str, int]:
    form.file.errors = [f"That file is larger than {_size(MAX_BYTES)}, the most "
                        "Lantern reads at once. Please split it into smaller files "
                        f"(up to {MAX_ROWS:,} people each) and upload them one at a time."]
    return render_template("cohorts/upload.html", form=form, **_limits()), 413


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    """Say the upload limit calmly on the upload page instead of a bare 413."""
    if request.endpoint == "cohorts.upload":
        return _too_large(UploadForm(formdata=None))
    from lms.errors import render_error

    return render_error(413)


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def upload() -> str | Response | tuple[str, int]:
    """Take a CSV of people to invite and stage it for a preview."""
    form = UploadForm()
    if request.method == "POST" and (request.content_length or 0) > MAX_BYTES:
        return _too_large(form)
    if form.validate_on_submit():
        upload = form.file.data
        batch = stage(upload.read(MAX_BYTES + 1), upload.filename or "", current_user)
        db.session.commit()
        return redirect(url_for("cohorts.preview", token=batch.token))
    status = 400 if form.is_submitted() else 200
    return render_template("cohorts/upload.html", form=form, **_limits()), status


def _preview(token: str, error: str | None = None, status: int = 200) -> tuple[str, int]:
    batch = find_batch(token)
    pages = max(math.ceil(batch.problem_count / PROBLEMS_PER_PAGE), 1)
    page = min(requested_page(), pages)
    return render_template("cohorts/preview.html", batch=batch, problems=problem_rows(batch, page),
                           page=page, pages=pages, cohorts=cohort_counts(batch), error=error,
                           **_limits()), status


@bp.get("/import/<token>")
@role_required(Role.ADMIN)
def preview(token: str) -> str | tuple[str, int]:
    """Show the rows with problems, a page at a time, and count the rest."""
    try:
        return _preview(token)
    except ImportRefused as error:
        return render_template("cohorts/gone.html", reason=str(error)), 410


@bp.post("/import/<token>/confirm")
@role_required(Role.ADMIN)
def confirm_import(token: str) -> str | Response | tuple[str, int]:
    """Create everyone in the file in one transaction, or no one."""
    UploadForm(formdata=None)  # the CSRF token is checked for every POST by CSRFProtect
    try:
        batch = confirm(token, current_user)
    except ImportChanged as error:
        db.session.commit()  # keep the newly found problems for the preview
        return _preview(token, str(error), 409)
    except ImportRefused as error:
        db.session.rollback()
        try:
            return _preview(token, str(error), 409)
        except ImportRefused:
            return render_template("cohorts/gone.html", reason=str(error)), 410
    db.session.commit()
    return redirect(url_for("cohorts.imported", token=batch.token))


@bp.get("/import/<token>/done")
@role_required(Role.ADMIN)
def imported(token: str) -> str | tuple[str, int]:
    """Say how many people were invited and offer their links."""
    try:
        batch = find_batch(token)
    except ImportRefused as error:
        return render_template("cohorts/gone.html", reason=str(error)), 410
    if batch.confirmed_at is None:
        return _preview(token)
    mailed = mail_enabled()
    return render_template("cohorts/imported.html", batch=batch, mailed=mailed,
                           deliveries=invitation_report(batch) if mailed else None)


@bp.get("/import/<token>/links.csv")
@role_required(Role.ADMIN)
def links_csv(token: str) -> Response | tuple[str, int]:
    """Download the join links of everyone imported who has not joined yet."""
    try:
        batch = find_batch(token)
    except ImportRefused as error:
        return render_template("cohorts/gone.html", reason=str(error)), 410
    if batch.confirmed_at is None:
        return render_template("cohorts/gone.html",
                               reason="This file has not been imported yet."), 409
    body = csv_text(["name", "email", "cohort", "join_link"], link_rows(batch))
    return csv_response(body, "invitation-links.csv")
