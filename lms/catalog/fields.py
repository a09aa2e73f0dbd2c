"""Read typed values out of a YAML tree, recording a located problem for each bad one."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lms.catalog.content import Problem
from lms.catalog.messages import message
from lms.catalog.yamltree import YamlEntry, YamlNode

__all__ = ["SLUG", "Fields", "describe"]

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def describe(value: Any) -> str:
    """Name the kind of a YAML value the way an author would."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


class Fields:
    """Read typed values out of a YAML mapping, recording a problem for each bad one."""

    def __init__(self, path: Path, where: str, problems: list[Problem]) -> None:
        self.path, self.where, self.problems = path, where, problems

    def report(self, line: int, message_id: str, **values: object) -> None:
        """Record the message with this id at a line of this file."""
        self.problems.append(Problem.at(self.path, line, message(message_id, **values)))

    def wrong(self, node: YamlNode, name: str, expected: str) -> None:
        """Record that a value is not of the expected kind."""
        self.report(node.line, "wrong_type", key=name, expected=expected, got=describe(node.value))

    def mapping(
        self,
        node: YamlNode,
        line: int,
        prefix: str,
        required: Iterable[str],
        optional: Iterable[str] = (),
        moved: Mapping[str, str] | None = None,
    ) -> dict[str, YamlEntry] | None:
        """Return the entries if node is a mapping with every required key and no unknown one."""
        # moved maps keys that belong elsewhere to where they go, for the "did you mean" hint.
        if node.entries is None:
            self.wrong(node, f"'{prefix.rstrip('.')}'", "a mapping")
            return None
        required = tuple(required)
        allowed = required + tuple(optional)
        for key, entry in node.entries.items():
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.75)
                if moved and key in moved:
                    hint = f" (did you mean '{moved[key]}'?)"
                else:
                    hint = f" (did you mean '{prefix}{close[0]}'?)" if close else ""
                self.report(
                    entry.key_line, "unknown_key", where=self.where, key=prefix + key, hint=hint
                )
        for key in required:
            if key not in node.entries:
                self.report(line, "missing_key", where=self.where, key=prefix + key)
        return node.entries

    def text(self, entries: Mapping[str, YamlEntry], key: str, name: str) -> str | None:
        """Return a non-empty text value, or None after recording why not."""
        entry = entries.get(key)
        if entry is None:
            return None
        value = entry.node.value
        if not isinstance(value, str):
            self.wrong(entry.node, f"'{name}'", "text")
            return None
        if not value.strip():
            self.report(entry.node.line, "empty_value", key=f"'{name}'")
            return None
        return value.strip()

    def slug(self, entries: Mapping[str, YamlEntry], key: str, name: str) -> str | None:
        """Return a valid slug value, or None after recording why not."""
        value = self.text(entries, key, name)
        if value is not None and not SLUG.match(value):
            self.report(entries[key].node.line, "bad_slug", key=f"'{name}'", value=value)
            return None
        return value

    def boolean(self, entries: Mapping[str, YamlEntry], key: str, name: str) -> bool | None:
        """Return a true or false value, or None after recording why not."""
        entry = entries.get(key)
        if entry is None:
            return None
        if not isinstance(entry.node.value, bool):
            self.wrong(entry.node, f"'{name}'", "true or false")
            return None
        return entry.node.value

    def integer(
        self, entries: Mapping[str, YamlEntry], key: str, name: str, low: int, high: int | None
    ) -> int | None:
        """Return a whole number within bounds, or None after recording why not."""
        entry = entries.get(key)
        if entry is None:
            return None
        value = entry.node.value
        if isinstance(value, bool) or not isinstance(value, int):
            self.wrong(entry.node, f"'{name}'", "a whole number")
            return None
        if high is not None and not low <= value <= high:
            self.report(
                entry.node.line, "out_of_range", key=f"'{name}'", low=low, high=high, value=value
            )
            return None
        if value < low:
            self.report(entry.node.line, "too_small", key=f"'{name}'", low=low, value=value)
            return None
        return value

    def text_list(self, node: YamlNode, name: str, allow_empty: bool) -> tuple[str, ...] | None:
        """Return a list of non-empty texts, or None after recording why not."""
        if node.items is None:
            self.wrong(node, f"'{name}'", "a list of text")
            return None
        if not node.items and not allow_empty:
            self.report(node.line, "empty_value", key=f"'{name}'")
            return None
        values: list[str] = []
        for number, item in enumerate(node.items, start=1):
            if not isinstance(item.value, str):
                self.wrong(item, f"'{name}' item {number}", "text")
            elif not item.value.strip():
                self.report(item.line, "empty_value", key=f"'{name}' item {number}")
            else:
                values.append(item.value.strip())
        return tuple(values) if len(values) == len(node.items) else None
