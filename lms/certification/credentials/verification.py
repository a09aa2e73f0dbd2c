"""Verify any credential handed to Lantern, in the VC-API shape, without touching the network.

Keys come only from this instance (its current and retired keys) or from a did:key, which
carries its key in its name; contexts come only from the pinned copies. Anything else is refused
with a problem detail that says which check failed, rather than fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lms.certification.credentials import jsonld
from lms.certification.credentials.credential import CRYPTOSUITE, PROOF_TYPE, verify_credential
from lms.certification.credentials.keys import did_key_public_key, method_controlled_by

# Problem types: the W3C ones where the specifications define them (VC Data Model 2.0 §7.1,
# Bitstring Status List §3.7), Lantern's own for checks those specifications leave to verifiers.
W3C = "https://www.w3.org/ns/credentials#"
PARSING_ERROR = W3C + "PARSING_ERROR"
MALFORMED_VALUE_ERROR = W3C + "MALFORMED_VALUE_ERROR"
CRYPTOGRAPHIC_SECURITY_ERROR = W3C + "CRYPTOGRAPHIC_SECURITY_ERROR"
STATUS_VERIFICATION_ERROR = W3C + "STATUS_VERIFICATION_ERROR"
LANTERN = "urn:lantern:problem:"
UNKNOWN_CONTEXT = LANTERN + "UNKNOWN_CONTEXT"
UNRESOLVABLE_ISSUER = LANTERN + "UNRESOLVABLE_ISSUER"
EXPIRED = LANTERN + "EXPIRED"
NOT_YET_VALID = LANTERN + "NOT_YET_VALID"
REVOKED = LANTERN + "REVOKED"
NOT_THIS_ORGANISATION = LANTERN + "NOT_THIS_ORGANISATION"
STATUS_NOT_CHECKED = LANTERN + "STATUS_NOT_CHECKED"


@dataclass(frozen=True)
class ThisIssuer:
    """What this instance knows about itself: its ids, its keys and its revocation list."""

    ids: frozenset[str]
    name: str
    public_keys: Collection[str]
    status_list_url: str
    revoked: Callable[[], Collection[int]]


@dataclass
class Verdict:
    """The VC-API verification result, plus the issuer named and the facts certified."""

    checks: list[str] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    issuer: dict[str, Any] | None = None
    certifies: dict[str, Any] | None = None

    @property
    def verified(self) -> bool:
        """Return whether every check that ran passed."""
        return not self.errors

    def fail(self, kind: str, check: str, title: str, detail: str) -> Verdict:
        """Record a failed check and return self."""
        self.errors.append(problem(kind, check, title, detail))
        return self

    def as_json(self) -> dict[str, Any]:
        """Return the answer body."""
        body: dict[str, Any] = {"verified": self.verified, "checks": self.checks,
                                "warnings": self.warnings, "errors": self.errors}
        if self.issuer is not None:
            body["issuer"] = self.issuer
        if self.certifies is not None:
            body["credential"] = self.certifies
        return body


def problem(kind: str, check: str, title: str, detail: str) -> dict[str, Any]:
    """Return an RFC 9457 problem detail naming the check it belongs to."""
    return {"type": kind, "title": title, "detail": detail, "check": check}


def verify(credential: Any, this: ThisIssuer, now: datetime | None = None) -> Verdict:
    """Return the verdict on one credential: proof, issuer, validity period and status."""
    verdict = Verdict()
    if not isinstance(credential, Mapping):
        return verdict.fail(MALFORMED_VALUE_ERROR, "format", "Not a credential",
                            "verifiableCredential must be a JSON object.")
    issuer_id, issuer_name = _issuer(credential)
    if issuer_id is None:
        return verdict.fail(MALFORMED_VALUE_ERROR, "format", "No issuer",
                            "The credential names no issuer.")
    ours = issuer_id in this.ids
    verdict.issuer = {"id": issuer_id, "name": issuer_name, "thisOrganisation": ours}
    unknown = _unknown_contexts(credential)
    if unknown:
        return verdict.fail(UNKNOWN_CONTEXT, "format", "Unknown context",
                            f"The credential uses a context Lantern does not hold and will not "
                            f"fetch: {', '.join(unknown)}.")
    key = _key_for(credential, issuer_id, this, verdict)
    if key is None:
        return verdict
    if not verify_credential(credential, {key[0]: key[1]}):
        return verdict.fail(CRYPTOGRAPHIC_SECURITY_ERROR, "proof", "The proof does not verify",
                            "The credential was changed after it was signed, or it was not "
                            "signed with the key it names.")
    verdict.checks.append("proof")
    verdict.certifies = _certifies(credential)
    _check_issuer(verdict, ours, this)
    _check_validity(verdict, credential, now or datetime.now(UTC))
    _check_status(verdict, credential, this)
    return verdict


def _issuer(credential: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Return the issuer's id and name, if the credential gives them."""
    issuer = credential.get("issuer")
    if isinstance(issuer, str):
        return issuer, None
    if isinstance(issuer, Mapping) and isinstance(issuer.get("id"), str):
        name = issuer.get("name")
        return issuer["id"], name if isinstance(name, str) else None
    return None, None


