"""Open Badges 3.0 credentials secured with a Data Integrity proof (eddsa-rdfc-2022).

Signing and verification are written as two separate code paths on purpose: verification
re-derives the proof configuration, the canonical forms, the hashes and the key without calling
any signing helper, so a bug in one is not silently mirrored by the other.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lms.certification.credentials import jsonld
from lms.certification.credentials.jsonld import OB_V3, VC_V2, CredentialDataLoss, DocumentLoader
from lms.certification.credentials.keys import SigningKey, b58encode, method_controlled_by

__all__ = [
    "CredentialDataLoss",
    "build_credential",
    "sign_credential",
    "verify_credential",
    "xsd_datetime",
]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"


def xsd_datetime(moment: date | datetime) -> str:
    """Return a date or aware datetime as an XML Schema dateTime in UTC, to the second."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if moment.tzinfo is None:
        raise ValueError("credential datetimes must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_credential(
    *,
    credential_id: str,
    issuer_id: str,
    issuer_name: str,
    issuer_url: str,
    holder_id: str,
    holder_name: str,
    achievement_id: str,
    achievement_name: str,
    achievement_description: str,
    criteria_narrative: str,
    valid_from: date | datetime,
    valid_until: date | datetime | None,
    status_list_url: str,
    status_list_index: int,
) -> dict[str, Any]:
    """Return an unsigned OpenBadgeCredential certifying one holder for one achievement."""
    if not holder_id.startswith("urn:uuid:"):
        raise ValueError("holder_id must be a urn:uuid: URI")
    if status_list_index < 0:
        raise ValueError("status_list_index must not be negative")
    credential: dict[str, Any] = {
        "@context": [VC_V2, OB_V3],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer_id,
            "type": ["Profile"],
            "name": issuer_name,
            "url": issuer_url,
        },
        "validFrom": xsd_datetime(valid_from),
        "name": achievement_name,
        "credentialSubject": {
            "id": holder_id,
            "type": ["AchievementSubject"],
            "name": holder_name,
            # OB3 verifiers read the recipient's name from an unhashed IdentityObject.
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": holder_name,
                }
            ],
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certification",
                "name": achievement_name,
                "description": achievement_description,
                "criteria": {"narrative": criteria_narrative},
            },
        },
        "credentialStatus": {
            "id": f"{status_list_url}#{status_list_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_list_index),
            "statusListCredential": status_list_url,
        },
    }
    if valid_until is not None:
        credential["validUntil"] = xsd_datetime(valid_until)
    return credential


def sign_credential(
    credential: Mapping[str, Any],
    key: SigningKey,
    verification_method: str,
    *,
    created: datetime | None = None,
    loader: DocumentLoader | None = None,
) -> dict[str, Any]:
    """Return a copy of the credential with an eddsa-rdfc-2022 DataIntegrityProof added."""
    if "proof" in credential:
        raise ValueError("the credential already has a proof")
    unsecured = copy.deepcopy(dict(credential))
    jsonld.assert_no_data_loss(unsecured, loader)
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created or datetime.now(UTC)),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    hash_data = _signing_hash_data(unsecured, proof, loader)
    proof["proofValue"] = "z" + b58encode(key.sign(hash_data))
    return {**unsecured, "proof": proof}


def _signing_hash_data(
    unsecured: dict[str, Any], proof: dict[str, Any], loader: DocumentLoader | None
) -> bytes:
    """Return SHA-256(canonical proof config) || SHA-256(canonical document)."""
    proof_config = {**proof, "@context": unsecured["@context"]}
    proof_canonical = jsonld.canonicalize(proof_config, loader)
    document_canonical = jsonld.canonicalize(unsecured, loader)
    return (
        hashlib.sha256(proof_canonical.encode("utf-8")).digest()
        + hashlib.sha256(document_canonical.encode("utf-8")).digest()
    )


# --- Verification: an independent path. Nothing below calls the signing helpers above. ---

_PROBE_VOCAB = "urn:lantern:verify-probe:vocab#"
_PROBE_BASE = "urn:lantern:verify-probe:base/"


def verify_credential(
    credential: Mapping[str, Any],
    public_keys: Mapping[str, str | Ed25519PublicKey],
    *,
    loader: DocumentLoader | None = None,
) -> bool:
    """Return whether the credential's eddsa-rdfc-2022 proof is valid for one of the keys.

    ``public_keys`` maps verification method ids to Multikey values or public keys (see
    ``keys.verification_methods``). Only the proof is checked: dates and status are not.
    """
    try:
        return _verify(credential, public_keys, loader)
    except Exception:  # noqa: BLE001 - any malformed input simply fails verification
        return False


