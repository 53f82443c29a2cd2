"""The only way a request's id becomes a crisis case. Crisis responders and administrators
see the queue; for anyone else every case id answers like one that does not exist."""

from __future__ import annotations

from django.http import Http404

from alongside.core.actor import Actor, Role
from alongside.safety.models import Case

_MAX_ID = 2**63 - 1


def can_respond(actor: Actor) -> bool:
    """Crisis responders (and administrators, who hold every role)."""
    return actor.is_authenticated and actor.has_role(Role.CRISIS_RESPONDER)


def require_responder(actor: Actor) -> None:
    if not can_respond(actor):
        raise Http404


def get_case_for(actor: Actor, case_id: int) -> Case:
    """A case the actor may handle. Missing or not theirs to see: the same 404. Nobody
    handles a case about themself (a responder in crisis is cared for by colleagues)."""
    if not can_respond(actor) or not isinstance(case_id, int) or not 0 < case_id <= _MAX_ID:
        raise Http404
    case = (
        Case.objects.select_related("person", "acknowledged_by", "closed_by")
        .filter(pk=case_id)
        .first()
    )
    if case is None or case.person_id == actor.user_id:
        raise Http404
    return case
