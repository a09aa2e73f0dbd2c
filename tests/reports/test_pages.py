"""Admin home, reports and supervisors' figures: charts with tables, CSV, constant queries."""

from __future__ import annotations

import re
from datetime import date

import pytest

from lms.auth.models import Role
from lms.cohorts.services import create_cohort, move_to_cohort
from lms.extensions import db
from lms.learning.services import enroll
from tests.conftest import get_user
from tests.factories import make_certificate, make_user
from tests.practice.helpers import make_entry
from tests.reports.helpers import pass_every_module, take_quiz
from tests.sqlcount import counting_queries


def add_trainees(count: int, cohort_id: int | None, supervisor_id: int) -> None:
    """Add trainees with quizzes, practice and a certificate among them."""
    from lms.admin.services import assign_supervisor
    from lms.auth.assignments import trainees_of  # noqa: F401  (keeps the house's reader in use)
    from lms.cohorts.models import Cohort

    cohort = db.session.get(Cohort, cohort_id) if cohort_id else None
    for number in range(count):
        trainee = make_user(Role.TRAINEE, f"load{number}-{cohort_id}@example.org", f"Load {number}")
        enroll(trainee, "foundations")
        assign_supervisor(trainee, get_user(supervisor_id), None)
        if cohort is not None:
            move_to_cohort(trainee, cohort, None)
        take_quiz(trainee.id, "active-listening", right=number % 2 == 0)
        make_entry(trainee.id, submit=True)
        make_entry(trainee.id, approve_by=supervisor_id)
        if number % 3 == 0:
            make_certificate(trainee.id)


@pytest.fixture
def filled(app, people):
    """A cohort with trainees, and some trainees without one."""
    with app.app_context():
        cohort = create_cohort("Spring", "foundations", "default", date.today(), None)
        add_trainees(3, cohort.id, people["supervisor"])
        pass_every_module(people["trainee"])
        db.session.commit()
        cohort_id = cohort.id
    return cohort_id


def test_admin_home_shows_each_figure_with_its_list(app, filled, client, sign_in):
    sign_in("admin@example.org")
    page = client.get("/admin").get_data(as_text=True)
    assert "Trainees by stage" in page and "Certificate expires within 90 days" in page
    assert re.search(r'figure">1</span> Certified', page)
    assert "Sam Supervisor" in page  # entries wait for them
    assert "1 certificate</a> issued this month" in page
    listed = client.get("/admin/reports/trainees?stage=certified").get_data(as_text=True)
    assert "Load 0" in listed and "Load 1" not in listed


def test_a_long_list_pages_by_name_and_keeps_its_filters(app, people, client, sign_in,
                                                         monkeypatch):
    from lms.reports import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    with app.app_context():
        for name in ("Cleo", "avery", "Bo"):
            enroll(make_user(Role.TRAINEE, f"{name.lower()}@example.org", name), "foundations")
        db.session.commit()
    sign_in("admin@example.org")
    url = "/admin/reports/trainees?stage=not-started&program=foundations"
    first = client.get(url).get_data(as_text=True)
    assert "Joined, not started: Peer Support Foundations" in first
    assert "by name" in first and first.index("avery") < first.index("Bo")
    assert "Cleo" not in first
    assert ('href="/admin/reports/trainees?page=2&amp;stage=not-started&amp;program=foundations"'
            in first)
    second = client.get(url + "&page=2").get_data(as_text=True)
    assert "Cleo" in second and "Previous" in second
    quiet = client.get("/admin/reports/trainees?quiet=1").get_data(as_text=True)
    assert "No one is in this list right now." in quiet


def test_reports_have_a_chart_a_table_and_csv(app, filled, client, sign_in):
    sign_in("admin@example.org")
    page = client.get(f"/admin/reports?cohort={filled}").get_data(as_text=True)
    assert len(page.encode()) < 60 * 1024
    for kind in ("funnel", "timing", "items", "turnaround", "hours"):
        assert f'id="chart-{kind}-title"' in page, kind
        assert f'id="chart-{kind}-desc"' in page, kind
        csv = client.get(f"/admin/reports/{kind}.csv?cohort={filled}")
        assert csv.status_code == 200 and csv.mimetype == "text/csv", kind
    funnel = client.get(f"/admin/reports/funnel.csv?cohort={filled}").get_data(as_text=True)
    assert "Invited,3" in funnel and "Certified,1" in funnel
    items = client.get(f"/admin/reports/items.csv?cohort={filled}").get_data(as_text=True)
    assert re.search(r"courses/foundations/02-active-listening\.md:\d+", items)


