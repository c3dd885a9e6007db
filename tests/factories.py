"""Factories for the domain. Times are fixed relative to a base instant, not the clock."""

from datetime import UTC, datetime, timedelta

import factory
from django.contrib.auth import get_user_model

from tracker.incidents.models import Contact, Incident

BASE = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def profile_zone(obj, create, extracted, **kwargs):
        if create:
            obj.profile.time_zone = extracted or "America/Chicago"
            obj.profile.full_name = f"Alex {obj.username.title()}"
            obj.profile.save()
            obj.save()


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
