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
    assert "k•••@example.org" in page and 'value="Kim Park"' in page
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


def test_courses_check_passes_on_shipped_content(app, runner):
    result = runner.invoke(args=["lms", "courses", "check"])
    assert result.exit_code == 0, result.output
    assert "no problems found" in result.output


def test_courses_check_names_file_and_line(app, runner, tmp_path):
    import shutil
    from pathlib import Path

    broken = tmp_path / "courses"
    shutil.copytree(Path(__file__).parent / "catalog" / "valid", broken)
    module = next(broken.glob("*/01-*.md"))
    module.write_text(module.read_text().replace("- [x]", "- [ ]", 1))
    result = runner.invoke(args=["lms", "courses", "check", str(broken)])
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(str(module))}:\d+: ", result.output), result.output


def test_courses_check_prints_warnings_but_passes(app, runner, tmp_path):
    import shutil
    from pathlib import Path

    courses = tmp_path / "courses"
    shutil.copytree(Path(__file__).parent / "catalog" / "valid", courses)
    case = Path(__file__).parent / "catalog" / "broken" / "quiz-keys-disagree"
    shutil.copyfile(case / "02-listening.md", courses / "demo" / "02-listening.md")
    result = runner.invoke(args=["lms", "courses", "check", str(courses)])
    assert result.exit_code == 0, result.output
    assert re.search(r"02-listening\.md:50: warning: question is near-identical", result.output)
    assert result.output.rstrip().endswith("no problems found (1 warning).")


def test_app_refuses_to_start_on_broken_content(tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    broken = tmp_path / "courses"
    shutil.copytree(root / "courses", broken)
    module = broken / "foundations" / "02-active-listening.md"
    module.write_text(module.read_text().replace("pass_mark: 80", "pass_mark: 180"))
    env = {"PATH": "/usr/bin:/bin", "LMS_INSTANCE_PATH": str(tmp_path),
           "LMS_COURSES_DIR": str(broken)}
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Lantern cannot start" in result.stderr
    assert re.search(r"02-active-listening\.md:\d+: .*pass", result.stderr), result.stderr
    assert "Traceback" not in result.stderr


def test_move_edition_moves_a_trainee_and_records_why(app, people, runner):
    from lms.audit.services import events_for
    from lms.learning.services import edition_of

    # The fixture's trainee enrolled today, under the current edition (2).
    refused = runner.invoke(args=["lms", "move-edition", "--email", "trainee@example.org",
                                  "--program", "foundations", "--edition", "2",
                                  "--reason", "Nothing to change"])
    assert refused.exit_code != 0 and "already work toward edition 2" in refused.output
    result = runner.invoke(args=["lms", "move-edition", "--email", "trainee@example.org",
                                 "--program", "foundations", "--edition", "1",
                                 "--reason", "Started with the autumn cohort"])
    assert result.exit_code == 0, result.output
    assert "now works toward edition 1" in result.output
    with app.app_context():
        assert edition_of(people["trainee"], "foundations") == 1
        moves = [event for event in events_for(("enrollment", _enrollment_id(people["trainee"])))
                 if event.kind == "enrollment.edition"]
        assert [(m.actor_id, m.payload["from"], m.payload["to"], m.payload["reason"])
                for m in moves] == [(None, 2, 1, "Started with the autumn cohort")]
    unknown = runner.invoke(args=["lms", "move-edition", "--email", "nobody@example.org",
                                  "--program", "foundations", "--edition", "1", "--reason", "x"])
    assert unknown.exit_code != 0 and "No trainee" in unknown.output


def test_courses_publish_refuses_when_every_edition_is_published(app, runner):
    result = runner.invoke(args=["lms", "courses", "publish", "courses/foundations"])
    assert result.exit_code != 0 and "already published" in result.output


def _enrollment_id(user_id: int) -> int:
    from sqlalchemy import select

    from lms.extensions import db
    from lms.learning.models import Enrollment

    return db.session.scalar(select(Enrollment.id).filter_by(user_id=user_id))
