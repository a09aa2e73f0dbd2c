"""In a real browser: invite five people from a CSV, fix a bad row, and watch the funnel move."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.test_learning import MODULE, answer_quiz

HEADER = "name,email,cohort,supervisor_email\n"


def _people(first_name: str) -> str:
    rows = [f"{first_name},ava.browser@example.org,Spring browser,supervisor@example.org",
            "Ben Ortiz,ben.browser@example.org,Spring browser,supervisor@example.org",
            "Cleo Park,cleo.browser@example.org,Spring browser,",
            "Dev Rao,dev.browser@example.org,Spring browser,supervisor@example.org",
            "Eli Moss,eli.browser@example.org,Spring browser,"]
    return HEADER + "\n".join(rows) + "\n"


def _funnel_step(web, label: str, count: int) -> None:
    row = web.page.get_by_role("row").filter(has=web.page.get_by_role("rowheader", name=label,
                                                                      exact=True))
    expect(row).to_have_text(re.compile(rf"{re.escape(label)}\s*{count}$"))


def test_import_fix_confirm_and_watch_the_funnel(web, live_server, tmp_path: Path):
    admin_email, admin_password = live_server.logins["admin"]
    web.sign_in(admin_email, admin_password)
    web.goto("/admin/cohorts/new")
    web.page.get_by_label("Name").fill("Spring browser")
    web.page.get_by_label("Program").select_option("foundations")
    web.page.get_by_label("Requirement profile").select_option("foundations:default")
    web.page.get_by_label("Start date").fill("2027-03-01")
    web.page.get_by_role("button", name="Create cohort").click()
    web.check()
    expect(web.page.get_by_text("The cohort Spring browser is ready.")).to_be_visible()
    cohort_url = web.page.url

    upload = tmp_path / "people.csv"
    upload.write_text(_people("=Ava Stone"))
    web.goto("/admin/import")
    web.page.get_by_label("CSV file").set_input_files(upload)
    web.page.get_by_role("button", name="Show the preview").click()
    web.check()
    expect(web.page.get_by_text("4 ready, 1 with something to fix")).to_be_visible()
    expect(web.page.get_by_role("row", name=re.compile("starts with ="))).to_be_visible()
    expect(web.page.get_by_role("button", name=re.compile("Invite"))).to_have_count(0)

    upload.write_text(_people("Ava Stone"))
    web.page.get_by_role("link", name="Upload another file").click()
    web.check()
    web.page.get_by_label("CSV file").set_input_files(upload)
    web.page.get_by_role("button", name="Show the preview").click()
    web.check()
    expect(web.page.get_by_text("5 people in the file, all ready")).to_be_visible()
    web.page.get_by_role("button", name="Invite 5 people").click()
    web.check()
    expect(web.page.get_by_role("heading", level=1)).to_have_text("5 people were invited")
    with web.page.expect_download() as download:
        web.page.get_by_role("link", name="Download the join links (CSV)").click()
    rows = list(csv.DictReader(Path(download.value.path()).read_text("utf-8-sig").splitlines()))
    assert [row["email"] for row in rows][:2] == ["ava.browser@example.org",
                                                  "ben.browser@example.org"]
    link = rows[0]["join_link"]

    cohort_id = re.search(r"/admin/cohorts/(\d+)", cohort_url).group(1)
    web.goto(f"/admin/reports?cohort={cohort_id}")
    _funnel_step(web, "Invited", 5)
    _funnel_step(web, "Passed a first quiz", 0)
    web.sign_out()

    web.page.goto(link)
    web.check()
    web.page.get_by_label("Your name").fill("Ava Stone")
    web.page.get_by_label("New password").fill("steady hands at dawn")
    web.page.get_by_label("Type the password again").fill("steady hands at dawn")
    web.page.get_by_role("button", name="Join Lantern").click()
    web.check()
    web.goto(MODULE.url)
    web.page.get_by_role("button", name="I have read this module").click()
    web.check()
    web.page.get_by_role("button", name="Start the quiz").click()
    web.check()
    answer_quiz(web.page, right=True)
    web.page.get_by_role("button", name="Send my answers").click()
    web.check()
    expect(web.page.get_by_role("heading", level=1)).to_contain_text("Your result:")
    web.sign_out()

    web.sign_in(admin_email, admin_password)
    web.goto(f"/admin/reports?cohort={cohort_id}")
    _funnel_step(web, "Invited", 5)
    _funnel_step(web, "Joined", 1)
    _funnel_step(web, "Passed a first quiz", 1)
    expect(web.page.locator("#chart-funnel-title")).to_have_count(1)
