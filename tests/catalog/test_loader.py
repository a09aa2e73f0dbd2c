"""load_catalog builds the in-memory catalog the app serves, or refuses with every problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lms.catalog.content import Problem
from lms.catalog.loader import ContentError, load_catalog

from .helpers import VALID_ROOT, copy_demo, url


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(VALID_ROOT, module_url=url)


def test_programs_are_keyed_by_slug(catalog) -> None:
    assert list(catalog.programs) == ["demo"]
    program = catalog.program("demo")
    assert program.title == "Demo Program"
    assert program.summary.startswith("Two short modules")
    assert program.certificate_design == "classic"
    # Raw, as written: lms.catalog.profile reads them typed.
    assert program.requirements["modules"] == "all"
    assert program.requirements["renewal"] == {"ce_minutes": 300}
    assert list(program.extra) == ["practice", "competencies", "profiles"]
    assert program.extra["profiles"]["short"]["modules"] == ["welcome"]
    with pytest.raises(KeyError):
        catalog.program("nope")


def test_modules_come_in_program_order_with_navigation(catalog) -> None:
    program = catalog.program("demo")
    assert [(m.slug, m.position) for m in program.modules] == [("welcome", 1), ("listening", 2)]
    assert program.module("listening").title == "Listening"
    assert program.next_module("welcome") is program.module("listening")
    assert program.next_module("listening") is None
    assert program.previous_module("listening") is program.module("welcome")
    assert program.previous_module("welcome") is None
    with pytest.raises(KeyError):
        program.module("nope")


def test_module_front_matter_is_typed(catalog) -> None:
    module = catalog.program("demo").module("welcome")
    assert module.minutes == 30
    assert module.objectives == (
        "Say what a peer supporter does",
        "Name two values of peer support",
    )
    assert module.frameworks == {
        "samhsa": ("Engages peers in collaborative and caring relationships",),
        "icrc": ("Mentoring and Education",),
        "ncps": (),
    }
    assert (module.quiz.pass_mark, module.quiz.draw) == (80, 8)
    assert (module.quiz.max_attempts, module.quiz.cooldown_minutes) == (5, 10)
    assert module.url == "/programs/demo/welcome"
    assert module.source_path == VALID_ROOT / "demo" / "01-welcome.md"


def test_lesson_html_never_contains_the_quiz(catalog) -> None:
    for module in catalog.program("demo").modules:
        assert "Quiz" not in module.lesson_html
        assert "Diagnoses an illness" not in module.lesson_html
        for question in module.questions:
            assert question.title not in module.lesson_html
            for choice in question.choices:
                assert choice.feedback_html not in module.lesson_html
            assert question.explanation_html not in module.lesson_html


def test_lesson_html_is_rendered_with_rewritten_module_links(catalog) -> None:
    module = catalog.program("demo").module("welcome")
    html = module.lesson_html
    assert (
        '<a href="/programs/demo/listening" rel="noopener noreferrer">active listening</a>' in html
    )
    assert 'href="/programs/demo/listening#open-questions"' in html
    assert ".md" not in html
    assert '<div class="admonition tip">' in html
    assert '<th align="left">' in html
    assert 'href="#fn:1"' in html  # footnotes stay on the page


def test_toc_lists_level_two_and_three_lesson_headings(catalog) -> None:
    module = catalog.program("demo").module("welcome")
    assert [(e.level, e.anchor_id, e.title) for e in module.toc] == [
        (2, "what-peers-do", "What peers do"),
        (3, "values", "Values"),
        (2, "practice-exercise", "Practice exercise"),
        (2, "references", "References"),
    ]


def test_word_count_counts_lesson_words_only(catalog) -> None:
    module = catalog.program("demo").module("listening")
    # Intro 13, two ## sections with text, the code block, the references list.
    assert 40 < module.word_count < 80


def test_questions_have_stable_keys_and_lettered_choices(catalog) -> None:
    module = catalog.program("demo").module("welcome")
    first, second = module.questions[:2]
    assert first.key == "which-of-these-is-something-a-peer-supporter-does"
    assert first.title == "Which of these is something a peer supporter does?"
    assert first.line == 49
    assert [(c.key, c.correct, c.line) for c in first.choices] == [
        ("a", False, 54),
        ("b", True, 56),
        ("c", False, 58),
    ]
    assert not first.multiple and second.multiple
    assert second.correct_keys == {"a", "b"}
    assert module.question(first.key) is first
    assert first.choice("b").html == "Listens and shares hope"
    with pytest.raises(KeyError):
        module.question("nope")


def test_question_html_parts(catalog) -> None:
    module = catalog.program("demo").module("welcome")
    first = module.questions[0]
    assert first.title_html == "Which of these is something a peer supporter does?"
    assert first.prompt_html.startswith("<blockquote>")
    assert "<strong>Sam:</strong>" in first.prompt_html
    assert first.choices[0].feedback_html == "<p>Diagnosis is for clinicians, not peers.</p>"
    # Feedback may be shown away from the lesson, so same-page anchors get the module URL.
    assert 'href="/programs/demo/welcome#what-peers-do"' in first.choices[1].feedback_html
    assert first.explanation_html == "<p>Peers listen, share hope and walk alongside.</p>"


def test_question_titles_that_look_like_lists_stay_text(tmp_path, monkeypatch) -> None:
    demo = copy_demo(tmp_path, monkeypatch)
    path = demo / "01-welcome.md"
    text = path.read_text().replace("### Practice question number 3?", "### 1. First, what?")
    path.write_text(text.replace("- [ ] Wrong answer 3a", "- [ ] - a dash"))
    question = load_catalog(Path("courses")).program("demo").module("welcome").questions[2]
    assert question.title_html == "1. First, what?"
    assert question.prompt_html == ""
    assert question.title == "1. First, what?"
    assert question.choices[0].html == "- a dash"


def test_versions_are_sha256_and_stable(catalog, tmp_path, monkeypatch) -> None:
    program = catalog.program("demo")
    assert re.fullmatch(r"[0-9a-f]{64}", program.version)
    assert all(re.fullmatch(r"[0-9a-f]{64}", m.version) for m in program.modules)
    again = load_catalog(VALID_ROOT, module_url=url).program("demo")
    assert again.version == program.version
    assert [m.version for m in again.modules] == [m.version for m in program.modules]

    demo = copy_demo(tmp_path, monkeypatch)
    path = demo / "02-listening.md"
    path.write_text(path.read_text().replace("every conversation", "each conversation"))
    changed = load_catalog(Path("courses"), module_url=url).program("demo")
    assert changed.version != program.version
    assert changed.module("welcome").version == program.module("welcome").version
    assert changed.module("listening").version != program.module("listening").version


def test_module_url_builds_every_link(tmp_path, monkeypatch) -> None:
    copy_demo(tmp_path, monkeypatch)
    catalog = load_catalog(Path("courses"), module_url=lambda p, m: f"https://x.test/{p}/{m}/")
    module = catalog.program("demo").module("welcome")
    assert module.url == "https://x.test/demo/welcome/"
    assert 'href="https://x.test/demo/listening/#open-questions"' in module.lesson_html


def test_content_error_lists_every_problem_as_path_line_message(tmp_path, monkeypatch) -> None:
    demo = copy_demo(tmp_path, monkeypatch)
    (demo / "01-welcome.md").write_text(
        (demo / "01-welcome.md").read_text().replace("minutes: 30", "minutes: -3")
    )
    (demo / "program.yaml").write_text((demo / "program.yaml").read_text() + "colour: blue\n")
    with pytest.raises(ContentError) as raised:
        load_catalog(Path("courses"))
    assert [str(p) for p in raised.value.problems] == [
        "courses/demo/01-welcome.md:4: 'minutes' must be at least 1 (got -3)",
        "courses/demo/program.yaml:38: unknown program.yaml key 'colour'",
    ]
    assert str(raised.value).splitlines() == [
        "2 problems in the course content:",
        "courses/demo/01-welcome.md:4: 'minutes' must be at least 1 (got -3)",
        "courses/demo/program.yaml:38: unknown program.yaml key 'colour'",
    ]


def test_a_missing_root_is_a_problem(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ContentError) as raised:
        load_catalog(Path("nowhere"))
    assert [str(p) for p in raised.value.problems] == ["nowhere: no such file or directory"]


def test_hidden_and_underscore_folders_are_skipped(tmp_path, monkeypatch) -> None:
    copy_demo(tmp_path, monkeypatch)
    (Path("courses") / ".drafts").mkdir()
    (Path("courses") / "_shared").mkdir()
    assert list(load_catalog(Path("courses")).programs) == ["demo"]


def test_paths_outside_the_working_directory_print_as_given(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    problem = Problem.at(Path("/elsewhere/01-x.md"), 3, "oops")
    assert str(problem) == "/elsewhere/01-x.md:3: oops"
    inside = Problem.at(tmp_path / "courses" / "01-x.md", None, "oops")
    assert str(inside) == "courses/01-x.md: oops"


def test_reloading_unchanged_content_is_cached_but_isolated(tmp_path, monkeypatch) -> None:
    demo = copy_demo(tmp_path, monkeypatch)
    first = load_catalog(Path("courses"), module_url=url).program("demo")
    second = load_catalog(Path("courses"), module_url=url).program("demo")
    assert second.modules[0] is first.modules[0]
    second.requirements["modules"] = ["welcome"]  # type: ignore[index]
    second.extra["profiles"]["short"]["title"] = "Changed"  # type: ignore[index]
    assert first.requirements["modules"] == "all"
    assert first.extra["profiles"]["short"]["title"] == "Demo Short Certificate"

    other_urls = load_catalog(Path("courses"), module_url=lambda p, m: f"/x/{m}").program("demo")
    assert other_urls.module("welcome").url == "/x/welcome"

    path = demo / "02-listening.md"
    path.write_text(path.read_text().replace("title: Listening", "title: Listening well"))
    changed = load_catalog(Path("courses"), module_url=url).program("demo")
    assert changed.module("listening").title == "Listening well"
