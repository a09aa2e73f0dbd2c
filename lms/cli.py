"""The `flask --app wsgi lms ...` commands."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from lms.admin.services import (
    PeopleError,
    assign_supervisor,
    invite_person,
)
from lms.auth.assignments import supervisor_is_assigned
from lms.auth.models import Role, User, find_user_by_email
from lms.auth.services import accept_invitation, set_password
from lms.backup import BackupError, backup, restore
from lms.catalog.services import (
    PublishError,
    check_path,
    get_catalog,
    publish_next_edition,
    warn_path,
)
from lms.extensions import db
from lms.learning.services import EditionError, enroll, move_to_edition, programs_of
from lms.models import utcnow

lms_cli = AppGroup("lms", help="Lantern administration commands.")

DEMO_PEOPLE = (
    ("admin@example.org", "Alex Rivera", Role.ADMIN),
    ("supervisor@example.org", "Sam Okafor", Role.SUPERVISOR),
    ("trainee@example.org", "Jordan Lee", Role.TRAINEE),
)


@lms_cli.command("create-user")
@click.option("--email", required=True, help="Their e-mail address (must be new).")
@click.option("--name", required=True, help="Their name; they can change it when joining.")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--program", default=None, help="Program slug for a trainee (default: the first).")
def create_user(email: str, name: str, role: str, program: str | None) -> None:
    """Create an account and print its one-time invite link (valid for 7 days)."""
    try:
        invitation = invite_person(email, Role(role), invited_by=None, display_name=name,
                                   program_slug=program)
    except PeopleError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    if invitation.emailed:
        click.echo(f"Invited {invitation.user.email} as {role}; the invitation is in the "
                   "outbox. If it does not arrive, hand them this one-time link:")
    else:
        click.echo(f"Invited {invitation.user.email} as {role}. Hand them this one-time link:")
    click.echo(invitation.link)


@lms_cli.command("demo")
@click.option("--force", is_flag=True, help="Seed even if the database already has people.")
def demo(force: bool) -> None:
    """Seed a demo admin, supervisor and trainee, and print their logins."""
    people = db.session.scalar(select(func.count()).select_from(User)) or 0
    if people and not force:
        raise click.ClickException(
            f"The database already has {people} people; refusing to add demo accounts. "
            "Use --force to add them anyway (existing demo accounts get new passwords)."
        )
    logins = []
    for email, name, role in DEMO_PEOPLE:
        password = "demo-" + secrets.token_urlsafe(12)
        user = find_user_by_email(email)
        if user is None:
            # Demo people join at once: no invitation e-mail for them.
            user = invite_person(email, role, invited_by=None, display_name=name,
                                 notify=False).user
            accept_invitation(user, name, password)
        else:
            user.is_active = True
            set_password(user, password)
            user.joined_at = user.joined_at or utcnow()
            if role is Role.TRAINEE and not programs_of(user):
                enroll(user, next(iter(get_catalog().programs)))
        logins.append((role.value, email, password))
    trainee, supervisor = find_user_by_email(DEMO_PEOPLE[2][0]), find_user_by_email(
        DEMO_PEOPLE[1][0])
    assert trainee is not None and supervisor is not None
    if not supervisor_is_assigned(trainee.id, supervisor.id):  # an earlier seed may have done it
        assign_supervisor(trainee, supervisor, assigned_by=None)
    db.session.commit()
    text = "\n".join(f"  {role:<10} {email:<24} {password}" for role, email, password in logins)
    _demo_logins_file().write_text(text + "\n")
    _demo_logins_file().chmod(0o600)
    click.echo("Demo accounts (also saved in instance/demo-logins.txt):\n" + text)


courses_cli = AppGroup("courses", help="Course content commands.")
lms_cli.add_command(courses_cli)


@courses_cli.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def check_courses(path: Path | None) -> None:
    """Check course content and print every problem, then any warnings, as path:line: message."""
    target = path or Path(current_app.config["LMS_COURSES_DIR"])
    problems = check_path(target)
    # Warnings point at content a person should read again; they never fail the check.
    warnings = warn_path(target)
    for problem in [*problems, *warnings]:
        click.echo(str(problem))
    if problems:
        raise SystemExit(1)
    noted = f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})" if warnings else ""
    click.echo(f"{target}: no problems found{noted}.")


@courses_cli.command("publish")
@click.argument("path", type=click.Path(path_type=Path, exists=True, file_okay=False))
def publish_edition(path: Path) -> None:
    """Publish a program's first unpublished edition: add its fingerprint to editions.lock."""
    try:
        edition = publish_next_edition(path, date.today())
    except PublishError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Published edition {edition.number} of {path.name} "
               f"(fingerprint {edition.fingerprint[:12]}...). Commit editions.lock with "
               "program.yaml; from the next deploy, new enrolments get this edition.")


