"""Issue 17, printed documents: receipts, slips and notices in the office's document language
whatever the screen's (``office.document_language``); the office's name, address and phone at
the top of each; a part payment marked 部分 with what remains; a refund receipt signed by the
one who receives the money (领款人); long item names wrapped inside their column."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import Settings, load_settings
from kfdesk.desk import leases
from kfdesk.desk.payments import add_charge, print_receipt, refund_deposit, take_payment
from kfdesk.i18n import set_language
from kfdesk.models import Bill, BillLine
from kfdesk.printing import cells, document_language, item_lines, office_header

ADDRESS = "深圳市南山区海月路 1 号海月花园管理处"
PHONE = "0755-2666 8888"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = load_settings(None, environ={"KFDESK_CONFIG": str(tmp_path / "none.toml")})
    settings.data["office"]["address"] = ADDRESS
    settings.data["office"]["phone"] = PHONE
    return settings


@pytest.fixture
def english_screen():  # noqa: ANN201 - a fixture
    """The clerk's screen in English (``--lang en`` sets the language of every message)."""
    set_language("en")
    yield
    set_language("zh")


@pytest.fixture
def owing(office: dict, clock: FixedClock) -> dict:
    """3-1-502 owes September: property fee 160.42, water 31.05."""
    bill = Bill.create(unit=office["unit"], month="2026-09",
                       created_at=clock.now() - timedelta(days=30), total_fen=19147)
    for item, fen in (("property_fee", 16042), ("water", 3105)):
        BillLine.create(bill=bill, item=item, quantity_centi=100, rate_e4=10000, amount_fen=fen)
    return office


def _printed(number: str, folder: Path, office: dict, clock: FixedClock,
             settings: Settings) -> str:
    where, _ = print_receipt(number, folder, office["cashier"], clock, settings, "en")
    return Path(where).read_text(encoding="utf-8")


def test_the_document_language_is_a_setting_defaulting_to_chinese(settings: Settings) -> None:
    assert document_language(settings) == "zh"
    settings.data["office"]["document_language"] = "en"
    assert document_language(settings) == "en"


def test_receipts_print_in_chinese_under_an_english_screen(
        owing: dict, clock: FixedClock, settings: Settings, tmp_path: Path,
        english_screen: None) -> None:
    paid = take_payment("3-1-502", 19147, "cash", owing["cashier"], clock, settings,
                        tendered_fen=20000)
    text = _printed(paid.number, tmp_path, owing, clock, settings)
    assert "收 款 收 据" in text and "物业管理费" in text and "实收：¥200.00" in text
    assert "Receipt" not in text and "Property fee" not in text
    # The office's header: name, then address and phone.
    head = text.splitlines()
    assert head[0].strip() == "物业客户服务中心"
    assert ADDRESS in head[1] and PHONE in head[2]  # each on its own line at 44 cells
    assert "部分" not in text  # paid in full


def test_an_english_office_prints_english(owing: dict, clock: FixedClock,
                                          settings: Settings, tmp_path: Path) -> None:
    settings.data["office"]["document_language"] = "en"
    paid = take_payment("3-1-502", 19147, "cash", owing["cashier"], clock, settings,
                        tendered_fen=20000)
    text = _printed(paid.number, tmp_path, owing, clock, settings)
    assert "Property fee" in text and "收 款 收 据" not in text
    assert "".join(f"Address: {ADDRESS}".split()) in "".join(text.split())  # wrapped at 44


