"""Move an incident with the real services at fixed instants, for the reminder tests."""

from datetime import UTC, datetime, timedelta

from tracker.incidents import services
from tracker.reminders.models import Reminder

MISSED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday
T0 = MISSED + timedelta(minutes=20)
START = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)  # Thursday 09:00 in Chicago, 20:30 in Kolkata


def log(owner, **kwargs):
    fields = {
        "owner": owner,
        "company": "Acme",
        "role": "Backend engineer",
        "interview_at": MISSED,
        "interview_tz": "Asia/Kolkata",
        "candidate_tz": "America/Chicago",
        "format": "video",
        "cause": "timezone",
        "discovered_at": T0,
        "now": T0,
    }
    fields.update(kwargs)
    return services.incident_log(**fields)


def apologise(incident, *, at=None):
    at = at or T0 + timedelta(minutes=10)
    services.outreach_record(incident=incident, channel="email", result="sent", now=at)
    return incident


def confirm(incident, *, start=START, now=None, **kwargs):
    fields = {
        "incident": incident,
        "start": start,
        "time_zone": "Asia/Kolkata",
        "duration_minutes": 45,
        "format": "video",
        "location": "https://meet.example/abc",
        "now": now or T0 + timedelta(hours=1),
    }
    fields.update(kwargs)
    return services.reschedule_confirm(**fields)


def confirmed(owner, **kwargs):
    incident = apologise(log(owner))
    confirm(incident, **kwargs)
    incident.refresh_from_db()
    return incident


def rows(incident, **filters):
    return {
        r.kind: r
        for r in Reminder.objects.filter(incident=incident, **filters).order_by("pk")
    }
