from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "alongside.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from alongside.core import checks  # noqa: F401  (registers system checks)
        from alongside.core.pagecache import install

        # Every connection notices the writes that change what visitors see (decision 0022).
        connection_created.connect(install, dispatch_uid="alongside-pagecache")
