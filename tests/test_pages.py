"""Every page: weight within 60 KB, a skip link, a language, and nothing inline that CSP blocks."""

from __future__ import annotations

import re

import pytest

from tests.conftest import get_user
from tests.factories import session_cookie

BUDGET_BYTES = 60 * 1024
PAGES = {
    "anonymous": ["/sign-in", "/no-such-page", "/verify"],
    "trainee": ["/", "/programs/foundations/confidentiality", "/certificates", "/practice",
                "/practice/new"],
    "supervisor": ["/", "/supervision/queue", "/supervision/trainees"],
    "admin": ["/", "/admin/people", "/admin/people/invite", "/admin/people/{trainee}",
              "/admin/people/{supervisor}"],
}


def page_weight(client, html: str) -> int:
    """Return the bytes of the HTML plus every stylesheet and script it loads."""
    total = len(html.encode())
    for asset in re.findall(r'<(?:link rel="stylesheet"|script)[^>]*(?:href|src)="([^"]+)"', html):
        with client.get(asset) as response:
            assert response.status_code == 200, asset
            total += len(response.data)
    return total


def _as(app, client, people, role):
    if role == "anonymous":
        return
    from lms.extensions import db

    with app.app_context():
        session_id = session_cookie(get_user(people[role]))
        db.session.commit()
        db.session.remove()
    with client.session_transaction() as session:
        session["_user_id"] = session_id


@pytest.mark.parametrize("role", sorted(PAGES))
def test_pages_are_light_and_well_formed(app, people, client, role, record_property):
    _as(app, client, people, role)
    for template in PAGES[role]:
        url = template.format(**people)
        with client.get(url) as response:
            html = response.get_data(as_text=True)
        assert response.status_code in (200, 404), (url, response.status_code)
        weight = page_weight(client, html)
        record_property(f"weight {role} {template}", weight)
        print(f"page weight {role:<10} {template:<28} {weight:>6} bytes")
        assert weight <= BUDGET_BYTES, f"{url} weighs {weight} bytes"
        assert '<html lang="en">' in html
        assert 'class="skip-link" href="#main"' in html and 'id="main"' in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), f"inline script on {url}"
        assert not re.search(r"\sstyle=", html), f"inline style attribute on {url}"
        assert not re.search(r"\son[a-z]+=", html), f"inline event handler on {url}"
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), f"duplicate ids on {url}: {sorted(ids)}"
