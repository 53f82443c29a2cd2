from __future__ import annotations

from django.urls import path

from alongside.moderation import views

app_name = "moderation"

urlpatterns = [
    path("mod/queue/", views.queue, name="queue"),
    path("mod/items/<int:item_id>/", views.item_detail, name="item-detail"),
    path("mod/items/<int:item_id>/claim/", views.item_claim, name="item-claim"),
    path("mod/items/<int:item_id>/act/", views.item_action, name="item-action"),
    path("mod/appeals/", views.appeal_list, name="appeal-list"),
    path("mod/appeals/<int:appeal_id>/decide/", views.appeal_decide, name="appeal-decide"),
    path("mod/watched-words/", views.watched_words, name="watched-words"),
    path("mod/watched-words/export/", views.watched_words_export, name="watched-words-export"),
    path("mod/users/<str:username>/notes/", views.user_notes, name="user-notes"),
    path("moderation/", views.my_moderation, name="my-moderation"),
    path("moderation/actions/<int:action_id>/appeal/", views.appeal_create, name="appeal-create"),
    path("report/", views.report_create, name="report-create"),
    path("report/sent/", views.report_sent, name="report-sent"),
    path("c/<slug:slug>/modlog/", views.community_modlog, name="community-modlog"),
    path("transparency/", views.transparency, name="transparency"),
    path("suspended/", views.suspended, name="suspended"),
]
