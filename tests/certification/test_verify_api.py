"""POST /credentials/verify and its batch form: VC-API answers, problem details, no network."""

from __future__ import annotations

import copy
import json
import socket
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.catalog.services import get_catalog
from lms.certification import issuing, signing
from lms.certification.credentials.credential import sign_credential
from lms.certification.credentials.keys import SigningKey, did_key, verification_method_id
from lms.certification.models import IssuerKey
from lms.extensions import db
from tests.certification.conftest import make_credential
from tests.certification.records import make_eligible
from tests.conftest import get_user

VERIFY = "/credentials/verify"
BATCH = "/credentials/verify/batch"


@pytest.fixture
def issue(app, people, monkeypatch):
    """Return a function issuing the trainee's certificate on a day; it returns the credential."""
    eligible = []

    def issue_on(today: date, revoke: bool = False) -> tuple[str, dict[str, Any]]:
        with app.app_context():
            program = get_catalog().program("foundations")
            if not eligible:
                eligible.append(make_eligible(monkeypatch, people["trainee"], program))
            certificate = issuing.claim(get_user(people["trainee"]), program, None, today)
            if revoke:
                issuing.revoke(certificate, "Issued in error", get_user(people["admin"]))
            db.session.commit()
            result = certificate.code, json.loads(certificate.credential_json)
            db.session.remove()
        return result
    return issue_on


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything opens a network connection."""
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"a network connection was attempted: {args}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def post(client, body: Any, url: str = VERIFY) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def error_checks(response) -> list[str]:
    return [error["check"] for error in response.get_json()["errors"]]


def test_a_valid_credential_passes_every_check_and_names_its_issuer(client, app, issue,
                                                                      no_network):
    _, credential = issue(date.today())
    response = post(client, {"verifiableCredential": credential, "options": {}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["verified"] is True
    assert body["checks"] == ["proof", "issuer", "expiration", "status"]
    assert body["warnings"] == [] and body["errors"] == []
    with app.app_context():
        assert body["issuer"] == {"id": signing.issuer_id(), "name": signing.issuer_name(),
                                  "thisOrganisation": True}
    assert body["credential"]["holder"] == credential["credentialSubject"]["name"]
    assert body["credential"]["validUntil"] == credential["validUntil"]
    assert response.headers["Cache-Control"] == "no-store"


def test_one_changed_character_fails_the_proof(client, issue, no_network):
    _, credential = issue(date.today())
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["name"] = changed["credentialSubject"]["name"] + "."
    response = post(client, {"verifiableCredential": changed})
    assert response.status_code == 400
    body = response.get_json()
    assert body["verified"] is False
    assert error_checks(response) == ["proof"]
    assert body["errors"][0]["type"] == "https://www.w3.org/ns/credentials#CRYPTOGRAPHIC_SECURITY_ERROR"


def test_revoked_and_expired_credentials_fail_their_checks(client, app, people, issue,
                                                          no_network):
    _, revoked = issue(date.today(), revoke=True)
    response = post(client, {"verifiableCredential": revoked})
    assert response.status_code == 400 and error_checks(response) == ["status"]
    assert response.get_json()["checks"] == ["proof", "issuer", "expiration"]

    _, expired = issue(date.today() - timedelta(days=3 * 366))
    response = post(client, {"verifiableCredential": expired})
    assert response.status_code == 400 and error_checks(response) == ["expiration"]
    assert response.get_json()["errors"][0]["title"] == "Expired"


def test_credentials_signed_with_retired_keys_and_old_key_ids_still_verify(client, app,
                                                                           no_network):
    retired = SigningKey(Ed25519PrivateKey.generate())
    with app.app_context():
        db.session.add(IssuerKey(public_multibase=retired.public_multibase))
        db.session.commit()
        issuer = signing.issuer_id()
        status_url = signing.status_list_url()
    unsigned = make_credential(issuer_id=issuer, status_list_url=status_url,
                               status_list_index=7)
    for method in (verification_method_id(issuer, retired.public_key),
                   f"{issuer}#{retired.public_multibase}"):  # before keys had URLs
        signed = sign_credential(unsigned, retired, method)
        response = post(client, {"verifiableCredential": signed})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["issuer"]["thisOrganisation"] is True


def test_a_did_key_credential_verifies_but_is_never_called_ours(client, no_network):
    stranger = SigningKey(Ed25519PrivateKey.generate())
    issuer = did_key(stranger.public_key)
    unsigned = make_credential(issuer_id=issuer, issuer_name="Lantern Peer Support Program",
                               valid_from=datetime.now(UTC) - timedelta(days=1))
    method = verification_method_id(issuer, stranger.public_key)
    signed = sign_credential(unsigned, stranger, method)
    response = post(client, {"verifiableCredential": signed})
    assert response.status_code == 200
    body = response.get_json()
    assert body["issuer"] == {"id": issuer, "name": "Lantern Peer Support Program",
                              "thisOrganisation": False}
    assert "issuer" not in body["checks"]
    assert [warning["check"] for warning in body["warnings"]] == ["issuer", "status"]
    assert body["warnings"][0]["title"].startswith("Not issued by")


def test_a_proof_made_with_another_key_is_refused(client, app, issue, no_network):
    _, credential = issue(date.today())
    forger = SigningKey(Ed25519PrivateKey.generate())
    unsigned = {name: value for name, value in credential.items() if name != "proof"}
    with app.app_context():
        method = verification_method_id(signing.issuer_id(), forger.public_key)
    forged = sign_credential(unsigned, forger, method)
    response = post(client, {"verifiableCredential": forged})
    assert response.status_code == 400 and error_checks(response) == ["proof"]
    assert "never signed with" in response.get_json()["errors"][0]["detail"]


@pytest.mark.parametrize("case", ["malformed", "five_megabytes", "unknown_context", "did_web",
                                  "no_credential", "not_an_object", "options_not_object"])
def test_bad_input_gets_a_problem_detail_never_a_500_nor_a_network_request(
        client, issue, no_network, case):
    _, credential = issue(date.today())
    if case == "malformed":
        response = client.post(VERIFY, data=b'{"verifiableCredential": {',
                               content_type="application/json")
    elif case == "five_megabytes":
        response = client.post(VERIFY, data=b'{"x": "' + b"a" * (5 * 1024 * 1024) + b'"}',
                               content_type="application/json")
    elif case == "unknown_context":
        credential["@context"].append("https://attacker.example/context.jsonld")
        response = post(client, {"verifiableCredential": credential})
    elif case == "did_web":
        credential["issuer"]["id"] = "did:web:someone-else.example"
        response = post(client, {"verifiableCredential": credential})
    elif case == "no_credential":
        response = post(client, {"credential": credential})
    elif case == "not_an_object":
        response = post(client, [credential])
    else:
        response = post(client, {"verifiableCredential": credential, "options": []})
    assert response.status_code == 400, response.data[:200]
    body = response.get_json()
    assert body["verified"] is False and len(body["errors"]) == 1
    assert set(body["errors"][0]) == {"type", "title", "detail", "check"}
    if case == "did_web":
        assert body["errors"][0]["title"] == "Cannot resolve this issuer"
        assert body["issuer"]["thisOrganisation"] is False
    if case == "unknown_context":
        assert "attacker.example" in body["errors"][0]["detail"]


def test_the_batch_verifies_credentials_and_codes_in_order(client, issue, no_network):
    code, credential = issue(date.today())
    items = [{"verifiableCredential": credential}, {"code": code.lower()},
             {"code": "PSC-0000-0000-0000-0000"}, {"something": "else"}]
    response = post(client, {"items": items}, BATCH)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [result["status"] for result in results] == [200, 200, 404, 400]
    assert results[1]["verified"] is True and results[1]["code"] != code.lower()
    assert results[2]["errors"][0]["title"] == "Not found"


def test_the_batch_takes_at_most_twenty_and_each_item_counts_against_the_budget(
        client, issue, no_network):
    code, _ = issue(date.today())
    for _ in range(2):
        assert post(client, {"items": [{"code": code}] * 20}, BATCH).status_code == 200
    too_many = post(client, {"items": [{"code": code}] * 21}, BATCH)
    assert too_many.status_code == 400  # refused whole, at the cost of one request
    # 40 + 1 + 19 spend the 60 per minute.
    assert post(client, {"items": [{"code": code}] * 19}, BATCH).status_code == 200
    refused = post(client, {"verifiableCredential": {}})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["errors"][0]["title"] == "Too many requests"


def test_guessing_codes_in_batches_runs_out_of_failed_look_ups(client, no_network):
    guesses = [{"code": "PSC-0000-0000-0000-0000"}] * 10
    assert post(client, {"items": guesses}, BATCH).status_code == 200
    assert post(client, {"items": guesses}, BATCH).status_code == 200
    assert post(client, {"items": guesses}, BATCH).status_code == 429


def test_the_openapi_document_describes_both_operations(client):
    document = client.get("/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {VERIFY, BATCH, "/oid4vci/token", "/oid4vci/nonce",
                                      "/oid4vci/credential"}
    assert document["servers"] == [{"url": "http://localhost"}]


def test_a_batch_over_its_body_limit_is_refused_with_a_problem_detail(client, no_network):
    body = b'{"items": [{"code": "' + b"A" * (2 * 1024 * 1024) + b'"}]}'
    response = client.post(BATCH, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["title"] == "Body too large"


def test_the_api_the_json_and_the_verify_page_spend_one_failed_look_up_budget(client,
                                                                               no_network):
    guess = "0000-0000-0000-0000"
    # 10 unknown codes through the API's batch, 5 through the JSON, 5 through the page...
    assert post(client, {"items": [{"code": guess}] * 10}, BATCH).status_code == 200
    for _ in range(5):
        assert client.get(f"/verify/{guess}.json").status_code == 404
        assert client.get(f"/verify/{guess}").status_code == 404
    # ...spend the 20 per minute for every door: the page and the API both refuse now.
    assert client.get(f"/verify/{guess}").status_code == 429
    refused = post(client, {"items": [{"code": guess}]}, BATCH)
    assert refused.status_code == 429
    assert refused.get_json()["errors"][0]["title"] == "Too many requests"


def test_failed_api_checks_count_against_the_verify_page_too(client, no_network):
    for _ in range(20):
        assert post(client, {"verifiableCredential": {}}).status_code == 400
    assert client.get("/verify/0000-0000-0000-0000").status_code == 429
