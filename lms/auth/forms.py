"""Forms for signing in, joining and resetting a password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from lms.auth.passwords import MAX_LENGTH, MIN_LENGTH  # rules checked in password_problem
from lms.auth.validators import visible_characters


class SignInForm(FlaskForm):
    """E-mail and password."""

    email = EmailField("E-mail", validators=[
        DataRequired("Please enter your e-mail address."), Length(max=254)])
    password = PasswordField("Password", validators=[
        DataRequired("Please enter your password."), Length(max=MAX_LENGTH)])


class NewPasswordForm(FlaskForm):
    """A new password, typed twice."""

    password = PasswordField(
        "New password",
        validators=[DataRequired("Please choose a password."), Length(max=MAX_LENGTH)],
        description=f"At least {MIN_LENGTH} characters. A short phrase of a few words works well.",
    )
    confirm = PasswordField(
        "Type the password again",
        validators=[DataRequired("Please type the password again."), EqualTo(
            "password", message="The two passwords are not the same. Please type the same "
                                "one in both boxes.")],
    )


class JoinForm(NewPasswordForm):
    """The name to use, and a password."""

    display_name = StringField(
        "Your name",
        validators=[DataRequired("Please enter the name you would like to use."),
                    Length(max=120), visible_characters],
        description="As you would like it shown to supervisors and on your certificate.",
    )


class CodeForm(FlaskForm):
    """A six-digit code from an authenticator app, or a recovery code."""

    code = StringField("Code", validators=[
        DataRequired("Please enter the code from your authenticator app."), Length(max=40)],
        description="The six digits your authenticator app shows now, or one of your "
                    "recovery codes.")
