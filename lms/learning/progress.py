"""Where a trainee stands in one module: a pure rule over plain facts, shared by every page."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


class Stage(enum.StrEnum):
    """The four honest states of a module."""

    NOT_STARTED = "not started"
    READING = "reading"
    QUIZ_NOT_PASSED = "quiz not passed yet"
    PASSED = "passed"


@dataclass(frozen=True)
class ModuleFacts:
    """What the records say about one module, with nothing derived yet."""

    read: bool = False
    attempts: int = 0  # submitted attempts
    passed: bool = False  # the same fact the certificate checklist counts (passed_at is set)
    best_score: int | None = None
    last_failed_at: datetime | None = None  # when the latest failed attempt was submitted


@dataclass(frozen=True)
class ModuleStanding:
    """A module's state, its share of progress and, after a failed try, when the next opens."""

    stage: Stage
    percent: int
    best_score: int | None
    attempts_left: int | None  # None means unlimited
    next_try_at: datetime | None  # set only while the pause after a failed attempt runs

    @property
    def passed(self) -> bool:
        """Return whether the module counts toward the certificate."""
        return self.stage is Stage.PASSED

    @property
    def out_of_attempts(self) -> bool:
        """Return whether no attempt is left and the quiz is not passed."""
        return not self.passed and self.attempts_left == 0


#: Reading the lesson or trying the quiz is half of a module; only a pass completes it,
#: because only a pass counts on the certificate checklist.
STARTED_PERCENT = 50


def standing(facts: ModuleFacts, *, cooldown: timedelta, max_attempts: int,
             now: datetime) -> ModuleStanding:
    """Return a module's state from its facts; max_attempts 0 means unlimited."""
    left = None if max_attempts == 0 else max(max_attempts - facts.attempts, 0)
    if facts.passed:
        return ModuleStanding(Stage.PASSED, 100, facts.best_score, left, None)
    if facts.attempts:
        next_try = None
        if facts.last_failed_at is not None and left != 0:
            resume = facts.last_failed_at + cooldown
            next_try = resume if resume > now else None
        return ModuleStanding(Stage.QUIZ_NOT_PASSED, STARTED_PERCENT, facts.best_score, left,
                              next_try)
    if facts.read:
        return ModuleStanding(Stage.READING, STARTED_PERCENT, None, left, None)
    return ModuleStanding(Stage.NOT_STARTED, 0, None, left, None)


def overall_percent(standings: Iterable[ModuleStanding]) -> int:
    """Return a program's progress as the mean of its modules' shares, rounded down."""
    shares = [item.percent for item in standings]
    # Rounded down, so 100% is shown only when every module is passed.
    return sum(shares) // len(shares) if shares else 0
