"""The dashboard and the incident page issue the same number of queries with 3 incidents and
with 300 (and with an incident carrying much history)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import BASE, UserFactory
from tests.web.conftest import NOW, walked_incident
from tracker.incidents import models, phases

pytestmark = pytest.mark.django_db

# Session and user, then the page's own: paginator count, incidents, live reschedules (with
# whether each proposed times, not its slots), the written confirmations of the confirmed rows
# (the next step). The verified-address banner asks once per session, on the first page (the
# warm-up request here).
DASHBOARD_QUERIES = 6
# Session and user, the incident and its seven prefetches (contacts, outreach, reschedules,
# slots, safeguards, materials, timeline), and the reminders panel.
INCIDENT_PAGE_QUERIES = 11


def bulk_incidents(owner, n):
    """n open incidents spread over the three open phases, each with what its dashboard row
    shows: a pending request with slots (correct), a confirmed and attended interview, the
    thank-you sent and an open promised item (consolidate). Written with bulk_create: 300
    take well under a second."""
    phase_cycle = (phases.CONTAIN, phases.CORRECT, phases.CONSOLIDATE)
    incidents = []
    for k in range(n):
        phase = phase_cycle[k % 3]
        discovered = BASE - timedelta(hours=k)
        incidents.append(
            models.Incident(
                owner=owner, company=f"Bulk {k}", role="Engineer", interview_at=discovered,
                interview_tz="Europe/Berlin", candidate_tz="America/Chicago", format="video",
                cause="timezone", discovered_at=discovered, phase=phase,
                first_outreach_at=None if phase == phases.CONTAIN else discovered,
                attended_at=discovered if phase == phases.CONSOLIDATE else None,
                thank_you_sent_at=discovered if phase == phases.CONSOLIDATE else None,
            )
        )
    incidents = models.Incident.objects.bulk_create(incidents)
    reschedules = []
    for incident in incidents:
        if incident.phase == phases.CORRECT:
            reschedules.append(
                models.Reschedule(incident=incident, requested_at=incident.discovered_at)
            )
        elif incident.phase == phases.CONSOLIDATE:
            reschedules.append(
                models.Reschedule(
                    incident=incident, requested_at=incident.discovered_at, reply="accepted",
                    replied_at=incident.discovered_at, confirmed_at=incident.discovered_at,
                    start=incident.discovered_at, time_zone="Europe/Berlin",
                    duration_minutes=45, format="video", version=1,
                    attended_at=incident.discovered_at,
                )
            )
    reschedules = models.Reschedule.objects.bulk_create(reschedules)
    models.ProposedSlot.objects.bulk_create(
        models.ProposedSlot(reschedule=r, start=NOW + timedelta(days=d), time_zone="Europe/Berlin",
                     position=d - 1)
        for r in reschedules
        for d in (1, 2)
    )
    models.PromisedMaterial.objects.bulk_create(
        models.PromisedMaterial(incident=i, description="Portfolio")
        for i in incidents
        if i.phase == phases.CONSOLIDATE
    )
    return incidents


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_does_not_grow_with_incidents(
    client, user, clock, django_assert_num_queries
):
    bulk_incidents(user, 3)
    client.force_login(user)
    url = reverse("dashboard")
    assert "Confirm your email" not in client.get(url).content.decode()  # the session knows it
    with_three = queries_for(client, url)
    bulk_incidents(user, 297)
    assert models.Incident.objects.filter(owner=user).count() == 300
    with django_assert_num_queries(with_three):
        response = client.get(url)
    assert response.content.decode().count("incident-card") == 50  # the first page
    assert with_three == DASHBOARD_QUERIES


def test_dashboard_rows_show_the_facts_of_their_prefetched_data(client, user, clock):
    bulk_incidents(user, 3)
    client.force_login(user)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Record their reply" in html  # correct, pending request with slots
    assert "Deliver the promised materials" in html  # consolidate, one open item
    assert "Call, leave a voicemail or send the apology email" in html  # contain


def test_incident_page_query_count_does_not_grow_with_incidents_or_history(
    client, user, clock, django_assert_num_queries
):
    objs = walked_incident(user)
    incident = objs["incident"]
    bulk_incidents(user, 2)
    client.force_login(user)
    url = reverse("incident_detail", args=[incident.pk])
    few = queries_for(client, url)

    bulk_incidents(user, 297)
    # A long history on the page itself: contacts, outreach, replaced requests with slots,
    # promised items and timeline events.
    contacts = models.Contact.objects.bulk_create(
        models.Contact(owner=user, name=f"Contact {k}", time_zone="Europe/Berlin")
        for k in range(20)
    )
    incident.contacts.add(*contacts)
    models.Outreach.objects.bulk_create(
        models.Outreach(incident=incident, contact=contacts[k % 20], channel="email",
                        result="sent", purpose="follow_up", occurred_at=NOW)
        for k in range(40)
    )
    old = models.Reschedule.objects.bulk_create(
        models.Reschedule(incident=incident, requested_at=NOW - timedelta(minutes=k + 1),
                          cancelled_at=NOW)
        for k in range(10)
    )
    models.ProposedSlot.objects.bulk_create(
        models.ProposedSlot(reschedule=r, start=NOW + timedelta(days=p + 1),
                            time_zone="Asia/Tokyo", position=p)
        for r in old
        for p in range(3)
    )
    models.PromisedMaterial.objects.bulk_create(
        models.PromisedMaterial(incident=incident, description=f"Item {k}") for k in range(15)
    )
    models.TimelineEvent.objects.bulk_create(
        models.TimelineEvent(incident=incident, at=NOW, kind="note", message=f"Event {k}",
                             actor=user)
        for k in range(100)
    )
    assert models.Incident.objects.filter(owner=user).count() == 300
    with django_assert_num_queries(few):
        response = client.get(url)
    html = response.content.decode()
    assert "Event 99" in html and "Contact 19" in html and "Item 14" in html
    assert html.count("Asia/Tokyo") >= 30
    assert few == INCIDENT_PAGE_QUERIES


def test_another_users_incidents_do_not_show_on_the_dashboard(client, user, clock):
    bulk_incidents(UserFactory(), 3)
    client.force_login(user)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Bulk 0" not in html
    assert models.Safeguard.objects.count() == 0  # bulk rows carry no safeguards; nothing leaked in
