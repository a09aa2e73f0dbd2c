"""Load every program under the courses root into memory, or fail listing every problem."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import html
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lms.catalog.checker import (
    FILE_NAME,
    FrontMatter,
    ProgramMeta,
    check_front_matter,
    check_links,
    check_program_files,
    check_program_yaml,
    check_quiz,
    classify_link,
)
from lms.catalog.content import (
    Catalog,
    Choice,
    ContentError,
    Edition,
    Module,
    Problem,
    Program,
    Question,
    TocEntry,
)
from lms.catalog.editions import LOCK_NAME
from lms.catalog.messages import message
from lms.catalog.parser import ModuleSource, RawQuestion, parse_module_file, parse_program_file
from lms.markdown import HrefRewriter, Rendered, render_content, render_inline, render_markdown

__all__ = ["Catalog", "ContentError", "ModuleUrl", "collect", "load_catalog"]

#: Builds the URL of a module page from (program slug, module slug).
ModuleUrl = Callable[[str, str], str]

WORD = re.compile(r"\w+(?:['’-]\w+)*")
TAG = re.compile(r"<[^>]+>")
# Markdown would read these at the start of a heading or choice as a list or quote.
BLOCK_START = re.compile(r"^(\d+)([.)])|^([-+*>#])(?=\s)")


# Programs built from identical bytes and URLs are identical, and an app built per test would
# otherwise render every quiz again: keep the last few (only programs without problems).
_CACHE: OrderedDict[tuple[str, str, tuple[str, ...]], Program] = OrderedDict()
_CACHE_SIZE = 16


def _placeholder_url(program: str, module: str) -> str:
    return f"/programs/{program}/{module}"


@dataclass(slots=True)
class _Draft:
    """A module file after checking, before it becomes a Module."""

    source: ModuleSource
    front: FrontMatter | None
    lesson: Rendered


def load_catalog(root: Path, module_url: ModuleUrl = _placeholder_url) -> Catalog:
    """Load and check every program under root; raise ContentError listing any problem."""
    programs, problems = _load_root(root, module_url)
    if problems:
        raise ContentError(sorted(problems, key=lambda problem: problem.sort_key))
    return Catalog(root, programs)


def collect(path: Path) -> list[Problem]:
    """Return every problem in a courses root, a program folder or one file, in file order."""
    problems: list[Problem]
    if not path.exists():
        problems = [Problem.at(path, None, message("no_such_path"))]
    elif path.is_dir():
        if (path / "program.yaml").exists():
            problems = _load_program(path, _placeholder_url)[1]
        else:
            problems = _load_root(path, _placeholder_url)[1]
    elif path.name in ("program.yaml", LOCK_NAME) or FILE_NAME.match(path.name):
        # One file is checked in its program's context, so links and listing are checked too.
        wanted = Problem.at(path, None, "").path
        problems = [p for p in _load_program(path.parent, _placeholder_url)[1] if p.path == wanted]
    else:
        problems = [Problem.at(path, None, message("not_a_module_file"))]
    return sorted(problems, key=lambda problem: problem.sort_key)


def _load_root(root: Path, module_url: ModuleUrl) -> tuple[dict[str, Program], list[Problem]]:
    if not root.is_dir():
        return {}, [Problem.at(root, None, message("no_such_path"))]
    programs: dict[str, Program] = {}
    problems: list[Problem] = []
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name.startswith((".", "_")):
            continue
        program, found = _load_program_cached(folder, module_url)
        problems.extend(found)
        if program is not None:
            programs[program.slug] = program
    return programs, problems


def _load_program_cached(
    folder: Path, module_url: ModuleUrl
) -> tuple[Program | None, list[Problem]]:
    """Return the cached program when its files and URLs are unchanged, else load it."""
    digest = hashlib.sha256()
    urls: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and (path.suffix == ".md" or path.name in ("program.yaml", LOCK_NAME)):
            digest.update(f"{path.name}\0".encode() + hashlib.sha256(path.read_bytes()).digest())
            if match := FILE_NAME.match(path.name):
                urls.append(module_url(folder.name, match.group(2)))
    key = (str(folder), digest.hexdigest(), tuple(urls))
    program = _CACHE.get(key)
    if program is None:
        program, problems = _load_program(folder, module_url)
        if program is None:
            return None, problems
        _CACHE[key] = program
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    # Each caller gets its own copy of the raw mappings, so one app cannot change another's.
    return dataclasses.replace(
        program,
        requirements=copy.deepcopy(program.requirements),
        extra=copy.deepcopy(program.extra),
        editions=tuple(
            dataclasses.replace(
                edition,
                requirements=copy.deepcopy(edition.requirements),
                profiles=copy.deepcopy(edition.profiles),
            )
            for edition in program.editions
        ),
    ), []


def _load_program(folder: Path, module_url: ModuleUrl) -> tuple[Program | None, list[Problem]]:
    """Check and build one program folder; the program is None if anything is wrong."""
    problems: list[Problem] = []
    program_yaml = folder / "program.yaml"
    meta: ProgramMeta | None = None
    yaml_bytes = b""
    if program_yaml.is_file():
        program_source = parse_program_file(program_yaml)
        meta = check_program_yaml(program_source, folder.name)
        problems.extend(program_source.problems)
        yaml_bytes = program_source.data
    else:
        problems.append(Problem.at(folder, None, message("no_program_yaml")))
    files, file_problems = check_program_files(folder, meta, program_yaml)
    problems.extend(file_problems)
    program_slug = meta.slug if meta else folder.name

    drafts: dict[str, _Draft] = {}
    for slug, path in files.items():
        source = parse_module_file(path)
        front = check_front_matter(source, slug)
        problems.extend(source.problems)
        problems.extend(check_quiz(source, front))
        rewrite = _rewriter(program_slug, slug, module_url, in_quiz=False)
        drafts[slug] = _Draft(source, front, render_content(source.lesson_text, rewrite))
    anchors = {
        draft.source.path.name: (
            frozenset(h.anchor_id for h in draft.lesson.headings)
            if draft.source.body_line is not None
            else None  # unreadable: its anchors cannot be judged
        )
        for draft in drafts.values()
    }
    for draft in drafts.values():
        problems.extend(check_links(draft.source, anchors))
    if problems or meta is None:
        return None, problems

    modules = tuple(
        _build_module(program_slug, position, drafts[slug], module_url)
        for position, (slug, _) in enumerate(meta.modules, start=1)
    )
    program = Program(
        slug=meta.slug,
        title=meta.title,
        summary=meta.summary,
        certificate_design=meta.certificate_design,
        modules=modules,
        requirements=meta.requirements,
        extra=meta.extra,
        version=_program_version(yaml_bytes, [drafts[slug].source for slug, _ in meta.modules]),
        source_path=program_yaml,
        editions=tuple(
            Edition(
                number=edition.number,
                published_on=edition.published_on,
                modules=edition.modules,
                requirements=edition.requirements,
                profiles=edition.profiles,
                fingerprint=edition.fingerprint,
                line=edition.line,
            )
            for edition in meta.editions
        ),
    )
    return program, []


def _rewriter(program: str, module: str, module_url: ModuleUrl, in_quiz: bool) -> HrefRewriter:
    """Return a rewriter that turns `NN-slug.md#x` links into module page URLs."""

    def rewrite(href: str) -> str:
        kind, file, anchor = classify_link(href)
        if kind == "module" and file is not None:
            match = FILE_NAME.match(file)
            assert match is not None
            target = module_url(program, match.group(2))
        elif kind == "anchor" and in_quiz and anchor:
            # Feedback may be shown on another page than the lesson, so anchors need the URL.
            target = module_url(program, module)
        else:
            return href
        return f"{target}#{anchor}" if anchor else target

    return rewrite


def _block_safe(text: str) -> str:
    """Escape a leading list or quote marker so a one-line text stays a paragraph."""
    match = BLOCK_START.match(text)
    if match is None:
        return text
    if match.group(1):
        return f"{match.group(1)}\\{match.group(2)}{text[match.end() :]}"
    return "\\" + text


def _build_module(program: str, position: int, draft: _Draft, module_url: ModuleUrl) -> Module:
    source, front = draft.source, draft.front
    assert front is not None
    rewrite = _rewriter(program, front.slug, module_url, in_quiz=True)
    text = html.unescape(TAG.sub(" ", draft.lesson.html))
    return Module(
        program_slug=program,
        slug=front.slug,
        position=position,
        title=front.title,
        minutes=front.minutes,
        objectives=front.objectives,
        frameworks=front.frameworks,
        quiz=front.quiz,
        lesson_html=draft.lesson.html,
        toc=tuple(
            TocEntry(h.level, h.anchor_id, h.title)
            for h in draft.lesson.headings
            if h.level in (2, 3)
        ),
        word_count=len(WORD.findall(text)),
        questions=tuple(_build_question(question, rewrite) for question in source.questions),
        version=hashlib.sha256(source.data).hexdigest(),
        source_path=source.path,
        url=module_url(program, front.slug),
    )


def _build_question(raw: RawQuestion, rewrite: HrefRewriter) -> Question:
    title_html = render_inline(_block_safe(raw.title), rewrite)
    prompt_html = render_markdown(raw.prompt, rewrite) if raw.prompt else ""
    choices = tuple(
        Choice(
            key=chr(ord("a") + index),
            html=render_inline(_block_safe(choice.text), rewrite),
            correct=choice.correct,
            feedback_html=render_markdown(choice.feedback, rewrite),
            line=choice.line,
        )
        for index, choice in enumerate(raw.choices)
    )
    return Question(
        key=raw.key,
        title=html.unescape(TAG.sub("", title_html)).strip(),
        title_html=title_html,
        prompt_html=prompt_html,
        multiple=sum(choice.correct for choice in choices) > 1,
        choices=choices,
        explanation_html=render_markdown(raw.explanation, rewrite),
        line=raw.line,
    )


def _program_version(program_yaml: bytes, modules: list[ModuleSource]) -> str:
    """Hash program.yaml and the module files, each framed by name and length (no ambiguity)."""
    digest = hashlib.sha256()
    for name, data in [("program.yaml", program_yaml)] + [(m.path.name, m.data) for m in modules]:
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()
