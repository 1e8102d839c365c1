"""Checks of vacant units (空置房管理, RULES §6 / KF-001; keys RULES §5): only a vacant unit is
checked, every check is audited, the next one falls due ``clocks.vacant_check_days`` after
the last (due soon after ``clocks.warn_share`` of it, overdue the day after), a unit never
checked counts from when kfdesk first saw it vacant, the deadline engine says the same as the
register, and a problem found can raise a repair ticket linked to the check.
The desk records checks; security (read-only) and the cashier are refused.
"""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from refusals import refused

from kfdesk.clock import FixedClock
from kfdesk.config import Settings, default_settings
from kfdesk.db import SCHEMA_VERSION, close_store, open_store
from kfdesk.desk import keys, vacant
from kfdesk.desk.base import DeskError
from kfdesk.models import (
    AuditEvent,
    Building,
    Deadline,
    Key,
    SchemaVersion,
    Ticket,
    Unit,
    VacantCheck,
    database,
)
from kfdesk.rules import RuleContext
from kfdesk.rules.sync import reconcile_vacant_units
from kfdesk.views.vacant import due_state, unit_checks, vacant_units

UNIT = "3-1-502"  # the office fixture's unit, made vacant here
TODAY = date(2026, 10, 9)  # the fixed clock's office day (conftest DEMO_NOW, 10:00)


@pytest.fixture
def settings() -> Settings:
    return default_settings()


def _vacant(code: str = UNIT) -> Unit:
    # Set up directly: the unit's status is the residents service's business, not this one's.
    Unit.update(status="vacant").where(Unit.code == code).execute()
    return Unit.get(Unit.code == code)


def _another_vacant_unit(code: str = "3-1-601") -> Unit:
    building = Building.get(Building.number == "3")
    return Unit.create(building=building, entrance=1, floor=6, room=code.rsplit("-", 1)[1],
                       code=code, area_centi_m2=8912, status="vacant")


def _refused(call) -> DeskError:  # noqa: ANN001 - a zero-argument call
    return refused(call, VacantCheck, Ticket, AuditEvent)


def _rows(clock: FixedClock, settings: Settings, **kw):  # noqa: ANN003, ANN202
    return vacant_units(clock.now(), settings.zone, vacant.check_days(settings),
                        vacant.warn_share(settings), **kw)


# ---- what is refused ----------------------------------------------------------------------


def test_a_unit_that_is_not_vacant_is_refused(office: dict, clock: FixedClock,
                                              settings: Settings) -> None:
    """RULES §6: vacant-unit management — an occupied unit has no vacant check."""
    err = _refused(lambda: vacant.record_check(UNIT, [], "", office["clerk"], clock, settings))
    assert err.key == "vacant.not_vacant" and err.field == "unit"
    assert "业主自住" in err.message("zh") and UNIT in err.message("zh")
    assert "Owner-occupied" in err.message("en")
    unknown = _refused(lambda: vacant.record_check("9-9-999", [], "", office["clerk"], clock,
                                                   settings))
    assert unknown.key == "register.unknown_unit"


@pytest.mark.parametrize("login", ["guard", "cashier"])
def test_security_and_the_cashier_may_not_record_a_check(office: dict, clock: FixedClock,
                                                         settings: Settings,
                                                         login: str) -> None:
    """The guard's account is read-only (README); keys and checks are the desk's."""
    _vacant()
    err = _refused(lambda: vacant.record_check(UNIT, ["water"], "", office[login], clock,
                                               settings, raise_ticket=True))
    assert err.key == "auth.not_allowed"
    text = err.message("zh")
    assert "登记空置房检查" in text and "action." not in text


@pytest.mark.parametrize("login", ["clerk2", "super", "manager"])
def test_the_desk_records_checks(office: dict, clock: FixedClock, settings: Settings,
                                 login: str) -> None:
    _vacant()
    check = vacant.record_check(UNIT, [], "", office[login], clock, settings)
    assert check.checked_by.login == login


