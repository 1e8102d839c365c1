"""Mainland ID numbers: the GB 11643 check character and validation."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kfdesk.ids import (
    id_birth_date,
    id_check_digit,
    id_gender,
    is_valid_id_number,
    normalize_id_number,
)

# The office day the validity checks are made on (a birth date must not be after it).
TODAY = date(2026, 10, 9)


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),  # the standard's own example
        # Expected values from an independent ISO 7064 MOD 11-2 computation.
        ("44030519800101123", "5"),
        ("11010119900307803", "X"),
        ("32010219850505123", "3"),
        ("44030419750612004", "9"),
    ],
)
def test_check_digit(first17: str, check: str) -> None:
    assert id_check_digit(first17) == check
    assert is_valid_id_number(first17 + check, today=TODAY)


@pytest.mark.parametrize("bad", ["", "1234", "1101051949123100", "1101051949123100a", "１" * 17])
def test_check_digit_needs_17_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        id_check_digit(bad)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),  # lowercase x as typed
        (" 110105 19491231 002X ", True),  # spaces as read out
        ("110105194912310021", False),  # wrong check character
        ("00010519491231002X", False),  # no such province
        ("110105194902300021", False),  # 30 February
        ("11010518991231002X", False),  # before 1900
        ("110105491231002", False),  # old 15-digit number
        ("1101051949123100XX", False),
        ("", False),
    ],
)
def test_is_valid_id_number(number: str, valid: bool) -> None:
    assert is_valid_id_number(number, today=TODAY) is valid


def test_a_birth_date_after_today_is_invalid() -> None:
    """Issue 19: born on 2099-12-31 passed before; the office's day is passed in."""
    assert id_check_digit("11010520991231002") == "9"
    assert is_valid_id_number("110105209912310029", today=TODAY) is False
    assert is_valid_id_number("110105209912310029", today=date(2099, 12, 31)) is True
    born_tomorrow = "11010520261010001"
    number = born_tomorrow + id_check_digit(born_tomorrow)
    assert is_valid_id_number(number, today=TODAY) is False
    assert is_valid_id_number(number, today=date(2026, 10, 10)) is True


def test_not_a_string_is_invalid() -> None:
    assert is_valid_id_number(None, today=TODAY) is False  # type: ignore[arg-type]


def test_birth_date_and_gender() -> None:
    assert id_birth_date("11010519491231002X") == date(1949, 12, 31)
    assert id_birth_date("110105194902300021") is None
    assert id_gender("11010519491231002X") == "F"  # 2 is even
    assert id_gender("440305198001011236") == "M"
    assert id_gender("short") == ""
    assert normalize_id_number(" 11010519491231002x ") == "11010519491231002X"


@given(
    st.sampled_from(["110105", "440305", "310104", "510104"]),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_generated_numbers_are_valid(area: str, born: date, seq: int) -> None:
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    number = first17 + id_check_digit(first17)
    assert is_valid_id_number(number, today=date(2030, 12, 31))
    assert id_birth_date(number) == born
    # Any single changed digit is caught by the check character.
    for i in range(17):
        changed = first17[:i] + str((int(first17[i]) + 1) % 10) + first17[i + 1 :]
        assert id_check_digit(changed) != number[17]
