"""Certificate PDFs: a design folder rendered by WeasyPrint as PDF/A-3a with the credential.

A design is a folder (``certificates/<design>/``) holding ``certificate.html`` (a Jinja template),
``certificate.css`` and small assets. The template only ever receives plain values, and the URL
fetcher only serves files inside that folder, so neither a holder's name nor a design can make
the renderer read other files or reach the network.
"""

from __future__ import annotations

import io
import json
import mimetypes
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2
from markupsafe import Markup
from weasyprint import CSS, HTML, Attachment
from weasyprint.css import ColorProfile
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

TEMPLATE_NAME = "certificate.html"
STYLESHEET_NAME = "certificate.css"
ATTACHMENT_NAME = "credential.json"
PDF_VARIANT = "pdf/a-3a"
# WeasyPrint opens its sRGB profile for every PDF/A render and never closes the file; naming
# our own copy of the same profile as the output intent avoids that leak (and the re-read).
OUTPUT_INTENT = "srgb-icc"
MONTHS = (
    "January February March April May June July August September October November December"
).split()


class CertificateDesignError(Exception):
    """A design is missing a file or tried to load something from outside its folder."""


class AssetRefused(ValueError):
    """The renderer asked for a URL outside the certificate design folder."""


@dataclass(frozen=True)
class PracticeLine:
    """Approved practice time for one activity type."""

    activity: str
    minutes: int


@dataclass(frozen=True)
class CertificateValues:
    """The plain values a certificate design may show."""

    holder_name: str
    program_title: str
    issued_on: date
    expires_on: date | None
    code_display: str
    verify_url: str
    modules: tuple[str, ...] = ()
    practice_lines: tuple[PracticeLine, ...] = ()
    competencies: tuple[str, ...] = ()
    qr_svg: str = field(default="", repr=False)
    issuer_name: str = ""
    supervision_minutes: int = 0  # supervision received, as the verify page lists it


class DesignFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves data: URLs and files inside one folder only."""

    def __init__(self, design_dir: Path) -> None:
        super().__init__(timeout=1, allowed_protocols={"file", "data"}, allow_redirects=False)
        self.root = design_dir.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Return the resource at url if it is allowed, or raise AssetRefused."""
        try:
            return self._fetch(url, headers)
        except AssetRefused:
            self.refused.append(url)
            raise

    def _fetch(self, url: str, headers: Any) -> URLFetcherResponse:
        """Serve data: URLs and files inside the design folder."""
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise AssetRefused(f"certificate designs may not load {url!r}")
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise AssetRefused(f"certificate designs may not load {url!r}")
        try:
            path = Path(url2pathname(unquote(parts.path))).resolve(strict=True)
        except (OSError, RuntimeError):
            raise AssetRefused(f"certificate design file not found: {url!r}") from None
        if not path.is_relative_to(self.root) or not path.is_file():
            raise AssetRefused(f"certificate designs may only load their own files, not {url!r}")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime_type}
        )


@dataclass(frozen=True)
class _Design:
    """A loaded design: its Jinja environment, parsed stylesheet and shared caches."""

    root: Path
    environment: jinja2.Environment
    stylesheet: CSS
    font_config: FontConfiguration
    image_cache: dict[str, Any]


_design_lock = threading.Lock()
_render_lock = threading.Lock()