def test_bad_findings_a_future_time_and_a_ticket_for_nothing_are_refused(
        office: dict, clock: FixedClock, settings: Settings) -> None:
    _vacant()
    clerk = office["clerk"]
    cases = [
        (lambda: vacant.record_check(UNIT, ["roof"], "", clerk, clock, settings),
         "vacant.bad_item"),
        (lambda: vacant.record_check(UNIT, "water", "", clerk, clock, settings),  # type: ignore[arg-type]
         "vacant.bad_findings"),
        (lambda: vacant.record_check(UNIT, [], "x" * (vacant.NOTE_MAX + 1), clerk, clock,
                                     settings), "register.too_long"),
        (lambda: vacant.record_check(UNIT, [], "", clerk, clock, settings,
                                     checked_at=clock.now() + timedelta(minutes=5)),
         "vacant.future"),
        (lambda: vacant.record_check(UNIT, [], "", clerk, clock, settings, raise_ticket=True),
         "vacant.ticket_without_problem"),
    ]
    for call, key in cases:
        assert _refused(call).key == key


def test_only_a_key_of_the_unit_still_held_may_be_named(office: dict, clock: FixedClock,
                                                        settings: Settings) -> None:
    """RULES §5: the key used is one the desk keeps for this unit."""
    _vacant()
    other = _another_vacant_unit()
    clerk = office["clerk"]
    theirs = keys.take_in(other.code, "入户门钥匙 1 把", "vacant", "业主", clerk, clock,
                          settings)
    ours = keys.take_in(UNIT, "入户门钥匙 2 把", "vacant", "王建国", clerk, clock, settings)
    err = _refused(lambda: vacant.record_check(UNIT, [], "", clerk, clock, settings,
                                               key=theirs.id))
    assert err.key == "vacant.key_not_of_unit" and err.field == "key"
    assert _refused(lambda: vacant.record_check(UNIT, [], "", clerk, clock, settings,
                                                key=99999)).key == "vacant.unknown_key"
    keys.return_to_owner(ours.id, "王建国", clerk, clock, settings)
    assert _refused(lambda: vacant.record_check(UNIT, [], "", clerk, clock, settings,
                                                key=ours.id)).key == "vacant.key_not_held"


# ---- what is recorded ---------------------------------------------------------------------


def test_a_check_is_recorded_with_its_audit_event(office: dict, clock: FixedClock,
                                                  settings: Settings) -> None:
    _vacant()
    clerk = office["clerk"]
    key = keys.take_in(UNIT, "入户门钥匙 2 把", "vacant", "王建国", clerk, clock, settings)
    clock.advance(timedelta(hours=2))
    visited = clock.now() - timedelta(minutes=40)  # recorded at the desk after the visit
    check = vacant.record_check(UNIT, ["leaks", "water"], "  卫生间顶棚有水渍  ", clerk, clock,
                                settings, key=key.id, checked_at=visited)
    saved = VacantCheck.get_by_id(check.id)
    assert (saved.unit.code, saved.checked_at, saved.checked_by.login) == (UNIT, visited, "clerk")
    assert saved.key_used_id == key.id and saved.ticket_id is None
    assert (saved.water, saved.leaks, saved.doors_windows, saved.power_gas,
            saved.cleanliness) == (True, True, False, False, False)
    assert saved.problem and saved.note == "卫生间顶棚有水渍"
    event = AuditEvent.get(AuditEvent.action == "vacant.check")
    assert (event.actor.login, event.record_type, event.record_id) == ("clerk", "VacantCheck",
                                                                     check.id)
    detail = json.loads(event.detail)
    assert detail["unit"] == UNIT and detail["findings"] == ["water", "leaks"]  # item order
    assert detail["key"] == keys.key_ref(key.id) and detail["problem"] is True
    history = unit_checks(UNIT, settings.zone)
    assert [(h.checked_by, h.findings, h.key_ref, h.note) for h in history] == [
        ("张敏", ("water", "leaks"), keys.key_ref(key.id), "卫生间顶棚有水渍")]
    assert history[0].checked_at.strftime("%m-%d %H:%M") == "10-09 11:20"  # office time


