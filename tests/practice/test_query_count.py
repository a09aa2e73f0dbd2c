"""Supervisor pages run a fixed number of queries, whatever the number of trainees and entries."""

from __future__ import annotations

import re

from lms.admin.services import assign_supervisor
from lms.auth.models import Role
from lms.extensions import db
from lms.learning.services import enroll
from tests.conftest import get_user
from tests.factories import make_user
from tests.practice.helpers import make_entry
from tests.sqlcount import counting_queries


def _add_trainees(app, supervisor_id, start, count):
    with app.app_context():
        supervisor = get_user(supervisor_id)
        for number in range(start, start + count):
            trainee = make_user(Role.TRAINEE, f"load{number}@example.org", f"Load {number:03}")
            enroll(trainee, "foundations")
            assign_supervisor(trainee, supervisor, None)
            make_entry(trainee.id, minutes=30, approve_by=supervisor_id)
            make_entry(trainee.id, minutes=45, submit=True)
            make_entry(trainee.id, minutes=20, submit=True, activity="group")
        db.session.commit()


def _queries(client, url):
    with counting_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements), response.get_data(as_text=True)


def _sql(client, url):
    with counting_queries() as statements:
        client.get(url)
    return statements


def test_supervisor_pages_query_count_does_not_grow(app, people, client, sign_in,
                                                    record_property):
    _add_trainees(app, people["supervisor"], 0, 5)
    sign_in("supervisor@example.org")
    client.get("/")  # reads the identity into the per-process cache, as any first page does
    small = {url: _queries(client, url)[0] for url in
             ("/supervision/queue", "/supervision/trainees", "/supervision/trainees.csv", "/")}
    _add_trainees(app, people["supervisor"], 5, 45)
    large = {}
    for url in small:
        large[url], page = _queries(client, url)
        if url == "/supervision/queue":
            assert "100 entries waiting" in page
    for url, count in small.items():
        record_property(f"queries {url}", f"{count} at 5 trainees, {large[url]} at 50")
        print(f"queries {url}: {count} with 5 trainees, {large[url]} with 50")
    assert small == large
    # One for the queue itself: its page, total, names, last comments and counted minutes.
    assert len([sql for sql in _sql(client, "/supervision/queue")
                if "FROM practice_entry" in sql]) == 1
    assert small["/supervision/queue"] <= 3


def test_trainee_start_page_query_count_does_not_grow(app, people, client, sign_in):
    sign_in("trainee@example.org")
    _queries(client, "/")
    small, _page = _queries(client, "/")
    with app.app_context():
        for _number in range(30):
            make_entry(people["trainee"], minutes=30, approve_by=people["supervisor"])
            make_entry(people["trainee"], minutes=15, submit=True)
        db.session.commit()
    large, page = _queries(client, "/")
    assert "waiting for review" in page
    assert small == large
    # The enrolment is read once and handed to the practice and certificate summaries.
    with counting_queries() as statements:
        client.get("/")
    enrolment_reads = [sql for sql in statements
                       if "FROM enrollment" in sql and sql.lstrip().upper().startswith("SELECT")]
    assert len(enrolment_reads) == 1


def test_the_queue_reads_a_page_and_its_total_in_one_statement(app, people, client, sign_in):
    _add_trainees(app, people["supervisor"], 0, 8)  # 16 entries waiting: two pages of 15
    sign_in("supervisor@example.org")
    client.get("/supervision/queue")
    with counting_queries() as statements:
        first = client.get("/supervision/queue").get_data(as_text=True)
    # Flask-SQLAlchemy's paginate would add SELECT count(*) FROM (SELECT ... ) for the total.
    assert len([sql for sql in statements if "count(*) OVER ()" in sql]) == 1, statements
    assert not [sql for sql in statements if re.search(r"count\(\*\).*FROM \(SELECT", sql, re.S)]
    assert "16 entries waiting" in first and "(page 1 of 2)" in first
    second = client.get("/supervision/queue?page=2").get_data(as_text=True)
    assert "16 entries waiting" in second and "(page 2 of 2)" in second
    assert second.count('name="entries"') == 1 and first.count('name="entries"') == 15
    past_the_end = client.get("/supervision/queue?page=9")
    assert past_the_end.status_code == 200
    assert "Nothing is waiting" in past_the_end.get_data(as_text=True)
