"""Certificate codes: 15 random Crockford base32 characters and one check character.

The code is printed as ``XXXX-XXXX-XXXX-XXXX`` and typed back in by people, so the check
character rejects typos before any database query.

Check character: the Damm algorithm over the finite field GF(32), written in the Crockford
alphabet. Each character is a field element (its Crockford value); the running check is
``r = 2*r + c`` (field arithmetic, polynomial x^5 + x^2 + 1), starting from 0, and the check
character is the one that brings ``r`` back to 0. The operation ``x * y = 2x + y`` is a totally
anti-symmetric quasigroup, so the check detects every single-character substitution and every
adjacent transposition, including those involving the check character itself.

Why not the two usual schemes: Luhn mod 32 misses one adjacent transposition (0 <-> Z), and
Crockford's own mod-37 check needs five symbols outside the alphabet (``*~$=U``), which would
put punctuation and the letter U on the printed certificate.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 15
CODE_LENGTH = RANDOM_LENGTH + 1
GROUP = 4

_VALUES = {char: value for value, char in enumerate(ALPHABET)}
# Crockford decoding: letters that are easy to confuse read as the digits they resemble.
_ALIASES = {"O": "0", "I": "1", "L": "1"}
# People copy codes from PDFs and word processors, which turn hyphens into look-alikes.
_SEPARATORS = frozenset(" \t\r\n-\u2010\u2011\u2012\u2013\u2014\u2212\u00a0")
_FIELD_POLY = 0b100101  # x^5 + x^2 + 1, irreducible over GF(2)


class InvalidCode(ValueError):
    """A typed certificate code is malformed; ``reason`` is length, characters or check."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _double(value: int) -> int:
    """Multiply a GF(32) element by x."""
    value <<= 1
    return value ^ _FIELD_POLY if value & 0b100000 else value


def _checksum(values: list[int]) -> int:
    """Fold values through the Damm quasigroup and return the interim digit."""
    interim = 0
    for value in values:
        interim = _double(interim) ^ value
    return interim


def check_character(body: str) -> str:
    """Return the check character for a string of canonical Crockford characters."""
    # interim * check == 0 means 2*interim + check == 0, and in GF(2^n) minus is plus.
    return ALPHABET[_double(_checksum([_VALUES[char] for char in body]))]


def new_code() -> str:
    """Return a new canonical certificate code (16 characters, no dashes)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + check_character(body)


def format_code(code: str) -> str:
    """Return a canonical code grouped for display as XXXX-XXXX-XXXX-XXXX."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def is_valid(code: str) -> bool:
    """Return whether a canonical code's check character is correct."""
    if len(code) != CODE_LENGTH or any(char not in _VALUES for char in code):
        return False
    return _checksum([_VALUES[char] for char in code]) == 0


def parse_code(text: str) -> str:
    """Return the canonical code for what a person typed, or raise InvalidCode."""
    cleaned = "".join(char for char in text.upper() if char not in _SEPARATORS)
    cleaned = "".join(_ALIASES.get(char, char) for char in cleaned)
    if len(cleaned) != CODE_LENGTH:
        raise InvalidCode(
            f"A certificate code has {CODE_LENGTH} letters and digits, like ABCD-EFGH-JKMN-PQRS. "
            f"This one has {len(cleaned)}.",
            reason="length",
        )
    unexpected = sorted({char for char in cleaned if char not in _VALUES})
    if unexpected:
        shown = ", ".join(repr(char) for char in unexpected)
        raise InvalidCode(
            f"A certificate code contains only the digits 0-9 and the letters A-Z except U. "
            f"Please check these characters: {shown}.",
            reason="characters",
        )
    if not is_valid(cleaned):
        raise InvalidCode(
            "This code looks mistyped: one of its characters does not match. "
            "Please compare it with the certificate, character by character.",
            reason="check",
        )
    return cleaned
