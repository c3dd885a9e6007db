"""The account flows as a person walks them, through the pages (django-allauth's views)."""

from __future__ import annotations

import re

from django.core import mail
from django.urls import reverse

PASSWORD = "correct horse battery"


def sign_up_data(**overrides):
    """The sign-up page's POST: Maria Lopez in Berlin, then `overrides`."""
    return {
        "full_name": "Maria Lopez", "email": "maria@example.com", "time_zone": "Europe/Berlin",
        "password1": "plum tree harbour 71", "password2": "plum tree harbour 71",
        **overrides,
    }


def links_in(message) -> list[str]:
    return re.findall(r"https?://testserver(/\S+)", message.body)


def last_mail_to(address: str):
    for message in reversed(mail.outbox):
        if address in message.to:
            return message
    raise AssertionError(f"no email to {address}: {[m.to for m in mail.outbox]}")


def confirm_email(client, address: str):
    """Open the confirmation link mailed to `address` and press Confirm."""
    link = next(u for u in links_in(last_mail_to(address)) if "/confirm-email/" in u)
    page = client.get(link)
    assert page.status_code == 200, page.status_code
    return client.post(link)


def log_in(client, email: str, password: str = PASSWORD, url=None, **extra):
    return client.post(url or reverse("login"), {"login": email, "password": password}, **extra)


def reset_link(address: str) -> str:
    return next(u for u in links_in(last_mail_to(address)) if "/password/reset/key/" in u)


def reset_password(client, address: str, new_password: str):
    """Ask for a reset link for `address`, open it and set `new_password`."""
    client.post(reverse("password_reset"), {"email": address})
    page = client.get(reset_link(address), follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else reset_link(address)
    return client.post(form_url, {"password1": new_password, "password2": new_password})
