"""Amounts in Chinese financial capitals (RULES §4; PBOC 《正确填写票据和结算凭证的基本规定》).

The table holds the rule's own examples; the properties check that every amount up to 10^12
fen reads back to itself through an independent parser, and the zero and 整 rules hold.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kfdesk.money import amount_in_words

CASES = [
    (12000, "壹佰贰拾元整"),
    (140950, "壹仟肆佰零玖元伍角"),  # PBOC rule 1; no 整 after 角 (chosen)
    (600714, "陆仟零柒元壹角肆分"),  # rule 2: several zeros, one 零
    (168032, "壹仟陆佰捌拾元零叁角贰分"),  # rule 3: 零 written at 元→角 (chosen)
    (10700053, "壹拾万柒仟元零伍角叁分"),  # rule 3: no 零 at 万 (chosen)
    (32504, "叁佰贰拾伍元零肆分"),  # rule 4
    (1640902, "壹万陆仟肆佰零玖元零贰分"),  # rule 4
    (5, "伍分"),
    (50, "伍角"),
    (35, "叁角伍分"),
    (1000, "壹拾元整"),
    (1005, "壹拾元零伍分"),
    (1050, "壹拾元零伍角"),
    (100, "壹元整"),
    (10000500, "壹拾万零伍元整"),
    (100_000_000 * 100, "壹亿元整"),
    (100_001_000 * 100, "壹亿零壹仟元整"),
    (1_000_010_000 * 100, "壹拾亿零壹万元整"),
    (1_050_000 * 100, "壹佰零伍万元整"),
    (1_007_000 * 100, "壹佰万柒仟元整"),
    (10_001 * 10**8 * 100, "壹万零壹亿元整"),
    (0, "零元整"),
    (-1360, "负壹拾叁元陆角"),
    (-5, "负伍分"),
]


@pytest.mark.parametrize(("fen", "words"), CASES)
def test_pboc_examples(fen: int, words: str) -> None:
    assert amount_in_words(fen) == words


@pytest.mark.parametrize("bad", [1.5, "100", True])
def test_only_integer_fen(bad: object) -> None:
    with pytest.raises(TypeError):
        amount_in_words(bad)  # type: ignore[arg-type]


# ---- an independent reader of the words, for the round trip ------------------------------

DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
PLACE = {"拾": 10, "佰": 100, "仟": 1000}


def _read_integer(text: str) -> int:
    if "亿" in text:
        high, low = text.rsplit("亿", 1)
        return _read_integer(high) * 10**8 + _read_integer(low)
    if "万" in text:
        high, low = text.rsplit("万", 1)
        return _read_integer(high) * 10**4 + _read_integer(low)
    value, digit = 0, None
    for ch in text:
        if ch in PLACE:
            assert digit, f"place {ch} without a digit in {text!r}"  # 壹拾, never bare 拾
            value += digit * PLACE[ch]
            digit = None
        else:
            digit = DIGIT[ch]
    return value + (digit or 0)


def read_words(words: str) -> int:
    sign = -1 if words.startswith("负") else 1
    words = words.removeprefix("负")
    if words.endswith("整"):
        words = words[:-1]
        assert words.endswith("元"), "整 only after 元 (no 整 after 角 or 分)"
    yuan = 0
    if "元" in words:
        head, words = words.split("元")
        yuan = _read_integer(head)
        words = words.removeprefix("零")
    jiao = fen = 0
    if "角" in words:
        head, words = words.split("角")
        jiao = DIGIT[head]
    if "分" in words:
        head, words = words.split("分")
        fen = DIGIT[head]
    assert words == ""
    return sign * (yuan * 100 + jiao * 10 + fen)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_words_read_back_to_the_amount(fen: int) -> None:
    assert read_words(amount_in_words(fen)) == fen


@given(st.integers(min_value=1, max_value=10**12))
def test_zero_and_zheng_rules(fen: int) -> None:
    words = amount_in_words(fen)
    assert "零零" not in words  # rule 2: a run of zeros is one 零
    assert not words.startswith("零") and not words.endswith("零")
    assert words.endswith("整") == (fen % 100 == 0)  # 整 after 元 only
    assert ("分" in words) == (fen % 10 != 0)
    assert ("角" in words) == (fen // 10 % 10 != 0)
    assert set(words) <= set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")
    if fen >= 100 and fen % 100:
        yuan, jiao = fen // 100, fen // 10 % 10
        # rule 4 (角 is 0) and rule 3 as chosen (元 place is 0): 元 is followed by 零.
        assert words.split("元")[1].startswith("零") == (jiao == 0 or yuan % 10 == 0)


@given(st.integers(min_value=0, max_value=10**12))
def test_refund_is_the_amount_with_fu(fen: int) -> None:
    if fen:
        assert amount_in_words(-fen) == "负" + amount_in_words(fen)
