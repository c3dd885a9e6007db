"""Fixtures of the security tier: a fixed clock, the objects of an owner that fill every URL with
an id, and a staff member (`owner` and `intruder`, the other person, are in tests/conftest.py)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.helpers import frozen_clock
from tests.security import report
from tests.web.conftest import NOW, log_incident, walked_incident
from tracker.incidents import services

# The owner's company: a 404 for someone else must not mention it.
OWNER_COMPANY = "Zyxwvut Owner Corp"


clock = frozen_clock(NOW)


def owner_objects(owner, *, now=NOW) -> dict:
    """Every kind of object a URL can name, owned by `owner`: an incident in correct with a
    contact, an apology, a pending reschedule with slots, a promised item and safeguards; and a
    second incident with a confirmed interview (its .ics exists)."""
    objs = walked_incident(owner, now=now)
    services.incident_update(incident=objs["incident"], company=OWNER_COMPANY, now=now)
    confirmed = log_incident(owner, now=now, company=OWNER_COMPANY)
    services.outreach_record(incident=confirmed, channel="call", result="reached", now=now)
    services.reschedule_confirm(
        incident=confirmed, start=now + timedelta(days=3), time_zone="Asia/Kolkata",
        duration_minutes=45, format="video", location="https://meet.example/abc", now=now,
    )
    objs["confirmed_incident"] = confirmed
    return objs


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def world(owner, clock):
    return owner_objects(owner)


def csrf_client(user=None) -> tuple[Client, str]:
    """A client that checks CSRF like a browser does, logged in as `user`, with a valid token
    taken from a page."""
    c = Client(enforce_csrf_checks=True)
    if user is not None:
        c.force_login(user)
    # A page with a form: the profile for a person (the login page sends them on), the login.
    c.get(reverse("profile") if user is not None else reverse("login"))
    return c, c.cookies["csrftoken"].value


def pytest_terminal_summary(terminalreporter):
    report.summary(terminalreporter, "security")
