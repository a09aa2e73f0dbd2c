"""Role checks shared by every feature's views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort
from flask_login import current_user, login_required

from lms.auth.models import Role

P = ParamSpec("P")
R = TypeVar("R")


def _people(roles: tuple[Role, ...]) -> str:
    names = [f"{role.value}s" for role in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _a(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def role_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Require a signed-in person with one of the roles, else 403."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if current_user.role not in roles:
                abort(403, f"This page is for {_people(roles)}, and your account is "
                           f"{_a(current_user.role.value)} {current_user.role.value} account.")
            return view(*args, **kwargs)

        return login_required(wrapped)

    return decorator
