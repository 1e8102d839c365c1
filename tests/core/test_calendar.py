"""kfdesk.calendar: the working-day calendar of RULES §8 ("calendar decisions").

Expected dates were checked against the State Council notice for 2026 (国办发明电〔2025〕7号)
as carried by chinesecalendar 1.11.0: 1–3 Jan off, Sun 4 Jan works; 15–23 Feb off, Sat 14 Feb
and Sat 28 Feb work; 4–6 Apr off; 1–5 May off, Sat 9 May works; 19–21 Jun off; 25–27 Sep off,
Sun 20 Sep works; 1–7 Oct off, Sat 10 Oct works.
"""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import peewee as pw
import pytest

from kfdesk.calendar import (
    CalendarDataError,
    Deadline,
    WorkCalendar,
    overrides_from_store,
    read_overrides_csv,
    shipped_overrides,
    statutory_covers,
)
from kfdesk.config import default_settings
from kfdesk.models import CalendarOverride

SH = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


# --- RULES §8 "within N working days" -----------------------------------------------------

WITHIN_N_WORKING_DAYS = [
    # (why, start instant, n, expected due in Shanghai time)
    (
        "RULES §8 example / KF-010 §4.4.1 developer contact form: 1–7 Oct is National Day",
        local(2026, 9, 30, 10, 0),
        1,
        local(2026, 10, 8, 17, 30),
    ),
    (
        "KF-010 §4.4.1 developer callback: Sat 10 Oct is a make-up working day (调休)",
        local(2026, 10, 8, 9, 0),
        3,
        local(2026, 10, 12, 17, 30),
    ),
    (
        "KF-010 §4.4.1 developer callback: the time of day of the start does not matter",
        local(2026, 10, 8, 23, 59),
        3,
        local(2026, 10, 12, 17, 30),
    ),
    (
        "KF-009 §3.1.1 repair callback: Sat 14 Feb works, 15–23 Feb Spring Festival",
        local(2026, 2, 13, 16, 0),
        3,
        local(2026, 2, 25, 17, 30),
    ),
    (
        "RULES §8: started on a holiday, counting begins the next working day",
        local(2026, 10, 3, 11, 0),
        1,
        local(2026, 10, 8, 17, 30),
    ),
    (
        "RULES §8: started after close on a working day still counts from that date",
        local(2026, 3, 2, 20, 0),
        1,
        local(2026, 3, 3, 17, 30),
    ),
    (
        "RULES §8: ordinary week, Friday + 1 is Monday",
        local(2026, 3, 6, 10, 0),
        1,
        local(2026, 3, 9, 17, 30),
    ),
    (
        "RULES §8: Sun 4 Jan 2026 is a make-up working day after New Year",
        local(2025, 12, 31, 10, 0),
        1,
        local(2026, 1, 4, 17, 30),
    ),
    (
        "RULES §8: Sun 20 Sep works, 25–27 Sep Mid-Autumn, 1–7 Oct National Day",
        local(2026, 9, 18, 10, 0),
        7,
        local(2026, 9, 29, 17, 30),
    ),
]


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [case[1:] for case in WITHIN_N_WORKING_DAYS],
    ids=[case[0] for case in WITHIN_N_WORKING_DAYS],
)
def test_rules_8_within_n_working_days(
    cal: WorkCalendar, start: datetime, n: int, due: datetime
) -> None:
    deadline = cal.add_working_days(start, n)
    assert deadline == Deadline(at=due.astimezone(UTC), provisional=False)
    assert deadline.at.tzinfo is UTC
    assert deadline.local(SH) == due


def test_rules_8_result_is_utc_aware(cal: WorkCalendar) -> None:
    at = cal.add_working_days(local(2026, 9, 30, 10), 1).at
    assert at == datetime(2026, 10, 8, 9, 30, tzinfo=UTC)
    assert at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("n", [0, -1])
