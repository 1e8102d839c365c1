"""KF-017 resident records: registering, moving out, change of owner, emergency contacts,
checked ID numbers and phones, masking, the logged reveal and the 5-year history.

Every refusal is checked to change nothing: the table counts (and the audit trail) are the
same before and after.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from kfdesk.config import default_settings
from kfdesk.desk import residents
from kfdesk.desk.base import DeskError
from kfdesk.desk.residents import (
    add_emergency_contact,
    change_owner,
    id_problem,
    move_out,
    purge_expired_files,
    register_person,
    remove_emergency_contact,
    reveal,
    set_unit_status,
    unit_records,
)
from kfdesk.i18n import t
from kfdesk.ids import id_check_digit, is_valid_id_number
from kfdesk.models import AuditEvent, Deadline, EmergencyContact, Occupancy, Person, Ticket, Unit
from kfdesk.views import household, search_units, unit_detail

SETTINGS = default_settings()
ZONE = SETTINGS.zone
TODAY = date(2026, 10, 9)


def make_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


OWNER_ID = make_id("11010519491231002")  # 11010519491231002X
NEW_OWNER_ID = make_id("44030519800101123")
TENANT_ID = make_id("31011519900315456")


def counts() -> dict[str, int]:
    return {m.__name__: m.select().count()
            for m in (Person, Occupancy, EmergencyContact, AuditEvent, Deadline)} | {
        "statuses": hash(tuple(u.status for u in Unit.select().order_by(Unit.id)))}


def refused(call, *args, **kwargs) -> DeskError:  # noqa: ANN001
    """The call is refused and nothing changed."""
    before = counts()
    with pytest.raises(DeskError) as exc:
        call(*args, **kwargs)
    assert counts() == before
    return exc.value


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


# --- registering ----------------------------------------------------------------------------


def test_register_household_tenant_and_agent(office, clock) -> None:
    """KF-017 §1.2, §2: family registered, a tenant with the lease end, an agent of the owner."""
    clerk = office["clerk"]
    fam = register_person("3-1-502", "family", "李秀英", "13987654321", "", clerk, clock,
                          SETTINGS, relation="spouse")
    assert (fam.role, fam.registered, fam.resident, fam.is_agent) == ("family", True, True, False)
    assert fam.started_on == TODAY
    tenant = register_person("3-1-502", "tenant", "周杰", "021 6234 5678", TENANT_ID, clerk,
                             clock, SETTINGS, lease_end=date(2027, 6, 30),
                             on=date(2026, 7, 1))
    assert (tenant.lease_end, tenant.person.phone) == (date(2027, 6, 30), "02162345678")
    assert Unit.get(Unit.code == "3-1-502").status == "rented"  # a tenant means it is let
    agent = register_person("3-1-502", "agent", "赵律师", "+86 139 1111 2222", "", clerk, clock,
                            SETTINGS)
    assert (agent.role, agent.is_agent, agent.resident) == ("other", True, False)
    assert agent.person.phone == "13911112222"
    register = events("person.register")
    assert len(register) == 3 and all(e.actor_id == clerk.id for e in register)
    detail = json.loads(register[-1].detail)
    assert detail["agent"] is True and detail["authorised_by"] == "王建国"
    # The audit trail itself holds masked numbers only (KF-017 §4).
    assert "13911112222" not in register[-1].detail and detail["phone"] == "139****2222"
    # The contact-check clock (KF-017 §3) runs for the tenant, not for the family member.
    assert Deadline.select().where((Deadline.clock == "contact_check")
                                   & (Deadline.item_id == tenant.person_id)).exists()
    assert not Deadline.select().where((Deadline.clock == "contact_check")
                                       & (Deadline.item_id == fam.person_id)).exists()


@pytest.mark.parametrize(("name", "initials", "full"), [
    ("曾国藩", "zgf", "zengguofan"), ("单雄信", "sxx", "shanxiongxin"), ("仇英", "qy", "qiuying"),
    ("解缙", "xj", "xiejin"), ("区小红", "oxh", "ouxiaohong"),
])
def test_surnames_get_their_surname_reading_when_registered(office, clock, name: str,
                                                            initials: str, full: str) -> None:
    """Issue 7: 曾 zeng, 单 shan, 仇 qiu, 解 xie, 区 ou — computed once, when saved."""
    occ = register_person("3-1-502", "family", name, "", "", office["clerk"], clock, SETTINGS)
    person = Person.get_by_id(occ.person_id)
    assert (person.initials, person.pinyin) == (initials, full)
    hits = search_units(initials)
    assert any(h.code == "3-1-502" and h.person == name for h in hits)


def test_the_same_id_number_is_the_same_person(office, clock) -> None:
    """An owner of two units is one person on file; another name under the number is refused."""
    clerk = office["clerk"]
    unit = office["unit"]
    Unit.create(building=unit.building, entrance=1, floor=6, room="602", code="3-1-602",
                area_centi_m2=8912)
    a = register_person("3-1-502", "owner", "黄蓉", "13800001111", NEW_OWNER_ID, clerk, clock,
                        SETTINGS)
    b = register_person("3-1-602", "owner", "黄蓉", "13800001111", NEW_OWNER_ID, clerk, clock,
                        SETTINGS)
    assert a.person_id == b.person_id
    err = refused(register_person, "3-1-602", "family", "郭靖", "", NEW_OWNER_ID, clerk, clock,
                  SETTINGS)
    assert (err.key, err.field) == ("residents.id_other_person", "id_number")
    err = refused(register_person, "3-1-602", "family", "黄蓉", "", NEW_OWNER_ID, clerk, clock,
                  SETTINGS)
    assert err.key == "residents.already_here"


# --- checked input --------------------------------------------------------------------------


@pytest.mark.parametrize(("number", "key"), [
    (OWNER_ID[:-1] + "1", "residents.id.check"),  # one wrong character
    ("11010519491231002", "residents.id.length"),
    ("1101051949123100X2", "residents.id.chars"),
    (make_id("99010519491231002"), "residents.id.region"),
    (make_id("11010519490231002"), "residents.id.birth"),  # 31 February
    (make_id("11010518991231002"), "residents.id.birth"),  # before 1900
    (make_id("11010520271231002"), "residents.id.birth"),  # born after today
])
def test_a_bad_id_number_is_refused_with_the_field_named(office, clock, number: str,
                                                         key: str) -> None:
    """GB 11643: check character and birth date; refused in place, nothing saved."""
    err = refused(register_person, "3-1-502", "family", "王小明", "", number, office["clerk"],
                  clock, SETTINGS)
    assert (err.key, err.field) == (key, "id_number")
    assert number.upper() in err.message("zh")
    assert err.message("en") != err.message("zh")


@pytest.mark.parametrize("phone", ["12345", "12812345678", "1381234567", "138123456789",
                                   "62345678", "021-123", "abc"])
def test_a_bad_phone_is_refused_with_the_field_named(office, clock, phone: str) -> None:
    err = refused(register_person, "3-1-502", "tenant", "周杰", phone, "", office["clerk"],
                  clock, SETTINGS, lease_end=date(2027, 1, 1))
    assert (err.key, err.field) == ("residents.bad_phone", "phone")
    err = refused(add_emergency_contact, "3-1-502", "王五", phone, office["clerk"], clock,
                  SETTINGS)
    assert (err.key, err.field) == ("residents.bad_phone", "phone")


@pytest.mark.parametrize(("phone", "stored"), [
    ("13812345678", "13812345678"), ("138-1234-5678", "13812345678"),
    ("+86 19912345678", "19912345678"), ("021-62345678", "021-62345678"),
    ("0755-86001234", "0755-86001234"), ("010-62345678-801", "010-62345678-801"),
])
def test_mobiles_and_landlines_with_area_code_are_accepted(office, clock, phone: str,
                                                           stored: str) -> None:
    occ = register_person("3-1-502", "family", "王小明", phone, "", office["clerk"], clock,
                          SETTINGS)
    assert occ.person.phone == stored


def test_what_each_role_must_give(office, clock) -> None:
    clerk = office["clerk"]
    cases = [
        (("owner", "黄蓉", "13800001111", ""), {}, ("residents.id_needed", "id_number")),
        (("owner", "黄蓉", "", NEW_OWNER_ID), {}, ("residents.phone_needed", "phone")),
        (("tenant", "周杰", "13800001111", ""), {}, ("residents.lease_end_needed", "lease_end")),
        (("tenant", "周杰", "13800001111", ""), {"lease_end": date(2026, 1, 1)},
         ("residents.lease_end_early", "lease_end")),
        (("family", "", "", ""), {}, ("residents.name_needed", "name")),
        (("family", "王小明", "", ""), {"on": TODAY + timedelta(days=1)},
         ("residents.future_day", "on")),
        (("landlord", "王小明", "", ""), {}, ("residents.bad_role", "role")),
    ]
    for (role, name, phone, number), extra, expected in cases:
        err = refused(register_person, "3-1-502", role, name, phone, number, clerk, clock,
                      SETTINGS, **extra)
        assert (err.key, err.field) == expected
    err = refused(register_person, "9-9-999", "family", "王小明", "", "", clerk, clock, SETTINGS)
    assert (err.key, err.field) == ("residents.unknown_unit", "unit")


def test_an_agent_needs_an_owner(office, clock) -> None:
    unit = office["unit"]
    Unit.create(building=unit.building, entrance=1, floor=6, room="602", code="3-1-602",
                area_centi_m2=8912)
    err = refused(register_person, "3-1-602", "agent", "赵律师", "13911112222", "",
                  office["clerk"], clock, SETTINGS)
    assert err.key == "residents.agent_needs_owner"


@hsettings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789X", min_size=17, max_size=19))
def test_id_problem_agrees_with_kfdesk_ids(text: str) -> None:
    """The reasons given are the same rules as ``kfdesk.ids.is_valid_id_number``."""
    far = date(9999, 12, 31)
    assert (id_problem(text, far) is None) == is_valid_id_number(text, today=far)
    if len(text) >= 17 and text[:17].isdigit():
        good = make_id(text[:17])
        assert (id_problem(good, far) is None) == is_valid_id_number(good, today=far)


# --- roles and the unit status ---------------------------------------------------------------


def test_unit_status_and_roles(office, clock) -> None:
    set_unit_status("3-1-502", "vacant", office["clerk"], clock, SETTINGS)
    assert Unit.get(Unit.code == "3-1-502").status == "vacant"
    assert json.loads(events("unit.status")[0].detail) == {
        "after": "vacant", "before": "owner_occupied", "unit": "3-1-502"}
    set_unit_status("3-1-502", "vacant", office["clerk"], clock, SETTINGS)  # unchanged
    assert len(events("unit.status")) == 1
    err = refused(set_unit_status, "3-1-502", "sold", office["clerk"], clock, SETTINGS)
    assert (err.key, err.field) == ("residents.bad_status", "status")
    for login in ("cashier", "guard"):
        err = refused(set_unit_status, "3-1-502", "rented", office[login], clock, SETTINGS)
        assert err.key == "auth.not_allowed"
        err = refused(register_person, "3-1-502", "family", "王小明", "", "", office[login],
                      clock, SETTINGS)
        assert err.key == "auth.not_allowed"
        assert t("action.residents.register") in err.message()


# --- moving out, change of owner, the 5-year history -----------------------------------------


def test_move_out_keeps_the_record_as_history(office, clock) -> None:
    clerk = office["clerk"]
    tenant = register_person("3-1-502", "tenant", "周杰", "13800001111", "", clerk, clock,
                             SETTINGS, lease_end=date(2027, 6, 30), on=date(2026, 1, 1))
    err = refused(move_out, tenant.id, date(2025, 12, 31), clerk, clock, SETTINGS)
    assert (err.key, err.field) == ("residents.before_start", "on")
    err = refused(move_out, tenant.id, TODAY + timedelta(days=1), clerk, clock, SETTINGS)
    assert err.key == "residents.future_day"
    ended = move_out(tenant.id, date(2026, 9, 30), clerk, clock, SETTINGS)
    assert (ended.ended_on, ended.keep_until) == (date(2026, 9, 30), date(2031, 9, 30))
    assert Occupancy.get_by_id(tenant.id).ended_on == date(2026, 9, 30)  # kept, not deleted
    assert "周杰" not in [p.name for p in household("3-1-502")]
    records = unit_records("3-1-502")
    assert [r.name for r in records.history] == ["周杰"]
    assert "周杰" not in [r.name for r in records.people]
    # The contact-check clock stops with the occupancy.
    assert not Deadline.select().where((Deadline.clock == "contact_check")
                                       & (Deadline.item_id == tenant.person_id)).exists()
    err = refused(move_out, tenant.id, None, clerk, clock, SETTINGS)
    assert err.key == "residents.already_ended"
    # The only owner does not move out: ownership passes by change of owner (KF-017 §1.3).
    owner_occ = Occupancy.get(Occupancy.person == office["owner"].id)
    err = refused(move_out, owner_occ.id, None, clerk, clock, SETTINGS)
    assert err.key == "residents.last_owner"


def test_change_of_owner_keeps_the_previous_owner_as_history(office, clock) -> None:
    """KF-017 §1.3: the previous owner's file is kept 5 years, not current, not deletable."""
    clerk = office["clerk"]
    assert SETTINGS.data["targets"]["owner_file_keep_years"] == 5
    family = register_person("3-1-502", "family", "王玲", "", "", clerk, clock, SETTINGS)
    agent = register_person("3-1-502", "agent", "赵律师", "13911112222", "", clerk, clock,
                            SETTINGS)
    old = Occupancy.get(Occupancy.person == office["owner"].id)
    # The new owner's records are collected: an ID number, checked; a bad one changes nothing.
    err = refused(change_owner, "3-1-502", "黄蓉", "13800001111", NEW_OWNER_ID[:-1] + "0",
                  date(2026, 9, 1), clerk, clock, SETTINGS)
    assert err.field == "id_number"
    new = change_owner("3-1-502", "黄蓉", "13800001111", NEW_OWNER_ID, date(2026, 9, 1), clerk,
                       clock, SETTINGS)
    old = Occupancy.get_by_id(old.id)
    assert (old.ended_on, old.keep_until) == (date(2026, 9, 1), date(2031, 9, 1))
    assert Occupancy.get_by_id(agent.id).ended_on == date(2026, 9, 1)  # the old owner's agent
    assert Occupancy.get_by_id(family.id).ended_on is None  # moved out separately
    assert (new.role, new.ended_on, new.person.name) == ("owner", None, "黄蓉")
    # Not current anywhere the counter looks …
    detail = unit_detail("3-1-502", clock.now(), ZONE)
    assert [p.name for p in detail.owners] == ["黄蓉"]
    assert "王建国" not in [p.name for p in household("3-1-502")]
    assert not any(h.person == "王建国" for h in search_units("王建国"))
    # … but kept as history, with its keep-until day.
    records = unit_records("3-1-502")
    assert [(r.name, r.role, r.keep_until) for r in records.history if r.role == "owner"] == [
        ("王建国", "owner", date(2031, 9, 1))]
    assert Person.get_or_none(Person.id == office["owner"].id) is not None
    event = events("unit.change_owner")[0]
    assert json.loads(event.detail)["previous"] == "王建国"
    assert NEW_OWNER_ID not in event.detail
    err = refused(change_owner, "3-1-502", "黄蓉", "13800001111", NEW_OWNER_ID, None, clerk,
                  clock, SETTINGS)
    assert err.key == "residents.same_owner"


