"""Which edition of a program's requirements each trainee works toward, and recorded moves.

A trainee keeps the edition recorded at enrolment, so a new edition never changes what someone
half-way through must do. Only an admin (or the command line) moves a trainee, and every move is
written to the audit chain. Re-exported by lms.learning.services, the feature's public face.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select

from lms.audit.services import append_event
from lms.auth.models import Role, User
from lms.catalog.content import Edition, Program
from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.learning.models import Enrollment

__all__ = ["EditionError", "edition_of", "editions_by_trainee", "move_to_edition",
           "offered_edition"]

REASON_MAX = 500


class EditionError(Exception):
    """An edition cannot be given or changed; the message says why, kindly."""


def offered_edition(program: Program, number: int | None) -> Edition:
    """Return the edition to give: the current one for None, else a published one by number."""
    if number is None:
        return program.current_edition
    try:
        edition = program.edition(number)
    except KeyError:
        raise EditionError(f"{program.title} has no edition {number}.") from None
    if not edition.published and edition is not program.current_edition:
        raise EditionError(f"Edition {number} of {program.title} is not published yet, so "
                           "nobody can be given it.")
    return edition


def edition_of(user_id: int, program_slug: str) -> int | None:
    """Return the edition number the trainee works toward in a program, or None if not enrolled."""
    return db.session.scalar(select(Enrollment.edition).filter_by(user_id=user_id,
                                                                  program_slug=program_slug))


def editions_by_trainee(trainee_ids: Iterable[int], program_slug: str) -> dict[int, int]:
    """Return each enrolled trainee's edition number in a program, in one query."""
    ids = list(trainee_ids)
    if not ids:
        return {}
    query = select(Enrollment.user_id, Enrollment.edition).where(
        Enrollment.user_id.in_(ids), Enrollment.program_slug == program_slug)
    return {user_id: edition for user_id, edition in db.session.execute(query)}


def move_to_edition(trainee: User, program_slug: str, edition: int, actor: User | None,
                    reason: str, *, facts: Mapping[str, Any] | None = None) -> Enrollment:
    """Move an enrolled trainee to another published edition, recorded in the audit log.

    `actor` is the admin making the move, or None for the command line. Modules already passed
    stay passed and certificates already issued are unchanged; from now on the trainee's
    checklist is the new edition's. `facts` are added to the one recorded event (a cohort move
    that carries the edition change says so there). Flushes, never commits.
    """
    if actor is not None and actor.role is not Role.ADMIN:
        raise EditionError("Only an admin can move a trainee to another edition.")
    reason = " ".join(reason.split())
    if not reason:
        raise EditionError("Please give the reason for the move; it is kept in the audit log.")
    if len(reason) > REASON_MAX:
        raise EditionError(f"Please keep the reason under {REASON_MAX} characters.")
    program = get_catalog().program(program_slug)
    enrollment = db.session.scalar(
        select(Enrollment).filter_by(user_id=trainee.id, program_slug=program_slug)
        .with_for_update())
    if enrollment is None:
        raise EditionError(f"{trainee.display_name or trainee.email} is not enrolled in "
                           f"{program.title}.")
    target = offered_edition(program, edition)
    if enrollment.edition == target.number:
        raise EditionError(f"They already work toward edition {target.number}; nothing changed.")
    previous = enrollment.edition
    enrollment.edition = target.number
    db.session.flush()
    append_event("enrollment.edition", actor, enrollment, {
        **(facts or {}), "program": program_slug, "from": previous, "to": target.number,
        "fingerprint": target.fingerprint, "reason": reason,
    })
    return enrollment