def test_an_empty_cohort_says_so(app, people, client, sign_in):
    with app.app_context():
        cohort = create_cohort("Empty", "foundations", "default", date.today(), None)
        db.session.commit()
        cohort_id = cohort.id
    sign_in("admin@example.org")
    page = client.get(f"/admin/reports?cohort={cohort_id}").get_data(as_text=True)
    assert "No trainees are in this selection yet." in page
    assert "<svg" not in page


def test_csv_cells_never_run_as_formulas(app, people, client, sign_in):
    with app.app_context():
        supervisor = get_user(people["supervisor"])
        supervisor.display_name = "=cmd|' /C calc'!A0"
        make_entry(people["trainee"], approve_by=people["supervisor"])
        db.session.commit()
    sign_in("admin@example.org")
    body = client.get("/admin/reports/turnaround.csv").get_data(as_text=True)
    assert "'=cmd|" in body and "\n=cmd" not in body


def test_supervisor_home_shows_their_trainees_only(app, filled, client, sign_in):
    with app.app_context():
        other = make_user(Role.SUPERVISOR, "other@example.org", "Olu Other")
        stranger = make_user(Role.TRAINEE, "stranger@example.org", "Stranger Danger")
        enroll(stranger, "foundations")
        from lms.admin.services import assign_supervisor

        assign_supervisor(stranger, other, None)
        db.session.commit()
    sign_in("supervisor@example.org")
    page = client.get("/").get_data(as_text=True)
    assert "Load 2" in page and "Jordan Trainee" in page and "Stranger" not in page
    assert "Practising" in page  # Jordan passed every module
    assert "The oldest entry waiting for you was sent on" in page


@pytest.mark.parametrize("url", ["/admin", "/admin/reports", "/admin/reports/trainees?quiet=1",
                                 "/"])
def test_statement_count_does_not_grow_with_trainees(app, people, client, sign_in, url):
    email = "supervisor@example.org" if url == "/" else "admin@example.org"
    sign_in(email)
    counts = []
    for size in (2, 8):
        with app.app_context():
            cohort = create_cohort(f"Size {size}", "foundations", "default", date.today(), None)
            add_trainees(size, cohort.id, people["supervisor"])
            db.session.commit()
        with counting_queries() as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_the_page_shows_the_slowest_supervisors_and_the_csv_every_one(app, people, client,
                                                                     sign_in):
    from datetime import timedelta

    from lms.admin.services import assign_supervisor
    from lms.practice.models import Decision
    from lms.practice.services import decide

    with app.app_context():
        # 17 supervisors; the one numbered n takes n hours to decide.
        for number in range(17):
            supervisor = make_user(Role.SUPERVISOR, f"sup{number}@example.org",
                                   f"Supervisor {number:02}")
            trainee = make_user(Role.TRAINEE, f"t{number}@example.org", f"Trainee {number}")
            enroll(trainee, "foundations")
            assign_supervisor(trainee, supervisor, None)
            entry = make_entry(trainee.id, submit=True)
            decide(entry, supervisor, Decision.APPROVE, seen_submission=1,
                   now=entry.submitted_at + timedelta(hours=number))
        db.session.commit()
    sign_in("admin@example.org")
    page = client.get("/admin/reports").get_data(as_text=True)
    section = page[page.index('id="turnaround-heading"'):]
    section = section[:section.index("</section>")]
    shown = re.findall(r'<th scope="row">(Supervisor \d\d)</th>', section)
    assert shown == [f"Supervisor {number:02}" for number in range(16, 1, -1)]  # slowest first
    assert "The page shows the 15 supervisors slowest to decide, of 17" in section
    csv = client.get("/admin/reports/turnaround.csv").get_data(as_text=True)
    assert all(f"Supervisor {number:02}" in csv for number in range(17))
