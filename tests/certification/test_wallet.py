"""Wallet collection over OpenID4VCI 1.0: offers, tokens, nonces, proofs and the copies issued.

The holder here is played with joserfc; tests/verifiers/test_wallet_client.py plays it with an
independent client from npm over TLS.
"""

from __future__ import annotations

import io
import json
import re
import time
import warnings
import zipfile
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, OKPKey
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from lms.audit.services import reconcile
from lms.catalog.services import get_catalog
from lms.certification import issuing
from lms.certification.audited import wallet_copy_ledger
from lms.certification.codes import format_code
from lms.certification.credentials.keys import did_key
from lms.certification.models import Certificate, WalletCopy, WalletOffer
from lms.extensions import db
from lms.models import utcnow
from tests.certification.records import make_eligible
from tests.conftest import csrf_token, get_user

ISSUER = "http://localhost"
TOKEN = "/oid4vci/token"
GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


@pytest.fixture
def certificate(app, people, monkeypatch) -> str:
    """Issue the trainee's certificate and return its code."""
    with app.app_context():
        program = get_catalog().program("foundations")
        make_eligible(monkeypatch, people["trainee"], program)
        issued = issuing.claim(get_user(people["trainee"]), program, None, date.today())
        db.session.commit()
        code = issued.code
        db.session.remove()
    return code


@pytest.fixture
def holder(client, sign_in, certificate):
    """Return a function making an offer as the signed-in trainee: (pre-authorized code, tx)."""
    sign_in("trainee@example.org")

    def make(with_tx_code: bool = True) -> tuple[str, str | None, str]:
        token = csrf_token(client, "/certificates")
        data = {"csrf_token": token, **({"tx_code": "y"} if with_tx_code else {})}
        page = client.post(f"/certificates/{certificate}/wallet", data=data)
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
        html = page.get_data(as_text=True)
        link = re.search(r'href="(openid-credential-offer://[^"]+)"', html).group(1)
        offer = json.loads(parse_qs(urlsplit(link.replace("&amp;", "&")).query)
                           ["credential_offer"][0])
        grant = offer["grants"][GRANT]
        tx = re.search(r'aria-label="Transaction code"><strong>(\d{6})<', html)
        assert ("tx_code" in grant) == with_tx_code == (tx is not None)
        return grant["pre-authorized_code"], tx.group(1) if tx else None, html
    return make


def token_for(client, code: str, tx_code: str | None) -> Any:
    data = {"grant_type": GRANT, "pre-authorized_code": code}
    if tx_code is not None:
        data["tx_code"] = tx_code
    return client.post(TOKEN, data=data)


def proof(key: OKPKey | ECKey, nonce: str | None, *, aud: str = ISSUER, typ: str =
          "openid4vci-proof+jwt", header_key: dict | None = None, kid: str | None = None) -> str:
    alg = "EdDSA" if isinstance(key, OKPKey) else "ES256"
    header: dict[str, Any] = {"alg": alg, "typ": typ}
    if kid:
        header["kid"] = kid
    else:
        header["jwk"] = header_key or key.as_dict(private=False)
    claims = {"aud": aud, "iat": int(time.time()), **({"nonce": nonce} if nonce else {})}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)  # wallets still send "EdDSA"
        return jws.serialize_compact(header, json.dumps(claims), key, algorithms=[alg])


def fresh_nonce(client) -> str:
    response = client.post("/oid4vci/nonce")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return response.get_json()["c_nonce"]


