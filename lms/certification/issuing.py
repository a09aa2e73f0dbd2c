"""Issuing, revoking, reissuing and renewing certificates."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.catalog.content import Program
from lms.catalog.profile import RequirementProfile, profile
from lms.certification import signing
from lms.certification.audited import certificate_facts_sha256
from lms.certification.codes import format_code, new_code
from lms.certification.credentials.credential import build_credential, sign_credential
from lms.certification.credentials.status_list import random_free_index
from lms.certification.models import Certificate, CertificateStatus, CredentialHolder
from lms.certification.qr import qr_svg
from lms.certification.services import (
    AlreadyIssued,
    CertificationError,
    active_certificate,
    continuing_minutes,
    eligibility_of,
    snapshot,
    trainee_edition,
    trainee_records,
)
from lms.certification.verify_cache import verify_cache
from lms.extensions import db
from lms.models import utcnow
from lms.notifications.services import send_certificate_issued, send_certificate_revoked

ROOT = Path(__file__).resolve().parents[2]


def add_months(start: date, months: int) -> date:
    """Return the same day `months` later, clamped to the month's end (31 Jan + 1 = 28 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def verify_url(code: str) -> str:
    """Return the printed verification link for a code."""
    return f"{signing.base_url()}/verify/{format_code(code)}"


@dataclass(frozen=True)
class Issue:
    """Everything needed to mint one certificate."""

    trainee: User
    program: Program
    profile: RequirementProfile
    issued_by: User | None
    today: date
    replaces: Certificate | None = None
    certified: dict | None = None  # a reissue keeps what the old certificate certified
    expires_on: date | None = None  # a reissue keeps the old expiry
    edition: int | None = None  # the edition of the requirements it is issued under


def holder_public_id(user_id: int) -> str:
    """Return the person's stored random holder id, creating it at their first credential."""
    query = select(CredentialHolder.public_id).where(CredentialHolder.user_id == user_id)
    existing = db.session.scalar(query)
    if existing is not None:
        return existing
    try:
        with db.session.begin_nested():
            db.session.add(CredentialHolder(user_id=user_id, public_id=str(uuid.uuid4())))
    except IntegrityError:
        pass  # a concurrent first issue stored one a moment ago: use that one
    stored = db.session.scalar(query)
    assert stored is not None
    return stored


def _mint(request: Issue) -> Certificate:
    program, chosen, trainee = request.program, request.profile, request.trainee
    edition = program.edition(request.edition).number
    certified = request.certified or snapshot(
        program, chosen, trainee_records(trainee.id, program), edition)
    expires_on = request.expires_on
    if expires_on is None and chosen.validity_months:
        expires_on = add_months(request.today, chosen.validity_months)
    code = new_code()
    while db.session.scalar(select(Certificate.id).filter_by(code=code)) is not None:
        code = new_code()  # 75 random bits: a repeat is astronomically unlikely, but cheap
    index = random_free_index(signing.used_indexes(), signing.STATUS_LIST_SIZE)
    if not trainee.display_name:
        raise CertificationError("The trainee has not joined yet, so there is no name to print.")
    holder_name = trainee.display_name
    holder_uuid = holder_public_id(trainee.id)
    credential = build_credential(
        credential_id=f"{signing.base_url()}/credentials/{format_code(code)}.json",
        issuer_id=signing.issuer_id(), issuer_name=signing.issuer_name(),
        issuer_url=signing.issuer_url(),
        holder_id=f"urn:uuid:{holder_uuid}",
        holder_name=holder_name,
        achievement_id=f"{signing.base_url()}/programs/{program.slug}#{chosen.slug}",
        achievement_name=chosen.title, achievement_description=program.summary,
        criteria_narrative=_criteria(certified),
        valid_from=request.today, valid_until=expires_on,
        status_list_url=signing.status_list_url(), status_list_index=index,
    )
    signed = sign_credential(credential, signing.signing_key(),
                             signing.current_verification_method())
    credential_json = signing.to_json(signed)
    # Imported here: WeasyPrint and its fonts cost each worker about 25 MB, and only issuing
    # (and the practice summary) needs them.
    from lms.certification.pdf import CertificateValues, PracticeLine, render_certificate_pdf

    pdf = render_certificate_pdf(_design_dir(program), CertificateValues(
        holder_name=holder_name, program_title=chosen.title, issued_on=request.today,
        expires_on=expires_on, code_display=format_code(code), verify_url=verify_url(code),
        modules=tuple(item["title"] for item in certified["modules"]),
        practice_lines=tuple(PracticeLine(item["label"], item["minutes"])
                             for item in certified["practice"]),
        competencies=tuple(item["label"] for item in certified["competencies"]),
        qr_svg=qr_svg(verify_url(code)), issuer_name=signing.issuer_name(),
        supervision_minutes=int(certified.get("supervision_minutes") or 0),
    ), credential_json.encode())
    certificate = Certificate(
        code=code, user_id=trainee.id, program_slug=program.slug,
        program_title=program.title, profile_slug=chosen.slug, profile_title=chosen.title,
        edition=edition, content_version=program.version, holder_name=holder_name,
        issued_on=request.today,
        expires_on=expires_on, status=CertificateStatus.ACTIVE, certified=certified,
        status_index=index, credential_json=credential_json, pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        replaces_id=request.replaces.id if request.replaces else None,
        issued_by_id=request.issued_by.id if request.issued_by else None,
    )
    if request.replaces is not None:
        _change_status(request.replaces, CertificateStatus.SUPERSEDED,
                       f"Replaced by certificate {format_code(code)}", request.issued_by)
        db.session.flush()  # the old one stops being active before the new one starts
    db.session.add(certificate)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # The one-active-certificate index refused it: a simultaneous claim won the race.
        winner = active_certificate(trainee.id, program.slug)
        raise AlreadyIssued(winner.code if winner else None) from None
    _audit("certificate.issue", request.issued_by or trainee, certificate)
    send_certificate_issued(certificate)
    return certificate


