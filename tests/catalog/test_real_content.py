"""The shipped courses/ content loads with no problems (the app refuses to start otherwise)."""

from __future__ import annotations

import pytest

from lms.catalog.loader import load_catalog
from lms.catalog.services import check_path

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


def test_foundations_meets_the_content_standard() -> None:
    """Each module is a real lesson: objectives, 1,200+ words, exercise, references, a quiz."""
    program = load_catalog(COURSES).program("foundations")
    expected = ["role-and-values", "active-listening", "self-disclosure", "boundaries",
                "confidentiality", "crisis-and-referral", "trauma-informed-practice",
                "supervision-and-self-care"]
    assert [module.slug for module in program.modules] == expected
    for module in program.modules:
        titles = [entry.title for entry in module.toc if entry.level == 2]
        assert module.word_count >= 1200, (module.slug, module.word_count)
        assert len(module.objectives) >= 3, module.slug
        assert "Practice exercise" in titles and "References" in titles, module.slug
        assert {"samhsa", "icrc", "ncps"} <= set(module.frameworks), module.slug
        assert all(module.frameworks[name] for name in ("samhsa", "icrc", "ncps")), module.slug
        assert len(module.questions) >= 10, module.slug
        assert any(question.multiple for question in module.questions), module.slug
        assert any("<blockquote>" in question.prompt_html for question in module.questions), (
            f"{module.slug} has no scenario question")
        for question in module.questions:
            assert question.explanation_html.strip(), (module.slug, question.key)
            assert all(choice.feedback_html.strip() for choice in question.choices)
            assert question.correct_keys, (module.slug, question.key)
    crisis = program.module("crisis-and-referral").lesson_html
    assert "988" in crisis
    confidentiality = program.module("confidentiality").lesson_html
    assert "HIPAA" in confidentiality and "42 CFR Part 2" in confidentiality
