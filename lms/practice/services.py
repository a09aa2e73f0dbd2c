"""Practice rules: log, submit, withdraw and decide entries; every state change is audited.

Views pass typed values; these functions flush and never commit. State changes use conditional
UPDATEs (`... WHERE state = 'submitted' AND submissions = n`) so that two people acting on the
same entry at once produce exactly one change and one audit event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from lms.audit.services import append_event, sha256_of
from lms.auth.assignments import assigned_trainee_ids, supervisor_is_assigned
from lms.auth.models import Role, SupervisorAssignment, User
from lms.catalog.content import Program
from lms.extensions import db, execute_dml
from lms.models import utcnow
from lms.notifications.services import send_entry_returned
from lms.practice import profile
from lms.practice.deidentify import Hit, screen
from lms.practice.models import Decision, EntryState, PracticeDecision, PracticeEntry
from lms.practice.personal_data import personal_data as personal_data  # for data downloads
from lms.practice.totals import (
    approved_minutes_by_activity,
    counted_practice_minutes,
    observed_competencies,
    supervision_minutes,
)

__all__ = [
    "AlreadyDecided", "EntryData", "EntryLocked", "NeedsConfirmation", "NotAssigned",
    "PracticeError", "approved_minutes_by_activity",
    "content_sha256", "counted_practice_minutes", "create_entry", "decide", "delete_entry",
    "latest_today", "observed_competencies", "submit_entry", "supervision_minutes",
    "update_entry", "withdraw_entry",
]

MAX_REFLECTION = 6000


class PracticeError(Exception):
    """A refusal whose message is kind enough to show the person."""


class EntryLocked(PracticeError):
    """The entry cannot change now (approved, or waiting for review); shown as 409."""


class AlreadyDecided(PracticeError):
    """Someone decided, withdrew or resubmitted the entry first; nothing was changed."""


class NotAssigned(PracticeError):
    """The supervisor is not assigned to this trainee; shown as 403."""


class NeedsConfirmation(PracticeError):
    """The text may identify someone: edit it, or confirm that it does not."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        super().__init__("Your reflection may include details that identify someone. "
                         "Please edit them out, or confirm that nothing there identifies anyone.")


@dataclass(frozen=True)
class EntryData:
    """The trainee's answers on the entry form."""

    practice_date: date
    minutes: int
    activity: str
    setting: str
    start_time: time | None = None
    competencies: list[str] = field(default_factory=list)
    reflection: str = ""


def latest_today() -> date:
    """Return the latest date that is already "today" somewhere on Earth (UTC+14)."""
    return (utcnow() + timedelta(hours=14)).date()


#: Records older than this are almost always a typed year (0226 for 2026), so they are refused.
EARLIEST_YEAR = 2000


def check_entry_data(program: Program, data: EntryData) -> dict[str, str]:
    """Return a message per field that breaks the rules; empty when all is well."""
    problems: dict[str, str] = {}
    if data.practice_date > latest_today():
        problems["practice_date"] = "The date cannot be in the future."
    elif data.practice_date.year < EARLIEST_YEAR:
        problems["practice_date"] = "Please check the year of that date."
    if not 5 <= data.minutes <= 720:
        problems["minutes"] = "Please enter between 5 and 720 minutes (12 hours)."
    if data.activity not in {activity.key for activity in profile.activity_types(program)}:
        problems["activity"] = "Please choose an activity from the list."
    if data.setting not in dict(profile.settings(program)):
        problems["setting"] = "Please choose a setting from the list."
    unknown = set(data.competencies) - set(dict(profile.competencies(program)))
    if unknown:
        problems["competencies"] = "Please choose competencies from the list only."
    if len(data.reflection) > MAX_REFLECTION:
        problems["reflection"] = f"Please keep the reflection under {MAX_REFLECTION} characters."
    return problems


def entry_content(entry: PracticeEntry) -> dict[str, Any]:
    """Return the content a sign-off covers, as plain JSON values."""
    return {
        "trainee_id": entry.trainee_id, "program": entry.program_slug,
        "date": entry.practice_date.isoformat(),
        "start_time": entry.start_time.strftime("%H:%M") if entry.start_time else None,
        "minutes": entry.minutes, "activity": entry.activity, "setting": entry.setting,
        "competencies": sorted(entry.competencies or []), "reflection": entry.reflection,
    }


