"""The whole journey in a real browser, from invitation to a revoked certificate."""

from __future__ import annotations

import json
import re
import time

import pypdf
from playwright.sync_api import expect

from lms.certification.credentials import status_list
from tests.e2e.test_learning import ROOT, answer_quiz, load_catalog

PROGRAM = load_catalog(ROOT / "courses").program("foundations")
TRAINEE, SUPERVISOR = "riley.journey@example.org", "avery.guide@example.org"
PASSWORD = "steady lantern light"


def _invite(web, email, role):
    web.goto("/admin/people/invite")
    web.page.get_by_label("E-mail address").fill(email)
    web.page.get_by_label("Role").select_option(role)
    web.page.get_by_role("button", name="Create invitation link").click()
    web.check()
    return web.page.get_by_label("One-time link").input_value()


def _join(web, link, name):
    web.page.goto(link)
    web.check()
    web.page.get_by_label("Your name").fill(name)
    web.page.get_by_label("New password").fill(PASSWORD)
    web.page.get_by_label("Type the password again").fill(PASSWORD)
    web.page.get_by_role("button", name="Join Lantern").click()
    web.check()
    web.sign_out()


def _log_practice(web, minutes, activity, reflection):
    web.goto("/practice/new")
    web.page.get_by_label("Minutes").fill(str(minutes))
    web.page.get_by_label(activity, exact=True).check()
    web.page.get_by_label("In person").check()
    web.page.get_by_label("Listens actively: open questions, reflections, summaries").check()
    web.page.get_by_label("Reflection", exact=True).fill(reflection)
    web.page.get_by_role("button", name="Submit to my supervisor").click()
    web.check()
    expect(web.page.get_by_text("Sent to your supervisor")).to_be_visible()


