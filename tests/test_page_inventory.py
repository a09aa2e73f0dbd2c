"""Every HTML page rule is walked in the browser at both widths, or excluded with a reason."""

from __future__ import annotations

from flask import Flask

from tests.e2e.pages import EXCLUDED, NOT_PAGE_PREFIXES, NOT_PAGES, ROLES, WALK


def _page_rules(app: Flask) -> set[str]:
    """Return the GET rules that may show a person an HTML page."""
    return {rule.rule for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or set())
            and not rule.rule.endswith(NOT_PAGES)
            and not rule.rule.startswith(NOT_PAGE_PREFIXES)}


def test_every_page_rule_is_walked_or_excluded(app):
    missing = sorted(_page_rules(app) - set(WALK) - set(EXCLUDED))
    assert not missing, ("pages the browser walk does not visit: add each to WALK in "
                         f"tests/e2e/pages.py, or to EXCLUDED with a reason: {missing}")


def test_the_walk_names_only_real_rules(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert not sorted(set(WALK) - rules), "WALK names rules the app no longer has"
    assert not sorted(set(EXCLUDED) - _page_rules(app)), "EXCLUDED names no page rule"
    assert not set(WALK) & set(EXCLUDED)
    assert all(reason.strip() for reason in EXCLUDED.values())
    assert {role for role, _ in WALK.values()} <= set(ROLES)


def test_each_opened_path_matches_its_rule(app):
    adapter = app.url_map.bind("localhost")
    for rule, (_, target) in WALK.items():
        if target.startswith("@"):
            continue
        path = target.split("?")[0].format_map(_Sample())
        endpoint, _ = adapter.match(path, method="GET")
        matched = next(r.rule for r in app.url_map.iter_rules(endpoint))
        assert matched == rule, f"{target} opens {matched}, not {rule}"


class _Sample(dict[str, str]):
    """Fill any {name} in a target with a value that matches the rule's converter."""

    def __missing__(self, key: str) -> str:
        return "7" if key in {"trainee", "walker", "entry", "cohort"} else "sample-token"
