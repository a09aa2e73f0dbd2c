"""The trainee's start page reads its facts in four statements, and they match the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lms.certification.services import eligibility_for, start_page_summary
from lms.extensions import db
from lms.learning.facts import module_facts
from lms.learning.services import (
    edition_of,
    get_catalog,
    passed_modules,
    passed_scores,
    start_attempt,
    submit_attempt,
)
from lms.practice import totals
from tests.certification.records import earn_everything
from tests.conftest import get_user
from tests.practice.helpers import make_entry
from tests.sqlcount import counting_queries


def test_module_facts_say_read_attempts_passed_and_last_failure(app, people):
    with app.app_context():
        program = get_catalog().program("foundations")
        trainee = get_user(people["trainee"])
        first, second = program.modules[0], program.modules[1]
        now = datetime.now(UTC)
        attempt = start_attempt(trainee, first, now)
        submit_attempt(attempt, first, {item["q"]: sorted(first.question(item["q"]).correct_keys)
                                        for item in attempt.drawn}, now)
        failed_at = now + timedelta(minutes=1)
        attempt = start_attempt(trainee, second, failed_at)
        submit_attempt(attempt, second, {item["q"]: ["zz"] for item in attempt.drawn}, failed_at)
        db.session.commit()
        facts = module_facts(trainee.id)["foundations"]
    assert facts[first.slug].passed_at is not None and facts[first.slug].attempts == 1
    assert facts[first.slug].last_failed_at is None and facts[first.slug].best_score == 100
    assert facts[second.slug].passed_at is None and facts[second.slug].attempts == 1
    assert abs((facts[second.slug].last_failed_at - failed_at).total_seconds()) < 1
    assert program.modules[2].slug not in facts


def test_practice_totals_in_one_statement_match_the_separate_reads(app, people):
    with app.app_context():
        earn_everything(people["trainee"], people["supervisor"])
        make_entry(people["trainee"], minutes=45, submit=True)
        make_entry(people["trainee"], minutes=20, return_by=people["supervisor"])
        db.session.commit()
        program = get_catalog().program("foundations")
        with counting_queries() as statements:
            one = totals.trainee_totals(people["trainee"], program)
        assert len([sql for sql in statements if sql.startswith("SELECT")]) == 1
        assert one.progress == totals.progress(people["trainee"], program)
        assert one.approved_minutes_by_activity == totals.approved_minutes_by_activity(
            people["trainee"], program)
        assert one.supervision_minutes == totals.supervision_minutes(people["trainee"]) == 240
        assert one.observed_competencies == totals.observed_competencies(people["trainee"])
        summary = start_page_summary(
            people["trainee"], program, datetime.now(UTC).date(),
            edition=edition_of(people["trainee"], "foundations"),
            passed_modules=passed_scores(module_facts(people["trainee"])["foundations"]),
            approved_minutes_by_activity=one.approved_minutes_by_activity,
            supervision_minutes=one.supervision_minutes,
            observed_competencies=one.observed_competencies)
        expected = eligibility_for(get_user(people["trainee"]), program)
        assert summary.eligibility == expected and expected.met
        assert passed_scores(module_facts(people["trainee"])["foundations"]) == {
            slug: row.best_score for slug, row in passed_modules(people["trainee"],
                                                                 "foundations").items()}


def test_the_start_page_reads_four_statements(app, people, client, sign_in):
    with app.app_context():
        earn_everything(people["trainee"], people["supervisor"])
        db.session.commit()
    sign_in("trainee@example.org")
    client.get("/")
    with counting_queries() as statements:
        page = client.get("/")
    assert page.status_code == 200 and "Sam Supervisor" in page.get_data(as_text=True)
    reads = [sql for sql in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(reads) == 4, reads
