"""The trainee's start page: module cards, progress and what to do next, from one statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select

from lms.catalog.content import Module, Program
from lms.catalog.services import get_catalog
from lms.learning import progress
from lms.learning.facts import (
    EnrolledFacts,
    ExtraColumns,
    ModuleFacts,
    facts_statement,
    read_facts,
)
from lms.learning.progress import ModuleStanding
from lms.models import utcnow

__all__ = ["ExtraColumns", "ModuleCard", "cooldown", "dashboard", "passed_scores",
           "start_page_facts", "start_page_statement"]

NOTHING_YET = ModuleFacts()


def cooldown(module: Module) -> timedelta:
    """Return the pause after a failed attempt, unless configuration shortens it."""
    override = current_app.config.get("QUIZ_COOLDOWN_SECONDS")
    if override is not None:
        return timedelta(seconds=override)
    return timedelta(minutes=module.quiz.cooldown_minutes)


@dataclass(frozen=True)
class ModuleCard:
    """One module on the dashboard: the module and where the trainee stands in it."""

    module: Module
    standing: ModuleStanding
    required: bool = True  # False: a module the trainee's edition does not require

    @property
    def percent(self) -> int:
        """Return the module's share of progress (see lms.learning.progress)."""
        return self.standing.percent


def start_page_statement(extra: ExtraColumns) -> Select[Any]:
    """Return the facts select with a higher layer's per-enrolment columns; build it once."""
    return facts_statement(extra)


def start_page_facts(statement: Select[Any], user_id: int) -> list[tuple[Program, EnrolledFacts]]:
    """Run a start_page_statement(): the programs that still exist, with their facts."""
    catalog = get_catalog()
    return [(catalog.program(slug), found)
            for slug, found in read_facts(statement, user_id).items()
            if slug in catalog.programs]


def _progress_facts(fact: ModuleFacts) -> progress.ModuleFacts:
    return progress.ModuleFacts(read=fact.read_at is not None, attempts=fact.attempts,
                                passed=fact.passed_at is not None, best_score=fact.best_score,
                                last_failed_at=fact.last_failed_at)


def dashboard(program: Program, facts: dict[str, ModuleFacts], edition: int,
              now: datetime | None = None) -> dict[str, Any]:
    """Return the trainee's progress through a program and what to do next.

    Progress counts the modules the trainee's edition requires; modules outside it are shown as
    optional.
    """
    moment = now or utcnow()
    required = set(program.edition(edition).modules)
    cards = [ModuleCard(module, progress.standing(
                 _progress_facts(facts.get(module.slug, NOTHING_YET)), cooldown=cooldown(module),
                 max_attempts=module.quiz.max_attempts, now=moment), module.slug in required)
             for module in program.modules]
    needed = [card for card in cards if card.required]
    next_card = next((card for card in needed if not card.standing.passed), None)
    return {"cards": cards, "overall": progress.overall_percent(card.standing for card in needed),
            "next": next_card, "passed": sum(card.standing.passed for card in needed),
            "edition": edition, "optional": len(cards) - len(needed)}


def passed_scores(facts: dict[str, ModuleFacts]) -> dict[str, int]:
    """Return the best score of each passed module, as eligibility counts it."""
    return {slug: fact.best_score or 0 for slug, fact in facts.items()
            if fact.passed_at is not None}
