"""The `flask --app wsgi lms` commands."""

from __future__ import annotations

import re

from lms.auth.models import Role, find_user_by_email
from lms.auth.passwords import verify_password
from lms.extensions import db


def test_create_user_prints_a_working_invite_link(app, runner, client):
    result = runner.invoke(args=["lms", "create-user", "--email", "Kim@Example.org",
                                 "--name", "Kim Park", "--role", "supervisor"])
    assert result.exit_code == 0, result.output
    link = re.search(r"http://localhost(/invite/\S+)", result.output).group(1)
    page = client.get(link).get_data(as_text=True)
    assert "kim@example.org" in page and 'value="Kim Park"' in page
    with app.app_context():
        user = find_user_by_email("kim@example.org")
        assert user.role is Role.SUPERVISOR and not user.has_joined


def test_create_user_refuses_a_duplicate(app, people, runner):
    result = runner.invoke(args=["lms", "create-user", "--email", "TRAINEE@example.org",
                                 "--name", "Again", "--role", "trainee"])
    assert result.exit_code != 0
    assert "already has the e-mail address" in result.output


def test_demo_seeds_logins_and_refuses_a_non_empty_database(app, runner):
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    logins = re.findall(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)$", result.output, re.M)
    assert [role for role, _, _ in logins] == ["admin", "supervisor", "trainee"]
    with app.app_context():
        for _, email, password in logins:
            assert verify_password(find_user_by_email(email).password_hash, password)
        trainee = find_user_by_email("trainee@example.org")
        assert [s.email for s in trainee.supervisors] == ["supervisor@example.org"]
        db.session.remove()

    again = runner.invoke(args=["lms", "demo"])
    assert again.exit_code != 0 and "refusing" in again.output

    forced = runner.invoke(args=["lms", "demo", "--force"])
    assert forced.exit_code == 0, forced.output
    new_password = re.findall(r"trainee@example.org\s+(\S+)", forced.output)[0]
    with app.app_context():
        assert verify_password(find_user_by_email("trainee@example.org").password_hash,
                               new_password)
