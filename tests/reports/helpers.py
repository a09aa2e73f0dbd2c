"""Build learning records through the real services for report tests."""

from __future__ import annotations

from lms.catalog.services import get_catalog
from lms.learning.services import start_attempt, submit_attempt
from tests.conftest import get_user


def take_quiz(trainee_id: int, module_slug: str, right: bool, program: str = "foundations",
              wrong_choice_index: int = 0) -> None:
    """Answer every drawn question right, or pick a wrong choice for each."""
    module = get_catalog().program(program).module(module_slug)
    attempt = start_attempt(get_user(trainee_id), module)
    answers = {}
    for item in attempt.drawn:
        question = module.question(item["q"])
        if right:
            answers[question.key] = sorted(question.correct_keys)
        else:
            wrong = [choice.key for choice in question.choices if not choice.correct]
            answers[question.key] = [wrong[min(wrong_choice_index, len(wrong) - 1)]]
    submit_attempt(attempt, module, answers)


def pass_every_module(trainee_id: int, program: str = "foundations") -> None:
    """Pass each module's quiz on the first attempt."""
    for module in get_catalog().program(program).modules:
        take_quiz(trainee_id, module.slug, right=True, program=program)
