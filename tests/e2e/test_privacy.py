"""Issue 16 in a real browser: the person downloads their data (the ZIP is read back) and
deletes their account with their password; a coach is invited, accepts through the emailed
link and comments, and the person sees the comment."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests.factories import UserFactory
from tests.privacy.conftest import STRINGS, populated_person
from tracker.privacy.models import DeletedAccount

from .helpers import exactly, log_in, step

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"


def expect_message(page, text):
    """The page the last click led to says `text` in a message (waited for)."""
    alert = page.locator(".alert").filter(has_text=text)
    alert.wait_for()
    assert alert.count() == 1, page.locator(".alert").all_inner_texts()


def test_download_my_data_then_delete_my_account(page, journey, live_server):
    world = populated_person()
    person = world["person"]
    log_in(page, live_server, person)

    with step(journey, "the profile leads to the data page"):
        page.goto("/accounts/profile/")
        page.get_by_role("link", name=re.compile("Your data")).click()
        page.wait_for_url(re.compile(r"/privacy/$"))
        assert page.get_by_role("heading", name="Your data", exact=True).is_visible()

    with step(journey, "download my data"):
        page.get_by_role("button", name="Download my data").click()
        expect_message(page, "Your export is ready")
        with page.expect_download() as info:
            page.get_by_role("link", name="Download the ZIP").click()
        download = info.value
        assert re.fullmatch(r"tracker-export-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
        archive = zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read()))
        data = json.loads(archive.read("data.json"))
        assert len(data["incidents"]) == 3
        assert {c["name"] for c in data["contacts"]} >= {STRINGS["contact"], STRINGS["contact2"]}
        assert any(n.startswith("calendar/") and n.endswith(".ics") for n in archive.namelist())
        assert "csv/outreach.csv" in archive.namelist()

    with step(journey, "a wrong password deletes nothing"):
        page.get_by_role("link", name="Delete my account…").click()
        page.get_by_label("Your password").fill("not my password")
        page.get_by_label(re.compile("I understand")).check()
        page.get_by_role("button", name="Delete my account for good").click()
        page.get_by_text("That is not your password.").wait_for()
        assert get_user_model().objects.filter(pk=person.pk).exists()

    with step(journey, "delete my account"):
        page.get_by_label("Your password").fill(PASSWORD)
        page.get_by_label(re.compile("I understand")).check()
        page.get_by_role("button", name="Delete my account for good").click()
        page.wait_for_url(re.compile(r"/accounts/login/"))
        expect_message(page, "Your account and everything in it have been deleted.")
        assert not get_user_model().objects.filter(pk=person.pk).exists()
        assert DeletedAccount.objects.get().counts["incidents"] == 3
        page.goto("/privacy/")
        page.wait_for_url(re.compile(r"/accounts/login/"))


def test_a_coach_is_invited_accepts_and_comments(page, journey, live_server, browser):
    person = UserFactory()
    person.profile.full_name = "Ines Varga"
    person.profile.save()
    from tests.web.conftest import log_incident

    incident = log_incident(person, company="Glimmer Labs")
    log_in(page, live_server, person)

    with step(journey, "invite a coach"):
        page.goto("/privacy/")
        page.get_by_label(exactly("Your coach's email")).fill("kim.coach@example.com")
        page.get_by_role("button", name="Invite a coach").click()
        expect_message(page, "We emailed kim.coach@example.com an invitation")
        (message,) = [m for m in mail.outbox if m.to == ["kim.coach@example.com"]]
        link = re.search(r"https?://[^/\s]+(/coach/accept/\S+/)", message.body).group(1)

    coach = UserFactory(email="kim.coach@example.com")
    context = browser.new_context(base_url=live_server.url)
    other = context.new_page()
    try:
        log_in(other, live_server, coach)
        with step(journey, "the coach accepts and sees the incident"):
            other.goto(link)
            assert other.get_by_text("Ines Varga asked you to coach them").is_visible()
            other.get_by_role("button", name="Accept").click()
            other.wait_for_url(re.compile(r"/coach/$"))
            other.locator(".alert").filter(has_text="You accepted").wait_for()
            other.get_by_role("link", name="Backend engineer at Glimmer Labs").click()
            assert other.get_by_text("Priya Raman").count() == 0  # contact details not shared
            other.get_by_role("textbox", name=re.compile("^Comment")).fill("Call them before noon.")
            other.get_by_role("button", name="Add a comment").click()
            other.locator(".alert").filter(has_text="Ines Varga sees it").wait_for()
            assert other.get_by_text("Call them before noon.").is_visible()
    finally:
        context.close()

    with step(journey, "the person sees the comment and ends the access"):
        page.goto("/privacy/")
        assert page.get_by_text("Call them before noon.").is_visible()
        page.get_by_role("link", name="Backend engineer at Glimmer Labs").click()
        page.wait_for_url(re.compile(r"/shared/"))
        assert page.url.endswith(f"/incidents/{incident.pk}/shared/#comments")
        page.goto("/privacy/")
        page.get_by_role("button", name="End access").click()
        expect_message(page, "kim.coach@example.com no longer sees your incidents")
