"""Ownership sweep: every URL with an object id, taken from the URL configuration, is a 404 for
another person, on GET and on POST (with a valid CSRF token and data that would work for the
owner), and writes nothing. A new URL with an id fails the sweep until the table below says
which object fills it, so it cannot slip through unchecked."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import transaction
from django.forms.models import model_to_dict
from django.urls import reverse

from tests.security import report
from tests.security.conftest import OWNER_COMPANY, csrf_client, owner_objects
from tests.security.urlwalk import Route, routes
from tests.web.conftest import NOW, slot_data
from tracker.accounts.models import Profile
from tracker.messaging import composer
from tracker.reminders.models import Reminder

pytestmark = pytest.mark.django_db

FUTURE = (NOW + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M")
LATER = (NOW + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class ObjectRoute:
    """Which of the owner's objects fills each id keyword (a key of `owner_objects`), the
    values of the other keywords (each one is swept), and a POST body that works for the
    owner, so that a 404 for someone else is about ownership, not about bad data."""

    ids: dict[str, str]
    post: dict[str, str] = field(default_factory=dict)
    others: dict[str, list[str]] = field(default_factory=dict)


# Keyed by URL name. A URL with an id that is missing here fails test_the_table_knows_every_url.
OBJECT_ROUTES: dict[str, ObjectRoute] = {
    "incident_detail": ObjectRoute({"pk": "incident"}),
    "incident_edit": ObjectRoute(
        {"pk": "incident"},
        {"company": "Renamed", "role": "Backend engineer", "interview_at": "2026-03-02T19:30",
         "interview_tz": "Asia/Kolkata", "candidate_tz": "America/Chicago", "format": "video",
         "cause": "timezone"},
    ),
    "contact_add": ObjectRoute(
        {"pk": "incident"}, {"name": "Eve", "role": "hr", "preferred_channel": "any"}
    ),
    "outreach_add": ObjectRoute(
        {"pk": "incident"},
        {"channel": "call", "purpose": "follow_up", "result": "reached", "minutes_ago": "0"},
    ),
    "reschedule_request": ObjectRoute(
        {"pk": "incident"}, slot_data((FUTURE, "UTC"), (LATER, "UTC")),
    ),
    "reschedule_confirm": ObjectRoute(
        {"pk": "incident"},
        {"start": FUTURE, "time_zone": "UTC", "duration_minutes": "45", "format": "video"},
    ),
    "interview_attended": ObjectRoute({"pk": "confirmed_incident"}),
    "thank_you": ObjectRoute({"pk": "incident"}, {"channel": "email", "text": "Thanks"}),
    "material_add": ObjectRoute({"pk": "incident"}, {"description": "Portfolio"}),
    "lessons": ObjectRoute({"pk": "incident"}, {"lessons": "Two alarms."}),
    "incident_close": ObjectRoute({"pk": "incident"}, {"outcome": "moved_on"}),
    "incident_reopen": ObjectRoute({"pk": "incident"}),
    "contact_edit": ObjectRoute(
        {"pk": "contact"}, {"name": "Mallory", "role": "hr", "preferred_channel": "any"}
    ),
    "outreach_detail": ObjectRoute({"pk": "outreach"}),
    "reschedule_reply": ObjectRoute({"pk": "reschedule"}, {"reply": "declined"}),
    "reschedule_cancel": ObjectRoute({"pk": "reschedule"}),
    "safeguard_toggle": ObjectRoute({"pk": "safeguard"}, {"done": "on"}),
    "material_resolve": ObjectRoute({"pk": "material"}, {"status": "delivered"}),
    "drafts": ObjectRoute({"pk": "incident"}),
    # The draft page is GET only; each of its jobs is a POST to its own URL.
    "draft": ObjectRoute({"pk": "incident"}, others={"kind": list(composer.KINDS)}),
    "draft_check": ObjectRoute(
        {"pk": "incident"}, {"subject": "Sorry", "body": "I am sorry."},
        others={"kind": list(composer.KINDS)},
    ),
    "draft_record": ObjectRoute(
        {"pk": "incident"},
        {"subject": "Sorry", "body": "I am sorry.", "result": "reached"},
        others={"kind": list(composer.KINDS)},
    ),
    "draft_name": ObjectRoute(
        {"pk": "incident"}, {"name-full_name": "Mallory", "name-phone": ""},
        others={"kind": list(composer.KINDS)},
    ),
    "draft_contact": ObjectRoute(
        {"pk": "incident"},
        {"contact-name": "Eve", "contact-role": "recruiter", "contact-time_zone": "UTC",
         "contact-preferred_channel": "any"},
        others={"kind": list(composer.KINDS)},
    ),
    "draft_slots": ObjectRoute(
        {"pk": "incident"}, slot_data((FUTURE, "UTC"), (LATER, "UTC")),
        others={"kind": list(composer.KINDS)},
    ),
    "draft_topic": ObjectRoute(
        {"pk": "incident"}, {"topic-thank_you_topic": "Billing"},
        others={"kind": list(composer.KINDS)},
    ),
    "draft_material": ObjectRoute(
        {"pk": "incident"}, {"material-description": "Portfolio"},
        others={"kind": list(composer.KINDS)},
    ),
    "reminder_test": ObjectRoute({"pk": "incident"}),
    "incident_ics": ObjectRoute({"pk": "confirmed_incident"}),
    # Issue 15: the alarm self-test's buttons.
    "alarm_test_start": ObjectRoute({"pk": "incident"}),
    "alarm_test_answer": ObjectRoute({"pk": "incident"}, {"result": "rang"}),
    # Issue 16: the incident as a coach sees it (the owner sees it too, and answers there).
    "shared_incident": ObjectRoute({"pk": "incident"}),
    "shared_contacts": ObjectRoute({"pk": "incident"}),
    "shared_comment": ObjectRoute({"pk": "incident"}, {"text": "Call them before noon."}),
}

def incident_objects(incident, *, confirmed_incident) -> dict:
    """The objects that fill the URLs of one incident, keyed as the ids of OBJECT_ROUTES (None
    where the incident has no such object yet); `confirmed_incident` fills the .ics URL."""
    reschedule = incident.reschedules.order_by("-pk").first()
    return {
        "incident": incident,
        "confirmed_incident": confirmed_incident,
        "contact": incident.contacts.order_by("pk").first(),
        "outreach": incident.outreach.order_by("pk").first(),
        "reschedule": reschedule,
        "slot": reschedule.slots.first() if reschedule else None,
        "safeguard": incident.safeguards.first(),
        "material": incident.materials.first(),
    }


# Every model a person owns, for the "nothing was written" snapshot: all of the incidents app's
# (a new one is swept without being listed here), the reminders and the profile.
OWNED_MODELS = (*apps.get_app_config("incidents").get_models(), Reminder, Profile,
                *apps.get_app_config("privacy").get_models())  # issue 16: coach, exports
# A valid id that names nobody's object: what a stranger's object must look like.
NOBODY = 987_654_321


def id_routes() -> list[Route]:
    return [r for r in routes() if r.id_params and not r.is_admin]


def urls_for(route: Route, objs: dict, *, missing: bool = False) -> list[str]:
    """The concrete URLs of one route: its ids filled from `objs` (or with an id nobody owns),
    one URL per combination of its other keywords."""
    spec = OBJECT_ROUTES[route.name]
    ids = {k: (NOBODY if missing else objs[key].pk) for k, key in spec.ids.items()}
    names = list(spec.others)
    urls = []
    for combo in itertools.product(*(spec.others[n] for n in names)):
        urls.append(route.path({**ids, **dict(zip(names, combo, strict=True))}))
    return urls


def snapshot() -> dict:
    return {
        model.__name__: sorted(
            (obj.pk, repr(sorted(model_to_dict(obj).items()))) for obj in model.objects.all()
        )
        for model in OWNED_MODELS
    }


def test_the_table_knows_every_url_with_an_id():
    found = id_routes()
    unknown = [str(r) for r in found if r.name not in OBJECT_ROUTES]
    assert not unknown, (
        "URLs with an object id that the ownership sweep does not know; add them to "
        f"OBJECT_ROUTES in {__file__}: {unknown}"
    )
    stale = set(OBJECT_ROUTES) - {r.name for r in found}
    assert not stale, f"OBJECT_ROUTES names URLs that no longer exist: {sorted(stale)}"
    for r in found:
        spec = OBJECT_ROUTES[r.name]
        assert set(r.id_params) == set(spec.ids), r
        assert set(r.params) == set(spec.ids) | set(spec.others), r


def test_every_url_with_an_id_is_a_404_for_another_person(owner, intruder, world):
    owner_client, owner_token = csrf_client(owner)
    other, token = csrf_client(intruder)
    before = snapshot()
    covered = []
    for route in id_routes():
        spec = OBJECT_ROUTES[route.name]
        for url, nobody_url in zip(
            urls_for(route, world), urls_for(route, world, missing=True), strict=True
        ):
            for method in ("get", "post"):
                data = {"csrfmiddlewaretoken": token, **spec.post} if method == "post" else None
                # The owner reaches the object (in a transaction rolled back afterwards), so
                # the 404 below is about ownership and this sweep can fail.
                with transaction.atomic():
                    mine = getattr(owner_client, method)(
                        url, {**(data or {}), "csrfmiddlewaretoken": owner_token}
                        if method == "post" else None
                    ).status_code
                    transaction.set_rollback(True)
                assert mine != 404, f"the owner gets a 404 on {method.upper()} {url}"
                assert mine != 403, f"the owner's {method.upper()} {url} was refused: {mine}"

                response = getattr(other, method)(url, data)
                nobody = getattr(other, method)(nobody_url, data).status_code
                # A 404, the same as for an object nobody owns. Only a method the view refuses
                # to everyone (405 for the owner too, before looking the object up) may be a
                # 405: it says nothing about the object.
                allowed = {404, 405} if mine == 405 else {404}
                assert response.status_code in allowed, (
                    f"{method.upper()} {url} by another person: {response.status_code}"
                )
                assert nobody == response.status_code, f"{method.upper()} {nobody_url}: {nobody}"
                assert OWNER_COMPANY.encode() not in response.content, url
                covered.append((route.name, method, url))
    assert snapshot() == before, "a request by another person changed the owner's data"

    patterns = {name for name, _, _ in covered}
    urls = {url for _, _, url in covered}
    report.note("security", f"ownership sweep: {len(patterns)} URL patterns with an id, "
                f"{len(urls)} URLs, {len(covered)} requests (GET and POST) by another person")
    assert patterns == set(OBJECT_ROUTES)
    assert len(patterns) >= 22
    assert len(urls) == sum(
        max(1, len(list(itertools.product(*OBJECT_ROUTES[n].others.values()))))
        for n in patterns
    )


def test_another_persons_ids_inside_a_form_or_a_query_string_are_refused(owner, intruder, world):
    """Ids that travel in a form's choices or a query string (the contact an outreach went to,
    the interviewer, the accepted slot, the incident a contact is edited from, the draft's
    addressee) are looked up among the owner's objects only."""
    theirs = owner_objects(intruder)
    their_contact = theirs["contact"]
    their_contact.name = "Mallory Stranger"
    their_contact.save()
    client, token = csrf_client(owner)
    mine = world["incident"]
    before = snapshot()
    posts = [
        ("outreach_add", [mine.pk], {"channel": "call", "purpose": "follow_up",
                                     "result": "reached", "contact": their_contact.pk}),
        ("reschedule_confirm", [mine.pk], {"start": FUTURE, "time_zone": "UTC",
                                           "duration_minutes": "45", "format": "video",
                                           "interviewer": their_contact.pk}),
        ("thank_you", [mine.pk], {"channel": "email", "contact": their_contact.pk}),
        ("reschedule_reply", [world["reschedule"].pk], {"reply": "accepted",
                                                       "slot": theirs["slot"].pk}),
    ]
    for name, args, data in posts:
        response = client.post(reverse(name, args=args), {**data, "csrfmiddlewaretoken": token})
        assert response.status_code == 200, name
        assert "Select a valid choice" in response.content.decode() or (
            "Say which of the proposed slots" in response.content.decode()
        ), name
    edit = reverse("contact_edit", args=[world["contact"].pk])
    assert client.get(edit, {"incident": theirs["incident"].pk}).status_code == 404
    assert client.post(edit, {"incident": theirs["incident"].pk, "name": "X", "role": "hr",
                              "preferred_channel": "any",
                              "csrfmiddlewaretoken": token}).status_code == 404
    draft = client.get(reverse("draft", args=[mine.pk, "apology_email"]),
                       {"to": their_contact.pk})
    assert draft.status_code == 200
    assert "Mallory Stranger" not in draft.content.decode()
    assert snapshot() == before


