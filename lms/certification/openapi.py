"""The OpenAPI 3.1 description of the verification API and wallet collection, at /openapi.json."""

from __future__ import annotations

from typing import Any

_PROBLEM = {
    "type": "object",
    "description": "An RFC 9457 problem detail; `check` names the check it belongs to.",
    "required": ["type", "title", "detail", "check"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "check": {"type": "string",
                  "enum": ["request", "format", "proof", "issuer", "expiration", "status"]},
    },
}

_RESULT = {
    "type": "object",
    "required": ["verified", "checks", "warnings", "errors"],
    "properties": {
        "verified": {"type": "boolean"},
        "checks": {"type": "array", "description": "The checks that passed.",
                   "items": {"type": "string",
                             "enum": ["proof", "issuer", "expiration", "status"]}},
        "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
        "issuer": {
            "type": "object",
            "description": "Always named. `thisOrganisation` is true only for credentials this "
                           "organisation issued; a valid did:key credential is not one of ours.",
            "required": ["id", "name", "thisOrganisation"],
            "properties": {"id": {"type": "string"}, "name": {"type": ["string", "null"]},
                           "thisOrganisation": {"type": "boolean"}},
        },
        "credential": {
            "type": "object",
            "description": "What the credential certifies, to compare with a printed copy.",
            "properties": {name: {} for name in
                           ("id", "name", "holder", "validFrom", "validUntil")},
        },
    },
}

_BATCH_ITEM_RESULT = {
    "allOf": [
        {"$ref": "#/components/schemas/VerificationResult"},
        {"type": "object", "required": ["status"],
         "properties": {"status": {"type": "integer", "enum": [200, 400, 404]},
                        "code": {"type": "string"}}},
    ],
}


def _answers(ok: str, ok_schema: str) -> dict[str, Any]:
    """Return the responses shared by both operations."""
    def json_of(schema: str) -> dict[str, Any]:
        return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}

    return {
        "200": {"description": ok, "content": json_of(ok_schema)},
        "400": {"description": "A check failed, or the request was malformed or too large; "
                               "`errors` says which.",
                "content": json_of("VerificationResult")},
        "429": {"description": "Too many requests from this address; see Retry-After.",
                "headers": {"Retry-After": {"schema": {"type": "string"}}},
                "content": json_of("VerificationResult")},
    }


def _oauth(description: str, *more: str) -> dict[str, Any]:
    """Return a response answered with an OAuth / OpenID4VCI error body."""
    schema = {"$ref": "#/components/schemas/OAuthError"}
    answer: dict[str, Any] = {"description": description,
                              "content": {"application/json": {"schema": schema}}}
    for header in more:
        answer.setdefault("headers", {})[header] = {"schema": {"type": "string"}}
    return answer