@cache
def _srgb_profile_bytes() -> bytes:
    """Return WeasyPrint's bundled sRGB ICC profile."""
    return (files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()


def _color_profiles() -> dict[str, ColorProfile]:
    """Return a fresh colour profile map (WeasyPrint writes per-PDF state into it)."""
    profile = ColorProfile(
        io.BytesIO(_srgb_profile_bytes()),
        "sRGB2014.icc",
        "relative-colorimetric",
        (["r"], ["g"], ["b"]),
    )
    return {OUTPUT_INTENT: profile}


def long_date(value: date | None) -> str:
    """Return a date as '15 January 2026' (the same in every locale)."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def duration(minutes: int) -> str:
    """Return minutes as '12 hours' or '12 hours 30 minutes'."""
    hours, rest = divmod(int(minutes), 60)
    parts = []
    if hours or not rest:
        parts.append(f"{hours} hour" + ("" if hours == 1 else "s"))
    if rest:
        parts.append(f"{rest} minute" + ("" if rest == 1 else "s"))
    return " ".join(parts)


def _load_design(root: Path) -> _Design:
    """Return the cached design for a folder, reloading it when its stylesheet changes."""
    for name in (TEMPLATE_NAME, STYLESHEET_NAME):
        if not (root / name).is_file():
            raise CertificateDesignError(f"certificate design {root} has no {name}")
    stamp = (root / STYLESHEET_NAME).stat().st_mtime_ns
    with _design_lock:
        return _cached_design(str(root), stamp)


@lru_cache(maxsize=8)
def _cached_design(root_text: str, stylesheet_stamp: int) -> _Design:
    """Build the Jinja environment and parse the stylesheet once per design version."""
    root = Path(root_text)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,
    )
    environment.filters["long_date"] = long_date
    environment.filters["duration"] = duration
    font_config = FontConfiguration()
    fetcher = DesignFetcher(root)
    stylesheet = CSS(
        filename=str(root / STYLESHEET_NAME), url_fetcher=fetcher, font_config=font_config
    )
    if fetcher.refused:
        raise CertificateDesignError(
            f"{root / STYLESHEET_NAME} refers to files outside the design: {fetcher.refused}"
        )
    return _Design(root, environment, stylesheet, font_config, {})


def _plain(text: str) -> str:
    """Return text in NFC without control characters."""
    text = unicodedata.normalize("NFC", str(text))
    # U+2011 sends WeasyPrint's font fallback into a very slow path (WeasyPrint #2811).
    text = text.replace("\u2011", "-")
    return "".join(char for char in text if unicodedata.category(char) != "Cc" or char == " ")


def _qr_markup(svg: str) -> Markup:
    """Return the QR code SVG as markup, refusing anything but a plain inline SVG."""
    if not svg:
        return Markup("")
    lowered = svg.lower()
    if not lowered.startswith("<svg") or any(
        needle in lowered for needle in ("<script", "href", "url(", "<foreignobject", "<?xml")
    ):
        raise ValueError("qr_svg must be a plain inline <svg> element")
    return Markup(svg)


def template_context(values: CertificateValues) -> dict[str, Any]:
    """Return the plain values handed to a design's template."""
    return {
        "holder_name": _plain(values.holder_name),
        "program_title": _plain(values.program_title),
        "issuer_name": _plain(values.issuer_name),
        "issued_on": values.issued_on,
        "expires_on": values.expires_on,
        "code_display": _plain(values.code_display),
        "verify_url": _plain(values.verify_url),
        "modules": [_plain(module) for module in values.modules],
        "practice_lines": [
            {"activity": _plain(line.activity), "minutes": int(line.minutes)}
            for line in values.practice_lines
        ],
        "practice_total_minutes": sum(int(line.minutes) for line in values.practice_lines),
        "supervision_minutes": int(values.supervision_minutes),
        "competencies": [_plain(item) for item in values.competencies],
        "qr_svg": _qr_markup(values.qr_svg),
    }


def render_certificate_html(
    design_dir: Path, values: CertificateValues, *, compact: bool = False
) -> str:
    """Return the design's HTML filled in with the certificate's values."""
    design = _load_design(Path(design_dir).resolve())
    template = design.environment.get_template(TEMPLATE_NAME)
    return template.render(template_context(values), compact=compact)


def render_certificate_pdf(
    design_dir: Path, values: CertificateValues, credential_json: bytes
) -> bytes:
    """Return the certificate as PDF/A-3a bytes with the signed credential attached."""
    try:
        json.loads(credential_json)
    except ValueError as error:
        raise ValueError(f"credential_json is not JSON: {error}") from None
    root = Path(design_dir).resolve()
    design = _load_design(root)
    fetcher = DesignFetcher(root)
    options: dict[str, Any] = {
        "stylesheets": [design.stylesheet],
        "pdf_variant": PDF_VARIANT,
        "output_intent": OUTPUT_INTENT,
        "cache": design.image_cache,
    }
    context = template_context(values)
    attachment = Attachment(
        string=credential_json,
        name=ATTACHMENT_NAME,
        description="Signed Open Badges 3.0 credential (W3C Verifiable Credential)",
        relationship="Data",
        url_fetcher=fetcher,
    )
    # The design's parsed stylesheet and font configuration are shared between renders, and
    # WeasyPrint does not promise thread safety, so threaded servers render one at a time.
    with _render_lock:
        pdf = _render(root, design, fetcher, context, attachment, options)
    if fetcher.refused:
        raise CertificateDesignError(
            f"the certificate design tried to load files outside its folder: {fetcher.refused}"
        )
    if pdf is None:  # pragma: no cover - write_pdf returns bytes when no target is given
        raise CertificateDesignError("WeasyPrint produced no PDF")
    return pdf


def _render(
    root: Path,
    design: _Design,
    fetcher: DesignFetcher,
    context: dict[str, Any],
    attachment: Attachment,
    options: dict[str, Any],
) -> bytes | None:
    """Lay out the certificate on one page if at all possible, then write the PDF."""
    document = None
    # A long list of modules or competencies must never be cut off: try a denser layout, and
    # accept a second page only if even that does not fit.
    for compact in (False, True):
        html = design.environment.get_template(TEMPLATE_NAME).render(context, compact=compact)
        page = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher)
        document = page.render(
            font_config=design.font_config, color_profiles=_color_profiles(), **options
        )
        if len(document.pages) == 1:
            break
    if document is None:  # pragma: no cover - the loop always runs
        return None
    return document.write_pdf(attachments=[attachment], **options)


def make_url_fetcher(design_dir: Path) -> DesignFetcher:
    """Return the restricted URL fetcher used for a design folder."""
    return DesignFetcher(Path(design_dir))
