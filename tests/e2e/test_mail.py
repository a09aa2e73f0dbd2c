"""In a real browser: follow an e-mailed invitation, then an e-mailed password-reset link."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import DATABASES, AccessiblePage, LiveServer, _database, _serve
from tests.notifications.conftest import SMTPServer, link_in


@pytest.fixture(scope="module", params=DATABASES)
def mail_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[tuple[LiveServer, SMTPServer]]:
    """Start Lantern in development mode (inline delivery) with mail going to aiosmtpd."""
    smtp = SMTPServer()
    smtp.start()
    instance = tmp_path_factory.mktemp("e2e-mail")
    try:
        with _database(request.param, instance) as database_url:
            for server in _serve(instance, database_url,
                                 {"LMS_MAIL_URL": f"smtp://127.0.0.1:{smtp.port}"}):
                yield server, smtp
    finally:
        smtp.stop()


@pytest.fixture
def mail_web(browser: Browser, mail_server: tuple[LiveServer, SMTPServer]
             ) -> Iterator[AccessiblePage]:
    """Return a fresh browser context on the mail-sending server, checked with axe."""
    context = browser.new_context()
    wrapper = AccessiblePage(context.new_page(), mail_server[0].url)
    yield wrapper
    context.close()
    assert not wrapper.csp_errors, wrapper.csp_errors


def _wait_for_mail(smtp: SMTPServer, address: str, subject: str) -> EmailMessage:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = [m for m in smtp.mailbox.to(address) if m["Subject"] == subject]
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no {subject!r} mail for {address}: {smtp.messages}")


def test_follow_an_e_mailed_invitation_and_reset_link(mail_web, mail_server):
    server, smtp = mail_server
    web = mail_web
    admin_email, admin_password = server.logins["admin"]
    web.sign_in(admin_email, admin_password)
    web.goto("/admin/people/invite")
    web.page.get_by_label("E-mail address").fill("river.new@example.org")
    web.page.get_by_label("Role").select_option("trainee")
    web.page.get_by_role("button", name="Create invitation link").click()
    web.check()
    expect(web.page.get_by_text("We have e-mailed this link")).to_be_visible()
    web.sign_out()

    invitation = _wait_for_mail(smtp, "river.new@example.org", "You are invited to Lantern")
    web.page.goto(link_in(invitation, server.url + "/invite/"))
    web.check()
    web.page.get_by_label("Your name").fill("River New")
    web.page.get_by_label("New password").fill("wide open meadow")
    web.page.get_by_label("Type the password again").fill("wide open meadow")
    web.page.get_by_role("button", name="Join Lantern").click()
    web.check()
    expect(web.page.get_by_role("heading", level=1)).to_have_text("Hello, River New")
    web.sign_out()

    web.goto("/sign-in")
    web.page.get_by_role("link", name="Forgotten your password?").click()
    web.check()
    web.page.get_by_label("E-mail address").fill("river.new@example.org")
    web.page.get_by_role("button", name="Send me a link").click()
    web.check()
    expect(web.page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")

    reset = _wait_for_mail(smtp, "river.new@example.org",
                           "Your link to choose a new Lantern password")
    web.page.goto(link_in(reset, server.url + "/password/reset/"))
    web.check()
    web.page.get_by_label("New password").fill("evening tide returns")
    web.page.get_by_label("Type the password again").fill("evening tide returns")
    web.page.get_by_role("button", name="Save new password").click()
    web.check()
    expect(web.page.get_by_text("Your password has been changed")).to_be_visible()
    web.sign_in("river.new@example.org", "evening tide returns")
    expect(web.page.get_by_role("heading", level=1)).to_have_text("Hello, River New")
    _wait_for_mail(smtp, "river.new@example.org", "Your Lantern password was changed")


def test_change_ones_address_with_an_e_mailed_link(mail_web, mail_server):
    server, smtp = mail_server
    web = mail_web
    email, password = server.logins["trainee"]
    web.sign_in(email, password)
    web.goto("/account")
    web.page.get_by_label("New e-mail address").fill("jordan.moved@example.org")
    # The password form on the same page has its own "Current password" box.
    web.page.locator("#email-current_password").fill(password)
    web.page.get_by_role("button", name="Send a confirmation link").click()
    web.check()
    expect(web.page.get_by_text("We sent a link to jordan.moved@example.org")).to_be_visible()

    confirmation = _wait_for_mail(smtp, "jordan.moved@example.org",
                                  "Please confirm your new Lantern e-mail address")
    web.page.goto(link_in(confirmation, server.url + "/account/email/confirm/"))
    web.check()
    web.page.get_by_role("button", name="Confirm the new address").click()
    web.check()
    expect(web.page.get_by_text("Your e-mail address is now jordan.moved@example.org")
           ).to_be_visible()
    _wait_for_mail(smtp, email, "Your Lantern e-mail address was changed")
    web.goto("/")  # the account page has a second button, "Sign out everywhere"
    web.sign_out()
    web.sign_in("jordan.moved@example.org", password)
    expect(web.page.get_by_role("link", name="Account", exact=True)).to_be_visible()
