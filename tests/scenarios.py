"""Incidents walked through their phases with the real services, at fixed instants.

Two kinds of helper, every option keyword-only, every one taking `now`:

- a state, built for a person: `logged`, `apologised`, `requested`, `confirmed`, `attended`,
  `ready_to_close` return the incident (fresh from the database) in that state. `now` is the
  instant of the state's last step; the steps before it happen at the fixed instants below.
- a step, taken on an existing incident: `apologise`, `request`, `follow_up`, `confirm`,
  `attend` return what the service returns (the reschedule, or the incident for outreach).

`now` defaults to the instant of the fixed timeline, so that a test passes it only when the
instant matters to it.
"""

from datetime import UTC, datetime, timedelta

from tracker.incidents import services
from tracker.incidents.models import Incident
from tracker.reminders.models import Reminder

# The missed interview (a Monday); the person discovers it 20 minutes later.
MISSED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
T0 = MISSED + timedelta(minutes=20)
# The rescheduled interview: Thursday 09:00 in Chicago, 20:30 in Kolkata; another time for moves.
START = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)
OTHER_START = datetime(2026, 3, 6, 9, 30, tzinfo=UTC)

# When each step happens unless a test says otherwise.
APOLOGISED_AT = T0 + timedelta(minutes=10)
REQUESTED_AT = T0 + timedelta(minutes=15)
CONFIRMED_AT = T0 + timedelta(hours=1)
FOLLOWED_UP_AT = T0 + timedelta(days=2)
ATTENDED_AT = START + timedelta(hours=1)
WRAPPED_UP_AT = START + timedelta(hours=2)  # thank-you note and lessons


# Steps on an existing incident --------------------------------------------------------------


# The result that makes each channel's apology reach them (and so end the first hour).
REACHED = {"email": "sent", "call": "reached"}


def apologise(incident, *, now=APOLOGISED_AT, channel="email"):
    """The first apology that reached them (moves a logged incident to correct)."""
    services.outreach_record(incident=incident, channel=channel, result=REACHED[channel], now=now)
    return incident


def request(incident, *, now=REQUESTED_AT, hours=(48, 72)):
    """Ask for new times: one slot per entry of `hours`, counted so that 48 is START."""
    return services.reschedule_request(
        incident=incident,
        slots=[(START + timedelta(hours=h - 48), "Asia/Kolkata") for h in hours],
        now=now,
    )


def follow_up(incident, *, now=FOLLOWED_UP_AT):
    services.outreach_record(
        incident=incident, channel="email", result="sent", purpose="follow_up", now=now
    )
    return incident


def confirm(incident, *, start=START, now=CONFIRMED_AT, **details):
    """Confirm (or move, or update) the rescheduled interview; `details` override the
    defaults below (time_zone, duration_minutes, format, location, interviewer, ...)."""
    fields = {
        "time_zone": "Asia/Kolkata",
        "duration_minutes": 45,
        "format": "video",
        "location": "https://meet.example/abc",
        **details,
    }
    return services.reschedule_confirm(incident=incident, start=start, now=now, **fields)


def attend(incident, *, now=ATTENDED_AT):
    return services.interview_attended(incident=incident, now=now)


# States, built for a person ------------------------------------------------------------------


def logged(owner, *, now=T0, cause=Incident.Cause.TIMEZONE, format=Incident.Format.VIDEO,
           **fields):
    """Just logged (contain): a video interview missed through a time-zone mix-up, discovered
    at T0. `fields` override any other argument of incident_log."""
    fields = {
        "company": "Acme",
        "role": "Backend engineer",
        "interview_at": MISSED,
        "interview_tz": "Asia/Kolkata",
        "candidate_tz": "America/Chicago",
        "discovered_at": T0,
        **fields,
    }
    return services.incident_log(owner=owner, format=format, cause=cause, now=now, **fields)


def apologised(owner, *, now=APOLOGISED_AT, channel="email"):
    """Correct: logged, then the apology at `now`."""
    return _fresh(apologise(logged(owner), now=now, channel=channel))


def requested(owner, *, now=REQUESTED_AT, hours=(48, 72)):
    """Correct with a pending reschedule request made at `now`."""
    incident = apologised(owner)
    request(incident, now=now, hours=hours)
    return _fresh(incident)


def confirmed(owner, *, now=CONFIRMED_AT, start=START, **details):
    """Correct with the rescheduled interview confirmed at `now` (no request before it)."""
    incident = apologised(owner)
    confirm(incident, start=start, now=now, **details)
    return _fresh(incident)


def attended(owner, *, now=ATTENDED_AT):
    """Consolidate: the confirmed interview attended at `now`."""
    incident = confirmed(owner)
    attend(incident, now=now)
    return _fresh(incident)


def ready_to_close(owner, *, now=WRAPPED_UP_AT):
    """Consolidate with the thank-you note sent and the lessons written at `now`: nothing left
    before closing as recovered."""
    incident = attended(owner)
    services.thank_you_sent(incident=incident, now=now)
    services.incident_lessons_record(
        incident=incident, lessons="Two alarms, both zones in the invite.", now=now
    )
    return _fresh(incident)


def _fresh(incident):
    incident.refresh_from_db()
    return incident


# Reading back ---------------------------------------------------------------------------------


def reminders_by_kind(incident, **filters):
    """The incident's reminder rows by kind (the newest row of a kind wins)."""
    return {
        r.kind: r
        for r in Reminder.objects.filter(incident=incident, **filters).order_by("pk")
    }


def notices_sent(incident):
    """Mark the incident's pending change notices (the "confirmed", "moved", "details changed"
    and "called off" emails, which the dispatcher sends at once) as sent at their due time: for
    tests about the reminders that follow, not about the notices."""
    from django.db.models import F

    from tracker.reminders import planning

    Reminder.objects.filter(
        incident=incident, kind__in=planning.NOTICE_KINDS, status=Reminder.Status.PENDING
    ).update(status=Reminder.Status.SENT, sent_at=F("due_at"), updated_at=F("due_at"))
    return incident
