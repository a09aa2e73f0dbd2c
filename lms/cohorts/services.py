"""Cohorts: create them, move trainees between them (audited), and read a trainee's cohort."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from lms.audit.services import append_event
from lms.auth.models import Role, User
from lms.catalog.profile import profiles
from lms.catalog.services import get_catalog
from lms.cohorts.models import Cohort, CohortMember
from lms.extensions import db
from lms.learning.services import (
    EditionError,
    edition_of,
    enroll,
    move_to_edition,
    offered_edition,
)

__all__ = [
    "Cohort",
    "CohortError",
    "CohortLine",
    "cohort_lines",
    "cohort_of",
    "cohorts_by_name",
    "create_cohort",
    "current_edition",
    "edition_refusal",
    "get_cohort",
    "membership_rows",
    "move_to_cohort",
    "profile_slug_for",
]


class CohortError(Exception):
    """A cohort request that cannot be carried out, with the reason."""


def name_key(name: str) -> str:
    """Return the form of a cohort name used to refuse near-duplicates."""
    return " ".join(name.split()).lower()


def current_edition(program_slug: str) -> str:
    """Return the program edition a new cohort follows: the content's identifier today."""
    return get_catalog().program(program_slug).version


def create_cohort(name: str, program_slug: str, profile_slug: str, starts_on: date,
                  created_by: User | None, edition: int | None = None) -> Cohort:
    """Create a cohort on a published edition (None: the current one); refuse a taken name."""
    tidy = " ".join(name.split())
    if not tidy:
        raise CohortError("Please give the cohort a name.")
    catalog = get_catalog()
    if program_slug not in catalog.programs:
        raise CohortError("Please choose a program from the list.")
    program = catalog.program(program_slug)
    try:
        chosen = offered_edition(program, edition)
    except EditionError as error:
        raise CohortError(str(error)) from None
    if profile_slug not in profiles(program, chosen.number):
        raise CohortError("That requirement profile is not part of the program.")
    taken = f"There is already a cohort called “{tidy}”. Please choose another name."
    if db.session.scalar(select(Cohort.id).where(Cohort.name_key == name_key(tidy))):
        raise CohortError(taken)
    cohort = Cohort(name=tidy, name_key=name_key(tidy), program_slug=program_slug,
                    edition=current_edition(program_slug), edition_number=chosen.number,
                    profile_slug=profile_slug,
                    starts_on=starts_on, created_by_id=created_by.id if created_by else None)
    db.session.add(cohort)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Two admins creating the same name at once: the unique key keeps one.
        raise CohortError(taken) from None
    return cohort


def cohort_of(user_id: int) -> Cohort | None:
    """Return the trainee's cohort, if they are in one."""
    return db.session.scalar(select(Cohort).join(CohortMember,
                                                 CohortMember.cohort_id == Cohort.id)
                             .where(CohortMember.user_id == user_id))


def cohorts_by_name(names: set[str]) -> dict[str, Cohort]:
    """Return the cohorts whose names (any case) are given, keyed by their folded name."""
    keys = {name_key(name) for name in names}
    if not keys:
        return {}
    found = db.session.scalars(select(Cohort).where(Cohort.name_key.in_(keys)))
    return {cohort.name_key: cohort for cohort in found}


def edition_refusal(cohort: Cohort) -> str | None:
    """Say why nobody can join the cohort's program edition now, or None when they can."""
    catalog = get_catalog()
    if cohort.program_slug not in catalog.programs:
        return "its program is no longer in Lantern's content."
    try:
        offered_edition(catalog.program(cohort.program_slug), cohort.edition_number)
    except EditionError as error:
        return str(error)
    return None


def move_to_cohort(trainee: User, cohort: Cohort, moved_by: User | None) -> bool:
    """Put a trainee in a cohort, on its program edition, and record the move once.

    When the trainee's enrolment is on another edition, the move goes through
    lms.learning's move_to_edition, and its one audit event also names the cohorts; otherwise
    a `cohort.move` event is written. A refused edition change changes nothing. Return False
    when they were already in the cohort; nothing is recorded then.
    """
    if trainee.role is not Role.TRAINEE:
        raise CohortError("Only trainees belong to cohorts.")
    member = db.session.get(CohortMember, trainee.id)
    if member is not None and member.cohort_id == cohort.id:
        return False
    before = db.session.get(Cohort, member.cohort_id) if member is not None else None
    enrolled_on = edition_of(trainee.id, cohort.program_slug)
    # Checked before anything is written, so a refusal leaves the trainee where they were.
    if (refusal := edition_refusal(cohort)) is not None:
        raise CohortError(f"{trainee.name} cannot move to {cohort.name}: {refusal}")
    if moved_by is not None and moved_by.role is not Role.ADMIN and enrolled_on not in (
            None, cohort.edition_number):
        raise CohortError("Only an admin can move a trainee to a cohort on another edition.")
    move = {"from_cohort": before.id if before else None, "to_cohort": cohort.id,
            "profile": cohort.profile_slug}
    carries_edition = enrolled_on is not None and enrolled_on != cohort.edition_number
    if carries_edition:
        try:
            move_to_edition(trainee, cohort.program_slug, cohort.edition_number, moved_by,
                            f"Moved to the cohort “{cohort.name}”, which follows edition "
                            f"{cohort.edition_number}.", facts={"cohort_move": move})
        except EditionError as error:
            raise CohortError(f"{trainee.name} cannot move to {cohort.name}: {error}") from None
    elif enrolled_on is None:
        enroll(trainee, cohort.program_slug, cohort.edition_number)
    if member is None:
        db.session.add(CohortMember(user_id=trainee.id, cohort_id=cohort.id))
    else:
        member.cohort_id = cohort.id
    db.session.flush()
    if not carries_edition:
        append_event("cohort.move", moved_by, trainee, {
            **move, "from_edition": enrolled_on, "to_edition": cohort.edition_number,
            "program": cohort.program_slug,
        })
    return True


def profile_slug_for(user_id: int, program_slug: str) -> str | None:
    """Return the requirement profile the trainee's cohort works toward in this program."""
    return db.session.scalar(
        select(Cohort.profile_slug).join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user_id, Cohort.program_slug == program_slug))


@dataclass(frozen=True)
class CohortLine:
    """A cohort with how many trainees it has."""

    cohort: Cohort
    members: int


def cohort_lines() -> list[CohortLine]:
    """Return every cohort with its member count, newest start first, in one query."""
    counts = (select(CohortMember.cohort_id, func.count().label("members"))
              .group_by(CohortMember.cohort_id).subquery())
    query = (select(Cohort, func.coalesce(counts.c.members, 0))
             .outerjoin(counts, counts.c.cohort_id == Cohort.id)
             .order_by(Cohort.starts_on.desc(), Cohort.name))
    return [CohortLine(cohort, int(members)) for cohort, members in db.session.execute(query)]


def get_cohort(cohort_id: int) -> Cohort | None:
    """Return the cohort with this id, if there is one."""
    return db.session.get(Cohort, cohort_id)


def membership_rows() -> Select[int, int, str, str, str]:
    """Return (user_id, cohort_id, program_slug, profile_slug, name) for every member."""
    return (select(CohortMember.user_id.label("user_id"),
                   CohortMember.cohort_id.label("cohort_id"),
                   Cohort.program_slug.label("program_slug"),
                   Cohort.profile_slug.label("profile_slug"), Cohort.name.label("name"))
            .join(Cohort, Cohort.id == CohortMember.cohort_id))
