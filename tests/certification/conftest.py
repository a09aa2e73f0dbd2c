"""Fixtures for the certification core: keys, an issuer, a sample credential and a design."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.certification.credentials import jsonld
from lms.certification.credentials.credential import build_credential, sign_credential
from lms.certification.credentials.keys import SigningKey, verification_method_id
from lms.certification.pdf import CertificateValues, PracticeLine
from lms.certification.qr import qr_svg

VECTORS = Path(__file__).parent / "vectors"
DESIGN_DIR = Path(__file__).resolve().parents[2] / "certificates" / "classic"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"

ISSUER_ID = "did:web:verify.example.org"
VERIFY_URL = "https://verify.example.org/verify/7Q4MK9XH2RVDHT3E"
SIGNED_AT = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def read_vector(name: str) -> str:
    """Return the text of a W3C test vector file."""
    return (VECTORS / name).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def vector_loader() -> jsonld.DocumentLoader:
    """Return a loader serving the pinned contexts plus the W3C examples context."""
    examples = json.loads(read_vector("examples-v2.jsonld"))
    return jsonld.make_loader({EXAMPLES_V2: examples})


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    """Return a fixed Ed25519 key so signatures are reproducible between runs."""
    return SigningKey(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))


@pytest.fixture(scope="session")
def other_key() -> SigningKey:
    """Return a second key, standing in for a rotated or foreign key."""
    return SigningKey(Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64))))


@pytest.fixture(scope="session")
def method_id(signing_key: SigningKey) -> str:
    """Return the verification method id of the signing key."""
    return verification_method_id(ISSUER_ID, signing_key.public_key)


@pytest.fixture(scope="session")
def public_keys(signing_key: SigningKey, method_id: str) -> dict[str, str]:
    """Return the verifier's key map for the issuer."""
    return {method_id: signing_key.public_multibase}


def make_credential(**overrides: Any) -> dict[str, Any]:
    """Return an unsigned sample credential, with keyword overrides."""
    arguments: dict[str, Any] = {
        "credential_id": "https://verify.example.org/credentials/7Q4MK9XH2RVDHT3E.json",
        "issuer_id": ISSUER_ID,
        "issuer_name": "Example Peer Support Institute",
        "issuer_url": "https://example.org",
        "holder_id": "urn:uuid:1b4e28ba-2fa1-41d2-883f-0016d3cca427",
        "holder_name": "Amara Okonkwo-Lindqvist",
        "achievement_id": "https://verify.example.org/achievements/foundations-1",
        "achievement_name": "Foundations of Peer Support",
        "achievement_description": "Training, supervised practice and observed competencies.",
        "criteria_narrative": "Passed 3 modules; 40 hours of approved supervised practice.",
        "valid_from": SIGNED_AT,
        "valid_until": date(2028, 1, 15),
        "status_list_url": "https://verify.example.org/status/1",
        "status_list_index": 94567,
    }
    arguments.update(overrides)
    return build_credential(**arguments)


@pytest.fixture
def credential() -> dict[str, Any]:
    """Return an unsigned sample credential."""
    return make_credential()


@pytest.fixture(scope="session")
def signed(signing_key: SigningKey, method_id: str) -> dict[str, Any]:
    """Return the sample credential, signed (never mutate it: copy first)."""
    return sign_credential(make_credential(), signing_key, method_id, created=SIGNED_AT)


@pytest.fixture(scope="session")
def design_dir() -> Path:
    """Return the classic certificate design folder."""
    return DESIGN_DIR


@pytest.fixture(scope="session")
def values() -> CertificateValues:
    """Return the plain values of a sample certificate."""
    return CertificateValues(
        holder_name="Amara Okonkwo-Lindqvist",
        program_title="Foundations of Peer Support",
        issued_on=date(2026, 1, 15),
        expires_on=date(2028, 1, 15),
        code_display="7Q4M-K9XH-2RVD-HT3E",
        verify_url=VERIFY_URL,
        modules=("Welcome and values", "Listening and validation", "Boundaries and self-care"),
        practice_lines=(
            PracticeLine("Individual peer support", 1830),
            PracticeLine("Group facilitation", 570),
        ),
        competencies=("Active listening", "Recognising crisis and referring"),
        qr_svg=qr_svg(VERIFY_URL),
        issuer_name="Example Peer Support Institute",
    )
