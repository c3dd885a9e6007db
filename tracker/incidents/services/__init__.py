"""Every write to the incident domain, by area (one module each). Views, forms, admin and
tasks call these with `now` (no service reads the clock); each one locks the incident, asks
`phases` (through the incident's situation) whether the step is allowed, writes, adds a
TimelineEvent and calls `reminders_sync` in the same transaction.

Refusals by the rules raise `TransitionRefused` (its message is for the person); a bad value (an
unknown zone, text over its limit, a naive datetime) raises `ValidationError` or `ValueError`.
"""

from ..phases import MAX_SLOTS, MIN_SLOTS, TransitionRefused
from .consolidate import material_add, material_resolve, safeguard_set
from .incident import (
    contact_save,
    incident_close,
    incident_lessons_record,
    incident_log,
    incident_reopen,
    incident_update,
)
from .outreach import outreach_record, thank_you_sent
from .reschedule import (
    interview_attended,
    reschedule_cancel,
    reschedule_confirm,
    reschedule_reply,
    reschedule_request,
)

__all__ = [
    "MAX_SLOTS",
    "MIN_SLOTS",
    "TransitionRefused",
    "contact_save",
    "incident_close",
    "incident_lessons_record",
    "incident_log",
    "incident_reopen",
    "incident_update",
    "interview_attended",
    "material_add",
    "material_resolve",
    "outreach_record",
    "reschedule_cancel",
    "reschedule_confirm",
    "reschedule_reply",
    "reschedule_request",
    "safeguard_set",
    "thank_you_sent",
]
