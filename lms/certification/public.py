"""Public look-ups for the verify pages: what anyone may see about a certificate.

These run on every verification, so they read plain rows with prepared statements instead of
loading ORM objects: the statement is built once, and only the public columns are fetched.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, Select, bindparam, select

from lms.certification.codes import format_code, parse_code
from lms.certification.models import Certificate, shown_status
from lms.extensions import db

#: What a public page may show; practice time appears as totals only, never entries or notes.
PUBLIC_CERTIFIED_KEYS = ("profile", "modules", "practice", "practice_minutes_counted",
                         "supervision_minutes", "competencies")

# Table columns rather than ORM attributes: a plain Core select skips the ORM's loading steps.
_certificate = Certificate.__table__.c
_successor = Certificate.__table__.alias("successor").c


def _public_select() -> Select[Any]:
    """Select the public columns, and the code of any certificate that replaced this one."""
    replaced_by = (select(_successor.code).where(_successor.replaces_id == _certificate.id)
                   .limit(1).scalar_subquery())
    return select(_certificate.code, _certificate.holder_name, _certificate.program_title,
                  _certificate.profile_title, _certificate.issued_on, _certificate.expires_on,
                  _certificate.status, _certificate.status_changed_at,
                  _certificate.status_reason, _certificate.certified,
                  replaced_by.label("replaced_by"))


_BY_CODE = _public_select().where(_certificate.code == bindparam("code"))
_BY_PDF_DIGEST = _public_select().where(_certificate.pdf_sha256 == bindparam("digest"))
_CREDENTIAL_BY_CODE = select(_certificate.credential_json).where(
    _certificate.code == bindparam("code"))


@dataclass(frozen=True)
class PublicFacts:
    """What the public verification page and JSON may show: never e-mail or practice notes."""

    code: str
    holder_name: str
    program_title: str
    profile_title: str
    issued_on: date
    expires_on: date | None
    status: str
    status_date: date
    status_reason: str | None
    certified: dict[str, Any]
    replaced_by: str | None

    def as_json(self) -> dict[str, Any]:
        """Return the facts as JSON-ready values."""
        return {
            "code": self.code,
            "status": self.status,
            "status_date": self.status_date.isoformat(),
            "status_reason": self.status_reason,
            "holder_name": self.holder_name,
            "program": self.program_title,
            "credential_name": self.profile_title,
            "issued_on": self.issued_on.isoformat(),
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "certified": self.certified,
            "replaced_by": self.replaced_by,
        }


def find_public(code_text: str) -> Row[Any] | None:
    """Return a certificate's public row; raise InvalidCode before touching the database."""
    code = parse_code(code_text)
    return db.session.execute(_BY_CODE, {"code": code}).one_or_none()


def find_public_by_pdf(content: bytes) -> Row[Any] | None:
    """Return the public row of the certificate whose issued PDF has exactly these bytes."""
    digest = hashlib.sha256(content).hexdigest()
    return db.session.execute(_BY_PDF_DIGEST, {"digest": digest}).one_or_none()


def signed_credential(code_text: str) -> str | None:
    """Return the signed credential exactly as issued; raise InvalidCode for a bad code."""
    code = parse_code(code_text)
    return db.session.execute(_CREDENTIAL_BY_CODE, {"code": code}).scalar_one_or_none()


def public_facts(record: Row[Any], today: date) -> PublicFacts:
    """Return the facts about a certificate that anyone may see, as they stand today."""
    status = shown_status(record.status, record.expires_on, today)
    status_date = record.status_changed_at.date()
    if status == "expired" and record.expires_on:
        status_date = record.expires_on
    elif status == "active":
        status_date = record.issued_on
    certified = {key: record.certified[key] for key in PUBLIC_CERTIFIED_KEYS
                 if key in record.certified}
    replaced_by = record.replaced_by if status == "superseded" else None
    return PublicFacts(
        code=format_code(record.code), holder_name=record.holder_name,
        program_title=record.program_title, profile_title=record.profile_title,
        issued_on=record.issued_on, expires_on=record.expires_on, status=status,
        status_date=status_date, status_reason=record.status_reason, certified=certified,
        replaced_by=format_code(replaced_by) if replaced_by else None,
    )
