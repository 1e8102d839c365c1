"""Core fixtures: a small office on a fresh store — staff of every role and one household.

``office`` is what a desk service test needs: the demo's logins (clerk, clerk2, cashier,
super, manager, guard, finance) and unit 3-1-502 with its owner 王建国 living there.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kfdesk.clock import FixedClock
from kfdesk.desk.staff import create_staff
from kfdesk.models import Building, Group, Occupancy, Person, Unit

STAFF = (("clerk", "张敏", "clerk"), ("clerk2", "李娜", "clerk"), ("cashier", "王芳", "cashier"),
         ("super", "陈静", "supervisor"), ("manager", "刘伟", "manager"),
         ("guard", "赵强", "security"), ("finance", "孙丽", "finance"))


@pytest.fixture
def office(store: Path, clock: FixedClock) -> dict:
    # A fixed salt: scrypt with a random one would make every test slower for nothing.
    people = {login: create_staff(login, name, role, "1234", clock, salt=bytes(16),
                                demo=True)
              for login, name, role in STAFF}
    group = Group.create(code="E", name="东区")
    building = Building.create(group=group, number="3", name="3栋", floors=18)
    unit = Unit.create(building=building, entrance=1, floor=5, room="502", code="3-1-502",
                       area_centi_m2=8912)
    owner = Person.create(name="王建国", phone="13812345678", created_at=clock.now(),
                          lives_in_community=True)
    Occupancy.create(unit=unit, person=owner, role="owner", started_on=date(2020, 1, 1))
    return {**people, "unit": unit, "owner": owner}
