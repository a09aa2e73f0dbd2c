"""The offline document loader and the data-loss guard."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pyld.jsonld import JsonLdError

from lms.certification.credentials import jsonld
from lms.certification.credentials.jsonld import (
    CONTEXTS_DIR,
    PINNED,
    CredentialDataLoss,
    UnknownContext,
)


def test_every_pinned_context_is_shipped_and_parses() -> None:
    for url, filename in PINNED.items():
        document = jsonld.document_loader(url)
        assert document["documentUrl"] == url
        assert "@context" in document["document"]
        assert (CONTEXTS_DIR / filename).is_file()


def test_the_vc_context_is_the_final_one_without_vocab() -> None:
    context = jsonld.document_loader(jsonld.VC_V2)["document"]["@context"]
    assert "@vocab" not in context
    assert "BitstringStatusListEntry" in context
    assert context["@protected"] is True


def test_the_readme_records_every_pinned_file() -> None:
    readme = (CONTEXTS_DIR / "README.md").read_text(encoding="utf-8")
    for url, filename in PINNED.items():
        assert url in readme
        assert filename in readme


@pytest.mark.parametrize(
    "url",
    [
        "https://www.w3.org/2018/credentials/v1",
        "https://evil.example/context.json",
        "file:///etc/passwd",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    ],
)
def test_loader_refuses_any_other_url(url: str) -> None:
    with pytest.raises(UnknownContext):
        jsonld.document_loader(url)


def test_canonicalising_a_document_with_an_unknown_context_fails() -> None:
    document = {"@context": "https://evil.example/context.json", "name": "x"}
    with pytest.raises(JsonLdError):
        jsonld.canonicalize(document)


def test_loader_hands_out_copies() -> None:
    first = jsonld.document_loader(jsonld.OB_V3)["document"]
    first["@context"]["name"] = "tampered"
    assert jsonld.document_loader(jsonld.OB_V3)["document"]["@context"]["name"] != "tampered"


def test_extra_documents_are_served_only_by_their_own_loader() -> None:
    loader = jsonld.make_loader({"https://example.org/ctx": {"@context": {"a": "https://a/"}}})
    assert loader("https://example.org/ctx")["document"]["@context"]["a"] == "https://a/"
    with pytest.raises(UnknownContext):
        jsonld.document_loader("https://example.org/ctx")


def test_a_complete_credential_has_no_undefined_terms(credential: dict[str, Any]) -> None:
    assert jsonld.undefined_terms(credential) == []
    jsonld.assert_no_data_loss(credential)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda c: c.update(favouriteColour="blue"), "favouriteColour"),
        (lambda c: c["credentialSubject"].update(shoeSize=42), "shoeSize"),
        (lambda c: c["credentialSubject"]["achievement"].update(hours=40), "hours"),
        (lambda c: c["credentialSubject"]["achievement"]["criteria"].update(x=1), "x"),
        (
            lambda c: c["credentialSubject"].update(type=["AchievementSubject", "Mystery"]),
            "Mystery",
        ),
        (lambda c: c["issuer"].update(email2="a@b"), "email2"),
        (lambda c: c["credentialStatus"].update(statusNote="n"), "statusNote"),
        (lambda c: c.update(id="credentials/1"), "relative IRI"),
        (lambda c: c["credentialSubject"].update(name=None), "null"),
        (lambda c: c.update({"@foo": "bar"}), "@foo"),
    ],
)
def test_anything_json_ld_would_drop_is_reported(
    credential: dict[str, Any], mutate: Any, expected: str
) -> None:
    mutate(credential)
    problems = jsonld.undefined_terms(credential)
    assert any(expected in problem for problem in problems), problems
    with pytest.raises(CredentialDataLoss, match="would not be signed"):
        jsonld.assert_no_data_loss(credential)


def test_pyld_really_drops_undefined_terms(credential: dict[str, Any]) -> None:
    # The reason for the guard: without it the extra claim silently escapes the signature.
    extended = json.loads(json.dumps(credential))
    extended["credentialSubject"]["favouriteColour"] = "blue"
    assert jsonld.canonicalize(extended) == jsonld.canonicalize(credential)


def test_a_context_with_its_own_vocab_defines_every_term(vector_loader: Any) -> None:
    document = {
        "@context": [jsonld.VC_V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "AnyType"],
        "anyTerm": "kept",
    }
    assert jsonld.undefined_terms(document, vector_loader) == []


def test_missing_context_is_reported() -> None:
    assert "@context (missing)" in jsonld.undefined_terms({"name": "x"})


def test_relative_iris_are_not_resolved_against_a_made_up_base(
    credential: dict[str, Any],
) -> None:
    credential["id"] = "relative"
    assert "example.org/base" not in jsonld.canonicalize(credential)


def test_contexts_resolved_by_another_loader_do_not_leak(vector_loader: Any) -> None:
    document = {
        "@context": [jsonld.VC_V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential"],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "anyTerm": "x",
    }
    assert "anyTerm" in jsonld.canonicalize(document, vector_loader)
    with pytest.raises(JsonLdError):
        jsonld.canonicalize(document)
