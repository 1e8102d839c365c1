"""KF-014 move-out release passes through the desk: who may take items out, the pre-flight,
issuing, printing, the gate's check-out and the month's summary for security.

The ``office`` fixture's unit 3-1-502 (owner 王建国) gets a registered spouse, an unregistered
son, a registered nanny and a tenant. The clock is 2026-10-09 10:00 Asia/Shanghai. A refusal
changes nothing: table counts are compared before and after.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk import release_passes as rp
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.ids import id_check_digit
from kfdesk.models import (
    AuditEvent,
    Authorisation,
    Bill,
    BillLine,
    Loan,
    Occupancy,
    Person,
    ReleasePass,
)
from kfdesk.views import passes as pviews

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = default_settings()
UNIT = "3-1-502"


def valid_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


OWNER_ID = valid_id("11010519700101001")
SPOUSE_ID = valid_id("11010519720202002")
SON_ID = valid_id("11010520000303003")
NANNY_ID = valid_id("34010219650404004")
TENANT_ID = valid_id("31010119880505005")
STRANGER_ID = valid_id("44030419900606006")
BAD_ID = OWNER_ID[:-1] + ("0" if OWNER_ID[-1] != "0" else "1")  # wrong check digit


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def counts() -> dict[str, int]:
    return {m.__name__: m.select().count() for m in (ReleasePass, Authorisation, AuditEvent)}


@pytest.fixture
def home(office: dict, clock: FixedClock) -> dict:
    """3-1-502's household as the owner file records it."""
    unit = office["unit"]
    office["owner"].id_number = OWNER_ID
    office["owner"].save()

    def occupant(name: str, id_number: str, role: str, registered: bool, relation: str = "",
                 lease_end: date | None = None) -> Person:
        person = Person.create(name=name, id_number=id_number, created_at=clock.now())
        Occupancy.create(unit=unit, person=person, role=role, registered=registered,
                         relation=relation, started_on=date(2021, 1, 1), lease_end=lease_end)
        return person

    occupant("李秀英", SPOUSE_ID, "family", True, "spouse")
    occupant("王小明", SON_ID, "family", False, "son")
    occupant("张阿姨", NANNY_ID, "other", True, "nanny")  # KF-014 §4.2.1: a nanny never counts
    occupant("周杰", TENANT_ID, "tenant", True, lease_end=date(2026, 10, 31))
    return office


def verdict(kind: str, name: str, id_number: str = "", **kw) -> rp.Verdict:  # noqa: ANN003
    return rp.check_applicant(UNIT, kind, name, id_number, at=kw.pop("at", at(2026, 10, 9, 10)),
                              settings=SETTINGS, **kw)


# --- KF-014 §4.2: who may take items out ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "signed", "crew", "ok", "treated", "needs"),
    [
        # §4.2.1 the owner, or registered family: ID and own signature only.
        ("owner", "王建国", False, False, True, "owner", ""),
        ("registered_family", "李秀英", False, False, True, "registered_family", ""),
        # The records win: a registered spouse chosen as "unregistered" still needs nothing.
        ("unregistered_family", "李秀英", False, False, True, "registered_family", ""),
        # §4.2.2 unregistered family: the owner's signature.
        ("unregistered_family", "王小明", False, False, False, "unregistered_family",
         "owner_signature"),
        ("unregistered_family", "王小明", True, False, True, "unregistered_family", ""),
        # Claimed registered, but the file says not: the owner must sign.
        ("registered_family", "王小明", False, False, False, "unregistered_family",
         "owner_signature"),
        # A registered nanny is not "family" (§4.2.1 保姆除外).
        ("registered_family", "张阿姨", False, False, False, "other", "owner_signature"),
        ("other", "张阿姨", True, False, True, "other", ""),
        # A tenant: the owner's signature.
        ("tenant", "周杰", False, False, False, "tenant", "owner_signature"),
        ("tenant", "周杰", True, False, True, "tenant", ""),
        # A friend or employee ("other"), not on the file at all.
        ("other", "刘朋友", False, False, False, "other", "owner_signature"),
        ("other", "刘朋友", True, False, True, "other", ""),
        # Someone claiming to be the owner who is not on the file.
        ("owner", "冒名者", False, False, False, "other", "owner_signature"),
        ("owner", "冒名者", True, False, True, "other", ""),
        # A renovation crew: the foreman's signature / company stamp, or the owner's.
        ("crew", "孙工头", False, False, False, "crew", "crew_signature"),
        ("crew", "孙工头", False, True, True, "crew", ""),
        ("crew", "孙工头", True, False, True, "crew", ""),
    ],
)
def test_kf014_applicants(home: dict, kind: str, name: str, signed: bool, crew: bool, ok: bool,
                          treated: str, needs: str) -> None:
    v = verdict(kind, name, owner_signed=signed, crew_signed=crew)
    assert (v.ok, v.treated_as, v.needs) == (ok, treated, needs)
    text = v.text("zh")
    assert "KF-014 §4.2" in text and "{" not in text and v.text("en") != text


