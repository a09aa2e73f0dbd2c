"""Offline JSON-LD processing: pinned contexts, RDFC-1.0 canonicalisation, data-loss guard.

Only the context files in ``contexts/`` are ever loaded; any other URL raises, so a credential
can neither make the server fetch the network nor swap a context for a hostile one.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, cast

from cachetools import LRUCache

CONTEXTS_DIR = Path(__file__).parent / "contexts"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"

PINNED: dict[str, str] = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    DID_V1: "did-v1.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
}

# Terms no context defines expand under this IRI, so they can be found instead of vanishing.
UNDEFINED_VOCAB = "urn:lantern:undefined-term:"

DocumentLoader = Callable[..., dict[str, Any]]


class UnknownContext(Exception):
    """A document referred to a context that is not pinned locally."""


class CredentialDataLoss(Exception):
    """A document holds data the JSON-LD contexts do not define, so it would not be signed."""


class _LockedLRUCache(LRUCache[str, Any]):
    """An LRU cache safe to share between threads (a threaded server may sign concurrently)."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize=maxsize)
        self._lock = threading.RLock()

    def __getitem__(self, key: Any) -> Any:
        with self._lock:
            return super().__getitem__(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._lock:
            super().__setitem__(key, value)

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            return super().get(key, default)


@cache
def _pinned_document(url: str) -> dict[str, Any]:
    """Return the parsed pinned context for a URL."""
    document: dict[str, Any] = json.loads((CONTEXTS_DIR / PINNED[url]).read_text(encoding="utf-8"))
    return document


def make_loader(extra: Mapping[str, Mapping[str, Any]] | None = None) -> DocumentLoader:
    """Return a PyLD document loader serving the pinned contexts plus ``extra`` documents."""
    extras = {url: copy.deepcopy(dict(doc)) for url, doc in (extra or {}).items()}

    def load(url: str, options: Any = None) -> dict[str, Any]:
        if url in extras:
            document = extras[url]
        elif url in PINNED:
            document = _pinned_document(url)
        else:
            raise UnknownContext(f"context {url!r} is not pinned; refusing to fetch it")
        # PyLD may keep references into the document, so hand it a private copy. The "static"
        # tag lets PyLD cache the processed context instead of re-processing it on every call.
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(document),
            "tag": "static",
        }

    # PyLD's default cache of resolved contexts is global and keyed by URL alone, so a context
    # resolved by any other loader in the process would be used without asking this one.
    load.context_cache = _LockedLRUCache(maxsize=32)  # type: ignore[attr-defined]
    return load


document_loader: DocumentLoader = make_loader()


def pyld_options(loader: DocumentLoader | None = None) -> dict[str, Any]:
    """Return PyLD options that resolve contexts only through ``loader`` and its own cache."""
    # PyLD (with lxml and requests, about 11 MB) is imported when a credential is signed or
    # checked, not by every app worker at start-up (docs/performance.md, worker memory).
    from pyld.context_resolver import ContextResolver

    chosen = loader or document_loader
    cache = getattr(chosen, "context_cache", None)
    if cache is None:
        cache = _LockedLRUCache(maxsize=32)
    return {
        "documentLoader": chosen,
        "contextResolver": ContextResolver(cache, chosen),
        # PyLD otherwise resolves relative IRIs against http://example.org/base/.
        "base": None,
    }


def canonicalize(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> str:
    """Return the RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document."""
    from pyld import jsonld

    options = {"algorithm": "URDNA2015", "format": "application/n-quads", **pyld_options(loader)}
    return cast(str, jsonld.normalize(dict(document), options))


def expand(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> list[Any]:
    """Return the expanded form of a JSON-LD document."""
    from pyld import jsonld

    return cast(list[Any], jsonld.expand(dict(document), pyld_options(loader)))


def undefined_terms(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> list[str]:
    """Return every key, type or IRI in the document that JSON-LD processing would drop."""
    problems = sorted(set(_raw_problems(document)))
    probe = dict(document)
    contexts = probe.get("@context")
    if contexts is None:
        return [*problems, "@context (missing)"]
    context_list = contexts if isinstance(contexts, list) else [contexts]
    # First, so a context that deliberately sets its own @vocab still takes precedence.
    probe["@context"] = [{"@vocab": UNDEFINED_VOCAB}, *context_list]
    found = set(_expanded_problems(expand(probe, loader)))
    return problems + sorted(found)


def assert_no_data_loss(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> None:
    """Raise CredentialDataLoss if any part of the document is not defined by its contexts."""
    problems = undefined_terms(document, loader)
    if problems:
        raise CredentialDataLoss(
            "these terms are not defined by the credential's JSON-LD contexts and would not be "
            "signed: " + ", ".join(problems)
        )


def _raw_problems(node: Any, path: str = "") -> Iterator[str]:
    """Yield JSON paths of nulls and unknown @-keys, which expansion drops without a trace."""
    if node is None:
        yield f"{path or '(document)'} (null)"
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _raw_problems(item, f"{path}[{index}]")
    elif isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else key
            if key == "@context":
                continue
            if key.startswith("@"):
                yield f"{here} (keyword not allowed)"
            yield from _raw_problems(value, here)


def _expanded_problems(node: Any) -> Iterator[str]:
    """Yield terms that expanded under the probe vocabulary, and relative IRIs."""
    if isinstance(node, list):
        for item in node:
            yield from _expanded_problems(item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key.startswith(UNDEFINED_VOCAB):
            yield key.removeprefix(UNDEFINED_VOCAB)
        if key == "@id" and isinstance(value, str) and not _is_absolute(value):
            yield f"{value} (relative IRI)"
        if key == "@type":
            for type_ in value if isinstance(value, list) else [value]:
                if isinstance(type_, str) and type_.startswith(UNDEFINED_VOCAB):
                    yield f"{type_.removeprefix(UNDEFINED_VOCAB)} (type)"
                elif isinstance(type_, str) and not _is_absolute(type_):
                    yield f"{type_} (relative type IRI)"
        if key != "@value":
            yield from _expanded_problems(value)


def _is_absolute(iri: str) -> bool:
    """Return whether an IRI is absolute or a blank node label."""
    if iri.startswith("_:"):
        return True
    scheme, sep, _ = iri.partition(":")
    return bool(sep) and scheme[:1].isalpha() and all(c.isalnum() or c in "+-." for c in scheme)
