"""Every route against every role: a route missing from ACCESS fails the suite."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from lms.extensions import db
from tests.conftest import get_user
from tests.factories import session_cookie

ROLES = ("anonymous", "trainee", "supervisor", "admin")
SIGN_IN = "sign-in"  # anonymous visitors are redirected to the sign-in page

#: endpoint -> (method, expected outcome for anonymous, trainee, supervisor, admin).
#: An int is a status code; SIGN_IN is a redirect to the sign-in page.
ACCESS: dict[str, tuple[str, tuple[Any, Any, Any, Any]]] = {
    "static": ("GET", (200, 200, 200, 200)),
    "healthz": ("GET", (200, 200, 200, 200)),
    "main.home": ("GET", (302, 200, 200, 200)),
    "auth.sign_in": ("GET", (200, 302, 302, 302)),
    "auth.sign_out": ("POST", (SIGN_IN, 302, 302, 302)),
    "auth.sign_out_everywhere": ("POST", (SIGN_IN, 302, 302, 302)),
    # Nobody in the matrix has a second factor: the code step sends them on, set-up shows.
    "auth.second_factor_code": ("GET", (SIGN_IN, 302, 302, 302)),
    "auth.second_factor_setup": ("GET", (SIGN_IN, 200, 200, 200)),
    "admin.reset_second_factor": ("POST", (SIGN_IN, 403, 403, 302)),
    "auth.join": ("GET", (410, 410, 410, 410)),
    "auth.reset": ("GET", (410, 410, 410, 410)),
    "admin.home": ("GET", (SIGN_IN, 403, 403, 200)),
    "admin.people": ("GET", (SIGN_IN, 403, 403, 200)),
    "cohorts.cohorts": ("GET", (SIGN_IN, 403, 403, 200)),
    "cohorts.new_cohort": ("GET", (SIGN_IN, 403, 403, 200)),
    "cohorts.cohort": ("GET", (SIGN_IN, 403, 403, 200)),
    "cohorts.move": ("POST", (SIGN_IN, 403, 403, 302)),  # no cohort chosen: back with a note
    # The sample token was never staged: the import pages say so with a 410.
    "cohorts.upload": ("GET", (SIGN_IN, 403, 403, 200)),
    "cohorts.preview": ("GET", (SIGN_IN, 403, 403, 410)),
    "cohorts.confirm_import": ("POST", (SIGN_IN, 403, 403, 410)),
    "cohorts.imported": ("GET", (SIGN_IN, 403, 403, 410)),
    "cohorts.links_csv": ("GET", (SIGN_IN, 403, 403, 410)),
    "reports.reports": ("GET", (SIGN_IN, 403, 403, 200)),
    "reports.report_csv": ("GET", (SIGN_IN, 403, 403, 200)),
    "reports.trainees": ("GET", (SIGN_IN, 403, 403, 200)),
    "admin.invite": ("GET", (SIGN_IN, 403, 403, 200)),
    "admin.person": ("GET", (SIGN_IN, 403, 403, 200)),
    "admin.deactivate": ("POST", (SIGN_IN, 403, 403, 302)),
    "admin.reactivate": ("POST", (SIGN_IN, 403, 403, 302)),
    "admin.new_link": ("POST", (SIGN_IN, 403, 403, 200)),
    "admin.add_supervisor": ("POST", (SIGN_IN, 403, 403, 302)),
    "admin.remove_supervisor": ("POST", (SIGN_IN, 403, 403, 302)),
    "learning.module_page": ("GET", (SIGN_IN, 200, 200, 200)),
    "learning.mark_module_read": ("POST", (SIGN_IN, 302, 403, 403)),
    "learning.start_quiz": ("POST", (SIGN_IN, 302, 403, 403)),
    "learning.quiz_attempt": ("GET", (SIGN_IN, 200, 403, 403)),
    "learning.quiz_result": ("GET", (SIGN_IN, 302, 403, 403)),
    # The sample entry is the trainee's, submitted and waiting: editing or deleting it is a 409.
    "practice.log": ("GET", (SIGN_IN, 200, 403, 403)),
    "practice.new_entry": ("GET", (SIGN_IN, 200, 403, 403)),
    "practice.entry": ("GET", (SIGN_IN, 200, 200, 403)),
    "practice.edit_entry": ("GET", (SIGN_IN, 409, 403, 403)),
    "practice.submit": ("POST", (SIGN_IN, 302, 403, 403)),
    "practice.withdraw": ("POST", (SIGN_IN, 302, 403, 403)),
    "practice.confirm_delete": ("GET", (SIGN_IN, 409, 403, 403)),
    "practice.delete": ("POST", (SIGN_IN, 409, 403, 403)),
    "practice.log_csv": ("GET", (SIGN_IN, 200, 403, 403)),
    "practice.summary_pdf": ("GET", (SIGN_IN, 200, 403, 403)),
    "practice.queue": ("GET", (SIGN_IN, 403, 200, 403)),
    "practice.approve": ("POST", (SIGN_IN, 403, 302, 403)),
    "practice.return_entry": ("POST", (SIGN_IN, 403, 400, 403)),  # 400: no comment given
    "practice.bulk_approve": ("POST", (SIGN_IN, 403, 302, 403)),
    "practice.trainees": ("GET", (SIGN_IN, 403, 200, 403)),
    "practice.trainees_csv": ("GET", (SIGN_IN, 403, 200, 403)),
    "practice.trainee": ("GET", (SIGN_IN, 403, 200, 200)),
    "practice.trainee_log_csv": ("GET", (SIGN_IN, 403, 200, 200)),
    "practice.trainee_summary_pdf": ("GET", (SIGN_IN, 403, 200, 200)),
    "practice.new_observation": ("GET", (SIGN_IN, 403, 200, 403)),
    "practice.new_session": ("GET", (SIGN_IN, 403, 200, 403)),
    # Public verification: the same for everyone.
    "certification.verify": ("GET", (200, 200, 200, 200)),
    "certification.verify_page": ("GET", (200, 200, 200, 200)),
    "certification.verify_json": ("GET", (200, 200, 200, 200)),
    "certification.credential_json": ("GET", (200, 200, 200, 200)),
    "certification.status_list": ("GET", (200, 200, 200, 200)),
    "certification.issuer": ("GET", (200, 200, 200, 200)),
    "certification.issuer_key": ("GET", (200, 200, 200, 200)),
    # The verification API is public; an empty body is refused with a problem detail.
    "certification.verify_credential_api": ("POST", (400, 400, 400, 400)),
    "certification.verify_batch_api": ("POST", (400, 400, 400, 400)),
    "certification.openapi": ("GET", (200, 200, 200, 200)),
    # Wallet collection (OpenID4VCI): public metadata; the token endpoint refuses an empty
    # grant, the credential endpoint a missing access token; only the holder makes an offer.
    "certification.oid4vci.issuer_metadata": ("GET", (200, 200, 200, 200)),
    "certification.oid4vci.authorization_server_metadata": ("GET", (200, 200, 200, 200)),
    "certification.oid4vci.token": ("POST", (400, 400, 400, 400)),
    "certification.oid4vci.nonce": ("POST", (200, 200, 200, 200)),
    "certification.oid4vci.credential": ("POST", (401, 401, 401, 401)),
    "certification.wallet_offer": ("POST", (SIGN_IN, 200, 403, 403)),
    # Served only when LMS_ISSUER_DID is set (tests/certification/test_issuer_did.py).
    "certification.did_document": ("GET", (404, 404, 404, 404)),
    # The sample certificate is the trainee's; posts without form data are refused kindly.
    "certification.my_certificates": ("GET", (SIGN_IN, 200, 403, 403)),
    "certification.claim": ("POST", (SIGN_IN, 400, 403, 403)),
    "certification.download_pdf": ("GET", (SIGN_IN, 200, 404, 200)),  # 404: not theirs
    "certification.person_certificates": ("GET", (SIGN_IN, 403, 403, 200)),
    "certification.admin_issue": ("POST", (SIGN_IN, 403, 403, 302)),
    "certification.revoke": ("POST", (SIGN_IN, 403, 403, 400)),  # 400: no reason given
    "certification.reissue": ("POST", (SIGN_IN, 403, 403, 302)),
    "certification.renew": ("POST", (SIGN_IN, 403, 403, 302)),
    # Mail: forgotten passwords and unsubscribe links work without signing in.
    "notifications.forgot": ("GET", (200, 200, 200, 200)),
    "notifications.reset": ("GET", (410, 410, 410, 410)),
    "notifications.unsubscribe": ("GET", (400, 400, 400, 400)),  # 400: a forged token
    "notifications.preferences": ("GET", (SIGN_IN, 200, 200, 200)),
    "notifications.outbox": ("GET", (SIGN_IN, 403, 403, 200)),
    "notifications.retry": ("POST", (SIGN_IN, 403, 403, 302)),
    # Everyone's own account; posts without form data are refused (400), except the time zone
    # (no choice means the program's default) and the data download (a ZIP, 200).
    "account.account": ("GET", (SIGN_IN, 200, 200, 200)),
    "account.name": ("POST", (SIGN_IN, 400, 400, 400)),
    "account.password": ("POST", (SIGN_IN, 400, 400, 400)),
    "account.time_zone": ("POST", (SIGN_IN, 302, 302, 302)),
    "account.email": ("POST", (SIGN_IN, 400, 400, 400)),
    # An unknown confirmation link says so to anyone (the link, not a sign-in, is the proof).
    "account.confirm_email": ("GET", (410, 410, 410, 410)),
    "account.my_data": ("POST", (SIGN_IN, 200, 200, 200)),
    "account.person": ("GET", (SIGN_IN, 403, 403, 200)),
    "account.person_name": ("POST", (SIGN_IN, 403, 403, 400)),
    "account.person_email": ("POST", (SIGN_IN, 403, 403, 400)),
    "account.person_data": ("POST", (SIGN_IN, 403, 403, 200)),
}


def sample_arguments(app: Flask, people: dict[str, int]) -> dict[str, Any]:
    """Return a value for every URL variable used by any route, creating records as needed."""
    from datetime import date

    from lms.catalog.services import get_catalog
    from lms.certification.codes import format_code
    from lms.cohorts.services import create_cohort
    from lms.learning.services import start_attempt
    from lms.notifications.services import send_password_changed
    from tests.factories import make_certificate
    from tests.practice.helpers import make_entry

    with app.app_context():
        module = get_catalog().program("foundations").module("active-listening")
        attempt = start_attempt(get_user(people["trainee"]), module)
        entry = make_entry(people["trainee"], submit=True)
        certificate = make_certificate(people["trainee"])
        message = send_password_changed(get_user(people["trainee"]))
        cohort = create_cohort("Matrix", "foundations", "default", date.today(), None)
        db.session.commit()
        cohort_id = cohort.id
        attempt_id, entry_id = attempt.id, entry.id
        message_id = message.id if message is not None else 0
        code = format_code(certificate.code)
        from lms.certification import signing

        key = signing.signing_key().public_multibase
        db.session.remove()
    return {
        "user_id": people["trainee"],
        "supervisor_id": people["supervisor"],
        "token": "not-a-real-token",
        "filename": "lantern.css",
        "program_slug": "foundations",
        "module_slug": "active-listening",
        "attempt_id": attempt_id,
        "entry_id": entry_id,
        "code": code,
        "key": key,
        "message_id": message_id,
        "cohort_id": cohort_id,
        "kind": "funnel",
    }


def endpoints(app: Flask) -> list[str]:
    """Return every endpoint the app serves."""
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()})


def test_every_route_is_in_the_matrix(app):
    missing = [endpoint for endpoint in endpoints(app) if endpoint not in ACCESS]
    assert not missing, f"add these endpoints to ACCESS in {__file__}: {missing}"
    stale = [endpoint for endpoint in ACCESS if endpoint not in endpoints(app)]
    assert not stale, f"remove these endpoints from ACCESS: {stale}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_route_access(app, people, client, endpoint, role):
    method, outcomes = ACCESS[endpoint]
    expected = outcomes[ROLES.index(role)]
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    assert method in rule.methods, f"{endpoint} does not accept {method}"
    values = sample_arguments(app, people)
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **{name: values[name] for name in rule.arguments})
    if role != "anonymous":
        with app.app_context():
            user = get_user(people[role])
            session_id = session_cookie(user)
            db.session.commit()
            db.session.remove()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        response = client.open(url, method=method)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    if expected == SIGN_IN:
        assert response.status_code == 302, (endpoint, role, response.status_code)
        assert response.headers["Location"].startswith("/sign-in"), response.headers["Location"]
    else:
        assert response.status_code == expected, (endpoint, role, response.status_code)
    response.close()
