"""Odd numbers in every numeric field of every form get the field's message, never a 500."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date, timedelta
from typing import Any

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from werkzeug.datastructures import MultiDict
from wtforms import DecimalField, FloatField, IntegerField
from wtforms.fields.choices import SelectFieldBase

import lms
from tests.conftest import csrf_token

#: Numbers no form should choke on: huge, negative, fractional, exponent, non-ASCII digits,
#: padded, underscored, hexadecimal and not-a-number spellings.
ODD_NUMBERS = st.one_of(
    st.integers(min_value=-(10**500), max_value=10**500).map(str),
    st.text("0123456789", min_size=30, max_size=5000),
    st.integers(min_value=-5, max_value=10**6).map(lambda n: f" {n} "),
    st.sampled_from(["1e400", "-1e400", "nan", "inf", "-0", "1_000", "0x10", "4.5", "+7",
                     "٣", "١٢٠", "²", "𝟗𝟗", "9" * 400, "-" + "9" * 400, "", " ", "-"]),
    st.text(st.characters(categories=["Nd", "No", "Pd", "Zs"]), min_size=1, max_size=20),
)


def _is_numeric(field: Any) -> bool:
    if isinstance(field, IntegerField | DecimalField | FloatField):
        return True
    return isinstance(field, SelectFieldBase) and getattr(field, "coerce", str) not in (str,)


def _all_forms() -> list[type[FlaskForm]]:
    for module in pkgutil.walk_packages(lms.__path__, "lms."):
        if module.name.endswith("forms") or module.name.endswith("_forms"):
            importlib.import_module(module.name)
    found, queue = [], list(FlaskForm.__subclasses__())
    while queue:
        form = queue.pop()
        queue.extend(form.__subclasses__())
        if form.__module__.startswith("lms."):
            found.append(form)
    return sorted(found, key=lambda form: form.__qualname__)


def numeric_fields(app) -> dict[tuple[str, str], list[str]]:
    """Return every numeric field of every form, with the messages it may answer."""
    fields: dict[tuple[str, str], list[str]] = {}
    with app.test_request_context(method="POST"):
        for form_class in _all_forms():
            form = form_class(meta={"csrf": False})
            for field in form:
                if not _is_numeric(field):
                    continue
                messages = [getattr(field, name, None) for name in (
                    "range_message", "invalid_value_message", "invalid_choice_message")]
                messages += [getattr(validator, "message", None) for validator in field.validators]
                fields[(form_class.__name__, field.name)] = [m for m in messages if m]
    return fields


#: Where each form with numeric fields is sent, who sends it, and valid values for the rest.
def _routes(people: dict[str, int]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    return {
        "EntryForm": ("trainee@example.org", "/practice/new", {
            "practice_date": yesterday, "minutes": "50", "activity": "one-to-one",
            "setting": "remote", "reflection": "I practised open questions.", "save": "yes"}),
        "ObservationForm": (
            "supervisor@example.org",
            f"/supervision/trainees/{people['trainee']}/observations/new",
            {"competency": "active-listening", "observed_on": yesterday, "outcome": "competent",
             "note": "Calm pace."}),
        "AssignSupervisorForm": ("admin@example.org",
                                 f"/admin/people/{people['trainee']}/supervisors",
                                 {"supervisor_id": str(people["supervisor"])}),
        "MoveForm": ("admin@example.org", f"/admin/people/{people['trainee']}/cohort",
                     {"cohort_id": "1"}),
        "SessionForm": ("supervisor@example.org", "/supervision/sessions/new", {
            "session_date": yesterday, "minutes": "60", "kind": "individual",
            "modality": "video", "trainees": str(people["trainee"]),
            "topics": "skill-building"}),
    }


def test_every_form_with_numeric_fields_is_covered(app, people):
    forms = {form for form, _ in numeric_fields(app)}
    assert forms, "no numeric fields found: the discovery is broken"
    assert forms <= set(_routes(people)), f"add a route for {forms - set(_routes(people))}"


@pytest.fixture(scope="module")
def numeric(app) -> list[tuple[str, str]]:
    return sorted(numeric_fields(app))


def test_every_numeric_field_answers_odd_numbers_with_its_message(app, numeric):
    """Property: the field's own processing and validation never raise on any odd number."""
    fields = numeric_fields(app)

    @settings(max_examples=150, deadline=None)
    @given(value=ODD_NUMBERS, which=st.sampled_from(numeric))
    def check(value: str, which: tuple[str, str]) -> None:
        form_name, field_name = which
        form_class = next(form for form in _all_forms() if form.__name__ == form_name)
        with app.test_request_context(method="POST"):
            form = form_class(MultiDict({field_name: value}), meta={"csrf": False})
            field = form[field_name]
            if getattr(field, "choices", "") is None:
                field.choices = [(1, "One person")]
            if field.validate(form):
                return
            assert field.errors and set(field.errors) <= set(fields[which]), field.errors

    check()


@pytest.fixture
def signed_in_clients(app, people, sign_in, client):
    """Return a function that signs the shared client in as one person, once."""
    current: list[str] = []

    def as_person(email: str):
        if current != [email]:
            if current:
                client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
            sign_in(email)
            current[:] = [email]
        return client

    return as_person


def test_every_numeric_field_over_http_never_gives_a_500(app, people, numeric,
                                                          signed_in_clients):
    """Property: the pages that take numbers answer 200, 302 or 400 with the field's message."""
    fields, routes = numeric_fields(app), _routes(people)

    @settings(max_examples=120, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(value=ODD_NUMBERS, which=st.sampled_from(numeric))
    def check(value: str, which: tuple[str, str]) -> None:
        form_name, field_name = which
        email, url, valid = routes[form_name]
        client = signed_in_clients(email)
        data = {**valid, field_name: value, "csrf_token": csrf_token(client, url)}
        response = client.post(url, data=data)
        assert response.status_code in (200, 302, 400), (which, value, response.status_code)
        if response.status_code == 400:
            page = response.get_data(as_text=True)
            assert any(str(escape(message)) in page for message in fields[which]), (which, value)

    check()
