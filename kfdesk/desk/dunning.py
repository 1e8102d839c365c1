"""KF-016 催缴 at the desk: the bank's failure list, the desk's call, three notices, the
lawyer's letter — each step a ``DunningStep`` with what proves it.

The ladder (KF-016 §3, RULES §4), for the monthly fee bills (property fee, water and
electricity, maintenance fund):

1. the bank phones the owner — recorded from the bank's auto-debit failure list
   (``import_bank_failures``, all rows or none);
2. the desk phones: greeting, name and purpose, items, period, amount, a payment deadline
   (``call_script`` fills in the §3.2 script; ``record_call`` records the outcome);
3. the first arrears notice (欠费通知单), 4. the second, only to those still unpaid and
   ≥ ``clocks.arrears_second_notice_months`` months in arrears (§3.4), 5. the third, posted on
   the door (§3.5) — printed in batches by ``issue_notices``. Printing records nothing on
   the ladder (RULES §4, KF-016 §3.3–3.5: "a notice is recorded as delivered or posted when
   someone says it was, not when it is printed"): the print is audited, and the step is
   written by ``record_delivery`` when someone says who handed it over, put it in the
   mailbox or posted it on the door, and on which day; ``record_posting`` adds the photo of
   the posting;
6. the lawyer's letter, escalated to the company, the owner told beforehand (§3.6,
   ``escalate_to_lawyer``; supervisor or manager). **v2** (RULES v2 item 11): for a large
   debtor (欠费大户, owing at least ``dunning.large_debtor_yuan``) the letter may be sent
   without the notices; the owner is still told beforehand, and when is recorded.

Which steps count, and the order, are ``kfdesk.views.dunning``'s (one reading for the screen
and the services): the notices and the letter are taken once each per debt and each needs the
one before it (the first notice needs the desk's call, §3.3 "在电话催缴后"). A refusal writes
nothing. Every write runs in one transaction, is audited, and re-syncs the unit's
second-notice clock (RULES §8, ``rules.sync.sync_unit_arrears``). Evidence goes in the step's
note as JSON (``views.dunning.parse_note``): the bank's row, who answered the call, the file
printed, the photo of the door posting, when the owner was told of the letter.

KF-016 §4.2 wants an error rate of 0: amounts on paper are the store's own figures at the
moment of printing, in figures and in capitals, and a batch with any doubtful unit prints
nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

from ..clock import Clock
from ..config import Settings
from ..i18n import t
from ..models import AuditEvent, Bill, DunningStep, Staff, Unit
from ..money import amount_in_words, fmt, to_fen
from ..printing import cells as _cells
from ..printing import centre as _centre
from ..printing import deliver, document_language, office_header, safe_name
from ..printing import pad as _pad
from ..printing import right as _right
from ..printing import wrap as _wrap
from ..rules.context import RuleContext
from ..rules.sync import months_in_arrears, sync_unit_arrears
from ..views import dunning as dv
from ..views import office_day, unit_arrears
from .base import DeskError, Tr, audit, require_role, transaction
from .inputs import amount_in, day_in, text_in

# Who works the ladder (RULES §4: the cashier and the desk; supervisor and manager cover).
DUNNING_ROLES = ("cashier", "clerk", "supervisor", "manager")
# KF-016 §3.6: the lawyer's letter goes through the company — the supervisor or manager.
LAWYER_ROLES = ("supervisor", "manager")

CALL_OUTCOMES = ("promised", "refused", "disputed", "no_answer", "wrong_number")
REACHED = ("promised", "refused", "disputed")  # someone answered: who is recorded

# **Reading:** the deadline stated on the call and the notices, when the clerk gives none:
# 7 working days, as the demo's notices do. The clerk may type any date not in the past.
DEFAULT_PAY_WORKING_DAYS = 7
MAX_NOTE = 500  # characters of a free-text note
MAX_LISTED = 30  # refused rows or units named in one message; the rest are counted
NOTICE_WIDTH = 72  # cells: an A4 or A5 page in a 12-pitch font
# KF-016 §3.3–3.5: how a printed notice reached the household; the third is posted on the door.
DELIVERY_WAYS = ("handed", "mailbox", "posted")
NAME_MAX = 64


# --------------------------------------------------------------------------------------------
# refusals that name several rows or units


class Problem(NamedTuple):
    """One refused spreadsheet row or unit: where, and why (a catalogue key and its values)."""

    unit: str
    row: int | None
    key: str
    params: dict[str, Any]


def _values(params: dict[str, Any], lang: str | None) -> dict[str, Any]:
    return {k: t(v.key, lang=lang) if isinstance(v, Tr) else v for k, v in params.items()}


class ListedRefusal(DeskError):
    """A batch or import refused as a whole: the message lists each bad row or unit with its
    reason, in the language it is shown in. Nothing was written."""

    def __init__(self, key: str, problems: Iterable[Problem], field: str | None = None,
                 **params: Any) -> None:
        self.problems = tuple(problems)
        # Counted by row or unit: one row may be wrong in two ways.
        count = len({(p.unit, p.row) if p.row is None else p.row for p in self.problems})
        super().__init__(key, field, count=count, **params)

    @property
    def units(self) -> tuple[str, ...]:
        """The refused units (for the screen: the clerk drops them and prints again)."""
        return tuple(dict.fromkeys(p.unit for p in self.problems if p.unit))

    def message(self, lang: str | None = None) -> str:
        lines = [super().message(lang)]
        for p in self.problems[:MAX_LISTED]:
            where = p.unit
            if p.row is not None:
                where = (t("dunning.row_unit", lang=lang, row=p.row, unit=p.unit) if p.unit
                         else t("dunning.row", lang=lang, row=p.row))
            lines.append(t("dunning.problem", lang=lang, where=where,
                           reason=t(p.key, lang=lang, **_values(p.params, lang))))
        if len(self.problems) > MAX_LISTED:
            lines.append(t("dunning.more", lang=lang, n=len(self.problems) - MAX_LISTED))
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# shared checks


def _text(value: object) -> str:
    """A cell or a typed value as clean text (full-width digits and signs of an input method
    made plain: ``３－１－５０２`` is 3-1-502)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _today(clock: Clock, settings: Settings) -> date:
    return office_day(clock.now(), settings.zone)


