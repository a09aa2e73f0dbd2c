"""Every page at 320 and 1280 px: WCAG 2.2 AA with axe, no sideways scrolling, and the 2.2
criteria axe cannot see: focus never hidden (2.4.11), targets of 24 px (2.5.8), sign-in that
allows paste and password managers (3.3.8), nothing typed twice (3.3.7), help in one place
(3.2.6)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ROOT, AccessiblePage, LiveServer

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
    .filter(el => el.offsetParent !== null).slice(0, 60);
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
  .filter(el => el.offsetParent !== null)
  .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect()])
  .filter(([, box]) => box.width < 24 || box.height < 24)
  .map(([html, box]) => `${html} is ${Math.round(box.width)}x${Math.round(box.height)}`)"""


PASSWORD = "lamplight over still water"
SEED = """
import sys
from lms import create_app
from lms.admin.services import invite_person
from lms.auth.models import Role
from lms.auth.services import accept_invitation
from lms.extensions import db
app = create_app()
with app.app_context():
    trainee = invite_person(sys.argv[1], Role.TRAINEE, None, "Walker Wide", "foundations").user
    accept_invitation(trainee, "Walker Wide", sys.argv[2])
    db.session.commit()
"""


def _own_trainee(live_server: LiveServer, width: int) -> tuple[str, str]:
    """Add a trainee for this walk only, so its quiz attempt disturbs no other test."""
    email = f"walker-{width}@example.org"
    subprocess.run([sys.executable, "-c", SEED, email, PASSWORD], cwd=ROOT, env=live_server.env,
                   check=True, capture_output=True, timeout=120)
    return email, PASSWORD


def _ids(live_server: LiveServer) -> dict[str, object]:
    return {role: live_server.sql(f"SELECT id FROM \"user\" WHERE role = '{role}' "
                                  "ORDER BY id LIMIT 1")
            for role in ("trainee", "supervisor", "admin")}


def _pages(live_server: LiveServer) -> dict[str, list[str]]:
    ids = _ids(live_server)
    return {
        "anonymous": ["/sign-in", "/verify", "/verify/0000-0000-0000-0000"],
        "trainee": ["/", "/account", MODULE, "/practice", "/practice/new", "/certificates",
                    "/verify"],
        "supervisor": ["/", "/account", "/supervision/queue", "/supervision/trainees",
                       f"/supervision/trainees/{ids['trainee']}",
                       f"/supervision/trainees/{ids['trainee']}/observations/new",
                       "/supervision/sessions/new"],
        "admin": ["/", "/account", "/admin/people", "/admin/people/invite",
                  f"/admin/people/{ids['trainee']}", f"/admin/people/{ids['trainee']}/account",
                  f"/admin/people/{ids['trainee']}/certificates"],
    }


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def sized(request: pytest.FixtureRequest, browser: Browser,
          live_server: LiveServer) -> Iterator[AccessiblePage]:
    """Return a checked page in a window of the given width."""
    context = browser.new_context(viewport={"width": request.param, "height": 800})
    wrapper = AccessiblePage(context.new_page(), live_server.url)
    yield wrapper
    context.close()
    assert not wrapper.csp_errors, wrapper.csp_errors


def _visit(web: AccessiblePage, path: str, helps: set[tuple[str, bool]]) -> None:
    web.goto(path)
    help_place = web.page.evaluate(HELP)
    assert help_place, f"{path}: no help in the footer"
    helps.add((" ".join(help_place[0].split()), help_place[1]))
    assert web.page.evaluate(SMALL_TARGETS) == [], path
    assert web.page.evaluate(FOCUS_HIDDEN) == [], path


def test_every_page_at_both_widths(sized, live_server):
    pages = _pages(live_server)
    helps: set[tuple[str, bool]] = set()
    for path in pages["anonymous"]:
        _visit(sized, path, helps)
    walker = _own_trainee(live_server, sized.page.viewport_size["width"])
    for role in ("trainee", "supervisor", "admin"):
        sized.sign_in(*(walker if role == "trainee" else live_server.logins[role]))
        for path in pages[role]:
            _visit(sized, path, helps)
        if role == "trainee":
            # The quiz page: legends of two lines wrap inside their fieldsets.
            sized.goto(MODULE)
            sized.page.get_by_role("button", name="Start the quiz").click()
            sized.check()
            for legend in sized.page.locator("fieldset.question legend").all():
                box, frame = legend.bounding_box(), legend.locator("..").bounding_box()
                assert box and frame and box["x"] + box["width"] <= frame["x"] + frame["width"]
            assert sized.page.evaluate(SMALL_TARGETS) == []
        sized.sign_out()
    # 3.2.6: the same help, in the same place, on every page.
    assert len(helps) == 1, helps
    assert len(sized.checked) > 20


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
