"""Evidence without copies: where in a text the engine found risk, kept as offsets and rule
ids next to a keyed digest of the text, never the words themselves (decision 0012).

The words stay in the post, and follow its life: an edit changes them (the digest then no
longer matches, and a responder is told so instead of seeing misplaced highlights), deletion
and erasure remove them. Responders read the evidence in the post as it is now.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from alongside.safety.detection import RiskResult

MAX_SPANS = 50


def text_digest(text: str) -> str:
    """A keyed digest of an assessed text: tells whether a post still says what was assessed
    without keeping its words (and without letting a database reader confirm a guess)."""
    return hmac.new(
        settings.SECRET_KEY.encode(), b"risk-text:" + text.encode("utf-8", "replace"), "sha256"
    ).hexdigest()


def spans_of(text: str, result: RiskResult) -> list[list[Any]]:
    """Evidence as ``[start, end, rule, category]`` offsets into ``text``.

    An engine that matched on a normalised copy may report offsets that do not fit the
    original; the span is then looked up by its words, and kept without offsets if absent."""
    spans: list[list[Any]] = []
    for ev in result.evidence[:MAX_SPANS]:
        start: int | None = ev.start
        end: int | None = ev.end
        if not (0 <= ev.start < ev.end <= len(text) and text[ev.start : ev.end] == ev.text):
            found = text.find(ev.text) if ev.text else -1
            start, end = (found, found + len(ev.text)) if found >= 0 else (None, None)
        spans.append([start, end, str(ev.rule), str(ev.category)])
    return spans


def post_text(*, title: str, body: str, is_opening: bool) -> str:
    """The text communities hands to the engine for a post: an opening post is read with
    its thread's title (``communities.services.thread_create`` and ``post_edit``)."""
    return f"{title}\n{body}" if is_opening else body


def highlight(text: str, spans: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """``text`` cut into segments, the matched ones carrying the rules that matched them.
    Overlapping spans are merged; spans without valid offsets are left out."""
    valid = sorted(
        (int(s[0]), int(s[1]), str(s[2]))
        for s in spans
        if len(s) >= 3
        and isinstance(s[0], int)
        and isinstance(s[1], int)
        and 0 <= s[0] < s[1] <= len(text)
    )
    segments: list[dict[str, Any]] = []
    pos = 0
    for start, end, rule in valid:
        if start < pos:  # overlaps the previous match: extend it
            if segments and segments[-1]["rules"]:
                last = segments[-1]
                if end > pos:
                    last["text"] += text[pos:end]
                    pos = end
                if rule not in last["rules"]:
                    last["rules"].append(rule)
            continue
        if start > pos:
            segments.append({"text": text[pos:start], "rules": []})
        segments.append({"text": text[start:end], "rules": [rule]})
        pos = end
    if pos < len(text):
        segments.append({"text": text[pos:], "rules": []})
    return segments