def default_pay_by(clock: Clock, settings: Settings) -> date:
    """The payment deadline offered by default: ``DEFAULT_PAY_WORKING_DAYS`` working days on."""
    calendar = RuleContext.from_store(settings).calendar
    due = calendar.add_working_days(clock.now(), DEFAULT_PAY_WORKING_DAYS)
    return calendar.local_date(due.at)


def _check_pay_by(pay_by: date | None, today: date) -> date:
    pay_by = day_in(pay_by, "pay_by")  # an instant cannot be compared with a day
    if pay_by is None:
        raise DeskError("dunning.pay_by_needed", field="pay_by")
    if pay_by < today:
        raise DeskError("dunning.pay_by_past", field="pay_by", day=pay_by.isoformat())
    return pay_by


def _check_note(note: str | None) -> str:
    note = text_in(note, "note").strip()
    if len(note) > MAX_NOTE:
        raise DeskError("dunning.note_too_long", field="note", limit=MAX_NOTE)
    return note


def _unit(code: str) -> Unit:
    code = text_in(_text(code), "unit")  # a sheet's number is fine; a control character is not
    if not code:
        raise DeskError("dunning.unit_needed", field="unit")
    unit = Unit.get_or_none(Unit.code == code)
    if unit is None:
        raise DeskError("dunning.unknown_unit", field="unit", unit=code)
    return unit


class _State(NamedTuple):
    """A unit's fee arrears and the steps of its current debt."""

    unit: Unit
    owner: str
    lines: tuple  # views.ArrearsLine of the fee bills
    owed_fen: int
    months: int
    steps: list[DunningStep]  # current debt, oldest first
    highest: int


def _state(unit: Unit) -> _State:
    arrears = unit_arrears(unit.code)
    since = dv.arrears_since([unit.id]).get(unit.id)
    steps = dv.current_steps(dv.unit_steps([unit.id]).get(unit.id, []), since)
    lines = arrears.lines if arrears else ()
    return _State(unit=unit, owner=arrears.owner if arrears else "", lines=lines,
                  owed_fen=sum(a.owed_fen for a in lines),
                  months=len({a.month for a in lines}), steps=steps,
                  highest=max((s.step for s in steps), default=0))


def _ladder_refusal(state: _State, step: int, settings: Settings
                    ) -> tuple[str, dict[str, Any]] | None:
    """Why ``step`` may not be taken now for this unit (KF-016 §3 order), or None."""
    if state.owed_fen <= 0:
        return "dunning.refuse.owes_nothing", {}
    if state.highest >= step:
        done = max((s for s in state.steps if s.step == state.highest), key=lambda s: s.at)
        return "dunning.refuse.already", {
            "done": Tr(f"dunning.step{state.highest}"),
            "on": done.at.astimezone(settings.zone).date().isoformat(),
            "step": Tr(f"dunning.step{step}")}
    if step - 1 not in {s.step for s in state.steps}:
        return "dunning.refuse.order", {"step": Tr(f"dunning.step{step}"),
                                        "before": Tr(f"dunning.step{step - 1}")}
    limit = dv.second_notice_months(settings)
    if step == dv.SECOND_NOTICE and state.months < limit:
        # KF-016 §3.4: "欠交 2 个月以上" — the second notice only from the second month.
        return "dunning.refuse.months", {"months": state.months, "limit": limit}
    return None


def _refuse_unit(state: _State, step: int, settings: Settings) -> None:
    refusal = _ladder_refusal(state, step, settings)
    if refusal is not None:
        key, params = refusal
        raise DeskError(key, **params)


def _evidence(**values: Any) -> str:
    return json.dumps({k: v for k, v in values.items() if v not in (None, "")},
                      ensure_ascii=False, sort_keys=True, default=str)


def _write_step(state: _State, step: int, actor: Staff, now: datetime, *,
                amount_fen: int | None = None, pay_by: date | None = None,
                note: str = "") -> DunningStep:
    return DunningStep.create(
        unit=state.unit, step=step, at=now, by=actor,
        amount_fen=state.owed_fen if amount_fen is None else amount_fen,
        months=state.months, pay_by=pay_by, note=note)


def _sync(units: Iterable[Unit], settings: Settings) -> None:
    """RULES §8: the second-notice clock follows the ladder (started by a first notice,
    stopped by a later step or by payment)."""
    sync_unit_arrears(list({u.id: u for u in units}.values()), RuleContext.from_store(settings))


# --------------------------------------------------------------------------------------------
# 1. the bank's auto-debit failure list


