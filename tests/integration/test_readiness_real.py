"""Issue 15 end to end on real services (a Celery worker and beat on Redis and PostgreSQL, SMTP
to an aiosmtpd sink): two incidents of one person whose partner accepted, each interview a day
ahead. The 24 h reminder arrives and its re-confirm link is clicked; the 1 h reminder arrives;
for the first incident nobody clicks "I'm ready", so 30 minutes before the start the escalation
reaches the person and the partner; for the second the click cancels both. The workers live
23 h, then 23 h 30 min ahead (their clock moved by time-machine). The timeline is printed from
the sink (the issue's note)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from tests.scenarios import apologise, confirm, logged
from tracker.accounts.models import Profile
from tracker.reminders.models import Reminder

from .harness import TICK, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
DAY = timedelta(hours=24)
PARTNER = "sam@partner.example"


def confirmed(user, start, now, company):
    incident = apologise(
        logged(
            user,
            discovered_at=now - timedelta(minutes=30),
            now=now - timedelta(minutes=30),
            company=company,
        ),
        now=now - timedelta(minutes=20),
    )
    confirm(incident, start=start, now=now)
    return incident


def ids(incident):
    return {r.kind: r.message_id for r in Reminder.objects.filter(incident=incident)}


def link(received, path):
    body = received.email.get_body(("plain",)).get_content()
    (url,) = re.findall(r"https?://\S+" + path + r"[^\s]+", body)
    return re.sub(r"^https?://[^/]+", "", url)


def click(path, at):
    """The person opens the link (GET: the page asks) and presses the button (POST)."""
    with time_machine.travel(at, tick=False):
        client = Client()
        assert client.get(path).status_code == 200
        assert client.post(path).status_code == 302


def test_no_click_escalates_to_person_and_partner_and_the_click_cancels_it(cluster, sink, user):
    user.profile.partner_email = PARTNER
    user.profile.partner_state = Profile.PartnerState.ACCEPTED
    user.profile.save()
    now = datetime.now(UTC)
    start = now + DAY + timedelta(seconds=5)
    silent = confirmed(user, start, now, "Acme")
    ready = confirmed(user, start + timedelta(seconds=1), now, "Globex")
    cluster.start()
    day_ids = [ids(silent)["before_24h"], ids(ready)["before_24h"]]
    wait_for(lambda: all(i in sink.ids() for i in day_ids), 40, "the 24 h reminders", cluster)
    by_id = {r.message_id: r for r in sink.received}
    for incident in (silent, ready):
        click(link(by_id[ids(incident)["before_24h"]], "/reminders/reconfirmed/"), now)

    # 23 h later: the 1 h reminders; their sending plans the escalations.
    cluster.stop()
    cluster.start(clock_offset=(DAY - timedelta(hours=1)).total_seconds())
    hour_ids = [ids(silent)["before_1h"], ids(ready)["before_1h"]]
    wait_for(lambda: all(i in sink.ids() for i in hour_ids), 40, "the 1 h reminders", cluster)
    wait_for(
        lambda: Reminder.objects.filter(kind__in=["escalation", "partner_escalation"]).count() == 4,
        20,
        "the escalation rows",
        cluster,
    )
    by_id = {r.message_id: r for r in sink.received}
    click(
        link(by_id[ids(ready)["before_1h"]], "/reminders/ready/"), now + DAY - timedelta(minutes=50)
    )

    # 23 h 30 min later: the escalation of the silent one only.
    cluster.stop()
    cluster.start(clock_offset=(DAY - timedelta(minutes=29)).total_seconds())
    silent_ids = ids(silent)
    wanted = [silent_ids["escalation"], silent_ids["partner_escalation"]]
    wait_for(lambda: all(i in sink.ids() for i in wanted), 40, "the escalations", cluster)
    import time

    time.sleep(4 * TICK)  # a few more ticks: nothing else may arrive

    got = sink.ids()
    assert all(n == 1 for n in got.values()), got
    ready_ids = ids(ready)
    assert ready_ids["escalation"] not in got and ready_ids["partner_escalation"] not in got
    statuses = {(r.incident_id, r.kind): (r.status, r.reason) for r in Reminder.objects.all()}
    assert statuses[(ready.pk, "escalation")][0] == "cancelled"
    assert statuses[(ready.pk, "escalation")][1] == "You said you're ready."
    by_id = {r.message_id: r for r in sink.received}
    to_person, to_partner = by_id[wanted[0]], by_id[wanted[1]]
    assert to_person.rcpt == [user.email] and to_partner.rcpt == [PARTNER]
    assert "open the link now" in to_person.subject
    assert "hasn't confirmed they're ready" in to_partner.subject
    assert all(r.reconfirmed_at for r in [silent.reschedules.get(), ready.reschedules.get()])

    print("\nISSUE 15 timeline from the SMTP sink (kind, to, subject):")
    kinds = {
        mid: kind
        for kind, mid in {
            **{f"Acme {k}": v for k, v in silent_ids.items()},
            **{f"Globex {k}": v for k, v in ready_ids.items()},
        }.items()
    }
    for r in sorted(sink.received, key=lambda r: r.at):
        print(f"  {kinds.get(r.message_id, '?'):32} {r.rcpt[0]:28} {r.subject}")
    print("  Acme: re-confirmed after the 24 h reminder, no 'I'm ready': escalated;")
    print(
        "  Globex: re-confirmed, 'I'm ready' clicked after the 1 h reminder: "
        f"{statuses[(ready.pk, 'escalation')]}, {statuses[(ready.pk, 'partner_escalation')]}"
    )