def test_all_well_is_no_problem(office: dict, clock: FixedClock, settings: Settings) -> None:
    _vacant()
    check = vacant.record_check(UNIT, [], "", office["clerk"], clock, settings)
    assert not check.problem and not VacantCheck.select().where(VacantCheck.problem).exists()
    assert json.loads(AuditEvent.get(AuditEvent.action == "vacant.check").detail)[
        "findings"] == []


def test_a_problem_raises_a_linked_repair_ticket(office: dict, clock: FixedClock,
                                                 settings: Settings) -> None:
    """The ticket goes through intake (F2's service): its number, clocks and audit event."""
    _vacant()
    check = vacant.record_check(UNIT, ["leaks", "cleanliness"], "主卧顶棚渗水",
                                office["clerk"], clock, settings, raise_ticket=True)
    ticket = Ticket.get_by_id(check.ticket_id)
    assert (ticket.kind, ticket.channel, ticket.repair_class, ticket.state) == (
        "repair", "patrol", "normal", "new")
    assert ticket.category == "water"  # leaks: the first faulty item decides
    assert ticket.unit.code == UNIT and ticket.owner.login == "clerk"
    assert UNIT in ticket.text and "墙面顶棚渗漏" in ticket.text and "主卧顶棚渗水" in ticket.text
    # KF-010 §4.1.2: intake started the 1-hour dispatch clock of the repair.
    assert Deadline.select().where(Deadline.item_id == ticket.id,
                                   Deadline.clock == "dispatch").exists()
    actions = {e.action for e in AuditEvent.select()}
    assert {"ticket.take", "vacant.check"} <= actions
    detail = json.loads(AuditEvent.get(AuditEvent.action == "vacant.check").detail)
    assert detail["ticket"] == ticket.number
    assert unit_checks(UNIT, settings.zone)[0].ticket == ticket.number
    row = _rows(clock, settings)[0]
    assert row.last_ticket == ticket.number and row.last_problem


# ---- when the next check is due -----------------------------------------------------------


@pytest.mark.parametrize(("today", "state", "days"), [
    (date(2026, 10, 9), "ok", 30),  # checked today
    (date(2026, 10, 31), "ok", 8),  # day 22: 22 < 0.75 × 30
    (date(2026, 11, 1), "due_soon", 7),  # day 23: 75 % of the interval has passed
    (date(2026, 11, 8), "due_soon", 0),  # day 30: due today
    (date(2026, 11, 9), "overdue", 1),  # the day after
    (date(2026, 12, 9), "overdue", 31),
])
def test_due_soon_and_overdue_on_the_interval(today: date, state: str, days: int) -> None:
    due, got, n = due_state(date(2026, 10, 9), today, 30, 0.75)
    assert (due, got, n) == (date(2026, 11, 8), state, days)


def test_the_register_follows_the_clock_and_the_setting(office: dict, clock: FixedClock,
                                                       settings: Settings) -> None:
    _vacant()
    vacant.record_check(UNIT, [], "", office["clerk"], clock, settings)
    assert [(r.state, r.due_on) for r in _rows(clock, settings)] == [("ok", date(2026, 11, 8))]
    clock.advance(timedelta(days=23))
    assert _rows(clock, settings)[0].state == "due_soon"
    clock.advance(timedelta(days=8))  # 11-09 10:00 Shanghai: the day after it was due
    (row,) = _rows(clock, settings)
    assert (row.state, row.days) == ("overdue", 1)
    # The interval is the office's own setting (RULES gives none); the next check's clock
    # runs on it (a clock keeps the limit it started with, as every clock does).
    longer = Settings(data=deepcopy(settings.data))
    longer.data["clocks"]["vacant_check_days"] = 60
    vacant.record_check(UNIT, [], "", office["clerk"], clock, longer)
    clock.advance(timedelta(days=31))
    assert _rows(clock, longer)[0].state == "ok"  # day 31 of 60; of 30 it would be late


