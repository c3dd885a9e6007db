"""Query budgets the dashboard and incident-page tests (test_queries.py) do not cover: the
history page issues the same queries with 3 incidents and with 300, its figures are
aggregated in the database yet equal the row-by-row computation, and a long incident record
lists its latest outreach and events with the same queries as a short one."""

import statistics
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import BASE, UserFactory
from tests.web.conftest import NOW, walked_incident
from tracker.incidents import selectors
from tracker.incidents.models import Incident, Outreach, TimelineEvent

pytestmark = pytest.mark.django_db

# Session and user, then the page's own: counts by cause and outcome, the time-to-first-
# outreach aggregate (on SQLite its median takes one more query: the middle rows), and the
# latest incidents.
# One more since issue 16: the retention notice (one aggregate, tracker/privacy/selectors).
HISTORY_QUERIES = {"postgresql": 6, "sqlite": 7}

CAUSES = ("personal", "transit", "technical", "emergency", "timezone", "calendar", "other")
OUTCOMES = ("recovered", "declined", "no_response", "moved_on")
# Minutes from discovery to the first outreach, cycled: both sides of the hour, exactly the
# hour, and an outreach logged before the miss was discovered (counts as 0 minutes).
GAPS = (5, 60, 61, 12, -3, 240, 35, 90, 1440)


def history_incidents(owner, n, *, start=0):
    """n incidents: a third still in contain with no outreach, a third in correct, a third
    closed with an outcome; causes and gaps cycled."""
    rows = []
    for k in range(start, start + n):
        discovered = BASE - timedelta(hours=k)
        kind = k % 3
        gap = timedelta(minutes=GAPS[k % len(GAPS)])
        rows.append(
            Incident(
                owner=owner, company=f"History {k}", role="Analyst", interview_at=discovered,
                interview_tz="Europe/Berlin", candidate_tz="America/Chicago", format="video",
                cause=CAUSES[k % len(CAUSES)], discovered_at=discovered,
                phase=("contain", "correct", "closed")[kind],
                first_outreach_at=None if kind == 0 else discovered + gap,
                outcome=OUTCOMES[k % len(OUTCOMES)] if kind == 2 else "",
                closed_at=discovered + timedelta(days=3) if kind == 2 else None,
            )
        )
    return Incident.objects.bulk_create(rows)


