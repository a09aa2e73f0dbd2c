"""Every page at 320 and 1280 px: WCAG 2.2 AA with axe, no sideways scrolling, and the 2.2
criteria axe cannot see: focus never hidden (2.4.11), targets of 24 px (2.5.8), sign-in that
allows paste and password managers (3.3.8), nothing typed twice (3.3.7), help in one place
(3.2.6)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ROOT, AccessiblePage, LiveServer
from tests.e2e.pages import EXTRA, ROLES, WALK

WIDTHS = (320, 1280)
MODULE = "/programs/foundations/boundaries"

#: Help lives in the footer of every page, after the main content: (text, position) must match.
HELP = """() => {
  const footer = document.querySelector('footer.site-footer');
  const links = footer ? footer.querySelector('.footer-links') : null;
  return links ? [links.innerText.trim(), document.body.lastElementChild === footer] : null;
}"""

#: Each focusable element, once focused, must be the element found at its own centre: nothing
#: sticky or fixed is drawn over it.
FOCUS_HIDDEN = """() => {
  const hidden = [];
  const focusable = [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary')]
    .filter(el => el.checkVisibility()).slice(0, 60);
  for (const el of focusable) {
    el.focus();
    const box = el.getClientRects()[0];
    if (!box) continue;
    const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(box.top + box.height / 2, 0), innerHeight - 1);
    const top = document.elementFromPoint(x, y);
    const label = el.labels && el.labels[0];
    if (!top || !(el.contains(top) || top.contains(el) || (label && label.contains(top)))) {
      hidden.push(el.outerHTML.slice(0, 80));
    }
  }
  return hidden;
}"""

#: Controls that are not links inside running text must be at least 24 by 24 px.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, input:not([type=hidden]), select, textarea, summary, nav[aria-label=Main] a, .button')]
  .filter(el => el.checkVisibility())
  .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect()])
  .filter(([, box]) => box.width < 24 || box.height < 24)
  .map(([html, box]) => `${html} is ${Math.round(box.width)}x${Math.round(box.height)}`)"""

#: Open every closed <details>; say whether there was one.
OPEN_DETAILS = """() => {
  const closed = [...document.querySelectorAll('details:not([open])')];
  closed.forEach(el => { el.open = true; });
  return closed.length > 0;
}"""


