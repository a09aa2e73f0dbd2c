"""Trainees claim and download certificates; admins issue, revoke, reissue and renew."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError, PendingRollbackError
from werkzeug.wrappers import Response

from lms.auth.models import Role, User
from lms.auth.roles import role_required
from lms.catalog.content import Program
from lms.catalog.profile import profiles
from lms.catalog.services import get_catalog
from lms.certification import issuing
from lms.certification.codes import InvalidCode, format_code
from lms.certification.forms import ClaimForm, IssueForm, RevokeForm
from lms.certification.models import Certificate
from lms.certification.services import (
    AlreadyIssued,
    CertificationError,
    active_certificate,
    certificates_of,
    eligibility_for,
    expiry_warning,
    find_certificate,
    profile_entry,
    trainee_edition,
)
from lms.cohorts.services import profile_slug_for as cohort_profile
from lms.extensions import db, limiter
from lms.learning.services import enrolments_of, programs_of
from lms.ratelimits import FAILED_LOOKUP_LIMIT, FAILED_LOOKUP_SCOPE

# The public verification routes join this blueprint from verify_views.py.
bp = Blueprint("certification", __name__)

#: Every look-up that finds nothing counts against one budget per client, shared with the
#: verification API (lms/ratelimits.py), so guessing codes gets slow long before it could succeed.


def lookup_failed(response: Response) -> bool:
    """Return whether a certificate look-up found nothing (or could not be read)."""
    return response.status_code in (400, 404)


failed_lookups = limiter.shared_limit(FAILED_LOOKUP_LIMIT, scope=FAILED_LOOKUP_SCOPE,
                                      deduct_when=lookup_failed)

#: Downloads of issued PDFs per client; failed ones also spend the shared look-up budget.
PDF_LIMIT = "30 per minute"


def _certificate_or_404(code: str) -> Certificate:
    try:
        certificate = find_certificate(code)
    except InvalidCode:
        certificate = None
    if certificate is None:
        abort(404)
    return certificate


def _program_or_404(slug: str) -> Program:
    try:
        return get_catalog().program(slug)
    except KeyError:
        abort(404)


@bp.get("/certificates")
@role_required(Role.TRAINEE)
def my_certificates() -> str:
    """Show what is left for each certificate, and the certificates already issued."""
    today = date.today()
    checklists = []
    for program, edition in enrolments_of(current_user):
        # The cohort's profile comes first; any other one the trainee meets can still be claimed.
        ours = cohort_profile(current_user.id, program.slug)
        ordered = sorted(profiles(program, edition).items(), key=lambda item: item[0] != ours)
        for slug, chosen in ordered:
            checklists.append((program, chosen,
                               eligibility_for(current_user, program, slug, edition)))
    certificates = certificates_of(current_user.id)
    warnings = {c.id: expiry_warning(c, today) for c in certificates}
    # Only a current certificate is offered for a profile: a revoked one would mislead.
    profile_entries = {c.id: profile_entry(c) for c in certificates
                       if c.status_on(today) == "active"}
    return render_template("certification/mine.html", checklists=checklists,
                           certificates=certificates, warnings=warnings, today=today,
                           profile_entries=profile_entries,
                           claim_form=ClaimForm(), issue_form=IssueForm())


@bp.post("/certificates/claim")
@role_required(Role.TRAINEE)
def claim() -> Response:
    """Issue the trainee's certificate once every requirement is met."""
    form = ClaimForm()
    if not form.validate_on_submit():
        abort(400)
    program = _program_or_404(form.program.data or "")
    if program not in programs_of(current_user):
        abort(403, "You are not enrolled in that program, so it has no certificate for you.")
    try:
        certificate = issuing.claim(current_user, program, form.profile.data or None,
                                    date.today())
    except AlreadyIssued as issued:
        # A second click, or a simultaneous claim that won the race: lead to that certificate.
        return _lead_to_issued(issued, program)
    except (IntegrityError, PendingRollbackError):
        # The same race where a savepoint cannot catch it (pysqlite's transactions).
        return _lead_to_issued(AlreadyIssued(None), program)
    except (CertificationError, KeyError) as error:
        flash(str(error) if isinstance(error, CertificationError) else
              "That certificate is not offered by this program.", "error")
        return redirect(url_for("certification.my_certificates"))
    db.session.commit()
    flash(f"Congratulations! Your certificate {format_code(certificate.code)} is ready.",
          "success")
    return redirect(url_for("certification.my_certificates"))


