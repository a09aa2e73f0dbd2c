"""Practice records in words, from their program: what templates show for an entry."""

from __future__ import annotations

from typing import Any

from lms.catalog.content import Program
from lms.catalog.services import get_catalog
from lms.practice import profile
from lms.practice.models import EntryState, PracticeEntry

STATE_LABELS = {EntryState.DRAFT: "Draft", EntryState.SUBMITTED: "Waiting for review",
                EntryState.RETURNED: "Returned to you", EntryState.APPROVED: "Approved"}


def state_label(entry: PracticeEntry) -> str:
    """Return the state in plain words, telling a resubmission apart."""
    if entry.state is EntryState.SUBMITTED and entry.is_resubmission:
        return "Resubmitted, waiting for review"
    return STATE_LABELS[entry.state]


def program_or_none(slug: str) -> Program | None:
    """Return the program for an entry, if the content still has it."""
    return get_catalog().programs.get(slug)


def entry_labels(entry: PracticeEntry) -> dict[str, Any]:
    """Return an entry's activity, setting and competencies in words from its program."""
    program = program_or_none(entry.program_slug)
    if program is None:
        return {"activity": entry.activity, "counts": False, "setting": entry.setting,
                "competencies": list(entry.competencies)}
    activity = next((a for a in profile.activity_types(program) if a.key == entry.activity),
                    None)
    names = dict(profile.competencies(program))
    return {"activity": activity.label if activity else entry.activity,
            "counts": bool(activity and activity.counts),
            "setting": profile.label_of(profile.settings(program), entry.setting),
            "competencies": [names.get(key, key) for key in entry.competencies]}


def competency_names(program: Program | None) -> dict[str, str]:
    """Return the program's competency labels by key."""
    return dict(profile.competencies(program)) if program else {}


modality_label = profile.modality_label
topic_label = profile.topic_label
