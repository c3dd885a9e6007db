"""Draft pages (the message composer): the list of drafts and one draft of an incident."""

from django.urls import path

from . import draft_views

urlpatterns = [
    path("incidents/<int:pk>/drafts/", draft_views.drafts, name="drafts"),
    path("incidents/<int:pk>/drafts/<slug:kind>/", draft_views.draft, name="draft"),
]