PASSWORD = "lamplight over still water"
#: Text that shows the walk saw the page with its data, not an empty or refused version.
SHOWN = {
    "/account": "walker-new-{width}@example.org",
    "/admin/cohorts/<int:cohort_id>": "{cohort_name}",
    "/verify/<code>": "Walker Wide",
    "/supervision/queue": "I slowed down and let the silence do some of the work.",
    "/admin/outbox": "User unknown in virtual mailbox table",
    "/account/email/confirm/<token>": "Confirm the new address",
}
#: A trainee, a cohort, a draft-free certificate and one-time links of every kind, for one width.
SEED = """
import json, secrets, sys
from datetime import date, timedelta
from lms import create_app
from lms.account.models import EmailChangeRequest
from lms.account.services import _link_hash
from lms.admin.services import assign_supervisor, invite_person
from lms.auth.models import Role
from lms.auth.services import LinkPurpose, accept_invitation, make_account_link
from lms.catalog.profile import profile
from lms.catalog.services import get_catalog
from lms.certification.issuing import Issue, _mint
from lms.certification.services import snapshot, trainee_edition, trainee_records
from lms.cohorts.services import create_cohort
from lms.extensions import db
from lms.models import utcnow
from lms.notifications.models import Category, OutboxMessage, OutboxStatus, PasswordResetRequest
from lms.notifications.outbox import unsubscribe_url
from lms.notifications.password_reset import _hash
from lms.practice.services import EntryData, create_entry, submit_entry
app = create_app()
email, password, width = sys.argv[1:]
with app.app_context():
    trainee = invite_person(email, Role.TRAINEE, None, "Walker Wide", "foundations").user
    accept_invitation(trainee, "Walker Wide", password)
    invitee = invite_person(f"invitee-{width}@example.org", Role.TRAINEE, None, "Ima Invited",
                            "foundations").user
    cohort = create_cohort(f"Walk {width}", "foundations", "default", date.today(), None)
    # A real certificate (signed, rendered and audited), so `lms audit verify` run by later
    # browser tests on this shared server still finds every row in the ledger. Minted directly:
    # the walk needs a certificate on a trainee who has not finished the program.
    program = get_catalog().program("foundations")
    edition = trainee_edition(trainee.id, program)
    certificate = _mint(Issue(trainee, program, profile(program, None, edition), None,
                              date.today(), edition=edition,
                              certified=snapshot(program, profile(program, None, edition),
                                                 trainee_records(trainee.id, program), edition)))
    # The walk's own supervisor, with one entry waiting, so the queue shows a review form.
    supervisor = invite_person(f"walk-supervisor-{width}@example.org", Role.SUPERVISOR, None,
                               "Sam Supervise").user
    accept_invitation(supervisor, "Sam Supervise", password)
    assign_supervisor(trainee, supervisor, None)
    data = EntryData(practice_date=date.today() - timedelta(days=1), minutes=45,
                     activity="one-to-one", setting="in-person",
                     competencies=["active-listening"],
                     reflection="I slowed down and let the silence do some of the work.")
    submit_entry(create_entry(trainee, get_catalog().program("foundations"), data), trainee,
                 confirmed=True)
    now = utcnow()
    change, reset = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    db.session.add(EmailChangeRequest(
        user_id=trainee.id, new_email=f"walker-new-{width}@example.org",
        token_hash=_link_hash(change), security_stamp=trainee.security_stamp, created_at=now,
        expires_at=now + timedelta(hours=24)))
    db.session.add(PasswordResetRequest(user_id=trainee.id, token_hash=_hash(reset),
                                        created_at=now, expires_at=now + timedelta(hours=1)))
    # The outbox as it looks after a bad day: one message of each status, a long server reply.
    for status, error in (("queued", None), ("sent", None),
                          ("failed", "550 5.1.1 <walker-new@example.org>: Recipient address "
                                     "rejected: User unknown in virtual mailbox table")):
        db.session.add(OutboxMessage(
            message_id=f"<walk-{width}-{status}@example.org>", kind="walk",
            category=Category.UPDATES, user_id=trainee.id, recipient=trainee.email,
            recipient_name="Walker Wide", subject="Your practice log this week",
            body_text="-", body_html="-", status=OutboxStatus(status), attempts=3,
            last_error=error, sent_at=now if status == "sent" else None))
    db.session.flush()
    values = {
        "walker": trainee.id, "cohort": cohort.id, "cohort_name": cohort.name,
        "code": "-".join(certificate.code[i:i + 4] for i in range(0, 16, 4)),
        "email_change": change, "password_reset": reset,
        "invite": make_account_link(invitee, LinkPurpose.INVITE).rsplit("/", 1)[1],
        "account_reset": make_account_link(trainee, LinkPurpose.RESET).rsplit("/", 1)[1],
        "unsubscribe": unsubscribe_url(trainee.id, Category.UPDATES).rsplit("/", 1)[1],
    }
    db.session.commit()
    print(json.dumps(values))
"""


def _seed(live_server: LiveServer, width: int) -> dict[str, object]:
    """Add this walk's own trainee and data, so its changes disturb no other test."""
    email = f"walker-{width}@example.org"
    result = subprocess.run([sys.executable, "-c", SEED, email, PASSWORD, str(width)], cwd=ROOT,
                            env=live_server.env, check=True, capture_output=True, text=True,
                            timeout=120)
    values = json.loads(result.stdout.strip().splitlines()[-1])
    values["trainee"] = live_server.sql("SELECT id FROM \"user\" WHERE role = 'trainee' "
                                        "ORDER BY id LIMIT 1")
    values["trainee_login"] = (email, PASSWORD)
    values["supervisor_login"] = (f"walk-supervisor-{width}@example.org", PASSWORD)
    values["width"] = width
    return values


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def sized(request: pytest.FixtureRequest, browser: Browser,
          live_server: LiveServer) -> Iterator[AccessiblePage]:
    """Return a checked page in a window of the given width."""
    context = browser.new_context(viewport={"width": request.param, "height": 800})
    wrapper = AccessiblePage(context.new_page(), live_server.url)
    yield wrapper
    context.close()
    assert not wrapper.csp_errors, wrapper.csp_errors


