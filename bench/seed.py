"""Seed a bench database with people and records, using Lantern's own models and services.

Run by bench/run.py with LMS_DATABASE_URL and LMS_INSTANCE_PATH pointing at a fresh, migrated
database:  python bench/seed.py --trainees 100 --out seed.json
The bench trainee and supervisor are made through the real services (so their records are
exactly what the app writes); everyone else is bulk-inserted with SQLAlchemy Core.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Table, func, insert, select

from bench.floor import add_floor_route
from lms import create_app
from lms.admin.services import assign_supervisor, invite_person
from lms.auth.models import Role, SupervisorAssignment, User
from lms.auth.passwords import hash_password
from lms.auth.services import accept_invitation
from lms.catalog.content import Module, Program
from lms.catalog.profile import practice_rules
from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.learning import quiz
from lms.learning.models import Enrollment, ModuleProgress, QuizAttempt
from lms.learning.services import mark_read, start_attempt, submit_attempt
from lms.models import utcnow
from lms.reports.services import rebuild_summaries

BENCH_PASSWORD = "a quiet lantern by the northern sea"
TRAINEE_EMAIL = "bench-trainee@example.org"
SUPERVISOR_EMAIL = "bench-supervisor@example.org"
ADMIN_EMAIL = "bench-admin@example.org"
#: Crowd trainees are spread over this many cohorts, so per-cohort reports have data.
COHORTS = 20
TRAINEES_PER_SUPERVISOR = 25
CHUNK = 20_000
#: Reflections of the length trainees write (a few sentences, some Markdown), numbered so that
#: every entry's text differs, as real ones do: the queue renders each as an excerpt.
REFLECTIONS = (
    "Someone at the drop-in wanted to talk about going back to work. I used **open questions** "
    "and let the silences be, and reflected back the worry about being judged. Next time I want "
    "to summarise earlier instead of waiting for the end.",
    "A phone call with a person who felt let down by services. I noticed I wanted to fix "
    "things, so I slowed down and asked what would help *today*. We agreed a small next step. "
    "I talked it through with my supervisor afterwards and named my own reaction.",
    "Co-facilitated the Tuesday group. Two people spoke over each other; I named it gently and "
    "used the group agreement. I shared one short piece of my own story when it served the "
    "group, then handed back.\n\n- What went well: pacing\n- To practise: closing the round",
)


def bulk(table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert rows in chunks with executemany and return how many were inserted."""
    count, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            db.session.execute(insert(table), chunk)
            count, chunk = count + len(chunk), []
    if chunk:
        db.session.execute(insert(table), chunk)
        count += len(chunk)
    return count


def answers_for(module: Module, drawn: list[dict[str, Any]], correct: bool) -> dict[str, list[str]]:
    """Return answers to a drawn quiz: all right, or all wrong."""
    answers = {}
    for item in quiz.resolve(module, drawn):
        right = sorted(item.question.correct_keys)
        wrong = [key for key in item.choice_keys if key not in right][:1]
        answers[item.question.key] = right if correct else (wrong or right)
    return answers


def seed_bench_people(program: Program) -> tuple[User, User]:
    """Create the signed-in bench trainee and supervisor through the real services."""
    supervisor = invite_person(SUPERVISOR_EMAIL, Role.SUPERVISOR, None, "Bench Supervisor").user
    accept_invitation(supervisor, "Bench Supervisor", BENCH_PASSWORD)
    trainee = invite_person(TRAINEE_EMAIL, Role.TRAINEE, None, "Bench Trainee",
                            program_slug=program.slug).user
    accept_invitation(trainee, "Bench Trainee", BENCH_PASSWORD)
    assign_supervisor(trainee, supervisor, None)
    first, second = program.modules[0], program.modules[1]
    # Module 1 read and passed; module 2 (the module-page target) read with one failed attempt.
    for module, passes in ((first, True), (second, False)):
        mark_read(trainee, module)
        attempt = start_attempt(trainee, module)
        submit_attempt(attempt, module, answers_for(module, attempt.drawn, passes))
    db.session.flush()
    return trainee, supervisor