def _unknown_contexts(credential: Mapping[str, Any]) -> list[str]:
    """Return the context URLs that are not pinned locally (they would never be fetched)."""
    contexts = credential.get("@context")
    listed = contexts if isinstance(contexts, list) else [contexts]
    return [str(item) for item in listed if isinstance(item, str) and item not in jsonld.PINNED]


def _key_for(credential: Mapping[str, Any], issuer_id: str, this: ThisIssuer,
             verdict: Verdict) -> tuple[str, Any] | None:
    """Return (verification method, key) for the proof, or record why there is none."""
    proof = credential.get("proof")
    if not isinstance(proof, Mapping):
        verdict.fail(CRYPTOGRAPHIC_SECURITY_ERROR, "proof", "No proof",
                     "The credential carries no proof, so nothing shows who issued it.")
        return None
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        verdict.fail(CRYPTOGRAPHIC_SECURITY_ERROR, "proof", "Unsupported proof",
                     f"Lantern verifies {PROOF_TYPE} proofs with the {CRYPTOSUITE} cryptosuite.")
        return None
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        verdict.fail(MALFORMED_VALUE_ERROR, "proof", "No verification method",
                     "The proof does not name the key that made it.")
        return None
    if issuer_id in this.ids and method_controlled_by(method, issuer_id):
        multibase = method.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if multibase in this.public_keys:
            return method, multibase
        verdict.fail(CRYPTOGRAPHIC_SECURITY_ERROR, "proof", "Not one of this issuer's keys",
                     "The proof names a key this organisation has never signed with.")
        return None
    if issuer_id.startswith("did:key:") and method.startswith(issuer_id + "#"):
        try:
            return method, did_key_public_key(method)
        except ValueError:
            verdict.fail(UNRESOLVABLE_ISSUER, "proof", "Cannot resolve this issuer",
                         "The did:key does not hold an Ed25519 key.")
            return None
    verdict.fail(UNRESOLVABLE_ISSUER, "proof", "Cannot resolve this issuer",
                 "Lantern checks only its own keys and did:key issuers, and never fetches keys "
                 f"from elsewhere; ask {issuer_id} how to verify its credentials.")
    return None


def _certifies(credential: Mapping[str, Any]) -> dict[str, Any]:
    """Return the name, holder and dates the credential certifies, to compare with paper."""
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, Mapping) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, Mapping) else {}
    return {"id": credential.get("id"), "name": achievement.get("name") or credential.get("name"),
            "holder": subject.get("name"), "validFrom": credential.get("validFrom"),
            "validUntil": credential.get("validUntil")}


def _check_issuer(verdict: Verdict, ours: bool, this: ThisIssuer) -> None:
    """Say whether the credential comes from this organisation; a did:key never does."""
    if ours:
        verdict.checks.append("issuer")
        return
    verdict.warnings.append(problem(
        NOT_THIS_ORGANISATION, "issuer", f"Not issued by {this.name}",
        "The proof is valid, but the issuer is not this organisation: anyone can make a "
        "did:key, so this says nothing about who the issuer is."))


def _check_validity(verdict: Verdict, credential: Mapping[str, Any], now: datetime) -> None:
    """Check validFrom and validUntil against now."""
    try:
        valid_from = _moment(credential.get("validFrom"))
        valid_until = _moment(credential.get("validUntil"))
    except ValueError as error:
        verdict.fail(MALFORMED_VALUE_ERROR, "expiration", "Unreadable date", str(error))
        return
    if valid_from is not None and now < valid_from:
        verdict.fail(NOT_YET_VALID, "expiration", "Not valid yet",
                     f"The credential is valid from {credential['validFrom']}.")
    elif valid_until is not None and now > valid_until:
        verdict.fail(EXPIRED, "expiration", "Expired",
                     f"The credential expired at {credential['validUntil']}.")
    else:
        verdict.checks.append("expiration")


def _moment(value: Any) -> datetime | None:
    """Return an XML Schema dateTime as an aware datetime (UTC if no offset is given)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("A date in the credential is not text.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not a date and time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _check_status(verdict: Verdict, credential: Mapping[str, Any], this: ThisIssuer) -> None:
    """Read revocation from this instance's own list; other lists are never fetched."""
    entries = credential.get("credentialStatus")
    if entries is None:
        return
    for entry in entries if isinstance(entries, list) else [entries]:
        if not isinstance(entry, Mapping):
            verdict.fail(MALFORMED_VALUE_ERROR, "status", "Unreadable status",
                         "credentialStatus must be an object.")
            return
        if entry.get("statusListCredential") != this.status_list_url:
            verdict.warnings.append(problem(
                STATUS_NOT_CHECKED, "status", "Status not checked",
                "The status list is not this organisation's, and Lantern never fetches one."))
            continue
        try:
            index = int(str(entry.get("statusListIndex")))
        except ValueError:
            verdict.fail(STATUS_VERIFICATION_ERROR, "status", "Unreadable status",
                         "statusListIndex is not a number.")
            return
        if entry.get("statusPurpose") == "revocation" and index in this.revoked():
            verdict.fail(REVOKED, "status", "Revoked",
                         "The issuer has revoked this credential.")
            return
    if not any(item["check"] == "status" for item in verdict.warnings):
        verdict.checks.append("status")
