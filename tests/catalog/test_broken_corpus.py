"""Each case under broken/ is the demo program with one defect and the exact lines it prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lms.catalog.loader import ContentError, load_catalog
from lms.catalog.messages import MESSAGES
from lms.catalog.services import check_path

from .helpers import BROKEN_ROOT, VALID_ROOT, build_case

CASES = sorted(path.name for path in BROKEN_ROOT.iterdir() if path.is_dir())
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


def test_valid_demo_has_no_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(VALID_ROOT)
    assert check_path(Path(".")) == []


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
