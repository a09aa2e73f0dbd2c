"""Forms for learning pages."""

from __future__ import annotations

from flask_wtf import FlaskForm


class QuizForm(FlaskForm):
    """A quiz submission; the answers are read from the drawn questions, not declared fields."""


class MarkReadForm(FlaskForm):
    """The "I have read this" button."""


class StartQuizForm(FlaskForm):
    """The "Start the quiz" button."""
