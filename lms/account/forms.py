"""Forms on the account page and the admin's changes to a person."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from lms.auth.services import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from lms.auth.validators import visible_characters


class NameForm(FlaskForm):
    """The name shown to supervisors and printed on new certificates."""

    display_name = StringField(
        "Your name",
        validators=[DataRequired("Please type the name you would like to use."),
                    Length(max=120), visible_characters],
        description="Shown to your supervisors and printed on certificates issued from now on.")


class PersonNameForm(NameForm):
    """An admin's change of someone's name."""

    display_name = StringField(
        "Name", validators=[DataRequired("Please type the name."), Length(max=120),
                            visible_characters],
        description="Changing it is recorded in the audit log.")


class PersonEmailForm(FlaskForm):
    """An admin's change of someone's sign-in address."""

    email = EmailField("E-mail address", validators=[
        DataRequired("Please type the new address."), Length(max=254)],
        description="They sign in with this address from now on. The change is recorded.")


class EmailChangeForm(FlaskForm):
    """A new sign-in address, confirmed with the current password and then by e-mail."""

    new_email = EmailField("New e-mail address", validators=[
        DataRequired("Please type the new address."), Length(max=254)],
        description="We send a link to this address; it becomes yours when you open the link.")
    current_password = PasswordField("Current password", validators=[
        DataRequired("Please type your current password."), Length(max=PASSWORD_MAX_LENGTH)])


class PasswordChangeForm(FlaskForm):
    """The current password, then a new one typed twice."""

    current_password = PasswordField("Current password", validators=[
        DataRequired("Please type your current password."), Length(max=PASSWORD_MAX_LENGTH)])
    password = PasswordField(
        "New password",
        validators=[DataRequired("Please choose a new password."),
                    Length(max=PASSWORD_MAX_LENGTH)],
        description=f"At least {PASSWORD_MIN_LENGTH} characters. A short phrase of a few words "
                    "works well.")
    confirm = PasswordField("Type the new password again", validators=[
        DataRequired("Please type the new password again."),
        EqualTo("password", message="The two new passwords are not the same. Please type the "
                                    "same one in both boxes.")])


class TimeZoneForm(FlaskForm):
    """The zone every time is shown in."""

    # The choices are filled per request; the service checks the name against the IANA list
    # itself, so a value not offered gets a clear message rather than "Not a valid choice".
    time_zone = SelectField("Time zone", validate_choice=False, description=(
        "Times on Lantern, such as when a quiz opens again, are shown in this zone."))