def test_rules_8_n_below_one_is_refused(cal: WorkCalendar, n: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        cal.add_working_days(local(2026, 3, 2, 10), n)


@pytest.mark.parametrize("n", [1.0, True, "3"])
def test_rules_8_n_must_be_int(cal: WorkCalendar, n: object) -> None:
    with pytest.raises(TypeError):
        cal.add_working_days(local(2026, 3, 2, 10), n)  # type: ignore[arg-type]


def test_rules_8_naive_instant_is_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_working_days(datetime(2026, 3, 2, 10), 1)


# --- RULES §8 time zone -------------------------------------------------------------------


def test_rules_8_time_zone_instant_is_read_in_office_zone(cal: WorkCalendar) -> None:
    # 2026-09-30T17:00Z is 2026-10-01 01:00 in Shanghai: already National Day, so one working
    # day later is still 8 Oct -- but counted from 1 Oct, not 30 Sep.
    instant = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    assert cal.local_date(instant) == date(2026, 10, 1)
    assert cal.local_date(datetime(2026, 9, 30, 15, 59, tzinfo=UTC)) == date(2026, 9, 30)
    # 5 working days from 30 Sep (Shanghai) = 8, 9, 10, 12, 13 Oct.
    assert cal.add_working_days(datetime(2026, 9, 30, 15, 59, tzinfo=UTC), 5).local(SH) == local(
        2026, 10, 13, 17, 30
    )
    # The same instant seen from UTC as 30 Sep; in Shanghai it is 1 Oct: also 13 Oct (8..13).
    assert cal.add_working_days(instant, 5).local(SH) == local(2026, 10, 13, 17, 30)
    # The start before midnight in Shanghai on Fri 9 Oct vs after: Sat 10 Oct works.
    friday_late = datetime(2026, 10, 9, 15, 59, tzinfo=UTC)  # Fri 23:59 Shanghai
    saturday_early = datetime(2026, 10, 9, 16, 0, tzinfo=UTC)  # Sat 00:00 Shanghai
    assert cal.add_working_days(friday_late, 1).local(SH) == local(2026, 10, 10, 17, 30)
    assert cal.add_working_days(saturday_early, 1).local(SH) == local(2026, 10, 12, 17, 30)


def test_rules_8_time_zone_other_offices_compute_in_their_zone() -> None:
    # Same instant, an office in a zone where it is still Wednesday 30 Sep.
    urumqi = WorkCalendar(zone="Asia/Urumqi")  # UTC+6
    instant = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # 23:00 in Urumqi
    assert urumqi.local_date(instant) == date(2026, 9, 30)
    due = urumqi.add_working_days(instant, 1)
    assert due.at == datetime(2026, 10, 8, 17, 30, tzinfo=ZoneInfo("Asia/Urumqi")).astimezone(UTC)


def test_rules_8_zone_accepts_zoneinfo() -> None:
    assert WorkCalendar(zone=SH).at_close(date(2026, 3, 2)) == local(2026, 3, 2, 17, 30)


# --- RULES §8 business close --------------------------------------------------------------


def test_rules_8_business_close_setting_is_respected() -> None:
    cal = WorkCalendar(close=time(18, 0))
    assert cal.add_working_days(local(2026, 9, 30, 10), 1).local(SH) == local(2026, 10, 8, 18)
    assert cal.day_of_month_deadline(2026, 10, 5).local(SH) == local(2026, 10, 8, 18)
    assert cal.at_close(date(2026, 3, 2)) == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_rules_8_at_time_for_kf_013_collection(cal: WorkCalendar) -> None:
    # KF-013 §4.4: classified at 17:30, collected next working day 09:00.
    nxt = cal.next_working_day(date(2026, 9, 30))
    assert cal.at_time(nxt, time(9, 0)) == local(2026, 10, 8, 9, 0).astimezone(UTC)


def test_rules_8_from_settings_uses_zone_and_close() -> None:
    settings = default_settings()
    cal = WorkCalendar.from_settings(settings)
    assert cal.zone == ZoneInfo("Asia/Shanghai")
    assert cal.close == time(17, 30)
    assert cal.add_working_days(local(2026, 9, 30, 10), 1).local(SH) == local(2026, 10, 8, 17, 30)

    settings.data["hours"]["close"] = "18:00"
    settings.data["office"]["timezone"] = "Asia/Urumqi"
    cal = WorkCalendar.from_settings(settings, extra_overrides={date(2026, 10, 8): False})
    due = cal.add_working_days(datetime(2026, 9, 30, 4, 0, tzinfo=UTC), 1)
    assert due.local(ZoneInfo("Asia/Urumqi")) == datetime(
        2026, 10, 9, 18, 0, tzinfo=ZoneInfo("Asia/Urumqi")
    )


# --- RULES §8 fixed day of the month (遇节假日顺延) -----------------------------------------

DAY_OF_MONTH = [
    # (why, year, month, day, expected due date)
    (
        "KF-015 §4.2 meter readings on the 5th: 5 Oct 2026 is National Day",
        2026,
        10,
        5,
        date(2026, 10, 8),
    ),
    (
        "KF-015 §4.2 meter readings on the 5th: 5 May 2026 is Labour Day",
        2026,
        5,
        5,
        date(2026, 5, 6),
    ),
    ("KF-015 §4.2 meter readings on the 5th: a plain Thursday", 2026, 3, 5, date(2026, 3, 5)),
    (
        "KF-010 §4.6.1 summary on the 2nd: 2 Jan 2026 is New Year, Sat 3 Jan off, Sun 4 works",
        2026,
        1,
        2,
        date(2026, 1, 4),
    ),
    (
        "KF-010 §4.6.1 summary on the 2nd: Sat 2 May 2026 is Labour Day",
        2026,
        5,
        2,
        date(2026, 5, 6),
    ),
    (
        "KF-010 §4.6.1 summary on the 2nd: Sun 2 Aug 2026 moves to Monday",
        2026,
        8,
        2,
        date(2026, 8, 3),
    ),
    (
        "KF-020 §4.4.2 bulletin on the 30th: February has 28 days; Sat 28 Feb 2026 works (调休)",
        2026,
        2,
        30,
        date(2026, 2, 28),
    ),
    (
        "KF-020 §4.4.2 bulletin on the 30th: February 2025 ends on a Friday",
        2025,
        2,
        30,
        date(2025, 2, 28),
    ),
    (
        "KF-020 §4.4.2 bulletin on the 30th: leap February 2024 ends on Thursday 29th",
        2024,
        2,
        30,
        date(2024, 2, 29),
    ),
    (
        "KF-020 §4.4.2 bulletin on the 30th: Sun 30 Aug 2026 moves to Monday 31st",
        2026,
        8,
        30,
        date(2026, 8, 31),
    ),
    (
        "KF-020 §4.4.2 bulletin on the 31st of a 30-day month is clamped to the 30th",
        2026,
        9,
        31,
        date(2026, 9, 30),
    ),
    (
        "RULES §8: the moved day may cross into the next month (Sat 31 Oct 2026 -> Mon 2 Nov)",
        2026,
        10,
        31,
        date(2026, 11, 2),
    ),
]


@pytest.mark.parametrize(
    ("year", "month", "day", "due"),
    [case[1:] for case in DAY_OF_MONTH],
    ids=[case[0] for case in DAY_OF_MONTH],
)
def test_rules_8_fixed_day_of_month(
    cal: WorkCalendar, year: int, month: int, day: int, due: date
) -> None:
    deadline = cal.day_of_month_deadline(year, month, day)
    assert deadline == Deadline(at=cal.at_close(due), provisional=False)


def test_rules_8_fixed_day_of_month_rejects_day_zero(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        cal.day_of_month_deadline(2026, 3, 0)


def test_rules_8_fixed_day_of_month_in_uncovered_year_is_provisional(cal: WorkCalendar) -> None:
    deadline = cal.day_of_month_deadline(2027, 10, 5)  # a Tuesday; no 2027 notice in the data
    assert deadline == Deadline(at=cal.at_close(date(2027, 10, 5)), provisional=True)
    # December 2026 is covered; rolling forward from Thu 31 Dec stays in 2026.
    assert not cal.day_of_month_deadline(2026, 12, 31).provisional
    # Sat 2 Jan 2027 rolls to Mon 4 Jan 2027: provisional.
    assert cal.day_of_month_deadline(2027, 1, 2).provisional


# --- RULES §8 working day: statutory data ------------------------------------------------

WORKING_DAYS = [
    # (date, working?, why)
    (date(2026, 2, 14), True, "Sat, make-up working day before Spring Festival"),
    (date(2026, 2, 28), True, "Sat, make-up working day after Spring Festival"),
    (date(2026, 10, 10), True, "Sat, make-up working day after National Day"),
    (date(2026, 1, 4), True, "Sun, make-up working day after New Year"),
    (date(2026, 9, 20), True, "Sun, make-up working day before Mid-Autumn / National Day"),
    (date(2026, 5, 9), True, "Sat, make-up working day after Labour Day"),
    (date(2026, 2, 16), False, "Mon, Spring Festival"),
    (date(2026, 2, 23), False, "Mon, last day of Spring Festival"),
    (date(2026, 10, 1), False, "Thu, National Day"),
    (date(2026, 10, 7), False, "Wed, National Day"),
    (date(2026, 4, 6), False, "Mon, Qingming"),
    (date(2026, 6, 19), False, "Fri, Dragon Boat"),
    (date(2026, 9, 25), False, "Fri, Mid-Autumn"),
    (date(2026, 10, 8), True, "Thu, first day back"),
    (date(2026, 3, 7), False, "Sat, ordinary weekend"),
    (date(2026, 3, 9), True, "Mon, ordinary weekday"),
]


@pytest.mark.parametrize(
    ("day", "working"),
    [case[:2] for case in WORKING_DAYS],
    ids=[f"{case[0]} {case[2]}" for case in WORKING_DAYS],
)
def test_rules_8_working_day_statutory(cal: WorkCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working
    assert cal.is_provisional(day) is False


def test_rules_8_next_working_day(cal: WorkCalendar) -> None:
    assert cal.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert cal.next_working_day(date(2026, 2, 13)) == date(2026, 2, 14)
    assert cal.next_working_day(date(2026, 2, 14)) == date(2026, 2, 24)
    assert cal.next_working_day(date(2026, 3, 9)) == date(2026, 3, 10)  # strictly after
    assert cal.roll_forward(date(2026, 3, 9)) == date(2026, 3, 9)
    assert cal.roll_forward(date(2026, 10, 1)) == date(2026, 10, 8)


def test_rules_8_working_days_between(cal: WorkCalendar) -> None:
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert cal.working_days_between(date(2026, 10, 8), date(2026, 10, 12)) == 3
    assert cal.working_days_between(date(2026, 10, 8), date(2026, 10, 8)) == 0
    assert cal.working_days_between(date(2026, 10, 12), date(2026, 10, 8)) == -3
    # Whole year 2026: 365 days, 250 working days per the notice.
    assert cal.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == sum(
        cal.is_working_day(date(2026, 1, 1) + timedelta(days=i)) for i in range(365)
    )


def test_rules_8_datetime_is_not_a_date(cal: WorkCalendar) -> None:
    # A datetime would silently lose its zone; make the caller choose local_date().
    with pytest.raises(TypeError):
        cal.is_working_day(local(2026, 10, 1, 1))  # type: ignore[arg-type]


# --- RULES §8 uncovered years: Monday–Friday fallback, provisional ------------------------


def test_rules_8_statutory_coverage() -> None:
    assert statutory_covers(2004) and statutory_covers(2026)
    assert not statutory_covers(2003) and not statutory_covers(2027)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 1, 1), True),  # Fri: New Year, but no 2027 notice -> Mon–Fri fallback
        (date(2027, 1, 2), False),  # Sat
        (date(2027, 1, 3), False),  # Sun
        (date(2027, 1, 4), True),  # Mon
        (date(2027, 10, 1), True),  # Fri
        (date(2003, 12, 31), True),  # Wed, before the data starts
        (date(2003, 12, 27), False),  # Sat
    ],
)
def test_rules_8_uncovered_year_falls_back_to_monday_friday(
    cal: WorkCalendar, day: date, working: bool
) -> None:
    assert cal.is_working_day(day) is working
    assert cal.is_provisional(day) is True


