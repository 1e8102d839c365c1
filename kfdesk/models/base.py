"""The model base: one database proxy, UTC instants, exact money."""

from __future__ import annotations

from datetime import UTC, datetime

import peewee as pw

database = pw.DatabaseProxy()


class UtcDateTimeField(pw.DateTimeField):
    """An instant stored as naive UTC text and read back timezone-aware (RULES §8: store UTC)."""

    def db_value(self, value):  # type: ignore[override]
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"{self.name}: naive datetime; pass an aware instant")
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):  # type: ignore[override]
        value = super().python_value(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class FenField(pw.BigIntegerField):
    """Money in integer fen (分); never float."""

    def db_value(self, value):  # type: ignore[override]
        if isinstance(value, float):
            raise TypeError(f"{self.name}: money must be integer fen, not float")
        return super().db_value(value)


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False
