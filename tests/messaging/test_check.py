"""The "what not to say" check: for each rule a text that must be flagged and a close one that
must not, and each finding naming its sentence."""

import pytest

from tracker.messaging.check import RULES, check, sentences

THANKS = " Thank you for your time."

# (rule, kind, flagged text, the sentence it must name or "" when something is missing,
#  a close text that must not fire that rule)
CASES = [
    (
        "over_apologising", None,
        "I am so sorry I missed our interview. I apologise again for the trouble." + THANKS,
        "I apologise again for the trouble.",
        "I am so sorry I missed our interview. I know your time is valuable." + THANKS,
    ),
    (
        "over_apologising", None,
        "I missed our interview, and I apologise. Please give me another chance." + THANKS,
        "Please give me another chance.",
        "I missed our interview, and I apologise. I would welcome the chance to talk." + THANKS,
    ),
    (
        "long_explanation", None,
        "I missed our interview, and I apologise. My alarm failed because the power went out. "
        "After that the bus was late due to roadworks." + THANKS,
        "After that the bus was late due to roadworks.",
        "I missed our interview, and I apologise. I was late because my train was held up."
        + THANKS,
    ),
    (
        "long_explanation", None,
        "I apologise for missing it. It happened because the night before I was helping a friend "
        "move house across town and we only finished very late, so I slept through both of the "
        "alarms I had set on my phone." + THANKS,
        "It happened because the night before I was helping a friend move house across town and "
        "we only finished very late, so I slept through both of the alarms I had set on my "
        "phone.",
        "I apologise for missing it. It happened because I slept through my alarm." + THANKS,
    ),
    (
        "blame", None,
        "I am sorry. Your invitation had the wrong time zone." + THANKS,
        "Your invitation had the wrong time zone.",
        "I am sorry. I misread the time zone in your invitation." + THANKS,
    ),
    (
        "blame", None,
        "I am sorry. It was not my fault." + THANKS,
        "It was not my fault.",
        "I am sorry. It was my fault." + THANKS,
    ),
    (
        "blame", None,
        "Unfortunately the interview was missed, and I am sorry." + THANKS,
        "Unfortunately the interview was missed, and I am sorry.",
        "Unfortunately I missed the interview, and I am sorry." + THANKS,
    ),
    (
        "blame", None,
        "I am sorry. The recruiter sent me the wrong link." + THANKS,
        "The recruiter sent me the wrong link.",
        "I am sorry. The recruiter sent me the link, and I opened the wrong one." + THANKS,
    ),
    (
        "personal_detail", None,
        "I am sorry. My mother was taken to hospital with chest pains." + THANKS,
        "My mother was taken to hospital with chest pains.",
        "I am sorry. A personal emergency kept me away." + THANKS,
    ),
    (
        "personal_detail", None,
        "I am sorry. I was up all night with food poisoning." + THANKS,
        "I was up all night with food poisoning.",
        "I am sorry. I was unwell and could not join." + THANKS,
    ),
    (
        "personal_detail", None,
        "I am sorry. I am completely devastated about this." + THANKS,
        "I am completely devastated about this.",
        "I am sorry. I am still very keen on the role." + THANKS,
    ),
    (
        "demand", None,
        "I am sorry. You must give me a new slot this week." + THANKS,
        "You must give me a new slot this week.",
        "I am sorry. Could you give me a new slot this week, by 17:00 CET?" + THANKS,
    ),
    (
        "demand", None,
        "I am sorry. I expect a new interview, it is only fair." + THANKS,
        "I expect a new interview, it is only fair.",
        "I am sorry. I hope we can find a new time; please suggest one." + THANKS,
    ),
    (
        "time_without_zone", None,
        "I am sorry. Could we speak on Tuesday at 14:00?" + THANKS,
        "Could we speak on Tuesday at 14:00?",
        "I am sorry. Could we speak on Tuesday at 14:00 CET?" + THANKS,
    ),
    (
        "time_without_zone", None,
        "I am sorry. I am free at 3pm or 4 pm." + THANKS,
        "I am free at 3pm or 4 pm.",
        "I am sorry. I am free at 3pm or 4 pm London time." + THANKS,
    ),
    (
        "time_without_zone", None,
        "Thank you. Wed 4 Mar, 09:30.",
        "Wed 4 Mar, 09:30.",
        "Thank you. Wed 4 Mar, 09:30 UTC+05:30, Asia/Kolkata (my time: 22:00 CST).",
    ),
    (
        "no_apology", "apology_email",
        "Dear Priya, I missed our interview today. Could we find a new time?" + THANKS,
        "",
        "Dear Priya, I missed our interview today, and I apologise. Could we find a new time?"
        + THANKS,
    ),
    (
        "no_apology", None,
        "I missed our interview yesterday." + THANKS,
        "",
        "I missed our interview yesterday, and I am sorry." + THANKS,
    ),
    (
        "no_times", "reschedule_request",
        "Could we find a new time? I am free most days next week." + THANKS,
        "",
        "Could we find a new time? I am free on Wed 4 Mar at 10:00 CET." + THANKS,
    ),
    (
        "no_times", None,
        "I am sorry. Could we reschedule for next week?" + THANKS,
        "",
        "I am sorry. Could we reschedule? Please suggest a time that suits you." + THANKS,
    ),
    (
        "no_thanks", None,
        "I am sorry I missed it. Could we talk tomorrow at 10:00 CET?",
        "",
        "I am sorry I missed it. Could we talk tomorrow at 10:00 CET? Thanks.",
    ),
]


