"""Whatever the accreditor holds: the issued PDF, a PDF that carries a credential, or its JSON."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pypdf import PdfReader
from sqlalchemy import Row

from lms.certification import signing
from lms.certification.credentials.verification import Verdict, verify
from lms.certification.public import find_public_by_pdf

ATTACHMENT_NAME = "credential.json"
MAX_CREDENTIAL_BYTES = 64 * 1024
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileCheck:
    """What a file turned out to be, and what the credential in it (if any) says."""

    kind: str  # "issued-pdf", "other-pdf", "unreadable-pdf", "credential", "not-json"
    record: Row[Any] | None = None
    verdict: Verdict | None = None
    problem: str | None = None

    @property
    def genuine(self) -> bool:
        """Return whether the credential is this organisation's and its proof holds."""
        return (self.verdict is not None and self.verdict.issuer is not None
                and self.verdict.issuer["thisOrganisation"] and "proof" in self.verdict.checks)

    def certified(self) -> list[tuple[str, str | date]]:
        """Return the holder, certificate and dates the credential states, to compare with paper."""
        facts = self.verdict.certifies if self.verdict and self.verdict.certifies else {}
        shown: list[tuple[str, str | date]] = []
        for label, key in (("Holder", "holder"), ("Certificate", "name"),
                           ("Valid from", "validFrom"), ("Valid until", "validUntil")):
            value = facts.get(key)
            if isinstance(value, str) and key.startswith("valid"):
                try:
                    shown.append((label, datetime.fromisoformat(value.replace("Z", "+00:00"))
                                  .date()))
                    continue
                except ValueError:
                    pass
            if isinstance(value, str):
                shown.append((label, value))
        return shown

    @property
    def current(self) -> bool:
        """Return whether every check passed: not expired, not revoked."""
        return self.verdict is not None and self.verdict.verified


def check_file(content: bytes) -> FileCheck:
    """Check an uploaded PDF or credential.json."""
    if content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):
        return _check_pdf(content)
    return check_credential_text(content)


def check_credential_text(content: bytes | str) -> FileCheck:
    """Check a credential pasted or uploaded as JSON."""
    if len(content) > MAX_CREDENTIAL_BYTES:
        return FileCheck("not-json", problem="It is larger than any credential we issue "
                                             f"({MAX_CREDENTIAL_BYTES // 1024} KB at most).")
    try:
        credential = json.loads(content)
    except (ValueError, UnicodeDecodeError) as error:
        return FileCheck("not-json", problem=f"It is not JSON ({error}).")
    return FileCheck("credential", verdict=verify(credential, signing.this_issuer()))


def _check_pdf(content: bytes) -> FileCheck:
    """Match the exact issued file first; otherwise read the credential attached to it."""
    record = find_public_by_pdf(content)
    if record is not None:
        return FileCheck("issued-pdf", record=record)
    attached = _attached_credential(content)
    if attached is None:
        return FileCheck("unreadable-pdf")
    checked = check_credential_text(attached)
    return FileCheck("other-pdf", verdict=checked.verdict, problem=checked.problem)


def _attached_credential(content: bytes) -> bytes | None:
    """Return the credential.json attached to a PDF, or None if it has none or is unreadable."""
    try:
        attachments = PdfReader(io.BytesIO(content)).attachments
        found = attachments.get(ATTACHMENT_NAME)
    except Exception:  # noqa: BLE001 - a damaged or hostile PDF simply has no credential for us
        log.info("an uploaded PDF could not be read for attachments", exc_info=True)
        return None
    return found[0] if found else None
