"""The verify page takes whatever the accreditor holds: a re-saved PDF, or the credential JSON."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from markupsafe import escape
from pypdf import PdfReader, PdfWriter

from lms.catalog.services import get_catalog
from lms.certification import issuing
from lms.certification.credentials.credential import sign_credential
from lms.certification.credentials.keys import SigningKey, did_key, verification_method_id
from lms.certification.models import Certificate
from lms.extensions import db
from tests.certification.conftest import make_credential
from tests.certification.records import make_eligible
from tests.conftest import csrf_token, get_user


@pytest.fixture
def issued(app, people, monkeypatch) -> SimpleNamespace:
    """Issue the trainee's certificate and return what the tests read of it."""
    with app.app_context():
        program = get_catalog().program("foundations")
        make_eligible(monkeypatch, people["trainee"], program)
        certificate = issuing.claim(get_user(people["trainee"]), program, None, date.today())
        db.session.commit()
        return SimpleNamespace(**{name: getattr(certificate, name) for name in (
            "id", "pdf", "credential_json", "holder_name", "profile_title", "issued_on",
            "expires_on")})


def resaved(pdf: bytes, credential: bytes | None = None) -> bytes:
    """Return the PDF written out again (other bytes), optionally with another credential."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Producer": "Someone's PDF printer"})
    if credential is not None:
        writer = PdfWriter()
        for page in PdfReader(io.BytesIO(pdf)).pages:
            writer.add_page(page)
        writer.add_attachment("credential.json", credential)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(client, content: bytes, name: str):
    token = csrf_token(client, "/verify")
    return client.post("/verify", data={"csrf_token": token,
                                        "document": (io.BytesIO(content), name)})


def paste(client, text: str):
    token = csrf_token(client, "/verify")
    return client.post("/verify", data={"paste-csrf_token": token, "paste-credential": text})


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_a_resaved_pdf_is_not_the_issued_file_but_its_credential_is_genuine(client, issued):
    other_bytes = resaved(bytes(issued.pdf))
    assert other_bytes != bytes(issued.pdf)
    response = upload(client, other_bytes, "certificate.pdf")
    assert response.status_code == 200
    page = text_of(response)
    assert "This file is not the one we issued" in page
    assert "The credential is genuine and current: issued by Lantern Peer Support Program" in page
    for shown in (issued.holder_name, issued.profile_title, f"{issued.issued_on:%-d %B %Y}",
                  f"{issued.expires_on:%-d %B %Y}"):
        assert f"<dd>{escape(shown)}</dd>" in page


def test_a_resaved_pdf_of_a_revoked_certificate_says_it_is_not_current(app, people, client,
                                                                       issued):
    with app.app_context():
        certificate = db.session.get(Certificate, issued.id)
        issuing.revoke(certificate, "Issued in error", get_user(people["admin"]))
        db.session.commit()
    page = text_of(upload(client, resaved(bytes(issued.pdf)), "certificate.pdf"))
    assert "The credential is genuine, issued by Lantern Peer Support Program, but it is not " \
           "current: revoked." in page


def test_a_pdf_carrying_a_changed_credential_is_not_genuine(client, issued):
    changed = issued.credential_json.replace(issued.holder_name, "Someone Else")
    response = upload(client, resaved(bytes(issued.pdf), changed.encode()), "certificate.pdf")
    assert response.status_code == 404
    page = text_of(response)
    assert "This file is not the one we issued" in page
    assert "The credential is not genuine. The credential was changed after it was signed" in page
    # What a forged credential claims is not repeated as if it were certified.
    assert "Someone Else" not in page


def test_pasted_and_uploaded_credential_json_are_checked(client, issued):
    for response in (paste(client, issued.credential_json),
                     upload(client, issued.credential_json.encode(), "credential.json")):
        assert response.status_code == 200
        page = text_of(response)
        assert "Result for the credential" in page
        assert "The credential is genuine and current" in page
        assert f"<dd>{escape(issued.holder_name)}</dd>" in page


def test_a_did_key_credential_is_never_called_genuine(client):
    stranger = SigningKey(Ed25519PrivateKey.generate())
    issuer = did_key(stranger.public_key)
    unsigned = make_credential(issuer_id=issuer, issuer_name="Lantern Peer Support Program",
                               valid_from=datetime.now(UTC) - timedelta(days=1))
    signed = sign_credential(unsigned, stranger, verification_method_id(issuer,
                                                                         stranger.public_key))
    response = paste(client, json.dumps(signed))
    assert response.status_code == 404
    page = text_of(response)
    assert "genuine" not in page.split("Result for the credential")[1].split("It states")[0]
    assert "signature is valid, but it was not issued by Lantern Peer Support Program" in page


@pytest.mark.parametrize(("text", "message"), [
    ("not json at all", "It is not JSON"),
    ("", "Please paste the credential"),
    ("{" + " " * (70 * 1024) + "}", "longer than any credential we issue"),
])
def test_bad_pastes_say_why_and_keep_the_text(client, text, message):
    response = paste(client, text)
    assert response.status_code in (400, 404)
    page = response.get_data(as_text=True)
    assert message in page
    if text and len(text) < 100:
        assert re.search(rf">\s*{re.escape(text)}</textarea>", page)  # nothing typed is lost
