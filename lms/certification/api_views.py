"""The verification API: POST /credentials/verify in the VC-API shape, a batch form, OpenAPI."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, g, jsonify, make_response, request
from flask_limiter import RequestLimit
from werkzeug.exceptions import RequestEntityTooLarge

from lms.certification import signing
from lms.certification.codes import InvalidCode, format_code
from lms.certification.credentials.verification import (
    MALFORMED_VALUE_ERROR,
    PARSING_ERROR,
    ThisIssuer,
    Verdict,
    problem,
    verify,
)
from lms.certification.openapi import openapi_document
from lms.certification.public import signed_credential
from lms.certification.views import bp
from lms.extensions import csrf, limiter
from lms.ratelimits import FAILED_LOOKUP_LIMIT, FAILED_LOOKUP_SCOPE, retry_after_seconds

#: One credential is a few kilobytes; twenty fit well under the batch limit.
BODY_LIMIT = 64 * 1024
BATCH_BODY_LIMIT = 20 * BODY_LIMIT
BATCH_MAX = 20
API_LIMIT = "60 per minute;600 per hour"
# One budget per caller across the single and the batch form.
API_SCOPE = "credential-verify-api"
# Failed checks and unknown codes spend the same budget as failed look-ups on the verify pages.
FAILED_API_LIMIT = FAILED_LOOKUP_LIMIT
FAILED_SCOPE = FAILED_LOOKUP_SCOPE
NOT_FOUND = "urn:lantern:problem:NOT_FOUND"
TOO_LARGE = "urn:lantern:problem:BODY_TOO_LARGE"
TOO_MANY = "urn:lantern:problem:TOO_MANY_REQUESTS"


def _json(body: dict[str, Any], status: int) -> Response:
    """Return a JSON answer that no cache or referrer log keeps."""
    response = make_response(jsonify(body), status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _refusal(kind: str, title: str, detail: str, status: int = 400) -> Response:
    """Return a VC-API failure answer holding one problem detail."""
    return _json({"verified": False, "checks": [], "warnings": [],
                  "errors": [problem(kind, "request", title, detail)]}, status)


def _slow_down(limit: RequestLimit) -> Response:
    """Answer a breached limit in the API's own shape, saying when to come back."""
    wait = retry_after_seconds()
    response = _refusal(TOO_MANY, "Too many requests",
                        f"This address has checked too many credentials; try again in {wait} "
                        "seconds.", 429)
    response.headers["Retry-After"] = str(wait)
    return response


def _failed(response: Response) -> bool:
    return response.status_code == 400


def _batch_missed(response: Response) -> bool:
    """Count a batch as a failed look-up when it was refused or held an unknown code."""
    return response.status_code == 400 or bool(g.get("batch_missed_codes"))


def _batch_cost() -> int:
    """Count each credential or code of a batch against the caller's budget."""
    if (request.content_length or 0) > BATCH_BODY_LIMIT:
        return 1  # the view refuses it unread
    request.max_content_length = BATCH_BODY_LIMIT
    try:
        items = json.loads(request.get_data(cache=True) or b"{}").get("items")
    except (ValueError, AttributeError, RequestEntityTooLarge):
        return 1
    # A refused batch costs one request, like any other refusal.
    return len(items) if isinstance(items, list) and 1 <= len(items) <= BATCH_MAX else 1


def _read_json(limit: int) -> tuple[Any, Response | None]:
    """Return the parsed body, or the refusal to send instead."""
    too_large = _refusal(TOO_LARGE, "Body too large",
                         f"The body must be at most {limit // 1024} KB.")
    if (request.content_length or 0) > limit:
        return None, too_large  # refused before a byte of it is read
    request.max_content_length = limit
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        return None, too_large
    if len(raw) > limit:  # a chunked body announces no length
        return None, too_large
    try:
        return json.loads(raw), None
    except ValueError as error:
        return None, _refusal(PARSING_ERROR, "Malformed JSON", f"The body is not JSON: {error}.")


