"""The demo community 锦华苑: three months of a service counter's records, built from a seed.

``build_demo(now, seed)`` fills an opened, empty store with two groups, six buildings, 300 units,
~800 residents, the desk's staff, and the history of the thirteen weeks before ``now``: tickets
through every state with their dispatches, work orders, callbacks and holds; fault notices; meter
readings, bills, payments, receipts, voids, a refund, hand-overs and the dunning ladder; passes,
parking, mail, loans, services, visits, a survey and activities.

Deterministic: the same ``now`` and ``seed`` give the same database, row for row. All chance goes
through one ``random.Random(seed)``; lists are walked in order (never a set or a hash); nothing
reads the wall clock. The rows are written directly with the models in one transaction (the desk
services do not exist yet; ARCHITECTURE.md "the demo is a simulation" lets the builder do this
until they do). Ids are given here, so numbers (K-, W-, G-, F-, receipts) ascend in time order.

At ``now`` the demo has items in every state of the rule clocks, including clearly overdue ones:
undispatched valid complaints and repairs from this morning (KF-010 §4.1.2), callbacks past their
limits (KF-010 §4.5, KF-009 §3.1.1), a rework past 24 hours (KF-009 §3.1.4), fault notices not
collected (KF-013 §4.4) and a registered letter older than six days (KF-021).
"""

from __future__ import annotations

import calendar
import hashlib
import heapq
import random
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import peewee as pw
from kfdesk_data import shipped

from . import models as m
from .clock import FixedClock
from .config import Settings, default_settings
from .desk import leases
from .i18n import t
from .ids import id_check_digit
from .money import rate_amount
from .pinyin import search_fields
from .printing import document_language

DEFAULT_SEED = 2026
# The CLI's default demo instant: the Friday after the 2026 National Day holiday (1–7 Oct;
# Saturday 10 Oct is a make-up working day), mid-morning at the counter.
DEFAULT_NOW = datetime(2026, 10, 9, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@dataclass(frozen=True)
class DemoStaff:
    """A demo account: sign in with ``login`` and ``pin``."""

    login: str
    name: str
    role: str
    pin: str
    department: str = "desk"


DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("clerk", "张敏", "clerk", "1234"),
    DemoStaff("clerk2", "李娜", "clerk", "1234"),
    DemoStaff("cashier", "王芳", "cashier", "2345"),
    DemoStaff("super", "陈静", "supervisor", "3456"),
    DemoStaff("manager", "刘伟", "manager", "4567", "office"),
    DemoStaff("guard", "赵强", "security", "5678", "security"),
    # RULES v2 §4: finance's cashier (出纳) confirms the cashier's hand-overs.
    DemoStaff("finance", "孙丽", "finance", "6789", "office"),
)
DEMO_CLERK = "clerk"  # the demo signs in as 张敏


@dataclass(frozen=True)
class DemoSummary:
    units: int
    people: int
    tickets: int
    staff_login: str


def build_demo(
    now: datetime, seed: int = DEFAULT_SEED, settings: Settings | None = None
) -> DemoSummary:
    """Fill the opened, empty store with the demo community as it stands at ``now``.

    ``now`` must be timezone-aware. One transaction: on any error nothing is written.
    """
    if now.tzinfo is None:
        raise ValueError("build_demo needs a timezone-aware now")
    if m.Unit.select().exists() or m.Staff.select().exists():
        raise ValueError("build_demo needs an empty store")
    settings = settings or default_settings()
    builder = _Builder(now, seed, settings)
    db = m.database.obj
    with db.atomic():
        builder.build()
        builder.rows.write()
        _reset_sequences(db)
        # RULES v2 §4: the past days' hand-overs counted and confirmed by the services.
        builder.close_hand_overs()
        # The stored clocks (Deadline rows) of every record, as the desk services keep them.
        from .rules.context import RuleContext
        from .rules.sync import resync_all

        resync_all(RuleContext.from_store(settings), now)
    return DemoSummary(
        units=len(builder.units),
        people=builder.rows.count(m.Person),
        tickets=builder.rows.count(m.Ticket),
        staff_login=DEMO_CLERK,
    )


# --------------------------------------------------------------------------------------------
# Rows with ids given at write time


class _Row:
    """One row to write. ``values`` may hold other ``_Row``s: they become ids at write time."""

    __slots__ = ("model", "values", "key", "seq", "id")

    def __init__(self, model: type[m.BaseModel], values: dict[str, Any], key: Any, seq: int):
        self.model = model
        self.values = values
        self.key = key
        self.seq = seq
        self.id = 0

    def __getitem__(self, name: str) -> Any:
        """The value set so far, else the field's default (None for a nullable field)."""
        if name in self.values:
            return self.values[name]
        default = self.model._meta.fields[name].default
        return default() if callable(default) else default

    def __setitem__(self, name: str, value: Any) -> None:
        self.values[name] = value


# Business numbers, ascending in the order of the row's time key.
_NUMBERS: dict[type[m.BaseModel], str] = {
    m.Ticket: "K-{:06d}",
    m.WorkOrder: "W-{:06d}",
    m.FaultNotice: "G-{:06d}",
    m.ReleasePass: "F-{:06d}",
}


class _Rows:
    """All rows of the build, by model; ids ascend by (time key, creation order)."""

    def __init__(self) -> None:
        self.by_model: dict[type[m.BaseModel], list[_Row]] = {}
        self._seq = 0

    def add(self, table: type[m.BaseModel], /, order: Any = None, **values: Any) -> _Row:
        """A row of ``table``; with ``order`` (a time), ids follow that order, else creation's."""
        self._seq += 1
        row = _Row(table, values, order, self._seq)
        self.by_model.setdefault(table, []).append(row)
        return row

    def of(self, model: type[m.BaseModel]) -> list[_Row]:
        return self.by_model.get(model, [])

    def count(self, model: type[m.BaseModel]) -> int:
        return len(self.of(model))

    def write(self) -> None:
        # Pass 1: ids (and business numbers) for every model, so references can resolve.
        for model in m.ALL_MODELS:
            rows = self.of(model)
            if any(r.key is not None for r in rows):
                rows.sort(key=lambda r: (r.key, r.seq))
            start = (model.select(pw.fn.MAX(model.id)).scalar() or 0) + 1
            for i, row in enumerate(rows):
                row.id = start + i
                if model in _NUMBERS:
                    row.values["number"] = _NUMBERS[model].format(row.id)
        # Pass 2: insert in creation order of the schema (foreign keys point backwards).
        # One prepared INSERT per table run with executemany: the same db_value conversions
        # as Model.insert_many, without building SQL text for every row (5× faster here).
        db = m.database.obj
        for model in m.ALL_MODELS:
            rows = self.of(model)
            if not rows:
                continue
            fields = model._meta.sorted_fields
            columns = ", ".join(f'"{f.column_name}"' for f in fields)
            marks = ", ".join(db.param for _ in fields)
            sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'
            data = []
            for row in rows:
                values = _complete(row)
                data.append(tuple(f.db_value(values[f.name]) for f in fields))
            cursor = db.cursor()
            for i in range(0, len(data), 500):
                cursor.executemany(sql, data[i : i + 500])


def _complete(row: _Row) -> dict[str, Any]:
    """The row as a full dict of field values: defaults filled, references resolved."""
    model = row.model
    out: dict[str, Any] = {"id": row.id}
    known = set()
    for f in model._meta.sorted_fields:
        known.add(f.name)
        if f.name == "id":
            continue
        if f.name in row.values:
            value = row.values[f.name]
        elif f.default is not None:
            value = f.default() if callable(f.default) else f.default
        elif f.null:
            value = None
        else:
            raise KeyError(f"demo: {model.__name__}.{f.name} has no value")
        if isinstance(value, _Row):
            value = value.id
        out[f.name] = value
    unknown = [k for k in row.values if k not in known]
    if unknown:
        raise KeyError(f"demo: {model.__name__} has no field {unknown}")
    return out


def _reset_sequences(db: pw.Database) -> None:
    """PostgreSQL: move each id sequence past the ids given here (SQLite needs nothing)."""
    if not isinstance(db, pw.PostgresqlDatabase):
        return
    for model in m.ALL_MODELS:
        table = model._meta.table_name
        db.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 0) + 1, false)"
        )


# --------------------------------------------------------------------------------------------
# Calendar helpers (the office calendar module does not exist yet; RULES §8 calendar decisions)


@cache
def _is_working_day(day: date) -> bool:
    """The statutory calendar (chinesecalendar), Monday–Friday outside the years it knows."""
    try:
        import chinese_calendar

        return bool(chinese_calendar.is_workday(day))
    except (ImportError, NotImplementedError):
        return day.weekday() < 5


def _add_working_days(day: date, n: int) -> date:
    """The n-th working day after ``day`` (n ≥ 1), or before it for n ≤ -1."""
    step = 1 if n > 0 else -1
    left = abs(n)
    while left:
        day += timedelta(days=step)
        if _is_working_day(day):
            left -= 1
    return day


def _working_on_or_after(day: date) -> date:
    while not _is_working_day(day):
        day += timedelta(days=1)
    return day


