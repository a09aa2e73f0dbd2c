"""Forms for forgotten passwords, mail preferences and outbox actions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from lms.auth.services import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH


class ForgotPasswordForm(FlaskForm):
    """The address to send a reset link to."""

    email = EmailField("E-mail address", filters=[lambda value: value.strip() if value else value],
                       validators=[
        DataRequired("Please enter the e-mail address you sign in with."), Length(max=254),
        Email("Please enter an e-mail address such as name@example.org.",
              check_deliverability=False)])


class ResetPasswordForm(FlaskForm):
    """A new password, typed twice (the same fields as auth's own reset page)."""

    password = PasswordField(
        "New password",
        validators=[DataRequired("Please choose a password."),
                    Length(max=PASSWORD_MAX_LENGTH)],
        description=f"At least {PASSWORD_MIN_LENGTH} characters. A short phrase of a few words "
                    "works well.")
    confirm = PasswordField(
        "Type the password again",
        validators=[DataRequired("Please type the password again."), EqualTo(
            "password", message="The two passwords are not the same. Please type the same "
                                "one in both boxes.")])


class PreferencesForm(FlaskForm):
    """Which categories of mail a person receives; security notices are not among them."""

    updates = BooleanField("Updates about my work",
                           description="An entry returned to you, a certificate issued, "
                                       "a trainee assigned to you.")
    reminders = BooleanField("Reminders",
                             description="Before a certificate expires: 90, 30 and 7 days ahead.")
    digests = BooleanField("Daily digest for supervisors",
                           description="Once a day, only when entries wait for your review.")


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token."""
