"""The HTTP shape of an export download, shared by the page and the API."""

from __future__ import annotations

from django.http import HttpResponse

from alongside.privacy.models import ExportRequest


def archive_response(export: ExportRequest, text: str) -> HttpResponse:
    """The archive as a JSON attachment that no cache or proxy may keep."""
    response = HttpResponse(text.encode("utf-8"), content_type="application/json; charset=utf-8")
    stamp = (export.ready_at or export.created_at).strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="alongside-export-{stamp}.json"'
    response["Cache-Control"] = "no-store, private"
    return response
