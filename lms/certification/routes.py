"""The certification blueprint: public verification plus trainee and admin pages."""

from flask import Blueprint

bp = Blueprint("certification", __name__)

from lms.certification import verify_views as verify_views  # noqa: E402  (routes attach to bp)
from lms.certification import views as views  # noqa: E402
