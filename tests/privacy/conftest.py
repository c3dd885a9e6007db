"""Fixtures of the privacy tests: a person whose account holds every kind of row (each text a
string found nowhere else), their coach, and a fixed clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import UserFactory
from tests.helpers import frozen_clock
from tests.scenarios import confirm
from tests.web.conftest import NOW, log_incident
from tracker.accounts.services import profile_update
from tracker.incidents import services
from tracker.privacy import services as privacy
from tracker.privacy.models import CoachAccess
from tracker.reminders.models import Reminder

clock = frozen_clock(NOW)

# Every text the person typed, unique enough that a search for it finds only their rows.
STRINGS = {
    "username": "qorvathperson",
    "email": "qorvath.person@example.com",
    "full_name": "Qorvath Ilmarinen",
    "phone": "+44 7700 900123",
    "partner": "qorvath.partner@example.org",
    "coach_email": "qorvath.coach@example.net",
    "company": "Zanthrop Dynamics",
    "company2": "Velquist Logistics",
    "company3": "Orbanite Shipping",
    "role": "Principal Qorvath Engineer",
    "notes": "Overslept after the qorvath night shift",
    "lessons": "Set two qorvath alarms and confirm both zones",
    "contact": "Priyanka Qorvathi",
    "contact_email": "priyanka.qorvathi@zanthrop.example",
    "contact_phone": "+91 98450 11122",
    "contact2": "Henrik Qorvathsen",
    "contact2_email": "henrik@velquist.example",
    "outreach_text": "Dear Priyanka, I am so sorry about qorvath today.",
    "outreach_subject": "Apology from Qorvath",
    "location": "https://meet.example/qorvath-room",
    "material": "Qorvath portfolio link",
    "topic": "the qorvath migration",
    "comment": "Good recovery, qorvath: call sooner next time.",
    "reply": "Thanks coach, qorvath noted.",
}


def populated_person(now=NOW, strings=STRINGS):
    """A person with a profile, a partner, three incidents (one pending reschedule with
    slots, one confirmed interview with reminders, one closed with lessons), contacts,
    outreach, promised materials, an active coach who commented, and pending reminders."""
    s = strings
    person = UserFactory(username=s["username"], email=s["email"])
    profile_update(
        profile=person.profile,
        full_name=s["full_name"],
        phone=s["phone"],
        time_zone="Europe/London",
        partner_email=s["partner"],
        reminders_off=[],
        now=now,
    )

    def incident(company, contact_name, contact_email, **fields):
        """One of the person's incidents, all for the same role, each with its interviewer."""
        return log_incident(
            person, now=now, company=company, role=s["role"], contact_name=contact_name,
            contact_email=contact_email, **fields,
        )

    first = incident(s["company"], s["contact"], s["contact_email"], notes=s["notes"])
    contact = first.contacts.get()
    services.contact_save(
        owner=person,
        contact=contact,
        now=now,
        name=s["contact"],
        email=s["contact_email"],
        phone=s["contact_phone"],
        role="interviewer",
        preferred_channel="any",
    )
    services.outreach_record(
        incident=first,
        channel="email",
        result="sent",
        contact=contact,
        subject=s["outreach_subject"],
        text=s["outreach_text"],
        now=now,
    )
    services.reschedule_request(
        incident=first,
        slots=[
            (now + timedelta(days=2), "Asia/Kolkata"),
            (now + timedelta(days=3), "Asia/Kolkata"),
        ],
        now=now,
    )

    second = incident(s["company2"], s["contact2"], s["contact2_email"])
    services.outreach_record(
        incident=second, channel="call", result="reached", contact=second.contacts.get(), now=now
    )
    confirm(
        second, start=now + timedelta(days=3), now=now, location=s["location"],
        interviewer=second.contacts.get(),
    )  # a video interview of 45 minutes set in Kolkata's time
    services.material_add(incident=second, description=s["material"], now=now)
    services.incident_update(incident=second, thank_you_topic=s["topic"], now=now)

    third = incident(s["company3"], s["contact"] + " Jr", "jr@orbanite.example")
    services.incident_lessons_record(incident=third, lessons=s["lessons"], now=now)
    services.incident_close(incident=third, outcome="moved_on", now=now)

    coach = UserFactory(email=s["coach_email"])
    access = privacy.coach_invite(
        person=person, email=s["coach_email"], share_contacts=False, now=now
    )
    from tracker.privacy import tokens

    privacy.coach_accept(
        coach=coach, invitation=tokens.read_coach_token(tokens.coach_token(access)), now=now
    )
    privacy.comment_add(incident=first, author=coach, text=s["comment"], now=now)
    privacy.comment_add(incident=first, author=person, text=s["reply"], now=now)
    assert Reminder.objects.filter(incident__owner=person, status="pending").exists()
    return {
        "person": person,
        "coach": coach,
        "access": CoachAccess.objects.get(pk=access.pk),
        "first": first,
        "second": second,
        "third": third,
        "contact": contact,
    }


@pytest.fixture
def world(db, clock):
    return populated_person()


@pytest.fixture
def person(world):
    return world["person"]


@pytest.fixture
def coach(world):
    return world["coach"]
