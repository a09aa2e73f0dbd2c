"""Issuing, revoking, reissuing and renewing certificates against a real database."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date, timedelta

import pypdf
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.catalog.profile import practice_rules, profile
from lms.catalog.services import get_catalog
from lms.certification import issuing
from lms.certification.codes import format_code, parse_code
from lms.certification.credentials.credential import verify_credential
from lms.certification.credentials.keys import verification_methods
from lms.certification.models import Certificate, CertificateDeletion, CertificateStatus
from lms.certification.services import CertificationError, active_certificate
from lms.certification.signing import issuer_document
from lms.extensions import db
from tests.certification.records import make_eligible
from tests.conftest import get_user


@pytest.fixture
def program(app):
    with app.app_context():
        return get_catalog().program("foundations")


def test_claim_before_eligibility_says_what_is_missing(app, people, app_ctx, program):
    with pytest.raises(CertificationError, match="Not everything is done yet"):
        issuing.claim(get_user(people["trainee"]), program, None, date.today())


def test_claim_issues_a_complete_certificate(app, people, app_ctx, program, monkeypatch):
    make_eligible(monkeypatch, people["trainee"], program)
    today = date(2026, 11, 23)
    certificate = issuing.claim(get_user(people["trainee"]), program, None, today)
    db.session.flush()
    assert parse_code(certificate.code) == certificate.code and len(certificate.code) == 16
    assert certificate.holder_name == "Jordan Trainee"
    assert certificate.expires_on == date(2028, 11, 23)
    assert certificate.content_version == program.version
    assert len(certificate.certified["modules"]) == len(program.modules)
    assert certificate.certified["practice_minutes_counted"] == 1300
    assert {item["key"] for item in certificate.certified["competencies"]} >= set(
        profile(program).competencies)

    pdf = pypdf.PdfReader(io.BytesIO(certificate.pdf))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Jordan Trainee" in text and format_code(certificate.code) in text
    assert hashlib.sha256(certificate.pdf).hexdigest() == certificate.pdf_sha256
    attached = pdf.attachments["credential.json"][0]
    assert json.loads(attached) == json.loads(certificate.credential_json)

    credential = json.loads(certificate.credential_json)
    keys = verification_methods(issuer_document())
    assert verify_credential(credential, keys)
    assert credential["credentialSubject"]["achievement"]["name"] == certificate.profile_title
    assert "@" not in json.dumps(credential["credentialSubject"])  # never an e-mail address
    tampered = json.loads(certificate.credential_json.replace("Jordan Trainee", "Jordan Tramee"))
    assert not verify_credential(tampered, keys)


def test_one_active_certificate_per_program_is_enforced_by_the_schema(
        app, people, app_ctx, program, monkeypatch):
    make_eligible(monkeypatch, people["trainee"], program)
    first = issuing.claim(get_user(people["trainee"]), program, None, date.today())
    with pytest.raises(CertificationError, match="already an active certificate"):
        issuing.claim(get_user(people["trainee"]), program, None, date.today())
    duplicate = Certificate(**{column.key: getattr(first, column.key)
                               for column in Certificate.__table__.columns
                               if column.key not in ("id", "code", "status_index", "pdf_sha256")},
                            code="0" * 15 + "0", status_index=first.status_index + 1,
                            pdf_sha256="0" * 64)
    db.session.add(duplicate)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_certificates_are_never_deleted(app, people, app_ctx, program, monkeypatch):
    make_eligible(monkeypatch, people["trainee"], program)
    certificate = issuing.claim(get_user(people["trainee"]), program, None, date.today())
    db.session.flush()
    db.session.delete(certificate)
    with pytest.raises(CertificateDeletion):
        db.session.flush()
    db.session.rollback()


def test_revoke_needs_a_reason_and_is_final(app, people, app_ctx, program, monkeypatch):
    make_eligible(monkeypatch, people["trainee"], program)
    certificate = issuing.claim(get_user(people["trainee"]), program, None, date.today())
    admin = get_user(people["admin"])
    with pytest.raises(CertificationError, match="reason"):
        issuing.revoke(certificate, "   ", admin)
    issuing.revoke(certificate, "Issued in error", admin)
    assert certificate.status is CertificateStatus.REVOKED
    with pytest.raises(CertificationError, match="already revoked"):
        issuing.revoke(certificate, "again", admin)
    assert active_certificate(people["trainee"], program.slug) is None


def test_reissue_after_a_name_change_supersedes(app, people, app_ctx, program, monkeypatch):
    make_eligible(monkeypatch, people["trainee"], program)
    trainee = get_user(people["trainee"])
    old = issuing.claim(trainee, program, None, date.today())
    admin = get_user(people["admin"])
    with pytest.raises(CertificationError, match="already matches"):
        issuing.reissue(old, program, admin, date.today())
    trainee.display_name = "Jordan Rivera"
    new = issuing.reissue(old, program, admin, date.today())
    assert old.status is CertificateStatus.SUPERSEDED and new.replaces_id == old.id
    assert new.holder_name == "Jordan Rivera" and new.expires_on == old.expires_on
    assert new.certified == old.certified


def test_renewal_needs_continuing_practice(app, people, app_ctx, program, monkeypatch):
    records = make_eligible(monkeypatch, people["trainee"], program)
    old = issuing.claim(get_user(people["trainee"]), program, None, date(2026, 1, 10))
    with pytest.raises(CertificationError, match="Renewal needs 10 hours"):
        issuing.renew(old, program, None, date(2027, 12, 1))
    records.since_minutes = {"one-to-one": 600}
    new = issuing.renew(old, program, None, date(2027, 12, 1))
    assert old.status is CertificateStatus.SUPERSEDED
    assert new.issued_on == date(2027, 12, 1) and new.expires_on == date(2029, 12, 1)
    statuses = db.session.scalars(select(Certificate.status).order_by(Certificate.id)).all()
    assert statuses == [CertificateStatus.SUPERSEDED, CertificateStatus.ACTIVE]


def test_status_reads_expired_after_the_expiry_date(app, people, app_ctx, program, monkeypatch):
    make_eligible(monkeypatch, people["trainee"], program)
    certificate = issuing.claim(get_user(people["trainee"]), program, None, date(2024, 1, 1))
    assert certificate.status_on(date(2025, 12, 31)) == "active"
    assert certificate.status_on(date(2026, 1, 1)) == "expired"


def test_add_months_clamps_to_month_end():
    assert issuing.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert issuing.add_months(date(2024, 2, 29), 24) == date(2026, 2, 28)
    assert issuing.add_months(date(2026, 11, 23), 24) == date(2028, 11, 23)
    assert issuing.add_months(date(2026, 12, 1), 1) - date(2026, 12, 1) == timedelta(days=31)


def test_counting_rules_come_from_program_yaml(program):
    rules = practice_rules(program)
    assert "supervision-received" not in rules.counted_keys
    assert "one-to-one" in rules.counted_keys


def test_real_records_from_every_feature_make_a_trainee_eligible(app, people, app_ctx, program):
    from lms.certification.services import eligibility_for
    from tests.certification.records import earn_everything

    trainee = get_user(people["trainee"])
    before = eligibility_for(trainee, program)
    assert not before.met and len(before.missing) == len(before.requirements)
    earn_everything(people["trainee"], people["supervisor"])
    after = eligibility_for(trainee, program)
    assert after.met, [item.label for item in after.missing]
    certificate = issuing.claim(trainee, program, None, date.today())
    assert certificate.certified["practice_minutes_counted"] == 1320
    assert certificate.certified["supervision_minutes"] == 240
    # The stricter IC&RC-modelled profile is still far away: 500 hours of practice.
    icrc = eligibility_for(trainee, program, "icrc-peer-recovery")
    assert not icrc.met and any(item.kind == "practice" for item in icrc.missing)
