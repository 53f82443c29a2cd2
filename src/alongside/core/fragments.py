"""Memoised rendering of small, hot template fragments (a post on a thread page).

A fragment is a pure function of its template, its context, the active language and time
zone. The key is a hash of exactly those, so a hit is, by construction, the same HTML the
template would render now — there is nothing to invalidate: an edited post, a new reaction or
another reader (``is_me``, pressed reactions, offered actions) makes a different key. Entries
live in this process only (a bounded LRU), never in a shared cache, so nothing rendered for
one reader can be served to another unless the whole input was identical.

The CSRF token differs per reader; fragments are rendered with :data:`CSRF_PLACEHOLDER` and
the caller puts the reader's token in (:func:`with_csrf`).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from alongside.core.lru import BoundedMemo

CSRF_PLACEHOLDER = "csrf-placeholder-5b0c3f"
MAX_ENTRIES = 5000


class FragmentMemo(BoundedMemo[bytes, str]):
    """Rendered fragments keyed by a digest of everything the template reads."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        super().__init__(max_entries)

    def _key(self, template_name: str, context: Mapping[str, Any]) -> bytes | None:
        try:
            blob = pickle.dumps(
                (
                    template_name,
                    translation.get_language(),
                    timezone.get_current_timezone_name(),
                    dict(context),
                ),
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        except (pickle.PicklingError, TypeError, AttributeError):
            return None
        return hashlib.blake2b(blob, digest_size=20).digest()

    def render(self, template_name: str, context: Mapping[str, Any]) -> str:
        key = self._key(template_name, context)
        if key is None:
            return render_to_string(template_name, dict(context))
        return self.get_or_compute(key, lambda: render_to_string(template_name, dict(context)))


memo = FragmentMemo()


def with_csrf(request: HttpRequest, html: str) -> SafeString:
    """Put the reader's CSRF token where the fragment has the placeholder."""
    if CSRF_PLACEHOLDER in html:
        # One masked token per response: ``get_token`` masks afresh on every call.
        token = getattr(request, "_fragment_csrf_token", None)
        if token is None:
            token = get_token(request)
            request._fragment_csrf_token = token  # type: ignore[attr-defined]
        html = html.replace(CSRF_PLACEHOLDER, token)
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, escaped there
