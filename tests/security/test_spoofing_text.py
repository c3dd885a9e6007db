"""Text that can't spoof (issue 12): every text field a person types into refuses bidi
overrides and isolates, values made only of invisible characters, U+FFFD (invalid UTF-8) and,
in one-line fields, the line and paragraph separators; text is stored NFC; a username that looks
like an existing one is refused. The table is taken from the models, so a new field is checked
too; the pages show the refusal as a message and store nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from tests.factories import BASE, UserFactory
from tests.web.conftest import log_incident
from tracker.incidents.models import Contact, Incident
from tracker.validators import MultilineText, OneLineText

pytestmark = pytest.mark.django_db

# Written by the code, never typed by a person, or checked otherwise (zones: a list; emails).
NOT_TYPED = {
    ("incidents", "timelineevent", "kind"), ("incidents", "timelineevent", "message"),
    ("accounts", "profile", "feed_token"),  # issue 15: made by secrets, never typed
}

SPOOFS = {
    "right-to-left override": "Acme\u202egnp.exe",
    "left-to-right override": "\u202dAcme",
    "isolate": "\u2066Acme\u2069",
    "zero-width only": "\u200b\u200b",
    "zero-width joiner and spaces": " \u200d ",
    "word joiner only": "\u2060",
    "invalid UTF-8 (U+FFFD)": "Acme \ufffd Corp",
}
SEPARATORS = {
    "line separator": "Maria\u2028Bcc: x@example.com",
    "paragraph separator": "Maria\u2029Lopez",
    "next line (U+0085)": "Maria\u0085Lopez",
}


def typed_text_fields():
    for app in ("accounts", "incidents"):
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.CharField | models.TextField):
                    continue
                if field.choices or isinstance(field, models.EmailField | models.URLField):
                    continue
                if field.name.endswith(("time_zone", "_tz")) or field.name == "reminders_off":
                    continue
                if (app, model._meta.model_name, field.name) in NOT_TYPED:
                    continue
                yield model, field


FIELDS = list(typed_text_fields())


def one_line(field) -> bool:
    return isinstance(field, models.CharField)


def test_the_table_has_every_typed_field():
    names = {f"{m._meta.model_name}.{f.name}" for m, f in FIELDS}
    assert {"profile.full_name", "profile.phone", "incident.company", "incident.role",
            "incident.notes", "incident.lessons", "contact.name", "outreach.subject",
            "outreach.text", "reschedule.location", "promisedmaterial.description"} <= names


@pytest.mark.parametrize(("model", "field"), FIELDS,
                         ids=[f"{m._meta.model_name}.{f.name}" for m, f in FIELDS])
def test_every_typed_field_carries_a_text_validator(model, field):
    kinds = OneLineText if one_line(field) else MultilineText
    assert any(isinstance(v, kinds) for v in field.validators), field


@pytest.mark.parametrize("label", list(SPOOFS) + list(SEPARATORS))
def test_every_typed_field_refuses_spoofing_text(label):
    value = SPOOFS.get(label) or SEPARATORS[label]
    accepted = []
    for model, field in FIELDS:
        if label in SEPARATORS and not one_line(field):
            continue  # a separator is a line break where line breaks are allowed
        try:
            field.run_validators(value)
        except ValidationError:
            continue
        accepted.append(f"{model._meta.model_name}.{field.name}")
    assert accepted == []


@pytest.mark.parametrize("value", ["Café au lait", "Zoë O’Brien", "李小龍", "ليلى", "Ana-María",
                                   "משה", "  padded  "])
def test_ordinary_text_in_any_script_is_accepted(value):
    for _model, field in FIELDS:
        field.run_validators(value)


def test_text_is_stored_nfc(user):
    incident = log_incident(user, company="Cafe\u0301 Co", role="Re\u0301sume\u0301 reader")
    incident.refresh_from_db()
    assert incident.company == "Café Co" and len(incident.company) == 7
    assert incident.role == "Résumé reader"


# --- Through the pages ---------------------------------------------------------------------


def incident_log_data(**overrides):
    data = {
        "company": "Acme", "role": "Backend engineer",
        "interview_at": (BASE - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "interview_tz": "UTC", "candidate_tz": "UTC", "format": "video", "cause": "timezone",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("label", list(SPOOFS) + ["line separator"])
def test_logging_an_incident_with_a_spoofing_company_is_refused(user_client, user, label):
    value = SPOOFS.get(label) or SEPARATORS[label]
    response = user_client.post(reverse("incident_log"), incident_log_data(company=value))
    assert response.status_code == 200
    assert not Incident.objects.filter(owner=user).exists()


@pytest.mark.parametrize("label", list(SEPARATORS) + ["right-to-left override", "zero-width only"])
def test_the_profile_refuses_spoofing_text_in_the_full_name(user_client, user, label):
    value = SPOOFS.get(label) or SEPARATORS[label]
    before = user.profile.full_name
    response = user_client.post(reverse("profile"), {
        "full_name": value, "phone": "", "time_zone": "UTC", "partner_email": "",
        "reminders": ["before_24h"],
    })
    assert response.status_code == 200
    user.profile.refresh_from_db()
    assert user.profile.full_name == before


def test_a_contact_name_of_invisible_characters_is_refused(user_client, user):
    incident = log_incident(user)
    count = Contact.objects.count()
    response = user_client.post(reverse("contact_add", args=[incident.pk]),
                                {"name": "\u200b\u200c", "role": "hr", "preferred_channel": "any"})
    assert response.status_code in (200, 302)
    assert Contact.objects.count() == count


# --- Usernames ------------------------------------------------------------------------------


def test_a_username_confusable_with_an_existing_one_is_refused_in_the_admin(admin_client):
    UserFactory(username="paul")
    response = admin_client.post(reverse("admin:auth_user_add"), {
        "username": "\u0440\u0430ul",  # Cyrillic р and а
        "password1": "a long pass phrase 7", "password2": "a long pass phrase 7",
        "usable_password": "true",
    })
    assert response.status_code == 200
    assert "looks like one already taken" in response.content.decode()
    assert not get_user_model().objects.filter(username="\u0440\u0430ul").exists()


def test_a_username_is_nfkc_normalised_and_checked_by_the_account_adapter():
    from allauth.account.adapter import get_adapter

    UserFactory(username="paul")
    adapter = get_adapter()
    with pytest.raises(ValidationError):
        adapter.clean_username("\u0440\u0430ul")
    with pytest.raises(ValidationError):
        adapter.clean_username("ｐａｕｌ")  # fullwidth: NFKC makes it "paul"
    assert adapter.clean_username("pauline") == "pauline"
