"""tests/factories.py: a factory for every model, and every default and trait makes a row the
models and the database accept."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from tests import factories as f

pytestmark = pytest.mark.django_db

FACTORIES = [
    f.UserFactory,
    f.ProfileFactory,
    f.ContactFactory,
    f.IncidentFactory,
    f.OutreachFactory,
    f.RescheduleFactory,
    f.ProposedSlotFactory,
    f.SafeguardFactory,
    f.PromisedMaterialFactory,
    f.TimelineEventFactory,
    f.ReminderFactory,
]


def test_every_model_of_the_project_has_a_factory():
    models = {get_user_model()} | {
        model
        for app in ("accounts", "incidents", "reminders")
        for model in apps.get_app_config(app).get_models()
    }
    assert models <= {factory._meta.model for factory in FACTORIES}


@pytest.mark.parametrize(
    ("factory", "options"),
    [(factory, {}) for factory in FACTORIES]
    + [
        (f.IncidentFactory, {"correct": True}),
        (f.IncidentFactory, {"consolidate": True}),
        (f.IncidentFactory, {"closed": True}),
        (f.RescheduleFactory, {"confirmed": True}),
        (f.RescheduleFactory, {"attended": True}),
        (f.PromisedMaterialFactory, {"delivered": True}),
        (f.ReminderFactory, {"reschedule": None, "incident": f.IncidentFactory,
                             "kind": "first_hour"}),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else ",".join(v) or "defaults",
)
def test_each_factory_makes_a_row_its_model_and_the_database_accept(factory, options):
    options = {k: v() if isinstance(v, type) else v for k, v in options.items()}
    row = factory(**options)
    row.refresh_from_db()
    row.full_clean()  # fields, choices, zones and the check constraints, in Python


def test_traits_give_the_phase_columns_the_services_would():
    incident = f.IncidentFactory(consolidate=True)
    assert (incident.phase, incident.outcome) == ("consolidate", "")
    assert incident.discovered_at < incident.first_outreach_at < incident.attended_at
    closed = f.IncidentFactory(closed=True)
    assert (closed.phase, closed.outcome, closed.first_outreach_at) == ("closed", "moved_on", None)
    reschedule = f.RescheduleFactory(attended=True)
    assert (reschedule.reply, reschedule.version, reschedule.is_confirmed) == ("accepted", 1, True)
    assert reschedule.attended_at == reschedule.end


def test_profile_factory_fills_in_the_profile_a_new_user_gets():
    profile = f.ProfileFactory(time_zone="Asia/Tokyo", partner_email="sam@example.org")
    assert profile.user.profile.pk == profile.pk
    profile.user.profile.refresh_from_db()
    assert (profile.user.profile.time_zone, profile.user.profile.partner_email) == (
        "Asia/Tokyo", "sam@example.org"
    )
