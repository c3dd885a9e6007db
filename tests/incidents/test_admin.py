"""The staff's admin: every page loads with realistic data, transitions stay read-only, edits go
through services, the CSV export streams the rows, and only staff get in."""

import csv
import io
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import BASE, UserFactory
from tracker.incidents import services
from tracker.incidents.admin import CSV_HEADER
from tracker.incidents.models import (
    Contact,
    Incident,
    Outreach,
    PromisedMaterial,
    Reschedule,
    TimelineEvent,
)

pytestmark = pytest.mark.django_db

MIN = timedelta(minutes=1)
DAY = timedelta(days=1)


def log(owner, *, company="Acme", at=BASE, cause=Incident.Cause.TIMEZONE, **kw):
    return services.incident_log(
        owner=owner, company=company, role="Backend engineer", interview_at=at,
        interview_tz="Asia/Kolkata", candidate_tz="America/Chicago",
        format=Incident.Format.VIDEO, cause=cause, discovered_at=at + 20 * MIN,
        contact_name="Priya Raman", contact_email="priya@acme.example", now=at + 20 * MIN, **kw,
    )


def walk_to_closed(owner, *, company="Acme", at=BASE):
    """An incident taken through every phase by the services, the way a person would."""
    incident = log(owner, company=company, at=at)
    contact = incident.contacts.get()
    services.outreach_record(
        incident=incident, channel=Outreach.Channel.EMAIL, result=Outreach.Result.SENT,
        contact=contact, subject="Missed interview: apologies", now=at + 45 * MIN, actor=owner,
    )
    reschedule = services.reschedule_request(
        incident=incident,
        slots=[(at + 2 * DAY, "Asia/Kolkata"), (at + 3 * DAY, "Asia/Kolkata")],
        now=at + 60 * MIN, actor=owner,
    )
    slot = reschedule.slots.first()
    services.reschedule_reply(reschedule=reschedule, reply=Reschedule.Reply.ACCEPTED,
                              accepted_slot=slot, now=at + DAY, actor=owner)
    services.reschedule_confirm(
        incident=incident, start=slot.start, time_zone=slot.time_zone, duration_minutes=45,
        format=Incident.Format.VIDEO, location="https://meet.example/abc", interviewer=contact,
        now=at + DAY + 5 * MIN, actor=owner,
    )
    services.safeguard_set(safeguard=incident.safeguards.first(), done=True,
                           now=at + DAY + 10 * MIN, actor=owner)
    services.interview_attended(incident=incident, now=slot.start + 50 * MIN, actor=owner)
    services.thank_you_sent(incident=incident, contact=contact, now=slot.start + 2 * 60 * MIN,
                            actor=owner)
    material = services.material_add(incident=incident, description="Code sample",
                                      due_on=date(2026, 3, 6), now=slot.start + 3 * 60 * MIN)
    services.material_resolve(material=material, status=PromisedMaterial.Status.DELIVERED,
                              now=slot.start + 4 * 60 * MIN)
    services.incident_lessons_record(incident=incident, lessons="Two alarms, both zones.",
                                     now=slot.start + 5 * 60 * MIN)
    services.incident_close(incident=incident, outcome=Incident.Outcome.RECOVERED,
                            now=slot.start + 6 * 60 * MIN, actor=owner)
    incident.refresh_from_db()
    return incident


@pytest.fixture
def data(user):
    closed = walk_to_closed(user, company="Closedco")
    fresh = log(user, company="Freshco", at=BASE + 10 * DAY, cause=Incident.Cause.TRANSIT)
    Group.objects.create(name="Coaches")
    return {"closed": closed, "fresh": fresh}


