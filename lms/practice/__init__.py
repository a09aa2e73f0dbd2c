"""Supervised practice: the trainee's log, supervisor review, observations and sessions."""

from flask import Blueprint

bp = Blueprint("practice", __name__)

from lms.practice import oversight as oversight  # noqa: E402  (routes attach to bp)
from lms.practice import review as review  # noqa: E402
from lms.practice import views as views  # noqa: E402
