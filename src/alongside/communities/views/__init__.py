"""Communities pages: the same behaviour as the API, rendered on the server.

Every page works without JavaScript: links for sorting and paging, plain forms for every
write, ``<details>`` for content warnings and confirmations. htmx only adds to that: "Load
more" appends the next page in place, and reactions and bookmarks update without a reload.

Views turn request ids into objects only through ``access`` (404 otherwise), read through
``selectors`` and write through ``services``; a service's ``ApiError`` is shown next to the
field it names, with its 4xx status, and the form keeps what was typed.
"""

from alongside.communities.views.communities import (
    community_detail,
    community_join,
    community_leave,
    community_list,
)
from alongside.communities.views.future_self import (
    approval_list,
    pending_post_list,
    post_approve,
    post_discard,
    post_publish,
)
from alongside.communities.views.lists import bookmark_list, feed, search, tag_detail, tag_list
from alongside.communities.views.posts import (
    post_delete,
    post_edit,
    post_history,
    post_react,
    post_reveal,
    post_warning,
)
from alongside.communities.views.threads import (
    thread_bookmark,
    thread_create,
    thread_detail,
    thread_lock,
    thread_reply_create,
)

__all__ = [
    "approval_list",
    "bookmark_list",
    "community_detail",
    "community_join",
    "community_leave",
    "community_list",
    "feed",
    "pending_post_list",
    "post_approve",
    "post_delete",
    "post_discard",
    "post_edit",
    "post_history",
    "post_publish",
    "post_react",
    "post_reveal",
    "post_warning",
    "search",
    "tag_detail",
    "tag_list",
    "thread_bookmark",
    "thread_create",
    "thread_detail",
    "thread_lock",
    "thread_reply_create",
]
