from django.urls import path

from alongside.communities import views

urlpatterns = [
    path("c/", views.community_list, name="community-list"),
    path("c/<slug:slug>/", views.community_detail, name="community-detail"),
    path("c/<slug:slug>/join/", views.community_join, name="community-join"),
    path("c/<slug:slug>/leave/", views.community_leave, name="community-leave"),
    path("c/<slug:slug>/new/", views.thread_create, name="thread-create"),
    path("t/<int:thread_id>/", views.thread_detail, name="thread-detail"),
    path("t/<int:thread_id>/reply/", views.thread_reply_create, name="thread-reply-create"),
    path("t/<int:thread_id>/lock/", views.thread_lock, name="thread-lock"),
    path("t/<int:thread_id>/bookmark/", views.thread_bookmark, name="thread-bookmark"),
    path("p/<int:post_id>/edit/", views.post_edit, name="post-edit"),
    path("p/<int:post_id>/delete/", views.post_delete, name="post-delete"),
    path("p/<int:post_id>/react/", views.post_react, name="post-react"),
    path("p/<int:post_id>/warning/", views.post_warning, name="post-warning"),
    path("p/<int:post_id>/history/", views.post_history, name="post-history"),
    path("p/<int:post_id>/reveal/", views.post_reveal, name="post-reveal"),
    path("p/<int:post_id>/publish/", views.post_publish, name="post-publish"),
    path("p/<int:post_id>/discard/", views.post_discard, name="post-discard"),
    path("p/<int:post_id>/approve/", views.post_approve, name="post-approve"),
    path("waiting/", views.pending_post_list, name="pending-post-list"),
    path("approvals/", views.approval_list, name="approval-list"),
    path("feed/", views.feed, name="feed"),
    path("search/", views.search, name="search"),
    path("tags/", views.tag_list, name="tag-list"),
    path("tags/<str:name>/", views.tag_detail, name="tag-detail"),
    path("bookmarks/", views.bookmark_list, name="bookmark-list"),
]
