"""The read-only views against a small hand-built community, checked against hand counts.

The community is written with the models directly (no desk services yet): a few units in
buildings 3 and 12, their people, tickets either side of midnight, bills, receipts, mail.
Times are office time (Asia/Shanghai); "now" is the fixture clock, 2026-10-09 10:00.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from kfdesk import views
from kfdesk.models import (
    Bill,
    BillLine,
    Building,
    Callback,
    Dispatch,
    DunningStep,
    EmergencyContact,
    Group,
    HandOver,
    Key,
    Loan,
    MailItem,
    Occupancy,
    ParkingLease,
    Payment,
    Person,
    Receipt,
    ReceiptSeries,
    ReceiptVoid,
    ReleasePass,
    Staff,
    Ticket,
    TicketLog,
    Unit,
    Vehicle,
    WorkOrder,
)
from kfdesk.privacy import mask_id, mask_phone

Z = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 10, 9)


def at(text: str) -> datetime:
    """An office-time instant from "2026-10-09 09:10"."""
    return datetime.fromisoformat(text).replace(tzinfo=Z)


def _person(name: str, pinyin: str, initials: str, phone: str, id_number: str = "") -> Person:
    return Person.create(name=name, pinyin=pinyin, initials=initials, phone=phone,
                         phone_last4=phone[-4:], id_number=id_number, id_last4=id_number[-4:],
                         created_at=at("2026-01-01 09:00"))


@pytest.fixture
def community(store, clock):  # noqa: ANN001, ANN201 - fixtures
    now = clock.now()
    clerk = Staff.create(login="zm", name="张敏", role="clerk", pin_hash="x", pin_salt="00",
                         created_at=now)
    cashier = Staff.create(login="ln", name="李娜", role="cashier", pin_hash="x",
                           pin_salt="00", created_at=now)
    g = Group.create(code="A", name="东区")
    b3 = Building.create(group=g, number="3", name="3栋", floors=18)
    b12 = Building.create(group=g, number="12", name="12栋", floors=26)
    u502 = Unit.create(building=b3, entrance=1, floor=5, room="502", code="3-1-502",
                       area_centi_m2=21467)
    u501 = Unit.create(building=b3, entrance=1, floor=5, room="501", code="3-1-501",
                       area_centi_m2=11111)
    u1502 = Unit.create(building=b3, entrance=2, floor=15, room="1502", code="3-2-1502",
                        area_centi_m2=9000, status="vacant")
    u12 = Unit.create(building=b12, entrance=1, floor=5, room="502", code="12-1-502",
                      area_centi_m2=8800, status="rented")

    wang = _person("王建国", "wangjianguo", "wjg", "13812345678", "11010519491231002X")
    li = _person("李秀英", "lixiuying", "lxy", "13811112222")
    zhang3 = _person("张三", "zhangsan", "zs", "13900001234")
    zsf = _person("张三丰", "zhangsanfeng", "zsf", "13700005678")
    zhao = _person("赵六", "zhaoliu", "zl", "13600009999")
    old = _person("钱七", "qianqi", "qq", "13500000007")
    start = date(2020, 5, 1)
    Occupancy.create(unit=u502, person=wang, role="owner", started_on=start, registered=True)
    Occupancy.create(unit=u502, person=li, role="family", relation="spouse", started_on=start,
                     registered=True)
    Occupancy.create(unit=u501, person=zhang3, role="owner", started_on=start)
    Occupancy.create(unit=u12, person=zsf, role="owner", started_on=start, resident=False)
    Occupancy.create(unit=u12, person=zhao, role="tenant", started_on=date(2026, 3, 1),
                     lease_end=date(2027, 2, 28))
    # A previous owner: kept (KF-017 §1.3) but not current, so never found.
    Occupancy.create(unit=u501, person=old, role="owner", started_on=date(2015, 1, 1),
                     ended_on=date(2019, 12, 31), keep_until=date(2024, 12, 31))
    EmergencyContact.create(unit=u502, name="王小明", phone="13988887777", relation="son")

    def ticket(number, received, unit, person, kind, category, state, **kw):  # noqa: ANN001, ANN202
        return Ticket.create(number=number, received_at=at(received), channel=kw.pop(
            "channel", "phone"), unit=unit, person=person, kind=kind, category=category,
            text=kw.pop("text", "厨房下水道堵塞\n已两天"), state=state, owner=clerk,
            updated_at=at(received), **kw)

    t1 = ticket("K-000001", "2026-10-09 09:10", u502, wang, "repair", "water", "new")
    t2 = ticket("K-000002", "2026-09-01 10:00", u502, wang, "complaint", "noise", "dispatched",
                department="security", dispatched_at=at("2026-09-01 10:30"))
    ticket("K-000003", "2026-03-01 10:00", u502, wang, "complaint", "lift", "closed",
           closed_at=at("2026-03-05 10:00"))
    ticket("K-000004", "2026-10-08 23:30", u12, zhao, "inquiry", "fees", "new",
           channel="walk_in")
    ticket("K-000005", "2026-10-09 00:30", u501, zhang3, "complaint", "noise", "closed",
           closed_at=at("2026-10-09 08:00"), completed_at=at("2026-10-09 07:00"))
    ticket("K-000006", "2026-10-09 09:40", None, None, "suggestion", "greenery", "new",
           caller_name="匿名", channel="walk_in")
    TicketLog.create(ticket=t2, at=at("2026-09-01 10:00"), staff=clerk, step="received")
    TicketLog.create(ticket=t2, at=at("2026-09-01 10:30"), staff=clerk, step="dispatched",
                     note="协管部")
    Dispatch.create(ticket=t2, department="security", dispatched_at=at("2026-09-01 10:30"),
                    by=clerk)
    Dispatch.create(ticket=t1, department="engineering", dispatched_at=at("2026-10-09 09:20"),
                    by=clerk)
    wo = WorkOrder.create(number="W-000001", ticket=t2, technician="刘师傅",
                          opened_at=at("2026-09-01 11:00"), returned_at=at("2026-10-08 16:00"))
    Callback.create(kind="repair", work_order=wo, owner=clerk,
                    clock_started_at=at("2026-10-08 16:00"))
    Callback.create(kind="complaint", ticket=t1, owner=clerk,
                    clock_started_at=at("2026-10-09 08:00"), planned_method="in_person")
    Callback.create(kind="complaint", ticket=t2, owner=clerk,
                    clock_started_at=at("2026-09-05 08:00"), done_at=at("2026-10-09 09:00"),
                    method="phone")

    # Bills: 3-1-502 owes Aug (fee + water) and Sep (fee); July is paid; 3-1-501 part-paid Sep.
    def bill(unit, month, lines):  # noqa: ANN001, ANN202
        b = Bill.create(unit=unit, month=month, created_at=at(f"{month}-01 09:00"),
                        total_fen=sum(a for _, a, _ in lines))
        for item, amount, paid in lines:
            BillLine.create(bill=b, item=item, quantity_centi=100, rate_e4=1, amount_fen=amount,
                            paid_fen=paid)

    bill(u502, "2026-07", [("property_fee", 38640, 38640)])
    bill(u502, "2026-08", [("property_fee", 38640, 0), ("water", 5400, 0)])
    bill(u502, "2026-09", [("property_fee", 38640, 0), ("water", 4000, 4000)])
    bill(u501, "2026-09", [("property_fee", 20000, 5000)])
    DunningStep.create(unit=u502, step=2, at=at("2026-09-10 10:00"), by=clerk, amount_fen=1,
                       months=1)
    DunningStep.create(unit=u502, step=3, at=at("2026-10-01 10:00"), by=clerk, amount_fen=1,
                       months=2)

    series = ReceiptSeries.create(code="2026", last_number=125)

    def receipt(number, when, unit, method, amount, payer="张三"):  # noqa: ANN001, ANN202
        p = Payment.create(unit=unit, payer=payer, taken_at=at(when), method=method,
                           amount_fen=amount, cashier=cashier)
        return Receipt.create(series=series, number=number, issued_at=at(when), payment=p,
                              amount_fen=amount, cashier=cashier)

    receipt(122, "2026-10-08 16:00", u501, "cash", 7000)
    receipt(123, "2026-10-09 09:30", u501, "cash", 10000)
    receipt(124, "2026-10-09 09:45", u502, "wechat", 5000, payer="王建国")
    r125 = receipt(125, "2026-10-09 09:50", u501, "cash", 3000)
    ReceiptVoid.create(receipt=r125, at=at("2026-10-09 09:55"), by=clerk, reason="金额错")
    counted = HandOver.create(cashier=cashier, day=date(2026, 10, 8), cash_counted_fen=7000,
                              cash_expected_fen=7000, difference_fen=0,
                              closed_at=at("2026-10-08 17:30"))
    # RULES v2 §4: the count of 10-08 took that day's receipt.
    Receipt.update(hand_over=counted).where(Receipt.number == 122).execute()

    MailItem.create(unit=u502, recipient="王建国", kind="registered",
                    received_at=at("2026-10-06 10:00"), received_by=clerk)
    MailItem.create(unit=u502, recipient="王建国", kind="parcel",
                    received_at=at("2026-10-05 10:00"), received_by=clerk,
                    collected_at=at("2026-10-06 10:00"))
    MailItem.create(unit=u501, recipient="张三", kind="ordinary",
                    received_at=at("2026-10-09 09:00"), received_by=clerk)
    Key.create(unit=u1502, label="入户门 2 把", received_at=at("2026-06-01 10:00"))
    Loan.create(item_kind="umbrella", item="雨伞 #3", unit=u502, borrower="李秀英",
                lent_at=at("2026-10-08 18:00"), lent_by=clerk)
    ReleasePass.create(number="F-000001", unit=u502, bearer_name="王建国", bearer_kind="owner",
                       items="旧沙发", issued_at=at("2026-10-09 09:05"), issued_by=clerk)
    car = Vehicle.create(plate="粤B·12345", model="大众", colour="白", person=wang, unit=u502)
    ParkingLease.create(unit=u502, vehicle=car, space="B1-027", starts_on=date(2026, 1, 1),
                        ends_on=date(2026, 12, 31), monthly_fen=30000, card_no="IC0027")
    return {"clerk": clerk, "cashier": cashier}


# ---- privacy -------------------------------------------------------------------------------


def test_masks() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id("11010519491231002X") == "1101**********002X"
    assert mask_phone("") == "" and mask_id("") == ""
    assert mask_phone("1234") == "****"
    assert mask_phone("88123456") == "881*3456"
    assert mask_id("110105491231002") == "1101*******1002"


# ---- search --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("3-1-502", ["3-1-502"]),
        ("31502", ["3-1-502"]),
        ("121502", ["12-1-502"]),
        ("3栋1单元502", ["3-1-502"]),
        ("3栋1单元502室", ["3-1-502"]),
        ("３１５０２", ["3-1-502"]),  # full-width digits from an input method
        ("ｚｓｆ", ["12-1-502"]),
        ("3-1", ["3-1-501", "3-1-502"]),
        ("3栋", ["3-1-501", "3-1-502", "3-2-1502"]),
        ("12", ["12-1-502"]),
        ("zs", ["3-1-501", "12-1-502"]),  # 张三, then 张三丰 (longer initials)
        ("zsf", ["12-1-502"]),
        ("zhangsan", ["3-1-501", "12-1-502"]),
        ("ZhangSanFeng", ["12-1-502"]),
        ("张三", ["3-1-501", "12-1-502"]),
        ("秀英", ["3-1-502"]),
        ("赵", ["12-1-502"]),
        ("5678", ["12-1-502", "3-1-502"]),  # phone last 4 of 张三丰 and 王建国 (by name)
        ("1234", ["3-1-501"]),
        ("002X", ["3-1-502"]),  # an ID number's last 4 (王建国)
        ("002x", ["3-1-502"]),
        ("粤B12345", ["3-1-502"]),  # a car plate (KF-018 vehicle file)
        ("粤B", ["3-1-502"]),
        ("粤b·123", ["3-1-502"]),
        ("B123", ["3-1-502"]),  # the plate without its province
        ("京A", []),
        ("钱七", []),  # previous owner: file kept, not current
        ("qq", []),
        ("", []),
        ("9-9-999", []),
    ],
)
def test_search_units(community, query: str, codes: list[str]) -> None:  # noqa: ANN001
    assert [h.code for h in views.search_units(query)] == codes


def test_search_hit_fields(community) -> None:  # noqa: ANN001
    (hit,) = views.search_units("秀英")
    assert (hit.code, hit.owner, hit.person, hit.role, hit.via) == (
        "3-1-502", "王建国", "李秀英", "family", "name")
    (tenant,) = views.search_units("zl")
    assert (tenant.owner, tenant.person, tenant.role, tenant.status) == (
        "张三丰", "赵六", "tenant", "rented")
    assert len(views.search_units("3", limit=2)) == 2
    (car,) = views.search_units("粤B12345")
    assert (car.code, car.person, car.via) == ("3-1-502", "粤B·12345", "plate")
    (by_id,) = views.search_units("002X")
    assert (by_id.person, by_id.via) == ("王建国", "id")


# ---- tickets -------------------------------------------------------------------------------


def test_open_tickets_oldest_first(community) -> None:  # noqa: ANN001
    rows = views.open_tickets(Z)
    assert [r.number for r in rows] == ["K-000002", "K-000004", "K-000001", "K-000006"]
    first = rows[0]
    assert first.unit == "3-1-502" and first.caller == "王建国" and first.owner == "张敏"
    assert first.received_at == at("2026-09-01 10:00")
    assert first.received_at.utcoffset().total_seconds() == 8 * 3600  # office zone
    assert rows[-1].unit == "" and rows[-1].caller == "匿名"
    assert rows[2].summary == "厨房下水道堵塞"
    assert [r.number for r in views.open_tickets(Z, kind="complaint")] == ["K-000002"]
    assert [r.number for r in views.open_tickets(Z, department="security")] == ["K-000002"]
    assert len(views.open_tickets(Z, state="new")) == 3
    assert len(views.open_tickets(Z, owner_id=community["clerk"].id)) == 4
    assert views.open_tickets(Z, owner_id=community["cashier"].id) == []
    newest = views.open_tickets(Z, sort="received", descending=True, limit=1)
    assert [r.number for r in newest] == ["K-000006"]


def test_recent_intake_uses_office_day(community) -> None:  # noqa: ANN001
    # 00:30 on the 9th is the 8th in UTC; 23:30 on the 8th is not today.
    assert [r.number for r in views.recent_intake(DAY, Z)] == ["K-000006", "K-000001", "K-000005"]
    assert [r.number for r in views.recent_intake(date(2026, 10, 8), Z)] == ["K-000004"]


def test_find_tickets(community) -> None:  # noqa: ANN001
    assert [r.number for r in views.find_tickets("k-000002", Z)] == ["K-000002"]
    assert [r.number for r in views.find_tickets("4", Z)] == ["K-000004"]
    assert views.find_tickets("xyz", Z) == []


def test_ticket_detail(community) -> None:  # noqa: ANN001
    d = views.ticket_detail("K-000002", Z)
    assert d is not None
    assert [e.step for e in d.log] == ["received", "dispatched"]
    assert [x.department for x in d.dispatches] == ["security"]
    assert [w.number for w in d.work_orders] == ["W-000001"]
    assert d.phone == "138****5678"
    assert [c.kind for c in d.callbacks] == ["complaint"]
    assert views.ticket_detail("K-999999", Z) is None


# ---- callbacks -----------------------------------------------------------------------------


def test_callbacks_due(community) -> None:  # noqa: ANN001
    rows = views.callbacks_due(Z)
    assert [(r.kind, r.ticket, r.work_order) for r in rows] == [
        ("repair", "K-000002", "W-000001"),  # reached through the work order
        ("complaint", "K-000001", ""),
    ]
    assert rows[0].unit == "3-1-502" and rows[0].resident == "王建国"
    assert rows[0].phone == "138****5678"
    assert rows[1].planned_method == "in_person"
    assert rows[0].clock_started_at == at("2026-10-08 16:00")
    assert len(views.callbacks_due(Z, unit_code="3-1-502")) == 2
    assert views.callbacks_due(Z, unit_code="3-1-501") == []


# ---- units ---------------------------------------------------------------------------------


def test_unit_brief(community, clock) -> None:  # noqa: ANN001
    b = views.unit_brief("3-1-502", clock.now(), Z)
    assert b is not None
    assert [(p.name, p.role, p.phone) for p in b.people] == [("王建国", "owner", "138****5678")]
    assert [t.number for t in b.open_tickets] == ["K-000002", "K-000001"]
    assert b.complaints_6m == 1  # K-000002 (Sep); K-000003 (March) is older than 6 months
    assert [(m.kind, m.day_no) for m in b.mail_waiting] == [("registered", 4)]
    assert (b.arrears_months, b.arrears_fen) == (2, 38640 + 5400 + 38640)
    assert views.unit_brief("nope", clock.now(), Z) is None
    rented = views.unit_brief("12-1-502", clock.now(), Z)
    assert [p.role for p in rented.people] == ["owner", "tenant"]


def test_unit_detail(community, clock) -> None:  # noqa: ANN001
    d = views.unit_detail("3-1-502", clock.now(), Z)
    assert d is not None
    assert (d.building, d.group, d.area_centi_m2) == ("3栋", "东区", 21467)
    (owner,) = d.owners
    assert owner.id_number == "1101**********002X" and owner.phone == "138****5678"
    assert [(p.name, p.relation) for p in d.household] == [("李秀英", "spouse")]
    assert d.tenants == ()
    assert [(c.name, c.phone) for c in d.emergency] == [("王小明", "139****7777")]
    assert (d.arrears_months, d.arrears_fen) == (2, 82680)
    assert len(d.open_tickets) == 2 and len(d.callbacks) == 2
    assert [m.kind for m in d.mail_waiting] == ["registered"]
    assert [loan.item for loan in d.loans] == ["雨伞 #3"]
    assert [p.number for p in d.passes] == ["F-000001"]
    assert [(v.plate, v.space, v.card_no) for v in d.vehicles] == [
        ("粤B·12345", "B1-027", "IC0027")]
    vacant = views.unit_detail("3-2-1502", clock.now(), Z)
    assert [k.label for k in vacant.keys] == ["入户门 2 把"]
    assert vacant.owners == ()
    rented = views.unit_detail("12-1-502", clock.now(), Z)
    assert rented.tenants[0].lease_end == date(2027, 2, 28)
    assert rented.owners[0].resident is False


# ---- cashier -------------------------------------------------------------------------------


def test_cashier_day(community) -> None:  # noqa: ANN001
    d = views.cashier_day(DAY, Z)
    assert [r.number for r in d.receipts] == ["2026-000123", "2026-000124", "2026-000125"]
    assert [r.void for r in d.receipts] == [False, False, True]
    assert d.receipts[1].unit == "3-1-502" and d.receipts[1].payer == "王建国"
    assert d.totals == (("cash", 10000), ("wechat", 5000))  # the void is not money
    assert (d.total_fen, d.voids) == (15000, 1)
    assert [r.number for r in views.cashier_day(date(2026, 10, 8), Z).receipts] == [
        "2026-000122"]
    assert views.cashier_day(date(2026, 10, 1), Z).receipts == ()


def test_find_receipts(community) -> None:  # noqa: ANN001
    assert [r.number for r in views.find_receipts("2026-000124", Z)] == ["2026-000124"]
    assert [r.number for r in views.find_receipts("123", Z)] == ["2026-000123"]
    assert views.find_receipts("2025-000123", Z) == []
    assert views.find_receipts("abc def", Z) == []


def test_unit_arrears(community) -> None:  # noqa: ANN001
    a = views.unit_arrears("3-1-502")
    assert a is not None and a.owner == "王建国"
    assert [(x.month, x.item, x.owed_fen) for x in a.lines] == [
        ("2026-08", "property_fee", 38640),
        ("2026-08", "water", 5400),
        ("2026-09", "property_fee", 38640),
    ]
    assert (a.months, a.total_fen) == (2, 82680)
    part = views.unit_arrears("3-1-501")
    assert [(x.amount_fen, x.paid_fen, x.owed_fen) for x in part.lines] == [(20000, 5000, 15000)]
    assert views.unit_arrears("3-2-1502").lines == ()


def test_arrears_list(community) -> None:  # noqa: ANN001
    rows = views.arrears_list(Z)
    assert [(r.code, r.months, r.owed_fen, r.last_step) for r in rows] == [
        ("3-1-502", 2, 82680, 3),
        ("3-1-501", 1, 15000, None),
    ]
    assert [r.code for r in views.arrears_list(Z, min_months=2)] == ["3-1-502"]


# ---- the day -------------------------------------------------------------------------------


def test_day_summary(community, clock) -> None:  # noqa: ANN001
    s = views.day_summary(DAY, clock.now(), Z)
    assert s.intake_total == 3
    assert dict(s.intake_by_kind) == {"repair": 1, "complaint": 1, "suggestion": 1}
    assert s.intake_by_channel == (("phone", 2), ("walk_in", 1))
    assert (s.dispatched, s.completed, s.closed, s.callbacks_done) == (1, 1, 1, 1)
    assert s.callbacks_open == 2
    assert s.open_tickets == 4
    assert (s.receipts, s.receipt_first, s.receipt_last) == (3, "2026-000123", "2026-000125")
    assert s.receipt_totals == (("cash", 10000), ("wechat", 5000))
    assert (s.voids, s.refunds) == (1, 0)
    assert [(h.cashier, h.status, h.receipts) for h in s.hand_overs] == [("李娜", "open", 3)]
    assert s.mail_waiting == 2
    assert s.passes_issued == 1
    before = views.day_summary(date(2026, 10, 8), clock.now(), Z)
    assert [(h.status, h.receipts) for h in before.hand_overs] == [("closed", 1)]
    assert before.intake_total == 1 and before.mail_waiting == 1
