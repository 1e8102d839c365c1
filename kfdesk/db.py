"""Opening the store: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL, and migrations.

A database carries its schema version; opening one made by an earlier kfdesk runs the
forward migrations, one made by a newer kfdesk is refused, and a file that is not a kfdesk
database is refused without being touched.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import peewee as pw

from .clock import Clock
from .models import ALL_MODELS, SchemaVersion, database
from .storefile import SCHEMA_VERSION, StoreError, inspect_sqlite, is_url

# version → function bringing a database at version-1 to version. Each is written once,
# against the schema as it was, and never changed afterwards.


def _v2_deadlines(db: pw.Database) -> None:
    """v2: stored deadlines and report filings (the deadline engine, RULES §8)."""
    from .models import Deadline, ReportFiling

    db.create_tables([Deadline, ReportFiling])


def _v3_prices_and_origins(db: pw.Database) -> None:
    """v3: a paid repair's quoted price on its ticket (KF-015 §6.2.1); a service order's
    details (KF-022 bookings); a charge's origin (the work order or service order it bills).

    Plain ``ADD COLUMN`` with its default, which SQLite and PostgreSQL both do in place: the
    migrator's way (add nullable, fill, then NOT NULL) rebuilds the table on SQLite, and that
    fails on a store whose other tables point at it.
    """
    for sql in (
        "ALTER TABLE ticket ADD COLUMN quoted_fen INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE ticket ADD COLUMN price_code VARCHAR(24) NOT NULL DEFAULT ''",
        "ALTER TABLE service_order ADD COLUMN details TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE charge ADD COLUMN work_order_id INTEGER"
        " REFERENCES work_order (id) ON DELETE RESTRICT",
        "ALTER TABLE charge ADD COLUMN service_order_id INTEGER"
        " REFERENCES service_order (id) ON DELETE RESTRICT",
        'CREATE INDEX "charge_work_order_id" ON "charge" ("work_order_id")',
        'CREATE INDEX "charge_service_order_id" ON "charge" ("service_order_id")',
    ):
        db.execute_sql(sql)


def _v4_samples_and_surveys(db: pw.Database) -> None:
    """v4: a callback left out of the month's random sample (KF-009 §3.1.2), and the
    satisfaction survey's copies, one per household drawn (KF-009 §3.3).

    ``callback.sampled`` is added in place with its default (every existing callback stays
    owed, as it was); ``survey_copy`` is a new table.
    """
    from .models import SurveyCopy

    boolean = ("BOOLEAN NOT NULL DEFAULT TRUE" if isinstance(db, pw.PostgresqlDatabase)
               else "INTEGER NOT NULL DEFAULT 1")
    db.execute_sql(f"ALTER TABLE callback ADD COLUMN sampled {boolean}")
    db.create_tables([SurveyCopy])


def _v5_cashier_and_registers(db: pw.Database) -> None:
    """v5: the cashier's parking settlements and the counter's registers.

    - a parking settlement's invoices value, reason and the stubs it cancelled (KF-015 §6.1.2);
    - a release-pass authorisation's end of window, a crew pass's foreman signature or stamp
      (KF-014); a mail item's return reason, hold and note (KF-021);
    - a key movement's purpose; visitors, renovation permits and worker passes (KF-001);
    - an archived activity's summary and attendance (KF-020 §4.3.7).

    Plain ``ADD COLUMN`` with defaults, as in v3; the three new tables are created whole.
    """
    from .models import RenovationPermit, Visitor, WorkerPass

    pg = isinstance(db, pw.PostgresqlDatabase)
    timestamp = "TIMESTAMP" if pg else "DATETIME"
    false = "BOOLEAN NOT NULL DEFAULT FALSE" if pg else "INTEGER NOT NULL DEFAULT 0"
    for sql in (
        "ALTER TABLE parking_settlement ADD COLUMN invoices_fen BIGINT",
        "ALTER TABLE parking_settlement ADD COLUMN reason VARCHAR(128) NOT NULL DEFAULT ''",
        "ALTER TABLE parking_settlement ADD COLUMN used_stubs TEXT NOT NULL DEFAULT '[]'",
        f"ALTER TABLE authorisation ADD COLUMN moving_until {timestamp}",
        f"ALTER TABLE release_pass ADD COLUMN crew_signed {false}",
        "ALTER TABLE mail_item ADD COLUMN return_reason VARCHAR(12) NOT NULL DEFAULT ''",
        f"ALTER TABLE mail_item ADD COLUMN held_at {timestamp}",
        "ALTER TABLE mail_item ADD COLUMN note VARCHAR(128) NOT NULL DEFAULT ''",
        "ALTER TABLE key_movement ADD COLUMN purpose VARCHAR(64) NOT NULL DEFAULT ''",
        "ALTER TABLE activity ADD COLUMN summary TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE activity ADD COLUMN attendance INTEGER",
    ):
        db.execute_sql(sql)
    db.create_tables([Visitor, RenovationPermit, WorkerPass])


def _v6_vacant_checks(db: pw.Database) -> None:
    """v6: the checks of vacant units (空置房管理, RULES §6 / KF-001), one row per visit.

    A new table only, created whole with its (unit, checked_at) index — the same statements
    a new store runs, on SQLite and PostgreSQL alike; no existing table changes.
    """
    from .models import VacantCheck

    db.create_tables([VacantCheck])


def _v7_activity_cancel(db: pw.Database) -> None:
    """v7: an activity called off after its plan was approved keeps its record (KF-020):
    when and why."""
    timestamp = "TIMESTAMP" if isinstance(db, pw.PostgresqlDatabase) else "DATETIME"
    db.execute_sql(f"ALTER TABLE activity ADD COLUMN cancelled_at {timestamp}")
    db.execute_sql("ALTER TABLE activity ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT ''")


def _add_columns(db: pw.Database, table: str, columns: tuple[str, ...]) -> None:
    """``ALTER TABLE … ADD COLUMN`` for each ``"name TYPE …"`` the table lacks: from v8 on a
    step may meet a store whose version was set back (tests of an earlier step) and keeps its
    later columns, so a step adds only what is missing."""
    have = {c.name for c in db.get_columns(table)}
    for column in columns:
        if column.split()[0] not in have:
            db.execute_sql(f"ALTER TABLE {table} ADD COLUMN {column}")


def _v8_parking_rent(db: pw.Database) -> None:
    """v8: parking-space rent per lease period and the IC card's hand-over (KF-001 §9,
    KF-018 §4.3–4.4, RULES v2 item 10; issue 17).

    A lease's rent cycle (existing leases: monthly, the monthly fee they carry), when and by
    whom its card was issued (existing leases: NULL — issued before kfdesk recorded it), and
    the ``lease_rent`` table linking each period to its charge (columns by ``_add_columns``).
    """
    from .models import LeaseRent

    timestamp = "TIMESTAMP" if isinstance(db, pw.PostgresqlDatabase) else "DATETIME"
    _add_columns(db, "parking_lease", (
        "rent_cycle VARCHAR(10) NOT NULL DEFAULT 'monthly'",
        f"card_issued_at {timestamp}",
        "card_issued_by_id INTEGER REFERENCES staff (id) ON DELETE RESTRICT",
    ))
    db.execute_sql('CREATE INDEX IF NOT EXISTS "parking_lease_card_issued_by_id" '
                   'ON "parking_lease" ("card_issued_by_id")')
    db.create_tables([LeaseRent])


def _v9_hand_over_movements(db: pw.Database) -> None:
    """v9: every cash movement in exactly one hand-over (RULES v2 §4, KF-015 §4.6).

    - receipts, voids and parking settlements point at the hand-over their money went into
      (NULL: not yet counted), indexed as a new store has them;
    - a hand-over's 抹零 (rounding written off) and its reason.

    The old hand-overs each held their cashier's movements of their day up to the count; so
    a hand-over takes, in day order, the cashier's movements not yet in an earlier one made up
    to its count and within its day. What none took stays open for the next count. Figures
    that no longer match the stored count (money taken after a confirmation used to land in
    the closed day) then show as a stale count with its difference from the real figures.
    """
    from .config import SettingsError, default_settings, load_settings
    from .models import HandOver, ParkingSettlement, Receipt, ReceiptVoid
    from .views import day_bounds

    def has(table: str, column: str) -> bool:
        # A store copied or rebuilt half-way may have a column already: add only what lacks.
        return column in {c.name for c in db.get_columns(table)}

    for table in ("receipt", "receipt_void", "parking_settlement"):
        if not has(table, "hand_over_id"):
            db.execute_sql(f"ALTER TABLE {table} ADD COLUMN hand_over_id INTEGER "
                           "REFERENCES hand_over (id) ON DELETE RESTRICT")
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS {table}_hand_over_id "
                       f"ON {table} (hand_over_id)")
    if not has("hand_over", "rounding_fen"):
        db.execute_sql("ALTER TABLE hand_over ADD COLUMN rounding_fen BIGINT NOT NULL DEFAULT 0")
    if not has("hand_over", "rounding_reason"):
        db.execute_sql("ALTER TABLE hand_over ADD COLUMN rounding_reason VARCHAR(128) "
                       "NOT NULL DEFAULT ''")
    try:
        zone = load_settings().zone
    except SettingsError:
        zone = default_settings().zone
    # Only the columns this step knows: a later step may add more to hand_over.
    columns = (HandOver.id, HandOver.cashier, HandOver.day, HandOver.closed_at)
    for row in HandOver.select(*columns).order_by(HandOver.cashier, HandOver.day):
        until = min(row.closed_at, day_bounds(row.day, zone)[1])
        Receipt.update(hand_over=row.id).where(
            Receipt.hand_over.is_null() & (Receipt.cashier == row.cashier_id)
            & (Receipt.issued_at <= until)).execute()
        mine = Receipt.select(Receipt.id).where(Receipt.cashier == row.cashier_id)
        ReceiptVoid.update(hand_over=row.id).where(
            ReceiptVoid.hand_over.is_null() & ReceiptVoid.receipt.in_(mine)
            & (ReceiptVoid.at <= until)).execute()
        ParkingSettlement.update(hand_over=row.id).where(
            ParkingSettlement.hand_over.is_null() & (ParkingSettlement.cashier == row.cashier_id)
            & (ParkingSettlement.settled_at <= until)).execute()


def _v10_reading_outliers(db: pw.Database) -> None:
    """v10: the reason an implausible meter usage was confirmed for (issue 17). Plain
    ``ADD COLUMN`` with its default, as in v3: every existing reading has none."""
    _add_columns(db, "meter_reading", ("outlier_reason VARCHAR(128) NOT NULL DEFAULT ''",))


def _v11_ticket_fixes(db: pw.Database) -> None:
    """v11: putting wrong records right (KF-012 v2, issue 16): a ticket's void (when, why) and
    the instant a correction restarted its intake clocks; a service order's cancellation."""
    timestamp = "TIMESTAMP" if isinstance(db, pw.PostgresqlDatabase) else "DATETIME"
    _add_columns(db, "ticket", (f"voided_at {timestamp}", "void_reason TEXT NOT NULL DEFAULT ''",
                                f"clocks_from {timestamp}"))
    _add_columns(db, "service_order", (f"cancelled_at {timestamp}",
                                       "cancel_reason TEXT NOT NULL DEFAULT ''"))