def test_rules_8_deadline_into_uncovered_year_is_provisional(cal: WorkCalendar) -> None:
    # Wed 30 Dec 2026 + 3: Thu 31 Dec, Fri 1 Jan 2027 (fallback: working), Mon 4 Jan 2027.
    deadline = cal.add_working_days(local(2026, 12, 30, 10), 3)
    assert deadline == Deadline(at=local(2027, 1, 4, 17, 30).astimezone(UTC), provisional=True)
    # One working day stays inside 2026: not provisional.
    assert cal.add_working_days(local(2026, 12, 30, 10), 1) == Deadline(
        at=local(2026, 12, 31, 17, 30).astimezone(UTC), provisional=False
    )


def test_rules_8_override_makes_a_date_of_uncovered_year_certain() -> None:
    cal = WorkCalendar(overrides={date(2027, 1, 1): False})
    assert cal.is_working_day(date(2027, 1, 1)) is False
    assert cal.is_provisional(date(2027, 1, 1)) is False
    assert cal.is_provisional(date(2027, 1, 4)) is True


def test_rules_8_published_years_are_not_provisional() -> None:
    # The office typed in the 2027 notice as overrides and declares 2027 entered.
    cal = WorkCalendar(overrides={date(2027, 1, 1): False}, published_years=[2027])
    deadline = cal.add_working_days(local(2026, 12, 30, 10), 3)
    assert deadline == Deadline(at=local(2027, 1, 5, 17, 30).astimezone(UTC), provisional=False)
    assert cal.is_working_day(date(2027, 1, 2)) is False  # weekends stay off


