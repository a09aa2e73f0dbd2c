"""Forms for the admin area."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from lms.auth.models import Role
from lms.auth.validators import visible_characters
from lms.ids import coerce_id

ROLE_CHOICES = [SelectChoice(Role.TRAINEE.value, "Trainee"),
                SelectChoice(Role.SUPERVISOR.value, "Supervisor"),
                SelectChoice(Role.ADMIN.value, "Administrator")]


def _stripped(value: str | None) -> str | None:
    # Addresses pasted from a message often carry a space; sign-in ignores it, so must this.
    return value.strip() if value else value


class InviteForm(FlaskForm):
    """Whom to invite, and in which role."""

    email = EmailField("E-mail address", filters=[_stripped], validators=[
        DataRequired("Please enter their e-mail address."),
        Email(message="Please enter a whole e-mail address, like sam@example.org."),
        Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.TRAINEE.value)
    display_name = StringField(
        "Name (optional)", validators=[Optional(), Length(max=120), visible_characters],
        description="They can change it when they accept the invitation.")
    program = SelectField("Program (for trainees)", validators=[Optional()],
                          description="Trainees are enrolled in this program.")


class AssignSupervisorForm(FlaskForm):
    """Which supervisor to assign to a trainee."""

    supervisor_id = SelectField("Supervisor", coerce=coerce_id, validators=[
        DataRequired("Please choose a supervisor.")],
        invalid_choice_message="Please choose a supervisor from the list.",
        invalid_value_message="Please choose a supervisor from the list.")


class ActionForm(FlaskForm):
    """A button that changes something: it carries only the CSRF token."""
