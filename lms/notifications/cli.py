"""`flask --app wsgi lms outbox run|drain`: the outbox worker, long-running or once."""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

import click
from flask.cli import AppGroup

from lms.extensions import db
from lms.models import utcnow
from lms.notifications.outbox import mail_settings
from lms.notifications.scheduling import run_schedules
from lms.notifications.services import send_delivery_failed
from lms.notifications.worker import DeliveryReport, deliver_due

log = logging.getLogger(__name__)
outbox_cli = AppGroup("outbox", help="Deliver the e-mail outbox.")

#: How often the long-running worker looks for reminders and digests that have come due.
TICK_SECONDS = 60


def _once() -> tuple[int, DeliveryReport]:
    """Queue what the schedules make due, then deliver everything due."""
    queued = run_schedules(utcnow())
    report = deliver_due(on_failure=send_delivery_failed)
    db.session.remove()
    return queued, report


def _describe(queued: int, report: DeliveryReport) -> str:
    text = (f"{len(report.sent)} sent, {len(report.waiting)} waiting to retry, "
            f"{len(report.failed)} failed; {queued} reminder(s) or digest(s) queued")
    if report.unavailable:
        text += f"; the mail server was unavailable: {report.unavailable}"
    return text


@outbox_cli.command("where")
def where() -> None:
    """Print where mail goes (LMS_MAIL_URL, without its password)."""
    click.echo(f"Mail goes {mail_settings().describe()}.")


@outbox_cli.command("drain")
def drain() -> None:
    """Send what is due (reminders and digests too), then exit."""
    queued, report = _once()
    click.echo(f"Mail goes {mail_settings().describe()}: {_describe(queued, report)}.")


@outbox_cli.command("run")
@click.option("--poll", default=2.0, show_default=True, help="Seconds between looks at the outbox.")
def run(poll: float) -> None:
    """Deliver the outbox until stopped (SIGTERM or Ctrl-C finish the current message)."""
    stopping = False

    def stop(_signal: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"Outbox worker started; mail goes {mail_settings().describe()}.")
    last_tick = 0.0
    while not stopping:
        try:
            if time.monotonic() - last_tick >= TICK_SECONDS:
                last_tick = time.monotonic()
                run_schedules(utcnow())
            report = deliver_due(on_failure=send_delivery_failed)
            if report.sent or report.failed or report.waiting:
                log.info(_describe(0, report))
        except Exception:  # noqa: BLE001 - a database blip must not end the worker
            db.session.rollback()
            log.exception("outbox run failed; trying again")
        finally:
            db.session.remove()
        deadline = time.monotonic() + poll
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
    click.echo("Outbox worker stopped.")
