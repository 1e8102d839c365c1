"""KF-018 parking space leases, a modal over F6 (residents).

Leases current and to come by space, then those ended lately: unit, plate, term, monthly fee,
IC card, whether its 100-yuan deposit is paid at the cashier, and whether copy 2 of the
vehicle file went to security. v files a vehicle (plate checked), s signs a lease (a space
already let for any of the days is refused; the deposit charge goes to the cashier, F5),
p prints copy 1 of the vehicle file for the desk's archive, c prints copy 2 for security
(marking it sent), e ends a lease early, i records the IC card handed over — refused, saying
what is still owed, until the deposit and the first period's rent are paid (KF-018 §4.4).
Signing asks for the rent cycle (monthly, quarterly, yearly) and raises the first period's
rent with the deposit (KF-001 §9). Opened on a unit, it lists that unit's leases.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from dateutil.relativedelta import relativedelta
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from kfdesk.desk import leases
from kfdesk.desk.payments import parse_amount
from kfdesk.i18n import t
from kfdesk.money import to_fen
from kfdesk.printing import print_folder
from kfdesk.views.registers import LeaseRow, vehicles
from kfdesk.views.registers import leases as lease_rows

from .common import money, ymd
from .lending import RegisterModal
from .visits import parse_day
from .widgets.dialogs import ActionDialog, Field
from .widgets.table import Column, FitTable

ENDING_DAYS = 30  # a lease ending within this many days is shown in the warning colour


class LeasesScreen(RegisterModal):
    """KF-018: the leases, and v / s / p / c / e."""

    MODE = "leases"
    BINDINGS: ClassVar = [
        Binding("v", "vehicle", "ui.leases.key.vehicle", id="leases.vehicle"),
        Binding("s", "sign", "ui.leases.key.sign", id="leases.sign"),
        Binding("p", "print(1)", "ui.leases.key.print", id="leases.print"),
        Binding("c", "print(2)", "ui.leases.key.security", id="leases.security"),
        Binding("e", "end", "ui.leases.key.end", id="leases.end"),
        Binding("i", "card", "ui.leases.key.card", id="leases.card"),
    ]

    def __init__(self, unit_code: str | None = None) -> None:
        super().__init__(unit_code)
        self._rows: dict[str, LeaseRow] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield FitTable([
            Column("space", t("ui.leases.col.space"), min=6, max=10),
            Column("unit", t("ui.col.unit"), min=7, max=9),
            Column("plate", t("ui.leases.col.plate"), min=9, max=10),
            Column("vehicle", t("ui.leases.col.vehicle"), min=8, max=18, flex=1, drop=3),
            Column("term", t("ui.leases.col.term"), min=21, max=21),
            Column("left", t("ui.leases.col.left"), min=4, max=10),
            Column("monthly", t("ui.leases.col.monthly"), min=7, max=10, right=True,
                   drop=2),
            Column("deposit", t("ui.leases.col.deposit"), min=4, max=8, drop=4),
            Column("card", t("ui.leases.col.card"), min=6, max=8),
            Column("security", t("ui.leases.col.security"), min=4, max=8, drop=1),
        ], id="lease-table")
        yield Static("", id="duty-detail")

    def reload(self) -> None:
        self.show_title()
        rows = lease_rows(self.today, unit_code=self.unit_filter)
        self._rows = {str(r.id): r for r in rows}
        live = [r for r in rows if r.state != "ended"]
        self.query_one("#duty-status", Static).update(t(
            "ui.leases.status", current=sum(1 for r in live if r.state == "current"),
            upcoming=sum(1 for r in live if r.state == "upcoming"),
            ending=sum(1 for r in live if r.days_left <= ENDING_DAYS),
            unpaid=sum(1 for r in live if r.deposit_paid is False),
            no_copy=sum(1 for r in live if not r.copy_to_security), days=ENDING_DAYS))
        table = []
        for r in rows:
            term = f"{ymd(r.starts_on)}→{ymd(r.ends_on)}"
            if r.state == "ended":
                term, left = (term, "dim"), (t("ui.leases.ended"), "dim")
            elif r.state == "upcoming":
                left = t("ui.leases.upcoming")
            elif r.days_left <= ENDING_DAYS:
                left = (t("ui.leases.days_left", n=r.days_left), "bold yellow")
            else:
                left = ""
            deposit = ("—" if r.deposit_paid is None else t("ui.leases.paid") if r.deposit_paid
                       else (t("ui.leases.unpaid"), "bold yellow"))
            security = (t("ui.leases.sent") if r.copy_to_security
                        else (t("ui.leases.not_sent"), "bold yellow"))
            card = t(f"ui.leases.card_{r.card}")
            if r.state == "ended":
                card = (card, "dim")
            elif r.card != "issued":
                card = (card, "bold yellow" if r.card == "waiting" else "bold")
            table.append((str(r.id), [
                r.space, r.unit, r.plate, f"{r.colour}{r.model}" if r.colour else r.model,
                term, left, money(r.monthly_fen), deposit, card,
                "" if r.state == "ended" else security]))
        self.query_one("#lease-table", FitTable).load(table)
        self._show_detail()
        self.keys_line(t("ui.leases.keys"))

    def _current(self) -> LeaseRow | None:
        key = self.selected("lease-table")
        return self._rows.get(key) if key else None

    @on(DataTable.RowHighlighted, "#lease-table")
    def _show_detail(self) -> None:
        row = self._current()
        text = Text()
        if row is not None:
            text.append(f"{row.ref} ", style="bold")
            text.append(t("ui.leases.detail", plate=row.plate, drivers=row.drivers or "—",
                          starts=ymd(row.starts_on), ends=ymd(row.ends_on),
                          deposit=money(row.deposit_fen), card=row.card_no or "—"))
            text.append(t("ui.leases.detail_rent", monthly=money(row.monthly_fen),
                          cycle=t(f"lease.cycle.{row.rent_cycle}")))
        self.query_one("#duty-detail", Static).update(text)

    def _row(self) -> LeaseRow | None:
        row = self._current()
        if row is None:
            self.error(t("ui.leases.none_selected"))
        return row

    def action_vehicle(self) -> None:
        s = self.desk.session

        def submit(v: dict) -> str:
            vehicle = leases.file_vehicle(str(v["unit"]), str(v["plate"]), str(v["model"]),
                                          str(v["colour"]), str(v["drivers"]), s.staff,
                                          s.clock, s.settings)
            return t("ui.leases.filed", plate=vehicle.plate, unit=str(v["unit"]).strip())

        self.app.push_screen(ActionDialog(t("ui.leases.vehicle_title"), [
            self.unit_field(),
            Field("plate", t("ui.leases.f.plate"), placeholder=t("ui.leases.f.plate_eg")),
            Field("model", t("ui.leases.f.model"), placeholder=t("ui.leases.f.model_eg")),
            Field("colour", t("ui.leases.f.colour"), placeholder=t("ui.leases.f.colour_eg")),
            Field("drivers", t("ui.leases.f.drivers"), placeholder=t("ui.leases.f.drivers_eg")),
        ], submit, about=t("ui.leases.vehicle_about")), self.dialog_done)

    def action_sign(self) -> None:
        s = self.desk.session
        today = self.today
        filed = vehicles(self.unit_code) if self.unit_code else []
        deposit = money(to_fen(str(s.settings.get("fees.parking_card_deposit"))))

        def submit(v: dict) -> str:
            starts = parse_day(str(v["starts_on"]), today, "starts_on")
            ends = parse_day(str(v["ends_on"]), today, "ends_on")
            monthly = parse_amount(v["monthly"], "monthly")
            signed = leases.sign_lease(str(v["unit"]), str(v["plate"]), str(v["space"]),
                                       starts, ends, monthly, str(v["card"]), s.staff,
                                       s.clock, s.settings, rent_cycle=str(v["cycle"]))
            return t("ui.leases.signed_rent", ref=leases.lease_ref(signed.lease.id),
                     space=signed.lease.space, deposit=money(signed.deposit.amount_fen),
                     rent=money(signed.rent.amount_fen if signed.rent else 0))

        ends = today + relativedelta(years=1) - timedelta(days=1)
        self.app.push_screen(ActionDialog(t("ui.leases.sign_title"), [
            self.unit_field(),
            Field("plate", t("ui.leases.f.plate"), value=filed[0].plate if filed else "",
                  placeholder=t("ui.leases.f.plate_eg")),
            Field("space", t("ui.leases.f.space"), placeholder=t("ui.leases.f.space_eg")),
            Field("starts_on", t("ui.leases.f.starts_on"), value=today.isoformat(),
                  placeholder=t("ui.duty.day_placeholder")),
            Field("ends_on", t("ui.leases.f.ends_on"), value=ends.isoformat(),
                  placeholder=t("ui.duty.day_placeholder")),
            Field("monthly", t("ui.leases.f.monthly"), placeholder=t("ui.leases.f.monthly_eg")),
            Field("cycle", t("ui.leases.f.cycle"), "choice",
                  [(c, t(f"lease.cycle.{c}")) for c in leases.RENT_CYCLES], "monthly"),
            Field("card", t("ui.leases.f.card"), placeholder=t("ui.leases.f.card_eg")),
        ], submit, about=t("ui.leases.sign_about_rent", deposit=deposit)), self.dialog_done)

    def action_card(self) -> None:
        row = self._row()
        if row is None:
            return
        s = self.desk.session
        lease = self.attempt(leases.issue_card, row.id, s.staff, s.clock, s.settings)
        if lease:
            self.notify(t("ui.leases.card_done", card=lease.card_no, ref=row.ref))

    def action_print(self, copy: int) -> None:
        row = self._row()
        if row is None:
            return
        s = self.desk.session
        where = self.attempt(leases.print_vehicle_file, row.id, copy,
                             print_folder(s.db_target), s.staff, s.clock, s.settings)
        if where:
            self.notify(t(f"ui.leases.printed{copy}", ref=row.ref, where=where))

    def action_end(self) -> None:
        row = self._row()
        if row is None:
            return
        s = self.desk.session
        today = self.today

        def submit(v: dict) -> str:
            day = parse_day(str(v["ends_on"]), today, "ends_on")
            lease = leases.end_lease(row.id, day, s.staff, s.clock, s.settings)
            return t("ui.leases.ended_done", ref=row.ref, space=lease.space,
                     ends=ymd(lease.ends_on))

        self.app.push_screen(ActionDialog(
            t("ui.leases.end_title", ref=row.ref, space=row.space), [
                Field("ends_on", t("ui.leases.f.last_day"),
                      value=max(today, row.starts_on - timedelta(days=1)).isoformat(),
                      placeholder=t("ui.duty.day_placeholder")),
            ], submit, about=t("ui.leases.end_about", deposit=money(row.deposit_fen))),
            self.dialog_done)