def test_the_owner_with_someone_elses_id_is_refused(home: dict) -> None:
    v = verdict("owner", "王建国", STRANGER_ID)
    assert not v.ok and v.needs == "id" and v.field == "bearer_id_number"
    assert verdict("owner", "王建国", OWNER_ID).ok


def _letter(home: dict, clock: FixedClock, start: datetime, end: datetime | None,
            delegate: str = "钱搬运", items: str = "旧沙发一套、冰箱一台") -> Authorisation:
    return rp.record_authorisation(UNIT, "", delegate, STRANGER_ID, start, end, items, True,
                                   home["clerk"], clock, SETTINGS)


def test_a_delegate_needs_the_written_authorisation_and_its_window(home: dict,
                                                                   clock: FixedClock) -> None:
    """KF-014 §4.2.3: the letter names the delegate, the time and the items."""
    v = verdict("delegate", "钱搬运", STRANGER_ID)
    assert not v.ok and v.needs == "authorisation"
    letter = _letter(home, clock, at(2026, 10, 9, 14), at(2026, 10, 9, 17))
    inside = verdict("delegate", "钱搬运", STRANGER_ID, authorisation_id=letter.id,
                     at=at(2026, 10, 9, 15))
    assert inside.ok and inside.key == "pass.ok_delegate"
    early = verdict("delegate", "钱搬运", STRANGER_ID, authorisation_id=letter.id,
                    at=at(2026, 10, 9, 13, 59))
    late = verdict("delegate", "钱搬运", STRANGER_ID, authorisation_id=letter.id,
                   at=at(2026, 10, 9, 17, 1))
    assert (early.ok, early.needs, early.key) == (False, "window", "pass.auth_early")
    assert (late.ok, late.needs, late.key) == (False, "window", "pass.auth_late")
    assert "14:00" in early.text() and "17:00" in early.text()
    other = verdict("delegate", "赵别人", STRANGER_ID, authorisation_id=letter.id,
                    at=at(2026, 10, 9, 15))
    assert not other.ok and other.key == "pass.auth_not_delegate"
    # The owner's signature does not stand in for the letter.
    assert not verdict("delegate", "钱搬运", STRANGER_ID, owner_signed=True).ok


def test_a_letter_without_an_end_is_good_for_that_day(home: dict, clock: FixedClock) -> None:
    letter = _letter(home, clock, at(2026, 10, 9, 14), None)
    assert letter.moving_until == at(2026, 10, 10, 0)
    assert verdict("delegate", "钱搬运", authorisation_id=letter.id, at=at(2026, 10, 9, 23)).ok
    assert not verdict("delegate", "钱搬运", authorisation_id=letter.id,
                       at=at(2026, 10, 10, 8)).ok


def test_an_authorisation_must_be_signed_by_an_owner_of_the_unit(home: dict,
                                                                 clock: FixedClock) -> None:
    before = counts()
    for owner, signed, key in (("李秀英", True, "pass.not_owner"),
                               ("王建国", False, "pass.auth_letter_unsigned")):
        with pytest.raises(DeskError) as err:
            rp.record_authorisation(UNIT, owner, "钱搬运", "", at(2026, 10, 9, 14), None,
                                    "冰箱", signed, home["clerk"], clock, SETTINGS)
        assert err.value.key == key
    with pytest.raises(DeskError) as err:
        rp.record_authorisation(UNIT, "", "钱搬运", BAD_ID, at(2026, 10, 9, 14), None, "冰箱",
                                True, home["clerk"], clock, SETTINGS)
    assert (err.value.key, err.value.field) == ("pass.bad_id", "delegate_id_number")
    with pytest.raises(DeskError) as err:
        rp.record_authorisation(UNIT, "", "钱搬运", "", at(2026, 10, 8, 9),
                                at(2026, 10, 8, 12), "冰箱", True, home["clerk"], clock,
                                SETTINGS)
    assert err.value.key == "pass.auth_window_past"
    assert counts() == before


