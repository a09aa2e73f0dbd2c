"""OpenBadgeCredential building, eddsa-rdfc-2022 signing and independent verification."""

from __future__ import annotations

import copy
import hashlib
import json
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from lms.certification.credentials import credential as credential_module
from lms.certification.credentials import jsonld, keys
from lms.certification.credentials.credential import (
    CredentialDataLoss,
    sign_credential,
    verify_credential,
    xsd_datetime,
)
from lms.certification.credentials.keys import SigningKey, load_signing_key, verification_method_id
from tests.certification.conftest import ISSUER_ID, SIGNED_AT, make_credential, read_vector

# --- The W3C vc-di-eddsa test vector (TestVectors/eddsa-rdfc-2022) ---


@pytest.fixture(scope="module")
def vector() -> dict[str, Any]:
    """Return the signed W3C example credential."""
    return json.loads(read_vector("signedDataInt.json"))


@pytest.fixture(scope="module")
def vector_key() -> SigningKey:
    """Return the W3C test vector's key pair."""
    return load_signing_key(json.loads(read_vector("keyPair.json"))["privateKeyMultibase"])


def unsigned_of(document: dict[str, Any]) -> dict[str, Any]:
    """Return a document without its proof."""
    return {name: value for name, value in document.items() if name != "proof"}


def test_vector_canonical_document(vector: dict[str, Any], vector_loader: Any) -> None:
    canonical = jsonld.canonicalize(unsigned_of(vector), vector_loader)
    assert canonical == read_vector("canonDocDataInt.txt")


def test_vector_canonical_proof_configuration(vector_loader: Any) -> None:
    config = json.loads(read_vector("proofConfigDataInt.json"))
    assert jsonld.canonicalize(config, vector_loader) == read_vector("proofCanonDataInt.txt")


def test_vector_hashes() -> None:
    proof_hash = hashlib.sha256(read_vector("proofCanonDataInt.txt").encode()).hexdigest()
    document_hash = hashlib.sha256(read_vector("canonDocDataInt.txt").encode()).hexdigest()
    assert proof_hash + document_hash == read_vector("combinedHashDataInt.txt")


def test_vector_signature_is_reproduced_exactly(
    vector: dict[str, Any], vector_key: SigningKey, vector_loader: Any
) -> None:
    created = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
    method = vector["proof"]["verificationMethod"]
    signed = sign_credential(
        unsigned_of(vector), vector_key, method, created=created, loader=vector_loader
    )
    assert signed["proof"]["proofValue"] == read_vector("sigBTC58DataInt.txt")
    assert signed == vector


def test_vector_verifies_with_the_independent_path(
    vector: dict[str, Any], vector_loader: Any
) -> None:
    public = json.loads(read_vector("keyPair.json"))["publicKeyMultibase"]
    method = vector["proof"]["verificationMethod"]
    assert verify_credential(vector, {method: public}, loader=vector_loader)
    tampered = copy.deepcopy(vector)
    tampered["credentialSubject"]["alumniOf"] = "The School of Forgeries"
    assert not verify_credential(tampered, {method: public}, loader=vector_loader)


# --- Building ---


def test_build_credential_shape(credential: dict[str, Any]) -> None:
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"] == {
        "id": ISSUER_ID,
        "type": ["Profile"],
        "name": "Example Peer Support Institute",
        "url": "https://example.org",
    }
    assert credential["validFrom"] == "2026-01-15T09:30:00Z"
    assert credential["validUntil"] == "2028-01-15T00:00:00Z"
    subject = credential["credentialSubject"]
    assert subject["id"].startswith("urn:uuid:")
    assert subject["name"] == "Amara Okonkwo-Lindqvist"
    assert subject["identifier"][0]["identityHash"] == "Amara Okonkwo-Lindqvist"
    achievement = subject["achievement"]
    assert achievement["achievementType"] == "Certification"
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == "Foundations of Peer Support"
    assert "40 hours" in achievement["criteria"]["narrative"]
    assert credential["credentialStatus"] == {
        "id": "https://verify.example.org/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://verify.example.org/status/1",
    }


