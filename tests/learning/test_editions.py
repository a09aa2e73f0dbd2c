"""A trainee keeps the edition they enrolled under until an admin moves them."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from lms.audit.services import events_for
from lms.auth.models import Role
from lms.catalog.loader import load_catalog
from lms.catalog.services import publish_next_edition
from lms.certification import issuing
from lms.certification.services import eligibility_for
from lms.extensions import db
from lms.learning.facts import enrolled_facts
from lms.learning.models import ModuleProgress
from lms.learning.services import (
    EditionError,
    dashboard,
    edition_of,
    enroll,
    move_to_edition,
)
from lms.models import utcnow
from tests.certification.records import PracticeStandIn
from tests.factories import make_user

CATALOG_TESTS = Path(__file__).parent.parent / "catalog"
# The demo program with two editions: edition 1 requires 'welcome', edition 2 adds 'listening'.
EDITIONS_YAML = CATALOG_TESTS / "broken" / "edition-number-skipped" / "program.yaml"


def _courses(root: Path, publish: int) -> Path:
    """Write the two-edition demo program under root and publish its first `publish` editions."""
    folder = root / "courses" / "demo"
    shutil.copytree(CATALOG_TESTS / "valid" / "demo", folder)
    (folder / "program.yaml").write_text(
        EDITIONS_YAML.read_text().replace("  - number: 3", "  - number: 2"))
    for day in range(1, publish + 1):
        publish_next_edition(folder, date(2026, 11, day))
    return root / "courses"


@pytest.fixture
def deploys(app, tmp_path, monkeypatch):
    """Return a function that deploys content with 1 or 2 published editions into the app."""
    catalogs = {count: load_catalog(_courses(tmp_path / f"v{count}", count)) for count in (1, 2)}

    def deploy(published: int):
        monkeypatch.setitem(app.extensions, "lantern.catalog", catalogs[published])
        return catalogs[published].program("demo")

    return deploy


def _required_modules(trainee, program) -> list[str]:
    return [line.key for line in eligibility_for(trainee, program).requirements
            if line.kind == "module"]


def test_a_trainee_enrolled_before_a_new_edition_keeps_their_requirements(
    app, app_ctx, deploys
):
    program = deploys(1)
    early = make_user(Role.TRAINEE, "early@example.org", "Early Trainee")
    enroll(early, "demo")
    assert edition_of(early.id, "demo") == 1

    program = deploys(2)  # edition 2 is published: it requires one more module
    late = make_user(Role.TRAINEE, "late@example.org", "Late Trainee")
    enroll(late, "demo")
    enroll(early, "demo")  # enrolling again changes nothing
    assert (edition_of(early.id, "demo"), edition_of(late.id, "demo")) == (1, 2)
    assert _required_modules(early, program) == ["welcome"]
    assert _required_modules(late, program) == ["welcome", "listening"]

    # The early trainee's start page counts only what their edition requires.
    db.session.add(ModuleProgress(user_id=early.id, program_slug="demo", module_slug="welcome",
                                  read_at=utcnow(), passed_at=utcnow(), best_score=100))
    db.session.flush()
    board = _board(early, program)
    assert board["overall"] == 100 and board["next"] is None
    assert [(card.module.slug, card.required) for card in board["cards"]] == [
        ("welcome", True), ("listening", False)]
    late_board = _board(late, program)
    assert [card.required for card in late_board["cards"]] == [True, True]
    assert late_board["next"].module.slug == "welcome"


def test_a_certificate_keeps_its_edition_when_its_holder_moves(
    app, app_ctx, deploys, monkeypatch
):
    deploys(1)
    trainee = make_user(Role.TRAINEE, "holder@example.org", "Holder Trainee")
    admin = make_user(Role.ADMIN, "editions-admin@example.org", "Edition Admin")
    enroll(trainee, "demo")
    program = deploys(2)
    db.session.add(ModuleProgress(user_id=trainee.id, program_slug="demo", module_slug="welcome",
                                  read_at=utcnow(), passed_at=utcnow(), best_score=100))
    stand_in = PracticeStandIn(minutes={"one-to-one": 600}, supervision=0, competencies={})
    from lms.practice import services as practice

    for name in ("approved_minutes_by_activity", "supervision_minutes", "observed_competencies"):
        monkeypatch.setattr(practice, name, getattr(stand_in, name))
    # Edition 1 is met with 'welcome' alone; edition 2 would still need 'listening'.
    certificate = issuing.claim(trainee, program, None, date(2026, 12, 6))
    assert certificate.edition == 1
    assert certificate.certified["edition"] == {
        "number": 1, "fingerprint": program.edition(1).fingerprint}

    enrollment = move_to_edition(trainee, "demo", 2, admin, "  Joined the spring   cohort ")
    assert enrollment.edition == 2 == edition_of(trainee.id, "demo")
    assert certificate.status.value == "active" and certificate.edition == 1
    assert _required_modules(trainee, program) == ["welcome", "listening"]
    [event] = [e for e in events_for(enrollment) if e.kind == "enrollment.edition"]
    assert event.actor_id == admin.id and event.about_user_id == trainee.id
    assert event.payload == {"program": "demo", "from": 1, "to": 2, "reason":
                             "Joined the spring cohort",
                             "fingerprint": program.edition(2).fingerprint}


def test_moves_are_refused_with_a_reason(app, app_ctx, deploys):
    deploys(2)
    trainee = make_user(Role.TRAINEE, "mover@example.org", "Mover Trainee")
    supervisor = make_user(Role.SUPERVISOR, "not-admin@example.org", "Sam Supervisor")
    admin = make_user(Role.ADMIN, "mover-admin@example.org", "Mover Admin")
    with pytest.raises(EditionError, match="not enrolled"):
        move_to_edition(trainee, "demo", 1, admin, "Cohort")
    enroll(trainee, "demo", edition=1)
    with pytest.raises(EditionError, match="Only an admin"):
        move_to_edition(trainee, "demo", 2, supervisor, "Cohort")
    with pytest.raises(EditionError, match="give the reason"):
        move_to_edition(trainee, "demo", 2, admin, "   ")
    with pytest.raises(EditionError, match="no edition 3"):
        move_to_edition(trainee, "demo", 3, admin, "Cohort")
    with pytest.raises(EditionError, match="already work toward edition 1"):
        move_to_edition(trainee, "demo", 1, admin, "Cohort")
    assert edition_of(trainee.id, "demo") == 1


def test_a_draft_edition_is_given_to_nobody(app, app_ctx, deploys):
    deploys(1)  # edition 2 exists in program.yaml but is not published
    trainee = make_user(Role.TRAINEE, "draft@example.org", "Draft Trainee")
    with pytest.raises(EditionError, match="not published yet"):
        enroll(trainee, "demo", edition=2)
    assert enroll(trainee, "demo").edition == 1


def _board(user, program):
    edition, facts = enrolled_facts(user.id)[program.slug]
    return dashboard(program, facts, edition)
