"""In a real browser: a supervisor sets up two-step sign-in, signs in with a code, signs off."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pyotp
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT

PASSWORD = "lantern by the harbour"
TRAINEE, SUPERVISOR = "robin.twostep@example.org", "avery.twostep@example.org"
SEED = f"""
from datetime import date, timedelta
from lms import create_app
from lms.admin.services import assign_supervisor, invite_person
from lms.auth.models import Role
from lms.auth.services import accept_invitation
from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.practice.services import EntryData, create_entry, submit_entry
app = create_app()
with app.app_context():
    trainee = invite_person({TRAINEE!r}, Role.TRAINEE, None, "Robin Twostep", "foundations").user
    supervisor = invite_person({SUPERVISOR!r}, Role.SUPERVISOR, None, "Avery Twostep").user
    accept_invitation(trainee, "Robin Twostep", {PASSWORD!r})
    accept_invitation(supervisor, "Avery Twostep", {PASSWORD!r})
    assign_supervisor(trainee, supervisor, None)
    data = EntryData(practice_date=date.today() - timedelta(days=1), minutes=45,
                     activity="one-to-one", setting="in-person",
                     competencies=["active-listening"],
                     reflection="I slowed down and let the silence do some of the work.")
    entry = create_entry(trainee, get_catalog().program("foundations"), data)
    submit_entry(entry, trainee, confirmed=True)
    db.session.commit()
"""
SIGN_OFF = """
import json
from sqlalchemy import select
from lms import create_app
from lms.audit.models import AuditEvent
from lms.auth.models import find_user_by_email
from lms.extensions import db
app = create_app()
with app.app_context():
    supervisor = find_user_by_email(%r)
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.kind == "practice.approve", AuditEvent.actor_id == supervisor.id)).all()
    print(json.dumps([event.payload for event in events]))
"""


def _run(live_server, script: str) -> str:
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=live_server.env,
                          check=True, capture_output=True, text=True, timeout=120).stdout


def test_supervisor_signs_off_with_a_second_factor(web, live_server):
    _run(live_server, SEED)
    web.sign_in(SUPERVISOR, PASSWORD)
    web.goto("/account/two-step")
    secret = web.page.locator("code.secret").inner_text().strip()
    expect(web.page.locator(".qr svg")).to_be_visible()
    code_field = web.page.get_by_label("Code")
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    expect(code_field).to_have_attribute("inputmode", "numeric")
    code_field.fill(pyotp.TOTP(secret).now())
    web.page.get_by_role("button", name="Turn on two-step sign-in").click()
    web.check()
    recovery = web.page.locator(".recovery-codes code").all_inner_texts()
    assert len(recovery) == 10
    web.sign_out()

    web.sign_in(SUPERVISOR, PASSWORD)
    assert "/sign-in/code" in web.page.url
    # The step used at set-up is spent; the next step's code is within the one step of drift.
    web.page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    web.page.get_by_role("button", name="Continue").click()
    web.check()
    assert "/sign-in" not in web.page.url, web.page.inner_text("main")
    web.goto("/supervision/queue")
    item = web.page.locator("article.queue-item", has_text="Robin Twostep")
    assert item.count() == 1, web.page.inner_text("main")
    item.get_by_role("button", name=re.compile("^Approve")).first.click()
    web.check()
    expect(web.page.get_by_text(re.compile("Approved: Robin Twostep"))).to_be_visible()

    payloads = json.loads(_run(live_server, SIGN_OFF % SUPERVISOR))
    assert len(payloads) == 1 and payloads[0]["second_factor"] is True
