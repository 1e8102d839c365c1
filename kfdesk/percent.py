"""Percentages, one rule everywhere (issue 17): exact ratios rounded half up at the last shown
place, as a person rounds (93.617 → 93.62 %), never through a float.

Every report and screen that prints a percentage takes it from ``percent`` and shows it with
``percent_text``; a share written in the settings (``targets.collection_rate = 0.98``) becomes
a percentage with ``share_percent``. Whether a figure meets its target is decided on the exact
ratio by the caller, never on the rounded percentage: 97.995 % shows as 98.00 % and is still
below a 98 % target.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

PLACES = 2


def percent(value: int | Fraction | Decimal, base: int | Fraction | Decimal = 1,
            places: int = PLACES) -> Decimal | None:
    """``value ÷ base`` in percent, rounded half up to ``places`` decimals; None when ``base``
    is 0 (no share of nothing)."""
    for x in (value, base):
        if isinstance(x, float | bool):
            raise TypeError("a percentage is computed from exact numbers, not float")
    if base == 0:
        return None
    ratio = Fraction(value) / Fraction(base) * 100
    exact = Decimal(ratio.numerator) / Decimal(ratio.denominator)
    # Decimal division carries 28 digits: far beyond any count or fen total we divide.
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def share_percent(share: float | int | str | Fraction | Decimal, places: int = PLACES) -> Decimal:
    """A share as the settings write it (0.98, 0.905) in percent: the decimal the office wrote
    (``str`` of the float), not its binary neighbour; trailing zeros dropped (98, 90.5)."""
    exact = Fraction(str(share)) if isinstance(share, float) else Fraction(share)
    shown = percent(exact, 1, places)
    assert shown is not None
    normal = shown.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def percent_text(value: Decimal | None, none: str = "—") -> str:
    """``93.62 %`` for the screen and the printed report; ``none`` when there is no figure."""
    return none if value is None else f"{value} %"