# --- RULES §8 overrides -------------------------------------------------------------------


def test_rules_8_override_turns_working_day_into_holiday() -> None:
    # E.g. the office closes on Thu 8 Oct 2026 (a statutory working day).
    cal = WorkCalendar(overrides={date(2026, 10, 8): False})
    assert cal.is_working_day(date(2026, 10, 8)) is False
    assert cal.add_working_days(local(2026, 9, 30, 10), 1).local(SH) == local(2026, 10, 9, 17, 30)
    assert cal.day_of_month_deadline(2026, 10, 5).local(SH) == local(2026, 10, 9, 17, 30)


def test_rules_8_override_turns_holiday_into_working_day() -> None:
    # E.g. the counter is staffed on Mon 5 Oct 2026 (statutory holiday) and on a Sunday.
    cal = WorkCalendar(overrides={date(2026, 10, 5): True, date(2026, 3, 8): True})
    assert cal.is_working_day(date(2026, 10, 5)) is True
    assert cal.is_working_day(date(2026, 3, 8)) is True
    assert cal.add_working_days(local(2026, 9, 30, 10), 1).local(SH) == local(2026, 10, 5, 17, 30)
    assert cal.day_of_month_deadline(2026, 10, 5).local(SH) == local(2026, 10, 5, 17, 30)


