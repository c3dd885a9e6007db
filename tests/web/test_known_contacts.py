"""Issue 11: the log form lists the person's own contacts with a recorded zone (and nobody
else's) for the script that prefills the interview's zone."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tracker.incidents.models import Contact

pytestmark = pytest.mark.django_db


def known(html: str) -> list[dict]:
    attribute = re.search(r'data-known-contacts="([^"]*)"', html)
    return json.loads(unescape(attribute.group(1)))


def test_the_log_form_lists_only_the_persons_contacts_with_a_zone(client, user):
    Contact.objects.create(owner=user, name="Priya Raman", email="priya@acme.example",
                           time_zone="Asia/Kolkata")
    Contact.objects.create(owner=user, name="No Zone", email="nozone@acme.example")
    Contact.objects.create(owner=UserFactory(), name="Someone Else", time_zone="Europe/Berlin")
    client.force_login(user)
    html = client.get(reverse("incident_log")).content.decode()
    assert known(html) == [
        {"name": "Priya Raman", "email": "priya@acme.example", "zone": "Asia/Kolkata"}
    ]


def test_a_hostile_contact_name_stays_data(client, user):
    Contact.objects.create(owner=user, name="</script><script>alert(1)</script>",
                           time_zone="Asia/Kolkata")
    client.force_login(user)
    html = client.get(reverse("incident_log")).content.decode()
    assert "<script>alert(1)" not in html and "</script><script>" not in html
    assert known(html)[0]["name"] == "</script><script>alert(1)</script>"
