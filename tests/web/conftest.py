"""Fixtures of the web tests: a fixed clock and an incident walked far enough that every
object URL of the incident page exists."""

from datetime import timedelta

import pytest

from tests.factories import BASE
from tests.helpers import frozen_clock
from tracker.incidents import services

# The miss happened at BASE (14:00 UTC) and was found 20 minutes later; "now" is 10 minutes on.
NOW = BASE + timedelta(minutes=30)


clock = frozen_clock(NOW)


def log_incident(owner, *, now=NOW, **overrides):
    fields = {
        "company": "Acme",
        "role": "Backend engineer",
        "interview_at": BASE,
        "interview_tz": "Asia/Kolkata",
        "candidate_tz": "America/Chicago",
        "format": "video",
        "cause": "timezone",
        "discovered_at": BASE + timedelta(minutes=20),
        "contact_name": "Priya Raman",
        "contact_email": "priya@acme.example",
    }
    fields.update(overrides)
    return services.incident_log(owner=owner, now=now, **fields)


def slot_data(*slots: tuple[str, str], total: int = 3, **fields) -> dict:
    """The POST of "Propose two or three new times" as the browser sends it: each (wall time,
    zone) pair in `slots-<n>-start` / `slots-<n>-time_zone`, the formset's management form,
    then `fields` (e.g. `**{"slots-1-which": "+01:00"}`)."""
    data = {
        "slots-TOTAL_FORMS": str(total),
        "slots-INITIAL_FORMS": "0",
        "slots-MIN_NUM_FORMS": "2",
        "slots-MAX_NUM_FORMS": "3",
    }
    for n, (start, zone) in enumerate(slots):
        data[f"slots-{n}-start"] = start
        data[f"slots-{n}-time_zone"] = zone
    data.update(fields)
    return data


def walked_incident(owner, *, now=NOW):
    """An incident in correct with a contact, an apology, a pending reschedule with two slots
    and a promised item: every object its page links to."""
    incident = log_incident(owner, now=now)
    contact = incident.contacts.get()
    outreach = services.outreach_record(
        incident=incident, channel="email", result="sent", contact=contact, now=now,
        text="I am sorry I missed our interview.",
    )
    reschedule = services.reschedule_request(
        incident=incident,
        slots=[
            (now + timedelta(days=2), "Asia/Kolkata"),
            (now + timedelta(days=3), "Asia/Kolkata"),
        ],
        now=now,
    )
    material = services.material_add(incident=incident, description="Code sample", now=now)
    return {
        "incident": incident,
        "contact": contact,
        "outreach": outreach,
        "reschedule": reschedule,
        "slot": reschedule.slots.first(),
        "safeguard": incident.safeguards.first(),
        "material": material,
    }


@pytest.fixture
def walked(user, clock):
    return walked_incident(user)
