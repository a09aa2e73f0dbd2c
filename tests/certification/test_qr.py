"""QR codes of verification URLs."""

from __future__ import annotations

import re

import pytest
import segno

from lms.certification.qr import offer_qr_svg, qr_svg
from tests.certification.conftest import VERIFY_URL


def test_qr_is_an_inline_svg_without_xml_declaration() -> None:
    svg = qr_svg(VERIFY_URL)
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert "<?xml" not in svg
    assert "<title>" in svg
    assert re.search(r'viewBox="0 0 (\d+) \1"', svg)


def test_qr_uses_error_correction_m() -> None:
    code = segno.make(VERIFY_URL, error="m", boost_error=False, micro=False)
    assert code.error == "M"
    # 4 modules of quiet zone on each side are part of the viewBox.
    assert f'viewBox="0 0 {code.symbol_size(scale=1, border=4)[0]}' in qr_svg(VERIFY_URL)


def test_qr_encodes_the_url() -> None:
    # Same input, same options: the SVG path is a pure function of the encoded URL.
    other = "https://verify.example.org/verify/0000000000000000"
    assert qr_svg(VERIFY_URL) == qr_svg(VERIFY_URL)
    assert qr_svg(VERIFY_URL) != qr_svg(other)


def test_qr_title_is_escaped() -> None:
    assert "<title>a &lt;b&gt;</title>" in qr_svg(VERIFY_URL, title="a <b>")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "verify/ABC"])
def test_qr_refuses_anything_but_http_urls(url: str) -> None:
    with pytest.raises(ValueError):
        qr_svg(url)


def test_a_wallet_offer_qr_holds_only_an_openid_credential_offer_link() -> None:
    from lms.certification.oid4vci import credential_offer, offer_uri

    link = offer_uri(credential_offer("https://verify.example.org", "x" * 43, True))
    svg = offer_qr_svg(link)
    assert svg.startswith("<svg") and "<title>QR code for your wallet app</title>" in svg
    # Small enough to scan from a phone held to a laptop screen.
    assert segno.make(link, error="l").version <= 15
    for other in (VERIFY_URL, "javascript:alert(1)"):
        with pytest.raises(ValueError):
            offer_qr_svg(other)
