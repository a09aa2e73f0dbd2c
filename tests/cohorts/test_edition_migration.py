"""The migration that gives cohorts an edition number fills it from what their members have."""

from __future__ import annotations

from datetime import date

from flask_migrate import upgrade
from sqlalchemy import insert, text

from lms.auth.models import Role, User
from lms.extensions import db
from lms.learning.models import Enrollment
from tests.conftest import build_test_app

BEFORE = "b8d2f4a6c0e1"


def _cohort(name: str, program: str) -> int:
    db.session.execute(text(
        "INSERT INTO cohort (name, name_key, program_slug, edition, profile_slug, starts_on, "
        "created_at) VALUES (:name, :key, :program, 'sha', 'default', :day, :day)"),
        {"name": name, "key": name.lower(), "program": program, "day": date(2026, 9, 1)})
    return int(db.session.scalar(text("SELECT id FROM cohort WHERE name = :name"),
                                 {"name": name}))


def _member(email: str, cohort_id: int, program: str, edition: int) -> None:
    user_id = db.session.execute(insert(User).returning(User.id), [
        {"email": email, "role": Role.TRAINEE, "display_name": email}]).scalar_one()
    db.session.execute(insert(Enrollment), [{"user_id": user_id, "program_slug": program,
                                             "edition": edition}])
    db.session.execute(text("INSERT INTO cohort_member (user_id, cohort_id, joined_at) "
                            "VALUES (:user, :cohort, :day)"),
                       {"user": user_id, "cohort": cohort_id, "day": date(2026, 9, 2)})


def test_existing_cohorts_get_the_edition_their_trainees_follow(tmp_path,
                                                                scratch_postgres_schema):
    urls = [f"sqlite:///{tmp_path / 'before.db'}"]
    if scratch_postgres_schema:
        urls.append(scratch_postgres_schema)
    for url in urls:
        app = build_test_app(url)
        with app.app_context():
            upgrade(revision=BEFORE)
            kept = _cohort("Kept", "demo")
            _member("a@example.org", kept, "demo", 1)
            _member("b@example.org", kept, "demo", 2)  # moved on later: the cohort's is the first
            empty = _cohort("Empty", "demo")
            lonely = _cohort("Lonely", "other")
            db.session.commit()
            upgrade()
            found = dict(db.session.execute(text("SELECT id, edition_number FROM cohort")).all())
            assert found == {kept: 1, empty: 2, lonely: 1}, url
            db.session.remove()
            db.engine.dispose()
