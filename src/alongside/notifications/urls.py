"""Mounted under ``notifications/`` by the project's urls.py."""

from __future__ import annotations

from django.urls import path

from alongside.notifications import views

urlpatterns = [
    path("", views.notification_list_view, name="notification-list"),
    path("read/", views.notification_read_view, name="notification-read"),
]
