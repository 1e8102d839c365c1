"""Fuzzing the desk services (issue 9): random and hostile input — empty, huge, control
characters, SQL fragments, wrong types, out-of-range dates and amounts — gets either a done
write or a ``DeskError`` a clerk can read, never another exception, and a refusal writes
nothing (every table's row count, the audit trail included, is as it was).

Each test mixes good values into every argument, so some calls get through and the later ones
meet a store that is no longer empty; the store is fresh per test (the ``office`` fixture).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from kfdesk.clock import FixedClock
from kfdesk.config import default_settings
from kfdesk.desk import billing, dunning, lending, mail, payments, release_passes, residents
from kfdesk.desk import tickets as tk
from kfdesk.desk.base import DeskError, Tr
from kfdesk.i18n import LANGUAGES, has
from kfdesk.models import ALL_MODELS
from kfdesk.models.cash import FEE_ITEMS, PAYMENT_METHODS
from kfdesk.models.registers import BEARER_KINDS, MAIL_KINDS
from kfdesk.models.tickets import CATEGORIES, CHANNELS, KINDS, REPAIR_CLASSES, VALIDITY

SETTINGS = default_settings()
# 60 examples a test in the suite; KFDESK_FUZZ_EXAMPLES=2000 for a deep run by hand.
FUZZ = settings(max_examples=int(os.environ.get("KFDESK_FUZZ_EXAMPLES", "60")), deadline=None,
                database=None,
                # One office per test, shared by its examples on purpose (see the docstring).
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# ---- hostile input ----------------------------------------------------------------------------

SQL = ["'; DROP TABLE ticket; --", "3-1-502'; DELETE FROM unit; --", "' OR '1'='1",
       '" OR 1=1 --', "1; SELECT * FROM staff", "%", "_", "\\", "3-1-50%", "NULL"]
CONTROL = ["\x00", "\x07", "\x08", "\x1b[31m红\x1b[0m", "\r\n", "\t", "\x7f", "\u200b",
           "\u202e", "\ufeff", "\u2028", "a\x00b"]
ODD = ["{}", "{number}", "{0}", "%s", "NaN", "Infinity", "-0", "1e999", "1E+30", "0x10",
       "３－１－５０２", "１２３", "²", "٣", "½", "🙂", "\u3000", "null", "None", "[]"]


def _repeat(pair: tuple[str, int]) -> str:
    return pair[0] * pair[1]


huge = st.tuples(st.sampled_from(["a", "啊", "9", "'", "\x00", "😀"]),
                 st.sampled_from([65, 129, 600, 2100, 100_000])).map(_repeat)
hostile_text = st.one_of(
    st.sampled_from(["", " ", "\n", *SQL, *CONTROL, *ODD]),
    st.text(max_size=30),
    huge,
    st.tuples(st.sampled_from(CONTROL + SQL), st.sampled_from(ODD + SQL)).map("".join),
)
wrong_types = st.sampled_from([None, 0, -1, 1, 2**63, 3.5, float("nan"), float("inf"), True,
                               False, b"3-1-502", Decimal("1.5"), Decimal("NaN"),
                               date(2026, 10, 9), ["3-1-502"], {"a": 1}])
dates = st.one_of(
    st.dates(),
    st.sampled_from([date.min, date.max, date(1900, 1, 1), date(2026, 10, 9),
                     date(2026, 10, 10), date(2026, 10, 8), date(2026, 11, 30)]),
    st.datetimes(),  # naive
    st.datetimes(timezones=st.just(UTC)),
)
amounts = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-5, max_value=10**6),
    st.sampled_from([0, 1, 100, 10**12, 10**12 + 1, 2**63 - 1, 2**63, 2**64]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
)


def text_or(*good: object) -> st.SearchStrategy[Any]:
    """A good value now and then, else hostile text or a value of the wrong type."""
    return st.one_of(st.sampled_from(good), hostile_text, wrong_types) if good else st.one_of(
        hostile_text, wrong_types)


def date_or(*good: object) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(good) if good else st.nothing(), dates, hostile_text,
                     wrong_types)


def amount_or(*good: object) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(good) if good else st.nothing(), amounts, hostile_text,
                     wrong_types)


flags = st.one_of(st.booleans(), wrong_types)
actors = st.sampled_from(["clerk", "clerk2", "cashier", "super", "manager", "guard"])

# ---- the check --------------------------------------------------------------------------------


def counts() -> dict[str, int]:
    """Rows in every table: what a refused call must leave as it was (all but the refusals'
    own audit rows, which a role refusal adds: issue 19)."""
    return {model.__name__: model.select().count() for model in ALL_MODELS
            if model.__name__ != "Refusal"}


def readable(exc: DeskError) -> None:
    """The refusal is a text in both languages, never a catalogue key standing for one."""
    for lang in LANGUAGES:
        assert has(exc.key, lang), f"no text for {exc.key!r} in {lang}"
        for name, value in exc.params.items():
            if isinstance(value, Tr):
                assert has(value.key, lang), f"{exc.key}: {name} has no text {value.key!r}"
        text = exc.message(lang)
        assert text.strip() and text != exc.key


def attempt(call: Callable[[], object]) -> bool:
    """Run one service call: done (True) or refused cleanly with nothing written (False).
    Any other exception propagates and fails the test with the example that caused it."""
    before = counts()
    try:
        call()
    except DeskError as exc:
        note(f"refused: {exc.key} {exc.params!r}")
        readable(exc)
        assert counts() == before, f"refused with {exc.key} but wrote"
        return False
    return True


# ---- the services -----------------------------------------------------------------------------


@FUZZ
@given(actor=actors, channel=text_or(*CHANNELS), kind=text_or(*KINDS),
       category=text_or(*CATEGORIES), text=text_or("楼上装修噪音", "厨房下水道堵塞"),
       unit_code=text_or("3-1-502", ""), person_id=st.one_of(st.none(), amounts, wrong_types),
       caller_name=text_or("王建国", ""), phone=text_or("13812345678", "", "021-62345678"),
       forwarded_from=text_or("engineering", "security"),
       forwarded_received_at=date_or(datetime(2026, 10, 9, 9, 0, tzinfo=UTC)),
       validity=text_or(*VALIDITY, None), repair_class=text_or(*REPAIR_CLASSES, None),
       price_code=text_or("", "R01"), quoted=text_or("", "50", "50.00"),
       defect_of=text_or("", "K-000001"))
def test_take_ticket(office: dict, clock: FixedClock, actor: str, **fields: Any) -> None:
    form = tk.IntakeForm(**fields)
    attempt(lambda: tk.take_ticket(form, office[actor], clock, SETTINGS))


@FUZZ
@given(text=amount_or("1286.4", "¥1,286.40", "0.01"), field=text_or("amount"))
def test_parse_amount(office: dict, text: Any, field: Any) -> None:
    attempt(lambda: payments.parse_amount(text, field))


@FUZZ
@given(actor=actors, unit_code=text_or("3-1-502", ""), amount=amount_or(100, 5000),
       method=text_or(*PAYMENT_METHODS), tendered=st.one_of(st.none(), amounts, wrong_types),
       reference=text_or("", "POS-0001"), payer=text_or("", "王建国"),
       targets=st.one_of(st.none(), st.lists(text_or("charge:1", "line:1", "charge:x",
                                                     "charge:99999999999999999999"),
                                             max_size=3), wrong_types),
       confirm=flags)
def test_take_payment(office: dict, clock: FixedClock, actor: str, unit_code: Any,
                      amount: Any, method: Any, tendered: Any, reference: Any, payer: Any,
                      targets: Any, confirm: Any) -> None:
    payments.add_charge("3-1-502", "other", 5000, "钥匙工本费", office["cashier"], clock,
                        SETTINGS)
    attempt(lambda: payments.take_payment(
        unit_code, amount, method, office[actor], clock, SETTINGS, tendered_fen=tendered,
        reference=reference, payer=payer, targets=targets, confirm_overpayment=confirm))


@FUZZ
@given(actor=actors, unit_code=text_or("3-1-502", ""),
       kind=text_or("renovation_fee", "renovation_deposit", "parking_card_deposit", "other",
                    "service"),
       amount=amount_or(100, None), description=text_or("", "装修押金"))
def test_add_charge(office: dict, clock: FixedClock, actor: str, unit_code: Any, kind: Any,
                    amount: Any, description: Any) -> None:
    attempt(lambda: payments.add_charge(unit_code, kind, amount, description, office[actor],
                                        clock, SETTINGS))


@FUZZ
@given(actor=actors, unit_code=text_or("3-1-502"), meter=text_or("water", "electricity"),
       month=date_or("2026-09", "2026-10", "2026-11", date(2026, 9, 1)),
       reading=amount_or(120, "130", "１４０"), replaced=flags,
       start=st.one_of(st.none(), amounts, hostile_text, wrong_types))
def test_enter_reading(office: dict, clock: FixedClock, actor: str, unit_code: Any,
                       meter: Any, month: Any, reading: Any, replaced: Any, start: Any) -> None:
    attempt(lambda: billing.enter_reading(unit_code, meter, month, reading, office[actor],
                                          clock, SETTINGS, replaced=replaced,
                                          new_meter_start=start))


@FUZZ
@given(actor=actors, item=text_or(*FEE_ITEMS), rate=amount_or("1.80", "0.568", 2),
       effective_from=date_or("2026-10-01", date(2026, 1, 1)))
def test_set_rate(office: dict, clock: FixedClock, actor: str, item: Any, rate: Any,
                  effective_from: Any) -> None:
    attempt(lambda: billing.set_rate(item, rate, effective_from, office[actor], clock,
                                     SETTINGS))


@FUZZ
@given(actor=actors, unit_code=text_or("3-1-502"),
       outcome=text_or("promised", "refused", "disputed", "no_answer", "wrong_number"),
       promised_on=st.one_of(st.none(), date_or(date(2026, 10, 16))),
       remark=text_or("", "说下周交"), pay_by=st.one_of(st.none(), date_or(date(2026, 10, 20))),
       answered_by=text_or("", "王建国"))
def test_record_call(office: dict, clock: FixedClock, actor: str, unit_code: Any,
                     outcome: Any, promised_on: Any, remark: Any, pay_by: Any,
                     answered_by: Any) -> None:
    attempt(lambda: dunning.record_call(unit_code, outcome, promised_on, remark, office[actor],
                                        clock, SETTINGS, pay_by=pay_by,
                                        answered_by=answered_by))


@FUZZ
@given(actor=actors, unit_code=text_or("3-1-502", ""), recipient=text_or("王建国"),
       kind=text_or(*MAIL_KINDS), tracking_no=text_or("", "XL167808829CN", "xl 1678-08829cn"),
       received_at=st.one_of(st.none(), date_or(datetime(2026, 10, 9, 1, 0, tzinfo=UTC))),
       remark=text_or("", "放前台"))
def test_log_mail(office: dict, clock: FixedClock, actor: str, unit_code: Any, recipient: Any,
                  kind: Any, tracking_no: Any, received_at: Any, remark: Any) -> None:
    attempt(lambda: mail.log_mail(unit_code, recipient, kind, tracking_no, office[actor], clock,
                                  SETTINGS, received_at=received_at, note=remark))


@FUZZ
@given(actor=actors, item=text_or("T05", "U03", "锤子", "umbrella", "梯子", "电钻"),
       unit_code=text_or("3-1-502"), borrower=text_or("王建国"))
def test_lend(office: dict, clock: FixedClock, actor: str, item: Any, unit_code: Any,
              borrower: Any) -> None:
    attempt(lambda: lending.lend(item, unit_code, borrower, office[actor], clock, SETTINGS))


@FUZZ
@given(actor=actors, unit_code=text_or("3-1-502"),
       role=text_or("owner", "family", "tenant", "other", "agent"),
       name=text_or("李小红", "王建国"), phone=text_or("13912345678", ""),
       id_number=text_or("", "11010519491231002X", "110105194912310021"),
       phone2=text_or(""), address=text_or(""), relation=text_or("", "女儿"),
       lease_end=st.one_of(st.none(), date_or(date(2027, 10, 1))),
       on=st.one_of(st.none(), date_or(date(2026, 10, 1))),
       resident=st.one_of(st.none(), flags))
def test_register_person(office: dict, clock: FixedClock, actor: str, unit_code: Any,
                         role: Any, name: Any, phone: Any, id_number: Any,
                         **more: Any) -> None:
    attempt(lambda: residents.register_person(unit_code, role, name, phone, id_number,
                                              office[actor], clock, SETTINGS, **more))


@FUZZ
@given(actor=actors, unit_code=text_or("3-1-502"), kind=text_or(*BEARER_KINDS),
       name=text_or("王建国", "搬家师傅"), id_number=text_or("11010519491231002X", ""),
       items=text_or("沙发一套", ""), owner_signed=flags,
       authorisation=st.one_of(st.none(), amounts, text_or("SQ-000001", "1", "²")),
       confirmed=flags, crew_signed=flags)
def test_issue_release_pass(office: dict, clock: FixedClock, actor: str, unit_code: Any,
                            kind: Any, name: Any, id_number: Any, items: Any,
                            owner_signed: Any, authorisation: Any, confirmed: Any,
                            crew_signed: Any) -> None:
    attempt(lambda: release_passes.issue_release_pass(
        unit_code, kind, name, id_number, items, owner_signed, authorisation, confirmed,
        office[actor], clock, SETTINGS, crew_signed=crew_signed))


@settings(max_examples=1, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.none())
def test_the_check_itself_catches_a_partial_write(office: dict, clock: FixedClock,
                                                  _: None) -> None:
    """``attempt`` is only as good as its row counts: a refusal after a write is caught."""
    from kfdesk.models import Charge

    def writes_then_refuses() -> None:
        Charge.create(unit=office["unit"], kind="other", description="x", amount_fen=1,
                      created_at=clock.now(), created_by=office["cashier"])
        raise DeskError("payment.amount_missing")

    try:
        attempt(writes_then_refuses)
    except AssertionError as exc:
        assert "wrote" in str(exc)
    else:
        raise AssertionError("a partial write went unnoticed")


# ---- what the fuzzer found, pinned ------------------------------------------------------------

NAIVE = datetime(2026, 10, 9, 9, 0)  # no time zone: cannot be compared with the clock's


def _found(o: dict, c: FixedClock) -> dict[str, Callable[[], object]]:
    """Each input that once raised something else (noted beside it), now a clean refusal."""
    clerk, cashier = o["clerk"], o["cashier"]

    def form(**fields: Any) -> tk.IntakeForm:
        return tk.IntakeForm(**{"channel": "phone", "kind": "repair", "category": "water",
                                "text": "漏水", "unit_code": "3-1-502",
                                "repair_class": "normal", **fields})

    return {
        # decimal.InvalidOperation (quantizing to the fen), decimal.Overflow (× 100)
        "amount 1E+30": lambda: payments.parse_amount("1E+30"),
        "amount 1e999999": lambda: payments.parse_amount("1e999999"),
        # AttributeError: 'int' object has no attribute 'strip'
        "charge unit 502": lambda: payments.add_charge(502, "other", 100, "x", cashier, c,
                                                       SETTINGS),
        # ValueError: int("x") of a malformed item key
        "targets charge:x": lambda: payments.take_payment(
            "3-1-502", 100, "cash", cashier, c, SETTINGS, targets=["charge:x"]),
        # NUL: PostgreSQL raises ValueError (a string literal cannot contain NUL), even for a
        # lookup; SQLite stored it silently
        "payer NUL": lambda: payments.take_payment("3-1-502", 100, "cash", cashier, c,
                                                   SETTINGS, payer="王\x00建国",
                                                   confirm_overpayment=True),
        # TypeError: a float rate; decimal.Overflow scaling 1e999999
        "rate float": lambda: billing.set_rate("water", 1.8, "2026-10-01", cashier, c,
                                               SETTINGS),
        "rate 1e999999": lambda: billing.set_rate("water", "1e999999", "2026-10-01", cashier,
                                                  c, SETTINGS),
        "reading unit NUL": lambda: billing.enter_reading("3-1-502\x00", "water",
                                                             "2026-10", 120, clerk, c,
                                                             SETTINGS),
        # TypeError: can't compare datetime.datetime to datetime.date
        "call promised an instant": lambda: dunning.record_call(
            "3-1-502", "promised", datetime(2026, 10, 20, tzinfo=UTC), "", clerk, c, SETTINGS,
            answered_by="王建国"),
        "call pay_by an instant": lambda: dunning.record_call(
            "3-1-502", "no_answer", None, "", clerk, c, SETTINGS,
            pay_by=datetime(2026, 10, 20, tzinfo=UTC)),
        # AttributeError: 'int' object has no attribute 'strip'
        "call note 7": lambda: dunning.record_call("3-1-502", "no_answer", None, 7, clerk, c,
                                                   SETTINGS),
        "mail unit 502": lambda: mail.log_mail(502, "王建国", "ordinary", "", clerk, c,
                                               SETTINGS),
        # TypeError: can't compare offset-naive and offset-aware datetimes
        "mail received naive": lambda: mail.log_mail("3-1-502", "王建国", "ordinary", "",
                                                     clerk, c, SETTINGS, received_at=NAIVE),
        # TypeError: normalize() argument 2 must be str, not None
        "lend item None": lambda: lending.lend(None, "3-1-502", "王建国", clerk, c, SETTINGS),
        "lend unit 502": lambda: lending.lend("U03", 502, "王建国", clerk, c, SETTINGS),
        # AttributeError on a number; TypeError comparing an instant with a day
        "person phone a number": lambda: residents.register_person(
            "3-1-502", "family", "李小红", 13912345678, "", clerk, c, SETTINGS),
        "person moved in an instant": lambda: residents.register_person(
            "3-1-502", "family", "李小红", "13912345678", "", clerk, c, SETTINGS,
            on=datetime(2026, 10, 1, tzinfo=UTC)),
        # AttributeError on a number; ValueError int("²"); OverflowError for a huge id
        "pass unit 502": lambda: release_passes.issue_release_pass(
            502, "owner", "王建国", "11010519491231002X", "沙发", False, None, True, clerk, c,
            SETTINGS),
        "pass authorisation ²": lambda: release_passes.issue_release_pass(
            "3-1-502", "delegate", "搬家师傅", "11010519491231002X", "沙发", False, "²", True,
            clerk, c, SETTINGS),
        "pass authorisation huge": lambda: release_passes.issue_release_pass(
            "3-1-502", "delegate", "搬家师傅", "11010519491231002X", "沙发", False, "9" * 25,
            True, clerk, c, SETTINGS),
        # AttributeError on a number; TypeError naive vs aware; OverflowError for the
        # person id and the quoted price; decimal.InvalidOperation rounding 1E+30 yuan
        "intake unit 502": lambda: tk.take_ticket(form(unit_code=502), clerk, c, SETTINGS),
        "intake forwarded naive": lambda: tk.take_ticket(
            form(channel="forwarded", forwarded_from="engineering", forwarded_received_at=NAIVE),
            clerk, c, SETTINGS),
        "intake person 2**70": lambda: tk.take_ticket(form(person_id=2**70), clerk, c,
                                                      SETTINGS),
        "intake quoted 1E+30": lambda: tk.take_ticket(
            form(repair_class="paid", quoted="1E+30"), clerk, c, SETTINGS),
        "intake quoted 20 digits": lambda: tk.take_ticket(
            form(repair_class="paid", quoted="9" * 20), clerk, c, SETTINGS),
        "intake text NUL": lambda: tk.take_ticket(form(text="漏水\x00"), clerk, c, SETTINGS),
    }


# The case names (the calls are only built here, not made).
FOUND = list(_found(dict.fromkeys(("clerk", "cashier")), FixedClock(datetime(2026, 10, 9,
                                                                            tzinfo=UTC))))


@pytest.mark.parametrize("case", FOUND)
def test_what_the_fuzzer_found_is_refused_cleanly(office: dict, clock: FixedClock,
                                                  case: str) -> None:
    before = counts()
    with pytest.raises(DeskError) as err:
        _found(office, clock)[case]()
    readable(err.value)
    assert counts() == before
