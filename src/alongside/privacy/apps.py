from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "alongside.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from alongside.privacy import inventory_entries, tasks  # noqa: F401  (registrations)
