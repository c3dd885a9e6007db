"""Issue 11's two first-hour rules in a real browser, read from the page as the person sees it:

- a call with no answer (and a lone voicemail) keeps the incident in Contain, with the
  first-hour clock on top and the apology email as the next step; the apology email recorded
  as sent ends the first hour;
- moving a confirmed interview un-ticks the safeguards tied to its time ("for the new time")
  and the next step asks to confirm the new time in writing.

The log form by keyboard, with a city typed into the interview's zone, picked from the offered
zones with the keyboard and the live conversion read from the page, is in test_keyboard.py.
"""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tracker.incidents import services
from tracker.incidents.models import Incident, Safeguard

from .helpers import expect_message, fill_log_form, fill_wall_time, log_in, phase_badge, step

KOLKATA = ZoneInfo("Asia/Kolkata")
WRITTEN = Safeguard.Kind.CONFIRMATION_SENT.label
BOTH_ZONES = Safeguard.Kind.BOTH_ZONES.label
PREP = Safeguard.Kind.PREP_BLOCK.label  # not about the time: a move leaves it ticked
APOLOGY_STEP = "Call, leave a voicemail or send the apology email"


def current_phase(page) -> str:
    """The phase the stepper marks as the current step."""
    return page.locator(".phase-stepper [aria-current=step]").inner_text().strip()


def next_step(page):
    """The one next step: the primary button of the card on top."""
    return page.locator("#now #next .btn-primary")


def assert_first_hour_still_on(page, incident_pk):
    """Contain, the first-hour clock still running on top (an outreach that did not reach them
    does not stop it), and the apology email as the next step."""
    assert phase_badge(page) == "Contain"
    assert current_phase(page) == "Contain"
    headline = page.locator("#now #first-hour")
    assert headline.is_visible(), page.locator("#now").inner_text()
    text = headline.inner_text()
    clock = re.fullmatch(r"(\d+) min since you found out: (\d+) min left in the first hour", text)
    assert clock, text
    since, left = int(clock.group(1)), int(clock.group(2))
    assert since >= 5 and since + left in (59, 60), text
    step_link = next_step(page)
    assert step_link.inner_text() == APOLOGY_STEP, step_link.inner_text()
    assert step_link.get_attribute("href") == reverse(
        "draft", args=[incident_pk, "apology_email"]
    )
    # The first hour's drafts are still offered on the card.
    assert page.locator("#now").get_by_role("link", name="apology email", exact=True).is_visible()


def record_outreach(page, *, channel, result, listed):
    """Fill in the incident page's outreach form, as the person would, and send it; the page's
    outreach list then shows the line `listed`."""
    section = page.locator("#record-outreach")
    if not section.evaluate("d => d.open"):
        section.get_by_text("Record a call, voicemail, email or message").click()
    section.get_by_label("Channel").select_option(label=channel)
    assert section.get_by_label("Purpose").evaluate("el => el.selectedOptions[0].label") == (
        "Apology"
    )
    section.get_by_label("Result").select_option(label=result)
    section.get_by_role("button", name="Record it").click()
    page.wait_for_url(re.compile(r"/incidents/\d+/(#outreach)?$"))
    expect_message(page, "Recorded:")
    outreach = page.locator("#outreach").inner_text()
    assert listed in outreach, outreach


def test_a_call_with_no_answer_and_a_voicemail_keep_contain_until_the_apology_email(
    page, journey, live_server
):
    user = UserFactory(profile_zone="America/Chicago")
    log_in(page, live_server, user)
    start = datetime.now(UTC)
    missed = (start - timedelta(minutes=30)).astimezone(KOLKATA).replace(second=0, microsecond=0)

    with step(journey, "log the missed interview"):
        page.goto(reverse("incident_log"))
        fill_log_form(page, missed)
        page.get_by_role("button", name="Log it and start the first hour").click()
        page.wait_for_url(re.compile(r"/incidents/\d+/$"))
        incident_url = page.url
        incident_pk = int(re.search(r"/incidents/(\d+)/$", incident_url).group(1))
        assert phase_badge(page) == "Contain"
        clock = page.locator("#now #first-hour").inner_text()
        assert re.search(r"\b5 min since you found out: 5[45] min left in the first hour",
                         clock), clock
        assert next_step(page).inner_text() == APOLOGY_STEP

    with step(journey, "record a call with no answer on the page"):
        record_outreach(page, channel="Phone call", result="No answer",
                        listed="Apology: Phone call to Priya Raman — no answer")
        assert_first_hour_still_on(page, incident_pk)

    with step(journey, "the dashboard still shows the first hour and the apology"):
        page.get_by_role("link", name="Dashboard").click()
        card = page.locator(".incident-card", has_text="Data engineer at Acme Analytics")
        assert card.locator(".first-hour").is_visible(), card.inner_text()
        assert card.get_by_role("link", name=APOLOGY_STEP).is_visible(), card.inner_text()
        assert card.get_by_role("link", name="draft it").get_attribute("href") == reverse(
            "draft", args=[incident_pk, "apology_email"]
        )
        page.goto(incident_url)

    with step(journey, "record a voicemail: still Contain, the email still next"):
        record_outreach(page, channel="Voicemail", result="Left voicemail",
                        listed="Apology: Voicemail to Priya Raman — left voicemail")
        assert_first_hour_still_on(page, incident_pk)

    with step(journey, "the next step opens the apology email; record it as sent"):
        next_step(page).click()
        page.wait_for_url(re.compile(r"/drafts/apology_email/"))
        assert "Priya" in page.get_by_label("Message").input_value()
        page.get_by_role("button", name="Record as sent").click()
        page.wait_for_url(re.compile(r"/drafts/$"))
        expect_message(page, "Phase: Correct")

    with step(journey, "the first hour is over: the page moves to Correct"):
        page.goto(incident_url)
        assert phase_badge(page) == "Correct"
        assert current_phase(page) == "Correct"
        assert page.locator("#now #first-hour").count() == 0
        assert next_step(page).inner_text() == "Propose two or three new times"
        # The first hour ended with the email (the call and the voicemail did not end it).
        folded = page.locator("details#first-hour").inner_text()
        assert re.search(r"First outreach after [5-9] min, inside the first hour\.", folded), (
            folded
        )

    incident = Incident.objects.get(owner=user)
    assert incident.phase == Incident.Phase.CORRECT
    assert [(o.channel, o.result) for o in incident.outreach.order_by("occurred_at", "pk")] == [
        ("call", "no_answer"), ("voicemail", "voicemail"), ("email", "sent"),
    ]
    page.wait_for_load_state("networkidle")


