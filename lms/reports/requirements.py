"""The catalog's requirement profiles as small literal tables that SQL can join.

Eligibility is a pure function in Python for one trainee; counting stages for 100,000
trainees needs the same rules inside the query. These tables carry them: what each
(program, profile) needs, which modules and competencies it names, which activity
minimums it sets, and which activity types count toward practice hours.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, Subquery, literal, select, union_all

from lms.catalog.content import Catalog
from lms.catalog.profile import practice_rules, profiles


def _table(name: str, columns: dict[str, Any], rows: list[tuple[Any, ...]]) -> Subquery:
    """Return a UNION ALL of literal rows (VALUES with column names is not portable)."""
    # A row that never matches keeps an empty table valid SQL.
    blank = tuple("" if kind is String else -1 for kind in columns.values())
    selects = [select(*(literal(value, kind()).label(column)
                        for (column, kind), value in zip(columns.items(), row, strict=True)))
               for row in [blank, *rows]]
    return union_all(*selects).subquery(name)


def profile_table(catalog: Catalog) -> Subquery:
    """Return (program, profile, modules, minutes, activities, supervision, competencies)."""
    rows = []
    for program in catalog:
        for slug, chosen in profiles(program).items():
            rows.append((program.slug, slug, len(chosen.modules), chosen.practice_total_minutes,
                         len(chosen.practice_by_activity), chosen.supervision_minutes,
                         len(chosen.competencies)))
    return _table("req_profile", {"program": String, "profile": String, "modules": Integer,
                                  "minutes": Integer, "activities": Integer,
                                  "supervision": Integer, "competencies": Integer}, rows)


def module_table(catalog: Catalog) -> Subquery:
    """Return (program, profile, module) for every module a profile requires."""
    rows = [(program.slug, slug, module)
            for program in catalog for slug, chosen in profiles(program).items()
            for module in chosen.modules]
    return _table("req_module", {"program": String, "profile": String, "module": String}, rows)


def activity_table(catalog: Catalog) -> Subquery:
    """Return (program, profile, activity, minutes) for every per-activity minimum."""
    rows = [(program.slug, slug, activity, minutes)
            for program in catalog for slug, chosen in profiles(program).items()
            for activity, minutes in chosen.practice_by_activity.items()]
    return _table("req_activity", {"program": String, "profile": String, "activity": String,
                                   "minutes": Integer}, rows)


def competency_table(catalog: Catalog) -> Subquery:
    """Return (program, profile, competency) for every competency a profile requires."""
    rows = [(program.slug, slug, competency)
            for program in catalog for slug, chosen in profiles(program).items()
            for competency in chosen.competencies]
    return _table("req_competency", {"program": String, "profile": String,
                                     "competency": String}, rows)


def counting_table(catalog: Catalog) -> Subquery:
    """Return (program, activity) for every activity type whose time counts."""
    rows = [(program.slug, activity.key) for program in catalog
            for activity in practice_rules(program).activity_types if activity.counts]
    return _table("counting", {"program": String, "activity": String}, rows)
