"""The message composer: the words for every step of recovering from a missed interview.

Pure: plain dataclasses in (built from the ORM by the caller), a `Draft` out; no ORM, no clock
(`now` is passed in). Where a fact a draft needs is missing, the draft comes back empty with the
missing facts named, so the page can ask for them: no draft ever carries a placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from tracker.zones import format_offset, get_zone

# Draft kinds, in the order a person meets them.
PHONE_SCRIPT = "phone_script"
VOICEMAIL = "voicemail"
APOLOGY_EMAIL = "apology_email"
RESCHEDULE_REQUEST = "reschedule_request"
RECRUITER_NOTE = "recruiter_note"
CONFIRMATION = "confirmation"
FOLLOW_UP = "follow_up"
DECLINE_REPLY = "decline_reply"
KEEP_IN_TOUCH = "keep_in_touch"
THANK_YOU = "thank_you"
MATERIALS_COVER = "materials_cover"

# The variant of the apology email that carries one factual line of reason.
REASON = "reason"

# Facts a draft may need; the page maps each to a small form or a link.
NEED_NAME = "full_name"  # the person's own name (profile)
NEED_CONTACT = "contact"  # someone to write to, with a name
NEED_RECRUITER = "recruiter"  # a recruiter, HR or scheduling coordinator
NEED_SLOTS = "slots"  # two or three future times
NEED_CONFIRMED = "confirmed"  # the agreed new interview
NEED_TOPIC = "topic"  # what the thank-you note names
NEED_MATERIALS = "materials"  # what was promised

CAUSES = ("personal", "transit", "technical", "emergency", "timezone", "calendar", "other")
INTERMEDIARY_ROLES = ("recruiter", "hr", "coordinator")


@dataclass(frozen=True)
class KindInfo:
    slug: str
    label: str
    when: str  # one line: when to use it
    channel: str  # Outreach.Channel value it is recorded as
    purpose: str  # Outreach.Purpose value it is recorded as
    is_email: bool
    variants: tuple[str, ...] = ()


KINDS: dict[str, KindInfo] = {
    k.slug: k
    for k in (
        KindInfo(PHONE_SCRIPT, "Phone script", "Call first if you have a direct number and the "
                 "interview was today. Under a minute.", "call", "apology", False),
        KindInfo(VOICEMAIL, "Voicemail", "If nobody answers: under 30 seconds, then send the "
                 "email.", "voicemail", "apology", False),
        KindInfo(APOLOGY_EMAIL, "Apology email", "Within the first hour, with two or three new "
                 "times.", "email", "apology", True, (REASON,)),
        KindInfo(RESCHEDULE_REQUEST, "Reschedule request", "Two or three new times in their "
                 "zone and yours.", "email", "reschedule", True),
        KindInfo(RECRUITER_NOTE, "Note to the recruiter", "If a recruiter or coordinator booked "
                 "the interview: ask them to help.", "email", "reschedule", True),
        KindInfo(CONFIRMATION, "Confirmation", "Once a time is agreed: date, time with zone, "
                 "link or place, interviewer.", "email", "confirmation", True),
        KindInfo(FOLLOW_UP, "Follow-up", "No reply after a few business days: follow up once.",
                 "email", "follow_up", True),
        KindInfo(DECLINE_REPLY, "Reply to a decline", "They said no: reply graciously.",
                 "email", "other", True),
        KindInfo(KEEP_IN_TOUCH, "Keeping in touch", "When you move on: leave the door open.",
                 "email", "other", True),
        KindInfo(THANK_YOU, "Thank-you note", "The same day as the rescheduled interview.",
                 "email", "thank_you", True),
        KindInfo(MATERIALS_COVER, "Cover note for materials", "With what you promised to send.",
                 "email", "materials", True),
    )
}


@dataclass(frozen=True)
class Person:
    full_name: str
    phone: str = ""
    time_zone: str = "UTC"


@dataclass(frozen=True)
class ContactInfo:
    name: str
    role: str = "interviewer"  # Contact.Role value
    time_zone: str = ""
    email: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware
    time_zone: str


@dataclass(frozen=True)
class Confirmed:
    start: datetime  # aware
    time_zone: str
    duration_minutes: int
    format: str = ""  # Incident.Format value
    location: str = ""
    interviewer: str = ""


@dataclass(frozen=True)
class Facts:
    """What the composer knows about one incident."""

    company: str
    role: str
    cause: str
    format: str
    interview_at: datetime  # aware
    interview_tz: str
    person: Person
    contacts: tuple[ContactInfo, ...] = ()
    slots: tuple[Slot, ...] = ()
    requested_at: datetime | None = None  # when the current reschedule was requested
    confirmed: Confirmed | None = None
    thank_you_topic: str = ""
    materials: tuple[str, ...] = ()  # promised items still to deliver


@dataclass(frozen=True)
class Draft:
    kind: str
    subject: str = ""
    body: str = ""
    to: ContactInfo | None = None
    missing: tuple[str, ...] = ()  # facts to ask for before there is a draft
    improve: tuple[str, ...] = ()  # optional facts that would make it better
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def ready(self) -> bool:
        return not self.missing

    @property
    def info(self) -> KindInfo:
        return KINDS[self.kind]

    @property
    def word_count(self) -> int:
        return len(self.body.split())


PHONE_WORD_LIMIT = 130
VOICEMAIL_WORD_LIMIT = 75


# ---------------------------------------------------------------------------------------------
# Times


def zone_label(zone: str) -> str:
    return zone.replace("_", " ")


def _abbr(local: datetime) -> str:
    """'CET', or 'UTC+05:45' where the zone has no letters for itself."""
    name = local.tzname() or ""
    if name and not name.startswith(("+", "-")):
        return name
    return f"UTC{format_offset(local)}"


def _clock(local: datetime) -> str:
    return f"{local:%H:%M} {_abbr(local)}"


def _day(local: datetime, *, year: bool = True) -> str:
    text = f"{local:%a} {local.day} {local:%b}"
    return f"{text} {local:%Y}" if year else text


def slot_text(start: datetime, their_tz: str, my_tz: str) -> str:
    """'Wed 4 Mar 2026, 19:30 IST, Asia/Kolkata (my time: 08:00 CST, America/Chicago)'.

    The interviewer's zone first, the person's in brackets, each with its zone name.
    """
    theirs = start.astimezone(get_zone(their_tz))
    text = f"{_day(theirs)}, {_clock(theirs)}, {zone_label(their_tz)}"
    if not my_tz or my_tz == their_tz:
        return text
    mine = start.astimezone(get_zone(my_tz))
    day = "" if mine.date() == theirs.date() else f"{_day(mine, year=False)}, "
    return f"{text} (my time: {day}{_clock(mine)}, {zone_label(my_tz)})"


def when_text(instant: datetime, zone: str, now: datetime) -> str:
    """'today at 14:00 CET', 'yesterday at ...' or 'on Mon 2 Mar at ...', seen from `zone`."""
    return f"{_day_only(instant, zone, now)} at {_clock(instant.astimezone(get_zone(zone)))}"


def _day_only(instant: datetime, zone: str, now: datetime) -> str:
    """'today', 'yesterday' or 'on Mon 2 Mar' (with the year when it is not this one)."""
    local = instant.astimezone(get_zone(zone))
    today = now.astimezone(get_zone(zone)).date()
    if local.date() == today:
        return "today"
    if local.date() == today - timedelta(days=1):
        return "yesterday"
    return f"on {_day(local, year=local.year != today.year)}"


# ---------------------------------------------------------------------------------------------
# Wording by cause. One factual line of reason at most; the fix names what is now in place.

_REASON = {
    "personal": "There is no excuse: I got my timing wrong.",
    "transit": "I was held up by a travel delay.",
    "technical": "A technical failure on my side kept me from joining.",
    "emergency": "A personal emergency kept me away.",
    "timezone": "I got the time zone wrong and had the wrong hour in my calendar.",
    "calendar": "I put the wrong time in my calendar.",
    "other": "The mistake was mine, and I take full responsibility for it.",
}

_FIX = {
    "personal": "I now set alarms on two devices, 24 hours and 1 hour before every interview.",
    "transit": "I now block a generous travel buffer before every interview.",
    "technical": "I now run a full tech check 30 minutes before every call.",
    "emergency": "",
    "timezone": "Every entry in my calendar now shows both time zones, with alarms 24 hours "
    "and 1 hour before.",
    "calendar": "I now check each calendar entry against the invitation and confirm the day "
    "before.",
    "other": "I now set alarms on two devices, 24 hours and 1 hour before every interview.",
}


def reason_line(cause: str) -> str:
    return _REASON.get(cause, _REASON["other"])


def fix_line(cause: str) -> str:
    return _FIX.get(cause, _FIX["other"])


def _alternative(facts: Facts) -> str:
    """For a technical failure: another platform, or now."""
    if facts.cause != "technical":
        return ""
    if facts.format == "phone":
        return "I can also take the call on another number, or speak right now if you are free."
    return "I can also join on another platform, or connect right now if you are free."


# ---------------------------------------------------------------------------------------------
# Choosing who a draft is for


def interviewer_tz(facts: Facts) -> str:
    """The interviewer's zone: the agreed slot's, an interviewer contact's, or the interview's."""
    if facts.confirmed is not None and facts.confirmed.time_zone:
        return facts.confirmed.time_zone
    for c in facts.contacts:
        if c.role == "interviewer" and c.time_zone:
            return c.time_zone
    return facts.interview_tz


def default_contact(kind: str, contacts: Sequence[ContactInfo], *,
                    interviewer_name: str = "") -> ContactInfo | None:
    """The person a draft is addressed to unless the page says otherwise."""
    named = [c for c in contacts if c.name.strip()]
    if kind == RECRUITER_NOTE:
        return next((c for c in named if c.role in INTERMEDIARY_ROLES), None)
    if kind == THANK_YOU:
        return (
            next((c for c in named if interviewer_name and c.name == interviewer_name), None)
            or next((c for c in named if c.role == "interviewer"), None)
            or (named[0] if named else None)
        )
    # The first contact linked is the point of contact the person named when logging.
    return named[0] if named else None


def future_slots(facts: Facts, now: datetime) -> list[Slot]:
    return sorted((s for s in facts.slots if s.start > now), key=lambda s: s.start)


# ---------------------------------------------------------------------------------------------
# The drafts


def _signature(person: Person, closing: str = "Kind regards,") -> str:
    lines = [closing, person.full_name.strip()]
    if person.phone.strip():
        lines.append(person.phone.strip())
    return "\n".join(lines)


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {i}" for i in items)


def _join(*parts: str) -> str:
    """Sentences into one paragraph, skipping the empty ones."""
    return " ".join(p for p in parts if p)


def _paragraphs(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def _listed(items: Sequence[str], last: str) -> str:
    """'a, b or c' (last="or") or 'a, b and c' (last="and")."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def _letter(c: _Ctx, *paragraphs: str, closing: str = "Kind regards,") -> str:
    """An email body: the greeting, the paragraphs (empty ones left out), the signature."""
    return _paragraphs(c.greeting, *paragraphs, _signature(c.facts.person, closing))


