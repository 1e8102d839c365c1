"""Roles enforced in the core (issue 9): every role-restricted desk service refuses the wrong
role itself — not only the screen that offers it — with ``auth.not_allowed`` and nothing
written, while the role it is for gets past the check.

``CASES`` is the table: one line per service (how to call it, who must be refused, who may).
Adding a restricted service is adding its line. ``test_every_writer_checks_a_role`` reads the
desk modules and fails for a public service that takes an actor and checks no role, so a new
service cannot forget its check silently.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from tills import pay

import kfdesk.desk as desk_package
from kfdesk import backup, residents_io
from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk import (
    activities,
    billing,
    calendar,
    dunning,
    hand_over,
    mail,
    parking,
    payments,
    residents,
    sampling,
    staff,
    surveys,
    tickets,
    visits,
)
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.models import ALL_MODELS, Refusal, Staff

SETTINGS = default_settings()


@dataclass
class Desk:
    """A small office with something to act on: a receipt, a paid deposit, a counted day."""

    office: dict
    clock: FixedClock
    store: Path
    tmp: Path
    receipt: str
    deposit: int
    hand_over: int

    def who(self, login: str) -> Staff:
        return self.office[login]


@pytest.fixture
def desk(office: dict, clock: FixedClock, store: Path, tmp_path: Path) -> Desk:
    cashier = office["cashier"]
    receipt = pay("", 12000, "cash", cashier, clock, SETTINGS)
    deposit = payments.add_charge("3-1-502", "renovation_deposit", 200000, "装修押金",
                                  cashier, clock, SETTINGS)
    payments.take_payment("3-1-502", 200000, "cash", cashier, clock, SETTINGS,
                          targets=[f"charge:{deposit}"])
    counted = hand_over.submit_hand_over(clock.now().date(), {10000: 2, 1000: 1}, "找零",
                                         cashier, clock, SETTINGS)
    sheet = tmp_path / "residents.csv"
    sheet.write_text("房号,姓名,电话\n3-1-502,王建国,13812345678\n", encoding="utf-8")
    return Desk(office, clock, store, tmp_path, receipt, deposit, counted.id)


Call = Callable[[Desk, Staff], object]


@dataclass(frozen=True)
class Case:
    service: str
    call: Call
    refused: tuple[str, ...]  # logins of the fixture's staff (clerk, cashier, super, manager,
    allowed: str | None  # guard) — the allowed one gets past the role check
    why: str = ""


NOT_CASHIER = ("clerk", "guard", "finance")
NOT_SUPERVISOR = ("clerk", "cashier", "guard", "finance")
MANAGER_ONLY = ("clerk", "cashier", "super", "guard")

CASES = [
    # the cashier's money (KF-015, KF-006 §6)
    Case("payments.void_receipt",
         lambda d, a: payments.void_receipt(d.receipt, "收错", a, d.clock, SETTINGS),
         NOT_SUPERVISOR, "super", "KF-006 §6: the supervisor voids"),
    Case("payments.take_payment",
         lambda d, a: payments.take_payment("3-1-502", 5000, "cash", a, d.clock, SETTINGS,
                                            confirm_overpayment=True),
         NOT_CASHIER, "cashier"),
    Case("payments.refund_deposit",
         lambda d, a: payments.refund_deposit(d.deposit, 100000, "cash", "验收合格", a,
                                              d.clock, SETTINGS),
         NOT_CASHIER, "cashier"),
    Case("payments.use_credit",
         lambda d, a: payments.use_credit("3-1-502", a, d.clock, SETTINGS),
         NOT_CASHIER, "cashier"),
    Case("payments.add_charge",
         lambda d, a: payments.add_charge("3-1-502", "other", 100, "复印", a, d.clock,
                                          SETTINGS),
         NOT_CASHIER, "cashier"),
    Case("payments.print_receipt",
         lambda d, a: payments.print_receipt(d.receipt, d.tmp, a, d.clock, SETTINGS),
         NOT_CASHIER, "cashier"),
    Case("hand_over.submit_hand_over",
         lambda d, a: hand_over.submit_hand_over(d.clock.now().date(), {10000: 1}, "差额",
                                                 a, d.clock, SETTINGS),
         NOT_CASHIER, "cashier"),
    Case("hand_over.confirm_hand_over",
         lambda d, a: hand_over.confirm_hand_over(d.hand_over, a, d.clock, SETTINGS),
         ("clerk", "cashier", "guard", "super", "manager"), "finance",
         "RULES v2 §4: finance's cashier (出纳) confirms the hand-over, not the supervisor"),
    Case("billing.set_rate",
         lambda d, a: billing.set_rate("water", "3.60", "2026-11-01", a, d.clock, SETTINGS),
         NOT_CASHIER, "cashier"),
    Case("billing.run_bills",
         lambda d, a: billing.run_bills("2026-10", a, d.clock, SETTINGS),
         NOT_CASHIER, "cashier"),
    Case("billing.enter_reading",
         lambda d, a: billing.enter_reading("3-1-502", "water", "2026-10", 120, a, d.clock,
                                            SETTINGS),
         ("guard",), "clerk"),
    Case("parking.settle",
         lambda d, a: parking.settle("张三", date(2026, 10, 8), {}, 0, 0, "", a, d.clock,
                                     SETTINGS),
         NOT_CASHIER, "cashier"),
    Case("dunning.escalate_to_lawyer",
         lambda d, a: dunning.escalate_to_lawyer("3-1-502", date(2026, 10, 8), "电话告知",
                                                 a, d.clock, SETTINGS),
         NOT_SUPERVISOR, "super", "KF-016 §3.6"),
    # tickets (KF-006 §1, KF-010 §4.3.3)
    Case("tickets.propose_handling",
         lambda d, a: tickets.propose_handling("K-000001", "赔偿", a, d.clock, SETTINGS),
         ("clerk", "cashier", "manager", "guard"), "super",
         "the supervisor proposes, the manager decides: not the same person"),
    Case("tickets.decide_handling",
         lambda d, a: tickets.decide_handling("K-000001", True, "同意", a, d.clock,
                                              SETTINGS),
         MANAGER_ONLY, "manager", "KF-010 §4.3.3: the manager approves"),
    Case("tickets.reassign",
         lambda d, a: tickets.reassign("K-000001", "clerk2", "调岗", a, d.clock, SETTINGS),
         NOT_SUPERVISOR, "super", "KF-006 §1"),
    Case("tickets.take_ticket",
         lambda d, a: tickets.take_ticket(None, a, d.clock, SETTINGS),  # type: ignore[arg-type]
         ("guard",), None, "security reads; the desk (or the cashier) takes tickets"),
    Case("mail.log_mail",
         lambda d, a: mail.log_mail("3-1-502", "王建国", "registered", "XA123456789CN", a,
                                    d.clock, SETTINGS),
         ("cashier", "guard"), "clerk"),
    # residents' private data (KF-017)
    Case("residents.reveal id_number",
         lambda d, a: residents.reveal(d.office["owner"].id, "id_number", a, d.clock,
                                       SETTINGS),
         NOT_SUPERVISOR, "super", "KF-017 §4"),
    Case("residents.reveal phone",
         lambda d, a: residents.reveal(d.office["owner"].id, "phone", a, d.clock, SETTINGS),
         ("cashier", "guard"), "clerk"),
    Case("residents.purge_expired_files",
         lambda d, a: residents.purge_expired_files(a, d.clock, SETTINGS),
         MANAGER_ONLY, "manager", "KF-017 §1.3"),
    Case("residents_io.import_residents",
         lambda d, a: residents_io.import_residents(d.tmp / "residents.csv", a, d.clock,
                                                    SETTINGS, dry_run=True),
         NOT_SUPERVISOR, "super"),
    Case("residents_io.export_contacts (office copy)",
         lambda d, a: residents_io.export_contacts(d.tmp / "office.csv", a, d.clock,
                                                   SETTINGS, for_security=False),
         ("cashier", "guard"), "clerk"),
    Case("residents_io.export_contacts (unmasked)",
         lambda d, a: residents_io.export_contacts(d.tmp / "full.csv", a, d.clock, SETTINGS,
                                                   for_security=False, reveal=True),
         ("clerk",), "super"),
    # the supervisor's and manager's office jobs
    Case("activities.approve_plan",
         lambda d, a: activities.approve_plan(1, "方案", a, d.clock, SETTINGS),
         MANAGER_ONLY, "manager", "KF-020 §4.2.2"),
    Case("activities.file_annual_plan",
         lambda d, a: activities.file_annual_plan(2027, "春节联欢", a, d.clock, SETTINGS),
         NOT_SUPERVISOR, "super"),
    Case("calendar.apply_notice",
         lambda d, a: calendar.apply_notice([], a, d.clock, SETTINGS),
         NOT_SUPERVISOR, "super"),
    Case("staff.create_staff",
         lambda d, a: staff.create_staff("new", "新人", "clerk", "1234", d.clock, actor=a,
                                         salt=bytes(16)),
         NOT_SUPERVISOR, "manager"),
    Case("sampling.propose_sample",
         lambda d, a: sampling.propose_sample(date(2026, 9, 1), a, d.clock, SETTINGS),
         NOT_SUPERVISOR, "super"),
    Case("surveys.draw_survey_sample",
         lambda d, a: surveys.draw_survey_sample(2026, a, d.clock, SETTINGS),
         NOT_SUPERVISOR, "super"),
    # KF-009 §3.3 (RULES v2): the quality department's approval of the form and the general
    # manager's of the open letter are recorded by the supervisor, not the desk clerk.
    Case("surveys.approve_form",
         lambda d, a: surveys.approve_form(2026, "品质部 周丽", None, a, d.clock, SETTINGS),
         NOT_SUPERVISOR, "super"),
    Case("surveys.approve_open_letter",
         lambda d, a: surveys.approve_open_letter(2026, "总经理 陈", "停车难", None, a, d.clock,
                                                  SETTINGS),
         NOT_SUPERVISOR, "super"),
    Case("surveys.waive_open_letter",
         lambda d, a: surveys.waive_open_letter(2026, "意见分散", a, d.clock, SETTINGS),
         NOT_SUPERVISOR, "super"),
    Case("visits.propose_visits",
         lambda d, a: visits.propose_visits(a, d.clock, SETTINGS),
         NOT_SUPERVISOR, "super"),
    Case("backup.make_backup",
         lambda d, a: backup.make_backup(str(d.store), d.tmp / f"{a.login}.db", d.clock,
                                         SETTINGS, actor=a),
         NOT_SUPERVISOR, "super", "a backup holds every resident's private data"),
]


def _rows() -> dict[str, int]:
    """Every table's row count but the refusals', which a refusal adds to (issue 19)."""
    return {m._meta.table_name: m.select().count() for m in ALL_MODELS if m is not Refusal}


@pytest.mark.parametrize("case", CASES, ids=[c.service for c in CASES])
def test_a_restricted_service_refuses_the_wrong_role_and_writes_nothing(desk: Desk,
                                                                        case: Case) -> None:
    before = _rows()
    files = sorted(desk.tmp.rglob("*"))
    for login in case.refused:
        actor = desk.who(login)
        with pytest.raises(DeskError) as err:
            case.call(desk, actor)
        assert err.value.key == "auth.not_allowed", f"{login}: {err.value.key}"
        for lang in ("zh", "en"):  # the refusal names the role and the action in words
            text = err.value.message(lang)
            assert t(f"role.{actor.role}", lang=lang) in text
            assert "action." not in text, text
        assert _rows() == before, f"{login}: something was written"
        # … but the attempt is on the audit trail: one refusal row, who and with which role.
        last = Refusal.select().order_by(Refusal.id.desc()).first()
        assert last is not None and (last.actor_id, last.role) == (actor.id, actor.role), \
            f"{login}: the refusal was not audited"
        assert sorted(desk.tmp.rglob("*")) == files, f"{login}: a file was written"
    assert Refusal.select().count() == len(case.refused)
    if case.allowed is not None:
        # The refusal is the role's: the role the service is for gets past the check (it
        # may still be refused for its own reasons, e.g. no such ticket).
        try:
            case.call(desk, desk.who(case.allowed))
        except DeskError as exc:
            assert exc.key != "auth.not_allowed", exc.message()


def test_the_table_covers_the_services_the_issue_names() -> None:
    named = {"payments.void_receipt", "hand_over.confirm_hand_over", "tickets.decide_handling",
             "tickets.reassign", "billing.set_rate", "billing.run_bills",
             "payments.take_payment", "payments.refund_deposit", "dunning.escalate_to_lawyer",
             "residents.purge_expired_files", "activities.approve_plan",
             "residents.reveal id_number"}
    assert named <= {c.service for c in CASES}
    # ... and the clerk is refused each of them (a clerk cannot void, close a day or approve).
    assert all("clerk" in c.refused for c in CASES if c.service in named)


# --------------------------------------------------------------------------------------------
# no writer without a role check


# Public functions that take an actor but check no role themselves, and why that is right.
EXEMPT = {
    "base.require_role": "the check itself",
    "base.audit": "writes the audit event of a service that checked its role",
    "staff.sign_out": "anyone signed in may sign out",
    "staff.check_credentials": "sign-in itself (and a supervisor's PIN at the counter): the "
                               "login and PIN are the check, under the lock rules",
    "lending.raise_charge": "a helper inside a register's transaction (its caller checks)",
    "residents.register_checked": "a helper of register_person and the import (they check)",
    "tickets.apply_verdict": "a helper of record_verdict and record_callback (they check)",
}


def _checks_role(fn: ast.FunctionDef, checkers: set[str]) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(
                node.func, "attr", "")
            if name in checkers:
                return True
    return False


def test_every_writer_checks_a_role() -> None:
    modules = {path.stem: [n for n in ast.parse(path.read_text(encoding="utf-8")).body
                           if isinstance(n, ast.FunctionDef)]
               for path in sorted(Path(inspect.getfile(desk_package)).parent.glob("*.py"))}
    everything = [fn for functions in modules.values() for fn in functions]
    # Functions that check a role, directly or through a helper that does (services._step,
    # fault_notices._classify_check, holds.hold_ticket behind tickets.hold …).
    checkers = {"require_role"}
    for _ in range(4):
        checkers |= {fn.name for fn in everything if _checks_role(fn, checkers)}
    unchecked = []
    for module, functions in modules.items():
        for fn in functions:
            args = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
            name = f"{module}.{fn.name}"
            if fn.name.startswith("_") or not args & {"actor", "guard"} or name in EXEMPT:
                continue
            if not _checks_role(fn, checkers):
                unchecked.append(name)
    assert unchecked == []
