"""Delete my account: asks for the password, cancels the pending reminders first, then erases
every row of the person and every contact detail they entered. The admin keeps anonymous
counts. The test searches every text column of every table of the database for each string
of the person."""

from __future__ import annotations

import json

import pytest
from axes.models import AccessLog
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.privacy.conftest import STRINGS, populated_person
from tests.web.conftest import NOW, log_incident
from tracker.incidents.models import Incident
from tracker.privacy import services
from tracker.privacy.models import CoachAccess, DeletedAccount
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db(transaction=False)

PASSWORD = "correct horse battery"


def every_text_value() -> list[tuple[str, str, str]]:
    """(table, column, value) for every text value in every column of every table."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            names = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for name, value in zip(names, row, strict=True):
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("latin-1")
                    if isinstance(value, dict | list):
                        value = json.dumps(value)
                    if isinstance(value, str):
                        found.append((table, name, value))
    return found


def holding(strings) -> list[tuple[str, str, str]]:
    needles = [s.lower() for s in strings]
    return [(t, c, s) for t, c, v in every_text_value() for s in needles if s in v.lower()]


def traces(world, staff):
    """What else names the person: a login record (django-axes), an admin log line about
    their incident, and a coach invitation another person sent to their address."""
    Client().post(reverse("login"), {"login": STRINGS["email"], "password": PASSWORD})
    Client().post(reverse("login"), {"login": STRINGS["email"], "password": "wrong guess"})
    assert AccessLog.objects.filter(username=STRINGS["username"]).exists()
    incident = world["first"]
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Incident),
        object_id=str(incident.pk),
        object_repr=str(incident),
        action_flag=CHANGE,
        change_message="[]",
    )
    inviter = UserFactory()
    services.coach_invite(person=inviter, email=STRINGS["email"], share_contacts=True, now=NOW)


def test_deleting_a_populated_account_leaves_none_of_its_strings_in_any_column(clock, monkeypatch):
    world = populated_person()
    staff = UserFactory(is_staff=True)
    traces(world, staff)
    person = world["person"]
    # Someone else's account, to see it untouched.
    other = UserFactory()
    theirs = log_incident(other, company="Untouched Corp")

    mine = [s for k, s in STRINGS.items() if k != "coach_email"]
    before = holding(mine)
    tables = {t for t, _, _ in before}
    # The search can fail: before, the strings are all over the database.
    assert {
        "auth_user",
        "accounts_profile",
        "incidents_incident",
        "incidents_contact",
        "incidents_outreach",
        "incidents_reschedule",
        "incidents_timelineevent",
        "incidents_promisedmaterial",
        "privacy_coachcomment",
        "privacy_coachaccess",
        "account_emailaddress",
        "axes_accesslog",
        "axes_accessattempt",
        "django_admin_log",
    } <= tables, tables
    assert {s.lower() for _, _, s in before} == {s.lower() for s in mine}

    calls = []
    real = services.reminders_cancel

    def spy(*, reminders, now, reason):
        reminders = list(reminders)
        assert reminders and all(r.status == "pending" for r in reminders)
        done = real(reminders=reminders, now=now, reason=reason)
        calls.append([r.pk for r in reminders])
        return done

    monkeypatch.setattr(services, "reminders_cancel", spy)
    pending = set(
        Reminder.objects.filter(incident__owner=person, status="pending").values_list(
            "pk", flat=True
        )
    )
    record = services.account_delete(user=person, now=NOW)

    assert len(calls) == 1 and set(calls[0]) == pending
    after = holding(mine)
    assert after == [], f"strings of the deleted person still in the database: {after}"
    # The coach's own account keeps its address; no row links it to the person any more.
    coach_rows = {t for t, _, _ in holding([STRINGS["coach_email"]])}
    assert coach_rows <= {"auth_user", "account_emailaddress"}, coach_rows
    assert not CoachAccess.objects.filter(email=STRINGS["coach_email"]).exists()
    # Anonymous counts only.
    assert record.counts["incidents"] == 3 and record.counts["reminders_cancelled"] == len(pending)
    assert set(DeletedAccount.objects.values_list("pk", flat=True)) == {record.pk}
    assert str(record.counts).lower().count("qorvath") == 0
    # The others are untouched.
    assert Incident.objects.filter(pk=theirs.pk, company="Untouched Corp").exists()
    assert world["coach"].__class__.objects.filter(pk=world["coach"].pk).exists()
    assert staff.__class__.objects.filter(pk=staff.pk).exists()
    print(
        f"delete search: {len(before)} hits in {len(tables)} tables before "
        f"({', '.join(sorted(tables))}), 0 after; {len(every_text_value())} text values "
        "searched after"
    )


def test_the_page_asks_for_the_password_and_logs_out(client, world):
    person = world["person"]
    client.force_login(person)
    page = client.get(reverse("account_delete"))
    assert page.status_code == 200 and 'type="password"' in page.content.decode()
    wrong = client.post(reverse("account_delete"), {"password": "nope", "confirm": "on"})
    assert wrong.status_code == 200
    assert "That is not your password." in wrong.content.decode()
    unticked = client.post(reverse("account_delete"), {"password": PASSWORD})
    assert unticked.status_code == 200
    assert person.__class__.objects.filter(pk=person.pk).exists()
    assert Reminder.objects.filter(incident__owner=person, status="pending").exists()

    done = client.post(
        reverse("account_delete"), {"password": PASSWORD, "confirm": "on"}, follow=True
    )
    assert done.redirect_chain[-1][0].startswith(reverse("login"))
    assert "Your account and everything in it have been deleted." in done.content.decode()
    assert not person.__class__.objects.filter(pk=person.pk).exists()
    assert client.get(reverse("profile")).status_code == 302  # logged out
    assert DeletedAccount.objects.count() == 1
    # The coach's view of the person's incidents is gone with them.
    coach = Client()
    coach.force_login(world["coach"])
    assert coach.get(reverse("shared_incident", args=[world["first"].pk])).status_code == 404
