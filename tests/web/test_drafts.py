"""The draft pages: pick, read, edit, check, open in the mail client, record as sent. The page
is a GET; each of its jobs (check, record, and saving each missing fact) is a POST to its own
URL."""

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import BASE
from tests.helpers import frozen_clock
from tests.web.conftest import log_incident, slot_data
from tracker.incidents import services
from tracker.incidents.models import (
    Contact,
    Incident,
    Outreach,
    PromisedMaterial,
    Reschedule,
)
from tracker.messaging import composer

pytestmark = pytest.mark.django_db

MISSED = BASE  # when log_incident's interview was
NOW = MISSED + timedelta(minutes=25)


frozen = frozen_clock(NOW)


def log(owner, **overrides) -> Incident:
    """The web tests' incident (missed at MISSED, found 20 minutes later), at Acme Robotics."""
    return log_incident(owner, now=NOW, **{"company": "Acme Robotics", **overrides})


def propose(incident):
    return services.reschedule_request(
        incident=incident,
        slots=[(datetime(2026, 3, 4, 14, 0, tzinfo=UTC), "Asia/Kolkata"),
               (datetime(2026, 3, 5, 4, 0, tzinfo=UTC), "Asia/Kolkata")],
        now=NOW,
    )


# The jobs of the draft page, each a POST to its own URL: draft_<job>.
JOBS = ("check", "record", "name", "contact", "slots", "topic", "material")


def url(incident, kind=None, job=None, **query):
    """The index, a draft page, or the URL of one of its jobs (`job`), with a query string."""
    if job:
        base = reverse(f"draft_{job}", args=[incident.pk, kind])
    elif kind:
        base = reverse("draft", args=[incident.pk, kind])
    else:
        base = reverse("drafts", args=[incident.pk])
    if query:
        base += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return base


def textarea(response) -> str:
    m = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', response.content.decode(), re.S)
    assert m, "no draft textarea on the page"
    # Django drops the newline after <textarea>; the value is HTML-escaped.
    return html.unescape(m.group(1)).removeprefix("\n").replace("\r\n", "\n")


def mailto_of(response) -> str:
    m = re.search(r'id="draft-mailto" href="([^"]*)"', response.content.decode())
    assert m, "no mailto link on the page"
    return html.unescape(m.group(1))


