"""The public verification pages, JSON and status list, and the trainee and admin pages."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from lms.catalog.profile import profile
from lms.catalog.services import get_catalog
from lms.certification import issuing
from lms.certification.codes import format_code
from lms.certification.credentials import status_list
from lms.certification.credentials.credential import verify_credential
from lms.certification.credentials.keys import verification_methods
from lms.certification.models import Certificate
from lms.extensions import db
from tests.certification.records import make_eligible
from tests.conftest import csrf_token, get_user


def _issue(app, people, monkeypatch, issued_on: date) -> str:
    """Issue a certificate for the trainee on a given day and return its formatted code."""
    # Certificates cannot be back-dated once issued (the database refuses), so tests about
    # expiry issue them on an earlier day instead.
    with app.app_context():
        program = get_catalog().program("foundations")
        make_eligible(monkeypatch, people["trainee"], program)
        certificate = issuing.claim(get_user(people["trainee"]), program, None, issued_on)
        db.session.commit()
        code = format_code(certificate.code)
        db.session.remove()
    return code


def _validity_months() -> int:
    chosen = profile(get_catalog().program("foundations"))
    assert chosen.validity_months, "the Foundations profile should expire"
    return chosen.validity_months


@pytest.fixture
def issued(app, people, monkeypatch):
    """Issue a certificate for the trainee today and return its formatted code."""
    return _issue(app, people, monkeypatch, date.today())


def _certificate(app, code):
    with app.app_context():
        certificate = db.session.scalar(db.select(Certificate).filter_by(
            code=code.replace("-", "")))
        db.session.expunge(certificate)
        return certificate


def test_verify_page_shows_valid_and_never_an_email(app, issued, client):
    response = client.get(f"/verify/{issued}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Valid" in page and "Jordan Trainee" in page and "Peer Support Foundations" in page
    assert "@" not in re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page, flags=re.S)
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_typed_codes_are_forgiving(app, issued, client):
    messy = issued.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    response = client.get(f"/verify?code={messy}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{issued}")
    response = client.get(f"/verify/{issued.replace('-', '').lower()}")
    assert response.status_code == 301 and response.headers["Location"].endswith(issued)


def test_mistyped_and_unknown_codes(app, issued, client):
    last = issued[-1]
    wrong = issued[:-1] + ("2" if last != "2" else "3")
    page = client.get(f"/verify/{wrong}")
    assert page.status_code == 404 and "looks mistyped" in page.get_data(as_text=True)
    from lms.certification.codes import new_code

    unknown = format_code(new_code())
    page = client.get(f"/verify/{unknown}")
    assert page.status_code == 404
    assert "could not find that certificate" in page.get_data(as_text=True)
    assert client.get(f"/verify/{unknown}.json").status_code == 404


def test_json_and_signed_credential(app, issued, client):
    facts = client.get(f"/verify/{issued}.json").get_json()
    assert facts["status"] == "active" and facts["code"] == issued
    assert facts["holder_name"] == "Jordan Trainee"
    assert "email" not in json.dumps(facts) and "@" not in json.dumps(facts)
    credential = json.loads(client.get(f"/credentials/{issued}.json").get_data(as_text=True))
    issuer = json.loads(client.get("/issuer").get_data(as_text=True))
    assert verify_credential(credential, verification_methods(issuer))


def test_revocation_shows_at_once_everywhere(app, people, issued, client, sign_in):
    sign_in("admin@example.org")
    url = f"/admin/people/{people['trainee']}/certificates"
    token = csrf_token(client, url)
    refused = client.post(f"/admin/certificates/{issued}/revoke", data={"csrf_token": token})
    assert refused.status_code == 400
    assert "Please give the reason" in refused.get_data(as_text=True)
    too_long = "Issued in error. " * 40
    refused = client.post(f"/admin/certificates/{issued}/revoke",
                          data={"csrf_token": token, "reason": too_long})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "500 characters or fewer" in text and too_long.strip() in text  # nothing typed is lost
    assert 'aria-invalid="true"' in text
    assert "<title>Error: " in text
    assert client.get(f"/verify/{issued}.json").get_json()["status"] == "active"
    client.post(f"/admin/certificates/{issued}/revoke",
                data={"csrf_token": token, "reason": "Issued in error"})
    page = client.get(f"/verify/{issued}")
    assert page.status_code == 200  # a revoked certificate is never a 404
    text = page.get_data(as_text=True)
    assert "Revoked" in text and "Issued in error" in text
    assert f"{date.today().day} {date.today():%B %Y}" in text
    assert client.get(f"/verify/{issued}.json").get_json()["status"] == "revoked"
    status = json.loads(client.get("/credentials/status/revocation.json").get_data(as_text=True))
    certificate = _certificate(app, issued)
    assert status_list.is_set(status["credentialSubject"]["encodedList"],
                              certificate.status_index)
    issuer = json.loads(client.get("/issuer").get_data(as_text=True))
    assert verify_credential(status, verification_methods(issuer))


def test_superseded_certificate_names_its_replacement_in_one_query(app, people, issued, client):
    from tests.sqlcount import counting_queries

    with app.app_context():
        old = db.session.scalar(db.select(Certificate).filter_by(code=issued.replace("-", "")))
        get_user(people["trainee"]).display_name = "Jordan Rivera"
        new = issuing.reissue(old, get_catalog().program("foundations"),
                              get_user(people["admin"]), date.today())
        db.session.commit()
        new_code = format_code(new.code)
        db.session.remove()
    client.get(f"/verify/{issued}")
    app.extensions["lantern.verify_cache"].clock.advance(10)  # past the cache: read again
    with counting_queries() as statements:
        page = client.get(f"/verify/{issued}").get_data(as_text=True)
    assert "Replaced" in page or "replaced" in page
    assert new_code in page
    assert len([sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]) == 1
    facts = client.get(f"/verify/{issued}.json").get_json()
    assert facts["status"] == "superseded" and facts["replaced_by"] == new_code
    assert client.get(f"/verify/{new_code}.json").get_json()["replaced_by"] is None


def test_expired_certificate_shows_expired(app, people, client, monkeypatch):
    with app.app_context():
        months = _validity_months()
    issued = _issue(app, people, monkeypatch,
                    issuing.add_months(date.today(), -months) - timedelta(days=70))
    assert "Expired" in client.get(f"/verify/{issued}").get_data(as_text=True)
    assert client.get(f"/verify/{issued}.json").get_json()["status"] == "expired"


def test_pdf_check_matches_only_the_issued_file(app, issued, client):
    pdf = _certificate_pdf(app, issued)
    token = csrf_token(client, "/verify")
    same = client.post("/verify", data={"csrf_token": token,
                                        "document": (_file(pdf), "certificate.pdf")})
    assert same.status_code == 200
    assert "exactly the certificate we issued" in same.get_data(as_text=True)
    # Any other PDF without a credential attached matches nothing.
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    edited = _file(b"")
    writer.write(edited)
    edited = edited.getvalue()
    other = client.post("/verify", data={"csrf_token": token,
                                         "document": (_file(edited), "certificate.pdf")})
    assert other.status_code == 404
    assert "does not match any certificate we issued" in other.get_data(as_text=True)


@pytest.mark.parametrize("content,name,message", [
    (b"hello", "notes.txt", "Please choose a PDF file"),
    (b"GIF89a....", "fake.pdf", "That file is neither a PDF nor a credential.json"),
    (b"%PDF-" + b"0" * (5 * 1024 * 1024), "huge.pdf", "larger than 5 MB"),
])
def test_bad_uploads_get_a_clear_message(app, client, content, name, message):
    from werkzeug.test import EnvironBuilder

    token = csrf_token(client, "/verify")
    # Build the request by hand so its spooled body file is closed afterwards.
    builder = EnvironBuilder(path="/verify", method="POST", data={
        "csrf_token": token, "document": (_file(content), name)})
    environ = builder.get_environ()
    try:
        response = client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_failed_lookups_are_rate_limited(app, client):
    from lms.certification.codes import new_code

    statuses = [client.get(f"/verify/{format_code(new_code())}").status_code for _ in range(22)]
    assert statuses[:20] == [404] * 20
    assert statuses[-1] == 429
    refused = client.get(f"/verify/{format_code(new_code())}")
    # The per-minute window is the one that refuses, so the wait is under a minute.
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_trainee_sees_checklist_claims_and_downloads(app, people, client, sign_in, monkeypatch):
    with app.app_context():
        program = get_catalog().program("foundations")
    sign_in("trainee@example.org")
    page = client.get("/certificates").get_data(as_text=True)
    assert "things left" in page or "thing left" in page
    first = program.modules[0]
    assert f"Pass the quiz for “{escape(first.title)}”" in page
    assert f'<a href="{first.url}">go to the module</a>' in page  # each open item leads on
    assert '<a href="/practice/new">log practice</a>' in page
    home = client.get("/").get_data(as_text=True)
    assert f"Next: pass the quiz for “{escape(first.title)}”." in home
    token = csrf_token(client, "/certificates")
    refused = client.post("/certificates/claim", data={
        "csrf_token": token, "program": "foundations", "profile": "default"},
        follow_redirects=True)
    assert "Not everything is done yet" in refused.get_data(as_text=True)
    with app.app_context():
        make_eligible(monkeypatch, people["trainee"], program)
        db.session.commit()
    page = client.get("/certificates").get_data(as_text=True)
    assert "Claim my certificate" in page
    done = client.post("/certificates/claim", data={
        "csrf_token": token, "program": "foundations", "profile": "default"},
        follow_redirects=True).get_data(as_text=True)
    code = re.search(r"Your certificate (\w{4}-\w{4}-\w{4}-\w{4}) is ready", done).group(1)
    pdf = client.get(f"/certificates/{code}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert pdf.mimetype == "application/pdf"


def test_expiry_warning_on_the_trainee_page(app, people, client, sign_in, monkeypatch):
    with app.app_context():
        months = _validity_months()
    issued = _issue(app, people, monkeypatch,
                    issuing.add_months(date.today() + timedelta(days=30), -months))
    expires_on = _certificate(app, issued).expires_on
    days = (expires_on - date.today()).days
    assert 28 <= days <= 30  # the same day some months later, clamped to a month's end
    sign_in("trainee@example.org")
    assert f"expires in {days} days" in client.get("/certificates").get_data(as_text=True)


def test_others_cannot_download_a_certificate(app, people, issued, client, sign_in):
    from lms.certification.codes import new_code

    sign_in("supervisor@example.org")
    theirs = client.get(f"/certificates/{issued}.pdf")
    missing = client.get(f"/certificates/{format_code(new_code())}.pdf")
    # Someone else's certificate answers exactly like a code that was never issued.
    assert theirs.status_code == missing.status_code == 404
    assert theirs.get_data(as_text=True) == missing.get_data(as_text=True)


def _certificate_pdf(app, code):
    with app.app_context():
        certificate = db.session.scalar(db.select(Certificate).filter_by(
            code=code.replace("-", "")))
        return bytes(certificate.pdf)


def _file(content: bytes):
    import io

    return io.BytesIO(content)


def test_admin_issue_of_an_unknown_certificate_says_so(app, people, client, sign_in):
    sign_in("admin@example.org")
    url = f"/admin/people/{people['trainee']}/certificates"
    response = client.post(f"/admin/people/{people['trainee']}/certificates/foundations",
                           data={"csrf_token": csrf_token(client, url), "profile": "nope"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "not offered by this program. Nothing was issued." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_each_published_key_is_served_at_its_verification_method_id(client, app):
    with app.app_context():
        from lms.certification import signing

        key = signing.signing_key().public_multibase
        method = signing.current_verification_method()
        issuer = signing.issuer_id()
    assert method == f"{issuer}/keys/{key}"
    served = client.get(f"/issuer/keys/{key}").get_json(force=True)
    assert served == {"@context": "https://w3id.org/security/multikey/v1", "id": method,
                      "type": "Multikey", "controller": issuer, "publicKeyMultibase": key}
    assert method in client.get("/issuer").get_json(force=True)["assertionMethod"]
    unknown = client.get("/issuer/keys/z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
    assert unknown.status_code == 404


def test_the_trainees_page_offers_linkedin_and_the_fields_to_copy(app, people, issued, client,
                                                                   sign_in):
    from urllib.parse import parse_qs, urlsplit

    sign_in("trainee@example.org")
    page = client.get("/certificates").get_data(as_text=True)
    link = re.search(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', page)
    assert link and "Add to LinkedIn profile" in page
    fields = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    certificate = _certificate(app, issued)
    assert fields["startTask"] == ["CERTIFICATION_NAME"]
    assert fields["name"] == [certificate.profile_title]
    assert fields["organizationName"] == ["Lantern Peer Support Program"]
    assert fields["issueYear"] == [str(certificate.issued_on.year)]
    assert fields["issueMonth"] == [str(certificate.issued_on.month)]
    assert fields["expirationYear"] == [str(certificate.expires_on.year)]
    assert fields["certId"] == [issued]
    assert fields["certUrl"] == [f"http://localhost/verify/{issued}"]
    block = page[page.index('class="copyable"'):]
    for text in (certificate.profile_title, issued, f"http://localhost/verify/{issued}",
                 f"{certificate.issued_on:%B %Y}", f"{certificate.expires_on:%B %Y}"):
        assert f"<dd>{escape(text)}</dd>" in block


def test_a_revoked_certificate_is_not_offered_for_a_profile(app, people, issued, client, sign_in):
    with app.app_context():
        certificate = db.session.scalar(db.select(Certificate).filter_by(
            code=issued.replace("-", "")))
        issuing.revoke(certificate, "Issued in error", get_user(people["admin"]))
        db.session.commit()
    sign_in("trainee@example.org")
    page = client.get("/certificates").get_data(as_text=True)
    assert "linkedin.com" not in page and 'class="copyable"' not in page


def test_verify_page_names_the_issuer_and_says_what_was_certified(app, issued, client):
    page = client.get(f"/verify/{issued}").get_data(as_text=True)
    issuer = app.config["LMS_ISSUER_NAME"]
    assert f"issued by {issuer}" in page and "issued by us" not in page
    certified = _certificate(app, issued).certified
    from lms.templating import format_duration

    practice = format_duration(certified["practice_minutes_counted"])
    assert (f"{issuer} certifies that Jordan Trainee completed the Peer Support Foundations "
            f"program: passed all {len(certified['modules'])} required modules, completed "
            f"{practice} of approved, supervised peer-support practice") in page
    assert f"showing {len(certified['competencies'])} core competencies" in page


def test_check_a_certificate_is_linked_from_sign_in_and_every_footer(app, people, client):
    sign_in_page = client.get("/sign-in").get_data(as_text=True)
    assert sign_in_page.count('href="/verify"') >= 2  # in the page and in its footer
    assert '<footer class="site-footer">' in sign_in_page
