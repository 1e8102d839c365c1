"""Mainland resident ID numbers (居民身份证号码, GB 11643-1999).

18 characters: a 6-digit area code, the birth date YYYYMMDD, a 3-digit sequence whose last digit
is odd for men and even for women, and a check character computed with ISO 7064 MOD 11-2
(``0``–``9`` or ``X``). Owner files keep these numbers (KF-017 §1.2); release passes check them
(KF-014). Contact phone numbers are checked and written one way (``normalize_phone``).
"""

from __future__ import annotations

import re
from datetime import date

# GB 11643: weight of position i is 2^(17-i) mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"  # indexed by the weighted sum mod 11

# First two digits: provinces, autonomous regions and municipalities (GB/T 2260), plus
# 71/81/82/83 (Taiwan, Hong Kong, Macau residence permits) and 91 (foreigners' permanent residence).
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83", "91",
})


def normalize_id_number(text: str) -> str:
    """Spaces removed and a trailing ``x`` uppercased, as the number is stored."""
    return "".join(text.split()).upper()


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character (``0``–``9`` or ``X``) for the first 17 digits.

    >>> id_check_digit("11010519491231002")
    'X'
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"need exactly 17 digits, got {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def id_birth_date(number: str) -> date | None:
    """The birth date written in an 18-character ID number, or None if it is not a real date."""
    number = normalize_id_number(number)
    if len(number) != 18 or not number[6:14].isascii() or not number[6:14].isdigit():
        return None
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def id_gender(number: str) -> str:
    """``"M"`` or ``"F"`` from the sequence digit (odd: male), ``""`` if there is none."""
    number = normalize_id_number(number)
    if len(number) != 18 or not number[16].isdigit():
        return ""
    return "M" if int(number[16]) % 2 else "F"


def is_valid_id_number(number: str, *, today: date) -> bool:
    """True for a well-formed 18-character ID number with a correct check character.

    Checks: 17 digits then a digit or ``X`` (a lowercase ``x`` and spaces are accepted, see
    ``normalize_id_number``); a known province code; a real birth date from 1900 on and not
    after ``today`` (the office's day, passed in: no clock is read here; issue 19); the
    GB 11643 check character. Old 15-digit numbers are not valid (they were all replaced).
    """
    if not isinstance(number, str):
        return False
    number = normalize_id_number(number)
    if len(number) != 18 or not number.isascii():
        return False
    first17, check = number[:17], number[17]
    if not first17.isdigit() or not (check.isdigit() or check == "X"):
        return False
    if first17[:2] not in PROVINCE_CODES:
        return False
    born = id_birth_date(number)
    if born is None or born.year < 1900 or born > today:
        return False
    return id_check_digit(first17) == check


# --- phone numbers -------------------------------------------------------------------------

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# A fixed line with its area code (010, 021, 0755 …), 7–8 digits, and an optional extension.
_FIXED = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def normalize_phone(text: str) -> str:
    """A mainland contact number as the counter writes it (``13812345678``, ``021-62345678``);
    ``""`` when it is not one. Spaces, dashes in a mobile and a +86 prefix are dropped."""
    raw = re.sub(r"[\s()（）]", "", text)
    if raw.startswith("+86"):
        raw = raw[3:]
    elif raw.startswith("0086"):
        raw = raw[4:]
    if _MOBILE.match(raw.replace("-", "")):
        return raw.replace("-", "")
    return raw if _FIXED.match(raw) else ""
