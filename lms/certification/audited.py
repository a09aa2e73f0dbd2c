"""How certificates read in the audit chain, for `lms audit verify` to reconcile."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import undefer

from lms.audit.services import Facts, Key, Ledger, RecordedEvent, sha256_of
from lms.certification.codes import format_code
from lms.certification.models import Certificate, WalletCopy

__all__ = ["certificate_facts_sha256", "certificate_ledger", "wallet_copy_facts",
           "wallet_copy_ledger"]

#: Events that record a certificate: its issue, then at most one change of status.
EVENT_KINDS = ("certificate.issue", "certificate.revoked", "certificate.superseded")


def certificate_facts_sha256(certificate: Certificate) -> str:
    """Return the SHA-256 of what a certificate states, which never changes after issue."""
    return sha256_of({
        "code": certificate.code, "user_id": certificate.user_id,
        "program_slug": certificate.program_slug, "program_title": certificate.program_title,
        "profile_slug": certificate.profile_slug, "profile_title": certificate.profile_title,
        "content_version": certificate.content_version, "holder_name": certificate.holder_name,
        "issued_on": certificate.issued_on.isoformat(),
        "expires_on": certificate.expires_on.isoformat() if certificate.expires_on else None,
        "certified": certificate.certified, "status_index": certificate.status_index,
        "pdf_sha256": certificate.pdf_sha256, "replaces_id": certificate.replaces_id,
        "issued_by_id": certificate.issued_by_id,
    })


def _rows() -> Iterator[tuple[Key, Facts, str]]:
    from lms.extensions import db

    query = (select(Certificate).options(undefer(Certificate.credential_json))
             .order_by(Certificate.id).execution_options(yield_per=200))
    for certificate in db.session.scalars(query):
        yield (("certificate", certificate.id), {
            "code": certificate.code, "program": certificate.program_slug,
            "status": certificate.status.value, "reason": certificate.status_reason,
            "pdf_sha256": certificate.pdf_sha256,
            "credential_sha256": hashlib.sha256(certificate.credential_json.encode()).hexdigest(),
            "facts_sha256": certificate_facts_sha256(certificate),
        }, f"{format_code(certificate.code)} (#{certificate.id})")


def _recorded(event: RecordedEvent) -> tuple[Key, Facts] | None:
    names = ("code", "program", "status", "reason", "pdf_sha256", "credential_sha256",
             "facts_sha256")
    facts: dict[str, Any] = {name: event.payload[name] for name in names
                             if name in event.payload}
    return ("certificate", int(event.subject_id)), facts


def certificate_ledger() -> Ledger:
    """Return the ledger of issued certificates and their status changes."""
    return Ledger("certificate", EVENT_KINDS, _rows, _recorded)


def _copy_rows() -> Iterator[tuple[Key, Facts, str]]:
    from lms.extensions import db

    query = (select(WalletCopy, Certificate.code).join(Certificate)
             .options(undefer(WalletCopy.credential_json))
             .order_by(WalletCopy.id).execution_options(yield_per=200))
    for copy, code in db.session.execute(query):
        yield (("wallet_copy", copy.id), wallet_copy_facts(copy, code),
               f"{copy.public_id} of {format_code(code)} (#{copy.id})")


def wallet_copy_facts(copy: WalletCopy, code: str) -> dict[str, Any]:
    """Return what the audit chain records of a wallet copy, which never changes."""
    return {"public_id": copy.public_id, "certificate_id": copy.certificate_id, "code": code,
            "offer_id": copy.offer_id, "holder_did": copy.holder_did,
            "credential_sha256": hashlib.sha256(copy.credential_json.encode()).hexdigest()}


def _copy_recorded(event: RecordedEvent) -> tuple[Key, Facts] | None:
    return ("wallet_copy", int(event.subject_id)), dict(event.payload)


def wallet_copy_ledger() -> Ledger:
    """Return the ledger of credentials issued into wallets (OpenID4VCI)."""
    return Ledger("wallet copy", ("certificate.wallet_copy",), _copy_rows, _copy_recorded)