def _extra_checks(web: AccessiblePage, helps: set[tuple[str, bool]]) -> None:
    """The WCAG 2.2 checks axe cannot make: help in one place, target size, focus not hidden."""
    where = web.page.url
    help_place = web.page.evaluate(HELP)
    assert help_place, f"{where}: no help in the footer"
    helps.add((" ".join(help_place[0].split()), help_place[1]))
    assert web.page.evaluate(SMALL_TARGETS) == [], where
    assert web.page.evaluate(FOCUS_HIDDEN) == [], where
    # What a closed <details> holds is drawn only once opened: open them all and look again.
    if web.page.evaluate(OPEN_DETAILS):
        web.check()
        assert web.page.evaluate(SMALL_TARGETS) == [], f"{where} with its details open"
        assert web.page.evaluate(FOCUS_HIDDEN) == [], f"{where} with its details open"


def _visit(web: AccessiblePage, path: str, helps: set[tuple[str, bool]],
           status: int = 200) -> None:
    response = web.goto(path)
    # The page itself, not an error page or a redirect somewhere already walked.
    got = response.status if response else None
    assert got == status, f"{path} answered {got}"
    assert urlsplit(web.page.url).path == urlsplit(path).path, f"{path} went to {web.page.url}"
    _extra_checks(web, helps)


def _csv(name: str, text: str) -> dict[str, object]:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


def _step(web: AccessiblePage, step: str, seed: dict[str, object],
          helps: set[tuple[str, bool]]) -> None:
    """Reach a page that no bare GET shows, through the real forms and buttons."""
    page = web.page
    width = page.viewport_size["width"] if page.viewport_size else 0
    if step == "@quiz":
        web.goto(MODULE)
        page.get_by_role("button", name="Start the quiz").click()
        web.check()
        # Legends of two lines wrap inside their fieldsets.
        for legend in page.locator("fieldset.question legend").all():
            box, frame = legend.bounding_box(), legend.locator("..").bounding_box()
            assert box and frame and box["x"] + box["width"] <= frame["x"] + frame["width"]
    elif step == "@result":
        _extra_checks(web, helps)  # the quiz itself
        for question in page.locator("fieldset.question").all():
            question.locator("input").first.check()
        page.get_by_role("button", name="Send my answers").click()
        web.check()
        assert "/result" in page.url, page.url
    elif step == "@draft":
        web.goto("/practice/new")
        page.get_by_label("Minutes").fill("30")
        page.get_by_label("One-to-one peer support", exact=True).check()
        page.get_by_label("In person").check()
        page.get_by_role("button", name="Save as draft").click()
        web.check()
        found = re.fullmatch(r"/practice/entries/(\d+)", urlsplit(page.url).path)
        assert found, f"saving a draft went to {page.url}"
        seed["entry"] = found.group(1)
        expect(page.get_by_text("Saved as a draft.")).to_be_visible()
    elif step == "@wallet":
        web.goto("/certificates")
        page.get_by_role("button", name="Add to a wallet app").first.click()
        web.check()
        expect(page.get_by_label("Transaction code")).to_have_text(re.compile(r"^\d{6}$"))
    elif step == "@preview":
        web.goto("/admin/import")
        page.locator("input[type=file]").set_input_files(_csv("people.csv", (
            "name,email,cohort,supervisor_email\n"
            f"Ada Import,ada-{width}@example.org,{seed['cohort_name']},\n"
            f"Bad Row,not-an-address,{seed['cohort_name']},\n")))
        page.get_by_role("button", name="Show the preview").click()
        web.check()
        assert "/admin/import/" in page.url, page.url
        expect(page.get_by_text("not-an-address").first).to_be_visible()
    elif step == "@imported":
        web.goto("/admin/import")
        page.locator("input[type=file]").set_input_files(_csv("people.csv", (
            "name,email,cohort,supervisor_email\n"
            f"Bo Import,bo-{width}@example.org,{seed['cohort_name']},\n")))
        page.get_by_role("button", name="Show the preview").click()
        web.check()
        _extra_checks(web, helps)  # a preview with no problems
        page.get_by_role("button", name=re.compile("^Invite 1 person")).click()
        web.check()
        assert page.url.endswith("/done"), page.url
    elif step == "@second-step":
        # Set-up, the recovery codes, the page that says it is on, then the code at sign-in.
        web.goto("/account/two-step")
        secret = page.locator("code.secret").inner_text().strip()
        page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Turn on two-step sign-in").click()
        web.check()
        expect(page.locator(".recovery-codes code")).to_have_count(10)
        _extra_checks(web, helps)
        web.sign_out()
        email, password = seed["trainee_login"]  # type: ignore[misc]
        web.sign_in(email, password)
        assert urlsplit(page.url).path == "/sign-in/code", page.url
        _extra_checks(web, helps)
        # The step used at set-up is spent; the next step's code is within one step of drift.
        page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
        page.get_by_role("button", name="Continue").click()
        web.check()
        verified_at = time.monotonic()
        assert "/sign-in" not in page.url, page.inner_text("main")
        # The other server worker may hold this session's identity from before the code for up
        # to LMS_IDENTITY_CACHE_SECONDS (5 s, the documented bound for pages that only read),
        # and meanwhile sends /account/two-step to the code page. Wait out that bound from the
        # moment the code was accepted (on a loaded machine one page load can take seconds, so a
        # deadline counted from later could end too soon), then allow a few slow loads more.
        time.sleep(max(0.0, verified_at + 6 - time.monotonic()))
        deadline = time.monotonic() + 10
        web.goto("/account/two-step")
        while urlsplit(page.url).path != "/account/two-step" and time.monotonic() < deadline:
            time.sleep(1)
            web.goto("/account/two-step")
        _visit(web, "/account/two-step", helps)
        expect(page.get_by_role("heading", name="Two-step sign-in is on")).to_be_visible()
    else:
        raise AssertionError(f"the walk has no step {step}")


