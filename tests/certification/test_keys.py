"""Signing keys: configuration formats, clear errors, development keys and the issuer profile."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.certification.credentials import jsonld
from lms.certification.credentials.keys import (
    SigningKey,
    SigningKeyError,
    b58decode,
    b58encode,
    did_key,
    did_key_public_key,
    generate_key_file,
    issuer_profile,
    key_id,
    load_signing_key,
    method_controlled_by,
    private_key_pem,
    public_key_from_multibase,
    public_key_multibase,
    verification_method_id,
    verification_methods,
)
from tests.certification.conftest import ISSUER_ID, read_vector


def raw_seed(key: SigningKey) -> bytes:
    """Return the 32-byte private seed of a key."""
    return key.private_key.private_bytes_raw()


def test_multikey_matches_the_w3c_vector() -> None:
    pair = json.loads(read_vector("keyPair.json"))
    key = load_signing_key(pair["privateKeyMultibase"])
    assert key.public_multibase == pair["publicKeyMultibase"]
    assert key.public_multibase.startswith("z6Mk")
    decoded = public_key_from_multibase(pair["publicKeyMultibase"])
    assert decoded.public_bytes_raw() == key.public_key.public_bytes_raw()


def test_base58_round_trips_and_keeps_leading_zeros() -> None:
    for data in (b"", b"\0", b"\0\0\x01", bytes(range(256)), b"\xff" * 40):
        assert b58decode(b58encode(data)) == data
    assert b58encode(b"hello world") == "StV1DL6CwTryKyV"


# The multibase specification's base58btc vectors (test1, leading_zero, two_leading_zeros).
# py-multibase 2.0.0 fails the last two (it drops leading zero bytes), which would corrupt one
# signature in 256; that is why Lantern uses the multiformats package.
MULTIBASE_VECTORS = [
    (b"yes mani !", "z7paNL19xttacUY"),
    (b"\0yes mani !", "z17paNL19xttacUY"),
    (b"\0\0yes mani !", "z117paNL19xttacUY"),
]


@pytest.mark.parametrize(("data", "encoded"), MULTIBASE_VECTORS)
def test_base58btc_matches_the_multibase_vectors(data: bytes, encoded: str) -> None:
    assert "z" + b58encode(data) == encoded
    assert b58decode(encoded[1:]) == data


def test_did_key_matches_the_w3c_ccg_vectors() -> None:
    vectors = json.loads(read_vector("did-key-ed25519.json"))
    del vectors["_source"]
    assert len(vectors) == 5
    for did, vector in vectors.items():
        key = SigningKey(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["seed"])))
        assert did_key(key.public_key) == did
        raw = b58decode(vector["publicKeyBase58"])
        assert key.public_key.public_bytes_raw() == raw
        assert did_key_public_key(did).public_bytes_raw() == raw
        assert did_key_public_key(f"{did}#{did.removeprefix('did:key:')}") is not None


@pytest.mark.parametrize("bad", [
    "did:web:example.org", "did:key:", "did:key:zInvalid0",
    "did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW",  # an X25519 key
    "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#other",
])
def test_did_key_refuses_what_is_not_an_ed25519_did_key(bad: str) -> None:
    with pytest.raises(ValueError):
        did_key_public_key(bad)


def test_load_pem_value_and_pem_with_escaped_newlines(signing_key: SigningKey) -> None:
    pem = private_key_pem(signing_key)
    assert raw_seed(load_signing_key(pem)) == raw_seed(signing_key)
    assert raw_seed(load_signing_key(pem.replace("\n", "\\n"))) == raw_seed(signing_key)


def test_load_base64_seed_and_base64_der(signing_key: SigningKey) -> None:
    seed = raw_seed(signing_key)
    der = signing_key.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    for text in (
        base64.b64encode(seed).decode(),
        base64.urlsafe_b64encode(seed).decode().rstrip("="),
        base64.b64encode(der).decode(),
    ):
        assert raw_seed(load_signing_key(text)) == seed


def test_load_from_a_file_path(tmp_path: Path, signing_key: SigningKey) -> None:
    path = tmp_path / "signing.pem"
    path.write_text(private_key_pem(signing_key))
    assert raw_seed(load_signing_key(str(path))) == raw_seed(signing_key)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("/run/secrets/lantern-signing-key", "does not exist"),
        ("instance/signing-key.pem", "does not exist"),
        ("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----", "not an Ed25519"),
        (base64.b64encode(b"too short").decode(), "not an Ed25519"),
    ],
)
def test_bad_settings_raise_one_clear_line(value: str, message: str) -> None:
    with pytest.raises(SigningKeyError, match=message) as caught:
        load_signing_key(value)
    assert "\n" not in str(caught.value)


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="unreadable"):
        load_signing_key(str(tmp_path))  # a directory


def test_binary_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "key.bin"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SigningKeyError) as caught:
        load_signing_key(str(path))
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_other_key_types_are_refused(tmp_path: Path) -> None:
    ec_pem = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(SigningKeyError, match="not an Ed25519 key"):
        load_signing_key(ec_pem.decode())


def test_encrypted_keys_are_refused(signing_key: SigningKey) -> None:
    pem = signing_key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    ).decode()
    with pytest.raises(SigningKeyError, match="encrypted"):
        load_signing_key(pem)


def test_error_messages_never_echo_the_key(signing_key: SigningKey) -> None:
    secret = base64.b64encode(raw_seed(signing_key) + b"xx").decode()
    with pytest.raises(SigningKeyError) as caught:
        load_signing_key(secret)
    assert secret not in str(caught.value)


def test_generate_key_file_is_private_and_loadable(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "signing-key.pem"
    key = generate_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert raw_seed(load_signing_key(str(path))) == raw_seed(key)


def test_generate_key_file_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "signing-key.pem"
    generate_key_file(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        generate_key_file(path)
    assert path.read_bytes() == before


def test_key_ids_differ_between_keys(signing_key: SigningKey, other_key: SigningKey) -> None:
    assert signing_key.key_id != other_key.key_id
    assert key_id(signing_key.public_multibase) == signing_key.key_id
    assert verification_method_id(ISSUER_ID, signing_key.public_key) == (
        f"{ISSUER_ID}#{signing_key.public_multibase}"
    )


def test_issuer_profile_lists_old_and_new_keys(
    signing_key: SigningKey, other_key: SigningKey
) -> None:
    profile = issuer_profile(
        ISSUER_ID,
        "Example Peer Support Institute",
        "https://example.org",
        [signing_key.public_key, other_key.public_multibase, signing_key.public_key],
    )
    assert profile["id"] == ISSUER_ID
    assert profile["type"] == ["Profile"]
    methods = profile["verificationMethod"]
    assert [method["publicKeyMultibase"] for method in methods] == [
        signing_key.public_multibase,
        other_key.public_multibase,
    ]
    assert all(method["type"] == "Multikey" for method in methods)
    assert all(method["controller"] == ISSUER_ID for method in methods)
    assert profile["assertionMethod"] == [method["id"] for method in methods]
    assert verification_methods(profile) == {
        verification_method_id(ISSUER_ID, signing_key.public_key): signing_key.public_multibase,
        verification_method_id(ISSUER_ID, other_key.public_key): other_key.public_multibase,
    }


def test_issuer_profile_is_fully_defined_json_ld(signing_key: SigningKey) -> None:
    profile = issuer_profile(ISSUER_ID, "Example", "https://example.org", [signing_key.public_key])
    assert jsonld.undefined_terms(profile) == []
    assert "https://w3id.org/security#publicKeyMultibase" in jsonld.canonicalize(profile)


def test_generated_keys_sign_and_verify() -> None:
    key = SigningKey(Ed25519PrivateKey.generate())
    public = public_key_from_multibase(public_key_multibase(key.public_key))
    public.verify(key.sign(b"data"), b"data")


def test_an_https_issuer_serves_each_key_at_a_url_of_its_own(signing_key: SigningKey) -> None:
    issuer = "https://verify.example.org/issuer"
    method = verification_method_id(issuer, signing_key.public_key)
    assert method == f"{issuer}/keys/{signing_key.public_multibase}"
    assert method_controlled_by(method, issuer)
    # Credentials issued before keys had URLs of their own named them by fragment.
    assert method_controlled_by(f"{issuer}#{signing_key.public_multibase}", issuer)
    assert not method_controlled_by(f"{issuer}/keys/", issuer)
    assert not method_controlled_by(f"{issuer}/keys/a/b", issuer)
    assert not method_controlled_by(f"https://other.example/issuer/keys/{signing_key.key_id}",
                                    issuer)
    assert not method_controlled_by(f"{issuer}x#{signing_key.key_id}", issuer)
