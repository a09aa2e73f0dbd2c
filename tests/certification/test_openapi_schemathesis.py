"""Schemathesis sends generated requests to the verification and wallet APIs, checks every answer
against /openapi.json: never a server error, only documented status codes, content types and
bodies."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lms.extensions import limiter

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


def test_the_api_answers_as_its_openapi_document_says(app: Flask) -> None:
    limiter.enabled = False  # the limits are tested on their own; here they would only refuse
    try:
        schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert {operation.path for operation in operations} == {
            "/credentials/verify", "/credentials/verify/batch", "/oid4vci/token",
            "/oid4vci/nonce", "/oid4vci/credential"}
        for operation in operations:
            _fuzz(operation)
    finally:
        limiter.enabled = True


def _fuzz(operation: Any) -> None:
    """Send generated requests to one operation and validate every answer."""
    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    def run(case: schemathesis.Case) -> None:
        response = case.call()
        case.validate_response(response, checks=CHECKS)

    run()
