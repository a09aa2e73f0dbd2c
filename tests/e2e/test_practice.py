"""In a real browser: log practice, the identifier guard, review, resubmit, totals and chart."""

from __future__ import annotations

import re
import subprocess
import sys

from playwright.sync_api import expect

from tests.e2e.conftest import ROOT

PASSWORD = "quiet harbour morning"
SEED = f"""
from lms import create_app
from lms.admin.services import assign_supervisor, invite_person
from lms.auth.models import Role
from lms.auth.services import accept_invitation
from lms.extensions import db
app = create_app()
with app.app_context():
    trainee = invite_person("casey.practice@example.org", Role.TRAINEE, None, "Casey Practice",
                            "foundations").user
    supervisor = invite_person("morgan.review@example.org", Role.SUPERVISOR, None,
                               "Morgan Review").user
    accept_invitation(trainee, "Casey Practice", {PASSWORD!r})
    accept_invitation(supervisor, "Morgan Review", {PASSWORD!r})
    assign_supervisor(trainee, supervisor, None)
    db.session.commit()
"""
TRAINEE, SUPERVISOR = "casey.practice@example.org", "morgan.review@example.org"


def _seed(live_server):
    """Add a trainee and a supervisor of this test's own, so other tests cannot disturb them."""
    subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=live_server.env, check=True,
                   capture_output=True, timeout=120)


def _log(web, minutes, activity, reflection):
    web.page.get_by_role("link", name="Log practice").first.click()
    web.check()
    web.page.get_by_label("Minutes").fill(str(minutes))
    web.page.get_by_label(activity, exact=True).check()
    web.page.get_by_label("In person").check()
    web.page.get_by_label("Listens actively: open questions, reflections, summaries").check()
    web.page.get_by_label("Reflection", exact=True).fill(reflection)
    web.page.get_by_role("button", name="Submit to my supervisor").click()
    web.check()


def _item(web, activity):
    return web.page.locator("article.queue-item", has_text=activity)


