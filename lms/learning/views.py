"""Module pages, reading progress and quizzes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.auth.models import Role
from lms.auth.roles import role_required
from lms.catalog.content import Module, Program
from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.learning import quiz
from lms.learning.forms import MarkReadForm, QuizForm, StartQuizForm
from lms.learning.models import QuizAttempt
from lms.learning.services import (
    LearningError,
    answers_from_form,
    is_enrolled,
    mark_read,
    module_state,
    quiz_status,
    start_attempt,
    submit_attempt,
)

bp = Blueprint("learning", __name__)


def _module_or_404(program_slug: str, module_slug: str) -> tuple[Program, Module]:
    try:
        program = get_catalog().program(program_slug)
        return program, program.module(module_slug)
    except KeyError:
        abort(404)


NOT_ENROLLED = ("You are not enrolled in this program yet, so its modules are not open to you. "
                "Your program administrator can enrol you.")


def _trainee_module(program_slug: str, module_slug: str) -> tuple[Program, Module]:
    """Return the module for an enrolled trainee, else 403."""
    program, module = _module_or_404(program_slug, module_slug)
    if not is_enrolled(current_user, program):
        abort(403, NOT_ENROLLED)
    return program, module


def _own_attempt(attempt_id: int, module: Module) -> QuizAttempt:
    attempt = db.get_or_404(QuizAttempt, attempt_id)
    if (attempt.user_id != current_user.id or attempt.module_slug != module.slug
            or attempt.program_slug != module.program_slug):
        abort(404)
    return attempt


@bp.get("/programs/<program_slug>/<module_slug>")
@login_required
def module_page(program_slug: str, module_slug: str) -> str:
    """Show a module's lesson, with the reader's progress and the quiz's status."""
    program, module = _module_or_404(program_slug, module_slug)
    progress = status = None
    if current_user.role is Role.TRAINEE:
        state = module_state(current_user, module)
        if not state.enrolled:
            abort(403, NOT_ENROLLED)
        progress, status = state.progress, state.status
    # The two small forms are plain HTML with the CSRF token: no WTForms bind on a hot page.
    return render_template("learning/module.html", program=program, module=module,
                           progress=progress, status=status, parts=lesson_parts(program, module))


#: Past this many modules in one app's cache, something keeps making new ones: start afresh.
LESSON_CACHE_SIZE = 512


def lesson_parts(program: Program, module: Module) -> Any:
    """Return the module page's parts that are the same for every reader, rendered once.

    The catalog is loaded once per app and its modules compare by identity, so a module object
    is its own cache key; the cache lives on the app and goes with it.
    """
    cache: dict[Module, Any] = current_app.extensions.setdefault("lantern.lesson_parts", {})
    parts = cache.get(module)
    if parts is None:
        if len(cache) >= LESSON_CACHE_SIZE:
            cache.clear()
        template = current_app.jinja_env.get_template("learning/_lesson.html")
        parts = cache[module] = template.make_module({
            "program": program, "module": module,
            "previous": program.previous_module(module.slug),
            "next": program.next_module(module.slug)})
    return parts


@bp.post("/programs/<program_slug>/<module_slug>/read")
@role_required(Role.TRAINEE)
def mark_module_read(program_slug: str, module_slug: str) -> Response:
    """Record that the trainee has read the lesson."""
    program, module = _trainee_module(program_slug, module_slug)
    if not MarkReadForm().validate_on_submit():
        abort(400)
    mark_read(current_user, module)
    db.session.commit()
    flash("Marked as read. Well done for taking the time.", "success")
    return redirect(url_for("learning.module_page", program_slug=program.slug,
                            module_slug=module.slug, _anchor="quiz"))


@bp.post("/programs/<program_slug>/<module_slug>/quiz")
@role_required(Role.TRAINEE)
def start_quiz(program_slug: str, module_slug: str) -> Response:
    """Start (or resume) an attempt at the module's quiz."""
    program, module = _trainee_module(program_slug, module_slug)
    if not StartQuizForm().validate_on_submit():
        abort(400)
    try:
        attempt = start_attempt(current_user, module)
    except LearningError as error:
        flash(str(error), "error")
        return redirect(url_for("learning.module_page", program_slug=program.slug,
                                module_slug=module.slug, _anchor="quiz"))
    db.session.commit()
    return redirect(url_for("learning.quiz_attempt", program_slug=program.slug,
                            module_slug=module.slug, attempt_id=attempt.id))


@bp.route("/programs/<program_slug>/<module_slug>/quiz/<int:attempt_id>",
          methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def quiz_attempt(
    program_slug: str, module_slug: str, attempt_id: int
) -> tuple[str, int] | Response:
    """Show the drawn questions, and grade the answers when they are submitted."""
    program, module = _trainee_module(program_slug, module_slug)
    attempt = _own_attempt(attempt_id, module)
    result_url = url_for("learning.quiz_result", program_slug=program.slug,
                         module_slug=module.slug, attempt_id=attempt.id)
    if attempt.submitted_at is not None:
        # Back button or a second click: the attempt is already graded.
        return redirect(result_url)
    try:
        drawn = quiz.resolve(module, attempt.drawn)
    except KeyError:
        flash("This module was updated while your quiz was open. Please start a new attempt; "
              "this one does not count.", "error")
        return redirect(url_for("learning.module_page", program_slug=program.slug,
                                module_slug=module.slug))
    form = QuizForm()
    answers: dict[str, list[str]] = {}
    error: LearningError | None = None
    if form.validate_on_submit():
        try:
            answers = answers_from_form(drawn, request.form.to_dict(flat=False))
            submit_attempt(attempt, module, answers)
        except LearningError as refusal:
            error = refusal
        else:
            db.session.commit()
            return redirect(result_url)
    elif form.is_submitted():
        abort(400)
    return render_template("learning/quiz.html", program=program, module=module,
                           attempt=attempt, drawn=drawn, answers=answers, form=form,
                           error=error), 400 if error else 200


@bp.get("/programs/<program_slug>/<module_slug>/quiz/<int:attempt_id>/result")
@role_required(Role.TRAINEE)
def quiz_result(program_slug: str, module_slug: str, attempt_id: int) -> str | Response:
    """Show the score, the verdict and feedback on every answer."""
    program, module = _trainee_module(program_slug, module_slug)
    attempt = _own_attempt(attempt_id, module)
    if attempt.submitted_at is None:
        return redirect(url_for("learning.quiz_attempt", program_slug=program.slug,
                                module_slug=module.slug, attempt_id=attempt.id))
    try:
        graded = quiz.grade(module, quiz.resolve(module, attempt.drawn), attempt.answers or {})
    except KeyError:
        graded = None  # the module changed since; the recorded score still stands
    return render_template("learning/result.html", program=program, module=module,
                           attempt=attempt, graded=graded,
                           status=quiz_status(current_user, module),
                           next=program.next_module(module.slug))
