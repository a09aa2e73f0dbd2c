"""OpenID for Verifiable Credential Issuance 1.0 rules: offers, metadata and holder proofs.

Pure: no database and no Flask. The JOSE work (parsing, keys, signatures) is joserfc's; this
module only decides what a proof must say. See docs/deploy.md, "Wallet collection".
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import secrets
import time
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import ECKey, OKPKey

from lms.certification.credentials.keys import did_key_public_key

__all__ = [
    "CONFIGURATION_ID",
    "OFFER_MINUTES",
    "PRE_AUTHORIZED_GRANT",
    "PROOF_TYP",
    "Oid4vciError",
    "bind_copy",
    "check_proof",
    "credential_offer",
    "issuer_metadata",
    "new_secret",
    "new_tx_code",
    "offer_uri",
    "sha256_hex",
    "tx_code_hash",
]

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CONFIGURATION_ID = "OpenBadgeCredential_ldp_vc"
PROOF_TYP = "openid4vci-proof+jwt"
#: How long an offer's code, an access token and a nonce live.
OFFER_MINUTES = 10
TOKEN_SECONDS = 600
NONCE_SECONDS = 300
#: A proof's iat may be this far from the server's clock.
CLOCK_SKEW_SECONDS = 300
TX_CODE_LENGTH = 6
#: The holder's proof may be signed with these (joserfc names).
PROOF_ALGORITHMS = ("EdDSA", "Ed25519", "ES256")
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]


class Oid4vciError(Exception):
    """A refusal from the OpenID4VCI error list, with its HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def as_json(self) -> dict[str, str]:
        """Return the error response body."""
        return {"error": self.error, "error_description": self.description}


def new_secret() -> str:
    """Return 256 random bits, URL-safe: a pre-authorized code, token or nonce."""
    return secrets.token_urlsafe(32)


def new_tx_code() -> str:
    """Return a transaction code of six digits, read off the screen by the holder."""
    return "".join(secrets.choice("0123456789") for _ in range(TX_CODE_LENGTH))


def sha256_hex(value: str) -> str:
    """Return the SHA-256 of a secret, which is all that is stored."""
    return hashlib.sha256(value.encode()).hexdigest()


def tx_code_hash(pre_authorized_code: str, tx_code: str) -> str:
    """Return the stored hash of a transaction code, salted with its (unstored) offer code.

    Six digits alone could be found from a stolen hash at once; with the 256-bit code that is
    only ever in the QR code, they cannot.
    """
    return sha256_hex(f"{pre_authorized_code}\n{tx_code}")


def credential_offer(issuer: str, pre_authorized_code: str, with_tx_code: bool) -> dict[str, Any]:
    """Return the credential offer object for one certificate."""
    grant: dict[str, Any] = {"pre-authorized_code": pre_authorized_code}
    if with_tx_code:
        grant["tx_code"] = {"input_mode": "numeric", "length": TX_CODE_LENGTH,
                            "description": "Code shown on screen"}
    return {"credential_issuer": issuer, "credential_configuration_ids": [CONFIGURATION_ID],
            "grants": {PRE_AUTHORIZED_GRANT: grant}}


def offer_uri(offer: dict[str, Any]) -> str:
    """Return the openid-credential-offer:// link carrying the offer by value."""
    compact = json.dumps(offer, separators=(",", ":"))
    return "openid-credential-offer://?credential_offer=" + quote(compact, safe="")


def issuer_metadata(issuer: str, name: str) -> dict[str, Any]:
    """Return the Credential Issuer Metadata (the issuer is its own authorization server)."""
    return {
        "credential_issuer": issuer,
        "credential_endpoint": f"{issuer}/oid4vci/credential",
        "nonce_endpoint": f"{issuer}/oid4vci/nonce",
        "display": [{"name": name, "locale": "en"}],
        "credential_configurations_supported": {CONFIGURATION_ID: {
            "format": "ldp_vc",
            "credential_definition": {"@context": [VC_V2, OB_V3], "type": CREDENTIAL_TYPES},
            "cryptographic_binding_methods_supported": ["did:key", "jwk"],
            "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
            "proof_types_supported": {"jwt": {
                "proof_signing_alg_values_supported": list(PROOF_ALGORITHMS)}},
            # credential_metadata is 1.0's home for display and claims (drafts had them here).
            "credential_metadata": {"display": [{"name": "Certificate", "locale": "en"}]},
        }},
    }


def authorization_server_metadata(issuer: str) -> dict[str, Any]:
    """Return the OAuth metadata: only the pre-authorized grant, with no client sign-up."""
    return {"issuer": issuer, "token_endpoint": f"{issuer}/oid4vci/token",
            "grant_types_supported": [PRE_AUTHORIZED_GRANT],
            "pre-authorized_grant_anonymous_access_supported": True,
            "response_types_supported": []}