def history_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("history"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_history_page_query_count_does_not_grow_with_incidents(client, user, clock):
    history_incidents(user, 3)
    history_incidents(UserFactory(), 20)  # someone else's: neither counted nor shown
    client.force_login(user)
    cache.clear()  # each count includes the retention notice, kept a few minutes once computed
    few, _ = history_queries(client)

    history_incidents(user, 297, start=3)
    cache.clear()
    assert Incident.objects.filter(owner=user).count() == 300
    rows: list[int] = []

    def count_rows(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        rows.append(context["cursor"].rowcount)
        return result

    with connection.execute_wrapper(count_rows):
        many, html = history_queries(client)
    if connection.vendor == "postgresql":  # sqlite3 reports no row count for a SELECT
        # Grouped counts (at most causes x phases x outcomes) and the 50 latest: never a row
        # per incident.
        assert sum(rows) <= 1 + 1 + 7 * 4 * 5 + 1 + 50

    assert few == many == HISTORY_QUERIES[connection.vendor]
    again, _ = history_queries(client)
    assert again == many - 1  # the retention notice, computed once, is kept
    assert "<div class=\"fs-4\">300</div>" in html
    assert html.count("border-bottom py-2") == 50  # only the latest are listed
    assert "History 0 " not in html and "Incidents (latest 50)" in html


@pytest.mark.parametrize("n", [1, 2, 7, 8, 300])
def test_history_figures_from_the_database_equal_the_row_by_row_computation(user, n):
    history_incidents(user, n)
    history_incidents(UserFactory(), 9)
    mine = list(Incident.objects.filter(owner=user))
    minutes = [
        max((i.first_outreach_at - i.discovered_at).total_seconds() / 60, 0)
        for i in mine
        if i.first_outreach_at is not None
    ]
    closed = [i for i in mine if i.phase == "closed"]

    h = selectors.history_for_user(user=user)

    assert h.total == n and h.closed == len(closed)
    assert h.with_outreach == len(minutes)
    assert h.within_hour == sum(1 for m in minutes if m <= 60)
    expected = statistics.median(minutes) if minutes else None
    assert h.median_minutes_to_first_outreach == pytest.approx(expected)
    assert dict(h.causes) == {
        label: sum(1 for i in mine if i.cause == value)
        for value, label in Incident.Cause.choices
        if any(i.cause == value for i in mine)
    }
    assert sum(n for _, n in h.outcomes) == len(closed)


def test_history_median_of_an_even_count_is_the_mean_of_the_middle_two(user):
    for k in range(4):
        history_incidents(user, 1, start=3 * k + 1)  # start % 3 == 1: in correct
    incidents = list(Incident.objects.filter(owner=user).order_by("pk"))
    for incident, gap in zip(incidents, (10, 20, 40, 1000), strict=True):
        incident.first_outreach_at = incident.discovered_at + timedelta(minutes=gap)
    Incident.objects.bulk_update(incidents, ["first_outreach_at"])

    h = selectors.history_for_user(user=user)

    assert h.median_minutes_to_first_outreach == pytest.approx(30)
    assert (h.within_hour, h.with_outreach) == (3, 4)


def test_long_incident_record_lists_its_latest_outreach_and_events_in_the_same_queries(
    client, user, clock
):
    objs = walked_incident(user)
    incident = objs["incident"]
    client.force_login(user)
    url = reverse("incident_detail", args=[incident.pk])
    with CaptureQueriesContext(connection) as short:
        client.get(url)

    Outreach.objects.bulk_create(
        Outreach(incident=incident, contact=objs["contact"], channel="email", result="sent",
                 purpose="follow_up", occurred_at=NOW + timedelta(minutes=k))
        for k in range(70)
    )
    TimelineEvent.objects.bulk_create(
        TimelineEvent(incident=incident, at=NOW + timedelta(minutes=k), kind="note",
                      message=f"Event {k}", actor=user)
        for k in range(120)
    )
    with CaptureQueriesContext(connection) as long:
        html = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as everything:
        full = client.get(url + "?all=1").content.decode()

    assert len(short) == len(long) == len(everything)
    limit = selectors.RECENT_LIMIT
    timeline = html[html.index('id="timeline"'):]
    assert timeline.count("<li>") == limit
    assert f"Event {119 - limit + 1}<" in timeline and f"Event {119 - limit}<" not in timeline
    assert "Logged the missed interview" not in timeline
    assert 'href="?all=1#timeline"' in html and 'href="?all=1#outreach"' in html
    # Issue 11: the outreach section comes after the rescheduling, before the safeguards.
    outreach = html[html.index('id="outreach"'):html.index('id="safeguards"')]
    assert outreach.count('<a href="/outreach/') == limit
    apology = reverse("outreach_detail", args=[objs["outreach"].pk])
    newest = reverse("outreach_detail", args=[Outreach.objects.order_by("-pk")[0].pk])
    assert newest in outreach and apology not in outreach

    full_timeline = full[full.index('id="timeline"'):]
    assert full_timeline.count("<li>") == TimelineEvent.objects.filter(incident=incident).count()
    assert "Logged the missed interview" in full_timeline and "Event 0<" in full_timeline
    assert apology in full
    assert "?all=1" not in full


def test_short_incident_record_shows_everything_without_a_show_all_link(client, user, clock):
    incident = walked_incident(user)["incident"]
    client.force_login(user)
    html = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "?all=1" not in html
    assert "Logged the missed interview" in html
