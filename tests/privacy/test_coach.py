"""The coach: invited by email, accepts through a signed link with their own account, sees a
read-only view of the person's incidents (contact details only if shared), comments (shown to
the person) and nothing else; the person ends the access at any time."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.privacy.conftest import STRINGS
from tests.web.conftest import NOW
from tracker.privacy import services, tokens
from tracker.privacy.models import CoachAccess, CoachComment

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def invite(client, email, share=False):
    data = {"action": "invite", "email": email}
    if share:
        data["share_contacts"] = "on"
    return client.post(reverse("coach_access"), data, follow=True)


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/coach/accept/\S+/)", message.body).group(1)


def test_invite_accept_view_comment_and_end(clock, django_capture_on_commit_callbacks):
    person = UserFactory()
    person.profile.full_name = "Ines Varga"
    person.profile.save()
    from tests.web.conftest import walked_incident

    objs = walked_incident(person)
    incident = objs["incident"]
    me = logged_in(person)
    with django_capture_on_commit_callbacks(execute=True):
        page = invite(me, "Coach.Kim@Example.com")
    assert "We emailed coach.kim@example.com an invitation" in page.content.decode()
    (message,) = mail.outbox
    assert message.to == ["coach.kim@example.com"]
    assert "Ines Varga" in message.body and person.email in message.body
    assert "Ines" not in message.subject
    link = link_in(message)

    # Anyone with the link sees who invites; accepting needs the coach's own login.
    anonymous = Client()
    shown = anonymous.get(link)
    assert shown.status_code == 200 and "Ines Varga asked you to coach them" in (
        shown.content.decode()
    )
    to_login = anonymous.post(link)
    assert to_login.status_code == 302 and to_login["Location"].startswith(reverse("login"))

    # Another account (not holding the invited address) cannot take it.
    stranger = logged_in(UserFactory())
    refused = stranger.post(link, follow=True)
    assert "This invitation was sent to coach.kim@example.com" in refused.content.decode()
    assert CoachAccess.objects.get().state == "invited"

    kim = UserFactory(email="coach.kim@example.com")
    coach = logged_in(kim)
    accepted = coach.post(link, follow=True)
    assert accepted.redirect_chain[-1][0] == reverse("coach_dashboard")
    html = accepted.content.decode()
    assert "Ines Varga" in html and "Backend engineer at Acme" in html
    access = CoachAccess.objects.get()
    assert (access.state, access.coach, access.accepted_at) == ("active", kim, NOW)
    # Accepted once: the same link does not give it to anyone else.
    assert "already accepted" in stranger.post(link, follow=True).content.decode()

    # Read-only view: facts, times, lessons; no contact details unless shared.
    url = reverse("shared_incident", args=[incident.pk])
    view = coach.get(url).content.decode()
    assert "Time-zone error" in view and "Lessons" in view and "Backend engineer" in view
    assert "Priya Raman" not in view and "priya@acme.example" not in view
    assert "I am sorry I missed our interview." not in view  # outreach words stay private
    assert coach.get(reverse("shared_contacts", args=[incident.pk])).status_code == 404
    me.post(reverse("coach_access"), {"action": "share", "access": access.pk})
    assert (
        "priya@acme.example"
        in coach.get(reverse("shared_contacts", args=[incident.pk])).content.decode()
    )
    assert "Priya Raman" in coach.get(url).content.decode()

    # A comment, shown to the person on the shared page and on their data page.
    coach.post(reverse("shared_comment", args=[incident.pk]), {"text": "Call them before noon."})
    comment = CoachComment.objects.get()
    assert comment.by_coach and comment.author == kim
    assert "Call them before noon." in me.get(url).content.decode()
    assert "Call them before noon." in me.get(reverse("privacy")).content.decode()
    me.post(reverse("shared_comment", args=[incident.pk]), {"text": "Will do."})
    assert "Will do." in coach.get(url).content.decode()

    # The coach writes nothing else: the person's own pages are a 404 for them.
    assert coach.get(reverse("incident_detail", args=[incident.pk])).status_code == 404
    assert coach.post(reverse("lessons", args=[incident.pk]), {"lessons": "x"}).status_code == 404

    # The person ends the access: a 404 everywhere, and the link is dead.
    ended = me.post(reverse("coach_access"), {"action": "end", "access": access.pk}, follow=True)
    assert "coach.kim@example.com no longer sees your incidents" in ended.content.decode()
    for name in ("shared_incident", "shared_contacts"):
        assert coach.get(reverse(name, args=[incident.pk])).status_code == 404
    assert (
        coach.post(
            reverse("shared_comment", args=[incident.pk]), {"text": "Still here?"}
        ).status_code
        == 404
    )
    assert "Ines Varga" not in coach.get(reverse("coach_dashboard")).content.decode()
    assert "no longer in use" in coach.post(link, follow=True).content.decode()
    assert CoachComment.objects.count() == 2


def test_the_person_cannot_touch_someone_elses_access(world):
    other = logged_in(UserFactory())
    response = other.post(reverse("coach_access"), {"action": "end", "access": world["access"].pk})
    assert response.status_code == 404
    assert (
        other.post(reverse("coach_access"), {"action": "end", "access": "junk"}).status_code == 404
    )
    world["access"].refresh_from_db()
    assert world["access"].state == "active"


def test_the_link_expires_and_a_forged_one_is_refused(world, clock):
    access = services.coach_invite(
        person=world["person"], email="late@example.com", share_contacts=False, now=NOW
    )
    link = reverse("coach_accept", args=[tokens.coach_token(access)])
    late = logged_in(UserFactory(email="late@example.com"))
    clock.move_to(NOW + timedelta(days=7, seconds=1))
    expired = late.get(link)
    assert expired.status_code == 400 and "has expired" in expired.content.decode()
    assert late.get(link[:-3] + "xx/").status_code == 400
    assert CoachAccess.objects.get(pk=access.pk).state == "invited"


def test_invitations_are_refused_to_oneself_twice_and_over_the_daily_limit(world, settings):
    settings.SEND_LIMITS = {**settings.SEND_LIMITS, "coach_invitation": (2, 2)}
    me = logged_in(world["person"])
    assert "cannot be your own coach" in invite(me, STRINGS["email"]).content.decode()
    assert "already invited or your coach" in invite(me, STRINGS["coach_email"]).content.decode()
    invite(me, "one@example.com")
    invite(me, "two@example.com")
    assert "reached today" in invite(me, "three@example.com").content.decode()
    assert not CoachAccess.objects.filter(email="three@example.com").exists()


def test_an_unconfirmed_person_cannot_invite(db, clock, django_capture_on_commit_callbacks):
    me = logged_in(UserFactory(email_verified=False))
    with django_capture_on_commit_callbacks(execute=True):
        page = invite(me, "c@example.com")
    assert "Confirm your email address first" in page.content.decode()
    assert not mail.outbox


def test_the_coach_dashboard_lists_only_active_people(world):
    coach = logged_in(world["coach"])
    html = coach.get(reverse("coach_dashboard")).content.decode()
    assert STRINGS["full_name"] in html and STRINGS["company3"] in html
    assert "1 comment" not in html and "2 comments" in html
    assert STRINGS["contact"] not in html and STRINGS["notes"] not in html
    nobody = logged_in(UserFactory())
    assert "Nobody has invited you" in nobody.get(reverse("coach_dashboard")).content.decode()


def test_a_comment_is_checked_like_any_text(world):
    coach = logged_in(world["coach"])
    url = reverse("shared_comment", args=[world["first"].pk])
    empty = coach.post(url, {"text": ""})
    assert empty.status_code == 200 and "is-invalid" in empty.content.decode()
    spoof = coach.post(url, {"text": "Acme\u202egnp.exe"})
    assert spoof.status_code == 200 and "is-invalid" in spoof.content.decode()
    assert coach.get(url).status_code == 302
    assert CoachComment.objects.filter(incident=world["first"]).count() == 2


def test_the_incident_page_leads_to_the_coachs_comments(world):
    me = logged_in(world["person"])
    page = me.get(reverse("incident_detail", args=[world["first"].pk])).content.decode()
    shared = reverse("shared_incident", args=[world["first"].pk])
    assert f'href="{shared}#comments"' in page
    assert STRINGS["comment"] in me.get(shared).content.decode()
