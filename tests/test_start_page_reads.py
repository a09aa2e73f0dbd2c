"""The trainee's start page reads its facts in two statements, and they match the services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from markupsafe import escape

from lms.catalog.profile import profiles
from lms.certification.codes import format_code
from lms.certification.services import (
    active_certificate,
    certificate_summary,
    eligibility_for,
    start_page_summary,
)
from lms.cohorts.services import create_cohort, move_to_cohort
from lms.extensions import db
from lms.learning.facts import module_facts
from lms.learning.services import (
    dashboard,
    edition_of,
    get_catalog,
    passed_modules,
    passed_scores,
    start_attempt,
    submit_attempt,
)
from lms.practice import totals
from tests.certification.records import earn_everything
from tests.conftest import csrf_token, get_user
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
            program, datetime.now(UTC).date(),
            edition=edition_of(people["trainee"], "foundations"), active=None,
            cohort_profile_slug=None,
            passed_modules=passed_scores(module_facts(people["trainee"])["foundations"]),
            approved_minutes_by_activity=one.approved_minutes_by_activity,
            supervision_minutes=one.supervision_minutes,
            observed_competencies=one.observed_competencies)
        expected = eligibility_for(get_user(people["trainee"]), program)
        assert summary.eligibility == expected and expected.met
        assert passed_scores(module_facts(people["trainee"])["foundations"]) == {
            slug: row.best_score for slug, row in passed_modules(people["trainee"],
                                                                 "foundations").items()}


def _reads(statements: list[str]) -> list[str]:
    return [sql for sql in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]


def test_the_start_page_reads_two_statements(app, people, client, sign_in):
    with app.app_context():
        earn_everything(people["trainee"], people["supervisor"])
        db.session.commit()
    sign_in("trainee@example.org")
    client.get("/")
    with counting_queries() as statements:
        page = client.get("/")
    assert page.status_code == 200 and "Sam Supervisor" in page.get_data(as_text=True)
    assert len(_reads(statements)) == 2, _reads(statements)


def test_the_start_page_shows_the_cohorts_profile_in_the_same_two_statements(
        app, people, client, sign_in):
    with app.app_context():
        program = get_catalog().program("foundations")
        other = next(slug for slug in profiles(program) if slug != "default")
        cohort = create_cohort("Peer Recovery 2027", "foundations", other, date.today(), None)
        trainee = get_user(people["trainee"])
        move_to_cohort(trainee, cohort, None)
        db.session.commit()
        theirs = eligibility_for(trainee, program, other)
        default = eligibility_for(trainee, program)
        # The certificates page's summary, which the start page must agree with.
        assert certificate_summary(trainee, date.today()).eligibility == theirs
    assert len(theirs.requirements) != len(default.requirements)
    sign_in("trainee@example.org")
    client.get("/")
    with counting_queries() as statements:
        page = client.get("/").get_data(as_text=True)
    assert len(_reads(statements)) == 2, _reads(statements)
    met = len(theirs.requirements) - len(theirs.missing)
    assert f"{met} of {len(theirs.requirements)} requirements met" in page


def test_the_start_page_shows_the_active_certificate_read_with_the_facts(
        app, people, client, sign_in):
    with app.app_context():
        earn_everything(people["trainee"], people["supervisor"])
        db.session.commit()
    sign_in("trainee@example.org")
    client.post("/certificates/claim", data={
        "csrf_token": csrf_token(client, "/certificates"), "program": "foundations",
        "profile": "default"})
    with app.app_context():
        issued = active_certificate(people["trainee"], "foundations")
        assert issued is not None
        code, expires_on = issued.code, issued.expires_on
        summary = certificate_summary(get_user(people["trainee"]), date.today())
        assert summary.active is not None and summary.active.code == code
    with counting_queries() as statements:
        page = client.get("/").get_data(as_text=True)
    assert len(_reads(statements)) == 2, _reads(statements)
    assert format_code(code) in page
    assert "is valid" in page or "expires in" in page
    if expires_on is not None:
        assert f"{expires_on.day} {expires_on:%B %Y}" in page


def test_the_start_page_shows_the_progress_the_rules_work_out(app, people, client, sign_in):
    with app.app_context():
        program = get_catalog().program("foundations")
        trainee = get_user(people["trainee"])
        first, second = program.modules[0], program.modules[1]
        now = datetime.now(UTC)
        attempt = start_attempt(trainee, first, now)
        submit_attempt(attempt, first, {item["q"]: sorted(first.question(item["q"]).correct_keys)
                                        for item in attempt.drawn}, now)
        attempt = start_attempt(trainee, second, now)
        submit_attempt(attempt, second, {item["q"]: ["zz"] for item in attempt.drawn}, now)
        db.session.commit()
        board = dashboard(program, module_facts(trainee.id)["foundations"],
                          edition_of(trainee.id, "foundations"))
        next_title = str(escape(board["next"].module.title))
    assert board["passed"] == 1 and 0 < board["overall"] < 100
    sign_in("trainee@example.org")
    client.get("/")
    with counting_queries() as statements:
        page = client.get("/").get_data(as_text=True)
    assert len(_reads(statements)) == 2, _reads(statements)
    assert f"Overall progress: {board['overall']}%" in page
    assert next_title in page and "Quiz not passed yet" in page
