"""A wallet written by others collects a certificate over OpenID4VCI 1.0, over TLS.

The OpenWallet Foundation's client (@openid4vc/openid4vci, pinned in node/package-lock.json)
plays the wallet against Lantern under gunicorn with a certificate this test makes and trusts
(NODE_EXTRA_CA_CERTS); both independent verifiers then check what it received, before and
after the certificate is revoked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import _free_port
from tests.verifiers.test_independent_verifiers import (
    NODE_DIR,
    ROOT,
    Lantern,
    _environment,
    _node,
    _seed,
    _serve,
    make_tls,
    run_verifiers,
)

OFFER = """
import json, sys
from sqlalchemy import select
from lms import create_app
from lms.auth.models import User
from lms.certification import wallet
from lms.certification.models import Certificate
from lms.extensions import db

app = create_app()
with app.app_context():
    holder = db.session.scalar(select(User).filter_by(email=sys.argv[1]))
    certificate = db.session.scalar(select(Certificate).filter_by(user_id=holder.id))
    shown = wallet.make_offer(certificate, holder, with_tx_code=True)
    db.session.commit()
    json.dump({"code": certificate.code, "uri": shown.uri, "tx_code": shown.tx_code}, sys.stdout)
"""

REVOKE_AND_COUNT = """
import json, sys
from sqlalchemy import func, select
from lms import create_app
from lms.audit.services import reconcile
from lms.auth.models import Role, User
from lms.certification import issuing
from lms.certification.audited import wallet_copy_ledger
from lms.certification.models import Certificate, WalletCopy
from lms.extensions import db

app = create_app()
with app.app_context():
    copies = db.session.scalar(select(func.count()).select_from(WalletCopy))
    findings = [str(finding) for finding in reconcile([wallet_copy_ledger()])]
    certificate = db.session.scalar(select(Certificate).filter_by(code=sys.argv[1]))
    admin = db.session.scalar(select(User).filter_by(role=Role.ADMIN))
    issuing.revoke(certificate, "Issued in error", admin)
    db.session.commit()
    json.dump({"copies": copies, "findings": findings}, sys.stdout)
"""


def _python(env: dict[str, str], script: str, *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Serve Lantern over TLS, make an offer, and let the npm client collect it."""
    node = _node()
    if not (NODE_DIR / "node_modules" / "@openid4vc" / "openid4vci").exists():
        pytest.fail(f"the OpenID4VCI client is not installed: run `npm ci` in {NODE_DIR}")
    instance = tmp_path_factory.mktemp("wallet")
    port = _free_port()
    env = _environment(instance, f"https://127.0.0.1:{port}")
    _seed(env, "wallet")
    offer = _python(env, OFFER, "wallet@example.org")
    for lantern in _serve(instance, env, port, {}, tls=make_tls(instance)):
        assert lantern.tls is not None
        node_env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(lantern.tls.authority)}
        done = subprocess.run(
            [node, "wallet.mjs"], cwd=NODE_DIR, env=node_env, capture_output=True, text=True,
            timeout=120, input=json.dumps({
                "origin": lantern.url, "offer": offer["uri"], "txCode": offer["tx_code"],
                "attempts": ["wrong-tx-code", "wrong-audience", "wrong-nonce", "replay"]}))
        assert done.returncode == 0, done.stderr
        wallet = json.loads(done.stdout)
        before = run_verifiers(lantern, [wallet["credential"]])
        after_state = _python(env, REVOKE_AND_COUNT, offer["code"])
        after = run_verifiers(lantern, [wallet["credential"]])
        yield {"lantern": lantern, "wallet": wallet, "before": before["results"][0],
               "after": after["results"][0], "state": after_state,
               "verifier_requests": before["requested"] + after["requested"]}


def test_the_client_speaks_openid4vci_1_0_and_collects_a_credential_bound_to_its_key(
        collected: dict[str, Any]) -> None:
    wallet = collected["wallet"]
    assert wallet["version"] == "V1"
    assert wallet["tokenType"] == "Bearer"
    credential = wallet["credential"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    subject_id = credential["credentialSubject"]["id"]
    assert subject_id.startswith("did:jwk:")
    import base64
    encoded = subject_id.removeprefix("did:jwk:")
    named = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert named["x"] == wallet["holderJwk"]["x"]


def test_each_mistake_gets_its_openid4vci_error_and_only_one_copy_is_issued(
        collected: dict[str, Any]) -> None:
    assert collected["wallet"]["mistakes"] == {
        "wrong-tx-code": "invalid_grant", "wrong-audience": "invalid_proof",
        "wrong-nonce": "invalid_nonce", "replay": "invalid_grant"}
    assert collected["state"] == {"copies": 1, "findings": []}


def test_both_verifiers_accept_the_wallet_copy_and_see_it_revoked_with_its_certificate(
        collected: dict[str, Any]) -> None:
    before, after = collected["before"], collected["after"]
    assert before["digitalbazaar"] == {"verified": True, "signature": True,
                                       "status": "not revoked", "error": None}
    assert before["dcc"]["steps"]["valid_signature"] is True
    assert before["dcc"]["steps"]["revocation_status"] is True
    assert before["dcc"]["steps"]["expiration"] is True
    assert after["digitalbazaar"]["signature"] is True
    assert after["digitalbazaar"]["status"] == "revoked"
    assert after["dcc"]["steps"]["revocation_status"] is False


def test_nothing_but_lantern_over_tls_on_127_0_0_1_was_reached(
        collected: dict[str, Any]) -> None:
    lantern: Lantern = collected["lantern"]
    wallet = collected["wallet"]
    assert lantern.url.startswith("https://127.0.0.1:")
    assert wallet["guardCheck"] == {"fetch": "refused", "socket": "refused"}
    # Only the guard's own two probes were refused: the client itself wanted nothing else.
    assert wallet["refused"] == ["https://example.org/", "socket:203.0.113.1"]
    reached = {entry.split(" ", 1)[1] for entry in wallet["requested"]}
    assert reached == {f"{lantern.url}{path}" for path in (
        "/.well-known/openid-credential-issuer", "/.well-known/oauth-authorization-server",
        "/oid4vci/token", "/oid4vci/nonce", "/oid4vci/credential")}
    assert all(url.startswith(lantern.url + "/") for url in collected["verifier_requests"])
