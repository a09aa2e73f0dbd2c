"""Each case under broken/ is the demo program with one defect and the exact lines it prints.

A case with expected.txt holds an error (the checker fails, the loader refuses); a case with
warnings.txt holds content that loads but deserves a second look (lms.catalog.quiz_checks).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lms.catalog.loader import ContentError, load_catalog
from lms.catalog.messages import MESSAGES
from lms.catalog.quiz_checks import WARNINGS, warn_path
from lms.catalog.services import check_path

from .helpers import BROKEN_ROOT, VALID_ROOT, build_case

CASES = sorted(path.parent.name for path in BROKEN_ROOT.glob("*/expected.txt"))
WARNING_CASES = sorted(path.parent.name for path in BROKEN_ROOT.glob("*/warnings.txt"))
# Messages about the argument given to the command rather than about content: tested below.
ARGUMENT_MESSAGES = {"no_such_path", "not_a_module_file"}


@pytest.mark.parametrize("name", CASES)
def test_case_prints_exactly_its_lines(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = build_case(name, tmp_path)
    monkeypatch.chdir(tmp_path)
    assert [str(problem) for problem in check_path(Path("."))] == expected


@pytest.mark.parametrize("name", CASES)
def test_case_stops_the_loader(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = build_case(name, tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ContentError) as raised:
        load_catalog(Path("."), module_url=lambda program, module: f"/{program}/{module}")
    assert [str(problem) for problem in raised.value.problems] == expected


@pytest.mark.parametrize("name", WARNING_CASES)
def test_warning_case_loads_and_prints_exactly_its_warnings(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_case(name, tmp_path)
    monkeypatch.chdir(tmp_path)
    assert check_path(Path(".")) == []
    load_catalog(Path("."), module_url=lambda program, module: f"/{program}/{module}")
    expected = (BROKEN_ROOT / name / "warnings.txt").read_text().splitlines()
    assert [str(warning) for warning in warn_path(Path("."))] == expected


def test_every_case_is_an_error_or_a_warning() -> None:
    folders = {path.name for path in BROKEN_ROOT.iterdir() if path.is_dir()}
    assert set(CASES).isdisjoint(WARNING_CASES)
    assert folders == set(CASES) | set(WARNING_CASES)


def test_every_warning_has_a_case() -> None:
    printed = [
        line.split(": ", 1)[1]
        for name in WARNING_CASES
        for line in (BROKEN_ROOT / name / "warnings.txt").read_text().splitlines()
    ]
    assert all(any(_pattern(t).match(line) for line in printed) for t in WARNINGS.values())


def test_valid_demo_has_no_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(VALID_ROOT)
    assert check_path(Path(".")) == []
    assert warn_path(Path(".")) == []


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile(".*".join(re.escape(part) for part in parts) + "$")


def test_every_message_has_a_broken_case() -> None:
    printed = [
        line.split(": ", 1)[1]
        for name in CASES
        for line in (BROKEN_ROOT / name / "expected.txt").read_text().splitlines()
    ]
    missing = {
        message_id
        for message_id, template in MESSAGES.items()
        if not any(_pattern(template).match(line) for line in printed)
    }
    assert missing == ARGUMENT_MESSAGES


def test_every_case_has_one_defect() -> None:
    for name in CASES:
        lines = (BROKEN_ROOT / name / "expected.txt").read_text().splitlines()
        # A typo in a key is one defect that reads as two lines: unknown key plus missing key.
        assert len(lines) == 1 or name.endswith("-typo"), name
