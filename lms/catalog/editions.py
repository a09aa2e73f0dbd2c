"""Program editions: each published edition's requirements are fixed by a fingerprint lock.

A trainee keeps the requirements of the edition they enrolled under, so a published edition must
never change. `editions.lock`, committed beside program.yaml, holds one line per published
edition: its number, the date it was published and the SHA-256 of its requirements. The checker
recomputes each fingerprint and refuses a published edition that no longer matches, or one that
has gone. The lock is a file rather than git history because the app checks its content at
start-up on servers that have no repository, and a changed line is plain to see in review.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from lms.catalog.content import Problem
from lms.catalog.fields import Fields
from lms.catalog.messages import message
from lms.catalog.profile_checker import Known, check_profiles
from lms.catalog.yamltree import YamlEntry

__all__ = [
    "EDITION_KEYS",
    "LOCK_NAME",
    "EditionMeta",
    "LockLine",
    "PublishError",
    "check_editions",
    "append_to_lock",
    "fingerprint",
    "read_lock",
]

LOCK_NAME = "editions.lock"
EDITION_KEYS = ("number", "modules", "requirements")
OPTIONAL_EDITION_KEYS = ("profiles",)
LOCK_LINE = re.compile(r"^(\d+) (\d{4}-\d{2}-\d{2}) ([0-9a-f]{64})$")
LOCK_HEADER = (
    "# Published editions of this program: number, date published, fingerprint of its\n"
    "# required modules and profiles. Written by `flask --app wsgi lms courses publish`.\n"
    "# A published edition never changes: trainees enrolled under it keep its requirements.\n"
)


class PublishError(Exception):
    """An edition cannot be published; the message says why."""


@dataclass(frozen=True, slots=True)
class LockLine:
    """One published edition as recorded in editions.lock."""

    number: int
    published_on: date
    fingerprint: str
    line: int


@dataclass(frozen=True, slots=True)
class EditionMeta:
    """One edition of program.yaml once checked."""

    number: int
    line: int
    modules: tuple[str, ...]  # required module slugs, in program order
    requirements: dict[str, Any]
    profiles: dict[str, Any]
    fingerprint: str
    published_on: date | None


def fingerprint(modules: list[str], requirements: Any, profiles: Any) -> str:
    """Return the SHA-256 of an edition's required modules and profiles (never of module text)."""
    content = {"modules": list(modules), "requirements": requirements, "profiles": profiles or {}}
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def read_lock(path: Path, problems: list[Problem]) -> dict[int, LockLine]:
    """Read editions.lock (absent: nothing is published yet), recording any malformed line."""
    if not path.is_file():
        return {}
    found: dict[int, LockLine] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem.at(path, None, message("not_utf8")))
        return {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = LOCK_LINE.match(line)
        published_on = _date(match.group(2)) if match else None
        if match is None or published_on is None:
            problems.append(Problem.at(path, number, message("lock_bad_line")))
            continue
        edition = int(match.group(1))
        if edition in found:
            problems.append(Problem.at(path, number, message(
                "listed_twice", key=f"'{LOCK_NAME}'", value=edition, first=found[edition].line)))
            continue
        found[edition] = LockLine(edition, published_on, match.group(3), number)
    return found


def _mapping(value: Any) -> dict[str, Any]:
    """Return a copy of a mapping; anything else (already reported as wrong) is empty."""
    return dict(value) if isinstance(value, dict) else {}


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def check_editions(
    fields: Fields,
    entries: Mapping[str, YamlEntry],
    modules: tuple[tuple[str, int], ...] | None,
    known: Known,
) -> tuple[EditionMeta, ...] | None:
    """Check the editions (or the one implicit edition) against each other and editions.lock."""
    lock = read_lock(fields.path.parent / LOCK_NAME, fields.problems)
    listed = [slug for slug, _ in modules] if modules is not None else None
    if "editions" not in entries:
        if "requirements" not in entries or listed is None:
            return None
        # Without `editions:`, the top-level requirements are edition 1 and require every module.
        requirements = entries["requirements"]
        profiles = entries["profiles"].node.value if "profiles" in entries else {}
        editions = [EditionMeta(
            1, requirements.key_line, tuple(listed), _mapping(requirements.node.value),
            _mapping(profiles), fingerprint(listed, requirements.node.value, profiles), None)]
    else:
        for key in ("requirements", "profiles"):
            if key in entries:
                fields.report(entries[key].key_line, "beside_editions", key=key)
        found = _editions(fields, entries["editions"], listed, known)
        if found is None:
            return None
        editions = found
    return _against_lock(fields, editions, lock)


def _editions(
    fields: Fields, entry: YamlEntry, listed: list[str] | None, known: Known
) -> list[EditionMeta] | None:
    node = entry.node
    if node.items is None:
        fields.wrong(node, "'editions'", "a list of editions")
        return None
    if not node.items:
        fields.report(node.line, "empty_value", key="'editions'")
        return None
    before = len(fields.problems)
    editions: list[EditionMeta] = []
    for position, item in enumerate(node.items, start=1):
        prefix = f"editions.{position}."
        values = fields.mapping(item, item.line, prefix, EDITION_KEYS, OPTIONAL_EDITION_KEYS)
        if values is None:
            continue
        number = fields.integer(values, "number", f"{prefix}number", 1, None)
        if number is not None and number != position:
            fields.report(values["number"].node.line, "edition_number", expected=position,
                          got=number)
        required = _required_modules(fields, values.get("modules"), prefix, listed, position)
        check_profiles(fields, values, prefix, known,
                       frozenset(required) if required is not None else None)
        if required is None or "requirements" not in values:
            continue
        profiles = values["profiles"].node.value if "profiles" in values else {}
        requirements = values["requirements"].node.value
        editions.append(EditionMeta(
            position, item.line, required,
            _mapping(requirements), _mapping(profiles),
            fingerprint(list(required), requirements, profiles), None))
    return editions if len(fields.problems) == before else None


def _required_modules(
    fields: Fields, entry: YamlEntry | None, prefix: str, listed: list[str] | None,
    number: int,
) -> tuple[str, ...] | None:
    """Check an edition's explicit module list; return it in program order."""
    if entry is None:
        return None
    slugs = fields.text_list(entry.node, f"{prefix}modules", allow_empty=False)
    if slugs is None or entry.node.items is None:
        return None
    first: dict[str, int] = {}
    complete = True
    for slug, item in zip(slugs, entry.node.items, strict=True):
        if slug in first:
            fields.report(item.line, "listed_twice", key=f"'{prefix}modules'", value=slug,
                          first=first[slug])
            complete = False
            continue
        first[slug] = item.line
        if listed is not None and slug not in listed:
            fields.report(item.line, "edition_needs_module", number=number, slug=slug)
            complete = False
    if not complete or listed is None:
        return None
    return tuple(slug for slug in listed if slug in first)


def _against_lock(
    fields: Fields, editions: list[EditionMeta], lock: dict[int, LockLine]
) -> tuple[EditionMeta, ...] | None:
    before = len(fields.problems)
    lock_path = fields.path.parent / LOCK_NAME
    numbers = {edition.number for edition in editions}
    for line in lock.values():
        if line.number not in numbers:
            fields.problems.append(Problem.at(lock_path, line.line, message(
                "edition_removed", number=line.number, date=line.published_on)))
    checked: list[EditionMeta] = []
    for edition in editions:
        locked = lock.get(edition.number)
        if locked is not None and locked.fingerprint != edition.fingerprint:
            fields.report(edition.line, "edition_changed", number=edition.number,
                          date=locked.published_on, next=len(editions) + 1)
        later = [other.number for other in editions
                 if other.number > edition.number and other.number in lock]
        if locked is None and later:
            fields.report(edition.line, "edition_not_published", number=edition.number,
                          later=later[0])
        published_on = locked.published_on if locked is not None else None
        checked.append(EditionMeta(edition.number, edition.line, edition.modules,
                                   edition.requirements, edition.profiles, edition.fingerprint,
                                   published_on))
    return tuple(checked) if len(fields.problems) == before else None


def append_to_lock(path: Path, line: str) -> None:
    """Add a published edition's line to editions.lock, creating it with its header."""
    existing = path.read_text(encoding="utf-8") if path.is_file() else LOCK_HEADER
    if existing and not existing.endswith("\n"):
        existing += "\n"
    path.write_text(existing + line + "\n", encoding="utf-8")
