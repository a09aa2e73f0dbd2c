"""Certificate PDFs: content, the attached credential, PDF/A-3a and the restricted fetcher."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pypdf
import pytest

from lms.certification import pdf as pdf_module
from lms.certification.pdf import (
    AssetRefused,
    CertificateDesignError,
    CertificateValues,
    PracticeLine,
    duration,
    long_date,
    make_url_fetcher,
    render_certificate_html,
    render_certificate_pdf,
)
from tests.certification.conftest import VERIFY_URL


@pytest.fixture(scope="module")
def credential_json(signed: dict[str, Any]) -> bytes:
    """Return the signed sample credential as it is stored."""
    return json.dumps(signed, indent=2, ensure_ascii=False).encode("utf-8")


@pytest.fixture(scope="module")
def rendered(design_dir: Path, values: CertificateValues, credential_json: bytes) -> bytes:
    """Return the sample certificate PDF."""
    return render_certificate_pdf(design_dir, values, credential_json)


@pytest.fixture(scope="module")
def reader(rendered: bytes) -> pypdf.PdfReader:
    """Return a pypdf reader over the sample certificate."""
    return pypdf.PdfReader(io.BytesIO(rendered))


def page_text(reader: pypdf.PdfReader) -> str:
    """Return the text of every page."""
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_is_one_a4_landscape_page(rendered: bytes, reader: pypdf.PdfReader) -> None:
    assert rendered.startswith(b"%PDF-")
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert round(float(box.width) / 72 * 25.4) == 297
    assert round(float(box.height) / 72 * 25.4) == 210


def test_pdf_shows_name_program_dates_and_code(
    reader: pypdf.PdfReader, values: CertificateValues
) -> None:
    text = page_text(reader)
    assert values.holder_name in text
    assert values.program_title in text
    assert values.code_display in text
    assert "15 January 2026" in text
    assert "15 January 2028" in text


def test_pdf_shows_what_was_certified(reader: pypdf.PdfReader, values: CertificateValues) -> None:
    text = page_text(reader)
    for item in (*values.modules, *values.competencies):
        assert item in text
    assert "Individual peer support" in text
    assert "30 hours 30 minutes" in text
    assert "40 hours" in text  # the total of 1830 and 570 minutes


def test_pdf_prints_the_verify_url_and_carries_the_qr_code(
    reader: pypdf.PdfReader, rendered: bytes
) -> None:
    assert VERIFY_URL in page_text(reader).replace("\n", "")
    content = reader.pages[0].get_contents()
    assert content is not None
    # The QR code is vector art: many filled modules drawn as path segments.
    assert content.get_data().count(b" l") + content.get_data().count(b" re") > 100


def test_credential_is_attached_unchanged(reader: pypdf.PdfReader, credential_json: bytes) -> None:
    attachments = reader.attachments
    assert list(attachments) == ["credential.json"]
    assert attachments["credential.json"] == [credential_json]


def test_pdf_is_tagged_pdf_a_3a(reader: pypdf.PdfReader) -> None:
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en"
    assert "/StructTreeRoot" in root
    assert "/AF" in root
    metadata = root["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in metadata
    assert b'pdfaid:conformance="A"' in metadata
    intent = root["/OutputIntents"][0]
    assert intent["/S"] == "/GTS_PDFA1"
    assert "sRGB" in intent["/OutputConditionIdentifier"]


def test_values_are_escaped_not_interpreted(design_dir: Path, values: CertificateValues) -> None:
    hostile = dataclasses.replace(
        values,
        holder_name='<img src="file:///etc/passwd">Eve',
        modules=("<script>alert(1)</script>",),
    )
    html = render_certificate_html(design_dir, hostile)
    assert '<img src="file:///etc/passwd">' not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;Eve" in html
    assert "&lt;script&gt;" in html


def test_hostile_names_render_as_text(
    design_dir: Path, values: CertificateValues, credential_json: bytes
) -> None:
    hostile = dataclasses.replace(values, holder_name='Eve <img src="https://evil.example/x">')
    document = pypdf.PdfReader(
        io.BytesIO(render_certificate_pdf(design_dir, hostile, credential_json))
    )
    assert 'Eve <img src="https://evil.example/x">' in page_text(document)


@pytest.mark.parametrize(
    "svg",
    [
        "<svg><script>alert(1)</script></svg>",
        '<svg><image href="file:///etc/passwd"/></svg>',
        "<div>not svg</div>",
        '<?xml version="1.0"?><svg></svg>',
    ],
)
def test_only_plain_qr_svg_is_accepted(
    design_dir: Path, values: CertificateValues, svg: str
) -> None:
    with pytest.raises(ValueError, match="qr_svg"):
        render_certificate_html(design_dir, dataclasses.replace(values, qr_svg=svg))


def test_control_characters_are_removed(design_dir: Path, values: CertificateValues) -> None:
    html = render_certificate_html(
        design_dir, dataclasses.replace(values, holder_name="Jane\x00\x1b Doe\u2011Smith")
    )
    assert "Jane Doe-Smith" in html


def test_long_lists_are_never_cut_off(
    design_dir: Path, values: CertificateValues, credential_json: bytes
) -> None:
    many = dataclasses.replace(
        values,
        modules=tuple(f"Module {number} on a long topic" for number in range(1, 31)),
        competencies=tuple(f"Competency number {number}" for number in range(1, 31)),
        practice_lines=tuple(PracticeLine(f"Activity {n}", 60 * n) for n in range(1, 16)),
    )
    document = pypdf.PdfReader(
        io.BytesIO(render_certificate_pdf(design_dir, many, credential_json))
    )
    text = page_text(document)
    for number in range(1, 31):
        assert f"Module {number} on a long topic" in text
        assert f"Competency number {number}" in text
    assert values.code_display in text


def test_a_full_program_fits_the_regular_layout_in_one_pass(
    design_dir: Path, values: CertificateValues, credential_json: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each layout pass is most of a render's cost: the compact retry is for unusual lists only.
    layouts: list[int] = []
    real_html = pdf_module.HTML

    class CountingHTML(real_html):  # type: ignore[misc, valid-type]
        def render(self, *args: Any, **kwargs: Any) -> Any:
            document = super().render(*args, **kwargs)
            layouts.append(len(document.pages))
            return document

    monkeypatch.setattr(pdf_module, "HTML", CountingHTML)
    full = dataclasses.replace(
        values,
        modules=tuple(f"Module {number}: a title of ordinary length" for number in range(1, 9)),
        competencies=tuple(f"Observed competency number {number}" for number in range(1, 9)),
        practice_lines=tuple(PracticeLine(f"Activity {n}", 60 * n) for n in range(1, 5)),
    )
    render_certificate_pdf(design_dir, values, credential_json)
    render_certificate_pdf(design_dir, full, credential_json)
    assert layouts == [1, 1]


def test_fetcher_serves_files_inside_the_design_and_data_urls(design_dir: Path) -> None:
    fetcher = make_url_fetcher(design_dir)
    response = fetcher.fetch((design_dir / "lantern.svg").as_uri())
    assert b"<svg" in response.read()
    assert response.content_type == "image/svg+xml"
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/tracker.png",
        "http://169.254.169.254/latest/meta-data/",
        "ftp://example.org/file",
        "file:///etc/passwd",
        "file://remote-host/share/file",
    ],
)
def test_fetcher_refuses_external_urls(design_dir: Path, url: str) -> None:
    fetcher = make_url_fetcher(design_dir)
    with pytest.raises(AssetRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_refuses_files_outside_the_design(design_dir: Path, tmp_path: Path) -> None:
    fetcher = make_url_fetcher(design_dir)
    outside = design_dir.parent.parent / "pyproject.toml"
    traversal = design_dir.as_uri() + "/../../pyproject.toml"
    sibling = design_dir.parent / "classic-evil" / "x.svg"
    link = tmp_path / "design"
    shutil.copytree(design_dir, link)
    (link / "escape.toml").symlink_to(outside)
    for url in (outside.as_uri(), traversal, sibling.as_uri(), design_dir.as_uri()):
        with pytest.raises(AssetRefused):
            fetcher.fetch(url)
    with pytest.raises(AssetRefused):
        make_url_fetcher(link).fetch((link / "escape.toml").as_uri())


def copy_design(design_dir: Path, target: Path, extra_html: str = "", css_prefix: str = "") -> Path:
    """Copy the classic design, adding markup to its page or rules before its style."""
    shutil.copytree(design_dir, target)
    html = (target / "certificate.html").read_text()
    (target / "certificate.html").write_text(html.replace("</main>", extra_html + "</main>"))
    css = (target / "certificate.css").read_text()
    (target / "certificate.css").write_text(css_prefix + css)
    return target


@pytest.mark.parametrize(
    "markup",
    ['<img src="https://evil.example/pixel.png" alt="">', '<img src="/etc/hostname" alt="">'],
)
def test_a_design_reaching_outside_its_folder_fails_loudly(
    design_dir: Path, tmp_path: Path, values: CertificateValues, markup: str
) -> None:
    design = copy_design(design_dir, tmp_path / "leaky", extra_html=markup)
    with pytest.raises(CertificateDesignError, match="outside its folder"):
        render_certificate_pdf(design, values, b"{}")


def test_a_stylesheet_importing_from_outside_fails_loudly(
    design_dir: Path, tmp_path: Path, values: CertificateValues
) -> None:
    design = copy_design(
        design_dir, tmp_path / "css", css_prefix='@import url("https://evil.example/x.css");\n'
    )
    with pytest.raises(CertificateDesignError, match="outside the design"):
        render_certificate_pdf(design, values, b"{}")


def test_a_design_without_its_files_is_reported(tmp_path: Path, values: CertificateValues) -> None:
    with pytest.raises(CertificateDesignError, match=r"certificate\.html"):
        render_certificate_pdf(tmp_path, values, b"{}")


def test_credential_must_be_json(design_dir: Path, values: CertificateValues) -> None:
    with pytest.raises(ValueError, match="not JSON"):
        render_certificate_pdf(design_dir, values, b"<html>")


def test_design_is_loaded_once_and_reused(
    design_dir: Path, values: CertificateValues, credential_json: bytes
) -> None:
    render_certificate_pdf(design_dir, values, credential_json)
    before = pdf_module._cached_design.cache_info()
    render_certificate_pdf(design_dir, values, credential_json)
    after = pdf_module._cached_design.cache_info()
    assert after.misses == before.misses
    assert after.hits == before.hits + 1


def test_no_expiry_is_allowed(
    design_dir: Path, values: CertificateValues, credential_json: bytes
) -> None:
    html = render_certificate_html(design_dir, dataclasses.replace(values, expires_on=None))
    assert "Valid until" not in html


def test_date_and_duration_formatting() -> None:
    assert long_date(date(2026, 1, 5)) == "5 January 2026"
    assert long_date(None) == ""
    assert duration(0) == "0 hours"
    assert duration(60) == "1 hour"
    assert duration(61) == "1 hour 1 minute"
    assert duration(45) == "45 minutes"
    assert duration(2400) == "40 hours"


def test_pdf_is_accessible_and_says_what_the_verify_page_says(
    design_dir: Path, values: CertificateValues, credential_json: bytes
) -> None:
    with_supervision = dataclasses.replace(values, supervision_minutes=240)
    reader = pypdf.PdfReader(io.BytesIO(
        render_certificate_pdf(design_dir, with_supervision, credential_json)))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en" and root["/MarkInfo"]["/Marked"]
    kinds: list[str] = []
    alts: list[str] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            for child in node:
                walk(child)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if "/S" in node:
                kinds.append(str(node["/S"]))
                if node["/S"] == "/Figure":
                    alts.append(str(node.get("/Alt", "")))
            if "/K" in node:
                walk(node["/K"])

    walk(root["/StructTreeRoot"])
    # A structure tree in reading order: the award's heading before the record's headings.
    assert kinds.index("/H1") < kinds.index("/H2")
    assert "/Table" in kinds and "/L" in kinds and "/Link" in kinds
    assert len(alts) == 2 and all(alts), alts  # the logo and the QR code
    assert any("QR code" in alt for alt in alts) and any("logo" in alt for alt in alts)
    links = [annotation.get_object() for annotation in reader.pages[0]["/Annots"]]
    assert [link["/A"]["/URI"] for link in links if link["/Subtype"] == "/Link"] == [VERIFY_URL]
    assert "Supervision received: 4 hours" in page_text(reader)
    metadata = root["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in metadata and b'pdfaid:conformance="A"' in metadata
    assert list(reader.attachments) == ["credential.json"]
