"""Every page renders for its owner, every object URL is a 404 for anyone else (reading and
writing), writes need a CSRF token, and pages carry no inline script or style."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.web.conftest import NOW, log_incident, slot_data, walked_incident
from tracker.incidents import services
from tracker.incidents.models import Incident, Outreach, PromisedMaterial, Reschedule, Safeguard

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def assert_csp_clean(html: str) -> None:
    assert 'style="' not in html
    assert INLINE_SCRIPT.search(html) is None


def page_urls(objs):
    i, r = objs["incident"].pk, objs["reschedule"].pk
    return [
        reverse("dashboard"),
        reverse("history"),
        reverse("incident_log"),
        reverse("incident_detail", args=[i]),
        reverse("contact_add", args=[i]),
        reverse("contact_edit", args=[objs["contact"].pk]) + f"?incident={i}",
        reverse("contact_edit", args=[objs["contact"].pk]),
        reverse("outreach_add", args=[i]),
        reverse("outreach_detail", args=[objs["outreach"].pk]),
        reverse("reschedule_request", args=[i]),
        reverse("reschedule_reply", args=[r]),
        reverse("reschedule_confirm", args=[i]),
        reverse("thank_you", args=[i]),
        reverse("material_add", args=[i]),
        reverse("lessons", args=[i]),
        reverse("incident_close", args=[i]),
    ]


def object_urls(objs):
    """Every URL that names one of the person's objects, with a POST body that would work."""
    i = objs["incident"].pk
    future = (NOW + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M")
    return [
        (reverse("incident_detail", args=[i]), {}),
        (reverse("contact_add", args=[i]),
         {"name": "Eve", "role": "hr", "preferred_channel": "any"}),
        (reverse("outreach_add", args=[i]),
         {"channel": "call", "purpose": "apology", "result": "reached"}),
        (reverse("reschedule_request", args=[i]),
         slot_data((future, "UTC"), ("2026-03-07T10:00", "UTC"))),
        (reverse("reschedule_confirm", args=[i]),
         {"start": future, "time_zone": "UTC", "duration_minutes": "45", "format": "video"}),
        (reverse("interview_attended", args=[i]), {}),
        (reverse("thank_you", args=[i]), {"channel": "email"}),
        (reverse("material_add", args=[i]), {"description": "Portfolio"}),
        (reverse("lessons", args=[i]), {"lessons": "Two alarms."}),
        (reverse("incident_close", args=[i]), {"outcome": "moved_on"}),
        (reverse("incident_reopen", args=[i]), {}),
        (reverse("contact_edit", args=[objs["contact"].pk]),
         {"name": "Mallory", "role": "hr", "preferred_channel": "any"}),
        (reverse("outreach_detail", args=[objs["outreach"].pk]), {}),
        (reverse("reschedule_reply", args=[objs["reschedule"].pk]), {"reply": "declined"}),
        (reverse("reschedule_cancel", args=[objs["reschedule"].pk]), {}),
        (reverse("safeguard_toggle", args=[objs["safeguard"].pk]), {"done": "on"}),
        (reverse("material_resolve", args=[objs["material"].pk]), {"status": "delivered"}),
    ]


def test_every_page_renders_for_its_owner(client, user, walked):
    client.force_login(user)
    for url in page_urls(walked):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_csp_clean(response.content.decode())


def test_closed_incident_page_offers_reopen_and_the_history_counts_it(client, user, clock):
    incident = log_incident(user)
    services.incident_close(incident=incident, outcome="moved_on", now=NOW)
    client.force_login(user)
    html = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "Closed: Moved on" in html
    assert reverse("incident_reopen", args=[incident.pk]) in html
    html = client.get(reverse("history")).content.decode()
    assert "Moved on" in html
    assert "<svg" in html


def test_every_object_url_is_a_404_for_another_user_on_get_and_post(client, user, walked):
    intruder = UserFactory()
    client.force_login(intruder)
    for url, data in object_urls(walked):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data).status_code == 404, url
    # Nothing was written on the owner's side.
    incident = Incident.objects.get(pk=walked["incident"].pk)
    assert incident.phase == "correct" and incident.lessons == ""
    assert incident.contacts.count() == 1
    assert Outreach.objects.filter(incident=incident).count() == 1
    assert Reschedule.objects.get(pk=walked["reschedule"].pk).reply == "pending"
    assert Safeguard.objects.filter(incident=incident, done_at__isnull=False).count() == 0
    assert PromisedMaterial.objects.get(pk=walked["material"].pk).status == "pending"
    assert walked["contact"].__class__.objects.get(pk=walked["contact"].pk).name == "Priya Raman"