def _v12_rulebook_v2(db: pw.Database) -> None:
    """v12: RULES version 2 (issue 18). Columns: the survey's approvals and open letter and
    its feedback forwarded (KF-009 §3.3), a service order's surcharge and engineering's
    arrival time (KF-022). Then the open
    deadlines of the clocks v2 changed are recomputed: fault notices sorted by 17:30 and
    collected the next calendar morning (KF-013 §4.2–4.4), the supervisor's monthly report
    after the desk's summary (KF-010 §4.6.1), meter readings owned by engineering (KF-015
    §4.2), the interest survey by the 10th (KF-020 §4.1.1), the appliance repair's 15-minute
    clock (KF-022 §2.2). Self-contained: ``ADD COLUMN``
    with defaults as in v3, then ``kfdesk.rules.sync.resync_rulebook_v2``, which reads only
    the columns it needs.
    """
    from .config import SettingsError, default_settings, load_settings
    from .rules.context import RuleContext
    from .rules.sync import resync_rulebook_v2

    timestamp = "TIMESTAMP" if isinstance(db, pw.PostgresqlDatabase) else "DATETIME"
    # v4 created survey_copy from the model as it stands, so a store upgraded from before
    # v4 has the new columns already: add only those missing.
    for table, column, kind in (
        ("survey", "form_approved_by", "VARCHAR(64) NOT NULL DEFAULT ''"),
        ("survey", "form_approved_at", timestamp),
        ("survey", "letter_approved_by", "VARCHAR(64) NOT NULL DEFAULT ''"),
        ("survey", "letter_approved_at", timestamp),
        ("survey", "letter_posted_at", timestamp),
        ("survey", "letter_waived_at", timestamp),
        ("survey", "letter_note", "TEXT NOT NULL DEFAULT ''"),
        ("survey_copy", "forwarded_to", "VARCHAR(16) NOT NULL DEFAULT ''"),
        ("survey_copy", "forwarded_at", timestamp),
        ("service_order", "surcharge_pct", "INTEGER NOT NULL DEFAULT 0"),
        ("service_order", "arrival_at", timestamp),
        ("service_order", "arrival_known_at", timestamp),
    ):
        if column not in {c.name for c in db.get_columns(table)}:
            db.execute_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    try:  # the office's own limits, as the counter will read them
        settings = load_settings()
    except SettingsError:
        settings = default_settings()
    resync_rulebook_v2(RuleContext.from_store(settings))