def _verdict_status(verdict: Verdict) -> int:
    return 200 if verdict.verified else 400


@bp.post("/credentials/verify")
@csrf.exempt  # a public JSON API: no cookie or session is read, so there is nothing to forge
@limiter.shared_limit(API_LIMIT, API_SCOPE, on_breach=_slow_down)
@limiter.shared_limit(FAILED_API_LIMIT, FAILED_SCOPE, deduct_when=_failed, on_breach=_slow_down)
def verify_credential_api() -> Response:
    """Verify one credential: its proof, issuer, validity period and status."""
    body, refusal = _read_json(BODY_LIMIT)
    if refusal is not None:
        return refusal
    if not isinstance(body, dict) or not isinstance(body.get("verifiableCredential"), dict):
        return _refusal(MALFORMED_VALUE_ERROR, "No credential",
                        'The body must be {"verifiableCredential": {...}, "options": {}}.')
    if not isinstance(body.get("options", {}), dict):
        return _refusal(MALFORMED_VALUE_ERROR, "Bad options", "options must be an object.")
    verdict = verify(body["verifiableCredential"], signing.this_issuer())
    return _json(verdict.as_json(), _verdict_status(verdict))


@bp.post("/credentials/verify/batch")
@csrf.exempt  # a public JSON API: no cookie or session is read, so there is nothing to forge
@limiter.shared_limit(API_LIMIT, API_SCOPE, cost=_batch_cost, on_breach=_slow_down)
# Guessing codes twenty at a time must cost twenty guesses.
@limiter.shared_limit(FAILED_API_LIMIT, FAILED_SCOPE, cost=_batch_cost,
                      deduct_when=_batch_missed, on_breach=_slow_down)
def verify_batch_api() -> Response:
    """Verify up to 20 credentials or certificate codes; each counts against the budget."""
    body, refusal = _read_json(BATCH_BODY_LIMIT)
    if refusal is not None:
        return refusal
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= BATCH_MAX:
        return _refusal(MALFORMED_VALUE_ERROR, "No items",
                        f'The body must be {{"items": [...]}} with 1 to {BATCH_MAX} items, each '
                        '{"verifiableCredential": {...}} or {"code": "..."}.')
    issuer = signing.this_issuer()
    results = [_batch_item(item, issuer) for item in items]
    return _json({"results": results}, 200)


def _batch_item(item: Any, issuer: ThisIssuer) -> dict[str, Any]:
    """Return one batch result: the single-credential answer plus its own status code."""
    if isinstance(item, dict) and isinstance(item.get("verifiableCredential"), dict):
        verdict = verify(item["verifiableCredential"], issuer)
        return {"status": _verdict_status(verdict), **verdict.as_json()}
    if isinstance(item, dict) and isinstance(item.get("code"), str):
        return _code_item(item["code"], issuer)
    return {"status": 400, "verified": False, "checks": [], "warnings": [], "errors": [problem(
        MALFORMED_VALUE_ERROR, "request", "Bad item",
        'Each item must be {"verifiableCredential": {...}} or {"code": "..."}.')]}


def _code_item(code: str, issuer: ThisIssuer) -> dict[str, Any]:
    """Verify the credential issued under a certificate code."""
    try:
        stored = signed_credential(code)
    except InvalidCode as error:
        stored, reason = None, str(error)
    else:
        reason = "No certificate has this code."
    if stored is None:
        g.batch_missed_codes = True
        return {"status": 404, "code": code, "verified": False, "checks": [], "warnings": [],
                "errors": [problem(NOT_FOUND, "request", "Not found", reason)]}
    verdict = verify(json.loads(stored), issuer)
    return {"status": _verdict_status(verdict), "code": format_code(code), **verdict.as_json()}


@bp.get("/openapi.json")
def openapi() -> Response:
    """Describe the verification API as an OpenAPI 3.1 document."""
    response = make_response(jsonify(openapi_document(signing.base_url())))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