# --- The coach role (issue 16) -------------------------------------------------------------

# What a coach with an active access may reach: the shared view and its comment box, and the
# contact details only where the person shares them. Everything else is the person's alone.
COACH_REACHES = {"shared_incident", "shared_comment"}


def coach_of(person, *, share_contacts=False):
    """A new account that accepted `person`'s invitation (an active CoachAccess)."""
    from tests.factories import UserFactory
    from tracker.privacy import services as privacy
    from tracker.privacy import tokens

    coach = UserFactory()
    access = privacy.coach_invite(person=person, email=coach.email,
                                  share_contacts=share_contacts, now=NOW)
    privacy.coach_accept(coach=coach, now=NOW,
                         invitation=tokens.read_coach_token(tokens.coach_token(access)))
    return coach, access


def sweep_as(client, token, world, *, reaches: set[str]) -> list[tuple[str, str, int]]:
    """Every URL with an id, GET and POST (with data that works for the owner): the status for
    this client. Those in `reaches` are tried in a rolled-back transaction."""
    seen = []
    for route in id_routes():
        spec = OBJECT_ROUTES[route.name]
        for url in urls_for(route, world):
            for method in ("get", "post"):
                data = {"csrfmiddlewaretoken": token, **spec.post} if method == "post" else None
                with transaction.atomic():
                    response = getattr(client, method)(url, data)
                    transaction.set_rollback(True)
                if route.name not in reaches:
                    assert OWNER_COMPANY.encode() not in response.content, url
                seen.append((route.name, f"{method.upper()} {url}", response.status_code))
    return seen


