"""Check program.yaml's practice rules, competencies and requirement profiles, line by line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from lms.catalog.fields import SLUG, Fields
from lms.catalog.profile import DEFAULT_PROFILE
from lms.catalog.yamltree import YamlEntry, YamlNode

__all__ = ["PROFILE_KEYS", "Known", "check_practice_and_profiles", "check_profiles"]

ACTIVITY_KEYS = ("key", "label", "counts")
LABELLED_KEYS = ("key", "label")
# The keys of a profile. `requirements:` needs only `modules`; a `profiles:` entry also needs
# `title` and `based_on`. Every other key is optional.
PROFILE_KEYS = (
    "title",
    "based_on",
    "modules",
    "practice",
    "supervision_minutes",
    "competencies",
    "validity_months",
    "renewal",
)
REQUIREMENTS_REQUIRED = ("modules",)
PROFILE_REQUIRED = ("title", "based_on", "modules")
# A certificate stores the profile's slug and title in columns of these sizes.
SLUG_MAX, TITLE_MAX = 64, 200


@dataclass(frozen=True, slots=True)
class Known:
    """The keys profiles may name; None when a list is itself wrong and cannot be judged."""

    modules: frozenset[str] | None
    activities: frozenset[str] | None
    competencies: frozenset[str] | None
    module_listing: str = "modules"  # where `modules` come from, for messages


def check_practice_and_profiles(
    fields: Fields,
    entries: Mapping[str, YamlEntry],
    modules: tuple[tuple[str, int], ...] | None,
) -> Known:
    """Check `practice`, `competencies`, `requirements` and `profiles` of program.yaml."""
    known = Known(
        modules=frozenset(slug for slug, _ in modules) if modules is not None else None,
        activities=_practice(fields, entries.get("practice")),
        competencies=_labelled_list(
            fields, entries.get("competencies"), "competencies", LABELLED_KEYS
        ),
    )
    check_profiles(fields, entries, "", known)
    return known


def check_profiles(
    fields: Fields, entries: Mapping[str, YamlEntry], prefix: str, known: Known,
    modules: frozenset[str] | None = None,
) -> None:
    """Check the `requirements` and `profiles` among entries (top level, or one edition's)."""
    # An edition's profiles may name only the modules that edition requires.
    if modules is not None:
        known = replace(known, modules=modules, module_listing=f"{prefix}modules")
    if "requirements" in entries:
        name = f"{prefix}requirements"
        _profile(fields, entries["requirements"], name, REQUIREMENTS_REQUIRED, known)
    if "profiles" in entries:
        _profiles(fields, entries["profiles"], prefix, known)


def _practice(fields: Fields, entry: YamlEntry | None) -> frozenset[str] | None:
    """Check `practice:`; return its activity type keys (empty when there is no practice)."""
    if entry is None:
        return frozenset()
    practice = fields.mapping(
        entry.node, entry.key_line, "practice.", ("activity_types",), ("settings",)
    )
    if practice is None:
        return None
    activities = _labelled_list(
        fields, practice.get("activity_types"), "practice.activity_types", ACTIVITY_KEYS
    )
    _labelled_list(fields, practice.get("settings"), "practice.settings", LABELLED_KEYS)
    return activities if "activity_types" in practice else None


def _labelled_list(
    fields: Fields, entry: YamlEntry | None, name: str, keys: tuple[str, ...]
) -> frozenset[str] | None:
    """Check a list of `{key, label, ...}` mappings; return the keys, or None if any is bad."""
    if entry is None:
        return frozenset()
    node = entry.node
    if node.items is None:
        fields.wrong(node, f"'{name}'", "a list")
        return None
    if not node.items:
        fields.report(node.line, "empty_value", key=f"'{name}'")
        return None
    first: dict[str, int] = {}
    complete = True
    for number, item in enumerate(node.items, start=1):
        if item.entries is None:
            fields.wrong(item, f"'{name}' item {number}", "a mapping")
            complete = False
            continue
        values = fields.mapping(item, item.line, f"{name}.", keys)
        assert values is not None
        key = fields.slug(values, "key", f"{name}.key")
        fields.text(values, "label", f"{name}.label")
        if "counts" in keys:
            fields.boolean(values, "counts", f"{name}.counts")
        if key is None:
            complete = False
        elif key in first:
            line = values["key"].node.line
            fields.report(line, "listed_twice", key=f"'{name}'", value=key, first=first[key])
        else:
            first[key] = values["key"].node.line
    return frozenset(first) if complete else None


def _profiles(fields: Fields, entry: YamlEntry, prefix: str, known: Known) -> None:
    node = entry.node
    if node.entries is None:
        fields.wrong(node, f"'{prefix}profiles'", "a mapping of profile slugs to profiles")
        return
    if not node.entries:
        fields.report(node.line, "empty_value", key=f"'{prefix}profiles'")
        return
    for slug, profile in node.entries.items():
        if not SLUG.match(slug):
            fields.report(profile.key_line, "bad_slug", key="profile slug", value=slug)
        elif slug == DEFAULT_PROFILE:
            fields.report(profile.key_line, "reserved_profile")
        elif len(slug) > SLUG_MAX:
            fields.report(
                profile.key_line, "too_long", key="profile slug", limit=SLUG_MAX, count=len(slug)
            )
        _profile(fields, profile, f"{prefix}profiles.{slug}", PROFILE_REQUIRED, known)


def _profile(
    fields: Fields, entry: YamlEntry, name: str, required: tuple[str, ...], known: Known
) -> None:
    """Check one requirement profile: `requirements:` or an entry of `profiles:`."""
    optional = tuple(key for key in PROFILE_KEYS if key not in required)
    values = fields.mapping(entry.node, entry.key_line, f"{name}.", required, optional)
    if values is None:
        return
    title = fields.text(values, "title", f"{name}.title")
    if title is not None and len(title) > TITLE_MAX:
        line = values["title"].node.line
        fields.report(line, "too_long", key=f"'{name}.title'", limit=TITLE_MAX, count=len(title))
    fields.text(values, "based_on", f"{name}.based_on")
    if "modules" in values:
        _modules(fields, values["modules"].node, name, known)
    if "practice" in values:
        _practice_minutes(fields, values["practice"], name, known.activities)
    fields.integer(values, "supervision_minutes", f"{name}.supervision_minutes", 0, None)
    if "competencies" in values:
        node = values["competencies"].node
        keys = fields.text_list(node, f"{name}.competencies", allow_empty=True)
        if keys is not None and node.items is not None:
            _names(fields, node.items, f"{name}.competencies", "competencies", known.competencies)
    fields.integer(values, "validity_months", f"{name}.validity_months", 1, None)
    if "renewal" in values:
        renewal = values["renewal"]
        found = fields.mapping(renewal.node, renewal.key_line, f"{name}.renewal.", ("ce_minutes",))
        if found is not None:
            fields.integer(found, "ce_minutes", f"{name}.renewal.ce_minutes", 0, None)
        if "validity_months" not in values:
            fields.report(
                renewal.key_line,
                "renewal_without_expiry",
                key=f"'{name}.renewal'",
                needs=f"{name}.validity_months",
            )


def _modules(fields: Fields, node: YamlNode, name: str, known: Known) -> None:
    if node.value == "all":
        return
    if node.items is None or not all(isinstance(item.value, str) for item in node.items):
        fields.wrong(node, f"'{name}.modules'", "'all' or a list of module slugs")
        return
    _names(fields, node.items, f"{name}.modules", known.module_listing, known.modules)


def _names(
    fields: Fields,
    items: list[YamlNode],
    name: str,
    listing: str,
    listed: frozenset[str] | None,
) -> None:
    """Check that a list names each listed key at most once, and nothing else."""
    first: dict[str, int] = {}
    for item in items:
        value = str(item.value).strip()
        if value in first:
            fields.report(
                item.line, "listed_twice", key=f"'{name}'", value=value, first=first[value]
            )
            continue
        first[value] = item.line
        if listed is not None and value not in listed:
            fields.report(item.line, "not_listed", key=f"'{name}'", value=value, listing=listing)


def _practice_minutes(
    fields: Fields, entry: YamlEntry, name: str, activities: frozenset[str] | None
) -> None:
    prefix = f"{name}.practice."
    values = fields.mapping(
        entry.node, entry.key_line, prefix, (), ("total_minutes", "by_activity")
    )
    if values is None:
        return
    fields.integer(values, "total_minutes", f"{prefix}total_minutes", 0, None)
    by_activity = values.get("by_activity")
    if by_activity is None:
        return
    if by_activity.node.entries is None:
        fields.wrong(by_activity.node, f"'{prefix}by_activity'", "a mapping")
        return
    for key, minutes in by_activity.node.entries.items():
        fields.integer({key: minutes}, key, f"{prefix}by_activity.{key}", 0, None)
        if activities is not None and key not in activities:
            fields.report(
                minutes.key_line,
                "not_listed",
                key=f"'{prefix}by_activity'",
                value=key,
                listing="practice.activity_types",
            )