def safeguard_button(page, label):
    return page.locator("#safeguards li", has_text=label).get_by_role("button")


def safeguard_item(page, label):
    return page.locator("#safeguards li", has_text=label)


def tick(page, label):
    page.locator("#safeguards").evaluate("d => { d.open = true; }")
    button = page.locator("#safeguards").get_by_role("button", name=f"Mark done: {label}")
    button.click()
    expect_message(page, f"{label}: done.")


def test_a_move_unticks_the_time_bound_safeguards_and_asks_to_confirm_in_writing(
    page, journey, live_server
):
    user = UserFactory(profile_zone="America/Chicago")
    now = timezone.now()
    # Logged and apologised (the email sent): Correct, nothing confirmed yet.
    incident = services.incident_log(
        owner=user, company="Acme Analytics", role="Data engineer",
        interview_at=now - timedelta(minutes=40), interview_tz="Asia/Kolkata",
        candidate_tz="America/Chicago", format="video", cause="timezone",
        discovered_at=now - timedelta(minutes=30), contact_name="Priya Raman", now=now,
    )
    services.outreach_record(incident=incident, channel="email", result="sent", now=now)
    log_in(page, live_server, user)
    incident_url = reverse("incident_detail", args=[incident.pk])
    day = (now.astimezone(KOLKATA) + timedelta(days=3)).date()
    first = datetime.combine(day, time(10, 0), KOLKATA)
    moved = datetime.combine(day + timedelta(days=1), time(15, 30), KOLKATA)

    with step(journey, "confirm the interview on the page"):
        page.goto(incident_url)
        assert phase_badge(page) == "Correct"
        confirm = page.locator("#confirm")
        confirm.get_by_text("Confirm the new interview").click()
        fill_wall_time(confirm, "Date and time", first)
        assert confirm.get_by_label("Time zone it was agreed in").input_value() == "Asia/Kolkata"
        confirm.get_by_label("Link or place").fill("https://meet.example/acme")
        confirm.get_by_role("button", name="Confirm").click()
        expect_message(page, "Confirmed.")
        assert "10:00" in page.locator("#now").inner_text()
        assert next_step(page).inner_text() == "Confirm the time in writing"

    with step(journey, "tick the written confirmation, both zones and the preparation"):
        tick(page, WRITTEN)
        tick(page, BOTH_ZONES)
        tick(page, PREP)
        for label in (WRITTEN, BOTH_ZONES, PREP):
            assert safeguard_button(page, label).get_attribute("aria-label") == (
                f"Mark not done: {label}"
            )
        page.locator("#safeguards").evaluate("d => { d.open = true; }")
        assert "for the new time" not in page.locator("#safeguards").inner_text()
        assert next_step(page).inner_text() == "Work through the safeguards checklist"

    with step(journey, "move the interview to another time"):
        confirm = page.locator("#confirm")
        confirm.evaluate("d => { d.open = true; }")
        assert confirm.locator("summary").inner_text() == "Move the confirmed interview"
        fill_wall_time(confirm, "Date and time", moved)
        confirm.get_by_role("button", name="Confirm").click()
        expect_message(page, "Confirmed.")

    with step(journey, "the time-bound safeguards are unticked for the new time"):
        headline = page.locator("#now-title").inner_text()
        assert headline.startswith("Your interview (moved):"), headline
        assert "15:30" in page.locator("#now").inner_text()
        page.locator("#safeguards").evaluate("d => { d.open = true; }")
        for label in (WRITTEN, BOTH_ZONES):
            assert safeguard_button(page, label).get_attribute("aria-label") == (
                f"Mark done: {label}"
            ), label
            badge = safeguard_item(page, label).locator(".badge")
            assert badge.inner_text() == "for the new time", label
        # The preparation is not about the time: still done, no badge.
        assert safeguard_button(page, PREP).get_attribute("aria-label") == (
            f"Mark not done: {PREP}"
        )
        assert safeguard_item(page, PREP).locator(".badge").count() == 0
        page.locator("#timeline").evaluate("d => { d.open = true; }")
        again = page.locator("#timeline li", has_text="Again for the new time:").inner_text()
        assert WRITTEN in again and BOTH_ZONES in again, again

    with step(journey, "the next step asks to confirm the new time in writing"):
        step_link = next_step(page)
        assert step_link.inner_text() == "Confirm the time in writing"
        assert step_link.get_attribute("href") == reverse(
            "draft", args=[incident.pk, "confirmation"]
        )

    assert not incident.safeguards.filter(
        kind__in=["confirmation_sent", "both_zones"], done_at__isnull=False
    ).exists()
    page.wait_for_load_state("networkidle")