def test_every_url_with_an_id_is_a_404_for_a_coach_who_may_not_see_it(owner, intruder, world):
    """As a coach of someone else, as a coach whose access was ended, and as a coach looking at
    contact details not shared: a 404 on every URL with an id (405 only where the owner gets
    one too). A coach whose access is active reaches the shared view, its comments and (only
    when shared) the contacts, and nothing of the person's own pages."""
    before = snapshot()
    elsewhere, _ = coach_of(intruder, share_contacts=True)
    ended, access = coach_of(owner, share_contacts=True)
    from tracker.privacy import services as privacy

    privacy.coach_end(access=access, now=NOW)
    unshared, _ = coach_of(owner, share_contacts=False)
    shared, _ = coach_of(owner, share_contacts=True)
    # What the owner gets: a 405 is the view's answer to that method for everyone.
    owner_client, owner_token = csrf_client(owner)
    owners = {(name, call): status
              for name, call, status in sweep_as(owner_client, owner_token, world,
                                                 reaches=set(OBJECT_ROUTES))}
    after_setup = snapshot()
    roles = {
        "coach of someone else": (elsewhere, set()),
        "coach whose access was ended": (ended, set()),
        "coach, contact details not shared": (unshared, COACH_REACHES),
        "coach, contact details shared": (shared, COACH_REACHES | {"shared_contacts"}),
    }
    requests = 0
    for role, (coach, reaches) in roles.items():
        client, token = csrf_client(coach)
        for name, call, status in sweep_as(client, token, world, reaches=reaches):
            requests += 1
            if name in reaches:
                reached = {200, 302} | ({405} if owners[(name, call)] == 405 else set())
                assert status in reached, f"{role}: {call} -> {status}"
                continue
            allowed = {404, 405} if owners[(name, call)] == 405 else {404}
            assert status in allowed, f"{role}: {call} -> {status}"
    assert snapshot() == after_setup != before
    report.note("security", f"ownership sweep, coach role: {len(roles)} roles, {requests} "
                "requests over every URL with an id")

