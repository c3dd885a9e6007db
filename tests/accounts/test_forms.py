"""The reminder choices and the zone select of the account forms."""

import pytest

from tracker.accounts.forms import REMINDER_KIND_CHOICES, ProfileForm, SignUpForm


def test_reminder_choices_are_the_reminder_engines_kinds_with_the_same_labels():
    from tracker.reminders.models import Reminder

    kinds = dict(Reminder.Kind.choices)
    for value, label in REMINDER_KIND_CHOICES:
        assert kinds.get(value) == label
    # Every kind a person receives on a schedule can be turned off; "test" is sent on demand.
    assert set(kinds) - {value for value, _ in REMINDER_KIND_CHOICES} == {"test"}


def test_reminder_choices_have_human_labels():
    assert dict(REMINDER_KIND_CHOICES).items() >= {
        "first_hour": "First-hour nudge",
        "follow_up": "Follow-up nudge",
        "before_24h": "24 hours before",
        "before_1h": "1 hour before",
        "thank_you": "Thank-you nudge",
        "thank_you_last_call": "Thank-you last call",
    }.items()


def test_a_legacy_zone_alias_is_kept_selected_not_silently_replaced():
    # US/Eastern is valid (is_zone) but not in the list; showing the first option instead would
    # move the person to Africa/Abidjan on their next save.
    form = ProfileForm(initial={"time_zone": "US/Eastern"})
    html = str(form["time_zone"])

    assert '<option value="US/Eastern" selected>' in html


@pytest.mark.django_db
def test_sign_up_form_accepts_a_legacy_zone_alias():
    form = SignUpForm(data={
        "full_name": "Lee Chen",
        "username": "lee", "email": "lee@example.com", "password1": "plum tree harbour 71",
        "password2": "plum tree harbour 71", "time_zone": "US/Eastern",
    })

    assert form.is_valid(), form.errors


def test_the_zone_select_lists_zones_with_readable_names():
    html = str(ProfileForm()["time_zone"])

    assert '<option value="America/New_York">America/New York</option>' in html
