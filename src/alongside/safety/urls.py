from __future__ import annotations

from django.urls import include, path

from alongside.safety import case_views, help_views, views

#: Under /safety/, URL names in the "safety" namespace (``safety:talk``, ``safety:case-list``).
crisis_patterns = [
    path("talk/", case_views.talk, name="talk"),
    path("cases/", case_views.case_list, name="case-list"),
    path("cases/<int:case_id>/", case_views.case_detail, name="case-detail"),
    path(
        "cases/<int:case_id>/acknowledge/",
        case_views.case_acknowledge,
        name="case-acknowledge",
    ),
    path("cases/<int:case_id>/notes/", case_views.case_note_create, name="case-note-create"),
    path("cases/<int:case_id>/resolve/", case_views.case_resolve, name="case-resolve"),
    path("cases/<int:case_id>/outreach/", case_views.case_outreach, name="case-outreach"),
    path("on-call/", case_views.on_call, name="on-call"),
    path("concern/", case_views.concern_create, name="concern-create"),
    path("concern/sent/", case_views.concern_sent, name="concern-sent"),
    path("settings/", case_views.safety_settings, name="settings"),
]

urlpatterns = [
    path("help", views.help_page, name="help"),
    path("help/", views.help_page),
    path("help/grounding/", help_views.grounding, name="help-grounding"),
    path("safety-plan", views.safety_plan, name="safety-plan"),
    path("safety-plan/edit", views.safety_plan_edit, name="safety-plan-edit"),
    path("safety/", include((crisis_patterns, "safety"))),
]
