"""Verifiers written by others accept Lantern's credentials and catch what they must catch.

Lantern runs under gunicorn on 127.0.0.1; the Digital Credentials Consortium's verifier-core
and Digital Bazaar's vc library (pinned in node/package-lock.json) verify credentials it issued,
fetching the issuer's keys and the status list from it and nothing from anywhere else.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

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
class Tls:
    """A certificate authority made for one test run, and the server certificate it signed."""

    authority: Path
    certificate: Path
    key: Path


@dataclass
class Lantern:
    """A running Lantern and the credentials it issued."""

    url: str
    credentials: dict[str, dict[str, Any]]
    tls: Tls | None = None


def make_tls(folder: Path) -> Tls:
    """Make a CA and a certificate for 127.0.0.1 signed by it (trusted via NODE_EXTRA_CA_CERTS)."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lantern test CA")])
    authority = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
                 .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
                 .not_valid_before(now - timedelta(minutes=5))
                 .not_valid_after(now + timedelta(hours=2))
                 .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                 .add_extension(x509.KeyUsage(
                     digital_signature=True, key_cert_sign=True, crl_sign=True,
                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                     key_agreement=False, encipher_only=False, decipher_only=False),
                     critical=True)
                 .sign(ca_key, hashes.SHA256()))
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
              .issuer_name(ca_name).public_key(server_key.public_key())
              .serial_number(x509.random_serial_number())
              .not_valid_before(now - timedelta(minutes=5))
              .not_valid_after(now + timedelta(hours=2))
              .add_extension(x509.SubjectAlternativeName(
                  [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                             critical=False)
              .sign(ca_key, hashes.SHA256()))
    tls = Tls(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    tls.authority.write_bytes(authority.public_bytes(serialization.Encoding.PEM))
    tls.certificate.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    tls.key.write_bytes(server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    tls.key.chmod(0o600)
    return tls


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
    env = _environment(instance, f"http://127.0.0.1:{port}")
    credentials = _seed(env, "valid", "revoked", "expired")
    # Rotation: the server now signs with a new key, and every earlier key must still verify.
    new_key = instance / "rotated_key.pem"
    subprocess.run([sys.executable, "-c", "from lms.certification.credentials.keys import "
                    f"generate_key_file; generate_key_file({str(new_key)!r})"], cwd=ROOT,
                   check=True)
    env["LMS_SIGNING_KEY"] = str(new_key)
    credentials |= _seed(env, "rotated")
    yield from _serve(instance, env, port, credentials)


@pytest.fixture(scope="module")
def lantern_did(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lantern]:
    """Serve Lantern over TLS with a did:web issuer, as a wallet or a registry would see it."""
    _node()
    instance = tmp_path_factory.mktemp("verifiers-did")
    port = _free_port()
    env = _environment(instance, f"https://127.0.0.1:{port}")
    env["LMS_ISSUER_DID"] = f"did:web:127.0.0.1%3A{port}"
    credentials = _seed(env, "valid", "revoked")
    yield from _serve(instance, env, port, credentials, tls=make_tls(instance))


def _environment(instance: Path, url: str) -> dict[str, str]:
    """Return the environment of a Lantern with its own SQLite database."""
    env = {**os.environ, "LMS_INSTANCE_PATH": str(instance), "LMS_BASE_URL": url,
           "LMS_ENV": "development", "LMS_DATABASE_URL": f"sqlite:///{instance / 'db.sqlite3'}",
           "PYTHONPATH": str(ROOT)}
    env.pop("LMS_REDIS_URL", None)
    env.pop("LMS_ISSUER_DID", None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    return env


def _serve(instance: Path, env: dict[str, str], port: int,
           credentials: dict[str, dict[str, Any]], tls: Tls | None = None) -> Iterator[Lantern]:
    """Run gunicorn on 127.0.0.1 (over TLS if given) until the tests are done."""
    url = env["LMS_BASE_URL"]
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
               "1", "--threads", "4"]
    if tls is not None:
        command += ["--certfile", str(tls.certificate), "--keyfile", str(tls.key)]
    log_path = instance / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([*command, "wsgi:app"], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            _wait_until_up(url, process, log_path, tls)
            yield Lantern(url, credentials, tls)
        finally:
            process.terminate()
            process.wait(timeout=10)


def _seed(env: dict[str, str], *labels: str) -> dict[str, dict[str, Any]]:
    """Issue one certificate per label through Lantern's own services; return the credentials."""
    seeded = subprocess.run([sys.executable, "-c", SEED, *labels], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert seeded.returncode == 0, seeded.stderr
    return json.loads(seeded.stdout)


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path,
                   tls: Tls | None) -> None:
    """Wait for the server to answer, failing with its log if it never does."""
    context = ssl.create_default_context(cafile=str(tls.authority)) if tls else None
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/issuer", timeout=2, context=context).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"Lantern did not start:\n{log_path.read_text()}")
            time.sleep(0.2)


def run_verifiers(lantern: Lantern, credentials: list[dict[str, Any]]) -> dict[str, Any]:
    """Return what both independent verifiers say about each credential."""
    env = dict(os.environ)
    if lantern.tls is not None:
        env["NODE_EXTRA_CA_CERTS"] = str(lantern.tls.authority)
    completed = subprocess.run(
        [_node(), "verify.mjs"], cwd=NODE_DIR, input=json.dumps(
            {"origin": lantern.url, "credentials": credentials}),
        capture_output=True, text=True, timeout=120, env=env)
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
            "requested": output["requested"], "refused": output["refused"],
            "guard": output["guardCheck"]}


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
    # The guard refused a fetch and a socket elsewhere before the verifiers ran.
    assert verdicts["guard"] == {"fetch": "refused", "socket": "refused"}
    assert verdicts["requested"], "the verifiers fetched neither keys nor the status list"
    assert all(url.startswith(lantern.url + "/") for url in verdicts["requested"])
    assert f"{lantern.url}/credentials/status/revocation.json" in verdicts["requested"]
    # verifier-core also tries to download the OB 3.0 JSON schema for an informational check;
    # the guard refuses it, and no other request left the machine.
    assert set(verdicts["refused"]) <= {
        "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"}


def test_a_did_web_issuer_over_tls_is_resolved_and_verified_by_both(lantern_did: Lantern) -> None:
    issued = lantern_did.credentials
    did = f"did:web:127.0.0.1%3A{lantern_did.url.rsplit(':', 1)[1]}"
    assert issued["valid"]["issuer"]["id"] == did
    output = run_verifiers(lantern_did, [issued["valid"], tamper(issued["valid"]),
                                         issued["revoked"]])
    valid, tampered, revoked = output["results"]
    assert valid["digitalbazaar"] == {"verified": True, "signature": True,
                                      "status": "not revoked", "error": None}
    assert valid["dcc"]["steps"]["valid_signature"] is True
    assert valid["dcc"]["steps"]["revocation_status"] is True
    assert valid["dcc"]["steps"]["expiration"] is True
    assert tampered["digitalbazaar"]["signature"] is False
    assert tampered["dcc"] == {"fatal": ["invalid_signature: The signature is not valid."]}
    assert revoked["digitalbazaar"]["status"] == "revoked"
    assert revoked["dcc"]["steps"]["revocation_status"] is False
    assert f"{lantern_did.url}/.well-known/did.json" in output["requested"]
    assert all(url.startswith(lantern_did.url + "/") for url in output["requested"])
