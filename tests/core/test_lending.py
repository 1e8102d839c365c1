"""KF-022 §4–5 lending: hand tools and umbrellas; ladders and power tools refused with the paid
repair offer; one loan per physical item; a lost umbrella charges 20 yuan to the unit."""

from __future__ import annotations

import json

import pytest
from refusals import refused

from kfdesk.clock import FixedClock
from kfdesk.config import Settings, default_settings
from kfdesk.desk import lending
from kfdesk.desk.base import DeskError
from kfdesk.desk.payments import take_payment
from kfdesk.i18n import t
from kfdesk.models import AuditEvent, Charge, Loan
from kfdesk.views import cashier as cviews
from kfdesk.views.registers import lend_choices, lending_status, loans

UNIT = "3-1-502"


@pytest.fixture
def settings() -> Settings:
    return default_settings()


def _refused(call) -> DeskError:  # noqa: ANN001 - a zero-argument call
    return refused(call, Loan, Charge, AuditEvent)


# ---- KF-022 §4.2: never lent -----------------------------------------------------------------


@pytest.mark.parametrize("asked", ["梯子", "借个人字梯", "ladder", "手提电钻", "冲击钻",
                                   "电动螺丝刀", "angle grinder", "Power tool"])
def test_ladders_and_power_tools_are_refused_with_the_paid_repair_offer(
        office: dict, clock: FixedClock, settings: Settings, asked: str) -> None:
    err = _refused(lambda: lending.lend(asked, UNIT, "王建国", office["clerk"], clock, settings))
    assert err.key == "loan.refused" and err.field == "item"
    zh = err.message("zh")
    assert "不外借" in zh and "有偿维修" in zh and "KF-022 §4.2" in zh
    assert "paid repair" in err.message("en")


def test_the_refusal_names_what_was_asked_for(office: dict, clock: FixedClock,
                                             settings: Settings) -> None:
    err = _refused(lambda: lending.lend("梯子", UNIT, "王建国", office["clerk"], clock, settings))
    assert err.message("zh").startswith("梯子不外借")
    # An impact drill is named as such, not as the plain drill its words also match.
    err = _refused(lambda: lending.lend("impact drill", UNIT, "王建国", office["clerk"], clock,
                                        settings))
    assert err.message("zh").startswith("冲击钻")


def test_something_not_on_the_list_is_refused(office: dict, clock: FixedClock,
                                             settings: Settings) -> None:
    err = _refused(lambda: lending.lend("割草机", UNIT, "王建国", office["clerk"], clock,
                                        settings))
    assert err.key == "loan.not_lendable"


# ---- KF-022 §4.1, §5: lending and returning ---------------------------------------------------


def test_a_hand_tool_is_lent_by_name_and_logged(office: dict, clock: FixedClock,
                                               settings: Settings) -> None:
    loan = lending.lend("锤子", UNIT, "王建国", office["clerk"], clock, settings)
    assert (loan.item_kind, loan.item, loan.borrower, loan.unit.code) == (
        "tool", "T05", "王建国", UNIT)
    event = AuditEvent.get(AuditEvent.action == "loan.lend")
    assert json.loads(event.detail)["item"] == "T05" and event.actor_id == office["clerk"].id
    assert [r.item for r in loans(clock.now(), settings.zone)] == ["钉锤 T05"]


def test_one_loan_at_a_time_per_physical_item(office: dict, clock: FixedClock,
                                             settings: Settings) -> None:
    lending.lend("T05", UNIT, "王建国", office["clerk"], clock, settings)
    err = _refused(lambda: lending.lend("T05", UNIT, "李梅", office["clerk"], clock, settings))
    assert err.key == "loan.item_out" and "王建国" in err.message("zh")
    # Two screwdrivers: asking by name takes the free one, then both are out.
    first = lending.lend("螺丝刀", UNIT, "王建国", office["clerk"], clock, settings)
    second = lending.lend("screwdriver", UNIT, "王建国", office["clerk"], clock, settings)
    assert {first.item, second.item} == {"T07", "T08"}
    err = _refused(lambda: lending.lend("螺丝刀", UNIT, "李梅", office["clerk"], clock,
                                        settings))
    assert err.key == "loan.item_out"


def test_a_returned_item_can_be_lent_again(office: dict, clock: FixedClock,
                                          settings: Settings) -> None:
    loan = lending.lend("U01", UNIT, "王建国", office["guard"], clock, settings)
    lending.return_loan(loan.id, office["clerk"], clock, settings)
    assert Loan.get_by_id(loan.id).returned_at == clock.now()
    again = lending.lend("U01", UNIT, "李梅", office["clerk"], clock, settings)
    assert again.item == "U01"
    err = _refused(lambda: lending.return_loan(loan.id, office["clerk"], clock, settings))
    assert err.key == "loan.already_returned"