def test_log_review_return_resubmit_and_totals(web, live_server):
    _seed(live_server)
    web.sign_in(TRAINEE, PASSWORD)
    web.goto("/practice")
    expect(web.page.get_by_text("You have not logged any practice yet")).to_be_visible()

    _log(web, 60, "One-to-one peer support",
         "I practised open questions and noticed I rushed to fill silences.")
    expect(web.page.get_by_text("Sent to your supervisor")).to_be_visible()

    web.goto("/practice")
    _log(web, 50, "Group facilitation",
         "Maria Lopez shared a lot today, call her on 555 123 4567 to follow up.")
    expect(web.page.get_by_role("heading", name="Please check your reflection")).to_be_visible()
    expect(web.page.locator("mark", has_text="Maria Lopez")).to_be_visible()
    expect(web.page.locator("mark", has_text="555 123 4567")).to_be_visible()
    expect(web.page.get_by_role("link", name="confidentiality module's section on practice logs")
           ).to_have_attribute("href", re.compile(r"^/programs/foundations/confidentiality"))
    web.page.get_by_label("Reflection", exact=True).fill(
        "A group member shared a lot today. I reflected feelings and kept the group safe.")
    web.page.get_by_role("button", name="Submit to my supervisor").click()
    web.check()
    expect(web.page.get_by_text("Sent to your supervisor")).to_be_visible()

    web.goto("/practice")
    _log(web, 45, "Skills role-play", "In the triad I used two complex reflections.")
    web.goto("/practice")
    expect(web.page.get_by_text("Waiting for review", exact=True)).to_have_count(3)
    web.sign_out()

    web.sign_in(SUPERVISOR, PASSWORD)
    web.page.get_by_role("link", name="Open your review queue").click()
    web.check()
    expect(web.page.get_by_text("3 entries waiting, oldest first")).to_be_visible()
    group = _item(web, "Group facilitation")
    group.get_by_text("Return with a comment").click()
    group.get_by_label("What should Casey Practice change?").fill(
        "Please add what you would do differently next time.")
    group.get_by_role("button", name="Return to Casey Practice").click()
    web.check()
    expect(web.page.get_by_text("Returned to Casey Practice with your comment.")).to_be_visible()
    for activity in ("One-to-one peer support", "Skills role-play"):
        _item(web, activity).get_by_label(re.compile("^Select")).check()
    web.page.get_by_role("button", name="Approve the selected entries").click()
    web.check()
    expect(web.page.get_by_text("Approved 2 entries.")).to_be_visible()
    expect(web.page.get_by_text("Nothing is waiting for your review")).to_be_visible()
    web.page.get_by_role("link", name="Trainees", exact=True).click()
    web.check()
    web.page.get_by_role("link", name="Casey Practice").click()
    web.check()
    expect(web.page.get_by_text("Counted practice: 1 h 45 min of 20 h")).to_be_visible()
    expect(web.page.locator("svg.chart text.chart-value")).to_have_text(["1.8"])
    web.sign_out()

    web.sign_in(TRAINEE, PASSWORD)
    web.goto("/practice")
    expect(web.page.get_by_role("heading", name="Returned to you for changes")).to_be_visible()
    web.page.get_by_role("link", name=re.compile("^Group facilitation")).first.click()
    web.check()
    expect(web.page.get_by_text("Please add what you would do differently next time.").first
           ).to_be_visible()
    web.page.get_by_role("link", name="Edit this entry", exact=True).click()
    web.check()
    web.page.get_by_label("Reflection", exact=True).fill(
        "A group member shared a lot today. Next time I will summarise before moving on.")
    web.page.get_by_role("button", name="Submit to my supervisor").click()
    web.check()
    expect(web.page.get_by_text("Resubmitted, waiting for review")).to_be_visible()
    web.sign_out()

    web.sign_in(SUPERVISOR, PASSWORD)
    web.goto("/supervision/queue")
    item = _item(web, "Group facilitation")
    expect(item.get_by_text("resubmitted after changes")).to_be_visible()
    item.get_by_role("button", name=re.compile("^Approve")).click()
    web.check()
    expect(web.page.get_by_text("Approved: Casey Practice")).to_be_visible()
    web.sign_out()

    web.sign_in(TRAINEE, PASSWORD)
    web.goto("/practice")
    expect(web.page.get_by_text("Counted practice: 2 h 35 min of 20 h")).to_be_visible()
    expect(web.page.locator("svg.chart text.chart-value")).to_have_text(["2.6"])
    expect(web.page.get_by_text("Approved", exact=True)).to_have_count(3)
    assert "audit chain ok" in live_server.flask("lms", "audit", "verify").lower()

    # A refused form opens with a summary whose links lead to the fields; a draft is deleted
    # only after the confirmation page.
    web.page.get_by_role("link", name="Log practice").first.click()
    web.page.get_by_label("Minutes").fill("3")
    web.page.get_by_role("button", name="Save as draft").click()
    web.check()
    summary = web.page.locator(".error-summary")
    expect(summary).to_contain_text("Some things need another look")
    summary.get_by_role("link", name=re.compile("^Minutes")).click()
    expect(web.page.get_by_label("Minutes")).to_be_focused()
    web.page.get_by_label("Minutes").fill("20")
    web.page.get_by_label("Skills role-play", exact=True).check()
    web.page.get_by_label("In person").check()
    web.page.get_by_role("button", name="Save as draft").click()
    web.check()
    web.page.get_by_role("link", name="Delete this entry").click()
    web.check()
    expect(web.page.get_by_role("heading", name="Delete this entry?")).to_be_visible()
    web.page.get_by_role("button", name="Delete it").click()
    web.check()
    expect(web.page.get_by_text("The entry is deleted.")).to_be_visible()
    expect(web.page.get_by_text("Approved", exact=True)).to_have_count(3)
