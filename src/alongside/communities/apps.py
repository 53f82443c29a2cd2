from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "alongside.communities"
    label = "communities"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from alongside.communities import inventory, tasks  # noqa: F401  (registrations)
