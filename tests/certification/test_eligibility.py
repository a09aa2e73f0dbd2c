"""Eligibility is a pure function of the requirement profile and the trainee's records."""

from __future__ import annotations

from datetime import date

from lms.catalog.profile import ActivityType, Competency, PracticeRules, RequirementProfile
from lms.certification.eligibility import Records, counted_minutes, evaluate

RULES = PracticeRules(
    activity_types=(ActivityType("one-to-one", "One-to-one", True),
                    ActivityType("group", "Group", True),
                    ActivityType("supervision-received", "Supervision received", False)),
    settings=(),
    competencies=(Competency("listening", "Listens"), Competency("boundaries", "Boundaries")),
)
PROFILE = RequirementProfile(
    slug="default", title="Test certificate", based_on=None, modules=("a", "b"),
    practice_total_minutes=600, practice_by_activity={"one-to-one": 300},
    supervision_minutes=120, competencies=("listening",), validity_months=24,
    renewal_ce_minutes=300,
)
TITLES = {"a": "Module A", "b": "Module B"}


def test_nothing_done_lists_everything_missing():
    result = evaluate(PROFILE, RULES, TITLES, Records())
    assert not result.met
    assert [(r.kind, r.key) for r in result.missing] == [
        ("module", "a"), ("module", "b"), ("practice", "total"), ("activity", "one-to-one"),
        ("supervision", "supervision"), ("competency", "listening")]
    assert result.missing[2].remaining == 600


def test_supervision_received_does_not_count_toward_practice():
    minutes = {"one-to-one": 300, "supervision-received": 400}
    assert counted_minutes(RULES, minutes) == 300
    result = evaluate(PROFILE, RULES, TITLES, Records(
        passed_modules={"a": 90, "b": 85}, approved_minutes_by_activity=minutes,
        supervision_minutes=120, observed_competencies={"listening": date(2026, 1, 5)}))
    assert [(r.kind, r.done, r.needed) for r in result.missing] == [("practice", 300, 600)]


def test_everything_done_is_met():
    result = evaluate(PROFILE, RULES, TITLES, Records(
        passed_modules={"a": 90, "b": 85},
        approved_minutes_by_activity={"one-to-one": 300, "group": 300},
        supervision_minutes=150, observed_competencies={"listening": date(2026, 1, 5)}))
    assert result.met and result.missing == ()
    assert all(requirement.met for requirement in result.requirements)


def test_a_profile_without_practice_only_needs_modules():
    modules_only = RequirementProfile(
        slug="m", title="Modules only", based_on=None, modules=("a",), practice_total_minutes=0,
        practice_by_activity={}, supervision_minutes=0, competencies=(), validity_months=None,
        renewal_ce_minutes=0)
    assert evaluate(modules_only, RULES, TITLES, Records(passed_modules={"a": 80})).met
    assert not evaluate(modules_only, RULES, TITLES, Records()).met
