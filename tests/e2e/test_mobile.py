"""The dashboard and the incident page on a 375 px wide phone: nothing wider than the screen,
so the page never scrolls sideways, with long but real names, addresses and links in it."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tracker.incidents import services
from tracker.incidents.models import Contact, Incident

from .helpers import horizontal_overflow, log_in, step

KOLKATA = ZoneInfo("Asia/Kolkata")
COMPANY = "Internationale Versicherungsgesellschaft Rhein-Main"
ROLE = "Senior Site Reliability Engineer, Payments Infrastructure"
EMAIL = "priya.raman-venkataraman@talent-acquisition.versicherung-rhein-main.example"
LINK = "https://meet.example.com/j/88374619204?pwd=Zk9UbG5rVWxRbW1ZcE5xZ2VzT0xCdz09"

STATES = ("just logged", "awaiting their reply", "confirmed")


@pytest.fixture
def browser_context_options():
    # An iPhone-sized screen with touch, as Chromium's device emulation does it.
    return {
        "viewport": {"width": 375, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    }


def log_incident(owner, now, n):
    return services.incident_log(
        owner=owner,
        company=f"{COMPANY} {n}",
        role=ROLE,
        interview_at=now - timedelta(minutes=50),
        interview_tz="Asia/Kolkata",
        candidate_tz="America/Chicago",
        format=Incident.Format.VIDEO,
        cause=Incident.Cause.TIMEZONE,
        discovered_at=now - timedelta(minutes=12),
        contact_name="Priya Raman-Venkataraman",
        contact_role=Contact.Role.RECRUITER,
        contact_email=EMAIL,
        contact_phone="+91 80 4567 8901 ext 2345",
        now=now,
    )


def seed(owner, state, now, n=1):
    """An incident in `state`, made through the services as the pages would make it."""
    incident = log_incident(owner, now, n)
    if state == "just logged":
        return incident
    services.outreach_record(
        incident=incident, channel="email", result="sent", contact=incident.contacts.get(),
        subject=f"Missed interview: {ROLE}", now=now,
    )
    day = (now.astimezone(KOLKATA) + timedelta(days=2)).date()
    slots = [datetime.combine(day, time(h, 30), KOLKATA) for h in (9, 13, 17)]
    reschedule = services.reschedule_request(
        incident=incident, slots=[(s, "Asia/Kolkata") for s in slots], now=now
    )
    if state == "awaiting their reply":
        return incident
    services.reschedule_reply(
        reschedule=reschedule, reply="accepted", accepted_slot=reschedule.slots.all()[1], now=now
    )
    services.reschedule_confirm(
        incident=incident, start=slots[1], time_zone="Asia/Kolkata", duration_minutes=45,
        format="video", location=LINK, interviewer=incident.contacts.get(), now=now,
    )
    return incident


def assert_fits(page, where):
    sizes = horizontal_overflow(page)
    assert sizes["scrollWidth"] <= sizes["clientWidth"], (
        f"{where} scrolls sideways at 375 px: {sizes}"
    )


def test_dashboard_fits_a_375px_screen_and_its_menu_opens(page, journey, live_server):
    now = datetime.now(UTC)
    user = UserFactory()
    for n, state in enumerate(STATES, start=1):
        seed(user, state, now, n)
    log_in(page, live_server, user)

    with step(journey, "dashboard at 375 px"):
        page.goto(reverse("dashboard"))
        assert page.evaluate("document.documentElement.clientWidth") == 375
        assert page.locator(".incident-card").count() == 3
        assert page.locator(".first-hour").first.is_visible()
        assert_fits(page, "the dashboard")

    with step(journey, "the menu opens from its button"):
        history = page.get_by_role("link", name="History")
        assert not history.is_visible()
        page.get_by_role("button", name="Menu").click()
        history.wait_for(state="visible")
        assert_fits(page, "the dashboard with the menu open")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("state", STATES)
def test_incident_page_fits_a_375px_screen(page, journey, live_server, state):
    now = datetime.now(UTC)
    user = UserFactory()
    incident = seed(user, state, now)
    log_in(page, live_server, user)

    with step(journey, f"incident page, {state}, at 375 px"):
        page.goto(reverse("incident_detail", args=[incident.pk]))
        assert page.get_by_role("heading", level=1).inner_text().startswith(ROLE)
        assert_fits(page, f"the incident page ({state})")

    with step(journey, "every closed section opened"):
        # What is folded away must fit too once opened.
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert_fits(page, f"the incident page ({state}) with every section open")
    page.wait_for_load_state("networkidle")
