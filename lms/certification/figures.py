"""Certificates as SQL building blocks for reports, so reports never read certification's tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, SQLColumnExpression, case, func, select

from lms.certification.models import Certificate, CertificateStatus, status_is
from lms.extensions import db

__all__ = ["FAR_FUTURE", "ActiveCertificate", "active_certificate_columns", "active_from_row",
           "certificate_rows", "issued_since", "trainee_columns"]


def trainee_columns() -> list[SQLColumnExpression[int]]:
    """Return the column naming the holder in the certificate table a trainee's stage reads."""
    return [Certificate.user_id]

#: Stands in for "never expires" so one comparison covers every active certificate.
FAR_FUTURE = date(9999, 12, 31)


def certificate_rows(user_ids: Select[int] | None = None
                     ) -> Select[int, str, int, date, int, date]:
    """Return (user_id, program_slug, issued, first_issued, active, expires_on) per enrolment.

    `active` is 1 when a certificate is active (expired or not); `expires_on` is its expiry
    date, FAR_FUTURE when it never expires, NULL when none is active.
    """
    is_active = status_is(CertificateStatus.ACTIVE)
    query = (select(Certificate.user_id.label("user_id"),
                   Certificate.program_slug.label("program_slug"),
                   func.count().label("issued"),
                   func.min(Certificate.issued_on).label("first_issued"),
                   func.max(case((is_active, 1), else_=0)).label("active"),
                   func.max(case((is_active, func.coalesce(Certificate.expires_on, FAR_FUTURE))),
                            type_=Date).label("expires_on"))
            .group_by(Certificate.user_id, Certificate.program_slug))
    return query if user_ids is None else query.where(Certificate.user_id.in_(user_ids))


def issued_since(day: date) -> int:
    """Return how many certificates were issued on or after a day."""
    query = select(func.count()).select_from(Certificate).where(Certificate.issued_on >= day)
    return int(db.session.scalar(query) or 0)


@dataclass(frozen=True)
class ActiveCertificate:
    """What the start page shows of an active certificate, read along with other figures."""

    code: str
    expires_on: date | None
    status: CertificateStatus = CertificateStatus.ACTIVE


def active_certificate_columns(user_id: ColumnElement[int], program_slug: ColumnElement[str]
                               ) -> list[ColumnElement[Any]]:
    """Return the active certificate's code and expiry as columns correlated to an enrolment.

    At most one certificate is active per trainee and program (uq_certificate_active), so each
    scalar subquery finds one row through that index, or NULL.
    """
    def column(value: Any, label: str) -> ColumnElement[Any]:
        return (select(value).where(Certificate.user_id == user_id,
                                    Certificate.program_slug == program_slug,
                                    status_is(CertificateStatus.ACTIVE))
                .scalar_subquery().label(label))

    return [column(Certificate.code, "certificate_code"),
            column(Certificate.expires_on, "certificate_expires_on")]


def active_from_row(extra: dict[str, Any]) -> ActiveCertificate | None:
    """Return the active certificate from the columns of active_certificate_columns()."""
    code = extra.get("certificate_code")
    return None if code is None else ActiveCertificate(code, extra.get("certificate_expires_on"))
