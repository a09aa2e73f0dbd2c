"""Signing in and out, joining by invitation, and resetting a password."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from lms.auth import views as views  # noqa: E402  (routes attach to bp)
