"""Wallet collection: offers, access tokens, nonces and the copies issued into wallets.

The OpenID4VCI rules are in oid4vci.py; this module keeps their state. It flushes and never
commits, except that a wrong transaction code is counted even though the request is refused.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from lms.auth.models import User
from lms.certification import signing
from lms.certification.audited import wallet_copy_facts
from lms.certification.credentials.credential import sign_credential
from lms.certification.models import (
    Certificate,
    WalletCopy,
    WalletNonce,
    WalletOffer,
)
from lms.certification.oid4vci import (
    NONCE_SECONDS,
    OFFER_MINUTES,
    TOKEN_SECONDS,
    Oid4vciError,
    Proof,
    bind_copy,
    credential_offer,
    new_secret,
    new_tx_code,
    offer_uri,
    sha256_hex,
    tx_code_hash,
)
from lms.extensions import db, execute_dml
from lms.models import utcnow

#: After this many wrong transaction codes the offer is burned: the holder makes a new one.
MAX_TX_CODE_FAILURES = 5


@dataclass(frozen=True)
class ShownOffer:
    """An offer as shown once on the holder's screen."""

    uri: str
    tx_code: str | None
    expires_at: datetime


def credential_issuer() -> str:
    """Return the Credential Issuer Identifier: this instance's public base URL."""
    return signing.base_url()


def make_offer(certificate: Certificate, holder: User, with_tx_code: bool,
               now: datetime | None = None) -> ShownOffer:
    """Create a single-use offer for the holder's active certificate, valid ten minutes."""
    now = now or utcnow()
    if certificate.user_id != holder.id:
        raise Oid4vciError("access_denied", "Only the holder can put a certificate in a wallet.",
                           403)
    if certificate.status_on(now.date()) != "active":
        raise Oid4vciError("access_denied", "Only a current certificate can go into a wallet.")
    code = new_secret()
    tx_code = new_tx_code() if with_tx_code else None
    offer = WalletOffer(certificate_id=certificate.id, user_id=holder.id,
                        code_sha256=sha256_hex(code),
                        tx_code_sha256=tx_code_hash(code, tx_code) if tx_code else None,
                        expires_at=now + timedelta(minutes=OFFER_MINUTES), created_at=now)
    db.session.add(offer)
    db.session.flush()
    document = credential_offer(credential_issuer(), code, tx_code is not None)
    return ShownOffer(offer_uri(document), tx_code, offer.expires_at)


def redeem(code: Any, tx_code: Any, now: datetime | None = None) -> tuple[str, int]:
    """Exchange a pre-authorized code (and its transaction code) for an access token, once.

    A wrong transaction code is counted at once, in its own statement, so that a refusal
    still spends one of the five tries.
    """
    now = now or utcnow()
    if not isinstance(code, str) or not code:
        raise Oid4vciError("invalid_request", "pre-authorized_code is missing.")
    offer = db.session.scalar(select(WalletOffer).filter_by(code_sha256=sha256_hex(code))
                              .with_for_update())
    if offer is None or offer.redeemed_at is not None or offer.burned_at is not None:
        raise Oid4vciError("invalid_grant", "This offer code is unknown or was already used; "
                           "make a new offer on your certificate page.")
    if now >= offer.expires_at:
        raise Oid4vciError("invalid_grant", "This offer code has expired (offers last "
                           f"{OFFER_MINUTES} minutes); make a new one.")
    if offer.tx_code_sha256 is not None:
        if not isinstance(tx_code, str) or not tx_code:
            raise Oid4vciError("invalid_request", "This offer needs the transaction code shown "
                               "under its QR code.")
        if tx_code_hash(code, tx_code) != offer.tx_code_sha256:
            _count_wrong_tx_code(offer, now)
            left = MAX_TX_CODE_FAILURES - offer.failed_tx_codes
            raise Oid4vciError("invalid_grant", "The transaction code is wrong; " + (
                f"{left} tries left." if left > 0 else "the offer is now cancelled; make a new "
                "one on your certificate page."))
    elif tx_code not in (None, ""):
        raise Oid4vciError("invalid_request", "This offer has no transaction code.")
    token = new_secret()
    offer.redeemed_at = now
    offer.token_sha256 = sha256_hex(token)
    offer.token_expires_at = now + timedelta(seconds=TOKEN_SECONDS)
    db.session.flush()
    return token, TOKEN_SECONDS


