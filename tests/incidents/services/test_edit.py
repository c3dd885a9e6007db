"""incident_update and contact_save: the incident's descriptive facts and its contacts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import scenarios
from tests.factories import ContactFactory
from tests.incidents.services import assert_synced_once_inside, fresh
from tests.scenarios import T0
from tracker.incidents import services
from tracker.incidents.models import Contact

pytestmark = pytest.mark.django_db


# incident_update and contact_save ------------------------------------------------------------


def test_update_changes_descriptive_facts_with_an_event(user, syncs):
    incident = scenarios.logged(user)
    services.incident_update(incident=incident, company="Globex", notes="Ask for Sam", now=T0)
    incident = fresh(incident)
    assert (incident.company, incident.notes) == ("Globex", "Ask for Sam")
    assert incident.timeline.last().message == "Edited: company, notes"
    assert_synced_once_inside(syncs, incident, T0)
    count = len(syncs)
    services.incident_update(incident=incident, company="Globex", now=T0)
    assert len(syncs) == count


def test_update_refuses_phase_fields_and_bad_values(user):
    incident = scenarios.logged(user)
    with pytest.raises(ValueError, match="cannot change"):
        services.incident_update(incident=incident, phase="closed", now=T0)
    with pytest.raises(ValidationError):
        services.incident_update(incident=incident, interview_tz="Atlantis/Capital", now=T0)
    assert fresh(incident).interview_tz == "Asia/Kolkata"


def test_contact_is_added_to_an_incident_and_updated(user, syncs):
    incident = scenarios.logged(user)
    contact = services.contact_save(owner=user, incident=incident, name="Sam Lee",
                                    role="coordinator", time_zone="Europe/Berlin", now=T0)
    assert list(incident.contacts.all()) == [contact]
    assert_synced_once_inside(syncs, incident, T0)
    services.contact_save(owner=user, contact=contact, incident=incident, phone="+49 30 1234",
                          now=T0)
    assert Contact.objects.get(pk=contact.pk).phone == "+49 30 1234"
    assert list(incident.timeline.filter(kind="contact").values_list("message", flat=True)) == [
        "Added contact Sam Lee (Scheduling coordinator)",
        "Updated contact Sam Lee (Scheduling coordinator)",
    ]


def test_contact_of_another_person_cannot_be_saved(user, other_user):
    theirs = ContactFactory(owner=other_user)
    with pytest.raises(PermissionDenied):
        services.contact_save(owner=user, contact=theirs, name="Mine now", now=T0)
    with pytest.raises(ValidationError):
        services.contact_save(owner=user, name="Sam", time_zone="Nowhere", now=T0)
