"""What every rule computation needs: the office settings and its working-day calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..calendar import WorkCalendar, overrides_from_store
from ..config import Settings, default_settings


@dataclass(frozen=True)
class RuleContext:
    settings: Settings
    calendar: WorkCalendar

    @classmethod
    def from_store(cls, settings: Settings | None = None) -> RuleContext:
        """Settings plus the calendar with the office's own overrides (CalendarOverride)."""
        from ..models import ReportFiling

        settings = settings or default_settings()
        overrides = overrides_from_store()
        # A year whose whole notice the office entered is no longer provisional.
        published = [int(r.period) for r in ReportFiling.select(ReportFiling.period)
                     .where(ReportFiling.duty == "calendar_notice")]
        calendar = WorkCalendar(zone=settings.zone, close=settings.business_close,
                                overrides=overrides, published_years=published)
        return cls(settings, calendar)

    def limit(self, key: str) -> int:
        return int(self.settings.clocks[key])

    def warn_at(self, start: datetime, due: datetime) -> datetime:
        """Due soon once ``warn_share`` of the limit has passed (RULES §8, default 75 %)."""
        share = float(self.settings.clocks["warn_share"])
        span = (due - start).total_seconds()
        return start + timedelta(seconds=max(span, 0) * share)
