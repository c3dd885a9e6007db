"""outreach_record and thank_you_sent: the apology that moves to correct, follow-ups, the thank-you
note."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import scenarios
from tests.factories import ContactFactory
from tests.incidents.services import assert_synced_once_inside, fresh, kinds
from tests.scenarios import START, T0
from tracker.incidents import services
from tracker.incidents.models import Incident, Outreach
from tracker.incidents.selectors import situation_for
from tracker.incidents.services import TransitionRefused

pytestmark = pytest.mark.django_db


# outreach_record -----------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["call", "email"])
def test_first_apology_moves_to_correct_and_starts_nothing_else(user, channel, syncs):
    incident = scenarios.logged(user)
    at = T0 + timedelta(minutes=12)
    scenarios.apologise(incident, now=at, channel=channel)
    incident = fresh(incident)
    assert incident.phase == Incident.Phase.CORRECT
    assert incident.first_outreach_at == at
    assert incident.minutes_to_first_outreach == 12
    assert kinds(incident) == ["logged", "outreach", "phase"]
    assert incident.timeline.last().message == "Phase: Contain → Correct"
    assert syncs[-1]["phase"] == "correct"
    assert_synced_once_inside(syncs, incident, at)


def test_a_message_is_logged_but_stays_in_contain(user):
    incident = scenarios.logged(user)
    services.outreach_record(incident=incident, channel="message", result="sent", now=T0)
    incident = fresh(incident)
    assert (incident.phase, incident.first_outreach_at) == ("contain", None)
    assert kinds(incident) == ["logged", "outreach"]


def test_outreach_logged_late_is_dated_when_it_happened(user):
    incident = scenarios.logged(user)
    call_at = T0 + timedelta(minutes=5)
    services.outreach_record(
        incident=incident, channel="call", result="reached", occurred_at=call_at,
        now=T0 + timedelta(minutes=50),
    )
    event = incident.timeline.get(kind="outreach")
    assert event.at == call_at
    assert fresh(incident).first_outreach_at == call_at


@pytest.mark.parametrize(
    ("channel", "result"),
    [("call", "no_answer"), ("call", "voicemail"), ("voicemail", "voicemail")],
)
def test_an_unanswered_call_or_a_lone_voicemail_keeps_the_first_hour_open(
    user, channel, result, monkeypatch
):
    from tracker.reminders.models import Reminder

    monkeypatch.undo()  # the real reminders_sync, not the `syncs` spy: the nudge is the point
    incident = scenarios.logged(user)
    services.outreach_record(incident=incident, channel=channel, result=result,
                             now=T0 + timedelta(minutes=5))
    incident = fresh(incident)
    assert (incident.phase, incident.first_outreach_at) == ("contain", None)
    # The first-hour nudge stays, and the apology email is still what to do next.
    assert Reminder.objects.get(incident=incident, kind="first_hour").status == "pending"
    situation = situation_for(incident)
    assert situation.actions[0].code == "apology"
    # The email the voicemail promised ends the first hour.
    scenarios.apologise(incident, now=T0 + timedelta(minutes=9))
    incident = fresh(incident)
    assert (incident.phase, incident.first_outreach_at) == ("correct", T0 + timedelta(minutes=9))
    assert Reminder.objects.get(incident=incident, kind="first_hour").status == "cancelled"


def test_an_earlier_apology_logged_after_a_later_one_becomes_the_first(user):
    incident = scenarios.apologise(scenarios.logged(user), now=T0 + timedelta(minutes=40))
    services.outreach_record(
        incident=incident, channel="call", result="reached",
        occurred_at=T0 + timedelta(minutes=8), now=T0 + timedelta(minutes=45),
    )
    incident = fresh(incident)
    assert incident.first_outreach_at == T0 + timedelta(minutes=8)
    assert kinds(incident).count("phase") == 1


def test_outreach_refuses_the_future_and_before_discovery(user):
    incident = scenarios.logged(user)
    with pytest.raises(TransitionRefused, match="future"):
        services.outreach_record(
            incident=incident, channel="email", result="sent",
            occurred_at=T0 + timedelta(minutes=6), now=T0,
        )
    with pytest.raises(TransitionRefused, match="before the miss was discovered"):
        services.outreach_record(
            incident=incident, channel="email", result="sent",
            occurred_at=T0 - timedelta(minutes=6), now=T0,
        )
    assert not Outreach.objects.exists()


def test_outreach_refuses_another_persons_contact(user, other_user):
    incident = scenarios.logged(user)
    theirs = ContactFactory(owner=other_user)
    with pytest.raises(PermissionDenied):
        services.outreach_record(
            incident=incident, channel="email", result="sent", contact=theirs, now=T0
        )
    assert not Outreach.objects.exists()


def test_outreach_refuses_text_over_its_limit(user):
    incident = scenarios.logged(user)
    with pytest.raises(ValidationError) as exc:
        services.outreach_record(
            incident=incident, channel="email", result="sent", subject="s" * 201, now=T0
        )
    assert "subject" in exc.value.message_dict
    assert fresh(incident).phase == "contain"


def test_a_stale_incident_object_is_reloaded_before_deciding(user):
    incident = scenarios.logged(user)
    stale = Incident.objects.get(pk=incident.pk)
    scenarios.apologise(incident)
    services.outreach_record(incident=stale, channel="call", result="reached",
                             now=T0 + timedelta(minutes=20))
    assert stale.phase == "correct"
    assert kinds(incident).count("phase") == 1


def test_follow_up_marks_the_unanswered_request(user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    at = T0 + timedelta(days=3)
    scenarios.follow_up(incident, now=at)
    reschedule.refresh_from_db()
    assert reschedule.followed_up_at == at
    # A second follow-up keeps the first date.
    scenarios.follow_up(incident, now=at + timedelta(days=1))
    reschedule.refresh_from_db()
    assert reschedule.followed_up_at == at


def test_a_follow_up_dated_before_the_request_does_not_mark_it(user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident, now=T0 + timedelta(hours=3))
    services.outreach_record(
        incident=incident, channel="email", result="sent", purpose="follow_up",
        occurred_at=T0 + timedelta(hours=1), now=T0 + timedelta(hours=4),
    )
    reschedule.refresh_from_db()
    assert reschedule.followed_up_at is None


def test_follow_up_after_a_reply_does_not_mark_it(user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    services.reschedule_reply(
        reschedule=reschedule, reply="accepted", accepted_slot=reschedule.slots.first(),
        now=T0 + timedelta(hours=1),
    )
    scenarios.follow_up(incident)
    reschedule.refresh_from_db()
    assert reschedule.followed_up_at is None


# thank_you_sent ------------------------------------------------------------------------------


def test_thank_you_is_recorded_in_consolidate(user, syncs):
    incident = scenarios.attended(user)
    at = START + timedelta(hours=2)
    outreach = services.thank_you_sent(incident=incident, text="Thank you for …", now=at)
    incident = fresh(incident)
    assert (outreach.purpose, outreach.result) == ("thank_you", "sent")
    assert incident.thank_you_sent_at == at
    assert incident.phase == "consolidate"
    assert incident.timeline.last().message == "Thank-you note: Email, sent"
    assert_synced_once_inside(syncs, incident, at)


@pytest.mark.parametrize("walk", [scenarios.logged, scenarios.apologised, scenarios.confirmed])
def test_thank_you_is_refused_before_the_interview(user, walk):
    incident = walk(user)
    with pytest.raises(TransitionRefused, match="after the rescheduled interview"):
        services.thank_you_sent(incident=incident, now=START)
    assert fresh(incident).thank_you_sent_at is None
    assert not Outreach.objects.filter(purpose="thank_you").exists()


def test_thank_you_is_refused_on_a_closed_incident(user):
    incident = scenarios.ready_to_close(user)
    services.incident_close(incident=incident, outcome="recovered", now=START + timedelta(days=1))
    with pytest.raises(TransitionRefused):
        services.thank_you_sent(incident=incident, now=START + timedelta(days=2))