def _v13_rulebook_v2_tickets(db: pw.Database) -> None:
    """v13: RULES version 2 on tickets (issue 18, items 1, 2, 6). Columns: a defect
    complaint's arrangement by the engineering supervisor — when, by whom, the rework's and
    the special callback's times (KF-009 §3.1.4). Then ``resync_rulebook_v2_tickets``: the
    developer callback from intake (KF-010 §4.4.1), the callback owed by an explained invalid
    complaint (KF-010 §4.5), and the defect clock as 24 hours to arrange. Self-contained (the
    lead may renumber it): ``_add_columns`` adds only what is missing."""
    from .config import SettingsError, default_settings, load_settings
    from .rules.context import RuleContext
    from .rules.sync import resync_rulebook_v2_tickets

    timestamp = "TIMESTAMP" if isinstance(db, pw.PostgresqlDatabase) else "DATETIME"
    _add_columns(db, "ticket", (f"arranged_at {timestamp}",
                                "arranged_by VARCHAR(64) NOT NULL DEFAULT ''",
                                f"rework_at {timestamp}", f"special_callback_at {timestamp}"))
    try:  # the office's own limits, as the counter will read them
        settings = load_settings()
    except SettingsError:
        settings = default_settings()
    resync_rulebook_v2_tickets(RuleContext.from_store(settings))