# Header words, compared without case, spaces, brackets or punctuation ("金额（元）" → 金额元).
# **Reading:** the bank's "account" (户号/缴费号) is the payer reference the office registered
# with the bank, which is the unit code as the counter writes it; a bank card number is not
# kept in the store (KF-017 §4 privacy), so it cannot be matched and such a row is refused.
COLUMN_WORDS = {
    "unit": ("unit", "unitcode", "room", "房号", "房间号", "房屋", "房屋编号", "门牌号"),
    "account": ("account", "accountno", "accountnumber", "户号", "缴费户号", "缴费号",
                "客户号", "账号", "帐号", "代扣账号", "代扣户号"),
    "amount": ("amount", "金额", "扣款金额", "应扣金额",
               "未扣金额", "欠款金额", "欠费金额", "失败金额"),
    "period": ("month", "period", "billmonth", "月份", "期间", "所属期", "所属月份",
               "费用月份", "账期", "扣款月份", "费用期间"),
    "reason": ("reason", "failurereason", "原因", "失败原因", "扣款失败原因", "备注", "说明"),
}
_HEADER_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】")  # "金额（元）": the unit in brackets
_HEADER_NOISE = re.compile(r"[\s_\-/\\.:：*]+")


class ImportResult(NamedTuple):
    file: str
    rows: int
    units: int
    total_fen: int


def _header_word(value: object) -> str:
    return _HEADER_NOISE.sub("", _HEADER_NOTE.sub("", _text(value).lower()))


def read_sheet(path: Path) -> list[tuple[int, list[object]]]:
    """The non-blank rows of a .csv (UTF-8, with or without BOM) or an .xlsx file (its first
    sheet), each with its row number as the clerk sees it in the spreadsheet."""
    if not path.is_file():
        raise DeskError("dunning.import.missing", field="path", path=str(path))
    kind = path.suffix.lower()
    records: list[tuple[int, list[object]]] = []
    if kind == ".csv":
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DeskError("dunning.import.not_utf8", field="path", file=path.name) from None
        except OSError as exc:
            raise DeskError("dunning.import.unreadable", field="path", file=path.name,
                            reason=exc.strerror or str(exc)) from exc
        try:
            for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
                records.append((number, list(cells)))
        except csv.Error as exc:
            raise DeskError("dunning.import.unreadable", field="path", file=path.name,
                            reason=str(exc)) from exc
    elif kind == ".xlsx":
        from zipfile import BadZipFile

        import openpyxl  # only when a spreadsheet is imported: a heavy import

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (BadZipFile, OSError, KeyError, ValueError) as exc:
            raise DeskError("dunning.import.unreadable", field="path", file=path.name,
                            reason=str(exc) or type(exc).__name__) from exc
        try:
            sheet = book.worksheets[0]
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                records.append((number, list(cells)))
        finally:
            book.close()
    else:
        raise DeskError("dunning.import.kind", field="path", file=path.name)
    records = [(n, cells) for n, cells in records if any(_text(c) for c in cells)]
    if not records:
        raise DeskError("dunning.import.empty", field="path", file=path.name)
    return records


HEADER_SEARCH_ROWS = 10  # a bank's export may start with a title line or two


def _header(records: list[tuple[int, list[object]]]
            ) -> tuple[dict[str, int], list[tuple[int, list[object]]]]:
    """The columns, from the first row (of the first few) that names them, and the rows below."""
    for index, (_, cells) in enumerate(records[:HEADER_SEARCH_ROWS]):
        try:
            return _columns(cells), records[index + 1:]
        except DeskError:
            continue
    return _columns(records[0][1]), []  # refuses, naming what the first row has


