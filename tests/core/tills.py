"""A one-line payment for tests that need receipts but not what they pay (hand-over, numbers).

The unit 3-1-502 of the ``office`` fixture owes nothing, so each payment is an overpayment
kept as prepaid, confirmed — a real ``take_payment`` with its receipt, number and audit.
"""

from __future__ import annotations

from kfdesk.clock import Clock
from kfdesk.config import Settings
from kfdesk.desk.payments import REFERENCE_METHODS, take_payment
from kfdesk.models import Staff


def pay(unit: str, amount_fen: int, method: str, actor: Staff, clock: Clock,
        settings: Settings) -> str:
    """Take ``amount_fen`` for ``unit`` (3-1-502 when empty); returns the receipt number."""
    return take_payment(unit or "3-1-502", amount_fen, method, actor, clock, settings,
                        reference="POS-0001" if method in REFERENCE_METHODS else "",
                        confirm_overpayment=True).number
