"""The cashier's records (KF-015, KF-016, KF-018, KF-006 §6).

Every yuan is traceable bill → payment → receipt → hand-over. Nothing here is ever deleted;
voids and refunds are records of their own.
"""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, FenField, UtcDateTimeField
from .people import Unit
from .registers import ParkingLease, ServiceOrder
from .staff import Staff
from .tickets import WorkOrder

FEE_ITEMS = ("property_fee", "maintenance_fund", "water", "electricity")
# KF-001 §9: a parking-rent period is a "parking_lease" charge, owed, shown and dunned as the
# "parking_rent" item of the month its period begins (kfdesk.desk.leases).
RENT_KIND = "parking_lease"
RENT_ITEM = "parking_rent"
PAYMENT_METHODS = ("cash", "wechat", "alipay", "card", "transfer")
CHARGE_KINDS = (
    "renovation_fee", "renovation_deposit", "parking_card_deposit", "parking_lease",
    "service", "paid_repair", "other",
)


class FeeRate(BaseModel):
    """An approved rate with its effective date (KF-015 §4.1)."""

    item = pw.CharField(max_length=20)
    # Rate in ten-thousandths of a yuan (0.568 yuan/kWh = 5680): exact, finer than a fen.
    rate_e4 = pw.IntegerField()
    basis = pw.CharField(max_length=8)  # m2 | m3 | kwh
    effective_from = pw.DateField()

    class Meta:
        indexes = ((("item", "effective_from"), True),)


class MeterReading(BaseModel):
    """Monthly water/electricity reading by unit (KF-015 §4.2, due the 5th)."""

    unit = pw.ForeignKeyField(Unit, backref="meter_readings", on_delete="RESTRICT")
    meter = pw.CharField(max_length=12)  # water | electricity
    month = pw.CharField(max_length=7)  # "2026-10"
    reading = pw.IntegerField()  # whole m³ / kWh on the dial
    replaced = pw.BooleanField(default=False)  # meter replacement: new meter's start reading
    new_meter_start = pw.IntegerField(null=True)
    read_at = UtcDateTimeField()
    entered_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    # Issue 17: an implausible usage is saved only with the reason someone confirmed it for.
    outlier_reason = pw.CharField(max_length=128, default="")

    class Meta:
        indexes = ((("unit", "meter", "month"), True),)


class Bill(BaseModel):
    """One bill per unit per month (re-running a month never double-bills)."""

    unit = pw.ForeignKeyField(Unit, backref="bills", on_delete="RESTRICT")
    month = pw.CharField(max_length=7, index=True)
    created_at = UtcDateTimeField()
    total_fen = FenField()

    class Meta:
        indexes = ((("unit", "month"), True),)


class BillLine(BaseModel):
    bill = pw.ForeignKeyField(Bill, backref="lines", on_delete="RESTRICT")
    item = pw.CharField(max_length=20)
    quantity_centi = pw.IntegerField()  # area in 0.01 m², or usage × 100
    rate_e4 = pw.IntegerField()
    amount_fen = FenField()
    paid_fen = FenField(default=0)  # derived from allocations, kept for the arrears query

    class Meta:
        indexes = ((("bill", "item"), True),)


class Charge(BaseModel):
    """A one-off amount owed: renovation, deposits, paid services and repairs (KF-015 §5)."""

    unit = pw.ForeignKeyField(Unit, null=True, backref="charges", on_delete="RESTRICT")
    kind = pw.CharField(max_length=24)
    description = pw.CharField(max_length=128)
    amount_fen = FenField()
    paid_fen = FenField(default=0)
    created_at = UtcDateTimeField()
    created_by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    # KF-015 §6.2.1: unpaid paid-repair amounts are settled with the month's fee bill.
    with_bill_month = pw.CharField(max_length=7, default="")
    refundable = pw.BooleanField(default=False)  # deposits
    # Where the amount comes from: a paid repair's work order (KF-015 §6.2.1) or a KF-022
    # service order; empty for renovation fees, deposits and the like.
    work_order = pw.ForeignKeyField(WorkOrder, null=True, backref="charges", on_delete="RESTRICT")
    service_order = pw.ForeignKeyField(
        ServiceOrder, null=True, backref="charges", on_delete="RESTRICT"
    )