def _lead_to_issued(issued: AlreadyIssued, program: Program) -> Response:
    """Say which certificate the trainee already holds, the one a simultaneous claim issued."""
    code = issued.code
    if code is None:
        # This transaction's snapshot predates the winner's commit: look again in a new one.
        db.session.rollback()
        winner = active_certificate(current_user.id, program.slug)
        code = winner.code if winner else None
    if code is None:
        flash(str(issued), "error")
    else:
        flash(f"Congratulations! Your certificate {format_code(code)} is ready.", "success")
    return redirect(url_for("certification.my_certificates"))


@bp.get("/certificates/<code>.pdf")
@login_required
@limiter.limit(PDF_LIMIT)
@failed_lookups
def download_pdf(code: str) -> Response:
    """Send the issued PDF to its holder or an admin, byte for byte as issued."""
    certificate = _certificate_or_404(code)
    if current_user.role is not Role.ADMIN and certificate.user_id != current_user.id:
        # Someone else's certificate looks exactly like a missing one: no code is confirmed.
        abort(404)
    response = make_response(certificate.pdf)
    response.mimetype = "application/pdf"
    name = f"lantern-certificate-{format_code(certificate.code)}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/admin/people/<int:user_id>/certificates")
@role_required(Role.ADMIN)
def person_certificates(user_id: int) -> str:
    """Show a trainee's checklists and certificates with the admin actions."""
    return _person_page(db.get_or_404(User, user_id))


def _person_page(trainee: User, refused: RevokeForm | None = None,
                 refused_id: int | None = None) -> str:
    """Render the admin's certificate page, re-showing a refused revoke form if given."""
    checklists = []
    if trainee.role is Role.TRAINEE:
        for program, edition in enrolments_of(trainee):
            for slug, chosen in profiles(program, edition).items():
                checklists.append((program, chosen,
                                   eligibility_for(trainee, program, slug, edition)))
    return render_template("certification/admin_person.html", person=trainee,
                           checklists=checklists, certificates=certificates_of(trainee.id),
                           today=date.today(), issue_form=IssueForm(), form=refused,
                           refused_id=refused_id)


@bp.post("/admin/people/<int:user_id>/certificates/<program_slug>")
@role_required(Role.ADMIN)
def admin_issue(user_id: int, program_slug: str) -> Response:
    """Issue a certificate for a trainee whose requirements are met."""
    trainee = db.get_or_404(User, user_id)
    program = _program_or_404(program_slug)
    form = IssueForm()
    if not form.validate_on_submit():
        abort(400)
    offered = profiles(program, trainee_edition(trainee.id, program))
    if form.profile.data and form.profile.data not in offered:
        flash("That certificate is not offered by this program. Nothing was issued.", "error")
        return redirect(url_for("certification.person_certificates", user_id=trainee.id))
    return _act(trainee.id, lambda: issuing.claim(trainee, program, form.profile.data or None,
                                                  date.today(), issued_by=current_user),
                "Certificate {code} issued.")


@bp.post("/admin/certificates/<code>/revoke")
@role_required(Role.ADMIN)
def revoke(code: str) -> Response | tuple[str, int]:
    """Revoke a certificate with a required, public reason."""
    certificate = _certificate_or_404(code)
    form = RevokeForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        holder = db.get_or_404(User, certificate.user_id)
        return _person_page(holder, form, certificate.id), 400
    return _act(certificate.user_id,
                lambda: issuing.revoke(certificate, form.reason.data or "", current_user),
                f"Certificate {format_code(certificate.code)} is revoked.")


@bp.post("/admin/certificates/<code>/reissue")
@role_required(Role.ADMIN)
def reissue(code: str) -> Response:
    """Reissue under the holder's current name; the old certificate is superseded."""
    certificate = _certificate_or_404(code)
    program = _program_or_404(certificate.program_slug)
    if not IssueForm().validate_on_submit():
        abort(400)
    return _act(certificate.user_id,
                lambda: issuing.reissue(certificate, program, current_user, date.today()),
                "Certificate {code} issued; the old one is now superseded.")


@bp.post("/admin/certificates/<code>/renew")
@role_required(Role.ADMIN)
def renew(code: str) -> Response:
    """Renew once the continuing practice is approved; the old certificate is superseded."""
    certificate = _certificate_or_404(code)
    program = _program_or_404(certificate.program_slug)
    if not IssueForm().validate_on_submit():
        abort(400)
    return _act(certificate.user_id,
                lambda: issuing.renew(certificate, program, current_user, date.today()),
                "Certificate {code} issued as the renewal; the old one is now superseded.")


def _act(user_id: int, action: Callable[[], Certificate | None], success: str) -> Response:
    """Run an admin action, commit once, and say what happened or why not."""
    try:
        result = action()
    except CertificationError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        code = format_code(result.code) if isinstance(result, Certificate) else ""
        flash(success.format(code=code), "success")
    return redirect(url_for("certification.person_certificates", user_id=user_id))
