"""Certificates: issued once, never deleted, and checked by anyone by their code."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    Date,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    event,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from lms.extensions import Model
from lms.models import UTCDateTime, after_create, utcnow


class CertificateStatus(enum.StrEnum):
    """The stored status; "expired" is worked out from the expiry date, not stored."""

    ACTIVE = "active"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class CertificateDeletion(Exception):
    """Certificates are never deleted: revoke or supersede them instead."""


class Certificate(Model):
    """One issued certificate with a snapshot of what it certifies."""

    __table_args__ = (
        # At most one active certificate per trainee and program, whatever the code path.
        Index(
            "uq_certificate_active",
            "user_id",
            "program_slug",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        CheckConstraint("expires_on IS NULL OR expires_on > issued_on", name="expiry_after_issue"),
        CheckConstraint(
            "status = 'active' OR status_reason IS NOT NULL", name="status_change_has_reason"
        ),
        CheckConstraint("length(code) = 16", name="code_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 16 Crockford base32 characters (the last is a check character), no dashes.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    program_slug: Mapped[str] = mapped_column(String(64))
    program_title: Mapped[str] = mapped_column(String(200))
    profile_slug: Mapped[str] = mapped_column(String(64))
    profile_title: Mapped[str] = mapped_column(String(200))
    #: The edition of the program's requirements it was issued under (renewals keep it).
    edition: Mapped[int] = mapped_column(default=1, server_default="1")
    #: The program's content hash when the certificate was issued.
    content_version: Mapped[str] = mapped_column(String(64))
    #: The name exactly as printed; a later name change needs a reissue.
    holder_name: Mapped[str] = mapped_column(String(120))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[CertificateStatus] = mapped_column(
        Enum(
            CertificateStatus,
            native_enum=False,
            length=20,
            create_constraint=True,
            values_callable=lambda e: [m.value for m in e],
            name="certificate_status",
        ),
        default=CertificateStatus.ACTIVE,
    )
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_reason: Mapped[str | None] = mapped_column(Text)
    #: What was certified: modules, approved minutes by activity, supervision, competencies.
    certified: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Index of this certificate's bit in the revocation status list.
    status_index: Mapped[int] = mapped_column(unique=True)
    #: The signed OpenBadgeCredential, exactly as served.
    credential_json: Mapped[str] = deferred(mapped_column(Text, nullable=False))
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    pdf_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: The certificate this one replaces (renewal or reissue), which is then superseded.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def status_on(self, today: date) -> str:
        """Return the status to show: active, expired, revoked or superseded."""
        return shown_status(self.status, self.expires_on, today)


def status_is(status: CertificateStatus) -> ColumnElement[bool]:
    """Return "the certificate's status is this one", with the status written into the SQL."""
    # As a bound parameter the status could decide whether uq_certificate_active (a partial
    # index on status = 'active') applies, so SQLite prepared the statement afresh on every
    # run (about 140 µs of the start page) and PostgreSQL's generic plans could not use it.
    return Certificate.status == literal_column(f"'{status.value}'")


def shown_status(status: CertificateStatus, expires_on: date | None, today: date) -> str:
    """Return the status to show: an active certificate past its expiry date is expired."""
    if status is CertificateStatus.ACTIVE and expires_on and today >= expires_on:
        return "expired"
    return status.value


@event.listens_for(Certificate, "before_delete")
def _refuse_deletion(_mapper: Any, _connection: Any, target: Certificate) -> None:
    raise CertificateDeletion(f"certificate {target.code} cannot be deleted; revoke it instead")


# The database itself keeps certificates, whatever the code path or a hand-typed SQL statement:
# no deletion, no change to what one states, and only active -> revoked or superseded, once,
# with a date and a reason. Keep in step with the migration "certificates and supervision
# sessions are kept".
CERTIFICATE_KEPT = ("certificates are kept as issued: only an active one can be revoked or "
                    "superseded, once, with a date and a reason")
STATUS_COLUMNS = ("status", "status_reason", "status_changed_at")
_ALLOWED_CHANGE = ("OLD.status = 'active' AND NEW.status IN ('revoked', 'superseded') "
                   "AND NEW.status_reason IS NOT NULL AND trim(NEW.status_reason) <> '' "
                   "AND NEW.status_changed_at IS NOT NULL")


def sqlite_certificate_kept(columns: list[str]) -> tuple[str, ...]:
    """Return SQLite triggers refusing deletion and every change but one status change."""
    # SQLite triggers cannot loop over columns, so every fact column is named.
    same = " AND ".join(f"NEW.{name} IS OLD.{name}" for name in columns
                        if name not in STATUS_COLUMNS)
    return (
        "CREATE TRIGGER certificate_kept_delete BEFORE DELETE ON certificate "
        f"BEGIN SELECT RAISE(ABORT, '{CERTIFICATE_KEPT}'); END",
        "CREATE TRIGGER certificate_kept_update BEFORE UPDATE ON certificate "
        f"WHEN NOT ({_ALLOWED_CHANGE} AND NEW.status_changed_at IS NOT OLD.status_changed_at "
        f"AND {same}) BEGIN SELECT RAISE(ABORT, '{CERTIFICATE_KEPT}'); END",
    )


POSTGRESQL_CERTIFICATE_KEPT = (
    "CREATE OR REPLACE FUNCTION certificate_kept() RETURNS trigger AS $$ BEGIN "
    "IF TG_OP = 'UPDATE' AND " + _ALLOWED_CHANGE + " "
    "AND NEW.status_changed_at IS DISTINCT FROM OLD.status_changed_at "
    # Every other column, including any added later, must stay as it was.
    "AND to_jsonb(NEW) - ARRAY['status', 'status_reason', 'status_changed_at'] "
    "= to_jsonb(OLD) - ARRAY['status', 'status_reason', 'status_changed_at'] "
    "THEN RETURN NEW; END IF; "
    f"RAISE EXCEPTION '{CERTIFICATE_KEPT}' USING ERRCODE = 'restrict_violation'; "
    "END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER certificate_kept BEFORE UPDATE OR DELETE ON certificate "
    "FOR EACH ROW EXECUTE FUNCTION certificate_kept()",
    "CREATE TRIGGER certificate_kept_truncate BEFORE TRUNCATE ON certificate "
    "FOR EACH STATEMENT EXECUTE FUNCTION certificate_kept()",
)

after_create(Certificate,
             sqlite_certificate_kept([column.name for column in Certificate.__table__.c]),
             POSTGRESQL_CERTIFICATE_KEPT)


class IssuerKey(Model):
    """A public key that has signed credentials; it stays published after rotation."""

    id: Mapped[int] = mapped_column(primary_key=True)
    public_multibase: Mapped[str] = mapped_column(String(120), unique=True)
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CredentialHolder(Model):
    """A person's public holder id, random and stored, named in the credentials they hold.

    Credentials issued before it existed carry an id derived from the user id; they are
    signed, so they keep it.
    """

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True,
                                         autoincrement=False)
    #: A random UUID (version 4): nothing about the person can be worked out from it.
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WalletOffer(Model):
    """A single-use offer to collect a certificate into a wallet (OpenID4VCI pre-authorized).

    Only hashes are kept: the pre-authorized code and the transaction code are shown once.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    #: SHA-256 of the pre-authorized code (256 random bits).
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the code and the transaction code together, or None when none is asked.
    tx_code_sha256: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failed_tx_codes: Mapped[int] = mapped_column(default=0, server_default="0")
    #: When five wrong transaction codes (or the holder) made the offer unusable.
    burned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the code was exchanged for an access token (so it cannot be exchanged again).
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the access token was spent on a credential.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WalletNonce(Model):
    """A c_nonce from the nonce endpoint: one proof may use it, once, within minutes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WalletCopy(Model):
    """A credential issued into a holder's wallet: the certificate, bound to the wallet's key.

    It carries the certificate's status entry, so revoking the certificate revokes every copy.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The copy's credential id is urn:uuid:<public_id>.
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("wallet_offer.id"), unique=True)
    #: The holder's DID (did:key or did:jwk) named as the credential subject.
    holder_did: Mapped[str] = mapped_column(Text)
    #: The signed credential, exactly as handed to the wallet.
    credential_json: Mapped[str] = deferred(mapped_column(Text, nullable=False))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(WalletCopy, "before_delete")