def test_build_without_expiry_omits_valid_until() -> None:
    assert "validUntil" not in make_credential(valid_until=None)


def test_build_refuses_a_subject_that_is_not_a_uuid_urn() -> None:
    with pytest.raises(ValueError, match="urn:uuid"):
        make_credential(holder_id="jane@example.org")


def test_xsd_datetime_is_utc_to_the_second() -> None:
    moment = datetime(2026, 3, 1, 12, 0, 5, 123456, tzinfo=UTC)
    assert xsd_datetime(moment) == "2026-03-01T12:00:05Z"
    assert xsd_datetime(date(2026, 3, 1)) == "2026-03-01T00:00:00Z"
    with pytest.raises(ValueError, match="timezone"):
        xsd_datetime(datetime(2026, 3, 1, 12, 0))


# --- Signing and verifying ---


def test_signed_credential_has_a_data_integrity_proof(
    signed: dict[str, Any], method_id: str
) -> None:
    proof = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == method_id
    assert proof["created"] == "2026-01-15T09:30:00Z"
    assert proof["proofValue"].startswith("z")
    assert len(keys.b58decode(proof["proofValue"][1:])) == 64


def test_signed_credential_verifies(signed: dict[str, Any], public_keys: dict[str, str]) -> None:
    assert verify_credential(signed, public_keys)
    assert verify_credential(json.loads(json.dumps(signed)), public_keys)


def test_signing_leaves_the_input_untouched(
    credential: dict[str, Any], signing_key: SigningKey, method_id: str
) -> None:
    before = copy.deepcopy(credential)
    sign_credential(credential, signing_key, method_id)
    assert credential == before


def test_signing_twice_is_refused(
    signed: dict[str, Any], signing_key: SigningKey, method_id: str
) -> None:
    with pytest.raises(ValueError, match="already has a proof"):
        sign_credential(signed, signing_key, method_id)


def test_an_undefined_term_refuses_to_sign(
    credential: dict[str, Any], signing_key: SigningKey, method_id: str
) -> None:
    credential["credentialSubject"]["favouriteColour"] = "blue"
    with pytest.raises(CredentialDataLoss, match="favouriteColour"):
        sign_credential(credential, signing_key, method_id)


def leaf_paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Yield the path of every scalar in a JSON document."""
    if isinstance(node, dict):
        for name, value in node.items():
            yield from leaf_paths(value, (*path, name))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaf_paths(value, (*path, index))
    else:
        yield path


def changed(value: Any) -> Any:
    """Return a different value of the same JSON type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if value.endswith("Z") and "T" in value:
        return value.replace(":00Z", ":01Z")
    return value[:-1] + ("X" if value[-1] != "X" else "Y")


def test_changing_any_field_breaks_verification(
    signed: dict[str, Any], public_keys: dict[str, str]
) -> None:
    paths = list(leaf_paths(signed))
    assert len(paths) > 30
    for path in paths:
        if path == ("proof", "proofValue"):
            continue
        tampered = copy.deepcopy(signed)
        parent = tampered
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = changed(parent[path[-1]])
        assert not verify_credential(tampered, public_keys), path


def test_removing_any_field_breaks_verification(
    signed: dict[str, Any], public_keys: dict[str, str]
) -> None:
    for path in leaf_paths(signed):
        if path[0] == "proof" or isinstance(path[-1], int):
            continue
        tampered = copy.deepcopy(signed)
        parent = tampered
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]
        assert not verify_credential(tampered, public_keys), path