def compose(
    kind: str,
    facts: Facts,
    *,
    now: datetime,
    to: ContactInfo | None = None,
    variant: str = "",
) -> Draft:
    """The draft of `kind` for this incident, or an empty draft naming the missing facts.

    `to` overrides the default addressee (one of `facts.contacts`).
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown draft kind {kind!r}")
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    confirmed_interviewer = facts.confirmed.interviewer if facts.confirmed else ""
    if to is None or (kind == RECRUITER_NOTE and to.role not in INTERMEDIARY_ROLES):
        to = default_contact(kind, facts.contacts, interviewer_name=confirmed_interviewer)
    if to is not None and not to.name.strip():
        to = None
    slots = future_slots(facts, now)

    missing: list[str] = []
    improve: list[str] = []
    if not facts.person.full_name.strip():
        missing.append(NEED_NAME)
    if kind == RECRUITER_NOTE:
        if to is None or to.role not in INTERMEDIARY_ROLES:
            missing.append(NEED_RECRUITER)
    elif to is None:
        (improve if kind in (PHONE_SCRIPT, VOICEMAIL) else missing).append(NEED_CONTACT)
    if kind in (RESCHEDULE_REQUEST, RECRUITER_NOTE) and len(slots) < 2:
        missing.append(NEED_SLOTS)
    if kind in (APOLOGY_EMAIL, PHONE_SCRIPT) and len(slots) < 2:
        improve.append(NEED_SLOTS)
    if kind == CONFIRMATION and facts.confirmed is None:
        missing.append(NEED_CONFIRMED)
    if kind == THANK_YOU and not facts.thank_you_topic.strip():
        missing.append(NEED_TOPIC)
    if kind == MATERIALS_COVER and not facts.materials:
        missing.append(NEED_MATERIALS)
    if missing:
        return Draft(kind=kind, to=to, missing=tuple(missing), improve=tuple(improve))

    writer = _WRITERS[kind]
    ctx = _Ctx(facts=facts, now=now, to=to, slots=slots, variant=variant)
    subject, body = writer(ctx)
    return Draft(kind=kind, subject=subject, body=body, to=to, improve=tuple(improve))


@dataclass(frozen=True)
class _Ctx:
    facts: Facts
    now: datetime
    to: ContactInfo | None
    slots: list[Slot]
    variant: str

    @property
    def name(self) -> str:
        return self.facts.person.full_name.strip()

    @property
    def their_tz(self) -> str:
        return interviewer_tz(self.facts)

    @property
    def my_tz(self) -> str:
        return self.facts.person.time_zone

    @property
    def missed_when(self) -> str:
        return when_text(self.facts.interview_at, self.their_tz, self.now)

    @property
    def greeting(self) -> str:
        return f"Dear {self.to.name.strip()}," if self.to else "Hello,"

    def slot_lines(self, limit: int = 3) -> list[str]:
        return [slot_text(s.start, self.their_tz, self.my_tz) for s in self.slots[:limit]]

    @property
    def role(self) -> str:
        return self.facts.role.strip()

    @property
    def company(self) -> str:
        return self.facts.company.strip()

    @property
    def role_at(self) -> str:
        return f"the {self.role} role at {self.company}"


def _phone_script(c: _Ctx) -> tuple[str, str]:
    """Under a minute: the first version that fits PHONE_WORD_LIMIT, shedding the least
    needed sentences first (long names and zones can push it over)."""
    f = c.facts
    # For a technical failure the alternative already offers to connect now.
    now_too = c.missed_when.startswith("today") and f.cause != "technical"
    ask_for = f" Could I speak with {c.to.name.strip()}, please?" if c.to else ""
    opening = f"Hello, this is {c.name}.{ask_for}"
    about = f"I was due to interview for {c.role_at} {c.missed_when}. I missed it, and I am sorry."
    interest = "I am still very interested in the role."

    def version(*, interest: str, reason: str, slot_count: int) -> str:
        slots = c.slot_lines(limit=slot_count)
        if slots:
            ask = (f"Could we find a new time? I could do {_listed(slots, 'or')}"
                   f"{', or now if you are free' if now_too else ''}.")
        elif f.cause == "technical":
            ask = "Could we find a new time? Any time that suits you works for me."
        else:
            ask = ("Could we find a new time? I can speak now if you are free, or at any time "
                   "that suits you.")
        return _paragraphs(opening, _join(about, reason), _join(interest, ask, _alternative(f)),
                           "Thank you for taking my call.")

    reason = reason_line(f.cause)
    ladder = [
        version(interest=interest, reason=reason, slot_count=2),
        version(interest="", reason=reason, slot_count=2),
        version(interest="", reason="", slot_count=2),
        version(interest="", reason="", slot_count=1),
    ]
    body = next((b for b in ladder if len(b.split()) <= PHONE_WORD_LIMIT), ladder[-1])
    return "", body


def _voicemail(c: _Ctx) -> tuple[str, str]:
    hello = f"Hello {c.to.name.strip()}, this is {c.name}" if c.to else f"Hello, this is {c.name}"
    phone = c.facts.person.phone.strip()
    callback = f" You can reach me on {phone}." if phone else ""
    body = (
        f"{hello}, about the interview for {c.role_at} {c.missed_when}. "
        "I missed it, and I apologise. "
        "I am sending my availability by email right after this call."
        f"{callback} Thank you."
    )
    return "", body


def _apology_email(c: _Ctx) -> tuple[str, str]:
    f = c.facts
    reason = reason_line(f.cause) if c.variant == REASON else ""
    opening = _join(f"I missed our interview for {c.role_at} {c.missed_when}, and I apologise.",
                    reason)
    slots = c.slot_lines()
    if slots:
        ask = _paragraphs(
            "I remain very interested in the role and would value the chance to speak with "
            "you. Could we find a new time? I could do any of these:",
            _bullets(slots),
            _join("I am flexible if none of these suit you, and glad to speak by phone or "
                  "video.", _alternative(f)),
        )
    else:
        ask = _join(
            "I remain very interested in the role and would value the chance to speak with "
            "you. If you are open to a new time, please suggest one that suits you and I will "
            "make it work, by phone or video.",
            _alternative(f),
        )
    return f"{c.name}: missed interview for the {c.role} role", _letter(
        c, opening, ask, fix_line(f.cause), "Thank you for your understanding."
    )


def _reschedule_request(c: _Ctx) -> tuple[str, str]:
    missed = _day_only(c.facts.interview_at, c.their_tz, c.now)
    return f"New time for the {c.role} interview – {c.name}", _letter(
        c,
        f"I would like to ask for a new time for the interview for {c.role_at}, which I "
        f"missed {missed}. I could do any of these:",
        _bullets(c.slot_lines()),
        "I am flexible if none of these suit you, and glad to speak by phone or video.",
        "Thank you for considering it.",
    )


def _recruiter_note(c: _Ctx) -> tuple[str, str]:
    f = c.facts
    interviewer = next((x for x in f.contacts if x.role == "interviewer" and x.name.strip()),
                       None)
    with_whom = f" with {interviewer.name.strip()}" if interviewer else ""
    return f"Rescheduling my {c.role} interview at {c.company} – {c.name}", _letter(
        c,
        _join(f"I missed my interview{with_whom} for {c.role_at} {c.missed_when}, and I am "
              "sorry for the extra work this makes for you.", reason_line(f.cause)),
        "I am still very interested in the role. Could you help me find a new time? I could "
        "do any of these:",
        _bullets(c.slot_lines()),
        "I am flexible if none of these suit, and glad to speak by phone or video.",
        "Thank you for your help.",
    )


def _confirmation(c: _Ctx) -> tuple[str, str]:
    f = c.facts
    cf = f.confirmed
    assert cf is not None  # compose() asked for it otherwise
    fmt = cf.format or f.format
    lines = [f"When: {slot_text(cf.start, cf.time_zone, c.my_tz)}",
             f"Length: {cf.duration_minutes} minutes"]
    ask = ""
    if cf.location.strip():
        label = {"onsite": "Where", "phone": "Number"}.get(fmt, "Link")
        lines.append(f"{label}: {cf.location.strip()}")
    elif fmt == "video":
        ask = "Could you send me the link when it is ready?"
    elif fmt == "onsite":
        ask = "Could you confirm the address and who I should ask for?"
    elif fmt == "phone":
        ask = "Could you confirm which number you will call, or which I should call?"
    if cf.interviewer.strip():
        lines.append(f"With: {cf.interviewer.strip()}")
    how = {"video": "by video", "phone": "by phone", "onsite": "in person"}.get(fmt, "")
    theirs = cf.start.astimezone(get_zone(cf.time_zone))
    return f"Confirmed: {c.role} interview on {_day(theirs)}", _letter(
        c,
        f"Thank you for finding a new time. To confirm our interview for {c.role_at}"
        f"{' ' + how if how else ''}:",
        _bullets(lines),
        _join(ask, "I look forward to speaking with you."),
    )


def _follow_up(c: _Ctx) -> tuple[str, str]:
    f = c.facts
    when = (f"of {_day(f.requested_at.astimezone(get_zone(c.my_tz)), year=False)}"
            if f.requested_at else "")
    earlier = f"my message {when}".strip()
    slots = c.slot_lines()
    if slots:
        times = _paragraphs("The times I suggested still work for me:", _bullets(slots),
                            "I am happy to fit in with another time if that is easier.")
    else:
        times = "I am happy to fit in with any time that suits you, by phone or video."
    return f"Following up: {c.role} interview – {c.name}", _letter(
        c,
        f"I am following up on {earlier} about a new time for the interview for {c.role_at}. "
        "I remain keen on the role.",
        times,
        "If the position has moved on, a short reply would help me too.",
        "Thank you for your time.",
    )


def _decline_reply(c: _Ctx) -> tuple[str, str]:
    return f"Re: {c.role} interview", _letter(
        c,
        "Thank you for letting me know, and for the time you gave me. I understand the "
        "decision.",
        f"I remain interested in {c.company}, and would be glad to be considered for future "
        "roles that fit my experience.",
        "I wish you and the team every success with the search.",
    )


def _keep_in_touch(c: _Ctx) -> tuple[str, str]:
    return f"Staying in touch – {c.name}", _letter(
        c,
        f"Thank you for your time during the process for {c.role_at}. I understand the timing "
        "did not work out this time.",
        f"I continue to follow the work at {c.company} with interest, and would be glad to hear "
        "from you if a role that fits my experience opens up. I would be happy to stay in "
        "touch.",
        closing="With thanks and best wishes,",
    )


def _thank_you(c: _Ctx) -> tuple[str, str]:
    f = c.facts
    when = _day_only(f.confirmed.start, c.their_tz, c.now) if f.confirmed else "today"
    materials = ""
    if f.materials:
        materials = f"As promised, I will send {_listed(f.materials, 'and')} shortly."
    return f"Thank you – {c.role} interview", _letter(
        c,
        f"Thank you for speaking with me {when} about {c.role_at}, and for making the time "
        "again.",
        f"I especially valued our conversation about {f.thank_you_topic.strip()}; it made me "
        "more certain that I would like to contribute to your team.",
        materials,
        "I look forward to hearing about the next steps.",
    )


def _materials_cover(c: _Ctx) -> tuple[str, str]:
    return f"Materials for the {c.role} role – {c.name}", _letter(
        c,
        f"As promised in our conversation about {c.role_at}, here is what I said I would send:",
        _bullets(c.facts.materials),
        f"I chose each with the priorities of the {c.role} role in mind, and I am happy to walk "
        "you through any of them.",
        "Thank you again for your time.",
    )


_WRITERS = {
    PHONE_SCRIPT: _phone_script,
    VOICEMAIL: _voicemail,
    APOLOGY_EMAIL: _apology_email,
    RESCHEDULE_REQUEST: _reschedule_request,
    RECRUITER_NOTE: _recruiter_note,
    CONFIRMATION: _confirmation,
    FOLLOW_UP: _follow_up,
    DECLINE_REPLY: _decline_reply,
    KEEP_IN_TOUCH: _keep_in_touch,
    THANK_YOU: _thank_you,
    MATERIALS_COVER: _materials_cover,
}


# ---------------------------------------------------------------------------------------------
# Which draft fits now

# ---------------------------------------------------------------------------------------------
# Handing a draft to the mail client

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def mailto_url(address: str, subject: str, body: str) -> str:
    """A `mailto:` link (RFC 6068) that opens the draft in the mail client.

    Everything is percent-encoded as UTF-8 (`&`, `?`, `#`, `=`, `+` included, so the body can
    never end the parameter early) and line breaks are sent as CRLF, %0D%0A.
    """
    params = []
    if subject:
        params.append("subject=" + quote(subject, safe=""))
    if body:
        params.append("body=" + quote(_LINE_BREAK.sub("\r\n", body), safe=""))
    url = "mailto:" + quote(address.strip(), safe="@")
    return url + ("?" + "&".join(params) if params else "")
