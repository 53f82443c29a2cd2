"""The chokepoint from an id in a request to a privacy object."""

from __future__ import annotations

import uuid

from django.http import Http404

from alongside.core.actor import Actor
from alongside.privacy.models import ExportRequest


def export_get_for(actor: Actor, export_id: object) -> ExportRequest:
    """Only the owner sees an export; a malformed id, a missing one and someone else's all give
    the same 404."""
    try:
        pk = uuid.UUID(str(export_id))
    except ValueError:
        raise Http404 from None
    export = (
        ExportRequest.objects.filter(pk=pk, user_id=actor.user_id).first()
        if actor.user_id is not None
        else None
    )
    if export is None:
        raise Http404
    return export
