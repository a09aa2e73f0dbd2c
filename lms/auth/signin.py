"""Starting a browser's session and refreshing who it is: what other features' views may call."""

from __future__ import annotations

from flask_login import current_user, login_user

from lms.auth.identity import Identity, identity_cache
from lms.auth.models import User
from lms.auth.second_factor import enrolment
from lms.auth.sessions import EndReason, end_session, start_session


def begin_session(user: User) -> None:
    """Record a new server-side session for the person and put it in the cookie."""
    if current_user.is_authenticated:
        end_session(current_user.session_key, EndReason.REPLACED)
    key = start_session(user)
    login_user(Identity(id=user.id, role=user.role, display_name=user.display_name or "",
                        stamp=user.session_stamp, session_key=key, time_zone=user.time_zone,
                        enrolled=enrolment(user.id) is not None))


def refresh_identity(user: User) -> None:
    """Show a changed name or time zone at once: drop this process's cached identities."""
    identity_cache().forget_person(user.id)