def _count_wrong_tx_code(offer: WalletOffer, now: datetime) -> None:
    offer.failed_tx_codes += 1
    if offer.failed_tx_codes >= MAX_TX_CODE_FAILURES:
        offer.burned_at = now
    db.session.flush()


def new_nonce(now: datetime | None = None) -> tuple[str, int]:
    """Return a fresh c_nonce for one proof, valid five minutes."""
    now = now or utcnow()
    nonce = new_secret()
    db.session.add(WalletNonce(nonce_sha256=sha256_hex(nonce),
                               expires_at=now + timedelta(seconds=NONCE_SECONDS)))
    # Spent and expired nonces are of no further use: clear them as new ones are made.
    execute_dml(delete(WalletNonce).where(
        WalletNonce.expires_at < now - timedelta(hours=1))
                .execution_options(synchronize_session=False))
    db.session.flush()
    return nonce, NONCE_SECONDS


def offer_for_token(token: str | None, now: datetime | None = None) -> WalletOffer:
    """Return the offer an unspent, unexpired access token belongs to."""
    now = now or utcnow()
    offer = None if not token else db.session.scalar(
        select(WalletOffer).filter_by(token_sha256=sha256_hex(token)).with_for_update())
    if (offer is None or offer.used_at is not None or offer.token_expires_at is None
            or now >= offer.token_expires_at):
        raise Oid4vciError("invalid_token", "The access token is unknown, expired or spent.",
                           401)
    return offer


def spend_nonce(nonce: str, now: datetime | None = None) -> None:
    """Mark a c_nonce used, refusing one never issued, already used or expired."""
    now = now or utcnow()
    spent = execute_dml(update(WalletNonce).where(
        WalletNonce.nonce_sha256 == sha256_hex(nonce), WalletNonce.used_at.is_(None),
        WalletNonce.expires_at > now).values(used_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if spent != 1:
        raise Oid4vciError("invalid_nonce", "The proof's c_nonce is unknown, used or expired; "
                           "ask the nonce endpoint for a new one.")


def issue_copy(offer: WalletOffer, proof: Proof, now: datetime | None = None) -> dict[str, Any]:
    """Issue the certificate into the wallet whose key signed the proof; store and audit it."""
    now = now or utcnow()
    spend_nonce(proof.nonce, now)
    certificate = db.session.get(Certificate, offer.certificate_id)
    assert certificate is not None
    shown = certificate.status_on(now.date())
    if shown != "active":
        raise Oid4vciError("credential_request_denied", f"The certificate is {shown}.")
    public_id = str(uuid.uuid4())
    issuer = {"id": signing.issuer_id(), "type": ["Profile"], "name": signing.issuer_name(),
              "url": signing.issuer_url()}
    unsigned = bind_copy(json.loads(certificate.credential_json), f"urn:uuid:{public_id}",
                         proof.holder_did, issuer)
    signed = sign_credential(unsigned, signing.signing_key(),
                             signing.current_verification_method())
    copy = WalletCopy(public_id=public_id, certificate_id=certificate.id, offer_id=offer.id,
                      holder_did=proof.holder_did, credential_json=signing.to_json(signed),
                      created_at=now)
    offer.used_at = now
    db.session.add(copy)
    db.session.flush()
    holder = db.session.get(User, offer.user_id)
    _audit(copy, certificate, holder)
    return signed


def _audit(copy: WalletCopy, certificate: Certificate, holder: User | None) -> None:
    from lms.audit.services import append_event

    append_event("certificate.wallet_copy", holder, copy,
                 wallet_copy_facts(copy, certificate.code),
                 about=certificate.user_id)


def copies_of(certificate_id: int) -> list[WalletCopy]:
    """Return the wallet copies issued from one certificate, oldest first."""
    return list(db.session.scalars(select(WalletCopy).filter_by(certificate_id=certificate_id)
                                   .order_by(WalletCopy.id)))