def _v14_refusals(db: pw.Database) -> None:
    """v14: the refusals of role-restricted actions (issue 19), one row each. A new table
    only, created whole with its indexes, as a new store does (self-contained, like v6)."""
    from .models import Refusal

    db.create_tables([Refusal])


def _v15_sign_in_lockout(db: pw.Database) -> None:
    """v15: a login locked after repeated wrong PINs (issue 19): the count of wrong PINs in the
    current window, when that window began, and until when the login is locked. Existing staff
    start with none; plain ``ADD COLUMN`` with defaults by ``_add_columns``."""
    timestamp = "TIMESTAMP" if isinstance(db, pw.PostgresqlDatabase) else "DATETIME"
    _add_columns(db, "staff", ("failed_pins INTEGER NOT NULL DEFAULT 0",
                               f"failed_since {timestamp}", f"locked_until {timestamp}"))


MIGRATIONS: dict[int, Callable[[pw.Database], None]] = {
    2: _v2_deadlines,
    3: _v3_prices_and_origins,
    4: _v4_samples_and_surveys,
    5: _v5_cashier_and_registers,
    6: _v6_vacant_checks,
    7: _v7_activity_cancel,
    8: _v8_parking_rent,
    9: _v9_hand_over_movements,
    10: _v10_reading_outliers,
    11: _v11_ticket_fixes,
    12: _v12_rulebook_v2,
    13: _v13_rulebook_v2_tickets,
    14: _v14_refusals,
    15: _v15_sign_in_lockout,
}


