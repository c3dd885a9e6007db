"""Factories for the domain, one per model. Times are fixed relative to a base instant, not the
clock.

They write rows directly, without the services: use them for data a test needs to exist (many
rows for a query count, a row to point a constraint at). To walk an incident through its
phases the way a person would (timeline, safeguards, reminders), use tests/scenarios.py.
Every default, and every trait, satisfies the models' check constraints.
"""

from datetime import UTC, datetime, timedelta

import factory
from django.contrib.auth import get_user_model

from tracker.accounts.models import Profile
from tracker.incidents.models import (
    Contact,
    Incident,
    Outreach,
    PromisedMaterial,
    ProposedSlot,
    Reschedule,
    Safeguard,
    TimelineEvent,
)
from tracker.reminders.models import Reminder, message_id_for

BASE = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def email_verified(obj, create, extracted, **kwargs):
        """Accounts made here have confirmed their address (django-allauth's EmailAddress),
        as every account must before its first login; email_verified=False for one that has
        not (no reminder goes to it)."""
        if create and obj.email:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(
                user=obj, email=obj.email.lower(), primary=True,
                verified=True if extracted is None else bool(extracted),
            )

    @factory.post_generation
    def profile_zone(obj, create, extracted, **kwargs):
        if create:
            obj.profile.time_zone = extracted or "America/Chicago"
            obj.profile.full_name = f"Alex {obj.username.title()}"
            obj.profile.save()
            obj.save()


class ProfileFactory(factory.django.DjangoModelFactory):
    """The profile of a new user. Saving a user creates its profile (accounts/signals.py), so
    this factory fills in that profile instead of inserting a second one."""

    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    full_name = factory.LazyAttribute(lambda o: f"Alex {o.user.username.title()}")
    time_zone = "America/Chicago"

    @classmethod
    def _create(cls, model_class, *, user, **fields):
        profile = Profile.objects.get(user=user)
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save()
        return profile


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Priya Raman {n}")
    role = Contact.Role.INTERVIEWER
    email = factory.Sequence(lambda n: f"priya{n}@acme.example")
    time_zone = "Asia/Kolkata"


class IncidentFactory(factory.django.DjangoModelFactory):
    """A freshly logged incident (contain phase). Use services to move it on."""

    class Meta:
        model = Incident

    owner = factory.SubFactory(UserFactory)
    company = factory.Sequence(lambda n: f"Acme {n}")
    role = "Backend engineer"
    interview_at = BASE
    interview_tz = "Asia/Kolkata"
    candidate_tz = "America/Chicago"
    format = Incident.Format.VIDEO
    cause = Incident.Cause.TIMEZONE
    discovered_at = factory.LazyAttribute(lambda o: o.interview_at + timedelta(minutes=20))

    class Params:
        # The phase columns only, as the services would have left them; no outreach,
        # reschedule or timeline rows come with them.
        correct = factory.Trait(
            phase=Incident.Phase.CORRECT,
            first_outreach_at=factory.LazyAttribute(
                lambda o: o.discovered_at + timedelta(minutes=10)
            ),
        )
        consolidate = factory.Trait(
            correct=True,
            phase=Incident.Phase.CONSOLIDATE,
            attended_at=factory.LazyAttribute(lambda o: o.interview_at + timedelta(days=3)),
        )
        closed = factory.Trait(
            phase=Incident.Phase.CLOSED,
            outcome=Incident.Outcome.MOVED_ON,
            closed_at=factory.LazyAttribute(lambda o: o.discovered_at + timedelta(days=1)),
        )


class OutreachFactory(factory.django.DjangoModelFactory):
    """An apology email, sent ten minutes after the miss was discovered."""

    class Meta:
        model = Outreach

    incident = factory.SubFactory(IncidentFactory)
    channel = Outreach.Channel.EMAIL
    purpose = Outreach.Purpose.APOLOGY
    result = Outreach.Result.SENT
    occurred_at = factory.LazyAttribute(lambda o: o.incident.discovered_at + timedelta(minutes=10))


