"""Typed practice rules and requirement profiles, read from a checked program's program.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from lms.catalog.content import Edition, Program

__all__ = [
    "DEFAULT_PROFILE",
    "ActivityType",
    "Competency",
    "PracticeRules",
    "RequirementProfile",
    "Setting",
    "practice_rules",
    "profile",
    "profiles",
]

#: The slug of the profile built from `requirements:`; no entry of `profiles:` may use it.
DEFAULT_PROFILE = "default"


@dataclass(frozen=True, slots=True)
class ActivityType:
    """A kind of practice a trainee can log; `counts` says if its time counts toward practice."""

    key: str
    label: str
    counts: bool


@dataclass(frozen=True, slots=True)
class Setting:
    """Where practice took place (in person, remote...)."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Competency:
    """A skill a supervisor can observe and record."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class PracticeRules:
    """What a trainee can log for a program and what a supervisor can observe, in file order."""

    activity_types: tuple[ActivityType, ...]
    settings: tuple[Setting, ...]
    competencies: tuple[Competency, ...]

    def activity(self, key: str) -> ActivityType:
        """Return the activity type with this key or raise KeyError."""
        for activity in self.activity_types:
            if activity.key == key:
                return activity
        raise KeyError(key)

    def setting(self, key: str) -> Setting:
        """Return the setting with this key or raise KeyError."""
        for setting in self.settings:
            if setting.key == key:
                return setting
        raise KeyError(key)

    def competency(self, key: str) -> Competency:
        """Return the competency with this key or raise KeyError."""
        for competency in self.competencies:
            if competency.key == key:
                return competency
        raise KeyError(key)

    @property
    def counted_keys(self) -> frozenset[str]:
        """Return the keys of the activity types whose time counts toward practice."""
        return frozenset(activity.key for activity in self.activity_types if activity.counts)


@dataclass(frozen=True, slots=True)
class RequirementProfile:
    """What a trainee must do for one certificate of a program; all time is in minutes."""

    slug: str
    title: str
    based_on: str | None  # the real credential it is modelled on, with its source
    modules: tuple[str, ...]  # module slugs, in program order ("all" already expanded)
    practice_total_minutes: int  # counted practice, all activity types together
    # Minimum minutes per activity type; read-only, and left out of the hash.
    practice_by_activity: Mapping[str, int] = field(hash=False)
    supervision_minutes: int
    competencies: tuple[str, ...]  # competency keys a supervisor must observe
    validity_months: int | None  # None: the certificate does not expire
    renewal_ce_minutes: int  # approved minutes after the last issue, needed to renew

    def __post_init__(self) -> None:
        # Callers may pass lists and dicts; store tuples and a read-only mapping.
        object.__setattr__(self, "modules", tuple(self.modules))
        object.__setattr__(self, "competencies", tuple(self.competencies))
        by_activity = MappingProxyType(dict(self.practice_by_activity))
        object.__setattr__(self, "practice_by_activity", by_activity)


# Programs are immutable and loaded once, so their typed rules and profiles are built once each;
# dashboards and totals ask for them on every request. Bounded, because tests build many.
@lru_cache(maxsize=64)
def practice_rules(program: Program) -> PracticeRules:
    """Return the program's activity types, settings and competencies."""
    practice = program.extra.get("practice") or {}
    return PracticeRules(
        activity_types=tuple(
            ActivityType(str(item["key"]), _text(item["label"]), item["counts"] is True)
            for item in practice.get("activity_types") or ()
        ),
        settings=tuple(
            Setting(str(item["key"]), _text(item["label"]))
            for item in practice.get("settings") or ()
        ),
        competencies=tuple(
            Competency(str(item["key"]), _text(item["label"]))
            for item in program.extra.get("competencies") or ()
        ),
    )


def profiles(program: Program, edition: int | None = None) -> dict[str, RequirementProfile]:
    """Return an edition's requirement profiles by slug, the default one first.

    `edition` is the number recorded for the trainee; None means the current edition, the one
    new trainees get. KeyError for an edition the program does not have.
    """
    return dict(_profiles(program, program.edition(edition)))


@lru_cache(maxsize=64)
def _profiles(program: Program, edition: Edition) -> dict[str, RequirementProfile]:
    # The loader has checked program.yaml, so the raw values here have the documented shape.
    found = {
        DEFAULT_PROFILE: _profile(
            program, edition, DEFAULT_PROFILE, edition.requirements,
            f"{program.title} certificate",
        )
    }
    for slug, raw in (edition.profiles or {}).items():
        found[str(slug)] = _profile(program, edition, str(slug), raw, None)
    return found


def profile(
    program: Program, slug: str | None = None, edition: int | None = None
) -> RequirementProfile:
    """Return an edition's profile with this slug (None: the default one) or raise KeyError."""
    return profiles(program, edition)[DEFAULT_PROFILE if slug is None else slug]


def _text(value: Any) -> str:
    return str(value).strip()


def _profile(
    program: Program,
    edition: Edition,
    slug: str,
    raw: Mapping[str, Any],
    default_title: str | None,
) -> RequirementProfile:
    modules = raw.get("modules", "all")
    practice = raw.get("practice") or {}
    renewal = raw.get("renewal") or {}
    based_on = raw.get("based_on")
    return RequirementProfile(
        slug=slug,
        title=_text(raw.get("title") or default_title),
        based_on=_text(based_on) if based_on else None,
        # "all" means every module this edition requires, not every module of the program.
        modules=tuple(
            slug for slug in edition.modules if modules == "all" or slug in modules
        ),
        practice_total_minutes=int(practice.get("total_minutes", 0)),
        practice_by_activity={
            str(key): int(minutes) for key, minutes in (practice.get("by_activity") or {}).items()
        },
        supervision_minutes=int(raw.get("supervision_minutes", 0)),
        competencies=tuple(str(key) for key in raw.get("competencies") or ()),
        validity_months=(
            int(raw["validity_months"]) if raw.get("validity_months") is not None else None
        ),
        renewal_ce_minutes=int(renewal.get("ce_minutes", 0)),
    )