def ask(client, access_token: str, jwt: str) -> Any:
    return client.post("/oid4vci/credential", headers={"Authorization": f"Bearer {access_token}"},
                       json={"credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                             "proofs": {"jwt": [jwt]}})


def copies(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(WalletCopy))
        db.session.remove()
    return count


def test_the_metadata_names_the_endpoints_and_the_ldp_vc_configuration(client):
    metadata = client.get("/.well-known/openid-credential-issuer").get_json()
    assert metadata["credential_issuer"] == ISSUER
    assert metadata["credential_endpoint"] == f"{ISSUER}/oid4vci/credential"
    assert metadata["nonce_endpoint"] == f"{ISSUER}/oid4vci/nonce"
    configuration = metadata["credential_configurations_supported"]["OpenBadgeCredential_ldp_vc"]
    assert configuration["format"] == "ldp_vc"
    assert configuration["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
    oauth = client.get("/.well-known/oauth-authorization-server").get_json()
    assert oauth["token_endpoint"] == f"{ISSUER}/oid4vci/token"
    assert oauth["pre-authorized_grant_anonymous_access_supported"] is True


def test_a_wallet_collects_a_copy_bound_to_its_key_that_verifies_and_is_audited(
        client, app, holder, certificate):
    code, tx_code, html = holder()
    assert "<svg" in html and "10 minutes" in html
    assert len(html.encode()) < 60_000  # the page budget, QR code included
    granted = token_for(client, code, tx_code)
    assert granted.status_code == 200, granted.get_json()
    assert granted.headers["Cache-Control"] == "no-store"
    access = granted.get_json()["access_token"]
    key = OKPKey.generate_key("Ed25519")
    response = ask(client, access, proof(key, fresh_nonce(client)))
    assert response.status_code == 200, response.get_json()
    credential = response.get_json()["credentials"][0]["credential"]
    assert credential["credentialSubject"]["id"].startswith("did:jwk:")
    assert credential["id"].startswith("urn:uuid:")
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    with app.app_context():
        issued = db.session.scalar(select(Certificate).filter_by(code=certificate))
        original = json.loads(issued.credential_json)
        assert credential["credentialStatus"] == original["credentialStatus"]
        assert credential["credentialSubject"]["name"] == original["credentialSubject"]["name"]
        stored = db.session.scalar(select(WalletCopy))
        assert json.loads(stored.credential_json) == credential
        assert reconcile([wallet_copy_ledger()]) == []
        db.session.remove()
    assert app.test_cli_runner().invoke(args=["lms", "audit", "verify"]).exit_code == 0
    with app.app_context():
        # The database refuses to change a copy; someone with direct access who removes that
        # guard and alters one is found by `lms audit verify`.
        with pytest.raises((IntegrityError, DBAPIError), match="wallet copies are kept"):
            with db.session.begin_nested():
                db.session.execute(update(WalletCopy).values(holder_did="did:key:z6Mkforged"))
        with pytest.raises((IntegrityError, DBAPIError), match="wallet copies are kept"):
            with db.session.begin_nested():
                db.session.execute(delete(WalletCopy))
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.execute(text("DROP TRIGGER wallet_copy_kept_update"))
        else:
            db.session.execute(text("ALTER TABLE wallet_copy DISABLE TRIGGER wallet_copy_kept"))
        db.session.execute(update(WalletCopy).values(holder_did="did:key:z6Mkforged"))
        db.session.commit()
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["lms", "audit", "verify"])
    assert result.exit_code == 1
    assert re.search(rf"Record wallet copy [0-9a-f-]{{36}} of {format_code(certificate)} "
                     r"\(#\d+\) is altered", result.output), result.output
    verdict = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert verdict.status_code == 200 and verdict.get_json()["verified"] is True
    # The code and the token each work once.
    assert token_for(client, code, tx_code).get_json()["error"] == "invalid_grant"
    again = ask(client, access, proof(key, fresh_nonce(client)))
    assert again.status_code == 401 and again.get_json()["error"] == "invalid_token"
    assert copies(app) == 1


def test_revoking_the_certificate_revokes_the_wallet_copy(client, app, people, holder,
                                                          certificate):
    code, tx_code, _ = holder()
    access = token_for(client, code, tx_code).get_json()["access_token"]
    key = ECKey.generate_key("P-256")
    credential = ask(client, access, proof(key, fresh_nonce(client))).get_json()[
        "credentials"][0]["credential"]
    with app.app_context():
        issuing.revoke(db.session.scalar(select(Certificate).filter_by(code=certificate)),
                       "Issued in error", get_user(people["admin"]))
        db.session.commit()
        db.session.remove()
    verdict = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert verdict.status_code == 400
    assert "status" in [error["check"] for error in verdict.get_json()["errors"]]


def test_a_did_key_holder_is_named_by_its_did(client, holder):
    code, _, _ = holder(with_tx_code=False)
    access = token_for(client, code, None).get_json()["access_token"]
    key = OKPKey.generate_key("Ed25519")
    did = did_key(key.public_key)
    response = ask(client, access, proof(key, fresh_nonce(client), kid=f"{did}#{did[8:]}"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["credentials"][0]["credential"]["credentialSubject"]["id"] == did


def test_five_wrong_transaction_codes_burn_the_offer(client, app, holder):
    code, tx_code, _ = holder()
    assert token_for(client, code, None).get_json()["error"] == "invalid_request"
    wrong = "000000" if tx_code != "000000" else "111111"
    for attempt in range(5):
        refused = token_for(client, code, wrong)
        assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_grant"
        if attempt < 4:
            assert f"{4 - attempt} tries left" in refused.get_json()["error_description"]
    assert "cancelled" in refused.get_json()["error_description"]
    assert token_for(client, code, tx_code).get_json()["error"] == "invalid_grant"
    with app.app_context():
        offer = db.session.scalar(select(WalletOffer))
        assert offer.failed_tx_codes == 5 and offer.burned_at is not None
        assert offer.token_sha256 is None
        db.session.remove()


def test_an_expired_offer_and_an_unknown_grant_are_refused(client, app, holder):
    code, tx_code, _ = holder()
    assert client.post(TOKEN, data={"grant_type": "authorization_code", "code": code}
                       ).get_json()["error"] == "unsupported_grant_type"
    assert token_for(client, "made-up", None).get_json()["error"] == "invalid_grant"
    with app.app_context():
        db.session.execute(update(WalletOffer).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()
    expired = token_for(client, code, tx_code)
    assert expired.status_code == 400 and expired.get_json()["error"] == "invalid_grant"
    assert "expired" in expired.get_json()["error_description"]


@pytest.mark.parametrize(("case", "error"), [
    ("wrong audience", "invalid_proof"), ("wrong typ", "invalid_proof"),
    ("another key signed", "invalid_proof"), ("private key in header", "invalid_proof"),
    ("made-up nonce", "invalid_nonce"), ("no nonce", "invalid_nonce"),
    ("reused nonce", "invalid_nonce"), ("other did method", "invalid_proof"),
])
def test_a_bad_proof_is_refused_and_nothing_is_issued(client, app, holder, case, error):
    code, tx_code, _ = holder()
    access = token_for(client, code, tx_code).get_json()["access_token"]
    key, other = OKPKey.generate_key("Ed25519"), OKPKey.generate_key("Ed25519")
    nonce = fresh_nonce(client)
    jwt = {
        "wrong audience": lambda: proof(key, nonce, aud="https://elsewhere.example"),
        "wrong typ": lambda: proof(key, nonce, typ="JWT"),
        "another key signed": lambda: proof(other, nonce, header_key=key.as_dict(private=False)),
        "private key in header": lambda: proof(key, nonce, header_key=key.as_dict(private=True)),
        "made-up nonce": lambda: proof(key, "not-issued-here"),
        "no nonce": lambda: proof(key, None),
        "reused nonce": lambda: proof(key, nonce),
        "other did method": lambda: proof(key, nonce, kid="did:web:elsewhere.example#key"),
    }[case]()
    if case == "reused nonce":
        spare_code, spare_tx, _ = holder()
        spare = token_for(client, spare_code, spare_tx).get_json()["access_token"]
        assert ask(client, spare, jwt).status_code == 200
    refused = ask(client, access, jwt)
    assert refused.status_code == 400 and refused.get_json()["error"] == error, refused.get_json()
    assert copies(app) == (1 if case == "reused nonce" else 0)
    # The refusal spent neither the token nor anything else: a good proof still succeeds.
    assert ask(client, access, proof(key, fresh_nonce(client))).status_code == 200


def test_only_the_holder_can_make_an_offer_and_production_needs_https(
        client, app, sign_in, certificate, monkeypatch):
    sign_in("admin@example.org")
    token = csrf_token(client, "/admin/people")
    assert client.post(f"/certificates/{certificate}/wallet",
                       data={"csrf_token": token}).status_code == 403
    monkeypatch.setitem(app.config, "LMS_ENV", "production")
    plain = client.post("/oid4vci/nonce")
    assert plain.status_code == 400 and plain.get_json()["error"] == "invalid_request"
    assert "HTTPS" in plain.get_json()["error_description"]
    assert client.get("/.well-known/openid-credential-issuer").status_code == 400
    assert client.post("/oid4vci/nonce", base_url="https://localhost").status_code == 200


def test_a_draft_style_single_proof_is_also_accepted(client, holder):
    code, tx_code, _ = holder()
    access = token_for(client, code, tx_code).get_json()["access_token"]
    key = OKPKey.generate_key("Ed25519")
    response = client.post(
        "/oid4vci/credential", headers={"Authorization": f"Bearer {access}"},
        json={"credential_configuration_id": "OpenBadgeCredential_ldp_vc",
              "proof": {"proof_type": "jwt", "jwt": proof(key, fresh_nonce(client))}})
    assert response.status_code == 200, response.get_json()


def test_every_refusal_on_the_wallet_endpoints_is_an_oauth_error_never_a_web_page(client):
    nul = client.post(TOKEN, data={"grant_type": GRANT, "pre-authorized_code": "a\x00b"})
    assert nul.status_code == 400 and nul.get_json()["error"] == "invalid_request"
    assert "NUL" in nul.get_json()["error_description"]
    for _ in range(30):
        assert token_for(client, "guess", None).status_code == 400
    limited = token_for(client, "guess", None)
    assert limited.status_code == 429 and limited.get_json()["error"] == "invalid_request"
    assert int(limited.headers["Retry-After"]) > 0
    too_big = client.post("/oid4vci/credential", data="x" * 20_000,
                          headers={"Authorization": "Bearer x"}, content_type="application/json")
    assert too_big.status_code == 401  # the token is checked before the body is read


def test_a_certificate_revoked_during_collection_is_not_issued_nor_offered_again(
        client, app, people, holder, certificate):
    code, tx_code, _ = holder()
    access = token_for(client, code, tx_code).get_json()["access_token"]
    with app.app_context():
        issuing.revoke(db.session.scalar(select(Certificate).filter_by(code=certificate)),
                       "Issued in error", get_user(people["admin"]))
        db.session.commit()
        db.session.remove()
    refused = ask(client, access, proof(OKPKey.generate_key("Ed25519"), fresh_nonce(client)))
    assert refused.status_code == 400
    assert refused.get_json() == {"error": "credential_request_denied",
                                  "error_description": "The certificate is revoked."}
    assert copies(app) == 0
    page = client.post(f"/certificates/{certificate}/wallet",
                       data={"csrf_token": csrf_token(client, "/certificates")},
                       follow_redirects=True)
    assert "Only a current certificate can go into a wallet." in page.get_data(as_text=True)


def test_the_holders_data_download_holds_their_wallet_copies(client, app, holder):
    code, tx_code, _html = holder()
    access = token_for(client, code, tx_code).get_json()["access_token"]
    credential = ask(client, access, proof(OKPKey.generate_key("Ed25519"), fresh_nonce(client))
                     ).get_json()["credentials"][0]["credential"]
    token = csrf_token(client, "/account")
    response = client.post("/account/data", data={"csrf_token": token})
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    [copy] = json.loads(archive.read("wallet_copies.json"))
    assert json.loads(copy["credential_json"]) == credential
    assert copy["holder_did"] == credential["credentialSubject"]["id"]
    assert "wallet_copies.json " in archive.read("README.txt").decode()
