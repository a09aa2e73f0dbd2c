"""People management: invitations, deactivation and supervisor assignment."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

from lms.audit.services import append_event
from lms.auth.assignments import supervisor_is_assigned
from lms.auth.models import Role, SupervisorAssignment, User, find_user_by_email, new_security_stamp
from lms.auth.services import (
    HIDDEN_IN_NAME,
    AccountError,
    EndReason,
    LinkPurpose,
    end_all_sessions,
    has_hidden_characters,
    make_account_link,
    reset_second_factor,
)
from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.learning.services import enroll
from lms.notifications.services import (
    send_invitation,
    send_second_factor_reset,
    send_trainee_assigned,
)


class PeopleError(AccountError):
    """A people-management request that cannot be carried out, with the reason."""


class DuplicateEmail(PeopleError):
    """Someone already has this e-mail address."""


@dataclass(frozen=True)
class Invitation:
    """A person created by invitation, and the one-time link to hand to them."""

    user: User
    link: str
    #: Whether the link was also queued to go to them by e-mail.
    emailed: bool = False


def invite_person(
    email: str, role: Role, invited_by: User | None, display_name: str | None = None,
    program_slug: str | None = None, notify: bool = True,
) -> Invitation:
    """Create a not-yet-joined account (a trainee enrolled) and return its join link.

    With notify (the default) the link is also queued to go by e-mail, in this transaction.
    """
    normalised = email.strip().lower()
    if find_user_by_email(normalised) is not None:
        raise DuplicateEmail(f"Someone already has the e-mail address {normalised}.")
    if display_name and has_hidden_characters(display_name):
        raise PeopleError(HIDDEN_IN_NAME)
    name = " ".join((display_name or "").split()) or None
    user = User(email=normalised, role=role, display_name=name,
                invited_by_id=invited_by.id if invited_by else None)
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Two admins inviting the same address at once: the schema keeps one.
        raise DuplicateEmail(f"Someone already has the e-mail address {normalised}.") from None
    if role is Role.TRAINEE:
        catalog = get_catalog()
        slug = program_slug or next(iter(catalog.programs), None)
        if slug is None or slug not in catalog.programs:
            raise PeopleError("Please choose a program for the trainee.")
        enroll(user, slug)
    link = make_account_link(user, LinkPurpose.INVITE)
    emailed = notify and send_invitation(user, link, invited_by) is not None
    return Invitation(user, link, emailed)


def renew_link(user: User, renewed_by: User | None = None) -> Invitation:
    """Make a new join link (e-mailed) or reset link (joined; handed over), voiding older links."""
    if not user.is_active:
        raise PeopleError("This account is deactivated. Reactivate it before sending a link.")
    user.security_stamp = new_security_stamp()
    db.session.flush()
    if user.has_joined:
        # The admin hands this one over: a joined person can ask for their own by e-mail.
        return Invitation(user, make_account_link(user, LinkPurpose.RESET))
    link = make_account_link(user, LinkPurpose.INVITE)
    return Invitation(user, link, send_invitation(user, link, renewed_by) is not None)


def set_active(user: User, active: bool, acting_admin: User) -> None:
    """Deactivate or reactivate an account; nothing of theirs is deleted."""
    if not active and user.id == acting_admin.id:
        raise PeopleError("You cannot deactivate your own account.")
    if not active and user.role is Role.ADMIN and count_active_admins() <= 1:
        raise PeopleError("This is the last active administrator; invite another one first.")
    user.is_active = active
    if not active:
        # A new stamp voids any links they were given; their sessions end on every server.
        user.security_stamp = new_security_stamp()
        end_all_sessions(user, EndReason.DEACTIVATED)
    db.session.flush()


def count_active_admins() -> int:
    """Return how many active administrators there are."""
    query = select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.is_active)
    return db.session.scalar(query) or 0


def assign_supervisor(trainee: User, supervisor: User, assigned_by: User | None) -> None:
    """Let a supervisor review a trainee's practice."""
    if trainee.role is not Role.TRAINEE:
        raise PeopleError("Supervisors can only be assigned to trainees.")
    if supervisor.role is not Role.SUPERVISOR:
        raise PeopleError(f"{supervisor.name} is not a supervisor.")
    if not supervisor.is_active:
        raise PeopleError(f"{supervisor.name} is deactivated.")
    if supervisor_is_assigned(trainee.id, supervisor.id):
        raise PeopleError(f"{supervisor.name} already supervises {trainee.name}.")
    db.session.add(SupervisorAssignment(
        trainee_id=trainee.id, supervisor_id=supervisor.id,
        assigned_by_id=assigned_by.id if assigned_by else None,
    ))
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise PeopleError(f"{supervisor.name} already supervises {trainee.name}.") from None
    send_trainee_assigned(supervisor, trainee)


def unassign_supervisor(trainee: User, supervisor: User) -> None:
    """Stop a supervisor reviewing a trainee; their past sign-offs stay."""
    assignment = db.session.scalar(select(SupervisorAssignment).filter_by(
        trainee_id=trainee.id, supervisor_id=supervisor.id))
    if assignment is None:
        raise PeopleError(f"{supervisor.name} does not supervise {trainee.name}.")
    db.session.delete(assignment)
    db.session.flush()


def active_supervisors() -> list[User]:
    """Return the active supervisors, for choosing an assignment."""
    query = (select(User).where(User.role == Role.SUPERVISOR, User.is_active)
             .order_by(User.display_name, User.email))
    return list(db.session.scalars(query))


def people_query(search: str = "", role: Role | None = None) -> Select[User]:
    """Return the select for the people list, filtered by a search and a role."""
    query = select(User).order_by(User.role, User.display_name, User.email)
    if role is not None:
        query = query.where(User.role == role)
    term = search.strip().lower()
    if term:
        query = query.where(or_(User.email.contains(term, autoescape=True),
                                func.lower(User.display_name).contains(term, autoescape=True)))
    return query


def reset_two_step(person: User, actor: User | None, how: str) -> bool:
    """Reset a person's two-step sign-in after a lost device, audited; return if they had one."""
    had = reset_second_factor(person)
    append_event("auth.second_factor_reset", actor, person,
                 {"had_second_factor": had, "how": how})
    send_second_factor_reset(person, by_admin=actor is not None)
    return had
