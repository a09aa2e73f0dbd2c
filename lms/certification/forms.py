"""Forms for certificates: claiming, checking and the admin actions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

MAX_PDF_BYTES = 5 * 1024 * 1024
MAX_CREDENTIAL_CHARS = 64 * 1024


class ClaimForm(FlaskForm):
    """The one-click claim, for a program and one of its profiles."""

    program = HiddenField(validators=[DataRequired()])
    profile = HiddenField(validators=[Optional()])


class WalletOfferForm(FlaskForm):
    """Make a wallet offer for one certificate, with or without a transaction code."""

    tx_code = BooleanField("Also ask my wallet for a six-digit code shown here", default=True)


class VerifyCodeForm(FlaskForm):
    """A certificate code typed by anyone."""

    class Meta:
        csrf = False  # a read-only look-up, sent with GET so it works from a bookmark

    code = StringField("Certificate code", validators=[
        DataRequired("Please enter the certificate's code."), Length(max=40)],
                       description="16 characters, printed under the QR code, for example "
                                   "ABCD-EFGH-JKMN-PQR5. Dashes and spaces are optional.")


class VerifyFileForm(FlaskForm):
    """A certificate PDF, or its credential.json, to check."""

    document = FileField("Certificate PDF or credential.json", validators=[
        DataRequired(message="Please choose the certificate's PDF file or its credential.json."),
        FileAllowed(["pdf", "json"], "Please choose a PDF file or a credential.json file (the "
                                     "name ends in .pdf or .json)."),
        FileSize(MAX_PDF_BYTES, message="That file is larger than 5 MB; our certificates are "
                                        "much smaller, so it cannot be one of them.")],
        description="The PDF you were given, or the credential.json saved from it, up to 5 MB.")

    def validate_document(self, field: FileField) -> None:
        """Refuse files that are neither PDF nor JSON, whatever their name says."""
        head = field.data.stream.read(16).lstrip(b"\xef\xbb\xbf \t\r\n")
        field.data.stream.seek(0)
        if not (head.startswith(b"%PDF-") or head.startswith(b"{")):
            raise ValidationError("That file is neither a PDF nor a credential.json. Please "
                                  "choose the certificate's PDF file or its credential.json.")


class VerifyPasteForm(FlaskForm):
    """A credential's JSON, pasted."""

    credential = TextAreaField("Credential JSON", validators=[
        DataRequired("Please paste the credential's JSON: it starts with { and ends with }."),
        Length(max=MAX_CREDENTIAL_CHARS, message="That is longer than any credential we issue "
                                                 "(64 KB at most).")],
        description="The contents of credential.json, from the certificate's PDF or a wallet.",
        render_kw={"rows": 6, "spellcheck": "false"})


class RevokeForm(FlaskForm):
    """Why a certificate is revoked; the reason is shown publicly."""

    reason = TextAreaField("Reason (shown on the public verification page)", validators=[
        DataRequired("Please give the reason for revoking; it is shown publicly."),
        Length(max=500, message="Please keep the reason to 500 characters or fewer.")])


class IssueForm(FlaskForm):
    """An admin's issue, reissue or renew button."""

    profile = HiddenField(validators=[Optional()])