@pytest.mark.parametrize(("rule", "kind", "flagged", "sentence", "close"), CASES)
def test_rule_fires_on_the_text_and_names_the_sentence(rule, kind, flagged, sentence, close):
    hits = [f for f in check(flagged, kind=kind) if f.rule == rule]
    assert hits, check(flagged, kind=kind)
    assert hits[0].sentence == sentence
    assert hits[0].why == RULES[rule].why and hits[0].fix == RULES[rule].fix


@pytest.mark.parametrize(("rule", "kind", "flagged", "sentence", "close"), CASES)
def test_rule_does_not_fire_on_the_close_text(rule, kind, flagged, sentence, close):
    assert [f for f in check(close, kind=kind) if f.rule == rule] == []


def test_every_rule_has_a_case():
    assert {case[0] for case in CASES} == set(RULES)


def test_every_rule_says_why_in_one_line_and_suggests_a_fix():
    for rule in RULES.values():
        assert rule.why and "\n" not in rule.why
        assert rule.fix and "\n" not in rule.fix


def test_a_clean_message_has_no_findings():
    text = (
        "Dear Priya,\n\nI missed our interview today at 19:30 IST, and I apologise. I got the "
        "time zone wrong.\n\nCould we find a new time? I could do:\n"
        "- Wed 4 Mar 2026, 19:30 IST, Asia/Kolkata (my time: 08:00 CST, America/Chicago)\n\n"
        "Thank you for your understanding.\n\nKind regards,\nAlex"
    )
    assert check(text, kind="apology_email") == []


def test_several_problems_come_in_text_order_with_missing_ones_last():
    text = "You must see me at 10:00. My wife was ill. Sorry. So sorry."
    rules = [f.rule for f in check(text, kind="apology_email")]
    assert rules == ["demand", "time_without_zone", "personal_detail", "over_apologising",
                     "no_thanks"]


def test_an_apology_is_not_required_of_a_thank_you_note():
    text = "Thank you for speaking with me today about the role."
    assert check(text, kind="thank_you") == []


def test_empty_text_has_no_findings():
    assert check("", kind="apology_email") == []
    assert check("   \n ", kind=None) == []


def test_sentences_split_lines_and_bullets():
    assert sentences("Hello Priya.\nI am sorry. Could we talk?\n- Wed 4 Mar, 10:00 CET\n") == [
        "Hello Priya.", "I am sorry.", "Could we talk?", "- Wed 4 Mar, 10:00 CET",
    ]