def seed_crowd(program: Program, trainees: int, first_id: int, bench_supervisor: User,
               bench_trainee: User, practice: int) -> dict[str, int]:
    """Bulk-insert trainees, supervisors, enrolments, progress and quiz attempts."""
    now = utcnow()
    password_hash = hash_password(BENCH_PASSWORD)  # one argon2 hash shared by the crowd
    supervisors = max(1, -(-trainees // TRAINEES_PER_SUPERVISOR))
    trainee_ids = range(first_id, first_id + trainees)
    supervisor_ids = range(first_id + trainees, first_id + trainees + supervisors)

    def people() -> Iterator[dict[str, Any]]:
        for number, user_id in enumerate(trainee_ids):
            yield {"id": user_id, "email": f"trainee{number}@bench.example.org",
                   "display_name": f"Trainee {number:06d}", "role": Role.TRAINEE,
                   "is_active": True, "password_hash": password_hash,
                   "security_stamp": secrets.token_urlsafe(12),
                   "created_at": now - timedelta(days=number % 400), "joined_at": now}
        for number, user_id in enumerate(supervisor_ids):
            yield {"id": user_id, "email": f"supervisor{number}@bench.example.org",
                   "display_name": f"Supervisor {number:05d}", "role": Role.SUPERVISOR,
                   "is_active": True, "password_hash": password_hash,
                   "security_stamp": secrets.token_urlsafe(12), "created_at": now,
                   "joined_at": now}

    def supervisor_of(user_id: int) -> int:
        index = user_id - first_id
        if user_id == bench_trainee.id or index < TRAINEES_PER_SUPERVISOR - 1:
            return bench_supervisor.id  # the bench supervisor has a full group of trainees
        return supervisor_ids[index // TRAINEES_PER_SUPERVISOR]

    def assignments() -> Iterator[dict[str, Any]]:
        for user_id in trainee_ids:
            yield {"trainee_id": user_id, "supervisor_id": supervisor_of(user_id),
                   "assigned_at": now}

    draws = {module.slug: quiz.draw(module) for module in program.modules}
    answers = {module.slug: answers_for(module, draws[module.slug], True)
               for module in program.modules}

    def progress() -> Iterator[dict[str, Any]]:
        for index, user_id in enumerate(trainee_ids):
            done = index % (len(program.modules) + 1)  # 0..all modules touched
            for position, module in enumerate(program.modules[:done]):
                passed = position < done - 1
                yield {"user_id": user_id, "program_slug": program.slug,
                       "module_slug": module.slug, "read_at": now,
                       "passed_at": now if passed else None,
                       "best_score": 100 if passed else None,
                       "passed_version": module.version if passed else None}

    def attempts() -> Iterator[dict[str, Any]]:
        for index, user_id in enumerate(trainee_ids):
            done = index % (len(program.modules) + 1)
            for module in program.modules[:max(done - 1, 0)]:
                yield {"user_id": user_id, "program_slug": program.slug,
                       "module_slug": module.slug, "number": 1,
                       "content_version": module.version, "drawn": draws[module.slug],
                       "started_at": now, "submitted_at": now,
                       "answers": answers[module.slug], "score": 100, "passed": True}

    counts = {"users": bulk(User.__table__, people())}
    counts["supervisor_assignments"] = bulk(SupervisorAssignment.__table__, assignments())
    counts["enrollments"] = bulk(Enrollment.__table__, (
        {"user_id": user_id, "program_slug": program.slug, "enrolled_at": now}
        for user_id in trainee_ids))
    counts["module_progress"] = bulk(ModuleProgress.__table__, progress())
    counts["quiz_attempts"] = bulk(QuizAttempt.__table__, attempts())
    counts["practice_entries"] = seed_practice(program, [bench_trainee.id, *trainee_ids],
                                               supervisor_of, practice)
    return counts


def seed_cohorts(program: Program, bench_trainee_id: int, first_id: int, trainees: int) -> int:
    """Create the cohorts through the real service and bulk-insert who is in each."""
    from lms.cohorts.models import CohortMember
    from lms.cohorts.services import create_cohort

    cohorts = [create_cohort(f"Bench cohort {number:02d}", program.slug, "default",
                             date.today() - timedelta(days=30 * number), None)
               for number in range(COHORTS)]
    db.session.flush()
    now = utcnow()
    ids = [bench_trainee_id, *range(first_id, first_id + trainees)]
    return bulk(CohortMember.__table__, ({"user_id": user_id,
                                          "cohort_id": cohorts[index % COHORTS].id,
                                          "joined_at": now} for index, user_id in enumerate(ids)))


def seed_practice(program: Program, trainee_ids: list[int], supervisor_of: Callable[[int], int],
                  entries: int) -> int:
    """Bulk-insert practice entries spread over the trainees, with the decisions behind them.

    Seven in ten are approved (each with its supervisor's decision, decided 1 to 72 hours
    after submission), two wait for review and one is a draft, over the last year, so the
    reports' approved hours, waiting loads and turnaround read realistic volumes.
    """
    from lms.practice.models import Decision, EntryState, PracticeDecision, PracticeEntry

    if entries <= 0:
        return 0
    now = utcnow()
    first_id = (db.session.scalar(select(func.max(PracticeEntry.id))) or 0) + 1
    rules = practice_rules(program)
    activities = [item.key for item in rules.activity_types if item.counts] or ["one-to-one"]
    competencies = [item.key for item in rules.competencies][:2]
    mix = [EntryState.APPROVED] * 7 + [EntryState.SUBMITTED] * 2 + [EntryState.DRAFT]

    def state_of(number: int) -> EntryState:
        return mix[number % len(mix)]

    def submitted_at(number: int) -> datetime:
        return now - timedelta(hours=number % 8000 + 80)

    def rows() -> Iterator[dict[str, Any]]:
        for number in range(entries):
            trainee = trainee_ids[number % len(trainee_ids)]
            state = state_of(number)
            sent = state is not EntryState.DRAFT
            approved = state is EntryState.APPROVED
            yield {"id": first_id + number, "trainee_id": trainee,
                   "program_slug": program.slug, "program_version": program.version,
                   "practice_date": date.today() - timedelta(days=number % 365),
                   "minutes": 30 + (number % 7) * 15,
                   "activity": activities[number % len(activities)], "setting": "in-person",
                   "competencies": competencies,
                   "reflection": f"{REFLECTIONS[number % len(REFLECTIONS)]} ({number})",
                   "state": state, "submissions": 1 if sent else 0,
                   "submitted_at": submitted_at(number) if sent else None,
                   "approved_at": submitted_at(number) + timedelta(hours=1 + number % 72)
                   if approved else None,
                   "approved_by_id": supervisor_of(trainee) if approved else None,
                   "created_at": now, "updated_at": submitted_at(number)}

    def decisions() -> Iterator[dict[str, Any]]:
        for number in range(entries):
            if state_of(number) is EntryState.APPROVED:
                trainee = trainee_ids[number % len(trainee_ids)]
                yield {"entry_id": first_id + number, "submission": 1,
                       "supervisor_id": supervisor_of(trainee), "decision": Decision.APPROVE,
                       "decided_at": submitted_at(number) + timedelta(hours=1 + number % 72),
                       "content_sha256": "0" * 64}

    count = bulk(PracticeEntry.__table__, rows())
    bulk(PracticeDecision.__table__, decisions())
    return count


def seed_certificate(app: Flask, trainee: User, program: Program) -> str | None:
    """Issue a certificate for the bench trainee through the issuing code, when it exists."""
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    if not any(rule.startswith("/verify/") for rule in rules):
        return None
    from lms.catalog.profile import profile
    from lms.certification import issuing
    from lms.certification.codes import format_code

    chosen = profile(program, None)
    try:
        certificate = issuing.claim(trainee, program, chosen.slug, date.today())
    except issuing.CertificationError:
        # The bench trainee has not met the profile; mint what their records support.
        certificate = issuing._mint(issuing.Issue(trainee, program, chosen, None, date.today()))
    db.session.flush()
    return format_code(certificate.code)


def main(argv: list[str] | None = None) -> int:
    """Seed the database named by LMS_DATABASE_URL and write what was made as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=100)
    parser.add_argument("--practice", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    app = add_floor_route(create_app())
    notes: list[str] = []
    with app.app_context():
        program = next(iter(get_catalog()))
        trainee, supervisor = seed_bench_people(program)
        first_id = (db.session.scalar(select(func.max(User.id))) or 0) + 1
        counts = seed_crowd(program, args.trainees - 1, first_id, supervisor, trainee,
                            args.practice)
        counts["trainees"] = args.trainees
        counts["cohort_members"] = seed_cohorts(program, trainee.id, first_id,
                                                args.trainees - 1)
        admin = invite_person(ADMIN_EMAIL, Role.ADMIN, None, "Bench Admin").user
        accept_invitation(admin, "Bench Admin", BENCH_PASSWORD)
        code = None
        try:
            code = seed_certificate(app, trainee, program)
        except Exception as error:  # report it and bench the rest
            notes.append(f"certificate: could not issue one for the verify pages: {error!r}")
        # The bulk inserts bypass the services; fill the summary rows as the migration does.
        summary_started = time.perf_counter()
        counts["trainee_summaries"] = rebuild_summaries()
        notes.append(f"trainee summary rows rebuilt in "
                     f"{time.perf_counter() - summary_started:.1f} s")
        db.session.commit()
        rules = sorted({(rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()
                        if "GET" in (rule.methods or ())})
    result = {
        "seconds": round(time.perf_counter() - started, 1), "counts": counts,
        "password": BENCH_PASSWORD,
        "logins": {"trainee": TRAINEE_EMAIL, "supervisor": SUPERVISOR_EMAIL,
                   "admin": ADMIN_EMAIL},
        "program": program.slug, "modules": [module.slug for module in program.modules],
        "certificate_code": code, "get_rules": rules, "notes": notes,
    }
    args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
