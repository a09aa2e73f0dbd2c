"""Verifiers written by others accept Lantern's credentials and catch what they must catch.

Lantern runs under gunicorn on 127.0.0.1; the Digital Credentials Consortium's verifier-core
and Digital Bazaar's vc library (pinned in node/package-lock.json) verify credentials it issued,
fetching the issuer's keys and the status list from it and nothing from anywhere else.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import _free_port

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = Path(__file__).parent / "node"

SEED = """
import json, sys
from datetime import date, timedelta
from lms import create_app
from lms.auth.models import Role
from lms.certification import issuing
from lms.extensions import db
from lms.learning.services import enroll, get_catalog
from tests.certification.records import earn_everything
from tests.factories import make_user

app = create_app()
with app.app_context():
    admin = make_user(Role.ADMIN, f"admin-{sys.argv[1]}@example.org", "Alex Admin")
    supervisor = make_user(Role.SUPERVISOR, f"supervisor-{sys.argv[1]}@example.org", "Sam Okafor")
    program = get_catalog().program("foundations")
    issued = {}
    for label in sys.argv[1:]:
        trainee = make_user(Role.TRAINEE, f"{label}@example.org", f"{label.title()} Lee")
        enroll(trainee, "foundations")
        from lms.admin.services import assign_supervisor
        assign_supervisor(trainee, supervisor, admin)
        earn_everything(trainee.id, supervisor.id)
        today = date.today() - timedelta(days=3 * 366) if label == "expired" else date.today()
        certificate = issuing.claim(trainee, program, None, today)
        if label == "revoked":
            issuing.revoke(certificate, "Issued in error", admin)
        issued[label] = json.loads(certificate.credential_json)
    db.session.commit()
    json.dump(issued, sys.stdout)
"""


@dataclass
class Lantern:
    """A running Lantern and the credentials it issued."""

    url: str
    credentials: dict[str, dict[str, Any]]


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: bash setup.sh test installs Debian's nodejs and npm")
    if not (NODE_DIR / "node_modules" / "@digitalcredentials" / "verifier-core").exists():
        pytest.fail(f"the verifiers are not installed: run `npm ci` in {NODE_DIR}")
    return node


@pytest.fixture(scope="module")
def lantern(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lantern]:
    """Issue credentials with one key, rotate to a second, issue again, and serve Lantern."""
    _node()
    instance = tmp_path_factory.mktemp("verifiers")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "LMS_INSTANCE_PATH": str(instance), "LMS_BASE_URL": url,
           "LMS_ENV": "development", "LMS_DATABASE_URL": f"sqlite:///{instance / 'db.sqlite3'}",
           "PYTHONPATH": str(ROOT)}
    env.pop("LMS_REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    credentials = _seed(env, "valid", "revoked", "expired")
    # Rotation: the server now signs with a new key, and every earlier key must still verify.
    new_key = instance / "rotated_key.pem"
    subprocess.run([sys.executable, "-c", "from lms.certification.credentials.keys import "
                    f"generate_key_file; generate_key_file({str(new_key)!r})"], cwd=ROOT,
                   check=True)
    env["LMS_SIGNING_KEY"] = str(new_key)
    credentials |= _seed(env, "rotated")
    log_path = instance / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", "4", "wsgi:app"], cwd=ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT)
        try:
            _wait_until_up(url, process, log_path)
            yield Lantern(url, credentials)
        finally:
            process.terminate()
            process.wait(timeout=10)


def _seed(env: dict[str, str], *labels: str) -> dict[str, dict[str, Any]]:
    """Issue one certificate per label through Lantern's own services; return the credentials."""
    seeded = subprocess.run([sys.executable, "-c", SEED, *labels], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert seeded.returncode == 0, seeded.stderr
    return json.loads(seeded.stdout)


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path) -> None:
    """Wait for the server to answer, failing with its log if it never does."""
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/issuer", timeout=2).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"Lantern did not start:\n{log_path.read_text()}")
            time.sleep(0.2)


