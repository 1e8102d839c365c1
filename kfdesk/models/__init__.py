"""All Peewee models of kfdesk, by area, and ``ALL_MODELS`` in creation order."""

from .audit import AuditEvent, CalendarOverride, Refusal, SchemaVersion
from .base import BaseModel, FenField, UtcDateTimeField, database
from .cash import (
    Allocation,
    Bill,
    BillLine,
    Charge,
    DunningStep,
    FeeRate,
    HandOver,
    InvoiceBook,
    LeaseRent,
    MeterReading,
    ParkingSettlement,
    Payment,
    Receipt,
    ReceiptSeries,
    ReceiptVoid,
    Refund,
)
from .deadlines import Deadline, ReportFiling
from .people import Building, EmergencyContact, Group, Key, KeyMovement, Occupancy, Person, Unit
from .registers import (
    Activity,
    Authorisation,
    Loan,
    MailItem,
    ParkingLease,
    ReleasePass,
    ServiceOrder,
    Survey,
    Vehicle,
    Visit,
)
from .staff import ROLES, Staff
from .surveys import SURVEY_GRADES, SurveyCopy
from .tickets import (
    Callback,
    CallbackAttempt,
    Dispatch,
    FaultNotice,
    Hold,
    Ticket,
    TicketLog,
    WorkOrder,
)
from .vacant import CHECK_ITEMS, VacantCheck
from .visitors import RenovationPermit, Visitor, WorkerPass

ALL_MODELS: list[type[BaseModel]] = [
    SchemaVersion, CalendarOverride, Staff, AuditEvent, Refusal,
    Group, Building, Unit, Person, Occupancy, EmergencyContact, Key, KeyMovement,
    Ticket, TicketLog, Dispatch, FaultNotice, WorkOrder, Callback, CallbackAttempt, Hold,
    FeeRate, MeterReading, Bill, BillLine, Charge, ReceiptSeries, Payment, Allocation,
    HandOver, Refund, Receipt, ReceiptVoid, InvoiceBook, ParkingSettlement, DunningStep,
    Authorisation, ReleasePass, Vehicle, ParkingLease, MailItem, Loan, ServiceOrder,
    Visit, Survey, Activity,
    Deadline, ReportFiling,
    SurveyCopy,
    Visitor, RenovationPermit, WorkerPass,
    VacantCheck,
    LeaseRent,
]

__all__ = [m.__name__ for m in ALL_MODELS] + [
    "ALL_MODELS", "BaseModel", "CHECK_ITEMS", "FenField", "ROLES", "SURVEY_GRADES",
    "UtcDateTimeField", "database",
]
