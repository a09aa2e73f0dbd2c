"""Eligibility: a pure function of a requirement profile and a trainee's records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from lms.catalog.profile import PracticeRules, RequirementProfile


@dataclass(frozen=True)
class Records:
    """What a trainee has done that counts toward a certificate."""

    passed_modules: Mapping[str, int] = field(default_factory=dict)  # slug -> best score
    approved_minutes_by_activity: Mapping[str, int] = field(default_factory=dict)
    supervision_minutes: int = 0
    observed_competencies: Mapping[str, date] = field(default_factory=dict)


@dataclass(frozen=True)
class Requirement:
    """One line of the checklist: what is needed, how much is done, and whether it is met."""

    kind: str  # "module", "practice", "activity", "supervision" or "competency"
    key: str
    label: str
    needed: int  # minutes for time, 1 for a module or competency
    done: int

    @property
    def met(self) -> bool:
        """Return whether this requirement is satisfied."""
        return self.done >= self.needed

    @property
    def remaining(self) -> int:
        """Return how much is still needed (minutes, or 1 for a module or competency)."""
        return max(self.needed - self.done, 0)


@dataclass(frozen=True)
class Eligibility:
    """The whole checklist; `met` only when every requirement is."""

    requirements: tuple[Requirement, ...]

    @property
    def met(self) -> bool:
        """Return whether every requirement is met."""
        return all(requirement.met for requirement in self.requirements)

    @property
    def missing(self) -> tuple[Requirement, ...]:
        """Return the requirements still to meet, in checklist order."""
        return tuple(requirement for requirement in self.requirements if not requirement.met)


def counted_minutes(rules: PracticeRules, minutes_by_activity: Mapping[str, int]) -> int:
    """Return practice minutes that count: activities marked `counts: false` are left out."""
    counted = rules.counted_keys
    return sum(minutes for key, minutes in minutes_by_activity.items() if key in counted)


def evaluate(
    profile: RequirementProfile,
    rules: PracticeRules,
    module_titles: Mapping[str, str],
    records: Records,
) -> Eligibility:
    """Return the checklist for a profile against a trainee's records."""
    checklist: list[Requirement] = []
    for slug in profile.modules:
        passed = 1 if slug in records.passed_modules else 0
        checklist.append(Requirement("module", slug, module_titles.get(slug, slug), 1, passed))
    if profile.practice_total_minutes:
        checklist.append(
            Requirement(
                "practice",
                "total",
                "Approved practice time (counted activities)",
                profile.practice_total_minutes,
                counted_minutes(rules, records.approved_minutes_by_activity),
            )
        )
    for key, minutes in profile.practice_by_activity.items():
        activity = rules.activity(key)
        checklist.append(
            Requirement(
                "activity",
                key,
                activity.label,
                minutes,
                records.approved_minutes_by_activity.get(key, 0),
            )
        )
    if profile.supervision_minutes:
        checklist.append(
            Requirement(
                "supervision",
                "supervision",
                "Supervision sessions",
                profile.supervision_minutes,
                records.supervision_minutes,
            )
        )
    for key in profile.competencies:
        observed = 1 if key in records.observed_competencies else 0
        checklist.append(Requirement("competency", key, rules.competency(key).label, 1, observed))
    return Eligibility(tuple(checklist))