# --- issuing -------------------------------------------------------------------------------


def issue(home: dict, clock: FixedClock, kind: str = "owner", name: str = "王建国",
          id_number: str = OWNER_ID, items: str = "旧沙发一套", *, signed: bool = False,
          auth: int | None = None, confirmed: bool = True, actor: str = "clerk",
          **kw) -> ReleasePass:  # noqa: ANN003
    return rp.issue_release_pass(UNIT, kind, name, id_number, items, signed, auth, confirmed,
                                 home[actor], clock, SETTINGS, **kw)


def test_the_owner_gets_a_numbered_pass_and_the_audit_masks_the_id(home: dict,
                                                                  clock: FixedClock) -> None:
    first = issue(home, clock)
    second = issue(home, clock, "registered_family", "李秀英", SPOUSE_ID, "书柜两个")
    assert (first.number, second.number) == ("F-000001", "F-000002")
    event = AuditEvent.get(AuditEvent.action == "pass.issue", AuditEvent.record_id == first.id)
    detail = json.loads(event.detail)
    assert detail["id"] == "1101**********" + OWNER_ID[-4:]
    assert OWNER_ID not in event.detail and detail["treated_as"] == "owner"
    assert event.actor_id == home["clerk"].id


def test_a_bad_id_number_is_refused_in_place(home: dict, clock: FixedClock) -> None:
    before = counts()
    for bad in (BAD_ID, "11010519700230001X", "12345"):
        with pytest.raises(DeskError) as err:
            issue(home, clock, id_number=bad)
        assert (err.value.key, err.value.field) == ("pass.bad_id", "bearer_id_number")
    with pytest.raises(DeskError) as err:
        issue(home, clock, id_number="")
    assert (err.value.key, err.value.field) == ("pass.id_needed", "bearer_id_number")
    assert counts() == before


def test_a_refusal_names_what_is_missing_and_changes_nothing(home: dict,
                                                             clock: FixedClock) -> None:
    before = counts()
    with pytest.raises(DeskError) as err:
        issue(home, clock, "unregistered_family", "王小明", SON_ID)
    assert err.value.field == "owner_signed"
    assert "业主" in err.value.message("zh") and "signature" in err.value.message("en")
    with pytest.raises(DeskError) as err:
        issue(home, clock, "crew", "孙工头", STRANGER_ID, "装修余料若干")
    assert err.value.key == "pass.needs_crew_signature"
    assert counts() == before
    crew = issue(home, clock, "crew", "孙工头", STRANGER_ID, "装修余料若干", crew_signed=True)
    assert crew.crew_signed and not crew.owner_signed


def test_only_the_desk_issues_passes(home: dict, clock: FixedClock) -> None:
    before = counts()
    for login in ("cashier", "guard"):
        with pytest.raises(DeskError) as err:
            issue(home, clock, actor=login)
        assert err.value.key == "auth.not_allowed"
        assert "开具放行条" in err.value.message("zh")
    assert counts() == before


def test_the_preflight_shows_arrears_tenant_lease_and_loans(home: dict,
                                                            clock: FixedClock) -> None:
    quiet = rp.preflight(UNIT, clock.now(), SETTINGS)
    assert quiet.arrears_fen == 0 and not quiet.loans
    assert [(x.name, x.state) for x in quiet.tenants] == [("周杰", "ending")]
    bill = Bill.create(unit=home["unit"], month="2026-08", created_at=clock.now(),
                       total_fen=38640)
    BillLine.create(bill=bill, item="property_fee", quantity_centi=8912, rate_e4=43356,
                    amount_fen=38640)
    Loan.create(item_kind="tool", item="扳手", unit=home["unit"], borrower="王建国",
                lent_at=clock.now() - timedelta(days=2), lent_by=home["clerk"])
    seen = rp.preflight(UNIT, clock.now(), SETTINGS)
    assert (seen.arrears_months, seen.arrears_fen) == (1, 38640)
    assert [x.item for x in seen.loans] == ["扳手"]
    lines = "\n".join(seen.lines("zh"))
    assert "386.40" in lines and "周杰" in lines and "2026-10-31" in lines and "扳手" in lines
    before = counts()
    with pytest.raises(DeskError) as err:
        issue(home, clock, confirmed=False)
    assert err.value.key == "pass.preflight_unconfirmed" and "扳手" in err.value.message()
    assert counts() == before
    assert issue(home, clock, confirmed=True).number == "F-000001"