def make_database(target: str, busy_timeout_ms: int = 5000) -> pw.Database:
    """A Peewee database for a path (SQLite) or a ``postgresql://`` URL, not yet connected."""
    if is_url(target):
        from playhouse.db_url import connect

        return connect(target.replace("postgres://", "postgresql://", 1))
    return pw.SqliteDatabase(
        target,
        timeout=busy_timeout_ms / 1000,
        pragmas={
            "journal_mode": "wal",  # several counters on one machine read while one writes
            "foreign_keys": 1,
            "busy_timeout": busy_timeout_ms,
            "synchronous": "full",  # money: a confirmed write survives a power cut
        },
    )


def _schema_version() -> int | None:
    db = database.obj
    if not db.table_exists("schema_version"):
        return None
    row = SchemaVersion.select().first()
    return row.version if row else None


def migrate(clock: Clock) -> int:
    """Create a new schema or bring an old one forward; returns the version now in force."""
    version = _schema_version()
    db = database.obj
    if version is None:
        with db.atomic():
            if any(db.table_exists(m._meta.table_name) for m in ALL_MODELS):
                raise StoreError("store.not_kfdesk", path=str(db.database))
            db.create_tables(ALL_MODELS)
            SchemaVersion.create(version=SCHEMA_VERSION, migrated_at=clock.now())
        return SCHEMA_VERSION
    if version > SCHEMA_VERSION:
        raise StoreError(
            "store.too_new", path=str(db.database), found=version, known=SCHEMA_VERSION
        )
    while version < SCHEMA_VERSION:
        step = MIGRATIONS[version + 1]
        with db.atomic():
            step(db)
            version += 1
            SchemaVersion.update(version=version, migrated_at=clock.now()).execute()
    return version


def open_store(
    target: str, clock: Clock, *, create: bool = True, busy_timeout_ms: int = 5000
) -> pw.Database:
    """Open (and create or migrate) the store at ``target``; binds the models to it.

    Checks an existing SQLite file read-only first, so a foreign or newer file is untouched.
    """
    if not is_url(target):
        path = Path(target)
        if path.exists():
            found = inspect_sqlite(path)
            if found is None and not create:
                # Issue 19: an empty file (0 bytes: a failed copy, a touch) where a store was
                # expected is not silently made into a new, empty office.
                raise StoreError("store.empty", path=str(path))
            if found is not None and found > SCHEMA_VERSION:
                raise StoreError("store.too_new", path=str(path), found=found, known=SCHEMA_VERSION)
        elif not create:
            raise StoreError("store.missing", path=str(path))
        else:
            try:
                # Residents' phones, ID numbers and PIN hashes: the owner only (issue 19),
                # a folder kfdesk makes 0700, the file 0600 — SQLite gives its -wal and
                # -shm files the database file's mode.
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except OSError as exc:
                raise StoreError("store.unreadable", path=str(path), reason=exc.strerror)
    db = make_database(target, busy_timeout_ms)
    # The clock a refusal is audited at when the refusing service was not handed one
    # (kfdesk.desk.base.require_role, issue 19).
    db.kfdesk_clock = clock
    database.initialize(db)
    try:
        db.connect(reuse_if_open=True)
    except (pw.OperationalError, pw.DatabaseError) as exc:
        raise StoreError("store.unreadable", path=target, reason=str(exc))
    migrate(clock)
    return db


def is_empty() -> bool:
    """True when the store holds nothing yet: no units, no staff."""
    from .models import Staff, Unit

    return not Unit.select().exists() and not Staff.select().exists()


def close_store() -> None:
    db = database.obj
    if db is not None and not db.is_closed():
        db.close()
