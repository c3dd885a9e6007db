"""Issue 15 in a real browser: the 1 h reminder's "I'm ready" link opened from the email in the
sink (Django's in-memory outbox: the live server runs in this process), signed out: the page
asks, the button records it, the escalation planned after the 1 h reminder is cancelled, and the
incident page (logged in) shows it."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import UserFactory
from tests.scenarios import apologise, confirm, logged
from tracker.reminders import dispatch, planning
from tracker.reminders.models import Reminder

from .helpers import horizontal_overflow, log_in, reminder_email, step


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("tracker.reminders.services._kick_dispatcher", lambda: None)


def test_im_ready_from_the_1h_email_signed_out_and_the_incident_page_shows_it(
    page, journey, live_server
):
    user = UserFactory()
    now = datetime.now(UTC).replace(microsecond=0)
    incident = logged(user, now=now, discovered_at=now, interview_at=now - timedelta(minutes=30))
    apologise(incident, now=now)
    # Confirmed 45 minutes ahead: the 1 h reminder is due at once (caught up).
    start = now + timedelta(minutes=45)
    confirm(incident, start=start, now=now)
    dispatch.run()
    escalation = Reminder.objects.get(incident=incident, kind=Reminder.Kind.ESCALATION)
    assert escalation.status == Reminder.Status.PENDING

    with step(journey, "the 1 h email's I'm ready button, signed out"):
        msg = reminder_email(Reminder.Kind.BEFORE_1H)
        html = msg.get_body(("html",)).get_content()
        (url,) = re.findall(r'href="(http://127\.0\.0\.1:8000/reminders/ready/[^"]+)"', html)
        path = url.replace("http://127.0.0.1:8000", "")
        assert path in msg.get_body(("plain",)).get_content()
        page.context.clear_cookies()
        page.goto(path)
        assert page.url.endswith(path)  # no login page
        button = page.get_by_role("button", name="I'm ready")
        assert button.count() == 1
        # The GET (a mail scanner's) recorded nothing.
        escalation.refresh_from_db()
        assert escalation.status == Reminder.Status.PENDING
        button.click()
        page.wait_for_load_state()
        assert page.locator("#readiness-recorded").count() == 1
        escalation.refresh_from_db()
        assert escalation.status == Reminder.Status.CANCELLED
        assert escalation.reason == planning.READY_REASON

    with step(journey, "the ready page on a phone"):
        page.set_viewport_size({"width": 375, "height": 740})
        overflow = horizontal_overflow(page)
        assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow
        page.set_viewport_size({"width": 1280, "height": 900})

    with step(journey, "the incident page shows it"):
        log_in(page, live_server, user)
        page.goto(f"/incidents/{incident.pk}/")
        assert page.get_by_text("✓ You said you're ready").count() == 2  # interview, panel
