"""Draft pages (the message composer). Placeholder routes until the composer lands."""

from django.http import Http404
from django.urls import path


def _not_yet(request, pk, kind=None):
    raise Http404("Drafts are not built yet.")


urlpatterns = [
    path("incidents/<int:pk>/drafts/", _not_yet, name="drafts"),
    path("incidents/<int:pk>/drafts/<slug:kind>/", _not_yet, name="draft"),
]
