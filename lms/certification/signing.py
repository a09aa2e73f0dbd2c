"""The issuer's identity: its signing key, its published keys and its status list."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.certification.credentials import status_list
from lms.certification.credentials.credential import sign_credential
from lms.certification.credentials.keys import (
    SigningKey,
    SigningKeyError,
    generate_key_file,
    issuer_profile,
    load_signing_key,
    verification_method,
    verification_method_id,
)
from lms.certification.credentials.verification import ThisIssuer
from lms.certification.models import Certificate, CertificateStatus, IssuerKey, status_is
from lms.config import ConfigError
from lms.extensions import db

STATUS_LIST_SIZE = status_list.MIN_ENTRIES


def init_signing(app: Flask) -> None:
    """Load the signing key at start-up; in development create one once in instance/."""
    value = app.config.get("LMS_SIGNING_KEY")
    try:
        if value:
            key = load_signing_key(value)
        elif app.config["LMS_ENV"] == "production":
            raise ConfigError("LMS_SIGNING_KEY is not set; production needs an Ed25519 key "
                              "(a PEM value or the path of a file holding it)")
        else:
            path = Path(app.instance_path) / "signing_key.pem"
            key = load_signing_key(str(path)) if path.exists() else generate_key_file(path)
    except SigningKeyError as error:
        raise ConfigError(str(error)) from None
    app.extensions["lantern.signing_key"] = key


def signing_key() -> SigningKey:
    """Return the key that signs new credentials."""
    return current_app.extensions["lantern.signing_key"]


def base_url() -> str:
    """Return the public base URL printed in links and QR codes."""
    return current_app.config["LMS_BASE_URL"]


def profile_url() -> str:
    """Return the URL of the issuer profile, the issuer's id unless a DID is configured."""
    return f"{base_url()}/issuer"


def issuer_did() -> str | None:
    """Return the issuer's did:web, if one is configured (LMS_ISSUER_DID)."""
    return current_app.config.get("LMS_ISSUER_DID")


def issuer_id() -> str:
    """Return the id that new credentials name as their issuer."""
    return issuer_did() or profile_url()


def issuer_url() -> str:
    """Return the organisation's own website, named in the issuer profile."""
    return current_app.config.get("LMS_ISSUER_URL") or base_url()


def issuer_name() -> str:
    """Return the issuing organisation's name."""
    return current_app.config["LMS_ISSUER_NAME"]


def current_verification_method() -> str:
    """Return the verification method id of the current key, publishing the key if new."""
    key = signing_key()
    known = db.session.scalar(select(IssuerKey).filter_by(public_multibase=key.public_multibase))
    if known is None:
        try:
            with db.session.begin_nested():
                db.session.add(IssuerKey(public_multibase=key.public_multibase))
        except IntegrityError:
            pass  # a concurrent first issue published it a moment ago, which is all we need
    return verification_method_id(issuer_id(), key.public_multibase)


def published_keys() -> list[str]:
    """Return every key that has signed (oldest first), plus the current one."""
    keys = list(db.session.scalars(select(IssuerKey.public_multibase)
                                   .order_by(IssuerKey.first_used_at, IssuerKey.id)))
    current = signing_key().public_multibase
    return keys if current in keys else [*keys, current]


def issuer_document() -> dict[str, Any]:
    """Return the issuer profile at /issuer with all its keys, old ones included.

    It stays in the URL form even once a DID is configured: credentials issued before name
    this profile and its key URLs, and must keep verifying.
    """
    return issuer_profile(profile_url(), issuer_name(), issuer_url(), published_keys())


def did_document() -> dict[str, Any] | None:
    """Return the DID document of the issuer's did:web, with every key, or None if unset."""
    did = issuer_did()
    if did is None:
        return None
    return issuer_profile(did, issuer_name(), issuer_url(), published_keys())


def issuer_key_document(public_multibase: str) -> dict[str, Any]:
    """Return the Multikey document of one of the issuer's keys."""
    return verification_method(profile_url(), public_multibase)


def this_issuer() -> ThisIssuer:
    """Return what this instance knows about itself, for verifying credentials handed to it."""
    ids = {profile_url(), issuer_id()}
    return ThisIssuer(ids=frozenset(ids), name=issuer_name(),
                      public_keys=frozenset(published_keys()),
                      status_list_url=status_list_url(), revoked=revoked_indexes)


def status_list_url() -> str:
    """Return the URL of the revocation status list."""
    return f"{base_url()}/credentials/status/revocation.json"


def revoked_indexes() -> set[int]:
    """Return the status-list indexes of revoked certificates."""
    query = select(Certificate.status_index).where(
        status_is(CertificateStatus.REVOKED))
    return set(db.session.scalars(query))


def used_indexes() -> set[int]:
    """Return every status-list index already given to a certificate."""
    return set(db.session.scalars(select(Certificate.status_index)))


_signed_lists: dict[tuple[str, str, frozenset[int]], dict[str, Any]] = {}


def status_list_document(now: datetime | None = None) -> dict[str, Any]:
    """Return the signed revocation status list as it stands now."""
    revoked = frozenset(revoked_indexes())
    cache_key = (status_list_url(), signing_key().public_multibase, revoked)
    # Signing costs milliseconds; the list only changes when a certificate is revoked.
    cached = _signed_lists.get(cache_key)
    if cached is not None:
        return cached
    encoded = status_list.encode(revoked, STATUS_LIST_SIZE)
    document = status_list.status_list_credential(
        status_list_url(), issuer_id(), encoded, now or datetime.now(UTC), ttl_ms=300_000)
    signed = sign_credential(document, signing_key(), current_verification_method())
    if len(_signed_lists) > 32:
        _signed_lists.clear()
    _signed_lists[cache_key] = signed
    return signed


def to_json(document: dict[str, Any]) -> str:
    """Serialise a credential the same way every time."""
    return json.dumps(document, ensure_ascii=False, sort_keys=False, indent=2)
