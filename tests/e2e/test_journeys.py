"""The whole recovery in a real browser, as a person does it: sign up, log the miss, the first
hour, the apology, new times, the confirmation and its calendar file, the interview, the
thank-you, the lessons, closing it, and the history.

The live server runs in a thread of this process, so time-machine moves its clock too: the
journey waits for the rescheduled interview by moving the clock past its start (tick=True keeps
it running), the way the person would live through those days.
"""

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from tracker.incidents.models import Incident

from .helpers import (
    confirm_email,
    expect_error,
    expect_message,
    fill_log_form,
    fill_wall_time,
    phase_badge,
    step,
    submit_sign_up,
    wall_time_value,
)

KOLKATA = ZoneInfo("Asia/Kolkata")
CHICAGO = ZoneInfo("America/Chicago")
PASSWORD = "a long and unusual passphrase 42"


@pytest.fixture
def browser_context_options():
    # The person is in Chicago; the browser says so (the sign-up page reads it).
    return {"viewport": {"width": 1280, "height": 900}, "timezone_id": "America/Chicago"}


def unfold(page, section):
    """Open a folded section of the incident page (issue 11), as a click on its summary would."""
    page.locator(f"#{section}").evaluate("d => { d.open = true; }")


def test_sign_up_to_closed_and_in_history_through_the_first_hour_apology_reschedule_and_ics(
    page, journey, live_server
):
    start = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=True) as clock:
        _journey(page, journey, clock, start)
    page.wait_for_load_state("networkidle")


