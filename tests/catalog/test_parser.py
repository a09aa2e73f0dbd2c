"""The parser keeps a source line for every element an author may need to fix."""

from __future__ import annotations

from pathlib import Path

from lms.catalog.content import Problem
from lms.catalog.parser import parse_module_file, question_key
from lms.catalog.yamltree import parse_yaml

from .helpers import VALID_ROOT

WELCOME = VALID_ROOT / "demo" / "01-welcome.md"
LISTENING = VALID_ROOT / "demo" / "02-listening.md"

QUIZ_HEAD = """---
title: T
---

## Quiz

"""


def write(tmp_path: Path, text: str, name: str = "01-x.md") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_front_matter_keys_keep_their_lines() -> None:
    source = parse_module_file(WELCOME)
    assert source.front is not None and source.front.entries is not None
    entries = source.front.entries
    assert {key: entry.key_line for key, entry in entries.items()} == {
        "title": 2,
        "slug": 3,
        "minutes": 4,
        "objectives": 5,
        "frameworks": 8,
        "quiz": 12,
    }
    assert [item.line for item in entries["objectives"].node.items or []] == [6, 7]
    quiz = entries["quiz"].node.entries or {}
    assert {key: entry.node.line for key, entry in quiz.items()} == {
        "pass_mark": 13,
        "draw": 14,
        "max_attempts": 15,
        "cooldown_minutes": 16,
    }
    assert entries["minutes"].node.value == 30


def test_questions_choices_feedback_and_explanations_keep_their_lines() -> None:
    source = parse_module_file(WELCOME)
    assert source.quiz_line == 47
    first = source.questions[0]
    assert (first.title, first.line) == ("Which of these is something a peer supporter does?", 49)
    assert first.prompt.startswith("> **Sam:** I don't know")
    assert [(c.line, c.feedback_line, c.correct) for c in first.choices] == [
        (54, 55, False),
        (56, 57, True),
        (58, 59, False),
    ]
    assert first.choices[1].text == "Listens and shares hope"
    assert first.choices[1].feedback == "Yes. See [what peers do](#what-peers-do)."
    assert (first.explanation_line, first.explanation) == (
        61,
        "Peers listen, share hope and walk alongside.",
    )
    assert [question.line for question in source.questions][:3] == [49, 63, 76]
    assert len(source.questions) == 10
    assert source.problems == []


def test_links_keep_their_lines_and_skip_code_blocks() -> None:
    welcome = parse_module_file(WELCOME)
    assert [(link.target, link.line, link.in_quiz) for link in welcome.links] == [
        ("02-listening.md", 23, False),
        ("02-listening.md#open-questions", 24, False),
        ("#what-peers-do", 57, True),
    ]
    listening = parse_module_file(LISTENING)
    assert [(link.target, link.line) for link in listening.links] == [
        ("01-welcome.md", 16),
        ("#open-questions", 48),
    ]


def test_lesson_text_stops_before_the_quiz() -> None:
    source = parse_module_file(WELCOME)
    assert "## Quiz" not in source.lesson_text
    assert "Diagnoses an illness" not in source.lesson_text
    assert source.lesson_text.lstrip().startswith("Peer support is help")


def test_multi_line_feedback_and_explanation_are_joined() -> None:
    source = parse_module_file(LISTENING)
    first = source.questions[0]
    assert first.choices[1].feedback == (
        "Yes. It invites the person to say more.\nIt also leaves them in charge."
    )
    assert first.explanation.endswith("[open questions](#open-questions).")


def test_links_split_over_lines_and_reference_definitions_are_found(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        QUIZ_HEAD.replace(
            "## Quiz",
            (
                "See [a long\nlink text](02-y.md#part) and `[code](03-z.md)`.\n\n"
                "![picture](04-img.md) [ref][r]\n\n[r]: 05-w.md\n\n## Quiz"
            ),
        ),
    )
    source = parse_module_file(path)
    assert [(link.target, link.line) for link in source.links] == [
        ("02-y.md#part", 6),
        ("05-w.md", 10),
    ]


def test_fenced_code_in_a_prompt_is_not_a_choice(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        QUIZ_HEAD
        + (
            "### What does this list show?\n\n```\n- [x] not a choice\n### not a question\n```\n\n"
            "* [X] Upper-case X and a star work\n  > Feedback.\n"
            "+ [ ] Plus works\n  > Feedback.\n\n**Explanation**: Either colon style works.\n"
        ),
    )
    source = parse_module_file(path)
    [question] = source.questions
    assert "- [x] not a choice" in question.prompt
    assert [(c.correct, c.line) for c in question.choices] == [(True, 14), (False, 16)]
    assert question.explanation == "Either colon style works."


def test_crlf_and_byte_order_mark_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "01-x.md"
    path.write_bytes(b"\xef\xbb\xbf" + WELCOME.read_bytes().replace(b"\n", b"\r\n"))
    source = parse_module_file(path)
    assert source.problems == []
    assert [q.line for q in source.questions][:2] == [49, 63]


def test_yaml_lines_are_offset_to_the_file(tmp_path: Path) -> None:
    problems: list[Problem] = []
    tree, ok = parse_yaml("a: 1\nb:\n  - x\n  - y\n", tmp_path / "f.yaml", 10, problems)
    assert ok and tree is not None and tree.entries is not None
    assert tree.entries["b"].key_line == 11
    assert [item.line for item in tree.entries["b"].node.items or []] == [12, 13]
    tree, ok = parse_yaml("a: 1\nb: [unclosed\n", tmp_path / "f.yaml", 10, problems)
    assert not ok and tree is None
    assert problems[0].line == 12
    assert problems[0].message.startswith("YAML syntax error: ")


def test_yaml_keys_are_taken_as_written(tmp_path: Path) -> None:
    problems: list[Problem] = []
    tree, _ = parse_yaml("yes: 1\n2: b\n", tmp_path / "f.yaml", 1, problems)
    assert tree is not None and list(tree.entries or {}) == ["yes", "2"]


def test_question_keys_are_slugs() -> None:
    assert question_key("Which is an open question?") == "which-is-an-open-question"
    assert question_key("  Café: “naïve” answers (Select all that apply.) ") == (
        "cafe-naive-answers-select-all-that-apply"
    )
    assert question_key("???") == "question"
    long_key = question_key("word " * 40)
    assert len(long_key) <= 80 and not long_key.endswith("-")
