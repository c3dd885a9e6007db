"""reschedule_confirm: confirming, moving and updating the rescheduled interview, its version, and
two concurrent moves."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from tests import scenarios
from tests.factories import ContactFactory
from tests.incidents.race import race_two_moves
from tests.incidents.services import assert_synced_once_inside, kinds
from tests.scenarios import OTHER_START, START, T0
from tracker.incidents import services
from tracker.incidents.models import Reschedule
from tracker.incidents.services import TransitionRefused

pytestmark = pytest.mark.django_db


# reschedule_confirm ---------------------------------------------------------------------------


def test_confirm_an_accepted_request_sets_version_one(user, syncs):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    slot = reschedule.slots.first()
    services.reschedule_reply(reschedule=reschedule, reply="accepted", accepted_slot=slot,
                              now=T0 + timedelta(hours=1))
    now = T0 + timedelta(hours=2)
    interviewer = ContactFactory(owner=user)
    confirmed = scenarios.confirm(incident, start=slot.start, now=now, interviewer=interviewer)
    assert confirmed.pk == reschedule.pk
    assert (confirmed.version, confirmed.confirmed_at, confirmed.start) == (1, now, slot.start)
    assert confirmed.accepted_slot == slot
    assert confirmed.interviewer == interviewer
    assert confirmed.is_confirmed
    assert confirmed.end == slot.start + timedelta(minutes=45)
    assert incident.timeline.last().message == (
        "Confirmed the interview for Thu 5 Mar 2026, 20:30 IST (Asia/Kolkata)"
    )
    assert_synced_once_inside(syncs, incident, now)


def test_confirm_a_pending_request_counts_as_their_acceptance(user):
    incident = scenarios.apologised(user)
    reschedule = scenarios.request(incident)
    confirmed = scenarios.confirm(incident)
    assert confirmed.pk == reschedule.pk
    assert (confirmed.reply, confirmed.replied_at) == ("accepted", T0 + timedelta(hours=1))


def test_confirm_without_a_request_records_a_direct_agreement(user):
    incident = scenarios.apologised(user)
    confirmed = scenarios.confirm(incident)
    assert (confirmed.reply, confirmed.version, confirmed.slots.count()) == ("accepted", 1, 0)


def test_confirm_the_same_time_again_keeps_the_version(user):
    incident = scenarios.confirmed(user)
    again = scenarios.confirm(incident, location="Room 4", duration_minutes=60,
                          now=T0 + timedelta(hours=5))
    assert (again.version, again.location, again.duration_minutes) == (1, "Room 4", 60)
    assert incident.timeline.last().message.startswith("Updated the details")
    # The same instant written in another zone is the same time.
    again = scenarios.confirm(incident, start=START.astimezone(ZoneInfo("Asia/Kathmandu")),
                          time_zone="Asia/Kathmandu", now=T0 + timedelta(hours=6))
    assert (again.version, again.time_zone) == (1, "Asia/Kathmandu")


def test_moving_the_confirmed_time_bumps_the_version(user, syncs):
    incident = scenarios.confirmed(user)
    now = T0 + timedelta(hours=5)
    moved = scenarios.confirm(incident, start=OTHER_START, now=now)
    assert (moved.version, moved.start) == (2, OTHER_START)
    assert incident.timeline.last().message == (
        "Moved the interview from Thu 5 Mar 2026, 20:30 IST (Asia/Kolkata) to "
        "Fri 6 Mar 2026, 15:00 IST (Asia/Kolkata)"
    )
    back = scenarios.confirm(incident, start=START, now=now + timedelta(hours=1))
    assert back.version == 3
    assert Reschedule.objects.filter(incident=incident).count() == 1
    assert_synced_once_inside(syncs, incident, now + timedelta(hours=1))


@pytest.mark.parametrize(
    ("walk", "start", "message"),
    [
        (scenarios.logged, START, "apology"),
        (scenarios.apologised, T0 + timedelta(minutes=30), "in the past"),
        (scenarios.attended, START + timedelta(days=3), "already took place"),
    ],
)
def test_confirm_is_refused(user, walk, start, message, syncs):
    incident = walk(user)
    before = (Reschedule.objects.count(), len(kinds(incident)), len(syncs))
    with pytest.raises(TransitionRefused, match=message):
        scenarios.confirm(incident, start=start, now=START + timedelta(hours=2)
                      if walk is scenarios.attended else T0 + timedelta(hours=1))
    assert (Reschedule.objects.count(), len(kinds(incident)), len(syncs)) == before


def test_confirm_is_refused_on_a_closed_incident(user):
    incident = scenarios.apologised(user)
    services.incident_close(incident=incident, outcome="moved_on", now=T0 + timedelta(hours=1))
    with pytest.raises(TransitionRefused, match="closed"):
        scenarios.confirm(incident, now=T0 + timedelta(hours=2))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"duration_minutes": 0}, TransitionRefused),
        ({"format": ""}, ValidationError),
        ({"time_zone": "Nowhere/Land"}, ValidationError),
        ({"location": "x" * 501}, ValidationError),
    ],
)
def test_confirm_refuses_bad_values(user, kwargs, error):
    incident = scenarios.apologised(user)
    with pytest.raises(error):
        scenarios.confirm(incident, **kwargs)
    assert not Reschedule.objects.exists()


def test_confirm_refuses_another_persons_interviewer(user, other_user):
    incident = scenarios.apologised(user)
    with pytest.raises(PermissionDenied):
        scenarios.confirm(incident, interviewer=ContactFactory(owner=other_user))


def test_confirm_after_reopening_a_decline_starts_a_fresh_reschedule(user):
    incident = scenarios.apologised(user)
    declined = scenarios.request(incident)
    services.reschedule_reply(reschedule=declined, reply="declined", now=T0 + timedelta(hours=1))
    services.incident_reopen(incident=incident, now=T0 + timedelta(hours=2))
    confirmed = scenarios.confirm(incident, now=T0 + timedelta(hours=3))
    declined.refresh_from_db()
    assert confirmed.pk != declined.pk
    assert declined.cancelled_at == T0 + timedelta(hours=3)
    assert (declined.reply, confirmed.reply, confirmed.version) == ("declined", "accepted", 1)


# Concurrency ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_moves_never_bump_the_version_from_the_same_base(tmp_path):
    """Both writers read the confirmed interview at version 1, then write. Without the row lock
    (PostgreSQL) or IMMEDIATE transactions (SQLite) both would write version 2."""
    if connection.vendor == "sqlite":
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
               "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "tracker.settings"}
        done = subprocess.run(
            [sys.executable, "-m", "tests.incidents.race"], env=env, cwd=settings_dir(),
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        result = json.loads(done.stdout.strip().splitlines()[-1])
    else:
        result = race_two_moves()
    assert result["errors"] == []
    assert result["version"] == 3
    first, second = result["moves"]
    # The second move starts from where the first one left the interview.
    assert first.split(" to ")[1] in second.split(" to ")[0]


def settings_dir():
    from django.conf import settings as django_settings

    return str(django_settings.BASE_DIR)


# A new time re-opens what was done for the old one --------------------------------------------

TIME_BOUND = {"confirmation_sent", "both_zones", "confirm_day_before", "duplicate_alarms"}


def _tick_all(incident, now):
    from tracker.incidents.services.alarm_test import alarm_test_answer, alarm_test_start

    for s in incident.safeguards.exclude(kind="duplicate_alarms"):
        services.safeguard_set(safeguard=s, done=True, now=now)
    # Issue 15: "Alarms on two devices" is ticked by a passed alarm self-test only.
    alarm_test_start(incident=incident, now=now - timedelta(minutes=10))
    alarm_test_answer(incident=incident, rang=True, now=now)


def _open_kinds(incident):
    return {s.kind for s in incident.safeguards.all() if s.done_at is None}


def test_a_move_unticks_the_safeguards_tied_to_the_time_and_asks_to_confirm_again(user):
    from tracker.incidents.selectors import situation_for

    incident = scenarios.confirmed(user)
    _tick_all(incident, T0 + timedelta(hours=2))
    assert _open_kinds(incident) == set()
    assert situation_for(incident).actions[0].code == "safeguards"

    scenarios.confirm(incident, start=OTHER_START, now=T0 + timedelta(hours=3))

    kinds_here = {s.kind for s in incident.safeguards.all()}
    assert _open_kinds(incident) == TIME_BOUND & kinds_here
    assert "prep_block" in kinds_here and "prep_block" not in _open_kinds(incident)
    first = situation_for(incident).actions[0]
    assert (first.code, first.draft) == ("confirm_in_writing", "confirmation")
    assert incident.timeline.filter(message__startswith="Again for the new time:").count() == 1


def test_changing_only_the_link_keeps_the_ticks(user):
    incident = scenarios.confirmed(user)
    _tick_all(incident, T0 + timedelta(hours=2))
    scenarios.confirm(incident, now=T0 + timedelta(hours=3), location="https://meet.example/new")
    assert _open_kinds(incident) == set()


def test_a_new_time_after_a_call_off_unticks_them_too(user):
    incident = scenarios.confirmed(user)
    _tick_all(incident, T0 + timedelta(hours=2))
    services.reschedule_cancel(
        reschedule=incident.reschedules.get(cancelled_at__isnull=True),
        now=T0 + timedelta(hours=3),
    )
    scenarios.confirm(incident, start=OTHER_START, now=T0 + timedelta(hours=4))
    assert _open_kinds(incident) == TIME_BOUND & {s.kind for s in incident.safeguards.all()}
