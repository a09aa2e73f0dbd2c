"""Wallet collection over OpenID for Verifiable Credential Issuance 1.0 (pre-authorized code).

The holder makes an offer on their certificate page; their wallet then reads the metadata,
swaps the offer's code for an access token, asks for a nonce and sends a proof of its key to
the credential endpoint. Every refusal is from the specification's error list and issues
nothing. In production these endpoints answer only over HTTPS (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from lms.auth.models import Role, User
from lms.auth.roles import role_required
from lms.certification import oid4vci, wallet
from lms.certification.codes import InvalidCode
from lms.certification.forms import WalletOfferForm
from lms.certification.oid4vci import Oid4vciError
from lms.certification.qr import offer_qr_svg
from lms.certification.services import find_certificate
from lms.certification.signing import issuer_name
from lms.certification.views import bp
from lms.extensions import csrf, db, limiter
from lms.ratelimits import retry_after_seconds

OFFER_LIMIT = "10 per minute"
TOKEN_LIMIT = "30 per minute;200 per hour"
CREDENTIAL_LIMIT = "30 per minute;200 per hour"
NONCE_LIMIT = "60 per minute"
#: A credential request is a proof JWT and a few names.
BODY_LIMIT = 16 * 1024


#: The wallet's endpoints, nested in certification's blueprint so that every refusal on them,
#: even one raised before the view (a NUL character, a rate limit), is JSON, not a web page.
wallet_bp = Blueprint("oid4vci", __name__)


def _answer(body: dict[str, Any], status: int = 200) -> Response:
    """Return a JSON answer no cache keeps (tokens, nonces and credentials are secrets)."""
    response = make_response(jsonify(body), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _refuse(error: Oid4vciError) -> Response:
    """Return an error from the OpenID4VCI/OAuth list; an invalid token also says so in a header."""
    response = _answer(error.as_json(), error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = (
            f'Bearer error="{error.error}", error_description="{error.description}"')
    return response


@wallet_bp.errorhandler(HTTPException)
def _as_oauth_error(error: HTTPException) -> Response:
    """Answer any HTTP error on these endpoints in the OAuth error shape a wallet reads."""
    if error.response is not None:
        return error.response  # type: ignore[return-value]
    status = error.code or 500
    given = vars(error).get("description")
    response = _refuse(Oid4vciError("invalid_request", given if isinstance(given, str) and given
                                    else error.name, status))
    if status == 429:
        response.headers["Retry-After"] = str(retry_after_seconds())
    return response


def _https_refusal() -> Response | None:
    """Refuse plain http in production; development and tests may try it on loopback."""
    if current_app.config["LMS_ENV"] != "production" or request.is_secure:
        return None
    return _refuse(Oid4vciError("invalid_request", "Wallet collection needs HTTPS."))


@bp.post("/certificates/<code>/wallet")
@role_required(Role.TRAINEE)
@limiter.limit(OFFER_LIMIT)
def wallet_offer(code: str) -> BaseResponse | tuple[str, int, dict[str, str]]:
    """Make a single-use wallet offer for the holder's certificate and show it once."""
    form = WalletOfferForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        certificate = find_certificate(code)
    except InvalidCode:
        certificate = None
    if certificate is None or certificate.user_id != current_user.id:
        abort(404)
    holder = db.session.get(User, current_user.id)
    assert holder is not None
    try:
        shown = wallet.make_offer(certificate, holder, bool(form.tx_code.data))
    except Oid4vciError as error:
        flash(error.description, "error")
        return redirect(url_for("certification.my_certificates"))
    db.session.commit()
    page = render_template("certification/wallet_offer.html", certificate=certificate,
                           shown=shown, qr=offer_qr_svg(shown.uri),
                           minutes=oid4vci.OFFER_MINUTES)
    # The page holds a live code: no cache, and no going back to it from history.
    return page, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@wallet_bp.get("/.well-known/openid-credential-issuer")
def issuer_metadata() -> Response:
    """Serve the Credential Issuer Metadata."""
    refusal = _https_refusal()
    if refusal is not None:
        return refusal
    response = make_response(jsonify(oid4vci.issuer_metadata(wallet.credential_issuer(),
                                                             issuer_name())))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@wallet_bp.get("/.well-known/oauth-authorization-server")
