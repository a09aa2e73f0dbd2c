"""Learning: the trainee's dashboard, module pages and server-graded quizzes."""

from flask import Blueprint

bp = Blueprint("learning", __name__)

from lms.learning import views as views  # noqa: E402  (routes attach to bp)
