"""The "I missed an interview" form with the keyboard alone: Tab from field to field, typing,
arrow keys in the selects and in the radio group, Enter on the disclosure and on the button.

The interview is set at 01:30 in Chicago on the night the clocks go back, so that time happens
twice: the form comes back, keeps what was typed, and asks which one with a radio group. The
clock (server's, in this process) is moved to that night with time-machine.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import UserFactory
from tracker.incidents.models import Contact, Incident

from .helpers import has_focus, log_in, step, tab_to

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def browser_context_options():
    # The date and time field's segments follow the locale: month, day, year, hour, minute, AM/PM.
    return {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


def next_fall_back(after: datetime) -> datetime:
    """The next instant Chicago's clocks go back (first Sunday of November, 02:00 CDT)."""
    for year in (after.year, after.year + 1):
        first = date(year, 11, 1)
        sunday = first + timedelta(days=(6 - first.weekday()) % 7)
        instant = datetime(sunday.year, sunday.month, sunday.day, 7, 0, tzinfo=UTC)
        assert (instant - timedelta(seconds=1)).astimezone(CHICAGO).utcoffset() == timedelta(
            hours=-5
        ) and instant.astimezone(CHICAGO).utcoffset() == timedelta(hours=-6)
        if instant > after:
            return instant
    raise AssertionError("no fall-back found")


def tab(page, locator):
    """One press of Tab lands on `locator`: the tab order follows the form."""
    page.keyboard.press("Tab")
    assert has_focus(locator), f"Tab did not move to {locator}"


def arrow_to(page, select, label, key="ArrowDown", limit=12):
    """Press an arrow key on a focused select until it shows `label`."""
    for _ in range(limit):
        if select.evaluate("el => el.selectedOptions[0].label") == label:
            return
        page.keyboard.press(key)
    pytest.fail(f"{label!r} never got selected with {key}")


def select_all_and_type(page, text):
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(text)


def test_missed_interview_form_filled_and_submitted_by_keyboard_alone(
    page, journey, live_server
):
    fall_back = next_fall_back(datetime.now(UTC))
    # 01:30 in Chicago happened at 06:30 UTC (CDT) and again at 07:30 UTC (CST).
    first, second = fall_back - timedelta(minutes=30), fall_back + timedelta(minutes=30)
    with time_machine.travel(fall_back + timedelta(hours=2), tick=True):
        # The session is made on the moved clock, so it is still valid there.
        user = UserFactory(profile_zone="Asia/Kolkata")
        log_in(page, live_server, user)
        page.goto(reverse("incident_log"))
        form = page.locator("main form")

        with step(journey, "type the company and role"):
            tab_to(page, form.locator("[name=company]"))
            page.keyboard.type("Northwind Logistics")
            tab(page, form.locator("[name=role]"))
            page.keyboard.type("Platform engineer")

        with step(journey, "type the date segment by segment, then the time on a 24-hour clock"):
            when = form.locator("[name=interview_at]")
            tab(page, when)
            page.keyboard.type(fall_back.strftime("%m%d%Y"))
            # Issue 11: the time has its own box, 24-hour, whatever the browser's locale.
            time_box = form.locator("[name=interview_at_time]")
            tab_to(page, time_box, limit=3)  # past the date's last segment
            page.keyboard.type("01:30")
            assert when.input_value() == fall_back.strftime("%Y-%m-%d")
            assert time_box.input_value() == "01:30"

        with step(journey, "type a city for the interview's zone and pick its suggestion"):
            zone = form.locator("[name=interview_tz]")
            tab(page, zone)
            # Issue 11: asked, never defaulted to the person's own zone (Asia/Kolkata).
            assert zone.input_value() == ""
            page.keyboard.type("Chicago")
            suggestion = form.get_by_role("button", name="Chicago, United States")
            suggestion.wait_for()
            tab(page, suggestion)
            page.keyboard.press("Enter")
            assert zone.input_value() == "America/Chicago"
            assert has_focus(zone) and not suggestion.is_visible()
            # The typed time, shown in the person's zone as it is typed.
            preview = form.locator(".zone-preview")
            assert "for you (Asia/Kolkata)" in preview.inner_text(), preview.inner_text()

        with step(journey, "choose format and cause with the arrow keys"):
            fmt = form.locator("[name=format]")
            tab(page, fmt)
            arrow_to(page, fmt, "Phone", key="ArrowUp")
            cause = form.locator("[name=cause]")
            tab(page, cause)
            arrow_to(page, cause, "Time-zone error")
            tab(page, form.locator("[name=candidate_tz]"))

        with step(journey, "open the optional part with Enter and fill the contact"):
            summary = form.locator("summary")
            tab(page, summary)
            page.keyboard.press("Enter")
            assert form.locator("details").evaluate("el => el.open")
            tab(page, form.locator("[name=contact_name]"))
            page.keyboard.type("Dana Whitfield")
            role = form.locator("[name=contact_role]")
            tab(page, role)
            arrow_to(page, role, "Recruiter")
            tab(page, form.locator("[name=contact_email]"))
            page.keyboard.type("dana@northwind.example")
            tab(page, form.locator("[name=contact_phone]"))
            page.keyboard.type("+1 312 555 0199")
            tab(page, form.locator("[name=discovered_minutes_ago]"))
            select_all_and_type(page, "10")

        with step(journey, "submit with Enter"):
            tab(page, form.get_by_role("button", name="Log it and start the first hour"))
            with page.expect_navigation():
                page.keyboard.press("Enter")

        with step(journey, "the form comes back asking which 01:30, with what was typed"):
            form = page.locator("main form")
            assert form.locator("[name=company]").input_value() == "Northwind Logistics"
            assert form.locator("[name=interview_tz]").input_value() == "America/Chicago"
            assert form.locator("[name=contact_email]").input_value() == (
                "dana@northwind.example"
            )
            assert form.get_by_text("Which one do you mean?").is_visible()
            radios = form.get_by_role("radio")
            assert radios.count() == 2
            assert "CDT" in radios.nth(0).evaluate("el => el.labels[0].textContent")
            assert "CST" in radios.nth(1).evaluate("el => el.labels[0].textContent")

        with step(journey, "pick the second one with the arrow keys and submit"):
            tab_to(page, radios.nth(0))
            page.keyboard.press("ArrowDown")
            assert has_focus(radios.nth(1)) and radios.nth(1).is_checked()
            assert not radios.nth(0).is_checked()
            tab_to(page, form.get_by_role("button", name="Log it and start the first hour"))
            with page.expect_navigation():
                page.keyboard.press("Enter")

        with step(journey, "the incident page"):
            assert page.get_by_role("heading", level=1).inner_text() == (
                "Platform engineer at Northwind Logistics"
            )
            assert "CST" in page.locator("header").inner_text()

    incident = Incident.objects.get(owner=user)
    assert incident.interview_at == second != first
    assert (incident.interview_tz, incident.candidate_tz) == ("America/Chicago", "Asia/Kolkata")
    assert (incident.format, incident.cause) == (Incident.Format.PHONE, Incident.Cause.TIMEZONE)
    realised = fall_back + timedelta(hours=2) - timedelta(minutes=10)
    assert abs(incident.discovered_at - realised) < timedelta(minutes=1)
    contact = incident.contacts.get()
    assert (contact.name, contact.role, contact.email, contact.phone) == (
        "Dana Whitfield",
        Contact.Role.RECRUITER,
        "dana@northwind.example",
        "+1 312 555 0199",
    )
    page.wait_for_load_state("networkidle")
