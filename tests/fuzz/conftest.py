"""Fixtures of the fuzz tier: an owner with an incident in every phase, so every form of the UI
is on some page (the draft pages' small forms included: the owner has no name yet, one incident
has no contact, no times, no topic and no promised item)."""

from datetime import timedelta

import pytest

from tests.factories import UserFactory
from tests.helpers import frozen_clock
from tests.security import report
from tests.security.conftest import owner_objects
from tests.web.conftest import NOW, log_incident
from tracker.accounts.services import profile_update
from tracker.incidents import services
from tracker.incidents.services.alarm_test import alarm_test_start


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """The fuzzer posts each form hundreds of times a minute from one address: django-allauth's
    rate limits and the daily send limits (issue 12; tested in tests/security) would answer
    429 or "try tomorrow" instead of checking the input."""
    settings.ACCOUNT_RATE_LIMITS = False
    settings.SEND_LIMITS = dict.fromkeys(settings.SEND_LIMITS, (10**6, 10**6))


clock = frozen_clock(NOW)


@pytest.fixture
def nameless(db):
    """Someone who has not given their name yet: the draft pages ask for it. Nor confirmed
    their address: the pages offer to send the link again (issue 12)."""
    person = UserFactory(email_verified=False)
    p = person.profile
    profile_update(profile=p, full_name="", phone="", time_zone=p.time_zone,
                   partner_email="", reminders_off=[], now=NOW)
    return person


@pytest.fixture
def world(owner, nameless, clock):
    objs = owner_objects(owner)
    objs["nameless"] = log_incident(nameless)
    # Contain, with nobody to write to: the drafts ask for a contact and for times.
    objs["bare"] = log_incident(owner, contact_name="", contact_email="")
    # Consolidate: the thank-you form; nothing promised and no topic yet.
    attended = log_incident(owner)
    services.outreach_record(incident=attended, channel="call", result="reached", now=NOW)
    # Confirmed a few minutes ahead, marked attended after it (the services take `now`).
    start = NOW + timedelta(minutes=5)
    services.reschedule_confirm(
        incident=attended, start=start, time_zone="UTC", duration_minutes=45,
        format="video", now=NOW,
    )
    services.interview_attended(incident=attended, now=start + timedelta(hours=1))
    objs["attended"] = attended
    # Closed: the reopen button.
    closed = log_incident(owner)
    services.incident_close(incident=closed, outcome="moved_on", now=NOW)
    objs["closed"] = closed
    # Issue 15: an alarm self-test whose alarm has rung: the "did it ring?" buttons and its .ics.
    alarm_test_start(incident=objs["confirmed_incident"], now=NOW - timedelta(minutes=20))
    return objs


def pytest_terminal_summary(terminalreporter):
    report.summary(terminalreporter, "fuzz")
