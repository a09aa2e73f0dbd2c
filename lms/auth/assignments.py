"""Who supervises whom: the read side of supervisor assignments, for every feature."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, bindparam, select

from lms.auth.models import SupervisorAssignment, User
from lms.extensions import db


def supervisor_is_assigned(trainee_id: int, supervisor_id: int) -> bool:
    """Return whether the supervisor is assigned to the trainee."""
    query = select(SupervisorAssignment.id).filter_by(
        trainee_id=trainee_id, supervisor_id=supervisor_id)
    return db.session.scalar(query) is not None


def assigned_trainee_ids(supervisor_id: int) -> set[int]:
    """Return the ids of the trainees assigned to a supervisor."""
    query = select(SupervisorAssignment.trainee_id).where(
        SupervisorAssignment.supervisor_id == supervisor_id)
    return set(db.session.scalars(query))


def trainees_of(supervisor_id: int) -> list[User]:
    """Return the trainees assigned to a supervisor, by name."""
    query = (select(User).join(SupervisorAssignment, SupervisorAssignment.trainee_id == User.id)
             .where(SupervisorAssignment.supervisor_id == supervisor_id)
             .order_by(User.display_name, User.email))
    return list(db.session.scalars(query))


# Built once per process: the trainee's start page names their supervisors on every visit.
_SUPERVISOR_NAMES = (
    select(User.display_name)
    .join(SupervisorAssignment, SupervisorAssignment.supervisor_id == User.id)
    .where(SupervisorAssignment.trainee_id == bindparam("trainee_id"))
    .order_by(User.display_name, User.email))


def supervisor_names(trainee_id: int) -> list[str]:
    """Return the names of the supervisors assigned to a trainee, in order."""
    names = db.session.scalars(_SUPERVISOR_NAMES, {"trainee_id": trainee_id})
    return [name or "(not joined yet)" for name in names]


def trainee_ids_of(supervisor_id: int | ColumnElement[int]) -> Select[int]:
    """Return a select of the trainee ids assigned to a supervisor, to filter other queries."""
    return select(SupervisorAssignment.trainee_id).where(
        SupervisorAssignment.supervisor_id == supervisor_id)
