"""The page walk, in one place: which role visits each HTML page rule, and which rules are left
out and why. tests/e2e/test_every_page.py walks WALK; tests/test_page_inventory.py fails when
the app has a page rule that is in neither table."""

from __future__ import annotations

#: Roles, in the order the walk signs in as them.
ROLES = ("anonymous", "trainee", "supervisor", "admin")

#: URL rule -> (role, target). A target starting with "/" is opened, after filling its {names}
#: from the walk's seed; one starting with "@" names a step of the walk that reaches the page
#: through the real UI (a form post or a click), because no bare GET shows it.
WALK: dict[str, tuple[str, str]] = {
    "/sign-in": ("anonymous", "/sign-in"),
    "/verify": ("anonymous", "/verify"),
    "/verify/<code>": ("anonymous", "/verify/{code}"),
    "/password/forgot": ("anonymous", "/password/forgot"),
    "/invite/<token>": ("anonymous", "/invite/{invite}"),
    "/reset/<token>": ("anonymous", "/reset/{account_reset}"),
    "/password/reset/<token>": ("anonymous", "/password/reset/{password_reset}"),
    "/unsubscribe/<token>": ("anonymous", "/unsubscribe/{unsubscribe}"),
    "/account/email/confirm/<token>": ("anonymous", "/account/email/confirm/{email_change}"),
    "/": ("trainee", "/"),
    "/account": ("trainee", "/account"),
    "/account/notifications": ("trainee", "/account/notifications"),
    "/account/two-step": ("trainee", "/account/two-step"),
    "/programs/<program_slug>/<module_slug>": ("trainee", "/programs/foundations/boundaries"),
    "/programs/<program_slug>/<module_slug>/quiz/<int:attempt_id>": ("trainee", "@quiz"),
    "/programs/<program_slug>/<module_slug>/quiz/<int:attempt_id>/result": ("trainee", "@result"),
    "/practice": ("trainee", "/practice"),
    "/practice/new": ("trainee", "/practice/new"),
    "/practice/entries/<int:entry_id>": ("trainee", "@draft"),
    "/practice/entries/<int:entry_id>/edit": ("trainee", "/practice/entries/{entry}/edit"),
    "/practice/entries/<int:entry_id>/delete": ("trainee", "/practice/entries/{entry}/delete"),
    "/certificates": ("trainee", "/certificates"),
    "/certificates/<code>/wallet": ("trainee", "@wallet"),
    # Last for the trainee: it turns on two-step sign-in, signs out and in again with a code.
    "/sign-in/code": ("trainee", "@second-step"),
    "/supervision/queue": ("supervisor", "/supervision/queue"),
    "/supervision/trainees": ("supervisor", "/supervision/trainees"),
    "/supervision/trainees/<int:user_id>": ("supervisor", "/supervision/trainees/{walker}"),
    "/supervision/trainees/<int:user_id>/observations/new":
        ("supervisor", "/supervision/trainees/{walker}/observations/new"),
    "/supervision/sessions/new": ("supervisor", "/supervision/sessions/new"),
    "/admin": ("admin", "/admin"),
    "/admin/people": ("admin", "/admin/people"),
    "/admin/people/invite": ("admin", "/admin/people/invite"),
    "/admin/people/<int:user_id>": ("admin", "/admin/people/{trainee}"),
    "/admin/people/<int:user_id>/account": ("admin", "/admin/people/{trainee}/account"),
    "/admin/people/<int:user_id>/certificates": ("admin", "/admin/people/{walker}/certificates"),
    "/admin/reports": ("admin", "/admin/reports"),
    "/admin/reports/trainees": ("admin", "/admin/reports/trainees?cohort={cohort}"),
    "/admin/cohorts": ("admin", "/admin/cohorts"),
    "/admin/cohorts/new": ("admin", "/admin/cohorts/new"),
    "/admin/cohorts/<int:cohort_id>": ("admin", "/admin/cohorts/{cohort}"),
    "/admin/outbox": ("admin", "/admin/outbox"),
    "/admin/import": ("admin", "/admin/import"),
    "/admin/import/<token>": ("admin", "@preview"),
    "/admin/import/<token>/done": ("admin", "@imported"),
}

#: More pages of an already-walked rule that look different enough to check too, with the
#: status each answers.
EXTRA: list[tuple[str, str, int]] = [
    ("anonymous", "/verify/0000-0000-0000-0000", 404),
    # The pages that say why a link or address does not work.
    ("anonymous", "/no-such-page", 404),
    ("anonymous", "/invite/not-a-link", 410),
    ("anonymous", "/reset/not-a-link", 410),
    ("anonymous", "/password/reset/not-a-link", 410),
    ("anonymous", "/account/email/confirm/not-a-link", 410),
    ("anonymous", "/unsubscribe/not-a-link", 400),
    ("trainee", "/practice", 200),  # now with a draft and an entry waiting for review
    ("supervisor", "/", 200),
    ("supervisor", "/account", 200),
    ("supervisor", "/account/notifications", 200),
    ("admin", "/", 200),
    ("admin", "/account", 200),
    ("admin", "/admin/reports?cohort={cohort}", 200),
    ("admin", "/admin/people/{walker}", 200),
    ("admin", "/admin/import/not-a-batch", 410),
    ("admin", "/admin/reports/trainees", 200),
]

#: GET rules that are not HTML pages for a person, or that the walk cannot reach: one reason each.
EXCLUDED: dict[str, str] = {
    "/healthz": "a plain-text health check for load balancers, not a page",
    "/issuer": "the issuer's JSON-LD profile for verifiers",
    "/issuer/keys/<key>": "a public key document (JSON) for verifiers",
}

#: Endings and prefixes of rules that are downloads, machine endpoints or static files.
NOT_PAGES = (".json", ".csv", ".pdf", ".zip")
NOT_PAGE_PREFIXES = ("/static/", "/.well-known/", "/oid4vci/", "/credentials/")
