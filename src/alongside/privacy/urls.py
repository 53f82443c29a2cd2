from __future__ import annotations

from django.urls import path

from alongside.privacy import views

urlpatterns = [
    path("", views.privacy_overview, name="privacy"),
    path("consents/<str:purpose>/", views.privacy_consent_update, name="privacy-consent-update"),
    path("export/", views.privacy_export_create, name="privacy-export-create"),
    path(
        "export/<str:export_id>/download/",
        views.privacy_export_download,
        name="privacy-export-download",
    ),
    path("erase/", views.privacy_erase, name="privacy-erase"),
    path("goodbye/", views.privacy_erase_done, name="privacy-erase-done"),
]
