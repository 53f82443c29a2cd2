from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "alongside.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from alongside.notifications import inventory, tasks  # noqa: F401  (registrations)