def _json_object(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


#: Wallet collection (OpenID4VCI 1.0, pre-authorized code flow). Wallets discover these through
#: /.well-known/openid-credential-issuer; they are listed here for people and API tooling.
WALLET_PATHS: dict[str, Any] = {
    "/oid4vci/token": {"post": {
        "operationId": "walletToken", "tags": ["wallet collection"],
        "summary": "Exchange a pre-authorized code (and transaction code) for an access token",
        "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object", "required": ["grant_type"], "properties": {
                "grant_type": {"type": "string"}, "pre-authorized_code": {"type": "string"},
                "tx_code": {"type": "string"}}}}}},
        "responses": {
            "200": _json_object("An access token for one credential.", {
                "type": "object", "required": ["access_token", "token_type", "expires_in"],
                "properties": {"access_token": {"type": "string"},
                               "token_type": {"const": "Bearer"},
                               "expires_in": {"type": "integer"}}}),
            "400": _oauth("invalid_grant (unknown, used, expired or burned code, or a wrong "
                          "transaction code), invalid_request or unsupported_grant_type."),
            "429": _oauth("Too many requests from this address.", "Retry-After"),
        },
    }},
    "/oid4vci/nonce": {"post": {
        "operationId": "walletNonce", "tags": ["wallet collection"],
        "summary": "Get a fresh c_nonce for the next proof",
        "responses": {
            "200": _json_object("A nonce, valid five minutes, for one proof.", {
                "type": "object", "required": ["c_nonce"],
                "properties": {"c_nonce": {"type": "string"}}}),
            "429": _oauth("Too many requests from this address.", "Retry-After"),
        },
    }},
    "/oid4vci/credential": {"post": {
        "operationId": "walletCredential", "tags": ["wallet collection"],
        "summary": "Issue the certificate into the wallet whose key signed the proof",
        "security": [{"accessToken": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["credential_configuration_id", "proofs"],
            "properties": {"credential_configuration_id": {"type": "string"},
                           "proofs": {"type": "object", "properties": {"jwt": {
                               "type": "array", "items": {"type": "string"}}}}}}}}},
        "responses": {
            "200": _json_object("The credential (ldp_vc), bound to the wallet's key.", {
                "type": "object", "required": ["credentials"],
                "properties": {"credentials": {"type": "array", "items": {
                    "type": "object", "required": ["credential"],
                    "properties": {"credential": {"type": "object"}}}}}}),
            "400": _oauth("invalid_proof, invalid_nonce, invalid_credential_request, "
                          "unknown_credential_configuration or credential_request_denied; "
                          "nothing was issued."),
            "401": _oauth("invalid_token: the access token is missing, unknown, expired or "
                          "spent.", "WWW-Authenticate"),
            "413": _oauth("The body is larger than 16 KB."),
            "429": _oauth("Too many requests from this address.", "Retry-After"),
        },
    }},
}

_OAUTH_ERROR = {"type": "object", "required": ["error"],
                "properties": {"error": {"type": "string"},
                               "error_description": {"type": "string"}}}


def openapi_document(base_url: str) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document for this instance."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Lantern credential verification",
            "version": "1.0.0",
            "description": "Verify Open Badges 3.0 credentials secured with eddsa-rdfc-2022, in "
                           "the shape of the W3C VC-API. Keys and contexts are never fetched "
                           "from the network: only this organisation's keys (current and "
                           "retired) and did:key issuers can be verified.",
        },
        "servers": [{"url": base_url}],
        "paths": {
            "/credentials/verify": {"post": {
                "operationId": "verifyCredential",
                "summary": "Verify one credential",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/VerifyRequest"}}}},
                "responses": _answers("Every check passed.", "VerificationResult"),
            }},
            "/credentials/verify/batch": {"post": {
                "operationId": "verifyBatch",
                "summary": "Verify up to 20 credentials or certificate codes",
                "description": "Each item counts against the caller's rate budget.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/BatchRequest"}}}},
                "responses": _answers("One result per item, in order.", "BatchResult"),
            }},
            **WALLET_PATHS,
        },
        "components": {"securitySchemes": {"accessToken": {
            "type": "http", "scheme": "bearer",
            "description": "The access token from /oid4vci/token."}}, "schemas": {
            "OAuthError": _OAUTH_ERROR,
            "VerifyRequest": {
                "type": "object", "required": ["verifiableCredential"],
                "properties": {"verifiableCredential": {"type": "object"},
                               "options": {"type": "object"}},
            },
            "BatchRequest": {
                "type": "object", "required": ["items"],
                "properties": {"items": {"type": "array", "minItems": 1, "maxItems": 20,
                                         "items": {"oneOf": [
                    {"type": "object", "required": ["verifiableCredential"],
                     "properties": {"verifiableCredential": {"type": "object"}}},
                    {"type": "object", "required": ["code"],
                     "properties": {"code": {"type": "string"}}},
                ]}}},
            },
            "Problem": _PROBLEM,
            "VerificationResult": _RESULT,
            "BatchItemResult": _BATCH_ITEM_RESULT,
            "BatchResult": {
                "type": "object", "required": ["results"],
                "properties": {"results": {"type": "array", "items": {
                    "$ref": "#/components/schemas/BatchItemResult"}}},
            },
        }},
    }
