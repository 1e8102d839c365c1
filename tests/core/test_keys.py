"""Keys held at the desk (钥匙管理, RULES §5; KF-001 §4): every movement logged, a key that is
out is never lent again, and the view says where each key is."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from refusals import refused

from kfdesk.clock import FixedClock
from kfdesk.config import Settings, default_settings
from kfdesk.desk import keys
from kfdesk.desk.base import DeskError
from kfdesk.models import AuditEvent, Key, KeyMovement
from kfdesk.views.registers import key_movements, keys_held

UNIT = "3-1-502"


@pytest.fixture
def settings() -> Settings:
    return default_settings()


def _refused(call) -> DeskError:  # noqa: ANN001 - a zero-argument call
    return refused(call, Key, KeyMovement, AuditEvent)


def _key(office: dict, clock: FixedClock, settings: Settings) -> Key:
    return keys.take_in(UNIT, "入户门钥匙 2 把", "vacant", "王建国", office["clerk"], clock,
                        settings)


def test_a_key_that_is_out_cannot_be_lent_again(office: dict, clock: FixedClock,
                                               settings: Settings) -> None:
    key = _key(office, clock, settings)
    keys.lend_out(key.id, "中介 周先生", "看房", office["clerk"], clock, settings)
    err = _refused(lambda: keys.lend_out(key.id, "装修公司 刘工", "量尺寸", office["clerk2"],
                                         clock, settings))
    assert err.key == "desk_key.already_out"
    text = err.message("zh")
    assert "中介 周先生" in text and "10-09 10:00" in text
    assert "with 中介 周先生" in err.message("en")


def test_every_movement_is_logged_in_order(office: dict, clock: FixedClock,
                                          settings: Settings) -> None:
    key = _key(office, clock, settings)
    clock.advance(timedelta(hours=1))
    keys.lend_out(key.id, "中介 周先生", "看房", office["clerk"], clock, settings)
    clock.advance(timedelta(hours=2))
    keys.take_back(key.id, office["clerk2"], clock, settings)
    clock.advance(timedelta(days=3))
    keys.lend_out(key.id, "工程部 李师傅", "查漏水", office["clerk2"], clock, settings)
    clock.advance(timedelta(hours=1))
    keys.take_back(key.id, office["clerk"], clock, settings, by_whom="工程部 张师傅")
    clock.advance(timedelta(days=1))
    keys.return_to_owner(key.id, "王建国", office["clerk"], clock, settings)
    moves = key_movements(key.id, settings.zone)
    assert [(m.kind, m.to_whom, m.purpose, m.staff) for m in moves] == [
        ("in", "王建国", "", "张敏"),
        ("out", "中介 周先生", "看房", "张敏"),
        ("back", "中介 周先生", "", "李娜"),  # brought back by whom it was lent to
        ("out", "工程部 李师傅", "查漏水", "李娜"),
        ("back", "工程部 张师傅", "", "张敏"),
        ("returned", "王建国", "", "张敏"),
    ]
    assert [m.at.strftime("%m-%d %H:%M") for m in moves] == [
        "10-09 10:00", "10-09 11:00", "10-09 13:00", "10-12 13:00", "10-12 14:00",
        "10-13 14:00"]
    actions = [e.action for e in AuditEvent.select().where(AuditEvent.record_type == "Key")
               .order_by(AuditEvent.id)]
    assert actions == ["desk_key.take_in", "desk_key.lend_out", "desk_key.take_back",
                       "desk_key.lend_out", "desk_key.take_back", "desk_key.return"]
    detail = json.loads(AuditEvent.select().where(AuditEvent.action == "desk_key.lend_out")
                        .first().detail)
    assert (detail["to_whom"], detail["purpose"]) == ("中介 周先生", "看房")


def test_the_view_says_where_each_key_is(office: dict, clock: FixedClock,
                                        settings: Settings) -> None:
    at_desk = _key(office, clock, settings)
    out = keys.take_in(UNIT, "信箱钥匙", "repair", "王建国", office["clerk"], clock, settings)
    clock.advance(timedelta(minutes=30))
    keys.lend_out(out.id, "工程部 李师傅", "换水表", office["clerk"], clock, settings)
    gone = keys.take_in(UNIT, "车库门钥匙", "other", "王建国", office["clerk"], clock, settings)
    keys.return_to_owner(gone.id, "王建国", office["clerk"], clock, settings)
    rows = keys_held(settings.zone)
    assert [(r.label, r.where, r.with_whom, r.purpose) for r in rows] == [
        ("信箱钥匙", "out", "工程部 李师傅", "换水表"),  # out first
        ("入户门钥匙 2 把", "desk", "", ""),
    ]
    assert rows[0].since.strftime("%H:%M") == "10:30"
    assert Key.get_by_id(out.id).at_desk is False and Key.get_by_id(at_desk.id).at_desk
    assert keys_held(settings.zone, unit_code="1-1-101") == []
    assert len(keys_held(settings.zone, unit_code=UNIT)) == 2
    # The unit at a glance (F6) lists both held keys, the lent one with whom it is out.
    from kfdesk.views import unit_detail

    glance = unit_detail(UNIT, clock.now(), settings.zone)
    assert [(k.label, k.out_with) for k in glance.keys] == [
        ("信箱钥匙", "工程部 李师傅"), ("入户门钥匙 2 把", "")]


def test_back_and_return_refuse_the_wrong_state(office: dict, clock: FixedClock,
                                               settings: Settings) -> None:
    key = _key(office, clock, settings)
    assert _refused(lambda: keys.take_back(key.id, office["clerk"], clock,
                                           settings)).key == "desk_key.not_out"
    keys.lend_out(key.id, "中介 周先生", "看房", office["clerk"], clock, settings)
    # Not back to the owner while someone else has it.
    assert _refused(lambda: keys.return_to_owner(key.id, "王建国", office["clerk"], clock,
                                                 settings)).key == "desk_key.already_out"
    keys.take_back(key.id, office["clerk"], clock, settings)
    keys.return_to_owner(key.id, "王建国", office["clerk"], clock, settings)
    assert _refused(lambda: keys.lend_out(key.id, "中介", "看房", office["clerk"], clock,
                                          settings)).key == "desk_key.not_held"


@pytest.mark.parametrize(("args", "field"), [
    (("", "vacant", "王建国"), "label"),
    (("入户门钥匙", "vacant", ""), "from_whom"),
    (("入户门钥匙", "lost", "王建国"), "reason"),
])
def test_take_in_checks_its_fields(office: dict, clock: FixedClock, settings: Settings,
                                   args: tuple[str, str, str], field: str) -> None:
    err = _refused(lambda: keys.take_in(UNIT, *args, office["clerk"], clock, settings))
    assert err.field == field


def test_lend_out_needs_whom_and_why(office: dict, clock: FixedClock,
                                     settings: Settings) -> None:
    key = _key(office, clock, settings)
    assert _refused(lambda: keys.lend_out(key.id, "", "看房", office["clerk"], clock,
                                          settings)).field == "to_whom"
    assert _refused(lambda: keys.lend_out(key.id, "中介", " ", office["clerk"], clock,
                                          settings)).field == "purpose"


def test_only_the_desk_handles_keys(office: dict, clock: FixedClock,
                                    settings: Settings) -> None:
    for login in ("cashier", "guard"):
        err = _refused(lambda login=login: keys.take_in(
            UNIT, "入户门钥匙", "vacant", "王建国", office[login], clock, settings))
        assert err.key == "auth.not_allowed"
