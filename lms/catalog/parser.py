"""Parse module files and program.yaml into raw structures that remember source line numbers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lms.catalog.content import Problem
from lms.catalog.messages import message
from lms.catalog.yamltree import YamlNode, parse_yaml

__all__ = [
    "LinkRef",
    "ModuleSource",
    "ProgramSource",
    "RawChoice",
    "RawQuestion",
    "parse_module_file",
    "parse_program_file",
    "question_key",
]

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
ATX_HEADING = re.compile(r"^(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
CHOICE = re.compile(r"^[-*+][ \t]+\[([ xX])\](?:[ \t]+(.*?))?[ \t]*$")
EXPLANATION = re.compile(r"^\*\*Explanation(?::\*\*|\*\*:)[ \t]*(.*)$")
INLINE_CODE = re.compile(r"(`+).+?\1")
INLINE_LINK = re.compile(r"(!?)\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^\s)>]*)")
# A link whose text began on an earlier line: "...text](target)" before any "[" on this line.
CONTINUED_LINK = re.compile(r"^[^\[\]]*\]\(\s*<?([^\s)>]*)")
REFERENCE_DEFINITION = re.compile(r"^\s*(?:>\s*)*\[(?!\^)[^\]]+\]:\s*<?([^\s>]+)")
REQUIRED_SECTIONS = ("Practice exercise", "References")


@dataclass(slots=True)
class LinkRef:
    """A link target written in the Markdown, and where."""

    target: str
    line: int
    in_quiz: bool


@dataclass(slots=True)
class RawChoice:
    """A `- [ ]` / `- [x]` line with its indented feedback."""

    correct: bool
    line: int
    text_lines: list[str] = field(default_factory=list)
    feedback_lines: list[str] = field(default_factory=list)
    feedback_line: int | None = None

    @property
    def text(self) -> str:
        """Return the choice's Markdown as one line."""
        return " ".join(part.strip() for part in self.text_lines).strip()

    @property
    def feedback(self) -> str:
        """Return the feedback Markdown."""
        return "\n".join(self.feedback_lines).strip()


@dataclass(slots=True)
class RawQuestion:
    """A `###` question as written: prompt, choices and explanation, with lines."""

    title: str
    line: int
    prompt_lines: list[str] = field(default_factory=list)
    choices: list[RawChoice] = field(default_factory=list)
    explanation_lines: list[str] | None = None
    explanation_line: int | None = None

    @property
    def key(self) -> str:
        """Return the stable key for this question."""
        return question_key(self.title)

    @property
    def prompt(self) -> str:
        """Return the Markdown between the heading and the first choice."""
        return "\n".join(self.prompt_lines).strip()

    @property
    def explanation(self) -> str:
        """Return the explanation Markdown, without its label."""
        return "\n".join(self.explanation_lines or []).strip()


