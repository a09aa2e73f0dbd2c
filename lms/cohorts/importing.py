"""Invitations in bulk: read a CSV, stage it for a preview, and create everyone on confirm.

The upload waits in the database (import_batch, import_row) under a random token, so any app
server can show the preview or confirm it, and nothing is created until every row is valid.
Checks run in a fixed number of statements whatever the file's size: existing addresses and
supervisors are looked up in chunks, never one row at a time.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Table, delete, func, insert, select, update

from lms.audit.services import append_event
from lms.auth.models import Role, SupervisorAssignment, User, new_security_stamp
from lms.auth.services import LinkPurpose, has_hidden_characters, make_account_link
from lms.cohorts.models import Cohort, CohortMember, ImportBatch, ImportRow
from lms.cohorts.services import cohorts_by_name, edition_refusal, name_key
from lms.extensions import db, execute_dml
from lms.learning.services import enrol_many
from lms.models import utcnow
from lms.notifications.services import (
    InvitationDeliveries,
    invitation_deliveries,
    mail_enabled,
    send_invitations,
)

COLUMNS = ("name", "email", "cohort", "supervisor_email")
MAX_ROWS = 10_000
MAX_BYTES = 2 * 1024 * 1024
EXPIRES_AFTER = timedelta(days=1)
PROBLEMS_PER_PAGE = 50
#: Spreadsheets run a cell starting with these as a formula; names are printed on certificates.
FORMULA_START = ("=", "+", "-", "@")
_CHUNK = 500
_ROW_TABLE = cast(Table, ImportRow.__table__)


class ImportRefused(Exception):
    """An import that cannot be previewed or confirmed, with the reason; nothing was created."""


class ImportChanged(ImportRefused):
    """Rows that were valid at the preview are not any more; their new problems are stored."""


@dataclass
class ParsedRow:
    """One row as read, with its problems."""

    line: int
    name: str
    email: str
    cohort: str
    supervisor_email: str
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Parsed:
    """A read file: its rows, or the problem with the file as a whole."""

    rows: list[ParsedRow]
    file_problem: str | None = None


def _decode(data: bytes) -> str | None:
    try:
        # utf-8-sig drops the byte-order mark spreadsheet programs put at the start.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def parse(data: bytes) -> Parsed:
    """Read the CSV's rows, or say what is wrong with the file as a whole."""
    text = _decode(data)
    if text is None:
        return Parsed([], "The file is not in UTF-8. In your spreadsheet, choose "
                          "“Save as” and then “CSV UTF-8”, and upload it again.")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        return Parsed([], "The file is empty. The first line should name the columns: "
                          + ", ".join(COLUMNS) + ".")
    names = [cell.strip().lower() for cell in header]
    missing = [column for column in COLUMNS if column not in names]
    extra = [cell for cell in names if cell not in COLUMNS]
    if missing or extra or len(names) != len(COLUMNS):
        said = []
        if missing:
            said.append("missing: " + ", ".join(missing))
        if extra:
            said.append("not expected: " + ", ".join(cell or "(blank)" for cell in extra))
        if not said:
            said.append("a column is named twice")
        return Parsed([], "The first line should name exactly these columns: "
                          + ", ".join(COLUMNS) + " (" + "; ".join(said) + ").")
    where = {column: names.index(column) for column in COLUMNS}
    rows: list[ParsedRow] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) == MAX_ROWS:
            return Parsed([], f"The file has more than {MAX_ROWS:,} people. Please split it "
                              f"into files of {MAX_ROWS:,} or fewer.")
        padded = [*cells, *[""] * (len(COLUMNS) - len(cells))]
        name, email, cohort, supervisor = (padded[where[column]].strip()[:300]
                                           for column in COLUMNS)
        row = ParsedRow(reader.line_num, name, email, cohort, supervisor)
        if len(cells) != len(COLUMNS):
            row.problems.append(f"has {len(cells)} cells instead of {len(COLUMNS)}")
        rows.append(row)
    if not rows:
        return Parsed([], "The file names the columns but has no people in it.")
    return Parsed(rows)


