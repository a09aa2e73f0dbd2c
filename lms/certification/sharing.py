"""Putting a certificate where the holder needs it: LinkedIn's add-to-profile link and fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


@dataclass(frozen=True)
class ProfileEntry:
    """The fields of a "Licenses & certifications" entry, as LinkedIn names them."""

    name: str
    organisation: str
    issued_on: date
    expires_on: date | None
    credential_id: str
    credential_url: str

    def linkedin_url(self) -> str:
        """Return LinkedIn's add-to-profile link with every field prefilled."""
        fields = {
            "startTask": "CERTIFICATION_NAME",
            "name": self.name,
            "organizationName": self.organisation,
            "issueYear": str(self.issued_on.year),
            "issueMonth": str(self.issued_on.month),
        }
        if self.expires_on is not None:
            fields["expirationYear"] = str(self.expires_on.year)
            fields["expirationMonth"] = str(self.expires_on.month)
        fields["certId"] = self.credential_id
        fields["certUrl"] = self.credential_url
        return f"{LINKEDIN_ADD}?{urlencode(fields)}"

    def copyable(self) -> list[tuple[str, str]]:
        """Return the same fields as labelled lines, for when LinkedIn ignores the link."""
        lines = [("Name", self.name), ("Issuing organization", self.organisation),
                 ("Issue date", f"{self.issued_on:%B %Y}")]
        lines.append(("Expiration date", f"{self.expires_on:%B %Y}" if self.expires_on
                      else "This credential does not expire"))
        lines += [("Credential ID", self.credential_id), ("Credential URL", self.credential_url)]
        return lines