def _month_add(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _load(name: str) -> dict[str, Any]:
    return tomllib.loads(shipped(name).read_text(encoding="utf-8"))


def _salt(seed: int, login: str) -> bytes:
    """A fixed salt for a demo account, so the demo database is the same on every build."""
    return hashlib.sha256(f"kfdesk-demo/{seed}/{login}".encode()).digest()[:16]


# --------------------------------------------------------------------------------------------
# Plain records of the build (what the builder needs to remember beyond the rows)


@dataclass
class _Person:
    row: _Row
    name: str
    gender: str
    born: date
    phone: str
    id_number: str


@dataclass
class _Unit:
    row: _Row
    code: str
    building: str
    entrance: int
    floor: int
    area: int  # centi m²
    status: str
    handed_over: date
    owner: _Person | None = None
    residents: list[_Person] = field(default_factory=list)  # adults first
    contacts: list[_Person] = field(default_factory=list)  # who calls: owner/tenants, adults
    lead_occupant: _Person | None = None
    method: str = "wechat"  # how this household usually pays


@dataclass
class _Bill:
    row: _Row
    unit: _Unit
    month: str
    created_at: datetime
    deadline: date
    lines: list[_Row]
    paid_events: list[tuple[datetime, int]] = field(default_factory=list)


@dataclass
class _Charge:
    row: _Row
    unit: _Unit | None
    created_at: datetime
    with_bill_month: str = ""


@dataclass
class _Intent:
    """A payment (or refund) that happens at ``at``; processed in time order."""

    at: datetime
    seq: int
    unit: _Unit | None
    mode: str  # all | partial | charges | refund
    amount: int = 0
    charges: list[_Charge] = field(default_factory=list)
    method: str = ""
    payer: str = ""
    void: str = ""  # "" | method | amount: a first receipt voided by the supervisor


# Which department handles a category (KF-010 §4.3.1 dispatch).
_DEPARTMENT = {
    "water": "engineering", "electricity": "engineering", "lift": "engineering",
    "door_access": "engineering", "noise": "security", "security": "security",
    "sanitation": "cleaning", "greenery": "cleaning", "parking": "parking",
    "fees": "office", "staff_attitude": "office", "other": "office",
    "developer_quality": "developer",
}
# A second department for coordinated complaints (KF-010 §4.3.2).
_SECOND = {
    "water": "cleaning", "parking": "security", "noise": "office", "sanitation": "engineering",
    "lift": "office", "security": "parking", "greenery": "engineering",
}
_KIND_WEIGHTS = (("repair", 38), ("complaint", 22), ("inquiry", 20), ("help", 7),
                 ("suggestion", 8), ("visit", 5))
_CATEGORIES = {
    "repair": (("water", 30), ("electricity", 22), ("door_access", 12), ("lift", 10),
               ("other", 16)),
    "complaint": (("noise", 18), ("sanitation", 15), ("parking", 14), ("security", 10),
                  ("staff_attitude", 5), ("fees", 8), ("lift", 8), ("greenery", 7),
                  ("developer_quality", 9), ("water", 5)),
    "inquiry": (("fees", 40), ("parking", 20), ("other", 40)),
    "help": (("door_access", 30), ("security", 30), ("other", 40)),
    "suggestion": (("greenery", 30), ("sanitation", 20), ("parking", 20), ("other", 30)),
    "visit": (("other", 1),),
}
_CHANNELS = (("phone", 55), ("walk_in", 36), ("forwarded", 6), ("patrol", 3))
_METHODS = (("wechat", 35), ("cash", 22), ("alipay", 20), ("card", 10), ("transfer", 13))
_BANKS = ("工行", "建行", "招行", "农行", "中行", "平安")
_PAID_REPAIR_FEN = (3000, 5000, 8000, 12000, 15000, 20000)
_BILL_DEADLINE_DAY = 25  # pay by the 25th of the bill's month (moved to a working day)
_RELEASE_KINDS = (("owner", 6), ("registered_family", 5), ("tenant", 5), ("crew", 4),
                  ("unregistered_family", 2), ("other", 1))
# Layout: building number, group, floors, entrances, flats per floor and entrance (300 units).
_BUILDINGS = (
    ("1", "E", 11, 2, 2), ("2", "E", 11, 2, 2), ("3", "E", 18, 1, 4),
    ("4", "W", 6, 3, 2), ("5", "W", 6, 3, 2), ("6", "W", 17, 2, 2),
)
_SERVICE_NAMES = {
    "cleaning": "保洁服务", "appliance_repair": "家电维修", "housekeeping": "家政服务",
    "office": "打字复印", "booking": "代订票务",
}
_SHOWCASE_UNIT = "3-1-502"  # the unit of the UX sketches: 王建国, two months in arrears


class _Builder:
    """Builds every row of the demo in memory, in time order where numbers depend on it."""

    def __init__(self, now: datetime, seed: int, settings: Settings) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.settings = settings
        self.tz = settings.zone
        self.now = now.astimezone(UTC)
        self.now_l = now.astimezone(self.tz)
        self.today = self.now_l.date()
        y, mo = self.today.year, self.today.month
        # History: from the first day of the month three months back (~13 weeks).
        self.start = date(*_month_add(y, mo, -3), 1)
        self.bill_months = [_month_add(y, mo, k) for k in (-3, -2, -1)]
        self.reading_months = [_month_add(y, mo, k) for k in (-4, -3, -2, -1, 0)]
        self.names = _load("demo_names.toml")
        self.texts = _load("demo_texts.toml")
        self.rows = _Rows()
        self.units: list[_Unit] = []
        self.by_code: dict[str, _Unit] = {}
        self.people: list[_Person] = []
        self.bills: list[_Bill] = []
        self.charges: list[_Charge] = []
        self.intents: list[_Intent] = []
        self.tickets: list[_Row] = []
        self._ids: set[str] = set()
        self._phones: set[str] = set()
        self._plates: set[str] = set()
        self._names_drawn = 0
        self._tricky = 0
        self._intent_seq = 0
        self._contact_forms: list[_Row] = []

    # ---------------------------------------------------------------- small helpers

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz)

    def past(self, instant: datetime | None) -> bool:
        return instant is not None and instant < self.now

    def minutes(self, lo: int, hi: int) -> timedelta:
        return timedelta(minutes=self.rng.randint(lo, hi))

    def office_on(self, day: date, after: datetime | None = None) -> datetime:
        """A random whole minute of office hours (08:40–17:20) on ``day``, after ``after``."""
        lo = self.at(day, 8, 40)
        if after is not None and after + timedelta(minutes=5) > lo:
            lo = after + timedelta(minutes=5)
        hi = self.at(day, 17, 20)
        span = max(0, int((hi - lo).total_seconds() // 60))
        return (lo + timedelta(minutes=self.rng.randint(0, span))).replace(second=0, microsecond=0)

    def office_after(self, instant: datetime, working_days: int = 0) -> datetime:
        """Office hours on the n-th working day after ``instant`` (0: the same day if it can)."""
        day = self.local(instant).date()
        if (working_days == 0 and _is_working_day(day)
                and self.local(instant).time() < time(17, 0)):
            return self.office_on(day, after=self.local(instant))
        return self.office_on(_add_working_days(day, max(1, working_days)))

    def next_office(self, instant: datetime) -> datetime:
        """``instant`` if the office is open then, else soon after the next opening."""
        local = self.local(instant)
        day = local.date()
        if _is_working_day(day) and time(8, 30) <= local.time() < time(17, 30):
            return instant
        if _is_working_day(day) and local.time() < time(8, 30):
            return self.at(day, 8, 30) + self.minutes(0, 40)
        return self.at(_add_working_days(day, 1), 8, 30) + self.minutes(0, 60)

    def pick(self, pairs: Iterable[tuple[Any, float]]) -> Any:
        items = list(pairs)
        return self.rng.choices([k for k, _ in items], [w for _, w in items])[0]

    def fill(self, text: str, unit: _Unit | None) -> str:
        building = unit.building if unit else self.rng.choice(_BUILDINGS)[0]
        entrance = unit.entrance if unit else 1
        floor = unit.floor if unit else self.rng.randint(2, 6)
        text = text.replace("{b}", building).replace("{e}", str(entrance))
        return text.replace("{f}", str(floor))

    def days(self) -> list[date]:
        """Every date of the history, oldest first, up to today."""
        out, day = [], self.start
        while day <= self.today:
            out.append(day)
            day += timedelta(days=1)
        return out

    def working_days(self) -> list[date]:
        return [d for d in self.days() if _is_working_day(d)]

    # ---------------------------------------------------------------- the build

    def build(self) -> None:
        self.build_staff()
        self.build_community()
        self.build_people()
        self.build_keys()
        self.build_meters_and_bills()
        self.build_tickets()
        self.build_showcase_tickets()
        self.build_fault_notices()
        self.number_contact_forms()
        self.build_registers()
        self.build_charges()
        self.build_payment_intents()
        self.run_payments()
        self.build_dunning()
        self.build_hand_overs()
        self.build_parking_books()
        self.build_filings()
        self.build_vacant_checks()

    # ---------------------------------------------------------------- staff

    def build_staff(self) -> None:
        from .desk.staff import create_staff

        clock = FixedClock(self.at(self.start - timedelta(days=1), 9))
        self.staff: dict[str, int] = {}
        manager = None
        # The manager first (the first account needs no actor); the rest are made by the manager.
        for spec in sorted(DEMO_STAFF, key=lambda s: s.role != "manager"):
            # demo: the README's published PINs, 4 digits for every role (marked demo-only).
            made = create_staff(spec.login, spec.name, spec.role, spec.pin, clock, actor=manager,
                                department=spec.department, salt=_salt(self.seed, spec.login),
                                demo=True)
            self.staff[spec.login] = made.id
            if spec.role == "manager":
                manager = made
        self.clerks = [self.staff["clerk"], self.staff["clerk2"]]
        self.cashier = self.staff["cashier"]
        self.supervisor = self.staff["super"]
        self.manager = self.staff["manager"]
        self.guard = self.staff["guard"]
        self.finance = self.staff["finance"]
        names = self.names["staff"]
        self.technicians: list[str] = names["technicians"]
        self.engineering_head: str = names["engineering_head"]
        self.cleaning_head: str = names["cleaning_head"]
        self.patrol: list[str] = names["patrol"]
        self.cleaners: list[str] = names["cleaners"]
        self.attendants: list[str] = names["parking_attendants"]

    def clerk(self) -> int:
        return self.rng.choice(self.clerks)

    # ---------------------------------------------------------------- groups, buildings, units

    def build_community(self) -> None:
        rng = self.rng
        groups = {
            "E": self.rows.add(m.Group, code="E", name="东区"),
            "W": self.rows.add(m.Group, code="W", name="西区"),
        }
        handed = {"E": date(2015, 6, 20), "W": date(2016, 5, 10)}
        for number, group, floors, entrances, per_floor in _BUILDINGS:
            building = self.rows.add(m.Building, group=groups[group], number=number,
                                     name=f"{number}号楼", floors=floors)
            # Flats in one stack share a layout, so a stack shares its floor area.
            stacks = {(e, i): rng.randint(6000, 15000) for e in range(1, entrances + 1)
                      for i in range(1, per_floor + 1)}
            for entrance in range(1, entrances + 1):
                for floor in range(1, floors + 1):
                    for i in range(1, per_floor + 1):
                        room = f"{floor}{i:02d}"
                        code = f"{number}-{entrance}-{room}"
                        handed_over = handed[group] + timedelta(days=rng.randint(0, 150))
                        row = self.rows.add(
                            m.Unit, building=building, entrance=entrance, floor=floor, room=room,
                            code=code, area_centi_m2=stacks[(entrance, i)], status="",
                            handed_over_on=handed_over,
                        )
                        unit = _Unit(row, code, number, entrance, floor, stacks[(entrance, i)],
                                     "", handed_over)
                        self.units.append(unit)
                        self.by_code[code] = unit
        # 30 vacant, 60 rented, the rest lived in by their owners; the showcase unit is lived in.
        order = [u for u in self.units if u.code != _SHOWCASE_UNIT]
        rng.shuffle(order)
        order.append(self.by_code[_SHOWCASE_UNIT])
        for i, unit in enumerate(order):
            unit.status = "vacant" if i < 30 else "rented" if i < 90 else "owner_occupied"
            unit.row["status"] = unit.status
            unit.method = self.pick(_METHODS)

    # ---------------------------------------------------------------- people

    def draw_surname(self) -> str:
        names = self.names["surnames"]
        self._names_drawn += 1
        if self._names_drawn % 29 == 11:
            # Make sure the surname-reading cases (曾 zeng, 单 shan, 区 ou …) are present.
            surname = names["tricky"][self._tricky % len(names["tricky"])]
            self._tricky += 1
            return surname
        return self.pick((s, w) for s, w in names["weights"])

    def draw_name(self, gender: str, born_year: int, surname: str | None = None) -> str:
        surname = surname or self.draw_surname()
        era = "old" if born_year < 1970 else "mid" if born_year < 2000 else "young"
        return surname + self.rng.choice(self.names["given"][gender][era])

    def id_number(self, born: date, gender: str) -> str:
        while True:
            area = self.rng.choice(self.names["ids"]["area_codes"])
            last = self.rng.choice((1, 3, 5, 7, 9) if gender == "M" else (0, 2, 4, 6, 8))
            first17 = f"{area}{born:%Y%m%d}{self.rng.randint(0, 99):02d}{last}"
            number = first17 + id_check_digit(first17)
            if number not in self._ids:
                self._ids.add(number)
                return number

    def phone(self) -> str:
        while True:
            number = self.rng.choice(self.names["phones"]["prefixes"]) + (
                f"{self.rng.randint(0, 99_999_999):08d}")
            if number not in self._phones:
                self._phones.add(number)
                return number

    def birth(self, year_lo: int, year_hi: int) -> date:
        year = self.rng.randint(year_lo, year_hi)
        return date(year, 1, 1) + timedelta(days=self.rng.randint(0, 364))

    def person(
        self, *, gender: str, born: date, created: date, verified: datetime | None,
        surname: str | None = None, name: str | None = None, lives_in: bool = True,
        phone: str | None = None, note: str = "",
    ) -> _Person:
        name = name or self.draw_name(gender, born.year, surname)
        id_number = self.id_number(born, gender)
        adult = (self.today - born).days >= 14 * 365
        if phone is None:
            phone = self.phone() if adult else ""
        phone2 = ""
        if adult and self.rng.random() < 0.08:
            phone2 = f"{self.names['phones']['landline_area']}-{self.rng.randint(2, 8)}" + (
                f"{self.rng.randint(0, 9_999_999):07d}")
        address = "" if lives_in else self.rng.choice(self.names["addresses"]["elsewhere"])
        row = self.rows.add(
            m.Person, name=name, gender=gender, id_number=id_number, phone=phone, phone2=phone2,
            address=address, lives_in_community=lives_in, contact_verified_at=verified,
            note=note, created_at=self.at(created, 10) + self.minutes(0, 300),
            **search_fields(name, id_number, phone),
        )
        person = _Person(row, name, gender, born, phone, id_number)
        self.people.append(person)
        return person

    def verified(self, lives_in: bool) -> datetime:
        """KF-017 §3: last contact check (15 days residents, a month others).

        Most households were checked recently (any contact counts); a few are due soon and a
        very few overdue, so the check shows without flooding the alert bar.
        """
        limit = 15 if lives_in else 30
        chance = self.rng.random()
        if chance < 0.01:
            back = self.rng.randint(limit + 2, limit + 30)
        elif chance < 0.03:
            back = self.rng.randint(limit * 3 // 4 + 1, limit - 1)
        else:
            back = self.rng.randint(0, limit * 2 // 3)
        day = self.today - timedelta(days=back)
        while not _is_working_day(day):
            day -= timedelta(days=1)
        instant = self.office_on(day)
        if instant >= self.now:
            instant = self.now - self.minutes(20, 60)
        return instant

    def occupancy(
        self, unit: _Unit, person: _Person, role: str, started: date, **extra: Any
    ) -> _Row:
        return self.rows.add(m.Occupancy, unit=unit.row, person=person.row, role=role,
                             started_on=started, **extra)

    def build_people(self) -> None:
        rng = self.rng
        investors: list[_Person] = []
        reused = 0
        # Owner changes (KF-017 §1.3): the previous owner's file is kept five years.
        changed = rng.sample([u for u in self.units if u.status != "vacant"
                              and u.code != _SHOWCASE_UNIT], 12)
        change_day: dict[str, date] = {}
        for unit in changed:
            lo = max(date(2021, 11, 1), unit.handed_over + timedelta(days=400))
            change_day[unit.code] = lo + timedelta(days=rng.randint(0, (self.today - lo).days - 40))
        nannies = 0
        for unit in self.units:
            since = change_day.get(unit.code, unit.handed_over)
            if unit.code in change_day:
                gender = rng.choice("MF")
                previous = self.person(
                    gender=gender, born=self.birth(1950, 1980), created=unit.handed_over,
                    verified=self.at(since, 10), lives_in=False,
                )
                self.occupancy(unit, previous, "owner", unit.handed_over, registered=True,
                               resident=False, ended_on=since, keep_until=_plus_years(since, 5))
            if unit.status == "owner_occupied":
                self.household(unit, since)
                if nannies < 3 and len(unit.residents) >= 4:
                    nannies += 1
                    nanny = self.person(gender="F", born=self.birth(1965, 1980),
                                        created=self.today - timedelta(days=rng.randint(60, 900)),
                                        verified=unit.owner.row["contact_verified_at"])
                    self.occupancy(unit, nanny, "other", since, registered=True, relation="nanny")
                    unit.residents.append(nanny)
                continue
            # Rented and vacant units: the owner lives elsewhere (monthly re-verification).
            if investors and reused < 5 and rng.random() < 0.1:
                owner = rng.choice(investors)
                reused += 1
            else:
                gender = rng.choice("MF")
                owner = self.person(gender=gender, born=self.birth(1955, 1988), created=since,
                                    verified=self.verified(False), lives_in=False)
                investors.append(owner)
            unit.owner = owner
            self.occupancy(unit, owner, "owner", since, registered=True, resident=False)
            unit.contacts.append(owner)
            if unit.status == "rented":
                self.tenants(unit)
        # Agents (代理人, KF-017 §1.2) for a few owners who live elsewhere.
        away = [u for u in self.units if u.status != "owner_occupied"]
        for unit in rng.sample(away, 8):
            gender = rng.choice("MF")
            agent = self.person(gender=gender, born=self.birth(1965, 1990),
                                created=unit.handed_over + timedelta(days=rng.randint(30, 900)),
                                verified=self.verified(False), lives_in=False)
            self.occupancy(unit, agent, "other", agent.row["created_at"].date(), is_agent=True,
                           resident=False, relation="agent")
            unit.contacts.append(agent)
        # Emergency contacts (KF-017 §2) of every household.
        relations = (("child", 35), ("sibling", 30), ("parent", 15), ("relative", 10),
                     ("friend", 10))
        for unit in self.units:
            if unit.status == "vacant":
                continue
            for _ in range(2 if rng.random() < 0.2 else 1):
                gender = rng.choice("MF")
                self.rows.add(
                    m.EmergencyContact, unit=unit.row,
                    name=self.draw_name(gender, rng.randint(1950, 1995)), phone=self.phone(),
                    address=rng.choice(self.names["addresses"]["elsewhere"]),
                    relation=self.pick(relations),
                )

    def household(self, unit: _Unit, since: date) -> None:
        """An owner-occupied household: owner, spouse, children, parents (KF-017 §2)."""
        rng = self.rng
        size = self.pick(((1, 12), (2, 33), (3, 33), (4, 16), (5, 6)))
        verified = self.verified(True)
        gender = rng.choice("MF")
        owner_born = self.birth(1955, 1992)
        showcase = unit.code == _SHOWCASE_UNIT
        if showcase:
            gender, owner_born = "M", date(1968, 3, 14)
        owner = self.person(gender=gender, born=owner_born, created=since, verified=verified,
                            name="王建国" if showcase else None,
                            phone="13826475678" if showcase else None)
        unit.owner = owner
        unit.contacts.append(owner)
        unit.residents.append(owner)
        self.occupancy(unit, owner, "owner", since, registered=True)
        owner_surname = owner.name[:2] if owner.name[:2] in (
            "欧阳", "司马", "上官", "诸葛") else owner.name[0]
        members: list[tuple[str, str, date, str | None]] = []  # relation, gender, born, surname
        father_surname = owner_surname
        # (spouse, children, parents) by household size.
        shapes = {
            1: ((0, 0, 0),), 2: ((1, 0, 0), (1, 0, 0), (1, 0, 0), (0, 0, 1)), 3: ((1, 1, 0),),
            4: ((1, 2, 0), (1, 2, 0), (1, 1, 1)), 5: ((1, 1, 2), (1, 2, 1)),
        }
        spouse, children, parents = rng.choice(shapes[size])
        if owner_born.year < 1962:  # their parents would be past 90: children instead
            children, parents = children + parents, 0
        if spouse:
            spouse_gender = "F" if gender == "M" else "M"
            spouse_born = self.birth(owner_born.year - 4, min(owner_born.year + 4, 1995))
            spouse_surname = self.draw_surname()
            if spouse_gender == "M":
                father_surname = spouse_surname
            members.append(("spouse", spouse_gender, spouse_born, spouse_surname))
        for _ in range(children):
            lo = owner_born.year + 24
            members.append(("child", rng.choice("MF"), self.birth(min(lo, 2022),
                                                                  min(lo + 10, 2024)),
                            father_surname))
        for i in range(parents):
            parent_gender = "M" if i == 0 and rng.random() < 0.5 else "F"
            members.append(("parent", parent_gender,
                            self.birth(owner_born.year - 32, owner_born.year - 22),
                            owner_surname if parent_gender == "M" else None))
        for relation, member_gender, born, surname in members:
            started = max(since, born)
            person = self.person(gender=member_gender, born=born, created=started,
                                 verified=verified, surname=surname)
            # A few family members were never put on the household registration (KF-014).
            registered = rng.random() >= 0.05
            self.occupancy(unit, person, "family", started, registered=registered,
                           relation=relation)
            unit.residents.append(person)
            if person.phone:
                unit.contacts.append(person)

    def tenants(self, unit: _Unit) -> None:
        rng = self.rng
        started = self.today - timedelta(days=rng.randint(30, 700))
        lease_end = _plus_years(started, rng.choice((1, 1, 2))) - timedelta(days=1)
        while lease_end < self.today - timedelta(days=9):
            lease_end = _plus_years(lease_end, 1)  # renewed
        verified = self.verified(True)
        count = self.pick(((1, 35), (2, 47), (3, 18)))
        lead_gender = rng.choice("MF")
        lead_born = self.birth(1975, 2000)
        lead = self.person(gender=lead_gender, born=lead_born, created=started, verified=verified)
        self.occupancy(unit, lead, "tenant", started, registered=True, lease_end=lease_end)
        unit.residents.append(lead)
        unit.contacts.insert(0, lead)
        unit.lead_occupant = lead
        for i in range(count - 1):
            if i == 0 and rng.random() < 0.6:
                relation, gender = "spouse", "F" if lead_gender == "M" else "M"
                born = self.birth(lead_born.year - 3, min(lead_born.year + 3, 2002))
                surname = None
            elif i == 1 and rng.random() < 0.7:
                relation, gender = "child", rng.choice("MF")
                born = self.birth(min(lead_born.year + 25, 2020), 2024)
                surname = lead.name[0] if lead_gender == "M" else None
            else:
                relation, gender, born, surname = "roommate", rng.choice("MF"), self.birth(
                    1985, 2003), None
            person = self.person(gender=gender, born=max(born, date(1940, 1, 1)),
                                 created=started, verified=verified, surname=surname)
            self.occupancy(unit, person, "tenant", started, registered=True,
                           lease_end=lease_end, relation=relation)
            unit.residents.append(person)
            if person.phone:
                unit.contacts.append(person)

    # ---------------------------------------------------------------- keys

    def build_keys(self) -> None:
        """钥匙管理 (RULES §5): keys of vacant units at the desk, every movement logged."""
        rng = self.rng
        vacant = [u for u in self.units if u.status == "vacant"]
        keyed = rng.sample(vacant, 12)
        out_now = keyed[0]
        for i, unit in enumerate(keyed):
            received = self.office_on(_working_on_or_after(
                self.start - timedelta(days=rng.randint(20, 500))))
            key = self.rows.add(m.Key, unit=unit.row, label=f"{unit.code} 入户门钥匙 2 把",
                                reason="vacant", received_at=received)
            self.rows.add(m.KeyMovement, key=key, kind="in", at=received, to_whom="",
                          staff=self.clerk())
            if i % 3 == 1:  # lent to an agent for a viewing and brought back the same day
                day = rng.choice(self.working_days()[:-2])
                out = self.office_on(day)
                back = out + self.minutes(40, 150)
                who = rng.choice(("中介 周先生", "中介 黄小姐", "业主委托人"))
                self.rows.add(m.KeyMovement, key=key, kind="out", at=out, to_whom=who,
                              staff=self.clerk())
                self.rows.add(m.KeyMovement, key=key, kind="back", at=back, to_whom=who,
                              staff=self.clerk())
            if unit is out_now and self.now_l.time() > time(9, 0):
                self.rows.add(m.KeyMovement, key=key, kind="out",
                              at=self.now - self.minutes(30, 50),
                              to_whom="装修公司 刘工 (业主电话授权)", staff=self.staff["clerk"])
                key["at_desk"] = False
        # Keys left by owners for a repair while they are away.
        lived = [u for u in self.units if u.status == "owner_occupied"]
        for unit in rng.sample(lived, 2):
            received = self.office_on(_add_working_days(self.today, -1))
            key = self.rows.add(m.Key, unit=unit.row, label=f"{unit.code} 入户门钥匙 1 把",
                                reason="repair", received_at=received)
            self.rows.add(m.KeyMovement, key=key, kind="in", at=received, staff=self.clerk())

    # ---------------------------------------------------------------- meters and bills

    def fee_rates(self) -> dict[str, int]:
        fees = self.settings.data["fees"]
        rates = {
            "property_fee": (fees["property_fee_per_m2"], "m2"),
            "maintenance_fund": (fees["maintenance_fund_per_m2"], "m2"),
            "water": (fees["water_per_m3"], "m3"),
            "electricity": (fees["electricity_per_kwh"], "kwh"),
        }
        effective = date.fromisoformat(fees["effective_from"])
        out = {}
        for item in m.cash.FEE_ITEMS:
            value, basis = rates[item]
            rate = Decimal(value) * 10_000
            if rate != rate.to_integral_value():
                raise ValueError(f"fees: {item} rate {value} is finer than 1/10000 yuan")
            out[item] = int(rate)
            self.rows.add(m.FeeRate, item=item, rate_e4=int(rate), basis=basis,
                          effective_from=effective)
        return out

    def reading_day(self, year: int, month: int) -> list[date]:
        """Working days on which engineering reads the meters: by the 5th (KF-015 §4.2)."""
        days = [date(year, month, d) for d in range(1, 6) if _is_working_day(date(year, month, d))]
        return days or [_working_on_or_after(date(year, month, 6))]

    def build_meters_and_bills(self) -> None:
        rng = self.rng
        rates = self.fee_rates()
        season = {6: 1.3, 7: 1.5, 8: 1.5, 9: 1.25, 10: 1.0, 11: 0.8, 12: 0.8, 1: 0.8, 2: 0.8,
                  3: 0.9, 4: 1.0, 5: 1.1}
        this_month = (self.today.year, self.today.month)
        # Readings: the dial at the start of each month; usage = this reading − the last one.
        readings: dict[tuple[str, str], dict[str, int]] = {}
        read_at: dict[tuple[str, str], datetime] = {}
        for unit in self.units:
            people = len(unit.residents)
            dial = {"water": rng.randint(200, 2500), "electricity": rng.randint(3000, 40000)}
            for k, (y, mo) in enumerate(self.reading_months):
                label = _label(y, mo)
                if k > 0:
                    prev_month = self.reading_months[k - 1][1]
                    if people:
                        water = max(1, round((3 + 3.5 * people) * rng.uniform(0.7, 1.3)))
                        power = round((80 + 90 * people) * season[prev_month]
                                      * rng.uniform(0.7, 1.3))
                    else:
                        water, power = rng.randint(0, 1), rng.randint(0, 5)
                    dial = {"water": dial["water"] + water,
                            "electricity": dial["electricity"] + power}
                days = self.reading_day(y, mo)
                if (y, mo) == this_month:
                    # This month's readings are partly in (KF-015 §4.2: due by the 5th).
                    days = [d for d in days if d <= self.today]
                    if not days or rng.random() < 0.4:
                        continue
                when = self.office_on(rng.choice(days))
                if when >= self.now:
                    continue
                readings[(unit.code, label)] = dict(dial)
                read_at[(unit.code, label)] = when
                for meter in ("water", "electricity"):
                    self.rows.add(m.MeterReading, unit=unit.row, meter=meter, month=label,
                                  reading=dial[meter], read_at=when, entered_by=self.cashier)
        # Bills (KF-015 §4.3): property fee and fund by area, water and power by last month's use.
        for y, mo in self.bill_months:
            label = _label(y, mo)
            prev = _label(*_month_add(y, mo, -1))
            latest = max(read_at[(u.code, label)] for u in self.units)
            made_on = _working_on_or_after(max(date(y, mo, 6), self.local(latest).date()
                                               + timedelta(days=1)))
            created = self.at(made_on, 9, 0)
            if created >= self.now:
                continue
            deadline = _working_on_or_after(date(y, mo, _BILL_DEADLINE_DAY))
            for unit in self.units:
                if unit.status == "vacant":
                    continue
                now_dial, last_dial = readings[(unit.code, label)], readings[(unit.code, prev)]
                quantities = {
                    "property_fee": unit.area,
                    "maintenance_fund": unit.area,
                    "water": (now_dial["water"] - last_dial["water"]) * 100,
                    "electricity": (now_dial["electricity"] - last_dial["electricity"]) * 100,
                }
                bill = self.rows.add(m.Bill, unit=unit.row, month=label, created_at=created,
                                     total_fen=0)
                lines = []
                for item in m.cash.FEE_ITEMS:
                    amount = rate_amount(quantities[item], rates[item])
                    lines.append(self.rows.add(
                        m.BillLine, bill=bill, item=item, quantity_centi=quantities[item],
                        rate_e4=rates[item], amount_fen=amount, paid_fen=0,
                    ))
                bill["total_fen"] = sum(line["amount_fen"] for line in lines)
                self.bills.append(_Bill(bill, unit, label, created, deadline, lines))

    # ---------------------------------------------------------------- tickets

    def caller(self, unit: _Unit | None) -> _Person | None:
        if unit is None or not unit.contacts:
            return None
        return self.rng.choice(unit.contacts[:3])

    def occupied_unit(self) -> _Unit:
        while True:
            unit = self.rng.choice(self.units)
            if unit.status != "vacant":
                return unit

    def text(self, kind: str, category: str, unit: _Unit | None) -> str:
        texts = self.texts["ticket"]
        options = (texts.get(f"{kind}.{category}") or texts.get(f"{kind}.other")
                   or ["{b}号楼 其他事项"])
        return self.fill(self.rng.choice(options), unit)

    def new_ticket(
        self, received: datetime, kind: str, category: str, channel: str, unit: _Unit | None,
        owner: int, text: str | None = None, validity: str | None = None,
        repair_class: str | None = None, person: _Person | None = None,
    ) -> _Ticket:
        rng = self.rng
        caller_name = ""
        if channel == "patrol":
            caller_name = rng.choice(self.patrol)  # a guard on patrol reported it
        elif person is None:
            person = self.caller(unit)
        values: dict[str, Any] = dict(
            received_at=received, channel=channel, unit=unit.row if unit else None,
            person=person.row if person else None,
            caller_name=person.name if person else caller_name,
            phone=person.phone if person else "", kind=kind, category=category,
            text=text or self.text(kind, category, unit), validity=validity,
            repair_class=repair_class, state="new", owner=owner,
            department=_DEPARTMENT.get(category, "office"), updated_at=received,
        )
        if channel == "forwarded":
            # KF-010 §4.1.1: the other department must hand it over within 2 hours.
            values["forwarded_from"] = rng.choice(("security", "cleaning", "engineering",
                                                   "parking"))
            late = rng.random() < 0.12
            values["forwarded_received_at"] = received - self.minutes(*((130, 260) if late
                                                                        else (10, 100)))
        row = self.rows.add(m.Ticket, order=received, **values)
        self.tickets.append(row)
        ticket = _Ticket(self, row)
        ticket.log(received, owner, "received", "")
        return ticket

    def build_tickets(self) -> None:
        rng = self.rng
        hours = ((8, 6), (9, 12), (10, 12), (11, 10), (12, 4), (13, 5), (14, 10), (15, 10),
                 (16, 9), (17, 5), (18, 5), (19, 4), (20, 3))
        for day in self.days():
            working = _is_working_day(day)
            count = rng.randint(5, 11) if working else rng.randint(1, 4)
            for _ in range(count):
                received = self.at(day, self.pick(hours), rng.randint(0, 59))
                if received >= self.now - timedelta(minutes=5):
                    continue
                self.random_ticket(received)

    def random_ticket(self, received: datetime) -> None:
        rng = self.rng
        kind = self.pick(_KIND_WEIGHTS)
        category = self.pick(_CATEGORIES[kind])
        channel = self.pick(_CHANNELS)
        if kind == "visit":
            channel = "walk_in"
        elif channel == "patrol" and kind not in ("repair", "complaint"):
            channel = "phone"
        # First-contact ownership (KF-006 §1): mostly the two clerks, now and then whoever
        # answered first.
        owner = self.pick(((self.clerks[0], 47), (self.clerks[1], 47), (self.supervisor, 4),
                           (self.cashier, 2)))
        unit = self.occupied_unit()
        old = (self.now - received) > timedelta(days=21)
        if kind == "repair":
            in_home = category in ("water", "electricity", "other")
            repair_class = "warranty" if rng.random() < 0.05 else (
                "paid" if in_home and rng.random() < 0.3 else "normal")
            ticket = self.new_ticket(received, kind, category, channel, unit, owner,
                                     repair_class=repair_class)
            if repair_class == "warranty":
                self.flow_warranty(ticket)
            else:
                self.flow_handled(
                    ticket, lead="engineering", in_home=in_home,
                    paid=repair_class == "paid",
                    dispatch_after=self.minutes(70, 150) if rng.random() < 0.07
                    else self.minutes(4, 45),
                    work=self.minutes(60, 480) if rng.random() < 0.7
                    else timedelta(hours=rng.randint(20, 120)),
                    fails=1 if rng.random() < 0.08 else 0,
                    hold=rng.random() < 0.03,
                    slip=not old and rng.random() < 0.04,
                )
        elif kind == "complaint":
            if category == "developer_quality":
                ticket = self.new_ticket(received, kind, category, channel, unit, owner,
                                         validity="invalid_developer")
                self.flow_developer(ticket)
            elif rng.random() < 0.15:
                ticket = self.new_ticket(received, kind, category, channel, unit, owner,
                                         validity="invalid_other")
                self.flow_explained(ticket)
            else:
                anonymous = category in ("noise", "security") and rng.random() < 0.15
                ticket = self.new_ticket(received, kind, category, channel,
                                         None if anonymous else unit, owner, validity="valid")
                coordinated = category in _SECOND and rng.random() < 0.12
                self.flow_handled(
                    ticket, lead=_DEPARTMENT[category],
                    second=_SECOND[category] if coordinated else None,
                    dispatch_after=self.minutes(70, 140) if rng.random() < 0.06
                    else self.minutes(5, 50),
                    work=self.minutes(60, 600) if rng.random() < 0.6
                    else timedelta(hours=rng.randint(20, 100)),
                    unsatisfied=rng.random() < 0.05,
                    hold=rng.random() < 0.02,
                    slip=not old and rng.random() < 0.04,
                )
        else:
            ticket = self.new_ticket(received, kind, category, channel, unit, owner)
            if kind == "suggestion" or (kind == "help" and category != "other"):
                self.flow_forwarded_on(ticket, _DEPARTMENT[category] if kind == "help"
                                       else "office")
            else:
                self.flow_answered(ticket)
        ticket.finish()

    # --- flows: each applies the steps whose time is before now, in order

    def flow_answered(self, t: _Ticket) -> None:
        """Inquiries, visits, simple help: answered at the counter and closed out."""
        done = t.received + self.minutes(3, 25)
        if self.past(done):
            t.close(done, t.owner, "当场答复")

    def flow_forwarded_on(self, t: _Ticket, department: str) -> None:
        """Suggestions to the office, help by security: dispatched, reported back, closed."""
        sent = t.received + self.minutes(5, 40)
        if not self.past(sent):
            return
        t.dispatch(sent, department, t.owner)
        done = sent + (self.minutes(20, 90) if t.row["kind"] == "help"
                       else timedelta(hours=self.rng.randint(4, 96)))
        if not self.past(done):
            return
        t.complete(done, department, self.rng.choice(self.texts["result"][department]))
        closed = self.next_office(done + self.minutes(10, 120))
        if self.past(closed):
            t.row["handling_ended_at"] = done
            t.close(closed, t.owner, "")

    def flow_explained(self, t: _Ticket) -> None:
        """KF-010 §4.4.2: an invalid complaint is explained within 2 hours; RULES v2 (§4.5):
        like every complaint the desk accepted, it is then called back within 3 days, and the
        callback closes it."""
        late = self.rng.random() < 0.05
        explained = t.received + self.minutes(*((130, 200) if late else (10, 100)))
        if not self.past(explained):
            return
        t.row["explained_at"] = explained
        t.row["handling_ended_at"] = explained
        t.state(explained, "callback", t.owner, "explained", "已向投诉人解释，不属管理处服务范围")
        cb = self.rows.add(m.Callback, kind="complaint", ticket=t.row, unit=t.row["unit"],
                           owner=t.owner, clock_started_at=explained, planned_method="phone")
        # The callback the next office morning (drawn from the draw that closed it in v1, so
        # the rest of the demo stays as it was).
        next_day = _add_working_days(self.local(explained).date(), 1)
        called = self.at(next_day, 9, 0) + self.minutes(1, 30)
        if self.past(called):
            self.rows.add(m.CallbackAttempt, callback=cb, at=called, staff=t.owner,
                          method="phone", reached=True, note="")
            cb["done_at"] = called
            cb["method"] = "phone"
            cb["satisfaction"] = "satisfied"
            cb["remarks"] = "住户表示理解"
            t.close(called + timedelta(minutes=2), t.owner, "")

    def flow_developer(
        self, t: _Ticket, form_at: datetime | None = None, reply: bool = True,
        callback_done: bool = True,
    ) -> None:
        """KF-010 §4.4.1: contact form to the developer within 1 working day, callback within 3."""
        rng = self.rng
        if form_at is None:
            form_at = self.office_after(t.received, 0 if rng.random() < 0.5 else
                                        1 if rng.random() < 0.85 else 2)
        if not self.past(form_at):
            return
        t.row["department"] = "developer"
        t.row["contact_form_sent_at"] = form_at
        self._contact_forms.append(t.row)
        t.dispatch(form_at, "developer", t.owner, step="contact_form")
        # KF-010 §4.4.1 (RULES v2): the 3 working days of the callback run from intake.
        cb = self.rows.add(m.Callback, kind="developer", ticket=t.row, unit=t.row["unit"],
                           owner=t.owner, clock_started_at=t.received, planned_method="phone")
        done = self.office_after(form_at, rng.choice((1, 1, 2, 3))) if callback_done else None
        if done is not None and self.past(done):
            self.callback_done(cb, done, t.owner, "phone", repair=False,
                               remark="已告知已发联系单给开发商，跟进中")
        if not reply:
            return
        answered = form_at + timedelta(days=rng.randint(5, 25), hours=rng.randint(0, 6))
        if not self.past(answered):
            return
        t.complete(answered, "developer", rng.choice(self.texts["result"]["developer"]))
        t.row["handling_ended_at"] = answered
        closed = self.office_after(answered, rng.choice((0, 1)))
        if self.past(closed):
            t.close(closed, t.owner, "开发商已处理，已告知业主")

    def flow_warranty(self, t: _Ticket) -> None:
        """KF-011: under warranty, engineering sends a contact form to the warranty contractor."""
        rng = self.rng
        sent = t.received + self.minutes(5, 45)
        if not self.past(sent):
            return
        t.dispatch(sent, "engineering", t.owner)
        form = sent + self.minutes(60, 300)
        if not self.past(form):
            return
        t.row["contact_form_sent_at"] = form
        self._contact_forms.append(t.row)
        # KF-011 (RULES v2): the engineering issue contact form to the warranty contractor
        # (numbered with the other forms by ``number_contact_forms``).
        t.state(form, "in_progress", t.owner, "warranty_form", "工程问题工作联系单 → 保修单位")
        done = form + timedelta(days=rng.randint(2, 10))
        if not self.past(done):
            return
        t.complete(done, "engineering", "保修单位已维修完毕")
        ended = self.next_office(done + self.minutes(10, 60))
        if not self.past(ended):
            return
        t.end_handling(ended)
        cb = self.rows.add(m.Callback, kind="repair", ticket=t.row, unit=t.row["unit"],
                           owner=t.owner, clock_started_at=ended, planned_method="phone")
        called = self.office_after(ended, rng.choice((0, 1, 2)))
        if self.past(called):
            self.callback_done(cb, called, t.owner, "phone", repair=True)
            t.close(called + self.minutes(1, 10), t.owner, "")

    def flow_handled(
        self, t: _Ticket, *, lead: str, second: str | None = None, in_home: bool = True,
        paid: bool = False, dispatch_after: timedelta | None, work: timedelta, fails: int = 0,
        unsatisfied: bool = False, hold: bool | str = False, slip: bool = False,
        escalation: str | None = None, reassign: bool = False,
        callback_at: datetime | None = None, returned_at: datetime | None = None,
        attempts: Iterable[datetime] = (),
    ) -> None:
        """A valid complaint or a repair: dispatch (KF-010 §4.1.2) → work → report → callback.

        Repairs get a work order; a failed inspection opens a rework (KF-011) and the loop
        runs again; an unsatisfied complainant gets a further reply (KF-012).
        """
        rng = self.rng
        if dispatch_after is None:
            return
        sent = t.received + dispatch_after
        if not self.past(sent):
            return
        t.dispatch(sent, lead, t.owner)
        if second:
            t.row["coordinated"] = True
            also = sent + self.minutes(5, 30)
            if self.past(also):
                t.log(also, self.supervisor, "coordinated", "主管协调，已通知主管")
                t.dispatch(also, second, self.supervisor, log=False)
        if reassign:
            moved = sent + self.minutes(30, 120)
            if self.past(moved):
                new_owner = self.clerks[0] if t.owner != self.clerks[0] else self.clerks[1]
                t.log(moved, self.supervisor, "reassigned", "原受理人休假，主管改派跟进")
                t.owner = new_owner
                t.row["owner"] = new_owner
        is_repair = t.row["kind"] == "repair"
        started = sent + self.minutes(10, 90)
        if not self.past(started):
            return
        work_order = None
        if is_repair:
            work_order = self.work_order(t.row, started, in_home, paid)
            t.state(started, "in_progress", t.owner, "work_order", work_order["technician"])
        else:
            t.state(started, "in_progress", t.owner, "in_progress", "")
        if escalation:
            self.escalate(t, started, escalation)
        rounds = 0
        while True:
            rounds += 1
            finish = started + work
            if hold:
                held = started + self.minutes(60, 240)
                if self.past(held):
                    reason = (hold if isinstance(hold, str)
                              else rng.choice(self.texts["hold"]["reasons"]))
                    resume = held + timedelta(days=rng.randint(1, 4)) if not isinstance(
                        hold, str) else None
                    row = self.rows.add(m.Hold, ticket=t.row, started_at=held, reason=reason,
                                        by=t.owner)
                    t.log(held, t.owner, "hold", reason)
                    if resume is None or not self.past(resume):
                        return
                    row["ended_at"] = resume
                    row["resumed_by"] = t.owner
                    t.log(resume, t.owner, "resumed", "")
                    finish = resume + work
                hold = False
            if returned_at is not None and rounds == 1:
                finish = returned_at - self.minutes(20, 60)
            if not self.past(finish):
                return
            # Work orders come back to the desk in office hours; security reports round the clock.
            report = (finish if lead == "security"
                      else self.next_office(finish + self.minutes(10, 90)))
            if returned_at is not None and rounds == 1:
                report = returned_at
            if not self.past(report):
                return
            if work_order is not None:
                work_order["completed_at"] = finish
                work_order["returned_at"] = report
                work_order["resident_signed"] = in_home
            result_department = lead if lead in self.texts["result"] else "office"
            t.complete(report, lead, rng.choice(self.texts["result"][result_department]))
            # The desk then tells the resident to inspect (repairs: the same or next morning).
            ended = (self.next_office(report + self.minutes(20, 240)) if is_repair
                     else report + self.minutes(5, 60))
            if not self.past(ended):
                return
            t.end_handling(ended)
            if is_repair:
                # KF-009 §3.1.1 / §3.1.2: every returned work order gets a callback,
                # ≥ 25 % of them in person.
                method = "in_person" if rng.random() < 0.3 else "phone"
                cb = self.rows.add(m.Callback, kind="repair", ticket=t.row, work_order=work_order,
                                   unit=t.row["unit"], owner=t.owner, clock_started_at=report,
                                   planned_method=method)
            else:
                method = "in_person" if rng.random() < 0.15 else "phone"
                cb = self.rows.add(m.Callback, kind="complaint", ticket=t.row, unit=t.row["unit"],
                                   owner=t.owner, clock_started_at=ended, planned_method=method)
            for tried in attempts:
                if self.past(tried):
                    self.rows.add(m.CallbackAttempt, callback=cb, at=tried, staff=t.owner,
                                  method="phone", reached=False,
                                  note=rng.choice(self.texts["callback"]["unreached"]))
            attempts = ()
            if slip:
                return
            if callback_at is not None:
                called = callback_at
            elif rng.random() < 0.08:
                called = self.office_after(ended, rng.randint(4, 6))  # late
            else:
                called = self.office_after(ended, self.pick(((0, 4), (1, 4), (2, 2))))
            if not self.past(called):
                return
            failed = fails > 0
            unhappy = unsatisfied and not is_repair
            self.callback_done(cb, called, t.owner, method, repair=is_repair,
                               poor=failed or unhappy)
            if failed:
                fails -= 1
                work_order["inspection"] = "fail"
                t.row["rework_count"] += 1
                t.row["handling_ended_at"] = None  # handling resumes; the log keeps the loop
                t.log(called + self.minutes(1, 5), t.owner, "inspected_fail", "验收不合格，返修")
                started = called + timedelta(hours=rng.randint(2, 20))
                if not self.past(started):
                    t.row["state"] = "in_progress"
                    return
                work_order = self.work_order(t.row, started, in_home, False, rework_of=work_order)
                t.state(started, "in_progress", t.owner, "rework", work_order["technician"])
                work = self.minutes(60, 300)
                continue
            if unhappy:
                unsatisfied = False
                t.row["handling_ended_at"] = None
                t.log(called + self.minutes(1, 5), t.owner, "unsatisfied",
                      "住户不满意，进一步解释处理")
                started = called + self.minutes(30, 240)
                if not self.past(started):
                    t.row["state"] = "in_progress"
                    return
                t.state(started, "in_progress", t.owner, "in_progress", "再次处理")
                work = self.minutes(120, 1440)
                continue
            if work_order is not None:
                work_order["inspection"] = "pass"
            t.close(called + self.minutes(1, 10), t.owner, "")
            return

    def escalate(self, t: _Ticket, started: datetime, level: str) -> None:
        """KF-010 §4.3.3: escalated → proposal by the supervisor → the manager's decision."""
        rng = self.rng
        up = started + self.minutes(30, 120)
        if not self.past(up):
            return
        t.row["escalation"] = "escalated"
        t.log(up, t.owner, "escalated", "首接人无法解决，升级主管")
        if level == "escalated":
            return
        proposed = self.office_after(up, 1 if level == "proposed" else 0)
        if not self.past(proposed):
            return
        t.row["escalation"] = "proposed"
        t.row["escalation_proposal"] = rng.choice(self.texts["escalation"]["proposal"])
        t.log(proposed, self.supervisor, "proposal", t.row["escalation_proposal"])
        if level == "proposed":
            return
        decided = self.office_after(proposed, 0)
        if self.past(decided):
            t.row["escalation"] = level
            t.log(decided, self.manager, level, "主任批准处理意见" if level == "approved"
                  else "主任驳回，请重新拟定")

    def work_order(self, ticket: _Row | None, opened: datetime, in_home: bool, paid: bool,
                   rework_of: _Row | None = None, fault_notice: _Row | None = None) -> _Row:
        return self.rows.add(
            m.WorkOrder, order=opened, ticket=ticket, fault_notice=fault_notice,
            department="engineering", technician=self.rng.choice(self.technicians),
            opened_at=opened, in_home=in_home, paid=paid,
            amount_fen=self.rng.choice(_PAID_REPAIR_FEN) if paid else 0, rework_of=rework_of,
        )

    def callback_done(self, cb: _Row, done: datetime, staff: int, method: str, *, repair: bool,
                      poor: bool = False, remark: str | None = None) -> None:
        """KF-009 §3.1.3: each answer recorded; §3.1.5 in person needs the resident's signature."""
        rng = self.rng
        if rng.random() < 0.18:
            tried = done - self.minutes(60, 240)
            if tried > cb["clock_started_at"]:
                self.rows.add(m.CallbackAttempt, callback=cb, at=tried, staff=staff,
                              method="phone", reached=False,
                              note=rng.choice(self.texts["callback"]["unreached"]))
        self.rows.add(m.CallbackAttempt, callback=cb, at=done, staff=staff, method=method,
                      reached=True, note="")
        grade = (("good", 80), ("fair", 16), ("poor", 4))
        cb["done_at"] = done
        cb["method"] = method
        cb["attitude"] = self.pick(grade)
        cb["satisfaction"] = "unsatisfied" if poor else "satisfied"
        cb["signed"] = method == "in_person"
        if repair:
            cb["quality"] = "poor" if poor else self.pick(grade)
            cb["charges"] = self.pick(grade)
            cb["procedure_followed"] = rng.random() < 0.95
        key = "poor" if poor else "good"
        cb["remarks"] = remark or rng.choice(self.texts["callback"][key])

    # --- the items that must be there at the default now (RULES §8 clocks)

    def build_showcase_tickets(self) -> None:
        clerk, clerk2 = self.clerks
        wd = {k: _add_working_days(self.today, k) for k in (-6, -5, -3, -2, -1)}
        showcase = self.by_code[_SHOWCASE_UNIT]
        # KF-010 §4.1.2: valid repairs/complaints of this morning not dispatched within 1 hour.
        t = self.new_ticket(self.now - timedelta(minutes=85), "repair", "water", "phone",
                            showcase, clerk, text="厨房下水道堵塞，已两天", repair_class="normal",
                            person=showcase.owner)
        t.finish()
        t = self.new_ticket(self.now - timedelta(minutes=70), "complaint", "noise", "walk_in",
                            self.occupied_unit(), clerk2,
                            text="楼上装修超时施工，早上七点就开始电钻", validity="valid")
        t.finish()
        # Due soon: 50 minutes of the hour gone.
        t = self.new_ticket(self.now - timedelta(minutes=50), "repair", "lift", "phone",
                            self.occupied_unit(), clerk, repair_class="normal")
        t.finish()
        t = self.new_ticket(self.now - timedelta(minutes=75), "repair", "electricity", "walk_in",
                            self.occupied_unit(), clerk2, repair_class="normal")
        self.flow_handled(t, lead="engineering", dispatch_after=timedelta(minutes=18),
                          work=timedelta(hours=3))
        t.finish()
        # A repair whose work order came back to the desk just now (state completed).
        t = self.new_ticket(self.at(wd[-1], 14, 20), "repair", "door_access", "phone",
                            self.occupied_unit(), clerk, repair_class="normal")
        self.flow_handled(t, lead="engineering", dispatch_after=timedelta(minutes=10),
                          work=timedelta(hours=2), in_home=False,
                          returned_at=self.now - timedelta(minutes=10))
        t.finish()
        # KF-010 §4.5: a complaint handled over the holiday whose 3-day callback has run out.
        received = self.at(self.today - timedelta(days=7), 20, 10)
        t = self.new_ticket(received, "complaint", "noise", "phone", self.occupied_unit(), clerk,
                            text="深夜有人在小区广场跳舞", validity="valid")
        self.flow_handled(t, lead="security", dispatch_after=timedelta(minutes=15),
                          work=self.at(self.today - timedelta(days=5), 19, 30) - received
                          - timedelta(minutes=15) - timedelta(minutes=40), slip=True)
        t.finish()
        # KF-009 §3.1.1: a repair callback 3 working days overdue, tried once without answer.
        received = self.at(wd[-6], 9, 10)
        t = self.new_ticket(received, "repair", "water", "phone", self.occupied_unit(), clerk2,
                            text="卫生间地漏返臭", repair_class="normal")
        self.flow_handled(t, lead="engineering", dispatch_after=timedelta(minutes=20),
                          work=timedelta(hours=4), returned_at=self.at(wd[-5], 15, 0),
                          slip=True, attempts=[self.at(wd[-3], 10, 5)])
        t.finish()
        # A repair callback due today.
        received = self.at(wd[-3], 9, 30)
        t = self.new_ticket(received, "repair", "electricity", "walk_in", self.occupied_unit(),
                            clerk, text="卫生间插座跳闸", repair_class="normal")
        self.flow_handled(t, lead="engineering", dispatch_after=timedelta(minutes=12),
                          work=timedelta(hours=3), returned_at=self.at(wd[-3], 16, 0), slip=True)
        t.finish()
        # RULES §8 example: developer complaint on the working day before the holiday, contact
        # form the first working day after; the callback runs 3 working days from the form.
        t = self.new_ticket(self.at(wd[-2], 10, 0), "complaint", "developer_quality", "walk_in",
                            self.occupied_unit(), clerk, text="外墙渗水，下雨时卧室墙面发霉",
                            validity="invalid_developer")
        self.flow_developer(t, form_at=self.at(wd[-1], 15, 0), reply=False, callback_done=False)
        t.finish()
        # A developer complaint whose contact form is due today.
        t = self.new_ticket(self.at(wd[-1], 11, 0), "complaint", "developer_quality", "phone",
                            self.occupied_unit(), clerk2, text="窗框与墙体之间渗水",
                            validity="invalid_developer")
        t.finish()
        # KF-009 §3.1.4 (RULES v2): "still leaking" after a repair, reported to engineering at
        # once; its supervisor has not arranged the rework and the special callback within 24 h
        # (due 10-09 08:50: overdue at the demo's now).
        repaired = [r for r in self.tickets if r["kind"] == "repair" and r["state"] == "closed"
                    and r["repair_class"] != "warranty"
                    and r["closed_at"] < self.at(wd[-2], 8, 0) and r["unit"] is not None]
        original = repaired[-1]
        first_wo = [w for w in self.rows.of(m.WorkOrder) if w["ticket"] is original][-1]
        unit = next(u for u in self.units if u.row is original["unit"])
        t = self.new_ticket(self.at(wd[-1], 8, 50), "complaint", original["category"], "phone",
                            unit, original["owner"], text="上次维修后问题依旧，又坏了",
                            validity="valid")
        t.row["defect_of"] = original
        t.dispatch(self.at(wd[-1], 9, 5), "engineering", t.owner)
        meant = self.rng.choice(self.technicians)  # the draw its v1 rework order took
        t.log(self.at(wd[-1], 9, 6), t.owner, "reported",
              f"已即时报告工程部主管（原维修 {first_wo['technician'] or meant}）")
        t.finish()
        # An older defect complaint: reworked within the day, special callback done.
        older = [r for r in repaired if r["closed_at"] < self.now - timedelta(days=30)]
        if older:
            original = older[len(older) // 2]
            first_wo = [w for w in self.rows.of(m.WorkOrder) if w["ticket"] is original][-1]
            unit = next(u for u in self.units if u.row is original["unit"])
            received = self.office_after(original["closed_at"], 3)
            t = self.new_ticket(received, "complaint", original["category"], "phone", unit,
                                original["owner"], text="维修后又出现同样问题", validity="valid")
            t.row["defect_of"] = original
            original["rework_count"] += 1
            t.dispatch(received + timedelta(minutes=12), "engineering", t.owner)
            opened = received + timedelta(hours=2)
            rework = self.work_order(t.row, opened, first_wo["in_home"], False, rework_of=first_wo)
            # KF-009 §3.1.4 (RULES v2): arranged by engineering's supervisor within 24 h.
            t.row["arranged_at"] = opened
            t.row["arranged_by"] = "工程部 陈主管"
            t.row["rework_at"] = opened + timedelta(hours=1)
            t.row["special_callback_at"] = self.at(
                _add_working_days(self.local(opened).date(), 1), 10, 0)
            t.state(opened, "in_progress", t.owner, "arranged",
                    f"工程部 陈主管: {rework['technician']}")
            done = opened + timedelta(hours=3)
            rework["completed_at"] = done
            rework["returned_at"] = self.next_office(done + timedelta(minutes=30))
            rework["resident_signed"] = True
            rework["inspection"] = "pass"
            t.complete(rework["returned_at"], "engineering", "已返修，试用正常")
            t.end_handling(rework["returned_at"] + timedelta(minutes=10))
            # The complaint's own callback after the rework (KF-010 §4.5), the special one.
            cb = self.rows.add(m.Callback, kind="complaint", ticket=t.row, work_order=rework,
                               unit=unit.row, owner=t.owner,
                               clock_started_at=rework["returned_at"], planned_method="in_person")
            called = self.office_after(rework["returned_at"], 1)
            self.callback_done(cb, called, t.owner, "in_person", repair=True)
            t.close(called + timedelta(minutes=5), t.owner, "")
            t.finish()
        # RULES §8 pauses: a repair on hold while the owner is away.
        t = self.new_ticket(self.at(wd[-3], 10, 0), "repair", "other", "phone",
                            self.occupied_unit(), clerk2, text="入户门锁芯卡住",
                            repair_class="paid")
        self.flow_handled(t, lead="engineering", paid=True, dispatch_after=timedelta(minutes=20),
                          work=timedelta(hours=3), hold="业主国庆外出，约定返回后上门")
        t.finish()
        # KF-010 §4.3.3 major complaints: one waiting for the manager, one just escalated, one
        # approved and closed, and a reassignment by the supervisor.
        t = self.new_ticket(self.at(wd[-2], 9, 20), "complaint", "lift", "walk_in",
                            self.occupied_unit(), clerk, text="3号楼电梯经常停运，维修太慢",
                            validity="valid")
        self.flow_handled(t, lead="engineering", second="office",
                          dispatch_after=timedelta(minutes=25), work=timedelta(days=10),
                          escalation="proposed")
        t.finish()
        t = self.new_ticket(self.at(wd[-1], 15, 40), "complaint", "staff_attitude", "walk_in",
                            self.occupied_unit(), clerk2, text="门岗保安态度生硬，出言不逊",
                            validity="valid")
        self.flow_handled(t, lead="office", dispatch_after=timedelta(minutes=20),
                          work=timedelta(days=5), escalation="escalated")
        t.finish()
        t = self.new_ticket(self.at(self.start + timedelta(days=20), 10, 15), "complaint",
                            "water", "phone", self.occupied_unit(), clerk,
                            text="停水没有提前通知", validity="valid")
        self.flow_handled(t, lead="engineering", second="office",
                          dispatch_after=timedelta(minutes=20), work=timedelta(hours=30),
                          escalation="approved", reassign=True)
        t.finish()

    def number_contact_forms(self) -> None:
        """工作联系单 numbers in the order the forms were sent."""
        forms = sorted(self._contact_forms, key=lambda r: (r["contact_form_sent_at"], r.seq))
        for i, row in enumerate(forms, 1):
            row["contact_form_no"] = f"LX-{self.local(row['contact_form_sent_at']).year}-{i:03d}"

    # ---------------------------------------------------------------- fault notices (KF-013)

    def build_fault_notices(self) -> None:
        yesterday = _add_working_days(self.today, -1)
        for day in self.days():
            working = _is_working_day(day)
            count = self.pick(((0, 3), (1, 4), (2, 2))) if working else self.pick(((0, 3), (1, 1)))
            for _ in range(count):
                self.fault_notice(day, collect=True)
        # Two from yesterday still waiting for engineering at 09:00 today (KF-013 §4.4).
        for hour in (14, 15):
            self.fault_notice(yesterday, collect=False, hour=hour, department="engineering")
        # One found this morning, handed in, to be classified at 17:30.
        found = self.now - timedelta(minutes=70)
        if self.local(found).date() == self.today:
            self.fault_notice(self.today, collect=False, found=found, department="engineering")

    def fault_notice(self, day: date, *, collect: bool, hour: int | None = None,
                     found: datetime | None = None, department: str | None = None) -> None:
        rng = self.rng
        if department is None:
            department = "cleaning" if rng.random() < 0.15 else "engineering"
        if found is None:
            found = self.at(day, hour if hour is not None else rng.randint(7, 15),
                            rng.randint(0, 59))
        if rng.random() < 0.7:
            by, by_department = rng.choice(self.patrol), "security"
        else:
            by, by_department = rng.choice(self.cleaners), "cleaning"
        close = self.at(day, 17, 30)  # KF-013 §4.2: handed in by 17:30, classified then
        received = min(found + self.minutes(20, 120), close - timedelta(minutes=5))
        if not self.past(received):
            return
        place, description = rng.choice(self.texts["fault"][department])
        unit = rng.choice(self.units)
        row = self.rows.add(
            m.FaultNotice, order=received, found_by=by, found_by_department=by_department,
            found_at=found, location=self.fill(place, unit), description=description,
            department=department, received_at=received, received_by=self.clerk(),
        )
        if not self.past(close):
            return
        row["classified_at"] = close
        if not collect:
            return
        next_day = _add_working_days(day, 1)
        late = rng.random() < 0.12
        collected = self.at(next_day, 8, 30) + self.minutes(*((35, 110) if late else (0, 28)))
        if not self.past(collected):
            return
        row["collected_at"] = collected
        row["collected_by"] = (self.engineering_head if department == "engineering"
                               else self.cleaning_head)
        order = None
        if department == "engineering":
            order = self.work_order(None, collected + self.minutes(10, 60), False, False,
                                    fault_notice=row)
        done = collected + timedelta(hours=rng.randint(1, 60))
        if not self.past(done):
            return
        row["completed_at"] = done
        back = self.next_office(done + self.minutes(20, 120))
        if not self.past(back):
            return
        row["closed_at"] = back
        if order is not None:
            order["completed_at"] = done
            order["returned_at"] = back

    # ---------------------------------------------------------------- registers (RULES §6)

    def build_registers(self) -> None:
        self.build_release_passes()
        self.build_parking()
        self.build_mail()
        self.build_loans()
        self.build_services()
        self.build_visits_and_activities()

    def build_release_passes(self) -> None:
        """KF-014: identity checked against the owner records; delegates bring a signed letter."""
        rng = self.rng
        items = self.texts["registers"]["release_items"]
        occupancies = self.rows.of(m.Occupancy)
        family = {}
        for occ in occupancies:
            if occ["role"] == "family" and occ.values.get("ended_on") is None:
                family.setdefault(id(occ["unit"]), []).append(occ)
        days = self.working_days()
        for i in range(26):
            if i < 2:
                kind = "delegate"
            else:
                kind = self.pick(_RELEASE_KINDS)
            day = days[-1] if i == 2 else rng.choice(days[:-1])
            issued = self.office_on(day)
            if issued >= self.now:
                issued = self.now - self.minutes(10, 40)
            if kind == "tenant":
                unit = rng.choice([u for u in self.units if u.status == "rented"])
            else:
                unit = rng.choice([u for u in self.units if u.status == "owner_occupied"])
            owner = unit.owner
            bearer, bearer_id, owner_signed, auth = owner.name, owner.id_number, False, None
            if kind in ("registered_family", "unregistered_family"):
                wanted = kind == "registered_family"
                match = [o for o in family.get(id(unit.row), []) if o["registered"] == wanted]
                person = next((p for p in unit.residents if match and p.row is match[0]["person"]),
                              None)
                if person is None or (self.today - person.born).days < 18 * 365:
                    kind = "owner"
                else:
                    bearer, bearer_id = person.name, person.id_number
                    owner_signed = not wanted
            elif kind == "tenant":
                bearer, bearer_id = unit.lead_occupant.name, unit.lead_occupant.id_number
                owner_signed = True
            elif kind in ("crew", "other", "delegate"):
                gender = rng.choice("MF")
                born = self.birth(1970, 1998)
                bearer = self.draw_name(gender, born.year)
                bearer_id = self.id_number(born, gender)
                owner_signed = kind != "delegate"
                if kind == "crew":
                    bearer = f"{bearer} (装修队负责人)"
            if kind == "delegate":
                # The owner phoned; the written authorisation names the delegate, time and items.
                auth = self.rows.add(
                    m.Authorisation, unit=unit.row, owner=owner.row, delegate_name=bearer,
                    delegate_id_number=bearer_id, moving_at=issued + self.minutes(10, 60),
                    items=rng.choice(items), signed=True,
                    received_at=issued - timedelta(days=rng.randint(1, 3)),
                    received_by=self.clerk(),
                )
            used = issued + self.minutes(10, 120)
            self.rows.add(
                m.ReleasePass, order=issued, unit=unit.row, bearer_name=bearer, bearer_kind=kind,
                bearer_id_number=bearer_id,
                items=auth["items"] if auth else rng.choice(items), owner_signed=owner_signed,
                authorisation=auth, security_signed=True, issued_at=issued,
                issued_by=self.clerk(), used_at=used if self.past(used) else None,
            )

    def plate(self) -> str:
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        prefix = self.names["community"]["plate_prefix"]
        while True:
            if self.rng.random() < 0.3:  # new-energy plates: D/F and five digits
                tail = self.rng.choice("DF") + f"{self.rng.randint(0, 99999):05d}"
            else:
                tail = self.rng.choice(letters) + "".join(
                    self.rng.choice(letters + "0123456789" * 3) for _ in range(4))
            plate = f"{prefix}·{tail}"
            if plate not in self._plates:
                self._plates.add(plate)
                return plate

    def build_parking(self) -> None:
        """KF-018: vehicle files and leases, with the 100-yuan IC card deposit."""
        rng = self.rng
        reg = self.texts["registers"]
        deposit = int(Decimal(self.settings.data["fees"]["parking_card_deposit"]) * 100)
        units = rng.sample([u for u in self.units if u.status != "vacant"], 70)
        self.new_leases: list[tuple[_Unit, _Row, datetime]] = []
        for i, unit in enumerate(units):
            driver = unit.contacts[0] if unit.contacts else unit.owner
            vehicle = self.rows.add(
                m.Vehicle, plate=self.plate(), model=rng.choice(reg["vehicle_models"]),
                colour=rng.choice(reg["colours"]), person=driver.row, unit=unit.row,
                drivers="、".join(p.name for p in unit.contacts[:2]),
            )
            underground = rng.random() < 0.75
            space = f"B1-{i + 1:03d}" if underground else f"P-{i + 1:03d}"
            if i < 3:  # new leases signed during the history, paid at the cashier
                starts = rng.choice(self.working_days()[5:-5])
            else:
                starts = self.start - timedelta(days=rng.randint(10, 700))
            ends = _plus_years(starts, 1) - timedelta(days=1)
            if i >= 6:
                while ends < self.today:
                    ends = _plus_years(ends, 1)
            elif i >= 3:  # lapsed recently and not renewed: the card should be stopped
                ends = self.today - timedelta(days=rng.randint(2, 20))
            lease = self.rows.add(
                m.ParkingLease, unit=unit.row, vehicle=vehicle, space=space, starts_on=starts,
                ends_on=ends, monthly_fen=30000 if underground else 15000,
                card_no=f"IC{rng.randint(0, 999999):06d}", deposit_fen=deposit,
                copy_to_security=i != 0,
                # KF-001 §9: the new leases pay by the quarter, the older ones by the month
                # (their rent before the history was collected outside kfdesk).
                rent_cycle="quarterly" if i < 3 else "monthly",
            )
            # Rows get ids in creation order, and the leases are the only ParkingLease rows:
            # the contract number is known now (the service writes it into the charges).
            lease_id = self.rows.count(m.ParkingLease)
            if i < 3:
                self.new_leases.append((unit, lease, self.office_on(starts), lease_id))
            else:
                lease["card_issued_at"] = self.at(starts, 10)  # KF-018 §4.4, long since
                lease["card_issued_by"] = self.cashier

    def build_mail(self) -> None:
        """KF-021: every item logged; registered items back to the postman after 6 days."""
        rng = self.rng
        limit = timedelta(days=self.settings.clocks["registered_mail_days"])
        kinds = (("parcel", 55), ("ordinary", 27), ("registered", 14), ("valuable", 4))
        returned_one = False
        for day in self.days():
            count = rng.randint(0, 3) if _is_working_day(day) else rng.randint(0, 1)
            for _ in range(count):
                unit = self.occupied_unit()
                self.mail_item(unit, self.pick(kinds), self.office_on(day), limit,
                               unreturned=not returned_one)
                if self.rows.of(m.MailItem)[-1].values.get("returned_at"):
                    returned_one = True
        # The one the rule engine must catch: a registered letter received during the holiday,
        # more than six days ago, neither collected nor returned.
        received = self.at(self.today - timedelta(days=8), 10, 30)
        self.mail_item(self.by_code[_SHOWCASE_UNIT], "registered", received, limit, keep=True)

    def mail_item(self, unit: _Unit, kind: str, received: datetime, limit: timedelta, *,
                  keep: bool = False, unreturned: bool = False) -> None:
        rng = self.rng
        if received >= self.now:
            return
        person = self.caller(unit) or unit.owner
        tracking = ""
        if kind in ("registered", "valuable"):
            tracking = f"X{rng.choice('ABEKLR')}{rng.randint(0, 999999999):09d}CN"
        elif kind == "parcel":
            tracking = f"SF{rng.randint(0, 10**13 - 1):013d}"
        notified = received + self.minutes(5, 40) if kind != "ordinary" else None
        row = self.rows.add(
            m.MailItem, unit=unit.row, recipient=person.name, kind=kind, tracking_no=tracking,
            received_at=received, received_by=self.clerk(),
            notified_at=notified if self.past(notified) else None,
        )
        if keep:
            return
        if kind == "registered" and unreturned and rng.random() < 0.1:
            back = self.office_after(received + limit, 0)
            if self.past(back):
                row["returned_at"] = back
                return
        delay = timedelta(hours=rng.randint(2, 110))
        collected = self.next_office(received + delay)
        if self.past(collected):
            row["collected_at"] = collected
            row["collected_by"] = (rng.choice(unit.contacts) if unit.contacts else person).name

    def build_loans(self) -> None:
        """KF-022: hand tools and umbrellas against a signed slip; a lost umbrella costs 20 yuan.

        Each loan names the item's tag (``T01``, ``U03``: kfdesk/data/lending.toml), as the
        lending register does: the first of its kind free at the time, so an item is out to
        one borrower at a time and the register's free items are the demo's too."""
        from .desk.lending import catalogue, word_key

        rng = self.rng
        self.lost_umbrella: tuple[_Unit, datetime] | None = None
        items = catalogue().items
        free_from: dict[str, datetime | None] = {}  # tag → back at the desk (None: never)

        def tag(row: _Row, kind: str, lent: datetime, back: datetime | None) -> None:
            word = word_key(row["item"])
            fits = [i.code for i in items
                    if i.kind == kind and (kind == "umbrella" or word in i.words)]
            free = [c for c in fits if c not in free_from
                    or (free_from[c] is not None and free_from[c] <= lent)]
            code = (free or fits)[0]
            row["item"] = code
            free_from[code] = back

        days = self.working_days()
        for day in days:
            if rng.random() > 0.45:
                continue
            umbrella = rng.random() < 0.55
            unit = self.occupied_unit()
            person = self.caller(unit) or unit.owner
            lent = self.office_on(day)
            if lent >= self.now:
                continue
            row = self.rows.add(
                m.Loan, item_kind="umbrella" if umbrella else "tool",
                item="雨伞" if umbrella else rng.choice(self.texts["registers"]["tools"]),
                unit=unit.row, borrower=person.name, lent_at=lent, lent_by=self.clerk(),
            )
            back = self.next_office(lent + timedelta(hours=rng.randint(1, 60)))
            if umbrella and self.lost_umbrella is None and lent < self.now - timedelta(days=30):
                row["lost"] = True  # reported lost; paid for (KF-022 price list)
                self.lost_umbrella = (unit, self.office_after(lent, 3))
                tag(row, "umbrella", lent, None)
            elif self.past(back):
                row["returned_at"] = back
                tag(row, row["item_kind"], lent, back)
            else:
                tag(row, row["item_kind"], lent, None)
        # Out now: an umbrella for three weeks, a spanner since yesterday.
        for kind, item, lent_day in (("umbrella", "雨伞", _add_working_days(self.today, -12)),
                                     ("tool", "扳手", _add_working_days(self.today, -1))):
            unit = self.occupied_unit()
            row = self.rows.add(m.Loan, item_kind=kind, item=item, unit=unit.row,
                                borrower=(self.caller(unit) or unit.owner).name,
                                lent_at=self.office_on(lent_day), lent_by=self.clerk())
            tag(row, kind, row["lent_at"], None)

    def price(self, code: str) -> int:
        """Price in ten-thousandths of a yuan from the KF-022 price list in settings."""
        for item in self.settings.data["services"]:
            if item["code"] == code:
                return int(Decimal(item["price"]) * 10_000)
        raise KeyError(code)

    def build_services(self) -> None:
        """KF-022 paid convenience services, quoted from the price list, tracked to close-out."""
        rng = self.rng
        self.paid_services: list[tuple[_Unit | None, _Row, datetime, str]] = []
        days = self.working_days()
        plan = (["cleaning"] * 5 + ["appliance_repair"] * 5 + ["housekeeping"] * 3
                + ["office"] * 6 + ["booking"] * 2)
        for kind in plan:
            unit = self.occupied_unit()
            person = self.caller(unit) or unit.owner
            requested = self.office_on(rng.choice(days[:-2]))
            values: dict[str, Any] = dict(unit=unit.row, kind=kind, requested_at=requested,
                                          taken_by=self.clerk(), contact_name=person.name,
                                          contact_phone=person.phone)
            if kind == "cleaning":
                if rng.random() < 0.5:
                    code, quantity = "floor_clean", unit.area
                    amount = rate_amount(quantity, self.price(code))
                else:
                    # KF-022 附表三 (RULES v2): by flat type, an agreed amount in its range.
                    code, quantity, amount = (
                        ("home_1r", 100, 35000) if unit.area < 6000 else
                        ("home_2r", 100, 48000) if unit.area < 9000 else
                        ("home_3r", 100, 60000) if unit.area < 15000 else
                        ("home_duplex", 100, 80000))
                values.update(price_code=code, quantity_centi=quantity, amount_fen=amount,
                              home_from="周末全天")
                done = self.office_after(requested, rng.randint(1, 3))
            elif kind == "housekeeping":
                hours = rng.randint(2, 4)
                values.update(price_code="housekeeping_single", quantity_centi=hours * 100,
                              amount_fen=rate_amount(hours * 100,
                                                     self.price("housekeeping_single")),
                              home_from="工作日 9:00 后")
                done = self.office_after(requested, 1)
            elif kind == "appliance_repair":
                # KF-022 §2.2: on site within 30 minutes, or tell the resident within 15 why not.
                accepted = requested + self.minutes(1, 4)
                # RULES v2: quoted from the repair price list, never typed.
                hood = rng.random() < 0.5
                values.update(price_code="hood_service" if hood else "appliance_fix",
                              amount_fen=5000 if hood else 3000, accepted_at=accepted,
                              note="抽油烟机不转" if hood else "洗衣机不排水")
                if rng.random() < 0.3:
                    values["told_at"] = accepted + self.minutes(5, 14)
                    values["agreed_at"] = accepted + self.minutes(60, 120)
                    values["on_site_at"] = values["agreed_at"] - self.minutes(0, 10)
                else:
                    values["on_site_at"] = accepted + self.minutes(10, 28)
                done = values["on_site_at"] + self.minutes(30, 90)
            elif kind == "office":
                code = rng.choice(("copy_a4", "copy_a4", "type_a4", "fax_local", "copy_a3"))
                pages = rng.randint(2, 30) if code.startswith("copy") else rng.randint(1, 4)
                values.update(price_code=code, quantity_centi=pages * 100,
                              amount_fen=rate_amount(pages * 100, self.price(code)))
                done = requested + self.minutes(5, 20)
            else:
                values.update(note="代订火车票 深圳北—长沙南 二等座 2 张，票款已预付")
                done = self.office_after(requested, 1)
            if self.past(done):
                values["done_at"] = done
                values["closed_at"] = done + self.minutes(5, 60)
            row = self.rows.add(m.ServiceOrder, **values)
            if values.get("amount_fen") and values.get("closed_at"):
                self.paid_services.append((unit, row, self.next_office(values["closed_at"]),
                                           kind))
        # Open now: an appliance repair accepted this morning (resident told of a later time)
        # and a cleaning job booked for the weekend.
        unit = self.occupied_unit()
        person = self.caller(unit) or unit.owner
        accepted = self.now - timedelta(minutes=22)
        self.rows.add(m.ServiceOrder, unit=unit.row, kind="appliance_repair",
                      requested_at=accepted - timedelta(minutes=2), taken_by=self.staff["clerk"],
                      contact_name=person.name, contact_phone=person.phone, accepted_at=accepted,
                      told_at=accepted + timedelta(minutes=12),
                      agreed_at=accepted + timedelta(minutes=50), note="热水器不点火",
                      price_code="appliance_fix", amount_fen=3000)
        unit = self.occupied_unit()
        person = self.caller(unit) or unit.owner
        requested = self.office_on(_add_working_days(self.today, -1))
        self.rows.add(m.ServiceOrder, unit=unit.row, kind="cleaning", price_code="home_2r",
                      amount_fen=50000, requested_at=requested, taken_by=self.staff["clerk2"],
                      contact_name=person.name, contact_phone=person.phone,
                      home_from="周六下午 2 点后")

    def build_visits_and_activities(self) -> None:
        """KF-009 §3.2 visits and §3.3 last year's survey; KF-019/020 activities."""
        complained = [r["unit"] for r in self.tickets if r["kind"] == "complaint"
                      and r["unit"] is not None]
        findings = self.texts["registers"]["visit_findings"]
        for i in range(6):
            unit_row = (complained[i * 7 % len(complained)] if i % 2 == 0
                        else self.occupied_unit().row)
            if i < 4:
                day = _add_working_days(self.today, -(8 + 6 * i))
                visited = self.office_on(day)
                self.rows.add(m.Visit, unit=unit_row, planned_for=day,
                              reason="complained" if i % 2 == 0 else "spread",
                              visited_at=visited, by=self.supervisor,
                              satisfaction=self.pick((("satisfied", 6), ("fair", 3),
                                                      ("unsatisfied", 1))),
                              findings=findings[i % len(findings)], to_manager=i == 0)
            else:
                self.rows.add(m.Visit, unit=unit_row, planned_for=_add_working_days(self.today, i),
                              reason="complained" if i % 2 == 0 else "spread")
        year = self.today.year - 1
        households = round(len(self.units) * self.settings.data["targets"]["survey_share_old"])
        # RULES v2 (KF-009 §3.3): the form approved by the quality department before it went
        # out, and the open letter approved by the general manager and posted within 2 weeks.
        self.rows.add(m.Survey, year=year, distributed_at=self.at(date(year, 12, 15), 9),
                      households=households, returned=round(households * 0.8),
                      collected_at=self.at(date(year, 12, 24), 16),
                      reported_at=self.at(date(year, 12, 26), 11),
                      form_approved_by="周丽",
                      form_approved_at=self.at(date(year, 12, 8), 15),
                      letter_approved_by="陈国强",
                      letter_approved_at=self.at(date(year, 12, 31), 10),
                      letter_posted_at=self.at(date(year + 1, 1, 4), 9),
                      letter_note="停车位紧张、电梯维保响应慢")
        held = self.today - timedelta(days=14)
        self.rows.add(m.Activity, title="社区中秋游园会", held_on=held,
                      plan_approved_at=self.at(held - timedelta(days=35), 10),
                      group_formed_at=self.at(held - timedelta(days=14), 15),
                      notice_posted_at=self.at(held - timedelta(days=12), 9),
                      archived_at=self.at(held + timedelta(days=4), 11),
                      summary="游园、猜灯谜、月饼DIY；业主反映良好，建议明年增加儿童项目。",
                      attendance=186)
        coming = self.today + timedelta(days=9)
        self.rows.add(m.Activity, title="重阳敬老茶话会", held_on=coming,
                      plan_approved_at=self.at(coming - timedelta(days=33), 10),
                      group_formed_at=self.office_on(_add_working_days(self.today, -2)),
                      notice_posted_at=self.office_on(_add_working_days(self.today, -1)))

    # ---------------------------------------------------------------- cash (KF-015, KF-016)

    def charge(
        self, unit: _Unit | None, kind: str, description: str, amount: int, created: datetime,
        *, with_bill_month: str = "", refundable: bool = False,
    ) -> _Charge:
        row = self.rows.add(m.Charge, unit=unit.row if unit else None, kind=kind,
                            description=description, amount_fen=amount, paid_fen=0,
                            created_at=created, created_by=self.cashier,
                            with_bill_month=with_bill_month, refundable=refundable)
        charge = _Charge(row, unit, created, with_bill_month)
        self.charges.append(charge)
        return charge

    def intent(self, at: datetime, unit: _Unit | None, mode: str, **extra: Any) -> _Intent | None:
        if at >= self.now:
            return None
        self._intent_seq += 1
        item = _Intent(at, self._intent_seq, unit, mode, **extra)
        self.intents.append(item)
        return item

    def build_charges(self) -> None:
        """One-off amounts (KF-015 §5, §6.2.1, KF-018, KF-022) and how they get paid."""
        rng = self.rng
        # Paid repairs: cash on the spot to the cashier, or settled with next month's bill.
        for order in self.rows.of(m.WorkOrder):
            if not order["paid"] or not order.values.get("returned_at"):
                continue
            ticket = order["ticket"]
            unit = next(u for u in self.units if u.row is ticket["unit"])
            returned = order["returned_at"]
            month = _label(*_month_add(self.local(returned).year, self.local(returned).month, 1))
            on_spot = rng.random() < 0.6
            charge = self.charge(unit, "paid_repair", f"有偿维修：{ticket['text'][:40]}",
                                 order["amount_fen"], returned,
                                 with_bill_month="" if on_spot else month)
            if on_spot:
                self.intent(self.next_office(returned + self.minutes(10, 90)), unit, "charges",
                            charges=[charge], method="cash")
        # Renovation sign-up (KF-015 §5): deposit and debris removal; one deposit refunded.
        vacant = [u for u in self.units if u.status == "vacant"]
        days = self.working_days()
        for i, unit in enumerate(rng.sample(vacant, 3)):
            signed = self.office_on(days[[3, len(days) // 2, -4][i]])
            deposit = self.charge(unit, "renovation_deposit", "装修押金", 200000, signed,
                                  refundable=True)
            fee = self.charge(unit, "renovation_fee", "装修垃圾清运费", 30000, signed)
            paid = self.intent(signed + self.minutes(5, 20), unit, "charges",
                               charges=[deposit, fee], payer=unit.owner.name)
            if i == 0 and paid is not None:
                refund_at = self.office_on(days[min(len(days) - 3, 3 + 40)])
                self.intent(refund_at, unit, "refund", charges=[deposit], method="transfer",
                            payer=unit.owner.name, amount=200000)
        # New parking leases: the IC card deposit and the first quarter's rent, as
        # leases.sign_lease raises them (same periods, amounts and texts; KF-018 §4.3,
        # KF-001 §9), and the card issued once both are paid (§4.4).
        deposit_fen = int(Decimal(self.settings.data["fees"]["parking_card_deposit"]) * 100)
        doc_lang = document_language(self.settings)
        for unit, lease, signed, lease_id in self.new_leases:
            ref = leases.lease_ref(lease_id)
            card = self.charge(unit, "parking_card_deposit",
                               t("lease.deposit_text", lang=doc_lang, space=lease["space"],
                                 card=lease["card_no"], ref=ref),
                               deposit_fen, signed, refundable=True)
            first = leases.rent_periods(lease["starts_on"], lease["ends_on"],
                                        lease["rent_cycle"], lease["monthly_fen"])[0]
            shown = SimpleNamespace(space=lease["space"], id=lease_id)
            rent = self.charge(unit, "parking_lease", leases.rent_text(shown, first, doc_lang),
                               first.amount_fen, signed,
                               with_bill_month=f"{first.start:%Y-%m}")
            self.rows.add(m.LeaseRent, lease=lease, period_start=first.start,
                          period_end=first.end, charge=rent.row)
            paid_at = signed + self.minutes(5, 15)
            if self.intent(paid_at, unit, "charges", charges=[card, rent]) is not None:
                lease["card_issued_at"] = paid_at + timedelta(minutes=3)
                lease["card_issued_by"] = self.cashier
        # Paid services and the lost umbrella, paid when done.
        names = {s["code"]: s["name_zh"] for s in self.settings.data["services"]}
        for unit, order, when, kind in self.paid_services:
            if not self.past(when):
                continue
            title = names.get(order.values.get("price_code", ""), _SERVICE_NAMES[kind])
            charge = self.charge(unit, "service", title, order["amount_fen"], when)
            self.intent(when, unit, "charges", charges=[charge])
        if self.lost_umbrella is not None:
            unit, when = self.lost_umbrella
            lost = int(Decimal(self.settings.data["fees"]["umbrella_lost"]) * 100)
            charge = self.charge(unit, "other", "借伞遗失赔偿 (KF-022)", lost, when)
            self.intent(when + self.minutes(1, 5), unit, "charges", charges=[charge], method="cash")

    def build_payment_intents(self) -> None:
        """Who pays which month when: most on time, ~8 % of units in arrears 1–3 months."""
        rng = self.rng
        billed = [u for u in self.units if u.status != "vacant" and u.code != _SHOWCASE_UNIT]
        rng.shuffle(billed)
        arrears: dict[str, int] = {_SHOWCASE_UNIT: 2}
        for i, unit in enumerate(billed[:23]):
            arrears[unit.code] = 1 if i < 12 else 2 if i < 19 else 3
        partial = {u.code for u in billed[:2]}
        late = {u.code: rng.randrange(3) for u in billed[23:35]}
        today_payers = {u.code for u in billed[35:39]}
        voids = {billed[40].code: "method", billed[41].code: "amount"}
        by_unit: dict[str, list[_Bill]] = {}
        for bill in self.bills:
            by_unit.setdefault(bill.unit.code, []).append(bill)
        for unit in self.units:
            bills = by_unit.get(unit.code, [])
            unpaid_from = len(bills) - arrears.get(unit.code, 0)
            for k, bill in enumerate(bills):
                payer = self.payer(unit)
                if k >= unpaid_from:
                    if unit.code in partial and k == unpaid_from:
                        when = self.office_on(_working_on_or_after(
                            bill.created_at.date() + timedelta(days=rng.randint(5, 12))))
                        self.intent(when, unit, "partial", amount=rng.choice((20000, 30000)),
                                    payer=payer, method="cash")
                    continue
                if late.get(unit.code) == k:
                    first = bill.deadline + timedelta(days=3)
                    last = min(bill.deadline + timedelta(days=25), self.today - timedelta(days=1))
                    choices = [d for d in self.working_days() if first <= d <= last]
                    day = rng.choice(choices) if choices else self.today
                elif (unit.code in today_payers and k == len(bills) - 1
                      and _is_working_day(self.today)):
                    day = self.today
                else:
                    day = _working_on_or_after(bill.created_at.date()
                                               + timedelta(days=rng.randint(0, 16)))
                when = self.office_on(day)
                if day == self.today:
                    when = self.now - self.minutes(3, 80)
                    if self.local(when).time() < time(8, 30):
                        continue
                self.intent(when, unit, "all", payer=payer,
                            void=voids.get(unit.code, "") if k == 1 else "")

    def payer(self, unit: _Unit) -> str:
        if unit.lead_occupant is not None and self.rng.random() < 0.4:
            return unit.lead_occupant.name
        return unit.owner.name

    def run_payments(self) -> None:
        """Payments in time order: allocations oldest first, one gapless receipt each (KF-015)."""
        rng = self.rng
        order = {item: i for i, item in enumerate(m.cash.FEE_ITEMS)}
        bills_of: dict[str, list[_Bill]] = {}
        for bill in self.bills:
            bills_of.setdefault(bill.unit.code, []).append(bill)
        self.series: dict[int, _Row] = {}
        # (receipt, payment, method, voided) in issue order, for the hand-overs.
        self.receipts: list[tuple[_Row, _Row | None, str, bool]] = []
        self.allocations_of: dict[int, list[tuple[datetime, _Bill, int]]] = {}
        # A heap, so the retaken payment after a void joins the queue at its own time and
        # receipt numbers follow issue times exactly.
        queue = [(i.at, i.seq, i) for i in self.intents]
        heapq.heapify(queue)
        while queue:
            _, _, item = heapq.heappop(queue)
            unit = item.unit
            method = item.method or (unit.method if unit and rng.random() < 0.8
                                     else self.pick(_METHODS))
            if item.mode == "refund":
                self.refund(item, method)
                continue
            targets: list[tuple[tuple[str, int, int], Any, int]] = []  # sort key, row, open fen
            if item.mode in ("all", "partial"):
                billed = [b for b in bills_of.get(unit.code, []) if b.created_at < item.at]
                last_month = max((b.month for b in billed), default="")
                for bill in billed:
                    for line in bill.lines:
                        left = line["amount_fen"] - line["paid_fen"]
                        if left:
                            targets.append(((bill.month, 0, order[line["item"]]), (bill, line),
                                            left))
                for charge in self.charges:
                    if (charge.unit is unit and charge.with_bill_month
                            and charge.with_bill_month <= last_month
                            and charge.created_at < item.at):
                        left = charge.row["amount_fen"] - charge.row["paid_fen"]
                        if left:
                            targets.append(((charge.with_bill_month, 1, charge.row.seq), charge,
                                            left))
            else:
                for charge in item.charges:
                    left = charge.row["amount_fen"] - charge.row["paid_fen"]
                    if left:
                        targets.append((("", 0, charge.row.seq), charge, left))
            targets.sort(key=lambda t: t[0])
            total = sum(left for _, _, left in targets)
            amount = min(total, item.amount) if item.mode == "partial" else total
            if amount <= 0:
                continue
            if item.void:
                self.voided_payment(item, unit, amount, method)
                self._intent_seq += 1
                retaken = _Intent(item.at + self.minutes(4, 15), self._intent_seq, unit, item.mode,
                                  amount=item.amount, charges=item.charges, method=method,
                                  payer=item.payer)
                heapq.heappush(queue, (retaken.at, retaken.seq, retaken))
                continue
            payment = self.payment(item, unit, amount, method)
            remaining = amount
            for _, target, left in targets:  # oldest first
                if remaining <= 0:
                    break
                part = min(left, remaining)
                remaining -= part
                if isinstance(target, _Charge):
                    self.rows.add(m.Allocation, payment=payment, charge=target.row, amount_fen=part)
                    target.row["paid_fen"] += part
                else:
                    bill, line = target
                    self.rows.add(m.Allocation, payment=payment, bill_line=line, amount_fen=part)
                    line["paid_fen"] += part
                    bill.paid_events.append((payment["taken_at"], part))
        for _year, row in sorted(self.series.items()):
            row["last_number"] = row.values["_count"]
            del row.values["_count"]

    def receipt(self, at: datetime, amount: int, payment: _Row | None = None,
                refund: _Row | None = None) -> _Row:
        year = self.local(at).year
        series = self.series.get(year)
        if series is None:
            series = self.rows.add(m.ReceiptSeries, code=str(year), last_number=0, _count=0)
            self.series[year] = series
        series.values["_count"] += 1
        return self.rows.add(m.Receipt, series=series, number=series.values["_count"],
                             issued_at=at, payment=payment, refund=refund, amount_fen=amount,
                             cashier=self.cashier, printed_count=1)

    def payment(self, item: _Intent, unit: _Unit | None, amount: int, method: str,
                at: datetime | None = None) -> _Row:
        rng = self.rng
        at = at or item.at
        values: dict[str, Any] = dict(unit=unit.row if unit else None,
                                      payer=item.payer or (unit.owner.name if unit else ""),
                                      taken_at=at, method=method, amount_fen=amount,
                                      cashier=self.cashier)
        if method == "cash":
            # Tendered in whole notes; change given back (UX cashier sketch).
            tendered = amount if rng.random() < 0.2 else -(-amount // 10000) * 10000
            if tendered == amount and amount % 100:
                tendered = -(-amount // 100) * 100
            values.update(tendered_fen=tendered, change_fen=tendered - amount)
        elif method == "transfer":
            serial = f"{self.local(at):%Y%m%d}-{rng.randint(0, 999999):06d}"
            values["reference"] = f"{rng.choice(_BANKS)}转账 {serial}"
        elif method == "card":
            values["reference"] = f"POS {rng.randint(0, 999999):06d}"
        row = self.rows.add(m.Payment, **values)
        self.receipts.append((self.receipt(at, amount, payment=row), row, method, False))
        return row

    def voided_payment(self, item: _Intent, unit: _Unit | None, amount: int, method: str) -> None:
        """A receipt issued wrong and voided by the supervisor; the payment is then taken again.

        The voided payment keeps its receipt number but is applied to nothing (no allocations).
        """
        wrong_method = "cash" if item.void == "method" and method != "cash" else method
        wrong_amount = amount + 9000 if item.void == "amount" else amount
        self.payment(item, unit, wrong_amount, wrong_method)
        receipt, payment, _, _ = self.receipts[-1]
        self.receipts[-1] = (receipt, payment, wrong_method, True)
        reason = ("收款方式录入错误，作废重开" if item.void == "method"
                  else "金额录入错误（多录 90 元），作废重开")
        self.rows.add(m.ReceiptVoid, receipt=receipt, at=item.at + self.minutes(1, 3),
                      by=self.supervisor, reason=reason)

    def refund(self, item: _Intent, method: str) -> None:
        """KF-015 §5: a deposit refund is its own record and its own (negative) receipt."""
        charge = item.charges[0]
        allocation = next((a for a in self.rows.of(m.Allocation) if a["charge"] is charge.row),
                          None)
        if allocation is None:
            return
        row = self.rows.add(m.Refund, charge=charge.row, payment=allocation["payment"],
                            amount_fen=item.amount, method=method, at=item.at, by=self.cashier,
                            reason="装修验收合格，退还装修押金")
        self.receipts.append((self.receipt(item.at, -item.amount, refund=row), None, method,
                              False))

    def build_dunning(self) -> None:
        """KF-016 催缴 ladder, step by step while the unit stays in arrears.

        A bill is due by the 25th of its month; a unit is "n months in arrears" when n bills are
        past due and not fully paid. Step 4 (second notice) needs ≥ 2 months (KF-016 §3.4).
        """
        by_unit: dict[str, list[_Bill]] = {}
        for bill in self.bills:
            by_unit.setdefault(bill.unit.code, []).append(bill)
        for unit in self.units:
            bills = by_unit.get(unit.code, [])
            if not bills:
                continue

            def owing(at: datetime, bills: list[_Bill] = bills) -> tuple[int, int]:
                months = amount = 0
                for bill in bills:
                    if self.at(bill.deadline, 17, 30) >= at:
                        continue
                    paid = sum(p for when, p in bill.paid_events if when < at)
                    if paid < bill.row["total_fen"]:
                        months += 1
                        amount += bill.row["total_fen"] - paid
                return months, amount

            first = next((b for b in bills if owing(self.at(b.deadline, 17, 31))[0]), None)
            if first is None:
                continue
            k = bills.index(first)
            steps = [
                (1, self.at(_add_working_days(first.deadline, 2), 10), self.cashier,
                 "银行代扣失败，银行已电话通知"),
                (2, self.at(_add_working_days(first.deadline, 5), 10), self.clerk(),
                 "已电话告知欠费项目、期间、金额及缴费期限"),
                (3, self.at(_add_working_days(first.deadline, 10), 14), self.cashier,
                 "第一次欠费通知单已投递信箱"),
            ]
            if k + 1 < len(bills):
                second = self.at(_add_working_days(bills[k + 1].deadline, 2), 15)
                steps.append((4, second, self.cashier, "第二次欠费通知单"))
                steps.append((5, self.at(_add_working_days(second.date(), 10), 15), self.clerk(),
                              "第三次通知已张贴于户门"))
            for step, at, by, note in steps:
                at = at + self.minutes(0, 50)
                if not self.past(at):
                    break
                months, amount = owing(at)
                if months == 0 or (step >= 4 and months < 2):
                    break
                self.rows.add(m.DunningStep, unit=unit.row, step=step, at=at, by=by,
                              amount_fen=amount, months=months,
                              pay_by=None if step == 1 else _add_working_days(at.date(), 7),
                              note=note)

    def build_hand_overs(self) -> None:
        """KF-015 §4.6 / KF-006 §6: when each past working day with receipts is handed over and
        confirmed; the count itself is made after the write by the hand-over service
        (``close_hand_overs``), so it holds exactly what the service counts — receipts, voids'
        reversals and parking settlements (RULES v2 §4). Today's takings are still open.

        The times come from the build's random stream as before, so the rest of the community
        does not move."""
        days = sorted({self.local(r[0]["issued_at"]).date() for r in self.receipts})
        past_days = [d for d in days if d < self.today]
        self.hand_over_times: dict[date, tuple[datetime, datetime]] = {}
        for day in past_days:
            closed = self.at(day, 17, 35) + self.minutes(0, 15)
            self.hand_over_times[day] = (closed, closed + self.minutes(5, 20))

    def close_hand_overs(self) -> None:
        """The cashier counts each past day through ``submit_hand_over`` and finance (出纳)
        confirms through ``confirm_hand_over`` (RULES v2 §4): the figures are the service's.
        A day the cashier took only parking cash is handed over too. One day a third of the way
        in was 10 yuan short, explained and confirmed; every other count is exact to the fen."""
        from .desk.hand_over import DENOMINATIONS, confirm_hand_over, expected, submit_hand_over

        cashier = m.Staff.get_by_id(self.cashier)
        finance = m.Staff.get_by_id(self.finance)
        settled = {self.local(p["settled_at"]).date() for p in self.rows.of(m.ParkingSettlement)}
        times = dict(self.hand_over_times)
        rng = random.Random(f"{self.seed}-hand-over")  # its own stream: nothing else moves
        for day in sorted(settled - set(times)):
            if day < self.today:
                closed = self.at(day, 17, 35) + timedelta(minutes=rng.randint(0, 15))
                times[day] = (closed, closed + timedelta(minutes=rng.randint(5, 20)))
        past = sorted(times)
        short_from = past[len(past) // 3] if past else None
        short_done = False
        for day in past:
            closed, confirmed = times[day]
            cash = expected(cashier, day, self.settings).cash_fen
            counted, reason = cash, ""
            if not short_done and short_from is not None and day >= short_from and cash >= 5000:
                counted, reason = cash - 1000, "找零失误，短款 10 元，已报主管"
                short_done = True
            notes, left = {}, counted
            for value in DENOMINATIONS:  # to the fen: 1-, 2- and 5-fen coins too
                if left >= value:
                    notes[value] = left // value
                    left %= value
            row = submit_hand_over(day, notes, reason, cashier, FixedClock(closed),
                                   self.settings)
            confirm_hand_over(row.id, finance, FixedClock(confirmed), self.settings)

    def build_parking_books(self) -> None:
        """KF-015 §6.1: fixed-value invoice books, one per denomination, settled half-monthly."""
        rng = self.rng
        base = 44_030_000
        periods = []
        y, mo = self.start.year, self.start.month
        while date(y, mo, 1) <= self.today:
            last = calendar.monthrange(y, mo)[1]
            periods.append((date(y, mo, 1), date(y, mo, 15)))
            periods.append((date(y, mo, 16), date(y, mo, last)))
            y, mo = _month_add(y, mo, 1)
        for n, attendant in enumerate(self.attendants):
            books: dict[int, _Row] = {}
            for denomination in (500, 1000):
                base += 1000
                books[denomination] = self.rows.add(
                    m.InvoiceBook, attendant=attendant, denomination_fen=denomination,
                    first_no=base + 1, last_no=base + 100, issued_at=self.at(self.start, 8, 30),
                    used_up_to=None,
                )
            for start, end in periods:
                due_day = _working_on_or_after(end + timedelta(days=1))
                settled = self.at(due_day, 9 + n, 0) + self.minutes(0, 50)
                if not self.past(settled):
                    break
                due = stubs = 0
                for denomination in (500, 1000):
                    book = books[denomination]
                    used = rng.randint(20, 45) if denomination == 500 else rng.randint(10, 30)
                    position = (book["used_up_to"] or book["first_no"] - 1) + used
                    book["used_up_to"] = position
                    due += used * denomination
                    stubs += used
                    if book["last_no"] - position < 45:
                        # Exchanged at the settlement: one book per denomination at a time.
                        book["returned_at"] = settled
                        base += 1000
                        books[denomination] = self.rows.add(
                            m.InvoiceBook, attendant=attendant, denomination_fen=denomination,
                            first_no=base + 1, last_no=base + 100,
                            issued_at=settled + timedelta(minutes=5), used_up_to=None,
                        )
                # Statements, invoices used and cash all agree in the demo's settlements.
                self.rows.add(m.ParkingSettlement, attendant=attendant, period_start=start,
                              period_end=end, due_fen=due, received_fen=due, stubs_cancelled=stubs,
                              invoices_fen=due, settled_at=settled, cashier=self.cashier)

    def build_vacant_checks(self) -> None:
        """空置房管理 (RULES §6): the vacant units checked now and then; two slipped past the
        office's interval (one is overdue at the default now), one check found a leak, two
        units were never checked. Its own random stream and the build's last step, so the
        rest of the community is the same as before these existed."""
        rng = random.Random(f"{self.seed}-vacant")
        interval = int(self.settings.get("clocks.vacant_check_days"))
        vacant = sorted((u for u in self.units if u.status == "vacant"), key=lambda u: u.code)
        for i, unit in enumerate(vacant[:-2]):
            ago = (interval + 5, interval - 1)[i] if i < 2 else rng.randint(2, interval - 8)
            day = min(_working_on_or_after(self.today - timedelta(days=ago)),
                      self.today - timedelta(days=1))
            at = self.at(day, rng.choice((9, 10, 14, 15)))
            leak = i == 2
            self.rows.add(m.VacantCheck, unit=unit.row, checked_at=at,
                          checked_by=rng.choice(self.clerks),
                          water=leak, leaks=leak, problem=leak,
                          note="卫生间顶棚有水渍，已告知业主" if leak else "")

    def build_filings(self) -> None:
        """Periodic duties done (KF-010 §4.6.1, KF-020 §4.2.1/§4.4.2, KF-019 survey).

        Filed on time for the past periods, except last month's supervisor report: at the
        default now (Fri 10-09) it is due soon — RULES v2, two working days after the desk's
        summary, which the National Day holiday moved to 10-08: due Sat 10-10 17:30.
        """
        clocks = self.settings.clocks
        this_month = (self.today.year, self.today.month)

        def file(duty: str, period: str, day: date, by: int, note: str = "") -> None:
            day = _working_on_or_after(day)
            at = self.office_on(day)
            if self.past(at):
                self.rows.add(m.ReportFiling, duty=duty, period=period, filed_at=at, by=by,
                              note=note)

        for k in range(-3, 1):
            y, mo = _month_add(*this_month, k)
            prev = _label(*_month_add(y, mo, -1))
            file("complaint_summary_desk", prev,
                 date(y, mo, clocks["complaint_summary_desk_day"]), self.clerk())
            if (y, mo) != this_month:
                file("complaint_summary_supervisor", prev,
                     date(y, mo, clocks["complaint_summary_supervisor_day"]) - timedelta(days=1),
                     self.supervisor)
                last = min(clocks["bulletin_day"], calendar.monthrange(y, mo)[1]) - 3
                file("bulletin", _label(y, mo), date(y, mo, last), self.clerk())
        # KF-020 §4.1.1 (RULES v2): each interest survey by the 10th, before the plan of the
        # 15th that is drawn from it (§4.2.1); filed in that order — the order the services
        # accept (``kfdesk.desk.activities``: no plan or adjustment before its survey, no
        # adjustment before its year's plan).
        year = self.today.year
        file("interest_survey", f"{year - 2}-12", date(year - 2, 12, 5), self.clerk())
        file("annual_plan", str(year - 1), date(year - 2, 12, 10), self.supervisor)
        for y in (year - 1, year):
            file("interest_survey", f"{y}-06", date(y, 6, 5), self.clerk())
            file("annual_adjustment", str(y), date(y, 6, 10), self.supervisor)
            file("interest_survey", f"{y}-12", date(y, 12, 5), self.clerk())
            if y + 1 <= year:
                file("annual_plan", str(y + 1), date(y, 12, 10), self.supervisor)


class _Ticket:
    """A ticket being played forward: its row, its log, its state changes."""

    def __init__(self, builder: _Builder, row: _Row) -> None:
        self.b = builder
        self.row = row
        self.owner: int = row["owner"]
        self.received: datetime = row["received_at"]
        self.last = self.received
        self.version = 1
        self.dispatches: list[_Row] = []

    def log(self, at: datetime, staff: int, step: str, note: str = "") -> None:
        self.b.rows.add(m.TicketLog, ticket=self.row, at=at, staff=staff, step=step, note=note)
        if at > self.last:
            self.last = at
        if step != "received":
            self.version += 1

    def state(self, at: datetime, state: str, staff: int, step: str, note: str = "") -> None:
        self.row["state"] = state
        self.log(at, staff, step, note)

    def dispatch(self, at: datetime, department: str, by: int, step: str = "dispatched",
                 log: bool = True) -> None:
        self.dispatches.append(self.b.rows.add(m.Dispatch, ticket=self.row, department=department,
                                               dispatched_at=at, by=by))
        if self.row.values.get("dispatched_at") is None:
            self.row["dispatched_at"] = at
        self.row["state"] = "dispatched" if self.row["state"] == "new" else self.row["state"]
        if log:
            self.log(at, by, step, department)
        elif at > self.last:
            self.last = at

    def complete(self, at: datetime, department: str, result: str) -> None:
        """The department reports the result to the desk (KF-008)."""
        for dispatch in self.dispatches:
            if dispatch.values.get("reported_at") is None:
                dispatch["reported_at"] = at
                dispatch["result"] = (result if dispatch["department"] == department
                                      else "已配合处理")
        self.row["completed_at"] = at
        self.state(at, "completed", self.owner, "completed", result)

    def end_handling(self, at: datetime) -> None:
        self.row["handling_ended_at"] = at
        self.state(at, "callback", self.owner, "handling_ended", "已通知住户验收，待回访")

    def close(self, at: datetime, staff: int, note: str) -> None:
        self.row["closed_at"] = at
        self.state(at, "closed", staff, "closed", note)

    def finish(self) -> None:
        self.row["updated_at"] = self.last
        self.row["version"] = self.version
