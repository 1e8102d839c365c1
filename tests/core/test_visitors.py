"""KF-001 §5–6: the visitor log (only the ID's last 4 kept) and renovation permits, whose
worker passes never run past the permit's end; passes about to expire are listed."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from refusals import refused

from kfdesk.clock import FixedClock
from kfdesk.config import Settings, default_settings
from kfdesk.desk import visitors
from kfdesk.desk.base import DeskError
from kfdesk.models import AuditEvent, RenovationPermit, Visitor, WorkerPass
from kfdesk.views.registers import expiring_passes, permits, visitors_on

UNIT = "3-1-502"
TODAY = date(2026, 10, 9)


@pytest.fixture
def settings() -> Settings:
    return default_settings()


def _refused(call) -> DeskError:  # noqa: ANN001 - a zero-argument call
    return refused(call, Visitor, RenovationPermit, WorkerPass, AuditEvent)


def _permit(office: dict, clock: FixedClock, settings: Settings, *,
            ends: date = date(2026, 11, 30)) -> RenovationPermit:
    return visitors.issue_permit(UNIT, "美家装饰公司", "刘工", "13900002222", TODAY, ends,
                                 office["clerk"], clock, settings)


# ---- KF-001 §6 visitors -------------------------------------------------------------------------


def test_a_visitor_is_logged_in_and_out(office: dict, clock: FixedClock,
                                        settings: Settings) -> None:
    v = visitors.log_visitor("赵六", UNIT, "探亲", "002x", office["guard"], clock, settings)
    assert (v.name, v.unit.code, v.purpose, v.id_last4, v.came_at) == (
        "赵六", UNIT, "探亲", "002X", clock.now())
    rows = visitors_on(TODAY, settings.zone)
    assert [(r.name, r.left_at) for r in rows] == [("赵六", None)]
    clock.advance(timedelta(hours=1))
    visitors.visitor_left(v.id, office["guard"], clock, settings)
    assert visitors_on(TODAY, settings.zone)[0].left_at.strftime("%H:%M") == "11:00"
    err = _refused(lambda: visitors.visitor_left(v.id, office["guard"], clock, settings))
    assert err.key == "visitor.already_left"


def test_only_the_last_four_of_an_id_are_kept(office: dict, clock: FixedClock,
                                             settings: Settings) -> None:
    v = visitors.log_visitor("赵六", UNIT, "送货", "11010519491231002X", office["clerk"],
                             clock, settings)
    assert Visitor.get_by_id(v.id).id_last4 == "002X"
    event = AuditEvent.get(AuditEvent.action == "visitor.log")
    assert "11010519491231002X" not in event.detail
    assert json.loads(event.detail)["id_last4"] == "002X"
    assert _refused(lambda: visitors.log_visitor("赵六", UNIT, "送货", "12345", office["clerk"],
                                                 clock, settings)).field == "id_last4"
    # No ID at all is allowed (a courier at the gate).
    assert visitors.log_visitor("快递员", UNIT, "送货", "", office["guard"], clock,
                                settings).id_last4 == ""


def test_yesterdays_visitor_still_inside_is_listed_today(office: dict, clock: FixedClock,
                                                        settings: Settings) -> None:
    yesterday = clock.now() - timedelta(days=1)
    stayed = visitors.log_visitor("钱七", UNIT, "探亲", "", office["clerk"], clock, settings,
                                  came_at=yesterday)
    went = visitors.log_visitor("孙八", UNIT, "维修", "", office["clerk"], clock, settings,
                                came_at=yesterday)
    visitors.visitor_left(went.id, office["clerk"], clock, settings,
                          left_at=yesterday + timedelta(hours=1))
    assert [r.id for r in visitors_on(TODAY, settings.zone)] == [stayed.id]
    assert visitors_on(TODAY, settings.zone, unit_code="1-1-101") == []


def test_visitor_refusals(office: dict, clock: FixedClock, settings: Settings) -> None:
    assert _refused(lambda: visitors.log_visitor("", UNIT, "探亲", "", office["clerk"], clock,
                                                 settings)).field == "name"
    assert _refused(lambda: visitors.log_visitor("赵六", UNIT, "", "", office["clerk"], clock,
                                                 settings)).field == "purpose"
    assert _refused(lambda: visitors.log_visitor(
        "赵六", UNIT, "探亲", "", office["clerk"], clock, settings,
        came_at=clock.now() + timedelta(hours=1))).key == "visitor.future"
    v = visitors.log_visitor("赵六", UNIT, "探亲", "", office["clerk"], clock, settings)
    assert _refused(lambda: visitors.visitor_left(
        v.id, office["clerk"], clock, settings,
        left_at=clock.now() - timedelta(minutes=5))).key == "visitor.left_before_came"
    assert _refused(lambda: visitors.log_visitor("赵六", UNIT, "探亲", "", office["cashier"],
                                                 clock, settings)).key == "auth.not_allowed"


# ---- KF-001 §5 renovation permits and worker passes ------------------------------------------


def test_a_worker_pass_beyond_the_permit_is_refused(office: dict, clock: FixedClock,
                                                   settings: Settings) -> None:
    permit = _permit(office, clock, settings)
    err = _refused(lambda: visitors.issue_pass(permit.id, "张三", "1234", date(2026, 12, 1),
                                               office["clerk"], clock, settings))
    assert (err.key, err.field) == ("renovation.pass_beyond_permit", "expires_on")
    text = err.message("zh")
    assert "2026-12-01" in text and "2026-11-30" in text and visitors.permit_ref(permit.id) in text
    # Up to the permit's last day is fine.
    worker = visitors.issue_pass(permit.id, "张三", "1234", date(2026, 11, 30),
                                 office["clerk"], clock, settings)
    assert (worker.name, worker.id_last4, worker.expires_on) == ("张三", "1234",
                                                                date(2026, 11, 30))


def test_passes_of_a_closed_or_ended_permit_are_refused(office: dict, clock: FixedClock,
                                                       settings: Settings) -> None:
    permit = _permit(office, clock, settings, ends=date(2026, 10, 12))
    visitors.issue_pass(permit.id, "张三", "", date(2026, 10, 12), office["clerk"], clock,
                        settings)
    clock.set(datetime(2026, 10, 13, 9, 0, tzinfo=settings.zone))
    assert _refused(lambda: visitors.issue_pass(permit.id, "李四", "", date(2026, 10, 12),
                                                office["clerk"], clock,
                                                settings)).key == "renovation.over"
    assert visitors.close_permit(permit.id, office["clerk"], clock, settings) == 1
    assert _refused(lambda: visitors.issue_pass(permit.id, "李四", "", date(2026, 10, 12),
                                                office["clerk"], clock,
                                                settings)).key == "renovation.closed"


def test_a_pass_already_expired_is_refused(office: dict, clock: FixedClock,
                                          settings: Settings) -> None:
    permit = _permit(office, clock, settings)
    assert _refused(lambda: visitors.issue_pass(permit.id, "张三", "", date(2026, 10, 8),
                                                office["clerk"], clock,
                                                settings)).key == "renovation.pass_expired"


def test_one_open_permit_per_unit_for_the_same_days(office: dict, clock: FixedClock,
                                                   settings: Settings) -> None:
    first = _permit(office, clock, settings)
    err = _refused(lambda: visitors.issue_permit(UNIT, "另一家公司", "王工", "", date(2026, 11, 1),
                                                 date(2026, 12, 31), office["clerk"], clock,
                                                 settings))
    assert err.key == "renovation.permit_open"
    visitors.close_permit(first.id, office["clerk"], clock, settings)
    visitors.issue_permit(UNIT, "另一家公司", "王工", "", date(2026, 11, 1), date(2026, 12, 31),
                          office["clerk"], clock, settings)


@pytest.mark.parametrize(("args", "key"), [
    (("", "刘工", "", TODAY, date(2026, 11, 30)), "renovation.company_needed"),
    (("美家", "", "", TODAY, date(2026, 11, 30)), "renovation.foreman_needed"),
    (("美家", "刘工", "12345", TODAY, date(2026, 11, 30)), "renovation.bad_phone"),
    (("美家", "刘工", "", TODAY, date(2026, 10, 1)), "renovation.ends_before_start"),
    (("美家", "刘工", "", date(2026, 9, 1), date(2026, 10, 1)), "renovation.ends_in_past"),
])
def test_permit_refusals(office: dict, clock: FixedClock, settings: Settings, args: tuple,
                         key: str) -> None:
    assert _refused(lambda: visitors.issue_permit(UNIT, *args, office["clerk"], clock,
                                                  settings)).key == key


def test_expiring_passes_are_listed_soonest_first(office: dict, clock: FixedClock,
                                                 settings: Settings) -> None:
    permit = _permit(office, clock, settings)
    soon = visitors.issue_pass(permit.id, "张三", "", date(2026, 10, 11), office["clerk"],
                               clock, settings)
    today = visitors.issue_pass(permit.id, "李四", "", TODAY, office["clerk"], clock, settings)
    visitors.issue_pass(permit.id, "王五", "", date(2026, 11, 30), office["clerk"], clock,
                        settings)
    back = visitors.issue_pass(permit.id, "赵六", "", date(2026, 10, 10), office["clerk"],
                               clock, settings)
    visitors.return_pass(back.id, office["guard"], clock, settings)
    window = visitors.expiring_days(settings)
    assert window == 3
    rows = expiring_passes(TODAY, window)
    assert [(r.id, r.state, r.days_left) for r in rows] == [
        (today.id, "expiring", 0), (soon.id, "expiring", 2)]
    # Two days on, 李四's pass has expired and was never handed back: still listed.
    later = expiring_passes(date(2026, 10, 11), window)
    assert [(r.name, r.state) for r in later] == [("李四", "expired"), ("张三", "expiring")]
    # The permit's rows carry every pass with its state.
    states = {p.name: p.state for p in permits(TODAY, window)[0].passes}
    assert states == {"张三": "expiring", "李四": "expiring", "王五": "valid", "赵六": "returned"}
    # Once the permit closes, its passes are void and no longer "expiring".
    visitors.close_permit(permit.id, office["clerk"], clock, settings)
    assert expiring_passes(TODAY, window) == []


def test_the_window_is_configurable(office: dict, clock: FixedClock) -> None:
    settings = default_settings()
    settings.data["registers"]["pass_expiring_days"] = 30
    assert visitors.expiring_days(settings) == 30


def test_the_foremans_phone_is_masked_in_the_view(office: dict, clock: FixedClock,
                                                 settings: Settings) -> None:
    _permit(office, clock, settings)
    row = permits(TODAY, 3)[0]
    assert row.foreman_phone == "139****2222" and row.state == "active"
