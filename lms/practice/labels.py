"""Practice records in words, from their program: what templates show for an entry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from lms.catalog.content import Program
from lms.catalog.services import get_catalog
from lms.practice import profile
from lms.practice.models import EntryState, PracticeEntry

STATE_LABELS = {EntryState.DRAFT: "Draft", EntryState.SUBMITTED: "Waiting for review",
                EntryState.RETURNED: "Returned to you", EntryState.APPROVED: "Approved"}


class LabelledEntry(Protocol):
    """What labelling needs of an entry: a stored one or a row of the review queue."""

    @property
    def program_slug(self) -> str: ...
    @property
    def activity(self) -> str: ...
    @property
    def setting(self) -> str: ...
    @property
    def competencies(self) -> Sequence[str]: ...


def state_label(entry: PracticeEntry) -> str:
    """Return the state in plain words, telling a resubmission apart."""
    if entry.state is EntryState.SUBMITTED and entry.is_resubmission:
        return "Resubmitted, waiting for review"
    return STATE_LABELS[entry.state]


def program_or_none(slug: str) -> Program | None:
    """Return the program for an entry, if the content still has it."""
    return get_catalog().programs.get(slug)


@dataclass(frozen=True)
class _Words:
    """One program's practice labels by key."""

    activities: dict[str, profile.ActivityType]
    settings: dict[str, str]
    competencies: dict[str, str]


# Programs are immutable and loaded once; queue and log pages label many entries per request.
@lru_cache(maxsize=64)
def _words(program: Program) -> _Words:
    return _Words({activity.key: activity for activity in profile.activity_types(program)},
                  dict(profile.settings(program)), dict(profile.competencies(program)))


def entry_labels(entry: LabelledEntry) -> dict[str, Any]:
    """Return an entry's activity, setting and competencies in words from its program."""
    program = program_or_none(entry.program_slug)
    if program is None:
        return {"activity": entry.activity, "counts": False, "setting": entry.setting,
                "competencies": list(entry.competencies)}
    words = _words(program)
    activity = words.activities.get(entry.activity)
    return {"activity": activity.label if activity else entry.activity,
            "counts": bool(activity and activity.counts),
            "setting": words.settings.get(entry.setting, entry.setting),
            "competencies": [words.competencies.get(key, key) for key in entry.competencies]}


def competency_names(program: Program | None) -> dict[str, str]:
    """Return the program's competency labels by key."""
    return dict(profile.competencies(program)) if program else {}


modality_label = profile.modality_label
topic_label = profile.topic_label