class _FormFields(HTMLParser):
    """What a browser would submit from each method=post form of a page (`forms`, in order)."""

    def __init__(self):
        super().__init__()
        self.forms, self._fields, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post":
            self._fields = []
        if self._fields is None:
            return
        kind = a.get("type", "text")
        if tag == "input" and a.get("name") and kind not in ("submit", "button", "file"):
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind == "checkbox" else ""
            self._fields.append((a["name"], a.get("value", default)))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._fields.append((self._select, a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._fields.append((a["name"], ""))

    def handle_data(self, text):
        if self._textarea:
            name, value = self._fields[-1]
            self._fields[-1] = (name, value + text)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._fields is not None:
            self.forms.append(self._fields)
            self._fields = None


def form_data(response, **changes):
    """The fields of the page's main form (the one with most fields: the admin's header has a
    small logout form too), with `changes` applied."""
    parser = _FormFields()
    parser.feed(response.content.decode())
    data = {}
    for name, value in max(parser.forms, key=len):
        # A textarea's content starts after one optional newline, as in a browser.
        value = value[1:] if value.startswith("\n") else value
        if name in data:
            data[name] = [*([data[name]] if isinstance(data[name], str) else data[name]), value]
        else:
            data[name] = value
    data.update(changes)
    return data


# Every page loads


def test_the_admin_registers_the_models_staff_review():
    for model in (Incident, Contact, Reschedule):
        assert admin.site.is_registered(model)


def test_every_registered_changelist_and_change_page_loads_with_data(admin_client, data):
    checked = 0
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = admin_client.get(changelist)
        assert response.status_code == 200, changelist
        obj = model_admin.get_queryset(response.wsgi_request).first()
        if obj is None:
            continue
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        response = admin_client.get(change)
        assert response.status_code == 200, change
        checked += 1
    # Incidents, contacts, reschedules, users and groups at least.
    assert checked >= 5


def test_incident_changelist_shows_the_incidents_with_their_phase_and_time_to_outreach(
    admin_client, data
):
    html = admin_client.get(reverse("admin:incidents_incident_changelist")).content.decode()

    assert "Closedco" in html and "Freshco" in html
    assert "Recovered" in html
    assert "<td class=\"field-first_outreach_minutes\">25</td>" in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"phase__exact": "closed"}, "Closedco", "Freshco"),
        ({"cause__exact": "transit"}, "Freshco", "Closedco"),
        ({"outcome__exact": "recovered"}, "Closedco", "Freshco"),
        ({"q": "fresh"}, "Freshco", "Closedco"),
        ({"discovered_at__year": "2026", "discovered_at__month": "3",
          "discovered_at__day": "12"}, "Freshco", "Closedco"),
    ],
)
def test_incident_changelist_filters_searches_and_drills_down_by_date(
    admin_client, data, query, shown, hidden
):
    html = admin_client.get(reverse("admin:incidents_incident_changelist"),
                            query).content.decode()

    assert shown in html
    assert hidden not in html


def test_incident_search_finds_by_owner_username_and_email(admin_client, data, user):
    other = UserFactory(username="someone", email="someone@else.example")
    log(other, company="Othersco")
    url = reverse("admin:incidents_incident_changelist")

    by_name = admin_client.get(url, {"q": "someone"}).content.decode()
    by_email = admin_client.get(url, {"q": user.email}).content.decode()

    assert "Othersco" in by_name and "Closedco" not in by_name
    assert "Closedco" in by_email and "Othersco" not in by_email


def test_incident_change_page_shows_every_inline_and_the_timeline(admin_client, data):
    incident = data["closed"]
    html = admin_client.get(
        reverse("admin:incidents_incident_change", args=[incident.pk])
    ).content.decode()

    assert "Priya Raman" in html  # contacts
    assert "Missed interview: apologies" in html  # outreach
    assert "Code sample" in html  # promised materials
    assert "Alarms on two devices" in html or "Both time zones" in html  # safeguards
    for message in ("Reply: accepted", "Attended the rescheduled interview",
                    "Recorded the lessons", "Closed: Recovered"):  # timeline
        assert message in html
    assert reverse("admin:incidents_reschedule_change",
                   args=[incident.reschedules.get().pk]) in html


def test_incident_changelist_query_count_does_not_grow_with_rows(admin_client, user):
    url = reverse("admin:incidents_incident_changelist")
    for i in range(3):
        log(user, company=f"Small {i}")
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for i in range(30):
        log(UserFactory(), company=f"Many {i}")
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url)

    assert len(many) == len(few)


# Transitions stay with the services


def test_phase_and_outcome_are_read_only_on_the_change_form(admin_client, data):
    form = admin_client.get(
        reverse("admin:incidents_incident_change", args=[data["fresh"].pk])
    ).context["adminform"].form

    for name in ("phase", "outcome", "first_outreach_at", "closed_at", "owner", "contacts"):
        assert name not in form.fields