@dataclass(slots=True)
class ModuleSource:
    """Everything read from one module file before checking and rendering."""

    path: Path
    data: bytes
    front: YamlNode | None = None
    front_line: int = 1  # the opening '---'
    body_line: int | None = None  # None when the body could not be found
    lesson_text: str = ""
    quiz_line: int | None = None
    questions: list[RawQuestion] = field(default_factory=list)
    links: list[LinkRef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class ProgramSource:
    """program.yaml as read: its bytes, its YAML tree and any syntax problems."""

    path: Path
    data: bytes
    root: YamlNode | None = None
    problems: list[Problem] = field(default_factory=list)


def question_key(title: str) -> str:
    """Return a URL-safe slug of a question heading, stable while the heading is unchanged."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > 80:
        # Long keys bloat attempt records; cutting at a hyphen keeps them readable.
        slug = slug[:80].rsplit("-", 1)[0]
    return slug or "question"


def _read(path: Path, problems: list[Problem]) -> tuple[bytes, str | None]:
    data = path.read_bytes()
    try:
        return data, data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem.at(path, 1, message("not_utf8")))
        return data, None


def parse_program_file(path: Path) -> ProgramSource:
    """Read program.yaml, recording YAML problems with their lines."""
    source = ProgramSource(path, b"")
    source.data, text = _read(path, source.problems)
    if text is not None:
        source.root, _ = parse_yaml(text, path, 1, source.problems)
    return source


def _closes(marker: str, fence: str) -> bool:
    return marker[0] == fence[0] and len(marker) >= len(fence)


def _outside_fences(lines: list[str], start: int, end: int) -> Iterator[tuple[int, str]]:
    """Yield (index, line) for lines[start:end] that are not inside fenced code blocks."""
    fence: str | None = None
    for index in range(start, end):
        line = lines[index]
        match = FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                continue
            yield index, line
        elif match and _closes(match.group(1), fence):
            fence = None


def _heading(line: str) -> tuple[int, str] | None:
    match = ATX_HEADING.match(line)
    if match is None:
        return None
    return len(match.group(1)), (match.group(2) or "").strip()


def parse_module_file(path: Path) -> ModuleSource:
    """Read a module file: front matter, lesson, quiz questions and links, with lines."""
    source = ModuleSource(path, b"")
    source.data, text = _read(path, source.problems)
    if text is None:
        return source
    lines = text.splitlines()
    body_start = _parse_front_matter(source, lines)
    if body_start is None:
        return source

    source.body_line = body_start + 1
    problems = source.problems
    quiz_index: int | None = None
    quiz_end = len(lines)
    sections: list[str] = []
    for index, line in _outside_fences(lines, body_start, len(lines)):
        heading = _heading(line)
        if heading is None:
            continue
        level, title = heading
        if level == 1:
            problems.append(Problem.at(path, index + 1, message("h1_heading")))
        elif level == 2 and quiz_index is None and title.lower() == "quiz":
            quiz_index = index
        elif level == 2 and quiz_index is not None:
            problems.append(Problem.at(path, index + 1, message("after_quiz", title=title)))
            quiz_end = min(quiz_end, index)
        elif level == 2:
            sections.append(title.lower())

    for required in REQUIRED_SECTIONS:
        if not any(section.startswith(required.lower()) for section in sections):
            problems.append(Problem.at(path, 1, message("missing_section", title=required)))
    lesson_end = quiz_index if quiz_index is not None else len(lines)
    source.lesson_text = "\n".join(lines[body_start:lesson_end]) + "\n"
    source.links = _scan_links(lines, body_start, len(lines), quiz_index)
    if quiz_index is None:
        problems.append(Problem.at(path, 1, message("no_quiz")))
    else:
        source.quiz_line = quiz_index + 1
        source.questions = _parse_quiz(path, lines, quiz_index + 1, quiz_end, problems)
    return source


def _parse_front_matter(source: ModuleSource, lines: list[str]) -> int | None:
    """Parse the front matter into source.front; return the index of the first body line."""
    if not lines or lines[0].rstrip() != "---":
        source.problems.append(Problem.at(source.path, 1, message("no_front_matter")))
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            break
    else:
        source.problems.append(Problem.at(source.path, 1, message("front_matter_not_closed")))
        return None
    text = "\n".join(lines[1:index]) + "\n"
    tree, ok = parse_yaml(text, source.path, 2, source.problems)
    if ok:
        # An empty front matter is an empty mapping: the checker then names each missing key.
        source.front = tree if tree is not None else YamlNode(1, {}, entries={})
    return index + 1


def _scan_links(lines: list[str], start: int, end: int, quiz_index: int | None) -> list[LinkRef]:
    links: list[LinkRef] = []
    for index, line in _outside_fences(lines, start, end):
        in_quiz = quiz_index is not None and index > quiz_index
        code_free = INLINE_CODE.sub(lambda match: " " * len(match.group(0)), line)
        targets = [m.group(2) for m in INLINE_LINK.finditer(code_free) if not m.group(1)]
        continued = CONTINUED_LINK.match(code_free)
        if continued:
            targets.insert(0, continued.group(1))
        definition = REFERENCE_DEFINITION.match(code_free)
        if definition:
            targets.append(definition.group(1))
        links.extend(LinkRef(target, index + 1, in_quiz) for target in targets if target)
    return links


def _parse_quiz(
    path: Path, lines: list[str], start: int, end: int, problems: list[Problem]
) -> list[RawQuestion]:
    """Split the quiz section into questions; report only what breaks the structure."""
    questions: list[RawQuestion] = []
    question: RawQuestion | None = None
    choice: RawChoice | None = None
    stray_reported = False
    fence: str | None = None
    for index in range(start, end):
        line, number = lines[index], index + 1
        fence_match = FENCE.match(line)
        if question is not None and fence is not None:
            _append_text(question, line)
            if fence_match and _closes(fence_match.group(1), fence):
                fence = None
            continue
        if (
            fence_match
            and question is not None
            and (choice is None or question.explanation_lines is not None)
        ):
            # Code blocks in a prompt or explanation are kept verbatim, never parsed.
            fence = fence_match.group(1)
            _append_text(question, line)
            continue
        heading = _heading(line)
        if heading is not None and heading[0] == 3:
            question = RawQuestion(heading[1], number)
            questions.append(question)
            choice, stray_reported = None, False
            if not heading[1]:
                problems.append(Problem.at(path, number, message("empty_question")))
            continue
        if question is None:
            if line.strip() and not stray_reported:
                problems.append(Problem.at(path, number, message("text_before_question")))
                stray_reported = True
            continue
        if question.explanation_lines is not None:
            question.explanation_lines.append(line)
            continue
        explanation = EXPLANATION.match(line)
        if explanation:
            question.explanation_lines = [explanation.group(1)]
            question.explanation_line = number
            continue
        choice_match = CHOICE.match(line)
        if choice_match:
            choice = RawChoice(choice_match.group(1) != " ", number)
            choice.text_lines.append(choice_match.group(2) or "")
            question.choices.append(choice)
            continue
        if choice is None:
            question.prompt_lines.append(line)
        elif not line.strip():
            if choice.feedback_lines:
                choice.feedback_lines.append("")
        elif line[0] in " \t" or line.startswith(">"):
            if line.startswith(">"):
                problems.append(Problem.at(path, number, message("feedback_not_indented")))
            _append_choice_line(choice, line.strip(), number)
        elif not stray_reported:
            problems.append(Problem.at(path, number, message("stray_text")))
            stray_reported = True
    return questions


def _append_text(question: RawQuestion, line: str) -> None:
    if question.explanation_lines is not None:
        question.explanation_lines.append(line)
    else:
        question.prompt_lines.append(line)


def _append_choice_line(choice: RawChoice, stripped: str, number: int) -> None:
    if stripped.startswith(">"):
        text = stripped[1:]
        text = text[1:] if text.startswith(" ") else text
        if choice.feedback_line is None:
            choice.feedback_line = number
        choice.feedback_lines.append(text)
    elif choice.feedback_lines:
        choice.feedback_lines.append(stripped)  # lazy continuation of the feedback quote
    else:
        choice.text_lines.append(stripped)
