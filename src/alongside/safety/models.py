"""Safety data that belongs to a person: their safety plan (encrypted with their own key)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from alongside.core.fields import EncryptedTextField


class SafetyPlan(models.Model):
    """A Stanley–Brown safety plan. Every section is private text, encrypted at rest; the
    section keys match ``alongside.safety.plan.SECTION_KEYS``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_plan"
    )
    warning_signs = EncryptedTextField(owner_field="user", null=True, blank=True)
    coping_strategies = EncryptedTextField(owner_field="user", null=True, blank=True)
    distractions = EncryptedTextField(owner_field="user", null=True, blank=True)
    people_to_ask = EncryptedTextField(owner_field="user", null=True, blank=True)
    professionals = EncryptedTextField(owner_field="user", null=True, blank=True)
    environment_safety = EncryptedTextField(owner_field="user", null=True, blank=True)
    reasons_for_living = EncryptedTextField(owner_field="user", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:  # never the text
        return f"SafetyPlan({self.pk})"