def test_nothing_to_confirm_on_a_quiet_unit(home: dict, clock: FixedClock) -> None:
    Occupancy.update(ended_on=date(2026, 9, 30)).where(Occupancy.role == "tenant").execute()
    assert not rp.preflight(UNIT, clock.now(), SETTINGS).findings
    assert issue(home, clock, confirmed=False).number == "F-000001"


def test_a_delegates_pass_carries_the_letter_and_is_used_once(home: dict,
                                                              clock: FixedClock) -> None:
    letter = _letter(home, clock, at(2026, 10, 9, 9, 30), at(2026, 10, 9, 12))
    before = counts()
    with pytest.raises(DeskError) as err:
        issue(home, clock, "delegate", "钱搬运", STRANGER_ID, items="")
    assert err.value.key == "pass.needs_authorisation"
    with pytest.raises(DeskError) as err:
        issue(home, clock, "delegate", "钱搬运", STRANGER_ID, items="钢琴一台", auth=letter.id)
    assert err.value.key == "pass.items_differ"
    assert counts() == before
    issued = issue(home, clock, "delegate", "钱搬运", STRANGER_ID, items="", auth=letter.id)
    assert issued.items == "旧沙发一套、冰箱一台" and issued.authorisation_id == letter.id
    with pytest.raises(DeskError) as err:
        issue(home, clock, "delegate", "钱搬运", STRANGER_ID, items="", auth=letter.id)
    assert err.value.key == "pass.auth_used"
    open_now = pviews.authorisation_rows(SETTINGS.zone, unit_code=UNIT, open_at=clock.now())
    assert open_now == []


def test_a_delegate_before_the_agreed_time_is_refused(home: dict, clock: FixedClock) -> None:
    letter = _letter(home, clock, at(2026, 10, 9, 14), at(2026, 10, 9, 17))
    before = counts()
    with pytest.raises(DeskError) as err:
        issue(home, clock, "delegate", "钱搬运", STRANGER_ID, items="", auth=letter.id)
    assert err.value.key == "pass.auth_early"
    assert counts() == before
    clock.set(at(2026, 10, 9, 14, 10))
    assert issue(home, clock, "delegate", "钱搬运", STRANGER_ID, items="",
                 auth=letter.id).number == "F-000001"


# --- the gate ------------------------------------------------------------------------------


def test_the_gate_checks_a_pass_out_once(home: dict, clock: FixedClock) -> None:
    issued = issue(home, clock)
    clock.advance(timedelta(minutes=40))
    with pytest.raises(DeskError) as err:
        rp.record_checkout(issued.number, home["guard"], clock, SETTINGS, leader_signed=False)
    assert err.value.key == "pass.leader_unsigned"
    out = rp.record_checkout("1", home["guard"], clock, SETTINGS)  # typed as the guard may
    assert out.used_at == clock.now() and out.security_signed
    before = counts()
    with pytest.raises(DeskError) as err:
        rp.record_checkout(issued.number, home["clerk"], clock, SETTINGS)
    assert err.value.key == "pass.already_out"
    with pytest.raises(DeskError) as err:
        rp.record_checkout("F-000099", home["guard"], clock, SETTINGS)
    assert err.value.key == "pass.unknown"
    second = issue(home, clock, "registered_family", "李秀英", SPOUSE_ID, "书柜两个")
    with pytest.raises(DeskError) as err:
        rp.record_checkout(second.number, home["cashier"], clock, SETTINGS)
    assert err.value.key == "auth.not_allowed"
    assert counts()["AuditEvent"] == before["AuditEvent"] + 1  # only the second pass's issue


