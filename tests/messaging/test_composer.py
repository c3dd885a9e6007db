"""The composer: every draft kind for every cause, filled from plain facts, no placeholders."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.messaging import composer as c
from tracker.messaging.check import check

MISSED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 19:30 IST, 08:00 CST
NOW = MISSED + timedelta(minutes=30)
SLOT_1 = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)  # Wed 19:30 IST = Wed 08:00 CST
SLOT_2 = datetime(2026, 3, 5, 4, 0, tzinfo=UTC)  # Thu 09:30 IST = Wed 22:00 CST
SLOT_3 = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)  # Fri 14:30 IST = Fri 03:00 CST
CONFIRMED = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # Mon 15:30 IST = Mon 05:00 CDT

INTERVIEWER = c.ContactInfo("Priya Raman", "interviewer", "Asia/Kolkata", "priya@acme.example", 1)
RECRUITER = c.ContactInfo("Sam O'Neill", "recruiter", "Europe/London", "sam@agency.example", 2)


def facts(**overrides) -> c.Facts:
    fields = {
        "company": "Acme Robotics",
        "role": "Backend engineer",
        "cause": "timezone",
        "format": "video",
        "interview_at": MISSED,
        "interview_tz": "Asia/Kolkata",
        "person": c.Person("Alex Jordan", "+1 312 555 0100", "America/Chicago"),
        "contacts": (INTERVIEWER, RECRUITER),
        "slots": (
            c.Slot(SLOT_1, "Asia/Kolkata"),
            c.Slot(SLOT_2, "Asia/Kolkata"),
            c.Slot(SLOT_3, "Asia/Kolkata"),
        ),
        "requested_at": NOW,
        "confirmed": c.Confirmed(
            CONFIRMED, "Asia/Kolkata", 45, "video", "https://meet.example/abc", "Priya Raman"
        ),
        "thank_you_topic": "moving billing to event sourcing",
        "materials": ("a code sample", "two references"),
    }
    fields.update(overrides)
    return c.Facts(**fields)


KIND_VARIANTS = [(k, v) for k, info in c.KINDS.items() for v in ("", *info.variants)]
# Kinds that offer the proposed slots, and how many of them.
SLOT_KINDS = {
    c.PHONE_SCRIPT: 2,
    c.APOLOGY_EMAIL: 3,
    c.RESCHEDULE_REQUEST: 3,
    c.RECRUITER_NOTE: 3,
    c.FOLLOW_UP: 3,
}
# Both zones of each slot, each with its zone name.
SLOT_TEXTS = [
    ("Wed 4 Mar 2026, 19:30 IST, Asia/Kolkata", "08:00 CST, America/Chicago"),
    ("Thu 5 Mar 2026, 09:30 IST, Asia/Kolkata", "Wed 4 Mar, 22:00 CST, America/Chicago"),
    ("Fri 6 Mar 2026, 14:30 IST, Asia/Kolkata", "03:00 CST, America/Chicago"),
]
KINDS_WITH_SUBJECT = {k: info.is_email for k, info in c.KINDS.items()}
PLACEHOLDER = re.compile(r"[\[\]{}<>]|TODO|TBD|XXX|\bNone\b")


@pytest.mark.parametrize("cause", c.CAUSES)
@pytest.mark.parametrize(("kind", "variant"), KIND_VARIANTS)
def test_every_draft_for_every_cause_is_complete(kind, variant, cause):
    d = c.compose(kind, facts(cause=cause), now=NOW, variant=variant)
    assert d.ready, d.missing
    text = f"{d.subject}\n{d.body}"
    assert not PLACEHOLDER.search(text), PLACEHOLDER.search(text)
    assert "Alex Jordan" in d.body
    assert "Acme Robotics" in d.body
    assert "Backend engineer" in text
    expected_to = "Sam O'Neill" if kind == c.RECRUITER_NOTE else "Priya Raman"
    assert expected_to in d.body
    assert d.to.name == expected_to
    if KINDS_WITH_SUBJECT[kind]:
        assert d.subject
    else:
        assert d.subject == ""
    for theirs, mine in SLOT_TEXTS[: SLOT_KINDS.get(kind, 0)]:
        assert f"{theirs} (my time: {mine})" in d.body
    if kind == c.CONFIRMATION:
        assert "Mon 9 Mar 2026, 15:30 IST, Asia/Kolkata (my time: 05:00 CDT, America/Chicago)" \
            in d.body
    # Our own check finds nothing to say against our own drafts.
    assert check(d.body, kind=kind) == []


@pytest.mark.parametrize("cause", c.CAUSES)
def test_phone_script_can_be_said_in_under_a_minute(cause):
    for fmt in ("video", "phone", "onsite"):
        d = c.compose(c.PHONE_SCRIPT, facts(cause=cause, format=fmt), now=NOW)
        assert d.word_count <= c.PHONE_WORD_LIMIT, (cause, fmt, d.word_count)


@pytest.mark.parametrize("cause", c.CAUSES)
def test_phone_script_stays_within_the_limit_with_long_names_and_zones(cause):
    long = facts(
        cause=cause,
        format="phone",
        company="International Business Machines Corporation of North America",
        role="Senior Staff Software Engineer, Platform Infrastructure and Reliability",
        person=c.Person("Maria de los Angeles Garcia Fernandez", "", "America/Argentina/Salta"),
        contacts=(c.ContactInfo("Dr. Jean-Baptiste van der Berg", "interviewer",
                                "Pacific/Chatham"),),
        confirmed=None,
    )
    d = c.compose(c.PHONE_SCRIPT, long, now=NOW)
    assert d.word_count <= c.PHONE_WORD_LIMIT
    # What must stay: who, the apology, a concrete time in both zones, thanks.
    assert "Maria de los Angeles Garcia Fernandez" in d.body
    assert "I missed it, and I am sorry." in d.body
    assert "Pacific/Chatham (my time: " in d.body and "America/Argentina/Salta" in d.body
    assert "Thank you" in d.body


@pytest.mark.parametrize("cause", c.CAUSES)
def test_voicemail_is_short_and_says_availability_follows_by_email(cause):
    d = c.compose(c.VOICEMAIL, facts(cause=cause), now=NOW)
    assert d.word_count <= c.VOICEMAIL_WORD_LIMIT
    assert "availability by email" in d.body
    assert "apologise" in d.body
    assert "+1 312 555 0100" in d.body


def test_missed_time_is_today_in_the_interviewers_zone_with_its_zone():
    d = c.compose(c.APOLOGY_EMAIL, facts(), now=NOW)
    assert "today at 19:30 IST" in d.body
    later = c.compose(c.APOLOGY_EMAIL, facts(), now=NOW + timedelta(days=1))
    assert "yesterday at 19:30 IST" in later.body
    much_later = c.compose(c.APOLOGY_EMAIL, facts(), now=NOW + timedelta(days=3))
    assert "on Mon 2 Mar at 19:30 IST" in much_later.body


def test_apology_email_owns_the_miss_and_has_the_subject_with_name_and_role():
    d = c.compose(c.APOLOGY_EMAIL, facts(), now=NOW)
    assert d.subject == "Alex Jordan: missed interview for the Backend engineer role"
    assert "I missed our interview" in d.body
    assert d.body.count("apologise") == 1
    assert d.body.rstrip().endswith("Alex Jordan\n+1 312 555 0100")


@pytest.mark.parametrize("cause", c.CAUSES)
def test_reason_variant_adds_exactly_the_one_line_of_reason(cause):
    short = c.compose(c.APOLOGY_EMAIL, facts(cause=cause), now=NOW)
    long = c.compose(c.APOLOGY_EMAIL, facts(cause=cause), now=NOW, variant=c.REASON)
    reason = c.reason_line(cause)
    assert reason not in short.body
    assert reason in long.body
    assert long.body.replace(" " + reason, "") == short.body


def test_reason_lines_are_worded_per_cause():
    assert "no excuse" in c.reason_line("personal")
    assert "travel delay" in c.reason_line("transit")
    assert "technical failure" in c.reason_line("technical")
    assert c.reason_line("emergency") == "A personal emergency kept me away."
    assert "time zone" in c.reason_line("timezone")
    assert "calendar" in c.reason_line("calendar")
    assert len(set(map(c.reason_line, c.CAUSES))) == len(c.CAUSES)


def test_emergency_gives_no_detail_and_no_invented_fix():
    d = c.compose(c.APOLOGY_EMAIL, facts(cause="emergency"), now=NOW, variant=c.REASON)
    assert "a personal emergency" in d.body.lower()
    assert "I now" not in d.body


@pytest.mark.parametrize("cause", ["timezone", "calendar"])
def test_time_zone_and_calendar_errors_name_the_safeguard_now_in_place(cause):
    d = c.compose(c.APOLOGY_EMAIL, facts(cause=cause), now=NOW)
    assert c.fix_line(cause) in d.body
    assert "time zones" in c.fix_line("timezone")
    assert "confirm the day before" in c.fix_line("calendar")


def test_technical_failure_offers_another_platform_or_now():
    video = c.compose(c.APOLOGY_EMAIL, facts(cause="technical"), now=NOW)
    assert "another platform" in video.body and "right now" in video.body
    phone = c.compose(c.PHONE_SCRIPT, facts(cause="technical", format="phone"), now=NOW)
    assert "another number" in phone.body
    assert "another platform" not in c.compose(c.APOLOGY_EMAIL, facts(), now=NOW).body


def test_reschedule_request_offers_phone_or_video_and_flexibility():
    d = c.compose(c.RESCHEDULE_REQUEST, facts(), now=NOW)
    assert "phone or video" in d.body
    assert "flexible" in d.body
    assert d.body.count("\n- ") == 3


def test_slot_is_written_in_the_interviewers_zone_first_then_the_persons():
    assert c.slot_text(SLOT_1, "Asia/Kolkata", "America/New_York") == (
        "Wed 4 Mar 2026, 19:30 IST, Asia/Kolkata (my time: 09:00 EST, America/New York)"
    )
    # A zone whose abbreviation is only an offset is written as one.
    assert c.slot_text(SLOT_1, "Asia/Dubai", "Europe/Berlin") == (
        "Wed 4 Mar 2026, 18:00 UTC+04:00, Asia/Dubai (my time: 15:00 CET, Europe/Berlin)"
    )
    # The same zone is written once.
    assert c.slot_text(SLOT_1, "Europe/Berlin", "Europe/Berlin") == (
        "Wed 4 Mar 2026, 15:00 CET, Europe/Berlin"
    )


def test_slots_follow_the_interviewer_contacts_zone_over_the_interviews():
    f = facts(interview_tz="Europe/London", contacts=(INTERVIEWER,))
    d = c.compose(c.RESCHEDULE_REQUEST, f, now=NOW)
    assert "19:30 IST, Asia/Kolkata" in d.body


def test_slots_already_past_are_not_offered():
    later = SLOT_1 + timedelta(minutes=1)
    d = c.compose(c.APOLOGY_EMAIL, facts(), now=later)
    assert "Wed 4 Mar 2026, 19:30" not in d.body
    assert SLOT_TEXTS[1][0] in d.body and SLOT_TEXTS[2][0] in d.body
    none_left = c.compose(c.RESCHEDULE_REQUEST, facts(), now=SLOT_3)
    assert none_left.missing == (c.NEED_SLOTS,)


def test_confirmation_spells_out_date_time_zone_link_and_interviewer():
    d = c.compose(c.CONFIRMATION, facts(), now=NOW)
    assert d.subject == "Confirmed: Backend engineer interview on Mon 9 Mar 2026"
    assert "- Length: 45 minutes" in d.body
    assert "- Link: https://meet.example/abc" in d.body
    assert "- With: Priya Raman" in d.body


def test_confirmation_without_a_link_asks_for_it_instead_of_a_placeholder():
    cf = replace(facts().confirmed, location="", interviewer="")
    d = c.compose(c.CONFIRMATION, facts(confirmed=cf), now=NOW)
    assert "Could you send me the link" in d.body
    assert "With:" not in d.body and "Link:" not in d.body
    onsite = c.compose(c.CONFIRMATION, facts(confirmed=replace(cf, format="onsite")), now=NOW)
    assert "confirm the address" in onsite.body


def test_follow_up_refers_to_the_request_and_says_it_once():
    d = c.compose(c.FOLLOW_UP, facts(), now=NOW + timedelta(days=3))
    assert "my message of Mon 2 Mar" in d.body
    assert d.subject.startswith("Following up")


def test_thank_you_names_the_topic_and_the_promised_materials():
    d = c.compose(c.THANK_YOU, facts(), now=CONFIRMED + timedelta(hours=2))
    assert "moving billing to event sourcing" in d.body
    assert "speaking with me today" in d.body
    assert "a code sample and two references" in d.body


def test_recruiter_note_goes_to_the_recruiter_and_names_the_interviewer():
    d = c.compose(c.RECRUITER_NOTE, facts(), now=NOW, to=INTERVIEWER)
    assert d.to == RECRUITER
    assert d.body.startswith("Dear Sam O'Neill,")
    assert "with Priya Raman" in d.body
    assert "Could you help me find a new time?" in d.body


def test_decline_reply_and_keep_in_touch_leave_the_door_open():
    decline = c.compose(c.DECLINE_REPLY, facts(), now=NOW)
    assert "future roles" in decline.body
    keep = c.compose(c.KEEP_IN_TOUCH, facts(), now=NOW)
    assert "stay in touch" in keep.body


def test_chosen_recipient_overrides_the_default():
    d = c.compose(c.APOLOGY_EMAIL, facts(), now=NOW, to=RECRUITER)
    assert d.body.startswith("Dear Sam O'Neill,")


# --- Missing facts: asked for, never a placeholder ---------------------------------------


@pytest.mark.parametrize(
    ("kind", "overrides", "missing"),
    [
        (c.APOLOGY_EMAIL, {"contacts": ()}, (c.NEED_CONTACT,)),
        (c.APOLOGY_EMAIL, {"contacts": (c.ContactInfo(" "),)}, (c.NEED_CONTACT,)),
        (c.RESCHEDULE_REQUEST, {"slots": ()}, (c.NEED_SLOTS,)),
        (c.RESCHEDULE_REQUEST, {"slots": (c.Slot(SLOT_1, "Asia/Kolkata"),)}, (c.NEED_SLOTS,)),
        (c.RECRUITER_NOTE, {"contacts": (INTERVIEWER,)}, (c.NEED_RECRUITER,)),
        (c.CONFIRMATION, {"confirmed": None}, (c.NEED_CONFIRMED,)),
        (c.THANK_YOU, {"thank_you_topic": "  "}, (c.NEED_TOPIC,)),
        (c.MATERIALS_COVER, {"materials": ()}, (c.NEED_MATERIALS,)),
        (c.FOLLOW_UP, {"person": c.Person("", "", "UTC")}, (c.NEED_NAME,)),
        (c.RESCHEDULE_REQUEST, {"contacts": (), "slots": ()}, (c.NEED_CONTACT, c.NEED_SLOTS)),
    ],
)
def test_missing_fact_gives_no_draft_but_names_what_to_ask(kind, overrides, missing):
    d = c.compose(kind, facts(**overrides), now=NOW)
    assert not d.ready
    assert d.missing == missing
    assert d.body == "" and d.subject == ""


@pytest.mark.parametrize("cause", c.CAUSES)
def test_without_slots_the_apology_invites_them_to_propose_a_time(cause):
    d = c.compose(c.APOLOGY_EMAIL, facts(cause=cause, slots=()), now=NOW)
    assert d.ready
    assert d.improve == (c.NEED_SLOTS,)
    assert "please suggest one that suits you" in d.body
    assert not PLACEHOLDER.search(d.body)
    assert check(d.body, kind=c.APOLOGY_EMAIL) == []


@pytest.mark.parametrize("kind", [c.PHONE_SCRIPT, c.VOICEMAIL])
def test_call_and_voicemail_work_without_a_contact_name(kind):
    d = c.compose(kind, facts(contacts=(), slots=()), now=NOW)
    assert d.ready
    assert c.NEED_CONTACT in d.improve
    assert not PLACEHOLDER.search(d.body)
    assert check(d.body, kind=kind) == []


def test_without_a_phone_the_signature_is_just_the_name():
    d = c.compose(c.APOLOGY_EMAIL, facts(person=c.Person("Alex Jordan", "", "America/Chicago")),
                  now=NOW)
    assert d.body.endswith("Kind regards,\nAlex Jordan")
    v = c.compose(c.VOICEMAIL, facts(person=c.Person("Alex Jordan", "", "America/Chicago")),
                  now=NOW)
    assert "reach me on" not in v.body


def test_unknown_kind_and_naive_now_are_refused():
    with pytest.raises(ValueError):
        c.compose("love_letter", facts(), now=NOW)
    with pytest.raises(ValueError):
        c.compose(c.APOLOGY_EMAIL, facts(), now=NOW.replace(tzinfo=None))


# --- mailto: ------------------------------------------------------------------------------


def _parse_mailto(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    assert parts.scheme == "mailto"
    params = {}
    for pair in parts.query.split("&") if parts.query else []:
        key, _, value = pair.partition("=")
        assert key not in params
        params[key] = unquote(value)
    return unquote(parts.path), params


def test_mailto_round_trips_non_ascii_line_breaks_ampersand_and_question_mark():
    subject = "Entrevista – José Müller & Søn? 100% = ok #1 + más"
    body = "Dear Zoë,\nIs 14:00 CET ok? A & B\n\n- Tom & Jerry?a=1&b=2#x\r\nÇa va ✓"
    url = c.mailto_url("priya+jobs@acme.example", subject, body)
    address, params = _parse_mailto(url)
    assert address == "priya+jobs@acme.example"
    assert params["subject"] == subject
    assert params["body"] == body.replace("\r\n", "\n").replace("\n", "\r\n")
    assert "%0D%0A" in url
    assert "\n" not in url and " " not in url
    assert url.count("&") == 1 and url.count("?") == 1


def test_mailto_escapes_markup():
    url = c.mailto_url("", "<script>alert(1)</script>", "a <b>")
    assert "<" not in url and ">" not in url
    assert "%3Cscript%3E" in url


def test_mailto_without_address_or_subject():
    assert c.mailto_url("", "", "") == "mailto:"
    assert c.mailto_url("", "", "hi") == "mailto:?body=hi"


@given(
    subject=st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60),
    body=st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300),
)
def test_mailto_round_trips_any_text(subject, body):
    _, params = _parse_mailto(c.mailto_url("a@b.example", subject, body))
    assert params.get("subject", "") == subject
    normalised = re.sub(r"\r\n|\r|\n", "\r\n", body)
    assert params.get("body", "") == normalised


@pytest.mark.parametrize("kind", [c.PHONE_SCRIPT, c.APOLOGY_EMAIL])
@pytest.mark.parametrize("has_slots", [True, False])
def test_technical_failure_offers_to_connect_now_only_once(kind, has_slots):
    f = facts(cause="technical", slots=facts().slots if has_slots else ())
    body = c.compose(kind, f, now=NOW).body
    assert len(re.findall(r"right now|now if you are free|speak now", body)) == 1, body