class LeaseRent(BaseModel):
    """One period's parking-space rent (车位租金, KF-001 §9, KF-018 §4.3): the lease, the
    period it pays for and the charge the cashier collects. One row per lease and period,
    so a period is never charged twice."""

    lease = pw.ForeignKeyField(ParkingLease, backref="rents", on_delete="RESTRICT")
    period_start = pw.DateField()
    period_end = pw.DateField()
    charge = pw.ForeignKeyField(Charge, unique=True, backref="+", on_delete="RESTRICT")

    class Meta:
        indexes = ((("lease", "period_start"), True),)


class HandOver(BaseModel):
    """日结/交款: the cashier's takings handed to finance (KF-015 §4.6, KF-006 §6).

    Every cash movement — receipt, refund receipt, a void's reversal, parking settlement —
    points at exactly one hand-over once counted (RULES v2 §4); until then it is open and goes
    into the cashier's next count.
    """

    cashier = pw.ForeignKeyField(Staff, backref="hand_overs", on_delete="RESTRICT")
    day = pw.DateField(index=True)
    denominations = pw.TextField(default="{}")  # JSON: {"10000": 3, "5000": 1, …}
    cash_counted_fen = FenField()
    cash_expected_fen = FenField()
    noncash_fen = pw.TextField(default="{}")  # JSON by method, from the receipts
    difference_fen = FenField()
    reason = pw.CharField(max_length=128, default="")
    closed_at = UtcDateTimeField()
    confirmed_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    confirmed_at = UtcDateTimeField(null=True)
    # RULES v2 §4: an office may allow writing off the odd fen (抹零) at the hand-over, up to
    # ``hand_over.rounding_max_fen``; the amount written off and why.
    rounding_fen = FenField(default=0)
    rounding_reason = pw.CharField(max_length=128, default="")

    class Meta:
        indexes = ((("cashier", "day"), True),)


class ReceiptSeries(BaseModel):
    """A gapless receipt-number series (e.g. one per year)."""

    code = pw.CharField(max_length=16, unique=True)  # "2026"
    last_number = pw.IntegerField(default=0)


class Payment(BaseModel):
    unit = pw.ForeignKeyField(Unit, null=True, backref="payments", on_delete="RESTRICT")
    payer = pw.CharField(max_length=64, default="")
    taken_at = UtcDateTimeField(index=True)
    method = pw.CharField(max_length=10)
    amount_fen = FenField()
    tendered_fen = FenField(null=True)  # cash only
    change_fen = FenField(null=True)
    reference = pw.CharField(max_length=64, default="")  # transfer / card reference
    cashier = pw.ForeignKeyField(Staff, backref="payments", on_delete="RESTRICT")


class Allocation(BaseModel):
    """How a payment was applied: oldest first, to bill lines or one-off charges."""

    payment = pw.ForeignKeyField(Payment, backref="allocations", on_delete="RESTRICT")
    bill_line = pw.ForeignKeyField(
        BillLine, null=True, backref="allocations", on_delete="RESTRICT"
    )
    charge = pw.ForeignKeyField(Charge, null=True, backref="allocations", on_delete="RESTRICT")
    amount_fen = FenField()


class Refund(BaseModel):
    """A refund (e.g. of a deposit) is its own record, never an edit (KF-015 §5)."""

    charge = pw.ForeignKeyField(Charge, null=True, backref="refunds", on_delete="RESTRICT")
    payment = pw.ForeignKeyField(Payment, null=True, backref="refunds", on_delete="RESTRICT")
    amount_fen = FenField()
    method = pw.CharField(max_length=10)
    at = UtcDateTimeField(index=True)
    by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    reason = pw.CharField(max_length=128)


