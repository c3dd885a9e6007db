"""Draft pages (the message composer): the list of drafts, one draft of an incident, and the
jobs of that page, each a POST to its own URL (a GET of one goes to the draft page)."""

from django.urls import path

from . import draft_views

DRAFT = "incidents/<int:pk>/drafts/<slug:kind>/"

urlpatterns = [
    path("incidents/<int:pk>/drafts/", draft_views.drafts, name="drafts"),
    path(DRAFT, draft_views.draft, name="draft"),
    # The edited draft: check it, or record it as sent.
    path(DRAFT + "check/", draft_views.draft_check, name="draft_check"),
    path(DRAFT + "record/", draft_views.draft_record, name="draft_record"),
    # A fact the draft needs, saved where it belongs.
    path(DRAFT + "name/", draft_views.draft_name, name="draft_name"),
    path(DRAFT + "contact/", draft_views.draft_contact, name="draft_contact"),
    path(DRAFT + "slots/", draft_views.draft_slots, name="draft_slots"),
    path(DRAFT + "topic/", draft_views.draft_topic, name="draft_topic"),
    path(DRAFT + "material/", draft_views.draft_material, name="draft_material"),
]
