"""One reading of a typed amount of money for every money field (issue 17): what is accepted,
what is refused and with which message, the same at the cashier, in F10 services, in parking
settlements and on a paid-repair quote."""

from __future__ import annotations

import pytest

from kfdesk.config import default_settings
from kfdesk.desk import parking, payments, services
from kfdesk.desk.base import DeskError
from kfdesk.desk.inputs import MAX_AMOUNT_FEN, amount_in
from kfdesk.i18n import t


@pytest.mark.parametrize(("text", "fen"), [
    ("1,000.5", 100050), ("¥20", 2000), ("￥20", 2000), ("20元", 2000), ("¥ 1,286.40 元", 128640),
    ("1286.4", 128640), (" 100 ", 10000), ("0.05", 5), ("0.01", 1), (".5", 50), ("7.", 700),
    ("１２．５", 1250),  # full-width from a Chinese input method
    ("1，286.40", 128640),  # a full-width comma
    ("10000000000", MAX_AMOUNT_FEN), ("000012", 1200),
])
def test_accepted_amounts_are_exact_fen(text: str, fen: int) -> None:
    assert amount_in(text) == fen


@pytest.mark.parametrize(("text", "key"), [
    ("", "amount.missing"), ("   ", "amount.missing"), ("¥", "amount.missing"),
    (None, "amount.missing"),
    ("1e9", "amount.exponent"), ("1E+30", "amount.exponent"), ("1e999999", "amount.exponent"),
    ("12.345", "amount.too_precise"), ("0.001", "amount.too_precise"),
    ("-5", "amount.signed"), ("+5", "amount.signed"), ("−5", "amount.signed"),
    ("-0", "amount.signed"),
    ("١٢", "amount.foreign_digits"), ("۱۲۳", "amount.foreign_digits"),
    ("๑๒", "amount.foreign_digits"),
    ("12,34", "amount.grouping"), ("1,0000", "amount.grouping"),
    ("0.00", "amount.zero"), ("0", "amount.zero"), ("¥0", "amount.zero"),
    ("NaN", "amount.not_number"), ("nan", "amount.not_number"), ("∞", "amount.not_number"),
    ("Infinity", "amount.not_number"), ("五十", "amount.not_number"),
    ("12.3.4", "amount.not_number"),
    ("1 000", "amount.not_number"), ("0x10", "amount.not_number"), ("12。5", "amount.not_number"),
    ("1" * 10_000, "amount.too_large"), ("10000000000.01", "amount.too_large"),
    ("a" * 10_000, "amount.not_number"),
    ("12\x00", "input.control"), ("\x1b[2J5", "input.control"),
    (12.5, "amount.not_number"), (True, "amount.not_number"), (b"12", "input.not_text"),
])
def test_refused_amounts_name_the_field_and_the_mistake(text: object, key: str) -> None:
    with pytest.raises(DeskError) as exc:
        amount_in(text, "tendered")
    assert (exc.value.key, exc.value.field) == (key, "tendered")
    for lang in ("zh", "en"):
        message = exc.value.message(lang)
        assert "{" not in message and "amount." not in message
        assert len(message) < 160  # a 10,000-character paste is not quoted back whole


def test_each_kind_of_mistake_has_its_own_words_in_both_languages() -> None:
    keys = ("missing", "signed", "exponent", "foreign_digits", "grouping", "not_number",
            "too_precise", "zero", "too_large")
    for lang in ("zh", "en"):
        texts = [t(f"amount.{k}", lang=lang, text="x", max="¥1") for k in keys]
        assert len(set(texts)) == len(keys)
    assert "角" in t("amount.too_precise", lang="zh", text="x")
    assert "jiao" in t("amount.too_precise", lang="en", text="x")


def test_zero_only_where_an_amount_may_be_zero() -> None:
    assert amount_in("0.00", zero_ok=True) == 0
    assert parking.parse_yuan("0", "cash") == 0  # no cash on a shift is a true figure
    assert services.parse_yuan("0", "delivery_fee", zero_ok=True) == 0


@pytest.mark.parametrize("parse", [
    lambda x: payments.parse_amount(x, "amount"),
    lambda x: services.parse_yuan(x, "amount"),
    lambda x: parking.parse_yuan(x, "amount"),
])
def test_every_money_field_reads_the_same(parse) -> None:  # noqa: ANN001
    # Issue 17: 12.345 said "Enter an amount" in one place, "two decimals at most" in another.
    for text, key in (("12.345", "amount.too_precise"), ("1e9", "amount.exponent"),
                      ("-5", "amount.signed"), ("١٢", "amount.foreign_digits"),
                      ("NaN", "amount.not_number"), ("", "amount.missing")):
        with pytest.raises(DeskError) as exc:
            parse(text)
        assert (exc.value.key, exc.value.field) == (key, "amount")
    assert parse("¥1,000.50") == 100050


def test_a_field_may_have_a_lower_cap() -> None:
    with pytest.raises(DeskError) as exc:
        services.parse_yuan("1000000.01", "amount")
    assert exc.value.key == "amount.too_large"
    assert "¥1,000,000.00" in exc.value.message("en")


@pytest.mark.parametrize("text", ["1e3", "١٢", "NaN", "-2", "3 页"])
def test_a_service_quantity_reads_digits_only(text: str) -> None:
    item = services.price_list(default_settings())[0]
    with pytest.raises(DeskError) as exc:
        services.parse_quantity(text, item)
    assert exc.value.key == "service.bad_quantity"
    assert services.parse_quantity("３", item) == 300
