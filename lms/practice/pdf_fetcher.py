"""The URL fetcher of the practice summary PDF: data: URIs only (imports WeasyPrint)."""

from __future__ import annotations

from typing import Any

from weasyprint.urls import URLFetcher, URLFetcherResponse


class FetchRefused(ValueError):
    """The PDF renderer asked for something other than a data: URI."""


class DataOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves data: URIs and refuses everything else."""

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols={"data"}, allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Return a data: URI's content, or refuse."""
        if not url.lower().startswith("data:"):
            self.refused.append(url)
            raise FetchRefused(f"practice summaries may only use data: URIs, not {url!r}")
        return super().fetch(url, headers)