def _verify(
    credential: Mapping[str, Any],
    public_keys: Mapping[str, str | Ed25519PublicKey],
    loader: DocumentLoader | None,
) -> bool:
    """Verify, raising on malformed input."""
    proof = credential.get("proof")
    if not isinstance(proof, dict):
        return False
    if (
        proof.get("type") != PROOF_TYPE
        or proof.get("cryptosuite") != CRYPTOSUITE
        or proof.get("proofPurpose") != PROOF_PURPOSE
    ):
        return False
    method = proof.get("verificationMethod")
    proof_value = proof.get("proofValue")
    if not isinstance(method, str) or method not in public_keys:
        return False
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        return False
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    # The key must belong to the issuer that the credential names.
    if not isinstance(issuer_id, str) or not method_controlled_by(method, issuer_id):
        return False
    public_key = _verify_public_key(public_keys[method])
    from multiformats import multibase  # deferred: see keys.b58encode

    signature = multibase.decode(proof_value)
    if len(signature) != 64:
        return False

    document = {name: value for name, value in credential.items() if name != "proof"}
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    if "@context" in options:
        # A proof may carry a context only if it is a prefix of the document's.
        contexts = document.get("@context")
        contexts = contexts if isinstance(contexts, list) else [contexts]
        option_contexts = options["@context"]
        option_contexts = (
            option_contexts if isinstance(option_contexts, list) else [option_contexts]
        )
        if contexts[: len(option_contexts)] != option_contexts:
            return False
    options["@context"] = document["@context"]

    if _verify_has_hidden_data(document, loader):
        return False
    canonical_document = _verify_normalize(document, loader)
    canonical_options = _verify_normalize(options, loader)
    digest = (
        hashlib.sha256(canonical_options.encode("utf-8")).digest()
        + hashlib.sha256(canonical_document.encode("utf-8")).digest()
    )
    try:
        public_key.verify(signature, digest)
    except InvalidSignature:
        return False
    return True


def _verify_normalize(document: Mapping[str, Any], loader: DocumentLoader | None) -> str:
    """Return URDNA2015 N-Quads, calling PyLD directly rather than the signing path's helper."""
    from pyld import jsonld as pyld_jsonld  # deferred: see jsonld.pyld_options

    options = {"algorithm": "URDNA2015", "format": "application/n-quads"}
    nquads = pyld_jsonld.normalize(dict(document), {**options, **jsonld.pyld_options(loader)})
    return cast(str, nquads)


def _verify_has_hidden_data(document: Mapping[str, Any], loader: DocumentLoader | None) -> bool:
    """Return whether part of the document would not be covered by the signature.

    Terms the contexts do not define, and relative IRIs, vanish from the canonical form, so a
    forger could add them to a signed credential. Canonicalising again with a catch-all
    vocabulary and base exposes them: the two canonical forms differ.
    """
    if _verify_has_null_or_keyword(document):
        return True
    contexts = document.get("@context")
    probe = dict(document)
    # Prepended, so contexts that set their own @vocab or @base still take precedence.
    probe["@context"] = [
        {"@vocab": _PROBE_VOCAB, "@base": _PROBE_BASE},
        *(contexts if isinstance(contexts, list) else [contexts]),
    ]
    return _verify_normalize(probe, loader) != _verify_normalize(document, loader)


def _verify_has_null_or_keyword(node: Any, top: bool = True) -> bool:
    """Return whether JSON nulls or stray @-keys (dropped by expansion) occur anywhere."""
    if node is None:
        return True
    if isinstance(node, list):
        return any(_verify_has_null_or_keyword(item, False) for item in node)
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "@context" and top:
                continue
            if name.startswith("@") or _verify_has_null_or_keyword(value, False):
                return True
    return False


def _verify_public_key(value: str | Ed25519PublicKey) -> Ed25519PublicKey:
    """Decode a Multikey publicKeyMultibase value, or pass a key object through."""
    if isinstance(value, Ed25519PublicKey):
        return value
    if not value.startswith("z"):
        raise ValueError("not base58btc multibase")
    from multiformats import multibase, multicodec  # deferred: see keys.b58encode

    codec, raw = multicodec.unwrap(multibase.decode(value))
    if codec.name != "ed25519-pub" or len(raw) != 32:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw)
