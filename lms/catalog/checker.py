"""Check course content against the format in docs/authoring.md and name each problem's line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lms.catalog.content import Problem, QuizSettings
from lms.catalog.editions import EditionMeta, check_editions
from lms.catalog.fields import SLUG, Fields
from lms.catalog.messages import message
from lms.catalog.parser import LinkRef, ModuleSource, ProgramSource
from lms.catalog.profile_checker import check_practice_and_profiles
from lms.catalog.yamltree import YamlEntry

__all__ = [
    "FILE_NAME",
    "FrontMatter",
    "ProgramMeta",
    "check_front_matter",
    "check_links",
    "check_program_files",
    "check_program_yaml",
    "check_quiz",
    "classify_link",
]

FILE_NAME = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
MODULE_LINK = re.compile(r"^(?:\./)?(\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*\.md)(?:#(.*))?$")
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

MODULE_KEYS = ("title", "slug", "minutes", "objectives", "frameworks", "quiz")
QUIZ_KEYS = ("pass_mark", "draw", "max_attempts", "cooldown_minutes")
PROGRAM_KEYS = ("slug", "title", "summary", "certificate_design", "modules")
# `requirements` is required unless `editions` holds the requirements, edition by edition.
OPTIONAL_PROGRAM_KEYS = ("requirements", "editions", "practice", "competencies", "profiles")

# Reserved for features still to come: accepted now so content can be written ahead of them.
RESERVED_PROGRAM_KEYS = ("credential",)
# Keys once reserved at the top level that now live inside another key.
MOVED_PROGRAM_KEYS = {
    "activity_types": "practice.activity_types",
    "settings": "practice.settings",
    "validity_months": "requirements.validity_months",
    "renewal": "requirements.renewal",
}
MIN_CHOICES, MAX_CHOICES, MIN_POOL = 3, 5, 10


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A module's front matter once every key has been checked."""

    title: str
    slug: str
    minutes: int
    objectives: tuple[str, ...]
    frameworks: dict[str, tuple[str, ...]]
    quiz: QuizSettings
    draw_line: int


@dataclass(frozen=True, slots=True)
class ProgramMeta:
    """program.yaml once every key has been checked; modules are (slug, line) in order."""

    slug: str
    title: str
    summary: str
    certificate_design: str
    modules: tuple[tuple[str, int], ...]
    requirements: dict[str, Any]  # the current edition's
    extra: dict[str, Any]
    editions: tuple[EditionMeta, ...]


def check_front_matter(source: ModuleSource, expected_slug: str | None) -> FrontMatter | None:
    """Check a module's front matter; return its values, or None if any are wrong."""
    if source.front is None:
        return None
    before = len(source.problems)
    fields = Fields(source.path, "front-matter", source.problems)
    if source.front.entries is None:
        fields.report(source.front.line, "not_a_mapping", what="front matter")
        return None
    entries = fields.mapping(source.front, source.front_line, "", MODULE_KEYS)
    assert entries is not None
    title = fields.text(entries, "title", "title")
    slug = fields.slug(entries, "slug", "slug")
    if slug is not None and expected_slug is not None and slug != expected_slug:
        fields.report(
            entries["slug"].node.line,
            "slug_mismatch",
            slug=slug,
            thing="file",
            expected=expected_slug,
        )
    minutes = fields.integer(entries, "minutes", "minutes", 1, None)
    objectives = (
        fields.text_list(entries["objectives"].node, "objectives", allow_empty=False)
        if "objectives" in entries
        else None
    )
    frameworks = _frameworks(fields, entries.get("frameworks"))
    quiz, draw_line = None, 0
    if "quiz" in entries:
        quiz_node, quiz_line = entries["quiz"].node, entries["quiz"].key_line
        quiz_entries = fields.mapping(quiz_node, quiz_line, "quiz.", QUIZ_KEYS)
        if quiz_entries is not None:
            values = (
                fields.integer(quiz_entries, "pass_mark", "quiz.pass_mark", 1, 100),
                fields.integer(quiz_entries, "draw", "quiz.draw", 1, None),
                fields.integer(quiz_entries, "max_attempts", "quiz.max_attempts", 0, None),
                fields.integer(quiz_entries, "cooldown_minutes", "quiz.cooldown_minutes", 0, None),
            )
            if all(value is not None for value in values):
                quiz = QuizSettings(*values)  # type: ignore[arg-type]
                draw_line = quiz_entries["draw"].node.line
    if len(source.problems) > before:
        return None
    assert title and slug and minutes and objectives is not None and frameworks is not None
    assert quiz is not None
    return FrontMatter(title, slug, minutes, objectives, frameworks, quiz, draw_line)


