"""Retention: the contact details of incidents closed for longer than the period (12 months by
default, configurable) are erased by a periodic task; the incident's facts and lessons stay;
the person is told on the history page. The clock is moved with time-machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.factories import UserFactory
from tests.scenarios import attend, confirm
from tests.web.conftest import NOW, log_incident
from tracker.celery import app
from tracker.incidents import services
from tracker.incidents.models import Contact, Incident, Outreach, Reschedule, TimelineEvent
from tracker.privacy import retention, tasks
from tracker.privacy.models import ContactErasure

pytestmark = pytest.mark.django_db


def closed_with_contacts(owner, *, company, now, contact_name="Mirela Vostok", contact=None):
    incident = log_incident(
        owner,
        now=now,
        company=company,
        contact_name=contact_name,
        contact_email="mirela@vostok.example",
    )
    c = incident.contacts.get()
    if contact is not None:  # the same person met again in another incident
        incident.contacts.add(contact)
    services.outreach_record(
        incident=incident,
        channel="call",
        result="reached",
        contact=c,
        text=f"Hello {contact_name}, sorry.",
        subject="Sorry",
        now=now,
    )
    confirm(
        incident, start=now + timedelta(days=2), now=now, time_zone="Europe/Berlin",
        duration_minutes=30, location="https://meet.example/mirela", interviewer=c,
    )  # a video interview
    attend(incident, now=now + timedelta(days=2, hours=1))
    services.incident_lessons_record(
        incident=incident, lessons="Check the zone twice.", now=now + timedelta(days=2, hours=2)
    )
    services.incident_close(
        incident=incident, outcome="moved_on", now=now + timedelta(days=2, hours=3)
    )
    return Incident.objects.get(pk=incident.pk)


def test_contact_details_go_after_twelve_months_and_the_facts_stay():
    person = UserFactory()
    with time_machine.travel(NOW, tick=False):
        old = closed_with_contacts(person, company="Old Corp", now=NOW)
        shared = old.contacts.get()
    later = NOW + timedelta(days=200)
    with time_machine.travel(later, tick=False):
        # A newer incident that still needs a contact of the old one.
        recent = closed_with_contacts(
            person, company="Recent Corp", now=later, contact_name="Jonas Brandt", contact=shared
        )
    closed_at = old.closed_at

    # Just under 12 months after closing: nothing happens.
    with time_machine.travel(closed_at + timedelta(days=364), tick=False):
        assert tasks.retention_sweep.run()["incidents"] == 0
    assert Outreach.objects.get(incident=old).text

    with time_machine.travel(closed_at + timedelta(days=366), tick=False):
        totals = tasks.retention_sweep.run()
    assert totals["incidents"] == 1
    old.refresh_from_db()
    # The facts and the lessons stay.
    assert (old.company, old.role, old.cause, old.outcome) == (
        "Old Corp",
        "Backend engineer",
        "timezone",
        "moved_on",
    )
    assert old.lessons == "Check the zone twice." and old.closed_at == closed_at
    # The contact details go: links, who each outreach went to and its words, the
    # interviewer and the link of the interview, the names quoted in the timeline.
    assert not old.contacts.exists()
    o = Outreach.objects.get(incident=old)
    assert (o.contact_id, o.text, o.subject, o.channel, o.result) == (
        None,
        "",
        "",
        "call",
        "reached",
    )
    r = Reschedule.objects.get(incident=old)
    assert (r.interviewer_id, r.location) == (None, "")
    assert r.start is not None and r.attended_at is not None
    messages = " ".join(
        TimelineEvent.objects.filter(incident=old).values_list("message", flat=True)
    )
    assert "Mirela" not in messages and "[erased]" in messages
    assert "Contact details erased" in messages
    # The contact the newer incident still needs stays (linked there); nothing of the
    # newer incident changed.
    assert Contact.objects.filter(pk=shared.pk).exists()
    assert recent.contacts.filter(pk=shared.pk).exists()
    assert Outreach.objects.get(incident=recent).text == "Hello Jonas Brandt, sorry."
    erasure = ContactErasure.objects.get(incident=old)
    assert erasure.contacts_unlinked == 1 and erasure.outreach_cleared == 1

    # Idempotent: the next sweep finds nothing new.
    with time_machine.travel(closed_at + timedelta(days=367), tick=False):
        assert tasks.retention_sweep.run()["incidents"] == 0

    # Once the newer incident passes the period too, the shared contact goes.
    with time_machine.travel(recent.closed_at + timedelta(days=366), tick=False):
        assert tasks.retention_sweep.run()["incidents"] == 1
    assert not Contact.objects.filter(pk=shared.pk).exists()
    assert not Contact.objects.filter(owner=person).exists()


def test_the_period_is_configurable_and_open_incidents_are_never_touched(settings):
    settings.PRIVACY_RETENTION_MONTHS = 3
    person = UserFactory()
    with time_machine.travel(NOW, tick=False):
        closed = closed_with_contacts(person, company="Closed Corp", now=NOW)
        still_open = log_incident(person, company="Open Corp")
    with time_machine.travel(closed.closed_at + timedelta(days=93), tick=False):
        assert tasks.retention_sweep.run()["incidents"] == 1
    assert still_open.contacts.exists()
    assert not closed.contacts.exists()


def test_a_reopened_incident_keeps_its_contacts():
    person = UserFactory()
    with time_machine.travel(NOW, tick=False):
        incident = closed_with_contacts(person, company="Reopened Corp", now=NOW)
    with time_machine.travel(incident.closed_at + timedelta(days=400), tick=False) as t:
        services.incident_reopen(incident=incident, now=datetime.now(UTC))
        t.shift(60)
        assert tasks.retention_sweep.run()["incidents"] == 0
    assert incident.contacts.exists()


def test_months_are_calendar_months():
    at = datetime(2027, 3, 31, 12, 0, tzinfo=UTC)
    assert retention.months_before(at, 1) == datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
    assert retention.months_before(at, 12) == datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    assert retention.months_before(at, 13) == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)


def test_the_history_page_tells_the_person(client):
    person = UserFactory()
    client.force_login(person)
    with time_machine.travel(NOW, tick=False):
        incident = closed_with_contacts(person, company="Told Corp", now=NOW)
        html = client.get(reverse("history")).content.decode()
    assert "Contact details are kept for 12 months" in html
    assert "closed for more than 12 months are erased automatically" in html
    assert "Nothing erased yet." in html and "Next: around 2027-03-04" in html

    with time_machine.travel(incident.closed_at + timedelta(days=350), tick=False):
        client.force_login(person)  # the session of a year ago has expired
        html = client.get(reverse("history")).content.decode()
    assert "1 closed incident will have its contact details erased within 30 days" in html

    with time_machine.travel(incident.closed_at + timedelta(days=370), tick=False):
        tasks.retention_sweep.run()
        client.force_login(person)
        html = client.get(reverse("history")).content.decode()
    assert "Erased so far: the contact details of 1 incident, latest on 2027-03-" in html


def test_the_sweep_runs_on_the_beat_schedule(settings):
    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["privacy-retention-sweep"]
    assert entry["task"] == tasks.RETENTION_SWEEP == tasks.retention_sweep.name
    assert entry["schedule"] == settings.PRIVACY_SWEEP_SECONDS == 3600.0
