"""Forms on the account page and the admin's changes to a person."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from lms.auth.forms import NewPasswordForm, visible_characters
from lms.auth.passwords import MAX_LENGTH


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


class PasswordChangeForm(NewPasswordForm):
    """The current password, then a new one typed twice."""

    current_password = PasswordField("Current password", validators=[
        DataRequired("Please type your current password."), Length(max=MAX_LENGTH)])


class TimeZoneForm(FlaskForm):
    """The zone every time is shown in."""

    # The choices are filled per request; the service checks the name against the IANA list
    # itself, so a value not offered gets a clear message rather than "Not a valid choice".
    time_zone = SelectField("Time zone", validate_choice=False, description=(
        "Times on Lantern, such as when a quiz opens again, are shown in this zone."))