def test_every_page_at_both_widths(sized, live_server):
    started = time.monotonic()
    seed = _seed(live_server, sized.page.viewport_size["width"])
    helps: set[tuple[str, bool]] = set()
    walked: set[str] = set()
    problems: list[str] = []
    for role in ROLES:
        if role != "anonymous":
            sized.sign_in(*(seed[f"{role}_login"] if role != "admin"
                            else live_server.logins[role]))
        for rule, (who, target) in WALK.items():
            if who != role:
                continue
            try:
                if target.startswith("@"):
                    _step(sized, target, seed, helps)
                    _extra_checks(sized, helps)
                else:
                    _visit(sized, target.format(**seed), helps)
            except AssertionError as error:  # go on, to list every page's problems at once
                problems.append(f"{rule} as {role}: {error}")
            walked.add(rule)
            if rule in SHOWN:
                try:
                    expect(sized.page.get_by_text(SHOWN[rule].format(**seed)).first).to_be_visible()
                except AssertionError as error:
                    problems.append(f"{rule} as {role} lacks its data: {error}")
        for who, target, status in EXTRA:
            if who == role:
                try:
                    _visit(sized, target.format(**seed), helps, status)
                except AssertionError as error:
                    problems.append(f"{target} as {role}: {error}")
        if role != "anonymous":
            sized.sign_out()
    assert not problems, "\n".join(problems)
    assert walked == set(WALK)
    # 3.2.6: the same help, in the same place, on every page.
    assert len(helps) == 1, helps
    print(f"walked {len(sized.checked)} pages in {time.monotonic() - started:.0f} s")


def test_sign_in_allows_paste_and_password_managers(web, live_server):
    web.goto("/sign-in")
    email, password = web.page.get_by_label("E-mail"), web.page.get_by_label("Password")
    expect(email).to_have_attribute("autocomplete", "email")
    expect(password).to_have_attribute("autocomplete", "current-password")
    blocked = password.evaluate("""el => {
      const event = new ClipboardEvent('paste', {bubbles: true, cancelable: true,
                                                 clipboardData: new DataTransfer()});
      return !el.dispatchEvent(event);
    }""")
    assert blocked is False, "pasting into the password field is blocked"
    # No puzzle, no transcription: one e-mail and one password, as a manager fills them.
    assert web.page.locator("form input:not([type=hidden])").count() == 2
    web.sign_in(*live_server.logins["trainee"])
    expect(web.page.get_by_role("heading", level=1)).to_contain_text("Hello")


def test_a_refused_form_keeps_what_was_typed(web, live_server):
    web.sign_in(*live_server.logins["trainee"])
    web.goto("/practice/new")
    reflection = "I noticed how a pause let the other person keep talking."
    web.page.get_by_label("Minutes").fill("0")
    web.page.get_by_label("One-to-one peer support", exact=True).check()
    web.page.get_by_label("In person").check()
    web.page.get_by_label("Reflection", exact=True).fill(reflection)
    web.page.get_by_role("button", name="Submit to my supervisor").click()
    web.check()
    expect(web.page.get_by_role("alert")).to_be_visible()
    expect(web.page.get_by_label("Reflection", exact=True)).to_have_value(reflection)
    expect(web.page.get_by_label("One-to-one peer support", exact=True)).to_be_checked()
    expect(web.page.get_by_label("In person")).to_be_checked()
