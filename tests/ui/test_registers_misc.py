"""The counter's registers by keystroke: lending (KF-022 §4–5), keys (RULES §5), parking leases
(KF-018), visitors and renovation permits (KF-001 §5–6) — the four modals F6 opens.

On a copy of the demo community, in Chinese and English: a ladder chosen in the lend dialog is
refused in place with the paid repair offer, an umbrella is lent and reported lost (the
20-yuan charge lands on the unit); a key that is out is refused again, its movements shown;
a lease raises the deposit and a second lease of the space is refused in place; a worker
pass past its permit's end is refused in place. Each modal is also drawn at 120×40 and 80×24
with its keys in view. Expectations are read through the views and models on the same store.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from helpers import appears, screen_text, table_rows
from kfdesk_screens.help import HelpScreen
from kfdesk_screens.keys import KeysScreen
from kfdesk_screens.leases import LeasesScreen
from kfdesk_screens.lending import LendingScreen
from kfdesk_screens.visitors import VisitorsScreen
from kfdesk_screens.widgets.choice import ChoiceField
from kfdesk_screens.widgets.dialogs import ActionDialog
from kfdesk_screens.widgets.table import FitTable
from textual.widgets import Input

from kfdesk.config import default_settings
from kfdesk.desk import visitors
from kfdesk.i18n import t
from kfdesk.models import (
    Charge,
    KeyMovement,
    Loan,
    Occupancy,
    ParkingLease,
    Staff,
    Unit,
    Vehicle,
    WorkerPass,
)
from kfdesk.printing import print_folder
from kfdesk.views.registers import keys_held

LANGS = pytest.mark.parametrize("lang", ["zh", "en"])
SETTINGS = default_settings()
TODAY = date(2026, 10, 9)
DUMP = os.environ.get("KFDESK_DUMP")  # a folder: write each drawn modal there as text




def squeezed(text: str) -> str:
    """Text without spaces and box lines: a key line wrapped at 80 columns still matches."""
    return re.sub(r"[\s│╭╮╰╯─]", "", text)


async def open_modal(pilot, app, screen, role: str = "clerk") -> None:  # noqa: ANN001
    app.session.staff = Staff.get(Staff.role == role)
    app.push_screen(screen)
    await pilot.pause()


def _unit() -> Unit:
    """An occupied unit of the demo with an owner."""
    occ = (Occupancy.select().join(Unit).where(Occupancy.role == "owner",
                                              Occupancy.ended_on.is_null(),
                                              Unit.status == "owner_occupied")
           .order_by(Unit.code).first())
    return Unit.get_by_id(occ.unit_id)


# ---- how they look ------------------------------------------------------------------------------


SCREENS = {  # the modal, its keys line, and its first key's dialog with that dialog's title
    "lending": (LendingScreen, "ui.lending.keys", "l", "ui.lending.lend_title"),
    "keys": (KeysScreen, "ui.keys.keys", "i", "ui.keys.take_in_title"),
    "leases": (LeasesScreen, "ui.leases.keys", "s", "ui.leases.sign_title"),
    "visitors": (VisitorsScreen, "ui.visitors.keys", "n", "ui.visitors.permit_title"),
}


def _dump(name: str, text: str) -> None:
    if DUMP:
        Path(DUMP).mkdir(parents=True, exist_ok=True)
        Path(DUMP, f"{name}.txt").write_text(text, encoding="utf-8")


@LANGS
@pytest.mark.parametrize("mode", list(SCREENS))
async def test_each_register_shows_its_title_rows_and_every_key(make_app, lang: str,  # noqa: ANN001
                                                                mode: str) -> None:
    """At 120×40 and at 80×24 (the smallest supported): the title, rows in every table, the
    whole keys line; the first key's dialog fits with its title; F1 shows the rules."""
    app = make_app(lang)
    cls, keys_key, first_key, dialog_title = SCREENS[mode]
    async with app.run_test(size=(120, 40)) as pilot:
        clerk = Staff.get(Staff.role == "clerk")
        unit = _unit()
        if mode == "visitors":  # the demo has none: one visitor and a permit with a pass
            clock = app.session.clock
            visitors.log_visitor("赵六", unit.code, "探亲", "002X", clerk, clock, SETTINGS)
            permit = visitors.issue_permit(unit.code, "美家装饰公司", "刘工", "13900002222",
                                           TODAY, date(2026, 10, 20), clerk, clock, SETTINGS)
            visitors.issue_pass(permit.id, "张三", "1234", date(2026, 10, 11), clerk, clock,
                                SETTINGS)
        await open_modal(pilot, app, cls())
        modal = app.screen
        for size in ((120, 40), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            text = screen_text(app)
            _dump(f"{mode}-{lang}-{size[0]}x{size[1]}", text)
            assert t(f"ui.title.{mode}", lang=lang) in text
            # Every key of the modal is on screen, whole (wrapped at 80 columns).
            shown = squeezed(text)
            assert squeezed(t(keys_key, lang=lang)) in shown, size
            assert squeezed(t("ui.registers.keys_close", lang=lang)) in shown
            assert all(table.row_count for table in modal.query(FitTable)), mode
            await pilot.press(first_key)
            await pilot.pause()
            assert isinstance(app.screen, ActionDialog)
            text = screen_text(app)
            _dump(f"{mode}-{lang}-{size[0]}x{size[1]}-dialog", text)
            assert t(dialog_title, lang=lang) in text
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is modal
        await pilot.press("f1")
        assert await appears(pilot, app, t(f"ui.title.{mode}", lang=lang))
        assert isinstance(app.screen, HelpScreen)


# ---- KF-022 lending --------------------------------------------------------------------------


def _loan_counts() -> tuple[int, int]:
    return Loan.select().count(), Charge.select().count()


@LANGS
async def test_a_ladder_is_refused_then_an_umbrella_lent_and_lost(make_app,  # noqa: ANN001
                                                                 lang: str) -> None:
    """KF-022 §4.2: the ladder is refused in the dialog with the paid repair offer; §5: the
    umbrella lent instead is lost and its 20 yuan lands on the unit for the cashier."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        unit = _unit()
        await open_modal(pilot, app, LendingScreen(unit.code))
        screen = app.screen
        assert t("ui.registers.title_unit", lang=lang, title=t("ui.title.lending", lang=lang),
                 unit=unit.code) in screen_text(app)
        await pilot.press("l")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        assert dialog.query_one("#f-unit", Input).value == unit.code  # opened on the unit
        item = dialog.query_one("#f-item", ChoiceField)
        ladder_name = "梯子" if lang == "zh" else "Ladder"
        assert dict(item.options)["refused:0"] == ladder_name  # offered, to be refused
        item.value = "refused:0"
        dialog.query_one("#f-borrower", Input).value = "王建国"
        before = _loan_counts()
        await pilot.press("ctrl+s")
        refusal = t("loan.refused", lang=lang, item=ladder_name)
        assert await appears(pilot, app, refusal[:12]), screen_text(app)
        shown = squeezed(screen_text(app))
        assert squeezed(refusal)[:60] in shown
        assert ("有偿维修" if lang == "zh" else "paidrepair") in shown
        assert app.screen is dialog and _loan_counts() == before
        # At the smallest size the whole refusal is still there to read out to the resident.
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        _dump(f"lending-refusal-{lang}-80x24", screen_text(app))
        assert squeezed(refusal) in squeezed(screen_text(app))
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        item.value = "umbrella"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        loan = Loan.select().order_by(Loan.id.desc()).get()
        # The first umbrella not out (the demo's loans hold U01, lost, and U03).
        assert (loan.item_kind, loan.item, loan.unit_id, loan.borrower) == (
            "umbrella", "U02", unit.id, "王建国")
        table = screen.query_one("#loan-table", FitTable)
        assert table.row_keys == [str(loan.id)]  # only this unit's loans
        # x: lost, with the charge named before Ctrl+S.
        table.select_key(str(loan.id))
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        assert "¥20.00" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        charge = Charge.select().order_by(Charge.id.desc()).get()
        assert (charge.unit_id, charge.kind, charge.amount_fen) == (unit.id, "other", 2000)
        assert t("ui.lending.lost", lang=lang) in screen_text(app)
        # r on a lost loan says why not; a shows every unit's loans again.
        await pilot.press("r")
        assert await appears(pilot, app, t("ui.lending.not_out", lang=lang,
                                           item="雨伞 U02" if lang == "zh" else "Umbrella U02"))
        await pilot.press("a")
        await pilot.pause()
        assert len(table.row_keys) > 1


# ---- keys ------------------------------------------------------------------------------------


@LANGS
async def test_a_key_that_is_out_is_refused_then_back_and_lent(make_app,  # noqa: ANN001
                                                              lang: str) -> None:
    """RULES §5: the demo's key out with the renovation crew cannot be lent again; it comes
    back (b), goes out to an agent (l), and every movement shows under the table."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        zone = app.session.settings.zone
        out = next(r for r in keys_held(zone) if r.where == "out")
        await open_modal(pilot, app, KeysScreen())
        screen = app.screen
        table = screen.query_one("#key-table", FitTable)
        assert table.row_keys[0] == str(out.id)  # out first
        table.select_key(str(out.id))
        moves = KeyMovement.select().count()
        await pilot.press("l")
        assert await appears(pilot, app, out.with_whom[:6])
        refusal = t("desk_key.already_out", lang=lang, ref=out.ref, label=out.label,
                    to_whom=out.with_whom, since=out.since.strftime("%m-%d %H:%M"))
        assert squeezed(refusal)[:30] in squeezed(screen_text(app))
        assert app.screen is screen and KeyMovement.select().count() == moves
        await pilot.press("b")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        assert dialog.query_one("#f-by_whom", Input).value == out.with_whom
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("l")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        dialog.query_one("#f-to_whom", Input).value = "中介 周先生"
        dialog.query_one("#f-purpose", Input).value = "看房"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        kinds = [m.kind for m in KeyMovement.select().where(KeyMovement.key == out.id)
                 .order_by(KeyMovement.id)]
        assert kinds[-3:] == ["out", "back", "out"]
        assert KeyMovement.select().count() == moves + 2
        table.select_key(str(out.id))
        assert await appears(pilot, app, "中介 周先生（看房）")


# ---- KF-018 parking leases --------------------------------------------------------------------


@LANGS
async def test_a_lease_raises_the_deposit_and_a_taken_space_is_refused(make_app,  # noqa: ANN001
                                                                      lang: str) -> None:
    """KF-018: file the vehicle (v), sign (s) — a space already let is refused in place, a
    free one signed with its 100-yuan deposit for the cashier — then copy 2 to security (c)."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        unit = _unit()
        taken = ParkingLease.select().where(ParkingLease.ends_on >= TODAY,
                                            ParkingLease.starts_on <= TODAY).first()
        await open_modal(pilot, app, LeasesScreen(unit.code))
        screen = app.screen
        await pilot.press("v")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        dialog.query_one("#f-plate", Input).value = "粤A 6666"  # one character short
        dialog.query_one("#f-model", Input).value = "比亚迪汉"
        dialog.query_one("#f-colour", Input).value = "白色"
        dialog.query_one("#f-drivers", Input).value = "王建国"
        await pilot.press("ctrl+s")
        assert await appears(pilot, app, t("lease.bad_plate", lang=lang, text="粤A 6666")[:12])
        assert app.screen is dialog
        dialog.query_one("#f-plate", Input).value = "粤A 66666"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert Vehicle.get(Vehicle.plate == "粤A·66666").unit_id == unit.id
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        assert dialog.query_one("#f-plate", Input).value == "粤A·66666"  # the unit's vehicle
        assert dialog.query_one("#f-starts_on", Input).value == "2026-10-09"
        assert dialog.query_one("#f-ends_on", Input).value == "2027-10-08"
        dialog.query_one("#f-space", Input).value = taken.space
        dialog.query_one("#f-monthly", Input).value = "300"
        dialog.query_one("#f-card", Input).value = "IC900001"
        before = (ParkingLease.select().count(), Charge.select().count())
        await pilot.press("ctrl+s")
        holder = Unit.get_by_id(taken.unit_id).code
        assert await appears(pilot, app, holder), screen_text(app)
        assert app.screen is dialog
        assert (ParkingLease.select().count(), Charge.select().count()) == before
        dialog.query_one("#f-space", Input).value = "B1-900"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        lease = ParkingLease.select().order_by(ParkingLease.id.desc()).get()
        assert (lease.unit_id, lease.space, lease.monthly_fen, lease.card_no) == (
            unit.id, "B1-900", 30000, "IC900001")
        deposit, rent = Charge.select().order_by(Charge.id.desc()).limit(2)[::-1]
        assert (deposit.unit_id, deposit.kind, deposit.amount_fen) == (
            unit.id, "parking_card_deposit", 10000)
        # KF-001 §9: the first month's rent with it (monthly, the dialog's default cycle).
        assert (rent.unit_id, rent.kind, rent.amount_fen) == (unit.id, "parking_lease", 30000)
        table = screen.query_one("#lease-table", FitTable)
        assert str(lease.id) in table.row_keys
        assert t("ui.leases.unpaid", lang=lang) in screen_text(app)
        table.select_key(str(lease.id))
        # KF-018 §4.4: i (issue the card) waits for the payment, said in place.
        await pilot.press("i")
        assert await appears(pilot, app, t("lease.card_unpaid", lang=lang, ref="",
                                           card="IC900001", deposit="", rent="")[:10])
        assert ParkingLease.get_by_id(lease.id).card_issued_at is None
        assert t("ui.leases.card_waiting", lang=lang) in screen_text(app)
        await pilot.press("c")
        await pilot.pause()
        assert ParkingLease.get_by_id(lease.id).copy_to_security
        printed = list(print_folder(app.session.db_target).glob("vehicle-file-*-2.txt"))
        assert printed and "粤A·66666" in printed[0].read_text(encoding="utf-8")


# ---- KF-001 visitors and renovation permits --------------------------------------------------


@LANGS
async def test_a_pass_beyond_the_permit_is_refused_in_place(make_app,  # noqa: ANN001
                                                           lang: str) -> None:
    """KF-001 §5: a permit issued (n), a worker pass past its end refused, one to its end
    issued (w); §6: a visitor logged with a whole ID number keeps only its last 4 (v), then
    leaves (o)."""
    app = make_app(lang)
    async with app.run_test(size=(120, 40)) as pilot:
        unit = _unit()
        await open_modal(pilot, app, VisitorsScreen(unit.code))
        screen = app.screen
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        assert dialog.query_one("#f-unit", Input).value == unit.code
        dialog.query_one("#f-company", Input).value = "美家装饰公司"
        dialog.query_one("#f-foreman", Input).value = "刘工"
        dialog.query_one("#f-foreman_phone", Input).value = "13900002222"
        dialog.query_one("#f-ends_on", Input).value = "11-30"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        permits_table = screen.query_one("#permit-table", FitTable)
        key = permits_table.row_keys[0]
        assert key.startswith("permit:")
        permits_table.focus()
        permits_table.select_key(key)
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        assert dialog.query_one("#f-expires_on", Input).value == "2026-11-30"
        dialog.query_one("#f-name", Input).value = "张三"
        dialog.query_one("#f-expires_on", Input).value = "2026-12-01"
        await pilot.press("ctrl+s")
        refusal = t("renovation.pass_beyond_permit", lang=lang, expires="2026-12-01",
                    ref=visitors.permit_ref(int(key.split(":")[1])), ends="2026-11-30")
        assert await appears(pilot, app, refusal[:16]), screen_text(app)
        assert app.screen is dialog and WorkerPass.select().count() == 0
        dialog.query_one("#f-expires_on", Input).value = "2026-11-30"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        worker = WorkerPass.get()
        assert (worker.name, worker.expires_on) == ("张三", date(2026, 11, 30))
        assert f"pass:{worker.id}" in permits_table.row_keys
        # A visitor: the whole ID number typed, only its last 4 kept and shown.
        await pilot.press("v")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#f-name", Input).value = "赵六"
        dialog.query_one("#f-purpose", Input).value = "探亲"
        dialog.query_one("#f-id_last4", Input).value = "11010519491231002X"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        text = screen_text(app)
        assert "…002X" in text and "11010519491231002X" not in text
        table = screen.query_one("#visitor-table", FitTable)
        assert [row[5] for row in table_rows(table)] == [t("ui.visitors.inside", lang=lang)]
        table.focus()
        await pilot.press("o")
        await pilot.pause()
        assert [row[5] for row in table_rows(table)] == ["10:00"]