def test_a_part_payment_says_so_and_what_remains(owing: dict, clock: FixedClock,
                                                 settings: Settings, tmp_path: Path) -> None:
    paid = take_payment("3-1-502", 10000, "cash", owing["cashier"], clock, settings,
                        tendered_fen=10000)
    text = _printed(paid.number, tmp_path, owing, clock, settings)
    line = next(x for x in text.splitlines() if "物业管理费" in x)
    assert "（部分）" in line and line.rstrip().endswith("¥100.00")
    assert "部分缴费：以上项目尚欠 ¥60.42" in text
    # The rest paid later: that receipt pays the property fee in full (no 部分) and the
    # first one, reprinted, still says what it said.
    rest = take_payment("3-1-502", 9147, "cash", owing["cashier"], clock, settings,
                        tendered_fen=9147)
    later = _printed(rest.number, tmp_path, owing, clock, settings)
    assert "部分" not in later
    again = _printed(paid.number, tmp_path, owing, clock, settings)
    assert "部分缴费：以上项目尚欠 ¥60.42" in again


def test_a_refund_receipt_is_signed_by_the_payee(office: dict, clock: FixedClock,
                                                 settings: Settings, tmp_path: Path) -> None:
    charge = add_charge("3-1-502", "renovation_deposit", 200000, "装修押金", office["cashier"],
                        clock, settings)
    paid = take_payment("3-1-502", 200000, "transfer", office["cashier"], clock, settings,
                        reference="BK-1")
    number = refund_deposit(charge, 200000, "cash", "验收合格退押金", office["cashier"], clock,
                            settings)
    text = _printed(number, tmp_path, office, clock, settings)
    assert "退 款 收 据" in text and "领款人签字" in text and "交款人" not in text
    assert "交款人签字" in _printed(paid.number, tmp_path, office, clock, settings)


def test_a_long_item_wraps_inside_its_column(office: dict, clock: FixedClock,
                                             settings: Settings, tmp_path: Path) -> None:
    long = "有偿维修：卫生间洗手盆下水管漏水更换软管及角阀并疏通地漏，另更换厨房水龙头一只"
    add_charge("3-1-502", "other", 12345, long, office["cashier"], clock, settings)
    paid = take_payment("3-1-502", 12345, "cash", office["cashier"], clock, settings,
                        tendered_fen=12345)
    text = _printed(paid.number, tmp_path, office, clock, settings)
    width = max(cells(x) for x in text.splitlines() if set(x) == {"-"})
    assert all(cells(x) <= width for x in text.splitlines())
    lines = [x for x in text.splitlines() if x.endswith("¥123.45") and "：" not in x[-12:]]
    assert len(lines) == 1 and lines[0].endswith("¥123.45")
    body = "".join(x.strip() for x in text.splitlines())
    assert "另更换厨房水龙头一只" in body  # nothing cut off


def test_item_lines_keep_the_amount_column_clear() -> None:
    out = item_lines("2026-09 " + "车位B1-012租金 2026-10-09至2027-01-08（C-000012）", "¥900.00",
                     44)
    assert out[0].endswith("¥900.00") and len(out) > 1
    assert all(cells(x) <= 44 for x in out)
    assert all(cells(x) <= 44 - len("¥900.00") - 2 for x in out[1:])


def test_office_header_with_no_address_leaves_a_line_to_write_on(tmp_path: Path) -> None:
    settings = load_settings(None, environ={"KFDESK_CONFIG": str(tmp_path / "none.toml")})
    head = office_header(settings, 44, "zh")
    assert head[0].strip() == "物业客户服务中心" and "地址：____" in head[1]


def test_the_vehicle_file_and_parking_slip_under_the_header_in_chinese(
        office: dict, clock: FixedClock, settings: Settings, tmp_path: Path,
        english_screen: None) -> None:
    leases.file_vehicle("3-1-502", "粤B12345", "比亚迪汉", "白色", "王建国", office["clerk"],
                        clock, settings)
    signed = leases.sign_lease("3-1-502", "粤B·12345", "B1-012",
                               clock.now().date(), clock.now().date() + timedelta(days=364),
                               30000, "IC1", office["clerk"], clock, settings,
                               rent_cycle="quarterly")
    where = leases.print_vehicle_file(signed.lease.id, 1, tmp_path, office["clerk"], clock,
                                      settings, "en")
    text = Path(where).read_text(encoding="utf-8")
    assert ADDRESS in text and "车辆管理档案" in text and "按季" in text
