"""Issue 15: "I'm ready" and "I've re-confirmed" from the emails, and the escalation rows they
cancel: signed, single-purpose, expiring links answered without a login (GET asks, POST
records), idempotent, refused for another incident or an outdated time; escalation rows planned
by reminders_sync once the 1 h reminder went out, sent by the dispatcher to the person and to an
accepted partner, cancelled by the click."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from tests import scenarios
from tests.scenarios import START, confirm, notices_sent, reminders_by_kind
from tracker.accounts.models import Profile
from tracker.incidents.models import Safeguard, TimelineEvent
from tracker.reminders import dispatch, planning, readiness
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db
S = Reminder.Status
K = Reminder.Kind
DUE_24H = START - timedelta(hours=24)
DUE_1H = START - timedelta(hours=1)
ESCALATE = START - timedelta(minutes=30)
PARTNER = "partner@example.org"


def confirmed(owner, **kw):
    return notices_sent(scenarios.confirmed(owner, **kw))


def with_partner(user):
    profile = user.profile
    profile.partner_email = PARTNER
    profile.partner_state = Profile.PartnerState.ACCEPTED
    profile.save()


def run_at(instant):
    with time_machine.travel(instant, tick=False):
        return dispatch.run()


def link_in(message, label):
    match = re.search(label + r": (\S+)", message.body)
    assert match, message.body
    return match.group(1).replace("http://testserver", "")


def path_of(url):
    return re.sub(r"^https?://[^/]+", "", url)


# The emails carry the links ------------------------------------------------------------------


def test_24h_reminder_carries_the_reconfirm_link_and_1h_the_ready_link(user):
    confirmed(user)
    run_at(DUE_24H + timedelta(seconds=5))
    run_at(DUE_1H + timedelta(seconds=5))
    day_before, hour_before = mail.outbox
    assert "I've re-confirmed: " in day_before.body and "I'm ready: " not in day_before.body
    assert "I'm ready: " in hour_before.body and "I've re-confirmed: " not in hour_before.body
    html = hour_before.alternatives[0][0]
    assert "I&#x27;m ready</a>" in html or "I'm ready</a>" in html


# The links -----------------------------------------------------------------------------------


def _ready_url(incident, purpose=readiness.READY):
    r = incident.reschedules.get(cancelled_at__isnull=True)
    return path_of(readiness.link(purpose, r, incident_id=incident.pk))


def test_ready_link_answers_without_login_get_asks_post_records_and_is_idempotent(client, user):
    incident = confirmed(user)
    url = _ready_url(incident)
    with time_machine.travel(DUE_1H + timedelta(minutes=5), tick=False):
        page = client.get(url)
        assert page.status_code == 200
        assert b"I&#x27;m ready</button>" in page.content or b"I'm ready</button>" in page.content
        # A GET (a mail scanner's) records nothing.
        assert not incident.reschedules.get(cancelled_at__isnull=True).is_ready
        response = client.post(url)
        assert response.status_code == 302 and response["Location"] == url
        done = client.get(url)
        assert b'id="readiness-recorded"' in done.content
        r = incident.reschedules.get(cancelled_at__isnull=True)
        first = r.ready_at
        assert r.is_ready and r.ready_version == r.version
    with time_machine.travel(DUE_1H + timedelta(minutes=9), tick=False):
        client.post(url)
    r.refresh_from_db()
    assert r.ready_at == first  # the second click changed nothing
    assert TimelineEvent.objects.filter(incident=incident, kind="ready").count() == 1


def test_reconfirm_link_records_and_ticks_the_safeguard(client, user):
    incident = confirmed(user)
    url = _ready_url(incident, readiness.RECONFIRMED)
    with time_machine.travel(DUE_24H + timedelta(minutes=5), tick=False):
        assert client.post(url).status_code == 302
    r = incident.reschedules.get(cancelled_at__isnull=True)
    assert r.is_reconfirmed and not r.is_ready
    guard = incident.safeguards.filter(kind=Safeguard.Kind.CONFIRM_DAY_BEFORE).first()
    if guard is not None:
        assert guard.done_at is not None


def test_links_are_single_purpose(client, user):
    incident = confirmed(user)
    ready = _ready_url(incident)
    as_reconfirm = ready.replace("/ready/", "/reconfirmed/")
    with time_machine.travel(DUE_1H, tick=False):
        assert client.get(as_reconfirm).status_code == 404
        assert client.post(as_reconfirm).status_code == 404
    assert not incident.reschedules.get(cancelled_at__isnull=True).is_reconfirmed


def test_links_are_refused_for_another_incident_and_when_changed(client, user, other_user):
    incident = confirmed(user)
    other = confirmed(other_user)
    mine = incident.reschedules.get(cancelled_at__isnull=True)
    theirs = other.reschedules.get(cancelled_at__isnull=True)
    # Signed by us, but naming one incident and another incident's interview.
    crossed = readiness.make_token(
        readiness.READY,
        incident_id=incident.pk,
        reschedule_id=theirs.pk,
        version=theirs.version,
        expires_at=theirs.end,
    )
    url = _ready_url(incident)
    tampered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    with time_machine.travel(DUE_1H, tick=False):
        crossed_url = reverse("interview_ready", args=[crossed])
        assert b"no longer current" in client.get(crossed_url).content
        client.post(crossed_url)
        assert client.get(tampered).status_code == 404
        assert client.post(tampered).status_code == 404
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert not theirs.is_ready and not mine.is_ready


def test_links_expire(client, user):
    incident = confirmed(user)
    ready, reconfirm = _ready_url(incident), _ready_url(incident, readiness.RECONFIRMED)
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        assert client.post(reconfirm).status_code == 404  # re-confirming ends at the start
        assert client.get(ready).status_code == 200  # "I'm ready" still, until the end
    with time_machine.travel(START + timedelta(minutes=46), tick=False):
        page = client.get(ready)
        assert page.status_code == 404 and b"expired" in page.content


def test_a_link_for_an_outdated_time_records_nothing(client, user):
    incident = confirmed(user)
    url = _ready_url(incident)
    confirm(incident, start=START + timedelta(days=1), now=DUE_1H - timedelta(hours=2))
    with time_machine.travel(DUE_1H, tick=False):
        assert b"no longer current" in client.get(url).content
        client.post(url)
    assert not incident.reschedules.get(cancelled_at__isnull=True).is_ready


# Escalation rows -----------------------------------------------------------------------------


def test_no_click_escalates_to_the_person_and_the_partner(user):
    with_partner(user)
    incident = confirmed(user)
    run_at(DUE_24H + timedelta(seconds=5))
    assert K.ESCALATION not in reminders_by_kind(incident)
    run_at(DUE_1H + timedelta(seconds=5))
    rows = reminders_by_kind(incident)
    assert rows[K.ESCALATION].status == S.PENDING
    assert rows[K.ESCALATION].due_at == ESCALATE and rows[K.ESCALATION].expires_at == START
    assert rows[K.PARTNER_ESCALATION].due_at == ESCALATE
    mail.outbox.clear()
    assert run_at(ESCALATE + timedelta(seconds=5)).sent == 2
    to_person = next(m for m in mail.outbox if m.to == [user.email])
    to_partner = next(m for m in mail.outbox if m.to == [PARTNER])
    assert to_person.subject == "Your interview starts in 30 minutes: open the link now"
    assert "I'm ready: " in to_person.body
    assert "hasn't confirmed they're ready" in to_partner.subject
    assert "A call now might help" in to_partner.body
    assert "I'm ready" not in to_partner.body  # the person's link is theirs only
    message_id = reminders_by_kind(incident)[K.ESCALATION].message_id
    assert to_person.extra_headers["Message-ID"] == message_id
    assert message_id.endswith(f".escalation.v1@{message_id.split('@')[1]}")


def test_the_click_cancels_the_escalation_and_nothing_is_sent(client, user):
    with_partner(user)
    incident = confirmed(user)
    run_at(DUE_1H + timedelta(seconds=5))
    url = link_in(mail.outbox[-1], "I'm ready")
    with time_machine.travel(DUE_1H + timedelta(minutes=10), tick=False):
        client.post(path_of(url))
    rows = reminders_by_kind(incident)
    for kind in (K.ESCALATION, K.PARTNER_ESCALATION):
        assert rows[kind].status == S.CANCELLED
        assert rows[kind].reason == planning.READY_REASON
    mail.outbox.clear()
    assert run_at(ESCALATE + timedelta(seconds=5)).sent == 0
    assert mail.outbox == []


def test_ready_before_the_1h_reminder_means_no_escalation_row(client, user):
    incident = confirmed(user)
    with time_machine.travel(DUE_1H - timedelta(minutes=5), tick=False):
        client.post(_ready_url(incident))
    run_at(DUE_1H + timedelta(seconds=5))
    assert K.ESCALATION not in reminders_by_kind(incident)


def test_escalation_turned_off_in_the_profile_is_skipped(user):
    user.profile.reminders_off = [planning.ESCALATION]
    user.profile.save()
    incident = confirmed(user)
    run_at(DUE_1H + timedelta(seconds=5))
    row = reminders_by_kind(incident)[K.ESCALATION]
    assert row.status == S.SKIPPED and "turned off" in row.reason
    mail.outbox.clear()
    assert run_at(ESCALATE + timedelta(seconds=5)).sent == 0


def test_a_click_after_the_claim_cancels_at_the_recheck(client, user):
    incident = confirmed(user)
    run_at(DUE_1H + timedelta(seconds=5))
    token, ids = dispatch.claim(now=ESCALATE, limit=50, lease=timedelta(seconds=60))
    assert reminders_by_kind(incident)[K.ESCALATION].status == S.SENDING
    r = incident.reschedules.get(cancelled_at__isnull=True)
    from tracker.incidents.services.readiness import interview_readiness_record

    interview_readiness_record(
        incident=incident, reschedule_id=r.pk, version=r.version, what="ready", now=ESCALATE
    )
    mail.outbox.clear()
    with time_machine.travel(ESCALATE, tick=False):
        result = dispatch.process(token, ids, lease=timedelta(seconds=60))
    assert result.sent == 0 and mail.outbox == []
    row = reminders_by_kind(incident)[K.ESCALATION]
    assert row.status == S.CANCELLED and row.reason == planning.READY_REASON


def test_a_move_after_the_1h_reminder_cancels_the_escalation(user):
    incident = confirmed(user)
    run_at(DUE_1H + timedelta(seconds=5))
    confirm(incident, start=START + timedelta(days=1), now=DUE_1H + timedelta(minutes=5))
    rows = Reminder.objects.filter(incident=incident, kind=K.ESCALATION)
    assert [r.status for r in rows] == [S.CANCELLED]


# Display -------------------------------------------------------------------------------------


def test_incident_page_and_panel_show_readiness(client_for, user):
    incident = confirmed(user)
    client = client_for(user)
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "Not marked ready yet" in page and "Not re-confirmed yet" in page
    r = incident.reschedules.get(cancelled_at__isnull=True)
    from tracker.incidents.services.readiness import interview_readiness_record

    for what in ("ready", "reconfirmed"):
        interview_readiness_record(
            incident=incident, reschedule_id=r.pk, version=r.version, what=what, now=DUE_1H
        )
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert page.count("✓ You said you're ready") == 2  # the interview and the panel
    assert page.count("✓ Re-confirmed with them") == 2


def test_a_failed_replan_after_the_1h_reminder_is_tried_again_after_the_commit(
    user, monkeypatch, django_capture_on_commit_callbacks
):
    from tracker.reminders import receivers

    incident = confirmed(user)
    real = receivers.reminders_sync
    calls = []

    def flaky(**kw):
        calls.append(kw["now"])
        if len(calls) == 1:
            raise RuntimeError("lock timeout")
        return real(**kw)

    monkeypatch.setattr(receivers, "reminders_sync", flaky)
    with time_machine.travel(DUE_1H + timedelta(seconds=5), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert dispatch.run().sent == 1
    assert len(calls) == 2
    rows = reminders_by_kind(incident)
    assert rows[K.BEFORE_1H].status == S.SENT  # the failure never undid the sent mark
    assert rows[K.ESCALATION].status == S.PENDING and rows[K.ESCALATION].due_at == ESCALATE
