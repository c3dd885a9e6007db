"""Walk an incident through its phases with the real services, at fixed instants."""

from datetime import UTC, datetime, timedelta

from tracker.incidents import services
from tracker.incidents.models import Incident

# The missed interview; the person discovers it 20 minutes later.
MISSED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
T0 = MISSED + timedelta(minutes=20)
# The rescheduled interview, a few days on.
START = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)
OTHER_START = datetime(2026, 3, 6, 9, 30, tzinfo=UTC)


def log(owner, *, cause=Incident.Cause.TIMEZONE, format=Incident.Format.VIDEO, **kwargs):
    fields = {
        "owner": owner,
        "company": "Acme",
        "role": "Backend engineer",
        "interview_at": MISSED,
        "interview_tz": "Asia/Kolkata",
        "candidate_tz": "America/Chicago",
        "format": format,
        "cause": cause,
        "discovered_at": T0,
        "now": T0,
    }
    fields.update(kwargs)
    return services.incident_log(**fields)


def apologise(incident, *, at=None, channel="email"):
    at = at or T0 + timedelta(minutes=10)
    services.outreach_record(incident=incident, channel=channel, result="sent", now=at)
    return incident


def request(incident, *, now=None, hours=(48, 72)):
    now = now or T0 + timedelta(minutes=15)
    return services.reschedule_request(
        incident=incident,
        slots=[(START + timedelta(hours=h - 48), "Asia/Kolkata") for h in hours],
        now=now,
    )


def follow_up(incident, *, now=None):
    now = now or T0 + timedelta(days=2)
    services.outreach_record(
        incident=incident, channel="email", result="sent", purpose="follow_up", now=now
    )
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


def attend(incident, *, now=None):
    return services.interview_attended(incident=incident, now=now or START + timedelta(hours=1))


def in_correct(owner, **kwargs):
    return apologise(log(owner, **kwargs))


def confirmed(owner, **kwargs):
    incident = in_correct(owner, **kwargs)
    confirm(incident)
    return incident


def consolidating(owner, **kwargs):
    incident = confirmed(owner, **kwargs)
    attend(incident)
    return incident


def ready_to_close(owner, **kwargs):
    incident = consolidating(owner, **kwargs)
    after = START + timedelta(hours=2)
    services.thank_you_sent(incident=incident, now=after)
    services.incident_lessons_record(
        incident=incident, lessons="Two alarms, both zones in the invite.", now=after
    )
    return incident
