"""Masking of personal data for display (KF-017 §4 confidentiality).

Screens and reports show phone and ID numbers masked by default; revealing the full value is a
logged desk action (a later issue), never a display default. Pure functions, no I/O.
"""

from __future__ import annotations

MASK = "*"


def mask_phone(phone: str) -> str:
    """``"13812345678"`` → ``"138****5678"``: keep the first 3 and last 4 characters.

    Shorter numbers (landline extensions) keep only the last 4; four or fewer are fully masked,
    since the last 4 alone would then be the whole number.
    """
    text = (phone or "").strip()
    if not text:
        return ""
    n = len(text)
    if n >= 8:
        return text[:3] + MASK * (n - 7) + text[-4:]
    if n > 4:
        return MASK * (n - 4) + text[-4:]
    return MASK * n


def mask_id(id_number: str) -> str:
    """``"11010519491231002X"`` → ``"1101**********002X"``: keep the region (4) and last 4.

    The birth date in the middle is the part that identifies a person, so it is always hidden.
    """
    text = (id_number or "").strip()
    if not text:
        return ""
    n = len(text)
    if n > 8:
        return text[:4] + MASK * (n - 8) + text[-4:]
    return MASK * n
