"""``{% thread_card thread %}``: one card of a thread list, memoised per process on exactly
what the card shows (core/fragments.py), as the thread page does for its posts. A list of
twenty threads rendered twenty cards through nested templates on every view."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from alongside.core import fragments

register = template.Library()


@register.simple_tag(takes_context=True)
def thread_card(context: template.Context, thread: dict[str, Any]) -> SafeString:
    html = fragments.memo.render(
        "communities/_thread_card.html",
        {
            "thread": thread,
            "show_community": bool(context.get("show_community")),
            "needs_support": bool(context.get("needs_support")),
        },
    )
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, escaped there
