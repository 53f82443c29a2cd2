"""System checks: production settings are refused loudly (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from alongside.core.config import production_problems


@register(Tags.security, deploy=True)
def check_production_settings(app_configs: Any, **kwargs: Any) -> list[Error]:
    return [Error(problem, id="alongside.E001") for problem in production_problems(settings)]