def _normal_email(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def _people_by_email(emails: set[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for chunk in _chunks(sorted(emails)):
        for user in db.session.scalars(select(User).where(User.email.in_(chunk))):
            found[user.email] = user
    return found


def check(rows: list[ParsedRow]) -> None:
    """Add every problem to each row: names, addresses, duplicates, cohorts, supervisors."""
    for row in rows:
        if not row.name:
            row.problems.append("the name is empty")
        elif row.name.startswith(FORMULA_START):
            row.problems.append("the name starts with " + row.name[0]
                                + ", which spreadsheets treat as a formula")
        elif has_hidden_characters(row.name) or len(row.name) > 120:
            row.problems.append("the name has hidden characters or is over 120 characters")
        normal = _normal_email(row.email) if row.email else None
        if not row.email:
            row.problems.append("the e-mail address is empty")
        elif normal is None:
            row.problems.append(f"“{row.email}” is not a whole e-mail address")
        else:
            row.email = normal
        if row.supervisor_email:
            supervisor = _normal_email(row.supervisor_email)
            if supervisor is None:
                row.problems.append(f"the supervisor's address “{row.supervisor_email}” "
                                    "is not a whole e-mail address")
            else:
                row.supervisor_email = supervisor
        if not row.cohort:
            row.problems.append("the cohort is empty")
    first_line: dict[str, int] = {}
    for row in rows:
        if row.email and row.email in first_line:
            row.problems.append(f"the same e-mail address is on line {first_line[row.email]}")
        first_line.setdefault(row.email, row.line)
    in_file = set(first_line)
    known = _people_by_email(in_file | {row.supervisor_email for row in rows})
    cohorts = cohorts_by_name({row.cohort for row in rows if row.cohort})
    closed = {key: refusal for key, cohort in cohorts.items()
              if (refusal := edition_refusal(cohort)) is not None}
    for row in rows:
        if row.email in known:
            row.problems.append(f"{row.email} already has a Lantern account")
        if row.cohort and name_key(row.cohort) not in cohorts:
            row.problems.append(f"there is no cohort called “{row.cohort}”")
        elif row.cohort and name_key(row.cohort) in closed:
            row.problems.append(f"nobody can join the cohort “{row.cohort}” now: "
                                + closed[name_key(row.cohort)])
        if not row.supervisor_email:
            continue
        supervisor_user = known.get(row.supervisor_email)
        if row.supervisor_email in in_file:
            row.problems.append(f"the supervisor {row.supervisor_email} is a trainee in "
                                "this file")
        elif supervisor_user is None:
            row.problems.append(f"no supervisor has the address {row.supervisor_email}")
        elif supervisor_user.role is not Role.SUPERVISOR:
            role = supervisor_user.role.value
            row.problems.append(f"{row.supervisor_email} belongs to "
                                f"{'an' if role[0] in 'aeiou' else 'a'} {role}, "
                                "not a supervisor")
        elif not supervisor_user.is_active:
            row.problems.append(f"the supervisor {row.supervisor_email} is deactivated")


def stage(data: bytes, filename: str, uploaded_by: User, now: datetime | None = None
          ) -> ImportBatch:
    """Read, check and store an upload for its preview; return the batch (flushed)."""
    now = now or utcnow()
    # Old previews nobody confirmed go when a new one arrives; no scheduler is needed.
    db.session.execute(delete(ImportBatch).where(ImportBatch.expires_at < now))
    parsed = parse(data)
    check(parsed.rows)
    batch = ImportBatch(token=secrets.token_urlsafe(32), created_by_id=uploaded_by.id,
                        created_at=now, expires_at=now + EXPIRES_AFTER,
                        filename=filename[:200] or "upload.csv", row_count=len(parsed.rows),
                        problem_count=sum(bool(row.problems) for row in parsed.rows),
                        file_problem=parsed.file_problem)
    db.session.add(batch)
    db.session.flush()
    if parsed.rows:
        # Core executemany: the ORM would split the rows wherever `problems` turns NULL.
        db.session.execute(insert(_ROW_TABLE), [
            {"batch_token": batch.token, "line": row.line, "name": row.name[:200],
             "email": row.email[:300], "cohort_name": row.cohort[:200],
             "supervisor_email": row.supervisor_email[:300],
             "problems": "; ".join(row.problems) or None}
            for row in parsed.rows])
    return batch


def find_batch(token: str, now: datetime | None = None) -> ImportBatch:
    """Return a staged upload that can still be previewed, or say why not."""
    batch = db.session.get(ImportBatch, token[:43])
    if batch is None or batch.expires_at <= (now or utcnow()):
        raise ImportRefused("This preview has expired or was never made: previews last a day. "
                           "Please upload the file again.")
    return batch


def problem_rows(batch: ImportBatch, page: int) -> list[ImportRow]:
    """Return one page of the rows with problems, in file order."""
    query = (select(ImportRow).where(ImportRow.batch_token == batch.token,
                                     ImportRow.problems.is_not(None))
             .order_by(ImportRow.line).limit(PROBLEMS_PER_PAGE)
             .offset((page - 1) * PROBLEMS_PER_PAGE))
    return list(db.session.scalars(query))


def cohort_counts(batch: ImportBatch) -> list[tuple[str, int]]:
    """Return how many valid rows go to each cohort, as typed in the file."""
    query = (select(ImportRow.cohort_name, func.count())
             .where(ImportRow.batch_token == batch.token, ImportRow.problems.is_(None))
             .group_by(ImportRow.cohort_name).order_by(ImportRow.cohort_name))
    return [(name, int(count)) for name, count in db.session.execute(query)]


def _recheck(batch: ImportBatch, rows: list[ImportRow]) -> int:
    """Check the stored rows again (someone may have been invited since); return problems."""
    parsed = [ParsedRow(row.line, row.name, row.email, row.cohort_name, row.supervisor_email)
              for row in rows]
    check(parsed)
    troubled = {row.line: "; ".join(row.problems) for row in parsed if row.problems}
    if troubled:
        for row in rows:
            row.problems = troubled.get(row.line)
        batch.problem_count = len(troubled)
        db.session.flush()
    return len(troubled)


def confirm(token: str, confirmed_by: User, now: datetime | None = None) -> ImportBatch:
    """Create every person of a valid upload in the caller's one transaction, or none."""
    now = now or utcnow()
    # Taking the row lock first means two servers confirming at once create people once.
    locked = execute_dml(
        update(ImportBatch).where(ImportBatch.token == token[:43],
                                  ImportBatch.confirmed_at.is_(None),
                                  ImportBatch.expires_at > now)
        .values(confirmed_at=now).execution_options(synchronize_session=False)).rowcount
    batch = find_batch(token, now)
    db.session.refresh(batch)
    if locked == 0:
        raise ImportRefused("This file has already been imported.")
    if batch.file_problem or batch.problem_count:
        raise ImportRefused("Nothing was created: some rows still have problems. Please fix "
                           "them in the file and upload it again.")
    rows = list(db.session.scalars(select(ImportRow).where(ImportRow.batch_token == token)
                                   .order_by(ImportRow.line)))
    if _recheck(batch, rows):
        batch.confirmed_at = None
        db.session.flush()
        raise ImportChanged("Nothing was created: something changed since the preview (for "
                           "example, someone was invited meanwhile). The rows are marked below.")
    _create_people(batch, rows, confirmed_by)
    if mail_enabled():
        _send_invitations(rows, confirmed_by)
    return batch


def _create_people(batch: ImportBatch, rows: list[ImportRow], by: User) -> None:
    """Insert people, enrolments, cohort places and supervisor assignments in bulk."""
    cohorts = cohorts_by_name({row.cohort_name for row in rows})
    supervisors = _people_by_email({row.supervisor_email for row in rows if row.supervisor_email})
    created = db.session.execute(insert(User).returning(User.id, User.email), [
        {"email": row.email, "display_name": " ".join(row.name.split()), "role": Role.TRAINEE,
         "is_active": True, "security_stamp": new_security_stamp(), "invited_by_id": by.id,
         "created_at": batch.confirmed_at} for row in rows]).all()
    ids = {email: user_id for user_id, email in created}
    by_cohort: dict[int, list[int]] = {}
    for row in rows:
        row.user_id = ids[row.email]
        cohort = cohorts[name_key(row.cohort_name)]
        by_cohort.setdefault(cohort.id, []).append(row.user_id)
    assert batch.confirmed_at is not None
    enrol_many([(ids[row.email], cohorts[name_key(row.cohort_name)].program_slug,
                 cohorts[name_key(row.cohort_name)].edition_number) for row in rows],
               batch.confirmed_at)
    db.session.execute(insert(CohortMember), [
        {"user_id": ids[row.email], "cohort_id": cohorts[name_key(row.cohort_name)].id,
         "joined_at": batch.confirmed_at} for row in rows])
    assignments = [{"trainee_id": ids[row.email],
                    "supervisor_id": supervisors[row.supervisor_email].id,
                    "assigned_by_id": by.id, "assigned_at": batch.confirmed_at}
                   for row in rows if row.supervisor_email]
    if assignments:
        db.session.execute(insert(SupervisorAssignment), assignments)
    db.session.flush()
    for cohort_id, user_ids in sorted(by_cohort.items()):
        placed = db.session.get(Cohort, cohort_id)
        assert placed is not None
        # One recorded placement per cohort: the audit chain names every person placed.
        append_event("cohort.import", by, ("cohort", cohort_id), {
            "batch": batch.token[:8], "to_edition": placed.edition_number,
            "program": placed.program_slug, "trainees": sorted(user_ids)})


def _send_invitations(rows: list[ImportRow], by: User) -> None:
    """Queue each new person's invitation in this transaction; the worker delivers them."""
    ids = sorted(row.user_id for row in rows if row.user_id is not None)
    people: list[User] = []
    for start in range(0, len(ids), _CHUNK):
        people.extend(db.session.scalars(select(User).where(User.id.in_(ids[start:start + _CHUNK]))
                                         .order_by(User.id)))
    send_invitations(((person, make_account_link(person, LinkPurpose.INVITE))
                      for person in people), by)


def invitation_report(batch: ImportBatch) -> InvitationDeliveries:
    """Say how the invitations of an imported batch fared: sent, waiting, failed and to whom."""
    assert batch.confirmed_at is not None
    imported = select(ImportRow.user_id).where(ImportRow.batch_token == batch.token,
                                               ImportRow.user_id.is_not(None))
    return invitation_deliveries(imported, batch.confirmed_at)


def link_rows(batch: ImportBatch) -> list[tuple[str, str, str, str]]:
    """Return name, e-mail, cohort and a fresh join link for everyone not yet joined."""
    query = (select(User, ImportRow.cohort_name)
             .join(ImportRow, ImportRow.user_id == User.id)
             .where(ImportRow.batch_token == batch.token, User.password_hash.is_(None),
                    User.is_active)
             .order_by(ImportRow.line))
    return [(user.name, user.email, cohort, make_account_link(user, LinkPurpose.INVITE))
            for user, cohort in db.session.execute(query)]