def test_posting_a_phase_or_outcome_changes_nothing(admin_client, data):
    incident = data["fresh"]
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    post = form_data(admin_client.get(url), phase="closed", outcome="recovered",
                     first_outreach_at="2026-03-01 10:00")

    response = admin_client.post(url, post)

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.phase == Incident.Phase.CONTAIN
    assert incident.outcome == ""
    assert incident.first_outreach_at is None


def test_editing_an_incident_goes_through_the_service_and_leaves_a_timeline_entry(
    admin_client, data, admin_user
):
    incident = data["fresh"]
    url = reverse("admin:incidents_incident_change", args=[incident.pk])

    response = admin_client.post(
        url, form_data(admin_client.get(url), company="Freshco GmbH", lessons="Leave earlier.")
    )

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.company == "Freshco GmbH"
    assert incident.lessons == "Leave earlier."
    events = list(incident.timeline.filter(actor=admin_user).values_list("kind", "message"))
    assert ("edited", "Edited: company") in events
    assert ("lessons", "Recorded the lessons") in events


def test_an_unknown_zone_in_the_admin_is_refused_with_a_message(admin_client, data):
    incident = data["fresh"]
    url = reverse("admin:incidents_incident_change", args=[incident.pk])

    response = admin_client.post(url, form_data(admin_client.get(url),
                                                interview_tz="Asia/Atlantis"))

    assert response.status_code == 200
    assert "“Asia/Atlantis” is not a known IANA time zone." in response.content.decode()
    incident.refresh_from_db()
    assert incident.interview_tz == "Asia/Kolkata"


def test_adding_an_incident_in_the_admin_logs_it_like_the_person_would(admin_client, user):
    url = reverse("admin:incidents_incident_add")
    post = form_data(admin_client.get(url))
    post.update({
        "owner": str(user.pk), "company": "Addedco", "role": "Analyst", "format": "phone",
        "cause": "calendar", "interview_at_0": "2026-03-02", "interview_at_1": "14:00:00",
        "interview_tz": "Europe/Berlin", "candidate_tz": "Europe/Berlin",
        "discovered_at_0": "2026-03-02", "discovered_at_1": "14:30:00",
    })

    response = admin_client.post(url, post)

    assert response.status_code == 302, response.context["adminform"].form.errors
    incident = Incident.objects.get(company="Addedco")
    assert incident.owner == user
    assert incident.phase == Incident.Phase.CONTAIN
    assert incident.safeguards.exists()
    assert incident.timeline.filter(kind="logged").exists()


def test_inlines_offer_no_add_change_or_delete(admin_client, data):
    response = admin_client.get(
        reverse("admin:incidents_incident_change", args=[data["closed"].pk])
    )

    for inline in response.context["inline_admin_formsets"]:
        assert not inline.has_add_permission
        assert not inline.has_change_permission
        assert not inline.has_delete_permission


def test_timeline_rows_cannot_be_posted_through_the_incident_form(admin_client, data):
    incident = data["fresh"]
    before = TimelineEvent.objects.filter(incident=incident).count()
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    post = form_data(admin_client.get(url))
    post.update({"timeline-TOTAL_FORMS": "2", "timeline-1-at_0": "2026-03-01",
                 "timeline-1-at_1": "10:00", "timeline-1-kind": "forged",
                 "timeline-1-message": "forged"})

    admin_client.post(url, post)

    assert not TimelineEvent.objects.filter(kind="forged").exists()
    assert TimelineEvent.objects.filter(incident=incident).count() == before


def test_reschedule_admin_is_view_only(admin_client, data):
    reschedule = data["closed"].reschedules.get()
    url = reverse("admin:incidents_reschedule_change", args=[reschedule.pk])

    page = admin_client.get(url)
    posted = admin_client.post(url, {"reply": "declined"})

    assert page.status_code == 200
    assert "Slot 1" in page.content.decode() or "Asia/Kolkata" in page.content.decode()
    assert posted.status_code == 403
    reschedule.refresh_from_db()
    assert reschedule.reply == Reschedule.Reply.ACCEPTED
    assert admin_client.get(reverse("admin:incidents_reschedule_add")).status_code == 403


