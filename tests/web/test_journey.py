"""One incident walked from "I missed an interview" to closed, through the views only."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.web.conftest import NOW, slot_data
from tracker.incidents.models import Incident, Reschedule

pytestmark = pytest.mark.django_db


def step(client, url, data=None):
    """POST, follow the redirect, and return the page it lands on."""
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200, url
    assert response.redirect_chain, f"{url} did not redirect: {response.content.decode()[:2000]}"
    return response.content.decode()


def test_an_incident_walks_from_log_to_closed_through_the_views(client, user):
    client.force_login(user)
    with time_machine.travel(NOW, tick=False) as clock:
        page = step(client, reverse("incident_log"), {
            "company": "Acme", "role": "Backend engineer",
            "interview_at": "2026-03-02T15:00", "interview_tz": "Europe/Berlin",
            "candidate_tz": "America/Chicago", "format": "video", "cause": "timezone",
            "contact_name": "Priya Raman", "contact_role": "interviewer",
            "contact_email": "priya@acme.example",
        })
        incident = Incident.objects.get()
        contact = incident.contacts.get()
        assert incident.phase == "contain"
        assert "Logged. The first hour counts" in page
        assert "30 min left in the first hour" not in page  # found just now: 60 left
        assert "60 min left in the first hour" in page

        dashboard = client.get(reverse("dashboard")).content.decode()
        assert "Backend engineer at Acme" in dashboard and "0 min since you found out" in dashboard

        clock.shift(timedelta(minutes=12))
        page = step(client, reverse("outreach_add", args=[incident.pk]), {
            "channel": "call", "purpose": "apology", "result": "voicemail",
            "contact": contact.pk, "text": "Sorry, availability follows by email.",
        })
        # A voicemail alone has not reached them: still the first hour, the email comes next.
        incident.refresh_from_db()
        assert incident.phase == "contain"
        assert "48 min left in the first hour" in page

        clock.shift(timedelta(minutes=3))
        page = step(client, reverse("outreach_add", args=[incident.pk]), {
            "channel": "email", "purpose": "apology", "result": "sent",
            "contact": contact.pk, "text": "Sorry for missing our interview.",
        })
        assert "First outreach after 15 min, inside the first hour." in page
        incident.refresh_from_db()
        assert incident.phase == "correct"

        page = step(client, reverse("reschedule_request", args=[incident.pk]), slot_data(
            ("2026-03-04T10:00", "Europe/Berlin"), ("2026-03-05T16:00", "Europe/Berlin"),
        ))
        # Both zones, zone names written out.
        assert "Wed 4 Mar 2026, 10:00 CET (Europe/Berlin)" in page
        assert "Wed 4 Mar 2026, 03:00 CST (America/Chicago)" in page
        reschedule = Reschedule.objects.get()
        first_slot = reschedule.slots.first()

        clock.shift(timedelta(hours=5))
        # Issue 11: one way to record their reply, the reply form.
        page = step(client, reverse("reschedule_reply", args=[reschedule.pk]),
                    {"reply": "accepted", "slot": first_slot.pk})
        assert "Recorded their reply: Accepted." in page

        confirm_page = client.get(reverse("reschedule_confirm", args=[incident.pk])).content
        assert b'value="2026-03-04"' in confirm_page and b'value="10:00"' in confirm_page
        page = step(client, reverse("reschedule_confirm", args=[incident.pk]), {
            "start": "2026-03-04T10:00", "time_zone": "Europe/Berlin", "duration_minutes": "45",
            "format": "video", "location": "https://meet.example/abc", "interviewer": contact.pk,
        })
        assert "Confirmed. Work through the safeguards next." in page
        reschedule.refresh_from_db()
        assert reschedule.start == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
        assert reschedule.version == 1

        for safeguard in incident.safeguards.exclude(kind="duplicate_alarms"):
            step(client, reverse("safeguard_toggle", args=[safeguard.pk]), {"done": "on"})
        # Issue 15: "Alarms on two devices" is ticked by the alarm self-test that rang.
        step(client, reverse("alarm_test_start", args=[incident.pk]))
        clock.shift(timedelta(minutes=6))
        page = step(client, reverse("alarm_test_answer", args=[incident.pk]), {"result": "rang"})
        assert "It works" in page
        assert not incident.safeguards.filter(done_at__isnull=True).exists()

        page = step(client, reverse("interview_attended", args=[incident.pk]))
        assert "has not started yet" in page

        clock.move_to(datetime(2026, 3, 4, 9, 50, tzinfo=UTC))
        page = step(client, reverse("interview_attended", args=[incident.pk]))
        assert "Well done. Send the thank-you note today." in page
        incident.refresh_from_db()
        assert incident.phase == "consolidate"

        step(client, reverse("thank_you", args=[incident.pk]),
             {"channel": "email", "contact": contact.pk, "text": "Thank you for the talk."})
        step(client, reverse("material_add", args=[incident.pk]),
             {"description": "Link to the load-test write-up", "due_on": "2026-03-05"})
        material = incident.materials.get()
        refused = client.post(reverse("incident_close", args=[incident.pk]),
                              {"outcome": "recovered"})
        assert refused.status_code == 200
        assert "Deliver or drop the 1 promised item(s) still open." in refused.content.decode()

        step(client, reverse("material_resolve", args=[material.pk]), {"status": "delivered"})
        step(client, reverse("lessons", args=[incident.pk]),
             {"lessons": "Calendar now shows both zones; two alarms."})
        page = step(client, reverse("incident_close", args=[incident.pk]),
                    {"outcome": "recovered"})
        assert "Closed: Recovered." in page
        incident.refresh_from_db()
        assert (incident.phase, incident.outcome) == ("closed", "recovered")

        timeline_html = page[page.index('id="timeline"'):]
        timeline = re.findall(r'<span class="text-break">([^<]+)</span>', timeline_html)
        assert timeline[0].startswith("Logged the missed interview")
        assert "Closed: Recovered" in timeline

        history = client.get(reverse("history")).content.decode()
        assert "Recovered" in history and "15 min" in history
        assert "Backend engineer at Acme" not in client.get(reverse("dashboard")).content.decode()

        page = step(client, reverse("incident_reopen", args=[incident.pk]))
        incident.refresh_from_db()
        assert incident.phase == "consolidate" and "Reopened." in page


def test_a_decline_closes_and_offers_the_gracious_reply(client, user):
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        step(client, reverse("incident_log"), {
            "company": "Globex", "role": "SRE", "interview_at": "2026-03-02T08:00",
            "interview_tz": "America/Chicago", "candidate_tz": "America/Chicago",
            "format": "phone", "cause": "transit",
        })
        incident = Incident.objects.get()
        step(client, reverse("outreach_add", args=[incident.pk]),
             {"channel": "email", "purpose": "apology", "result": "sent"})
        step(client, reverse("reschedule_request", args=[incident.pk]), slot_data(
            ("2026-03-04T10:00", "America/Chicago"), ("2026-03-05T10:00", "America/Chicago"),
        ))
        reschedule = Reschedule.objects.get()
        page = step(client, reverse("reschedule_reply", args=[reschedule.pk]),
                    {"reply": "declined"})
        incident.refresh_from_db()
        assert (incident.phase, incident.outcome) == ("closed", "declined")
        assert reverse("draft", args=[incident.pk, "decline_reply"]) in page
        # The interview and the slots were in one zone: it is said once, for both.
        assert "You and them" in page