@dataclass(frozen=True)
class Proof:
    """What a valid holder proof established: the key's DID and the nonce it carried."""

    holder_did: str
    nonce: str


def _invalid(description: str) -> Oid4vciError:
    return Oid4vciError("invalid_proof", description)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _holder_key(header: dict[str, Any]) -> tuple[OKPKey | ECKey, str]:
    """Return the proof's public key and the DID that names it (did:key or did:jwk)."""
    jwk, kid = header.get("jwk"), header.get("kid")
    if (jwk is None) == (kid is None):
        raise _invalid("The proof must name its key with exactly one of jwk or kid.")
    if jwk is not None:
        if not isinstance(jwk, dict) or "d" in jwk:
            raise _invalid("The jwk in the proof must be a public key.")
        try:
            key: OKPKey | ECKey = (OKPKey if jwk.get("kty") == "OKP" else ECKey).import_key(jwk)
        except (JoseError, ValueError, TypeError) as error:
            raise _invalid(f"The jwk in the proof is not a usable key: {error}.") from None
        public = key.as_dict(private=False)
        public.pop("kid", None)
        document = json.dumps(public, separators=(",", ":"), sort_keys=True)
        return key, "did:jwk:" + _b64url(document.encode())
    if not isinstance(kid, str) or not kid.startswith("did:key:"):
        raise _invalid("The kid must be a did:key URL; other DID methods are not resolved.")
    did = kid.split("#", 1)[0]
    try:
        return OKPKey.import_key(did_key_public_key(did)), did
    except (JoseError, ValueError, TypeError) as error:
        raise _invalid(f"The did:key in the proof could not be read: {error}.") from None


def check_proof(token: Any, issuer: str, now: float | None = None) -> Proof:
    """Check a holder's proof JWT (typ, alg, key, signature, aud, iat); return its key's DID.

    The nonce is only read here: whether it was issued and is unused is the caller's check.
    """
    if not isinstance(token, str) or token.count(".") != 2:
        raise _invalid("The proof must be a compact JWT.")
    try:
        header = jws.extract_compact(token.encode()).protected
    except (JoseError, ValueError) as error:
        raise _invalid(f"The proof JWT could not be read: {error}.") from None
    if header.get("typ") != PROOF_TYP:
        raise _invalid(f"The proof's typ must be {PROOF_TYP}.")
    algorithm = header.get("alg")
    if algorithm not in PROOF_ALGORITHMS:
        raise _invalid(f"The proof's alg must be one of {', '.join(PROOF_ALGORITHMS)}.")
    key, holder_did = _holder_key(header)
    try:
        with warnings.catch_warnings():
            # RFC 9864 deprecates "EdDSA" for "Ed25519", yet wallets still send it: both are
            # the same Ed25519 signature.
            warnings.simplefilter("ignore", SecurityWarning)
            verified = jws.deserialize_compact(token, key, algorithms=[algorithm])
        claims = json.loads(verified.payload)
    except (JoseError, ValueError) as error:
        raise _invalid(f"The proof's signature does not verify: {error}.") from None
    if not isinstance(claims, dict):
        raise _invalid("The proof's payload must be a JSON object.")
    audience = claims.get("aud")
    if audience != issuer and not (isinstance(audience, list) and issuer in audience):
        raise _invalid(f"The proof's aud must be this credential issuer, {issuer}.")
    issued_at = claims.get("iat")
    moment = time.time() if now is None else now
    if not isinstance(issued_at, int | float) or abs(moment - issued_at) > CLOCK_SKEW_SECONDS:
        raise _invalid("The proof's iat is missing or too far from the current time.")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise Oid4vciError("invalid_nonce", "The proof carries no c_nonce; ask the nonce "
                           "endpoint for one.")
    return Proof(holder_did=holder_did, nonce=nonce)


def bind_copy(signed: dict[str, Any], copy_id: str, holder_did: str, issuer: dict[str, Any],
              ) -> dict[str, Any]:
    """Return the unsigned wallet copy of a certificate's credential, bound to a holder's DID.

    Everything the certificate states (name, achievement, dates, status entry) is kept; the
    copy has its own id, names the holder's key as the subject and the issuer as it is now.
    """
    unsigned = copy.deepcopy({name: value for name, value in signed.items() if name != "proof"})
    unsigned["id"] = copy_id
    unsigned["issuer"] = issuer
    unsigned["credentialSubject"]["id"] = holder_did
    return unsigned
