"""Reconcile the audit chain with the live records it vouches for.

The chain proves its own events were not changed; this proves the records were not changed
behind its back. Each feature describes its audited records as a `Ledger`: how to read every
live row as (key, facts), and how to read the same facts back from the events that recorded
it. A row with no event is unrecorded, an event with no row is missing, and a fact that differs
is altered. Features hand their ledgers in (see lms/cli.py), so audit imports none of them;
they reach this module through lms.audit.services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db

__all__ = ["Facts", "Finding", "Key", "Ledger", "RecordedEvent", "reconcile"]

#: What identifies one audited row, e.g. ("certificate", 7) or ("practice_decision", 3, 1).
Key = tuple[Any, ...]
Facts = dict[str, Any]


@dataclass(frozen=True)
class RecordedEvent:
    """What a ledger reads from one audit event (a plain copy, not the stored row)."""

    seq: int
    kind: str
    subject_id: str
    actor_id: int | None
    about_user_id: int | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class Ledger:
    """One kind of audited record: its live rows, and the events that recorded them."""

    #: How a row is named in findings, e.g. "certificate".
    noun: str
    #: The event kinds that record (or later change) these rows, in chain order.
    event_kinds: tuple[str, ...]
    #: Every live row that must have been recorded, as (key, facts, label).
    rows: Callable[[], Iterable[tuple[Key, Facts, str]]]
    #: The (key, facts) an event records, or None when it records none of these rows.
    #: Facts of later events for the same key update the earlier ones.
    recorded: Callable[[RecordedEvent], tuple[Key, Facts] | None]


@dataclass(frozen=True)
class Finding:
    """One row that does not match the chain."""

    noun: str
    label: str
    problem: str  # "missing", "altered" or "unrecorded"
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.noun} {self.label} is {self.problem}"
        return f"{text}: {self.detail}" if self.detail else text


def _recorded(ledger: Ledger, batch_size: int) -> dict[Key, tuple[Facts, int]]:
    """Fold the ledger's events into the facts last recorded for each key, with the event."""
    query = (select(AuditEvent).where(AuditEvent.kind.in_(ledger.event_kinds))
             .order_by(AuditEvent.seq).execution_options(yield_per=batch_size))
    expected: dict[Key, tuple[Facts, int]] = {}
    result = db.session.scalars(query)
    try:
        for event in result:
            found = ledger.recorded(RecordedEvent(
                event.seq, event.kind, event.subject_id, event.actor_id, event.about_user_id,
                dict(event.payload)))
            if found is None:
                continue
            key, facts = found
            earlier = expected.get(key, ({}, event.seq))[0]
            expected[key] = ({**earlier, **facts}, event.seq)
    finally:
        result.close()
    return expected


def _label_of(key: Key) -> str:
    return "#" + "/".join(str(part) for part in key[1:])


def _differences(live: Facts, recorded: Facts) -> list[str]:
    # Only facts the event recorded are compared: older events recorded fewer.
    return sorted(name for name, value in recorded.items()
                  if name in live and live[name] != value)


def _check(ledger: Ledger, batch_size: int) -> Iterator[Finding]:
    expected = _recorded(ledger, batch_size)
    for key, facts, label in ledger.rows():
        entry = expected.pop(key, None)
        if entry is None:
            yield Finding(ledger.noun, label, "unrecorded",
                          "no audit event records it, so it was added outside Lantern")
            continue
        recorded, seq = entry
        changed = _differences(facts, recorded)
        if changed:
            yield Finding(ledger.noun, label, "altered",
                          f"{', '.join(changed)} differ from audit event #{seq}")
    for key, (_, seq) in sorted(expected.items(), key=lambda item: item[1][1]):
        yield Finding(ledger.noun, _label_of(key), "missing",
                      f"audit event #{seq} records it, but the row is gone")


def reconcile(ledgers: Sequence[Ledger], batch_size: int = 1000) -> list[Finding]:
    """Return every audited row that is missing, altered or unrecorded, ledger by ledger."""
    findings: list[Finding] = []
    for ledger in ledgers:
        findings.extend(_check(ledger, batch_size))
    return findings
