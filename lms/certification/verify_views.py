"""Public verification: by code, by link or QR code, by PDF, and as signed JSON."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import Row
from werkzeug.wrappers import Response

from lms.certification import signing
from lms.certification.codes import InvalidCode, format_code, parse_code
from lms.certification.forms import VerifyCodeForm, VerifyFileForm, VerifyPasteForm
from lms.certification.public import (
    find_public,
    public_facts,
    signed_credential,
)
from lms.certification.verify_cache import verify_cache
from lms.certification.views import bp, failed_lookups, lookup_failed
from lms.extensions import limiter
from lms.ratelimits import FAILED_LOOKUP_LIMIT, FAILED_LOOKUP_SCOPE, lookup_limited

VERIFY_LIMIT = "120 per minute"
# The page and its JSON are the hot public routes: the same two limits as the decorators on
# the other routes (VERIFY_LIMIT per route, failed look-ups shared), checked directly.
_verify_limits = lookup_limited(VERIFY_LIMIT, FAILED_LOOKUP_LIMIT, FAILED_LOOKUP_SCOPE,
                                lookup_failed, failed_lookups)


def _private(response: Response) -> Response:
    """Keep verification pages out of search engines and referrer logs."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _json_not_found(**body: str) -> Response:
    """Return a private JSON 404 that says why nothing was found."""
    return _private(make_response(jsonify(**body), 404))


def _today() -> date:
    return date.today()


def _same_for_everyone() -> bool:
    """Return whether this visitor's page is the same as anyone's: not signed in, no message."""
    return "_user_id" not in session and "_flashes" not in session


def _canonical(code_text: str) -> str | None:
    try:
        return format_code(parse_code(code_text))
    except InvalidCode:
        return None


def _lookup(code_text: str) -> Row[Any]:
    """Return the certificate's public row or abort with the helpful 404 page."""
    try:
        certificate = find_public(code_text)
    except InvalidCode as error:
        abort(_private(make_response(render_template(
            "certification/not_found.html", code=code_text, reason=str(error)), 404)))
    if certificate is None:
        abort(_private(make_response(render_template(
            "certification/not_found.html", code=code_text, reason=None), 404)))
    return certificate


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(VERIFY_LIMIT)
@failed_lookups
def verify() -> Response:
    """Check a certificate by typing its code, or by dropping its PDF."""
    code_form = VerifyCodeForm(request.args, meta={"csrf": False})
    # Two forms on one page: the prefix keeps their field ids (and CSRF ids) apart.
    pasted = request.method == "POST" and "paste-credential" in request.form
    file_form = VerifyFileForm() if not pasted else VerifyFileForm(formdata=None)
    paste_form = (VerifyPasteForm(prefix="paste") if pasted
                  else VerifyPasteForm(prefix="paste", formdata=None))
    if request.method == "GET" and "code" in request.args and code_form.validate():
        try:
            code = parse_code(code_form.code.data or "")
        except InvalidCode as error:
            code_form.code.errors = [str(error)]
        else:
            return redirect(url_for("certification.verify_page", code=format_code(code)))
    check = None
    status = 200
    if request.method == "POST":
        form = paste_form if pasted else file_form
        # Checking a dropped PDF or pasted credential needs pypdf (about 17 MB with Pillow and
        # fontTools): imported on the first such check, not by every worker at start-up.
        from lms.certification.uploads import check_credential_text, check_file

        if not form.validate_on_submit():
            status = 400
        elif pasted:
            check = check_credential_text(paste_form.credential.data or "")
        else:
            check = check_file(file_form.document.data.read())
        if check is not None:
            # Anything that is not one of our genuine credentials counts as a failed look-up.
            status = 200 if check.record is not None or check.genuine else 404
    result = check.record if check else None
    response = make_response(render_template(
        "certification/verify.html", code_form=code_form, file_form=file_form,
        paste_form=paste_form, checked=check is not None, check=check, result=result,
        this_organisation=signing.issuer_name(),
        facts=public_facts(result, _today()) if result else None), status)
    return _private(response)


@bp.get("/verify/<code>")
@_verify_limits
def verify_page(code: str) -> Response:
    """Show a certificate's status and what it certifies."""
    shared = _same_for_everyone()
    if shared and (body := verify_cache().get("page", code)) is not None:
        return _private(make_response(body))
    certificate = _lookup(code)
    canonical = format_code(certificate.code)
    if code != canonical:
        return redirect(url_for("certification.verify_page", code=canonical), 301)
    facts = public_facts(certificate, _today())
    html = render_template("certification/verified.html", facts=facts)
    if shared and not current_user.is_authenticated:
        verify_cache().put("page", canonical, html.encode())
    return _private(make_response(html))


@bp.get("/verify/<code>.json")
@_verify_limits
def verify_json(code: str) -> Response:
    """Return the same facts as the page, as JSON."""
    canonical = _canonical(code)
    if canonical and (body := verify_cache().get("json", canonical)) is not None:
        return _private(current_app.response_class(body, mimetype="application/json"))
    try:
        certificate = find_public(code)
    except InvalidCode as error:
        return _json_not_found(error="invalid_code", message=str(error))
    if certificate is None:
        return _json_not_found(error="not_found", message="No certificate has this code.")
    facts = public_facts(certificate, _today()).as_json()
    facts["signed_credential"] = f"{signing.base_url()}/credentials/{facts['code']}.json"
    response = jsonify(facts)
    verify_cache().put("json", facts["code"], response.get_data())
    return _private(response)


@bp.get("/credentials/<code>.json")
@limiter.limit(VERIFY_LIMIT)
@failed_lookups
def credential_json(code: str) -> Response:
    """Return the signed OpenBadgeCredential exactly as issued."""
    try:
        credential = signed_credential(code)
    except InvalidCode:
        credential = None
    if credential is None:
        return _json_not_found(error="not_found")
    response = make_response(credential)
    response.mimetype = "application/vc+ld+json"
    return _private(response)


@bp.get("/credentials/status/revocation.json")
def status_list() -> Response:
    """Return the signed revocation status list; revocation flips a bit here at once."""
    response = make_response(signing.to_json(signing.status_list_document()))
    response.mimetype = "application/vc+ld+json"
    # As long as a verify page may be cached: a verifier that honours it never trusts a
    # revoked credential for longer than the pages do.
    seconds = current_app.config["LMS_VERIFY_CACHE_SECONDS"]
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response


@bp.get("/issuer")
def issuer() -> Response:
    """Return the issuer profile with every public key that has ever signed."""
    response = make_response(signing.to_json(signing.issuer_document()))
    response.mimetype = "application/ld+json"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response



@bp.get("/issuer/keys/<key>")
def issuer_key(key: str) -> Response:
    """Return one key the issuer has signed with, so verifiers can dereference proof keys."""
    if key not in signing.published_keys():
        return _json_not_found(error="not_found", message="This issuer never used that key.")
    response = make_response(signing.to_json(signing.issuer_key_document(key)))
    response.mimetype = "application/ld+json"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/.well-known/did.json")
def did_document() -> Response:
    """Return the DID document of the issuer's did:web (LMS_ISSUER_DID), every key included."""
    document = signing.did_document()
    if document is None:
        return _json_not_found(error="not_found", message="This issuer has no did:web.")
    response = make_response(signing.to_json(document))
    response.mimetype = "application/did+ld+json"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
