"""The data inventory: what every app stores about a person, and how to export and erase it.

Each app registers one entry per model that holds data about a user (from its
``AppConfig.ready``): where the user is (``user_field``), how the rows are exported (a list of
fields or a function returning JSON-able dicts), how they are erased (deleted, retained with a
written reason, or a function that tombstones or anonymises) and which fields are encrypted.

The export job and the erasure job walk these entries and nothing else, so a table that is not
registered would silently escape both. :func:`unregistered_user_references` lists every model
field that points at the user model and is not accounted for; a meta-test keeps it empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.functional import Promise

from alongside.core.fields import EncryptedTextField

#: Returns the user's rows as JSON-able dicts (secrets left out, encrypted fields decrypted).
ExportFn = Callable[[int], list[dict[str, Any]]]
#: Erases the user's rows (delete, tombstone or anonymise); returns how many rows it touched.
EraseFn = Callable[[int], int]


class Erase(StrEnum):
    DELETE = "delete"
    #: Kept on purpose; the entry must say why (``retain_reason``) and hold no personal data.
    RETAIN = "retain"


class Phase(IntEnum):
    """Order of erasure. Keys go first (crypto-shredding makes every copy of the ciphertexts,
    backups included, unreadable even if a later step fails); the account row goes last, so a
    crash part-way leaves a row to resume from."""

    SHRED = 0
    ROWS = 50
    ACCOUNT = 100


@dataclass(frozen=True)
class InventoryEntry:
    model_label: str
    section: str
    description: str | Promise
    user_field: str
    export: ExportFn | tuple[str, ...]
    erase: Erase | EraseFn
    encrypted_fields: tuple[str, ...] = ()
    #: Fields that point at *other* users (e.g. who granted a role). Their rows belong to
    #: someone else; the foreign key's on_delete decides what happens when that person goes.
    other_user_fields: tuple[str, ...] = ()
    phase: Phase = Phase.ROWS
    retain_reason: str = ""

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def step(self) -> str:
        """The name of this entry's erasure step, as recorded on an erasure request."""
        return f"erase:{self.model_label.lower()}"

    def queryset(self, user_id: int) -> models.QuerySet[Any]:
        return self.model._default_manager.filter(**{self.user_field: user_id})

    def export_rows(self, user_id: int) -> list[dict[str, Any]]:
        if callable(self.export):
            rows = self.export(user_id)
        else:
            fields = self.export
            rows = [
                {name: getattr(obj, name) for name in fields}
                for obj in self.queryset(user_id).order_by("pk")
            ]
        return jsonable(rows)

    def erase_rows(self, user_id: int) -> int:
        if self.erase == Erase.RETAIN:
            return 0
        if self.erase == Erase.DELETE:
            deleted, _by_model = self.queryset(user_id).delete()
            return deleted
        assert callable(self.erase)
        return self.erase(user_id)


_registry: dict[str, InventoryEntry] = {}


def jsonable(rows: Any) -> Any:
    """Dates as ISO 8601, UUIDs and decimals as strings; anything else that is not JSON (raw
    bytes such as an un-decrypted ciphertext) is a bug in the entry and fails loudly."""
    return json.loads(json.dumps(rows, cls=DjangoJSONEncoder))


def _label(model: type[models.Model] | str) -> str:
    if isinstance(model, str):
        return apps.get_model(model)._meta.label
    return model._meta.label


def _check_field(model: type[models.Model], name: str, what: str) -> None:
    if name == "pk":
        return
    try:
        model._meta.get_field(name.split("__", maxsplit=1)[0])
    except FieldDoesNotExist as exc:
        raise ImproperlyConfigured(
            f"inventory entry {model._meta.label}: {what} {name!r} is not a field"
        ) from exc


