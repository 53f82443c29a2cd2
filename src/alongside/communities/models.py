"""Communities, their threads and posts, and what members attach to posts.

Invariants kept by ``services`` (never by save() or signals):
- a thread's first post is its opening post (``is_opening``); the thread's ``cw_topics``,
  ``status`` and ``anonymous`` mirror it, so lists can filter without touching posts;
- ``author`` is always stored, also for anonymous posts; only the author and, with a
  recorded reason, safety and moderation staff may learn it (``services.author_reveal``);
- ``reply_count`` and ``support_count`` count visible replies and support reactions;
- a post waiting for its author's future self (``Status.PENDING``, decision 0013) is seen by
  its author alone (and, through their approval page, by the person the author trusts);
  its ``created_at`` becomes the time it is published, which is also its place in the thread.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Community(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone can read")
        MEMBERS = "members", _("Members only: join to read")
        PRIVATE = "private", _("Private: by invitation")

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    rules = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    #: Teens (13–17) see only communities marked for them.
    teen_friendly = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "communities"

    def __str__(self) -> str:
        return self.slug


class Membership(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "community"], name="membership_unique")
        ]


class Invitation(models.Model):
    """An invitation to a private community; joining uses it up."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "community"], name="invitation_unique")
        ]


class Status(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HELD = "held", _("Held for review")
    REMOVED = "removed", _("Removed by a moderator")
    DELETED = "deleted", _("Removed by its author")
    #: Held by its author's "future self" option (decision 0013): only the author sees it.
    PENDING = "pending", _("Waiting to be published")


class Thread(models.Model):
    id = models.BigAutoField(primary_key=True)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="threads")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="threads"
    )
    anonymous = models.BooleanField(default=False)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VISIBLE)
    locked = models.BooleanField(default=False)
    #: ",topic,topic," of the opening post's warning (LIKE-filterable on every database)
    cw_topics = models.CharField(max_length=200, blank=True, default="")
    reply_count = models.PositiveIntegerField(default=0)
    support_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["community", "-last_activity_at", "-id"], name="thread_community_activity"
            ),
            models.Index(fields=["community", "-created_at", "-id"], name="thread_community_new"),
            models.Index(fields=["-created_at", "-id"], name="thread_new"),
            models.Index(
                fields=["reply_count", "-created_at", "-id"],
                name="thread_unanswered",
                condition=models.Q(reply_count=0),
            ),
        ]

    def __str__(self) -> str:
        return f"Thread({self.pk})"


class Post(models.Model):
    id = models.BigAutoField(primary_key=True)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="posts"
    )
    anonymous = models.BooleanField(default=False)
    is_opening = models.BooleanField(default=False)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    #: sanitised HTML rendered at write time, so reads never run the Markdown parser
    body_html = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VISIBLE)
    cw_topics = models.CharField(max_length=200, blank=True, default="")
    cw_text = models.CharField(max_length=120, blank=True, default="")
    cw_by_moderator = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    #: While pending: when the author's hold ends and the post is published.
    release_at = models.DateTimeField(null=True, blank=True)
    #: While pending: from when the author may publish it early (half the hold).
    early_release_at = models.DateTimeField(null=True, blank=True)
    #: While pending: safety or moderation asked to hold it; it goes to review when released.
    review_hold = models.BooleanField(default=False)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["thread", "id"], name="post_thread_order"),
            models.Index(fields=["thread", "created_at", "id"], name="post_thread_time"),
            models.Index(fields=["author", "-id"], name="post_author_recent"),
            # The release job scans only waiting posts.
            models.Index(
                fields=["release_at", "id"],
                name="post_pending_release",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:  # never the text
        return f"Post({self.pk})"


class PostRevision(models.Model):
    """An earlier version of a post, kept when it is edited; moderators may read the history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    cw_topics = models.CharField(max_length=200, blank=True, default="")
    cw_text = models.CharField(max_length=120, blank=True, default="")
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_moderator = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)


class Reaction(models.Model):
    class Kind(models.TextChoices):
        HUG = "hug", _("Sending a hug")
        RELATE = "relate", _("I relate")
        THANKS = "thanks", _("Thank you for sharing")
        STRENGTH = "strength", _("Sending strength")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="reaction_unique")
        ]


class Bookmark(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "thread"], name="bookmark_unique")
        ]


class Tag(models.Model):
    """A hashtag. Operators block tags (e.g. ones used to promote self-harm): a blocked tag's
    page shows support instead of posts, and it never trends."""

    name = models.CharField(max_length=40, unique=True)
    blocked = models.BooleanField(default=False)
    blocked_reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class PostTag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="post_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="post_tags")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["post", "tag"], name="post_tag_unique")
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["tag", "-created_at"], name="post_tag_recent"),
            models.Index(fields=["created_at"], name="post_tag_window"),
        ]
