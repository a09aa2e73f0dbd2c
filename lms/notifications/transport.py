"""Where mail goes: LMS_MAIL_URL parsed once, and one transport per delivery run."""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

SCHEMES = ("smtp+starttls", "smtps", "smtp", "file", "none")
DEFAULT_PORTS = {"smtp+starttls": 587, "smtps": 465, "smtp": 25}
#: Seconds to wait for the SMTP server on connect and on each command.
SMTP_TIMEOUT_SECONDS = 30


class MailUrlError(ValueError):
    """LMS_MAIL_URL is malformed; the message is one line for the operator."""


class DeliveryError(Exception):
    """A message was not handed over; `permanent` says whether trying again can help."""

    def __init__(self, reply: str, permanent: bool) -> None:
        super().__init__(reply)
        self.reply = reply
        self.permanent = permanent


class ServerUnavailable(DeliveryError):
    """The mail server could not be reached; every message in the run has to wait."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply, permanent=False)


@dataclass(frozen=True)
class MailSettings:
    """A parsed LMS_MAIL_URL."""

    scheme: str
    host: str = ""
    port: int = 0
    username: str | None = None
    password: str | None = None
    folder: Path | None = None

    @property
    def sends(self) -> bool:
        """Return whether messages are delivered at all (not `none`)."""
        return self.scheme != "none"

    def describe(self) -> str:
        """Return where mail goes, without the password, for logs and `setup.sh serve`."""
        if self.scheme == "none":
            return "nowhere (LMS_MAIL_URL=none): links are shown to the admin instead"
        if self.scheme == "file":
            return f"into files under {self.folder}"
        user = f"{self.username}@" if self.username else ""
        return f"to {self.scheme}://{user}{self.host}:{self.port}"


def parse_mail_url(value: str, instance_path: Path, production: bool) -> MailSettings:
    """Return the settings in LMS_MAIL_URL, or raise MailUrlError saying what is wrong."""
    parts = urlsplit(value.strip())
    scheme = parts.scheme.lower() if "://" in value else value.strip().lower()
    if scheme == "none":
        return MailSettings("none")
    if scheme not in SCHEMES:
        raise MailUrlError(
            f"LMS_MAIL_URL {value!r} is not understood; use smtp+starttls://user:pass@host:587, "
            "smtps://user:pass@host:465, smtp://host:port, file:///folder or none")
    if scheme == "file":
        folder = Path(unquote(parts.path)) if parts.path else instance_path / "mail"
        if parts.netloc or not folder.is_absolute():
            raise MailUrlError(f"LMS_MAIL_URL {value!r}: a file URL needs an absolute folder, "
                               "as in file:///srv/lantern/mail (three slashes)")
        return MailSettings("file", folder=folder)
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise MailUrlError(f"LMS_MAIL_URL {value!r} has a port that is not a number") from None
    if not parts.hostname:
        raise MailUrlError(f"LMS_MAIL_URL {value!r} names no mail server host")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if scheme == "smtp" and production and (username or password):
        raise MailUrlError("LMS_MAIL_URL uses plain smtp:// with a user name and password, which "
                           "would cross the network unencrypted; use smtp+starttls:// or smtps://")
    return MailSettings(scheme, parts.hostname, port, username, password)


def default_mail_url(environment: str) -> str | None:
    """Return LMS_MAIL_URL's default: files in development and tests, none set in production."""
    return os.environ.get("LMS_MAIL_URL") or (None if environment == "production" else "file://")


class Transport:
    """Hands messages to the configured destination; reuse it for a batch, then close it."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def send(self, message: EmailMessage, file_stem: str) -> None:
        """Deliver one message, or raise DeliveryError (ServerUnavailable if unreachable)."""
        if self.settings.scheme == "none":
            return
        if self.settings.scheme == "file":
            self._write_file(message, file_stem)
            return
        smtp = self._connection()
        try:
            refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            raise DeliveryError(_reply(code, reply), permanent=code >= 500) from None
        except smtplib.SMTPResponseException as error:
            raise DeliveryError(_reply(error.smtp_code, error.smtp_error),
                                permanent=error.smtp_code >= 500) from None
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self._drop()
            raise ServerUnavailable(f"lost the mail server: {error}") from None
        if refused:  # only some recipients refused; Lantern sends to one, so this is rare
            code, reply = next(iter(refused.values()))
            raise DeliveryError(_reply(code, reply), permanent=code >= 500)

    def close(self) -> None:
        """Say goodbye to the SMTP server, if connected."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        settings = self.settings
        try:
            if settings.scheme == "smtps":
                self._smtp = smtplib.SMTP_SSL(settings.host, settings.port,
                                              timeout=SMTP_TIMEOUT_SECONDS,
                                              context=ssl.create_default_context())
            else:
                self._smtp = smtplib.SMTP(settings.host, settings.port,
                                          timeout=SMTP_TIMEOUT_SECONDS)
                if settings.scheme == "smtp+starttls":
                    # Refused when the server offers no STARTTLS: never fall back to plain text.
                    self._smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                self._smtp.login(settings.username, settings.password or "")
        except smtplib.SMTPAuthenticationError as error:
            self._drop()
            raise ServerUnavailable(_reply(error.smtp_code, error.smtp_error)) from None
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise ServerUnavailable(
                f"could not reach {settings.host}:{settings.port}: {error}") from None
        return self._smtp

    def _write_file(self, message: EmailMessage, file_stem: str) -> None:
        folder = self.settings.folder
        assert folder is not None
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{file_stem}.eml"
        partial = folder / f".{file_stem}.eml.partial"
        # Written whole, then renamed: a reader never sees half a message.
        partial.write_bytes(message.as_bytes())
        partial.replace(target)


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(text.split())}"[:500]