class Receipt(BaseModel):
    """票据: numbered without gaps per series, never edited or deleted after issue."""

    series = pw.ForeignKeyField(ReceiptSeries, backref="receipts", on_delete="RESTRICT")
    number = pw.IntegerField()
    issued_at = UtcDateTimeField(index=True)
    payment = pw.ForeignKeyField(Payment, null=True, unique=True, on_delete="RESTRICT")
    refund = pw.ForeignKeyField(Refund, null=True, unique=True, on_delete="RESTRICT")
    amount_fen = FenField()  # negative for a refund receipt
    cashier = pw.ForeignKeyField(Staff, backref="receipts", on_delete="RESTRICT")
    printed_count = pw.IntegerField(default=0)  # reprints are marked as copies
    # RULES v2 §4: the hand-over this receipt's money went into; NULL while not yet counted.
    hand_over = pw.ForeignKeyField(HandOver, null=True, backref="+", on_delete="RESTRICT")

    class Meta:
        indexes = ((("series", "number"), True),)


class ReceiptVoid(BaseModel):
    """A void keeps the number and shows everywhere; supervisor with a reason."""

    receipt = pw.ForeignKeyField(Receipt, unique=True, backref="voids", on_delete="RESTRICT")
    at = UtcDateTimeField()
    by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    reason = pw.CharField(max_length=128)
    # RULES v2 §4: the void gives the money back: a movement of its own, in the hand-over open
    # when it was made (not necessarily the receipt's); NULL while not yet counted.
    hand_over = pw.ForeignKeyField(HandOver, null=True, backref="+", on_delete="RESTRICT")


class InvoiceBook(BaseModel):
    """KF-015 §6.1: a fixed-value invoice book held by a parking attendant."""

    attendant = pw.CharField(max_length=64, index=True)
    denomination_fen = FenField()
    first_no = pw.IntegerField()
    last_no = pw.IntegerField()
    issued_at = UtcDateTimeField()
    used_up_to = pw.IntegerField(null=True)
    returned_at = UtcDateTimeField(null=True)


class ParkingSettlement(BaseModel):
    """KF-015 §6.1.2: the attendant's half-monthly settlement of temporary parking income."""

    attendant = pw.CharField(max_length=64, index=True)
    period_start = pw.DateField()
    period_end = pw.DateField()
    due_fen = FenField()
    received_fen = FenField()
    stubs_cancelled = pw.IntegerField()
    settled_at = UtcDateTimeField()
    cashier = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    # KF-015 §6.1.2: the invoices used × value, checked against ``due_fen`` (the shift income
    # statements); NULL on settlements recorded before it was kept.
    invoices_fen = FenField(null=True)
    reason = pw.CharField(max_length=128, default="")  # why cash or invoices ≠ statements
    # JSON: the stubs cancelled, per book [{"book", "denomination_fen", "from", "to"}, …].
    used_stubs = pw.TextField(default="[]")
    # RULES v2 §4: the hand-over the parking cash went into; NULL while not yet counted.
    hand_over = pw.ForeignKeyField(HandOver, null=True, backref="+", on_delete="RESTRICT")


class DunningStep(BaseModel):
    """KF-016 催缴 ladder: 1 bank call … 6 lawyer's letter, each step a record."""

    unit = pw.ForeignKeyField(Unit, backref="dunning_steps", on_delete="RESTRICT")
    step = pw.IntegerField()  # 1..6
    at = UtcDateTimeField(index=True)
    by = pw.ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    amount_fen = FenField()
    months = pw.IntegerField()  # months in arrears at this step
    pay_by = pw.DateField(null=True)
    note = pw.TextField(default="")

    class Meta:
        indexes = ((("unit", "step"), False),)