def test_a_tenant_who_buys_becomes_the_owner(office, clock) -> None:
    clerk = office["clerk"]
    tenant = register_person("3-1-502", "tenant", "周杰", "13800001111", TENANT_ID, clerk,
                             clock, SETTINGS, lease_end=date(2027, 6, 30), on=date(2026, 1, 1))
    new = change_owner("3-1-502", "周杰", "13800001111", TENANT_ID, None, clerk, clock, SETTINGS)
    assert new.person_id == tenant.person_id
    assert Occupancy.get_by_id(tenant.id).ended_on == TODAY
    assert [(r.name, r.role) for r in unit_records("3-1-502").people] == [("周杰", "owner")]


def test_files_are_purged_only_after_five_years(office, clock) -> None:
    """KF-017 §1.3: nothing inside the 5 years is removed; past them, the manager's purge."""
    clerk, manager = office["clerk"], office["manager"]
    change_owner("3-1-502", "黄蓉", "13800001111", NEW_OWNER_ID, date(2026, 9, 1), clerk, clock,
                 SETTINGS)
    old_id = office["owner"].id
    err = refused(purge_expired_files, clerk, clock, SETTINGS)
    assert err.key == "auth.not_allowed"
    err = refused(purge_expired_files, office["super"], clock, SETTINGS)
    assert err.key == "auth.not_allowed"
    # On the last day of the five years the file is still kept.
    clock.advance(date(2031, 9, 1) - TODAY)
    assert purge_expired_files(manager, clock, SETTINGS) == (0, 0, 0)
    assert Person.get_or_none(Person.id == old_id) is not None
    clock.advance(timedelta(days=1))
    assert purge_expired_files(manager, clock, SETTINGS) == (1, 1, 0)
    assert Person.get_or_none(Person.id == old_id) is None
    assert unit_records("3-1-502").history == ()
    assert [r.name for r in unit_records("3-1-502").people] == ["黄蓉"]  # current untouched
    event = events("residents.purge")[-1]
    assert event.actor_id == manager.id and json.loads(event.detail)["occupancies"] == 1