@pytest.mark.parametrize(
    ("where", "name", "value"),
    [
        ((), "description", "An added, defined claim"),
        (("credentialSubject",), "favouriteColour", "blue"),
        (("credentialSubject", "achievement"), "hoursLogged", 400),
        ((), "@graph", []),
        (("credentialSubject",), "name", None),
    ],
)
def test_adding_data_breaks_verification_even_if_pyld_would_drop_it(
    signed: dict[str, Any],
    public_keys: dict[str, str],
    where: tuple[str, ...],
    name: str,
    value: Any,
) -> None:
    tampered = copy.deepcopy(signed)
    target = tampered
    for step in where:
        target = target[step]
    target[name] = value
    assert not verify_credential(tampered, public_keys)


def test_one_changed_byte_breaks_verification(
    signed: dict[str, Any], public_keys: dict[str, str]
) -> None:
    data = json.dumps(signed, indent=2).encode()
    rng = random.Random(5)
    tried = 0
    for position in rng.sample(range(len(data)), 160):
        mutated = bytearray(data)
        mutated[position] = mutated[position] ^ 0x01
        try:
            document = json.loads(bytes(mutated))
        except ValueError:
            continue  # not JSON any more: no verifier would get this far
        if document == signed:
            continue  # the byte was insignificant whitespace
        tried += 1
        assert not verify_credential(document, public_keys), position
    assert tried > 50


def test_wrong_or_unknown_keys_fail(
    signed: dict[str, Any], other_key: SigningKey, method_id: str
) -> None:
    assert not verify_credential(signed, {method_id: other_key.public_multibase})
    assert not verify_credential(signed, {})
    assert not verify_credential(signed, {method_id: "z-not-a-key"})


def test_old_keys_still_verify_after_rotation(
    signing_key: SigningKey, other_key: SigningKey
) -> None:
    old_method = verification_method_id(ISSUER_ID, signing_key.public_key)
    new_method = verification_method_id(ISSUER_ID, other_key.public_key)
    old = sign_credential(make_credential(), signing_key, old_method, created=SIGNED_AT)
    new = sign_credential(make_credential(), other_key, new_method, created=SIGNED_AT)
    published = {old_method: signing_key.public_multibase, new_method: other_key.public_multibase}
    assert verify_credential(old, published)
    assert verify_credential(new, published)


def test_a_key_of_another_issuer_is_not_accepted(signing_key: SigningKey) -> None:
    foreign = "did:web:elsewhere.example#" + signing_key.key_id
    forged = sign_credential(make_credential(), signing_key, foreign, created=SIGNED_AT)
    assert not verify_credential(forged, {foreign: signing_key.public_multibase})


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"proof": "nonsense"},
        {"proof": {"type": "DataIntegrityProof"}},
        {"@context": ["https://evil.example/"], "proof": {}},
    ],
)
def test_garbage_never_raises(document: dict[str, Any], public_keys: dict[str, str]) -> None:
    assert verify_credential(document, public_keys) is False


def test_proof_tweaks_fail(signed: dict[str, Any], public_keys: dict[str, str]) -> None:
    for name, value in [
        ("cryptosuite", "eddsa-jcs-2022"),
        ("proofPurpose", "authentication"),
        ("proofValue", "u" + signed["proof"]["proofValue"][1:]),
        ("proofValue", signed["proof"]["proofValue"][:-2]),
        ("proofValue", signed["proof"]["proofValue"] + "0"),
    ]:
        tampered = copy.deepcopy(signed)
        tampered["proof"][name] = value
        assert not verify_credential(tampered, public_keys), name


def test_verification_does_not_use_the_signing_helpers(
    signed: dict[str, Any], public_keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("verification called a signing helper")

    monkeypatch.setattr(credential_module, "_signing_hash_data", broken)
    monkeypatch.setattr(credential_module, "b58encode", broken)
    monkeypatch.setattr(jsonld, "canonicalize", broken)
    monkeypatch.setattr(jsonld, "assert_no_data_loss", broken)
    monkeypatch.setattr(keys, "b58decode", broken)
    monkeypatch.setattr(keys, "public_key_from_multibase", broken)
    assert verify_credential(signed, public_keys)
