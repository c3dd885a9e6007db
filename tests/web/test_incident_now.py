"""Issue 11: the incident page redesigned around now. The card on top says what matters now (the
next interview in both zones and how far away, or the first hour's minutes left, or the reply
being waited for) with the one next step as the primary button; the rest is folded unless it
needs attention; one way to record the reply; the reminders panel folds the cancelled history;
drafts grouped; the only contact preselected."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from tests import scenarios
from tracker.web.presenter import relative

pytestmark = pytest.mark.django_db


def page(client, incident, at):
    with time_machine.travel(at, tick=False):
        return client.get(reverse("incident_detail", args=[incident.pk])).content.decode()


def now_card(html: str) -> str:
    return html.split('id="now"', 1)[1].split("</section>", 1)[0]


def is_open(html: str, section: str) -> bool:
    tag = re.search(rf'<details class="card mb-2 fold" id="{section}"[^>]*>', html)
    assert tag, f"no folded section {section}"
    return " open" in tag.group(0)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (26 * 3600, "in 26 hours"),
        (40 * 60, "in 40 minutes"),
        (-14 * 60, "14 minutes ago"),
        (3 * 86400, "in 3 days"),
        (30, "now"),
        (-60, "1 minute ago"),
    ],
)
def test_relative_words(seconds, words):
    assert relative(seconds) == words


def test_just_logged_the_card_counts_down_the_first_hour_and_the_step_is_the_apology(
    user_client, user
):
    incident = scenarios.logged(user, contact_name="Priya Raman")
    html = page(user_client, incident, scenarios.T0 + timedelta(minutes=14))
    card = now_card(html)
    assert "14 min since you found out: 46 min left in the first hour" in card
    apology = reverse("draft", args=[incident.pk, "apology_email"])
    assert re.search(
        rf'<a class="btn btn-primary" href="{apology}">Call, leave a voicemail or send the '
        r"apology email</a>",
        card,
    )
    assert reverse("draft", args=[incident.pk, "phone_script"]) in card
    # The card comes before every other section; what the first hour needs is open.
    assert html.index('id="now"') < html.index('id="outreach"') < html.index('id="timeline"')
    assert is_open(html, "outreach") and not is_open(html, "timeline")
    assert not is_open(html, "contacts") and not is_open(html, "lessons")
    # Without a contact, that section needs attention: open.
    other = scenarios.logged(user, company="Globex")
    assert is_open(page(user_client, other, scenarios.T0), "contacts")


def test_confirmed_the_card_shows_the_interview_in_both_zones_and_how_far_away(user_client, user):
    incident = scenarios.confirmed(user)
    # START is Thu 5 Mar 15:00 UTC: 09:00 in Chicago, 20:30 in Kolkata.
    html = page(user_client, incident, scenarios.START - timedelta(hours=26))
    card = now_card(html)
    assert "Your interview: Thu 5 Mar 2026, 09:00 CST (America/Chicago), in 26 hours" in card
    assert "For them: Thu 5 Mar 2026, 20:30 IST (Asia/Kolkata)" in card
    assert "Confirm the time in writing" in card
    assert is_open(html, "safeguards")


def test_a_moved_interview_says_so_and_the_reminders_panel_folds_the_cancelled(user_client, user):
    incident = scenarios.confirmed(user)
    scenarios.confirm(
        incident, start=scenarios.OTHER_START, now=scenarios.CONFIRMED_AT + timedelta(hours=1)
    )
    html = page(user_client, incident, scenarios.CONFIRMED_AT + timedelta(hours=2))
    assert "Your interview (moved): Fri 6 Mar 2026, 03:30 CST" in now_card(html)
    panel = html.split('id="reminders"', 1)[1].split('id="contacts"', 1)[0]
    current, history = panel.split('class="mb-3 reminder-history"', 1)
    assert current.count("24 hours before") == 1 and "Cancelled" not in current
    assert "Cancelled or replaced" in history and "24 hours before" in history


def test_one_way_to_record_their_reply(user_client, user):
    incident = scenarios.requested(user)
    html = page(user_client, incident, scenarios.REQUESTED_AT + timedelta(hours=1))
    assert "They accepted this one" not in html
    assert "/slots/" not in html
    # The per-slot endpoint is gone: the reply form is the only way.
    slot = incident.reschedules.get().slots.first()
    assert user_client.post(f"/slots/{slot.pk}/accept/").status_code == 404
    assert html.count('action="/reschedules/') == 1
    assert 'name="reply"' in html and 'name="slot"' in html
    assert "waiting for their reply" in now_card(html)
    assert is_open(html, "reschedule")


def test_the_only_contact_is_preselected(user_client, user):
    incident = scenarios.logged(user, contact_name="Priya Raman")
    contact = incident.contacts.get()
    html = page(user_client, incident, scenarios.T0 + timedelta(minutes=5))
    select = html.split('name="contact"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{contact.pk}" selected>' in select


def test_drafts_are_grouped_the_first_hours_three_in_front(user_client, user):
    incident = scenarios.logged(user)
    with time_machine.travel(scenarios.T0, tick=False):
        html = user_client.get(reverse("drafts", args=[incident.pk])).content.decode()
    front, more = html.split('class="more-drafts"', 1)
    for label in ("Phone script", "Voicemail", "Apology email"):
        assert label in front
    assert "Thank-you note" not in front and "Thank-you note" in more
    assert "More drafts (8)" in more
    with time_machine.travel(scenarios.T0, tick=False):
        draft = user_client.get(reverse("draft", args=[incident.pk, "thank_you"])).content.decode()
    nav = draft.split('aria-label="Pick the step"', 1)[1].split("</nav>", 1)[0]
    front, more = nav.split('class="more-drafts', 1)
    # The draft being read is shown in front even when it is one of the "More".
    assert 'aria-current="page">Thank-you note' in front
    assert front.count('class="nav-item"') == 4
