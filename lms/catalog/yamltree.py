"""Parse YAML into a tree that keeps the file line of every key and value."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lms.catalog.content import Problem
from lms.catalog.messages import message

__all__ = ["YamlEntry", "YamlNode", "parse_yaml"]

# PyYAML's wording for the usual slips, with the fix an author needs.
YAML_HINTS = (
    ("mapping values are not allowed", "if a value contains ': ', put it in quotes"),
    ("expected <block end>", "check the indentation"),
    ("cannot start any token", "use spaces, not tabs, and quote text starting with @ or `"),
    ("found duplicate anchor", "an '&' in a value: put the value in quotes"),
)


@dataclass(slots=True)
class YamlNode:
    """A YAML value with the file line it starts on; mappings and lists keep their children."""

    line: int
    value: Any
    entries: dict[str, YamlEntry] | None = None  # for mappings, in source order
    items: list[YamlNode] | None = None  # for sequences


@dataclass(slots=True)
class YamlEntry:
    """One key of a YAML mapping, with the line of the key itself."""

    key_line: int
    node: YamlNode


def parse_yaml(
    text: str, path: Path, first_line: int, problems: list[Problem]
) -> tuple[YamlNode | None, bool]:
    """Parse YAML text that starts on file line first_line; return (tree, parsed without error)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        tree = _convert(node, loader, path, first_line, problems) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = first_line + mark.line if mark is not None else first_line
        detail = error.problem or error.context or "invalid YAML"
        hints = [hint for needle, hint in YAML_HINTS if needle in detail]
        detail += f" ({hints[0]})" if hints else ""
        problems.append(Problem.at(path, line, message("yaml_error", error=detail)))
        return None, False
    except yaml.YAMLError as error:
        problems.append(Problem.at(path, first_line, message("yaml_error", error=str(error))))
        return None, False
    except RecursionError:  # an alias that contains itself
        problems.append(
            Problem.at(path, first_line, message("yaml_error", error="recursive alias"))
        )
        return None, False
    finally:
        loader.dispose()
    return tree, True


def _convert(
    node: Node, loader: yaml.SafeLoader, path: Path, first_line: int, problems: list[Problem]
) -> YamlNode:
    line = first_line + node.start_mark.line
    if isinstance(node, MappingNode):
        entries: dict[str, YamlEntry] = {}
        for key_node, value_node in node.value:
            # Use the key as written: YAML would turn `yes:` or `1:` into non-string keys.
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            key_line = first_line + key_node.start_mark.line
            if key in entries:
                first = entries[key].key_line
                problems.append(
                    Problem.at(path, key_line, message("duplicate_key", key=key, first=first))
                )
                continue
            entries[key] = YamlEntry(
                key_line, _convert(value_node, loader, path, first_line, problems)
            )
        value = {key: entry.node.value for key, entry in entries.items()}
        return YamlNode(line, value, entries=entries)
    if isinstance(node, SequenceNode):
        items = [_convert(item, loader, path, first_line, problems) for item in node.value]
        return YamlNode(line, [item.value for item in items], items=items)
    return YamlNode(line, loader.construct_object(node, deep=True))
