"""``evaluate(now)``: what is due soon and what is overdue, on every refresh. Reads only.

Every clock is a stored ``Deadline`` row (written by ``kfdesk.rules.sync`` when the clock
starts, and by ``kfdesk.rules.periods`` when a period of a periodic duty begins), so a refresh
is one query on a small partial index, however long the office has run. Order is
deterministic: overdue first, most late first; then due soon, soonest first; ties by rule,
item and id.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, NamedTuple

from ..i18n import t
from ..models import (
    Deadline,
    Staff,
)
from .clocks import CLOCKS
from .context import RuleContext

STATES = ("due_soon", "overdue")


class Alert(NamedTuple):
    rule: str  # "KF-010 §4.1.2"
    clock: str  # "dispatch"
    rule_text: str  # one line in the clerk's language
    item_kind: str
    item_id: int
    item_ref: str  # what the clerk reads: "K-000123", "2026-10"
    unit: str
    owner: str  # login of the owner (first-contact clerk), "" when none
    owner_name: str
    department: str
    due_at: datetime  # aware UTC
    state: str  # due_soon | overdue
    late_minutes: int  # minutes past due; negative: minutes left
    provisional: bool

    def to_json(self, zone: Any) -> dict[str, Any]:
        """The stable contract of ``kfdesk due --json``."""
        return {
            "rule": self.rule,
            "rule_text": self.rule_text,
            "item_kind": self.item_kind,
            "item_id": self.item_id,
            "unit": self.unit,
            "owner": self.owner,
            "department": self.department,
            "due_at": self.due_at.astimezone(zone).isoformat(timespec="minutes"),
            "state": self.state,
            "late_minutes": self.late_minutes,
            "provisional": self.provisional,
        }


def _rule_texts(ctx: RuleContext, lang: str | None) -> dict[str, str]:
    clocks = ctx.settings.clocks
    texts = {}
    for name, spec in CLOCKS.items():
        limit = clocks.get(spec.limit_key, "") if spec.limit_key else ""
        texts[name] = t(f"rule.{name}", lang=lang, limit=limit)
    return texts


def _alert(now: datetime, clock: str, texts: dict[str, str], item_kind: str, item_id: int,
           item_ref: str, unit: str, owner: str, owner_name: str, department: str,
           due: datetime, provisional: bool) -> Alert:
    late = math.floor((now - due).total_seconds() / 60)
    return Alert(CLOCKS[clock].rule, clock, texts[clock], item_kind, item_id, item_ref, unit,
                 owner, owner_name, department, due, "overdue" if now > due else "due_soon",
                 late, provisional)


def _instant(value: Any) -> datetime:
    # Raw rows: SQLite gives text, PostgreSQL a datetime; both are naive UTC.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


_STORED_SQL: dict[type, str] = {}


def _stored_sql(db: Any) -> str:
    """The refresh query, built once per kind of database: running clocks past their warning.

    Keyed by the database the proxy stands for, not the proxy: SQLite's ``?`` and
    PostgreSQL's ``%s`` placeholders differ, and one process may open both (``kfdesk
    migrate``, the tests)."""
    db = getattr(db, "obj", None) or db
    if type(db) not in _STORED_SQL:
        query = (Deadline
                 .select(Deadline.clock, Deadline.item_kind, Deadline.item_id, Deadline.item_ref,
                         Deadline.unit_code, Deadline.owner, Deadline.department,
                         Deadline.due_at, Deadline.provisional)
                 .where(Deadline.stopped_at.is_null() & Deadline.held_since.is_null()
                        & (Deadline.warn_at <= datetime(2000, 1, 1, tzinfo=UTC))))
        _STORED_SQL[type(db)] = query.sql()[0]
    return _STORED_SQL[type(db)]


def _stored(now: datetime, texts: dict[str, str]) -> list[Alert]:
    db = Deadline._meta.database
    staff = {sid: (login, name) for sid, login, name in
             Staff.select(Staff.id, Staff.login, Staff.name).tuples()}
    # A raw cursor on a covering partial index: a refresh may carry a thousand alerts.
    rows = db.execute_sql(_stored_sql(db), (now.astimezone(UTC).replace(tzinfo=None),)).fetchall()
    rules = {name: spec.rule for name, spec in CLOCKS.items()}
    nobody = ("", "")
    alerts = []
    append = alerts.append
    for clock, kind, item_id, ref, unit, owner_id, dept, due, prov in rows:
        due_at = _instant(due)
        late = math.floor((now - due_at).total_seconds() / 60)
        login, name = staff.get(owner_id, nobody)
        append(Alert(rules[clock], clock, texts[clock], kind, item_id, ref, unit, login, name,
                     dept, due_at, "overdue" if late > 0 or now > due_at else "due_soon",
                     late, bool(prov)))
    return alerts


def _order(a: Alert) -> tuple:
    overdue = a.state == "overdue"
    return (0 if overdue else 1, a.due_at, a.rule, a.item_ref, a.item_kind, a.item_id)


def evaluate(
    now: datetime,
    ctx: RuleContext | None = None,
    *,
    rule: str | None = None,
    owner: str | None = None,
    lang: str | None = None,
) -> list[Alert]:
    """Every due-soon and overdue item at ``now``; reads, never writes.

    ``rule`` keeps alerts whose rule id starts with it ("KF-010" or "KF-010 §4.1.2");
    ``owner`` keeps those owned by that login.
    """
    ctx = ctx or RuleContext.from_store()
    now = now.astimezone(UTC)
    texts = _rule_texts(ctx, lang)
    alerts = _stored(now, texts)
    if rule:
        alerts = [a for a in alerts if a.rule.startswith(rule)]
    if owner:
        alerts = [a for a in alerts if a.owner == owner]
    alerts.sort(key=_order)
    return alerts


def counts(alerts: list[Alert]) -> dict[str, int]:
    """How many alerts are in each state: ``{"due_soon": n, "overdue": m}``."""
    return {state: sum(1 for a in alerts if a.state == state) for state in STATES}
