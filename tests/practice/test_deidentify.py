"""The de-identification screen against its corpus, and the highlighting it drives."""

from __future__ import annotations

import pytest

from lms.practice.deidentify import KINDS, highlight, screen, summary
from tests.practice.deid_corpus import CLEAN, FLAGGED


def test_corpus_is_big_enough():
    assert len(FLAGGED) >= 40 and len(CLEAN) >= 40
    assert {kind for _, kind in FLAGGED} == set(KINDS)


@pytest.mark.parametrize(("text", "kind"), FLAGGED, ids=[text[:40] for text, _ in FLAGGED])
def test_identifiers_are_flagged(text, kind):
    hits = screen(text)
    assert kind in {hit.kind for hit in hits}, (text, hits)
    for hit in hits:
        assert text[hit.start:hit.end] == hit.text


@pytest.mark.parametrize("text", CLEAN, ids=[text[:40] for text in CLEAN])
def test_clean_reflections_pass(text):
    assert screen(text) == [], text


def test_hits_do_not_overlap_and_email_beats_name():
    hits = screen("Write to Maria.Lopez@example.com or call 555 123 4567.")
    assert [hit.kind for hit in hits] == ["email", "phone"]
    spans = [(hit.start, hit.end) for hit in hits]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_highlight_escapes_everything_and_marks_hits():
    text = "<script>alert(1)</script> Maria Lopez & 555 123 4567"
    marked = str(highlight(text, screen(text)))
    assert "<script>" not in marked and "&lt;script&gt;" in marked and "&amp;" in marked
    assert '<mark title="a name or initials">Maria Lopez' in marked
    assert "(a phone number)</span></mark>" in marked


def test_summary_counts_each_kind_once_in_order():
    hits = screen("Maria Lopez and John Smith, 555 123 4567")
    assert [(kind.key, count) for kind, count in summary(hits)] == [("name", 2), ("phone", 1)]
