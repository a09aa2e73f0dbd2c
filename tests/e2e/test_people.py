"""In a real browser: sign in and out, invitations, reset links and supervisor assignment."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_sign_in_wrong_password_and_sign_out(web, live_server):
    email, password = live_server.logins["trainee"]
    web.sign_in(email, "this is not the password")
    expect(web.page.get_by_role("alert")).to_contain_text("do not match an account")
    web.sign_in(email, password)
    expect(web.page.get_by_role("heading", level=1)).to_have_text("Hello, Jordan Lee")
    web.sign_out()
    expect(web.page.get_by_text("You have signed out")).to_be_visible()
    web.goto("/")
    expect(web.page).to_have_url(re.compile(r"/sign-in"))


def test_invite_accept_and_assign_supervisor(web, live_server):
    admin_email, admin_password = live_server.logins["admin"]
    web.sign_in(admin_email, admin_password)
    web.goto("/admin/people")
    web.page.get_by_role("link", name="Invite someone").click()
    web.check()
    web.page.get_by_label("E-mail address").fill("casey.new@example.org")
    web.page.get_by_label("Role").select_option("trainee")
    web.page.get_by_role("button", name="Create invitation link").click()
    web.check()
    link = web.page.get_by_label("One-time link").input_value()
    assert link.startswith(live_server.url + "/invite/")
    web.sign_out()

    web.page.goto(link)
    web.check()
    web.page.get_by_label("Your name").fill("Casey New")
    web.page.get_by_label("New password").fill("short")
    web.page.get_by_label("Type the password again").fill("short")
    web.page.get_by_role("button", name="Join Lantern").click()
    web.check()
    expect(web.page.get_by_text("at least 12 characters").first).to_be_visible()
    web.page.get_by_label("New password").fill("quiet morning light")
    web.page.get_by_label("Type the password again").fill("quiet morning light")
    web.page.get_by_role("button", name="Join Lantern").click()
    web.check()
    expect(web.page.get_by_role("heading", level=1)).to_have_text("Hello, Casey New")
    web.sign_out()
    web.page.goto(link)
    web.check()
    expect(web.page.get_by_text("already")).to_be_visible()

    web.sign_in(admin_email, admin_password)
    web.goto("/admin/people?q=casey")
    web.page.get_by_role("link", name="Casey New").click()
    web.check()
    supervisor_field = web.page.get_by_label("Supervisor", exact=True)
    supervisor_field.select_option(label="Sam Okafor (supervisor@example.org)")
    web.page.get_by_role("button", name="Assign supervisor").click()
    web.check()
    expect(web.page.get_by_text("Sam Okafor now supervises Casey New")).to_be_visible()
    web.sign_out()

    web.sign_in("casey.new@example.org", "quiet morning light")
    expect(web.page.get_by_text("Sam Okafor")).to_be_visible()


def test_reset_link(web, live_server):
    admin_email, admin_password = live_server.logins["admin"]
    web.sign_in(admin_email, admin_password)
    web.goto("/admin/people?role=supervisor")
    web.page.get_by_role("link", name="Sam Okafor").click()
    web.check()
    web.page.get_by_role("button", name="Make a new password-reset link").click()
    web.check()
    link = web.page.get_by_label("One-time link").input_value()
    assert "/reset/" in link
    web.sign_out()
    web.page.goto(link)
    web.check()
    web.page.get_by_label("New password").fill("evening tide returns")
    web.page.get_by_label("Type the password again").fill("evening tide returns")
    web.page.get_by_role("button", name="Save new password").click()
    web.check()
    expect(web.page.get_by_text("Your password has been changed")).to_be_visible()
    web.sign_in("supervisor@example.org", "evening tide returns")
    expect(web.page.get_by_role("heading", level=1)).to_have_text("Hello, Sam Okafor")


def test_accessibility_check_catches_a_bad_page(web):
    web.page.set_content(
        "<html><body><main><input type='text'><img src='x.png'></main></body></html>")
    try:
        web.check()
    except AssertionError as error:
        assert "label" in str(error) or "image-alt" in str(error)
    else:
        raise AssertionError("axe-core did not flag an unlabelled field and an image without alt")
