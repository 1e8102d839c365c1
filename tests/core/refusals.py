""""Refused, and nothing changed": the one check every register's tests make of a refusal."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kfdesk.desk.base import DeskError
from kfdesk.models import BaseModel


def refused(call: Callable[[], object], *tables: type[BaseModel]) -> DeskError:
    """The ``DeskError`` that ``call`` raises, after checking that the row counts of
    ``tables`` are the same after it as before (a refusal writes nothing, not even audit)."""

    def counts() -> tuple[int, ...]:
        return tuple(table.select().count() for table in tables)

    before = counts()
    with pytest.raises(DeskError) as err:
        call()
    assert counts() == before, "a refusal changes nothing"
    return err.value
