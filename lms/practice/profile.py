"""Read a program's practice lists and requirement profile from program.yaml, defensively."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lms.catalog.content import Program

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


@dataclass(frozen=True, slots=True)
class ActivityType:
    """A kind of practice a trainee can log, and whether its time counts toward the hours."""

    key: str
    label: str
    counts: bool


def _pairs(items: Any) -> list[tuple[str, str]]:
    pairs = []
    for item in items or []:
        if isinstance(item, dict) and item.get("key"):
            pairs.append((str(item["key"]), str(item.get("label") or item["key"])))
    return pairs


def activity_types(program: Program) -> list[ActivityType]:
    """Return the program's activity types in their program.yaml order."""
    items = (program.extra.get("practice") or {}).get("activity_types") or []
    return [ActivityType(str(item["key"]), str(item.get("label") or item["key"]),
                         bool(item.get("counts", True)))
            for item in items if isinstance(item, dict) and item.get("key")]


def settings(program: Program) -> list[tuple[str, str]]:
    """Return the program's practice settings as (key, label)."""
    return _pairs((program.extra.get("practice") or {}).get("settings"))


def competencies(program: Program) -> list[tuple[str, str]]:
    """Return the program's competencies as (key, label)."""
    return _pairs(program.extra.get("competencies"))


def label_of(pairs: list[tuple[str, str]], key: str) -> str:
    """Return the label for a key, or the key itself when the program no longer lists it."""
    return dict(pairs).get(key, key)


def counting_activities(program: Program) -> set[str]:
    """Return the activity keys whose time counts toward practice hours."""
    return {activity.key for activity in activity_types(program) if activity.counts}


def _practice_requirements(program: Program) -> dict[str, Any]:
    value = program.requirements.get("practice") or {}
    return value if isinstance(value, dict) else {}


def required_practice_minutes(program: Program) -> int:
    """Return the counted practice minutes the profile requires (0 when none)."""
    return int(_practice_requirements(program).get("total_minutes") or 0)


def required_minutes_by_activity(program: Program) -> dict[str, int]:
    """Return the minimum minutes required per activity type."""
    value = _practice_requirements(program).get("by_activity") or {}
    return {str(key): int(minutes) for key, minutes in value.items()} if isinstance(
        value, dict) else {}


def required_supervision_minutes(program: Program) -> int:
    """Return the supervision-session minutes the profile requires."""
    return int(program.requirements.get("supervision_minutes") or 0)


def required_competencies(program: Program) -> list[str]:
    """Return the competency keys a supervisor must observe for the certificate."""
    value = program.requirements.get("competencies") or []
    return [str(key) for key in value] if isinstance(value, list) else []


def topic_label(key: str) -> str:
    """Return the label of a supervision topic."""
    return label_of(list(SUPERVISION_TOPICS), key)


def modality_label(key: str) -> str:
    """Return the label of a supervision modality."""
    return label_of(list(MODALITIES), key)