def content_sha256(entry: PracticeEntry) -> str:
    """Return the SHA-256 of the entry's content at this moment."""
    return sha256_of(entry_content(entry))


def _apply(entry: PracticeEntry, data: EntryData, program: Program) -> None:
    entry.program_version = program.version
    entry.practice_date = data.practice_date
    entry.start_time = data.start_time
    entry.minutes = data.minutes
    entry.activity = data.activity
    entry.setting = data.setting
    entry.competencies = sorted(set(data.competencies))
    entry.reflection = data.reflection.strip()
    entry.updated_at = utcnow()


def _check(program: Program, data: EntryData) -> None:
    problems = check_entry_data(program, data)
    if problems:
        raise PracticeError(" ".join(problems.values()))


def create_entry(trainee: User, program: Program, data: EntryData) -> PracticeEntry:
    """Save a new draft entry for the trainee."""
    if trainee.role is not Role.TRAINEE:
        raise PracticeError("Only trainees log practice.")
    _check(program, data)
    entry = PracticeEntry(trainee_id=trainee.id, program_slug=program.slug,
                          state=EntryState.DRAFT, submissions=0)
    _apply(entry, data, program)
    db.session.add(entry)
    db.session.flush()
    return entry


def ensure_editable(entry: PracticeEntry) -> None:
    """Refuse changes to an entry that is approved or waiting for review."""
    if entry.state is EntryState.APPROVED:
        raise EntryLocked("This entry has been approved, so it is locked and cannot be changed "
                          "or deleted. If something in it is wrong, please talk to your "
                          "supervisor.")
    if entry.state is EntryState.SUBMITTED:
        raise EntryLocked("This entry is waiting for your supervisor's review. To change it, "
                          "take it back first with \"Withdraw to edit\".")


