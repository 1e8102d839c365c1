"""Money: integer fen (分) in storage, ``Decimal`` yuan at the edges, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")


def to_fen(yuan: Decimal | str | int) -> int:
    """Yuan (exact) to integer fen, rounding half up at the fen as Chinese receipts do."""
    if isinstance(yuan, float):
        raise TypeError("money is never float")
    try:
        amount = Decimal(str(yuan).replace(",", "").replace("¥", "").strip())
    except InvalidOperation:
        raise ValueError(f"not an amount: {yuan!r}")
    if not amount.is_finite():
        raise ValueError(f"not an amount: {yuan!r}")
    return int((amount / FEN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) * FEN).quantize(FEN)


def fmt(fen: int, symbol: bool = True) -> str:
    """``¥1,286.40``; negatives as ``-¥13.60``."""
    sign = "-" if fen < 0 else ""
    text = f"{to_yuan(abs(fen)):,.2f}"
    return f"{sign}{'¥' if symbol else ''}{text}"


def rate_amount(quantity_centi: int, rate_e4: int) -> int:
    """Fen for a quantity in hundredths times a rate in ten-thousandths of a yuan, half up."""
    # quantity/100 × rate/10000 yuan = quantity × rate / 10^6 yuan = / 10^4 fen.
    exact = Decimal(quantity_centi) * Decimal(rate_e4) / Decimal(10_000)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------------------------
# Amount in Chinese financial capitals (大写), RULES §4: "Receipts show the amount in Chinese
# capital numerals (大写, e.g. 壹佰贰拾元整) as Chinese receipts do."

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("仟", "佰", "拾", "")  # within a four-digit section, highest first


def _section(n: int) -> str:
    """1..9999 in capitals; a run of zeros between digits is one 零, trailing zeros nothing."""
    out: list[str] = []
    pending_zero = False
    for digit, place in zip(f"{n:04d}", _PLACES, strict=True):
        if digit == "0":
            pending_zero = bool(out)  # a zero before the first digit is the caller's business
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        # 壹拾, never bare 拾: the 壹 is kept so nothing can be written in front of 拾.
        out.append(_DIGITS[int(digit)] + place)
    return "".join(out)


def _integer(n: int) -> str:
    """A positive whole number of yuan in capitals, with 万 and 亿 (亿 nests: 壹万零壹亿)."""
    for size, unit in ((10**8, "亿"), (10**4, "万")):
        if n >= size:
            high, low = divmod(n, size)
            words = _integer(high) + unit
            if low:
                # Zeros at the top of the lower part (壹拾万零伍元, 壹亿零壹仟) are written as one
                # 零; zeros only at the end of the upper part are not (壹拾万柒仟元: PBOC rule 3
                # allows either, and this is how the amount is read aloud).
                if low < size // 10:
                    words += "零"
                words += _integer(low)
            return words
    return _section(n)


def amount_in_words(fen: int) -> str:
    """The amount in Chinese financial capitals as a receipt prints it (人民币大写).

    Follows the People's Bank of China 《正确填写票据和结算凭证的基本规定》 (annex to
    《支付结算办法》, 银发〔1997〕393号); the readings chosen where it allows two ways are marked:

    - Digits 零壹贰叁肆伍陆柒捌玖, places 拾佰仟万亿, units 元角分; 10–19 are written 壹拾…
      (壹拾元整), never a bare 拾.
    - 整 after 元 when there are no 角 and 分 (壹佰贰拾元整); no 整 after 分 (the rule);
      after 角 the rule makes 整 optional — **chosen: no 整**, as the rule's own example
      ¥1,409.50 → 壹仟肆佰零玖元伍角.
    - Zeros (rule 1, 2): zeros between digits are written as one 零 (¥6,007.14 →
      陆仟零柒元壹角肆分).
    - Rule 3 (元 place or 万 place is 0 while the next lower place is not): either one 零 or
      none. **Chosen:** at 元→角 write the 零 (¥1,680.32 → 壹仟陆佰捌拾元零叁角贰分); at a
      万/亿 boundary follow how the amount is read aloud — no 零 when only the upper part ends
      in zeros (¥107,000.53 → 壹拾万柒仟元零伍角叁分), one 零 when the lower part starts with
      zeros (¥100,005 → 壹拾万零伍元整).
    - Rule 4 (角 is 0, 分 is not): 零 after 元 (¥325.04 → 叁佰贰拾伍元零肆分).
    - Less than one yuan: only 角/分 (¥0.05 → 伍分); nothing at all: 零元整.
    - A negative amount (a refund receipt) is prefixed with 负.
    """
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"amount_in_words takes integer fen, not {type(fen).__name__}")
    if fen < 0:
        return "负" + amount_in_words(-fen)
    if fen == 0:
        return "零元整"
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    words = ""
    if yuan:
        words = _integer(yuan) + "元"
        if cents == 0:
            return words + "整"
        if yuan % 10 == 0 or jiao == 0:
            words += "零"  # rule 3 (chosen) and rule 4
    if jiao:
        words += _DIGITS[jiao] + "角"
    if fen_digit:
        words += _DIGITS[fen_digit] + "分"
    return words
