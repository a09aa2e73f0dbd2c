"""Item analysis, turnaround and the funnel read from their tallies equal their references."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from lms.auth.models import Role
from lms.catalog.services import get_catalog
from lms.certification.models import Certificate
from lms.cohorts.services import cohort_of, create_cohort, get_cohort, move_to_cohort
from lms.extensions import db
from lms.learning.services import QuizUnavailable, enroll, start_attempt, submit_attempt
from lms.models import utcnow
from lms.practice.models import Decision, EntryState, PracticeEntry
from lms.practice.services import (
    EntryData,
    create_entry,
    decide,
    delete_entry,
    submit_entry,
    update_entry,
)
from lms.reports import summary
from lms.reports.models import AnswerCount, FunnelCount, SupervisorTurnaround
from lms.reports.services import (
    Scope,
    funnel,
    funnel_reference,
    item_analysis,
    item_analysis_reference,
    rebuild_summaries,
    time_to_certificate,
    time_to_certificate_reference,
    turnaround,
    turnaround_reference,
)
from tests.conftest import get_user
from tests.factories import make_certificate, make_user
from tests.practice.helpers import REFLECTION, foundations

_numbers = itertools.count()
PROGRAM = "foundations"
ACTIONS = ("quiz-right", "quiz-wrong", "approved", "returned", "submitted", "resubmitted",
           "deleted", "cohort-new", "cohort-other", "cohort-other", "certified", "commit")


def _scopes(cohorts: list[int]) -> list[Scope]:
    """Return every scope the reports page offers for these cohorts."""
    return [Scope(), Scope(program_slug=PROGRAM),
            *(Scope(cohort_id=cohort) for cohort in cohorts),
            *(Scope(cohort_id=cohort, program_slug=PROGRAM) for cohort in cohorts)]


def _agree(cohorts: list[int]) -> None:
    """Assert each tally and its reference agree for every scope."""
    program = get_catalog().program(PROGRAM)
    for scope in _scopes(cohorts):
        assert item_analysis(program, scope) == item_analysis_reference(program, scope), scope
        assert turnaround(scope) == turnaround_reference(scope), scope
        assert funnel(scope, date.today()) == funnel_reference(scope, date.today()), scope
        assert time_to_certificate(scope, date.today()) == time_to_certificate_reference(
            scope, date.today()), scope


def _trainee(supervisors: list[int]) -> int:
    """Make an enrolled trainee assigned to every given supervisor."""
    from lms.admin.services import assign_supervisor

    number = next(_numbers)
    user = make_user(Role.TRAINEE, f"oversight{number}@example.org", f"Oversight {number}",
                     password="a calm river at dusk")
    enroll(user, PROGRAM)
    for supervisor in supervisors:
        assign_supervisor(user, get_user(supervisor), None)
    return user.id


def _quiz(trainee_id: int, module_index: int, right: bool, days_later: int) -> None:
    """Take the module's quiz (a first attempt, or a later one past any break), if allowed."""
    module = foundations().modules[module_index % len(foundations().modules)]
    later = utcnow() + timedelta(days=days_later)
    try:
        attempt = start_attempt(get_user(trainee_id), module, later)
    except QuizUnavailable:
        return  # every attempt used: the service refuses, nothing changes
    answers = {}
    for item in attempt.drawn:
        question = module.question(item["q"])
        wrong = [choice.key for choice in question.choices if not choice.correct]
        answers[question.key] = (sorted(question.correct_keys) if right
                                 else [wrong[days_later % len(wrong)]])
    submit_attempt(attempt, module, answers, later)


def _entry(trainee_id: int, days_ago: int) -> PracticeEntry:
    data = EntryData(practice_date=date.today() - timedelta(days=days_ago % 60), minutes=45,
                     activity="one-to-one", setting="in-person",
                     competencies=["active-listening"], reflection=REFLECTION)
    return create_entry(get_user(trainee_id), foundations(), data)


