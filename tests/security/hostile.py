"""A person whose every text field holds one hostile string, written through the services (the
way the forms, the admin and the draft pages write them), and the reminder emails of every kind
rendered from their real rows."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tests.web.conftest import NOW
from tracker.accounts.partner import make_token, read_token
from tracker.accounts.services import partner_answer, profile_update
from tracker.incidents import services
from tracker.reminders.mail import message_for
from tracker.reminders.models import Reminder
from tracker.reminders.services import reminder_send_test, reminders_sync

# Confirmed interview of the second incident, and when the pages are looked at (after it).
START = NOW + timedelta(days=1)
AFTER = START + timedelta(hours=2)
# The local part of an email address cannot hold every payload; a quoted one holds most.
EMAIL_FALLBACK = '"<img/src=x/onerror=alert(1)>"@example.com'


def email_with(payload: str) -> str:
    """`"<payload>"@example.com` when Django's validator accepts it, else a hostile fallback."""
    candidate = f'"{payload}"@example.com'
    try:
        validate_email(candidate)
    except ValidationError:
        return EMAIL_FALLBACK
    return candidate


def fit(payload: str, limit: int) -> str:
    assert len(payload) <= limit, f"payload longer than the field ({limit}): {payload!r}"
    return payload


def hostile_world(owner, p: str, *, link: str | None = None) -> dict:
    """Every text field of `owner`'s data set to `p` (the confirmed location to `link` if
    given). Returns the objects: three incidents (a pending reschedule, a confirmed and
    attended interview, closed) and their contacts.

    The text validators (tracker/validators.py, issue 12) now refuse line breaks and spoofing
    characters in these fields; they are switched off here, as for rows stored before them,
    so that the pages and the emails are shown to stay safe even with such text."""
    with mock.patch("tracker.validators._check_text", lambda value, *, one_line: None):
        return _hostile_world(owner, p, link=link)


def _hostile_world(owner, p: str, *, link: str | None = None) -> dict:
    now = NOW
    profile_update(
        profile=owner.profile, full_name=fit(p, 120), phone=fit(p, 40), time_zone="America/Chicago",
        partner_email="", reminders_off=[], now=now,
    )
    fields = {
        "company": fit(p, 120), "role": fit(p, 120), "interview_at": NOW - timedelta(minutes=30),
        "interview_tz": "Asia/Kolkata", "candidate_tz": "America/Chicago", "format": "video",
        "cause": "timezone", "discovered_at": NOW - timedelta(minutes=10), "notes": p,
        "contact_name": fit(p, 120), "contact_email": email_with(p), "contact_phone": fit(p, 40),
    }

    # 1: correct, a pending request with slots, an outreach, a promised item, lessons.
    pending = services.incident_log(owner=owner, now=now, **fields)
    contact = pending.contacts.get()
    recruiter = services.contact_save(
        owner=owner, incident=pending, now=now, name=p, role="recruiter",
        email=email_with(p), phone=fit(p, 40), time_zone="Europe/London",
    )
    services.outreach_record(
        incident=pending, channel="email", result="sent", contact=contact, subject=fit(p, 200),
        text=p, now=now,
    )
    services.reschedule_request(
        incident=pending, slots=[(NOW + timedelta(days=2), "Asia/Kolkata"),
                                 (NOW + timedelta(days=3), "Europe/London")], now=now,
    )
    services.material_add(incident=pending, description=fit(p, 200), now=now)
    services.incident_lessons_record(incident=pending, lessons=p, now=now)
    services.incident_update(incident=pending, thank_you_topic=fit(p, 200), now=now)

    # 2: confirmed at START (the location is the payload), attended: consolidate.
    attended = services.incident_log(owner=owner, now=now, **fields)
    interviewer = attended.contacts.get()
    services.outreach_record(incident=attended, channel="call", result="reached", now=now)
    services.reschedule_confirm(
        incident=attended, start=START, time_zone="Asia/Kolkata", duration_minutes=45,
        format="video", location=link if link is not None else fit(p, 500),
        interviewer=interviewer, now=now,
    )
    services.incident_update(incident=attended, thank_you_topic=fit(p, 200), now=now)
    services.material_add(incident=attended, description=fit(p, 200), now=now)
    services.interview_attended(incident=attended, now=START + timedelta(hours=1))

    # 3: closed, for the history.
    closed = services.incident_log(owner=owner, now=now, **fields)
    services.incident_close(incident=closed, outcome="moved_on", now=now)

    # 4: confirmed, its details changed, moved, then called off: the notices.
    moved = services.incident_log(owner=owner, now=now, **fields)
    services.outreach_record(incident=moved, channel="call", result="reached", now=now)
    details = {"time_zone": "Asia/Kolkata", "duration_minutes": 45, "format": "video",
               "interviewer": moved.contacts.get()}
    services.reschedule_confirm(incident=moved, start=START + timedelta(days=2),
                                location=fit(p, 500), now=now, **details)
    services.reschedule_confirm(incident=moved, start=START + timedelta(days=2),
                                location="https://meet.example/changed", now=now, **details)
    off = services.reschedule_confirm(incident=moved, start=START + timedelta(days=3),
                                      location=fit(p, 500), now=now, **details)
    services.reschedule_cancel(reschedule=off, now=now)

    # The accountability partner accepted the invitation: the partner's copy exists.
    profile_update(
        profile=owner.profile, full_name=fit(p, 120), phone=fit(p, 40),
        time_zone="America/Chicago", partner_email="partner@example.org", reminders_off=[],
        now=now,
    )
    owner.profile.refresh_from_db()
    partner_answer(token=read_token(make_token(owner.profile, "accept")), now=now)

    # 5 (issue 15): confirmed, its 1 h reminder sent, no "I'm ready": the escalation rows.
    late = services.incident_log(owner=owner, now=now, **fields)
    services.outreach_record(incident=late, channel="call", result="reached", now=now)
    services.reschedule_confirm(incident=late, start=START + timedelta(days=4),
                                location=fit(p, 500), now=now, **details)
    Reminder.objects.filter(incident=late, kind=Reminder.Kind.BEFORE_1H).update(
        status=Reminder.Status.SENT, sent_at=START + timedelta(days=4, hours=-1))
    reminders_sync(incident=late, now=START + timedelta(days=4, hours=-1))

    reminder_send_test(incident=pending, now=now)
    return {
        "pending": pending, "attended": attended, "closed": closed, "contact": contact,
        "recruiter": recruiter, "interviewer": interviewer,
        "outreach": pending.outreach.get(), "reschedule": pending.reschedules.get(),
        "confirmed": attended.reschedules.get(),
    }


def reminder_emails(owner) -> dict[str, object]:
    """One EmailMultiAlternatives per Reminder kind, rendered from the owner's rows. A kind
    with no row fails: every kind the engine can send is looked at."""
    rows = (
        Reminder.objects.filter(incident__owner=owner)
        .select_related("incident__owner__profile", "reschedule__interviewer")
        .order_by("pk")
    )
    by_kind = {}
    for r in rows:
        by_kind.setdefault(r.kind, r)
    missing = set(Reminder.Kind.values) - set(by_kind)
    assert not missing, f"hostile_world made no reminder of kind {sorted(missing)}"
    messages = {}
    for kind, r in by_kind.items():
        messages[kind] = message_for(r)
    return messages


def html_part(message) -> str:
    (html,) = [body for body, mime in message.alternatives if mime == "text/html"]
    return html
