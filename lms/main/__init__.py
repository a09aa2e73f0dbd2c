"""The start page and the site-wide pages every role shares."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from lms.main import views as views  # noqa: E402  (routes attach to bp)