class RescheduleFactory(factory.django.DjangoModelFactory):
    """A pending request for new times (add slots with ProposedSlotFactory); `confirmed=True`
    for an agreed interview at version 1, `attended=True` for one that took place."""

    class Meta:
        model = Reschedule

    incident = factory.SubFactory(IncidentFactory, correct=True)
    requested_at = factory.LazyAttribute(lambda o: o.incident.discovered_at + timedelta(minutes=15))

    class Params:
        confirmed = factory.Trait(
            reply=Reschedule.Reply.ACCEPTED,
            replied_at=factory.SelfAttribute("requested_at"),
            confirmed_at=factory.SelfAttribute("requested_at"),
            start=factory.LazyAttribute(lambda o: o.requested_at + timedelta(days=3)),
            time_zone=factory.SelfAttribute("incident.interview_tz"),
            duration_minutes=45,
            format=Incident.Format.VIDEO,
            location="https://meet.example/abc",
            version=1,
        )
        attended = factory.Trait(
            confirmed=True,
            attended_at=factory.LazyAttribute(lambda o: o.start + timedelta(minutes=45)),
        )


class ProposedSlotFactory(factory.django.DjangoModelFactory):
    """The first slot of a request (pass position=1 or 2 for the others), `position` days after
    the request."""

    class Meta:
        model = ProposedSlot

    reschedule = factory.SubFactory(RescheduleFactory)
    position = 0
    start = factory.LazyAttribute(
        lambda o: o.reschedule.requested_at + timedelta(days=2 + o.position)
    )
    time_zone = factory.SelfAttribute("reschedule.incident.interview_tz")


class SafeguardFactory(factory.django.DjangoModelFactory):
    """One safeguard, not done. An incident logged by incident_log has its own already; one from
    IncidentFactory has none."""

    class Meta:
        model = Safeguard

    incident = factory.SubFactory(IncidentFactory)
    kind = Safeguard.Kind.DUPLICATE_ALARMS
    position = 0


class PromisedMaterialFactory(factory.django.DjangoModelFactory):
    """A promised item still to deliver; `delivered=True` for one delivered a day later."""

    class Meta:
        model = PromisedMaterial

    incident = factory.SubFactory(IncidentFactory, consolidate=True)
    description = factory.Sequence(lambda n: f"Code sample {n}")

    class Params:
        delivered = factory.Trait(
            status=PromisedMaterial.Status.DELIVERED,
            resolved_at=factory.LazyAttribute(
                lambda o: o.incident.discovered_at + timedelta(days=1)
            ),
        )


class TimelineEventFactory(factory.django.DjangoModelFactory):
    """A note by the incident's owner, at the incident's discovery."""

    class Meta:
        model = TimelineEvent

    incident = factory.SubFactory(IncidentFactory)
    at = factory.SelfAttribute("incident.discovered_at")
    kind = "note"
    message = factory.Sequence(lambda n: f"Event {n}")
    actor = factory.SelfAttribute("incident.owner")


class ReminderFactory(factory.django.DjangoModelFactory):
    """A pending 1-hour reminder of a confirmed interview, with the Message-ID the planner
    would give it. For an incident-level kind pass incident=..., reschedule=None and the kind
    (due 45 minutes after the discovery)."""

    class Meta:
        model = Reminder

    reschedule = factory.SubFactory(RescheduleFactory, confirmed=True)
    incident = factory.SelfAttribute("reschedule.incident")
    kind = "before_1h"
    version = factory.LazyAttribute(lambda o: o.reschedule.version if o.reschedule else 0)
    due_at = factory.LazyAttribute(
        lambda o: o.reschedule.start - timedelta(hours=1) if o.reschedule
        else o.incident.discovered_at + timedelta(minutes=45)
    )
    expires_at = factory.LazyAttribute(lambda o: o.due_at + timedelta(hours=1))
    message_id = factory.LazyAttribute(
        lambda o: message_id_for(
            incident_id=o.incident.pk,
            reschedule_id=o.reschedule.pk if o.reschedule else None,
            kind=o.kind,
            version=o.version,
        )
    )
