"""Forms for certificates: claiming, checking and the admin actions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

MAX_PDF_BYTES = 5 * 1024 * 1024


class ClaimForm(FlaskForm):
    """The one-click claim, for a program and one of its profiles."""

    program = HiddenField(validators=[DataRequired()])
    profile = HiddenField(validators=[Optional()])


class VerifyCodeForm(FlaskForm):
    """A certificate code typed by anyone."""

    class Meta:
        csrf = False  # a read-only look-up, sent with GET so it works from a bookmark

    code = StringField("Certificate code", validators=[
        DataRequired("Please enter the certificate's code."), Length(max=40)],
                       description="16 characters, printed under the QR code, for example "
                                   "ABCD-EFGH-JKMN-PQR5. Dashes and spaces are optional.")


class VerifyFileForm(FlaskForm):
    """A certificate PDF to compare with the files we issued."""

    document = FileField("Certificate PDF", validators=[
        DataRequired(message="Please choose the certificate's PDF file."),
        FileAllowed(["pdf"], "Please choose a PDF file (its name ends in .pdf)."),
        FileSize(MAX_PDF_BYTES, message="That file is larger than 5 MB; our certificates are "
                                        "much smaller, so it cannot be one of them.")],
        description="The PDF you were given, up to 5 MB.")

    def validate_document(self, field: FileField) -> None:
        """Refuse files that are not PDFs, whatever their name says."""
        head = field.data.stream.read(5)
        field.data.stream.seek(0)
        if head != b"%PDF-":
            raise ValidationError("That file is not a PDF. Please choose the certificate's "
                                  "PDF file.")


class RevokeForm(FlaskForm):
    """Why a certificate is revoked; the reason is shown publicly."""

    reason = TextAreaField("Reason (shown on the public verification page)", validators=[
        DataRequired("Please give the reason for revoking; it is shown publicly."),
        Length(max=500, message="Please keep the reason to 500 characters or fewer.")])


class IssueForm(FlaskForm):
    """An admin's issue, reissue or renew button."""

    profile = HiddenField(validators=[Optional()])
