"""The practice feature's view of a program: (key, label) lists for forms, and practice minimums.

program.yaml is read once, typed and checked, by lms.catalog.profile; this module only adapts
those types for practice forms, totals and exports, and holds the supervision vocabularies.
"""

from __future__ import annotations

from lms.catalog.content import Program
from lms.catalog.profile import ActivityType, practice_rules
from lms.catalog.profile import profile as requirement_profile

__all__ = [
    "MODALITIES",
    "SUPERVISION_TOPICS",
    "ActivityType",
    "activity_types",
    "competencies",
    "counting_activities",
    "label_of",
    "modality_label",
    "required_competencies",
    "required_minutes_by_activity",
    "required_practice_minutes",
    "required_supervision_minutes",
    "settings",
    "topic_label",
]

#: Supervision topics, a controlled vocabulary (research/domain.md §4.2).
SUPERVISION_TOPICS: tuple[tuple[str, str], ...] = (
    ("case-review", "Review of practice (no identifying details)"),
    ("skill-building", "Skill building"),
    ("problem-resolution", "Problem resolution"),
    ("professional-growth", "Professional growth"),
    ("ethics-boundaries", "Ethics and boundaries"),
    ("self-care", "Self-care and wellbeing"),
    ("crisis-debrief", "Debrief after a crisis"),
    ("administrative", "Administrative matters"),
)
MODALITIES: tuple[tuple[str, str], ...] = (
    ("in-person", "In person"), ("video", "Video call"), ("phone", "Phone call"))


def activity_types(program: Program) -> list[ActivityType]:
    """Return the program's activity types in their program.yaml order."""
    return list(practice_rules(program).activity_types)


def settings(program: Program) -> list[tuple[str, str]]:
    """Return the program's practice settings as (key, label)."""
    return [(setting.key, setting.label) for setting in practice_rules(program).settings]


def competencies(program: Program) -> list[tuple[str, str]]:
    """Return the program's competencies as (key, label)."""
    return [(item.key, item.label) for item in practice_rules(program).competencies]


def label_of(pairs: list[tuple[str, str]], key: str) -> str:
    """Return the label for a key, or the key itself when the program no longer lists it."""
    return dict(pairs).get(key, key)


def counting_activities(program: Program) -> set[str]:
    """Return the activity keys whose time counts toward practice hours."""
    return set(practice_rules(program).counted_keys)


def required_practice_minutes(program: Program) -> int:
    """Return the counted practice minutes the default profile requires (0 when none)."""
    return requirement_profile(program).practice_total_minutes


def required_minutes_by_activity(program: Program) -> dict[str, int]:
    """Return the minimum minutes the default profile requires per activity type."""
    return dict(requirement_profile(program).practice_by_activity)


def required_supervision_minutes(program: Program) -> int:
    """Return the supervision-session minutes the default profile requires."""
    return requirement_profile(program).supervision_minutes


def required_competencies(program: Program) -> list[str]:
    """Return the competency keys a supervisor must observe for the default certificate."""
    return list(requirement_profile(program).competencies)


def topic_label(key: str) -> str:
    """Return the label of a supervision topic."""
    return label_of(list(SUPERVISION_TOPICS), key)


def modality_label(key: str) -> str:
    """Return the label of a supervision modality."""
    return label_of(list(MODALITIES), key)