def _send_and_decide(entry: PracticeEntry, supervisor_id: int | None, decision: Decision,
                     hours: int) -> None:
    """Submit an entry, and have the supervisor decide it some hours later (if one is given)."""
    sent = utcnow() - timedelta(hours=200)
    submit_entry(entry, get_user(entry.trainee_id), confirmed=True, now=sent)
    if supervisor_id is not None:
        decide(entry, get_user(supervisor_id), decision,
               "Please say more about what you learned." if decision is Decision.RETURN
               else "", now=sent + timedelta(hours=hours, minutes=hours * 7 % 60))


def _resubmit(trainee_id: int, supervisor_id: int, hours: int) -> None:
    """Change, resubmit and approve a returned entry (its first decision leaves the median)."""
    returned = db.session.scalars(select(PracticeEntry).where(
        PracticeEntry.trainee_id == trainee_id, PracticeEntry.state == EntryState.RETURNED)
        .order_by(PracticeEntry.id)).first()
    if returned is None:
        return
    data = EntryData(practice_date=returned.practice_date, minutes=returned.minutes + 5,
                     activity=returned.activity, setting="in-person",
                     competencies=["active-listening"], reflection=REFLECTION + " More.")
    update_entry(returned, foundations(), data)
    _send_and_decide(returned, supervisor_id, Decision.APPROVE, hours)


def _apply(action: str, trainee_id: int, number: int, supervisor_id: int,
           cohorts: list[int]) -> None:
    """Change a trainee's attempts, entries or cohort through the services the app uses."""
    if action in ("quiz-right", "quiz-wrong"):
        _quiz(trainee_id, number, action == "quiz-right", number % 5)
    elif action == "approved":
        _send_and_decide(_entry(trainee_id, number), supervisor_id, Decision.APPROVE, number)
    elif action == "returned":
        _send_and_decide(_entry(trainee_id, number), supervisor_id, Decision.RETURN, number)
    elif action == "submitted":
        _send_and_decide(_entry(trainee_id, number), None, Decision.APPROVE, number)
    elif action == "resubmitted":
        _resubmit(trainee_id, supervisor_id, number)
    elif action == "deleted":
        delete_entry(_entry(trainee_id, number), get_user(trainee_id))
    elif action == "cohort-new":
        cohort = create_cohort(f"Oversight cohort {next(_numbers)}", PROGRAM, "default",
                               date.today(), None)
        cohorts.append(cohort.id)
        move_to_cohort(get_user(trainee_id), cohort, None)
    elif action == "cohort-other" and cohorts:
        # Another cohort than the trainee's own, so that the move changes what is counted.
        member = cohort_of(trainee_id)
        others = [cohort for cohort in cohorts if member is None or cohort != member.id]
        others = others or cohorts
        found = get_cohort(others[number % len(others)])
        assert found is not None
        move_to_cohort(get_user(trainee_id), found, None)
    elif action == "certified" and not db.session.scalar(
            select(Certificate.id).where(Certificate.user_id == trainee_id)):
        # Invited some days ago, so that the days to a first certificate differ.
        get_user(trainee_id).created_at = utcnow() - timedelta(days=number % 60)
        make_certificate(trainee_id)
    elif action == "commit":
        db.session.commit()


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 1), st.sampled_from(ACTIONS),
                                st.integers(0, 100), st.booleans()), max_size=16))
def test_item_analysis_and_turnaround_from_the_tallies_equal_the_reference(app, people, steps):
    with app.app_context():
        number = next(_numbers)
        second = make_user(Role.SUPERVISOR, f"second{number}@example.org", f"Second {number}",
                           password="a calm river at dusk").id
        supervisors = [people["supervisor"], second]
        # The third trainee never joins a cohort: they count for everyone only.
        ids = [_trainee(supervisors) for _ in range(3)]
        cohorts: list[int] = []
        # The first two start in cohorts of their own, so that every answer and decision
        # counts in one and a move to the other one changes what each cohort shows.
        _apply("cohort-new", ids[0], 0, supervisors[0], cohorts)
        _apply("cohort-new", ids[1], 0, supervisors[0], cohorts)
        db.session.commit()
        for index, which, action, value, settle in steps:
            trainee = ids[index]
            if trainee == ids[2] and action.startswith("cohort"):
                continue
            _apply(action, trainee, value, supervisors[which], cohorts)
            if settle:
                # The tallies move now, so later steps change what was already counted.
                summary.settle()
        # Read before the commit (the report settles first), then what the commit left stored.
        _agree(cohorts)
        db.session.commit()
        _agree(cohorts)


