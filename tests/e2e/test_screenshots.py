"""`make screenshots` (issue 11): the main pages, the incident page in each phase, at 1280 and
375 px wide, written as docs/screenshots/<page>-<width>.png. Run as part of the browser tier it
writes them to a temporary folder (and checks each is a real, full-page image); `make
screenshots` sets SCREENSHOTS_DIR to docs/screenshots."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tracker.incidents import services

from .helpers import fill_wall_time, log_in
from .test_mobile import seed

WIDTHS = {"1280": (1280, 900), "375": (375, 740)}


@pytest.fixture
def folder(tmp_path) -> Path:
    path = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def shoot(browser, live_server, user, pages, folder) -> list[Path]:
    written = []
    for width, (w, h) in WIDTHS.items():
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": w, "height": h},
            timezone_id="America/Chicago",
        )
        page = context.new_page()
        if user is not None:
            log_in(page, live_server, user)
        for name, url in pages:
            page.goto(url)
            path = folder / f"{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            written.append(path)
        context.close()
    return written


def test_screenshots_of_the_main_pages_at_1280_and_375(browser, live_server, folder):
    now = datetime.now(UTC)
    visitor = browser.new_context(base_url=live_server.url)
    page = visitor.new_page()
    page.goto("/")
    page.get_by_label("Your name").fill("Alex Morgan")
    page.get_by_label("Company").fill("Acme Analytics")
    page.get_by_label("Role you interviewed for").fill("Data engineer")
    page.get_by_label("Interviewer's name").fill("Priya Raman")
    fill_wall_time(page, "When the interview was", (now - timedelta(minutes=30)).astimezone())
    page.get_by_label("Time zone the interview was set in").fill("Asia/Kolkata")
    page.get_by_label("What happened").select_option(label="Time-zone error")
    page.get_by_role("button", name="Show me what to say").click()
    page.wait_for_url("**/start/drafts/")
    written = []
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        for name, url in (("start", "/start/"), ("start-drafts", "/start/drafts/")):
            page.goto(url)
            path = folder / f"{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            written.append(path)
    visitor.close()

    user = UserFactory(profile_zone="America/Chicago")
    incidents = {
        state: seed(user, state, now, n)
        for n, state in enumerate(("just logged", "awaiting their reply", "confirmed"), start=1)
    }
    consolidate = seed(user, "confirmed", now - timedelta(days=3), 4)
    interview = consolidate.reschedules.get(cancelled_at__isnull=True)
    services.interview_attended(incident=consolidate, now=interview.start + timedelta(hours=1))
    closed = seed(user, "just logged", now, 5)
    services.incident_close(incident=closed, outcome="moved_on", now=now)
    pages = [
        ("dashboard", reverse("dashboard")),
        ("incident-contain", reverse("incident_detail", args=[incidents["just logged"].pk])),
        (
            "incident-correct-awaiting-reply",
            reverse("incident_detail", args=[incidents["awaiting their reply"].pk]),
        ),
        (
            "incident-correct-confirmed",
            reverse("incident_detail", args=[incidents["confirmed"].pk]),
        ),
        ("incident-consolidate", reverse("incident_detail", args=[consolidate.pk])),
        ("incident-closed", reverse("incident_detail", args=[closed.pk])),
        (
            "draft-apology-email",
            reverse("draft", args=[incidents["just logged"].pk, "apology_email"]),
        ),
        ("log-form", reverse("incident_log")),
    ]
    written += shoot(browser, live_server, user, pages, folder)

    assert len(written) == 2 * (2 + len(pages))
    for path in written:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", path
        assert len(data) > 5_000, path
    print(f"\n{len(written)} screenshots in {folder}")
