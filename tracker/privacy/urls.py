from django.urls import path

from . import views

urlpatterns = [
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/export/", views.export_create, name="export_create"),
    path("privacy/export/download/", views.export_download, name="export_download"),
    path("privacy/coaches/", views.coach_access, name="coach_access"),
    path("privacy/delete/", views.account_delete, name="account_delete"),
    path("coach/", views.coach_dashboard, name="coach_dashboard"),
    path("coach/accept/<str:token>/", views.coach_accept, name="coach_accept"),
    path("incidents/<int:pk>/shared/", views.shared_incident, name="shared_incident"),
    path("incidents/<int:pk>/shared/contacts/", views.shared_contacts, name="shared_contacts"),
    path("incidents/<int:pk>/shared/comments/", views.shared_comment, name="shared_comment"),
]
