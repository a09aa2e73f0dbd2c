"""Ed25519 signing keys: loading from configuration, development keys, Multikey publication."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lms.certification.credentials.jsonld import DID_V1, MULTIKEY_V1, OB_V3, VC_V2

# Multicodec names of the key types Lantern reads and writes (did:key, Multikey).
ED25519_PUB = "ed25519-pub"
ED25519_PRIV = "ed25519-priv"
BASE58BTC = "base58btc"


class SigningKeyError(Exception):
    """The configured signing key is missing, unreadable or not an Ed25519 private key."""


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 private key with its published Multikey form."""

    private_key: Ed25519PrivateKey = field(repr=False)

    @property
    def public_key(self) -> Ed25519PublicKey:
        """Return the public half of the key."""
        return self.private_key.public_key()

    @property
    def public_multibase(self) -> str:
        """Return the public key as a Multikey publicKeyMultibase value."""
        return public_key_multibase(self.public_key)

    @property
    def key_id(self) -> str:
        """Return the key's identifier (its Multikey value), used as the URL fragment."""
        return key_id(self.public_key)

    def sign(self, data: bytes) -> bytes:
        """Return the Ed25519 signature of data."""
        return self.private_key.sign(data)


def b58encode(data: bytes) -> str:
    """Return the base58btc (Bitcoin alphabet) encoding of data, without the multibase 'z'."""
    # multiformats loads its codec tables on import: only code that encodes or decodes keys
    # and proofs imports it, not every app worker at start-up (docs/performance.md).
    from multiformats import multibase

    return multibase.encode(data, BASE58BTC)[1:]


def b58decode(text: str) -> bytes:
    """Return the bytes encoded in base58btc text; raise ValueError on a foreign character."""
    from multiformats import multibase

    return multibase.decode("z" + text)


def multikey_encode(codec: str, raw: bytes) -> str:
    """Return raw key bytes as multibase base58btc of the multicodec-prefixed key."""
    from multiformats import multibase, multicodec

    return multibase.encode(multicodec.wrap(codec, raw), BASE58BTC)


def multikey_decode(value: str, codec: str, length: int) -> bytes:
    """Return the raw key bytes of a multibase Multikey value of the given codec and length."""
    if not value.startswith("z"):
        raise ValueError("a Multikey value must use base58btc (prefix 'z')")
    from multiformats import multibase, multicodec

    try:
        found, raw = multicodec.unwrap(multibase.decode(value))
    except (ValueError, KeyError) as error:
        raise ValueError(f"not a multicodec key: {error}") from None
    if found.name != codec or len(raw) != length:
        raise ValueError(f"not an {codec} key")
    return raw


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    """Return a public key as Multikey publicKeyMultibase ('z' + base58btc of 0xed01 + key)."""
    return multikey_encode(ED25519_PUB, public_key.public_bytes_raw())


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """Return the Ed25519 public key encoded as a Multikey publicKeyMultibase value."""
    return Ed25519PublicKey.from_public_bytes(multikey_decode(value, ED25519_PUB, 32))


def did_key(public_key: Ed25519PublicKey | str) -> str:
    """Return the did:key identifier of an Ed25519 public key."""
    return f"did:key:{key_id(public_key)}"


def did_key_public_key(did: str) -> Ed25519PublicKey:
    """Resolve a did:key (or one of its verification method ids) to its Ed25519 key, offline."""
    identifier, _, fragment = did.removeprefix("did:key:").partition("#")
    if not did.startswith("did:key:") or (fragment and fragment != identifier):
        raise ValueError("not a did:key identifier of an Ed25519 key")
    return public_key_from_multibase(identifier)


def key_id(public_key: Ed25519PublicKey | str) -> str:
    """Return the identifier of a key: its Multikey value, unique per key across rotations."""
    if isinstance(public_key, str):
        public_key_from_multibase(public_key)  # validates
        return public_key
    return public_key_multibase(public_key)


def verification_method_id(issuer_id: str, public_key: Ed25519PublicKey | str) -> str:
    """Return the verification method id of an issuer's key.

    A DID issuer names its keys by fragment, which DID resolvers dereference. An https issuer
    names each key by a URL of its own (issuer id + '/keys/' + key id) that serves the key: a
    verifier fetching 'issuer#key' gets the whole profile, which verifiers written by others
    (DCC verifier-core, Digital Bazaar's vc) reject as an "unsupported key type".
    """
    if issuer_id.startswith("did:"):
        return f"{issuer_id}#{key_id(public_key)}"
    return f"{issuer_id}/keys/{key_id(public_key)}"


def method_controlled_by(method: str, issuer_id: str) -> bool:
    """Return whether a verification method id names a key of this issuer (either form)."""
    for separator in ("#", "/keys/"):
        prefix = issuer_id + separator
        rest = method[len(prefix):]
        if method.startswith(prefix) and rest and "/" not in rest and "#" not in rest:
            return True
    return False


