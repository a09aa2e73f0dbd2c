"""Markdown rendering: content keeps its structure, and nothing executable gets through."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from lms.markdown import (
    render_content,
    render_inline,
    render_markdown,
    render_user_markdown,
)

RENDERERS = [render_markdown, render_user_markdown]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Return the real elements of an HTML fragment (escaped text does not count)."""
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("render", RENDERERS)
def test_script_tags_never_survive(render) -> None:
    html = render("Hello <script>alert('x')</script> there\n\n<script>\nalert(1)\n</script>\n")
    assert "<script" not in html.lower()


@pytest.mark.parametrize("render", RENDERERS)
def test_javascript_links_lose_their_href(render) -> None:
    html = render("[click](javascript:alert(1)) and [data](data:text/html;base64,xx)")
    assert "javascript:" not in html
    assert "data:" not in html
    assert ">click</a>" in html


@pytest.mark.parametrize("render", RENDERERS)
def test_event_handlers_are_removed(render) -> None:
    html = render('<img src="x.png" onerror="alert(1)"> <a href="#" onclick="x()">a</a>')
    names = [name for _, attrs in elements(html) for name in attrs]
    assert not [name for name in names if name.startswith("on")]


@pytest.mark.parametrize("render", RENDERERS)
def test_uppercase_and_entity_tricks_are_removed(render) -> None:
    html = render(
        "<SCRIPT>alert(1)</SCRIPT> [x](JaVaScRiPt:alert(1)) [y](&#106;avascript:alert(1))"
    )
    assert "<script" not in html.lower()
    assert "javascript:" not in html.lower()


def test_attr_list_cannot_add_handlers_or_styles() -> None:
    html = render_markdown('## Heading {: onclick="alert(1)" style="color:red" }')
    assert "onclick" not in html
    assert "style=" not in html


def test_content_keeps_heading_ids_and_returns_headings() -> None:
    rendered = render_content(
        "## First part\n\ntext\n\n### A *sub* part & more\n\n## Custom {#mine}\n"
    )
    assert '<h2 id="first-part">First part</h2>' in rendered.html
    assert 'id="mine"' in rendered.html
    assert [(h.level, h.anchor_id, h.title) for h in rendered.headings] == [
        (2, "first-part", "First part"),
        (3, "a-sub-part-more", "A sub part & more"),
        (2, "mine", "Custom"),
    ]


def test_content_keeps_admonitions() -> None:
    html = render_markdown('!!! tip "Try this"\n    Breathe out slowly.\n')
    assert '<div class="admonition tip">' in html
    assert '<p class="admonition-title">Try this</p>' in html


def test_unknown_classes_are_dropped() -> None:
    html = render_markdown('<div class="admonition evil">x</div>\n\n## H {: .evil }\n')
    assert "evil" not in html
    assert 'class="admonition"' in html


def test_content_keeps_footnotes_linked() -> None:
    html = render_markdown("Text.[^1]\n\n[^1]: A source.\n")
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1"' in html
    assert '<li id="fn:1">' in html
    assert 'class="footnote-backref" href="#fnref:1"' in html


def test_tables_use_align_attributes_not_inline_styles() -> None:
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    assert '<th align="left">a</th>' in html
    assert '<td align="right">2</td>' in html
    assert "style" not in html


def test_fenced_code_is_kept_verbatim() -> None:
    html = render_markdown("```python\nif a < b:\n    print('<b>')\n```\n")
    assert "<pre><code>" in html
    assert "if a &lt; b:" in html


def test_rewriter_sees_every_link() -> None:
    seen: list[str] = []

    def rewrite(href: str) -> str:
        seen.append(href)
        return "/rewritten" if href.endswith(".md") else href

    html = render_markdown(
        "[a](02-x.md) [b](https://example.org) [c][ref]\n\n[ref]: 03-y.md\n", rewrite
    )
    assert seen == ["02-x.md", "https://example.org", "03-y.md"]
    assert html.count('href="/rewritten"') == 2


def test_render_inline_drops_the_single_paragraph() -> None:
    assert render_inline("Say *why*") == "Say <em>why</em>"
    assert render_inline("one\n\ntwo").startswith("<p>")


def test_user_markdown_shows_raw_html_as_text() -> None:
    html = render_user_markdown("I felt <b>awful</b> & <i>alone</i>")
    assert "&lt;b&gt;awful&lt;/b&gt;" in html
    assert "<b>" not in html


def test_user_markdown_links_are_nofollow() -> None:
    html = render_user_markdown("See [this](https://example.org/page).")
    assert 'href="https://example.org/page"' in html
    assert 'rel="nofollow noopener"' in html


def test_user_markdown_has_no_ids_classes_or_images() -> None:
    html = render_user_markdown(
        '## My week {#x}\n\n![pic](https://example.org/p.png)\n\n<div class="admonition">x</div>\n'
    )
    found = elements(html)
    assert [tag for tag, _ in found] == ["h2", "p", "p"]
    assert all(not attrs for _, attrs in found)


def test_user_markdown_keeps_line_breaks_and_lists() -> None:
    html = render_user_markdown("first line\nsecond line\n\n- one\n- two\n")
    assert "first line<br>" in html
    assert "<li>one</li>" in html