def _frameworks(fields: Fields, entry: YamlEntry | None) -> dict[str, tuple[str, ...]] | None:
    if entry is None:
        return None
    if entry.node.entries is None:
        fields.wrong(entry.node, "'frameworks'", "a mapping")
        return None
    result: dict[str, tuple[str, ...]] = {}
    for name, framework in entry.node.entries.items():
        values = fields.text_list(framework.node, f"frameworks.{name}", allow_empty=True)
        if values is not None:
            result[name] = values
    return result if len(result) == len(entry.node.entries) else None


def check_quiz(source: ModuleSource, front: FrontMatter | None) -> list[Problem]:
    """Check every question of a module's quiz and the pool against the quiz settings."""
    problems: list[Problem] = []

    def report(line: int, message_id: str, **values: object) -> None:
        problems.append(Problem.at(source.path, line, message(message_id, **values)))

    first_line: dict[str, int] = {}
    for question in source.questions:
        if question.title:
            if question.key in first_line:
                report(
                    question.line,
                    "duplicate_question",
                    title=question.title,
                    first=first_line[question.key],
                )
            else:
                first_line[question.key] = question.line
        if not question.choices:
            report(question.line, "no_choices")
        else:
            if not MIN_CHOICES <= len(question.choices) <= MAX_CHOICES:
                report(question.line, "choice_count", count=len(question.choices))
            if not any(choice.correct for choice in question.choices):
                report(question.line, "no_correct_choice")
        for choice in question.choices:
            if not choice.text:
                report(choice.line, "empty_choice")
            if not choice.feedback:
                report(choice.line, "no_feedback")
        if not question.explanation:
            report(question.explanation_line or question.line, "no_explanation")
    if source.quiz_line is not None:
        count = len(source.questions)
        if count < MIN_POOL:
            report(source.quiz_line, "pool_too_small", count=count)
        if front is not None and front.quiz.draw > count:
            report(front.draw_line, "draw_exceeds_pool", draw=front.quiz.draw, count=count)
    return problems


def check_program_yaml(source: ProgramSource, folder_name: str) -> ProgramMeta | None:
    """Check program.yaml; return its values, or None if any are wrong."""
    if source.root is None:
        if not source.problems:
            source.problems.append(
                Problem.at(source.path, 1, message("not_a_mapping", what="program.yaml"))
            )
        return None
    before = len(source.problems)
    fields = Fields(source.path, "program.yaml", source.problems)
    if source.root.entries is None:
        fields.report(source.root.line, "not_a_mapping", what="program.yaml")
        return None
    entries = fields.mapping(
        source.root,
        1,
        "",
        PROGRAM_KEYS,
        OPTIONAL_PROGRAM_KEYS + RESERVED_PROGRAM_KEYS,
        moved=MOVED_PROGRAM_KEYS,
    )
    assert entries is not None
    slug = fields.slug(entries, "slug", "slug")
    if slug is not None and slug != folder_name:
        fields.report(
            entries["slug"].node.line,
            "slug_mismatch",
            slug=slug,
            thing="folder",
            expected=folder_name,
        )
    title = fields.text(entries, "title", "title")
    summary = fields.text(entries, "summary", "summary")
    design = fields.slug(entries, "certificate_design", "certificate_design")
    modules = _module_list(fields, entries.get("modules"))
    if "requirements" not in entries and "editions" not in entries:
        fields.report(1, "missing_key", where="program.yaml", key="requirements")
    known = check_practice_and_profiles(fields, entries, modules)
    editions = check_editions(fields, entries, modules, known)
    if len(source.problems) > before:
        return None
    assert slug and title and summary and design and modules and editions
    # Checked above; kept raw here, and read typed through lms.catalog.profile.
    current = [edition for edition in editions if edition.published_on] or [editions[0]]
    extra = {key: entry.node.value for key, entry in entries.items()
             if key not in (*PROGRAM_KEYS, "requirements")}
    return ProgramMeta(slug, title, summary, design, modules, dict(current[-1].requirements),
                       extra, editions)


