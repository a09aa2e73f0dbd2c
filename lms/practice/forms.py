"""Forms for practice entries, reviews, observations and supervision sessions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.ids import coerce_id
from lms.practice.models import OARS_FIELDS, SessionKind
from lms.practice.once import new_form_key
from lms.practice.profile import MODALITIES, SUPERVISION_TOPICS
from lms.practice.services import MAX_REFLECTION

CONFIRM_LABEL = ("I have checked the highlighted parts: none of them identifies a person "
                 "(for example, it is a public helpline or a made-up example).")


def as_choices(pairs: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> list[SelectChoice]:
    """Return (value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes, rendered by the templates' `choices` macro in a fieldset."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _date(label: str, what: str) -> DateField:
    return DateField(label, validators=[InputRequired(message=f"Please enter the date {what}.")],
                     invalid_value_message="Please enter a whole date, like 2026-03-14.")


class WholeNumberField(IntegerField):
    """A whole number typed in ASCII digits, refused with the field's own message otherwise.

    WTForms' IntegerField hands any length of digits to NumberRange, whose NaN check turns a
    400-digit number into an OverflowError (a 500); int() also reads "1_000" and Arabic-Indic
    digits. Here a number too long for its range gets the range message and anything that is
    not plain digits gets the invalid-value message, before any validator runs.
    """

    def __init__(self, label: str, low: int, high: int, range_message: str,
                 **kwargs: object) -> None:
        self.range_message = range_message
        self.max_digits = len(str(max(abs(low), abs(high)))) + 1
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        """Read the typed value: ASCII digits with an optional minus sign, and not too many."""
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        digits = text.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()):
            self.data = None
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid number."))
        if len(digits.lstrip("0")) > self.max_digits:
            self.data = None
            raise ValueError(self.range_message)
        self.data = int(text)


def _minutes(label: str, low: int, high: int, hint: str) -> WholeNumberField:
    message = f"Please enter between {low} and {high} minutes."
    return WholeNumberField(label, low, high, message, description=hint, validators=[
        InputRequired(message="Please enter how many minutes."), NumberRange(low, high, message)],
        invalid_value_message="Please enter the minutes as a whole number, like 45.")


TALLY_MESSAGE = "Please enter a whole number between 0 and 500, or leave it empty."


def _tally(label: str) -> WholeNumberField:
    return WholeNumberField(label, 0, 500, TALLY_MESSAGE,
                            validators=[Optional(), NumberRange(0, 500, TALLY_MESSAGE)],
                            invalid_value_message=TALLY_MESSAGE)


class EntryForm(FlaskForm):
    """One practice entry; choices come from the trainee's program."""

    form_key = HiddenField(default=new_form_key)  # one record per form, however often sent

    practice_date = _date("Date", "you practised")
    start_time = TimeField("Start time (optional)", validators=[Optional()],
                           invalid_value_message="Please enter a time like 14:30, or leave it "
                                                 "empty.")
    minutes = _minutes("Minutes", 5, 720, "Between 5 and 720. For example, 90 for an hour "
                                          "and a half.")
    activity = RadioField("Activity", invalid_choice_message="Please choose an activity from "
                                                             "the list.")
    setting = RadioField("Setting", invalid_choice_message="Please choose a setting from the "
                                                           "list.")
    competencies = CheckboxesField(
        "Competencies you practised (optional)",
        invalid_choice_message="Please choose competencies from the list only.")
    reflection = TextAreaField(
        "Reflection", validators=[Length(max=MAX_REFLECTION)],
        filters=[lambda text: text.replace("\r\n", "\n") if text else text],
        description="What did you practise, what did you notice, what would you try next "
                    "time? Describe people in general terms only: no names, initials, places "
                    "or contact details. You can use simple formatting: **bold**, and lists "
                    "that start with a dash.")
    confirm_identifiers = BooleanField(CONFIRM_LABEL)
    screened = HiddenField()
    #: How many times the entry had been sent when the page was shown (filled from the entry).
    submissions = HiddenField()
    save = SubmitField("Save as draft")
    submit = SubmitField("Submit to my supervisor")


class ActionForm(FlaskForm):
    """A button that changes something: it carries only the CSRF token."""


class ApproveForm(FlaskForm):
    """Approve one entry, naming the submission the supervisor reviewed."""

    submission = HiddenField()


class ReturnForm(FlaskForm):
    """Return one entry with what to change."""

    submission = HiddenField()
    comment = TextAreaField("What should the trainee change?", validators=[
        InputRequired(message="Please say what the trainee should change, so they can fix it."),
        Length(max=2000)])


class ObservationForm(FlaskForm):
    """A competency observation with optional OARS tallies."""

    form_key = HiddenField(default=new_form_key)  # one record per form, however often sent

    competency = RadioField("Competency", invalid_choice_message="Please choose a competency "
                                                                 "from the list.")
    observed_on = _date("Date observed", "you observed it")
    outcome = RadioField("Outcome", choices=as_choices([
        ("competent", "Observed and competent"),
        ("not-yet", "Observed, not yet competent (feedback only)")]),
        invalid_choice_message="Please choose an outcome.")
    note = TextAreaField("Note (optional)", validators=[Length(max=2000)],
                         description="What you saw. No names or details that identify the "
                                     "people supported.")
    open_questions = _tally("Open questions")
    closed_questions = _tally("Closed questions")
    simple_reflections = _tally("Simple reflections")
    complex_reflections = _tally("Complex reflections")
    affirmations = _tally("Affirmations")
    summaries = _tally("Summaries")
    confirm_identifiers = BooleanField(CONFIRM_LABEL)
    screened = HiddenField()

    def tallies(self) -> dict[str, int | None]:
        """Return the OARS tallies entered."""
        return {name: getattr(self, name).data for name in OARS_FIELDS}


class SessionForm(FlaskForm):
    """One supervision session, on one date."""

    form_key = HiddenField(default=new_form_key)  # one record per form, however often sent

    session_date = _date("Date", "of the session")
    start_time = TimeField("Start time (optional)", validators=[Optional()],
                           invalid_value_message="Please enter a time like 14:30, or leave it "
                                                 "empty.")
    minutes = _minutes("Minutes", 5, 480, "Between 5 and 480.")
    kind = RadioField("Type of session", choices=as_choices([
        (SessionKind.INDIVIDUAL.value, "Individual"), (SessionKind.GROUP.value, "Group")]),
        default=SessionKind.INDIVIDUAL.value, invalid_choice_message="Please choose individual "
                                                                     "or group.")
    modality = RadioField("How it took place", choices=as_choices(MODALITIES), default="in-person",
                          invalid_choice_message="Please choose how the session took place.")
    trainees = CheckboxesField("Who took part", coerce=coerce_id,
                               validators=[InputRequired("Please choose who took part.")],
                               invalid_choice_message="Please choose trainees you supervise.",
                               invalid_value_message="Please choose trainees you supervise.")
    topics = CheckboxesField("Topics", choices=as_choices(SUPERVISION_TOPICS),
                             validators=[InputRequired("Please choose at least one topic.")],
                             invalid_choice_message="Please choose topics from the list.")
