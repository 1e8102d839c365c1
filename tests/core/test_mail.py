"""KF-021 mail through the desk: the register, notices, pickup against signature, the 6-day
return clock of registered items (RULES §8, evaluated by the rule engine), absent residents'
items held in the duty room, and returns to the postman.

The clock is 2026-10-09 10:00 Asia/Shanghai (``office`` fixture: unit 3-1-502, 王建国).
A refusal changes nothing: table counts are compared before and after.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk import mail
from kfdesk.desk.base import DeskError
from kfdesk.models import AuditEvent, Deadline, MailItem
from kfdesk.rules import RuleContext, evaluate
from kfdesk.views import mail as mviews

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = default_settings()
UNIT = "3-1-502"
LIMIT = SETTINGS.clocks["registered_mail_days"]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def counts() -> dict[str, int]:
    return {m.__name__: m.select().count() for m in (MailItem, AuditEvent, Deadline)}


def alerts(now: datetime) -> list:
    return [a for a in evaluate(now, RuleContext.from_store(SETTINGS))
            if a.clock == "registered_mail"]


def letter(office: dict, clock: FixedClock, kind: str = "registered",
           tracking: str = "XA123456789CN") -> MailItem:
    return mail.log_mail(UNIT, "王建国", kind, tracking, office["clerk"], clock, SETTINGS)


def test_logging_checks_kind_tracking_and_unit(office: dict, clock: FixedClock) -> None:
    before = counts()
    for kind, tracking, unit, key, field in (
        ("registered", "", UNIT, "mail.tracking_needed", "tracking_no"),
        ("valuable", " ", UNIT, "mail.tracking_needed", "tracking_no"),
        ("registered", "XA 12/3", UNIT, "mail.bad_tracking", "tracking_no"),
        ("postcard", "", UNIT, "mail.bad_kind", "kind"),
        ("ordinary", "", "9-9-999", "mail.unknown_unit", "unit"),
    ):
        with pytest.raises(DeskError) as err:
            mail.log_mail(unit, "王建国", kind, tracking, office["clerk"], clock, SETTINGS)
        assert (err.value.key, err.value.field) == (key, field)
    with pytest.raises(DeskError) as err:
        mail.log_mail(UNIT, "  ", "ordinary", "", office["clerk"], clock, SETTINGS)
    assert err.value.key == "mail.recipient_needed"
    with pytest.raises(DeskError) as err:
        mail.log_mail(UNIT, "王建国", "ordinary", "", office["cashier"], clock, SETTINGS)
    assert err.value.key == "auth.not_allowed"
    assert counts() == before
    item = letter(office, clock, tracking=" xa123456789cn ")
    assert item.tracking_no == "XA123456789CN" and item.received_at == clock.now()
    with pytest.raises(DeskError) as err:
        letter(office, clock)  # the same registered letter, logged twice
    assert err.value.key == "mail.duplicate"
    # A telegram has no tracking number; ordinary letters and parcels need none.
    assert mail.log_mail(UNIT, "王建国", "telegram", "", office["clerk"], clock, SETTINGS).id
    assert mail.log_mail("", "查无此人", "ordinary", "", office["clerk"], clock, SETTINGS).unit_id \
        is None


def test_an_unreturned_registered_letter_is_overdue_on_day_6(office: dict,
                                                             clock: FixedClock) -> None:
    """KF-021 §3 / RULES §8: registered mail collected or back to the postman within 6 days."""
    received = clock.now()
    item = letter(office, clock)
    row = Deadline.get(Deadline.clock == "registered_mail", Deadline.item_id == item.id)
    assert row.due_at == received + timedelta(days=LIMIT) and row.stopped_at is None
    assert alerts(received + timedelta(days=4)) == []  # under 75 % of six days
    soon = alerts(received + timedelta(days=5))
    assert [(a.state, a.rule, a.item_ref, a.unit) for a in soon] == [
        ("due_soon", "KF-021 §3", "XA123456789CN", UNIT)]
    late = alerts(received + timedelta(days=6, minutes=1))
    assert [(a.state, a.late_minutes) for a in late] == [("overdue", 1)]
    assert late[0].owner == "clerk" and late[0].department == "desk"
    # An ordinary letter runs no clock at all.
    plain = mail.log_mail(UNIT, "王建国", "ordinary", "", office["clerk"], clock, SETTINGS)
    assert not Deadline.select().where(Deadline.item_kind == "mail",
                                       Deadline.item_id == plain.id).exists()


def test_pickup_against_signature_stops_the_clock(office: dict, clock: FixedClock) -> None:
    item = letter(office, clock)
    clock.advance(timedelta(hours=1))
    mail.notify(item.id, office["clerk"], clock, SETTINGS)
    assert MailItem.get_by_id(item.id).notified_at == clock.now()
    clock.advance(timedelta(days=2))
    done = mail.hand_over_mail(item.id, "王建国", office["clerk2"], clock, SETTINGS)
    assert (done.collected_at, done.collected_by) == (clock.now(), "王建国")
    row = Deadline.get(Deadline.clock == "registered_mail", Deadline.item_id == item.id)
    assert row.stopped_at == clock.now()
    assert alerts(clock.now() + timedelta(days=10)) == []
    event = AuditEvent.get(AuditEvent.action == "mail.hand_over")
    assert event.actor_id == office["clerk2"].id
    assert json.loads(event.detail)["signed_by"] == "王建国"


def test_handing_over_twice_is_refused(office: dict, clock: FixedClock) -> None:
    item = letter(office, clock)
    mail.hand_over_mail(item.id, "王建国", office["clerk"], clock, SETTINGS)
    before = counts()
    with pytest.raises(DeskError) as err:
        mail.hand_over_mail(item.id, "李秀英", office["clerk2"], clock, SETTINGS)
    assert err.value.key == "mail.already_collected" and "王建国" in err.value.message()
    for write in (lambda: mail.notify(item.id, office["clerk"], clock, SETTINGS),
                  lambda: mail.return_to_post(item.id, "misdelivered", office["clerk"], clock,
                                              SETTINGS)):
        with pytest.raises(DeskError) as err:
            write()
        assert err.value.key == "mail.already_collected"
    assert counts() == before
    assert MailItem.get_by_id(item.id).collected_by == "王建国"


def test_a_signature_is_needed_and_a_guard_may_deliver(office: dict, clock: FixedClock) -> None:
    item = letter(office, clock, "valuable")
    before = counts()
    with pytest.raises(DeskError) as err:
        mail.hand_over_mail(item.id, " ", office["clerk"], clock, SETTINGS)
    assert (err.value.key, err.value.field) == ("mail.signature_needed", "signed_by")
    with pytest.raises(DeskError):
        mail.hand_over_mail(item.id, "王建国", office["cashier"], clock, SETTINGS)
    assert counts() == before
    mail.hand_over_mail(item.id, "王建国", office["guard"], clock, SETTINGS)
    event = AuditEvent.get(AuditEvent.action == "mail.hand_over")
    assert json.loads(event.detail)["by_guard"] is True


def test_unclaimed_goes_back_to_the_postman_from_day_6(office: dict, clock: FixedClock) -> None:
    received = clock.now()  # 2026-10-09 is day 1
    item = letter(office, clock)
    clock.set(at(2026, 10, 13, 17))  # day 5
    before = counts()
    with pytest.raises(DeskError) as err:
        mail.return_to_post(item.id, "unclaimed", office["clerk"], clock, SETTINGS)
    assert err.value.key == "mail.too_early" and "2026-10-14" in err.value.message()
    assert counts() == before
    clock.set(at(2026, 10, 14, 9))  # day 6, before the six days run out at 10:00
    back = mail.return_to_post(item.id, "unclaimed", office["clerk"], clock, SETTINGS)
    assert back.returned_at == clock.now() and back.return_reason == "unclaimed"
    assert alerts(received + timedelta(days=7)) == []
    row = mviews.mail_rows(clock.now(), SETTINGS.zone, LIMIT, waiting=False)[0]
    assert (row.state, row.day_no) == ("returned", 6)
    with pytest.raises(DeskError) as err:
        mail.hand_over_mail(item.id, "王建国", office["clerk"], clock, SETTINGS)
    assert err.value.key == "mail.already_returned"


def test_misdelivered_goes_back_at_once(office: dict, clock: FixedClock) -> None:
    item = letter(office, clock, tracking="XB000000001CN")
    back = mail.return_to_post(item.id, "misdelivered", office["clerk"], clock, SETTINGS)
    assert back.return_reason == "misdelivered"
    with pytest.raises(DeskError) as err:
        mail.return_to_post(letter(office, clock).id, "lost", office["clerk"], clock, SETTINGS)
    assert err.value.key == "mail.bad_reason"


def test_an_absent_residents_item_is_held(office: dict, clock: FixedClock) -> None:
    """KF-021 §4: kept in the duty room until the resident is back; the §3 clock still runs."""
    received = clock.now()
    item = letter(office, clock)
    held = mail.hold_for_absent(item.id, True, "出差至10-20", office["clerk"], clock, SETTINGS)
    assert held.held_at == clock.now() and held.note == "出差至10-20"
    with pytest.raises(DeskError) as err:
        mail.hold_for_absent(item.id, True, "", office["clerk"], clock, SETTINGS)
    assert err.value.key == "mail.already_held"
    clock.set(at(2026, 10, 15, 11))
    with pytest.raises(DeskError) as err:
        mail.return_to_post(item.id, "unclaimed", office["clerk"], clock, SETTINGS)
    assert err.value.key == "mail.held_not_unclaimed"
    assert [a.state for a in alerts(received + timedelta(days=6, hours=1))] == ["overdue"]
    rows = mviews.mail_rows(clock.now(), SETTINGS.zone, LIMIT)
    assert [(r.state, r.day_no, r.overdue(clock.now())) for r in rows] == [("held", 7, True)]
    mail.hold_for_absent(item.id, False, "", office["clerk"], clock, SETTINGS)
    mail.hand_over_mail(item.id, "王建国", office["clerk"], clock, SETTINGS)
    assert alerts(clock.now()) == []


def test_the_list_puts_registered_items_first(office: dict, clock: FixedClock) -> None:
    parcel = mail.log_mail(UNIT, "王建国", "parcel", "SF1", office["clerk"], clock, SETTINGS,
                           received_at=clock.now() - timedelta(days=3))
    reg = letter(office, clock)
    rows = mviews.mail_rows(clock.now(), SETTINGS.zone, LIMIT)
    assert [r.id for r in rows] == [reg.id, parcel.id]
    assert [r.day_no for r in rows] == [1, 4]
    assert rows[0].due_at == clock.now().astimezone(SH) + timedelta(days=LIMIT)
    assert rows[1].due_at is None
    c = mviews.mail_counts(clock.now(), SETTINGS.zone, LIMIT)
    assert (c.waiting, c.tracked, c.overdue, c.held) == (2, 1, 0, 0)
    with pytest.raises(DeskError) as err:
        mail.log_mail(UNIT, "王建国", "parcel", "", office["clerk"], clock, SETTINGS,
                      received_at=clock.now() + timedelta(hours=1))
    assert err.value.key == "mail.received_future"
