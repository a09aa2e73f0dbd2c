"""Mail settings: LMS_MAIL_URL, LMS_MAIL_FROM, LMS_OUTBOX_INLINE, LMS_DIGEST_HOUR, LMS_TIME_ZONE."""

from __future__ import annotations

import re
from collections.abc import Mapping
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

from lms.notifications.transport import MailUrlError, parse_mail_url

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class MailSettingError(ValueError):
    """A mail setting is missing or malformed; the message is one line for the operator."""


def mail_config(env: Mapping[str, str], overrides: Mapping[str, Any], environment: str,
                instance_path: Path, base_url: str) -> dict[str, Any]:
    """Return the validated mail settings, overrides first, then the environment."""

    def setting(name: str) -> Any:
        return overrides[name] if name in overrides else env.get(name)

    url = setting("LMS_MAIL_URL")
    if not url:
        if environment == "production":
            raise MailSettingError("LMS_MAIL_URL is not set; production needs it, for example "
                                   "smtp+starttls://user:password@mail.example.org:587, "
                                   "or none to send no e-mail")
        url = "file://"
    try:
        mail = parse_mail_url(str(url), instance_path, environment == "production")
    except MailUrlError as error:
        raise MailSettingError(str(error)) from None
    host = urlsplit(base_url).hostname or "localhost"
    if host.replace(".", "").isdigit() or ":" in host:
        host = "localhost"  # an address needs a domain name, not a bare IP
    sender = str(setting("LMS_MAIL_FROM") or f"Lantern <noreply@{host}>")
    _check_sender(sender)
    inline = setting("LMS_OUTBOX_INLINE")
    return {
        "LMS_MAIL": mail,
        "LMS_MAIL_FROM": sender,
        "LMS_OUTBOX_INLINE": _flag(inline) if inline not in (None, "") else (
            environment == "development"),
        "LMS_DIGEST_HOUR": _hour(setting("LMS_DIGEST_HOUR")),
        "LMS_TIME_ZONE": _zone(setting("LMS_TIME_ZONE") or "UTC"),
        "FORGOT_PASSWORD_RATE_LIMIT": setting("LMS_FORGOT_PASSWORD_RATE_LIMIT")
        or "5 per hour",
    }


def _check_sender(sender: str) -> None:
    _name, address = parseaddr(sender)
    try:
        valid = bool(address) and not _CONTROL.search(sender) and bool(
            Address(addr_spec=address).domain)
    except (HeaderParseError, ValueError, IndexError):
        valid = False
    if not valid:
        raise MailSettingError(f"LMS_MAIL_FROM {sender!r} is not an e-mail address; use, for "
                               "example, Lantern <lantern@example.org>")


def _flag(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise MailSettingError(f"LMS_OUTBOX_INLINE must be 1 or 0, not {value!r}")


def _hour(value: Any) -> int:
    if value in (None, ""):
        return 8
    if not str(value).isdigit() or not 0 <= int(value) <= 23:
        raise MailSettingError(f"LMS_DIGEST_HOUR must be an hour from 0 to 23, not {value!r}")
    return int(value)


def _zone(value: Any) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise MailSettingError(f"LMS_TIME_ZONE {value!r} is not a time zone name such as "
                               "Europe/London or America/Chicago") from None
    return str(value)


def person_time_zone(person: object | None = None) -> ZoneInfo:
    """Return a person's time zone: their own once accounts carry one, else the instance's."""
    own = getattr(person, "time_zone", None)
    if own:
        try:
            return ZoneInfo(own)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # a zone removed from the tz database falls back to the instance's
    return ZoneInfo(current_app.config["LMS_TIME_ZONE"])