def _criteria(certified: dict) -> str:
    parts = [f"Passed {len(certified['modules'])} modules"]
    if certified.get("practice_minutes_counted"):
        parts.append(f"{certified['practice_minutes_counted'] // 60} hours of approved practice")
    if certified.get("supervision_minutes"):
        parts.append(f"{certified['supervision_minutes'] // 60} hours of supervision")
    if certified.get("competencies"):
        parts.append(f"{len(certified['competencies'])} competencies observed by a supervisor")
    return "; ".join(parts) + "."


def _design_dir(program: Program) -> Path:
    root = Path(current_app.config.get("LMS_CERTIFICATES_DIR") or ROOT / "certificates")
    return root / program.certificate_design


def _change_status(certificate: Certificate, status: CertificateStatus, reason: str,
                   actor: User | None) -> None:
    certificate.status = status
    certificate.status_reason = reason
    certificate.status_changed_at = utcnow()
    _audit(f"certificate.{status.value}", actor, certificate)
    # This process shows the change at once; others within the cache's 10 seconds.
    verify_cache().forget(format_code(certificate.code))


def _audit(kind: str, actor: User | None, certificate: Certificate) -> None:
    from lms.audit.services import append_event

    append_event(kind, actor, certificate, {
        "code": certificate.code, "program": certificate.program_slug,
        "status": certificate.status.value, "reason": certificate.status_reason,
        "pdf_sha256": certificate.pdf_sha256,
        "credential_sha256": hashlib.sha256(certificate.credential_json.encode()).hexdigest(),
        # Everything else it states (holder name, dates, what was certified), for
        # `lms audit verify` to find any later change to the row.
        "facts_sha256": certificate_facts_sha256(certificate),
    })


def claim(trainee: User, program: Program, profile_slug: str | None, today: date,
          issued_by: User | None = None) -> Certificate:
    """Issue a certificate when every requirement is met, else say what is missing."""
    edition = trainee_edition(trainee.id, program)
    chosen = profile(program, profile_slug, edition)
    # Gathered once: the checklist and the certificate's snapshot read the same records.
    records = trainee_records(trainee.id, program)
    eligibility = eligibility_of(program, chosen, records)
    if not eligibility.met:
        missing = ", ".join(item.label for item in eligibility.missing[:3])
        more = len(eligibility.missing) - 3
        raise CertificationError(
            f"Not everything is done yet: {missing}" + (f" and {more} more." if more > 0 else "."))
    if (existing := active_certificate(trainee.id, program.slug)) is not None:
        raise AlreadyIssued(existing.code)
    return _mint(Issue(trainee, program, chosen, issued_by, today,
                       certified=snapshot(program, chosen, records, edition), edition=edition))


def revoke(certificate: Certificate, reason: str, actor: User) -> None:
    """Revoke a certificate for good, with the reason shown publicly."""
    reason = " ".join(reason.split())
    if not reason:
        raise CertificationError("Please give the reason for revoking; it is shown publicly.")
    if certificate.status is not CertificateStatus.ACTIVE:
        raise CertificationError(f"This certificate is already {certificate.status.value}.")
    _change_status(certificate, CertificateStatus.REVOKED, reason, actor)
    db.session.flush()
    send_certificate_revoked(certificate)


def reissue(certificate: Certificate, program: Program, actor: User, today: date) -> Certificate:
    """Issue a replacement under the holder's current name; the old one is superseded."""
    if certificate.status is not CertificateStatus.ACTIVE:
        raise CertificationError("Only an active certificate can be reissued.")
    trainee = db.session.get(User, certificate.user_id)
    assert trainee is not None
    if (trainee.display_name or "") == certificate.holder_name:
        raise CertificationError(
            "The name on the certificate already matches the account. Change the name first.")
    chosen = profile(program, certificate.profile_slug, certificate.edition)
    return _mint(Issue(trainee, program, chosen, actor, today, replaces=certificate,
                       certified=dict(certificate.certified), expires_on=certificate.expires_on,
                       edition=certificate.edition))


def renew(certificate: Certificate, program: Program, actor: User | None,
          today: date) -> Certificate:
    """Issue a new certificate once enough continuing practice is approved since the last."""
    if certificate.status is not CertificateStatus.ACTIVE:
        raise CertificationError("Only an active or expired certificate can be renewed.")
    # A renewal keeps the edition the certificate was issued under: holders keep their terms.
    chosen = profile(program, certificate.profile_slug, certificate.edition)
    done = continuing_minutes(certificate, program)
    if done < chosen.renewal_ce_minutes:
        hours_left = (chosen.renewal_ce_minutes - done + 59) // 60
        raise CertificationError(
            f"Renewal needs {chosen.renewal_ce_minutes // 60} hours of approved continuing "
            f"practice since {certificate.issued_on:%d %B %Y}; about {hours_left} more to go.")
    trainee = db.session.get(User, certificate.user_id)
    assert trainee is not None
    return _mint(Issue(trainee, program, chosen, actor, today, replaces=certificate,
                       edition=certificate.edition))


def credential_payload(certificate: Certificate) -> dict:
    """Return the stored signed credential."""
    return json.loads(certificate.credential_json)