def parse_mailto(link: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(link)
    assert parts.scheme == "mailto"
    params = dict(p.split("=", 1) for p in parts.query.split("&"))
    return unquote(parts.path), {k: unquote(v) for k, v in params.items()}


@pytest.fixture
def me(user, client_for):
    return client_for(user)


# --- Pages and ownership -----------------------------------------------------------------


def test_index_lists_every_kind_and_highlights_the_one_for_the_phase(user, me, frozen):
    incident = log(user)
    page = me.get(url(incident)).content.decode()
    for kind, info in composer.KINDS.items():
        assert reverse("draft", args=[incident.pk, kind]) in page
        assert info.label in page
    highlighted = re.findall(r'href="([^"]+)" class="[^"]*list-group-item-primary', page)
    assert highlighted == [url(incident, "apology_email")]


def test_index_highlights_the_reschedule_request_once_the_apology_is_recorded(user, me, frozen):
    incident = log(user)
    services.outreach_record(incident=incident, channel="call", result="reached", now=NOW)
    page = me.get(url(incident)).content.decode()
    highlighted = re.findall(r'href="([^"]+)" class="[^"]*list-group-item-primary', page)
    assert highlighted == [url(incident, "reschedule_request")]


@pytest.mark.parametrize("kind", list(composer.KINDS))
def test_every_draft_page_renders_for_its_owner(user, me, frozen, kind):
    incident = log(user)
    propose(incident)
    response = me.get(url(incident, kind))
    assert response.status_code == 200
    assert "Acme Robotics" in response.content.decode()


@pytest.mark.parametrize("kind", [None, "apology_email"])
def test_another_persons_incident_is_a_404_for_reading_and_writing(
    user, other_user, client_for, frozen, kind
):
    incident = log(user)
    them = client_for(other_user)
    assert them.get(url(incident, kind)).status_code == 404
    if kind:
        response = them.post(url(incident, kind, "record"), {"subject": "x",
                                                             "body": "I apologise. Thank you."})
        assert response.status_code == 404
        assert not Outreach.objects.exists()


def test_unknown_kind_is_a_404(user, me, frozen):
    incident = log(user)
    assert me.get(url(incident, "love_letter")).status_code == 404


def test_anonymous_is_sent_to_log_in(user, client, frozen):
    incident = log(user)
    response = client.get(url(incident, "apology_email"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_post_without_csrf_token_is_refused(user, frozen):
    incident = log(user)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post(url(incident, "apology_email", "record"),
                           {"body": "I apologise. Thank you."})
    assert response.status_code == 403
    assert not Outreach.objects.exists()


def test_page_has_no_inline_script_or_style(user, me, frozen):
    incident = log(user)
    page = me.get(url(incident, "apology_email")).content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []
    assert " style=" not in page
    assert "js/draft.js" in page


# --- Each job of the page at its own URL ---------------------------------------------------

# For each job: the draft it is tried on and a body it accepts there (the fact jobs on a draft
# that asks for that fact: see `asking`).
CASES = {
    "check": ("apology_email", {"subject": "Sorry", "body": "I apologise. Thank you."}),
    "record": ("apology_email", {"subject": "Sorry", "body": "I apologise. Thank you."}),
    "name": ("apology_email", {"name-full_name": "Alex Jordan", "name-phone": ""}),
    "contact": ("apology_email", {
        "contact-name": "Dana Kim", "contact-role": "coordinator",
        "contact-time_zone": "Asia/Kolkata", "contact-preferred_channel": "any",
    }),
    "slots": ("reschedule_request", slot_data(
        ("2026-03-04T19:30", "Asia/Kolkata"), ("2026-03-05T09:30", "Asia/Kolkata"),
    )),
    "topic": ("thank_you", {"topic-thank_you_topic": "the billing rewrite"}),
    "material": ("materials_cover", {"material-description": "A code sample"}),
}
FACTS = ("name", "contact", "slots", "topic", "material")


def asking(user, job) -> Incident:
    """An incident whose draft for `job` asks for that fact: the person has no name yet, or
    the incident has no contact."""
    if job == "name":
        user.profile.full_name = ""
        user.profile.save()
    if job == "contact":
        return log(user, contact_name="", contact_email="")
    return log(user)


def written(user) -> tuple:
    """What the jobs can write: compared before and after a request that must write nothing."""
    user.profile.refresh_from_db()
    return (
        sorted(Outreach.objects.values_list("pk", flat=True)),
        sorted(Contact.objects.values_list("pk", "name")),
        sorted(Incident.objects.values_list("pk", "thank_you_topic")),
        sorted(Reschedule.objects.values_list("pk", flat=True)),
        sorted(PromisedMaterial.objects.values_list("pk", flat=True)),
        (user.profile.full_name, user.profile.phone),
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("job", JOBS)
def test_another_persons_incident_is_a_404_on_every_job(user, other_user, frozen, job):
    incident = asking(user, job)
    kind, body = CASES[job]
    them = logged_in(other_user)
    before = written(user)
    assert them.post(url(incident, kind, job), body).status_code == 404
    assert them.get(url(incident, kind, job)).status_code == 404
    assert written(user) == before
    # The same POST by the owner does the job: the 404 is about whose incident it is.
    response = logged_in(user).post(url(incident, kind, job), body)
    if job == "check":
        assert response.status_code == 200
        assert written(user) == before
    else:
        assert response.status_code == 302
        assert written(user) != before


@pytest.mark.parametrize("job", JOBS)
def test_an_unknown_kind_is_a_404_on_every_job(user, me, frozen, job):
    incident = asking(user, job)
    before = written(user)
    assert me.post(url(incident, "love_letter", job), CASES[job][1]).status_code == 404
    assert me.get(url(incident, "love_letter", job)).status_code == 404
    assert written(user) == before


@pytest.mark.parametrize("job", JOBS)
def test_a_get_of_a_job_goes_to_the_draft_page_and_does_nothing(user, me, frozen, job):
    incident = log(user)
    sam = services.contact_save(owner=user, incident=incident, name="Sam Lee",
                                role=Contact.Role.RECRUITER, now=NOW)
    before = written(user)
    response = me.get(url(incident, "apology_email", job, to=sam.pk, variant="reason"))
    assert response.status_code == 302
    assert response["Location"] == url(incident, "apology_email", to=sam.pk, variant="reason")
    assert written(user) == before


@pytest.mark.parametrize("job", JOBS)
def test_a_post_without_csrf_token_is_refused_on_every_job(user, frozen, job):
    incident = asking(user, job)
    kind, body = CASES[job]
    before = written(user)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(url(incident, kind, job), body).status_code == 403
    assert written(user) == before


def test_the_draft_page_itself_takes_no_post(user, me, frozen):
    incident = log(user)
    response = me.post(url(incident, "apology_email"),
                       {"step": "record", "subject": "S", "body": "I apologise. Thank you."})
    assert response.status_code == 405
    assert not Outreach.objects.exists()


def post_actions(page: str) -> list[str]:
    """Where the draft's POST forms and their buttons send what is typed (not the log-out form
    of every page)."""
    found = re.findall(r'<form method="post" action="([^"]*)"', page)
    found += re.findall(r'formaction="([^"]*)"', page)
    return [html.unescape(a) for a in found if "/drafts/" in a]


def test_the_draft_form_posts_to_the_check_and_the_record_urls_with_the_selection(
    user, me, frozen
):
    incident = log(user)
    sam = services.contact_save(owner=user, incident=incident, name="Sam Lee",
                                role=Contact.Role.RECRUITER, now=NOW)
    page = me.get(url(incident, "apology_email", to=sam.pk, variant="reason")).content.decode()
    check_url = url(incident, "apology_email", "check", to=sam.pk, variant="reason")
    record_url = url(incident, "apology_email", "record", to=sam.pk, variant="reason")
    slots_url = url(incident, "apology_email", "slots", to=sam.pk, variant="reason")
    form = re.search(r'<form method="post"[^>]*id="draft-form"[^>]*>', page).group()
    # The form's own action is the check (Enter in the subject checks, never records); the
    # live check of draft.js posts to the same URL.
    assert html.unescape(form) == (f'<form method="post" action="{check_url}" id="draft-form" '
                                   f'data-check-url="{check_url}" novalidate>')
    assert sorted(post_actions(page)) == sorted([check_url, check_url, record_url, slots_url])
    assert 'name="step"' not in page


@pytest.mark.parametrize("job", FACTS)
def test_the_form_asking_for_a_fact_posts_to_its_own_url(user, me, frozen, job):
    incident = asking(user, job)
    kind, _ = CASES[job]
    page = me.get(url(incident, kind)).content.decode()
    assert url(incident, kind, job) in post_actions(page)
    assert 'name="step"' not in page


# A bad value for each job, the message it gets, and what must still be on the page after it.
BAD = {
    "check": ({"subject": "Sorry\r\nBcc: x@example.com", "body": "My edited text, kept."},
              "Line breaks and control characters are not allowed here.", []),
    "record": ({"subject": "Sorry\r\nBcc: x@example.com", "body": "My edited text, kept."},
               "Line breaks and control characters are not allowed here.", []),
    "name": ({"name-full_name": "", "name-phone": "+1 312 555 0100"},
             "This field is required.", ['value="+1 312 555 0100"']),
    "contact": ({"contact-name": "Dana Kim", "contact-role": "coordinator",
                 "contact-email": "not an email", "contact-time_zone": "Asia/Kolkata",
                 "contact-preferred_channel": "any"},
                "Enter a valid email address.", ['value="Dana Kim"']),
    "slots": (slot_data(("2026-03-01T10:00", "Asia/Kolkata"),
                        ("2026-03-05T09:30", "Asia/Kolkata")),
              "That time is already past", ['value="2026-03-01"', 'value="10:00"',
                                            'value="2026-03-05"', 'value="09:30"']),
    "topic": ({"topic-thank_you_topic": "the billing rewrite " + "x" * 200},
              "Ensure this value has at most 200 characters",
              ['value="the billing rewrite ' + "x" * 200 + '"']),
    "material": ({"material-description": "A code sample", "material-due_on": "2026-02-30"},
                 "Enter a valid date.", ['value="A code sample"', 'value="2026-02-30"']),
}


@pytest.mark.parametrize("job", JOBS)
def test_a_bad_value_rerenders_the_page_with_the_message_and_what_was_typed(
    user, me, frozen, job
):
    incident = asking(user, job)
    kind, _ = CASES[job]
    body, error, kept = BAD[job]
    before = written(user)
    response = me.post(url(incident, kind, job), body)
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    for typed in kept:
        assert typed in page
    if job in ("check", "record"):
        assert textarea(response) == body["body"]
    # The corrected form goes back to the same job.
    assert url(incident, kind, job) in post_actions(page)
    assert written(user) == before


def test_a_fact_the_draft_does_not_ask_for_is_not_saved(user, me, frozen):
    incident = log(user)
    response = me.post(url(incident, "apology_email", "topic"),
                       {"topic-thank_you_topic": "the billing rewrite"})
    assert response.status_code == 302
    assert response["Location"] == url(incident, "apology_email")
    assert "does not ask for that now; nothing was saved" in me.get(
        response["Location"]).content.decode()
    incident.refresh_from_db()
    assert incident.thank_you_topic == ""


def test_a_fact_form_sent_twice_saves_the_fact_once(user, me, frozen):
    incident = asking(user, "contact")
    kind, body = CASES["contact"]
    first = me.post(url(incident, kind, "contact"), body)
    second = me.post(url(incident, kind, "contact"), body)
    assert first.status_code == second.status_code == 302
    assert list(incident.contacts.values_list("name", flat=True)) == ["Dana Kim"]


def test_recording_goes_to_the_contact_picked_and_never_to_someone_elses(
    user, other_user, me, frozen
):
    incident = log(user)
    sam = services.contact_save(owner=user, incident=incident, name="Sam Lee",
                                role=Contact.Role.RECRUITER, now=NOW)
    data = {"subject": "S", "body": "I apologise. Thank you."}
    me.post(url(incident, "apology_email", "record", to=sam.pk), data)
    assert Outreach.objects.get().contact == sam
    stranger = Contact.objects.create(owner=other_user, name="Stranger")
    me.post(url(incident, "apology_email", "record", to=stranger.pk), data)
    assert Outreach.objects.order_by("-pk").first().contact.name == "Priya Raman"


def test_a_saved_fact_leads_back_to_the_same_version_of_the_draft(user, me, frozen):
    incident = log(user)
    response = me.post(url(incident, "apology_email", "slots", variant="reason"),
                       CASES["slots"][1])
    assert response.status_code == 302
    assert response["Location"] == url(incident, "apology_email", variant="reason")


# --- The draft ----------------------------------------------------------------------------


def test_apology_email_is_filled_in_with_slots_in_both_zones(user, me, frozen):
    incident = log(user)
    propose(incident)
    response = me.get(url(incident, "apology_email"))
    body = textarea(response)
    assert body.startswith("Dear Priya Raman,")
    assert "Acme Robotics" in body and "Backend engineer" in body
    assert "Wed 4 Mar 2026, 19:30 IST, Asia/Kolkata (my time: 08:00 CST, America/Chicago)" in body
    assert user.profile.full_name in body
    assert "Nothing to flag." in response.content.decode()


def test_reason_variant_is_picked_by_the_version_option(user, me, frozen):
    incident = log(user, cause="transit")
    short = textarea(me.get(url(incident, "apology_email")))
    reason = textarea(me.get(url(incident, "apology_email", variant="reason")))
    assert "travel delay" not in short
    assert "I was held up by a travel delay." in reason


def test_recipient_can_be_chosen_among_the_incidents_contacts(user, other_user, me, frozen):
    incident = log(user)
    sam = services.contact_save(owner=user, incident=incident, name="Sam Lee",
                                role=Contact.Role.RECRUITER, email="sam@agency.example",
                                now=NOW)
    body = textarea(me.get(url(incident, "apology_email", to=sam.pk)))
    assert body.startswith("Dear Sam Lee,")
    # A contact of someone else's is ignored, not used.
    stranger = Contact.objects.create(owner=other_user, name="Stranger")
    body = textarea(me.get(url(incident, "apology_email", to=stranger.pk)))
    assert body.startswith("Dear Priya Raman,")


def test_mailto_link_round_trips_the_draft(user, me, frozen):
    incident = log(user, company="Zürich & Söhne? AG")
    propose(incident)
    response = me.get(url(incident, "apology_email"))
    address, params = parse_mailto(mailto_of(response))
    assert address == "priya@acme.example"
    assert params["body"] == textarea(response).replace("\n", "\r\n")
    assert "Zürich & Söhne? AG" in params["body"]
    assert params["subject"].endswith("missed interview for the Backend engineer role")


def test_markup_in_names_and_company_is_escaped_on_the_page_and_in_the_mailto(user, me, frozen):
    user.profile.full_name = '<img src=x onerror="alert(1)">'
    user.profile.save()
    incident = log(user, company="<script>alert('co')</script>",
                   contact_name="<b>Eve</b>\"'", role="Dev <i>ops</i>")
    response = me.get(url(incident, "apology_email"))
    page = response.content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<b>Eve</b>" not in page
    assert "&lt;script&gt;alert(&#x27;co&#x27;)&lt;/script&gt;" in page
    link = mailto_of(response)
    assert "<" not in link and ">" not in link and '"' not in link
    assert "%3Cscript%3E" in link
    _, params = parse_mailto(link)
    assert "<script>alert('co')</script>" in params["body"]
    assert params["body"].startswith("Dear <b>Eve</b>\"',")


# --- Check ---------------------------------------------------------------------------------


def test_check_rerenders_with_findings_for_the_edited_text_and_keeps_it(user, me, frozen):
    incident = log(user)
    edited = "Hi,\nI am sorry. So sorry!\nYou must see me at 10:00 & soon?"
    response = me.post(url(incident, "apology_email", "check"),
                       {"subject": "Sorry", "body": edited})
    assert response.status_code == 200
    page = response.content.decode()
    assert textarea(response) == edited
    for title in ("Over-apologising", "Demand", "Time without a zone", "No thanks"):
        assert title in page
    assert "Nothing to flag." in page  # present but hidden for the script
    assert re.search(r'id="draft-findings-none" hidden', page)
    _, params = parse_mailto(mailto_of(response))
    assert params == {"subject": "Sorry", "body": edited.replace("\n", "\r\n")}
    assert not Outreach.objects.exists()


def test_check_as_json_for_the_live_check(user, me, frozen):
    incident = log(user)
    response = me.post(url(incident, "apology_email", "check"),
                       {"subject": "S", "body": "Your invite was wrong."},
                       HTTP_ACCEPT="application/json")
    data = response.json()
    rules = [f["rule"] for f in data["findings"]]
    assert rules == ["blame", "no_apology", "no_thanks"]
    assert data["findings"][0]["sentence"] == "Your invite was wrong."
    assert data["words"] == 4
    assert data["mailto"].startswith("mailto:priya@acme.example?subject=S&body=Your%20invite")


def test_empty_message_is_refused_with_a_message(user, me, frozen):
    incident = log(user)
    response = me.post(url(incident, "apology_email", "record"), {"body": "  "})
    assert response.status_code == 200
    assert "The message is empty" in response.content.decode()
    assert not Outreach.objects.exists()


def test_phone_script_shows_its_word_count_and_limit(user, me, frozen):
    incident = log(user)
    propose(incident)
    response = me.get(url(incident, "phone_script"))
    words = len(textarea(response).split())
    assert words <= composer.PHONE_WORD_LIMIT
    assert f'<span id="draft-word-count">{words}</span> words; keep it to 130' in (
        response.content.decode()
    )


# --- Record as sent ------------------------------------------------------------------------


def test_recording_the_apology_email_logs_one_outreach_with_the_edited_text_and_moves_on(
    user, me, frozen
):
    incident = log(user)
    propose(incident)
    draft = textarea(me.get(url(incident, "apology_email")))
    edited = draft.replace("I remain very interested", "I remain keen & very interested")
    response = me.post(url(incident, "apology_email", "record"),
                       {"subject": "Missed interview – Alex", "body": edited})
    assert response.status_code == 302
    assert response["Location"] == url(incident)
    outreach = Outreach.objects.get()
    assert outreach.text == edited
    assert outreach.subject == "Missed interview – Alex"
    assert (outreach.channel, outreach.purpose, outreach.result) == ("email", "apology", "sent")
    assert outreach.contact == incident.contacts.get()
    incident.refresh_from_db()
    assert incident.phase == Incident.Phase.CORRECT
    assert incident.first_outreach_at == NOW
    follow = me.get(response["Location"]).content.decode()
    assert "Phase: Correct" in follow


def test_recording_a_call_needs_to_know_whether_anyone_answered(user, me, frozen):
    incident = log(user)
    script = textarea(me.get(url(incident, "phone_script")))
    response = me.post(url(incident, "phone_script", "record"), {"body": script})
    assert response.status_code == 200
    assert "Say whether anyone answered." in response.content.decode()
    assert not Outreach.objects.exists()
    me.post(url(incident, "phone_script", "record"),
            {"body": script, "result": "no_answer"})
    outreach = Outreach.objects.get()
    assert (outreach.channel, outreach.result, outreach.purpose) == ("call", "no_answer",
                                                                     "apology")
    assert outreach.text == script


def test_recording_a_voicemail(user, me, frozen):
    incident = log(user)
    text = textarea(me.get(url(incident, "voicemail")))
    me.post(url(incident, "voicemail", "record"), {"body": text})
    outreach = Outreach.objects.get()
    assert (outreach.channel, outreach.result) == ("voicemail", "voicemail")
    # A voicemail alone has not reached them: the first hour goes on until the email it
    # promised is sent.
    incident.refresh_from_db()
    assert incident.phase == Incident.Phase.CONTAIN


def test_a_refusal_by_the_rules_is_shown_and_keeps_the_text(user, me, frozen):
    incident = log(user)
    services.incident_update(incident=incident, thank_you_topic="the billing migration",
                             now=NOW)
    response = me.post(url(incident, "thank_you", "record"),
                       {"subject": "Thanks", "body": "Thank you, edited."})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The thank-you note comes after the rescheduled interview." in page
    assert textarea(response) == "Thank you, edited."
    assert not Outreach.objects.exists()


def test_recording_a_follow_up_marks_the_request_followed_up(user, me, frozen):
    incident = log(user)
    services.outreach_record(incident=incident, channel="email", result="sent", now=NOW)
    reschedule = propose(incident)
    text = textarea(me.get(url(incident, "follow_up")))
    me.post(url(incident, "follow_up", "record"), {"subject": "F", "body": text})
    reschedule.refresh_from_db()
    assert reschedule.followed_up_at == NOW
    assert Outreach.objects.filter(purpose="follow_up").count() == 1


# --- Missing facts: asked for on the page ----------------------------------------------------


def test_missing_contact_is_asked_for_and_saved_through_the_service(user, me, frozen):
    incident = log(user, contact_name="", contact_email="")
    page = me.get(url(incident, "apology_email")).content.decode()
    assert "To write this draft, add what is missing below." in page
    assert "Who you are writing to" in page
    assert 'name="body"' not in page
    response = me.post(url(incident, "apology_email", "contact"), {
        "contact-name": "Dana Kim", "contact-role": "coordinator",
        "contact-email": "dana@acme.example", "contact-time_zone": "Asia/Kolkata",
        "contact-preferred_channel": "any",
    })
    contact = incident.contacts.get()
    assert contact.name == "Dana Kim"
    assert response.status_code == 302
    assert response["Location"] == url(incident, "apology_email", to=contact.pk)
    assert textarea(me.get(response["Location"])).startswith("Dear Dana Kim,")


def test_invalid_fact_form_rerenders_with_the_message_and_what_was_typed(user, me, frozen):
    incident = log(user, contact_name="", contact_email="")
    response = me.post(url(incident, "apology_email", "contact"), {
        "contact-name": "Dana Kim", "contact-role": "coordinator",
        "contact-email": "not an email", "contact-time_zone": "Mars/Olympus",
        "contact-preferred_channel": "any",
    })
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert "is not a time zone we know" in page
    assert 'value="Dana Kim"' in page
    assert not Contact.objects.filter(name="Dana Kim").exists()


def test_missing_slots_are_asked_for_and_become_the_reschedule_request(user, me, frozen):
    incident = log(user)
    page = me.get(url(incident, "reschedule_request")).content.decode()
    assert "Two or three new times" in page
    response = me.post(url(incident, "reschedule_request", "slots"), slot_data(
        ("2026-03-04T19:30", "Asia/Kolkata"), ("2026-03-05T09:30", "Asia/Kolkata"),
        ("", "Asia/Kolkata"),
    ))
    assert response.status_code == 302
    slots = list(incident.reschedules.get().slots.order_by("start"))
    assert [s.start for s in slots] == [datetime(2026, 3, 4, 14, 0, tzinfo=UTC),
                                        datetime(2026, 3, 5, 4, 0, tzinfo=UTC)]
    body = textarea(me.get(url(incident, "reschedule_request")))
    assert "Thu 5 Mar 2026, 09:30 IST, Asia/Kolkata (my time: Wed 4 Mar, 22:00 CST, " \
           "America/Chicago)" in body


@pytest.mark.parametrize("starts, error", [
    (("2026-03-01T10:00", "2026-03-05T09:30"), "That time is already past"),
    (("2026-03-04T19:30", "2026-03-04T19:30"),
     "Two proposed slots are the same time. Slots 1 and 2 are both"),
], ids=["a slot in the past", "two slots at the same time"])
def test_refused_slots_say_why_and_the_typed_times_stay(user, me, frozen, starts, error):
    incident = log(user)
    response = me.post(url(incident, "reschedule_request", "slots"),
                       slot_data(*((start, "Asia/Kolkata") for start in starts)))
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    # Each slot keeps what was typed, in its date box and its 24-hour time box (issue 11).
    for n, start in enumerate(starts):
        date, time = start.split("T")
        assert f'name="slots-{n}-start" value="{date}"' in page
        assert f'name="slots-{n}-start_time" value="{time}"' in page
    assert not incident.reschedules.exists()


def inputs(page: str) -> dict[str, str]:
    """The name and value of every <input> on the page."""
    found = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r'\bname="([^"]*)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if name:
            found[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
    return found


def test_the_times_asked_for_start_in_the_interviewers_zone(user, me, frozen):
    incident = log(user)  # set in Asia/Kolkata; the interviewer is in Tokyo
    incident.contacts.update(time_zone="Asia/Tokyo")
    fields = inputs(me.get(url(incident, "reschedule_request")).content.decode())
    # What the browser posts back: three slots, each in the interviewer's zone until changed,
    # and the count of them.
    assert {k: v for k, v in fields.items() if k.startswith("slots-")} == {
        "slots-TOTAL_FORMS": "3", "slots-INITIAL_FORMS": "0",
        "slots-MIN_NUM_FORMS": "2", "slots-MAX_NUM_FORMS": "3",
        **{f"slots-{n}-{f}": "" for n in range(3) for f in ("start", "start_time", "which")},
        **{f"slots-{n}-time_zone": "Asia/Tokyo" for n in range(3)},
    }


def test_slots_refused_by_the_rules_show_why_and_keep_the_typed_times(user, me, frozen):
    incident = log(user)
    services.incident_close(incident=incident, outcome="moved_on", now=NOW)
    kind, body = CASES["slots"]
    response = me.post(url(incident, kind, "slots"), body)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This incident is closed; reopen it to ask for a new time." in page
    assert ('value="2026-03-04"' in page
            and 'value="19:30"' in page
            and 'value="2026-03-05"' in page
            and 'value="09:30"' in page)
    assert url(incident, kind, "slots") in post_actions(page)
    assert not incident.reschedules.exists()


def test_missing_topic_is_asked_for_and_named_in_the_thank_you(user, me, frozen):
    incident = log(user)
    page = me.get(url(incident, "thank_you")).content.decode()
    assert "Something specific you talked about" in page
    response = me.post(url(incident, "thank_you", "topic"),
                       {"topic-thank_you_topic": "the <b>billing</b> rewrite"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.thank_you_topic == "the <b>billing</b> rewrite"
    follow = me.get(url(incident, "thank_you"))
    assert "our conversation about the <b>billing</b> rewrite;" in textarea(follow)
    assert "<b>billing</b>" not in follow.content.decode()


def test_missing_name_is_asked_for_and_saved_to_the_profile(user, me, frozen):
    user.profile.full_name = ""
    user.profile.save()
    incident = log(user)
    page = me.get(url(incident, "apology_email")).content.decode()
    assert "Your full name" in page
    me.post(url(incident, "apology_email", "name"),
            {"name-full_name": "Alex Jordan", "name-phone": "+1 312 555 0100"})
    user.profile.refresh_from_db()
    assert user.profile.full_name == "Alex Jordan"
    body = textarea(me.get(url(incident, "apology_email")))
    assert body.endswith("Alex Jordan\n+1 312 555 0100")


def test_missing_materials_are_asked_for(user, me, frozen):
    incident = log(user)
    me.post(url(incident, "materials_cover", "material"),
            {"material-description": "A code sample"})
    body = textarea(me.get(url(incident, "materials_cover")))
    assert "- A code sample" in body


def test_missing_confirmation_links_to_the_incident_page(user, me, frozen):
    incident = log(user)
    page = me.get(url(incident, "confirmation")).content.decode()
    assert reverse("incident_detail", args=[incident.pk]) + "#confirm" in page


def test_recruiter_note_asks_for_a_recruiter_when_there_is_only_the_interviewer(
    user, me, frozen
):
    incident = log(user)
    propose(incident)
    page = me.get(url(incident, "recruiter_note")).content.decode()
    assert "The recruiter, HR person or scheduling coordinator" in page
    assert '<option value="interviewer"' not in page


# --- The journey -------------------------------------------------------------------------


def test_from_the_miss_to_a_recorded_apology_with_slots_in_a_few_posts(user, me, frozen):
    incident = log(user)
    index = me.get(url(incident)).content.decode()
    assert url(incident, "apology_email") in index
    first = me.get(url(incident, "apology_email")).content.decode()
    assert 'href="#ask-slots"' in first and 'id="ask-slots"' in first
    me.post(url(incident, "apology_email", "slots"), slot_data(
        ("2026-03-04T19:30", "Asia/Kolkata"), ("2026-03-05T09:30", "Asia/Kolkata"),
        ("2026-03-06T14:30", "Asia/Kolkata"),
    ))
    page = me.get(url(incident, "apology_email"))
    body = textarea(page)
    assert body.count("(my time: ") == 3
    me.post(url(incident, "apology_email", "record"),
            {"subject": "Missed interview", "body": body})
    incident.refresh_from_db()
    assert incident.phase == Incident.Phase.CORRECT
    assert Outreach.objects.get().text == body


def test_line_breaks_from_a_browser_are_recorded_as_plain_newlines(user, me, frozen):
    incident = log(user)
    me.post(url(incident, "apology_email", "record"), {
        "subject": "S",
        "body": "Dear Priya,\r\n\r\nI missed our interview, and I apologise.\r\nThank you.",
    })
    assert Outreach.objects.get().text == (
        "Dear Priya,\n\nI missed our interview, and I apologise.\nThank you."
    )


def test_a_gracious_reply_to_a_decline_is_logged_and_the_incident_stays_closed(user, me, frozen):
    incident = log(user)
    services.outreach_record(incident=incident, channel="email", result="sent", now=NOW)
    reschedule = propose(incident)
    services.reschedule_reply(reschedule=reschedule, reply="declined", now=NOW)
    index = me.get(url(incident)).content.decode()
    assert re.findall(r'href="([^"]+)" class="[^"]*list-group-item-primary', index) == [
        url(incident, "decline_reply")
    ]
    text = textarea(me.get(url(incident, "decline_reply")))
    assert "future roles" in text
    me.post(url(incident, "decline_reply", "record"), {"subject": "Re", "body": text})
    outreach = Outreach.objects.get(purpose="other")
    assert outreach.text == text
    incident.refresh_from_db()
    assert (incident.phase, incident.outcome) == ("closed", "declined")


def test_a_slot_that_happens_twice_asks_which_one_is_meant(user, me, frozen):
    incident = log(user)
    data = slot_data(("2026-10-25T02:30", "Europe/Berlin"), ("2026-10-26T10:00", "Europe/Berlin"))
    response = me.post(url(incident, "reschedule_request", "slots"), data)
    assert response.status_code == 200
    assert "happens twice in Europe/Berlin" in response.content.decode()
    assert not incident.reschedules.exists()
    response = me.post(url(incident, "reschedule_request", "slots"),
                       {**data, "slots-0-which": "+01:00"})
    assert response.status_code == 302
    first = incident.reschedules.get().slots.order_by("start").first()
    assert first.start == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
