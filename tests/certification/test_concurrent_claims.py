"""Ten simultaneous claims of one certificate: one is issued, and every claim is led to it.

Threads need their own app on a real database (the per-test transaction fixture shares one
connection), so this builds one on a file SQLite database and on a PostgreSQL schema of its own.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text

from lms.admin.services import assign_supervisor
from lms.audit.services import verify_chain
from lms.auth.models import Role
from lms.certification.codes import format_code
from lms.certification.models import Certificate
from lms.extensions import db
from lms.learning.services import enroll
from tests.certification.records import earn_everything
from tests.conftest import PASSWORD, build_test_app, csrf_token
from tests.factories import make_user

SCHEMA = "claim_race"
CLAIMS = 10


def _targets() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("LMS_TEST_DATABASE_URL") else ["sqlite"]


@pytest.fixture(params=_targets())
def race_app(request: pytest.FixtureRequest, tmp_path) -> Iterator[Flask]:
    """Return an app on its own database with a trainee who has earned the certificate."""
    engine = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'claims.db'}"
    else:
        base = os.environ["LMS_TEST_DATABASE_URL"]
        engine = create_engine(base)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{SCHEMA}"
    app = build_test_app(url)
    with app.app_context():
        db.create_all()
        trainee = make_user(Role.TRAINEE, "claimer@example.org", "Casey Claimer")
        supervisor = make_user(Role.SUPERVISOR, "sup@example.org", "Sam Supervisor")
        enroll(trainee, "foundations")
        assign_supervisor(trainee, supervisor, None)
        earn_everything(trainee.id, supervisor.id)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()
    if engine is not None:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        engine.dispose()


def test_simultaneous_claims_issue_one_certificate_and_lead_every_claim_to_it(race_app):
    clients, tokens = [], []
    for _ in range(CLAIMS):
        client = race_app.test_client()
        token = csrf_token(client, "/sign-in")
        assert client.post("/sign-in", data={"email": "claimer@example.org",
                                             "password": PASSWORD,
                                             "csrf_token": token}).status_code == 302
        clients.append(client)
        tokens.append(csrf_token(client, "/certificates"))
    start = threading.Barrier(CLAIMS)
    responses: list = [None] * CLAIMS

    def claim(number: int) -> None:
        start.wait()
        responses[number] = clients[number].post("/certificates/claim", data={
            "csrf_token": tokens[number], "program": "foundations", "profile": "default"})

    threads = [threading.Thread(target=claim, args=(number,)) for number in range(CLAIMS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    statuses = [response.status_code for response in responses]
    assert statuses == [302] * CLAIMS, statuses
    with race_app.app_context():
        codes = db.session.scalars(select(Certificate.code)).all()
        assert len(codes) == 1
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
        assert verify_chain().ok
    winner = format_code(codes[0])
    for client in clients:
        page = client.get("/certificates").get_data(as_text=True)
        # Winner and losers alike are told the certificate is ready, by its code.
        flashes = re.findall(r'<p class="flash[^"]*">(.*?)</p>', page, re.S)
        assert f"Congratulations! Your certificate {winner} is ready." in flashes, flashes
        assert "Something went wrong" not in page
