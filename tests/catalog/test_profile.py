"""Practice rules and requirement profiles are typed views of a checked program.yaml."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from lms.catalog.loader import load_catalog
from lms.catalog.profile import (
    DEFAULT_PROFILE,
    ActivityType,
    Competency,
    PracticeRules,
    RequirementProfile,
    Setting,
    practice_rules,
    profile,
    profiles,
)

from .helpers import REPO_ROOT, VALID_ROOT, copy_demo, url


@pytest.fixture(scope="module")
def demo():
    return load_catalog(VALID_ROOT, module_url=url).program("demo")


@pytest.fixture(scope="module")
def foundations():
    return load_catalog(REPO_ROOT / "courses").program("foundations")


def _load_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit) -> object:
    """Load the demo after edit(text) -> text changes its program.yaml."""
    folder = copy_demo(tmp_path, monkeypatch)
    path = folder / "program.yaml"
    path.write_text(edit(path.read_text()))
    return load_catalog(Path("courses")).program("demo")


def test_practice_rules_are_typed_and_in_file_order(demo) -> None:
    rules = practice_rules(demo)
    assert rules == PracticeRules(
        activity_types=(
            ActivityType("one-to-one", "One-to-one peer support", True),
            ActivityType("supervision-received", "Supervision received", False),
        ),
        settings=(Setting("in-person", "In person"),),
        competencies=(
            Competency("listening", "Listens actively"),
            Competency("boundaries", "Keeps clear boundaries"),
        ),
    )
    assert rules.counted_keys == frozenset({"one-to-one"})
    assert rules.activity("supervision-received").counts is False
    assert rules.setting("in-person").label == "In person"
    assert rules.competency("boundaries").label == "Keeps clear boundaries"
    for lookup in (rules.activity, rules.setting, rules.competency):
        with pytest.raises(KeyError):
            lookup("nope")


def test_the_default_profile_comes_first_then_profiles_in_file_order(demo) -> None:
    found = profiles(demo)
    assert list(found) == [DEFAULT_PROFILE, "short"]
    assert found["default"] == RequirementProfile(
        slug="default",
        title="Demo Program certificate",
        based_on=None,
        modules=("welcome", "listening"),
        practice_total_minutes=600,
        practice_by_activity={"one-to-one": 300},
        supervision_minutes=120,
        competencies=("listening",),
        validity_months=24,
        renewal_ce_minutes=300,
    )
    assert found["short"] == RequirementProfile(
        slug="short",
        title="Demo Short Certificate",
        based_on="A made-up credential, for the tests",
        modules=("welcome",),
        practice_total_minutes=60,
        practice_by_activity={},
        supervision_minutes=0,
        competencies=("boundaries",),
        validity_months=None,
        renewal_ce_minutes=0,
    )


def test_profile_picks_by_slug_with_the_default_for_none(demo) -> None:
    assert profile(demo) == profile(demo, "default") == profiles(demo)["default"]
    assert profile(demo, "short").title == "Demo Short Certificate"
    with pytest.raises(KeyError):
        profile(demo, "nope")


def test_listed_modules_come_in_program_order(tmp_path, monkeypatch) -> None:
    program = _load_demo(
        tmp_path,
        monkeypatch,
        lambda text: text.replace("modules: [welcome]", "modules: [listening, welcome]"),
    )
    assert profile(program, "short").modules == ("welcome", "listening")


def test_requirements_title_and_based_on_are_used_when_given(tmp_path, monkeypatch) -> None:
    program = _load_demo(
        tmp_path,
        monkeypatch,
        lambda text: text.replace(
            "  modules: all\n",
            "  modules: all\n  title: '  Demo Certificate '\n  based_on: Our own rules\n",
        ),
    )
    chosen = profile(program)
    assert (chosen.title, chosen.based_on) == ("Demo Certificate", "Our own rules")


def test_a_program_without_practice_or_profiles_has_empty_rules(tmp_path, monkeypatch) -> None:
    def minimal(text: str) -> str:
        return text.split("requirements:")[0] + "requirements:\n  modules: []\n"

    program = _load_demo(tmp_path, monkeypatch, minimal)
    assert practice_rules(program) == PracticeRules((), (), ())
    assert practice_rules(program).counted_keys == frozenset()
    assert list(profiles(program)) == ["default"]
    chosen = profile(program)
    assert chosen.modules == ()
    assert (chosen.practice_total_minutes, dict(chosen.practice_by_activity)) == (0, {})
    assert (chosen.supervision_minutes, chosen.competencies) == (0, ())
    assert (chosen.validity_months, chosen.renewal_ce_minutes) == (None, 0)


def test_profiles_are_frozen_and_hashable(demo) -> None:
    chosen = profile(demo)
    with pytest.raises(dataclasses.FrozenInstanceError):
        chosen.supervision_minutes = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        chosen.practice_by_activity["one-to-one"] = 0  # type: ignore[index]
    assert hash(chosen) == hash(profile(demo))
    with pytest.raises(dataclasses.FrozenInstanceError):
        practice_rules(demo).activity_types[0].counts = False  # type: ignore[misc]


def test_profiles_accept_lists_and_dicts_and_store_tuples() -> None:
    by_activity = {"group": 60}
    built = RequirementProfile(
        slug="x",
        title="X",
        based_on=None,
        modules=["a"],  # type: ignore[arg-type]
        practice_total_minutes=0,
        practice_by_activity=by_activity,
        supervision_minutes=0,
        competencies=["c"],  # type: ignore[arg-type]
        validity_months=None,
        renewal_ce_minutes=0,
    )
    by_activity["group"] = 0  # the profile keeps its own copy
    assert (built.modules, built.competencies) == (("a",), ("c",))
    assert built.practice_by_activity == {"group": 60}


def test_the_raw_values_stay_on_the_program(demo) -> None:
    profiles(demo)
    assert demo.requirements["modules"] == "all"
    assert demo.extra["profiles"]["short"]["modules"] == ["welcome"]


def test_foundations_default_profile_is_unchanged(foundations) -> None:
    chosen = profile(foundations)
    assert chosen.title == "Peer Support Foundations certificate"
    assert chosen.modules == tuple(module.slug for module in foundations.modules)
    assert (chosen.practice_total_minutes, dict(chosen.practice_by_activity)) == (
        1200,
        {"one-to-one": 600},
    )
    assert chosen.supervision_minutes == 240
    assert chosen.competencies == (
        "active-listening",
        "self-disclosure",
        "boundaries",
        "confidentiality",
        "crisis-response",
    )
    assert (chosen.validity_months, chosen.renewal_ce_minutes) == (24, 600)
    assert practice_rules(foundations).counted_keys == frozenset(
        {"one-to-one", "group", "role-play", "shadowing"}
    )


def test_foundations_ships_a_profile_modelled_on_icrc_peer_recovery(foundations) -> None:
    """IC&RC PR: 500 h of work, 25 h of supervision, 20 h of CE every 2 years."""
    assert list(profiles(foundations)) == ["default", "icrc-peer-recovery"]
    chosen = profile(foundations, "icrc-peer-recovery")
    assert chosen.practice_total_minutes == 500 * 60
    assert chosen.supervision_minutes == 25 * 60
    assert (chosen.validity_months, chosen.renewal_ce_minutes) == (24, 20 * 60)
    assert chosen.based_on and "internationalcredentialing.org/icrc-credentials/pr" in (
        chosen.based_on
    )
    assert "modelled on" in chosen.title  # it is not the IC&RC credential itself
    assert chosen.competencies == ()  # PR asks for no observed competencies
    text = (REPO_ROOT / "courses" / "foundations" / "program.yaml").read_text()
    for untracked in ("46 h of training", "Examination", "code of ethics", "diploma"):
        assert untracked in text


def test_every_shipped_profile_names_only_what_its_program_has() -> None:
    for program in load_catalog(REPO_ROOT / "courses"):
        rules = practice_rules(program)
        slugs = {module.slug for module in program.modules}
        for chosen in profiles(program).values():
            assert set(chosen.modules) <= slugs
            assert set(chosen.practice_by_activity) <= {a.key for a in rules.activity_types}
            assert set(chosen.competencies) <= {c.key for c in rules.competencies}
            assert chosen.title and len(chosen.title) <= 200
