"""Sign-up, email confirmation, profile, log in/out, password change and reset, through the
pages (django-allauth's views with the tracker's templates and forms)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import (
    PASSWORD,
    confirm_email,
    last_mail_to,
    links_in,
    log_in,
    reset_link,
    sign_up_data,
)
from tests.factories import UserFactory
from tracker.accounts.forms import REMINDER_KINDS

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a quite different staple 42"


def profile_data(**overrides):
    """The profile page's POST: Maria Lopez, now in Chicago, with a partner and two reminders,
    then `overrides`."""
    return {
        "full_name": "Maria Lopez", "phone": "+49 30 1234567", "time_zone": "America/Chicago",
        "partner_email": "sam@example.org", "reminders": ["before_24h", "before_1h"],
        **overrides,
    }


def _selected_zone(html: str) -> str:
    select = re.search(r'<select name="time_zone".*?</select>', html, re.S).group(0)
    return re.search(r'<option value="([^"]*)"[^>]*selected', select).group(1)


# Sign up


def test_sign_up_page_is_reachable_logged_out_and_preselects_utc(client):
    response = client.get(reverse("signup"))
    html = response.content.decode()
    assert response.status_code == 200
    assert _selected_zone(html) == "UTC"
    assert 'data-zone-guess="preselect"' in html
    assert "accounts/zone-guess.js" in html
    assert "<script>" not in html  # no inline script: the page must pass a strict CSP


def test_sign_up_creates_an_unconfirmed_account_and_mails_a_confirmation_link(client):
    response = client.post(reverse("signup"), sign_up_data())

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = get_user_model().objects.get(email="maria@example.com")
    assert user.check_password("plum tree harbour 71")
    assert user.profile.time_zone == "Europe/Berlin"
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == ("maria@example.com", True, False)
    # Not logged in until the address is confirmed.
    assert "_auth_user_id" not in client.session
    message = last_mail_to("maria@example.com")
    assert message.subject == "Confirm your email address for the interview tracker"
    assert any("/accounts/confirm-email/" in u for u in links_in(message))


def test_the_confirmation_link_asks_then_confirms_and_logs_in(client):
    client.post(reverse("signup"), sign_up_data())
    link = next(u for u in links_in(last_mail_to("maria@example.com")) if "confirm-email" in u)

    # Opening the link (or a mail scanner opening it) confirms nothing.
    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm" in page.content.decode()
    assert not EmailAddress.objects.get(email="maria@example.com").verified

    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="maria@example.com").verified
    user = get_user_model().objects.get(email="maria@example.com")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_up_then_profile_edit_end_to_end(client):
    client.post(reverse("signup"), sign_up_data())
    confirm_email(client, "maria@example.com")
    response = client.post(reverse("profile"), profile_data(partner_email=""), follow=True)

    assert response.status_code == 200
    assert "Profile saved." in response.content.decode()
    profile = get_user_model().objects.get(email="maria@example.com").profile
    assert profile.full_name == "Maria Lopez"
    assert profile.time_zone == "America/Chicago"


def test_sign_up_with_an_unknown_zone_rerenders_with_a_message_and_keeps_the_input(client):
    response = client.post(reverse("signup"), sign_up_data(time_zone="Mars/Olympus_Mons"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "“Mars/Olympus_Mons” is not a known IANA time zone" in html
    assert 'value="maria@example.com"' in html
    assert _selected_zone(html) == "Mars/Olympus_Mons"
    assert 'data-zone-guess="keep"' in html
    assert not get_user_model().objects.filter(email="maria@example.com").exists()


def test_sign_up_refuses_mismatched_passwords(client):
    response = client.post(reverse("signup"), sign_up_data(password2="something else 99"))

    assert response.status_code == 200
    assert "You must type the same password each time." in response.content.decode()
    assert not get_user_model().objects.filter(email="maria@example.com").exists()


def test_sign_up_refuses_a_weak_password(client):
    response = client.post(reverse("signup"), sign_up_data(password1="password",
                                                           password2="password"))

    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()


def test_sign_up_with_an_address_in_use_answers_as_for_a_new_one(client):
    """Enumeration prevention: the page is the same; the owner of the address gets an email
    saying someone tried to sign up with it; no second account."""
    UserFactory(username="first", email="maria@example.com")
    mail.outbox.clear()
    taken = client.post(reverse("signup"), sign_up_data(email="Maria@Example.com"))
    fresh = Client().post(reverse("signup"), sign_up_data(email="new@example.com"))

    assert (taken.status_code, taken.url) == (fresh.status_code, fresh.url)
    assert get_user_model().objects.filter(email__iexact="maria@example.com").count() == 1
    assert last_mail_to("maria@example.com").subject == "Your interview tracker account"


def test_sign_up_without_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("signup"), sign_up_data())

    assert response.status_code == 403
    assert not get_user_model().objects.filter(email="maria@example.com").exists()


def test_signed_in_person_opening_sign_up_goes_to_the_dashboard(user_client):
    response = user_client.get(reverse("signup"))

    assert response.status_code == 302
    assert response.url == reverse("dashboard")


# Profile


def test_profile_needs_a_login(client):
    response = client.get(reverse("profile"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_profile_shows_the_saved_values_and_reminder_choices(client, user):
    user.profile.reminders_off = ["follow_up", "thank_you_last_call"]
    user.profile.partner_email = "sam@example.org"
    user.profile.save()
    client.force_login(user)

    html = client.get(reverse("profile")).content.decode()

    assert _selected_zone(html) == "America/Chicago"
    assert 'value="sam@example.org"' in html
    checked = set(re.findall(r'name="reminders" value="(\w+)"[^>]*checked', html))
    assert checked == set(REMINDER_KINDS) - {"follow_up", "thank_you_last_call"}
    assert "First-hour nudge" in html and "Thank-you last call" in html
    assert 'data-zone-guess="suggest"' in html


def test_profile_saves_every_field_and_stores_the_kinds_turned_off(user_client, user):
    response = user_client.post(reverse("profile"), profile_data())

    assert response.status_code == 302
    assert response.url == reverse("profile")
    user.profile.refresh_from_db()
    assert user.profile.full_name == "Maria Lopez"
    assert user.profile.phone == "+49 30 1234567"
    assert user.profile.time_zone == "America/Chicago"
    assert user.profile.partner_email == "sam@example.org"
    assert user.profile.reminders_off == sorted(
        k for k in REMINDER_KINDS if k not in ("before_24h", "before_1h")
    )
    assert not user.profile.wants("first_hour")
    assert user.profile.wants("before_24h")


def test_profile_with_every_reminder_unticked_turns_them_all_off(user_client, user):
    data = profile_data()
    del data["reminders"]
    user_client.post(reverse("profile"), data)

    user.profile.refresh_from_db()
    assert sorted(user.profile.reminders_off) == sorted(REMINDER_KINDS)


def test_profile_with_an_unknown_zone_rerenders_with_a_message_and_keeps_the_input(
    user_client, user
):
    response = user_client.post(
        reverse("profile"), profile_data(time_zone="Europe/Atlantis", full_name="Kept Name")
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert "“Europe/Atlantis” is not a known IANA time zone" in html
    assert 'value="Kept Name"' in html
    assert _selected_zone(html) == "Europe/Atlantis"
    user.profile.refresh_from_db()
    assert user.profile.time_zone == "America/Chicago"
    assert user.profile.full_name != "Kept Name"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("full_name", "Maria\r\nBcc: victim@example.com", "Line breaks and control characters"),
        ("full_name", "x" * 121, "Ensure this value has at most 120 characters"),
        ("phone", "call me maybe", "Write the number with digits"),
        ("partner_email", "not-an-address", "Enter a valid email address."),
        ("time_zone", "", "This field is required."),
        ("reminders", ["first_hour", "carrier_pigeon"], "Select a valid choice."),
    ],
)
def test_profile_refuses_bad_input_with_a_message(user_client, user, field, value, message):
    response = user_client.post(reverse("profile"), profile_data(**{field: value}))

    assert response.status_code == 200
    assert message in response.content.decode()
    user.profile.refresh_from_db()
    assert user.profile.full_name != "Maria Lopez"


def test_profile_refuses_the_persons_own_address_as_partner(user_client, user):
    response = user_client.post(reverse("profile"), profile_data(partner_email=user.email.upper()))

    assert "That is your own address." in response.content.decode()


def test_profile_accepts_a_phone_number_with_an_extension(user_client, user):
    user_client.post(reverse("profile"), profile_data(phone="+1 (312) 555-0199 ext 12"))

    user.profile.refresh_from_db()
    assert user.profile.phone == "+1 (312) 555-0199 ext 12"


# Log in and out


def test_login_page_is_reachable_logged_out_and_links_to_sign_up_and_reset(client):
    html = client.get(reverse("login")).content.decode()

    assert reverse("signup") in html
    assert reverse("password_reset") in html


def test_login_with_the_email_and_the_right_password_goes_to_the_dashboard(client, user):
    response = log_in(client, user.email.upper())

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_by_username_is_not_offered(client, user):
    response = log_in(client, user.username)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_with_a_wrong_password_rerenders_with_a_message(client, user):
    response = log_in(client, user.email, "nope")

    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode())
    assert "_auth_user_id" not in client.session


def test_login_with_an_unconfirmed_address_mails_a_link_instead(client):
    user = UserFactory(email_verified=False)
    mail.outbox.clear()
    response = log_in(client, user.email)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert any("confirm-email" in u for u in links_in(last_mail_to(user.email)))


def test_login_follows_next_to_the_page_asked_for(client, user):
    response = client.post(
        reverse("login"), {"login": user.email, "password": PASSWORD, "next": reverse("profile")}
    )

    assert response.url == reverse("profile")


def test_logout_by_post_ends_the_session_and_goes_to_login(user_client):
    response = user_client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in user_client.session
    assert user_client.get(reverse("profile")).status_code == 302


# Password change


def test_password_change_needs_the_old_password_and_keeps_the_person_logged_in(user_client, user):
    response = user_client.post(
        reverse("password_change"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response.url == reverse("profile")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user_client.get(reverse("profile")).status_code == 200


def test_password_change_with_a_wrong_old_password_rerenders_with_a_message(user_client, user):
    response = user_client.post(
        reverse("password_change"),
        {"oldpassword": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "Please type your current password." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# Email change


def test_changing_the_email_keeps_the_old_one_until_the_new_one_is_confirmed(user_client, user):
    old = user.email
    response = user_client.post(reverse("account_email"),
                                {"email": "maria.new@example.com", "action_add": ""})
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user, primary=True).email == old
    from tracker.accounts.selectors import reminder_address

    assert reminder_address(user) == old
    confirm_email(user_client, "maria.new@example.com")
    assert reminder_address(user) == "maria.new@example.com"


# Password reset


def test_password_reset_mails_a_working_link_to_a_known_address(client, user):
    response = client.post(reverse("password_reset"), {"email": user.email})

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "Reset your password for the interview tracker"
    assert "\n" not in message.subject

    # The link leads to the form for a new password, and the new password works.
    form_page = client.get(reset_link(user.email), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your new password is set" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_answers_the_same_for_an_unknown_address(client, user):
    known = client.post(reverse("password_reset"), {"email": user.email}, follow=True)
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"},
                          follow=True)

    assert len(mail.outbox) == 1
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert "If an account uses the address you gave" in unknown.content.decode()


def test_a_used_reset_link_says_it_no_longer_works(client, user):
    client.post(reverse("password_reset"), {"email": user.email})
    link = reset_link(user.email)
    page = client.get(link, follow=True)
    client.post(page.redirect_chain[-1][0],
                {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    again = Client().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


# Content-Security-Policy: no inline script or style on the account pages


@pytest.mark.parametrize("name", ["signup", "login", "password_reset",
                                  "account_reset_password_done", "profile", "password_change",
                                  "account_email", "account_email_verification_sent"])
def test_account_pages_carry_no_inline_script_or_style(client, user, name):
    if name in ("profile", "password_change", "account_email"):
        client.force_login(user)
    response = client.get(reverse(name))
    html = response.content.decode()

    assert response.status_code == 200
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers


def test_the_zone_script_is_a_static_file():
    from django.contrib.staticfiles import finders

    path = finders.find("accounts/zone-guess.js")
    assert path is not None
    assert "Intl.DateTimeFormat" in open(path, encoding="utf-8").read()
