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


def test_foundations_loads_all_eleven_modules() -> None:
    program = load_catalog(COURSES).program("foundations")
    assert [module.position for module in program.modules] == list(range(1, 12))
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
                "supervision-and-self-care", "crisis-systems-and-safety-planning",
                "overdose-response-and-harm-reduction", "documentation-and-records"]
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


def test_the_new_modules_come_in_edition_two_only() -> None:
    """Edition 1 trainees keep eight required modules; edition 2 adds the three new ones."""
    program = load_catalog(COURSES).program("foundations")
    first, second = program.edition(1), program.edition(2)
    assert first.published and second.published and program.current_edition is second
    assert set(second.modules) - set(first.modules) == {
        "crisis-systems-and-safety-planning", "overdose-response-and-harm-reduction",
        "documentation-and-records"}
    assert first.requirements == second.requirements


def test_the_new_modules_teach_their_topics() -> None:
    program = load_catalog(COURSES).program("foundations")
    crisis = program.module("crisis-systems-and-safety-planning").lesson_html
    for topic in ("Stanley", "WRAP", "mobile crisis", "CIT", "involuntary hold", "AYUDA",
                  "ASL", "non-suicidal self-injury", "De-escalation", "home visits",
                  "Postvention"):
        assert topic in crisis, topic
    overdose = program.module("overdose-response-and-harm-reduction").lesson_html
    for topic in ("naloxone", "recovery position", "Good Samaritan", "Harm reduction"):
        assert topic.lower() in overdose.lower(), topic
    records = program.module("documentation-and-records").lesson_html
    for topic in ("progress note", "release of information", "re-disclosure", "groups",
                  "personal representative", "telehealth", "breach"):
        assert topic.lower() in records.lower(), topic
    for module in program.modules[8:]:
        assert "Where rules differ" in module.lesson_html, module.slug
        assert module.lesson_html.count("https://") >= 8, module.slug