def _hold_unchanged(entry: PracticeEntry) -> None:
    """Hold the entry's row for this transaction, if nobody has sent or decided it since."""
    # Another tab may have submitted the entry after this request read it; without this, the
    # edit would change text a supervisor is about to approve. The UPDATE also locks the row.
    held = execute_dml(
        update(PracticeEntry)
        .where(PracticeEntry.id == entry.id, PracticeEntry.submissions == entry.submissions,
               PracticeEntry.state == entry.state,
               PracticeEntry.state.in_([EntryState.DRAFT, EntryState.RETURNED]))
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if held != 1:
        raise EntryLocked("This entry changed a moment ago, perhaps in another tab or window, "
                          "so nothing was changed. Please look at it again as it is now.")


def update_entry(entry: PracticeEntry, program: Program, data: EntryData) -> None:
    """Change a draft or returned entry; a confirmation about identifiers no longer applies."""
    ensure_editable(entry)
    _check(program, data)
    _hold_unchanged(entry)
    if data.reflection.strip() != entry.reflection:
        entry.identifiers_confirmed_at = None
        entry.identifiers_confirmed_kinds = None
    _apply(entry, data, program)
    db.session.flush()


def ensure_deletable(entry: PracticeEntry) -> None:
    """Refuse to delete an entry a supervisor has reviewed: their decisions are kept for good."""
    ensure_editable(entry)
    reviewed = db.session.scalar(select(func.count()).select_from(PracticeDecision)
                                 .where(PracticeDecision.entry_id == entry.id))
    if reviewed:
        raise EntryLocked("Your supervisor has reviewed this entry, so it stays in your record "
                          "with their feedback. You can edit it and send it again, or leave it "
                          "as it is: it only counts once it is approved.")


def delete_entry(entry: PracticeEntry, trainee: User) -> None:
    """Delete a draft or withdrawn entry; one that was ever sent leaves an audit event behind."""
    ensure_deletable(entry)
    _hold_unchanged(entry)
    if entry.submissions:
        append_event("practice.delete", trainee, entry,
                     {"entry_id": entry.id, "content_sha256": content_sha256(entry)},
                     about=entry.trainee_id)
    db.session.delete(entry)
    db.session.flush()


def submit_entry(entry: PracticeEntry, trainee: User, confirmed: bool = False,
                 now: datetime | None = None) -> bool:
    """Send a draft or returned entry for review; return False if it was already sent."""
    # NeedsConfirmation stops it while the screen finds something the trainee has not confirmed.
    if entry.state is EntryState.SUBMITTED:
        return False  # a double click or the back button: it is already on its way
    ensure_editable(entry)
    if not entry.reflection.strip():
        raise PracticeError("Please write a short reflection before you submit: what you "
                            "practised and what you noticed or learned.")
    hits = screen(entry.reflection)
    if hits and not confirmed:
        raise NeedsConfirmation(hits)
    now = now or utcnow()
    kinds = sorted({hit.kind for hit in hits})
    number = entry.submissions + 1
    changed = execute_dml(
        update(PracticeEntry)
        .where(PracticeEntry.id == entry.id, PracticeEntry.submissions == entry.submissions,
               PracticeEntry.state.in_([EntryState.DRAFT, EntryState.RETURNED]))
        .values(state=EntryState.SUBMITTED, submissions=number, submitted_at=now,
                identifiers_confirmed_at=now if hits else None,
                identifiers_confirmed_kinds=kinds if hits else None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(entry)
    if changed != 1:
        return False
    append_event("practice.resubmit" if number > 1 else "practice.submit", trainee, entry, {
        "entry_id": entry.id, "submission": number, "content_sha256": content_sha256(entry),
        "minutes": entry.minutes, "activity": entry.activity,
        "date": entry.practice_date.isoformat(), "program_version": entry.program_version,
        "identifier_screen": {"hits": len(hits), "kinds": kinds, "confirmed": bool(hits)},
    }, about=entry.trainee_id, now=now)
    return True


def withdraw_entry(entry: PracticeEntry, trainee: User) -> None:
    """Take a submitted entry back to draft, unless a supervisor decided it first."""
    if entry.state is not EntryState.SUBMITTED:
        ensure_editable(entry)
        return  # already a draft or returned: nothing to take back
    changed = execute_dml(
        update(PracticeEntry)
        .where(PracticeEntry.id == entry.id, PracticeEntry.state == EntryState.SUBMITTED,
               PracticeEntry.submissions == entry.submissions)
        .values(state=EntryState.DRAFT, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(entry)
    if changed != 1:
        raise AlreadyDecided("Your supervisor reviewed this entry a moment ago, so it could "
                             "not be withdrawn. Nothing was changed.")
    append_event("practice.withdraw", trainee, entry,
                 {"entry_id": entry.id, "submission": entry.submissions},
                 about=entry.trainee_id)


def ensure_assigned(supervisor: User, trainee_id: int) -> None:
    """Refuse anyone but a supervisor assigned to the trainee."""
    if supervisor.role is not Role.SUPERVISOR:
        raise NotAssigned("Only an assigned supervisor can do this.")
    if not supervisor_is_assigned(trainee_id, supervisor.id):
        raise NotAssigned("You are not assigned to supervise this trainee.")


def approve_many(supervisor: User, chosen: Mapping[int, int | None],
                 second_factor: bool = False) -> tuple[int, int]:
    """Approve the chosen entries (id to the submission seen); return (approved, skipped).

    Every entry must be from a trainee assigned to the supervisor, or none is approved; an
    entry decided, withdrawn or changed since the page was read is skipped and left as it is.
    """
    entries = list(db.session.scalars(
        select(PracticeEntry).where(PracticeEntry.id.in_(chosen))
        .options(joinedload(PracticeEntry.trainee)).order_by(PracticeEntry.submitted_at)))
    allowed = assigned_trainee_ids(supervisor.id)
    if len(entries) != len(chosen) or any(e.trainee_id not in allowed for e in entries):
        raise NotAssigned("Some of the ticked entries are not from trainees assigned to you, "
                          "so none were approved.")
    approved = skipped = 0
    for entry in entries:
        try:
            decide(entry, supervisor, Decision.APPROVE, seen_submission=chosen[entry.id],
                   second_factor=second_factor)
        except AlreadyDecided:
            skipped += 1
        else:
            approved += 1
    return approved, skipped


def _why_not_decided(entry: PracticeEntry, seen: int | None) -> AlreadyDecided:
    if entry.state is EntryState.APPROVED:
        approver = db.session.get(User, entry.approved_by_id) if entry.approved_by_id else None
        who = approver.name if approver else "a supervisor"
        when = f" on {entry.approved_at:%d %B %Y}" if entry.approved_at else ""
        return AlreadyDecided(f"This entry was already approved by {who}{when}. "
                              "Nothing was changed.")
    if entry.state is EntryState.RETURNED:
        return AlreadyDecided("This entry was already returned to the trainee. Nothing was "
                              "changed.")
    if entry.state is EntryState.DRAFT:
        return AlreadyDecided("The trainee withdrew this entry to edit it. Nothing was changed; "
                              "it will come back to your queue when they submit it again.")
    return AlreadyDecided("The trainee changed and resubmitted this entry after you opened it. "
                          "Nothing was changed; please review the new version.")


def decide(entry: PracticeEntry, supervisor: User, decision: Decision, comment: str = "",
           seen_submission: int | None = None, now: datetime | None = None,
           second_factor: bool = False) -> PracticeDecision:
    """Approve or return a submitted entry once, recording who, when and the content hash."""
    ensure_assigned(supervisor, entry.trainee_id)
    comment = comment.strip()
    if decision is Decision.RETURN and not comment:
        raise PracticeError("Please say what the trainee should change, so they can fix it.")
    number = entry.submissions if seen_submission is None else seen_submission
    now = now or utcnow()
    values: dict[str, Any] = {"updated_at": now}
    if decision is Decision.APPROVE:
        values.update(state=EntryState.APPROVED, approved_at=now, approved_by_id=supervisor.id)
    else:
        values.update(state=EntryState.RETURNED)
    changed = execute_dml(
        update(PracticeEntry)
        .where(PracticeEntry.id == entry.id, PracticeEntry.state == EntryState.SUBMITTED,
               PracticeEntry.submissions == number)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.refresh(entry)
        raise _why_not_decided(entry, seen_submission)
    # The content cannot change while the entry is submitted, so this is what was reviewed.
    digest = content_sha256(entry)
    record = PracticeDecision(entry_id=entry.id, submission=number, supervisor_id=supervisor.id,
                              decision=decision, comment=comment or None, decided_at=now,
                              content_sha256=digest)
    db.session.add(record)
    db.session.flush()
    db.session.refresh(entry)
    append_event(f"practice.{decision.value}", supervisor, entry, {
        "entry_id": entry.id, "submission": number, "decision": decision.value,
        "content_sha256": digest, "minutes": entry.minutes, "activity": entry.activity,
        "date": entry.practice_date.isoformat(),
        "comment_sha256": sha256_of(comment) if comment else None,
        # Whether the session that signed off had proved a second factor (issue 14).
        "second_factor": second_factor,
    }, about=entry.trainee_id, now=now)
    if decision is Decision.RETURN:
        send_entry_returned(entry.trainee_id, entry.id)  # the comment stays in Lantern
    return record


def waiting_for_review(supervisor: User) -> int:
    """Return how many submitted entries wait for this supervisor's review."""
    query = (select(func.count()).select_from(PracticeEntry)
             .join(SupervisorAssignment,
                   (SupervisorAssignment.trainee_id == PracticeEntry.trainee_id)
                   & (SupervisorAssignment.supervisor_id == supervisor.id))
             .where(PracticeEntry.state == EntryState.SUBMITTED))
    return db.session.scalar(query) or 0


def review_backlog() -> dict[int, tuple[int, datetime]]:
    """Return, per supervisor id, how many submitted entries wait and the oldest submission."""
    query = (select(SupervisorAssignment.supervisor_id, func.count(),
                    func.min(PracticeEntry.submitted_at))
             .join(PracticeEntry, PracticeEntry.trainee_id == SupervisorAssignment.trainee_id)
             .where(PracticeEntry.state == EntryState.SUBMITTED)
             .group_by(SupervisorAssignment.supervisor_id))
    # Submitted entries always have a submission time (a check constraint says so).
    return {supervisor_id: (count, oldest)
            for supervisor_id, count, oldest in db.session.execute(query) if oldest is not None}
