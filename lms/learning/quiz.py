"""Pure quiz rules: drawing questions, shuffling choices and grading answers."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lms.catalog.content import Module, Question

_random = random.SystemRandom()  # draws must not be predictable from earlier ones


@dataclass(frozen=True)
class DrawnQuestion:
    """A question as shown in one attempt: its choices in the order shown."""

    question: Question
    choice_keys: tuple[str, ...]


@dataclass(frozen=True)
class GradedQuestion:
    """One answered question with its verdict."""

    drawn: DrawnQuestion
    chosen: frozenset[str]
    correct: bool


@dataclass(frozen=True)
class Grade:
    """The result of one attempt."""

    questions: tuple[GradedQuestion, ...]
    score: int
    passed: bool


def draw(module: Module, rng: random.Random = _random) -> list[dict[str, Any]]:
    """Draw the module's questions for one attempt and shuffle each question's choices."""
    questions = rng.sample(list(module.questions), module.quiz.draw)
    drawn = []
    for question in questions:
        keys = [choice.key for choice in question.choices]
        rng.shuffle(keys)
        drawn.append({"q": question.key, "c": keys})
    return drawn


def resolve(module: Module, drawn: Sequence[Mapping[str, Any]]) -> list[DrawnQuestion]:
    """Return the drawn questions from the stored draw, against the module's content."""
    return [DrawnQuestion(module.question(item["q"]), tuple(item["c"])) for item in drawn]


def grade(module: Module, drawn: Sequence[DrawnQuestion],
          answers: Mapping[str, Sequence[str]]) -> Grade:
    """Grade answers: a question is right when exactly the correct choices are chosen."""
    graded = []
    for item in drawn:
        chosen = frozenset(answers.get(item.question.key, ()))
        graded.append(GradedQuestion(item, chosen, chosen == item.question.correct_keys))
    right = sum(1 for question in graded if question.correct)
    score = round(100 * right / len(graded)) if graded else 0
    return Grade(tuple(graded), score, score >= module.quiz.pass_mark)


def missing_answers(drawn: Sequence[DrawnQuestion],
                    answers: Mapping[str, Sequence[str]]) -> list[int]:
    """Return the 1-based numbers of drawn questions that have no answer."""
    return [number for number, item in enumerate(drawn, start=1)
            if not answers.get(item.question.key)]
