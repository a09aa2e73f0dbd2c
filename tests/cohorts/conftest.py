"""Fixtures for the cohort tests: a cohort to import into, the SMTP server, a scratch schema."""

from __future__ import annotations

from datetime import date

import pytest

from lms.cohorts.services import create_cohort
from lms.extensions import db
from tests.notifications.conftest import smtp, smtp_server  # noqa: F401 (fixtures)
from tests.test_migrations import scratch_postgres_schema  # noqa: F401 (fixture)


@pytest.fixture
def cohort(app, people):
    """Create the cohort 'Spring 2027' on Foundations."""
    with app.app_context():
        made = create_cohort("Spring 2027", "foundations", "default", date(2027, 3, 1), None)
        db.session.commit()
        cohort_id = made.id
        db.session.remove()
    return cohort_id
