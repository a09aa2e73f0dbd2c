"""Pure quiz rules: drawing, shuffling and grading."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from lms.catalog.loader import load_catalog
from lms.learning import quiz

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def module():
    return load_catalog(ROOT / "courses").program("foundations").module("active-listening")


def test_draw_takes_the_configured_number_without_repeats(module):
    drawn = quiz.draw(module, random.Random(1))
    assert len(drawn) == module.quiz.draw
    assert len({item["q"] for item in drawn}) == module.quiz.draw
    for item in drawn:
        question = module.question(item["q"])
        assert sorted(item["c"]) == sorted(choice.key for choice in question.choices)


def test_draws_and_orders_vary(module):
    draws = {tuple(item["q"] for item in quiz.draw(module, random.Random(seed)))
             for seed in range(20)}
    assert len(draws) > 10


def _right_answers(drawn):
    return {item.question.key: sorted(item.question.correct_keys) for item in drawn}


def test_all_right_scores_100_and_passes(module):
    drawn = quiz.resolve(module, quiz.draw(module))
    result = quiz.grade(module, drawn, _right_answers(drawn))
    assert result.score == 100 and result.passed
    assert all(question.correct for question in result.questions)


def test_one_wrong_of_eight_scores_88(module):
    drawn = quiz.resolve(module, quiz.draw(module, random.Random(3)))
    answers = _right_answers(drawn)
    first = drawn[0].question
    wrong = next(choice.key for choice in first.choices if not choice.correct)
    answers[first.key] = [wrong]
    result = quiz.grade(module, drawn, answers)
    assert result.score == round(100 * 7 / 8)
    assert result.passed is (result.score >= module.quiz.pass_mark)
    assert not result.questions[0].correct


def test_select_all_needs_exactly_the_right_set(module):
    multiple = next(q for q in module.questions if q.multiple)
    drawn = [quiz.DrawnQuestion(multiple, tuple(c.key for c in multiple.choices))]
    correct = sorted(multiple.correct_keys)
    assert quiz.grade(module, drawn, {multiple.key: correct}).score == 100
    assert quiz.grade(module, drawn, {multiple.key: correct[:1]}).score == 0
    everything = [c.key for c in multiple.choices]
    assert quiz.grade(module, drawn, {multiple.key: everything}).score == 0


def test_missing_answers_are_numbered(module):
    drawn = quiz.resolve(module, quiz.draw(module))
    answers = _right_answers(drawn)
    del answers[drawn[1].question.key], answers[drawn[4].question.key]
    assert quiz.missing_answers(drawn, answers) == [2, 5]
