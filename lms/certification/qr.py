"""QR code of a certificate's verification URL, as inline SVG for the PDF design."""

from __future__ import annotations

DEFAULT_TITLE = "QR code that opens the certificate's verification page"


def qr_svg(url: str, *, title: str = DEFAULT_TITLE, dark: str = "#000") -> str:
    """Return an inline <svg> element (no XML declaration) encoding ``url`` at error level M."""
    if not url.startswith(("https://", "http://")):
        raise ValueError("the QR code must encode an http(s) verification URL")
    import segno  # deferred: only certificate PDFs need it, not every worker at start-up

    # boost_error=False keeps exactly level M, so the symbol size is predictable for designs.
    code = segno.make(url, error="m", boost_error=False, micro=False)
    # The size is left to the design's CSS; the quiet zone (4 modules) is part of the viewBox.
    return code.svg_inline(
        scale=1,
        border=4,
        omitsize=True,
        dark=dark,
        title=title,  # segno escapes it
        svgclass="qr",
        lineclass=None,
    )


def offer_qr_svg(offer_uri: str) -> str:
    """Return an inline <svg> of a wallet's openid-credential-offer:// link, for the screen."""
    if not offer_uri.startswith("openid-credential-offer://"):
        raise ValueError("the QR code must encode an openid-credential-offer:// link")
    import segno  # deferred, as in qr_svg

    code = segno.make(offer_uri, error="l", micro=False)
    return code.svg_inline(scale=1, border=4, omitsize=True, dark="#000",
                           title="QR code for your wallet app", svgclass="qr", lineclass=None)