def test_a_purged_person_still_named_on_a_ticket_keeps_the_name_only(office, clock) -> None:
    clerk, manager = office["clerk"], office["manager"]
    owner = office["owner"]
    owner.id_number, owner.address = OWNER_ID, "北京市西城区"
    owner.save()
    Ticket.create(number="K-1", received_at=clock.now(), channel="phone", kind="inquiry",
                  category="fees", text="问物业费", unit=office["unit"], person=owner,
                  owner=clerk, caller_name=owner.name, updated_at=clock.now())
    # Recorded late: the sale was on 2022-01-01, so the file is kept to 2027-01-01.
    change_owner("3-1-502", "黄蓉", "13800001111", NEW_OWNER_ID, date(2022, 1, 1), clerk, clock,
                 SETTINGS)
    assert purge_expired_files(manager, clock, SETTINGS) == (0, 0, 0)
    clock.advance(date(2027, 1, 2) - TODAY)
    assert purge_expired_files(manager, clock, SETTINGS) == (1, 0, 1)
    kept = Person.get_by_id(owner.id)
    assert kept.name == "王建国"
    assert (kept.id_number, kept.phone, kept.address, kept.id_last4) == ("", "", "", "")


# --- emergency contacts ----------------------------------------------------------------------


def test_emergency_contacts(office, clock) -> None:
    clerk = office["clerk"]
    contact = add_emergency_contact("3-1-502", "王芳", "13700001111", clerk, clock, SETTINGS,
                                    relation="daughter", address="深圳市南山区")
    detail = unit_detail("3-1-502", clock.now(), ZONE)
    assert [(c.name, c.phone) for c in detail.emergency] == [("王芳", "137****1111")]
    err = refused(add_emergency_contact, "3-1-502", "", "13700001111", clerk, clock, SETTINGS)
    assert (err.key, err.field) == ("residents.name_needed", "name")
    err = refused(add_emergency_contact, "3-1-502", "王芳", "", clerk, clock, SETTINGS)
    assert (err.key, err.field) == ("residents.phone_needed", "phone")
    err = refused(remove_emergency_contact, contact.id, office["cashier"], clock, SETTINGS)
    assert err.key == "auth.not_allowed"
    remove_emergency_contact(contact.id, clerk, clock, SETTINGS)
    assert EmergencyContact.select().count() == 0
    assert [e.action for e in AuditEvent.select().where(
        AuditEvent.action.startswith("emergency_contact.")).order_by(AuditEvent.id)] == [
        "emergency_contact.add", "emergency_contact.remove"]
    err = refused(remove_emergency_contact, contact.id, clerk, clock, SETTINGS)
    assert err.key == "residents.unknown_contact"


