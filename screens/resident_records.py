"""KF-017 resident records of one unit, a modal over F6 (residents).

The unit's people now — role, relation, masked phone and ID number, since when, the lease
end — and its emergency contacts; ``h`` switches to the history (previous owners and
everyone moved out, kept 5 years, KF-017 §1.3). Keys, each on the line at the bottom:
``n`` registers a person (owner, household member, tenant with lease end, other, agent),
``o`` changes the owner (the previous one becomes history), ``m`` moves the selected person
out, ``e`` adds an emergency contact and ``x`` removes the selected one, ``s`` sets the unit's
status, ``v`` shows the selected person's full phone or ID number (KF-017 §4: only for a role
that may, each time logged). A refusal is shown in place and nothing was saved.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from kfdesk.desk import residents
from kfdesk.desk.residents import RecordRow, UnitRecords, unit_records
from kfdesk.i18n import t
from kfdesk.models.people import UNIT_STATUSES

from .common import relation, ymd
from .sampling import DutyModal
from .visits import parse_day
from .widgets.dialogs import ActionDialog, Field
from .widgets.table import Column, FitTable


def _day(text: str, today: date, field: str) -> date | None:
    """A typed day, or None when the field was left blank."""
    return parse_day(text, today, field) if text.strip() else None


def role_text(r: RecordRow) -> str:
    return t("residents.role.agent") if r.is_agent else t(f"occupancy.{r.role}")


class ResidentRecordsScreen(DutyModal):
    """KF-017: one unit's records; writes for clerks, supervisors and managers."""

    MODE = "resident_records"
    BINDINGS: ClassVar = [
        Binding("n", "register", "ui.resident_records.key.register", id="records.register"),
        Binding("o", "change_owner", "ui.resident_records.key.owner", id="records.owner"),
        Binding("m", "move_out", "ui.resident_records.key.move_out", id="records.move_out"),
        Binding("e", "add_contact", "ui.resident_records.key.contact", id="records.contact"),
        Binding("x", "remove_contact", "ui.resident_records.key.remove_contact",
                id="records.remove_contact"),
        Binding("s", "status", "ui.resident_records.key.status", id="records.status"),
        Binding("v", "reveal", "ui.resident_records.key.reveal", id="records.reveal"),
        Binding("h", "history", "ui.resident_records.key.history", id="records.history"),
    ]

    def __init__(self, unit_code: str) -> None:
        super().__init__()
        self.unit_code = unit_code
        self.history = False
        self._data: UnitRecords | None = None
        self._rows: dict[str, RecordRow] = {}
        self._revealed: tuple[str, str] | None = None  # (row key, the line showing it)

    def compose_body(self) -> ComposeResult:
        yield Static("", id="duty-status")
        yield FitTable([
            Column("name", t("ui.resident_records.col.name"), min=6, max=14, flex=1),
            Column("role", t("ui.resident_records.col.role"), min=4, max=16),
            Column("relation", t("ui.resident_records.col.relation"), min=4, max=8, drop=2),
            Column("phone", t("ui.resident_records.col.phone"), min=11, max=13),
            Column("id", t("ui.resident_records.col.id"), min=18, max=18, drop=1),
            Column("since", t("ui.resident_records.col.since"), min=10, max=10),
            Column("lease_end", t("ui.resident_records.col.lease_end"), min=10, max=10),
        ], id="records-table")
        # The history (h) has its own columns: who, until when, and until when it is kept.
        table = FitTable([
            Column("name", t("ui.resident_records.col.name"), min=6, max=14, flex=1),
            Column("role", t("ui.resident_records.col.role"), min=4, max=16),
            Column("relation", t("ui.resident_records.col.relation"), min=4, max=8, drop=1),
            Column("since", t("ui.resident_records.col.since"), min=10, max=10),
            Column("until", t("ui.resident_records.col.until"), min=10, max=10),
            Column("kept", t("ui.resident_records.col.kept"), min=10, max=10),
        ], id="history-table")
        table.display = False
        yield table
        yield Static("", id="duty-detail")

    # ---- drawing ----------------------------------------------------------------------------

    @property
    def table(self) -> FitTable:
        """The table on show: the people now, or the history."""
        return self.query_one("#history-table" if self.history else "#records-table", FitTable)

    def reload(self) -> None:
        data = unit_records(self.unit_code)
        self._data = data
        box = self.query_one("#duty-box")
        if data is None:
            box.border_title = t("ui.title.resident_records")
            self.query_one("#duty-status", Static).update(
                t("ui.resident_records.no_unit", unit=self.unit_code))
            self.table.load([])
            self.keys(t("ui.resident_records.keys_read"))
            return
        box.border_title = t("ui.resident_records.title_history" if self.history
                             else "ui.resident_records.title", unit=data.code)
        owners = "、".join(r.name for r in data.people if r.role == "owner") or "—"
        status = Text()
        status.append(f"{data.code} · {data.building} · ", style="bold")
        status.append(t(f"unit_status.{data.status}"), style="bold")
        status.append("  " + t("ui.resident_records.owners", names=owners))
        status.append("\n" + t("ui.resident_records.masked"), style="dim")
        if self.history:
            status.append("\n" + t("ui.resident_records.history_about",
                                   years=residents.keep_years(self.settings)), style="dim")
        self.query_one("#duty-status", Static).update(status)
        self._rows = {}
        table_rows = []
        for r in data.history if self.history else data.people:
            key = f"o{r.occupancy_id}"
            self._rows[key] = r
            table_rows.append((key, self._history_cells(r) if self.history else self._cells(r)))
        if not self.history:
            for c in data.contacts:
                table_rows.append((f"c{c.contact_id}", [
                    c.name, (t("ui.resident_records.emergency"), "italic"),
                    relation(c.relation) if c.relation else "", c.phone, "", "", ""]))
        if not table_rows:
            width = 6 if self.history else 7
            table_rows.append(("none", [(t("ui.resident_records.none"), "dim")]
                               + [""] * (width - 1)))
        self.query_one("#records-table").display = not self.history
        self.query_one("#history-table").display = self.history
        self.table.load(table_rows)
        self._show_detail()
        if not self.may(residents.RECORD_ROLES):
            self.keys(t("ui.resident_records.keys_read"))
        elif self.may(residents.REVEAL_ROLES["id_number"]):
            self.keys(t("ui.resident_records.keys"))
        else:
            self.keys(t("ui.resident_records.keys_clerk"))

    def _role(self, r: RecordRow) -> str:
        role = role_text(r)
        if r.role == "owner" and not r.resident:
            role += t("ui.resident_records.not_resident")
        return role

    def _cells(self, r: RecordRow) -> list:
        return [(r.name, "bold") if r.role == "owner" else r.name, self._role(r),
                relation(r.relation) if r.relation else "", r.phone, r.id_number,
                ymd(r.since), ymd(r.lease_end)]

    def _history_cells(self, r: RecordRow) -> list:
        return [r.name, self._role(r), relation(r.relation) if r.relation else "",
                ymd(r.since), ymd(r.until), ymd(r.keep_until)]

    def _key(self) -> str | None:
        return self.table.selected_key()

    def _person(self) -> RecordRow | None:
        key = self._key()
        return self._rows.get(key) if key else None

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        detail = self.query_one("#duty-detail", Static)
        if self._revealed is not None and self._revealed[0] == self._key():
            detail.update(Text(self._revealed[1], style="bold"))
        else:
            self._revealed = None
            detail.update("")

    # ---- the keys ---------------------------------------------------------------------------

    def _open(self, title: str, fields: list[Field], submit, about: str = "") -> None:  # noqa: ANN001
        self.app.push_screen(ActionDialog(title, fields, submit, about=about), self.dialog_done)

    def _writer(self, service, *args) -> bool:  # noqa: ANN001, ANN002
        """True when this role writes records; else the service's own refusal is shown."""
        if self.may(residents.RECORD_ROLES):
            return True
        s = self.desk.session
        self.attempt(service, *args, s.staff, s.clock, s.settings)
        return False

    def _day_field(self, name: str, label: str, value: date | None) -> Field:
        return Field(name, label, value=value.isoformat() if value else "",
                     placeholder=t("ui.duty.day_placeholder"))

    def action_register(self) -> None:
        if self._data is None or not self._writer(
                residents.register_person, self.unit_code, "family", "", "", ""):
            return
        s = self.desk.session
        roles = [(r, t("residents.role.agent") if r == "agent" else t(f"occupancy.{r}"))
                 for r in residents.REGISTER_ROLES]
        f = "ui.resident_records.f."

        def submit(v: dict) -> str:
            occ = residents.register_person(
                self.unit_code, str(v["role"]), str(v["name"]), str(v["phone"]),
                str(v["id_number"]), s.staff, s.clock, s.settings,
                relation=str(v["relation"]), address=str(v["address"]),
                lease_end=_day(str(v["lease_end"]), self.today, "lease_end"),
                on=_day(str(v["on"]), self.today, "on"))
            return t("ui.resident_records.registered", name=occ.person.name,
                     role=t("residents.role.agent") if occ.is_agent
                     else t(f"occupancy.{occ.role}"), unit=self.unit_code)

        self._open(t("ui.resident_records.register_title", unit=self.unit_code), [
            Field("role", t(f + "role"), "choice", roles, "family"),
            Field("name", t(f + "name")),
            Field("phone", t(f + "phone"), placeholder=t(f + "phone_eg")),
            Field("id_number", t(f + "id_number"), placeholder=t(f + "id_eg")),
            Field("relation", t(f + "relation"), placeholder=t(f + "relation_eg")),
            self._day_field("lease_end", t(f + "lease_end"), None),
            self._day_field("on", t(f + "on"), self.today),
            Field("address", t(f + "address")),
        ], submit, about=t("ui.resident_records.register_about"))

    def action_change_owner(self) -> None:
        if self._data is None or not self._writer(
                residents.change_owner, self.unit_code, "", "", "", None):
            return
        s = self.desk.session
        f = "ui.resident_records.f."
        owners = "、".join(r.name for r in self._data.people if r.role == "owner") or "—"

        def submit(v: dict) -> str:
            occ = residents.change_owner(
                self.unit_code, str(v["name"]), str(v["phone"]), str(v["id_number"]),
                _day(str(v["on"]), self.today, "on"), s.staff, s.clock, s.settings,
                address=str(v["address"]))
            return t("ui.resident_records.owner_changed", name=occ.person.name,
                     unit=self.unit_code, previous=owners)

        self._open(t("ui.resident_records.owner_title", unit=self.unit_code), [
            Field("name", t(f + "name")),
            Field("phone", t(f + "phone"), placeholder=t(f + "phone_eg")),
            Field("id_number", t(f + "id_number"), placeholder=t(f + "id_eg")),
            self._day_field("on", t(f + "transfer_on"), self.today),
            Field("address", t(f + "address")),
        ], submit, about=t("ui.resident_records.owner_about", previous=owners,
                           years=residents.keep_years(self.settings)))

    def action_move_out(self) -> None:
        row = self._person()
        if row is None or self.history:
            self.error(t("ui.resident_records.pick_person"))
            return
        if not self._writer(residents.move_out, row.occupancy_id, None):
            return
        s = self.desk.session

        def submit(v: dict) -> str:
            residents.move_out(row.occupancy_id, _day(str(v["on"]), self.today, "on"),
                               s.staff, s.clock, s.settings)
            return t("ui.resident_records.moved_out", name=row.name)

        self._open(t("ui.resident_records.move_out_title", name=row.name, role=role_text(row)),
                   [self._day_field("on", t("ui.resident_records.f.moved_on"), self.today)],
                   submit, about=t("ui.resident_records.move_out_about",
                                   years=residents.keep_years(self.settings)))

    def action_add_contact(self) -> None:
        if self._data is None or not self._writer(
                residents.add_emergency_contact, self.unit_code, "", ""):
            return
        s = self.desk.session
        f = "ui.resident_records.f."

        def submit(v: dict) -> str:
            contact = residents.add_emergency_contact(
                self.unit_code, str(v["name"]), str(v["phone"]), s.staff, s.clock, s.settings,
                relation=str(v["relation"]), address=str(v["address"]))
            return t("ui.resident_records.contact_added", name=contact.name)

        self._open(t("ui.resident_records.contact_title", unit=self.unit_code), [
            Field("name", t(f + "name")),
            Field("phone", t(f + "phone"), placeholder=t(f + "phone_eg")),
            Field("relation", t(f + "relation"), placeholder=t(f + "relation_eg")),
            Field("address", t(f + "address")),
        ], submit)

    def action_remove_contact(self) -> None:
        key = self._key()
        if self.history or key is None or not key.startswith("c") or self._data is None:
            self.error(t("ui.resident_records.pick_contact"))
            return
        contact = next(c for c in self._data.contacts if f"c{c.contact_id}" == key)
        if not self._writer(residents.remove_emergency_contact, contact.contact_id):
            return
        s = self.desk.session

        def submit(_v: dict) -> str:
            residents.remove_emergency_contact(contact.contact_id, s.staff, s.clock, s.settings)
            return t("ui.resident_records.contact_removed", name=contact.name)

        self._open(t("ui.resident_records.remove_contact_title", name=contact.name), [],
                   submit, about=t("ui.resident_records.remove_contact_about",
                                   name=contact.name, phone=contact.phone))

    def action_status(self) -> None:
        if self._data is None or not self._writer(
                residents.set_unit_status, self.unit_code, self._data.status):
            return
        s = self.desk.session

        def submit(v: dict) -> str:
            unit = residents.set_unit_status(self.unit_code, str(v["status"]), s.staff, s.clock,
                                             s.settings)
            return t("ui.resident_records.status_set", unit=unit.code,
                     status=t(f"unit_status.{unit.status}"))

        options = [(st, t(f"unit_status.{st}")) for st in UNIT_STATUSES]
        self._open(t("ui.resident_records.status_title", unit=self.unit_code), [
            Field("status", t("ui.resident_records.f.status"), "choice", options,
                  self._data.status)], submit)

    def action_reveal(self) -> None:
        """KF-017 §4: the full number, for a role that may; the core logs each reveal."""
        row = self._person()
        if row is None:
            self.error(t("ui.resident_records.pick_person"))
            return
        s = self.desk.session
        allowed = [f for f in ("phone", "id_number", "phone2")
                   if residents.may_reveal(s.staff.role if s.staff else None, f)]
        if not allowed:
            self.attempt(residents.reveal, row.person_id, "id_number", s.staff, s.clock,
                         s.settings)  # refused: says who may
            return
        key = self._key() or ""

        def submit(v: dict) -> str:
            field = str(v["field"])
            value = residents.reveal(row.person_id, field, s.staff, s.clock, s.settings,
                                     reason=str(v["reason"]))
            line = t("ui.resident_records.revealed", name=row.name,
                     field=t(f"ui.resident_records.field.{field}"),
                     value=value or t("ui.resident_records.none"))
            self._revealed = (key, line)
            return ""

        options = [(f, t(f"ui.resident_records.field.{f}")) for f in allowed]
        self._open(t("ui.resident_records.reveal_title", name=row.name), [
            Field("field", t("ui.resident_records.f.field"), "choice", options, allowed[0]),
            Field("reason", t("ui.resident_records.f.reason"),
                  placeholder=t("ui.resident_records.f.reason_eg")),
        ], submit, about=t("ui.resident_records.reveal_about"))

    def action_history(self) -> None:
        self.history = not self.history
        self._revealed = None
        self.error()
        self.reload()
        self.table.focus()