def authorization_server_metadata() -> Response:
    """Serve the OAuth metadata naming the token endpoint (the issuer is its own server)."""
    refusal = _https_refusal()
    if refusal is not None:
        return refusal
    response = make_response(jsonify(oid4vci.authorization_server_metadata(
        wallet.credential_issuer())))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@wallet_bp.post("/oid4vci/token")
@csrf.exempt  # a wallet's form post: no cookie is read, the pre-authorized code is the secret
@limiter.limit(TOKEN_LIMIT)
def token() -> Response:
    """Exchange a pre-authorized code (and transaction code) for an access token."""
    refusal = _https_refusal()
    if refusal is not None:
        return refusal
    form = request.form
    try:
        if form.get("grant_type") != oid4vci.PRE_AUTHORIZED_GRANT:
            raise Oid4vciError("unsupported_grant_type",
                               f"Only {oid4vci.PRE_AUTHORIZED_GRANT} is supported.")
        access_token, lifetime = wallet.redeem(form.get("pre-authorized_code"),
                                               form.get("tx_code"))
    except Oid4vciError as error:
        # Only a wrong transaction code changed anything (its count), and that must stay.
        db.session.commit()
        return _refuse(error)
    db.session.commit()
    return _answer({"access_token": access_token, "token_type": "Bearer",
                    "expires_in": lifetime})


@wallet_bp.post("/oid4vci/nonce")
@csrf.exempt  # no cookie is read
@limiter.limit(NONCE_LIMIT)
def nonce() -> Response:
    """Hand out a fresh c_nonce for the next proof."""
    refusal = _https_refusal()
    if refusal is not None:
        return refusal
    value, _lifetime = wallet.new_nonce()
    db.session.commit()
    return _answer({"c_nonce": value})


def _bearer() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _credential_request() -> dict[str, Any]:
    """Return the JSON credential request, refusing a large or malformed one."""
    if (request.content_length or 0) > BODY_LIMIT:
        raise Oid4vciError("invalid_credential_request", "The request body is too large.", 413)
    request.max_content_length = BODY_LIMIT
    try:
        body = request.get_json(silent=True)
    except RequestEntityTooLarge:
        raise Oid4vciError("invalid_credential_request", "The request body is too large.",
                           413) from None
    if not isinstance(body, dict):
        raise Oid4vciError("invalid_credential_request", "The body must be a JSON object.")
    return body


def _proof_jwt(body: dict[str, Any]) -> Any:
    """Return the one JWT proof of a 1.0 request (proofs.jwt), or of a draft one (proof)."""
    proofs, single = body.get("proofs"), body.get("proof")
    if isinstance(proofs, dict) and set(proofs) == {"jwt"} and isinstance(proofs["jwt"], list):
        if len(proofs["jwt"]) != 1:
            raise Oid4vciError("invalid_proof", "Send exactly one proof: one copy is issued.")
        return proofs["jwt"][0]
    if isinstance(single, dict) and single.get("proof_type") == "jwt" and proofs is None:
        return single.get("jwt")
    raise Oid4vciError("invalid_proof", "The request needs a proof of the wallet's key "
                       '(proofs: {"jwt": [...]}).')


@wallet_bp.post("/oid4vci/credential")
@csrf.exempt  # authorised by the bearer token, not by a cookie
@limiter.limit(CREDENTIAL_LIMIT)
def credential() -> Response:
    """Issue the certificate into the wallet that proved its key: one copy per offer."""
    refusal = _https_refusal()
    if refusal is not None:
        return refusal
    try:
        offer = wallet.offer_for_token(_bearer())
        body = _credential_request()
        if body.get("credential_configuration_id") != oid4vci.CONFIGURATION_ID:
            raise Oid4vciError("unknown_credential_configuration",
                               f"Ask for credential_configuration_id {oid4vci.CONFIGURATION_ID}.")
        proof = oid4vci.check_proof(_proof_jwt(body), wallet.credential_issuer())
        issued = wallet.issue_copy(offer, proof)
    except Oid4vciError as error:
        db.session.rollback()  # nothing issued, no nonce spent
        return _refuse(error)
    db.session.commit()
    return _answer({"credentials": [{"credential": issued}]})


bp.register_blueprint(wallet_bp)