def test_rules_8_override_keys_must_be_dates() -> None:
    with pytest.raises(TypeError):
        WorkCalendar(overrides={local(2026, 10, 5): True})  # type: ignore[dict-item]


def test_rules_8_passed_overrides_win_over_shipped_file(monkeypatch: pytest.MonkeyPatch) -> None:
    import kfdesk.calendar as module

    shipped = ((date(2026, 10, 8), False), (date(2026, 10, 9), False))
    monkeypatch.setattr(module, "_shipped_overrides_cached", lambda: shipped)
    cal = WorkCalendar(overrides={date(2026, 10, 8): True})
    assert cal.is_working_day(date(2026, 10, 8)) is True  # passed override wins
    assert cal.is_working_day(date(2026, 10, 9)) is False  # shipped file wins over statutory
    assert WorkCalendar(use_shipped_file=False).is_working_day(date(2026, 10, 9)) is True


# --- the overrides file and table --------------------------------------------------------


def test_shipped_overrides_file_parses() -> None:
    # Ships with a header only: chinesecalendar 1.11.0 already carries the 2026 notice.
    assert isinstance(shipped_overrides(), dict)
    assert all(isinstance(d, date) and isinstance(w, bool) for d, w in shipped_overrides().items())


def test_read_overrides_csv() -> None:
    text = (
        "\ufeffdate,kind,note\n"
        "# the office's own corrections\n"
        "2027-01-01,holiday,元旦\n"
        '2027-02-06,Workday,"调休, 上班"\n'
        "\n"
    )
    assert read_overrides_csv(io.StringIO(text)) == {
        date(2027, 1, 1): False,
        date(2027, 2, 6): True,
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("day,kind,note\n", "header"),
        ("date,kind,note\n2027-13-01,holiday,\n", "line 2: expected a date"),
        ("date,kind,note\n2027-01-01,off,\n", "line 2: kind must be"),
        ("date,kind,note\n2027-01-01\n", "line 2: expected 'date,kind,note'"),
        ("date,kind,note\n2027-01-01,holiday,\n2027-01-01,workday,\n", "line 3: 2027-01-01"),
    ],
)
def test_read_overrides_csv_errors(text: str, message: str) -> None:
    with pytest.raises(CalendarDataError, match=message):
        read_overrides_csv(io.StringIO(text), where="test.csv")


