"""Issue 11 in a real browser: the first minute without an account. From the front page to a
usable phone script in under 60 seconds (the fields counted), then sign-up turns what was typed
into the incident; and a city typed for the interview's zone is resolved, with the time shown in
the person's zone while it is typed."""

import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tracker.incidents.models import Incident

from .helpers import confirm_email, fill_wall_time, log_in, step, submit_sign_up

KOLKATA = ZoneInfo("Asia/Kolkata")
PASSWORD = "a long and unusual passphrase 42"
# What a person fills in before they see the script: name, company, role, interviewer, when,
# the interview's zone, what happened. Their own zone comes from the browser.
MAX_FIELDS = 7


@pytest.fixture
def browser_context_options():
    return {
        "viewport": {"width": 390, "height": 844},
        "timezone_id": "America/Chicago",
        "is_mobile": True,
        "has_touch": True,
    }


def visible_fields(form) -> tuple[int, int]:
    """(fields, controls): the labelled fields a person fills in, and the boxes they type into
    (the time of the interview is a date box and a 24-hour time box: one field, two boxes)."""
    return tuple(form.evaluate(
        """f => {
            const controls = [...f.elements].filter(e =>
                ["INPUT", "SELECT", "TEXTAREA"].includes(e.tagName) && e.type !== "hidden"
                && e.offsetParent !== null);
            const fields = new Set(controls.map(e => e.closest("[id^=div_id_]")));
            return [fields.size, controls.length];
        }"""
    ))


def test_from_the_front_page_to_a_phone_script_in_under_a_minute_then_sign_up_keeps_it(
    page, journey, live_server
):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    missed = (now - timedelta(minutes=25)).astimezone(KOLKATA)
    began = time.monotonic()

    with step(journey, "the front page asks what happened, no account"):
        page.goto("/")
        assert page.get_by_role("heading", level=1).inner_text() == "I just missed an interview"
        form = page.locator("#visitor-form")
        fields, controls = visible_fields(form)
        assert fields <= MAX_FIELDS, fields
        assert controls == fields + 1, (fields, controls)  # the time's own box

    with step(journey, "fill it in"):
        page.get_by_label("Your name").fill("Alex Morgan")
        page.get_by_label("Company").fill("Acme Analytics")
        page.get_by_label("Role you interviewed for").fill("Data engineer")
        page.get_by_label("Interviewer's name").fill("Priya Raman")
        fill_wall_time(page, "When the interview was", missed)
        zone = page.get_by_label("Time zone the interview was set in")
        zone.fill("kolkata")
        page.get_by_role("button", name="Kolkata, India (Asia/Kolkata)").click()
        assert zone.input_value() == "Asia/Kolkata"
        preview = form.locator(".zone-preview").inner_text()
        chicago = missed.astimezone(ZoneInfo("America/Chicago"))
        assert f"{chicago:%H:%M}" in preview and "for you (America/Chicago)" in preview, preview
        page.get_by_label("What happened").select_option(label="Time-zone error")
        page.get_by_role("button", name="Show me what to say").click()

    with step(journey, "the phone script, the voicemail and the email"):
        script = page.locator('[data-draft="phone_script"]')
        script.wait_for()
        text = script.inner_text()
        elapsed = time.monotonic() - began
        assert "Hello, this is Alex Morgan. Could I speak with Priya Raman, please?" in text
        assert "the Data engineer role at Acme Analytics" in text
        assert page.locator('[data-draft="voicemail"]').is_visible()
        assert "Alex Morgan: missed interview" in page.locator("#apology_email").inner_text()
        # The script is on the first screen of a phone.
        top = script.evaluate("el => el.getBoundingClientRect().top")
        assert top < 844, top
        assert elapsed < 60, elapsed
        print(f"\nlanding -> phone script: {elapsed:.1f} s, {fields} fields ({controls} boxes)")

    with step(journey, "sign up: the name is offered, the zone is the browser's"):
        page.get_by_role("link", name="Create my account and keep this").click()
        assert page.get_by_label("Your name").input_value() == "Alex Morgan"
        assert page.get_by_label("Your time zone").input_value() == "America/Chicago"
        submit_sign_up(page, "alex@example.com", PASSWORD)

    with step(journey, "confirm: the incident holds what was typed"):
        confirm_email(page, "alex@example.com")
        page.get_by_role("link", name=re.compile("Data engineer at Acme Analytics")).first.click()
        page.wait_for_url(re.compile(r"/incidents/\d+/$"))
        assert "Contain" in page.locator("header").inner_text()

    incident = Incident.objects.get(owner__email="alex@example.com")
    assert (incident.company, incident.role, incident.cause) == (
        "Acme Analytics",
        "Data engineer",
        "timezone",
    )
    assert (incident.interview_tz, incident.candidate_tz) == ("Asia/Kolkata", "America/Chicago")
    assert incident.interview_at == missed.astimezone(UTC)
    assert incident.owner.profile.full_name == "Alex Morgan"
    assert [c.name for c in incident.contacts.all()] == ["Priya Raman"]


