"""The "moved" and "called off" emails in a real browser: the interview is moved and then called
off (the call-off with the page's own button), the dispatcher sends each notice to the mail sink
(Django's in-memory outbox: the live server runs in this process), and every link of each email
works for the person: the incident page, the calendar file (the updated event, then the
cancellation) and the one-click stop page with its undo. Each email's HTML, opened at a phone's
width, fits the screen."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from tests.factories import UserFactory
from tests.scenarios import apologise, confirm, logged
from tracker.reminders import dispatch
from tracker.reminders.models import Reminder

from .helpers import horizontal_overflow, log_in, reminder_email, step

LONG_LINK = "https://meet.example/j/" + "a-very-long-meeting-identifier-" * 5


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    # The notices are sent by dispatch.run() below, not by a worker the commit would wake.
    monkeypatch.setattr("tracker.reminders.services._kick_dispatcher", lambda: None)


def links(msg, live_server):
    """The email's links to this site, as paths on the live server."""
    html = msg.get_body(("html",)).get_content()
    urls = re.findall(r'href="(http://127\.0\.0\.1:8000/[^"]+)"', html)
    return [u.replace("http://127.0.0.1:8000", "") for u in dict.fromkeys(urls)]


def fits_a_phone(page, msg):
    """The email opened on its own (as a mail app shows it, not under the site's CSP) on a
    375 px wide screen: nothing sticks out on the right."""
    phone = page.context.new_page()
    try:
        phone.set_viewport_size({"width": 375, "height": 740})
        phone.set_content(msg.get_body(("html",)).get_content())
        overflow = horizontal_overflow(phone)
        assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow
    finally:
        phone.close()


def test_moved_and_called_off_emails_arrive_and_their_links_work(page, journey, live_server):
    user = UserFactory()
    now = datetime.now(UTC).replace(microsecond=0)
    incident = logged(user, now=now, discovered_at=now, interview_at=now - timedelta(minutes=30))
    apologise(incident, now=now)
    start = (now + timedelta(days=3)).replace(minute=0, second=0)
    confirm(incident, start=start, now=now, location=LONG_LINK)
    dispatch.run()
    moved_to = start + timedelta(days=1, hours=2)
    confirm(incident, start=moved_to, now=datetime.now(UTC), location=LONG_LINK)
    dispatch.run()
    log_in(page, live_server, user)

    with step(journey, "the moved email"):
        moved = reminder_email(Reminder.Kind.INTERVIEW_MOVED)
        assert moved["Subject"].startswith("Moved: Backend engineer interview with Acme")
        paths = links(moved, live_server)
        assert any(p.endswith("/interview.ics") for p in paths)
        assert any("/reminders/unsubscribe/" in p for p in paths)
        for path in paths:
            if path.endswith("/interview.ics"):
                response = page.request.get(live_server.url + path)
                assert response.status == 200
                (event,) = Calendar.from_ical(response.body()).walk("VEVENT")
                assert event.decoded("DTSTART") == moved_to
            elif "/unsubscribe/" not in path:
                page.goto(path)
                assert page.url.endswith(path)  # no login page, no error
        fits_a_phone(page, moved)

    with step(journey, "call it off on the incident page"):
        page.goto(f"/incidents/{incident.pk}/")
        page.locator("#reschedule summary").click()  # issue 11: a folded section
        page.get_by_role("button", name="Call it off").click()
        page.wait_for_load_state()
        dispatch.run()

    with step(journey, "the called-off email"):
        off = reminder_email(Reminder.Kind.INTERVIEW_CALLED_OFF)
        assert off["Subject"].startswith("Called off: Backend engineer interview with Acme")
        methods = [p.get_param("method") for p in off.walk()
                   if p.get_content_type() == "text/calendar"]
        assert methods == ["CANCEL", "CANCEL"]
        paths = links(off, live_server)
        ics = next(p for p in paths if p.endswith("/interview.ics"))
        response = page.request.get(live_server.url + ics)
        assert response.status == 200
        cal = Calendar.from_ical(response.body())
        assert str(cal["METHOD"]) == "CANCEL"
        assert str(cal.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
        page.goto(next(p for p in paths if p.startswith(f"/incidents/{incident.pk}/")
                       and not p.endswith(".ics")))
        assert page.get_by_text("Remove the called-off interview from your calendar").count()
        fits_a_phone(page, off)

    with step(journey, "the one-click stop page, signed out"):
        stop = next(p for p in paths if "/reminders/unsubscribe/" in p)
        page.context.clear_cookies()
        page.goto(stop)
        page.get_by_role("button", name="Stop “Interview called off” emails").click()
        assert page.get_by_text("“Interview called off” emails are off").count() == 1
        user.profile.refresh_from_db()
        assert user.profile.reminders_off == ["interview_called_off"]
        page.get_by_role("button", name=re.compile("Undo")).click()
        assert page.get_by_text("back on").count() == 1
        user.profile.refresh_from_db()
        assert user.profile.reminders_off == []
