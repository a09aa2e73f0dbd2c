"""The issuer is recognisable: its profile names the organisation, and an optional did:web."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from lms.auth.models import Role
from lms.catalog.services import get_catalog
from lms.certification import issuing
from lms.config import ConfigError, build_config, did_web_for
from lms.extensions import db
from lms.learning.services import enroll
from tests.certification.records import make_eligible
from tests.conftest import get_user
from tests.factories import make_user


def issue(app, people, monkeypatch) -> dict:
    """Issue the trainee's certificate and return its credential."""
    with app.app_context():
        program = get_catalog().program("foundations")
        make_eligible(monkeypatch, people["trainee"], program)
        certificate = issuing.claim(get_user(people["trainee"]), program, None, date.today())
        db.session.commit()
        return json.loads(certificate.credential_json)


def test_the_profile_names_the_organisation_and_its_website(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_ISSUER_URL", "https://peers.example.org")
    profile = client.get("/issuer").get_json(force=True)
    assert profile["name"] == "Lantern Peer Support Program"
    assert profile["url"] == "https://peers.example.org"
    assert profile["type"] == ["Profile"]


def test_without_a_did_there_is_no_did_document(client):
    assert client.get("/.well-known/did.json").status_code == 404


def test_with_a_did_web_new_credentials_name_it_and_old_ones_still_verify(
        app, people, client, monkeypatch):
    before = issue(app, people, monkeypatch)
    assert before["issuer"]["id"] == "http://localhost/issuer"
    monkeypatch.setitem(app.config, "LMS_ISSUER_DID", "did:web:localhost")
    with app.app_context():
        program = get_catalog().program("foundations")
        second = make_user(Role.TRAINEE, "second@example.org", "Robin Second")
        enroll(second, "foundations")
        make_eligible(monkeypatch, second.id, program)
        certificate = issuing.claim(second, program, None, date.today())
        db.session.commit()
        after = json.loads(certificate.credential_json)

    assert after["issuer"]["id"] == "did:web:localhost"
    method = after["proof"]["verificationMethod"]
    assert method.startswith("did:web:localhost#z6Mk")

    document = client.get("/.well-known/did.json")
    assert document.mimetype == "application/did+ld+json"
    did = document.get_json(force=True)
    assert did["id"] == "did:web:localhost"
    assert did["@context"][0] == "https://www.w3.org/ns/did/v1"
    assert method in did["assertionMethod"]
    assert {m["id"] for m in did["verificationMethod"]} == set(did["assertionMethod"])
    # The URL profile keeps serving what credentials issued before the DID point to.
    old_method = before["proof"]["verificationMethod"]
    assert old_method in client.get("/issuer").get_json(force=True)["assertionMethod"]

    for credential in (before, after):
        answer = client.post("/credentials/verify", json={"verifiableCredential": credential})
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["issuer"]["thisOrganisation"] is True


@pytest.mark.parametrize(("base", "did"), [
    ("https://verify.example.org", "did:web:verify.example.org"),
    ("http://127.0.0.1:8443", "did:web:127.0.0.1%3A8443"),
])
def test_the_did_web_follows_the_sites_address(base: str, did: str) -> None:
    assert did_web_for(base) == did


def test_a_did_this_site_cannot_serve_stops_start_up(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LMS_BASE_URL", "https://verify.example.org")
    monkeypatch.setenv("LMS_ISSUER_DID", "did:web:elsewhere.example")
    with pytest.raises(ConfigError, match="must be 'did:web:verify.example.org'"):
        build_config(tmp_path, {"SECRET_KEY": "x" * 40})
    monkeypatch.setenv("LMS_ISSUER_DID", "did:web:verify.example.org")
    assert build_config(tmp_path, {"SECRET_KEY": "x" * 40})["LMS_ISSUER_DID"] == (
        "did:web:verify.example.org")