def test_the_log_form_resolves_a_city_and_shows_the_time_in_your_zone(page, journey, live_server):
    user = UserFactory(profile_zone="Asia/Kolkata")
    log_in(page, live_server, user)
    page.goto(reverse("incident_log"))
    form = page.locator("main form")
    with step(journey, "the interview's zone is empty, a city finds it"):
        zone = form.get_by_label("Time zone the interview was set in")
        assert zone.input_value() == ""
        zone.fill("Berlin")
        form.get_by_role("button", name="Berlin, Germany (Europe/Berlin)").click()
        assert zone.input_value() == "Europe/Berlin"
    with step(journey, "the time typed is shown in the person's zone"):
        # 2026-03-02 17:30 in Berlin (CET, +01:00) is 22:00 in Kolkata (IST, +05:30).
        fill_wall_time(form, "When the interview was", datetime(2026, 3, 2, 17, 30))
        preview = form.locator(".zone-preview")
        assert preview.inner_text() == "= Mon 2 Mar, 22:00 GMT+5:30 for you (Asia/Kolkata)", (
            preview.inner_text()
        )
    with step(journey, "a time in the spring-forward gap is flagged while typing"):
        fill_wall_time(form, "When the interview was", datetime(2026, 3, 29, 2, 30))
        assert "does not exist in Europe/Berlin" in preview.inner_text()


def test_a_paste_longer_than_a_field_is_kept_and_refused_with_a_message(
    page, journey, live_server
):
    user = UserFactory(profile_zone="Asia/Kolkata")
    log_in(page, live_server, user)
    page.goto(reverse("incident_log"))
    company = page.get_by_label("Company")
    with step(journey, "paste 5,000 characters into a 120-character field"):
        company.fill("A" * 5000)
        # Nothing cut: the whole paste is still there, with a counter saying what is wrong.
        assert len(company.input_value()) == 5000
        counter = page.locator("#id_company-count")
        assert counter.inner_text() == (
            "Too long: 5000 characters, at most 120. Shorten it; nothing was cut.")
        assert company.evaluate("el => el.validationMessage") == (
            "At most 120 characters (it has 5000).")
    with step(journey, "the form is not sent while it is too long"):
        page.get_by_role("button", name="Log it and start the first hour").click()
        assert page.url.endswith(reverse("incident_log"))
        assert not Incident.objects.filter(owner=user).exists()
    with step(journey, "shortened, the counter says how much is left"):
        company.fill("A" * 100)
        assert counter.inner_text() == "100 / 120 characters"
        assert company.evaluate("el => el.validationMessage") == ""


def test_the_log_form_takes_the_zone_from_a_contact_the_person_already_has(
    page, journey, live_server
):
    """Issue 11: the interview's zone is asked explicitly, prefilled from the contact when
    known."""
    from tracker.incidents.models import Contact

    user = UserFactory(profile_zone="America/Chicago")
    Contact.objects.create(owner=user, name="Priya Raman", role="interviewer",
                           email="priya@acme.example", time_zone="Asia/Kolkata")
    Contact.objects.create(owner=UserFactory(), name="Someone Else", role="recruiter",
                           email="else@example.com", time_zone="Europe/Berlin")
    log_in(page, live_server, user)
    page.goto(reverse("incident_log"))
    form = page.locator("main form")
    zone = form.get_by_label("Time zone the interview was set in")
    with step(journey, "the zone starts empty; another person's contact means nothing"):
        assert zone.input_value() == ""
        form.locator("summary").click()
        email = form.get_by_label("Their email")
        email.fill("else@example.com")
        email.press("Tab")
        assert zone.input_value() == ""
    with step(journey, "typing a known contact's email fills the zone and says why"):
        email.fill("Priya@Acme.example")
        email.press("Tab")
        assert zone.input_value() == "Asia/Kolkata"
        assert page.locator("#known-contact-zone").inner_text() == (
            "Zone from your contact Priya Raman: Asia/Kolkata.")
    with step(journey, "a zone typed by the person is never overwritten"):
        zone.fill("Europe/London")
        email.fill("priya@acme.example ")
        email.press("Tab")
        assert zone.input_value() == "Europe/London"
