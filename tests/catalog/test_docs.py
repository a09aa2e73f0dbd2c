"""docs/authoring.md stays true: every message is listed, and its example passes the checker."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from lms.catalog.loader import load_catalog
from lms.catalog.messages import MESSAGES
from lms.catalog.parser import parse_module_file
from lms.catalog.profile import practice_rules, profiles
from lms.catalog.quiz_checks import WARNINGS
from lms.catalog.services import check_path

from .helpers import REPO_ROOT

AUTHORING = REPO_ROOT / "docs" / "authoring.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return AUTHORING.read_text()


@pytest.mark.parametrize("message_id", sorted(MESSAGES))
def test_every_message_is_documented(doc: str, message_id: str) -> None:
    assert f"`{MESSAGES[message_id]}`" in doc


@pytest.mark.parametrize("warning_id", sorted(WARNINGS))
def test_every_warning_is_documented(doc: str, warning_id: str) -> None:
    assert f"`{WARNINGS[warning_id]}`" in doc


def _write_complete_example(doc: str, tmp_path: Path) -> None:
    """Write the documented complete example into tmp_path/courses/example."""
    program = re.search(r"`courses/example/program.yaml`:\n\n```yaml\n(.*?)```", doc, re.S)
    module = re.search(
        r"`courses/example/01-listening-basics.md`:\n\n````markdown\n(.*?)````", doc, re.S
    )
    assert program and module
    folder = tmp_path / "courses" / "example"
    folder.mkdir(parents=True)
    (folder / "program.yaml").write_text(program.group(1))
    (folder / "01-listening-basics.md").write_text(module.group(1))


def test_the_checker_command_is_documented(doc: str) -> None:
    assert "flask --app wsgi lms courses check" in doc


def test_the_complete_example_passes(doc: str, tmp_path: Path, monkeypatch) -> None:
    _write_complete_example(doc, tmp_path)
    monkeypatch.chdir(tmp_path)
    assert [str(problem) for problem in check_path(Path("courses"))] == []
    loaded = load_catalog(Path("courses")).program("example").module("listening-basics")
    assert len(loaded.questions) == 10


def test_the_quiz_snippet_parses_as_documented(doc: str, tmp_path: Path) -> None:
    snippet = re.search(r"```markdown\n(## Quiz\n.*?)```", doc, re.S)
    assert snippet
    path = tmp_path / "01-x.md"
    path.write_text("---\ntitle: x\n---\n\n" + snippet.group(1))
    [question] = parse_module_file(path).questions
    assert [choice.correct for choice in question.choices] == [False, True, False]
    assert all(choice.feedback for choice in question.choices)
    assert question.explanation.startswith("Open questions cannot")


def test_the_profile_snippet_is_the_complete_example(doc: str) -> None:
    """The annotated practice and profile snippet says what the complete example says."""
    section = doc.split("## Practice rules and requirement profiles", 1)[1]
    snippet = re.search(r"```yaml\n(practice:\n.*?)```", section, re.S)
    program = re.search(r"`courses/example/program.yaml`:\n\n```yaml\n(.*?)```", doc, re.S)
    assert snippet and program
    example = yaml.safe_load(program.group(1))
    annotated = yaml.safe_load(snippet.group(1))
    assert list(annotated) == ["practice", "competencies", "requirements", "profiles"]
    assert annotated == {key: example[key] for key in annotated}


def test_the_complete_example_has_both_profiles(doc: str, tmp_path: Path, monkeypatch) -> None:
    _write_complete_example(doc, tmp_path)
    loaded = load_catalog(tmp_path / "courses").program("example")
    found = profiles(loaded)
    assert list(found) == ["default", "extended"]
    assert found["default"].practice_by_activity == {"one-to-one": 600}
    assert found["extended"].validity_months == 12
    assert practice_rules(loaded).setting("remote").label == "Remote (phone, video or chat)"