def run_verifiers(lantern: Lantern, credentials: list[dict[str, Any]]) -> dict[str, Any]:
    """Return what both independent verifiers say about each credential."""
    completed = subprocess.run(
        [_node(), "verify.mjs"], cwd=NODE_DIR, input=json.dumps(
            {"origin": lantern.url, "credentials": credentials}),
        capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def tamper(credential: dict[str, Any]) -> dict[str, Any]:
    """Return a copy with one character of the holder's name changed."""
    changed = json.loads(json.dumps(credential))
    subject = changed["credentialSubject"]
    name = subject["name"]
    subject["name"] = name[:-1] + ("x" if name[-1] != "x" else "y")
    return changed


@pytest.fixture(scope="module")
def verdicts(lantern: Lantern) -> dict[str, Any]:
    """Verify the valid, tampered, revoked and expired credentials in one Node run."""
    issued = lantern.credentials
    labels = ["valid", "tampered", "revoked", "expired", "rotated"]
    batch = [issued["valid"], tamper(issued["valid"]), issued["revoked"], issued["expired"],
             issued["rotated"]]
    output = run_verifiers(lantern, batch)
    return {"by_label": dict(zip(labels, output["results"], strict=True)),
            "requested": output["requested"], "refused": output["refused"]}


def test_a_valid_credential_passes_every_check(verdicts: dict[str, Any]) -> None:
    valid = verdicts["by_label"]["valid"]
    assert valid["digitalbazaar"] == {"verified": True, "signature": True,
                                      "status": "not revoked", "error": None}
    assert valid["dcc"]["steps"] == {"valid_signature": True, "expiration": True,
                                     "revocation_status": True,
                                     # No issuer registry is consulted offline (docs/deploy.md).
                                     "registered_issuer": False}


def test_credentials_from_before_and_after_a_key_rotation_both_verify(
        verdicts: dict[str, Any], lantern: Lantern) -> None:
    old_key = lantern.credentials["valid"]["proof"]["verificationMethod"]
    new_key = lantern.credentials["rotated"]["proof"]["verificationMethod"]
    assert old_key != new_key
    for label in ("valid", "rotated"):
        verdict = verdicts["by_label"][label]
        assert verdict["digitalbazaar"]["verified"] is True, verdict
        assert verdict["dcc"]["steps"]["valid_signature"] is True, verdict


def test_one_changed_character_fails_the_signature(verdicts: dict[str, Any]) -> None:
    tampered = verdicts["by_label"]["tampered"]
    assert tampered["digitalbazaar"]["verified"] is False
    assert tampered["digitalbazaar"]["signature"] is False
    assert "Invalid signature" in tampered["digitalbazaar"]["error"]
    assert tampered["dcc"] == {"fatal": ["invalid_signature: The signature is not valid."]}


def test_a_revoked_credential_fails_the_status_check(verdicts: dict[str, Any]) -> None:
    revoked = verdicts["by_label"]["revoked"]
    # Digital Bazaar's "verified" covers the proof and the status check having run; the bit it
    # read is reported apart, as the status.
    assert revoked["digitalbazaar"]["signature"] is True
    assert revoked["digitalbazaar"]["status"] == "revoked"
    assert revoked["dcc"]["steps"]["valid_signature"] is True
    assert revoked["dcc"]["steps"]["revocation_status"] is False


def test_an_expired_credential_fails_the_expiry_check(verdicts: dict[str, Any]) -> None:
    expired = verdicts["by_label"]["expired"]
    assert expired["digitalbazaar"]["verified"] is False
    assert 'is after "validUntil"' in expired["digitalbazaar"]["error"]
    assert expired["dcc"]["steps"]["valid_signature"] is True
    assert expired["dcc"]["steps"]["expiration"] is False
    assert expired["dcc"]["steps"]["revocation_status"] is True


def test_nothing_but_lantern_on_127_0_0_1_was_reached(lantern: Lantern,
                                                      verdicts: dict[str, Any]) -> None:
    assert verdicts["requested"], "the verifiers fetched neither keys nor the status list"
    assert all(url.startswith(lantern.url + "/") for url in verdicts["requested"])
    assert f"{lantern.url}/credentials/status/revocation.json" in verdicts["requested"]
    # verifier-core also tries to download the OB 3.0 JSON schema for an informational check;
    # the guard refuses it, and no other request left the machine.
    assert set(verdicts["refused"]) <= {
        "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"}