def test_editing_a_contact_goes_through_the_service(admin_client, data):
    contact = data["fresh"].contacts.get()
    url = reverse("admin:incidents_contact_change", args=[contact.pk])

    response = admin_client.post(url, form_data(admin_client.get(url), phone="+91 22 5550 1234"))

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.phone == "+91 22 5550 1234"


# CSV export


def export(admin_client, incidents):
    response = admin_client.post(
        reverse("admin:incidents_incident_changelist"),
        {"action": "export_csv", "_selected_action": [str(i.pk) for i in incidents]},
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith('attachment; filename="incidents-')
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_csv_export_streams_the_selected_incidents(admin_client, data, user):
    closed, fresh = data["closed"], data["fresh"]
    rows = export(admin_client, [closed, fresh])

    assert rows[0] == CSV_HEADER
    assert len(rows) == 3
    by_id = {row[0]: dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]}
    row = by_id[str(closed.pk)]
    assert row["owner"] == user.username
    assert row["company"] == "Closedco"
    assert row["cause"] == "timezone"
    assert row["phase"] == "closed"
    assert row["outcome"] == "recovered"
    assert row["interview_at_utc"] == "2026-03-02T14:00:00Z"
    assert row["interview_tz"] == "Asia/Kolkata"
    assert row["discovered_at_utc"] == "2026-03-02T14:20:00Z"
    assert row["first_outreach_at_utc"] == "2026-03-02T14:45:00Z"
    assert row["minutes_to_first_outreach"] == "25"
    assert row["closed_at_utc"] == closed.closed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    open_row = by_id[str(fresh.pk)]
    assert open_row["phase"] == "contain"
    assert open_row["outcome"] == open_row["first_outreach_at_utc"] == ""
    assert open_row["minutes_to_first_outreach"] == open_row["closed_at_utc"] == ""


def test_csv_export_leaves_out_incidents_not_selected(admin_client, data):
    rows = export(admin_client, [data["fresh"]])

    assert [row[0] for row in rows[1:]] == [str(data["fresh"].pk)]


def test_csv_export_defuses_spreadsheet_formulas(admin_client, user):
    incident = log(user, company='=HYPERLINK("http://evil.example","x")')

    rows = export(admin_client, [incident])

    assert rows[1][CSV_HEADER.index("company")] == "'=HYPERLINK(\"http://evil.example\",\"x\")"


# Staff only


def test_a_person_who_is_not_staff_is_sent_away_from_the_admin(client, user, data):
    client.force_login(user)

    for url in (reverse("admin:index"), reverse("admin:incidents_incident_changelist"),
                reverse("admin:incidents_incident_change", args=[data["closed"].pk])):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url


def test_a_non_staff_person_cannot_export_csv(client, user, data):
    client.force_login(user)
    response = client.post(
        reverse("admin:incidents_incident_changelist"),
        {"action": "export_csv", "_selected_action": [str(data["closed"].pk)]},
    )

    assert response.status_code == 302
    assert not getattr(response, "streaming", False)


def test_anonymous_visitors_are_sent_to_a_login_page(client):
    url = reverse("admin:incidents_incident_changelist")
    response = client.get(url)

    assert response.status_code == 302
    # LoginRequiredMiddleware answers first, with the site's login; staff come back after it.
    assert response.url == f"{reverse('login')}?next={url}"


def test_closed_incident_details_are_read_only_in_the_admin_but_lessons_save(admin_client):
    owner = UserFactory()
    incident = services.incident_log(
        owner=owner, company="Acme", role="Engineer", interview_at=BASE,
        interview_tz="Europe/Berlin", candidate_tz="Europe/Berlin", format="video",
        cause="calendar", now=BASE + timedelta(minutes=30),
    )
    services.incident_close(
        incident=incident, outcome="moved_on", now=BASE + timedelta(minutes=30)
    )
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="company"' not in page.content.decode()
    response = admin_client.post(
        url, form_data(page, company="Changed", lessons="Two alarms."), follow=True
    )
    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.company == "Acme"
    assert incident.lessons == "Two alarms."