def _journey(page, journey, clock, start):
    # The interview, set in Kolkata's time, was 40 minutes ago; the person is in Chicago.
    missed = (start - timedelta(minutes=40)).astimezone(KOLKATA).replace(second=0)

    with step(journey, "sign up"):
        page.goto(reverse("signup"))
        # Issue 11: the name is asked on the one sign-up page, so no draft stops to ask it.
        page.get_by_label("Your name").fill("Alex Morgan")
        # The browser runs in Chicago; the page picks that zone up by itself.
        assert page.get_by_label("Your time zone").input_value() == "America/Chicago"
        submit_sign_up(page, "alex@example.com", PASSWORD)
        assert page.get_by_role("heading", name="Check your inbox").is_visible()

    with step(journey, "confirm the email address"):
        confirm_email(page, "alex@example.com")
        expect_message(page, "You have confirmed alex@example.com")

    with step(journey, "log the missed interview"):
        page.get_by_role("main").get_by_role("link", name="I missed an interview").click()
        fill_log_form(page, missed)
        assert page.get_by_label("Your time zone").input_value() == "America/Chicago"
        page.get_by_role("button", name="Log it and start the first hour").click()
        page.wait_for_url(re.compile(r"/incidents/\d+/$"))
        expect_message(page, "The first hour counts")
        assert page.get_by_role("heading", level=1).inner_text() == (
            "Data engineer at Acme Analytics"
        )
        assert phase_badge(page) == "Contain"
        incident_url = page.url

    with step(journey, "the first-hour clock"):
        clock_text = page.locator("#first-hour").inner_text()
        assert re.search(r"\b5 min since you found out", clock_text), clock_text
        assert re.search(r"\b5[45] min left in the first hour", clock_text), clock_text
        # Both zones of the missed interview are shown, each named.
        header = page.locator("header").inner_text()
        assert missed.strftime("%H:%M") in header and "Kolkata" in header, header
        assert missed.astimezone(CHICAGO).strftime("%H:%M") in header, header
        page.get_by_role("link", name="Dashboard").click()
        card = page.locator(".incident-card", has_text="Data engineer at Acme Analytics")
        card_text = card.inner_text()
        assert re.search(r"First hour: 5 min since you found out, 5[45] min left", card_text)

    with step(journey, "open the apology draft"):
        card.get_by_role("link", name="draft it").click()
        page.wait_for_url(re.compile(r"/drafts/apology_email/"))
        # The name given at sign-up signs it: the draft is ready, nothing asked first.
        assert page.get_by_label("Your full name").count() == 0
        subject = page.get_by_label("Subject").input_value()
        body = page.get_by_label("Message").input_value()
        assert "Data engineer" in subject, subject
        assert "Priya" in body and "Alex Morgan" in body, body
        assert "time zone" in body.lower() or "time-zone" in body.lower(), body

    with step(journey, "record the apology as sent"):
        page.get_by_role("button", name="Record as sent").click()
        page.wait_for_url(re.compile(r"/drafts/$"))
        expect_message(page, "Phase: Correct")
        page.goto(incident_url)
        assert phase_badge(page) == "Correct"
        assert "inside the first hour" in page.locator("#first-hour").inner_text()

    # Three times the day after tomorrow in Kolkata, written in the interviewer's zone.
    day = (start.astimezone(KOLKATA) + timedelta(days=2)).date()
    slots = [datetime.combine(day, time(h, m), KOLKATA) for h, m in ((10, 0), (11, 30), (15, 0))]
    with step(journey, "propose three new times"):
        section = page.locator("#reschedule")
        for n, slot in enumerate(slots, start=1):
            fieldset = section.locator("fieldset", has_text=f"Slot {n}")
            assert fieldset.get_by_label("Time zone").input_value() == "Asia/Kolkata"
            fill_wall_time(fieldset, "Date and time", slot)
        section.get_by_role("button", name="Save the proposed times").click()
        expect_message(page, "Recorded the times you proposed")
        # Issue 11: the proposed times are listed once, as the choices of their reply.
        proposed = page.locator("#reply label[for^=id_slot_]")
        assert proposed.count() == 3
        first = proposed.first.inner_text()
        # Each slot in the person's zone and the interviewer's.
        assert slots[0].astimezone(CHICAGO).strftime("%H:%M") in first, first
        assert "10:00" in first, first

    with step(journey, "record the acceptance of the second time"):
        # Issue 11: one way to record their reply, the reply form (no per-slot buttons).
        assert page.get_by_role("button", name="They accepted this one").count() == 0
        reply = page.locator("#reply")
        reply.get_by_role("radio", name="Accepted", exact=True).check()
        reply.get_by_role("radio", name=re.compile(slots[1].strftime("%H:%M"))).check()
        reply.get_by_role("button", name="Record the reply").click()
        expect_message(page, "Recorded their reply: Accepted.")
        assert page.locator("#reschedule ol li").nth(1).get_by_text("Accepted").is_visible()

    agreed = slots[1]
    with step(journey, "confirm the agreed time"):
        confirm = page.locator("#confirm")
        # Issue 11: a date box and a 24-hour time box.
        assert wall_time_value(confirm, "Date and time") == agreed.strftime("%Y-%m-%dT%H:%M")
        assert confirm.get_by_label("Time zone it was agreed in").input_value() == "Asia/Kolkata"
        confirm.get_by_label("Link or place").fill("https://meet.example/acme-data")
        confirm.get_by_role("button", name="Confirm").click()
        expect_message(page, "Confirmed.")
        # Issue 11: the next interview is on top, in both zones; the section holds the details.
        card = page.locator("#now").inner_text()
        assert "Your interview" in card, card
        assert "11:30" in card and agreed.astimezone(CHICAGO).strftime("%H:%M") in card, card
        unfold(page, "reschedule")
        confirmed = page.locator("#reschedule").inner_text()
        assert "Confirmed interview" in confirmed
        assert "11:30" in confirmed and agreed.astimezone(CHICAGO).strftime("%H:%M") in confirmed

    with step(journey, "download the calendar file"):
        with page.expect_download() as download_info:
            page.locator("#now").get_by_role("link", name="Add to my calendar (.ics)").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".ics")
        calendar = Calendar.from_ical(Path(download.path()).read_bytes())
        events = calendar.walk("VEVENT")
        assert len(events) == 1
        event = events[0]
        # An instant in UTC; the zone it was agreed in is named (issue 10's calendar design).
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)
        assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Kolkata"
        assert event.decoded("DTSTART") == agreed
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
        assert "Acme Analytics" in str(event["SUMMARY"])
        triggers = sorted(a.decoded("TRIGGER") for a in event.walk("VALARM"))
        assert timedelta(hours=-24) in triggers and timedelta(hours=-1) in triggers, triggers

    with step(journey, "mark the interview attended after it started"):
        # Not before it starts: the page refuses (the button is in the folded section then).
        unfold(page, "reschedule")
        page.locator("#reschedule").get_by_role("button", name="I attended it").click()
        expect_error(page, "has not started yet")
        clock.move_to(agreed + timedelta(minutes=50))
        page.goto(incident_url)
        # Once it has started, the button is on the card on top.
        page.locator("#now").get_by_role("button", name="I attended it").click()
        expect_message(page, "Well done")
        assert phase_badge(page) == "Consolidate"

    with step(journey, "record the thank-you note"):
        thanks = page.locator("#thank-you")
        thanks.get_by_label("The note (optional)").fill("Thank you for the talk on the data lake.")
        thanks.get_by_role("button", name="I sent it").click()
        expect_message(page, "Thank-you note recorded.")
        assert "Sent" in page.locator("#thank-you").inner_text()

    with step(journey, "write the lessons"):
        lessons = page.locator("#lessons")
        lessons.get_by_label("Lessons").fill(
            "Calendar invites now carry both zones; I confirm the time the day before."
        )
        lessons.get_by_role("button", name="Save lessons").click()
        expect_message(page, "Lessons recorded.")

    with step(journey, "close as recovered"):
        close = page.locator("#close")
        assert "Recovered: possible now" in close.inner_text()
        close.get_by_role("button", name="Close: Recovered").click()
        expect_message(page, "Closed: Recovered.")
        assert phase_badge(page) == "Closed"

    with step(journey, "see it in the history"):
        page.get_by_role("link", name="History").click()
        page.wait_for_url(re.compile(r"/history/$"))
        row = page.locator("li", has_text="Data engineer at Acme Analytics")
        assert row.get_by_text("Recovered").is_visible()
        assert "Time-zone error" in row.inner_text()
        assert "first outreach after" in row.inner_text()

    incident = Incident.objects.get()
    assert incident.phase == Incident.Phase.CLOSED
    assert incident.outcome == Incident.Outcome.RECOVERED
    assert (incident.interview_tz, incident.candidate_tz) == ("Asia/Kolkata", "America/Chicago")