def register(
    model: type[models.Model] | str,
    *,
    section: str,
    description: str | Promise,
    export: ExportFn | Sequence[str],
    erase: Erase | EraseFn,
    user_field: str = "user",
    encrypted_fields: Sequence[str] = (),
    other_user_fields: Sequence[str] = (),
    phase: Phase = Phase.ROWS,
    retain_reason: str = "",
) -> InventoryEntry:
    """Declare what a model stores about a user and how to export and erase it."""
    label = _label(model)
    model_cls = apps.get_model(label)
    if label in _registry:
        raise ImproperlyConfigured(f"inventory entry for {label} is registered twice")
    if any(e.section == section for e in _registry.values()):
        raise ImproperlyConfigured(f"inventory section {section!r} is used twice")
    if erase == Erase.RETAIN and not retain_reason:
        raise ImproperlyConfigured(f"inventory entry {label} retains rows without a reason")
    _check_field(model_cls, user_field, "user_field")
    for name in (*encrypted_fields, *other_user_fields):
        _check_field(model_cls, name, "field")
    if not callable(export):
        for name in export:
            _check_field(model_cls, name, "export field")
    entry = InventoryEntry(
        model_label=label,
        section=section,
        description=description,
        user_field=user_field,
        export=export if callable(export) else tuple(export),
        erase=erase,
        encrypted_fields=tuple(encrypted_fields),
        other_user_fields=tuple(other_user_fields),
        phase=phase,
        retain_reason=retain_reason,
    )
    _registry[label] = entry
    return entry


def entries() -> list[InventoryEntry]:
    """Every entry in erasure order: keys first, the account row last, stable in between."""
    return sorted(_registry.values(), key=lambda e: (e.phase, e.model_label))


def entry_for(model: type[models.Model] | str) -> InventoryEntry | None:
    return _registry.get(_label(model))


def _user_model() -> type[models.Model]:
    return apps.get_model(settings.AUTH_USER_MODEL)


def user_references(model: type[models.Model]) -> list[str]:
    """Names of the model's own fields (FK, one-to-one, many-to-many) that point at a user."""
    user_model = _user_model()
    return [
        field.name
        for field in model._meta.get_fields()
        if field.is_relation
        and not field.auto_created
        and field.concrete
        and field.related_model is user_model
    ] + [field.name for field in model._meta.many_to_many if field.related_model is user_model]


def unregistered_user_references(
    models_to_check: Iterable[type[models.Model]] | None = None,
) -> list[str]:
    """``"app.Model.field"`` for every field pointing at the user model that no entry covers.

    A field is covered when its model is registered and the field is the entry's user field or
    one of its ``other_user_fields``. Auto-created many-to-many tables are covered by the
    model that declares the relation; proxies share their concrete model's table.
    """
    if models_to_check is None:
        models_to_check = apps.get_models()
    missing: list[str] = []
    for model in models_to_check:
        if model._meta.proxy or model._meta.auto_created:
            continue
        refs = list(dict.fromkeys(user_references(model)))
        if not refs:
            continue
        entry = _registry.get(model._meta.label)
        covered: set[str] = set()
        if entry is not None:
            covered = {entry.user_field.split("__")[0], *entry.other_user_fields}
        missing.extend(f"{model._meta.label}.{name}" for name in refs if name not in covered)
    return missing


def undeclared_encrypted_fields() -> list[str]:
    """Encrypted fields of registered models that their entry does not declare (or vice versa):
    the export must decrypt them and reviewers must see them."""
    problems: list[str] = []
    for entry in _registry.values():
        actual = {
            f.name for f in entry.model._meta.get_fields() if isinstance(f, EncryptedTextField)
        }
        declared = set(entry.encrypted_fields)
        problems.extend(f"{entry.model_label}.{n} (undeclared)" for n in sorted(actual - declared))
        problems.extend(
            f"{entry.model_label}.{n} (not encrypted)" for n in sorted(declared - actual)
        )
    return problems


def export_sections(user_id: int) -> dict[str, dict[str, Any]]:
    """Every entry's rows for one user, keyed by section, the profile first."""
    ordered = sorted(entries(), key=lambda e: (e.phase != Phase.ACCOUNT, e.section))
    return {
        entry.section: {"description": entry.description, "items": entry.export_rows(user_id)}
        for entry in ordered
    }
