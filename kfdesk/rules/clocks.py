"""The clocks of RULES §8: one ``ClockSpec`` per row of the table, and those the procedures imply.

The registry is data: rule id, the kind of item it runs on, whether its limit is counted in
working days (so a calendar change must recompute it), and the settings key of its limit.
The text a clerk reads is ``rule.<name>`` in the catalogue, formatted with ``limit``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClockSpec:
    name: str
    rule: str
    item_kind: str
    starts: str  # what starts it (documentation, shown in F1 help)
    stops: str  # what stops it
    limit_key: str | None  # key in [clocks] settings; None where the limit is a date
    working_days: bool = False  # limit in working days: recomputed on a calendar change
    periodic: bool = False  # started by time, not a record: kfdesk.rules.periods opens it


_SPECS = [
    ClockSpec("handover", "KF-010 §4.1.1", "ticket", "other department received",
              "desk intake", "handover_from_department_hours"),
    ClockSpec("dispatch", "KF-010 §4.1.2", "ticket", "intake (valid complaint, repair)",
              "dispatched", "dispatch_hours"),
    ClockSpec("explain_invalid", "KF-010 §4.4.2", "ticket", "intake (invalid, other)",
              "explained", "explain_invalid_hours"),
    ClockSpec("developer_form", "KF-010 §4.4.1", "ticket", "intake (developer issue)",
              "contact form sent", "developer_contact_form_working_days", working_days=True),
    # RULES v2: 3 working days from intake, like the form (both "接到…投诉后").
    ClockSpec("developer_callback", "KF-010 §4.4.1", "callback", "intake (developer issue)",
              "callback done", "developer_callback_working_days", working_days=True),
    # RULES v2: every complaint the desk accepted, an invalid one too (from its explanation).
    ClockSpec("complaint_callback", "KF-010 §4.5", "callback",
              "handling ended (invalid: explained)", "callback done", "complaint_callback_days"),
    ClockSpec("repair_callback", "KF-009 §3.1.1", "callback", "work order returned",
              "callback done", "repair_callback_working_days", working_days=True),
    # RULES v2: engineering's supervisor *arranges* the rework and the special callback within
    # 24 hours; finishing the rework has no limit in the text, and a failed ordinary inspection
    # (KF-011) opens a rework order with no clock. The callback after the rework is the
    # complaint's own (KF-010 §4.5), within §3.1.1's limit.
    ClockSpec("defect_arrange", "KF-009 §3.1.4", "ticket", "defect complaint intake",
              "rework assigned and special callback scheduled", "defect_rework_hours"),
    ClockSpec("appliance_tell", "KF-022 §2.2", "service_order", "accepted",
              "on site or resident told", "appliance_tell_minutes"),
    ClockSpec("appliance_on_site", "KF-022 §2.2", "service_order", "accepted",
              "on site", "appliance_on_site_minutes"),
    # KF-013 §4.2–4.3 (RULES v2): the day's notices sorted by department at 17:30; a notice
    # received that day and still unsorted at 17:30 + grace is overdue.
    ClockSpec("fault_sort", "KF-013 §4.2–4.3", "fault_notice", "received that day",
              "sorted by department", "fault_notice_classify"),
    # KF-013 §4.4 (RULES v2): collected every morning — the next calendar day, 09:00.
    ClockSpec("fault_collect", "KF-013 §4.4", "fault_notice", "sorted",
              "collected", "fault_notice_collect_days"),
    ClockSpec("registered_mail", "KF-021 §3", "mail", "received",
              "collected or returned", "registered_mail_days"),
    ClockSpec("hand_over", "KF-015 §4.6", "hand_over", "first receipt of the day",
              "day closed", None),
    ClockSpec("second_notice", "KF-016 §3.4", "unit", "first arrears notice",
              "paid or second notice", "arrears_second_notice_months", working_days=True),
    ClockSpec("contact_check", "KF-017 §3", "person", "last verified",
              "verified", "contact_check_resident_days"),
    ClockSpec("vacant_check", "RULES §5–§6", "vacant_unit", "last check (never checked: "
              "first seen vacant)", "next check", "vacant_check_days"),
    # KF-009 §3.3.2 (RULES v2): the questionnaires distributed by 20 December.
    ClockSpec("survey_distribute", "KF-009 §3.3.2", "year", "December", "distributed",
              "survey_distribute_by", working_days=True, periodic=True),
    ClockSpec("survey_collect", "KF-009 §3.3", "survey", "distributed", "collected",
              "survey_collect_days"),
    ClockSpec("survey_report", "KF-009 §3.3", "survey", "collected", "report done",
              "survey_report_days"),
    # KF-009 §3.3.6 (RULES v2): the open letter on concentrated issues, approved by the
    # general manager and posted within 2 weeks of collection.
    ClockSpec("survey_letter", "KF-009 §3.3.6", "survey", "collected (concentrated issues)",
              "letter approved and posted", "survey_open_letter_days"),
    ClockSpec("activity_plan", "KF-020 §4.2.2", "activity", "activity date − 1 month",
              "plan approved", "activity_plan_months_before"),
    ClockSpec("activity_group", "KF-020 §4.3.1", "activity", "activity date − 10 days",
              "group formed", "activity_group_days_before"),
    ClockSpec("activity_notice", "KF-020 §4.3.2", "activity", "activity date − 10 days",
              "notice posted", "activity_notice_days_before"),
    # Periodic duties: a row per period, opened by kfdesk.rules.periods.sync_periods.
    # RULES v2: engineering's duty (工程维修部); the cashier waits on it.
    ClockSpec("meter_readings", "KF-015 §4.2", "month", "month start", "readings in",
              "meter_reading_day", working_days=True, periodic=True),
    ClockSpec("complaint_summary_desk", "KF-010 §4.6.1", "month", "month end", "filed",
              "complaint_summary_desk_day", working_days=True, periodic=True),
    # RULES v2: never due before the desk's summary plus 2 working days (the supervisor
    # works from it), however holidays move the two.
    ClockSpec("complaint_summary_supervisor", "KF-010 §4.6.1", "month", "month end",
              "filed", "complaint_summary_supervisor_day", working_days=True, periodic=True),
    ClockSpec("bulletin", "KF-020 §4.4.2", "month", "month start", "posted",
              "bulletin_day", working_days=True, periodic=True),
    ClockSpec("callback_sampling", "KF-009 §3.1.2", "month", "month start",
              "sample quotas met", None, working_days=True, periodic=True),
    ClockSpec("parking_settlement", "KF-015 §6.1.2", "attendant", "last settlement",
              "settled", "parking_settlement_days", working_days=True, periodic=True),
    ClockSpec("annual_plan", "KF-020 §4.2.1", "year", "year", "filed",
              "annual_plan_due", working_days=True, periodic=True),
    ClockSpec("annual_adjustment", "KF-020 §4.2.1", "year", "year", "filed",
              "annual_adjustment_due", working_days=True, periodic=True),
    # KF-020 §4.1.1 (RULES v2): due by the 10th, before the 15 Jun / 15 Dec plan it feeds.
    ClockSpec("interest_survey", "KF-020 §4.1.1", "half_year", "June / December", "filed",
              "interest_survey_day", working_days=True, periodic=True),
]

CLOCKS: dict[str, ClockSpec] = {spec.name: spec for spec in _SPECS}
WORKING_DAY_CLOCKS = frozenset(s.name for s in _SPECS if s.working_days and not s.periodic)
