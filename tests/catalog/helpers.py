"""Shared helpers for the catalog tests (plain functions, so tests run even with --noconftest)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).parent
VALID_ROOT = HERE / "valid"
BROKEN_ROOT = HERE / "broken"
REPO_ROOT = HERE.parent.parent
CONTROL_FILES = {"expected.txt", "warnings.txt", "delete.txt"}


def copy_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copy the valid demo program to tmp_path/courses/demo, chdir to tmp_path, return the copy."""
    shutil.copytree(VALID_ROOT, tmp_path / "courses")
    monkeypatch.chdir(tmp_path)
    return Path("courses") / "demo"


def build_case(name: str, root: Path) -> list[str]:
    """Copy the demo program into root/demo, apply a broken case, return its error lines."""
    case = BROKEN_ROOT / name
    program = root / "demo"
    shutil.copytree(VALID_ROOT / "demo", program)
    for path in case.iterdir():
        if path.suffix == ".latin-1":
            # Kept as UTF-8 in git (tools choke on other encodings) and re-encoded here.
            (program / path.stem).write_bytes(path.read_text().encode("latin-1"))
        elif path.name not in CONTROL_FILES:
            shutil.copyfile(path, program / path.name)
    delete = case / "delete.txt"
    if delete.exists():
        for file_name in delete.read_text().split():
            (program / file_name).unlink()
    expected = case / "expected.txt"
    return expected.read_text().splitlines() if expected.exists() else []


def url(program: str, module: str) -> str:
    """Build module URLs the way the app does, for assertions."""
    return f"/programs/{program}/{module}"
