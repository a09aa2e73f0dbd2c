"""The shipped courses/ content loads with no problems (the app refuses to start otherwise)."""

from __future__ import annotations

import pytest

from lms.catalog.checker import check_path
from lms.catalog.loader import load_catalog

from .helpers import REPO_ROOT

COURSES = REPO_ROOT / "courses"


def test_courses_have_no_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    problems = [str(problem) for problem in check_path(COURSES.relative_to(REPO_ROOT))]
    assert problems == []


def test_foundations_loads_all_eight_modules() -> None:
    program = load_catalog(COURSES).program("foundations")
    assert [module.position for module in program.modules] == list(range(1, 9))
    for module in program.modules:
        assert len(module.questions) >= module.quiz.draw
        assert module.toc and module.word_count > 500
        for question in module.questions:
            for choice in question.choices:
                # Answers and feedback must never reach the lesson page.
                assert choice.feedback_html not in module.lesson_html
