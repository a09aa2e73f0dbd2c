"""The verify page and JSON from a 10-second per-process cache; long-lived static files."""

from __future__ import annotations

import re
from datetime import date

from lms.certification import issuing
from lms.certification.models import Certificate
from lms.extensions import db
from lms.learning.services import get_catalog
from tests.certification.test_verify_pages import issued  # noqa: F401  (fixture)
from tests.conftest import PASSWORD, get_user
from tests.sqlcount import counting_queries

BOUND = 10.0


def _revoke_on(server, people, code):
    with server.app_context():
        certificate = db.session.scalar(db.select(Certificate).filter_by(
            code=code.replace("-", "")))
        issuing.revoke(certificate, "Issued in error", get_user(people["admin"]))
        db.session.commit()
        db.session.remove()


def test_a_revocation_on_another_server_shows_within_ten_seconds(servers, people, issued):  # noqa: F811
    server_a, server_b = servers
    visitor = server_b.test_client()
    assert "Valid" in visitor.get(f"/verify/{issued}").get_data(as_text=True)
    assert visitor.get(f"/verify/{issued}.json").get_json()["status"] == "active"
    with counting_queries() as statements:
        assert visitor.get(f"/verify/{issued}").status_code == 200
        assert visitor.get(f"/verify/{issued}.json").status_code == 200
    assert not [sql for sql in statements if "certificate" in sql]
    _revoke_on(server_a, people, issued)
    # Server A revoked it: A's own cache dropped the entry, so A shows it at once.
    assert server_a.test_client().get(f"/verify/{issued}.json").get_json()["status"] == "revoked"
    server_b.extensions["lantern.verify_cache"].clock.advance(BOUND)
    page = visitor.get(f"/verify/{issued}")
    assert page.status_code == 200 and "Revoked" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert visitor.get(f"/verify/{issued}.json").get_json()["status"] == "revoked"


def test_the_revoking_process_drops_its_entry_at_once(app, people, issued, client):  # noqa: F811
    assert client.get(f"/verify/{issued}.json").get_json()["status"] == "active"
    assert "Valid" in client.get(f"/verify/{issued}").get_data(as_text=True)
    _revoke_on(app, people, issued)
    assert client.get(f"/verify/{issued}.json").get_json()["status"] == "revoked"
    assert "Revoked" in client.get(f"/verify/{issued}").get_data(as_text=True)


def test_a_renewal_or_reissue_shows_the_old_one_superseded_at_once(app, people, issued, client):  # noqa: F811
    assert client.get(f"/verify/{issued}.json").get_json()["status"] == "active"
    with app.app_context():
        old = db.session.scalar(db.select(Certificate).filter_by(code=issued.replace("-", "")))
        get_user(people["trainee"]).display_name = "Jordan Rivera"
        issuing.reissue(old, get_catalog().program("foundations"), get_user(people["admin"]),
                        date.today())
        db.session.commit()
        db.session.remove()
    assert client.get(f"/verify/{issued}.json").get_json()["status"] == "superseded"


def test_every_cached_look_up_still_counts_against_the_limit(app, issued, client):  # noqa: F811
    statuses = [client.get(f"/verify/{issued}").status_code for _ in range(121)]
    assert statuses[:120] == [200] * 120 and statuses[120] == 429


def _page(client, url):
    # Closing each response pops its request context, so two clients never share `g`.
    with client.get(url) as response:
        return response.get_data(as_text=True)


def test_a_signed_in_visitor_never_gets_or_leaves_a_shared_page(app, people, issued):  # noqa: F811
    # Fresh clients: pytest-flask's `client` leaves its last request context pushed.
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      _page(client, "/sign-in")).group(1)
    with client.post("/sign-in", data={"email": "supervisor@example.org",
                                       "password": PASSWORD, "csrf_token": token}) as response:
        assert response.status_code == 302
    assert "Sign out" in _page(client, f"/verify/{issued}")
    visitor = app.test_client()
    shared = _page(visitor, f"/verify/{issued}")
    assert "Sign out" not in shared and "Valid" in shared
    assert "Sign out" in _page(client, f"/verify/{issued}")


def test_the_status_list_may_be_kept_ten_seconds_only(app, client):
    response = client.get("/credentials/status/revocation.json")
    assert response.headers["Cache-Control"] == "public, max-age=10"


def test_static_files_have_their_content_hash_in_the_url_and_an_etag(app, client):
    url = re.search(r'href="(/static/lantern\.css\?v=[0-9a-f]{12})"', _page(client, "/sign-in"))
    assert url, "the stylesheet URL carries no content hash"
    with client.get(url.group(1)) as response:
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]
        etag = response.headers["ETag"]
    with client.get(url.group(1), headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
    with client.get("/static/lantern.css?v=000000000000") as stale:
        assert stale.status_code == 200 and stale.headers["ETag"] == etag
        assert "max-age=31536000" not in stale.headers.get("Cache-Control", "")
    with client.get("/static/../lms/config.py?v=x") as outside:
        assert outside.status_code == 404
