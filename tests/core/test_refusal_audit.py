"""Issue 19: every refusal of a role-restricted service is an audit event (who, what, when,
why), without the refused data — and the row survives the rollback of the refused work."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk import mail, residents
from kfdesk.desk.base import DeskError, require_role, transaction
from kfdesk.desk.billing import run_bills
from kfdesk.models import AuditEvent, Person, Refusal


def refusals() -> list[Refusal]:
    return list(Refusal.select().order_by(Refusal.id))


def test_a_guard_trying_to_reveal_an_id_number_is_on_the_record(office: dict,
                                                               clock: FixedClock) -> None:
    owner = office["owner"]
    Person.update(id_number="110105198001010014").where(Person.id == owner.id).execute()
    clock.advance(timedelta(minutes=7))
    with pytest.raises(DeskError) as err:
        residents.reveal(owner.id, "id_number", office["guard"], clock, default_settings())
    assert err.value.key == "auth.not_allowed"
    [event] = refusals()
    assert event.actor.login == "guard"
    assert event.at == clock.now()
    assert (event.record_type, event.record_id) == ("Person", owner.id)
    assert (event.action, event.role) == ("person.reveal_id", "security")
    assert json.loads(event.detail) == {"allowed": ["supervisor", "manager"]}
    # Never the refused data: no digit of the number anywhere in the row; no reveal event.
    assert "110105" not in str(event.__data__) and "0014" not in str(event.__data__)
    assert not AuditEvent.select().where(AuditEvent.action == "person.reveal_id").exists()


def test_refusals_of_several_services_each_write_one_row(office: dict,
                                                         clock: FixedClock) -> None:
    settings = default_settings()
    calls = [
        ("cashier", "person.reveal_phone",
         lambda a: residents.reveal(office["owner"].id, "phone", a, clock, settings)),
        ("clerk", "residents.purge",
         lambda a: residents.purge_expired_files(a, clock, settings)),
        ("clerk", "billing.run", lambda a: run_bills("2026-10", a, clock, settings)),
        ("finance", "mail.log",
         lambda a: mail.log_mail("3-1-502", "王建国", "registered", "EMS1", a, clock, settings)),
    ]
    for login, _action, call in calls:
        with pytest.raises(DeskError):
            call(office[login])
    rows = refusals()
    assert [(r.actor.login, r.action) for r in rows] == \
        [(login, action) for login, action, _ in calls]
    # A permitted call is not a refusal.
    residents.reveal(office["owner"].id, "phone", office["clerk"], clock, settings)
    assert len(refusals()) == len(calls)


def test_the_row_survives_the_rollback_of_the_refused_transaction(office: dict,
                                                                  clock: FixedClock) -> None:
    """The refusal rolls back what the transaction had written; its audit row stays."""
    before = Person.select().count()
    with pytest.raises(DeskError), transaction():
        Person.create(name="临时", created_at=clock.now())
        with transaction():  # nested: the row waits for the outermost to end
            require_role(office["clerk"], ("manager",), "residents.purge")
    assert Person.select().count() == before  # the work is gone
    [event] = refusals()  # the refusal is not
    assert event.action == "residents.purge"
    assert event.actor.login == "clerk"


def test_a_refusal_caught_inside_a_committed_transaction_is_kept(office: dict,
                                                                 clock: FixedClock) -> None:
    with transaction():
        try:
            require_role(office["cashier"], ("manager",), "store.backup")
        except DeskError:
            pass
    assert [r.action for r in refusals()] == ["store.backup"]
