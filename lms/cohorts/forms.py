"""Forms for cohorts and the CSV import."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from lms.auth.validators import visible_characters
from lms.ids import coerce_id


class CohortForm(FlaskForm):
    """A new cohort: its name, program, requirement profile and start date."""

    name = StringField("Name", validators=[
        DataRequired("Please give the cohort a name."), Length(max=120), visible_characters],
        description="For example “Spring 2027, Leeds”. Each cohort needs its own name.")
    program = SelectField("Program", validators=[DataRequired("Please choose a program.")])
    profile = SelectField(
        "Requirement profile", validators=[DataRequired("Please choose a profile.")],
        description="The certificate its trainees work toward. A trainee may still claim "
                    "any other certificate of the program they qualify for.")
    edition = SelectField(
        "Edition", default="", invalid_choice_message="Please choose an edition from the list.",
        description="The edition of the requirements its trainees work toward. Trainees who "
                    "join the cohort later are moved to this edition, and the move is recorded.")
    starts_on = DateField("Start date", validators=[
        DataRequired("Please enter the start date, like 2027-03-01.")])


class MoveForm(FlaskForm):
    """Which cohort a trainee moves to."""

    cohort_id = SelectField("Cohort", coerce=coerce_id, validators=[
        DataRequired("Please choose a cohort.")],
        invalid_choice_message="Please choose a cohort from the list.",
        invalid_value_message="Please choose a cohort from the list.")


class UploadForm(FlaskForm):
    """A CSV file of people to invite."""

    file = FileField("CSV file", validators=[FileRequired("Please choose a CSV file.")])