def verification_method(issuer_id: str, public_key: Ed25519PublicKey | str) -> dict[str, Any]:
    """Return the Multikey document of one issuer key, as served at its verification method id."""
    multibase = key_id(public_key)
    return {
        "@context": MULTIKEY_V1,
        "id": verification_method_id(issuer_id, multibase),
        "type": "Multikey",
        "controller": issuer_id,
        "publicKeyMultibase": multibase,
    }


def load_signing_key(value_or_path: str) -> SigningKey:
    """Return the signing key held in LMS_SIGNING_KEY: a PEM/base64/multibase value or a path."""
    value = (value_or_path or "").strip()
    if not value:
        raise SigningKeyError("LMS_SIGNING_KEY is empty: set it to an Ed25519 key or a key file")
    if not _looks_like_value(value):
        path = Path(value).expanduser()
        try:
            value = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise SigningKeyError(f"LMS_SIGNING_KEY file {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not text"
            raise SigningKeyError(f"LMS_SIGNING_KEY file {path} is unreadable: {reason}") from None
        source = f"LMS_SIGNING_KEY file {path}"
    else:
        source = "LMS_SIGNING_KEY"
    return SigningKey(_parse_private_key(value, source))


def _looks_like_value(value: str) -> bool:
    """Return whether the setting is the key itself rather than a path to it."""
    if value.startswith("-----BEGIN") or "\\n" in value:
        return True
    if os.path.exists(os.path.expanduser(value)):
        return False
    if value.startswith("z") and _is_base58(value[1:]):
        return True
    try:
        raw = _decode_base64(value)
    except ValueError:
        return False
    # "/run/secrets/key" is valid base64 too; a real key decodes to a seed or a DER blob.
    return "/" not in value or len(raw) == 32 or len(raw) >= 40


def _decode_base64(value: str) -> bytes:
    """Decode standard or URL-safe base64, with or without padding."""
    compact = "".join(value.split())
    padded = compact + "=" * (-len(compact) % 4)
    try:
        if "-" in compact or "_" in compact:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64") from error


def _parse_private_key(value: str, source: str) -> Ed25519PrivateKey:
    """Parse an Ed25519 private key from PEM, base64 (raw seed or DER) or multibase text."""
    invalid = f"{source} is not an Ed25519 private key (expected PEM, base64 or multibase)"
    try:
        if "BEGIN" in value:
            # Environment variables often carry PEM with literal "\n" sequences.
            pem = value.replace("\\n", "\n").encode("ascii")
            key: Any = serialization.load_pem_private_key(pem, password=None)
        elif value.startswith("z") and _is_base58(value[1:]):
            key = Ed25519PrivateKey.from_private_bytes(multikey_decode(value, ED25519_PRIV, 32))
        else:
            raw = _decode_base64(value)
            if len(raw) == 32:
                key = Ed25519PrivateKey.from_private_bytes(raw)
            else:
                key = serialization.load_der_private_key(raw, password=None)
    except TypeError:
        raise SigningKeyError(f"{source} is encrypted: provide an unencrypted key") from None
    except (ValueError, UnsupportedAlgorithm, UnicodeEncodeError):
        raise SigningKeyError(invalid) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{source} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def _is_base58(text: str) -> bool:
    """Return whether text uses only base58btc characters."""
    try:
        b58decode(text)
    except ValueError:
        return False
    return bool(text)


def private_key_pem(key: SigningKey) -> str:
    """Return the private key as unencrypted PKCS#8 PEM text."""
    return key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def generate_key_file(path: str | Path) -> SigningKey:
    """Create a new Ed25519 key as a PEM file readable only by its owner (for development)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    key = SigningKey(Ed25519PrivateKey.generate())
    # O_EXCL: never overwrite a key that already signed credentials.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(private_key_pem(key))
    os.chmod(target, 0o600)
    return key


def issuer_profile(
    issuer_id: str, name: str, url: str, keys: Sequence[Ed25519PublicKey | str]
) -> dict[str, Any]:
    """Return the issuer's OB3 Profile, also a DID document, listing every key ever used."""
    methods = []
    seen: set[str] = set()
    for public_key in keys:
        multibase = key_id(public_key)
        if multibase in seen:
            continue
        seen.add(multibase)
        method = verification_method(issuer_id, multibase)
        del method["@context"]  # the profile's own context list covers Multikey
        methods.append(method)
    return {
        "@context": [DID_V1, MULTIKEY_V1, VC_V2, OB_V3],
        "id": issuer_id,
        "type": ["Profile"],
        "name": name,
        "url": url,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def verification_methods(profile: dict[str, Any]) -> dict[str, str]:
    """Return {verification method id: publicKeyMultibase} for the keys in an issuer profile."""
    found = {}
    for method in profile.get("verificationMethod", []):
        if isinstance(method, dict) and method.get("type") == "Multikey":
            found[str(method.get("id"))] = str(method.get("publicKeyMultibase"))
    return found
