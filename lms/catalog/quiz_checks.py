"""Warn when two quiz questions ask nearly the same thing but mark different answers right."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from lms.catalog.content import Problem
from lms.catalog.parser import RawQuestion, parse_module_file

__all__ = ["SIMILAR_STEMS", "WARNINGS", "stem_similarity", "stem_words", "warn_path"]

# Authors read these in a terminal, like lms.catalog.messages; docs/authoring.md lists each one.
WARNINGS: dict[str, str] = {
    "keys_disagree": (
        "warning: question is near-identical to '{title}' ({other}:{line}, {percent}% of their "
        "words shared) but marks different answers right: make the right answers agree, or "
        "make the questions clearly different"
    ),
}

# Two stems are near-identical when their word sets share at least this share of all their
# words (Jaccard). Tuned on the Foundations quizzes: their closest distinct pair shares 60%.
SIMILAR_STEMS = 0.7
# Stems this short say too little to compare ("Practice question 3?").
MIN_STEM_WORDS = 4
MODULE_FILE = re.compile(r"^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*\.md$")
WORD = re.compile(r"[a-z0-9]+")
# Words that carry no meaning of their own. Negations stay: "which is NOT" asks the opposite.
STOPWORDS = frozenset(
    "a an the and or of to in on at for with is are was be been it its this that these those "
    "what which who whom how do does did when why should would could can may i me my you your "
    "they them their he she his her we our us as by from if into about than then so there "
    "apply select all".split()
)


@dataclass(frozen=True, slots=True)
class _Stem:
    """One question as the comparison sees it: where it is, its words and its right answers."""

    path: Path
    line: int
    title: str
    words: frozenset[str]
    key: frozenset[str]


def stem_words(question: RawQuestion) -> frozenset[str]:
    """Return the meaningful words of a question's heading and scenario, plurals folded."""
    text = f"{question.title} {question.prompt}".lower()
    return frozenset(
        word[:-1] if len(word) > 3 and word.endswith("s") else word
        for word in WORD.findall(text)
        if word not in STOPWORDS
    )


def stem_similarity(first: frozenset[str], second: frozenset[str]) -> float:
    """Return the share of all words the two stems have in common (0 to 1)."""
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def _key(question: RawQuestion) -> frozenset[str]:
    return frozenset(
        " ".join(WORD.findall(choice.text.lower())) for choice in question.choices if choice.correct
    )


def _stems(files: list[Path]) -> list[_Stem]:
    stems: list[_Stem] = []
    for path in files:
        source = parse_module_file(path)
        for question in source.questions:
            words = stem_words(question)
            if question.title and len(words) >= MIN_STEM_WORDS:
                stems.append(_Stem(path, question.line, question.title, words, _key(question)))
    return stems


def _program_warnings(folder: Path) -> list[Problem]:
    files = sorted(path for path in folder.glob("*.md") if MODULE_FILE.match(path.name))
    warnings: list[Problem] = []
    for first, second in itertools.combinations(_stems(files), 2):
        if first.path == second.path and first.title.lower() == second.title.lower():
            continue  # a duplicate heading, which the checker already reports as an error
        share = stem_similarity(first.words, second.words)
        if share >= SIMILAR_STEMS and first.key != second.key:
            # Reported once, at the later question, naming the earlier one.
            other = Problem.at(first.path, first.line, "")
            text = WARNINGS["keys_disagree"].format(
                title=first.title, other=other.path, line=first.line, percent=round(share * 100)
            )
            warnings.append(Problem.at(second.path, second.line, text))
    return warnings


def warn_path(path: Path) -> list[Problem]:
    """Return quiz warnings for a courses root, a program folder or one module file."""
    if path.is_file():
        wanted = Problem.at(path, None, "").path
        return [
            warning
            for warning in _program_warnings(path.parent)
            if warning.path == wanted or f"({wanted}:" in warning.message
        ]
    if not path.is_dir():
        return []
    if (path / "program.yaml").exists():
        folders = [path]
    else:
        folders = [
            folder
            for folder in sorted(path.iterdir())
            if folder.is_dir() and not folder.name.startswith((".", "_"))
        ]
    warnings = [warning for folder in folders for warning in _program_warnings(folder)]
    return sorted(warnings, key=lambda warning: warning.sort_key)
