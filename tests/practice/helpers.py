"""Build practice records through the real services (flush, never commit)."""

from __future__ import annotations

from datetime import date, timedelta

from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.practice.models import Decision, PracticeEntry
from lms.practice.services import EntryData, create_entry, decide, submit_entry
from tests.conftest import get_user

REFLECTION = "I practised open questions and noticed that I rushed to fill silences."


def foundations():
    """Return the Foundations program."""
    return get_catalog().program("foundations")


def make_entry(trainee_id: int, *, minutes: int = 60, activity: str = "one-to-one",
               day: date | None = None, reflection: str = REFLECTION, submit: bool = False,
               approve_by: int | None = None, return_by: int | None = None,
               competencies: list[str] | None = None) -> PracticeEntry:
    """Add an entry, optionally submitted and then approved or returned."""
    trainee = get_user(trainee_id)
    data = EntryData(practice_date=day or date.today() - timedelta(days=1), minutes=minutes,
                     activity=activity, setting="in-person",
                     competencies=competencies or ["active-listening"], reflection=reflection)
    entry = create_entry(trainee, foundations(), data)
    if submit or approve_by or return_by:
        submit_entry(entry, trainee, confirmed=True)
    if approve_by:
        decide(entry, get_user(approve_by), Decision.APPROVE)
    if return_by:
        decide(entry, get_user(return_by), Decision.RETURN,
               "Please say more about what you learned.")
    db.session.flush()
    return entry
