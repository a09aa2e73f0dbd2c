"""check_path accepts a courses root, a program folder or one file, like the CLI does."""

from __future__ import annotations

import shutil
from pathlib import Path

from lms.catalog.services import check_path

from .helpers import VALID_ROOT, copy_demo


def break_listening(demo: Path) -> None:
    path = demo / "02-listening.md"
    path.write_text(path.read_text().replace("pass_mark: 70", "pass_mark: 170"))


def test_root_program_and_file_are_all_clean(tmp_path, monkeypatch) -> None:
    demo = copy_demo(tmp_path, monkeypatch)
    assert check_path(Path("courses")) == []
    assert check_path(demo) == []
    assert check_path(demo / "01-welcome.md") == []
    assert check_path(demo / "program.yaml") == []


def test_a_file_reports_only_its_own_problems(tmp_path, monkeypatch) -> None:
    demo = copy_demo(tmp_path, monkeypatch)
    break_listening(demo)
    expected = [
        "courses/demo/02-listening.md:10: 'quiz.pass_mark' must be between 1 and 100 (got 170)"
    ]
    assert [str(p) for p in check_path(demo / "02-listening.md")] == expected
    assert check_path(demo / "01-welcome.md") == []
    assert [str(p) for p in check_path(demo)] == expected
    assert [str(p) for p in check_path(Path("courses"))] == expected


def test_a_file_is_checked_against_its_program(tmp_path, monkeypatch) -> None:
    demo = copy_demo(tmp_path, monkeypatch)
    (demo / "program.yaml").write_text(
        (demo / "program.yaml").read_text().replace("  - listening\n", "")
    )
    assert [str(p) for p in check_path(demo / "02-listening.md")] == [
        "courses/demo/02-listening.md:1: module 'listening' is not listed in program.yaml"
    ]


def test_absolute_paths_inside_the_working_directory_print_relative(tmp_path, monkeypatch):
    demo = copy_demo(tmp_path, monkeypatch)
    break_listening(demo)
    [problem] = check_path((tmp_path / demo / "02-listening.md").resolve())
    assert problem.path == "courses/demo/02-listening.md"


def test_a_module_without_a_program_is_still_checked(tmp_path, monkeypatch) -> None:
    loose = tmp_path / "loose"
    loose.mkdir()
    shutil.copy(VALID_ROOT / "demo" / "01-welcome.md", loose)
    monkeypatch.chdir(tmp_path)
    assert [str(p) for p in check_path(Path("loose/01-welcome.md"))] == [
        "loose/01-welcome.md:23: broken link '02-listening.md': there is no file "
        "02-listening.md in this program",
        "loose/01-welcome.md:24: broken link '02-listening.md#open-questions': there is no file "
        "02-listening.md in this program",
    ]


def test_arguments_that_are_not_content(tmp_path, monkeypatch) -> None:
    demo = copy_demo(tmp_path, monkeypatch)
    (demo / "notes.txt").write_text("scratch\n")
    assert [str(p) for p in check_path(Path("courses/missing.md"))] == [
        "courses/missing.md: no such file or directory"
    ]
    assert [str(p) for p in check_path(demo / "notes.txt")] == [
        "courses/demo/notes.txt: not a module file: name it NN-<slug>.md (or check a folder)"
    ]
    # Files other than *.md are not content, so the folder itself stays clean.
    assert check_path(demo) == []


def test_a_readme_in_a_program_folder_is_allowed(tmp_path, monkeypatch) -> None:
    demo = copy_demo(tmp_path, monkeypatch)
    (demo / "README.md").write_text("# Notes for authors\n")
    assert check_path(Path("courses")) == []


def test_problems_come_sorted_by_file_then_line(tmp_path, monkeypatch) -> None:
    demo = copy_demo(tmp_path, monkeypatch)
    break_listening(demo)
    welcome = demo / "01-welcome.md"
    welcome.write_text(
        welcome.read_text()
        .replace("minutes: 30", "minutes: 0")
        .replace("  > Prescribing is not part of the peer role.\n", "")
    )
    assert [(p.path, p.line) for p in check_path(Path("courses"))] == [
        ("courses/demo/01-welcome.md", 4),
        ("courses/demo/01-welcome.md", 58),
        ("courses/demo/02-listening.md", 10),
    ]