def test_the_same_urls_work_for_the_owner(client, user, walked):
    """The counterpart of the 404 test: the owner's GETs are not 404s, so that test can fail."""
    client.force_login(user)
    for url, _ in object_urls(walked):
        assert client.get(url).status_code in (200, 302), url


def test_contact_edit_with_another_users_incident_is_a_404(client, user, walked):
    other_incident = log_incident(UserFactory())
    client.force_login(user)
    url = reverse("contact_edit", args=[walked["contact"].pk]) + f"?incident={other_incident.pk}"
    assert client.get(url).status_code == 404


def test_another_users_contact_cannot_be_picked_in_the_outreach_form(client, user, walked):
    stranger_contact = walked_incident(UserFactory())["contact"]
    client.force_login(user)
    response = client.post(
        reverse("outreach_add", args=[walked["incident"].pk]),
        {"channel": "call", "purpose": "follow_up", "result": "reached",
         "contact": stranger_contact.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert walked["incident"].outreach.count() == 1


def test_pages_need_a_login(client, walked):
    response = client.get(reverse("incident_detail", args=[walked["incident"].pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_post_without_csrf_token_is_refused(user, walked):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    for url, data in object_urls(walked):
        assert csrf_client.post(url, data).status_code == 403, url
    log = {"company": "Acme", "role": "Dev", "interview_at": "2026-03-02T09:00",
           "interview_tz": "UTC", "candidate_tz": "UTC", "format": "video", "cause": "other"}
    assert csrf_client.post(reverse("incident_log"), log).status_code == 403
    assert Incident.objects.count() == 1
    assert Safeguard.objects.filter(done_at__isnull=False).count() == 0


def test_post_with_the_csrf_token_goes_through(user, walked):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    csrf_client.get(reverse("incident_detail", args=[walked["incident"].pk]))
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(
        reverse("safeguard_toggle", args=[walked["safeguard"].pk]),
        {"done": "on", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert Safeguard.objects.get(pk=walked["safeguard"].pk).done_at is not None


def test_get_on_a_write_url_changes_nothing_and_goes_to_the_incident(client, user, walked):
    client.force_login(user)
    response = client.get(reverse("safeguard_toggle", args=[walked["safeguard"].pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("incident_detail", args=[walked["incident"].pk])
    )
    assert Safeguard.objects.get(pk=walked["safeguard"].pk).done_at is None


def test_dashboard_groups_by_phase_with_next_action_and_first_hour_clock(client, user, clock):
    fresh = log_incident(user, company="Fresh Co")
    walked_incident(user)
    client.force_login(user)
    html = client.get(reverse("dashboard")).content.decode()
    assert html.index("Contain") < html.index("Fresh Co") < html.index("Correct")
    # Found 10 minutes ago, no outreach yet: the clock runs with 50 minutes left.
    assert "10 min since you found out, 50 min left" in html
    assert "Call, leave a voicemail or send the apology email" in html
    assert reverse("draft", args=[fresh.pk, "apology_email"]) in html
    assert "Record their reply" in html
    # The missed interview in both zones, zone names written out.
    assert "08:00 CST (America/Chicago)" in html
    assert "19:30 IST (Asia/Kolkata)" in html


@pytest.mark.parametrize(
    ("found", "says"),
    [
        (timedelta(minutes=75), "75 min since you found out; the hour has passed"),
        # Left open: the clock reads in days.
        (timedelta(days=3), "3 days since you found out; the hour has passed"),
    ],
    ids=["75 min ago", "3 days ago"],
)
def test_dashboard_clock_says_when_the_first_hour_has_passed(client, user, clock, found, says):
    log_incident(user, discovered_at=NOW - found)
    client.force_login(user)
    html = client.get(reverse("dashboard")).content.decode()
    assert says in html


def test_dashboard_paginates_long_lists(client, user, clock):
    from tracker.web.views import DASHBOARD_PAGE_SIZE

    for n in range(DASHBOARD_PAGE_SIZE + 1):
        log_incident(user, company=f"Co{n:03d}", contact_name="")
    client.force_login(user)
    first = client.get(reverse("dashboard")).content.decode()
    second = client.get(reverse("dashboard") + "?page=2").content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert first.count("incident-card") == DASHBOARD_PAGE_SIZE
    assert second.count("incident-card") == 1
    assert client.get(reverse("dashboard") + "?page=junk").status_code == 200


def test_incident_page_shows_slots_in_both_zones_and_the_stepper(client, user, walked):
    client.force_login(user)
    html = client.get(reverse("incident_detail", args=[walked["incident"].pk])).content.decode()
    # Slot 1 is NOW + 2 days = Wed 4 Mar 14:30 UTC.
    assert "Wed 4 Mar 2026, 08:30 CST (America/Chicago)" in html
    assert "Wed 4 Mar 2026, 20:00 IST (Asia/Kolkata)" in html
    assert 'class="step done"' in html and 'class="step current"' in html
    assert 'id="reminders"' in html
    assert reverse("drafts", args=[walked["incident"].pk]) in html
    assert "Send one follow-up before giving up on a reply." in html


def test_history_counts_causes_median_and_warns_on_a_repeated_cause(client, user, clock):
    for minutes in (5, 15, 90):
        incident = log_incident(user, cause="timezone", contact_name="")
        services.outreach_record(
            incident=incident, channel="email", result="sent",
            now=incident.discovered_at + timedelta(minutes=minutes),
        )
    log_incident(user, cause="transit", contact_name="")
    client.force_login(user)
    html = client.get(reverse("history")).content.decode()
    assert "Time-zone error</strong> caused 3 missed interviews" in html
    assert "15 min" in html  # the median of 5, 15 and 90
    assert "2 of 3 inside the hour" in html
    assert html.count("<rect") == 2  # one bar per cause
    assert_csp_clean(html)


def test_outreach_form_defaults_to_the_likely_purpose_and_the_only_contact(client, user, walked):
    client.force_login(user)
    html = client.get(reverse("incident_detail", args=[walked["incident"].pk])).content.decode()
    # A request is waiting for a reply: the next outreach is most likely the follow-up.
    assert '<option value="follow_up" selected>' in html
    assert f'<option value="{walked["contact"].pk}" selected>' in html


def test_every_link_on_the_incident_page_leads_somewhere(client, user, walked):
    client.force_login(user)
    url = reverse("incident_detail", args=[walked["incident"].pk])
    html = client.get(url).content.decode()
    links = {link for link in re.findall(r'href="(/[^"#]*)', html)
             if not link.startswith("/static/")}
    assert any("/drafts/" in link for link in links)
    for link in links:
        assert client.get(link).status_code == 200, link


def test_a_slot_in_a_third_zone_is_shown_in_all_three(client, user, clock):
    incident = log_incident(user, interview_tz="America/Chicago", contact_name="")
    services.outreach_record(incident=incident, channel="email", result="sent", now=NOW)
    services.reschedule_request(
        incident=incident,
        slots=[(NOW + timedelta(days=2), "Asia/Tokyo"), (NOW + timedelta(days=3), "Asia/Tokyo")],
        now=NOW,
    )
    client.force_login(user)
    html = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    # Issue 11: while their reply is awaited, the proposed times are listed once, as the
    # choices of the reply form, each in every zone.
    slot = html.split('name="slot"', 1)[1].split("</label>", 1)[0]
    assert ("You and them: Wed 4 Mar 2026, 08:30 CST (America/Chicago) · "
            "Proposed in: Wed 4 Mar 2026, 23:30 JST (Asia/Tokyo)") in slot
    # Once they answered, the list shows each slot with its zones as before.
    reschedule = incident.reschedules.get()
    services.reschedule_reply(reschedule=reschedule, reply="accepted",
                              accepted_slot=reschedule.slots.first(), now=NOW)
    html = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "You and them</span>Wed 4 Mar 2026, 08:30 CST (America/Chicago)" in html
    assert "Agreed in</span>Wed 4 Mar 2026, 23:30 JST (Asia/Tokyo)" in html


def test_after_a_move_the_page_asks_to_confirm_the_new_time_in_writing(client, user):
    from tests import scenarios

    incident = scenarios.confirmed(user)
    for s in incident.safeguards.exclude(kind="duplicate_alarms"):
        services.safeguard_set(safeguard=s, done=True, now=scenarios.T0 + timedelta(hours=2))
    client.force_login(user)
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "for the new time" not in page and "Confirm the time in writing" not in page

    scenarios.confirm(incident, start=scenarios.OTHER_START, now=scenarios.T0 + timedelta(hours=3))
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "Confirm the time in writing" in page
    assert page.count("for the new time") >= 2  # written confirmation and both zones at least