def test_invite_learn_practise_certify_verify_and_revoke(web, live_server, browser):
    admin_email, admin_password = live_server.logins["admin"]
    web.sign_in(admin_email, admin_password)
    trainee_link = _invite(web, TRAINEE, "trainee")
    supervisor_link = _invite(web, SUPERVISOR, "supervisor")
    web.sign_out()
    _join(web, trainee_link, "Riley Journey")
    _join(web, supervisor_link, "Avery Guide")
    web.sign_in(admin_email, admin_password)
    web.goto("/admin/people?q=riley")
    web.page.get_by_role("link", name="Riley Journey").click()
    web.check()
    web.page.get_by_label("Supervisor", exact=True).select_option(
        label=f"Avery Guide ({SUPERVISOR})")
    web.page.get_by_role("button", name="Assign supervisor").click()
    web.check()
    web.sign_out()

    # The trainee passes every quiz and logs enough practice.
    web.sign_in(TRAINEE, PASSWORD)
    for module in PROGRAM.modules:
        web.goto(module.url)
        web.page.get_by_role("button", name="Start the quiz").click()
        web.check()
        answer_quiz(web.page, right=True, module=module)
        web.page.get_by_role("button", name="Send my answers").click()
        web.check()
        expect(web.page.get_by_role("heading", level=1)).to_have_text("Your result: 100%")
    web.goto("/")
    expect(web.page.get_by_text("Overall progress: 100%")).to_be_visible()
    _log_practice(web, 720, "One-to-one peer support",
                  "I practised open questions and reflections, and let silences be.")
    _log_practice(web, 600, "Group facilitation",
                  "I summarised the group's themes and kept to the agreed ending time.")
    web.sign_out()

    # The supervisor approves, observes competencies and records supervision.
    web.sign_in(SUPERVISOR, PASSWORD)
    web.goto("/supervision/queue")
    for checkbox in web.page.get_by_label(re.compile("^Select")).all():
        checkbox.check()
    web.page.get_by_role("button", name="Approve the selected entries").click()
    web.check()
    expect(web.page.get_by_text("Approved 2 entries.")).to_be_visible()
    web.goto("/supervision/trainees")
    web.page.get_by_role("link", name="Riley Journey").click()
    web.check()
    trainee_page = web.page.url
    rules = PROGRAM.extra["competencies"]
    required = PROGRAM.requirements["competencies"]
    for competency in (c for c in rules if c["key"] in required):
        web.page.goto(trainee_page)
        web.page.get_by_role("link", name="Record an observation").click()
        web.check()
        web.page.get_by_label(competency["label"], exact=True).check()
        web.page.get_by_label("Observed and competent").check()
        web.page.get_by_role("button", name="Save observation").click()
        web.check()
    web.page.goto(trainee_page)
    web.page.get_by_role("link", name="Record a supervision session").click()
    web.check()
    web.page.get_by_label("Minutes").fill("240")
    web.page.get_by_label("Skill building").check()
    web.page.get_by_role("button", name="Save session").click()
    web.check()
    expect(web.page.get_by_text("Supervision session recorded for Riley Journey")).to_be_visible()
    web.sign_out()

    # The trainee claims the certificate and downloads the PDF.
    web.sign_in(TRAINEE, PASSWORD)
    web.goto("/certificates")
    web.page.get_by_role("button", name="Claim my certificate").first.click()
    web.check()
    message = web.page.get_by_text(re.compile("Your certificate .* is ready")).inner_text()
    code = re.search(r"\w{4}-\w{4}-\w{4}-\w{4}", message).group(0)
    with web.page.expect_download() as download:
        web.page.get_by_role("link", name="Download the PDF").first.click()
    pdf = pypdf.PdfReader(download.value.path())
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Riley Journey" in text and code in text
    # ...and offers it to a wallet app: a QR code, a link and a transaction code, shown once.
    web.page.get_by_role("button", name="Add to a wallet app").first.click()
    web.check()
    expect(web.page.get_by_role("link", name="Open in my wallet app on this device")
           ).to_have_attribute("href", re.compile("^openid-credential-offer://"))
    expect(web.page.get_by_label("Transaction code")).to_have_text(re.compile(r"^\d{6}$"))
    web.sign_out()

    # Anyone can check it, without signing in.
    context = browser.new_context()
    visitor = context.new_page()
    visitor.goto(f"{live_server.url}/verify/{code}")
    expect(visitor.locator(".status-word")).to_have_text("Valid")
    web.sign_in(admin_email, admin_password)
    web.goto("/admin/people?q=riley")
    web.page.get_by_role("link", name="Riley Journey").click()
    web.page.get_by_role("link", name="Certificates and what is left to do").click()
    web.check()
    web.page.get_by_label(re.compile("^Reason for revoking")).fill("Issued in error")
    web.page.get_by_role("button", name="Revoke this certificate").click()
    web.check()
    expect(web.page.get_by_text(f"Certificate {code} is revoked.")).to_be_visible()

    # The other app server may serve the page it cached for up to 10 seconds (verify_cache.py):
    # the visitor sees the revocation within that bound, on whichever worker answers.
    deadline = time.monotonic() + 12
    visitor.reload()
    while (visitor.locator(".status-word").inner_text().strip() != "Revoked"
           and time.monotonic() < deadline):
        time.sleep(1)
        visitor.reload()
    expect(visitor.locator(".status-word")).to_have_text("Revoked")
    expect(visitor.get_by_text("Issued in error")).to_be_visible()
    facts = json.loads(visitor.request.get(f"{live_server.url}/verify/{code}.json").text())
    assert facts["status"] == "revoked" and facts["status_reason"] == "Issued in error"
    listed = json.loads(visitor.request.get(
        f"{live_server.url}/credentials/status/revocation.json").text())
    index = live_server.sql(
        f"SELECT status_index FROM certificate WHERE code = '{code.replace('-', '')}'")
    assert status_list.is_set(listed["credentialSubject"]["encodedList"], index)
    context.close()
