"""Render Markdown to safe HTML: trusted course content and untrusted user text."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

__all__ = [
    "Heading",
    "Rendered",
    "render_content",
    "render_inline",
    "render_markdown",
    "render_user_markdown",
    "sanitize_content_html",
    "sanitize_user_html",
]

#: Maps an href found in the Markdown to the href that should reach the browser.
HrefRewriter = Callable[[str], str]

# A fixed list: adding an extension changes what authors may write, so it is a reviewed change.
CONTENT_EXTENSIONS: tuple[str, ...] = (
    "abbr",
    "admonition",
    "attr_list",
    "def_list",
    "footnotes",
    "sane_lists",
    "tables",
    "toc",
    "pymdownx.highlight",
    "pymdownx.superfences",
)
CONTENT_EXTENSION_CONFIG: dict[str, dict[str, Any]] = {
    # Attributes, not inline styles: the CSP forbids style attributes.
    "tables": {"use_align_attribute": True},
    # Plain <code> blocks: no Pygments spans to allow-list, and output does not depend on it.
    "pymdownx.highlight": {"use_pygments": False},
}
USER_EXTENSIONS: tuple[str, ...] = ("sane_lists", "fenced_code", "nl2br")

ADMONITION_TYPES = frozenset(
    "admonition note tip hint important warning caution attention danger error info example "
    "quote success question abstract".split()
)

_BLOCK_TAGS = frozenset(
    "blockquote br dd del details div dl dt figcaption figure hr ins li ol p pre summary ul".split()
)
_INLINE_TAGS = frozenset("a abbr b cite code em i kbd mark q s small span strong sub sup u".split())
_TABLE_TAGS = {"caption", "table", "tbody", "td", "tfoot", "th", "thead", "tr"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

CONTENT_TAGS = _BLOCK_TAGS | _INLINE_TAGS | _TABLE_TAGS | _HEADINGS | {"img"}
CONTENT_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: {"id"} for tag in _HEADINGS},
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "li": {"id"},  # footnote targets
    "ol": {"start"},
    "sup": {"id"},  # footnote back-reference targets
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
}
CONTENT_CLASSES: dict[str, set[str]] = {
    "a": {"footnote-ref", "footnote-backref"},
    "div": set(ADMONITION_TYPES) | {"footnote", "highlight"},
    "p": {"admonition-title"},
}

USER_TAGS = frozenset("a blockquote br code del em hr li ol p pre strong ul".split()) | _HEADINGS
USER_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True, slots=True)
class Heading:
    """One heading of a rendered document, as the toc extension saw it."""

    level: int
    anchor_id: str
    title: str


@dataclass(frozen=True, slots=True)
class Rendered:
    """Sanitized HTML plus the headings it contains, in document order."""

    html: str
    headings: tuple[Heading, ...]


class _RewriteLinks(Treeprocessor):
    """Pass every link's href through the rewriter set for the current conversion."""

    def run(self, root: Element) -> None:
        rewrite: HrefRewriter | None = getattr(self.md, "lantern_rewrite_href", None)
        if rewrite is None:
            return
        for element in root.iter("a"):
            href = element.get("href")
            if href:
                element.set("href", rewrite(href))


class _LinkRewriterExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (library API)
        # Priority 1: after the inline processor (20) has created the <a> elements.
        md.treeprocessors.register(_RewriteLinks(md), "lantern_links", 1)


# Markdown instances are not thread-safe but are costly to build: keep one per thread.
_local = threading.local()


def _content_md() -> markdown.Markdown:
    md: markdown.Markdown | None = getattr(_local, "content", None)
    if md is None:
        md = markdown.Markdown(
            extensions=[*CONTENT_EXTENSIONS, _LinkRewriterExtension()],
            extension_configs=CONTENT_EXTENSION_CONFIG,
            output_format="html",
        )
        _local.content = md
    return md


def _user_md() -> markdown.Markdown:
    md: markdown.Markdown | None = getattr(_local, "user", None)
    if md is None:
        md = markdown.Markdown(extensions=list(USER_EXTENSIONS), output_format="html")
        # No raw HTML from users at all: it is shown as text rather than passed to the sanitizer.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        _local.user = md
    return md


def sanitize_content_html(fragment: str) -> str:
    """Reduce HTML from trusted content to the allow-list (keeps ids and admonition classes)."""
    return nh3.clean(
        fragment,
        tags=CONTENT_TAGS,
        attributes=CONTENT_ATTRIBUTES,
        allowed_classes=CONTENT_CLASSES,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


def sanitize_user_html(fragment: str) -> str:
    """Reduce HTML from untrusted users to a small allow-list without ids or classes."""
    return nh3.clean(
        fragment,
        tags=USER_TAGS,
        attributes=USER_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel="nofollow noopener",
    )


def _flatten(tokens: list[dict[str, Any]]) -> Iterator[Heading]:
    for token in tokens:
        # The toc extension escapes names for HTML; we hand out plain text.
        yield Heading(int(token["level"]), str(token["id"]), html.unescape(str(token["name"])))
        yield from _flatten(token.get("children", []))


def render_content(text: str, rewrite_href: HrefRewriter | None = None) -> Rendered:
    """Render trusted course Markdown, rewriting links, and return HTML with its headings."""
    md = _content_md()
    md.reset()
    md.lantern_rewrite_href = rewrite_href  # type: ignore[attr-defined]
    try:
        raw = md.convert(text)
        headings = tuple(_flatten(md.toc_tokens))  # type: ignore[attr-defined]
    finally:
        md.lantern_rewrite_href = None  # type: ignore[attr-defined]
    return Rendered(sanitize_content_html(raw), headings)


def render_markdown(text: str, rewrite_href: HrefRewriter | None = None) -> str:
    """Render trusted course Markdown to sanitized HTML."""
    return render_content(text, rewrite_href).html


def render_inline(text: str, rewrite_href: HrefRewriter | None = None) -> str:
    """Render one paragraph of course Markdown without the wrapping <p> (for labels)."""
    result = render_markdown(text, rewrite_href).strip()
    if result.startswith("<p>") and result.endswith("</p>") and result.count("<p>") == 1:
        return result[3:-4]
    return result


#: Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): invisible,
#: yet able to make the text around them display in another order than it was written.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def without_bidi_controls(text: str) -> str:
    """Return user text without the invisible characters that reorder it on display."""
    # Stored text keeps them (it is a record); only what is shown drops them.
    return text.translate(_BIDI_CONTROLS) if text else text


def render_user_markdown(text: str) -> str:
    """Render untrusted user Markdown: no raw HTML, no ids, links marked nofollow."""
    md = _user_md()
    md.reset()
    return sanitize_user_html(md.convert(without_bidi_controls(text)))
