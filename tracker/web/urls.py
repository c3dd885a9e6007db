from django.urls import include, path

from . import unsubscribe_views, views, visitor_views, write_views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("history/", views.history, name="history"),
    # Issue 11: help before the account, and the zone search of every zone field.
    path("start/", visitor_views.start, name="visitor_start"),
    path("start/drafts/", visitor_views.drafts, name="visitor_drafts"),
    path("zones/", visitor_views.zones_json, name="zone_search"),
    path("incidents/new/", views.incident_log, name="incident_log"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/edit/", views.incident_edit, name="incident_edit"),
    path("incidents/<int:pk>/contacts/add/", write_views.contact_add, name="contact_add"),
    path("incidents/<int:pk>/outreach/add/", write_views.outreach_add, name="outreach_add"),
    path("incidents/<int:pk>/reschedule/", write_views.reschedule_request,
         name="reschedule_request"),
    path("incidents/<int:pk>/confirm/", write_views.reschedule_confirm, name="reschedule_confirm"),
    path("incidents/<int:pk>/attended/", write_views.interview_attended, name="interview_attended"),
    path("incidents/<int:pk>/thank-you/", write_views.thank_you, name="thank_you"),
    path("incidents/<int:pk>/materials/add/", write_views.material_add, name="material_add"),
    path("incidents/<int:pk>/lessons/", write_views.lessons, name="lessons"),
    path("incidents/<int:pk>/close/", write_views.incident_close, name="incident_close"),
    path("incidents/<int:pk>/reopen/", write_views.incident_reopen, name="incident_reopen"),
    path("contacts/<int:pk>/edit/", write_views.contact_edit, name="contact_edit"),
    path("outreach/<int:pk>/", write_views.outreach_detail, name="outreach_detail"),
    path("reschedules/<int:pk>/reply/", write_views.reschedule_reply, name="reschedule_reply"),
    path("reschedules/<int:pk>/cancel/", write_views.reschedule_cancel, name="reschedule_cancel"),
    path("safeguards/<int:pk>/toggle/", write_views.safeguard_toggle, name="safeguard_toggle"),
    path("materials/<int:pk>/resolve/", write_views.material_resolve, name="material_resolve"),
    path("", include("tracker.web.draft_urls")),
    path("", include("tracker.web.reminder_urls")),
    path("reminders/unsubscribe/<str:token>/", unsubscribe_views.reminder_unsubscribe,
         name="reminder_unsubscribe"),
]
