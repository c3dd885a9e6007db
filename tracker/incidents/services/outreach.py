"""Calls, voicemails, emails and messages: the first apology ends the first hour; a follow-up marks
the request followed up; the thank-you note is an outreach too.
"""

from __future__ import annotations

from datetime import datetime

from .. import phases
from ..models import Contact, Incident, Outreach, Reschedule
from ..phases import TransitionRefused
from ..selectors import situation_for
from .common import CLOCK_SLACK, apply, check_owner, create, event, lock, service, sync, utc


@service
def outreach_record(
    *,
    incident: Incident,
    channel: str,
    result: str,
    purpose: str = Outreach.Purpose.APOLOGY,
    contact: Contact | None = None,
    subject: str = "",
    text: str = "",
    occurred_at: datetime | None = None,
    actor=None,
    now: datetime,
) -> Outreach:
    """Record one call, voicemail, email or message. The first one that reached them (an email
    sent, a call that got through) ends the first hour and moves contain to correct; a
    follow-up marks the unanswered request followed up; a thank-you note marks the thank-you
    sent."""
    occurred_at = utc(occurred_at, "occurred_at") if occurred_at else now
    lock(incident)
    check_owner(incident, contact)
    if occurred_at > now + CLOCK_SLACK:
        raise TransitionRefused("An outreach cannot be recorded in the future.")
    if occurred_at < incident.discovered_at - CLOCK_SLACK:
        raise TransitionRefused("That is before the miss was discovered.")
    situation = situation_for(incident)
    transition = phases.on_outreach(
        situation.facts, channel=channel, purpose=purpose, result=result
    )
    outreach = create(Outreach(
        incident=incident, contact=contact, occurred_at=occurred_at,
        channel=channel, purpose=purpose, result=result, subject=subject, text=text,
    ))
    update = []
    # The earliest apology that reached them counts, even when an earlier call is logged
    # after a later email.
    if phases.apology_reached(channel=channel, result=result) and (
        incident.first_outreach_at is None or occurred_at < incident.first_outreach_at
    ):
        incident.first_outreach_at = occurred_at
        update.append("first_outreach_at")
    if purpose == Outreach.Purpose.THANK_YOU and (
        incident.thank_you_sent_at is None or occurred_at < incident.thank_you_sent_at
    ):
        incident.thank_you_sent_at = occurred_at
        update.append("thank_you_sent_at")
    if purpose == Outreach.Purpose.FOLLOW_UP:
        r = situation.current
        if (
            r is not None
            and r.followed_up_at is None
            and r.reply == Reschedule.Reply.PENDING
            and occurred_at >= r.requested_at  # a message sent before the request is no nudge
        ):
            r.followed_up_at = occurred_at
            r.save(update_fields=["followed_up_at"])
    who = f" to {contact.name}" if contact else ""
    event(
        incident,
        at=occurred_at,
        kind="outreach",
        message=f"{outreach.get_purpose_display()}: {outreach.get_channel_display()}{who}, "
        f"{outreach.get_result_display().lower()}",
        actor=actor,
    )
    apply(incident, transition, now=now, actor=actor, update_fields=update)
    sync(incident, now)
    return outreach


def thank_you_sent(
    *, incident: Incident, channel: str = Outreach.Channel.EMAIL, text: str = "",
    contact: Contact | None = None, actor=None, now: datetime,
) -> Outreach:
    """The thank-you note after the rescheduled interview (consolidate only)."""
    return outreach_record(
        incident=incident,
        channel=channel,
        result=Outreach.Result.SENT,
        purpose=Outreach.Purpose.THANK_YOU,
        contact=contact,
        text=text,
        actor=actor,
        now=now,
    )
