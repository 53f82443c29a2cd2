"""Keyset pagination: opaque cursors that carry the sort key of the last item shown.

A cursor is URL-safe base64 of a small JSON list. Decoding checks the shape strictly, so a
tampered cursor is a clear 422 on the ``cursor`` field, never a 500 or a silent first page.
Pages stay equally fast however deep they go: the database seeks to the key, no OFFSET.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from alongside.core.api import ApiError

MAX_CURSOR_CHARS = 400


def _bad() -> ApiError:
    return ApiError(
        422, _("This page link is not valid; start from the first page."), "invalid", "cursor"
    )


def cursor_encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime.datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str | None, kinds: Sequence[type]) -> list[Any] | None:
    """Decode a cursor whose values have the given types (int, float, str, datetime)."""
    if cursor is None or cursor == "":
        return None
    if len(cursor) > MAX_CURSOR_CHARS:
        raise _bad()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad() from None
    if not isinstance(values, list) or len(values) != len(kinds):
        raise _bad()
    out: list[Any] = []
    for value, kind in zip(values, kinds, strict=True):
        if kind is datetime.datetime:
            if not isinstance(value, str):
                raise _bad()
            try:
                parsed = datetime.datetime.fromisoformat(value)
            except ValueError:
                raise _bad() from None
            if parsed.tzinfo is None:
                raise _bad()
            out.append(parsed)
        elif kind is int:
            if not isinstance(value, int) or isinstance(value, bool) or abs(value) > 2**62:
                raise _bad()
            out.append(value)
        elif kind is float:
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise _bad()
            out.append(float(value))
        else:
            if not isinstance(value, str) or len(value) > 200:
                raise _bad()
            out.append(value)
    return out
