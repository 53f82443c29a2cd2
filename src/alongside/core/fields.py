"""Model fields that keep private text encrypted at rest (see ``alongside.core.crypto``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from alongside.core.crypto import decrypt_text, encrypt_text


class _EncryptedAttribute(DeferredAttribute):
    """Decrypts on first read; the plaintext then lives only on the instance in memory.

    A data descriptor (it defines ``__set__``) so that reads always pass through ``__get__``,
    even after Django's ``Model.__init__`` has put the loaded ciphertext on the instance.
    """

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        value = super().__get__(instance, cls)
        if instance is None or not isinstance(value, (bytes, memoryview)):
            return value
        field: EncryptedTextField = self.field  # type: ignore[assignment]
        plaintext = decrypt_text(
            bytes(value),
            owner_id=field.owner_id_of(instance),
            table=instance._meta.db_table,
            field=field.attname,
            row_id=instance.pk,
        )
        instance.__dict__[field.attname] = plaintext
        return plaintext


class EncryptedTextField(models.BinaryField):
    """Text encrypted with the owner's data key, bound to table, field, row and owner.

    The row's primary key must exist before the first save (use a UUID primary key), because
    it is part of the associated data. ``owner_field`` names the foreign key to the user whose
    key encrypts the value. The column cannot be filtered or ordered on, by design.
    """

    descriptor_class = _EncryptedAttribute

    def __init__(self, *args: Any, owner_field: str = "user", **kwargs: Any) -> None:
        self.owner_field = owner_field
        kwargs.setdefault("editable", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["owner_field"] = self.owner_field
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def owner_id_of(self, instance: Any) -> int:
        owner_id = getattr(instance, f"{self.owner_field}_id", None)
        if owner_id is None:
            raise ImproperlyConfigured(
                f"{type(instance).__name__}.{self.name} needs its owner set before encryption"
            )
        return int(owner_id)

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None or isinstance(value, (bytes, memoryview)):
            return value
        if model_instance.pk is None:
            raise ImproperlyConfigured(
                f"{type(model_instance).__name__} needs a primary key before saving "
                f"encrypted field {self.name} (use a UUID primary key)"
            )
        return encrypt_text(
            str(value),
            owner_id=self.owner_id_of(model_instance),
            table=model_instance._meta.db_table,
            field=self.attname,
            row_id=model_instance.pk,
        )

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if isinstance(value, str):
            raise TypeError("encrypted fields are written through save(), not as query values")
        return super().get_db_prep_value(value, connection, prepared)

    def to_python(self, value: Any) -> Any:
        return value

    def value_to_string(self, obj: Any) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else str(value)

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        return forms.CharField(widget=forms.Textarea, required=not self.blank, **kwargs)