def _module_list(fields: Fields, entry: YamlEntry | None) -> tuple[tuple[str, int], ...] | None:
    if entry is None:
        return None
    slugs = fields.text_list(entry.node, "modules", allow_empty=False)
    if slugs is None or entry.node.items is None:
        return None
    modules: list[tuple[str, int]] = []
    first: dict[str, int] = {}
    for slug, item in zip(slugs, entry.node.items, strict=True):
        if not SLUG.match(slug):
            fields.report(item.line, "bad_slug", key="'modules' item", value=slug)
        elif slug in first:
            fields.report(item.line, "duplicate_module_entry", slug=slug, first=first[slug])
        else:
            first[slug] = item.line
            modules.append((slug, item.line))
    return tuple(modules)


def check_program_files(
    folder: Path, meta: ProgramMeta | None, program_yaml: Path
) -> tuple[dict[str, Path], list[Problem]]:
    """Match module files to program.yaml; return the file for each listed slug, and problems."""
    problems: list[Problem] = []
    files: dict[str, Path] = {}
    for path in sorted(folder.glob("*.md")):
        if path.name == "README.md":
            continue  # notes for authors browsing the repository, not a module
        match = FILE_NAME.match(path.name)
        if match is None:
            problems.append(Problem.at(path, 1, message("bad_file_name")))
        elif match.group(2) in files:
            other = files[match.group(2)].name
            problems.append(
                Problem.at(
                    path, 1, message("duplicate_module_file", slug=match.group(2), other=other)
                )
            )
        else:
            files[match.group(2)] = path
    if meta is None:
        return files, problems
    positions = {
        slug: (position, line) for position, (slug, line) in enumerate(meta.modules, start=1)
    }
    for slug, (position, line) in positions.items():
        if slug not in files:
            expected = f"{position:02d}-{slug}.md"
            problems.append(
                Problem.at(
                    program_yaml, line, message("missing_module", slug=slug, expected=expected)
                )
            )
    for slug, path in files.items():
        if slug not in positions:
            problems.append(Problem.at(path, 1, message("unlisted_module", slug=slug)))
            continue
        position = positions[slug][0]
        number = path.name[:2]
        if int(number) != position:
            problems.append(
                Problem.at(
                    path,
                    1,
                    message(
                        "wrong_position",
                        number=number,
                        position=position,
                        expected=f"{position:02d}-{slug}.md",
                    ),
                )
            )
    return files, problems


def classify_link(target: str) -> tuple[str, str | None, str | None]:
    """Return (kind, file, anchor) for a link: external, anchor, module or other."""
    if URL_SCHEME.match(target) or target.startswith("/"):
        return "external", None, None
    if target.startswith("#"):
        return "anchor", None, target[1:]
    match = MODULE_LINK.match(target)
    if match:
        return "module", match.group(1), match.group(2) or None
    return "other", None, None


def check_links(
    source: ModuleSource, anchors: Mapping[str, frozenset[str] | None]
) -> list[Problem]:
    """Check that relative links name a module file of the program and one of its headings."""
    # anchors maps each module file name to its heading ids, or None when they are unknown.
    problems: list[Problem] = []
    for link in source.links:
        problem = _link_problem(link, source.path.name, anchors)
        if problem:
            problems.append(Problem.at(source.path, link.line, problem))
    return problems


def _link_problem(
    link: LinkRef, own_file: str, anchors: Mapping[str, frozenset[str] | None]
) -> str | None:
    kind, file, anchor = classify_link(link.target)
    if kind == "external":
        return None
    if kind == "other":
        return message("link_not_module", target=link.target)
    file = file or own_file
    if file not in anchors:
        return message("link_missing_file", target=link.target, file=file)
    ids = anchors[file]
    if anchor and ids is not None and anchor not in ids:
        where = "this module" if file == own_file else file
        return message("link_missing_anchor", target=link.target, anchor=anchor, file=where)
    return None
