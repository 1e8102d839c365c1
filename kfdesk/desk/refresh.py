"""The refresh: open the periodic clocks in force, then evaluate (what the app's timer runs)."""

from __future__ import annotations

from datetime import datetime

from ..config import Settings
from ..rules import Alert, RuleContext, evaluate
from ..rules.periods import sync_periods
from ..rules.sync import reconcile_vacant_units
from .base import transaction


def open_periods(now: datetime, settings: Settings) -> RuleContext:
    """Open this period's clocks of the periodic duties and the vacant units' checks
    (idempotent; writes only changes)."""
    ctx = RuleContext.from_store(settings)
    with transaction():
        sync_periods(now, ctx)
        reconcile_vacant_units(ctx, now)
    return ctx


def refresh(now: datetime, settings: Settings, lang: str | None = None, *,
            rule: str | None = None, owner: str | None = None) -> list[Alert]:
    """Open the periods in force at ``now`` and return ``evaluate(now)``."""
    ctx = open_periods(now, settings)
    return evaluate(now, ctx, rule=rule, owner=owner, lang=lang)
