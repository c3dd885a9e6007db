"""XSS: hostile strings in every text field, written through the services, come out escaped on
every page (every URL of the URL configuration, for each incident), in the admin (every
changelist and change page) and in the HTML part of every reminder email. A `javascript:` link
or place is never emitted as a link."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.security import report
from tests.security.hostile import AFTER, hostile_world, html_part, reminder_emails
from tests.security.markup import assert_shown_escaped, markup_problems
from tests.security.test_ownership import OBJECT_ROUTES, incident_objects
from tests.security.urlwalk import routes
from tracker.accounts.partner import make_token

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'\"><svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "{{7*7}}{% now 'Y' %}",
    "javascript:alert(1)",
]
# URL-ish values for the link or place of a confirmed interview.
LINKS = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    'https://meet.example/x"><script>alert(1)</script>',
    "data:text/html,<script>alert(1)</script>",
]
# Pages that show nothing the person typed (so only "nothing raw, no script" is checked).
SHOWS_NOTHING_TYPED = {"incident_log", "password_change", "password_change_done", "login",
                       "password_reset", "password_reset_done", "password_reset_complete",
                       # django-allauth's pages (issue 12): the address, never a typed text.
                       "account_email", "account_change_password", "account_set_password",
                       "account_reset_password", "account_reset_password_done",
                       "account_reset_password_from_key", "account_reset_password_from_key_done",
                       "account_email_verification_sent", "account_confirm_email",
                       "account_inactive", "account_logout",
                       # Issue 16: the person's data page (no coach, no export here), the
                       # delete page and the coach dashboard of someone nobody invited.
                       "privacy", "account_delete", "coach_dashboard"}
SIGNED_PARAMS = {"token", "key", "uidb36"}
# URLs with a signed token or key rather than an object id: what fills them.
TOKEN_ROUTES = {
    # The partner's page names the person who invited them: their name must show escaped.
    "partner_answer": lambda w: {"token": make_token(w["pending"].owner.profile, "accept")},
    "account_confirm_email": lambda w: {"key": "not-a-key"},
    "account_reset_password_from_key": lambda w: {"uidb36": "1", "key": "set-password"},
}


def page_urls(w: dict) -> list[tuple[str, str]]:
    """(URL name, URL) of every page of the URL conf: the pages without an object once, and
    those with an id for each incident (every draft kind included)."""
    urls = []
    for route in routes():
        if route.is_admin or route.name in ("logout", "password_reset_confirm", "healthz",
                                            "healthz_live") or route.name is None:
            continue
        if not route.params:
            urls.append((route.name, route.path()))
            continue
        if route.name in TOKEN_ROUTES:
            urls.append((route.name, route.path(TOKEN_ROUTES[route.name](w))))
            continue
        if set(route.params) <= SIGNED_PARAMS:
            # Another signed link (an unsubscribe, say): a made-up token shows its refusal.
            urls.append((route.name, route.path(dict.fromkeys(route.params, "not-a-token"))))
            continue
        spec = OBJECT_ROUTES[route.name]
        # The closed incident's write pages only lead back to its page: its page is enough.
        incidents = [w["pending"], w["attended"]]
        if route.name == "incident_detail":
            incidents.append(w["closed"])
        for incident in incidents:
            objs = incident_objects(incident, confirmed_incident=w["attended"])
            if any(objs[key] is None for key in spec.ids.values()):
                continue
            values = {k: objs[key].pk for k, key in spec.ids.items()}
            for kind in spec.others.get("kind", [None]):
                path = route.path({**values, "kind": kind} if kind else values)
                urls.append((route.name, path))
    return sorted(set(urls))


def admin_urls(owner) -> list[tuple[str, bool]]:
    """Every changelist of the admin and the change page of every row of its models, each with
    whether it shows what the person typed: the incident and reminder pages, and the person's
    own user page (its profile inline). Groups, django-axes' logs, the user list (username,
    email) and the staff member's own page do not."""
    urls = []
    for model in admin.site._registry:
        opts = model._meta
        persons = opts.app_label in ("incidents", "reminders")
        urls.append((reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), persons))
        for obj in model.objects.all():
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            urls.append((url, persons or obj == owner))
    return urls


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_page_the_admin_and_every_email_show_the_payload_escaped(payload, owner, staff):
    w = hostile_world(owner, payload)
    with time_machine.travel(AFTER, tick=False):
        client = Client()
        client.force_login(owner)
        seen = 0
        for name, url in page_urls(w):
            response = client.get(url)
            signed = name in TOKEN_ROUTES or "not-a-token" in url
            allowed = (200, 302, 400, 404, 405) if signed else (200, 302, 405)
            assert response.status_code in allowed, f"GET {url}: {response.status_code}"
            if response.status_code != 200 or "html" not in response["Content-Type"]:
                continue
            html = response.content.decode()
            assert_shown_escaped(html, payload, f"GET {url}",
                                 shown=name not in SHOWS_NOTHING_TYPED)
            seen += 1
        assert seen >= 50, seen

        as_staff = Client()
        as_staff.force_login(staff)
        admin_pages = admin_urls(owner)
        for url, shown in admin_pages:
            response = as_staff.get(url)
            assert response.status_code == 200, f"GET {url}: {response.status_code}"
            html = response.content.decode()
            assert_shown_escaped(html, payload, f"admin {url}", shown=shown)

    messages = reminder_emails(owner)
    for kind, message in messages.items():
        assert_shown_escaped(html_part(message), payload, f"the {kind} email (HTML part)")
        assert "\n" not in message.subject and "\r" not in message.subject
    report.note("security", f"XSS {payload!r}: escaped on {seen} pages, {len(admin_pages)} "
                f"admin pages and {len(messages)} reminder emails")


@pytest.mark.parametrize("link", LINKS)
def test_a_script_url_as_the_link_or_place_is_never_a_link(link, owner):
    w = hostile_world(owner, "Acme & Sons", link=link)
    pages = [
        reverse("incident_detail", args=[w["attended"].pk]),
        reverse("reschedule_confirm", args=[w["attended"].pk]),
        reverse("draft", args=[w["attended"].pk, "confirmation"]),
        reverse("draft", args=[w["attended"].pk, "thank_you"]),
    ]
    with time_machine.travel(AFTER, tick=False):
        client = Client()
        client.force_login(owner)
        for url in pages:
            html = client.get(url).content.decode()
            assert not markup_problems(html), (url, markup_problems(html))
    for kind, message in reminder_emails(owner).items():
        html = html_part(message)
        assert not markup_problems(html), (kind, markup_problems(html))


@pytest.mark.parametrize(
    "html",
    [
        "<p><script>alert(1)</script></p>",
        '<img src=x onerror="alert(1)">',
        "<svg/onload=alert(1)>",
        '<a href=" javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<form action="JAVASCRIPT:alert(1)"></form>',
    ],
)
def test_the_markup_check_finds_what_it_looks_for(html):
    assert markup_problems(html)


def test_the_markup_check_passes_a_clean_page():
    assert markup_problems(
        '<script src="/static/js/draft.js"></script><a href="/x?a=1&amp;b=2">x</a>'
        '<script type="application/json" id="d">{"a": "\\u003Cb\\u003E"}</script>'
    ) == []
