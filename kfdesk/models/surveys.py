"""The satisfaction survey's copies, one per household drawn (KF-009 §3.3).

``Survey`` (registers) holds the year's figures and clocks; a ``SurveyCopy`` is one
questionnaire: the unit it went to, and when it came back with what grade and remarks.
The copies are what makes the sample checkable (random, spread evenly across buildings)
and the statistics reproducible (returns by building, satisfaction counts).
"""

from __future__ import annotations

import peewee as pw

from .base import BaseModel, UtcDateTimeField
from .people import Unit
from .registers import Survey
from .staff import Staff

# The questionnaire's overall grade, best first (KF-009 §3.3 statistics).
SURVEY_GRADES = ("very_satisfied", "satisfied", "neutral", "dissatisfied")


class SurveyCopy(BaseModel):
    survey = pw.ForeignKeyField(Survey, backref="copies", on_delete="RESTRICT")
    unit = pw.ForeignKeyField(Unit, backref="survey_copies", on_delete="RESTRICT")
    returned_at = UtcDateTimeField(null=True)
    grade = pw.CharField(max_length=16, null=True)  # SURVEY_GRADES, once returned
    remarks = pw.TextField(default="")  # the resident's own words, as written
    recorded_by = pw.ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    # KF-009 §3.3.5 (RULES v2): the copy's feedback forwarded to the department concerned.
    forwarded_to = pw.CharField(max_length=16, default="")
    forwarded_at = UtcDateTimeField(null=True)

    class Meta:
        indexes = ((("survey", "unit"), True),)
