"""Authentication backends (``AUTHENTICATION_BACKENDS``): Django's and allauth's, reading the
signed-in user of each request with one plain statement (decision 0025)."""

from __future__ import annotations

from typing import Any

from allauth.account import auth_backends
from django.contrib.auth import backends, get_user_model
from django.db import connections, router


def user_by_id(user_id: Any) -> Any:
    """The user with this id, or None: the same instance ``User.objects.get(pk=...)`` builds,
    through ``raw()`` (every column named, Django's converters applied) so the query is not
    compiled again on every request."""
    model = get_user_model()
    connection = connections[router.db_for_read(model)]
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    columns = ", ".join(quote(field.column or field.attname) for field in fields)
    key = model._meta.pk.column or model._meta.pk.attname
    sql = f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {quote(key)} = %s"  # noqa: S608
    found = list(model._default_manager.raw(sql, [user_id]))
    return found[0] if found else None


class _UserById:
    def get_user(self, user_id: Any) -> Any:
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_UserById, backends.ModelBackend):
    pass


class AuthenticationBackend(_UserById, auth_backends.AuthenticationBackend):
    pass