def _refuse_copy_deletion(_mapper: Any, _connection: Any, target: WalletCopy) -> None:
    raise CertificateDeletion(f"wallet copy {target.public_id} cannot be deleted")


# A wallet copy is a credential already in someone's wallet: like the certificate, the
# database keeps it exactly as issued, whatever the code path. Keep in step with the migration
# "wallet copies are kept".
WALLET_COPY_KEPT = "wallet copies are kept as issued"
SQLITE_WALLET_COPY_KEPT = tuple(
    f"CREATE TRIGGER wallet_copy_kept_{action.lower()} BEFORE {action} ON wallet_copy "
    f"BEGIN SELECT RAISE(ABORT, '{WALLET_COPY_KEPT}'); END" for action in ("UPDATE", "DELETE"))
POSTGRESQL_WALLET_COPY_KEPT = (
    "CREATE OR REPLACE FUNCTION wallet_copy_kept() RETURNS trigger AS $$ BEGIN "
    f"RAISE EXCEPTION '{WALLET_COPY_KEPT}' USING ERRCODE = 'restrict_violation'; "
    "END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER wallet_copy_kept BEFORE UPDATE OR DELETE ON wallet_copy "
    "FOR EACH ROW EXECUTE FUNCTION wallet_copy_kept()",
    "CREATE TRIGGER wallet_copy_kept_truncate BEFORE TRUNCATE ON wallet_copy "
    "FOR EACH STATEMENT EXECUTE FUNCTION wallet_copy_kept()",
)
after_create(WalletCopy, SQLITE_WALLET_COPY_KEPT, POSTGRESQL_WALLET_COPY_KEPT)