def test_answers_and_decisions_move_with_a_trainee_to_another_cohort(app, people):
    with app.app_context():
        supervisor = people["supervisor"]
        trainee = _trainee([supervisor])
        cohorts: list[int] = []
        _apply("cohort-new", trainee, 0, supervisor, cohorts)
        _apply("quiz-wrong", trainee, 1, supervisor, cohorts)
        _apply("approved", trainee, 30, supervisor, cohorts)
        db.session.commit()
        _apply("cohort-new", trainee, 0, supervisor, cohorts)
        first, second = cohorts
        program = get_catalog().program(PROGRAM)
        assert not any(line.answered for line in item_analysis(program, Scope(cohort_id=first)))
        assert turnaround(Scope(cohort_id=first)) == []
        moved = [line for line in item_analysis(program, Scope(cohort_id=second))
                 if line.answered]
        assert moved and all(line.first_time_right == 0 for line in moved)
        assert [line.decisions for line in turnaround(Scope(cohort_id=second))] == [1]
        _agree(cohorts)
        db.session.commit()
        _agree(cohorts)


def test_a_resubmitted_entry_leaves_the_median_but_counts_as_returned(app, people):
    with app.app_context():
        supervisor = people["supervisor"]
        trainee = _trainee([supervisor])
        _apply("returned", trainee, 10, supervisor, [])
        db.session.commit()
        (line,) = [line for line in turnaround(Scope()) if line.supervisor_id == supervisor]
        _resubmit(trainee, supervisor, 40)
        (after,) = [line for line in turnaround(Scope()) if line.supervisor_id == supervisor]
        assert after.decisions == line.decisions + 1
        assert after.returned_share < line.returned_share
        _agree([])
        db.session.commit()
        _agree([])


def test_a_trainee_in_no_cohort_counts_for_everyone_only(app, people):
    with app.app_context():
        supervisor = people["supervisor"]
        trainee = _trainee([supervisor])
        _apply("quiz-right", trainee, 2, supervisor, [])
        _apply("approved", trainee, 5, supervisor, [])
        db.session.commit()
        program = get_catalog().program(PROGRAM)
        everyone = sum(line.answered for line in item_analysis(program, Scope()))
        assert everyone >= sum(line.answered for line in item_analysis(
            program, Scope(program_slug=PROGRAM))) > 0
        _agree([])


def test_a_rebuild_restores_the_tallies(app, people):
    with app.app_context():
        supervisor = people["supervisor"]
        trainee = _trainee([supervisor])
        cohorts: list[int] = []
        _apply("cohort-new", trainee, 0, supervisor, cohorts)
        _apply("quiz-right", trainee, 3, supervisor, cohorts)
        _apply("returned", trainee, 7, supervisor, cohorts)
        db.session.commit()
        program = get_catalog().program(PROGRAM)
        scope = Scope(cohort_id=cohorts[0])
        lines, figures = item_analysis(program, scope), turnaround(scope)
        assert figures and any(line.answered for line in lines)
        counted = funnel(scope, date.today())
        assert counted.invited == 1 and counted.first_quiz == 1
        db.session.execute(delete(AnswerCount))
        db.session.execute(delete(SupervisorTurnaround))
        db.session.execute(delete(FunnelCount))
        assert turnaround(scope) == [] and funnel(scope, date.today()).invited == 0
        rebuild_summaries()
        db.session.commit()
        assert (item_analysis(program, scope), turnaround(scope)) == (lines, figures)
        assert funnel(scope, date.today()) == counted
        _agree(cohorts)