def test_read_overrides_csv_from_path(tmp_path) -> None:
    path = tmp_path / "overrides.csv"
    path.write_text("date,kind,note\n2026-10-08,holiday,office move\n", encoding="utf-8")
    assert read_overrides_csv(path) == {date(2026, 10, 8): False}
    path.write_text("date,kind,note\n2026-10-08,maybe,\n", encoding="utf-8")
    with pytest.raises(CalendarDataError, match=str(path)):
        read_overrides_csv(path)


def test_overrides_from_store() -> None:
    db = pw.SqliteDatabase(":memory:")
    with db.bind_ctx([CalendarOverride]):
        db.create_tables([CalendarOverride])
        CalendarOverride.create(day=date(2026, 10, 8), kind="holiday", note="office move")
        CalendarOverride.create(day=date(2026, 10, 5), kind="workday", note="counter staffed")
        extra = overrides_from_store()
        assert extra == {date(2026, 10, 8): False, date(2026, 10, 5): True}
        cal = WorkCalendar.from_settings(default_settings(), extra_overrides=extra)
        assert cal.add_working_days(local(2026, 10, 2, 9), 1).local(SH) == local(
            2026, 10, 5, 17, 30
        )
        CalendarOverride.create(day=date(2026, 10, 9), kind="maybe")
        with pytest.raises(CalendarDataError, match="2026-10-09"):
            overrides_from_store()
    db.close()


# --- start-up weight ----------------------------------------------------------------------


def test_import_is_light() -> None:
    # The app imports core modules at start; chinese_calendar and the DB layer load on use.
    code = (
        "import sys, kfdesk.calendar; "
        "heavy = {'chinese_calendar', 'peewee', 'textual', 'rich'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