# --- masking and the logged reveal (KF-017 §4) ----------------------------------------------


def test_personal_data_is_masked_by_default(office, clock) -> None:
    owner = office["owner"]
    owner.id_number = OWNER_ID
    owner.save()
    add_emergency_contact("3-1-502", "王芳", "13700001111", office["clerk"], clock, SETTINGS)
    detail = unit_detail("3-1-502", clock.now(), ZONE)
    assert (detail.owners[0].phone, detail.owners[0].id_number) == (
        "138****5678", "1101**********002X")
    records = unit_records("3-1-502")
    text = repr(records)
    for secret in ("13812345678", OWNER_ID, "13700001111"):
        assert secret not in text
    assert (records.people[0].phone, records.people[0].id_number) == (
        "138****5678", "1101**********002X")
    assert records.contacts[0].phone == "137****1111"


def test_a_reveal_is_logged_and_refused_for_a_role_that_may_not(office, clock) -> None:
    owner = office["owner"]
    owner.id_number = OWNER_ID
    owner.save()
    # Supervisor and manager: the full ID number, one audit event each time.
    assert reveal(owner.id, "id_number", office["super"], clock, SETTINGS,
                  reason="核对产权") == OWNER_ID
    assert reveal(owner.id, "id_number", office["manager"], clock, SETTINGS) == OWNER_ID
    logged = events("person.reveal_id")
    assert [(e.actor_id, e.record_type, e.record_id) for e in logged] == [
        (office["super"].id, "Person", owner.id), (office["manager"].id, "Person", owner.id)]
    assert json.loads(logged[0].detail)["reason"] == "核对产权"
    assert OWNER_ID not in logged[0].detail
    # A clerk may see the phone (callbacks are the clerk's duty), logged too …
    assert reveal(owner.id, "phone", office["clerk"], clock, SETTINGS) == "13812345678"
    assert [e.actor_id for e in events("person.reveal_phone")] == [office["clerk"].id]
    # … but not the ID number; cashiers and security see neither. Refusals log nothing.
    for login, field in (("clerk", "id_number"), ("cashier", "phone"), ("guard", "phone"),
                         ("cashier", "id_number"), ("guard", "id_number")):
        err = refused(reveal, owner.id, field, office[login], clock, SETTINGS)
        assert err.key == "auth.not_allowed"
        assert t(f"action.{residents.reveal_action(field)}") in err.message()
    err = refused(reveal, owner.id, "address", office["super"], clock, SETTINGS)
    assert err.key == "residents.reveal_field"
    assert residents.may_reveal("clerk", "phone") and not residents.may_reveal("clerk",
                                                                                "id_number")


def test_refusals_in_a_random_order_change_nothing(office, clock) -> None:
    """A mix of bad inputs, any order: the store is exactly as before every one of them."""
    clerk = office["clerk"]
    bad = [
        lambda: register_person("3-1-502", "owner", "甲", "13800001111", "123", clerk, clock,
                                SETTINGS),
        lambda: register_person("3-1-502", "tenant", "乙", "1", "", clerk, clock, SETTINGS,
                                lease_end=date(2027, 1, 1)),
        lambda: change_owner("3-1-502", "丙", "13800001111", "", None, clerk, clock, SETTINGS),
        lambda: add_emergency_contact("9-9-999", "丁", "13800001111", clerk, clock, SETTINGS),
        lambda: move_out(999999, None, clerk, clock, SETTINGS),
        lambda: reveal(office["owner"].id, "id_number", clerk, clock, SETTINGS),
    ]
    random.Random(7).shuffle(bad)
    for call in bad:
        refused(call)
