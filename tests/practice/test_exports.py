"""CSV and PDF exports: approved work only, no reflections, safe cells, data:-only fetching."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from lms.extensions import db
from lms.practice.exports import safe_cell
from lms.practice.models import SessionKind
from lms.practice.pdf_fetcher import DataOnlyFetcher, FetchRefused
from lms.practice.records import SessionData, record_session
from tests.conftest import get_user
from tests.practice.helpers import make_entry

SECRET = "A reflection that must never leave the log."


@pytest.fixture
def history(app, people):
    """Give the trainee approved, submitted and returned entries plus one session."""
    with app.app_context():
        make_entry(people["trainee"], minutes=90, reflection=SECRET,
                   approve_by=people["supervisor"], day=date.today() - timedelta(days=3))
        make_entry(people["trainee"], minutes=45, activity="supervision-received",
                   approve_by=people["supervisor"])
        make_entry(people["trainee"], minutes=300, submit=True)
        make_entry(people["trainee"], minutes=200, return_by=people["supervisor"])
        record_session(get_user(people["supervisor"]), [get_user(people["trainee"])],
                       SessionData(date.today(), 60, SessionKind.INDIVIDUAL, "phone",
                                   ["skill-building"]))
        db.session.commit()


def _rows(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_trainee_csv_lists_approved_entries_only(app, people, history, client, sign_in):
    sign_in("trainee@example.org")
    response = client.get("/practice/log.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment; filename=\"practice-log-jordan-trainee-" in \
        response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = _rows(response)
    assert rows[0][:3] == ["Date", "Start time", "Minutes"]
    assert [row[2] for row in rows[1:]] == ["90", "45"]
    assert rows[1][3] == "One-to-one peer support" and rows[1][4] == "yes"
    assert rows[2][4] == "no"  # supervision received does not count
    assert rows[1][7] == "Sam Supervisor" and len(rows[1][9]) == 64
    assert SECRET not in response.get_data(as_text=True)


def test_supervisor_totals_csv(app, people, history, client, sign_in):
    sign_in("supervisor@example.org")
    rows = _rows(client.get("/supervision/trainees.csv"))
    assert rows[0][0] == "Trainee" and len(rows) == 2
    assert rows[1][:6] == ["Jordan Trainee", "Peer Support Foundations", "90", "1200", "60",
                           "240"]
    assert rows[1][8:10] == ["1", "1"]


def test_summary_pdf_has_totals_and_sign_offs_but_no_reflections(app, people, history, client,
                                                                  sign_in):
    sign_in("trainee@example.org")
    response = client.get("/practice/summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for expected in ("Supervised practice summary", "Jordan Trainee", "Peer Support Foundations",
                     "Sam Supervisor", "Supervisors' sign-offs", "1 h 30 min", "hash-chained"):
        assert expected in text, expected
    assert SECRET not in text
    # Dates in the one house format of the `date` filter (3 March 2026), as on every page.
    practised, words = date.today() - timedelta(days=3), " ".join(text.split())
    assert f"{practised.day} {practised:%B %Y}" in words
    assert f"{practised:%d %b %Y}" not in words


def test_admin_and_supervisor_can_download_a_trainees_summary(app, people, history, client,
                                                               sign_in):
    sign_in("admin@example.org")
    url = f"/supervision/trainees/{people['trainee']}"
    assert client.get(url + "/summary.pdf").data.startswith(b"%PDF")
    assert client.get(url + "/log.csv").status_code == 200
    page = client.get(url).get_data(as_text=True)
    assert "Jordan Trainee: supervised practice" in page
    assert "/practice/entries/" not in page  # admins see totals, not reflections


def test_csv_cells_cannot_become_formulas():
    assert safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert safe_cell("+1") == "'+1" and safe_cell("@handle") == "'@handle"
    assert safe_cell("Plain name") == "Plain name" and safe_cell(None) == ""


def test_pdf_fetcher_serves_data_uris_only(tmp_path):
    fetcher = DataOnlyFetcher()
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    for url in (secret.as_uri(), "http://127.0.0.1:9/x.png", "https://example.org/x.css",
                "ftp://example.org/x"):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
    assert fetcher.refused == [secret.as_uri(), "http://127.0.0.1:9/x.png",
                               "https://example.org/x.css", "ftp://example.org/x"]
    response = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"
