"""The real SMTP server of the mail tests, for the e-mail change tests here."""

from tests.notifications.conftest import smtp, smtp_server  # noqa: F401