def test_outside_the_authorisation_window_the_gate_refuses(home: dict,
                                                           clock: FixedClock) -> None:
    letter = _letter(home, clock, at(2026, 10, 9, 9, 30), at(2026, 10, 9, 11))
    issued = issue(home, clock, "delegate", "钱搬运", STRANGER_ID, items="", auth=letter.id)
    clock.set(at(2026, 10, 9, 11, 30))
    before = counts()
    with pytest.raises(DeskError) as err:
        rp.record_checkout(issued.number, home["guard"], clock, SETTINGS)
    assert err.value.key == "pass.checkout_outside_window"
    assert "09:30" in err.value.message() and "11:00" in err.value.message()
    assert ReleasePass.get_by_id(issued.id).used_at is None and counts() == before
    # Recorded late, for the time the guard saw it inside the window: accepted.
    out = rp.record_checkout(issued.number, home["guard"], clock, SETTINGS,
                             at=at(2026, 10, 9, 10, 50))
    assert out.used_at == at(2026, 10, 9, 10, 50)
    assert pviews.pass_rows(SETTINGS.zone, unit_code=UNIT)[0].state(clock.now()) == "out"


# --- paper ---------------------------------------------------------------------------------


def test_the_printed_pass_has_the_stub_and_the_gate_copy(home: dict, clock: FixedClock,
                                                         tmp_path: Path) -> None:
    letter = _letter(home, clock, at(2026, 10, 9, 9, 30), at(2026, 10, 9, 12))
    issued = issue(home, clock, "delegate", "钱搬运", STRANGER_ID, items="", auth=letter.id)
    text = rp.pass_text(issued.number, SETTINGS, "zh")
    assert text.count("搬出物品放行条") == 2
    assert "（存根）" in text and "（出入口联）" in text and "沿此线剪开" in text
    assert STRANGER_ID not in text and STRANGER_ID[-4:] in text
    assert f"A-{letter.id:06d}" in text and "10-09 09:30–10-09 12:00" in text
    assert text.count("协管班长签名") == 2 and "出门时间" in text.split("沿此线剪开")[1]
    english = rp.pass_text(issued.number, SETTINGS, "en")
    assert "stub" in english and "gate copy" in english
    where = rp.print_pass(issued.number, tmp_path, home["clerk"], clock, SETTINGS, "zh")
    assert Path(where).read_text(encoding="utf-8") == text
    assert AuditEvent.select().where(AuditEvent.action == "pass.print").count() == 1


def test_the_month_summary_for_security(home: dict, clock: FixedClock, tmp_path: Path) -> None:
    clock.set(at(2026, 9, 30, 16))
    issue(home, clock)  # September: not in October's summary
    clock.set(at(2026, 10, 9, 10))
    out = issue(home, clock, "registered_family", "李秀英", SPOUSE_ID, "书柜两个")
    issue(home, clock, "tenant", "周杰", TENANT_ID, "电视机一台", signed=True)
    clock.advance(timedelta(minutes=30))
    rp.record_checkout(out.number, home["guard"], clock, SETTINGS)
    s = pviews.pass_summary(date(2026, 10, 1), SETTINGS.zone)
    assert (s.month, s.issued, s.checked_out, s.not_used) == ("2026-10", 2, 1, 1)
    assert {k.kind: (k.issued, k.checked_out) for k in s.by_kind} == {
        "registered_family": (1, 1), "tenant": (1, 0)}
    before = AuditEvent.select().count()
    where = rp.print_pass_summary(date(2026, 10, 1), tmp_path, home["guard"], clock, SETTINGS,
                                  "zh")
    text = Path(where).read_text(encoding="utf-8")
    assert "开具 2 张，已出门 1 张，未使用 1 张" in text and "F-000003" in text
    assert TENANT_ID not in text and "未使用" in text
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert AuditEvent.select().count() == before + 1 and event.action == "pass.summary"
    assert json.loads(event.detail)["not_used"] == 1
    with pytest.raises(DeskError):
        rp.print_pass_summary(date(2026, 10, 1), tmp_path, home["cashier"], clock, SETTINGS)


def test_every_action_has_a_name_in_both_languages() -> None:
    for action in ("pass.issue", "pass.authorisation", "pass.checkout", "pass.print",
                   "pass.summary"):
        assert t(f"action.{action}", lang="zh") != f"action.{action}"
        assert t(f"action.{action}", lang="en") != f"action.{action}"