@lms_cli.command("move-edition")
@click.option("--email", required=True, help="The trainee's e-mail address.")
@click.option("--program", "program_slug", required=True, help="The program's slug.")
@click.option("--edition", required=True, type=int, help="The published edition to move to.")
@click.option("--reason", required=True, help="Why; it is kept in the audit log.")
def move_edition(email: str, program_slug: str, edition: int, reason: str) -> None:
    """Move a trainee to another published edition of a program's requirements (audited)."""
    trainee = find_user_by_email(email)
    if trainee is None or trainee.role is not Role.TRAINEE:
        raise click.ClickException(f"No trainee has the e-mail address {email}.")
    if program_slug not in get_catalog().programs:
        raise click.ClickException(f"There is no program '{program_slug}'.")
    try:
        move_to_edition(trainee, program_slug, edition, None, reason)
    except EditionError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{email} now works toward edition {edition} of {program_slug}. "
               "Modules they passed stay passed; the move is in the audit log.")


@lms_cli.command("rebuild-summaries")
def rebuild_trainee_summaries() -> None:
    """Rewrite every trainee's summary row from their records (after requirements change)."""
    from lms.reports.services import rebuild_summaries

    count = rebuild_summaries()
    db.session.commit()
    click.echo(f"Rewrote {count} trainee summary rows from the records.")


@lms_cli.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
def backup_database(path: Path) -> None:
    """Copy the SQLite database to PATH while Lantern keeps running."""
    try:
        pages = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up {pages} pages to {path}.")


@lms_cli.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.confirmation_option(prompt="This replaces everything in the database. Continue?")
def restore_database(path: Path) -> None:
    """Replace the SQLite database with the backup at PATH (stop the app servers first)."""
    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored the database from {path}.")


@lms_cli.command("demo-logins")
def demo_logins() -> None:
    """Print the demo logins saved by the last `lms demo`."""
    path = _demo_logins_file()
    if not path.exists():
        raise click.ClickException("No demo accounts have been seeded here yet.")
    click.echo("Demo accounts:\n" + path.read_text().rstrip())


def _demo_logins_file() -> Path:
    return Path(current_app.instance_path) / "demo-logins.txt"


audit_cli = AppGroup("audit", help="Audit chain commands.")
lms_cli.add_command(audit_cli)


@audit_cli.command("verify")
def verify_audit() -> None:
    """Walk the audit chain, then reconcile it with the live records; exit 1 on any problem."""
    from sqlalchemy.exc import OperationalError

    from lms.audit.services import reconcile, verify_chain
    from lms.certification.audited import certificate_ledger, wallet_copy_ledger
    from lms.practice.audited import practice_ledgers

    try:
        missing = _missing_tables()
    except OperationalError as error:
        click.echo(f"Cannot reach the database: {type(error.orig or error).__name__}. "
                   "Check LMS_DATABASE_URL and that the database is running.")
        raise SystemExit(1) from None
    if missing:
        click.echo("This database has no Lantern records to verify yet (missing tables: "
                   f"{', '.join(missing)}); run `flask --app wsgi db upgrade` first.")
        raise SystemExit(1)
    report = verify_chain()
    if not report.ok:
        click.echo(f"Audit chain BROKEN after {report.events} good event(s): {report.problem}")
        raise SystemExit(1)
    click.echo(f"Audit chain OK: {report.events} event(s), head {report.head_hash}.")
    findings = reconcile([certificate_ledger(), wallet_copy_ledger(), *practice_ledgers()])
    for finding in findings:
        click.echo(f"Record {finding}.")
    if findings:
        click.echo(f"Records DO NOT MATCH the audit chain: {len(findings)} problem(s) above.")
        raise SystemExit(1)
    click.echo("Records match the audit chain.")


def _missing_tables() -> list[str]:
    """Return the audited tables this database lacks (all of them when it is unmigrated)."""
    from sqlalchemy import inspect

    present = set(inspect(db.engine).get_table_names())
    wanted = ("audit_event", "audit_head", "certificate", "practice_entry", "practice_decision",
              "competency_observation", "supervision_session", "session_attendee", "wallet_copy")
    return [name for name in wanted if name not in present]


two_factor_cli = AppGroup("2fa", help="Two-step sign-in.")
lms_cli.add_command(two_factor_cli)


@two_factor_cli.command("reset")
@click.argument("email")
def reset_two_factor(email: str) -> None:
    """Reset a person's two-step sign-in (for example the last admin's), audited."""
    from lms.admin.services import reset_two_step

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the e-mail address {email!r}.")
    had = reset_two_step(user, None, how="command line")
    db.session.commit()
    click.echo(f"Two-step sign-in reset for {user.email}"
               f"{'' if had else ' (none was set up)'}; they set it up at their next sign-in.")
