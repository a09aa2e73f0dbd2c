"""Certificate codes: format, parsing and the check character's error detection."""

from __future__ import annotations

import random
import re

import pytest

from lms.certification.codes import (
    ALPHABET,
    CODE_LENGTH,
    InvalidCode,
    check_character,
    format_code,
    is_valid,
    new_code,
    parse_code,
)

SAMPLE = "7Q4MK9XH2RVDHT3E"


def sample_codes(count: int) -> list[str]:
    """Return reproducible valid codes, plus edge cases made of one repeated character."""
    rng = random.Random(20260115)
    bodies = ["".join(rng.choice(ALPHABET) for _ in range(15)) for _ in range(count)]
    bodies += [char * 15 for char in ALPHABET]
    return [body + check_character(body) for body in bodies]


def test_new_code_is_sixteen_crockford_characters_with_a_valid_check() -> None:
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{16}", code)
        assert is_valid(code)


def test_new_code_uses_the_whole_alphabet() -> None:
    seen = set("".join(new_code()[:15] for _ in range(400)))
    assert seen == set(ALPHABET)


def test_format_groups_in_fours() -> None:
    assert format_code(SAMPLE) == "7Q4M-K9XH-2RVD-HT3E"


@pytest.mark.parametrize(
    "typed",
    [
        "7Q4M-K9XH-2RVD-HT3E",
        "7q4m-k9xh-2rvd-ht3e",
        "7Q4MK9XH2RVDHT3E",
        " 7Q4M K9XH 2RVD HT3E ",
        "7Q4M\u2013K9XH\u20112RVD\u2010HT3E",
        "7q4m k9xh-2rvdht3e",
    ],
)
def test_parse_accepts_case_dashes_and_spaces(typed: str) -> None:
    assert parse_code(typed) == SAMPLE


def test_parse_reads_o_as_zero_and_i_l_as_one() -> None:
    body = "0011" + "ABCDEFGHJKM"
    code = body + check_character(body)
    assert parse_code("OoIl-" + code[4:]) == code
    assert parse_code(format_code(code).replace("0", "O").replace("1", "l")) == code


def test_parse_round_trips_every_new_code() -> None:
    for _ in range(200):
        code = new_code()
        assert parse_code(format_code(code).lower()) == code


@pytest.mark.parametrize("typed", ["", "7Q4M-K9XH-2RVD", "7Q4M-K9XH-2RVD-HT3E-A", "ABC"])
def test_parse_rejects_wrong_length_kindly(typed: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        parse_code(typed)
    assert caught.value.reason == "length"
    assert "16" in str(caught.value)


@pytest.mark.parametrize(
    "typed", ["7Q4M-K9XH-2RVD-HT3U", "7Q4M-K9XH-2RVD-HT3*", "7Q4M_K9XH_2RVD_HT3E"]
)
def test_parse_rejects_foreign_characters_including_u(typed: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        parse_code(typed)
    assert caught.value.reason in {"characters", "length"}


def test_parse_names_the_offending_character() -> None:
    with pytest.raises(InvalidCode, match="'U'") as caught:
        parse_code("7Q4M-K9XH-2RVD-HT3U")
    assert caught.value.reason == "characters"


def test_parse_rejects_a_typo_as_mistyped_before_any_lookup() -> None:
    with pytest.raises(InvalidCode, match="mistyped") as caught:
        parse_code("7Q4M-K9XH-2RVD-HT3F")
    assert caught.value.reason == "check"


def test_check_detects_every_single_substitution() -> None:
    for code in sample_codes(60):
        for position in range(CODE_LENGTH):
            for replacement in ALPHABET:
                if replacement == code[position]:
                    continue
                typo = code[:position] + replacement + code[position + 1 :]
                assert not is_valid(typo), (code, position, replacement)


def test_check_detects_every_adjacent_transposition() -> None:
    checked = 0
    for code in sample_codes(300):
        for position in range(CODE_LENGTH - 1):
            first, second = code[position], code[position + 1]
            if first == second:
                continue
            swapped = code[:position] + second + first + code[position + 2 :]
            assert not is_valid(swapped), (code, position)
            checked += 1
    assert checked > 4000


def test_check_detects_transposing_any_pair_of_characters_anywhere() -> None:
    # Exhaustive over every ordered pair of distinct characters at every body position.
    for position in range(14):
        for first in ALPHABET:
            for second in ALPHABET:
                if first == second:
                    continue
                body = "0" * position + first + second + "0" * (13 - position)
                code = body + check_character(body)
                swapped = code[:position] + second + first + code[position + 2 :]
                assert not is_valid(swapped), (position, first, second)


def test_check_detects_swapping_the_last_character_with_the_check_character() -> None:
    for prefix in ("0" * 14, "ZZZZZZZZZZZZZZ", "7Q4MK9XH2RVDHT"):
        for last in ALPHABET:
            code = prefix + last + check_character(prefix + last)
            if code[14] != code[15]:
                assert not is_valid(code[:14] + code[15] + code[14])
