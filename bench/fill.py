"""Best-effort rows for the practice-entry table, built from its columns alone.

The practice feature is written in parallel with the bench, so this filler reads the table's
columns instead of importing names that may not exist yet: every required column gets a
plausible value from its type and name. If the real schema has a rule this cannot guess, the
insert fails and bench/run.py reports it; replace this filler with one that calls the practice
services' own row builder once it exists.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Enum, Integer, String, Table, Text

from lms.catalog.content import Program
from lms.models import utcnow

REFLECTION = ("Practised open questions and reflections; next time I will leave more silence "
              "before summarising.")
#: The share of entries per status, when the status column offers these values.
STATUS_MIX = (("approved", 7), ("submitted", 2), ("draft", 1))


def _enum_values(column_type: Enum) -> list[str]:
    values = []
    for value in column_type.enums:
        values.append(value.value if isinstance(value, enum.Enum) else str(value))
    return values


def _status_for(number: int, values: list[str]) -> str:
    cycle = [name for name, weight in STATUS_MIX if name in values for _ in range(weight)]
    return cycle[number % len(cycle)] if cycle else values[0]


def _text_for(name: str, program: Program, number: int, length: int | None) -> str:
    practice = getattr(program, "practice", None)
    activities = [item.key for item in getattr(practice, "activity_types", ())] or ["one-to-one"]
    settings = [item.key for item in getattr(practice, "settings", ())] or ["in-person"]
    if "activity" in name:
        value = activities[number % len(activities)]
    elif "setting" in name:
        value = settings[number % len(settings)]
    elif "program" in name:
        value = program.slug
    elif "version" in name or "hash" in name:
        value = "0" * 64
    else:
        value = REFLECTION
    return value[:length] if length else value


def _value(column: Any, program: Program, number: int, trainee: int, supervisor: int,
           now: datetime) -> Any:
    """Return a value for one required column of entry `number`."""
    name, kind = column.name, column.type
    if column.foreign_keys:
        target = next(iter(column.foreign_keys)).column.table.name
        if target == "user":
            return trainee if ("trainee" in name or name == "user_id") else supervisor
        return None
    if isinstance(kind, Enum):
        values = _enum_values(kind)
        return _status_for(number, values) if "status" in name else values[0]
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return 30 + (number % 7) * 15 if "minute" in name else 1
    if isinstance(kind, DateTime):
        return now - timedelta(hours=number % 5000)
    if isinstance(kind, Date):
        return date.today() - timedelta(days=number % 365)
    if isinstance(kind, JSON):
        competencies = [item.key for item in getattr(program, "competencies", ())][:2]
        return competencies if "competenc" in name else {}
    if isinstance(kind, String | Text):
        return _text_for(name, program, number, getattr(kind, "length", None))
    return None


def practice_rows(table: Table, program: Program, trainee_ids: list[int],
                  supervisor_of: Callable[[int], int], entries: int) -> Iterator[dict[str, Any]]:
    """Yield `entries` practice rows spread evenly over the trainees."""
    now = utcnow()
    required = [column for column in table.columns
                if not column.primary_key and not column.nullable
                and column.default is None and column.server_default is None]
    status = [column for column in table.columns if "status" in column.name
              and column not in required and isinstance(column.type, Enum)]
    reviewed = [column for column in table.columns if column.nullable and column.name.endswith(
        ("_at", "_by_id")) and any(word in column.name for word in ("approv", "decid", "review",
                                                                      "submit"))]
    for number in range(entries):
        trainee = trainee_ids[number % len(trainee_ids)]
        supervisor = supervisor_of(trainee)
        row = {column.name: _value(column, program, number, trainee, supervisor, now)
               for column in required}
        for column in status:
            row[column.name] = _status_for(number, _enum_values(column.type))
        state = next((value for key, value in row.items() if "status" in key), "")
        if state in ("approved", "submitted"):
            # Fill the matching "when" and "by whom" columns that such a status usually needs.
            for column in reviewed:
                if state == "submitted" and "submit" not in column.name:
                    continue
                row[column.name] = supervisor if column.name.endswith("_by_id") else now
        yield row
