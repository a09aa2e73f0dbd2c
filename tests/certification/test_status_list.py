"""Bitstring Status List v1.0 encoding, index allocation and the list credential."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime
from typing import Any

import pytest

from lms.certification.credentials import jsonld
from lms.certification.credentials.credential import sign_credential, verify_credential
from lms.certification.credentials.keys import SigningKey
from lms.certification.credentials.status_list import (
    MIN_ENTRIES,
    StatusListError,
    StatusListFull,
    decode,
    encode,
    is_set,
    random_free_index,
    set_bits,
    status_list_credential,
)
from tests.certification.conftest import ISSUER_ID

# The encodedList of the example in the Bitstring Status List v1.0 Recommendation.
SPEC_EXAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
LIST_URL = "https://verify.example.org/status/1"


def test_the_spec_example_is_16384_zero_bytes() -> None:
    bitstring = decode(SPEC_EXAMPLE)
    assert bitstring == bytes(16384)
    assert len(bitstring) * 8 == MIN_ENTRIES
    assert not is_set(SPEC_EXAMPLE, 0)
    assert not is_set(SPEC_EXAMPLE, MIN_ENTRIES - 1)


def test_empty_list_encodes_like_the_spec() -> None:
    encoded = encode(set())
    assert encoded.startswith("u")
    assert "=" not in encoded
    assert decode(encoded) == decode(SPEC_EXAMPLE)
    assert len(encoded) < 100


def test_index_zero_is_the_most_significant_bit_of_byte_zero() -> None:
    bitstring = decode(encode({0}))
    assert bitstring[0] == 0b1000_0000
    bitstring = decode(encode({7, 8}))
    assert bitstring[0] == 0b0000_0001
    assert bitstring[1] == 0b1000_0000


def test_encoding_is_multibase_base64url_of_gzip() -> None:
    encoded = encode({3, 100_000})
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) == MIN_ENTRIES // 8
    assert raw[0] == 0b0001_0000


def test_encoding_is_deterministic() -> None:
    assert encode({5, 77}) == encode({77, 5})


def test_round_trip_of_random_bits() -> None:
    bits = {random_free_index(set()) for _ in range(300)}
    encoded = encode(bits)
    assert set_bits(encoded) == bits
    for index in list(bits)[:20]:
        assert is_set(encoded, index)
    assert not any(is_set(encoded, index) for index in range(0, 2000) if index not in bits)


def test_larger_lists_are_allowed() -> None:
    encoded = encode({MIN_ENTRIES * 2 - 1}, size=MIN_ENTRIES * 2)
    assert is_set(encoded, MIN_ENTRIES * 2 - 1)


@pytest.mark.parametrize("size", [0, 8, MIN_ENTRIES - 8, MIN_ENTRIES + 1])
def test_too_small_or_ragged_sizes_are_refused(size: int) -> None:
    with pytest.raises(ValueError):
        encode(set(), size=size)


@pytest.mark.parametrize("index", [-1, MIN_ENTRIES])
def test_out_of_range_bits_are_refused(index: int) -> None:
    with pytest.raises(ValueError):
        encode({index})
    with pytest.raises(StatusListError):
        is_set(SPEC_EXAMPLE, index)


@pytest.mark.parametrize(
    "encoded",
    [
        "H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",  # no prefix
        "unot-gzip",
        "u" + base64.urlsafe_b64encode(gzip.compress(bytes(100))).decode().rstrip("="),
        SPEC_EXAMPLE[:-10],
    ],
)
def test_malformed_lists_are_refused(encoded: str) -> None:
    with pytest.raises(StatusListError):
        decode(encoded)


def test_decompression_is_bounded() -> None:
    bomb = gzip.compress(bytes(64 * 1024 * 1024), compresslevel=9)
    encoded = "u" + base64.urlsafe_b64encode(bomb).decode().rstrip("=")
    with pytest.raises(StatusListError, match="larger"):
        decode(encoded)


def test_random_free_index_avoids_used_indexes() -> None:
    used = set(range(0, MIN_ENTRIES, 2))
    for _ in range(200):
        index = random_free_index(used)
        assert index % 2 == 1
        assert 0 <= index < MIN_ENTRIES


def test_random_free_index_finds_the_last_free_slot() -> None:
    used = set(range(MIN_ENTRIES)) - {12_345}
    assert random_free_index(used) == 12_345


def test_random_free_index_reports_a_full_list() -> None:
    with pytest.raises(StatusListFull):
        random_free_index(set(range(MIN_ENTRIES)))


def test_random_free_index_spreads_out() -> None:
    draws = {random_free_index(set()) for _ in range(100)}
    assert len(draws) > 95
    assert max(draws) > MIN_ENTRIES // 2 > min(draws)


def list_credential(**overrides: Any) -> dict[str, Any]:
    """Return an unsigned status list credential with index 94567 revoked."""
    arguments: dict[str, Any] = {
        "url": LIST_URL,
        "issuer": ISSUER_ID,
        "encoded": encode({94567}),
        "valid_from": datetime(2026, 1, 15, tzinfo=UTC),
    }
    arguments.update(overrides)
    return status_list_credential(**arguments)


def test_status_list_credential_shape() -> None:
    credential = list_credential(ttl_ms=300_000)
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["id"] == LIST_URL
    assert credential["issuer"] == ISSUER_ID
    assert credential["validFrom"] == "2026-01-15T00:00:00Z"
    subject = credential["credentialSubject"]
    assert subject == {
        "id": f"{LIST_URL}#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": encode({94567}),
        "ttl": 300_000,
    }
    assert jsonld.undefined_terms(credential) == []


def test_status_list_credential_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="purpose"):
        list_credential(purpose="deletion")
    with pytest.raises(StatusListError):
        list_credential(encoded="unot-a-list")


def test_status_list_credential_is_signed_and_verified_like_any_credential(
    signing_key: SigningKey, method_id: str, public_keys: dict[str, str]
) -> None:
    signed = sign_credential(list_credential(), signing_key, method_id)
    assert verify_credential(signed, public_keys)
    assert is_set(signed["credentialSubject"]["encodedList"], 94567)
    flipped = dict(signed, credentialSubject=dict(signed["credentialSubject"]))
    flipped["credentialSubject"]["encodedList"] = encode(set())
    assert not verify_credential(flipped, public_keys)
