"""Bitstring Status List v1.0: encoding, decoding and the status list credential.

Index 0 is the most significant (left-most) bit of byte 0. The encoded list is the multibase
base64url (prefix ``u``, no padding) form of the GZIP-compressed bitstring.
"""

from __future__ import annotations

import base64
import gzip
import secrets
import zlib
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from lms.certification.credentials.credential import xsd_datetime
from lms.certification.credentials.jsonld import VC_V2

MIN_ENTRIES = 131_072  # the spec's minimum: 16 KiB of bits, for herd privacy
# Decompression is bounded so a hostile list cannot exhaust memory (a "zip bomb").
MAX_DECODED_BYTES = 16 * 1024 * 1024
PURPOSES = ("revocation", "suspension", "refresh", "message")


class StatusListError(ValueError):
    """An encoded status list is malformed, or an index is out of its range."""


class StatusListFull(Exception):
    """Every index of the status list is already taken."""


def encode(bits: Collection[int], size: int = MIN_ENTRIES) -> str:
    """Return the encodedList value for a list of ``size`` entries with ``bits`` set."""
    if size < MIN_ENTRIES or size % 8:
        raise ValueError(f"size must be a multiple of 8 and at least {MIN_ENTRIES}")
    bitstring = bytearray(size // 8)
    for index in bits:
        if not 0 <= index < size:
            raise ValueError(f"index {index} is outside a list of {size} entries")
        bitstring[index >> 3] |= 0x80 >> (index & 7)
    # mtime=0 keeps the output identical for identical lists, so caches and ETags are stable.
    compressed = gzip.compress(bytes(bitstring), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode(encoded: str) -> bytes:
    """Return the uncompressed bitstring of an encodedList value."""
    if not encoded.startswith("u"):
        raise StatusListError("encodedList must be multibase base64url (prefix 'u')")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
        bitstring = inflater.decompress(compressed, MAX_DECODED_BYTES)
    except (ValueError, zlib.error) as error:
        raise StatusListError(f"encodedList is not base64url GZIP data: {error}") from None
    if inflater.unconsumed_tail:
        raise StatusListError("encodedList is larger than this server accepts")
    if not inflater.eof:
        raise StatusListError("encodedList is truncated")
    if len(bitstring) * 8 < MIN_ENTRIES:
        raise StatusListError(f"a status list must have at least {MIN_ENTRIES} entries")
    return bitstring


def is_set(encoded: str, index: int) -> bool:
    """Return whether the status bit at ``index`` is set."""
    bitstring = decode(encoded)
    if not 0 <= index < len(bitstring) * 8:
        raise StatusListError(f"index {index} is outside a list of {len(bitstring) * 8} entries")
    return bool(bitstring[index >> 3] & (0x80 >> (index & 7)))


def set_bits(encoded: str) -> set[int]:
    """Return the indexes of every set bit in an encoded list."""
    bitstring = decode(encoded)
    found = set()
    for byte_index, byte in enumerate(bitstring):
        if byte:
            for bit in range(8):
                if byte & (0x80 >> bit):
                    found.add(byte_index * 8 + bit)
    return found


def random_free_index(used: Collection[int], size: int = MIN_ENTRIES) -> int:
    """Return a random index not in ``used``, drawn with ``secrets`` as the spec advises."""
    taken = used if isinstance(used, set | frozenset) else set(used)
    free_count = size - len(taken)
    if free_count <= 0:
        raise StatusListFull(f"all {size} entries of the status list are taken")
    # Rejection sampling is fast while the list is sparse; fall back to an exact draw.
    for _ in range(64):
        candidate = secrets.randbelow(size)
        if candidate not in taken:
            return candidate
    pick = secrets.randbelow(free_count)
    for candidate in range(size):
        if candidate not in taken:
            if pick == 0:
                return candidate
            pick -= 1
    raise StatusListFull(f"all {size} entries of the status list are taken")  # pragma: no cover


def status_list_credential(
    url: str,
    issuer: str,
    encoded: str,
    valid_from: date | datetime,
    *,
    purpose: str = "revocation",
    valid_until: date | datetime | None = None,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """Return an unsigned BitstringStatusListCredential; sign it with sign_credential."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown status purpose {purpose!r}")
    decode(encoded)  # refuse to publish a malformed list
    subject: dict[str, Any] = {
        "id": f"{url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encoded,
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    credential: dict[str, Any] = {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": subject,
    }
    if valid_until is not None:
        credential["validUntil"] = xsd_datetime(valid_until)
    return credential
