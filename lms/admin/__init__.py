"""The admin area: people, invitations and supervisor assignments."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from lms.admin import views as views  # noqa: E402  (routes attach to bp)