def test_the_register_and_the_alert_bar_agree_on_the_evening_of_the_due_day(
        office: dict, clock: FixedClock, settings: Settings) -> None:
    """Checked 10-09: the next is due by close (17:30) on 11-08. That morning both say due
    soon; that evening both say overdue — the register by the clock, not a day later."""
    from kfdesk.desk.refresh import refresh

    _vacant()
    vacant.record_check(UNIT, [], "", office["clerk"], clock, settings)
    for hour, state, days in ((10, "due_soon", 0), (19, "overdue", 0)):
        clock.set(datetime(2026, 11, 8, hour, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
        (row,) = _rows(clock, settings)
        assert (row.state, row.days, row.due_on) == (state, days, date(2026, 11, 8))
        (alert,) = [a for a in refresh(clock.now(), settings) if a.clock == "vacant_check"]
        assert alert.state == state
    clock.set(datetime(2026, 11, 9, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    (row,) = _rows(clock, settings)
    assert (row.state, row.days) == ("overdue", 1)


def test_the_day_counts_in_the_office_zone(office: dict, clock: FixedClock,
                                           settings: Settings) -> None:
    """Checked at 00:30 Shanghai on 10-09 (16:30 UTC on 10-08): the check's day is the
    Shanghai day, so the next is due 30 days after 10-09, not after 10-08."""
    _vacant()
    early = datetime(2026, 10, 8, 16, 30, tzinfo=UTC)
    vacant.record_check(UNIT, [], "", office["clerk"], clock, settings, checked_at=early)
    assert _rows(clock, settings)[0].due_on == date(2026, 11, 8)


def test_a_unit_never_checked_counts_from_first_seen_and_overdue_comes_first(
        office: dict, clock: FixedClock, settings: Settings) -> None:
    _vacant()
    checked_long_ago = _another_vacant_unit("3-1-601")
    checked_today = _another_vacant_unit("3-1-701")
    clerk = office["clerk"]
    vacant.record_check(checked_today.code, [], "", clerk, clock, settings)
    vacant.record_check(checked_long_ago.code, ["water"], "", clerk, clock, settings,
                        checked_at=clock.now() - timedelta(days=40))
    # Not yet seen by the engine: one interval from today, like a unit left vacant today.
    rows = _rows(clock, settings)
    assert [(r.unit, r.state) for r in rows] == [
        ("3-1-601", "overdue"), (UNIT, "ok"), ("3-1-701", "ok")]
    never = rows[1]
    assert never.never and never.due_on == TODAY + timedelta(days=30) and never.checks == 0
    assert rows[0].days == 10 and rows[0].last_by == "张敏" and rows[0].last_problem
    # Seen vacant by the engine 28 days ago: due soon, two days left.
    with database.obj.atomic():
        reconcile_vacant_units(RuleContext.from_store(settings), clock.now() - timedelta(days=28))
    never = next(r for r in _rows(clock, settings) if r.unit == UNIT)
    assert (never.state, never.days, never.due_on) == ("due_soon", 2, TODAY + timedelta(days=2))
    # Narrowed to one unit (F6); an occupied unit is not listed.
    assert [r.unit for r in _rows(clock, settings, unit_code=UNIT)] == [UNIT]
    Unit.update(status="owner_occupied").where(Unit.code == UNIT).execute()
    assert _rows(clock, settings, unit_code=UNIT) == []


# ---- the deadline engine: the alert bar and F8 say what the register says ------------------


def _clock_row(code: str = UNIT) -> Deadline | None:
    unit = Unit.get(Unit.code == code)
    return Deadline.get_or_none((Deadline.clock == "vacant_check") & (Deadline.item_id == unit.id))


def test_the_engine_keeps_a_check_clock_for_every_vacant_unit(
        office: dict, clock: FixedClock, settings: Settings) -> None:
    from kfdesk.desk.refresh import refresh
    from kfdesk.desk.residents import set_unit_status

    clerk, now = office["clerk"], clock.now()
    _vacant()
    _another_vacant_unit("3-1-601")
    assert _clock_row() is None
    # A check (made 35 days ago, entered now) starts the unit's clock from the check.
    vacant.record_check(UNIT, [], "", clerk, clock, settings,
                        checked_at=now - timedelta(days=35))
    assert _clock_row().due_at == datetime(2026, 10, 4, 9, 30, tzinfo=UTC)  # 17:30 Shanghai
    # The app's timer: a vacant unit without a clock gets one, from now (never checked).
    alerts = [a for a in refresh(now, settings) if a.clock == "vacant_check"]
    assert [(a.unit, a.state) for a in alerts] == [(UNIT, "overdue")]
    fresh = _clock_row("3-1-601")
    assert (fresh.started_at, fresh.due_at) == (now, datetime(2026, 11, 8, 9, 30, tzinfo=UTC))
    # The register says the same as the alert bar.
    assert [(r.unit, r.state, r.due_on) for r in _rows(clock, settings)] == [
        (UNIT, "overdue", date(2026, 10, 4)), ("3-1-601", "ok", date(2026, 11, 8))]
    # A check today restarts the clock from today.
    vacant.record_check(UNIT, [], "", clerk, clock, settings)
    assert _clock_row().due_at == datetime(2026, 11, 8, 9, 30, tzinfo=UTC)
    assert [a for a in refresh(now, settings) if a.clock == "vacant_check"] == []
    # Occupied again: no more checks due. Left vacant once more: the check from before it
    # was let does not count; the next is due one interval from now (10-10 + 30 days).
    set_unit_status(UNIT, "owner_occupied", clerk, clock, settings)
    assert _clock_row() is None
    assert [a for a in refresh(now, settings) if a.clock == "vacant_check"] == []
    clock.advance(timedelta(days=1))
    set_unit_status(UNIT, "vacant", clerk, clock, settings)
    assert _clock_row().due_at == datetime(2026, 11, 9, 9, 30, tzinfo=UTC)
    refresh(clock.now(), settings)  # the timer keeps it (the old check is older)
    assert _clock_row().due_at == datetime(2026, 11, 9, 9, 30, tzinfo=UTC)
    assert _rows(clock, settings, unit_code=UNIT)[0].due_on == date(2026, 11, 9)


def test_the_register_says_whether_the_desk_holds_the_key(office: dict, clock: FixedClock,
                                                         settings: Settings) -> None:
    _vacant()
    clerk = office["clerk"]
    assert _rows(clock, settings)[0].key_ref == ""
    key = keys.take_in(UNIT, "入户门钥匙 2 把", "vacant", "王建国", clerk, clock, settings)
    row = _rows(clock, settings)[0]
    assert (row.key_ref, row.key_where) == (keys.key_ref(key.id), "desk")
    keys.lend_out(key.id, "中介 周先生", "看房", clerk, clock, settings)
    assert _rows(clock, settings)[0].key_where == "out"
    keys.take_back(key.id, clerk, clock, settings)
    keys.return_to_owner(key.id, "王建国", clerk, clock, settings)
    assert _rows(clock, settings)[0].key_ref == ""
    assert Key.select().count() == 1


# ---- the schema --------------------------------------------------------------------------


def test_schema_v6_adds_the_checks_table_to_a_v5_store(store, clock: FixedClock) -> None:  # noqa: ANN001
    """A store made before the checks existed (v5) gets the table and its (unit, checked_at)
    index when opened, on SQLite and PostgreSQL alike."""
    assert SCHEMA_VERSION >= 6
    db = database.obj
    db.drop_tables([VacantCheck])
    # ... and without what later versions added (v7: an activity's call-off).
    for column in ("cancelled_at", "cancel_reason"):
        db.execute_sql(f"ALTER TABLE activity DROP COLUMN {column}")
    SchemaVersion.update(version=5).execute()
    close_store()
    open_store(str(store), clock)
    db = database.obj
    assert SchemaVersion.get().version == SCHEMA_VERSION
    assert "vacant_check" in db.get_tables()
    indexed = [tuple(i.columns) for i in db.get_indexes("vacant_check")]
    assert ("unit_id", "checked_at") in indexed
