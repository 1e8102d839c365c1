"""Percentages round half up, one rule everywhere (issue 17): 93.617 → "93.62 %"."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from kfdesk.percent import percent, percent_text, share_percent
from kfdesk.views import dunning as dv
from kfdesk.views import month_report as mr
from kfdesk.views import surveys


@pytest.mark.parametrize(("value", "base", "shown"), [
    (93617, 100000, "93.62"), (93615, 100000, "93.62"), (93614, 100000, "93.61"),
    (2, 3, "66.67"), (1, 3, "33.33"), (19599, 20000, "98.00"), (0, 5, "0.00"), (5, 5, "100.00"),
    (1, 8, "12.50"),
])
def test_half_up_at_the_hundredth(value: int, base: int, shown: str) -> None:
    assert str(percent(value, base)) == shown


def test_no_base_no_figure_and_no_float() -> None:
    assert percent(3, 0) is None and percent_text(None) == "—"
    with pytest.raises(TypeError):
        percent(0.93617)  # type: ignore[arg-type]


def test_the_text_is_the_figure_and_a_spaced_percent_sign() -> None:
    assert percent_text(percent(93617, 100000)) == "93.62 %"


def test_settings_shares_read_as_written() -> None:
    assert share_percent(0.98) == Decimal("98") and str(share_percent(0.98)) == "98"
    assert str(share_percent(0.905)) == "90.5" and str(share_percent(0.15)) == "15"
    assert str(share_percent(0.25)) == "25"


def test_every_report_uses_the_rule() -> None:
    # The month report, the collection rate and the survey rates all round the same way.
    assert mr.percent(93617, 100000) == Decimal("93.62")
    assert dv.rate(93617, 100000, Fraction(98, 100))[0] == Decimal("93.62")
    assert dv.rate(19599, 20000, Fraction(98, 100)) == (Decimal("98.00"), False)
    assert dv.percent_of(Fraction(98, 100)) == Decimal("98.00")
    # 76.55 % to one place: a float would say 76.5 (76.549999…), half up says 76.6.
    assert surveys.percent(Fraction(1531, 2000)) == "76.6 %"
    assert surveys.percent(None) == "—"