def test_umbrellas_are_taken_in_turn_and_counted(office: dict, clock: FixedClock,
                                                settings: Settings) -> None:
    total = lending_status().umbrellas_free
    got = [lending.lend("雨伞", UNIT, "王建国", office["clerk"], clock, settings).item
           for _ in range(3)]
    assert got == ["U01", "U02", "U03"]
    status = lending_status()
    assert (status.umbrellas_out, status.umbrellas_free) == (3, total - 3)
    # The lend dialog offers one umbrella line with what is left, and the refused things.
    choices = {c.value: c.label for c in lend_choices()}
    assert choices["umbrella"].endswith(f"×{total - 3}")
    assert any(label == "梯子" for value, label in choices.items() if value.startswith("refused"))


def test_borrower_and_unit_are_required(office: dict, clock: FixedClock,
                                        settings: Settings) -> None:
    assert _refused(lambda: lending.lend("T01", UNIT, " ", office["clerk"], clock,
                                         settings)).field == "borrower"
    assert _refused(lambda: lending.lend("T01", "9-9-999", "王建国", office["clerk"], clock,
                                         settings)).key == "register.unknown_unit"


def test_the_cashier_does_not_lend(office: dict, clock: FixedClock, settings: Settings) -> None:
    err = _refused(lambda: lending.lend("T01", UNIT, "王建国", office["cashier"], clock,
                                        settings))
    assert err.key == "auth.not_allowed"
    assert t("action.loan.lend") in err.message("zh")


# ---- KF-022 §5: a lost umbrella costs 20 yuan ------------------------------------------------


def test_a_lost_umbrella_charges_twenty_yuan_to_the_unit(office: dict, clock: FixedClock,
                                                        settings: Settings) -> None:
    loan = lending.lend("雨伞", UNIT, "王建国", office["guard"], clock, settings)
    charge = lending.mark_lost(loan.id, office["clerk"], clock, settings)
    assert charge is not None
    row = Charge.get_by_id(charge.id)
    assert (row.unit.code, row.kind, row.amount_fen, row.paid_fen) == (UNIT, "other", 2000, 0)
    assert "U01" in row.description and lending.loan_ref(loan.id) in row.description
    assert Loan.get_by_id(loan.id).lost
    lost = AuditEvent.get(AuditEvent.action == "loan.lost")
    assert json.loads(lost.detail)["charge"] == charge.id
    # The cashier finds it among what the unit owes and takes it (F5).
    owed = cviews.owed_items(office["unit"].id, settings.zone)
    assert [(i.key, i.owed_fen) for i in owed] == [(f"charge:{charge.id}", 2000)]
    take_payment(UNIT, 2000, "cash", office["cashier"], clock, settings)
    assert Charge.get_by_id(charge.id).paid_fen == 2000


def test_a_lost_item_is_not_lent_again_nor_returned(office: dict, clock: FixedClock,
                                                   settings: Settings) -> None:
    loan = lending.lend("U01", UNIT, "王建国", office["clerk"], clock, settings)
    lending.mark_lost(loan.id, office["clerk"], clock, settings)
    assert _refused(lambda: lending.lend("U01", UNIT, "李梅", office["clerk"], clock,
                                         settings)).key == "loan.item_lost"
    assert _refused(lambda: lending.return_loan(loan.id, office["clerk"], clock,
                                                settings)).key == "loan.already_lost"
    assert _refused(lambda: lending.mark_lost(loan.id, office["clerk"], clock,
                                              settings)).key == "loan.already_lost"
    # Asking for "an umbrella" passes over the lost one.
    assert lending.lend("雨伞", UNIT, "李梅", office["clerk"], clock, settings).item == "U02"


def test_a_lost_tool_is_marked_without_a_charge(office: dict, clock: FixedClock,
                                               settings: Settings) -> None:
    loan = lending.lend("T03", UNIT, "王建国", office["clerk"], clock, settings)
    assert lending.mark_lost(loan.id, office["clerk"], clock, settings) is None
    assert Charge.select().count() == 0 and Loan.get_by_id(loan.id).lost


def test_the_gate_records_no_losses(office: dict, clock: FixedClock,
                                    settings: Settings) -> None:
    loan = lending.lend("U01", UNIT, "王建国", office["guard"], clock, settings)
    err = _refused(lambda: lending.mark_lost(loan.id, office["guard"], clock, settings))
    assert err.key == "auth.not_allowed"


def test_the_lost_amount_is_the_setting(office: dict, clock: FixedClock) -> None:
    settings = default_settings()
    settings.data["fees"]["umbrella_lost"] = "25.50"
    loan = lending.lend("U01", UNIT, "王建国", office["clerk"], clock, settings)
    assert lending.mark_lost(loan.id, office["clerk"], clock, settings).amount_fen == 2550
