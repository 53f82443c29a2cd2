from __future__ import annotations

from django.urls import path

from alongside.safety import views

urlpatterns = [
    path("help", views.help_page, name="help"),
    path("help/", views.help_page),
    path("safety-plan", views.safety_plan, name="safety-plan"),
    path("safety-plan/edit", views.safety_plan_edit, name="safety-plan-edit"),
]
