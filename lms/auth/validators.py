"""Form validators other features share for fields about people."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import ValidationError

from lms.auth.services import HIDDEN_IN_NAME, has_hidden_characters


def visible_characters(_form: FlaskForm, field: Field) -> None:
    """Refuse names with characters nobody can see (they would be printed on certificates)."""
    if field.data and has_hidden_characters(field.data):
        raise ValidationError(HIDDEN_IN_NAME)