def _columns(header: list[object]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        word = _header_word(cell)
        for name, words in COLUMN_WORDS.items():
            if word in words and name not in found:
                found[name] = index
    missing = [name for name in ("amount", "period") if name not in found]
    if "unit" not in found and "account" not in found:
        missing.insert(0, "unit")
    if missing:
        raise DeskError("dunning.import.columns", field="path",
                        columns=t("dunning.list_sep").join(t(f"dunning.col.{m}") for m in missing),
                        found=" | ".join(_text(c) for c in header if _text(c)) or "—")
    return found


def parse_amount(value: object) -> int | None:
    """Fen from a bank amount: ``1,286.40``, ``¥1286.4``, ``1286.40元`` or a spreadsheet number;
    None when it is not an amount exact to the fen. A spreadsheet keeps numbers as binary
    floats; the shortest decimal that reads back as the same float (``repr``) is the number
    the bank wrote, so no float arithmetic touches the money."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        try:
            amount = Decimal(repr(value))
        except InvalidOperation:
            return None
    else:
        # A typed cell reads as every money field does (issue 17): no 1e9, no ١٢, no -5.
        text = _text(value)
        sign = -1 if text[:1] in ("-", "−") else 1  # a negative row is named as such below
        try:
            return sign * amount_in(text[1:] if sign < 0 else text, "amount", zero_ok=True)
        except DeskError:
            return None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


_PERIOD = (
    re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]\s*\d{1,2}\s*日?)?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)


def parse_period(value: object) -> str | None:
    """``2026-09`` from ``2026-09``, ``2026/9``, ``2026年9月``, ``202609``, or a date cell."""
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    text = _text(value)
    for pattern in _PERIOD:
        m = pattern.match(text)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if 2000 <= year <= 2100 and 1 <= month <= 12:
                return f"{year:04d}-{month:02d}"
    return None


class _BankRow(NamedTuple):
    row: int
    unit: Unit
    amount_fen: int
    period: str
    reason: str


def import_bank_failures(path: str | Path, actor: Staff, clock: Clock,
                         settings: Settings) -> ImportResult:
    """KF-016 §3.1: the bank's auto-debit failure list; each row becomes step 1 (the bank
    phoned the owner) for its unit.

    Columns (English or Chinese headers, any order): unit (房号) or account (户号), amount
    (金额), month (月份/期间), reason (失败原因, optional). All or nothing: a row with an unknown
    unit, an amount that is not exact to the fen or not positive, a month that is not one or
    has not begun, no bill of that unit for that month, the same unit and month twice, or a
    unit and month already imported refuses the whole file, naming every bad row.
    """
    require_role(actor, DUNNING_ROLES, "dunning.import")
    path = Path(path).expanduser()
    columns, rows = _header(read_sheet(path))
    if not rows:
        raise DeskError("dunning.import.empty", field="path", file=path.name)
    today = _today(clock, settings)
    this_month = f"{today.year:04d}-{today.month:02d}"

    def cell(cells: list[object], name: str) -> object:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    now = clock.now()
    with transaction():
        problems: list[Problem] = []
        raw = [(n, _text(cell(c, "unit")) or _text(cell(c, "account")), c) for n, c in rows]
        units = {u.code: u for u in Unit.select().where(
            Unit.code.in_(sorted({code for _, code, _ in raw if code}) or [""]))}
        good: list[_BankRow] = []
        for number, code, cells in raw:
            before = len(problems)
            unit = units.get(code)
            if not code:
                problems.append(Problem("", number, "dunning.import.no_unit", {}))
            elif unit is None:
                problems.append(Problem("", number, "dunning.import.unknown_unit",
                                        {"unit": code}))
            amount_cell = cell(cells, "amount")
            amount = parse_amount(amount_cell)
            if amount is None:
                problems.append(Problem(code, number, "dunning.import.bad_amount",
                                        {"value": _text(amount_cell) or "—"}))
            elif amount <= 0:
                problems.append(Problem(code, number, "dunning.import.amount_positive",
                                        {"value": _text(amount_cell)}))
            period_cell = cell(cells, "period")
            period = parse_period(period_cell)
            if period is None:
                problems.append(Problem(code, number, "dunning.import.bad_period",
                                        {"value": _text(period_cell) or "—"}))
            elif period > this_month:
                problems.append(Problem(code, number, "dunning.import.future_period",
                                        {"period": period}))
            if len(problems) == before:
                good.append(_BankRow(number, unit, amount, period,
                                     _text(cell(cells, "reason"))[:100]))
        # Checks against the store and the rest of the file, for the rows that read well.
        ids = sorted({r.unit.id for r in good})
        billed = set(Bill.select(Bill.unit, Bill.month)
                     .where(Bill.unit.in_(ids or [0])
                            & Bill.month.in_(sorted({r.period for r in good}) or [""]))
                     .tuples())
        imported: dict[tuple[int, str], date] = {}
        for step in DunningStep.select().where(DunningStep.unit.in_(ids or [0])
                                               & (DunningStep.step == dv.BANK)):
            evidence, _ = dv.parse_note(step.note)
            if evidence.get("kind") == "bank":
                imported[(step.unit_id, evidence.get("period", ""))] = (
                    step.at.astimezone(settings.zone).date())
        seen: dict[tuple[int, str], int] = {}
        rows_ok: list[_BankRow] = []
        for r in good:
            key = (r.unit.id, r.period)
            if (r.unit.id, r.period) not in billed:
                problems.append(Problem(r.unit.code, r.row, "dunning.import.no_bill",
                                        {"period": r.period}))
            elif key in seen:
                problems.append(Problem(r.unit.code, r.row, "dunning.import.duplicate",
                                        {"first": seen[key]}))
            elif key in imported:
                problems.append(Problem(r.unit.code, r.row, "dunning.import.already",
                                        {"period": r.period, "on": imported[key].isoformat()}))
            else:
                seen[key] = r.row
                rows_ok.append(r)
        if problems:
            problems.sort(key=lambda p: p.row or 0)
            raise ListedRefusal("dunning.import.refused", problems, field="path",
                                file=path.name)
        for r in rows_ok:
            step = DunningStep.create(
                unit=r.unit, step=dv.BANK, at=now, by=actor, amount_fen=r.amount_fen,
                months=months_in_arrears(r.unit.id), pay_by=None,
                note=_evidence(kind="bank", period=r.period, reason=r.reason, file=path.name,
                               row=r.row))
            audit(actor, clock, "dunning.import", step, unit=r.unit.code, step=dv.BANK,
                  period=r.period, amount_fen=r.amount_fen, reason=r.reason, file=path.name,
                  row=r.row)
        _sync((r.unit for r in rows_ok), settings)
    return ImportResult(file=path.name, rows=len(rows_ok),
                        units=len({r.unit.id for r in rows_ok}),
                        total_fen=sum(r.amount_fen for r in rows_ok))


# --------------------------------------------------------------------------------------------
# 2. the desk's call


def _day_text(day: date, lang: str | None) -> str:
    return t("dunning.date", lang=lang, d=day)


def _month_text(month: str, lang: str | None) -> str:
    year, number = month.split("-")
    return t("dunning.month", lang=lang, year=int(year), month=int(number))


def _span(first: str, last: str, lang: str | None, months: int | None = None) -> str:
    text = (_month_text(first, lang) if first == last
            else t("dunning.span", lang=lang, first=_month_text(first, lang),
                   last=_month_text(last, lang)))
    if months is not None:
        text += t("dunning.months_paren", lang=lang, n=months)
    return text


def call_script(unit_code: str, pay_by: date, actor: Staff, now: datetime,
                settings: Settings, lang: str | None = None) -> str:
    """KF-016 §3.2 filled in for one unit: greeting (§3.2.1), the clerk's name and purpose
    (§3.2.2), each item with its period and amount, the whole period in months, the total in
    figures and in capitals, and the payment deadline (§3.2.3). Writes nothing."""
    require_role(actor, DUNNING_ROLES, "dunning.call")
    unit = _unit(unit_code)
    _check_pay_by(pay_by, office_day(now, settings.zone))
    state = _state(unit)
    if state.owed_fen <= 0:
        raise DeskError("dunning.refuse.owes_nothing")
    items = dv.items_owed(state.lines)
    months = sorted({a.month for a in state.lines})
    out = [t("dunning.script.title", lang=lang), ""]
    out.append(t("dunning.script.greet", lang=lang, unit=unit.code, owner=state.owner)
               if state.owner else t("dunning.script.greet_no_owner", lang=lang,
                                     unit=unit.code))
    out.append(t("dunning.script.intro", lang=lang, office=settings.office_name,
                 role=t(f"role.{actor.role}", lang=lang), name=actor.name))
    out.append(t("dunning.script.items", lang=lang))
    for item in items:
        out.append(t("dunning.script.item", lang=lang, item=t(f"fee_item.{item.item}",
                                                              lang=lang),
                     period=_span(item.first_month, item.last_month, lang, item.months),
                     amount=fmt(item.owed_fen)))
    out.append(t("dunning.script.period", lang=lang,
                 period=_span(months[0], months[-1], lang), months=len(months)))
    out.append(t("dunning.script.total", lang=lang, amount=fmt(state.owed_fen),
                 words=amount_in_words(state.owed_fen)))
    out.append(t("dunning.script.deadline", lang=lang, day=_day_text(pay_by, lang)))
    out.append(t("dunning.script.close", lang=lang))
    return "\n".join(out)


def record_call(unit_code: str, outcome: str, promised_on: date | None, note: str,
                actor: Staff, clock: Clock, settings: Settings, *,
                pay_by: date | None = None, answered_by: str = "") -> DunningStep:
    """KF-016 §3.2: step 2, the desk's call, with its outcome.

    ``outcome``: promised (reached, promised to pay by ``promised_on``), refused, disputed
    (reached, disputes the amount: check before the notices), no_answer, wrong_number.
    Reached calls name who answered (the evidence). ``pay_by`` is the deadline stated on the
    call (default: the promised day, else ``DEFAULT_PAY_WORKING_DAYS`` working days).
    Calls may repeat; the unit must owe something.
    """
    require_role(actor, DUNNING_ROLES, "dunning.call")
    if outcome not in CALL_OUTCOMES:
        raise DeskError("dunning.call.outcome", field="outcome")
    today = _today(clock, settings)
    answered_by = _text(text_in(answered_by, "answered_by"))[:64]
    if outcome in REACHED and not answered_by:
        raise DeskError("dunning.call.answered_by", field="answered_by")
    promised_on = day_in(promised_on, "promised_on")
    if outcome == "promised":
        if promised_on is None:
            raise DeskError("dunning.call.promise_needed", field="promised_on")
        if promised_on < today:
            raise DeskError("dunning.call.promise_past", field="promised_on",
                            day=promised_on.isoformat())
    elif promised_on is not None:
        raise DeskError("dunning.call.promise_only", field="promised_on")
    if pay_by is None:
        pay_by = promised_on if outcome == "promised" else default_pay_by(clock, settings)
    pay_by = _check_pay_by(pay_by, today)
    note = _check_note(note)
    unit = _unit(unit_code)
    with transaction():
        state = _state(unit)
        if state.owed_fen <= 0:
            raise DeskError("dunning.refuse.owes_nothing")
        step = _write_step(state, dv.CALL, actor, clock.now(), pay_by=pay_by,
                           note=_evidence(kind="call", outcome=outcome, answered_by=answered_by,
                                          promised_on=promised_on, text=note))
        audit(actor, clock, "dunning.call", step, unit=unit.code, step=dv.CALL,
              outcome=outcome, answered_by=answered_by, promised_on=promised_on,
              pay_by=pay_by, amount_fen=state.owed_fen, months=state.months)
        _sync([unit], settings)
    return step


# --------------------------------------------------------------------------------------------
# 3–5. the notices


class NoticeBatch(NamedTuple):
    step: int
    units: tuple[str, ...]
    total_fen: int
    printed: str  # where the text went: the printer command or the file
    text: str


def _unit_long(unit: Unit, lang: str | None) -> str:
    building = unit.building
    return t("dunning.unit_long", lang=lang, building=building.name, entrance=unit.entrance,
             room=unit.room)


def notice_text(state: _State, step: int, pay_by: date, today: date, settings: Settings,
                lang: str | None = None) -> str:
    """One arrears notice (欠费通知单, KF-016 §3.3): the exact unit, each item with its
    period and amount, the total in figures and capitals, the payment deadline, the date."""
    w = NOTICE_WIDTH
    items = dv.items_owed(state.lines)
    months = sorted({a.month for a in state.lines})
    out = [*office_header(settings, w, lang),
           _centre(t(f"dunning.notice.title{step}", lang=lang), w), ""]
    left = t("dunning.notice.unit", lang=lang, unit=state.unit.code,
             place=_unit_long(state.unit, lang))
    right = t("dunning.notice.owner", lang=lang, owner=state.owner or "—")
    out.append(left + " " * max(w - _cells(left) - _cells(right), 2) + right)
    out.append("")
    out.append(t("dunning.notice.dear", lang=lang))
    out.extend("    " + line for line in _wrap(
        t("dunning.notice.intro", lang=lang, day=_day_text(today, lang)), w - 4))
    heads = [t(f"dunning.notice.col.{k}", lang=lang)
             for k in ("item", "period", "months", "amount")]
    rows = [[t(f"fee_item.{i.item}", lang=lang),
             _span(i.first_month, i.last_month, lang), str(i.months), fmt(i.owed_fen)]
            for i in items]
    total = [t("dunning.notice.total", lang=lang), _span(months[0], months[-1], lang),
             str(len(months)), fmt(state.owed_fen)]
    widths = [max(_cells(r[i]) for r in [heads, *rows, total]) for i in range(4)]
    widths[1] = max(widths[1], w - 6 - widths[0] - widths[2] - widths[3])

    def line(cells: list[str]) -> str:
        return "  ".join([_pad(cells[0], widths[0]), _pad(cells[1], widths[1]),
                          _right(cells[2], widths[2]), _right(cells[3], widths[3])]).rstrip()

    out.append(line(heads))
    out.append("-" * w)
    out.extend(line(r) for r in rows)
    out.append("-" * w)
    out.append(line(total))
    out.append(t("dunning.notice.words", lang=lang, words=amount_in_words(state.owed_fen)))
    out.append("")
    for key in ("deadline", "check"):
        out.extend("    " + x for x in _wrap(
            t(f"dunning.notice.{key}", lang=lang, day=_day_text(pay_by, lang)), w - 4))
    if step == dv.THIRD_NOTICE:
        out.extend("    " + x for x in _wrap(t("dunning.notice.posted", lang=lang), w - 4))
    out.append("")
    out.append(_right(settings.office_name, w))
    out.append(_right(_day_text(today, lang), w))
    return "\n".join(out) + "\n"


def issue_notices(step: int, unit_codes: Iterable[str], pay_by: date, folder: str | Path,
                  actor: Staff, clock: Clock, settings: Settings,
                  lang: str | None = None) -> NoticeBatch:
    """KF-016 §3.3–3.5: print the first, second or third arrears notice for a batch of units —
    one notice per unit, all in one printed file (pages separated by form feeds) through
    ``printing.deliver``, in the office's document language (issue 17; ``lang`` is kept for
    the callers and not used). Each unit's print is audited (``dunning.notice`` on the unit: step,
    amount, deadline, file); **nothing is recorded on the ladder**: the notice counts once
    someone says it was delivered or posted (``record_delivery``).

    Refused per unit (KF-016 §3): an unknown unit, one that owes nothing, a notice already
    given for the current debt, the previous step missing (the first notice follows the
    desk's call, the second the first, the third the second), a second notice under
    ``clocks.arrears_second_notice_months`` months in arrears (§3.4). Any refused unit
    refuses the batch, listing each with its reason; nothing is printed or written, and the
    clerk drops those units and prints again. Printing again (a lost copy) is allowed.
    """
    require_role(actor, DUNNING_ROLES, "dunning.notice")
    if step not in dv.NOTICE_STEPS:
        raise DeskError("dunning.notice.step", field="step")
    codes = list(dict.fromkeys(_text(c) for c in unit_codes if _text(c)))
    if not codes:
        raise DeskError("dunning.notice.none", field="units")
    today = _today(clock, settings)
    pay_by = _check_pay_by(pay_by, today)
    now = clock.now()
    lang = document_language(settings)
    with transaction():
        units = {u.code: u for u in Unit.select().where(Unit.code.in_(codes))}
        problems: list[Problem] = []
        states: list[_State] = []
        for code in codes:
            unit = units.get(code)
            if unit is None:
                problems.append(Problem(code, None, "dunning.refuse.unknown_unit", {}))
                continue
            state = _state(unit)
            refusal = _ladder_refusal(state, step, settings)
            if refusal is not None:
                problems.append(Problem(code, None, refusal[0], refusal[1]))
            else:
                states.append(state)
        if problems:
            raise ListedRefusal("dunning.notice.refused", problems, field="units",
                                step=Tr(f"dunning.step{step}"))
        text = "\f".join(notice_text(s, step, pay_by, today, settings, lang) for s in states)
        stamp = now.astimezone(settings.zone).strftime("%Y%m%d-%H%M%S")
        name = f"{safe_name(f'arrears-notice-{step}-{stamp}')}.txt"
        where = deliver(text, name, Path(folder), settings)
        for state in states:
            audit(actor, clock, PRINT_ACTION, state.unit, unit=state.unit.code, step=step,
                  amount_fen=state.owed_fen, months=state.months, pay_by=pay_by,
                  printed=where, batch=len(states))
    return NoticeBatch(step=step, units=tuple(s.unit.code for s in states),
                       total_fen=sum(s.owed_fen for s in states), printed=where, text=text)


PRINT_ACTION = "dunning.notice"  # on the Unit: printed (older stores: on the step)


class PrintedNotice(NamedTuple):
    """A notice printed for the current debt and not yet said to be delivered."""

    step: int
    at: datetime
    pay_by: date | None
    printed: str
    amount_fen: int


def printed_notices(unit_ids: Iterable[int]) -> dict[int, PrintedNotice]:
    """unit id → its latest notice printed for the current debt whose step is not on the
    ladder yet (waiting for someone to say it was delivered or posted)."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    since = dv.arrears_since(ids)
    steps = dv.unit_steps(ids)
    out: dict[int, PrintedNotice] = {}
    for start in range(0, len(ids), 500):
        events = (AuditEvent.select().where((AuditEvent.action == PRINT_ACTION)
                                            & (AuditEvent.record_type == "Unit")
                                            & AuditEvent.record_id.in_(ids[start:start + 500]))
                  .order_by(AuditEvent.at, AuditEvent.id))
        for event in events:
            began = since.get(event.record_id)
            if began is None or event.at < began:
                continue
            detail = json.loads(event.detail or "{}")
            step = int(detail.get("step", 0))
            done = {s.step for s in dv.current_steps(steps.get(event.record_id, []), began)}
            if step in done:
                continue
            pay_by = detail.get("pay_by")
            out[event.record_id] = PrintedNotice(
                step, event.at, date.fromisoformat(pay_by) if pay_by else None,
                str(detail.get("printed", "")), int(detail.get("amount_fen", 0)))
    return out


def printed_by_code(codes: Iterable[str]) -> dict[str, PrintedNotice]:
    """``printed_notices`` keyed by unit code (for the arrears list)."""
    units = {u.id: u.code for u in Unit.select(Unit.id, Unit.code)
             .where(Unit.code.in_(list(codes) or [""]))}
    return {units[i]: p for i, p in printed_notices(units).items()}


def record_delivery(unit_codes: Iterable[str], step: int, way: str, delivered_by: str,
                    delivered_on: date | None, actor: Staff, clock: Clock,
                    settings: Settings, *, photo_ref: str = "") -> list[DunningStep]:
    """KF-016 §3.3–3.5 (RULES §4): the printed notice ``step`` reached each unit — handed to
    the household, put in its mailbox, or (the third, §3.5) posted on the door — by
    ``delivered_by`` on ``delivered_on``. Only now is the step on the ladder (and the second
    notice's clock started), with the deadline and file of the print and who said so.

    Refused (all units or none, each named): a unit with no such notice printed for its
    current debt, or whose ladder no longer allows the step (paid meanwhile, already given);
    a third notice other than posted on the door; a day in the future or before the print;
    no name of who delivered it."""
    require_role(actor, DUNNING_ROLES, "dunning.delivery")
    if step not in dv.NOTICE_STEPS:
        raise DeskError("dunning.notice.step", field="step")
    if way not in DELIVERY_WAYS:
        raise DeskError("dunning.delivery.way", field="way")
    if (step == dv.THIRD_NOTICE) != (way == "posted"):
        raise DeskError("dunning.delivery.third_posted" if step == dv.THIRD_NOTICE
                        else "dunning.delivery.posted_third", field="way")
    who = _text(text_in(delivered_by, "delivered_by"))
    if not who:
        raise DeskError("dunning.delivery.who_needed", field="delivered_by")
    if len(who) > NAME_MAX:
        raise DeskError("dunning.note_too_long", field="delivered_by", limit=NAME_MAX)
    delivered_on = day_in(delivered_on, "delivered_on")
    if delivered_on is None:
        raise DeskError("dunning.delivery.day_needed", field="delivered_on")
    today = _today(clock, settings)
    if delivered_on > today:
        raise DeskError("dunning.delivery.day_future", field="delivered_on",
                        day=delivered_on.isoformat())
    photo_ref = _text(text_in(photo_ref, "photo"))
    if len(photo_ref) > 200:
        raise DeskError("dunning.note_too_long", field="photo", limit=200)
    codes = list(dict.fromkeys(_text(c) for c in unit_codes if _text(c)))
    if not codes:
        raise DeskError("dunning.notice.none", field="units")
    now = clock.now()
    with transaction():
        units = {u.code: u for u in Unit.select().where(Unit.code.in_(codes))}
        printed = printed_notices(u.id for u in units.values())
        problems: list[Problem] = []
        ready: list[tuple[_State, PrintedNotice]] = []
        for code in codes:
            unit = units.get(code)
            if unit is None:
                problems.append(Problem(code, None, "dunning.refuse.unknown_unit", {}))
                continue
            notice = printed.get(unit.id)
            if notice is None or notice.step != step:
                problems.append(Problem(code, None, "dunning.delivery.not_printed",
                                        {"step": Tr(f"dunning.step{step}")}))
                continue
            if delivered_on < notice.at.astimezone(settings.zone).date():
                problems.append(Problem(code, None, "dunning.delivery.before_print",
                                        {"day": delivered_on.isoformat(),
                                         "printed": notice.at.astimezone(settings.zone)
                                         .date().isoformat()}))
                continue
            state = _state(unit)
            refusal = _ladder_refusal(state, step, settings)
            if refusal is not None:
                problems.append(Problem(code, None, refusal[0], refusal[1]))
                continue
            ready.append((state, notice))
        if problems:
            raise ListedRefusal("dunning.delivery.refused", problems, field="units",
                                step=Tr(f"dunning.step{step}"))
        written = []
        for state, notice in ready:
            record = _write_step(
                state, step, actor, now, pay_by=notice.pay_by,
                note=_evidence(kind="notice", printed=notice.printed, way=way,
                               delivered_by=who, delivered_on=delivered_on,
                               recorded_by=actor.name, photo=photo_ref or None))
            audit(actor, clock, "dunning.delivery", record, unit=state.unit.code, step=step,
                  way=way, delivered_by=who, delivered_on=delivered_on,
                  amount_fen=state.owed_fen, months=state.months, pay_by=notice.pay_by,
                  photo=photo_ref)
            written.append(record)
        _sync((s.unit for s, _ in ready), settings)
    return written


def record_posting(unit_code: str, photo_ref: str, actor: Staff, clock: Clock,
                   settings: Settings) -> DunningStep:
    """KF-016 §3.5: the third notice was posted on the door — the photo that proves it
    (a file name or the camera's number) is added to that step's evidence, once."""
    require_role(actor, DUNNING_ROLES, "dunning.posting")
    photo_ref = _text(photo_ref)
    if not photo_ref:
        raise DeskError("dunning.posting.photo_needed", field="photo")
    if len(photo_ref) > 200:
        raise DeskError("dunning.note_too_long", field="photo", limit=200)
    unit = _unit(unit_code)
    with transaction():
        state = _state(unit)
        third = [s for s in state.steps if s.step == dv.THIRD_NOTICE]
        if not third:
            raise DeskError("dunning.posting.no_third")
        record = third[-1]
        evidence, text = dv.parse_note(record.note)
        if evidence.get("photo"):
            raise DeskError("dunning.posting.already", ref=evidence["photo"])
        evidence = {**evidence, "kind": evidence.get("kind", "notice"), "photo": photo_ref,
                    "posted_by": actor.name, "text": evidence.get("text") or text}
        record.note = _evidence(**evidence)
        record.save()
        audit(actor, clock, "dunning.posting", record, unit=unit.code, photo=photo_ref)
    return record


# --------------------------------------------------------------------------------------------
# 6. the lawyer's letter


def large_debtor_fen(settings: Settings) -> int:
    """KF-016 §3.6 (RULES v2 item 11): what a large debtor (欠费大户) owes at least, in fen
    (``dunning.large_debtor_yuan``); 0 when the office has switched the shortcut off."""
    value = settings.data.get("dunning", {}).get("large_debtor_yuan", "0")
    return max(to_fen(str(value)), 0)


def is_large_debtor(owed_fen: int, settings: Settings) -> bool:
    threshold = large_debtor_fen(settings)
    return threshold > 0 and owed_fen >= threshold


def escalate_to_lawyer(unit_code: str, owner_told_on: date | None, note: str, actor: Staff,
                       clock: Clock, settings: Settings) -> DunningStep:
    """KF-016 §3.6: a lawyer's letter, escalated to the company (which handles it), the owner
    told beforehand.

    Supervisor or manager. For a persistent debtor, refused unless the third notice (posted
    on the door) was given for the current debt. **v2** (RULES v2 item 11): a large debtor
    (owing at least ``dunning.large_debtor_yuan``) may skip the ladder — the letter is the
    next step whatever was done before, and the evidence says so (``large_debtor``). Either
    way the owner was told on a day not after today (and, once the ladder began, not before
    it); ``note`` says how the owner was told. "Owner told on …" is recorded with the step.
    """
    require_role(actor, LAWYER_ROLES, "dunning.lawyer")
    today = _today(clock, settings)
    if not isinstance(owner_told_on, date):
        raise DeskError("dunning.lawyer.told_needed", field="told_on")
    if owner_told_on > today:
        raise DeskError("dunning.lawyer.told_future", field="told_on",
                        day=owner_told_on.isoformat())
    note = _check_note(note)
    if not note:
        raise DeskError("dunning.lawyer.note_needed", field="note")
    unit = _unit(unit_code)
    with transaction():
        state = _state(unit)
        large = is_large_debtor(state.owed_fen, settings)
        if large and state.highest < dv.LAWYER:
            skipped = [n for n in (dv.CALL, *dv.NOTICE_STEPS)
                       if n not in {s.step for s in state.steps}]
        else:
            _refuse_unit(state, dv.LAWYER, settings)
            skipped = []
        # A large debtor with no step yet has no ladder to be told within.
        began = state.steps[0].at.astimezone(settings.zone).date() if state.steps else None
        if began is not None and owner_told_on < began:
            raise DeskError("dunning.lawyer.told_before", field="told_on",
                            day=owner_told_on.isoformat(), began=began.isoformat())
        step = _write_step(state, dv.LAWYER, actor, clock.now(),
                           note=_evidence(kind="lawyer", told_on=owner_told_on, text=note,
                                          large_debtor=large or None,
                                          skipped=skipped or None))
        audit(actor, clock, "dunning.lawyer", step, unit=unit.code, step=dv.LAWYER,
              told_on=owner_told_on, amount_fen=state.owed_fen, months=state.months,
              large_debtor=large, skipped=skipped)
        _sync([unit], settings)
    return step
