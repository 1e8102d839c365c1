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
