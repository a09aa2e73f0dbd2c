"""The in-memory shape of the course catalog: immutable programs, modules and quizzes."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

__all__ = [
    "Catalog",
    "Choice",
    "ContentError",
    "Edition",
    "Module",
    "Problem",
    "Program",
    "Question",
    "QuizSettings",
    "TocEntry",
    "display_path",
]


def display_path(path: Path) -> str:
    """Return path relative to the working directory when it lies inside it, else as given."""
    try:
        return os.fspath(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return os.fspath(path)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the content, printed as `path:line: message`."""

    path: str
    line: int | None
    message: str

    @classmethod
    def at(cls, path: Path, line: int | None, message: str) -> Problem:
        """Build a problem for a file, fixing its display path now (cwd may change later)."""
        return cls(display_path(path), line, message)

    @property
    def sort_key(self) -> tuple[str, int, str]:
        """Order problems by file, then line."""
        return (self.path, self.line or 0, self.message)

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """The content has problems; `problems` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the course content:"
        super().__init__("\n".join([heading, *(str(p) for p in self.problems)]))


@dataclass(frozen=True, slots=True)
class QuizSettings:
    """How a module's quiz is drawn and graded."""

    pass_mark: int  # percent, 1-100
    draw: int  # questions per attempt, 1..pool size
    max_attempts: int  # 0 means unlimited
    cooldown_minutes: int  # wait after a failed attempt


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer option; `key` is stable ("a", "b", ...) so the server can shuffle freely."""

    key: str
    html: str
    correct: bool
    feedback_html: str
    line: int


@dataclass(frozen=True, slots=True)
class Question:
    """One quiz question; `key` is a slug of its heading, unique within the module."""

    key: str
    title: str  # the heading as plain text, for reports
    title_html: str  # the heading rendered inline, for a fieldset's legend
    prompt_html: str  # any scenario or text after the heading; "" when there is none
    multiple: bool
    choices: tuple[Choice, ...]
    explanation_html: str
    line: int

    @property
    def correct_keys(self) -> frozenset[str]:
        """Return the keys of the correct choices."""
        return frozenset(choice.key for choice in self.choices if choice.correct)

    def choice(self, key: str) -> Choice:
        """Return the choice with this key or raise KeyError."""
        for choice in self.choices:
            if choice.key == key:
                return choice
        raise KeyError(key)


@dataclass(frozen=True, slots=True)
class TocEntry:
    """A `##` or `###` lesson heading, for the page's table of contents."""

    level: int
    anchor_id: str
    title: str


# eq=False: modules and programs are compared by identity and stay hashable despite dict fields.
@dataclass(frozen=True, slots=True, eq=False)
class Module:
    """One module: its lesson (HTML rendered once, without the quiz) and its question pool."""

    program_slug: str
    slug: str
    position: int  # 1-based, from program.yaml
    title: str
    minutes: int
    objectives: tuple[str, ...]
    frameworks: Mapping[str, tuple[str, ...]]
    quiz: QuizSettings
    lesson_html: str
    toc: tuple[TocEntry, ...]
    word_count: int
    questions: tuple[Question, ...]
    version: str  # sha256 of the file's bytes
    source_path: Path
    url: str

    def question(self, key: str) -> Question:
        """Return the question with this key or raise KeyError."""
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)


@dataclass(frozen=True, slots=True, eq=False)
class Edition:
    """One edition of a program's requirements: what a trainee who enrols under it must do."""

    number: int  # 1, 2, 3... in program.yaml order
    published_on: date | None  # from editions.lock; None while it is a draft offered to nobody
    modules: tuple[str, ...]  # the module slugs it requires, in program order
    requirements: Mapping[str, Any]  # the raw default profile
    profiles: Mapping[str, Any]  # the raw further profiles, by slug
    fingerprint: str  # sha256 of the above (not of module text), compared with editions.lock
    line: int  # where it starts in program.yaml

    @property
    def published(self) -> bool:
        """Return whether the edition is published (its fingerprint is in editions.lock)."""
        return self.published_on is not None


@dataclass(frozen=True, slots=True, eq=False)
class Program:
    """A program: modules in order, plus its editions of requirements for certification."""

    slug: str
    title: str
    summary: str
    certificate_design: str
    modules: tuple[Module, ...]
    requirements: Mapping[str, Any]  # the current edition's default profile, raw
    extra: Mapping[str, Any]  # reserved top-level keys, raw, for later features
    version: str  # sha256 over program.yaml and every module file
    source_path: Path
    editions: tuple[Edition, ...] = ()  # every edition, oldest first; never empty once loaded

    @property
    def current_edition(self) -> Edition:
        """Return the edition new trainees get: the latest published, else the first."""
        published = [edition for edition in self.editions if edition.published]
        return published[-1] if published else self.editions[0]

    def edition(self, number: int | None = None) -> Edition:
        """Return the edition with this number (None: the current one) or raise KeyError."""
        if number is None:
            return self.current_edition
        for edition in self.editions:
            if edition.number == number:
                return edition
        raise KeyError(number)

    def module(self, slug: str) -> Module:
        """Return the module with this slug or raise KeyError."""
        for module in self.modules:
            if module.slug == slug:
                return module
        raise KeyError(slug)

    def next_module(self, slug: str) -> Module | None:
        """Return the module after this one, or None for the last."""
        position = self.module(slug).position
        return self.modules[position] if position < len(self.modules) else None

    def previous_module(self, slug: str) -> Module | None:
        """Return the module before this one, or None for the first."""
        position = self.module(slug).position
        return self.modules[position - 2] if position > 1 else None


@dataclass(frozen=True, slots=True, eq=False)
class Catalog:
    """Every program found under the courses root, in folder-name order."""

    root: Path
    programs: Mapping[str, Program] = field(default_factory=dict)

    def program(self, slug: str) -> Program:
        """Return the program with this slug or raise KeyError."""
        return self.programs[slug]

    def __iter__(self) -> Iterator[Program]:
        return iter(self.programs.values())

    def __len__(self) -> int:
        return len(self.programs)
