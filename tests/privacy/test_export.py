"""Download my data: one ZIP with data.json, a CSV per table and each agreed interview as .ics;
built in the request for a small account and by the worker for a large one, behind a signed
link that expires. The tests read the ZIP back and find every row."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from tests.factories import UserFactory
from tests.privacy.conftest import STRINGS
from tests.web.conftest import NOW
from tracker.privacy import export, services, tasks, tokens
from tracker.privacy.models import DataExport

pytestmark = pytest.mark.django_db


def read_zip(content: bytes) -> tuple[dict, dict[str, list[dict]], dict[str, bytes]]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    data = json.loads(archive.read("data.json"))
    tables = {}
    for name in archive.namelist():
        if name.startswith("csv/"):
            text = archive.read(name).decode("utf-8-sig")
            tables[name[4:-4]] = list(csv.DictReader(io.StringIO(text)))
    ics = {n: archive.read(n) for n in archive.namelist() if n.endswith(".ics")}
    return data, tables, ics


def test_the_zip_holds_every_row_of_every_table_in_json_and_csv(world):
    person = world["person"]
    content, counts = export.build_zip(person, now=NOW)
    data, tables, ics = read_zip(content)

    assert data["account"]["email"] == STRINGS["email"]
    assert data["profile"]["full_name"] == STRINGS["full_name"]
    assert data["profile"]["partner_email"] == STRINGS["partner"]
    assert tables["profile"][0]["phone"] == STRINGS["phone"]
    for table in export.TABLES:
        expected = sorted(table.rows(person).values_list("pk", flat=True))
        assert expected or table.name in ("contact_erasures",), f"no {table.name} to check"
        assert sorted(r["id"] for r in data[table.name]) == expected, table.name
        assert sorted(int(r["id"]) for r in tables[table.name]) == expected, table.name
        assert counts[table.name] == len(expected)
        # Every column a row has in the database is in the file, with its value.
        cols = export.columns(table.model)
        assert list(tables[table.name][0].keys()) == cols if expected else True
    # The person's words are in it, the dispatcher's bookkeeping is not.
    text = json.dumps(data)
    for key in (
        "notes",
        "lessons",
        "contact_email",
        "contact_phone",
        "outreach_text",
        "location",
        "material",
        "comment",
        "coach_email",
    ):
        assert STRINGS[key] in text, key
    assert "lease_token" not in data["reminders"][0]
    assert {r["status"] for r in data["reminders"]} >= {"pending"}
    assert all("sent_at" in r and "due_at" in r for r in data["reminders"])
    # Reschedules carry their slots.
    pending = next(r for r in data["reschedules"] if r["incident_id"] == world["first"].pk)
    assert len(pending["slots"]) == 2
    # The lessons of the closed incident.
    third = next(i for i in data["incidents"] if i["id"] == world["third"].pk)
    assert third["lessons"] == STRINGS["lessons"]
    # Every agreed interview as .ics: the one confirmed (second incident).
    assert list(ics) == [f"calendar/incident-{world['second'].pk}-velquist-logistics.ics"]
    event = Calendar.from_ical(next(iter(ics.values()))).walk("VEVENT")[0]
    assert event["UID"].startswith(f"incident-{world['second'].pk}-interview@")
    assert event.decoded("DTSTART") == NOW + timedelta(days=3)
    assert counts["calendar_files"] == 1
    # Another person's rows are not in it.
    other = UserFactory()
    from tests.web.conftest import log_incident

    log_incident(other, company="Someone Else Corp")
    again, _ = export.build_zip(person, now=NOW)
    assert b"Someone Else Corp" not in zipfile.ZipFile(io.BytesIO(again)).read("data.json")


def test_a_small_account_gets_its_zip_in_the_request_behind_a_link(client, world, clock):
    person = world["person"]
    client.force_login(person)
    page = client.post(reverse("export_create"), follow=True)
    assert "Your export is ready" in page.content.decode()
    export_row = DataExport.objects.get(owner=person)
    assert export_row.status == "ready"
    assert export_row.expires_at == NOW + timedelta(hours=24)
    href = re.search(r'href="(/privacy/export/download/\?token=[^"]+)"', page.content.decode())
    assert href, "no download link on the page"
    response = client.get(html.unescape(href.group(1)))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    data, _, _ = read_zip(response.content)
    assert len(data["incidents"]) == 3


def test_the_link_is_the_owners_only_and_expires(client, world, clock):
    person = world["person"]
    row, mode = services.export_request(owner=person, now=NOW)
    assert mode == "inline"
    services.export_build(export_id=row.pk, now=NOW)
    link = reverse("export_download") + "?token=" + tokens.export_token(row)

    client.force_login(UserFactory())
    refused = client.get(link, follow=True)
    assert refused.redirect_chain[0][1] == 302
    assert "This download link is not valid." in refused.content.decode()

    client.force_login(person)
    assert client.get(link).status_code == 200
    assert client.get(link + "x", follow=True).content.decode().count("not valid") == 1
    clock.move_to(NOW + timedelta(hours=24, seconds=1))
    gone = client.get(link, follow=True)
    assert "This download link has expired" in gone.content.decode()
    # The sweep drops the content of expired exports.
    assert services.exports_expire(now=NOW + timedelta(hours=25)) == 1
    row.refresh_from_db()
    assert row.status == "expired" and row.content is None


def test_a_large_account_is_built_by_the_worker_with_progress(
    client, world, clock, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.PRIVACY_EXPORT_INLINE_ROWS = 10
    queued = []
    monkeypatch.setattr(tasks.build_export, "delay", lambda pk: queued.append(pk))
    person = world["person"]
    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("export_create"), follow=True)
    text = page.content.decode()
    assert "We are preparing your export" in text
    assert '<meta http-equiv="refresh" content="5">' in text
    assert "Preparing your export: Waiting for the worker" in text
    row = DataExport.objects.get(owner=person)
    assert queued == [row.pk] and row.status == "pending"
    # Asking again while it is prepared makes no second one.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("export_create"), follow=True)
    assert "already being prepared" in again.content.decode()
    assert DataExport.objects.filter(owner=person).count() == 1

    seen = []
    real = services.export.build_zip

    def spy(owner, *, now, progress):
        return real(owner, now=now, progress=lambda t: (seen.append(t), progress(t)))

    monkeypatch.setattr(services.export, "build_zip", spy)
    tasks.build_export.run(row.pk)
    assert seen[0].startswith("Writing incidents (1 of") and seen[-1].startswith("Packing")
    row.refresh_from_db()
    assert row.status == "ready" and row.size == len(bytes(row.content))
    assert row.counts["incidents"] == 3
    text = client.get(reverse("privacy")).content.decode()
    assert "Download the ZIP" in text and 'http-equiv="refresh"' not in text
    # A second worker given the same export does nothing.
    assert services.export_build(export_id=row.pk, now=NOW) is None


def test_the_sweep_builds_an_export_no_worker_took(world, clock, settings, monkeypatch):
    settings.PRIVACY_EXPORT_INLINE_ROWS = 0
    row, mode = services.export_request(owner=world["person"], now=NOW)
    assert mode == "worker"
    clock.move_to(NOW + timedelta(minutes=11))
    tasks.retention_sweep.run()
    row.refresh_from_db()
    assert row.status == "ready"


def test_export_needs_a_post_and_a_login(client, world):
    assert client.get(reverse("export_create")).status_code == 302  # to the login
    client.force_login(world["person"])
    assert client.get(reverse("export_create")).status_code == 405
    bare = client.get(reverse("export_download"), follow=True)
    assert "Ask for an export first" in bare.content.decode()
