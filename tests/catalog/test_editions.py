"""Editions: published requirements are fixed by editions.lock, and profiles read per edition."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from lms.catalog.loader import collect, load_catalog
from lms.catalog.profile import profiles
from lms.catalog.services import PublishError, publish_next_edition

from .helpers import REPO_ROOT, VALID_ROOT

EDITIONS_DEMO = Path(__file__).parent / "broken" / "edition-number-skipped" / "program.yaml"


def _demo(tmp_path: Path) -> Path:
    """Copy the demo program with two draft editions (edition 2 adds 'listening')."""
    folder = tmp_path / "courses" / "demo"
    shutil.copytree(VALID_ROOT / "demo", folder)
    text = EDITIONS_DEMO.read_text().replace("  - number: 3", "  - number: 2")
    (folder / "program.yaml").write_text(text)
    return folder


def test_without_a_lock_the_first_edition_is_current_and_each_has_its_own_profiles(
    tmp_path: Path,
) -> None:
    program = load_catalog(_demo(tmp_path).parent).program("demo")
    assert [edition.number for edition in program.editions] == [1, 2]
    assert not any(edition.published for edition in program.editions)
    assert program.current_edition.number == 1
    assert profiles(program, 1)["default"].modules == ("welcome",)
    assert profiles(program, 2)["default"].modules == ("welcome", "listening")
    assert set(profiles(program, 2)) == {"default", "short"}
    assert set(profiles(program)) == {"default"}  # None: the current edition


def test_publishing_moves_new_enrolments_to_the_edition_and_locks_it(tmp_path: Path) -> None:
    folder = _demo(tmp_path)
    first = publish_next_edition(folder, date(2026, 11, 2))
    second = publish_next_edition(folder, date(2026, 12, 1))
    assert (first.number, second.number) == (1, 2)
    lines = [line for line in (folder / "editions.lock").read_text().splitlines()
             if not line.startswith("#")]
    assert lines == [f"1 2026-11-02 {first.fingerprint}", f"2 2026-12-01 {second.fingerprint}"]
    program = load_catalog(folder.parent).program("demo")
    assert program.current_edition.number == 2
    assert program.edition(1).published_on == date(2026, 11, 2)
    with pytest.raises(PublishError, match="already published"):
        publish_next_edition(folder, date(2026, 12, 2))


def test_a_change_to_a_published_edition_is_refused_but_a_new_edition_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _demo(tmp_path)
    publish_next_edition(folder, date(2026, 11, 2))
    monkeypatch.chdir(tmp_path)
    yaml_path = folder / "program.yaml"
    published = yaml_path.read_text()
    # Edition 2 is still a draft: it may change freely.
    yaml_path.write_text(published.replace("      competencies: [listening]\n", ""))
    assert collect(Path("courses")) == []
    # Edition 1 is published: requiring one more module is refused, at the edition's line.
    yaml_path.write_text(published.replace("    modules: [welcome]\n",
                                           "    modules: [welcome, listening]\n"))
    assert [str(problem) for problem in collect(Path("courses"))] == [
        "courses/demo/program.yaml:20: edition 1 was published on 2026-11-02 and its required "
        "modules or profiles have changed since: undo the change, and make it in a new "
        "edition 3 instead"]
    # Comments and layout are not requirements: rewording a comment changes nothing.
    yaml_path.write_text(published.replace("# A small but complete", "# A small, complete"))
    assert collect(Path("courses")) == []


def test_a_module_that_a_published_edition_needs_cannot_be_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _demo(tmp_path)
    publish_next_edition(folder, date(2026, 11, 2))
    monkeypatch.chdir(tmp_path)
    yaml_path = folder / "program.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("  - welcome\n  - listening\n",
                                                       "  - listening\n"))
    (folder / "01-welcome.md").unlink()
    (folder / "02-listening.md").rename(folder / "01-listening.md")
    printed = [str(problem) for problem in collect(Path("courses"))]
    assert ("courses/demo/program.yaml:20: edition 1 requires module 'welcome', which is not in "
            "'modules': a module that an edition requires is never removed or renamed") in printed


def test_the_shipped_program_has_its_first_edition_published_as_eight_modules() -> None:
    program = load_catalog(REPO_ROOT / "courses").program("foundations")
    first = program.edition(1)
    assert first.published
    assert len(first.modules) == 8
    assert profiles(program, 1)["icrc-peer-recovery"].modules == first.modules
