"""Bulk data for the web benchmark: one person with a long history and many others.

Everything is written with bulk_create (tens of thousands of rows in seconds), in the shapes the
services would have left: every check constraint holds, every incident has its safeguards and
timeline, reschedules carry their proposed slots, confirmed ones their reminders. Deterministic
for a given seed. Call `seed()` after django.setup(), on an empty, migrated database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from tracker.accounts.models import Profile
from tracker.incidents import models, phases

try:  # the reminder engine, when it is there
    from tracker.reminders.models import Reminder, message_id_for
except ImportError:  # pragma: no cover - only before tracker.reminders exists
    Reminder = None

ZONES = ("Europe/Berlin", "America/Chicago", "Asia/Kolkata", "America/New_York", "Asia/Tokyo",
         "Europe/London", "Australia/Sydney", "America/Los_Angeles")
COMPANIES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell",
             "Cyberdyne", "Soylent", "Aperture", "Wonka")
ROLES = ("Backend engineer", "Data analyst", "Product manager", "SRE", "Designer",
         "Frontend engineer", "QA lead")
CAUSES = [c for c, _ in models.Incident.Cause.choices]
FORMATS = [f for f, _ in models.Incident.Format.choices]
CONTACT_ROLES = [r for r, _ in models.Contact.Role.choices]
# Phase mix of a long-time user: most incidents closed, a few hundred still open.
PHASE_WEIGHTS = ((phases.CONTAIN, 4), (phases.CORRECT, 12), (phases.CONSOLIDATE, 6),
                 (phases.CLOSED, 78))
OUTCOME_WEIGHTS = ((phases.RECOVERED, 50), (phases.DECLINED, 20), (phases.NO_RESPONSE, 20),
                   (phases.MOVED_ON, 10))
PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throwaway benchmark database


@dataclass
class Rows:
    users: list = field(default_factory=list)
    profiles: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    incidents: list = field(default_factory=list)
    incident_contacts: list = field(default_factory=list)  # (incident, contact)
    outreach: list = field(default_factory=list)
    reschedules: list = field(default_factory=list)
    slots: list = field(default_factory=list)
    accepted: list = field(default_factory=list)  # (reschedule, slot)
    safeguards: list = field(default_factory=list)
    materials: list = field(default_factory=list)
    events: list = field(default_factory=list)
    reminders: list = field(default_factory=list)  # (kwargs) built after pks exist


def _pick(rng: random.Random, weighted) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


class Builder:
    def __init__(self, rows: Rows, rng: random.Random, now: datetime):
        self.rows, self.rng, self.now = rows, rng, now

    def event(self, incident, at, kind, message, actor):
        self.rows.events.append(
            models.TimelineEvent(incident=incident, at=at, kind=kind, message=message, actor=actor)
        )

    def outreach(self, incident, contact, at, *, channel, purpose, result, actor):
        self.rows.outreach.append(
            models.Outreach(
                incident=incident, contact=contact, channel=channel, purpose=purpose,
                occurred_at=at, result=result,
                subject=f"{purpose.replace('_', ' ').title()}: {incident.role}",
                text=f"Dear {contact.name if contact else 'team'},\n\n" + "Thank you. " * 30,
            )
        )
        self.event(incident, at, "outreach", f"{purpose} by {channel}: {result}", actor)

    def reschedule(self, incident, at, *, slots=3, **fields):
        r = models.Reschedule(incident=incident, requested_at=at, **fields)
        self.rows.reschedules.append(r)
        made = []
        for p in range(slots):
            s = models.ProposedSlot(reschedule=r, start=at + timedelta(days=2 + p, hours=p),
                                    time_zone=incident.interview_tz, position=p)
            self.rows.slots.append(s)
            made.append(s)
        self.event(incident, at, "reschedule_requested", f"Proposed {slots} new times",
                   incident.owner)
        return r, made

    def reminder(self, incident, reschedule, kind, due, *, status, version=0, reason=""):
        self.rows.reminders.append(
            {"incident": incident, "reschedule": reschedule, "kind": kind,
             "version": version, "due_at": due, "expires_at": due + timedelta(hours=2),
             "status": status, "reason": reason,
             "sent_at": due + timedelta(seconds=3) if status == "sent" else None}
        )

    def incident(self, owner, contacts, k: int, *, spacing_hours: float):
        rng, now = self.rng, self.now
        discovered = now - timedelta(hours=k * spacing_hours + rng.uniform(0.2, 6))
        phase = _pick(rng, PHASE_WEIGHTS)
        if k < 3:  # the newest few are still being worked on
            phase = (phases.CONTAIN, phases.CORRECT, phases.CONSOLIDATE)[k]
        outcome = _pick(rng, OUTCOME_WEIGHTS) if phase == phases.CLOSED else ""
        cause, fmt = rng.choice(CAUSES), rng.choice(FORMATS)
        tz, ctz = rng.choice(ZONES), owner.profile_zone
        inc = models.Incident(
            owner=owner, company=f"{rng.choice(COMPANIES)} {k}", role=rng.choice(ROLES),
            interview_at=discovered - timedelta(minutes=rng.randint(5, 90)), interview_tz=tz,
            candidate_tz=ctz, format=fmt, cause=cause, discovered_at=discovered, phase=phase,
            outcome=outcome, notes="Missed it; " + "details " * rng.randint(0, 20),
        )
        self.rows.incidents.append(inc)
        mine = rng.sample(contacts, k=min(len(contacts), rng.choice((1, 1, 2, 3))))
        for c in mine:
            self.rows.incident_contacts.append((inc, c))
        self.event(inc, discovered, "logged", "Logged the missed interview", owner)
        for i, kind in enumerate(phases.safeguards_for(cause=cause, format=fmt)):
            self.rows.safeguards.append(models.Safeguard(incident=inc, kind=kind, position=i))
        first_hour_due = discovered + timedelta(minutes=40)
        if phase == phases.CONTAIN:
            if Reminder is not None:
                status = "pending" if first_hour_due > now else "sent"
                self.reminder(inc, None, "first_hour", first_hour_due, status=status)
            return inc

        # Past contain: an apology, then the reschedule story.
        t = discovered + timedelta(minutes=rng.choice((4, 12, 25, 48, 75, 150, 600)))
        inc.first_outreach_at = t
        c0 = mine[0]
        channel = rng.choice(("call", "email"))  # an apology that reached them
        self.outreach(inc, c0, t, channel=channel, purpose="apology",
                      result="reached" if channel == "call" else "sent", actor=owner)
        if Reminder is not None:
            self.reminder(inc, None, "first_hour", first_hour_due,
                          status="sent" if t > first_hour_due else "cancelled",
                          reason="" if t > first_hour_due else "You reached out in time.")
        for _ in range(rng.choice((0, 1, 1, 2, 4))):  # extra calls and messages
            t += timedelta(hours=rng.uniform(1, 20))
            self.outreach(inc, rng.choice(mine), t, channel=rng.choice(("call", "message")),
                          purpose="other", result=rng.choice(("reached", "no_answer")),
                          actor=owner)
        t += timedelta(hours=2)
        for _ in range(rng.choice((0, 0, 0, 1, 2))):  # requests replaced by a later one
            self.reschedule(inc, t, slots=rng.choice((2, 3)), cancelled_at=t + timedelta(hours=5))
            t += timedelta(hours=6)

        def confirmed(attended: bool):
            r, slots = self.reschedule(inc, t, slots=3, reply="accepted",
                                       replied_at=t + timedelta(hours=3))
            slot = rng.choice(slots)
            self.rows.accepted.append((r, slot))
            r.confirmed_at = t + timedelta(hours=4)
            r.start, r.time_zone = slot.start, slot.time_zone
            r.duration_minutes, r.format = rng.choice((30, 45, 60)), fmt
            r.location = "https://meet.example/abc-defg-hij"
            r.interviewer = mine[0]
            r.version = rng.choice((1, 1, 1, 2))
            self.event(inc, r.replied_at, "reschedule_reply", "They accepted a time", owner)
            self.event(inc, r.confirmed_at, "confirmed", "Confirmed the new interview", owner)
            self.outreach(inc, c0, r.confirmed_at, channel="email", purpose="confirmation",
                          result="sent", actor=owner)
            if attended:
                r.attended_at = r.start + timedelta(minutes=r.duration_minutes)
                self.event(inc, r.attended_at, "attended", "Attended the interview", owner)
            if Reminder is not None:
                for kind, before in (("before_24h", timedelta(hours=24)),
                                     ("before_1h", timedelta(hours=1))):
                    due = r.start - before
                    self.reminder(inc, r, kind, due, version=r.version,
                                  status="pending" if due > now else "sent")
            return r

        if phase == phases.CORRECT:
            state = rng.choice(("pending", "pending", "accepted", "confirmed"))
            if state == "pending":
                r, _ = self.reschedule(inc, t, slots=3)
                if rng.random() < 0.4:
                    r.followed_up_at = t + timedelta(days=2)
                    self.outreach(inc, c0, r.followed_up_at, channel="email",
                                  purpose="follow_up", result="sent", actor=owner)
            elif state == "accepted":
                r, slots = self.reschedule(inc, t, slots=3, reply="accepted",
                                           replied_at=t + timedelta(hours=3))
                self.rows.accepted.append((r, slots[1]))
            else:
                confirmed(attended=False)
            self._safeguards_done(inc, fraction=0.3)
            return inc

        if phase == phases.CONSOLIDATE or outcome == phases.RECOVERED:
            r = confirmed(attended=True)
            inc.attended_at = r.attended_at
            self._safeguards_done(inc, fraction=0.9)
            if phase == phases.CLOSED or rng.random() < 0.5:
                inc.thank_you_sent_at = r.attended_at + timedelta(hours=3)
                inc.thank_you_topic = "the migration project"
                self.outreach(inc, c0, inc.thank_you_sent_at, channel="email",
                              purpose="thank_you", result="sent", actor=owner)
            for j in range(rng.choice((0, 1, 2))):
                done = phase == phases.CLOSED or j == 0 and rng.random() < 0.5
                self.rows.materials.append(
                    models.PromisedMaterial(
                        incident=inc, description=f"Code sample {j + 1}",
                        due_on=(r.attended_at + timedelta(days=2)).date(),
                        status="delivered" if done else "pending",
                        resolved_at=r.attended_at + timedelta(days=1) if done else None,
                    )
                )
        elif outcome in (phases.DECLINED, phases.NO_RESPONSE):
            reply = "declined" if outcome == phases.DECLINED else "no_response"
            r, _ = self.reschedule(inc, t, slots=3, reply=reply,
                                   replied_at=t + timedelta(days=3))
            if outcome == phases.NO_RESPONSE:
                r.followed_up_at = t + timedelta(days=2)
                self.outreach(inc, c0, r.followed_up_at, channel="email", purpose="follow_up",
                              result="sent", actor=owner)
        if phase == phases.CLOSED:
            inc.closed_at = t + timedelta(days=rng.randint(4, 20))
            inc.lessons = "Two alarms, both zones in the invite, confirm the day before."
            self.event(inc, inc.closed_at, "closed", f"Closed: {outcome}", owner)
        return inc

    def _safeguards_done(self, inc, *, fraction):
        for s in self.rows.safeguards[-9:]:
            if s.incident is inc and self.rng.random() < fraction:
                s.done_at = inc.discovered_at + timedelta(days=1)


@dataclass(frozen=True)
class Seeded:
    person: object  # the user with the long history
    incidents: int
    rows: dict


def seed(*, now: datetime, main_incidents: int = 2000, others: int = 200,
         others_incidents: tuple[int, int] = (2, 6), random_seed: int = 6) -> Seeded:
    rng = random.Random(random_seed)
    rows = Rows()
    builder = Builder(rows, rng, now)
    user_model = get_user_model()
    password = make_password(PASSWORD)  # one hash for everyone: Argon2 is slow on purpose
    people = [("bench", main_incidents)] + [
        (f"person{n:03d}", rng.randint(*others_incidents)) for n in range(others)
    ]
    with transaction.atomic():
        users = user_model.objects.bulk_create(
            user_model(username=name, email=f"{name}@example.com", password=password)
            for name, _ in people
        )
        Profile.objects.bulk_create(
            Profile(user=u, full_name=f"Alex {u.username.title()}", time_zone=rng.choice(ZONES))
            for u in users
        )
        # Verified addresses: reminders go only to those, and the login needs one.
        from allauth.account.models import EmailAddress

        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
        )
        zones_by_user = dict(Profile.objects.values_list("user_id", "time_zone"))
        for u, (_, n) in zip(users, people, strict=True):
            u.profile_zone = zones_by_user[u.pk]
            mine = [
                models.Contact(owner=u, name=f"Contact {u.pk}-{j}", role=rng.choice(CONTACT_ROLES),
                               email=f"c{u.pk}.{j}@corp.example", phone="+49 30 1234567",
                               time_zone=rng.choice(ZONES))
                for j in range(max(3, n // 8))
            ]
            rows.contacts.extend(mine)
            for k in range(n):
                builder.incident(u, mine, k, spacing_hours=13 if n > 50 else 24 * 20)

        models.Contact.objects.bulk_create(rows.contacts, batch_size=2000)
        models.Incident.objects.bulk_create(rows.incidents, batch_size=2000)
        through = models.Incident.contacts.through
        through.objects.bulk_create(
            (through(incident=i, contact=c) for i, c in rows.incident_contacts),
            batch_size=5000,
        )
        models.Outreach.objects.bulk_create(rows.outreach, batch_size=2000)
        models.Reschedule.objects.bulk_create(rows.reschedules, batch_size=2000)
        models.ProposedSlot.objects.bulk_create(rows.slots, batch_size=5000)
        for r, slot in rows.accepted:
            r.accepted_slot = slot
        models.Reschedule.objects.bulk_update([r for r, _ in rows.accepted], ["accepted_slot"],
                                              batch_size=1000)
        models.Safeguard.objects.bulk_create(rows.safeguards, batch_size=5000)
        models.PromisedMaterial.objects.bulk_create(rows.materials, batch_size=2000)
        models.TimelineEvent.objects.bulk_create(rows.events, batch_size=5000)
        if Reminder is not None:
            Reminder.objects.bulk_create(
                (
                    Reminder(
                        message_id=message_id_for(
                            incident_id=kw["incident"].pk,
                            reschedule_id=kw["reschedule"].pk if kw["reschedule"] else None,
                            kind=kw["kind"], version=kw["version"],
                        ),
                        **kw,
                    )
                    for kw in rows.reminders
                ),
                batch_size=5000,
            )
    counts = {
        "users": len(users), "incidents": len(rows.incidents), "contacts": len(rows.contacts),
        "outreach": len(rows.outreach), "reschedules": len(rows.reschedules),
        "slots": len(rows.slots), "safeguards": len(rows.safeguards),
        "materials": len(rows.materials), "timeline": len(rows.events),
        "reminders": len(rows.reminders),
    }
    return Seeded(person=users[0], incidents=main_incidents, rows=counts)
